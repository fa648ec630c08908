/* hv.c - opens a hypervisor backend by spec and decodes what every backend
 * shares: Xen's page offline status words and the names of states. */
#include <stdio.h>
#include <string.h>

#include "hypervisor/hv.h"
#include "hypervisor/linux/linux.h"
#include "hypervisor/sim/sim.h"
#include "hypervisor/sim/simhost.h"
#include "hypervisor/xen/xen.h"
#include "hypervisor/xen_page_status.h"

static struct hv *hv_open_sim(const char *path, const struct clock *clock,
                              const struct hv_options *opts, char *err,
                              size_t errlen)
{
	struct sim_scenario *sc;

	if (*path == '\0') {
		snprintf(err, errlen,
		         "the sim backend needs a scenario file: sim:PATH");
		return NULL;
	}
	/* The daemon's host is its own process; tests may run one inside. */
	if (opts != NULL && opts->sim_socket != NULL)
		return hv_sim_attach(path, clock, opts, err, errlen);
	if (sim_scenario_load(path, &sc, err, errlen) < 0)
		return NULL;
	return hv_sim_open(sc, clock, opts, err, errlen);
}

/* "linux:URI" names the libvirt URI; it wins over the options'. */
static struct hv *hv_open_linux(const char *uri, const struct clock *clock,
                                const struct hv_options *opts, char *err,
                                size_t errlen)
{
	struct hv_options o = {0};

	if (opts != NULL)
		o = *opts;
	if (uri != NULL && *uri != '\0')
		o.libvirt_uri = uri;
	return hv_linux_open(clock, &o, err, errlen);
}

struct hv *hv_open(const char *spec, const struct clock *clock,
                   const struct hv_options *opts, char *err, size_t errlen)
{
	const char *colon;
	size_t kind_len;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (spec == NULL || clock == NULL) {
		snprintf(err, errlen, "hv_open: no backend spec or no clock");
		return NULL;
	}
	colon = strchr(spec, ':');
	kind_len = colon != NULL ? (size_t)(colon - spec) : strlen(spec);
	if (kind_len == 3 && strncmp(spec, "sim", 3) == 0)
		return hv_open_sim(colon != NULL ? colon + 1 : "", clock, opts,
		                   err, errlen);
	if (strcmp(spec, "xen") == 0)
		return hv_xen_open(clock, opts, err, errlen);
	if (kind_len == 3 && strncmp(spec, "xen", 3) == 0) {
		snprintf(
		    err, errlen,
		    "the xen backend takes no argument ('xen', not '%.64s')",
		    spec);
		return NULL;
	}
	if (kind_len == 5 && strncmp(spec, "linux", 5) == 0)
		return hv_open_linux(colon != NULL ? colon + 1 : NULL, clock,
		                     opts, err, errlen);
	if (strcmp(spec, "auto") == 0) {
		if (hv_xen_detect(opts != NULL ? opts->root : NULL))
			return hv_xen_open(clock, opts, err, errlen);
		return hv_open_linux(NULL, clock, opts, err, errlen);
	}
	snprintf(err, errlen,
	         "unknown hypervisor backend '%.*s' (sim:PATH, xen, "
	         "linux[:URI], auto)",
	         (int)(kind_len > 64 ? 64 : kind_len), spec);
	return NULL;
}

void hv_close(struct hv *hv)
{
	if (hv != NULL)
		hv->ops->close(hv);
}

const char *hv_page_state_name(enum hv_page_state s)
{
	switch (s) {
	case HV_PAGE_ONLINE:
		return "online";
	case HV_PAGE_OFFLINED:
		return "offlined";
	case HV_PAGE_PENDING:
		return "pending";
	case HV_PAGE_FAILED:
		return "failed";
	case HV_PAGE_AGAIN:
		return "again";
	}
	return "unknown";
}

const char *hv_migration_mode_name(enum hv_migration_mode m)
{
	switch (m) {
	case HV_MODE_LIVE:
		return "live";
	case HV_MODE_SUSPENDED:
		return "suspended";
	case HV_MODE_UNKNOWN:
		break;
	}
	return "";
}

const char *hv_migration_state_name(enum hv_migration_state s)
{
	switch (s) {
	case HV_MIGRATION_NONE:
		return "none";
	case HV_MIGRATION_RUNNING:
		return "running";
	case HV_MIGRATION_DONE:
		return "done";
	case HV_MIGRATION_FAILED:
		return "failed";
	}
	return "unknown";
}

const char *hv_page_owner_name(enum hv_page_owner o)
{
	switch (o) {
	case HV_OWNER_FREE:
		return "free";
	case HV_OWNER_XEN:
		return "xen";
	case HV_OWNER_DOM0:
		return "dom0";
	case HV_OWNER_DOMAIN:
		return "domain";
	case HV_OWNER_ANONYMOUS:
		return "anonymous";
	case HV_OWNER_NOT_RAM:
		return "not-ram";
	}
	return "unknown";
}

/*
 * A word with several outcome bits is not something Xen produces; the
 * most pessimistic one wins so that rasd never counts a refused page as
 * gone. A word with none did not take the page out either.
 */
static enum hv_page_state hv_page_state_from_xen(uint32_t raw)
{
	if (raw & (PG_OFFLINE_INVALID | PG_OFFLINE_FAILED))
		return HV_PAGE_FAILED;
	if (raw & PG_OFFLINE_AGAIN)
		return HV_PAGE_AGAIN;
	if (raw & PG_OFFLINE_PENDING)
		return HV_PAGE_PENDING;
	if (raw & PG_OFFLINE_OFFLINED)
		return HV_PAGE_OFFLINED;
	return HV_PAGE_FAILED;
}

/* Xen reports a dom0 page either as DOM0PAGE or as OWNED by domid 0. */
static void hv_page_owner_from_xen(uint32_t raw, struct hv_page_status *out)
{
	uint32_t domid = raw >> PG_OFFLINE_OWNER_SHIFT;

	if (raw & PG_OFFLINE_XENPAGE) {
		out->owner = HV_OWNER_XEN;
	} else if (raw & PG_OFFLINE_NOT_CONV_RAM) {
		out->owner = HV_OWNER_NOT_RAM;
	} else if (raw & PG_OFFLINE_DOM0PAGE) {
		out->owner = HV_OWNER_DOM0;
	} else if (raw & PG_OFFLINE_OWNED) {
		if (domid == 0) {
			out->owner = HV_OWNER_DOM0;
		} else if (domid == XEN_DOMID_XEN) {
			out->owner = HV_OWNER_XEN;
		} else if (domid >= XEN_DOMID_FIRST_RESERVED) {
			out->owner = HV_OWNER_ANONYMOUS;
		} else {
			out->owner = HV_OWNER_DOMAIN;
			out->domid = domid;
		}
	} else if (raw & PG_OFFLINE_ANONYMOUS) {
		out->owner = HV_OWNER_ANONYMOUS;
	} else {
		out->owner = HV_OWNER_FREE;
	}
}

void hv_page_status_from_xen(uint32_t raw, struct hv_page_status *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = raw;
	out->state = hv_page_state_from_xen(raw);
	out->broken = (raw & PG_OFFLINE_BROKEN) != 0;
	switch (out->state) {
	case HV_PAGE_FAILED:
	case HV_PAGE_PENDING:
		/* The misc bits only mean something with these two. */
		hv_page_owner_from_xen(raw, out);
		break;
	case HV_PAGE_AGAIN:
		/* Xen says AGAIN for a broken page a guest still holds. */
		out->owner = HV_OWNER_ANONYMOUS;
		break;
	default:
		out->owner = HV_OWNER_FREE;
		break;
	}
}

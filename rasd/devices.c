/* devices.c - PCIe AER and CXL device errors into the journal, counted per
 * device, told (syslog, SNMP, metrics) and made into the host's health. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands_int.h"
#include "rasd.h"

/*
 * Devices past DEVICES_MAX are still journaled, told and made health;
 * only their counters are not kept (counted in `untracked`). A host has
 * a few dozen PCIe functions; a flood of made-up names cannot grow this.
 */
#define DEVICES_MAX 256
#define STORM_TAG   " corrected" /* the storm condition's component */

struct device {
	char source[8]; /* "aer", "cxl" */
	char name[PCIE_NAME_MAX];
	char host[PCIE_NAME_MAX];
	uint64_t count[PCIE_SEV_UNKNOWN + 1];
	uint64_t last_ms;
	int64_t index; /* the journal id of its first row: stable, SNMP's */
	struct leaky_bucket storm;
	uint64_t *slots;      /* policy.pcie_storm.limit arrival times */
	uint64_t storm_until; /* storming while now is before this */
	uint64_t storms;      /* times a storm began */
};

struct devices {
	struct device dev[DEVICES_MAX];
	size_t n;
	uint64_t untracked;
	uint32_t storm_limit; /* what the slots were sized for */
	bool replaying;       /* rebuilding from the journal: tell nobody */
};

/* ---- the table ---- */

static struct device *device_find(struct devices *ds, const char *source,
                                  const char *name)
{
	size_t i;

	for (i = 0; i < ds->n; i++)
		if (strcmp(ds->dev[i].source, source) == 0 &&
		    strcmp(ds->dev[i].name, name) == 0)
			return &ds->dev[i];
	return NULL;
}

static int slots_alloc(struct device *dv, uint32_t limit)
{
	free(dv->slots);
	dv->slots = calloc(limit ? limit : 1, sizeof(*dv->slots));
	leaky_bucket_init(&dv->storm, dv->slots);
	return dv->slots == NULL ? -1 : 0;
}

static struct device *device_get(struct devices *ds, const char *source,
                                 const char *name, uint32_t limit)
{
	struct device *dv = device_find(ds, source, name);

	if (dv != NULL || ds->n == DEVICES_MAX)
		return dv;
	dv = &ds->dev[ds->n];
	memset(dv, 0, sizeof(*dv));
	snprintf(dv->source, sizeof(dv->source), "%s", source);
	snprintf(dv->name, sizeof(dv->name), "%s", name);
	if (slots_alloc(dv, limit) < 0)
		return NULL;
	ds->n++;
	return dv;
}

/* A reload changed the storm threshold: the buckets start again. */
static void storm_resize(struct rasd *d)
{
	struct devices *ds = d->devices;
	uint32_t limit = d->policy.pcie_storm.limit;
	size_t i;

	if (limit == ds->storm_limit)
		return;
	for (i = 0; i < ds->n; i++)
		slots_alloc(&ds->dev[i], limit);
	ds->storm_limit = limit;
}

/* ---- health ---- */

static enum health_level nonfatal_level(const struct rasd *d)
{
	return strcmp(d->policy.pcie_nonfatal, "red") == 0 ? HEALTH_RED
	                                                   : HEALTH_YELLOW;
}

/*
 * Fatal is red: the link or the device can no longer be trusted (the
 * kernel resets the link, a CXL memory device's error panics it). Non-
 * fatal (and a severity no table knows) lost one transaction with the
 * link still up and the driver recovering: yellow by default, the
 * operator's call in [pcie] nonfatal. Both stand for [pcie] hold.
 */
static void uncorrected_health(struct rasd *d, const struct pcie_event *e,
                               const char *why, uint64_t now)
{
	const char *src = pcie_source_name((enum pcie_kind)e->kind);

	if (e->severity == PCIE_FATAL)
		health_set(&d->health, HEALTH_UNCORRECTABLE, src, e->device,
		           HEALTH_RED, why, now, d->policy.pcie_hold_ms);
	else
		health_set(&d->health, HEALTH_GENERIC, src, e->device,
		           nonfatal_level(d), why, now, d->policy.pcie_hold_ms);
}

/* Returns true when a storm begins with this error. */
static bool storm_charge(struct rasd *d, struct device *dv,
                         const struct pcie_event *e, uint64_t now)
{
	const struct leaky_rule *rule = &d->policy.pcie_storm;
	char comp[HEALTH_NAME_MAX], why[HEALTH_REASON_MAX];
	bool began;

	/* No slots (out of memory at a reload): no storm, no crash. */
	if (dv == NULL || dv->slots == NULL ||
	    !leaky_bucket_charge(&dv->storm, rule, now))
		return false;
	began = now >= dv->storm_until;
	dv->storm_until = now + rule->window_ms;
	if (began && !d->devices->replaying)
		dv->storms++;
	snprintf(comp, sizeof(comp), "%s%s", e->device, STORM_TAG);
	snprintf(why, sizeof(why),
	         "corrected %s error storm on %s: %u within %llu s",
	         e->kind == PCIE_AER ? "PCIe" : "CXL", e->device, rule->limit,
	         (unsigned long long)(rule->window_ms / 1000));
	/* It clears itself a window after the last error that overflowed. */
	health_set(&d->health, HEALTH_GENERIC,
	           pcie_source_name((enum pcie_kind)e->kind), comp,
	           HEALTH_YELLOW, why, now, rule->window_ms);
	return began;
}

/* ---- the journal ---- */

static void row_fill(struct journal_device_event *row,
                     const struct pcie_event *e, uint64_t now)
{
	memset(row, 0, sizeof(*row));
	row->time_ms = now;
	snprintf(row->source, sizeof(row->source), "%s",
	         pcie_source_name((enum pcie_kind)e->kind));
	snprintf(row->kind, sizeof(row->kind), "%s",
	         pcie_kind_name((enum pcie_kind)e->kind));
	snprintf(row->device, sizeof(row->device), "%s", e->device);
	snprintf(row->host, sizeof(row->host), "%s", e->host);
	snprintf(row->severity, sizeof(row->severity), "%s",
	         pcie_severity_name((enum pcie_severity)e->severity));
	row->status = e->status;
	row->first_error = e->first_error;
	pcie_status_names(e, row->bits, sizeof(row->bits));
	if (e->tlp_valid)
		snprintf(row->tlp, sizeof(row->tlp), "%08x %08x %08x %08x",
		         e->tlp[0], e->tlp[1], e->tlp[2], e->tlp[3]);
	row->serial = e->serial;
	if (e->kind == PCIE_CXL_MEDIA || e->kind == PCIE_CXL_DRAM)
		row->address = e->dpa;
	pcie_describe(e, row->message, sizeof(row->message));
	snprintf(row->note, sizeof(row->note), "%s", e->note);
}

static int64_t journal_row(struct rasd *d, struct journal_device_event *row)
{
	if (journal_begin(d->journal) < 0 ||
	    journal_device_event_add(d->journal, row) < 0 ||
	    journal_commit(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "pcie", "journal: %s",
		        journal_error(d->journal));
		journal_rollback(d->journal);
		return 0;
	}
	return row->id;
}

/* ---- telling ---- */

static int priority_of(enum pcie_severity s)
{
	switch (s) {
	case PCIE_FATAL:
		return LOG_CRIT;
	case PCIE_NONFATAL:
	case PCIE_SEV_UNKNOWN:
		return LOG_ERR;
	default:
		return LOG_NOTICE;
	}
}

static void notify(struct rasd *d, const struct pcie_event *e,
                   const struct journal_device_event *row,
                   const struct device *dv, bool storm)
{
	struct notice n;

	rasd_notice_start(
	    d, &n, e->kind == PCIE_AER ? "PCIE" : "CXL",
	    storm ? LOG_WARNING : priority_of((enum pcie_severity)e->severity),
	    "%s%s", row->message, storm ? " (corrected error storm)" : "");
	notice_add(&n, "device", "%s", e->device);
	notice_add(&n, "severity", "%s", row->severity);
	notice_add(&n, "status", "0x%08x", e->status);
	if (row->bits[0] != '\0')
		notice_add(&n, "bits", "%s", row->bits);
	if (row->tlp[0] != '\0')
		notice_add(&n, "tlp", "%s", row->tlp);
	if (e->host[0] != '\0')
		notice_add(&n, "host", "%s", e->host);
	if (e->serial != 0)
		notice_add(&n, "serial", "0x%llx",
		           (unsigned long long)e->serial);
	if (row->address != 0)
		notice_add(&n, "addr", "0x%llx",
		           (unsigned long long)row->address);
	if (dv != NULL)
		notice_add(&n, "count", "%llu",
		           (unsigned long long)dv->count[e->severity]);
	if (storm)
		notice_add(&n, "threshold", "%u", d->policy.pcie_storm.limit);
	if (e->note[0] != '\0')
		notice_add(&n, "note", "%s", e->note);
	if (row->id != 0)
		notice_add(&n, "event", "%lld", (long long)row->id);
	telemetry_notice(d, &n);
}

/* ---- one error ---- */

/* What one error does to the counters and the health; true: a storm
 * began. Shared by live errors and the replay at start. */
static bool account(struct rasd *d, struct device *dv,
                    const struct pcie_event *e, const char *why, uint64_t now)
{
	if (dv != NULL) {
		dv->count[e->severity % (PCIE_SEV_UNKNOWN + 1)]++;
		dv->last_ms = now;
		if (e->host[0] != '\0')
			snprintf(dv->host, sizeof(dv->host), "%s", e->host);
	}
	if (e->severity != PCIE_CORRECTED) {
		uncorrected_health(d, e, why, now);
		return false;
	}
	return storm_charge(d, dv, e, now);
}

void devices_on_error(struct rasd *d, const struct pcie_event *e)
{
	struct journal_device_event row;
	uint64_t now = clock_now_ms(&d->clock);
	struct device *dv;
	bool storm;

	storm_resize(d);
	row_fill(&row, e, now);
	journal_row(d, &row);
	dv = device_get(d->devices, row.source, e->device,
	                d->policy.pcie_storm.limit);
	if (dv == NULL)
		d->devices->untracked++;
	else if (dv->index == 0)
		dv->index = row.id;
	storm = account(d, dv, e, row.message, now);
	log_msg(&d->log, priority_of((enum pcie_severity)e->severity),
	        row.source, "%s%s%s%s", row.message, e->note[0] ? " (" : "",
	        e->note, e->note[0] ? ")" : "");
	notify(d, e, &row, dv, false);
	if (storm) {
		log_msg(&d->log, LOG_WARNING, row.source,
		        "corrected error storm on %s: %u within the %llu s "
		        "window",
		        e->device, d->policy.pcie_storm.limit,
		        (unsigned long long)(d->policy.pcie_storm.window_ms /
		                             1000));
		notify(d, e, &row, dv, true);
	}
	telemetry_update(d);
}

/* ---- restart: counters and standing conditions from the journal ---- */

static int count_row(void *arg, const struct journal_device_count *c)
{
	struct rasd *d = arg;
	struct device *dv = device_get(d->devices, c->source, c->device,
	                               d->policy.pcie_storm.limit);

	if (dv == NULL)
		return 0;
	snprintf(dv->host, sizeof(dv->host), "%s", c->host);
	dv->count[PCIE_CORRECTED] = c->corrected;
	dv->count[PCIE_NONFATAL] = c->nonfatal;
	dv->count[PCIE_FATAL] = c->fatal;
	dv->count[PCIE_SEV_UNKNOWN] = c->unknown;
	dv->last_ms = c->last_ms;
	dv->index = c->first_id;
	return 0;
}

/* A journaled row as the event it was, for the replay. */
static void row_event(const struct journal_device_event *row,
                      struct pcie_event *e)
{
	enum pcie_severity s = PCIE_SEV_UNKNOWN;

	memset(e, 0, sizeof(*e));
	e->kind = strcmp(row->source, "aer") == 0 ? PCIE_AER : PCIE_CXL_AER;
	pcie_severity_parse(row->severity, &s);
	e->severity = (uint8_t)s;
	snprintf(e->device, sizeof(e->device), "%s", row->device);
}

static int replay_row(void *arg, const struct journal_device_event *row)
{
	struct rasd *d = arg;
	struct device *dv;
	struct pcie_event e;
	uint64_t counts[PCIE_SEV_UNKNOWN + 1];

	if (strcmp(row->source, "extlog") == 0 ||
	    strcmp(row->source, "edac") == 0)
		return 0;
	row_event(row, &e);
	dv = device_find(d->devices, row->source, row->device);
	/* The counts came whole from the journal: keep them. */
	if (dv != NULL)
		memcpy(counts, dv->count, sizeof(counts));
	account(d, dv, &e, row->message, row->time_ms);
	if (dv != NULL)
		memcpy(dv->count, counts, sizeof(counts));
	return 0;
}

int devices_init(struct rasd *d, char *err, size_t errlen)
{
	uint64_t now = clock_now_ms(&d->clock), span;

	d->devices = calloc(1, sizeof(*d->devices));
	if (d->devices == NULL) {
		snprintf(err, errlen, "pcie: out of memory");
		return -1;
	}
	d->devices->storm_limit = d->policy.pcie_storm.limit;
	span = d->policy.pcie_hold_ms > d->policy.pcie_storm.window_ms
	           ? d->policy.pcie_hold_ms
	           : d->policy.pcie_storm.window_ms;
	d->devices->replaying = true;
	if (journal_device_counts(d->journal, count_row, d) < 0 ||
	    journal_device_events_each(d->journal, now > span ? now - span : 0,
	                               0, false, replay_row, d) < 0) {
		snprintf(err, errlen, "pcie: journal: %s",
		         journal_error(d->journal));
		return -1;
	}
	d->devices->replaying = false;
	health_expire(&d->health, now);
	return 0;
}

void devices_fini(struct rasd *d)
{
	size_t i;

	if (d->devices == NULL)
		return;
	for (i = 0; i < d->devices->n; i++)
		free(d->devices->dev[i].slots);
	free(d->devices);
	d->devices = NULL;
}

/* ---- rasctl pcie, metrics ---- */

static struct json_object *device_json(const struct rasd *d,
                                       const struct device *dv, uint64_t now)
{
	struct json_object *o = json_object_new_object();

	jint(o, "index", dv->index);
	jstr(o, "source", dv->source);
	jstr(o, "device", dv->name);
	if (dv->host[0] != '\0')
		jstr(o, "host", dv->host);
	jint(o, "corrected", (int64_t)dv->count[PCIE_CORRECTED]);
	jint(o, "nonfatal", (int64_t)dv->count[PCIE_NONFATAL]);
	jint(o, "fatal", (int64_t)dv->count[PCIE_FATAL]);
	jint(o, "unknown", (int64_t)dv->count[PCIE_SEV_UNKNOWN]);
	jint(o, "corrected_in_window",
	     dv->slots != NULL
	         ? leaky_bucket_level(&dv->storm, &d->policy.pcie_storm, now)
	         : 0);
	json_object_object_add(o, "storm",
	                       json_object_new_boolean(now < dv->storm_until));
	jint(o, "storms", (int64_t)dv->storms);
	jint(o, "last_ms", (int64_t)dv->last_ms);
	return o;
}

static int event_json(void *arg, const struct journal_device_event *ev)
{
	struct json_object *o = json_object_new_object();

	jint(o, "id", ev->id);
	jint(o, "time_ms", (int64_t)ev->time_ms);
	jstr(o, "source", ev->source);
	jstr(o, "kind", ev->kind);
	jstr(o, "device", ev->device);
	if (ev->host[0] != '\0')
		jstr(o, "host", ev->host);
	jstr(o, "severity", ev->severity);
	if (strcmp(ev->source, "extlog") != 0 &&
	    strcmp(ev->source, "edac") != 0) {
		jhex(o, "status", ev->status);
		jstr(o, "bits", ev->bits);
	}
	if (ev->first_error != 0)
		jhex(o, "first_error", ev->first_error);
	if (ev->tlp[0] != '\0')
		jstr(o, "tlp", ev->tlp);
	if (ev->serial != 0)
		jhex(o, "serial", ev->serial);
	if (ev->address != 0)
		jhex(o, "address", ev->address);
	jstr(o, "message", ev->message);
	if (ev->note[0] != '\0')
		jstr(o, "note", ev->note);
	if (ev->event_id != 0)
		jint(o, "event_id", ev->event_id);
	json_object_array_add(arg, o);
	return 0;
}

int devices_json(struct rasd *d, size_t limit, struct json_object *out,
                 char *err, size_t errlen)
{
	struct json_object *devs = json_object_new_array();
	struct json_object *evs = json_object_new_array();
	struct json_object *pol = json_object_new_object();
	uint64_t now = clock_now_ms(&d->clock);
	size_t i;

	for (i = 0; i < d->devices->n; i++)
		json_object_array_add(devs,
		                      device_json(d, &d->devices->dev[i], now));
	json_object_object_add(out, "devices", devs);
	jint(out, "untracked", (int64_t)d->devices->untracked);
	jint(pol, "threshold", d->policy.pcie_storm.limit);
	jint(pol, "window_ms", (int64_t)d->policy.pcie_storm.window_ms);
	jstr(pol, "nonfatal", d->policy.pcie_nonfatal);
	jint(pol, "hold_ms", (int64_t)d->policy.pcie_hold_ms);
	json_object_object_add(out, "policy", pol);
	json_object_object_add(out, "events", evs);
	/* 0: the devices only (rasd-snmp's poll). */
	if (limit > 0 && journal_device_events_each(d->journal, 0, limit, true,
	                                            event_json, evs) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	return 0;
}

size_t devices_count(const struct rasd *d)
{
	return d->devices != NULL ? d->devices->n : 0;
}

size_t devices_metrics(const struct rasd *d, struct metrics_device *out,
                       size_t max)
{
	uint64_t now = clock_now_ms(&d->clock);
	size_t i;

	for (i = 0; i < devices_count(d) && i < max; i++) {
		const struct device *dv = &d->devices->dev[i];

		out[i].source = dv->source;
		out[i].device = dv->name;
		out[i].corrected_total = dv->count[PCIE_CORRECTED];
		out[i].nonfatal_total =
		    dv->count[PCIE_NONFATAL] + dv->count[PCIE_SEV_UNKNOWN];
		out[i].fatal_total = dv->count[PCIE_FATAL];
		out[i].storm = now < dv->storm_until;
	}
	return i;
}

/* events.c - ras:aer_event and the cxl:* error events bound by field name
 * from their format files, and their records made into struct pcie_event. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "pcie/pcie.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What the tables decode into, at the widths the kernel traces. */
struct raw {
	char device[PCIE_NAME_MAX];
	char host[PCIE_NAME_MAX];
	uint64_t serial;
	uint32_t status;
	uint32_t first_error;
	uint8_t severity;
	uint8_t tlp_valid;
	uint32_t tlp[4];
	uint32_t log;
	uint32_t hdr_flags;
	uint64_t dpa;
	uint64_t hpa;
	uint16_t validity;
	uint8_t descriptor;
	uint8_t type;
	uint8_t transaction;
	uint8_t channel;
	uint8_t rank;
};

#define NUM(f, size, req, m)                                                   \
	{                                                                      \
		f, TRACEFS_NUMBER, size, req, offsetof(struct raw, m), 0       \
	}
#define STR(f, req, m)                                                         \
	{                                                                      \
		f, TRACEFS_STRING, 4, req, offsetof(struct raw, m),            \
		    sizeof(((struct raw *)0)->m)                               \
	}
/* A field rasd knows and does not keep: not "not known" in notes. */
#define SKIP(f)                                                                \
	{                                                                      \
		f, TRACEFS_BYTES, 0, false, 0, 0                               \
	}

/*
 * include/ras/ras_event.h: dev_name, status and severity since 3.17;
 * tlp_header_valid and tlp_header[4] since 4.18. A newer kernel's longer
 * header log keeps its first four words here and says so in the note.
 */
static const struct tracefs_member aer_members[] = {
    STR("dev_name", true, device),
    NUM("status", 4, true, status),
    NUM("severity", 1, true, severity),
    NUM("tlp_header_valid", 1, false, tlp_valid),
    {"tlp_header", TRACEFS_BYTES, 16, false, offsetof(struct raw, tlp),
     sizeof(((struct raw *)0)->tlp)},
};

/*
 * drivers/cxl/core/trace.h: 6.2 names the device dev_name; 6.3 made it
 * memdev with host and serial; the port events name it device.
 */
static const struct tracefs_member cxl_aer_members[] = {
    STR("memdev|dev_name|device|devname", true, device),
    STR("host|parent", false, host),
    NUM("serial", 8, false, serial),
    NUM("status", 4, true, status),
    NUM("first_error", 4, false, first_error),
    SKIP("header_log"),
};

/* CXL_EVT_TP_entry: the header every CXL event record trace shares. */
#define CXL_HEADER                                                             \
	STR("memdev", true, device), STR("host", false, host),                 \
	    NUM("log", 4, true, log), NUM("serial", 8, false, serial),         \
	    NUM("hdr_flags", 4, false, hdr_flags), SKIP("hdr_uuid"),           \
	    SKIP("hdr_handle"), SKIP("hdr_related_handle"),                    \
	    SKIP("hdr_timestamp"), SKIP("hdr_length"),                         \
	    SKIP("hdr_maint_op_class"), SKIP("hdr_maint_op_sub_class")

/* The media header General Media and DRAM records share. */
#define CXL_MEDIA                                                              \
	NUM("dpa", 8, true, dpa), NUM("descriptor", 1, true, descriptor),      \
	    NUM("type", 1, true, type),                                        \
	    NUM("transaction_type", 1, false, transaction),                    \
	    NUM("channel", 1, false, channel), NUM("rank", 1, false, rank),    \
	    NUM("hpa", 8, false, hpa),                                         \
	    NUM("validity_flags", 2, false, validity), SKIP("dpa_flags"),      \
	    SKIP("comp_id"), SKIP("region_uuid"), SKIP("region"),              \
	    SKIP("region_name"), SKIP("sub_type"),                             \
	    SKIP("cme_threshold_ev_flags")

static const struct tracefs_member cxl_media_members[] = {
    CXL_HEADER,
    CXL_MEDIA,
    SKIP("device"),
    SKIP("cme_count"),
};

static const struct tracefs_member cxl_dram_members[] = {
    CXL_HEADER,         CXL_MEDIA,        SKIP("nibble_mask"),
    SKIP("bank_group"), SKIP("bank"),     SKIP("row"),
    SKIP("column"),     SKIP("cor_mask"), SKIP("sub_channel"),
    SKIP("cvme_count"),
};

#undef NUM
#undef STR
#undef SKIP

enum fixed {
	FROM_RECORD,
	ALWAYS_CORRECTED,
	ALWAYS_FATAL,
};

struct event_def {
	const char *path; /* under events/ */
	uint8_t kind;
	uint8_t fixed; /* enum fixed */
	const struct tracefs_member *tab;
	size_t n;
};

/*
 * A CXL RAS uncorrectable error is fatal: the kernel's CXL error
 * handler answers it with PCI_ERS_RESULT_PANIC (drivers/cxl/core/pci.c).
 */
static const struct event_def events[PCIE_N_EVENTS] = {
    {"ras/aer_event", PCIE_AER, FROM_RECORD, aer_members, N(aer_members)},
    {"cxl/cxl_aer_uncorrectable_error", PCIE_CXL_AER, ALWAYS_FATAL,
     cxl_aer_members, N(cxl_aer_members)},
    {"cxl/cxl_aer_correctable_error", PCIE_CXL_AER, ALWAYS_CORRECTED,
     cxl_aer_members, N(cxl_aer_members)},
    {"cxl/cxl_port_aer_uncorrectable_error", PCIE_CXL_PORT_AER, ALWAYS_FATAL,
     cxl_aer_members, N(cxl_aer_members)},
    {"cxl/cxl_port_aer_correctable_error", PCIE_CXL_PORT_AER, ALWAYS_CORRECTED,
     cxl_aer_members, N(cxl_aer_members)},
    {"cxl/cxl_general_media", PCIE_CXL_MEDIA, FROM_RECORD, cxl_media_members,
     N(cxl_media_members)},
    {"cxl/cxl_dram", PCIE_CXL_DRAM, FROM_RECORD, cxl_dram_members,
     N(cxl_dram_members)},
};

const char *pcie_event_path(size_t i)
{
	return i < PCIE_N_EVENTS ? events[i].path : NULL;
}

/* The event part of "system/event". */
static const char *event_name(const char *path)
{
	const char *slash = strchr(path, '/');

	return slash != NULL ? slash + 1 : path;
}

int pcie_bind(const struct tracefs_format *fmt, struct pcie_binding *b,
              char *err, size_t errlen)
{
	size_t i;

	for (i = 0; i < PCIE_N_EVENTS; i++) {
		if (strcmp(fmt->name, event_name(events[i].path)) != 0)
			continue;
		memset(b, 0, sizeof(*b));
		b->which = (uint8_t)i;
		if (tracefs_bind(fmt, events[i].tab, events[i].n, true, &b->tb,
		                 err, errlen) != 0)
			return -1;
		return 1;
	}
	return 0;
}

static void note_add(struct pcie_event *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_add(struct pcie_event *e, const char *fmt, ...)
{
	size_t used = strlen(e->note);
	va_list ap;

	if (used + 3 >= sizeof(e->note))
		return;
	if (used > 0) {
		memcpy(e->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(e->note + used, sizeof(e->note) - used, fmt, ap);
	va_end(ap);
}

static enum pcie_severity aer_severity(struct pcie_event *e)
{
	switch (e->raw_severity) {
	case PCIE_AER_NONFATAL:
		return PCIE_NONFATAL;
	case PCIE_AER_FATAL:
		return PCIE_FATAL;
	case PCIE_AER_CORRECTABLE:
		return PCIE_CORRECTED;
	case PCIE_AER_DPC_FATAL:
		note_add(e, "severity 3: fatal, contained by DPC");
		return PCIE_FATAL;
	default:
		note_add(e, "severity %u not known: taken as non-fatal",
		         e->raw_severity);
		return PCIE_SEV_UNKNOWN;
	}
}

/* Media and DRAM: the descriptor says corrected or not, the log how bad. */
static enum pcie_severity media_severity(struct pcie_event *e)
{
	if (e->raw_severity > PCIE_CXL_LOG_FATAL)
		note_add(e, "event log type %u not known", e->raw_severity);
	if (!(e->descriptor & PCIE_CXL_DESC_UNCORRECTABLE))
		return PCIE_CORRECTED;
	return e->raw_severity == PCIE_CXL_LOG_FATAL ? PCIE_FATAL
	                                             : PCIE_NONFATAL;
}

static void fill(struct pcie_event *e, const struct raw *r)
{
	memcpy(e->device, r->device, sizeof(e->device));
	memcpy(e->host, r->host, sizeof(e->host));
	e->serial = r->serial;
	e->status = r->status;
	e->first_error = r->first_error;
	e->tlp_valid = r->tlp_valid != 0;
	memcpy(e->tlp, r->tlp, sizeof(e->tlp));
	e->hdr_flags = r->hdr_flags;
	e->dpa = r->dpa;
	e->hpa = r->hpa;
	e->validity = r->validity;
	e->descriptor = r->descriptor;
	e->type = r->type;
	e->transaction = r->transaction;
	e->channel = r->channel;
	e->rank = r->rank;
}

static void grade(struct pcie_event *e, const struct event_def *def)
{
	if (def->fixed == ALWAYS_CORRECTED)
		e->severity = PCIE_CORRECTED;
	else if (def->fixed == ALWAYS_FATAL)
		e->severity = PCIE_FATAL;
	else if (def->kind == PCIE_AER)
		e->severity = (uint8_t)aer_severity(e);
	else
		e->severity = (uint8_t)media_severity(e);
	pcie_note_unknown(e);
}

void pcie_note_unknown(struct pcie_event *e)
{
	char bits[8];
	uint32_t unknown;

	if (e->kind == PCIE_CXL_MEDIA || e->kind == PCIE_CXL_DRAM) {
		if (pcie_cxl_type_name(e) == NULL)
			note_add(e, "memory event type %u not known", e->type);
		return;
	}
	unknown = pcie_status_names(e, bits, sizeof(bits));
	if (e->status == 0)
		note_add(e, "no status bits set");
	else if (unknown != 0)
		note_add(e, "status bits 0x%08x not in the kernel's table",
		         unknown);
}

int pcie_decode(const struct pcie_binding *b, const void *rec, size_t len,
                struct pcie_event *out, char *err, size_t errlen)
{
	const struct event_def *def = &events[b->which % PCIE_N_EVENTS];
	struct raw r;
	bool cut = false;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	r.hpa = PCIE_CXL_HPA_UNKNOWN;
	if (tracefs_decode(&b->tb, def->tab, rec, len, &r, &cut, err, errlen) !=
	    0)
		return -1;
	out->kind = def->kind;
	out->raw_severity = def->kind == PCIE_AER ? r.severity : r.log;
	fill(out, &r);
	if (b->tb.note[0] != '\0')
		note_add(out, "format: %s", b->tb.note);
	if (cut)
		note_add(out, "a name was cut to %d bytes", PCIE_NAME_MAX - 1);
	if (out->device[0] == '\0')
		note_add(out, "no device name");
	grade(out, def);
	return 0;
}

/* fwmem.c - the firmware's and the EDAC driver's records of a memory error
 * (extlog_mem_event, mc_event): one fault with its machine check, or alone. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rasd.h"

/*
 * acpi_extlog traces its record from the machine-check decode chain, a
 * workqueue the kernel runs right after it traced the machine check
 * itself: milliseconds. The window is wider so an accelerated clock (the
 * simulated host, make check) keeps the pair together; every machine
 * check on a host with the extended log has its record, so a wide window
 * cannot pair a record with a check that was not its own.
 */
#define FWMEM_WINDOW_MS (10 * 60 * 1000)
#define FWMEM_RECENT    64
/* The record names no bank: the decoders say "bank not in this model's
 * table" for it rather than naming one it is not. */
#define FWMEM_BANK 255
#define PAGE_SHIFT 12 /* the journal's pages are 4 KiB frames */

struct recent {
	int64_t event_id;
	uint64_t page;
	uint64_t time_ms;
	int32_t dimm;    /* the event's hv_dimm id, -1 none */
	uint32_t socket; /* its record's */
	bool taken;      /* a firmware record already named it */
	bool edac_taken; /* an EDAC record already joined it */
	bool placed;     /* it has DRAM coordinates: none are taken later */
};

/*
 * What rasd takes of either record: the extended log's CPER section or
 * the EDAC driver's mc_event. Both follow the machine check they
 * describe; both say where in the DRAM when they can.
 */
struct fw_view {
	const char *who; /* "extlog", "edac": the journal's source */
	bool edac;
	uint32_t seq;  /* the firmware's record number; 0 for EDAC */
	bool has_addr; /* an address rasd can act on */
	uint64_t pa;
	const char *label; /* the module it names and rasd believes; NULL */
	struct dram_coord dram;
	char dram_note[DRAM_NOTE_MAX];
	struct extlog_event as_cper; /* the record's status and misc */
	uint32_t cpu;
};

struct fwmem {
	struct recent recent[FWMEM_RECENT]; /* memory events, newest last */
	size_t next;
	bool inflight;       /* a firmware record is on the record path */
	int64_t inflight_id; /* ... and the event it became */
	uint64_t merged, alone, unplaced;
};

int fwmem_init(struct rasd *d, char *err, size_t errlen)
{
	d->fwmem = calloc(1, sizeof(*d->fwmem));
	if (d->fwmem == NULL) {
		snprintf(err, errlen, "extlog: out of memory");
		return -1;
	}
	return 0;
}

void fwmem_fini(struct rasd *d)
{
	free(d->fwmem);
	d->fwmem = NULL;
}

void fwmem_on_mce(struct rasd *d, const struct journal_event *ev,
                  const struct mce_decoded *dec)
{
	struct fwmem *f = d->fwmem;
	struct recent *r;

	if (f == NULL)
		return;
	if (f->inflight) {
		/* Its own record: not a twin for the next one. */
		f->inflight_id = ev->id;
		return;
	}
	if (dec->kind != MCE_KIND_MEMORY || !ev->page_valid)
		return;
	r = &f->recent[f->next++ % FWMEM_RECENT];
	r->event_id = ev->id;
	r->page = ev->page;
	r->time_ms = ev->time_ms;
	r->dimm = ev->dimm;
	r->socket = ev->rec.socketid;
	r->taken = false;
	r->edac_taken = false;
	r->placed = ev->dram.have != 0;
}

/*
 * The firmware built the board: its name for the module wins over the
 * address map's (EDAC, SMBIOS, the policy). The event keeps the DIMM
 * the address map charged unless it had none and the name is one of
 * the host's DIMMs.
 */
void fwmem_label_apply(struct rasd *d, struct journal_event *ev,
                       const char *label)
{
	size_t i;

	if (label == NULL || label[0] == '\0')
		return;
	snprintf(ev->dimm_label, sizeof(ev->dimm_label), "%s", label);
	for (i = 0; ev->dimm < 0 && i < d->n_dimms; i++)
		if (strcasecmp(d->dimms[i].label, label) == 0)
			ev->dimm = (int32_t)d->dimms[i].id;
}

/* The latest memory event on this page within the window, not yet
 * named by another record of the same kind. */
static struct recent *twin_of(struct fwmem *f, bool edac, uint64_t page,
                              uint64_t now)
{
	struct recent *best = NULL;
	size_t i;

	for (i = 0; i < FWMEM_RECENT; i++) {
		struct recent *r = &f->recent[i];

		if (r->event_id == 0 || (edac ? r->edac_taken : r->taken) ||
		    r->page != page ||
		    (now > r->time_ms && now - r->time_ms > FWMEM_WINDOW_MS))
			continue;
		if (best == NULL || r->event_id > best->event_id)
			best = r;
	}
	return best;
}

static const char *cper_severity_word(uint8_t sev)
{
	switch (sev) {
	case EXTLOG_SEV_CORRECTED:
	case EXTLOG_SEV_INFO:
		return "corrected";
	case EXTLOG_SEV_RECOVERABLE:
		return "nonfatal";
	case EXTLOG_SEV_FATAL:
		return "fatal";
	default:
		return "unknown";
	}
}

static void row_fill(struct journal_device_event *row,
                     const struct extlog_event *e, uint64_t now)
{
	const char *type = extlog_type_name(e->etype);
	char where[128];

	memset(row, 0, sizeof(*row));
	row->time_ms = now;
	snprintf(row->source, sizeof(row->source), "extlog");
	snprintf(row->kind, sizeof(row->kind), "extlog");
	snprintf(row->device, sizeof(row->device), "%s",
	         e->label[0] ? e->label : "(unnamed)");
	snprintf(row->severity, sizeof(row->severity), "%s",
	         cper_severity_word(e->sev));
	row->serial = e->err_seq;
	row->address = e->pa;
	extlog_where(e, where, sizeof(where));
	snprintf(row->message, sizeof(row->message),
	         "firmware record #%u: %s %s error at 0x%llx%s%s", e->err_seq,
	         extlog_severity_name(e->sev), type != NULL ? type : "memory",
	         (unsigned long long)e->pa, where[0] ? ", " : "", where);
	snprintf(row->note, sizeof(row->note), "%s", e->note);
}

static const char *edac_severity_word(uint32_t error_type)
{
	switch (error_type) {
	case TRACEFS_MC_CORRECTED:
	case TRACEFS_MC_INFO:
		return "corrected";
	case TRACEFS_MC_UNCORRECTED:
		return "nonfatal";
	case TRACEFS_MC_FATAL:
		return "fatal";
	default:
		return "unknown";
	}
}

static void edac_row_fill(struct journal_device_event *row,
                          const struct tracefs_mc_event *e,
                          const struct fw_view *v, uint64_t now)
{
	char where[64];

	memset(row, 0, sizeof(row[0]));
	row->time_ms = now;
	snprintf(row->source, sizeof(row->source), "edac");
	snprintf(row->kind, sizeof(row->kind), "mc_event");
	snprintf(row->device, sizeof(row->device), "%s",
	         e->label[0] ? e->label : "(unnamed)");
	snprintf(row->severity, sizeof(row->severity), "%s",
	         edac_severity_word(e->error_type));
	row->address = e->address;
	dram_coord_text(&v->dram, where, sizeof(where));
	snprintf(row->message, sizeof(row->message),
	         "EDAC MC%u: %u %s error%s at 0x%llx, %s: %.80s", e->mc_index,
	         e->error_count, tracefs_mc_err_name(e->error_type),
	         e->error_count == 1 ? "" : "s", (unsigned long long)e->address,
	         where, e->driver_detail);
	snprintf(row->note, sizeof(row->note), "%s", v->dram_note);
}

static void journal_row(struct rasd *d, struct journal_device_event *row)
{
	if (journal_device_event_add(d->journal, row) < 0)
		log_msg(&d->log, LOG_ERR, "extlog", "journal: %s",
		        journal_error(d->journal));
}

/* One fault: the machine check is counted; the firmware names it, and
 * either record says where in the DRAM. */
static void merge(struct rasd *d, struct recent *twin,
                  struct journal_device_event *row, const struct fw_view *v)
{
	char also[32];

	if (v->edac)
		snprintf(also, sizeof(also), "edac");
	else
		snprintf(also, sizeof(also), "extlog #%u", v->seq);
	row->event_id = twin->event_id;
	if (rasd_batch_begin(d) < 0)
		return;
	if ((v->label != NULL &&
	     journal_event_relabel(d->journal, twin->event_id, v->label, also) <
	         0) ||
	    journal_device_event_add(d->journal, row) < 0 ||
	    (!twin->placed && v->dram.have != 0 &&
	     rasd_dram_late(d, twin->event_id, twin->page, twin->socket,
	                    twin->dimm, &v->dram, v->dram_note, also) < 0)) {
		log_msg(&d->log, LOG_ERR, v->who, "journal: %s",
		        journal_error(d->journal));
		rasd_batch_abort(d);
		return;
	}
	if (rasd_batch_end(d) < 0)
		return;
	if (v->edac)
		twin->edac_taken = true;
	else
		twin->taken = true;
	if (v->dram.have != 0)
		twin->placed = true;
	d->fwmem->merged++;
	log_msg(&d->log, LOG_INFO, v->who,
	        "machine-check event %lld and %s record are one fault%s%s",
	        (long long)twin->event_id, also,
	        v->label != NULL ? ": the firmware calls the module " : "",
	        v->label != NULL ? v->label : "");
}

/* The CPU whose ring held it, else the host's first. */
static uint32_t record_cpu(const struct rasd *d, uint32_t cpu)
{
	if (rasd_cpu_find(d, cpu) != NULL || d->n_cpus == 0)
		return cpu;
	return d->cpu_list[0].cpu;
}

/* No machine check came for it: it is the memory error itself. */
static void alone(struct rasd *d, const struct fw_view *v,
                  struct journal_device_event *row)
{
	const struct extlog_event *e = &v->as_cper;
	struct fwmem *f = d->fwmem;
	struct mce_record r;

	if (rasd_record_init(d, record_cpu(d, v->cpu), FWMEM_BANK,
	                     extlog_status(e), &r) < 0) {
		log_msg(&d->log, LOG_WARNING, v->who,
		        "%s: no CPU to attribute it to", row->message);
		return;
	}
	r.addr = e->pa;
	r.misc = extlog_misc(e);
	if (rasd_batch_begin(d) < 0)
		return;
	f->inflight = true;
	f->inflight_id = 0;
	rasd_record_at(d, &r, v->who, v->label, &v->dram, v->dram_note);
	f->inflight = false;
	row->event_id = f->inflight_id;
	journal_row(d, row);
	rasd_batch_end(d);
	f->alone++;
}

static void fw_handle(struct rasd *d, const struct fw_view *v,
                      struct journal_device_event *row, uint64_t now)
{
	struct recent *twin =
	    v->has_addr ? twin_of(d->fwmem, v->edac, v->pa >> PAGE_SHIFT, now)
	                : NULL;

	if (twin != NULL) {
		merge(d, twin, row, v);
	} else if (v->has_addr) {
		alone(d, v, row);
	} else {
		/* Nothing to place or act on: told, journaled, not counted. */
		d->fwmem->unplaced++;
		log_msg(&d->log, LOG_WARNING, v->who,
		        "%s: no physical address, journaled only",
		        row->message);
		if (journal_begin(d->journal) == 0) {
			journal_row(d, row);
			journal_commit(d->journal);
		}
	}
	telemetry_update(d);
}

void fwmem_on_event(struct rasd *d, const struct hv_event *ev)
{
	const struct extlog_event *e = &ev->fwmem;
	struct journal_device_event row;
	struct fw_view v;
	uint64_t now;

	/*
	 * Its machine check may still wait in the record source (the sim,
	 * or a reader that read this ring first): read it before deciding
	 * this record is alone.
	 */
	source_drain(d);
	now = clock_now_ms(&d->clock);
	memset(&v, 0, sizeof(v));
	v.who = "extlog";
	v.seq = e->err_seq;
	v.has_addr = extlog_has_address(e);
	v.pa = e->pa;
	v.label = e->label[0] != '\0' ? e->label : NULL;
	v.dram = e->dram;
	if (e->dram.have & DRAM_UNKNOWN)
		snprintf(v.dram_note, sizeof(v.dram_note), "%s", e->note);
	v.as_cper = *e;
	v.cpu = ev->cpu;
	row_fill(&row, e, now);
	fw_handle(d, &v, &row, now);
}

/* EDAC's error types as the CPER severities extlog_status reads. */
static uint8_t edac_cper_severity(uint32_t error_type)
{
	switch (error_type) {
	case TRACEFS_MC_CORRECTED:
	case TRACEFS_MC_INFO:
		return EXTLOG_SEV_CORRECTED;
	case TRACEFS_MC_FATAL:
		return EXTLOG_SEV_FATAL;
	default:
		return EXTLOG_SEV_RECOVERABLE;
	}
}

/*
 * The EDAC driver's record: its driver detail says where in the DRAM
 * (mce/dram.h). Its label is EDAC's own name for the DIMM, which the
 * DIMM map already knows: it names nothing here.
 */
void fwmem_on_edac(struct rasd *d, const struct hv_event *ev)
{
	const struct tracefs_mc_event *e = &ev->edac;
	struct journal_device_event row;
	struct dram_detail det;
	struct fw_view v;
	uint64_t now;

	source_drain(d);
	now = clock_now_ms(&d->clock);
	dram_detail_parse(e->driver_detail, sizeof(e->driver_detail), &det);
	memset(&v, 0, sizeof(v));
	v.who = "edac";
	v.edac = true;
	v.has_addr = e->address != 0;
	v.pa = e->address;
	v.dram = det.coord;
	snprintf(v.dram_note, sizeof(v.dram_note), "%s", det.note);
	v.as_cper.sev = edac_cper_severity(e->error_type);
	v.as_cper.pa = e->address;
	v.as_cper.pa_mask_lsb = e->grain_bits;
	v.as_cper.valid = EXTLOG_VALID_PA;
	v.cpu = ev->cpu;
	edac_row_fill(&row, e, &v, now);
	fw_handle(d, &v, &row, now);
}

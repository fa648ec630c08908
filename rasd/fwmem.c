/* fwmem.c - the firmware's record of a memory error (ras:extlog_mem_event):
 * one fault with the machine check behind it, or a memory error alone. */
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
	bool taken; /* a firmware record already named it */
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
	r->taken = false;
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
 * named by another firmware record. */
static struct recent *twin_of(struct fwmem *f, uint64_t page, uint64_t now)
{
	struct recent *best = NULL;
	size_t i;

	for (i = 0; i < FWMEM_RECENT; i++) {
		struct recent *r = &f->recent[i];

		if (r->event_id == 0 || r->taken || r->page != page ||
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

static void journal_row(struct rasd *d, struct journal_device_event *row)
{
	if (journal_device_event_add(d->journal, row) < 0)
		log_msg(&d->log, LOG_ERR, "extlog", "journal: %s",
		        journal_error(d->journal));
}

/* One fault: the machine check is counted, the firmware names it. */
static void merge(struct rasd *d, struct recent *twin,
                  struct journal_device_event *row,
                  const struct extlog_event *e)
{
	char also[32];

	snprintf(also, sizeof(also), "extlog #%u", e->err_seq);
	row->event_id = twin->event_id;
	if (journal_begin(d->journal) < 0)
		return;
	if ((e->label[0] != '\0' &&
	     journal_event_relabel(d->journal, twin->event_id, e->label, also) <
	         0) ||
	    journal_device_event_add(d->journal, row) < 0 ||
	    journal_commit(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "extlog", "journal: %s",
		        journal_error(d->journal));
		journal_rollback(d->journal);
		return;
	}
	twin->taken = true;
	d->fwmem->merged++;
	log_msg(&d->log, LOG_INFO, "extlog",
	        "machine-check event %lld and firmware record #%u are one "
	        "fault%s%s",
	        (long long)twin->event_id, e->err_seq,
	        e->label[0] ? ": the firmware calls the module " : "",
	        e->label);
}

/* The CPU whose ring held it, else the host's first. */
static uint32_t record_cpu(const struct rasd *d, uint32_t cpu)
{
	if (rasd_cpu_find(d, cpu) != NULL || d->n_cpus == 0)
		return cpu;
	return d->cpu_list[0].cpu;
}

/* No machine check came for it: it is the memory error itself. */
static void alone(struct rasd *d, const struct hv_event *ev,
                  struct journal_device_event *row)
{
	const struct extlog_event *e = &ev->fwmem;
	struct fwmem *f = d->fwmem;
	struct mce_record r;

	if (rasd_record_init(d, record_cpu(d, ev->cpu), FWMEM_BANK,
	                     extlog_status(e), &r) < 0) {
		log_msg(&d->log, LOG_WARNING, "extlog",
		        "firmware record #%u: no CPU to attribute it to",
		        e->err_seq);
		return;
	}
	r.addr = e->pa;
	r.misc = extlog_misc(e);
	if (rasd_batch_begin(d) < 0)
		return;
	f->inflight = true;
	f->inflight_id = 0;
	rasd_record_named(d, &r, "extlog", e->label);
	f->inflight = false;
	row->event_id = f->inflight_id;
	journal_row(d, row);
	rasd_batch_end(d);
	f->alone++;
}

void fwmem_on_event(struct rasd *d, const struct hv_event *ev)
{
	const struct extlog_event *e = &ev->fwmem;
	struct journal_device_event row;
	struct recent *twin;
	uint64_t now;

	/*
	 * Its machine check may still wait in the record source (the sim,
	 * or a reader that read this ring first): read it before deciding
	 * this record is alone.
	 */
	source_drain(d);
	now = clock_now_ms(&d->clock);
	row_fill(&row, e, now);
	twin = extlog_has_address(e)
	           ? twin_of(d->fwmem, e->pa >> PAGE_SHIFT, now)
	           : NULL;
	if (twin != NULL) {
		merge(d, twin, &row, e);
	} else if (extlog_has_address(e)) {
		alone(d, ev, &row);
	} else {
		/* Nothing to place or act on: told, journaled, not counted. */
		d->fwmem->unplaced++;
		log_msg(&d->log, LOG_WARNING, "extlog",
		        "%s: no physical address, journaled only", row.message);
		if (journal_begin(d->journal) == 0) {
			journal_row(d, &row);
			journal_commit(d->journal);
		}
	}
	telemetry_update(d);
}

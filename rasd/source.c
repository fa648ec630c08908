/* source.c - the machine-check record source: each read lands in the
 * spool and is journaled, as one batch, before anything else is done. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../priv/priv.h"
#include "rasd.h"
#include "spool.h"

#define SPOOL_KEY "spool.batch"
#define RETRY_NS  1000000000ull /* a stuck batch, tried again */
/*
 * Reads per transaction under a storm: a commit costs as much as a few
 * hundred records, so up to this many reads (of 32) share one. A read
 * that finds the device drained ends the batch at once: one record
 * alone is committed at once.
 */

static int record_cb(void *arg, const struct mce_record *r)
{
	struct rasd *d = arg;

	return rasd_record(d, r, d->source_name);
}

static void spool_mark(struct rasd *d)
{
	char value[24];

	snprintf(value, sizeof(value), "%" PRIu64, spool_batch(d->spool));
	if (journal_meta_set(d->journal, SPOOL_KEY, value) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
}

/*
 * The journal refused a batch that is only in the spool: reading again
 * would overwrite it. Stop reading (the device keeps what comes, up to
 * its log) and try the spool again in a while.
 */
static void source_stall(struct rasd *d)
{
	if (d->source_stuck)
		return;
	d->source_stuck = true;
	loop_del_fd(d->loop, d->mce_fd);
	loop_timer_arm(d->source_retry, RETRY_NS);
	log_msg(&d->log, LOG_CRIT, "source",
	        "the journal refused a batch of records: reading stops until "
	        "it takes them (they are kept in the spool)");
}

/*
 * The journal has what the spool held: a source another process fills
 * (rasd's privileged parent) may read the device again.
 */
static void source_taken(struct rasd *d)
{
	if (d->hv->ops->source_done != NULL &&
	    d->hv->ops->source_done(d->hv) < 0)
		log_msg(&d->log, LOG_ERR, "source", "%s", d->hv->err);
}

static int recover_spool(struct rasd *d);

/* Records in the spool of a batch the journal does not have. */
int source_recover(struct rasd *d)
{
	int rc = recover_spool(d);

	if (rc == 0 && !d->source_stuck)
		source_taken(d);
	return rc;
}

static int recover_spool(struct rasd *d)
{
	char value[24];
	uint64_t committed = 0;
	size_t n, bad = 0;

	if (d->spool == NULL)
		return 0;
	if (journal_meta_get(d->journal, SPOOL_KEY, value, sizeof(value)) == 1)
		committed = strtoull(value, NULL, 10);
	if (committed >= spool_batch(d->spool)) {
		spool_release(d->spool, 0);
		return 0;
	}
	if (rasd_batch_begin(d) < 0)
		return -1;
	n = spool_leftover(d->spool, record_cb, d, &bad);
	spool_mark(d);
	if (rasd_batch_end(d) < 0) {
		source_stall(d);
		return 0;
	}
	spool_release(d->spool, 0);
	if (n > 0 || bad > 0)
		log_msg(&d->log, LOG_NOTICE, "source",
		        "journaled %zu record(s) read before a restart but "
		        "never journaled%s",
		        n, bad > 0 ? " (some did not parse)" : "");
	return 0;
}

/*
 * In a storm the log overflows at every read: the first is told at once,
 * the rest once a minute with their number (rasctl status counts all).
 */
static void report_overflow(struct rasd *d)
{
	uint64_t now = clock_mono_ms_since(&d->clock.start_mono) + 1;

	d->overflows++;
	if (d->overflow_told_ms != 0 && now - d->overflow_told_ms < 60000) {
		d->overflows_untold++;
		return;
	}
	if (d->overflows_untold > 0)
		log_msg(&d->log, LOG_WARNING, "source",
		        "machine-check log overflowed %" PRIu64 " more times "
		        "in the last minute: the hypervisor dropped records "
		        "before rasd could read them",
		        d->overflows_untold + 1);
	else
		log_msg(&d->log, LOG_WARNING, "source",
		        "machine-check log overflowed: the hypervisor dropped "
		        "records before rasd could read them");
	d->overflow_told_ms = now;
	d->overflows_untold = 0;
}

static void report_drain(struct rasd *d, ssize_t n, uint64_t overflows,
                         const char *err)
{
	if (mce_reader_stats(d->mce)->overflows != overflows) {
		report_overflow(d);
	} else if (n < 0 || err[0] != '\0') {
		log_msg(&d->log, LOG_WARNING, "source", "%s", err);
	}
}

/* Up to SPOOL_SLOTS reads, each into its slot, until the device is dry;
 * *used says how many slots took a read. */
static ssize_t read_slots(struct rasd *d, size_t *used, char *err,
                          size_t errlen)
{
	const struct mce_reader_stats *st = mce_reader_stats(d->mce);
	size_t i, log = mce_reader_buffer_size(d->mce) /
	                mce_reader_record_len(d->mce);
	ssize_t n, total = 0;
	uint64_t reads;

	for (i = 0; i < spool_slots(d->spool); i++) {
		if (mce_reader_use_buffer(d->mce, spool_slot(d->spool, i),
		                          spool_slot_size(d->spool)) < 0)
			break;
		reads = st->reads;
		n = mce_reader_drain(d->mce, record_cb, d, err, errlen);
		if (st->reads != reads)
			*used = i + 1;
		if (n < 0)
			return total > 0 ? total : n;
		total += n;
		if (st->reads == reads || (size_t)n < log)
			break;
	}
	return total;
}

ssize_t source_drain(struct rasd *d)
{
	const struct mce_reader_stats *st = mce_reader_stats(d->mce);
	uint64_t overflows = st->overflows, reads = st->reads;
	char err[256] = "";
	size_t used = 0;
	bool read_any;
	ssize_t n;

	if (d->source_stuck || rasd_batch_begin(d) < 0)
		return -1;
	n = read_slots(d, &used, err, sizeof(err));
	read_any = st->reads != reads;
	if (read_any)
		spool_mark(d);
	if (rasd_batch_end(d) < 0) {
		if (read_any)
			source_stall(d);
		return -1;
	}
	if (read_any)
		spool_release(d->spool, used);
	source_taken(d);
	report_drain(d, n, overflows, err);
	return n;
}

static void on_readable(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	source_drain(arg);
}

static void retry_fired(void *arg)
{
	struct rasd *d = arg;

	d->source_stuck = false;
	if (source_recover(d) < 0 || d->source_stuck)
		return;
	if (loop_add_fd(d->loop, d->mce_fd, on_readable, d) < 0) {
		log_msg(&d->log, LOG_CRIT, "source", "epoll: %s",
		        strerror(errno));
		return;
	}
	log_msg(&d->log, LOG_NOTICE, "source",
	        "the journal took the spooled batch: reading again");
	source_drain(d);
}

static int spool_attach(struct rasd *d, char *err, size_t errlen)
{
	char path[4096];
	bool in_memory = strcmp(d->opt.journal_path, ":memory:") == 0;

	snprintf(path, sizeof(path), "%s.spool", d->opt.journal_path);
	/* Under privsep the parent made the spool it reads the device into:
	 * the engine maps the same one. */
	if (priv_is_client(hv_hook_inner(d->hv))) {
		if (spool_open_fd(
		        &d->spool, priv_spool_fd(hv_hook_inner(d->hv)),
		        mce_reader_buffer_size(d->mce), SPOOL_SLOTS,
		        mce_reader_record_len(d->mce), err, errlen) < 0)
			return -1;
	} else if (spool_open(&d->spool, in_memory ? NULL : path,
	                      mce_reader_buffer_size(d->mce), SPOOL_SLOTS,
	                      mce_reader_record_len(d->mce), err, errlen) < 0) {
		return -1;
	}
	if (mce_reader_use_buffer(d->mce, spool_slot(d->spool, 0),
	                          spool_slot_size(d->spool)) < 0) {
		snprintf(err, errlen, "spool %s: the reader will not use it",
		         path);
		return -1;
	}
	return 0;
}

int source_open(struct rasd *d, char *err, size_t errlen)
{
	if (d->hv->ops->mce_source(d->hv, &d->mce, &d->mce_fd) < 0) {
		snprintf(err, errlen, "machine-check source: %s", d->hv->err);
		return -1;
	}
	if (spool_attach(d, err, errlen) < 0)
		return -1;
	if (loop_timer_create(d->loop, &d->source_retry, retry_fired, d) < 0 ||
	    loop_add_fd(d->loop, d->mce_fd, on_readable, d) < 0) {
		snprintf(err, errlen, "machine-check source: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

void source_close(struct rasd *d)
{
	loop_timer_destroy(d->source_retry);
	spool_close(d->spool);
	d->spool = NULL;
}

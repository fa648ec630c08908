/* retention.c - the journal's retention on the daemon's loop: a slice of
 * blocks rolled up every while, never inside a batch, never in a window. */
#include <inttypes.h>

#include "rasd.h"

/* Blocks per slice: each is one small transaction, a few ms in all. */
#define RETAIN_SLICE_BLOCKS 16
/* Work left after a slice: the next one after the loop has breathed. */
#define RETAIN_AGAIN_NS (10ull * 1000000)
/* Between checks: an hour of the host's time, within these real bounds
 * (a storm must not outgrow max_size for long between checks). */
#define RETAIN_EVERY_MS   3600000ull
#define RETAIN_MIN_GAP_NS (100ull * 1000000)
#define RETAIN_MAX_GAP_NS (10ull * 1000000000)

static uint64_t retain_gap_ns(const struct rasd *d)
{
	uint64_t ns;

	if (d->clock.speed == 0)
		return RETAIN_MAX_GAP_NS;
	ns = RETAIN_EVERY_MS * 1000000ull / d->clock.speed;
	if (ns < RETAIN_MIN_GAP_NS)
		return RETAIN_MIN_GAP_NS;
	return ns > RETAIN_MAX_GAP_NS ? RETAIN_MAX_GAP_NS : ns;
}

static void retention_told(struct rasd *d, const struct journal_retained *got)
{
	uint64_t w = policy_longest_window_ms(&d->policy);

	if (got->protected_left && !d->retain_protected_told)
		log_msg(&d->log, LOG_WARNING, "journal",
		        "the journal is over [journal] max_size but every "
		        "event left is within the correlation window (%" PRIu64
		        " s): kept, the buckets need them",
		        w / 1000);
	d->retain_protected_told = got->protected_left;
	if (got->blocks > 0 && !got->more)
		log_msg(&d->log, LOG_INFO, "journal",
		        "retention: %" PRIu64 " event(s) rolled up into day "
		        "counts since start",
		        d->retained_records);
}

static void retain_fired(void *arg)
{
	struct rasd *d = arg;
	uint64_t now = clock_now_ms(&d->clock);
	uint64_t w = policy_longest_window_ms(&d->policy);
	struct journal_retention r = {
	    .keep_ms = d->policy.journal_keep_ms,
	    .max_bytes = d->policy.journal_max_bytes,
	    .protect_from_ms = now > w ? now - w : 0,
	};
	struct journal_retained got;

	if (journal_in_batch(d->journal)) {
		loop_timer_arm(d->retain_timer, RETAIN_AGAIN_NS);
		return;
	}
	if (journal_retain(d->journal, &r, now, RETAIN_SLICE_BLOCKS, &got) < 0)
		log_msg(&d->log, LOG_ERR, "journal", "retention: %s",
		        journal_error(d->journal));
	d->retained_records += got.records;
	retention_told(d, &got);
	loop_timer_arm(d->retain_timer,
	               got.more ? RETAIN_AGAIN_NS : retain_gap_ns(d));
}

int retention_init(struct rasd *d)
{
	if (loop_timer_create(d->loop, &d->retain_timer, retain_fired, d) < 0)
		return -1;
	return loop_timer_arm(d->retain_timer, RETAIN_MIN_GAP_NS);
}

void retention_fini(struct rasd *d)
{
	loop_timer_destroy(d->retain_timer);
	d->retain_timer = NULL;
}

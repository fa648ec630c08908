/* leaky_bucket.h - the error bucket behind every threshold in rasd.
 * Each error leaks out one window after it arrived; the bucket overflows
 * when `limit` errors are in it at once, i.e. `limit` within `window_ms`. */
#ifndef RASD_LEAKY_BUCKET_H
#define RASD_LEAKY_BUCKET_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

/*
 * Why timed leaks and not a constant drain rate: operators write
 * "2 errors in 24 h" and expect exactly that; a constant-rate bucket with
 * the same numbers trips later for spread errors (two errors 1 h apart
 * never overflow a 2/24 h constant-rate bucket). Keeping the last `limit`
 * arrival times makes the rule exact at O(1) per charge; limits are small
 * (the policy caps them at LEAKY_BUCKET_MAX_LIMIT).
 */
#define LEAKY_BUCKET_MAX_LIMIT 1024

struct leaky_rule {
	uint32_t limit;     /* errors in the window that overflow it */
	uint64_t window_ms; /* how long an error stays in the bucket */
};

struct leaky_bucket {
	uint32_t head;     /* where the next arrival is stored */
	uint32_t filled;   /* arrivals stored, at most rule.limit */
	uint64_t *arrival; /* rule.limit slots, owned by the caller */
};

/* Bytes of arrival storage a bucket under `rule` needs. */
static inline size_t leaky_bucket_storage(const struct leaky_rule *rule)
{
	return (size_t)rule->limit * sizeof(uint64_t);
}

static inline void leaky_bucket_init(struct leaky_bucket *b, uint64_t *slots)
{
	b->head = 0;
	b->filled = 0;
	b->arrival = slots;
}

/*
 * Charge one error at `now_ms`. Returns true when the bucket overflows
 * with this error: `limit` errors, this one included, within the window.
 * Arrivals must not go back in time by more than the caller tolerates;
 * an older arrival only makes the bucket look fuller, never emptier.
 */
static inline bool leaky_bucket_charge(struct leaky_bucket *b,
                                       const struct leaky_rule *rule,
                                       uint64_t now_ms)
{
	uint64_t oldest;

	if (rule->limit == 0)
		return false;
	b->arrival[b->head] = now_ms;
	b->head = (b->head + 1) % rule->limit;
	if (b->filled < rule->limit)
		b->filled++;
	if (b->filled < rule->limit)
		return false;
	/* The slot at head now holds the limit-th most recent arrival. */
	oldest = b->arrival[b->head];
	return now_ms - oldest < rule->window_ms;
}

/* Errors still in the bucket at `now_ms` (those younger than a window). */
static inline uint32_t leaky_bucket_level(const struct leaky_bucket *b,
                                          const struct leaky_rule *rule,
                                          uint64_t now_ms)
{
	uint32_t i, n = 0;

	for (i = 0; i < b->filled; i++) {
		uint64_t t = b->arrival[i];

		if (t <= now_ms && now_ms - t < rule->window_ms)
			n++;
	}
	return n;
}

#endif

/* clock.h - the injected clock every part of rasd reads time from.
 * Real, accelerated (the demo runs hours in seconds) or manual (tests). */
#ifndef RASD_CLOCK_H
#define RASD_CLOCK_H

#include <stdint.h>
#include <time.h>

/*
 * Virtual time is milliseconds since the Unix epoch. A real clock has
 * speed 1; an accelerated one runs `speed` virtual ms per real ms from the
 * moment it was started; a manual one only moves when clock_set() says so.
 */
struct clock {
	uint64_t start_ms;          /* virtual time at start */
	struct timespec start_mono; /* CLOCK_MONOTONIC at start */
	uint32_t speed;             /* 0 = manual */
	uint64_t manual_ms;         /* the time of a manual clock */
};

static inline uint64_t clock_mono_ms_since(const struct timespec *since)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (uint64_t)(now.tv_sec - since->tv_sec) * 1000u +
	       (uint64_t)((now.tv_nsec - since->tv_nsec) / 1000000);
}

/* Start a clock at virtual time `start_ms` (0: the wall clock's now). */
static inline void clock_start(struct clock *c, uint64_t start_ms,
                               uint32_t speed)
{
	struct timespec wall;

	if (start_ms == 0) {
		clock_gettime(CLOCK_REALTIME, &wall);
		start_ms = (uint64_t)wall.tv_sec * 1000u +
		           (uint64_t)wall.tv_nsec / 1000000u;
	}
	c->start_ms = start_ms;
	c->speed = speed;
	c->manual_ms = start_ms;
	clock_gettime(CLOCK_MONOTONIC, &c->start_mono);
}

static inline uint64_t clock_now_ms(const struct clock *c)
{
	if (c->speed == 0)
		return c->manual_ms;
	return c->start_ms +
	       clock_mono_ms_since(&c->start_mono) * (uint64_t)c->speed;
}

/* Manual clocks only: tests move time forward by hand. */
static inline void clock_set(struct clock *c, uint64_t now_ms)
{
	c->manual_ms = now_ms;
}

/*
 * How long to sleep in real nanoseconds until virtual time `at_ms`;
 * 0 when it is due. A manual clock never sleeps: its owner moves it.
 */
static inline uint64_t clock_real_ns_until(const struct clock *c,
                                           uint64_t at_ms)
{
	uint64_t now = clock_now_ms(c);

	if (at_ms <= now || c->speed == 0)
		return 0;
	return (at_ms - now) * 1000000u / c->speed + 1;
}

#endif

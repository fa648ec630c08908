/* test_bucket.c - the leaky bucket under an injected clock: 24-hour
 * windows run in microseconds, and the rule is exactly "N within W". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "include/clock.h"
#include "include/leaky_bucket.h"

#define HOUR (3600ull * 1000)
#define DAY  (24 * HOUR)

static void two_in_a_day_overflows(void **state)
{
	struct leaky_rule rule = {.limit = 2, .window_ms = DAY};
	uint64_t slots[2];
	struct leaky_bucket b;
	struct clock c;

	(void)state;
	clock_start(&c, 1000000, 0);
	leaky_bucket_init(&b, slots);
	assert_false(leaky_bucket_charge(&b, &rule, clock_now_ms(&c)));
	clock_set(&c, clock_now_ms(&c) + 23 * HOUR);
	assert_true(leaky_bucket_charge(&b, &rule, clock_now_ms(&c)));
	assert_int_equal(leaky_bucket_level(&b, &rule, clock_now_ms(&c)), 2);
}

static void errors_leak_out_after_a_window(void **state)
{
	struct leaky_rule rule = {.limit = 2, .window_ms = DAY};
	uint64_t slots[2];
	struct leaky_bucket b;
	uint64_t t = 5000;

	(void)state;
	leaky_bucket_init(&b, slots);
	assert_false(leaky_bucket_charge(&b, &rule, t));
	/* Exactly one window later the first error has leaked out. */
	assert_false(leaky_bucket_charge(&b, &rule, t + DAY));
	assert_int_equal(leaky_bucket_level(&b, &rule, t + DAY), 1);
	assert_int_equal(leaky_bucket_level(&b, &rule, t + 2 * DAY), 0);
}

static void spread_errors_a_constant_rate_bucket_misses(void **state)
{
	/* 10 errors, one every 2.3 h: all within 24 h, so it overflows. */
	struct leaky_rule rule = {.limit = 10, .window_ms = DAY};
	uint64_t slots[10];
	struct leaky_bucket b;
	uint64_t t = 0;
	int i;

	(void)state;
	leaky_bucket_init(&b, slots);
	for (i = 0; i < 9; i++, t += 23 * HOUR / 10)
		assert_false(leaky_bucket_charge(&b, &rule, t));
	assert_true(leaky_bucket_charge(&b, &rule, t));
}

static void slow_steady_rate_never_overflows(void **state)
{
	/* One error every 3 h forever: at most 8 in any day, limit 10. */
	struct leaky_rule rule = {.limit = 10, .window_ms = DAY};
	uint64_t slots[10];
	struct leaky_bucket b;
	uint64_t t = 0;
	int i;

	(void)state;
	leaky_bucket_init(&b, slots);
	for (i = 0; i < 10000; i++, t += 3 * HOUR)
		assert_false(leaky_bucket_charge(&b, &rule, t));
	assert_int_equal(leaky_bucket_level(&b, &rule, t - 3 * HOUR), 8);
}

static void limit_one_overflows_at_once(void **state)
{
	struct leaky_rule rule = {.limit = 1, .window_ms = HOUR};
	uint64_t slots[1];
	struct leaky_bucket b;

	(void)state;
	leaky_bucket_init(&b, slots);
	assert_true(leaky_bucket_charge(&b, &rule, 42));
}

static void zero_limit_is_off(void **state)
{
	struct leaky_rule rule = {.limit = 0, .window_ms = HOUR};
	struct leaky_bucket b;

	(void)state;
	leaky_bucket_init(&b, NULL);
	assert_false(leaky_bucket_charge(&b, &rule, 1));
}

static void accelerated_clock_runs_fast(void **state)
{
	struct clock c;
	uint64_t t0;

	(void)state;
	clock_start(&c, 1000, 3600000);
	t0 = clock_now_ms(&c);
	/* A real millisecond or two is an hour or two of virtual time. */
	while (clock_now_ms(&c) - t0 < HOUR)
		;
	assert_true(clock_now_ms(&c) - t0 >= HOUR);
	assert_true(clock_real_ns_until(&c, clock_now_ms(&c) + HOUR) <=
	            1000001);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(two_in_a_day_overflows),
	    cmocka_unit_test(errors_leak_out_after_a_window),
	    cmocka_unit_test(spread_errors_a_constant_rate_bucket_misses),
	    cmocka_unit_test(slow_steady_rate_never_overflows),
	    cmocka_unit_test(limit_one_overflows_at_once),
	    cmocka_unit_test(zero_limit_is_off),
	    cmocka_unit_test(accelerated_clock_runs_fast),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

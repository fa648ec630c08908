/* test_health.c - the host's green/yellow/red from standing conditions:
 * the combination rules (fan and heat, redundant PSUs), expiry, summary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "health/health.h"

static void green_when_nothing_stands(void **state)
{
	struct health h;
	char buf[64] = "x";

	(void)state;
	health_init(&h, true);
	assert_int_equal(health_level(&h), HEALTH_GREEN);
	health_summary(&h, buf, sizeof(buf));
	assert_string_equal(buf, "");
	assert_string_equal(health_level_name(HEALTH_GREEN), "green");
	assert_string_equal(health_level_word(HEALTH_RED), "failing");
}

static void worst_condition_wins_and_green_clears(void **state)
{
	struct health h;
	char buf[160];

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_GENERIC, "ipmi", "sel", HEALTH_YELLOW,
	           "SEL almost full", 10, 0);
	health_set(&h, HEALTH_GENERIC, "dimm", "A1", HEALTH_RED, "A1 failing",
	           20, 0);
	assert_int_equal(health_level(&h), HEALTH_RED);
	health_summary(&h, buf, sizeof(buf));
	assert_string_equal(buf, "A1 failing");
	health_set(&h, HEALTH_GENERIC, "dimm", "A1", HEALTH_GREEN, NULL, 30, 0);
	assert_int_equal(health_level(&h), HEALTH_YELLOW);
	assert_int_equal(h.n, 1);
}

static void restating_keeps_since_and_updates_reason(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_GENERIC, "ipmi", "bmc", HEALTH_YELLOW, "one", 100,
	           0);
	health_set(&h, HEALTH_GENERIC, "ipmi", "bmc", HEALTH_YELLOW, "two", 200,
	           0);
	assert_int_equal(h.n, 1);
	assert_int_equal(h.cond[0].since_ms, 100);
	assert_string_equal(h.cond[0].reason, "two");
}

static void fan_failure_turns_red_with_heat(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_FAN_FAILED, "ipmi", "FAN1", HEALTH_YELLOW,
	           "fan 1 stopped", 0, 0);
	assert_int_equal(health_level(&h), HEALTH_YELLOW);
	health_set(&h, HEALTH_TEMP_HIGH, "sensors", "Core 0 max", HEALTH_YELLOW,
	           "Core 0 91C", 5, 0);
	assert_int_equal(health_level(&h), HEALTH_RED);
	assert_int_equal(health_effective(&h, 0), HEALTH_RED);
	assert_int_equal(h.cond[0].level, HEALTH_YELLOW);
	/* the heat goes: back to a yellow fan */
	health_set(&h, HEALTH_TEMP_HIGH, "sensors", "Core 0 max", HEALTH_GREEN,
	           NULL, 9, 0);
	assert_int_equal(health_level(&h), HEALTH_YELLOW);
}

static void psu_redundancy(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_PSU_FAILED, "ipmi", "PS1", HEALTH_YELLOW,
	           "PS1 failed", 0, 0);
	assert_int_equal(health_level(&h), HEALTH_YELLOW);
	health_set(&h, HEALTH_PSU_FAILED, "ipmi", "PS2", HEALTH_YELLOW,
	           "PS2 failed", 1, 0);
	assert_int_equal(health_level(&h), HEALTH_RED);

	health_init(&h, false);
	health_set(&h, HEALTH_PSU_FAILED, "ipmi", "PS1", HEALTH_YELLOW,
	           "PS1 failed", 0, 0);
	assert_int_equal(health_level(&h), HEALTH_RED);
}

static void uncorrectable_is_red_until_it_expires(void **state)
{
	struct health h;

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_UNCORRECTABLE, "mce", "A1", HEALTH_YELLOW,
	           "UE on A1", 1000, 500);
	assert_int_equal(health_level(&h), HEALTH_RED);
	assert_int_equal(health_expire(&h, 1499), 0);
	assert_int_equal(health_level(&h), HEALTH_RED);
	assert_int_equal(health_expire(&h, 1500), 1);
	assert_int_equal(health_level(&h), HEALTH_GREEN);
}

static void summary_counts_others_at_the_same_level(void **state)
{
	struct health h;
	char buf[160];

	(void)state;
	health_init(&h, true);
	health_set(&h, HEALTH_GENERIC, "a", "1", HEALTH_YELLOW, "first", 0, 0);
	health_set(&h, HEALTH_GENERIC, "a", "2", HEALTH_YELLOW, "second", 0, 0);
	health_set(&h, HEALTH_GENERIC, "a", "3", HEALTH_YELLOW, "third", 0, 0);
	health_summary(&h, buf, sizeof(buf));
	assert_string_equal(buf, "first (+2 more)");
	health_clear_source(&h, "a");
	assert_int_equal(h.n, 0);
}

static void a_full_table_drops_the_soonest_to_expire(void **state)
{
	struct health h;
	char name[16];
	int i;

	(void)state;
	health_init(&h, true);
	for (i = 0; i < HEALTH_MAX; i++) {
		snprintf(name, sizeof(name), "c%d", i);
		health_set(&h, HEALTH_GENERIC, "t", name, HEALTH_YELLOW, name,
		           (uint64_t)i, i == 7 ? 10 : 0);
	}
	health_set(&h, HEALTH_GENERIC, "t", "new", HEALTH_RED, "new", 500, 0);
	assert_int_equal(h.n, HEALTH_MAX);
	assert_int_equal(h.dropped, 1);
	for (i = 0; i < (int)h.n; i++)
		assert_string_not_equal(h.cond[i].component, "c7");
	assert_int_equal(health_level(&h), HEALTH_RED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(green_when_nothing_stands),
	    cmocka_unit_test(worst_condition_wins_and_green_clears),
	    cmocka_unit_test(restating_keeps_since_and_updates_reason),
	    cmocka_unit_test(fan_failure_turns_red_with_heat),
	    cmocka_unit_test(psu_redundancy),
	    cmocka_unit_test(uncorrectable_is_red_until_it_expires),
	    cmocka_unit_test(summary_counts_others_at_the_same_level),
	    cmocka_unit_test(a_full_table_drops_the_soonest_to_expire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

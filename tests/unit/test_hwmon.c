/* test_hwmon.c - the sensor watcher's pure parts: value sequences through
 * the limit state machine, policy limit rules, sysfs values, DIMM labels. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sensors/hwmon.h"

/* A feature under test: its track, config and the events of each step. */
struct feat {
	struct hwmon_track track;
	struct hwmon_config cfg;
	enum hwmon_kind kind;
	struct hwmon_limits limits;
	struct hwmon_event ev[HWMON_STEP_EVENTS_MAX];
	size_t n;
};

static void feat_init(struct feat *f, enum hwmon_kind kind)
{
	memset(f, 0, sizeof(*f));
	hwmon_config_defaults(&f->cfg);
	f->kind = kind;
}

static size_t feed(struct feat *f, double value)
{
	struct hwmon_sample s;

	memset(&s, 0, sizeof(s));
	s.ok = true;
	s.value = value;
	s.limits = f->limits;
	f->n = hwmon_track_step(&f->track, f->kind, &s, &f->cfg, f->ev,
	                        HWMON_STEP_EVENTS_MAX);
	return f->n;
}

static size_t feed_failed(struct feat *f, const char *detail)
{
	struct hwmon_sample s;

	memset(&s, 0, sizeof(s));
	s.ok = false;
	strcpy(s.detail, detail);
	f->n = hwmon_track_step(&f->track, f->kind, &s, &f->cfg, f->ev,
	                        HWMON_STEP_EVENTS_MAX);
	return f->n;
}

/* Feed a sequence; count the events of one kind it raised. */
static size_t count_kind(struct feat *f, const double *vals, size_t n,
                         enum hwmon_event_kind kind)
{
	size_t i, j, count = 0;

	for (i = 0; i < n; i++) {
		feed(f, vals[i]);
		for (j = 0; j < f->n; j++)
			if (f->ev[j].kind == kind)
				count++;
	}
	return count;
}

static void temp_crosses_max_and_clears_past_hysteresis(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 85;
	assert_int_equal(feed(&f, 60), 0);
	assert_int_equal(feed(&f, 85), 0); /* at the limit is not past it */
	assert_int_equal(feed(&f, 86), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CROSSED);
	assert_string_equal(f.ev[0].limit_name, "max");
	assert_true(f.ev[0].value == 86 && f.ev[0].limit == 85);
	assert_false(f.ev[0].critical);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_WARN);
	assert_int_equal(feed(&f, 84), 0);   /* within 2 degrees */
	assert_int_equal(feed(&f, 83.1), 0); /* still within */
	assert_int_equal(feed(&f, 83), 1);   /* max - hysteresis */
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_OK);
}

static void hovering_at_a_limit_does_not_flap(void **state)
{
	static const double hover[] = {85.5, 84.5, 85.2, 84.0, 85.9,
	                               83.5, 86.0, 84.9, 85.1, 83.2};
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 85;
	assert_int_equal(count_kind(&f, hover, sizeof(hover) / sizeof(hover[0]),
	                            HWMON_CROSSED),
	                 1);
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 85;
	assert_int_equal(count_kind(&f, hover, sizeof(hover) / sizeof(hover[0]),
	                            HWMON_CLEARED),
	                 0);
	/* Without hysteresis the same values flap on every sample. */
	feat_init(&f, HWMON_TEMP);
	f.cfg.hysteresis_temp = 0;
	f.limits.has_max = true;
	f.limits.max = 85;
	assert_int_equal(count_kind(&f, hover, sizeof(hover) / sizeof(hover[0]),
	                            HWMON_CROSSED),
	                 5);
}

static void crit_is_critical_and_tracked_beside_max(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 80;
	f.limits.has_crit = true;
	f.limits.crit = 95;
	assert_int_equal(feed(&f, 96), 2);
	assert_string_equal(f.ev[0].limit_name, "max");
	assert_false(f.ev[0].critical);
	assert_string_equal(f.ev[1].limit_name, "crit");
	assert_true(f.ev[1].critical);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_CRIT);
	/* Back under crit by the hysteresis: crit clears, max stays. */
	assert_int_equal(feed(&f, 92), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
	assert_string_equal(f.ev[0].limit_name, "crit");
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_WARN);
}

static void fan_min_uses_a_fraction_of_the_limit(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_FAN);
	f.limits.has_min = true;
	f.limits.min = 600; /* 3 % is 18 RPM */
	assert_int_equal(feed(&f, 1200), 0);
	assert_int_equal(feed(&f, 599), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CROSSED);
	assert_string_equal(f.ev[0].limit_name, "min");
	assert_int_equal(f.ev[0].sensor, HWMON_FAN);
	assert_int_equal(feed(&f, 610), 0);
	assert_int_equal(feed(&f, 617), 0);
	assert_int_equal(feed(&f, 618), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
}

static void voltage_window_min_and_max(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_IN);
	f.limits.has_min = true;
	f.limits.min = 1.0;
	f.limits.has_max = true;
	f.limits.max = 1.3;
	assert_int_equal(feed(&f, 1.2), 0);
	assert_int_equal(feed(&f, 1.31), 1);
	assert_string_equal(f.ev[0].limit_name, "max");
	/* Straight from above max to below min: two events. */
	assert_int_equal(feed(&f, 0.9), 2);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
	assert_string_equal(f.ev[0].limit_name, "max");
	assert_int_equal(f.ev[1].kind, HWMON_CROSSED);
	assert_string_equal(f.ev[1].limit_name, "min");
	assert_int_equal(feed(&f, 1.02), 0); /* 1.0 + 0.03 not reached */
	assert_int_equal(feed(&f, 1.04), 1);
}

static void alarm_files_raise_and_clear(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_IN);
	f.limits.alarms_present = HWMON_ALARM_ANY | HWMON_ALARM_CRIT;
	assert_int_equal(feed(&f, 1.2), 0);
	f.limits.alarms_set = HWMON_ALARM_ANY;
	assert_int_equal(feed(&f, 1.2), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CROSSED);
	assert_string_equal(f.ev[0].limit_name, "alarm");
	assert_false(f.ev[0].critical);
	assert_int_equal(feed(&f, 1.2), 0); /* still set: no repeat */
	f.limits.alarms_set = HWMON_ALARM_ANY | HWMON_ALARM_CRIT;
	assert_int_equal(feed(&f, 1.2), 1);
	assert_string_equal(f.ev[0].limit_name, "crit_alarm");
	assert_true(f.ev[0].critical);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_CRIT);
	f.limits.alarms_set = 0;
	assert_int_equal(feed(&f, 1.2), 2);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
	assert_int_equal(f.ev[1].kind, HWMON_CLEARED);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_OK);
	/* A bit set in a file the feature does not have counts for nothing. */
	f.limits.alarms_set = HWMON_ALARM_MAX;
	assert_int_equal(feed(&f, 1.2), 0);
}

static void failed_once_then_recovered_without_re_raising(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 70;
	assert_int_equal(feed(&f, 75), 1);
	assert_int_equal(feed_failed(&f, "temp1_input: not a number 'xyz'"), 1);
	assert_int_equal(f.ev[0].kind, HWMON_FAILED);
	assert_string_equal(f.ev[0].detail, "temp1_input: not a number 'xyz'");
	assert_true(isnan(f.ev[0].value));
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_FAILED);
	assert_int_equal(feed_failed(&f, "temp1_input: not a number 'xyz'"), 0);
	/* Good again and still past max: recovered, and no second crossing. */
	assert_int_equal(feed(&f, 76), 1);
	assert_int_equal(f.ev[0].kind, HWMON_RECOVERED);
	assert_int_equal(hwmon_track_state(&f.track), HWMON_STATE_WARN);
	assert_int_equal(feed(&f, 60), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
}

static void a_failed_feature_leaves_others_working(void **state)
{
	struct feat bad, good;

	(void)state;
	feat_init(&bad, HWMON_TEMP);
	feat_init(&good, HWMON_TEMP);
	good.limits.has_max = bad.limits.has_max = true;
	good.limits.max = bad.limits.max = 50;
	assert_int_equal(feed_failed(&bad, "temp2_input: empty"), 1);
	assert_int_equal(feed(&good, 55), 1);
	assert_int_equal(good.ev[0].kind, HWMON_CROSSED);
	assert_int_equal(feed_failed(&bad, "temp2_input: empty"), 0);
	assert_int_equal(feed(&good, 40), 1);
	assert_int_equal(good.ev[0].kind, HWMON_CLEARED);
}

static void a_limit_that_disappears_clears(void **state)
{
	struct feat f;

	(void)state;
	feat_init(&f, HWMON_TEMP);
	f.limits.has_max = true;
	f.limits.max = 50;
	assert_int_equal(feed(&f, 55), 1);
	f.limits.has_max = false;
	assert_int_equal(feed(&f, 55), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
	assert_string_equal(f.ev[0].limit_name, "max");
	assert_non_null(strstr(f.ev[0].detail, "gone"));
}

static void policy_limits_cross_like_chip_limits(void **state)
{
	struct hwmon_limit_rule rule;
	struct feat f;
	char err[128];

	(void)state;
	feat_init(&f, HWMON_TEMP);
	assert_int_equal(hwmon_limit_rule_parse("coretemp-* \"Core 0\" max=70",
	                                        &rule, err, sizeof(err)),
	                 0);
	hwmon_apply_rules(&rule, 1, "coretemp-isa-0000", "temp2", "Core 0",
	                  &f.limits);
	assert_true(f.limits.has_policy_max);
	assert_false(f.limits.has_policy_min);
	assert_int_equal(feed(&f, 71), 1);
	assert_string_equal(f.ev[0].limit_name, "policy max");
	assert_int_equal(feed(&f, 69), 0);
	assert_int_equal(feed(&f, 68), 1);
	assert_int_equal(f.ev[0].kind, HWMON_CLEARED);
}

static void rule_parse_accepts_the_documented_forms(void **state)
{
	struct hwmon_limit_rule r;
	char err[128];

	(void)state;
	assert_int_equal(hwmon_limit_rule_parse("coretemp-* temp1 max=85", &r,
	                                        err, sizeof(err)),
	                 0);
	assert_string_equal(r.chip, "coretemp-*");
	assert_string_equal(r.feature, "temp1");
	assert_true(r.has_max && r.max == 85 && !r.has_min);
	assert_int_equal(hwmon_limit_rule_parse("  *\tin0 min=0.9  max=1.3 ",
	                                        &r, err, sizeof(err)),
	                 0);
	assert_true(r.has_min && r.min == 0.9 && r.has_max && r.max == 1.3);
	assert_int_equal(hwmon_limit_rule_parse("nct6775-* fan1 min=400", &r,
	                                        err, sizeof(err)),
	                 0);
	assert_int_equal(hwmon_limit_rule_parse("jc42-* \"CPU0_DIMM A1\" "
	                                        "max=60",
	                                        &r, err, sizeof(err)),
	                 0);
	assert_string_equal(r.feature, "CPU0_DIMM A1");
}

static void rule_parse_rejects_with_the_place(void **state)
{
	static const struct {
		const char *text;
		const char *want;
	} bad[] = {
	    {"", "column 1: expected a chip name"},
	    {"coretemp-*", "expected a feature"},
	    {"coretemp-* temp1", "expected min=N or max=N"},
	    {"coretemp-* temp1 max=", "column 18: max: not a number ''"},
	    {"coretemp-* temp1 max=8x", "not a number '8x'"},
	    {"coretemp-* temp1 max=nan", "not a number 'nan'"},
	    {"coretemp-* temp1 hot=9", "column 18: expected min=N or max=N"},
	    {"coretemp-* temp1 max=1 max=2", "column 24: max given twice"},
	    {"coretemp-* \"Core 0 max=1", "column 12: unterminated quote"},
	    {"* t min=5 max=5", "column 11: min 5 is not below max 5"},
	    {"a\"b t max=1", "stray quote"},
	};
	struct hwmon_limit_rule r, before;
	char err[128];
	size_t i;

	(void)state;
	memset(&r, 0x5a, sizeof(r));
	before = r;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    hwmon_limit_rule_parse(bad[i].text, &r, err, sizeof(err)),
		    -1);
		if (strstr(err, bad[i].want) == NULL)
			fail_msg("'%s': got '%s', want '%s'", bad[i].text, err,
			         bad[i].want);
		assert_memory_equal(&r, &before, sizeof(r));
	}
}

static void rules_match_chip_glob_and_name_or_label(void **state)
{
	struct hwmon_limit_rule rules[3];
	struct hwmon_limits lim;
	char err[128];

	(void)state;
	assert_int_equal(hwmon_limit_rule_parse("coretemp-* temp1 max=80",
	                                        &rules[0], err, sizeof(err)),
	                 0);
	assert_int_equal(hwmon_limit_rule_parse("* \"Core *\" max=75 min=5",
	                                        &rules[1], err, sizeof(err)),
	                 0);
	assert_int_equal(hwmon_limit_rule_parse("jc42-* * max=60", &rules[2],
	                                        err, sizeof(err)),
	                 0);
	assert_true(hwmon_limit_rule_matches(&rules[0], "coretemp-isa-0000",
	                                     "temp1", NULL));
	assert_false(hwmon_limit_rule_matches(&rules[0], "k10temp-pci-00c3",
	                                      "temp1", NULL));
	assert_false(hwmon_limit_rule_matches(&rules[0], "coretemp-isa-0000",
	                                      "temp10", "Core 8"));
	assert_true(hwmon_limit_rule_matches(&rules[1], "k10temp-pci-00c3",
	                                     "temp3", "Core 2"));
	assert_false(hwmon_limit_rule_matches(&rules[1], "k10temp-pci-00c3",
	                                      "temp3", ""));
	/* Both match temp1 "Core 0": the later rule's max wins. */
	memset(&lim, 0, sizeof(lim));
	hwmon_apply_rules(rules, 3, "coretemp-isa-0000", "temp1", "Core 0",
	                  &lim);
	assert_true(lim.has_policy_max && lim.policy_max == 75);
	assert_true(lim.has_policy_min && lim.policy_min == 5);
	memset(&lim, 0, sizeof(lim));
	hwmon_apply_rules(rules, 3, "nct6775-isa-0290", "fan1", NULL, &lim);
	assert_false(lim.has_policy_max || lim.has_policy_min);
}

static void sysfs_values_parse_or_say_why(void **state)
{
	long long v = 7;
	char err[64];

	(void)state;
	assert_int_equal(
	    hwmon_parse_sysfs_value("45000\n", 6, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 45000);
	assert_int_equal(
	    hwmon_parse_sysfs_value("-5000\n", 6, &v, err, sizeof(err)), 0);
	assert_int_equal(v, -5000);
	assert_int_equal(
	    hwmon_parse_sysfs_value(" 12 ", 4, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 12);
	assert_int_equal(
	    hwmon_parse_sysfs_value("xyz\n", 4, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "not a number 'xyz'");
	assert_int_equal(hwmon_parse_sysfs_value("\n", 1, &v, err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "empty");
	assert_int_equal(
	    hwmon_parse_sysfs_value("12abc", 5, &v, err, sizeof(err)), -1);
	assert_string_equal(err, "trailing junk in '12abc'");
	assert_int_equal(hwmon_parse_sysfs_value("99999999999999999999", 20, &v,
	                                         err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "out of range"));
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(
	    hwmon_parse_sysfs_value("123456", 3, &v, err, sizeof(err)), 0);
	assert_int_equal(v, 123);
}

static void dimm_names_from_labels(void **state)
{
	char out[HWMON_LABEL_MAX];

	(void)state;
	hwmon_dimm_from_label("CPU0_DIMM_A1", out, sizeof(out));
	assert_string_equal(out, "CPU0_DIMM_A1");
	hwmon_dimm_from_label("DIMM_B2 Temp", out, sizeof(out));
	assert_string_equal(out, "DIMM_B2");
	hwmon_dimm_from_label("P1 dimm3", out, sizeof(out));
	assert_string_equal(out, "dimm3");
	hwmon_dimm_from_label("Core 0", out, sizeof(out));
	assert_string_equal(out, "");
	hwmon_dimm_from_label("", out, sizeof(out));
	assert_string_equal(out, "");
	/* Too long to hold: no name rather than a cut-short one. */
	hwmon_dimm_from_label("CPU0_DIMM_A1", out, 8);
	assert_string_equal(out, "");
}

static void on_event(void *arg, const struct hwmon_event *ev)
{
	(void)arg;
	(void)ev;
}

/* libsensors' state is per process: a second watcher is refused. */
static void one_watcher_per_process(void **state)
{
	struct hwmon_config cfg;
	struct hwmon *a = NULL, *b = NULL;
	char err[256];

	(void)state;
	hwmon_config_defaults(&cfg);
	if (hwmon_open(&a, NULL, &cfg, on_event, NULL, err, sizeof(err)) != 0)
		skip(); /* no sysfs here: nothing to watch */
	assert_int_equal(
	    hwmon_open(&b, NULL, &cfg, on_event, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "already open"));
	hwmon_close(a);
	assert_int_equal(
	    hwmon_open(&b, NULL, &cfg, on_event, NULL, err, sizeof(err)), 0);
	hwmon_close(b);
}

static void a_missing_sensors_conf_is_an_error(void **state)
{
	struct hwmon_config cfg;
	struct hwmon *h = NULL;
	char err[256];

	(void)state;
	hwmon_config_defaults(&cfg);
	cfg.sensors_conf = "/nonexistent/sensors3.conf";
	assert_int_equal(
	    hwmon_open(&h, NULL, &cfg, on_event, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/sensors3.conf"));
	assert_null(h);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(temp_crosses_max_and_clears_past_hysteresis),
	    cmocka_unit_test(hovering_at_a_limit_does_not_flap),
	    cmocka_unit_test(crit_is_critical_and_tracked_beside_max),
	    cmocka_unit_test(fan_min_uses_a_fraction_of_the_limit),
	    cmocka_unit_test(voltage_window_min_and_max),
	    cmocka_unit_test(alarm_files_raise_and_clear),
	    cmocka_unit_test(failed_once_then_recovered_without_re_raising),
	    cmocka_unit_test(a_failed_feature_leaves_others_working),
	    cmocka_unit_test(a_limit_that_disappears_clears),
	    cmocka_unit_test(policy_limits_cross_like_chip_limits),
	    cmocka_unit_test(rule_parse_accepts_the_documented_forms),
	    cmocka_unit_test(rule_parse_rejects_with_the_place),
	    cmocka_unit_test(rules_match_chip_glob_and_name_or_label),
	    cmocka_unit_test(sysfs_values_parse_or_say_why),
	    cmocka_unit_test(dimm_names_from_labels),
	    cmocka_unit_test(one_watcher_per_process),
	    cmocka_unit_test(a_missing_sensors_conf_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* policy.c - reads rasd.conf(5) into a struct policy: every key checked,
 * every error reported as FILE:LINE: reason, nothing applied on error. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "../sensors/hwmon.h"
#include "policy.h"
#include "publish/syslog5424.h"

#define PEER_NAME_MAX 63 /* peers[i] is char[64] */
#define REASON_MAX    256

struct parse;
struct key_rule;

typedef int (*key_setter)(struct parse *ps, const struct key_rule *rule,
                          const char *value);

/* What a key's value is, and so which setter reads it. */
enum value_type {
	VALUE_THRESHOLD, /* the limit of a struct leaky_rule */
	VALUE_WINDOW,    /* the window of a struct leaky_rule */
	VALUE_ACTION,    /* enum policy_action */
	VALUE_COUNT,     /* uint32_t in min..max */
	VALUE_BOOLEAN,   /* bool */
	VALUE_DURATION,  /* uint64_t milliseconds */
	VALUE_PATH,      /* char[POLICY_PATH_MAX], absolute; empty: off */
	VALUE_WORD,      /* char[POLICY_WORD_MAX], one of rule->words */
	VALUE_NAME,      /* char[POLICY_PATH_MAX], printable, no blanks */
	VALUE_CUSTOM,    /* its own setter */
};

/*
 * Most keys differ only in where their value goes, so a rule names the
 * field by its offset in struct policy and one setter per type serves.
 */
struct key_rule {
	const char *section;
	const char *key;
	enum value_type type;
	size_t offset;        /* of the field in struct policy */
	const char *act_word; /* VALUE_ACTION: this section's word for act */
	const char *words;    /* VALUE_WORD: the accepted words, "a, b or c" */
	uint32_t min, max;    /* VALUE_COUNT: the accepted range */
	key_setter set;       /* VALUE_CUSTOM */
	bool repeats;         /* one more entry per line, not "set twice" */
};

static int set_mode(struct parse *, const struct key_rule *, const char *);
static int set_page_max_share(struct parse *, const struct key_rule *,
                              const char *);
static int set_cpu_protect(struct parse *, const struct key_rule *,
                           const char *);
static int set_peers(struct parse *, const struct key_rule *, const char *);
static int set_syslog_transport(struct parse *, const struct key_rule *,
                                const char *);
static int set_syslog_server(struct parse *, const struct key_rule *,
                             const char *);
static int set_trends_daemon(struct parse *, const struct key_rule *,
                             const char *);
static int set_dimm_map(struct parse *, const struct key_rule *, const char *);
static int set_dimm_sources(struct parse *, const struct key_rule *,
                            const char *);
static int set_sensor_limit(struct parse *, const struct key_rule *,
                            const char *);
static int set_hysteresis(struct parse *, const struct key_rule *,
                          const char *);
static int set_sync_window(struct parse *, const struct key_rule *,
                           const char *);
static int set_table_memory(struct parse *, const struct key_rule *,
                            const char *);
static int set_journal_keep(struct parse *, const struct key_rule *,
                            const char *);
static int set_journal_max_size(struct parse *, const struct key_rule *,
                                const char *);
static int set_dram_map(struct parse *, const struct key_rule *, const char *);
static int set_evacuate_modes(struct parse *, const struct key_rule *,
                              const char *);

static const struct key_rule key_rules[] = {
    {"general", "mode", .type = VALUE_CUSTOM, .set = set_mode},
    {"page", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, page)},
    {"page", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, page)},
    {"page", "action", .type = VALUE_ACTION,
     .offset = offsetof(struct policy, page_action), .act_word = "offline"},
    {"page", "offline_on_uncorrected", .type = VALUE_BOOLEAN,
     .offset = offsetof(struct policy, page_offline_on_uncorrected)},
    {"page", "max_offlined", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, page_max_offlined), .min = 1,
     .max = UINT32_MAX},
    {"page", "max_share", .type = VALUE_CUSTOM, .set = set_page_max_share},
    {"dimm", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, dimm)},
    {"dimm", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, dimm)},
    {"dimm", "action", .type = VALUE_ACTION,
     .offset = offsetof(struct policy, dimm_action), .act_word = "evacuate"},
    {"dimm", "warn", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, dimm_warn), .min = 0,
     .max = LEAKY_BUCKET_MAX_LIMIT},
    {"dimm", "map", .type = VALUE_CUSTOM, .set = set_dimm_map, .repeats = true},
    {"dimm", "sysfs_root", .type = VALUE_PATH,
     .offset = offsetof(struct policy, dimm_sysfs_root)},
    {"dimm", "sources", .type = VALUE_CUSTOM, .set = set_dimm_sources},
    {"socket", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, socket)},
    {"socket", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, socket)},
    {"cpu", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, core)},
    {"cpu", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, core)},
    {"cpu", "action", .type = VALUE_ACTION,
     .offset = offsetof(struct policy, cpu_action), .act_word = "offline"},
    {"cpu", "protect", .type = VALUE_CUSTOM, .set = set_cpu_protect},
    {"evacuation", "peers", .type = VALUE_CUSTOM, .set = set_peers},
    {"evacuation", "max_per_hour", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, evac_max_per_hour), .min = 1,
     .max = 3600},
    {"evacuation", "concurrent", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, evac_concurrent), .min = 1, .max = 64},
    {"evacuation", "refused_backoff", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, evac_refused_backoff_ms)},
    {"evacuation", "target_command", .type = VALUE_PATH,
     .offset = offsetof(struct policy, evac_target_command)},
    {"evacuation", "target_timeout", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, evac_target_timeout_ms)},
    {"evacuation", "target_user", .type = VALUE_NAME,
     .offset = offsetof(struct policy, evac_target_user)},
    {"journal", "sync_window", .type = VALUE_CUSTOM, .set = set_sync_window},
    {"journal", "keep", .type = VALUE_CUSTOM, .set = set_journal_keep},
    {"journal", "max_size", .type = VALUE_CUSTOM, .set = set_journal_max_size},
    {"page", "table_memory", .type = VALUE_CUSTOM, .set = set_table_memory},
    {"syslog", "transport", .type = VALUE_CUSTOM, .set = set_syslog_transport},
    {"syslog", "socket", .type = VALUE_PATH,
     .offset = offsetof(struct policy, syslog_socket)},
    {"syslog", "server", .type = VALUE_CUSTOM, .set = set_syslog_server},
    {"syslog", "ca", .type = VALUE_PATH,
     .offset = offsetof(struct policy, syslog_ca)},
    {"syslog", "storm_limit", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, syslog_storm_limit), .min = 0,
     .max = 1000000},
    {"syslog", "storm_window", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, syslog_storm_window_ms)},
    {"trends", "dir", .type = VALUE_PATH,
     .offset = offsetof(struct policy, trends_dir)},
    {"trends", "rrdcached", .type = VALUE_CUSTOM, .set = set_trends_daemon},
    {"metrics", "file", .type = VALUE_PATH,
     .offset = offsetof(struct policy, metrics_file)},
    {"metrics", "interval", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, metrics_interval_ms)},
    {"page", "hard_offline_uncorrected", .type = VALUE_BOOLEAN,
     .offset = offsetof(struct policy, page_hard_offline_uncorrected)},
    {"page", "evacuate_owner", .type = VALUE_ACTION,
     .offset = offsetof(struct policy, page_evacuate_owner),
     .act_word = "evacuate"},
    {"telemetry", "selftest", .type = VALUE_WORD,
     .offset = offsetof(struct policy, selftest), .words = "auto, yes or no"},
    {"telemetry", "selftest_timeout", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, selftest_timeout_ms)},
    {"telemetry", "selftest_bank", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, selftest_bank), .min = 0, .max = 31},
    {"telemetry", "selftest_cpu", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, selftest_cpu), .min = 0,
     .max = POLICY_MAX_CPUS - 1},
    {"health", "yellow", .type = VALUE_WORD,
     .offset = offsetof(struct policy, health_yellow),
     .words = "alert, quarantine or evacuate"},
    {"health", "red", .type = VALUE_WORD,
     .offset = offsetof(struct policy, health_red),
     .words = "alert, quarantine or evacuate"},
    {"health", "hook", .type = VALUE_PATH,
     .offset = offsetof(struct policy, health_hook)},
    {"health", "hook_user", .type = VALUE_NAME,
     .offset = offsetof(struct policy, health_hook_user)},
    {"health", "hook_timeout", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, health_hook_timeout_ms)},
    {"health", "uncorrected_hold", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, health_ue_hold_ms)},
    {"health", "psu_redundant", .type = VALUE_BOOLEAN,
     .offset = offsetof(struct policy, psu_redundant)},
    {"ipmi", "interface", .type = VALUE_WORD,
     .offset = offsetof(struct policy, ipmi_interface),
     .words = "off, local or lan"},
    {"ipmi", "device", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, ipmi_smi), .min = 0, .max = 255},
    {"ipmi", "host", .type = VALUE_NAME,
     .offset = offsetof(struct policy, ipmi_host)},
    {"ipmi", "port", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, ipmi_port), .min = 1, .max = 65535},
    {"ipmi", "credentials", .type = VALUE_PATH,
     .offset = offsetof(struct policy, ipmi_credentials)},
    {"ipmi", "sel_poll", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, ipmi_sel_poll_ms)},
    {"ipmi", "sensor_poll", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, ipmi_sensor_poll_ms)},
    {"ipmi", "retry_max", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, ipmi_retry_max_ms)},
    {"ipmi", "correlate_window", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, ipmi_correlate_window_ms)},
    {"sensors", "enable", .type = VALUE_BOOLEAN,
     .offset = offsetof(struct policy, sensors_enable)},
    {"sensors", "interval", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, sensors_interval_ms)},
    {"sensors", "config", .type = VALUE_PATH,
     .offset = offsetof(struct policy, sensors_config)},
    {"sensors", "hysteresis_temp", .type = VALUE_CUSTOM, .set = set_hysteresis},
    {"sensors", "hysteresis_other", .type = VALUE_CUSTOM,
     .set = set_hysteresis},
    {"sensors", "limit", .type = VALUE_CUSTOM, .set = set_sensor_limit,
     .repeats = true},
    {"pcie", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, pcie_storm)},
    {"pcie", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, pcie_storm)},
    {"pcie", "nonfatal", .type = VALUE_WORD,
     .offset = offsetof(struct policy, pcie_nonfatal),
     .words = "yellow or red"},
    {"pcie", "hold", .type = VALUE_DURATION,
     .offset = offsetof(struct policy, pcie_hold_ms)},
    {"row", "threshold", .type = VALUE_THRESHOLD,
     .offset = offsetof(struct policy, row)},
    {"row", "window", .type = VALUE_WINDOW,
     .offset = offsetof(struct policy, row)},
    {"row", "action", .type = VALUE_ACTION,
     .offset = offsetof(struct policy, row_action), .act_word = "offline"},
    {"row", "max_pages", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, row_max_pages), .min = 1,
     .max = POLICY_ROW_MAX_PAGES},
    {"dram", "cells", .type = VALUE_COUNT,
     .offset = offsetof(struct policy, dram_cells), .min = 2,
     .max = POLICY_DRAM_CELLS_MAX},
    {"dram", "evacuate_modes", .type = VALUE_CUSTOM, .set = set_evacuate_modes},
    {"dram", "map", .type = VALUE_CUSTOM, .set = set_dram_map, .repeats = true},
};

#define N_KEY_RULES (sizeof(key_rules) / sizeof(key_rules[0]))

/*
 * State of one load. inih gives the handler no line numbers and keeps
 * parsing after an error, so the reader counts physical lines itself and
 * the handler keeps only the first error it sees.
 */
struct parse {
	struct policy copy; /* parsed into, assigned to the caller on success */
	FILE *file;         /* the reader's source: a file ... */
	const char *text;   /* ... or the rest of a string */
	int lineno;         /* physical line the reader returned last */
	bool indented;      /* that line starts with a blank */
	int key_line[N_KEY_RULES];      /* line each rule was set on, 0: not */
	int map_line[POLICY_MAX_DIMMS]; /* line of each [dimm] map entry */
	bool map_started;               /* a map line was read in this load */
	bool limits_started;    /* a [sensors] limit line was read in it */
	bool dram_maps_started; /* a [dram] map line was read in it */
	const struct key_rule *last_rule; /* what a continuation continues */
	int error_line;                   /* first error found here, 0: none */
	char reason[REASON_MAX];
};

void policy_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->recommend_only = false;
	p->page.limit = 2;
	p->page.window_ms = 24ULL * 3600 * 1000;
	p->page_action = POLICY_ACT;
	p->page_offline_on_uncorrected = true;
	p->page_max_offlined = 1024;
	p->page_max_share_ppm = 1000; /* 0.1% */
	p->dimm.limit = 10;
	p->dimm.window_ms = 24ULL * 3600 * 1000;
	p->dimm_action = POLICY_ACT;
	p->dimm_warn = 5;
	snprintf(p->dimm_sysfs_root, sizeof(p->dimm_sysfs_root), "/");
	p->dimm_sources = 1u << DIMM_SRC_EDAC | 1u << DIMM_SRC_SMBIOS |
	                  1u << DIMM_SRC_LABELS | 1u << DIMM_SRC_POLICY;
	p->n_dimm_map = 0;
	p->socket.limit = 100;
	p->socket.window_ms = 24ULL * 3600 * 1000;
	p->core.limit = 18;
	p->core.window_ms = 24ULL * 3600 * 1000;
	p->cpu_action = POLICY_ACT;
	p->cpu_protected[0] = 1; /* CPU 0: Xen cannot offline it */
	p->n_peers = 0;
	p->evac_max_per_hour = 6;
	p->evac_concurrent = 2;
	p->evac_refused_backoff_ms = 10ULL * 60 * 1000;
	p->evac_target_timeout_ms = 10000;
	snprintf(p->evac_target_user, sizeof(p->evac_target_user), "nobody");
	p->journal_sync_window_ms = POLICY_SYNC_WINDOW_DEFAULT_MS;
	p->page_table_bytes = POLICY_TABLE_MEMORY_DEFAULT;
	p->journal_keep_ms = POLICY_JOURNAL_KEEP_DEFAULT_MS;
	snprintf(p->health_hook_user, sizeof(p->health_hook_user), "nobody");
	p->health_hook_timeout_ms = 30000;
	p->journal_max_bytes = POLICY_JOURNAL_MAX_SIZE_DEFAULT;
	/* journald where systemd runs, else /dev/log (telemetry.c). */
	snprintf(p->syslog_transport, sizeof(p->syslog_transport), "auto");
	p->syslog_storm_limit = 20;
	p->syslog_storm_window_ms = 60000;
	p->metrics_interval_ms = 15000;
	p->page_evacuate_owner = POLICY_RECOMMEND;
	p->page_hard_offline_uncorrected = false;
	snprintf(p->selftest, sizeof(p->selftest), "auto");
	p->selftest_timeout_ms = 0;
	p->selftest_bank = 1;
	p->selftest_cpu = 0;
	snprintf(p->health_yellow, sizeof(p->health_yellow), "alert");
	snprintf(p->health_red, sizeof(p->health_red), "alert");
	p->health_ue_hold_ms = 24ULL * 3600 * 1000;
	p->psu_redundant = true;
	snprintf(p->ipmi_interface, sizeof(p->ipmi_interface), "off");
	p->ipmi_port = 623;
	p->ipmi_sel_poll_ms = 10000;
	p->ipmi_sensor_poll_ms = 30000;
	p->ipmi_retry_max_ms = 5 * 60 * 1000;
	p->ipmi_correlate_window_ms = 5 * 60 * 1000;
	p->sensors_enable = false;
	p->sensors_interval_ms = 10000;
	p->sensors_hysteresis_temp = 2.0;
	p->sensors_hysteresis_frac = 0.03;
	p->pcie_storm.limit = 10;
	p->pcie_storm.window_ms = 3600ULL * 1000;
	snprintf(p->pcie_nonfatal, sizeof(p->pcie_nonfatal), "yellow");
	p->pcie_hold_ms = 24ULL * 3600 * 1000;
	p->row.limit = 4;
	p->row.window_ms = 24ULL * 3600 * 1000;
	p->row_action = POLICY_ACT;
	p->row_max_pages = 64;
	p->dram_cells = 3;
	p->dram_evacuate_modes = 0;
	p->n_dram_maps = 0;
}

bool policy_cpu_protected(const struct policy *p, uint32_t cpu)
{
	if (p == NULL || cpu >= POLICY_MAX_CPUS)
		return false;
	return (p->cpu_protected[cpu / 8] >> (cpu % 8)) & 1;
}

bool policy_dimm_source_trusted(const struct policy *p, enum dimm_source src)
{
	if (src == DIMM_SRC_GUESS)
		return true;
	return (p->dimm_sources >> src) & 1;
}

const char *policy_action_name(enum policy_action a)
{
	switch (a) {
	case POLICY_ACT:
		return "act";
	case POLICY_RECOMMEND:
		return "recommend";
	case POLICY_OFF:
		return "off";
	}
	return "unknown";
}

/* Keeps the first error only: later ones are often its consequences. */
static int fail(struct parse *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct parse *ps, const char *fmt, ...)
{
	va_list ap;

	if (ps->error_line != 0)
		return -1;
	ps->error_line = ps->lineno;
	va_start(ap, fmt);
	vsnprintf(ps->reason, sizeof(ps->reason), fmt, ap);
	va_end(ap);
	return -1;
}

enum number_result { NUMBER_OK, NUMBER_BAD, NUMBER_OUT_OF_RANGE };

/* Plain decimal only: "0x10" or "1e3" in a policy is more likely a typo. */
static enum number_result parse_u64(const char *s, const char **end,
                                    uint64_t *out)
{
	uint64_t n = 0;
	bool negative = false;

	if (*s == '-') {
		negative = true;
		s++;
	}
	if (!isdigit((unsigned char)*s))
		return NUMBER_BAD;
	for (; isdigit((unsigned char)*s); s++) {
		unsigned digit = (unsigned)(*s - '0');

		if (n > (UINT64_MAX - digit) / 10)
			return NUMBER_OUT_OF_RANGE;
		n = n * 10 + digit;
	}
	*end = s;
	*out = n;
	if (negative && n != 0)
		return NUMBER_OUT_OF_RANGE;
	return NUMBER_OK;
}

static int set_count(struct parse *ps, const struct key_rule *rule,
                     const char *value, uint32_t min, uint32_t max,
                     uint32_t *out)
{
	const char *end = value;
	uint64_t n = 0;
	enum number_result r = parse_u64(value, &end, &n);

	if (r == NUMBER_BAD || (r == NUMBER_OK && *end != '\0'))
		return fail(ps, "bad %s '%s' in [%s]: not a number", rule->key,
		            value, rule->section);
	if (r == NUMBER_OUT_OF_RANGE || n < min || n > max)
		return fail(ps, "%s %s in [%s]: must be %u..%u", rule->key,
		            value, rule->section, min, max);
	*out = (uint32_t)n;
	return 0;
}

static int set_threshold(struct parse *ps, const struct key_rule *rule,
                         const char *value, struct leaky_rule *out)
{
	return set_count(ps, rule, value, 1, LEAKY_BUCKET_MAX_LIMIT,
	                 &out->limit);
}

/* NULL on success, else why `s` is not a duration. */
static const char *duration_error(const char *s, uint64_t *ms)
{
	static const struct {
		const char *name;
		uint64_t ms;
	} units[] = {
	    {"ms", 1},
	    {"s", 1000},
	    {"m", 60 * 1000},
	    {"h", 3600 * 1000},
	    {"d", 24 * 3600 * 1000},
	};
	const char *unit = s;
	uint64_t n = 0;
	enum number_result r = parse_u64(s, &unit, &n);
	size_t i;

	if (*s == '-' || r == NUMBER_BAD)
		return "not a duration";
	if (r == NUMBER_OUT_OF_RANGE)
		return "too long";
	if (*unit == '\0')
		return "needs a unit: 24h, 30m, 90s";
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(unit, units[i].name) != 0)
			continue;
		if (n > UINT64_MAX / units[i].ms)
			return "too long";
		if (n == 0)
			return "must be longer than 0";
		*ms = n * units[i].ms;
		return NULL;
	}
	return "unknown unit: use ms, s, m, h or d";
}

int policy_parse_duration(const char *s, uint64_t *ms)
{
	uint64_t parsed = 0;

	if (s == NULL || ms == NULL || duration_error(s, &parsed) != NULL)
		return -1;
	*ms = parsed;
	return 0;
}

static int set_window(struct parse *ps, const struct key_rule *rule,
                      const char *value, struct leaky_rule *out)
{
	const char *why = duration_error(value, &out->window_ms);

	if (why != NULL)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	return 0;
}

static int set_duration(struct parse *ps, const struct key_rule *rule,
                        const char *value, uint64_t *out)
{
	const char *why = duration_error(value, out);

	if (why != NULL)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	return 0;
}

/*
 * How long a committed event may wait for its fsync. 0 syncs every
 * batch; more than POLICY_SYNC_WINDOW_MAX_MS is more than a host that
 * resets on a fatal machine check can be trusted to give.
 */
static int set_sync_window(struct parse *ps, const struct key_rule *rule,
                           const char *value)
{
	uint64_t ms = 0;
	const char *why;

	if (strcmp(value, "0") != 0) {
		why = duration_error(value, &ms);
		if (why != NULL)
			return fail(ps, "bad %s '%s' in [%s]: %s", rule->key,
			            value, rule->section, why);
	}
	if (ms > POLICY_SYNC_WINDOW_MAX_MS)
		return fail(ps, "bad %s '%s' in [%s]: at most %ums", rule->key,
		            value, rule->section, POLICY_SYNC_WINDOW_MAX_MS);
	ps->copy.journal_sync_window_ms = ms;
	return 0;
}

static const char *size_error(const char *s, uint64_t *out);

/* A size (size_error's syntax) from min to max into out. */
static bool size_within(const char *value, uint64_t min, uint64_t max,
                        uint64_t *out)
{
	uint64_t n = 0;

	if (size_error(value, &n) != NULL || n < min || n > max)
		return false;
	*out = n;
	return true;
}

/* The page table's budget, from 64K to 1G. */
static int set_table_memory(struct parse *ps, const struct key_rule *rule,
                            const char *value)
{
	if (!size_within(value, POLICY_TABLE_MEMORY_MIN,
	                 POLICY_TABLE_MEMORY_MAX, &ps->copy.page_table_bytes))
		return fail(ps, "bad %s '%s' in [%s]: from 64K to 1G",
		            rule->key, value, rule->section);
	return 0;
}

/*
 * How long events are kept before retention rolls them up into day
 * counts; 0 keeps them for ever. Never less than a day: the correlation
 * windows are protected anyway, and less would be a typo.
 */
static int set_journal_keep(struct parse *ps, const struct key_rule *rule,
                            const char *value)
{
	uint64_t ms = 0;
	const char *why;

	if (strcmp(value, "0") != 0) {
		why = duration_error(value, &ms);
		if (why != NULL)
			return fail(ps, "bad %s '%s' in [%s]: %s", rule->key,
			            value, rule->section, why);
		if (ms < POLICY_JOURNAL_KEEP_MIN_MS)
			return fail(ps,
			            "bad %s '%s' in [%s]: at least 1d, or 0 "
			            "to keep every event",
			            rule->key, value, rule->section);
	}
	ps->copy.journal_keep_ms = ms;
	return 0;
}

/* The journal's size past which the oldest events are rolled up; 0: none. */
static int set_journal_max_size(struct parse *ps, const struct key_rule *rule,
                                const char *value)
{
	if (strcmp(value, "0") == 0) {
		ps->copy.journal_max_bytes = 0;
		return 0;
	}
	if (!size_within(value, POLICY_JOURNAL_MAX_SIZE_MIN,
	                 POLICY_JOURNAL_MAX_SIZE_MAX,
	                 &ps->copy.journal_max_bytes))
		return fail(ps, "bad %s '%s' in [%s]: from 256K to 1024G, or 0",
		            rule->key, value, rule->section);
	return 0;
}

/* Paths are absolute: rasd's working directory is nobody's business. */
static int set_path(struct parse *ps, const struct key_rule *rule,
                    const char *value, char *out)
{
	const char *c;

	if (*value == '\0') {
		*out = '\0';
		return 0;
	}
	if (*value != '/')
		return fail(ps, "bad %s '%s' in [%s]: must be an absolute path",
		            rule->key, value, rule->section);
	if (strlen(value) >= POLICY_PATH_MAX)
		return fail(ps, "%s in [%s] is longer than %d bytes", rule->key,
		            rule->section, POLICY_PATH_MAX - 1);
	for (c = value; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20)
			return fail(ps, "%s in [%s] has a control character",
			            rule->key, rule->section);
	memcpy(out, value, strlen(value) + 1);
	return 0;
}

/* One of the rule's words; the list reads as the message says it. */
static int set_word(struct parse *ps, const struct key_rule *rule,
                    const char *value, char *out)
{
	const char *w = rule->words;
	size_t n = strlen(value);

	while (n > 0 && n < POLICY_WORD_MAX && (w = strstr(w, value)) != NULL) {
		bool starts = w == rule->words || w[-1] == ' ';
		bool ends = w[n] == '\0' || w[n] == ',' || w[n] == ' ';

		if (starts && ends && strcmp(value, "or") != 0) {
			memcpy(out, value, n + 1);
			return 0;
		}
		w += n;
	}
	return fail(ps, "bad %s '%s' in [%s]: use %s", rule->key, value,
	            rule->section, rule->words);
}

/* A host name or address: printable, no blanks. */
static int set_name(struct parse *ps, const struct key_rule *rule,
                    const char *value, char *out)
{
	const char *c;

	if (strlen(value) >= POLICY_PATH_MAX)
		return fail(ps, "%s in [%s] is longer than %d bytes", rule->key,
		            rule->section, POLICY_PATH_MAX - 1);
	for (c = value; *c != '\0'; c++)
		if ((unsigned char)*c <= 0x20 || (unsigned char)*c >= 0x7f)
			return fail(ps,
			            "bad %s '%s' in [%s]: blanks and control "
			            "characters are not allowed",
			            rule->key, value, rule->section);
	memcpy(out, value, strlen(value) + 1);
	return 0;
}

/* Each section says "act" in its own word: offline, evacuate. */
static int set_action(struct parse *ps, const struct key_rule *rule,
                      const char *value, enum policy_action *out)
{
	if (strcmp(value, rule->act_word) == 0)
		*out = POLICY_ACT;
	else if (strcmp(value, "recommend") == 0)
		*out = POLICY_RECOMMEND;
	else if (strcmp(value, "off") == 0)
		*out = POLICY_OFF;
	else
		return fail(ps, "bad %s '%s' in [%s]: use %s, recommend or off",
		            rule->key, value, rule->section, rule->act_word);
	return 0;
}

static int set_bool(struct parse *ps, const struct key_rule *rule,
                    const char *value, bool *out)
{
	if (strcasecmp(value, "yes") == 0 || strcasecmp(value, "true") == 0 ||
	    strcasecmp(value, "on") == 0)
		*out = true;
	else if (strcasecmp(value, "no") == 0 ||
	         strcasecmp(value, "false") == 0 ||
	         strcasecmp(value, "off") == 0)
		*out = false;
	else
		return fail(ps, "bad %s '%s' in [%s]: use yes or no", rule->key,
		            value, rule->section);
	return 0;
}

/* NULL on success, else why `s` is not a share like "0.1%". */
static const char *share_error(const char *s, uint32_t *ppm)
{
	const char *p = s;
	uint64_t whole = 0, frac = 0;
	enum number_result r = parse_u64(s, &p, &whole);
	int decimals = 0;

	if (*s == '-' || r == NUMBER_BAD)
		return "not a number";
	if (r == NUMBER_OUT_OF_RANGE || whole > 100)
		return "must be above 0% and at most 100%";
	if (*p == '.') {
		for (p++; isdigit((unsigned char)*p); p++, decimals++) {
			if (decimals == 4)
				return "at most 4 decimals";
			frac = frac * 10 + (uint64_t)(*p - '0');
		}
		if (decimals == 0)
			return "not a number";
	}
	for (; decimals < 4; decimals++)
		frac *= 10;
	if (*p == '\0')
		return "needs a percent sign: 0.1%";
	if (strcmp(p, "%") != 0)
		return "not a number";
	/* 1% is 10000 ppm; four decimals of a percent are whole ppm. */
	whole = whole * 10000 + frac;
	if (whole == 0 || whole > 1000000)
		return "must be above 0% and at most 100%";
	*ppm = (uint32_t)whole;
	return NULL;
}

static int set_page_max_share(struct parse *ps, const struct key_rule *rule,
                              const char *value)
{
	const char *why = share_error(value, &ps->copy.page_max_share_ppm);

	if (why != NULL)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	return 0;
}

static bool is_list_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/* Copies the next list item of `s` into `item`; returns where it ended. */
static const char *next_item(const char *s, char *item, size_t size,
                             bool *too_long)
{
	size_t n = 0;

	*too_long = false;
	while (is_list_separator(*s))
		s++;
	for (; *s != '\0' && !is_list_separator(*s); s++) {
		if (n + 1 < size)
			item[n++] = *s;
		else
			*too_long = true;
	}
	item[n] = '\0';
	return s;
}

/* "N" or "N-M"; 0, or -1 with why it is not a range of known CPUs. */
static int parse_cpu_range(const char *item, uint32_t *first, uint32_t *last,
                           char *why, size_t whylen)
{
	const char *end = item;
	uint64_t lo = 0, hi = 0;

	if (*item == '-' || parse_u64(item, &end, &lo) != NUMBER_OK)
		end = NULL;
	hi = lo;
	if (end != NULL && *end == '-') {
		const char *start = end + 1;

		if (*start == '-' || parse_u64(start, &end, &hi) != NUMBER_OK)
			end = NULL;
	}
	if (end == NULL || *end != '\0') {
		snprintf(why, whylen, "'%s' is not a CPU number or range",
		         item);
		return -1;
	}
	if (hi >= POLICY_MAX_CPUS) {
		snprintf(why, whylen, "'%s' goes past CPU %d", item,
		         POLICY_MAX_CPUS - 1);
		return -1;
	}
	if (hi < lo) {
		snprintf(why, whylen, "'%s' goes backwards", item);
		return -1;
	}
	*first = (uint32_t)lo;
	*last = (uint32_t)hi;
	return 0;
}

static int set_cpu_protect(struct parse *ps, const struct key_rule *rule,
                           const char *value)
{
	struct policy *p = &ps->copy;
	const char *s = value;
	char item[32], why[96];
	bool too_long;

	memset(p->cpu_protected, 0, sizeof(p->cpu_protected));
	for (;;) {
		uint32_t cpu, first = 0, last = 0;

		s = next_item(s, item, sizeof(item), &too_long);
		if (item[0] == '\0')
			return 0;
		if (too_long)
			snprintf(why, sizeof(why),
			         "'%s...' is not a CPU number or range", item);
		if (too_long ||
		    parse_cpu_range(item, &first, &last, why, sizeof(why)) != 0)
			return fail(ps, "bad %s '%s' in [%s]: %s", rule->key,
			            value, rule->section, why);
		for (cpu = first; cpu <= last; cpu++)
			p->cpu_protected[cpu / 8] |= (uint8_t)(1u << (cpu % 8));
	}
}

/* A host name, or what a backend dials: tcp:HOST:PORT (xen), a libvirt
 * URI such as qemu+ssh://root@host/system (linux). */
static bool is_peer_name(const char *s)
{
	for (; *s != '\0'; s++) {
		if (!isalnum((unsigned char)*s) &&
		    strchr("._-:/+@[]", *s) == NULL)
			return false;
	}
	return true;
}

static bool has_peer(const struct policy *p, const char *name)
{
	size_t i;

	for (i = 0; i < p->n_peers; i++) {
		if (strcmp(p->peers[i], name) == 0)
			return true;
	}
	return false;
}

/* A continuation line (indented, under peers) appends to the list. */
static int add_peers(struct parse *ps, const struct key_rule *rule,
                     const char *value)
{
	struct policy *p = &ps->copy;
	const char *s = value;
	char item[PEER_NAME_MAX + 1];
	bool too_long;

	for (;;) {
		s = next_item(s, item, sizeof(item), &too_long);
		if (item[0] == '\0')
			return 0;
		if (too_long)
			return fail(ps,
			            "bad %s '%s' in [%s]: '%s...' is longer "
			            "than %d characters",
			            rule->key, value, rule->section, item,
			            PEER_NAME_MAX);
		if (!is_peer_name(item))
			return fail(ps,
			            "bad %s '%s' in [%s]: '%s' has a character "
			            "other than A-Z a-z 0-9 . _ - : / + @ [ ]",
			            rule->key, value, rule->section, item);
		if (has_peer(p, item))
			return fail(ps,
			            "bad %s '%s' in [%s]: '%s' is listed twice",
			            rule->key, value, rule->section, item);
		if (p->n_peers == POLICY_MAX_PEERS)
			return fail(
			    ps, "bad %s '%s' in [%s]: more than %d peers",
			    rule->key, value, rule->section, POLICY_MAX_PEERS);
		snprintf(p->peers[p->n_peers], sizeof(p->peers[0]), "%s", item);
		p->n_peers++;
	}
}

static int set_peers(struct parse *ps, const struct key_rule *rule,
                     const char *value)
{
	memset(ps->copy.peers, 0, sizeof(ps->copy.peers));
	ps->copy.n_peers = 0;
	return add_peers(ps, rule, value);
}

static int set_syslog_transport(struct parse *ps, const struct key_rule *rule,
                                const char *value)
{
	if (strcmp(value, "off") && strcmp(value, "local") &&
	    strcmp(value, "tcp") && strcmp(value, "tls") &&
	    strcmp(value, "journal") && strcmp(value, "auto"))
		return fail(
		    ps,
		    "bad %s '%s' in [%s]: use auto, journal, local, tcp, "
		    "tls or off",
		    rule->key, value, rule->section);
	snprintf(ps->copy.syslog_transport, sizeof(ps->copy.syslog_transport),
	         "%s", value);
	return 0;
}

/* host:port or [v6]:port, checked by the publisher's own parser. */
static int set_syslog_server(struct parse *ps, const struct key_rule *rule,
                             const char *value)
{
	struct syslog5424_target t;
	char why[160];

	if (*value == '\0') {
		ps->copy.syslog_server[0] = '\0';
		return 0;
	}
	if (syslog5424_parse_target(value, &t, why, sizeof(why)) < 0)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	snprintf(ps->copy.syslog_server, sizeof(ps->copy.syslog_server), "%s",
	         value);
	return 0;
}

/* rrdcached's own address forms: unix:/path, or host:port. */
static int set_trends_daemon(struct parse *ps, const struct key_rule *rule,
                             const char *value)
{
	struct syslog5424_target t;
	char why[160];

	if (*value != '\0' && strncmp(value, "unix:/", 6) != 0 &&
	    syslog5424_parse_target(value, &t, why, sizeof(why)) < 0)
		return fail(ps,
		            "bad %s '%s' in [%s]: use unix:/path or host:port",
		            rule->key, value, rule->section);
	if (strlen(value) >= sizeof(ps->copy.trends_daemon))
		return fail(ps, "%s in [%s] is too long", rule->key,
		            rule->section);
	snprintf(ps->copy.trends_daemon, sizeof(ps->copy.trends_daemon), "%s",
	         value);
	return 0;
}

/*
 * [dimm] map = LABEL key=value...: one DIMM the firmware does not
 * describe, or describes wrongly. A word is blank-separated, or "double
 * quoted" for labels with blanks.
 */
static const char *next_word(const char *s, char *word, size_t size,
                             const char **why)
{
	size_t n = 0;
	bool quoted;

	*why = NULL;
	while (*s == ' ' || *s == '\t')
		s++;
	quoted = *s == '"';
	if (quoted)
		s++;
	for (; *s != '\0'; s++) {
		if (quoted ? *s == '"' : (*s == ' ' || *s == '\t'))
			break;
		if (n + 1 < size)
			word[n++] = *s;
		else
			*why = "is too long";
	}
	word[n] = '\0';
	if (!quoted)
		return s;
	if (*s != '"')
		*why = "has no closing quote";
	else
		s++;
	return s;
}

/* Decimal, or hex after 0x: addresses are written in hex. */
static const char *number_error(const char *s, const char **end, uint64_t *out)
{
	int base = 10;
	char *stop;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	}
	if (!isxdigit((unsigned char)*s) ||
	    (base == 10 && !isdigit((unsigned char)*s)))
		return "not a number";
	errno = 0;
	*out = strtoull(s, &stop, base);
	if (errno == ERANGE)
		return "too large";
	*end = stop;
	return NULL;
}

/* A number of bytes with an optional binary unit: 16G, 0x400000000. */
static const char *size_error(const char *s, uint64_t *out)
{
	static const char units[] = "KMGT";
	const char *end = s, *unit, *why = number_error(s, &end, out);
	unsigned shift;

	if (why != NULL || *end == '\0')
		return why;
	unit = strchr(units, *end);
	if (unit == NULL || end[1] != '\0')
		return "not a size: use bytes, K, M, G or T";
	shift = 10 * (unsigned)(unit - units + 1);
	if (*out > UINT64_MAX >> shift)
		return "too large";
	*out <<= shift;
	return NULL;
}

enum map_key_id {
	MAP_SOCKET,
	MAP_CONTROLLER,
	MAP_CHANNEL,
	MAP_SLOT,
	MAP_START,
	MAP_SIZE,
	N_MAP_KEYS
};

/* The keys of a map line; a location is an int, a range bytes. */
static const struct map_key {
	const char *name;
	size_t offset; /* in struct dimm_policy */
	bool bytes;    /* uint64_t start or size, else an int location */
} map_keys[N_MAP_KEYS] = {
    [MAP_SOCKET] = {"socket", offsetof(struct dimm_policy, socket), false},
    [MAP_CONTROLLER] = {"controller", offsetof(struct dimm_policy, controller),
                        false},
    [MAP_CHANNEL] = {"channel", offsetof(struct dimm_policy, channel), false},
    [MAP_SLOT] = {"slot", offsetof(struct dimm_policy, slot), false},
    [MAP_START] = {"start", offsetof(struct dimm_policy, start), true},
    [MAP_SIZE] = {"size", offsetof(struct dimm_policy, size), true},
};

#define MAP_LOC_MAX 255 /* what EDAC and the scenarios number up to */

/* One key=value word into e; NULL, or why not (in why, which it fills). */
static const char *map_word(const char *word, struct dimm_policy *e,
                            unsigned *seen, char *why, size_t whylen)
{
	const char *eq = strchr(word, '='), *bad, *end;
	size_t i, len = eq != NULL ? (size_t)(eq - word) : 0;
	uint64_t n = 0;
	int loc;

	for (i = 0; eq != NULL && i < N_MAP_KEYS; i++)
		if (strlen(map_keys[i].name) == len &&
		    strncmp(map_keys[i].name, word, len) == 0)
			break;
	if (eq == NULL || i == N_MAP_KEYS) {
		snprintf(why, whylen,
		         "'%s' is not socket=, controller=, channel=, slot=, "
		         "start= or size=",
		         word);
		return why;
	}
	if (*seen & (1u << i)) {
		snprintf(why, whylen, "%s is given twice", map_keys[i].name);
		return why;
	}
	*seen |= 1u << i;
	if (map_keys[i].bytes) {
		bad = size_error(eq + 1, &n);
		if (bad == NULL && i == MAP_SIZE && n == 0)
			bad = "must be above 0";
		if (bad == NULL)
			memcpy((char *)e + map_keys[i].offset, &n, sizeof(n));
	} else {
		bad = number_error(eq + 1, &end, &n);
		if (bad == NULL && *end != '\0')
			bad = "not a number";
		if (bad == NULL && n > MAP_LOC_MAX)
			bad = "must be 0..255";
		loc = (int)n;
		if (bad == NULL)
			memcpy((char *)e + map_keys[i].offset, &loc,
			       sizeof(loc));
	}
	if (bad == NULL)
		return NULL;
	snprintf(why, whylen, "'%s': %s", word, bad);
	return why;
}

/* The whole line into e: the label, then key=value words. */
static const char *map_parse(const char *value, struct dimm_policy *e,
                             char *why, size_t whylen)
{
	const char *s, *s2, *bad;
	char word[DIMM_STR_LEN];
	unsigned seen = 0;
	bool ranged;

	memset(e, 0, sizeof(*e));
	e->socket = e->controller = e->channel = e->slot = -1;
	s = next_word(value, e->label, sizeof(e->label), &bad);
	if (bad != NULL) {
		snprintf(why, whylen, "the label %s", bad);
		return why;
	}
	if (e->label[0] == '\0')
		return "no label";
	for (s2 = e->label; *s2 != '\0'; s2++) {
		if (!isprint((unsigned char)*s2) || *s2 == '"')
			return "the label has a character other than printable "
			       "ASCII (or a quote)";
	}
	for (;;) {
		s = next_word(s, word, sizeof(word), &bad);
		if (bad != NULL) {
			snprintf(why, whylen, "'%s...' %s", word, bad);
			return why;
		}
		if (word[0] == '\0')
			break;
		if (map_word(word, e, &seen, why, whylen) != NULL)
			return why;
	}
	ranged = (seen & (1u << MAP_START)) != 0;
	if (ranged != ((seen & (1u << MAP_SIZE)) != 0))
		return "start and size go together";
	if (ranged && e->start + e->size - 1 < e->start)
		return "the range goes past the last address";
	/* The lookup by location needs both; a socket alone names no DIMM. */
	if (!ranged && (e->controller == -1 || e->channel == -1))
		return "needs controller and channel, or start and size";
	return NULL;
}

/* Labels name components in the journal: two DIMMs cannot share one. */
static const char *map_clash(const struct parse *ps,
                             const struct dimm_policy *e, char *why,
                             size_t whylen)
{
	const struct policy *p = &ps->copy;
	size_t i;

	for (i = 0; i < p->n_dimm_map; i++) {
		const struct dimm_policy *o = &p->dimm_map[i];

		if (strcmp(o->label, e->label) == 0) {
			snprintf(why, whylen, "label '%s' is on line %d too",
			         e->label, ps->map_line[i]);
			return why;
		}
		if (e->size == 0 || o->size == 0 ||
		    e->start > o->start + (o->size - 1) ||
		    o->start > e->start + (e->size - 1))
			continue;
		snprintf(why, whylen, "its range overlaps '%s' (line %d)",
		         o->label, ps->map_line[i]);
		return why;
	}
	return NULL;
}

static int set_dimm_map(struct parse *ps, const struct key_rule *rule,
                        const char *value)
{
	struct policy *p = &ps->copy;
	struct dimm_policy e;
	char buf[160];
	const char *why;

	/* The file's map replaces the one loaded over, as peers do. */
	if (!ps->map_started) {
		ps->map_started = true;
		p->n_dimm_map = 0;
	}
	why = map_parse(value, &e, buf, sizeof(buf));
	if (why == NULL)
		why = map_clash(ps, &e, buf, sizeof(buf));
	if (why == NULL && p->n_dimm_map == POLICY_MAX_DIMMS)
		why = "more than 256 map lines";
	if (why != NULL)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	ps->map_line[p->n_dimm_map] = ps->lineno;
	p->dimm_map[p->n_dimm_map++] = e;
	return 0;
}

/* map = DIMM column=3-12 bank=13-14 ...: the DIMM's label or "*". */
static int set_dram_map(struct parse *ps, const struct key_rule *rule,
                        const char *value)
{
	struct policy *p = &ps->copy;
	struct policy_dram_map *e;
	const char *sp = strpbrk(value, " \t");
	char why[160];
	size_t n = sp != NULL ? (size_t)(sp - value) : strlen(value);

	if (!ps->dram_maps_started) {
		ps->dram_maps_started = true;
		p->n_dram_maps = 0;
	}
	if (p->n_dram_maps == POLICY_MAX_DRAM_MAPS)
		return fail(ps, "more than %d %s lines in [%s]",
		            POLICY_MAX_DRAM_MAPS, rule->key, rule->section);
	e = &p->dram_maps[p->n_dram_maps];
	if (sp == NULL || n >= sizeof(e->dimm))
		return fail(ps,
		            "bad %s '%s' in [%s]: want a DIMM label (or *) "
		            "and its bits, column=3-12 row=17-33 ...",
		            rule->key, value, rule->section);
	snprintf(e->dimm, sizeof(e->dimm), "%.*s", (int)n, value);
	if (dram_map_parse(sp + 1, &e->map, why, sizeof(why)) < 0)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	p->n_dram_maps++;
	return 0;
}

/* evacuate_modes = row, column, bank, multi-bank, multi-rank; or none. */
static int set_evacuate_modes(struct parse *ps, const struct key_rule *rule,
                              const char *value)
{
	char buf[128], *save = NULL, *w;
	unsigned bits = 0;
	enum dram_mode m;

	snprintf(buf, sizeof(buf), "%s", value);
	for (w = strtok_r(buf, ", \t", &save); w != NULL;
	     w = strtok_r(NULL, ", \t", &save)) {
		if (strcmp(w, "none") == 0)
			continue;
		if (dram_mode_parse(w, &m) < 0 || m == DRAM_MODE_NONE ||
		    m == DRAM_MODE_CELL)
			return fail(ps,
			            "bad %s '%s' in [%s]: '%s' is not row, "
			            "column, bank, multi-bank, multi-rank or "
			            "none",
			            rule->key, value, rule->section, w);
		bits |= 1u << m;
	}
	ps->copy.dram_evacuate_modes = bits;
	return 0;
}

/* limit = CHIP FEATURE min=N max=N; the sensors module reads it. */
static int set_sensor_limit(struct parse *ps, const struct key_rule *rule,
                            const char *value)
{
	struct policy *p = &ps->copy;
	struct hwmon_limit_rule r;
	char why[160];

	if (!ps->limits_started) {
		ps->limits_started = true;
		p->n_sensor_limits = 0;
	}
	if (strlen(value) >= POLICY_SENSOR_LIMIT_MAX)
		return fail(ps, "%s in [%s] is longer than %d bytes", rule->key,
		            rule->section, POLICY_SENSOR_LIMIT_MAX - 1);
	if (p->n_sensor_limits == POLICY_MAX_SENSOR_LIMITS)
		return fail(ps, "more than %d %s lines in [%s]",
		            POLICY_MAX_SENSOR_LIMITS, rule->key, rule->section);
	if (hwmon_limit_rule_parse(value, &r, why, sizeof(why)) < 0)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	memcpy(p->sensor_limits[p->n_sensor_limits++], value,
	       strlen(value) + 1);
	return 0;
}

/* hysteresis_temp = 2C (degrees, absolute); hysteresis_other = 3% (of
 * the limit: fans, voltages, power). */
static int set_hysteresis(struct parse *ps, const struct key_rule *rule,
                          const char *value)
{
	bool temp = strcmp(rule->key, "hysteresis_temp") == 0;
	const char *unit = temp ? "C" : "%";
	char *end;
	double v;

	errno = 0;
	v = strtod(value, &end);
	if (end == value || errno != 0 || !(v >= 0 && v <= 100) ||
	    strcmp(end, unit) != 0)
		return fail(ps, "bad %s '%s' in [%s]: use %s, 0 to 100",
		            rule->key, value, rule->section,
		            temp ? "degrees like 2C" : "a share like 3%");
	if (temp)
		ps->copy.sensors_hysteresis_temp = v;
	else
		ps->copy.sensors_hysteresis_frac = v / 100.0;
	return 0;
}

/* sources = edac smbios policy, in any order; none trusts only guesses. */
static const char *source_bits(const char *value, unsigned *out, char *why,
                               size_t whylen)
{
	static const struct {
		const char *name;
		enum dimm_source src;
	} names[] = {
	    {"edac", DIMM_SRC_EDAC},
	    {"smbios", DIMM_SRC_SMBIOS},
	    {"labels", DIMM_SRC_LABELS},
	    {"policy", DIMM_SRC_POLICY},
	};
	const size_t n_names = sizeof(names) / sizeof(names[0]);
	char item[16];
	const char *s = value;
	bool too_long, none = false;
	unsigned bits = 0, bit, words = 0;
	size_t i;

	for (;;) {
		s = next_item(s, item, sizeof(item), &too_long);
		if (item[0] == '\0')
			break;
		words++;
		if (!too_long && strcmp(item, "none") == 0) {
			none = true;
			continue;
		}
		for (i = 0; i < n_names && strcmp(item, names[i].name) != 0;
		     i++)
			;
		if (too_long || i == n_names) {
			snprintf(
			    why, whylen,
			    "'%s%s' is not edac, smbios, labels, policy or "
			    "none",
			    item, too_long ? "..." : "");
			return why;
		}
		bit = 1u << names[i].src;
		if (bits & bit) {
			snprintf(why, whylen, "'%s' is listed twice", item);
			return why;
		}
		bits |= bit;
	}
	if (none && words > 1)
		return "none goes alone";
	*out = bits;
	return NULL;
}

static int set_dimm_sources(struct parse *ps, const struct key_rule *rule,
                            const char *value)
{
	char buf[96];
	const char *why =
	    source_bits(value, &ps->copy.dimm_sources, buf, sizeof(buf));

	if (why != NULL)
		return fail(ps, "bad %s '%s' in [%s]: %s", rule->key, value,
		            rule->section, why);
	return 0;
}

static int set_mode(struct parse *ps, const struct key_rule *rule,
                    const char *value)
{
	if (strcmp(value, "act") == 0)
		ps->copy.recommend_only = false;
	else if (strcmp(value, "recommend") == 0)
		ps->copy.recommend_only = true;
	else
		return fail(ps, "bad %s '%s' in [%s]: use act or recommend",
		            rule->key, value, rule->section);
	return 0;
}

/*
 * The setter for the rule's type, on the field the rule names; the custom
 * keys (mode, max_share, protect, peers) find their fields themselves.
 */
static int set_value(struct parse *ps, const struct key_rule *rule,
                     const char *value)
{
	void *field = (char *)&ps->copy + rule->offset;

	switch (rule->type) {
	case VALUE_THRESHOLD:
		return set_threshold(ps, rule, value, field);
	case VALUE_WINDOW:
		return set_window(ps, rule, value, field);
	case VALUE_ACTION:
		return set_action(ps, rule, value, field);
	case VALUE_COUNT:
		return set_count(ps, rule, value, rule->min, rule->max, field);
	case VALUE_BOOLEAN:
		return set_bool(ps, rule, value, field);
	case VALUE_DURATION:
		return set_duration(ps, rule, value, field);
	case VALUE_PATH:
		return set_path(ps, rule, value, field);
	case VALUE_WORD:
		return set_word(ps, rule, value, field);
	case VALUE_NAME:
		return set_name(ps, rule, value, field);
	case VALUE_CUSTOM:
		break;
	}
	return rule->set(ps, rule, value);
}

static const struct key_rule *find_rule(const char *section, const char *key,
                                        bool *section_known)
{
	size_t i;

	*section_known = false;
	for (i = 0; i < N_KEY_RULES; i++) {
		if (strcmp(key_rules[i].section, section) != 0)
			continue;
		*section_known = true;
		if (strcmp(key_rules[i].key, key) == 0)
			return &key_rules[i];
	}
	return NULL;
}

/* Lists may be empty ("peers =" means none); every other key needs one. */
static bool takes_empty_value(const struct key_rule *rule)
{
	return rule->set == set_peers || rule->set == set_cpu_protect ||
	       rule->set == set_syslog_server ||
	       rule->set == set_trends_daemon || rule->type == VALUE_PATH;
}

/*
 * inih passes an indented line as more of the previous key's value
 * (configparser style). Only peers has a use for that; anywhere else it is
 * almost surely a key that was indented by accident.
 */
static int continue_key(struct parse *ps, const struct key_rule *rule,
                        const char *value)
{
	if (rule->set == set_peers)
		return add_peers(ps, rule, value);
	return fail(ps,
	            "indented line '%s' continues %s in [%s]; only peers "
	            "takes more than one line",
	            value, rule->key, rule->section);
}

static int set_key(struct parse *ps, const char *section, const char *key,
                   const char *value)
{
	const struct key_rule *rule;
	bool section_known;
	size_t index;

	if (ps->indented && ps->last_rule != NULL &&
	    strcmp(ps->last_rule->section, section) == 0 &&
	    strcmp(ps->last_rule->key, key) == 0)
		return continue_key(ps, ps->last_rule, value);
	ps->last_rule = NULL;
	if (*section == '\0')
		return fail(ps, "key '%s' is outside any section", key);
	rule = find_rule(section, key, &section_known);
	if (!section_known)
		return fail(ps, "unknown section [%s]", section);
	if (rule == NULL)
		return fail(ps, "unknown key '%s' in [%s]", key, section);
	index = (size_t)(rule - key_rules);
	if (ps->key_line[index] != 0 && !rule->repeats)
		return fail(ps, "%s in [%s] is set twice (first on line %d)",
		            key, section, ps->key_line[index]);
	ps->key_line[index] = ps->lineno;
	ps->last_rule = rule;
	if (*value == '\0' && !takes_empty_value(rule))
		return fail(ps, "%s in [%s] has no value", key, section);
	return set_value(ps, rule, value);
}

static int on_key(void *user, const char *section, const char *key,
                  const char *value)
{
	struct parse *ps = user;

	if (ps->error_line != 0)
		return 1; /* the first error is the one reported */
	return set_key(ps, section, key, value) == 0;
}

/*
 * The readers hand inih one physical line at a time and count them, so the
 * line numbers in messages are the editor's. inih would split a line too
 * long for its buffer into two "lines"; it is reported instead.
 */
static void note_line(struct parse *ps, const char *line)
{
	ps->lineno++;
	ps->indented = line[0] == ' ' || line[0] == '\t';
}

static char *line_too_long(struct parse *ps, char *line, int size)
{
	fail(ps, "line is longer than %d characters", size - 2);
	strcpy(line, "\n");
	return line;
}

static char *read_file_line(char *line, int size, void *stream)
{
	struct parse *ps = stream;
	size_t len = 0, max = (size_t)size - 2; /* room for '\n' and NUL */
	bool has_nul = false;
	int c;

	if (size < 3 || (c = fgetc(ps->file)) == EOF)
		return NULL;
	for (; c != EOF && c != '\n'; c = fgetc(ps->file)) {
		if (c == '\0')
			has_nul = true;
		if (len < max)
			line[len] = (char)c;
		len++;
	}
	line[len < max ? len : max] = '\0';
	note_line(ps, line);
	if (len > max)
		return line_too_long(ps, line, size);
	if (has_nul) {
		fail(ps, "line has a NUL byte");
		return strcpy(line, "\n");
	}
	if (c == '\n')
		line[len++] = '\n';
	line[len] = '\0';
	return line;
}

static char *read_string_line(char *line, int size, void *stream)
{
	struct parse *ps = stream;
	const char *newline;
	size_t len, with_newline;

	if (size < 3 || *ps->text == '\0')
		return NULL;
	note_line(ps, ps->text);
	newline = strchr(ps->text, '\n');
	len = newline != NULL ? (size_t)(newline - ps->text) : strlen(ps->text);
	with_newline = newline != NULL ? len + 1 : len;
	if (len > (size_t)size - 2) {
		ps->text += with_newline;
		return line_too_long(ps, line, size);
	}
	memcpy(line, ps->text, with_newline);
	line[with_newline] = '\0';
	ps->text += with_newline;
	return line;
}

/* inih reports the first line it could not parse, or a handler refused. */
static int finish(struct parse *ps, int ini_result, struct policy *p,
                  const char *name, char *err, size_t errlen)
{
	if (ini_result == -2) {
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	if (ini_result > 0 &&
	    (ps->error_line == 0 || ini_result < ps->error_line)) {
		snprintf(err, errlen,
		         "%s:%d: not a [section] or key = value line", name,
		         ini_result);
		return -1;
	}
	if (ps->error_line != 0) {
		snprintf(err, errlen, "%s:%d: %s", name, ps->error_line,
		         ps->reason);
		return -1;
	}
	*p = ps->copy;
	return 0;
}

int policy_load_string(struct policy *p, const char *text, const char *name,
                       char *err, size_t errlen)
{
	struct parse ps;
	char ignored[1];
	int rc;

	if (err == NULL || errlen == 0) {
		err = ignored;
		errlen = sizeof(ignored);
	}
	if (p == NULL || text == NULL) {
		snprintf(err, errlen, "policy_load_string: no policy or text");
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.copy = *p;
	ps.text = text;
	rc = ini_parse_stream(read_string_line, &ps, on_key, &ps);
	return finish(&ps, rc, p, name != NULL ? name : "<string>", err,
	              errlen);
}

int policy_load_file(struct policy *p, const char *path, char *err,
                     size_t errlen)
{
	struct parse ps;
	char ignored[1];
	int rc;

	if (err == NULL || errlen == 0) {
		err = ignored;
		errlen = sizeof(ignored);
	}
	if (p == NULL || path == NULL) {
		snprintf(err, errlen, "policy_load_file: no policy or path");
		return -1;
	}
	memset(&ps, 0, sizeof(ps));
	ps.file = fopen(path, "r");
	if (ps.file == NULL) {
		snprintf(err, errlen, "%s: cannot open: %s", path,
		         strerror(errno));
		return -1;
	}
	ps.copy = *p;
	rc = ini_parse_stream(read_file_line, &ps, on_key, &ps);
	if (ferror(ps.file)) {
		snprintf(err, errlen, "%s: cannot read: %s", path,
		         strerror(errno));
		rc = -1;
	} else {
		rc = finish(&ps, rc, p, path, err, errlen);
	}
	fclose(ps.file);
	return rc;
}

uint64_t policy_longest_window_ms(const struct policy *p)
{
	uint64_t w = p->page.window_ms;

	if (p->dimm.window_ms > w)
		w = p->dimm.window_ms;
	if (p->socket.window_ms > w)
		w = p->socket.window_ms;
	if (p->core.window_ms > w)
		w = p->core.window_ms;
	return w;
}

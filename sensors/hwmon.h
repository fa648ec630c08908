/* hwmon.h - the hardware sensor watcher: reads lm-sensors (libsensors)
 * chips on a timer and raises events when a value crosses a limit. */
#ifndef RASD_SENSORS_HWMON_H
#define RASD_SENSORS_HWMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct hwmon; /* one watcher: hwmon_open .. hwmon_close */

/*
 * The story. hwmon_open() starts libsensors, learns every chip and feature
 * (temperatures, fans, voltages, power, current) and arms a timer on the
 * caller's loop. Every interval it reads each feature's value and limits
 * through libsensors and runs them through a small state machine per
 * feature: a value going past a limit raises HWMON_CROSSED once; it raises
 * HWMON_CLEARED only when the value comes back past the limit by the
 * hysteresis, so a value hovering at a limit does not flap. The limits are
 * the chip's own (min, max, lcrit, crit, emergency and the alarm files)
 * and the policy's ([sensors] limit = ... rules, "policy max"/"policy
 * min"). Each limit is tracked on its own: a temperature past both max and
 * crit has raised two events.
 *
 * Faults. A feature whose file cannot be read or holds garbage is marked
 * failed (HWMON_FAILED once, with the file and reason in detail) and the
 * rest keep working; HWMON_RECOVERED when it reads again. libsensors only
 * learns chips at sensors_init, so the watcher rescans (sensors_cleanup +
 * sensors_init) when a file has vanished and every `rescan_every`
 * intervals; a chip missing after a rescan raises HWMON_CHIP_GONE, one
 * that reappears HWMON_CHIP_BACK. Per-feature state is keyed by chip name
 * + feature name and survives rescans, so a rescan never re-raises.
 *
 * Global state. libsensors keeps its chip list in process-global state
 * (sensors_init/sensors_cleanup): only one watcher may be open per process
 * (hwmon_open refuses a second), and nothing else in the process may call
 * libsensors while it is open.
 *
 * Threads: none. Everything runs on the caller's loop; callbacks are called
 * from hwmon_poll (the timer or a direct call) and must not call
 * hwmon_close.
 */

#define HWMON_CHIP_MAX    64 /* "coretemp-isa-0000", with the NUL */
#define HWMON_FEATURE_MAX 32 /* "temp1" */
#define HWMON_LABEL_MAX   64 /* "Core 0", "CPU0_DIMM_A1" */
#define HWMON_DETAIL_MAX  160

/*
 * A policy limit: [sensors] limit = CHIP FEATURE [min=X] [max=Y].
 * CHIP is an fnmatch(3) pattern over the libsensors chip name
 * ("coretemp-isa-0000", "coretemp-*", "*"); FEATURE matches the feature
 * name ("temp1") or its label ("Core 0"); quote a label with spaces:
 *   coretemp-* "Core 0" max=85
 *   nct6775-* fan1 min=400
 *   * in0 min=0.9 max=1.3
 * Values are in libsensors units (degrees C, RPM, volts, watts, amperes).
 * When several rules match a feature, the last one setting a bound wins.
 */
struct hwmon_limit_rule {
	char chip[64];
	char feature[64];
	bool has_min, has_max;
	double min, max;
};

/* Parse one rule. Returns 0, or -1 with "column N: reason" in err (N
 * counted from 1 in text) and *out untouched. */
int hwmon_limit_rule_parse(const char *text, struct hwmon_limit_rule *out,
                           char *err, size_t errlen);

/* Does the rule apply to this chip/feature/label (label may be NULL)? */
bool hwmon_limit_rule_matches(const struct hwmon_limit_rule *rule,
                              const char *chip, const char *feature,
                              const char *label);

struct hwmon_config {
	uint64_t interval_ms;   /* between reads; default 10000 */
	double hysteresis_temp; /* temperatures: degrees C; default 2 */
	double hysteresis_frac; /* other kinds: fraction of |limit|; 0.03 */
	unsigned rescan_every;  /* rescan chips every N intervals; 6; 0 never */
	const struct hwmon_limit_rule *rules; /* borrowed until hwmon_close */
	size_t n_rules;
	/* libsensors configuration file (labels, compute, ignore); NULL: none,
	 * the chips' raw values and limits (not /etc/sensors3.conf). */
	const char *sensors_conf;
};

void hwmon_config_defaults(struct hwmon_config *cfg);

enum hwmon_kind {
	HWMON_TEMP,
	HWMON_FAN,
	HWMON_IN,
	HWMON_POWER,
	HWMON_CURR,
	HWMON_OTHER,
};

enum hwmon_event_kind {
	HWMON_CROSSED,   /* value went past limit_name */
	HWMON_CLEARED,   /* value came back past it by the hysteresis */
	HWMON_FAILED,    /* a file of this feature could not be read */
	HWMON_RECOVERED, /* it reads again */
	HWMON_CHIP_GONE, /* the chip is no longer there (feature, label empty)
	                  */
	HWMON_CHIP_BACK, /* it is there again */
};

struct hwmon_event {
	enum hwmon_event_kind kind;
	enum hwmon_kind sensor;
	char chip[HWMON_CHIP_MAX];
	char feature[HWMON_FEATURE_MAX];
	char label[HWMON_LABEL_MAX]; /* libsensors label; "" if none */
	char dimm[HWMON_LABEL_MAX];  /* the DIMM the label names, or "" */
	double value;                /* the reading (NAN for FAILED, GONE) */
	double limit;                /* the limit (alarms: 1) */
	char limit_name[16];         /* "max", "crit", "min", "alarm", ... */
	bool critical;               /* crit, lcrit, emergency, their alarms */
	char detail[HWMON_DETAIL_MAX]; /* "temp1_input: not a number 'xyz'" */
};

const char *hwmon_event_kind_name(enum hwmon_event_kind k); /* "crossed" */
const char *hwmon_kind_name(enum hwmon_kind k);             /* "temp" */

/* The alarm files a feature may have, one bit each. */
enum hwmon_alarm {
	HWMON_ALARM_ANY = 1u << 0, /* tempN_alarm, inN_alarm, fanN_alarm */
	HWMON_ALARM_MIN = 1u << 1,
	HWMON_ALARM_MAX = 1u << 2,
	HWMON_ALARM_LCRIT = 1u << 3,
	HWMON_ALARM_CRIT = 1u << 4,
	HWMON_ALARM_EMERG = 1u << 5,
	HWMON_ALARM_FAULT = 1u << 6, /* fanN_fault, tempN_fault */
};

/* A feature's limits at one read; has_* says which exist. */
struct hwmon_limits {
	bool has_min, has_max, has_lcrit, has_crit, has_emerg;
	double min, max, lcrit, crit, emerg;
	bool has_policy_min, has_policy_max;
	double policy_min, policy_max;
	unsigned alarms_present; /* enum hwmon_alarm bits */
	unsigned alarms_set;     /* of those, the ones reading non-zero */
};

enum hwmon_state {
	HWMON_STATE_OK,
	HWMON_STATE_WARN,   /* past a non-critical limit or alarm */
	HWMON_STATE_CRIT,   /* past a critical one */
	HWMON_STATE_FAILED, /* a file failed to read */
	HWMON_STATE_GONE,   /* its chip is gone */
};

const char *hwmon_state_name(enum hwmon_state s); /* "ok", "warn", ... */

struct hwmon_reading {
	char chip[HWMON_CHIP_MAX];
	char feature[HWMON_FEATURE_MAX];
	char label[HWMON_LABEL_MAX];
	char dimm[HWMON_LABEL_MAX]; /* the DIMM the label names, or "" */
	enum hwmon_kind kind;
	double value; /* last good value; NAN if none yet */
	struct hwmon_limits limits;
	enum hwmon_state state;
	char detail[HWMON_DETAIL_MAX]; /* why FAILED */
};

typedef void (*hwmon_event_fn)(void *arg, const struct hwmon_event *ev);

/*
 * Start watching: sensors_init with cfg->sensors_conf (or an empty
 * configuration), learn the chips, read once now (events for anything
 * already past a limit go to fn before this returns) and arm the timer on
 * lp (lp may be NULL: then only hwmon_poll reads). cfg is copied; its
 * rules array is borrowed. Returns 0, or -1 with the reason in err
 * (libsensors' own message, a second watcher, no memory). Having no chips
 * at all is not an error.
 */
int hwmon_open(struct hwmon **out, struct loop *lp,
               const struct hwmon_config *cfg, hwmon_event_fn fn, void *arg,
               char *err, size_t errlen);

/* Read everything now (the timer calls this). Returns the number of events
 * raised, or -1 if memory ran out. */
int hwmon_poll(struct hwmon *h);

/* Copy up to max current readings into out; returns how many there are in
 * all (may exceed max). Chips gone keep their features as HWMON_STATE_GONE.
 */
size_t hwmon_readings(struct hwmon *h, struct hwmon_reading *out, size_t max);

/* Stop the timer, sensors_cleanup, free. NULL is fine. */
void hwmon_close(struct hwmon *h);

/*
 * The pure pieces the watcher is built from (no libsensors, no I/O), public
 * so tests and tools can drive them with value sequences.
 */

/* One read of a feature. ok false: some file failed; detail says which. */
struct hwmon_sample {
	bool ok;
	double value;
	struct hwmon_limits limits;
	char detail[HWMON_DETAIL_MAX];
};

/* A feature's memory between reads: which limits it is past. */
struct hwmon_track {
	bool failed;
	unsigned past;   /* bits of the limits currently crossed */
	unsigned alarms; /* alarm bits currently raised */
};

#define HWMON_STEP_EVENTS_MAX 16

/*
 * Feed one sample; writes up to max events (kind, sensor, value, limit,
 * limit_name, critical, detail; chip/feature/label left empty for the
 * caller) and returns how many. A failed sample raises FAILED once and
 * keeps the crossed state; the next good one raises RECOVERED first.
 * Crossing: value > a high limit or < a low one. Clearing: value <= high -
 * hyst or >= low + hyst, where hyst is cfg->hysteresis_temp for HWMON_TEMP
 * and cfg->hysteresis_frac * |limit| otherwise. A limit that disappears
 * while crossed clears. Alarm files have no hysteresis (the chip has its
 * own): non-zero raises, zero clears.
 */
size_t hwmon_track_step(struct hwmon_track *t, enum hwmon_kind kind,
                        const struct hwmon_sample *s,
                        const struct hwmon_config *cfg, struct hwmon_event *out,
                        size_t max);

/* The state a track and its last sample stand for. */
enum hwmon_state hwmon_track_state(const struct hwmon_track *t);

/* Apply the matching policy rules to a feature's limits. */
void hwmon_apply_rules(const struct hwmon_limit_rule *rules, size_t n,
                       const char *chip, const char *feature, const char *label,
                       struct hwmon_limits *lim);

/*
 * Parse the text of one sysfs attribute (an integer, optional surrounding
 * blanks, one trailing newline) as the kernel writes it: "45000\n".
 * Returns 0, or -1 with "not a number 'xyz'" (or empty, out of range,
 * trailing junk) in err. `len` bytes, need not end in NUL.
 */
int hwmon_parse_sysfs_value(const char *text, size_t len, long long *out,
                            char *err, size_t errlen);

/* The DIMM a sensor label names ("CPU0_DIMM_A1", "DIMM_B2 Temp" ->
 * "DIMM_B2"...): the label's word containing "DIMM" (any case), or "" if
 * none or if it does not fit in outlen. */
void hwmon_dimm_from_label(const char *label, char *out, size_t outlen);

#endif

/* track.c - the per-feature limit state machine: samples in, crossed /
 * cleared / failed / recovered events out, with hysteresis. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sensors/hwmon.h"

/* The value limits, one bit each in hwmon_track.past. */
enum limit_id {
	LIM_MAX,
	LIM_CRIT,
	LIM_EMERG,
	LIM_POLICY_MAX,
	LIM_MIN,
	LIM_LCRIT,
	LIM_POLICY_MIN,
	LIM_COUNT,
};

struct limit_desc {
	const char *name;
	bool high; /* crossed going up */
	bool critical;
};

static const struct limit_desc limit_descs[LIM_COUNT] = {
    [LIM_MAX] = {"max", true, false},
    [LIM_CRIT] = {"crit", true, true},
    [LIM_EMERG] = {"emergency", true, true},
    [LIM_POLICY_MAX] = {"policy max", true, false},
    [LIM_MIN] = {"min", false, false},
    [LIM_LCRIT] = {"lcrit", false, true},
    [LIM_POLICY_MIN] = {"policy min", false, false},
};

struct alarm_desc {
	unsigned bit;
	const char *name;
	bool critical;
};

static const struct alarm_desc alarm_descs[] = {
    {HWMON_ALARM_ANY, "alarm", false},
    {HWMON_ALARM_MIN, "min_alarm", false},
    {HWMON_ALARM_MAX, "max_alarm", false},
    {HWMON_ALARM_LCRIT, "lcrit_alarm", true},
    {HWMON_ALARM_CRIT, "crit_alarm", true},
    {HWMON_ALARM_EMERG, "emergency_alarm", true},
    {HWMON_ALARM_FAULT, "fault", false},
};

#define N_ALARMS (sizeof(alarm_descs) / sizeof(alarm_descs[0]))

void hwmon_config_defaults(struct hwmon_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->interval_ms = 10000;
	cfg->hysteresis_temp = 2.0;
	cfg->hysteresis_frac = 0.03;
	cfg->rescan_every = 6;
}

/* Is limit `id` present in lim, and at what value? */
static bool limit_value(const struct hwmon_limits *lim, enum limit_id id,
                        double *v)
{
	switch (id) {
	case LIM_MAX:
		*v = lim->max;
		return lim->has_max;
	case LIM_CRIT:
		*v = lim->crit;
		return lim->has_crit;
	case LIM_EMERG:
		*v = lim->emerg;
		return lim->has_emerg;
	case LIM_POLICY_MAX:
		*v = lim->policy_max;
		return lim->has_policy_max;
	case LIM_MIN:
		*v = lim->min;
		return lim->has_min;
	case LIM_LCRIT:
		*v = lim->lcrit;
		return lim->has_lcrit;
	case LIM_POLICY_MIN:
		*v = lim->policy_min;
		return lim->has_policy_min;
	case LIM_COUNT:
		break;
	}
	return false;
}

static double hysteresis(enum hwmon_kind kind, double limit,
                         const struct hwmon_config *cfg)
{
	if (kind == HWMON_TEMP)
		return cfg->hysteresis_temp;
	return cfg->hysteresis_frac * fabs(limit);
}

struct emitter {
	struct hwmon_event *out;
	size_t max, n;
	enum hwmon_kind sensor;
	double value;
};

static struct hwmon_event *emit(struct emitter *e, enum hwmon_event_kind k,
                                const char *limit_name, double limit,
                                bool critical)
{
	struct hwmon_event *ev;

	if (e->n >= e->max)
		return NULL;
	ev = &e->out[e->n++];
	memset(ev, 0, sizeof(*ev));
	ev->kind = k;
	ev->sensor = e->sensor;
	ev->value = e->value;
	ev->limit = limit;
	ev->critical = critical;
	snprintf(ev->limit_name, sizeof(ev->limit_name), "%s", limit_name);
	return ev;
}

static void step_limit(struct hwmon_track *t, enum limit_id id,
                       enum hwmon_kind kind, const struct hwmon_sample *s,
                       const struct hwmon_config *cfg, struct emitter *e)
{
	const struct limit_desc *d = &limit_descs[id];
	unsigned bit = 1u << id;
	bool was_past = (t->past & bit) != 0;
	double lim, hyst;
	struct hwmon_event *ev;

	if (!limit_value(&s->limits, id, &lim)) {
		if (!was_past)
			return;
		t->past &= ~bit;
		ev = emit(e, HWMON_CLEARED, d->name, NAN, d->critical);
		if (ev != NULL)
			snprintf(ev->detail, sizeof(ev->detail),
			         "the %s limit is gone", d->name);
		return;
	}
	hyst = hysteresis(kind, lim, cfg);
	if (!was_past && (d->high ? s->value > lim : s->value < lim)) {
		t->past |= bit;
		emit(e, HWMON_CROSSED, d->name, lim, d->critical);
	} else if (was_past && (d->high ? s->value <= lim - hyst
	                                : s->value >= lim + hyst)) {
		t->past &= ~bit;
		emit(e, HWMON_CLEARED, d->name, lim, d->critical);
	}
}

static void step_alarm(struct hwmon_track *t, const struct alarm_desc *d,
                       const struct hwmon_sample *s, struct emitter *e)
{
	bool was = (t->alarms & d->bit) != 0;
	bool now =
	    (s->limits.alarms_present & s->limits.alarms_set & d->bit) != 0;

	if (now == was)
		return;
	if (now)
		t->alarms |= d->bit;
	else
		t->alarms &= ~d->bit;
	emit(e, now ? HWMON_CROSSED : HWMON_CLEARED, d->name, 1, d->critical);
}

size_t hwmon_track_step(struct hwmon_track *t, enum hwmon_kind kind,
                        const struct hwmon_sample *s,
                        const struct hwmon_config *cfg, struct hwmon_event *out,
                        size_t max)
{
	struct emitter e = {
	    .out = out, .max = max, .sensor = kind, .value = s->value};
	struct hwmon_event *ev;
	size_t i;

	if (!s->ok) {
		if (t->failed)
			return 0;
		t->failed = true;
		e.value = NAN;
		ev = emit(&e, HWMON_FAILED, "", NAN, false);
		if (ev != NULL)
			snprintf(ev->detail, sizeof(ev->detail), "%s",
			         s->detail);
		return e.n;
	}
	if (t->failed) {
		t->failed = false;
		emit(&e, HWMON_RECOVERED, "", NAN, false);
	}
	for (i = 0; i < LIM_COUNT; i++)
		step_limit(t, (enum limit_id)i, kind, s, cfg, &e);
	for (i = 0; i < N_ALARMS; i++)
		step_alarm(t, &alarm_descs[i], s, &e);
	return e.n;
}

enum hwmon_state hwmon_track_state(const struct hwmon_track *t)
{
	unsigned crit_limits = 0, crit_alarms = 0;
	size_t i;

	if (t->failed)
		return HWMON_STATE_FAILED;
	for (i = 0; i < LIM_COUNT; i++)
		if (limit_descs[i].critical)
			crit_limits |= 1u << i;
	for (i = 0; i < N_ALARMS; i++)
		if (alarm_descs[i].critical)
			crit_alarms |= alarm_descs[i].bit;
	if ((t->past & crit_limits) != 0 || (t->alarms & crit_alarms) != 0)
		return HWMON_STATE_CRIT;
	if (t->past != 0 || t->alarms != 0)
		return HWMON_STATE_WARN;
	return HWMON_STATE_OK;
}

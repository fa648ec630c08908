/* hwmon.c - the sensor watcher proper: libsensors scans and reads, chip
 * presence across rescans, and the timer on the rasd loop. */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sensors/error.h>
#include <sensors/sensors.h>

#include "rasd/loop.h"
#include "sensors/hwmon.h"

#define NO_SUB       (-1)
#define N_ALARM_SUBS 7

/* Which libsensors subfeature types make up one of our features. */
struct kind_map {
	sensors_feature_type type;
	enum hwmon_kind kind;
	int input, input_alt;
	int min, max, lcrit, crit, emerg;
	int alarm[N_ALARM_SUBS]; /* in enum hwmon_alarm bit order */
};

static const struct kind_map kind_maps[] = {
    {SENSORS_FEATURE_TEMP,
     HWMON_TEMP,
     SENSORS_SUBFEATURE_TEMP_INPUT,
     NO_SUB,
     SENSORS_SUBFEATURE_TEMP_MIN,
     SENSORS_SUBFEATURE_TEMP_MAX,
     SENSORS_SUBFEATURE_TEMP_LCRIT,
     SENSORS_SUBFEATURE_TEMP_CRIT,
     SENSORS_SUBFEATURE_TEMP_EMERGENCY,
     {SENSORS_SUBFEATURE_TEMP_ALARM, SENSORS_SUBFEATURE_TEMP_MIN_ALARM,
      SENSORS_SUBFEATURE_TEMP_MAX_ALARM, SENSORS_SUBFEATURE_TEMP_LCRIT_ALARM,
      SENSORS_SUBFEATURE_TEMP_CRIT_ALARM,
      SENSORS_SUBFEATURE_TEMP_EMERGENCY_ALARM, SENSORS_SUBFEATURE_TEMP_FAULT}},
    {SENSORS_FEATURE_IN,
     HWMON_IN,
     SENSORS_SUBFEATURE_IN_INPUT,
     NO_SUB,
     SENSORS_SUBFEATURE_IN_MIN,
     SENSORS_SUBFEATURE_IN_MAX,
     SENSORS_SUBFEATURE_IN_LCRIT,
     SENSORS_SUBFEATURE_IN_CRIT,
     NO_SUB,
     {SENSORS_SUBFEATURE_IN_ALARM, SENSORS_SUBFEATURE_IN_MIN_ALARM,
      SENSORS_SUBFEATURE_IN_MAX_ALARM, SENSORS_SUBFEATURE_IN_LCRIT_ALARM,
      SENSORS_SUBFEATURE_IN_CRIT_ALARM, NO_SUB, NO_SUB}},
    {SENSORS_FEATURE_FAN,
     HWMON_FAN,
     SENSORS_SUBFEATURE_FAN_INPUT,
     NO_SUB,
     SENSORS_SUBFEATURE_FAN_MIN,
     SENSORS_SUBFEATURE_FAN_MAX,
     NO_SUB,
     NO_SUB,
     NO_SUB,
     {SENSORS_SUBFEATURE_FAN_ALARM, SENSORS_SUBFEATURE_FAN_MIN_ALARM,
      SENSORS_SUBFEATURE_FAN_MAX_ALARM, NO_SUB, NO_SUB, NO_SUB,
      SENSORS_SUBFEATURE_FAN_FAULT}},
    {SENSORS_FEATURE_POWER,
     HWMON_POWER,
     SENSORS_SUBFEATURE_POWER_INPUT,
     SENSORS_SUBFEATURE_POWER_AVERAGE,
     SENSORS_SUBFEATURE_POWER_MIN,
     SENSORS_SUBFEATURE_POWER_MAX,
     SENSORS_SUBFEATURE_POWER_LCRIT,
     SENSORS_SUBFEATURE_POWER_CRIT,
     NO_SUB,
     {SENSORS_SUBFEATURE_POWER_ALARM, SENSORS_SUBFEATURE_POWER_MIN_ALARM,
      SENSORS_SUBFEATURE_POWER_MAX_ALARM, SENSORS_SUBFEATURE_POWER_LCRIT_ALARM,
      SENSORS_SUBFEATURE_POWER_CRIT_ALARM, NO_SUB, NO_SUB}},
    {SENSORS_FEATURE_CURR,
     HWMON_CURR,
     SENSORS_SUBFEATURE_CURR_INPUT,
     NO_SUB,
     SENSORS_SUBFEATURE_CURR_MIN,
     SENSORS_SUBFEATURE_CURR_MAX,
     SENSORS_SUBFEATURE_CURR_LCRIT,
     SENSORS_SUBFEATURE_CURR_CRIT,
     NO_SUB,
     {SENSORS_SUBFEATURE_CURR_ALARM, SENSORS_SUBFEATURE_CURR_MIN_ALARM,
      SENSORS_SUBFEATURE_CURR_MAX_ALARM, SENSORS_SUBFEATURE_CURR_LCRIT_ALARM,
      SENSORS_SUBFEATURE_CURR_CRIT_ALARM, NO_SUB, NO_SUB}},
    {SENSORS_FEATURE_HUMIDITY,
     HWMON_OTHER,
     SENSORS_SUBFEATURE_HUMIDITY_INPUT,
     NO_SUB,
     NO_SUB,
     NO_SUB,
     NO_SUB,
     NO_SUB,
     NO_SUB,
     {NO_SUB, NO_SUB, NO_SUB, NO_SUB, NO_SUB, NO_SUB, NO_SUB}},
};

/* The subfeatures a feature has in the current scan (NULL: absent). */
struct subs {
	const sensors_subfeature *input;
	const sensors_subfeature *min, *max, *lcrit, *crit, *emerg;
	const sensors_subfeature *alarm[N_ALARM_SUBS];
};

struct feature {
	char chip[HWMON_CHIP_MAX];
	char name[HWMON_FEATURE_MAX];
	char label[HWMON_LABEL_MAX];
	char dimm[HWMON_LABEL_MAX];
	enum hwmon_kind kind;
	bool listed; /* in the current scan; handles below are valid */
	bool chip_gone;
	const sensors_chip_name *cn; /* libsensors' memory, this scan only */
	struct subs subs;
	struct hwmon_track track;
	struct hwmon_limits limits;
	double value;
	char detail[HWMON_DETAIL_MAX];
};

struct chip {
	char name[HWMON_CHIP_MAX];
	bool present;
	bool seen; /* in the scan under way */
};

struct hwmon {
	struct hwmon_config cfg;
	hwmon_event_fn fn;
	void *arg;
	struct loop_timer *timer;
	bool libsensors_up;
	bool rescan_wanted;
	unsigned polls;
	struct feature *features;
	size_t n_features, cap_features;
	struct chip *chips;
	size_t n_chips, cap_chips;
	int raised; /* events raised in this poll */
};

/* libsensors' state is per process: one watcher at a time. */
static bool watcher_open;

static void raise_event(struct hwmon *h, const struct feature *f,
                        struct hwmon_event *ev)
{
	if (f != NULL) {
		snprintf(ev->chip, sizeof(ev->chip), "%s", f->chip);
		snprintf(ev->feature, sizeof(ev->feature), "%s", f->name);
		snprintf(ev->label, sizeof(ev->label), "%s", f->label);
		snprintf(ev->dimm, sizeof(ev->dimm), "%s", f->dimm);
		ev->sensor = f->kind;
	}
	h->raised++;
	h->fn(h->arg, ev);
}

static void raise_chip(struct hwmon *h, const char *chip,
                       enum hwmon_event_kind kind, const char *detail)
{
	struct hwmon_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.sensor = HWMON_OTHER;
	ev.value = NAN;
	ev.limit = NAN;
	snprintf(ev.chip, sizeof(ev.chip), "%s", chip);
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	raise_event(h, NULL, &ev);
}

static int open_libsensors(const char *conf, char *err, size_t errlen)
{
	const char *path = conf != NULL ? conf : "/dev/null";
	FILE *fp = fopen(path, "r");
	int rc;

	if (fp == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = sensors_init(fp);
	fclose(fp);
	if (rc != 0) {
		snprintf(err, errlen, "sensors_init(%s): %s", path,
		         sensors_strerror(rc));
		return -1;
	}
	return 0;
}

static struct chip *find_chip(struct hwmon *h, const char *name)
{
	size_t i;

	for (i = 0; i < h->n_chips; i++)
		if (strcmp(h->chips[i].name, name) == 0)
			return &h->chips[i];
	return NULL;
}

static struct chip *add_chip(struct hwmon *h, const char *name)
{
	struct chip *c;

	if (h->n_chips == h->cap_chips) {
		size_t cap = h->cap_chips ? 2 * h->cap_chips : 8;
		struct chip *n = realloc(h->chips, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		h->chips = n;
		h->cap_chips = cap;
	}
	c = &h->chips[h->n_chips++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	return c;
}

static struct feature *find_feature(struct hwmon *h, const char *chip,
                                    const char *name)
{
	size_t i;

	for (i = 0; i < h->n_features; i++)
		if (strcmp(h->features[i].chip, chip) == 0 &&
		    strcmp(h->features[i].name, name) == 0)
			return &h->features[i];
	return NULL;
}

static struct feature *add_feature(struct hwmon *h, const char *chip,
                                   const char *name)
{
	struct feature *f;

	if (h->n_features == h->cap_features) {
		size_t cap = h->cap_features ? 2 * h->cap_features : 16;
		struct feature *n = realloc(h->features, cap * sizeof(*n));

		if (n == NULL)
			return NULL;
		h->features = n;
		h->cap_features = cap;
	}
	f = &h->features[h->n_features++];
	memset(f, 0, sizeof(*f));
	snprintf(f->chip, sizeof(f->chip), "%s", chip);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->value = NAN;
	return f;
}

static const struct kind_map *map_for(sensors_feature_type type)
{
	size_t i;

	for (i = 0; i < sizeof(kind_maps) / sizeof(kind_maps[0]); i++)
		if (kind_maps[i].type == type)
			return &kind_maps[i];
	return NULL;
}

static const sensors_subfeature *sub_of(const sensors_chip_name *cn,
                                        const sensors_feature *sf, int type)
{
	const sensors_subfeature *s;

	if (type == NO_SUB)
		return NULL;
	s = sensors_get_subfeature(cn, sf, (sensors_subfeature_type)type);
	if (s == NULL || !(s->flags & SENSORS_MODE_R))
		return NULL;
	return s;
}

static void fill_subs(const struct kind_map *m, const sensors_chip_name *cn,
                      const sensors_feature *sf, struct subs *s)
{
	size_t i;

	s->input = sub_of(cn, sf, m->input);
	if (s->input == NULL)
		s->input = sub_of(cn, sf, m->input_alt);
	s->min = sub_of(cn, sf, m->min);
	s->max = sub_of(cn, sf, m->max);
	s->lcrit = sub_of(cn, sf, m->lcrit);
	s->crit = sub_of(cn, sf, m->crit);
	s->emerg = sub_of(cn, sf, m->emerg);
	for (i = 0; i < N_ALARM_SUBS; i++)
		s->alarm[i] = sub_of(cn, sf, m->alarm[i]);
}

/* Learn one feature of a chip in this scan; 0, or -1 out of memory. */
static int learn_feature(struct hwmon *h, const sensors_chip_name *cn,
                         const char *chip, const sensors_feature *sf)
{
	const struct kind_map *m = map_for(sf->type);
	struct subs subs;
	struct feature *f;
	char *label;

	if (m == NULL)
		return 0;
	memset(&subs, 0, sizeof(subs));
	fill_subs(m, cn, sf, &subs);
	if (subs.input == NULL)
		return 0;
	f = find_feature(h, chip, sf->name);
	if (f == NULL)
		f = add_feature(h, chip, sf->name);
	if (f == NULL)
		return -1;
	f->kind = m->kind;
	f->cn = cn;
	f->subs = subs;
	f->listed = true;
	f->chip_gone = false;
	label = sensors_get_label(cn, sf);
	f->label[0] = '\0';
	if (label != NULL && strcmp(label, sf->name) != 0)
		snprintf(f->label, sizeof(f->label), "%s", label);
	free(label);
	hwmon_dimm_from_label(f->label, f->dimm, sizeof(f->dimm));
	return 0;
}

static int learn_chip(struct hwmon *h, const sensors_chip_name *cn)
{
	const sensors_feature *sf;
	struct chip *c;
	char name[HWMON_CHIP_MAX];
	int nr = 0;

	if (sensors_snprintf_chip_name(name, sizeof(name), cn) < 0)
		return 0;
	c = find_chip(h, name);
	if (c == NULL) {
		c = add_chip(h, name);
		if (c == NULL)
			return -1;
		c->present = true;
	} else if (!c->present) {
		c->present = true;
		raise_chip(h, name, HWMON_CHIP_BACK, "");
	}
	c->seen = true;
	while ((sf = sensors_get_features(cn, &nr)) != NULL)
		if (learn_feature(h, cn, name, sf) != 0)
			return -1;
	return 0;
}

static void forget_handles(struct hwmon *h)
{
	size_t i;

	for (i = 0; i < h->n_features; i++) {
		h->features[i].listed = false;
		h->features[i].cn = NULL;
		memset(&h->features[i].subs, 0, sizeof(h->features[i].subs));
	}
}

/* Chips not seen in this scan are gone; their features with them. */
static void mark_gone(struct hwmon *h, const char *why)
{
	size_t i, j;

	for (i = 0; i < h->n_chips; i++) {
		struct chip *c = &h->chips[i];

		if (c->seen || !c->present)
			continue;
		c->present = false;
		for (j = 0; j < h->n_features; j++)
			if (strcmp(h->features[j].chip, c->name) == 0)
				h->features[j].chip_gone = true;
		raise_chip(h, c->name, HWMON_CHIP_GONE, why);
	}
}

/*
 * sensors_cleanup + sensors_init and learn the chips again. The chip and
 * feature arrays (and their tracks) persist; only the libsensors handles
 * are renewed. Returns 0, or -1 out of memory.
 */
static int rescan(struct hwmon *h)
{
	const sensors_chip_name *cn;
	char why[HWMON_DETAIL_MAX] = "";
	size_t i;
	int nr = 0;

	forget_handles(h);
	for (i = 0; i < h->n_chips; i++)
		h->chips[i].seen = false;
	if (h->libsensors_up)
		sensors_cleanup();
	h->libsensors_up =
	    open_libsensors(h->cfg.sensors_conf, why, sizeof(why)) == 0;
	while (h->libsensors_up &&
	       (cn = sensors_get_detected_chips(NULL, &nr)) != NULL)
		if (learn_chip(h, cn) != 0)
			return -1;
	mark_gone(h, why[0] ? why : "no longer listed by libsensors");
	h->rescan_wanted = false;
	return 0;
}

/*
 * Why a subfeature failed, from the file itself: libsensors only says
 * "Can't read". Sets *vanished when the file is not there.
 */
static void explain_failure(const sensors_chip_name *cn,
                            const sensors_subfeature *sub, int rc, char *detail,
                            size_t len, bool *vanished)
{
	char path[512], buf[64], why[96];
	long long v;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cn->path, sub->name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		*vanished = errno == ENOENT || errno == ENOTDIR;
		snprintf(detail, len, "%s: %s", sub->name, strerror(errno));
		return;
	}
	n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 0) {
		snprintf(detail, len, "%s: %s", sub->name, strerror(errno));
		return;
	}
	if (hwmon_parse_sysfs_value(buf, (size_t)n, &v, why, sizeof(why)) != 0)
		snprintf(detail, len, "%s: %s", sub->name, why);
	else
		snprintf(detail, len, "%s: %s", sub->name,
		         sensors_strerror(rc));
}

struct reader {
	const struct feature *f;
	struct hwmon_sample *s;
	bool vanished;
};

/* Read one subfeature; false (and the sample failed) if it would not. */
static bool read_sub(struct reader *r, const sensors_subfeature *sub,
                     double *out)
{
	int rc;

	rc = sensors_get_value(r->f->cn, sub->number, out);
	if (rc == 0)
		return true;
	if (r->s->ok)
		explain_failure(r->f->cn, sub, rc, r->s->detail,
		                sizeof(r->s->detail), &r->vanished);
	r->s->ok = false;
	return false;
}

static void read_limit(struct reader *r, const sensors_subfeature *sub,
                       bool *has, double *v)
{
	*has = sub != NULL && read_sub(r, sub, v);
}

static void read_feature(struct hwmon *h, const struct feature *f,
                         struct hwmon_sample *s, bool *vanished)
{
	struct reader r = {.f = f, .s = s, .vanished = false};
	struct hwmon_limits *lim = &s->limits;
	size_t i;

	memset(s, 0, sizeof(*s));
	s->ok = true;
	read_sub(&r, f->subs.input, &s->value);
	read_limit(&r, f->subs.min, &lim->has_min, &lim->min);
	read_limit(&r, f->subs.max, &lim->has_max, &lim->max);
	read_limit(&r, f->subs.lcrit, &lim->has_lcrit, &lim->lcrit);
	read_limit(&r, f->subs.crit, &lim->has_crit, &lim->crit);
	read_limit(&r, f->subs.emerg, &lim->has_emerg, &lim->emerg);
	for (i = 0; i < N_ALARM_SUBS; i++) {
		double a;

		if (f->subs.alarm[i] == NULL)
			continue;
		lim->alarms_present |= 1u << i;
		if (read_sub(&r, f->subs.alarm[i], &a) && a != 0)
			lim->alarms_set |= 1u << i;
	}
	hwmon_apply_rules(h->cfg.rules, h->cfg.n_rules, f->chip, f->name,
	                  f->label, lim);
	*vanished = r.vanished;
}

static void feed(struct hwmon *h, struct feature *f,
                 const struct hwmon_sample *s)
{
	struct hwmon_event evs[HWMON_STEP_EVENTS_MAX];
	size_t n, i;

	n = hwmon_track_step(&f->track, f->kind, s, &h->cfg, evs,
	                     HWMON_STEP_EVENTS_MAX);
	if (s->ok) {
		f->value = s->value;
		f->limits = s->limits;
		f->detail[0] = '\0';
	} else {
		snprintf(f->detail, sizeof(f->detail), "%s", s->detail);
	}
	for (i = 0; i < n; i++)
		raise_event(h, f, &evs[i]);
}

/* A feature of a present chip that libsensors no longer lists. */
static void feed_unlisted(struct hwmon *h, struct feature *f)
{
	struct hwmon_sample s;

	memset(&s, 0, sizeof(s));
	snprintf(s.detail, sizeof(s.detail), "%s: no longer listed", f->name);
	feed(h, f, &s);
}

/*
 * Read every listed feature. A feature whose file vanished is skipped
 * (not failed) and asks for a rescan: its chip is probably going away.
 * Returns true if something vanished.
 */
static bool read_all(struct hwmon *h, bool fail_vanished)
{
	bool any_vanished = false;
	size_t i;

	for (i = 0; i < h->n_features; i++) {
		struct feature *f = &h->features[i];
		struct hwmon_sample s;
		bool vanished;

		if (f->chip_gone)
			continue;
		if (!f->listed) {
			feed_unlisted(h, f);
			continue;
		}
		read_feature(h, f, &s, &vanished);
		if (vanished && !fail_vanished) {
			any_vanished = true;
			continue;
		}
		feed(h, f, &s);
	}
	return any_vanished;
}

int hwmon_poll(struct hwmon *h)
{
	bool periodic;

	h->raised = 0;
	periodic = h->cfg.rescan_every != 0 && h->polls != 0 &&
	           h->polls % h->cfg.rescan_every == 0;
	h->polls++;
	if ((h->rescan_wanted || periodic || !h->libsensors_up) &&
	    rescan(h) != 0)
		return -1;
	if (read_all(h, false)) {
		if (rescan(h) != 0)
			return -1;
		read_all(h, true);
	}
	return h->raised;
}

static void on_timer(void *arg)
{
	struct hwmon *h = arg;

	hwmon_poll(h);
	loop_timer_arm(h->timer, h->cfg.interval_ms * 1000000ull);
}

int hwmon_open(struct hwmon **out, struct loop *lp,
               const struct hwmon_config *cfg, hwmon_event_fn fn, void *arg,
               char *err, size_t errlen)
{
	struct hwmon *h;

	if (watcher_open) {
		snprintf(err, errlen,
		         "hwmon_open: a watcher is already open "
		         "(libsensors state is per process)");
		return -1;
	}
	if (cfg->interval_ms == 0) {
		snprintf(err, errlen, "hwmon_open: interval_ms is 0");
		return -1;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "hwmon_open: %s", strerror(errno));
		return -1;
	}
	h->cfg = *cfg;
	h->fn = fn;
	h->arg = arg;
	if (open_libsensors(cfg->sensors_conf, err, errlen) != 0) {
		free(h);
		return -1;
	}
	h->libsensors_up = true;
	watcher_open = true;
	sensors_cleanup();
	h->libsensors_up = false;
	if (hwmon_poll(h) < 0) {
		snprintf(err, errlen, "hwmon_open: out of memory");
		hwmon_close(h);
		return -1;
	}
	if (lp != NULL) {
		if (loop_timer_create(lp, &h->timer, on_timer, h) != 0 ||
		    loop_timer_arm(h->timer, cfg->interval_ms * 1000000ull) !=
		        0) {
			snprintf(err, errlen, "hwmon_open: timer: %s",
			         strerror(errno));
			hwmon_close(h);
			return -1;
		}
	}
	*out = h;
	return 0;
}

size_t hwmon_readings(struct hwmon *h, struct hwmon_reading *out, size_t max)
{
	size_t i;

	for (i = 0; i < h->n_features && i < max; i++) {
		const struct feature *f = &h->features[i];
		struct hwmon_reading *r = &out[i];

		memset(r, 0, sizeof(*r));
		snprintf(r->chip, sizeof(r->chip), "%s", f->chip);
		snprintf(r->feature, sizeof(r->feature), "%s", f->name);
		snprintf(r->label, sizeof(r->label), "%s", f->label);
		snprintf(r->dimm, sizeof(r->dimm), "%s", f->dimm);
		snprintf(r->detail, sizeof(r->detail), "%s", f->detail);
		r->kind = f->kind;
		r->value = f->value;
		r->limits = f->limits;
		r->state = f->chip_gone ? HWMON_STATE_GONE
		                        : hwmon_track_state(&f->track);
	}
	return h->n_features;
}

void hwmon_close(struct hwmon *h)
{
	if (h == NULL)
		return;
	if (h->timer != NULL)
		loop_timer_destroy(h->timer);
	if (h->libsensors_up)
		sensors_cleanup();
	watcher_open = false;
	free(h->features);
	free(h->chips);
	free(h);
}

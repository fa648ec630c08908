/* telemetry.c - what rasd shows the outside world about the host: its
 * health, and the Prometheus metrics file refreshed as things change. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../include/version.h"
#include "rasd.h"

/* The words the MIB, the metrics and the dashboard know; hosthealth.c
 * decides the level. */
const char *rasd_health(const struct rasd *d)
{
	return health_level_word(hosthealth_level(d, NULL, 0));
}

static enum metrics_health health_metric(const char *h)
{
	if (strcmp(h, "failing") == 0)
		return METRICS_HEALTH_FAILING;
	if (strcmp(h, "degraded") == 0)
		return METRICS_HEALTH_DEGRADED;
	return METRICS_HEALTH_OK;
}

/* The snapshot's arrays live as long as one write. */
struct snapshot_store {
	struct metrics_event_count
	    events[(MCE_SEV_FATAL + 1) * (MCE_KIND_UNKNOWN + 1)];
	struct metrics_dimm *dimms;
	struct metrics_cpu *cpus;
	struct metrics_socket *sockets;
	struct metrics_device *devices;
};

static void snapshot_events(const struct rasd *d, struct metrics_snapshot *s,
                            struct snapshot_store *st)
{
	int sev, kind;
	size_t n = 0;

	for (sev = 0; sev <= MCE_SEV_FATAL; sev++) {
		for (kind = 0; kind <= MCE_KIND_UNKNOWN; kind++) {
			if (d->events_by[sev][kind] == 0)
				continue;
			st->events[n].severity =
			    mce_severity_name((enum mce_severity)sev);
			st->events[n].kind = mce_kind_name((enum mce_kind)kind);
			st->events[n].count = d->events_by[sev][kind];
			n++;
		}
	}
	s->events = st->events;
	s->n_events = n;
}

static void snapshot_hardware(const struct rasd *d, struct metrics_snapshot *s,
                              struct snapshot_store *st, uint64_t now)
{
	size_t i;

	for (i = 0; i < d->n_dimms; i++) {
		struct metrics_dimm *m = &st->dimms[i];
		int state = metrics_dimm_state_parse(d->dimm_health[i].state);
		uint64_t all = correlate_dimm_errors(d->corr, (int32_t)i);

		m->label = d->dimms[i].label;
		m->socket = d->dimms[i].socket;
		m->controller = d->dimms[i].controller;
		m->csrow = d->dimms[i].slot;
		m->channel = d->dimms[i].channel;
		m->state = state < 0 ? METRICS_DIMM_OK
		                     : (enum metrics_dimm_state)state;
		m->uncorrected_total = d->dimm_health[i].ue;
		m->corrected_total =
		    all > m->uncorrected_total ? all - m->uncorrected_total : 0;
		m->pages_in_window =
		    correlate_dimm_level(d->corr, (int32_t)i, now);
		m->pages_threshold = d->policy.dimm.limit;
		m->fault_mode = (uint8_t)correlate_dimm_mode(
		    d->corr, (int32_t)i, now, &m->cells_in_window);
	}
	for (i = 0; i < d->n_cpus; i++) {
		struct metrics_cpu *c = &st->cpus[i];
		uint32_t cpu = d->cpu_list[i].cpu;

		c->cpu = cpu;
		c->socket = d->cpu_list[i].socket;
		c->core = d->cpu_list[i].core;
		c->online = cpu_offline_is_online(d->cpus, cpu);
		c->protected = policy_cpu_protected(&d->policy, cpu);
		c->core_errors_total = cpu_offline_core_errors(d->cpus, cpu);
	}
	for (i = 0; i < d->topo.nr_sockets; i++) {
		st->sockets[i].socket = (uint32_t)i;
		st->sockets[i].corrected_total =
		    correlate_socket_errors(d->corr, (uint32_t)i);
		st->sockets[i].degraded = d->socket_state[i] != 0;
	}
	s->dimms = st->dimms;
	s->n_dimms = d->n_dimms;
	s->cpus = st->cpus;
	s->n_cpus = d->n_cpus;
	s->sockets = st->sockets;
	s->n_sockets = d->topo.nr_sockets;
}

/* Counts of what rasd did, from the journal: they survive restarts. */
static int snapshot_counts(struct rasd *d, struct metrics_snapshot *s)
{
	struct journal_summary js;

	if (journal_summary(d->journal, &js) < 0)
		return -1;
	s->records_read = d->records;
	s->records_invalid = d->records_invalid;
	s->source_overflows = d->overflows;
	s->pages_offlined = (uint64_t)js.pages_offlined;
	s->cpus_offlined = (uint64_t)js.cpus_offlined;
	s->guests_evacuated = (uint64_t)js.guests_evacuated;
	s->actions_failed = (uint64_t)js.actions_failed;
	s->migrations_failed = (uint64_t)js.migrations_failed;
	return 0;
}

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The heartbeat in real time, whatever speed the injected clock runs. */
static void snapshot_heartbeat(struct rasd *d, struct metrics_snapshot *s,
                               bool up)
{
	uint64_t ran = clock_now_ms(&d->clock) - d->started_ms;

	s->up = up;
	s->now_s = wall_s();
	s->start_s = s->now_s - (double)ran / 1000.0 /
	                            (d->clock.speed ? d->clock.speed : 1);
	s->version = RASD_VERSION;
	s->backend = d->hv->ops->name;
	s->telemetry_state = selftest_state_name(d->selftest.state);
}

/* force: write even if nothing changed; up: false in the last write. */
static void metrics_refresh(struct rasd *d, bool force, bool up)
{
	struct metrics_snapshot s;
	struct snapshot_store st;
	uint64_t now = clock_now_ms(&d->clock);
	char err[512];
	int rc;

	d->metrics_last_ms = now;
	memset(&s, 0, sizeof(s));
	memset(&st, 0, sizeof(st));
	st.dimms = calloc(d->n_dimms + 1, sizeof(*st.dimms));
	st.cpus = calloc(d->n_cpus + 1, sizeof(*st.cpus));
	st.sockets = calloc(d->topo.nr_sockets + 1, sizeof(*st.sockets));
	st.devices = calloc(devices_count(d) + 1, sizeof(*st.devices));
	if (st.dimms == NULL || st.cpus == NULL || st.sockets == NULL ||
	    st.devices == NULL || snapshot_counts(d, &s) < 0)
		goto out;
	s.devices = st.devices;
	s.n_devices = devices_metrics(d, st.devices, devices_count(d));
	s.host = d->topo.host_name;
	snapshot_heartbeat(d, &s, up);
	s.health = health_metric(rasd_health(d));
	snapshot_events(d, &s, &st);
	snapshot_hardware(d, &s, &st, now);
	rc = force ? metrics_write_now(d->metrics, &s, now, err, sizeof(err))
	           : metrics_maybe_write(d->metrics, &s, now, err, sizeof(err));
	if (rc < 0)
		log_msg(&d->log, LOG_ERR, "metrics", "%s", err);
out:
	free(st.dimms);
	free(st.cpus);
	free(st.sockets);
	free(st.devices);
}

/* The interval in real time, but at least a second however fast the
 * clock runs: every tick rewrites the file. */
static uint64_t metrics_period_ns(const struct rasd *d)
{
	uint64_t ms = d->policy.metrics_interval_ms;
	uint64_t ns = ms * 1000000u / (d->clock.speed ? d->clock.speed : 1) + 1;

	return ns < 1000000000u ? 1000000000u : ns;
}

/*
 * Every interval, changed or not: the file's age is the heartbeat an
 * alert watches (a change that came too soon is written here too).
 */
static void metrics_tick(void *arg)
{
	struct rasd *d = arg;

	metrics_refresh(d, true, true);
	loop_timer_arm(d->metrics_timer, metrics_period_ns(d));
}

void rasd_notice_start(struct rasd *d, struct notice *n, const char *msgid,
                       int priority, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notice_vstart(n, msgid, priority, clock_now_ms(&d->clock), fmt, ap);
	va_end(ap);
}

/* Retry what the collector has not taken yet, when the publisher says. */
/* Re-armed only when the deadline moves: this runs after every notice. */
static void syslog_arm(struct rasd *d)
{
	uint64_t now = clock_now_ms(&d->clock);
	uint64_t next = syslog5424_next_ms(d->syslog, now);

	if (next == 0 || next == UINT64_MAX || next == d->syslog_timer_due)
		return;
	d->syslog_timer_due = next;
	loop_timer_arm(d->syslog_timer,
	               clock_real_ns_until(&d->clock, next) + 1000000);
}

/* Say once per loss what the collector's absence cost. */
static void syslog_report_drops(struct rasd *d)
{
	struct syslog5424_stats st;

	syslog5424_stats(d->syslog, &st);
	if (st.dropped == d->syslog_dropped_seen)
		return;
	log_msg(&d->log, LOG_WARNING, "syslog",
	        "%llu message(s) dropped in all (%zu queued): %s",
	        (unsigned long long)st.dropped, st.queued,
	        syslog5424_last_error(d->syslog));
	d->syslog_dropped_seen = st.dropped;
}

static void syslog_tick(void *arg)
{
	struct rasd *d = arg;

	d->syslog_timer_due = 0;
	syslog5424_flush(d->syslog, clock_now_ms(&d->clock));
	syslog_report_drops(d);
	syslog_arm(d);
}

void telemetry_syslog_json(struct rasd *d, struct json_object *out)
{
	struct syslog5424_stats st;
	const char *err;

	json_object_object_add(
	    out, "transport",
	    json_object_new_string(d->policy.syslog_transport));
	if (d->syslog == NULL)
		return;
	syslog5424_stats(d->syslog, &st);
	err = syslog5424_last_error(d->syslog);
	json_object_object_add(out, "sent",
	                       json_object_new_int64((int64_t)st.sent));
	json_object_object_add(out, "queued",
	                       json_object_new_int64((int64_t)st.queued));
	json_object_object_add(out, "dropped",
	                       json_object_new_int64((int64_t)st.dropped));
	json_object_object_add(out, "folded",
	                       json_object_new_int64((int64_t)st.folded));
	json_object_object_add(out, "connected",
	                       json_object_new_boolean(st.connected));
	json_object_object_add(out, "last_error",
	                       json_object_new_string(err ? err : ""));
}

static void notice_broadcast(struct rasd *d, const struct notice *n)
{
	struct json_object *line, *o;

	if (control_subscribers(d->control) == 0)
		return;
	o = notice_to_json(n);
	line = json_object_new_object();
	json_object_object_add(line, "notice", o);
	control_broadcast(d->control, json_object_to_json_string_ext(
	                                  line, JSON_C_TO_STRING_PLAIN));
	json_object_put(line);
}

/* To the subscribers and the syslog collector. */
static void notice_publish(struct rasd *d, const struct notice *n)
{
	notice_broadcast(d, n);
	if (d->syslog != NULL)
		syslog5424_send(d->syslog, n, n->time_ms);
}

/*
 * A record batch's notices are numbered into the ring as they are made
 * (one copy) and told once the batch is committed; a batch the journal
 * refused takes its numbers back.
 */
void telemetry_outbox_flush(struct rasd *d)
{
	const struct notice *n;
	uint64_t seq;

	for (seq = d->outbox_first; seq < d->outbox_first + d->n_outbox;
	     seq++) {
		n = notice_ring_get(&d->notices, seq);
		if (n != NULL)
			notice_publish(d, n);
	}
	if (d->n_outbox > 0 && d->syslog != NULL) {
		syslog_report_drops(d);
		syslog_arm(d);
	}
	d->n_outbox = 0;
}

void telemetry_outbox_drop(struct rasd *d)
{
	if (d->n_outbox > 0)
		notice_ring_rewind(&d->notices, d->outbox_first);
	d->n_outbox = 0;
}

void telemetry_notice(struct rasd *d, struct notice *n)
{
	notice_ring_push(&d->notices, n);
	if (d->defer_notices) {
		if (d->n_outbox++ == 0)
			d->outbox_first = n->seq;
		return;
	}
	notice_publish(d, n);
	if (d->syslog == NULL)
		return;
	syslog_report_drops(d);
	syslog_arm(d);
}

/*
 * "auto": journald's native socket where systemd's journal runs (on
 * Debian /dev/log reaches journald too, which keeps RFC 5424 as plain
 * text and loses the structured data), else /dev/log.
 */
static enum syslog5424_transport syslog_transport(const char *word)
{
	if (strcmp(word, "tcp") == 0)
		return SYSLOG5424_TCP;
	if (strcmp(word, "tls") == 0)
		return SYSLOG5424_TLS;
	if (strcmp(word, "journal") == 0)
		return SYSLOG5424_JOURNAL;
	if (strcmp(word, "auto") == 0 &&
	    access("/run/systemd/journal/", F_OK) == 0)
		return SYSLOG5424_JOURNAL;
	return SYSLOG5424_LOCAL;
}

static int syslog_init(struct rasd *d, char *err, size_t errlen)
{
	const struct policy *p = &d->policy;
	struct syslog5424_opts o;

	if (strcmp(p->syslog_transport, "off") == 0)
		return 0;
	if ((!strcmp(p->syslog_transport, "tcp") ||
	     !strcmp(p->syslog_transport, "tls")) &&
	    p->syslog_server[0] == '\0') {
		snprintf(err, errlen,
		         "[syslog] transport %s needs a server (host:port)",
		         p->syslog_transport);
		return -1;
	}
	syslog5424_opts_defaults(&o);
	o.transport = syslog_transport(p->syslog_transport);
	o.socket_path = p->syslog_socket[0] ? p->syslog_socket : NULL;
	o.target = p->syslog_server[0] ? p->syslog_server : NULL;
	o.ca_file = p->syslog_ca[0] ? p->syslog_ca : NULL;
	o.hostname = d->topo.host_name[0] ? d->topo.host_name : NULL;
	o.storm_limit = p->syslog_storm_limit;
	o.storm_window_ms = p->syslog_storm_window_ms;
	if (syslog5424_open(&d->syslog, &o, err, errlen) < 0)
		return -1;
	if (loop_timer_create(d->loop, &d->syslog_timer, syslog_tick, d) < 0) {
		snprintf(err, errlen, "syslog: cannot create a timer");
		return -1;
	}
	return 0;
}

/* Every step of the trend files, whether or not errors came. */
static void trend_tick(void *arg)
{
	struct rasd *d = arg;
	int64_t now_s = (int64_t)(clock_now_ms(&d->clock) / 1000);
	size_t i;

	for (i = 0; i < d->n_dimms; i++) {
		uint64_t all = correlate_dimm_errors(d->corr, (int32_t)i);
		uint64_t ue = d->dimm_health[i].ue;

		trend_update_dimm(d->trend, d->dimms[i].label, now_s,
		                  all > ue ? all - ue : 0, ue,
		                  actions_dimm_pages_retired(d, (int32_t)i));
	}
	for (i = 0; i < d->topo.nr_sockets; i++)
		trend_update_socket(
		    d->trend, (int)i, now_s,
		    correlate_socket_errors(d->corr, (uint32_t)i));
	loop_timer_arm(d->trend_timer,
	               (uint64_t)TREND_STEP_S * 1000000000u /
	                   (d->clock.speed ? d->clock.speed : 1));
}

static int trend_init(struct rasd *d, char *err, size_t errlen)
{
	const struct policy *p = &d->policy;

	if (p->trends_dir[0] == '\0')
		return 0;
	d->trend = trend_open(p->trends_dir,
	                      p->trends_daemon[0] ? p->trends_daemon : NULL,
	                      TREND_QUEUE_DEFAULT, err, errlen);
	if (d->trend == NULL)
		return -1;
	if (loop_timer_create(d->loop, &d->trend_timer, trend_tick, d) < 0) {
		snprintf(err, errlen, "trends: cannot create a timer");
		return -1;
	}
	trend_tick(d);
	return 0;
}

void telemetry_flush(struct rasd *d)
{
	if (d->trend == NULL)
		return;
	trend_tick(d);
	trend_flush(d->trend);
}

static void trend_fini(struct rasd *d)
{
	char err[256];

	if (d->trend == NULL)
		return;
	trend_tick(d);
	if (trend_flush(d->trend) > 0) {
		trend_last_error(d->trend, err, sizeof(err));
		log_msg(&d->log, LOG_ERR, "trends", "%s", err);
	}
	loop_timer_destroy(d->trend_timer);
	d->trend_timer = NULL;
	trend_close(d->trend);
	d->trend = NULL;
}

int telemetry_init(struct rasd *d, char *err, size_t errlen)
{
	if (syslog_init(d, err, errlen) < 0 || trend_init(d, err, errlen) < 0)
		return -1;
	if (d->policy.metrics_file[0] == '\0')
		return 0;
	d->metrics = metrics_open(d->policy.metrics_file,
	                          d->policy.metrics_interval_ms, err, errlen);
	if (d->metrics == NULL)
		return -1;
	if (loop_timer_create(d->loop, &d->metrics_timer, metrics_tick, d) <
	    0) {
		snprintf(err, errlen, "metrics: cannot create a timer");
		return -1;
	}
	metrics_refresh(d, true, true);
	loop_timer_arm(d->metrics_timer, metrics_period_ns(d));
	return 0;
}

/*
 * Called after every batch: the snapshot (a journal query and a walk of
 * every DIMM and CPU) is built only once the interval allows a write;
 * a change that comes sooner is written by metrics_tick.
 */
void telemetry_update(struct rasd *d)
{
	uint64_t now = clock_now_ms(&d->clock);

	if (d->health_timer != NULL)
		hosthealth_check(d);
	if (d->metrics == NULL ||
	    now - d->metrics_last_ms < d->policy.metrics_interval_ms)
		return;
	metrics_refresh(d, false, true);
}

void telemetry_fini(struct rasd *d)
{
	trend_fini(d);
	if (d->syslog != NULL)
		syslog5424_flush(d->syslog, clock_now_ms(&d->clock));
	loop_timer_destroy(d->syslog_timer);
	d->syslog_timer = NULL;
	syslog5424_close(d->syslog);
	d->syslog = NULL;
	if (d->metrics != NULL)
		metrics_refresh(d, true, false);
	loop_timer_destroy(d->metrics_timer);
	d->metrics_timer = NULL;
	metrics_close(d->metrics);
	d->metrics = NULL;
}

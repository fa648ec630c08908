/* hosthealth.c - the BMC (SEL, threshold sensors) and lm-sensors into the
 * journal and the host's green/yellow/red, and what each state does. */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>

#include "../ipmi/bmc.h"
#include "../sensors/hwmon.h"
#include "../priv/priv.h"
#include "rasd.h"

extern char **environ;

#define SEL_POS_KEY "ipmi.sel_pos"

/* ---- the DIMM picture as conditions ---- */

/*
 * What rasd's own counters say, computed when asked: DIMM states, sockets,
 * CPUs and pages are kept elsewhere and change in many places.
 */
static enum health_level base_level(const struct rasd *d, char *reason,
                                    size_t len)
{
	enum health_level l = HEALTH_GREEN;
	size_t i;

	if (reason != NULL && len > 0)
		reason[0] = '\0';
	for (i = 0; i < d->n_dimms; i++) {
		const char *st = d->dimm_health[i].state;

		if (strcmp(st, "ok") == 0)
			continue;
		if (strcmp(st, "degraded") == 0) {
			if (l == HEALTH_GREEN && reason != NULL)
				snprintf(reason, len, "DIMM %s degraded",
				         d->dimms[i].label);
			if (l < HEALTH_YELLOW)
				l = HEALTH_YELLOW;
			continue;
		}
		if (reason != NULL)
			snprintf(reason, len, "DIMM %s %s", d->dimms[i].label,
			         st);
		return HEALTH_RED;
	}
	if (l != HEALTH_GREEN)
		return l;
	for (i = 0; i < d->topo.nr_sockets; i++) {
		if (d->socket_state[i] == 0)
			continue;
		if (reason != NULL)
			snprintf(reason, len, "socket %zu degraded", i);
		return HEALTH_YELLOW;
	}
	if (cpu_offline_online_count(d->cpus) < d->n_cpus) {
		if (reason != NULL)
			snprintf(reason, len, "%zu cpu(s) offline",
			         d->n_cpus - cpu_offline_online_count(d->cpus));
		return HEALTH_YELLOW;
	}
	if (d->pages_retired > 0) {
		if (reason != NULL)
			snprintf(reason, len, "%llu page(s) retired",
			         (unsigned long long)d->pages_retired);
		return HEALTH_YELLOW;
	}
	return HEALTH_GREEN;
}

enum health_level hosthealth_level(const struct rasd *d, char *reason,
                                   size_t len)
{
	char base_reason[HEALTH_REASON_MAX];
	enum health_level base =
	    base_level(d, base_reason, sizeof(base_reason));
	enum health_level cond = health_level(&d->health);

	if (reason != NULL && len > 0) {
		if (base >= cond)
			snprintf(reason, len, "%s", base_reason);
		else
			health_summary(&d->health, reason, len);
	}
	return base >= cond ? base : cond;
}

/* ---- what each state does ---- */

static void hook_reap(struct rasd *d)
{
	int status;

	if (d->hook_pid <= 0 || waitpid(d->hook_pid, &status, WNOHANG) <= 0)
		return;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		log_msg(&d->log, LOG_WARNING, "health",
		        "hook %s exited with status %d", d->policy.health_hook,
		        WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	d->hook_pid = 0;
}

static void hook_run_pending(struct rasd *d);

static bool hook_running(const struct rasd *d)
{
	return d->hook_pid > 0 || d->hook_in_parent;
}

/*
 * Under privsep the parent runs the hook, as [health] hook_user with a
 * clean environment and a deadline; its end comes as an event.
 */
static void hook_in_parent(struct rasd *d, enum health_level l, const char *why)
{
	if (priv_hook_request(hv_hook_inner(d->hv), health_level_name(l), why) <
	    0) {
		log_msg(&d->log, LOG_ERR, "health", "hook: %s", d->hv->err);
		return;
	}
	d->hook_in_parent = true;
	log_msg(&d->log, LOG_NOTICE, "health", "hook %s %s started",
	        d->policy.health_hook, health_level_name(l));
}

/* HOOK LEVEL REASON: the orchestrator stops placing guests here on
 * yellow/red and starts again on green. */
static void hook_run(struct rasd *d, enum health_level l, const char *why)
{
	char *argv[4];
	pid_t pid;
	int rc;

	if (d->policy.health_hook[0] == '\0') {
		log_msg(&d->log, LOG_WARNING, "health",
		        "quarantine asked for, but [health] hook is not set");
		return;
	}
	hook_reap(d);
	if (hook_running(d)) {
		/* Only the latest state matters: it runs when this one ends. */
		d->hook_pending = true;
		d->hook_pending_level = l;
		snprintf(d->hook_pending_reason, sizeof(d->hook_pending_reason),
		         "%s", why);
		return;
	}
	d->hook_pending = false;
	if (priv_is_client(hv_hook_inner(d->hv))) {
		hook_in_parent(d, l, why);
		return;
	}
	argv[0] = d->policy.health_hook;
	argv[1] = (char *)health_level_name(l);
	argv[2] = (char *)why;
	argv[3] = NULL;
	rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
	if (rc != 0) {
		log_msg(&d->log, LOG_ERR, "health", "hook %s: %s", argv[0],
		        strerror(rc));
		return;
	}
	d->hook_pid = pid;
	log_msg(&d->log, LOG_NOTICE, "health", "hook %s %s started (pid %d)",
	        argv[0], argv[1], (int)pid);
}

static const char *action_for(const struct rasd *d, enum health_level l)
{
	if (l == HEALTH_RED)
		return d->policy.health_red;
	if (l == HEALTH_YELLOW)
		return d->policy.health_yellow;
	return "alert";
}

static void health_act(struct rasd *d, enum health_level from,
                       enum health_level to, const char *why)
{
	const char *act = action_for(d, to);

	/* Leaving a quarantine: tell the orchestrator it may place again. */
	if (to < from && strcmp(action_for(d, from), "alert") != 0 &&
	    strcmp(act, "alert") == 0)
		hook_run(d, to, why);
	if (strcmp(act, "alert") == 0)
		return;
	hook_run(d, to, why);
	if (strcmp(act, "evacuate") == 0 && to > from)
		actions_evacuate_host(d, why);
}

#define HOOK_POLL_NS 100000000ULL /* while a hook runs and another waits */

/* Re-armed only when the deadline moves: this runs after every batch. */
static void health_timer_arm(struct rasd *d)
{
	uint64_t next = 0, ns;
	size_t i;

	for (i = 0; i < d->health.n; i++) {
		uint64_t u = d->health.cond[i].until_ms;

		if (u != 0 && (next == 0 || u < next))
			next = u;
	}
	if (next == d->health_timer_due && !d->hook_pending)
		return;
	d->health_timer_due = next;
	ns = next ? clock_real_ns_until(&d->clock, next) : 0;
	if (d->hook_pending && (ns == 0 || ns > HOOK_POLL_NS))
		ns = HOOK_POLL_NS;
	loop_timer_arm(d->health_timer, ns);
}

/* The hook that waited for the previous one to end. */
static void hook_run_pending(struct rasd *d)
{
	char why[HEALTH_REASON_MAX];

	hook_reap(d);
	if (!d->hook_pending || hook_running(d))
		return;
	snprintf(why, sizeof(why), "%s", d->hook_pending_reason);
	hook_run(d, d->hook_pending_level, why);
}

void hosthealth_check(struct rasd *d)
{
	char why[HEALTH_REASON_MAX];
	enum health_level l, was = d->health_announced;
	struct notice n;

	health_expire(&d->health, clock_now_ms(&d->clock));
	hook_run_pending(d);
	l = hosthealth_level(d, why, sizeof(why));
	if (l == was) {
		health_timer_arm(d);
		return;
	}
	d->health_announced = l;
	log_msg(&d->log, l > was ? LOG_WARNING : LOG_NOTICE, "health",
	        "host health %s -> %s%s%s", health_level_name(was),
	        health_level_name(l), why[0] ? ": " : "", why);
	rasd_notice_start(d, &n, "HEALTH",
	                  l == HEALTH_RED      ? LOG_ERR
	                  : l == HEALTH_YELLOW ? LOG_WARNING
	                                       : LOG_NOTICE,
	                  "host health %s%s%s", health_level_name(l),
	                  why[0] ? ": " : "", why);
	notice_add(&n, "state", "%s", health_level_word(l));
	notice_add(&n, "color", "%s", health_level_name(l));
	telemetry_notice(d, &n);
	health_act(d, was, l, why[0] ? why : health_level_name(l));
	health_timer_arm(d);
}

static void health_timer_fired(void *arg)
{
	struct rasd *d = arg;

	d->health_timer_due = 0; /* a one-shot timer: it is disarmed now */
	telemetry_update(d);
}

/* ---- the journal ---- */

static int64_t health_journal(struct rasd *d, struct journal_health_event *he)
{
	he->time_ms = clock_now_ms(&d->clock);
	if (journal_health_event_add(d->journal, he) < 0) {
		log_msg(&d->log, LOG_ERR, "health", "journal: %s",
		        journal_error(d->journal));
		return 0;
	}
	return he->id;
}

static void health_event_init(struct journal_health_event *he,
                              const char *source, const char *cls,
                              const char *severity, const char *component)
{
	memset(he, 0, sizeof(*he));
	snprintf(he->source, sizeof(he->source), "%s", source);
	snprintf(he->cls, sizeof(he->cls), "%s", cls);
	snprintf(he->severity, sizeof(he->severity), "%s", severity);
	snprintf(he->component, sizeof(he->component), "%s", component);
	he->dimm = -1;
	he->record_id = -1;
}

/*
 * An engine rasd's parent started again after it died: journaled, and a
 * warning, because what killed it may be what a hostile client sent.
 */
void hosthealth_engine_restarted(struct rasd *d)
{
	struct journal_health_event he;
	unsigned starts = 0;
	int st = 0;

	priv_engine_life(hv_hook_inner(d->hv), &starts, &st);
	if (starts <= 1)
		return;
	health_event_init(&he, "rasd", "other", "warning", "engine");
	he.time_ms = clock_now_ms(&d->clock);
	snprintf(he.what, sizeof(he.what), "engine restarted");
	snprintf(he.detail, sizeof(he.detail),
	         "start %u; the last engine %s %d", starts,
	         WIFSIGNALED(st) ? "was killed by signal" : "exited with",
	         WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
	if (journal_health_event_add(d->journal, &he) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
	log_msg(&d->log, LOG_WARNING, "rasd",
	        "the engine was started again by rasd's parent (%s)",
	        he.detail);
}

/* ---- one fault, two sources ---- */

static void merge(struct rasd *d, int32_t dimm, int64_t health_id,
                  int64_t event_id, int64_t record_id)
{
	char also[48];

	snprintf(also, sizeof(also), "ipmi-sel #0x%04llx",
	         (unsigned long long)record_id);
	if (journal_health_event_merge(d->journal, health_id, event_id, also) <
	    0) {
		log_msg(&d->log, LOG_ERR, "health", "journal: %s",
		        journal_error(d->journal));
		return;
	}
	log_msg(&d->log, LOG_INFO, "health",
	        "DIMM %s: BMC SEL record 0x%04llx and machine-check event %lld "
	        "are one fault",
	        d->dimms[dimm].label, (unsigned long long)record_id,
	        (long long)event_id);
}

void hosthealth_on_mce(struct rasd *d, const struct journal_event *ev,
                       const struct mce_decoded *dec, int32_t dimm)
{
	uint64_t now = ev->time_ms;
	char comp[64], why[HEALTH_REASON_MAX];
	struct dimm_health *h;

	if (dec->severity != MCE_SEV_CORRECTED) {
		if (ev->dimm_label[0] != '\0')
			snprintf(comp, sizeof(comp), "%s", ev->dimm_label);
		else
			snprintf(comp, sizeof(comp), "cpu %d bank %d", ev->cpu,
			         ev->bank);
		snprintf(why, sizeof(why), "uncorrectable %s error on %s",
		         mce_kind_name(dec->kind), comp);
		health_set(&d->health, HEALTH_UNCORRECTABLE, "mce", comp,
		           HEALTH_RED, why, now, d->policy.health_ue_hold_ms);
	}
	fwmem_on_mce(d, ev, dec);
	if (dimm < 0 || (size_t)dimm >= d->n_dimms ||
	    dec->kind != MCE_KIND_MEMORY)
		return;
	h = &d->dimm_health[dimm];
	h->last_mce_id = ev->id;
	h->last_mce_ms = now;
	if (h->last_bmc_id == 0 || h->last_bmc_merged ||
	    now - h->last_bmc_ms > d->policy.ipmi_correlate_window_ms)
		return;
	/* The BMC told first; its count gives way to the machine check. */
	h->last_bmc_merged = true;
	if (h->bmc_faults > 0)
		h->bmc_faults--;
	merge(d, dimm, h->last_bmc_id, ev->id, h->last_bmc_record);
}

/* ---- the BMC ---- */

/* The DIMM a BMC event names: its sensor's name holds a DIMM label, or
 * the module number is rasd's DIMM of that index. */
static int32_t bmc_dimm(const struct rasd *d, const struct bmc_event *ev)
{
	size_t i;

	for (i = 0; i < d->n_dimms; i++)
		if (ev->sensor[0] != '\0' && d->dimms[i].label[0] != '\0' &&
		    strcasestr(ev->sensor, d->dimms[i].label) != NULL)
			return (int32_t)i;
	if (ev->dimm >= 0 && (size_t)ev->dimm < d->n_dimms)
		return ev->dimm;
	return -1;
}

static void bmc_component(const struct rasd *d, const struct bmc_event *ev,
                          int32_t dimm, char *out, size_t len)
{
	if (dimm >= 0)
		snprintf(out, len, "%s", d->dimms[dimm].label);
	else if (ev->sensor[0] != '\0')
		snprintf(out, len, "%s", ev->sensor);
	else
		snprintf(out, len, "%s sensor 0x%02x", bmc_class_name(ev->cls),
		         ev->sensor_num);
}

static bool what_has(const struct bmc_event *ev, const char *word)
{
	return strcasestr(ev->what, word) != NULL;
}

/* A memory event from the SEL: count it on its DIMM unless a machine
 * check for the same DIMM came within the window. */
static void bmc_memory(struct rasd *d, const struct bmc_event *ev,
                       struct journal_health_event *he, int32_t dimm)
{
	uint64_t now = he->time_ms;
	struct dimm_health *h;

	if (dimm < 0 || ev->deassert)
		return;
	h = &d->dimm_health[dimm];
	h->last_bmc_id = he->id;
	h->last_bmc_ms = now;
	h->last_bmc_record = ev->record_id;
	h->last_bmc_merged = false;
	if (h->last_mce_id != 0 &&
	    now - h->last_mce_ms <= d->policy.ipmi_correlate_window_ms) {
		h->last_bmc_merged = true;
		merge(d, dimm, he->id, h->last_mce_id, ev->record_id);
		return;
	}
	h->bmc_faults++;
}

static void bmc_condition(struct rasd *d, const struct bmc_event *ev,
                          const char *comp, const char *why)
{
	uint64_t now = clock_now_ms(&d->clock);
	enum health_level l = ev->sev == BMC_CRITICAL  ? HEALTH_RED
	                      : ev->sev == BMC_WARNING ? HEALTH_YELLOW
	                                               : HEALTH_GREEN;
	enum health_kind k = HEALTH_GENERIC;
	uint64_t hold = 0;

	switch (ev->cls) {
	case BMC_MEMORY:
		if (what_has(ev, "uncorrectable")) {
			k = HEALTH_UNCORRECTABLE;
			hold = d->policy.health_ue_hold_ms;
		} else if (what_has(ev, "correctable ecc") &&
		           !what_has(ev, "limit")) {
			return; /* counted on the DIMM, not a state */
		}
		break;
	case BMC_POWER_SUPPLY:
		/* Yellow as stated: the redundancy rule makes it red. */
		k = HEALTH_PSU_FAILED;
		if (l > HEALTH_YELLOW)
			l = HEALTH_YELLOW;
		break;
	case BMC_FAN:
		k = HEALTH_FAN_FAILED;
		if (l > HEALTH_YELLOW)
			l = HEALTH_YELLOW;
		break;
	case BMC_TEMPERATURE:
		k = HEALTH_TEMP_HIGH;
		break;
	default:
		break;
	}
	if (ev->deassert)
		l = HEALTH_GREEN;
	/* An assertion the BMC never deasserts would stand forever. */
	if (ev->kind == BMC_SEL_ENTRY && hold == 0 && k == HEALTH_GENERIC)
		hold = d->policy.health_ue_hold_ms;
	if (k != HEALTH_GENERIC && l == HEALTH_GREEN && !ev->deassert)
		return;
	health_set(&d->health, k, "ipmi", comp, l, why, now, hold);
}

static void bmc_notice(struct rasd *d, const struct bmc_event *ev,
                       const struct journal_health_event *he, int prio)
{
	struct notice n;
	const char *msgid = "BMC";

	if (ev->cls == BMC_MEMORY && what_has(ev, "uncorrectable") &&
	    !ev->deassert)
		msgid = "MEMUE";
	else if (ev->kind == BMC_THRESHOLD ||
	         (ev->sev != BMC_INFO && ev->cls != BMC_MEMORY))
		msgid = "SENSOR";
	rasd_notice_start(d, &n, msgid, prio, "BMC: %s: %s%s", he->component,
	                  ev->what, ev->deassert ? " (deasserted)" : "");
	notice_add(&n, "source", "%s", he->source);
	notice_add(&n, "sensor", "%s", he->component);
	if (ev->kind == BMC_SEL_ENTRY)
		notice_add(&n, "record", "0x%04x", ev->record_id);
	if (strcmp(msgid, "MEMUE") == 0)
		notice_add(&n, "severity", "uncorrected");
	if (he->dimm >= 0)
		notice_add(&n, "dimm", "%s", d->dimms[he->dimm].label);
	if (he->has_value) {
		notice_add(&n, "value", "%g", he->value);
		notice_add(&n, "threshold", "%g", he->threshold);
	}
	if (he->merged_event_id != 0)
		notice_add(&n, "event", "%lld", (long long)he->merged_event_id);
	telemetry_notice(d, &n);
}

static void bmc_dimm_temp(struct rasd *d, const struct bmc_event *ev,
                          int32_t dimm)
{
	struct dimm_health *h;

	if (dimm < 0 || ev->cls != BMC_TEMPERATURE || ev->kind != BMC_THRESHOLD)
		return;
	h = &d->dimm_health[dimm];
	h->have_temp = true;
	h->temp_c = ev->value;
	h->temp_ms = clock_now_ms(&d->clock);
	snprintf(h->temp_source, sizeof(h->temp_source), "ipmi %s", ev->sensor);
}

static void bmc_sel_save(struct rasd *d, const struct bmc_event *ev)
{
	char pos[BMC_SEL_POS_STRLEN];

	if (bmc_sel_pos_format(&ev->pos, pos, sizeof(pos)) < 0 ||
	    journal_meta_set(d->journal, SEL_POS_KEY, pos) < 0)
		log_msg(&d->log, LOG_ERR, "ipmi",
		        "cannot keep the SEL position: %s",
		        journal_error(d->journal));
}

static void bmc_entry(struct rasd *d, const struct bmc_event *ev)
{
	struct journal_health_event he;
	int32_t dimm = bmc_dimm(d, ev);
	char comp[64], why[HEALTH_REASON_MAX];
	int prio;

	bmc_component(d, ev, dimm, comp, sizeof(comp));
	health_event_init(
	    &he, ev->kind == BMC_THRESHOLD ? "ipmi-sensor" : "ipmi-sel",
	    bmc_class_name(ev->cls), bmc_severity_name(ev->sev), comp);
	snprintf(he.what, sizeof(he.what), "%s", ev->what);
	snprintf(he.detail, sizeof(he.detail), "%s", ev->detail);
	he.deassert = ev->deassert;
	he.dimm = dimm;
	if (ev->kind != BMC_THRESHOLD)
		he.record_id = ev->record_id;
	if (ev->kind == BMC_THRESHOLD) {
		he.has_value = true;
		he.value = ev->value;
		he.threshold = ev->threshold;
	}
	if (journal_begin(d->journal) < 0)
		return;
	if (health_journal(d, &he) == 0) {
		journal_commit(d->journal);
		return;
	}
	if (ev->cls == BMC_MEMORY)
		bmc_memory(d, ev, &he, dimm);
	if (ev->kind == BMC_SEL_ENTRY)
		bmc_sel_save(d, ev);
	journal_commit(d->journal);
	d->bmc_events++;
	snprintf(why, sizeof(why), "BMC: %s: %s", comp, ev->what);
	bmc_condition(d, ev, comp, why);
	bmc_dimm_temp(d, ev, dimm);
	prio = ev->sev == BMC_CRITICAL  ? LOG_ERR
	       : ev->sev == BMC_WARNING ? LOG_WARNING
	                                : LOG_INFO;
	if (ev->deassert)
		prio = LOG_NOTICE;
	log_msg(&d->log, prio, "ipmi", "%s%s%s", why,
	        ev->deassert ? " (deasserted)" : "",
	        he.merged_event_id ? " (same fault as a machine check)" : "");
	bmc_notice(d, ev, &he, prio);
}

static void bmc_state(struct rasd *d, const struct bmc_event *ev)
{
	uint64_t now = clock_now_ms(&d->clock);
	char why[HEALTH_REASON_MAX];

	switch (ev->kind) {
	case BMC_CONNECTED:
		log_msg(&d->log, LOG_NOTICE, "ipmi", "BMC connected: %s",
		        ev->detail);
		health_set(&d->health, HEALTH_GENERIC, "ipmi", "bmc",
		           HEALTH_GREEN, NULL, now, 0);
		return;
	case BMC_LOST:
		snprintf(why, sizeof(why), "BMC not answering: %s", ev->detail);
		log_msg(&d->log, LOG_WARNING, "ipmi", "%s", why);
		health_set(&d->health, HEALTH_GENERIC, "ipmi", "bmc",
		           HEALTH_YELLOW, why, now, 0);
		return;
	case BMC_SEL_FULL:
	case BMC_SEL_ALMOST_FULL:
		snprintf(why, sizeof(why), "BMC SEL %s: %s",
		         ev->kind == BMC_SEL_FULL ? "full, new events are lost"
		                                  : "almost full",
		         ev->detail);
		log_msg(&d->log, LOG_WARNING, "ipmi", "%s", why);
		health_set(&d->health, HEALTH_GENERIC, "ipmi", "sel",
		           HEALTH_YELLOW, why, now, 0);
		return;
	case BMC_BAD_RECORD: {
		struct journal_health_event he;

		health_event_init(&he, "ipmi-sel", "other", "warning", "SEL");
		snprintf(he.what, sizeof(he.what), "malformed record");
		snprintf(he.detail, sizeof(he.detail), "%s", ev->detail);
		he.record_id = ev->record_id;
		log_msg(&d->log, LOG_WARNING, "ipmi", "%s", ev->detail);
		if (journal_begin(d->journal) < 0)
			return;
		health_journal(d, &he);
		bmc_sel_save(d, ev);
		journal_commit(d->journal);
		return;
	}
	default:
		return;
	}
}

/* The BMC says when its SEL fills, not when it has room again. */
static void bmc_sel_room(struct rasd *d)
{
	struct bmc_status *st = calloc(1, sizeof(*st));

	if (st == NULL || bmc_status(d->bmc, st) < 0) {
		free(st);
		return;
	}
	if (!st->sel_full && !st->sel_almost_full)
		health_set(&d->health, HEALTH_GENERIC, "ipmi", "sel",
		           HEALTH_GREEN, NULL, clock_now_ms(&d->clock), 0);
	free(st);
}

static void on_bmc(void *arg, const struct bmc_event *ev)
{
	struct rasd *d = arg;

	if (ev->kind == BMC_SEL_ENTRY || ev->kind == BMC_THRESHOLD)
		bmc_entry(d, ev);
	else
		bmc_state(d, ev);
	if (ev->kind == BMC_SEL_ENTRY || ev->kind == BMC_CONNECTED)
		bmc_sel_room(d);
	telemetry_update(d);
}

static int bmc_start(struct rasd *d, char *err, size_t errlen)
{
	struct bmc_config cfg;
	struct bmc_sel_pos pos, *start = NULL;
	char saved[BMC_SEL_POS_STRLEN], why[160];
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.lan = strcmp(d->policy.ipmi_interface, "lan") == 0;
	cfg.smi_num = d->policy.ipmi_smi;
	snprintf(cfg.host, sizeof(cfg.host), "%s", d->policy.ipmi_host);
	snprintf(cfg.port, sizeof(cfg.port), "%u", d->policy.ipmi_port);
	snprintf(cfg.credentials, sizeof(cfg.credentials), "%s",
	         d->policy.ipmi_credentials);
	cfg.sel_poll_ms = d->policy.ipmi_sel_poll_ms;
	cfg.sensor_poll_ms = d->policy.ipmi_sensor_poll_ms;
	cfg.retry_max_ms = d->policy.ipmi_retry_max_ms;
	if (cfg.lan && cfg.host[0] == '\0') {
		snprintf(err, errlen, "ipmi: interface = lan needs a host");
		return -1;
	}
	/* Under privsep the file is root's: the parent read it at start. */
	if (cfg.lan && d->opt.privsep &&
	    strcmp(d->opt.bmc_cred_path, cfg.credentials) == 0) {
		if (!d->opt.bmc_cred_loaded) {
			snprintf(err, errlen, "ipmi: %s", d->opt.bmc_cred_err);
			return -1;
		}
		cfg.given = &d->opt.bmc_cred;
	}
	rc = journal_meta_get(d->journal, SEL_POS_KEY, saved, sizeof(saved));
	if (rc == 1 && bmc_sel_pos_parse(saved, &pos, why, sizeof(why)) == 0)
		start = &pos;
	else if (rc == 1)
		log_msg(&d->log, LOG_WARNING, "ipmi",
		        "the journal's SEL position '%s' is unreadable (%s): "
		        "reading only new records",
		        saved, why);
	if (bmc_open(&d->bmc, d->loop, &cfg, start, on_bmc, d, why,
	             sizeof(why)) < 0) {
		snprintf(err, errlen, "ipmi: %s", why);
		return -1;
	}
	log_msg(&d->log, LOG_INFO, "ipmi", "watching the %s BMC%s%s",
	        cfg.lan ? "LAN" : "local", cfg.lan ? " at " : "",
	        cfg.lan ? cfg.host : "");
	return 0;
}

/* ---- lm-sensors ---- */

static int32_t dimm_by_label(const struct rasd *d, const char *name)
{
	size_t i;

	if (name[0] == '\0')
		return -1;
	for (i = 0; i < d->n_dimms; i++)
		if (strcasecmp(d->dimms[i].label, name) == 0)
			return (int32_t)i;
	return -1;
}

static enum health_kind hwmon_health_kind(const struct hwmon_event *ev)
{
	if (ev->sensor == HWMON_TEMP)
		return HEALTH_TEMP_HIGH;
	if (ev->sensor == HWMON_FAN &&
	    (strstr(ev->limit_name, "min") || strstr(ev->limit_name, "alarm")))
		return HEALTH_FAN_FAILED;
	return HEALTH_GENERIC;
}

static void hwmon_condition(struct rasd *d, const struct hwmon_event *ev,
                            const char *comp, const char *why)
{
	uint64_t now = clock_now_ms(&d->clock);
	enum health_level l = ev->critical ? HEALTH_RED : HEALTH_YELLOW;
	char key[96];

	snprintf(key, sizeof(key), "%s %s", comp, ev->limit_name);
	switch (ev->kind) {
	case HWMON_CROSSED:
		health_set(&d->health, hwmon_health_kind(ev), "sensors", key, l,
		           why, now, 0);
		break;
	case HWMON_CLEARED:
		health_set(&d->health, hwmon_health_kind(ev), "sensors", key,
		           HEALTH_GREEN, NULL, now, 0);
		break;
	case HWMON_CHIP_GONE:
		health_set(&d->health, HEALTH_GENERIC, "sensors", ev->chip,
		           HEALTH_YELLOW, why, now, 0);
		break;
	case HWMON_CHIP_BACK:
		health_set(&d->health, HEALTH_GENERIC, "sensors", ev->chip,
		           HEALTH_GREEN, NULL, now, 0);
		break;
	case HWMON_FAILED:
	case HWMON_RECOVERED:
		break; /* one broken file is not the host's health */
	}
}

static void on_hwmon(void *arg, const struct hwmon_event *ev)
{
	struct rasd *d = arg;
	struct journal_health_event he;
	char comp[64], why[HEALTH_REASON_MAX];
	struct notice n;
	int prio;

	if (ev->kind == HWMON_CHIP_GONE || ev->kind == HWMON_CHIP_BACK)
		snprintf(comp, sizeof(comp), "%s", ev->chip);
	else
		snprintf(comp, sizeof(comp), "%s %s", ev->chip,
		         ev->label[0] ? ev->label : ev->feature);
	health_event_init(&he, "sensors", hwmon_kind_name(ev->sensor),
	                  ev->critical ? "critical" : "warning", comp);
	he.dimm = dimm_by_label(d, ev->dimm);
	he.deassert = ev->kind == HWMON_CLEARED ||
	              ev->kind == HWMON_RECOVERED ||
	              ev->kind == HWMON_CHIP_BACK;
	if (he.deassert)
		snprintf(he.severity, sizeof(he.severity), "info");
	snprintf(he.what, sizeof(he.what), "%s%s%s",
	         hwmon_event_kind_name(ev->kind), ev->limit_name[0] ? " " : "",
	         ev->limit_name);
	snprintf(he.detail, sizeof(he.detail), "%s", ev->detail);
	if (!isnan(ev->value)) {
		he.has_value = true;
		he.value = ev->value;
		he.threshold = ev->limit;
	}
	if (journal_begin(d->journal) == 0) {
		health_journal(d, &he);
		journal_commit(d->journal);
	}
	d->sensor_events++;
	if (he.has_value)
		snprintf(why, sizeof(why), "%s %s: %g (%s %g)", comp,
		         hwmon_event_kind_name(ev->kind), ev->value,
		         ev->limit_name, ev->limit);
	else
		snprintf(why, sizeof(why), "%s %s%s%s", comp,
		         hwmon_event_kind_name(ev->kind),
		         ev->detail[0] ? ": " : "", ev->detail);
	hwmon_condition(d, ev, comp, why);
	prio = he.deassert                                   ? LOG_NOTICE
	       : ev->critical || ev->kind == HWMON_CHIP_GONE ? LOG_ERR
	                                                     : LOG_WARNING;
	log_msg(&d->log, prio, "sensors", "%s", why);
	rasd_notice_start(d, &n, "SENSOR", prio, "%s", why);
	notice_add(&n, "source", "sensors");
	notice_add(&n, "sensor", "%s", comp);
	if (he.has_value) {
		notice_add(&n, "value", "%g", ev->value);
		notice_add(&n, "threshold", "%g", ev->limit);
	}
	if (he.dimm >= 0)
		notice_add(&n, "dimm", "%s", d->dimms[he.dimm].label);
	telemetry_notice(d, &n);
	telemetry_update(d);
}

static int hwmon_start(struct rasd *d, char *err, size_t errlen)
{
	struct hwmon_config cfg;
	char why[256];
	size_t i;

	d->sensor_rules =
	    calloc(d->policy.n_sensor_limits + 1, sizeof(*d->sensor_rules));
	if (d->sensor_rules == NULL) {
		snprintf(err, errlen, "sensors: out of memory");
		return -1;
	}
	for (i = 0; i < d->policy.n_sensor_limits; i++)
		if (hwmon_limit_rule_parse(d->policy.sensor_limits[i],
		                           &d->sensor_rules[i], why,
		                           sizeof(why)) < 0) {
			snprintf(err, errlen, "sensors: limit '%s': %s",
			         d->policy.sensor_limits[i], why);
			return -1;
		}
	hwmon_config_defaults(&cfg);
	cfg.interval_ms = d->policy.sensors_interval_ms;
	cfg.hysteresis_temp = d->policy.sensors_hysteresis_temp;
	cfg.hysteresis_frac = d->policy.sensors_hysteresis_frac;
	cfg.rules = d->sensor_rules;
	cfg.n_rules = d->policy.n_sensor_limits;
	cfg.sensors_conf =
	    d->policy.sensors_config[0] ? d->policy.sensors_config : NULL;
	if (hwmon_open(&d->hwmon, d->loop, &cfg, on_hwmon, d, why,
	               sizeof(why)) < 0) {
		snprintf(err, errlen, "sensors: %s", why);
		return -1;
	}
	log_msg(&d->log, LOG_INFO, "sensors",
	        "watching lm-sensors every %llu ms",
	        (unsigned long long)cfg.interval_ms);
	return 0;
}

/* ---- life cycle ---- */

int hosthealth_init(struct rasd *d, char *err, size_t errlen)
{
	health_init(&d->health, d->policy.psu_redundant);
	d->health_announced = HEALTH_GREEN;
	if (loop_timer_create(d->loop, &d->health_timer, health_timer_fired,
	                      d) < 0) {
		snprintf(err, errlen, "health: timerfd: %s", strerror(errno));
		return -1;
	}
	if (strcmp(d->policy.ipmi_interface, "off") != 0 &&
	    bmc_start(d, err, errlen) < 0)
		return -1;
	if (d->policy.sensors_enable && hwmon_start(d, err, errlen) < 0)
		return -1;
	if (devices_init(d, err, errlen) < 0 || fwmem_init(d, err, errlen) < 0)
		return -1;
	d->health_announced = hosthealth_level(d, NULL, 0);
	return 0;
}

void hosthealth_fini(struct rasd *d)
{
	bmc_close(d->bmc);
	d->bmc = NULL;
	hwmon_close(d->hwmon);
	d->hwmon = NULL;
	free(d->sensor_rules);
	d->sensor_rules = NULL;
	devices_fini(d);
	fwmem_fini(d);
	loop_timer_destroy(d->health_timer);
	d->health_timer = NULL;
}

/* ---- rasctl ---- */

static void cond_json(struct json_object *arr, const char *source,
                      const char *component, enum health_level stated,
                      enum health_level effective, const char *reason,
                      uint64_t since, uint64_t until)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "source", json_object_new_string(source));
	json_object_object_add(o, "component",
	                       json_object_new_string(component));
	json_object_object_add(
	    o, "level", json_object_new_string(health_level_name(effective)));
	if (stated != effective)
		json_object_object_add(
		    o, "stated",
		    json_object_new_string(health_level_name(stated)));
	json_object_object_add(o, "reason", json_object_new_string(reason));
	if (since)
		json_object_object_add(o, "since_ms",
		                       json_object_new_int64((int64_t)since));
	if (until)
		json_object_object_add(o, "until_ms",
		                       json_object_new_int64((int64_t)until));
	json_object_array_add(arr, o);
}

void hosthealth_json(const struct rasd *d, struct json_object *out)
{
	char why[HEALTH_REASON_MAX];
	enum health_level l = hosthealth_level(d, why, sizeof(why));
	struct json_object *arr = json_object_new_array();
	enum health_level b;
	size_t i;

	json_object_object_add(out, "level",
	                       json_object_new_string(health_level_name(l)));
	json_object_object_add(out, "state",
	                       json_object_new_string(health_level_word(l)));
	json_object_object_add(out, "reason", json_object_new_string(why));
	b = base_level(d, why, sizeof(why));
	if (b != HEALTH_GREEN)
		cond_json(arr, "rasd", "host", b, b, why, 0, 0);
	for (i = 0; i < d->health.n; i++) {
		const struct health_condition *c = &d->health.cond[i];

		cond_json(arr, c->source, c->component, c->level,
		          health_effective(&d->health, i), c->reason,
		          c->since_ms, c->until_ms);
	}
	json_object_object_add(out, "conditions", arr);
	json_object_object_add(out, "actions",
	                       json_object_new_string(action_for(d, l)));
}

static struct json_object *limits_json(const struct hwmon_limits *lim)
{
	struct json_object *o = json_object_new_object();

	if (lim->has_min)
		json_object_object_add(o, "min",
		                       json_object_new_double(lim->min));
	if (lim->has_max)
		json_object_object_add(o, "max",
		                       json_object_new_double(lim->max));
	if (lim->has_crit)
		json_object_object_add(o, "crit",
		                       json_object_new_double(lim->crit));
	if (lim->has_lcrit)
		json_object_object_add(o, "lcrit",
		                       json_object_new_double(lim->lcrit));
	if (lim->has_policy_min)
		json_object_object_add(o, "policy_min",
		                       json_object_new_double(lim->policy_min));
	if (lim->has_policy_max)
		json_object_object_add(o, "policy_max",
		                       json_object_new_double(lim->policy_max));
	return o;
}

static void hwmon_readings_json(struct rasd *d, struct json_object *arr)
{
	struct hwmon_reading rd[128];
	size_t i, n = hwmon_readings(d->hwmon, rd, 128);

	for (i = 0; i < n && i < 128; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "source",
		                       json_object_new_string("sensors"));
		json_object_object_add(o, "chip",
		                       json_object_new_string(rd[i].chip));
		json_object_object_add(
		    o, "name",
		    json_object_new_string(rd[i].label[0] ? rd[i].label
		                                          : rd[i].feature));
		json_object_object_add(o, "feature",
		                       json_object_new_string(rd[i].feature));
		json_object_object_add(
		    o, "kind",
		    json_object_new_string(hwmon_kind_name(rd[i].kind)));
		if (!isnan(rd[i].value))
			json_object_object_add(
			    o, "value", json_object_new_double(rd[i].value));
		json_object_object_add(
		    o, "state",
		    json_object_new_string(hwmon_state_name(rd[i].state)));
		if (rd[i].dimm[0])
			json_object_object_add(
			    o, "dimm", json_object_new_string(rd[i].dimm));
		if (rd[i].detail[0])
			json_object_object_add(
			    o, "detail", json_object_new_string(rd[i].detail));
		json_object_object_add(o, "limits", limits_json(&rd[i].limits));
		json_object_array_add(arr, o);
	}
}

static void bmc_sensors_json(struct rasd *d, struct json_object *arr,
                             struct json_object *out)
{
	static const char *const thr[6] = {"lnc", "lc", "lnr",
	                                   "unc", "uc", "unr"};
	struct bmc_status *st = calloc(1, sizeof(*st));
	unsigned i, k;

	if (st == NULL || bmc_status(d->bmc, st) < 0) {
		free(st);
		return;
	}
	for (i = 0; i < st->nsensors && i < BMC_STATUS_SENSORS; i++) {
		const struct bmc_sensor_status *s = &st->sensors[i];
		struct json_object *o = json_object_new_object();
		struct json_object *lim = json_object_new_object();

		json_object_object_add(o, "source",
		                       json_object_new_string("ipmi"));
		json_object_object_add(o, "name",
		                       json_object_new_string(s->name));
		json_object_object_add(
		    o, "kind", json_object_new_string(bmc_class_name(s->cls)));
		json_object_object_add(o, "unit",
		                       json_object_new_string(s->unit));
		if (s->have_value)
			json_object_object_add(
			    o, "value", json_object_new_double(s->value));
		json_object_object_add(
		    o, "state",
		    json_object_new_string(s->state == 0 ? "ok" : "crossed"));
		for (k = 0; k < 6; k++)
			if (s->have[k])
				json_object_object_add(
				    lim, thr[k],
				    json_object_new_double(s->thr[k]));
		json_object_object_add(o, "limits", lim);
		json_object_array_add(arr, o);
	}
	json_object_object_add(out, "bmc_connected",
	                       json_object_new_boolean(st->connected));
	json_object_object_add(out, "sel_entries",
	                       json_object_new_int64(st->sel_entries));
	json_object_object_add(out, "sel_free_bytes",
	                       json_object_new_int64(st->sel_free_bytes));
	json_object_object_add(out, "sel_read",
	                       json_object_new_int64((int64_t)st->sel_read));
	json_object_object_add(out, "bmc_error",
	                       json_object_new_string(st->last_error));
	free(st);
}

void hosthealth_sensors_json(struct rasd *d, struct json_object *out)
{
	struct json_object *arr = json_object_new_array();

	if (d->hwmon != NULL)
		hwmon_readings_json(d, arr);
	if (d->bmc != NULL)
		bmc_sensors_json(d, arr, out);
	json_object_object_add(out, "sensors", arr);
	json_object_object_add(out, "lm_sensors",
	                       json_object_new_boolean(d->hwmon != NULL));
	json_object_object_add(out, "ipmi",
	                       json_object_new_boolean(d->bmc != NULL));
}

void hosthealth_dimm_temps(struct rasd *d)
{
	struct hwmon_reading *rd;
	struct dimm_health *h;
	size_t k, n;
	int32_t i;

	if (d->hwmon == NULL || (rd = calloc(128, sizeof(*rd))) == NULL)
		return;
	n = hwmon_readings(d->hwmon, rd, 128);
	for (k = 0; k < n && k < 128; k++) {
		if (rd[k].kind != HWMON_TEMP || isnan(rd[k].value) ||
		    (i = dimm_by_label(d, rd[k].dimm)) < 0)
			continue;
		h = &d->dimm_health[i];
		h->have_temp = true;
		h->temp_c = rd[k].value;
		snprintf(h->temp_source, sizeof(h->temp_source),
		         "sensors %s %s", rd[k].chip, rd[k].feature);
	}
	free(rd);
}

static void hook_done(struct rasd *d, const struct hv_event *ev)
{
	int st = ev->error;
	bool ok = st >= 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0;

	d->hook_in_parent = false;
	if (ev->online)
		log_msg(&d->log, LOG_WARNING, "health",
		        "hook %s killed at its deadline (%llu ms)%s%s",
		        d->policy.health_hook,
		        (unsigned long long)d->policy.health_hook_timeout_ms,
		        ev->detail[0] ? ": " : "", ev->detail);
	else if (!ok)
		log_msg(&d->log, LOG_WARNING, "health", "hook %s %s %d%s%s",
		        d->policy.health_hook,
		        st < 0          ? "could not start, status"
		        : WIFEXITED(st) ? "exited with status"
		                        : "was killed by signal",
		        st < 0          ? -1
		        : WIFEXITED(st) ? WEXITSTATUS(st)
		                        : WTERMSIG(st),
		        ev->detail[0] ? ": " : "", ev->detail);
	else if (ev->detail[0] != '\0')
		log_msg(&d->log, LOG_INFO, "health", "hook %s said: %s",
		        d->policy.health_hook, ev->detail);
	hook_run_pending(d);
}

void hosthealth_on_hv_event(struct rasd *d, const struct hv_event *ev)
{
	struct journal_health_event he;
	char comp[64];

	if (ev->type == HV_EVENT_HOOK_DONE) {
		hook_done(d, ev);
		return;
	}
	if (ev->type == HV_EVENT_DEVICE_ERROR) {
		devices_on_error(d, &ev->dev);
		return;
	}
	if (ev->type == HV_EVENT_FIRMWARE_MEMORY) {
		fwmem_on_event(d, ev);
		return;
	}
	if (ev->type == HV_EVENT_EDAC_MEMORY) {
		fwmem_on_edac(d, ev);
		return;
	}
	if (ev->type == HV_EVENT_SOURCE_ERROR) {
		log_msg(&d->log, LOG_ERR, "rasd", "record source: %s%s%s",
		        ev->detail, ev->error ? ": " : "",
		        ev->error ? strerror(ev->error) : "");
		health_set(&d->health, HEALTH_GENERIC, "telemetry",
		           "record source", HEALTH_YELLOW, ev->detail,
		           clock_now_ms(&d->clock),
		           d->policy.health_ue_hold_ms);
		telemetry_update(d);
		return;
	}
	snprintf(comp, sizeof(comp), "page 0x%llx",
	         (unsigned long long)ev->pfn);
	health_event_init(&he, "kernel", "memory", "critical", comp);
	snprintf(he.what, sizeof(he.what), "memory_failure");
	snprintf(he.detail, sizeof(he.detail), "%s", ev->detail);
	if (journal_begin(d->journal) == 0) {
		health_journal(d, &he);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_WARNING, "kernel",
	        "memory_failure on page 0x%llx: %s",
	        (unsigned long long)ev->pfn, ev->detail);
	telemetry_update(d);
}

/* evacuate.c - moving guests off a failing DIMM or host: one journaled
 * evacuation per guest, tried peer by peer within the policy's limits. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_int.h"

/* ---- the jobs ---- */

static bool job_active(const struct evac_job *j)
{
	return j->row.state == EVAC_QUEUED || j->row.state == EVAC_RUNNING;
}

struct evac_job *evac_job_of_domid(struct rasd *d, uint32_t domid)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].row.domid == domid && job_active(&d->jobs[i]))
			return &d->jobs[i];
	return NULL;
}

static struct evac_job *job_push(struct rasd *d)
{
	struct evac_job *j;

	if (d->n_jobs == d->cap_jobs) {
		size_t cap = d->cap_jobs ? d->cap_jobs * 2 : 16;

		j = realloc(d->jobs, cap * sizeof(*j));
		if (j == NULL)
			return NULL;
		d->jobs = j;
		d->cap_jobs = cap;
	}
	j = &d->jobs[d->n_jobs++];
	memset(j, 0, sizeof(*j));
	return j;
}

int32_t dimm_index_of(const struct rasd *d, const char *label)
{
	size_t i;

	for (i = 0; i < d->n_dimms; i++)
		if (strcmp(d->dimms[i].label, label) == 0)
			return (int32_t)i;
	return -1;
}

struct evac_job *evac_job_load(struct rasd *d,
                               const struct journal_evacuation *e)
{
	struct evac_job *j = job_push(d);

	if (j == NULL)
		return NULL;
	j->row = *e;
	j->dimm = dimm_index_of(d, e->component);
	return j;
}

int evac_job_save(struct rasd *d, struct evac_job *j)
{
	j->row.updated_ms = clock_now_ms(&d->clock);
	if (journal_evacuation_update(d->journal, &j->row) == 0)
		return 0;
	log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
	        journal_error(d->journal));
	return -1;
}

/* A queued move, journaled in the caller's batch; dimm -1: off the host. */
struct evac_job *evac_plan(struct rasd *d, uint32_t domid, int32_t dimm,
                           int64_t verdict_id, int64_t event_id, uint32_t seq,
                           const char *why)
{
	struct journal_evacuation e;
	struct evac_job *j;

	if (domid == 0)
		return NULL;
	j = evac_job_of_domid(d, domid);
	if (j != NULL)
		return j;
	memset(&e, 0, sizeof(e));
	e.verdict_id = verdict_id;
	e.event_id = event_id;
	e.seq = seq;
	e.domid = domid;
	rasd_domain_name(d, domid, e.guest, sizeof(e.guest));
	snprintf(e.component, sizeof(e.component), "%s",
	         dimm >= 0 ? d->dimms[dimm].label : "host");
	snprintf(e.reason, sizeof(e.reason), "%s", why);
	e.state = EVAC_QUEUED;
	e.created_ms = e.updated_ms = clock_now_ms(&d->clock);
	if (journal_evacuation_add(d->journal, &e) < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "journal refused the evacuation of dom%u, not "
		        "planning it: %s",
		        domid, journal_error(d->journal));
		return NULL;
	}
	j = evac_job_load(d, &e);
	if (j != NULL)
		log_msg(&d->log, LOG_NOTICE, "action",
		        "evacuate %s (dom%u): %s", e.guest, domid, why);
	return j;
}

void evac_recommend(struct rasd *d, uint32_t domid, int32_t dimm,
                    int64_t verdict_id, int64_t event_id, const char *reason)
{
	struct journal_action a;

	memset(&a, 0, sizeof(a));
	a.kind = ACTION_MIGRATE;
	a.state = ACTION_RECOMMENDED;
	a.target = domid;
	a.event_id = event_id;
	a.verdict_id = verdict_id;
	snprintf(a.component, sizeof(a.component), "%s",
	         dimm >= 0 ? d->dimms[dimm].label : "host");
	snprintf(a.reason, sizeof(a.reason), "%s", reason);
	action_record(d, &a);
	log_msg(&d->log, LOG_NOTICE, "action", "recommend: %s", a.reason);
}

const char *actions_job_name(const struct rasd *d, uint64_t domid)
{
	size_t i;

	for (i = d->n_jobs; i > 0; i--)
		if (d->jobs[i - 1].row.domid == domid &&
		    d->jobs[i - 1].row.guest[0] != '\0')
			return d->jobs[i - 1].row.guest;
	return NULL;
}

/* ---- timed memory: the rate window and refused peers ---- */

/* Running, or waiting for the target command: both hold a slot. */
static size_t jobs_running(const struct rasd *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_jobs; i++)
		n +=
		    d->jobs[i].row.state == EVAC_RUNNING || d->jobs[i].choosing;
	return n;
}

/* 0 means the rate limit allows a start now. */
static uint64_t rate_limit_wait_ms(struct rasd *d, uint64_t now)
{
	size_t i, n = 0;
	uint64_t oldest = UINT64_MAX;

	for (i = 0; i < d->n_evac_starts; i++) {
		uint64_t t = d->evac_starts[i];

		if (now - t < HOUR_MS) {
			n++;
			if (t < oldest)
				oldest = t;
		}
	}
	if (n < d->policy.evac_max_per_hour)
		return 0;
	return oldest + HOUR_MS - now;
}

static void rate_limit_note(struct rasd *d, uint64_t t)
{
	size_t i, slots = sizeof(d->evac_starts) / sizeof(d->evac_starts[0]);

	if (d->n_evac_starts < slots) {
		d->evac_starts[d->n_evac_starts++] = t;
		return;
	}
	/* Replace the oldest: only the last hour matters. */
	for (i = 1; i < slots; i++)
		d->evac_starts[i - 1] = d->evac_starts[i];
	d->evac_starts[slots - 1] = t;
}

static void backoff_key(const char *peer, char *buf, size_t len)
{
	snprintf(buf, len, "evac.backoff.%s", peer);
}

void evac_backoff_set(struct rasd *d, size_t peer, uint64_t until_ms)
{
	char key[96], value[24];

	d->peer_avoid_until[peer] = until_ms;
	backoff_key(d->policy.peers[peer], key, sizeof(key));
	snprintf(value, sizeof(value), "%" PRIu64, until_ms);
	if (journal_meta_set(d->journal, key, value) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
}

/* The journal remembers what the last life was waiting for. */
int evac_timers_load(struct rasd *d)
{
	uint64_t now = clock_now_ms(&d->clock), starts[64];
	char key[96], value[24];
	size_t i, n = 0;

	for (i = 0; i < d->policy.n_peers && i < POLICY_MAX_PEERS; i++) {
		backoff_key(d->policy.peers[i], key, sizeof(key));
		if (journal_meta_get(d->journal, key, value, sizeof(value)) ==
		    1)
			d->peer_avoid_until[i] = strtoull(value, NULL, 10);
	}
	if (journal_migrate_starts(d->journal,
	                           now > HOUR_MS ? now - HOUR_MS : 0, starts,
	                           64, &n) < 0)
		return -1;
	d->n_evac_starts = 0;
	for (i = 0; i < n; i++)
		rate_limit_note(d, starts[i]);
	return 0;
}

/* First untried peer not being avoided; else the first untried one. */
static int peer_choose(struct rasd *d, const struct evac_job *j, uint64_t now)
{
	size_t i;
	int fallback = -1;

	for (i = 0; i < d->policy.n_peers && i < 32; i++) {
		if (j->tried & (1u << i))
			continue;
		if (d->peer_avoid_until[i] <= now)
			return (int)i;
		if (fallback < 0)
			fallback = (int)i;
	}
	return fallback;
}

/* ---- a DIMM's end ---- */

void evac_dimm_check(struct rasd *d, int32_t dimm)
{
	struct dimm_health *h;
	bool failed = false;
	size_t i;

	if (dimm < 0)
		return;
	for (i = 0; i < d->n_jobs; i++) {
		if (d->jobs[i].dimm != dimm)
			continue;
		if (job_active(&d->jobs[i]))
			return;
		failed |= d->jobs[i].row.state == EVAC_FAILED;
	}
	h = &d->dimm_health[dimm];
	snprintf(h->state, sizeof(h->state), "%s",
	         failed ? "failing" : "evacuated");
	component_set(d, "dimm", d->dimms[dimm].label, h->state,
	              failed ? "evacuation incomplete: a guest could not move"
	                     : "every guest moved off");
	log_msg(&d->log, failed ? LOG_ERR : LOG_NOTICE, "action", "DIMM %s: %s",
	        d->dimms[dimm].label,
	        failed ? "evacuation incomplete" : "evacuated");
}

/* ---- attempts ---- */

/* The attempt's journal row, as it now stands, into a notice. */
static void notify_migration(struct rasd *d, int64_t action, const char *msgid,
                             int prio, const char *text)
{
	struct journal_action a;

	if (journal_action_get(d->journal, action, &a) < 0)
		return;
	notify_action(d, msgid, prio, &a, text);
}

/* why: the evacuation's detail; logwhy: what the log and notice say. */
static void job_give_up(struct rasd *d, struct evac_job *j, const char *why,
                        const char *logwhy)
{
	char name[32];
	struct notice n;

	j->row.state = EVAC_FAILED;
	snprintf(j->row.detail, sizeof(j->row.detail), "%s", why);
	snprintf(name, sizeof(name), "%u", j->row.domid);
	if (journal_begin(d->journal) == 0) {
		evac_job_save(d, j);
		component_set(d, "guest", name, "stranded", j->row.detail);
		evac_dimm_check(d, j->dimm);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_ERR, "action",
	        "evacuation of %s (dom%u) failed: %s%s", j->row.guest,
	        j->row.domid, logwhy,
	        d->policy.n_peers == 0 && d->policy.evac_target_command[0] == 0
	            ? " ([evacuation] peers is empty)"
	            : "");
	rasd_notice_start(d, &n, "EVACFAIL", LOG_ERR,
	                  "evacuation of %s (dom%u) failed: %s", j->row.guest,
	                  j->row.domid, logwhy);
	notice_add(&n, "domain", "%u", j->row.domid);
	notice_add(&n, "count", "%u", j->row.attempts);
	if (j->dimm >= 0)
		notice_add(&n, "dimm", "%s", d->dimms[j->dimm].label);
	telemetry_notice(d, &n);
}

/* The guest left by other means: nothing for rasd to move. */
static void job_gone(struct rasd *d, struct evac_job *j)
{
	j->row.state = EVAC_GONE;
	snprintf(j->row.detail, sizeof(j->row.detail),
	         "dom%u is no longer on this host: not moved by rasd",
	         j->row.domid);
	if (journal_begin(d->journal) == 0) {
		evac_job_save(d, j);
		evac_dimm_check(d, j->dimm);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_WARNING, "action", "evacuation of %s: %s",
	        j->row.guest, j->row.detail);
}

static int peer_index(const struct rasd *d, const char *peer)
{
	size_t i;

	for (i = 0; i < d->policy.n_peers && i < 32; i++)
		if (strcmp(d->policy.peers[i], peer) == 0)
			return (int)i;
	return -1;
}

/* A start the hypervisor refused: the attempt failed, the job waits. */
static void attempt_refused(struct rasd *d, struct evac_job *j,
                            const struct journal_action *a)
{
	char detail[256];

	snprintf(detail, sizeof(detail), "could not start: %s", d->hv->err);
	if (journal_begin(d->journal) == 0) {
		action_finish(d, a->id, ACTION_FAILED, detail);
		j->row.state = EVAC_QUEUED;
		evac_job_save(d, j);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_ERR, "action", "migrate %s (dom%u) -> %s: %s",
	        j->row.guest, j->row.domid, a->peer, detail);
}

/*
 * Ask the hypervisor for a journaled, durable attempt. Also how an
 * attempt intended before a restart, that the hypervisor never got, is
 * asked again: the same row, no second attempt.
 */
static int attempt_ask(struct rasd *d, struct evac_job *j,
                       const struct journal_action *a, uint64_t now)
{
	uint64_t id = 0;

	crash_point(d, CRASH_INTENT);
	if (d->hv->ops->migrate_start(d->hv, j->row.domid, a->peer, &id) < 0) {
		attempt_refused(d, j, a);
		return -1;
	}
	j->migration_id = id;
	rate_limit_note(d, now);
	if (journal_action_started(d->journal, a->id, ACTION_RUNNING, now, id,
	                           "migration started") < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
	log_msg(&d->log, LOG_NOTICE, "action",
	        "migrate %s (dom%u) -> %s started (attempt %u)", j->row.guest,
	        j->row.domid, a->peer, a->attempt);
	return 0;
}

/*
 * -1: the attempt failed (try the next peer); -2: stop (the journal).
 * idx: the peer's place in [evacuation] peers, -1 when the target
 * command named it.
 */
static int attempt_start(struct rasd *d, struct evac_job *j, const char *peer,
                         int idx, uint64_t now)
{
	struct journal_action a;

	memset(&a, 0, sizeof(a));
	a.kind = ACTION_MIGRATE;
	a.state = ACTION_INTENDED;
	a.target = j->row.domid;
	a.attempt = j->row.attempts + 1;
	a.parent_id = j->row.first_action;
	a.job_id = j->row.id;
	a.verdict_id = j->row.verdict_id;
	a.event_id = j->row.event_id;
	snprintf(a.peer, sizeof(a.peer), "%s", peer);
	snprintf(a.component, sizeof(a.component), "%s", j->row.component);
	snprintf(a.reason, sizeof(a.reason), "evacuate %s (dom%u) off %s",
	         j->row.guest, j->row.domid, a.component);
	if (journal_begin(d->journal) < 0 || action_record(d, &a) < 0) {
		journal_rollback(d->journal);
		return -2;
	}
	j->row.attempts = a.attempt;
	if (j->row.first_action == 0)
		j->row.first_action = a.id;
	j->row.action_id = a.id;
	j->row.state = EVAC_RUNNING;
	/* The intent is on disk before the hypervisor is asked. */
	if (evac_job_save(d, j) < 0 || journal_commit(d->journal) < 0 ||
	    journal_sync(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "migrate %s (dom%u): the journal cannot keep the "
		        "intent, not asking: %s",
		        j->row.guest, j->row.domid, journal_error(d->journal));
		journal_rollback(d->journal);
		j->row.state = EVAC_QUEUED;
		return -2;
	}
	if (idx >= 0)
		j->tried |= 1u << idx;
	j->peer = idx >= 0 ? (size_t)idx : 0;
	snprintf(j->attempt_peer, sizeof(j->attempt_peer), "%s", peer);
	return attempt_ask(d, j, &a, now);
}

static bool rate_limited(struct rasd *d, uint64_t now)
{
	uint64_t wait = rate_limit_wait_ms(d, now);

	if (wait == 0)
		return false;
	log_msg(&d->log, LOG_NOTICE, "action",
	        "evacuation rate limit (%u per hour): next migration in %llus",
	        d->policy.evac_max_per_hour, (unsigned long long)(wait / 1000));
	loop_timer_arm(d->evac_timer,
	               clock_real_ns_until(&d->clock, now + wait));
	return true;
}

/* The orchestrator names peers while it can; then the peers list. */
#define TARGET_MAX_ASKS 3

static bool job_asks_command(const struct rasd *d, const struct evac_job *j)
{
	return d->policy.evac_target_command[0] != '\0' && !j->command_failed &&
	       j->asked < TARGET_MAX_ASKS;
}

/* One queued job: a peer that takes it, or the end of the peers. */
static int job_pump(struct rasd *d, struct evac_job *j, uint64_t now)
{
	struct hv_domain dom;
	int peer, rc = -1;

	if (j->choosing)
		return 0;
	if (rasd_domain_find(d, j->row.domid, &dom) == 0) {
		job_gone(d, j);
		return 0;
	}
	if (job_asks_command(d, j)) {
		j->asked++;
		if (target_ask(d, j) == 0) {
			j->choosing = true;
			return 0;
		}
		log_msg(&d->log, LOG_ERR, "action",
		        "cannot run [evacuation] target_command %s: using the "
		        "peers list",
		        d->policy.evac_target_command);
		j->command_failed = true;
	}
	/* Failed starts mark the peer tried; loop to the next one. */
	while ((peer = peer_choose(d, j, now)) >= 0) {
		rc = attempt_start(d, j, d->policy.peers[peer], peer, now);
		if (rc != -1)
			break;
	}
	if (rc == -2)
		return -1;
	if (peer < 0)
		job_give_up(d, j, "no peer accepted the guest",
		            "no peer left to try");
	return 0;
}

static struct evac_job *job_of_id(struct rasd *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].row.id == id)
			return &d->jobs[i];
	return NULL;
}

void evac_target_answer(struct rasd *d, int64_t job_id, const char *peer,
                        const char *why)
{
	struct evac_job *j = job_of_id(d, job_id);

	if (j == NULL || !j->choosing)
		return;
	j->choosing = false;
	if (peer == NULL) {
		log_msg(&d->log, LOG_WARNING, "action",
		        "target command for %s (dom%u): %s; using the peers "
		        "list",
		        j->row.guest, j->row.domid, why);
		j->command_failed = true;
	} else if (strcmp(peer, "none") == 0) {
		job_give_up(d, j, "the target command named no peer",
		            "the target command named no peer");
	} else {
		log_msg(&d->log, LOG_NOTICE, "action",
		        "target command: %s (dom%u) goes to %s", j->row.guest,
		        j->row.domid, peer);
		attempt_start(d, j, peer, peer_index(d, peer),
		              clock_now_ms(&d->clock));
	}
	evac_pump(d);
}

void evac_pump(struct rasd *d)
{
	uint64_t now = clock_now_ms(&d->clock);
	size_t i;

	for (i = 0; i < d->n_jobs; i++) {
		if (d->jobs[i].row.state != EVAC_QUEUED)
			continue;
		if (jobs_running(d) >= d->policy.evac_concurrent ||
		    rate_limited(d, now))
			return;
		if (job_pump(d, &d->jobs[i], now) < 0)
			return;
	}
}

bool actions_busy(const struct rasd *d)
{
	size_t i;

	if (d->n_runnable > 0)
		return true;
	for (i = 0; i < d->n_jobs; i++)
		if (job_active(&d->jobs[i]))
			return true;
	return false;
}

/* ---- outcomes ---- */

/*
 * Pages that were pending on a guest's frames may be gone now. One the
 * hypervisor still calls online was never given to it (the backend
 * deferred it while a PV guest held it: see xen_page_offline): now that
 * a guest has left, it is asked; a free frame goes at once.
 */
static void pages_recheck(struct rasd *d)
{
	struct journal_component c;
	struct hv_page_status st;
	char name[32], detail[160];
	uint64_t mfn;
	size_t i = 0;

	while (pageset_next(&d->acted_pages, &i, &mfn)) {
		const char *how = "its owner released it";

		snprintf(name, sizeof(name), "0x%llx", (unsigned long long)mfn);
		if (journal_component_get(d->journal, "page", name, &c) < 0 ||
		    strcmp(c.state, "pending") != 0)
			continue;
		if (d->hv->ops->page_query(d->hv, mfn, &st) < 0)
			continue;
		if (st.state == HV_PAGE_ONLINE) {
			if (d->hv->ops->page_offline(d->hv, mfn, &st) < 0) {
				log_msg(&d->log, LOG_ERR, "action",
				        "page %s: offline after its owner "
				        "left: %s",
				        name, d->hv->err);
				continue;
			}
			if (st.deferred)
				log_msg(&d->log, LOG_NOTICE, "action",
				        "page %s still deferred: dom%u holds "
				        "it now",
				        name, st.domid);
			how = "asked once its owner had left";
		}
		if (st.state != HV_PAGE_OFFLINED)
			continue;
		snprintf(detail, sizeof(detail), "offline: %s (status 0x%x)",
		         how, st.raw);
		component_set(d, "page", name, "offline", detail);
		log_msg(&d->log, LOG_NOTICE, "action", "page %s is now %s",
		        name, detail);
	}
}

/* "live, 840 ms down" for the detail; "" when the backend said nothing. */
static void migration_how(enum hv_migration_mode mode, uint64_t downtime_ms,
                          char *buf, size_t len)
{
	if (mode == HV_MODE_UNKNOWN) {
		buf[0] = '\0';
		return;
	}
	if (downtime_ms == 0) {
		snprintf(buf, len, ", %s", hv_migration_mode_name(mode));
		return;
	}
	snprintf(buf, len, ", %s, %llu ms down", hv_migration_mode_name(mode),
	         (unsigned long long)downtime_ms);
}

/* The outcome's numbers in the attempt's row, before it is finished. */
static void migration_record(struct rasd *d, const struct evac_job *j,
                             uint32_t progress, enum hv_migration_mode mode,
                             uint64_t downtime_ms)
{
	struct journal_action a;

	if (journal_action_get(d->journal, j->row.action_id, &a) < 0)
		return;
	if (mode == HV_MODE_UNKNOWN)
		mode = strcmp(a.mode, "live") == 0        ? HV_MODE_LIVE
		       : strcmp(a.mode, "suspended") == 0 ? HV_MODE_SUSPENDED
		                                          : HV_MODE_UNKNOWN;
	if (progress < a.progress)
		progress = a.progress;
	if (journal_action_migration(d->journal, a.id, progress,
	                             hv_migration_mode_name(mode), downtime_ms,
	                             clock_now_ms(&d->clock)) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
}

static void migration_done(struct rasd *d, struct evac_job *j, const char *peer,
                           const char *how, enum hv_migration_mode mode,
                           uint64_t downtime_ms)
{
	char detail[256], name[32], said[48];

	migration_how(mode, downtime_ms, said, sizeof(said));
	snprintf(detail, sizeof(detail), "%s (dom%u) now runs on %s%s%s",
	         j->row.guest, j->row.domid, peer, said, how);
	snprintf(name, sizeof(name), "%u", j->row.domid);
	j->row.state = EVAC_DONE;
	snprintf(j->row.detail, sizeof(j->row.detail), "now runs on %s", peer);
	if (journal_begin(d->journal) == 0) {
		migration_record(d, j, 100, mode, downtime_ms);
		action_finish(d, j->row.action_id, ACTION_DONE, detail);
		evac_job_save(d, j);
		component_set(d, "guest", name, "evacuated", detail);
		pages_recheck(d);
		evac_dimm_check(d, j->dimm);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_NOTICE, "action",
	        "migrate %s (dom%u) -> %s done%s%s", j->row.guest, j->row.domid,
	        peer, said, how);
	notify_migration(d, j->row.action_id, "EVAC", LOG_WARNING, detail);
}

static void migration_failed(struct rasd *d, struct evac_job *j,
                             const char *peer, const char *why)
{
	uint64_t now = clock_now_ms(&d->clock);
	uint64_t backoff = d->policy.evac_refused_backoff_ms;
	int p = peer_index(d, peer);

	j->row.state = EVAC_QUEUED;
	if (journal_begin(d->journal) == 0) {
		action_finish(d, j->row.action_id, ACTION_FAILED, why);
		if (p >= 0)
			evac_backoff_set(d, (size_t)p, now + backoff);
		evac_job_save(d, j);
		journal_commit(d->journal);
	}
	log_msg(&d->log, LOG_WARNING, "action",
	        "migrate %s (dom%u) -> %s failed: %s; %s is tried last for "
	        "%llu min",
	        j->row.guest, j->row.domid, peer, why, peer,
	        (unsigned long long)(backoff / 60000));
	notify_migration(d, j->row.action_id, "EVACFAIL", LOG_WARNING, why);
}

static struct evac_job *job_of_migration(struct rasd *d, uint64_t id)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].row.state == EVAC_RUNNING &&
		    d->jobs[i].migration_id == id)
			return &d->jobs[i];
	return NULL;
}

/* Someone else (xen-hptool, an admin) took a CPU down or brought it
 * back: the safety rules must count what is really online. */
static void cpu_changed(struct rasd *d, const struct hv_event *ev)
{
	char name[16];

	log_msg(&d->log, LOG_NOTICE, "rasd",
	        "the hypervisor reports a CPU change: %s", ev->detail);
	if (rasd_cpu_find(d, ev->cpu) == NULL ||
	    cpu_offline_is_online(d->cpus, ev->cpu) == ev->online)
		return;
	cpu_offline_set_online(d->cpus, ev->cpu, ev->online);
	snprintf(name, sizeof(name), "%u", ev->cpu);
	component_set(d, "cpu", name, ev->online ? "online" : "offline",
	              "changed outside rasd");
	telemetry_update(d);
}

/* A guest came in: the receiving end of someone's evacuation. */
static void guest_arrived(struct rasd *d, const struct hv_event *ev)
{
	char name[32], detail[160];

	snprintf(name, sizeof(name), "%u", ev->domid);
	snprintf(detail, sizeof(detail), "%s arrived: migrated to this host",
	         ev->detail);
	component_set(d, "guest", name, "arrived", detail);
	log_msg(&d->log, LOG_NOTICE, "rasd", "guest %s (dom%u) arrived",
	        ev->detail, ev->domid);
}

/* ev NULL: a timer asks to look at the queue again. */
void actions_on_hv_event(struct rasd *d, const struct hv_event *ev)
{
	struct evac_job *j;
	const char *peer;

	if (ev == NULL) {
		evac_pump(d);
		return;
	}
	if (ev->type == HV_EVENT_DOMAIN_ARRIVED) {
		guest_arrived(d, ev);
		return;
	}
	if (ev->type == HV_EVENT_CPU_CHANGED) {
		cpu_changed(d, ev);
		return;
	}
	/* Not ours, or already settled when a restart asked about it. */
	j = job_of_migration(d, ev->migration_id);
	if (j == NULL)
		return;
	if (ev->type == HV_EVENT_MIGRATION_PROGRESS) {
		migration_record(d, j, ev->progress_pct, ev->mode, 0);
		return;
	}
	peer = ev->peer[0] ? ev->peer : j->attempt_peer;
	if (ev->type == HV_EVENT_MIGRATION_DONE)
		migration_done(d, j, peer, "", ev->mode, ev->downtime_ms);
	else
		migration_failed(d, j, j->attempt_peer,
		                 ev->detail[0] ? ev->detail
		                               : strerror(ev->error));
	evac_pump(d);
}

/* ---- after a restart ---- */

/* Whether a migration the hypervisor reports is the attempt's own. */
static bool migration_is_attempt(const struct hv_migration *m,
                                 const struct journal_action *a)
{
	return m->state != HV_MIGRATION_NONE && strcmp(m->peer, a->peer) == 0 &&
	       (a->handle == 0 || a->handle == m->id);
}

static void resume_settle(struct rasd *d, struct evac_job *j,
                          const struct journal_action *a,
                          const struct hv_migration *m)
{
	char why[200];

	if (m->state == HV_MIGRATION_DONE) {
		migration_done(d, j, a->peer, " (found done after a restart)",
		               m->mode, m->downtime_ms);
		return;
	}
	snprintf(why, sizeof(why), "%s (found after a restart)",
	         m->detail[0] ? m->detail : strerror(m->error));
	migration_failed(d, j, a->peer, why);
}

/* The hypervisor cannot say: the guest's presence is all there is. */
static void resume_blind(struct rasd *d, struct evac_job *j,
                         struct journal_action *a)
{
	struct hv_domain dom;
	int here = rasd_domain_find(d, j->row.domid, &dom);

	if (here == 0) {
		migration_done(d, j, a->peer,
		               " (the guest had left when rasd restarted)",
		               HV_MODE_UNKNOWN, 0);
		return;
	}
	if (a->state == ACTION_INTENDED) {
		attempt_ask(d, j, a, clock_now_ms(&d->clock));
		return;
	}
	migration_failed(d, j, a->peer,
	                 "interrupted by a restart: the hypervisor cannot say "
	                 "how it ended");
}

void evac_resume_attempt(struct rasd *d, struct journal_action *a)
{
	struct evac_job *j = NULL;
	struct hv_migration m;
	size_t i;
	int rc = -EOPNOTSUPP, p = peer_index(d, a->peer);

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].row.id == a->job_id)
			j = &d->jobs[i];
	if (j == NULL || !job_active(j) || j->row.action_id != a->id) {
		action_finish(
		    d, a->id, ACTION_FAILED,
		    "interrupted by a restart; no evacuation holds it");
		return;
	}
	j->row.state = EVAC_RUNNING;
	j->peer = p >= 0 ? (size_t)p : 0;
	snprintf(j->attempt_peer, sizeof(j->attempt_peer), "%s", a->peer);
	if (d->hv->ops->migration_query != NULL)
		rc = d->hv->ops->migration_query(d->hv, j->row.domid, &m);
	if (rc == -EOPNOTSUPP) {
		resume_blind(d, j, a);
		return;
	}
	if (rc < 0) {
		migration_failed(d, j, a->peer, d->hv->err);
		return;
	}
	if (!migration_is_attempt(&m, a)) {
		/* Intended, never asked: ask now, on the same row. */
		if (a->state == ACTION_INTENDED)
			attempt_ask(d, j, a, clock_now_ms(&d->clock));
		else
			migration_failed(d, j, a->peer,
			                 "the hypervisor knows no such "
			                 "migration after a restart");
		return;
	}
	if (m.state != HV_MIGRATION_RUNNING) {
		resume_settle(d, j, a, &m);
		return;
	}
	j->migration_id = m.id;
	if (a->state == ACTION_INTENDED)
		journal_action_started(d->journal, a->id, ACTION_RUNNING,
		                       clock_now_ms(&d->clock), m.id,
		                       "migration started");
	log_msg(&d->log, LOG_NOTICE, "action",
	        "migrate %s (dom%u) -> %s still running after a restart",
	        j->row.guest, j->row.domid, a->peer);
}

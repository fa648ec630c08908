/* actions.c - from verdict to deed: page offline, CPU offline and guest
 * evacuation, each journaled as intended before it runs and done after. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasd.h"

/* A peer that refused a migration is tried last for this long. */
#define PEER_AVOID_MS (10ull * 60 * 1000)
#define HOUR_MS       (3600ull * 1000)

/* "24h", "90m", "45s": windows as the policy file writes them. */
static const char *window_text(uint64_t ms, char *buf, size_t len)
{
	if (ms % 86400000 == 0 && ms / 86400000 > 1)
		snprintf(buf, len, "%llud",
		         (unsigned long long)(ms / 86400000));
	else if (ms % 3600000 == 0)
		snprintf(buf, len, "%lluh", (unsigned long long)(ms / 3600000));
	else if (ms % 60000 == 0)
		snprintf(buf, len, "%llum", (unsigned long long)(ms / 60000));
	else if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
	return buf;
}

static enum policy_action effective(const struct rasd *d, enum policy_action a)
{
	if (a == POLICY_ACT && d->policy.recommend_only)
		return POLICY_RECOMMEND;
	return a;
}

static void component_set(struct rasd *d, const char *kind, const char *name,
                          const char *state, const char *detail)
{
	struct journal_component c;

	memset(&c, 0, sizeof(c));
	journal_component_get(d->journal, kind, name, &c);
	snprintf(c.kind, sizeof(c.kind), "%s", kind);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.state, sizeof(c.state), "%s", state);
	snprintf(c.detail, sizeof(c.detail), "%s", detail ? detail : "");
	c.updated_ms = clock_now_ms(&d->clock);
	if (journal_component_set(d->journal, &c) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
}

/* Write an action row; on a journal failure nothing may run. */
static int action_record(struct rasd *d, struct journal_action *a)
{
	a->created_ms = a->updated_ms = clock_now_ms(&d->clock);
	if (journal_action_add(d->journal, a) == 0)
		return 0;
	log_msg(&d->log, LOG_ERR, "action",
	        "journal refused %s of %llu, not acting: %s",
	        action_kind_name(a->kind), (unsigned long long)a->target,
	        journal_error(d->journal));
	return -1;
}

static void action_finish(struct rasd *d, int64_t id, enum action_state st,
                          const char *detail)
{
	if (journal_action_update(d->journal, id, st, clock_now_ms(&d->clock),
	                          detail) < 0)
		log_msg(&d->log, LOG_ERR, "action", "journal: %s",
		        journal_error(d->journal));
}

/*
 * One notice per action outcome, carrying the journal's action id; a
 * page offline also says whose page it was (st may be NULL).
 */
static void notify_action_page(struct rasd *d, const char *msgid, int prio,
                               const struct journal_action *a, const char *text,
                               const struct hv_page_status *st)
{
	struct notice n;
	int32_t dimm;

	rasd_notice_start(d, &n, msgid, prio, "%s", text);
	notice_add(&n, "action", "%lld", (long long)a->id);
	notice_add(&n, "state", "%s", action_state_name(a->state));
	switch (a->kind) {
	case ACTION_PAGE_OFFLINE:
		notice_add(&n, "page", "0x%llx", (unsigned long long)a->target);
		dimm = correlate_dimm_of(d->corr, a->target << 12);
		if (dimm >= 0)
			notice_add(&n, "dimm", "%s", d->dimms[dimm].label);
		if (st != NULL && (st->owner == HV_OWNER_DOMAIN ||
		                   st->owner == HV_OWNER_DOM0))
			notice_add(&n, "domain", "%u", st->domid);
		break;
	case ACTION_CPU_OFFLINE:
		notice_add(&n, "cpu", "%llu", (unsigned long long)a->target);
		notice_add(&n, "count", "%u",
		           cpu_offline_core_level(d->cpus, (uint32_t)a->target,
		                                  clock_now_ms(&d->clock)));
		notice_add(&n, "threshold", "%u", d->policy.core.limit);
		break;
	case ACTION_PAGE_ONLINE:
	case ACTION_CPU_ONLINE:
		break;
	case ACTION_MIGRATE:
		notice_add(&n, "domain", "%llu", (unsigned long long)a->target);
		if (actions_job_name(d, a->target) != NULL)
			notice_add(&n, "guest", "%s",
			           actions_job_name(d, a->target));
		if (a->peer[0])
			notice_add(&n, "peer", "%s", a->peer);
		notice_add(&n, "dimm", "%s", a->component);
		break;
	}
	telemetry_notice(d, &n);
}

static void notify_action(struct rasd *d, const char *msgid, int prio,
                          const struct journal_action *a, const char *text)
{
	notify_action_page(d, msgid, prio, a, text, NULL);
}

const char *actions_job_name(const struct rasd *d, uint64_t domid)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].domid == domid && d->jobs[i].name[0] != '\0')
			return d->jobs[i].name;
	return NULL;
}

bool actions_page_acted(const struct rasd *d, uint64_t mfn)
{
	size_t i;

	for (i = 0; i < d->n_acted_pages; i++)
		if (d->acted_pages[i] == mfn)
			return true;
	return false;
}

void actions_page_mark(struct rasd *d, uint64_t mfn)
{
	if (actions_page_acted(d, mfn))
		return;
	if (d->n_acted_pages == d->cap_acted_pages) {
		size_t cap = d->cap_acted_pages ? d->cap_acted_pages * 2 : 64;
		uint64_t *p = realloc(d->acted_pages, cap * sizeof(*p));

		if (p == NULL)
			return;
		d->acted_pages = p;
		d->cap_acted_pages = cap;
	}
	d->acted_pages[d->n_acted_pages++] = mfn;
}

/* ---- pages ---- */

static bool page_cap_reached(struct rasd *d, char *why, size_t len)
{
	uint64_t share_cap =
	    d->topo.total_pages * d->policy.page_max_share_ppm / 1000000u;

	if (d->pages_retired >= d->policy.page_max_offlined) {
		snprintf(why, len,
		         "cap reached: %llu pages offlined (max_offlined %u)",
		         (unsigned long long)d->pages_retired,
		         d->policy.page_max_offlined);
		return true;
	}
	if (d->pages_retired + 1 > share_cap) {
		snprintf(why, len,
		         "cap reached: %llu pages offlined of %llu allowed by "
		         "max_share",
		         (unsigned long long)d->pages_retired,
		         (unsigned long long)share_cap);
		return true;
	}
	return false;
}

static void page_outcome(struct rasd *d, uint64_t mfn,
                         const struct hv_page_status *st, char *detail,
                         size_t len)
{
	char name[HV_NAME_MAX];

	switch (st->owner) {
	case HV_OWNER_DOMAIN:
		snprintf(detail, len,
		         "%s, owned by domain %u (%s); it goes when the owner "
		         "frees it (status 0x%x)",
		         hv_page_state_name(st->state), st->domid,
		         rasd_domain_name(d, st->domid, name, sizeof(name)),
		         st->raw);
		break;
	case HV_OWNER_FREE:
		snprintf(detail, len, "%s, page was free (status 0x%x)",
		         hv_page_state_name(st->state), st->raw);
		break;
	default:
		snprintf(detail, len, "%s, owner %s (status 0x%x)",
		         hv_page_state_name(st->state),
		         hv_page_owner_name(st->owner), st->raw);
		break;
	}
	(void)mfn;
}

static void evacuate_owner(struct rasd *d, const struct journal_action *a,
                           const struct hv_page_status *st);

/* Run an intended page offline and record how it went, once. */
static int page_offline_run(struct rasd *d, struct journal_action *a, bool hard,
                            struct hv_page_status *out)
{
	struct hv_page_status st;
	char detail[256], name[32], text[320];
	const char *component = "failed";
	int rc;

	memset(&st, 0, sizeof(st));
	if (hard)
		rc = d->hv->ops->page_offline_hard(d->hv, a->target, &st);
	else
		rc = d->hv->ops->page_offline(d->hv, a->target, &st);
	if (out != NULL)
		*out = st;
	snprintf(name, sizeof(name), "0x%llx", (unsigned long long)a->target);
	a->state = ACTION_FAILED;
	if (rc < 0) {
		snprintf(detail, sizeof(detail), "hypervisor: %s", d->hv->err);
	} else {
		page_outcome(d, a->target, &st, detail, sizeof(detail));
		if (st.state == HV_PAGE_OFFLINED ||
		    st.state == HV_PAGE_PENDING) {
			a->state = ACTION_DONE;
			d->pages_retired++;
			component = st.state == HV_PAGE_OFFLINED ? "offline"
			                                         : "pending";
		}
	}
	action_finish(d, a->id, a->state, detail);
	component_set(d, "page", name, component, detail);
	snprintf(text, sizeof(text), "page_offline %s %s: %s", name,
	         a->state == ACTION_DONE ? "done" : "failed", detail);
	log_msg(&d->log, a->state == ACTION_DONE ? LOG_NOTICE : LOG_ERR,
	        "action", "%s", text);
	snprintf(a->detail, sizeof(a->detail), "%s", detail);
	notify_action_page(d, "PAGEOFF",
	                   a->state == ACTION_DONE ? LOG_WARNING : LOG_ERR, a,
	                   text, rc < 0 ? NULL : &st);
	if (rc == 0 && st.state == HV_PAGE_PENDING &&
	    st.owner == HV_OWNER_DOMAIN && st.domid != 0)
		evacuate_owner(d, a, &st);
	return rc;
}

static void page_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	bool ue = v->type == VERDICT_PAGE_UNCORRECTED;
	bool hard = ue && d->policy.page_hard_offline_uncorrected &&
	            d->hv->ops->page_offline_hard != NULL;
	enum policy_action act = d->policy.page_action;
	struct journal_action a;
	char why[160], win[16];

	if (ue && !d->policy.page_offline_on_uncorrected)
		act = POLICY_OFF;
	/*
	 * A Linux kernel runs memory_failure on such a page itself; offlining
	 * it first makes the kernel skip it ("already hardware poisoned")
	 * and never report what it did with the owner.
	 */
	if (ue && !hard && strcmp(d->hv->ops->name, "linux") == 0)
		act = POLICY_OFF;
	act = effective(d, act);
	if (act == POLICY_OFF || actions_page_acted(d, v->page))
		return;
	actions_page_mark(d, v->page);
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_PAGE_OFFLINE;
	a.target = v->page;
	a.event_id = pv->event_id;
	snprintf(a.component, sizeof(a.component), "page 0x%llx",
	         (unsigned long long)v->page);
	if (ue)
		snprintf(
		    a.reason, sizeof(a.reason),
		    "page 0x%llx: uncorrected error with a usable address%s",
		    (unsigned long long)v->page, hard ? " (hard offline)" : "");
	else
		snprintf(
		    a.reason, sizeof(a.reason),
		    "page 0x%llx: %u corrected errors within %s",
		    (unsigned long long)v->page, v->count,
		    window_text(d->policy.page.window_ms, win, sizeof(win)));
	log_msg(&d->log, LOG_NOTICE, "verdict", "%s", a.reason);
	if (act == POLICY_ACT && page_cap_reached(d, why, sizeof(why))) {
		a.state = ACTION_REFUSED;
		snprintf(a.detail, sizeof(a.detail), "%s", why);
		action_record(d, &a);
		log_msg(&d->log, LOG_WARNING, "action",
		        "page_offline 0x%llx refused: %s",
		        (unsigned long long)v->page, why);
		notify_action(d, "PAGEOFF", LOG_WARNING, &a, a.detail);
		return;
	}
	a.state = act == POLICY_ACT ? ACTION_INTENDED : ACTION_RECOMMENDED;
	if (action_record(d, &a) < 0)
		return;
	if (act == POLICY_RECOMMEND) {
		log_msg(&d->log, LOG_NOTICE, "action",
		        "recommend: offline page 0x%llx (recommend-only mode)",
		        (unsigned long long)v->page);
		return;
	}
	page_offline_run(d, &a, hard, NULL);
}

/* ---- CPUs ---- */

static void core_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	enum policy_action act = effective(d, d->policy.cpu_action);
	uint32_t plan[64];
	size_t i, n = 0;
	char why[160], err[256], win[16];
	enum cpu_offline_refusal r;
	struct journal_action a;

	if (act == POLICY_OFF)
		return;
	log_msg(&d->log, LOG_NOTICE, "verdict",
	        "core of cpu %u: %u corrected cache/TLB/internal errors within "
	        "%s",
	        pv->cpu, pv->level,
	        window_text(d->policy.core.window_ms, win, sizeof(win)));
	r = cpu_offline_plan(d->cpus, pv->cpu, plan, 64, &n, why, sizeof(why));
	if (r == CPU_OFFLINE_ALREADY)
		return;
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_CPU_OFFLINE;
	a.event_id = pv->event_id;
	a.target = pv->cpu;
	snprintf(a.component, sizeof(a.component), "cpu %u", pv->cpu);
	snprintf(a.reason, sizeof(a.reason),
	         "core of cpu %u: %u corrected errors in the window", pv->cpu,
	         pv->level);
	if (r != CPU_OFFLINE_ALLOWED) {
		a.state = ACTION_REFUSED;
		snprintf(a.detail, sizeof(a.detail), "%s", why);
		action_record(d, &a);
		log_msg(&d->log, LOG_WARNING, "action",
		        "cpu_offline %u refused: %s", pv->cpu, why);
		notify_action(d, "CPUOFF", LOG_WARNING, &a, why);
		return;
	}
	for (i = 0; i < n; i++) {
		char name[16];

		a.id = 0;
		a.target = plan[i];
		a.state =
		    act == POLICY_ACT ? ACTION_INTENDED : ACTION_RECOMMENDED;
		if (action_record(d, &a) < 0)
			return;
		if (act == POLICY_RECOMMEND) {
			log_msg(&d->log, LOG_NOTICE, "action",
			        "recommend: offline cpu %u", plan[i]);
			continue;
		}
		snprintf(name, sizeof(name), "%u", plan[i]);
		if (cpu_offline_apply(d->cpus, d->hv, plan[i], err,
		                      sizeof(err)) < 0) {
			a.state = ACTION_FAILED;
			action_finish(d, a.id, ACTION_FAILED, err);
			log_msg(&d->log, LOG_ERR, "action",
			        "cpu_offline %u failed: %s", plan[i], err);
			notify_action(d, "CPUOFF", LOG_ERR, &a, err);
			continue;
		}
		a.state = ACTION_DONE;
		action_finish(d, a.id, ACTION_DONE, "offline");
		component_set(d, "cpu", name, "offline", a.reason);
		log_msg(&d->log, LOG_NOTICE, "action", "cpu_offline %u done",
		        plan[i]);
		notify_action(d, "CPUOFF", LOG_WARNING, &a, a.reason);
	}
}

/* ---- evacuation ---- */

static struct evac_job *job_find_domid(struct rasd *d, uint32_t domid)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].domid == domid &&
		    (d->jobs[i].state == EVAC_QUEUED ||
		     d->jobs[i].state == EVAC_RUNNING))
			return &d->jobs[i];
	return NULL;
}

static struct evac_job *job_add(struct rasd *d, uint32_t domid, int32_t dimm)
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
	j->domid = domid;
	j->dimm = dimm;
	j->state = EVAC_QUEUED;
	rasd_domain_name(d, domid, j->name, sizeof(j->name));
	return j;
}

bool actions_busy(const struct rasd *d)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].state == EVAC_QUEUED ||
		    d->jobs[i].state == EVAC_RUNNING)
			return true;
	return false;
}

static size_t jobs_running(const struct rasd *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->n_jobs; i++)
		n += d->jobs[i].state == EVAC_RUNNING;
	return n;
}

/* Starts within the last hour; 0 means the rate limit allows one now. */
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

static void rate_limit_note(struct rasd *d, uint64_t now)
{
	size_t i, slots = sizeof(d->evac_starts) / sizeof(d->evac_starts[0]);

	if (d->n_evac_starts < slots) {
		d->evac_starts[d->n_evac_starts++] = now;
		return;
	}
	/* Replace the oldest: only the last hour matters. */
	for (i = 1; i < slots; i++)
		d->evac_starts[i - 1] = d->evac_starts[i];
	d->evac_starts[slots - 1] = now;
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

static void dimm_check_evacuated(struct rasd *d, int32_t dimm)
{
	size_t i;
	bool failed = false;

	if (dimm < 0)
		return;
	for (i = 0; i < d->n_jobs; i++) {
		if (d->jobs[i].dimm != dimm)
			continue;
		if (d->jobs[i].state == EVAC_QUEUED ||
		    d->jobs[i].state == EVAC_RUNNING)
			return;
		failed |= d->jobs[i].state == EVAC_FAILED;
	}
	snprintf(d->dimm_health[dimm].state, sizeof(d->dimm_health[dimm].state),
	         "%s", failed ? "failing" : "evacuated");
	component_set(d, "dimm", d->dimms[dimm].label,
	              d->dimm_health[dimm].state,
	              failed ? "evacuation incomplete: a guest could not move"
	                     : "every guest moved off");
	log_msg(&d->log, failed ? LOG_ERR : LOG_NOTICE, "action", "DIMM %s: %s",
	        d->dimms[dimm].label,
	        failed ? "evacuation incomplete" : "evacuated");
}

/* The attempt's journal row, as it now stands, into a notice. */
static void notify_migration(struct rasd *d, const struct evac_job *j,
                             const char *msgid, int prio, const char *text)
{
	struct journal_action a;

	if (journal_action_get(d->journal, j->action, &a) < 0)
		return;
	notify_action(d, msgid, prio, &a, text);
}

static void job_give_up(struct rasd *d, struct evac_job *j)
{
	char name[32];
	struct notice n;

	j->state = EVAC_FAILED;
	snprintf(name, sizeof(name), "%u", j->domid);
	component_set(d, "guest", name, "stranded",
	              "no peer accepted the guest");
	log_msg(&d->log, LOG_ERR, "action",
	        "evacuation of %s (dom%u) failed: no peer left to try%s",
	        j->name, j->domid,
	        d->policy.n_peers == 0 ? " ([evacuation] peers is empty)" : "");
	rasd_notice_start(
	    d, &n, "EVACFAIL", LOG_ERR,
	    "evacuation of %s (dom%u) failed: no peer left to try", j->name,
	    j->domid);
	notice_add(&n, "domain", "%u", j->domid);
	notice_add(&n, "count", "%u", j->attempts);
	if (j->dimm >= 0)
		notice_add(&n, "dimm", "%s", d->dimms[j->dimm].label);
	telemetry_notice(d, &n);
	dimm_check_evacuated(d, j->dimm);
}

/* One attempt: intended row, hypervisor call, running row. */
static int job_start_attempt(struct rasd *d, struct evac_job *j, size_t peer,
                             uint64_t now)
{
	struct journal_action a;
	char detail[256];
	int rc;

	memset(&a, 0, sizeof(a));
	a.kind = ACTION_MIGRATE;
	a.state = ACTION_INTENDED;
	a.target = j->domid;
	a.attempt = ++j->attempts;
	a.parent_id = j->first_action;
	snprintf(a.peer, sizeof(a.peer), "%s", d->policy.peers[peer]);
	snprintf(a.component, sizeof(a.component), "%s",
	         j->dimm >= 0 ? d->dimms[j->dimm].label : "host");
	snprintf(a.reason, sizeof(a.reason), "evacuate %s (dom%u) off %s",
	         j->name, j->domid, a.component);
	if (action_record(d, &a) < 0)
		return -1;
	if (j->first_action == 0)
		j->first_action = a.id;
	j->tried |= 1u << peer;
	j->peer = peer;
	rc = d->hv->ops->migrate_start(d->hv, j->domid, a.peer,
	                               &j->migration_id);
	if (rc < 0) {
		snprintf(detail, sizeof(detail), "could not start: %s",
		         d->hv->err);
		action_finish(d, a.id, ACTION_FAILED, detail);
		log_msg(&d->log, LOG_ERR, "action",
		        "migrate %s (dom%u) -> %s: %s", j->name, j->domid,
		        a.peer, detail);
		return -1;
	}
	j->action = a.id;
	j->state = EVAC_RUNNING;
	rate_limit_note(d, now);
	action_finish(d, a.id, ACTION_RUNNING, "migration started");
	log_msg(&d->log, LOG_NOTICE, "action",
	        "migrate %s (dom%u) -> %s started (attempt %u)", j->name,
	        j->domid, a.peer, a.attempt);
	return 0;
}

static void evac_pump(struct rasd *d)
{
	uint64_t now = clock_now_ms(&d->clock), wait;
	size_t i;

	for (i = 0; i < d->n_jobs; i++) {
		struct evac_job *j = &d->jobs[i];
		int peer;

		if (j->state != EVAC_QUEUED)
			continue;
		if (jobs_running(d) >= d->policy.evac_concurrent)
			return;
		wait = rate_limit_wait_ms(d, now);
		if (wait > 0) {
			log_msg(&d->log, LOG_NOTICE, "action",
			        "evacuation rate limit (%u per hour): next "
			        "migration in %llus",
			        d->policy.evac_max_per_hour,
			        (unsigned long long)(wait / 1000));
			loop_timer_arm(
			    d->evac_timer,
			    clock_real_ns_until(&d->clock, now + wait));
			return;
		}
		/* Failed starts mark the peer tried; loop to the next one. */
		while ((peer = peer_choose(d, j, now)) >= 0)
			if (job_start_attempt(d, j, (size_t)peer, now) == 0)
				break;
		if (peer < 0)
			job_give_up(d, j);
	}
}

/* A planned move, journaled as recommended; dimm -1: off the host. */
static void evacuate_recommend(struct rasd *d, uint32_t domid, int32_t dimm,
                               int64_t event_id, const char *reason)
{
	struct journal_action a;

	memset(&a, 0, sizeof(a));
	a.kind = ACTION_MIGRATE;
	a.state = ACTION_RECOMMENDED;
	a.target = domid;
	a.event_id = event_id;
	snprintf(a.component, sizeof(a.component), "%s",
	         dimm >= 0 ? d->dimms[dimm].label : "host");
	snprintf(a.reason, sizeof(a.reason), "%s", reason);
	action_record(d, &a);
	log_msg(&d->log, LOG_NOTICE, "action", "recommend: %s", a.reason);
}

/* Plan (recommend) or queue one guest's move; dimm -1: off the host. */
static void evacuate_guest(struct rasd *d, uint32_t domid, int32_t dimm,
                           enum policy_action act, int64_t event_id,
                           const char *why)
{
	struct evac_job *j;
	char name[HV_NAME_MAX], reason[128];

	if (act == POLICY_OFF || domid == 0)
		return;
	if (act == POLICY_RECOMMEND) {
		snprintf(reason, sizeof(reason), "evacuate %s (dom%u): %s",
		         rasd_domain_name(d, domid, name, sizeof(name)), domid,
		         why);
		evacuate_recommend(d, domid, dimm, event_id, reason);
		return;
	}
	if (job_find_domid(d, domid) != NULL)
		return;
	j = job_add(d, domid, dimm);
	if (j != NULL)
		log_msg(&d->log, LOG_NOTICE, "action",
		        "evacuate %s (dom%u): %s", j->name, j->domid, why);
}

/* Every guest's domid; the control domain never moves. */
static int domains_all(struct rasd *d, uint32_t *domids, size_t max, size_t *n)
{
	struct hv_domain doms[256];
	size_t i, total = 0;

	*n = 0;
	if (d->hv->ops->domains(d->hv, doms, 256, &total) < 0)
		return -1;
	for (i = 0; i < total && i < 256 && *n < max; i++)
		if (!doms[i].control)
			domids[(*n)++] = doms[i].domid;
	return 0;
}

static void evacuate_dimm(struct rasd *d, int32_t dimm, enum policy_action act,
                          int64_t event_id)
{
	const struct hv_dimm *m = &d->dimms[dimm];
	uint32_t domids[256];
	char why[96], reason[128], name[HV_NAME_MAX];
	size_t i, n = 0;
	int rc = d->hv->ops->domains_on_range(
	    d->hv, m->start, m->start + m->size, domids, 256, &n);

	/*
	 * Xen cannot say which domain owns a machine frame: moving every
	 * guest is the only way to be sure none is left on the DIMM.
	 */
	if (rc == -EOPNOTSUPP) {
		log_msg(&d->log, LOG_WARNING, "action",
		        "the %s backend cannot tell which guests own memory on "
		        "%s: evacuating every guest",
		        d->hv->ops->name, m->label);
		rc = domains_all(d, domids, 256, &n);
	}
	if (rc < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "cannot list the guests on %s: %s", m->label,
		        d->hv->err);
		return;
	}
	snprintf(why, sizeof(why), "owns memory on %s", m->label);
	for (i = 0; i < n && i < 256; i++) {
		if (domids[i] == 0) {
			log_msg(&d->log, LOG_WARNING, "action",
			        "dom0 owns memory on %s; the control domain "
			        "cannot be migrated",
			        m->label);
			continue;
		}
		if (act != POLICY_RECOMMEND) {
			evacuate_guest(d, domids[i], dimm, act, event_id, why);
			continue;
		}
		snprintf(reason, sizeof(reason), "evacuate %s (dom%u) off %s",
		         rasd_domain_name(d, domids[i], name, sizeof(name)),
		         domids[i], m->label);
		evacuate_recommend(d, domids[i], dimm, event_id, reason);
	}
	if (act == POLICY_ACT) {
		snprintf(d->dimm_health[dimm].state,
		         sizeof(d->dimm_health[dimm].state), "evacuating");
		evac_pump(d);
		dimm_check_evacuated(d, dimm);
	}
}

/*
 * Xen leaves a guest's frame pending until the guest lets it go, which
 * it never does by itself: moving the guest is what frees the frame.
 */
static void evacuate_owner(struct rasd *d, const struct journal_action *a,
                           const struct hv_page_status *st)
{
	enum policy_action act = effective(d, d->policy.page_evacuate_owner);
	int32_t dimm = correlate_dimm_of(d->corr, a->target << 12);
	char why[128];

	snprintf(why, sizeof(why), "page 0x%llx is pending: dom%u owns it",
	         (unsigned long long)a->target, st->domid);
	evacuate_guest(d, st->domid, dimm, act, a->event_id, why);
	if (act == POLICY_ACT)
		evac_pump(d);
}

void actions_evacuate_host(struct rasd *d, const char *why)
{
	enum policy_action act = effective(d, POLICY_ACT);
	struct hv_domain doms[256];
	size_t i, n = 0;

	if (d->hv->ops->domains(d->hv, doms, 256, &n) < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "cannot list the guests to evacuate: %s", d->hv->err);
		return;
	}
	for (i = 0; i < n && i < 256; i++)
		if (!doms[i].control)
			evacuate_guest(d, doms[i].domid, -1, act, 0, why);
	evac_pump(d);
}

/* ---- what an operator asks for ---- */

static void operator_action(struct journal_action *a, enum action_kind kind,
                            uint64_t target, const char *component)
{
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->target = target;
	a->state = ACTION_INTENDED;
	snprintf(a->component, sizeof(a->component), "%s", component);
	snprintf(a->reason, sizeof(a->reason), "operator request");
}

static void operator_finish(struct rasd *d, struct journal_action *a,
                            enum action_state st, const char *detail)
{
	a->state = st;
	snprintf(a->detail, sizeof(a->detail), "%s", detail);
	action_finish(d, a->id, st, detail);
	log_msg(&d->log, st == ACTION_DONE ? LOG_NOTICE : LOG_ERR, "action",
	        "%s %s (operator): %s: %s", action_kind_name(a->kind),
	        a->component, action_state_name(st), detail);
}

static void page_unmark(struct rasd *d, uint64_t mfn)
{
	size_t i;

	for (i = 0; i < d->n_acted_pages; i++) {
		if (d->acted_pages[i] != mfn)
			continue;
		d->acted_pages[i] = d->acted_pages[--d->n_acted_pages];
		if (d->pages_retired > 0)
			d->pages_retired--;
		return;
	}
}

int actions_operator_page(struct rasd *d, uint64_t mfn, bool online,
                          struct journal_action *a, struct hv_page_status *st,
                          char *err, size_t errlen)
{
	char name[32], detail[256];

	snprintf(name, sizeof(name), "0x%llx", (unsigned long long)mfn);
	memset(st, 0, sizeof(*st));
	if (online && d->hv->ops->page_online == NULL) {
		snprintf(err, errlen,
		         "page online: the %s backend cannot put pages back",
		         d->hv->ops->name);
		return -1;
	}
	operator_action(a, online ? ACTION_PAGE_ONLINE : ACTION_PAGE_OFFLINE,
	                mfn, "");
	snprintf(a->component, sizeof(a->component), "page %s", name);
	if (action_record(d, a) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	if (!online) {
		if (!actions_page_acted(d, mfn))
			actions_page_mark(d, mfn);
		page_offline_run(d, a, false, st);
		return 0;
	}
	if (d->hv->ops->page_online(d->hv, mfn, st) < 0) {
		snprintf(detail, sizeof(detail), "hypervisor: %s", d->hv->err);
		operator_finish(d, a, ACTION_FAILED, detail);
		return 0;
	}
	snprintf(detail, sizeof(detail), "%s (status 0x%x)",
	         hv_page_state_name(st->state), st->raw);
	operator_finish(d, a, ACTION_DONE, detail);
	page_unmark(d, mfn);
	component_set(d, "page", name, "online", "put back by an operator");
	return 0;
}

int actions_operator_cpu(struct rasd *d, uint32_t cpu, bool online,
                         struct journal_action *a, char *err, size_t errlen)
{
	char name[16], comp[24], why[256];

	if (rasd_cpu_find(d, cpu) == NULL) {
		snprintf(err, errlen, "cpu %u: no such cpu on this host", cpu);
		return -1;
	}
	snprintf(name, sizeof(name), "%u", cpu);
	snprintf(comp, sizeof(comp), "cpu %u", cpu);
	operator_action(a, online ? ACTION_CPU_ONLINE : ACTION_CPU_OFFLINE, cpu,
	                comp);
	if (!online && policy_cpu_protected(&d->policy, cpu)) {
		a->state = ACTION_REFUSED;
		snprintf(a->detail, sizeof(a->detail),
		         "cpu %u is protected by the policy ([cpu] protect)",
		         cpu);
		action_record(d, a);
		log_msg(&d->log, LOG_WARNING, "action",
		        "cpu_offline %u (operator) refused: %s", cpu,
		        a->detail);
		return 0;
	}
	if (action_record(d, a) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	if (online) {
		if (d->hv->ops->cpu_online(d->hv, cpu) < 0) {
			snprintf(why, sizeof(why), "hypervisor: %s",
			         d->hv->err);
			operator_finish(d, a, ACTION_FAILED, why);
			return 0;
		}
		cpu_offline_set_online(d->cpus, cpu, true);
		operator_finish(d, a, ACTION_DONE, "online");
		component_set(d, "cpu", name, "online",
		              "brought back by an operator");
		return 0;
	}
	if (cpu_offline_apply(d->cpus, d->hv, cpu, why, sizeof(why)) < 0) {
		operator_finish(d, a, ACTION_FAILED, why);
		notify_action(d, "CPUOFF", LOG_ERR, a, why);
		return 0;
	}
	operator_finish(d, a, ACTION_DONE, "offline");
	component_set(d, "cpu", name, "offline", "taken down by an operator");
	notify_action(d, "CPUOFF", LOG_WARNING, a, "offlined by an operator");
	return 0;
}

uint64_t actions_dimm_pages_retired(const struct rasd *d, int32_t dimm)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < d->n_acted_pages; i++)
		if (correlate_dimm_of(d->corr, d->acted_pages[i] << 12) == dimm)
			n++;
	return n;
}

/*
 * Degraded is a warning, not a verdict: nothing is done, so it needs no
 * journal batch first. It is said once; the failing verdict supersedes.
 */
void actions_dimm_rate(struct rasd *d, const struct correlate_result *cr)
{
	const struct policy *p = &d->policy;
	struct dimm_health *h;
	const struct hv_dimm *m;
	struct notice n;
	char detail[160], win[16];

	if (cr->dimm < 0 || p->dimm_warn == 0 || p->dimm_warn >= p->dimm.limit)
		return;
	h = &d->dimm_health[cr->dimm];
	if (cr->dimm_pages < p->dimm_warn || strcmp(h->state, "ok") != 0)
		return;
	m = &d->dimms[cr->dimm];
	snprintf(detail, sizeof(detail),
	         "%u distinct pages with corrected errors within %s (warn "
	         "%u, failing at %u)",
	         cr->dimm_pages,
	         window_text(p->dimm.window_ms, win, sizeof(win)), p->dimm_warn,
	         p->dimm.limit);
	snprintf(h->state, sizeof(h->state), "degraded");
	component_set(d, "dimm", m->label, "degraded", detail);
	log_msg(&d->log, LOG_WARNING, "verdict", "DIMM %s degraded: %s",
	        m->label, detail);
	rasd_notice_start(d, &n, "DIMMDEG", LOG_WARNING, "DIMM %s degraded: %s",
	                  m->label, detail);
	notice_add(&n, "dimm", "%s", m->label);
	notice_add(&n, "socket", "%u", m->socket);
	notice_add(&n, "channel", "%u", m->channel);
	notice_add(&n, "count", "%u", cr->dimm_pages);
	notice_add(&n, "threshold", "%u", p->dimm.limit);
	telemetry_notice(d, &n);
}

static void notify_dimm(struct rasd *d, const struct verdict *v,
                        const char *label, const char *detail)
{
	const struct hv_dimm *m = &d->dimms[v->dimm];
	struct notice n;

	rasd_notice_start(d, &n, "DIMMFAIL", LOG_CRIT, "DIMM %s failing: %s",
	                  label, detail);
	notice_add(&n, "dimm", "%s", label);
	notice_add(&n, "socket", "%u", m->socket);
	notice_add(&n, "channel", "%u", m->channel);
	notice_add(&n, "count", "%u", v->count);
	notice_add(&n, "threshold", "%u", d->policy.dimm.limit);
	telemetry_notice(d, &n);
}

static void dimm_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	struct dimm_health *h = &d->dimm_health[v->dimm];
	enum policy_action act = effective(d, d->policy.dimm_action);
	const char *label = d->dimms[v->dimm].label;
	char detail[160], win[16];

	if (v->type == VERDICT_DIMM_UNCORRECTED)
		h->ue++;
	if (h->acted)
		return;
	h->acted = true;
	if (v->type == VERDICT_DIMM_UNCORRECTED)
		snprintf(detail, sizeof(detail),
		         "uncorrected error: the DIMM is failing");
	else
		snprintf(
		    detail, sizeof(detail),
		    "%u distinct pages with corrected errors within %s",
		    v->count,
		    window_text(d->policy.dimm.window_ms, win, sizeof(win)));
	snprintf(h->state, sizeof(h->state), "failing");
	component_set(d, "dimm", label, "failing", detail);
	notify_dimm(d, v, label, detail);
	log_msg(&d->log, LOG_WARNING, "verdict", "DIMM %s failing: %s", label,
	        detail);
	if (act == POLICY_OFF)
		return;
	evacuate_dimm(d, v->dimm, act, pv->event_id);
}

static void socket_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	char name[16], detail[128], win[16];
	struct notice n;

	if (pv->mem.socket >= d->topo.nr_sockets ||
	    d->socket_state[pv->mem.socket])
		return;
	d->socket_state[pv->mem.socket] = 1;
	snprintf(name, sizeof(name), "%u", pv->mem.socket);
	snprintf(detail, sizeof(detail), "%u corrected memory errors within %s",
	         pv->mem.count,
	         window_text(d->policy.socket.window_ms, win, sizeof(win)));
	component_set(d, "socket", name, "degraded", detail);
	rasd_notice_start(d, &n, "SOCKET", LOG_WARNING,
	                  "socket %u degraded: %s", pv->mem.socket, detail);
	notice_add(&n, "socket", "%u", pv->mem.socket);
	notice_add(&n, "count", "%u", pv->mem.count);
	notice_add(&n, "threshold", "%u", d->policy.socket.limit);
	telemetry_notice(d, &n);
	log_msg(&d->log, LOG_WARNING, "verdict", "socket %u degraded: %s",
	        pv->mem.socket, detail);
}

void actions_on_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	if (pv->core) {
		core_verdict(d, pv);
		return;
	}
	switch (pv->mem.type) {
	case VERDICT_PAGE_THRESHOLD:
	case VERDICT_PAGE_UNCORRECTED:
		page_verdict(d, pv);
		break;
	case VERDICT_DIMM_THRESHOLD:
	case VERDICT_DIMM_UNCORRECTED:
		if (pv->mem.dimm >= 0 && (size_t)pv->mem.dimm < d->n_dimms)
			dimm_verdict(d, pv);
		break;
	case VERDICT_SOCKET_THRESHOLD:
		socket_verdict(d, pv);
		break;
	}
}

/* ---- hypervisor results ---- */

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

static struct evac_job *job_find_migration(struct rasd *d, uint64_t id)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].state == EVAC_RUNNING &&
		    d->jobs[i].migration_id == id)
			return &d->jobs[i];
	return NULL;
}

/* Pages that were pending on a guest's frames may be gone now. */
static void pages_recheck(struct rasd *d)
{
	size_t i;

	for (i = 0; i < d->n_acted_pages; i++) {
		struct hv_page_status st;
		struct journal_component c;
		char name[32], detail[160];

		snprintf(name, sizeof(name), "0x%llx",
		         (unsigned long long)d->acted_pages[i]);
		if (journal_component_get(d->journal, "page", name, &c) < 0 ||
		    strcmp(c.state, "pending") != 0)
			continue;
		if (d->hv->ops->page_query(d->hv, d->acted_pages[i], &st) < 0 ||
		    st.state != HV_PAGE_OFFLINED)
			continue;
		snprintf(detail, sizeof(detail),
		         "offline: its owner released it (status 0x%x)",
		         st.raw);
		component_set(d, "page", name, "offline", detail);
		log_msg(&d->log, LOG_NOTICE, "action", "page %s is now %s",
		        name, detail);
	}
}

static void migration_done(struct rasd *d, struct evac_job *j,
                           const struct hv_event *ev)
{
	char detail[256], name[32];

	snprintf(detail, sizeof(detail), "%s (dom%u) now runs on %s", j->name,
	         j->domid, d->policy.peers[j->peer]);
	action_finish(d, j->action, ACTION_DONE, detail);
	j->state = EVAC_DONE;
	snprintf(name, sizeof(name), "%u", j->domid);
	component_set(d, "guest", name, "evacuated", detail);
	log_msg(&d->log, LOG_NOTICE, "action", "migrate %s (dom%u) -> %s done",
	        j->name, j->domid,
	        ev->peer[0] ? ev->peer : d->policy.peers[j->peer]);
	notify_migration(d, j, "EVAC", LOG_WARNING, detail);
	pages_recheck(d);
	dimm_check_evacuated(d, j->dimm);
}

static void migration_failed(struct rasd *d, struct evac_job *j,
                             const struct hv_event *ev)
{
	char detail[256];
	uint64_t now = clock_now_ms(&d->clock);

	snprintf(detail, sizeof(detail), "%s",
	         ev->detail[0] ? ev->detail : strerror(ev->error));
	action_finish(d, j->action, ACTION_FAILED, detail);
	d->peer_avoid_until[j->peer] = now + PEER_AVOID_MS;
	log_msg(&d->log, LOG_WARNING, "action",
	        "migrate %s (dom%u) -> %s failed: %s; %s is tried last for "
	        "%llu min",
	        j->name, j->domid, d->policy.peers[j->peer], detail,
	        d->policy.peers[j->peer],
	        (unsigned long long)(PEER_AVOID_MS / 60000));
	notify_migration(d, j, "EVACFAIL", LOG_WARNING, detail);
	j->state = EVAC_QUEUED;
}

/* ev NULL: a timer asks to look at the queue again. */
void actions_on_hv_event(struct rasd *d, const struct hv_event *ev)
{
	struct evac_job *j;

	if (ev == NULL) {
		evac_pump(d);
		return;
	}
	if (ev->type == HV_EVENT_MIGRATION_PROGRESS)
		return;
	if (ev->type == HV_EVENT_CPU_CHANGED) {
		cpu_changed(d, ev);
		return;
	}
	j = job_find_migration(d, ev->migration_id);
	if (j == NULL)
		return;
	if (ev->type == HV_EVENT_MIGRATION_DONE)
		migration_done(d, j, ev);
	else
		migration_failed(d, j, ev);
	evac_pump(d);
}

/* ---- restart ---- */

static bool domain_present(struct rasd *d, uint32_t domid)
{
	struct hv_domain dom;

	/* Cannot tell: assume it is still here, so nothing is marked done. */
	return rasd_domain_find(d, domid, &dom) != 0;
}

static void resume_page(struct rasd *d, struct journal_action *a)
{
	struct hv_page_status st;

	actions_page_mark(d, a->target);
	if (a->state == ACTION_DONE)
		d->pages_retired++;
	if (a->state != ACTION_INTENDED && a->state != ACTION_RUNNING)
		return;
	if (d->hv->ops->page_query(d->hv, a->target, &st) == 0 &&
	    (st.state == HV_PAGE_OFFLINED || st.state == HV_PAGE_PENDING)) {
		d->pages_retired++;
		action_finish(d, a->id, ACTION_DONE,
		              "found offline after a restart");
		return;
	}
	log_msg(&d->log, LOG_NOTICE, "action",
	        "resuming page_offline 0x%llx intended before a restart",
	        (unsigned long long)a->target);
	page_offline_run(d, a, false, NULL);
}

static void resume_cpu(struct rasd *d, struct journal_action *a)
{
	char err[256];

	if (a->state != ACTION_INTENDED && a->state != ACTION_RUNNING)
		return;
	if (!cpu_offline_is_online(d->cpus, (uint32_t)a->target)) {
		action_finish(d, a->id, ACTION_DONE,
		              "found offline after a restart");
		return;
	}
	log_msg(&d->log, LOG_NOTICE, "action",
	        "resuming cpu_offline %llu intended before a restart",
	        (unsigned long long)a->target);
	if (cpu_offline_apply(d->cpus, d->hv, (uint32_t)a->target, err,
	                      sizeof(err)) < 0)
		action_finish(d, a->id, ACTION_FAILED, err);
	else
		action_finish(d, a->id, ACTION_DONE, "offline");
}

static void resume_migrate(struct rasd *d, struct journal_action *a)
{
	struct evac_job *j;

	if (a->state != ACTION_INTENDED && a->state != ACTION_RUNNING)
		return;
	if (!domain_present(d, (uint32_t)a->target)) {
		action_finish(d, a->id, ACTION_DONE,
		              "guest no longer on this host after a restart");
		return;
	}
	/* The old attempt's outcome is lost with the old process. */
	action_finish(d, a->id, ACTION_FAILED, "interrupted by a restart");
	if (job_find_domid(d, (uint32_t)a->target) != NULL)
		return;
	j = job_add(d, (uint32_t)a->target, -1);
	if (j == NULL)
		return;
	j->first_action = a->parent_id ? a->parent_id : a->id;
	log_msg(&d->log, LOG_NOTICE, "action",
	        "resuming evacuation of %s (dom%u) after a restart", j->name,
	        j->domid);
}

static int resume_one(void *arg, const struct journal_action *ja)
{
	struct rasd *d = arg;
	struct journal_action a = *ja;

	switch (a.kind) {
	case ACTION_PAGE_OFFLINE:
		resume_page(d, &a);
		break;
	case ACTION_CPU_OFFLINE:
		resume_cpu(d, &a);
		break;
	case ACTION_MIGRATE:
		resume_migrate(d, &a);
		break;
	case ACTION_PAGE_ONLINE:
		if (a.state == ACTION_DONE)
			page_unmark(d, a.target);
		else if (a.state == ACTION_INTENDED ||
		         a.state == ACTION_RUNNING)
			action_finish(d, a.id, ACTION_FAILED,
			              "interrupted by a restart; ask again");
		break;
	case ACTION_CPU_ONLINE:
		if (a.state == ACTION_INTENDED || a.state == ACTION_RUNNING)
			action_finish(d, a.id, ACTION_FAILED,
			              "interrupted by a restart; ask again");
		break;
	}
	return 0;
}

/* Failed DIMMs stay failed across restarts: no second evacuation. */
static int resume_dimm(void *arg, const struct journal_component *c)
{
	struct rasd *d = arg;
	size_t i;

	if (strcmp(c->state, "ok") == 0 || strcmp(c->state, "degraded") == 0)
		return 0;
	for (i = 0; i < d->n_dimms; i++) {
		if (strcmp(d->dimms[i].label, c->name) != 0)
			continue;
		d->dimm_health[i].acted = true;
		snprintf(d->dimm_health[i].state,
		         sizeof(d->dimm_health[i].state), "%s", c->state);
	}
	return 0;
}

int actions_resume(struct rasd *d)
{
	if (journal_actions_each(d->journal, false, resume_one, d) < 0 ||
	    journal_components_each(d->journal, "dimm", resume_dimm, d) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
		return -1;
	}
	evac_pump(d);
	return 0;
}

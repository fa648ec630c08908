/* resume.c - a restarted daemon picks up every unfinished plan from the
 * journal, asking the hypervisor how each step stands before it acts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_int.h"

/* Attempts found unfinished, reconciled once every job is loaded. */
struct resume {
	struct rasd *d;
	struct journal_action *attempts;
	size_t n_attempts, cap_attempts;
	size_t steps; /* page and CPU steps found unfinished */
	bool failed;
};

static bool unfinished(const struct journal_action *a)
{
	return a->state == ACTION_INTENDED || a->state == ACTION_RUNNING;
}

static int load_job(void *arg, const struct journal_evacuation *e)
{
	struct resume *r = arg;

	if (evac_job_load(r->d, e) == NULL) {
		r->failed = true;
		return 1;
	}
	return 0;
}

static struct evac_job *job_by_id(struct rasd *d, int64_t id)
{
	size_t i;

	for (i = 0; i < d->n_jobs; i++)
		if (d->jobs[i].row.id == id)
			return &d->jobs[i];
	return NULL;
}

/* Asked before the restart, or not: the frame's state says. */
static void resume_page(struct resume *r, const struct journal_action *ja)
{
	struct rasd *d = r->d;
	struct journal_action copy = *ja, *a = &copy;
	struct hv_page_status st;

	actions_page_mark(d, a->target);
	if (a->state == ACTION_DONE)
		d->pages_retired++;
	if (!unfinished(a))
		return;
	if (d->hv->ops->page_query(d->hv, a->target, &st) == 0 &&
	    (st.state == HV_PAGE_OFFLINED || st.state == HV_PAGE_PENDING)) {
		/* Asked, and it took: record it as if it had just answered. */
		page_offline_outcome(d, a, 0, &st, " (found after a restart)");
		return;
	}
	log_msg(&d->log, LOG_NOTICE, "action",
	        "resuming page_offline 0x%llx planned before a restart",
	        (unsigned long long)a->target);
	actions_pages_planned(d, 1);
	actions_runnable_add(d, a->id);
	r->steps++;
}

static void resume_cpu(struct resume *r, const struct journal_action *a)
{
	struct rasd *d = r->d;
	char name[16];

	if (!unfinished(a))
		return;
	if (!cpu_offline_is_online(d->cpus, (uint32_t)a->target)) {
		snprintf(name, sizeof(name), "%llu",
		         (unsigned long long)a->target);
		if (journal_begin(d->journal) == 0) {
			action_finish(d, a->id, ACTION_DONE,
			              "found offline after a restart");
			component_set(d, "cpu", name, "offline", a->reason);
			journal_commit(d->journal);
		}
		return;
	}
	log_msg(&d->log, LOG_NOTICE, "action",
	        "resuming cpu_offline %llu planned before a restart",
	        (unsigned long long)a->target);
	cpu_offline_set_going(d->cpus, (uint32_t)a->target, true);
	actions_runnable_add(d, a->id);
	r->steps++;
}

/*
 * A journal from before plans were journaled (v2): its migrations have
 * no job. A guest still here gets a fresh plan of its own.
 */
static void resume_legacy_migrate(struct resume *r,
                                  const struct journal_action *a)
{
	struct rasd *d = r->d;
	struct hv_domain dom;

	if (rasd_domain_find(d, (uint32_t)a->target, &dom) == 0) {
		action_finish(d, a->id, ACTION_DONE,
		              "guest no longer on this host after a restart");
		return;
	}
	if (journal_begin(d->journal) < 0)
		return;
	action_finish(d, a->id, ACTION_FAILED, "interrupted by a restart");
	evac_plan(d, (uint32_t)a->target, dimm_index_of(d, a->component),
	          a->verdict_id, a->event_id, 1, "resumed after a restart");
	journal_commit(d->journal);
}

static void attempt_keep(struct resume *r, const struct journal_action *a)
{
	struct journal_action *p;

	if (r->n_attempts == r->cap_attempts) {
		size_t cap = r->cap_attempts ? r->cap_attempts * 2 : 8;

		p = realloc(r->attempts, cap * sizeof(*p));
		if (p == NULL) {
			r->failed = true;
			return;
		}
		r->attempts = p;
		r->cap_attempts = cap;
	}
	r->attempts[r->n_attempts++] = *a;
}

static void resume_migrate(struct resume *r, const struct journal_action *a)
{
	struct evac_job *j = job_by_id(r->d, a->job_id);
	size_t i;

	/* Every peer an attempt went to is tried, whatever became of it. */
	for (i = 0; j != NULL && i < r->d->policy.n_peers && i < 32; i++)
		if (strcmp(r->d->policy.peers[i], a->peer) == 0)
			j->tried |= 1u << i;
	if (!unfinished(a))
		return;
	if (a->job_id == 0)
		resume_legacy_migrate(r, a);
	else
		attempt_keep(r, a);
}

static int resume_one(void *arg, const struct journal_action *a)
{
	struct resume *r = arg;
	struct rasd *d = r->d;

	switch (a->kind) {
	case ACTION_PAGE_OFFLINE:
		resume_page(r, a);
		break;
	case ACTION_CPU_OFFLINE:
		resume_cpu(r, a);
		break;
	case ACTION_MIGRATE:
		resume_migrate(r, a);
		break;
	case ACTION_PAGE_ONLINE:
		if (a->state == ACTION_DONE)
			actions_page_unmark(d, a->target);
		else if (unfinished(a))
			action_finish(d, a->id, ACTION_FAILED,
			              "interrupted by a restart; ask again");
		break;
	case ACTION_CPU_ONLINE:
		if (unfinished(a))
			action_finish(d, a->id, ACTION_FAILED,
			              "interrupted by a restart; ask again");
		break;
	}
	return r->failed;
}

/* Failed DIMMs stay failed across restarts: no second evacuation. */
static int resume_dimm(void *arg, const struct journal_component *c)
{
	struct rasd *d = arg;
	int32_t i = dimm_index_of(d, c->name);

	if (i < 0 || strcmp(c->state, "ok") == 0 ||
	    strcmp(c->state, "degraded") == 0)
		return 0;
	d->dimm_health[i].acted = true;
	snprintf(d->dimm_health[i].state, sizeof(d->dimm_health[i].state), "%s",
	         c->state);
	return 0;
}

/* A job left running whose attempt is settled waits for its next one. */
static void jobs_settle(struct rasd *d, const struct resume *r)
{
	size_t i, k;
	bool held;

	for (i = 0; i < d->n_jobs; i++) {
		struct evac_job *j = &d->jobs[i];

		if (j->row.state != EVAC_RUNNING)
			continue;
		for (held = false, k = 0; k < r->n_attempts; k++)
			held |= r->attempts[k].id == j->row.action_id;
		if (held)
			continue;
		j->row.state = EVAC_QUEUED;
		evac_job_save(d, j);
	}
}

int actions_resume(struct rasd *d)
{
	struct resume r = {.d = d};
	size_t i, active = 0;

	if (journal_evacuations_each(d->journal, load_job, &r) < 0 ||
	    journal_actions_each(d->journal, false, resume_one, &r) < 0 ||
	    journal_components_each(d->journal, "dimm", resume_dimm, d) < 0 ||
	    evac_timers_load(d) < 0 || r.failed) {
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        r.failed ? "out of memory" : journal_error(d->journal));
		free(r.attempts);
		return -1;
	}
	jobs_settle(d, &r);
	for (i = 0; i < r.n_attempts; i++)
		evac_resume_attempt(d, &r.attempts[i]);
	free(r.attempts);
	for (i = 0; i < d->n_jobs; i++)
		active += d->jobs[i].row.state == EVAC_QUEUED ||
		          d->jobs[i].row.state == EVAC_RUNNING;
	if (r.steps > 0 || active > 0)
		log_msg(&d->log, LOG_NOTICE, "rasd",
		        "resuming from the journal: %zu step(s) and %zu "
		        "evacuation(s) unfinished",
		        r.steps, active);
	actions_run(d);
	return 0;
}

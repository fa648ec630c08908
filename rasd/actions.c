/* actions.c - running the steps of a plan once they are durable (page and
 * CPU offline), their outcomes, and what operators ask for by hand. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "actions_int.h"

const char *window_text(uint64_t ms, char *buf, size_t len)
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

enum policy_action actions_effective(const struct rasd *d, enum policy_action a)
{
	if (a == POLICY_ACT && d->policy.recommend_only)
		return POLICY_RECOMMEND;
	return a;
}

void component_set(struct rasd *d, const char *kind, const char *name,
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
int action_record(struct rasd *d, struct journal_action *a)
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

void action_finish(struct rasd *d, int64_t id, enum action_state st,
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
void notify_action_page(struct rasd *d, const char *msgid, int prio,
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
		if (a->mode[0])
			notice_add(&n, "mode", "%s", a->mode);
		if (a->downtime_ms)
			notice_add(&n, "downtime_ms", "%llu",
			           (unsigned long long)a->downtime_ms);
		break;
	}
	telemetry_notice(d, &n);
}

void notify_action(struct rasd *d, const char *msgid, int prio,
                   const struct journal_action *a, const char *text)
{
	notify_action_page(d, msgid, prio, a, text, NULL);
}

bool actions_page_acted(const struct rasd *d, uint64_t mfn)
{
	return pageset_has(&d->acted_pages, mfn);
}

void actions_page_mark(struct rasd *d, uint64_t mfn)
{
	if (pageset_add(&d->acted_pages, mfn) < 0)
		log_msg(&d->log, LOG_ERR, "action",
		        "out of memory: page 0x%llx may be decided again",
		        (unsigned long long)mfn);
}

static void page_outcome(struct rasd *d, uint64_t mfn,
                         const struct hv_page_status *st, char *detail,
                         size_t len)
{
	char name[HV_NAME_MAX];

	switch (st->owner) {
	case HV_OWNER_DOMAIN:
		if (st->deferred) {
			snprintf(
			    detail, len,
			    "%s, owned by domain %u (%s); offlined once "
			    "the owner has left (deferred: Xen not asked "
			    "while a PV guest holds it, see rasd(8))",
			    hv_page_state_name(st->state), st->domid,
			    rasd_domain_name(d, st->domid, name, sizeof(name)));
			break;
		}
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

/* A transaction of our own, unless the caller's batch is open. */
static bool txn_begin(struct rasd *d)
{
	if (journal_in_batch(d->journal))
		return false;
	return journal_begin(d->journal) == 0;
}

static void txn_end(struct rasd *d, bool ours)
{
	if (ours && journal_commit(d->journal) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal commit: %s",
		        journal_error(d->journal));
}

/*
 * Xen leaves a guest's frame pending until the guest lets it go, which
 * it never does by itself: moving the guest is what frees the frame.
 * Planned in the transaction of the page's outcome; true when a move
 * was queued.
 */
static bool evacuate_owner(struct rasd *d, const struct journal_action *a,
                           const struct hv_page_status *st)
{
	enum policy_action act =
	    actions_effective(d, d->policy.page_evacuate_owner);
	int32_t dimm = correlate_dimm_of(d->corr, a->target << 12);
	char why[128], name[HV_NAME_MAX], reason[200];

	if (st->state != HV_PAGE_PENDING || st->owner != HV_OWNER_DOMAIN ||
	    st->domid == 0 || act == POLICY_OFF)
		return false;
	snprintf(why, sizeof(why), "page 0x%llx is pending: dom%u owns it",
	         (unsigned long long)a->target, st->domid);
	if (act == POLICY_ACT)
		return evac_plan(d, st->domid, dimm, a->verdict_id, a->event_id,
		                 1, why) != NULL;
	snprintf(reason, sizeof(reason), "evacuate %s (dom%u): %s",
	         rasd_domain_name(d, st->domid, name, sizeof(name)), st->domid,
	         why);
	evac_recommend(d, st->domid, dimm, a->verdict_id, a->event_id, reason);
	return false;
}

static int page_offline_call(struct rasd *d, const struct journal_action *a,
                             bool hard, struct hv_page_status *st)
{
	memset(st, 0, sizeof(*st));
	if (hard)
		return d->hv->ops->page_offline_hard(d->hv, a->target, st);
	return d->hv->ops->page_offline(d->hv, a->target, st);
}

/* Outcome, page state and the owner's move: one transaction, then told. */
void page_offline_outcome(struct rasd *d, struct journal_action *a, int rc,
                          const struct hv_page_status *s, const char *how)
{
	struct hv_page_status st = *s;
	char detail[256], name[32], text[320];
	const char *component = "failed";
	bool ours, moving = false;

	snprintf(name, sizeof(name), "0x%llx", (unsigned long long)a->target);
	a->state = ACTION_FAILED;
	if (rc < 0) {
		snprintf(detail, sizeof(detail), "hypervisor: %s", d->hv->err);
	} else {
		page_outcome(d, a->target, &st, detail, sizeof(detail));
		snprintf(detail + strlen(detail),
		         sizeof(detail) - strlen(detail), "%s", how);
		if (st.state == HV_PAGE_OFFLINED ||
		    st.state == HV_PAGE_PENDING) {
			a->state = ACTION_DONE;
			d->pages_retired++;
			component = st.state == HV_PAGE_OFFLINED ? "offline"
			                                         : "pending";
		}
	}
	ours = txn_begin(d);
	action_finish(d, a->id, a->state, detail);
	component_set(d, "page", name, component, detail);
	if (rc == 0)
		moving = evacuate_owner(d, a, &st);
	txn_end(d, ours);
	snprintf(text, sizeof(text), "page_offline %s %s: %s", name,
	         a->state == ACTION_DONE ? "done" : "failed", detail);
	log_msg(&d->log, a->state == ACTION_DONE ? LOG_NOTICE : LOG_ERR,
	        "action", "%s", text);
	snprintf(a->detail, sizeof(a->detail), "%s", detail);
	notify_action_page(d, "PAGEOFF",
	                   a->state == ACTION_DONE ? LOG_WARNING : LOG_ERR, a,
	                   text, rc < 0 ? NULL : &st);
	if (moving)
		evac_pump(d);
}

int page_offline_run(struct rasd *d, struct journal_action *a, bool hard,
                     struct hv_page_status *out)
{
	struct hv_page_status st;
	int rc = page_offline_call(d, a, hard, &st);

	if (out != NULL)
		*out = st;
	page_offline_outcome(d, a, rc, &st, "");
	return rc;
}

void cpu_offline_run(struct rasd *d, struct journal_action *a)
{
	char err[256], name[16];
	bool ours;

	snprintf(name, sizeof(name), "%llu", (unsigned long long)a->target);
	if (cpu_offline_apply(d->cpus, d->hv, (uint32_t)a->target, err,
	                      sizeof(err)) < 0) {
		a->state = ACTION_FAILED;
		action_finish(d, a->id, ACTION_FAILED, err);
		log_msg(&d->log, LOG_ERR, "action", "cpu_offline %s failed: %s",
		        name, err);
		notify_action(d, "CPUOFF", LOG_ERR, a, err);
		return;
	}
	a->state = ACTION_DONE;
	ours = txn_begin(d);
	action_finish(d, a->id, ACTION_DONE, "offline");
	component_set(d, "cpu", name, "offline", a->reason);
	txn_end(d, ours);
	log_msg(&d->log, LOG_NOTICE, "action", "cpu_offline %s done", name);
	notify_action(d, "CPUOFF", LOG_WARNING, a, a->reason);
}

void actions_pages_planned(struct rasd *d, int delta)
{
	if (delta < 0 && d->pages_planned == 0)
		return;
	d->pages_planned += (uint64_t)(int64_t)delta;
}

/* ---- the plan's steps ---- */

void actions_runnable_add(struct rasd *d, int64_t action_id)
{
	if (d->n_runnable == d->cap_runnable) {
		size_t cap = d->cap_runnable ? d->cap_runnable * 2 : 16;
		int64_t *p = realloc(d->runnable, cap * sizeof(*p));

		if (p == NULL) {
			log_msg(&d->log, LOG_ERR, "action",
			        "out of memory: action %lld waits for a "
			        "restart",
			        (long long)action_id);
			return;
		}
		d->runnable = p;
		d->cap_runnable = cap;
	}
	d->runnable[d->n_runnable++] = action_id;
}

static void run_step(struct rasd *d, int64_t id)
{
	struct journal_action a;

	if (journal_action_get(d->journal, id, &a) < 0 ||
	    a.state != ACTION_INTENDED)
		return;
	crash_point(d, CRASH_INTENT);
	switch (a.kind) {
	case ACTION_PAGE_OFFLINE:
		actions_pages_planned(d, -1);
		page_offline_run(d, &a, strcmp(a.detail, "hard offline") == 0,
		                 NULL);
		break;
	case ACTION_CPU_OFFLINE:
		cpu_offline_run(d, &a);
		break;
	default:
		break;
	}
}

/*
 * The intents are on disk before the hypervisor hears of them: one sync
 * for the whole batch. A journal that cannot sync keeps the steps for
 * the sync timer to try again.
 */
void actions_run(struct rasd *d)
{
	size_t i;

	/* The journal's thread syncs; its answer brings us back here. */
	if (d->n_runnable > 0 && journal_unsynced(d->journal) &&
	    journal_sync_ask(d->journal) == 0)
		return;
	if (d->n_runnable > 0 && journal_sync(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "journal cannot make %zu intent(s) durable, not "
		        "acting yet: %s",
		        d->n_runnable, journal_error(d->journal));
		return;
	}
	for (i = 0; i < d->n_runnable; i++)
		run_step(d, d->runnable[i]);
	d->n_runnable = 0;
	evac_pump(d);
}

/* Move every guest off the host (health evacuate), rate-limited. */
void actions_evacuate_host(struct rasd *d, const char *why)
{
	enum policy_action act = actions_effective(d, POLICY_ACT);
	struct hv_domain doms[256];
	char reason[200];
	size_t i, n = 0;
	uint32_t seq = 0;
	bool ours;

	if (d->hv->ops->domains(d->hv, doms, 256, &n) < 0) {
		log_msg(&d->log, LOG_ERR, "action",
		        "cannot list the guests to evacuate: %s", d->hv->err);
		return;
	}
	ours = txn_begin(d);
	for (i = 0; i < n && i < 256; i++) {
		if (doms[i].control)
			continue;
		if (act == POLICY_ACT) {
			evac_plan(d, doms[i].domid, -1, 0, 0, ++seq, why);
			continue;
		}
		snprintf(reason, sizeof(reason), "evacuate %s (dom%u): %s",
		         doms[i].name, doms[i].domid, why);
		evac_recommend(d, doms[i].domid, -1, 0, 0, reason);
	}
	txn_end(d, ours);
	if (!journal_in_batch(d->journal))
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

/* The row is written; the hypervisor hears of it once it is on disk. */
static int operator_intent(struct rasd *d, struct journal_action *a, char *err,
                           size_t errlen)
{
	if (action_record(d, a) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	if (journal_sync(d->journal) == 0)
		return 0;
	snprintf(err, errlen, "journal cannot make the intent durable: %s",
	         journal_error(d->journal));
	action_finish(d, a->id, ACTION_FAILED, err);
	return -1;
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

void actions_page_unmark(struct rasd *d, uint64_t mfn)
{
	if (!pageset_has(&d->acted_pages, mfn))
		return;
	pageset_del(&d->acted_pages, mfn);
	if (d->pages_retired > 0)
		d->pages_retired--;
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
	if (operator_intent(d, a, err, errlen) < 0)
		return -1;
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
	actions_page_unmark(d, mfn);
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
	if (operator_intent(d, a, err, errlen) < 0)
		return -1;
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
	uint64_t n = 0, mfn;
	size_t i = 0;

	while (pageset_next(&d->acted_pages, &i, &mfn))
		if (correlate_dimm_of(d->corr, mfn << 12) == dimm)
			n++;
	return n;
}

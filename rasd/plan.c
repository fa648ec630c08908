/* plan.c - from verdict to plan, inside the batch that holds the event:
 * the verdict, the component's new state and every step it implies. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "actions_int.h"

/*
 * Everything here writes to the open batch and asks the hypervisor
 * nothing that changes the host: the steps run once the batch, with the
 * event that caused them, is durable (actions_run).
 */

static int64_t verdict_record(struct rasd *d, const struct pending_verdict *pv,
                              const char *type, const char *component,
                              uint32_t count, const char *detail)
{
	struct journal_verdict v;

	memset(&v, 0, sizeof(v));
	v.event_id = pv->event_id;
	v.time_ms = clock_now_ms(&d->clock);
	snprintf(v.type, sizeof(v.type), "%s", type);
	snprintf(v.component, sizeof(v.component), "%s", component);
	v.count = count;
	snprintf(v.detail, sizeof(v.detail), "%s", detail);
	if (journal_verdict_add(d->journal, &v) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
		return 0;
	}
	return v.id;
}

/* ---- pages ---- */

static bool page_cap_reached(struct rasd *d, char *why, size_t len)
{
	uint64_t share_cap =
	    d->topo.total_pages * d->policy.page_max_share_ppm / 1000000u;
	uint64_t taken = d->pages_retired + d->pages_planned;

	if (taken >= d->policy.page_max_offlined) {
		snprintf(why, len,
		         "cap reached: %llu pages offlined (max_offlined %u)",
		         (unsigned long long)taken,
		         d->policy.page_max_offlined);
		return true;
	}
	if (taken + 1 > share_cap) {
		snprintf(why, len,
		         "cap reached: %llu pages offlined of %llu allowed by "
		         "max_share",
		         (unsigned long long)taken,
		         (unsigned long long)share_cap);
		return true;
	}
	return false;
}

static enum policy_action page_policy(const struct rasd *d, bool ue, bool hard)
{
	enum policy_action act = d->policy.page_action;

	if (ue && !d->policy.page_offline_on_uncorrected)
		act = POLICY_OFF;
	/*
	 * A Linux kernel runs memory_failure on such a page itself; offlining
	 * it first makes the kernel skip it ("already hardware poisoned")
	 * and never report what it did with the owner.
	 */
	if (ue && !hard && strcmp(d->hv->ops->name, "linux") == 0)
		act = POLICY_OFF;
	return actions_effective(d, act);
}

static void page_reason(struct rasd *d, const struct verdict *v, bool ue,
                        bool hard, char *buf, size_t len)
{
	char win[16];

	if (ue)
		snprintf(
		    buf, len,
		    "page 0x%llx: uncorrected error with a usable address%s",
		    (unsigned long long)v->page, hard ? " (hard offline)" : "");
	else
		snprintf(
		    buf, len, "page 0x%llx: %u corrected errors within %s",
		    (unsigned long long)v->page, v->count,
		    window_text(d->policy.page.window_ms, win, sizeof(win)));
}

/*
 * One page offline of a plan, its action a filled but for state and
 * detail: refused past the caps, recommended, or intended and run once
 * the batch is durable. -1: the journal refused it, or the caps.
 */
static int page_step(struct rasd *d, struct journal_action *a,
                     enum policy_action act, bool hard)
{
	char why[160];

	if (act == POLICY_ACT && page_cap_reached(d, why, sizeof(why))) {
		a->state = ACTION_REFUSED;
		snprintf(a->detail, sizeof(a->detail), "%s", why);
		action_record(d, a);
		log_msg(&d->log, LOG_WARNING, "action",
		        "page_offline 0x%llx refused: %s",
		        (unsigned long long)a->target, why);
		notify_action(d, "PAGEOFF", LOG_WARNING, a, a->detail);
		return -1;
	}
	a->state = act == POLICY_ACT ? ACTION_INTENDED : ACTION_RECOMMENDED;
	/* How it is to run, until the outcome replaces it. */
	if (hard)
		snprintf(a->detail, sizeof(a->detail), "hard offline");
	if (action_record(d, a) < 0)
		return -1;
	if (act == POLICY_RECOMMEND) {
		log_msg(&d->log, LOG_NOTICE, "action",
		        "recommend: offline page 0x%llx (recommend-only mode)",
		        (unsigned long long)a->target);
		return 0;
	}
	actions_pages_planned(d, 1);
	actions_runnable_add(d, a->id);
	return 0;
}

static void page_plan(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	bool ue = v->type == VERDICT_PAGE_UNCORRECTED;
	bool hard = ue && d->policy.page_hard_offline_uncorrected &&
	            d->hv->ops->page_offline_hard != NULL;
	enum policy_action act = page_policy(d, ue, hard);
	struct journal_action a;

	if (act == POLICY_OFF || actions_page_acted(d, v->page))
		return;
	actions_page_mark(d, v->page);
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_PAGE_OFFLINE;
	a.target = v->page;
	a.event_id = pv->event_id;
	snprintf(a.component, sizeof(a.component), "page 0x%llx",
	         (unsigned long long)v->page);
	page_reason(d, v, ue, hard, a.reason, sizeof(a.reason));
	a.verdict_id = verdict_record(d, pv, verdict_type_name(v->type),
	                              a.component, v->count, a.reason);
	log_msg(&d->log, LOG_NOTICE, "verdict", "%s", a.reason);
	page_step(d, &a, act, hard);
}

/* ---- CPUs ---- */

static void core_refused(struct rasd *d, struct journal_action *a,
                         const char *why)
{
	a->state = ACTION_REFUSED;
	snprintf(a->detail, sizeof(a->detail), "%s", why);
	action_record(d, a);
	log_msg(&d->log, LOG_WARNING, "action", "cpu_offline %llu refused: %s",
	        (unsigned long long)a->target, why);
	notify_action(d, "CPUOFF", LOG_WARNING, a, why);
}

static void core_plan(struct rasd *d, const struct pending_verdict *pv)
{
	enum policy_action act = actions_effective(d, d->policy.cpu_action);
	uint32_t plan[64];
	size_t i, n = 0;
	char why[160], win[16];
	enum cpu_offline_refusal r;
	struct journal_action a;

	if (act == POLICY_OFF)
		return;
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
	log_msg(&d->log, LOG_NOTICE, "verdict",
	        "core of cpu %u: %u corrected cache/TLB/internal errors within "
	        "%s",
	        pv->cpu, pv->level,
	        window_text(d->policy.core.window_ms, win, sizeof(win)));
	a.verdict_id = verdict_record(d, pv, "core_threshold", a.component,
	                              pv->level, a.reason);
	if (r != CPU_OFFLINE_ALLOWED) {
		core_refused(d, &a, why);
		return;
	}
	for (i = 0; i < n && i < 64; i++) {
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
		cpu_offline_set_going(d->cpus, plan[i], true);
		actions_runnable_add(d, a.id);
	}
}

/* ---- DIMMs and sockets ---- */

/*
 * Degraded is a warning, not a verdict: nothing is done, so nothing is
 * planned. It is said once; the failing verdict supersedes. Its state is
 * written in the batch with the event.
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

/* The guests owning memory on the DIMM, or every guest when unknown. */
static int dimm_guests(struct rasd *d, const struct hv_dimm *m,
                       uint32_t *domids, size_t max, size_t *n)
{
	int rc = d->hv->ops->domains_on_range(
	    d->hv, m->start, m->start + m->size, domids, max, n);

	/*
	 * Xen cannot say which domain owns a machine frame: moving every
	 * guest is the only way to be sure none is left on the DIMM.
	 */
	if (rc == -EOPNOTSUPP) {
		log_msg(&d->log, LOG_WARNING, "action",
		        "the %s backend cannot tell which guests own memory on "
		        "%s: evacuating every guest",
		        d->hv->ops->name, m->label);
		rc = domains_all(d, domids, max, n);
	}
	if (rc < 0)
		log_msg(&d->log, LOG_ERR, "action",
		        "cannot list the guests on %s: %s", m->label,
		        d->hv->err);
	if (*n > max)
		*n = max;
	return rc;
}

/* The plan of a failing DIMM: each guest on it, in the order found. */
static void dimm_evacuation_plan(struct rasd *d, int32_t dimm,
                                 enum policy_action act, int64_t verdict_id,
                                 int64_t event_id, const char *cause)
{
	const struct hv_dimm *m = &d->dimms[dimm];
	uint32_t domids[256];
	char why[128], reason[128], name[HV_NAME_MAX];
	size_t i, n = 0;
	uint32_t seq = 0;

	if (dimm_guests(d, m, domids, 256, &n) < 0)
		return;
	snprintf(why, sizeof(why), "owns memory on %s%s%s", m->label,
	         cause[0] ? ": " : "", cause);
	for (i = 0; i < n; i++) {
		if (domids[i] == 0) {
			log_msg(&d->log, LOG_WARNING, "action",
			        "dom0 owns memory on %s; the control domain "
			        "cannot be migrated",
			        m->label);
			continue;
		}
		if (act == POLICY_ACT) {
			evac_plan(d, domids[i], dimm, verdict_id, event_id,
			          ++seq, why);
			continue;
		}
		snprintf(reason, sizeof(reason),
		         "evacuate %s (dom%u) off %s%s%s",
		         rasd_domain_name(d, domids[i], name, sizeof(name)),
		         domids[i], m->label, cause[0] ? ": " : "", cause);
		evac_recommend(d, domids[i], dimm, verdict_id, event_id,
		               reason);
	}
	if (act != POLICY_ACT)
		return;
	snprintf(d->dimm_health[dimm].state, sizeof(d->dimm_health[dimm].state),
	         "evacuating");
	component_set(d, "dimm", m->label, "evacuating",
	              "guests are being moved off");
	/* No guest on it: already as evacuated as it can be. */
	evac_dimm_check(d, dimm);
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

/* The DIMM is failing: its state, the verdict, the evacuation plan. */
static void dimm_fail(struct rasd *d, const struct pending_verdict *pv,
                      const char *type, const char *detail, const char *cause)
{
	const struct verdict *v = &pv->mem;
	struct dimm_health *h = &d->dimm_health[v->dimm];
	enum policy_action act = actions_effective(d, d->policy.dimm_action);
	const char *label = d->dimms[v->dimm].label;
	int64_t verdict_id;

	h->acted = true;
	snprintf(h->state, sizeof(h->state), "failing");
	component_set(d, "dimm", label, "failing", detail);
	verdict_id = verdict_record(d, pv, type, label, v->count, detail);
	notify_dimm(d, v, label, detail);
	log_msg(&d->log, LOG_WARNING, "verdict", "DIMM %s failing: %s", label,
	        detail);
	if (act != POLICY_OFF)
		dimm_evacuation_plan(d, v->dimm, act, verdict_id, pv->event_id,
		                     cause);
}

static void dimm_plan(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	struct dimm_health *h = &d->dimm_health[v->dimm];
	char detail[160], win[16];

	if (v->type == VERDICT_DIMM_UNCORRECTED)
		h->ue++;
	if (h->acted)
		return;
	if (v->type == VERDICT_DIMM_UNCORRECTED)
		snprintf(detail, sizeof(detail),
		         "uncorrected error: the DIMM is failing");
	else
		snprintf(
		    detail, sizeof(detail),
		    "%u distinct pages with corrected errors within %s",
		    v->count,
		    window_text(d->policy.dimm.window_ms, win, sizeof(win)));
	dimm_fail(d, pv, verdict_type_name(v->type), detail, "");
}

/* ---- DRAM rows and fault modes ---- */

/* "rank 0 bg 1 bank 2 row 0x1a2" */
static void row_text(const struct dram_coord *c, char *buf, size_t len)
{
	if (c->have & DRAM_HAVE_BG)
		snprintf(buf, len, "rank %u bg %u bank %u row 0x%x", c->rank,
		         c->bank_group, c->bank, c->row);
	else
		snprintf(buf, len, "rank %u bank %u row 0x%x", c->rank, c->bank,
		         c->row);
}

static void notify_dram(struct rasd *d, const struct verdict *v,
                        const char *text, const char *mode)
{
	const struct hv_dimm *m = &d->dimms[v->dimm];
	struct notice n;

	rasd_notice_start(d, &n, "DRAM", LOG_WARNING, "%s", text);
	notice_add(&n, "dimm", "%s", m->label);
	notice_add(&n, "socket", "%u", m->socket);
	notice_add(&n, "channel", "%u", m->channel);
	notice_add(&n, "mode", "%s", mode);
	notice_add(&n, "count", "%u", v->count);
	telemetry_notice(d, &n);
}

/* The row's pages, and what the plan says of where they came from. */
static size_t row_pages(struct rasd *d, const struct verdict *v, uint64_t *mfns,
                        char *detail, size_t len)
{
	uint32_t max = d->policy.row_max_pages;
	bool mapped;
	size_t n =
	    correlate_row_pages(d->corr, v->dimm, &v->coord,
	                        clock_now_ms(&d->clock), mfns, max, &mapped);

	if (!mapped)
		snprintf(detail, len,
		         "no address map for the DIMM: the %zu page(s) seen "
		         "in error on the row",
		         n);
	else if (n > max)
		snprintf(detail, len,
		         "the row spans %zu pages; [row] max_pages %u: the "
		         "first %u",
		         n, max, max);
	else
		snprintf(detail, len,
		         "every page of the row: %zu (address map)", n);
	return n > max ? max : n;
}

static void row_plan(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	enum policy_action act = actions_effective(d, d->policy.row_action);
	const char *label = d->dimms[v->dimm].label;
	uint64_t mfns[POLICY_ROW_MAX_PAGES];
	char where[64], detail[160], win[16], text[256];
	struct journal_action a;
	size_t n, i;

	if (act == POLICY_OFF)
		return;
	row_text(&v->coord, where, sizeof(where));
	n = row_pages(d, v, mfns, detail, sizeof(detail));
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_PAGE_OFFLINE;
	a.event_id = pv->event_id;
	snprintf(a.reason, sizeof(a.reason),
	         "%s %s: %u corrected errors within %s", label, where, v->count,
	         window_text(d->policy.row.window_ms, win, sizeof(win)));
	snprintf(text, sizeof(text), "row isolation: %.127s; %s", a.reason,
	         detail);
	snprintf(a.component, sizeof(a.component), "%s row 0x%x", label,
	         v->coord.row);
	a.verdict_id = verdict_record(d, pv, "row_threshold", a.component,
	                              v->count, detail);
	log_msg(&d->log, LOG_WARNING, "verdict", "%s", text);
	notify_dram(d, v, text, "row");
	for (i = 0; i < n; i++) {
		if (actions_page_acted(d, mfns[i]))
			continue;
		actions_page_mark(d, mfns[i]);
		a.id = 0;
		a.detail[0] = '\0';
		a.target = mfns[i];
		if (page_step(d, &a, act, false) < 0)
			return;
	}
}

static void mode_plan(struct rasd *d, const struct pending_verdict *pv)
{
	const struct verdict *v = &pv->mem;
	const char *label = d->dimms[v->dimm].label;
	const char *mode = dram_mode_name((enum dram_mode)v->mode);
	char detail[160], cell[64], win[16], cause[64];

	dram_coord_text(&v->coord, cell, sizeof(cell));
	snprintf(detail, sizeof(detail),
	         "fault mode %s (was %s): %u distinct cells within %s, the "
	         "latest %s",
	         mode, dram_mode_name((enum dram_mode)v->prev_mode), v->count,
	         window_text(d->policy.dimm.window_ms, win, sizeof(win)), cell);
	verdict_record(d, pv, "fault_mode", label, v->count, detail);
	log_msg(&d->log, LOG_NOTICE, "verdict", "DIMM %s: %s", label, detail);
	notify_dram(d, v, detail, mode);
	/* The modes that come before uncorrectable errors, if the policy
	 * says so: move the guests now rather than at the threshold. */
	if (!(d->policy.dram_evacuate_modes >> v->mode & 1) ||
	    d->dimm_health[v->dimm].acted)
		return;
	snprintf(cause, sizeof(cause), "fault mode %s", mode);
	dimm_fail(d, pv, "fault_mode_evacuate", detail, cause);
}

static void socket_plan(struct rasd *d, const struct pending_verdict *pv)
{
	char name[16], comp[24], detail[128], win[16];
	struct notice n;

	if (pv->mem.socket >= d->topo.nr_sockets ||
	    d->socket_state[pv->mem.socket])
		return;
	d->socket_state[pv->mem.socket] = 1;
	snprintf(name, sizeof(name), "%u", pv->mem.socket);
	snprintf(comp, sizeof(comp), "socket %u", pv->mem.socket);
	snprintf(detail, sizeof(detail), "%u corrected memory errors within %s",
	         pv->mem.count,
	         window_text(d->policy.socket.window_ms, win, sizeof(win)));
	component_set(d, "socket", name, "degraded", detail);
	verdict_record(d, pv, verdict_type_name(pv->mem.type), comp,
	               pv->mem.count, detail);
	rasd_notice_start(d, &n, "SOCKET", LOG_WARNING,
	                  "socket %u degraded: %s", pv->mem.socket, detail);
	notice_add(&n, "socket", "%u", pv->mem.socket);
	notice_add(&n, "count", "%u", pv->mem.count);
	notice_add(&n, "threshold", "%u", d->policy.socket.limit);
	telemetry_notice(d, &n);
	log_msg(&d->log, LOG_WARNING, "verdict", "socket %u degraded: %s",
	        pv->mem.socket, detail);
}

void plan_verdict(struct rasd *d, const struct pending_verdict *pv)
{
	if (pv->core) {
		core_plan(d, pv);
		return;
	}
	switch (pv->mem.type) {
	case VERDICT_PAGE_THRESHOLD:
	case VERDICT_PAGE_UNCORRECTED:
		page_plan(d, pv);
		break;
	case VERDICT_DIMM_THRESHOLD:
	case VERDICT_DIMM_UNCORRECTED:
		if (pv->mem.dimm >= 0 && (size_t)pv->mem.dimm < d->n_dimms)
			dimm_plan(d, pv);
		break;
	case VERDICT_SOCKET_THRESHOLD:
		socket_plan(d, pv);
		break;
	case VERDICT_ROW_THRESHOLD:
		if (pv->mem.dimm >= 0 && (size_t)pv->mem.dimm < d->n_dimms)
			row_plan(d, pv);
		break;
	case VERDICT_DIMM_MODE:
		if (pv->mem.dimm >= 0 && (size_t)pv->mem.dimm < d->n_dimms)
			mode_plan(d, pv);
		break;
	}
}

void actions_plan_batch(struct rasd *d)
{
	size_t i;

	/* Planning queues nothing new, but copy the count: it may. */
	for (i = 0; i < d->n_pending; i++)
		plan_verdict(d, &d->pending[i]);
	d->n_pending = 0;
}

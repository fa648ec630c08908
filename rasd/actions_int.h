/* actions_int.h - what the files behind actions share: planning a verdict
 * (plan.c), running its steps (actions.c), evacuations (evacuate.c) and
 * picking them up after a restart (resume.c). */
#ifndef RASD_ACTIONS_INT_H
#define RASD_ACTIONS_INT_H

#include "rasd.h"

#define HOUR_MS (3600ull * 1000)

/* "24h", "90m", "45s": windows as the policy file writes them. */
const char *window_text(uint64_t ms, char *buf, size_t len);
/* The policy's action, or recommend where the policy says recommend-only. */
enum policy_action actions_effective(const struct rasd *d,
                                     enum policy_action a);
/* A component's new state row; logs a journal failure. */
void component_set(struct rasd *d, const char *kind, const char *name,
                   const char *state, const char *detail);
/* Write an action row (created now); -1 when the journal refused, and
 * then nothing may run. */
int action_record(struct rasd *d, struct journal_action *a);
/* Its outcome, with a detail; logs a journal failure. */
void action_finish(struct rasd *d, int64_t id, enum action_state st,
                   const char *detail);
/* One notice per action outcome; st (may be NULL) names a page's owner. */
void notify_action_page(struct rasd *d, const char *msgid, int prio,
                        const struct journal_action *a, const char *text,
                        const struct hv_page_status *st);
void notify_action(struct rasd *d, const char *msgid, int prio,
                   const struct journal_action *a, const char *text);
/* A step to run once the batch that planned it is durable. */
void actions_runnable_add(struct rasd *d, int64_t action_id);

/* How a page offline ended (rc and the hypervisor's status), recorded
 * once; `how` is appended to the detail. */
void page_offline_outcome(struct rasd *d, struct journal_action *a, int rc,
                          const struct hv_page_status *st, const char *how);
/* Run a journaled page offline and record how it went, once. */
int page_offline_run(struct rasd *d, struct journal_action *a, bool hard,
                     struct hv_page_status *out);
/* Run a journaled CPU offline and record how it went, once. */
void cpu_offline_run(struct rasd *d, struct journal_action *a);
/* An operator put the page back: it may be offlined again. */
void actions_page_unmark(struct rasd *d, uint64_t mfn);
/* Count a page offline decided (intended) against the caps. */
void actions_pages_planned(struct rasd *d, int delta);

/* target.c: ask [evacuation] target_command where j goes; its answer
 * comes to evac_target_answer. -1: it could not be started. */
int target_ask(struct rasd *d, struct evac_job *j);

/* evacuate.c */
/* The target command's answer for job_id: a peer, "none", or NULL with
 * why it gave none. */
void evac_target_answer(struct rasd *d, int64_t job_id, const char *peer,
                        const char *why);
/* Plan one guest's move: a queued evacuation row (inside a batch). */
struct evac_job *evac_plan(struct rasd *d, uint32_t domid, int32_t dimm,
                           int64_t verdict_id, int64_t event_id, uint32_t seq,
                           const char *why);
/* Journal a recommend-only move; dimm -1: off the host. */
void evac_recommend(struct rasd *d, uint32_t domid, int32_t dimm,
                    int64_t verdict_id, int64_t event_id, const char *reason);
struct evac_job *evac_job_of_domid(struct rasd *d, uint32_t domid);
/* Start what the limits allow. */
void evac_pump(struct rasd *d);
/* Has every move off this DIMM ended? Then say how. */
void evac_dimm_check(struct rasd *d, int32_t dimm);
/* The journal row of a job changed: write it. */
int evac_job_save(struct rasd *d, struct evac_job *j);
/* A job from its journal row (restart), or NULL out of memory. */
struct evac_job *evac_job_load(struct rasd *d,
                               const struct journal_evacuation *e);
/* Reconcile a migrate attempt found unfinished after a restart. */
void evac_resume_attempt(struct rasd *d, struct journal_action *a);
/* A peer refused: it is tried last until then (journaled). */
void evac_backoff_set(struct rasd *d, size_t peer, uint64_t until_ms);
/* Timed memory back from the journal: refused peers, the rate window. */
int evac_timers_load(struct rasd *d);
/* The DIMM index of a label, or -1 ("host"). */
int32_t dimm_index_of(const struct rasd *d, const char *label);

/* plan.c */
void plan_verdict(struct rasd *d, const struct pending_verdict *pv);

#endif

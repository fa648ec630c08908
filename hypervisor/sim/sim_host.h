/* sim_host.h - the running simulated host shared by its source files:
 * what changed since the scenario started, and the calls it received. */
#ifndef RASD_HV_SIM_HOST_H
#define RASD_HV_SIM_HOST_H

#include <stdio.h>

#include "hypervisor/sim/sim_internal.h"

/* A frame taken out of use, or waiting for its owner to let go. */
struct sim_page {
	uint64_t mfn;
	enum hv_page_state state; /* HV_PAGE_PENDING or HV_PAGE_OFFLINED */
	enum hv_page_owner owner; /* who held it when offlining began */
	uint32_t domid;
};

/* One page_offline call as the daemon saw its answer. */
struct sim_offline_call {
	uint64_t mfn;
	uint64_t at_ms;
	struct hv_page_status status;
};

enum sim_migration_state {
	SIM_MIGRATION_RUNNING,
	SIM_MIGRATION_DONE,
	SIM_MIGRATION_FAILED,
};

struct sim_migration {
	uint64_t id;
	size_t domain; /* index into the scenario's domains */
	size_t peer;
	uint64_t due_ms; /* virtual time it completes */
	enum sim_migration_state state;
	int error;        /* FAILED: ECONNREFUSED or ENOMEM */
	char detail[160]; /* FAILED: the peer's refusal */
};

struct sim_cpu_state {
	bool online;
	bool ever_offlined;
};

struct sim_domain_state {
	bool present; /* still on this host */
	bool migrating;
};

struct sim_host {
	struct hv hv; /* first: the ops see a struct hv * */
	struct sim_scenario *sc;
	uint64_t start_ms;
	FILE *call_log;
	struct sim_mcelog *mcelog;
	int timer_fd;
	struct sim_cpu_state *cpus;
	uint32_t cpus_online;
	struct sim_domain_state *domains;
	bool *domain_marks; /* scratch for domains_on_range */
	uint64_t *peer_free;
	uint32_t *fired; /* per timeline entry: records fired */
	size_t *heap;    /* entries with records left, by next due */
	size_t heap_len;
	struct sim_page *pages;
	size_t n_pages, cap_pages;
	struct sim_offline_call *offline_calls;
	size_t n_offline_calls, cap_offline_calls;
	struct sim_migration *migrations;
	size_t n_migrations, cap_migrations;
	struct hv_event *queue; /* events not yet taken by events() */
	size_t n_queued, cap_queue;
	bool done_queued;
	bool held; /* the timeline waits for hv_sim_start_timeline */
	bool feeding; /* records still come from outside (rasd-simhost --feed) */
	struct sim_stats stats;
};

/* NULL when hv is another backend. */
struct sim_host *sim_host_from(struct hv *hv);
void sim_log_call(struct sim_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sim_host_fail(struct sim_host *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
struct sim_page *sim_page_find(struct sim_host *h, uint64_t mfn);

/* sim_timeline.c: virtual time, the timeline and migrations. */
int sim_timeline_open(struct sim_host *h, char *err, size_t errlen);
void sim_timeline_close(struct sim_host *h);
void sim_timer_arm(struct sim_host *h);
int sim_host_event_fd(struct hv *hv);
int sim_host_events(struct hv *hv, struct hv_event *out, size_t max, size_t *n);
int sim_host_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                           uint64_t *migration_id);
int sim_host_migration_query(struct hv *hv, uint32_t domid,
                             struct hv_migration *out);

#endif

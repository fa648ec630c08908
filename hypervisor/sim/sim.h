/* sim.h - the simulated Xen host: a scenario file describes the machine,
 * its guests, its peers and a timeline of faults with expectations. */
#ifndef RASD_HV_SIM_H
#define RASD_HV_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "../hv.h"

struct sim_scenario;

/*
 * Parse scenario text (the format is in hypervisor/sim/README.md and
 * man/rasd-scenario.5). `name` is used in messages ("name:line: reason").
 * Returns 0, or -1 with the first error in err; nothing is half-built.
 */
int sim_scenario_parse(const char *text, size_t len, const char *name,
                       struct sim_scenario **out, char *err, size_t errlen);
int sim_scenario_load(const char *path, struct sim_scenario **out, char *err,
                      size_t errlen);
void sim_scenario_free(struct sim_scenario *sc);

/* Virtual ms from scenario start to the last timeline entry. */
uint64_t sim_scenario_duration_ms(const struct sim_scenario *sc);

/* A host backend running `sc` (takes ownership) on `clock`. */
struct hv *hv_sim_open(struct sim_scenario *sc, const struct clock *clock,
                       const struct hv_options *opts, char *err, size_t errlen);

/* What the daemon reports at the end of a run, checked against `expect`. */
struct sim_observed {
	uint64_t events;
	uint64_t pages_offlined;
	uint64_t cpus_offlined;
	uint64_t guests_evacuated;
	uint64_t actions_failed;
};

/*
 * Check the scenario's expectations against what the daemon observed and
 * against the calls the simulated hypervisor received (pages it offlined,
 * CPUs it took down, domains it migrated and where). Writes one line per
 * expectation ("ok ..." / "FAILED ...") into report. Returns the number
 * of failed expectations (0: all held).
 */
int hv_sim_check(struct hv *hv, const struct sim_observed *obs, char *report,
                 size_t len);

/*
 * A host opened with hv_options.sim_hold keeps its timeline still until
 * this; *start_ms is when the timeline began (also when it already had).
 * -1 when hv is not a simulated host in this process.
 */
int hv_sim_start_timeline(struct hv *hv, uint64_t *start_ms);

/*
 * Records come from outside the timeline too (rasd-simhost --feed): the
 * scenario is not over until the feed says it has ended (false).
 */
int hv_sim_feeding(struct hv *hv, bool feeding);

/* The virtual time at which the scenario's timeline began. */
uint64_t hv_sim_start_ms(struct hv *hv);

/* What the simulated host has done so far, for tests and the demo. */
struct sim_stats {
	uint64_t records_fired;   /* into the mcelog: timeline and inject */
	uint64_t records_dropped; /* of those, lost to a full log */
	uint64_t records_pending; /* timeline records not yet fired */
	uint64_t late_max_ms;     /* the most a record fired after it was due */
	uint64_t page_offline_calls;
	uint64_t cpu_offline_calls;
	uint64_t migrations_started;
	uint64_t migrations_done;
	uint64_t migrations_failed;
	uint64_t migrations_running;
};

/* Returns 0, or -1 when hv is not a simulated host. */
int hv_sim_stats(struct hv *hv, struct sim_stats *out);

/*
 * A backend standing in for a simulated host that another process holds
 * (rasd's engine, whose parent holds the host) answers hv_sim_clock,
 * hv_sim_scenario_done, hv_sim_start_timeline, hv_sim_stats and
 * hv_sim_check through these; -1 where it has no such host.
 */
struct hv_sim_proxy {
	int (*clock)(struct hv *hv, struct clock *out);
	int (*scenario_done)(struct hv *hv);
	int (*start_timeline)(struct hv *hv, uint64_t *start_ms);
	int (*stats)(struct hv *hv, struct sim_stats *out);
	int (*check)(struct hv *hv, const struct sim_observed *obs,
	             char *report, size_t len);
};

#endif

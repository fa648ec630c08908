/* cpu_offline.h - CPU isolation: which errors count against a core, the
 * threshold rule per core, the safety rules, and offlining through hv. */
#ifndef RASD_CPU_OFFLINE_H
#define RASD_CPU_OFFLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hypervisor/hv.h"
#include "../include/leaky_bucket.h"
#include "../mce/mce.h"

struct cpu_offline_rules {
	struct leaky_rule core;   /* corrected errors on one core */
	const uint8_t *protected; /* bitmap of CPUs never to offline */
	size_t protected_bits;
};

struct cpu_offline;

/* Cores are (socket, core id); every thread of a core shares a bucket. */
int cpu_offline_create(struct cpu_offline **out,
                       const struct cpu_offline_rules *rules,
                       const struct hv_cpu *cpus, size_t n_cpus);
void cpu_offline_destroy(struct cpu_offline *co);

/*
 * Cache, TLB and internal errors that were corrected or deferred count
 * against the core that saw them; memory-controller and bus errors do
 * not (they are the DIMM's or the platform's), nor do uncorrected ones
 * (those call for a page or a reboot, not for retiring a core).
 */
bool cpu_offline_counts(const struct mce_decoded *d);

/*
 * Charge an error seen by `cpu`. Returns true when the core's bucket
 * overflows; *level gets the errors in the window.
 */
bool cpu_offline_charge(struct cpu_offline *co, uint32_t cpu, uint64_t now_ms,
                        uint32_t *level);

enum cpu_offline_refusal {
	CPU_OFFLINE_ALLOWED,
	CPU_OFFLINE_UNKNOWN_CPU,
	CPU_OFFLINE_PROTECTED, /* the policy pins one of the core's CPUs */
	CPU_OFFLINE_LAST_CPUS, /* would leave no CPU online */
	CPU_OFFLINE_ALREADY,   /* every thread of the core is offline */
};

/*
 * Which CPUs taking `cpu`'s core down means (its online threads), and
 * whether the safety rules allow it. The reason is in why.
 */
enum cpu_offline_refusal cpu_offline_plan(const struct cpu_offline *co,
                                          uint32_t cpu, uint32_t *cpus,
                                          size_t max, size_t *n, char *why,
                                          size_t whylen);

/*
 * Offline one CPU through the hypervisor and remember it. Re-checks the
 * last-CPU rule, so a plan gone stale cannot take the host down.
 */
int cpu_offline_apply(struct cpu_offline *co, struct hv *hv, uint32_t cpu,
                      char *err, size_t errlen);

/*
 * An offline of cpu is decided but not yet done: later plans count it as
 * gone (two plans in one batch never take the last CPUs between them).
 * cpu_offline_apply clears it, whatever the outcome.
 */
void cpu_offline_set_going(struct cpu_offline *co, uint32_t cpu, bool going);
bool cpu_offline_is_online(const struct cpu_offline *co, uint32_t cpu);
uint32_t cpu_offline_online_count(const struct cpu_offline *co);
uint32_t cpu_offline_core_level(const struct cpu_offline *co, uint32_t cpu,
                                uint64_t now_ms);
uint64_t cpu_offline_core_errors(const struct cpu_offline *co, uint32_t cpu);
/* The hypervisor changed a CPU behind rasd's back (hotplug). */
void cpu_offline_set_online(struct cpu_offline *co, uint32_t cpu, bool online);

const char *cpu_offline_refusal_name(enum cpu_offline_refusal r);

#endif

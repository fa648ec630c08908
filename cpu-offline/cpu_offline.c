/* cpu_offline.c - per-core buckets and the safety rules that decide
 * whether a core may be taken down, and the hypervisor call that does it. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu_offline.h"

struct core_state {
	struct leaky_bucket bucket;
	uint64_t errors;
};

struct cpu_offline {
	struct leaky_rule rule;
	uint8_t *protected;
	size_t protected_bits;
	struct hv_cpu *cpus;
	size_t n_cpus;
	uint32_t *core_of; /* cpus[i] -> index into cores */
	bool *going;       /* cpus[i]: an offline is decided, not yet done */
	struct core_state *cores;
	size_t n_cores;
	uint64_t *slots;
};

const char *cpu_offline_refusal_name(enum cpu_offline_refusal r)
{
	switch (r) {
	case CPU_OFFLINE_ALLOWED:
		return "allowed";
	case CPU_OFFLINE_UNKNOWN_CPU:
		return "unknown cpu";
	case CPU_OFFLINE_PROTECTED:
		return "protected by policy";
	case CPU_OFFLINE_LAST_CPUS:
		return "would leave no cpu online";
	case CPU_OFFLINE_ALREADY:
		return "already offline";
	}
	return "unknown";
}

bool cpu_offline_counts(const struct mce_decoded *d)
{
	if (d->severity != MCE_SEV_CORRECTED && d->severity != MCE_SEV_DEFERRED)
		return false;
	return d->kind == MCE_KIND_CACHE || d->kind == MCE_KIND_TLB ||
	       d->kind == MCE_KIND_INTERNAL;
}

static int cpu_index(const struct cpu_offline *co, uint32_t cpu)
{
	size_t i;

	/* The hypervisor numbers CPUs densely; try the direct slot first. */
	if (cpu < co->n_cpus && co->cpus[cpu].cpu == cpu)
		return (int)cpu;
	for (i = 0; i < co->n_cpus; i++)
		if (co->cpus[i].cpu == cpu)
			return (int)i;
	return -1;
}

static uint32_t find_core(const struct cpu_offline *co, size_t upto,
                          const struct hv_cpu *c)
{
	size_t i;

	for (i = 0; i < upto; i++)
		if (co->cpus[i].socket == c->socket &&
		    co->cpus[i].core == c->core)
			return co->core_of[i];
	return UINT32_MAX;
}

static int cores_build(struct cpu_offline *co)
{
	size_t i, limit = co->rule.limit;

	for (i = 0; i < co->n_cpus; i++) {
		uint32_t core = find_core(co, i, &co->cpus[i]);

		co->core_of[i] =
		    core != UINT32_MAX ? core : (uint32_t)co->n_cores++;
	}
	co->cores = calloc(co->n_cores + 1, sizeof(*co->cores));
	co->slots = calloc(co->n_cores * limit + 1, sizeof(uint64_t));
	if (co->cores == NULL || co->slots == NULL)
		return -1;
	for (i = 0; i < co->n_cores; i++)
		leaky_bucket_init(&co->cores[i].bucket, co->slots + i * limit);
	return 0;
}

int cpu_offline_create(struct cpu_offline **out,
                       const struct cpu_offline_rules *rules,
                       const struct hv_cpu *cpus, size_t n_cpus)
{
	struct cpu_offline *co = calloc(1, sizeof(*co));
	size_t bytes = (rules->protected_bits + 7) / 8;

	if (co == NULL)
		return -1;
	co->rule = rules->core;
	co->n_cpus = n_cpus;
	co->protected_bits = rules->protected_bits;
	co->protected = calloc(bytes + 1, 1);
	co->cpus = calloc(n_cpus + 1, sizeof(*cpus));
	co->core_of = calloc(n_cpus + 1, sizeof(uint32_t));
	co->going = calloc(n_cpus + 1, sizeof(bool));
	if (!co->protected || !co->cpus || !co->core_of || !co->going) {
		cpu_offline_destroy(co);
		return -1;
	}
	if (bytes > 0 && rules->protected != NULL)
		memcpy(co->protected, rules->protected, bytes);
	if (n_cpus > 0)
		memcpy(co->cpus, cpus, n_cpus * sizeof(*cpus));
	if (cores_build(co) < 0) {
		cpu_offline_destroy(co);
		return -1;
	}
	*out = co;
	return 0;
}

void cpu_offline_destroy(struct cpu_offline *co)
{
	if (co == NULL)
		return;
	free(co->protected);
	free(co->cpus);
	free(co->core_of);
	free(co->going);
	free(co->cores);
	free(co->slots);
	free(co);
}

bool cpu_offline_charge(struct cpu_offline *co, uint32_t cpu, uint64_t now_ms,
                        uint32_t *level)
{
	int i = cpu_index(co, cpu);
	struct core_state *cs;
	bool over;

	*level = 0;
	if (i < 0)
		return false;
	cs = &co->cores[co->core_of[i]];
	cs->errors++;
	over = leaky_bucket_charge(&cs->bucket, &co->rule, now_ms);
	*level = leaky_bucket_level(&cs->bucket, &co->rule, now_ms);
	return over;
}

static bool cpu_protected(const struct cpu_offline *co, uint32_t cpu)
{
	if (cpu >= co->protected_bits)
		return false;
	return (co->protected[cpu / 8] >> (cpu % 8)) & 1;
}

uint32_t cpu_offline_online_count(const struct cpu_offline *co)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < co->n_cpus; i++)
		n += co->cpus[i].online;
	return n;
}

/* Online and not already decided to go: what a new plan may count on. */
static bool cpu_staying(const struct cpu_offline *co, size_t i)
{
	return co->cpus[i].online && !co->going[i];
}

static uint32_t staying_count(const struct cpu_offline *co)
{
	uint32_t n = 0;
	size_t i;

	for (i = 0; i < co->n_cpus; i++)
		n += cpu_staying(co, i);
	return n;
}

void cpu_offline_set_going(struct cpu_offline *co, uint32_t cpu, bool going)
{
	int i = cpu_index(co, cpu);

	if (i >= 0)
		co->going[i] = going;
}

enum cpu_offline_refusal cpu_offline_plan(const struct cpu_offline *co,
                                          uint32_t cpu, uint32_t *cpus,
                                          size_t max, size_t *n, char *why,
                                          size_t whylen)
{
	int idx = cpu_index(co, cpu);
	uint32_t core;
	size_t i;

	*n = 0;
	if (idx < 0) {
		snprintf(why, whylen, "cpu %u is not on this host", cpu);
		return CPU_OFFLINE_UNKNOWN_CPU;
	}
	core = co->core_of[idx];
	for (i = 0; i < co->n_cpus; i++) {
		if (co->core_of[i] != core)
			continue;
		if (cpu_protected(co, co->cpus[i].cpu)) {
			snprintf(why, whylen,
			         "cpu %u shares the core and is protected by "
			         "the policy",
			         co->cpus[i].cpu);
			*n = 0;
			return CPU_OFFLINE_PROTECTED;
		}
		if (cpu_staying(co, i) && *n < max)
			cpus[(*n)++] = co->cpus[i].cpu;
	}
	if (*n == 0) {
		snprintf(why, whylen,
		         "every thread of cpu %u's core is offline", cpu);
		return CPU_OFFLINE_ALREADY;
	}
	if (*n >= staying_count(co)) {
		snprintf(why, whylen,
		         "the core of cpu %u holds the last online cpus", cpu);
		*n = 0;
		return CPU_OFFLINE_LAST_CPUS;
	}
	snprintf(why, whylen, "core of cpu %u: %zu online thread(s)", cpu, *n);
	return CPU_OFFLINE_ALLOWED;
}

int cpu_offline_apply(struct cpu_offline *co, struct hv *hv, uint32_t cpu,
                      char *err, size_t errlen)
{
	int idx = cpu_index(co, cpu), rc;

	if (idx < 0) {
		snprintf(err, errlen, "cpu %u is not on this host", cpu);
		return -ENOENT;
	}
	co->going[idx] = false;
	if (!co->cpus[idx].online)
		return 0;
	if (cpu_protected(co, cpu)) {
		snprintf(err, errlen, "cpu %u is protected by the policy", cpu);
		return -EPERM;
	}
	if (cpu_offline_online_count(co) <= 1) {
		snprintf(err, errlen, "cpu %u is the last online cpu", cpu);
		return -EBUSY;
	}
	rc = hv->ops->cpu_offline(hv, cpu);
	if (rc < 0) {
		snprintf(err, errlen, "cpu %u: %s", cpu, hv->err);
		return rc;
	}
	co->cpus[idx].online = false;
	return 0;
}

bool cpu_offline_is_online(const struct cpu_offline *co, uint32_t cpu)
{
	int i = cpu_index(co, cpu);

	return i >= 0 && co->cpus[i].online;
}

void cpu_offline_set_online(struct cpu_offline *co, uint32_t cpu, bool online)
{
	int i = cpu_index(co, cpu);

	if (i >= 0)
		co->cpus[i].online = online;
}

uint32_t cpu_offline_core_level(const struct cpu_offline *co, uint32_t cpu,
                                uint64_t now_ms)
{
	int i = cpu_index(co, cpu);

	if (i < 0)
		return 0;
	return leaky_bucket_level(&co->cores[co->core_of[i]].bucket, &co->rule,
	                          now_ms);
}

uint64_t cpu_offline_core_errors(const struct cpu_offline *co, uint32_t cpu)
{
	int i = cpu_index(co, cpu);

	return i < 0 ? 0 : co->cores[co->core_of[i]].errors;
}

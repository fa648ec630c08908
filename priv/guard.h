/* guard.h - the safety rules the privileged parent applies to every
 * request of its engine, whatever the engine decided: its own last line. */
#ifndef RASD_PRIV_GUARD_H
#define RASD_PRIV_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "../hypervisor/hv.h"
#include "../rasd/policy.h"

/*
 * The engine parses what local users and the network send; if one of
 * those parsers is taken over, the engine may ask anything. The parent
 * refuses, from its own reading of the policy and its own view of the
 * host:
 *   - CPU 0, a CPU the policy protects, or the last online CPU;
 *   - a page past the policy's caps ([page] max_offlined, max_share),
 *     counted by the parent over its own life;
 *   - a migration of the control domain (dom0) or of a domain the host
 *     does not know.
 * Each returns 0 (allowed) or -1 with the reason in why.
 */
struct guard {
	struct policy policy;
	uint64_t total_pages;    /* the host's, from its topology */
	uint64_t pages_offlined; /* asked by this parent and taken */
};

void guard_init(struct guard *g, const struct policy *p, uint64_t total_pages);
int guard_cpu_offline(const struct guard *g, const struct hv_cpu *cpus,
                      size_t n, uint32_t cpu, char *why, size_t len);
int guard_page_offline(const struct guard *g, char *why, size_t len);
/* A page offline the hypervisor took (offlined or pending): counted. */
void guard_page_taken(struct guard *g, const struct hv_page_status *st);
int guard_migrate(const struct guard *g, const struct hv_domain *doms, size_t n,
                  uint32_t domid, char *why, size_t len);

#endif

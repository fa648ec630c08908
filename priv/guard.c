/* guard.c - the parent's safety rules: pure functions of its policy, its
 * counts and the host's lists, so that they are tested without a host. */
#include <stdio.h>
#include <string.h>

#include "guard.h"

void guard_init(struct guard *g, const struct policy *p, uint64_t total_pages)
{
	memset(g, 0, sizeof(*g));
	g->policy = *p;
	g->total_pages = total_pages;
}

int guard_cpu_offline(const struct guard *g, const struct hv_cpu *cpus,
                      size_t n, uint32_t cpu, char *why, size_t len)
{
	size_t i, online = 0;
	bool known = false;

	if (cpu == 0) {
		snprintf(why, len, "CPU 0 is the boot CPU: never offlined");
		return -1;
	}
	if (policy_cpu_protected(&g->policy, cpu)) {
		snprintf(why, len, "CPU %u is protected by the policy", cpu);
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (cpus[i].online)
			online++;
		if (cpus[i].cpu == cpu)
			known = cpus[i].online;
	}
	if (known && online <= 1) {
		snprintf(why, len, "CPU %u is the last one online", cpu);
		return -1;
	}
	return 0;
}

int guard_page_offline(const struct guard *g, char *why, size_t len)
{
	uint64_t share =
	    g->total_pages * g->policy.page_max_share_ppm / 1000000u;

	if (g->pages_offlined >= g->policy.page_max_offlined) {
		snprintf(why, len,
		         "page cap: %llu pages offlined (max_offlined %u)",
		         (unsigned long long)g->pages_offlined,
		         g->policy.page_max_offlined);
		return -1;
	}
	if (g->pages_offlined + 1 > share) {
		snprintf(why, len,
		         "page cap: %llu pages offlined of %llu allowed by "
		         "max_share",
		         (unsigned long long)g->pages_offlined,
		         (unsigned long long)share);
		return -1;
	}
	return 0;
}

void guard_page_taken(struct guard *g, const struct hv_page_status *st)
{
	/* A deferred page is counted when the hypervisor is asked. */
	if (st->deferred)
		return;
	if (st->state == HV_PAGE_OFFLINED || st->state == HV_PAGE_PENDING)
		g->pages_offlined++;
}

int guard_migrate(const struct guard *g, const struct hv_domain *doms, size_t n,
                  uint32_t domid, char *why, size_t len)
{
	size_t i;

	(void)g;
	if (domid == 0) {
		snprintf(why, len,
		         "domain 0 is the control domain: never "
		         "migrated");
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (doms[i].domid != domid)
			continue;
		if (doms[i].control) {
			snprintf(why, len,
			         "domain %u is a control domain: never "
			         "migrated",
			         domid);
			return -1;
		}
		return 0;
	}
	snprintf(why, len, "domain %u is not on this host", domid);
	return -1;
}

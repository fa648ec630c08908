/* sim_check.c - holds a run against its scenario's expectations: what the
 * daemon reports it did, and the calls the simulated host received. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hypervisor/sim/sim_host.h"

/* A report that fills up is cut, never overrun; the count stays right. */
struct sim_report {
	char *buf;
	size_t len;
	size_t used;
};

static void sim_report_add(struct sim_report *rep, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void sim_report_add(struct sim_report *rep, const char *fmt, ...)
{
	va_list ap;
	int wrote;

	if (rep->buf == NULL || rep->used + 1 >= rep->len)
		return;
	va_start(ap, fmt);
	wrote = vsnprintf(rep->buf + rep->used, rep->len - rep->used, fmt, ap);
	va_end(ap);
	if (wrote < 0)
		return;
	rep->used += (size_t)wrote;
	if (rep->used >= rep->len)
		rep->used = rep->len - 1;
}

static bool sim_cmp_holds(enum sim_cmp cmp, uint64_t got, uint64_t want)
{
	switch (cmp) {
	case SIM_CMP_GE:
		return got >= want;
	case SIM_CMP_LE:
		return got <= want;
	default:
		return got == want;
	}
}

static uint64_t sim_observed_counter(const struct sim_observed *obs,
                                     enum sim_counter counter)
{
	switch (counter) {
	case SIM_COUNTER_EVENTS:
		return obs->events;
	case SIM_COUNTER_PAGES_OFFLINED:
		return obs->pages_offlined;
	case SIM_COUNTER_CPUS_OFFLINED:
		return obs->cpus_offlined;
	case SIM_COUNTER_GUESTS_EVACUATED:
		return obs->guests_evacuated;
	case SIM_COUNTER_ACTIONS_FAILED:
		break;
	}
	return obs->actions_failed;
}

static bool sim_check_counter(const struct sim_expect *e,
                              const struct sim_observed *obs, char *why,
                              size_t len)
{
	uint64_t got;

	if (obs == NULL) {
		snprintf(why, len, "nothing observed");
		return false;
	}
	got = sim_observed_counter(obs, e->counter);
	snprintf(why, len, "got %llu", (unsigned long long)got);
	return sim_cmp_holds(e->cmp, got, e->value);
}

static void sim_owner_text(enum hv_page_owner owner, uint32_t domid, char *buf,
                           size_t len)
{
	if (owner == HV_OWNER_DOMAIN)
		snprintf(buf, len, "domain %u", domid);
	else
		snprintf(buf, len, "%s", hv_page_owner_name(owner));
}

static bool sim_owner_matches(const struct sim_owner_spec *want,
                              const struct hv_page_status *st)
{
	if (!want->given)
		return true;
	if (want->owner != st->owner)
		return false;
	return want->owner != HV_OWNER_DOMAIN || want->any_domain ||
	       want->domid == st->domid;
}

static const struct sim_offline_call *
sim_offline_call_find(const struct sim_host *h, uint64_t mfn,
                      const struct sim_owner_spec *owner)
{
	size_t i;

	for (i = 0; i < h->n_offline_calls; i++)
		if (h->offline_calls[i].mfn == mfn &&
		    (owner == NULL ||
		     sim_owner_matches(owner, &h->offline_calls[i].status)))
			return &h->offline_calls[i];
	return NULL;
}

static void sim_describe_call(const struct sim_offline_call *call, char *why,
                              size_t len)
{
	char owner[40];

	sim_owner_text(call->status.owner, call->status.domid, owner,
	               sizeof(owner));
	snprintf(why, len, "offline call: %s, owner %s",
	         hv_page_state_name(call->status.state), owner);
}

static bool sim_check_page(const struct sim_host *h, const struct sim_expect *e,
                           char *why, size_t len)
{
	const struct sim_offline_call *any, *match;

	any = sim_offline_call_find(h, e->mfn, NULL);
	if (e->kind == SIM_EXPECT_PAGE_NOT_OFFLINED) {
		if (any == NULL)
			snprintf(why, len, "no offline call");
		else
			sim_describe_call(any, why, len);
		return any == NULL;
	}
	if (any == NULL) {
		snprintf(why, len, "no offline call for mfn 0x%llx",
		         (unsigned long long)e->mfn);
		return false;
	}
	match = sim_offline_call_find(h, e->mfn, &e->owner);
	sim_describe_call(match != NULL ? match : any, why, len);
	return match != NULL;
}

static bool sim_check_cpu(const struct sim_host *h, const struct sim_expect *e,
                          char *why, size_t len)
{
	bool offlined = h->cpus[e->cpu].ever_offlined;

	snprintf(why, len, "cpu %u %s", e->cpu,
	         offlined ? "was offlined" : "was never offlined");
	return offlined == (e->kind == SIM_EXPECT_CPU_OFFLINED);
}

/* The peer the domain's successful migration went to, or NULL. */
static const char *sim_migrated_to(const struct sim_host *h, uint32_t domid)
{
	const struct sim_migration *m;
	const char *peer = NULL;
	size_t i;

	for (i = 0; i < h->n_migrations; i++) {
		m = &h->migrations[i];
		if (m->state == SIM_MIGRATION_DONE &&
		    h->sc->domains[m->domain].info.domid == domid)
			peer = h->sc->peers[m->peer].name;
	}
	return peer;
}

static uint64_t sim_migrate_attempts(const struct sim_host *h, uint32_t domid)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < h->n_migrations; i++)
		if (h->sc->domains[h->migrations[i].domain].info.domid == domid)
			n++;
	return n;
}

static bool sim_check_migration(const struct sim_host *h,
                                const struct sim_expect *e, char *why,
                                size_t len)
{
	const char *peer = sim_migrated_to(h, e->domid);
	uint64_t attempts;

	if (e->kind == SIM_EXPECT_MIGRATE_ATTEMPTS) {
		attempts = sim_migrate_attempts(h, e->domid);
		snprintf(why, len, "got %llu", (unsigned long long)attempts);
		return sim_cmp_holds(e->cmp, attempts, e->value);
	}
	if (peer == NULL)
		snprintf(why, len, "domid %u was not migrated", e->domid);
	else
		snprintf(why, len, "domid %u went to %s", e->domid, peer);
	if (e->kind == SIM_EXPECT_NOT_MIGRATED)
		return peer == NULL;
	return peer != NULL && strcmp(peer, e->peer) == 0;
}

static bool sim_check_one(const struct sim_host *h, const struct sim_expect *e,
                          const struct sim_observed *obs, char *why, size_t len)
{
	switch (e->kind) {
	case SIM_EXPECT_COUNTER:
		return sim_check_counter(e, obs, why, len);
	case SIM_EXPECT_PAGE_OFFLINED:
	case SIM_EXPECT_PAGE_NOT_OFFLINED:
		return sim_check_page(h, e, why, len);
	case SIM_EXPECT_CPU_OFFLINED:
	case SIM_EXPECT_CPU_NOT_OFFLINED:
		return sim_check_cpu(h, e, why, len);
	default:
		return sim_check_migration(h, e, why, len);
	}
}

int hv_sim_check(struct hv *hv, const struct sim_observed *obs, char *report,
                 size_t len)
{
	struct sim_host *h = sim_host_from(hv);
	struct sim_report rep = {report, len, 0};
	char what[160], why[160];
	int failed = 0;
	size_t i;
	bool ok;

	if (hv->ops->sim_proxy != NULL)
		return hv->ops->sim_proxy->check(hv, obs, report, len);

	if (report != NULL && len > 0)
		report[0] = '\0';
	if (h == NULL) {
		/* The host is another process: it holds the calls. */
		failed = hv_sim_client_check(hv, obs, report, len);
		if (failed >= 0)
			return failed;
		sim_report_add(&rep, "FAILED not a simulated host\n");
		return 1;
	}
	for (i = 0; i < h->sc->n_expects; i++) {
		sim_expect_describe(&h->sc->expects[i], what, sizeof(what));
		ok =
		    sim_check_one(h, &h->sc->expects[i], obs, why, sizeof(why));
		if (!ok)
			failed++;
		sim_report_add(&rep, "%s %s (%s)\n", ok ? "ok  " : "FAILED",
		               what, why);
	}
	return failed;
}

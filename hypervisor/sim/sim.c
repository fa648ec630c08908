/* sim.c - the simulated Xen host: the hv ops over a parsed scenario, with
 * Xen's answers for page offlining and CPU hotplug, and a call log. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/sim/sim_host.h"
#include "hypervisor/xen_page_status.h"

static const struct hv_ops sim_ops;

struct sim_host *sim_host_from(struct hv *hv)
{
	if (hv == NULL || hv->ops != &sim_ops)
		return NULL;
	return (struct sim_host *)hv;
}

/* One line per call, flushed at once: a crashed run keeps its log. */
void sim_log_call(struct sim_host *h, const char *fmt, ...)
{
	va_list ap;

	if (h->call_log == NULL)
		return;
	fprintf(h->call_log, "%llu ",
	        (unsigned long long)clock_now_ms(h->hv.clock));
	va_start(ap, fmt);
	vfprintf(h->call_log, fmt, ap);
	va_end(ap);
	fputc('\n', h->call_log);
	fflush(h->call_log);
}

int sim_host_fail(struct sim_host *h, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->hv.err, sizeof(h->hv.err), fmt, ap);
	va_end(ap);
	return rc;
}

struct sim_page *sim_page_find(struct sim_host *h, uint64_t mfn)
{
	size_t i;

	for (i = 0; i < h->n_pages; i++)
		if (h->pages[i].mfn == mfn)
			return &h->pages[i];
	return NULL;
}

static uint64_t sim_range_pages(const struct sim_range *r)
{
	return ((r->end - r->start) >> SIM_PAGE_SHIFT) + 1;
}

static uint64_t sim_free_pages(const struct sim_host *h)
{
	const struct sim_scenario *sc = h->sc;
	uint64_t used = 0;
	size_t i;

	for (i = 0; i < sc->n_ranges; i++)
		if (sc->ranges[i].domain == SIM_OWNER_XEN ||
		    h->domains[sc->ranges[i].domain].present)
			used += sim_range_pages(&sc->ranges[i]);
	for (i = 0; i < h->n_pages; i++)
		if (h->pages[i].state == HV_PAGE_OFFLINED)
			used++;
	return used >= sc->host.total_pages ? 0 : sc->host.total_pages - used;
}

static int sim_topology(struct hv *hv, struct hv_topology *out)
{
	struct sim_host *h = (struct sim_host *)hv;

	*out = h->sc->host;
	out->free_pages = sim_free_pages(h);
	return 0;
}

/* cpu = (socket * cores + core) * threads + thread: socket-major. */
static void sim_cpu_describe(const struct sim_host *h, uint32_t cpu,
                             struct hv_cpu *out)
{
	const struct hv_topology *t = &h->sc->host;

	out->cpu = cpu;
	out->thread = cpu % t->threads_per_core;
	out->core = cpu / t->threads_per_core % t->cores_per_socket;
	out->socket = cpu / (t->threads_per_core * t->cores_per_socket);
	out->online = h->cpus[cpu].online;
}

static int sim_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	struct sim_host *h = (struct sim_host *)hv;
	uint32_t cpu;

	*n = h->sc->host.nr_cpus;
	for (cpu = 0; cpu < h->sc->host.nr_cpus && cpu < max; cpu++)
		sim_cpu_describe(h, cpu, &out[cpu]);
	return 0;
}

static int sim_dimms(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n)
{
	struct sim_host *h = (struct sim_host *)hv;
	size_t i;

	*n = h->sc->n_dimms;
	for (i = 0; i < h->sc->n_dimms && i < max; i++)
		out[i] = h->sc->dimms[i];
	return 0;
}

static int sim_domains(struct hv *hv, struct hv_domain *out, size_t max,
                       size_t *n)
{
	struct sim_host *h = (struct sim_host *)hv;
	size_t i, count = 0;

	for (i = 0; i < h->sc->n_domains; i++) {
		if (!h->domains[i].present)
			continue;
		if (count < max)
			out[count] = h->sc->domains[i].info;
		count++;
	}
	*n = count;
	return 0;
}

static void sim_mark_domains_on_range(struct sim_host *h, uint64_t start,
                                      uint64_t end)
{
	const struct sim_scenario *sc = h->sc;
	size_t i;
	int32_t d;

	memset(h->domain_marks, 0, sc->n_domains * sizeof(*h->domain_marks));
	for (i = sim_range_first_ending_after(sc, start);
	     i < sc->n_ranges && sc->ranges[i].start < end; i++) {
		d = sc->ranges[i].domain;
		if (d != SIM_OWNER_XEN && h->domains[d].present)
			h->domain_marks[d] = true;
	}
}

static int sim_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                                uint32_t *domids, size_t max, size_t *n)
{
	struct sim_host *h = (struct sim_host *)hv;
	size_t i, count = 0;

	*n = 0;
	if (end <= start)
		return sim_host_fail(h, -EINVAL,
		                     "domains_on_range: empty range "
		                     "[0x%llx, 0x%llx)",
		                     (unsigned long long)start,
		                     (unsigned long long)end);
	sim_mark_domains_on_range(h, start, end);
	for (i = 0; i < h->sc->n_domains; i++) {
		if (!h->domain_marks[i])
			continue;
		if (count < max)
			domids[count] = h->sc->domains[i].info.domid;
		count++;
	}
	*n = count;
	sim_log_call(h, "domains_on_range start=0x%llx end=0x%llx n=%zu",
	             (unsigned long long)start, (unsigned long long)end, count);
	return 0;
}

/* Who holds a frame now: a guest that migrated away holds nothing. */
static enum hv_page_owner sim_frame_owner(const struct sim_host *h,
                                          uint64_t mfn, uint32_t *domid)
{
	const struct sim_scenario *sc = h->sc;
	const struct sim_range *r;
	uint64_t addr;

	*domid = 0;
	if (mfn > (UINT64_MAX >> SIM_PAGE_SHIFT))
		return HV_OWNER_NOT_RAM;
	addr = mfn << SIM_PAGE_SHIFT;
	r = sim_range_at(sc, addr);
	if (r == NULL)
		return sim_dimm_at(sc, addr) != NULL ? HV_OWNER_FREE
		                                     : HV_OWNER_NOT_RAM;
	if (r->domain == SIM_OWNER_XEN)
		return HV_OWNER_XEN;
	if (!h->domains[r->domain].present)
		return HV_OWNER_FREE;
	if (r->domain == SIM_DOM0)
		return HV_OWNER_DOM0;
	*domid = sc->domains[r->domain].info.domid;
	return HV_OWNER_DOMAIN;
}

static int sim_page_remember(struct sim_host *h, uint64_t mfn,
                             enum hv_page_state state, enum hv_page_owner owner,
                             uint32_t domid)
{
	struct sim_page *page;

	if (sim_array_grow((void **)&h->pages, &h->cap_pages, h->n_pages,
	                   sizeof(*h->pages)) < 0)
		return -1;
	page = &h->pages[h->n_pages++];
	page->mfn = mfn;
	page->state = state;
	page->owner = owner;
	page->domid = domid;
	return 0;
}

/* Xen's answers to XEN_SYSCTL_PAGE_OFFLINE for each kind of frame. */
static uint32_t sim_page_offline_word(struct sim_host *h, uint64_t mfn, int *rc)
{
	struct sim_page *page = sim_page_find(h, mfn);
	enum hv_page_owner owner;
	uint32_t domid;

	*rc = 0;
	if (page != NULL && page->state == HV_PAGE_OFFLINED)
		return PG_OFFLINE_OFFLINED | PG_OFFLINE_BROKEN;
	owner = sim_frame_owner(h, mfn, &domid);
	switch (owner) {
	case HV_OWNER_NOT_RAM:
		return PG_OFFLINE_FAILED | PG_OFFLINE_NOT_CONV_RAM;
	case HV_OWNER_XEN:
		return PG_OFFLINE_FAILED | PG_OFFLINE_XENPAGE;
	case HV_OWNER_DOM0:
		if (page == NULL)
			*rc = sim_page_remember(h, mfn, HV_PAGE_PENDING, owner,
			                        0);
		return PG_OFFLINE_PENDING | PG_OFFLINE_DOM0PAGE;
	case HV_OWNER_DOMAIN:
		if (page == NULL)
			*rc = sim_page_remember(h, mfn, HV_PAGE_PENDING, owner,
			                        domid);
		return PG_OFFLINE_PENDING | PG_OFFLINE_OWNED |
		       domid << PG_OFFLINE_OWNER_SHIFT;
	default:
		if (page != NULL)
			page->state = HV_PAGE_OFFLINED;
		else
			*rc = sim_page_remember(h, mfn, HV_PAGE_OFFLINED, owner,
			                        0);
		return PG_OFFLINE_OFFLINED;
	}
}

static int sim_offline_call_remember(struct sim_host *h, uint64_t mfn,
                                     const struct hv_page_status *st)
{
	struct sim_offline_call *call;

	if (sim_array_grow((void **)&h->offline_calls, &h->cap_offline_calls,
	                   h->n_offline_calls, sizeof(*h->offline_calls)) < 0)
		return -1;
	call = &h->offline_calls[h->n_offline_calls++];
	call->mfn = mfn;
	call->at_ms = clock_now_ms(h->hv.clock);
	call->status = *st;
	return 0;
}

static void sim_log_page_call(struct sim_host *h, const char *op, uint64_t mfn,
                              const struct hv_page_status *st)
{
	char domid[32] = "";

	if (st->owner == HV_OWNER_DOMAIN || st->owner == HV_OWNER_DOM0)
		snprintf(domid, sizeof(domid), " domid=%u", st->domid);
	sim_log_call(h, "%s mfn=0x%llx raw=0x%x state=%s owner=%s%s", op,
	             (unsigned long long)mfn, st->raw,
	             hv_page_state_name(st->state),
	             hv_page_owner_name(st->owner), domid);
}

/*
 * Every outcome, refusals included, comes back as 0 with Xen's status
 * word: the word is the answer rasd journals and acts on.
 */
static int sim_page_offline(struct hv *hv, uint64_t mfn,
                            struct hv_page_status *out)
{
	struct sim_host *h = (struct sim_host *)hv;
	uint32_t raw;
	int rc;

	raw = sim_page_offline_word(h, mfn, &rc);
	hv_page_status_from_xen(raw, out);
	if (rc < 0 || sim_offline_call_remember(h, mfn, out) < 0)
		return sim_host_fail(h, -ENOMEM, "page_offline: out of memory");
	h->stats.page_offline_calls++;
	sim_log_page_call(h, "page_offline", mfn, out);
	return 0;
}

/* XEN_SYSCTL_PAGE_QUERY's word says what state a frame is in now. */
static void sim_page_query_fill(const struct sim_host *h,
                                const struct sim_page *page, uint64_t mfn,
                                struct hv_page_status *out)
{
	memset(out, 0, sizeof(*out));
	if (page != NULL && page->state == HV_PAGE_OFFLINED) {
		out->state = HV_PAGE_OFFLINED;
		out->owner = HV_OWNER_FREE;
		out->raw = PG_OFFLINE_STATUS_OFFLINED;
		return;
	}
	if (page != NULL) {
		out->state = HV_PAGE_PENDING;
		out->owner = page->owner;
		out->domid = page->domid;
		out->raw = PG_OFFLINE_STATUS_OFFLINE_PENDING;
		return;
	}
	out->state = HV_PAGE_ONLINE;
	out->owner = sim_frame_owner(h, mfn, &out->domid);
	out->raw = PG_OFFLINE_STATUS_ONLINE;
}

static int sim_page_query(struct hv *hv, uint64_t mfn,
                          struct hv_page_status *out)
{
	struct sim_host *h = (struct sim_host *)hv;

	sim_page_query_fill(h, sim_page_find(h, mfn), mfn, out);
	if (out->owner == HV_OWNER_NOT_RAM) {
		out->state = HV_PAGE_FAILED;
		out->raw = 0;
		sim_log_call(h, "page_query mfn=0x%llx rc=%d",
		             (unsigned long long)mfn, -EINVAL);
		return sim_host_fail(h, -EINVAL,
		                     "page_query: mfn 0x%llx is not on any "
		                     "DIMM",
		                     (unsigned long long)mfn);
	}
	sim_log_page_call(h, "page_query", mfn, out);
	return 0;
}

static int sim_cpu_check(struct sim_host *h, const char *op, uint32_t cpu)
{
	if (cpu >= h->sc->host.nr_cpus)
		return sim_host_fail(h, -EINVAL,
		                     "%s: no cpu %u (the host has "
		                     "%u)",
		                     op, cpu, h->sc->host.nr_cpus);
	return 0;
}

static int sim_cpu_take_offline(struct sim_host *h, uint32_t cpu)
{
	int rc = sim_cpu_check(h, "cpu_offline", cpu);

	if (rc < 0 || !h->cpus[cpu].online)
		return rc;
	if (h->cpus_online == 1)
		return sim_host_fail(h, -EBUSY,
		                     "cpu_offline: cpu %u is the last online "
		                     "cpu",
		                     cpu);
	if (cpu == 0)
		return sim_host_fail(h, -EBUSY,
		                     "cpu_offline: Xen cannot offline cpu 0");
	h->cpus[cpu].online = false;
	h->cpus[cpu].ever_offlined = true;
	h->cpus_online--;
	return 0;
}

static int sim_cpu_offline(struct hv *hv, uint32_t cpu)
{
	struct sim_host *h = (struct sim_host *)hv;
	int rc = sim_cpu_take_offline(h, cpu);

	h->stats.cpu_offline_calls++;
	sim_log_call(h, "cpu_offline cpu=%u rc=%d", cpu, rc);
	return rc;
}

static int sim_cpu_online(struct hv *hv, uint32_t cpu)
{
	struct sim_host *h = (struct sim_host *)hv;
	int rc = sim_cpu_check(h, "cpu_online", cpu);

	if (rc == 0 && !h->cpus[cpu].online) {
		h->cpus[cpu].online = true;
		h->cpus_online++;
	}
	sim_log_call(h, "cpu_online cpu=%u rc=%d", cpu, rc);
	return rc;
}

static int sim_mce_source(struct hv *hv, struct mce_reader **reader,
                          int *poll_fd)
{
	struct sim_host *h = (struct sim_host *)hv;

	*reader = sim_mcelog_reader(h->mcelog);
	*poll_fd = sim_mcelog_poll_fd(h->mcelog);
	return 0;
}

static int sim_inject(struct hv *hv, const struct mce_record *r)
{
	struct sim_host *h = (struct sim_host *)hv;

	h->stats.records_fired++;
	if (h->sc->telemetry_broken || sim_mcelog_push_record(h->mcelog, r) < 0)
		h->stats.records_dropped++;
	sim_mcelog_flush(h->mcelog);
	sim_log_call(h, "inject cpu=%u bank=%u status=0x%llx addr=0x%llx",
	             r->extcpu, r->bank, (unsigned long long)r->status,
	             (unsigned long long)r->addr);
	return 0;
}

static void sim_close(struct hv *hv)
{
	struct sim_host *h = (struct sim_host *)hv;

	if (h == NULL)
		return;
	sim_timeline_close(h);
	sim_mcelog_close(h->mcelog);
	if (h->call_log != NULL)
		fclose(h->call_log);
	free(h->cpus);
	free(h->domains);
	free(h->domain_marks);
	free(h->peer_free);
	free(h->pages);
	free(h->offline_calls);
	sim_scenario_free(h->sc);
	free(h);
}

static const struct hv_ops sim_ops = {
    .name = "sim",
    .topology = sim_topology,
    .cpus = sim_cpus,
    .dimms = sim_dimms,
    .domains = sim_domains,
    .domains_on_range = sim_domains_on_range,
    .page_query = sim_page_query,
    .page_offline = sim_page_offline,
    .cpu_offline = sim_cpu_offline,
    .cpu_online = sim_cpu_online,
    .migrate_start = sim_host_migrate_start,
    .migration_query = sim_host_migration_query,
    .event_fd = sim_host_event_fd,
    .events = sim_host_events,
    .mce_source = sim_mce_source,
    .inject = sim_inject,
    .close = sim_close,
};

static int sim_host_alloc_state(struct sim_host *h)
{
	const struct sim_scenario *sc = h->sc;
	size_t i;

	h->cpus = calloc(sc->host.nr_cpus, sizeof(*h->cpus));
	h->domains = calloc(sc->n_domains, sizeof(*h->domains));
	h->domain_marks = calloc(sc->n_domains, sizeof(*h->domain_marks));
	h->peer_free = calloc(sc->n_peers + 1, sizeof(*h->peer_free));
	if (h->cpus == NULL || h->domains == NULL || h->domain_marks == NULL ||
	    h->peer_free == NULL)
		return -1;
	for (i = 0; i < sc->host.nr_cpus; i++)
		h->cpus[i].online = true;
	h->cpus_online = sc->host.nr_cpus;
	for (i = 0; i < sc->n_domains; i++)
		h->domains[i].present = true;
	for (i = 0; i < sc->n_peers; i++)
		h->peer_free[i] = sc->peers[i].capacity;
	return 0;
}

static int sim_open_call_log(struct sim_host *h, const char *path, char *err,
                             size_t errlen)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

	if (fd >= 0)
		h->call_log = fdopen(fd, "a");
	if (fd >= 0 && h->call_log == NULL)
		close(fd);
	if (h->call_log == NULL) {
		snprintf(err, errlen, "call log %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static int sim_host_start(struct sim_host *h, const struct hv_options *opts,
                          char *err, size_t errlen)
{
	if (sim_host_alloc_state(h) < 0) {
		snprintf(err, errlen, "sim: out of memory");
		return -1;
	}
	if (opts != NULL && opts->call_log != NULL &&
	    sim_open_call_log(h, opts->call_log, err, errlen) < 0)
		return -1;
	if (sim_mcelog_open(&h->mcelog, h->sc->record_len, h->sc->log_len, err,
	                    errlen) < 0)
		return -1;
	return sim_timeline_open(h, err, errlen);
}

struct hv *hv_sim_open(struct sim_scenario *sc, const struct clock *clock,
                       const struct hv_options *opts, char *err, size_t errlen)
{
	struct sim_host *h;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (sc == NULL || clock == NULL) {
		snprintf(err, errlen, "sim: no scenario or no clock");
		sim_scenario_free(sc);
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "sim: out of memory");
		sim_scenario_free(sc);
		return NULL;
	}
	h->hv.ops = &sim_ops;
	h->hv.clock = clock;
	h->sc = sc;
	h->timer_fd = -1;
	h->start_ms = clock_now_ms(clock);
	h->held = opts != NULL && opts->sim_hold;
	if (sim_host_start(h, opts, err, errlen) < 0) {
		sim_close(&h->hv);
		return NULL;
	}
	return &h->hv;
}

int hv_sim_start_timeline(struct hv *hv, uint64_t *start_ms)
{
	struct sim_host *h = sim_host_from(hv);

	if (hv->ops->sim_proxy != NULL)
		return hv->ops->sim_proxy->start_timeline(hv, start_ms);

	if (h == NULL)
		return hv_sim_client_start(hv, start_ms);
	if (h->held) {
		h->held = false;
		h->start_ms = clock_now_ms(h->hv.clock);
		sim_timer_arm(h);
	}
	*start_ms = h->start_ms;
	return 0;
}

int hv_sim_feeding(struct hv *hv, bool feeding)
{
	struct sim_host *h = sim_host_from(hv);

	if (h == NULL)
		return -1;
	h->feeding = feeding;
	sim_timer_arm(h);
	return 0;
}

uint64_t hv_sim_start_ms(struct hv *hv)
{
	struct sim_host *h = sim_host_from(hv);

	return h != NULL ? h->start_ms : 0;
}

int hv_sim_stats(struct hv *hv, struct sim_stats *out)
{
	struct sim_host *h = sim_host_from(hv);
	size_t i, e;

	if (hv->ops->sim_proxy != NULL)
		return hv->ops->sim_proxy->stats(hv, out);

	memset(out, 0, sizeof(*out));
	if (h == NULL)
		return hv_sim_client_stats(hv, out);
	*out = h->stats;
	for (i = 0; i < h->heap_len; i++) {
		e = h->heap[i];
		if (h->sc->entries[e].kind != SIM_EVENT_END)
			out->records_pending +=
			    h->sc->entries[e].repeat - h->fired[e];
	}
	return 0;
}

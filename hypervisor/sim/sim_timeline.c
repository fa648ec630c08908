/* sim_timeline.c - the simulated host's virtual time: fires the scenario's
 * records when due, completes migrations and reports through a timerfd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hypervisor/sim/sim_host.h"

/* MCi_MISC of a memory error: physical address mode, 64-byte lsb. */
#define SIM_MEM_MISC 0x86

static uint64_t sim_entry_due(const struct sim_host *h, size_t e)
{
	const struct sim_entry *ent = &h->sc->entries[e];

	return h->start_ms + ent->at_ms + (uint64_t)h->fired[e] * ent->every_ms;
}

/* Ties go to the earlier line, so equal times fire in file order. */
static bool sim_heap_before(const struct sim_host *h, size_t a, size_t b)
{
	uint64_t due_a = sim_entry_due(h, a), due_b = sim_entry_due(h, b);

	return due_a < due_b || (due_a == due_b && a < b);
}

static void sim_heap_sift_down(struct sim_host *h, size_t i)
{
	size_t child, tmp;

	for (;;) {
		child = 2 * i + 1;
		if (child >= h->heap_len)
			return;
		if (child + 1 < h->heap_len &&
		    sim_heap_before(h, h->heap[child + 1], h->heap[child]))
			child++;
		if (!sim_heap_before(h, h->heap[child], h->heap[i]))
			return;
		tmp = h->heap[i];
		h->heap[i] = h->heap[child];
		h->heap[child] = tmp;
		i = child;
	}
}

/* The top entry fired once: it moves later, or leaves when done. */
static void sim_heap_advance_top(struct sim_host *h)
{
	size_t e = h->heap[0];

	h->fired[e]++;
	if (h->fired[e] == h->sc->entries[e].repeat)
		h->heap[0] = h->heap[--h->heap_len];
	sim_heap_sift_down(h, 0);
}

static void sim_record_base(const struct sim_host *h, uint32_t cpu,
                            uint64_t due_ms, struct mce_record *r)
{
	const struct hv_topology *t = &h->sc->host;

	memset(r, 0, sizeof(*r));
	r->time = due_ms / 1000;
	r->cpuvendor = t->cpu_vendor;
	r->cpuid = t->cpuid;
	r->mcgcap = t->mcg_cap;
	r->socketid = cpu / (t->cores_per_socket * t->threads_per_core);
	r->apicid = cpu;
	r->extcpu = cpu;
}

/* mem-ce and mem-srao: the DIMM under the address gives socket and channel. */
static int sim_mem_record(const struct sim_host *h, const struct sim_entry *ent,
                          uint64_t addr, uint64_t due_ms, struct mce_record *r)
{
	const struct hv_topology *t = &h->sc->host;
	const struct hv_dimm *d = sim_dimm_at(h->sc, addr);
	uint32_t cpu;

	if (d == NULL)
		return -1; /* the parser checked every address */
	cpu = ent->cpu_given
	          ? ent->cpu
	          : d->socket * t->cores_per_socket * t->threads_per_core;
	sim_record_base(h, cpu, due_ms, r);
	r->bank = ent->bank;
	r->addr = addr;
	r->misc = SIM_MEM_MISC;
	if (ent->kind == SIM_EVENT_MEM_CE) {
		r->status = mce_status_mem_ce(d->channel, 1, ent->count);
	} else {
		r->status = mce_status_patrol_srao(d->channel);
		r->mcgstatus = MCG_STATUS_RIPV;
	}
	r->status |= MCI_STATUS_ADDRV | MCI_STATUS_MISCV;
	return 0;
}

static int sim_entry_record(const struct sim_host *h, size_t e, uint64_t due_ms,
                            struct mce_record *r)
{
	const struct sim_entry *ent = &h->sc->entries[e];
	uint64_t addr = ent->addr + (uint64_t)h->fired[e] * ent->stride;

	switch (ent->kind) {
	case SIM_EVENT_MEM_CE:
	case SIM_EVENT_MEM_SRAO:
		return sim_mem_record(h, ent, addr, due_ms, r);
	case SIM_EVENT_CACHE_CE:
		sim_record_base(h, ent->cpu, due_ms, r);
		r->bank = ent->bank;
		r->status = mce_status_cache_ce(ent->level, 3, 1);
		return 0;
	case SIM_EVENT_RAW:
		sim_record_base(h, ent->cpu, due_ms, r);
		r->bank = ent->bank;
		r->status = ent->status;
		r->addr = addr;
		r->misc = ent->misc;
		r->mcgstatus = ent->mcgstatus;
		return 0;
	case SIM_EVENT_END:
	case SIM_EVENT_AER:
	case SIM_EVENT_CXL:
	case SIM_EVENT_EXTLOG:
	case SIM_EVENT_MC:
		break;
	}
	return -1;
}

static void sim_queue_push(struct sim_host *h, const struct hv_event *ev);

/* aer and cxl: what the Linux backend makes of the kernel's event. */
static void sim_device_event(const struct sim_entry *ent, struct hv_event *ev)
{
	struct pcie_event *e = &ev->dev;

	ev->type = HV_EVENT_DEVICE_ERROR;
	e->kind = ent->kind == SIM_EVENT_AER ? PCIE_AER : PCIE_CXL_AER;
	e->severity = ent->severity;
	e->raw_severity = ent->severity == PCIE_CORRECTED ? PCIE_AER_CORRECTABLE
	                  : ent->severity == PCIE_FATAL   ? PCIE_AER_FATAL
	                                                  : PCIE_AER_NONFATAL;
	e->status = (uint32_t)ent->status;
	snprintf(e->device, sizeof(e->device), "%s", ent->device);
	pcie_note_unknown(e);
}

/* The CPER section's validation bits and fields for the coordinates a
 * scenario gave. */
static void sim_fw_dram(const struct dram_coord *c, struct extlog_event *e)
{
	if (c->have & DRAM_HAVE_RANK) {
		e->valid |= EXTLOG_VALID_RANK;
		e->rank = c->rank;
	}
	if (c->have & DRAM_HAVE_BG) {
		e->valid |= EXTLOG_VALID_BANK_GROUP | EXTLOG_VALID_BANK_ADDR;
		e->bank_group = c->bank_group;
		e->bank_address = c->bank;
		e->bank = (uint16_t)(c->bank_group << 8 | c->bank);
	} else if (c->have & DRAM_HAVE_BANK) {
		e->valid |= EXTLOG_VALID_BANK;
		e->bank = c->bank;
	}
	if (c->have & DRAM_HAVE_ROW) {
		e->valid |= EXTLOG_VALID_ROW;
		e->row = c->row;
	}
	if (c->have & DRAM_HAVE_COLUMN) {
		e->valid |= EXTLOG_VALID_COLUMN;
		e->column = c->column;
	}
	extlog_dram_read(e);
}

/* extlog: the firmware's record names the module when fru= does. */
static void sim_fw_event(const struct sim_host *h, size_t i, uint64_t addr,
                         struct hv_event *ev)
{
	const struct sim_entry *ent = &h->sc->entries[i];
	struct extlog_event *e = &ev->fwmem;
	const struct hv_dimm *d = sim_dimm_at(h->sc, addr);

	ev->type = HV_EVENT_FIRMWARE_MEMORY;
	ev->cpu = d != NULL ? d->socket * h->sc->host.cores_per_socket *
	                          h->sc->host.threads_per_core
	                    : 0;
	e->err_seq = (uint32_t)(ent->line * 1000 + h->fired[i]);
	e->etype = 2; /* single-bit ECC */
	e->sev = ent->severity;
	e->pa = addr;
	e->pa_mask_lsb = 6;
	e->valid = EXTLOG_VALID_PA;
	snprintf(e->fru_text, sizeof(e->fru_text), "%s", ent->device);
	snprintf(e->label, sizeof(e->label), "%s", ent->device);
	sim_fw_dram(&ent->dram, e);
}

/* mc-event: what the Linux backend makes of EDAC's ras:mc_event. */
static void sim_mc_event(const struct sim_host *h, size_t i, uint64_t addr,
                         struct hv_event *ev)
{
	const struct sim_entry *ent = &h->sc->entries[i];
	struct tracefs_mc_event *e = &ev->edac;
	const struct hv_dimm *d = sim_dimm_at(h->sc, addr);

	ev->type = HV_EVENT_EDAC_MEMORY;
	ev->cpu = d != NULL ? d->socket * h->sc->host.cores_per_socket *
	                          h->sc->host.threads_per_core
	                    : 0;
	e->error_type = ent->severity;
	e->error_count = 1;
	e->mc_index = d != NULL ? (uint8_t)d->controller : 0;
	e->top_layer = d != NULL ? (int8_t)d->channel : -1;
	e->middle_layer = d != NULL ? (int8_t)d->slot : -1;
	e->lower_layer = -1;
	e->grain_bits = 5;
	e->address = addr;
	snprintf(e->label, sizeof(e->label), "%s",
	         ent->device[0] ? ent->device
	         : d != NULL    ? d->label
	                        : "");
	snprintf(e->msg, sizeof(e->msg), "memory read error");
	snprintf(e->driver_detail, sizeof(e->driver_detail), "%s", ent->detail);
}

/* 1 when the entry is one of the backend's events, queued now. */
static int sim_entry_event(struct sim_host *h, size_t e)
{
	const struct sim_entry *ent = &h->sc->entries[e];
	struct hv_event ev;

	if (ent->kind != SIM_EVENT_AER && ent->kind != SIM_EVENT_CXL &&
	    ent->kind != SIM_EVENT_EXTLOG && ent->kind != SIM_EVENT_MC)
		return 0;
	memset(&ev, 0, sizeof(ev));
	if (ent->kind == SIM_EVENT_EXTLOG)
		sim_fw_event(
		    h, e, ent->addr + (uint64_t)h->fired[e] * ent->stride, &ev);
	else if (ent->kind == SIM_EVENT_MC)
		sim_mc_event(
		    h, e, ent->addr + (uint64_t)h->fired[e] * ent->stride, &ev);
	else
		sim_device_event(ent, &ev);
	sim_queue_push(h, &ev);
	return 1;
}

static void sim_fire_due(struct sim_host *h, uint64_t now)
{
	struct mce_record r;
	uint64_t due;
	size_t e;

	while (h->heap_len > 0) {
		e = h->heap[0];
		due = sim_entry_due(h, e);
		if (due > now)
			break;
		if (now - due > h->stats.late_max_ms)
			h->stats.late_max_ms = now - due;
		if (sim_entry_event(h, e) == 0 &&
		    sim_entry_record(h, e, due, &r) == 0) {
			h->stats.records_fired++;
			if (h->sc->telemetry_broken ||
			    sim_mcelog_push_record(h->mcelog, &r) < 0)
				h->stats.records_dropped++;
		}
		sim_heap_advance_top(h);
	}
	sim_mcelog_flush(h->mcelog);
}

/* Room for every event still to come: pushes during events() never fail. */
static int sim_queue_reserve(struct sim_host *h, size_t want)
{
	struct hv_event *grown;
	size_t cap;

	if (want <= h->cap_queue)
		return 0;
	cap = h->cap_queue * 2 > want ? h->cap_queue * 2 : want;
	grown = realloc(h->queue, cap * sizeof(*grown));
	if (grown == NULL)
		return -1;
	h->queue = grown;
	h->cap_queue = cap;
	return 0;
}

static void sim_queue_push(struct sim_host *h, const struct hv_event *ev)
{
	if (sim_queue_reserve(h, h->n_queued + 1) < 0)
		return;
	h->queue[h->n_queued++] = *ev;
}

static struct sim_migration *sim_migration_next(struct sim_host *h)
{
	struct sim_migration *next = NULL, *m;
	size_t i;

	for (i = 0; i < h->n_migrations; i++) {
		m = &h->migrations[i];
		if (m->state != SIM_MIGRATION_RUNNING)
			continue;
		if (next == NULL || m->due_ms < next->due_ms)
			next = m;
	}
	return next;
}

/* Xen offlines a pending page once its owner lets go of it. */
static void sim_release_pending_pages(struct sim_host *h, uint32_t domid)
{
	size_t i;

	for (i = 0; i < h->n_pages; i++)
		if (h->pages[i].state == HV_PAGE_PENDING &&
		    h->pages[i].owner == HV_OWNER_DOMAIN &&
		    h->pages[i].domid == domid)
			h->pages[i].state = HV_PAGE_OFFLINED;
}

static void sim_migration_refuse(struct sim_host *h, struct sim_migration *m,
                                 struct hv_event *ev)
{
	const struct sim_peer *peer = &h->sc->peers[m->peer];

	ev->type = HV_EVENT_MIGRATION_FAILED;
	if (peer->fails) {
		ev->error = ECONNREFUSED;
		snprintf(ev->detail, sizeof(ev->detail), "peer %s: %s",
		         peer->name, peer->fail);
	} else {
		ev->error = ENOMEM;
		snprintf(ev->detail, sizeof(ev->detail),
		         "peer %s: not enough free memory", peer->name);
	}
	m->state = SIM_MIGRATION_FAILED;
	m->error = ev->error;
	snprintf(m->detail, sizeof(m->detail), "%s", ev->detail);
	h->stats.migrations_failed++;
	sim_log_call(h, "migrate_failed id=%llu domid=%u peer=%s error=\"%s\"",
	             (unsigned long long)m->id, ev->domid, peer->name,
	             ev->detail);
}

static void sim_migration_finish(struct sim_host *h, struct sim_migration *m)
{
	const struct sim_domain *dom = &h->sc->domains[m->domain];
	const struct sim_peer *peer = &h->sc->peers[m->peer];
	struct hv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.migration_id = m->id;
	ev.domid = dom->info.domid;
	snprintf(ev.peer, sizeof(ev.peer), "%s", peer->name);
	h->domains[m->domain].migrating = false;
	h->stats.migrations_running--;
	if (peer->fails || dom->info.mem_bytes > h->peer_free[m->peer]) {
		sim_migration_refuse(h, m, &ev);
	} else {
		ev.type = HV_EVENT_MIGRATION_DONE;
		/* the simulated host moves every guest live, standing still
		 * for a stop-and-copy of a typical size */
		ev.mode = HV_MODE_LIVE;
		ev.downtime_ms = SIM_DOWNTIME_MS;
		m->state = SIM_MIGRATION_DONE;
		h->domains[m->domain].present = false;
		h->peer_free[m->peer] -= dom->info.mem_bytes;
		sim_release_pending_pages(h, dom->info.domid);
		h->stats.migrations_done++;
		sim_log_call(h, "migrate_done id=%llu domid=%u peer=%s",
		             (unsigned long long)m->id, ev.domid, peer->name);
	}
	sim_queue_push(h, &ev);
}

static void sim_finish_due_migrations(struct sim_host *h, uint64_t now)
{
	struct sim_migration *m;

	while ((m = sim_migration_next(h)) != NULL && m->due_ms <= now)
		sim_migration_finish(h, m);
}

static bool sim_scenario_is_over(const struct sim_host *h)
{
	return h->heap_len == 0 && h->stats.migrations_running == 0 &&
	       !h->feeding && !h->done_queued;
}

static bool sim_next_due(struct sim_host *h, uint64_t *due)
{
	struct sim_migration *m = sim_migration_next(h);
	bool found = false;

	if (h->heap_len > 0) {
		*due = sim_entry_due(h, h->heap[0]);
		found = true;
	}
	if (m != NULL && (!found || m->due_ms < *due)) {
		*due = m->due_ms;
		found = true;
	}
	return found;
}

/*
 * A manual clock never moves by itself, so the fd is armed only for what
 * is due already; the test that moves the clock calls events() itself.
 */
void sim_timer_arm(struct sim_host *h)
{
	const struct clock *clock = h->hv.clock;
	struct itimerspec its;
	uint64_t due, ns;

	if (h->n_queued > 0 || (!h->held && sim_scenario_is_over(h)))
		ns = 1;
	else if (h->held || !sim_next_due(h, &due))
		ns = 0;
	else if (clock->speed == 0)
		ns = due <= clock_now_ms(clock) ? 1 : 0;
	else
		ns = clock_real_ns_until(clock, due);
	/*
	 * 0 from clock_real_ns_until means due already, not "disarm": the
	 * clock moved on since the last read, and the fd must still fire.
	 */
	if (ns == 0 && clock->speed != 0 && sim_next_due(h, &due))
		ns = 1;
	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(ns / 1000000000u);
	its.it_value.tv_nsec = (long)(ns % 1000000000u);
	timerfd_settime(h->timer_fd, 0, &its, NULL);
}

int sim_timeline_open(struct sim_host *h, char *err, size_t errlen)
{
	size_t n = h->sc->n_entries, i;

	h->fired = calloc(n + 1, sizeof(*h->fired));
	h->heap = calloc(n + 1, sizeof(*h->heap));
	if (h->fired == NULL || h->heap == NULL ||
	    sim_queue_reserve(h, 4) < 0) {
		snprintf(err, errlen, "sim: out of memory");
		return -1;
	}
	/* Entries are sorted by time already: that is a valid heap. */
	for (i = 0; i < n; i++)
		h->heap[i] = i;
	h->heap_len = n;
	h->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->timer_fd < 0) {
		snprintf(err, errlen, "sim: timerfd: %s", strerror(errno));
		return -1;
	}
	sim_timer_arm(h);
	return 0;
}

void sim_timeline_close(struct sim_host *h)
{
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	free(h->fired);
	free(h->heap);
	free(h->migrations);
	free(h->queue);
}

int sim_host_event_fd(struct hv *hv)
{
	return ((struct sim_host *)hv)->timer_fd;
}

static void sim_timer_drain(struct sim_host *h)
{
	uint64_t expirations;

	/* Nonblocking: EAGAIN only means it had not fired. */
	if (read(h->timer_fd, &expirations, sizeof(expirations)) < 0)
		return;
}

/* *n is how many were taken; what did not fit waits for the next call. */
int sim_host_events(struct hv *hv, struct hv_event *out, size_t max, size_t *n)
{
	struct sim_host *h = (struct sim_host *)hv;
	uint64_t now = clock_now_ms(hv->clock);
	size_t count;
	struct hv_event done;

	sim_timer_drain(h);
	if (!h->held) {
		sim_fire_due(h, now);
		sim_finish_due_migrations(h, now);
	}
	if (!h->held && sim_scenario_is_over(h)) {
		memset(&done, 0, sizeof(done));
		done.type = HV_EVENT_SCENARIO_DONE;
		sim_queue_push(h, &done);
		h->done_queued = true;
		sim_log_call(h, "scenario_done");
	}
	count = h->n_queued < max ? h->n_queued : max;
	if (count > 0)
		memcpy(out, h->queue, count * sizeof(*out));
	memmove(h->queue, h->queue + count,
	        (h->n_queued - count) * sizeof(*h->queue));
	h->n_queued -= count;
	*n = count;
	sim_timer_arm(h);
	return 0;
}

static int sim_migrate_check(struct sim_host *h, uint32_t domid,
                             const char *peer, int *domain, int *peer_index)
{
	*domain = sim_domain_index(h->sc, domid);
	if (*domain < 0 || !h->domains[*domain].present)
		return sim_host_fail(h, -ENOENT,
		                     "migrate: domain %u is not on this host",
		                     domid);
	if (*domain == SIM_DOM0)
		return sim_host_fail(h, -EPERM,
		                     "migrate: domain 0 is the control domain");
	*peer_index = peer != NULL ? sim_peer_index(h->sc, peer) : -1;
	if (*peer_index < 0)
		return sim_host_fail(h, -ENOENT, "migrate: no peer named '%s'",
		                     peer != NULL ? peer : "");
	if (h->domains[*domain].migrating)
		return sim_host_fail(h, -EALREADY,
		                     "migrate: domain %u is already migrating",
		                     domid);
	/* One event per running migration, plus SCENARIO_DONE. */
	if (sim_array_grow((void **)&h->migrations, &h->cap_migrations,
	                   h->n_migrations, sizeof(*h->migrations)) < 0 ||
	    sim_queue_reserve(h, h->n_queued + h->stats.migrations_running +
	                             2) < 0)
		return sim_host_fail(h, -ENOMEM, "migrate: out of memory");
	return 0;
}

int sim_host_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                           uint64_t *migration_id)
{
	struct sim_host *h = (struct sim_host *)hv;
	struct sim_migration *m;
	int domain = -1, peer_index = -1, rc;

	rc = sim_migrate_check(h, domid, peer, &domain, &peer_index);
	if (rc < 0) {
		sim_log_call(
		    h, "migrate_start domid=%u peer=%s rc=%d error=\"%s\"",
		    domid, peer != NULL ? peer : "", rc, hv->err);
		return rc;
	}
	m = &h->migrations[h->n_migrations++];
	/* The array grew by realloc: a running one has no error or detail
	 * yet, and migration_query copies both. */
	memset(m, 0, sizeof(*m));
	m->id = h->n_migrations;
	m->domain = (size_t)domain;
	m->peer = (size_t)peer_index;
	m->due_ms =
	    clock_now_ms(hv->clock) + h->sc->peers[peer_index].migrate_ms;
	m->state = SIM_MIGRATION_RUNNING;
	h->domains[domain].migrating = true;
	h->stats.migrations_started++;
	h->stats.migrations_running++;
	*migration_id = m->id;
	sim_log_call(h, "migrate_start domid=%u peer=%s id=%llu", domid,
	             h->sc->peers[peer_index].name, (unsigned long long)m->id);
	sim_timer_arm(h);
	return 0;
}

/* The latest migration of the domain: a restarted daemon asks how the
 * one it started ended. */
int sim_host_migration_query(struct hv *hv, uint32_t domid,
                             struct hv_migration *out)
{
	struct sim_host *h = (struct sim_host *)hv;
	const struct sim_migration *m, *latest = NULL;
	int domain = sim_domain_index(h->sc, domid);
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; domain >= 0 && i < h->n_migrations; i++) {
		m = &h->migrations[i];
		if (m->domain == (size_t)domain)
			latest = m;
	}
	if (latest == NULL) {
		out->state = HV_MIGRATION_NONE;
	} else {
		out->id = latest->id;
		snprintf(out->peer, sizeof(out->peer), "%s",
		         h->sc->peers[latest->peer].name);
		out->state = latest->state == SIM_MIGRATION_RUNNING
		                 ? HV_MIGRATION_RUNNING
		             : latest->state == SIM_MIGRATION_DONE
		                 ? HV_MIGRATION_DONE
		                 : HV_MIGRATION_FAILED;
		out->error = latest->error;
		snprintf(out->detail, sizeof(out->detail), "%s",
		         latest->detail);
		if (out->state == HV_MIGRATION_DONE) {
			out->mode = HV_MODE_LIVE;
			out->downtime_ms = SIM_DOWNTIME_MS;
		}
	}
	sim_log_call(h, "migration_query domid=%u state=%s id=%llu", domid,
	             hv_migration_state_name(out->state),
	             (unsigned long long)out->id);
	return 0;
}

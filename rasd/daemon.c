/* daemon.c - rasd's life cycle and record path: set-up from the options,
 * each record decoded, correlated and journaled, verdicts acted on after. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "../hypervisor/sim/sim.h"
#include "../priv/priv.h"
#include "../include/strcopy.h"
#include "../hypervisor/sim/simhost.h"
#include "rasd.h"

static void fail(char *err, size_t errlen, const char *what, const char *why)
{
	snprintf(err, errlen, "%s: %s", what, why);
}

static int pending_push(struct rasd *d, const struct pending_verdict *pv)
{
	if (d->n_pending == d->cap_pending) {
		size_t cap = d->cap_pending ? d->cap_pending * 2 : 16;
		struct pending_verdict *p =
		    realloc(d->pending, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		d->pending = p;
		d->cap_pending = cap;
	}
	d->pending[d->n_pending++] = *pv;
	return 0;
}

int rasd_domain_find(struct rasd *d, uint32_t domid, struct hv_domain *out)
{
	struct hv_domain doms[256];
	size_t i, n = 0;

	if (d->hv->ops->domains(d->hv, doms, 256, &n) < 0)
		return -1;
	for (i = 0; i < n && i < 256; i++) {
		if (doms[i].domid == domid) {
			*out = doms[i];
			return 1;
		}
	}
	return 0;
}

const char *rasd_domain_name(struct rasd *d, uint32_t domid, char *buf,
                             size_t len)
{
	struct hv_domain dom;

	if (rasd_domain_find(d, domid, &dom) == 1 && dom.name[0] != '\0')
		snprintf(buf, len, "%s", dom.name);
	else
		snprintf(buf, len, "dom%u", domid);
	return buf;
}

static void event_fill(struct rasd *d, struct journal_event *ev,
                       const struct mce_record *r,
                       const struct mce_decoded *dec, const char *source)
{
	ev->id = 0;
	ev->time_ms = clock_now_ms(&d->clock);
	str_copy(ev->source, sizeof(ev->source), source);
	ev->rec = *r;
	ev->severity = dec->severity;
	ev->kind = dec->kind;
	ev->cpu = (int32_t)r->extcpu;
	ev->socket = (int32_t)r->socketid;
	ev->bank = r->bank;
	ev->channel = dec->channel;
	ev->dimm = -1;
	ev->dimm_label[0] = '\0';
	ev->page_valid = dec->phys_addr_valid;
	ev->page = dec->page;
	ev->count = 1;
	ev->span_ms = 0;
	ev->also[0] = '\0';
}

/* The readable half of the timeline: where it is and how full. Built
 * only when some log reads it. */
static void log_event(struct rasd *d, const struct journal_event *ev,
                      const struct mce_decoded *dec,
                      const struct correlate_result *cr, bool core_counted,
                      uint32_t core_level)
{
	int prio = ev->severity == MCE_SEV_CORRECTED ? LOG_NOTICE : LOG_WARNING;
	char where[160] = "", text[256];

	if (!log_wanted(&d->log, prio))
		return;
	mce_describe(&ev->rec, dec, text, sizeof(text));
	if (ev->dimm >= 0 && ev->page_valid &&
	    ev->severity == MCE_SEV_CORRECTED)
		snprintf(where, sizeof(where),
		         " | %s page 0x%llx: %u/%u errors, DIMM %u/%u pages",
		         ev->dimm_label, (unsigned long long)ev->page,
		         cr->page_count, d->policy.page.limit, cr->dimm_pages,
		         d->policy.dimm.limit);
	else if (ev->dimm >= 0 || ev->dimm_label[0] != '\0')
		snprintf(where, sizeof(where), " | %s", ev->dimm_label);
	else if (core_counted)
		snprintf(where, sizeof(where),
		         " | core of cpu %d: %u/%u errors", ev->cpu, core_level,
		         d->policy.core.limit);
	log_msg(&d->log, prio, "event", "%s%s", text, where);
}

/* A record's notice text, when a reader wants it. */
static void event_notice_text(struct notice *n)
{
	struct mce_decoded dec;

	if (mce_decode(&n->rec, &dec) < 0)
		snprintf(n->text, sizeof(n->text),
		         "record with no valid error");
	else
		mce_describe(&n->rec, &dec, n->text, sizeof(n->text));
}

static void notify_event(struct rasd *d, const struct journal_event *ev,
                         const struct correlate_result *cr)
{
	struct notice n;
	const char *msgid = "CPUERR";
	int prio = LOG_NOTICE;

	if (ev->kind == MCE_KIND_MEMORY)
		msgid = ev->severity == MCE_SEV_CORRECTED ? "MEMCE" : "MEMUE";
	if (ev->severity == MCE_SEV_FATAL)
		prio = LOG_CRIT;
	else if (ev->severity != MCE_SEV_CORRECTED)
		prio = LOG_ERR;
	notice_start_lazy(&n, msgid, prio, clock_now_ms(&d->clock),
	                  event_notice_text, &ev->rec);
	notice_add_str(&n, "severity", mce_severity_name(ev->severity));
	notice_add_int(&n, "cpu", ev->cpu);
	notice_add_int(&n, "socket", ev->socket);
	notice_add_int(&n, "bank", ev->bank);
	if (ev->channel >= 0)
		notice_add_int(&n, "channel", ev->channel);
	if (ev->dimm >= 0)
		notice_add_str(&n, "dimm", ev->dimm_label);
	if (ev->rec.status & MCI_STATUS_ADDRV)
		notice_add_hex(&n, "addr", ev->rec.addr);
	if (ev->page_valid)
		notice_add_hex(&n, "page", ev->page);
	if (ev->dimm >= 0 && ev->severity == MCE_SEV_CORRECTED) {
		notice_add_int(&n, "count", cr->page_count);
		notice_add_int(&n, "rate", cr->dimm_pages);
		notice_add_int(&n, "threshold", d->policy.dimm.limit);
	}
	notice_add_int(&n, "event", ev->id);
	telemetry_notice(d, &n);
}

static void queue_verdicts(struct rasd *d, const struct correlate_result *cr,
                           bool core_over, uint32_t cpu, uint32_t level,
                           int64_t event_id)
{
	struct pending_verdict pv;
	size_t i;

	for (i = 0; i < cr->n_verdicts; i++) {
		memset(&pv, 0, sizeof(pv));
		pv.mem = cr->verdicts[i];
		pv.event_id = event_id;
		pending_push(d, &pv);
	}
	if (!core_over)
		return;
	memset(&pv, 0, sizeof(pv));
	pv.core = true;
	pv.cpu = cpu;
	pv.level = level;
	pv.event_id = event_id;
	pending_push(d, &pv);
}

int rasd_record(struct rasd *d, const struct mce_record *r, const char *source)
{
	return rasd_record_named(d, r, source, NULL);
}

int rasd_record_named(struct rasd *d, const struct mce_record *r,
                      const char *source, const char *label)
{
	return rasd_record_at(d, r, source, label, NULL, NULL);
}

/* Why an event's coordinates are unknown, into its notes. */
static void dram_why(struct journal_event *ev, const char *why)
{
	if (why != NULL && why[0] != '\0')
		snprintf(ev->also, sizeof(ev->also), "dram: %.80s", why);
	else
		snprintf(ev->also, sizeof(ev->also),
		         "dram: coordinates unknown");
}

/*
 * Where in the DRAM: the source's coordinates, checked against the
 * DIMM's geometry; else the DIMM's address map's. Coordinates rasd
 * cannot use stay journaled as unknown, with why.
 */
static void dram_place(struct rasd *d, int32_t dimm,
                       const struct mce_decoded *dec,
                       const struct dram_coord *given, const char *note,
                       struct journal_event *ev)
{
	char why[96];

	memset(&ev->dram, 0, sizeof(ev->dram));
	if (given != NULL && given->have != 0) {
		ev->dram = *given;
		if (!dram_coord_usable(&ev->dram)) {
			ev->dram.have |= DRAM_UNKNOWN;
			dram_why(ev, note);
		} else if (correlate_dram_check(d->corr, dimm, &ev->dram, why,
		                                sizeof(why)) < 0) {
			dram_why(ev, why);
		}
		return;
	}
	if (dec->kind == MCE_KIND_MEMORY && dec->phys_addr_valid)
		correlate_dram_coord(d->corr, dimm, dec->phys_addr, &ev->dram);
}

int rasd_record_at(struct rasd *d, const struct mce_record *r,
                   const char *source, const char *label,
                   const struct dram_coord *dram, const char *dram_note)
{
	struct mce_decoded dec;
	struct correlate_result cr;
	struct journal_event ev;
	uint64_t now = clock_now_ms(&d->clock);
	bool counted, core_over = false;
	uint32_t level = 0;

	if (selftest_claims(d, r))
		return 0;
	d->records++;
	if (mce_decode(r, &dec) < 0) {
		d->records_invalid++;
		log_msg(&d->log, LOG_WARNING, "event",
		        "record from cpu %u bank %u has no valid error (VAL "
		        "clear, status 0x%llx): ignored",
		        r->extcpu, r->bank, (unsigned long long)r->status);
		return 0;
	}
	event_fill(d, &ev, r, &dec, source);
	correlate_record(d->corr, r, &dec, now, &cr);
	counted = cpu_offline_counts(&dec);
	if (counted)
		core_over = cpu_offline_charge(d->cpus, r->extcpu, now, &level);
	if (cr.dimm >= 0) {
		ev.dimm = (int32_t)d->dimms[cr.dimm].id;
		str_copy(ev.dimm_label, sizeof(ev.dimm_label),
		         d->dimms[cr.dimm].label);
	} else {
		/*
		 * Only the label: the event keeps dimm -1. The map, not the
		 * DIMM table, names it: there is no bucket of the table's to
		 * charge nor range to find guests in, and a guess stands for
		 * a channel that may hold several DIMMs, so charging one
		 * could evacuate the guests of a healthy module.
		 */
		dimms_label_unplaced(d, r, &dec, ev.dimm_label,
		                     sizeof(ev.dimm_label));
	}
	fwmem_label_apply(d, &ev, label);
	dram_place(d, cr.dimm, &dec, dram, dram_note, &ev);
	if (dec.kind == MCE_KIND_MEMORY)
		correlate_dram(d->corr, cr.dimm, &ev.dram,
		               dec.phys_addr_valid ? dec.page : UINT64_MAX,
		               r->socketid, now, &cr);
	if (journal_event_add(d->journal, &ev) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
		return 0;
	}
	d->events_by[dec.severity][dec.kind]++;
	if (dec.severity != MCE_SEV_CORRECTED &&
	    r->socketid < d->topo.nr_sockets)
		d->socket_ue[r->socketid]++;
	log_event(d, &ev, &dec, &cr, counted, level);
	notify_event(d, &ev, &cr);
	hosthealth_on_mce(d, &ev, &dec, cr.dimm);
	if (dec.severity == MCE_SEV_CORRECTED)
		actions_dimm_rate(d, &cr);
	queue_verdicts(d, &cr, core_over, r->extcpu, level, ev.id);
	return 0;
}

int rasd_dram_late(struct rasd *d, int64_t event_id, uint64_t page,
                   uint32_t socket, int32_t dimm_id,
                   const struct dram_coord *given, const char *note,
                   const char *who)
{
	struct correlate_result cr;
	struct journal_event ev;
	int32_t dimm = -1;
	char why[96];
	size_t i;

	for (i = 0; i < d->n_dimms; i++)
		if ((int32_t)d->dimms[i].id == dimm_id)
			dimm = (int32_t)i;
	memset(&ev, 0, sizeof(ev));
	ev.dram = *given;
	if (!dram_coord_usable(&ev.dram)) {
		ev.dram.have |= DRAM_UNKNOWN;
		dram_why(&ev, note);
	} else if (correlate_dram_check(d->corr, dimm, &ev.dram, why,
	                                sizeof(why)) < 0) {
		dram_why(&ev, why);
	}
	if (ev.also[0] == '\0')
		snprintf(ev.also, sizeof(ev.also), "%s", who);
	if (journal_event_set_dram(d->journal, event_id, &ev.dram, ev.also) < 0)
		return -1;
	memset(&cr, 0, sizeof(cr));
	cr.dimm = dimm;
	correlate_dram(d->corr, dimm, &ev.dram, page, socket,
	               clock_now_ms(&d->clock), &cr);
	queue_verdicts(d, &cr, false, 0, 0, event_id);
	return 0;
}

void rasd_batch_abort(struct rasd *d)
{
	journal_rollback(d->journal);
	telemetry_outbox_drop(d);
	d->defer_notices = false;
	d->n_pending = 0;
}

int rasd_batch_begin(struct rasd *d)
{
	if (journal_begin(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd", "journal: %s",
		        journal_error(d->journal));
		return -1;
	}
	/* Nothing of the batch is told before it is in the journal. */
	d->defer_notices = true;
	return 0;
}

/*
 * Events, their verdicts and the plans the verdicts imply: one commit.
 * Only then are they told and acted on; a batch the journal refused is
 * rolled back whole and nothing of it is told or done.
 */
int rasd_batch_end(struct rasd *d)
{
	actions_plan_batch(d);
	d->defer_notices = false;
	if (journal_commit(d->journal) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd",
		        "journal commit failed, the batch is dropped: %s",
		        journal_error(d->journal));
		journal_rollback(d->journal);
		telemetry_outbox_drop(d);
		d->n_runnable = 0;
		return -1;
	}
	telemetry_outbox_flush(d);
	actions_run(d);
	rasd_sync_arm(d);
	telemetry_update(d);
	return 0;
}

static void sync_fired(void *arg)
{
	struct rasd *d = arg;

	d->sync_armed = false;
	/* With the journal's thread, the rest happens when it answers. */
	if (journal_sync_ask(d->journal) == 0)
		return;
	if (journal_sync(d->journal) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal sync: %s",
		        journal_error(d->journal));
	if (d->n_runnable > 0)
		actions_run(d);
	rasd_sync_arm(d);
}

/* The journal's thread has made the commits before its ask durable:
 * the intents that waited for it may be acted on. */
static void on_journal_synced(void *arg, int fd, uint32_t events)
{
	struct rasd *d = arg;

	(void)fd;
	(void)events;
	if (journal_sync_done(d->journal) < 0)
		log_msg(&d->log, LOG_ERR, "rasd", "journal sync: %s",
		        journal_error(d->journal));
	rasd_sync_arm(d);
	if (d->n_runnable == 0)
		return;
	/* What the batch's end would have done once they ran. */
	actions_run(d);
	rasd_sync_arm(d);
	telemetry_update(d);
}

/* A file journal syncs on its own thread; ":memory:" has no disk. */
static int journal_thread_start(struct rasd *d, char *err, size_t errlen)
{
	if (strcmp(d->opt.journal_path, ":memory:") == 0)
		return 0;
	if (journal_syncer_start(d->journal, d->opt.journal_path) < 0 ||
	    loop_add_fd(d->loop, journal_syncer_fd(d->journal),
	                on_journal_synced, d) < 0) {
		fail(err, errlen, "journal", journal_error(d->journal));
		return -1;
	}
	return 0;
}

/*
 * Group commit: what was committed reaches the disk within the policy's
 * sync window, with one fsync for everything in between.
 */
void rasd_sync_arm(struct rasd *d)
{
	uint64_t ns = d->policy.journal_sync_window_ms * 1000000ull;

	if (d->sync_armed || !journal_unsynced(d->journal))
		return;
	if (ns == 0) {
		sync_fired(d);
		return;
	}
	d->sync_armed = true;
	loop_timer_arm(d->sync_timer, ns);
}

/*
 * The scenario is played: every record it fired is read before the idle
 * check may stop the daemon. A source another process reads is asked to
 * read the device now (a bounded number of times: a journal that will
 * not take a batch must not spin here).
 */
static void source_drain_all(struct rasd *d)
{
	int rounds = 0;

	do {
		while (source_drain(d) > 0)
			;
	} while (d->hv->ops->source_sync != NULL && ++rounds < 64 &&
	         d->hv->ops->source_sync(d->hv) > 0);
}

static void on_hv_readable(void *arg, int fd, uint32_t events)
{
	struct rasd *d = arg;
	struct hv_event evs[32];
	size_t i, n = 0;

	(void)fd;
	(void)events;
	if (d->hv->ops->events(d->hv, evs, 32, &n) < 0) {
		/* A hypervisor that is gone cannot be acted through. */
		log_msg(&d->log, LOG_CRIT, "rasd", "hypervisor events: %s",
		        d->hv->err);
		d->exit_code = 1;
		loop_stop(d->loop);
		return;
	}
	for (i = 0; i < n && i < 32; i++) {
		if (evs[i].type == HV_EVENT_SCENARIO_DONE) {
			d->input_done = true;
			continue;
		}
		if (evs[i].type == HV_EVENT_MEMORY_FAILURE ||
		    evs[i].type == HV_EVENT_SOURCE_ERROR ||
		    evs[i].type == HV_EVENT_DEVICE_ERROR ||
		    evs[i].type == HV_EVENT_FIRMWARE_MEMORY ||
		    evs[i].type == HV_EVENT_EDAC_MEMORY ||
		    evs[i].type == HV_EVENT_HOOK_DONE) {
			hosthealth_on_hv_event(d, &evs[i]);
			continue;
		}
		actions_on_hv_event(d, &evs[i]);
	}
	/*
	 * The last records may have been fired in this same call: read them
	 * now, before the idle check can decide there is nothing left.
	 */
	if (d->input_done && !d->input_drained) {
		d->input_drained = true;
		source_drain_all(d);
	}
	telemetry_update(d);
}

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct rasd *d = arg;
	struct signalfd_siginfo si;
	char err[512];

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo != SIGHUP) {
		log_msg(&d->log, LOG_NOTICE, "rasd", "signal %u: stopping",
		        si.ssi_signo);
		loop_stop(d->loop);
		return;
	}
	if (rasd_reload(d, err, sizeof(err)) < 0)
		log_msg(&d->log, LOG_ERR, "rasd",
		        "reload refused, keeping the running policy: %s", err);
}

static void linger_fired(void *arg)
{
	(void)arg; /* the loop calls on_idle after any event */
}

/*
 * --linger: a subscriber started beside rasd (the demo's rasd-snmp) may
 * not have connected yet when a fast scenario ends; its notices come in
 * the backlog of its subscription, so wait for one to be there.
 */
static bool lingering(struct rasd *d)
{
	uint64_t now = clock_mono_ms_since(&d->clock.start_mono);

	if (d->opt.linger_ms == 0 || d->control == NULL ||
	    control_subscribers(d->control) > 0)
		return false;
	if (d->done_real_ms == 0)
		d->done_real_ms = now;
	if (now - d->done_real_ms >= d->opt.linger_ms)
		return false;
	if (d->linger_timer == NULL &&
	    loop_timer_create(d->loop, &d->linger_timer, linger_fired, d) < 0)
		return false;
	loop_timer_arm(d->linger_timer, 50 * 1000000ull);
	return true;
}

/* Stop when the scenario is played and nothing is left in flight. */
static void on_idle(void *arg)
{
	struct rasd *d = arg;

	if (!d->opt.exit_when_done || !d->input_done)
		return;
	if (!actions_busy(d) && !lingering(d))
		loop_stop(d->loop);
}

static int load_host(struct rasd *d, char *err, size_t errlen)
{
	struct hv *hv = d->hv;
	size_t n = 0;

	if (hv->ops->topology(hv, &d->topo) < 0 ||
	    hv->ops->cpus(hv, NULL, 0, &n) < 0) {
		fail(err, errlen, "hypervisor", hv->err);
		return -1;
	}
	d->cpu_list = calloc(n + 1, sizeof(*d->cpu_list));
	if (d->cpu_list == NULL ||
	    hv->ops->cpus(hv, d->cpu_list, n, &d->n_cpus) < 0) {
		fail(err, errlen, "hypervisor cpus", hv->err);
		return -1;
	}
	if (hv->ops->dimms(hv, NULL, 0, &n) < 0) {
		fail(err, errlen, "hypervisor dimms", hv->err);
		return -1;
	}
	d->dimms = calloc(n + 1, sizeof(*d->dimms));
	d->dimm_health = calloc(n + 1, sizeof(*d->dimm_health));
	d->socket_state = calloc(d->topo.nr_sockets + 1, 1);
	d->socket_ue = calloc(d->topo.nr_sockets + 1, sizeof(*d->socket_ue));
	if (d->dimms == NULL || d->dimm_health == NULL ||
	    d->socket_state == NULL || d->socket_ue == NULL ||
	    hv->ops->dimms(hv, d->dimms, n, &d->n_dimms) < 0) {
		fail(err, errlen, "hypervisor dimms", hv->err);
		return -1;
	}
	for (n = 0; n < d->n_dimms; n++)
		snprintf(d->dimm_health[n].state,
		         sizeof(d->dimm_health[n].state), "ok");
	return dimms_attach(d, err, errlen);
}

/* The [dram] map for the DIMM: its own line, else a "*" line. */
static const struct dram_map *dram_map_for(const struct policy *p,
                                           const struct hv_dimm *m)
{
	const struct dram_map *any = NULL;
	size_t i;

	for (i = 0; i < p->n_dram_maps; i++) {
		if (strcasecmp(p->dram_maps[i].dimm, m->label) == 0)
			return &p->dram_maps[i].map;
		if (strcmp(p->dram_maps[i].dimm, "*") == 0 && any == NULL)
			any = &p->dram_maps[i].map;
	}
	return any;
}

static int build_engines(struct rasd *d, char *err, size_t errlen)
{
	const struct dram_map **maps = calloc(d->n_dimms + 1, sizeof(*maps));
	struct correlate_rules cr = {
	    .page = d->policy.page,
	    .dimm = d->policy.dimm,
	    .socket = d->policy.socket,
	    .page_table_bytes = (size_t)d->policy.page_table_bytes,
	    .dram = {.row = d->policy.row,
	             .window_ms = d->policy.dimm.window_ms,
	             .cells = d->policy.dram_cells},
	    .maps = maps,
	};
	struct cpu_offline_rules co = {
	    .core = d->policy.core,
	    .protected = d->policy.cpu_protected,
	    .protected_bits = POLICY_MAX_CPUS,
	};
	size_t i;
	int rc = 0;

	for (i = 0; maps != NULL && i < d->n_dimms; i++)
		maps[i] = dram_map_for(&d->policy, &d->dimms[i]);
	if (maps == NULL ||
	    correlate_create(&d->corr, &cr, d->dimms, d->n_dimms,
	                     d->topo.nr_sockets) < 0 ||
	    cpu_offline_create(&d->cpus, &co, d->cpu_list, d->n_cpus) < 0) {
		fail(err, errlen, "rasd", "out of memory");
		rc = -1;
	}
	free(maps);
	return rc;
}

static int watch_signals(struct rasd *d, char *err, size_t errlen)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (d->signal_fd < 0 ||
	    loop_add_fd(d->loop, d->signal_fd, on_signal, d) < 0) {
		fail(err, errlen, "signalfd", strerror(errno));
		return -1;
	}
	return 0;
}

static int watch_sources(struct rasd *d, char *err, size_t errlen)
{
	if (source_open(d, err, errlen) < 0)
		return -1;
	d->hv_fd = d->hv->ops->event_fd(d->hv);
	if (d->hv_fd >= 0 &&
	    loop_add_fd(d->loop, d->hv_fd, on_hv_readable, d) < 0) {
		fail(err, errlen, "hypervisor events", strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Rebuild the buckets from the journal's recent events so a restart
 * neither forgets errors nor acts on them twice (verdicts are dropped
 * while replaying; what was acted on is known from the actions).
 */
struct replay_ctx {
	struct rasd *d;
	size_t n;
};

static int replay_event(void *arg, const struct journal_event *ev)
{
	struct replay_ctx *rc = arg;
	struct mce_decoded dec;
	struct correlate_result cr;
	uint32_t level;

	uint32_t i, times = ev->count > LEAKY_BUCKET_MAX_LIMIT
	                        ? LEAKY_BUCKET_MAX_LIMIT
	                        : ev->count;

	if (mce_decode(&ev->rec, &dec) < 0)
		return 0;
	/* A folded storm counts each time it happened: no bucket holds more
	 * than its limit, so no more are needed to fill one. */
	for (i = 0; i < times; i++) {
		correlate_record(rc->d->corr, &ev->rec, &dec, ev->time_ms, &cr);
		if (dec.kind == MCE_KIND_MEMORY)
			correlate_dram(rc->d->corr, cr.dimm, &ev->dram,
			               ev->page_valid ? ev->page : UINT64_MAX,
			               ev->rec.socketid, ev->time_ms, &cr);
		if (cpu_offline_counts(&dec))
			cpu_offline_charge(rc->d->cpus, ev->rec.extcpu,
			                   ev->time_ms, &level);
	}
	rc->n++;
	return 0;
}

static void replay_journal(struct rasd *d)
{
	struct replay_ctx rc = {.d = d, .n = 0};
	uint64_t now = clock_now_ms(&d->clock),
	         w = policy_longest_window_ms(&d->policy);

	journal_events_each(d->journal, now > w ? now - w : 0, 0, replay_event,
	                    &rc);
	if (rc.n > 0)
		log_msg(&d->log, LOG_INFO, "rasd",
		        "replayed %zu journal event(s) from the last window "
		        "into the buckets",
		        rc.n);
}

/*
 * A new policy means new thresholds: rebuild the buckets under it from
 * the journal's window, keeping the CPU states rasd has changed. The old
 * policy and engines stay if anything fails.
 */
int rasd_reload(struct rasd *d, char *err, size_t errlen)
{
	struct correlate *old_corr = d->corr;
	struct cpu_offline *old_cpus = d->cpus;
	struct dimm_map *map;
	struct policy old_policy = d->policy, fresh;
	struct notice n;
	size_t i;

	if (d->opt.policy_path == NULL) {
		fail(err, errlen, "reload", "rasd runs on built-in defaults");
		return -1;
	}
	policy_defaults(&fresh);
	if (policy_load_file(&fresh, d->opt.policy_path, err, errlen) < 0)
		return -1;
	/*
	 * The new map names unplaced errors from now on; the DIMM table
	 * and its labels stay as they were at start: they key the journal's
	 * components and the trend files.
	 */
	if (dimms_map_build(d, &fresh, &map, err, errlen) < 0)
		return -1;
	for (i = 0; i < d->n_cpus; i++)
		d->cpu_list[i].online =
		    cpu_offline_is_online(old_cpus, d->cpu_list[i].cpu);
	d->policy = fresh;
	d->corr = NULL;
	d->cpus = NULL;
	if (build_engines(d, err, errlen) < 0) {
		correlate_destroy(d->corr);
		cpu_offline_destroy(d->cpus);
		d->corr = old_corr;
		d->cpus = old_cpus;
		d->policy = old_policy;
		dimm_map_free(map);
		return -1;
	}
	correlate_destroy(old_corr);
	cpu_offline_destroy(old_cpus);
	dimm_map_free(d->dimm_map);
	d->dimm_map = map;
	d->health.psu_redundant = d->policy.psu_redundant;
	replay_journal(d);
	log_msg(&d->log, LOG_NOTICE, "rasd",
	        "policy %s reloaded; buckets rebuilt under it from the journal",
	        d->opt.policy_path);
	rasd_notice_start(d, &n, "RASD", LOG_NOTICE, "policy %s reloaded",
	                  d->opt.policy_path);
	telemetry_notice(d, &n);
	return 0;
}

/*
 * An accelerated clock runs ahead of the wall clock; starting it behind
 * what the journal already holds would make time go backwards.
 */
static void start_clock(struct rasd *d)
{
	uint64_t last = 0;
	uint32_t speed = d->opt.speed ? d->opt.speed : 1;

	clock_start(&d->clock, 0, speed);
	if (d->journal != NULL &&
	    journal_last_time_ms(d->journal, &last) == 0 &&
	    last + 1000 > clock_now_ms(&d->clock))
		clock_start(&d->clock, last + 1000, speed);
}

/* Wall time and pid: unique enough that a subscriber sees a restart. */
static void boot_id_make(struct rasd *d)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	snprintf(d->boot_id, sizeof(d->boot_id), "%llx-%lx-%d",
	         (unsigned long long)ts.tv_sec, (unsigned long)ts.tv_nsec,
	         (int)getpid());
}

/* RASD_CRASH_AT: the crash tests' kill points. */
static void crash_commit(void *arg, bool committed)
{
	crash_point(arg, committed ? CRASH_COMMITTED : CRASH_COMMIT);
}

static void crash_hv(void *arg, const char *op, bool after)
{
	(void)op;
	crash_point(arg, after ? CRASH_HV_DONE : CRASH_HV);
}

static void crash_hooks(struct rasd *d)
{
	if (d->opt.crash.kind == CRASH_COMMIT ||
	    d->opt.crash.kind == CRASH_COMMITTED)
		journal_set_commit_hook(d->journal, crash_commit, d);
}

/*
 * The simulated host runs in its own process, found beside the journal:
 * a daemon restarted on that journal meets the host it left.
 */
static void sim_options(struct rasd *d, struct hv_options *hvo, char *buf,
                        size_t len)
{
	if (strncmp(d->opt.hv_spec, "sim:", 4) != 0)
		return;
	if (d->opt.sim_socket != NULL)
		snprintf(buf, len, "%s", d->opt.sim_socket);
	else if (strcmp(d->opt.journal_path, ":memory:") == 0)
		snprintf(buf, len, "/tmp/rasd-simhost.%d", (int)getpid());
	else
		snprintf(buf, len, "%s.simhost", d->opt.journal_path);
	hvo->sim_socket = buf;
	hvo->sim_start_ms = clock_now_ms(&d->clock);
	hvo->sim_speed = d->clock.speed;
}

static int open_hv(struct rasd *d, char *err, size_t errlen)
{
	struct hv_options hvo = {.call_log = d->opt.call_log};
	char sim_socket[256];
	struct clock host;
	struct hv *wrapped;

	sim_options(d, &hvo, sim_socket, sizeof(sim_socket));
	if (d->opt.privsep)
		d->hv = priv_client_open(
		    d->opt.priv_call_fd, d->opt.priv_note_fd,
		    clock_now_ms(&d->clock), d->clock.speed, err, errlen);
	else
		d->hv = hv_open(d->opt.hv_spec, &d->clock, &hvo, err, errlen);
	if (d->hv == NULL)
		return -1;
	/* An attached host keeps its own time: run on it. */
	if (hv_sim_clock(d->hv, &host) == 0)
		d->clock = host;
	if (hv_sim_scenario_done(d->hv))
		d->input_done = true;
	if (d->opt.crash.kind != CRASH_HV && d->opt.crash.kind != CRASH_HV_DONE)
		return 0;
	wrapped = hv_hook_wrap(d->hv, crash_hv, d);
	if (wrapped == NULL) {
		fail(err, errlen, "hypervisor", "out of memory");
		return -1;
	}
	d->hv = wrapped;
	return 0;
}

static int open_parts(struct rasd *d, char *err, size_t errlen)
{

	policy_defaults(&d->policy);
	if (notice_ring_init(&d->notices, RASD_NOTICE_RING) < 0) {
		fail(err, errlen, "notices", "out of memory");
		return -1;
	}
	boot_id_make(d);
	if (d->opt.policy_path != NULL &&
	    policy_load_file(&d->policy, d->opt.policy_path, err, errlen) < 0)
		return -1;
	/* Under privsep the parent holds the lock for the whole daemon. */
	if ((!d->opt.privsep &&
	     journal_lock(d->opt.journal_path, &d->lock_fd, err, errlen) < 0) ||
	    journal_open(&d->journal, d->opt.journal_path, err, errlen) < 0)
		return -1;
	crash_hooks(d);
	start_clock(d);
	if (open_hv(d, err, errlen) < 0)
		return -1;
	d->started_ms = clock_now_ms(&d->clock);
	/* Scenario time in the log, the same across restarts on one host. */
	d->log.origin_ms = d->clock.start_ms;
	if (dimms_map_build(d, &d->policy, &d->dimm_map, err, errlen) < 0)
		return -1;
	if (load_host(d, err, errlen) < 0 || build_engines(d, err, errlen) < 0)
		return -1;
	if (loop_create(&d->loop) < 0) {
		fail(err, errlen, "epoll", strerror(errno));
		return -1;
	}
	return 0;
}

static void evac_timer_fired(void *arg)
{
	struct rasd *d = arg;

	/* Re-evaluate queued evacuations: the rate limit may allow one. */
	actions_on_hv_event(d, NULL);
}

/*
 * glibc gives the heap's top back after every free past 128 KiB, and
 * SQLite's statements (status's summary among them) allocate and free
 * that much each time: a brk up and down per request, each shrink a TLB
 * shootdown across CPUs, 300 us of a status call on a 2-CPU guest. The
 * top is kept instead; what a crowd of clients left is handed back by
 * malloc_trim (control.c). Setting these stops glibc from raising its
 * mmap threshold by itself, so it is raised here: at the default
 * 128 KiB a subscriber's queue, grown past it by one batch's notices
 * and emptied by the next write, was an mmap and a munmap (with the
 * same shootdown) per batch, a quarter of the engine's time in a storm.
 * The cost: a never-reader's queue (up to the 4 MiB cut) now lives in
 * the heap, and the load test's peak RSS is about 30 MB higher (1 MiB
 * here gave the peak back and half the speed).
 */
static void malloc_tune(void)
{
#ifdef __GLIBC__
	mallopt(M_TRIM_THRESHOLD, 8 << 20);
	mallopt(M_TOP_PAD, 1 << 20);
	mallopt(M_MMAP_THRESHOLD, 4 << 20);
#endif
}

int rasd_init(struct rasd *d, const struct rasd_options *opt, char *err,
              size_t errlen)
{
	malloc_tune();
	memset(d, 0, sizeof(*d));
	d->opt = *opt;
	d->mce_fd = d->hv_fd = d->signal_fd = d->lock_fd = -1;
	d->source_name =
	    strncmp(opt->hv_spec, "sim:", 4) == 0 ? "sim" : "mcelog";
	log_init(&d->log, &d->clock);
	d->log.to_stderr = !opt->quiet;
	d->log.to_syslog = opt->use_syslog;
	d->log.relative = opt->speed > 1;
	if (opt->verbose)
		d->log.max_prio = LOG_DEBUG;
	if (opt->log_path != NULL &&
	    log_open_file(&d->log, opt->log_path, err, errlen) < 0)
		return -1;
	if (open_parts(d, err, errlen) < 0 ||
	    watch_signals(d, err, errlen) < 0 ||
	    watch_sources(d, err, errlen) < 0)
		return -1;
	if (loop_timer_create(d->loop, &d->evac_timer, evac_timer_fired, d) <
	        0 ||
	    loop_timer_create(d->loop, &d->sync_timer, sync_fired, d) < 0 ||
	    retention_init(d) < 0) {
		fail(err, errlen, "timerfd", strerror(errno));
		return -1;
	}
	if (journal_thread_start(d, err, errlen) < 0)
		return -1;
	if (opt->socket_path != NULL &&
	    control_open(&d->control, d->loop, opt->socket_path,
	                 commands_handle, d, err, errlen) < 0)
		return -1;
	loop_set_idle(d->loop, on_idle, d);
	replay_journal(d);
	if (actions_resume(d) < 0)
		return -1;
	if (telemetry_init(d, err, errlen) < 0 ||
	    hosthealth_init(d, err, errlen) < 0)
		return -1;
	return selftest_init(d, err, errlen);
}

static void log_start(struct rasd *d)
{
	log_msg(&d->log, LOG_INFO, "rasd",
	        "host %s (%s backend): %u socket(s), %zu cpu(s), %zu DIMM(s), "
	        "%llu MiB; policy %s%s; journal %s",
	        d->topo.host_name, d->hv->ops->name, d->topo.nr_sockets,
	        d->n_cpus, d->n_dimms,
	        (unsigned long long)(d->topo.total_pages / 256),
	        d->opt.policy_path ? d->opt.policy_path : "(built-in defaults)",
	        d->policy.recommend_only ? " (recommend only)" : "",
	        d->opt.journal_path);
	if (d->clock.speed > 1)
		log_msg(&d->log, LOG_INFO, "rasd",
		        "clock runs %ux: times below are scenario time",
		        d->clock.speed);
}

static void notify_daemon(struct rasd *d, int prio, const char *what)
{
	struct notice n;

	rasd_notice_start(d, &n, "RASD", prio, "rasd %s on %s", what,
	                  d->topo.host_name);
	telemetry_notice(d, &n);
}

int rasd_run(struct rasd *d)
{
	uint64_t timeline;

	/* A simulated host plays its scenario once a daemon can read it. */
	if (hv_sim_start_timeline(hv_hook_inner(d->hv), &timeline) == 0)
		d->log.origin_ms = timeline;
	log_start(d);
	notify_daemon(d, LOG_NOTICE, "started");
	hosthealth_engine_restarted(d);
	/*
	 * Records a killed daemon read but never journaled come first, then
	 * what waits in the source (a restart, a full log).
	 */
	if (source_recover(d) < 0)
		return -1;
	source_drain_all(d);
	if (d->input_done)
		d->input_drained = true;
	if (loop_run(d->loop) < 0) {
		log_msg(&d->log, LOG_ERR, "rasd", "event loop: %s",
		        strerror(errno));
		return -1;
	}
	notify_daemon(d, LOG_NOTICE, "stopping");
	return 0;
}

const struct hv_cpu *rasd_cpu_find(const struct rasd *d, uint32_t cpu)
{
	size_t i;

	for (i = 0; i < d->n_cpus; i++)
		if (d->cpu_list[i].cpu == cpu)
			return &d->cpu_list[i];
	return NULL;
}

int rasd_record_init(const struct rasd *d, uint32_t cpu, uint8_t bank,
                     uint64_t status, struct mce_record *r)
{
	const struct hv_cpu *c = rasd_cpu_find(d, cpu);

	if (c == NULL)
		return -1;
	memset(r, 0, sizeof(*r));
	r->extcpu = r->apicid = cpu;
	r->socketid = c->socket;
	r->bank = bank;
	r->status = status;
	r->mcgcap = d->topo.mcg_cap;
	r->cpuid = d->topo.cpuid;
	r->cpuvendor = d->topo.cpu_vendor;
	r->time = clock_now_ms(&d->clock) / 1000;
	return 0;
}

/*
 * A simulated host says what its timeline did: a reader too slow for the
 * scenario's rate shows as records the 32-entry log dropped, and a host
 * too slow for it as lateness (virtual ms).
 */
static void print_host_summary(struct rasd *d)
{
	struct sim_stats st;

	if (hv_sim_stats(hv_hook_inner(d->hv), &st) < 0)
		return;
	printf("host summary: records_fired=%llu records_dropped=%llu "
	       "records_pending=%llu late_max_ms=%llu\n",
	       (unsigned long long)st.records_fired,
	       (unsigned long long)st.records_dropped,
	       (unsigned long long)st.records_pending,
	       (unsigned long long)st.late_max_ms);
}

void rasd_print_summary(struct rasd *d)
{
	struct journal_summary s;

	if (journal_summary(d->journal, &s) < 0) {
		fprintf(stderr, "rasd: journal summary: %s\n",
		        journal_error(d->journal));
		return;
	}
	/* The demo's own summary stays the last line: scripts read it. */
	print_host_summary(d);
	printf("demo summary: events=%lld pages_offlined=%lld "
	       "cpus_offlined=%lld guests_evacuated=%lld actions_failed=%lld\n",
	       (long long)s.events, (long long)s.pages_offlined,
	       (long long)s.cpus_offlined, (long long)s.guests_evacuated,
	       (long long)s.actions_failed);
	fflush(stdout);
}

void rasd_fini(struct rasd *d)
{
	if (d->journal != NULL && d->corr != NULL && d->cpus != NULL)
		telemetry_fini(d);
	selftest_fini(d);
	hosthealth_fini(d);
	source_close(d);
	target_fini(d);
	loop_timer_destroy(d->evac_timer);
	loop_timer_destroy(d->sync_timer);
	retention_fini(d);
	loop_timer_destroy(d->linger_timer);
	/* What was committed reaches the disk before the daemon goes. */
	if (d->journal != NULL && journal_sync(d->journal) < 0)
		fprintf(stderr, "rasd: journal sync: %s\n",
		        journal_error(d->journal));
	control_close(d->control);
	journal_close(d->reader);
	d->reader = NULL;
	if (d->signal_fd >= 0)
		close(d->signal_fd);
	if (d->hv != NULL)
		hv_close(d->hv);
	correlate_destroy(d->corr);
	cpu_offline_destroy(d->cpus);
	journal_close(d->journal);
	journal_unlock(d->lock_fd);
	loop_destroy(d->loop);
	log_close(&d->log);
	free(d->cpu_list);
	free(d->dimms);
	free(d->dimm_info);
	free(d->dimm_health);
	dimm_map_free(d->dimm_map);
	free(d->socket_state);
	free(d->socket_ue);
	pageset_free(&d->acted_pages);
	free(d->pending);
	free(d->runnable);
	free(d->jobs);
	notice_ring_free(&d->notices);
}

/* serve.c - the parent's answers: the engine's calls after the guard, its
 * notes, the host's events and the device read into the spool. */
#include <errno.h>
#include <stddef.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../hypervisor/sim/sim.h"
#include "../hypervisor/sim/simhost.h"
#include "../rasd/spool.h"
#include "msg.h"
#include "parent_int.h"

/* A reply in the making: the header, then a payload it may own. */
struct reply {
	struct priv_reply hdr;
	const void *payload;
	size_t len;
	void *owned;
};

static void reply_hv(struct parent *p, struct reply *r, int rc)
{
	r->hdr.rc = rc;
	if (rc < 0)
		snprintf(r->hdr.err, sizeof(r->hdr.err), "%s", p->hv->err);
}

/* Told by the parent itself: an engine taken over would not say it. */
static void reply_refused(struct reply *r, const char *why)
{
	fprintf(stderr, "rasd: parent: refused the engine's request: %s\n",
	        why);
	r->hdr.rc = -EPERM;
	snprintf(r->hdr.err, sizeof(r->hdr.err), "refused by rasd's parent: %s",
	         why);
}

/* A list as a slice from offset: as many entries as fit one message. */
static void reply_slice(struct reply *r, void *all, size_t total, size_t size,
                        uint32_t offset)
{
	size_t fit = (PRIV_MSG_MAX - sizeof(r->hdr)) / size;
	size_t from = offset < total ? offset : total;
	size_t n = total - from < fit ? total - from : fit;

	r->owned = all;
	r->payload = (unsigned char *)all + from * size;
	r->len = n * size;
	r->hdr.total = (uint32_t)total;
	r->hdr.count = (uint32_t)n;
}

static int list_cpus(struct hv *hv, void *out, size_t max, size_t *n)
{
	return hv->ops->cpus(hv, out, max, n);
}

static int list_dimms(struct hv *hv, void *out, size_t max, size_t *n)
{
	return hv->ops->dimms(hv, out, max, n);
}

static int list_domains(struct hv *hv, void *out, size_t max, size_t *n)
{
	return hv->ops->domains(hv, out, max, n);
}

typedef int (*list_fn)(struct hv *hv, void *out, size_t max, size_t *n);

/* The whole list, allocated (n + 1 entries); NULL with r set on error. */
static void *list_all(struct parent *p, struct reply *r, list_fn fn,
                      size_t size, size_t *n)
{
	size_t want = 0;
	void *all;
	int rc = fn(p->hv, NULL, 0, &want);

	if (rc < 0) {
		reply_hv(p, r, rc);
		return NULL;
	}
	all = calloc(want + 1, size);
	if (all == NULL) {
		r->hdr.rc = -ENOMEM;
		return NULL;
	}
	rc = fn(p->hv, all, want, n);
	if (rc < 0) {
		free(all);
		reply_hv(p, r, rc);
		return NULL;
	}
	if (*n > want)
		*n = want;
	return all;
}

static void do_list(struct parent *p, struct reply *r, list_fn fn, size_t size,
                    uint32_t offset)
{
	size_t n = 0;
	void *all = list_all(p, r, fn, size, &n);

	if (all != NULL)
		reply_slice(r, all, n, size, offset);
}

static void do_domains_on_range(struct parent *p, struct reply *r,
                                const struct priv_request *q)
{
	size_t n = 0, got = 0;
	uint32_t *ids;
	int rc = p->hv->ops->domains_on_range(p->hv, q->a, q->b, NULL, 0, &n);

	if (rc < 0) {
		reply_hv(p, r, rc);
		return;
	}
	ids = calloc(n + 1, sizeof(*ids));
	if (ids == NULL) {
		r->hdr.rc = -ENOMEM;
		return;
	}
	rc = p->hv->ops->domains_on_range(p->hv, q->a, q->b, ids, n, &got);
	if (rc < 0) {
		free(ids);
		reply_hv(p, r, rc);
		return;
	}
	reply_slice(r, ids, got < n ? got : n, sizeof(*ids), q->offset);
}

/* ---- the guarded ops ---- */

typedef int (*page_fn)(struct hv *hv, uint64_t mfn, struct hv_page_status *o);

static void do_page(struct parent *p, struct reply *r, page_fn fn, uint64_t mfn,
                    bool guarded, struct hv_page_status *st)
{
	char why[256];

	if (fn == NULL) {
		r->hdr.rc = -EOPNOTSUPP;
		snprintf(r->hdr.err, sizeof(r->hdr.err),
		         "the %s backend cannot do that", p->hv->ops->name);
		return;
	}
	if (guarded && guard_page_offline(&p->guard, why, sizeof(why)) < 0) {
		reply_refused(r, why);
		return;
	}
	reply_hv(p, r, fn(p->hv, mfn, st));
	if (r->hdr.rc == 0 && guarded)
		guard_page_taken(&p->guard, st);
	r->payload = st;
	r->len = sizeof(*st);
}

static void do_cpu_offline(struct parent *p, struct reply *r, uint32_t cpu)
{
	struct hv_cpu *cpus;
	char why[256];
	size_t n = 0;

	cpus = list_all(p, r, list_cpus, sizeof(*cpus), &n);
	if (cpus == NULL)
		return;
	if (guard_cpu_offline(&p->guard, cpus, n, cpu, why, sizeof(why)) < 0)
		reply_refused(r, why);
	else
		reply_hv(p, r, p->hv->ops->cpu_offline(p->hv, cpu));
	free(cpus);
}

static void do_migrate(struct parent *p, struct reply *r,
                       const struct priv_request *q)
{
	struct hv_domain *doms;
	char why[256], peer[HV_NAME_MAX];
	size_t n = 0;

	doms = list_all(p, r, list_domains, sizeof(*doms), &n);
	if (doms == NULL)
		return;
	snprintf(peer, sizeof(peer), "%s", q->peer);
	if (guard_migrate(&p->guard, doms, n, (uint32_t)q->a, why,
	                  sizeof(why)) < 0)
		reply_refused(r, why);
	else
		reply_hv(p, r,
		         p->hv->ops->migrate_start(p->hv, (uint32_t)q->a, peer,
		                                   &r->hdr.value));
	free(doms);
}

/* ---- the host, opened at the first hello ---- */

static int spool_file(struct parent *p)
{
	char path[4096];

	if (strcmp(p->cfg->journal_path, ":memory:") == 0)
		return memfd_create("rasd-spool", MFD_CLOEXEC);
	snprintf(path, sizeof(path), "%s.spool", p->cfg->journal_path);
	return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
}

static int source_open(struct parent *p, char *err, size_t errlen)
{
	int fd = -1;

	if (p->hv->ops->mce_source == NULL ||
	    p->hv->ops->mce_source(p->hv, &p->reader, &fd) < 0 ||
	    p->reader == NULL) {
		p->reader = NULL;
		return 0; /* a host without a record source */
	}
	p->source_fd = fd;
	p->spool_fd = spool_file(p);
	if (p->spool_fd < 0) {
		snprintf(err, errlen, "spool: %s", strerror(errno));
		return -1;
	}
	return spool_open_fd(&p->spool, p->spool_fd,
	                     mce_reader_buffer_size(p->reader), PRIV_SLOTS,
	                     mce_reader_record_len(p->reader), err, errlen);
}

static void sim_options(struct parent *p, struct hv_options *o, char *buf,
                        size_t len)
{
	if (strncmp(p->cfg->hv_spec, "sim:", 4) != 0)
		return;
	if (p->cfg->sim_socket != NULL)
		snprintf(buf, len, "%s", p->cfg->sim_socket);
	else if (strcmp(p->cfg->journal_path, ":memory:") == 0)
		snprintf(buf, len, "/tmp/rasd-simhost.%d", (int)getpid());
	else
		snprintf(buf, len, "%s.simhost", p->cfg->journal_path);
	o->sim_socket = buf;
	o->sim_start_ms = clock_now_ms(&p->clock);
	o->sim_speed = p->clock.speed;
}

static int host_open(struct parent *p, uint64_t start_ms, uint32_t speed,
                     char *err, size_t errlen)
{
	struct hv_options o = {.call_log = p->cfg->call_log};
	struct hv_topology topo;
	char sock[256];

	clock_start(&p->clock, start_ms, speed ? speed : 1);
	sim_options(p, &o, sock, sizeof(sock));
	p->hv = hv_open(p->cfg->hv_spec, &p->clock, &o, err, errlen);
	if (p->hv == NULL)
		return -1;
	memset(&topo, 0, sizeof(topo));
	if (p->hv->ops->topology(p->hv, &topo) < 0) {
		snprintf(err, errlen, "%s", p->hv->err);
		return -1;
	}
	guard_init(&p->guard, &p->policy, topo.total_pages);
	if (p->hv->ops->event_fd != NULL)
		p->hv_fd = p->hv->ops->event_fd(p->hv);
	return source_open(p, err, errlen);
}

static void hello_fill(struct parent *p, struct priv_hello *h)
{
	memset(h, 0, sizeof(*h));
	h->version = PRIV_VERSION;
	h->parent_pid = (int32_t)getpid();
	snprintf(h->backend, sizeof(h->backend), "%s", p->hv->ops->name);
	h->has_source = p->reader != NULL;
	if (p->reader != NULL) {
		h->record_len = (uint32_t)mce_reader_record_len(p->reader);
		h->log_len = (uint32_t)(mce_reader_buffer_size(p->reader) /
		                        h->record_len);
	}
	h->can_inject = p->hv->ops->inject != NULL;
	h->can_offline_hard = p->hv->ops->page_offline_hard != NULL;
	h->can_page_online = p->hv->ops->page_online != NULL;
	h->can_migration_query = p->hv->ops->migration_query != NULL;
	h->sim = hv_sim_clock(p->hv, &h->sim_clock) == 0;
	h->sim_done = h->sim && (p->sim_done || hv_sim_scenario_done(p->hv));
	h->engine_starts = p->engine_starts;
	h->last_status = p->last_status;
}

static void do_hello(struct parent *p, struct reply *r,
                     const struct priv_request *q, struct priv_hello *h,
                     int *pass_fd)
{
	if (p->hv == NULL && host_open(p, q->a, (uint32_t)q->b, r->hdr.err,
	                               sizeof(r->hdr.err)) < 0) {
		r->hdr.rc = -EIO;
		return;
	}
	hello_fill(p, h);
	r->payload = h;
	r->len = sizeof(*h);
	*pass_fd = p->spool_fd;
	hv_watch(p, true);
}

/* ---- the calls ---- */

static void do_sim(struct parent *p, struct reply *r,
                   const struct priv_request *q, struct sim_stats *st,
                   char *report)
{
	int rc;

	switch (q->op) {
	case PRIV_SIM_START:
		r->hdr.rc = hv_sim_start_timeline(p->hv, &r->hdr.value) < 0
		                ? -EOPNOTSUPP
		                : 0;
		break;
	case PRIV_SIM_STATS:
		r->hdr.rc = hv_sim_stats(p->hv, st) < 0 ? -EOPNOTSUPP : 0;
		r->payload = st;
		r->len = sizeof(*st);
		break;
	case PRIV_SIM_CHECK:
		report[0] = '\0';
		rc = hv_sim_check(p->hv, &q->obs, report, PRIV_REPORT_MAX);
		r->hdr.value = (uint64_t)(rc < 0 ? 0 : rc);
		r->payload = report;
		r->len = strnlen(report, PRIV_REPORT_MAX);
		break;
	}
}

/* The engine's scenario ended: whatever the device holds, now. */
static void do_source_sync(struct parent *p, struct reply *r)
{
	if (p->reader == NULL)
		return;
	/* A TAKEN the engine sent before asking is read first. */
	parent_serve_note(p);
	if (p->source_busy) {
		r->hdr.rc = -EAGAIN;
		snprintf(r->hdr.err, sizeof(r->hdr.err),
		         "the last batch is not taken yet");
		return;
	}
	r->hdr.value = (uint64_t)parent_fill(p);
}

static void do_call(struct parent *p, struct reply *r,
                    const struct priv_request *q, void *space, int *pass_fd)
{
	struct hv_ops const *ops = p->hv ? p->hv->ops : NULL;
	struct hv_page_status *st = space;
	int rc;

	if (q->op == PRIV_HELLO) {
		do_hello(p, r, q, space, pass_fd);
		return;
	}
	if (ops == NULL) {
		r->hdr.rc = -EPROTO;
		snprintf(r->hdr.err, sizeof(r->hdr.err), "no hello yet");
		return;
	}
	switch (q->op) {
	case PRIV_TOPOLOGY:
		reply_hv(p, r, ops->topology(p->hv, space));
		r->payload = space;
		r->len = sizeof(struct hv_topology);
		return;
	case PRIV_CPUS:
		do_list(p, r, list_cpus, sizeof(struct hv_cpu), q->offset);
		return;
	case PRIV_DIMMS:
		do_list(p, r, list_dimms, sizeof(struct hv_dimm), q->offset);
		return;
	case PRIV_DOMAINS:
		do_list(p, r, list_domains, sizeof(struct hv_domain),
		        q->offset);
		return;
	case PRIV_DOMAINS_ON_RANGE:
		do_domains_on_range(p, r, q);
		return;
	case PRIV_PAGE_QUERY:
		do_page(p, r, ops->page_query, q->a, false, st);
		return;
	case PRIV_PAGE_OFFLINE:
		do_page(p, r, ops->page_offline, q->a, true, st);
		return;
	case PRIV_PAGE_OFFLINE_HARD:
		do_page(p, r, ops->page_offline_hard, q->a, true, st);
		return;
	case PRIV_PAGE_ONLINE:
		do_page(p, r, ops->page_online, q->a, false, st);
		return;
	case PRIV_CPU_OFFLINE:
		do_cpu_offline(p, r, (uint32_t)q->a);
		return;
	case PRIV_CPU_ONLINE:
		reply_hv(p, r, ops->cpu_online(p->hv, (uint32_t)q->a));
		return;
	case PRIV_MIGRATE_START:
		do_migrate(p, r, q);
		return;
	case PRIV_MIGRATION_QUERY:
		rc = ops->migration_query
		         ? ops->migration_query(p->hv, (uint32_t)q->a, space)
		         : -EOPNOTSUPP;
		reply_hv(p, r, rc);
		r->payload = space;
		r->len = sizeof(struct hv_migration);
		return;
	case PRIV_INJECT:
		rc = ops->inject ? ops->inject(p->hv, &q->rec) : -EOPNOTSUPP;
		reply_hv(p, r, rc);
		return;
	case PRIV_SIM_START:
	case PRIV_SIM_STATS:
	case PRIV_SIM_CHECK:
		do_sim(p, r, q, space, space);
		return;
	case PRIV_RELOAD:
		parent_reload(p);
		return;
	case PRIV_SOURCE_SYNC:
		do_source_sync(p, r);
		return;
	}
	r->hdr.rc = -EPROTO;
	snprintf(r->hdr.err, sizeof(r->hdr.err), "unknown op %u", q->op);
}

static void reply_send(struct parent *p, struct reply *r, int pass_fd)
{
	size_t len = r->len;

	if (len > PRIV_MSG_MAX - sizeof(r->hdr))
		len = PRIV_MSG_MAX - sizeof(r->hdr);
	memcpy(p->msg, &r->hdr, sizeof(r->hdr));
	if (len > 0 && r->payload != NULL)
		memcpy(p->msg + sizeof(r->hdr), r->payload, len);
	if (priv_send(p->call_fd, p->msg, sizeof(r->hdr) + len, pass_fd) < 0)
		fprintf(stderr, "rasd: parent: reply: %s\n", strerror(errno));
}

void parent_serve_call(struct parent *p)
{
	_Static_assert(sizeof(struct priv_hello) <= PRIV_REPORT_MAX &&
	                   sizeof(struct sim_stats) <= PRIV_REPORT_MAX,
	               "every one-struct reply fits the call's space");
	union {
		struct priv_request q;
		unsigned char raw[sizeof(struct priv_request) + 1];
	} in;
	char space[PRIV_REPORT_MAX + 1];
	struct reply r;
	int pass_fd = -1;
	ssize_t n;

	n = priv_recv(p->call_fd, &in, sizeof(in), NULL, MSG_DONTWAIT);
	if (n == 0 || (n < 0 && errno != EAGAIN))
		return; /* the engine is gone: SIGCHLD says the rest */
	if (n < 0)
		return;
	memset(&r, 0, sizeof(r));
	if (n != (ssize_t)sizeof(in.q)) {
		r.hdr.rc = -EPROTO;
		snprintf(r.hdr.err, sizeof(r.hdr.err),
		         "a request of %zd bytes, not %zu", n, sizeof(in.q));
	} else {
		in.q.peer[sizeof(in.q.peer) - 1] = '\0';
		do_call(p, &r, &in.q, space, &pass_fd);
	}
	reply_send(p, &r, pass_fd);
	free(r.owned);
}

/* ---- notes ---- */

static void note_send(struct parent *p, const void *note, size_t len)
{
	if (p->note_fd >= 0 && priv_send(p->note_fd, note, len, -1) < 0)
		fprintf(stderr, "rasd: parent: note to the engine: %s\n",
		        strerror(errno));
}

static void hook_begin(struct parent *p, const struct priv_hook_run *h)
{
	struct priv_hook_done done = {.type = PRIV_NOTE_HOOK_DONE,
	                              .status = -1};
	char level[sizeof(h->level) + 1], reason[sizeof(h->reason) + 1];
	char err[256];

	snprintf(level, sizeof(level), "%.*s", (int)sizeof(h->level), h->level);
	snprintf(reason, sizeof(reason), "%.*s", (int)sizeof(h->reason),
	         h->reason);
	if (p->policy.health_hook[0] == '\0') {
		snprintf(done.output, sizeof(done.output),
		         "[health] hook is not set");
	} else if (p->hook.pid > 0) {
		snprintf(done.output, sizeof(done.output),
		         "a hook is still running");
	} else if (priv_hook_start(&p->hook, p->policy.health_hook, level,
	                           reason, &p->hook_user, parent_now_ms(),
	                           p->policy.health_hook_timeout_ms, err,
	                           sizeof(err)) < 0) {
		snprintf(done.output, sizeof(done.output), "%s", err);
	} else {
		hook_watch(p);
		return;
	}
	done.output_len = (uint32_t)strlen(done.output);
	note_send(p, &done, sizeof(done));
}

void hook_finished(struct parent *p, int status)
{
	struct priv_hook_done done = {.type = PRIV_NOTE_HOOK_DONE};

	if (p->hook.out_fd >= 0) {
		while (priv_hook_read(&p->hook) > 0)
			;
	}
	done.status = status;
	done.timed_out = p->hook.timed_out;
	done.output_len = (uint32_t)p->hook.output_len;
	memcpy(done.output, p->hook.output, p->hook.output_len);
	p->hook.pid = 0;
	note_send(p, &done, sizeof(done));
}

void parent_serve_note(struct parent *p)
{
	union priv_note n;
	ssize_t got;

	while ((got = priv_recv(p->note_fd, &n, sizeof(n), NULL,
	                        MSG_DONTWAIT)) > 0) {
		if (n.type == PRIV_NOTE_TAKEN) {
			p->source_busy = false;
			source_watch(p, true);
		} else if (n.type == PRIV_NOTE_HOOK_RUN &&
		           got == (ssize_t)sizeof(n.hook_run)) {
			hook_begin(p, &n.hook_run);
		}
	}
}

/*
 * A backend's wake may stand for more events than one note holds: asked
 * again until it has fewer, as its descriptor may not wake again.
 */
void parent_forward_events(struct parent *p)
{
	struct priv_events e = {.type = PRIV_NOTE_EVENTS};
	struct priv_gone gone = {.type = PRIV_NOTE_HV_GONE};
	size_t i, n;

	do {
		n = 0;
		if (p->hv->ops->events(p->hv, e.ev, PRIV_EVENTS_MAX, &n) < 0) {
			/* The engine decides what a lost host means (it
			 * stops). */
			snprintf(gone.err, sizeof(gone.err), "%s", p->hv->err);
			hv_watch(p, false);
			note_send(p, &gone, sizeof(gone));
			return;
		}
		if (n == 0)
			return;
		for (i = 0; i < n; i++)
			if (e.ev[i].type == HV_EVENT_SCENARIO_DONE)
				p->sim_done = true;
		e.n = (uint32_t)n;
		note_send(p, &e,
		          offsetof(struct priv_events, ev) +
		              n * sizeof(e.ev[0]));
	} while (n == PRIV_EVENTS_MAX);
}

/*
 * Up to a read a slot while the device has records (a short read means
 * it is dry), then the engine is told; nothing more is read until the
 * journal has them (its TAKEN note).
 */
int parent_fill(struct parent *p)
{
	struct priv_filled f = {.type = PRIV_NOTE_FILLED};
	size_t size = mce_reader_buffer_size(p->reader), i;
	bool over = false;
	char err[256];
	ssize_t n;

	if (p->source_busy || p->engine <= 0)
		return 0;
	for (i = 0; i < PRIV_SLOTS; i++) {
		if (mce_reader_use_buffer(p->reader, spool_slot(p->spool, i),
		                          spool_slot_size(p->spool)) < 0)
			break;
		n = mce_reader_fill(p->reader, &over, err, sizeof(err));
		if (over)
			f.overflowed = 1;
		if (n <= 0)
			break;
		f.len[i] = (uint32_t)n;
		f.used = (uint32_t)(i + 1);
		if ((size_t)n < size)
			break;
	}
	if (f.used == 0 && !f.overflowed)
		return 0;
	p->source_busy = true;
	source_watch(p, false);
	note_send(p, &f, sizeof(f));
	return (int)f.used + 1;
}

/* ---- the policy: the guard's rules and the hook ---- */

int parent_policy_load(struct parent *p, char *err, size_t errlen)
{
	struct policy fresh;

	policy_defaults(&fresh);
	if (p->cfg->policy_path != NULL &&
	    policy_load_file(&fresh, p->cfg->policy_path, err, errlen) < 0)
		return -1;
	p->policy = fresh;
	p->guard.policy = fresh;
	/* The hook never runs as root, nor as the engine. */
	if (priv_user_lookup(fresh.health_hook_user, "nobody", &p->hook_user,
	                     err, errlen) < 0)
		return -1;
	if (geteuid() == 0 && p->hook_user.uid == 0) {
		snprintf(err, errlen,
		         "[health] hook_user %s is root: the hook "
		         "never runs as root",
		         fresh.health_hook_user);
		return -1;
	}
	return 0;
}

void parent_reload(struct parent *p)
{
	char err[512];

	if (parent_policy_load(p, err, sizeof(err)) < 0)
		fprintf(stderr,
		        "rasd: parent: reload refused, keeping the rules: %s\n",
		        err);
}

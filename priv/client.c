/* client.c - the engine's hypervisor: every op a message to the parent,
 * the records read from the spool slots the parent filled. */
#include <errno.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "msg.h"
#include "priv.h"

struct priv_client {
	struct hv hv;      /* first: the hv is the client */
	struct hv_ops ops; /* client_ops, less what the backend lacks */
	int call_fd, note_fd;
	int spool_fd;
	struct priv_hello hello;
	/* the slots the parent filled and the engine has not read yet */
	struct priv_filled filled;
	uint32_t cursor;
	bool filled_pending;
	bool took_since_told; /* TAKEN owed to the parent */
	bool told_ready;
	bool host_gone; /* the parent lost the host's events: hv.err says */
	int ready_fd;   /* an eventfd: readable while filled slots wait */
	/*
	 * Any call may take the notes off note_fd (a reply is awaited while
	 * notes arrive), so the loop watches a set that is readable while
	 * notes wait in the socket or events wait in the queue.
	 */
	int queued_fd; /* an eventfd: readable while the queue holds events */
	int event_set; /* epoll of note_fd and queued_fd */
	struct mce_reader *reader;
	/* events from notes, waiting for events() */
	struct hv_event queue[PRIV_EVENTS_MAX * 2];
	size_t n_queued;
	unsigned char msg[PRIV_MSG_MAX];
};

static const struct hv_ops client_ops;

static void op_close(struct hv *hv);

/* Every client's ops end in op_close: that is how one is known. */
static struct priv_client *client_of(struct hv *hv)
{
	return hv != NULL && hv->ops->close == op_close
	           ? (struct priv_client *)hv
	           : NULL;
}

static int client_fail(struct priv_client *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int client_fail(struct priv_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hv.err, sizeof(c->hv.err), fmt, ap);
	va_end(ap);
	return rc;
}

/* One request, its reply: the header, the payload into out. */
static int call(struct priv_client *c, const struct priv_request *q,
                struct priv_reply *hdr, void *out, size_t len, size_t *got,
                int *fd)
{
	ssize_t n;
	size_t body;

	/*
	 * A parent gone mid-call may have made the call: its outcome is
	 * unknown, so nothing may be journaled of it. The engine goes as a
	 * kill of both would; the restart reconciles with the host.
	 */
	if (priv_send(c->call_fd, q, sizeof(*q), -1) != (ssize_t)sizeof(*q)) {
		if (errno == EPIPE || errno == ECONNRESET)
			_exit(1);
		return client_fail(c, -EPIPE, "rasd's parent: send: %s",
		                   strerror(errno));
	}
	n = priv_recv(c->call_fd, c->msg, sizeof(c->msg), fd, 0);
	if (n == 0 || (n < 0 && errno == ECONNRESET))
		_exit(1);
	if (n < (ssize_t)sizeof(*hdr))
		return client_fail(c, -EPIPE, "rasd's parent went away (%s)",
		                   n < 0 ? strerror(errno) : "closed");
	memcpy(hdr, c->msg, sizeof(*hdr));
	hdr->err[sizeof(hdr->err) - 1] = '\0';
	body = (size_t)n - sizeof(*hdr);
	if (body > len)
		body = len;
	if (out != NULL && body > 0)
		memcpy(out, c->msg + sizeof(*hdr), body);
	if (got != NULL)
		*got = body;
	if (hdr->rc < 0)
		return client_fail(c, hdr->rc, "%s", hdr->err);
	return 0;
}

static void request_init(struct priv_request *q, enum priv_op op)
{
	memset(q, 0, sizeof(*q));
	q->op = op;
}

static int call_one(struct priv_client *c, struct priv_request *q, void *out,
                    size_t size)
{
	struct priv_reply hdr;
	size_t got = 0;
	int rc = call(c, q, &hdr, out, size, &got, NULL);

	if (rc < 0)
		return rc;
	if (out != NULL && got != size)
		return client_fail(c, -EPROTO,
		                   "rasd's parent: op %u replied %zu bytes, "
		                   "want %zu",
		                   q->op, got, size);
	return 0;
}

/* A list, slice by slice: fills at most max, *n is how many exist. */
static int call_list(struct priv_client *c, struct priv_request *q, void *out,
                     size_t max, size_t size, size_t *n)
{
	struct priv_reply hdr;
	size_t have = 0, got;
	int rc;

	do {
		q->offset = (uint32_t)have;
		got = 0;
		rc = call(c, q, &hdr,
		          out ? (unsigned char *)out + have * size : NULL,
		          out ? (max - have) * size : 0, &got, NULL);
		if (rc < 0)
			return rc;
		*n = hdr.total;
		have += got / size;
	} while (out != NULL && have < max && have < hdr.total &&
	         hdr.count > 0);
	return 0;
}

/* ---- the ops ---- */

static int op_topology(struct hv *hv, struct hv_topology *out)
{
	struct priv_request q;

	request_init(&q, PRIV_TOPOLOGY);
	return call_one(client_of(hv), &q, out, sizeof(*out));
}

static int op_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	struct priv_request q;

	request_init(&q, PRIV_CPUS);
	return call_list(client_of(hv), &q, out, max, sizeof(*out), n);
}

static int op_dimms(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n)
{
	struct priv_request q;

	request_init(&q, PRIV_DIMMS);
	return call_list(client_of(hv), &q, out, max, sizeof(*out), n);
}

static int op_domains(struct hv *hv, struct hv_domain *out, size_t max,
                      size_t *n)
{
	struct priv_request q;

	request_init(&q, PRIV_DOMAINS);
	return call_list(client_of(hv), &q, out, max, sizeof(*out), n);
}

static int op_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                               uint32_t *domids, size_t max, size_t *n)
{
	struct priv_request q;

	request_init(&q, PRIV_DOMAINS_ON_RANGE);
	q.a = start;
	q.b = end;
	return call_list(client_of(hv), &q, domids, max, sizeof(*domids), n);
}

static int page_call(struct hv *hv, enum priv_op op, uint64_t mfn,
                     struct hv_page_status *out)
{
	struct priv_request q;

	request_init(&q, op);
	q.a = mfn;
	return call_one(client_of(hv), &q, out, sizeof(*out));
}

static int op_page_query(struct hv *hv, uint64_t mfn,
                         struct hv_page_status *out)
{
	return page_call(hv, PRIV_PAGE_QUERY, mfn, out);
}

static int op_page_offline(struct hv *hv, uint64_t mfn,
                           struct hv_page_status *out)
{
	return page_call(hv, PRIV_PAGE_OFFLINE, mfn, out);
}

static int op_page_offline_hard(struct hv *hv, uint64_t mfn,
                                struct hv_page_status *out)
{
	return page_call(hv, PRIV_PAGE_OFFLINE_HARD, mfn, out);
}

static int op_page_online(struct hv *hv, uint64_t mfn,
                          struct hv_page_status *out)
{
	return page_call(hv, PRIV_PAGE_ONLINE, mfn, out);
}

static int cpu_call(struct hv *hv, enum priv_op op, uint32_t cpu)
{
	struct priv_request q;

	request_init(&q, op);
	q.a = cpu;
	return call_one(client_of(hv), &q, NULL, 0);
}

static int op_cpu_offline(struct hv *hv, uint32_t cpu)
{
	return cpu_call(hv, PRIV_CPU_OFFLINE, cpu);
}

static int op_cpu_online(struct hv *hv, uint32_t cpu)
{
	return cpu_call(hv, PRIV_CPU_ONLINE, cpu);
}

static int op_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                            uint64_t *migration_id)
{
	struct priv_client *c = client_of(hv);
	struct priv_request q;
	struct priv_reply hdr;
	int rc;

	request_init(&q, PRIV_MIGRATE_START);
	q.a = domid;
	snprintf(q.peer, sizeof(q.peer), "%s", peer);
	rc = call(c, &q, &hdr, NULL, 0, NULL, NULL);
	if (rc == 0)
		*migration_id = hdr.value;
	return rc;
}

static int op_migration_query(struct hv *hv, uint32_t domid,
                              struct hv_migration *out)
{
	struct priv_request q;

	request_init(&q, PRIV_MIGRATION_QUERY);
	q.a = domid;
	return call_one(client_of(hv), &q, out, sizeof(*out));
}

static int op_inject(struct hv *hv, const struct mce_record *r)
{
	struct priv_request q;

	request_init(&q, PRIV_INJECT);
	q.rec = *r;
	return call_one(client_of(hv), &q, NULL, 0);
}

/* ---- notes: slots filled, events, the hook ---- */

static void note_events(struct priv_client *c, const struct priv_events *e)
{
	size_t i, n = e->n < PRIV_EVENTS_MAX ? e->n : PRIV_EVENTS_MAX;

	for (i = 0; i < n && c->n_queued < PRIV_EVENTS_MAX * 2; i++)
		c->queue[c->n_queued++] = e->ev[i];
}

static void note_hook_done(struct priv_client *c,
                           const struct priv_hook_done *h)
{
	struct hv_event ev;
	size_t len = h->output_len < sizeof(h->output) ? h->output_len
	                                               : sizeof(h->output);

	memset(&ev, 0, sizeof(ev));
	ev.type = HV_EVENT_HOOK_DONE;
	ev.error = h->status;
	ev.online = h->timed_out != 0;
	if (len >= sizeof(ev.detail))
		len = sizeof(ev.detail) - 1;
	memcpy(ev.detail, h->output, len);
	if (c->n_queued < PRIV_EVENTS_MAX * 2)
		c->queue[c->n_queued++] = ev;
}

static void note_filled(struct priv_client *c, const struct priv_filled *f)
{
	uint64_t one = 1;

	c->filled = *f;
	if (c->filled.used > PRIV_SLOTS)
		c->filled.used = PRIV_SLOTS;
	c->cursor = 0;
	c->filled_pending = true;
	if (write(c->ready_fd, &one, sizeof(one)) < 0 && errno != EAGAIN)
		client_fail(c, -errno, "eventfd: %s", strerror(errno));
}

static void queued_tell(struct priv_client *c)
{
	uint64_t v = 1;

	if (c->n_queued > 0) {
		if (write(c->queued_fd, &v, sizeof(v)) < 0)
			return; /* already readable */
	} else if (read(c->queued_fd, &v, sizeof(v)) < 0) {
		return; /* already clear */
	}
}

/*
 * Notes stay in the socket while the queue could not hold a whole one:
 * the parent's side fills up instead of an event being dropped here.
 */
static bool queue_has_room(const struct priv_client *c)
{
	return c->n_queued + PRIV_EVENTS_MAX + 1 <=
	       sizeof(c->queue) / sizeof(c->queue[0]);
}

static void notes_take(struct priv_client *c)
{
	union priv_note n;
	ssize_t got = -1;

	while (queue_has_room(c) &&
	       (got = priv_recv(c->note_fd, &n, sizeof(n), NULL,
	                        MSG_DONTWAIT)) != 0) {
		if (got < 0)
			break;
		if (n.type == PRIV_NOTE_FILLED &&
		    got == (ssize_t)sizeof(n.filled))
			note_filled(c, &n.filled);
		else if (n.type == PRIV_NOTE_EVENTS &&
		         got >= (ssize_t)offsetof(struct priv_events, ev))
			note_events(c, &n.events);
		else if (n.type == PRIV_NOTE_HOOK_DONE &&
		         got == (ssize_t)sizeof(n.hook_done))
			note_hook_done(c, &n.hook_done);
		else if (n.type == PRIV_NOTE_HV_GONE &&
		         got == (ssize_t)sizeof(n.gone)) {
			c->host_gone = true;
			client_fail(c, -EIO, "%.*s", (int)sizeof(n.gone.err),
			            n.gone.err);
		}
	}
	/*
	 * The parent's end closed: it is gone, and the host with it. The
	 * engine goes as its parent-death signal would take it (that signal
	 * may simply not have come yet): at once, leaving what a killed rasd
	 * leaves; the journal holds every committed batch already.
	 */
	if (got == 0)
		_exit(1);
	queued_tell(c);
}

static int op_event_fd(struct hv *hv)
{
	return client_of(hv)->event_set;
}

static int op_events(struct hv *hv, struct hv_event *out, size_t max, size_t *n)
{
	struct priv_client *c = client_of(hv);
	size_t k;

	notes_take(c);
	if (c->host_gone && c->n_queued == 0)
		return -EIO;
	k = c->n_queued < max ? c->n_queued : max;
	memcpy(out, c->queue, k * sizeof(*out));
	memmove(c->queue, c->queue + k, (c->n_queued - k) * sizeof(*out));
	c->n_queued -= k;
	*n = k;
	queued_tell(c);
	return 0;
}

/*
 * The reader's device: each read is the next slot the parent filled; the
 * bytes are already there, in the engine's mapping of the same spool
 * (the engine reads slot after slot into its own mapping, in order).
 */
static ssize_t slot_read(void *ctx, void *buf, size_t len)
{
	struct priv_client *c = ctx;
	uint32_t n;

	(void)buf;
	if (!c->filled_pending || c->cursor >= c->filled.used) {
		errno = EAGAIN;
		return -1;
	}
	n = c->filled.len[c->cursor++];
	c->took_since_told = true;
	return n > len ? (ssize_t)len : (ssize_t)n;
}

static int slot_ioctl(void *ctx, unsigned long request, int *value)
{
	struct priv_client *c = ctx;

	switch (request) {
	case MCE_IOCTL_GET_RECORD_LEN:
		*value = (int)c->hello.record_len;
		return 0;
	case MCE_IOCTL_GET_LOG_LEN:
		*value = (int)c->hello.log_len;
		return 0;
	case MCE_IOCTL_GETCLEAR_FLAGS:
		*value = c->filled.overflowed ? MCE_FLAG_OVERFLOW : 0;
		c->filled.overflowed = 0;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct mce_dev_ops slot_ops = {slot_read, slot_ioctl};

static int op_mce_source(struct hv *hv, struct mce_reader **reader,
                         int *poll_fd)
{
	struct priv_client *c = client_of(hv);
	char err[256];

	if (!c->hello.has_source)
		return client_fail(c, -ENODEV, "the host has no record source");
	if (c->reader == NULL &&
	    mce_reader_open_ops(&c->reader, &slot_ops, c, NULL, err,
	                        sizeof(err)) < 0)
		return client_fail(c, -EIO, "%s", err);
	*reader = c->reader;
	*poll_fd = c->ready_fd;
	return 0;
}

/* The journal took what was read (or, at start, what the spool held). */
static int op_source_done(struct hv *hv)
{
	struct priv_client *c = client_of(hv);
	uint32_t taken = PRIV_NOTE_TAKEN;
	uint64_t drain;

	if (c->filled_pending && c->cursor < c->filled.used)
		return 0; /* slots left: the reader goes on first */
	if (c->told_ready && !c->took_since_told && !c->filled_pending)
		return 0;
	if (read(c->ready_fd, &drain, sizeof(drain)) < 0 && errno != EAGAIN)
		return client_fail(c, -errno, "eventfd: %s", strerror(errno));
	c->filled_pending = false;
	c->took_since_told = false;
	c->told_ready = true;
	if (priv_send(c->note_fd, &taken, sizeof(taken), -1) < 0)
		return client_fail(c, -EPIPE, "rasd's parent: %s",
		                   strerror(errno));
	return 0;
}

/*
 * The scenario ended, or the engine wants to know the device is dry:
 * the parent reads it now. While the last batch is not taken, the
 * engine drains first (1: drain, then ask again).
 */
static int op_source_sync(struct hv *hv)
{
	struct priv_client *c = client_of(hv);
	struct priv_request q;
	struct priv_reply hdr;
	int rc;

	if (c->filled_pending)
		return 1;
	request_init(&q, PRIV_SOURCE_SYNC);
	rc = call(c, &q, &hdr, NULL, 0, NULL, NULL);
	if (rc == -EAGAIN) {
		notes_take(c);
		return 1;
	}
	if (rc < 0)
		return rc;
	notes_take(c);
	return hdr.value > 0 ? 1 : 0;
}

static void op_close(struct hv *hv)
{
	struct priv_client *c = client_of(hv);

	if (c == NULL)
		return;
	mce_reader_close(c->reader);
	close(c->call_fd);
	close(c->note_fd);
	if (c->spool_fd >= 0)
		close(c->spool_fd);
	if (c->ready_fd >= 0)
		close(c->ready_fd);
	if (c->queued_fd >= 0)
		close(c->queued_fd);
	if (c->event_set >= 0)
		close(c->event_set);
	free(c);
}

/* ---- the simulated host behind the parent ---- */

static int proxy_clock(struct hv *hv, struct clock *out)
{
	struct priv_client *c = client_of(hv);

	if (!c->hello.sim)
		return -1;
	*out = c->hello.sim_clock;
	return 0;
}

static int proxy_scenario_done(struct hv *hv)
{
	return client_of(hv)->hello.sim_done != 0;
}

static int proxy_start(struct hv *hv, uint64_t *start_ms)
{
	struct priv_client *c = client_of(hv);
	struct priv_request q;
	struct priv_reply hdr;

	if (!c->hello.sim)
		return -1;
	request_init(&q, PRIV_SIM_START);
	if (call(c, &q, &hdr, NULL, 0, NULL, NULL) < 0)
		return -1;
	*start_ms = hdr.value;
	return 0;
}

static int proxy_stats(struct hv *hv, struct sim_stats *out)
{
	struct priv_client *c = client_of(hv);
	struct priv_request q;

	memset(out, 0, sizeof(*out));
	if (!c->hello.sim)
		return -1;
	request_init(&q, PRIV_SIM_STATS);
	return call_one(c, &q, out, sizeof(*out)) < 0 ? -1 : 0;
}

static int proxy_check(struct hv *hv, const struct sim_observed *obs,
                       char *report, size_t len)
{
	struct priv_client *c = client_of(hv);
	struct priv_request q;
	struct priv_reply hdr;
	size_t got = 0;

	if (len > 0)
		report[0] = '\0';
	if (!c->hello.sim)
		return -1;
	request_init(&q, PRIV_SIM_CHECK);
	q.obs = *obs;
	if (call(c, &q, &hdr, report, len > 0 ? len - 1 : 0, &got, NULL) < 0)
		return -1;
	if (len > 0)
		report[got] = '\0';
	return (int)hdr.value;
}

static const struct hv_sim_proxy client_sim = {
    proxy_clock, proxy_scenario_done, proxy_start, proxy_stats, proxy_check,
};

static const struct hv_ops client_ops = {
    .name = "priv",
    .topology = op_topology,
    .cpus = op_cpus,
    .dimms = op_dimms,
    .domains = op_domains,
    .domains_on_range = op_domains_on_range,
    .page_query = op_page_query,
    .page_offline = op_page_offline,
    .page_offline_hard = op_page_offline_hard,
    .page_online = op_page_online,
    .cpu_offline = op_cpu_offline,
    .cpu_online = op_cpu_online,
    .migrate_start = op_migrate_start,
    .migration_query = op_migration_query,
    .event_fd = op_event_fd,
    .events = op_events,
    .mce_source = op_mce_source,
    .inject = op_inject,
    .source_done = op_source_done,
    .source_sync = op_source_sync,
    .close = op_close,
    .sim_proxy = &client_sim,
};

/* The ops a backend lacks stay lacking: the engine asks what it may. */
static void ops_trim(struct priv_client *c)
{
	c->ops = client_ops;
	c->ops.name = c->hello.backend;
	if (!c->hello.can_inject)
		c->ops.inject = NULL;
	if (!c->hello.can_offline_hard)
		c->ops.page_offline_hard = NULL;
	if (!c->hello.can_page_online)
		c->ops.page_online = NULL;
	if (!c->hello.can_migration_query)
		c->ops.migration_query = NULL;
	c->hv.ops = &c->ops;
}

static int event_set_fill(struct priv_client *c)
{
	struct epoll_event ev = {.events = EPOLLIN};

	if (c->queued_fd < 0 || c->event_set < 0)
		return -1;
	ev.data.fd = c->note_fd;
	if (epoll_ctl(c->event_set, EPOLL_CTL_ADD, c->note_fd, &ev) < 0)
		return -1;
	ev.data.fd = c->queued_fd;
	return epoll_ctl(c->event_set, EPOLL_CTL_ADD, c->queued_fd, &ev);
}

struct hv *priv_client_open(int call_fd, int note_fd, uint64_t start_ms,
                            uint32_t speed, char *err, size_t errlen)
{
	struct priv_client *c = calloc(1, sizeof(*c));
	struct priv_request q;
	int fd = -1;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->hv.ops = &client_ops;
	c->call_fd = call_fd;
	c->note_fd = note_fd;
	c->ready_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->queued_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	c->event_set = epoll_create1(EPOLL_CLOEXEC);
	request_init(&q, PRIV_HELLO);
	q.a = start_ms;
	q.b = speed;
	if (event_set_fill(c) < 0) {
		snprintf(err, errlen, "event set: %s", strerror(errno));
		c->spool_fd = -1;
		op_close(&c->hv);
		return NULL;
	}
	if (c->ready_fd < 0 || call(c, &q, &(struct priv_reply){0}, &c->hello,
	                            sizeof(c->hello), NULL, &fd) < 0) {
		snprintf(err, errlen, "%s",
		         c->ready_fd < 0 ? strerror(errno) : c->hv.err);
		c->spool_fd = fd;
		op_close(&c->hv);
		return NULL;
	}
	c->spool_fd = fd;
	c->hello.backend[sizeof(c->hello.backend) - 1] = '\0';
	if (c->hello.version != PRIV_VERSION) {
		snprintf(err, errlen, "rasd's parent speaks version %u, not %u",
		         c->hello.version, PRIV_VERSION);
		op_close(&c->hv);
		return NULL;
	}
	ops_trim(c);
	return &c->hv;
}

bool priv_is_client(const struct hv *hv)
{
	return hv != NULL && hv->ops->close == op_close;
}

int priv_spool_fd(const struct hv *hv)
{
	return priv_is_client(hv) ? ((const struct priv_client *)hv)->spool_fd
	                          : -1;
}

void priv_engine_life(const struct hv *hv, unsigned *starts, int *status)
{
	const struct priv_client *c =
	    priv_is_client(hv) ? (const struct priv_client *)hv : NULL;

	*starts = c ? c->hello.engine_starts : 0;
	*status = c ? c->hello.last_status : 0;
}

int priv_hook_request(struct hv *hv, const char *level, const char *reason)
{
	struct priv_client *c = client_of(hv);
	struct priv_hook_run h = {.type = PRIV_NOTE_HOOK_RUN};

	if (c == NULL)
		return -1;
	snprintf(h.level, sizeof(h.level), "%s", level);
	snprintf(h.reason, sizeof(h.reason), "%s", reason);
	if (priv_send(c->note_fd, &h, sizeof(h), -1) < 0)
		return client_fail(c, -EPIPE, "rasd's parent: %s",
		                   strerror(errno));
	return 0;
}

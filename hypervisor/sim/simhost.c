/* simhost.c - rasd-simhost's server: the simulated host on its own clock,
 * answering the sim backend's requests and keeping what it did. */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include "hypervisor/sim/sim_host.h"
#include "hypervisor/sim/simhost.h"
#include "hypervisor/sim/simhost_proto.h"

#define SIMHOST_MAX_CLIENTS 64
#define SIMHOST_EVENTS_STEP 64

/* Epoll tags: fds above these are clients. */
enum {
	TAG_LISTEN = -1,
	TAG_TIMER = -2,
	TAG_SIGNAL = -3,
	TAG_FEED = -4,
	TAG_FEED_TICK = -5
};
/* A paced feed writes what is due every tick. */
#define FEED_TICK_NS 1000000ull

/* Records per write into the FIFO: the most that fit PIPE_BUF. */
#define FEED_CHUNK_BYTES 4096

/*
 * The benchmark's feed: when each frame's latest record went into the
 * device, so that a page offline's latency can be told from the record
 * that caused it.
 */
struct feed {
	int fd;
	int tick_fd;         /* --feed-rate: a 1 ms timer, else -1 */
	uint64_t behind_max; /* paced: the most records due but not written */
	bool started, done;
	uint64_t records;
	uint64_t first_ns, last_ns;
	uint64_t *mfn_plus1; /* open addressing: frame + 1, 0 empty */
	uint64_t *written_ns;
	size_t cap;
	uint64_t *latency_ns; /* one per page offline asked */
	size_t n_latency, cap_latency;
	unsigned char chunk[FEED_CHUNK_BYTES];
};

struct simhost {
	const struct simhost_options *opt;
	struct clock clock;
	struct hv *hv;
	int epoll_fd;
	int listen_fd;
	int signal_fd;
	int mcelog_fd;
	struct simhost_regs *regs;
	int clients[SIMHOST_MAX_CLIENTS];
	int subscriber; /* a client fd, or -1 */
	/* hypervisor events no daemon has taken yet: they wait for one */
	struct hv_event *events;
	size_t n_events, cap_events;
	bool scenario_done;
	bool quit;
	uint64_t idle_since_ms; /* real ms; 0 while a daemon is attached */
	char mcelog_path[SIMHOST_PATH_MAX];
	char regs_path[SIMHOST_PATH_MAX];
	char scenario_path[SIMHOST_PATH_MAX];
	struct feed feed;
	unsigned char msg[SIMHOST_MSG_MAX];
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static uint64_t real_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int epoll_watch_for(struct simhost *s, int fd, int tag, uint32_t what)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = what;
	ev.data.u64 = (uint64_t)(int64_t)(tag < 0 ? tag : fd);
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static int epoll_watch(struct simhost *s, int fd, int tag)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = (uint64_t)(int64_t)(tag < 0 ? tag : fd);
	return epoll_ctl(s->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

/* ---- the channels ---- */

/* A host already listening there must not be displaced. */
static int socket_claim(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd, rc;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(err, errlen, "socket path %s is too long (max %zu)",
		            path, sizeof(sa.sun_path) - 1);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(err, errlen, "socket: %s", strerror(errno));
	rc = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (rc == 0)
		return fail(err, errlen,
		            "a simulated host already listens on %s", path);
	if (errno == ECONNREFUSED)
		unlink(path);
	return 0;
}

static int listen_open(struct simhost *s, char *err, size_t errlen)
{
	struct sockaddr_un sa;

	if (socket_claim(s->opt->socket, err, errlen) < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", s->opt->socket);
	s->listen_fd =
	    socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s->listen_fd < 0 ||
	    bind(s->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(s->listen_fd, 16) < 0)
		return fail(err, errlen, "%s: %s", s->opt->socket,
		            strerror(errno));
	return epoll_watch(s, s->listen_fd, TAG_LISTEN);
}

/*
 * Opened read-write by the host itself: the FIFO never loses its last
 * writer or reader, so unread records wait there while no daemon runs,
 * as they wait in the driver's log.
 */
static int fifo_open(struct simhost *s, const struct sim_host *h, char *err,
                     size_t errlen)
{
	int bytes = (int)(h->sc->log_len * h->sc->record_len);

	snprintf(s->mcelog_path, sizeof(s->mcelog_path), "%s.mcelog",
	         s->opt->socket);
	unlink(s->mcelog_path);
	if (mkfifo(s->mcelog_path, 0600) < 0)
		return fail(err, errlen, "%s: %s", s->mcelog_path,
		            strerror(errno));
	s->mcelog_fd = open(s->mcelog_path, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (s->mcelog_fd < 0)
		return fail(err, errlen, "%s: %s", s->mcelog_path,
		            strerror(errno));
	/* Room for a whole log, so a full log is the only reason to drop. */
	if (bytes > 65536 && fcntl(s->mcelog_fd, F_SETPIPE_SZ, bytes) < bytes)
		return fail(err, errlen,
		            "%s: cannot hold a log of %d bytes: %s",
		            s->mcelog_path, bytes, strerror(errno));
	return 0;
}

static int regs_open(struct simhost *s, char *err, size_t errlen)
{
	void *p;
	int fd;

	snprintf(s->regs_path, sizeof(s->regs_path), "%s.regs", s->opt->socket);
	fd = open(s->regs_path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || ftruncate(fd, SIMHOST_REGS_SIZE) < 0) {
		if (fd >= 0)
			close(fd);
		return fail(err, errlen, "%s: %s", s->regs_path,
		            strerror(errno));
	}
	p = mmap(NULL, SIMHOST_REGS_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED,
	         fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return fail(err, errlen, "%s: mmap: %s", s->regs_path,
		            strerror(errno));
	s->regs = p;
	s->regs->magic = SIMHOST_REGS_MAGIC;
	return 0;
}

static int signals_open(struct simhost *s, char *err, size_t errlen)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (s->signal_fd < 0)
		return fail(err, errlen, "signalfd: %s", strerror(errno));
	return epoll_watch(s, s->signal_fd, TAG_SIGNAL);
}

static int host_open(struct simhost *s, char *err, size_t errlen)
{
	struct hv_options ho = {.call_log = s->opt->call_log, .sim_hold = true};
	struct sim_scenario *sc;
	struct sim_host *h;
	char real[PATH_MAX]; /* realpath writes up to PATH_MAX */

	if (realpath(s->opt->scenario, real) == NULL)
		return fail(err, errlen, "%s: %s", s->opt->scenario,
		            strerror(errno));
	if (strlen(real) >= sizeof(s->scenario_path))
		return fail(err, errlen, "%s: path longer than %zu bytes", real,
		            sizeof(s->scenario_path) - 1);
	snprintf(s->scenario_path, sizeof(s->scenario_path), "%s", real);
	if (sim_scenario_load(s->opt->scenario, &sc, err, errlen) < 0)
		return -1;
	clock_start(&s->clock, s->opt->start_ms, s->opt->speed);
	s->hv = hv_sim_open(sc, &s->clock, &ho, err, errlen);
	if (s->hv == NULL)
		return -1;
	h = sim_host_from(s->hv);
	if (fifo_open(s, h, err, errlen) < 0 || regs_open(s, err, errlen) < 0 ||
	    sim_mcelog_set_fifo(h->mcelog, s->mcelog_fd, s->regs) < 0)
		return -1;
	return epoll_watch(s, sim_host_event_fd(s->hv), TAG_TIMER);
}

/* ---- events waiting for a daemon ---- */

static int events_push(struct simhost *s, const struct hv_event *ev)
{
	if (s->n_events == s->cap_events) {
		size_t cap = s->cap_events ? s->cap_events * 2 : 64;
		struct hv_event *p = realloc(s->events, cap * sizeof(*p));

		if (p == NULL)
			return -1;
		s->events = p;
		s->cap_events = cap;
	}
	s->events[s->n_events++] = *ev;
	return 0;
}

/* One byte says "ask for events"; a full socket already says so. */
static void subscriber_wake(struct simhost *s)
{
	unsigned char b = 1;

	if (s->subscriber >= 0 && s->n_events > 0)
		(void)send(s->subscriber, &b, 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The timeline moved: records into the FIFO, events into the queue. */
static void timeline_advance(struct simhost *s)
{
	struct hv_event evs[SIMHOST_EVENTS_STEP];
	size_t i, n;

	do {
		n = 0;
		if (s->hv->ops->events(s->hv, evs, SIMHOST_EVENTS_STEP, &n) < 0)
			return;
		for (i = 0; i < n; i++) {
			if (evs[i].type == HV_EVENT_SCENARIO_DONE)
				s->scenario_done = true;
			if (events_push(s, &evs[i]) < 0)
				fprintf(stderr, "rasd-simhost: out of memory: "
				                "an event was lost\n");
		}
	} while (n == SIMHOST_EVENTS_STEP);
	subscriber_wake(s);
}

/* ---- the benchmark's feed ---- */

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static size_t feed_slot(const struct feed *f, uint64_t mfn)
{
	size_t i = (size_t)((mfn * 0x9e3779b97f4a7c15ull) >> 20) & (f->cap - 1);

	while (f->mfn_plus1[i] != 0 && f->mfn_plus1[i] != mfn + 1)
		i = (i + 1) & (f->cap - 1);
	return i;
}

static int feed_open(struct simhost *s, char *err, size_t errlen)
{
	const struct sim_host *h = sim_host_from(s->hv);
	struct feed *f = &s->feed;
	struct stat st;
	size_t records;

	f->fd = -1;
	if (s->opt->feed == NULL)
		return 0;
	f->fd = open(s->opt->feed, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0 || fstat(f->fd, &st) < 0)
		return fail(err, errlen, "feed %s: %s", s->opt->feed,
		            strerror(errno));
	records = (size_t)st.st_size / h->sc->record_len;
	/* At most one frame per record: half full at worst. */
	for (f->cap = 1024; f->cap < 2 * records + 2; f->cap *= 2)
		;
	f->mfn_plus1 = calloc(f->cap, sizeof(*f->mfn_plus1));
	f->written_ns = calloc(f->cap, sizeof(*f->written_ns));
	if (f->mfn_plus1 == NULL || f->written_ns == NULL)
		return fail(err, errlen, "feed: out of memory");
	return hv_sim_feeding(s->hv, true);
}

static void feed_note(struct feed *f, const unsigned char *p, size_t n,
                      size_t len, uint64_t now)
{
	struct mce_record r;
	char why[64];
	size_t off, i;

	for (off = 0; off + len <= n; off += len) {
		if (mce_record_parse(p + off, len, &r, why, sizeof(why)) < 0 ||
		    !(r.status & MCI_STATUS_ADDRV))
			continue;
		i = feed_slot(f, r.addr >> 12);
		f->mfn_plus1[i] = (r.addr >> 12) + 1;
		f->written_ns[i] = now;
	}
}

static void feed_end(struct simhost *s)
{
	if (s->feed.tick_fd >= 0) {
		close(s->feed.tick_fd);
		s->feed.tick_fd = -1;
	}
	s->feed.done = true;
	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, s->mcelog_fd, NULL);
	hv_sim_feeding(s->hv, false);
}

/*
 * While the FIFO has room: whole records, at most PIPE_BUF per write so
 * each write is all or nothing; a full FIFO waits for the daemon.
 */
static void feed_pump_upto(struct simhost *s, uint64_t limit)
{
	struct feed *f = &s->feed;
	size_t len = sim_host_from(s->hv)->sc->record_len;
	size_t want;
	ssize_t n, w;
	uint64_t now;

	while (f->records < limit) {
		want = FEED_CHUNK_BYTES / len;
		if (limit - f->records < want)
			want = (size_t)(limit - f->records);
		want *= len;
		n = pread(f->fd, f->chunk, want, (off_t)(f->records * len));
		n -= n > 0 ? n % (ssize_t)len : 0;
		if (n <= 0) {
			feed_end(s);
			return;
		}
		w = write(s->mcelog_fd, f->chunk, (size_t)n);
		if (w < 0)
			return; /* EAGAIN: the daemon has not read yet */
		now = mono_ns();
		if (f->first_ns == 0)
			f->first_ns = now;
		f->last_ns = now;
		feed_note(f, f->chunk, (size_t)w, len, now);
		f->records += (uint64_t)w / len;
	}
}

static void feed_pump(struct simhost *s)
{
	feed_pump_upto(s, UINT64_MAX);
}

/*
 * Paced: every tick, what the rate makes due since the start; what a full
 * FIFO keeps back is written at the next tick and counted as behind.
 */
static void feed_tick(struct simhost *s)
{
	struct feed *f = &s->feed;
	uint64_t expirations, due;

	if (read(f->tick_fd, &expirations, sizeof(expirations)) < 0 || f->done)
		return;
	if (f->first_ns == 0)
		f->first_ns = mono_ns();
	due =
	    (mono_ns() - f->first_ns) / 1000 * s->opt->feed_rate / 1000000 + 1;
	feed_pump_upto(s, due);
	if (!f->done && due > f->records && due - f->records > f->behind_max)
		f->behind_max = due - f->records;
}

static void feed_start(struct simhost *s)
{
	struct itimerspec its = {{0, FEED_TICK_NS}, {0, FEED_TICK_NS}};
	struct feed *f = &s->feed;

	if (f->fd < 0 || f->started)
		return;
	f->started = true;
	if (s->opt->feed_rate == 0) {
		epoll_watch_for(s, s->mcelog_fd, TAG_FEED, EPOLLOUT);
		return;
	}
	f->tick_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (f->tick_fd < 0 || timerfd_settime(f->tick_fd, 0, &its, NULL) < 0 ||
	    epoll_watch_for(s, f->tick_fd, TAG_FEED_TICK, EPOLLIN) < 0)
		fprintf(stderr, "rasd-simhost: feed timer: %s\n",
		        strerror(errno));
}

/* A page offline asked for: how long since its frame's last record. */
static void feed_latency(struct simhost *s, uint64_t mfn)
{
	struct feed *f = &s->feed;
	size_t i;

	if (f->fd < 0 || !f->started)
		return;
	i = feed_slot(f, mfn);
	if (f->mfn_plus1[i] == 0)
		return;
	if (f->n_latency == f->cap_latency) {
		size_t cap = f->cap_latency ? f->cap_latency * 2 : 1024;
		uint64_t *p = realloc(f->latency_ns, cap * sizeof(*p));

		if (p == NULL)
			return;
		f->latency_ns = p;
		f->cap_latency = cap;
	}
	f->latency_ns[f->n_latency++] = mono_ns() - f->written_ns[i];
}

static void feed_close(struct simhost *s)
{
	struct feed *f = &s->feed;
	FILE *out;
	size_t i;

	if (f->fd >= 0 && s->opt->feed_stats != NULL &&
	    (out = fopen(s->opt->feed_stats, "w")) != NULL) {
		fprintf(out, "behind_max %llu\n",
		        (unsigned long long)f->behind_max);
		fprintf(out, "records %llu\nfirst_ns %llu\nlast_ns %llu\n",
		        (unsigned long long)f->records,
		        (unsigned long long)f->first_ns,
		        (unsigned long long)f->last_ns);
		for (i = 0; i < f->n_latency; i++)
			fprintf(out, "page_offline_latency_ns %llu\n",
			        (unsigned long long)f->latency_ns[i]);
		fclose(out);
	}
	if (f->fd >= 0)
		close(f->fd);
	free(f->mfn_plus1);
	free(f->written_ns);
	free(f->latency_ns);
}

/* ---- requests ---- */

struct reply {
	struct simhost_reply hdr;
	const void *payload;
	size_t len;
	void *owned; /* freed after sending */
};

static void reply_hv(struct simhost *s, struct reply *r, int rc)
{
	r->hdr.rc = rc;
	if (rc < 0)
		snprintf(r->hdr.err, sizeof(r->hdr.err), "%s", s->hv->err);
}

/* A list as a slice from offset: as many entries as fit one message. */
static void reply_slice(struct reply *r, void *all, size_t total, size_t size,
                        uint32_t offset)
{
	size_t fit = (SIMHOST_MSG_MAX - sizeof(r->hdr)) / size;
	size_t from = offset < total ? offset : total;
	size_t n = total - from < fit ? total - from : fit;

	r->owned = all;
	r->payload = (unsigned char *)all + from * size;
	r->len = n * size;
	r->hdr.total = (uint32_t)total;
	r->hdr.count = (uint32_t)n;
}

typedef int (*list_fn)(struct hv *hv, void *out, size_t max, size_t *n);

static void do_list(struct simhost *s, struct reply *r, list_fn fn, size_t size,
                    uint32_t offset)
{
	size_t n = 0, got = 0;
	void *all;
	int rc = fn(s->hv, NULL, 0, &n);

	if (rc < 0) {
		reply_hv(s, r, rc);
		return;
	}
	all = calloc(n + 1, size);
	if (all == NULL) {
		r->hdr.rc = -ENOMEM;
		return;
	}
	rc = fn(s->hv, all, n, &got);
	if (rc < 0) {
		free(all);
		reply_hv(s, r, rc);
		return;
	}
	reply_slice(r, all, got < n ? got : n, size, offset);
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

static void do_domains_on_range(struct simhost *s, struct reply *r,
                                const struct simhost_request *q)
{
	size_t n = 0, got = 0;
	uint32_t *all;
	int rc = s->hv->ops->domains_on_range(s->hv, q->a, q->b, NULL, 0, &n);

	if (rc < 0) {
		reply_hv(s, r, rc);
		return;
	}
	all = calloc(n + 1, sizeof(*all));
	if (all == NULL) {
		r->hdr.rc = -ENOMEM;
		return;
	}
	rc = s->hv->ops->domains_on_range(s->hv, q->a, q->b, all, n, &got);
	if (rc < 0) {
		free(all);
		reply_hv(s, r, rc);
		return;
	}
	reply_slice(r, all, got < n ? got : n, sizeof(*all), q->offset);
}

/* At most what the daemon can take (b): what is sent leaves the queue. */
static void do_events(struct simhost *s, struct reply *r,
                      const struct simhost_request *q)
{
	size_t fit = (SIMHOST_MSG_MAX - sizeof(r->hdr)) / sizeof(*s->events);
	size_t n = s->n_events < fit ? s->n_events : fit;
	struct hv_event *taken;

	if (n > q->b)
		n = (size_t)q->b;
	taken = calloc(n + 1, sizeof(*taken));
	if (taken == NULL) {
		r->hdr.rc = -ENOMEM;
		return;
	}
	memcpy(taken, s->events, n * sizeof(*taken));
	memmove(s->events, s->events + n,
	        (s->n_events - n) * sizeof(*s->events));
	s->n_events -= n;
	reply_slice(r, taken, n, sizeof(*taken), 0);
	r->hdr.total = (uint32_t)(n + s->n_events);
	subscriber_wake(s);
}

static void do_hello(struct simhost *s, struct reply *r, void *buf)
{
	const struct sim_host *h = sim_host_from(s->hv);
	struct simhost_hello *o = buf;

	memset(o, 0, sizeof(*o));
	o->version = SIMHOST_VERSION;
	o->pid = (int32_t)getpid();
	o->record_len = h->sc->record_len;
	o->log_len = h->sc->log_len;
	o->clock_start_ms = s->clock.start_ms;
	o->clock_mono_sec = (int64_t)s->clock.start_mono.tv_sec;
	o->clock_mono_nsec = (int64_t)s->clock.start_mono.tv_nsec;
	o->clock_speed = s->clock.speed;
	o->scenario_done = s->scenario_done;
	snprintf(o->scenario, sizeof(o->scenario), "%s", s->scenario_path);
	snprintf(o->mcelog, sizeof(o->mcelog), "%s", s->mcelog_path);
	snprintf(o->regs, sizeof(o->regs), "%s", s->regs_path);
	r->payload = o;
	r->len = sizeof(*o);
}

static void do_check(struct simhost *s, struct reply *r,
                     const struct simhost_request *q)
{
	char *report = calloc(1, SIMHOST_REPORT_MAX);

	if (report == NULL) {
		r->hdr.rc = -ENOMEM;
		return;
	}
	r->hdr.value =
	    (uint64_t)hv_sim_check(s->hv, &q->obs, report, SIMHOST_REPORT_MAX);
	r->owned = report;
	r->payload = report;
	r->len = strnlen(report, SIMHOST_REPORT_MAX - 1) + 1;
}

/* The ops that change or ask about one thing. */
static void do_simple(struct simhost *s, struct reply *r,
                      const struct simhost_request *q, void *buf)
{
	const struct hv_ops *ops = s->hv->ops;
	uint64_t id = 0;
	int rc = 0;

	switch (q->op) {
	case SIMHOST_TOPOLOGY:
		rc = ops->topology(s->hv, buf);
		r->len = sizeof(struct hv_topology);
		break;
	case SIMHOST_PAGE_QUERY:
		rc = ops->page_query(s->hv, q->a, buf);
		r->len = sizeof(struct hv_page_status);
		break;
	case SIMHOST_PAGE_OFFLINE:
		feed_latency(s, q->a);
		rc = ops->page_offline(s->hv, q->a, buf);
		r->len = sizeof(struct hv_page_status);
		break;
	case SIMHOST_CPU_OFFLINE:
		rc = ops->cpu_offline(s->hv, (uint32_t)q->a);
		break;
	case SIMHOST_CPU_ONLINE:
		rc = ops->cpu_online(s->hv, (uint32_t)q->a);
		break;
	case SIMHOST_MIGRATE_START:
		rc = ops->migrate_start(s->hv, (uint32_t)q->a, q->peer, &id);
		r->hdr.value = id;
		break;
	case SIMHOST_MIGRATION_QUERY:
		rc = ops->migration_query(s->hv, (uint32_t)q->a, buf);
		r->len = sizeof(struct hv_migration);
		break;
	case SIMHOST_INJECT:
		rc = ops->inject(s->hv, &q->rec);
		break;
	case SIMHOST_STATS:
		rc = hv_sim_stats(s->hv, buf);
		r->len = sizeof(struct sim_stats);
		break;
	}
	r->payload = buf;
	reply_hv(s, r, rc);
	if (rc < 0)
		r->len = 0;
}

static void dispatch(struct simhost *s, int fd, const struct simhost_request *q,
                     struct reply *r, void *buf)
{
	switch (q->op) {
	case SIMHOST_HELLO:
		do_hello(s, r, buf);
		return;
	case SIMHOST_SUBSCRIBE:
		if (s->subscriber >= 0 && s->subscriber != fd)
			shutdown(s->subscriber, SHUT_RDWR);
		s->subscriber = fd;
		return;
	case SIMHOST_CPUS:
		do_list(s, r, list_cpus, sizeof(struct hv_cpu), q->offset);
		return;
	case SIMHOST_DIMMS:
		do_list(s, r, list_dimms, sizeof(struct hv_dimm), q->offset);
		return;
	case SIMHOST_DOMAINS:
		do_list(s, r, list_domains, sizeof(struct hv_domain),
		        q->offset);
		return;
	case SIMHOST_DOMAINS_ON_RANGE:
		do_domains_on_range(s, r, q);
		return;
	case SIMHOST_EVENTS:
		do_events(s, r, q);
		return;
	case SIMHOST_CHECK:
		do_check(s, r, q);
		return;
	case SIMHOST_START:
		hv_sim_start_timeline(s->hv, &r->hdr.value);
		feed_start(s);
		return;
	case SIMHOST_QUIT:
		s->quit = true;
		return;
	}
	if (q->op == 0 || q->op >= SIMHOST_OP_MAX) {
		r->hdr.rc = -EINVAL;
		snprintf(r->hdr.err, sizeof(r->hdr.err), "unknown request %u",
		         q->op);
		return;
	}
	do_simple(s, r, q, buf);
}

static void client_close(struct simhost *s, int fd)
{
	size_t i;
	bool any = false;

	epoll_ctl(s->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
	close(fd);
	if (s->subscriber == fd)
		s->subscriber = -1;
	for (i = 0; i < SIMHOST_MAX_CLIENTS; i++) {
		if (s->clients[i] == fd)
			s->clients[i] = -1;
		any |= s->clients[i] >= 0;
	}
	if (!any)
		s->idle_since_ms = real_ms();
}

static int reply_send(struct simhost *s, int fd, const struct reply *r)
{
	size_t len = sizeof(r->hdr) + r->len;

	memcpy(s->msg, &r->hdr, sizeof(r->hdr));
	if (r->len > 0)
		memcpy(s->msg + sizeof(r->hdr), r->payload, r->len);
	/* A daemon that does not read its replies is gone to us. */
	return send(fd, s->msg, len, MSG_DONTWAIT | MSG_NOSIGNAL) ==
	               (ssize_t)len
	           ? 0
	           : -1;
}

static void client_readable(struct simhost *s, int fd)
{
	struct simhost_request q;
	struct reply r;
	union {
		struct simhost_hello hello;
		struct hv_topology topo;
		struct hv_page_status page;
		struct hv_migration mig;
		struct sim_stats stats;
	} buf;
	ssize_t got = recv(fd, &q, sizeof(q), MSG_DONTWAIT);

	if (got < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (got != (ssize_t)sizeof(q)) {
		client_close(s, fd);
		return;
	}
	memset(&r, 0, sizeof(r));
	dispatch(s, fd, &q, &r, &buf);
	if (q.op == SIMHOST_SUBSCRIBE) {
		subscriber_wake(s);
		return;
	}
	if (reply_send(s, fd, &r) < 0)
		client_close(s, fd);
	free(r.owned);
}

static void client_accept(struct simhost *s)
{
	size_t i;
	int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (i = 0; i < SIMHOST_MAX_CLIENTS; i++)
		if (s->clients[i] < 0)
			break;
	if (i == SIMHOST_MAX_CLIENTS || epoll_watch(s, fd, fd) < 0) {
		close(fd);
		return;
	}
	s->clients[i] = fd;
	s->idle_since_ms = 0;
}

/* ---- the loop ---- */

static int idle_timeout(const struct simhost *s)
{
	uint64_t now, left;

	if (s->opt->idle_exit_ms == 0 || s->idle_since_ms == 0)
		return -1;
	now = real_ms();
	if (now - s->idle_since_ms >= s->opt->idle_exit_ms)
		return 0;
	left = s->opt->idle_exit_ms - (now - s->idle_since_ms);
	return left > 60000 ? 60000 : (int)left;
}

static void serve(struct simhost *s)
{
	struct epoll_event evs[16];
	int i, n, timeout;

	while (!s->quit) {
		timeout = idle_timeout(s);
		if (timeout == 0) {
			fprintf(stderr,
			        "rasd-simhost: no daemon attached for "
			        "%llu ms: exiting\n",
			        (unsigned long long)s->opt->idle_exit_ms);
			return;
		}
		n = epoll_wait(s->epoll_fd, evs, 16, timeout);
		for (i = 0; i < n; i++) {
			int64_t tag = (int64_t)evs[i].data.u64;

			if (tag == TAG_LISTEN)
				client_accept(s);
			else if (tag == TAG_TIMER)
				timeline_advance(s);
			else if (tag == TAG_SIGNAL)
				s->quit = true;
			else if (tag == TAG_FEED)
				feed_pump(s);
			else if (tag == TAG_FEED_TICK)
				feed_tick(s);
			else
				client_readable(s, (int)tag);
		}
	}
}

static void simhost_close(struct simhost *s)
{
	size_t i;

	for (i = 0; i < SIMHOST_MAX_CLIENTS; i++)
		if (s->clients[i] >= 0)
			close(s->clients[i]);
	if (s->listen_fd >= 0) {
		close(s->listen_fd);
		unlink(s->opt->socket);
	}
	if (s->mcelog_fd >= 0)
		close(s->mcelog_fd);
	if (s->mcelog_path[0] != '\0')
		unlink(s->mcelog_path);
	if (s->regs != NULL)
		munmap(s->regs, SIMHOST_REGS_SIZE);
	if (s->regs_path[0] != '\0')
		unlink(s->regs_path);
	if (s->signal_fd >= 0)
		close(s->signal_fd);
	if (s->epoll_fd >= 0)
		close(s->epoll_fd);
	feed_close(s);
	hv_close(s->hv);
	free(s->events);
	free(s);
}

static void ready_say(int fd, const char *text)
{
	size_t len = strlen(text);

	if (fd >= 0 && write(fd, text, len) != (ssize_t)len)
		fprintf(stderr, "rasd-simhost: %s", text);
	if (fd >= 0)
		close(fd);
}

int simhost_serve(const struct simhost_options *o, char *err, size_t errlen)
{
	struct simhost *s = calloc(1, sizeof(*s));
	char line[HV_ERR_MAX + 2];
	size_t i;

	if (s == NULL)
		return fail(err, errlen, "out of memory");
	s->opt = o;
	s->listen_fd = s->signal_fd = s->mcelog_fd = s->subscriber = -1;
	s->feed.fd = -1;
	s->feed.tick_fd = -1;
	for (i = 0; i < SIMHOST_MAX_CLIENTS; i++)
		s->clients[i] = -1;
	s->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epoll_fd < 0 || signals_open(s, err, errlen) < 0 ||
	    host_open(s, err, errlen) < 0 || feed_open(s, err, errlen) < 0 ||
	    listen_open(s, err, errlen) < 0) {
		if (s->epoll_fd < 0)
			fail(err, errlen, "epoll: %s", strerror(errno));
		snprintf(line, sizeof(line), "%s\n", err);
		ready_say(o->ready_fd, line);
		simhost_close(s);
		return -1;
	}
	s->idle_since_ms = real_ms();
	/* Records due at start fire before the first daemon attaches. */
	timeline_advance(s);
	ready_say(o->ready_fd, "ok\n");
	serve(s);
	simhost_close(s);
	return 0;
}

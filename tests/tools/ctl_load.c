/* ctl_load.c - the control socket under load, from inside one process:
 * status pollers timing each reply, notice subscribers, never-readers,
 * connection churn and rasd's RSS; or a greedy client asking for all. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_LINE (64u << 20) /* a reply longer than this is a failure */

struct opts {
	const char *sock;
	int pid;
	uint64_t records; /* stop once rasd has read this many */
	int pollers, subscribers, idle, churn;
	int interval_ms; /* between one poller's status calls */
	int settle_ms;   /* after everyone left, before RSS is read */
};

/* What the threads share: set by them, read by main at the end. */
struct shared {
	const struct opts *o;
	atomic_bool stop;
	atomic_uint_fast64_t records_read; /* the latest status says */
	/* pollers */
	uint64_t *lat_us;
	size_t n_lat, cap_lat;
	uint64_t status_failed;
	/* subscribers */
	uint64_t notices, sub_cuts, sub_gaps, sub_missed, backlog;
	uint64_t idle_cut;
	/* churn */
	uint64_t churn_ok, churn_refused, churn_failed, churn_waves;
	char churn_refusal[160];
};

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static int dial(const char *path, int timeout_ms)
{
	struct sockaddr_un sa;
	struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	/* A unix connect honours the send timeout: a backlog that stays
	 * full (a daemon that stopped accepting) fails instead of hangs. */
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int send_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t n = write(fd, s, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* A growing line buffer per connection. */
struct conn {
	int fd;
	char *buf;
	size_t used, cap;
	uint64_t sent_at; /* poller: the request in flight, 0 none */
	uint64_t due;     /* poller: when the next one goes */
	uint64_t last_seq;
	char boot[64];
	bool subscribed;
};

static int conn_fill(struct conn *c)
{
	ssize_t n;

	if (c->cap - c->used < 65536) {
		size_t cap = c->cap ? c->cap * 2 : 131072;
		char *nb;

		if (cap > MAX_LINE)
			return -1;
		nb = realloc(c->buf, cap);
		if (nb == NULL)
			return -1;
		c->buf = nb;
		c->cap = cap;
	}
	n = read(c->fd, c->buf + c->used, c->cap - c->used);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	c->used += (size_t)n;
	return 1;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	free(c->buf);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
}

static uint64_t field_u64(const char *s, const char *key)
{
	const char *p = strstr(s, key);

	return p ? strtoull(p + strlen(key), NULL, 10) : 0;
}

/* ---- status pollers ---- */

static void lat_add(struct shared *sh, uint64_t us)
{
	if (sh->n_lat == sh->cap_lat) {
		size_t cap = sh->cap_lat ? sh->cap_lat * 2 : 65536;
		uint64_t *p = realloc(sh->lat_us, cap * sizeof(*p));

		if (p == NULL)
			return;
		sh->lat_us = p;
		sh->cap_lat = cap;
	}
	sh->lat_us[sh->n_lat++] = us;
}

static void poller_reply(struct shared *sh, struct conn *c, char *line)
{
	uint64_t t = now_us();

	if (strstr(line, "\"ok\":true") == NULL) {
		sh->status_failed++;
	} else {
		lat_add(sh, t - c->sent_at);
		atomic_store(&sh->records_read,
		             field_u64(line, "\"records_read\":"));
	}
	c->sent_at = 0;
	c->due = t + (uint64_t)sh->o->interval_ms * 1000u;
}

static int poller_read(struct shared *sh, struct conn *c)
{
	char *nl;

	if (conn_fill(c) < 0)
		return -1;
	while ((nl = memchr(c->buf, '\n', c->used)) != NULL) {
		size_t len = (size_t)(nl - c->buf) + 1;

		*nl = '\0';
		poller_reply(sh, c, c->buf);
		memmove(c->buf, c->buf + len, c->used - len);
		c->used -= len;
	}
	return 0;
}

static int pollers_due(struct conn *p, int n, uint64_t t)
{
	uint64_t next = t + 100000;
	int i;

	for (i = 0; i < n; i++) {
		if (p[i].fd < 0 || p[i].sent_at != 0)
			continue;
		if (p[i].due <= t) {
			p[i].sent_at = t;
			if (send_all(p[i].fd, "{\"cmd\":\"status\"}\n") < 0)
				conn_close(&p[i]);
		} else if (p[i].due < next) {
			next = p[i].due;
		}
	}
	return (int)((next - t) / 1000) + 1;
}

static void *pollers_run(void *arg)
{
	struct shared *sh = arg;
	int n = sh->o->pollers, ep = epoll_create1(EPOLL_CLOEXEC), i;
	struct conn *p = calloc((size_t)n, sizeof(*p));
	struct epoll_event ev, evs[64];

	for (i = 0; i < n; i++) {
		p[i].fd = dial(sh->o->sock, 5000);
		p[i].due = now_us() + (uint64_t)i * 1000u *
		                          (uint64_t)sh->o->interval_ms /
		                          (uint64_t)n;
		if (p[i].fd < 0) {
			sh->status_failed++;
			continue;
		}
		ev.events = EPOLLIN;
		ev.data.ptr = &p[i];
		epoll_ctl(ep, EPOLL_CTL_ADD, p[i].fd, &ev);
	}
	while (!atomic_load(&sh->stop)) {
		int wait = pollers_due(p, n, now_us()), k;

		k = epoll_wait(ep, evs, 64, wait > 100 ? 100 : wait);
		for (i = 0; i < k; i++) {
			struct conn *c = evs[i].data.ptr;

			if (poller_read(sh, c) < 0) {
				sh->status_failed++;
				conn_close(c);
			}
		}
	}
	for (i = 0; i < n; i++)
		conn_close(&p[i]);
	free(p);
	close(ep);
	return NULL;
}

/* ---- subscribers ---- */

static int subscribe(struct conn *c, const char *sock)
{
	char req[256];

	c->fd = dial(sock, 5000);
	if (c->fd < 0)
		return -1;
	if (c->boot[0] != '\0')
		snprintf(req, sizeof(req),
		         "{\"cmd\":\"subscribe\",\"args\":{\"since\":%llu,"
		         "\"boot\":\"%s\"}}\n",
		         (unsigned long long)c->last_seq, c->boot);
	else
		snprintf(req, sizeof(req), "{\"cmd\":\"subscribe\"}\n");
	c->subscribed = false;
	return send_all(c->fd, req);
}

/* The reply: the backlog's last number is "seq"; "missed" were lost. */
static void sub_hello(struct shared *sh, struct conn *c, const char *line)
{
	const char *b = strstr(line, "\"boot\":\"");
	size_t i = 0;

	if (b != NULL)
		for (b += 8; b[i] != '"' && i + 1 < sizeof(c->boot); i++)
			c->boot[i] = b[i];
	c->boot[i] = '\0';
	sh->sub_missed += field_u64(line, "\"missed\":");
	if (field_u64(line, "\"seq\":") > c->last_seq)
		sh->backlog += field_u64(line, "\"seq\":") - c->last_seq;
	c->last_seq = field_u64(line, "\"seq\":");
	c->subscribed = true;
}

static void sub_line(struct shared *sh, struct conn *c, const char *line)
{
	static const char head[] = "{\"notice\":{\"seq\":";
	uint64_t seq;

	if (!c->subscribed) {
		sub_hello(sh, c, line);
		return;
	}
	if (strncmp(line, head, sizeof(head) - 1) != 0)
		return;
	seq = strtoull(line + sizeof(head) - 1, NULL, 10);
	if (seq != c->last_seq + 1)
		sh->sub_gaps++;
	c->last_seq = seq;
	sh->notices++;
}

static void sub_lines(struct shared *sh, struct conn *c)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(c->buf + start, '\n', c->used - start)) != NULL) {
		*nl = '\0';
		sub_line(sh, c, c->buf + start);
		start = (size_t)(nl - c->buf) + 1;
	}
	memmove(c->buf, c->buf + start, c->used - start);
	c->used -= start;
}

static int sub_read(struct shared *sh, struct conn *c)
{
	int rc = conn_fill(c);

	sub_lines(sh, c);
	return rc < 0 ? -1 : 0;
}

static void watch(int ep, struct conn *c)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};

	epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

static void *subscribers_run(void *arg)
{
	struct shared *sh = arg;
	int n = sh->o->subscribers, ep = epoll_create1(EPOLL_CLOEXEC), i, k;
	struct conn *s = calloc((size_t)n, sizeof(*s));
	struct conn *idle = calloc((size_t)sh->o->idle + 1, sizeof(*idle));
	struct epoll_event evs[64];

	for (i = 0; i < n; i++)
		if (subscribe(&s[i], sh->o->sock) == 0)
			watch(ep, &s[i]);
	for (i = 0; i < sh->o->idle; i++)
		subscribe(&idle[i], sh->o->sock);
	while (!atomic_load(&sh->stop)) {
		k = epoll_wait(ep, evs, 64, 100);
		for (i = 0; i < k; i++) {
			struct conn *c = evs[i].data.ptr;
			char boot[64];
			uint64_t last;

			if (sub_read(sh, c) == 0)
				continue;
			/* Cut: come back for what was missed, as
			 * rasd-snmp does. */
			sh->sub_cuts++;
			last = c->last_seq;
			snprintf(boot, sizeof(boot), "%s", c->boot);
			conn_close(c);
			c->last_seq = last;
			snprintf(c->boot, sizeof(c->boot), "%s", boot);
			if (subscribe(c, sh->o->sock) == 0)
				watch(ep, c);
		}
	}
	for (i = 0; i < sh->o->idle; i++) {
		struct pollfd pf = {.fd = idle[i].fd, .events = POLLIN};
		char b;

		/* Cut means rasd closed it: readable with EOF after data. */
		if (idle[i].fd >= 0 && poll(&pf, 1, 0) == 1 &&
		    (pf.revents & (POLLHUP | POLLERR)))
			sh->idle_cut++;
		(void)b;
		conn_close(&idle[i]);
	}
	for (i = 0; i < n; i++)
		conn_close(&s[i]);
	free(s);
	free(idle);
	close(ep);
	return NULL;
}

/* ---- churn: many connections at once, each asks, then all go ---- */

static void churn_answer(struct shared *sh, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0) {
		sh->churn_failed++;
		return;
	}
	buf[n] = '\0';
	if (strstr(buf, "\"ok\":true") != NULL) {
		sh->churn_ok++;
		return;
	}
	sh->churn_refused++;
	if (sh->churn_refusal[0] == '\0')
		snprintf(sh->churn_refusal, sizeof(sh->churn_refusal), "%.*s",
		         (int)strcspn(buf, "\n"), buf);
}

static void churn_wave(struct shared *sh, int *fds, int n)
{
	struct timeval tv = {2, 0};
	int i;

	for (i = 0; i < n; i++) {
		fds[i] = dial(sh->o->sock, 1000);
		if (fds[i] < 0) {
			sh->churn_failed++;
			continue;
		}
		setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (send_all(fds[i], "{\"cmd\":\"status\"}\n") < 0) {
			sh->churn_failed++;
			close(fds[i]);
			fds[i] = -1;
		}
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			churn_answer(sh, fds[i]);
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	sh->churn_waves++;
}

static void *churn_run(void *arg)
{
	struct shared *sh = arg;
	int *fds = calloc((size_t)sh->o->churn + 1, sizeof(int));

	/* At least one whole wave, then more while the load lasts. */
	do {
		churn_wave(sh, fds, sh->o->churn);
		usleep(300000);
	} while (!atomic_load(&sh->stop));
	free(fds);
	return NULL;
}

/* ---- rasd's memory ---- */

static long rss_kb(int pid, const char *key)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, strlen(key)) == 0)
			v = strtol(line + strlen(key), NULL, 10);
	fclose(f);
	return v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static uint64_t pct(const uint64_t *v, size_t n, double p)
{
	size_t i = (size_t)(p * (double)n);

	return n == 0 ? 0 : v[i >= n ? n - 1 : i];
}

static void report(struct shared *sh, long rss0, long peak, long after,
                   double secs)
{
	qsort(sh->lat_us, sh->n_lat, sizeof(uint64_t), cmp_u64);
	printf("load: %.1f s under load, rasd read %llu records\n", secs,
	       (unsigned long long)atomic_load(&sh->records_read));
	printf("load: status latency p50 %.2f ms p99 %.2f ms max %.2f ms "
	       "over %zu calls (%llu failed)\n",
	       (double)pct(sh->lat_us, sh->n_lat, 0.50) / 1000.0,
	       (double)pct(sh->lat_us, sh->n_lat, 0.99) / 1000.0,
	       (double)pct(sh->lat_us, sh->n_lat, 1.0) / 1000.0, sh->n_lat,
	       (unsigned long long)sh->status_failed);
	printf("load: rasd RSS start %ld kB, peak %ld kB, after clients left "
	       "%ld kB (%+.1f%%)\n",
	       rss0, peak, after,
	       rss0 > 0 ? 100.0 * (double)(after - rss0) / (double)rss0 : 0.0);
	printf("load: subscribers: %llu notices streamed, %llu in backlogs, "
	       "%llu cuts, %llu gaps, %llu missed; never-readers cut %llu "
	       "of %d\n",
	       (unsigned long long)sh->notices, (unsigned long long)sh->backlog,
	       (unsigned long long)sh->sub_cuts,
	       (unsigned long long)sh->sub_gaps,
	       (unsigned long long)sh->sub_missed,
	       (unsigned long long)sh->idle_cut, sh->o->idle);
	printf("load: churn: %llu waves of %d: %llu answered, %llu refused, "
	       "%llu failed%s%s\n",
	       (unsigned long long)sh->churn_waves, sh->o->churn,
	       (unsigned long long)sh->churn_ok,
	       (unsigned long long)sh->churn_refused,
	       (unsigned long long)sh->churn_failed,
	       sh->churn_refusal[0] ? "; refusal: " : "", sh->churn_refusal);
}

/* Until rasd has read every record, or read none for stall_s. */
static void wait_records(struct shared *sh, int pid, long *peak)
{
	uint64_t last = 0, since = now_us();
	long r;

	while (atomic_load(&sh->records_read) < sh->o->records) {
		usleep(50000);
		r = rss_kb(pid, "VmRSS:");
		if (r > *peak)
			*peak = r;
		if (atomic_load(&sh->records_read) != last) {
			last = atomic_load(&sh->records_read);
			since = now_us();
		} else if (now_us() - since > 60000000u) {
			fprintf(stderr, "load: no progress for 60 s\n");
			return;
		}
		if (r < 0)
			return;
	}
}

/*
 * Memory that only connections cost: with the records done, 1000
 * clients connect, each asks once and stays, then all leave.
 */
static int clients_only(const struct opts *o)
{
	struct shared sh;
	int *fds = calloc(1000, sizeof(int)), i;
	long before, held, after;
	uint64_t end;

	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	before = rss_kb(o->pid, "VmRSS:");
	for (i = 0; i < 1000; i++) {
		fds[i] = dial(o->sock, 1000);
		if (fds[i] >= 0 &&
		    send_all(fds[i], "{\"cmd\":\"status\"}\n") == 0)
			churn_answer(&sh, fds[i]);
	}
	usleep(500000);
	held = rss_kb(o->pid, "VmRSS:");
	for (i = 0; i < 1000; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	free(fds);
	end = now_us() + (uint64_t)o->settle_ms * 1000u;
	while (now_us() < end)
		usleep(50000);
	after = rss_kb(o->pid, "VmRSS:");
	printf("load: 1000 idle clients, records done: RSS %ld kB before, "
	       "%ld kB held, %ld kB after they left (%+.1f%%); %llu answered, "
	       "%llu refused, %llu failed\n",
	       before, held, after,
	       before > 0 ? 100.0 * (double)(after - before) / (double)before
	                  : 0.0,
	       (unsigned long long)sh.churn_ok,
	       (unsigned long long)sh.churn_refused,
	       (unsigned long long)sh.churn_failed);
	return 0;
}

static int run(const struct opts *o)
{
	struct shared sh;
	pthread_t tp, ts, tc;
	long rss0 = rss_kb(o->pid, "VmRSS:"), peak = rss0, after, r;
	uint64_t t0 = now_us(), t1, end;

	memset(&sh, 0, sizeof(sh));
	sh.o = o;
	if (rss0 < 0) {
		fprintf(stderr, "load: no process %d\n", o->pid);
		return 1;
	}
	pthread_create(&tp, NULL, pollers_run, &sh);
	pthread_create(&ts, NULL, subscribers_run, &sh);
	pthread_create(&tc, NULL, churn_run, &sh);
	wait_records(&sh, o->pid, &peak);
	t1 = now_us();
	atomic_store(&sh.stop, true);
	pthread_join(tp, NULL);
	pthread_join(ts, NULL);
	pthread_join(tc, NULL);
	end = now_us() + (uint64_t)o->settle_ms * 1000u;
	while (now_us() < end) {
		r = rss_kb(o->pid, "VmRSS:");
		if (r > peak)
			peak = r;
		usleep(50000);
	}
	after = rss_kb(o->pid, "VmRSS:");
	report(&sh, rss0, peak, after, (double)(t1 - t0) / 1e6);
	free(sh.lat_us);
	return clients_only(o);
}

/* ---- greedy: an unprivileged client asking for everything ---- */

static volatile sig_atomic_t greedy_stop;

static void on_term(int sig)
{
	(void)sig;
	greedy_stop = 1;
}

static const char *const greedy_reqs[] = {
    "{\"cmd\":\"events\",\"args\":{\"limit\":0}}\n",
    "{\"cmd\":\"events\",\"args\":{\"limit\":1000000000}}\n",
    "{\"cmd\":\"events\",\"args\":{\"limit\":0,\"dimm\":\"NO_SUCH\"}}\n",
    "{\"cmd\":\"subscribe\",\"args\":{\"since\":0}}\n",
    "{\"cmd\":\"actions\"}\n",
    "{\"cmd\":\"pages\"}\n",
    "{\"cmd\":\"health\",\"args\":{\"limit\":0}}\n",
    "{\"cmd\":\"dimms\"}\n",
};

/* One request on a fresh connection; the reply's first line. */
static int greedy_one(const char *sock, const char *req, char **line,
                      uint64_t *us)
{
	struct conn c = {.fd = dial(sock, 5000)};
	uint64_t t = now_us();
	char *nl = NULL;

	*line = NULL;
	if (c.fd < 0 || send_all(c.fd, req) < 0) {
		conn_close(&c);
		return -1;
	}
	while (nl == NULL && !greedy_stop) {
		if (conn_fill(&c) < 0)
			break;
		nl = memchr(c.buf, '\n', c.used);
	}
	*us = now_us() - t;
	if (nl != NULL) {
		*nl = '\0';
		*line = strdup(c.buf);
	}
	conn_close(&c);
	return *line ? 0 : -1;
}

static int greedy(const char *sock)
{
	size_t i, n = sizeof(greedy_reqs) / sizeof(greedy_reqs[0]);
	uint64_t calls = 0, refused = 0, failed = 0, worst = 0, us, bytes = 0;
	char first[256] = "";
	char *line;

	signal(SIGTERM, on_term);
	signal(SIGINT, on_term);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; !greedy_stop; i = (i + 1) % n) {
		calls++;
		if (greedy_one(sock, greedy_reqs[i], &line, &us) < 0) {
			failed++;
			usleep(10000);
			continue;
		}
		if (us > worst)
			worst = us;
		bytes += strlen(line);
		if (strstr(line, "\"ok\":false") != NULL) {
			refused++;
			if (first[0] == '\0')
				snprintf(first, sizeof(first), "%s", line);
		}
		free(line);
	}
	printf("greedy: %llu requests as uid %d, %llu refused, %llu failed, "
	       "%llu reply bytes, slowest %.1f ms%s%s\n",
	       (unsigned long long)calls, (int)getuid(),
	       (unsigned long long)refused, (unsigned long long)failed,
	       (unsigned long long)bytes, (double)worst / 1000.0,
	       first[0] ? "; first refusal: " : "", first);
	return 0;
}

/* ---- for the integration tests ---- */

/* A status round trip on fd, in ms; -1 when it failed. */
static double probe(int fd)
{
	struct conn c = {.fd = fd};
	uint64_t t = now_us();
	double ms = -1;

	if (send_all(fd, "{\"cmd\":\"status\"}\n") == 0) {
		while (memchr(c.buf ? c.buf : "", '\n', c.used) == NULL)
			if (conn_fill(&c) < 0)
				break;
		if (c.used > 0 && memchr(c.buf, '\n', c.used) != NULL)
			ms = (double)(now_us() - t) / 1000.0;
	}
	free(c.buf);
	return ms;
}

/*
 * N connections on top of one made first (the probe), held for ms
 * while the probe asks status every 50 ms: how many got in, how many
 * were refused and why, and the probe's slowest answer.
 */
static int hold(const char *sock, int n, int ms)
{
	struct shared sh;
	struct opts o = {.sock = sock};
	int *fds = calloc((size_t)n, sizeof(int)), i, p = dial(sock, 2000);
	double worst = 0, t;
	uint64_t end;

	memset(&sh, 0, sizeof(sh));
	sh.o = &o;
	if (p < 0 || fds == NULL) {
		printf("hold: the probe could not connect\n");
		return 1;
	}
	for (i = 0; i < n; i++) {
		fds[i] = dial(sock, 1000);
		if (fds[i] < 0)
			sh.churn_failed++;
		else if (send_all(fds[i], "{\"cmd\":\"status\"}\n") < 0)
			sh.churn_failed++;
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			churn_answer(&sh, fds[i]);
	end = now_us() + (uint64_t)ms * 1000u;
	while (now_us() < end) {
		t = probe(p);
		if (t < 0 || t > worst)
			worst = t < 0 ? 1e9 : t;
		usleep(50000);
	}
	for (i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	close(p);
	printf("hold: %d clients: %llu answered, %llu refused, %llu failed; "
	       "probe slowest %.1f ms\nhold: refusal: %s\n",
	       n, (unsigned long long)sh.churn_ok,
	       (unsigned long long)sh.churn_refused,
	       (unsigned long long)sh.churn_failed, worst, sh.churn_refusal);
	free(fds);
	return 0;
}

/*
 * Subscribe from the newest notice, read nothing for pause_ms, then
 * read until `want` notices came or rasd closed the connection.
 */
static int sub(const char *sock, int pause_ms, uint64_t want)
{
	struct shared sh;
	struct opts o = {.sock = sock};
	struct conn c = {.fd = dial(sock, 2000)};
	uint64_t first = 0;
	int rc = 0, idle = 0;
	char *nl;

	memset(&sh, 0, sizeof(sh));
	sh.o = &o;
	/* since = a number far ahead: no backlog, the stream only. */
	if (c.fd < 0 ||
	    send_all(c.fd, "{\"cmd\":\"subscribe\",\"args\":{\"since\":"
	                   "9223372036854775807}}\n") < 0) {
		printf("sub: cannot subscribe\n");
		return 1;
	}
	while ((nl = memchr(c.buf ? c.buf : "", '\n', c.used)) == NULL)
		if (conn_fill(&c) < 0)
			return 1;
	sub_lines(&sh, &c);
	first = c.last_seq;
	usleep((useconds_t)pause_ms * 1000u);
	/* The read timeout (dial's) ends a stream that stopped. */
	while ((sh.notices < want || want == 0) && rc == 0) {
		uint64_t before = sh.notices;

		rc = sub_read(&sh, &c);
		if (rc == 0 && sh.notices == before && ++idle > 3)
			break;
		if (sh.notices != before)
			idle = 0;
	}
	printf("sub: %llu notices after %llu, %llu gaps, %s\n",
	       (unsigned long long)sh.notices, (unsigned long long)first,
	       (unsigned long long)sh.sub_gaps, rc < 0 ? "cut" : "not cut");
	conn_close(&c);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
	        "usage: ctl_load run SOCKET PID RECORDS [POLLERS SUBSCRIBERS "
	        "IDLE CHURN INTERVAL_MS SETTLE_MS]\n"
	        "       ctl_load greedy SOCKET\n"
	        "       ctl_load hold SOCKET N MS\n"
	        "       ctl_load sub SOCKET PAUSE_MS WANT\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct opts o = {.pollers = 50,
	                 .subscribers = 50,
	                 .idle = 10,
	                 .churn = 1100,
	                 .interval_ms = 20,
	                 .settle_ms = 3000};

	signal(SIGPIPE, SIG_IGN);
	if (argc == 3 && strcmp(argv[1], "greedy") == 0)
		return greedy(argv[2]);
	if (argc == 5 && strcmp(argv[1], "hold") == 0)
		return hold(argv[2], atoi(argv[3]), atoi(argv[4]));
	if (argc == 5 && strcmp(argv[1], "sub") == 0)
		return sub(argv[2], atoi(argv[3]), strtoull(argv[4], NULL, 10));
	if (argc < 5 || strcmp(argv[1], "run") != 0)
		usage();
	o.sock = argv[2];
	o.pid = atoi(argv[3]);
	o.records = strtoull(argv[4], NULL, 10);
	if (argc > 5)
		o.pollers = atoi(argv[5]);
	if (argc > 6)
		o.subscribers = atoi(argv[6]);
	if (argc > 7)
		o.idle = atoi(argv[7]);
	if (argc > 8)
		o.churn = atoi(argv[8]);
	if (argc > 9)
		o.interval_ms = atoi(argv[9]);
	if (argc > 10)
		o.settle_ms = atoi(argv[10]);
	return run(&o);
}

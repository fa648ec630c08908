/* sim_client.c - the sim backend rasd runs on: every hypervisor op a
 * request to the simulated host's process, started here when absent. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/sim/sim_internal.h"
#include "hypervisor/sim/simhost.h"
#include "hypervisor/sim/simhost_proto.h"

/* A new host is up within this long, or something is wrong. */
#define SPAWN_READY_MS 10000
/* A host nobody attaches to any more goes away on its own. */
#define SPAWN_IDLE_EXIT_S 300

static const struct hv_ops client_ops;

struct sim_client {
	struct hv hv; /* first: the ops see a struct hv * */
	int ctl_fd;   /* requests and replies */
	int evt_fd;   /* a byte when events wait */
	int fifo_fd;  /* the emulated xen_mcelog */
	struct simhost_regs *regs;
	struct mce_reader *reader;
	struct simhost_hello hello;
	bool spawned; /* this process started the host: it stops it */
	unsigned char msg[SIMHOST_MSG_MAX];
};

static struct sim_client *client_from(struct hv *hv)
{
	if (hv == NULL || hv->ops != &client_ops)
		return NULL;
	return (struct sim_client *)hv;
}

static int client_fail(struct sim_client *c, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int client_fail(struct sim_client *c, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->hv.err, sizeof(c->hv.err), fmt, ap);
	va_end(ap);
	return rc;
}

/* ---- talking to the host ---- */

static int host_connect(const char *path, int *out)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	*out = fd;
	return 0;
}

/*
 * One request, one reply. The reply's payload (at most `len` bytes) is
 * copied to out; *got says how much came. A host that went away is
 * -EPIPE: nothing rasd asked of it can be known to have happened.
 */
static int call(struct sim_client *c, const struct simhost_request *q,
                struct simhost_reply *hdr, void *out, size_t len, size_t *got)
{
	ssize_t n;
	size_t body;

	if (send(c->ctl_fd, q, sizeof(*q), MSG_NOSIGNAL) != sizeof(*q))
		return client_fail(c, -EPIPE, "simulated host: send: %s",
		                   strerror(errno));
	do
		n = recv(c->ctl_fd, c->msg, sizeof(c->msg), 0);
	while (n < 0 && errno == EINTR);
	if (n < (ssize_t)sizeof(*hdr))
		return client_fail(c, -EPIPE,
		                   "simulated host went away (socket %s)",
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

static void request_init(struct simhost_request *q, enum simhost_op op)
{
	memset(q, 0, sizeof(*q));
	q->op = op;
}

/* An op with one fixed struct in its reply. */
static int call_one(struct sim_client *c, struct simhost_request *q, void *out,
                    size_t size)
{
	struct simhost_reply hdr;
	size_t got = 0;
	int rc = call(c, q, &hdr, out, size, &got);

	if (rc < 0)
		return rc;
	if (out != NULL && got != size)
		return client_fail(c, -EPROTO,
		                   "simulated host: op %u replied %zu bytes, "
		                   "want %zu",
		                   q->op, got, size);
	return 0;
}

/* A list, page by page: fills at most max, *n is how many exist. */
static int call_list(struct sim_client *c, struct simhost_request *q,
                     void *out, size_t max, size_t size, size_t *n)
{
	struct simhost_reply hdr;
	size_t have = 0, got;
	int rc;

	*n = 0;
	for (;;) {
		q->offset = (uint32_t)have;
		rc = call(c, q, &hdr, NULL, 0, NULL);
		if (rc < 0)
			return rc;
		*n = hdr.total;
		got = hdr.count * size;
		if (have < max && out != NULL) {
			size_t take = hdr.count;

			if (take > max - have)
				take = max - have;
			memcpy((unsigned char *)out + have * size,
			       c->msg + sizeof(hdr), take * size);
		}
		have += hdr.count;
		if (hdr.count == 0 || have >= hdr.total || have >= max ||
		    got == 0)
			return 0;
	}
}

/* ---- the hv ops ---- */

static int op_topology(struct hv *hv, struct hv_topology *out)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_TOPOLOGY);
	return call_one(client_from(hv), &q, out, sizeof(*out));
}

static int op_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_CPUS);
	return call_list(client_from(hv), &q, out, max, sizeof(*out), n);
}

static int op_dimms(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_DIMMS);
	return call_list(client_from(hv), &q, out, max, sizeof(*out), n);
}

static int op_domains(struct hv *hv, struct hv_domain *out, size_t max,
                      size_t *n)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_DOMAINS);
	return call_list(client_from(hv), &q, out, max, sizeof(*out), n);
}

static int op_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                               uint32_t *domids, size_t max, size_t *n)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_DOMAINS_ON_RANGE);
	q.a = start;
	q.b = end;
	return call_list(client_from(hv), &q, domids, max, sizeof(*domids), n);
}

static int op_page(struct hv *hv, enum simhost_op op, uint64_t mfn,
                   struct hv_page_status *out)
{
	struct simhost_request q;

	request_init(&q, op);
	q.a = mfn;
	memset(out, 0, sizeof(*out));
	return call_one(client_from(hv), &q, out, sizeof(*out));
}

static int op_page_query(struct hv *hv, uint64_t mfn,
                         struct hv_page_status *out)
{
	return op_page(hv, SIMHOST_PAGE_QUERY, mfn, out);
}

static int op_page_offline(struct hv *hv, uint64_t mfn,
                           struct hv_page_status *out)
{
	return op_page(hv, SIMHOST_PAGE_OFFLINE, mfn, out);
}

static int op_cpu(struct hv *hv, enum simhost_op op, uint32_t cpu)
{
	struct simhost_request q;

	request_init(&q, op);
	q.a = cpu;
	return call_one(client_from(hv), &q, NULL, 0);
}

static int op_cpu_offline(struct hv *hv, uint32_t cpu)
{
	return op_cpu(hv, SIMHOST_CPU_OFFLINE, cpu);
}

static int op_cpu_online(struct hv *hv, uint32_t cpu)
{
	return op_cpu(hv, SIMHOST_CPU_ONLINE, cpu);
}

static int op_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                            uint64_t *migration_id)
{
	struct sim_client *c = client_from(hv);
	struct simhost_request q;
	struct simhost_reply hdr;
	int rc;

	request_init(&q, SIMHOST_MIGRATE_START);
	q.a = domid;
	snprintf(q.peer, sizeof(q.peer), "%s", peer != NULL ? peer : "");
	rc = call(c, &q, &hdr, NULL, 0, NULL);
	if (rc == 0)
		*migration_id = hdr.value;
	return rc;
}

static int op_migration_query(struct hv *hv, uint32_t domid,
                              struct hv_migration *out)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_MIGRATION_QUERY);
	q.a = domid;
	return call_one(client_from(hv), &q, out, sizeof(*out));
}

static int op_event_fd(struct hv *hv)
{
	return client_from(hv)->evt_fd;
}

/* The wake bytes only say "ask"; the request says what. */
static int op_events(struct hv *hv, struct hv_event *out, size_t max,
                     size_t *n)
{
	struct sim_client *c = client_from(hv);
	unsigned char drain[64];
	struct simhost_request q;
	struct simhost_reply hdr;
	size_t got = 0;
	ssize_t r;
	int rc;

	*n = 0;
	do
		r = recv(c->evt_fd, drain, sizeof(drain), MSG_DONTWAIT);
	while (r > 0);
	if (r == 0)
		return client_fail(c, -EPIPE,
		                   "simulated host went away (event socket "
		                   "closed)");
	/* The host takes what it sends off its queue: never more than max. */
	request_init(&q, SIMHOST_EVENTS);
	q.b = max;
	rc = call(c, &q, &hdr, out, max * sizeof(*out), &got);
	if (rc < 0)
		return rc;
	*n = got / sizeof(*out);
	return 0;
}

/* ---- the emulated device ---- */

static ssize_t fifo_read(void *ctx, void *buf, size_t len)
{
	struct sim_client *c = ctx;

	return read(c->fifo_fd, buf, len);
}

/* The driver's ioctls: lengths from the host, flags from its page. */
static int fifo_ioctl(void *ctx, unsigned long request, int *value)
{
	struct sim_client *c = ctx;

	switch (request) {
	case MCE_IOCTL_GET_RECORD_LEN:
		*value = (int)c->hello.record_len;
		return 0;
	case MCE_IOCTL_GET_LOG_LEN:
		*value = (int)c->hello.log_len;
		return 0;
	case MCE_IOCTL_GETCLEAR_FLAGS:
		*value = (int)__atomic_exchange_n(&c->regs->flags, 0,
		                                  __ATOMIC_SEQ_CST);
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct mce_dev_ops fifo_ops = {
    .read = fifo_read,
    .ioctl = fifo_ioctl,
};

static int op_mce_source(struct hv *hv, struct mce_reader **reader,
                         int *poll_fd)
{
	struct sim_client *c = client_from(hv);

	*reader = c->reader;
	*poll_fd = c->fifo_fd;
	return 0;
}

static int op_inject(struct hv *hv, const struct mce_record *r)
{
	struct simhost_request q;

	request_init(&q, SIMHOST_INJECT);
	q.rec = *r;
	return call_one(client_from(hv), &q, NULL, 0);
}

static void op_close(struct hv *hv)
{
	struct sim_client *c = client_from(hv);
	struct simhost_request q;
	struct simhost_reply hdr;

	if (c == NULL)
		return;
	/* A host this daemon started ends with it; an attached one stays. */
	if (c->spawned && c->ctl_fd >= 0) {
		request_init(&q, SIMHOST_QUIT);
		call(c, &q, &hdr, NULL, 0, NULL);
	}
	mce_reader_close(c->reader);
	if (c->regs != NULL)
		munmap(c->regs, SIMHOST_REGS_SIZE);
	if (c->fifo_fd >= 0)
		close(c->fifo_fd);
	if (c->evt_fd >= 0)
		close(c->evt_fd);
	if (c->ctl_fd >= 0)
		close(c->ctl_fd);
	free(c);
}

static const struct hv_ops client_ops = {
    .name = "sim",
    .topology = op_topology,
    .cpus = op_cpus,
    .dimms = op_dimms,
    .domains = op_domains,
    .domains_on_range = op_domains_on_range,
    .page_query = op_page_query,
    .page_offline = op_page_offline,
    .cpu_offline = op_cpu_offline,
    .cpu_online = op_cpu_online,
    .migrate_start = op_migrate_start,
    .migration_query = op_migration_query,
    .event_fd = op_event_fd,
    .events = op_events,
    .mce_source = op_mce_source,
    .inject = op_inject,
    .close = op_close,
};

/* ---- starting a host ---- */

/* rasd-simhost beside this program, else on PATH. */
static void simhost_bin(const struct hv_options *o, char *out, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;
	char *slash;

	if (o->simhost_bin != NULL && o->simhost_bin[0] != '\0') {
		snprintf(out, len, "%s", o->simhost_bin);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n > 0) {
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL) {
			*slash = '\0';
			snprintf(out, len, "%s/rasd-simhost", self);
			if (access(out, X_OK) == 0)
				return;
		}
	}
	snprintf(out, len, "rasd-simhost");
}

/*
 * The host gets its own session, so that signals meant for the daemon
 * (a terminal's ^C, a kill of its process group) leave the machine
 * running, and nothing of the daemon's but the ready pipe.
 */
static void spawn_child(const char *bin, const char *scenario,
                        const struct hv_options *o, int ready)
{
	char speed[24], start[24], fd[16], idle[16];
	const char *argv[16];
	sigset_t none;
	int i = 0;

	setsid();
	if (fork() != 0)
		_exit(0);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	if (dup2(ready, 3) < 0)
		_exit(127);
	close_range(4, ~0u, 0);
	snprintf(speed, sizeof(speed), "%u", o->sim_speed ? o->sim_speed : 1);
	snprintf(start, sizeof(start), "%llu",
	         (unsigned long long)o->sim_start_ms);
	snprintf(fd, sizeof(fd), "3");
	snprintf(idle, sizeof(idle), "%d", SPAWN_IDLE_EXIT_S);
	argv[i++] = bin;
	argv[i++] = "--socket";
	argv[i++] = o->sim_socket;
	argv[i++] = "--speed";
	argv[i++] = speed;
	argv[i++] = "--start-ms";
	argv[i++] = start;
	argv[i++] = "--ready-fd";
	argv[i++] = fd;
	argv[i++] = "--idle-exit";
	argv[i++] = idle;
	if (o->call_log != NULL) {
		argv[i++] = "--call-log";
		argv[i++] = o->call_log;
	}
	argv[i++] = scenario;
	argv[i] = NULL;
	execvp(bin, (char *const *)argv);
	dprintf(3, "cannot run %s: %s\n", bin, strerror(errno));
	_exit(127);
}

/* The host's first words: "ok", or why it could not start. */
static int spawn_wait(int ready, const char *bin, char *err, size_t errlen)
{
	char text[HV_ERR_MAX + 2];
	size_t used = 0;
	ssize_t n;

	while (used < sizeof(text) - 1 &&
	       (n = read(ready, text + used, sizeof(text) - 1 - used)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		used += (size_t)n;
	}
	text[used] = '\0';
	if (used > 0 && text[used - 1] == '\n')
		text[--used] = '\0';
	if (strcmp(text, "ok") == 0)
		return 0;
	snprintf(err, errlen, "%s",
	         used > 0 ? text : "the simulated host exited at start");
	(void)bin;
	return -1;
}

static int spawn_host(const char *scenario, const struct hv_options *o,
                      char *err, size_t errlen)
{
	char bin[PATH_MAX];
	int p[2], status, rc;
	pid_t pid;

	simhost_bin(o, bin, sizeof(bin));
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "pipe: %s", strerror(errno));
		return -1;
	}
	pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		spawn_child(bin, scenario, o, p[1]);
	close(p[1]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	rc = spawn_wait(p[0], bin, err, errlen);
	close(p[0]);
	return rc;
}

/* ---- attaching ---- */

static int attach_channels(struct sim_client *c, char *err, size_t errlen)
{
	struct mce_reader_opts ro;
	void *regs;
	int fd;

	c->fifo_fd = open(c->hello.mcelog, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (c->fifo_fd < 0) {
		snprintf(err, errlen, "%s: %s", c->hello.mcelog,
		         strerror(errno));
		return -1;
	}
	fd = open(c->hello.regs, O_RDWR | O_CLOEXEC);
	regs = fd < 0 ? MAP_FAILED
	              : mmap(NULL, SIMHOST_REGS_SIZE, PROT_READ | PROT_WRITE,
	                     MAP_SHARED, fd, 0);
	if (fd >= 0)
		close(fd);
	if (regs == MAP_FAILED) {
		snprintf(err, errlen, "%s: %s", c->hello.regs, strerror(errno));
		return -1;
	}
	c->regs = regs;
	memset(&ro, 0, sizeof(ro));
	return mce_reader_open_ops(&c->reader, &fifo_ops, c, &ro, err, errlen);
}

static int attach_hello(struct sim_client *c, const char *scenario, char *err,
                        size_t errlen)
{
	struct simhost_request q;
	char want[PATH_MAX];

	request_init(&q, SIMHOST_HELLO);
	if (call_one(c, &q, &c->hello, sizeof(c->hello)) < 0) {
		snprintf(err, errlen, "%s", c->hv.err);
		return -1;
	}
	c->hello.scenario[sizeof(c->hello.scenario) - 1] = '\0';
	c->hello.mcelog[sizeof(c->hello.mcelog) - 1] = '\0';
	c->hello.regs[sizeof(c->hello.regs) - 1] = '\0';
	if (c->hello.version != SIMHOST_VERSION) {
		snprintf(err, errlen,
		         "the simulated host speaks version %u, this rasd %u",
		         c->hello.version, SIMHOST_VERSION);
		return -1;
	}
	if (realpath(scenario, want) == NULL) {
		snprintf(err, errlen, "%s: %s", scenario, strerror(errno));
		return -1;
	}
	if (strcmp(want, c->hello.scenario) != 0) {
		snprintf(err, errlen,
		         "the simulated host on this socket (pid %d) plays "
		         "%s, not %s",
		         c->hello.pid, c->hello.scenario, want);
		return -1;
	}
	return 0;
}

static int attach_subscribe(struct sim_client *c, const char *path, char *err,
                            size_t errlen)
{
	struct simhost_request q;

	if (host_connect(path, &c->evt_fd) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	request_init(&q, SIMHOST_SUBSCRIBE);
	if (send(c->evt_fd, &q, sizeof(q), MSG_NOSIGNAL) != sizeof(q)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

struct hv *hv_sim_attach(const char *scenario, const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen)
{
	struct sim_client *c;
	const char *path = opts->sim_socket;
	bool spawned = false;

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "sim: out of memory");
		return NULL;
	}
	c->hv.ops = &client_ops;
	c->hv.clock = clock;
	c->ctl_fd = c->evt_fd = c->fifo_fd = -1;
	if (host_connect(path, &c->ctl_fd) < 0) {
		if (errno != ENOENT && errno != ECONNREFUSED) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
		if (spawn_host(scenario, opts, err, errlen) < 0)
			goto fail;
		spawned = true;
		if (host_connect(path, &c->ctl_fd) < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto fail;
		}
	}
	c->spawned = spawned;
	if (attach_hello(c, scenario, err, errlen) < 0 ||
	    attach_channels(c, err, errlen) < 0 ||
	    attach_subscribe(c, path, err, errlen) < 0)
		goto fail;
	return &c->hv;
fail:
	op_close(&c->hv);
	return NULL;
}

int hv_sim_clock(struct hv *hv, struct clock *out)
{
	struct sim_client *c = client_from(hv);

	if (hv->ops->sim_proxy != NULL)
		return hv->ops->sim_proxy->clock(hv, out);

	if (c == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	out->start_ms = c->hello.clock_start_ms;
	out->start_mono.tv_sec = (time_t)c->hello.clock_mono_sec;
	out->start_mono.tv_nsec = (long)c->hello.clock_mono_nsec;
	out->speed = c->hello.clock_speed;
	out->manual_ms = out->start_ms;
	return 0;
}

int hv_sim_client_start(struct hv *hv, uint64_t *start_ms)
{
	struct sim_client *c = client_from(hv);
	struct simhost_request q;
	struct simhost_reply hdr;

	if (c == NULL)
		return -1;
	request_init(&q, SIMHOST_START);
	if (call(c, &q, &hdr, NULL, 0, NULL) < 0)
		return -1;
	*start_ms = hdr.value;
	return 0;
}

int hv_sim_scenario_done(struct hv *hv)
{
	struct sim_client *c = client_from(hv);

	if (hv->ops->sim_proxy != NULL)
		return hv->ops->sim_proxy->scenario_done(hv);
	return c != NULL && c->hello.scenario_done;
}

/* The daemon's end-of-run checks, asked of the host that holds the calls. */
int hv_sim_client_check(struct hv *hv, const struct sim_observed *obs,
                        char *report, size_t len)
{
	struct sim_client *c = client_from(hv);
	struct simhost_request q;
	struct simhost_reply hdr;
	size_t got = 0;

	if (c == NULL)
		return -1;
	if (obs == NULL)
		return 1;
	request_init(&q, SIMHOST_CHECK);
	q.obs = *obs;
	if (call(c, &q, &hdr, report, len, &got) < 0) {
		snprintf(report, len, "FAILED %s\n", c->hv.err);
		return 1;
	}
	if (len > 0)
		report[got < len ? got : len - 1] = '\0';
	return (int)hdr.value;
}

int hv_sim_client_stats(struct hv *hv, struct sim_stats *out)
{
	struct sim_client *c = client_from(hv);
	struct simhost_request q;

	if (c == NULL)
		return -1;
	request_init(&q, SIMHOST_STATS);
	return call_one(c, &q, out, sizeof(*out)) < 0 ? -1 : 0;
}

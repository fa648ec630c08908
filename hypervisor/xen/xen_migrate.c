/* xen_migrate.c - live migration off the loop: a forked child per
 * migration runs libxl and reports over a pipe; the receiving side too. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>

#include "hypervisor/xen/xen_internal.h"

/*
 * The stream: "RASDMIG1\n", the domain's libxl config as JSON (4-byte
 * big-endian length first), then libxl's migration stream. The receiver
 * answers one byte at a time: 'R' (domain rebuilt, paused) or 'F'; the
 * sender renames its copy away and says 'G'; the receiver takes the name,
 * unpauses and says 'D'; only then does the sender destroy its copy. Any
 * break before 'D' leaves the domain running on the sending side.
 */
#define MIG_MAGIC      "RASDMIG1\n"
#define MIG_CONFIG_MAX (1u << 20)
#define MIG_ACK_MS     120000
#define MIG_LIMIT_MS   600000 /* a whole migration, then it is killed */
#define MIG_TICK_S     5

int hv_xen_peer_parse(const char *spec, struct hv_xen_peer *out, char *err,
                      size_t errlen)
{
	const char *host, *colon;
	char *end;
	unsigned long port;

	memset(out, 0, sizeof(*out));
	if (spec != NULL && strcmp(spec, "localhost") == 0) {
		out->kind = HV_XEN_PEER_LOCAL;
		snprintf(out->host, sizeof(out->host), "localhost");
		return 0;
	}
	if (spec == NULL || strncmp(spec, "tcp:", 4) != 0) {
		snprintf(err, errlen,
		         "peer '%s': expected 'localhost' or 'tcp:HOST:PORT'",
		         spec != NULL ? spec : "");
		return -1;
	}
	host = spec + 4;
	colon = strrchr(host, ':');
	if (colon == NULL || colon == host ||
	    (size_t)(colon - host) >= sizeof(out->host)) {
		snprintf(err, errlen, "peer '%s': no HOST before ':PORT'",
		         spec);
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || *end != '\0' || errno != 0 || port == 0 ||
	    port > 65535) {
		snprintf(err, errlen, "peer '%s': port '%s' is not 1-65535",
		         spec, colon + 1);
		return -1;
	}
	out->kind = HV_XEN_PEER_TCP;
	snprintf(out->host, sizeof(out->host), "%.*s", (int)(colon - host),
	         host);
	out->port = (uint16_t)port;
	return 0;
}

static int mig_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t w;

	while (len > 0) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

static int mig_read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t r;

	while (len > 0) {
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (r == 0)
				errno = EPIPE;
			return -1;
		}
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* One byte from the other side within MIG_ACK_MS; 0 when none came. */
static char mig_read_ack(int fd)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	char c;

	if (poll(&pfd, 1, MIG_ACK_MS) <= 0)
		return 0;
	if (mig_read_all(fd, &c, 1) < 0)
		return 0;
	return c;
}

static void mig_report(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void mig_report(int fd, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	(void)mig_write_all(fd, line, (size_t)n);
}

/* libxl forks and waits for its own helpers: give it a plain process. */
static void mig_child_reset(void)
{
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

static libxl_ctx *mig_ctx(void)
{
	xentoollog_logger *lg;
	libxl_ctx *ctx = NULL;

	lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
	                                                       XTL_ERROR, 0);
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg) != 0)
		return NULL;
	return ctx;
}

static int mig_send_config(libxl_ctx *ctx, uint32_t domid, int fd, char *why,
                           size_t whylen)
{
	libxl_domain_config dc;
	uint32_t len_be;
	char *json;
	int rc;

	libxl_domain_config_init(&dc);
	rc = libxl_retrieve_domain_configuration(ctx, domid, &dc, NULL);
	if (rc != 0) {
		snprintf(why, whylen,
		         "libxl_retrieve_domain_configuration: libxl error %d",
		         rc);
		libxl_domain_config_dispose(&dc);
		return -1;
	}
	json = libxl_domain_config_to_json(ctx, &dc);
	libxl_domain_config_dispose(&dc);
	if (json == NULL) {
		snprintf(why, whylen, "libxl_domain_config_to_json failed");
		return -1;
	}
	len_be = htonl((uint32_t)strlen(json));
	rc = mig_write_all(fd, MIG_MAGIC, strlen(MIG_MAGIC)) < 0 ||
	     mig_write_all(fd, &len_be, 4) < 0 ||
	     mig_write_all(fd, json, strlen(json)) < 0;
	free(json);
	if (rc) {
		snprintf(why, whylen, "sending the config: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

/* After the stream: hand the name over, or take the domain back. */
static int mig_handover(libxl_ctx *ctx, uint32_t domid, int fd, char *why,
                        size_t whylen)
{
	char *name = libxl_domid_to_name(ctx, domid);
	char away[HV_NAME_MAX + 16];
	int rc = -1;

	if (mig_read_ack(fd) != 'R') {
		snprintf(why, whylen,
		         "the receiver did not rebuild the domain");
		goto out;
	}
	snprintf(away, sizeof(away), "%s--migratedaway", name ? name : "");
	if (name == NULL || libxl_domain_rename(ctx, domid, name, away) != 0) {
		snprintf(why, whylen, "libxl_domain_rename to %s failed", away);
		goto out;
	}
	if (mig_write_all(fd, "G", 1) < 0 || mig_read_ack(fd) != 'D') {
		snprintf(why, whylen, "the receiver did not start the domain");
		libxl_domain_rename(ctx, domid, away, name);
		goto out;
	}
	libxl_domain_destroy(ctx, domid, NULL);
	rc = 0;
out:
	free(name);
	return rc;
}

static int mig_send(uint32_t domid, bool live, int fd, int report)
{
	char why[200] = "";
	libxl_ctx *ctx = mig_ctx();
	int rc;

	if (ctx == NULL) {
		mig_report(report, "failed %d libxl_ctx_alloc failed", EIO);
		return 1;
	}
	if (mig_send_config(ctx, domid, fd, why, sizeof(why)) < 0) {
		mig_report(report, "failed %d %s", EIO, why);
		return 1;
	}
	if (live)
		mig_report(report, "progress 10 live");
	else
		mig_report(report,
		           "progress 10 suspended: this Xen has no "
		           "shadow paging, so a PV guest cannot move live");
	rc = libxl_domain_suspend(ctx, domid, fd, live ? LIBXL_SUSPEND_LIVE : 0,
	                          NULL);
	if (rc != 0) {
		libxl_domain_resume(ctx, domid, 1, NULL);
		mig_report(report,
		           "failed %d libxl_domain_suspend: libxl "
		           "error %d; domain %u resumed here",
		           EIO, rc, domid);
		return 1;
	}
	mig_report(report, "progress 90");
	if (mig_handover(ctx, domid, fd, why, sizeof(why)) < 0) {
		libxl_domain_resume(ctx, domid, 1, NULL);
		mig_report(report, "failed %d %s; domain %u resumed here", EIO,
		           why, domid);
		return 1;
	}
	mig_report(report, "done");
	libxl_ctx_free(ctx);
	return 0;
}

static char *mig_read_config(int fd, char *err, size_t errlen)
{
	char magic[sizeof(MIG_MAGIC) - 1];
	uint32_t len_be, len;
	char *json;

	if (mig_read_all(fd, magic, sizeof(magic)) < 0 ||
	    memcmp(magic, MIG_MAGIC, sizeof(magic)) != 0) {
		snprintf(err, errlen, "migrate receive: no '%.8s' header",
		         MIG_MAGIC);
		return NULL;
	}
	if (mig_read_all(fd, &len_be, 4) < 0)
		return NULL;
	len = ntohl(len_be);
	if (len == 0 || len > MIG_CONFIG_MAX) {
		snprintf(err, errlen, "migrate receive: config of %u bytes",
		         len);
		return NULL;
	}
	json = calloc(1, (size_t)len + 1);
	if (json == NULL || mig_read_all(fd, json, len) < 0) {
		snprintf(err, errlen, "migrate receive: config: %s",
		         strerror(errno));
		free(json);
		return NULL;
	}
	return json;
}

static int mig_restore(libxl_ctx *ctx, libxl_domain_config *dc, int in_fd,
                       uint32_t *domid, char *err, size_t errlen)
{
	libxl_domain_restore_params params;
	int rc;

	libxl_domain_restore_params_init(&params);
	params.checkpointed_stream = LIBXL_CHECKPOINTED_STREAM_NONE;
	params.stream_version = 2; /* libxl_domain_suspend writes v2 */
	rc = libxl_domain_create_restore(ctx, dc, domid, in_fd, -1, &params,
	                                 NULL, NULL);
	libxl_domain_restore_params_dispose(&params);
	if (rc != 0) {
		snprintf(err, errlen,
		         "migrate receive: libxl_domain_create_restore: libxl "
		         "error %d",
		         rc);
		return -1;
	}
	return 0;
}

static int mig_take_over(libxl_ctx *ctx, uint32_t domid, const char *incoming,
                         const char *name, int in_fd, int out_fd, char *err,
                         size_t errlen)
{
	if (mig_write_all(out_fd, "R", 1) < 0 || mig_read_ack(in_fd) != 'G') {
		snprintf(err, errlen,
		         "migrate receive: the sender kept domain "
		         "'%s'",
		         name);
		libxl_domain_destroy(ctx, domid, NULL);
		return -1;
	}
	if (libxl_domain_rename(ctx, domid, incoming, name) != 0 ||
	    libxl_domain_unpause(ctx, domid, NULL) != 0) {
		snprintf(err, errlen, "migrate receive: starting '%s' failed",
		         name);
		libxl_domain_destroy(ctx, domid, NULL);
		return -1;
	}
	return mig_write_all(out_fd, "D", 1);
}

static int mig_receive_config(libxl_ctx *ctx, libxl_domain_config *dc,
                              int in_fd, char *name, size_t namelen, char *err,
                              size_t errlen)
{
	char *json = mig_read_config(in_fd, err, errlen);
	char incoming[HV_NAME_MAX + 16];

	if (json == NULL)
		return -1;
	if (libxl_domain_config_from_json(ctx, dc, json) != 0) {
		snprintf(err, errlen, "migrate receive: bad domain config");
		free(json);
		return -1;
	}
	free(json);
	snprintf(name, namelen, "%s", dc->c_info.name ? dc->c_info.name : "");
	snprintf(incoming, sizeof(incoming), "%s--incoming", name);
	free(dc->c_info.name);
	dc->c_info.name = strdup(incoming);
	return dc->c_info.name != NULL ? 0 : -1;
}

int hv_xen_migrate_receive(int in_fd, int out_fd, char *err, size_t errlen)
{
	char name[HV_NAME_MAX], incoming[HV_NAME_MAX + 16];
	libxl_domain_config dc;
	libxl_ctx *ctx = mig_ctx();
	uint32_t domid = 0;
	int rc = -1;

	if (ctx == NULL) {
		snprintf(err, errlen,
		         "migrate receive: libxl_ctx_alloc failed");
		return -1;
	}
	libxl_domain_config_init(&dc);
	if (mig_receive_config(ctx, &dc, in_fd, name, sizeof(name), err,
	                       errlen) < 0)
		goto out;
	snprintf(incoming, sizeof(incoming), "%s", dc.c_info.name);
	if (mig_restore(ctx, &dc, in_fd, &domid, err, errlen) < 0) {
		(void)mig_write_all(out_fd, "F", 1);
		goto out;
	}
	rc = mig_take_over(ctx, domid, incoming, name, in_fd, out_fd, err,
	                   errlen);
out:
	libxl_domain_config_dispose(&dc);
	libxl_ctx_free(ctx);
	return rc;
}

static int mig_connect(const struct hv_xen_peer *peer, char *why, size_t whylen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res, *ai;
	char port[8];
	int fd = -1, rc;

	snprintf(port, sizeof(port), "%u", peer->port);
	rc = getaddrinfo(peer->host, port, &hints, &res);
	if (rc != 0) {
		snprintf(why, whylen, "%s: %s", peer->host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			snprintf(why, whylen, "connect %s:%s: %s", peer->host,
			         port, strerror(errno));
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

static pid_t mig_fork_receiver(int sock)
{
	char err[HV_ERR_MAX];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	mig_child_reset();
	if (hv_xen_migrate_receive(sock, sock, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: %s\n", err);
		_exit(1);
	}
	_exit(0);
}

static pid_t mig_fork_sender(const struct hv_xen_peer *peer,
                             const struct xen_migration *m, int sock,
                             int report)
{
	char why[200];
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	mig_child_reset();
	if (peer->kind == HV_XEN_PEER_TCP) {
		sock = mig_connect(peer, why, sizeof(why));
		if (sock < 0) {
			mig_report(report, "failed %d %s", ECONNREFUSED, why);
			_exit(1);
		}
	}
	_exit(mig_send(m->domid, m->live, sock, report));
}

static void mig_timer_arm(struct xen_host *h, bool on);

static struct xen_migration *mig_slot(struct xen_host *h)
{
	size_t i;

	for (i = 0; i < XEN_MAX_MIGRATIONS; i++)
		if (!h->migrations[i].used)
			return &h->migrations[i];
	return NULL;
}

/*
 * Live migration needs log-dirty paging: HAP for an HVM guest, shadow
 * paging for a PV one. Debian 12's Xen is built without shadow paging,
 * so its PV guests can only move suspended (stopped while their memory is
 * copied): said in the progress detail rather than failing.
 */
static bool mig_can_go_live(struct xen_host *h, const xc_domaininfo_t *info)
{
	xc_physinfo_t pi = {0};

	if (xc_physinfo(h->xch, &pi) < 0)
		return true; /* let libxl find out and say so */
	if (info->flags & XEN_DOMINF_hap)
		return true;
	return (pi.capabilities & XEN_SYSCTL_PHYSCAP_shadow) != 0;
}

static int mig_check_domain(struct xen_host *h, uint32_t domid, bool *live)
{
	xc_domaininfo_t info;

	if (domid == 0)
		return xen_fail(h, -EINVAL,
		                "migrate: domain 0 is the control domain");
	if (xc_domain_getinfolist(h->xch, domid, 1, &info) != 1 ||
	    info.domain != domid)
		return xen_fail(h, -ESRCH,
		                "migrate: domain %u is not on this "
		                "host",
		                domid);
	*live = mig_can_go_live(h, &info);
	return 0;
}

static int mig_spawn(struct xen_host *h, struct xen_migration *m,
                     const struct hv_xen_peer *peer, int report_w)
{
	int sv[2] = {-1, -1};

	if (peer->kind == HV_XEN_PEER_LOCAL &&
	    socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return xen_fail_errno(h, "migrate: socketpair");
	if (peer->kind == HV_XEN_PEER_LOCAL) {
		m->receiver = mig_fork_receiver(sv[1]);
		close(sv[1]);
	}
	m->sender = mig_fork_sender(peer, m, sv[0], report_w);
	if (sv[0] >= 0)
		close(sv[0]);
	if (m->sender < 0 || m->receiver < 0)
		return xen_fail_errno(h, "migrate: fork");
	return 0;
}

int xen_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                      uint64_t *migration_id)
{
	struct xen_host *h = (struct xen_host *)hv;
	struct epoll_event ev = {.events = EPOLLIN};
	struct xen_migration *m;
	struct hv_xen_peer p;
	int pfd[2], rc;
	bool live = true;

	if (hv_xen_peer_parse(peer, &p, h->hv.err, sizeof(h->hv.err)) < 0)
		return -EINVAL;
	if ((rc = mig_check_domain(h, domid, &live)) < 0)
		return rc;
	m = mig_slot(h);
	if (m == NULL)
		return xen_fail(h, -EBUSY, "migrate: %d migrations running",
		                XEN_MAX_MIGRATIONS);
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return xen_fail_errno(h, "migrate: pipe2");
	memset(m, 0, sizeof(*m));
	m->domid = domid;
	m->live = live;
	snprintf(m->peer, sizeof(m->peer), "%s", peer);
	rc = mig_spawn(h, m, &p, pfd[1]);
	close(pfd[1]);
	ev.data.fd = pfd[0];
	if (rc == 0 && epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, pfd[0], &ev) < 0)
		rc = xen_fail_errno(h, "migrate: epoll_ctl");
	if (rc < 0) {
		close(pfd[0]);
		return rc;
	}
	m->used = true;
	m->report_fd = pfd[0];
	m->deadline_ms = clock_now_ms(h->hv.clock) + MIG_LIMIT_MS;
	mig_timer_arm(h, true);
	m->id = ++h->next_migration_id;
	*migration_id = m->id;
	return 0;
}

int xen_migrate_timer_open(struct xen_host *h)
{
	struct epoll_event ev = {.events = EPOLLIN};

	h->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (h->timer_fd < 0)
		return xen_fail_errno(h, "timerfd_create");
	ev.data.fd = h->timer_fd;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->timer_fd, &ev) < 0)
		return xen_fail_errno(h, "epoll_ctl timerfd");
	return 0;
}

/* Tick only while something runs: an idle backend wakes nobody. */
static void mig_timer_arm(struct xen_host *h, bool on)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	if (on) {
		its.it_value.tv_sec = MIG_TICK_S;
		its.it_interval.tv_sec = MIG_TICK_S;
	}
	timerfd_settime(h->timer_fd, 0, &its, NULL);
}

void xen_migrate_check_deadlines(struct xen_host *h)
{
	uint64_t now = clock_now_ms(h->hv.clock), ticks;
	bool running = false;
	size_t i;

	while (read(h->timer_fd, &ticks, sizeof(ticks)) > 0)
		;
	for (i = 0; i < XEN_MAX_MIGRATIONS; i++) {
		struct xen_migration *m = &h->migrations[i];

		if (!m->used)
			continue;
		running = true;
		if (now < m->deadline_ms || m->timed_out)
			continue;
		/* The sender's death closes the pipe; the reap reports. */
		m->timed_out = true;
		kill(m->sender, SIGKILL);
		if (m->receiver > 0)
			kill(m->receiver, SIGKILL);
	}
	if (!running)
		mig_timer_arm(h, false);
}

static void mig_event(struct xen_host *h, struct xen_migration *m,
                      enum hv_event_type type, unsigned pct, int error,
                      const char *detail)
{
	struct hv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration_id = m->id;
	ev.domid = m->domid;
	snprintf(ev.peer, sizeof(ev.peer), "%s", m->peer);
	ev.progress_pct = pct;
	ev.error = error;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	xen_queue_event(h, &ev);
}

static void mig_line(struct xen_host *h, struct xen_migration *m,
                     const char *line)
{
	unsigned pct;
	int error, off = 0;

	if (sscanf(line, "progress %u %n", &pct, &off) == 1) {
		mig_event(h, m, HV_EVENT_MIGRATION_PROGRESS, pct, 0,
		          line + off);
	} else if (strcmp(line, "done") == 0) {
		m->finished = true;
		mig_event(h, m, HV_EVENT_MIGRATION_DONE, 100, 0, "");
	} else if (sscanf(line, "failed %d %n", &error, &off) == 1) {
		m->finished = true;
		mig_event(h, m, HV_EVENT_MIGRATION_FAILED, 0, error,
		          line + off);
	}
}

static void mig_reap(struct xen_host *h, struct xen_migration *m)
{
	int status = 0;
	char why[80];

	epoll_ctl(h->epoll_fd, EPOLL_CTL_DEL, m->report_fd, NULL);
	close(m->report_fd);
	if (m->sender > 0)
		waitpid(m->sender, &status, 0);
	if (m->receiver > 0)
		waitpid(m->receiver, NULL, 0);
	if (m->timed_out)
		snprintf(why, sizeof(why), "no result after %d s: stopped",
		         MIG_LIMIT_MS / 1000);
	else
		snprintf(why, sizeof(why),
		         "the migration child died (status 0x%x)", status);
	if (!m->finished)
		mig_event(h, m, HV_EVENT_MIGRATION_FAILED, 0,
		          m->timed_out ? ETIMEDOUT : EIO, why);
	m->used = false;
}

static void mig_take_lines(struct xen_host *h, struct xen_migration *m)
{
	char *nl;

	while ((nl = memchr(m->line, '\n', m->line_len)) != NULL) {
		*nl = '\0';
		mig_line(h, m, m->line);
		m->line_len -= (size_t)(nl + 1 - m->line);
		memmove(m->line, nl + 1, m->line_len);
	}
	if (m->line_len == sizeof(m->line) - 1)
		m->line_len = 0; /* a line that long is not one of ours */
}

void xen_migrate_drain(struct xen_host *h, int fd)
{
	struct xen_migration *m = NULL;
	ssize_t got;
	size_t i;

	for (i = 0; i < XEN_MAX_MIGRATIONS && m == NULL; i++)
		if (h->migrations[i].used && h->migrations[i].report_fd == fd)
			m = &h->migrations[i];
	if (m == NULL)
		return;
	got =
	    read(fd, m->line + m->line_len, sizeof(m->line) - 1 - m->line_len);
	if (got > 0) {
		m->line_len += (size_t)got;
		mig_take_lines(h, m);
		return;
	}
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	mig_reap(h, m);
}

/* Closing rasd does not stop a migration; the children finish alone. */
void xen_migrate_close(struct xen_host *h)
{
	size_t i;

	for (i = 0; i < XEN_MAX_MIGRATIONS; i++)
		if (h->migrations[i].used)
			close(h->migrations[i].report_fd);
}

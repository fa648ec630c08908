/* xen_migrate.c - migrations off the loop: peers, a forked child per
 * migration (xen_migrate_send.c) and what it reports over a pipe. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hypervisor/xen/xen_internal.h"

#define MIG_LIMIT_MS 600000 /* a whole migration, then it is killed */
#define MIG_TICK_S   5

/* A user name or host as ssh takes it: no option, blank or quote. */
static bool peer_word_ok(const char *s, size_t len, bool host)
{
	size_t i;

	if (len == 0 || s[0] == '-')
		return false;
	for (i = 0; i < len; i++) {
		char c = s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_')
			continue;
		if (host && (c == ':' || c == '[' || c == ']'))
			continue;
		return false;
	}
	return true;
}

/* ":PORT" at the end of an authority, unless it is inside [v6]. */
static int peer_port(const char *spec, const char *auth, size_t *len,
                     struct hv_xen_peer *out, char *err, size_t errlen)
{
	const char *colon = memrchr(auth, ':', *len), *rb;
	unsigned long port;
	char *end;

	rb = memrchr(auth, ']', *len);
	if (colon == NULL || (rb != NULL && colon < rb) ||
	    (rb == NULL && memchr(auth, ':', (size_t)(colon - auth)) != NULL))
		return 0;
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] == '\0' || (size_t)(end - auth) != *len || errno != 0 ||
	    port == 0 || port > 65535) {
		snprintf(err, errlen, "peer '%s': port '%.*s' is not 1-65535",
		         spec, (int)(*len - (size_t)(colon + 1 - auth)),
		         colon + 1);
		return -1;
	}
	out->port = (uint16_t)port;
	*len = (size_t)(colon - auth);
	return 0;
}

int hv_xen_peer_parse(const char *spec, struct hv_xen_peer *out, char *err,
                      size_t errlen)
{
	const char *auth, *at;
	size_t len;

	memset(out, 0, sizeof(*out));
	if (spec != NULL && strcmp(spec, "localhost") == 0) {
		out->kind = HV_XEN_PEER_LOCAL;
		snprintf(out->host, sizeof(out->host), "localhost");
		return 0;
	}
	if (spec == NULL || strncmp(spec, "xl+ssh://", 9) != 0) {
		snprintf(err, errlen,
		         "peer '%s': expected 'localhost' or "
		         "'xl+ssh://[USER@]HOST[:PORT]'",
		         spec != NULL ? spec : "");
		return -1;
	}
	auth = spec + 9;
	len = strlen(auth);
	at = memchr(auth, '@', len);
	if (at != NULL) {
		if (!peer_word_ok(auth, (size_t)(at - auth), false) ||
		    (size_t)(at - auth) >= sizeof(out->user)) {
			snprintf(err, errlen, "peer '%s': bad user name", spec);
			return -1;
		}
		memcpy(out->user, auth, (size_t)(at - auth));
		len -= (size_t)(at + 1 - auth);
		auth = at + 1;
	}
	if (peer_port(spec, auth, &len, out, err, errlen) < 0)
		return -1;
	if (!peer_word_ok(auth, len, true) || len >= sizeof(out->host)) {
		snprintf(err, errlen, "peer '%s': bad host name", spec);
		return -1;
	}
	out->kind = HV_XEN_PEER_SSH;
	if (auth[0] == '[' && auth[len - 1] == ']' && len > 2) {
		auth++; /* ssh takes a v6 address bare */
		len -= 2;
	}
	memcpy(out->host, auth, len);
	return 0;
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

/* libxl forks and waits for its own helpers: give it a plain process. */
static void mig_child_reset(void)
{
	sigset_t all;

	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	signal(SIGCHLD, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
}

static int mig_spawn(struct xen_host *h, struct xen_migration *m,
                     const struct hv_xen_peer *peer, int report_w)
{
	m->sender = fork();
	if (m->sender < 0)
		return xen_fail_errno(h, "migrate: fork");
	if (m->sender == 0) {
		mig_child_reset();
		_exit(xen_migrate_send(peer, m->domid, m->live, report_w));
	}
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
	}
	if (!running)
		mig_timer_arm(h, false);
}

static struct hv_event mig_event_of(const struct xen_migration *m,
                                    enum hv_event_type type, unsigned pct)
{
	struct hv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration_id = m->id;
	ev.domid = m->domid;
	snprintf(ev.peer, sizeof(ev.peer), "%s", m->peer);
	ev.progress_pct = pct;
	return ev;
}

static void mig_event(struct xen_host *h, struct xen_migration *m,
                      enum hv_event_type type, unsigned pct, int error,
                      const char *detail)
{
	struct hv_event ev = mig_event_of(m, type, pct);

	ev.error = error;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	xen_queue_event(h, &ev);
}

/* "live" or "suspended" at the start of what the child said. */
static enum hv_migration_mode mig_mode(const char *word)
{
	if (strncmp(word, "live", 4) == 0)
		return HV_MODE_LIVE;
	if (strncmp(word, "suspended", 9) == 0)
		return HV_MODE_SUSPENDED;
	return HV_MODE_UNKNOWN;
}

/* "progress PCT MODE[: why]" and "done MODE DOWNTIME_MS". */
static bool mig_line_ok(struct xen_host *h, struct xen_migration *m,
                        const char *line)
{
	unsigned long long down;
	struct hv_event ev;
	char mode[12];
	unsigned pct;
	int off = 0;

	if (sscanf(line, "progress %u %n", &pct, &off) == 1) {
		ev = mig_event_of(m, HV_EVENT_MIGRATION_PROGRESS, pct);
		ev.mode = mig_mode(line + off);
		snprintf(ev.detail, sizeof(ev.detail), "%s", line + off);
		xen_queue_event(h, &ev);
		return true;
	}
	if (sscanf(line, "done %11s %llu", mode, &down) == 2) {
		m->finished = true;
		ev = mig_event_of(m, HV_EVENT_MIGRATION_DONE, 100);
		ev.mode = mig_mode(mode);
		ev.downtime_ms = down;
		xen_queue_event(h, &ev);
		return true;
	}
	return false;
}

static void mig_line(struct xen_host *h, struct xen_migration *m,
                     const char *line)
{
	int error, off = 0;

	if (mig_line_ok(h, m, line))
		return;
	if (sscanf(line, "failed %d %n", &error, &off) == 1) {
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

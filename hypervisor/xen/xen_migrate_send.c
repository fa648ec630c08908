/* xen_migrate_send.c - the sending child of a migration: xl's migration
 * protocol to `xl migrate-receive` on the peer (over ssh) or on this host. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libxl.h>
#include <libxl_utils.h>
#include <xenstore.h>

#include "hypervisor/xen/xen_internal.h"

/*
 * xl's protocol (tools/xl/xl_migrate.c), as `xl migrate` speaks it, so
 * the peer runs Xen's own receiver and needs nothing of rasd's: the
 * receiver's banner; from us an xl save header with the domain's config
 * as JSON, then libxl's stream; the receiver says "ready" (NUL included),
 * we rename our copy away and give it "permission to go"; it unpauses
 * its copy and reports one status byte. Until that byte says 0 the guest
 * is ours to resume.
 */
static const char xl_banner[] =
    "xl migration receiver ready, send binary domain data.\n";
static const char xl_ready[] = "domain received, ready to unpause";
static const char xl_go[] = "domain is yours, you are cleared to unpause";
static const char xl_report[] = "my copy unpause results are as follows";
static const char xl_magic[32] = "Xen saved domain, xl format\n \0 \r";

#define XL_FLAG_JSON     (1u << 0)
#define XL_FLAG_STREAMV2 (1u << 1)
#define XL_BYTEORDER     0x01020304u

#define SEND_BANNER_MS 60000  /* ssh's connect and the remote xl's start */
#define SEND_ACK_MS    120000 /* the receiver's answers after the stream */
#define SEND_INFO_MAX  65536  /* `xl info` is about 2 KiB */
#define SEND_SLACK_MIB 8      /* Xen's own structures for a new domain */
#define WATCH_STEP_NS  2000000

/* The receiving command: its stdin, stdout and stderr, and its pid. */
struct receiver {
	pid_t pid;
	int to; /* its stdin */
	int from;
	int err;
};

struct send {
	const struct hv_xen_peer *peer;
	uint32_t domid;
	bool live;
	int report;
	libxl_ctx *ctx;
	char *name;
	struct receiver rx;
};

static void say(int fd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void say(int fd, const char *fmt, ...)
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
	if (write(fd, line, (size_t)n) < 0)
		return; /* rasd went away; the migration goes on alone */
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int write_all(int fd, const void *buf, size_t len)
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

/* len bytes within ms; -1 on timeout, error or end of stream. */
static int read_within(int fd, void *buf, size_t len, int ms)
{
	struct pollfd pfd = {.fd = fd, .events = POLLIN};
	uint64_t end = now_ms() + (uint64_t)ms;
	char *p = buf;
	ssize_t r;

	while (len > 0) {
		uint64_t t = now_ms();

		if (t >= end || poll(&pfd, 1, (int)(end - t)) <= 0)
			return -1;
		r = read(fd, p, len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		p += r;
		len -= (size_t)r;
	}
	return 0;
}

/* One fixed message of xl's; 0 when it came as it should. */
static int expect(int fd, const char *msg, size_t len, int ms)
{
	char buf[64];

	if (len > sizeof(buf) || read_within(fd, buf, len, ms) < 0)
		return -1;
	return memcmp(buf, msg, len) == 0 ? 0 : -1;
}

/* The last line the receiving command wrote to stderr: why it failed. */
static void last_words(int fd, char *buf, size_t len)
{
	char all[1024], *line, *nl;
	ssize_t got;

	buf[0] = '\0';
	got = read(fd, all, sizeof(all) - 1);
	if (got <= 0)
		return;
	all[got] = '\0';
	while (got > 0 && (all[got - 1] == '\n' || all[got - 1] == '\r'))
		all[--got] = '\0';
	nl = strrchr(all, '\n');
	line = nl != NULL ? nl + 1 : all;
	snprintf(buf, len, ": %s", line);
}

/* argv for ssh to the peer running `xl WORD`; NULL-terminated. */
static void ssh_argv(const struct hv_xen_peer *p, const char *word,
                     char port[8], const char **argv)
{
	size_t n = 0;

	argv[n++] = "ssh";
	/* never ask a person; notice a link that went quiet in 15 s */
	argv[n++] = "-o";
	argv[n++] = "BatchMode=yes";
	argv[n++] = "-o";
	argv[n++] = "ConnectTimeout=10";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveInterval=5";
	argv[n++] = "-o";
	argv[n++] = "ServerAliveCountMax=3";
	if (p->port != 0) {
		snprintf(port, 8, "%u", p->port);
		argv[n++] = "-p";
		argv[n++] = port;
	}
	if (p->user[0] != '\0') {
		argv[n++] = "-l";
		argv[n++] = p->user;
	}
	argv[n++] = "--";
	argv[n++] = p->host;
	argv[n++] = "xl";
	argv[n++] = word;
	argv[n] = NULL;
}

static void child_exec(const char **argv, int in, int out, int err)
{
	dup2(in, 0);
	dup2(out, 1);
	dup2(err, 2);
	execvp(argv[0], (char *const *)argv);
	fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static void close_pair(int p[2])
{
	if (p[0] >= 0)
		close(p[0]);
	if (p[1] >= 0)
		close(p[1]);
}

/* Start `xl WORD` on the peer (ssh) or here; its three pipes in rx. */
static int receiver_start(const struct hv_xen_peer *p, const char *word,
                          struct receiver *rx)
{
	int in[2] = {-1, -1}, out[2] = {-1, -1}, err[2] = {-1, -1};
	const char *argv[32] = {"xl", word, NULL};
	char port[8];

	if (p->kind == HV_XEN_PEER_SSH)
		ssh_argv(p, word, port, argv);
	if (pipe(in) < 0 || pipe(out) < 0 || pipe(err) < 0) {
		close_pair(in);
		close_pair(out);
		close_pair(err);
		return -1;
	}
	rx->pid = fork();
	if (rx->pid == 0) {
		close(in[1]);
		close(out[0]);
		close(err[0]);
		child_exec(argv, in[0], out[1], err[1]);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	rx->to = in[1];
	rx->from = out[0];
	rx->err = err[0];
	return rx->pid < 0 ? -1 : 0;
}

/* Its pipes closed, it has 5 s to exit (ssh once the remote xl is done)
 * before it is stopped: a hung ssh must not hold the report. */
static int receiver_end(struct receiver *rx)
{
	struct timespec step = {0, 50000000};
	int status = -1, i;

	if (rx->to >= 0)
		close(rx->to);
	if (rx->from >= 0)
		close(rx->from);
	if (rx->err >= 0)
		close(rx->err);
	rx->to = rx->from = rx->err = -1;
	if (rx->pid <= 0)
		return 0;
	for (i = 0; i < 100; i++) {
		if (waitpid(rx->pid, &status, WNOHANG) == rx->pid)
			break;
		nanosleep(&step, NULL);
	}
	if (i == 100) {
		kill(rx->pid, SIGTERM);
		waitpid(rx->pid, &status, 0);
	}
	rx->pid = -1;
	return status;
}

/* "free_memory : 402" from `xl info`, in MiB; -1 when absent. */
static long parse_free_mib(const char *info)
{
	const char *p = strstr(info, "\nfree_memory");
	long mib;

	if (p == NULL && strncmp(info, "free_memory", 11) == 0)
		p = info;
	else if (p != NULL)
		p++;
	if (p == NULL || (p = strchr(p, ':')) == NULL)
		return -1;
	if (sscanf(p + 1, "%ld", &mib) != 1 || mib < 0)
		return -1;
	return mib;
}

/* The peer's free memory in MiB, asked with `xl info`; -1 and why. */
static long peer_free_mib(struct send *s, char *why, size_t len)
{
	struct receiver rx = {-1, -1, -1, -1};
	char *info = calloc(1, SEND_INFO_MAX);
	size_t got = 0;
	ssize_t r;
	long mib = -1;
	int status;

	if (info == NULL || receiver_start(s->peer, "info", &rx) < 0) {
		snprintf(why, len, "cannot start ssh: %s", strerror(errno));
		free(info);
		return -1;
	}
	close(rx.to);
	rx.to = -1;
	while (got < SEND_INFO_MAX - 1 &&
	       (r = read(rx.from, info + got, SEND_INFO_MAX - 1 - got)) > 0)
		got += (size_t)r;
	last_words(rx.err, why, len);
	status = receiver_end(&rx);
	if (status == 0)
		mib = parse_free_mib(info);
	if (mib < 0) {
		char said[200];

		snprintf(said, sizeof(said), "%s", why);
		snprintf(why, len, "`xl info` on %s failed (status %d)%s",
		         s->peer->host, status, said);
	}
	free(info);
	return mib;
}

static uint64_t domain_mib(struct send *s)
{
	libxl_dominfo info;
	uint64_t mib = 0;

	libxl_dominfo_init(&info);
	if (libxl_domain_info(s->ctx, &info, s->domid) == 0)
		mib = (info.current_memkb + 1023) / 1024;
	libxl_dominfo_dispose(&info);
	return mib;
}

/* A peer without room for the guest refuses before anything moves. */
static int check_room(struct send *s)
{
	char why[240] = "";
	uint64_t need = domain_mib(s) + SEND_SLACK_MIB;
	long free_mib;

	if (s->peer->kind != HV_XEN_PEER_SSH)
		return 0; /* this host: libxl's own check answers */
	free_mib = peer_free_mib(s, why, sizeof(why));
	if (free_mib < 0) {
		say(s->report, "failed %d %s", ECONNREFUSED, why);
		return -1;
	}
	if ((uint64_t)free_mib < need) {
		say(s->report,
		    "failed %d peer %s has %ld MiB free, the guest needs %llu "
		    "MiB",
		    ENOSPC, s->peer->host, free_mib, (unsigned long long)need);
		return -1;
	}
	return 0;
}

static int send_header(struct send *s, char *why, size_t len)
{
	libxl_domain_config dc;
	uint32_t hdr[4], clen;
	char *json;
	int rc;

	libxl_domain_config_init(&dc);
	rc = libxl_retrieve_domain_configuration(s->ctx, s->domid, &dc, NULL);
	json = rc == 0 ? libxl_domain_config_to_json(s->ctx, &dc) : NULL;
	libxl_domain_config_dispose(&dc);
	if (json == NULL) {
		snprintf(why, len, "the domain's configuration: libxl error %d",
		         rc);
		return -1;
	}
	clen = (uint32_t)strlen(json) + 1; /* xl sends the NUL too */
	hdr[0] = XL_BYTEORDER;
	hdr[1] = XL_FLAG_STREAMV2 | XL_FLAG_JSON;
	hdr[2] = 0;
	hdr[3] = 4 + clen; /* optional data: the length, then the config */
	rc = write_all(s->rx.to, xl_magic, sizeof(xl_magic)) < 0 ||
	     write_all(s->rx.to, hdr, sizeof(hdr)) < 0 ||
	     write_all(s->rx.to, &clen, 4) < 0 ||
	     write_all(s->rx.to, json, clen) < 0;
	free(json);
	if (rc)
		snprintf(why, len, "sending the header: %s", strerror(errno));
	return rc ? -1 : 0;
}

/*
 * The downtime begins when libxl asks the guest to suspend for the last
 * copy: a PV guest without a suspend event channel (Linux) is asked
 * through its control/shutdown node, and from then on it freezes its
 * processes and devices before Xen calls it suspended, a stretch the
 * guest's users see as down (under TCG, up to seconds). A thread follows
 * that node by a xenstore watch and the domain's state (every 2 ms)
 * while libxl sends; without the node's word (a guest libxl signals by
 * event channel) the downtime begins when Xen has it suspended.
 */
struct watch {
	uint32_t domid;
	atomic_bool stop;
	atomic_uint_fast64_t asked_ms;
	atomic_uint_fast64_t suspended_ms;
	pthread_t thread;
	bool running;
};

static bool domain_suspended(xc_interface *xch, uint32_t domid)
{
	xc_domaininfo_t info;
	unsigned reason;

	if (xc_domain_getinfolist(xch, domid, 1, &info) != 1 ||
	    info.domain != domid || !(info.flags & XEN_DOMINF_shutdown))
		return false;
	reason =
	    (info.flags >> XEN_DOMINF_shutdownshift) & XEN_DOMINF_shutdownmask;
	return reason == SHUTDOWN_suspend;
}

/* The control/shutdown node says "suspend": libxl has asked. */
static bool suspend_asked(struct xs_handle *xsh, const char *path)
{
	unsigned int len = 0;
	char *v = xs_read(xsh, XBT_NULL, path, &len);
	bool asked = v != NULL && strcmp(v, "suspend") == 0;

	free(v);
	return asked;
}

/* The node's path, watched; NULL when xenstore is out of reach. */
static char *watch_node(struct xs_handle *xsh, uint32_t domid)
{
	char *dom = xs_get_domain_path(xsh, domid), *path = NULL;

	if (dom != NULL && asprintf(&path, "%s/control/shutdown", dom) >= 0 &&
	    !xs_watch(xsh, path, "rasd-suspend")) {
		free(path);
		path = NULL;
	}
	free(dom);
	return path;
}

static void *watch_run(void *arg)
{
	struct watch *w = arg;
	xc_interface *xch = xc_interface_open(NULL, NULL, 0);
	struct xs_handle *xsh = xs_open(0);
	char *path = xsh != NULL ? watch_node(xsh, w->domid) : NULL;
	struct pollfd pfd = {path != NULL ? xs_fileno(xsh) : -1, POLLIN, 0};

	if (xch == NULL)
		goto out;
	while (!atomic_load(&w->stop)) {
		if (domain_suspended(xch, w->domid)) {
			atomic_store(&w->suspended_ms, now_ms());
			break;
		}
		/* the watch fires once when set, then on each write */
		if (poll(&pfd, 1, WATCH_STEP_NS / 1000000) > 0) {
			unsigned int n;

			free(xs_read_watch(xsh, &n));
			if (atomic_load(&w->asked_ms) == 0 &&
			    suspend_asked(xsh, path))
				atomic_store(&w->asked_ms, now_ms());
		}
	}
out:
	if (path != NULL)
		xs_unwatch(xsh, path, "rasd-suspend");
	free(path);
	if (xsh != NULL)
		xs_close(xsh);
	if (xch != NULL)
		xc_interface_close(xch);
	return NULL;
}

static void watch_start(struct watch *w, uint32_t domid)
{
	w->domid = domid;
	atomic_init(&w->stop, false);
	atomic_init(&w->asked_ms, 0);
	atomic_init(&w->suspended_ms, 0);
	w->running = pthread_create(&w->thread, NULL, watch_run, w) == 0;
}

/* When the downtime began: asked to suspend, else found suspended. */
static uint64_t watch_stop(struct watch *w)
{
	uint64_t asked;

	if (w->running) {
		atomic_store(&w->stop, true);
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	asked = atomic_load(&w->asked_ms);
	return asked != 0 ? asked : atomic_load(&w->suspended_ms);
}

/* The guest stays here, running: after any failure before "go". */
static int fail_resume(struct send *s, int error, const char *why)
{
	char said[200];

	close(s->rx.to);
	s->rx.to = -1;
	last_words(s->rx.err, said, sizeof(said));
	libxl_domain_resume(s->ctx, s->domid, 1, NULL);
	say(s->report, "failed %d %s%s; domain %u resumed here", error, why,
	    said, s->domid);
	return 1;
}

static int open_stream(struct send *s)
{
	char why[200];

	if (receiver_start(s->peer, "migrate-receive", &s->rx) < 0) {
		say(s->report, "failed %d cannot start the receiver: %s", EIO,
		    strerror(errno));
		return -1;
	}
	if (expect(s->rx.from, xl_banner, sizeof(xl_banner) - 1,
	           SEND_BANNER_MS) < 0) {
		last_words(s->rx.err, why, sizeof(why));
		say(s->report, "failed %d no xl receiver on %s%s", ECONNREFUSED,
		    s->peer->host, why);
		return -1;
	}
	if (send_header(s, why, sizeof(why)) < 0) {
		say(s->report, "failed %d %s", EIO, why);
		return -1;
	}
	return 0;
}

/* The receiver has the guest: hand the name over and let it start. */
static int hand_over(struct send *s, uint64_t suspended_ms)
{
	char away[HV_NAME_MAX + 16], status = 1;
	uint64_t down;

	if (expect(s->rx.from, xl_ready, sizeof(xl_ready), SEND_ACK_MS) < 0)
		return fail_resume(s, EIO, "the receiver did not take it");
	snprintf(away, sizeof(away), "%s--migratedaway", s->name);
	if (libxl_domain_rename(s->ctx, s->domid, s->name, away) != 0)
		return fail_resume(s, EIO, "renaming our copy away failed");
	if (write_all(s->rx.to, xl_go, sizeof(xl_go)) < 0 ||
	    expect(s->rx.from, xl_report, sizeof(xl_report), SEND_ACK_MS) < 0 ||
	    read_within(s->rx.from, &status, 1, SEND_ACK_MS) < 0) {
		/* As xl: past "go" either copy may run; resuming ours could
		 * make two. It stays paused as NAME--migratedaway. */
		say(s->report,
		    "failed %d the final handshake was lost after the go: "
		    "check both hosts, domain %u stays paused here as %s",
		    EIO, s->domid, away);
		return 1;
	}
	down = suspended_ms != 0 ? now_ms() - suspended_ms : 0;
	if (status != 0) {
		(void)expect(s->rx.from, xl_go, sizeof(xl_go), SEND_ACK_MS);
		libxl_domain_rename(s->ctx, s->domid, away, s->name);
		return fail_resume(s, EIO, "the receiver could not start it");
	}
	libxl_domain_destroy(s->ctx, s->domid, NULL);
	say(s->report, "done %s %llu", s->live ? "live" : "suspended",
	    (unsigned long long)down);
	return 0;
}

static int transfer(struct send *s)
{
	struct watch w;
	uint64_t suspended;
	int rc;

	if (s->live)
		say(s->report, "progress 10 live");
	else
		say(s->report, "progress 10 suspended: this Xen has no "
		               "shadow paging, so a PV guest cannot move live");
	watch_start(&w, s->domid);
	rc = libxl_domain_suspend(s->ctx, s->domid, s->rx.to,
	                          s->live ? LIBXL_SUSPEND_LIVE : 0, NULL);
	suspended = watch_stop(&w);
	if (rc != 0) {
		char why[64];

		snprintf(why, sizeof(why),
		         "libxl_domain_suspend: libxl error %d", rc);
		return fail_resume(s, EIO, why);
	}
	say(s->report, "progress 90 %s", s->live ? "live" : "suspended");
	return hand_over(s, suspended);
}

static libxl_ctx *send_ctx(void)
{
	xentoollog_logger *lg;
	libxl_ctx *ctx = NULL;

	lg = (xentoollog_logger *)xtl_createlogger_stdiostream(stderr,
	                                                       XTL_ERROR, 0);
	if (libxl_ctx_alloc(&ctx, LIBXL_VERSION, 0, lg) != 0)
		return NULL;
	return ctx;
}

int xen_migrate_send(const struct hv_xen_peer *peer, uint32_t domid, bool live,
                     int report)
{
	struct send s = {.peer = peer,
	                 .domid = domid,
	                 .live = live,
	                 .report = report,
	                 .rx = {-1, -1, -1, -1}};
	int rc = 1;

	signal(SIGPIPE, SIG_IGN); /* a receiver gone is an error, not death */
	s.ctx = send_ctx();
	if (s.ctx == NULL) {
		say(report, "failed %d libxl_ctx_alloc failed", EIO);
		return 1;
	}
	s.name = libxl_domid_to_name(s.ctx, domid);
	if (s.name == NULL)
		say(report, "failed %d domain %u has no name", ESRCH, domid);
	else if (check_room(&s) == 0 && open_stream(&s) == 0)
		rc = transfer(&s);
	receiver_end(&s.rx);
	free(s.name);
	libxl_ctx_free(s.ctx);
	return rc;
}

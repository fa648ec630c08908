/* sdnotify.c - the sd_notify datagram protocol spoken by hand (no
 * libsystemd): readiness, a health STATUS line and the loop's watchdog. */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rasd.h"
#include "sdnotify.h"

struct sdnotify {
	struct rasd *d;
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	uint64_t watchdog_ns; /* 0: no watchdog asked for */
	struct loop_timer *timer;
	char last_status[256]; /* sent only when it changes */
};

static int fail(char *err, size_t errlen, const char *path, const char *why)
{
	snprintf(err, errlen, "NOTIFY_SOCKET '%s': %s", path, why);
	return -1;
}

/* A path, or "@name" for the abstract namespace (systemd uses both). */
static int set_addr(struct sdnotify *n, const char *path, char *err,
                    size_t errlen)
{
	size_t len = strlen(path);

	if ((path[0] != '/' && path[0] != '@') || len < 2)
		return fail(err, errlen, path, "not a path or @name");
	if (len >= sizeof(n->addr.sun_path))
		return fail(err, errlen, path, "too long");
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len +
	                         (path[0] == '@' ? 0 : 1));
	return 0;
}

static void send_text(struct sdnotify *n, const char *text)
{
	ssize_t r;

	do
		r = sendto(n->fd, text, strlen(text), MSG_NOSIGNAL,
		           (const struct sockaddr *)&n->addr, n->addrlen);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		log_msg(&n->d->log, LOG_WARNING, "systemd", "notify socket: %s",
		        strerror(errno));
}

int sdnotify_status_text(const struct rasd *d, char *buf, size_t len)
{
	char reason[128] = "";
	enum health_level l = hosthealth_level(d, reason, sizeof(reason));

	return snprintf(buf, len, "STATUS=health %s%s%s; %llu record(s) read",
	                health_level_name(l), reason[0] ? ": " : "", reason,
	                (unsigned long long)d->records);
}

/* prefix (may be NULL), and STATUS= when it changed or always. */
static void send_status(struct sdnotify *n, const char *prefix, bool always)
{
	char status[256], msg[300];

	sdnotify_status_text(n->d, status, sizeof(status));
	if (!always && strcmp(status, n->last_status) == 0) {
		if (prefix != NULL)
			send_text(n, prefix);
		return;
	}
	snprintf(n->last_status, sizeof(n->last_status), "%s", status);
	snprintf(msg, sizeof(msg), "%s%s%s", prefix ? prefix : "",
	         prefix ? "\n" : "", status);
	send_text(n, msg);
}

/* A health change shows in systemctl status within this. */
#define STATUS_PERIOD_NS 1000000000ull

/* The tick's period: a second, or half the watchdog's if that is less. */
static uint64_t tick_ns(const struct sdnotify *n)
{
	if (n->watchdog_ns != 0 && n->watchdog_ns / 2 < STATUS_PERIOD_NS)
		return n->watchdog_ns / 2;
	return STATUS_PERIOD_NS;
}

/*
 * On the loop: if the loop stalls, systemd stops hearing WATCHDOG=1.
 * STATUS= goes only when it changed.
 */
static void tick(void *arg)
{
	struct sdnotify *n = arg;

	if (n->watchdog_ns != 0)
		send_status(n, "WATCHDOG=1", false);
	else
		send_status(n, NULL, false);
	loop_timer_arm(n->timer, tick_ns(n));
}

/* WATCHDOG_PID, when set, must be ours: a child inherits the env. */
static uint64_t watchdog_ns_from_env(void)
{
	const char *usec = getenv("WATCHDOG_USEC");
	const char *pid = getenv("WATCHDOG_PID");
	unsigned long long v;
	char *end;

	if (usec == NULL || *usec == '\0')
		return 0;
	if (pid != NULL && *pid != '\0' &&
	    strtol(pid, NULL, 10) != (long)getpid())
		return 0;
	errno = 0;
	v = strtoull(usec, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > UINT64_MAX / 1000)
		return 0;
	return (uint64_t)v * 1000u;
}

static int start_timer(struct sdnotify *n, char *err, size_t errlen)
{
	n->watchdog_ns = watchdog_ns_from_env();
	if (loop_timer_create(n->d->loop, &n->timer, tick, n) < 0) {
		snprintf(err, errlen, "watchdog timer: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int sdnotify_open(struct sdnotify **out, struct rasd *d, char *err,
                  size_t errlen)
{
	const char *path = getenv("NOTIFY_SOCKET");
	struct sdnotify *n;

	*out = NULL;
	if (path == NULL || *path == '\0')
		return 0;
	if ((n = calloc(1, sizeof(*n))) == NULL) {
		snprintf(err, errlen, "sdnotify: out of memory");
		return -1;
	}
	n->d = d;
	n->fd = -1;
	if (set_addr(n, path, err, errlen) < 0)
		goto fail;
	n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (n->fd < 0) {
		fail(err, errlen, path, strerror(errno));
		goto fail;
	}
	if (start_timer(n, err, errlen) < 0)
		goto fail;
	*out = n;
	return 0;
fail:
	sdnotify_close(n);
	return -1;
}

void sdnotify_ready(struct sdnotify *n)
{
	char pid[32];

	if (n == NULL)
		return;
	/* Under privsep the parent systemd started stays the main process. */
	if (n->d->opt.privsep)
		snprintf(pid, sizeof(pid), "READY=1");
	else
		snprintf(pid, sizeof(pid), "READY=1\nMAINPID=%d",
		         (int)getpid());
	send_status(n, pid, true);
	loop_timer_arm(n->timer, tick_ns(n));
}

void sdnotify_stopping(struct sdnotify *n)
{
	if (n != NULL)
		send_text(n, "STOPPING=1");
}

void sdnotify_close(struct sdnotify *n)
{
	if (n == NULL)
		return;
	loop_timer_destroy(n->timer);
	if (n->fd >= 0)
		close(n->fd);
	free(n);
}

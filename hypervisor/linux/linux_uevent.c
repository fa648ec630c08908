/* linux_uevent.c - CPUs taken down or brought up outside rasd, from the
 * kernel's uevents (NETLINK_KOBJECT_UEVENT) for the cpu subsystem. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hypervisor/linux/linux_int.h"

#define UEVENT_MAX 8192

/* The value of KEY= among the NUL-separated lines, or NULL. */
static const char *uevent_value(const char *buf, size_t len, const char *key)
{
	size_t klen = strlen(key), i = 0, n;

	while (i < len) {
		n = strnlen(buf + i, len - i);
		if (n > klen && memcmp(buf + i, key, klen) == 0 &&
		    buf[i + klen] == '=' && i + n < len)
			return buf + i + klen + 1;
		i += n + 1;
	}
	return NULL;
}

int linux_uevent_parse(const char *buf, size_t len, uint32_t *cpu, bool *online)
{
	const char *action, *subsystem, *devpath, *num;
	char *end;
	unsigned long n;

	action = uevent_value(buf, len, "ACTION");
	subsystem = uevent_value(buf, len, "SUBSYSTEM");
	devpath = uevent_value(buf, len, "DEVPATH");
	if (action == NULL || subsystem == NULL || devpath == NULL ||
	    strcmp(subsystem, "cpu") != 0)
		return 0;
	if (strcmp(action, "online") == 0)
		*online = true;
	else if (strcmp(action, "offline") == 0)
		*online = false;
	else
		return 0;
	num = strrchr(devpath, '/');
	if (num == NULL || strncmp(num, "/cpu", 4) != 0)
		return 0;
	num += 4;
	if (*num < '0' || *num > '9')
		return 0;
	n = strtoul(num, &end, 10);
	if (*end != '\0' || n > UINT32_MAX)
		return 0;
	*cpu = (uint32_t)n;
	return 1;
}

int linux_uevent_open(char *err, size_t errlen)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	                NETLINK_KOBJECT_UEVENT);

	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "linux: kernel uevents: %s",
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* rasd's own changes were expected; the rest came from outside. */
static bool expected(struct linux_host *h, uint32_t cpu, bool online)
{
	size_t i;

	for (i = 0; i < h->n_expect; i++) {
		if (h->expect[i].cpu != cpu || h->expect[i].online != online)
			continue;
		h->expect[i] = h->expect[--h->n_expect];
		return true;
	}
	return false;
}

void linux_cpu_expect(struct linux_host *h, uint32_t cpu, bool online)
{
	if (h->n_expect == LINUX_EXPECT_MAX)
		h->n_expect--; /* forget the newest: a stray event at worst */
	h->expect[h->n_expect].cpu = cpu;
	h->expect[h->n_expect++].online = online;
}

void linux_uevent_collect(struct linux_host *h)
{
	static const struct sockaddr_nl none;
	struct sockaddr_nl from;
	socklen_t from_len;
	char buf[UEVENT_MAX];
	struct hv_event ev;
	uint32_t cpu;
	bool online;
	ssize_t got;

	for (;;) {
		from = none;
		from_len = sizeof(from);
		got = recvfrom(h->uevent_fd, buf, sizeof(buf), 0,
		               (struct sockaddr *)&from, &from_len);
		if (got <= 0)
			return;
		/* only the kernel's own messages (port 0) are believed */
		if (from.nl_pid != 0 ||
		    !linux_uevent_parse(buf, (size_t)got, &cpu, &online) ||
		    expected(h, cpu, online))
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.type = HV_EVENT_CPU_CHANGED;
		ev.cpu = cpu;
		ev.online = online;
		snprintf(ev.detail, sizeof(ev.detail),
		         "cpu %u went %s outside rasd", cpu,
		         online ? "online" : "offline");
		linux_event_push(h, &ev);
	}
}

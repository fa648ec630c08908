/* xen_cpu.c - physical CPU offline/online by hypercall, the rules Xen
 * enforces checked first, and hotplug noticed through dom0's uevents. */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/xen/xen_internal.h"

int hv_xen_cpu_offline_allowed(uint32_t cpu, uint32_t nr_cpus, bool cpu_online,
                               uint32_t pool_online, char *err, size_t errlen)
{
	if (cpu >= nr_cpus) {
		snprintf(err, errlen,
		         "cpu_offline: no cpu %u (the host has %u)", cpu,
		         nr_cpus);
		return -EINVAL;
	}
	if (cpu == 0) {
		snprintf(err, errlen,
		         "cpu_offline: cpu 0 is refused (Xen keeps the boot "
		         "CPU)");
		return -EBUSY;
	}
	if (cpu_online && pool_online <= 1) {
		snprintf(err, errlen,
		         "cpu_offline: cpu %u is the last online CPU of its "
		         "cpupool",
		         cpu);
		return -EBUSY;
	}
	return 0;
}

/* 1 or 0 from xen_cpuN/online (the xen-pcpu driver's view); -1: none. */
static int xen_cpu_sysfs_online(const struct xen_host *h, unsigned cpu)
{
	char path[512], c = 0;
	FILE *f;

	snprintf(path, sizeof(path),
	         "%s/sys/devices/system/xen_cpu/xen_cpu%u/online", h->root,
	         cpu);
	f = fopen(path, "re");
	if (f == NULL)
		return -1;
	if (fread(&c, 1, 1, f) != 1)
		c = 0;
	fclose(f);
	return c == '1' ? 1 : c == '0' ? 0 : -1;
}

/*
 * xc_cputopoinfo lists the present CPUs (an offline CPU keeps its core
 * and socket), so whether each is online comes from dom0's xen_cpu
 * devices, which the kernel refreshes from XENPF_get_cpuinfo on every
 * hotplug; a kernel without them leaves present = online.
 */
int xen_cpu_read_online(struct xen_host *h, bool *online, uint32_t *n)
{
	xc_cputopo_t topo[XEN_MAX_CPUS];
	unsigned count = XEN_MAX_CPUS, i;
	int state;

	if (xc_cputopoinfo(h->xch, &count, topo) < 0)
		return xen_fail_errno(h, "xc_cputopoinfo");
	for (i = 0; i < count; i++) {
		state = xen_cpu_sysfs_online(h, i);
		online[i] = state >= 0 ? state == 1
		                       : topo[i].core != XEN_INVALID_CORE_ID;
	}
	*n = count;
	return 0;
}

static bool xen_cpumap_test(const xc_cpumap_t map, uint32_t cpu)
{
	return (map[cpu / 8] >> (cpu % 8)) & 1;
}

/* Online CPUs in the pool holding `cpu` (0 when it is in none). */
static int xen_pool_online(struct xen_host *h, uint32_t cpu, uint32_t *count)
{
	xc_cpupoolinfo_t *pool;
	uint32_t next = 0, c;

	*count = 0;
	errno = 0;
	while ((pool = xc_cpupool_getinfo(h->xch, next)) != NULL) {
		next = pool->cpupool_id + 1;
		if (xen_cpumap_test(pool->cpumap, cpu)) {
			for (c = 0; c < h->nr_cpus; c++)
				if (xen_cpumap_test(pool->cpumap, c))
					(*count)++;
			xc_cpupool_infofree(h->xch, pool);
			return 0;
		}
		xc_cpupool_infofree(h->xch, pool);
	}
	if (errno != ENOENT && errno != 0)
		return xen_fail_errno(h, "cpu_offline: xc_cpupool_getinfo");
	return 0;
}

/*
 * dom0's xen_cpu device follows Xen a moment later (VIRQ_PCPU_STATE);
 * wait for it, up to a second, so that the change rasd made itself is not
 * reported back to it as one made outside.
 */
static void xen_cpu_settle(struct xen_host *h, uint32_t cpu, bool online)
{
	const struct timespec step = {0, 50 * 1000 * 1000};
	int i;

	h->online[cpu] = online;
	for (i = 0; i < 20; i++) {
		if (xen_cpu_sysfs_online(h, cpu) != (online ? 0 : 1))
			return;
		nanosleep(&step, NULL);
	}
}

int xen_cpu_offline(struct hv *hv, uint32_t cpu)
{
	struct xen_host *h = (struct xen_host *)hv;
	uint32_t pool_online = 0;
	int rc;

	if (cpu < h->nr_cpus && h->online[cpu] && cpu != 0 &&
	    (rc = xen_pool_online(h, cpu, &pool_online)) < 0)
		return rc;
	/* A CPU in no pool is not holding any domain: only Xen decides. */
	if (pool_online == 0)
		pool_online = 2;
	rc = hv_xen_cpu_offline_allowed(
	    cpu, h->nr_cpus, cpu < h->nr_cpus && h->online[cpu], pool_online,
	    h->hv.err, sizeof(h->hv.err));
	if (rc < 0)
		return rc;
	errno = 0;
	if (xc_cpu_offline(h->xch, (int)cpu) < 0)
		return xen_fail_errno(h, "xc_cpu_offline cpu %u", cpu);
	xen_cpu_settle(h, cpu, false);
	return 0;
}

int xen_cpu_online(struct hv *hv, uint32_t cpu)
{
	struct xen_host *h = (struct xen_host *)hv;

	if (cpu >= h->nr_cpus)
		return xen_fail(h, -EINVAL,
		                "cpu_online: no cpu %u (the host has %u)", cpu,
		                h->nr_cpus);
	errno = 0;
	if (xc_cpu_online(h->xch, (int)cpu) < 0)
		return xen_fail_errno(h, "xc_cpu_online cpu %u", cpu);
	xen_cpu_settle(h, cpu, true);
	return 0;
}

/*
 * A kernel without the socket (or a sandbox without netlink) still runs:
 * hotplug then shows only when topology or cpus are read again.
 */
int xen_cpu_watch_open(struct xen_host *h)
{
	struct sockaddr_nl addr = {.nl_family = AF_NETLINK, .nl_groups = 1};
	int fd;

	fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	            NETLINK_KOBJECT_UEVENT);
	if (fd < 0)
		return 0;
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		close(fd);
		return 0;
	}
	h->uevent_fd = fd;
	return 0;
}

/* "online@/devices/system/xen_cpu/xen_cpu1" and the like. */
static bool xen_uevent_is_cpu(const char *msg, size_t len)
{
	return memmem(msg, len, "xen_cpu", 7) != NULL;
}

void xen_cpu_refresh(struct xen_host *h)
{
	bool now[XEN_MAX_CPUS] = {false};
	struct hv_event ev;
	uint32_t n = 0, c;

	if (xen_cpu_read_online(h, now, &n) < 0)
		return;
	for (c = 0; c < n && c < XEN_MAX_CPUS; c++) {
		if (c < h->nr_cpus && now[c] == h->online[c])
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.type = HV_EVENT_CPU_CHANGED;
		ev.cpu = c;
		ev.online = now[c];
		snprintf(ev.detail, sizeof(ev.detail),
		         "physical cpu %u went %s (not by rasd)", c,
		         now[c] ? "online" : "offline");
		xen_queue_event(h, &ev);
		h->online[c] = now[c];
	}
	h->nr_cpus = n;
}

void xen_cpu_watch_drain(struct xen_host *h)
{
	char msg[4096];
	bool cpu_seen = false;
	ssize_t got;

	while ((got = recv(h->uevent_fd, msg, sizeof(msg), 0)) > 0)
		if (xen_uevent_is_cpu(msg, (size_t)got))
			cpu_seen = true;
	if (cpu_seen)
		xen_cpu_refresh(h);
}

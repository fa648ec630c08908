/* xen.c - the Xen backend's life (detect, open, close), its topology and
 * domains, and the event queue that hotplug and migrations feed. */
#include <cpuid.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hypervisor/xen/xen_internal.h"

static const struct hv_ops xen_ops;

int xen_fail(struct xen_host *h, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->hv.err, sizeof(h->hv.err), fmt, ap);
	va_end(ap);
	return rc;
}

int xen_fail_errno(struct xen_host *h, const char *fmt, ...)
{
	int saved = errno != 0 ? errno : EIO;
	size_t used;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->hv.err, sizeof(h->hv.err), fmt, ap);
	va_end(ap);
	used = strlen(h->hv.err);
	snprintf(h->hv.err + used, sizeof(h->hv.err) - used, ": %s",
	         strerror(saved));
	return -saved;
}

void xen_queue_event(struct xen_host *h, const struct hv_event *ev)
{
	if (h->n_queued == XEN_EVENT_QUEUE) {
		/* Keep the newest: a result matters more than old progress. */
		memmove(h->queue, h->queue + 1,
		        (XEN_EVENT_QUEUE - 1) * sizeof(*h->queue));
		h->n_queued--;
	}
	h->queue[h->n_queued++] = *ev;
	xen_wake(h);
}

/* Keeps event_fd readable while the queue holds something. */
void xen_wake(struct xen_host *h)
{
	uint64_t one = 1;

	if (h->wake_fd >= 0 && write(h->wake_fd, &one, sizeof(one)) < 0)
		return; /* the counter is already non-zero: readable anyway */
}

static void xen_wake_clear(struct xen_host *h)
{
	uint64_t count;

	if (h->wake_fd >= 0 && read(h->wake_fd, &count, sizeof(count)) < 0)
		return; /* EAGAIN: nothing was pending */
}

static void xen_path(const char *root, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", root != NULL ? root : "", path);
}

/* Reads /proc/xen/capabilities; "" when it says nothing. */
static int xen_read_capabilities(const char *root, char *caps, size_t len,
                                 char *err, size_t errlen)
{
	char path[512];
	FILE *f;

	xen_path(root, "/proc/xen/capabilities", path, sizeof(path));
	caps[0] = '\0';
	f = fopen(path, "re");
	if (f == NULL) {
		snprintf(err, errlen, "not a Xen host: %s: %s", path,
		         strerror(errno));
		return -1;
	}
	if (fgets(caps, (int)len, f) == NULL)
		caps[0] = '\0';
	fclose(f);
	return 0;
}

static int xen_check_control_domain(const char *root, char *err, size_t errlen)
{
	char caps[128];

	if (xen_read_capabilities(root, caps, sizeof(caps), err, errlen) < 0)
		return -1;
	if (strstr(caps, "control_d") == NULL) {
		snprintf(err, errlen,
		         "not a Xen control domain: %s%s says '%.*s' (a guest "
		         "cannot act on the hypervisor)",
		         root != NULL ? root : "", "/proc/xen/capabilities",
		         (int)strcspn(caps, "\n"), caps);
		return -1;
	}
	return 0;
}

bool hv_xen_detect(const char *root)
{
	char err[HV_ERR_MAX];

	return xen_check_control_domain(root, err, sizeof(err)) == 0;
}

static int xen_open_handles(struct xen_host *h, char *err, size_t errlen)
{
	xentoollog_logger *quiet;

	/* Errors reach the user through hv->err once; libxc stays quiet. */
	quiet = (xentoollog_logger *)xtl_createlogger_stdiostream(
	    stderr, XTL_CRITICAL, 0);
	errno = 0;
	h->xch = xc_interface_open(quiet, quiet, 0);
	if (h->xch == NULL) {
		snprintf(err, errlen,
		         "xc_interface_open: %s (rasd must run as root in "
		         "dom0 with xen-privcmd loaded)",
		         strerror(errno != 0 ? errno : EPERM));
		return -1;
	}
	h->xsh = xs_open(0);
	if (h->xsh == NULL) {
		snprintf(err, errlen, "xs_open: %s (is xenstored running?)",
		         strerror(errno));
		return -1;
	}
	return 0;
}

static int xen_open_events(struct xen_host *h, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};

	h->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epoll_fd < 0) {
		snprintf(err, errlen, "epoll_create1: %s", strerror(errno));
		return -1;
	}
	if (xen_cpu_watch_open(h) < 0) {
		snprintf(err, errlen, "%s", h->hv.err);
		return -1;
	}
	h->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ev.data.fd = h->wake_fd;
	if (h->wake_fd < 0 ||
	    epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->wake_fd, &ev) < 0) {
		snprintf(err, errlen, "eventfd: %s", strerror(errno));
		return -1;
	}
	if (xen_migrate_timer_open(h) < 0 || xen_domwatch_open(h) < 0) {
		snprintf(err, errlen, "%s", h->hv.err);
		return -1;
	}
	if (h->uevent_fd < 0)
		return 0;
	ev.data.fd = h->uevent_fd;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->uevent_fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl uevent: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void xen_close(struct hv *hv)
{
	struct xen_host *h = (struct xen_host *)hv;

	if (h == NULL)
		return;
	xen_migrate_close(h);
	xen_mce_close(h);
	if (h->uevent_fd >= 0)
		close(h->uevent_fd);
	if (h->timer_fd >= 0)
		close(h->timer_fd);
	if (h->wake_fd >= 0)
		close(h->wake_fd);
	if (h->epoll_fd >= 0)
		close(h->epoll_fd);
	if (h->xsh != NULL)
		xs_close(h->xsh);
	if (h->xch != NULL)
		xc_interface_close(h->xch);
	free(h);
}

static struct xen_host *xen_host_new(const struct clock *clock,
                                     const struct hv_options *opts)
{
	struct xen_host *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->hv.ops = &xen_ops;
	h->hv.clock = clock;
	h->mcelog_fd = -1;
	h->epoll_fd = -1;
	h->uevent_fd = -1;
	h->timer_fd = -1;
	h->wake_fd = -1;
	h->xs_fd = -1;
	if (opts != NULL && opts->root != NULL)
		snprintf(h->root, sizeof(h->root), "%s", opts->root);
	return h;
}

struct hv *hv_xen_open(const struct clock *clock, const struct hv_options *opts,
                       char *err, size_t errlen)
{
	struct xen_host *h;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (xen_check_control_domain(opts != NULL ? opts->root : NULL, err,
	                             errlen) < 0)
		return NULL;
	h = xen_host_new(clock, opts);
	if (h == NULL) {
		snprintf(err, errlen, "xen: out of memory");
		return NULL;
	}
	if (xen_open_handles(h, err, errlen) < 0 ||
	    xen_mce_open(h, err, errlen) < 0 ||
	    xen_open_events(h, err, errlen) < 0) {
		xen_close(&h->hv);
		return NULL;
	}
	if (xen_cpu_read_online(h, h->online, &h->nr_cpus) < 0) {
		snprintf(err, errlen, "%s", h->hv.err);
		xen_close(&h->hv);
		return NULL;
	}
	return &h->hv;
}

/* dom0 runs on the host's CPUs: CPUID tells the vendor and signature. */
static void xen_cpu_signature(struct hv_topology *out)
{
	unsigned eax, ebx, ecx, edx;

	if (__get_cpuid(0, &eax, &ebx, &ecx, &edx) == 0)
		return;
	if (ebx == 0x68747541) /* "Auth"enticAMD */
		out->cpu_vendor = MCE_VENDOR_AMD;
	else if (ebx == 0x6f677948) /* "Hygo"nGenuine */
		out->cpu_vendor = MCE_VENDOR_HYGON;
	else
		out->cpu_vendor = MCE_VENDOR_INTEL;
	if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0)
		out->cpuid = eax;
}

static int xen_topology(struct hv *hv, struct hv_topology *out)
{
	struct xen_host *h = (struct xen_host *)hv;
	xc_physinfo_t pi = {0};
	unsigned nodes = 0;

	memset(out, 0, sizeof(*out));
	if (xc_physinfo(h->xch, &pi) < 0)
		return xen_fail_errno(h, "topology: xc_physinfo");
	/* Only counted here: a NUMA-less host answers with one node. */
	if (xc_numainfo(h->xch, &nodes, NULL, NULL) < 0)
		return xen_fail_errno(h, "topology: xc_numainfo");
	out->threads_per_core = pi.threads_per_core;
	out->cores_per_socket = pi.cores_per_socket;
	out->nr_cpus = pi.max_cpu_id + 1;
	if (pi.threads_per_core != 0 && pi.cores_per_socket != 0)
		out->nr_sockets =
		    (out->nr_cpus + pi.threads_per_core * pi.cores_per_socket -
		     1) /
		    (pi.threads_per_core * pi.cores_per_socket);
	out->total_pages = pi.total_pages;
	out->free_pages = pi.free_pages;
	out->mce_poll_ms = 16000; /* Xen's mce poller: at most MCE_PERIOD_MAX */
	xen_cpu_signature(out);
	if (gethostname(out->host_name, sizeof(out->host_name) - 1) < 0)
		snprintf(out->host_name, sizeof(out->host_name), "xen");
	return 0;
}

static int xen_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	struct xen_host *h = (struct xen_host *)hv;
	xc_cputopo_t topo[XEN_MAX_CPUS];
	unsigned count = XEN_MAX_CPUS, i;

	*n = 0;
	/* Fresh states, and any change nobody announced becomes an event. */
	xen_cpu_refresh(h);
	if (xc_cputopoinfo(h->xch, &count, topo) < 0)
		return xen_fail_errno(h, "cpus: xc_cputopoinfo");
	for (i = 0; i < count && i < max; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].cpu = i;
		out[i].online = i < h->nr_cpus && h->online[i];
		if (topo[i].core == XEN_INVALID_CORE_ID)
			continue;
		out[i].socket = topo[i].socket;
		out[i].core = topo[i].core;
	}
	*n = count;
	return 0;
}

static int xen_dimms(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n)
{
	(void)hv;
	(void)out;
	(void)max;
	*n = 0; /* Xen knows no DIMMs; the [dimm] map and SMBIOS do */
	return 0;
}

void xen_domain_name(struct xen_host *h, uint32_t domid, char *buf, size_t len)
{
	char path[64];
	unsigned vlen = 0;
	char *name;

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	name = xs_read(h->xsh, XBT_NULL, path, &vlen);
	if (name == NULL) {
		snprintf(buf, len, "domain-%u", domid);
		return;
	}
	snprintf(buf, len, "%.*s", (int)vlen, name);
	free(name);
}

static int xen_domains(struct hv *hv, struct hv_domain *out, size_t max,
                       size_t *n)
{
	struct xen_host *h = (struct xen_host *)hv;
	xc_domaininfo_t info[256];
	int got, i;
	size_t count = 0;

	*n = 0;
	got = xc_domain_getinfolist(h->xch, 0, 256, info);
	if (got < 0)
		return xen_fail_errno(h, "domains: xc_domain_getinfolist");
	for (i = 0; i < got; i++) {
		if (info[i].flags & XEN_DOMINF_dying)
			continue;
		if (count < max) {
			memset(&out[count], 0, sizeof(out[count]));
			out[count].domid = info[i].domain;
			out[count].mem_bytes =
			    (uint64_t)info[i].tot_pages * XC_PAGE_SIZE;
			out[count].control = info[i].domain == 0;
			xen_domain_name(h, info[i].domain, out[count].name,
			                sizeof(out[count].name));
		}
		count++;
	}
	*n = count;
	return 0;
}

static int xen_event_fd(struct hv *hv)
{
	return ((struct xen_host *)hv)->epoll_fd;
}

static void xen_poll_sources(struct xen_host *h)
{
	struct epoll_event evs[16];
	int n, i;

	n = epoll_wait(h->epoll_fd, evs, 16, 0);
	for (i = 0; i < n; i++) {
		if (evs[i].data.fd == h->uevent_fd)
			xen_cpu_watch_drain(h);
		else if (evs[i].data.fd == h->timer_fd)
			xen_migrate_check_deadlines(h);
		else if (evs[i].data.fd == h->wake_fd)
			xen_wake_clear(h);
		else if (evs[i].data.fd == h->xs_fd)
			xen_domwatch_fire(h);
		else
			xen_migrate_drain(h, evs[i].data.fd);
	}
}

static int xen_events(struct hv *hv, struct hv_event *out, size_t max,
                      size_t *n)
{
	struct xen_host *h = (struct xen_host *)hv;
	size_t take;

	xen_poll_sources(h);
	take = h->n_queued < max ? h->n_queued : max;
	memcpy(out, h->queue, take * sizeof(*out));
	memmove(h->queue, h->queue + take,
	        (h->n_queued - take) * sizeof(*h->queue));
	h->n_queued -= take;
	if (h->n_queued > 0)
		xen_wake(h); /* the caller comes back for the rest */
	*n = take;
	return 0;
}

static const struct hv_ops xen_ops = {
    .name = "xen",
    .topology = xen_topology,
    .cpus = xen_cpus,
    .dimms = xen_dimms,
    .domains = xen_domains,
    .domains_on_range = xen_domains_on_range,
    .page_query = xen_page_query,
    .page_offline = xen_page_offline,
    .page_offline_hard = NULL,
    .page_online = xen_page_online,
    .cpu_offline = xen_cpu_offline,
    .cpu_online = xen_cpu_online,
    .migrate_start = xen_migrate_start,
    .event_fd = xen_event_fd,
    .events = xen_events,
    .mce_source = xen_mce_source,
    .inject = xen_inject,
    .close = xen_close,
};

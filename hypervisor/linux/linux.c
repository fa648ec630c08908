/* linux.c - the Linux host backend: opening its parts (tracefs or the
 * legacy /dev/mcelog, libvirt), its event queue, and the ops table. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "hypervisor/linux/linux.h"
#include "hypervisor/linux/linux_int.h"

int linux_path(const struct linux_host *h, char *buf, size_t len,
               const char *fmt, ...)
{
	size_t used = strlen(h->root);
	va_list ap;
	int n;

	if (used >= len)
		return -ENAMETOOLONG;
	memcpy(buf, h->root, used + 1);
	va_start(ap, fmt);
	n = vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= len - used)
		return -ENAMETOOLONG;
	return 0;
}

int linux_fail(struct linux_host *h, int rc, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->hv.err, sizeof(h->hv.err), fmt, ap);
	va_end(ap);
	return rc;
}

int linux_read_text(const char *path, char *buf, size_t len)
{
	ssize_t got;
	int fd, saved;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = read(fd, buf, len - 1);
	saved = errno;
	close(fd);
	if (got < 0)
		return -saved;
	buf[got] = '\0';
	while (got > 0 && (buf[got - 1] == '\n' || buf[got - 1] == ' '))
		buf[--got] = '\0';
	return 0;
}

int linux_read_u64(const char *path, uint64_t *out)
{
	char text[64], *end;
	int rc = linux_read_text(path, text, sizeof(text));

	if (rc < 0)
		return rc;
	errno = 0;
	*out = strtoull(text, &end, 0);
	if (errno != 0 || end == text)
		return -EINVAL;
	return 0;
}

int linux_write_text(const char *path, const char *text)
{
	size_t len = strlen(text);
	ssize_t put;
	int fd, saved;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	put = write(fd, text, len);
	saved = errno;
	if (close(fd) < 0 && put >= 0) {
		saved = errno;
		put = -1;
	}
	if (put < 0)
		return -saved;
	return (size_t)put == len ? 0 : -EIO;
}

static void queue_raise(struct linux_host *h)
{
	uint64_t one = 1;

	if (write(h->queue_fd, &one, sizeof(one)) < 0)
		return; /* saturated: still readable */
}

static void queue_clear(struct linux_host *h)
{
	uint64_t count;

	if (read(h->queue_fd, &count, sizeof(count)) < 0)
		return; /* EAGAIN: already clear */
}

void linux_event_push(struct linux_host *h, const struct hv_event *ev)
{
	if (h->n_queue == LINUX_QUEUE_MAX) {
		h->events_dropped++;
		return;
	}
	h->queue[h->n_queue++] = *ev;
	queue_raise(h);
}

static int linux_event_fd(struct hv *hv)
{
	return ((struct linux_host *)hv)->event_epoll;
}

static int linux_events(struct hv *hv, struct hv_event *out, size_t max,
                        size_t *n)
{
	struct linux_host *h = (struct linux_host *)hv;
	size_t take;

	if (h->virt != NULL)
		linux_virt_collect(h->virt);
	if (h->uevent_fd >= 0)
		linux_uevent_collect(h);
	take = h->n_queue < max ? h->n_queue : max;
	memcpy(out, h->queue, take * sizeof(*out));
	memmove(h->queue, h->queue + take,
	        (h->n_queue - take) * sizeof(*h->queue));
	h->n_queue -= take;
	*n = take;
	if (h->n_queue == 0)
		queue_clear(h);
	return 0;
}

static int linux_mce_source(struct hv *hv, struct mce_reader **reader,
                            int *poll_fd)
{
	struct linux_host *h = (struct linux_host *)hv;

	if (h->tracefs != NULL) {
		*reader = linux_tracefs_reader(h->tracefs);
		*poll_fd = linux_tracefs_poll_fd(h->tracefs);
		return 0;
	}
	*reader = h->mcelog;
	*poll_fd = h->mcelog_fd;
	return 0;
}

static int linux_dimms(struct hv *hv, struct hv_dimm *out, size_t max,
                       size_t *n)
{
	/* EDAC names DIMMs but not their address ranges: the policy's
	 * [dimm] map gives those. */
	(void)hv;
	(void)out;
	(void)max;
	*n = 0;
	return 0;
}

static int linux_no_domains(struct hv *hv, struct hv_domain *out, size_t max,
                            size_t *n)
{
	(void)hv;
	(void)out;
	(void)max;
	*n = 0;
	return 0;
}

static int linux_domains_any(struct hv *hv, struct hv_domain *out, size_t max,
                             size_t *n)
{
	if (((struct linux_host *)hv)->virt == NULL)
		return linux_no_domains(hv, out, max, n);
	return linux_domains(hv, out, max, n);
}

static int linux_migrate_any(struct hv *hv, uint32_t domid, const char *peer,
                             uint64_t *migration_id)
{
	struct linux_host *h = (struct linux_host *)hv;

	if (h->virt == NULL)
		return linux_fail(h, -ENOTSUP,
		                  "migrate domain %u: no libvirt (linux:none)",
		                  domid);
	return linux_migrate_start(hv, domid, peer, migration_id);
}

static void linux_close(struct hv *hv)
{
	struct linux_host *h = (struct linux_host *)hv;

	if (h == NULL)
		return;
	linux_virt_close(h->virt);
	linux_tracefs_close(h->tracefs);
	if (h->mcelog != NULL)
		mce_reader_close(h->mcelog);
	if (h->mcelog_fd >= 0)
		close(h->mcelog_fd);
	if (h->event_epoll >= 0)
		close(h->event_epoll);
	if (h->queue_fd >= 0)
		close(h->queue_fd);
	if (h->uevent_fd >= 0)
		close(h->uevent_fd);
	free(h);
}

static const struct hv_ops linux_ops = {
    .name = "linux",
    .topology = linux_topology,
    .cpus = linux_cpus,
    .dimms = linux_dimms,
    .domains = linux_domains_any,
    .domains_on_range = linux_domains_on_range,
    .page_query = linux_page_query,
    .page_offline = linux_page_offline,
    .page_offline_hard = linux_page_offline_hard,
    .page_online = NULL, /* unpoisoning is a debugfs test hook only */
    .cpu_offline = linux_cpu_offline,
    .cpu_online = linux_cpu_online,
    .migrate_start = linux_migrate_any,
    .event_fd = linux_event_fd,
    .events = linux_events,
    .mce_source = linux_mce_source,
    .inject = NULL,
    .close = linux_close,
};

static int epoll_watch(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int open_queue(struct linux_host *h, char *err, size_t errlen)
{
	h->queue_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	h->event_epoll = epoll_create1(EPOLL_CLOEXEC);
	if (h->queue_fd < 0 || h->event_epoll < 0 ||
	    epoll_watch(h->event_epoll, h->queue_fd) < 0) {
		snprintf(err, errlen, "linux: event queue: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * A kernel built with CONFIG_X86_MCELOG_LEGACY hands records out through
 * /dev/mcelog as well; tracefs is preferred when both are there, since
 * it also carries EDAC and memory_failure events.
 */
static int open_mcelog(struct linux_host *h, const char *why, char *err,
                       size_t errlen)
{
	char path[PATH_MAX];
	int rc = linux_path(h, path, sizeof(path), "/dev/mcelog");

	if (rc == 0)
		h->mcelog_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rc < 0 || h->mcelog_fd < 0) {
		snprintf(err, errlen, "%s; and no legacy %s", why,
		         rc < 0 ? "/dev/mcelog" : path);
		return -1;
	}
	return mce_reader_open_fd(&h->mcelog, h->mcelog_fd, NULL, err, errlen);
}

static int open_sources(struct linux_host *h, const struct hv_options *opts,
                        char *err, size_t errlen)
{
	char why[512];

	if (linux_tracefs_open(h, opts->tracefs, &h->tracefs, why,
	                       sizeof(why)) == 0)
		return 0;
	return open_mcelog(h, why, err, errlen);
}

/*
 * CPUs hotplugged by someone else come as uevents. Under a test root
 * there is no kernel to hear; without the socket rasd only misses news.
 */
static void open_uevents(struct linux_host *h)
{
	char why[160];
	struct hv_event ev;

	if (h->root[0] != '\0')
		return;
	h->uevent_fd = linux_uevent_open(why, sizeof(why));
	if (h->uevent_fd >= 0 && epoll_watch(h->event_epoll, h->uevent_fd) == 0)
		return;
	if (h->uevent_fd >= 0)
		snprintf(why, sizeof(why), "linux: kernel uevents: epoll: %s",
		         strerror(errno));
	memset(&ev, 0, sizeof(ev));
	ev.type = HV_EVENT_SOURCE_ERROR;
	ev.error = errno;
	snprintf(ev.detail, sizeof(ev.detail),
	         "%s: CPU changes outside rasd go unnoticed", why);
	linux_event_push(h, &ev);
}

static int open_virt(struct linux_host *h, const struct hv_options *opts,
                     char *err, size_t errlen)
{
	const char *uri = opts->libvirt_uri;

	if (uri != NULL && strcmp(uri, "none") == 0)
		return 0;
	if (uri == NULL || *uri == '\0')
		uri = "qemu:///system";
	if (linux_virt_open(h, uri, &h->virt, err, errlen) < 0)
		return -1;
	if (epoll_watch(h->event_epoll, linux_virt_poll_fd(h->virt)) < 0) {
		snprintf(err, errlen, "linux: libvirt events: %s",
		         strerror(errno));
		return -1;
	}
	return 0;
}

struct hv *hv_linux_open(const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen)
{
	static const struct hv_options none = {0};
	struct linux_host *h;

	if (opts == NULL)
		opts = &none;
	h = calloc(1, sizeof(*h));
	if (h == NULL) {
		snprintf(err, errlen, "linux: out of memory");
		return NULL;
	}
	h->hv.ops = &linux_ops;
	h->hv.clock = clock;
	h->mcelog_fd = h->queue_fd = h->event_epoll = h->uevent_fd = -1;
	if (opts->root != NULL &&
	    snprintf(h->root, sizeof(h->root), "%s", opts->root) >=
	        (int)sizeof(h->root)) {
		snprintf(err, errlen, "linux: root %.64s...: too long",
		         opts->root);
		linux_close(&h->hv);
		return NULL;
	}
	if (open_queue(h, err, errlen) < 0 ||
	    open_sources(h, opts, err, errlen) < 0 ||
	    open_virt(h, opts, err, errlen) < 0) {
		linux_close(&h->hv);
		return NULL;
	}
	open_uevents(h);
	return &h->hv;
}

/* linux_tracefs.c - the live tracefs source: finds or mounts tracefs, binds
 * the events by their format files, enables them, and reads every CPU's
 * trace_pipe_raw into /dev/mcelog-shaped records (and PCIe, CXL and
 * firmware memory events) behind one poll fd. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "hypervisor/linux/linux_int.h"

#define REC_LEN         MCE_RECORD_LEN_LINUX
#define LOG_LEN         32   /* records per read of the reader */
#define QUEUE_RECORDS   1024 /* decoded, not yet handed out */
#define PAGES_PER_CPU   16   /* per fill, so one busy CPU cannot starve */
#define FORMAT_MAX      (64 * 1024)
#define MIN_EVENT_BYTES 64 /* no bound event is smaller: room per page */

struct tr_cpu {
	uint32_t cpu;
	int fd;
};

struct linux_tracefs {
	struct linux_host *h;
	char dir[PATH_MAX];
	struct tracefs_events ev;
	struct linux_mf_map mf;
	bool have_mf;
	/* ras:aer_event, cxl:*: one binding each, n_pcie of them */
	struct pcie_binding pcie[PCIE_N_EVENTS];
	size_t n_pcie;
	struct extlog_binding extlog;
	bool have_extlog;
	int epfd;       /* the poll fd: every CPU's ring plus pending_fd */
	int pending_fd; /* eventfd: readable while decoded records wait */
	int timer_fd;   /* 1 s ticks when the rings cannot wake rasd */
	struct tr_cpu *cpus;
	size_t n_cpus;
	unsigned char *page;
	size_t page_size;
	unsigned char *queue; /* QUEUE_RECORDS records of REC_LEN bytes */
	size_t q_start, q_count;
	int flags; /* MCE_FLAG_OVERFLOW until the reader asks */
	uint32_t cur_cpu;
	struct mce_reader *reader;
};

static void source_error(struct linux_tracefs *t, int error, const char *fmt,
                         ...) __attribute__((format(printf, 3, 4)));

static void source_error(struct linux_tracefs *t, int error, const char *fmt,
                         ...)
{
	struct hv_event ev;
	va_list ap;

	memset(&ev, 0, sizeof(ev));
	ev.type = HV_EVENT_SOURCE_ERROR;
	ev.error = error;
	va_start(ap, fmt);
	vsnprintf(ev.detail, sizeof(ev.detail), fmt, ap);
	va_end(ap);
	linux_event_push(t->h, &ev);
}

static void pending_set(struct linux_tracefs *t, bool on)
{
	uint64_t v = 1;

	if (on) {
		if (write(t->pending_fd, &v, sizeof(v)) < 0)
			return; /* saturated: still readable */
	} else if (read(t->pending_fd, &v, sizeof(v)) < 0) {
		return; /* already clear */
	}
}

/* Consume a timerfd's ticks; EAGAIN just means there were none. */
static void timer_consume(int fd)
{
	uint64_t ticks;

	if (read(fd, &ticks, sizeof(ticks)) < 0)
		return;
}

static void queue_record(struct linux_tracefs *t, const struct mce_record *r)
{
	size_t slot;

	if (t->q_count == QUEUE_RECORDS) {
		t->flags |= MCE_FLAG_OVERFLOW;
		return;
	}
	slot = (t->q_start + t->q_count) % QUEUE_RECORDS;
	if (mce_record_encode(r, t->queue + slot * REC_LEN, REC_LEN) < 0) {
		t->flags |= MCE_FLAG_OVERFLOW;
		return;
	}
	t->q_count++;
}

static void on_memory_failure(struct linux_tracefs *t, const void *data,
                              size_t len)
{
	struct linux_mf_event e;
	struct hv_event ev;
	char err[160];

	if (linux_mf_decode(&t->mf, data, len, &e, err, sizeof(err)) < 0) {
		source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu, err);
		return;
	}
	memset(&ev, 0, sizeof(ev));
	ev.type = HV_EVENT_MEMORY_FAILURE;
	ev.pfn = e.pfn;
	linux_mf_describe(&t->mf, &e, ev.detail, sizeof(ev.detail));
	linux_event_push(t->h, &ev);
}

/*
 * EDAC's view of a memory error: the machine check behind it (when there
 * is one) arrives as mce_record too, so it is checked, not counted twice.
 */
/*
 * The EDAC driver's view of a memory error the kernel traced as a
 * machine check already (skx_edac and i10nm_edac run from the decode
 * chain): its driver detail says where in the DRAM. rasd merges it with
 * that record, or counts it when there was none.
 */
static void on_mc_event(struct linux_tracefs *t, const void *data, size_t len)
{
	struct hv_event ev;
	char err[160];

	memset(&ev, 0, sizeof(ev));
	if (tracefs_mc_decode(&t->ev.mc, data, len, &ev.edac, err,
	                      sizeof(err)) < 0) {
		source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu, err);
		return;
	}
	ev.type = HV_EVENT_EDAC_MEMORY;
	ev.cpu = t->cur_cpu;
	linux_event_push(t->h, &ev);
}

/* A PCIe AER or CXL error: health and counters, never a record. */
static void on_device_error(struct linux_tracefs *t,
                            const struct pcie_binding *b, const void *data,
                            size_t len)
{
	struct hv_event ev;
	char err[160];

	memset(&ev, 0, sizeof(ev));
	if (pcie_decode(b, data, len, &ev.dev, err, sizeof(err)) < 0) {
		source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu, err);
		return;
	}
	ev.type = HV_EVENT_DEVICE_ERROR;
	linux_event_push(t->h, &ev);
}

/*
 * The firmware's view of a machine check the kernel has traced already
 * (acpi_extlog runs from the decode chain after mce_log): rasd merges it
 * with that record, or counts it when there was none.
 */
static void on_extlog(struct linux_tracefs *t, const void *data, size_t len)
{
	struct hv_event ev;
	char err[160];

	memset(&ev, 0, sizeof(ev));
	if (extlog_decode(&t->extlog, data, len, &ev.fwmem, err, sizeof(err)) <
	    0) {
		source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu, err);
		return;
	}
	ev.type = HV_EVENT_FIRMWARE_MEMORY;
	ev.cpu = t->cur_cpu;
	linux_event_push(t->h, &ev);
}

static const struct pcie_binding *pcie_of(const struct linux_tracefs *t,
                                          uint64_t type)
{
	size_t i;

	for (i = 0; i < t->n_pcie; i++)
		if (t->pcie[i].tb.id == type)
			return &t->pcie[i];
	return NULL;
}

static int on_event(void *arg, const unsigned char *data, size_t len,
                    uint64_t ts)
{
	const struct pcie_binding *pb;
	struct linux_tracefs *t = arg;
	struct mce_record r;
	uint64_t type = 0;
	char err[160];
	size_t i;

	(void)ts;
	for (i = 0; i < t->ev.type_size && t->ev.type_offset + i < len; i++)
		type |= (uint64_t)data[t->ev.type_offset + i] << (8 * i);
	if (t->ev.have_mce && type == t->ev.mce.id) {
		if (tracefs_mce_decode(&t->ev.mce, data, len, &r, err,
		                       sizeof(err)) < 0)
			source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu,
			             err);
		else
			queue_record(t, &r);
	} else if (t->ev.have_mc && type == t->ev.mc.id) {
		on_mc_event(t, data, len);
	} else if (t->have_mf && type == t->mf.id) {
		on_memory_failure(t, data, len);
	} else if (t->have_extlog && type == t->extlog.tb.id) {
		on_extlog(t, data, len);
	} else if ((pb = pcie_of(t, type)) != NULL) {
		on_device_error(t, pb, data, len);
	}
	return 0;
}

static void decode_page(struct linux_tracefs *t, size_t len)
{
	struct tracefs_page_info info;
	char err[TRACEFS_ERROR_LEN];

	memset(&info, 0, sizeof(info));
	if (tracefs_page_walk(t->page, len, on_event, t, &info, err,
	                      sizeof(err)) < 0)
		source_error(t, EPROTO, "tracefs cpu%u: %s", t->cur_cpu, err);
	if (!info.missed)
		return;
	t->flags |= MCE_FLAG_OVERFLOW;
	if (info.lost_known)
		source_error(t, ENOBUFS,
		             "tracefs cpu%u: the ring buffer lost %llu events",
		             t->cur_cpu, (unsigned long long)info.lost);
	else
		source_error(t, ENOBUFS,
		             "tracefs cpu%u: the ring buffer lost events",
		             t->cur_cpu);
}

static bool queue_has_room(const struct linux_tracefs *t)
{
	return QUEUE_RECORDS - t->q_count >= t->page_size / MIN_EVENT_BYTES;
}

/* Whole pages while there is room; what stays keeps its fd readable. */
static void fill_from_cpu(struct linux_tracefs *t, const struct tr_cpu *c)
{
	ssize_t got;
	int i;

	t->cur_cpu = c->cpu;
	for (i = 0; i < PAGES_PER_CPU && queue_has_room(t); i++) {
		got = read(c->fd, t->page, t->page_size);
		if (got < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (got < 0) {
			source_error(t, errno,
			             "tracefs per_cpu/cpu%u/trace_pipe_raw: %s",
			             c->cpu, strerror(errno));
			return;
		}
		if (got == 0)
			return;
		decode_page(t, (size_t)got);
	}
}

static ssize_t tr_read(void *ctx, void *buf, size_t len)
{
	struct linux_tracefs *t = ctx;
	size_t i, n, first;

	if (t->timer_fd >= 0)
		timer_consume(t->timer_fd);
	if (t->q_count == 0)
		for (i = 0; i < t->n_cpus; i++)
			fill_from_cpu(t, &t->cpus[i]);
	n = len / REC_LEN;
	if (n > t->q_count)
		n = t->q_count;
	for (i = 0; i < n; i++) {
		first = (t->q_start + i) % QUEUE_RECORDS;
		memcpy((unsigned char *)buf + i * REC_LEN,
		       t->queue + first * REC_LEN, REC_LEN);
	}
	t->q_start = (t->q_start + n) % QUEUE_RECORDS;
	t->q_count -= n;
	pending_set(t, false);
	if (t->q_count > 0)
		pending_set(t, true);
	return (ssize_t)(n * REC_LEN);
}

static int tr_ioctl(void *ctx, unsigned long request, int *value)
{
	struct linux_tracefs *t = ctx;

	switch (request) {
	case MCE_IOCTL_GET_RECORD_LEN:
		*value = REC_LEN;
		return 0;
	case MCE_IOCTL_GET_LOG_LEN:
		*value = LOG_LEN;
		return 0;
	case MCE_IOCTL_GETCLEAR_FLAGS:
		*value = t->flags;
		t->flags = 0;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct mce_dev_ops tr_ops = {
    .read = tr_read,
    .ioctl = tr_ioctl,
};

static bool has_events(const char *dir)
{
	char path[PATH_MAX + 16];

	snprintf(path, sizeof(path), "%s/events", dir);
	return access(path, F_OK) == 0;
}

/* tracefs, or debugfs's tracing/ on kernels before 4.1. */
static int find_dir(struct linux_tracefs *t, const char *given, char *err,
                    size_t errlen)
{
	struct linux_host *h = t->h;
	int rc;

	if (given != NULL && *given != '\0') {
		snprintf(t->dir, sizeof(t->dir), "%s", given);
		if (has_events(t->dir))
			return 0;
		snprintf(err, errlen,
		         "tracefs: %s has no events/: not a "
		         "tracefs mount",
		         given);
		return -1;
	}
	if (linux_path(h, t->dir, sizeof(t->dir), "/sys/kernel/tracing") == 0 &&
	    has_events(t->dir))
		return 0;
	if (linux_path(h, t->dir, sizeof(t->dir),
	               "/sys/kernel/debug/tracing") == 0 &&
	    has_events(t->dir))
		return 0;
	linux_path(h, t->dir, sizeof(t->dir), "/sys/kernel/tracing");
	if (h->root[0] != '\0' || geteuid() != 0) {
		snprintf(err, errlen,
		         "tracefs: %s is not mounted (mount -t tracefs nodev "
		         "%s, or run rasd as root to let it)",
		         t->dir, t->dir);
		return -1;
	}
	rc = mount("nodev", t->dir, "tracefs", 0, NULL);
	if (rc < 0 || !has_events(t->dir)) {
		snprintf(err, errlen,
		         "tracefs: %s is not mounted and "
		         "mounting it failed: %s",
		         t->dir,
		         rc < 0 ? strerror(errno) : "no events/ after mount");
		return -1;
	}
	return 0;
}

static int read_format(const char *path, char **text, size_t *len)
{
	ssize_t got;
	int fd = open(path, O_RDONLY | O_CLOEXEC), saved;

	if (fd < 0)
		return -errno;
	*text = malloc(FORMAT_MAX);
	if (*text == NULL) {
		close(fd);
		return -ENOMEM;
	}
	*len = 0;
	while ((got = read(fd, *text + *len, FORMAT_MAX - 1 - *len)) > 0)
		*len += (size_t)got;
	saved = errno;
	close(fd);
	if (got < 0) {
		free(*text);
		return -saved;
	}
	(*text)[*len] = '\0';
	return 0;
}

static int bind_pcie(struct linux_tracefs *t, const struct tracefs_format *fmt,
                     char *why, size_t len)
{
	int rc;

	if (t->n_pcie == PCIE_N_EVENTS)
		return 0;
	rc = pcie_bind(fmt, &t->pcie[t->n_pcie], why, len);
	if (rc == 1)
		t->n_pcie++;
	return rc;
}

/* By the event's own name: each decoder binds its fields from fmt. */
static int bind_format(struct linux_tracefs *t,
                       const struct tracefs_format *fmt, const char *text,
                       size_t len, char *why, size_t whylen)
{
	int rc;

	if (strcmp(fmt->name, "memory_failure_event") == 0) {
		rc = linux_mf_bind(fmt, text, len, &t->mf, why, whylen);
		t->have_mf = rc == 0;
		return rc;
	}
	if (strcmp(fmt->name, "extlog_mem_event") == 0) {
		rc = extlog_bind(fmt, &t->extlog, why, whylen);
		t->have_extlog = rc == 0;
		return rc;
	}
	rc = bind_pcie(t, fmt, why, whylen);
	if (rc != 0)
		return rc < 0 ? -1 : 0;
	return tracefs_events_add(&t->ev, fmt, why, whylen) < 0 ? -1 : 0;
}

/* Bind one event; 1 when its format file is absent and it is optional. */
static int bind_event(struct linux_tracefs *t, const char *event, bool required,
                      char *err, size_t errlen)
{
	struct tracefs_format *fmt = malloc(sizeof(*fmt));
	char path[PATH_MAX + 64], why[TRACEFS_ERROR_LEN];
	char *text = NULL;
	size_t len = 0;
	int rc;

	snprintf(path, sizeof(path), "%s/events/%s/format", t->dir, event);
	rc = fmt == NULL ? -ENOMEM : read_format(path, &text, &len);
	if (rc < 0) {
		free(fmt);
		if (rc == -ENOENT && !required)
			return 1;
		snprintf(err, errlen, "tracefs: event %s: %s: %s", event, path,
		         strerror(-rc));
		return -1;
	}
	rc = tracefs_format_parse(text, len, path, fmt, NULL, why, sizeof(why));
	if (rc == 0)
		rc = bind_format(t, fmt, text, len, why, sizeof(why));
	free(text);
	free(fmt);
	if (rc < 0) {
		snprintf(err, errlen, "tracefs: event %s: %s", event, why);
		return -1;
	}
	return 0;
}

static int enable_event(struct linux_tracefs *t, const char *event, char *err,
                        size_t errlen)
{
	char path[PATH_MAX + 64];
	int rc;

	snprintf(path, sizeof(path), "%s/events/%s/enable", t->dir, event);
	rc = linux_write_text(path, "1");
	if (rc < 0) {
		snprintf(err, errlen,
		         "tracefs: event %s: enabling through %s: "
		         "%s",
		         event, path, strerror(-rc));
		return -1;
	}
	return 0;
}

/* Without an optional event rasd still runs; it says what lacks. */
static void bind_optional(struct linux_tracefs *t, const char *event, char *err,
                          size_t errlen)
{
	int rc = bind_event(t, event, false, err, errlen);

	if (rc == 0)
		rc = enable_event(t, event, err, errlen);
	if (rc < 0)
		source_error(t, EPROTO, "%s", err);
}

/*
 * The PCIe and CXL events a kernel lacks (Linux 6.1 has no cxl:*) are
 * left out silently; one whose format rasd cannot read is reported.
 */
static int bind_events(struct linux_tracefs *t, char *err, size_t errlen)
{
	static const char *const optional[] = {
	    "ras/mc_event", "ras/memory_failure_event", "ras/extlog_mem_event"};
	size_t i;

	tracefs_events_init(&t->ev);
	if (bind_event(t, "mce/mce_record", true, err, errlen) < 0 ||
	    enable_event(t, "mce/mce_record", err, errlen) < 0)
		return -1;
	for (i = 0; i < sizeof(optional) / sizeof(optional[0]); i++)
		bind_optional(t, optional[i], err, errlen);
	for (i = 0; pcie_event_path(i) != NULL; i++)
		bind_optional(t, pcie_event_path(i), err, errlen);
	err[0] = '\0';
	return 0;
}

/* Someone may have stopped tracing; nothing is recorded until it runs. */
static void tracing_on(struct linux_tracefs *t)
{
	char path[PATH_MAX + 16], text[8];
	int rc;

	snprintf(path, sizeof(path), "%s/tracing_on", t->dir);
	if (linux_read_text(path, text, sizeof(text)) == 0 &&
	    strcmp(text, "0") == 0 && (rc = linux_write_text(path, "1")) < 0)
		source_error(t, -rc, "tracefs: %s: cannot restart tracing",
		             path);
}

static int add_timer(struct linux_tracefs *t)
{
	struct itimerspec its = {{1, 0}, {1, 0}};
	struct epoll_event ev = {.events = EPOLLIN};

	t->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->timer_fd < 0 || timerfd_settime(t->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	ev.data.fd = t->timer_fd;
	return epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->timer_fd, &ev) < 0 ? -errno
	                                                               : 0;
}

/*
 * Since Linux 5.1 a poll on trace_pipe_raw waits for buffer_percent of
 * the ring (default 50) to fill: a lone machine check would sit there
 * unread. 0 wakes on every event; it must be set before the rings are
 * polled, since a poll queues on the waiters the setting chose then.
 * Where it cannot be set, a 1 s timer reads the rings instead; where the
 * file is absent, any event wakes. Never fails: it returns 0.
 */
static int wake_on_every_event(struct linux_tracefs *t)
{
	char path[PATH_MAX + 16], text[16];
	int rc;

	snprintf(path, sizeof(path), "%s/buffer_percent", t->dir);
	if (linux_read_text(path, text, sizeof(text)) == -ENOENT ||
	    strcmp(text, "0") == 0)
		return 0;
	rc = linux_write_text(path, "0");
	if (rc == 0)
		return 0;
	source_error(t, -rc,
	             "tracefs: %s: cannot set 0, reading the rings "
	             "every second instead",
	             path);
	rc = add_timer(t);
	if (rc < 0)
		source_error(t, -rc,
		             "tracefs: no timer either: records wait "
		             "until the rings are half full");
	return 0;
}

static int add_cpu(struct linux_tracefs *t, uint32_t cpu, char *err,
                   size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	char path[PATH_MAX + 64];
	struct tr_cpu *grown;
	int fd;

	snprintf(path, sizeof(path), "%s/per_cpu/cpu%u/trace_pipe_raw", t->dir,
	         cpu);
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "tracefs: %s: %s", path, strerror(errno));
		return -1;
	}
	grown = realloc(t->cpus, (t->n_cpus + 1) * sizeof(*t->cpus));
	if (grown == NULL) {
		close(fd);
		snprintf(err, errlen, "tracefs: out of memory");
		return -1;
	}
	t->cpus = grown;
	t->cpus[t->n_cpus].cpu = cpu;
	t->cpus[t->n_cpus++].fd = fd;
	ev.data.fd = fd;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "tracefs: %s cannot be polled: %s", path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

static int cpu_order(const void *a, const void *b)
{
	const struct tr_cpu *x = a, *y = b;

	return x->cpu < y->cpu ? -1 : x->cpu > y->cpu;
}

static int open_cpus(struct linux_tracefs *t, char *err, size_t errlen)
{
	char path[PATH_MAX + 16], *end;
	struct dirent *de;
	unsigned long cpu;
	DIR *dir;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/per_cpu", t->dir);
	dir = opendir(path);
	if (dir == NULL) {
		snprintf(err, errlen, "tracefs: %s: %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && (de = readdir(dir)) != NULL) {
		if (strncmp(de->d_name, "cpu", 3) != 0)
			continue;
		cpu = strtoul(de->d_name + 3, &end, 10);
		if (end == de->d_name + 3 || *end != '\0' || cpu > UINT32_MAX)
			continue;
		rc = add_cpu(t, (uint32_t)cpu, err, errlen);
	}
	closedir(dir);
	/* CPU order, whatever readdir's: each fill reads cpu0 first. */
	if (t->n_cpus > 1)
		qsort(t->cpus, t->n_cpus, sizeof(*t->cpus), cpu_order);
	if (rc == 0 && t->n_cpus == 0) {
		snprintf(err, errlen, "tracefs: %s lists no cpuN", path);
		return -1;
	}
	return rc;
}

static int open_fds(struct linux_tracefs *t, char *err, size_t errlen)
{
	struct epoll_event ev = {.events = EPOLLIN};
	long ps = sysconf(_SC_PAGESIZE);

	t->page_size = ps > 0 ? (size_t)ps : 4096;
	t->page = malloc(t->page_size);
	t->queue = malloc((size_t)QUEUE_RECORDS * REC_LEN);
	t->epfd = epoll_create1(EPOLL_CLOEXEC);
	t->pending_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (t->page == NULL || t->queue == NULL || t->epfd < 0 ||
	    t->pending_fd < 0) {
		snprintf(err, errlen, "tracefs: %s", strerror(errno));
		return -1;
	}
	ev.data.fd = t->pending_fd;
	if (epoll_ctl(t->epfd, EPOLL_CTL_ADD, t->pending_fd, &ev) < 0) {
		snprintf(err, errlen, "tracefs: epoll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int linux_tracefs_open(struct linux_host *h, const char *tracefs,
                       struct linux_tracefs **out, char *err, size_t errlen)
{
	struct mce_reader_opts ro = {0};
	struct linux_tracefs *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (t == NULL) {
		snprintf(err, errlen, "tracefs: out of memory");
		return -1;
	}
	t->h = h;
	t->epfd = t->pending_fd = t->timer_fd = -1;
	if (find_dir(t, tracefs, err, errlen) < 0 ||
	    bind_events(t, err, errlen) < 0 || open_fds(t, err, errlen) < 0 ||
	    wake_on_every_event(t) < 0 || open_cpus(t, err, errlen) < 0 ||
	    mce_reader_open_ops(&t->reader, &tr_ops, t, &ro, err, errlen) < 0) {
		linux_tracefs_close(t);
		return -1;
	}
	tracing_on(t);
	*out = t;
	return 0;
}

struct mce_reader *linux_tracefs_reader(struct linux_tracefs *t)
{
	return t->reader;
}

int linux_tracefs_poll_fd(const struct linux_tracefs *t)
{
	return t->epfd;
}

void linux_tracefs_close(struct linux_tracefs *t)
{
	size_t i;

	if (t == NULL)
		return;
	if (t->reader != NULL)
		mce_reader_close(t->reader);
	for (i = 0; i < t->n_cpus; i++)
		close(t->cpus[i].fd);
	if (t->epfd >= 0)
		close(t->epfd);
	if (t->pending_fd >= 0)
		close(t->pending_fd);
	if (t->timer_fd >= 0)
		close(t->timer_fd);
	free(t->cpus);
	free(t->page);
	free(t->queue);
	free(t);
}

/* linux_libvirt.c - the host's guests through libvirt: listing, memory,
 * live migration on a worker thread per guest, with progress polled. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "hypervisor/linux/linux_int.h"

#define MAX_JOBS     16
#define URI_MAX      256
#define PROGRESS_SEC 1

struct mig_job {
	bool used;
	uint64_t id;
	uint32_t domid;
	char peer[URI_MAX];
	virDomainPtr dom;
	pthread_t thread;
	struct linux_virt *v;
	int rc; /* the worker's answer, read after the join */
	char msg[160];
	int last_pct;
};

struct linux_virt {
	struct linux_host *h;
	virConnectPtr conn;
	int epfd;     /* the poll fd: done pipe and progress timer */
	int done[2];  /* workers write their job's id here */
	int timer_fd; /* ticks while migrations run */
	uint64_t next_id;
	struct mig_job jobs[MAX_JOBS];
};

/* libvirt prints every error to stderr unless told; ours go to err. */
static void quiet(void *arg, virErrorPtr e)
{
	(void)arg;
	(void)e;
}

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m != NULL ? m : "unknown libvirt error";
}

static int watch(int epfd, int fd)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int linux_virt_open(struct linux_host *h, const char *uri,
                    struct linux_virt **out, char *err, size_t errlen)
{
	struct linux_virt *v = calloc(1, sizeof(*v));

	*out = NULL;
	if (v == NULL) {
		snprintf(err, errlen, "libvirt: out of memory");
		return -1;
	}
	v->h = h;
	v->epfd = v->timer_fd = v->done[0] = v->done[1] = -1;
	v->next_id = 1;
	/* The handler is libvirt's process-wide state. */
	virSetErrorFunc(NULL, quiet);
	v->conn = virConnectOpen(uri);
	if (v->conn == NULL) {
		snprintf(err, errlen, "libvirt %s: %s", uri, last_error());
		linux_virt_close(v);
		return -1;
	}
	v->epfd = epoll_create1(EPOLL_CLOEXEC);
	v->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (v->epfd < 0 || v->timer_fd < 0 ||
	    pipe2(v->done, O_NONBLOCK | O_CLOEXEC) < 0 ||
	    watch(v->epfd, v->done[0]) < 0 || watch(v->epfd, v->timer_fd) < 0) {
		snprintf(err, errlen, "libvirt: %s", strerror(errno));
		linux_virt_close(v);
		return -1;
	}
	*out = v;
	return 0;
}

int linux_virt_poll_fd(const struct linux_virt *v)
{
	return v->epfd;
}

static void push(struct linux_virt *v, enum hv_event_type type,
                 const struct mig_job *j, int error, const char *detail,
                 int pct)
{
	struct hv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.migration_id = j->id;
	ev.domid = j->domid;
	snprintf(ev.peer, sizeof(ev.peer), "%s", j->peer);
	ev.progress_pct = (unsigned)pct;
	ev.error = error;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	linux_event_push(v->h, &ev);
}

static void *migrate_worker(void *arg)
{
	struct mig_job *j = arg;
	unsigned int flags =
	    VIR_MIGRATE_LIVE | VIR_MIGRATE_PEER2PEER | VIR_MIGRATE_PERSIST_DEST;
	uint64_t id = j->id;

	j->rc = virDomainMigrateToURI3(j->dom, j->peer, NULL, 0, flags);
	/* The error is this thread's: copy it before the thread ends. */
	if (j->rc < 0)
		snprintf(j->msg, sizeof(j->msg), "%s", last_error());
	/* 8 bytes into a pipe that holds far more than MAX_JOBS ids. */
	if (write(j->v->done[1], &id, sizeof(id)) < 0)
		return NULL;
	return NULL;
}

static bool jobs_running(const struct linux_virt *v)
{
	size_t i;

	for (i = 0; i < MAX_JOBS; i++)
		if (v->jobs[i].used)
			return true;
	return false;
}

static void timer_set(struct linux_virt *v, bool on)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	if (on) {
		its.it_value.tv_sec = PROGRESS_SEC;
		its.it_interval.tv_sec = PROGRESS_SEC;
	}
	timerfd_settime(v->timer_fd, 0, &its, NULL);
}

static void job_finish(struct linux_virt *v, struct mig_job *j)
{
	pthread_join(j->thread, NULL);
	if (j->rc < 0)
		push(v, HV_EVENT_MIGRATION_FAILED, j, EIO, j->msg, j->last_pct);
	else
		push(v, HV_EVENT_MIGRATION_DONE, j, 0, "", 100);
	virDomainFree(j->dom);
	memset(j, 0, sizeof(*j));
	if (!jobs_running(v))
		timer_set(v, false);
}

static void collect_done(struct linux_virt *v)
{
	uint64_t id;
	size_t i;

	while (read(v->done[0], &id, sizeof(id)) == sizeof(id))
		for (i = 0; i < MAX_JOBS; i++)
			if (v->jobs[i].used && v->jobs[i].id == id)
				job_finish(v, &v->jobs[i]);
}

static void collect_progress(struct linux_virt *v)
{
	virDomainJobInfo info;
	uint64_t ticks;
	size_t i;
	int pct;

	if (read(v->timer_fd, &ticks, sizeof(ticks)) != sizeof(ticks))
		return;
	for (i = 0; i < MAX_JOBS; i++) {
		struct mig_job *j = &v->jobs[i];

		if (!j->used || virDomainGetJobInfo(j->dom, &info) < 0 ||
		    info.dataTotal == 0)
			continue;
		pct = (int)(info.dataProcessed * 100 / info.dataTotal);
		if (pct > 100)
			pct = 100;
		if (pct == j->last_pct)
			continue;
		j->last_pct = pct;
		push(v, HV_EVENT_MIGRATION_PROGRESS, j, 0, "", pct);
	}
}

void linux_virt_collect(struct linux_virt *v)
{
	collect_progress(v);
	collect_done(v);
}

int linux_domains(struct hv *hv, struct hv_domain *out, size_t max, size_t *n)
{
	struct linux_host *h = (struct linux_host *)hv;
	virDomainPtr *doms = NULL;
	virDomainInfo info;
	int count, i;
	size_t k = 0;

	*n = 0;
	count = virConnectListAllDomains(h->virt->conn, &doms,
	                                 VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (count < 0)
		return linux_fail(h, -EIO,
		                  "domains: virConnectListAllDomains: "
		                  "%s",
		                  last_error());
	for (i = 0; i < count; i++) {
		if (k < max) {
			memset(&out[k], 0, sizeof(out[k]));
			out[k].domid = virDomainGetID(doms[i]);
			snprintf(out[k].name, sizeof(out[k].name), "%s",
			         virDomainGetName(doms[i]));
			if (virDomainGetInfo(doms[i], &info) == 0)
				out[k].mem_bytes = (uint64_t)info.memory * 1024;
		}
		k++;
		virDomainFree(doms[i]);
	}
	free(doms);
	*n = k;
	return 0;
}

static struct mig_job *job_slot(struct linux_virt *v, uint32_t domid)
{
	struct mig_job *free_slot = NULL;
	size_t i;

	for (i = 0; i < MAX_JOBS; i++) {
		if (v->jobs[i].used && v->jobs[i].domid == domid)
			return NULL;
		if (!v->jobs[i].used && free_slot == NULL)
			free_slot = &v->jobs[i];
	}
	return free_slot;
}

int linux_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                        uint64_t *migration_id)
{
	struct linux_host *h = (struct linux_host *)hv;
	struct linux_virt *v = h->virt;
	struct mig_job *j;
	virDomainPtr dom;
	int rc;

	if (peer == NULL || strlen(peer) >= URI_MAX)
		return linux_fail(h, -EINVAL, "migrate domain %u: bad peer URI",
		                  domid);
	j = job_slot(v, domid);
	if (j == NULL)
		return linux_fail(h, -EBUSY,
		                  "migrate domain %u: already "
		                  "migrating, or %d migrations running",
		                  domid, MAX_JOBS);
	dom = virDomainLookupByID(v->conn, (int)domid);
	if (dom == NULL)
		return linux_fail(h, -ENOENT, "migrate domain %u: %s", domid,
		                  last_error());
	memset(j, 0, sizeof(*j));
	j->used = true;
	j->id = v->next_id++;
	j->domid = domid;
	j->dom = dom;
	j->v = v;
	snprintf(j->peer, sizeof(j->peer), "%s", peer);
	rc = pthread_create(&j->thread, NULL, migrate_worker, j);
	if (rc != 0) {
		virDomainFree(dom);
		memset(j, 0, sizeof(*j));
		return linux_fail(h, -rc, "migrate domain %u: thread: %s",
		                  domid, strerror(rc));
	}
	timer_set(v, true);
	*migration_id = j->id;
	return 0;
}

static int pid_from_file(const struct linux_host *h, const char *dir,
                         const char *name)
{
	char path[PATH_MAX];
	uint64_t pid;

	if (linux_path(h, path, sizeof(path), "%s/%s.pid", dir, name) < 0 ||
	    linux_read_u64(path, &pid) < 0 || pid == 0 || pid > INT32_MAX)
		return 0;
	return (int)pid;
}

int linux_virt_guests(struct linux_virt *v, struct linux_guest *out, size_t max,
                      size_t *n, char *err, size_t errlen)
{
	virDomainPtr *doms = NULL;
	const char *name;
	int count, i;
	size_t k = 0;

	*n = 0;
	count = virConnectListAllDomains(v->conn, &doms,
	                                 VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	if (count < 0) {
		snprintf(err, errlen, "virConnectListAllDomains: %s",
		         last_error());
		return -1;
	}
	for (i = 0; i < count; i++) {
		name = virDomainGetName(doms[i]);
		if (k < max && name != NULL) {
			out[k].domid = virDomainGetID(doms[i]);
			out[k].pid =
			    pid_from_file(v->h, "/run/libvirt/qemu", name);
			if (out[k].pid == 0)
				out[k].pid = pid_from_file(
				    v->h, "/var/run/libvirt/qemu", name);
			k++;
		}
		virDomainFree(doms[i]);
	}
	free(doms);
	*n = k;
	return 0;
}

void linux_virt_close(struct linux_virt *v)
{
	size_t i;

	if (v == NULL)
		return;
	/* Ask running migrations to stop, then wait for their threads. */
	for (i = 0; i < MAX_JOBS; i++) {
		if (!v->jobs[i].used)
			continue;
		virDomainAbortJob(v->jobs[i].dom);
		pthread_join(v->jobs[i].thread, NULL);
		virDomainFree(v->jobs[i].dom);
	}
	if (v->conn != NULL)
		virConnectClose(v->conn);
	if (v->epfd >= 0)
		close(v->epfd);
	if (v->timer_fd >= 0)
		close(v->timer_fd);
	if (v->done[0] >= 0)
		close(v->done[0]);
	if (v->done[1] >= 0)
		close(v->done[1]);
	free(v);
}

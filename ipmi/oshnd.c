/* oshnd.c - OpenIPMI's os_handler on rasd's loop: fds through loop_add_fd,
 * timers on one-shot loop timers, no-op locks, logs kept as text. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/time.h>
#include <time.h>

#include <OpenIPMI/ipmiif.h>

#include "oshnd.h"
#include "rasd/loop.h"

struct os_hnd_fd_id_s {
	int fd;
	os_data_ready_t ready;
	void *cb_data;
	os_fd_data_freed_t freed;
};

struct os_hnd_timer_id_s {
	struct loop_timer *timer;
	bool running;
	os_timed_out_t timed_out;
	void *cb_data;
};

/* Single-threaded: a lock only has to exist. */
struct os_hnd_lock_s {
	int unused;
};

/*
 * OpenIPMI holds one global os_handler (ipmi_init), so this state is
 * process-wide too; see "Global state" in bmc.h.
 */
static struct {
	os_handler_t *hnd;
	struct loop *lp;
	unsigned refs;
	char last_log[160];
} bmc_os;

static void *os_mem_alloc(int size)
{
	return malloc(size > 0 ? (size_t)size : 1);
}

static void os_mem_free(void *data)
{
	free(data);
}

static void os_fd_ready(void *arg, int fd, uint32_t events)
{
	struct os_hnd_fd_id_s *id = arg;

	(void)events;
	/* The handler may remove (and free) id; do not touch it after. */
	id->ready(fd, id->cb_data, id);
}

static int os_add_fd(os_handler_t *h, int fd, os_data_ready_t ready,
                     void *cb_data, os_fd_data_freed_t freed,
                     os_hnd_fd_id_t **out)
{
	struct os_hnd_fd_id_s *id = calloc(1, sizeof(*id));

	(void)h;
	if (id == NULL)
		return ENOMEM;
	id->fd = fd;
	id->ready = ready;
	id->cb_data = cb_data;
	id->freed = freed;
	if (loop_add_fd(bmc_os.lp, fd, os_fd_ready, id) < 0) {
		int e = errno;

		free(id);
		return e ? e : EINVAL;
	}
	*out = id;
	return 0;
}

static int os_remove_fd(os_handler_t *h, os_hnd_fd_id_t *id)
{
	(void)h;
	loop_del_fd(bmc_os.lp, id->fd);
	if (id->freed != NULL)
		id->freed(id->fd, id->cb_data);
	free(id);
	return 0;
}

static void os_timer_fired(void *arg)
{
	struct os_hnd_timer_id_s *id = arg;

	if (!id->running)
		return;
	id->running = false;
	id->timed_out(id->cb_data, id);
}

static int os_alloc_timer(os_handler_t *h, os_hnd_timer_id_t **out)
{
	struct os_hnd_timer_id_s *id = calloc(1, sizeof(*id));

	(void)h;
	if (id == NULL)
		return ENOMEM;
	if (loop_timer_create(bmc_os.lp, &id->timer, os_timer_fired, id) < 0) {
		int e = errno;

		free(id);
		return e ? e : ENOMEM;
	}
	*out = id;
	return 0;
}

static int os_free_timer(os_handler_t *h, os_hnd_timer_id_t *id)
{
	(void)h;
	loop_timer_destroy(id->timer);
	free(id);
	return 0;
}

static int os_start_timer(os_handler_t *h, os_hnd_timer_id_t *id,
                          struct timeval *tv, os_timed_out_t timed_out,
                          void *cb_data)
{
	uint64_t ns;

	(void)h;
	if (id->running)
		return EBUSY;
	ns = (uint64_t)tv->tv_sec * 1000000000u + (uint64_t)tv->tv_usec * 1000u;
	/* 0 disarms a loop timer; "now" is the next loop round. */
	if (ns == 0 || tv->tv_sec < 0 || tv->tv_usec < 0)
		ns = 1;
	id->timed_out = timed_out;
	id->cb_data = cb_data;
	if (loop_timer_arm(id->timer, ns) < 0)
		return errno ? errno : EINVAL;
	id->running = true;
	return 0;
}

static int os_stop_timer(os_handler_t *h, os_hnd_timer_id_t *id)
{
	(void)h;
	if (!id->running)
		return ESRCH;
	id->running = false;
	loop_timer_arm(id->timer, 0);
	return 0;
}

static int os_create_lock(os_handler_t *h, os_hnd_lock_t **out)
{
	(void)h;
	*out = calloc(1, sizeof(**out));
	return *out == NULL ? ENOMEM : 0;
}

static int os_destroy_lock(os_handler_t *h, os_hnd_lock_t *id)
{
	(void)h;
	free(id);
	return 0;
}

static int os_lock_noop(os_handler_t *h, os_hnd_lock_t *id)
{
	(void)h;
	(void)id;
	return 0;
}

static int os_get_random(os_handler_t *h, void *data, unsigned int len)
{
	unsigned char *p = data;

	(void)h;
	while (len > 0) {
		ssize_t n = getrandom(p, len, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return errno;
		p += n;
		len -= (unsigned)n;
	}
	return 0;
}

static void os_vlog(os_handler_t *h, enum ipmi_log_type_e type, const char *fmt,
                    va_list ap)
{
	(void)h;
	/* Only trouble is worth keeping: the last warning or error. */
	if (type != IPMI_LOG_WARNING && type != IPMI_LOG_SEVERE &&
	    type != IPMI_LOG_FATAL && type != IPMI_LOG_ERR_INFO)
		return;
	vsnprintf(bmc_os.last_log, sizeof(bmc_os.last_log), fmt, ap);
}

static void os_log(os_handler_t *h, enum ipmi_log_type_e type, const char *fmt,
                   ...)
{
	va_list ap;

	va_start(ap, fmt);
	os_vlog(h, type, fmt, ap);
	va_end(ap);
}

static int os_monotonic(os_handler_t *h, struct timeval *tv)
{
	struct timespec ts;

	(void)h;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

static int os_realtime(os_handler_t *h, struct timeval *tv)
{
	(void)h;
	return gettimeofday(tv, NULL) < 0 ? errno : 0;
}

static os_handler_t *os_new(void)
{
	os_handler_t *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->mem_alloc = os_mem_alloc;
	h->mem_free = os_mem_free;
	h->add_fd_to_wait_for = os_add_fd;
	h->remove_fd_to_wait_for = os_remove_fd;
	h->alloc_timer = os_alloc_timer;
	h->free_timer = os_free_timer;
	h->start_timer = os_start_timer;
	h->stop_timer = os_stop_timer;
	h->create_lock = os_create_lock;
	h->destroy_lock = os_destroy_lock;
	h->lock = os_lock_noop;
	h->unlock = os_lock_noop;
	h->get_random = os_get_random;
	h->log = os_log;
	h->vlog = os_vlog;
	h->get_monotonic_time = os_monotonic;
	h->get_real_time = os_realtime;
	return h;
}

os_handler_t *bmc_os_acquire(struct loop *lp, char *err, size_t errlen)
{
	int rc;

	if (bmc_os.refs > 0) {
		if (bmc_os.lp != lp) {
			snprintf(err, errlen,
			         "ipmi: OpenIPMI already runs on another loop");
			return NULL;
		}
		bmc_os.refs++;
		return bmc_os.hnd;
	}
	bmc_os.hnd = os_new();
	if (bmc_os.hnd == NULL) {
		snprintf(err, errlen, "ipmi: %s", strerror(ENOMEM));
		return NULL;
	}
	bmc_os.lp = lp;
	bmc_os.last_log[0] = '\0';
	rc = ipmi_init(bmc_os.hnd);
	if (rc != 0) {
		snprintf(err, errlen, "ipmi: ipmi_init: %s", strerror(rc));
		free(bmc_os.hnd);
		bmc_os.hnd = NULL;
		return NULL;
	}
	bmc_os.refs = 1;
	return bmc_os.hnd;
}

void bmc_os_release(void)
{
	if (bmc_os.refs == 0 || --bmc_os.refs > 0)
		return;
	ipmi_shutdown();
	free(bmc_os.hnd);
	bmc_os.hnd = NULL;
	bmc_os.lp = NULL;
}

const char *bmc_os_last_log(void)
{
	return bmc_os.last_log;
}

/* loop.c - epoll-based event loop: one watcher per fd, timers as
 * timerfds, an idle hook after each batch. Single-threaded by design. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "loop.h"

struct loop_watch {
	int fd;
	uint32_t events; /* what epoll watches it for now */
	bool dead;       /* deleted; freed after the batch it may be in */
	loop_fd_fn fn;
	void *arg;
	struct loop_watch *next_dead;
};

/*
 * Watches are found by descriptor (a table indexed by fd): a thousand
 * clients must not make each dispatch or event change a list walk.
 */
struct loop {
	int epfd;
	bool stop;
	struct loop_watch **by_fd;
	size_t n_by_fd;
	struct loop_watch *dead; /* deleted this batch, freed after it */
	void (*idle_fn)(void *arg);
	void *idle_arg;
	struct loop_stats stats;
};

struct loop_timer {
	struct loop *lp;
	int fd;
	void (*fn)(void *arg);
	void *arg;
};

int loop_create(struct loop **out)
{
	struct loop *lp = calloc(1, sizeof(*lp));

	if (lp == NULL)
		return -1;
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->epfd < 0) {
		free(lp);
		return -1;
	}
	*out = lp;
	return 0;
}

static void loop_bury(struct loop *lp)
{
	struct loop_watch *w;

	while ((w = lp->dead) != NULL) {
		lp->dead = w->next_dead;
		free(w);
	}
}

void loop_destroy(struct loop *lp)
{
	size_t i;

	if (lp == NULL)
		return;
	for (i = 0; i < lp->n_by_fd; i++)
		free(lp->by_fd[i]);
	free(lp->by_fd);
	loop_bury(lp);
	close(lp->epfd);
	free(lp);
}

static struct loop_watch *loop_watch_of(struct loop *lp, int fd)
{
	if (fd < 0 || (size_t)fd >= lp->n_by_fd)
		return NULL;
	return lp->by_fd[fd];
}

static int loop_make_room(struct loop *lp, int fd)
{
	size_t n = lp->n_by_fd ? lp->n_by_fd : 64;
	struct loop_watch **t;

	if ((size_t)fd < lp->n_by_fd)
		return 0;
	while (n <= (size_t)fd)
		n *= 2;
	t = realloc(lp->by_fd, n * sizeof(*t));
	if (t == NULL)
		return -1;
	memset(t + lp->n_by_fd, 0, (n - lp->n_by_fd) * sizeof(*t));
	lp->by_fd = t;
	lp->n_by_fd = n;
	return 0;
}

int loop_add_fd(struct loop *lp, int fd, loop_fd_fn fn, void *arg)
{
	struct epoll_event ev;
	struct loop_watch *w;

	if (fd < 0 || loop_watch_of(lp, fd) != NULL) {
		errno = EEXIST;
		return -1;
	}
	if (loop_make_room(lp, fd) < 0 || (w = calloc(1, sizeof(*w))) == NULL)
		return -1;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	w->events = EPOLLIN;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = w;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return -1;
	}
	lp->by_fd[fd] = w;
	return 0;
}

int loop_del_fd(struct loop *lp, int fd)
{
	struct loop_watch *w = loop_watch_of(lp, fd);

	if (w == NULL) {
		errno = ENOENT;
		return -1;
	}
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, fd, NULL);
	lp->by_fd[fd] = NULL;
	/* It may be in the current epoll batch: freed after it. */
	w->dead = true;
	w->next_dead = lp->dead;
	lp->dead = w;
	return 0;
}

int loop_set_events(struct loop *lp, int fd, uint32_t events)
{
	struct loop_watch *w = loop_watch_of(lp, fd);
	struct epoll_event ev;

	if (w == NULL) {
		errno = ENOENT;
		return -1;
	}
	if (w->events == events)
		return 0;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = w;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -1;
	w->events = events;
	return 0;
}

static void loop_timer_fire(void *arg, int fd, uint32_t events)
{
	struct loop_timer *t = arg;
	uint64_t expirations;

	(void)events;
	if (read(fd, &expirations, sizeof(expirations)) < 0)
		return;
	t->fn(t->arg);
}

int loop_timer_create(struct loop *lp, struct loop_timer **out,
                      void (*fn)(void *arg), void *arg)
{
	struct loop_timer *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return -1;
	t->fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (t->fd < 0) {
		free(t);
		return -1;
	}
	t->lp = lp;
	t->fn = fn;
	t->arg = arg;
	if (loop_add_fd(lp, t->fd, loop_timer_fire, t) < 0) {
		close(t->fd);
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

int loop_timer_arm(struct loop_timer *t, uint64_t delay_ns)
{
	struct itimerspec its;

	memset(&its, 0, sizeof(its));
	its.it_value.tv_sec = (time_t)(delay_ns / 1000000000u);
	its.it_value.tv_nsec = (long)(delay_ns % 1000000000u);
	return timerfd_settime(t->fd, 0, &its, NULL);
}

void loop_timer_destroy(struct loop_timer *t)
{
	if (t == NULL)
		return;
	loop_del_fd(t->lp, t->fd);
	close(t->fd);
	free(t);
}

void loop_set_idle(struct loop *lp, void (*fn)(void *arg), void *arg)
{
	lp->idle_fn = fn;
	lp->idle_arg = arg;
}

void loop_stop(struct loop *lp)
{
	lp->stop = true;
}

/*
 * Ready fds taken per wait: enough that a turn serves every busy client
 * once, not a slice of them between two reads of a busy record source.
 */
#define LOOP_BATCH 128

static uint64_t mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* A turn's length, from the wake-up to the idle hook's return: the
 * longest a ready client can wait behind the work before it. */
static void loop_count_turn(struct loop *lp, uint64_t began_us)
{
	uint64_t us = mono_us() - began_us;

	lp->stats.turns++;
	if (us >= LOOP_SLOW_TURN_US)
		lp->stats.slow_turns++;
	if (us > lp->stats.slowest_us)
		lp->stats.slowest_us = us;
}

const struct loop_stats *loop_stats(const struct loop *lp)
{
	return &lp->stats;
}

int loop_run_once(struct loop *lp, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	uint64_t began;
	int i, n;

	n = epoll_wait(lp->epfd, evs, LOOP_BATCH, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		return -1;
	began = mono_us();
	for (i = 0; i < n && !lp->stop; i++) {
		struct loop_watch *w = evs[i].data.ptr;

		/* A callback earlier in this batch may have removed it. */
		if (w->dead)
			continue;
		w->fn(w->arg, w->fd, evs[i].events);
	}
	if (lp->idle_fn != NULL && !lp->stop)
		lp->idle_fn(lp->idle_arg);
	loop_bury(lp);
	loop_count_turn(lp, began);
	return n;
}

int loop_run(struct loop *lp)
{
	lp->stop = false;
	/* The work may be done before anything is ready (a restart late in
	 * a run): ask before the first wait, not only after one. */
	if (lp->idle_fn != NULL)
		lp->idle_fn(lp->idle_arg);
	while (!lp->stop)
		if (loop_run_once(lp, -1) < 0)
			return -1;
	return 0;
}

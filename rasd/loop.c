/* loop.c - epoll-based event loop: one watcher per fd, timers as
 * timerfds, an idle hook after each batch. Single-threaded by design. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "loop.h"

struct loop_watch {
	int fd;
	loop_fd_fn fn;
	void *arg;
	struct loop_watch *next;
};

struct loop {
	int epfd;
	bool stop;
	struct loop_watch *watches;
	void (*idle_fn)(void *arg);
	void *idle_arg;
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

void loop_destroy(struct loop *lp)
{
	struct loop_watch *w, *next;

	if (lp == NULL)
		return;
	for (w = lp->watches; w != NULL; w = next) {
		next = w->next;
		free(w);
	}
	close(lp->epfd);
	free(lp);
}

int loop_add_fd(struct loop *lp, int fd, loop_fd_fn fn, void *arg)
{
	struct epoll_event ev;
	struct loop_watch *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return -1;
	w->fd = fd;
	w->fn = fn;
	w->arg = arg;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = w;
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		free(w);
		return -1;
	}
	w->next = lp->watches;
	lp->watches = w;
	return 0;
}

int loop_del_fd(struct loop *lp, int fd)
{
	struct loop_watch **pw, *w;

	for (pw = &lp->watches; *pw != NULL; pw = &(*pw)->next) {
		if ((*pw)->fd != fd)
			continue;
		w = *pw;
		*pw = w->next;
		epoll_ctl(lp->epfd, EPOLL_CTL_DEL, fd, NULL);
		/*
		 * The watch may be in the current epoll batch; mark it dead
		 * rather than free it under the dispatcher's feet.
		 */
		w->fn = NULL;
		w->next = NULL;
		w->fd = -1;
		free(w);
		return 0;
	}
	errno = ENOENT;
	return -1;
}

int loop_set_events(struct loop *lp, int fd, uint32_t events)
{
	struct epoll_event ev;
	struct loop_watch *w;

	for (w = lp->watches; w != NULL; w = w->next) {
		if (w->fd != fd)
			continue;
		memset(&ev, 0, sizeof(ev));
		ev.events = events;
		ev.data.ptr = w;
		return epoll_ctl(lp->epfd, EPOLL_CTL_MOD, fd, &ev);
	}
	errno = ENOENT;
	return -1;
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

static int loop_watch_alive(struct loop *lp, struct loop_watch *target)
{
	struct loop_watch *w;

	for (w = lp->watches; w != NULL; w = w->next)
		if (w == target)
			return 1;
	return 0;
}

/*
 * Ready fds taken per wait: enough that a turn serves every busy client
 * once, not a slice of them between two reads of a busy record source.
 */
#define LOOP_BATCH 128

int loop_run_once(struct loop *lp, int timeout_ms)
{
	struct epoll_event evs[LOOP_BATCH];
	int i, n;

	n = epoll_wait(lp->epfd, evs, LOOP_BATCH, timeout_ms);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		return -1;
	for (i = 0; i < n && !lp->stop; i++) {
		struct loop_watch *w = evs[i].data.ptr;

		/*
		 * A callback earlier in this batch may have removed it.
		 * (A watch freed and re-allocated at the same address in one
		 * batch gets a spurious wake-up; callbacks tolerate EAGAIN.)
		 */
		if (!loop_watch_alive(lp, w))
			continue;
		w->fn(w->arg, w->fd, evs[i].events);
	}
	if (lp->idle_fn != NULL && !lp->stop)
		lp->idle_fn(lp->idle_arg);
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

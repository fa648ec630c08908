/* loop.h - rasd's one event loop: epoll over file descriptors (record
 * sources, hypervisor events, control clients, signalfd, timerfds). */
#ifndef RASD_LOOP_H
#define RASD_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop;

/* Called when fd is ready; `events` is the epoll mask. */
typedef void (*loop_fd_fn)(void *arg, int fd, uint32_t events);

int loop_create(struct loop **out);
void loop_destroy(struct loop *lp);

/* Watch fd for readability (EPOLLIN) until loop_del_fd. */
int loop_add_fd(struct loop *lp, int fd, loop_fd_fn fn, void *arg);
int loop_del_fd(struct loop *lp, int fd);
/*
 * What a watched fd is watched for: EPOLLIN, EPOLLOUT, both, or 0 to
 * leave it unwatched for a while (a client whose replies pile up).
 */
int loop_set_events(struct loop *lp, int fd, uint32_t events);

/*
 * A one-shot timer on its own timerfd, fired through the loop. Arming an
 * armed timer moves it; 0 ns disarms.
 */
struct loop_timer;
int loop_timer_create(struct loop *lp, struct loop_timer **out,
                      void (*fn)(void *arg), void *arg);
int loop_timer_arm(struct loop_timer *t, uint64_t delay_ns);
void loop_timer_destroy(struct loop_timer *t);

/* Run until loop_stop; returns 0, or -1 if epoll itself failed. */
int loop_run(struct loop *lp);
void loop_stop(struct loop *lp);

/* One round: wait up to timeout_ms, dispatch what is ready (tests). */
int loop_run_once(struct loop *lp, int timeout_ms);

/*
 * What the loop's turns cost: a turn is one wake-up, its ready fds and
 * the idle hook. A turn of LOOP_SLOW_TURN_US or more kept every other
 * ready client waiting that long (rasctl status shows these).
 */
#define LOOP_SLOW_TURN_US 10000u
struct loop_stats {
	uint64_t turns;
	uint64_t slow_turns;
	uint64_t slowest_us;
};
const struct loop_stats *loop_stats(const struct loop *lp);

/* Called after every batch of ready fds: the place for "are we done?". */
void loop_set_idle(struct loop *lp, void (*fn)(void *arg), void *arg);

#endif

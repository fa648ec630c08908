/* test_loop.c - the event loop: watches found by descriptor, a watch
 * removed mid-batch never called, event changes, the turns it counts. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/loop.h"

struct pair {
	struct loop *lp;
	int fd[2]; /* read ends, both readable */
	int calls[2];
};

/* Whichever runs first removes the other, which was in the same batch. */
static void remove_other(void *arg, int fd, uint32_t events)
{
	struct pair *p = arg;
	int me = fd == p->fd[0] ? 0 : 1;

	(void)events;
	p->calls[me]++;
	loop_del_fd(p->lp, p->fd[1 - me]);
	loop_del_fd(p->lp, fd);
}

static void test_removed_in_batch_is_not_called(void **state)
{
	struct pair p = {0};
	int a[2], b[2];

	(void)state;
	assert_int_equal(loop_create(&p.lp), 0);
	assert_int_equal(pipe(a), 0);
	assert_int_equal(pipe(b), 0);
	p.fd[0] = a[0];
	p.fd[1] = b[0];
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "x", 1), 1);
	assert_int_equal(loop_add_fd(p.lp, a[0], remove_other, &p), 0);
	assert_int_equal(loop_add_fd(p.lp, b[0], remove_other, &p), 0);
	assert_int_equal(loop_run_once(p.lp, 1000), 2);
	assert_int_equal(p.calls[0] + p.calls[1], 1);
	loop_destroy(p.lp);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

static void count_call(void *arg, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	(*(int *)arg)++;
}

static void test_watches_by_descriptor(void **state)
{
	struct loop *lp;
	int p[2], high, calls = 0;

	(void)state;
	assert_int_equal(loop_create(&lp), 0);
	assert_int_equal(pipe(p), 0);
	/* A descriptor far past the table's first size. */
	high = dup2(p[0], 900);
	assert_int_equal(high, 900);
	assert_int_equal(loop_add_fd(lp, high, count_call, &calls), 0);
	assert_int_equal(loop_add_fd(lp, high, count_call, &calls), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(lp, 1000), 1);
	assert_int_equal(calls, 1);
	/* Unwatched: nothing, though still readable; watched again: called. */
	assert_int_equal(loop_set_events(lp, high, 0), 0);
	assert_int_equal(loop_set_events(lp, high, 0), 0);
	assert_int_equal(loop_run_once(lp, 50), 0);
	assert_int_equal(loop_set_events(lp, high, EPOLLIN), 0);
	assert_int_equal(loop_run_once(lp, 1000), 1);
	assert_int_equal(calls, 2);
	assert_int_equal(loop_del_fd(lp, high), 0);
	assert_int_equal(loop_del_fd(lp, high), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(loop_set_events(lp, 12345, EPOLLIN), -1);
	loop_destroy(lp);
	close(high), close(p[0]), close(p[1]);
}

static void sleep_ms(void *arg, int fd, uint32_t events)
{
	struct timespec ts = {0, (long)(*(int *)arg) * 1000000L};
	char c;

	(void)events;
	if (read(fd, &c, 1) < 0)
		return;
	nanosleep(&ts, NULL);
}

/* A turn as long as its slowest callback is counted slow. */
static void test_slow_turns_counted(void **state)
{
	struct loop *lp;
	int p[2], ms = 1;

	(void)state;
	assert_int_equal(loop_create(&lp), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(loop_add_fd(lp, p[0], sleep_ms, &ms), 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(lp, 1000), 1);
	assert_int_equal(loop_stats(lp)->turns, 1);
	ms = (int)(LOOP_SLOW_TURN_US / 1000) + 5;
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(loop_run_once(lp, 1000), 1);
	assert_int_equal(loop_stats(lp)->turns, 2);
	assert_int_equal(loop_stats(lp)->slow_turns, 1);
	assert_true(loop_stats(lp)->slowest_us >= (uint64_t)ms * 1000);
	loop_destroy(lp);
	close(p[0]), close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_removed_in_batch_is_not_called),
	    cmocka_unit_test(test_watches_by_descriptor),
	    cmocka_unit_test(test_slow_turns_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

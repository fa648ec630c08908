/* test_trend.c - RRD trends: a simulated day fed at an accelerated clock
 * reads back at the rate fed; stale, corrupt and foreign input; graphs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <rrd.h>

#include "rasd/publish/trend.h"

/* A minute boundary, so that fed samples line up with RRD steps. */
#define T0       1699999980LL
#define DAY_MIN  1440
#define RATE_AM  3  /* corrected errors/min in the first half */
#define RATE_PM  10 /* and in the second */
#define SENSOR_C 47.5

/*
 * LeakSanitizer: rrd_graph_v leaks inside librrd 1.7.2 (legend strings
 * it vasprintf()s) and fontconfig's caches under pango; nothing trend.c
 * allocates. Without sanitizers this hook is never called.
 */
const char *__lsan_default_suppressions(void);
const char *__asan_default_options(void);

/* librrd has no frame pointers: only the slow unwinder sees
 * rrd_graph_v in the leak stacks. */
const char *__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0";
}

const char *__lsan_default_suppressions(void)
{
	return "leak:rrd_graph_v\nleak:libfontconfig.so\n";
}

struct fixture {
	char dir[64];
	pid_t daemon; /* rrdcached, stopped by its pid in teardown */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));

	if (fx == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/rasd-trend.XXXXXX");
	if (mkdtemp(fx->dir) == NULL) {
		free(fx);
		return -1;
	}
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];
	int status;

	if (fx->daemon > 0) {
		kill(fx->daemon, SIGTERM);
		waitpid(fx->daemon, &status, 0);
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", fx->dir);
	free(fx);
	return 0;
}

static void path_of(const struct fixture *fx, enum trend_kind k,
                    const char *name, char *buf, size_t len)
{
	assert_int_equal(trend_path(fx->dir, k, name, buf, len), 0);
}

/* A day of samples, one a minute, as fast as the loop goes. */
static void feed_day(struct trend *t)
{
	uint64_t ce = 0;
	int m;

	for (m = 0; m <= DAY_MIN; m++) {
		int64_t now = T0 + 60LL * m;

		assert_int_equal(
		    trend_update_dimm(t, "DIMM_A1", now, ce, 1, m / 600), 0);
		assert_int_equal(
		    trend_update_dimm(t, "DIMM_B1", now, ce / 3, 0, 0), 0);
		assert_int_equal(trend_update_socket(t, 0, now, ce + ce / 3),
		                 0);
		assert_int_equal(
		    trend_update_sensor(t, "cpu0 temp", now, SENSOR_C), 0);
		ce += m < DAY_MIN / 2 ? RATE_AM : RATE_PM;
		/* The daemon's clock runs fast; keep the queue from
		 * dropping what the test reads back. */
		if (m % 60 == 59)
			assert_int_equal(trend_flush(t), 0);
	}
}

/* Every known value of DS in [from, to] equals WANT; returns how many. */
static int fetch_check(const char *path, const char *dsname, int64_t from,
                       int64_t to, double want)
{
	time_t start = (time_t)from, end = (time_t)to;
	unsigned long step = 60, ds_cnt, i, d, col = 0;
	char **names;
	rrd_value_t *data;
	int known = 0;

	rrd_clear_error();
	assert_int_equal(rrd_fetch_r(path, "AVERAGE", &start, &end, &step,
	                             &ds_cnt, &names, &data),
	                 0);
	assert_int_equal(step, 60);
	for (d = 0; d < ds_cnt; d++)
		if (strcmp(names[d], dsname) == 0)
			col = d;
	for (i = 0; i < (unsigned long)(end - start) / step; i++) {
		double v = data[i * ds_cnt + col];
		if (isnan(v))
			continue;
		assert_true(fabs(v - want) < 1e-6);
		known++;
	}
	for (d = 0; d < ds_cnt; d++)
		rrd_freemem(names[d]);
	rrd_freemem(names);
	rrd_freemem(data);
	return known;
}

static void test_path_names(void **state)
{
	struct fixture *fx = *state;
	char a[256], b[256], want[256];

	path_of(fx, TREND_DIMM, "DIMM_A1", a, sizeof(a));
	snprintf(want, sizeof(want), "%s/dimm-DIMM_A1.rrd", fx->dir);
	assert_string_equal(a, want);
	path_of(fx, TREND_SOCKET, "1", a, sizeof(a));
	snprintf(want, sizeof(want), "%s/socket-1.rrd", fx->dir);
	assert_string_equal(a, want);

	/* Unsafe names are changed, and the change never collides. */
	path_of(fx, TREND_DIMM, "P0 A/1", a, sizeof(a));
	path_of(fx, TREND_DIMM, "P0_A_1", b, sizeof(b));
	assert_null(strchr(a + strlen(fx->dir) + 1, '/'));
	assert_null(strchr(a, ' '));
	assert_string_not_equal(a, b);
	path_of(fx, TREND_SENSOR, "../etc", a, sizeof(a));
	assert_null(strstr(a, ".."));
	assert_int_equal(trend_path(fx->dir, TREND_DIMM, "x", a, 8), -1);
}

static void test_day_reads_back(void **state)
{
	struct fixture *fx = *state;
	struct trend_stats st;
	char err[256], path[256];
	struct trend *t;

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	feed_day(t);
	assert_int_equal(trend_flush(t), 0);
	trend_get_stats(t, &st);
	assert_int_equal(st.queued, 4 * (DAY_MIN + 1));
	assert_int_equal(st.written, st.queued);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.created, 4);

	/* DERIVE stores errors/s; the graphs multiply by 60. */
	path_of(fx, TREND_DIMM, "DIMM_A1", path, sizeof(path));
	assert_true(fetch_check(path, "ce", T0 + 3600, T0 + 36000,
	                        RATE_AM / 60.0) > 500);
	assert_true(fetch_check(path, "ce", T0 + 50000, T0 + 80000,
	                        RATE_PM / 60.0) > 450);
	assert_true(fetch_check(path, "ue", T0 + 3600, T0 + 7200, 1.0) > 50);
	path_of(fx, TREND_SOCKET, "0", path, sizeof(path));
	assert_true(fetch_check(path, "ce", T0 + 3600, T0 + 36000,
	                        (RATE_AM + RATE_AM / 3.0) / 60.0) > 0);
	path_of(fx, TREND_SENSOR, "cpu0 temp", path, sizeof(path));
	assert_true(fetch_check(path, "value", T0 + 3600, T0 + 7200, SENSOR_C) >
	            50);
	trend_close(t);
}

static void test_stale_time_skipped(void **state)
{
	struct fixture *fx = *state;
	struct trend_stats st;
	char err[256];
	struct trend *t;
	int i;

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(trend_update_dimm(t, "D", T0 + 600, 5, 0, 0), 0);
	/* The same second twice, then the past: skipped, not failed. */
	assert_int_equal(trend_update_dimm(t, "D", T0 + 600, 6, 0, 0), 0);
	for (i = 0; i < 10; i++)
		assert_int_equal(trend_update_dimm(t, "D", T0 + i, 1, 0, 0), 0);
	assert_int_equal(trend_flush(t), 0);
	trend_get_stats(t, &st);
	assert_int_equal(st.written, 1);
	assert_int_equal(st.skipped, 11);
	assert_int_equal(st.failed, 0);
	trend_close(t);

	/* A fresh open learns the file's last update from the file. */
	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(trend_update_dimm(t, "D", T0 + 300, 1, 0, 0), 0);
	assert_int_equal(trend_update_dimm(t, "D", T0 + 660, 9, 0, 0), 0);
	assert_int_equal(trend_flush(t), 0);
	trend_get_stats(t, &st);
	assert_int_equal(st.skipped, 1);
	assert_int_equal(st.written, 1);
	trend_close(t);
}

static void test_bad_names_refused(void **state)
{
	struct fixture *fx = *state;
	char err[256], longname[TREND_NAME_MAX + 8];
	struct trend *t;

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	assert_int_equal(trend_update_dimm(t, "", T0, 0, 0, 0), -1);
	assert_int_equal(trend_update_dimm(t, NULL, T0, 0, 0, 0), -1);
	assert_int_equal(trend_update_sensor(t, longname, T0, 1.0), -1);
	assert_int_equal(trend_update_socket(t, -1, T0, 0), -1);
	assert_int_equal(trend_update_dimm(t, "A", 0, 0, 0, 0), -1);
	trend_close(t);
}

static void test_queue_drops_oldest(void **state)
{
	struct fixture *fx = *state;
	struct trend_stats st;
	char err[256];
	struct trend *t;
	int m;

	t = trend_open(fx->dir, NULL, 2, err, sizeof(err));
	assert_non_null(t);
	for (m = 1; m <= 2000; m++)
		trend_update_sensor(t, "s", T0 + 60LL * m, (double)m);
	assert_int_equal(trend_flush(t), 0);
	trend_get_stats(t, &st);
	assert_int_equal(st.queued, 2000);
	assert_int_equal(st.written + st.dropped + st.skipped, 2000);
	assert_int_equal(st.failed, 0);
	/* Dropping the oldest keeps the newest: the file ends at the end. */
	{
		char path[256];
		path_of(fx, TREND_SENSOR, "s", path, sizeof(path));
		assert_int_equal((int64_t)rrd_last_r(path), T0 + 60LL * 2000);
	}
	trend_close(t);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_corrupt_and_foreign_moved_aside(void **state)
{
	struct fixture *fx = *state;
	const char *foreign[] = {"DS:x:GAUGE:120:U:U", "RRA:AVERAGE:0.5:1:10"};
	char err[512], bad[300], junk[256], other[256];
	struct trend_stats st;
	struct trend *t;

	path_of(fx, TREND_DIMM, "JUNK", junk, sizeof(junk));
	write_file(junk, "not an rrd at all\n");
	path_of(fx, TREND_DIMM, "OTHER", other, sizeof(other));
	assert_int_equal(rrd_create_r(other, 60, T0 - 10, 2, foreign), 0);

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	assert_int_equal(trend_update_dimm(t, "JUNK", T0, 0, 0, 0), 0);
	assert_int_equal(trend_flush(t), 0);
	trend_last_error(t, err, sizeof(err));
	assert_non_null(strstr(err, junk));
	assert_non_null(strstr(err, "moved aside"));
	snprintf(bad, sizeof(bad), "%s.bad", junk);
	assert_int_equal(access(bad, F_OK), 0);

	assert_int_equal(trend_update_dimm(t, "OTHER", T0, 0, 0, 0), 0);
	assert_int_equal(trend_flush(t), 0);
	trend_last_error(t, err, sizeof(err));
	assert_non_null(strstr(err, other));
	assert_non_null(strstr(err, "data source"));
	trend_get_stats(t, &st);
	assert_int_equal(st.moved, 2);
	assert_int_equal(st.created, 2);
	assert_int_equal(st.failed, 0);
	trend_close(t);
	assert_int_equal((int64_t)rrd_last_r(junk), T0);
}

static void assert_png(const char *path)
{
	static const unsigned char sig[8] = {0x89, 'P',  'N',  'G',
	                                     '\r', '\n', 0x1a, '\n'};
	unsigned char head[24];
	uint32_t w, h;
	struct stat sb;
	FILE *f;

	assert_int_equal(stat(path, &sb), 0);
	assert_true(sb.st_size > 2000 && sb.st_size < 2 * 1024 * 1024);
	f = fopen(path, "rb");
	assert_non_null(f);
	assert_int_equal(fread(head, 1, sizeof(head), f), sizeof(head));
	fclose(f);
	assert_memory_equal(head, sig, sizeof(sig));
	/* IHDR: big-endian width and height. */
	w = (uint32_t)head[16] << 24 | head[17] << 16 | head[18] << 8 |
	    head[19];
	h = (uint32_t)head[20] << 24 | head[21] << 16 | head[22] << 8 |
	    head[23];
	assert_true(w >= 720 && w < 2000);
	assert_true(h >= 200 && h < 1000);
}

static void test_graphs(void **state)
{
	struct fixture *fx = *state;
	const char *dimms[] = {"DIMM_A1", "DIMM_B1", "NO_FILE_YET"};
	const char *sensors[] = {"cpu0 temp"};
	char err[512], png[256];
	struct trend *t;

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	feed_day(t);
	assert_int_equal(trend_flush(t), 0);
	trend_close(t);

	snprintf(png, sizeof(png), "%s/dimm.png", fx->dir);
	assert_int_equal(trend_graph_dimm(fx->dir, "DIMM_A1", png, T0,
	                                  T0 + 86400, 8, 86400, err,
	                                  sizeof(err)),
	                 0);
	assert_png(png);
	snprintf(png, sizeof(png), "%s/socket0.png", fx->dir);
	assert_int_equal(trend_graph_socket_dimms(fx->dir, 0, dimms, 3, png, T0,
	                                          T0 + 86400, err, sizeof(err)),
	                 0);
	assert_png(png);
	snprintf(png, sizeof(png), "%s/temp.png", fx->dir);
	assert_int_equal(trend_graph_sensor(fx->dir, sensors, 1, png, T0,
	                                    T0 + 86400, err, sizeof(err)),
	                 0);
	assert_png(png);
}

/*
 * A quiet DIMM (no errors, no pages) still shows its threshold: the axis
 * reaches past it instead of librrd's 0-1; a quiet socket gets an axis
 * and its total line, not an empty frame.
 */
static void test_graph_quiet(void **state)
{
	struct fixture *fx = *state;
	const char *dimms[] = {"QUIET_A1", "QUIET_B1"};
	char err[512], png[256];
	double top = 0;
	struct trend *t;
	int m;

	t = trend_open(fx->dir, NULL, 0, err, sizeof(err));
	assert_non_null(t);
	for (m = 0; m <= 240; m++) {
		assert_int_equal(
		    trend_update_dimm(t, "QUIET_A1", T0 + 60LL * m, 0, 0, 0),
		    0);
		assert_int_equal(
		    trend_update_dimm(t, "QUIET_B1", T0 + 60LL * m, 0, 0, 0),
		    0);
	}
	assert_int_equal(trend_flush(t), 0);
	trend_close(t);
	snprintf(png, sizeof(png), "%s/quiet.png", fx->dir);
	assert_int_equal(trend_graph_dimm_v(fx->dir, "QUIET_A1", png, T0,
	                                    T0 + 14400, 10, 86400, &top, err,
	                                    sizeof(err)),
	                 0);
	assert_png(png);
	assert_true(top >= 10.0);
	top = 0;
	snprintf(png, sizeof(png), "%s/quiet-socket.png", fx->dir);
	assert_int_equal(trend_graph_socket_dimms_v(fx->dir, 0, dimms, 2, png,
	                                            T0, T0 + 14400, &top, err,
	                                            sizeof(err)),
	                 0);
	assert_png(png);
	assert_true(top >= 1.0);
}

static void test_graph_errors(void **state)
{
	struct fixture *fx = *state;
	const char *none[] = {"GHOST"};
	char err[512], png[256], path[256];

	snprintf(png, sizeof(png), "%s/x.png", fx->dir);
	path_of(fx, TREND_DIMM, "GHOST", path, sizeof(path));
	assert_int_equal(trend_graph_dimm(fx->dir, "GHOST", png, T0, T0 + 3600,
	                                  8, 86400, err, sizeof(err)),
	                 -1);
	/* librrd's reason, with the file it could not open. */
	assert_non_null(strstr(err, path));
	assert_int_equal(trend_graph_socket_dimms(fx->dir, 3, none, 1, png, T0,
	                                          T0 + 3600, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "socket 3"));
	assert_int_equal(trend_graph_dimm(fx->dir, "GHOST", png, T0 + 10, T0, 8,
	                                  86400, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "time span"));
	assert_int_equal(access(png, F_OK), -1);
}

static const char *find_rrdcached(void)
{
	static const char *const where[] = {"/usr/bin/rrdcached",
	                                    "/usr/sbin/rrdcached"};
	size_t i;

	for (i = 0; i < 2; i++)
		if (access(where[i], X_OK) == 0)
			return where[i];
	return NULL;
}

static pid_t start_rrdcached(const char *bin, const char *dir, char *addr,
                             size_t addrlen)
{
	char sock[128], pidf[128], jdir[128], log[128];
	pid_t pid;
	int i;

	snprintf(sock, sizeof(sock), "%s/rrdcached.sock", dir);
	snprintf(pidf, sizeof(pidf), "%s/rrdcached.pid", dir);
	snprintf(jdir, sizeof(jdir), "%s/journal", dir);
	snprintf(log, sizeof(log), "%s/rrdcached.log", dir);
	snprintf(addr, addrlen, "unix:%s", sock);
	mkdir(jdir, 0700);
	pid = fork();
	if (pid == 0) {
		/* Its output must not hold the test runner's pipe open. */
		if (freopen(log, "w", stdout) == NULL ||
		    freopen(log, "w", stderr) == NULL)
			_exit(126);
		execl(bin, bin, "-g", "-l", addr, "-b", dir, "-B", "-p", pidf,
		      "-j", jdir, "-w", "3600", "-z", "1", "-f", "7200",
		      (char *)NULL);
		_exit(127);
	}
	for (i = 0; pid > 0 && i < 200 && access(sock, F_OK) != 0; i++)
		usleep(10000);
	return access(sock, F_OK) == 0 ? pid : -1;
}

static void test_rrdcached(void **state)
{
	struct fixture *fx = *state;
	const char *bin = find_rrdcached();
	char addr[160], err[512], path[256];
	struct trend_stats st;
	struct trend *t;

	if (bin == NULL) {
		print_message("skipped: rrdcached not installed "
		              "(package rrdcached)\n");
		skip();
	}
	fx->daemon = start_rrdcached(bin, fx->dir, addr, sizeof(addr));
	if (fx->daemon < 0) {
		print_message("skipped: rrdcached did not start\n");
		skip();
	}
	t = trend_open(fx->dir, addr, 0, err, sizeof(err));
	assert_non_null(t);
	feed_day(t);
	/* rrdcached holds updates for an hour (-w 3600): only the flush
	 * makes them land in the file. */
	trend_flush(t);
	trend_get_stats(t, &st);
	trend_last_error(t, err, sizeof(err));
	assert_string_equal(err, "");
	assert_int_equal(st.failed, 0);
	assert_int_equal(st.written, 4 * (DAY_MIN + 1));
	path_of(fx, TREND_DIMM, "DIMM_A1", path, sizeof(path));
	assert_int_equal((int64_t)rrd_last_r(path), T0 + 60LL * DAY_MIN);
	assert_true(fetch_check(path, "ce", T0 + 3600, T0 + 36000,
	                        RATE_AM / 60.0) > 500);
	trend_close(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_path_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_day_reads_back, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_stale_time_skipped, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_names_refused, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_queue_drops_oldest, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_corrupt_and_foreign_moved_aside, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_graphs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_graph_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_graph_quiet, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rrdcached, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_metrics.c - the Prometheus metrics writer: exact text, escaping,
 * rate limiting under an injected clock, atomic replace and its errors. */
#include <sys/resource.h>
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/publish/metrics.h"

#define SEC 1000ull

/* Each test gets its own directory; state points at its path. */
struct fixture {
	char dir[64];
	char path[128];
	char err[512];
};

static const struct metrics_event_count small_events[] = {
    {"corrected", "memory", 11},
};
static const struct metrics_dimm small_dimms[] = {
    {"DIMM_A1", 0, 0, 2, 1, METRICS_DIMM_FAILING, 11, 0, 3, 4, 2, 5},
};
/* SMT siblings: the core's errors are written once, not per CPU. */
static const struct metrics_cpu small_cpus[] = {
    {2, 0, 1, true, false, 5},
    {3, 0, 1, true, false, 5},
};
static const struct metrics_socket small_sockets[] = {
    {0, 11, true},
};

static const char small_text[] =
    "# HELP rasd_up 1 while rasd runs; 0 in the file a stopping rasd leaves.\n"
    "# TYPE rasd_up gauge\n"
    "rasd_up 1\n"
    "# HELP rasd_last_update_timestamp_seconds Wall-clock time of this file's "
    "write (every interval).\n"
    "# TYPE rasd_last_update_timestamp_seconds gauge\n"
    "rasd_last_update_timestamp_seconds 1700000000.250\n"
    "# HELP rasd_start_time_seconds Wall-clock time rasd started.\n"
    "# TYPE rasd_start_time_seconds gauge\n"
    "rasd_start_time_seconds 1699999000.500\n"
    "# HELP rasd_build_info rasd's version and backend; always 1.\n"
    "# TYPE rasd_build_info gauge\n"
    "rasd_build_info{version=\"0.1.0\",backend=\"sim\"} 1\n"
    "# HELP rasd_info The host rasd watches; always 1.\n"
    "# TYPE rasd_info gauge\n"
    "rasd_info{host=\"xen01\"} 1\n"
    "# HELP rasd_host_health Host health: 1 for the current state, 0 for the "
    "others.\n"
    "# TYPE rasd_host_health gauge\n"
    "rasd_host_health{state=\"ok\"} 0\n"
    "rasd_host_health{state=\"degraded\"} 1\n"
    "rasd_host_health{state=\"failing\"} 0\n"
    "# HELP rasd_telemetry_selftest Machine-check telemetry self-test: 1 for "
    "the current state.\n"
    "# TYPE rasd_telemetry_selftest gauge\n"
    "rasd_telemetry_selftest{state=\"never\"} 0\n"
    "rasd_telemetry_selftest{state=\"running\"} 0\n"
    "rasd_telemetry_selftest{state=\"ok\"} 1\n"
    "rasd_telemetry_selftest{state=\"inoperative\"} 0\n"
    "rasd_telemetry_selftest{state=\"unsupported\"} 0\n"
    "# HELP rasd_telemetry_ok 0 when the self-test found that planted errors "
    "never arrive.\n"
    "# TYPE rasd_telemetry_ok gauge\n"
    "rasd_telemetry_ok 1\n"
    "# HELP rasd_records_read_total Machine-check records read from the "
    "sources.\n"
    "# TYPE rasd_records_read_total counter\n"
    "rasd_records_read_total 12\n"
    "# HELP rasd_records_invalid_total Records rejected as malformed.\n"
    "# TYPE rasd_records_invalid_total counter\n"
    "rasd_records_invalid_total 1\n"
    "# HELP rasd_source_overflows_total Times a record source reported that it "
    "dropped records.\n"
    "# TYPE rasd_source_overflows_total counter\n"
    "rasd_source_overflows_total 0\n"
    "# HELP rasd_pages_offlined_total Memory pages offlined.\n"
    "# TYPE rasd_pages_offlined_total counter\n"
    "rasd_pages_offlined_total 1\n"
    "# HELP rasd_cpus_offlined_total CPUs offlined.\n"
    "# TYPE rasd_cpus_offlined_total counter\n"
    "rasd_cpus_offlined_total 0\n"
    "# HELP rasd_guests_evacuated_total Guests migrated off failing hardware.\n"
    "# TYPE rasd_guests_evacuated_total counter\n"
    "rasd_guests_evacuated_total 2\n"
    "# HELP rasd_migrations_failed_total Guest migrations that failed.\n"
    "# TYPE rasd_migrations_failed_total counter\n"
    "rasd_migrations_failed_total 1\n"
    "# HELP rasd_actions_failed_total Actions (offline, migrate, hook) that "
    "failed.\n"
    "# TYPE rasd_actions_failed_total counter\n"
    "rasd_actions_failed_total 1\n"
    "# HELP rasd_events_total Hardware error events by severity and kind.\n"
    "# TYPE rasd_events_total counter\n"
    "rasd_events_total{severity=\"corrected\",kind=\"memory\"} 11\n"
    "# HELP rasd_dimm_state DIMM state: 1 for the current state, 0 for the "
    "others.\n"
    "# TYPE rasd_dimm_state gauge\n"
    "rasd_dimm_state{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\",csrow="
    "\"2\",channel=\"1\",state=\"ok\"} 0\n"
    "rasd_dimm_state{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\",csrow="
    "\"2\",channel=\"1\",state=\"degraded\"} 0\n"
    "rasd_dimm_state{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\",csrow="
    "\"2\",channel=\"1\",state=\"failing\"} 1\n"
    "rasd_dimm_state{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\",csrow="
    "\"2\",channel=\"1\",state=\"evacuating\"} 0\n"
    "rasd_dimm_state{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\",csrow="
    "\"2\",channel=\"1\",state=\"evacuated\"} 0\n"
    "# HELP rasd_dimm_corrected_errors_total Corrected memory errors on the "
    "DIMM.\n"
    "# TYPE rasd_dimm_corrected_errors_total counter\n"
    "rasd_dimm_corrected_errors_total{dimm=\"DIMM_A1\",socket=\"0\",controller="
    "\"0\",csrow=\"2\",channel=\"1\"} 11\n"
    "# HELP rasd_dimm_uncorrected_errors_total Uncorrected memory errors on "
    "the DIMM.\n"
    "# TYPE rasd_dimm_uncorrected_errors_total counter\n"
    "rasd_dimm_uncorrected_errors_total{dimm=\"DIMM_A1\",socket=\"0\","
    "controller=\"0\",csrow=\"2\",channel=\"1\"} 0\n"
    "# HELP rasd_dimm_pages_in_window Distinct pages with errors in the DIMM's "
    "current window.\n"
    "# TYPE rasd_dimm_pages_in_window gauge\n"
    "rasd_dimm_pages_in_window{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\"} 3\n"
    "# HELP rasd_dimm_pages_threshold Distinct pages in a window at which the "
    "DIMM is failing.\n"
    "# TYPE rasd_dimm_pages_threshold gauge\n"
    "rasd_dimm_pages_threshold{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\"} 4\n"
    "# HELP rasd_dimm_fault_mode DRAM fault mode of the DIMM's distinct cells "
    "in error in the window: 1 for the current mode, 0 for the others.\n"
    "# TYPE rasd_dimm_fault_mode gauge\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"none\"} 0\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"cell\"} 0\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"row\"} 1\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"column\"} 0\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"bank\"} 0\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"multi-bank\"} 0\n"
    "rasd_dimm_fault_mode{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\",mode=\"multi-rank\"} 0\n"
    "# HELP rasd_dimm_cells_in_window Distinct DRAM cells with errors in the "
    "DIMM's window.\n"
    "# TYPE rasd_dimm_cells_in_window gauge\n"
    "rasd_dimm_cells_in_window{dimm=\"DIMM_A1\",socket=\"0\",controller=\"0\","
    "csrow=\"2\",channel=\"1\"} 5\n"
    "# HELP rasd_cpu_online 1 if the CPU is online.\n"
    "# TYPE rasd_cpu_online gauge\n"
    "rasd_cpu_online{cpu=\"2\",socket=\"0\",core=\"1\"} 1\n"
    "rasd_cpu_online{cpu=\"3\",socket=\"0\",core=\"1\"} 1\n"
    "# HELP rasd_cpu_protected 1 if the policy never offlines the CPU.\n"
    "# TYPE rasd_cpu_protected gauge\n"
    "rasd_cpu_protected{cpu=\"2\",socket=\"0\",core=\"1\"} 0\n"
    "rasd_cpu_protected{cpu=\"3\",socket=\"0\",core=\"1\"} 0\n"
    "# HELP rasd_core_errors_total Errors counted against the core (shared by "
    "its SMT siblings).\n"
    "# TYPE rasd_core_errors_total counter\n"
    "rasd_core_errors_total{socket=\"0\",core=\"1\"} 5\n"
    "# HELP rasd_socket_corrected_errors_total Corrected memory errors on the "
    "socket's DIMMs.\n"
    "# TYPE rasd_socket_corrected_errors_total counter\n"
    "rasd_socket_corrected_errors_total{socket=\"0\"} 11\n"
    "# HELP rasd_socket_degraded 1 if the socket is degraded.\n"
    "# TYPE rasd_socket_degraded gauge\n"
    "rasd_socket_degraded{socket=\"0\"} 1\n";

static struct metrics_snapshot small_snapshot(void)
{
	struct metrics_snapshot s = {
	    .host = "xen01",
	    .up = true,
	    .now_s = 1700000000.25,
	    .start_s = 1699999000.5,
	    .version = "0.1.0",
	    .backend = "sim",
	    .telemetry_state = "ok",
	    .health = METRICS_HEALTH_DEGRADED,
	    .records_read = 12,
	    .records_invalid = 1,
	    .pages_offlined = 1,
	    .guests_evacuated = 2,
	    .migrations_failed = 1,
	    .actions_failed = 1,
	    .events = small_events,
	    .n_events = 1,
	    .dimms = small_dimms,
	    .n_dimms = 1,
	    .cpus = small_cpus,
	    .n_cpus = 2,
	    .sockets = small_sockets,
	    .n_sockets = 1,
	};
	return s;
}

static int remove_one(const char *p, const struct stat *st, int flag,
                      struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/rasd-metrics.XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/rasd.prom", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	nftw(f->dir, remove_one, 8, FTW_DEPTH | FTW_PHYS);
	free(f);
	return 0;
}

/* The whole file, NUL-terminated; fails the test if unreadable. */
static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	return buf;
}

/* Entries in dir other than . and .. */
static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static void render_small_snapshot_exactly(void **state)
{
	struct metrics_snapshot s = small_snapshot();
	size_t len;
	char *text;

	(void)state;
	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_string_equal(text, small_text);
	assert_int_equal(len, strlen(small_text));
	free(text);
}

static void write_gives_the_exact_text_readable_by_all(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	struct stat st;

	w = metrics_open(f->path, 60 * SEC, f->err, sizeof(f->err));
	assert_non_null(w);
	assert_int_equal(metrics_write_now(w, &s, 1000, f->err, sizeof(f->err)),
	                 0);
	assert_string_equal(slurp(f->path), small_text);
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);
	assert_int_equal(count_entries(f->dir), 1);
	metrics_close(w);
}

/* PCIe and CXL devices: one series per severity, a storm gauge, and a
 * device name that cannot break the exposition format. */
static void devices_have_their_series(void **state)
{
	static const struct metrics_device devs[] = {
	    {"aer", "0000:3b:00.0", 12, 0, 0, true},
	    {"cxl", "mem\"0", 1, 2, 3, false},
	};
	struct metrics_snapshot s = {
	    .health = METRICS_HEALTH_OK, .devices = devs, .n_devices = 2};
	size_t len;
	char *text;

	(void)state;
	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_non_null(strstr(
	    text, "# TYPE rasd_device_errors_total counter\n"
	          "rasd_device_errors_total{source=\"aer\",device=\"0000:3b:"
	          "00.0\",severity=\"corrected\"} 12\n"));
	assert_non_null(strstr(text,
	                       "rasd_device_errors_total{source=\"cxl\",device="
	                       "\"mem\\\"0\",severity=\"fatal\"} 3\n"));
	assert_non_null(strstr(text, "rasd_device_storm{source=\"aer\","
	                             "device=\"0000:3b:00.0\"} 1\n"));
	free(text);
}

static void empty_parts_are_left_out(void **state)
{
	struct metrics_snapshot s = {.health = METRICS_HEALTH_FAILING};
	size_t len;
	char *text;

	(void)state;
	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_null(strstr(text, "rasd_info"));
	assert_null(strstr(text, "rasd_events_total"));
	assert_null(strstr(text, "rasd_dimm_"));
	assert_null(strstr(text, "rasd_cpu_"));
	assert_null(strstr(text, "rasd_socket_"));
	assert_non_null(
	    strstr(text, "rasd_host_health{state=\"failing\"} 1\n"));
	assert_non_null(strstr(text, "rasd_actions_failed_total 0\n"));
	free(text);
}

static void label_values_are_escaped(void **state)
{
	struct metrics_dimm d = {.label = "A\\1 \"top\"\nx\xc3\xa9"};
	struct metrics_event_count e = {"sev\"", "k\\", 1};
	struct metrics_snapshot s = {.host = "h\"1\n",
	                             .dimms = &d,
	                             .n_dimms = 1,
	                             .events = &e,
	                             .n_events = 1};
	size_t len;
	char *text;

	(void)state;
	text = metrics_render(&s, &len);
	assert_non_null(text);
	assert_non_null(strstr(text, "rasd_info{host=\"h\\\"1\\n\"} 1\n"));
	assert_non_null(
	    strstr(text, "rasd_dimm_pages_in_window{dimm=\"A\\\\1 "
	                 "\\\"top\\\"\\nx??\",socket=\"0\","
	                 "controller=\"0\",csrow=\"0\",channel=\"0\"} 0\n"));
	assert_non_null(strstr(text, "rasd_events_total{severity=\"sev\\\"\","
	                             "kind=\"k\\\\\"} 1\n"));
	free(text);
}

static void writes_only_on_change_and_after_the_interval(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	char *e = f->err;
	size_t el = sizeof(f->err);

	w = metrics_open(f->path, 10 * SEC, e, el);
	assert_non_null(w);
	/* The first write needs no interval. */
	assert_int_equal(metrics_maybe_write(w, &s, 1000, e, el), 1);
	/* Unchanged: never written again, however late. */
	assert_int_equal(metrics_maybe_write(w, &s, 500 * SEC, e, el), 0);
	/* Changed, and long after the last write: written. */
	s.records_read = 13;
	assert_int_equal(metrics_maybe_write(w, &s, 500 * SEC, e, el), 1);
	assert_non_null(strstr(slurp(f->path), "rasd_records_read_total 13\n"));
	/* Changed too soon: deferred, the file keeps the old value ... */
	s.records_read = 14;
	assert_int_equal(metrics_maybe_write(w, &s, 501 * SEC, e, el), 0);
	assert_int_equal(metrics_maybe_write(w, &s, 510 * SEC - 1, e, el), 0);
	assert_non_null(strstr(slurp(f->path), "rasd_records_read_total 13\n"));
	/* ... until the interval has passed since the last write. */
	assert_int_equal(metrics_maybe_write(w, &s, 510 * SEC, e, el), 1);
	assert_non_null(strstr(slurp(f->path), "rasd_records_read_total 14\n"));
	/* write_now ignores both the interval and change detection. */
	s.records_read = 15;
	assert_int_equal(metrics_write_now(w, &s, 510 * SEC + 1, e, el), 0);
	assert_non_null(strstr(slurp(f->path), "rasd_records_read_total 15\n"));
	assert_int_equal(metrics_maybe_write(w, &s, 600 * SEC, e, el), 0);
	assert_int_equal(count_entries(f->dir), 1);
	metrics_close(w);
}

static void zero_interval_writes_every_change(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	uint64_t i;

	w = metrics_open(f->path, 0, f->err, sizeof(f->err));
	assert_non_null(w);
	for (i = 0; i < 5; i++) {
		s.records_read = i;
		assert_int_equal(
		    metrics_maybe_write(w, &s, 1000, f->err, sizeof(f->err)),
		    1);
		assert_int_equal(
		    metrics_maybe_write(w, &s, 1000, f->err, sizeof(f->err)),
		    0);
	}
	assert_int_equal(count_entries(f->dir), 1);
	metrics_close(w);
}

/*
 * A real write failure: RLIMIT_FSIZE makes write(2) fail with EFBIG once
 * the temp file reaches the limit, even for root.
 */
static void failed_write_keeps_the_old_file(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = {.host = "old"};
	struct metrics_snapshot big = small_snapshot();
	struct metrics_writer *w;
	struct rlimit saved, lim;
	char want[512], *old;

	w = metrics_open(f->path, 10 * SEC, f->err, sizeof(f->err));
	assert_non_null(w);
	assert_int_equal(metrics_write_now(w, &s, 0, f->err, sizeof(f->err)),
	                 0);
	old = strdup(slurp(f->path));
	assert_non_null(old);

	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &saved), 0);
	lim = saved;
	lim.rlim_cur = 100;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	assert_int_equal(
	    metrics_maybe_write(w, &big, 20 * SEC, f->err, sizeof(f->err)), -1);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &saved), 0);
	signal(SIGXFSZ, SIG_DFL);

	snprintf(want, sizeof(want), ": %s", strerror(EFBIG));
	assert_non_null(strstr(f->err, "metrics: cannot write "));
	assert_non_null(strstr(f->err, f->dir));
	assert_non_null(strstr(f->err, want));
	assert_string_equal(slurp(f->path), old);
	assert_int_equal(count_entries(f->dir), 1);
	/* The change stays pending: retried once the interval has passed. */
	assert_int_equal(
	    metrics_maybe_write(w, &big, 25 * SEC, f->err, sizeof(f->err)), 0);
	assert_int_equal(
	    metrics_maybe_write(w, &big, 30 * SEC, f->err, sizeof(f->err)), 1);
	assert_string_equal(slurp(f->path), small_text);
	free(old);
	metrics_close(w);
}

static void failed_rename_names_both_paths(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	char want[512];

	/* A directory where the file should be: rename(2) gives EISDIR. */
	assert_int_equal(mkdir(f->path, 0755), 0);
	w = metrics_open(f->path, 0, f->err, sizeof(f->err));
	assert_non_null(w);
	assert_int_equal(metrics_maybe_write(w, &s, 0, f->err, sizeof(f->err)),
	                 -1);
	snprintf(want, sizeof(want),
	         "metrics: cannot replace %s with %s/.rasd.prom.", f->path,
	         f->dir);
	assert_non_null(strstr(f->err, want));
	snprintf(want, sizeof(want), ": %s", strerror(EISDIR));
	assert_non_null(strstr(f->err, want));
	/* Only the directory itself: the temp file is gone. */
	assert_int_equal(count_entries(f->dir), 1);
	metrics_close(w);
}

static void missing_directory_is_reported(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	char path[256], want[512];

	snprintf(path, sizeof(path), "%s/no/such/rasd.prom", f->dir);
	w = metrics_open(path, 0, f->err, sizeof(f->err));
	assert_non_null(w);
	assert_int_equal(metrics_write_now(w, &s, 0, f->err, sizeof(f->err)),
	                 -1);
	snprintf(want, sizeof(want),
	         "metrics: cannot create a temp file in %s/no/such for %s: %s",
	         f->dir, path, strerror(ENOENT));
	assert_string_equal(f->err, want);
	assert_int_equal(count_entries(f->dir), 0);
	metrics_close(w);
}

static void a_bare_file_name_is_written_in_the_cwd(void **state)
{
	struct fixture *f = *state;
	struct metrics_snapshot s = small_snapshot();
	struct metrics_writer *w;
	char cwd[4096];

	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir(f->dir), 0);
	w = metrics_open("rasd.prom", 0, f->err, sizeof(f->err));
	assert_non_null(w);
	assert_int_equal(metrics_write_now(w, &s, 0, f->err, sizeof(f->err)),
	                 0);
	assert_int_equal(chdir(cwd), 0);
	assert_string_equal(slurp(f->path), small_text);
	assert_int_equal(count_entries(f->dir), 1);
	metrics_close(w);
}

static void paths_that_name_no_file_are_refused(void **state)
{
	char err[256];

	(void)state;
	assert_null(metrics_open("", 0, err, sizeof(err)));
	assert_string_equal(err, "metrics: '' does not name a file");
	assert_null(metrics_open("/var/lib/rasd/", 0, err, sizeof(err)));
	assert_string_equal(err,
	                    "metrics: '/var/lib/rasd/' does not name a file");
}

static void dimm_state_names_parse(void **state)
{
	(void)state;
	assert_int_equal(metrics_dimm_state_parse("ok"), METRICS_DIMM_OK);
	assert_int_equal(metrics_dimm_state_parse("failing"),
	                 METRICS_DIMM_FAILING);
	assert_int_equal(metrics_dimm_state_parse("evacuated"),
	                 METRICS_DIMM_EVACUATED);
	assert_int_equal(metrics_dimm_state_parse("broken"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(render_small_snapshot_exactly),
	    cmocka_unit_test(devices_have_their_series),
	    cmocka_unit_test_setup_teardown(
	        write_gives_the_exact_text_readable_by_all, setup, teardown),
	    cmocka_unit_test(empty_parts_are_left_out),
	    cmocka_unit_test(label_values_are_escaped),
	    cmocka_unit_test_setup_teardown(
	        writes_only_on_change_and_after_the_interval, setup, teardown),
	    cmocka_unit_test_setup_teardown(zero_interval_writes_every_change,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(failed_write_keeps_the_old_file,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(failed_rename_names_both_paths,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(missing_directory_is_reported,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(
	        a_bare_file_name_is_written_in_the_cwd, setup, teardown),
	    cmocka_unit_test(paths_that_name_no_file_are_refused),
	    cmocka_unit_test(dimm_state_names_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

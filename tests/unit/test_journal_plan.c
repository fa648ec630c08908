/* test_journal_plan.c - the journal's exactly-once parts on temp files:
 * verdicts, evacuations, attempt handles, sync, commit hooks, the lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "rasd/journal.h"

struct temp {
	char path[64];
	struct journal *j;
};

static int setup(void **state)
{
	struct temp *t = calloc(1, sizeof(*t));
	char err[512] = "";
	int fd;

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/rasd-jplan-XXXXXX");
	fd = mkstemp(t->path);
	if (fd < 0) {
		free(t);
		return -1;
	}
	close(fd);
	if (journal_open(&t->j, t->path, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s\n", err);
		return -1;
	}
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	struct temp *t = *state;
	char side[80];

	journal_close(t->j);
	unlink(t->path);
	snprintf(side, sizeof(side), "%s-wal", t->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", t->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s.lock", t->path);
	unlink(side);
	free(t);
	return 0;
}

/* The first column of the first row, as text, through SQLite itself. */
static void query_raw(const char *path, const char *sql, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	out[0] = '\0';
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, len, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void test_verdict_with_its_plan_in_one_batch(void **state)
{
	struct temp *t = *state;
	struct journal_verdict v;
	struct journal_action a;
	struct journal_action got;
	char value[256];

	memset(&v, 0, sizeof(v));
	v.time_ms = 1000;
	snprintf(v.type, sizeof(v.type), "dimm_threshold");
	snprintf(v.component, sizeof(v.component), "CPU0_DIMM_B1");
	v.count = 10;
	snprintf(v.detail, sizeof(v.detail), "10 distinct pages");
	assert_int_equal(journal_begin(t->j), 0);
	assert_true(journal_in_batch(t->j));
	assert_int_equal(journal_verdict_add(t->j, &v), 0);
	assert_true(v.id > 0);
	memset(&a, 0, sizeof(a));
	a.kind = ACTION_PAGE_OFFLINE;
	a.state = ACTION_INTENDED;
	a.target = 0x1234;
	a.verdict_id = v.id;
	assert_int_equal(journal_action_add(t->j, &a), 0);
	/* Rolled back: neither the verdict nor its step happened. */
	assert_int_equal(journal_rollback(t->j), 0);
	assert_false(journal_in_batch(t->j));
	query_raw(t->path, "SELECT COUNT(*) FROM verdicts", value,
	          sizeof(value));
	assert_string_equal(value, "0");
	assert_int_equal(journal_action_get(t->j, a.id, &got), -1);

	assert_int_equal(journal_begin(t->j), 0);
	assert_int_equal(journal_verdict_add(t->j, &v), 0);
	a.verdict_id = v.id;
	assert_int_equal(journal_action_add(t->j, &a), 0);
	assert_int_equal(journal_commit(t->j), 0);
	query_raw(t->path,
	          "SELECT type || ' ' || component || ' ' || count FROM "
	          "verdicts",
	          value, sizeof(value));
	assert_string_equal(value, "dimm_threshold CPU0_DIMM_B1 10");
	assert_int_equal(journal_action_get(t->j, a.id, &got), 0);
	assert_int_equal(got.verdict_id, v.id);
	assert_int_equal(got.state, ACTION_INTENDED);
}

static int collect_evacuation(void *arg, const struct journal_evacuation *e)
{
	struct journal_evacuation *out = arg;

	out[e->seq - 1] = *e;
	return 0;
}

static void test_evacuations_round_trip(void **state)
{
	struct temp *t = *state;
	struct journal_evacuation e[2], got[2];
	enum evac_state s;
	uint32_t i;

	for (i = 0; i < 2; i++) {
		memset(&e[i], 0, sizeof(e[i]));
		e[i].verdict_id = 7;
		e[i].event_id = 3;
		e[i].seq = i + 1;
		e[i].domid = 10 + i;
		snprintf(e[i].guest, sizeof(e[i].guest), "guest-%u", i);
		snprintf(e[i].component, sizeof(e[i].component), "DIMM_B");
		snprintf(e[i].reason, sizeof(e[i].reason), "owns memory");
		e[i].state = EVAC_QUEUED;
		e[i].created_ms = e[i].updated_ms = 500;
		assert_int_equal(journal_evacuation_add(t->j, &e[i]), 0);
	}
	e[0].state = EVAC_RUNNING;
	e[0].action_id = 42;
	e[0].first_action = 41;
	e[0].attempts = 2;
	snprintf(e[0].detail, sizeof(e[0].detail), "asking xen-b");
	e[0].updated_ms = 900;
	assert_int_equal(journal_evacuation_update(t->j, &e[0]), 0);
	memset(got, 0, sizeof(got));
	assert_int_equal(
	    journal_evacuations_each(t->j, collect_evacuation, got), 0);
	assert_int_equal(got[0].state, EVAC_RUNNING);
	assert_int_equal(got[0].action_id, 42);
	assert_int_equal(got[0].first_action, 41);
	assert_int_equal(got[0].attempts, 2);
	assert_string_equal(got[0].detail, "asking xen-b");
	assert_int_equal(got[0].updated_ms, 900);
	assert_int_equal(got[1].state, EVAC_QUEUED);
	assert_int_equal(got[1].domid, 11);
	assert_string_equal(got[1].guest, "guest-1");
	assert_string_equal(got[1].component, "DIMM_B");
	e[1].id = 999;
	assert_int_equal(journal_evacuation_update(t->j, &e[1]), -1);
	assert_non_null(strstr(journal_error(t->j), "no evacuation 999"));
	assert_string_equal(evac_state_name(EVAC_GONE), "gone");
	assert_int_equal(evac_state_parse("done", &s), 0);
	assert_int_equal(s, EVAC_DONE);
	assert_int_equal(evac_state_parse("later", &s), -1);
}

static void test_attempt_handle_and_rate_window(void **state)
{
	struct temp *t = *state;
	struct journal_action a, got;
	uint64_t starts[8];
	size_t n = 0;
	int i;

	for (i = 0; i < 3; i++) {
		memset(&a, 0, sizeof(a));
		a.kind = ACTION_MIGRATE;
		a.state = ACTION_INTENDED;
		a.target = 1;
		a.job_id = 5;
		snprintf(a.peer, sizeof(a.peer), "xen-b");
		assert_int_equal(journal_action_add(t->j, &a), 0);
		/* The third is intended but never asked: no start. */
		if (i < 2)
			assert_int_equal(
			    journal_action_started(t->j, a.id, ACTION_RUNNING,
			                           1000 + 1000 * (uint64_t)i,
			                           77 + i, "migration started"),
			    0);
	}
	assert_int_equal(journal_action_get(t->j, 2, &got), 0);
	assert_int_equal(got.state, ACTION_RUNNING);
	assert_int_equal(got.handle, 78);
	assert_int_equal(got.started_ms, 2000);
	assert_int_equal(got.job_id, 5);
	assert_string_equal(got.detail, "migration started");
	assert_int_equal(journal_migrate_starts(t->j, 0, starts, 8, &n), 0);
	assert_int_equal(n, 2);
	assert_int_equal(starts[0], 1000);
	assert_int_equal(starts[1], 2000);
	assert_int_equal(journal_migrate_starts(t->j, 1500, starts, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(
	    journal_action_started(t->j, 99, ACTION_RUNNING, 1, 1, NULL), -1);
}

static void test_sync_makes_commits_durable(void **state)
{
	struct temp *t = *state;
	char value[64];

	assert_int_equal(journal_sync(t->j), 0);
	assert_false(journal_unsynced(t->j));
	assert_int_equal(journal_meta_set(t->j, "k", "v"), 0);
	assert_true(journal_unsynced(t->j));
	assert_int_equal(journal_sync(t->j), 0);
	assert_false(journal_unsynced(t->j));
	/* The mark is a real commit, done at synchronous=FULL. */
	query_raw(t->path, "SELECT value FROM meta WHERE key = 'synced'", value,
	          sizeof(value));
	assert_true(strlen(value) > 0);
	/* Nothing to sync: no write. */
	assert_int_equal(journal_sync(t->j), 0);
	assert_int_equal(journal_begin(t->j), 0);
	assert_int_equal(journal_sync(t->j), -1);
	assert_non_null(strstr(journal_error(t->j), "batch is open"));
	assert_int_equal(journal_rollback(t->j), 0);
}

/* Waits for the syncer's answer the way the loop does: its fd. */
static int wait_synced(struct journal *j)
{
	struct pollfd p = {.fd = journal_syncer_fd(j), .events = POLLIN};

	return poll(&p, 1, 10000);
}

/* The thread's fsync: asked, answered on its fd, the commits durable;
 * nothing asked without a thread or inside a batch. */
static void test_syncer_answers_on_its_fd(void **state)
{
	struct temp *t = *state;
	int i;

	assert_int_equal(journal_syncer_fd(t->j), -1);
	assert_int_equal(journal_meta_set(t->j, "k", "v"), 0);
	assert_int_equal(journal_sync_ask(t->j), -1);
	assert_int_equal(journal_syncer_start(t->j, t->path), 0);
	assert_true(journal_syncer_fd(t->j) >= 0);
	assert_true(journal_unsynced(t->j));
	assert_int_equal(journal_sync_ask(t->j), 0);
	assert_true(journal_sync_in_flight(t->j));
	/* Asked again while in flight: still the one. */
	assert_int_equal(journal_sync_ask(t->j), 0);
	assert_int_equal(wait_synced(t->j), 1);
	assert_int_equal(journal_sync_done(t->j), 0);
	assert_false(journal_sync_in_flight(t->j));
	assert_false(journal_unsynced(t->j));
	/* A commit after the ask is not covered by it. */
	assert_int_equal(journal_meta_set(t->j, "k", "w"), 0);
	assert_int_equal(journal_sync_ask(t->j), 0);
	assert_int_equal(journal_meta_set(t->j, "k", "x"), 0);
	assert_int_equal(wait_synced(t->j), 1);
	assert_int_equal(journal_sync_done(t->j), 0);
	assert_true(journal_unsynced(t->j));
	assert_int_equal(journal_begin(t->j), 0);
	assert_int_equal(journal_sync_ask(t->j), -1);
	assert_non_null(strstr(journal_error(t->j), "batch is open"));
	assert_int_equal(journal_rollback(t->j), 0);
	/* Checkpoints go to the thread too: enough commits to ask for a
	 * few, and the journal still reads back. */
	for (i = 0; i < 3000; i++) {
		char v[16];

		snprintf(v, sizeof(v), "%d", i);
		assert_int_equal(journal_meta_set(t->j, "k", v), 0);
	}
	journal_syncer_stop(t->j);
	assert_int_equal(journal_syncer_fd(t->j), -1);
}

struct hook_count {
	int before, after;
};

static void count_commit(void *arg, bool committed)
{
	struct hook_count *c = arg;

	if (committed)
		c->after++;
	else
		c->before++;
}

static void test_commit_hook_sees_every_commit(void **state)
{
	struct temp *t = *state;
	struct hook_count c = {0, 0};

	journal_set_commit_hook(t->j, count_commit, &c);
	assert_int_equal(journal_meta_set(t->j, "a", "1"), 0);
	assert_int_equal(c.before, 1);
	assert_int_equal(c.after, 1);
	assert_int_equal(journal_begin(t->j), 0);
	assert_int_equal(journal_meta_set(t->j, "a", "2"), 0);
	assert_int_equal(journal_meta_set(t->j, "b", "2"), 0);
	assert_int_equal(c.before, 1);
	assert_int_equal(journal_commit(t->j), 0);
	assert_int_equal(c.before, 2);
	assert_int_equal(c.after, 2);
	/* A rolled-back batch is no commit. */
	assert_int_equal(journal_begin(t->j), 0);
	assert_int_equal(journal_meta_set(t->j, "c", "3"), 0);
	assert_int_equal(journal_rollback(t->j), 0);
	assert_int_equal(c.before, 2);
	journal_set_commit_hook(t->j, NULL, NULL);
	assert_int_equal(journal_meta_set(t->j, "d", "4"), 0);
	assert_int_equal(c.after, 2);
}

static void test_one_daemon_per_journal(void **state)
{
	struct temp *t = *state;
	char err[512] = "", want[512];
	int fd = -1, fd2 = -1;

	assert_int_equal(journal_lock(t->path, &fd, err, sizeof(err)), 0);
	assert_true(fd >= 0);
	/* A second holder, even in this process, is refused by name. */
	assert_int_equal(journal_lock(t->path, &fd2, err, sizeof(err)), -1);
	assert_int_equal(fd2, -1);
	snprintf(want, sizeof(want),
	         "journal %s is in use by another rasd (pid %d)", t->path,
	         (int)getpid());
	assert_string_equal(err, want);
	journal_unlock(fd);
	assert_int_equal(journal_lock(t->path, &fd2, err, sizeof(err)), 0);
	journal_unlock(fd2);
	assert_int_equal(journal_lock(":memory:", &fd, err, sizeof(err)), 0);
	assert_int_equal(fd, -1);
	assert_int_equal(
	    journal_lock("/nonexistent/dir/j.db", &fd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot open /nonexistent/dir/j.db.lock"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(
	        test_verdict_with_its_plan_in_one_batch, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_evacuations_round_trip, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_attempt_handle_and_rate_window,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_syncer_answers_on_its_fd,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_sync_makes_commits_durable,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_commit_hook_sees_every_commit,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_daemon_per_journal, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

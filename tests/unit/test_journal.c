/* test_journal.c - the journal on temp files: schema and migrations, the
 * restart case, round trips of every field, summaries, ordering, batches,
 * health events and their merge with machine-check events, meta values. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "rasd/journal.h"

struct temp_journal {
	char path[64];
};

/* mkstemp leaves an empty file, which SQLite takes as a new database. */
static int setup_temp(void **state)
{
	struct temp_journal *t = calloc(1, sizeof(*t));
	int fd;

	if (t == NULL)
		return -1;
	snprintf(t->path, sizeof(t->path), "/tmp/rasd-journal-XXXXXX");
	fd = mkstemp(t->path);
	if (fd < 0) {
		free(t);
		return -1;
	}
	close(fd);
	*state = t;
	return 0;
}

static int teardown_temp(void **state)
{
	struct temp_journal *t = *state;
	char side[80];

	unlink(t->path);
	snprintf(side, sizeof(side), "%s-wal", t->path);
	unlink(side);
	snprintf(side, sizeof(side), "%s-shm", t->path);
	unlink(side);
	free(t);
	return 0;
}

static struct journal *open_ok(const char *path)
{
	struct journal *j = NULL;
	char err[512] = "";

	if (journal_open(&j, path, err, sizeof(err)) != 0)
		fail_msg("journal_open %s: %s", path, err);
	assert_non_null(j);
	return j;
}

static void exec_raw(const char *path, const char *sql)
{
	sqlite3 *db;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(db));
	sqlite3_close(db);
}

/* The first column of the first row of `sql`, as text. */
static void query_raw(const char *path, const char *sql, char *out, size_t len)
{
	sqlite3 *db;
	sqlite3_stmt *st;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	snprintf(out, len, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static struct journal_event sample_event(uint64_t time_ms)
{
	struct journal_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_ms;
	snprintf(ev.source, sizeof(ev.source), "sim");
	ev.rec.status = 0x9c00004000010091ULL;
	ev.rec.addr = 0x1234000;
	ev.severity = MCE_SEV_CORRECTED;
	ev.kind = MCE_KIND_MEMORY;
	ev.channel = -1;
	ev.dimm = -1;
	return ev;
}

static struct journal_action
sample_action(enum action_kind kind, enum action_state state, uint64_t target)
{
	struct journal_action a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.state = state;
	a.target = target;
	a.attempt = 1;
	a.created_ms = 1000;
	a.updated_ms = 1000;
	snprintf(a.reason, sizeof(a.reason), "test");
	return a;
}

static void add_action(struct journal *j, struct journal_action *a)
{
	if (journal_action_add(j, a) != 0)
		fail_msg("journal_action_add: %s", journal_error(j));
	assert_true(a->id > 0);
}

static void test_schema_created(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	char value[256];

	assert_int_equal(journal_schema_version(j), JOURNAL_SCHEMA_VERSION);
	assert_int_equal(journal_schema_version(j), 7);
	journal_close(j);
	query_raw(t->path,
	          "SELECT value FROM meta WHERE key = 'schema_version'", value,
	          sizeof(value));
	assert_string_equal(value, "7");
	query_raw(t->path, "PRAGMA journal_mode", value, sizeof(value));
	assert_string_equal(value, "wal");
	query_raw(t->path,
	          "SELECT group_concat(name, ' ') FROM (SELECT name FROM "
	          "sqlite_master WHERE name NOT LIKE 'sqlite_%' ORDER BY name)",
	          value, sizeof(value));
	assert_string_equal(
	    value, "actions actions_started actions_state "
	           "components device_events device_events_device "
	           "device_events_time evacuations evacuations_state "
	           "event_blocks event_blocks_last event_days event_notes "
	           "health_events health_events_time meta "
	           "strings verdicts");

	/* Opening again migrates nothing and keeps the version. */
	j = open_ok(t->path);
	assert_int_equal(journal_schema_version(j), 7);
	journal_close(j);
}

static int collect_action_ids(void *arg, const struct journal_action *a)
{
	int64_t *ids = arg;

	ids[++ids[0]] = a->id;
	return 0;
}

/* The restart case: what was intended or running is resumed, not the rest. */
static void test_reopen_resumes_unfinished(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_event ev = sample_event(5000);
	struct journal_action intended, running, done, failed, recommended;
	struct journal_action got;
	int64_t ids[16] = {0};

	assert_int_equal(journal_event_add(j, &ev), 0);
	intended = sample_action(ACTION_PAGE_OFFLINE, ACTION_INTENDED, 0x1234);
	intended.event_id = ev.id;
	running = sample_action(ACTION_MIGRATE, ACTION_RUNNING, 5);
	done = sample_action(ACTION_CPU_OFFLINE, ACTION_DONE, 3);
	failed = sample_action(ACTION_MIGRATE, ACTION_FAILED, 6);
	recommended =
	    sample_action(ACTION_PAGE_OFFLINE, ACTION_RECOMMENDED, 0x99);
	add_action(j, &done);
	add_action(j, &intended);
	add_action(j, &failed);
	add_action(j, &running);
	add_action(j, &recommended);
	journal_close(j);

	j = open_ok(t->path);
	assert_int_equal(journal_event_count(j), 1);
	assert_int_equal(journal_actions_each(j, true, collect_action_ids, ids),
	                 0);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], intended.id);
	assert_int_equal(ids[2], running.id);

	memset(ids, 0, sizeof(ids));
	assert_int_equal(
	    journal_actions_each(j, false, collect_action_ids, ids), 0);
	assert_int_equal(ids[0], 5);
	assert_int_equal(ids[1], done.id);
	assert_int_equal(ids[5], recommended.id);

	assert_int_equal(journal_action_get(j, intended.id, &got), 0);
	assert_int_equal(got.kind, ACTION_PAGE_OFFLINE);
	assert_int_equal(got.state, ACTION_INTENDED);
	assert_int_equal(got.target, 0x1234);
	assert_int_equal(got.event_id, ev.id);
	assert_int_equal(got.parent_id, 0);

	/* Resumed and finished: no longer listed after the next restart. */
	assert_int_equal(journal_action_update(j, intended.id, ACTION_DONE,
	                                       9000, "offlined"),
	                 0);
	journal_close(j);
	j = open_ok(t->path);
	memset(ids, 0, sizeof(ids));
	assert_int_equal(journal_actions_each(j, true, collect_action_ids, ids),
	                 0);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], running.id);
	journal_close(j);
}

static void test_newer_schema_refused(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = NULL;
	char err[512] = "", want[512], value[16];

	exec_raw(t->path,
	         "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);"
	         "INSERT INTO meta VALUES ('schema_version', '8');");
	assert_int_equal(journal_open(&j, t->path, err, sizeof(err)), -1);
	assert_null(j);
	snprintf(want, sizeof(want),
	         "journal %s has schema version 8, this rasd knows up to 7",
	         t->path);
	assert_string_equal(err, want);
	/* Refused means untouched. */
	query_raw(t->path, "SELECT value FROM meta", value, sizeof(value));
	assert_string_equal(value, "8");
	query_raw(t->path, "SELECT COUNT(*) FROM sqlite_master", value,
	          sizeof(value));
	assert_string_equal(value, "2"); /* meta and its key index */
}

static void test_not_sqlite_refused(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = NULL;
	char err[512] = "", want[512], text[4096];
	FILE *f;
	size_t i;

	for (i = 0; i + 1 < sizeof(text); i++)
		text[i] = "rasd is not a database, just text\n"[i % 34];
	f = fopen(t->path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, f),
	                 sizeof(text) - 1);
	fclose(f);
	assert_int_equal(journal_open(&j, t->path, err, sizeof(err)), -1);
	assert_null(j);
	snprintf(want, sizeof(want), "journal %s is not an SQLite database",
	         t->path);
	assert_string_equal(err, want);
}

static void test_foreign_database_refused(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = NULL;
	char err[512] = "";

	exec_raw(t->path, "CREATE TABLE photos (id INTEGER PRIMARY KEY);");
	assert_int_equal(journal_open(&j, t->path, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "not a rasd journal"));
}

static void test_open_errors(void **state)
{
	struct journal *j = NULL;
	char err[512] = "";

	(void)state;
	assert_int_equal(
	    journal_open(&j, "/nonexistent/dir/journal.db", err, sizeof(err)),
	    -1);
	assert_null(j);
	assert_non_null(strstr(err, "journal /nonexistent/dir/journal.db: "));
	assert_int_equal(journal_open(&j, NULL, err, sizeof(err)), -1);
	assert_int_equal(journal_open(NULL, ":memory:", err, sizeof(err)), -1);
	assert_int_equal(journal_open(&j, "/nonexistent/x", NULL, 0), -1);
}

static void fill_string(char *s, size_t size, char c)
{
	memset(s, c, size - 1);
	s[size - 1] = '\0';
}

static int copy_event(void *arg, const struct journal_event *ev)
{
	struct journal_event *out = arg;

	*out = *ev;
	return 1;
}

static void assert_event_equal(const struct journal_event *a,
                               const struct journal_event *b)
{
	assert_int_equal(a->id, b->id);
	assert_int_equal(a->time_ms, b->time_ms);
	assert_string_equal(a->source, b->source);
	assert_int_equal(a->rec.status, b->rec.status);
	assert_int_equal(a->rec.misc, b->rec.misc);
	assert_int_equal(a->rec.addr, b->rec.addr);
	assert_int_equal(a->rec.mcgstatus, b->rec.mcgstatus);
	assert_int_equal(a->rec.ip, b->rec.ip);
	assert_int_equal(a->rec.tsc, b->rec.tsc);
	assert_int_equal(a->rec.time, b->rec.time);
	assert_int_equal(a->rec.mcgcap, b->rec.mcgcap);
	assert_int_equal(a->rec.synd, b->rec.synd);
	assert_int_equal(a->rec.ipid, b->rec.ipid);
	assert_int_equal(a->rec.ppin, b->rec.ppin);
	assert_int_equal(a->rec.cpuid, b->rec.cpuid);
	assert_int_equal(a->rec.extcpu, b->rec.extcpu);
	assert_int_equal(a->rec.socketid, b->rec.socketid);
	assert_int_equal(a->rec.apicid, b->rec.apicid);
	assert_int_equal(a->rec.microcode, b->rec.microcode);
	assert_int_equal(a->rec.cpuvendor, b->rec.cpuvendor);
	assert_int_equal(a->rec.cs, b->rec.cs);
	assert_int_equal(a->rec.bank, b->rec.bank);
	assert_int_equal(a->rec.inject_flags, b->rec.inject_flags);
	assert_int_equal(a->rec.record_len, b->rec.record_len);
	assert_int_equal(a->severity, b->severity);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->cpu, b->cpu);
	assert_int_equal(a->socket, b->socket);
	assert_int_equal(a->bank, b->bank);
	assert_int_equal(a->channel, b->channel);
	assert_int_equal(a->dimm, b->dimm);
	assert_string_equal(a->dimm_label, b->dimm_label);
	assert_int_equal(a->page_valid, b->page_valid);
	assert_int_equal(a->page, b->page);
	assert_string_equal(a->also, b->also);
}

/* Every field, u64s with bit 63 set, strings filling their arrays. */
static void test_event_round_trip(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_event ev, got;
	struct mce_record *r = &ev.rec;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = 0x7fffffffffff0001ULL;
	fill_string(ev.source, sizeof(ev.source), 's');
	r->status = 0xfedcba9876543210ULL;
	r->misc = 0x8000000000000001ULL;
	r->addr = 0xffffffffffffffffULL;
	r->mcgstatus = 0x8000000000000007ULL;
	r->ip = 0x8123456789abcdefULL;
	r->tsc = 0x9000000000000000ULL;
	r->time = 0xa000000000000000ULL;
	r->mcgcap = 0xb000000001000c09ULL;
	r->synd = 0xc000000000000000ULL;
	r->ipid = 0xd000000000000000ULL;
	r->ppin = 0xe000000000000000ULL;
	r->cpuid = 0xffffffffu;
	r->extcpu = 0x80000001u;
	r->socketid = 0x80000002u;
	r->apicid = 0xfffffffeu;
	r->microcode = 0x80000003u;
	r->cpuvendor = 0xff;
	r->cs = 0x33;
	r->bank = 0xfe;
	r->inject_flags = 0x81;
	/* The journal keeps the whole record, in the kernel's 128 bytes;
	 * cpu, socket and bank are the record's own. */
	r->record_len = MCE_RECORD_LEN_LINUX;
	ev.severity = MCE_SEV_SRAR;
	ev.kind = MCE_KIND_INTERCONNECT;
	ev.cpu = (int32_t)r->extcpu;
	ev.socket = (int32_t)r->socketid;
	ev.bank = r->bank;
	ev.channel = -1;
	ev.dimm = -1;
	fill_string(ev.dimm_label, sizeof(ev.dimm_label), 'd');
	ev.page_valid = true;
	ev.page = 0xf0000000000000ffULL;

	assert_int_equal(journal_event_add(j, &ev), 0);
	assert_true(ev.id > 0);
	assert_int_equal(ev.count, 1);
	journal_close(j);
	j = open_ok(t->path);
	memset(&got, 0, sizeof(got));
	assert_int_equal(journal_events_each(j, 0, 0, copy_event, &got), 0);
	assert_event_equal(&got, &ev);

	journal_close(j);
}

struct event_list {
	struct journal_event ev[512];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int collect_event(void *arg, const struct journal_event *ev)
{
	struct event_list *list = arg;

	assert_true(list->n < sizeof(list->ev) / sizeof(list->ev[0]));
	list->ev[list->n++] = *ev;
	return list->stop_after != 0 && list->n == list->stop_after;
}

static void test_severity_kind_names(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct event_list *list = calloc(1, sizeof(*list));
	struct journal_event ev;
	int i;

	assert_non_null(list);
	for (i = MCE_SEV_CORRECTED; i <= MCE_SEV_FATAL; i++) {
		ev = sample_event((uint64_t)i);
		ev.severity = (enum mce_severity)i;
		ev.kind = (enum mce_kind)(MCE_KIND_UNKNOWN - i);
		assert_int_equal(journal_event_add(j, &ev), 0);
	}
	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	assert_int_equal(list->n, MCE_SEV_FATAL + 1);
	for (i = MCE_SEV_CORRECTED; i <= MCE_SEV_FATAL; i++) {
		assert_int_equal(list->ev[i].severity, i);
		assert_int_equal(list->ev[i].kind, MCE_KIND_UNKNOWN - i);
	}
	/* A value outside the enums is refused, not stored as garbage. */
	ev = sample_event(1);
	ev.severity = (enum mce_severity)(MCE_SEV_FATAL + 1);
	assert_int_equal(journal_event_add(j, &ev), -1);
	assert_non_null(strstr(journal_error(j), "severity"));
	free(list);
	journal_close(j);
}

/* In the order journaled (rasd's clock never runs back: oldest first),
 * since, limit, and paging over blocks. */
static void test_events_each(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct event_list *list = calloc(1, sizeof(*list));
	struct journal_event ev;
	size_t i;

	assert_non_null(list);
	assert_int_equal(journal_begin(j), 0);
	/* 300 events, times 10, 20, ..., 3000, and a second at 1500. */
	for (i = 0; i < 300; i++) {
		ev = sample_event(10 + 10 * i);
		ev.rec.extcpu = (uint32_t)i;
		assert_int_equal(journal_event_add(j, &ev), 0);
		if (i == 149) {
			ev.rec.extcpu = 1000;
			assert_int_equal(journal_event_add(j, &ev), 0);
		}
	}
	assert_int_equal(journal_commit(j), 0);
	assert_int_equal(journal_event_count(j), 301);

	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	assert_int_equal(list->n, 301);
	for (i = 1; i < list->n; i++) {
		assert_true(list->ev[i - 1].time_ms <= list->ev[i].time_ms);
		if (list->ev[i - 1].time_ms == list->ev[i].time_ms)
			assert_true(list->ev[i - 1].id < list->ev[i].id);
	}
	assert_int_equal(list->ev[0].time_ms, 10);

	list->n = 0;
	assert_int_equal(journal_events_each(j, 1500, 0, collect_event, list),
	                 0);
	assert_int_equal(list->n, 152); /* 1500..3000 step 10, and the twin */
	assert_int_equal(list->ev[0].time_ms, 1500);
	assert_int_equal(list->ev[1].time_ms, 1500);
	assert_int_equal(list->ev[1].cpu, 1000);

	list->n = 0;
	assert_int_equal(journal_events_each(j, 0, 70, collect_event, list), 0);
	assert_int_equal(list->n, 70);
	assert_int_equal(list->ev[69].time_ms, 700);

	list->n = 0;
	list->stop_after = 3;
	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	assert_int_equal(list->n, 3);

	list->n = 0;
	list->stop_after = 0;
	assert_int_equal(journal_events_each(j, 3001, 0, collect_event, list),
	                 0);
	assert_int_equal(list->n, 0);
	free(list);
	journal_close(j);
}

static void test_summary_counts(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_summary sum;
	struct journal_event ev = sample_event(1);
	static const struct {
		enum action_kind kind;
		enum action_state state;
		uint64_t target;
	} actions[] = {
	    {ACTION_PAGE_OFFLINE, ACTION_DONE, 0x100},
	    {ACTION_PAGE_OFFLINE, ACTION_DONE, 0x200},
	    {ACTION_PAGE_OFFLINE, ACTION_FAILED, 0x300},
	    {ACTION_PAGE_OFFLINE, ACTION_RECOMMENDED, 0x400},
	    {ACTION_PAGE_OFFLINE, ACTION_REFUSED, 0x500},
	    {ACTION_CPU_OFFLINE, ACTION_DONE, 3},
	    {ACTION_CPU_OFFLINE, ACTION_INTENDED, 4},
	    /* domid 5 moved twice (there and on again): one guest. */
	    {ACTION_MIGRATE, ACTION_DONE, 5},
	    {ACTION_MIGRATE, ACTION_DONE, 5},
	    {ACTION_MIGRATE, ACTION_DONE, 7},
	    {ACTION_MIGRATE, ACTION_FAILED, 9},
	    {ACTION_MIGRATE, ACTION_RUNNING, 9},
	    /* Put back by an operator: not offlined, still actions. */
	    {ACTION_PAGE_ONLINE, ACTION_DONE, 0x100},
	    {ACTION_PAGE_ONLINE, ACTION_FAILED, 0x200},
	    {ACTION_CPU_ONLINE, ACTION_DONE, 3},
	    {ACTION_CPU_ONLINE, ACTION_INTENDED, 8},
	};
	size_t i;

	assert_int_equal(journal_summary(j, &sum), 0);
	assert_int_equal(sum.events, 0);
	assert_int_equal(sum.actions_pending, 0);
	assert_int_equal(journal_event_add(j, &ev), 0);
	assert_int_equal(journal_event_add(j, &ev), 0);
	for (i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		struct journal_action a = sample_action(
		    actions[i].kind, actions[i].state, actions[i].target);

		add_action(j, &a);
	}
	assert_int_equal(journal_summary(j, &sum), 0);
	assert_int_equal(sum.events, 2);
	assert_int_equal(sum.pages_offlined, 2);
	assert_int_equal(sum.cpus_offlined, 1);
	assert_int_equal(sum.guests_evacuated, 2);
	assert_int_equal(sum.actions_failed, 3);
	assert_int_equal(sum.actions_pending, 3);
	assert_int_equal(sum.migrations_failed, 1);
	journal_close(j);
}

static struct journal_component component(const char *kind, const char *name,
                                          const char *state, uint64_t ce)
{
	struct journal_component c;

	memset(&c, 0, sizeof(c));
	snprintf(c.kind, sizeof(c.kind), "%s", kind);
	snprintf(c.name, sizeof(c.name), "%s", name);
	snprintf(c.state, sizeof(c.state), "%s", state);
	c.ce_count = ce;
	return c;
}

static void test_component_upsert(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_component c, got;
	char value[16];

	c = component("dimm", "CPU0_DIMM_A1", "ok", 1);
	c.ue_count = 0x8000000000000000ULL;
	c.updated_ms = 100;
	snprintf(c.detail, sizeof(c.detail), "first");
	assert_int_equal(journal_component_set(j, &c), 0);
	c = component("dimm", "CPU0_DIMM_A1", "failing", 12);
	c.updated_ms = 200;
	snprintf(c.detail, sizeof(c.detail), "10 pages in 24h");
	assert_int_equal(journal_component_set(j, &c), 0);

	assert_int_equal(journal_component_get(j, "dimm", "CPU0_DIMM_A1", &got),
	                 0);
	assert_string_equal(got.state, "failing");
	assert_int_equal(got.ce_count, 12);
	assert_int_equal(got.ue_count, 0);
	assert_int_equal(got.updated_ms, 200);
	assert_string_equal(got.detail, "10 pages in 24h");
	assert_int_equal(journal_component_get(j, "dimm", "nope", &got), -1);
	assert_non_null(strstr(journal_error(j), "no component dimm nope"));
	journal_close(j);
	query_raw(t->path, "SELECT COUNT(*) FROM components", value,
	          sizeof(value));
	assert_string_equal(value, "1");
}

struct component_list {
	struct journal_component c[256];
	size_t n;
};

static int collect_component(void *arg, const struct journal_component *c)
{
	struct component_list *list = arg;

	assert_true(list->n < sizeof(list->c) / sizeof(list->c[0]));
	list->c[list->n++] = *c;
	return 0;
}

static void test_components_each_order(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct component_list *list = calloc(1, sizeof(*list));
	static const char *const kinds[] = {"socket", "page", "dimm", "cpu"};
	struct journal_component c;
	char name[32];
	size_t i;

	assert_non_null(list);
	/* 200 components, more than a page of rows, in no order. */
	for (i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "n%03zu", (i * 37) % 200);
		c = component(kinds[i % 4], name, "ok", i);
		assert_int_equal(journal_component_set(j, &c), 0);
	}
	assert_int_equal(
	    journal_components_each(j, NULL, collect_component, list), 0);
	assert_int_equal(list->n, 200);
	assert_string_equal(list->c[0].kind, "cpu");
	assert_string_equal(list->c[199].kind, "socket");
	for (i = 1; i < list->n; i++) {
		int k = strcmp(list->c[i - 1].kind, list->c[i].kind);

		assert_true(k < 0 || (k == 0 && strcmp(list->c[i - 1].name,
		                                       list->c[i].name) < 0));
	}
	list->n = 0;
	assert_int_equal(
	    journal_components_each(j, "dimm", collect_component, list), 0);
	assert_int_equal(list->n, 50);
	for (i = 0; i < list->n; i++)
		assert_string_equal(list->c[i].kind, "dimm");
	list->n = 0;
	assert_int_equal(
	    journal_components_each(j, "host", collect_component, list), 0);
	assert_int_equal(list->n, 0);
	free(list);
	journal_close(j);
}

struct resume {
	struct journal *j;
	int64_t seen[256];
	size_t n;
};

/* What the daemon does at restart: mark running, then done, as it goes. */
static int resume_action(void *arg, const struct journal_action *a)
{
	struct resume *r = arg;

	assert_true(r->n < 256);
	r->seen[r->n++] = a->id;
	assert_int_equal(
	    journal_action_update(r->j, a->id, ACTION_RUNNING, 2000, NULL), 0);
	assert_int_equal(
	    journal_action_update(r->j, a->id, ACTION_DONE, 3000, "resumed"),
	    0);
	return 0;
}

static void test_actions_each_order(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct resume *r = calloc(1, sizeof(*r));
	struct journal_action a;
	int64_t ids[200], *listed = calloc(256, sizeof(int64_t));
	size_t i, n = 0;

	assert_non_null(r);
	assert_non_null(listed);
	for (i = 0; i < 200; i++) {
		a = sample_action(ACTION_PAGE_OFFLINE,
		                  i % 3 == 0 ? ACTION_DONE : ACTION_INTENDED,
		                  i);
		add_action(j, &a);
		ids[i] = a.id;
	}
	assert_int_equal(
	    journal_actions_each(j, false, collect_action_ids, listed), 0);
	assert_int_equal(listed[0], 200);
	for (i = 0; i < 200; i++)
		assert_int_equal(listed[i + 1], ids[i]);

	/* Each unfinished one once, oldest first, while they change state. */
	r->j = j;
	assert_int_equal(journal_actions_each(j, true, resume_action, r), 0);
	for (i = 0; i < 200; i++) {
		if (i % 3 != 0)
			assert_int_equal(r->seen[n++], ids[i]);
	}
	assert_int_equal(r->n, n);
	memset(listed, 0, 256 * sizeof(int64_t));
	assert_int_equal(
	    journal_actions_each(j, true, collect_action_ids, listed), 0);
	assert_int_equal(listed[0], 0);
	free(listed);
	free(r);
	journal_close(j);
}

static int stop_at_first(void *arg, const struct journal_action *a)
{
	int *calls = arg;

	(void)a;
	(*calls)++;
	return 1;
}

static void test_action_update(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_action a, b, got;
	int calls = 0;

	a = sample_action(ACTION_MIGRATE, ACTION_INTENDED, 12);
	snprintf(a.peer, sizeof(a.peer), "xen-b");
	snprintf(a.component, sizeof(a.component), "CPU0_DIMM_A1");
	snprintf(a.detail, sizeof(a.detail), "queued");
	a.attempt = 1;
	add_action(j, &a);
	b = a;
	b.parent_id = a.id;
	b.attempt = 2;
	snprintf(b.peer, sizeof(b.peer), "xen-c");
	add_action(j, &b);

	assert_int_equal(
	    journal_action_update(j, a.id, ACTION_RUNNING, 5000, NULL), 0);
	assert_int_equal(journal_action_get(j, a.id, &got), 0);
	assert_int_equal(got.state, ACTION_RUNNING);
	assert_int_equal(got.updated_ms, 5000);
	assert_int_equal(got.created_ms, 1000);
	assert_string_equal(got.detail, "queued");
	assert_string_equal(got.peer, "xen-b");
	assert_string_equal(got.component, "CPU0_DIMM_A1");
	assert_string_equal(got.reason, "test");

	assert_int_equal(journal_action_update(j, a.id, ACTION_FAILED, 6000,
	                                       "xen-b refused: no memory"),
	                 0);
	assert_int_equal(journal_action_get(j, a.id, &got), 0);
	assert_int_equal(got.state, ACTION_FAILED);
	assert_string_equal(got.detail, "xen-b refused: no memory");

	assert_int_equal(journal_action_get(j, b.id, &got), 0);
	assert_int_equal(got.parent_id, a.id);
	assert_int_equal(got.attempt, 2);
	assert_string_equal(got.peer, "xen-c");

	assert_int_equal(
	    journal_action_update(j, 9999, ACTION_DONE, 1, "nothing"), -1);
	assert_non_null(strstr(journal_error(j), "no action 9999"));
	assert_int_equal(journal_action_get(j, 9999, &got), -1);
	assert_int_equal(
	    journal_action_update(j, a.id, (enum action_state)42, 1, NULL), -1);

	/* An action must point at a real event. */
	a = sample_action(ACTION_PAGE_OFFLINE, ACTION_INTENDED, 1);
	a.event_id = 777;
	assert_int_equal(journal_action_add(j, &a), -1);
	assert_non_null(strstr(journal_error(j), "no event 777"));
	a.event_id = 0;
	a.kind = (enum action_kind)7;
	assert_int_equal(journal_action_add(j, &a), -1);

	assert_int_equal(journal_actions_each(j, false, stop_at_first, &calls),
	                 0);
	assert_int_equal(calls, 1);
	journal_close(j);
}

/* A batch is one transaction: nothing of it is visible before commit. */
static void test_begin_commit_batching(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_event ev = sample_event(1);
	char value[16];
	int i;

	assert_int_equal(journal_commit(j), -1);
	assert_non_null(strstr(journal_error(j), "no batch is open"));
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_begin(j), -1);
	assert_non_null(strstr(journal_error(j), "already open"));
	/* Distinct records: storm mode folds only repeats. */
	for (i = 0; i < 1000; i++) {
		ev.rec.addr += 0x1000;
		ev.page++;
		assert_int_equal(journal_event_add(j, &ev), 0);
	}
	/* Other readers see nothing of an open batch. */
	query_raw(t->path, "SELECT COUNT(*) FROM event_blocks", value,
	          sizeof(value));
	assert_string_equal(value, "0");
	assert_int_equal(journal_commit(j), 0);
	query_raw(t->path, "SELECT SUM(records) FROM event_blocks", value,
	          sizeof(value));
	assert_string_equal(value, "1000");
	query_raw(t->path, "SELECT COUNT(*) FROM event_blocks", value,
	          sizeof(value));
	assert_string_equal(value, "16"); /* 64 a block, one batch */
	assert_int_equal(journal_event_count(j), 1000);
	/* The same record again and again: one event, counted. */
	ev.page_valid = true;
	assert_int_equal(journal_begin(j), 0);
	for (i = 0; i < 500; i++)
		assert_int_equal(journal_event_add(j, &ev), 0);
	assert_int_equal(journal_commit(j), 0);
	assert_int_equal(ev.count, 500);
	assert_int_equal(journal_event_count(j), 1500);
	query_raw(t->path, "SELECT COUNT(*) FROM event_blocks", value,
	          sizeof(value));
	assert_string_equal(value, "17");

	/* A batch left open at close is kept, not dropped. */
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_event_add(j, &ev), 0);
	journal_close(j);
	j = open_ok(t->path);
	assert_int_equal(journal_event_count(j), 1501);
	journal_close(j);
}

static void test_action_names(void **state)
{
	enum action_kind k;
	enum action_state s;
	int i;

	(void)state;
	assert_string_equal(action_kind_name(ACTION_PAGE_OFFLINE),
	                    "page_offline");
	assert_string_equal(action_kind_name(ACTION_CPU_OFFLINE),
	                    "cpu_offline");
	assert_string_equal(action_kind_name(ACTION_MIGRATE), "migrate");
	assert_string_equal(action_kind_name(ACTION_PAGE_ONLINE),
	                    "page_online");
	assert_string_equal(action_kind_name(ACTION_CPU_ONLINE), "cpu_online");
	assert_string_equal(action_kind_name((enum action_kind)99), "unknown");
	assert_string_equal(action_state_name(ACTION_INTENDED), "intended");
	assert_string_equal(action_state_name(ACTION_RUNNING), "running");
	assert_string_equal(action_state_name(ACTION_DONE), "done");
	assert_string_equal(action_state_name(ACTION_FAILED), "failed");
	assert_string_equal(action_state_name(ACTION_RECOMMENDED),
	                    "recommended");
	assert_string_equal(action_state_name(ACTION_REFUSED), "refused");
	for (i = ACTION_PAGE_OFFLINE; i <= ACTION_CPU_ONLINE; i++) {
		assert_int_equal(action_kind_parse(
		                     action_kind_name((enum action_kind)i), &k),
		                 0);
		assert_int_equal(k, i);
	}
	for (i = ACTION_INTENDED; i <= ACTION_REFUSED; i++) {
		assert_int_equal(
		    action_state_parse(action_state_name((enum action_state)i),
		                       &s),
		    0);
		assert_int_equal(s, i);
	}
	assert_int_equal(action_kind_parse("reboot", &k), -1);
	assert_int_equal(action_kind_parse(NULL, &k), -1);
	assert_int_equal(action_state_parse("Done", &s), -1);
	assert_int_equal(action_state_parse("", &s), -1);
}

static int never_called(void *arg, const struct journal_action *a)
{
	(void)arg;
	(void)a;
	fail_msg("called back on a NULL journal");
	return 1;
}

static void test_null_journal(void **state)
{
	struct journal_event ev = sample_event(1);
	struct journal_action a = sample_action(ACTION_MIGRATE, ACTION_DONE, 1);
	struct journal_component c = component("cpu", "1", "ok", 0);
	struct journal_summary sum;
	struct journal_health_event hev;
	char value[8];

	(void)state;
	memset(&hev, 0, sizeof(hev));
	assert_int_equal(journal_schema_version(NULL), -1);
	assert_int_equal(journal_begin(NULL), -1);
	assert_int_equal(journal_commit(NULL), -1);
	assert_int_equal(journal_event_add(NULL, &ev), -1);
	assert_int_equal(journal_events_each(NULL, 0, 0, copy_event, &ev), -1);
	assert_int_equal(journal_event_count(NULL), -1);
	assert_int_equal(journal_action_add(NULL, &a), -1);
	assert_int_equal(journal_action_update(NULL, 1, ACTION_DONE, 1, NULL),
	                 -1);
	assert_int_equal(journal_action_get(NULL, 1, &a), -1);
	assert_int_equal(journal_actions_each(NULL, true, never_called, NULL),
	                 -1);
	assert_int_equal(journal_component_set(NULL, &c), -1);
	assert_int_equal(journal_component_get(NULL, "cpu", "1", &c), -1);
	assert_int_equal(journal_components_each(NULL, NULL, NULL, NULL), -1);
	assert_int_equal(journal_summary(NULL, &sum), -1);
	assert_int_equal(journal_health_event_add(NULL, &hev), -1);
	assert_int_equal(
	    journal_health_events_each(NULL, 0, 0, true, NULL, NULL), -1);
	assert_int_equal(journal_health_event_merge(NULL, 1, 1, "x"), -1);
	assert_int_equal(journal_meta_set(NULL, "k", "v"), -1);
	assert_int_equal(journal_meta_get(NULL, "k", value, sizeof(value)), -1);
	assert_non_null(journal_error(NULL));
	journal_close(NULL);
}

static void test_null_arguments(void **state)
{
	struct journal *j = open_ok(":memory:");

	(void)state;
	assert_int_equal(journal_event_add(j, NULL), -1);
	assert_int_equal(journal_action_add(j, NULL), -1);
	assert_int_equal(journal_action_get(j, 1, NULL), -1);
	assert_int_equal(journal_component_set(j, NULL), -1);
	assert_int_equal(journal_component_get(j, NULL, "x", NULL), -1);
	assert_int_equal(journal_events_each(j, 0, 0, NULL, NULL), -1);
	assert_int_equal(journal_actions_each(j, false, NULL, NULL), -1);
	assert_int_equal(journal_components_each(j, NULL, NULL, NULL), -1);
	assert_int_equal(journal_summary(j, NULL), -1);
	assert_int_equal(journal_health_event_add(j, NULL), -1);
	assert_int_equal(journal_health_events_each(j, 0, 0, false, NULL, NULL),
	                 -1);
	assert_int_equal(journal_meta_set(j, NULL, "x"), -1);
	assert_int_equal(journal_meta_set(j, "k", NULL), -1);
	assert_int_equal(journal_meta_set(j, "", "x"), -1);
	assert_int_equal(journal_meta_get(j, NULL, NULL, 0), -1);
	assert_int_equal(journal_meta_get(j, "k", NULL, 8), -1);
	assert_int_equal(journal_device_event_add(j, NULL), -1);
	assert_int_equal(journal_device_events_each(j, 0, 0, false, NULL, NULL),
	                 -1);
	assert_int_equal(journal_device_counts(j, NULL, NULL), -1);
	assert_int_equal(journal_event_relabel(j, 1, NULL, NULL), -1);
	assert_int_equal(journal_schema_version(j), 7);
	journal_close(j);
}

/*
 * The schema a version 1 rasd wrote, as it wrote it: this build must read
 * such a file, so the test keeps its own copy rather than journal.c's.
 */
static const char v1_schema[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL, source TEXT NOT NULL,"
    " cpu INTEGER NOT NULL, socket INTEGER NOT NULL, bank INTEGER NOT NULL,"
    " channel INTEGER NOT NULL, dimm INTEGER NOT NULL,"
    " dimm_label TEXT NOT NULL,"
    " severity TEXT NOT NULL, kind TEXT NOT NULL,"
    " status INTEGER NOT NULL, misc INTEGER NOT NULL, addr INTEGER NOT NULL,"
    " mcgstatus INTEGER NOT NULL, mcgcap INTEGER NOT NULL,"
    " ip INTEGER NOT NULL, tsc INTEGER NOT NULL, rec_time INTEGER NOT NULL,"
    " cpuid INTEGER NOT NULL, apicid INTEGER NOT NULL,"
    " synd INTEGER NOT NULL, ipid INTEGER NOT NULL, ppin INTEGER NOT NULL,"
    " cpuvendor INTEGER NOT NULL, record_len INTEGER NOT NULL,"
    " page_valid INTEGER NOT NULL, page INTEGER NOT NULL,"
    " message TEXT NOT NULL,"
    " extcpu INTEGER NOT NULL, socketid INTEGER NOT NULL,"
    " microcode INTEGER NOT NULL, cs INTEGER NOT NULL,"
    " rec_bank INTEGER NOT NULL, inject_flags INTEGER NOT NULL);"
    "CREATE INDEX events_time ON events (time_ms);"
    "CREATE TABLE actions ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, target INTEGER NOT NULL,"
    " peer TEXT NOT NULL, component TEXT NOT NULL, reason TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,"
    " parent_id INTEGER REFERENCES actions (id) ON DELETE SET NULL,"
    " attempt INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX actions_state ON actions (state);"
    "CREATE TABLE components ("
    " kind TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,"
    " ce_count INTEGER NOT NULL, ue_count INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY (kind, name));"
    "INSERT INTO meta VALUES ('schema_version', '1');"
    "INSERT INTO meta VALUES ('ipmi.sel_pos', '17');"
    "INSERT INTO events VALUES (7, 4000, 'mcelog', 2, 0, 8, 1, 3,"
    " 'CPU0_DIMM_B1', 'corrected', 'memory', -7205759128914820975, 0,"
    " 305414144, 0, 3081, 0, 0, 1700000000, 198339, 2, 0, 0, 0, 0, 128,"
    " 1, 74565, 'page 0x12345: corrected', 2, 0, 1, 0, 8, 0);"
    "INSERT INTO actions VALUES (3, 'page_offline', 'done', 74565, '',"
    " 'page 0x12345', 'corrected errors', 'offlined', 7, NULL, 1, 4000,"
    " 4100);"
    "INSERT INTO components VALUES ('page', '0x12345', 'offline', 2, 0,"
    " 4100, '');";

static int events_columns(const char *path)
{
	char value[16];

	query_raw(path, "SELECT COUNT(*) FROM pragma_table_info('events')",
	          value, sizeof(value));
	return atoi(value);
}

/* A v1 journal is migrated in place and loses nothing. */
static int collect_one_event(void *arg, const struct journal_event *ev)
{
	*(struct journal_event *)arg = *ev;
	return 1;
}

static void test_v1_journal_migrates(void **state)
{
	struct temp_journal *t = *state;
	struct event_list *list = calloc(1, sizeof(*list));
	struct journal *j;
	struct journal_action a;
	struct journal_component c;
	struct journal_event ev;
	char value[64];

	assert_non_null(list);
	exec_raw(t->path, v1_schema);
	assert_int_equal(events_columns(t->path), 35);
	j = open_ok(t->path);
	assert_int_equal(journal_schema_version(j), 7);
	assert_int_equal(journal_event_count(j), 1);
	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	assert_int_equal(list->n, 1);
	assert_int_equal(list->ev[0].id, 7);
	assert_int_equal(list->ev[0].time_ms, 4000);
	assert_string_equal(list->ev[0].source, "mcelog");
	assert_string_equal(list->ev[0].dimm_label, "CPU0_DIMM_B1");
	assert_int_equal(list->ev[0].severity, MCE_SEV_CORRECTED);
	assert_int_equal(list->ev[0].kind, MCE_KIND_MEMORY);
	assert_int_equal(list->ev[0].rec.status, 0x9c00004000010091ULL);
	assert_int_equal(list->ev[0].page, 0x12345);
	/* v4 keeps no text: it is made from the record when read. */
	assert_non_null(
	    strstr(journal_event_describe(&list->ev[0], value, sizeof(value)),
	           "corrected"));
	assert_string_equal(list->ev[0].also, "");
	assert_int_equal(journal_action_get(j, 3, &a), 0);
	assert_int_equal(a.kind, ACTION_PAGE_OFFLINE);
	assert_int_equal(a.state, ACTION_DONE);
	assert_int_equal(a.event_id, 7);
	assert_string_equal(a.detail, "offlined");
	assert_int_equal(journal_component_get(j, "page", "0x12345", &c), 0);
	assert_string_equal(c.state, "offline");
	assert_int_equal(
	    journal_meta_get(j, "ipmi.sel_pos", value, sizeof(value)), 1);
	assert_string_equal(value, "17");

	/* The migrated file takes v2 writes: a merge into the old event. */
	ev = sample_event(5000);
	snprintf(ev.also, sizeof(ev.also), "sensors");
	assert_int_equal(journal_event_add(j, &ev), 0);
	journal_close(j);

	query_raw(t->path,
	          "SELECT value FROM meta WHERE key = 'schema_version'", value,
	          sizeof(value));
	assert_string_equal(value, "7");
	/* The old table's rows are in blocks now, ids kept. */
	query_raw(t->path,
	          "SELECT COUNT(*) FROM sqlite_master WHERE name = "
	          "'events'",
	          value, sizeof(value));
	assert_string_equal(value, "0");
	j = open_ok(t->path);
	list->n = 0;
	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	assert_int_equal(list->n, 2);
	assert_string_equal(list->ev[0].also, "");
	assert_string_equal(list->ev[1].also, "sensors");
	journal_close(j);
	free(list);
}

/* A migration that fails leaves the file as it was: v1, every row. */
static void test_failed_migration_keeps_v1(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = NULL;
	char err[512] = "", want[512], value[16];

	exec_raw(t->path, v1_schema);
	exec_raw(t->path, "CREATE TABLE health_events (x);");
	assert_int_equal(journal_open(&j, t->path, err, sizeof(err)), -1);
	assert_null(j);
	snprintf(want, sizeof(want),
	         "journal %s: migrating to version 2: table health_events "
	         "already exists",
	         t->path);
	assert_string_equal(err, want);
	query_raw(t->path,
	          "SELECT value FROM meta WHERE key = 'schema_version'", value,
	          sizeof(value));
	assert_string_equal(value, "1");
	assert_int_equal(events_columns(t->path), 35);
	query_raw(t->path, "SELECT COUNT(*) FROM events", value, sizeof(value));
	assert_string_equal(value, "1");
}

static struct journal_device_event
sample_device(uint64_t time_ms, const char *device, const char *severity)
{
	struct journal_device_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_ms;
	snprintf(ev.source, sizeof(ev.source), "aer");
	snprintf(ev.kind, sizeof(ev.kind), "aer");
	snprintf(ev.device, sizeof(ev.device), "%s", device);
	snprintf(ev.severity, sizeof(ev.severity), "%s", severity);
	ev.status = 0x40000;
	snprintf(ev.bits, sizeof(ev.bits), "MalfTLP");
	snprintf(ev.tlp, sizeof(ev.tlp), "01000040 ff000000 000080fe 00000000");
	snprintf(ev.message, sizeof(ev.message), "%s: fatal PCIe error",
	         device);
	return ev;
}

struct device_list {
	struct journal_device_event ev[8];
	struct journal_device_count c[8];
	size_t n;
};

static int collect_device(void *arg, const struct journal_device_event *ev)
{
	struct device_list *l = arg;

	assert_true(l->n < 8);
	l->ev[l->n++] = *ev;
	return 0;
}

static int collect_count(void *arg, const struct journal_device_count *c)
{
	struct device_list *l = arg;

	assert_true(l->n < 8);
	l->c[l->n++] = *c;
	return 0;
}

/* v4: device errors, their per-device counts, a firmware's DIMM name. */
static void test_device_events(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_device_event a =
	    sample_device(1000, "0000:00:1c.0", "fatal");
	struct journal_device_event b =
	    sample_device(2000, "0000:00:1c.0", "corrected");
	struct journal_device_event c =
	    sample_device(3000, "0000:3b:00.0", "nonfatal");
	struct journal_device_event fw =
	    sample_device(4000, "DIMM_A1", "corrected");
	struct journal_event ev = sample_event(3500);
	struct device_list l;

	snprintf(fw.source, sizeof(fw.source), "extlog");
	assert_int_equal(journal_event_add(j, &ev), 0);
	fw.event_id = ev.id;
	assert_int_equal(journal_device_event_add(j, &a), 0);
	assert_int_equal(journal_device_event_add(j, &b), 0);
	assert_int_equal(journal_device_event_add(j, &c), 0);
	assert_int_equal(journal_device_event_add(j, &fw), 0);
	assert_int_equal(
	    journal_event_relabel(j, ev.id, "DIMM_A1", "extlog #42"), 0);
	assert_int_equal(journal_event_relabel(j, 999, "x", "y"), -1);
	assert_string_equal(journal_error(j),
	                    "journal_event_relabel: no event 999");
	journal_close(j);

	j = open_ok(t->path);
	memset(&l, 0, sizeof(l));
	assert_int_equal(
	    journal_device_events_each(j, 0, 2, true, collect_device, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.ev[0].id, fw.id);
	assert_int_equal(l.ev[0].event_id, ev.id);
	assert_string_equal(l.ev[1].tlp, "01000040 ff000000 000080fe 00000000");
	assert_int_equal(l.ev[1].status, 0x40000);
	memset(&l, 0, sizeof(l));
	assert_int_equal(journal_device_counts(j, collect_count, &l), 0);
	assert_int_equal(l.n, 2); /* the firmware's row is no device */
	assert_string_equal(l.c[0].device, "0000:00:1c.0");
	assert_int_equal(l.c[0].fatal, 1);
	assert_int_equal(l.c[0].corrected, 1);
	assert_int_equal(l.c[0].last_ms, 2000);
	assert_int_equal(l.c[0].first_id, a.id);
	assert_int_equal(l.c[1].nonfatal, 1);
	memset(&l, 0, sizeof(l));
	assert_int_equal(journal_events_each(j, 0, 0, collect_one_event, &ev),
	                 0);
	assert_string_equal(ev.dimm_label, "DIMM_A1");
	assert_string_equal(ev.also, "extlog #42");
	journal_close(j);
}

static struct journal_health_event sample_health(uint64_t time_ms)
{
	struct journal_health_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.time_ms = time_ms;
	snprintf(ev.source, sizeof(ev.source), "ipmi-sel");
	snprintf(ev.cls, sizeof(ev.cls), "memory");
	snprintf(ev.severity, sizeof(ev.severity), "warning");
	snprintf(ev.component, sizeof(ev.component), "CPU0_DIMM_A1");
	snprintf(ev.what, sizeof(ev.what), "Correctable ECC");
	ev.dimm = -1;
	ev.record_id = -1;
	return ev;
}

struct health_list {
	struct journal_health_event ev[256];
	size_t n;
	size_t stop_after; /* 0: never */
};

static int collect_health(void *arg, const struct journal_health_event *ev)
{
	struct health_list *list = arg;

	assert_true(list->n < sizeof(list->ev) / sizeof(list->ev[0]));
	list->ev[list->n++] = *ev;
	return list->stop_after != 0 && list->n == list->stop_after;
}

static void add_health(struct journal *j, struct journal_health_event *ev)
{
	if (journal_health_event_add(j, ev) != 0)
		fail_msg("journal_health_event_add: %s", journal_error(j));
	assert_true(ev->id > 0);
}

/* The health event with this id, read back through the iterator. */
static struct journal_health_event health_get(struct journal *j, int64_t id)
{
	struct health_list *list = calloc(1, sizeof(*list));
	struct journal_health_event got;
	size_t i;

	assert_non_null(list);
	assert_int_equal(
	    journal_health_events_each(j, 0, 0, false, collect_health, list),
	    0);
	for (i = 0; i < list->n && list->ev[i].id != id; i++)
		;
	if (i == list->n)
		fail_msg("no health event %lld", (long long)id);
	got = list->ev[i];
	free(list);
	return got;
}

static struct journal_event event_get(struct journal *j, int64_t id)
{
	struct event_list *list = calloc(1, sizeof(*list));
	struct journal_event got;
	size_t i;

	assert_non_null(list);
	assert_int_equal(journal_events_each(j, 0, 0, collect_event, list), 0);
	for (i = 0; i < list->n && list->ev[i].id != id; i++)
		;
	if (i == list->n)
		fail_msg("no event %lld", (long long)id);
	got = list->ev[i];
	free(list);
	return got;
}

/* Every field, across a reopen; readings keep their exact bits. */
static void test_health_event_round_trip(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_event mce = sample_event(10);
	struct journal_health_event ev, plain, got;

	assert_int_equal(journal_event_add(j, &mce), 0);
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = 0x7fffffffffff0002ULL;
	fill_string(ev.source, sizeof(ev.source), 's');
	fill_string(ev.cls, sizeof(ev.cls), 'c');
	fill_string(ev.severity, sizeof(ev.severity), 'v');
	fill_string(ev.component, sizeof(ev.component), 'p');
	fill_string(ev.what, sizeof(ev.what), 'w');
	fill_string(ev.detail, sizeof(ev.detail), 'd');
	ev.deassert = true;
	ev.has_value = true;
	ev.value = -41.0625;
	ev.threshold = 1e-300;
	ev.dimm = 5;
	ev.record_id = 0x7fffffffffffffffLL;
	ev.merged_event_id = mce.id;
	add_health(j, &ev);

	plain = sample_health(20);
	plain.threshold = NAN; /* no threshold known */
	add_health(j, &plain);
	journal_close(j);

	j = open_ok(t->path);
	got = health_get(j, ev.id);
	assert_int_equal(got.time_ms, ev.time_ms);
	assert_string_equal(got.source, ev.source);
	assert_string_equal(got.cls, ev.cls);
	assert_string_equal(got.severity, ev.severity);
	assert_string_equal(got.component, ev.component);
	assert_string_equal(got.what, ev.what);
	assert_string_equal(got.detail, ev.detail);
	assert_true(got.deassert);
	assert_true(got.has_value);
	assert_memory_equal(&got.value, &ev.value, sizeof(double));
	assert_memory_equal(&got.threshold, &ev.threshold, sizeof(double));
	assert_int_equal(got.dimm, 5);
	assert_int_equal(got.record_id, ev.record_id);
	assert_int_equal(got.merged_event_id, mce.id);

	got = health_get(j, plain.id);
	assert_string_equal(got.source, "ipmi-sel");
	assert_string_equal(got.what, "Correctable ECC");
	assert_false(got.deassert);
	assert_false(got.has_value);
	assert_true(got.value == 0.0);
	assert_true(isnan(got.threshold));
	assert_int_equal(got.dimm, -1);
	assert_int_equal(got.record_id, -1);
	assert_int_equal(got.merged_event_id, 0);

	/* merged_event_id must name a real event. */
	plain.merged_event_id = 999;
	assert_int_equal(journal_health_event_add(j, &plain), -1);
	assert_non_null(strstr(journal_error(j), "no event 999"));
	journal_close(j);
}

/* Oldest first or newest first by time_ms then id; since and limit. */
static void test_health_events_each(void **state)
{
	struct journal *j = open_ok(":memory:");
	struct health_list *list = calloc(1, sizeof(*list));
	struct journal_health_event ev;
	size_t i;

	(void)state;
	assert_non_null(list);
	assert_int_equal(journal_begin(j), 0);
	/* 150 events, more than a page, times 0..1490 in a scrambled order. */
	for (i = 0; i < 150; i++) {
		ev = sample_health(10 * ((i * 61) % 150));
		ev.record_id = (int64_t)i;
		add_health(j, &ev);
	}
	/* A twin of time 700: id breaks the tie. */
	ev = sample_health(700);
	ev.record_id = 1000;
	add_health(j, &ev);
	assert_int_equal(journal_commit(j), 0);

	assert_int_equal(
	    journal_health_events_each(j, 0, 0, false, collect_health, list),
	    0);
	assert_int_equal(list->n, 151);
	assert_int_equal(list->ev[0].time_ms, 0);
	assert_int_equal(list->ev[150].time_ms, 1490);
	for (i = 1; i < list->n; i++) {
		assert_true(list->ev[i - 1].time_ms <= list->ev[i].time_ms);
		if (list->ev[i - 1].time_ms == list->ev[i].time_ms)
			assert_true(list->ev[i - 1].id < list->ev[i].id);
	}

	list->n = 0;
	assert_int_equal(
	    journal_health_events_each(j, 0, 0, true, collect_health, list), 0);
	assert_int_equal(list->n, 151);
	assert_int_equal(list->ev[0].time_ms, 1490);
	assert_int_equal(list->ev[150].time_ms, 0);
	for (i = 1; i < list->n; i++) {
		assert_true(list->ev[i - 1].time_ms >= list->ev[i].time_ms);
		if (list->ev[i - 1].time_ms == list->ev[i].time_ms)
			assert_true(list->ev[i - 1].id > list->ev[i].id);
	}

	/* The last 5: the newest, newest first. */
	list->n = 0;
	assert_int_equal(
	    journal_health_events_each(j, 0, 5, true, collect_health, list), 0);
	assert_int_equal(list->n, 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(list->ev[i].time_ms, 1490 - 10 * i);

	/* A limit past a page boundary, oldest first. */
	list->n = 0;
	assert_int_equal(
	    journal_health_events_each(j, 0, 70, false, collect_health, list),
	    0);
	assert_int_equal(list->n, 70);
	assert_int_equal(list->ev[68].time_ms, 680);
	assert_int_equal(list->ev[69].time_ms, 690);

	/* Since 700 includes both events at 700, in either direction. */
	list->n = 0;
	assert_int_equal(
	    journal_health_events_each(j, 700, 0, false, collect_health, list),
	    0);
	assert_int_equal(list->n, 81); /* 700..1490, and the twin */
	assert_int_equal(list->ev[0].time_ms, 700);
	assert_int_equal(list->ev[1].time_ms, 700);
	assert_int_equal(list->ev[1].record_id, 1000);
	list->n = 0;
	assert_int_equal(
	    journal_health_events_each(j, 700, 0, true, collect_health, list),
	    0);
	assert_int_equal(list->n, 81);
	assert_int_equal(list->ev[79].record_id, 1000);
	assert_int_equal(list->ev[80].time_ms, 700);
	assert_int_not_equal(list->ev[80].record_id, 1000);

	list->n = 0;
	list->stop_after = 3;
	assert_int_equal(
	    journal_health_events_each(j, 0, 0, true, collect_health, list), 0);
	assert_int_equal(list->n, 3);

	list->n = 0;
	list->stop_after = 0;
	assert_int_equal(
	    journal_health_events_each(j, 1491, 0, true, collect_health, list),
	    0);
	assert_int_equal(list->n, 0);
	free(list);
	journal_close(j);
}

/* One fault, two sources: both rows change, or neither. */
static void test_health_event_merge(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	struct journal_event mce = sample_event(100), other = sample_event(200);
	struct journal_health_event sel = sample_health(101);
	struct journal_health_event sensor = sample_health(102);
	struct journal_health_event lone = sample_health(103);
	char value[128];

	assert_int_equal(journal_event_add(j, &mce), 0);
	assert_int_equal(journal_event_add(j, &other), 0);
	add_health(j, &sel);
	add_health(j, &sensor);
	add_health(j, &lone);

	assert_int_equal(
	    journal_health_event_merge(j, sel.id, mce.id, "ipmi-sel #0x0012"),
	    0);
	assert_int_equal(health_get(j, sel.id).merged_event_id, mce.id);
	assert_string_equal(event_get(j, mce.id).also, "ipmi-sel #0x0012");
	assert_int_equal(
	    journal_health_event_merge(j, sensor.id, mce.id, "sensors temp1"),
	    0);
	assert_string_equal(event_get(j, mce.id).also,
	                    "ipmi-sel #0x0012, sensors temp1");

	/* Again with the same event: already done, nothing appended. */
	assert_int_equal(
	    journal_health_event_merge(j, sel.id, mce.id, "ipmi-sel #0x0012"),
	    0);
	assert_string_equal(event_get(j, mce.id).also,
	                    "ipmi-sel #0x0012, sensors temp1");

	/* Failures change neither row. */
	assert_int_equal(journal_health_event_merge(j, sel.id, other.id, "x"),
	                 -1);
	snprintf(value, sizeof(value),
	         "journal_health_event_merge: health event %lld is already "
	         "merged with event %lld",
	         (long long)sel.id, (long long)mce.id);
	assert_string_equal(journal_error(j), value);
	assert_int_equal(journal_health_event_merge(j, 9999, other.id, "x"),
	                 -1);
	assert_string_equal(journal_error(j), "journal_health_event_merge: no "
	                                      "health event 9999");
	assert_int_equal(journal_health_event_merge(j, lone.id, 8888, "x"), -1);
	assert_string_equal(journal_error(j),
	                    "journal_health_event_merge: no event 8888");
	assert_string_equal(event_get(j, other.id).also, "");
	assert_int_equal(health_get(j, sel.id).merged_event_id, mce.id);
	assert_int_equal(health_get(j, lone.id).merged_event_id, 0);

	/* In a batch: a failed merge leaves the batch and the rest intact. */
	assert_int_equal(journal_begin(j), 0);
	assert_int_equal(journal_health_event_merge(j, 9999, other.id, "x"),
	                 -1);
	assert_int_equal(journal_health_event_merge(j, lone.id, other.id,
	                                            "ipmi-sel #0x0013"),
	                 0);
	query_raw(t->path,
	          "SELECT COUNT(*) FROM event_notes WHERE event_id = 2", value,
	          sizeof(value));
	assert_string_equal(value, "0"); /* not committed yet */
	assert_int_equal(journal_commit(j), 0);
	journal_close(j);

	query_raw(t->path,
	          "SELECT group_concat(event_id || ':' || also, '|') FROM "
	          "event_notes",
	          value, sizeof(value));
	assert_string_equal(
	    value, "1:ipmi-sel #0x0012, sensors temp1|2:ipmi-sel #0x0013");
	query_raw(
	    t->path,
	    "SELECT group_concat(id || ':' || IFNULL(merged_event_id, '-'),"
	    " '|') FROM health_events",
	    value, sizeof(value));
	assert_string_equal(value, "1:1|2:1|3:2");
}

static void test_meta(void **state)
{
	struct temp_journal *t = *state;
	struct journal *j = open_ok(t->path);
	char value[8];

	assert_int_equal(
	    journal_meta_get(j, "ipmi.sel_pos", value, sizeof(value)), 0);
	assert_string_equal(value, "");
	assert_int_equal(journal_meta_set(j, "ipmi.sel_pos", "12"), 0);
	assert_int_equal(journal_meta_set(j, "ipmi.sel_pos", "0x0013"), 0);
	assert_int_equal(journal_meta_set(j, "long", "0123456789"), 0);
	assert_int_equal(journal_meta_get(j, "ipmi.sel_pos", NULL, 0), 1);

	/* Nobody but a migration writes the schema version. */
	assert_int_equal(journal_meta_set(j, "schema_version", "9"), -1);
	assert_non_null(strstr(journal_error(j), "schema_version"));
	assert_int_equal(
	    journal_meta_get(j, "schema_version", value, sizeof(value)), 1);
	assert_string_equal(value, "7");
	journal_close(j);

	j = open_ok(t->path);
	assert_int_equal(journal_schema_version(j), 7);
	assert_int_equal(
	    journal_meta_get(j, "ipmi.sel_pos", value, sizeof(value)), 1);
	assert_string_equal(value, "0x0013");
	assert_int_equal(journal_meta_get(j, "long", value, sizeof(value)), 1);
	assert_string_equal(value, "0123456"); /* truncated to the buffer */
	journal_close(j);
}

#define TEMP_TEST(f)                                                           \
	cmocka_unit_test_setup_teardown(f, setup_temp, teardown_temp)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    TEMP_TEST(test_schema_created),
	    TEMP_TEST(test_reopen_resumes_unfinished),
	    TEMP_TEST(test_newer_schema_refused),
	    TEMP_TEST(test_not_sqlite_refused),
	    TEMP_TEST(test_foreign_database_refused),
	    cmocka_unit_test(test_open_errors),
	    TEMP_TEST(test_event_round_trip),
	    TEMP_TEST(test_severity_kind_names),
	    TEMP_TEST(test_events_each),
	    TEMP_TEST(test_summary_counts),
	    TEMP_TEST(test_component_upsert),
	    TEMP_TEST(test_components_each_order),
	    TEMP_TEST(test_actions_each_order),
	    TEMP_TEST(test_action_update),
	    TEMP_TEST(test_begin_commit_batching),
	    TEMP_TEST(test_v1_journal_migrates),
	    TEMP_TEST(test_failed_migration_keeps_v1),
	    TEMP_TEST(test_device_events),
	    TEMP_TEST(test_health_event_round_trip),
	    cmocka_unit_test(test_health_events_each),
	    TEMP_TEST(test_health_event_merge),
	    TEMP_TEST(test_meta),
	    cmocka_unit_test(test_action_names),
	    cmocka_unit_test(test_null_journal),
	    cmocka_unit_test(test_null_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* journal_int.h - what the journal's source files share and nothing else
 * sees: the connection, its prepared statements, and binding helpers. */
#ifndef RASD_JOURNAL_INT_H
#define RASD_JOURNAL_INT_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "journal.h"

enum statement {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SYNC_MARK,
	ST_EVENT_ADD,
	ST_EVENTS_PAGE,
	ST_EVENT_COUNT,
	ST_ACTION_ADD,
	ST_ACTION_UPDATE,
	ST_ACTION_STARTED,
	ST_MIGRATE_STARTS,
	ST_VERDICT_ADD,
	ST_EVAC_ADD,
	ST_EVAC_UPDATE,
	ST_EVACS_PAGE,
	ST_ACTION_GET,
	ST_ACTIONS_PAGE,
	ST_ACTIONS_UNFINISHED_PAGE,
	ST_COMPONENT_SET,
	ST_COMPONENT_GET,
	ST_COMPONENTS_PAGE,
	ST_COMPONENTS_KIND_PAGE,
	ST_SUMMARY,
	ST_HEALTH_ADD,
	ST_HEALTH_PAGE,
	ST_HEALTH_PAGE_NEWEST,
	ST_MERGE_SAVEPOINT,
	ST_MERGE_RELEASE,
	ST_MERGE_ROLLBACK,
	ST_EVENT_ALSO_APPEND,
	ST_HEALTH_MERGE,
	ST_HEALTH_MERGED_GET,
	ST_META_SET,
	ST_META_GET,
	ST_DEVICE_ADD,
	ST_DEVICE_PAGE_NEWEST,
	ST_DEVICE_PAGE,
	ST_DEVICE_COUNTS,
	ST_EVENT_RELABEL,
	ST_COUNT
};

/* Rows read per query while iterating; see journal_events_each. */
#define PAGE_ROWS 64

struct journal {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	int schema_version;
	char error[512];
	/* changes counted when journal_sync() last made them durable */
	int64_t synced_changes;
	journal_commit_fn commit_fn;
	void *commit_arg;
};

/* journal_plan.c: installs the commit hooks at open. */
void journal_hooks_install(struct journal *j);

static inline int fail(struct journal *j, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int fail(struct journal *j, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(j->error, sizeof(j->error), fmt, ap);
	va_end(ap);
	return -1;
}

/* SQLite's message for what `what` tried; the message outlives reset. */
static inline int fail_stmt(struct journal *j, sqlite3_stmt *st, const char *what)
{
	fail(j, "%s: %s", what, sqlite3_errmsg(j->db));
	sqlite3_reset(st);
	return -1;
}

/* u64 is stored as the int64 with the same bits, and read back so. */
static inline int bind_u64(sqlite3_stmt *st, int col, uint64_t v)
{
	return sqlite3_bind_int64(st, col, (sqlite3_int64)v);
}

static inline uint64_t column_u64(sqlite3_stmt *st, int col)
{
	return (uint64_t)sqlite3_column_int64(st, col);
}

/* The fixed arrays need not hold a NUL if full. */
static inline int bind_text(sqlite3_stmt *st, int col, const char *s, size_t size)
{
	return sqlite3_bind_text(st, col, s, (int)strnlen(s, size),
	                         SQLITE_STATIC);
}

/* A string that outlives the step, like a name; NULL binds NULL. */
static inline int bind_string(sqlite3_stmt *st, int col, const char *s)
{
	return sqlite3_bind_text(st, col, s, -1, SQLITE_STATIC);
}

static inline int bind_id(sqlite3_stmt *st, int col, int64_t id)
{
	if (id == 0)
		return sqlite3_bind_null(st, col);
	return sqlite3_bind_int64(st, col, id);
}

static inline void column_text(sqlite3_stmt *st, int col, char *dst, size_t size)
{
	const unsigned char *s = sqlite3_column_text(st, col);
	size_t len = (size_t)sqlite3_column_bytes(st, col);

	if (s == NULL)
		len = 0;
	if (len >= size)
		len = size - 1;
	if (len > 0)
		memcpy(dst, s, len);
	dst[len] = '\0';
}

/* Runs a statement that returns no rows. */
static inline int run(struct journal *j, enum statement s, const char *what)
{
	sqlite3_stmt *st = j->stmt[s];

	if (sqlite3_step(st) != SQLITE_DONE)
		return fail_stmt(j, st, what);
	sqlite3_reset(st);
	return 0;
}

#endif

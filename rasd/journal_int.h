/* journal_int.h - what the journal's source files share and nothing else
 * sees: the connection, its prepared statements, and binding helpers. */
#ifndef RASD_JOURNAL_INT_H
#define RASD_JOURNAL_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "journal.h"

enum statement {
	ST_BEGIN,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SYNC_MARK,
	ST_BLOCK_ADD,
	ST_BLOCKS_PAGE,
	ST_BLOCK_BEFORE,
	ST_BLOCK_OLDEST,
	ST_BLOCK_DELETE,
	ST_NOTES_DELETE,
	ST_DAY_ADD,
	ST_DAYS_PAGE,
	ST_PAGE_COUNT,
	ST_FREE_COUNT,
	ST_PAGE_SIZE,
	ST_BLOCK_OF,
	ST_STRING_ADD,
	ST_NOTES_RANGE,
	ST_ACTION_ADD,
	ST_ACTION_UPDATE,
	ST_ACTION_STARTED,
	ST_ACTION_MIGRATION,
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
	ST_NOTE_ALSO_APPEND,
	ST_HEALTH_MERGE,
	ST_HEALTH_MERGED_GET,
	ST_META_SET,
	ST_META_GET,
	ST_DEVICE_ADD,
	ST_DEVICE_PAGE_NEWEST,
	ST_DEVICE_PAGE,
	ST_DEVICE_COUNTS,
	ST_BLOCK_DATA_OF,
	ST_BLOCK_DATA_SET,
	ST_COUNT
};

/* Rows read per query while iterating; see journal_events_each. */
#define PAGE_ROWS 64
/* Events per block row (journal_events.c); one batch's reads fill one. */
#define EVENT_BLOCK_MAX 64
#define EVENT_ENTRY_MAX 176
/* Distinct sources and DIMM labels the events name. */
#define JOURNAL_STRINGS_MAX 4096

struct journal {
	sqlite3 *db;
	sqlite3_stmt *stmt[ST_COUNT];
	int schema_version;
	bool readonly; /* journal_open_readonly: never writes */
	char error[512];
	/* changes counted when journal_sync() last made them durable */
	int64_t synced_changes;
	journal_commit_fn commit_fn;
	void *commit_arg;
	/* events (journal_events.c): the block being filled ... */
	unsigned char blk[EVENT_BLOCK_MAX * EVENT_ENTRY_MAX];
	/* the same packed for disk, and a block read back unpacked */
	unsigned char packed[EVENT_BLOCK_MAX * (EVENT_ENTRY_MAX + 3)];
	unsigned char unpacked[EVENT_BLOCK_MAX * EVENT_ENTRY_MAX];
	size_t blk_n;
	uint64_t blk_records; /* records in it, folded ones too */
	int64_t blk_first_id;
	uint64_t blk_first_ms, blk_last_ms;
	/* ... what is written, and what was at the last commit */
	int64_t next_event_id, committed_next_id;
	int64_t event_count, committed_count;
	bool count_pending; /* read-only: event_count not read yet */
	char (*strings)[64];
	size_t n_strings, committed_strings;
	uint16_t hint_source, hint_label; /* the ids these had last */
	/* retention: pruning for size goes on to 90% of the limit */
	bool size_pruning;
	/* journal_syncer.c: fsyncs and checkpoints off the loop, or NULL */
	struct journal_syncer *syncer;
};

/* journal_syncer.c: the commit hook's checkpoint, handed over; false
 * when there is no thread to take it. */
bool journal_syncer_checkpoint(struct journal *j);

/* journal.c: prepare one statement now (migrations need a few early). */
int journal_prepare(struct journal *j, enum statement s);

/* journal_plan.c: installs the commit hooks at open. */
void journal_hooks_install(struct journal *j);

/* journal_events.c */
int journal_events_load(struct journal *j);
int journal_strings_load(struct journal *j);
int journal_events_flush(struct journal *j);
void journal_events_committed(struct journal *j);
void journal_events_rolled_back(struct journal *j);
/* 1: the event is in the journal; 0: not; -1: error. */
int journal_event_exists(struct journal *j, int64_t id);
/* The oldest block decoded into evs (EVENT_BLOCK_MAX); 0 with *n = 0
 * when there is none. */
int journal_block_oldest(struct journal *j, struct journal_event *evs,
                         size_t *n, int64_t *first_id, uint64_t *last_ms,
                         uint64_t *records);
/* v3 -> v4: every row of the old events table into blocks. */
int journal_events_migrate_v4(struct journal *j);

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
static inline int fail_stmt(struct journal *j, sqlite3_stmt *st,
                            const char *what)
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
static inline int bind_text(sqlite3_stmt *st, int col, const char *s,
                            size_t size)
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

static inline void column_text(sqlite3_stmt *st, int col, char *dst,
                               size_t size)
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

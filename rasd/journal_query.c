/* journal_query.c - read-only SQL on a journal file for the operator's
 * questions (filtered events newest first, counts, actions), on a
 * connection of its own so that rasctl can ask while rasd is down. */
#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "journal_query.h"

/* Columns of schema v2 (rasd migrates every journal it opens). */
static const char events_sql[] =
    "SELECT id, time_ms, source, cpu, socket, bank, channel, dimm,"
    " dimm_label, severity, kind, status, addr, page_valid, page, message,"
    " also"
    " FROM events WHERE time_ms >= ?1 AND time_ms <= ?2"
    " AND (?3 IS NULL OR dimm_label = ?3) AND (?4 IS NULL OR severity = ?4)"
    " AND id < ?5 ORDER BY id DESC LIMIT ?6";

static const char actions_sql[] =
    "SELECT id, kind, state, target, peer, component, reason, detail,"
    " COALESCE(event_id, 0), COALESCE(parent_id, 0), attempt, created_ms,"
    " updated_ms FROM actions ORDER BY id DESC LIMIT ?1";

static const char summary_sql[] =
    "SELECT (SELECT COUNT(*) FROM events),"
    " (SELECT COUNT(*) FROM actions WHERE kind = 'page_offline'"
    "  AND state = 'done'),"
    " (SELECT COUNT(*) FROM actions WHERE kind = 'cpu_offline'"
    "  AND state = 'done'),"
    " (SELECT COUNT(DISTINCT target) FROM actions WHERE kind = 'migrate'"
    "  AND state = 'done'),"
    " (SELECT COUNT(*) FROM actions WHERE state = 'failed'),"
    " (SELECT COUNT(*) FROM actions WHERE state IN ('intended', 'running')),"
    " (SELECT COUNT(*) FROM actions WHERE kind = 'migrate'"
    "  AND state = 'failed')";

static int db_fail(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	snprintf(err, errlen, "journal %s: %s", path,
	         db ? sqlite3_errmsg(db) : "out of memory");
	return -1;
}

/* Read-only, and no file made where there was none. */
static int open_ro(const char *path, sqlite3 **db, sqlite3_stmt **st,
                   const char *sql, char *err, size_t errlen)
{
	*st = NULL;
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READONLY, NULL) !=
	        SQLITE_OK ||
	    sqlite3_busy_timeout(*db, 1000) != SQLITE_OK ||
	    sqlite3_prepare_v2(*db, sql, -1, st, NULL) != SQLITE_OK) {
		db_fail(*db, path, err, errlen);
		sqlite3_close(*db);
		*db = NULL;
		return -1;
	}
	return 0;
}

static void text(sqlite3_stmt *st, int col, char *dst, size_t len)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	snprintf(dst, len, "%s", s ? (const char *)s : "");
}

static int name_to(const char *s, const char *(*name)(int), int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(s, name(i)) == 0)
			return i;
	return n - 1;
}

static const char *sev_name(int i)
{
	return mce_severity_name((enum mce_severity)i);
}

static const char *kind_name(int i)
{
	return mce_kind_name((enum mce_kind)i);
}

static void read_event(sqlite3_stmt *st, struct journal_event *ev)
{
	char word[32];

	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(st, 0);
	ev->time_ms = (uint64_t)sqlite3_column_int64(st, 1);
	text(st, 2, ev->source, sizeof(ev->source));
	ev->cpu = sqlite3_column_int(st, 3);
	ev->socket = sqlite3_column_int(st, 4);
	ev->bank = sqlite3_column_int(st, 5);
	ev->channel = sqlite3_column_int(st, 6);
	ev->dimm = sqlite3_column_int(st, 7);
	text(st, 8, ev->dimm_label, sizeof(ev->dimm_label));
	text(st, 9, word, sizeof(word));
	ev->severity =
	    (enum mce_severity)name_to(word, sev_name, MCE_SEV_FATAL + 1);
	text(st, 10, word, sizeof(word));
	ev->kind =
	    (enum mce_kind)name_to(word, kind_name, MCE_KIND_UNKNOWN + 1);
	ev->rec.status = (uint64_t)sqlite3_column_int64(st, 11);
	ev->rec.addr = (uint64_t)sqlite3_column_int64(st, 12);
	ev->page_valid = sqlite3_column_int(st, 13) != 0;
	ev->page = (uint64_t)sqlite3_column_int64(st, 14);
	text(st, 15, ev->message, sizeof(ev->message));
	text(st, 16, ev->also, sizeof(ev->also));
}

static int64_t clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

static void bind_filter(sqlite3_stmt *st, const struct event_filter *f)
{
	sqlite3_bind_int64(st, 1, clamp(f->since_ms));
	sqlite3_bind_int64(st, 2, f->until_ms ? clamp(f->until_ms) : INT64_MAX);
	if (f->dimm != NULL)
		sqlite3_bind_text(st, 3, f->dimm, -1, SQLITE_STATIC);
	if (f->severity != NULL)
		sqlite3_bind_text(st, 4, f->severity, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, f->before_id > 0 ? f->before_id : INT64_MAX);
	sqlite3_bind_int64(st, 6, f->limit ? clamp(f->limit) : INT64_MAX);
}

int journal_query_events(const char *path, const struct event_filter *f,
                         journal_event_fn fn, void *arg, char *err,
                         size_t errlen)
{
	struct journal_event ev;
	sqlite3_stmt *st;
	sqlite3 *db;
	int rc;

	if (open_ro(path, &db, &st, events_sql, err, errlen) < 0)
		return -1;
	bind_filter(st, f);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_event(st, &ev);
		if (fn(arg, &ev) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_fail(db, path, err, errlen);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

int journal_query_summary(const char *path, struct journal_summary *out,
                          char *err, size_t errlen)
{
	sqlite3_stmt *st;
	sqlite3 *db;
	int rc;

	if (open_ro(path, &db, &st, summary_sql, err, errlen) < 0)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->events = sqlite3_column_int64(st, 0);
		out->pages_offlined = sqlite3_column_int64(st, 1);
		out->cpus_offlined = sqlite3_column_int64(st, 2);
		out->guests_evacuated = sqlite3_column_int64(st, 3);
		out->actions_failed = sqlite3_column_int64(st, 4);
		out->actions_pending = sqlite3_column_int64(st, 5);
		out->migrations_failed = sqlite3_column_int64(st, 6);
	} else {
		db_fail(db, path, err, errlen);
	}
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void read_action(sqlite3_stmt *st, struct journal_action *a)
{
	char word[32];

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, 0);
	text(st, 1, word, sizeof(word));
	action_kind_parse(word, &a->kind);
	text(st, 2, word, sizeof(word));
	action_state_parse(word, &a->state);
	a->target = (uint64_t)sqlite3_column_int64(st, 3);
	text(st, 4, a->peer, sizeof(a->peer));
	text(st, 5, a->component, sizeof(a->component));
	text(st, 6, a->reason, sizeof(a->reason));
	text(st, 7, a->detail, sizeof(a->detail));
	a->event_id = sqlite3_column_int64(st, 8);
	a->parent_id = sqlite3_column_int64(st, 9);
	a->attempt = (uint32_t)sqlite3_column_int(st, 10);
	a->created_ms = (uint64_t)sqlite3_column_int64(st, 11);
	a->updated_ms = (uint64_t)sqlite3_column_int64(st, 12);
}

int journal_query_actions(const char *path, size_t limit, journal_action_fn fn,
                          void *arg, char *err, size_t errlen)
{
	struct journal_action a;
	sqlite3_stmt *st;
	sqlite3 *db;
	int rc;

	if (open_ro(path, &db, &st, actions_sql, err, errlen) < 0)
		return -1;
	sqlite3_bind_int64(st, 1, limit ? clamp(limit) : INT64_MAX);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		read_action(st, &a);
		if (fn(arg, &a) != 0)
			break;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		db_fail(db, path, err, errlen);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : -1;
}

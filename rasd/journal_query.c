/* journal_query.c - the operator's questions (filtered events newest
 * first, counts, actions) on a read-only journal connection of their own,
 * so that rasctl can ask while rasd is down and never holds rasd up. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "journal_query.h"

static const char actions_sql[] =
    "SELECT id, kind, state, target, peer, component, reason, detail,"
    " COALESCE(event_id, 0), COALESCE(parent_id, 0), attempt, created_ms,"
    " updated_ms FROM actions ORDER BY id DESC LIMIT ?1";

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

static int64_t clamp(uint64_t v)
{
	return v > INT64_MAX ? INT64_MAX : (int64_t)v;
}

/* The filter's own conditions; the journal does ids and times. */
struct newest_walk {
	const struct event_filter *f;
	journal_event_fn fn;
	void *arg;
	uint64_t deadline_ns; /* 0: none */
	size_t scanned;
	struct event_page_end end;
};

/* Whatever the clock says, a slice looks at this many: pages advance. */
#define SLICE_MIN_EVENTS 256

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int newest_filtered(void *arg, const struct journal_event *ev)
{
	struct newest_walk *w = arg;
	const char *sev = mce_severity_name(ev->severity);

	/* Out of time: the next page starts with this event. */
	if (w->deadline_ns != 0 && ++w->scanned > SLICE_MIN_EVENTS &&
	    mono_ns() >= w->deadline_ns) {
		w->end.partial = true;
		w->end.next_before = ev->id + 1;
		return 1;
	}
	if (w->f->dimm != NULL && strcmp(ev->dimm_label, w->f->dimm) != 0)
		return 0;
	if (w->f->severity != NULL && strcmp(sev, w->f->severity) != 0)
		return 0;
	if (w->fn(w->arg, ev) != 0)
		return 1;
	w->end.delivered++;
	if (w->f->limit == 0 || w->end.delivered < w->f->limit)
		return 0;
	w->end.next_before = ev->id;
	return 1;
}

static int open_journal(const char *path, struct journal **j, char *err,
                        size_t errlen)
{
	return journal_open_readonly(j, path, err, errlen);
}

static int journal_failed(struct journal *j, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s", journal_error(j));
	journal_close(j);
	return -1;
}

int journal_query_events_on(struct journal *j, const struct event_filter *f,
                            uint64_t slice_ns, journal_event_fn fn, void *arg,
                            struct event_page_end *end, char *err,
                            size_t errlen)
{
	struct newest_walk w = {f, fn, arg, 0, 0, {false, 0, 0}};

	if (slice_ns != 0)
		w.deadline_ns = mono_ns() + slice_ns;
	if (journal_reader_refresh(j) < 0 ||
	    journal_events_newest(j, f->before_id, f->since_ms, f->until_ms,
	                          newest_filtered, &w) < 0) {
		snprintf(err, errlen, "%s", journal_error(j));
		return -1;
	}
	if (end != NULL)
		*end = w.end;
	return 0;
}

int journal_query_events_sliced(const char *path, const struct event_filter *f,
                                uint64_t slice_ns, journal_event_fn fn,
                                void *arg, struct event_page_end *end,
                                char *err, size_t errlen)
{
	struct journal *j;
	int rc;

	if (open_journal(path, &j, err, errlen) < 0)
		return -1;
	rc = journal_query_events_on(j, f, slice_ns, fn, arg, end, err, errlen);
	journal_close(j);
	return rc;
}

int journal_query_events(const char *path, const struct event_filter *f,
                         journal_event_fn fn, void *arg, char *err,
                         size_t errlen)
{
	return journal_query_events_sliced(path, f, 0, fn, arg, NULL, err,
	                                   errlen);
}

int journal_query_summary(const char *path, struct journal_summary *out,
                          char *err, size_t errlen)
{
	struct journal *j;

	if (open_journal(path, &j, err, errlen) < 0)
		return -1;
	if (journal_summary(j, out) < 0)
		return journal_failed(j, err, errlen);
	journal_close(j);
	return 0;
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

/* ---- history ---- */

struct history {
	struct journal_day *rows;
	size_t n, cap, last; /* last: the row the previous event went to */
	const char *dimm;
	int64_t since_day;
	int failed;
};

static struct journal_day *history_row(struct history *h,
                                       const struct journal_day *want)
{
	struct journal_day *r;
	size_t i;

	for (i = 0; i < h->n; i++) {
		/* Events come in time order: mostly the row of the last one. */
		r = &h->rows[(h->last + i) % h->n];
		if (r->day == want->day && !strcmp(r->label, want->label) &&
		    !strcmp(r->severity, want->severity) &&
		    !strcmp(r->kind, want->kind)) {
			h->last = (h->last + i) % h->n;
			return r;
		}
	}
	if (h->n == h->cap) {
		size_t cap = h->cap ? h->cap * 2 : 64;
		struct journal_day *p = realloc(h->rows, cap * sizeof(*p));

		if (p == NULL)
			return NULL;
		h->rows = p;
		h->cap = cap;
	}
	h->rows[h->n] = *want;
	h->rows[h->n].records = 0;
	h->last = h->n;
	return &h->rows[h->n++];
}

static int history_add(struct history *h, const struct journal_day *d)
{
	struct journal_day *r;

	if (d->day < h->since_day ||
	    (h->dimm != NULL && strcmp(d->label, h->dimm) != 0))
		return 0;
	if ((r = history_row(h, d)) == NULL) {
		h->failed = 1;
		return 1;
	}
	r->records += d->records;
	return 0;
}

static int history_day(void *arg, const struct journal_day *d)
{
	return history_add(arg, d);
}

static int history_event(void *arg, const struct journal_event *ev)
{
	struct journal_day d = {
	    .day = (int64_t)(ev->time_ms / 86400000ull),
	    .records = ev->count > 0 ? ev->count : 1,
	};

	snprintf(d.label, sizeof(d.label), "%s", ev->dimm_label);
	snprintf(d.severity, sizeof(d.severity), "%s",
	         mce_severity_name(ev->severity));
	snprintf(d.kind, sizeof(d.kind), "%s", mce_kind_name(ev->kind));
	return history_add(arg, &d);
}

static int day_order(const void *a, const void *b)
{
	const struct journal_day *x = a, *y = b;
	int c;

	if (x->day != y->day)
		return x->day < y->day ? -1 : 1;
	if ((c = strcmp(x->label, y->label)) != 0)
		return c;
	if ((c = strcmp(x->severity, y->severity)) != 0)
		return c;
	return strcmp(x->kind, y->kind);
}

int journal_query_history(const char *path, int64_t since_day, const char *dimm,
                          journal_day_fn fn, void *arg, char *err,
                          size_t errlen)
{
	struct history h = {.dimm = dimm, .since_day = since_day};
	uint64_t since_ms =
	    since_day > 0 ? (uint64_t)since_day * 86400000ull : 0;
	struct journal *j;
	size_t i;

	if (open_journal(path, &j, err, errlen) < 0)
		return -1;
	if (journal_days_each(j, since_day, history_day, &h) < 0 ||
	    journal_events_each(j, since_ms, 0, history_event, &h) < 0) {
		free(h.rows);
		return journal_failed(j, err, errlen);
	}
	journal_close(j);
	if (h.failed) {
		free(h.rows);
		snprintf(err, errlen, "history: out of memory");
		return -1;
	}
	if (h.n > 0)
		qsort(h.rows, h.n, sizeof(*h.rows), day_order);
	for (i = 0; i < h.n; i++)
		if (fn(arg, &h.rows[i]) != 0)
			break;
	free(h.rows);
	return 0;
}

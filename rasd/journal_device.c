/* journal_device.c - the journal's device_events (v4): PCIe AER, CXL and
 * firmware memory records, their per-device counts, a firmware's name. */
#include <inttypes.h>
#include <stdlib.h>

#include "journal_int.h"

static void bind_device_event(sqlite3_stmt *st,
                              const struct journal_device_event *ev)
{
	int c = 1;

	bind_u64(st, c++, ev->time_ms);
	bind_text(st, c++, ev->source, sizeof(ev->source));
	bind_text(st, c++, ev->kind, sizeof(ev->kind));
	bind_text(st, c++, ev->device, sizeof(ev->device));
	bind_text(st, c++, ev->host, sizeof(ev->host));
	bind_text(st, c++, ev->severity, sizeof(ev->severity));
	sqlite3_bind_int64(st, c++, ev->status);
	sqlite3_bind_int64(st, c++, ev->first_error);
	bind_text(st, c++, ev->bits, sizeof(ev->bits));
	bind_text(st, c++, ev->tlp, sizeof(ev->tlp));
	bind_u64(st, c++, ev->serial);
	bind_u64(st, c++, ev->address);
	bind_text(st, c++, ev->message, sizeof(ev->message));
	bind_text(st, c++, ev->note, sizeof(ev->note));
	bind_id(st, c++, ev->event_id);
}

int journal_device_event_add(struct journal *j, struct journal_device_event *ev)
{
	if (j == NULL)
		return -1;
	if (ev == NULL)
		return fail(j, "journal_device_event_add: no event");
	bind_device_event(j->stmt[ST_DEVICE_ADD], ev);
	if (run(j, ST_DEVICE_ADD, "journal_device_event_add") != 0)
		return -1;
	ev->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

/* Column 0 is id; the rest are DEVICE_COLUMNS in order. */
static void read_device_event(sqlite3_stmt *st, struct journal_device_event *ev)
{
	int c = 0;

	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(st, c++);
	ev->time_ms = column_u64(st, c++);
	column_text(st, c++, ev->source, sizeof(ev->source));
	column_text(st, c++, ev->kind, sizeof(ev->kind));
	column_text(st, c++, ev->device, sizeof(ev->device));
	column_text(st, c++, ev->host, sizeof(ev->host));
	column_text(st, c++, ev->severity, sizeof(ev->severity));
	ev->status = (uint32_t)sqlite3_column_int64(st, c++);
	ev->first_error = (uint32_t)sqlite3_column_int64(st, c++);
	column_text(st, c++, ev->bits, sizeof(ev->bits));
	column_text(st, c++, ev->tlp, sizeof(ev->tlp));
	ev->serial = column_u64(st, c++);
	ev->address = column_u64(st, c++);
	column_text(st, c++, ev->message, sizeof(ev->message));
	column_text(st, c++, ev->note, sizeof(ev->note));
	ev->event_id = sqlite3_column_int64(st, c++);
}

/* Where a scan is: the (time_ms, id) key of the last row handed out. */
struct cursor {
	int64_t since;
	int64_t after_time;
	int64_t after_id;
	bool newest_first;
};

static int read_page(struct journal *j, const struct cursor *cur, size_t want,
                     struct journal_device_event *page, size_t *n)
{
	sqlite3_stmt *st =
	    j->stmt[cur->newest_first ? ST_DEVICE_PAGE_NEWEST : ST_DEVICE_PAGE];
	int step = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, cur->since);
	sqlite3_bind_int64(st, 2, cur->after_time);
	sqlite3_bind_int64(st, 3, cur->after_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)want);
	for (*n = 0; *n < want && (step = sqlite3_step(st)) == SQLITE_ROW;
	     (*n)++)
		read_device_event(st, &page[*n]);
	if (*n < want && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_device_events_each");
	sqlite3_reset(st);
	return 0;
}

/* A page at a time, so a callback may write to the journal between. */
int journal_device_events_each(struct journal *j, uint64_t since_ms,
                               size_t limit, bool newest_first,
                               journal_device_event_fn fn, void *arg)
{
	struct journal_device_event *page;
	struct cursor cur;
	size_t n = 0, i, want, delivered = 0;
	bool stop = false;
	int rc = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_device_events_each: no callback");
	page = malloc(PAGE_ROWS * sizeof(*page));
	if (page == NULL)
		return fail(j, "journal_device_events_each: out of memory");
	cur.since = since_ms > INT64_MAX ? INT64_MAX : (int64_t)since_ms;
	cur.newest_first = newest_first;
	cur.after_time = newest_first ? INT64_MAX : INT64_MIN;
	cur.after_id = cur.after_time;
	do {
		want = PAGE_ROWS;
		if (limit != 0 && limit - delivered < want)
			want = limit - delivered;
		rc = read_page(j, &cur, want, page, &n);
		for (i = 0; rc == 0 && !stop && i < n; i++) {
			delivered++;
			stop = fn(arg, &page[i]) != 0;
		}
		if (n > 0) {
			cur.after_time = (int64_t)page[n - 1].time_ms;
			cur.after_id = page[n - 1].id;
		}
	} while (rc == 0 && !stop && n == want &&
	         (limit == 0 || delivered < limit));
	free(page);
	return rc;
}

int journal_device_counts(struct journal *j, journal_device_count_fn fn,
                          void *arg)
{
	sqlite3_stmt *st;
	struct journal_device_count c;
	int step, stop = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_device_counts: no callback");
	st = j->stmt[ST_DEVICE_COUNTS];
	while (!stop && (step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		column_text(st, 0, c.source, sizeof(c.source));
		column_text(st, 1, c.device, sizeof(c.device));
		column_text(st, 2, c.host, sizeof(c.host));
		c.corrected = column_u64(st, 3);
		c.nonfatal = column_u64(st, 4);
		c.fatal = column_u64(st, 5);
		c.unknown = column_u64(st, 6);
		c.last_ms = column_u64(st, 7);
		c.first_id = sqlite3_column_int64(st, 8);
		stop = fn(arg, &c);
	}
	if (!stop && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_device_counts");
	sqlite3_reset(st);
	return 0;
}

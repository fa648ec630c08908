/* journal_query.h - read-only questions to a journal file over its own
 * SQLite connection: filtered, newest-first event pages and the counts,
 * for rasd's events command and for rasctl -j while rasd is down. */
#ifndef RASD_JOURNAL_QUERY_H
#define RASD_JOURNAL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* 0 in since/until/before_id and NULL in dimm/severity: no condition. */
struct event_filter {
	uint64_t since_ms;    /* time_ms >= since */
	uint64_t until_ms;    /* time_ms <= until */
	const char *dimm;     /* the DIMM's label, exactly */
	const char *severity; /* "corrected", "uncorrected", ... */
	int64_t before_id;    /* id < before: the next page */
	size_t limit;         /* at most this many, newest first */
};

/*
 * Events matching f, newest first (the operator's question is "what
 * happened lately"; --before pages back). fn gets each; -1 with err when
 * the file cannot be read as a journal. Opens and closes its own
 * read-only connection, so it never waits for or blocks rasd's writer.
 */
int journal_query_events(const char *path, const struct event_filter *f,
                         journal_event_fn fn, void *arg, char *err,
                         size_t errlen);

/*
 * Where a page ended. partial: the time slice ran out before the page
 * was full or the journal's start was reached; next_before continues
 * it (also set when the page is full; 0 when nothing is older).
 */
struct event_page_end {
	bool partial;
	int64_t next_before;
	size_t delivered;
};

/*
 * The same within a time slice (slice_ns of CLOCK_MONOTONIC from the
 * call, 0: none): rasd's loop is never held longer by a filter that
 * matches little of a long journal.
 */
int journal_query_events_sliced(const char *path, const struct event_filter *f,
                                uint64_t slice_ns, journal_event_fn fn,
                                void *arg, struct event_page_end *end,
                                char *err, size_t errlen);

/*
 * The same on a reader the caller keeps open between queries
 * (journal_open_readonly): opening one prepares every statement, which
 * cost more than a page of events. What was added since is read first.
 */
int journal_query_events_on(struct journal *j, const struct event_filter *f,
                            uint64_t slice_ns, journal_event_fn fn, void *arg,
                            struct event_page_end *end, char *err,
                            size_t errlen);

/* The same counts as journal_summary, read-only. */
int journal_query_summary(const char *path, struct journal_summary *out,
                          char *err, size_t errlen);

/* Actions, newest first, at most limit. */
int journal_query_actions(const char *path, size_t limit, journal_action_fn fn,
                          void *arg, char *err, size_t errlen);

/*
 * Counts per day, DIMM, severity and kind since since_day (UTC days since
 * 1970): the days retention rolled up and the events still kept, in day
 * order. dimm NULL: every DIMM.
 */
int journal_query_history(const char *path, int64_t since_day, const char *dimm,
                          journal_day_fn fn, void *arg, char *err,
                          size_t errlen);

/* The most events one reply carries; older ones come by --before. */
#define EVENTS_PAGE_MAX 1000
/* ... for a user other than root (asking for more is refused). */
#define EVENTS_USER_PAGE_MAX 200
/* How long one events request may read the journal before it answers
 * with what it has ("partial"); shorter for a user other than root. */
#define EVENTS_SLICE_NS      5000000ull
#define EVENTS_USER_SLICE_NS 2000000ull

struct json_object;
struct rasd;

/* commands.c: one event or action as the control socket sends it (rasctl
 * -j prints the same). arr is a JSON array; d may be NULL (no names). */
int journal_event_json_add(void *arr, const struct journal_event *ev);
void journal_action_json_add(struct json_object *arr, struct rasd *d,
                             const struct journal_action *a);

#endif

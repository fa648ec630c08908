/* journal_retain.c - retention: the oldest event blocks rolled up into
 * per-day counts and deleted, within an age and a size, a block at a time. */
#include <inttypes.h>
#include <stdlib.h>

#include "journal_int.h"

#define DAY_MS 86400000ull
/* Pruning for size, once begun, goes on down to this share of the limit,
 * so that it does not run again at every block written. */
#define SIZE_LOW_PERCENT 90

static int pragma_int(struct journal *j, enum statement s, int64_t *out)
{
	sqlite3_stmt *st = j->stmt[s];

	if (sqlite3_step(st) != SQLITE_ROW)
		return fail_stmt(j, st, "journal: reading its size");
	*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return 0;
}

int journal_used_bytes(struct journal *j, uint64_t *out)
{
	int64_t pages, free_pages, page_size;

	if (pragma_int(j, ST_PAGE_COUNT, &pages) < 0 ||
	    pragma_int(j, ST_FREE_COUNT, &free_pages) < 0 ||
	    pragma_int(j, ST_PAGE_SIZE, &page_size) < 0)
		return -1;
	*out = (uint64_t)(pages - free_pages) * (uint64_t)page_size;
	return 0;
}

/* One block's events summed by day, DIMM, severity and kind. */
struct day_sum {
	int64_t day;
	const char *label;
	enum mce_severity severity;
	enum mce_kind kind;
	int64_t records;
};

static size_t days_of_block(const struct journal_event *evs, size_t n,
                            struct day_sum *sums)
{
	size_t i, k, n_sums = 0;

	for (i = 0; i < n; i++) {
		const struct journal_event *ev = &evs[i];
		int64_t day = (int64_t)(ev->time_ms / DAY_MS);

		for (k = 0; k < n_sums; k++)
			if (sums[k].day == day &&
			    sums[k].severity == ev->severity &&
			    sums[k].kind == ev->kind &&
			    strcmp(sums[k].label, ev->dimm_label) == 0)
				break;
		if (k == n_sums) {
			sums[k] = (struct day_sum){day, ev->dimm_label,
			                           ev->severity, ev->kind, 0};
			n_sums++;
		}
		sums[k].records += ev->count > 0 ? ev->count : 1;
	}
	return n_sums;
}

static int day_add(struct journal *j, const struct day_sum *d)
{
	sqlite3_stmt *st = j->stmt[ST_DAY_ADD];

	sqlite3_bind_int64(st, 1, d->day);
	bind_string(st, 2, d->label);
	bind_string(st, 3, mce_severity_name(d->severity));
	bind_string(st, 4, mce_kind_name(d->kind));
	sqlite3_bind_int64(st, 5, d->records);
	return run(j, ST_DAY_ADD, "journal: rolling up a day");
}

/* The next id is kept in meta: with every block gone, ids still go on. */
static int keep_next_id(struct journal *j)
{
	char value[32];

	snprintf(value, sizeof(value), "%" PRId64, j->next_event_id);
	return journal_meta_set(j, "events.next_id", value);
}

/* Roll the block up and delete it (and its notes), in one transaction. */
static int block_retire(struct journal *j, const struct journal_event *evs,
                        size_t n, int64_t first_id)
{
	struct day_sum sums[EVENT_BLOCK_MAX];
	size_t n_sums = days_of_block(evs, n, sums), i;
	sqlite3_stmt *st;

	if (journal_begin(j) < 0)
		return -1;
	for (i = 0; i < n_sums; i++)
		if (day_add(j, &sums[i]) < 0)
			goto fail;
	st = j->stmt[ST_NOTES_DELETE];
	sqlite3_bind_int64(st, 1, first_id);
	sqlite3_bind_int64(st, 2, first_id + (int64_t)n - 1);
	if (run(j, ST_NOTES_DELETE, "journal: deleting notes") < 0)
		goto fail;
	sqlite3_bind_int64(j->stmt[ST_BLOCK_DELETE], 1, first_id);
	if (run(j, ST_BLOCK_DELETE, "journal: deleting a block") < 0 ||
	    keep_next_id(j) < 0 || journal_commit(j) < 0)
		goto fail;
	return 0;
fail:
	journal_rollback(j);
	return -1;
}

/* Over the size limit (or still pruning down to its low mark)? */
static int size_wants_pruning(struct journal *j, uint64_t max_bytes, bool *out)
{
	uint64_t used, mark;

	*out = false;
	if (max_bytes == 0)
		return 0;
	if (journal_used_bytes(j, &used) < 0)
		return -1;
	mark = j->size_pruning ? max_bytes / 100 * SIZE_LOW_PERCENT : max_bytes;
	j->size_pruning = used > mark;
	*out = j->size_pruning;
	return 0;
}

int journal_retain(struct journal *j, const struct journal_retention *r,
                   uint64_t now_ms, size_t max_blocks,
                   struct journal_retained *out)
{
	struct journal_event *evs;
	uint64_t last_ms, records;
	int64_t first_id;
	size_t n, done;
	bool over;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (journal_in_batch(j))
		return fail(j, "journal_retain: a batch is open");
	evs = malloc(EVENT_BLOCK_MAX * sizeof(*evs));
	if (evs == NULL)
		return fail(j, "journal_retain: out of memory");
	for (done = 0; done < max_blocks; done++) {
		if ((rc = size_wants_pruning(j, r->max_bytes, &over)) < 0 ||
		    (rc = journal_block_oldest(j, evs, &n, &first_id, &last_ms,
		                               &records)) < 0 ||
		    n == 0)
			break;
		if (last_ms >= r->protect_from_ms) {
			out->protected_left = over;
			break;
		}
		if (!over && (r->keep_ms == 0 || now_ms < r->keep_ms ||
		              last_ms >= now_ms - r->keep_ms))
			break;
		if ((rc = block_retire(j, evs, n, first_id)) < 0)
			break;
		out->blocks++;
		out->records += records;
	}
	out->more = rc == 0 && done == max_blocks;
	free(evs);
	return rc;
}

int journal_days_each(struct journal *j, int64_t since_day, journal_day_fn fn,
                      void *arg)
{
	sqlite3_stmt *st = j->stmt[ST_DAYS_PAGE];
	struct journal_day d;
	int step;

	sqlite3_bind_int64(st, 1, since_day);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&d, 0, sizeof(d));
		d.day = sqlite3_column_int64(st, 0);
		column_text(st, 1, d.label, sizeof(d.label));
		column_text(st, 2, d.severity, sizeof(d.severity));
		column_text(st, 3, d.kind, sizeof(d.kind));
		d.records = sqlite3_column_int64(st, 4);
		if (fn(arg, &d) != 0)
			break;
	}
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_days_each");
	sqlite3_reset(st);
	return 0;
}

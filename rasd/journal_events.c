/* journal_events.c - machine-check events in blocks: one row holds the
 * records of a batch, so the record path pays one insert per batch. */
#include <inttypes.h>
#include <stdlib.h>

#include "journal_int.h"

/*
 * Why blocks: an SQLite row costs some 5,600 instructions to insert even
 * with two columns, more than rasd's whole budget for a record. A block
 * of up to EVENT_BLOCK_MAX events costs one insert; its events keep
 * dense ids (a block's row id is its first event's), so actions still
 * point at one event, and nothing of a record is lost: the entry holds
 * the whole struct mce.
 *
 * Entry (EVENT_ENTRY bytes, little endian):
 *    0 u64 time_ms      8 u64 page        16 i32 dimm     20 i32 channel
 *   24 u16 source      26 u16 label       28 u8 severity  29 u8 kind
 *   30 u8 flags (1: page valid)           31 u8 reserved
 *   32 u32 count (identical records folded in, storm mode)
 *   36 u32 span_ms (from the first to the last of them)
 *   40 u64 DRAM coordinates (dram_coord_pack; 0 none: v6 wrote 0 here)
 *   48 the record, mce_record_encode at 128 bytes
 * Strings (the source, a DIMM label) are interned in the strings table.
 *
 * On disk a block is packed: the events of a batch differ in a few words
 * (time, page, address, TSC), and every byte written is written twice
 * (the WAL, then the checkpoint), so each entry is stored as its XOR with
 * the one before, as a bitmap of its nonzero 8-byte words (EVENT_MAP
 * bytes) and those words. About a quarter of the bytes for distinct
 * pages, for some 150 instructions an entry.
 */
#define EVENT_ENTRY     176
#define EVENT_REC_OFF   48
#define EVENT_REC_LEN   MCE_RECORD_LEN_LINUX
#define FLAG_PAGE_VALID 1u
#define EVENT_WORDS     (EVENT_ENTRY / 8)
#define EVENT_MAP       ((EVENT_WORDS + 7) / 8)
_Static_assert(EVENT_ENTRY % 8 == 0 && EVENT_ENTRY <= EVENT_ENTRY_MAX &&
                   EVENT_MAP <= 3,
               "a packed entry fits journal_int.h's buffers");

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
}

static void put32(unsigned char *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

static void put64(unsigned char *p, uint64_t v)
{
	put32(p, (uint32_t)v);
	put32(p + 4, (uint32_t)(v >> 32));
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)get16(p) | (uint32_t)get16(p + 2) << 16;
}

static uint64_t get64(const unsigned char *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- interned strings ---- */

/*
 * The id of s, adding it (in the open transaction) when new; 0 for "".
 * *hint is the id this column had last time: a storm names one source
 * and a few DIMMs, so the search is mostly one comparison.
 */
static int string_id(struct journal *j, const char *s, size_t size,
                     uint16_t *id, uint16_t *hint)
{
	size_t len = strnlen(s, size), i;
	sqlite3_stmt *st;

	*id = 0;
	if (len == 0)
		return 0;
	if (*hint != 0 && *hint <= j->n_strings &&
	    strncmp(j->strings[*hint - 1], s, len) == 0 &&
	    j->strings[*hint - 1][len] == '\0') {
		*id = *hint;
		return 0;
	}
	for (i = 0; i < j->n_strings; i++) {
		if (strncmp(j->strings[i], s, len) == 0 &&
		    j->strings[i][len] == '\0') {
			*id = *hint = (uint16_t)(i + 1);
			return 0;
		}
	}
	if (j->n_strings >= JOURNAL_STRINGS_MAX)
		return fail(j,
		            "journal: more than %d distinct sources and "
		            "DIMM labels",
		            JOURNAL_STRINGS_MAX);
	snprintf(j->strings[j->n_strings], sizeof(j->strings[0]), "%.*s",
	         (int)len, s);
	st = j->stmt[ST_STRING_ADD];
	sqlite3_bind_int64(st, 1, (sqlite3_int64)(j->n_strings + 1));
	bind_string(st, 2, j->strings[j->n_strings]);
	if (run(j, ST_STRING_ADD, "journal_event_add") != 0)
		return -1;
	*id = *hint = (uint16_t)++j->n_strings;
	return 0;
}

static const char *string_of(const struct journal *j, uint16_t id)
{
	if (id == 0 || id > j->n_strings)
		return "";
	return j->strings[id - 1];
}

int journal_strings_load(struct journal *j)
{
	sqlite3_stmt *st;
	int rc;

	j->n_strings = 0;
	if (sqlite3_prepare_v2(j->db,
	                       "SELECT id, text FROM strings ORDER BY id", -1,
	                       &st, NULL) != SQLITE_OK)
		return fail(j, "journal: %s", sqlite3_errmsg(j->db));
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       j->n_strings < JOURNAL_STRINGS_MAX) {
		/* Ids are dense from 1: the order of the rows is the id. */
		column_text(st, 1, j->strings[j->n_strings],
		            sizeof(j->strings[0]));
		j->n_strings++;
	}
	sqlite3_finalize(st);
	return 0;
}

/* ---- the block being filled ---- */

static uint64_t word_at(const unsigned char *p)
{
	uint64_t w;

	memcpy(&w, p, sizeof(w));
	return w;
}

/* The block's entries as XOR deltas, nonzero words only; its length. */
static size_t block_pack(const unsigned char *raw, size_t n, unsigned char *out)
{
	const unsigned char *prev = NULL;
	size_t len = 0, i, w;

	for (i = 0; i < n; i++, prev = raw, raw += EVENT_ENTRY) {
		unsigned char *map = out + len;

		memset(map, 0, EVENT_MAP);
		len += EVENT_MAP;
		for (w = 0; w < EVENT_WORDS; w++) {
			uint64_t v = word_at(raw + w * 8);

			if (prev != NULL)
				v ^= word_at(prev + w * 8);
			if (v == 0)
				continue;
			map[w / 8] |= (unsigned char)(1u << (w % 8));
			memcpy(out + len, &v, sizeof(v));
			len += sizeof(v);
		}
	}
	return len;
}

/* The reverse; -1 when the bytes do not hold exactly n entries. */
static int block_unpack(const unsigned char *in, size_t len, size_t n,
                        unsigned char *raw)
{
	const unsigned char *end = in + len;
	unsigned char *prev = NULL;
	size_t i, w;

	for (i = 0; i < n; i++, prev = raw, raw += EVENT_ENTRY) {
		const unsigned char *map = in;

		if ((size_t)(end - in) < EVENT_MAP)
			return -1;
		in += EVENT_MAP;
		for (w = 0; w < EVENT_WORDS; w++) {
			uint64_t v = prev != NULL ? word_at(prev + w * 8) : 0;

			if (map[w / 8] & (1u << (w % 8))) {
				if ((size_t)(end - in) < 8)
					return -1;
				v ^= word_at(in);
				in += 8;
			}
			memcpy(raw + w * 8, &v, sizeof(v));
		}
	}
	return in == end ? 0 : -1;
}

static int block_flush(struct journal *j)
{
	sqlite3_stmt *st = j->stmt[ST_BLOCK_ADD];
	size_t packed;

	if (j->blk_n == 0)
		return 0;
	packed = block_pack(j->blk, j->blk_n, j->packed);
	sqlite3_bind_int64(st, 1, j->blk_first_id);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)j->blk_n);
	bind_u64(st, 3, j->blk_first_ms);
	bind_u64(st, 4, j->blk_last_ms);
	sqlite3_bind_blob(st, 5, j->packed, (int)packed, SQLITE_STATIC);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)j->blk_records);
	if (run(j, ST_BLOCK_ADD, "journal: writing events") != 0)
		return -1;
	j->blk_n = 0;
	j->blk_records = 0;
	return 0;
}

/* Reads see what this transaction wrote, buffered events included. */
int journal_events_flush(struct journal *j)
{
	return block_flush(j);
}

/*
 * The batch ends: its events go in with it. A batch rolled back takes
 * its events, ids and strings with it.
 */
void journal_events_committed(struct journal *j)
{
	j->committed_next_id = j->next_event_id;
	j->committed_count = j->event_count;
	j->committed_strings = j->n_strings;
}

void journal_events_rolled_back(struct journal *j)
{
	j->blk_n = 0;
	j->blk_records = 0;
	j->next_event_id = j->committed_next_id;
	j->event_count = j->committed_count;
	j->n_strings = j->committed_strings;
}

static void entry_encode(unsigned char *e, const struct journal_event *ev,
                         uint16_t source, uint16_t label)
{
	memset(e, 0, EVENT_REC_OFF);
	put64(e, ev->time_ms);
	put64(e + 8, ev->page);
	put32(e + 16, (uint32_t)ev->dimm);
	put32(e + 20, (uint32_t)ev->channel);
	put16(e + 24, source);
	put16(e + 26, label);
	e[28] = (unsigned char)ev->severity;
	e[29] = (unsigned char)ev->kind;
	e[30] = ev->page_valid ? FLAG_PAGE_VALID : 0;
	put32(e + 32, 1);
	put64(e + 40, dram_coord_pack(&ev->dram));
	mce_record_encode(&ev->rec, e + EVENT_REC_OFF, EVENT_REC_LEN);
}

/*
 * Storm mode: the same error again, at once (same page, bank, status,
 * CPU and DIMM as the last entry of the block), is counted in that entry
 * rather than stored again. Exact counts; every distinct page still has
 * an entry of its own.
 */
static bool entry_folds(const struct journal *j, const struct journal_event *ev)
{
	const unsigned char *e;
	struct mce_record last;
	char why[64];

	if (j->blk_n == 0 || !ev->page_valid)
		return false;
	e = j->blk + (j->blk_n - 1) * EVENT_ENTRY;
	if (!(e[30] & FLAG_PAGE_VALID) || get64(e + 8) != ev->page ||
	    (int32_t)get32(e + 16) != ev->dimm || get32(e + 32) == UINT32_MAX ||
	    get64(e + 40) != dram_coord_pack(&ev->dram))
		return false;
	if (mce_record_parse(e + EVENT_REC_OFF, EVENT_REC_LEN, &last, why,
	                     sizeof(why)) < 0)
		return false;
	return last.status == ev->rec.status && last.bank == ev->rec.bank &&
	       last.extcpu == ev->rec.extcpu;
}

static void entry_fold(struct journal *j, struct journal_event *ev)
{
	unsigned char *e = j->blk + (j->blk_n - 1) * EVENT_ENTRY;
	uint64_t first = get64(e);

	put32(e + 32, get32(e + 32) + 1);
	if (ev->time_ms > first)
		put32(e + 36, (uint32_t)(ev->time_ms - first));
	ev->id = j->next_event_id - 1;
	ev->count = get32(e + 32);
	if (ev->time_ms > j->blk_last_ms)
		j->blk_last_ms = ev->time_ms;
	j->blk_records++;
	j->event_count++;
}

static int entry_append(struct journal *j, struct journal_event *ev)
{
	uint16_t source, label;

	if (string_id(j, ev->source, sizeof(ev->source), &source,
	              &j->hint_source) < 0 ||
	    string_id(j, ev->dimm_label, sizeof(ev->dimm_label), &label,
	              &j->hint_label) < 0)
		return -1;
	if (j->blk_n == EVENT_BLOCK_MAX && block_flush(j) < 0)
		return -1;
	if (j->blk_n == 0) {
		j->blk_first_id = j->next_event_id;
		j->blk_first_ms = ev->time_ms;
		j->blk_last_ms = ev->time_ms;
	}
	entry_encode(j->blk + j->blk_n * EVENT_ENTRY, ev, source, label);
	j->blk_n++;
	if (ev->time_ms > j->blk_last_ms)
		j->blk_last_ms = ev->time_ms;
	if (ev->time_ms < j->blk_first_ms)
		j->blk_first_ms = ev->time_ms;
	ev->id = j->next_event_id++;
	ev->count = 1;
	j->blk_records++;
	j->event_count++;
	return 0;
}

static int note_also(struct journal *j, int64_t id, const char *also)
{
	sqlite3_stmt *st = j->stmt[ST_NOTE_ALSO_APPEND];

	sqlite3_bind_int64(st, 1, id);
	bind_string(st, 2, also);
	return run(j, ST_NOTE_ALSO_APPEND, "journal: an event's notes");
}

int journal_event_add(struct journal *j, struct journal_event *ev)
{
	bool batch;

	if (j == NULL)
		return -1;
	if (ev == NULL)
		return fail(j, "journal_event_add: no event");
	if (ev->severity < MCE_SEV_CORRECTED || ev->severity > MCE_SEV_FATAL ||
	    ev->kind < MCE_KIND_MEMORY || ev->kind > MCE_KIND_UNKNOWN)
		return fail(j,
		            "journal_event_add: severity %d or kind %d is "
		            "not one rasd knows",
		            (int)ev->severity, (int)ev->kind);
	batch = journal_in_batch(j);
	/* Alone, an event is its own transaction and its own block. */
	if (!batch && journal_begin(j) < 0)
		return -1;
	if (entry_folds(j, ev))
		entry_fold(j, ev);
	else if (entry_append(j, ev) < 0)
		goto fail;
	if (ev->also[0] != '\0' && note_also(j, ev->id, ev->also) < 0)
		goto fail;
	if (!batch && journal_commit(j) < 0)
		goto fail;
	return 0;
fail:
	if (!batch)
		journal_rollback(j);
	return -1;
}

/* ---- reading ---- */

const char *journal_event_describe(const struct journal_event *ev, char *buf,
                                   size_t len)
{
	struct mce_decoded dec;

	if (mce_decode(&ev->rec, &dec) < 0)
		snprintf(buf, len, "record with no valid error (status 0x%llx)",
		         (unsigned long long)ev->rec.status);
	else
		mce_describe(&ev->rec, &dec, buf, len);
	return buf;
}

static void entry_decode(const struct journal *j, const unsigned char *e,
                         int64_t id, struct journal_event *ev)
{
	char why[64];

	memset(ev, 0, sizeof(*ev));
	ev->id = id;
	ev->time_ms = get64(e);
	ev->page = get64(e + 8);
	ev->dimm = (int32_t)get32(e + 16);
	ev->channel = (int32_t)get32(e + 20);
	snprintf(ev->source, sizeof(ev->source), "%s",
	         string_of(j, get16(e + 24)));
	snprintf(ev->dimm_label, sizeof(ev->dimm_label), "%s",
	         string_of(j, get16(e + 26)));
	ev->severity = (enum mce_severity)e[28];
	ev->kind = (enum mce_kind)e[29];
	ev->page_valid = e[30] & FLAG_PAGE_VALID;
	ev->count = get32(e + 32);
	ev->span_ms = get32(e + 36);
	dram_coord_unpack(get64(e + 40), &ev->dram);
	if (mce_record_parse(e + EVENT_REC_OFF, EVENT_REC_LEN, &ev->rec, why,
	                     sizeof(why)) < 0)
		memset(&ev->rec, 0, sizeof(ev->rec));
	ev->cpu = (int32_t)ev->rec.extcpu;
	ev->socket = (int32_t)ev->rec.socketid;
	ev->bank = ev->rec.bank;
}

/* The notes (also) of events first..last, into the decoded block. */
static int notes_fill(struct journal *j, int64_t first, int64_t last,
                      struct journal_event *evs)
{
	sqlite3_stmt *st = j->stmt[ST_NOTES_RANGE];
	int step;

	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_int64(st, 2, last);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		column_text(st, 1, evs[id - first].also,
		            sizeof(evs[id - first].also));
	}
	if (step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_events_each");
	sqlite3_reset(st);
	return 0;
}

/* One block's events, decoded; the statement row is the block. */
static int block_decode(struct journal *j, sqlite3_stmt *st,
                        struct journal_event *evs, size_t *n)
{
	int64_t first = sqlite3_column_int64(st, 0);
	static const unsigned char none[1];
	const unsigned char *data = sqlite3_column_blob(st, 4);
	size_t count = (size_t)sqlite3_column_int64(st, 1);
	size_t bytes = (size_t)sqlite3_column_bytes(st, 4), i;

	if (data == NULL)
		data = none;
	if (count > EVENT_BLOCK_MAX ||
	    block_unpack(data, bytes, count, j->unpacked) < 0)
		return fail(j,
		            "journal: event block %" PRId64 " holds %zu bytes "
		            "that are not %zu packed events",
		            first, bytes, count);
	for (i = 0; i < count; i++)
		entry_decode(j, j->unpacked + i * EVENT_ENTRY,
		             first + (int64_t)i, &evs[i]);
	*n = count;
	return 0;
}

int journal_events_each(struct journal *j, uint64_t since_ms, size_t limit,
                        journal_event_fn fn, void *arg)
{
	struct journal_event *evs;
	sqlite3_stmt *st;
	int64_t after = 0;
	size_t n = 0, i, delivered = 0;
	int step, rc = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_events_each: no callback");
	if (journal_events_flush(j) < 0)
		return -1;
	evs = malloc(EVENT_BLOCK_MAX * sizeof(*evs));
	if (evs == NULL)
		return fail(j, "journal_events_each: out of memory");
	st = j->stmt[ST_BLOCKS_PAGE];
	for (;;) {
		bind_u64(st, 1, since_ms);
		sqlite3_bind_int64(st, 2, after);
		step = sqlite3_step(st);
		if (step == SQLITE_DONE) {
			sqlite3_reset(st);
			break;
		}
		if (step != SQLITE_ROW) {
			rc = fail_stmt(j, st, "journal_events_each");
			break;
		}
		rc = block_decode(j, st, evs, &n);
		sqlite3_reset(st);
		if (rc < 0 || (n > 0 && notes_fill(j, evs[0].id, evs[n - 1].id,
		                                   evs) < 0)) {
			rc = -1;
			break;
		}
		/* No statement is active in the callback: it may write. */
		for (i = 0; i < n; i++) {
			if (evs[i].time_ms < since_ms)
				continue;
			if (limit != 0 && delivered == limit)
				goto out;
			delivered++;
			if (fn(arg, &evs[i]) != 0)
				goto out;
		}
		after = n > 0 ? evs[n - 1].id : after + 1;
	}
out:
	free(evs);
	return rc;
}

static bool newest_wanted(const struct journal_event *ev, int64_t before_id,
                          uint64_t since_ms, uint64_t until_ms)
{
	return (before_id == 0 || ev->id < before_id) &&
	       ev->time_ms >= since_ms &&
	       (until_ms == 0 || ev->time_ms <= until_ms);
}

int journal_events_newest(struct journal *j, int64_t before_id,
                          uint64_t since_ms, uint64_t until_ms,
                          journal_event_fn fn, void *arg)
{
	sqlite3_stmt *st = j->stmt[ST_BLOCK_BEFORE];
	struct journal_event *evs;
	int64_t below = before_id > 0 ? before_id : INT64_MAX;
	size_t n = 0, i;
	int step, rc = 0;

	if (fn == NULL)
		return fail(j, "journal_events_newest: no callback");
	if (!j->readonly && journal_events_flush(j) < 0)
		return -1;
	evs = malloc(EVENT_BLOCK_MAX * sizeof(*evs));
	if (evs == NULL)
		return fail(j, "journal_events_newest: out of memory");
	for (;;) {
		sqlite3_bind_int64(st, 1, below);
		step = sqlite3_step(st);
		if (step == SQLITE_DONE) {
			sqlite3_reset(st);
			break;
		}
		if (step != SQLITE_ROW) {
			rc = fail_stmt(j, st, "journal_events_newest");
			break;
		}
		below = sqlite3_column_int64(st, 0);
		if ((uint64_t)sqlite3_column_int64(st, 3) < since_ms ||
		    (until_ms != 0 &&
		     (uint64_t)sqlite3_column_int64(st, 2) > until_ms)) {
			sqlite3_reset(st);
			continue;
		}
		rc = block_decode(j, st, evs, &n);
		sqlite3_reset(st);
		if (rc < 0 || (n > 0 && notes_fill(j, evs[0].id, evs[n - 1].id,
		                                   evs) < 0)) {
			rc = -1;
			break;
		}
		for (i = n; i > 0; i--)
			if (newest_wanted(&evs[i - 1], before_id, since_ms,
			                  until_ms) &&
			    fn(arg, &evs[i - 1]) != 0)
				goto out;
	}
out:
	free(evs);
	return rc;
}

/* One integer from a one-row query the journal asks of itself. */
static int read_int64(struct journal *j, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(j, "journal: %s", sqlite3_errmsg(j->db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return fail(j, "journal: %s", sqlite3_errmsg(j->db));
	return 0;
}

static int events_count_read(struct journal *j)
{
	if (read_int64(
	        j,
	        "SELECT COALESCE((SELECT SUM(records) FROM event_blocks), 0)"
	        " + COALESCE((SELECT SUM(records) FROM event_days), 0)",
	        &j->event_count) < 0)
		return -1;
	j->count_pending = false;
	return 0;
}

int64_t journal_event_count(struct journal *j)
{
	if (j == NULL)
		return -1;
	if (j->count_pending && events_count_read(j) < 0)
		return -1;
	return j->event_count;
}

/*
 * Where the count and the next id stand: the blocks on disk, the days
 * retention rolled up, and the next id retention saw (ids never repeat,
 * even when every block has gone). The last block is found by its key
 * (blocks never overlap, so it ends highest). The count sums every
 * block: a reader (rasctl, the events command) reads it only if asked,
 * so a page of events does not cost a pass over the whole journal.
 */
int journal_events_load(struct journal *j)
{
	if (read_int64(j,
	               "SELECT MAX(COALESCE((SELECT id + n FROM event_blocks"
	               "  ORDER BY id DESC LIMIT 1), 1),"
	               " COALESCE((SELECT CAST(value AS INTEGER) FROM meta"
	               "  WHERE key = 'events.next_id'), 1))",
	               &j->next_event_id) < 0)
		return -1;
	j->count_pending = true;
	if (!j->readonly && events_count_read(j) < 0)
		return -1;
	journal_events_committed(j);
	return journal_strings_load(j);
}

int journal_block_oldest(struct journal *j, struct journal_event *evs,
                         size_t *n, int64_t *first_id, uint64_t *last_ms,
                         uint64_t *records)
{
	sqlite3_stmt *st = j->stmt[ST_BLOCK_OLDEST];
	int step, rc;

	*n = 0;
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (step != SQLITE_ROW)
		return fail_stmt(j, st, "journal: the oldest block");
	*first_id = sqlite3_column_int64(st, 0);
	*last_ms = column_u64(st, 3);
	*records = column_u64(st, 5);
	rc = block_decode(j, st, evs, n);
	sqlite3_reset(st);
	return rc;
}

/* An event of this journal (in a block, or in the one being filled). */
int journal_event_exists(struct journal *j, int64_t id)
{
	sqlite3_stmt *st = j->stmt[ST_BLOCK_OF];
	int step, found;

	if (id < 1 || id >= j->next_event_id)
		return 0;
	if (j->blk_n > 0 && id >= j->blk_first_id)
		return 1;
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	found = step == SQLITE_ROW &&
	        sqlite3_column_int64(st, 0) + sqlite3_column_int64(st, 1) > id;
	sqlite3_reset(st);
	if (step != SQLITE_ROW && step != SQLITE_DONE)
		return fail(j, "journal: %s", sqlite3_errmsg(j->db));
	return found;
}

/* ---- a firmware record names an event's DIMM ---- */

/* The entry of event id in the block being filled, or NULL. */
static unsigned char *entry_in_open_block(struct journal *j, int64_t id)
{
	if (j->blk_n == 0 || id < j->blk_first_id ||
	    id >= j->blk_first_id + (int64_t)j->blk_n)
		return NULL;
	return j->blk + (size_t)(id - j->blk_first_id) * EVENT_ENTRY;
}

/* Rewrite n bytes at off of event id's entry in its block on disk. */
static int patch_stored(struct journal *j, int64_t id, size_t off,
                        const unsigned char *patch, size_t n_patch)
{
	sqlite3_stmt *st = j->stmt[ST_BLOCK_DATA_OF];
	const unsigned char *data;
	int64_t first;
	size_t n, bytes, packed;

	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW)
		return fail_stmt(j, st, "journal: an event's block");
	first = sqlite3_column_int64(st, 0);
	n = (size_t)sqlite3_column_int64(st, 1);
	data = sqlite3_column_blob(st, 2);
	bytes = (size_t)sqlite3_column_bytes(st, 2);
	if (id >= first + (int64_t)n || n > EVENT_BLOCK_MAX || data == NULL ||
	    block_unpack(data, bytes, n, j->unpacked) < 0) {
		sqlite3_reset(st);
		return fail(j, "journal: no event %" PRId64, id);
	}
	sqlite3_reset(st);
	memcpy(j->unpacked + (size_t)(id - first) * EVENT_ENTRY + off, patch,
	       n_patch);
	packed = block_pack(j->unpacked, n, j->packed);
	st = j->stmt[ST_BLOCK_DATA_SET];
	sqlite3_bind_int64(st, 1, first);
	sqlite3_bind_blob(st, 2, j->packed, (int)packed, SQLITE_STATIC);
	return run(j, ST_BLOCK_DATA_SET, "journal: an event's block");
}

int journal_event_relabel(struct journal *j, int64_t event_id,
                          const char *label, const char *also)
{
	unsigned char *e, word[2];
	uint16_t id;
	int exists;

	if (j == NULL)
		return -1;
	if (label == NULL)
		return fail(j, "journal_event_relabel: no label");
	exists = journal_event_exists(j, event_id);
	if (exists <= 0)
		return exists < 0
		           ? -1
		           : fail(j, "journal_event_relabel: no event %" PRId64,
		                  event_id);
	if (string_id(j, label, strlen(label) + 1, &id, &j->hint_label) < 0)
		return -1;
	e = entry_in_open_block(j, event_id);
	put16(word, id);
	if (e != NULL)
		memcpy(e + 26, word, 2);
	else if (patch_stored(j, event_id, 26, word, 2) < 0)
		return -1;
	return also != NULL && also[0] != '\0' ? note_also(j, event_id, also)
	                                       : 0;
}

int journal_event_set_dram(struct journal *j, int64_t event_id,
                           const struct dram_coord *c, const char *also)
{
	unsigned char *e, word[8];
	int exists = j == NULL ? -1 : journal_event_exists(j, event_id);

	if (exists <= 0)
		return exists < 0 ? -1
		                  : fail(j,
		                         "journal_event_set_dram: no event "
		                         "%" PRId64,
		                         event_id);
	put64(word, dram_coord_pack(c));
	e = entry_in_open_block(j, event_id);
	if (e != NULL)
		memcpy(e + 40, word, 8);
	else if (patch_stored(j, event_id, 40, word, 8) < 0)
		return -1;
	return also != NULL && also[0] != '\0' ? note_also(j, event_id, also)
	                                       : 0;
}

/* ---- v3 -> v4 ---- */

/* The v3 events row, as v3 kept it; message text is dropped. */
#define V3_COLUMNS                                                             \
	"id, time_ms, source, channel, dimm, dimm_label, severity, kind, "     \
	"status, misc, addr, mcgstatus, mcgcap, ip, tsc, rec_time, cpuid, "    \
	"apicid, synd, ipid, ppin, cpuvendor, record_len, page_valid, page, "  \
	"extcpu, socketid, microcode, cs, rec_bank, inject_flags, also"

static int name_of(const char *s, int first, int last, const char *(*name)(int),
                   int *out)
{
	int i;

	for (i = first; s != NULL && i <= last; i++) {
		if (strcmp(s, name(i)) == 0) {
			*out = i;
			return 0;
		}
	}
	return -1;
}

static const char *severity_name_int(int i)
{
	return mce_severity_name((enum mce_severity)i);
}

static const char *kind_name_int(int i)
{
	return mce_kind_name((enum mce_kind)i);
}

static void v3_row(sqlite3_stmt *st, struct journal_event *ev)
{
	struct mce_record *r = &ev->rec;
	int c = 0, v = 0;

	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(st, c++);
	ev->time_ms = column_u64(st, c++);
	column_text(st, c++, ev->source, sizeof(ev->source));
	ev->channel = sqlite3_column_int(st, c++);
	ev->dimm = sqlite3_column_int(st, c++);
	column_text(st, c++, ev->dimm_label, sizeof(ev->dimm_label));
	ev->severity = name_of((const char *)sqlite3_column_text(st, c++),
	                       MCE_SEV_CORRECTED, MCE_SEV_FATAL,
	                       severity_name_int, &v) == 0
	                   ? (enum mce_severity)v
	                   : MCE_SEV_FATAL;
	ev->kind =
	    name_of((const char *)sqlite3_column_text(st, c++), MCE_KIND_MEMORY,
	            MCE_KIND_UNKNOWN, kind_name_int, &v) == 0
	        ? (enum mce_kind)v
	        : MCE_KIND_UNKNOWN;
	r->status = column_u64(st, c++);
	r->misc = column_u64(st, c++);
	r->addr = column_u64(st, c++);
	r->mcgstatus = column_u64(st, c++);
	r->mcgcap = column_u64(st, c++);
	r->ip = column_u64(st, c++);
	r->tsc = column_u64(st, c++);
	r->time = column_u64(st, c++);
	r->cpuid = (uint32_t)sqlite3_column_int64(st, c++);
	r->apicid = (uint32_t)sqlite3_column_int64(st, c++);
	r->synd = column_u64(st, c++);
	r->ipid = column_u64(st, c++);
	r->ppin = column_u64(st, c++);
	r->cpuvendor = (uint8_t)sqlite3_column_int(st, c++);
	r->record_len = (uint16_t)sqlite3_column_int(st, c++);
	ev->page_valid = sqlite3_column_int(st, c++) != 0;
	ev->page = column_u64(st, c++);
	r->extcpu = (uint32_t)sqlite3_column_int64(st, c++);
	r->socketid = (uint32_t)sqlite3_column_int64(st, c++);
	r->microcode = (uint32_t)sqlite3_column_int64(st, c++);
	r->cs = (uint8_t)sqlite3_column_int(st, c++);
	r->bank = (uint8_t)sqlite3_column_int(st, c++);
	r->inject_flags = (uint8_t)sqlite3_column_int(st, c++);
	column_text(st, c++, ev->also, sizeof(ev->also));
}

/* One old row into the blocks, ids kept (a gap starts a new block). */
static int v3_move(struct journal *j, struct journal_event *ev)
{
	int64_t id = ev->id;

	if (j->blk_n > 0 && id != j->blk_first_id + (int64_t)j->blk_n &&
	    block_flush(j) < 0)
		return -1;
	j->next_event_id = id;
	if (entry_append(j, ev) < 0)
		return -1;
	return ev->also[0] == '\0' ? 0 : note_also(j, id, ev->also);
}

int journal_events_migrate_v4(struct journal *j)
{
	struct journal_event ev;
	sqlite3_stmt *st;
	int step, rc = 0;

	if (journal_prepare(j, ST_BLOCK_ADD) < 0 ||
	    journal_prepare(j, ST_STRING_ADD) < 0 ||
	    journal_prepare(j, ST_NOTE_ALSO_APPEND) < 0)
		return -1;
	if (sqlite3_prepare_v2(j->db,
	                       "SELECT " V3_COLUMNS " FROM events ORDER BY id",
	                       -1, &st, NULL) != SQLITE_OK)
		return fail(j, "%s", sqlite3_errmsg(j->db));
	while (rc == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		v3_row(st, &ev);
		rc = v3_move(j, &ev);
	}
	sqlite3_finalize(st);
	if (rc == 0 && block_flush(j) < 0)
		rc = -1;
	if (rc == 0 && sqlite3_exec(j->db, "DROP TABLE events", NULL, NULL,
	                            NULL) != SQLITE_OK)
		rc = fail(j, "%s", sqlite3_errmsg(j->db));
	j->blk_n = 0;
	j->blk_records = 0;
	return rc;
}

/* test_journal_retain.c - retention on temp journals: events past keep or
 * over max_size rolled up into day counts, totals kept, windows spared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/journal.h"

#define DAY_MS 86400000ull
/* Day 20000 (2024-10-04) at midnight UTC: a clean start for day counts. */
#define T0 (20000ull * DAY_MS)

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
	snprintf(t->path, sizeof(t->path), "/tmp/rasd-jretain-XXXXXX");
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
	free(t);
	return 0;
}

/* `per_day` distinct corrected memory errors on DIMM label, each day of
 * days, a batch (so a block) a day. */
static void add_days(struct journal *j, const char *label, int days,
                     int per_day, uint64_t page0)
{
	struct journal_event ev;
	int d, i;

	for (d = 0; d < days; d++) {
		assert_int_equal(journal_begin(j), 0);
		for (i = 0; i < per_day; i++) {
			memset(&ev, 0, sizeof(ev));
			ev.time_ms = T0 + (uint64_t)d * DAY_MS + (uint64_t)i;
			snprintf(ev.source, sizeof(ev.source), "mcelog");
			snprintf(ev.dimm_label, sizeof(ev.dimm_label), "%s",
			         label);
			ev.severity = MCE_SEV_CORRECTED;
			ev.kind = MCE_KIND_MEMORY;
			ev.page_valid = true;
			ev.page = page0 + (uint64_t)(d * per_day + i);
			ev.rec.status = 0x9c00004000010090ull;
			ev.rec.addr = ev.page << 12;
			ev.rec.bank = 7;
			assert_int_equal(journal_event_add(j, &ev), 0);
		}
		assert_int_equal(journal_commit(j), 0);
	}
}

struct day_total {
	int64_t days, records, first_day;
	char label[64];
};

static int day_sum(void *arg, const struct journal_day *d)
{
	struct day_total *t = arg;

	if (t->days == 0)
		t->first_day = d->day;
	t->days++;
	t->records += d->records;
	snprintf(t->label, sizeof(t->label), "%s", d->label);
	return 0;
}

static int count_event(void *arg, const struct journal_event *ev)
{
	(void)ev;
	++*(int64_t *)arg;
	return 0;
}

static void test_keep_rolls_up_old_days(void **state)
{
	struct temp *t = *state;
	struct journal_retention r = {.keep_ms = 30 * DAY_MS};
	struct journal_retained got;
	struct journal_summary s;
	struct day_total days = {0};
	uint64_t now = T0 + 100 * DAY_MS;
	int64_t kept = 0;

	add_days(t->j, "CPU0_DIMM_A1", 100, 10, 0x1000);
	r.protect_from_ms = now - 7 * DAY_MS;
	assert_int_equal(journal_retain(t->j, &r, now, 1000, &got), 0);
	/* Days 0..69 end before now - 30d (day 70): 70 blocks. */
	assert_int_equal(got.blocks, 70);
	assert_int_equal(got.records, 700);
	assert_false(got.more);
	assert_int_equal(journal_days_each(t->j, 0, day_sum, &days), 0);
	assert_int_equal(days.days, 70);
	assert_int_equal(days.records, 700);
	assert_int_equal(days.first_day, 20000);
	assert_string_equal(days.label, "CPU0_DIMM_A1");
	assert_int_equal(journal_events_each(t->j, 0, 0, count_event, &kept),
	                 0);
	assert_int_equal(kept, 300);
	/* The total counts every record, rolled up or not. */
	assert_int_equal(journal_summary(t->j, &s), 0);
	assert_int_equal(s.events, 1000);
	/* Nothing more to do: a second pass deletes nothing. */
	assert_int_equal(journal_retain(t->j, &r, now, 1000, &got), 0);
	assert_int_equal(got.blocks, 0);
}

static void test_budget_slices_the_work(void **state)
{
	struct temp *t = *state;
	struct journal_retention r = {.keep_ms = DAY_MS};
	struct journal_retained got;
	uint64_t now = T0 + 50 * DAY_MS;
	int slices = 0;

	add_days(t->j, "A", 40, 3, 0x2000);
	r.protect_from_ms = now;
	do {
		assert_int_equal(journal_retain(t->j, &r, now, 4, &got), 0);
		assert_true(got.blocks <= 4);
		slices++;
	} while (got.more);
	assert_int_equal(slices, 11); /* 40 blocks, 4 a slice, and the last */
}

static void test_max_size_spares_the_window(void **state)
{
	struct temp *t = *state;
	struct journal_retention r = {.keep_ms = 0, .max_bytes = 1 << 20};
	struct journal_retained got;
	struct journal_summary s;
	uint64_t now = T0 + 60 * DAY_MS, used = 0;
	int64_t kept = 0;

	/* Some 60 days of 2000 distinct pages a day: well over 1 MiB. */
	add_days(t->j, "B", 60, 2000, 0x100000);
	assert_int_equal(journal_used_bytes(t->j, &used), 0);
	assert_true(used > (1u << 20));
	/* The last 50 days are in a correlation window: kept whatever the
	 * size, and said so. */
	r.protect_from_ms = now - 50 * DAY_MS;
	assert_int_equal(journal_retain(t->j, &r, now, 100000, &got), 0);
	assert_true(got.blocks > 0);
	assert_true(got.protected_left);
	assert_int_equal(
	    journal_events_each(t->j, now - 50 * DAY_MS, 0, count_event, &kept),
	    0);
	assert_int_equal(kept, 50 * 2000);
	/* Unprotected, it goes down to 90% of the limit and stops. */
	r.protect_from_ms = now;
	assert_int_equal(journal_retain(t->j, &r, now, 100000, &got), 0);
	assert_int_equal(journal_used_bytes(t->j, &used), 0);
	assert_true(used <= (1u << 20));
	assert_false(got.protected_left);
	assert_int_equal(journal_summary(t->j, &s), 0);
	assert_int_equal(s.events, 60 * 2000);
}

static void test_ids_never_repeat(void **state)
{
	struct temp *t = *state;
	struct journal_retention r = {.keep_ms = DAY_MS};
	struct journal_retained got;
	struct journal_event ev;
	char err[512];

	add_days(t->j, "C", 3, 5, 0x3000);
	r.protect_from_ms = T0 + 100 * DAY_MS;
	assert_int_equal(journal_retain(t->j, &r, T0 + 100 * DAY_MS, 100, &got),
	                 0);
	assert_int_equal(got.blocks, 3);
	/* Every block gone; reopened, the next event is 16, not 1. */
	journal_close(t->j);
	assert_int_equal(journal_open(&t->j, t->path, err, sizeof(err)), 0);
	memset(&ev, 0, sizeof(ev));
	ev.time_ms = T0 + 100 * DAY_MS;
	ev.rec.status = 0x9c00004000010090ull;
	assert_int_equal(journal_event_add(t->j, &ev), 0);
	assert_int_equal(ev.id, 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_keep_rolls_up_old_days, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_budget_slices_the_work, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_max_size_spares_the_window,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_ids_never_repeat, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_spool.c - the record spool on temp files: what a read left there
 * survives a reopen, is handed out once, and is cleared by release. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/spool.h"

#define LEN 112
#define LOG 32

struct seen {
	uint64_t status[LOG];
	size_t n;
};

static int collect(void *arg, const struct mce_record *r)
{
	struct seen *s = arg;

	s->status[s->n++] = r->status;
	return 0;
}

static void put_record(unsigned char *slot, size_t len, uint64_t status)
{
	struct mce_record r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.bank = 7;
	r.extcpu = 1;
	assert_int_equal(mce_record_encode(&r, slot, len), 0);
}

static void temp_path(char *path, size_t len)
{
	int fd;

	snprintf(path, len, "/tmp/rasd-spool-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	unlink(path);
}

static void test_records_outlive_the_process_view(void **state)
{
	char path[64], err[256] = "";
	struct spool *s = NULL;
	struct seen seen = {{0}, 0};
	size_t bad = 1;
	uint64_t batch;

	(void)state;
	temp_path(path, sizeof(path));
	assert_int_equal(spool_open(&s, path, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	assert_int_equal(spool_slot_size(s), LEN * LOG);
	assert_int_equal(spool_slots(s), 1);
	assert_int_equal(spool_batch(s), 1);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 0);
	assert_int_equal(bad, 0);
	/* What read(2) would have put there, then the daemon "dies". */
	put_record(spool_slot(s, 0), LEN, 0x9c00004000010091ull);
	put_record(spool_slot(s, 0) + LEN, LEN, 0x9c00004000010092ull);
	spool_close(s);

	assert_int_equal(spool_open(&s, path, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	batch = spool_batch(s);
	assert_int_equal(batch, 1);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 2);
	assert_int_equal(seen.status[0], 0x9c00004000010091ull);
	assert_int_equal(seen.status[1], 0x9c00004000010092ull);
	spool_release(s, 0);
	assert_int_equal(spool_batch(s), batch + 1);
	seen.n = 0;
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 0);
	spool_close(s);
	unlink(path);
}

static void test_bad_and_empty_slots(void **state)
{
	char path[64], err[256] = "";
	struct spool *s = NULL;
	struct seen seen = {{0}, 0};
	size_t bad = 0;

	(void)state;
	temp_path(path, sizeof(path));
	assert_int_equal(spool_open(&s, path, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	put_record(spool_slot(s, 0), LEN, 0x9c00004000010091ull);
	/* Garbage is handed out too: decoding, not the spool, refuses it. */
	memset(spool_slot(s, 0) + LEN, 0xff, LEN);
	put_record(spool_slot(s, 0) + 2 * LEN, LEN, 0x9c00004000010093ull);
	/* An empty slot ends what was read. */
	put_record(spool_slot(s, 0) + 4 * LEN, LEN, 0x9c00004000010094ull);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 3);
	assert_int_equal(bad, 0);
	assert_int_equal(seen.status[1], UINT64_MAX);
	assert_int_equal(seen.status[2], 0x9c00004000010093ull);
	spool_close(s);
	unlink(path);
}

/* A spool left by a reader of another record length is read with it. */
static void test_old_record_length(void **state)
{
	char path[64], err[256] = "";
	struct spool *s = NULL;
	struct seen seen = {{0}, 0};
	size_t bad = 0;

	(void)state;
	temp_path(path, sizeof(path));
	assert_int_equal(spool_open(&s, path, 128 * LOG, 1, 128, err, sizeof(err)),
	                 0);
	put_record(spool_slot(s, 0), 128, 0xbd2000008000017aull);
	spool_close(s);
	assert_int_equal(spool_open(&s, path, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 1);
	assert_int_equal(seen.status[0], 0xbd2000008000017aull);
	spool_release(s, 0);
	put_record(spool_slot(s, 0), LEN, 0x9c00004000010091ull);
	spool_close(s);
	assert_int_equal(spool_open(&s, path, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	seen.n = 0;
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 1);
	assert_int_equal(seen.status[0], 0x9c00004000010091ull);
	spool_close(s);
	unlink(path);
}

/* Several reads in one batch: every slot's records, in order. */
static void test_slots(void **state)
{
	char path[64], err[256] = "";
	struct spool *s = NULL;
	struct seen seen = {{0}, 0};
	size_t bad = 0;

	(void)state;
	temp_path(path, sizeof(path));
	assert_int_equal(spool_open(&s, path, LEN * 4, 3, LEN, err, sizeof(err)),
	                 0);
	assert_int_equal(spool_slots(s), 3);
	put_record(spool_slot(s, 0), LEN, 0x9c00004000010091ull);
	put_record(spool_slot(s, 0) + LEN, LEN, 0x9c00004000010092ull);
	put_record(spool_slot(s, 1), LEN, 0x9c00004000010093ull);
	spool_close(s);
	assert_int_equal(spool_open(&s, path, LEN * 4, 3, LEN, err, sizeof(err)),
	                 0);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 3);
	assert_int_equal(seen.status[2], 0x9c00004000010093ull);
	spool_release(s, 0);
	seen.n = 0;
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 0);
	spool_close(s);
	unlink(path);
}

static void test_anonymous_and_errors(void **state)
{
	char err[256] = "";
	struct spool *s = NULL;
	struct seen seen = {{0}, 0};
	size_t bad = 0;

	(void)state;
	assert_int_equal(spool_open(&s, NULL, LEN * LOG, 1, LEN, err, sizeof(err)),
	                 0);
	put_record(spool_slot(s, 0), LEN, 0x9c00004000010091ull);
	assert_int_equal(spool_leftover(s, collect, &seen, &bad), 1);
	spool_close(s);
	assert_int_equal(spool_open(&s, "/nonexistent/dir/j.db.spool",
	                            LEN * LOG, 1, LEN, err, sizeof(err)),
	                 -1);
	assert_null(s);
	assert_non_null(strstr(err, "/nonexistent/dir/j.db.spool"));
	spool_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_records_outlive_the_process_view),
	    cmocka_unit_test(test_bad_and_empty_slots),
	    cmocka_unit_test(test_old_record_length),
	    cmocka_unit_test(test_slots),
	    cmocka_unit_test(test_anonymous_and_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_correlate.c - memory verdicts from real decoded records: page
 * threshold, DIMM by distinct pages, socket, uncorrected errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "rasd/correlate.h"

#define HOUR (3600ull * 1000)
#define DAY  (24 * HOUR)
#define SER  0x1000c14ull

static const struct hv_dimm dimms[] = {
    {.id = 0,
     .label = "A1",
     .socket = 0,
     .channel = 0,
     .start = 0,
     .size = 1ull << 30},
    {.id = 1,
     .label = "B1",
     .socket = 0,
     .channel = 1,
     .start = 1ull << 30,
     .size = 1ull << 30},
    {.id = 2,
     .label = "A2",
     .socket = 1,
     .channel = 0,
     .start = 2ull << 30,
     .size = 1ull << 30},
};

static struct correlate *make(uint32_t page, uint32_t dimm, uint32_t sock)
{
	struct correlate_rules r = {
	    .page = {.limit = page, .window_ms = DAY},
	    .dimm = {.limit = dimm, .window_ms = DAY},
	    .socket = {.limit = sock, .window_ms = DAY},
	};
	struct correlate *c;

	assert_int_equal(correlate_create(&c, &r, dimms, 3, 2), 0);
	return c;
}

static void mem_ce(struct mce_record *r, uint64_t addr, unsigned socket,
                   unsigned channel)
{
	memset(r, 0, sizeof(*r));
	r->status = mce_status_mem_ce(channel, 1, 1);
	r->addr = addr;
	r->misc = 0x86;
	r->mcgcap = SER;
	r->socketid = socket;
	r->bank = 7;
}

static void feed(struct correlate *c, const struct mce_record *r, uint64_t t,
                 struct correlate_result *res)
{
	struct mce_decoded d;

	assert_int_equal(mce_decode(r, &d), 0);
	correlate_record(c, r, &d, t, res);
}

static bool has(const struct correlate_result *res, enum verdict_type t)
{
	size_t i;

	for (i = 0; i < res->n_verdicts; i++)
		if (res->verdicts[i].type == t)
			return true;
	return false;
}

static void page_threshold_on_second_error(void **state)
{
	struct correlate *c = make(2, 10, 100);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	mem_ce(&r, (1ull << 30) + 0x5040, 0, 1);
	feed(c, &r, 1000, &res);
	assert_int_equal(res.dimm, 1);
	assert_false(has(&res, VERDICT_PAGE_THRESHOLD));
	r.addr = (1ull << 30) + 0x5080; /* same 4 KiB page */
	feed(c, &r, 1000 + 20 * HOUR, &res);
	assert_true(has(&res, VERDICT_PAGE_THRESHOLD));
	assert_int_equal(res.verdicts[0].page, ((1ull << 30) + 0x5000) >> 12);
	correlate_destroy(c);
}

static void dimm_counts_distinct_pages_not_errors(void **state)
{
	struct correlate *c = make(100, 3, 1000);
	struct correlate_result res;
	struct mce_record r;
	int i;

	(void)state;
	/* Fifty errors on one page: one page, no DIMM verdict. */
	mem_ce(&r, (1ull << 30) + 0x9000, 0, 1);
	for (i = 0; i < 50; i++) {
		feed(c, &r, 1000 + (uint64_t)i, &res);
		assert_false(has(&res, VERDICT_DIMM_THRESHOLD));
	}
	assert_int_equal(res.dimm_pages, 1);
	r.addr += 0x1000;
	feed(c, &r, 2000, &res);
	assert_false(has(&res, VERDICT_DIMM_THRESHOLD));
	r.addr += 0x1000;
	feed(c, &r, 3000, &res);
	assert_true(has(&res, VERDICT_DIMM_THRESHOLD));
	assert_int_equal(res.dimm_pages, 3);
	assert_int_equal(correlate_dimm_errors(c, 1), 52);
	correlate_destroy(c);
}

static void dimm_from_channel_without_address(void **state)
{
	struct correlate *c = make(2, 10, 100);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	mem_ce(&r, 0, 1, 0);
	r.status &= ~MCI_STATUS_ADDRV;
	feed(c, &r, 1000, &res);
	assert_int_equal(res.dimm, 2); /* socket 1 channel 0 is A2 alone */
	assert_int_equal(res.n_verdicts, 0);
	correlate_destroy(c);
}

static void address_outside_every_dimm(void **state)
{
	struct correlate *c = make(2, 10, 100);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	mem_ce(&r, 7ull << 30, 0, 3);
	feed(c, &r, 1000, &res);
	assert_int_equal(res.dimm, -1);
	assert_int_equal(correlate_dimm_of(c, (3ull << 30) - 1), 2);
	assert_int_equal(correlate_dimm_of(c, 3ull << 30), -1);
	correlate_destroy(c);
}

static void uncorrected_retires_page_and_fails_dimm(void **state)
{
	struct correlate *c = make(2, 10, 100);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	mem_ce(&r, (2ull << 30) + 0x3000, 1, 0);
	r.status = mce_status_patrol_srao(0);
	r.mcgstatus = MCG_STATUS_RIPV;
	feed(c, &r, 1000, &res);
	assert_true(has(&res, VERDICT_PAGE_UNCORRECTED));
	assert_true(has(&res, VERDICT_DIMM_UNCORRECTED));
	assert_int_equal(res.dimm, 2);
	correlate_destroy(c);
}

static void coarse_address_finds_dimm_not_page(void **state)
{
	struct correlate *c = make(1, 10, 100);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	/* MISC LSB 20: the address is good to 1 MiB, not to a page. */
	mem_ce(&r, (1ull << 30) + 0x100000, 0, 1);
	r.misc = (2u << 6) | 20;
	feed(c, &r, 1000, &res);
	assert_int_equal(res.dimm, 1);
	assert_false(has(&res, VERDICT_PAGE_THRESHOLD));
	correlate_destroy(c);
}

static void socket_threshold(void **state)
{
	struct correlate *c = make(1000, 1000, 5);
	struct correlate_result res;
	struct mce_record r;
	int i;

	(void)state;
	mem_ce(&r, 0x1000, 0, 0);
	for (i = 0; i < 4; i++) {
		r.addr += 0x1000;
		feed(c, &r, 1000 + (uint64_t)i, &res);
		assert_false(has(&res, VERDICT_SOCKET_THRESHOLD));
	}
	r.addr += 0x1000;
	feed(c, &r, 2000, &res);
	assert_true(has(&res, VERDICT_SOCKET_THRESHOLD));
	assert_int_equal(correlate_socket_level(c, 0, 2000), 5);
	assert_int_equal(correlate_socket_level(c, 1, 2000), 0);
	correlate_destroy(c);
}

static void cache_errors_are_not_memory_verdicts(void **state)
{
	struct correlate *c = make(1, 1, 1);
	struct correlate_result res;
	struct mce_record r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = mce_status_cache_ce(2, 3, 1);
	r.mcgcap = SER;
	feed(c, &r, 1000, &res);
	assert_int_equal(res.n_verdicts, 0);
	correlate_destroy(c);
}

static void many_pages_stay_bounded(void **state)
{
	struct correlate *c = make(2, 1000, 1000000);
	struct correlate_result res;
	struct mce_record r;
	uint64_t i;

	(void)state;
	mem_ce(&r, 0, 0, 0);
	/* 200k distinct pages, each quiet a window later: the table sweeps
	 * instead of growing. */
	for (i = 0; i < 200000; i++) {
		r.addr = (i % 262144) << 12;
		feed(c, &r, i * DAY, &res);
	}
	assert_true(correlate_pages_tracked(c) < 1024);
	/* 5000 pages hot at once are all kept: the table grows for them. */
	for (i = 0; i < 5000; i++) {
		r.addr = (i + 300000) << 12;
		feed(c, &r, 200000 * DAY + i, &res);
	}
	assert_true(correlate_pages_tracked(c) >= 5000);
	r.addr = 300000ull << 12;
	feed(c, &r, 200000 * DAY + 6000, &res);
	assert_true(has(&res, VERDICT_PAGE_THRESHOLD));
	correlate_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(page_threshold_on_second_error),
	    cmocka_unit_test(dimm_counts_distinct_pages_not_errors),
	    cmocka_unit_test(dimm_from_channel_without_address),
	    cmocka_unit_test(address_outside_every_dimm),
	    cmocka_unit_test(uncorrected_retires_page_and_fails_dimm),
	    cmocka_unit_test(coarse_address_finds_dimm_not_page),
	    cmocka_unit_test(socket_threshold),
	    cmocka_unit_test(cache_errors_are_not_memory_verdicts),
	    cmocka_unit_test(many_pages_stay_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_dram.c - DRAM coordinates: the EDAC drivers' detail strings, the
 * address map both ways, the geometry check and the fault modes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mce/dram.h"
#include "rasd/dram_faults.h"

#define HOUR (3600ull * 1000)
#define DAY  (24 * HOUR)

static void parse(const char *text, struct dram_detail *d)
{
	dram_detail_parse(text, strlen(text), d);
}

/* skx_edac's own decode (skx_common.c, no ADXL). */
static void skx_detail(void **state)
{
	struct dram_detail d;

	(void)state;
	parse(" err_code:0x0000:0x009f ProcessorSocketId:0x1 "
	      "MemoryControllerId:0x0 PhysicalRankId:0x2 Row:0x1a2b "
	      "Column:0x3f8 Bank:0x3 BankGroup:0x1",
	      &d);
	assert_true(dram_coord_usable(&d.coord));
	assert_int_equal(d.coord.rank, 2);
	assert_int_equal(d.coord.bank_group, 1);
	assert_int_equal(d.coord.bank, 3);
	assert_int_equal(d.coord.row, 0x1a2b);
	assert_int_equal(d.coord.column, 0x3f8);
	assert_int_equal(d.socket, 1);
	assert_int_equal(d.controller, 0);
	assert_int_equal(d.channel, -1);
	assert_string_equal(d.note, "");
}

/* The firmware's ADXL names (i10nm_edac), with a retry log after. */
static void adxl_detail(void **state)
{
	struct dram_detail d;

	(void)state;
	parse(" recoverable err_code:0x0101:0x0091 ProcessorSocketId:0x0 "
	      "MemoryControllerId:0x1 ChannelId:0x1 DimmSlotId:0x0 "
	      "ChipSelect:0x3 DimmRankId:0x1 RowAddress:0x2040 "
	      "ColumnAddress:0x88 BankAddress:0x2 BankGroup:0x5 "
	      "retry_rd_err_log[0001a209 00000000 00a00040 0000a080]",
	      &d);
	assert_true(dram_coord_usable(&d.coord));
	assert_int_equal(d.coord.rank, 1); /* the named rank, not CS */
	assert_int_equal(d.coord.bank_group, 5);
	assert_int_equal(d.coord.row, 0x2040);
	assert_int_equal(d.channel, 1);
	assert_int_equal(d.slot, 0);
}

/* sb_edac gives a rank alone; an unknown format, bad and huge values. */
static void detail_unknown(void **state)
{
	struct dram_detail d;

	(void)state;
	parse("area:DRAM err_code:0001:0092 socket:0 ha:0 channel_mask:4 "
	      "rank:0)",
	      &d);
	assert_false(dram_coord_usable(&d.coord));
	assert_true(d.coord.have & DRAM_UNKNOWN);
	assert_string_equal(d.note,
	                    "no row, column or bank: a format not seen");
	parse("Row:0x10 Column:0x8", &d);
	assert_true(d.coord.have & DRAM_UNKNOWN);
	assert_string_equal(d.note, "a row, column or bank is missing");
	parse("Row:0xzz Column:0x8 Bank:1", &d);
	assert_true(d.coord.have & DRAM_UNKNOWN);
	assert_string_equal(d.note, "a coordinate that is not a number");
	parse("Row:0x1000000 Column:0x8 Bank:1", &d);
	assert_true(d.coord.have & DRAM_UNKNOWN);
	assert_string_equal(d.note, "a coordinate too large for any DIMM");
	parse("", &d);
	assert_int_equal(d.coord.have, 0);
	parse("Row: Column:: Bank:0x1:0x2 ::: :", &d);
	assert_true(d.coord.have & DRAM_UNKNOWN);
}

static void pack_round_trip(void **state)
{
	struct dram_coord c = {DRAM_HAVE_CELL | DRAM_HAVE_BG,
	                       7,
	                       3,
	                       2,
	                       0x3ffff,
	                       0x7ff},
	                  back;

	(void)state;
	dram_coord_unpack(dram_coord_pack(&c), &back);
	assert_true(dram_same_cell(&c, &back));
	assert_int_equal(back.have, c.have);
	memset(&c, 0, sizeof(c));
	assert_int_equal(dram_coord_pack(&c), 0);
}

static void geometry(void **state)
{
	struct dram_geometry g;
	struct dram_coord c = {DRAM_HAVE_CELL, 0, 0, 1, 0x40000, 8};
	char why[96];

	(void)state;
	dram_geometry_max(&g);
	assert_int_equal(dram_coord_check(&c, &g, why, sizeof(why)), -1);
	assert_string_equal(why, "row 0x40000 past the DIMM's 18 bits");
	c.row = 0x3ffff;
	assert_int_equal(dram_coord_check(&c, &g, why, sizeof(why)), 0);
	c.bank = 4;
	assert_int_equal(dram_coord_check(&c, &g, why, sizeof(why)), -1);
}

#define MAP "column=3-9,13-15 bank=10-11 bg=12,16 row=17-31 rank=32"

static void map_both_ways(void **state)
{
	struct dram_map m;
	struct dram_coord c;
	uint64_t pages[16];
	char why[96];
	size_t n, i;

	(void)state;
	assert_int_equal(dram_map_parse(MAP, &m, why, sizeof(why)), 0);
	/* rank 0, bg 1, bank 2, row 0x123, column 0x102 */
	dram_map_coord(&m, 0x2465810, &c);
	assert_int_equal(c.rank, 0);
	assert_int_equal(c.bank_group, 1);
	assert_int_equal(c.bank, 2);
	assert_int_equal(c.row, 0x123);
	assert_int_equal(c.column, 0x102);
	n = dram_map_row_pages(&m, &c, pages, 16);
	assert_int_equal(n, 8);
	for (i = 0; i < n; i++) {
		struct dram_coord back;

		assert_int_equal(pages[i], 0x2461 + 2 * i);
		/* the page, with the bank bits below its frame */
		dram_map_coord(&m, pages[i] << 12 | 0x810, &back);
		assert_true(dram_same_row(&back, &c));
	}
}

static void map_errors(void **state)
{
	struct dram_map m;
	char why[96];

	(void)state;
	assert_int_equal(
	    dram_map_parse("column=3-12 row=12-20", &m, why, sizeof(why)), -1);
	assert_string_equal(why, "bit 12 named twice");
	assert_int_equal(dram_map_parse("column=3-12", &m, why, sizeof(why)),
	                 -1);
	assert_string_equal(why, "a map needs row= and column= bits");
	assert_int_equal(dram_map_parse("column=3-12 row=13-30 bank=31-35", &m,
	                                why, sizeof(why)),
	                 -1);
	assert_string_equal(why, "bank: more than 4 bits");
	assert_int_equal(
	    dram_map_parse("column=9-3 row=13", &m, why, sizeof(why)), -1);
	assert_int_equal(dram_map_parse("colum=3 row=13", &m, why, sizeof(why)),
	                 -1);
	assert_string_equal(why, "colum: not column, row, bank, bg or rank");
	assert_int_equal(
	    dram_map_parse("column=3,x row=13", &m, why, sizeof(why)), -1);
	assert_int_equal(
	    dram_map_parse("column=60-70 row=13", &m, why, sizeof(why)), -1);
}

static struct dram_coord cell(uint8_t rank, uint8_t bank, uint32_t row,
                              uint16_t col)
{
	struct dram_coord c = {DRAM_HAVE_CELL, rank, 0, bank, row, col};

	return c;
}

static void modes(void **state)
{
	struct dram_coord c[8] = {{0}};

	(void)state;
	assert_int_equal(dram_mode_classify(c, 0, 3), DRAM_MODE_NONE);
	c[0] = cell(0, 1, 10, 1);
	assert_int_equal(dram_mode_classify(c, 1, 3), DRAM_MODE_CELL);
	/* a row: three columns of row 10, and a stray cell elsewhere */
	c[1] = cell(0, 1, 10, 2);
	c[2] = cell(0, 1, 10, 3);
	c[3] = cell(1, 3, 99, 9);
	assert_int_equal(dram_mode_classify(c, 4, 3), DRAM_MODE_ROW);
	/* a column */
	c[1] = cell(0, 1, 11, 1);
	c[2] = cell(0, 1, 12, 1);
	assert_int_equal(dram_mode_classify(c, 3, 3), DRAM_MODE_COLUMN);
	/* a bank: rows and columns of one bank */
	c[1] = cell(0, 1, 11, 2);
	c[2] = cell(0, 1, 12, 3);
	assert_int_equal(dram_mode_classify(c, 3, 3), DRAM_MODE_BANK);
	/* two banks of one rank, each a structure */
	c[3] = cell(0, 2, 5, 1);
	c[4] = cell(0, 2, 5, 2);
	c[5] = cell(0, 2, 5, 3);
	assert_int_equal(dram_mode_classify(c, 6, 3), DRAM_MODE_MULTIBANK);
	/* ... of two ranks */
	c[3].rank = c[4].rank = c[5].rank = 1;
	assert_int_equal(dram_mode_classify(c, 6, 3), DRAM_MODE_MULTIRANK);
	/* scattered single cells: no bank holds three */
	c[0] = cell(0, 0, 1, 1);
	c[1] = cell(0, 1, 2, 2);
	c[2] = cell(0, 2, 3, 3);
	c[3] = cell(1, 0, 4, 4);
	c[4] = cell(1, 1, 5, 5);
	c[5] = cell(1, 1, 6, 6);
	assert_int_equal(dram_mode_classify(c, 6, 3), DRAM_MODE_CELL);
}

/* The row bucket trips once; cells leak out with the window. */
static void faults_rows_and_window(void **state)
{
	struct dram_rules r = {.row = {.limit = 3, .window_ms = DAY},
	                       .window_ms = DAY,
	                       .cells = 3};
	struct dram_faults *f;
	struct dram_charge ch;
	struct dram_coord c = cell(0, 1, 7, 0);
	uint64_t pages[8];
	uint32_t n;
	int i;

	(void)state;
	assert_int_equal(dram_faults_create(&f, &r, 2), 0);
	for (i = 0; i < 3; i++) {
		c.column = (uint16_t)(i * 8);
		dram_faults_charge(f, 1, &c, 0x100 + (uint64_t)i, HOUR * i,
		                   &ch);
	}
	assert_true(ch.row_over);
	assert_int_equal(ch.mode, DRAM_MODE_ROW);
	assert_int_equal(ch.prev_mode, DRAM_MODE_CELL);
	dram_faults_charge(f, 1, &c, 0x102, 3 * HOUR, &ch);
	assert_false(ch.row_over); /* isolated once */
	assert_int_equal(
	    dram_faults_row_pages_seen(f, 1, &c, 3 * HOUR, pages, 8), 3);
	assert_int_equal(dram_faults_mode(f, 1, 3 * HOUR, &n), DRAM_MODE_ROW);
	assert_int_equal(n, 3);
	assert_int_equal(dram_faults_mode(f, 1, 3 * HOUR + DAY, &n),
	                 DRAM_MODE_NONE);
	assert_int_equal(dram_faults_mode(f, 0, 0, &n), DRAM_MODE_NONE);
	/* Past the DIMMs, or not usable: nothing. */
	dram_faults_charge(f, 2, &c, 0, 0, &ch);
	assert_int_equal(ch.cells, 0);
	c.have = DRAM_UNKNOWN;
	dram_faults_charge(f, 0, &c, 0, 0, &ch);
	assert_int_equal(ch.cells, 0);
	dram_faults_destroy(f);
}

/* More distinct cells than a DIMM keeps: the oldest go, nothing grows. */
static void faults_cells_capped(void **state)
{
	struct dram_rules r = {.row = {.limit = 0, .window_ms = DAY},
	                       .window_ms = DAY,
	                       .cells = 3};
	struct dram_faults *f;
	struct dram_charge ch;
	struct dram_coord c;
	uint32_t i;

	(void)state;
	assert_int_equal(dram_faults_create(&f, &r, 1), 0);
	for (i = 0; i < 10 * DRAM_CELLS_MAX; i++) {
		c = cell((uint8_t)(i % 2), (uint8_t)(i % 4), i, (uint16_t)i);
		dram_faults_charge(f, 0, &c, UINT64_MAX, i, &ch);
	}
	assert_int_equal(ch.cells, DRAM_CELLS_MAX);
	assert_false(ch.row_over);
	dram_faults_destroy(f);
}

static void mode_names(void **state)
{
	enum dram_mode m;

	(void)state;
	assert_string_equal(dram_mode_name(DRAM_MODE_MULTIBANK), "multi-bank");
	assert_int_equal(dram_mode_parse("multi-rank", &m), 0);
	assert_int_equal(m, DRAM_MODE_MULTIRANK);
	assert_int_equal(dram_mode_parse("banks", &m), -1);
	assert_string_equal(dram_mode_name((enum dram_mode)42), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(skx_detail),
	    cmocka_unit_test(adxl_detail),
	    cmocka_unit_test(detail_unknown),
	    cmocka_unit_test(pack_round_trip),
	    cmocka_unit_test(geometry),
	    cmocka_unit_test(map_both_ways),
	    cmocka_unit_test(map_errors),
	    cmocka_unit_test(modes),
	    cmocka_unit_test(faults_rows_and_window),
	    cmocka_unit_test(faults_cells_capped),
	    cmocka_unit_test(mode_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

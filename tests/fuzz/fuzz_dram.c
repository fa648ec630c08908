/* fuzz_dram.c - libFuzzer target: arbitrary bytes as an EDAC driver
 * detail and as a [dram] address map; what either yields holds together. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/dram.h"
#include "rasd/dram_faults.h"

#define ROW_PAGES_MAX 256

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* A detail is usable, unknown with a reason, or gave nothing. */
static void fuzz_detail(const uint8_t *data, size_t size,
                        struct dram_coord *out)
{
	struct dram_detail d;

	dram_detail_parse((const char *)data, size, &d);
	check(strnlen(d.note, sizeof(d.note)) < sizeof(d.note));
	if (d.coord.have & DRAM_UNKNOWN)
		check(d.note[0] != '\0' && !dram_coord_usable(&d.coord));
	*out = d.coord;
}

/* A map that parses: an address maps to a cell whose row's pages all
 * map back to that row. */
static void fuzz_map(const uint8_t *data, size_t size)
{
	char text[256], why[128];
	uint64_t pages[ROW_PAGES_MAX], offset = 0;
	struct dram_geometry g;
	struct dram_coord c, back;
	struct dram_map m;
	size_t n, i;

	if (size >= sizeof(text))
		size = sizeof(text) - 1;
	memcpy(text, data, size);
	text[size] = '\0';
	if (dram_map_parse(text, &m, why, sizeof(why)) < 0) {
		check(why[0] != '\0');
		return;
	}
	memcpy(&offset, data, size < 8 ? size : 8);
	dram_map_coord(&m, offset, &c);
	dram_map_geometry(&m, &g);
	check(dram_coord_check(&c, &g, why, sizeof(why)) == 0);
	n = dram_map_row_pages(&m, &c, pages, ROW_PAGES_MAX);
	for (i = 0; i < n && i < ROW_PAGES_MAX; i++) {
		dram_map_coord(&m, pages[i] << 12 | (offset & 0xfff), &back);
		check(dram_same_row(&back, &c));
	}
}

/* The bytes as cells of one DIMM: modes and row buckets never fail. */
static void fuzz_faults(const uint8_t *data, size_t size)
{
	struct dram_rules r = {.row = {.limit = 3, .window_ms = 100},
	                       .window_ms = 1000,
	                       .cells = 3};
	struct dram_faults *f;
	struct dram_charge ch;
	struct dram_coord c;
	size_t i;

	if (dram_faults_create(&f, &r, 1) < 0)
		return;
	for (i = 0; i + 4 <= size; i += 4) {
		memset(&c, 0, sizeof(c));
		c.have = DRAM_HAVE_CELL;
		c.rank = data[i] & 3;
		c.bank = data[i] >> 4 & 3;
		c.row = data[i + 1];
		c.column = (uint16_t)(data[i + 2] | data[i + 3] << 8);
		dram_faults_charge(f, 0, &c, data[i + 1], i, &ch);
		check(ch.cells >= 1 && ch.cells <= DRAM_CELLS_MAX);
		check(ch.mode != DRAM_MODE_NONE);
	}
	dram_faults_destroy(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dram_coord c;
	char text[96];

	fuzz_detail(data, size, &c);
	dram_coord_text(&c, text, sizeof(text));
	fuzz_map(data, size);
	fuzz_faults(data, size);
	return 0;
}

/* dram.h - where in the DRAM an error is: rank, bank group, bank, row and
 * column, read from the sources that say (EDAC, CPER) or from an address map.
 */
#ifndef RASD_MCE_DRAM_H
#define RASD_MCE_DRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Which coordinates a source gave. A fault mode needs rank, bank (with
 * its group where the part has groups), row and column; a source that
 * gave some of them, or values outside the DIMM's geometry, gave
 * DRAM_UNKNOWN: the error still counts at page and DIMM level.
 */
#define DRAM_HAVE_RANK   0x01
#define DRAM_HAVE_BG     0x02
#define DRAM_HAVE_BANK   0x04
#define DRAM_HAVE_ROW    0x08
#define DRAM_HAVE_COLUMN 0x10
#define DRAM_UNKNOWN     0x80 /* given, but not usable: see the note */
#define DRAM_HAVE_CELL                                                         \
	(DRAM_HAVE_RANK | DRAM_HAVE_BANK | DRAM_HAVE_ROW | DRAM_HAVE_COLUMN)

struct dram_coord {
	uint8_t have; /* DRAM_HAVE_* and DRAM_UNKNOWN */
	uint8_t rank;
	uint8_t bank_group;
	uint8_t bank; /* within its group */
	uint32_t row;
	uint16_t column;
};

/* A cell rasd can place: every coordinate a fault mode needs. */
bool dram_coord_usable(const struct dram_coord *c);
/* Same rank, bank group and bank. */
bool dram_same_bank(const struct dram_coord *a, const struct dram_coord *b);
bool dram_same_row(const struct dram_coord *a, const struct dram_coord *b);
bool dram_same_cell(const struct dram_coord *a, const struct dram_coord *b);

/*
 * Into and out of 8 bytes, for the journal's event entry: have 8 bits,
 * rank 8, bank group 4, bank 4, row 24, column 16. 0 is "none given".
 */
uint64_t dram_coord_pack(const struct dram_coord *c);
void dram_coord_unpack(uint64_t v, struct dram_coord *c);

/* "rank 0 bg 1 bank 2 row 0x1a2 col 0x40"; "unknown" when unusable. */
int dram_coord_text(const struct dram_coord *c, char *buf, size_t len);

/*
 * The largest a DDR4 or DDR5 RDIMM can have, for a DIMM whose geometry
 * rasd does not know: 8 ranks (3DS), 8 bank groups of 4 banks, 2^18 rows,
 * 2^11 columns. A map narrows it to the DIMM's own.
 */
struct dram_geometry {
	uint8_t ranks;
	uint8_t bank_groups;
	uint8_t banks; /* per group */
	uint8_t row_bits;
	uint8_t column_bits;
};

void dram_geometry_max(struct dram_geometry *g);
/* Inside the geometry; -1 with which coordinate is not. */
int dram_coord_check(const struct dram_coord *c, const struct dram_geometry *g,
                     char *why, size_t len);

/*
 * The EDAC driver's detail (ras:mc_event driver_detail). skx_edac and
 * i10nm_edac write "KEY:0xVALUE" words: their own decode ("PhysicalRankId
 * Row Column Bank BankGroup"), or the firmware's ADXL names ("DimmRankId
 * RowAddress ColumnAddress BankAddress BankGroup", ...). Older drivers
 * (sb_edac) write "rank:N" alone. Words rasd does not know are skipped;
 * a detail with no row, column or bank word is a format not seen before.
 */
#define DRAM_NOTE_MAX 120

struct dram_detail {
	struct dram_coord coord;
	int16_t socket, controller, channel, slot; /* -1: not given */
	char note[DRAM_NOTE_MAX]; /* what was not understood; "" none */
};

/* Never fails: an unknown format leaves coord.have DRAM_UNKNOWN (when
 * the text was not empty) with why in note. */
void dram_detail_parse(const char *text, size_t len, struct dram_detail *out);

/*
 * An address map: which bits of the address within the DIMM (its
 * machine address less the DIMM's start) make each coordinate, lowest
 * first, as an operator or a memory controller's registers give it:
 * "column=3-12 bank=13-14 bg=15-16 row=17-33 rank=34". Bits no
 * coordinate names select the byte in a burst, or nothing.
 */
#define DRAM_MAP_BITS 24

struct dram_map {
	uint8_t column[DRAM_MAP_BITS], n_column;
	uint8_t row[DRAM_MAP_BITS], n_row;
	uint8_t bank[DRAM_MAP_BITS], n_bank;
	uint8_t bg[DRAM_MAP_BITS], n_bg;
	uint8_t rank[DRAM_MAP_BITS], n_rank;
};

/* Parse a map; -1 with why ("bit 13 named twice", "no row bits"). */
int dram_map_parse(const char *text, struct dram_map *m, char *why, size_t len);
void dram_map_geometry(const struct dram_map *m, struct dram_geometry *g);
/* The coordinates of offset (the address within the DIMM). */
void dram_map_coord(const struct dram_map *m, uint64_t offset,
                    struct dram_coord *c);
/*
 * The 4 KiB frames (offset >> 12, within the DIMM) holding the row of c:
 * every column of it. At most max; returns how many the row has (more
 * than max when it did not fit).
 */
size_t dram_map_row_pages(const struct dram_map *m, const struct dram_coord *c,
                          uint64_t *pages, size_t max);

/*
 * Fault modes, after the field studies of DRAM faults (Sridharan and
 * Liberty, SC 2012; Sridharan et al., ASPLOS 2015): which structure of the
 * DIMM the distinct cells in error share.
 */
enum dram_mode {
	DRAM_MODE_NONE,      /* no cell with coordinates in the window */
	DRAM_MODE_CELL,      /* single cells, each alone */
	DRAM_MODE_ROW,       /* cells of one row */
	DRAM_MODE_COLUMN,    /* cells of one column */
	DRAM_MODE_BANK,      /* cells over rows and columns of one bank */
	DRAM_MODE_MULTIBANK, /* more than one bank of a rank */
	DRAM_MODE_MULTIRANK, /* more than one rank */
};
#define DRAM_MODE_COUNT 7

/* "none", "cell", "row", "column", "bank", "multi-bank", "multi-rank" */
const char *dram_mode_name(enum dram_mode m);
/* From a name; -1 when it is none of them. */
int dram_mode_parse(const char *s, enum dram_mode *out);

#endif

/* dram_faults.h - per DIMM, the distinct DRAM cells in error within the
 * window and the fault mode they make; per row, a leaky bucket. */
#ifndef RASD_DRAM_FAULTS_H
#define RASD_DRAM_FAULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/leaky_bucket.h"
#include "../mce/dram.h"

/*
 * Why cells and not errors: a fault mode is the shape of what fails.
 * Ten errors on one cell are one weak cell; three cells of one row are a
 * row. The studies this follows (Sridharan and Liberty, SC 2012;
 * Sridharan et al., ASPLOS 2015) group errors by the distinct addresses
 * they hit, so a DIMM keeps the distinct cells seen within its window.
 */
#define DRAM_CELLS_MAX 64 /* per DIMM: past it the oldest is forgotten */
#define DRAM_ROWS_MAX  32 /* row buckets per DIMM, the quiet reused */

struct dram_rules {
	struct leaky_rule row; /* errors on one row that isolate it */
	uint64_t window_ms;    /* how long a cell counts (the DIMM's) */
	uint32_t cells;        /* distinct cells that make a structure */
};

struct dram_charge {
	enum dram_mode mode, prev_mode;
	uint32_t cells;     /* distinct cells in the window */
	uint32_t row_level; /* errors on the row in its window */
	bool row_over;      /* the row bucket overflowed, the first time */
};

struct dram_faults;

int dram_faults_create(struct dram_faults **out, const struct dram_rules *r,
                       size_t n_dimms);
void dram_faults_destroy(struct dram_faults *f);

/* One error with usable coordinates on dimm; page is its 4 KiB frame,
 * UINT64_MAX when the record had none. */
void dram_faults_charge(struct dram_faults *f, size_t dimm,
                        const struct dram_coord *c, uint64_t page,
                        uint64_t now_ms, struct dram_charge *out);

/* The mode now (cells that leaked out no longer count). */
enum dram_mode dram_faults_mode(const struct dram_faults *f, size_t dimm,
                                uint64_t now_ms, uint32_t *cells);

/* The frames seen in error on c's row, at most max; how many. */
size_t dram_faults_row_pages_seen(const struct dram_faults *f, size_t dimm,
                                  const struct dram_coord *c, uint64_t now_ms,
                                  uint64_t *pages, size_t max);

/* The mode of a set of distinct cells, `k` cells making a structure. */
enum dram_mode dram_mode_classify(const struct dram_coord *cells, size_t n,
                                  uint32_t k);

#endif

/* dram_faults.c - the fault mode of each DIMM from its distinct cells in
 * error, and the per-row buckets behind row isolation. */
#include <stdlib.h>
#include <string.h>

#include "dram_faults.h"

struct cell {
	struct dram_coord coord;
	uint64_t page; /* UINT64_MAX: none */
	uint64_t last_ms;
};

struct row {
	struct dram_coord coord; /* the row's: column 0 */
	bool used;
	bool tripped; /* isolated once: not again */
	struct leaky_bucket bucket;
};

struct dimm_faults {
	struct cell cells[DRAM_CELLS_MAX];
	size_t n_cells;
	struct row rows[DRAM_ROWS_MAX];
	enum dram_mode mode; /* as of the last charge */
};

struct dram_faults {
	struct dram_rules rules;
	size_t n_dimms;
	struct dimm_faults *dimms;
	uint64_t *slots; /* row bucket arrivals */
};

int dram_faults_create(struct dram_faults **out, const struct dram_rules *r,
                       size_t n_dimms)
{
	struct dram_faults *f = calloc(1, sizeof(*f));
	size_t limit = r->row.limit ? r->row.limit : 1, i, j;

	if (f == NULL)
		return -1;
	f->rules = *r;
	f->n_dimms = n_dimms;
	f->dimms = calloc(n_dimms + 1, sizeof(*f->dimms));
	f->slots =
	    calloc((n_dimms + 1) * DRAM_ROWS_MAX * limit, sizeof(uint64_t));
	if (f->dimms == NULL || f->slots == NULL) {
		dram_faults_destroy(f);
		return -1;
	}
	for (i = 0; i < n_dimms; i++)
		for (j = 0; j < DRAM_ROWS_MAX; j++)
			leaky_bucket_init(&f->dimms[i].rows[j].bucket,
			                  f->slots +
			                      (i * DRAM_ROWS_MAX + j) * limit);
	*out = f;
	return 0;
}

void dram_faults_destroy(struct dram_faults *f)
{
	if (f == NULL)
		return;
	free(f->dimms);
	free(f->slots);
	free(f);
}

static bool cell_live(const struct cell *c, uint64_t window, uint64_t now)
{
	return now < c->last_ms || now - c->last_ms < window;
}

/* Cells that leaked out go; the order of the rest is kept. */
static void cells_expire(struct dimm_faults *df, uint64_t window, uint64_t now)
{
	size_t i, n = 0;

	for (i = 0; i < df->n_cells; i++)
		if (cell_live(&df->cells[i], window, now))
			df->cells[n++] = df->cells[i];
	df->n_cells = n;
}

static void cell_note(struct dimm_faults *df, const struct dram_coord *c,
                      uint64_t page, uint64_t now)
{
	size_t i;

	for (i = 0; i < df->n_cells; i++) {
		if (dram_same_cell(&df->cells[i].coord, c)) {
			df->cells[i].last_ms = now;
			if (page != UINT64_MAX)
				df->cells[i].page = page;
			return;
		}
	}
	if (df->n_cells == DRAM_CELLS_MAX) {
		/* Full of live cells: the oldest is forgotten. */
		memmove(&df->cells[0], &df->cells[1],
		        (DRAM_CELLS_MAX - 1) * sizeof(df->cells[0]));
		df->n_cells--;
	}
	df->cells[df->n_cells].coord = *c;
	df->cells[df->n_cells].page = page;
	df->cells[df->n_cells].last_ms = now;
	df->n_cells++;
}

/* ---- classification ---- */

/* The most cells of `bank` (indexes idx) that share one row, or one
 * column. */
static void bank_shares(const struct dram_coord *cells, const size_t *idx,
                        size_t n, size_t *row_max, size_t *col_max)
{
	size_t i, j, rows, cols;

	*row_max = *col_max = 0;
	for (i = 0; i < n; i++) {
		rows = cols = 0;
		for (j = 0; j < n; j++) {
			rows += cells[idx[j]].row == cells[idx[i]].row;
			cols += cells[idx[j]].column == cells[idx[i]].column;
		}
		if (rows > *row_max)
			*row_max = rows;
		if (cols > *col_max)
			*col_max = cols;
	}
}

/*
 * One bank's cells: fewer than k are single cells; k or more in one
 * row (the others fewer than k) a row, likewise a column; else the bank.
 */
static enum dram_mode bank_mode(const struct dram_coord *cells,
                                const size_t *idx, size_t n, uint32_t k)
{
	size_t row_max, col_max;

	if (n < k)
		return DRAM_MODE_CELL;
	bank_shares(cells, idx, n, &row_max, &col_max);
	if (row_max >= k && n - row_max < k)
		return DRAM_MODE_ROW;
	if (col_max >= k && n - col_max < k)
		return DRAM_MODE_COLUMN;
	return DRAM_MODE_BANK;
}

enum dram_mode dram_mode_classify(const struct dram_coord *cells, size_t n,
                                  uint32_t k)
{
	size_t idx[DRAM_CELLS_MAX], i, j, m, structured = 0;
	bool seen[DRAM_CELLS_MAX] = {false};
	enum dram_mode one = DRAM_MODE_CELL, bm;
	int first_rank = -1;
	bool ranks = false;

	if (n == 0)
		return DRAM_MODE_NONE;
	if (n > DRAM_CELLS_MAX)
		n = DRAM_CELLS_MAX;
	if (k < 2)
		k = 2;
	for (i = 0; i < n; i++) {
		if (seen[i])
			continue;
		for (j = i, m = 0; j < n; j++) {
			if (seen[j] || !dram_same_bank(&cells[i], &cells[j]))
				continue;
			seen[j] = true;
			idx[m++] = j;
		}
		bm = bank_mode(cells, idx, m, k);
		if (bm == DRAM_MODE_CELL)
			continue;
		structured++;
		one = bm;
		if (first_rank < 0)
			first_rank = cells[i].rank;
		else if (first_rank != cells[i].rank)
			ranks = true;
	}
	if (ranks)
		return DRAM_MODE_MULTIRANK;
	if (structured > 1)
		return DRAM_MODE_MULTIBANK;
	return one;
}

static enum dram_mode dimm_classify(const struct dimm_faults *df, uint32_t k)
{
	struct dram_coord coords[DRAM_CELLS_MAX];
	size_t i;

	for (i = 0; i < df->n_cells; i++)
		coords[i] = df->cells[i].coord;
	return dram_mode_classify(coords, df->n_cells, k);
}

/* ---- rows ---- */

static bool row_quiet(const struct row *r, const struct leaky_rule *rule,
                      uint64_t now)
{
	return leaky_bucket_level(&r->bucket, rule, now) == 0;
}

/* The row's slot: its own, a free one, a quiet one, else the first. */
static struct row *row_find(struct dimm_faults *df,
                            const struct leaky_rule *rule,
                            const struct dram_coord *c, uint64_t now)
{
	struct row *free_row = NULL;
	size_t i;

	for (i = 0; i < DRAM_ROWS_MAX; i++) {
		struct row *r = &df->rows[i];

		if (r->used && dram_same_row(&r->coord, c))
			return r;
		if (free_row == NULL && (!r->used || row_quiet(r, rule, now)))
			free_row = r;
	}
	if (free_row == NULL)
		free_row = &df->rows[0];
	free_row->used = true;
	free_row->tripped = false;
	free_row->coord = *c;
	free_row->coord.column = 0;
	leaky_bucket_init(&free_row->bucket, free_row->bucket.arrival);
	return free_row;
}

void dram_faults_charge(struct dram_faults *f, size_t dimm,
                        const struct dram_coord *c, uint64_t page,
                        uint64_t now_ms, struct dram_charge *out)
{
	struct dimm_faults *df;
	struct row *r;

	memset(out, 0, sizeof(*out));
	if (dimm >= f->n_dimms || !dram_coord_usable(c))
		return;
	df = &f->dimms[dimm];
	cells_expire(df, f->rules.window_ms, now_ms);
	cell_note(df, c, page, now_ms);
	out->prev_mode = df->mode;
	df->mode = dimm_classify(df, f->rules.cells);
	out->mode = df->mode;
	out->cells = (uint32_t)df->n_cells;
	if (f->rules.row.limit == 0)
		return;
	r = row_find(df, &f->rules.row, c, now_ms);
	if (leaky_bucket_charge(&r->bucket, &f->rules.row, now_ms) &&
	    !r->tripped) {
		r->tripped = true;
		out->row_over = true;
	}
	out->row_level = leaky_bucket_level(&r->bucket, &f->rules.row, now_ms);
}

enum dram_mode dram_faults_mode(const struct dram_faults *f, size_t dimm,
                                uint64_t now_ms, uint32_t *cells)
{
	struct dram_coord coords[DRAM_CELLS_MAX];
	const struct dimm_faults *df;
	size_t i, n = 0;

	*cells = 0;
	if (dimm >= f->n_dimms)
		return DRAM_MODE_NONE;
	df = &f->dimms[dimm];
	for (i = 0; i < df->n_cells; i++)
		if (cell_live(&df->cells[i], f->rules.window_ms, now_ms))
			coords[n++] = df->cells[i].coord;
	*cells = (uint32_t)n;
	return dram_mode_classify(coords, n, f->rules.cells);
}

size_t dram_faults_row_pages_seen(const struct dram_faults *f, size_t dimm,
                                  const struct dram_coord *c, uint64_t now_ms,
                                  uint64_t *pages, size_t max)
{
	const struct dimm_faults *df;
	size_t i, j, n = 0;

	if (dimm >= f->n_dimms)
		return 0;
	df = &f->dimms[dimm];
	for (i = 0; i < df->n_cells && n < max; i++) {
		const struct cell *cl = &df->cells[i];

		if (!cell_live(cl, f->rules.window_ms, now_ms) ||
		    cl->page == UINT64_MAX || !dram_same_row(&cl->coord, c))
			continue;
		for (j = 0; j < n && pages[j] != cl->page; j++)
			;
		if (j == n)
			pages[n++] = cl->page;
	}
	return n;
}

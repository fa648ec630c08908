/* correlate.h - turns decoded memory errors into verdicts: leaky buckets
 * per page, per DIMM (distinct pages) and per socket; address -> DIMM. */
#ifndef RASD_CORRELATE_H
#define RASD_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hypervisor/hv.h"
#include "../include/leaky_bucket.h"
#include "../mce/dram.h"
#include "../mce/mce.h"
#include "dram_faults.h"

struct correlate_rules {
	struct leaky_rule page;   /* corrected errors on one page */
	struct leaky_rule dimm;   /* distinct erring pages on one DIMM */
	struct leaky_rule socket; /* corrected errors on one socket */
	size_t page_table_bytes;  /* the page table's budget; 0: 4M slots */
	struct dram_rules dram;   /* rows and fault modes */
	/* per DIMM (n_dimms of them): its address map, NULL unknown */
	const struct dram_map *const *maps;
};

enum verdict_type {
	VERDICT_PAGE_THRESHOLD,   /* page bucket overflowed */
	VERDICT_PAGE_UNCORRECTED, /* UCNA/SRAO/SRAR with a usable address */
	VERDICT_DIMM_THRESHOLD,   /* DIMM bucket overflowed */
	VERDICT_DIMM_UNCORRECTED, /* an uncorrected error on the DIMM */
	VERDICT_SOCKET_THRESHOLD,
	VERDICT_ROW_THRESHOLD, /* a DRAM row's bucket overflowed */
	VERDICT_DIMM_MODE,     /* the DIMM's fault mode changed */
};

struct verdict {
	enum verdict_type type;
	uint64_t page; /* for page verdicts */
	int32_t dimm;  /* index into the DIMM table, -1 if none */
	uint32_t socket;
	uint32_t count; /* errors (or pages) in the bucket now */
	/* row: the row (column 0); mode: the cell that changed it */
	struct dram_coord coord;
	uint8_t mode, prev_mode; /* enum dram_mode, DIMM_MODE */
};

#define CORRELATE_MAX_VERDICTS 6

struct correlate_result {
	int32_t dimm;        /* the DIMM the error is on, -1 unknown */
	uint32_t page_count; /* errors on this page within the window */
	uint32_t dimm_pages; /* distinct pages on the DIMM within window */
	enum dram_mode mode; /* after correlate_dram; NONE without */
	uint32_t cells;      /* distinct DRAM cells on the DIMM */
	uint32_t row_level;  /* errors on the error's row */
	size_t n_verdicts;
	struct verdict verdicts[CORRELATE_MAX_VERDICTS];
};

struct correlate;

int correlate_create(struct correlate **out, const struct correlate_rules *r,
                     const struct hv_dimm *dimms, size_t n_dimms,
                     uint32_t n_sockets);
void correlate_destroy(struct correlate *c);

/*
 * Account one record at now_ms. Only memory errors and corrected errors
 * count here (cache/TLB errors are cpu-offline's business). Never fails:
 * a record it cannot place still gets a result with dimm -1.
 */
void correlate_record(struct correlate *c, const struct mce_record *r,
                      const struct mce_decoded *d, uint64_t now_ms,
                      struct correlate_result *res);

/*
 * An error's DRAM coordinates, after correlate_record placed it on dimm:
 * the row bucket (VERDICT_ROW_THRESHOLD) and the fault mode
 * (VERDICT_DIMM_MODE when it changed). page: its 4 KiB frame, UINT64_MAX
 * none. Coordinates that are not usable count nothing here.
 */
void correlate_dram(struct correlate *c, int32_t dimm,
                    const struct dram_coord *coord, uint64_t page,
                    uint32_t socket, uint64_t now_ms,
                    struct correlate_result *res);
/* Coordinates from the DIMM's address map; false without one. */
bool correlate_dram_coord(const struct correlate *c, int32_t dimm,
                          uint64_t phys_addr, struct dram_coord *out);
/* Inside the DIMM's geometry (its map's, else the largest DDR4/5
 * has)? Otherwise marked DRAM_UNKNOWN, why said; -1. */
int correlate_dram_check(const struct correlate *c, int32_t dimm,
                         struct dram_coord *coord, char *why, size_t len);
bool correlate_dram_mapped(const struct correlate *c, int32_t dimm);
/* The fault mode now, and the distinct cells behind it. */
enum dram_mode correlate_dimm_mode(const struct correlate *c, int32_t dimm,
                                   uint64_t now_ms, uint32_t *cells);
/*
 * The machine frames of a row: every one (*mapped true) from the DIMM's
 * map, else those seen in error on it. At most max; how many the row has.
 */
size_t correlate_row_pages(const struct correlate *c, int32_t dimm,
                           const struct dram_coord *row, uint64_t now_ms,
                           uint64_t *mfns, size_t max, bool *mapped);

/* Which DIMM holds a machine address, -1 if none. */
int32_t correlate_dimm_of(const struct correlate *c, uint64_t phys_addr);

/* Current levels, for rasctl and the journal's component rows. */
uint32_t correlate_dimm_level(const struct correlate *c, int32_t dimm,
                              uint64_t now_ms);
uint64_t correlate_dimm_errors(const struct correlate *c, int32_t dimm);
uint32_t correlate_socket_level(const struct correlate *c, uint32_t socket,
                                uint64_t now_ms);
uint64_t correlate_socket_errors(const struct correlate *c, uint32_t socket);
size_t correlate_pages_tracked(const struct correlate *c);
/* New pages not tracked for want of room in the budget, since start. */
uint64_t correlate_pages_forgotten(const struct correlate *c);
/* What the page table takes now. */
size_t correlate_page_table_bytes(const struct correlate *c);

const char *verdict_type_name(enum verdict_type t);

#endif

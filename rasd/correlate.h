/* correlate.h - turns decoded memory errors into verdicts: leaky buckets
 * per page, per DIMM (distinct pages) and per socket; address -> DIMM. */
#ifndef RASD_CORRELATE_H
#define RASD_CORRELATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hypervisor/hv.h"
#include "../include/leaky_bucket.h"
#include "../mce/mce.h"

struct correlate_rules {
	struct leaky_rule page;   /* corrected errors on one page */
	struct leaky_rule dimm;   /* distinct erring pages on one DIMM */
	struct leaky_rule socket; /* corrected errors on one socket */
	size_t page_table_bytes;  /* the page table's budget; 0: 4M slots */
};

enum verdict_type {
	VERDICT_PAGE_THRESHOLD,   /* page bucket overflowed */
	VERDICT_PAGE_UNCORRECTED, /* UCNA/SRAO/SRAR with a usable address */
	VERDICT_DIMM_THRESHOLD,   /* DIMM bucket overflowed */
	VERDICT_DIMM_UNCORRECTED, /* an uncorrected error on the DIMM */
	VERDICT_SOCKET_THRESHOLD,
};

struct verdict {
	enum verdict_type type;
	uint64_t page; /* for page verdicts */
	int32_t dimm;  /* index into the DIMM table, -1 if none */
	uint32_t socket;
	uint32_t count; /* errors (or pages) in the bucket now */
};

#define CORRELATE_MAX_VERDICTS 4

struct correlate_result {
	int32_t dimm;        /* the DIMM the error is on, -1 unknown */
	uint32_t page_count; /* errors on this page within the window */
	uint32_t dimm_pages; /* distinct pages on the DIMM within window */
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

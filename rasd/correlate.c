/* correlate.c - the buckets behind rasd's memory verdicts: a hash table of
 * pages, and per-DIMM and per-socket buckets, charged on the hot path. */
#include <stdlib.h>
#include <string.h>

#include "correlate.h"

/*
 * Why a budget: a storm over random addresses must not grow memory
 * without bound. At the budget (rules.page_table_bytes), pages whose
 * errors have all leaked out are dropped; when every page is still in
 * its window, a new page is not tracked (counted in pages_forgotten) and
 * counts as a new distinct page on its DIMM.
 */
#define PAGE_TABLE_MIN 1024

struct page_entry {
	uint64_t mfn_plus1; /* 0 marks an empty slot */
	struct leaky_bucket bucket;
};

struct counted_bucket {
	struct leaky_bucket bucket;
	uint64_t errors; /* every error charged, for the counters */
};

struct correlate {
	struct correlate_rules rules;
	struct hv_dimm *dimms;
	size_t n_dimms;
	uint32_t *by_start; /* DIMM indexes sorted by start address */
	struct counted_bucket *dimm_state;
	uint32_t n_sockets;
	struct counted_bucket *socket_state;
	uint64_t *group_slots; /* arrival storage for DIMMs and sockets */
	struct page_entry *pages;
	uint64_t *page_slots; /* rules.page.limit arrivals per page entry */
	size_t page_cap;      /* power of two */
	size_t page_cap_max;  /* the most the budget allows */
	size_t page_used;
	uint64_t next_sweep_ms; /* no page can leak out before then */
	uint64_t pages_forgotten;
	struct dram_faults *dram;
	struct dram_map *maps; /* per DIMM, valid where mapped[i] */
	bool *mapped;
};

const char *verdict_type_name(enum verdict_type t)
{
	switch (t) {
	case VERDICT_PAGE_THRESHOLD:
		return "page_threshold";
	case VERDICT_PAGE_UNCORRECTED:
		return "page_uncorrected";
	case VERDICT_DIMM_THRESHOLD:
		return "dimm_threshold";
	case VERDICT_DIMM_UNCORRECTED:
		return "dimm_uncorrected";
	case VERDICT_SOCKET_THRESHOLD:
		return "socket_threshold";
	case VERDICT_ROW_THRESHOLD:
		return "row_threshold";
	case VERDICT_DIMM_MODE:
		return "fault_mode";
	}
	return "unknown";
}

static size_t page_hash(uint64_t mfn, size_t cap)
{
	return (size_t)((mfn * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static int page_table_alloc(struct correlate *c, size_t cap)
{
	size_t limit = c->rules.page.limit ? c->rules.page.limit : 1;

	c->pages = calloc(cap, sizeof(*c->pages));
	c->page_slots = calloc(cap * limit, sizeof(uint64_t));
	if (c->pages == NULL || c->page_slots == NULL) {
		free(c->pages);
		free(c->page_slots);
		return -1;
	}
	c->page_cap = cap;
	c->page_used = 0;
	return 0;
}

static uint64_t *page_slots_of(struct correlate *c, size_t idx)
{
	size_t limit = c->rules.page.limit ? c->rules.page.limit : 1;

	return c->page_slots + idx * limit;
}

/* The newest arrival is older than a window: the page is quiet. */
static bool bucket_quiet(const struct leaky_bucket *b,
                         const struct leaky_rule *rule, uint64_t now_ms)
{
	uint64_t newest;

	if (b->filled == 0 || rule->limit == 0)
		return true;
	newest = b->arrival[(b->head + rule->limit - 1) % rule->limit];
	return now_ms >= newest && now_ms - newest >= rule->window_ms;
}

static void page_insert_copy(struct correlate *c, const struct page_entry *e,
                             const uint64_t *slots)
{
	size_t i = page_hash(e->mfn_plus1 - 1, c->page_cap);
	size_t limit = c->rules.page.limit ? c->rules.page.limit : 1;

	while (c->pages[i].mfn_plus1 != 0)
		i = (i + 1) & (c->page_cap - 1);
	c->pages[i] = *e;
	c->pages[i].bucket.arrival = page_slots_of(c, i);
	memcpy(c->pages[i].bucket.arrival, slots, limit * sizeof(uint64_t));
	c->page_used++;
}

/* Rebuild at new_cap, keeping pages still in their window (or all). */
/* When the bucket's newest arrival leaks out (it goes quiet then). */
static uint64_t bucket_quiet_at(const struct leaky_bucket *b,
                                const struct leaky_rule *rule)
{
	uint32_t limit = rule->limit ? rule->limit : 1;

	if (b->filled == 0)
		return 0;
	return b->arrival[(b->head + limit - 1) % limit] + rule->window_ms;
}

static int page_table_rebuild(struct correlate *c, size_t new_cap,
                              bool drop_quiet, uint64_t now_ms)
{
	struct page_entry *old = c->pages;
	uint64_t *old_slots = c->page_slots, at, next = UINT64_MAX;
	size_t i, old_cap = c->page_cap;
	size_t limit = c->rules.page.limit ? c->rules.page.limit : 1;

	if (page_table_alloc(c, new_cap) < 0) {
		c->pages = old;
		c->page_slots = old_slots;
		return -1;
	}
	for (i = 0; i < old_cap; i++) {
		if (old[i].mfn_plus1 == 0)
			continue;
		if (drop_quiet &&
		    bucket_quiet(&old[i].bucket, &c->rules.page, now_ms))
			continue;
		at = bucket_quiet_at(&old[i].bucket, &c->rules.page);
		if (at < next)
			next = at;
		page_insert_copy(c, &old[i], old_slots + i * limit);
	}
	/* UINT64_MAX: nothing kept; the next insert sets it again. */
	if (drop_quiet)
		c->next_sweep_ms = next;
	free(old);
	free(old_slots);
	return 0;
}

/*
 * Room for one more page: drop the quiet ones if any can be (a sweep
 * finds none before next_sweep_ms, so a storm of hot pages does not pay
 * a sweep per record), grow while the budget allows.
 */
static void page_make_room(struct correlate *c, uint64_t now_ms)
{
	if (now_ms >= c->next_sweep_ms)
		page_table_rebuild(c, c->page_cap, true, now_ms);
	if ((c->page_used + 1) * 4 > c->page_cap &&
	    c->page_cap < c->page_cap_max)
		page_table_rebuild(c, c->page_cap * 2, false, now_ms);
}

static size_t page_probe(const struct correlate *c, uint64_t mfn)
{
	size_t i = page_hash(mfn, c->page_cap);

	while (c->pages[i].mfn_plus1 != 0 && c->pages[i].mfn_plus1 != mfn + 1)
		i = (i + 1) & (c->page_cap - 1);
	return i;
}

static struct page_entry *page_lookup(struct correlate *c, uint64_t mfn,
                                      uint64_t now_ms)
{
	size_t i = page_probe(c, mfn);

	if (c->pages[i].mfn_plus1 == mfn + 1)
		return &c->pages[i];
	if ((c->page_used + 1) * 2 > c->page_cap) {
		page_make_room(c, now_ms);
		/* Every page is hot and the budget is spent: not tracked. */
		if ((c->page_used + 1) * 2 > c->page_cap) {
			c->pages_forgotten++;
			return NULL;
		}
		i = page_probe(c, mfn);
	}
	c->pages[i].mfn_plus1 = mfn + 1;
	/* It cannot go quiet before a window from now. */
	if (c->next_sweep_ms != 0 &&
	    now_ms + c->rules.page.window_ms < c->next_sweep_ms)
		c->next_sweep_ms = now_ms + c->rules.page.window_ms;
	leaky_bucket_init(&c->pages[i].bucket, page_slots_of(c, i));
	c->page_used++;
	return &c->pages[i];
}

/* The largest power of two of slots the budget holds (at least the
 * minimum table). */
static size_t page_cap_for(const struct correlate_rules *r)
{
	size_t slot = sizeof(struct page_entry) +
	              (r->page.limit ? r->page.limit : 1) * sizeof(uint64_t);
	size_t cap = PAGE_TABLE_MIN;

	while (r->page_table_bytes > 0 && cap * 2 * slot <= r->page_table_bytes)
		cap *= 2;
	if (r->page_table_bytes == 0)
		cap = (size_t)1 << 22;
	return cap;
}

static int dimm_start_cmp(const void *a, const void *b, void *arg)
{
	const struct hv_dimm *dimms = arg;
	uint64_t sa = dimms[*(const uint32_t *)a].start;
	uint64_t sb = dimms[*(const uint32_t *)b].start;

	return sa < sb ? -1 : sa > sb;
}

static int groups_alloc(struct correlate *c)
{
	size_t dl = c->rules.dimm.limit, sl = c->rules.socket.limit;
	size_t i, total = c->n_dimms * dl + c->n_sockets * sl;
	uint64_t *slot;

	c->dimm_state = calloc(c->n_dimms + 1, sizeof(*c->dimm_state));
	c->socket_state = calloc(c->n_sockets + 1, sizeof(*c->socket_state));
	c->group_slots = calloc(total + 1, sizeof(uint64_t));
	if (!c->dimm_state || !c->socket_state || !c->group_slots)
		return -1;
	slot = c->group_slots;
	for (i = 0; i < c->n_dimms; i++, slot += dl)
		leaky_bucket_init(&c->dimm_state[i].bucket, slot);
	for (i = 0; i < c->n_sockets; i++, slot += sl)
		leaky_bucket_init(&c->socket_state[i].bucket, slot);
	return 0;
}

int correlate_create(struct correlate **out, const struct correlate_rules *r,
                     const struct hv_dimm *dimms, size_t n_dimms,
                     uint32_t n_sockets)
{
	struct correlate *c = calloc(1, sizeof(*c));
	size_t i;

	if (c == NULL)
		return -1;
	c->rules = *r;
	c->page_cap_max = page_cap_for(r);
	c->n_dimms = n_dimms;
	c->n_sockets = n_sockets;
	c->dimms = calloc(n_dimms + 1, sizeof(*c->dimms));
	c->by_start = calloc(n_dimms + 1, sizeof(*c->by_start));
	c->maps = calloc(n_dimms + 1, sizeof(*c->maps));
	c->mapped = calloc(n_dimms + 1, sizeof(*c->mapped));
	if (c->dimms == NULL || c->by_start == NULL || c->maps == NULL ||
	    c->mapped == NULL || groups_alloc(c) < 0 ||
	    page_table_alloc(c, PAGE_TABLE_MIN) < 0 ||
	    dram_faults_create(&c->dram, &r->dram, n_dimms) < 0) {
		correlate_destroy(c);
		return -1;
	}
	if (n_dimms > 0)
		memcpy(c->dimms, dimms, n_dimms * sizeof(*dimms));
	for (i = 0; i < n_dimms; i++) {
		c->by_start[i] = (uint32_t)i;
		if (r->maps != NULL && r->maps[i] != NULL) {
			c->maps[i] = *r->maps[i];
			c->mapped[i] = true;
		}
	}
	c->rules.maps = NULL;
	qsort_r(c->by_start, n_dimms, sizeof(uint32_t), dimm_start_cmp,
	        c->dimms);
	*out = c;
	return 0;
}

void correlate_destroy(struct correlate *c)
{
	if (c == NULL)
		return;
	free(c->dimms);
	free(c->by_start);
	free(c->dimm_state);
	free(c->socket_state);
	free(c->group_slots);
	free(c->pages);
	free(c->page_slots);
	free(c->maps);
	free(c->mapped);
	dram_faults_destroy(c->dram);
	free(c);
}

int32_t correlate_dimm_of(const struct correlate *c, uint64_t phys_addr)
{
	size_t lo = 0, hi = c->n_dimms;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hv_dimm *d = &c->dimms[c->by_start[mid]];

		if (phys_addr < d->start)
			hi = mid;
		else if (phys_addr - d->start >= d->size)
			lo = mid + 1;
		else
			return (int32_t)c->by_start[mid];
	}
	return -1;
}

/* Without an address, socket + channel name the DIMM if only one fits. */
static int32_t dimm_of_channel(const struct correlate *c, uint32_t socket,
                               int channel)
{
	int32_t found = -1;
	size_t i;

	if (channel < 0)
		return -1;
	for (i = 0; i < c->n_dimms; i++) {
		if (c->dimms[i].socket != socket ||
		    c->dimms[i].channel != (uint32_t)channel)
			continue;
		if (found >= 0)
			return -1;
		found = (int32_t)i;
	}
	return found;
}

static struct verdict *verdict_add(struct correlate_result *res,
                                   enum verdict_type t, uint64_t page,
                                   int32_t dimm, uint32_t socket,
                                   uint32_t count)
{
	struct verdict *v;

	if (res->n_verdicts >= CORRELATE_MAX_VERDICTS)
		return NULL;
	v = &res->verdicts[res->n_verdicts++];
	memset(v, 0, sizeof(*v));
	v->type = t;
	v->page = page;
	v->dimm = dimm;
	v->socket = socket;
	v->count = count;
	return v;
}

/*
 * An address whose valid bits stop above bit 12 names a region larger
 * than a page: good enough to find the DIMM, not to retire one frame.
 */
static bool page_precise(const struct mce_decoded *d)
{
	return d->phys_addr_valid && d->addr_lsb <= 12;
}

static void charge_corrected(struct correlate *c, const struct mce_record *r,
                             const struct mce_decoded *d, uint64_t now_ms,
                             struct correlate_result *res)
{
	bool fresh_page = false;

	if (page_precise(d)) {
		struct page_entry *pe = page_lookup(c, d->page, now_ms);

		/* Untracked for want of room: a new page as far as it knows. */
		fresh_page = pe == NULL;
		if (pe != NULL) {
			fresh_page =
			    bucket_quiet(&pe->bucket, &c->rules.page, now_ms);
			if (leaky_bucket_charge(&pe->bucket, &c->rules.page,
			                        now_ms))
				verdict_add(res, VERDICT_PAGE_THRESHOLD,
				            d->page, res->dimm, r->socketid,
				            c->rules.page.limit);
			res->page_count = leaky_bucket_level(
			    &pe->bucket, &c->rules.page, now_ms);
		}
	}
	if (res->dimm >= 0) {
		struct counted_bucket *db = &c->dimm_state[res->dimm];

		db->errors++;
		if (fresh_page &&
		    leaky_bucket_charge(&db->bucket, &c->rules.dimm, now_ms))
			verdict_add(res, VERDICT_DIMM_THRESHOLD, d->page,
			            res->dimm, r->socketid,
			            c->rules.dimm.limit);
		res->dimm_pages =
		    leaky_bucket_level(&db->bucket, &c->rules.dimm, now_ms);
	}
	if (r->socketid < c->n_sockets) {
		struct counted_bucket *sb = &c->socket_state[r->socketid];

		sb->errors++;
		if (leaky_bucket_charge(&sb->bucket, &c->rules.socket, now_ms))
			verdict_add(res, VERDICT_SOCKET_THRESHOLD, 0, res->dimm,
			            r->socketid, c->rules.socket.limit);
	}
}

static bool severity_uncorrected_recoverable(enum mce_severity s)
{
	return s == MCE_SEV_UCNA || s == MCE_SEV_SRAO || s == MCE_SEV_SRAR ||
	       s == MCE_SEV_DEFERRED;
}

void correlate_record(struct correlate *c, const struct mce_record *r,
                      const struct mce_decoded *d, uint64_t now_ms,
                      struct correlate_result *res)
{
	res->dimm = -1;
	res->page_count = 0;
	res->dimm_pages = 0;
	res->n_verdicts = 0;
	res->mode = DRAM_MODE_NONE;
	res->cells = 0;
	res->row_level = 0;
	if (d->phys_addr_valid)
		res->dimm = correlate_dimm_of(c, d->phys_addr);
	if (res->dimm < 0 && d->kind == MCE_KIND_MEMORY)
		res->dimm = dimm_of_channel(c, r->socketid, d->channel);

	if (d->severity == MCE_SEV_CORRECTED) {
		if (d->kind == MCE_KIND_MEMORY)
			charge_corrected(c, r, d, now_ms, res);
		return;
	}
	if (!severity_uncorrected_recoverable(d->severity))
		return;
	/* Poisoned data: retire the page now; the DIMM is suspect at once. */
	if (page_precise(d))
		verdict_add(res, VERDICT_PAGE_UNCORRECTED, d->page, res->dimm,
		            r->socketid, 1);
	if (res->dimm >= 0 && d->kind == MCE_KIND_MEMORY) {
		c->dimm_state[res->dimm].errors++;
		verdict_add(res, VERDICT_DIMM_UNCORRECTED, d->page, res->dimm,
		            r->socketid, 1);
	}
}

uint32_t correlate_dimm_level(const struct correlate *c, int32_t dimm,
                              uint64_t now_ms)
{
	if (dimm < 0 || (size_t)dimm >= c->n_dimms)
		return 0;
	return leaky_bucket_level(&c->dimm_state[dimm].bucket, &c->rules.dimm,
	                          now_ms);
}

uint64_t correlate_dimm_errors(const struct correlate *c, int32_t dimm)
{
	if (dimm < 0 || (size_t)dimm >= c->n_dimms)
		return 0;
	return c->dimm_state[dimm].errors;
}

uint32_t correlate_socket_level(const struct correlate *c, uint32_t socket,
                                uint64_t now_ms)
{
	if (socket >= c->n_sockets)
		return 0;
	return leaky_bucket_level(&c->socket_state[socket].bucket,
	                          &c->rules.socket, now_ms);
}

uint64_t correlate_socket_errors(const struct correlate *c, uint32_t socket)
{
	if (socket >= c->n_sockets)
		return 0;
	return c->socket_state[socket].errors;
}

size_t correlate_pages_tracked(const struct correlate *c)
{
	return c->page_used;
}

uint64_t correlate_pages_forgotten(const struct correlate *c)
{
	return c->pages_forgotten;
}

size_t correlate_page_table_bytes(const struct correlate *c)
{
	size_t limit = c->rules.page.limit ? c->rules.page.limit : 1;

	return c->page_cap * (sizeof(struct page_entry) + limit * 8);
}

/* ---- DRAM rows and fault modes ---- */

static bool dimm_ok(const struct correlate *c, int32_t dimm)
{
	return dimm >= 0 && (size_t)dimm < c->n_dimms;
}

void correlate_dram(struct correlate *c, int32_t dimm,
                    const struct dram_coord *coord, uint64_t page,
                    uint32_t socket, uint64_t now_ms,
                    struct correlate_result *res)
{
	struct dram_charge ch;
	struct verdict *v;

	if (!dimm_ok(c, dimm) || !dram_coord_usable(coord))
		return;
	dram_faults_charge(c->dram, (size_t)dimm, coord, page, now_ms, &ch);
	res->mode = ch.mode;
	res->cells = ch.cells;
	res->row_level = ch.row_level;
	if (ch.row_over &&
	    (v = verdict_add(res, VERDICT_ROW_THRESHOLD, page, dimm, socket,
	                     ch.row_level)) != NULL) {
		v->coord = *coord;
		v->coord.column = 0;
	}
	if (ch.mode != ch.prev_mode &&
	    (v = verdict_add(res, VERDICT_DIMM_MODE, page, dimm, socket,
	                     ch.cells)) != NULL) {
		v->coord = *coord;
		v->mode = (uint8_t)ch.mode;
		v->prev_mode = (uint8_t)ch.prev_mode;
	}
}

bool correlate_dram_coord(const struct correlate *c, int32_t dimm,
                          uint64_t phys_addr, struct dram_coord *out)
{
	const struct hv_dimm *d;

	if (!dimm_ok(c, dimm) || !c->mapped[dimm])
		return false;
	d = &c->dimms[dimm];
	if (phys_addr < d->start || phys_addr - d->start >= d->size)
		return false;
	dram_map_coord(&c->maps[dimm], phys_addr - d->start, out);
	return true;
}

bool correlate_dram_mapped(const struct correlate *c, int32_t dimm)
{
	return dimm_ok(c, dimm) && c->mapped[dimm];
}

int correlate_dram_check(const struct correlate *c, int32_t dimm,
                         struct dram_coord *coord, char *why, size_t len)
{
	struct dram_geometry g;

	if (dimm_ok(c, dimm) && c->mapped[dimm])
		dram_map_geometry(&c->maps[dimm], &g);
	else
		dram_geometry_max(&g);
	if (dram_coord_check(coord, &g, why, len) == 0)
		return 0;
	coord->have |= DRAM_UNKNOWN;
	return -1;
}

enum dram_mode correlate_dimm_mode(const struct correlate *c, int32_t dimm,
                                   uint64_t now_ms, uint32_t *cells)
{
	*cells = 0;
	if (!dimm_ok(c, dimm))
		return DRAM_MODE_NONE;
	return dram_faults_mode(c->dram, (size_t)dimm, now_ms, cells);
}

size_t correlate_row_pages(const struct correlate *c, int32_t dimm,
                           const struct dram_coord *row, uint64_t now_ms,
                           uint64_t *mfns, size_t max, bool *mapped)
{
	uint64_t base;
	size_t n, i;

	*mapped = false;
	if (!dimm_ok(c, dimm))
		return 0;
	if (!c->mapped[dimm])
		return dram_faults_row_pages_seen(c->dram, (size_t)dimm, row,
		                                  now_ms, mfns, max);
	*mapped = true;
	base = c->dimms[dimm].start >> 12;
	n = dram_map_row_pages(&c->maps[dimm], row, mfns, max);
	for (i = 0; i < n && i < max; i++)
		mfns[i] += base;
	return n;
}

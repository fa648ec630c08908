/* pageset.h - a set of machine frames (the pages an offline was decided
 * for): O(1) to ask, add and remove, however many a storm brings. */
#ifndef RASD_PAGESET_H
#define RASD_PAGESET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pageset {
	uint64_t *slot; /* frame + 1; 0 is empty */
	size_t cap;     /* a power of two, or 0 before the first add */
	size_t used;
};

bool pageset_has(const struct pageset *s, uint64_t mfn);
/* 0, or -1 out of memory (the set is unchanged). */
int pageset_add(struct pageset *s, uint64_t mfn);
void pageset_del(struct pageset *s, uint64_t mfn);
void pageset_free(struct pageset *s);
/* The frames, in no order: i from 0 while pageset_next says true. */
bool pageset_next(const struct pageset *s, size_t *i, uint64_t *mfn);

#endif

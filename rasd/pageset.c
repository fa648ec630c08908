/* pageset.c - open addressing with linear probing over frame numbers;
 * removal shifts the run back, so no tombstones build up. */
#include <stdlib.h>

#include "pageset.h"

static size_t slot_of(uint64_t mfn, size_t cap)
{
	return (size_t)((mfn * 0x9e3779b97f4a7c15ull) >> 24) & (cap - 1);
}

static size_t find(const struct pageset *s, uint64_t mfn)
{
	size_t i = slot_of(mfn, s->cap);

	while (s->slot[i] != 0 && s->slot[i] != mfn + 1)
		i = (i + 1) & (s->cap - 1);
	return i;
}

bool pageset_has(const struct pageset *s, uint64_t mfn)
{
	return s->cap != 0 && s->slot[find(s, mfn)] == mfn + 1;
}

static int grow(struct pageset *s)
{
	size_t cap = s->cap ? s->cap * 2 : 64, i;
	struct pageset bigger = {calloc(cap, sizeof(uint64_t)), cap, 0};

	if (bigger.slot == NULL)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->slot[i] != 0)
			bigger.slot[find(&bigger, s->slot[i] - 1)] = s->slot[i];
	bigger.used = s->used;
	free(s->slot);
	*s = bigger;
	return 0;
}

int pageset_add(struct pageset *s, uint64_t mfn)
{
	size_t i;

	if ((s->used + 1) * 2 > s->cap && grow(s) < 0)
		return -1;
	i = find(s, mfn);
	if (s->slot[i] == 0) {
		s->slot[i] = mfn + 1;
		s->used++;
	}
	return 0;
}

void pageset_del(struct pageset *s, uint64_t mfn)
{
	size_t i, j, home;

	if (s->cap == 0)
		return;
	i = find(s, mfn);
	if (s->slot[i] == 0)
		return;
	s->slot[i] = 0;
	s->used--;
	/* Move back each later member of the run that may sit in the gap. */
	for (j = (i + 1) & (s->cap - 1); s->slot[j] != 0;
	     j = (j + 1) & (s->cap - 1)) {
		home = slot_of(s->slot[j] - 1, s->cap);
		if (((j - home) & (s->cap - 1)) < ((j - i) & (s->cap - 1)))
			continue;
		s->slot[i] = s->slot[j];
		s->slot[j] = 0;
		i = j;
	}
}

void pageset_free(struct pageset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->used = 0;
}

bool pageset_next(const struct pageset *s, size_t *i, uint64_t *mfn)
{
	for (; *i < s->cap; (*i)++) {
		if (s->slot[*i] != 0) {
			*mfn = s->slot[(*i)++] - 1;
			return true;
		}
	}
	return false;
}

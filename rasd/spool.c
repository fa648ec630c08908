/* spool.c - a file-backed read buffer for the record source, so that a
 * destructive read lost to a crash is found and journaled at restart. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "spool.h"

#define SPOOL_MAGIC  0x315053445341525ull /* "RASDSP1" */
#define SPOOL_HEADER 64
#define SPOOL_MAX    (16u << 20) /* the reader's own buffer limit */

struct spool_header {
	uint64_t magic;
	uint64_t batch;
	uint32_t record_len;
	uint32_t size; /* of all the slots */
	uint32_t slot_size;
	uint32_t pad;
};

struct spool {
	unsigned char *map; /* header, then data */
	size_t map_len;
	struct spool_header *hdr;
	uint32_t record_len; /* of the reader now; the header's may be old */
	uint32_t size;       /* the slots now */
	uint32_t slot_size;
};

/* What an earlier daemon left: its shape, if the file holds a spool. */
static bool header_read(int fd, struct spool_header *h)
{
	return pread(fd, h, sizeof(*h), 0) == (ssize_t)sizeof(*h) &&
	       h->magic == SPOOL_MAGIC && h->size <= SPOOL_MAX &&
	       h->record_len >= MCE_RECORD_LEN_MIN &&
	       h->record_len <= MCE_RECORD_LEN_MAX;
}

/* Big enough for this reader's reads and for what the last one left. */
static int map_fd(struct spool *s, int fd, const char *name, char *err,
                  size_t errlen)
{
	struct spool_header old;
	void *p;

	if (header_read(fd, &old) && old.size > s->size)
		s->map_len = SPOOL_HEADER + old.size;
	if (ftruncate(fd, (off_t)s->map_len) < 0) {
		snprintf(err, errlen, "spool %s: %s", name, strerror(errno));
		return -1;
	}
	p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		snprintf(err, errlen, "spool %s: mmap: %s", name,
		         strerror(errno));
		return -1;
	}
	s->map = p;
	return 0;
}

static int map_file(struct spool *s, const char *path, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600), rc;

	if (fd < 0) {
		snprintf(err, errlen, "spool %s: %s", path, strerror(errno));
		return -1;
	}
	rc = map_fd(s, fd, path, err, errlen);
	close(fd);
	return rc;
}

static struct spool *spool_new(size_t slot_size, size_t slots,
                               size_t record_len)
{
	struct spool *s = calloc(1, sizeof(*s));
	size_t size = slot_size * slots;

	if (s == NULL)
		return NULL;
	s->map_len = SPOOL_HEADER + size;
	s->record_len = (uint32_t)record_len;
	s->size = (uint32_t)size;
	s->slot_size = (uint32_t)slot_size;
	return s;
}

/*
 * A new file, or not a spool: nothing in it is ours. One an earlier
 * reader of another shape left is read in that shape, then reset.
 */
static void spool_claim(struct spool *s)
{
	s->hdr = (struct spool_header *)s->map;
	if (s->hdr->magic != SPOOL_MAGIC ||
	    s->hdr->size > s->map_len - SPOOL_HEADER ||
	    s->hdr->record_len < MCE_RECORD_LEN_MIN ||
	    s->hdr->record_len > MCE_RECORD_LEN_MAX || s->hdr->slot_size == 0 ||
	    s->hdr->slot_size > s->hdr->size) {
		memset(s->map, 0, s->map_len);
		s->hdr->magic = SPOOL_MAGIC;
		s->hdr->batch = 1;
		s->hdr->record_len = s->record_len;
		s->hdr->size = s->size;
		s->hdr->slot_size = s->slot_size;
	}
}

int spool_open(struct spool **out, const char *path, size_t slot_size,
               size_t slots, size_t record_len, char *err, size_t errlen)
{
	struct spool *s = spool_new(slot_size, slots, record_len);
	void *p;

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "spool: out of memory");
		return -1;
	}
	if (path != NULL && map_file(s, path, err, errlen) < 0) {
		free(s);
		return -1;
	}
	if (path == NULL) {
		/* Shared: a privsep parent fills what its engine reads. */
		p = mmap(NULL, s->map_len, PROT_READ | PROT_WRITE,
		         MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED) {
			snprintf(err, errlen, "spool: mmap: %s",
			         strerror(errno));
			free(s);
			return -1;
		}
		s->map = p;
	}
	spool_claim(s);
	*out = s;
	return 0;
}

int spool_open_fd(struct spool **out, int fd, size_t slot_size, size_t slots,
                  size_t record_len, char *err, size_t errlen)
{
	struct spool *s = spool_new(slot_size, slots, record_len);

	*out = NULL;
	if (s == NULL) {
		snprintf(err, errlen, "spool: out of memory");
		return -1;
	}
	if (map_fd(s, fd, "(passed)", err, errlen) < 0) {
		free(s);
		return -1;
	}
	spool_claim(s);
	*out = s;
	return 0;
}

void spool_close(struct spool *s)
{
	if (s == NULL)
		return;
	munmap(s->map, s->map_len);
	free(s);
}

unsigned char *spool_slot(struct spool *s, size_t i)
{
	return s->map + SPOOL_HEADER + i * s->slot_size;
}

size_t spool_slot_size(const struct spool *s)
{
	return s->slot_size;
}

size_t spool_slots(const struct spool *s)
{
	return s->size / s->slot_size;
}

uint64_t spool_batch(const struct spool *s)
{
	return s->hdr->batch;
}

static bool all_zero(const unsigned char *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (p[i] != 0)
			return false;
	return true;
}

/* One slot's records, from its start to its first empty record. */
static size_t slot_leftover(const unsigned char *slot, size_t slot_size,
                            size_t len, mce_record_fn fn, void *arg,
                            size_t *bad)
{
	struct mce_record r;
	char why[128];
	size_t off, n = 0;

	for (off = 0; off + len <= slot_size; off += len) {
		if (all_zero(slot + off, len))
			break;
		if (mce_record_parse(slot + off, len, &r, why, sizeof(why)) <
		    0) {
			(*bad)++;
			continue;
		}
		n++;
		if (fn(arg, &r) != 0)
			break;
	}
	return n;
}

size_t spool_leftover(const struct spool *s, mce_record_fn fn, void *arg,
                      size_t *bad)
{
	const unsigned char *data = s->map + SPOOL_HEADER;
	size_t len = s->hdr->record_len, slot = s->hdr->slot_size;
	size_t off, n = 0;

	*bad = 0;
	for (off = 0; off + slot <= s->hdr->size; off += slot)
		n += slot_leftover(data + off, slot, len, fn, arg, bad);
	return n;
}

/*
 * Cleared before the number moves on: a daemon killed between the two
 * finds a batch the journal already has, and clears it again.
 */
void spool_release(struct spool *s, size_t used)
{
	size_t bytes = used * s->slot_size;

	if (bytes == 0 || bytes > s->map_len - SPOOL_HEADER)
		bytes = s->map_len - SPOOL_HEADER;
	memset(s->map + SPOOL_HEADER, 0, bytes);
	s->hdr->record_len = s->record_len;
	s->hdr->size = s->size;
	s->hdr->slot_size = s->slot_size;
	s->hdr->batch++;
}

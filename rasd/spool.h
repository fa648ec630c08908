/* spool.h - the record reader's buffer as a file: what read(2) took from a
 * destructive device (/dev/mcelog) outlives the daemon until journaled. */
#ifndef RASD_SPOOL_H
#define RASD_SPOOL_H

#include <stddef.h>
#include <stdint.h>

#include "../mce/mce.h"

/*
 * The reader reads into the spool's slots, a shared file mapping: once
 * read(2) returns, the records are in the page cache, whatever happens
 * to the daemon next. The reads of one transaction (up to one a slot)
 * are a numbered batch; the journal keeps the number of the last batch
 * it committed ("spool.batch"), in the same transaction as its events. A
 * daemon that starts and finds records of a later batch in the spool
 * journals them before it reads the device.
 *
 * Not against a power cut: the device's own log is gone too by then.
 */
struct spool;

/* Reads per transaction: the daemon's, and its privsep parent's, spool. */
#define SPOOL_SLOTS 8

/*
 * slots of slot_size bytes (one read each); path NULL: anonymous memory
 * (a journal in memory has no restart).
 */
int spool_open(struct spool **out, const char *path, size_t slot_size,
               size_t slots, size_t record_len, char *err, size_t errlen);
/* The same on a descriptor (a file, or a memfd for a journal in
 * memory): the privsep parent's and its engine's one spool. */
int spool_open_fd(struct spool **out, int fd, size_t slot_size, size_t slots,
                  size_t record_len, char *err, size_t errlen);
void spool_close(struct spool *s);
unsigned char *spool_slot(struct spool *s, size_t i);
size_t spool_slot_size(const struct spool *s);
size_t spool_slots(const struct spool *s);
/* The number of the batch the data holds now. */
uint64_t spool_batch(const struct spool *s);
/*
 * Whole records a daemon left in the slots: fn for each, slot by slot,
 * each until an empty (all zero) record. Returns how many; bad ones are
 * counted in *bad.
 */
size_t spool_leftover(const struct spool *s, mce_record_fn fn, void *arg,
                      size_t *bad);
/* The journal has the batch: clear the data (the first `used` slots; 0:
 * all), number the next batch. */
void spool_release(struct spool *s, size_t used);

#endif

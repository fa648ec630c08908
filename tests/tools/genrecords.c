/* genrecords.c - the benchmark's input: N binary Skylake-SP corrected
 * memory errors over D distinct frames, some frames hit twice. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mce/mce.h"

/*
 * The frames lie on the bench scenario's DIMMs (tests/bench/bench.scn):
 * 8 of 32G from 0, so a frame index spreads over them all. One record in
 * HOT_EVERY goes to a "hot" frame instead, each hot frame twice, far
 * apart: those cross the page threshold and time record -> action.
 */
#define TOTAL_FRAMES (8ull * (32ull << 30) >> 12)
#define HOT_EVERY    1000 /* the default; a fourth argument changes it */
#define HOT_FRAMES   512

static uint64_t frame_of(uint64_t i, uint64_t distinct)
{
	uint64_t stride = TOTAL_FRAMES / (distinct + HOT_FRAMES + 1);

	return (i % distinct + 1) * (stride ? stride : 1);
}

static uint64_t hot_frame(uint64_t k)
{
	/* Past the distinct frames' stride grid: never one of them. */
	return TOTAL_FRAMES - 1 - (k % HOT_FRAMES) * 7;
}

static void record(struct mce_record *r, uint64_t frame, uint64_t i)
{
	uint64_t addr = (frame << 12) | 0x40 * (i % 64);
	unsigned socket = (unsigned)(addr / (128ull << 30));
	unsigned channel = (unsigned)(addr / (32ull << 30)) % 4;

	memset(r, 0, sizeof(*r));
	r->status = mce_status_mem_ce(channel, 1, 1) | MCI_STATUS_ADDRV |
	            MCI_STATUS_MISCV;
	r->misc = 0x86;
	r->addr = addr;
	r->bank = (uint8_t)(13 + channel % 3);
	r->cpuvendor = 0;
	r->cpuid = 0x50654;
	r->mcgcap = 0x7000c14;
	r->socketid = socket;
	r->extcpu = r->apicid = socket * 16;
	r->time = 1772323200 + i / 1000;
}

int main(int argc, char **argv)
{
	unsigned char buf[MCE_RECORD_LEN_XEN];
	struct mce_record r;
	uint64_t n, distinct, i, hot = 0, every = HOT_EVERY;
	FILE *out;

	if (argc != 4 && argc != 5) {
		fprintf(stderr,
		        "usage: genrecords N DISTINCT FILE [HOT_EVERY]\n");
		return 2;
	}
	if (argc == 5 && (every = strtoull(argv[4], NULL, 10)) < 2) {
		fprintf(stderr, "genrecords: HOT_EVERY from 2\n");
		return 2;
	}
	n = strtoull(argv[1], NULL, 10);
	distinct = strtoull(argv[2], NULL, 10);
	if (n == 0 || distinct == 0) {
		fprintf(stderr, "genrecords: N and DISTINCT from 1\n");
		return 2;
	}
	out = fopen(argv[3], "w");
	if (out == NULL) {
		perror(argv[3]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (i % every == every - 1)
			record(&r, hot_frame(hot++ / 2), i);
		else
			record(&r, frame_of(i, distinct), i);
		mce_record_encode(&r, buf, sizeof(buf));
		if (fwrite(buf, sizeof(buf), 1, out) != 1) {
			perror(argv[3]);
			return 1;
		}
	}
	return fclose(out) == 0 ? 0 : 1;
}

/* fuzz_mce.c - libFuzzer target: arbitrary bytes through the record parser,
 * the length guess, the decoder, the describer and both reader modes. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/mce.h"

#define FUZZ_REC_BUF 8192
#define MAX_DRAINS   4096

/* The input after its two length bytes, served as a stream or a device. */
struct mem_source {
	const uint8_t *data;
	size_t len;
	size_t pos;
	unsigned int reads;
	bool device;
	int record_len;
	int log_len;
	int flags;
};

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Read sizes come from the input too, so records split anywhere. */
static size_t chunk_size(const struct mem_source *src)
{
	if (src->len == 0)
		return 1;
	return 1 + (size_t)src->data[src->reads % src->len] * 3;
}

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_source *src = ctx;
	size_t n = src->len - src->pos;
	size_t chunk = chunk_size(src);

	src->reads++;
	if (src->device &&
	    len < (size_t)src->log_len * (size_t)src->record_len) {
		errno = EINVAL;
		return -1;
	}
	if (src->reads % 7 == 3 && n > 0) {
		errno = EAGAIN;
		return -1;
	}
	if (n > chunk)
		n = chunk;
	if (n > len)
		n = len;
	memcpy(buf, src->data + src->pos, n);
	src->pos += n;
	return (ssize_t)n;
}

static int mem_ioctl(void *ctx, unsigned long request, int *value)
{
	struct mem_source *src = ctx;

	if (!src->device) {
		errno = ENOTTY;
		return -1;
	}
	if (request == MCE_IOCTL_GET_RECORD_LEN)
		*value = src->record_len;
	else if (request == MCE_IOCTL_GET_LOG_LEN)
		*value = src->log_len;
	else if (request == MCE_IOCTL_GETCLEAR_FLAGS) {
		*value = src->flags;
		src->flags = 0;
	} else {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

static void decode_and_describe(const struct mce_record *r)
{
	struct mce_decoded d;
	char line[512], tiny[8];
	int n;

	if (mce_decode(r, &d) == 0) {
		check(d.class_name != NULL);
		check((unsigned int)d.severity <= MCE_SEV_FATAL);
		check((unsigned int)d.kind <= MCE_KIND_UNKNOWN);
		check(!d.phys_addr_valid || d.addr_lsb <= 52);
		check(d.page == d.phys_addr >> 12);
		check(mce_severity_name(d.severity) != NULL);
		check(mce_kind_name(d.kind) != NULL);
	}
	n = mce_describe(r, &d, line, sizeof(line));
	check(n >= 0 &&
	      strlen(line) ==
	          ((size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1));
	n = mce_describe(r, &d, tiny, sizeof(tiny));
	check(strlen(tiny) < sizeof(tiny));
}

static int on_record(void *arg, const struct mce_record *r)
{
	unsigned int *seen = arg;

	decode_and_describe(r);
	(*seen)++;
	return *seen % 5 == 0; /* stop now and then: nothing may be lost */
}

/* parse(encode(parse(x))) must be parse(x). */
static void check_round_trip(const struct mce_record *r, size_t len)
{
	unsigned char buf[MCE_RECORD_LEN_MAX];
	struct mce_record again;
	char err[128];

	check(mce_record_encode(r, buf, len) == 0);
	check(mce_record_parse(buf, len, &again, err, sizeof(err)) == 0);
	check(memcmp(r, &again, sizeof(again)) == 0);
}

static void run_reader(struct mem_source *src,
                       const struct mce_reader_opts *opts)
{
	static const struct mce_dev_ops ops = {mem_read, mem_ioctl};
	struct mce_reader *rd;
	unsigned int seen = 0, drains;
	char err[512];
	ssize_t n = 1;

	if (mce_reader_open_ops(&rd, &ops, src, opts, err, sizeof(err)) < 0)
		return;
	/* A stream ends at 0 after its data; a device also pauses at 0. */
	for (drains = 0; drains < MAX_DRAINS; drains++) {
		n = mce_reader_drain(rd, on_record, &seen, err, sizeof(err));
		if (n < 0)
			break;
		if (n == 0 && src->pos == src->len)
			break;
	}
	check(mce_reader_stats(rd)->records == seen);
	mce_reader_finish(rd, err, sizeof(err));
	/* A stream loses nothing: every whole record out, the tail told. */
	if (!src->device && n >= 0 && drains < MAX_DRAINS) {
		size_t rl = mce_reader_record_len(rd);

		check(seen == src->len / rl);
		check(mce_reader_stats(rd)->truncated == src->len % rl);
	}
	mce_reader_close(rd);
}

/* A guess is a known length whose records and tail add up to the input. */
static void check_len_guess(const uint8_t *data, size_t size)
{
	struct mce_len_guess g;

	if (mce_record_len_guess(data, size, &g) < 0)
		return;
	check(g.record_len == MCE_RECORD_LEN_LINUX ||
	      g.record_len == MCE_RECORD_LEN_XEN ||
	      g.record_len == MCE_RECORD_LEN_MIN);
	check(g.records * g.record_len + g.leftover == size);
	check(g.plausible > 0 && g.plausible <= g.records);
	check(g.layout != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char rec[FUZZ_REC_BUF];
	struct mce_reader_opts opts = {0, 0};
	struct mce_record r;
	struct mem_source src;
	char err[128];
	size_t len, body;

	if (size < 2)
		return 0;
	/* mod 8192, not 4096, so lengths past the maximum are tried too */
	len = ((size_t)data[0] | (size_t)data[1] << 8) % FUZZ_REC_BUF;
	data += 2;
	size -= 2;
	body = size < sizeof(rec) ? size : sizeof(rec);
	memset(rec, 0, sizeof(rec));
	memcpy(rec, data, body);
	if (mce_record_parse(rec, len, &r, err, sizeof(err)) == 0) {
		decode_and_describe(&r);
		check_round_trip(&r, len);
	} else {
		check(err[0] != '\0');
	}
	check_len_guess(data, size);
	/* Every input decodes at least as the 88-byte prefix. */
	check(mce_record_parse(rec, MCE_RECORD_LEN_MIN, &r, err, sizeof(err)) ==
	      0);
	decode_and_describe(&r);

	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = size;
	opts.record_len = MCE_RECORD_LEN_MIN +
	                  len % (MCE_RECORD_LEN_MAX - MCE_RECORD_LEN_MIN + 1);
	opts.log_len = 1 + len % 8;
	run_reader(&src, &opts);

	memset(&src, 0, sizeof(src));
	src.data = data;
	src.len = size;
	src.device = true;
	src.record_len = (int)len; /* may be out of range: open must refuse */
	src.log_len = 1 + (int)(len % 40);
	src.flags = (int)(len & 1);
	run_reader(&src, NULL);
	return 0;
}

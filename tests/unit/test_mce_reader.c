/* test_mce_reader.c - the struct mce ABI round trip and the reader on
 * pipes, files and device doubles that keep /dev/mcelog's rules. */
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "mce/mce.h"

#define MAX_RECORDS 64

static struct mce_record sample(unsigned int i)
{
	struct mce_record r;

	memset(&r, 0, sizeof(r));
	r.status = 0x9c00004000010090ULL + i;
	r.misc = 0x86;
	r.addr = 0x2345000 + 0x1000 * (uint64_t)i;
	r.mcgstatus = 0x0;
	r.ip = 0x1111111111111111ULL;
	r.tsc = 0x2222222222222222ULL + i;
	r.time = 1700000000 + i;
	r.mcgcap = 0x1000c16;
	r.synd = 0x3333333333333333ULL;
	r.ipid = 0x4444444444444444ULL;
	r.ppin = 0x5555555555555555ULL;
	r.cpuid = 0x50654;
	r.extcpu = 300 + i;
	r.socketid = 1;
	r.apicid = 0x41;
	r.microcode = 0x2006e05;
	r.cpuvendor = MCE_VENDOR_INTEL;
	r.cs = 0x10;
	r.bank = 7;
	r.inject_flags = 0;
	return r;
}

/* Every field that a record of `len` bytes can carry, compared. */
static void assert_same_record(const struct mce_record *want,
                               const struct mce_record *got, size_t len)
{
	assert_int_equal(got->status, want->status);
	assert_int_equal(got->misc, want->misc);
	assert_int_equal(got->addr, want->addr);
	assert_int_equal(got->mcgstatus, want->mcgstatus);
	assert_int_equal(got->ip, want->ip);
	assert_int_equal(got->tsc, want->tsc);
	assert_int_equal(got->time, want->time);
	assert_int_equal(got->mcgcap, want->mcgcap);
	assert_int_equal(got->cpuid, want->cpuid);
	assert_int_equal(got->extcpu, want->extcpu);
	assert_int_equal(got->socketid, want->socketid);
	assert_int_equal(got->apicid, want->apicid);
	assert_int_equal(got->cpuvendor, want->cpuvendor);
	assert_int_equal(got->cs, want->cs);
	assert_int_equal(got->bank, want->bank);
	assert_int_equal(got->inject_flags, want->inject_flags);
	assert_int_equal(got->synd, len >= 96 ? want->synd : 0);
	assert_int_equal(got->ipid, len >= 104 ? want->ipid : 0);
	assert_int_equal(got->ppin, len >= 112 ? want->ppin : 0);
	assert_int_equal(got->microcode, len >= 116 ? want->microcode : 0);
	assert_int_equal(got->record_len, len);
}

static uint64_t le64_at(const unsigned char *buf, size_t off)
{
	uint64_t v;

	memcpy(&v, buf + off, sizeof(v));
	return le64toh(v);
}

static void test_round_trip(void **state)
{
	static const size_t lens[] = {88, 100, 112, 128, 4096};
	struct mce_record want = sample(5), got;
	unsigned char buf[4096];
	char err[128];
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		memset(buf, 0xaa, sizeof(buf));
		assert_int_equal(mce_record_encode(&want, buf, lens[i]), 0);
		assert_int_equal(
		    mce_record_parse(buf, lens[i], &got, err, sizeof(err)), 0);
		assert_same_record(&want, &got, lens[i]);
		/* the offsets of mce.h, independent of the parser */
		assert_int_equal(le64_at(buf, 0), want.status);
		assert_int_equal(le64_at(buf, 16), want.addr);
		assert_int_equal(buf[56], want.cpuvendor);
		assert_int_equal(buf[65], want.bank);
		assert_int_equal(buf[66], want.extcpu & 0xff);
		assert_int_equal(le64_at(buf, 80), want.mcgcap);
		if (lens[i] >= 112)
			assert_int_equal(le64_at(buf, 104), want.ppin);
		for (j = 128; j < lens[i]; j++)
			assert_int_equal(buf[j], 0);
	}
	assert_int_equal(mce_record_encode(&want, buf, 87), -1);
	assert_int_equal(mce_record_encode(&want, buf, 4097), -1);
}

static void test_parse_rejects_bad_lengths(void **state)
{
	unsigned char buf[8192];
	struct mce_record r;
	char err[128];

	(void)state;
	memset(buf, 0, sizeof(buf));
	assert_int_equal(mce_record_parse(buf, 40, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "record length 40 is shorter than the "
	                         "88-byte struct mce prefix");
	assert_int_equal(mce_record_parse(buf, 4097, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "record length 4097 is longer than 4096 "
	                         "bytes: not a struct mce");
	assert_int_equal(mce_record_parse(buf, 88, &r, err, sizeof(err)), 0);
}

/* What a drain hands out, in order. */
struct sink {
	struct mce_record got[MAX_RECORDS];
	size_t n;
	size_t stop_after; /* 0: never stop */
};

static int collect(void *arg, const struct mce_record *r)
{
	struct sink *s = arg;

	assert_true(s->n < MAX_RECORDS);
	s->got[s->n++] = *r;
	return s->stop_after != 0 && s->n % s->stop_after == 0;
}

static void encode_samples(unsigned char *buf, size_t len, unsigned int first,
                           unsigned int count)
{
	struct mce_record r;
	unsigned int i;

	for (i = 0; i < count; i++) {
		r = sample(first + i);
		assert_int_equal(mce_record_encode(&r, buf + i * len, len), 0);
	}
}

static void assert_samples(const struct sink *s, unsigned int count, size_t len)
{
	struct mce_record want;
	unsigned int i;

	assert_int_equal(s->n, count);
	for (i = 0; i < count; i++) {
		want = sample(i);
		assert_same_record(&want, &s->got[i], len);
	}
}

/* A real pipe: a record split across two writes arrives whole. */
static void test_pipe_split_records(void **state)
{
	unsigned char data[5 * 112];
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];
	int p[2];

	(void)state;
	encode_samples(data, 112, 0, 5);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(mce_reader_open_fd(&rd, p[0], NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(mce_reader_record_len(rd), 112);
	assert_int_equal(write(p[1], data, 280), 280); /* 2.5 records */
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 2);
	assert_int_equal(write(p[1], data + 280, 280), 280);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 3);
	close(p[1]);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	assert_int_equal(mce_reader_finish(rd, err, sizeof(err)), 0);
	assert_samples(&s, 5, 112);
	assert_int_equal(mce_reader_stats(rd)->records, 5);
	assert_int_equal(mce_reader_stats(rd)->reads, 2);
	mce_reader_close(rd);
	close(p[0]);
}

static FILE *temp_file_with(const void *data, size_t len)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fflush(f), 0);
	rewind(f);
	return f;
}

static void test_file_truncated_tail(void **state)
{
	unsigned char data[3 * 128 + 40];
	struct mce_reader_opts opts = {.record_len = 128, .log_len = 0};
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];
	FILE *f;

	(void)state;
	encode_samples(data, 128, 0, 3);
	memset(data + 3 * 128, 0x5a, 40);
	f = temp_file_with(data, sizeof(data));
	assert_int_equal(
	    mce_reader_open_fd(&rd, fileno(f), &opts, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_record_len(rd), 128);
	while (mce_reader_drain(rd, collect, &s, err, sizeof(err)) > 0)
		;
	assert_string_equal(err, "");
	assert_samples(&s, 3, 128);
	assert_int_equal(mce_reader_finish(rd, err, sizeof(err)), -1);
	assert_string_equal(err, "truncated record: 40 bytes left");
	assert_int_equal(mce_reader_stats(rd)->truncated, 40);
	assert_int_equal(mce_reader_finish(rd, err, sizeof(err)), 0);
	mce_reader_close(rd);
	fclose(f);
}

static void test_bad_stream_record_len(void **state)
{
	struct mce_reader_opts opts = {.record_len = 20, .log_len = 0};
	struct mce_reader *rd;
	char err[256];
	FILE *f = temp_file_with("x", 1);

	(void)state;
	assert_int_equal(
	    mce_reader_open_fd(&rd, fileno(f), &opts, err, sizeof(err)), -1);
	assert_null(rd);
	assert_string_equal(err, "record length 20 is outside 88..4096: not a "
	                         "struct mce");
	fclose(f);
}

/*
 * An emulated source. As a device it answers the three ioctls, gives the
 * whole log in one read and refuses a buffer smaller than the log, as
 * the kernel and xen_mcelog do; as a stream it hands out `chunk` bytes.
 */
struct fake_dev {
	bool device;
	int record_len;
	int log_len;
	int flags;
	unsigned char data[MAX_RECORDS * 128 + 128];
	size_t len;
	size_t pos;
	size_t chunk;
	int fail_errno;
	unsigned int reads;
	size_t last_read_len;
};

static ssize_t fake_read(void *ctx, void *buf, size_t len)
{
	struct fake_dev *f = ctx;
	size_t n = f->len - f->pos;

	f->reads++;
	f->last_read_len = len;
	if (f->fail_errno != 0) {
		errno = f->fail_errno;
		return -1;
	}
	if (f->device && len < (size_t)f->log_len * (size_t)f->record_len) {
		errno = EINVAL;
		return -1;
	}
	if (f->chunk != 0 && n > f->chunk)
		n = f->chunk;
	if (n > len)
		n = len;
	memcpy(buf, f->data + f->pos, n);
	f->pos += n;
	return (ssize_t)n;
}

static int fake_ioctl(void *ctx, unsigned long request, int *value)
{
	struct fake_dev *f = ctx;

	if (!f->device) {
		errno = ENOTTY;
		return -1;
	}
	switch (request) {
	case MCE_IOCTL_GET_RECORD_LEN:
		*value = f->record_len;
		return 0;
	case MCE_IOCTL_GET_LOG_LEN:
		*value = f->log_len;
		return 0;
	case MCE_IOCTL_GETCLEAR_FLAGS:
		*value = f->flags;
		f->flags = 0;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct mce_dev_ops fake_ops = {fake_read, fake_ioctl};

static struct fake_dev *fake_device(int record_len, int log_len,
                                    unsigned int records)
{
	struct fake_dev *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->device = true;
	f->record_len = record_len;
	f->log_len = log_len;
	encode_samples(f->data, (size_t)record_len, 0, records);
	f->len = (size_t)record_len * records;
	return f;
}

static void test_stream_ops_chunked(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 10);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];
	ssize_t n;

	(void)state;
	f->device = false;
	f->chunk = 37; /* every record arrives in pieces */
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	while ((n = mce_reader_drain(rd, collect, &s, err, sizeof(err))) > 0)
		;
	assert_int_equal(n, 0);
	assert_samples(&s, 10, 112);
	assert_int_equal(mce_reader_finish(rd, err, sizeof(err)), 0);
	mce_reader_close(rd);
	free(f);
}

/* Without an ioctl function the ops are a stream of the hinted length. */
static void test_stream_ops_without_ioctl(void **state)
{
	static const struct mce_dev_ops read_only = {fake_read, NULL};
	struct mce_reader_opts opts = {.record_len = 88, .log_len = 4};
	struct fake_dev *f = fake_device(88, 32, 6);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];

	(void)state;
	f->device = false;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &read_only, f, &opts, err, sizeof(err)),
	    0);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 4);
	assert_int_equal(f->last_read_len, 4 * 88);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 2);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	assert_samples(&s, 6, 88);
	mce_reader_close(rd);
	free(f);
}

/* The reader must offer exactly log_len * record_len, or get EINVAL. */
static void test_device_buffer_size(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 3);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];

	(void)state;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_record_len(rd), 112);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 3);
	assert_string_equal(err, "");
	assert_int_equal(f->last_read_len, 32 * 112);
	assert_samples(&s, 3, 112);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	mce_reader_close(rd);
	free(f);

	/* A kernel /dev/mcelog: 128-byte records, a longer log. */
	f = fake_device(128, 48, 2);
	s.n = 0;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 2);
	assert_int_equal(f->last_read_len, 48 * 128);
	assert_samples(&s, 2, 128);
	mce_reader_close(rd);
	free(f);
}

static void test_device_overflow(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 32);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];

	(void)state;
	f->flags = MCE_FLAG_OVERFLOW;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 32);
	assert_string_equal(err, "device overflow: records were dropped");
	assert_int_equal(mce_reader_stats(rd)->overflows, 1);
	assert_int_equal(f->flags, 0); /* the reader cleared it */
	assert_samples(&s, 32, 112);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	assert_string_equal(err, "");
	assert_int_equal(mce_reader_stats(rd)->overflows, 1);
	mce_reader_close(rd);
	free(f);
}

/* A torn read: the whole records still go out, the rest is reported. */
static void test_device_partial_read(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 3);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];

	(void)state;
	f->len += 50;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 3);
	assert_string_equal(err, "device returned 386 bytes, not a multiple "
	                         "of the 112-byte record: 50 bytes dropped");
	assert_int_equal(mce_reader_stats(rd)->truncated, 50);
	assert_int_equal(mce_reader_stats(rd)->records, 3);
	assert_samples(&s, 3, 112);
	mce_reader_close(rd);
	free(f);
}

static void test_device_bad_record_len(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 0);
	struct mce_reader *rd;
	char err[256];

	(void)state;
	f->record_len = 20;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), -1);
	assert_null(rd);
	assert_string_equal(
	    err, "device reports record length 20: not a struct mce");
	f->record_len = 8192;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), -1);
	f->record_len = 112;
	f->log_len = 0;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "log length 0"));
	free(f);
}

/* The device already forgot what it handed out: keep what fn declined. */
static void test_callback_stop_keeps_records(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 5);
	struct mce_reader *rd;
	struct sink s = {.n = 0, .stop_after = 2};
	char err[256];

	(void)state;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 2);
	assert_int_equal(f->reads, 1);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 2);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 1);
	assert_int_equal(f->reads, 1);
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	assert_int_equal(f->reads, 2);
	assert_samples(&s, 5, 112);
	mce_reader_close(rd);
	free(f);
}

static void test_read_errors(void **state)
{
	struct fake_dev *f = fake_device(112, 32, 1);
	struct mce_reader *rd;
	struct sink s = {.n = 0};
	char err[256];

	(void)state;
	assert_int_equal(
	    mce_reader_open_ops(&rd, &fake_ops, f, NULL, err, sizeof(err)), 0);
	f->fail_errno = EAGAIN;
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	f->fail_errno = EINTR;
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 0);
	assert_string_equal(err, "");
	f->fail_errno = EIO;
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "Input/output error"));
	f->fail_errno = 0;
	assert_int_equal(mce_reader_drain(rd, collect, &s, err, sizeof(err)),
	                 1);
	assert_int_equal(s.n, 1);
	mce_reader_close(rd);
	free(f);
}

/* n sample records of `len` bytes at buf; returns the bytes written. */
static size_t encode_n(unsigned char *buf, unsigned int n, size_t len)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct mce_record r = sample(i);

		assert_int_equal(mce_record_encode(&r, buf + i * len, len), 0);
	}
	return n * len;
}

static void assert_guess(const unsigned char *buf, size_t size, size_t len,
                         size_t records, size_t leftover, const char *layout)
{
	struct mce_len_guess g;

	assert_int_equal(mce_record_len_guess(buf, size, &g), 0);
	assert_int_equal(g.record_len, len);
	assert_int_equal(g.records, records);
	assert_int_equal(g.plausible, records);
	assert_int_equal(g.leftover, leftover);
	assert_string_equal(g.layout, layout);
}

/*
 * A file's record length from its size and contents: 896 bytes are 7
 * struct mce (128) or 8 struct xen_mce (112), 1408 bytes 11 of 128 or 16
 * of the pre-5.8 88; the records say which.
 */
static void test_len_guess(void **state)
{
	static unsigned char buf[128 * 16];
	size_t n;

	(void)state;
	n = encode_n(buf, 7, 128);
	assert_guess(buf, n, 128, 7, 0, "Linux struct mce");
	memset(buf, 0, sizeof(buf));
	n = encode_n(buf, 8, 112);
	assert_guess(buf, n, 112, 8, 0, "Xen dom0 struct xen_mce");
	memset(buf, 0, sizeof(buf));
	n = encode_n(buf, 16, 88);
	assert_guess(buf, n, 88, 16, 0, "struct mce before Linux 5.8");
	/* a truncated tail: the whole records still tell the length */
	memset(buf, 0, sizeof(buf));
	n = encode_n(buf, 3, 112);
	assert_guess(buf, n + 50, 112, 3, 50, "Xen dom0 struct xen_mce");
	/* one 112-byte record and a tail: 128 would read the next status
	 * where struct mce has padding */
	memset(buf, 0, sizeof(buf));
	n = encode_n(buf, 2, 112);
	assert_guess(buf, 150, 112, 1, 38, "Xen dom0 struct xen_mce");
	/* one record: its 112- and 88-byte prefixes look right too */
	memset(buf, 0, sizeof(buf));
	n = encode_n(buf, 1, 128);
	assert_guess(buf, n, 128, 1, 0, "Linux struct mce");
}

/* Nothing that looks like a machine check at any length: -1. */
static void test_len_guess_nothing(void **state)
{
	static unsigned char buf[128 * 4];
	struct mce_len_guess g;
	struct mce_record r = sample(0);

	(void)state;
	assert_int_equal(mce_record_len_guess(buf, sizeof(buf), &g), -1);
	assert_int_equal(mce_record_len_guess(buf, 0, &g), -1);
	/* VAL set but a vendor the kernel never logs */
	r.cpuvendor = 0xee;
	assert_int_equal(mce_record_encode(&r, buf, 128), 0);
	assert_int_equal(mce_record_len_guess(buf, 128, &g), -1);
	/* or a bank past MCG_CAP's count */
	r = sample(0);
	r.bank = 40;
	assert_int_equal(mce_record_encode(&r, buf, 128), 0);
	assert_int_equal(mce_record_len_guess(buf, 128, &g), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_parse_rejects_bad_lengths),
	    cmocka_unit_test(test_pipe_split_records),
	    cmocka_unit_test(test_file_truncated_tail),
	    cmocka_unit_test(test_bad_stream_record_len),
	    cmocka_unit_test(test_stream_ops_chunked),
	    cmocka_unit_test(test_stream_ops_without_ioctl),
	    cmocka_unit_test(test_device_buffer_size),
	    cmocka_unit_test(test_device_overflow),
	    cmocka_unit_test(test_device_partial_read),
	    cmocka_unit_test(test_device_bad_record_len),
	    cmocka_unit_test(test_callback_stop_keeps_records),
	    cmocka_unit_test(test_read_errors),
	    cmocka_unit_test(test_len_guess),
	    cmocka_unit_test(test_len_guess_nothing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

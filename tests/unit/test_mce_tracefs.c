/* test_mce_tracefs.c - tracefs: real-layout format files, raw pages built
 * byte by byte, mce_record and mc_event decoded by field name. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mce/mce.h"
#include "mce/tracefs.h"

/* Tests run from the repo root; RASD_SRCDIR points elsewhere. */
#ifndef SRCDIR
#define SRCDIR "."
#endif

#define PAGE_SIZE 4096
#define MAX_SEEN  8

/*
 * The format files under tests/data/tracefs follow the kernel's
 * TP_STRUCT__entry with x86_64 alignment (struct trace_entry is 8 bytes):
 *
 *  mce_record-legacy  bank after mcgstatus, no synd/ipid: the layout of
 *                     kernels before synd/ipid were traced
 *  mce_record-6.1     synd, ipid; no ppin/microcode: mainline from at
 *                     least 5.4 (torvalds/linux 5.4-rc2) to 6.9, so 5.10
 *                     and Debian 12's 6.1
 *  mce_record-6.10    ppin and microcode added
 *  mce_record-vdata   plus the v_data __data_loc array (newest mainline)
 *  mc_event-6.1       include/ras/ras_event.h mc_event
 */
static const char *const mce_formats[] = {
    "mce_record-legacy.format",
    "mce_record-6.1.format",
    "mce_record-6.10.format",
    "mce_record-vdata.format",
};

static void repo_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("RASD_SRCDIR");

	if (dir == NULL || *dir == '\0')
		dir = SRCDIR;
	snprintf(buf, len, "%s/tests/data/tracefs/%s", dir, rel);
}

static size_t read_data(const char *name, char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	repo_path(path, sizeof(path), name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	fclose(f);
	buf[n] = '\0';
	return n;
}

static void load_format(const char *name, struct tracefs_format *fmt)
{
	char text[8192], err[TRACEFS_ERROR_LEN] = "";
	size_t len, used = 0;
	int rc;

	len = read_data(name, text, sizeof(text));
	rc =
	    tracefs_format_parse(text, len, name, fmt, &used, err, sizeof(err));
	if (rc != 0)
		fail_msg("%s: %s", name, err);
	assert_int_equal(used, len);
}

/* Parse text expected to fail, and return the message. */
static const char *parse_fails(const char *text, char *err, size_t errlen)
{
	struct tracefs_format fmt;

	assert_int_equal(tracefs_format_parse(text, strlen(text), NULL, &fmt,
	                                      NULL, err, errlen),
	                 -1);
	return err;
}

/* ---- records: fields written by name, as the kernel lays them out ---- */

static void put_le(unsigned char *p, uint64_t v, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void rec_set(const struct tracefs_format *fmt, unsigned char *rec,
                    const char *name, uint64_t v)
{
	const struct tracefs_field *fl = tracefs_field_find(fmt, name);

	if (fl == NULL)
		return; /* this generation lacks it */
	put_le(rec + fl->offset, v, fl->size);
}

/* A __data_loc string at `at`, NUL included as the kernel's __string. */
static void rec_str(const struct tracefs_format *fmt, unsigned char *rec,
                    const char *name, size_t at, const char *s)
{
	const struct tracefs_field *fl = tracefs_field_find(fmt, name);
	size_t n = strlen(s) + 1;

	assert_non_null(fl);
	memcpy(rec + at, s, n);
	put_le(rec + fl->offset, (uint64_t)(n << 16 | at), 4);
}

/* The struct size: past the last field, rounded to 8 like the compiler. */
static size_t rec_size(const struct tracefs_format *fmt)
{
	size_t i, end = 0;

	for (i = 0; i < fmt->n_fields; i++)
		if (fmt->fields[i].offset + fmt->fields[i].size > end)
			end = fmt->fields[i].offset + fmt->fields[i].size;
	return (end + 7) & ~(size_t)7;
}

static size_t mce_rec(const struct tracefs_format *fmt, unsigned char *rec,
                      unsigned cpu, unsigned bank, uint64_t status,
                      uint64_t addr)
{
	size_t len = rec_size(fmt);

	memset(rec, 0, 256);
	rec_set(fmt, rec, "common_type", fmt->id);
	rec_set(fmt, rec, "common_pid", 0);
	rec_set(fmt, rec, "mcgcap", 0x1000c14);
	rec_set(fmt, rec, "status", status);
	rec_set(fmt, rec, "addr", addr);
	rec_set(fmt, rec, "misc", 0x86);
	rec_set(fmt, rec, "synd", 0x5d);
	rec_set(fmt, rec, "ipid", 0x9600050f00);
	rec_set(fmt, rec, "tsc", 0x12345abc);
	rec_set(fmt, rec, "ppin", 0x1234abcd5678ULL);
	rec_set(fmt, rec, "walltime", 1700000000);
	rec_set(fmt, rec, "cpu", cpu);
	rec_set(fmt, rec, "cpuid", 0x50657);
	rec_set(fmt, rec, "apicid", 2 * cpu);
	rec_set(fmt, rec, "socketid", cpu / 16);
	rec_set(fmt, rec, "cs", 0x10);
	rec_set(fmt, rec, "bank", bank);
	rec_set(fmt, rec, "cpuvendor", MCE_VENDOR_INTEL);
	rec_set(fmt, rec, "microcode", 0x2006e05);
	if (tracefs_field_find(fmt, "v_data") != NULL) {
		/* struct mce_hw_err's vendor data: 8 bytes after the struct */
		put_le(rec + len, 0xfeedULL, 8);
		put_le(rec + tracefs_field_find(fmt, "v_data")->offset,
		       (uint64_t)(8u << 16 | len), 4);
		len += 8;
	}
	return len;
}

/* ---- pages, built event by event ---- */

struct page {
	unsigned char b[PAGE_SIZE];
	size_t len; /* header and events so far */
};

static void page_init(struct page *pg, uint64_t ts)
{
	memset(pg, 0, sizeof(*pg));
	put_le(pg->b, ts, 8);
	pg->len = TRACEFS_PAGE_HEADER_LEN;
}

static void page_put32(struct page *pg, uint32_t v)
{
	assert_true(pg->len + 4 <= PAGE_SIZE);
	put_le(pg->b + pg->len, v, 4);
	pg->len += 4;
}

/*
 * As rb_update_event writes it: up to 112 bytes as type_len words,
 * longer data behind a u32 of ALIGN(n, 4) + 4, counting itself.
 */
static void page_event(struct page *pg, const void *data, size_t n,
                       uint32_t delta)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (padded <= 112) {
		page_put32(pg, delta << 5 | (uint32_t)(padded / 4));
	} else {
		page_put32(pg, delta << 5);
		page_put32(pg, (uint32_t)padded + 4);
	}
	assert_true(pg->len + padded <= PAGE_SIZE);
	memcpy(pg->b + pg->len, data, n);
	pg->len += padded;
}

static void page_time(struct page *pg, unsigned type, uint64_t t)
{
	page_put32(pg, (uint32_t)(t & ((1u << 27) - 1)) << 5 | type);
	page_put32(pg, (uint32_t)(t >> 27));
}

/* A discarded event: padding with a nonzero delta and its length. */
static void page_discarded(struct page *pg, uint32_t n)
{
	page_put32(pg, 1u << 5 | 29);
	page_put32(pg, n);
	pg->len += n - 4;
}

static void page_commit(struct page *pg, uint64_t flags)
{
	put_le(pg->b + 8, (pg->len - TRACEFS_PAGE_HEADER_LEN) | flags, 8);
}

/* ---- sinks ---- */

struct seen {
	size_t n_mce, n_mc;
	struct mce_record r[MAX_SEEN];
	uint64_t mce_ts[MAX_SEEN];
	struct tracefs_mc_event e[2];
	uint64_t mc_ts[2];
	size_t stop_after; /* 0: never */
};

static int on_mce(void *arg, const struct mce_record *r, uint64_t ts)
{
	struct seen *s = arg;

	if (s->n_mce < MAX_SEEN) {
		s->r[s->n_mce] = *r;
		s->mce_ts[s->n_mce] = ts;
	}
	s->n_mce++;
	return s->stop_after != 0 && s->n_mce + s->n_mc >= s->stop_after;
}

static int on_mc(void *arg, const struct tracefs_mc_event *e, uint64_t ts)
{
	struct seen *s = arg;

	if (s->n_mc < 2) {
		s->e[s->n_mc] = *e;
		s->mc_ts[s->n_mc] = ts;
	}
	s->n_mc++;
	return s->stop_after != 0 && s->n_mce + s->n_mc >= s->stop_after;
}

static void events_for(struct tracefs_events *ev, const char *mce_file,
                       struct tracefs_format *mce, struct tracefs_format *mc)
{
	char err[TRACEFS_ERROR_LEN] = "";

	tracefs_events_init(ev);
	load_format(mce_file, mce);
	load_format("mc_event-6.1.format", mc);
	if (tracefs_events_add(ev, mce, err, sizeof(err)) != 0 ||
	    tracefs_events_add(ev, mc, err, sizeof(err)) != 0)
		fail_msg("%s: %s", mce_file, err);
}

/* ---- format files ---- */

static void test_parse_real_formats(void **state)
{
	struct tracefs_format fmt;
	const struct tracefs_field *fl;

	(void)state;
	load_format("mce_record-6.1.format", &fmt);
	assert_string_equal(fmt.name, "mce_record");
	assert_int_equal(fmt.id, 112);
	assert_int_equal(fmt.n_fields, 4 + 17);
	fl = &fmt.fields[0];
	assert_string_equal(fl->name, "common_type");
	assert_string_equal(fl->type, "unsigned short");
	assert_int_equal(fl->offset, 0);
	assert_int_equal(fl->size, 2);
	assert_true(fl->common);
	fl = tracefs_field_find(&fmt, "common_pid");
	assert_true(fl->is_signed);
	fl = tracefs_field_find(&fmt, "status");
	assert_string_equal(fl->type, "u64");
	assert_int_equal(fl->offset, 24);
	assert_int_equal(fl->size, 8);
	assert_false(fl->common || fl->dynamic || fl->array || fl->is_signed);
	fl = tracefs_field_find(&fmt, "bank");
	assert_int_equal(fl->offset, 105);
	assert_null(tracefs_field_find(&fmt, "ppin"));

	load_format("mce_record-6.10.format", &fmt);
	assert_int_equal(tracefs_field_find(&fmt, "ppin")->offset, 80);
	assert_int_equal(tracefs_field_find(&fmt, "microcode")->offset, 116);

	load_format("mce_record-vdata.format", &fmt);
	fl = tracefs_field_find(&fmt, "v_data");
	assert_string_equal(fl->type, "__data_loc u8[]");
	assert_true(fl->dynamic);
	assert_false(fl->relative || fl->array);

	load_format("mce_record-legacy.format", &fmt);
	assert_int_equal(tracefs_field_find(&fmt, "bank")->offset, 24);
	assert_null(tracefs_field_find(&fmt, "synd"));

	load_format("mc_event-6.1.format", &fmt);
	assert_string_equal(fmt.name, "mc_event");
	fl = tracefs_field_find(&fmt, "label");
	assert_string_equal(fl->type, "__data_loc char[]");
	assert_true(fl->dynamic);
	assert_int_equal(fl->size, 4);
	fl = tracefs_field_find(&fmt, "top_layer");
	assert_string_equal(fl->type, "s8");
	assert_true(fl->is_signed);
	assert_int_equal(tracefs_field_find(&fmt, "address")->size, 8);
}

/* Arrays, symbolic dimensions, __rel_loc, fields in any order, and an
 * attribute a newer kernel might add. */
static void test_parse_field_kinds(void **state)
{
	static const char text[] =
	    "name: sched_switch\r\n"
	    "ID: 316\n"
	    "format:\n"
	    "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\t"
	    "signed:0;\n"
	    "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	    "\tfield:__u8 saddr[sizeof(struct sockaddr_in6)];\toffset:24;\t"
	    "size:28;\tsigned:0;\n"
	    "\tfield:int grid[2][3];\toffset:52;\tsize:24;\tsigned:1;\n"
	    "\tfield:char buf[];\toffset:76;\tsize:0;\tsigned:0;\n"
	    "\tfield:__rel_loc char[] name;\tsize:4;\toffset:80;\t"
	    "signed:0;\tfuture:7;\n"
	    "\tfield:const char * ptr;\toffset:88;\tsize:8;\tsigned:0;\n"
	    "\n"
	    "print fmt: \"field:garbage;\", REC->prev_comm\n"
	    "name: trailing\n";
	struct tracefs_format fmt;
	const struct tracefs_field *fl;
	char err[TRACEFS_ERROR_LEN] = "";
	size_t used = 0;

	(void)state;
	assert_int_equal(tracefs_format_parse(text, sizeof(text) - 1, "t", &fmt,
	                                      &used, err, sizeof(err)),
	                 0);
	/* Stops after print fmt: the next file starts at "name: trailing". */
	assert_string_equal(text + used, "name: trailing\n");
	fl = tracefs_field_find(&fmt, "prev_comm");
	assert_true(fl->array);
	assert_int_equal(fl->array_len, 16);
	assert_string_equal(fl->type, "char[16]");
	fl = tracefs_field_find(&fmt, "saddr");
	assert_true(fl->array);
	assert_int_equal(fl->array_len, 0);
	assert_string_equal(fl->type, "__u8[sizeof(struct sockaddr_in6)]");
	fl = tracefs_field_find(&fmt, "grid");
	assert_int_equal(fl->array_len, 6);
	assert_string_equal(fl->type, "int[2][3]");
	fl = tracefs_field_find(&fmt, "buf");
	assert_true(fl->array);
	assert_int_equal(fl->size, 0);
	fl = tracefs_field_find(&fmt, "name");
	assert_true(fl->dynamic);
	assert_true(fl->relative);
	assert_int_equal(fl->offset, 80);
	fl = tracefs_field_find(&fmt, "ptr");
	assert_string_equal(fl->type, "const char *");
}

static void test_format_errors(void **state)
{
	char text[8192], bad[8192], err[TRACEFS_ERROR_LEN];
	struct tracefs_format fmt;
	char *p;

	(void)state;
	read_data("mce_record-6.1.format", text, sizeof(text));
	/* Line 12 is addr's. */
	snprintf(bad, sizeof(bad), "%s", text);
	p = strstr(bad, "offset:32;");
	memmove(p, p + 10, strlen(p + 10) + 1);
	assert_string_equal(parse_fails(bad, err, sizeof(err)),
	                    "format:12: no offset");
	snprintf(bad, sizeof(bad), "%s", text);
	p = strstr(bad, "size:8;");
	memcpy(p, "size:x;", 7);
	assert_string_equal(parse_fails(bad, err, sizeof(err)),
	                    "format:9: bad size value for field mcgcap");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\n\tfield:u64 x\n", err,
	                sizeof(err)),
	    "format:4: field without ';'");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\n\tfield:u64 x;\toffset:0;\n",
	                err, sizeof(err)),
	    "format:4: no size");
	assert_string_equal(parse_fails("name: a\nformat:\n", err, sizeof(err)),
	                    "format:2: no ID: line");
	assert_string_equal(
	    parse_fails("name: a\nID: 70000\n", err, sizeof(err)),
	    "format:2: bad ID: want 0..65535");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\n\tfield:u8 x;\toffset:0;\tsize:1;\n",
	                err, sizeof(err)),
	    "format:3: field before the format: line");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\n\tfield:u8 x;\toffset:0;\t"
	                "size:1;\n\tfield:u8 x;\toffset:1;\tsize:1;\n",
	                err, sizeof(err)),
	    "format:5: duplicate field x");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\n\tfield:__data_loc char[] s;"
	                "\toffset:8;\tsize:8;\n",
	                err, sizeof(err)),
	    "format:4: dynamic field s has size 8, want 4");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\n\tfield:u8;\toffset:0;\t"
	                "size:1;\n",
	                err, sizeof(err)),
	    "format:4: no type for field u8");
	assert_string_equal(
	    parse_fails("name: a\nID: 1\nformat:\nhello\n", err, sizeof(err)),
	    "format:4: unexpected line in format");
	assert_string_equal(parse_fails("", err, sizeof(err)),
	                    "format:0: no name: line");
	/* A message always fits, however small the buffer. */
	assert_int_equal(tracefs_format_parse("x", 1, NULL, &fmt, NULL, err, 8),
	                 -1);
	assert_int_equal(strlen(err), 7);
}

static void test_field_access(void **state)
{
	struct tracefs_format fmt;
	unsigned char rec[128];
	const unsigned char *data;
	size_t n;
	uint64_t v;

	(void)state;
	load_format("mc_event-6.1.format", &fmt);
	memset(rec, 0, sizeof(rec));
	rec_set(&fmt, rec, "top_layer", 0xff);
	rec_set(&fmt, rec, "error_count", 0xfffe);
	rec_str(&fmt, rec, "label", 64, "DIMM_A1");
	assert_int_equal(
	    tracefs_field_u64(tracefs_field_find(&fmt, "top_layer"), rec,
	                      sizeof(rec), &v),
	    0);
	assert_int_equal(v, UINT64_MAX); /* s8 -1, sign-extended */
	assert_int_equal(
	    tracefs_field_u64(tracefs_field_find(&fmt, "error_count"), rec,
	                      sizeof(rec), &v),
	    0);
	assert_int_equal(v, 0xfffe);
	assert_int_equal(tracefs_field_dyn(tracefs_field_find(&fmt, "label"),
	                                   rec, sizeof(rec), &data, &n),
	                 0);
	assert_int_equal(n, 8);
	assert_string_equal((const char *)data, "DIMM_A1");
	/* Outside the record, or the wrong kind of field: refused. */
	assert_int_equal(tracefs_field_dyn(tracefs_field_find(&fmt, "label"),
	                                   rec, 70, &data, &n),
	                 -1);
	assert_int_equal(tracefs_field_u64(tracefs_field_find(&fmt, "label"),
	                                   rec, sizeof(rec), &v),
	                 -1);
	assert_int_equal(tracefs_field_u64(tracefs_field_find(&fmt, "syndrome"),
	                                   rec, 50, &v),
	                 -1);
}

/* ---- binding ---- */

static void edit(char *text, const char *from, const char *to)
{
	char *p = strstr(text, from);
	size_t a = strlen(from), b = strlen(to);

	assert_non_null(p);
	memmove(p + b, p + a, strlen(p + a) + 1);
	memcpy(p, to, b);
}

static const char *bind_fails(const char *text, char *err, size_t errlen)
{
	struct tracefs_format fmt;
	struct tracefs_mce_map map;
	char perr[TRACEFS_ERROR_LEN] = "";

	if (tracefs_format_parse(text, strlen(text), NULL, &fmt, NULL, perr,
	                         sizeof(perr)) != 0)
		fail_msg("%s", perr);
	assert_int_equal(tracefs_mce_bind(&fmt, &map, err, errlen), -1);
	return err;
}

static void test_bind_errors(void **state)
{
	char text[8192], bad[8192], err[TRACEFS_ERROR_LEN];
	struct tracefs_format fmt;
	struct tracefs_mc_map mc;

	(void)state;
	read_data("mce_record-6.1.format", text, sizeof(text));
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u64 status;", "u64 mci_status;");
	assert_string_equal(bind_fails(bad, err, sizeof(err)),
	                    "mce_record: no field status");
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u8 bank;", "u8 mc_bank;");
	assert_string_equal(bind_fails(bad, err, sizeof(err)),
	                    "mce_record: no field bank");
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u32 cpu;", "u32 extcpu;");
	assert_string_equal(bind_fails(bad, err, sizeof(err)),
	                    "mce_record: no field cpu");
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u64 status;\toffset:24;\tsize:8;",
	     "u32 status;\toffset:24;\tsize:4;");
	assert_string_equal(bind_fails(bad, err, sizeof(err)),
	                    "mce_record: field status has size 4, want 8");
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u32 socketid;\toffset:100;\tsize:4;",
	     "u16 socketid;\toffset:100;\tsize:2;");
	assert_string_equal(bind_fails(bad, err, sizeof(err)),
	                    "mce_record: field socketid has size 2, want 4");
	snprintf(bad, sizeof(bad), "%s", text);
	edit(bad, "u64 addr;", "u64 addr[1];");
	assert_string_equal(
	    bind_fails(bad, err, sizeof(err)),
	    "mce_record: field addr is an array, want a number");

	read_data("mc_event-6.1.format", text, sizeof(text));
	edit(text, "__data_loc char[] label;", "char label[4];");
	assert_int_equal(tracefs_format_parse(text, strlen(text), NULL, &fmt,
	                                      NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(tracefs_mc_bind(&fmt, &mc, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "mc_event: field label is not a __data_loc string");
}

/* A missing optional field stays 0; the others still decode. */
static void test_optional_fields_absent(void **state)
{
	struct tracefs_format fmt;
	struct tracefs_mce_map map;
	struct mce_record r;
	unsigned char rec[256];
	char err[TRACEFS_ERROR_LEN] = "";
	size_t len;

	(void)state;
	load_format("mce_record-legacy.format", &fmt);
	assert_int_equal(tracefs_mce_bind(&fmt, &map, err, sizeof(err)), 0);
	len = mce_rec(&fmt, rec, 3, 7, 0x9c00004000010090ULL, 0x2345000);
	assert_int_equal(
	    tracefs_mce_decode(&map, rec, len, &r, err, sizeof(err)), 0);
	assert_int_equal(r.status, 0x9c00004000010090ULL);
	assert_int_equal(r.bank, 7);
	assert_int_equal(r.extcpu, 3);
	assert_int_equal(r.synd, 0);
	assert_int_equal(r.ipid, 0);
	assert_int_equal(r.ppin, 0);
	assert_int_equal(r.microcode, 0);
	assert_int_equal(r.record_len, 0);
	/* A record cut before its last field is refused, not read past. */
	assert_int_equal(
	    tracefs_mce_decode(&map, rec, 100, &r, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "mce_record: record of 100 bytes, its fields need 105");
}

/* ---- pages ---- */

/* Every generation: records round-trip through a page. */
static void test_mce_roundtrip(void **state)
{
	struct tracefs_format mce, mc;
	struct tracefs_events ev;
	struct tracefs_page_result res;
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct page pg;
	struct seen s;
	unsigned char rec[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(mce_formats) / sizeof(mce_formats[0]); i++) {
		events_for(&ev, mce_formats[i], &mce, &mc);
		memset(&s, 0, sizeof(s));
		sink.arg = &s;
		page_init(&pg, 1000000);
		len =
		    mce_rec(&mce, rec, 3, 7, 0x9c00004000010090ULL, 0x2345000);
		page_event(&pg, rec, len, 10);
		len =
		    mce_rec(&mce, rec, 33, 4, 0xbd80000000100134ULL, 0x7654000);
		page_event(&pg, rec, len, 20);
		page_commit(&pg, 0);
		assert_int_equal(
		    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res),
		    0);
		assert_int_equal(res.n_errors, 0);
		assert_int_equal(res.mce, 2);
		assert_int_equal(res.page.events, 2);
		assert_int_equal(s.n_mce, 2);
		assert_int_equal(s.r[0].status, 0x9c00004000010090ULL);
		assert_int_equal(s.r[0].addr, 0x2345000);
		assert_int_equal(s.r[0].bank, 7);
		assert_int_equal(s.r[0].extcpu, 3);
		assert_int_equal(s.r[0].socketid, 0);
		assert_int_equal(s.r[0].apicid, 6);
		assert_int_equal(s.r[0].misc, 0x86);
		assert_int_equal(s.r[0].mcgcap, 0x1000c14);
		assert_int_equal(s.r[0].tsc, 0x12345abc);
		assert_int_equal(s.r[0].time, 1700000000);
		assert_int_equal(s.r[0].cpuid, 0x50657);
		assert_int_equal(s.r[0].cs, 0x10);
		assert_int_equal(s.r[1].status, 0xbd80000000100134ULL);
		assert_int_equal(s.r[1].addr, 0x7654000);
		assert_int_equal(s.r[1].bank, 4);
		assert_int_equal(s.r[1].extcpu, 33);
		assert_int_equal(s.r[1].socketid, 2);
		assert_int_equal(s.mce_ts[0], 1000010);
		assert_int_equal(s.mce_ts[1], 1000030);
		if (tracefs_field_find(&mce, "ppin") != NULL) {
			assert_int_equal(s.r[0].ppin, 0x1234abcd5678ULL);
			assert_int_equal(s.r[0].microcode, 0x2006e05);
		} else {
			assert_int_equal(s.r[0].ppin, 0);
		}
		if (tracefs_field_find(&mce, "synd") != NULL) {
			assert_int_equal(s.r[0].synd, 0x5d);
			assert_int_equal(s.r[0].ipid, 0x9600050f00);
		}
	}
}

/* The third event claims more bytes than the commit holds. */
static void test_truncated_event(void **state)
{
	struct tracefs_format mce, mc;
	struct tracefs_events ev;
	struct tracefs_page_result res;
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct page pg;
	struct seen s;
	unsigned char rec[256];
	size_t len, bad_at;

	(void)state;
	events_for(&ev, "mce_record-6.1.format", &mce, &mc);
	memset(&s, 0, sizeof(s));
	sink.arg = &s;
	page_init(&pg, 5);
	len = mce_rec(&mce, rec, 1, 2, 0x9c00004000010090ULL, 0x1000);
	page_event(&pg, rec, len, 1);
	page_event(&pg, rec, len, 1);
	bad_at = pg.len;
	page_event(&pg, rec, len, 1);
	pg.len -= 40; /* the commit ends inside the third */
	page_commit(&pg, 0);
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), -1);
	assert_true(res.malformed);
	assert_int_equal(res.mce, 2);
	assert_int_equal(s.n_mce, 2);
	assert_int_equal(bad_at, 16 + 2 * 116);
	assert_int_equal(res.page.end, bad_at);
	assert_int_equal(res.n_errors, 1);
	assert_string_equal(res.errors[0], "page offset 248: event of 116 "
	                                   "bytes runs past the commit (76 "
	                                   "left)");

	/* A header cut in two. */
	page_init(&pg, 5);
	page_event(&pg, rec, len, 1);
	pg.len += 2;
	page_commit(&pg, 0);
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), -1);
	assert_int_equal(res.mce, 1);
	assert_string_equal(res.errors[0], "page offset 132: event header of "
	                                   "4 bytes runs past the commit (2 "
	                                   "left)");
}

static void test_page_header_errors(void **state)
{
	struct tracefs_page_info info;
	struct page pg;
	char err[TRACEFS_ERROR_LEN];

	(void)state;
	page_init(&pg, 1);
	assert_int_equal(
	    tracefs_page_walk(pg.b, 12, NULL, NULL, &info, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "page offset 0: page of 12 bytes, shorter "
	                         "than its 16-byte header");
	put_le(pg.b + 8, 200, 8);
	assert_int_equal(
	    tracefs_page_walk(pg.b, 64, NULL, NULL, &info, err, sizeof(err)),
	    -1);
	assert_string_equal(err, "page offset 8: commit 200 past the page's 48 "
	                         "data bytes");
	/* An empty page is fine. */
	put_le(pg.b + 8, 0, 8);
	assert_int_equal(
	    tracefs_page_walk(pg.b, 16, NULL, NULL, &info, err, sizeof(err)),
	    0);
	assert_int_equal(info.events, 0);
	assert_int_equal(
	    tracefs_page_walk(NULL, 99, NULL, NULL, &info, err, sizeof(err)),
	    -1);
}

static int count_event(void *arg, const unsigned char *data, size_t len,
                       uint64_t ts)
{
	uint64_t *log = arg;

	(void)data;
	log[0]++;
	log[log[0] * 2 - 1] = len;
	log[log[0] * 2] = ts;
	return 0;
}

/* Time extends add, absolute stamps replace, padding is skipped. */
static void test_time_and_padding(void **state)
{
	struct tracefs_page_info info;
	struct page pg;
	unsigned char data[200];
	uint64_t log[16];
	char err[TRACEFS_ERROR_LEN] = "";

	(void)state;
	memset(data, 0xab, sizeof(data));
	memset(log, 0, sizeof(log));
	page_init(&pg, 0x100000000ULL);
	page_event(&pg, data, 6, 7);          /* ts +7 */
	page_time(&pg, 30, (5ULL << 27) + 3); /* extend */
	page_event(&pg, data, 200, 0);        /* long */
	page_discarded(&pg, 24);              /* skipped */
	page_time(&pg, 31, 0x7000000000ULL);  /* absolute */
	page_event(&pg, data, 8, 2);
	page_put32(&pg, 29); /* end pad */
	page_put32(&pg, 0xffffffff);
	page_commit(&pg, 1ULL << 31 | 1ULL << 30);
	put_le(pg.b + pg.len, 42, 8); /* the lost count, after the data */
	assert_int_equal(tracefs_page_walk(pg.b, sizeof(pg.b), count_event, log,
	                                   &info, err, sizeof(err)),
	                 0);
	assert_int_equal(log[0], 3);
	assert_int_equal(log[1], 8); /* 6 bytes, rounded to words */
	assert_int_equal(log[2], 0x100000000ULL + 7);
	assert_int_equal(log[3], 200);
	assert_int_equal(log[4], 0x100000000ULL + 7 + (5ULL << 27) + 3);
	assert_int_equal(log[5], 8);
	assert_int_equal(log[6], 0x7000000000ULL + 2);
	assert_true(info.missed);
	assert_true(info.lost_known);
	assert_int_equal(info.lost, 42);
	assert_int_equal(info.timestamp, 0x100000000ULL);
	assert_int_equal(info.end, pg.len);

	/* Lost, count not stored. */
	page_commit(&pg, 1ULL << 31);
	assert_int_equal(tracefs_page_walk(pg.b, sizeof(pg.b), count_event,
	                                   memset(log, 0, sizeof(log)), &info,
	                                   err, sizeof(err)),
	                 0);
	assert_true(info.missed);
	assert_false(info.lost_known);

	/* A long event whose length word says it holds nothing. */
	page_init(&pg, 0);
	page_put32(&pg, 0);
	page_put32(&pg, 4);
	page_commit(&pg, 0);
	assert_int_equal(tracefs_page_walk(pg.b, sizeof(pg.b), count_event,
	                                   memset(log, 0, sizeof(log)), &info,
	                                   err, sizeof(err)),
	                 -1);
	assert_string_equal(err,
	                    "page offset 16: event length 4 holds no data");
}

/* mce, mc and unknown events on one page, each to its decoder. */
static void test_dispatch_mc_event(void **state)
{
	struct tracefs_format mce, mc;
	struct tracefs_events ev;
	struct tracefs_page_result res;
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct page pg;
	struct seen s;
	unsigned char rec[256];
	size_t len;

	(void)state;
	events_for(&ev, "mce_record-vdata.format", &mce, &mc);
	memset(&s, 0, sizeof(s));
	sink.arg = &s;
	page_init(&pg, 100);

	memset(rec, 0, sizeof(rec));
	rec_set(&mc, rec, "common_type", mc.id);
	rec_set(&mc, rec, "error_type", TRACEFS_MC_CORRECTED);
	rec_set(&mc, rec, "error_count", 3);
	rec_set(&mc, rec, "mc_index", 1);
	rec_set(&mc, rec, "top_layer", 2);
	rec_set(&mc, rec, "middle_layer", 0);
	rec_set(&mc, rec, "lower_layer", (uint64_t)-1);
	rec_set(&mc, rec, "address", 0x12345000);
	rec_set(&mc, rec, "grain_bits", 6);
	rec_set(&mc, rec, "syndrome", 0x5a);
	rec_str(&mc, rec, "msg", 64, "memory read error");
	rec_str(&mc, rec, "label", 82, "CPU_SrcID#0_MC#1_Chan#2_DIMM#0");
	rec_str(&mc, rec, "driver_detail", 113, "rank:1 bg:0 ba:2\nrow:3");
	page_event(&pg, rec, 136, 1);

	len = mce_rec(&mce, rec, 8, 9, 0x9c00004000010090ULL, 0x12345000);
	page_event(&pg, rec, len, 1);

	memset(rec, 0, 16);
	put_le(rec, 999, 2); /* an event nobody decodes */
	page_event(&pg, rec, 16, 1);
	page_commit(&pg, 0);

	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), 0);
	assert_int_equal(res.mc, 1);
	assert_int_equal(res.mce, 1);
	assert_int_equal(res.unknown, 1);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(s.n_mc, 1);
	assert_int_equal(s.e[0].error_type, TRACEFS_MC_CORRECTED);
	assert_string_equal(tracefs_mc_err_name(s.e[0].error_type),
	                    "Corrected");
	assert_int_equal(s.e[0].error_count, 3);
	assert_int_equal(s.e[0].mc_index, 1);
	assert_int_equal(s.e[0].top_layer, 2);
	assert_int_equal(s.e[0].middle_layer, 0);
	assert_int_equal(s.e[0].lower_layer, -1);
	assert_int_equal(s.e[0].address, 0x12345000);
	assert_int_equal(s.e[0].grain_bits, 6);
	assert_int_equal(s.e[0].syndrome, 0x5a);
	assert_string_equal(s.e[0].label, "CPU_SrcID#0_MC#1_Chan#2_DIMM#0");
	assert_string_equal(s.e[0].msg, "memory read error");
	/* A newline would split a syslog line: made harmless. */
	assert_string_equal(s.e[0].driver_detail, "rank:1 bg:0 ba:2?row:3");
	assert_false(s.e[0].truncated);
	assert_int_equal(s.mc_ts[0], 101);
	assert_int_equal(s.r[0].addr, 0x12345000);
	assert_int_equal(s.r[0].extcpu, 8);
	assert_int_equal(s.mce_ts[0], 102);
}

/* A bad string location rejects that event only; the page goes on. */
static void test_mc_event_bad_string(void **state)
{
	struct tracefs_format mce, mc;
	struct tracefs_events ev;
	struct tracefs_page_result res;
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct page pg;
	struct seen s;
	unsigned char rec[256], big[512];

	(void)state;
	events_for(&ev, "mce_record-6.1.format", &mce, &mc);
	memset(&s, 0, sizeof(s));
	sink.arg = &s;
	page_init(&pg, 0);
	memset(rec, 0, sizeof(rec));
	rec_set(&mc, rec, "common_type", mc.id);
	rec_set(&mc, rec, "label", 60u << 16 | 64); /* 60 bytes at 64 */
	page_event(&pg, rec, 96, 0);
	/* No msg and no NUL: a label of exactly its bytes. */
	memset(rec, 0, sizeof(rec));
	rec_set(&mc, rec, "common_type", mc.id);
	memcpy(rec + 64, "DIMM_B2", 7);
	rec_set(&mc, rec, "label", 7u << 16 | 64);
	page_event(&pg, rec, 72, 0);
	page_commit(&pg, 0);
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), 0);
	assert_int_equal(res.rejected, 1);
	assert_int_equal(res.mc, 1);
	assert_string_equal(res.errors[0],
	                    "page offset 20: mc_event: field label: data "
	                    "outside the 96-byte record");
	assert_string_equal(s.e[0].label, "DIMM_B2");
	assert_string_equal(s.e[0].msg, "");

	/* A label longer than kept is cut, and says so. */
	page_init(&pg, 0);
	memset(big, 0, sizeof(big));
	rec_set(&mc, big, "common_type", mc.id);
	memset(big + 64, 'L', 400);
	rec_set(&mc, big, "label", 401u << 16 | 64);
	page_event(&pg, big, 468, 0);
	page_commit(&pg, 0);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), 0);
	assert_int_equal(strlen(s.e[0].label), TRACEFS_MC_LABEL_MAX - 1);
	assert_true(s.e[0].truncated);
}

/* Before 3.10 mc_event had no error_count: each event is one error. */
static void test_mc_event_without_count(void **state)
{
	char text[8192], err[TRACEFS_ERROR_LEN] = "";
	struct tracefs_format fmt;
	struct tracefs_mc_map map;
	struct tracefs_mc_event e;
	unsigned char rec[128];

	(void)state;
	read_data("mc_event-6.1.format", text, sizeof(text));
	edit(text, "\tfield:u16 error_count;\toffset:20;\tsize:2;\tsigned:0;\n",
	     "");
	assert_int_equal(tracefs_format_parse(text, strlen(text), NULL, &fmt,
	                                      NULL, err, sizeof(err)),
	                 0);
	assert_int_equal(tracefs_mc_bind(&fmt, &map, err, sizeof(err)), 0);
	memset(rec, 0, sizeof(rec));
	rec_set(&fmt, rec, "error_type", TRACEFS_MC_UNCORRECTED);
	rec_str(&fmt, rec, "label", 64, "DIMM_C3");
	assert_int_equal(tracefs_mc_decode(&map, rec, 72, &e, err, sizeof(err)),
	                 0);
	assert_int_equal(e.error_count, 1);
	assert_string_equal(e.label, "DIMM_C3");
	assert_string_equal(tracefs_mc_err_name(e.error_type), "Uncorrected");
	assert_string_equal(tracefs_mc_err_name(77), "Unknown");
}

static void test_events_add_and_stop(void **state)
{
	struct tracefs_format mce, mc, other;
	struct tracefs_events ev;
	struct tracefs_page_result res;
	struct tracefs_sink sink = {on_mce, on_mc, NULL};
	struct page pg;
	struct seen s;
	unsigned char rec[256];
	char err[TRACEFS_ERROR_LEN] = "";
	size_t len;

	(void)state;
	events_for(&ev, "mce_record-6.10.format", &mce, &mc);
	/* Not ours: nothing bound. */
	other = mc;
	snprintf(other.name, sizeof(other.name), "aer_event");
	assert_int_equal(tracefs_events_add(&ev, &other, err, sizeof(err)), 1);
	/* The same ID for a second event is a broken tracefs. */
	other = mc;
	other.id = mce.id;
	assert_int_equal(tracefs_events_add(&ev, &other, err, sizeof(err)), -1);
	assert_string_equal(err, "mc_event: ID 118 already taken by "
	                         "mce_record");
	/* common_type elsewhere than in the other formats. */
	other = mc;
	other.fields[0].offset = 4;
	assert_int_equal(tracefs_events_add(&ev, &other, err, sizeof(err)), -1);
	assert_string_equal(err, "mc_event: common_type at 4 size 2, other "
	                         "events at 0 size 2");
	assert_int_equal(ev.mc.id, mc.id); /* unchanged */

	/* The sink stops after the second record of three. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 2;
	sink.arg = &s;
	page_init(&pg, 0);
	len = mce_rec(&mce, rec, 1, 1, 1, 0);
	page_event(&pg, rec, len, 0);
	page_event(&pg, rec, len, 0);
	page_event(&pg, rec, len, 0);
	page_commit(&pg, 0);
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), &sink, &res), 0);
	assert_int_equal(s.n_mce, 2);
	assert_int_equal(res.page.stopped, 1);

	/* Without a sink or bound events nothing breaks. */
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), NULL, &res), 0);
	assert_int_equal(res.mce, 3);
	tracefs_events_init(&ev);
	assert_int_equal(
	    tracefs_page_decode(&ev, pg.b, sizeof(pg.b), NULL, &res), 0);
	assert_int_equal(res.unknown, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_real_formats),
	    cmocka_unit_test(test_parse_field_kinds),
	    cmocka_unit_test(test_format_errors),
	    cmocka_unit_test(test_field_access),
	    cmocka_unit_test(test_bind_errors),
	    cmocka_unit_test(test_optional_fields_absent),
	    cmocka_unit_test(test_mce_roundtrip),
	    cmocka_unit_test(test_truncated_event),
	    cmocka_unit_test(test_page_header_errors),
	    cmocka_unit_test(test_time_and_padding),
	    cmocka_unit_test(test_dispatch_mc_event),
	    cmocka_unit_test(test_mc_event_bad_string),
	    cmocka_unit_test(test_mc_event_without_count),
	    cmocka_unit_test(test_events_add_and_stop),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

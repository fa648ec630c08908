/* test_pcie_tracefs.c - ras:aer_event, the cxl:* error events and
 * ras:extlog_mem_event: a real ring page, real formats, and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mce/extlog.h"
#include "mce/tracefs.h"
#include "pcie/pcie.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define PAGE_SIZE 4096
#define REC_MAX   1024

/*
 * tests/data/tracefs:
 *  aer_event-6.1.format, extlog_mem_event-6.1.format  read from Debian
 *      12's linux-image-6.1.0-57-amd64 booted under QEMU
 *  aer_event-6.1.page  that kernel's cpu0 trace_pipe_raw after QEMU's
 *      pcie_aer_inject_error on an ioh3420 root port (COMP_TIME, then
 *      POISON_TLP and MALF_TLP with header words)
 *  cxl_*-6.2/6.3/upstream  Linux 6.1 has no cxl events: these follow
 *      drivers/cxl/core/trace.h's TP_STRUCT__entry of 6.2 (dev_name),
 *      6.3 (memdev, host, serial) and mainline (media, DRAM records)
 *      with x86_64 alignment
 */

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

static void load_text(const char *name, const char *text, size_t len,
                      struct tracefs_format *fmt)
{
	char err[TRACEFS_ERROR_LEN] = "";
	size_t used = 0;

	if (tracefs_format_parse(text, len, name, fmt, &used, err,
	                         sizeof(err)) != 0)
		fail_msg("%s: %s", name, err);
	/* aer_event's print fmt goes on over a second line. */
	assert_int_equal(used, len);
}

static void load_format(const char *name, struct tracefs_format *fmt)
{
	char text[8192];
	size_t len = read_data(name, text, sizeof(text));

	load_text(name, text, len, fmt);
}

/* The page as the hex file gives it, zero past its lines. */
static void load_page(const char *name, unsigned char *page)
{
	char text[8192], *line, *save = NULL;
	size_t n = 0;
	unsigned v;
	int used;

	memset(page, 0, PAGE_SIZE);
	read_data(name, text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		while (sscanf(line, "%2x%n", &v, &used) == 1 && n < PAGE_SIZE) {
			page[n++] = (unsigned char)v;
			line += used;
		}
	}
	assert_true(n > TRACEFS_PAGE_HEADER_LEN);
}

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

	assert_non_null(fl);
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

static size_t rec_size(const struct tracefs_format *fmt)
{
	size_t i, end = 0;

	for (i = 0; i < fmt->n_fields; i++)
		if (fmt->fields[i].offset + fmt->fields[i].size > end)
			end = fmt->fields[i].offset + fmt->fields[i].size;
	return (end + 7) & ~(size_t)7;
}

static void bind_ok(const struct tracefs_format *fmt, struct pcie_binding *b)
{
	char err[TRACEFS_ERROR_LEN] = "";

	if (pcie_bind(fmt, b, err, sizeof(err)) != 1)
		fail_msg("%s: %s", fmt->name, err);
}

/* ---- the real page ---- */

struct walked {
	const struct tracefs_format *fmt;
	const struct pcie_binding *b;
	size_t n;
	struct pcie_event e[4];
};

static int on_event(void *arg, const unsigned char *data, size_t len,
                    uint64_t ts)
{
	struct walked *w = arg;
	char err[TRACEFS_ERROR_LEN] = "";
	uint64_t type;

	(void)ts;
	assert_int_equal(
	    tracefs_field_u64(tracefs_field_find(w->fmt, "common_type"), data,
	                      len, &type),
	    0);
	assert_int_equal(type, w->fmt->id);
	assert_true(w->n < 4);
	if (pcie_decode(w->b, data, len, &w->e[w->n], err, sizeof(err)) != 0)
		fail_msg("%s", err);
	w->n++;
	return 0;
}

static void test_real_aer_page(void **state)
{
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct tracefs_page_info info;
	unsigned char page[PAGE_SIZE];
	struct walked w;
	char err[TRACEFS_ERROR_LEN] = "", text[256];
	static const uint32_t tlp2[4] = {0x0100004a, 0x0f000001, 0x0010bffe, 0};

	(void)state;
	load_format("aer_event-6.1.format", &fmt);
	assert_int_equal(fmt.id, 1224);
	bind_ok(&fmt, &b);
	assert_string_equal(b.tb.note, "");
	load_page("aer_event-6.1.page", page);
	memset(&w, 0, sizeof(w));
	w.fmt = &fmt;
	w.b = &b;
	assert_int_equal(tracefs_page_walk(page, PAGE_SIZE, on_event, &w, &info,
	                                   err, sizeof(err)),
	                 0);
	assert_int_equal(info.commit, 184);
	assert_int_equal(w.n, 3);
	assert_string_equal(w.e[0].device, "0000:00:02.0");
	assert_int_equal(w.e[0].severity, PCIE_NONFATAL);
	assert_int_equal(w.e[0].status, 0x4000);
	assert_false(w.e[0].tlp_valid);
	assert_string_equal(w.e[0].note, "");
	pcie_describe(&w.e[0], text, sizeof(text));
	assert_string_equal(text, "0000:00:02.0: uncorrected (non-fatal) PCIe "
	                          "error: CmpltTO");
	assert_int_equal(w.e[1].status, 0x5000);
	assert_true(w.e[1].tlp_valid);
	assert_memory_equal(w.e[1].tlp, tlp2, sizeof(tlp2));
	pcie_status_names(&w.e[1], text, sizeof(text));
	assert_string_equal(text, "TLP|CmpltTO");
	assert_int_equal(w.e[2].severity, PCIE_FATAL);
	assert_int_equal(w.e[2].status, 0x45000);
	pcie_describe(&w.e[2], text, sizeof(text));
	assert_string_equal(text,
	                    "0000:00:02.0: uncorrected (fatal) PCIe error: "
	                    "TLP|CmpltTO|MalfTLP, TLP header 01000040 "
	                    "ff000000 000080fe 00000000");
}

/* ---- AER records built field by field ---- */

static size_t aer_rec(const struct tracefs_format *fmt, unsigned char *rec,
                      const char *dev, uint32_t status, unsigned sev)
{
	size_t len = rec_size(fmt);

	memset(rec, 0, REC_MAX);
	rec_set(fmt, rec, "common_type", fmt->id);
	rec_str(fmt, rec, "dev_name", len, dev);
	rec_set(fmt, rec, "status", status);
	rec_set(fmt, rec, "severity", sev);
	return len + ((strlen(dev) + 1 + 3) & ~(size_t)3);
}

static void test_aer_corrected_and_unknown(void **state)
{
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct pcie_event e;
	unsigned char rec[REC_MAX];
	char err[TRACEFS_ERROR_LEN] = "", names[128];
	size_t len;

	(void)state;
	load_format("aer_event-6.1.format", &fmt);
	bind_ok(&fmt, &b);
	len = aer_rec(&fmt, rec, "0000:3b:00.0", 0x41, PCIE_AER_CORRECTABLE);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_CORRECTED);
	assert_int_equal(pcie_status_names(&e, names, sizeof(names)), 0);
	assert_string_equal(names, "RxErr|BadTLP");
	assert_string_equal(e.note, "");

	/* A bit aer.c does not name, and a severity no kernel has. */
	len = aer_rec(&fmt, rec, "0000:3b:00.0", 0x40000001, 7);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_SEV_UNKNOWN);
	assert_non_null(strstr(e.note, "severity 7 not known"));
	assert_non_null(strstr(e.note, "status bits 0x40000001"));
	pcie_status_names(&e, names, sizeof(names));
	assert_string_equal(names, "bit0|bit30");

	/* DPC_FATAL is fatal, and says so. */
	len = aer_rec(&fmt, rec, "0000:3b:00.0", 0x20, PCIE_AER_DPC_FATAL);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_FATAL);
	assert_non_null(strstr(e.note, "DPC"));

	/* No bit at all. */
	len = aer_rec(&fmt, rec, "0000:3b:00.0", 0, PCIE_AER_NONFATAL);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_non_null(strstr(e.note, "no status bits"));
}

static void test_aer_bad_records(void **state)
{
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct pcie_event e;
	unsigned char rec[REC_MAX];
	char err[TRACEFS_ERROR_LEN] = "";
	size_t len;

	(void)state;
	load_format("aer_event-6.1.format", &fmt);
	bind_ok(&fmt, &b);
	len = aer_rec(&fmt, rec, "0000:3b:00.0", 1, PCIE_AER_CORRECTABLE);
	/* The name's data past the record's end. */
	put_le(rec + tracefs_field_find(&fmt, "dev_name")->offset,
	       (uint64_t)200 << 16 | 40, 4);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), -1);
	assert_string_equal(err, "aer_event: field dev_name: data outside the "
	                         "56-byte record");
	/* Shorter than its fields. */
	assert_int_equal(pcie_decode(&b, rec, 16, &e, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "aer_event: record of 16 bytes, its fields need 36");
	/* A name with a newline cannot forge a log line. */
	len = aer_rec(&fmt, rec, "dev\nEVIL", 1, PCIE_AER_CORRECTABLE);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_string_equal(e.device, "dev?EVIL");
}

/* Replace the first `from` of text by `to` (same buffer, room checked). */
static void edit(char *text, size_t cap, const char *from, const char *to)
{
	char *at = strstr(text, from);
	size_t fl = strlen(from), tl = strlen(to), rest;

	assert_non_null(at);
	rest = strlen(at + fl) + 1;
	assert_true(strlen(text) - fl + tl < cap);
	memmove(at + tl, at + fl, rest);
	memcpy(at, to, tl);
}

static int bind_text(const char *text, struct pcie_binding *b, char *err,
                     size_t errlen)
{
	struct tracefs_format fmt;

	load_text("edited", text, strlen(text), &fmt);
	return pcie_bind(&fmt, b, err, errlen);
}

static void test_aer_format_errors(void **state)
{
	char text[8192], err[TRACEFS_ERROR_LEN] = "";
	struct pcie_binding b;

	(void)state;
	read_data("aer_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text), "u32 status;", "u32 stat;");
	assert_int_equal(bind_text(text, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "aer_event: no field status");

	read_data("aer_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text), "status;\toffset:12;\tsize:4;",
	     "status;\toffset:12;\tsize:8;");
	assert_int_equal(bind_text(text, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "aer_event: field status has size 8, want 4");

	read_data("aer_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text), "field:__data_loc char[] dev_name",
	     "field:char dev_name[4]");
	assert_int_equal(bind_text(text, &b, err, sizeof(err)), -1);
	assert_string_equal(
	    err, "aer_event: field dev_name is not a __data_loc string");
}

/*
 * A format no kernel rasd was tested on: a longer header log, a wider
 * tlp_header_valid, a field nobody knows. Bound anyway; every record
 * says what was not read.
 */
static void test_aer_unseen_format(void **state)
{
	char text[8192], err[TRACEFS_ERROR_LEN] = "";
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct pcie_event e;
	unsigned char rec[REC_MAX];
	size_t len;

	(void)state;
	read_data("aer_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text), "u8 tlp_header_valid;\toffset:17;\tsize:1;",
	     "u16 tlp_header_valid;\toffset:18;\tsize:2;");
	edit(text, sizeof(text), "u32 tlp_header[4];\toffset:20;\tsize:16;",
	     "u32 tlp_header[14];\toffset:20;\tsize:56;\tsigned:0;\n"
	     "\tfield:u8 flit;\toffset:76;\tsize:1;");
	load_text("edited", text, strlen(text), &fmt);
	assert_int_equal(pcie_bind(&fmt, &b, err, sizeof(err)), 1);
	assert_string_equal(b.tb.note,
	                    "field tlp_header_valid has size 2, want 1: not "
	                    "read; field tlp_header has 56 bytes, 16 read; "
	                    "fields not known: flit");
	len = aer_rec(&fmt, rec, "0000:00:1c.0", 0x40000, PCIE_AER_FATAL);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_FATAL);
	assert_string_equal(e.device, "0000:00:1c.0");
	assert_non_null(strstr(e.note, "format: field tlp_header_valid"));

	/* The oldest layout (3.17-4.17): no header log at all. */
	read_data("aer_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text),
	     "\tfield:u8 tlp_header_valid;\toffset:17;\tsize:1;\tsigned:0;\n",
	     "");
	edit(text, sizeof(text),
	     "\tfield:u32 tlp_header[4];\toffset:20;\tsize:16;\tsigned:0;\n",
	     "");
	load_text("old", text, strlen(text), &fmt);
	assert_int_equal(pcie_bind(&fmt, &b, err, sizeof(err)), 1);
	assert_string_equal(b.tb.note, "");
}

/* ---- CXL ---- */

static size_t cxl_aer_rec(const struct tracefs_format *fmt, unsigned char *rec,
                          uint32_t status)
{
	size_t len = rec_size(fmt);
	bool memdev = tracefs_field_find(fmt, "memdev") != NULL;

	memset(rec, 0, REC_MAX);
	rec_set(fmt, rec, "common_type", fmt->id);
	rec_str(fmt, rec, memdev ? "memdev" : "dev_name", len, "mem0");
	if (memdev) {
		rec_str(fmt, rec, "host", len + 8, "0000:0d:00.0");
		rec_set(fmt, rec, "serial", 0x1122334455ULL);
		len += 8 + 16;
	} else {
		len += 8;
	}
	rec_set(fmt, rec, "status", status);
	if (tracefs_field_find(fmt, "first_error") != NULL)
		rec_set(fmt, rec, "first_error", status & -status);
	return len;
}

static void test_cxl_aer(void **state)
{
	static const char *const files[] = {
	    "cxl_aer_uncorrectable_error-6.2.format",
	    "cxl_aer_uncorrectable_error-6.3.format",
	};
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct pcie_event e;
	unsigned char rec[REC_MAX];
	char err[TRACEFS_ERROR_LEN] = "", text[256];
	size_t i, len;

	(void)state;
	for (i = 0; i < 2; i++) {
		load_format(files[i], &fmt);
		bind_ok(&fmt, &b);
		assert_string_equal(b.tb.note, "");
		len = cxl_aer_rec(&fmt, rec, 0x480);
		assert_true(len > 112); /* a long event in the ring */
		assert_int_equal(
		    pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
		assert_int_equal(e.kind, PCIE_CXL_AER);
		assert_int_equal(e.severity, PCIE_FATAL);
		assert_string_equal(e.device, "mem0");
		assert_int_equal(e.first_error, 0x80);
		pcie_describe(&e, text, sizeof(text));
		assert_string_equal(text,
		                    "mem0: uncorrected (fatal) CXL error: "
		                    "Memory Data ECC Error|Received "
		                    "Poison From Peer");
	}
	assert_string_equal(e.host, "0000:0d:00.0");
	assert_int_equal(e.serial, 0x1122334455ULL);

	load_format("cxl_aer_correctable_error-6.3.format", &fmt);
	bind_ok(&fmt, &b);
	len = cxl_aer_rec(&fmt, rec, 0x4);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_CORRECTED);
	pcie_status_names(&e, text, sizeof(text));
	assert_string_equal(text, "CRC Threshold Hit");
}

static size_t media_rec(const struct tracefs_format *fmt, unsigned char *rec,
                        unsigned log, unsigned descriptor, unsigned type)
{
	size_t len = rec_size(fmt);

	memset(rec, 0, REC_MAX);
	rec_set(fmt, rec, "common_type", fmt->id);
	rec_str(fmt, rec, "memdev", len, "mem1");
	rec_str(fmt, rec, "host", len + 8, "0000:0e:00.0");
	rec_str(fmt, rec, "region_name", len + 24, "region0");
	rec_set(fmt, rec, "log", log);
	rec_set(fmt, rec, "serial", 7);
	rec_set(fmt, rec, "dpa", 0x40000000);
	rec_set(fmt, rec, "descriptor", descriptor);
	rec_set(fmt, rec, "type", type);
	rec_set(fmt, rec, "transaction_type", 1);
	rec_set(fmt, rec, "hpa", 0x1040000000ULL);
	rec_set(fmt, rec, "rank", 1);
	return len + 32;
}

static void test_cxl_media_and_dram(void **state)
{
	struct tracefs_format fmt;
	struct pcie_binding b;
	struct pcie_event e;
	unsigned char rec[REC_MAX];
	char err[TRACEFS_ERROR_LEN] = "", text[256];
	size_t len;

	(void)state;
	load_format("cxl_general_media-upstream.format", &fmt);
	bind_ok(&fmt, &b);
	assert_string_equal(b.tb.note, "");
	len = media_rec(&fmt, rec, PCIE_CXL_LOG_FATAL,
	                PCIE_CXL_DESC_UNCORRECTABLE, 0);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.kind, PCIE_CXL_MEDIA);
	assert_int_equal(e.severity, PCIE_FATAL);
	pcie_describe(&e, text, sizeof(text));
	assert_string_equal(text, "mem1: uncorrected (fatal) CXL media error: "
	                          "ECC Error (Host Read) at DPA 0x40000000 "
	                          "(HPA 0x1040000000)");
	len = media_rec(&fmt, rec, PCIE_CXL_LOG_FAIL,
	                PCIE_CXL_DESC_UNCORRECTABLE, 99);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.severity, PCIE_NONFATAL);
	assert_string_equal(e.note, "memory event type 99 not known");

	load_format("cxl_dram-upstream.format", &fmt);
	bind_ok(&fmt, &b);
	assert_string_equal(b.tb.note, "");
	len =
	    media_rec(&fmt, rec, PCIE_CXL_LOG_INFO, PCIE_CXL_DESC_THRESHOLD, 1);
	assert_int_equal(pcie_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.kind, PCIE_CXL_DRAM);
	assert_int_equal(e.severity, PCIE_CORRECTED);
	assert_int_equal(e.rank, 1);
	assert_string_equal(pcie_cxl_type_name(&e), "Scrub Media ECC Error");
}

static void test_bind_other_events(void **state)
{
	struct tracefs_format fmt;
	struct pcie_binding b;
	char err[TRACEFS_ERROR_LEN] = "";
	size_t i;

	(void)state;
	load_format("mce_record-6.1.format", &fmt);
	assert_int_equal(pcie_bind(&fmt, &b, err, sizeof(err)), 0);
	for (i = 0; pcie_event_path(i) != NULL; i++)
		;
	assert_int_equal(i, PCIE_N_EVENTS);
	assert_string_equal(pcie_event_path(0), "ras/aer_event");
}

/* ---- extlog_mem_event ---- */

/* struct cper_mem_err_compact, packed */
static void compact(unsigned char *d, uint64_t valid, uint16_t node,
                    uint16_t card, uint16_t module, uint16_t rank,
                    uint16_t bank, uint16_t row, uint8_t extended)
{
	memset(d, 0, 55);
	put_le(d, valid, 8);
	put_le(d + 8, node, 2);
	put_le(d + 10, card, 2);
	put_le(d + 12, module, 2);
	put_le(d + 14, bank, 2);
	put_le(d + 18, row, 2);
	put_le(d + 20, 0x40, 2); /* column */
	put_le(d + 48, rank, 2);
	d[54] = extended;
}

static size_t extlog_rec(const struct tracefs_format *fmt, unsigned char *rec,
                         uint8_t sev, const char *fru)
{
	size_t len = rec_size(fmt);

	memset(rec, 0, REC_MAX);
	rec_set(fmt, rec, "common_type", fmt->id);
	rec_set(fmt, rec, "err_seq", 42);
	rec_set(fmt, rec, "etype", 2); /* single-bit ECC */
	rec_set(fmt, rec, "sev", sev);
	rec_set(fmt, rec, "pa", 0x1234567c0ULL);
	rec_set(fmt, rec, "pa_mask_lsb", 6);
	rec_str(fmt, rec, "fru_text", len, fru);
	return len + ((strlen(fru) + 1 + 3) & ~(size_t)3);
}

static void test_extlog(void **state)
{
	struct tracefs_format fmt;
	struct extlog_binding b;
	struct extlog_event e;
	unsigned char rec[REC_MAX];
	char err[TRACEFS_ERROR_LEN] = "", where[128];
	size_t len, data;

	(void)state;
	load_format("extlog_mem_event-6.1.format", &fmt);
	assert_int_equal(extlog_bind(&fmt, &b, err, sizeof(err)), 0);
	assert_string_equal(b.tb.note, "");
	assert_int_equal(b.data_len, 55);
	data = tracefs_field_find(&fmt, "data")->offset;
	len = extlog_rec(&fmt, rec, EXTLOG_SEV_CORRECTED, " DIMM_B2 ");
	compact(rec + data,
	        EXTLOG_VALID_PA | EXTLOG_VALID_NODE | EXTLOG_VALID_CARD |
	            EXTLOG_VALID_MODULE | EXTLOG_VALID_RANK |
	            EXTLOG_VALID_BANK | EXTLOG_VALID_BANK_GROUP |
	            EXTLOG_VALID_ROW | EXTLOG_VALID_ROW_EXT |
	            EXTLOG_VALID_COLUMN,
	        1, 0, 3, 2, 0x0203, 0x1a2, 0x2);
	assert_int_equal(extlog_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_int_equal(e.err_seq, 42);
	assert_string_equal(e.label, "DIMM_B2");
	assert_true(extlog_has_address(&e));
	assert_int_equal(e.row, 0x201a2);
	extlog_where(&e, where, sizeof(where));
	assert_string_equal(where, "node 1 card 0 module 3 rank 2 column 64 "
	                           "bank group 2 bank 3 row 0x201a2");
	assert_string_equal(extlog_type_name(e.etype), "single-bit ECC");
	assert_int_equal(extlog_status(&e) & MCI_STATUS_UC, 0);
	assert_true(extlog_status(&e) & MCI_STATUS_ADDRV);
	assert_int_equal(extlog_misc(&e), 0x86);
	assert_string_equal(e.note, "");

	/* No FRU text: the card and module name it. */
	len = extlog_rec(&fmt, rec, EXTLOG_SEV_RECOVERABLE, "");
	compact(rec + data,
	        EXTLOG_VALID_PA | EXTLOG_VALID_NODE | EXTLOG_VALID_CARD |
	            EXTLOG_VALID_MODULE,
	        0, 1, 2, 0, 0, 0, 0);
	assert_int_equal(extlog_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_string_equal(e.label, "node 0 card 1 module 2");
	assert_true(extlog_status(&e) & MCI_STATUS_UC);
	assert_int_equal(extlog_status(&e) & MCI_STATUS_PCC, 0);

	/* Neither, an unknown severity, and no address. */
	len = extlog_rec(&fmt, rec, 9, "   ");
	compact(rec + data, EXTLOG_VALID_NODE, 0, 0, 0, 0, 0, 0, 0);
	assert_int_equal(extlog_decode(&b, rec, len, &e, err, sizeof(err)), 0);
	assert_string_equal(e.label, "");
	assert_false(extlog_has_address(&e));
	assert_string_equal(e.note, "severity 9 not known: taken as "
	                            "recoverable");
}

static void test_extlog_missing_field(void **state)
{
	char text[8192], err[TRACEFS_ERROR_LEN] = "";
	struct tracefs_format fmt;
	struct extlog_binding b;

	(void)state;
	read_data("extlog_mem_event-6.1.format", text, sizeof(text));
	edit(text, sizeof(text), "u64 pa;", "u64 phys;");
	load_text("edited", text, strlen(text), &fmt);
	assert_int_equal(extlog_bind(&fmt, &b, err, sizeof(err)), -1);
	assert_string_equal(err, "extlog_mem_event: no field pa");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_real_aer_page),
	    cmocka_unit_test(test_aer_corrected_and_unknown),
	    cmocka_unit_test(test_aer_bad_records),
	    cmocka_unit_test(test_aer_format_errors),
	    cmocka_unit_test(test_aer_unseen_format),
	    cmocka_unit_test(test_cxl_aer),
	    cmocka_unit_test(test_cxl_media_and_dram),
	    cmocka_unit_test(test_bind_other_events),
	    cmocka_unit_test(test_extlog),
	    cmocka_unit_test(test_extlog_missing_field),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

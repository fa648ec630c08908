/* test_hv_linux.c - the Linux backend on a fake /sys and /proc tree with
 * real format files and ring-buffer pages fed through FIFOs, and libvirt's
 * test:///default driver for guests and migration. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypervisor/hv.h"
#include "hypervisor/linux/linux.h"
#include "mce/mce.h"
#include "mce/tracefs.h"

#ifndef SRCDIR
#define SRCDIR "."
#endif

#define PAGE_SIZE 4096
#define NR_CPUS   4

struct fixture {
	char root[64];
	char tracing[128];
	int fifo[2]; /* writer ends of cpu0 and cpu1's trace_pipe_raw */
	struct tracefs_format mce_fmt;
	struct tracefs_format mf_fmt;
	struct tracefs_format extlog_fmt;
	struct hv *hv;
	struct clock clock;
};

static void put_le(unsigned char *p, uint64_t v, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

static void pathf(char *buf, size_t len, const char *root, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void pathf(char *buf, size_t len, const char *root, const char *fmt, ...)
{
	size_t used = (size_t)snprintf(buf, len, "%s", root);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf + used, len - used, fmt, ap);
	va_end(ap);
}

/* mkdir -p of the file's directory, then write the text. */
static void put_file(const char *root, const char *rel, const char *text)
{
	char path[512], *slash;
	FILE *f;

	pathf(path, sizeof(path), root, "/%s", rel);
	for (slash = strchr(path + strlen(root) + 1, '/'); slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(path, 0755);
		*slash = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get_file(const char *root, const char *rel, char *buf, size_t len)
{
	char path[512];
	FILE *f;
	size_t n;

	pathf(path, sizeof(path), root, "/%s", rel);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	if (n > 0 && buf[n - 1] == '\n')
		buf[n - 1] = '\0'; /* a write over "0\n" keeps the newline */
	return buf;
}

static size_t read_data(const char *name, char *buf, size_t cap)
{
	char path[512];
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/tests/data/tracefs/%s", SRCDIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
	return n;
}

static void put_format(struct fixture *fx, const char *event, const char *data,
                       struct tracefs_format *fmt)
{
	static char text[16384];
	char rel[256], err[256];
	size_t n = read_data(data, text, sizeof(text));

	snprintf(rel, sizeof(rel), "sys/kernel/tracing/events/%s/format",
	         event);
	put_file(fx->root, rel, text);
	snprintf(rel, sizeof(rel), "sys/kernel/tracing/events/%s/enable",
	         event);
	put_file(fx->root, rel, "0\n");
	if (fmt != NULL)
		assert_int_equal(tracefs_format_parse(text, n, data, fmt, NULL,
		                                      err, sizeof(err)),
		                 0);
}

static void make_tree(struct fixture *fx)
{
	char rel[128], path[512];
	unsigned cpu;

	put_file(fx->root, "sys/devices/system/cpu/present", "0-3\n");
	for (cpu = 0; cpu < NR_CPUS; cpu++) {
		char text[32];

		if (cpu > 0) {
			snprintf(rel, sizeof(rel),
			         "sys/devices/system/cpu/cpu%u/online", cpu);
			put_file(fx->root, rel, "1\n");
		}
		snprintf(rel, sizeof(rel),
		         "sys/devices/system/cpu/cpu%u/topology/core_id", cpu);
		snprintf(text, sizeof(text), "%u\n", cpu / 2);
		put_file(fx->root, rel, text);
		snprintf(rel, sizeof(rel),
		         "sys/devices/system/cpu/cpu%u/topology/"
		         "physical_package_id",
		         cpu);
		put_file(fx->root, rel, "0\n");
		snprintf(rel, sizeof(rel),
		         "sys/devices/system/cpu/cpu%u/topology/"
		         "thread_siblings_list",
		         cpu);
		snprintf(text, sizeof(text), "%u-%u\n", cpu & ~1u, cpu | 1u);
		put_file(fx->root, rel, text);
	}
	for (cpu = 0; cpu < 10; cpu++) {
		snprintf(rel, sizeof(rel),
		         "sys/devices/system/machinecheck/machinecheck0/bank%u",
		         cpu);
		put_file(fx->root, rel, "ffffffffffffffff\n");
	}
	put_file(fx->root,
	         "sys/devices/system/machinecheck/machinecheck0/check_interval",
	         "1\n");
	put_file(fx->root, "sys/devices/system/memory/soft_offline_page", "");
	put_file(fx->root, "sys/devices/system/memory/hard_offline_page", "");
	put_file(fx->root, "proc/meminfo",
	         "MemTotal:        1004096 kB\nMemFree:          800000 kB\n");
	put_file(fx->root, "proc/cpuinfo",
	         "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: "
	         "6\nmodel\t\t: 60\nstepping\t: 1\n");
	put_file(fx->root, "proc/sys/kernel/hostname", "labhost\n");
	put_file(fx->root, "sys/kernel/tracing/tracing_on", "0\n");
	put_file(fx->root, "sys/kernel/tracing/buffer_percent", "50\n");
	put_format(fx, "mce/mce_record", "mce_record-6.1.format", &fx->mce_fmt);
	put_format(fx, "ras/mc_event", "mc_event-6.1.format", NULL);
	put_format(fx, "ras/memory_failure_event",
	           "memory_failure_event-6.1.format", &fx->mf_fmt);
	put_format(fx, "ras/aer_event", "aer_event-6.1.format", NULL);
	put_format(fx, "ras/extlog_mem_event", "extlog_mem_event-6.1.format",
	           &fx->extlog_fmt);
	for (cpu = 0; cpu < 2; cpu++) {
		snprintf(rel, sizeof(rel),
		         "sys/kernel/tracing/per_cpu/cpu%u/stats", cpu);
		put_file(fx->root, rel, "");
		pathf(path, sizeof(path), fx->root,
		      "/sys/kernel/tracing/per_cpu/cpu%u/trace_pipe_raw", cpu);
		assert_int_equal(mkfifo(path, 0600), 0);
		/* O_RDWR: the FIFO has a writer before the backend opens. */
		fx->fifo[cpu] = open(path, O_RDWR | O_NONBLOCK);
		assert_true(fx->fifo[cpu] >= 0);
	}
}

static struct hv *open_root(struct fixture *fx, const char *uri, char *err,
                            size_t errlen)
{
	struct hv_options o = {.root = fx->root, .libvirt_uri = uri};

	return hv_open(uri != NULL && strcmp(uri, "none") != 0 ? "linux"
	                                                       : "linux:none",
	               &fx->clock, &o, err, errlen);
}

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof(*fx));
	char err[512];

	assert_non_null(fx);
	snprintf(fx->root, sizeof(fx->root), "/tmp/test_hv_linux.XXXXXX");
	assert_non_null(mkdtemp(fx->root));
	clock_start(&fx->clock, 0, 1);
	make_tree(fx);
	fx->hv = open_root(fx, "none", err, sizeof(err));
	if (fx->hv == NULL)
		fail_msg("hv_open: %s", err);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char cmd[128];

	hv_close(fx->hv);
	close(fx->fifo[0]);
	close(fx->fifo[1]);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", fx->root);
	assert_int_equal(system(cmd), 0);
	free(fx);
	return 0;
}

/* ---- ring-buffer pages, as the kernel writes them ---- */

struct page {
	unsigned char b[PAGE_SIZE];
	size_t len;
};

static void page_init(struct page *pg)
{
	memset(pg, 0, sizeof(*pg));
	put_le(pg->b, 1000, 8);
	pg->len = TRACEFS_PAGE_HEADER_LEN;
}

static void page_event(struct page *pg, const void *data, size_t n)
{
	size_t padded = (n + 3) & ~(size_t)3;

	if (padded <= 112) {
		put_le(pg->b + pg->len, 1u << 5 | (uint32_t)(padded / 4), 4);
		pg->len += 4;
	} else {
		put_le(pg->b + pg->len, 1u << 5, 4);
		put_le(pg->b + pg->len + 4, padded + 4, 4);
		pg->len += 8;
	}
	memcpy(pg->b + pg->len, data, n);
	pg->len += padded;
}

/* bits 31 (missed) and 30 (count stored after the data) of commit */
static void page_commit(struct page *pg, bool missed, uint64_t lost)
{
	uint64_t flags = 0;
	size_t data = pg->len - TRACEFS_PAGE_HEADER_LEN;

	if (missed && lost > 0) {
		put_le(pg->b + pg->len, lost, 8);
		flags = 3ULL << 30;
	} else if (missed) {
		flags = 1ULL << 31;
	}
	put_le(pg->b + 8, data | flags, 8);
}

static void set_field(const struct tracefs_format *fmt, unsigned char *rec,
                      const char *name, uint64_t v)
{
	const struct tracefs_field *fl = tracefs_field_find(fmt, name);

	assert_non_null(fl);
	put_le(rec + fl->offset, v, fl->size);
}

static void add_mce(struct page *pg, const struct tracefs_format *fmt,
                    unsigned cpu, unsigned bank, uint64_t status, uint64_t addr)
{
	unsigned char rec[112];

	memset(rec, 0, sizeof(rec));
	set_field(fmt, rec, "common_type", fmt->id);
	set_field(fmt, rec, "mcgcap", 0x100010a);
	set_field(fmt, rec, "status", status);
	set_field(fmt, rec, "addr", addr);
	set_field(fmt, rec, "misc", 0x86);
	set_field(fmt, rec, "cpu", cpu);
	set_field(fmt, rec, "bank", bank);
	set_field(fmt, rec, "cpuid", 0x306c1);
	page_event(pg, rec, 112);
}

static void add_mf(struct page *pg, const struct tracefs_format *fmt,
                   uint64_t pfn, int type, int result)
{
	unsigned char rec[24];

	memset(rec, 0, sizeof(rec));
	set_field(fmt, rec, "common_type", fmt->id);
	set_field(fmt, rec, "pfn", pfn);
	set_field(fmt, rec, "type", (uint64_t)(int64_t)type);
	set_field(fmt, rec, "result", (uint64_t)(int64_t)result);
	page_event(pg, rec, sizeof(rec));
}

static void feed(struct fixture *fx, int cpu, const struct page *pg)
{
	assert_int_equal(write(fx->fifo[cpu], pg->b, PAGE_SIZE), PAGE_SIZE);
}

static bool readable(int fd, int ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, ms) == 1;
}

struct got {
	size_t n;
	struct mce_record r[64];
};

static int collect(void *arg, const struct mce_record *r)
{
	struct got *g = arg;

	if (g->n < 64)
		g->r[g->n] = *r;
	g->n++;
	return 0;
}

static size_t take_events(struct hv *hv, struct hv_event *evs, size_t max)
{
	size_t n = 0;

	assert_int_equal(hv->ops->events(hv, evs, max, &n), 0);
	return n;
}

/* ---- tests ---- */

static void test_open_enables_events(void **state)
{
	struct fixture *fx = *state;
	char buf[64];

	assert_string_equal(get_file(fx->root,
	                             "sys/kernel/tracing/events/mce/"
	                             "mce_record/enable",
	                             buf, sizeof(buf)),
	                    "1");
	assert_string_equal(get_file(fx->root,
	                             "sys/kernel/tracing/events/ras/"
	                             "memory_failure_event/enable",
	                             buf, sizeof(buf)),
	                    "1");
	assert_string_equal(get_file(fx->root,
	                             "sys/kernel/tracing/events/ras/"
	                             "mc_event/enable",
	                             buf, sizeof(buf)),
	                    "1");
	assert_string_equal(get_file(fx->root, "sys/kernel/tracing/tracing_on",
	                             buf, sizeof(buf)),
	                    "1");
	/* a poll must wake on one event, not when the ring is half full;
	 * "0" written over a plain file's "50" leaves "00" */
	assert_string_equal(get_file(fx->root,
	                             "sys/kernel/tracing/buffer_percent", buf,
	                             sizeof(buf)),
	                    "00");
}

static void test_topology_and_cpus(void **state)
{
	struct fixture *fx = *state;
	struct hv_topology t;
	struct hv_cpu cpus[8];
	size_t n = 0;

	assert_int_equal(fx->hv->ops->topology(fx->hv, &t), 0);
	assert_int_equal(t.nr_cpus, 4);
	assert_int_equal(t.nr_sockets, 1);
	assert_int_equal(t.threads_per_core, 2);
	assert_int_equal(t.cores_per_socket, 2);
	assert_int_equal(t.total_pages, 1004096 / 4);
	assert_int_equal(t.free_pages, 800000 / 4);
	assert_int_equal(t.mcg_cap & 0xff, 10);
	assert_int_equal(t.mce_poll_ms, 1000);
	assert_int_equal(t.cpu_vendor, MCE_VENDOR_INTEL);
	assert_int_equal(t.cpuid, 0x306c1); /* family 6 model 60 stepping 1 */
	assert_string_equal(t.host_name, "labhost");
	assert_int_equal(fx->hv->ops->cpus(fx->hv, cpus, 8, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(cpus[3].core, 1);
	assert_int_equal(cpus[3].thread, 1);
	assert_int_equal(cpus[2].thread, 0);
	assert_true(cpus[0].online);
}

static void test_records_and_memory_failure(void **state)
{
	struct fixture *fx = *state;
	struct mce_reader *rd;
	struct hv_event evs[8];
	struct got g = {0};
	struct page pg;
	char err[256];
	int fd;

	assert_int_equal(fx->hv->ops->mce_source(fx->hv, &rd, &fd), 0);
	assert_false(readable(fd, 0));
	page_init(&pg);
	add_mce(&pg, &fx->mce_fmt, 1, 1, 0x9c00004000010090ULL, 0x3456000);
	add_mce(&pg, &fx->mce_fmt, 1, 3, 0xbd2000008000017aULL, 0x5678000);
	add_mf(&pg, &fx->mf_fmt, 0x5678, 16, 3);
	page_commit(&pg, false, 0);
	feed(fx, 1, &pg);
	assert_true(readable(fd, 1000));
	assert_int_equal(mce_reader_drain(rd, collect, &g, err, sizeof(err)),
	                 2);
	assert_string_equal(err, "");
	assert_int_equal(g.n, 2);
	assert_int_equal(g.r[0].bank, 1);
	assert_int_equal(g.r[0].extcpu, 1);
	assert_int_equal(g.r[0].addr, 0x3456000);
	assert_int_equal(g.r[0].misc, 0x86);
	assert_int_equal(g.r[0].status, 0x9c00004000010090ULL);
	assert_int_equal(g.r[0].mcgcap, 0x100010a);
	assert_int_equal(g.r[1].bank, 3);
	assert_int_equal(g.r[1].status, 0xbd2000008000017aULL);
	assert_int_equal(mce_reader_stats(rd)->overflows, 0);
	assert_false(readable(fd, 0));
	assert_true(readable(fx->hv->ops->event_fd(fx->hv), 0));
	assert_int_equal(take_events(fx->hv, evs, 8), 1);
	assert_int_equal(evs[0].type, HV_EVENT_MEMORY_FAILURE);
	assert_int_equal(evs[0].pfn, 0x5678);
	assert_string_equal(evs[0].detail, "free buddy page: Recovered");
	assert_false(readable(fx->hv->ops->event_fd(fx->hv), 0));
}

/* The real page of tests/data/tracefs, its hex lines into page bytes. */
static void real_page(const char *name, struct page *pg)
{
	static char text[8192];
	char *line, *save = NULL;
	unsigned v;
	int used;

	memset(pg, 0, sizeof(*pg));
	read_data(name, text, sizeof(text));
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		while (sscanf(line, "%2x%n", &v, &used) == 1 &&
		       pg->len < PAGE_SIZE) {
			pg->b[pg->len++] = (unsigned char)v;
			line += used;
		}
	}
}

static void add_extlog(struct page *pg, const struct tracefs_format *fmt,
                       uint64_t pa, const char *fru)
{
	const struct tracefs_field *fru_fl =
	    tracefs_field_find(fmt, "fru_text");
	unsigned char rec[128];
	size_t n = strlen(fru) + 1;

	memset(rec, 0, sizeof(rec));
	set_field(fmt, rec, "common_type", fmt->id);
	set_field(fmt, rec, "err_seq", 7);
	set_field(fmt, rec, "etype", 2);
	set_field(fmt, rec, "sev", 2);
	set_field(fmt, rec, "pa", pa);
	set_field(fmt, rec, "pa_mask_lsb", 6);
	memcpy(rec + 104, fru, n);
	put_le(rec + fru_fl->offset, (uint64_t)(n << 16 | 104), 4);
	page_event(pg, rec, 104 + n);
}

/*
 * The kernel's own AER page (QEMU's pcie_aer_inject_error on a root
 * port) on cpu0, a machine check and the firmware's record of it on
 * cpu1: the check is a record, the rest are events, nothing is lost.
 */
static void test_device_and_firmware_events(void **state)
{
	struct fixture *fx = *state;
	struct mce_reader *rd;
	struct hv_event evs[8];
	struct got g = {0};
	struct page pg;
	char err[256], buf[16];
	size_t n;
	int fd;

	assert_string_equal(get_file(fx->root,
	                             "sys/kernel/tracing/events/ras/"
	                             "aer_event/enable",
	                             buf, sizeof(buf)),
	                    "1");
	assert_int_equal(fx->hv->ops->mce_source(fx->hv, &rd, &fd), 0);
	real_page("aer_event-6.1.page", &pg);
	feed(fx, 0, &pg);
	page_init(&pg);
	add_mce(&pg, &fx->mce_fmt, 1, 7, 0x9c00004000010090ULL, 0x3456040);
	add_extlog(&pg, &fx->extlog_fmt, 0x3456040, "DIMM_A1");
	page_commit(&pg, false, 0);
	feed(fx, 1, &pg);
	assert_true(readable(fd, 1000));
	assert_int_equal(mce_reader_drain(rd, collect, &g, err, sizeof(err)),
	                 1);
	assert_int_equal(g.r[0].addr, 0x3456040);
	n = take_events(fx->hv, evs, 8);
	assert_int_equal(n, 4);
	assert_int_equal(evs[0].type, HV_EVENT_DEVICE_ERROR);
	assert_string_equal(evs[0].dev.device, "0000:00:02.0");
	assert_int_equal(evs[0].dev.severity, PCIE_NONFATAL);
	assert_int_equal(evs[2].dev.severity, PCIE_FATAL);
	assert_int_equal(evs[2].dev.status, 0x45000);
	assert_int_equal(evs[3].type, HV_EVENT_FIRMWARE_MEMORY);
	assert_int_equal(evs[3].cpu, 1);
	assert_int_equal(evs[3].fwmem.pa, 0x3456040);
	assert_string_equal(evs[3].fwmem.label, "DIMM_A1");
}

static void test_many_records_across_reads(void **state)
{
	struct fixture *fx = *state;
	struct mce_reader *rd;
	struct got g = {0};
	struct page pg;
	char err[256];
	int fd, i, cpu;

	assert_int_equal(fx->hv->ops->mce_source(fx->hv, &rd, &fd), 0);
	/* 2 x 30 records: more than one 32-record read of the reader */
	for (cpu = 0; cpu < 2; cpu++) {
		page_init(&pg);
		for (i = 0; i < 30; i++)
			add_mce(&pg, &fx->mce_fmt, (unsigned)cpu, 1,
			        0x9c00004000010090ULL,
			        0x1000000 + (uint64_t)(cpu * 30 + i) * 4096);
		page_commit(&pg, false, 0);
		feed(fx, cpu, &pg);
	}
	while (readable(fd, 200))
		assert_true(
		    mce_reader_drain(rd, collect, &g, err, sizeof(err)) >= 0);
	assert_int_equal(g.n, 60);
	for (i = 0; i < 60; i++)
		assert_int_equal(g.r[i].addr, 0x1000000 + (uint64_t)i * 4096);
	assert_int_equal(mce_reader_stats(rd)->overflows, 0);
}

static void test_lost_events_reported(void **state)
{
	struct fixture *fx = *state;
	struct mce_reader *rd;
	struct hv_event evs[8];
	struct got g = {0};
	struct page pg;
	char err[256];
	int fd;

	assert_int_equal(fx->hv->ops->mce_source(fx->hv, &rd, &fd), 0);
	page_init(&pg);
	add_mce(&pg, &fx->mce_fmt, 0, 1, 0x9c00004000010090ULL, 0x3456000);
	page_commit(&pg, true, 5);
	feed(fx, 0, &pg);
	assert_true(readable(fd, 1000));
	assert_int_equal(mce_reader_drain(rd, collect, &g, err, sizeof(err)),
	                 1);
	assert_int_equal(mce_reader_stats(rd)->overflows, 1);
	assert_int_equal(take_events(fx->hv, evs, 8), 1);
	assert_int_equal(evs[0].type, HV_EVENT_SOURCE_ERROR);
	assert_int_equal(evs[0].error, ENOBUFS);
	assert_string_equal(evs[0].detail,
	                    "tracefs cpu0: the ring buffer lost 5 events");
}

static void test_bad_page_reported(void **state)
{
	struct fixture *fx = *state;
	struct mce_reader *rd;
	struct hv_event evs[8];
	struct got g = {0};
	struct page pg;
	char err[256];
	int fd;

	assert_int_equal(fx->hv->ops->mce_source(fx->hv, &rd, &fd), 0);
	page_init(&pg);
	add_mce(&pg, &fx->mce_fmt, 0, 1, 0x9c00004000010090ULL, 0x3456000);
	/* a commit past the page: the kernel never writes one */
	put_le(pg.b + 8, PAGE_SIZE, 8);
	feed(fx, 0, &pg);
	assert_true(readable(fd, 1000));
	mce_reader_drain(rd, collect, &g, err, sizeof(err));
	assert_int_equal(take_events(fx->hv, evs, 8), 1);
	assert_int_equal(evs[0].type, HV_EVENT_SOURCE_ERROR);
	assert_non_null(strstr(evs[0].detail, "tracefs cpu0: "));
}

static void test_soft_offline_writes_address(void **state)
{
	struct fixture *fx = *state;
	struct hv_page_status st;
	char buf[64];

	assert_int_equal(fx->hv->ops->page_offline(fx->hv, 0x3456, &st), 0);
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	assert_string_equal(get_file(fx->root,
	                             "sys/devices/system/memory/"
	                             "soft_offline_page",
	                             buf, sizeof(buf)),
	                    "0x3456000");
	assert_int_equal(fx->hv->ops->page_offline_hard(fx->hv, 0x5678, &st),
	                 0);
	assert_string_equal(get_file(fx->root,
	                             "sys/devices/system/memory/"
	                             "hard_offline_page",
	                             buf, sizeof(buf)),
	                    "0x5678000");
}

/* /dev/full refuses every write with ENOSPC: a kernel that says no. */
static void refuse_writes(struct fixture *fx, const char *rel)
{
	char path[512];

	pathf(path, sizeof(path), fx->root, "/%s", rel);
	assert_int_equal(unlink(path), 0);
	assert_int_equal(symlink("/dev/full", path), 0);
}

static void test_offline_refused_by_kernel(void **state)
{
	struct fixture *fx = *state;
	struct hv_page_status st;

	refuse_writes(fx, "sys/devices/system/memory/soft_offline_page");
	assert_int_equal(fx->hv->ops->page_offline(fx->hv, 0x3456, &st),
	                 -ENOSPC);
	assert_int_equal(st.state, HV_PAGE_FAILED);
	assert_string_equal(fx->hv->err, "soft_offline_page 0x3456000: No "
	                                 "space left on device");
	refuse_writes(fx, "sys/devices/system/cpu/cpu2/online");
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 2), -ENOSPC);
	assert_non_null(strstr(fx->hv->err, "cpu2/online: No space left"));
}

static void test_cpu_offline_never_last(void **state)
{
	struct fixture *fx = *state;
	struct hv_cpu cpus[8];
	char buf[16];
	size_t n;

	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 2), 0);
	assert_string_equal(get_file(fx->root,
	                             "sys/devices/system/cpu/cpu2/online", buf,
	                             sizeof(buf)),
	                    "0");
	assert_int_equal(fx->hv->ops->cpus(fx->hv, cpus, 8, &n), 0);
	assert_false(cpus[2].online);
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 1), 0);
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 3), 0);
	/* cpu0 is the only one left */
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 0), -EBUSY);
	assert_non_null(strstr(fx->hv->err, "last online cpu"));
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 9), -EINVAL);
	assert_int_equal(fx->hv->ops->cpu_online(fx->hv, 3), 0);
	assert_string_equal(get_file(fx->root,
	                             "sys/devices/system/cpu/cpu3/online", buf,
	                             sizeof(buf)),
	                    "1");
	/* cpu0 has no online file: not hotpluggable */
	assert_int_equal(fx->hv->ops->cpu_offline(fx->hv, 0), -EPERM);
}

static void test_page_query_kpageflags(void **state)
{
	struct fixture *fx = *state;
	struct hv_page_status st;
	unsigned char flags[3 * 8];
	char path[512];
	FILE *f;

	assert_int_equal(fx->hv->ops->page_query(fx->hv, 1, &st), -ENOENT);
	assert_non_null(strstr(fx->hv->err, "state unknown"));
	memset(flags, 0, sizeof(flags));
	put_le(flags + 8, 1ULL << 10, 8);  /* pfn 1: KPF_BUDDY */
	put_le(flags + 16, 1ULL << 19, 8); /* pfn 2: KPF_HWPOISON */
	pathf(path, sizeof(path), fx->root, "/proc/kpageflags");
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(flags, 1, sizeof(flags), f);
	fclose(f);
	assert_int_equal(fx->hv->ops->page_query(fx->hv, 1, &st), 0);
	assert_int_equal(st.state, HV_PAGE_ONLINE);
	assert_int_equal(st.owner, HV_OWNER_FREE);
	assert_int_equal(fx->hv->ops->page_query(fx->hv, 2, &st), 0);
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	assert_true(st.broken);
	assert_int_equal(fx->hv->ops->page_query(fx->hv, 0, &st), 0);
	assert_int_equal(st.owner, HV_OWNER_ANONYMOUS);
	assert_int_equal(fx->hv->ops->page_query(fx->hv, 7, &st), -EINVAL);
}

static void expect_open_fails(struct fixture *fx, const char *want1,
                              const char *want2)
{
	char err[512];
	struct hv *hv = open_root(fx, "none", err, sizeof(err));

	assert_null(hv);
	if (strstr(err, want1) == NULL || strstr(err, want2) == NULL)
		fail_msg("error '%s' lacks '%s' or '%s'", err, want1, want2);
}

static void test_format_mismatch_names_field(void **state)
{
	struct fixture *fx = *state;
	static char text[16384];
	char *p;

	read_data("mce_record-6.1.format", text, sizeof(text));
	p = strstr(text, "u64 status;\toffset:24;\tsize:8;");
	assert_non_null(p);
	memcpy(strstr(p, "size:8"), "size:4", 6);
	put_file(fx->root, "sys/kernel/tracing/events/mce/mce_record/format",
	         text);
	expect_open_fails(fx, "mce_record", "status");
	read_data("mce_record-6.1.format", text, sizeof(text));
	p = strstr(text, "\tfield:u8 bank;");
	assert_non_null(p);
	memcpy(p + 10, "bonk", 4);
	put_file(fx->root, "sys/kernel/tracing/events/mce/mce_record/format",
	         text);
	expect_open_fails(fx, "mce_record", "bank");
}

static void test_tracefs_missing(void **state)
{
	struct fixture *fx = *state;
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf %s/sys/kernel/tracing", fx->root);
	assert_int_equal(system(cmd), 0);
	expect_open_fails(fx, "/sys/kernel/tracing is not mounted",
	                  "no legacy");
}

/* A kernel with CONFIG_X86_MCELOG_LEGACY and no tracefs: /dev/mcelog. */
static void test_legacy_mcelog(void **state)
{
	struct fixture *fx = *state;
	unsigned char rec[2][MCE_RECORD_LEN_XEN];
	struct mce_record r;
	struct mce_reader *rd;
	struct got g = {0};
	char cmd[256], err[512], path[512];
	struct hv *hv;
	FILE *f;
	int fd;

	snprintf(cmd, sizeof(cmd), "rm -rf %s/sys/kernel/tracing", fx->root);
	assert_int_equal(system(cmd), 0);
	memset(&r, 0, sizeof(r));
	r.status = 0x9c00004000010090ULL;
	r.addr = 0x3456000;
	r.bank = 1;
	assert_int_equal(mce_record_encode(&r, rec[0], sizeof(rec[0])), 0);
	r.bank = 2;
	assert_int_equal(mce_record_encode(&r, rec[1], sizeof(rec[1])), 0);
	put_file(fx->root, "dev/mcelog", "");
	pathf(path, sizeof(path), fx->root, "/dev/mcelog");
	f = fopen(path, "w");
	assert_non_null(f);
	fwrite(rec, 1, sizeof(rec), f);
	fclose(f);
	hv = open_root(fx, "none", err, sizeof(err));
	if (hv == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(hv->ops->mce_source(hv, &rd, &fd), 0);
	assert_true(fd >= 0);
	assert_int_equal(mce_reader_drain(rd, collect, &g, err, sizeof(err)),
	                 2);
	assert_int_equal(g.r[0].bank, 1);
	assert_int_equal(g.r[1].bank, 2);
	assert_int_equal(g.r[1].addr, 0x3456000);
	hv_close(hv);
}

static void test_memory_failure_optional(void **state)
{
	struct fixture *fx = *state;
	struct hv_event evs[4];
	struct hv *hv;
	char err[512], cmd[256];

	snprintf(cmd, sizeof(cmd),
	         "rm -rf %s/sys/kernel/tracing/events/ras/memory_failure_event",
	         fx->root);
	assert_int_equal(system(cmd), 0);
	hv = open_root(fx, "none", err, sizeof(err));
	assert_non_null(hv);
	assert_int_equal(take_events(hv, evs, 4), 0);
	hv_close(hv);
	/* present but unlike the kernel's: opens, and says why */
	put_file(fx->root,
	         "sys/kernel/tracing/events/ras/memory_failure_event/format",
	         "name: memory_failure_event\nID: 9\nformat:\n\tfield:unsigned "
	         "short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\tfield:"
	         "unsigned long pfn;\toffset:8;\tsize:8;\tsigned:0;\n");
	hv = open_root(fx, "none", err, sizeof(err));
	assert_non_null(hv);
	assert_int_equal(take_events(hv, evs, 4), 1);
	assert_int_equal(evs[0].type, HV_EVENT_SOURCE_ERROR);
	assert_non_null(strstr(evs[0].detail, "memory_failure_event: no "
	                                      "field type"));
	hv_close(hv);
}

static void test_libvirt_domains_and_failed_migration(void **state)
{
	struct fixture *fx = *state;
	struct hv_domain doms[8];
	struct hv_event evs[8];
	uint64_t id = 0;
	size_t n = 0, k, i;
	struct hv *hv;
	char err[512];
	bool failed = false;

	hv = open_root(fx, "test:///default", err, sizeof(err));
	if (hv == NULL)
		fail_msg("open: %s", err);
	assert_int_equal(hv->ops->domains(hv, doms, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(doms[0].name, "test");
	assert_int_equal(doms[0].domid, 1);
	assert_true(doms[0].mem_bytes > 0);
	assert_int_equal(hv->ops->migrate_start(hv, 1, "test:///default", &id),
	                 0);
	assert_true(id > 0);
	assert_int_equal(hv->ops->migrate_start(hv, 1, "test:///default", &id),
	                 -EBUSY);
	for (i = 0; i < 50 && !failed; i++) {
		assert_true(readable(hv->ops->event_fd(hv), 5000));
		k = take_events(hv, evs, 8);
		while (k-- > 0)
			if (evs[k].type == HV_EVENT_MIGRATION_FAILED) {
				failed = true;
				assert_int_equal(evs[k].domid, 1);
				assert_int_equal(evs[k].migration_id, 1);
				assert_string_equal(evs[k].peer,
				                    "test:///default");
				/* libvirt's own words, not ours */
				assert_non_null(
				    strstr(evs[k].detail, "not supported"));
			}
	}
	assert_true(failed);
	assert_int_equal(hv->ops->domains(hv, doms, 8, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(hv->ops->migrate_start(hv, 42, "test:///default", &id),
	                 -ENOENT);
	hv_close(hv);
}

/* The physical frame behind a virtual address of this process, or 0. */
static uint64_t own_pfn(const void *addr)
{
	uint64_t e = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &e, 8, (off_t)((uintptr_t)addr / 4096 * 8)),
	                 8);
	close(fd);
	return (e >> 63) ? e & ((1ULL << 55) - 1) : 0;
}

static void test_pagemap_finds_owner(void **state)
{
	struct fixture *fx = *state;
	char text[32], rel[64], link[512], target[64];
	uint32_t domids[4];
	unsigned char *buf;
	uint64_t pfn;
	size_t n = 9;
	struct hv *hv;
	char err[512];

	/* the "QEMU" of domain test is this process */
	snprintf(text, sizeof(text), "%d\n", (int)getpid());
	put_file(fx->root, "run/libvirt/qemu/test.pid", text);
	snprintf(rel, sizeof(rel), "proc/%d", (int)getpid());
	pathf(link, sizeof(link), fx->root, "/%s", rel);
	snprintf(target, sizeof(target), "/proc/%d", (int)getpid());
	assert_int_equal(symlink(target, link), 0);
	buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	           MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	assert_true(buf != MAP_FAILED);
	buf[0] = 1;
	pfn = own_pfn(buf);
	if (pfn == 0) {
		munmap(buf, 4096);
		skip(); /* frame numbers need CAP_SYS_ADMIN */
	}
	hv = open_root(fx, "test:///default", err, sizeof(err));
	assert_non_null(hv);
	assert_int_equal(hv->ops->domains_on_range(
	                     hv, pfn << 12, (pfn + 1) << 12, domids, 4, &n),
	                 0);
	assert_int_equal(n, 1);
	assert_int_equal(domids[0], 1);
	/* frame 0 is firmware's: no process maps it */
	assert_int_equal(hv->ops->domains_on_range(hv, 0, 4096, domids, 4, &n),
	                 0);
	assert_int_equal(n, 0);
	assert_int_equal(
	    hv->ops->domains_on_range(hv, 8192, 4096, domids, 4, &n), -EINVAL);
	hv_close(hv);
	munmap(buf, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_open_enables_events, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_topology_and_cpus, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_records_and_memory_failure,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_device_and_firmware_events,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_records_across_reads,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_lost_events_reported, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_bad_page_reported, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_soft_offline_writes_address,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_offline_refused_by_kernel,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_cpu_offline_never_last, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_page_query_kpageflags, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_format_mismatch_names_field,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_tracefs_missing, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_legacy_mcelog, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(test_memory_failure_optional, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(
	        test_libvirt_domains_and_failed_migration, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_pagemap_finds_owner, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

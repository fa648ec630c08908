/* bench.c - decode + correlate throughput on generated binary records,
 * through the daemon's reader, decoder and buckets; and text replay. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "cpu-offline/cpu_offline.h"
#include "mce/mce.h"
#include "mce/mce_text.h"
#include "rasd/correlate.h"
#include "rasd/journal.h"
#include "rasd/policy.h"

#define RECLEN MCE_RECORD_LEN_XEN
#define LOGLEN 32

/* An in-memory xen_mcelog: hands out up to 32 records per read. */
struct mem_device {
	const unsigned char *buf;
	size_t len, off;
};

static ssize_t mem_read(void *ctx, void *out, size_t len)
{
	struct mem_device *m = ctx;
	size_t n = LOGLEN * RECLEN;

	if (len < n) {
		errno = EINVAL;
		return -1;
	}
	if (n > m->len - m->off)
		n = m->len - m->off;
	memcpy(out, m->buf + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

static int mem_ioctl(void *ctx, unsigned long req, int *value)
{
	(void)ctx;
	if (req == MCE_IOCTL_GET_RECORD_LEN)
		*value = RECLEN;
	else if (req == MCE_IOCTL_GET_LOG_LEN)
		*value = LOGLEN;
	else if (req == MCE_IOCTL_GETCLEAR_FLAGS)
		*value = 0;
	else {
		errno = ENOTTY;
		return -1;
	}
	return 0;
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

#define N_DIMMS   16
#define DIMM_SIZE (16ull << 30)
#define N_CPUS    64

/* A plausible mix: mostly memory CEs on a set of hot pages, some cache
 * errors, a few uncorrected ones. */
static unsigned char *make_records(size_t n)
{
	unsigned char *buf = malloc(n * RECLEN);
	uint64_t seed = 88172645463325252ull;
	size_t i;

	if (buf == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		struct mce_record r;
		uint64_t x = rng_next(&seed);
		unsigned dimm = (unsigned)(x % N_DIMMS);

		memset(&r, 0, sizeof(r));
		r.mcgcap = 0x1000c14;
		r.cpuid = 0x50657;
		r.extcpu = (uint32_t)((x >> 8) % N_CPUS);
		r.socketid = r.extcpu / (N_CPUS / 2);
		r.bank = 7;
		r.misc = 0x86;
		if (x % 100 < 90) {
			uint64_t page = (x >> 20) % 65536;

			r.addr =
			    dimm * DIMM_SIZE + page * 4096 * 37 % DIMM_SIZE;
			r.status = mce_status_mem_ce(dimm % 4, 1, 1);
		} else if (x % 100 < 98) {
			r.bank = 2;
			r.status = mce_status_cache_ce(2, 3, 1);
		} else {
			r.addr = dimm * DIMM_SIZE + ((x >> 24) % 1024) * 4096;
			r.status = mce_status_patrol_srao(dimm % 4);
			r.mcgstatus = MCG_STATUS_RIPV;
		}
		mce_record_encode(&r, buf + i * RECLEN, RECLEN);
	}
	return buf;
}

struct pipeline {
	struct correlate *corr;
	struct cpu_offline *cpus;
	uint64_t now;
	uint64_t verdicts;
	uint64_t records;
};

static int on_record(void *arg, const struct mce_record *r)
{
	struct pipeline *p = arg;
	struct mce_decoded d;
	struct correlate_result cr;
	uint32_t level;

	if (mce_decode(r, &d) < 0)
		return 0;
	p->now += 7; /* ms between records: 1M records span two hours */
	correlate_record(p->corr, r, &d, p->now, &cr);
	p->verdicts += cr.n_verdicts;
	if (cpu_offline_counts(&d) &&
	    cpu_offline_charge(p->cpus, r->extcpu, p->now, &level))
		p->verdicts++;
	p->records++;
	return 0;
}

static int build_pipeline(struct pipeline *p)
{
	static struct hv_dimm dimms[N_DIMMS];
	static struct hv_cpu cpus[N_CPUS];
	struct policy pol;
	struct correlate_rules cr;
	struct cpu_offline_rules co;
	unsigned i;

	policy_defaults(&pol);
	for (i = 0; i < N_DIMMS; i++) {
		dimms[i].id = i;
		snprintf(dimms[i].label, sizeof(dimms[i].label), "DIMM%u", i);
		dimms[i].socket = i / 8;
		dimms[i].channel = i % 4;
		dimms[i].start = i * DIMM_SIZE;
		dimms[i].size = DIMM_SIZE;
	}
	for (i = 0; i < N_CPUS; i++) {
		cpus[i].cpu = i;
		cpus[i].socket = i / 32;
		cpus[i].core = (i % 32) / 2;
		cpus[i].thread = i % 2;
		cpus[i].online = true;
	}
	cr.page = pol.page;
	cr.dimm = pol.dimm;
	cr.socket = pol.socket;
	co.core = pol.core;
	co.protected = pol.cpu_protected;
	co.protected_bits = POLICY_MAX_CPUS;
	memset(p, 0, sizeof(*p));
	p->now = 1700000000000ull;
	if (correlate_create(&p->corr, &cr, dimms, N_DIMMS, 2) < 0 ||
	    cpu_offline_create(&p->cpus, &co, cpus, N_CPUS) < 0)
		return -1;
	return 0;
}

static double seconds_since(const struct timespec *t0)
{
	struct timespec t1;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	return (double)(t1.tv_sec - t0->tv_sec) +
	       (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

/* Its own function so callgrind can count exactly this part. */
__attribute__((noinline)) static void drain_all(struct mce_reader *rd,
                                                struct pipeline *p)
{
	char err[256];

	while (mce_reader_drain(rd, on_record, p, err, sizeof(err)) > 0)
		;
}

static long rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int run_pipeline(size_t n, double *secs, struct pipeline *p,
                        long *input_kib)
{
	struct mce_dev_ops ops = {.read = mem_read, .ioctl = mem_ioctl};
	struct mce_reader_opts opts = {0, 0};
	struct mem_device dev;
	struct mce_reader *rd;
	struct timespec t0;
	char err[256];
	unsigned char *buf = make_records(n);

	if (buf == NULL || build_pipeline(p) < 0)
		return -1;
	*input_kib = rss_kib();
	dev.buf = buf;
	dev.len = n * RECLEN;
	dev.off = 0;
	if (mce_reader_open_ops(&rd, &ops, &dev, &opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	drain_all(rd, p);
	*secs = seconds_since(&t0);
	mce_reader_close(rd);
	free(buf);
	return 0;
}

/* ---- text replay: mcelog --ascii text in memory, parsed and decoded ---- */

struct text_buf {
	char *p;
	size_t len, cap;
};

static int text_add(struct text_buf *t, const char *s, size_t n)
{
	char *np;

	if (t->len + n > t->cap) {
		t->cap = t->cap ? t->cap * 2 : 1 << 20;
		if (t->cap < t->len + n)
			t->cap = t->len + n;
		np = realloc(t->p, t->cap);
		if (np == NULL)
			return -1;
		t->p = np;
	}
	memcpy(t->p + t->len, s, n);
	t->len += n;
	return 0;
}

/* One block as mcelog's dump_mce() writes it, with the human lines its
 * Intel decoder prints between TIME and STATUS. */
static int text_block(struct text_buf *t, size_t i, const struct mce_record *r)
{
	char b[1024];
	int n;

	n = snprintf(
	    b, sizeof(b),
	    "Hardware event. This is not a software error.\n"
	    "MCE %zu\n"
	    "CPU %u BANK %u TSC %llx \n"
	    "MISC %llx ADDR %llx \n"
	    "TIME %llu Tue Nov 14 22:13:20 2023\n"
	    "MCG status:\n"
	    "MCi status:\n"
	    "Corrected error\n"
	    "Error enabled\n"
	    "MCA: MEMORY CONTROLLER RD_CHANNEL%u_ERR\n"
	    "STATUS %llx MCGSTATUS %llx\n"
	    "MCGCAP %llx APICID %x SOCKETID %x \n"
	    "CPUID Vendor Intel Family 6 Model 85 Step 7\n"
	    "PROCESSOR 0:%x\n",
	    i % 32, r->extcpu, r->bank, (unsigned long long)(0x12345abcull + i),
	    (unsigned long long)r->misc, (unsigned long long)r->addr,
	    (unsigned long long)(1700000000ull + i / 100),
	    (unsigned)(r->status >> 16) & 3, (unsigned long long)r->status,
	    (unsigned long long)r->mcgstatus, (unsigned long long)r->mcgcap,
	    r->extcpu * 2, r->socketid, r->cpuid);
	if (n < 0 || (size_t)n >= sizeof(b))
		return -1;
	return text_add(t, b, (size_t)n);
}

/* The same mix as make_records, written out as text. */
static char *make_text(size_t n, size_t *len)
{
	struct text_buf t = {NULL, 0, 0};
	unsigned char *bin = make_records(n);
	struct mce_record r;
	char err[128];
	size_t i;

	if (bin == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		if (mce_record_parse(bin + i * RECLEN, RECLEN, &r, err,
		                     sizeof(err)) < 0 ||
		    text_block(&t, i, &r) < 0) {
			free(t.p);
			t.p = NULL;
			break;
		}
	}
	free(bin);
	*len = t.len;
	return t.p;
}

struct text_count {
	uint64_t decoded;
};

static int on_text_record(void *arg, const struct mce_record *r)
{
	struct text_count *c = arg;
	struct mce_decoded d;

	if (mce_decode(r, &d) == 0)
		c->decoded++;
	return 0;
}

/* Its own function so callgrind can count exactly this part. */
__attribute__((noinline)) static int parse_text_all(const char *text,
                                                    size_t len,
                                                    struct text_count *c,
                                                    struct mce_text_result *res)
{
	return mce_text_parse(text, len, MCE_FORMAT_AUTO, "bench",
	                      on_text_record, c, res);
}

static int run_text(size_t n)
{
	struct mce_text_result res;
	struct text_count c = {0};
	struct timespec t0;
	size_t len;
	long input_kib;
	double secs;
	char *text = make_text(n, &len);

	if (text == NULL)
		return -1;
	input_kib = rss_kib();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (parse_text_all(text, len, &c, &res) < 0 || res.records != n ||
	    res.rejected != 0) {
		fprintf(stderr, "bench: text: %llu records, %llu rejected\n",
		        (unsigned long long)res.records,
		        (unsigned long long)res.rejected);
		free(text);
		return -1;
	}
	secs = seconds_since(&t0);
	printf("text parse+decode: %zu records (%.0f MiB of mcelog --ascii) "
	       "in %.3f s = %.0f records/s; %llu decoded; peak RSS %ld KiB, "
	       "of which %ld KiB before the run (generated input)\n",
	       n, (double)len / (1 << 20), secs, (double)n / secs,
	       (unsigned long long)c.decoded, rss_kib(), input_kib);
	free(text);
	return 0;
}

/* The journal's side, for comparison: events in batches of one read. */
static int run_journal(size_t n, double *secs)
{
	char path[] = "/tmp/rasd-bench-XXXXXX";
	struct journal *j;
	struct journal_event ev;
	struct timespec t0;
	char err[256];
	size_t i;
	int fd = mkstemp(path);

	if (fd < 0)
		return -1;
	close(fd);
	unlink(path);
	if (journal_open(&j, path, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	snprintf(ev.source, sizeof(ev.source), "bench");
	snprintf(ev.message, sizeof(ev.message),
	         "corrected memory controller read error, channel 1");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < n; i++) {
		if (i % LOGLEN == 0)
			journal_begin(j);
		ev.time_ms = i;
		ev.rec.addr = i * 4096;
		ev.rec.status = mce_status_mem_ce(1, 1, 1);
		journal_event_add(j, &ev);
		if (i % LOGLEN == LOGLEN - 1 || i == n - 1)
			journal_commit(j);
	}
	*secs = seconds_since(&t0);
	journal_close(j);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	return 0;
}

int main(int argc, char **argv)
{
	size_t n = 1000000, nj = 100000;
	struct pipeline p;
	long input_kib;
	double secs;

	if (argc > 1)
		n = strtoul(argv[1], NULL, 0);
	if (argc > 2)
		nj = strtoul(argv[2], NULL, 0);
	/* "bench N 0 text": only the text path, so RSS is its own. */
	if (argc > 3 && strcmp(argv[3], "text") == 0)
		return run_text(n) < 0;
	if (run_pipeline(n, &secs, &p, &input_kib) < 0)
		return 1;
	printf("decode+correlate: %zu records in %.3f s = %.0f records/s; "
	       "%llu verdicts; %zu pages tracked; peak RSS %ld KiB, of which "
	       "%ld KiB before the run (generated input)\n",
	       n, secs, (double)n / secs, (unsigned long long)p.verdicts,
	       correlate_pages_tracked(p.corr), rss_kib(), input_kib);
	correlate_destroy(p.corr);
	cpu_offline_destroy(p.cpus);
	if (nj > 0) {
		if (run_journal(nj, &secs) < 0)
			return 1;
		printf("journal: %zu events in batches of %d in %.3f s = %.0f "
		       "events/s\n",
		       nj, LOGLEN, secs, (double)nj / secs);
	}
	return 0;
}

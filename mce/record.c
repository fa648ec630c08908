/* record.c - the binary struct mce record: parse any length the kernel or
 * xen_mcelog hands out into struct mce_record, and encode one back. */
#include <endian.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mce/mce.h"

/*
 * Byte offsets in struct mce / struct xen_mce (see mce.h). A field is
 * taken only when it lies wholly inside the record: a shorter ABI simply
 * lacks it, and the normalized record keeps it zero.
 */
enum {
	OFF_STATUS = 0,
	OFF_MISC = 8,
	OFF_ADDR = 16,
	OFF_MCGSTATUS = 24,
	OFF_IP = 32,
	OFF_TSC = 40,
	OFF_TIME = 48,
	OFF_CPUVENDOR = 56,
	OFF_INJECT_FLAGS = 57,
	OFF_CPUID = 60,
	OFF_CS = 64,
	OFF_BANK = 65,
	OFF_CPU = 66,
	OFF_EXTCPU = 68,
	OFF_SOCKETID = 72,
	OFF_APICID = 76,
	OFF_MCGCAP = 80,
	OFF_SYND = 88,
	OFF_IPID = 96,
	OFF_PPIN = 104,
	OFF_MICROCODE = 112,
};

static uint64_t load_u64(const unsigned char *rec, size_t len, size_t off)
{
	uint64_t v;

	if (off + sizeof(v) > len)
		return 0;
	memcpy(&v, rec + off, sizeof(v));
	return le64toh(v);
}

static uint32_t load_u32(const unsigned char *rec, size_t len, size_t off)
{
	uint32_t v;

	if (off + sizeof(v) > len)
		return 0;
	memcpy(&v, rec + off, sizeof(v));
	return le32toh(v);
}

static uint8_t load_u8(const unsigned char *rec, size_t len, size_t off)
{
	if (off >= len)
		return 0;
	return rec[off];
}

static void store_u64(unsigned char *rec, size_t len, size_t off, uint64_t v)
{
	if (off + sizeof(v) > len)
		return;
	v = htole64(v);
	memcpy(rec + off, &v, sizeof(v));
}

static void store_u32(unsigned char *rec, size_t len, size_t off, uint32_t v)
{
	if (off + sizeof(v) > len)
		return;
	v = htole32(v);
	memcpy(rec + off, &v, sizeof(v));
}

static void store_u8(unsigned char *rec, size_t len, size_t off, uint8_t v)
{
	if (off >= len)
		return;
	rec[off] = v;
}

static int check_len(size_t len, char *err, size_t errlen)
{
	if (len < MCE_RECORD_LEN_MIN) {
		snprintf(err, errlen,
		         "record length %zu is shorter than the %d-byte "
		         "struct mce prefix",
		         len, MCE_RECORD_LEN_MIN);
		return -1;
	}
	if (len > MCE_RECORD_LEN_MAX) {
		snprintf(err, errlen,
		         "record length %zu is longer than %d bytes: "
		         "not a struct mce",
		         len, MCE_RECORD_LEN_MAX);
		return -1;
	}
	return 0;
}

int mce_record_parse(const void *buf, size_t len, struct mce_record *out,
                     char *err, size_t errlen)
{
	const unsigned char *rec = buf;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (check_len(len, err, errlen) < 0)
		return -1;

	memset(out, 0, sizeof(*out));
	out->status = load_u64(rec, len, OFF_STATUS);
	out->misc = load_u64(rec, len, OFF_MISC);
	out->addr = load_u64(rec, len, OFF_ADDR);
	out->mcgstatus = load_u64(rec, len, OFF_MCGSTATUS);
	out->ip = load_u64(rec, len, OFF_IP);
	out->tsc = load_u64(rec, len, OFF_TSC);
	out->time = load_u64(rec, len, OFF_TIME);
	out->cpuvendor = load_u8(rec, len, OFF_CPUVENDOR);
	out->inject_flags = load_u8(rec, len, OFF_INJECT_FLAGS);
	out->cpuid = load_u32(rec, len, OFF_CPUID);
	out->cs = load_u8(rec, len, OFF_CS);
	out->bank = load_u8(rec, len, OFF_BANK);
	out->extcpu = load_u32(rec, len, OFF_EXTCPU);
	out->socketid = load_u32(rec, len, OFF_SOCKETID);
	out->apicid = load_u32(rec, len, OFF_APICID);
	out->mcgcap = load_u64(rec, len, OFF_MCGCAP);
	out->synd = load_u64(rec, len, OFF_SYND);
	out->ipid = load_u64(rec, len, OFF_IPID);
	out->ppin = load_u64(rec, len, OFF_PPIN);
	out->microcode = load_u32(rec, len, OFF_MICROCODE);
	out->record_len = (uint16_t)len;
	return 0;
}

int mce_record_encode(const struct mce_record *r, void *buf, size_t len)
{
	unsigned char *rec = buf;

	if (check_len(len, NULL, 0) < 0)
		return -1;

	memset(rec, 0, len);
	store_u64(rec, len, OFF_STATUS, r->status);
	store_u64(rec, len, OFF_MISC, r->misc);
	store_u64(rec, len, OFF_ADDR, r->addr);
	store_u64(rec, len, OFF_MCGSTATUS, r->mcgstatus);
	store_u64(rec, len, OFF_IP, r->ip);
	store_u64(rec, len, OFF_TSC, r->tsc);
	store_u64(rec, len, OFF_TIME, r->time);
	store_u8(rec, len, OFF_CPUVENDOR, r->cpuvendor);
	store_u8(rec, len, OFF_INJECT_FLAGS, r->inject_flags);
	store_u32(rec, len, OFF_CPUID, r->cpuid);
	store_u8(rec, len, OFF_CS, r->cs);
	store_u8(rec, len, OFF_BANK, r->bank);
	/* The obsolete u8 cpu: xen_mcelog fills it with extcpu, truncated. */
	store_u8(rec, len, OFF_CPU, (uint8_t)r->extcpu);
	store_u32(rec, len, OFF_EXTCPU, r->extcpu);
	store_u32(rec, len, OFF_SOCKETID, r->socketid);
	store_u32(rec, len, OFF_APICID, r->apicid);
	store_u64(rec, len, OFF_MCGCAP, r->mcgcap);
	store_u64(rec, len, OFF_SYND, r->synd);
	store_u64(rec, len, OFF_IPID, r->ipid);
	store_u64(rec, len, OFF_PPIN, r->ppin);
	store_u32(rec, len, OFF_MICROCODE, r->microcode);
	return 0;
}

/* The layouts a file of records may hold, most recent first. */
static const struct {
	size_t len;
	const char *layout;
} record_layouts[] = {
    {MCE_RECORD_LEN_LINUX, "Linux struct mce"},
    {MCE_RECORD_LEN_XEN, "Xen dom0 struct xen_mce"},
    {MCE_RECORD_LEN_MIN, "struct mce before Linux 5.8"},
};

#define MCG_CAP_COUNT_MASK 0xffU /* MCG_CAP[7:0]: number of banks */

/* Kernel X86_VENDOR_* numbers that log machine checks. */
static bool vendor_known(uint8_t v)
{
	return v == MCE_VENDOR_INTEL || v == MCE_VENDOR_AMD ||
	       v == MCE_VENDOR_HYGON || v == 5 /* Centaur */ ||
	       v == 10 /* Zhaoxin */;
}

/*
 * struct mce's tail: the kernel zeroes a record before filling it, so the
 * 4 bytes of alignment padding after microcode are 0, and kflags holds a
 * few low flag bits (MCE_HANDLED_*, MCE_IN_KERNEL_*). A shorter record
 * read as 128 bytes has the next record's status there instead.
 */
#define OFF_TAIL_PAD 116
#define OFF_KFLAGS   120

static bool tail_plausible(const unsigned char *rec, size_t len)
{
	if (len < MCE_RECORD_LEN_LINUX)
		return true;
	return load_u32(rec, len, OFF_TAIL_PAD) == 0 &&
	       load_u64(rec, len, OFF_KFLAGS) >> 32 == 0;
}

/* Does the record at rec, read as `len` bytes, look like a real one? */
static bool record_plausible(const unsigned char *rec, size_t len)
{
	uint64_t status = load_u64(rec, len, OFF_STATUS);
	uint64_t mcgcap = load_u64(rec, len, OFF_MCGCAP);
	uint8_t bank = load_u8(rec, len, OFF_BANK);

	if (!(status & MCI_STATUS_VAL) || !tail_plausible(rec, len))
		return false;
	if (!vendor_known(load_u8(rec, len, OFF_CPUVENDOR)))
		return false;
	return (mcgcap & MCG_CAP_COUNT_MASK) == 0 ||
	       bank < (mcgcap & MCG_CAP_COUNT_MASK);
}

static size_t count_plausible(const unsigned char *buf, size_t len, size_t rlen)
{
	size_t off, n = 0;

	for (off = 0; off + rlen <= len; off += rlen)
		if (record_plausible(buf + off, rlen))
			n++;
	return n;
}

/*
 * Better: a larger share of plausible records (a share, so that a shorter
 * length's extra records do not count twice); then dividing the size
 * exactly (the prefix of a longer record looks right at a shorter
 * length); then the order of record_layouts.
 */
static bool guess_better(const struct mce_len_guess *a,
                         const struct mce_len_guess *b)
{
	size_t sa = a->plausible * b->records, sb = b->plausible * a->records;

	if (sa != sb)
		return sa > sb;
	return a->leftover == 0 && b->leftover != 0;
}

int mce_record_len_guess(const void *buf, size_t len, struct mce_len_guess *g)
{
	struct mce_len_guess c;
	size_t i;

	memset(g, 0, sizeof(*g));
	g->record_len = MCE_RECORD_LEN_LINUX;
	g->layout = record_layouts[0].layout;
	g->leftover = len;
	for (i = 0; i < sizeof(record_layouts) / sizeof(record_layouts[0]);
	     i++) {
		c.record_len = record_layouts[i].len;
		c.layout = record_layouts[i].layout;
		c.records = len / c.record_len;
		c.leftover = len % c.record_len;
		c.plausible = count_plausible(buf, len, c.record_len);
		if (c.plausible > 0 &&
		    (g->plausible == 0 || guess_better(&c, g)))
			*g = c;
	}
	return g->plausible > 0 ? 0 : -1;
}

/* test_mce_decode.c - architectural decoding checked against hand-worked
 * SDM examples and records from the lab, as an operator would read them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mce/mce.h"

/* A recovery-capable Intel server: SER_P, 22 banks, no CMCI. */
#define MCGCAP_SER (MCG_CAP_SER_P | 22)
/* The same with CMCI, which makes the corrected count meaningful. */
#define MCGCAP_SER_CMCI (MCG_CAP_SER_P | MCG_CAP_CMCI_P | 22)
/* An older CPU: neither SER_P nor CMCI. */
#define MCGCAP_OLD 9

#define MISC_PHYS_LSB6 0x86 /* mode 010 (physical), lsb 6 */

static struct mce_record record(uint64_t status, uint64_t misc, uint64_t addr,
                                uint64_t mcgcap, uint64_t mcgstatus)
{
	struct mce_record r;

	memset(&r, 0, sizeof(r));
	r.status = status;
	r.misc = misc;
	r.addr = addr;
	r.mcgcap = mcgcap;
	r.mcgstatus = mcgstatus;
	r.record_len = MCE_RECORD_LEN_XEN;
	return r;
}

static struct mce_decoded decode_ok(const struct mce_record *r)
{
	struct mce_decoded d;

	assert_int_equal(mce_decode(r, &d), 0);
	return d;
}

static void test_memory_read_channel2(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV |
	              MCI_STATUS_MISCV | 0x0092;
	struct mce_record r =
	    record(st, MISC_PHYS_LSB6, 0x12345678, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_string_equal(d.class_name, "memory controller read error");
	assert_int_equal(d.channel, 2);
	assert_int_equal(d.addr_lsb, 6);
	assert_int_equal(d.addr_mode, MCE_ADDR_PHYSICAL);
	assert_true(d.phys_addr_valid);
	/* lsb 6: the six low bits say nothing, so they are cleared */
	assert_int_equal(d.phys_addr, 0x12345640);
	assert_int_equal(d.page, 0x12345);
	assert_false(d.ce_count_valid); /* no CMCI_P and a zero field */
	assert_false(d.uc);
	assert_false(d.over);
}

static void test_describe_memory_read(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV |
	              MCI_STATUS_MISCV | 1ULL << 38 | 0x0092;
	struct mce_record r =
	    record(st, MISC_PHYS_LSB6, 0x12345000, MCGCAP_SER_CMCI, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];
	int n;

	(void)state;
	r.extcpu = 3;
	r.bank = 7;
	n = mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "corrected memory controller read error, "
	                          "channel 2, addr 0x12345000 (lsb 6), count "
	                          "1, cpu 3 bank 7");
	assert_int_equal(n, (int)strlen(line));
}

/* From the lab: a corrected read on channel 0, MSCOD 0x0001, count 1. */
static void test_lab_memory_record(void **state)
{
	struct mce_record r = record(0x9c00004000010090ULL, MISC_PHYS_LSB6,
	                             0x2345000, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_int_equal(d.mcacod, 0x0090);
	assert_int_equal(d.mscod, 0x0001);
	assert_int_equal(d.channel, 0);
	assert_true(d.ce_count_valid); /* the field is nonzero */
	assert_int_equal(d.ce_count, 1);
	assert_true(d.miscv);
	assert_true(d.addrv);
	assert_true(d.phys_addr_valid);
	assert_int_equal(d.phys_addr, 0x2345000);
	assert_int_equal(d.page, 0x2345);
	/* The builder makes the same error, with MSCOD 0. */
	assert_int_equal(mce_status_mem_ce(0, 1, 1),
	                 0x9c00004000010090ULL & ~0xffff0000ULL);
}

/* From the lab: SRAO L3 explicit writeback, MCACOD 0x17A. */
static void test_lab_l3_writeback_srao(void **state)
{
	struct mce_record r =
	    record(0xbd2000008000017aULL, MISC_PHYS_LSB6, 0x1ff3e040,
	           MCGCAP_SER_CMCI, MCG_STATUS_MCIP | MCG_STATUS_RIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_SRAO);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_string_equal(d.class_name, "L3 explicit writeback error");
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.request, "EVICT");
	assert_string_equal(d.transaction, "generic");
	assert_true(d.uc);
	assert_true(d.s);
	assert_false(d.ar);
	assert_false(d.pcc);
	assert_int_equal(d.mscod, 0x8000);
	assert_true(d.ce_count_valid);
	assert_int_equal(d.ce_count, 0);
	assert_int_equal(d.phys_addr, 0x1ff3e040);
	assert_int_equal(d.page, 0x1ff3e);
}

/*
 * The same code when corrected is just an eviction, at the level LL=10
 * names: the L3, as the SDM's SRAO table says of 0x17A (Intel counts LL
 * from 0).
 */
static void test_corrected_17a_is_architectural(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | 0x017a;
	struct mce_record r = record(st, 0, 0, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_string_equal(d.class_name, "L3 cache eviction error");
	assert_int_equal(d.cache_level, 3);
}

static void test_patrol_scrub_srao(void **state)
{
	uint64_t st = mce_status_patrol_srao(2);
	struct mce_record r = record(st, MISC_PHYS_LSB6, 0x40001000, MCGCAP_SER,
	                             MCG_STATUS_MCIP | MCG_STATUS_RIPV);
	struct mce_decoded d;
	char line[256];

	(void)state;
	assert_int_equal(st, MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN |
	                         MCI_STATUS_MISCV | MCI_STATUS_ADDRV |
	                         MCI_STATUS_S | 0xc2);
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_SRAO);
	assert_int_equal(d.channel, 2);
	assert_string_equal(d.class_name, "memory scrubbing error");
	assert_int_equal(d.page, 0x40001);
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "SRAO memory scrubbing error, channel 2, "
	                          "addr 0x40001000 (lsb 6), cpu 0 bank 0");
}

/* Without SER_P, S and AR mean nothing: a survivable UC is UCNA. */
static void test_scrub_without_ser_is_ucna(void **state)
{
	struct mce_record r =
	    record(mce_status_patrol_srao(2), MISC_PHYS_LSB6, 0x40001000,
	           MCGCAP_OLD, MCG_STATUS_MCIP | MCG_STATUS_RIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_UCNA);
	/* and the MISC format is model specific: addr taken whole */
	assert_int_equal(d.addr_mode, MCE_ADDR_UNKNOWN);
	assert_int_equal(d.phys_addr, 0x40001000);
}

#define SRAR_STATUS                                                            \
	(MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN | MCI_STATUS_MISCV |   \
	 MCI_STATUS_ADDRV | MCI_STATUS_S | MCI_STATUS_AR)

/* SDM: the affected processor sees RIPV=0, EIPV=1 for an SRAR. */
static void test_srar_data_load(void **state)
{
	struct mce_record r =
	    record(SRAR_STATUS | 0x0134, MISC_PHYS_LSB6, 0x7f001080, MCGCAP_SER,
	           MCG_STATUS_MCIP | MCG_STATUS_EIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_string_equal(d.class_name, "data load error");
	assert_int_equal(d.cache_level, 1); /* LL=00: the DCU, L1 */
	assert_string_equal(d.request, "DRD");
	assert_string_equal(d.transaction, "data");
	assert_true(d.ar);
	assert_int_equal(d.page, 0x7f001);
}

static void test_srar_instruction_fetch(void **state)
{
	struct mce_record r =
	    record(SRAR_STATUS | 0x0150, MISC_PHYS_LSB6, 0x7f001080, MCGCAP_SER,
	           MCG_STATUS_MCIP | MCG_STATUS_EIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	assert_string_equal(d.class_name, "instruction fetch error");
	assert_string_equal(d.request, "IRD");
	assert_string_equal(d.transaction, "instruction");
}

/* Neither a restart IP nor an error IP: nothing to recover to. */
static void test_srar_without_eipv_is_fatal(void **state)
{
	struct mce_record r = record(SRAR_STATUS | 0x0134, MISC_PHYS_LSB6,
	                             0x7f001080, MCGCAP_SER, MCG_STATUS_MCIP);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_FATAL);
	assert_string_equal(d.class_name, "data load error");
}

static void test_srao_in_unrestartable_mc_is_fatal(void **state)
{
	struct mce_record r =
	    record(mce_status_patrol_srao(1), MISC_PHYS_LSB6, 0x1000,
	           MCGCAP_SER, MCG_STATUS_MCIP | MCG_STATUS_EIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_FATAL);
}

static void test_l2_data_read_cache_error(void **state)
{
	uint64_t st = mce_status_cache_ce(2, 3, 1);
	struct mce_record r = record(st, 0, 0, 0, 0);
	struct mce_decoded d;
	char line[256];

	(void)state;
	assert_int_equal(st, MCI_STATUS_VAL | MCI_STATUS_EN | 0x0135);
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_int_equal(d.cache_level, 2);
	assert_string_equal(d.request, "DRD");
	assert_string_equal(d.transaction, "data");
	assert_string_equal(d.class_name, "L2 cache data read error");
	assert_false(d.phys_addr_valid);
	r.extcpu = 4;
	r.bank = 2;
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line,
	                    "corrected L2 cache data read error (DRD), cpu 4 "
	                    "bank 2");
}

static void test_cache_levels_from_builder(void **state)
{
	struct mce_record r = record(mce_status_cache_ce(1, 5, 0), 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.mcacod, 0x0150);
	assert_int_equal(d.cache_level, 1);
	assert_string_equal(d.class_name, "L1 cache instruction fetch error");
	/* level 3 is LL=10 on Intel */
	r = record(mce_status_cache_ce(3, 0, 2), 0, 0, 0, 0);
	d = decode_ok(&r);
	assert_int_equal(d.mcacod, 0x010a);
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.class_name, "L3 cache error");
	/* no level (0) is LL=11, which architecturally is "generic" */
	r = record(mce_status_cache_ce(0, 0, 2), 0, 0, 0, 0);
	d = decode_ok(&r);
	assert_int_equal(d.mcacod, 0x010b);
	assert_int_equal(d.cache_level, 0);
	assert_string_equal(d.class_name, "cache error");
}

static void test_overflow(void **state)
{
	struct mce_record r = record(0x9c00004000010090ULL | MCI_STATUS_OVER,
	                             MISC_PHYS_LSB6, 0x2345000, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];

	(void)state;
	assert_true(d.over);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	mce_describe(&r, &d, line, sizeof(line));
	assert_non_null(strstr(line, "(earlier errors lost: overflow)"));
	r.status &= ~MCI_STATUS_OVER;
	d = decode_ok(&r);
	mce_describe(&r, &d, line, sizeof(line));
	assert_null(strstr(line, "overflow"));
}

static void test_pcc_is_fatal(void **state)
{
	uint64_t st = SRAR_STATUS | MCI_STATUS_PCC | 0x0150;
	struct mce_record r = record(st, MISC_PHYS_LSB6, 0x1000, MCGCAP_SER,
	                             MCG_STATUS_MCIP | MCG_STATUS_EIPV);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_FATAL);
	assert_true(d.pcc);
	r.mcgcap = MCGCAP_OLD;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
}

static void test_val_clear(void **state)
{
	struct mce_record r = record(0x1c00004000010090ULL, MISC_PHYS_LSB6,
	                             0x2345000, MCGCAP_SER, 0);
	struct mce_decoded d;
	char line[128];

	(void)state;
	assert_int_equal(mce_decode(&r, &d), -1);
	assert_false(d.val);
	assert_false(d.phys_addr_valid);
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "no valid error (VAL clear), cpu 0 bank 0");
}

static void test_amd_deferred(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV |
	              MCI_STATUS_DEFERRED | 0x0136;
	struct mce_record r = record(st, 0, 0x5000, 0, 0);
	struct mce_decoded d;

	(void)state;
	r.cpuvendor = MCE_VENDOR_AMD;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_DEFERRED);
	assert_false(d.ce_count_valid); /* bit 44 is not a count on AMD */
	r.cpuvendor = MCE_VENDOR_HYGON;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_DEFERRED);
	r.status |= MCI_STATUS_UC;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_DEFERRED);
	r.status |= MCI_STATUS_PCC;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
	/* On Intel bit 44 is bit 6 of the corrected count. */
	r.status = st;
	r.cpuvendor = MCE_VENDOR_INTEL;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_true(d.ce_count_valid);
	assert_int_equal(d.ce_count, 64);
}

/*
 * TLB levels count like cache levels: from LL=00 on Intel (the DTLB
 * bank's first-level TLB), from LL=01 on AMD (APM: 00 is reserved).
 */
static void test_tlb(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x0014, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_TLB);
	assert_int_equal(d.cache_level, 1);
	assert_string_equal(d.transaction, "data");
	assert_string_equal(d.class_name, "L1 TLB error");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0015;
	d = decode_ok(&r);
	assert_int_equal(d.cache_level, 2);
	assert_string_equal(d.class_name, "L2 TLB error");
	r.cpuvendor = MCE_VENDOR_AMD;
	d = decode_ok(&r);
	assert_int_equal(d.cache_level, 1);
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0012;
	d = decode_ok(&r);
	assert_int_equal(d.cache_level, 2);
	assert_string_equal(d.transaction, "instruction");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0010;
	d = decode_ok(&r);
	assert_int_equal(d.cache_level, 0); /* reserved */
	assert_string_equal(d.class_name, "TLB error");
}

/* 000F 1PPT RRRR IILL with PP=01, T=1, RRRR=0001, II=00, LL=11. */
static void test_bus(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x0b13, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_BUS);
	assert_string_equal(d.request, "RD");
	assert_string_equal(d.class_name, "bus/interconnect timeout");
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "corrected bus/interconnect timeout (RD, "
	                          "responder, memory), cpu 0 bank 0");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0e0b;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_BUS);
	assert_string_equal(d.class_name, "I/O error");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0003;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_BUS);
	assert_string_equal(d.class_name, "external error");
}

static void test_internal(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x0400, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.class_name, "internal timer error");
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "corrected internal timer error (mcacod "
	                          "0x0400 mscod 0x0000), cpu 0 bank 0");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0405;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.class_name, "internal unclassified error");
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0005;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.class_name, "internal parity error");
}

static void test_filter_bit_still_classifies(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x1092, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.mcacod, 0x1092); /* reported as the CPU gave it */
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.channel, 2);
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x1136;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.request, "DRD");
	/* the I/O error is a bus code, so F may be set on it too */
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x1e0b;
	d = decode_ok(&r);
	assert_string_equal(d.class_name, "I/O error");
}

static void test_ucna_and_invalid_ucr(void **state)
{
	uint64_t uc = MCI_STATUS_VAL | MCI_STATUS_UC | MCI_STATUS_EN | 0x0090;
	struct mce_record r = record(uc, 0, 0, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.severity, MCE_SEV_UCNA);
	r.status = uc | MCI_STATUS_AR; /* AR without S */
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
	/* No SER_P: found by polling (no #MC), it did not stop anything */
	r = record(uc, 0, 0, MCGCAP_OLD, 0);
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_UCNA);
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_UCNA);
	r.mcgstatus = MCG_STATUS_MCIP;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
}

static void test_channel_unspecified(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x00af, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_string_equal(d.class_name, "memory controller write error");
	assert_int_equal(d.channel, -1);
	mce_describe(&r, &d, line, sizeof(line));
	assert_null(strstr(line, "channel"));
}

static void test_extended_memory(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x0291, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_string_equal(d.class_name, "extended memory read error");
	assert_int_equal(d.channel, 1);
}

static void test_generic_cache_hierarchy(void **state)
{
	struct mce_record r =
	    record(MCI_STATUS_VAL | MCI_STATUS_EN | 0x000e, 0, 0, 0, 0);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.class_name, "L3 cache hierarchy error");
}

static void test_unknown_codes(void **state)
{
	static const uint16_t codes[] = {0x0000, 0x0008, 0x0040,
	                                 0x0200, 0x2000, 0x8136};
	struct mce_record r;
	struct mce_decoded d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
		r = record(MCI_STATUS_VAL | MCI_STATUS_EN | codes[i], 0, 0, 0,
		           0);
		d = decode_ok(&r);
		assert_int_equal(d.kind, MCE_KIND_UNKNOWN);
		assert_non_null(d.class_name);
	}
}

#define ADDR_STATUS                                                            \
	(MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_MISCV |                   \
	 MCI_STATUS_ADDRV | 0x0090)

static void test_address_rules(void **state)
{
	struct mce_record r =
	    record(ADDR_STATUS, 0x80 | 53, 0x123456789000ULL, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);
	char line[256];

	(void)state;
	assert_false(d.phys_addr_valid); /* lsb past bit 52 */
	assert_int_equal(d.addr_lsb, 53);
	mce_describe(&r, &d, line, sizeof(line));
	assert_non_null(strstr(line, "(lsb 53 out of range)"));
	r.misc = 0x80 | 52;
	d = decode_ok(&r);
	assert_true(d.phys_addr_valid);
	assert_int_equal(d.phys_addr, 0);
	r.misc = 0x40 | 6; /* linear */
	d = decode_ok(&r);
	assert_int_equal(d.addr_mode, MCE_ADDR_LINEAR);
	assert_false(d.phys_addr_valid);
	r.misc = 0x100 | 6; /* reserved mode 100 */
	d = decode_ok(&r);
	assert_int_equal(d.addr_mode, MCE_ADDR_UNKNOWN);
	assert_false(d.phys_addr_valid);
	r.status = ADDR_STATUS & ~MCI_STATUS_MISCV; /* MISC not valid */
	d = decode_ok(&r);
	assert_int_equal(d.addr_mode, MCE_ADDR_UNKNOWN);
	assert_true(d.phys_addr_valid);
	assert_int_equal(d.phys_addr, 0x123456789000ULL);
	assert_int_equal(d.page, 0x123456789ULL);
	r.status = ADDR_STATUS & ~MCI_STATUS_ADDRV;
	r.misc = MISC_PHYS_LSB6;
	d = decode_ok(&r);
	assert_false(d.phys_addr_valid);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(mce_severity_name(MCE_SEV_CORRECTED), "corrected");
	assert_string_equal(mce_severity_name(MCE_SEV_DEFERRED), "deferred");
	assert_string_equal(mce_severity_name(MCE_SEV_UCNA), "ucna");
	assert_string_equal(mce_severity_name(MCE_SEV_SRAO), "srao");
	assert_string_equal(mce_severity_name(MCE_SEV_SRAR), "srar");
	assert_string_equal(mce_severity_name(MCE_SEV_FATAL), "fatal");
	assert_string_equal(mce_severity_name((enum mce_severity)42),
	                    "unknown");
	assert_string_equal(mce_kind_name(MCE_KIND_MEMORY), "memory");
	assert_string_equal(mce_kind_name(MCE_KIND_CACHE), "cache");
	assert_string_equal(mce_kind_name(MCE_KIND_TLB), "tlb");
	assert_string_equal(mce_kind_name(MCE_KIND_BUS), "bus");
	assert_string_equal(mce_kind_name(MCE_KIND_INTERCONNECT),
	                    "interconnect");
	assert_string_equal(mce_kind_name(MCE_KIND_INTERNAL), "internal");
	assert_string_equal(mce_kind_name(MCE_KIND_UNKNOWN), "unknown");
	assert_string_equal(mce_kind_name((enum mce_kind)42), "unknown");
}

static void test_status_builders(void **state)
{
	(void)state;
	assert_int_equal(mce_status_mem_ce(2, 1, 1), 0x9c00004000000092ULL);
	/* channel 15 and above: "unspecified" */
	assert_int_equal(mce_status_mem_ce(20, 4, 0) & 0xffff, 0x00cf);
	/* the count field is 15 bits and saturates */
	assert_int_equal((mce_status_mem_ce(0, 1, 100000) >> 38) & 0x7fff,
	                 0x7fff);
	assert_int_equal(mce_status_cache_ce(1, 3, 1) & 0xffff, 0x0134);
	assert_int_equal(mce_status_cache_ce(3, 3, 1) & 0xffff, 0x0136);
	assert_int_equal(mce_status_cache_ce(0, 3, 1) & 0xffff, 0x0137);
	assert_int_equal(mce_status_cache_ce(4, 3, 1) & 0xffff, 0x0137);
	assert_int_equal(mce_status_patrol_srao(0), 0xbd000000000000c0ULL);
}

static void test_describe_truncates(void **state)
{
	struct mce_record r = record(0x9c00004000010090ULL, MISC_PHYS_LSB6,
	                             0x2345000, MCGCAP_SER, 0);
	struct mce_decoded d = decode_ok(&r);
	char full[256], small[16];
	int n;

	(void)state;
	n = mce_describe(&r, &d, full, sizeof(full));
	assert_int_equal(mce_describe(&r, &d, small, sizeof(small)), n);
	assert_true(n > (int)sizeof(small));
	assert_int_equal(strlen(small), sizeof(small) - 1);
	assert_memory_equal(small, full, sizeof(small) - 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_memory_read_channel2),
	    cmocka_unit_test(test_describe_memory_read),
	    cmocka_unit_test(test_lab_memory_record),
	    cmocka_unit_test(test_lab_l3_writeback_srao),
	    cmocka_unit_test(test_corrected_17a_is_architectural),
	    cmocka_unit_test(test_patrol_scrub_srao),
	    cmocka_unit_test(test_scrub_without_ser_is_ucna),
	    cmocka_unit_test(test_srar_data_load),
	    cmocka_unit_test(test_srar_instruction_fetch),
	    cmocka_unit_test(test_srar_without_eipv_is_fatal),
	    cmocka_unit_test(test_srao_in_unrestartable_mc_is_fatal),
	    cmocka_unit_test(test_l2_data_read_cache_error),
	    cmocka_unit_test(test_cache_levels_from_builder),
	    cmocka_unit_test(test_overflow),
	    cmocka_unit_test(test_pcc_is_fatal),
	    cmocka_unit_test(test_val_clear),
	    cmocka_unit_test(test_amd_deferred),
	    cmocka_unit_test(test_tlb),
	    cmocka_unit_test(test_bus),
	    cmocka_unit_test(test_internal),
	    cmocka_unit_test(test_filter_bit_still_classifies),
	    cmocka_unit_test(test_ucna_and_invalid_ucr),
	    cmocka_unit_test(test_channel_unspecified),
	    cmocka_unit_test(test_extended_memory),
	    cmocka_unit_test(test_generic_cache_hierarchy),
	    cmocka_unit_test(test_unknown_codes),
	    cmocka_unit_test(test_address_rules),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_status_builders),
	    cmocka_unit_test(test_describe_truncates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

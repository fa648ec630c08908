/* test_mce_amd.c - AMD SMCA decoding checked against records worked by hand
 * from the PPR's MCA register layouts and the Linux kernel's SMCA tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mce/amd_int.h"
#include "mce/mce.h"

/*
 * CPUID Fn0000_0001_EAX values (PPR "CPUID_Fn00000001_EAX"): family is
 * BaseFamily 11:8 plus ExtFamily 27:20 when BaseFamily is 0Fh.
 */
#define CPUID_ZEN3_MILAN 0x00a00f11 /* 0Fh + 0Ah = 19h, model 01h */
#define CPUID_ZEN2_ROME  0x00830f10 /* 0Fh + 08h = 17h, model 31h */
#define CPUID_HYGON_18H  0x00900f01 /* 0Fh + 09h = 18h (Dhyana) */
#define CPUID_FAM15H     0x00600f20 /* 0Fh + 06h = 15h (Piledriver) */
#define CPUID_FAM10H     0x00100f42 /* 0Fh + 01h = 10h */

/* A Zen MCG_CAP: 23 banks and MCG_CTL_P; no SER_P, no CMCI. */
#define MCGCAP_ZEN 0x117

/*
 * MCA_IPID = McaType 63:48 | HardwareID 43:32 | InstanceId 31:0 (PPR
 * "MCA_IPID"). UMC InstanceIds on EPYC 7003 are 0x00050f00 + n << 20
 * for channel n; bits 31:20 give the channel (Linux amd64_edac).
 */
static uint64_t ipid(unsigned int hwid, unsigned int mcatype, uint32_t inst)
{
	return (uint64_t)mcatype << 48 | (uint64_t)hwid << 32 | inst;
}

#define UMC_INST(ch) (0x00050f00U + ((uint32_t)(ch) << 20))

/* MCA_STATUS ErrorCodeExt, bits 21:16. */
static uint64_t xec(unsigned int code)
{
	return (uint64_t)code << 16;
}

/* MCA_STATUS CECC (46), reported with corrected DRAM ECC errors. */
#define STATUS_CECC (1ULL << 46)

static struct mce_record amd_record(uint8_t vendor, uint32_t cpuid,
                                    uint64_t ipid_val, uint64_t status)
{
	struct mce_record r;

	memset(&r, 0, sizeof(r));
	r.cpuvendor = vendor;
	r.cpuid = cpuid;
	r.ipid = ipid_val;
	r.status = status;
	r.mcgcap = MCGCAP_ZEN;
	r.bank = 17;
	r.record_len = MCE_RECORD_LEN_XEN;
	return r;
}

static struct mce_decoded decode_ok(const struct mce_record *r)
{
	struct mce_decoded d;

	assert_int_equal(mce_decode(r, &d), 0);
	return d;
}

/*
 * Zen 3 UMC, corrected DRAM ECC error (PPR 19h "MCA_STATUS_UMC":
 * ErrorCodeExt 0 = DRAM ECC error; "MCA_SYND_UMC": ErrorInformation
 * 2:0 = chip select when SyndV). Status as the kernel logs one:
 * VAL|EN|MISCV|ADDRV|SyndV|CECC, MCACOD 0x011b (generic cache read).
 */
static void test_umc_ce_dram_ecc(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_MISCV |
	              MCI_STATUS_ADDRV | SMCA_STATUS_SYNDV | STATUS_CECC |
	              xec(0) | 0x011b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0x96, 0, UMC_INST(3)), st);
	struct mce_decoded d;
	char line[256];

	(void)state;
	assert_int_equal(r.ipid, 0x0000009600350f00ULL);
	/* Syndrome 63:32, Length 23:18 = 16, chip select 2 in 2:0. */
	r.synd = 0x00005d0e00400002ULL;
	/* Normalized DRAM address, LSB 6 in MCA_ADDR[61:56]. */
	r.addr = 6ULL << 56 | 0x1234567c0ULL;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_string_equal(d.model, "AMD family 19h (SMCA)");
	assert_string_equal(d.bank_name, "UMC");
	assert_string_equal(d.detail, "DRAM ECC error");
	assert_string_equal(d.class_name, "memory controller error");
	assert_int_equal(d.channel, 3);
	assert_int_equal(d.controller, 3);
	assert_int_equal(d.chip_select, 2);
	assert_int_equal(d.rank, 2);
	/* A normalized address is not a page rasd may offline. */
	assert_true(d.addrv);
	assert_false(d.phys_addr_valid);
	assert_int_equal(d.page, 0);
	assert_int_equal(d.addr_mode, MCE_ADDR_MEMORY);
	assert_non_null(d.note);
	assert_non_null(strstr(d.note, "normalized DRAM address"));
	assert_int_equal(mce_decode_amd(&r, &d), 1);
	mce_describe(&r, &d, line, sizeof(line));
	assert_non_null(strstr(line, "DRAM ECC error"));
	assert_non_null(strstr(line, "chip select 2"));
	assert_null(strstr(line, "cache"));
}

/* Without SyndV the syndrome says nothing: no chip select, no rank. */
static void test_umc_no_syndv(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(0) | 0x011b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0x96, 0, UMC_INST(5)), st);
	struct mce_decoded d;

	(void)state;
	r.synd = 0x3; /* stale: SyndV is clear */
	d = decode_ok(&r);
	assert_int_equal(d.channel, 5);
	assert_int_equal(d.chip_select, -1);
	assert_int_equal(d.rank, -1);
	assert_null(d.note); /* no address, nothing to warn about */
}

/* The chip select is defined for DRAM ECC errors only (ErrorCodeExt 0). */
static void test_umc_write_crc(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | SMCA_STATUS_SYNDV |
	              xec(5) | 0x011b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN2_ROME,
	                                 ipid(0x96, 0, UMC_INST(1)), st);
	struct mce_decoded d;

	(void)state;
	r.synd = 0x1;
	d = decode_ok(&r);
	assert_string_equal(d.model, "AMD family 17h (SMCA)");
	assert_string_equal(d.detail, "write data CRC error");
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.channel, 1);
	assert_int_equal(d.chip_select, -1);
}

/*
 * UMC deferred error (PPR "MCA_STATUS[Deferred]", bit 44: uncorrected,
 * not yet consumed): memory, deferred, the address kept but not acted on.
 */
static void test_umc_deferred(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV |
	              MCI_STATUS_DEFERRED | xec(0) | 0x011b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0x96, 0, UMC_INST(7)), st);
	struct mce_decoded d;

	(void)state;
	r.addr = 0x7f00012340ULL;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_DEFERRED);
	assert_string_equal(d.detail, "DRAM ECC error");
	assert_int_equal(d.channel, 7);
	assert_true(d.addrv);
	assert_false(d.phys_addr_valid);
	assert_int_equal(d.addr_mode, MCE_ADDR_MEMORY);
	assert_non_null(d.note);
	assert_non_null(strstr(d.note, "not a system physical address"));
}

/*
 * L2 (HWID B0h, McaType 2; PPR "MCA_STATUS_L2": ErrorCodeExt 2 = L2M
 * data array ECC error). MCACOD 0x0136 = L2 data read. The address is
 * not trusted as physical without Poison (Linux amd_mce_usable_address).
 */
static void test_l2_data_ecc(void **state)
{
	uint64_t st =
	    MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV | xec(2) | 0x0136;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0xb0, 2, 0x00000200), st);
	struct mce_decoded d;
	char line[256];

	(void)state;
	r.addr = 0x4000;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 2);
	assert_string_equal(d.bank_name, "L2");
	assert_string_equal(d.detail, "L2M data array ECC error");
	assert_string_equal(d.class_name, "L2 cache data read error");
	assert_false(d.phys_addr_valid);
	mce_describe(&r, &d, line, sizeof(line));
	assert_string_equal(line, "corrected L2 cache data read error (DRD) "
	                          "(L2M data array ECC error), L2, addr 0x4000 "
	                          "(not known to be physical), cpu 0 bank 17");
}

/* L3 (HWID B0h, McaType 7): level 3 though MCACOD says "generic". */
static void test_l3_data_ecc(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(4) | 0x010b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0xb0, 7, 0x00000300), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.class_name, "L3 cache error");
	assert_string_equal(d.bank_name, "L3");
	assert_string_equal(d.detail, "L3M data ECC error");
}

/*
 * LS (HWID B0h, McaType 0; PPR "MCA_STATUS_LS": ErrorCodeExt 12 = DC
 * data error type 1, poison consumption). With MCA_STATUS[Poison] the
 * address is physical; MCA_ADDR[61:56] = 6 clears the low six bits.
 */
static void test_ls_poison(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_UC |
	              MCI_STATUS_ADDRV | SMCA_STATUS_POISON | xec(12) | 0x0135;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN, ipid(0xb0, 0, 0), st);
	struct mce_decoded d;

	(void)state;
	r.addr = 6ULL << 56 | 0x2345678abcULL;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 1);
	assert_string_equal(d.bank_name, "LS");
	assert_string_equal(d.detail,
	                    "DC data error type 1 (poison consumption)");
	assert_true(d.phys_addr_valid);
	assert_int_equal(d.addr_lsb, 6);
	assert_int_equal(d.phys_addr, 0x2345678a80ULL);
	assert_int_equal(d.page, 0x2345678);
}

/* LS ErrorCodeExt 3, L1 TLB parity: MCACOD 0x0015 keeps it a TLB error. */
static void test_ls_tlb(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(3) | 0x0015;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN, ipid(0xb0, 0, 0), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_TLB);
	assert_int_equal(d.cache_level, 1);
	assert_string_equal(d.detail, "L1 TLB parity error");
}

/*
 * PIE (HWID 2Eh, McaType 1; PPR "MCA_STATUS_PIE": ErrorCodeExt 2 =
 * link error): the data fabric is interconnect, whatever MCACOD says
 * (0x0e0b would be an architectural I/O error).
 */
static void test_pie_link(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(2) | 0x0e0b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0x2e, 1, 0x00030001), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERCONNECT);
	assert_string_equal(d.bank_name, "PIE");
	assert_string_equal(d.detail, "link error");
	assert_string_equal(d.class_name, "data fabric error");
}

/* Every (HardwareID, McaType) pair, against Linux smca_hwid_mcatypes[]. */
struct pair {
	unsigned int hwid, mcatype;
	const char *name;
	enum mce_kind kind;
};

static const struct pair pairs[] = {
    {0xb0, 0x0, "LS", MCE_KIND_CACHE},
    {0xb0, 0x1, "IF", MCE_KIND_CACHE},
    {0xb0, 0x2, "L2", MCE_KIND_CACHE},
    {0xb0, 0x3, "DE", MCE_KIND_INTERNAL},
    {0xb0, 0x5, "EX", MCE_KIND_INTERNAL},
    {0xb0, 0x6, "FP", MCE_KIND_INTERNAL},
    {0xb0, 0x7, "L3", MCE_KIND_CACHE},
    {0xb0, 0x10, "LS", MCE_KIND_CACHE},
    {0x2e, 0x0, "CS", MCE_KIND_INTERCONNECT},
    {0x2e, 0x1, "PIE", MCE_KIND_INTERCONNECT},
    {0x2e, 0x2, "CS", MCE_KIND_INTERCONNECT},
    {0x2e, 0x4, "MALL", MCE_KIND_CACHE},
    {0x96, 0x0, "UMC", MCE_KIND_MEMORY},
    {0x96, 0x1, "UMC", MCE_KIND_MEMORY},
    {0x05, 0x0, "PB", MCE_KIND_INTERNAL},
    {0xff, 0x0, "PSP", MCE_KIND_INTERNAL},
    {0xff, 0x1, "PSP", MCE_KIND_INTERNAL},
    {0x01, 0x0, "SMU", MCE_KIND_INTERNAL},
    {0x01, 0x1, "SMU", MCE_KIND_INTERNAL},
    {0x01, 0x2, "MP5", MCE_KIND_INTERNAL},
    {0x01, 0x3, "MPDMA", MCE_KIND_INTERNAL},
    {0x18, 0x0, "NBIO", MCE_KIND_BUS},
    {0x46, 0x0, "PCIE", MCE_KIND_BUS},
    {0x46, 0x1, "PCIE", MCE_KIND_BUS},
    {0x50, 0x0, "xGMI PCS", MCE_KIND_INTERCONNECT},
    {0x6c, 0x0, "NBIF", MCE_KIND_BUS},
    {0x80, 0x0, "SHUB", MCE_KIND_BUS},
    {0xa8, 0x0, "SATA", MCE_KIND_BUS},
    {0xaa, 0x0, "USB", MCE_KIND_BUS},
    {0x170, 0x0, "USR DP", MCE_KIND_INTERCONNECT},
    {0x180, 0x0, "USR CP", MCE_KIND_INTERCONNECT},
    {0x241, 0x0, "GMI PCS", MCE_KIND_INTERCONNECT},
    {0x259, 0x0, "xGMI PHY", MCE_KIND_INTERCONNECT},
    {0x267, 0x0, "WAFL PHY", MCE_KIND_INTERCONNECT},
    {0x269, 0x0, "GMI PHY", MCE_KIND_INTERCONNECT},
};

/*
 * The unit's kind shows where the error code leaves it open: the
 * memory-hierarchy class with everything generic (0x010b). An internal
 * code (0x0400) is internal in every unit.
 */
static void test_bank_pairs(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | 0x010b;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		struct mce_record r =
		    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
		               ipid(pairs[i].hwid, pairs[i].mcatype, 0), st);
		struct mce_decoded d = decode_ok(&r);

		assert_non_null(d.bank_name);
		assert_string_equal(d.bank_name, pairs[i].name);
		assert_int_equal(d.kind, pairs[i].kind);
		assert_true(d.model_known);
		assert_true(d.bank_known);
		assert_int_equal(mce_decode_amd(&r, &d), 1);
		r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0400;
		d = decode_ok(&r);
		assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	}
}

/*
 * A hardware assertion (internal class, UU=10: MCACOD 0x0600; APM
 * "Machine Check Error Codes", Linux INT_ERROR) is internal in an L2
 * (PPR "MCA_STATUS_L2" ErrorCodeExt 3) and in the data fabric's PIE
 * (ErrorCodeExt 0), not a cache or interconnect error because of the
 * unit that logged it.
 */
static void test_hardware_assertion_is_internal(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_UC |
	              MCI_STATUS_PCC | xec(3) | 0x0600;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0xb0, 2, 0x00000200), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.bank_name, "L2");
	assert_string_equal(d.class_name, "hardware assertion");
	assert_string_equal(d.detail, "hardware assertion");
	assert_int_equal(d.cache_level, 0);
	r.ipid = ipid(0x2e, 1, 0x00030001);
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | xec(0) | 0x0600;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.bank_name, "PIE");
	/* NBIO's ECC errors carry the internal class, 0x0400, too */
	r.ipid = ipid(0x18, 0, 0x00020000);
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0400;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.class_name, "internal error");
}

/*
 * EX watchdog timeout (PPR "MCA_STATUS_EX" ErrorCodeExt 0; status as
 * Zen hosts log it, 0xbea0000000000108): the code is the memory class
 * with nothing but "generic", from a unit without memory, so the unit's
 * kind stands: internal.
 */
static void test_ex_watchdog(void **state)
{
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN2_ROME, ipid(0xb0, 5, 0),
	               0xbea0000000000108ULL);
	struct mce_decoded d;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.bank_name, "EX");
	assert_string_equal(d.class_name, "internal error");
	assert_string_equal(d.detail, "watchdog timeout");
	assert_int_equal(d.severity, MCE_SEV_FATAL); /* PCC */
	/* and a hardware assertion there says so (ErrorCodeExt 11) */
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | xec(11) | 0x0600;
	d = decode_ok(&r);
	assert_string_equal(d.detail, "hardware assertion");
	assert_string_equal(d.class_name, "hardware assertion");
}

/* A Coherent Slave's bus-class code is a data fabric error. */
static void test_cs_bus_is_interconnect(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(8) | 0x085b;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN,
	                                 ipid(0x2e, 0, 0x00030406), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERCONNECT);
	assert_string_equal(d.bank_name, "CS");
	assert_string_equal(d.class_name, "data fabric error");
}

/*
 * Severity as Linux's mce_severity_amd() grades it: PCC fatal, Deferred
 * deferred, UC clear corrected, UC without PCC action required (an LS
 * poison consumption, a UMC uncorrected error): SRAR, not UCNA.
 */
static void test_amd_severity(void **state)
{
	uint64_t uc = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_UC |
	              MCI_STATUS_ADDRV | SMCA_STATUS_POISON | xec(12) | 0x0135;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN, ipid(0xb0, 0, 0), uc);
	struct mce_decoded d;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_RIPV | MCG_STATUS_EIPV;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	r.ipid = ipid(0x96, 0, UMC_INST(3));
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_UC | 0x011b;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	r.mcgcap = MCGCAP_ZEN | MCG_CAP_SER_P; /* S and AR mean nothing */
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	r.status |= MCI_STATUS_PCC;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
	r.status =
	    MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_DEFERRED | 0x011b;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_DEFERRED);
	r.status = MCI_STATUS_VAL | MCI_STATUS_EN | 0x011b;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	/* an #MC that can resume nowhere stays fatal */
	r.status = uc;
	r.mcgstatus = MCG_STATUS_MCIP;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_FATAL);
}

/* HWID B0h McaType 4 is reserved: architectural result and a note. */
static void test_unknown_pair(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0005;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN, ipid(0xb0, 4, 0), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_null(d.bank_name);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL); /* 0x0005: parity */
	assert_non_null(d.note);
	assert_non_null(strstr(d.note, "unknown SMCA bank type"));
	assert_true(d.model_known);
	assert_false(d.bank_known);
	assert_int_equal(mce_decode_amd(&r, &d), 0);
}

/* Hygon family 18h (0Fh + 09h) decodes like AMD family 17h. */
static void test_hygon_18h_umc(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | SMCA_STATUS_SYNDV |
	              xec(0) | 0x011b;
	struct mce_record r = amd_record(MCE_VENDOR_HYGON, CPUID_HYGON_18H,
	                                 ipid(0x96, 0, UMC_INST(2)), st);
	struct mce_decoded d;

	(void)state;
	r.synd = 0x5; /* chip select 5 */
	d = decode_ok(&r);
	assert_string_equal(d.model, "Hygon family 18h (SMCA)");
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_string_equal(d.detail, "DRAM ECC error");
	assert_int_equal(d.channel, 2);
	assert_int_equal(d.chip_select, 5);
}

/*
 * Family 15h has no SMCA: the architectural pass stands (here MCACOD
 * 0x0091, a memory read on channel 1), with a note and nothing
 * model-specific.
 */
static void test_family_15h(void **state)
{
	uint64_t st =
	    MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV | 0x0091;
	struct mce_record r = amd_record(MCE_VENDOR_AMD, CPUID_FAM15H, 0, st);
	struct mce_decoded d;

	(void)state;
	r.addr = 0x123000;
	d = decode_ok(&r);
	assert_string_equal(d.note,
	                    "AMD family 15h: not SMCA, architectural decoding "
	                    "only");
	assert_null(d.model);
	assert_null(d.bank_name);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.channel, 1);
	assert_true(d.phys_addr_valid); /* untouched */
	assert_int_equal(mce_decode_amd(&r, &d), 0);
	r.cpuid = CPUID_FAM10H;
	d = decode_ok(&r);
	assert_string_equal(d.note,
	                    "AMD family 10h: not SMCA, architectural decoding "
	                    "only");
}

/* MCA_IPID 0 on an SMCA family: the bank type cannot be known. */
static void test_ipid_zero(void **state)
{
	uint64_t st =
	    MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_ADDRV | xec(0) | 0x011b;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, CPUID_ZEN3_MILAN, 0, st);
	struct mce_decoded d;

	(void)state;
	r.addr = 0x5000;
	d = decode_ok(&r);
	assert_string_equal(d.note, "no MCA_IPID: bank type unknown");
	assert_string_equal(d.model, "AMD family 19h (SMCA)");
	assert_null(d.bank_name);
	assert_null(d.detail);
	assert_int_equal(d.kind, MCE_KIND_CACHE); /* architectural 0x011b */
	assert_int_equal(mce_decode_amd(&r, &d), 0);
}

/* A capture without CPUID: MCA_IPID exists only on SMCA parts. */
static void test_no_cpuid_with_ipid(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | xec(1) | 0x011b;
	struct mce_record r =
	    amd_record(MCE_VENDOR_AMD, 0, ipid(0x96, 0, UMC_INST(4)), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.bank_name, "UMC");
	assert_string_equal(d.detail, "data poison error on DRAM");
	assert_int_equal(d.channel, 4);
}

/* Intel records never reach the AMD decoder's fields. */
static void test_intel_untouched(void **state)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | 0x0091;
	struct mce_record r = amd_record(MCE_VENDOR_INTEL, 0x00050657,
	                                 ipid(0x96, 0, UMC_INST(4)), st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_true(d.bank_name == NULL || strcmp(d.bank_name, "UMC") != 0);
	assert_int_equal(d.chip_select, -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_umc_ce_dram_ecc),
	    cmocka_unit_test(test_umc_no_syndv),
	    cmocka_unit_test(test_umc_write_crc),
	    cmocka_unit_test(test_umc_deferred),
	    cmocka_unit_test(test_l2_data_ecc),
	    cmocka_unit_test(test_l3_data_ecc),
	    cmocka_unit_test(test_ls_poison),
	    cmocka_unit_test(test_ls_tlb),
	    cmocka_unit_test(test_pie_link),
	    cmocka_unit_test(test_bank_pairs),
	    cmocka_unit_test(test_hardware_assertion_is_internal),
	    cmocka_unit_test(test_ex_watchdog),
	    cmocka_unit_test(test_cs_bus_is_interconnect),
	    cmocka_unit_test(test_amd_severity),
	    cmocka_unit_test(test_unknown_pair),
	    cmocka_unit_test(test_hygon_18h_umc),
	    cmocka_unit_test(test_family_15h),
	    cmocka_unit_test(test_ipid_zero),
	    cmocka_unit_test(test_no_cpuid_with_ipid),
	    cmocka_unit_test(test_intel_untouched),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

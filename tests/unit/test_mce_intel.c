/* test_mce_intel.c - Intel model-specific decoding checked against worked
 * examples from the SDM's model tables and Intel's own decoders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "mce/mce.h"

/* CPUID.1:EAX signatures: family 6, extended model, model, stepping. */
#define CPUID_HASWELL_EP      0x306f2 /* 06_3F stepping 2 */
#define CPUID_BROADWELL_EP    0x406f1 /* 06_4F stepping 1 */
#define CPUID_SKYLAKE_SP      0x50654 /* 06_55 stepping 4 */
#define CPUID_CASCADE_LAKE    0x50657 /* 06_55 stepping 7 */
#define CPUID_COOPER_LAKE     0x5065b /* 06_55 stepping 11 */
#define CPUID_ICELAKE_SP      0x606a6 /* 06_6A */
#define CPUID_ICELAKE_D       0x606c1 /* 06_6C */
#define CPUID_SAPPHIRE_RAPIDS 0x806f8 /* 06_8F */
#define CPUID_EMERALD_RAPIDS  0xc06f2 /* 06_CF */
#define CPUID_06_A7           0xa0671 /* family 6 model A7: not a server */
#define CPUID_FAMILY_F        0x00f29 /* NetBurst */

#define MCGCAP_SER     (MCG_CAP_SER_P | 22)
#define MISC_PHYS_LSB6 0x86 /* address mode physical, lsb 6 */
#define CE_BITS        (MCI_STATUS_VAL | MCI_STATUS_EN)
#define UCR_BITS                                                               \
	(MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_UC | MCI_STATUS_S |       \
	 MCI_STATUS_MISCV | MCI_STATUS_ADDRV)

static uint64_t mscod(uint16_t code)
{
	return (uint64_t)code << 16;
}

static struct mce_record record(uint32_t cpuid, uint8_t bank, uint64_t status)
{
	struct mce_record r;

	memset(&r, 0, sizeof(r));
	r.cpuvendor = MCE_VENDOR_INTEL;
	r.cpuid = cpuid;
	r.bank = bank;
	r.status = status;
	r.mcgcap = MCGCAP_SER;
	r.misc = MISC_PHYS_LSB6;
	r.addr = 0x1234567000ULL;
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
 * SDM 06_55H iMC table (Table 16-29, 2016 edition): MSCOD 0008H is a
 * corrected patrol scrub error, MCACOD 000F 0000 1100 1111 a scrub with
 * no channel. Bank 16 is iMC 1 channel 1 and bank 15 iMC 1 channel 0 in
 * Intel's decoder (mcelog skylake_memerr_misc), not a linear 13..18 walk.
 */
static void test_skylake_patrol_scrub_bank16(void **state)
{
	uint64_t st = CE_BITS | MCI_STATUS_MISCV | MCI_STATUS_ADDRV |
	              mscod(0x0008) | 0x00cf;
	struct mce_record r = record(CPUID_SKYLAKE_SP, 16, st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Skylake-SP");
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.bank_name, "iMC 1 channel 1");
	assert_non_null(strstr(d.detail, "patrol scrub"));
	assert_null(d.note);
	assert_int_equal(mce_decode_intel(&r, &d), 1);

	r.bank = 15;
	d = decode_ok(&r);
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 0);
	assert_string_equal(d.bank_name, "iMC 1 channel 0");
	r.bank = 17;
	d = decode_ok(&r);
	assert_int_equal(d.controller, 0);
	assert_int_equal(d.channel, 2);
}

/* 06_55H is also Cascade Lake and Cooper Lake: only the stepping says. */
static void test_xeon_55_steppings(void **state)
{
	struct mce_record r = record(CPUID_CASCADE_LAKE, 13, CE_BITS | 0x009f);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Cascade Lake");
	assert_string_equal(d.bank_name, "iMC 0 channel 0");
	r.cpuid = CPUID_COOPER_LAKE;
	d = decode_ok(&r);
	assert_string_equal(d.model, "Cooper Lake");
}

/*
 * SDM 06_3FH, Table 16-22 (2016): MSCOD 0080H is a corrected memory read
 * error; MCACOD 0091H a read on channel 1. Table 16-23: MCi_MISC bit 62
 * makes FailRank_1stErrDev (bits 50:46) valid, here rank 3. One bank per
 * channel: MC9-MC12 are iMC 0 channels 0-3, MC13-MC16 iMC 1 channels 0-3
 * (Intel's mcelog, haswell_memerr_misc).
 */
static void test_haswell_demand_read(void **state)
{
	uint64_t st = CE_BITS | MCI_STATUS_MISCV | MCI_STATUS_ADDRV |
	              mscod(0x0080) | 0x0091;
	struct mce_record r = record(CPUID_HASWELL_EP, 10, st);
	struct mce_decoded d;

	(void)state;
	r.misc = (1ULL << 62) | (3ULL << 46) | MISC_PHYS_LSB6;
	d = decode_ok(&r);
	assert_string_equal(d.model, "Haswell-EP");
	assert_string_equal(d.bank_name, "iMC 0 channel 1");
	assert_string_equal(d.class_name, "memory controller read error");
	assert_string_equal(d.detail, "corrected demand read error");
	assert_int_equal(d.channel, 1);
	assert_int_equal(d.controller, 0);
	assert_int_equal(d.rank, 3);

	r.misc = MISC_PHYS_LSB6; /* rank not logged */
	d = decode_ok(&r);
	assert_int_equal(d.rank, -1);

	r.bank = 14; /* iMC 1: mcelog's memdb channel 5 */
	d = decode_ok(&r);
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.bank_name, "iMC 1 channel 1");
}

/* Haswell-EP home agents: MC7 serves iMC 0, MC8 iMC 1; CCCC the channel. */
static void test_haswell_home_agent(void **state)
{
	struct mce_record r = record(CPUID_HASWELL_EP, 8, CE_BITS | 0x0092);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.bank_name, "HA 1");
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 2);
	assert_true(d.bank_known);
	r.bank = 7;
	r.status = CE_BITS | 0x0400; /* not a memory code: no controller */
	d = decode_ok(&r);
	assert_string_equal(d.bank_name, "HA 0");
	assert_int_equal(d.controller, -1);
}

/* The same table in the 06_4FH section: 0200H, DDR4 CMD/ADDR parity. */
static void test_broadwell_cmd_addr_parity(void **state)
{
	struct mce_record r =
	    record(CPUID_BROADWELL_EP, 11, CE_BITS | mscod(0x0200) | 0x00b2);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Broadwell-EP/EX");
	assert_string_equal(d.detail, "DDR4 command/address parity error");
	assert_int_equal(d.controller, 0);
	assert_int_equal(d.channel, 2);
}

/*
 * QPI banks on Haswell-EP (MC5, MC20, MC21): their bus-class errors are
 * interconnect errors; an internal-class code stays internal.
 */
static void test_haswell_qpi(void **state)
{
	struct mce_record r = record(CPUID_HASWELL_EP, 21, CE_BITS | 0x0c0f);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERCONNECT);
	assert_string_equal(d.bank_name, "QPI 2");
	r.status = CE_BITS | 0x0405;
	d = decode_ok(&r);
	assert_int_equal(d.kind, MCE_KIND_INTERNAL);
	assert_string_equal(d.bank_name, "QPI 2");
}

/*
 * Ice Lake-SP: banks 17, 18 are iMC 1 channels 0, 1 (Linux i10nm_edac);
 * MSCOD 0080H a corrected read error (SDM 06_6AH iMC table).
 */
static void test_icelake_read(void **state)
{
	struct mce_record r =
	    record(CPUID_ICELAKE_SP, 18, CE_BITS | mscod(0x0080) | 0x009f);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Ice Lake-SP");
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.detail, "corrected demand read error");

	r.cpuid = CPUID_ICELAKE_D;
	r.bank = 17;
	d = decode_ok(&r);
	assert_string_equal(d.model, "Ice Lake-D");
	assert_string_equal(d.bank_name, "iMC 1 channel 0");
	r.bank = 5; /* UPI on -SP, nothing on -D */
	d = decode_ok(&r);
	assert_null(d.bank_name);
	assert_false(d.bank_known);
	assert_true(d.model_known);
	assert_non_null(strstr(d.note, "bank not in"));
}

/*
 * Sapphire Rapids: banks 13-20 are iMC (bank - 13) / 2, channel
 * (bank - 13) % 2; MSCOD 0108H "DDR link failure" (SDM 06_8FH iMC table).
 */
static void test_sapphire_rapids_memory(void **state)
{
	uint64_t st = CE_BITS | MCI_STATUS_ADDRV | mscod(0x0108) | 0x009f;
	struct mce_record r = record(CPUID_SAPPHIRE_RAPIDS, 20, st);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Sapphire Rapids");
	assert_int_equal(d.controller, 3);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.bank_name, "iMC 3 channel 1");
	assert_string_equal(d.detail, "DDR link failure");

	r.cpuid = CPUID_EMERALD_RAPIDS;
	r.bank = 15;
	r.status = CE_BITS | mscod(0x0080) | 0x0090;
	d = decode_ok(&r);
	assert_string_equal(d.model, "Emerald Rapids");
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 0);
	assert_string_equal(d.detail, "corrected demand read error");
}

/* SRAO patrol scrub on Sapphire Rapids: MSCOD 0010H, MCACOD 00C0H. */
static void test_sapphire_rapids_srao_scrub(void **state)
{
	uint64_t st = UCR_BITS | mscod(0x0010) | 0x00c0;
	struct mce_record r = record(CPUID_SAPPHIRE_RAPIDS, 14, st);
	struct mce_decoded d;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAO);
	assert_int_equal(d.controller, 0);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.detail, "uncorrected patrol scrub error");
}

/* Sapphire Rapids M2M MSCOD is a code: 01H read ECC error. */
static void test_sapphire_rapids_m2m(void **state)
{
	struct mce_record r =
	    record(CPUID_SAPPHIRE_RAPIDS, 12, CE_BITS | mscod(0x0001) | 0x0090);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.bank_name, "M2M");
	assert_string_equal(d.detail, "read ECC error");
}

/*
 * SDM "MCA Error Codes for SRAR": data load 0134H with S=1, AR=1, RIPV=0,
 * EIPV=1. Logged by the DCU (bank 1), the L1 data cache: LL=00 is L1.
 */
static void test_srar_data_load(void **state)
{
	uint64_t st = UCR_BITS | MCI_STATUS_AR | 0x0134;
	struct mce_record r = record(CPUID_SKYLAKE_SP, 1, st);
	struct mce_decoded d;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_EIPV;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	assert_string_equal(d.class_name, "data load error");
	assert_string_equal(d.detail, "data load consumed uncorrected data");
	assert_string_equal(d.bank_name, "DCU");
	assert_int_equal(d.cache_level, 1);

	r.bank = 0;
	r.status = UCR_BITS | MCI_STATUS_AR | 0x0150;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	assert_string_equal(d.detail, "instruction fetch of uncorrected data");
}

/* SRAO L3 explicit writeback 017AH, logged by a CHA bank. */
static void test_srao_l3_writeback(void **state)
{
	struct mce_record r = record(CPUID_SKYLAKE_SP, 9, UCR_BITS | 0x017a);
	struct mce_decoded d;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_RIPV;
	d = decode_ok(&r);
	assert_int_equal(d.severity, MCE_SEV_SRAO);
	assert_string_equal(d.bank_name, "CHA (LLC)");
	assert_string_equal(d.detail, "L3 explicit writeback of poisoned data");
	assert_int_equal(d.cache_level, 3);
}

/* SDM 06_55H UPI table (16-28, 2016): 30H, CRC error fixed by retry. */
static void test_skylake_upi(void **state)
{
	struct mce_record r =
	    record(CPUID_SKYLAKE_SP, 12, CE_BITS | mscod(0x0030) | 0x0c0f);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_int_equal(d.kind, MCE_KIND_INTERCONNECT);
	assert_string_equal(d.bank_name, "UPI 1");
	assert_string_equal(d.detail, "UPI CRC error corrected by link retry");
}

/*
 * M2M 1 (bank 8) on Skylake-SP: CCCC is the channel within iMC 1, and
 * MCi_MISC bit 63 says mirroring failed over (mcelog SKX_MCI_MISC_FO).
 */
static void test_skylake_m2m_mirror_failover(void **state)
{
	uint64_t st = CE_BITS | MCI_STATUS_MISCV | mscod(0x0001) | 0x0091;
	struct mce_record r = record(CPUID_SKYLAKE_SP, 8, st);
	struct mce_decoded d;

	(void)state;
	r.misc = (1ULL << 63) | MISC_PHYS_LSB6;
	d = decode_ok(&r);
	assert_int_equal(d.controller, 1);
	assert_int_equal(d.channel, 1);
	assert_string_equal(d.detail, "corrected by mirror failover");

	r.misc = MISC_PHYS_LSB6; /* no mirroring: the MSCOD bit speaks */
	d = decode_ok(&r);
	assert_string_equal(d.detail, "read data error from the iMC");
}

/* Unknown family-6 model: the note, and the architecture untouched. */
static void test_unknown_model(void **state)
{
	uint64_t st = UCR_BITS | MCI_STATUS_AR | 0x0134;
	struct mce_record r = record(CPUID_06_A7, 13, st);
	struct mce_decoded d, arch;

	(void)state;
	r.mcgstatus = MCG_STATUS_MCIP | MCG_STATUS_EIPV;
	d = decode_ok(&r);
	r.cpuvendor = 0xff; /* no vendor decoder at all */
	arch = decode_ok(&r);
	r.cpuvendor = MCE_VENDOR_INTEL;
	assert_string_equal(
	    d.note, "unknown CPU model 06_A7: architectural decoding only");
	assert_null(d.model);
	assert_null(d.bank_name);
	assert_null(d.detail);
	assert_int_equal(d.controller, -1);
	assert_int_equal(d.severity, arch.severity);
	assert_int_equal(d.severity, MCE_SEV_SRAR);
	assert_int_equal(d.kind, arch.kind);
	assert_int_equal(d.channel, arch.channel);
	assert_ptr_equal(d.class_name, arch.class_name);
	assert_int_equal(d.phys_addr, arch.phys_addr);
	assert_false(d.model_known);
	assert_false(d.bank_known);
	assert_int_equal(mce_decode_intel(&r, &d), 0);
	/* a vendor nobody decodes says so too */
	assert_non_null(strstr(arch.note, "neither Intel nor AMD"));
	assert_false(arch.model_known);
}

static void test_no_cpuid(void **state)
{
	struct mce_record r = record(0, 16, CE_BITS | mscod(0x0008) | 0x00cf);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(
	    d.note, "no CPUID in the record: architectural decoding only");
	assert_null(d.model);
	assert_int_equal(d.controller, -1);
	assert_int_equal(d.channel, -1);
	assert_string_equal(d.class_name, "memory scrubbing error");
}

static void test_other_family(void **state)
{
	struct mce_record r = record(CPUID_FAMILY_F, 4, CE_BITS | 0x0402);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_non_null(strstr(d.note, "unknown Intel CPU family"));
	assert_null(d.bank_name);
}

/*
 * A bank past every table, or one the model's table does not list, keeps
 * the architecture, names the model and says the bank was not known.
 */
static void test_bank_out_of_range(void **state)
{
	struct mce_record r = record(CPUID_SKYLAKE_SP, 200, CE_BITS | 0x0091);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.model, "Skylake-SP");
	assert_true(d.model_known);
	assert_false(d.bank_known);
	assert_non_null(strstr(d.note, "bank not in"));
	assert_null(d.bank_name);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.channel, 1);
	assert_int_equal(d.controller, -1);
	r.bank = 25; /* inside the table's range, listed nowhere */
	d = decode_ok(&r);
	assert_false(d.bank_known);
	assert_non_null(d.note);
	assert_int_equal(d.channel, 1);
	r.bank = 13;
	d = decode_ok(&r);
	assert_true(d.bank_known);
	assert_null(d.note);
}

/*
 * Cache levels by bank: LL+1 from the code (the MLC's 0x0135 is L2), and
 * where LL is "generic" (11) the bank's own level: a CHA or CBo is the
 * LLC, L3.
 */
static void test_cache_level_by_bank(void **state)
{
	struct mce_record r = record(CPUID_SKYLAKE_SP, 3, CE_BITS | 0x0135);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.bank_name, "MLC");
	assert_int_equal(d.cache_level, 2);
	r.bank = 10;
	r.status = CE_BITS | 0x0137; /* generic level */
	d = decode_ok(&r);
	assert_string_equal(d.bank_name, "CHA (LLC)");
	assert_int_equal(d.cache_level, 3);
	assert_string_equal(d.class_name, "L3 cache data read error");
	r.cpuid = CPUID_HASWELL_EP;
	r.bank = 18;
	d = decode_ok(&r);
	assert_string_equal(d.bank_name, "CBo (LLC)");
	assert_int_equal(d.cache_level, 3);
	r.bank = 0;
	r.status = CE_BITS | 0x0150;
	d = decode_ok(&r);
	assert_string_equal(d.bank_name, "IFU");
	assert_int_equal(d.cache_level, 1);
}

/*
 * Sapphire Rapids HBM banks cannot name a channel among sixteen HBM
 * controllers (Linux I10NM_NUM_HBM_IMC): the controller stays unknown,
 * the channel is CCCC.
 */
static void test_sapphire_rapids_hbm(void **state)
{
	struct mce_record r =
	    record(CPUID_SAPPHIRE_RAPIDS, 31, CE_BITS | mscod(0x0080) | 0x0091);
	struct mce_decoded d = decode_ok(&r);

	(void)state;
	assert_string_equal(d.bank_name, "HBM iMC");
	assert_int_equal(d.controller, -1);
	assert_int_equal(d.channel, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_skylake_patrol_scrub_bank16),
	    cmocka_unit_test(test_xeon_55_steppings),
	    cmocka_unit_test(test_haswell_demand_read),
	    cmocka_unit_test(test_broadwell_cmd_addr_parity),
	    cmocka_unit_test(test_haswell_qpi),
	    cmocka_unit_test(test_icelake_read),
	    cmocka_unit_test(test_sapphire_rapids_memory),
	    cmocka_unit_test(test_sapphire_rapids_srao_scrub),
	    cmocka_unit_test(test_sapphire_rapids_m2m),
	    cmocka_unit_test(test_srar_data_load),
	    cmocka_unit_test(test_srao_l3_writeback),
	    cmocka_unit_test(test_skylake_upi),
	    cmocka_unit_test(test_skylake_m2m_mirror_failover),
	    cmocka_unit_test(test_unknown_model),
	    cmocka_unit_test(test_no_cpuid),
	    cmocka_unit_test(test_other_family),
	    cmocka_unit_test(test_bank_out_of_range),
	    cmocka_unit_test(test_haswell_home_agent),
	    cmocka_unit_test(test_cache_level_by_bank),
	    cmocka_unit_test(test_sapphire_rapids_hbm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

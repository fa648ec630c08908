/* intel_tables.c - the facts behind mce/intel.c: bank layouts of Intel
 * server models and what their model-specific error codes (MSCOD) mean. */
#include <stddef.h>
#include <stdint.h>

#include "mce/intel_int.h"

/*
 * Bank layouts. A bank missing here keeps its architectural decoding,
 * and the record says the bank was not known.
 *
 * Every core since Nehalem has the same four core banks (Xeon datasheets'
 * machine-check bank lists; Linux's mce/intel.c filters the IFU errata
 * HSD131 and SKX37 by bank 0): IFU (instruction fetch, L1 instruction
 * cache), DCU (L1 data cache), DTLB and MLC (the mid-level, L2 cache).
 */
#define CORE_BANKS                                                             \
	[0] = {INTEL_BANK_OTHER, -1, -1, "IFU", 1},                            \
	[1] = {INTEL_BANK_OTHER, -1, -1, "DCU", 1},                            \
	[2] = {INTEL_BANK_OTHER, -1, -1, "DTLB", 0},                           \
	[3] = {INTEL_BANK_OTHER, -1, -1, "MLC", 2}

/*
 * Haswell-EP 06_3FH and Broadwell-EP/EX 06_4FH. SDM Vol. 3B, "Incremental
 * Decoding Information: Processor Family with CPUID DisplayFamily_
 * DisplayModel Signature 06_3FH" (and the 06_4FH section, same banks):
 * PCU in IA32_MC4, Intel QPI in IA32_MC5, MC20, MC21, the memory
 * controller in IA32_MC9-MC16. One bank per channel, in order: MC9-MC12
 * are iMC 0 channels 0-3, MC13-MC16 iMC 1 channels 0-3, and the home
 * agents in MC7 and MC8 serve iMC 0 and 1, CCCC naming the channel
 * (Intel's mcelog, haswell.c haswell_memerr_misc). MC6 is the IIO, MC17-
 * MC19 the LLC's caching agents (CBo), as in the Xeon E5 v3 datasheet;
 * the reference set's I/O bus errors and LLC errors land there.
 */
static const struct intel_bank haswell_ep_banks[INTEL_MAX_BANKS] = {
    CORE_BANKS,
    [4] = {INTEL_BANK_OTHER, -1, -1, "PCU", 0},
    [5] = {INTEL_BANK_LINK, -1, -1, "QPI 0", 0},
    [6] = {INTEL_BANK_OTHER, -1, -1, "IIO", 0},
    [7] = {INTEL_BANK_HA, 0, -1, "HA 0", 0},
    [8] = {INTEL_BANK_HA, 1, -1, "HA 1", 0},
    [9] = {INTEL_BANK_IMC, 0, 0, "iMC 0 channel 0", 0},
    [10] = {INTEL_BANK_IMC, 0, 1, "iMC 0 channel 1", 0},
    [11] = {INTEL_BANK_IMC, 0, 2, "iMC 0 channel 2", 0},
    [12] = {INTEL_BANK_IMC, 0, 3, "iMC 0 channel 3", 0},
    [13] = {INTEL_BANK_IMC, 1, 0, "iMC 1 channel 0", 0},
    [14] = {INTEL_BANK_IMC, 1, 1, "iMC 1 channel 1", 0},
    [15] = {INTEL_BANK_IMC, 1, 2, "iMC 1 channel 2", 0},
    [16] = {INTEL_BANK_IMC, 1, 3, "iMC 1 channel 3", 0},
    [17] = {INTEL_BANK_OTHER, -1, -1, "CBo (LLC)", 3},
    [18] = {INTEL_BANK_OTHER, -1, -1, "CBo (LLC)", 3},
    [19] = {INTEL_BANK_OTHER, -1, -1, "CBo (LLC)", 3},
    [20] = {INTEL_BANK_LINK, -1, -1, "QPI 1", 0},
    [21] = {INTEL_BANK_LINK, -1, -1, "QPI 2", 0},
};

/*
 * Skylake-SP, Cascade Lake, Cooper Lake 06_55H. SDM section for 06_55H:
 * PCU IA32_MC4, Intel UPI IA32_MC5, MC12, MC19, M2M IA32_MC7, MC8, iMC
 * IA32_MC13-MC18. The SDM gives no bank-to-channel order; this one is
 * Intel's own decoder's (mcelog skylake_xeon.c, skylake_memerr_misc):
 * 13, 14, 17 are iMC 0 channels 0, 1, 2 and 15, 16, 18 iMC 1 channels
 * 0, 1, 2. IIO (MC6) and CHA (MC9-MC11) as in the Xeon Scalable EDS.
 */
static const struct intel_bank skylake_sp_banks[INTEL_MAX_BANKS] = {
    CORE_BANKS,
    [4] = {INTEL_BANK_OTHER, -1, -1, "PCU", 0},
    [5] = {INTEL_BANK_LINK, -1, -1, "UPI 0", 0},
    [6] = {INTEL_BANK_OTHER, -1, -1, "IIO", 0},
    [7] = {INTEL_BANK_M2M, 0, -1, "M2M 0", 0},
    [8] = {INTEL_BANK_M2M, 1, -1, "M2M 1", 0},
    [9] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [10] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [11] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [12] = {INTEL_BANK_LINK, -1, -1, "UPI 1", 0},
    [13] = {INTEL_BANK_IMC, 0, 0, "iMC 0 channel 0", 0},
    [14] = {INTEL_BANK_IMC, 0, 1, "iMC 0 channel 1", 0},
    [15] = {INTEL_BANK_IMC, 1, 0, "iMC 1 channel 0", 0},
    [16] = {INTEL_BANK_IMC, 1, 1, "iMC 1 channel 1", 0},
    [17] = {INTEL_BANK_IMC, 0, 2, "iMC 0 channel 2", 0},
    [18] = {INTEL_BANK_IMC, 1, 2, "iMC 1 channel 2", 0},
    [19] = {INTEL_BANK_LINK, -1, -1, "UPI 2", 0},
};

/*
 * Ice Lake-SP 06_6AH. Four iMCs of two channels, each behind an M2M:
 * M2M k in bank 12 + 4k, its channels 0 and 1 in banks 13 + 4k and
 * 14 + 4k (Linux i10nm_edac: ICX_IMCx_CHy, imc = (bank - 13) / 4,
 * channel = bank % 2). Bank 15 + 4k also carries iMC k's errors
 * (mcelog i10nm.c) without naming a channel. UPI in MC5, MC7, MC8.
 */
static const struct intel_bank icelake_sp_banks[INTEL_MAX_BANKS] = {
    CORE_BANKS,
    [4] = {INTEL_BANK_OTHER, -1, -1, "PCU", 0},
    [5] = {INTEL_BANK_LINK, -1, -1, "UPI 0", 0},
    [6] = {INTEL_BANK_OTHER, -1, -1, "IIO", 0},
    [7] = {INTEL_BANK_LINK, -1, -1, "UPI 1", 0},
    [8] = {INTEL_BANK_LINK, -1, -1, "UPI 2", 0},
    [9] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [10] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [11] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [12] = {INTEL_BANK_M2M, 0, -1, "M2M 0", 0},
    [13] = {INTEL_BANK_IMC, 0, 0, "iMC 0 channel 0", 0},
    [14] = {INTEL_BANK_IMC, 0, 1, "iMC 0 channel 1", 0},
    [15] = {INTEL_BANK_IMC, 0, -1, "iMC 0", 0},
    [16] = {INTEL_BANK_M2M, 1, -1, "M2M 1", 0},
    [17] = {INTEL_BANK_IMC, 1, 0, "iMC 1 channel 0", 0},
    [18] = {INTEL_BANK_IMC, 1, 1, "iMC 1 channel 1", 0},
    [19] = {INTEL_BANK_IMC, 1, -1, "iMC 1", 0},
    [20] = {INTEL_BANK_M2M, 2, -1, "M2M 2", 0},
    [21] = {INTEL_BANK_IMC, 2, 0, "iMC 2 channel 0", 0},
    [22] = {INTEL_BANK_IMC, 2, 1, "iMC 2 channel 1", 0},
    [23] = {INTEL_BANK_IMC, 2, -1, "iMC 2", 0},
    [24] = {INTEL_BANK_M2M, 3, -1, "M2M 3", 0},
    [25] = {INTEL_BANK_IMC, 3, 0, "iMC 3 channel 0", 0},
    [26] = {INTEL_BANK_IMC, 3, 1, "iMC 3 channel 1", 0},
    [27] = {INTEL_BANK_IMC, 3, -1, "iMC 3", 0},
};

/* Ice Lake-D 06_6CH: the first two iMCs of Ice Lake-SP, no UPI. */
static const struct intel_bank icelake_d_banks[INTEL_MAX_BANKS] = {
    CORE_BANKS,
    [4] = {INTEL_BANK_OTHER, -1, -1, "PCU", 0},
    [12] = {INTEL_BANK_M2M, 0, -1, "M2M 0", 0},
    [13] = {INTEL_BANK_IMC, 0, 0, "iMC 0 channel 0", 0},
    [14] = {INTEL_BANK_IMC, 0, 1, "iMC 0 channel 1", 0},
    [15] = {INTEL_BANK_IMC, 0, -1, "iMC 0", 0},
    [16] = {INTEL_BANK_M2M, 1, -1, "M2M 1", 0},
    [17] = {INTEL_BANK_IMC, 1, 0, "iMC 1 channel 0", 0},
    [18] = {INTEL_BANK_IMC, 1, 1, "iMC 1 channel 1", 0},
    [19] = {INTEL_BANK_IMC, 1, -1, "iMC 1", 0},
};

/*
 * Sapphire Rapids 06_8FH and Emerald Rapids 06_CFH: four iMCs of two
 * channels in banks 13-20, imc = (bank - 13) / 2, channel = bank % 2
 * (Linux i10nm_edac, SPR; mcelog sapphire.c), one M2M bank (12), HBM
 * M2M in 29 and HBM iMCs in 30-31 on Xeon Max. An HBM bank cannot name
 * its channel: two banks serve sixteen HBM controllers of two channels
 * (Linux i10nm_edac I10NM_NUM_HBM_IMC), so only CCCC says which channel
 * within one. IIO (MC6) and CHA (MC9-MC11) sit where Ice Lake-SP has
 * them; the reference set's I/O bus and LLC errors land there.
 */
static const struct intel_bank sapphire_rapids_banks[INTEL_MAX_BANKS] = {
    CORE_BANKS,
    [4] = {INTEL_BANK_OTHER, -1, -1, "PCU", 0},
    [5] = {INTEL_BANK_LINK, -1, -1, "UPI", 0},
    [6] = {INTEL_BANK_OTHER, -1, -1, "IIO", 0},
    [9] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [10] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [11] = {INTEL_BANK_OTHER, -1, -1, "CHA (LLC)", 3},
    [12] = {INTEL_BANK_M2M, -1, -1, "M2M", 0},
    [13] = {INTEL_BANK_IMC, 0, 0, "iMC 0 channel 0", 0},
    [14] = {INTEL_BANK_IMC, 0, 1, "iMC 0 channel 1", 0},
    [15] = {INTEL_BANK_IMC, 1, 0, "iMC 1 channel 0", 0},
    [16] = {INTEL_BANK_IMC, 1, 1, "iMC 1 channel 1", 0},
    [17] = {INTEL_BANK_IMC, 2, 0, "iMC 2 channel 0", 0},
    [18] = {INTEL_BANK_IMC, 2, 1, "iMC 2 channel 1", 0},
    [19] = {INTEL_BANK_IMC, 3, 0, "iMC 3 channel 0", 0},
    [20] = {INTEL_BANK_IMC, 3, 1, "iMC 3 channel 1", 0},
    [29] = {INTEL_BANK_M2M, -1, -1, "HBM M2M", 0},
    [30] = {INTEL_BANK_IMC, -1, -1, "HBM iMC", 0},
    [31] = {INTEL_BANK_IMC, -1, -1, "HBM iMC", 0},
};

const struct intel_model intel_haswell_ep = {
    haswell_ep_banks, INTEL_IMC_HSX, INTEL_M2M_BITS, false, true, false,
};

const struct intel_model intel_skylake_sp = {
    skylake_sp_banks, INTEL_IMC_SKX, INTEL_M2M_BITS, true, false, true,
};

const struct intel_model intel_icelake_sp = {
    icelake_sp_banks, INTEL_IMC_I10NM, INTEL_M2M_BITS, true, false, true,
};

const struct intel_model intel_icelake_d = {
    icelake_d_banks, INTEL_IMC_I10NM, INTEL_M2M_BITS, true, false, true,
};

const struct intel_model intel_sapphire_rapids = {
    sapphire_rapids_banks, INTEL_IMC_I10NM, INTEL_M2M_CODE, true, false, false,
};

/*
 * Haswell-EP/Broadwell-EP iMC MSCOD, one bit per error: SDM Table "Intel
 * IMC MC Error Codes for IA32_MCi_STATUS (i= 9-16)" in the 06_3FH and
 * 06_4FH sections (Table 16-22 in the 2016 edition). Indexed by bit.
 */
static const char *const hsx_imc_bits[] = {
    "DDR address parity error",
    "uncorrected HA write data error",
    "uncorrected HA data byte enable error",
    "corrected patrol scrub error",
    "uncorrected patrol scrub error",
    "corrected spare error",
    "uncorrected spare error",
    "corrected demand read error",
    "iMC write data buffer parity error",
    "DDR4 command/address parity error",
};

/*
 * Skylake-SP iMC MSCOD: SDM Table "Intel IMC MC Error Codes for
 * IA32_MCi_STATUS (i= 13-18)" in the 06_55H section (Table 16-29 in the
 * 2016 edition). Below 0800H one bit per error, indexed by bit.
 */
static const char *const skx_imc_bits[] = {
    "address parity error",
    "HA write data parity error",
    "HA write byte enable parity error",
    "corrected patrol scrub error",
    "uncorrected patrol scrub error",
    "corrected spare error",
    "uncorrected spare error",
    "demand read error",
    "WDB read parity error",
    "DDR4 command/address parity error",
    "uncorrected address parity error",
};

/* The same table from 0800H on: codes, indexed by MSCOD - 0800H. */
#define SKX_IMC_CODE_BASE 0x0800
static const char *const skx_imc_codes[] = {
    "unrecognized request type",
    "read response to an invalid scoreboard entry",
    "unexpected read response",
    "DDR4 completion to an invalid scoreboard entry",
    "completion to an invalid scoreboard entry",
    "completion FIFO overflow",
    "correctable parity error",
    "uncorrectable error",
    "interrupt while the previous one was not acknowledged",
    "ERID FIFO overflow",
    "error on write credits",
    "error on read credits",
    "scheduler error",
    "error event",
};

struct intel_code {
	uint16_t code;
	const char *what;
};

/*
 * Ice Lake-SP and later iMC MSCOD, one code per error: SDM Table "Intel
 * IMC MC Error Codes for IA32_MCi_STATUS" in the 06_6AH/06_6CH section
 * (i = 13, 14, 17, 18, 21, 22, 25, 26) and the 06_8FH section; 10xxH
 * (errors on the mirror secondary) is Sapphire Rapids only, 0106H-0107H
 * and 08xxH are DDR-T (Optane persistent memory). Sorted by code.
 */
static const struct intel_code i10nm_imc_codes[] = {
    {0x0001, "address parity error"},
    {0x0002, "data parity error"},
    {0x0003, "data ECC error"},
    {0x0004, "data byte enable parity error"},
    {0x0005, "received uncorrectable data"},
    {0x0006, "received uncorrectable metadata"},
    {0x0007, "transaction ID parity error"},
    {0x0008, "corrected patrol scrub error"},
    {0x0010, "uncorrected patrol scrub error"},
    {0x0020, "corrected spare error"},
    {0x0040, "uncorrected spare error"},
    {0x0080, "corrected demand read error"},
    {0x00a0, "uncorrected demand read error"},
    {0x00c0, "uncorrected metadata error"},
    {0x0100, "WDB read parity error"},
    {0x0103, "RPA parity error"},
    {0x0104, "RPA parity error"},
    {0x0105, "WPA parity error"},
    {0x0106, "DDR-T data byte enable parity error"},
    {0x0107, "DDR-T data error"},
    {0x0108, "DDR link failure"},
    {0x0111, "PCLS CAM error"},
    {0x0112, "PCLS data error"},
    {0x0200, "DDR command/address parity error"},
    {0x0220, "HBM command/address parity error"},
    {0x0221, "HBM data parity error"},
    {0x0400, "RPQ parity error (primary)"},
    {0x0401, "RPQ parity error (buddy)"},
    {0x0404, "WPQ parity error (primary)"},
    {0x0405, "WPQ parity error (buddy)"},
    {0x0408, "RPB parity error (primary)"},
    {0x0409, "RPB parity error (buddy)"},
    {0x0800, "DDR-T bad request"},
    {0x0801, "DDR data response to an invalid entry"},
    {0x0802, "DDR data response to an entry not expecting data"},
    {0x0803, "DDR completion to an invalid entry"},
    {0x0804, "DDR-T completion to an invalid entry"},
    {0x0805, "DDR data/completion FIFO overflow"},
    {0x0806, "DDR-T ERID correctable parity error"},
    {0x0807, "DDR-T ERID uncorrectable error"},
    {0x0808, "DDR-T interrupt while the previous one was not acked"},
    {0x0809, "DDR-T ERID FIFO overflow"},
    {0x080a, "DDR-T write credit error"},
    {0x080b, "DDR-T read credit error"},
    {0x080c, "DDR-T scheduler error"},
    {0x080d, "DDR-T persistent memory error event"},
    {0x080e, "DDR-T persistent memory thermal event"},
    {0x0816, "DDR-T read error"},
    {0x1008, "corrected patrol scrub error on the mirror secondary"},
    {0x1010, "uncorrected patrol scrub error on the mirror secondary"},
    {0x1020, "corrected spare error on the mirror secondary"},
    {0x1040, "uncorrected spare error on the mirror secondary"},
    {0x1080, "demand read error on the mirror secondary"},
    {0x10a0, "uncorrected demand read error on the mirror secondary"},
};

/*
 * Skylake-SP and Ice Lake-SP M2M MSCOD, one bit per error in bits 7:0:
 * the SDM's M2M table for IA32_MC7-MC8 in the 06_55H section (Table
 * 16-30 in the 2016 edition; Ice Lake-SP's M2M banks log the same bits,
 * mcelog i10nm.c). Bit 1 is reserved.
 */
static const char *const m2m_bits[] = {
    "read data error from the iMC",      NULL,
    "partial write data error",          "full write data error",
    "clock-crossing buffer (BGF) error", "M2M timeout",
    "M2M tracker parity error",          "fatal Bucket1 error",
};

/*
 * Sapphire Rapids M2M MSCOD bits 7:0, one code per error: the M2M table
 * of the 06_8FH section, as mcelog sapphire.c reads it.
 */
static const char *const spr_m2m_codes[] = {
    [0x01] = "read ECC error",
    [0x02] = "Bucket1 error",
    [0x03] = "read tracker parity error",
    [0x05] = "prefetch channel mismatch",
    [0x07] = "read completion parity error",
    [0x08] = "response parity error",
    [0x09] = "M2M timeout",
    [0x0a] = "CMI reserved credit pool error",
    [0x0b] = "CMI total credit count error",
    [0x0c] = "CMI credit oversubscription error",
};

/*
 * Intel UPI MSCOD bits 5:0 (status bits 21:16): the SDM's UPI table for
 * IA32_MC5, MC12, MC19 in the 06_55H section (Table 16-28 in the 2016
 * edition); Ice Lake-SP and Sapphire Rapids keep the codes (mcelog
 * i10nm.c, sapphire.c).
 */
#define UPI_CODE_MASK 0x3f
static const char *const upi_codes[UPI_CODE_MASK + 1] = {
    [0x00] = "UPI phy initialization failure",
    [0x01] = "UPI phy drift buffer alarm",
    [0x02] = "UPI phy latency buffer rollover",
    [0x10] = "UPI CRC error, link retry failed",
    [0x11] = "UPI unsupported or undefined packet",
    [0x12] = "UPI link layer or phy control error",
    [0x13] = "UPI parameter exchange exception",
    [0x1f] = "UPI link layer control error",
    [0x20] = "UPI phy initialization abort",
    [0x21] = "UPI phy inband reset",
    [0x22] = "UPI lane failure, link down to x8",
    [0x23] = "UPI L0c error corrected without phy reset",
    [0x24] = "UPI L0c error, phy reset",
    [0x25] = "UPI L0p exit error corrected with phy reset",
    [0x30] = "UPI CRC error corrected by link retry",
    [0x31] = "UPI CRC error corrected by link retry and phy reinit",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Tables with one bit per error name the lowest bit set: the SDM leaves
 * several bits at once undefined, and the lowest is the first listed.
 */
static const char *by_lowest_bit(const char *const *names, size_t n,
                                 unsigned int bits)
{
	unsigned int i;

	if (bits == 0)
		return NULL;
	i = (unsigned int)__builtin_ctz(bits);
	return i < n ? names[i] : NULL;
}

/* Sorted and short: a linear scan that stops early beats a search. */
static const char *by_code(const struct intel_code *t, size_t n, uint16_t code)
{
	size_t i;

	for (i = 0; i < n && t[i].code <= code; i++)
		if (t[i].code == code)
			return t[i].what;
	return NULL;
}

static const char *skx_imc_detail(uint16_t mscod)
{
	size_t i;

	if (mscod >= SKX_IMC_CODE_BASE) {
		i = (size_t)mscod - SKX_IMC_CODE_BASE;
		return i < NELEM(skx_imc_codes) ? skx_imc_codes[i] : NULL;
	}
	return by_lowest_bit(skx_imc_bits, NELEM(skx_imc_bits), mscod);
}

const char *intel_imc_detail(uint8_t imc_codes, uint16_t mscod)
{
	switch (imc_codes) {
	case INTEL_IMC_HSX:
		return by_lowest_bit(hsx_imc_bits, NELEM(hsx_imc_bits), mscod);
	case INTEL_IMC_SKX:
		return skx_imc_detail(mscod);
	case INTEL_IMC_I10NM:
		return by_code(i10nm_imc_codes, NELEM(i10nm_imc_codes), mscod);
	default:
		return NULL;
	}
}

const char *intel_m2m_detail(uint8_t m2m_codes, uint16_t mscod)
{
	unsigned int low = mscod & 0xff;

	if (m2m_codes == INTEL_M2M_CODE)
		return low < NELEM(spr_m2m_codes) ? spr_m2m_codes[low] : NULL;
	return by_lowest_bit(m2m_bits, NELEM(m2m_bits), low);
}

const char *intel_upi_detail(uint16_t mscod)
{
	return upi_codes[mscod & UPI_CODE_MASK];
}

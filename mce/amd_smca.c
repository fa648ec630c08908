/* amd_smca.c - AMD SMCA (families 17h, 19h, 1Ah; Hygon 18h): bank type from
 * MCA_IPID, extended error codes, UMC channel and chip select. */
#include <stddef.h>
#include <stdint.h>

#include "mce/amd_int.h"
#include "mce/mce.h"
#include "mce/mce_int.h"

/*
 * Runs on the hot path after the architectural pass: a switch, a table
 * lookup and a few bit tests. Every string handed out is static.
 *
 * Sources: AMD PPR for Family 17h (#54945) and Family 19h (#55898),
 * "Machine Check Architecture": MCA_IPID (HardwareID, McaType,
 * InstanceId), MCA_STATUS (ErrorCodeExt, Deferred, Poison, SyndV),
 * MCA_ADDR, MCA_SYND, and the per-bank "MCA_STATUS_<bank>[ErrorCodeExt]"
 * tables. Pairs and meanings were checked against the Linux kernel's
 * smca_hwid_mcatypes[] (arch/x86/kernel/cpu/mce/amd.c) and
 * smca_*_mce_desc[] (drivers/edac/mce_amd.c); the code is our own.
 */

enum smca_type {
	SMCA_LS,
	SMCA_LS_V2,
	SMCA_IF,
	SMCA_L2,
	SMCA_DE,
	SMCA_EX,
	SMCA_FP,
	SMCA_L3,
	SMCA_CS,
	SMCA_CS_V2,
	SMCA_PIE,
	SMCA_MALL,
	SMCA_UMC,
	SMCA_UMC_V2,
	SMCA_PB,
	SMCA_PSP,
	SMCA_SMU,
	SMCA_MP5,
	SMCA_MPDMA,
	SMCA_NBIO,
	SMCA_PCIE,
	SMCA_NBIF,
	SMCA_SHUB,
	SMCA_SATA,
	SMCA_USB,
	SMCA_XGMI_PCS,
	SMCA_XGMI_PHY,
	SMCA_WAFL_PHY,
	SMCA_GMI_PCS,
	SMCA_GMI_PHY,
	SMCA_USR_DP,
	SMCA_USR_CP,
	SMCA_NTYPES,
};

/* ErrorCodeExt meanings; NULL where the PPR says reserved. */
static const char *const umc_xec[] = {
    "DRAM ECC error",
    "data poison error on DRAM",
    "SDP parity error",
    "advanced peripheral bus error",
    "address/command parity error",
    "write data CRC error",
    "DCQ SRAM ECC error",
    "AES SRAM ECC error",
    "ECS row error",
    "ECS error",
    "UMC throttling error",
    "read CRC error",
    NULL,
    NULL,
    NULL,
    NULL,
    "RFM SRAM ECC error",
};

/* UMC v2 (McaType 1): the heterogeneous (accelerator) memory controller. */
static const char *const umc2_xec[] = {
    "DRAM ECC error",
    "data poison error",
    "SDP parity error",
    NULL,
    "address/command parity error",
    "write data parity error",
    "DCQ SRAM ECC error",
    NULL,
    "read data parity error",
    "Rdb SRAM ECC error",
    "RdRsp SRAM ECC error",
    "LM32 MP error",
};

static const char *const ls_xec[] = {
    "load queue parity error",
    "store queue parity error",
    "miss address buffer payload parity error",
    "L1 TLB parity error",
    "DC tag error type 5",
    "DC tag error type 6",
    "DC tag error type 1",
    "internal error type 1",
    "internal error type 2",
    "system read data error, thread 0",
    "system read data error, thread 1",
    "DC tag error type 2",
    "DC data error type 1 (poison consumption)",
    "DC data error type 2",
    "DC data error type 3",
    "DC tag error type 4",
    "L2 TLB parity error",
    "PDC parity error",
    "DC tag error type 3",
    "DC tag error type 5",
    "L2 fill data error",
    "SCB cache line state or address error",
    "SCB data error, commit pipe 0",
    "SCB data error, commit pipe 1",
    "SCB data error for non-cacheable DRAM or I/O",
    "system read data error in the write combining buffer",
    "hardware assertion",
};

/* LS v2 (McaType 10h), Family 19h Model 10h and later. */
static const char *const ls2_xec[] = {
    "data cache ECC error on a probe or victim read",
    "data cache ECC error or L2 poison on a load",
    "data cache ECC error on a store read-modify-write",
    "tag ECC or poison mismatch on a probe or victim read",
    "tag ECC or poison mismatch on a load",
    "tag ECC or poison mismatch on a store",
    "EMEM ECC error on a load",
    "EMEM ECC error on a store read-modify-write",
    "L1 TLB parity error",
    "L2 TLB parity error",
    "PWC parity error",
    "STQ parity error",
    "LDQ parity error",
    "MAB parity error",
    "SCB state parity error",
    "SCB address parity error",
    "SCB data parity error",
    "WCB parity error",
    "poisoned line in the SCB",
    "system read data error on a load",
    "system read data error on an SCB store",
    "system read data error on a WCB store",
    "hardware assertion",
    "STLF, SCB EMEM, store mask or SRB data parity error",
};

static const char *const if_xec[] = {
    "microtag probe port parity error",
    "IC microtag or full tag multi-hit error",
    "IC full tag parity error",
    "IC data array parity error",
    "PRQ parity error",
    "L0 ITLB parity error",
    "L1 ITLB parity error",
    "L2 ITLB parity error",
    "BPQ snoop parity error, thread 0",
    "BPQ snoop parity error, thread 1",
    "L1 BTB multi-hit error",
    "L2 BTB multi-hit error",
    "L2 cache response poison error",
    "system read data error",
    "hardware assertion",
    "L1 TLB multi-hit error",
    "L2 TLB multi-hit error",
    "BSR parity error",
    "CT MCE",
};

/* DE, EX, FP: the core's decode, execution and floating-point units. */
static const char *const de_xec[] = {
    "micro-op cache tag parity error",
    "micro-op cache data parity error",
    "instruction buffer parity error",
    "micro-op queue parity error",
    "instruction dispatch queue parity error",
    "fetch address FIFO parity error",
    "patch RAM data parity error",
    "patch RAM sequencer parity error",
    "micro-op buffer parity error",
    "hardware assertion",
};

static const char *const ex_xec[] = {
    "watchdog timeout",
    "physical register file parity error",
    "flag register file parity error",
    "immediate displacement register file parity error",
    "address generator payload parity error",
    "EX payload parity error",
    "checkpoint queue parity error",
    "retire dispatch queue parity error",
    "retire status queue parity error",
    "scheduling queue parity error",
    "branch buffer queue parity error",
    "hardware assertion",
    "spec map parity error",
    "retire map parity error",
};

static const char *const fp_xec[] = {
    "physical register file parity error",
    "freelist parity error",
    "schedule queue parity error",
    "NSQ parity error",
    "retire queue parity error",
    "status register file parity error",
    "hardware assertion",
};

static const char *const l2_xec[] = {
    "L2M tag multiple-way-hit error",
    "L2M tag or state array ECC error",
    "L2M data array ECC error",
    "hardware assertion",
    "SDP read response parity error",
    "error initiated by the programmable state machine",
};

static const char *const l3_xec[] = {
    "shadow tag macro ECC error",
    "shadow tag macro multi-way-hit error",
    "L3M tag ECC error",
    "L3M tag multi-way-hit error",
    "L3M data ECC error",
    "SDP parity error from XI",
    "L3 victim queue data fabric error",
    "hardware assertion",
    "XI WCB parity poison creation event",
    "machine check initiated by a DSM action",
};

static const char *const cs_xec[] = {
    "illegal request",
    "address violation",
    "security violation",
    "illegal response",
    "unexpected response",
    "request or probe parity error",
    "read response parity error",
    "atomic request parity error",
    "probe filter ECC error",
};

/* CS v2 (McaType 2), Family 19h and later. */
static const char *const cs2_xec[] = {
    "illegal request",
    "address violation",
    "security violation",
    "illegal response",
    "unexpected response",
    "request or probe parity error",
    "read response parity error",
    "atomic request parity error",
    "SDP read response had no match in the CS queue",
    "probe filter protocol error",
    "probe filter ECC error",
    "SDP read response had an unexpected RETRY error",
    "counter overflow error",
    "counter underflow error",
};

static const char *const pie_xec[] = {
    "hardware assertion",
    "register security violation",
    "link error",
    "poison data consumption",
    "deferred error detected in the data fabric",
    "watchdog timer",
    "CNLI SRAM ECC error",
    "register access during DF C-state",
    "DSM error",
};

static const char *const sram_xec[] = {
    "RAM ECC or parity error",
};

struct smca_bank {
	const char *name;       /* short name, as Linux sysfs names banks */
	const char *class_name; /* replaces the architectural class; NULL */
	const char *const *xec;
	uint8_t nxec;
	uint8_t kind; /* enum mce_kind */
	int8_t level; /* cache level of the unit, 0 if none */
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/*
 * A unit's kind, where the error code leaves the kind to the unit (see
 * apply_kind): the core's caches are cache, its pipeline internal; the
 * data fabric and the die-to-die links are interconnect; the I/O hub
 * side is bus; the management processors' SRAMs are internal.
 */
static const struct smca_bank smca_banks[SMCA_NTYPES] = {
    [SMCA_LS] = {"LS", NULL, ls_xec, NELEM(ls_xec), MCE_KIND_CACHE, 1},
    [SMCA_LS_V2] = {"LS", NULL, ls2_xec, NELEM(ls2_xec), MCE_KIND_CACHE, 1},
    [SMCA_IF] = {"IF", NULL, if_xec, NELEM(if_xec), MCE_KIND_CACHE, 1},
    [SMCA_L2] = {"L2", NULL, l2_xec, NELEM(l2_xec), MCE_KIND_CACHE, 2},
    [SMCA_DE] = {"DE", NULL, de_xec, NELEM(de_xec), MCE_KIND_INTERNAL, 0},
    [SMCA_EX] = {"EX", NULL, ex_xec, NELEM(ex_xec), MCE_KIND_INTERNAL, 0},
    [SMCA_FP] = {"FP", NULL, fp_xec, NELEM(fp_xec), MCE_KIND_INTERNAL, 0},
    [SMCA_L3] = {"L3", NULL, l3_xec, NELEM(l3_xec), MCE_KIND_CACHE, 3},
    [SMCA_CS] = {"CS", "data fabric error", cs_xec, NELEM(cs_xec),
                 MCE_KIND_INTERCONNECT, 0},
    [SMCA_CS_V2] = {"CS", "data fabric error", cs2_xec, NELEM(cs2_xec),
                    MCE_KIND_INTERCONNECT, 0},
    [SMCA_PIE] = {"PIE", "data fabric error", pie_xec, NELEM(pie_xec),
                  MCE_KIND_INTERCONNECT, 0},
    [SMCA_MALL] = {"MALL", "memory attached last level cache error", NULL, 0,
                   MCE_KIND_CACHE, 0},
    [SMCA_UMC] = {"UMC", "memory controller error", umc_xec, NELEM(umc_xec),
                  MCE_KIND_MEMORY, 0},
    [SMCA_UMC_V2] = {"UMC", "memory controller error", umc2_xec,
                     NELEM(umc2_xec), MCE_KIND_MEMORY, 0},
    [SMCA_PB] = {"PB", "parameter block error", sram_xec, NELEM(sram_xec),
                 MCE_KIND_INTERNAL, 0},
    [SMCA_PSP] = {"PSP", "platform security processor error", sram_xec,
                  NELEM(sram_xec), MCE_KIND_INTERNAL, 0},
    [SMCA_SMU] = {"SMU", "system management unit error", sram_xec,
                  NELEM(sram_xec), MCE_KIND_INTERNAL, 0},
    [SMCA_MP5] = {"MP5", "MP5 error", NULL, 0, MCE_KIND_INTERNAL, 0},
    [SMCA_MPDMA] = {"MPDMA", "MPDMA error", NULL, 0, MCE_KIND_INTERNAL, 0},
    [SMCA_NBIO] = {"NBIO", "northbridge I/O error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_PCIE] = {"PCIE", "PCI Express error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_NBIF] = {"NBIF", "NBIF error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_SHUB] = {"SHUB", "system hub error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_SATA] = {"SATA", "SATA error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_USB] = {"USB", "USB error", NULL, 0, MCE_KIND_BUS, 0},
    [SMCA_XGMI_PCS] = {"xGMI PCS", "xGMI link error", NULL, 0,
                       MCE_KIND_INTERCONNECT, 0},
    [SMCA_XGMI_PHY] = {"xGMI PHY", "xGMI link error", NULL, 0,
                       MCE_KIND_INTERCONNECT, 0},
    [SMCA_WAFL_PHY] = {"WAFL PHY", "WAFL link error", NULL, 0,
                       MCE_KIND_INTERCONNECT, 0},
    [SMCA_GMI_PCS] = {"GMI PCS", "GMI link error", NULL, 0,
                      MCE_KIND_INTERCONNECT, 0},
    [SMCA_GMI_PHY] = {"GMI PHY", "GMI link error", NULL, 0,
                      MCE_KIND_INTERCONNECT, 0},
    [SMCA_USR_DP] = {"USR DP", "USR link error", NULL, 0, MCE_KIND_INTERCONNECT,
                     0},
    [SMCA_USR_CP] = {"USR CP", "USR link error", NULL, 0, MCE_KIND_INTERCONNECT,
                     0},
};

/* (HardwareID, McaType) to bank type; the PPR's MCA_IPID tables. */
static enum smca_type smca_type_of(unsigned int hwid, unsigned int mcatype)
{
	switch (SMCA_KEY(hwid, mcatype)) {
	case SMCA_KEY(0x01, 0x0):
	case SMCA_KEY(0x01, 0x1):
		return SMCA_SMU;
	case SMCA_KEY(0x01, 0x2):
		return SMCA_MP5;
	case SMCA_KEY(0x01, 0x3):
		return SMCA_MPDMA;
	case SMCA_KEY(0x05, 0x0):
		return SMCA_PB;
	case SMCA_KEY(0x18, 0x0):
		return SMCA_NBIO;
	case SMCA_KEY(0x2e, 0x0):
		return SMCA_CS;
	case SMCA_KEY(0x2e, 0x1):
		return SMCA_PIE;
	case SMCA_KEY(0x2e, 0x2):
		return SMCA_CS_V2;
	case SMCA_KEY(0x2e, 0x4):
		return SMCA_MALL;
	case SMCA_KEY(0x46, 0x0):
	case SMCA_KEY(0x46, 0x1):
		return SMCA_PCIE;
	case SMCA_KEY(0x50, 0x0):
		return SMCA_XGMI_PCS;
	case SMCA_KEY(0x6c, 0x0):
		return SMCA_NBIF;
	case SMCA_KEY(0x80, 0x0):
		return SMCA_SHUB;
	case SMCA_KEY(0x96, 0x0):
		return SMCA_UMC;
	case SMCA_KEY(0x96, 0x1):
		return SMCA_UMC_V2;
	case SMCA_KEY(0xa8, 0x0):
		return SMCA_SATA;
	case SMCA_KEY(0xaa, 0x0):
		return SMCA_USB;
	case SMCA_KEY(0xb0, 0x0):
		return SMCA_LS;
	case SMCA_KEY(0xb0, 0x1):
		return SMCA_IF;
	case SMCA_KEY(0xb0, 0x2):
		return SMCA_L2;
	case SMCA_KEY(0xb0, 0x3):
		return SMCA_DE;
	/* HardwareID B0h McaType 4 is reserved. */
	case SMCA_KEY(0xb0, 0x5):
		return SMCA_EX;
	case SMCA_KEY(0xb0, 0x6):
		return SMCA_FP;
	case SMCA_KEY(0xb0, 0x7):
		return SMCA_L3;
	case SMCA_KEY(0xb0, 0x10):
		return SMCA_LS_V2;
	case SMCA_KEY(0xff, 0x0):
	case SMCA_KEY(0xff, 0x1):
		return SMCA_PSP;
	case SMCA_KEY(0x170, 0x0):
		return SMCA_USR_DP;
	case SMCA_KEY(0x180, 0x0):
		return SMCA_USR_CP;
	case SMCA_KEY(0x241, 0x0):
		return SMCA_GMI_PCS;
	case SMCA_KEY(0x259, 0x0):
		return SMCA_XGMI_PHY;
	case SMCA_KEY(0x267, 0x0):
		return SMCA_WAFL_PHY;
	case SMCA_KEY(0x269, 0x0):
		return SMCA_GMI_PHY;
	default:
		return SMCA_NTYPES;
	}
}

/* CPUID Fn0000_0001_EAX, as PPR "CPUID_Fn00000001_EAX" defines Family. */
static unsigned int amd_family(uint32_t eax)
{
	unsigned int base =
	    (eax >> AMD_CPUID_BASE_FAMILY_SHIFT) & AMD_CPUID_BASE_FAMILY_MASK;

	if (base != 0xf)
		return base;
	return base + ((eax >> AMD_CPUID_EXT_FAMILY_SHIFT) &
	               AMD_CPUID_EXT_FAMILY_MASK);
}

/* Families before SMCA, 0Fh (K8) to 16h; 13h was never made. */
static const char *const legacy_notes[] = {
    "AMD family 0Fh: not SMCA, architectural decoding only",
    "AMD family 10h: not SMCA, architectural decoding only",
    "AMD family 11h: not SMCA, architectural decoding only",
    "AMD family 12h: not SMCA, architectural decoding only",
    NULL,
    "AMD family 14h: not SMCA, architectural decoding only",
    "AMD family 15h: not SMCA, architectural decoding only",
    "AMD family 16h: not SMCA, architectural decoding only",
};

static const char *legacy_note(unsigned int family)
{
	const char *note = NULL;

	if (family >= 0xf && family - 0xf < NELEM(legacy_notes))
		note = legacy_notes[family - 0xf];
	if (note == NULL)
		note = "AMD family before 17h: not SMCA, architectural "
		       "decoding only";
	return note;
}

static const char *model_name(uint8_t vendor, unsigned int family)
{
	if (vendor == MCE_VENDOR_HYGON)
		return family == 0x18 ? "Hygon family 18h (SMCA)"
		                      : "Hygon (SMCA)";
	switch (family) {
	case 0x17:
		return "AMD family 17h (SMCA)";
	case 0x19:
		return "AMD family 19h (SMCA)";
	case 0x1a:
		return "AMD family 1Ah (SMCA)";
	default:
		return "AMD family 17h or later (SMCA)";
	}
}

/*
 * AMD's internal error class, 0000 01UU 0000 0000 (APM vol. 2 "Machine
 * Check Error Codes"; Linux mce_amd.h INT_ERROR): UU=10 is a hardware
 * assertion, the rest carry no more than "internal".
 */
#define AMD_INTERNAL_MASK  0xf4ffU
#define AMD_INTERNAL       0x0400U
#define AMD_INTERNAL_UU(c) (((c) >> 8) & 0x3U)
#define AMD_UU_HWA         0x2U

static const char *internal_class(uint16_t code)
{
	if ((code & AMD_INTERNAL_MASK) != AMD_INTERNAL)
		return NULL;
	return AMD_INTERNAL_UU(code) == AMD_UU_HWA ? "hardware assertion"
	                                           : "internal error";
}

/*
 * The error code's class decides the kind (APM "Machine Check Error
 * Codes", the same classes rasdaemon and Linux's mce_amd.c print): a TLB,
 * bus or internal code (a hardware assertion in an L2 or the data fabric
 * included) is what it says whatever unit logged it. Only the memory-
 * hierarchy class (0000 0001 RRRR TTLL) and codes without a class leave
 * it to the unit: DRAM in a UMC, a cache in LS, IF, L2, L3, MALL, and the
 * unit's own kind where it holds no memory (an EX watchdog timeout logs
 * 0x0108, "generic, level reserved"). A bus-class code in the data fabric
 * or a die-to-die link is interconnect.
 */
static void apply_kind(const struct smca_bank *b, struct mce_decoded *d)
{
	switch (d->kind) {
	case MCE_KIND_TLB:
	case MCE_KIND_INTERNAL:
		break;
	case MCE_KIND_BUS:
		if (b->kind != MCE_KIND_INTERCONNECT)
			break;
		d->kind = MCE_KIND_INTERCONNECT;
		if (b->class_name != NULL)
			d->class_name = b->class_name;
		break;
	default:
		d->kind = (enum mce_kind)b->kind;
		if (b->class_name != NULL)
			d->class_name = b->class_name;
		else if (b->kind == MCE_KIND_INTERNAL)
			d->class_name = "internal error";
		break;
	}
}

static void apply_bank(const struct smca_bank *b, uint64_t status,
                       struct mce_decoded *d)
{
	unsigned int xec =
	    (status >> SMCA_STATUS_XEC_SHIFT) & SMCA_STATUS_XEC_MASK;
	const char *internal = internal_class(d->mcacod);

	d->bank_name = b->name;
	if (xec < b->nxec)
		d->detail = b->xec[xec];
	if (internal != NULL)
		d->class_name = internal;
	apply_kind(b, d);
	/* LL "generic" or reserved: the unit knows its level. */
	if (d->kind == MCE_KIND_CACHE && d->cache_level == 0 && b->level != 0 &&
	    (d->mcacod & MCACOD_CACHE)) {
		d->cache_level = b->level;
		d->class_name = mce_cache_class(d->mcacod, b->level);
	}
}

static void clear_phys(struct mce_decoded *d)
{
	d->phys_addr_valid = false;
	d->phys_addr = 0;
	d->page = 0;
}

/*
 * A UMC logs a normalized address: the DRAM address as the UMC sees it,
 * before the data fabric's interleaving maps it into the system physical
 * space (PPR "MCA_ADDR_UMC"; Linux converts it with the DF registers in
 * drivers/ras/amd/atl, and amd_mce_usable_address() counts UMC errors as
 * "address not usable"). rasd cannot read the DF registers from dom0, so
 * offlining that number as a page would hit the wrong page: the address
 * is kept in the record, called a memory address, and not acted on.
 *
 * Channel: UMC InstanceId bits 31:20, as Linux's umc_get_err_info(); one
 * UMC drives one channel, so it is also the controller. Chip select:
 * MCA_SYND bits 2:0, defined for DRAM ECC errors (ErrorCodeExt 0) when
 * SyndV is set. A chip select selects one rank, so it is also the rank
 * on the channel. UMC v2 (accelerator) instances are numbered another
 * way, so they get no channel.
 */
static void decode_umc(const struct mce_record *r, enum smca_type t,
                       struct mce_decoded *d)
{
	uint32_t inst = (uint32_t)(r->ipid & SMCA_IPID_INSTANCE_MASK);
	unsigned int channel = inst >> SMCA_UMC_CHANNEL_SHIFT;
	unsigned int xec =
	    (r->status >> SMCA_STATUS_XEC_SHIFT) & SMCA_STATUS_XEC_MASK;

	clear_phys(d);
	if (d->addrv) {
		d->addr_mode = MCE_ADDR_MEMORY;
		d->note = "UMC MCA_ADDR is a normalized DRAM address, not a "
		          "system physical address";
	}
	if (t != SMCA_UMC)
		return;
	if (channel <= INT8_MAX) {
		d->channel = (int8_t)channel;
		d->controller = (int8_t)channel;
	}
	if (xec != 0 || !(r->status & SMCA_STATUS_SYNDV))
		return;
	d->chip_select = (int8_t)(r->synd & SMCA_SYND_UMC_CS_MASK);
	d->rank = d->chip_select;
}

/*
 * Other banks: MCA_ADDR[61:56] holds the lowest valid address bit, which
 * the architectural pass does not know. Linux's amd_mce_usable_address()
 * trusts an SMCA address as a system physical one only for poison
 * consumption (MCA_STATUS[Poison]); rasd does the same before acting.
 */
static void decode_addr(const struct mce_record *r, struct mce_decoded *d)
{
	unsigned int lsb =
	    (r->addr >> SMCA_ADDR_LSB_SHIFT) & SMCA_ADDR_LSB_MASK;

	if (!d->phys_addr_valid)
		return;
	if (!(r->status & SMCA_STATUS_POISON) || lsb > MCE_PHYS_ADDR_MAX_LSB) {
		clear_phys(d);
		return;
	}
	d->addr_lsb = (uint8_t)lsb;
	d->phys_addr = r->addr & SMCA_ADDR_MASK & ~((UINT64_C(1) << lsb) - 1);
	d->page = d->phys_addr >> 12;
}

/*
 * Returns 1 when the record came from an SMCA bank rasd knows, else 0
 * with the architectural result kept and the reason in d->note.
 */
int mce_decode_amd(const struct mce_record *r, struct mce_decoded *d)
{
	unsigned int family = amd_family(r->cpuid);
	enum smca_type t;

	/* MCA_IPID exists only on SMCA parts, so it stands in for CPUID. */
	if (r->cpuid == 0 && r->ipid != 0)
		family = AMD_FAMILY_SMCA;
	if (family < AMD_FAMILY_SMCA) {
		d->note = legacy_note(family);
		return 0;
	}
	d->model = model_name(r->cpuvendor, family);
	d->model_known = true;
	if (r->ipid == 0) {
		d->note = "no MCA_IPID: bank type unknown";
		return 0;
	}
	t = smca_type_of((unsigned int)(r->ipid >> SMCA_IPID_HWID_SHIFT) &
	                     SMCA_IPID_HWID_MASK,
	                 (unsigned int)(r->ipid >> SMCA_IPID_MCATYPE_SHIFT) &
	                     SMCA_IPID_MCATYPE_MASK);
	if (t == SMCA_NTYPES) {
		d->note =
		    "unknown SMCA bank type (MCA_IPID HardwareID, McaType)";
		return 0;
	}
	d->bank_known = true;
	apply_bank(&smca_banks[t], r->status, d);
	if (t == SMCA_UMC || t == SMCA_UMC_V2)
		decode_umc(r, t, d);
	else
		decode_addr(r, d);
	return 1;
}

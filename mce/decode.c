/* decode.c - architectural decoding of a machine-check record (SDM Vol. 3B
 * ch. 16): error class, UCR severity and an address rasd can act on. */
#include <string.h>

#include "mce/mce.h"
#include "mce/mce_int.h"

/*
 * Runs once per record on the hot path: table lookups and bit tests only.
 * Every string handed out is static.
 */

/* RRRR, the request of a cache or bus error; 9..15 are reserved. */
static const char *const request_mnemonics[16] = {
    "ERR", "RD", "WR", "DRD", "DWR", "IRD", "PREFETCH", "EVICT", "SNOOP",
};

/* TT; 11 is reserved. */
static const char *const transaction_names[4] = {
    "instruction",
    "data",
    "generic",
    NULL,
};

/*
 * LL, the level in the memory hierarchy, is counted from 0 on Intel and
 * from 1 on AMD. The SDM (Vol. 3B, "Machine-Check Error Codes", Level
 * encoding) names 00 "level 0"; its own architectural codes show what
 * that is: the SRAR data load (0x134) is logged by the first-level data
 * cache (DCU), and the SRAO "L3 explicit writeback" (0x17A) has LL=10.
 * Intel's mcelog prints LL+1 for the same reason. AMD's APM ("Machine
 * Check Error Codes") and PPR call LL=01 L1 and LL=10 L2, with 00
 * reserved. LL=11 is "generic" on both; a bank that knows its level says
 * it. cache_level keeps 0 for "not known".
 */
static const int8_t intel_ll_levels[4] = {1, 2, 3, 0};
static const int8_t amd_ll_levels[4] = {0, 1, 2, 0};

/* MMM of 000F 0000 1MMM CCCC. */
static const char *const memory_classes[8] = {
    "memory controller error",
    "memory controller read error",
    "memory controller write error",
    "memory controller address/command error",
    "memory scrubbing error",
    "memory controller error (reserved type)",
    "memory controller error (reserved type)",
    "memory controller error (reserved type)",
};

/* MMM of 000F 0010 1MMM CCCC: memory used as a cache (2LM near memory). */
static const char *const extended_memory_classes[8] = {
    "extended memory error",
    "extended memory read error",
    "extended memory write error",
    "extended memory address/command error",
    "extended memory scrubbing error",
    "extended memory error (reserved type)",
    "extended memory error (reserved type)",
    "extended memory error (reserved type)",
};

/* [level][RRRR], level 0 for generic; column 9 for any reserved request. */
#define CACHE_RESERVED_REQUEST 9
static const char *const cache_classes[4][10] = {
    {
        "cache error",
        "cache read error",
        "cache write error",
        "cache data read error",
        "cache data write error",
        "cache instruction fetch error",
        "cache prefetch error",
        "cache eviction error",
        "cache snoop error",
        "cache error (reserved request)",
    },
    {
        "L1 cache error",
        "L1 cache read error",
        "L1 cache write error",
        "L1 cache data read error",
        "L1 cache data write error",
        "L1 cache instruction fetch error",
        "L1 cache prefetch error",
        "L1 cache eviction error",
        "L1 cache snoop error",
        "L1 cache error (reserved request)",
    },
    {
        "L2 cache error",
        "L2 cache read error",
        "L2 cache write error",
        "L2 cache data read error",
        "L2 cache data write error",
        "L2 cache instruction fetch error",
        "L2 cache prefetch error",
        "L2 cache eviction error",
        "L2 cache snoop error",
        "L2 cache error (reserved request)",
    },
    {
        "L3 cache error",
        "L3 cache read error",
        "L3 cache write error",
        "L3 cache data read error",
        "L3 cache data write error",
        "L3 cache instruction fetch error",
        "L3 cache prefetch error",
        "L3 cache eviction error",
        "L3 cache snoop error",
        "L3 cache error (reserved request)",
    },
};

/* By level, 0 for generic. */
static const char *const tlb_classes[4] = {
    "TLB error",
    "L1 TLB error",
    "L2 TLB error",
    "L3 TLB error",
};

static const char *const hierarchy_classes[4] = {
    "cache hierarchy error",
    "L1 cache hierarchy error",
    "L2 cache hierarchy error",
    "L3 cache hierarchy error",
};

/* The simple error codes 0x0000..0x0006. */
struct simple_code {
	enum mce_kind kind;
	const char *name;
};

static const struct simple_code simple_codes[] = {
    {MCE_KIND_UNKNOWN, "no error code"},
    {MCE_KIND_INTERNAL, "unclassified error"},
    {MCE_KIND_INTERNAL, "microcode ROM parity error"},
    {MCE_KIND_BUS, "external error"},
    {MCE_KIND_INTERNAL, "FRC error"},
    {MCE_KIND_INTERNAL, "internal parity error"},
    {MCE_KIND_INTERNAL, "SMM handler code access violation"},
};

/* MCi_MISC bits 8:6; 100..110 are reserved. */
static const enum mce_addr_mode misc_addr_modes[8] = {
    MCE_ADDR_SEGMENT, MCE_ADDR_LINEAR,  MCE_ADDR_PHYSICAL, MCE_ADDR_MEMORY,
    MCE_ADDR_UNKNOWN, MCE_ADDR_UNKNOWN, MCE_ADDR_UNKNOWN,  MCE_ADDR_GENERIC,
};

static void set_memory(struct mce_decoded *d, uint16_t code,
                       const char *const *classes)
{
	unsigned int cccc = code & 0xf;

	d->kind = MCE_KIND_MEMORY;
	d->class_name = classes[(code >> 4) & 0x7];
	d->channel = cccc == 0xf ? -1 : (int8_t)cccc;
}

const char *mce_cache_class(uint16_t mcacod, int level)
{
	unsigned int rrrr = (mcacod >> 4) & 0xf;

	if (rrrr > CACHE_RESERVED_REQUEST)
		rrrr = CACHE_RESERVED_REQUEST;
	if (level < 0 || level > 3)
		level = 0;
	return cache_classes[level][rrrr];
}

static void set_cache(struct mce_decoded *d, uint16_t code,
                      const int8_t *levels)
{
	d->kind = MCE_KIND_CACHE;
	d->cache_level = levels[code & 0x3];
	d->transaction = transaction_names[(code >> 2) & 0x3];
	d->request = request_mnemonics[(code >> 4) & 0xf];
	d->class_name = mce_cache_class(code, d->cache_level);
}

static void set_tlb(struct mce_decoded *d, uint16_t code, const int8_t *levels)
{
	d->kind = MCE_KIND_TLB;
	d->cache_level = levels[code & 0x3];
	d->transaction = transaction_names[(code >> 2) & 0x3];
	d->class_name = tlb_classes[d->cache_level];
}

static void set_hierarchy(struct mce_decoded *d, uint16_t code,
                          const int8_t *levels)
{
	d->kind = MCE_KIND_CACHE;
	d->cache_level = levels[code & 0x3];
	d->class_name = hierarchy_classes[d->cache_level];
}

static void set_bus(struct mce_decoded *d, uint16_t code)
{
	d->kind = MCE_KIND_BUS;
	d->request = request_mnemonics[(code >> 4) & 0xf];
	if (code & MCACOD_BUS_TIMEOUT)
		d->class_name = "bus/interconnect timeout";
	else
		d->class_name = "bus/interconnect error";
}

static void set_simple(struct mce_decoded *d, uint16_t code)
{
	if (code >= sizeof(simple_codes) / sizeof(simple_codes[0]))
		return;
	d->kind = simple_codes[code].kind;
	d->class_name = simple_codes[code].name;
}

/*
 * The order matters: the tests go from the highest set bit down, as the
 * compound formats are told apart by their leading one.
 */
static void classify_code(struct mce_decoded *d, const int8_t *levels)
{
	uint16_t code = d->mcacod & ~MCACOD_FILTER;

	d->kind = MCE_KIND_UNKNOWN;
	d->class_name = "unknown error code";
	if (code == MCACOD_IO_ERROR) {
		d->kind = MCE_KIND_BUS;
		d->class_name = "I/O error";
	} else if (code & MCACOD_NOT_ARCH)
		return;
	else if (code & MCACOD_BUS)
		set_bus(d, code);
	else if (code == MCACOD_INTERNAL_TIMER) {
		d->kind = MCE_KIND_INTERNAL;
		d->class_name = "internal timer error";
	} else if (code & MCACOD_INTERNAL) {
		d->kind = MCE_KIND_INTERNAL;
		d->class_name = "internal unclassified error";
	} else if ((code & MCACOD_EXT_MEMORY_MASK) == MCACOD_EXT_MEMORY)
		set_memory(d, code, extended_memory_classes);
	else if (code & MCACOD_RESERVED_0200)
		return;
	else if (code & MCACOD_CACHE)
		set_cache(d, code, levels);
	else if (code & MCACOD_MEMORY)
		set_memory(d, code, memory_classes);
	else if (code & MCACOD_RESERVED_0060)
		return;
	else if (code & MCACOD_TLB)
		set_tlb(d, code, levels);
	else if ((code & MCACOD_HIERARCHY) == MCACOD_HIERARCHY)
		set_hierarchy(d, code, levels);
	else
		set_simple(d, code);
}

static int vendor_is_amd(uint8_t vendor)
{
	return vendor == MCE_VENDOR_AMD || vendor == MCE_VENDOR_HYGON;
}

/* What S and AR claim for an uncorrected error with PCC clear. */
static enum mce_severity ucr_severity(const struct mce_record *r,
                                      const struct mce_decoded *d)
{
	if (!(r->mcgcap & MCG_CAP_SER_P))
		return MCE_SEV_UCNA;
	if (d->s && d->ar)
		return MCE_SEV_SRAR;
	if (d->s)
		return MCE_SEV_SRAO;
	if (d->ar)
		return MCE_SEV_FATAL; /* AR without S is not a valid encoding */
	return MCE_SEV_UCNA;
}

/* The SDM's classes (Vol. 3B "UCR Error Classification"). */
static enum mce_severity sdm_severity(const struct mce_record *r,
                                      const struct mce_decoded *d)
{
	if (d->uc && d->pcc)
		return MCE_SEV_FATAL;
	if (!d->uc)
		return MCE_SEV_CORRECTED;
	return ucr_severity(r, d);
}

/*
 * AMD has no S or AR bits. Linux grades in mce_severity_amd() (arch/x86/
 * kernel/cpu/mce/severity.c): PCC panics, Deferred (bit 44) is deferred,
 * UC clear is corrected, and an uncorrected error without PCC is action
 * required: the context that consumed it is killed and the page taken
 * away. The kernel panics instead without MCA overflow recovery or
 * SUCCOR (CPUID Fn8000_0007_EBX bits 0 and 1, which every SMCA part has)
 * or when the error hit kernel context; a record the hypervisor or the
 * kernel delivered to a running host is one they survived.
 */
static enum mce_severity amd_severity(const struct mce_record *r,
                                      const struct mce_decoded *d)
{
	if (d->pcc)
		return MCE_SEV_FATAL;
	if (r->status & MCI_STATUS_DEFERRED)
		return MCE_SEV_DEFERRED;
	if (!d->uc)
		return MCE_SEV_CORRECTED;
	return MCE_SEV_SRAR;
}

static enum mce_severity grade(const struct mce_record *r,
                               const struct mce_decoded *d)
{
	uint64_t gs = r->mcgstatus;
	enum mce_severity sev;

	if (vendor_is_amd(r->cpuvendor))
		sev = amd_severity(r, d);
	else
		sev = sdm_severity(r, d);
	if (sev == MCE_SEV_CORRECTED || sev == MCE_SEV_DEFERRED ||
	    sev == MCE_SEV_FATAL)
		return sev;
	if (!(gs & MCG_STATUS_MCIP) || (gs & MCG_STATUS_RIPV))
		return sev;
	/*
	 * An #MC after which the interrupted context cannot resume. That is
	 * the normal shape of an SRAR (SDM: RIPV=0, EIPV=1 on the affected
	 * processor; recovery ends that context); anything else is fatal.
	 */
	if (sev == MCE_SEV_SRAR && (gs & MCG_STATUS_EIPV))
		return MCE_SEV_SRAR;
	return MCE_SEV_FATAL;
}

/*
 * The SDM's architecturally defined UCR errors. Named by their status
 * pattern, not the final severity, so a data load that turned fatal is
 * still called a data load.
 */
static void name_ucr(const struct mce_record *r, struct mce_decoded *d)
{
	uint16_t code = d->mcacod & ~MCACOD_FILTER;

	if (!(r->mcgcap & MCG_CAP_SER_P) || !d->uc || d->pcc || !d->s)
		return;
	if (!d->ar && code == MCACOD_L3_WRITEBACK)
		d->class_name = "L3 explicit writeback error";
	else if (d->ar && code == MCACOD_DATA_LOAD)
		d->class_name = "data load error";
	else if (d->ar && code == MCACOD_INSTRUCTION_FETCH)
		d->class_name = "instruction fetch error";
}

static void decode_count(const struct mce_record *r, struct mce_decoded *d)
{
	uint16_t count;

	if (vendor_is_amd(r->cpuvendor))
		return; /* bits 52:38 are not a count there */
	count = (r->status >> MCI_STATUS_CEC_SHIFT) & MCI_STATUS_CEC_MASK;
	d->ce_count = count;
	d->ce_count_valid = (r->mcgcap & MCG_CAP_CMCI_P) || count != 0;
}

/*
 * MCi_MISC has the architectural LSB/mode layout only with MCG_SER_P.
 * Without it (or without MISCV) older CPUs still give a physical address
 * in MCi_ADDR, so take it whole.
 */
static void decode_addr(const struct mce_record *r, struct mce_decoded *d)
{
	int misc_known = d->miscv && (r->mcgcap & MCG_CAP_SER_P);

	if (misc_known) {
		d->addr_lsb = r->misc & MCI_MISC_LSB_MASK;
		d->addr_mode =
		    misc_addr_modes[(r->misc >> MCI_MISC_MODE_SHIFT) &
		                    MCI_MISC_MODE_MASK];
	}
	if (!d->addrv)
		return;
	if (misc_known && d->addr_mode != MCE_ADDR_PHYSICAL)
		return;
	if (d->addr_lsb > MCE_PHYS_ADDR_MAX_LSB)
		return;
	d->phys_addr_valid = true;
	d->phys_addr = r->addr & ~((UINT64_C(1) << d->addr_lsb) - 1);
	d->page = d->phys_addr >> 12;
}

static void decode_status_bits(uint64_t st, struct mce_decoded *d)
{
	d->mcacod = st & 0xffff;
	d->mscod = (st >> 16) & 0xffff;
	d->val = (st & MCI_STATUS_VAL) != 0;
	d->over = (st & MCI_STATUS_OVER) != 0;
	d->uc = (st & MCI_STATUS_UC) != 0;
	d->en = (st & MCI_STATUS_EN) != 0;
	d->miscv = (st & MCI_STATUS_MISCV) != 0;
	d->addrv = (st & MCI_STATUS_ADDRV) != 0;
	d->pcc = (st & MCI_STATUS_PCC) != 0;
	d->s = (st & MCI_STATUS_S) != 0;
	d->ar = (st & MCI_STATUS_AR) != 0;
}

/* The vendor's own decoder refines what the architecture said. */
static void decode_model(const struct mce_record *r, struct mce_decoded *d)
{
	switch (r->cpuvendor) {
	case MCE_VENDOR_INTEL:
		mce_decode_intel(r, d);
		break;
	case MCE_VENDOR_AMD:
	case MCE_VENDOR_HYGON:
		mce_decode_amd(r, d);
		break;
	default:
		d->note = "CPU vendor neither Intel nor AMD: architectural "
		          "decoding only";
		break;
	}
}

int mce_decode(const struct mce_record *r, struct mce_decoded *d)
{
	memset(d, 0, sizeof(*d));
	d->channel = -1;
	d->controller = -1;
	d->rank = -1;
	d->chip_select = -1;
	d->addr_mode = MCE_ADDR_UNKNOWN;
	decode_status_bits(r->status, d);
	if (!d->val) {
		d->kind = MCE_KIND_UNKNOWN;
		d->class_name = "no valid error";
		return -1;
	}
	classify_code(d, vendor_is_amd(r->cpuvendor) ? amd_ll_levels
	                                             : intel_ll_levels);
	decode_count(r, d);
	d->severity = grade(r, d);
	name_ucr(r, d);
	decode_addr(r, d);
	decode_model(r, d);
	return 0;
}

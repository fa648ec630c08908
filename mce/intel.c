/* intel.c - Intel server models (by CPUID family/model): memory
 * controller banks, MSCOD meanings, UCR classes, on top of mce_decode. */
#include <stddef.h>
#include <stdint.h>

#include "mce/intel_int.h"
#include "mce/mce.h"
#include "mce/mce_int.h"

/* CPUID.1:EAX (SDM Vol. 2A, CPUID, "Version Information"). */
#define CPUID_STEPPING(eax)   ((eax)&0xf)
#define CPUID_MODEL(eax)      (((eax) >> 4) & 0xf)
#define CPUID_FAMILY(eax)     (((eax) >> 8) & 0xf)
#define CPUID_EXT_MODEL(eax)  (((eax) >> 16) & 0xf)
#define CPUID_EXT_FAMILY(eax) (((eax) >> 20) & 0xff)

/* MCi_MISC of an M2M bank: how mirroring corrected the error. */
#define M2M_MISC_MIRROR_FAILOVER (1ULL << 63)
#define M2M_MISC_MIRROR_CORRECT  (1ULL << 62)

/* MCi_MISC of a Haswell/Broadwell iMC bank: first failing device's rank. */
#define HSX_MISC_RANK_VALID (1ULL << 62)
#define HSX_MISC_RANK_SHIFT 46
#define HSX_MISC_RANK_MASK  0x1f

static unsigned int cpuid_family(uint32_t eax)
{
	unsigned int family = CPUID_FAMILY(eax);

	if (family == 0xf)
		family += CPUID_EXT_FAMILY(eax);
	return family;
}

/* The extended model counts only for families 6 and 0Fh and up. */
static unsigned int cpuid_model(uint32_t eax, unsigned int family)
{
	unsigned int model = CPUID_MODEL(eax);

	if (family == 6 || family >= 0xf)
		model |= CPUID_EXT_MODEL(eax) << 4;
	return model;
}

/* 06_55H is three products; only the stepping tells them apart. */
static const char *xeon_55_name(unsigned int stepping)
{
	if (stepping <= 4)
		return "Skylake-SP";
	if (stepping <= 7)
		return "Cascade Lake";
	if (stepping >= 10)
		return "Cooper Lake";
	return "Xeon Scalable 06_55";
}

static const struct intel_model *find_model(uint32_t eax, unsigned int model,
                                            const char **name)
{
	switch (model) {
	case 0x3f:
		*name = "Haswell-EP";
		return &intel_haswell_ep;
	case 0x4f:
		/* The 06_4FH tables are Haswell-EP's, banks included. */
		*name = "Broadwell-EP/EX";
		return &intel_haswell_ep;
	case 0x55:
		*name = xeon_55_name(CPUID_STEPPING(eax));
		return &intel_skylake_sp;
	case 0x6a:
		*name = "Ice Lake-SP";
		return &intel_icelake_sp;
	case 0x6c:
		*name = "Ice Lake-D";
		return &intel_icelake_d;
	case 0x8f:
		*name = "Sapphire Rapids";
		return &intel_sapphire_rapids;
	case 0xcf:
		/* Same uncore as Sapphire Rapids (Linux, mcelog treat so). */
		*name = "Emerald Rapids";
		return &intel_sapphire_rapids;
	default:
		return NULL;
	}
}

/*
 * One bank per channel: the bank is the channel's own, so it names the
 * channel even where CCCC says "unspecified" (and Intel's decoders trust
 * it over CCCC). A bank for a whole iMC leaves the architectural CCCC.
 */
static void decode_imc(const struct intel_model *m, const struct intel_bank *b,
                       const struct mce_record *r, struct mce_decoded *d)
{
	d->controller = b->controller;
	if (b->channel >= 0)
		d->channel = b->channel;
	d->detail = intel_imc_detail(m->imc_codes, d->mscod);
	/*
	 * SDM "Intel IMC MC Error Codes for IA32_MCi_MISC (i= 9-16)" (06_3FH,
	 * Table 16-23 in 2016): FailRank_1stErrDev in bits 50:46, valid with
	 * bit 62, logged for corrected errors.
	 */
	if (m->misc_rank && d->miscv && !d->uc &&
	    (r->misc & HSX_MISC_RANK_VALID))
		d->rank = (int8_t)((r->misc >> HSX_MISC_RANK_SHIFT) &
		                   HSX_MISC_RANK_MASK);
}

/*
 * An M2M bank serves one iMC; CCCC is the channel within it. Mirroring
 * says in MCi_MISC when it corrected the error (mcelog skylake_s_ce_type,
 * i10nm_ce_type), which matters more than the MSCOD.
 */
static void decode_m2m(const struct intel_model *m, const struct intel_bank *b,
                       const struct mce_record *r, struct mce_decoded *d)
{
	d->controller = b->controller;
	if (m->m2m_mirror && d->miscv && !d->uc) {
		if (r->misc & M2M_MISC_MIRROR_FAILOVER) {
			d->detail = "corrected by mirror failover";
			return;
		}
		if (r->misc & M2M_MISC_MIRROR_CORRECT) {
			d->detail =
			    "corrected from the mirror, primary scrubbed";
			return;
		}
	}
	d->detail = intel_m2m_detail(m->m2m_codes, d->mscod);
}

/*
 * A home agent serves one iMC; CCCC is the channel within it (mcelog
 * haswell.c numbers home agent 1's channels after iMC 0's).
 */
static void decode_ha(const struct intel_bank *b, struct mce_decoded *d)
{
	if (d->kind == MCE_KIND_MEMORY)
		d->controller = b->controller;
}

/*
 * The error code decides the kind: a link's bus-class errors (the SDM's
 * "bus and interconnect" compound code) are socket-link errors, while
 * an internal-class code logged there stays internal.
 */
static void decode_link(const struct intel_model *m, struct mce_decoded *d)
{
	if (d->kind == MCE_KIND_BUS)
		d->kind = MCE_KIND_INTERCONNECT;
	if (m->upi_codes)
		d->detail = intel_upi_detail(d->mscod);
}

static void decode_bank(const struct intel_model *m, const struct mce_record *r,
                        struct mce_decoded *d)
{
	const struct intel_bank *b;

	if (r->bank >= INTEL_MAX_BANKS || m->banks[r->bank].name == NULL) {
		d->note = "bank not in this CPU model's bank table: "
		          "architectural decoding only";
		return;
	}
	b = &m->banks[r->bank];
	d->bank_known = true;
	d->bank_name = b->name;
	/* LL "generic": the bank knows which cache it is. */
	if (d->kind == MCE_KIND_CACHE && d->cache_level == 0 &&
	    (d->mcacod & MCACOD_CACHE) && b->level != 0) {
		d->cache_level = b->level;
		d->class_name = mce_cache_class(d->mcacod, b->level);
	}
	switch (b->type) {
	case INTEL_BANK_IMC:
		decode_imc(m, b, r, d);
		break;
	case INTEL_BANK_M2M:
		decode_m2m(m, b, r, d);
		break;
	case INTEL_BANK_HA:
		decode_ha(b, d);
		break;
	case INTEL_BANK_LINK:
		decode_link(m, d);
		break;
	default:
		break;
	}
}

/*
 * The SDM's architectural UCR errors (Vol. 3B, "MCA Error Codes for SRAO"
 * and "...for SRAR") in words, where the bank's own tables said nothing.
 * The architectural pass already graded them from S and AR; these only
 * name what happened.
 */
static void ucr_detail(const struct mce_record *r, struct mce_decoded *d)
{
	uint16_t code = d->mcacod & ~MCACOD_FILTER;

	if (!(r->mcgcap & MCG_CAP_SER_P) || !d->uc || d->pcc || !d->s)
		return;
	if (!d->ar && (code & 0xfff0) == MCACOD_SCRUB)
		d->detail = "patrol scrub found uncorrected memory";
	else if (!d->ar && code == MCACOD_L3_WRITEBACK)
		d->detail = "L3 explicit writeback of poisoned data";
	else if (d->ar && code == MCACOD_DATA_LOAD)
		d->detail = "data load consumed uncorrected data";
	else if (d->ar && code == MCACOD_INSTRUCTION_FETCH)
		d->detail = "instruction fetch of uncorrected data";
}

int mce_decode_intel(const struct mce_record *r, struct mce_decoded *d)
{
	const struct intel_model *m;
	unsigned int family, model;
	const char *name = NULL;

	if (r->cpuid == 0) {
		d->note = "no CPUID in the record: architectural decoding only";
		return 0;
	}
	family = cpuid_family(r->cpuid);
	if (family != 6) {
		d->note =
		    "unknown Intel CPU family: architectural decoding only";
		return 0;
	}
	model = cpuid_model(r->cpuid, family);
	m = find_model(r->cpuid, model, &name);
	if (m == NULL) {
		d->note = intel_unknown_model_note(model);
		return 0;
	}
	d->model = name;
	d->model_known = true;
	decode_bank(m, r, d);
	if (d->detail == NULL)
		ucr_detail(r, d);
	return 1;
}

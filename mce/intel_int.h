/* intel_int.h - private to mce/intel*.c: the shape of a known Intel server
 * model (bank layout, which MSCOD tables apply) and the lookups on it. */
#ifndef RASD_MCE_INTEL_INT_H
#define RASD_MCE_INTEL_INT_H

#include <stdbool.h>
#include <stdint.h>

/* What a machine-check bank is on a given model. */
enum intel_bank_type {
	INTEL_BANK_NONE,  /* not in the table: nobody documents it */
	INTEL_BANK_IMC,   /* memory controller: one channel, or a whole iMC */
	INTEL_BANK_M2M,   /* mesh-to-memory agent in front of an iMC */
	INTEL_BANK_HA,    /* home agent in front of an iMC (Haswell-EP) */
	INTEL_BANK_LINK,  /* QPI/UPI socket link */
	INTEL_BANK_OTHER, /* named only: core units, PCU, IIO, CHA */
};

struct intel_bank {
	uint8_t type;      /* enum intel_bank_type */
	int8_t controller; /* -1 where the bank does not say */
	int8_t channel;    /* channel within the controller, or -1 */
	const char *name;
	int8_t level; /* the cache level it holds, for LL "generic"; 0 */
};

/* How a model's memory-controller MSCOD reads. */
enum intel_imc_codes {
	INTEL_IMC_HSX,   /* Haswell-EP/Broadwell-EP: one bit per error */
	INTEL_IMC_SKX,   /* Skylake-SP: bits, or 0x08xx codes */
	INTEL_IMC_I10NM, /* Ice Lake-SP onwards: one 16-bit code */
};

/* How a model's M2M MSCOD reads. */
enum intel_m2m_codes {
	INTEL_M2M_BITS, /* Skylake-SP, Ice Lake-SP: one bit per error */
	INTEL_M2M_CODE, /* Sapphire Rapids: a code in bits 23:16 */
};

#define INTEL_MAX_BANKS 32

struct intel_model {
	const struct intel_bank *banks; /* INTEL_MAX_BANKS entries */
	uint8_t imc_codes;              /* enum intel_imc_codes */
	uint8_t m2m_codes;              /* enum intel_m2m_codes */
	bool upi_codes;                 /* link MSCOD is the UPI code table */
	bool misc_rank;  /* MCi_MISC logs the failing rank (HSX/BDX) */
	bool m2m_mirror; /* M2M MCi_MISC says mirror corrected it */
};

extern const struct intel_model intel_haswell_ep;
extern const struct intel_model intel_skylake_sp;
extern const struct intel_model intel_icelake_sp;
extern const struct intel_model intel_icelake_d;
extern const struct intel_model intel_sapphire_rapids;

/* MSCOD meanings; NULL when the tables say nothing about the code. */
const char *intel_imc_detail(uint8_t imc_codes, uint16_t mscod);
const char *intel_m2m_detail(uint8_t m2m_codes, uint16_t mscod);
const char *intel_upi_detail(uint16_t mscod);

/* "unknown CPU model 06_XX: architectural decoding only" */
const char *intel_unknown_model_note(unsigned int model);

#endif

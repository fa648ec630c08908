/* mce_int.h - bit layouts shared by the mce/ sources and nobody else:
 * MCA error code fields, the corrected count and the MCi_MISC address. */
#ifndef RASD_MCE_INT_H
#define RASD_MCE_INT_H

#include <stdint.h>

/* MCACOD (status bits 15:0), SDM Vol. 3B "MCA Error Codes". */
#define MCACOD_FILTER            0x1000 /* F: corrected-report filtering */
#define MCACOD_NOT_ARCH          0xe000 /* set in no architectural code */
#define MCACOD_BUS               0x0800 /* 000F 1PPT RRRR IILL */
#define MCACOD_BUS_TIMEOUT       0x0100 /* T of the bus format */
#define MCACOD_INTERNAL          0x0400 /* 0000 01xx xxxx xxxx */
#define MCACOD_EXT_MEMORY_MASK   0x0380
#define MCACOD_EXT_MEMORY        0x0280 /* 000F 0010 1MMM CCCC */
#define MCACOD_RESERVED_0200     0x0200
#define MCACOD_CACHE             0x0100 /* 000F 0001 RRRR TTLL */
#define MCACOD_MEMORY            0x0080 /* 000F 0000 1MMM CCCC */
#define MCACOD_RESERVED_0060     0x0060
#define MCACOD_TLB               0x0010 /* 000F 0000 0001 TTLL */
#define MCACOD_HIERARCHY         0x000c /* 000F 0000 0000 11LL */
#define MCACOD_IO_ERROR          0x0e0b
#define MCACOD_INTERNAL_TIMER    0x0400
#define MCACOD_SCRUB             0x00c0 /* SRAO memory scrubbing, 0xC0..0xCF */
#define MCACOD_L3_WRITEBACK      0x017a /* SRAO L3 explicit writeback */
#define MCACOD_DATA_LOAD         0x0134 /* SRAR data load */
#define MCACOD_INSTRUCTION_FETCH 0x0150 /* SRAR instruction fetch */

/* Corrected error count, status bits 52:38 (with MCG_CMCI_P). */
#define MCI_STATUS_CEC_SHIFT 38
#define MCI_STATUS_CEC_MASK  0x7fffU

/* MCi_MISC with MCG_SER_P: address LSB in 5:0, address mode in 8:6. */
#define MCI_MISC_LSB_MASK   0x3fU
#define MCI_MISC_MODE_SHIFT 6
#define MCI_MISC_MODE_MASK  0x7U

/* x86 physical addresses have at most 52 bits. */
#define MCE_PHYS_ADDR_MAX_LSB 52

/*
 * The class name of a cache-class MCACOD (000F 0001 RRRR TTLL) at `level`
 * (1-3; 0 for generic): for a model decoder that learns the level from
 * the bank where LL said "generic".
 */
const char *mce_cache_class(uint16_t mcacod, int level);

#endif

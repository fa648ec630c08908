/* extlog.h - the firmware's record of a memory error (ras:extlog_mem_event:
 * the UEFI CPER memory section of the ACPI Extended Error Log), its DIMM. */
#ifndef RASD_MCE_EXTLOG_H
#define RASD_MCE_EXTLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mce/dram.h"
#include "mce/mce.h"
#include "mce/tracefs.h"

/*
 * The story. On Intel servers with eMCA the firmware keeps an extended
 * error log per machine-check bank; the kernel's acpi_extlog (drivers/
 * acpi/acpi_extlog.c) reads it from the machine-check decode chain, after
 * the kernel has logged the machine check itself (mce:mce_record), and
 * traces each CPER memory section as ras:extlog_mem_event: the physical
 * address, the severity, and where the firmware says the error is: node,
 * card, module, rank, bank, row, column, and the FRU text (the DIMM's
 * silkscreen name, "DIMM_A1"). The firmware built the board; its name for
 * the module is the best rasd can have, so it wins over SMBIOS and EDAC
 * (rasctl(8) gives the ranking).
 *
 * Pure parsing here: no I/O, nothing allocated.
 */

/* CPER section severity (UEFI N.2.2, include/linux/cper.h) */
#define EXTLOG_SEV_RECOVERABLE 0
#define EXTLOG_SEV_FATAL       1
#define EXTLOG_SEV_CORRECTED   2
#define EXTLOG_SEV_INFO        3

/* Validation bits of the CPER memory section (include/linux/cper.h). */
#define EXTLOG_VALID_PA          0x0002
#define EXTLOG_VALID_PA_MASK     0x0004
#define EXTLOG_VALID_NODE        0x0008
#define EXTLOG_VALID_CARD        0x0010
#define EXTLOG_VALID_MODULE      0x0020
#define EXTLOG_VALID_BANK        0x0040
#define EXTLOG_VALID_DEVICE      0x0080
#define EXTLOG_VALID_ROW         0x0100
#define EXTLOG_VALID_COLUMN      0x0200
#define EXTLOG_VALID_BIT_POS     0x0400
#define EXTLOG_VALID_ERROR_TYPE  0x4000
#define EXTLOG_VALID_RANK        0x8000
#define EXTLOG_VALID_CARD_HANDLE 0x10000
#define EXTLOG_VALID_MOD_HANDLE  0x20000
#define EXTLOG_VALID_ROW_EXT     0x40000
#define EXTLOG_VALID_BANK_GROUP  0x80000
#define EXTLOG_VALID_BANK_ADDR   0x100000
#define EXTLOG_VALID_CHIP_ID     0x200000

/* The kernel prints %.20s of the FRU text; the section holds 20 bytes. */
#define EXTLOG_FRU_MAX   24
#define EXTLOG_LABEL_MAX 64
#define EXTLOG_NOTE_MAX  160
/* struct cper_mem_err_compact (packed): 55 bytes since Linux 5.10 added
 * `extended`; 54 before. */
#define EXTLOG_COMPACT_LEN 55

struct extlog_event {
	uint32_t err_seq; /* the firmware's record number */
	uint8_t etype;    /* CPER memory error type (UEFI N.2.5) */
	uint8_t sev;      /* EXTLOG_SEV_* */
	uint8_t pa_mask_lsb;
	uint64_t pa;
	uint8_t fru_id[16];
	char fru_text[EXTLOG_FRU_MAX];
	/* from the compact memory section; `valid` says which hold */
	uint64_t valid;
	uint16_t node, card, module, bank, device, column, bit_pos, rank;
	uint16_t mem_array_handle, mem_dev_handle;
	uint32_t row; /* with the extension bits where valid */
	uint8_t bank_group, bank_address, chip_id;
	/* the DIMM the firmware names: the FRU text, else "node N card C
	 * module M" when it gives card and module; "" when neither */
	char label[EXTLOG_LABEL_MAX];
	char note[EXTLOG_NOTE_MAX]; /* what rasd did not know; "" none */
	/* rank, bank group, bank, row, column where the section gave them;
	 * DRAM_UNKNOWN when it gave some, not all, or a bank rasd cannot
	 * split into group and bank */
	struct dram_coord dram;
};

struct extlog_binding {
	struct tracefs_binding tb;
	uint32_t data_len; /* bytes of the compact section in the format */
};

/*
 * Bind an extlog_mem_event format: err_seq, etype, sev and pa are
 * required ("extlog_mem_event: no field pa"), pa_mask_lsb, fru_id,
 * fru_text and the compact section (data, at least 48 bytes) optional;
 * the rest as pcie_bind, leniently. 0 or -1 with err.
 */
int extlog_bind(const struct tracefs_format *fmt, struct extlog_binding *b,
                char *err, size_t errlen);
/* One record; -1 with err only when it is shorter than its fields. */
int extlog_decode(const struct extlog_binding *b, const void *rec, size_t len,
                  struct extlog_event *out, char *err, size_t errlen);

/* e->dram from the section's fields and validation bits (extlog_decode
 * does it; the simulated host, which fills the fields, calls it too). */
void extlog_dram_read(struct extlog_event *e);

/* Whether the record gives a physical address rasd can act on. */
bool extlog_has_address(const struct extlog_event *e);

/* "recoverable", "fatal", "corrected", "info"; "unknown" past them. */
const char *extlog_severity_name(uint8_t sev);
/* CPER memory error type: "single-bit ECC", ...; NULL past the list. */
const char *extlog_type_name(uint8_t etype);
/* Where on the module: "node 0 card 1 module 2 rank 0 bank 3 row 0x1a2
 * column 0x40"; "" when the firmware gave none of it. */
int extlog_where(const struct extlog_event *e, char *buf, size_t len);

/*
 * The MCi_STATUS and MCi_MISC a memory controller would have logged for
 * this error, for the machine-check path: VAL, EN, ADDRV, MISCV (a
 * physical address, its lowest valid bit); UC unless corrected; PCC when
 * fatal; MCACOD a memory controller error of a generic or scrub
 * transaction, channel unspecified.
 */
uint64_t extlog_status(const struct extlog_event *e);
uint64_t extlog_misc(const struct extlog_event *e);

#endif

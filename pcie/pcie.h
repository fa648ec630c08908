/* pcie.h - PCIe and CXL device errors: the normalized record of an AER or
 * CXL event, the names of its bits, and the tracefs events that carry it. */
#ifndef RASD_PCIE_H
#define RASD_PCIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mce/tracefs.h"

/*
 * The story. A PCIe function that sees an error on its link or in a
 * transaction logs it in its AER capability and signals the root port;
 * the kernel's AER driver (drivers/pci/pcie/aer.c) reads the status and
 * traces ras:aer_event (device, severity, the status bits, the TLP
 * header). CXL memory devices add their own RAS capability (cxl:
 * cxl_aer_*) and event records for media and DRAM errors (cxl:
 * cxl_general_media, cxl:cxl_dram). Each becomes one struct pcie_event:
 * the device by its kernel name, how bad it is, which bits, and a note
 * for whatever rasd did not know (a severity or a bit no table names, a
 * field of an unseen format), so an odd record is still told, never
 * dropped.
 *
 * Everything here is a pure parser: no I/O, nothing allocated.
 */

enum pcie_kind {
	PCIE_AER,          /* ras:aer_event */
	PCIE_CXL_AER,      /* cxl:cxl_aer_*: a memdev's CXL RAS capability */
	PCIE_CXL_PORT_AER, /* cxl:cxl_port_aer_*: a CXL port's */
	PCIE_CXL_MEDIA,    /* cxl:cxl_general_media: General Media Event */
	PCIE_CXL_DRAM,     /* cxl:cxl_dram: DRAM Event Record */
};

enum pcie_severity {
	PCIE_CORRECTED,
	PCIE_NONFATAL,    /* uncorrected; the link and the device still work */
	PCIE_FATAL,       /* the link or the device is unreliable */
	PCIE_SEV_UNKNOWN, /* no table names it: rasd takes it as non-fatal */
};

/* include/linux/aer.h: what aer_event's severity field holds. */
#define PCIE_AER_NONFATAL    0
#define PCIE_AER_FATAL       1
#define PCIE_AER_CORRECTABLE 2
#define PCIE_AER_DPC_FATAL   3 /* newer kernels: contained by DPC */

/* CXL 3.0 8.2.9.2: event log types, the severity of a media record. */
#define PCIE_CXL_LOG_INFO  0
#define PCIE_CXL_LOG_WARN  1
#define PCIE_CXL_LOG_FAIL  2
#define PCIE_CXL_LOG_FATAL 3
/* General Media and DRAM descriptor: the error was not corrected. */
#define PCIE_CXL_DESC_UNCORRECTABLE 0x01
#define PCIE_CXL_DESC_THRESHOLD     0x02
#define PCIE_CXL_HPA_UNKNOWN        UINT64_MAX /* no region maps the DPA */

#define PCIE_NAME_MAX 64
#define PCIE_NOTE_MAX 192

struct pcie_event {
	uint8_t kind;          /* enum pcie_kind */
	uint8_t severity;      /* enum pcie_severity */
	uint8_t tlp_valid;     /* AER: the header log was captured */
	uint32_t raw_severity; /* AER: as traced; CXL media: the log type */
	char device[PCIE_NAME_MAX]; /* "0000:3b:00.0"; CXL: "mem0" */
	char host[PCIE_NAME_MAX];   /* CXL: the PCI function behind it */
	uint32_t status;            /* AER or CXL RAS status bits */
	uint32_t first_error; /* CXL uncorrectable: the first error's bit */
	uint32_t tlp[4];      /* AER TLP header log, as the kernel read it */
	uint64_t serial;      /* CXL device serial number; 0: unknown */
	/* CXL General Media and DRAM records */
	uint64_t dpa;       /* device physical address */
	uint64_t hpa;       /* host physical, PCIE_CXL_HPA_UNKNOWN: none */
	uint32_t hdr_flags; /* the record header's flags */
	uint16_t validity;  /* which of channel, rank... are valid */
	uint8_t descriptor;
	uint8_t type;
	uint8_t transaction;
	uint8_t channel;
	uint8_t rank;
	char note[PCIE_NOTE_MAX]; /* what rasd did not know; "" none */
};

const char *pcie_kind_name(enum pcie_kind k);         /* "aer", ... */
const char *pcie_severity_name(enum pcie_severity s); /* "corrected" */
/* The word rasd's journal, notices and JSON use for a device's source:
 * "aer" for PCIE_AER, "cxl" for the rest. */
const char *pcie_source_name(enum pcie_kind k);
/* "corrected", "nonfatal", "fatal", "unknown" -> the severity; -1 */
int pcie_severity_parse(const char *s, enum pcie_severity *out);

/*
 * Names of the status bits, as the kernel's tables give them: the AER
 * correctable and uncorrectable errors of drivers/pci/pcie/aer.c
 * ("RxErr", "BadTLP", "CmpltTO", "MalfTLP"), CXL's RAS status bits of
 * drivers/cxl/core/trace.h. "|"-separated into buf; a bit no table names
 * is "bit27". Returns the bits no table names (0 when all were known).
 */
uint32_t pcie_status_names(const struct pcie_event *e, char *buf, size_t len);

/* Add to e->note what no table names: status bits (or none set), a CXL
 * memory event type. pcie_decode does it; a backend that builds events
 * itself (the simulated host) calls it. */
void pcie_note_unknown(struct pcie_event *e);

/*
 * One line for people: "0000:00:02.0: fatal PCIe error: MalfTLP|CmpltTO,
 * TLP header 01000040 ff000000 000080fe 00000000". Returns snprintf's.
 */
int pcie_describe(const struct pcie_event *e, char *buf, size_t len);

/* CXL media and DRAM: "ECC Error", "Invalid Address"; NULL unknown. */
const char *pcie_cxl_type_name(const struct pcie_event *e);
const char *pcie_cxl_transaction_name(uint8_t t);

/*
 * ---- the tracefs events ----
 *
 * Each event rasd binds, by its path under events/: ras/aer_event,
 * cxl/cxl_aer_uncorrectable_error, cxl/cxl_aer_correctable_error,
 * cxl/cxl_port_aer_uncorrectable_error, cxl/cxl_port_aer_correctable_error,
 * cxl/cxl_general_media, cxl/cxl_dram. Debian 12's Linux 6.1 has only
 * aer_event; the CXL events came in 6.2 (AER), 6.3 (media, DRAM, and
 * memdev/host/serial in place of dev_name) and later (port AER).
 */
#define PCIE_N_EVENTS 7

/* The path of event i, "ras/aer_event"; NULL past the last. */
const char *pcie_event_path(size_t i);

struct pcie_binding {
	uint8_t which; /* index of the event, as pcie_event_path */
	struct tracefs_binding tb;
};

/*
 * 1: fmt is one of the events above and b is bound; 0: it is not one of
 * them (nothing bound); -1 with err naming the event and the field: a
 * field the decoder needs is missing or of another shape ("aer_event:
 * no field status"). Binding is lenient otherwise: fields rasd does not
 * know, and optional ones of another shape, go into every record's note.
 */
int pcie_bind(const struct tracefs_format *fmt, struct pcie_binding *b,
              char *err, size_t errlen);

/*
 * One record of a bound event into out. -1 with err only when the record
 * is shorter than its fields or a string lies outside it; otherwise the
 * severity is mapped and whatever was not known is in out->note.
 */
int pcie_decode(const struct pcie_binding *b, const void *rec, size_t len,
                struct pcie_event *out, char *err, size_t errlen);

#endif

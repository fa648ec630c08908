/* names.c - what the bits of a PCIe AER or CXL error mean, from the
 * kernel's own tables, and the one line rasd tells people about it. */
#include <stdio.h>
#include <string.h>

#include "pcie/pcie.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* drivers/pci/pcie/aer.c aer_correctable_error_string[] */
static const char *const aer_cor[32] = {
    [0] = "RxErr",       [6] = "BadTLP",    [7] = "BadDLLP",
    [8] = "Rollover",    [12] = "Timeout",  [13] = "NonFatalErr",
    [14] = "CorrIntErr", [15] = "HeaderOF",
};

/* drivers/pci/pcie/aer.c aer_uncorrectable_error_string[] */
static const char *const aer_uncor[32] = {
    [0] = "Undefined",      [4] = "DLP",
    [5] = "SDES",           [12] = "TLP",
    [13] = "FCP",           [14] = "CmpltTO",
    [15] = "CmpltAbrt",     [16] = "UnxCmplt",
    [17] = "RxOF",          [18] = "MalfTLP",
    [19] = "ECRC",          [20] = "UnsupReq",
    [21] = "ACSViol",       [22] = "UncorrIntErr",
    [23] = "BlockedTLP",    [24] = "AtomicOpBlocked",
    [25] = "TLPBlockedErr", [26] = "PoisonTLPBlocked",
};

/* drivers/cxl/core/trace.h show_uc_errs: CXL RAS uncorrectable status */
static const char *const cxl_uncor[32] = {
    [0] = "Cache Data Parity Error",
    [1] = "Cache Address Parity Error",
    [2] = "Cache Byte Enable Parity Error",
    [3] = "Cache Data ECC Error",
    [4] = "Memory Data Parity Error",
    [5] = "Memory Address Parity Error",
    [6] = "Memory Byte Enable Parity Error",
    [7] = "Memory Data ECC Error",
    [8] = "REINIT Threshold Hit",
    [9] = "Received Unrecognized Encoding",
    [10] = "Received Poison From Peer",
    [11] = "Receiver Overflow",
    [14] = "Component Specific Error",
    [15] = "IDE Tx Error",
    [16] = "IDE Rx Error",
};

/* drivers/cxl/core/trace.h show_ce_errs: CXL RAS correctable status */
static const char *const cxl_cor[32] = {
    [0] = "Cache Data ECC Error",
    [1] = "Memory Data ECC Error",
    [2] = "CRC Threshold Hit",
    [3] = "Retry Threshold",
    [4] = "Received Cache Poison From Peer",
    [5] = "Received Memory Poison From Peer",
    [6] = "Received Error From Physical Layer",
};

/* CXL 3.1 Table 8-45, General Media Event Record memory event type */
static const char *const gmer_types[] = {
    "ECC Error",
    "Invalid Address",
    "Data Path Error",
    "TE State Violation",
    "Scrub Media ECC Error",
    "Adv Prog CME Counter Expiration",
    "CKID Violation",
};

/* CXL 3.1 Table 8-46, DRAM Event Record memory event type */
static const char *const dram_types[] = {
    "ECC Error",          "Scrub Media ECC Error",
    "Invalid Address",    "Data Path Error",
    "TE State Violation", "Adv Prog CME Counter Expiration",
    "CKID Violation",
};

/* CXL 3.1 Table 8-45 transaction type, shared by DRAM records */
static const char *const transactions[] = {
    "Unknown",
    "Host Read",
    "Host Write",
    "Host Scan Media",
    "Host Inject Poison",
    "Internal Media Scrub",
    "Internal Media Management",
    "Internal Media Error Check Scrub",
    "Media Initialization",
};

const char *pcie_kind_name(enum pcie_kind k)
{
	static const char *const names[] = {
	    "aer", "cxl_aer", "cxl_port_aer", "cxl_media", "cxl_dram",
	};

	if ((size_t)k >= N(names))
		return "unknown";
	return names[k];
}

const char *pcie_source_name(enum pcie_kind k)
{
	return k == PCIE_AER ? "aer" : "cxl";
}

static const char *const severity_names[] = {
    "corrected",
    "nonfatal",
    "fatal",
    "unknown",
};

const char *pcie_severity_name(enum pcie_severity s)
{
	if ((size_t)s >= N(severity_names))
		return "unknown";
	return severity_names[s];
}

int pcie_severity_parse(const char *s, enum pcie_severity *out)
{
	size_t i;

	for (i = 0; s != NULL && i < N(severity_names); i++) {
		if (strcmp(s, severity_names[i]) == 0) {
			*out = (enum pcie_severity)i;
			return 0;
		}
	}
	return -1;
}

/* The table that names e's status bits; NULL where none does. */
static const char *const *status_table(const struct pcie_event *e)
{
	bool cor = e->severity == PCIE_CORRECTED;

	switch (e->kind) {
	case PCIE_AER:
		/* An unknown severity cannot say which register it read. */
		if (e->severity == PCIE_SEV_UNKNOWN)
			return NULL;
		return cor ? aer_cor : aer_uncor;
	case PCIE_CXL_AER:
	case PCIE_CXL_PORT_AER:
		return cor ? cxl_cor : cxl_uncor;
	default:
		return NULL;
	}
}

uint32_t pcie_status_names(const struct pcie_event *e, char *buf, size_t len)
{
	const char *const *tab = status_table(e);
	uint32_t unknown = 0;
	size_t used = 0;
	int bit, n;

	if (len > 0)
		buf[0] = '\0';
	for (bit = 0; bit < 32; bit++) {
		if (!(e->status >> bit & 1))
			continue;
		if (tab == NULL || tab[bit] == NULL)
			unknown |= 1u << bit;
		if (used >= len)
			continue;
		if (tab != NULL && tab[bit] != NULL)
			n = snprintf(buf + used, len - used, "%s%s",
			             used ? "|" : "", tab[bit]);
		else
			n = snprintf(buf + used, len - used, "%sbit%d",
			             used ? "|" : "", bit);
		used += n > 0 ? (size_t)n : 0;
	}
	return unknown;
}

const char *pcie_cxl_type_name(const struct pcie_event *e)
{
	if (e->kind == PCIE_CXL_MEDIA && e->type < N(gmer_types))
		return gmer_types[e->type];
	if (e->kind == PCIE_CXL_DRAM && e->type < N(dram_types))
		return dram_types[e->type];
	return NULL;
}

const char *pcie_cxl_transaction_name(uint8_t t)
{
	return t < N(transactions) ? transactions[t] : NULL;
}

static const char *severity_words(enum pcie_severity s)
{
	switch (s) {
	case PCIE_CORRECTED:
		return "corrected";
	case PCIE_NONFATAL:
		return "uncorrected (non-fatal)";
	case PCIE_FATAL:
		return "uncorrected (fatal)";
	default:
		return "unknown-severity";
	}
}

static int describe_media(const struct pcie_event *e, char *buf, size_t len)
{
	const char *type = pcie_cxl_type_name(e);
	const char *tr = pcie_cxl_transaction_name(e->transaction);
	char tbuf[16];
	int n;

	if (type == NULL) {
		snprintf(tbuf, sizeof(tbuf), "type %u", e->type);
		type = tbuf;
	}
	n = snprintf(buf, len, "%s: %s CXL %s error: %s (%s) at DPA 0x%llx",
	             e->device, severity_words(e->severity),
	             e->kind == PCIE_CXL_DRAM ? "DRAM" : "media", type,
	             tr != NULL ? tr : "unknown transaction",
	             (unsigned long long)e->dpa);
	if (n < 0 || (size_t)n >= len || e->hpa == PCIE_CXL_HPA_UNKNOWN ||
	    e->hpa == 0)
		return n;
	return n + snprintf(buf + n, len - (size_t)n, " (HPA 0x%llx)",
	                    (unsigned long long)e->hpa);
}

int pcie_describe(const struct pcie_event *e, char *buf, size_t len)
{
	char bits[256];
	int n;

	if (e->kind == PCIE_CXL_MEDIA || e->kind == PCIE_CXL_DRAM)
		return describe_media(e, buf, len);
	pcie_status_names(e, bits, sizeof(bits));
	n = snprintf(buf, len, "%s: %s %s error: %s", e->device,
	             severity_words(e->severity),
	             e->kind == PCIE_AER ? "PCIe" : "CXL",
	             bits[0] ? bits : "no status bits");
	if (n < 0 || (size_t)n >= len || !e->tlp_valid)
		return n;
	return n + snprintf(buf + n, len - (size_t)n,
	                    ", TLP header %08x %08x %08x %08x", e->tlp[0],
	                    e->tlp[1], e->tlp[2], e->tlp[3]);
}

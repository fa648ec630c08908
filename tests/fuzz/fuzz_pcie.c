/* fuzz_pcie.c - libFuzzer target: a format bound as ras:aer_event, a cxl:*
 * event or ras:extlog_mem_event, then raw pages of it decoded and told. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/extlog.h"
#include "mce/tracefs.h"
#include "pcie/pcie.h"

#define PAGE_LEN 4096

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

/* Ends inside its array and holds no control byte: it goes to syslog. */
static void check_string(const char *s, size_t cap)
{
	size_t i;

	check(memchr(s, '\0', cap) != NULL);
	for (i = 0; s[i] != '\0'; i++)
		check((unsigned char)s[i] >= 0x20 && s[i] != 0x7f);
}

struct bound {
	struct tracefs_format fmt;
	bool pcie, extlog;
	struct pcie_binding pb;
	struct extlog_binding eb;
};

static void told_pcie(const struct pcie_event *e)
{
	char text[512], bits[256];

	check(e->severity <= PCIE_SEV_UNKNOWN);
	check(e->kind <= PCIE_CXL_DRAM);
	check_string(e->device, sizeof(e->device));
	check_string(e->host, sizeof(e->host));
	check(memchr(e->note, '\0', sizeof(e->note)) != NULL);
	pcie_status_names(e, bits, sizeof(bits));
	check(memchr(bits, '\0', sizeof(bits)) != NULL);
	pcie_describe(e, text, sizeof(text));
	check(memchr(text, '\0', sizeof(text)) != NULL);
	check(pcie_severity_name((enum pcie_severity)e->severity) != NULL);
	/* A small buffer is cut, never overrun. */
	pcie_describe(e, text, 8);
	check(strlen(text) < 8);
}

static void told_extlog(const struct extlog_event *e)
{
	char where[128];

	check_string(e->fru_text, sizeof(e->fru_text));
	check_string(e->label, sizeof(e->label));
	check(memchr(e->note, '\0', sizeof(e->note)) != NULL);
	extlog_where(e, where, sizeof(where));
	check(memchr(where, '\0', sizeof(where)) != NULL);
	check(extlog_severity_name(e->sev) != NULL);
	check((extlog_status(e) & MCI_STATUS_VAL) != 0);
	extlog_has_address(e);
}

static int on_event(void *arg, const unsigned char *data, size_t len,
                    uint64_t ts)
{
	const struct bound *b = arg;
	char err[TRACEFS_ERROR_LEN];
	struct pcie_event pe;
	struct extlog_event ee;

	(void)ts;
	if (b->pcie) {
		if (pcie_decode(&b->pb, data, len, &pe, err, sizeof(err)) == 0)
			told_pcie(&pe);
		else
			check(memchr(err, '\0', sizeof(err)) != NULL);
	}
	if (b->extlog) {
		if (extlog_decode(&b->eb, data, len, &ee, err, sizeof(err)) ==
		    0)
			told_extlog(&ee);
		else
			check(memchr(err, '\0', sizeof(err)) != NULL);
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Format text, a NUL, then page bytes: each 4096 of them one page. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct bound b;
	const uint8_t *nul = memchr(data, '\0', size);
	size_t text_len = nul != NULL ? (size_t)(nul - data) : size, left, n;
	char err[TRACEFS_ERROR_LEN] = "";
	struct tracefs_page_info info;
	const uint8_t *page;

	memset(&b, 0, sizeof(b));
	if (tracefs_format_parse((const char *)data, text_len, "fuzz", &b.fmt,
	                         NULL, err, sizeof(err)) != 0)
		return 0;
	b.pcie = pcie_bind(&b.fmt, &b.pb, err, sizeof(err)) == 1;
	check(memchr(err, '\0', sizeof(err)) != NULL || b.pcie);
	b.extlog = extlog_bind(&b.fmt, &b.eb, err, sizeof(err)) == 0;
	check(memchr(b.pb.tb.note, '\0', sizeof(b.pb.tb.note)) != NULL);
	if (nul == NULL || (!b.pcie && !b.extlog))
		return 0;
	page = nul + 1;
	left = size - text_len - 1;
	do {
		n = left < PAGE_LEN ? left : PAGE_LEN;
		tracefs_page_walk(page, n, on_event, &b, &info, err,
		                  sizeof(err));
		check(info.end <= n);
		page += n;
		left -= n;
	} while (left > 0);
	return 0;
}

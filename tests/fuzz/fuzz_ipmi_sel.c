/* fuzz_ipmi_sel.c - libFuzzer target: arbitrary bytes as a SEL record, an
 * SDR record, a SEL position string and a credentials file. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ipmi/bmc.h"
#include "ipmi/bmc_int.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_str(const char *s, size_t cap)
{
	check(strnlen(s, cap) < cap);
}

static void fuzz_sel(const uint8_t *data, size_t size)
{
	struct bmc_event ev;
	uint8_t rec[16] = {0};
	char err[160];
	int rc;

	memcpy(rec, data, size < 16 ? size : 16);
	err[0] = '\0';
	rc = bmc_sel_decode(rec, &ev, err, sizeof(err));
	check(rc == 0 || rc == -1);
	check_str(ev.what, sizeof(ev.what));
	check_str(ev.detail, sizeof(ev.detail));
	check(ev.record_id == (rec[0] | rec[1] << 8));
	if (rc == -1) {
		/* Rejected: the reason names the record. */
		check(ev.kind == BMC_BAD_RECORD);
		check(strncmp(err, "record 0x", 9) == 0);
		check(strcmp(err, ev.detail) == 0);
		return;
	}
	check(ev.kind == BMC_SEL_ENTRY);
	check(ev.what[0] != '\0');
	check(ev.dimm >= -1 && ev.dimm < 0xff);
	check((unsigned)ev.sev <= BMC_CRITICAL);
	check((unsigned)ev.cls <= BMC_OTHER);
}

static void fuzz_sdr(const uint8_t *data, size_t size)
{
	struct bmc_sdr_sensor s;
	char err[160];
	int rc;

	err[0] = '\0';
	rc = bmc_sdr_parse(data, size, &s, err, sizeof(err));
	check(rc >= -1 && rc <= 1);
	if (rc == -1)
		check(strncmp(err, "SDR record", 10) == 0);
	if (rc == 0) {
		check_str(s.name, sizeof(s.name));
		(void)bmc_sdr_convert(&s, data[0]);
	}
}

static void fuzz_text(const uint8_t *data, size_t size)
{
	struct bmc_credentials c;
	struct bmc_sel_pos p;
	char *s = malloc(size + 1), err[160], buf[BMC_SEL_POS_STRLEN];

	if (s == NULL)
		return;
	memcpy(s, data, size);
	s[size] = '\0';
	err[0] = '\0';
	if (bmc_sel_pos_parse(s, &p, err, sizeof(err)) == 0) {
		/* What parses formats back to a string that parses alike. */
		struct bmc_sel_pos q;

		check(bmc_sel_pos_format(&p, buf, sizeof(buf)) == 0);
		check(bmc_sel_pos_parse(buf, &q, err, sizeof(err)) == 0);
		check(p.valid == q.valid && p.erase_ts == q.erase_ts);
		check(!p.valid ||
		      (p.last_id == q.last_id && p.last_ts == q.last_ts));
	} else {
		check(err[0] != '\0');
	}
	err[0] = '\0';
	if (bmc_credentials_parse((const char *)data, size, "f", &c, err,
	                          sizeof(err)) == 0) {
		check_str(c.username, sizeof(c.username));
		check_str(c.password, sizeof(c.password));
	} else {
		check(strncmp(err, "f:", 2) == 0);
	}
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* First byte picks the parser; the rest is its input. */
	if (size < 1)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_sel(data + 1, size - 1);
		break;
	case 1:
		fuzz_sdr(data + 1, size - 1);
		break;
	default:
		fuzz_text(data + 1, size - 1);
		break;
	}
	return 0;
}

/* test_ipmi_sel.c - the SEL decoder on hand-built 16-byte records, the
 * SEL position logic and string form, and the credentials file parser. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "ipmi/bmc.h"

/* A system event record: id 0x0102, time 0x65000000, generator 0x20. */
static void mkrec(uint8_t r[16], uint8_t stype, uint8_t snum, uint8_t etype,
                  uint8_t d1, uint8_t d2, uint8_t d3)
{
	const uint8_t head[10] = {0x02, 0x01, 0x02, 0x00, 0x00,
	                          0x00, 0x65, 0x20, 0x00, 0x04};

	memcpy(r, head, sizeof(head));
	r[10] = stype;
	r[11] = snum;
	r[12] = etype;
	r[13] = d1;
	r[14] = d2;
	r[15] = d3;
}

struct expect {
	uint8_t stype, offset;
	enum bmc_class cls;
	enum bmc_severity sev;
	const char *what;
};

static void decode_ok(const struct expect *e)
{
	struct bmc_event ev;
	uint8_t r[16];
	char err[160] = "";

	mkrec(r, e->stype, 0x10, 0x6f, e->offset, 0xff, 0xff);
	assert_int_equal(bmc_sel_decode(r, &ev, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_int_equal(ev.kind, BMC_SEL_ENTRY);
	assert_int_equal(ev.cls, e->cls);
	assert_int_equal(ev.sev, e->sev);
	assert_string_equal(ev.what, e->what);
	assert_int_equal(ev.record_id, 0x0102);
	assert_int_equal(ev.sel_time, 0x65000000);
	assert_int_equal(ev.offset, e->offset);
	assert_false(ev.deassert);
}

static void memory_offsets(void **state)
{
	static const struct expect tab[] = {
	    {0x0c, 0, BMC_MEMORY, BMC_WARNING, "Correctable ECC"},
	    {0x0c, 1, BMC_MEMORY, BMC_CRITICAL, "Uncorrectable ECC"},
	    {0x0c, 2, BMC_MEMORY, BMC_CRITICAL, "Parity"},
	    {0x0c, 3, BMC_MEMORY, BMC_CRITICAL, "Memory Scrub Failed"},
	    {0x0c, 4, BMC_MEMORY, BMC_CRITICAL, "Memory Device Disabled"},
	    {0x0c, 5, BMC_MEMORY, BMC_WARNING,
	     "Correctable ECC logging limit reached"},
	    {0x0c, 9, BMC_MEMORY, BMC_WARNING,
	     "Memory Automatically Throttled"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		decode_ok(&tab[i]);
}

static void processor_psu_firmware_interrupt_offsets(void **state)
{
	static const struct expect tab[] = {
	    {0x07, 0, BMC_PROCESSOR, BMC_CRITICAL, "IERR"},
	    {0x07, 1, BMC_PROCESSOR, BMC_CRITICAL, "Thermal Trip"},
	    {0x07, 2, BMC_PROCESSOR, BMC_CRITICAL, "FRB1/BIST failure"},
	    {0x07, 3, BMC_PROCESSOR, BMC_CRITICAL, "FRB2/Hang in POST failure"},
	    {0x07, 4, BMC_PROCESSOR, BMC_CRITICAL,
	     "FRB3/Processor startup failure"},
	    {0x07, 11, BMC_PROCESSOR, BMC_CRITICAL, "Machine Check Exception"},
	    {0x08, 1, BMC_POWER_SUPPLY, BMC_CRITICAL,
	     "Power Supply Failure detected"},
	    {0x08, 2, BMC_POWER_SUPPLY, BMC_WARNING, "Predictive Failure"},
	    {0x08, 3, BMC_POWER_SUPPLY, BMC_CRITICAL, "Power Supply AC lost"},
	    {0x0f, 0, BMC_FIRMWARE, BMC_WARNING,
	     "System Firmware Error (POST error)"},
	    {0x0f, 1, BMC_FIRMWARE, BMC_CRITICAL, "System Firmware Hang"},
	    {0x0f, 2, BMC_FIRMWARE, BMC_INFO, "System Firmware Progress"},
	    {0x13, 0, BMC_CRITICAL_INTERRUPT, BMC_WARNING,
	     "Front Panel NMI / Diagnostic Interrupt"},
	    {0x13, 4, BMC_CRITICAL_INTERRUPT, BMC_CRITICAL, "PCI PERR"},
	    {0x13, 8, BMC_CRITICAL_INTERRUPT, BMC_CRITICAL,
	     "Bus Uncorrectable Error"},
	    {0x13, 9, BMC_CRITICAL_INTERRUPT, BMC_CRITICAL, "Fatal NMI"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++)
		decode_ok(&tab[i]);
}

static void memory_names_the_dimm_from_event_data_3(void **state)
{
	struct bmc_event ev;
	uint8_t r[16];

	(void)state;
	/* Data 1 bits 5:4 = 10b: data 3 is the module. */
	mkrec(r, 0x0c, 0x10, 0x6f, 0xa0, 0x00, 0x05);
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.dimm, 5);
	/* Without the flag data 3 means nothing. */
	mkrec(r, 0x0c, 0x10, 0x6f, 0x00, 0x00, 0x05);
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.dimm, -1);
	/* 0xff: unspecified. */
	mkrec(r, 0x0c, 0x10, 0x6f, 0xa0, 0x00, 0xff);
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.dimm, -1);
}

static void thresholds_fan_and_temperature(void **state)
{
	struct bmc_event ev;
	uint8_t r[16];

	(void)state;
	/* Fan, lower critical going low, reading 8, threshold 10. */
	mkrec(r, 0x04, 0x02, 0x01, 0x52, 0x08, 0x0a);
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.cls, BMC_FAN);
	assert_int_equal(ev.sev, BMC_CRITICAL);
	assert_string_equal(ev.what, "Lower Critical going low");
	assert_true(ev.value == 8 && ev.threshold == 10);
	/* Temperature, upper non-critical going high, deasserted. */
	mkrec(r, 0x01, 0x01, 0x81, 0x07, 0xff, 0xff);
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.cls, BMC_TEMPERATURE);
	assert_true(ev.deassert);
	assert_int_equal(ev.sev, BMC_INFO);
	assert_string_equal(ev.what, "Upper Non-critical going high");
}

static void bad(uint8_t r[16], const char *want)
{
	struct bmc_event ev;
	char err[160] = "";

	assert_int_equal(bmc_sel_decode(r, &ev, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	assert_int_equal(ev.kind, BMC_BAD_RECORD);
	assert_string_equal(ev.detail, want);
}

static void malformed_records_name_id_and_reason(void **state)
{
	uint8_t r[16];

	(void)state;
	mkrec(r, 0x0c, 0x10, 0x6f, 0x0f, 0, 0);
	bad(r, "record 0x0102: sensor-specific offset 0xf undefined for its "
	       "sensor type");
	mkrec(r, 0x0c, 0x10, 0x20, 0x00, 0, 0);
	bad(r, "record 0x0102: event/reading type 0x20 reserved");
	mkrec(r, 0x01, 0x01, 0x01, 0x0c, 0, 0);
	bad(r, "record 0x0102: threshold offset 0xc reserved");
	mkrec(r, 0x0c, 0x10, 0x6f, 0x00, 0, 0);
	r[9] = 0x07;
	bad(r, "record 0x0102: event message revision 0x07");
	mkrec(r, 0x00, 0x10, 0x6f, 0x00, 0, 0);
	bad(r, "record 0x0102: sensor type 0x00 reserved");
	mkrec(r, 0x0c, 0x10, 0x6f, 0x00, 0, 0);
	r[2] = 0x10;
	bad(r, "record 0x0102: record type 0x10 reserved");
	mkrec(r, 0x0c, 0x10, 0x6f, 0x00, 0, 0);
	r[0] = r[1] = 0xff;
	bad(r, "record 0xffff: record id 0xffff reserved");
	mkrec(r, 0x0c, 0x10, 0x0b, 0x0f, 0, 0);
	bad(r, "record 0x0102: offset 0xf beyond its type");
}

static void oem_records_are_kept(void **state)
{
	struct bmc_event ev;
	uint8_t r[16];

	(void)state;
	memset(r, 0xab, sizeof(r));
	r[0] = 0x09;
	r[1] = 0x00;
	r[2] = 0xe1;
	assert_int_equal(bmc_sel_decode(r, &ev, NULL, 0), 0);
	assert_int_equal(ev.cls, BMC_OTHER);
	assert_int_equal(ev.sel_time, 0);
	assert_string_equal(ev.what, "OEM record type 0xe1");
}

static void position_round_trips(void **state)
{
	struct bmc_sel_pos p = {.valid = true,
	                        .erase_ts = 0x1234,
	                        .last_id = 0x0042,
	                        .last_ts = 0x65000001};
	struct bmc_sel_pos q;
	char buf[BMC_SEL_POS_STRLEN], err[120];

	(void)state;
	assert_int_equal(bmc_sel_pos_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sel1:00001234:0042:65000001");
	assert_int_equal(bmc_sel_pos_parse(buf, &q, err, sizeof(err)), 0);
	assert_true(q.valid);
	assert_int_equal(q.erase_ts, p.erase_ts);
	assert_int_equal(q.last_id, p.last_id);
	assert_int_equal(q.last_ts, p.last_ts);
	p.valid = false;
	assert_int_equal(bmc_sel_pos_format(&p, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "sel1:00001234:-:-");
	assert_int_equal(bmc_sel_pos_parse(buf, &q, err, sizeof(err)), 0);
	assert_false(q.valid);
	assert_int_equal(q.erase_ts, 0x1234);
	assert_int_equal(bmc_sel_pos_format(&p, buf, 8), -1);
}

static void position_rejects_garbage(void **state)
{
	static const char *const bad_pos[] = {
	    "",
	    "sel2:0:1:2",
	    "sel1:",
	    "sel1:0:",
	    "sel1:0:1",
	    "sel1:0:1:",
	    "sel1:0:12345:1",
	    "sel1:123456789:1:1",
	    "sel1:0:1:2x",
	    "sel1:0:-:",
	    "sel1:g:1:1",
	};
	struct bmc_sel_pos q;
	char err[120];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_pos) / sizeof(bad_pos[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    bmc_sel_pos_parse(bad_pos[i], &q, err, sizeof(err)), -1);
		assert_non_null(strstr(err, "SEL position"));
	}
}

static void position_resume_logic(void **state)
{
	struct bmc_sel_pos p = {0};

	(void)state;
	/* Nothing delivered yet: every record is new. */
	assert_int_equal(bmc_sel_pos_resume(&p, 0), BMC_RESUME_FROM_FIRST);
	assert_true(bmc_sel_pos_is_new(&p, 1, 0));
	bmc_sel_pos_advance(&p, 100, 7, 5000);
	/* Same SEL: resume after record 7. */
	assert_int_equal(bmc_sel_pos_resume(&p, 100), BMC_RESUME_AFTER_LAST);
	/* Cleared since: start over. */
	assert_int_equal(bmc_sel_pos_resume(&p, 200), BMC_RESUME_FROM_FIRST);
	/* Record 7 gone: only later records are new. */
	assert_false(bmc_sel_pos_is_new(&p, 3, 4000));
	assert_false(bmc_sel_pos_is_new(&p, 7, 5000));
	assert_false(bmc_sel_pos_is_new(&p, 6, 5000));
	assert_true(bmc_sel_pos_is_new(&p, 8, 5000));
	assert_true(bmc_sel_pos_is_new(&p, 2, 5001));
}

static void credentials_parse(void **state)
{
	static const char ok[] = "# BMC\nusername = rasd\n"
	                         "password = \"p w\"\r\nprivilege = operator\n";
	struct bmc_credentials c;
	char err[160];

	(void)state;
	assert_int_equal(
	    bmc_credentials_parse(ok, strlen(ok), "f", &c, err, sizeof(err)),
	    0);
	assert_string_equal(c.username, "rasd");
	assert_string_equal(c.password, "p w");
	assert_int_equal(c.privilege, BMC_PRIV_OPERATOR);
}

static void credentials_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} tab[] = {
	    {"username = a\n", "f: no password"},
	    {"password = a\n", "f: no username"},
	    {"username a\n", "f:1: expected '=' after the key"},
	    {"username = a\nfoo = b\n", "f:2: unknown key"},
	    {"username = a\nusername = b\n", "f:2: username given twice"},
	    {"username = 12345678901234567\n",
	     "f:1: username longer than 16 bytes"},
	    {"\n\npassword = 123456789012345678901\n",
	     "f:3: password longer than 20 bytes"},
	    {"privilege = root\n",
	     "f:1: privilege must be admin, operator or user"},
	    {"= x\n", "f:1: expected 'key = value'"},
	};
	struct bmc_credentials c;
	char err[160];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
		err[0] = '\0';
		assert_int_equal(bmc_credentials_parse(tab[i].text,
		                                       strlen(tab[i].text), "f",
		                                       &c, err, sizeof(err)),
		                 -1);
		assert_string_equal(err, tab[i].err);
	}
}

static void names(void **state)
{
	(void)state;
	assert_string_equal(bmc_kind_name(BMC_BAD_RECORD), "bad_record");
	assert_string_equal(bmc_class_name(BMC_POWER_SUPPLY), "power_supply");
	assert_string_equal(bmc_severity_name(BMC_CRITICAL), "critical");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(memory_offsets),
	    cmocka_unit_test(processor_psu_firmware_interrupt_offsets),
	    cmocka_unit_test(memory_names_the_dimm_from_event_data_3),
	    cmocka_unit_test(thresholds_fan_and_temperature),
	    cmocka_unit_test(malformed_records_name_id_and_reason),
	    cmocka_unit_test(oem_records_are_kept),
	    cmocka_unit_test(position_round_trips),
	    cmocka_unit_test(position_rejects_garbage),
	    cmocka_unit_test(position_resume_logic),
	    cmocka_unit_test(credentials_parse),
	    cmocka_unit_test(credentials_errors),
	    cmocka_unit_test(names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

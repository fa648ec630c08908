/* test_mce_text.c - text replay: mcelog --ascii and kernel dmesg captures
 * parsed to records, format detection, and bad blocks told by line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mce/mce.h"
#include "mce/mce_text.h"

#define MAX_SEEN 8

struct seen {
	size_t n;
	struct mce_record r[MAX_SEEN];
	size_t stop_after; /* 0: never ask to stop */
};

static int collect(void *arg, const struct mce_record *r)
{
	struct seen *s = arg;

	if (s->n < MAX_SEEN)
		s->r[s->n] = *r;
	s->n++;
	return s->stop_after != 0 && s->n >= s->stop_after;
}

static int parse(const char *text, enum mce_format fmt, struct seen *s,
                 struct mce_text_result *res)
{
	memset(s, 0, sizeof(*s));
	return mce_text_parse(text, strlen(text), fmt, "cap", collect, s, res);
}

/*
 * mcelog 175's dump_mce() output for two records as `mcelog --ascii`
 * writes it (mcelog.c): the disclaimer, "MCE n", fields, and the Intel
 * decoder's human lines between TIME and STATUS.
 */
static const char mcelog_two[] =
    "Hardware event. This is not a software error.\n"
    "MCE 0\n"
    "CPU 3 BANK 7 TSC 12345abc \n"
    "MISC 86 ADDR 2345000 \n"
    "TIME 1700000000 Tue Nov 14 22:13:20 2023\n"
    "MCG status:\n"
    "MCi status:\n"
    "Corrected error\n"
    "Error enabled\n"
    "MCi_MISC register valid\n"
    "MCi_ADDR register valid\n"
    "MCA: MEMORY CONTROLLER RD_CHANNEL0_ERR\n"
    "Transaction: Memory read error\n"
    "STATUS 9c00004000010090 MCGSTATUS 0\n"
    "MCGCAP 1000c14 APICID 6 SOCKETID 1 \n"
    "PPIN 1234abcd\n"
    "MICROCODE 2006e05\n"
    "CPUID Vendor Intel Family 6 Model 85 Step 7\n"
    "PROCESSOR 0:50657\n"
    "Hardware event. This is not a software error.\n"
    "MCE 1\n"
    "CPU 5 BANK 2 TSC 2222 \n"
    "TIME 1700000060 Tue Nov 14 22:14:20 2023\n"
    "MCG status:\n"
    "MCi status:\n"
    "Corrected error\n"
    "MCA: Data CACHE Level-3 Data-Read Error\n"
    "STATUS 9000004000000136 MCGSTATUS 0\n"
    "MCGCAP 1000c14 APICID 12 SOCKETID 0 \n"
    "CPUID Vendor Intel Family 6 Model 85\n";

static void test_mcelog_two_blocks(void **state)
{
	struct mce_text_result res;
	struct seen s;

	(void)state;
	assert_int_equal(parse(mcelog_two, MCE_FORMAT_MCELOG, &s, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(res.n_errors, 0);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.r[0].extcpu, 3);
	assert_int_equal(s.r[0].bank, 7);
	assert_int_equal(s.r[0].tsc, 0x12345abc);
	assert_int_equal(s.r[0].misc, 0x86);
	assert_int_equal(s.r[0].addr, 0x2345000);
	assert_int_equal(s.r[0].time, 1700000000);
	assert_int_equal(s.r[0].status, 0x9c00004000010090ULL);
	assert_int_equal(s.r[0].mcgcap, 0x1000c14);
	assert_int_equal(s.r[0].apicid, 6);
	assert_int_equal(s.r[0].socketid, 1);
	assert_int_equal(s.r[0].ppin, 0x1234abcd);
	assert_int_equal(s.r[0].microcode, 0x2006e05);
	assert_int_equal(s.r[0].cpuid, 0x50657); /* PROCESSOR wins */
	assert_int_equal(s.r[0].cpuvendor, MCE_VENDOR_INTEL);
	assert_int_equal(s.r[0].record_len, 0);
	assert_int_equal(s.r[1].extcpu, 5);
	assert_int_equal(s.r[1].bank, 2);
	assert_int_equal(s.r[1].status, 0x9000004000000136ULL);
	assert_int_equal(s.r[1].apicid, 0x12);
	/* Family 6 model 85 (0x55) from the CPUID line, stepping 0. */
	assert_int_equal(s.r[1].cpuid, 0x50650);
}

/* The decoded result is the same as for the binary record. */
static void test_mcelog_decodes(void **state)
{
	struct mce_text_result res;
	struct mce_decoded d;
	struct seen s;

	(void)state;
	parse(mcelog_two, MCE_FORMAT_AUTO, &s, &res);
	assert_int_equal(s.n, 2);
	assert_int_equal(mce_decode(&s.r[0], &d), 0);
	assert_int_equal(d.kind, MCE_KIND_MEMORY);
	assert_int_equal(d.severity, MCE_SEV_CORRECTED);
	assert_true(d.phys_addr_valid);
	assert_int_equal(d.page, 0x2345);
	assert_int_equal(mce_decode(&s.r[1], &d), 0);
	assert_int_equal(d.kind, MCE_KIND_CACHE);
	assert_int_equal(d.cache_level, 3); /* 0x136: LL=10, mcelog Level-3 */
}

/*
 * Linux __print_mce() (arch/x86/kernel/cpu/mce/core.c): pr_fmt "mce: ",
 * HW_ERR "[Hardware Error]: ", then "CPU %d: Machine Check%s: %Lx Bank
 * %d: %016Lx", optional "RIP%s %02x:<%016Lx> {sym}", "TSC %llx [ADDR
 * %llx] [MISC %llx] [PPIN %llx] [SYND %llx IPID %llx]" and "PROCESSOR
 * %u:%x TIME %llu SOCKET %u APIC %x microcode %x". With dmesg's
 * timestamps and the lines around it that are not records.
 */
static const char dmesg_two[] =
    "[    0.000000] Linux version 6.1.0-13-amd64\n"
    "[  123.456789] mce: [Hardware Error]: Machine check events logged\n"
    "[  123.456790] mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: "
    "9c00004000010090\n"
    "[  123.456791] mce: [Hardware Error]: TSC 0 ADDR 2345000 MISC 86 \n"
    "[  123.456792] mce: [Hardware Error]: PROCESSOR 0:50657 TIME "
    "1700000000 SOCKET 0 APIC 0 microcode 1\n"
    "[  123.456793] mce: [Hardware Error]: Run the above through 'mcelog "
    "--ascii'\n"
    "[  124.000001] mce: [Hardware Error]: CPU 17: Machine Check Exception: "
    "5 Bank 4: bd80000000100134\n"
    "[  124.000002] mce: [Hardware Error]: RIP !INEXACT! 10:<ffffffff8100b3b6> "
    "{intel_idle+0x86/0x140}\n"
    "[  124.000003] mce: [Hardware Error]: TSC 1c2d ADDR 7654000 MISC 86 "
    "PPIN 55aa \n"
    "[  124.000004] mce: [Hardware Error]: PROCESSOR 2:a00f11 TIME "
    "1700000100 SOCKET 1 APIC 2a microcode a001173\n"
    "[  124.000005] mce: [Hardware Error]: Machine check: Processor context "
    "corrupt\n"
    "[  124.000006] Kernel panic - not syncing: Fatal machine check\n";

static void test_dmesg_with_timestamps(void **state)
{
	struct mce_text_result res;
	struct seen s;

	(void)state;
	assert_int_equal(parse(dmesg_two, MCE_FORMAT_DMESG, &s, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(s.r[0].extcpu, 0);
	assert_int_equal(s.r[0].bank, 1);
	assert_int_equal(s.r[0].status, 0x9c00004000010090ULL);
	assert_int_equal(s.r[0].addr, 0x2345000);
	assert_int_equal(s.r[0].misc, 0x86);
	assert_int_equal(s.r[0].cpuid, 0x50657);
	assert_int_equal(s.r[0].time, 1700000000);
	assert_int_equal(s.r[0].microcode, 1);
	assert_int_equal(s.r[1].extcpu, 17);
	assert_int_equal(s.r[1].mcgstatus, 5);
	assert_int_equal(s.r[1].bank, 4);
	assert_int_equal(s.r[1].status, 0xbd80000000100134ULL);
	assert_int_equal(s.r[1].cs, 0x10);
	assert_int_equal(s.r[1].ip, 0xffffffff8100b3b6ULL);
	assert_int_equal(s.r[1].tsc, 0x1c2d);
	assert_int_equal(s.r[1].ppin, 0x55aa);
	assert_int_equal(s.r[1].cpuvendor, MCE_VENDOR_AMD);
	assert_int_equal(s.r[1].cpuid, 0xa00f11);
	assert_int_equal(s.r[1].socketid, 1); /* SOCKET is decimal */
	assert_int_equal(s.r[1].apicid, 0x2a);
	assert_int_equal(s.r[1].microcode, 0xa001173);
}

/* journalctl -k and syslog put their own header before the tag; older
 * kernels had no "mce: " prefix. */
static void test_dmesg_without_timestamps(void **state)
{
	static const char text[] =
	    "Nov 14 22:13:20 host kernel: mce: [Hardware Error]: CPU 2: "
	    "Machine Check: 0 Bank 7: 9c00004000010091\n"
	    "Nov 14 22:13:20 host kernel: mce: [Hardware Error]: TSC 0 ADDR "
	    "1000 MISC 86\n"
	    "[Hardware Error]: CPU 3: Machine Check: 0 Bank 8: "
	    "9c00004000010092\n"
	    "[Hardware Error]: TSC 0\n";
	struct mce_text_result res;
	struct seen s;

	(void)state;
	assert_int_equal(mce_format_detect(text, strlen(text)),
	                 MCE_FORMAT_DMESG);
	parse(text, MCE_FORMAT_AUTO, &s, &res);
	assert_int_equal(res.records, 2);
	assert_int_equal(s.r[0].extcpu, 2);
	assert_int_equal(s.r[0].addr, 0x1000);
	assert_int_equal(s.r[1].bank, 8);
}

static void test_detect(void **state)
{
	unsigned char bin[MCE_RECORD_LEN_XEN];
	struct mce_record r;
	static const char noise[] = "hello\nworld\n";
	enum mce_format f;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 0x9c00004000010090ULL;
	r.addr = 0x2345000;
	assert_int_equal(mce_record_encode(&r, bin, sizeof(bin)), 0);
	assert_int_equal(mce_format_detect(bin, sizeof(bin)),
	                 MCE_FORMAT_BINARY);
	assert_int_equal(mce_format_detect(mcelog_two, strlen(mcelog_two)),
	                 MCE_FORMAT_MCELOG);
	assert_int_equal(mce_format_detect(dmesg_two, strlen(dmesg_two)),
	                 MCE_FORMAT_DMESG);
	assert_int_equal(mce_format_detect(noise, strlen(noise)),
	                 MCE_FORMAT_MCELOG);
	assert_int_equal(mce_format_detect("", 0), MCE_FORMAT_MCELOG);
	assert_int_equal(mce_format_parse("dmesg", &f), 0);
	assert_int_equal(f, MCE_FORMAT_DMESG);
	assert_int_equal(mce_format_parse("auto", &f), 0);
	assert_int_equal(f, MCE_FORMAT_AUTO);
	assert_int_equal(mce_format_parse("ascii", &f), -1);
	assert_string_equal(mce_format_name(MCE_FORMAT_MCELOG), "mcelog");
}

/* The text parser refuses binary data rather than guessing at it. */
static void test_binary_refused(void **state)
{
	struct mce_text_result res;
	struct seen s;

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_int_equal(mce_text_parse("\0\1\2", 3, MCE_FORMAT_AUTO, "b",
	                                collect, &s, &res),
	                 -1);
	assert_int_equal(res.n_errors, 1);
	assert_non_null(strstr(res.errors[0], "not a text format"));
}

/* Bad hex on line 4 and a block without STATUS at line 8: both refused
 * with their line, and the blocks after each still decode. */
static void test_malformed_blocks(void **state)
{
	static const char text[] = "MCE 0\n"
	                           "CPU 1 BANK 7\n"
	                           "TIME 1700000000\n"
	                           "MISC 86 ADDR 23g5000\n"
	                           "STATUS 9c00004000010090 MCGSTATUS 0\n"
	                           "MCE 1\n"
	                           "CPU 2 BANK 7\n"
	                           "STATUS 9c00004000010091 MCGSTATUS 0\n"
	                           "MCE 2\n"
	                           "CPU 3 BANK 7\n"
	                           "MISC 86 ADDR 3000\n"
	                           "MCE 3\n"
	                           "CPU 4 BANK 6\n"
	                           "STATUS 9c00004000010092\n";
	struct mce_text_result res;
	struct seen s;

	(void)state;
	assert_int_equal(parse(text, MCE_FORMAT_MCELOG, &s, &res), 0);
	assert_int_equal(res.records, 2);
	assert_int_equal(res.rejected, 2);
	assert_int_equal(res.lines, 14);
	assert_int_equal(s.r[0].extcpu, 2);
	assert_int_equal(s.r[1].extcpu, 4);
	assert_int_equal(res.n_errors, 2);
	assert_string_equal(res.errors[0], "cap:4: bad ADDR value '23g5000': "
	                                   "want hex");
	assert_string_equal(res.errors[1],
	                    "cap:9: block without STATUS (truncated?)");
}

static void test_bad_values(void **state)
{
	static const char *const bad[] = {
	    "CPU 1 BANK 256\nSTATUS 1\n",               /* bank past u8 */
	    "CPU 1 BANK 7\nSTATUS 1ffffffffffffffff\n", /* 65 bits */
	    "CPU 1 BANK 7\nSTATUS\n",                   /* no value */
	    "CPU 1 BANK 7\nSTATUS 1\nPROCESSOR 0-50657\n",
	    "CPU 1 BANK 7\nSTATUS 1\nRIP 10:zz\n",
	    "CPU 1 BANK 7\nSTATUS 1\nAPICID 100000000\n",
	    "CPU 1 THERMAL EVENT\nSTATUS 1\n",
	    "CPU 99999999999 BANK 7\nSTATUS 1\n",
	    "CPU 1: Machine Check: 0 Bank 1 9c00\n",
	    "CPU 1: Machine Check: 0 Bank x: 9c00\n",
	    "CPU 1: Machine Check: 0 Bonk 1: 9c00\n",
	    "CPU 1: Machine Czech: 0 Bank 1: 9c00\n",
	    "CPU 1 BANK 7\nSTATUS 1\nCPUID Vendor Intel Family x Model 1\n",
	    "CPU 1 BANK 7\nSTATUS 1\nCPUID Vendor Intel Model 1\n",
	    "CPU 1 BANK 7\nSTATUS 1\nCPUID Intel\n",
	};
	struct mce_text_result res;
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		parse(bad[i], MCE_FORMAT_MCELOG, &s, &res);
		if (res.records != 0 || res.rejected != 1)
			fail_msg("case %zu: %llu records, %llu rejected", i,
			         (unsigned long long)res.records,
			         (unsigned long long)res.rejected);
		assert_int_equal(res.n_errors, 1);
		assert_non_null(strstr(res.errors[0], "cap:"));
	}
}

/* mcelog --raw's 0x prefixes and its other spellings still parse. */
static void test_variants(void **state)
{
	static const char text[] = "CPU 4 6\n"
	                           "TSC 0x10\n"
	                           "RIP 0x10:0xffffffff81000000\n"
	                           "STATUS 0x9c00004000010090\n"
	                           "SYNDROME 5 IPID 6\n"
	                           "\n"
	                           "CPU 5 BANK 1\n"
	                           "SYND 7 STATUS 8\n";
	struct mce_text_result res;
	struct seen s;

	(void)state;
	parse(text, MCE_FORMAT_MCELOG, &s, &res);
	assert_int_equal(res.records, 2);
	assert_int_equal(s.r[0].bank, 6);
	assert_int_equal(s.r[0].tsc, 0x10);
	assert_int_equal(s.r[0].ip, 0xffffffff81000000ULL);
	assert_int_equal(s.r[0].synd, 5);
	assert_int_equal(s.r[0].ipid, 6);
	assert_int_equal(s.r[1].synd, 7);
	assert_int_equal(s.r[1].status, 8);
}

/* A capture cut in the middle of its last block, or at its head. */
static void test_truncated(void **state)
{
	static const char tail[] = "MCE 0\nCPU 1 BANK 7\n"
	                           "STATUS 9c00004000010090\n"
	                           "MCE 1\nCPU 2 BANK 7\nMISC 86 ADDR 1";
	static const char head[] = "ADDR 2345000\n"
	                           "STATUS 9c00004000010090 MCGSTATUS 0\n"
	                           "MCE 1\nCPU 2 BANK 7\nSTATUS 1\nMCE 2\n";
	struct mce_text_result res;
	struct seen s;

	(void)state;
	parse(tail, MCE_FORMAT_AUTO, &s, &res);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(res.errors[0],
	                    "cap:4: block without STATUS (truncated?)");
	parse(head, MCE_FORMAT_AUTO, &s, &res);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 2);
	assert_string_equal(
	    res.errors[0],
	    "cap:1: block without a CPU and BANK line (truncated?)");
	assert_string_equal(
	    res.errors[1],
	    "cap:6: empty block: header without fields (truncated?)");
}

static void test_crlf(void **state)
{
	static const char text[] = "MCE 0\r\nCPU 1 BANK 7 TSC 5\r\n"
	                           "MISC 86 ADDR 2345000\r\n"
	                           "STATUS 9c00004000010090 MCGSTATUS 0\r\n"
	                           "MCGCAP 1000c14 APICID 6 SOCKETID 0\r\n";
	struct mce_text_result res;
	struct seen s;

	(void)state;
	parse(text, MCE_FORMAT_AUTO, &s, &res);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 0);
	assert_int_equal(s.r[0].addr, 0x2345000);
	assert_int_equal(s.r[0].socketid, 0);
	assert_int_equal(s.r[0].mcgcap, 0x1000c14);
}

/* A megabyte of prose, and of digits after a key: no copy, no crash,
 * the bad value quoted short. */
static void test_long_lines(void **state)
{
	const size_t big = 1 << 20;
	struct mce_text_result res;
	struct seen s;
	char *text = malloc(3 * big + 256);
	size_t n = 0;

	(void)state;
	assert_non_null(text);
	memset(text + n, 'x', big);
	n += big;
	n += (size_t)sprintf(text + n, "\nMCE 0\nCPU 1 BANK 7\nADDR ");
	memset(text + n, '1', big);
	n += big;
	n += (size_t)sprintf(text + n, "\nMCE 1\nCPU 2 BANK 7\nSTATUS 1 ");
	memset(text + n, 'y', big);
	n += big;
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    mce_text_parse(text, n, MCE_FORMAT_AUTO, "cap", collect, &s, &res),
	    0);
	assert_int_equal(res.records, 1);
	assert_int_equal(res.rejected, 1);
	assert_string_equal(res.errors[0], "cap:4: bad ADDR value "
	                                   "'111111111111111111111111...': "
	                                   "want hex");
	free(text);
}

/* A nonzero callback stops the parse; the error list stays bounded. */
static void test_stop_and_bounds(void **state)
{
	struct mce_text_result res;
	struct seen s;
	char *text;
	size_t i, n = 0;

	(void)state;
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	mce_text_parse(mcelog_two, strlen(mcelog_two), MCE_FORMAT_AUTO, NULL,
	               collect, &s, &res);
	assert_int_equal(res.records, 1);
	assert_true(res.stopped);
	text = malloc(100 * 32);
	assert_non_null(text);
	for (i = 0; i < 100; i++)
		n += (size_t)sprintf(text + n, "MCE %zu\nCPU 1 BANK z\n", i);
	memset(&s, 0, sizeof(s));
	mce_text_parse(text, n, MCE_FORMAT_MCELOG, "many", collect, &s, &res);
	assert_int_equal(res.rejected, 100);
	assert_int_equal(res.n_errors, MCE_TEXT_MAX_ERRORS);
	assert_string_equal(res.errors[0],
	                    "many:2: bad BANK value 'z': want decimal");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_mcelog_two_blocks),
	    cmocka_unit_test(test_mcelog_decodes),
	    cmocka_unit_test(test_dmesg_with_timestamps),
	    cmocka_unit_test(test_dmesg_without_timestamps),
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_binary_refused),
	    cmocka_unit_test(test_malformed_blocks),
	    cmocka_unit_test(test_bad_values),
	    cmocka_unit_test(test_variants),
	    cmocka_unit_test(test_truncated),
	    cmocka_unit_test(test_crlf),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test(test_stop_and_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

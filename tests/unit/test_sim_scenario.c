/* test_sim_scenario.c - the scenario parser: what it accepts, and that each
 * error names the file, the line and the reason; the shipped demo parses. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypervisor/sim/sim.h"

#define HOST "host name=h sockets=2 cores=2 threads=2 mcg_cap=0x1000c14\n"
#define DIMMS                                                                  \
	"dimm label=A socket=0 channel=0 start=0x0 size=4G\n"                  \
	"dimm label=B socket=0 channel=1 start=0x100000000 size=4G\n"

static int parse(const char *text, char *err, size_t errlen)
{
	struct sim_scenario *sc = (struct sim_scenario *)&sc;
	int rc;

	rc = sim_scenario_parse(text, strlen(text), "t.scn", &sc, err, errlen);
	if (rc == 0)
		assert_non_null(sc);
	else
		assert_null(sc);
	sim_scenario_free(sc);
	return rc;
}

static void assert_parses(const char *text)
{
	char err[256];

	if (parse(text, err, sizeof(err)) != 0)
		fail_msg("unexpected error: %s", err);
}

/* The whole message, so that line numbers and wording are both pinned. */
static void assert_error(const char *text, const char *want)
{
	char err[256];

	assert_int_equal(parse(text, err, sizeof(err)), -1);
	if (strcmp(err, want) != 0)
		fail_msg("error was \"%s\", wanted \"%s\"", err, want);
}

static void test_minimal(void **state)
{
	(void)state;
	assert_parses(HOST);
	assert_parses("# just a host\n\n  \t\n" HOST "# done");
	assert_parses("host name=h sockets=1 cores=1 threads=1"); /* no \n */
	assert_parses("host name=h sockets=1 cores=1 threads=1\r\n");
}

static void test_full_grammar(void **state)
{
	(void)state;
	assert_parses(HOST "mcelog record_len=128 log_len=64\n" DIMMS
	                   "dom0 mem=1G ranges=0x0-0x3fffffff\n"
	                   "xen ranges=0x40000000-0x40ffffff\n"
	                   "guest domid=1 name=g1 mem=2G "
	                   "ranges=0xc0000000-0xffffffff,0x100000000-"
	                   "0x13fffffff   # spans A and B\n"
	                   "peer name=p1 capacity=1T migrate_time=90s\n"
	                   "peer name=p2 capacity=512M migrate_time=1m "
	                   "fail=\"no # route to host\"\n"
	                   "at 00:00:01 mem-ce addr=0x1234 cpu=3 bank=8 "
	                   "count=5\n"
	                   "at +500ms repeat=3 every=1h stride=4K mem-srao "
	                   "addr=0x100000000\n"
	                   "at 1d cache-ce cpu=7 level=1 bank=3\n"
	                   "at 1d mce cpu=0 bank=0 status=0x9c00004000010090 "
	                   "addr=5 misc=0x86 mcgstatus=0x5\n"
	                   "at +1h aer device=0000:3b:00.0 severity=corrected "
	                   "status=0x41\n"
	                   "at +1h repeat=2 every=1m cxl device=mem0 "
	                   "severity=fatal status=0x80\n"
	                   "at +1h extlog addr=0x1240 fru=\"DIMM A1\" "
	                   "severity=recoverable\n"
	                   "at +2h end\n"
	                   "expect events=5 pages_offlined>=1 "
	                   "actions_failed<=0\n"
	                   "expect page_offlined mfn=0x12 owner=dom0\n"
	                   "expect page_offlined mfn=0x13 owner=1\n"
	                   "expect page_offlined mfn=0x14\n"
	                   "expect page_not_offlined mfn=0x15\n"
	                   "expect cpu_offlined cpu=3\n"
	                   "expect cpu_not_offlined cpu=0\n"
	                   "expect migrated domid=1 peer=p1\n"
	                   "expect not_migrated domid=1\n"
	                   "expect migrate_attempts domid=1 n>=2\n");
}

static void test_duration(void **state)
{
	static const char text[] = HOST DIMMS
	    "at 00:05:00 mem-ce addr=0x1000\n"
	    "at +10m repeat=4 every=1m cache-ce cpu=1\n" /* 00:15 .. 00:18 */
	    "at +1m cache-ce cpu=1\n"                    /* 00:16 */
	    "at 1500ms mce cpu=0 bank=1 status=1\n";
	struct sim_scenario *sc;
	char err[256];

	(void)state;
	/* 1500ms is before 00:16:00: times may not go back. */
	assert_int_equal(sim_scenario_parse(text, strlen(text), "t.scn", &sc,
	                                    err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t.scn:7: time 00:00:01.500 goes back "
	                         "before the previous at (00:16:00)");
	/* Without the last line it parses. */
	assert_int_equal(
	    sim_scenario_parse(text, (size_t)(strstr(text, "at 1500ms") - text),
	                       "t.scn", &sc, err, sizeof(err)),
	    0);
	assert_int_equal(sim_scenario_duration_ms(sc), 18 * 60000);
	sim_scenario_free(sc);
}

static void test_errors_directives(void **state)
{
	(void)state;
	assert_error("", "t.scn:1: no host directive");
	assert_error("# nothing\n", "t.scn:1: no host directive");
	assert_error("dimm label=A socket=0 channel=0 start=0 size=4K\n",
	             "t.scn:1: the first directive must be host, not 'dimm'");
	assert_error(HOST "\n# fine so far\nbogus x=1\n",
	             "t.scn:4: unknown directive 'bogus'");
	assert_error(HOST HOST, "t.scn:2: duplicate host directive");
	assert_error("host name=h sockets=1 cores=1 threads=1 colour=red\n",
	             "t.scn:1: unknown key 'colour' for host");
	assert_error("host name=h sockets=1 cores=1\n",
	             "t.scn:1: host needs threads=");
	assert_error("host name=h name=i sockets=1 cores=1 threads=1\n",
	             "t.scn:1: duplicate key 'name'");
	assert_error("host name=h sockets=0 cores=1 threads=1\n",
	             "t.scn:1: sockets must be at least 1");
	assert_error("host name=h sockets=64 cores=64 threads=2\n",
	             "t.scn:1: 8192 cpus is too many (max 4096)");
	assert_error("host name=h sockets=1 cores=1 threads=1 vendor=via\n",
	             "t.scn:1: vendor must be intel or amd");
	assert_error("host name=\"h 1\" sockets=1 cores=1 threads=1\n",
	             "t.scn:1: name=h 1: character 2 is not allowed");
	assert_error("events=3\n",
	             "t.scn:1: expected a directive, not 'events='");
}

static void test_errors_values(void **state)
{
	(void)state;
	assert_error("host name=h sockets=x cores=1 threads=1\n",
	             "t.scn:1: bad number 'x' for sockets");
	assert_error("host name=h sockets=1 cores=1 threads=1 "
	             "cpuid=0x1ffffffff\n",
	             "t.scn:1: cpuid is a 32-bit value");
	assert_error(HOST "dimm label=A socket=0 channel=0 start=0 "
	                  "size=4Q\n",
	             "t.scn:2: bad size '4Q' for size (suffixes: K M G T)");
	assert_error(HOST "dimm label=A socket=0 channel=0 start=0 "
	                  "size=99999999999T\n",
	             "t.scn:2: size '99999999999T' for size is too large");
	assert_error(HOST "dimm label=A socket=0 channel=0 start="
	                  "0x10000000000000000 size=4K\n",
	             "t.scn:2: bad number '0x10000000000000000' for start");
	assert_error(HOST "peer name=p capacity=1G migrate_time=90\n",
	             "t.scn:2: duration '90' for migrate_time needs a unit: "
	             "ms, s, m, h, d");
	assert_error(HOST "peer name=p capacity=1G migrate_time=366d\n",
	             "t.scn:2: migrate_time=366d is longer than 365d");
	assert_error(HOST "peer name=p capacity=1G migrate_time=1s "
	                  "fail=\"refused\n",
	             "t.scn:2: unterminated quote in fail=");
	assert_error(HOST "peer name=p capacity=1G migrate_time=1s "
	                  "fail=\"a\"b\n",
	             "t.scn:2: text after the closing quote of fail=");
	assert_error(HOST "peer name=p capacity= migrate_time=1s\n",
	             "t.scn:2: key 'capacity' has no value");
	assert_error(HOST "peer =p\n", "t.scn:2: missing key before '='");
	assert_error(HOST "mcelog record_len=64\n",
	             "t.scn:2: record_len must be 88..4096");
	assert_error(HOST "mcelog log_len=0\n",
	             "t.scn:2: log_len must be at least 1");
}

static void test_errors_memory(void **state)
{
	(void)state;
	assert_error(HOST DIMMS "dimm label=C socket=1 channel=0 "
	                        "start=0x1ffff0000 size=1G\n",
	             "t.scn:4: DIMM C (0x1ffff0000-0x23ffeffff) overlaps B "
	             "(0x100000000-0x1ffffffff)");
	assert_error(HOST DIMMS "dimm label=A socket=1 channel=0 "
	                        "start=0x300000000 size=1G\n",
	             "t.scn:4: duplicate DIMM label 'A'");
	assert_error(HOST "dimm label=A socket=2 channel=0 start=0 size=1G\n",
	             "t.scn:2: socket 2: the host has 2 sockets");
	assert_error(HOST "dimm label=A socket=0 channel=0 start=0x800 "
	                  "size=1G\n",
	             "t.scn:2: DIMM start and size must be multiples of 4K");
	assert_error(HOST DIMMS "guest domid=1 name=g "
	                        "ranges=0x1c0000000-0x23fffffff\n",
	             "t.scn:4: range 0x1c0000000-0x23fffffff: address "
	             "0x200000000 is not on any DIMM declared above");
	assert_error(HOST DIMMS "dom0 ranges=0x0-0xfff\n"
	                        "guest domid=1 name=g ranges=0x2000-0x2fff,"
	                        "0x1000-0x2fff\n",
	             "t.scn:5: range 0x1000-0x2fff overlaps the frames of g");
	assert_error(HOST DIMMS "dom0 ranges=0x0-0xfff\n"
	                        "xen ranges=0x0-0xfff\n",
	             "t.scn:5: range 0x0-0xfff overlaps the frames of "
	             "Domain-0");
	assert_error(HOST DIMMS "dom0 ranges=0x0-0x7ff\n",
	             "t.scn:4: range 0x0-0x7ff does not cover whole 4K pages");
	assert_error(HOST DIMMS "dom0 ranges=0x2000-0x0fff\n",
	             "t.scn:4: range 0x2000-0xfff ends before it starts");
	assert_error(HOST DIMMS "dom0 ranges=0x0-0xfff;0x1000-0x1fff\n",
	             "t.scn:4: bad ranges '0x0-0xfff;0x1000-0x1fff' (want "
	             "START-END[,START-END...])");
	assert_error(HOST DIMMS "dom0 ranges=0x0-0xfff\n"
	                        "dom0 ranges=0x1000-0x1fff\n",
	             "t.scn:5: duplicate dom0 directive");
}

static void test_errors_domains(void **state)
{
	(void)state;
	assert_error(HOST DIMMS "guest domid=3 name=a ranges=0x0-0xfff\n"
	                        "guest domid=3 name=b ranges=0x1000-0x1fff\n",
	             "t.scn:5: duplicate domid 3 (line 4)");
	assert_error(HOST DIMMS "guest domid=3 name=a ranges=0x0-0xfff\n"
	                        "guest domid=4 name=a ranges=0x1000-0x1fff\n",
	             "t.scn:5: duplicate guest name 'a' (line 4)");
	assert_error(HOST DIMMS "guest domid=0 name=a ranges=0x0-0xfff\n",
	             "t.scn:4: domid 0 is dom0: use the dom0 directive");
	assert_error(HOST DIMMS "guest domid=32752 name=a ranges=0x0-0xfff\n",
	             "t.scn:4: domid=32752 is too large (max 32751)");
	assert_error(HOST DIMMS "guest domid=1 ranges=0x0-0xfff\n",
	             "t.scn:4: guest needs name=");
	assert_error(HOST "peer name=p capacity=1G migrate_time=1s\n"
	                  "peer name=p capacity=1G migrate_time=1s\n",
	             "t.scn:3: duplicate peer 'p'");
}

static void test_errors_timeline(void **state)
{
	(void)state;
	assert_error(HOST DIMMS "at 00:05:00 mem-ce addr=0x900000000\n",
	             "t.scn:4: address 0x900000000 is not on any DIMM");
	assert_error(HOST DIMMS "at 00:05:00 repeat=3 every=1m "
	                        "stride=0x80000000 mem-ce addr=0x100000000\n",
	             "t.scn:4: repeat 3: address 0x200000000 is not on any "
	             "DIMM");
	assert_error(HOST DIMMS "at 00:05:00 mem-ce addr=0x1000\n"
	                        "at 00:04:59 mem-ce addr=0x1000\n",
	             "t.scn:5: time 00:04:59 goes back before the previous "
	             "at (00:05:00)");
	assert_error(HOST "at 00:61:00 cache-ce cpu=0\n",
	             "t.scn:2: bad time '00:61:00' (HH:MM:SS)");
	assert_error(HOST "at 5 cache-ce cpu=0\n",
	             "t.scn:2: duration '5' for at needs a unit: ms, s, m, "
	             "h, d");
	assert_error(HOST "at 8761:00:00 cache-ce cpu=0\n",
	             "t.scn:2: time '8761:00:00' is past 365 days");
	assert_error(HOST "at 1s\n", "t.scn:2: at needs an event (mem-ce, "
	                             "mem-srao, cache-ce, mce, aer, cxl, "
	                             "extlog, mc-event, end)");
	assert_error(HOST "at 1s mc-event addr=0x1000 severity=bad\n",
	             "t.scn:2: mc-event severity=bad: want corrected or "
	             "uncorrected");
	assert_error(HOST "at 1s extlog addr=0x1000 row=0x40000\n",
	             "t.scn:2: row=0x40000 is too large (max 262143)");
	assert_error(HOST "at 1s explode cpu=0\n",
	             "t.scn:2: unknown event 'explode' (mem-ce, mem-srao, "
	             "cache-ce, mce, aer, cxl, extlog, mc-event, end)");
	assert_error(HOST "at 1s aer device=0000:3b:00.0 status=1\n",
	             "t.scn:2: aer needs severity=");
	assert_error(HOST "at 1s aer device=0000:3b:00.0 severity=bad "
	                  "status=1\n",
	             "t.scn:2: aer severity=bad: want corrected, nonfatal or "
	             "fatal");
	assert_error(HOST "at 1s cxl device=mem0 severity=nonfatal status=1\n",
	             "t.scn:2: cxl severity=nonfatal: want corrected or fatal");
	assert_error(HOST "at 1s aer device=\"a b\" severity=fatal "
	                  "status=1\n",
	             "t.scn:2: device=a b: character 2 is not allowed");
	assert_error(HOST DIMMS "at 1s extlog addr=0x900000000\n",
	             "t.scn:4: address 0x900000000 is not on any DIMM");
	assert_error(HOST DIMMS "at 1s extlog addr=0x1000 severity=info\n",
	             "t.scn:4: extlog severity=info: want corrected, "
	             "recoverable or fatal");
	assert_error(HOST "at 1s repeat=1000001 every=1s cache-ce cpu=0\n",
	             "t.scn:2: repeat=1000001 is too large (max 1000000)");
	assert_error(HOST "at 1s repeat=2 cache-ce cpu=0\n",
	             "t.scn:2: repeat=2 needs every=");
	assert_error(HOST "at 1s every=1s cache-ce cpu=0\n",
	             "t.scn:2: every= and stride= need repeat=");
	assert_error(HOST "at 1s repeat=2 every=1s stride=4K cache-ce cpu=0\n",
	             "t.scn:2: stride= needs an event with addr=");
	assert_error(HOST "at 1s repeat=1000000 every=1m cache-ce cpu=0\n",
	             "t.scn:2: the repeats run past 365 days");
	assert_error(HOST "at 1s cache-ce cpu=8\n",
	             "t.scn:2: cpu 8: the host has 8 cpus");
	assert_error(HOST "at 1s cache-ce cpu=1 bank=20\n",
	             "t.scn:2: bank 20: the host has 20 banks (mcg_cap)");
	assert_error(HOST "at 1s cache-ce cpu=1 level=4\n",
	             "t.scn:2: level=4 is too large (max 3)");
	assert_error(HOST "at 1s mce cpu=1 bank=1\n",
	             "t.scn:2: mce needs status=");
	assert_error(HOST "at 1s end cpu=1\n", "t.scn:2: end takes no keys");
	assert_error(HOST "at 1s cache-ce cpu>=1\n",
	             "t.scn:2: cpu takes '=', not '>=' or '<='");
}

static void test_errors_expect(void **state)
{
	(void)state;
	assert_error(HOST "expect\n", "t.scn:2: expect needs something to "
	                              "check");
	assert_error(HOST "expect events=1 happiness=3\n",
	             "t.scn:2: unknown expectation 'happiness'");
	assert_error(HOST "expect events=lots\n",
	             "t.scn:2: bad number 'lots' for events");
	assert_error(HOST "expect page_exploded mfn=1\n",
	             "t.scn:2: unknown expectation 'page_exploded'");
	assert_error(HOST "expect page_offlined owner=1\n",
	             "t.scn:2: page_offlined needs mfn=");
	assert_error(HOST "expect page_offlined mfn=1 owner=martians\n",
	             "t.scn:2: bad owner 'martians' (a domid, free, xen, "
	             "dom0, domain, anonymous, not-ram)");
	assert_error(HOST "expect migrated domid=1 peer=p\n",
	             "t.scn:2: no guest with domid 1 above");
	assert_error(HOST DIMMS "guest domid=1 name=g ranges=0x0-0xfff\n"
	                        "expect migrated domid=1 peer=p\n",
	             "t.scn:5: no peer named 'p' above");
	assert_error(HOST "expect not_migrated domid=0\n",
	             "t.scn:2: domid 0 is dom0, which never migrates");
	assert_error(HOST DIMMS "guest domid=1 name=g ranges=0x0-0xfff\n"
	                        "expect migrate_attempts domid=1\n",
	             "t.scn:5: migrate_attempts needs n=");
	assert_error(HOST "expect cpu_offlined cpu=99\n",
	             "t.scn:2: cpu 99: the host has 8 cpus");
}

static void test_errors_lines(void **state)
{
	static const char nul[] = HOST "dimm\0label=A\n";
	size_t host_len = strlen(HOST);
	struct sim_scenario *sc;
	char err[128];
	char *text;

	(void)state;
	text = malloc(host_len + 5000);
	assert_non_null(text);
	memcpy(text, HOST, host_len);
	memset(text + host_len, 'x', 4097);
	text[host_len + 4097] = '\0';
	assert_error(text, "t.scn:2: line too long (max 4096 bytes)");
	/* 4096 bytes is still a line: a comment of that length is fine. */
	text[host_len] = '#';
	text[host_len + 4096] = '\0';
	assert_parses(text);
	free(text);

	assert_int_equal(sim_scenario_parse(nul, sizeof(nul) - 1, "t.scn", &sc,
	                                    err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t.scn:2: NUL byte in line");
}

/* n lines made by fmt from 0..n-1, after HOST. */
static char *make_lines(const char *fmt, unsigned n)
{
	size_t cap = strlen(HOST) + (size_t)n * 96 + 1, used;
	char *text = malloc(cap);
	unsigned i;

	assert_non_null(text);
	used = (size_t)snprintf(text, cap, "%s", HOST);
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(text + used, cap - used, fmt, i, i);
	return text;
}

static void test_bounds(void **state)
{
	char *text;

	(void)state;
	text = make_lines("dimm label=D%u socket=0 channel=0 start=0x%x000 "
	                  "size=4K\n",
	                  4096);
	assert_parses(text);
	free(text);
	text = make_lines("dimm label=D%u socket=0 channel=0 start=0x%x000 "
	                  "size=4K\n",
	                  4097);
	assert_error(text, "t.scn:4098: too many DIMMs (max 4096)");
	free(text);
	text = make_lines("at %us cache-ce cpu=%u\n", 4097);
	/* The cpu runs out before the lines do: cpu 8 is on line 10. */
	assert_error(text, "t.scn:10: cpu 8: the host has 8 cpus");
	free(text);
	text = make_lines("at %us mce cpu=0 bank=1 status=%u\n", 4097);
	assert_error(text, "t.scn:4098: too many at lines (max 4096)");
	free(text);
	assert_parses(HOST "at 1s repeat=1000000 every=1s mce cpu=0 bank=0 "
	                   "status=1\n");
}

static void test_error_buffer_small(void **state)
{
	char err[8];

	(void)state;
	memset(err, 'z', sizeof(err));
	assert_int_equal(parse(HOST "bogus\n", err, sizeof(err)), -1);
	assert_string_equal(err, "t.scn:2");
	assert_int_equal(parse(HOST "bogus\n", NULL, 0), -1);
}

static void test_load(void **state)
{
	char path[] = "/tmp/test_sim_scenario_XXXXXX";
	struct sim_scenario *sc;
	char err[256];
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, HOST "nope\n", strlen(HOST) + 5),
	                 (ssize_t)strlen(HOST) + 5);
	close(fd);
	assert_int_equal(sim_scenario_load(path, &sc, err, sizeof(err)), -1);
	assert_null(sc);
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	assert_string_equal(err + strlen(path), ":2: unknown directive 'nope'");
	unlink(path);
	assert_int_equal(sim_scenario_load(path, &sc, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "No such file or directory"));
}

/* Found from the repository root, or next to this source file. */
static int load_shipped(struct sim_scenario **sc, char *err, size_t errlen)
{
	static const char rel[] = "hypervisor/sim/scenarios/failing-dimm.scn";
	const char *tail = strstr(__FILE__, "tests/unit/");
	char path[512];

	if (access(rel, R_OK) == 0 || tail == NULL)
		return sim_scenario_load(rel, sc, err, errlen);
	snprintf(path, sizeof(path), "%.*s%s", (int)(tail - __FILE__), __FILE__,
	         rel);
	return sim_scenario_load(path, sc, err, errlen);
}

static void test_shipped_failing_dimm(void **state)
{
	struct sim_scenario *sc;
	char err[256];

	(void)state;
	if (load_shipped(&sc, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(sim_scenario_duration_ms(sc), 90 * 60000);
	sim_scenario_free(sc);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_minimal),
	    cmocka_unit_test(test_full_grammar),
	    cmocka_unit_test(test_duration),
	    cmocka_unit_test(test_errors_directives),
	    cmocka_unit_test(test_errors_values),
	    cmocka_unit_test(test_errors_memory),
	    cmocka_unit_test(test_errors_domains),
	    cmocka_unit_test(test_errors_timeline),
	    cmocka_unit_test(test_errors_expect),
	    cmocka_unit_test(test_errors_lines),
	    cmocka_unit_test(test_bounds),
	    cmocka_unit_test(test_error_buffer_small),
	    cmocka_unit_test(test_load),
	    cmocka_unit_test(test_shipped_failing_dimm),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

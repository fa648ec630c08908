/* test_policy.c - the policy file: every kind of error names its line, key
 * and value and changes nothing; default.conf is policy_defaults(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/policy.h"

/* Tests run from the repo root; RASD_SRCDIR points elsewhere. */
#ifndef SRCDIR
#define SRCDIR "."
#endif

#define DAY_MS (24ULL * 3600 * 1000)

static void repo_path(char *buf, size_t len, const char *rel)
{
	const char *dir = getenv("RASD_SRCDIR");

	if (dir == NULL || *dir == '\0')
		dir = SRCDIR;
	snprintf(buf, len, "%s/%s", dir, rel);
}

/* A policy that differs from the defaults in every field. */
static void policy_unlike_defaults(struct policy *p)
{
	memset(p, 0, sizeof(*p));
	p->recommend_only = true;
	p->page.limit = 7;
	p->page.window_ms = 1;
	p->page_action = POLICY_OFF;
	p->page_offline_on_uncorrected = false;
	p->page_max_offlined = 3;
	p->page_max_share_ppm = 77;
	p->dimm.limit = 77;
	p->dimm.window_ms = 2;
	p->dimm_action = POLICY_RECOMMEND;
	p->socket.limit = 5;
	p->socket.window_ms = 3;
	p->core.limit = 4;
	p->core.window_ms = 4;
	p->cpu_action = POLICY_OFF;
	memset(p->cpu_protected, 0xff, sizeof(p->cpu_protected));
	snprintf(p->peers[0], sizeof(p->peers[0]), "old-a");
	snprintf(p->peers[1], sizeof(p->peers[1]), "old-b");
	p->n_peers = 2;
	p->evac_max_per_hour = 99;
	p->evac_concurrent = 9;
	snprintf(p->dimm_sysfs_root, sizeof(p->dimm_sysfs_root), "/old");
	p->dimm_sources = 1u << DIMM_SRC_SMBIOS;
	/* No map: default.conf's map lines are commented examples, and a
	 * file without map lines keeps the map it is loaded over. */
	p->page_evacuate_owner = POLICY_OFF;
	p->page_hard_offline_uncorrected = true;
	snprintf(p->selftest, sizeof(p->selftest), "yes");
	p->selftest_bank = 9;
	p->selftest_cpu = 9;
	snprintf(p->health_yellow, sizeof(p->health_yellow), "evacuate");
	snprintf(p->health_red, sizeof(p->health_red), "quarantine");
	snprintf(p->health_hook, sizeof(p->health_hook), "/old/hook");
	p->health_ue_hold_ms = 5;
	p->psu_redundant = false;
	snprintf(p->ipmi_interface, sizeof(p->ipmi_interface), "lan");
	p->ipmi_smi = 3;
	p->ipmi_port = 9;
	snprintf(p->ipmi_credentials, sizeof(p->ipmi_credentials), "/old");
	p->ipmi_sel_poll_ms = 6;
	p->ipmi_sensor_poll_ms = 7;
	p->ipmi_retry_max_ms = 8;
	p->ipmi_correlate_window_ms = 9;
	p->sensors_enable = true;
	p->sensors_interval_ms = 10;
	snprintf(p->sensors_config, sizeof(p->sensors_config), "/old");
	p->sensors_hysteresis_temp = 11;
	p->sensors_hysteresis_frac = 0.5;
	p->pcie_storm.limit = 3;
	p->pcie_storm.window_ms = 4;
	snprintf(p->pcie_nonfatal, sizeof(p->pcie_nonfatal), "red");
	p->pcie_hold_ms = 5;
}

static void assert_policy_equal(const struct policy *a, const struct policy *b)
{
	size_t i;

	assert_int_equal(a->recommend_only, b->recommend_only);
	assert_int_equal(a->page.limit, b->page.limit);
	assert_int_equal(a->page.window_ms, b->page.window_ms);
	assert_int_equal(a->page_action, b->page_action);
	assert_int_equal(a->page_offline_on_uncorrected,
	                 b->page_offline_on_uncorrected);
	assert_int_equal(a->page_max_offlined, b->page_max_offlined);
	assert_int_equal(a->page_max_share_ppm, b->page_max_share_ppm);
	assert_int_equal(a->dimm.limit, b->dimm.limit);
	assert_int_equal(a->dimm.window_ms, b->dimm.window_ms);
	assert_int_equal(a->dimm_action, b->dimm_action);
	assert_int_equal(a->socket.limit, b->socket.limit);
	assert_int_equal(a->socket.window_ms, b->socket.window_ms);
	assert_int_equal(a->core.limit, b->core.limit);
	assert_int_equal(a->core.window_ms, b->core.window_ms);
	assert_int_equal(a->cpu_action, b->cpu_action);
	assert_memory_equal(a->cpu_protected, b->cpu_protected,
	                    sizeof(a->cpu_protected));
	assert_int_equal(a->n_peers, b->n_peers);
	for (i = 0; i < a->n_peers; i++)
		assert_string_equal(a->peers[i], b->peers[i]);
	assert_int_equal(a->evac_max_per_hour, b->evac_max_per_hour);
	assert_int_equal(a->evac_concurrent, b->evac_concurrent);
	assert_string_equal(a->dimm_sysfs_root, b->dimm_sysfs_root);
	assert_int_equal(a->dimm_sources, b->dimm_sources);
	assert_int_equal(a->page_evacuate_owner, b->page_evacuate_owner);
	assert_int_equal(a->page_hard_offline_uncorrected,
	                 b->page_hard_offline_uncorrected);
	assert_string_equal(a->selftest, b->selftest);
	assert_int_equal(a->selftest_timeout_ms, b->selftest_timeout_ms);
	assert_int_equal(a->selftest_bank, b->selftest_bank);
	assert_int_equal(a->selftest_cpu, b->selftest_cpu);
	assert_string_equal(a->health_yellow, b->health_yellow);
	assert_string_equal(a->health_red, b->health_red);
	assert_string_equal(a->health_hook, b->health_hook);
	assert_int_equal(a->health_ue_hold_ms, b->health_ue_hold_ms);
	assert_int_equal(a->psu_redundant, b->psu_redundant);
	assert_string_equal(a->ipmi_interface, b->ipmi_interface);
	assert_int_equal(a->ipmi_smi, b->ipmi_smi);
	assert_string_equal(a->ipmi_host, b->ipmi_host);
	assert_int_equal(a->ipmi_port, b->ipmi_port);
	assert_string_equal(a->ipmi_credentials, b->ipmi_credentials);
	assert_int_equal(a->ipmi_sel_poll_ms, b->ipmi_sel_poll_ms);
	assert_int_equal(a->ipmi_sensor_poll_ms, b->ipmi_sensor_poll_ms);
	assert_int_equal(a->ipmi_retry_max_ms, b->ipmi_retry_max_ms);
	assert_int_equal(a->ipmi_correlate_window_ms,
	                 b->ipmi_correlate_window_ms);
	assert_int_equal(a->sensors_enable, b->sensors_enable);
	assert_int_equal(a->sensors_interval_ms, b->sensors_interval_ms);
	assert_string_equal(a->sensors_config, b->sensors_config);
	assert_true(a->sensors_hysteresis_temp == b->sensors_hysteresis_temp);
	assert_true(a->sensors_hysteresis_frac == b->sensors_hysteresis_frac);
	assert_int_equal(a->n_sensor_limits, b->n_sensor_limits);
	assert_int_equal(a->pcie_storm.limit, b->pcie_storm.limit);
	assert_int_equal(a->pcie_storm.window_ms, b->pcie_storm.window_ms);
	assert_string_equal(a->pcie_nonfatal, b->pcie_nonfatal);
	assert_int_equal(a->pcie_hold_ms, b->pcie_hold_ms);
	assert_int_equal(a->n_dimm_map, b->n_dimm_map);
	for (i = 0; i < a->n_dimm_map; i++)
		assert_memory_equal(&a->dimm_map[i], &b->dimm_map[i],
		                    sizeof(a->dimm_map[i]));
}

static void test_defaults_values(void **state)
{
	struct policy p;

	(void)state;
	policy_defaults(&p);
	assert_false(p.recommend_only);
	assert_int_equal(p.page.limit, 2);
	assert_int_equal(p.page.window_ms, DAY_MS);
	assert_int_equal(p.page_action, POLICY_ACT);
	assert_true(p.page_offline_on_uncorrected);
	assert_int_equal(p.page_max_offlined, 1024);
	assert_int_equal(p.page_max_share_ppm, 1000);
	assert_int_equal(p.dimm.limit, 10);
	assert_int_equal(p.dimm.window_ms, DAY_MS);
	assert_int_equal(p.dimm_action, POLICY_ACT);
	assert_int_equal(p.socket.limit, 100);
	assert_int_equal(p.socket.window_ms, DAY_MS);
	assert_int_equal(p.core.limit, 18);
	assert_int_equal(p.core.window_ms, DAY_MS);
	assert_int_equal(p.cpu_action, POLICY_ACT);
	assert_true(policy_cpu_protected(&p, 0));
	assert_false(policy_cpu_protected(&p, 1));
	assert_int_equal(p.n_peers, 0);
	assert_int_equal(p.evac_max_per_hour, 6);
	assert_int_equal(p.evac_concurrent, 2);
	assert_string_equal(p.dimm_sysfs_root, "/");
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_EDAC));
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_SMBIOS));
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_POLICY));
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_GUESS));
	assert_int_equal(p.n_dimm_map, 0);
}

/* default.conf must set every field, to exactly policy_defaults(). */
static void test_default_conf_is_defaults(void **state)
{
	struct policy loaded, defaults;
	char path[4096], err[256] = "";

	(void)state;
	repo_path(path, sizeof(path), "policies/default.conf");
	policy_unlike_defaults(&loaded);
	policy_defaults(&defaults);
	if (policy_load_file(&loaded, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_policy_equal(&loaded, &defaults);
}

static void test_demo_conf(void **state)
{
	struct policy loaded, expected;
	char path[4096], err[256] = "";

	(void)state;
	repo_path(path, sizeof(path), "policies/demo.conf");
	policy_unlike_defaults(&loaded);
	/* demo.conf leaves the DIMM map to what it is loaded over. */
	policy_defaults(&expected);
	snprintf(loaded.dimm_sysfs_root, sizeof(loaded.dimm_sysfs_root), "/");
	loaded.dimm_sources = expected.dimm_sources;
	loaded.n_dimm_map = 0;
	if (policy_load_file(&loaded, path, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	policy_defaults(&expected);
	snprintf(expected.peers[0], sizeof(expected.peers[0]), "xen-c");
	snprintf(expected.peers[1], sizeof(expected.peers[1]), "xen-b");
	expected.n_peers = 2;
	/* The demo moves one guest at a time. */
	expected.evac_concurrent = 1;
	assert_policy_equal(&loaded, &expected);
}

struct bad_case {
	const char *text;
	const char *error; /* the whole message for name "t" */
};

static const struct bad_case bad_cases[] = {
    {"[health]\nred = reboot\n",
     "t:2: bad red 'reboot' in [health]: use alert, quarantine or evacuate"},
    {"[health]\nyellow = or\n",
     "t:2: bad yellow 'or' in [health]: use alert, quarantine or evacuate"},
    {"[telemetry]\nselftest = maybe\n",
     "t:2: bad selftest 'maybe' in [telemetry]: use auto, yes or no"},
    {"[telemetry]\nselftest_bank = 32\n",
     "t:2: selftest_bank 32 in [telemetry]: must be 0..31"},
    {"[ipmi]\nhost = bmc 1\n",
     "t:2: bad host 'bmc 1' in [ipmi]: blanks and control characters are "
     "not allowed"},
    {"[ipmi]\ninterface = serial\n",
     "t:2: bad interface 'serial' in [ipmi]: use off, local or lan"},
    {"[sensors]\nhysteresis_temp = 3%\n",
     "t:2: bad hysteresis_temp '3%' in [sensors]: use degrees like 2C, 0 "
     "to 100"},
    {"[sensors]\nhysteresis_other = -1%\n",
     "t:2: bad hysteresis_other '-1%' in [sensors]: use a share like 3%, 0 "
     "to 100"},
    {"[sensors]\nlimit = coretemp-* temp1 max=\n",
     "t:2: bad limit 'coretemp-* temp1 max=' in [sensors]: column 18: max: "
     "not a number ''"},
    {"[page]\nthreshold = 2\nfoo = 1\n", "t:3: unknown key 'foo' in [page]"},
    {"[general]\nmode = act\n\n[pagez]\nthreshold = 1\n",
     "t:5: unknown section [pagez]"},
    {"threshold = 1\n", "t:1: key 'threshold' is outside any section"},
    {"[page]\nthreshold = abc\n",
     "t:2: bad threshold 'abc' in [page]: not a number"},
    {"[page]\nthreshold = 2x\n",
     "t:2: bad threshold '2x' in [page]: not a number"},
    {"[dimm]\n\nthreshold = 0\n",
     "t:3: threshold 0 in [dimm]: must be 1..1024"},
    {"[socket]\nthreshold = 1025\n",
     "t:2: threshold 1025 in [socket]: must be 1..1024"},
    {"[cpu]\nthreshold = -1\n", "t:2: threshold -1 in [cpu]: must be 1..1024"},
    {"[page]\nthreshold = 99999999999999999999999\n",
     "t:2: threshold 99999999999999999999999 in [page]: must be 1..1024"},
    {"[page]\nwindow = 24\n",
     "t:2: bad window '24' in [page]: needs a unit: 24h, 30m, 90s"},
    {"[dimm]\nwindow = 0s\n",
     "t:2: bad window '0s' in [dimm]: must be longer than 0"},
    {"[cpu]\nwindow = 1y\n",
     "t:2: bad window '1y' in [cpu]: unknown unit: use ms, s, m, h or d"},
    {"[socket]\nwindow = h\n",
     "t:2: bad window 'h' in [socket]: not a duration"},
    {"[page]\nwindow =\n", "t:2: window in [page] has no value"},
    {"[dimm]\naction = offline\n",
     "t:2: bad action 'offline' in [dimm]: use evacuate, recommend or off"},
    {"[page]\naction = evacuate\n",
     "t:2: bad action 'evacuate' in [page]: use offline, recommend or off"},
    {"[general]\nmode = auto\n",
     "t:2: bad mode 'auto' in [general]: use act or recommend"},
    {"[page]\noffline_on_uncorrected = maybe\n",
     "t:2: bad offline_on_uncorrected 'maybe' in [page]: use yes or no"},
    {"[page]\nmax_offlined = 0\n",
     "t:2: max_offlined 0 in [page]: must be 1..4294967295"},
    {"[page]\nmax_share = 0.1\n",
     "t:2: bad max_share '0.1' in [page]: needs a percent sign: 0.1%"},
    {"[page]\nmax_share = 0%\n",
     "t:2: bad max_share '0%' in [page]: must be above 0% and at most 100%"},
    {"[page]\nmax_share = 100.0001%\n",
     "t:2: bad max_share '100.0001%' in [page]: must be above 0% and at most "
     "100%"},
    {"[page]\nmax_share = 0.00001%\n",
     "t:2: bad max_share '0.00001%' in [page]: at most 4 decimals"},
    {"[page]\nmax_share = lots%\n",
     "t:2: bad max_share 'lots%' in [page]: not a number"},
    {"[evacuation]\npeers = xen-b xen_c!\n",
     "t:2: bad peers 'xen-b xen_c!' in [evacuation]: 'xen_c!' has a character "
     "other than A-Z a-z 0-9 . _ - : / + @ [ ]"},
    {"[evacuation]\npeers = a,b,a\n",
     "t:2: bad peers 'a,b,a' in [evacuation]: 'a' is listed twice"},
    {"[evacuation]\npeers = "
     "h0123456789012345678901234567890123456789012345678901234567890123\n",
     "t:2: bad peers "
     "'h0123456789012345678901234567890123456789012345678901234567890123' in "
     "[evacuation]: "
     "'h01234567890123456789012345678901234567890123456789012345678901...' is "
     "longer than 63 characters"},
    {"[evacuation]\npeers = a b c d e f g h i j k l m n o p q\n",
     "t:2: bad peers 'a b c d e f g h i j k l m n o p q' in [evacuation]: more "
     "than 16 peers"},
    {"[evacuation]\nconcurrent = 65\n",
     "t:2: concurrent 65 in [evacuation]: must be 1..64"},
    {"[evacuation]\nmax_per_hour = 0\n",
     "t:2: max_per_hour 0 in [evacuation]: must be 1..3600"},
    {"[cpu]\nprotect = 0, 3-2\n",
     "t:2: bad protect '0, 3-2' in [cpu]: '3-2' goes backwards"},
    {"[cpu]\nprotect = 4096\n",
     "t:2: bad protect '4096' in [cpu]: '4096' goes past CPU 4095"},
    {"[cpu]\nprotect = 1-\n",
     "t:2: bad protect '1-' in [cpu]: '1-' is not a CPU number or range"},
    {"[cpu]\nprotect = 0 x\n",
     "t:2: bad protect '0 x' in [cpu]: 'x' is not a CPU number or range"},
    {"[cpu]\nprotect = -1\n",
     "t:2: bad protect '-1' in [cpu]: '-1' is not a CPU number or range"},
    {"[page]\nthreshold = 2\n[dimm]\n[page]\nthreshold = 3\n",
     "t:5: threshold in [page] is set twice (first on line 2)"},
    {"[page]\nthreshold = 2\n  window = 24h\n",
     "t:3: indented line 'window = 24h' continues threshold in [page]; only "
     "peers takes more than one line"},
    {"[page]\nthreshold\n", "t:2: not a [section] or key = value line"},
    {"[page\nthreshold = 2\n", "t:1: not a [section] or key = value line"},
    /* The first error is reported, whichever kind it is. */
    {"[page]\nnonsense\nthreshold = 0\n",
     "t:2: not a [section] or key = value line"},
    {"[page]\nthreshold = 0\nnonsense\n",
     "t:2: threshold 0 in [page]: must be 1..1024"},
    /* [dimm] map, sources, sysfs_root */
    {"[dimm]\nmap = A1 channel=0\n",
     "t:2: bad map 'A1 channel=0' in [dimm]: needs controller and channel, "
     "or start and size"},
    {"[dimm]\nmap = A1 controller=0 chanel=1\n",
     "t:2: bad map 'A1 controller=0 chanel=1' in [dimm]: 'chanel=1' is not "
     "socket=, controller=, channel=, slot=, start= or size="},
    {"[dimm]\nmap = A1 controller 0\n",
     "t:2: bad map 'A1 controller 0' in [dimm]: 'controller' is not socket=, "
     "controller=, channel=, slot=, start= or size="},
    {"[dimm]\nmap = A1 controller=x channel=0\n",
     "t:2: bad map 'A1 controller=x channel=0' in [dimm]: 'controller=x': "
     "not a number"},
    {"[dimm]\nmap = A1 controller=0 channel=256\n",
     "t:2: bad map 'A1 controller=0 channel=256' in [dimm]: 'channel=256': "
     "must be 0..255"},
    {"[dimm]\nmap = A1 controller=0 channel=-1\n",
     "t:2: bad map 'A1 controller=0 channel=-1' in [dimm]: 'channel=-1': "
     "not a number"},
    {"[dimm]\nmap = A1 controller=1K channel=0\n",
     "t:2: bad map 'A1 controller=1K channel=0' in [dimm]: 'controller=1K': "
     "not a number"},
    {"[dimm]\nmap = A1 controller=0 channel=0 channel=1\n",
     "t:2: bad map 'A1 controller=0 channel=0 channel=1' in [dimm]: channel "
     "is given twice"},
    {"[dimm]\nmap = A1 start=0x0 size=16Q\n",
     "t:2: bad map 'A1 start=0x0 size=16Q' in [dimm]: 'size=16Q': not a "
     "size: use bytes, K, M, G or T"},
    {"[dimm]\nmap = A1 start=0xg size=1G\n",
     "t:2: bad map 'A1 start=0xg size=1G' in [dimm]: 'start=0xg': not a "
     "number"},
    {"[dimm]\nmap = A1 start=0 size=0\n",
     "t:2: bad map 'A1 start=0 size=0' in [dimm]: 'size=0': must be above 0"},
    {"[dimm]\nmap = A1 start=0 size=99999999T\n",
     "t:2: bad map 'A1 start=0 size=99999999T' in [dimm]: 'size=99999999T': "
     "too large"},
    {"[dimm]\nmap = A1 start=0xffffffffffff0000 size=1M\n",
     "t:2: bad map 'A1 start=0xffffffffffff0000 size=1M' in [dimm]: the "
     "range goes past the last address"},
    {"[dimm]\nmap = A1 start=0x0\n",
     "t:2: bad map 'A1 start=0x0' in [dimm]: start and size go together"},
    {"[dimm]\nmap = A1 controller=0 channel=0\nmap = A1 controller=0 "
     "channel=1\n",
     "t:3: bad map 'A1 controller=0 channel=1' in [dimm]: label 'A1' is on "
     "line 2 too"},
    {"[dimm]\nmap = A1 start=0 size=1G\n\nmap = B1 start=0x3ff00000 "
     "size=1G\n",
     "t:4: bad map 'B1 start=0x3ff00000 size=1G' in [dimm]: its range "
     "overlaps 'A1' (line 2)"},
    {"[dimm]\nmap = \"A1 controller=0 channel=0\n",
     "t:2: bad map '\"A1 controller=0 channel=0' in [dimm]: the label has no "
     "closing quote"},
    {"[dimm]\nmap = A\"1 controller=0 channel=0\n",
     "t:2: bad map 'A\"1 controller=0 channel=0' in [dimm]: the label has a "
     "character other than printable ASCII (or a quote)"},
    {"[dimm]\nmap =\n", "t:2: map in [dimm] has no value"},
    {"[dimm]\nsources = edac bios\n",
     "t:2: bad sources 'edac bios' in [dimm]: 'bios' is not edac, smbios, "
     "labels, policy or none"},
    {"[dimm]\nsources = edac, edac\n",
     "t:2: bad sources 'edac, edac' in [dimm]: 'edac' is listed twice"},
    {"[dimm]\nsources = none policy\n",
     "t:2: bad sources 'none policy' in [dimm]: none goes alone"},
    {"[dimm]\nsources = edac\nsources = smbios\n",
     "t:3: sources in [dimm] is set twice (first on line 2)"},
    {"[dimm]\nsysfs_root = tmp/fake\n",
     "t:2: bad sysfs_root 'tmp/fake' in [dimm]: must be an absolute path"},
    /* Inline comments are stripped (inih: ';' after a blank). */
    {"[page]\nthreshold = x ; two\n",
     "t:2: bad threshold 'x' in [page]: not a number"},
};

static void check_bad_case(const struct bad_case *c)
{
	struct policy p, before;
	char err[512] = "";

	policy_defaults(&p);
	before = p;
	if (policy_load_string(&p, c->text, "t", err, sizeof(err)) == 0)
		fail_msg("accepted: %s", c->text);
	if (strcmp(err, c->error) != 0)
		fail_msg("for %s\nwant: %s\ngot:  %s", c->text, c->error, err);
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_errors(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++)
		check_bad_case(&bad_cases[i]);
}

/* Keys before the error are not applied either. */
static void test_error_leaves_policy_untouched(void **state)
{
	struct policy p, before;
	char err[256];
	const char *text =
	    "[general]\nmode = recommend\n[page]\nthreshold = 5\n"
	    "[evacuation]\npeers = a b\n[cpu]\nprotect = 1-3\n"
	    "threshold = 0\n";

	(void)state;
	policy_defaults(&p);
	before = p;
	assert_int_equal(
	    policy_load_string(&p, text, "x.conf", err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "x.conf:9: threshold 0 in [cpu]: must be 1..1024");
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_load_over_current(void **state)
{
	struct policy p;
	char err[256] = "";

	(void)state;
	policy_defaults(&p);
	p.evac_concurrent = 5;
	if (policy_load_string(&p, "[page]\nthreshold = 3 ; why\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.page.limit, 3);
	assert_int_equal(p.page.window_ms, DAY_MS);
	assert_int_equal(p.evac_concurrent, 5);
	assert_true(policy_cpu_protected(&p, 0));
}

static void test_every_value_form(void **state)
{
	struct policy p;
	char err[256] = "";
	const char *text =
	    "# comment\n; another\n"
	    "[general]\n  mode   =   recommend  \n"
	    "[page]\naction = recommend\n"
	    "offline_on_uncorrected = OFF\n"
	    "max_offlined = 4294967295\nmax_share = 12.5%\n"
	    "[dimm]\naction = off\nwindow = 90s\n"
	    "[socket]\nthreshold = 1024\nwindow = 500ms\n"
	    "[cpu]\naction = recommend\nwindow = 7d\n"
	    "[evacuation]\nmax_per_hour = 3600\nconcurrent = 64\n";

	(void)state;
	policy_defaults(&p);
	if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_true(p.recommend_only);
	assert_int_equal(p.page_action, POLICY_RECOMMEND);
	assert_false(p.page_offline_on_uncorrected);
	assert_int_equal(p.page_max_offlined, UINT32_MAX);
	assert_int_equal(p.page_max_share_ppm, 125000);
	assert_int_equal(p.dimm_action, POLICY_OFF);
	assert_int_equal(p.dimm.window_ms, 90000);
	assert_int_equal(p.socket.limit, 1024);
	assert_int_equal(p.socket.window_ms, 500);
	assert_int_equal(p.cpu_action, POLICY_RECOMMEND);
	assert_int_equal(p.core.window_ms, 7 * DAY_MS);
	assert_int_equal(p.evac_max_per_hour, 3600);
	assert_int_equal(p.evac_concurrent, 64);
}

/*
 * Every key set to a value no other key of its type has, over actions
 * that start out rotated: a rule that names the wrong field shows.
 */
static void test_each_key_its_field(void **state)
{
	struct policy p, expected;
	char err[256] = "";
	const char *text = "[general]\nmode = recommend\n"
	                   "[page]\nthreshold = 3\nwindow = 1h\n"
	                   "action = recommend\noffline_on_uncorrected = no\n"
	                   "max_offlined = 5\nmax_share = 0.5%\n"
	                   "[dimm]\nthreshold = 4\nwindow = 2h\naction = off\n"
	                   "sysfs_root = /x\nsources = smbios\n"
	                   "map = M controller=1 channel=2\n"
	                   "[socket]\nthreshold = 6\nwindow = 3h\n"
	                   "[cpu]\nthreshold = 7\nwindow = 4h\n"
	                   "action = offline\nprotect = 9\n"
	                   "[evacuation]\npeers = h1\nmax_per_hour = 8\n"
	                   "concurrent = 2\n"
	                   "[page]\nevacuate_owner = evacuate\n"
	                   "hard_offline_uncorrected = yes\n"
	                   "[telemetry]\nselftest = no\nselftest_timeout = 9s\n"
	                   "selftest_bank = 2\nselftest_cpu = 3\n"
	                   "[health]\nyellow = quarantine\nred = evacuate\n"
	                   "hook = /h\nuncorrected_hold = 1h\n"
	                   "psu_redundant = no\n"
	                   "[ipmi]\ninterface = lan\ndevice = 1\nhost = bmc1\n"
	                   "port = 624\ncredentials = /c\nsel_poll = 1s\n"
	                   "sensor_poll = 2s\nretry_max = 3s\n"
	                   "correlate_window = 4s\n"
	                   "[sensors]\nenable = yes\ninterval = 5s\n"
	                   "config = /s\nhysteresis_temp = 1.5C\n"
	                   "hysteresis_other = 5%\nlimit = * fan1 min=400\n"
	                   "[pcie]\nthreshold = 5\nwindow = 10m\n"
	                   "nonfatal = red\nhold = 2h\n";

	(void)state;
	policy_defaults(&p);
	p.page_action = POLICY_ACT;
	p.dimm_action = POLICY_RECOMMEND;
	p.cpu_action = POLICY_OFF;
	if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	memset(&expected, 0, sizeof(expected));
	expected.recommend_only = true;
	expected.page.limit = 3;
	expected.page.window_ms = 3600 * 1000;
	expected.page_action = POLICY_RECOMMEND;
	expected.page_offline_on_uncorrected = false;
	expected.page_max_offlined = 5;
	expected.page_max_share_ppm = 5000;
	expected.dimm.limit = 4;
	expected.dimm.window_ms = 2 * 3600 * 1000;
	expected.dimm_action = POLICY_OFF;
	snprintf(expected.dimm_sysfs_root, sizeof(expected.dimm_sysfs_root),
	         "/x");
	expected.dimm_sources = 1u << DIMM_SRC_SMBIOS;
	snprintf(expected.dimm_map[0].label, sizeof(expected.dimm_map[0].label),
	         "M");
	expected.dimm_map[0].socket = -1;
	expected.dimm_map[0].controller = 1;
	expected.dimm_map[0].channel = 2;
	expected.dimm_map[0].slot = -1;
	expected.n_dimm_map = 1;
	expected.socket.limit = 6;
	expected.socket.window_ms = 3 * 3600 * 1000;
	expected.core.limit = 7;
	expected.core.window_ms = 4 * 3600 * 1000;
	expected.cpu_action = POLICY_ACT;
	expected.cpu_protected[1] = 1 << 1; /* CPU 9 */
	snprintf(expected.peers[0], sizeof(expected.peers[0]), "h1");
	expected.n_peers = 1;
	expected.evac_max_per_hour = 8;
	expected.evac_concurrent = 2;
	expected.page_evacuate_owner = POLICY_ACT;
	expected.page_hard_offline_uncorrected = true;
	snprintf(expected.selftest, sizeof(expected.selftest), "no");
	expected.selftest_timeout_ms = 9000;
	expected.selftest_bank = 2;
	expected.selftest_cpu = 3;
	snprintf(expected.health_yellow, sizeof(expected.health_yellow),
	         "quarantine");
	snprintf(expected.health_red, sizeof(expected.health_red), "evacuate");
	snprintf(expected.health_hook, sizeof(expected.health_hook), "/h");
	expected.health_ue_hold_ms = 3600 * 1000;
	expected.psu_redundant = false;
	snprintf(expected.ipmi_interface, sizeof(expected.ipmi_interface),
	         "lan");
	expected.ipmi_smi = 1;
	snprintf(expected.ipmi_host, sizeof(expected.ipmi_host), "bmc1");
	expected.ipmi_port = 624;
	snprintf(expected.ipmi_credentials, sizeof(expected.ipmi_credentials),
	         "/c");
	expected.ipmi_sel_poll_ms = 1000;
	expected.ipmi_sensor_poll_ms = 2000;
	expected.ipmi_retry_max_ms = 3000;
	expected.ipmi_correlate_window_ms = 4000;
	expected.sensors_enable = true;
	expected.sensors_interval_ms = 5000;
	snprintf(expected.sensors_config, sizeof(expected.sensors_config),
	         "/s");
	expected.sensors_hysteresis_temp = 1.5;
	expected.sensors_hysteresis_frac = 0.05;
	snprintf(expected.sensor_limits[0], sizeof(expected.sensor_limits[0]),
	         "* fan1 min=400");
	expected.n_sensor_limits = 1;
	expected.pcie_storm.limit = 5;
	expected.pcie_storm.window_ms = 600 * 1000;
	snprintf(expected.pcie_nonfatal, sizeof(expected.pcie_nonfatal), "red");
	expected.pcie_hold_ms = 2 * 3600 * 1000;
	assert_policy_equal(&p, &expected);
	assert_string_equal(p.sensor_limits[0], expected.sensor_limits[0]);
}

static void test_booleans(void **state)
{
	static const struct {
		const char *word;
		bool value;
	} words[] = {
	    {"yes", true},    {"no", false}, {"true", true},
	    {"false", false}, {"on", true},  {"off", false},
	};
	struct policy p;
	char text[128], err[256] = "";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		policy_defaults(&p);
		p.page_offline_on_uncorrected = !words[i].value;
		snprintf(text, sizeof(text),
		         "[page]\noffline_on_uncorrected = %s\n",
		         words[i].word);
		if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(p.page_offline_on_uncorrected, words[i].value);
	}
}

static void test_durations(void **state)
{
	static const struct {
		const char *text;
		uint64_t ms;
	} good[] = {
	    {"24h", DAY_MS},    {"30m", 1800000},
	    {"90s", 90000},     {"500ms", 500},
	    {"7d", 7 * DAY_MS}, {"1ms", 1},
	    {"001s", 1000},     {"213503982334d", 213503982334ULL * DAY_MS},
	};
	static const char *const bad[] = {
	    "24",
	    "0s",
	    "0ms",
	    "",
	    "h",
	    "-1h",
	    "1.5h",
	    "24 h",
	    "1y",
	    "24H",
	    " 24h",
	    "213503982335d",
	    "99999999999999999999ms",
	};
	uint64_t ms;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ms = 0;
		if (policy_parse_duration(good[i].text, &ms) != 0)
			fail_msg("refused %s", good[i].text);
		assert_int_equal(ms, good[i].ms);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ms = 12345;
		if (policy_parse_duration(bad[i], &ms) == 0)
			fail_msg("accepted '%s'", bad[i]);
		assert_int_equal(ms, 12345);
	}
	assert_int_equal(policy_parse_duration(NULL, &ms), -1);
	assert_int_equal(policy_parse_duration("1s", NULL), -1);
}

static void test_shares(void **state)
{
	static const struct {
		const char *text;
		uint32_t ppm;
	} good[] = {
	    {"0.1%", 1000},    {"100%", 1000000}, {"0.0001%", 1},
	    {"12.5%", 125000}, {"1.25%", 12500},  {"100.0000%", 1000000},
	    {"3%", 30000},
	};
	struct policy p;
	char text[128], err[256] = "";
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		policy_defaults(&p);
		snprintf(text, sizeof(text), "[page]\nmax_share = %s\n",
		         good[i].text);
		if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
			fail_msg("%s", err);
		assert_int_equal(p.page_max_share_ppm, good[i].ppm);
	}
}

static void test_protect_ranges(void **state)
{
	struct policy p;
	char err[256] = "";
	uint32_t cpu;

	(void)state;
	policy_defaults(&p);
	if (policy_load_string(&p, "[cpu]\nprotect = 1, 4-6,9 4095\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	for (cpu = 0; cpu < POLICY_MAX_CPUS; cpu++) {
		bool want = cpu == 1 || (cpu >= 4 && cpu <= 6) || cpu == 9 ||
		            cpu == 4095;

		assert_int_equal(policy_cpu_protected(&p, cpu), want);
	}
	assert_false(policy_cpu_protected(&p, POLICY_MAX_CPUS));
	assert_false(policy_cpu_protected(NULL, 0));

	/* Empty: nothing protected, the list replaces the old one. */
	if (policy_load_string(&p, "[cpu]\nprotect =\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	for (cpu = 0; cpu < POLICY_MAX_CPUS; cpu++)
		assert_false(policy_cpu_protected(&p, cpu));

	if (policy_load_string(&p, "[cpu]\nprotect = 0-4095\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	for (cpu = 0; cpu < POLICY_MAX_CPUS; cpu++)
		assert_true(policy_cpu_protected(&p, cpu));
}

static void test_peers(void **state)
{
	struct policy p;
	char err[256] = "";
	const char *sixteen = "[evacuation]\npeers = a b c d e f g h\n"
	                      "  i,j,k,l m n o p\n";

	(void)state;
	policy_defaults(&p);
	if (policy_load_string(&p,
	                       "[evacuation]\npeers = xen-b, xen-c  "
	                       "host.example.org\n  X_1\n",
	                       "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_peers, 4);
	assert_string_equal(p.peers[0], "xen-b");
	assert_string_equal(p.peers[1], "xen-c");
	assert_string_equal(p.peers[2], "host.example.org");
	assert_string_equal(p.peers[3], "X_1");

	if (policy_load_string(&p, sixteen, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_peers, POLICY_MAX_PEERS);
	assert_string_equal(p.peers[15], "p");

	if (policy_load_string(&p, "[evacuation]\npeers =\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_peers, 0);

	/* A continuation past the cap is refused on its own line. */
	assert_int_equal(policy_load_string(&p,
	                                    "[evacuation]\npeers = a b c d e f "
	                                    "g h i j k l m n o p\n\n  q\n",
	                                    "t", err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t:4: bad peers 'q' in [evacuation]: more "
	                         "than 16 peers");
}

/* Line numbers are physical lines even past an over-long line. */
static void test_dimm_map(void **state)
{
	struct policy p;
	char err[256] = "";
	const char *text =
	    "[dimm]\nsysfs_root = /tmp/fake\nsources = policy, edac\n"
	    "map = CPU0_A1 socket=0 controller=0 channel=0 slot=0 "
	    "start=0 size=16G\n"
	    "map = \"CPU1 B2\" socket=1 controller=3 channel=2\n"
	    "map = X start=0x400000000 size=512M\n";
	const struct dimm_policy *e;

	(void)state;
	policy_defaults(&p);
	if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_string_equal(p.dimm_sysfs_root, "/tmp/fake");
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_EDAC));
	assert_false(policy_dimm_source_trusted(&p, DIMM_SRC_SMBIOS));
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_POLICY));
	assert_int_equal(p.n_dimm_map, 3);
	e = &p.dimm_map[0];
	assert_string_equal(e->label, "CPU0_A1");
	assert_int_equal(e->socket, 0);
	assert_int_equal(e->controller, 0);
	assert_int_equal(e->channel, 0);
	assert_int_equal(e->slot, 0);
	assert_int_equal(e->start, 0);
	assert_int_equal(e->size, 16ULL << 30);
	e = &p.dimm_map[1];
	assert_string_equal(e->label, "CPU1 B2");
	assert_int_equal(e->socket, 1);
	assert_int_equal(e->controller, 3);
	assert_int_equal(e->channel, 2);
	assert_int_equal(e->slot, -1);
	assert_int_equal(e->size, 0);
	e = &p.dimm_map[2];
	assert_int_equal(e->socket, -1);
	assert_int_equal(e->controller, -1);
	assert_int_equal(e->start, 0x400000000ULL);
	assert_int_equal(e->size, 512ULL << 20);

	/* A file's map replaces the running one; none trusts no source. */
	if (policy_load_string(&p,
	                       "[dimm]\nsources = none\n"
	                       "map = N controller=0x1 channel=1\n",
	                       "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_dimm_map, 1);
	assert_string_equal(p.dimm_map[0].label, "N");
	assert_int_equal(p.dimm_map[0].controller, 1);
	assert_false(policy_dimm_source_trusted(&p, DIMM_SRC_EDAC));
	assert_false(policy_dimm_source_trusted(&p, DIMM_SRC_POLICY));
	assert_true(policy_dimm_source_trusted(&p, DIMM_SRC_GUESS));
	/* A file without map lines keeps the map loaded over. */
	if (policy_load_string(&p, "[dimm]\nthreshold = 4\n", "t", err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_dimm_map, 1);
}

/* 256 map lines fit; the 257th is refused on its own line. */
static void test_dimm_map_bound(void **state)
{
	struct policy p;
	size_t len = 16 + (POLICY_MAX_DIMMS + 1) * 48, n = 0;
	char *text = malloc(len), err[256] = "";
	int i;

	(void)state;
	assert_non_null(text);
	n += (size_t)snprintf(text + n, len - n, "[dimm]\n");
	for (i = 0; i < POLICY_MAX_DIMMS + 1; i++)
		n += (size_t)snprintf(text + n, len - n,
		                      "map = D%d controller=%d channel=%d\n", i,
		                      i / 16, i % 16);
	policy_defaults(&p);
	assert_int_equal(policy_load_string(&p, text, "t", err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t:258: bad map 'D256 controller=16 "
	                         "channel=0' in [dimm]: more than 256 map "
	                         "lines");
	/* Without the last line it loads. */
	*strstr(text, "map = D256") = '\0';
	if (policy_load_string(&p, text, "t", err, sizeof(err)) != 0)
		fail_msg("%s", err);
	assert_int_equal(p.n_dimm_map, POLICY_MAX_DIMMS);
	assert_string_equal(p.dimm_map[255].label, "D255");
	free(text);
}

static void test_long_lines(void **state)
{
	struct policy p;
	char text[1024], err[256] = "";
	size_t n;

	(void)state;
	policy_defaults(&p);
	/* inih's buffer is 200 bytes: 198 characters, '\n' and NUL. */
	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'x', 197);
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, "\n[page]\nfoo = 1\n");
	assert_int_equal(policy_load_string(&p, text, "t", err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t:3: unknown key 'foo' in [page]");

	memset(text, 0, sizeof(text));
	text[0] = '#';
	memset(text + 1, 'x', 198);
	n = strlen(text);
	snprintf(text + n, sizeof(text) - n, "\n[page]\nfoo = 1\n");
	assert_int_equal(policy_load_string(&p, text, "t", err, sizeof(err)),
	                 -1);
	assert_string_equal(err, "t:1: line is longer than 198 characters");
}

static void write_file(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

/* The temp file is removed by teardown even when an assertion fails. */
static int setup_temp_file(void **state)
{
	char *path = strdup("/tmp/rasd-policy-XXXXXX");
	int fd;

	if (path == NULL)
		return -1;
	fd = mkstemp(path);
	if (fd < 0) {
		free(path);
		return -1;
	}
	close(fd);
	*state = path;
	return 0;
}

static int teardown_temp_file(void **state)
{
	unlink(*state);
	free(*state);
	return 0;
}

static void test_file_errors(void **state)
{
	struct policy p, before;
	const char *path = *state;
	char text[1024], want[512], err[512] = "";

	policy_defaults(&p);
	before = p;
	assert_int_equal(
	    policy_load_file(&p, "/nonexistent/rasd.conf", err, sizeof(err)),
	    -1);
	assert_string_equal(err, "/nonexistent/rasd.conf: cannot open: No such "
	                         "file or directory");

	/* A 300-character line, then an error two lines later. */
	memset(text, 0, sizeof(text));
	memcpy(text, "[page]\n#", 8);
	memset(text + 8, 'y', 299);
	strcat(text, "\n\nwindow = 24\n");
	write_file(path, text, strlen(text));
	assert_int_equal(policy_load_file(&p, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: line is longer than 198 characters",
	         path);
	assert_string_equal(err, want);

	memset(text, 0, sizeof(text));
	memcpy(text, "[page]\n#", 8);
	memset(text + 8, 'y', 197);
	strcat(text, "\n\nwindow = 24\n");
	write_file(path, text, strlen(text));
	assert_int_equal(policy_load_file(&p, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	         "%s:4: bad window '24' in [page]: needs a unit: 24h, 30m, 90s",
	         path);
	assert_string_equal(err, want);

	write_file(path, "[page]\nthreshold = 1\0\n", 22);
	assert_int_equal(policy_load_file(&p, path, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:2: line has a NUL byte", path);
	assert_string_equal(err, want);

	assert_int_equal(policy_load_file(&p, "/tmp", err, sizeof(err)), -1);
	assert_string_equal(err, "/tmp: cannot read: Is a directory");

	/* No newline at the end of the last line is fine. */
	write_file(path, "[page]\nthreshold = 9", 20);
	assert_int_equal(policy_load_file(&p, path, err, sizeof(err)), 0);
	assert_int_equal(p.page.limit, 9);
	p.page.limit = before.page.limit;
	assert_memory_equal(&p, &before, sizeof(p));
}

static void test_misuse(void **state)
{
	struct policy p;
	char err[128] = "";

	(void)state;
	policy_defaults(&p);
	assert_int_equal(policy_load_string(NULL, "", "t", err, sizeof(err)),
	                 -1);
	assert_int_equal(policy_load_string(&p, NULL, "t", err, sizeof(err)),
	                 -1);
	assert_int_equal(policy_load_file(&p, NULL, err, sizeof(err)), -1);
	assert_int_equal(policy_load_string(&p, "[x]\ny=1\n", NULL, NULL, 0),
	                 -1);
	assert_int_equal(
	    policy_load_string(&p, "[x]\ny=1\n", NULL, err, sizeof(err)), -1);
	assert_string_equal(err, "<string>:2: unknown section [x]");
	assert_int_equal(policy_load_string(&p, "", "t", err, sizeof(err)), 0);
}

static void test_action_names(void **state)
{
	(void)state;
	assert_string_equal(policy_action_name(POLICY_ACT), "act");
	assert_string_equal(policy_action_name(POLICY_RECOMMEND), "recommend");
	assert_string_equal(policy_action_name(POLICY_OFF), "off");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults_values),
	    cmocka_unit_test(test_default_conf_is_defaults),
	    cmocka_unit_test(test_demo_conf),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_error_leaves_policy_untouched),
	    cmocka_unit_test(test_load_over_current),
	    cmocka_unit_test(test_every_value_form),
	    cmocka_unit_test(test_each_key_its_field),
	    cmocka_unit_test(test_booleans),
	    cmocka_unit_test(test_durations),
	    cmocka_unit_test(test_shares),
	    cmocka_unit_test(test_protect_ranges),
	    cmocka_unit_test(test_peers),
	    cmocka_unit_test(test_dimm_map),
	    cmocka_unit_test(test_dimm_map_bound),
	    cmocka_unit_test(test_long_lines),
	    cmocka_unit_test_setup_teardown(test_file_errors, setup_temp_file,
	                                    teardown_temp_file),
	    cmocka_unit_test(test_misuse),
	    cmocka_unit_test(test_action_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

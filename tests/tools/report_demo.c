/* report_demo.c - writes a dashboard for a host with one failing DIMM,
 * for tests/integration/test_report.sh: report_demo DIR [PNG TITLE]... */
#include <stdio.h>
#include <stdlib.h>

#include "rasd/publish/report.h"

#define NOW_MS 1700000000000LL
#define MIN_MS 60000LL

static const struct report_dimm dimms[] = {
    {"CPU0_DIMM_A0", 0, 0, 0, 0, "ok", 0, 0, 0, 8},
    {"CPU0_DIMM_A1", 0, 0, 0, 1, "ok", 2, 0, 1, 8},
    {"CPU0_DIMM_B0", 0, 0, 1, 0, "degraded", 41, 0, 5, 8},
    {"CPU0_DIMM_B1", 0, 0, 1, 1, "failing", 1289, 1, 9, 8},
    {"CPU0_DIMM_C0", 0, 1, 0, 0, "ok", 0, 0, 0, 8},
    {"CPU0_DIMM_D0", 0, 1, 1, 0, "ok", 0, 0, 0, 8},
    {"CPU1_DIMM_A0", 1, 0, 0, 0, "evacuated", 310, 0, 8, 8},
    {"CPU1_DIMM_B0", 1, 0, 1, 0, "ok", 0, 0, 0, 8},
    {"CPU1_DIMM_C0", 1, 1, 0, 0, "evacuating", 96, 0, 8, 8},
    {"CPU1_DIMM_D0", 1, 1, 1, 0, "ok", 3, 0, 1, 8},
};

static const struct report_cpu cpus[] = {
    {0, 0, 0, true, true, 0},    {1, 0, 1, true, false, 0},
    {2, 0, 2, false, false, 14}, {3, 0, 3, true, false, 2},
    {4, 1, 0, true, false, 0},   {5, 1, 1, true, false, 0},
    {6, 1, 2, true, false, 0},   {7, 1, 3, true, false, 0},
};

static const struct report_event events[] = {
    {NOW_MS - 1 * MIN_MS, "corrected", "memory", "CPU0_DIMM_B1", true, 0x40007,
     "corrected memory read error, channel 1 slot 1"},
    {NOW_MS - 2 * MIN_MS, "uncorrected", "memory", "CPU0_DIMM_B1", true,
     0x40003, "UCNA: uncorrected, no action required"},
    {NOW_MS - 5 * MIN_MS, "corrected", "cache", NULL, false, 0,
     "L2 cache error on cpu 2 <script>alert(1)</script>"},
    {NOW_MS - 9 * MIN_MS, "corrected", "memory", "CPU0_DIMM_B0", true, 0x21a00,
     "corrected memory scrub error"},
};

static const struct report_action actions[] = {
    {NOW_MS - 1 * MIN_MS, "migrate", "running", "4", "peer-b",
     "evacuating g4 off CPU0_DIMM_B1"},
    {NOW_MS - 2 * MIN_MS, "migrate", "failed", "3", "peer-a",
     "peer peer-a: connection refused"},
    {NOW_MS - 2 * MIN_MS, "page_offline", "done", "0x40003", NULL,
     "offlined; owned by domain 3 (g3)"},
    {NOW_MS - 7 * MIN_MS, "cpu_offline", "done", "2", NULL,
     "core 2 over its threshold: 14 errors in 24h"},
};

int main(int argc, char **argv)
{
	struct report_graph graphs[8];
	struct report_data rd = {
	    .host = "xen-host-07",
	    .health = "failing",
	    .generated_ms = NOW_MS,
	    .counts = {1663, 9, 1, 3, 1},
	    .dimms = dimms,
	    .n_dimms = sizeof(dimms) / sizeof(dimms[0]),
	    .cpus = cpus,
	    .n_cpus = sizeof(cpus) / sizeof(cpus[0]),
	    .events = events,
	    .n_events = sizeof(events) / sizeof(events[0]),
	    .actions = actions,
	    .n_actions = sizeof(actions) / sizeof(actions[0]),
	    .graphs = graphs,
	};
	char err[512];
	int i;

	if (argc < 2 || argc % 2 != 0) {
		fprintf(stderr, "usage: report_demo DIR [PNG TITLE]...\n");
		return 2;
	}
	for (i = 2; i + 1 < argc && rd.n_graphs < 8; i += 2) {
		graphs[rd.n_graphs].file = argv[i];
		graphs[rd.n_graphs].title = argv[i + 1];
		rd.n_graphs++;
	}
	if (report_write_html(argv[1], &rd, err, sizeof(err)) < 0) {
		fprintf(stderr, "report_demo: %s\n", err);
		return 1;
	}
	printf("%s/index.html\n", argv[1]);
	return 0;
}

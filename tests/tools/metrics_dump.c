/* metrics_dump.c - writes a representative metrics snapshot to a path so
 * the integration test can validate it with the real promtool. */
#include <stdio.h>

#include "rasd/publish/metrics.h"

static const struct metrics_event_count events[] = {
    {"corrected", "memory", 41},
    {"ucna", "memory", 1},
    {"corrected", "cache", 6},
    {"fatal", "bus", 0},
};

/* One failing DIMM whose SMBIOS label has a quote, a backslash and all. */
static const struct metrics_dimm dimms[] = {
    {"CPU0_DIMM_A1", 0, 0, 0, 0, METRICS_DIMM_OK, 0, 0, 0, 8, 0, 0},
    {"CPU0_DIMM_B1", 0, 0, 1, 1, METRICS_DIMM_DEGRADED, 5, 0, 3, 8, 1, 3},
    {"CPU1 \"slot 3\" \\ A", 1, 1, 0, 0, METRICS_DIMM_FAILING, 36, 1, 9, 8, 2,
     9},
    {"CPU1_DIMM_B1", 1, 1, 1, 1, METRICS_DIMM_EVACUATED, 0, 0, 0, 8, 0, 0},
};

static const struct metrics_cpu cpus[] = {
    {0, 0, 0, true, true, 0},
    {1, 0, 1, true, false, 0},
    {2, 1, 0, false, false, 6},
    {3, 1, 0, true, false, 6}, /* cpu 2's SMT sibling */
};

static const struct metrics_socket sockets[] = {
    {0, 5, false},
    {1, 36, true},
};

int main(int argc, char **argv)
{
	struct metrics_snapshot s = {
	    .host = "xen-host-07",
	    .up = true,
	    .now_s = 1765000000.0,
	    .start_s = 1764990000.0,
	    .version = "0.1.0",
	    .backend = "xen",
	    .telemetry_state = "inoperative",
	    .health = METRICS_HEALTH_FAILING,
	    .records_read = 48,
	    .records_invalid = 2,
	    .source_overflows = 1,
	    .pages_offlined = 9,
	    .cpus_offlined = 1,
	    .guests_evacuated = 3,
	    .migrations_failed = 1,
	    .actions_failed = 1,
	    .events = events,
	    .n_events = sizeof(events) / sizeof(events[0]),
	    .dimms = dimms,
	    .n_dimms = sizeof(dimms) / sizeof(dimms[0]),
	    .cpus = cpus,
	    .n_cpus = sizeof(cpus) / sizeof(cpus[0]),
	    .sockets = sockets,
	    .n_sockets = sizeof(sockets) / sizeof(sockets[0]),
	};
	struct metrics_writer *w;
	char err[512];
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: metrics_dump PATH\n");
		return 2;
	}
	if ((w = metrics_open(argv[1], 0, err, sizeof(err))) == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	rc = metrics_write_now(w, &s, 0, err, sizeof(err));
	if (rc == -1)
		fprintf(stderr, "%s\n", err);
	metrics_close(w);
	return rc == -1;
}

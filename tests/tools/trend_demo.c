/* trend_demo.c - feeds a simulated day of errors through trend.c and
 * renders its graphs, for the dashboard test: trend_demo DIR END_S */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "rasd/publish/trend.h"

static const char *const labels[] = {"CPU0_DIMM_A0", "CPU0_DIMM_A1",
                                     "CPU0_DIMM_B0", "CPU0_DIMM_B1"};
static const char *const sensors[] = {"CPU0 package", "CPU1 package"};

/* Errors per minute for DIMM I at minute M: B1 goes bad after noon. */
static uint64_t errors_at(size_t i, int m)
{
	if (i == 3)
		return m < 720 ? 1 : 1 + (uint64_t)(m - 720) / 40;
	if (i == 2)
		return m % 7 == 0;
	return i == 1 && m % 90 == 0;
}

static void feed(struct trend *t, int64_t start)
{
	uint64_t ce[4] = {0}, sock = 0;
	size_t i;
	int m;

	for (m = 0; m <= 1440; m++) {
		int64_t now = start + 60LL * m;
		for (i = 0; i < 4; i++) {
			trend_update_dimm(t, labels[i], now, ce[i], i == 3,
			                  i == 3 ? (uint64_t)m / 160 : 0);
			ce[i] += errors_at(i, m);
		}
		trend_update_socket(t, 0, now, sock);
		sock += ce[3] % 5;
		trend_update_sensor(t, sensors[0], now, 55 + (m % 120) / 12.0);
		trend_update_sensor(t, sensors[1], now, 48 + (m % 60) / 20.0);
		if (m % 60 == 0)
			trend_flush(t);
	}
	trend_flush(t);
}

static int graphs(const char *dir, int64_t start, int64_t end)
{
	char png[4096], err[512];

	snprintf(png, sizeof(png), "%s/dimm-CPU0_DIMM_B1.png", dir);
	if (trend_graph_dimm(dir, labels[3], png, start, end, 8, 86400, err,
	                     sizeof(err)) < 0)
		goto fail;
	snprintf(png, sizeof(png), "%s/socket-0.png", dir);
	if (trend_graph_socket_dimms(dir, 0, labels, 4, png, start, end, err,
	                             sizeof(err)) < 0)
		goto fail;
	snprintf(png, sizeof(png), "%s/temperatures.png", dir);
	if (trend_graph_sensor(dir, sensors, 2, png, start, end, err,
	                       sizeof(err)) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "trend_demo: %s\n", err);
	return -1;
}

int main(int argc, char **argv)
{
	struct trend *t;
	char err[512];
	int64_t end;

	if (argc != 3) {
		fprintf(stderr, "usage: trend_demo DIR END_S\n");
		return 2;
	}
	end = strtoll(argv[2], NULL, 10) / 60 * 60;
	t = trend_open(argv[1], NULL, 0, err, sizeof(err));
	if (t == NULL) {
		fprintf(stderr, "trend_demo: %s\n", err);
		return 1;
	}
	feed(t, end - 86400);
	trend_close(t);
	return graphs(argv[1], end - 86400, end) < 0;
}

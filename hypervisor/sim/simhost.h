/* simhost.h - the simulated host as its own process: rasd-simhost serves
 * one scenario's machine to whichever daemon attaches, and outlives it. */
#ifndef RASD_SIMHOST_H
#define RASD_SIMHOST_H

#include <stddef.h>
#include <stdint.h>

#include "../hv.h"

struct simhost_options {
	const char *scenario; /* the scenario file it plays */
	const char *socket;   /* where it listens; see simhost_proto.h */
	const char *call_log; /* every hypervisor call, one per line */
	uint64_t start_ms;    /* virtual time at start; 0: the wall clock */
	uint32_t speed;       /* virtual ms per real ms */
	/* exit after this long (real ms) with no daemon attached; 0: never */
	uint64_t idle_exit_ms;
	int ready_fd; /* "ok\n" or the error goes here once set up; -1 */
	/*
	 * A file of binary records (the scenario's record length) written
	 * into the device as fast as the daemon reads it, never dropped:
	 * the benchmark's source. feed_stats gets what it measured.
	 */
	const char *feed;
	const char *feed_stats;
	/* records per second the feed is written at; 0: as fast as read */
	uint64_t feed_rate;
};

/*
 * Set up the host (scenario, socket, FIFO, register page) and serve until
 * SIGTERM, SIGINT, a QUIT request or the idle timeout. Returns 0, or -1
 * with the reason in err (also written to ready_fd when set up failed).
 */
int simhost_serve(const struct simhost_options *o, char *err, size_t errlen);

/*
 * The daemon's side (sim_client.c): attach to the host listening on
 * opts->sim_socket, starting one for `scenario` if none listens.
 */
struct hv *hv_sim_attach(const char *scenario, const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen);

/* The attached host's clock, for the daemon to run on: 0, or -1 when hv
 * is not an attached host. */
int hv_sim_clock(struct hv *hv, struct clock *out);

/* True when hv is an attached host whose timeline is already played (a
 * daemon restarted after the end). */
int hv_sim_scenario_done(struct hv *hv);

#endif

/* metrics.h - Prometheus text metrics (format 0.0.4) for node_exporter's
 * textfile collector: a snapshot in, one file out, replaced atomically. */
#ifndef RASD_METRICS_H
#define RASD_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The snapshot is plain data the caller fills from whatever it keeps; the
 * writer never looks at the daemon. Strings and arrays are borrowed for
 * the duration of one call. Each (severity, kind) pair, DIMM label, cpu
 * and socket must appear once: Prometheus rejects duplicate series.
 */
enum metrics_health {
	METRICS_HEALTH_OK,
	METRICS_HEALTH_DEGRADED,
	METRICS_HEALTH_FAILING,
};

enum metrics_dimm_state {
	METRICS_DIMM_OK,
	METRICS_DIMM_DEGRADED,
	METRICS_DIMM_FAILING,
	METRICS_DIMM_EVACUATING,
	METRICS_DIMM_EVACUATED,
};

struct metrics_event_count {
	const char *severity; /* "corrected", "fatal", ... */
	const char *kind;     /* "memory", "cache", ... */
	uint64_t count;
};

struct metrics_dimm {
	const char *label; /* "DIMM_A1"; any bytes, escaped on output */
	uint32_t socket;
	/* EDAC's memory controller (node_exporter's node_edac_* label
	 * "controller") and row: the DIMM's slot, EDAC's csrow for the
	 * one-row-per-slot layouts its csrow view exposes */
	uint32_t controller;
	uint32_t csrow;
	uint32_t channel;
	enum metrics_dimm_state state;
	uint64_t corrected_total;
	uint64_t uncorrected_total;
	uint64_t pages_in_window; /* distinct pages in the current window */
	uint64_t pages_threshold; /* the policy's limit for that window */
	uint8_t fault_mode;       /* enum dram_mode (mce/dram.h) */
	uint32_t cells_in_window; /* distinct DRAM cells behind it */
};

/*
 * core_errors_total is the core's, shared by its SMT siblings: it is
 * written once per (socket, core), from the first CPU of the core in the
 * array, so that sum() over cores counts each error once.
 */
struct metrics_cpu {
	uint32_t cpu;
	uint32_t socket;
	uint32_t core;
	bool online;
	bool protected; /* the policy never offlines it */
	uint64_t core_errors_total;
};

struct metrics_socket {
	uint32_t socket;
	uint64_t corrected_total;
	bool degraded;
};

/* A PCIe or CXL device that logged errors (rasd/devices.c). */
struct metrics_device {
	const char *source; /* "aer", "cxl" */
	const char *device; /* "0000:3b:00.0", "mem0" */
	uint64_t corrected_total;
	uint64_t nonfatal_total; /* uncorrected, non-fatal (or unknown) */
	uint64_t fatal_total;
	bool storm; /* its corrected errors are over [pcie] threshold */
};

struct metrics_snapshot {
	const char *host; /* NULL or "": no rasd_info sample */
	/* the heartbeat: 1 while rasd runs (0 in its last write), the wall
	 * time of this write and of rasd's start, for alerts on a stale file */
	bool up;
	double now_s;
	double start_s;
	const char *version; /* rasd_build_info */
	const char *backend;
	/* machine-check telemetry's self-test: "ok", "inoperative", ... */
	const char *telemetry_state;
	enum metrics_health health;
	uint64_t records_read;
	uint64_t records_invalid;
	uint64_t source_overflows;
	uint64_t pages_offlined;
	uint64_t cpus_offlined;
	uint64_t guests_evacuated;
	uint64_t migrations_failed;
	uint64_t actions_failed;
	const struct metrics_event_count *events;
	size_t n_events;
	const struct metrics_dimm *dimms;
	size_t n_dimms;
	const struct metrics_cpu *cpus;
	size_t n_cpus;
	const struct metrics_socket *sockets;
	size_t n_sockets;
	const struct metrics_device *devices;
	size_t n_devices;
};

struct metrics_writer;

/*
 * A writer for `path` (node_exporter reads only *.prom files) that writes
 * at most once per `min_interval_ms`. NULL with a message on failure.
 */
struct metrics_writer *metrics_open(const char *path, uint64_t min_interval_ms,
                                    char *err, size_t errlen);
void metrics_close(struct metrics_writer *w);

/*
 * Write if the snapshot differs from what was last written and
 * `min_interval_ms` has passed since the last attempt (the first call
 * always may). Returns 1 written, 0 nothing to do yet, -1 failed (message
 * in err; the old file is left as it was). Call it again later, from a
 * timer, to flush a change that came too soon.
 */
int metrics_maybe_write(struct metrics_writer *w,
                        const struct metrics_snapshot *s, uint64_t now_ms,
                        char *err, size_t errlen);
/* Write now, changed or not. 0 or -1 with a message. */
int metrics_write_now(struct metrics_writer *w,
                      const struct metrics_snapshot *s, uint64_t now_ms,
                      char *err, size_t errlen);

/* The exposition text for a snapshot, malloc'd and NUL-terminated. */
char *metrics_render(const struct metrics_snapshot *s, size_t *len);

/* "ok", "failing", ... -> state; -1 for an unknown name. */
int metrics_dimm_state_parse(const char *name);

#endif

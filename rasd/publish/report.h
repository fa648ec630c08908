/* report.h - the static HTML dashboard (rasctl report --html DIR): host
 * health, a DIMM map, CPUs, recent events and actions, and the graphs. */
#ifndef RASD_REPORT_H
#define RASD_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * What the control socket answers, as plain structs; strings are
 * borrowed and may be NULL (shown as empty). States are the daemon's
 * words: health ok/degraded/failing; DIMM ok/degraded/failing/
 * evacuating/evacuated. Anything else is shown as "unknown".
 */
struct report_counts {
	uint64_t events;
	uint64_t pages_offlined;
	uint64_t cpus_offlined;
	uint64_t guests_evacuated;
	uint64_t actions_failed;
};

struct report_dimm {
	const char *label;
	int socket, controller, channel, slot;
	const char *state;
	uint64_t corrected, uncorrected;
	uint32_t pages_in_window, threshold;
};

struct report_cpu {
	uint32_t cpu;
	int socket, core;
	bool online;
	bool pinned; /* "protected" by the policy: never offlined */
	uint64_t errors;
};

struct report_event {
	int64_t time_ms; /* the daemon's clock, ms since the epoch */
	const char *severity, *kind, *dimm;
	bool page_valid;
	uint64_t page;
	const char *message;
};

struct report_action {
	int64_t time_ms;
	const char *kind, *state, *target, *peer, *detail;
};

struct report_graph {
	const char *file; /* a PNG in the report's directory */
	const char *title;
};

struct report_data {
	const char *host;
	const char *health;
	int64_t generated_ms;
	struct report_counts counts;
	const struct report_dimm *dimms;
	size_t n_dimms;
	const struct report_cpu *cpus;
	size_t n_cpus;
	const struct report_event *events; /* newest first */
	size_t n_events;
	const struct report_action *actions; /* newest first */
	size_t n_actions;
	const struct report_graph *graphs;
	size_t n_graphs;
};

/*
 * Writes DIR/index.html (through a temp file and rename, so a browser
 * never sees half a page); DIR must exist. 0, or -1 with ERR naming the
 * file and the reason. No scripts, no fetches: one file and the PNGs
 * the caller rendered next to it.
 */
int report_write_html(const char *dir, const struct report_data *rd, char *err,
                      size_t errlen);

/* HTML-escapes IN (& < > " ') into OUT, never cutting an entity in
 * half; returns the length the whole escape needs, like snprintf. */
size_t report_escape(const char *in, char *out, size_t outlen);

/* The CSS class word for a state: the state itself when it is one
 * rasd knows, else "unknown". */
const char *report_state_class(const char *state);

#endif

/* policy.h - the policy file (rasd.conf(5)): thresholds, what each one
 * does, safety limits and evacuation peers. INI, errors as file:line. */
#ifndef RASD_POLICY_H
#define RASD_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../include/leaky_bucket.h"
#include "../mce/dimm_map.h"
#include "../mce/dram.h"

#define POLICY_MAX_PEERS         16
#define POLICY_PATH_MAX          256
#define POLICY_MAX_CPUS          4096
#define POLICY_MAX_DIMMS         256 /* [dimm] map lines */
#define POLICY_WORD_MAX          16
#define POLICY_MAX_SENSOR_LIMITS 64
#define POLICY_SENSOR_LIMIT_MAX  160
#define POLICY_MAX_DRAM_MAPS     64 /* [dram] map lines */
#define POLICY_ROW_MAX_PAGES     4096
#define POLICY_DRAM_CELLS_MAX    64 /* cells a DIMM keeps (dram_faults.h) */

/* [dram] map: the DIMM (its label; "*" every DIMM) and its address map. */
struct policy_dram_map {
	char dimm[64];
	struct dram_map map;
};

/* What a crossed threshold does. */
enum policy_action {
	POLICY_ACT,       /* do it */
	POLICY_RECOMMEND, /* journal and report it, do not do it */
	POLICY_OFF,       /* ignore the threshold */
};

#define POLICY_SYNC_WINDOW_DEFAULT_MS   100
#define POLICY_TABLE_MEMORY_DEFAULT     (8u << 20)
#define POLICY_TABLE_MEMORY_MIN         (64u << 10)
#define POLICY_TABLE_MEMORY_MAX         (1u << 30)
#define POLICY_JOURNAL_KEEP_DEFAULT_MS  (90ull * 86400000)
#define POLICY_JOURNAL_KEEP_MIN_MS      86400000ull
#define POLICY_JOURNAL_MAX_SIZE_DEFAULT (512ull << 20)
#define POLICY_JOURNAL_MAX_SIZE_MIN     (256ull << 10)
#define POLICY_JOURNAL_MAX_SIZE_MAX     (1ull << 40)
#define POLICY_SYNC_WINDOW_MAX_MS       10000

struct policy {
	/* [general] */
	bool recommend_only; /* mode = recommend: overrides every action */
	/* [page] corrected errors on one 4 KiB page */
	struct leaky_rule page;
	enum policy_action page_action;
	bool page_offline_on_uncorrected; /* SRAO/SRAR/UCNA with address */
	/* linux: such a page through hard_offline_page (killing what maps
	 * it) instead of leaving it to the kernel's memory_failure */
	bool page_hard_offline_uncorrected;
	uint32_t page_max_offlined;  /* absolute cap */
	uint32_t page_max_share_ppm; /* cap as parts per million of RAM */
	/* [dimm] distinct pages with corrected errors on one DIMM */
	struct leaky_rule dimm;
	enum policy_action dimm_action; /* act = evacuate its guests */
	uint32_t dimm_warn; /* pages in the window that make it degraded;
	                     * 0, or not below threshold: no warning */
	/* the DIMM map: where EDAC and DMI live, which sources to believe
	 * (bit 1 << enum dimm_source), and the operator's own map lines */
	char dimm_sysfs_root[POLICY_PATH_MAX];
	unsigned dimm_sources;
	struct dimm_policy dimm_map[POLICY_MAX_DIMMS];
	size_t n_dimm_map;
	/* [socket] corrected errors on one socket: alert only */
	struct leaky_rule socket;
	/* [cpu] cache/TLB/internal corrected errors on one core */
	struct leaky_rule core;
	enum policy_action cpu_action;
	uint8_t cpu_protected[POLICY_MAX_CPUS / 8]; /* bitmap: never offline */
	/* [evacuation] */
	char peers[POLICY_MAX_PEERS][64];
	size_t n_peers;
	uint32_t evac_max_per_hour; /* migrations started, rate limit */
	uint32_t evac_concurrent;   /* migrations running at once */
	/* a peer that refused is tried last for this long */
	uint64_t evac_refused_backoff_ms;
	/* the orchestrator names the peer: run as target_user, the guest
	 * as JSON on stdin, a peer or "none" on stdout within the timeout;
	 * empty: the peers above, in order */
	char evac_target_command[POLICY_PATH_MAX];
	uint64_t evac_target_timeout_ms;
	char evac_target_user[POLICY_PATH_MAX];
	/* a committed event is on disk within this long (0: every batch) */
	uint64_t journal_sync_window_ms;
	/* retention: events kept this long (0: for ever), and the oldest
	 * rolled up while the journal is over max_bytes (0: no limit) */
	uint64_t journal_keep_ms;
	uint64_t journal_max_bytes;
	/* the page table's memory budget, bytes */
	uint64_t page_table_bytes;
	/* [syslog] RFC 5424 messages */
	char syslog_transport[8]; /* auto, journal, local, tcp, tls, off */
	char syslog_socket[POLICY_PATH_MAX]; /* local; empty: /dev/log */
	char syslog_server[POLICY_PATH_MAX]; /* tcp, tls: host:port */
	char syslog_ca[POLICY_PATH_MAX];     /* tls: CA file */
	uint32_t syslog_storm_limit;         /* per msgid per window; 0: none */
	uint64_t syslog_storm_window_ms;
	/* [trends] rrdtool files; empty dir: off */
	char trends_dir[POLICY_PATH_MAX];
	char trends_daemon[POLICY_PATH_MAX]; /* rrdcached; empty: direct */
	/* [metrics] Prometheus textfile; empty file: off */
	char metrics_file[POLICY_PATH_MAX];
	uint64_t metrics_interval_ms; /* at most one write per interval */
	/* [page] a page left pending because a guest owns it: move that
	 * guest (act), plan it (recommend) or leave it (off) */
	enum policy_action page_evacuate_owner;
	/* [telemetry] plant a corrected error and wait for it: auto (on
	 * backends whose telemetry is known to break: xen), yes, no */
	char selftest[POLICY_WORD_MAX];
	uint64_t selftest_timeout_ms; /* 0: the backend's poll period + 50% */
	uint32_t selftest_bank;
	uint32_t selftest_cpu;
	/* [health] what each state does: alert, quarantine (run the hook),
	 * evacuate (every guest, rate-limited like any evacuation) */
	char health_yellow[POLICY_WORD_MAX];
	char health_red[POLICY_WORD_MAX];
	char health_hook[POLICY_PATH_MAX]; /* run as HOOK STATE REASON */
	/* the hook's user (it never runs as root or as rasd's engine) and
	 * how long it may take before it is killed */
	char health_hook_user[POLICY_PATH_MAX];
	uint64_t health_hook_timeout_ms;
	uint64_t health_ue_hold_ms; /* red this long after a UE */
	bool psu_redundant;         /* one failed PSU leaves the host powered */
	/* [ipmi] the BMC */
	char ipmi_interface[POLICY_WORD_MAX]; /* off, local, lan */
	uint32_t ipmi_smi;                    /* local: /dev/ipmiN */
	char ipmi_host[POLICY_PATH_MAX];      /* lan */
	uint32_t ipmi_port;
	char ipmi_credentials[POLICY_PATH_MAX];
	uint64_t ipmi_sel_poll_ms;
	uint64_t ipmi_sensor_poll_ms;
	uint64_t ipmi_retry_max_ms;
	uint64_t ipmi_correlate_window_ms; /* a BMC and an MCE event for one
	                                    * DIMM this close are one fault */
	/* [sensors] libsensors */
	bool sensors_enable;
	uint64_t sensors_interval_ms;
	char sensors_config[POLICY_PATH_MAX]; /* libsensors' own file */
	double sensors_hysteresis_temp;       /* degrees C */
	double sensors_hysteresis_frac;       /* of the limit, other kinds */
	char sensor_limits[POLICY_MAX_SENSOR_LIMITS][POLICY_SENSOR_LIMIT_MAX];
	size_t n_sensor_limits;
	/* [pcie] PCIe AER and CXL device errors: corrected errors on one
	 * device within the window make the host yellow (a storm); an
	 * uncorrected non-fatal one is `nonfatal` (yellow or red), a fatal
	 * one red, each for `hold` */
	struct leaky_rule pcie_storm;
	char pcie_nonfatal[POLICY_WORD_MAX];
	uint64_t pcie_hold_ms;
	/* [row] corrected errors on one DRAM row: offline every page of it
	 * (at most max_pages of them) */
	struct leaky_rule row;
	enum policy_action row_action;
	uint32_t row_max_pages;
	/* [dram] distinct cells that make a row, column or bank fault; the
	 * fault modes that evacuate a DIMM's guests at once (bit 1 << enum
	 * dram_mode); the address maps */
	uint32_t dram_cells;
	unsigned dram_evacuate_modes;
	struct policy_dram_map dram_maps[POLICY_MAX_DRAM_MAPS];
	size_t n_dram_maps;
};

/* The shipped defaults (the same values as policies/default.conf). */
void policy_defaults(struct policy *p);

/*
 * Load over the current values: unknown sections or keys, bad values and
 * out-of-range numbers are errors "FILE:LINE: reason". On error `p` is
 * left as it was (the caller keeps its running policy).
 */
int policy_load_file(struct policy *p, const char *path, char *err,
                     size_t errlen);
int policy_load_string(struct policy *p, const char *text, const char *name,
                       char *err, size_t errlen);

bool policy_cpu_protected(const struct policy *p, uint32_t cpu);

/* [dimm] sources names src (GUESS is always believed: it is labelled so). */
bool policy_dimm_source_trusted(const struct policy *p, enum dimm_source src);

/* "24h", "30m", "90s", "500ms", "7d" -> ms. Returns 0 or -1. */
int policy_parse_duration(const char *s, uint64_t *ms);

const char *policy_action_name(enum policy_action a);

/* The longest correlation window: the journal replays (and retention
 * keeps) at least this much. */
uint64_t policy_longest_window_ms(const struct policy *p);

#endif

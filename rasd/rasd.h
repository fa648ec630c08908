/* rasd.h - the daemon's top-level context: the only mutable state rasd
 * has, and the functions of its parts (records, actions, commands). */
#ifndef RASD_RASD_H
#define RASD_RASD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../cpu-offline/cpu_offline.h"
#include "../health/health.h"
#include "../hypervisor/hv.h"
#include "../ipmi/bmc.h"
#include "../include/clock.h"
#include "../mce/mce.h"
#include "control.h"
#include "correlate.h"
#include "journal.h"
#include "log.h"
#include "loop.h"
#include "pageset.h"
#include "policy.h"
#include "publish/metrics.h"
#include "publish/notice.h"
#include "publish/syslog5424.h"
#include "publish/trend.h"

struct bmc;
struct devices;
struct fwmem;
struct hwmon;
struct hwmon_limit_rule;

/*
 * Notices kept for subscribers that reconnect (rasd-snmp restarting):
 * a subscriber that missed more is told how many and reads the model
 * again. Each is about 2 KiB, so the ring is a memory budget too.
 */
#define RASD_NOTICE_RING 1024

/*
 * Fault injection for the crash tests (RASD_CRASH_AT=KIND:N[:stop]): die
 * by SIGKILL (or stop by SIGSTOP, for a power cut from outside) at the
 * Nth journal commit (before it or once it is on disk) or the Nth
 * hypervisor call (before it is asked or once it answered).
 */
enum crash_kind {
	CRASH_NONE,
	CRASH_COMMIT,    /* before the Nth commit */
	CRASH_COMMITTED, /* after the Nth commit */
	CRASH_HV,        /* before the Nth hypervisor call */
	CRASH_HV_DONE,   /* after the Nth hypervisor call returned */
	CRASH_INTENT,    /* after the Nth action intent is durable */
};

struct crashpoint {
	enum crash_kind kind;
	uint64_t at;   /* N: 1 is the first */
	bool stop;     /* SIGSTOP instead of SIGKILL */
	uint64_t seen; /* of that kind so far */
};

struct rasd_options {
	const char *policy_path; /* NULL: built-in defaults */
	const char *journal_path;
	const char *socket_path; /* NULL: no control socket */
	const char *hv_spec;     /* "sim:PATH" */
	const char *log_path;    /* extra copy of the timeline */
	const char *call_log;    /* sim: hypervisor calls, one per line */
	const char *sim_socket;  /* sim: the host's socket; NULL: beside
	                          * the journal */
	const char *report_dir;  /* write the HTML dashboard here at exit */
	uint32_t speed;          /* virtual ms per real ms; 1 = real time */
	bool exit_when_done;     /* sim: stop once the scenario is played */
	uint64_t linger_ms;      /* ... after a subscriber came, or this */
	bool check;              /* sim: exit 1 unless expectations hold */
	bool use_syslog;
	bool verbose;
	bool quiet; /* no timeline on stderr */
	struct crashpoint crash;
	const char *user; /* -u: the engine's; NULL: _rasd */
	/* the engine's ends of its parent's sockets (priv/priv.h); privsep
	 * false: no parent, the daemon opens the backend itself (tests) */
	bool privsep;
	int priv_call_fd, priv_note_fd;
	/*
	 * [ipmi] credentials, read by the root parent before the engine's
	 * drop (the file is root's alone): loaded, or the reason it is not.
	 */
	char bmc_cred_path[256];
	bool bmc_cred_loaded;
	struct bmc_credentials bmc_cred;
	char bmc_cred_err[256];
};

/* A verdict waiting for its batch to be committed to the journal. */
struct pending_verdict {
	bool core;          /* a CPU-core verdict, not a memory one */
	struct verdict mem; /* memory verdicts */
	uint32_t cpu;       /* core verdicts */
	uint32_t level;     /* errors in the core's window */
	int64_t event_id;
};

/*
 * One guest to move off a failing DIMM (or the host), as journaled in
 * the evacuations table; tried peer by peer, one attempt (a migrate
 * action) at a time.
 */
struct evac_job {
	struct journal_evacuation row;
	int32_t dimm;          /* index into dimms, -1: off the host */
	uint32_t tried;        /* bitmap over policy peers */
	size_t peer;           /* of the running attempt */
	uint64_t migration_id; /* the hypervisor's, of the running attempt */
	char
	    attempt_peer[64]; /* the running attempt's peer, whoever named it */
	bool choosing;        /* the target command is being asked */
	uint32_t asked;       /* times it was asked for this guest */
	bool command_failed;  /* it could not answer: the peers list serves */
};

/* A running [evacuation] target_command (target.c). */
#define TARGET_ASKS_MAX 8
struct rasd;
struct target_ask {
	bool used;
	struct rasd *d;
	int64_t job_id;
	pid_t pid;
	int fd;                   /* its stdout */
	struct loop_timer *timer; /* its timeout */
	char out[256];
	size_t len;
};

/*
 * What rasd knows of a DIMM beyond the backend's struct hv_dimm: where
 * its identity came from, and the firmware's, for rasctl dimms.
 */
struct dimm_info {
	const char *source; /* "edac", "smbios", "policy", "backend" */
	char locator[DIMM_STR_LEN];
	char serial[DIMM_ATTR_LEN];
	char part[DIMM_ATTR_LEN];
	char named_by[DIMM_ORIGIN_LEN]; /* label file:line, "" */
};

struct dimm_health {
	char state[16]; /* ok, degraded, failing, evacuating, evacuated */
	bool acted;     /* an evacuation was decided for it */
	uint64_t ue;
	/* the BMC's view, merged with the machine checks' (hosthealth.c) */
	uint64_t bmc_faults; /* BMC memory events no MCE event matched */
	int64_t last_mce_id; /* journal id of its latest MCE event */
	uint64_t last_mce_ms;
	int64_t last_bmc_id; /* health_events id of its latest BMC event */
	uint64_t last_bmc_ms;
	int64_t last_bmc_record; /* that event's SEL record id */
	bool last_bmc_merged;    /* that BMC event already found its MCE */
	/* a temperature sensor naming this DIMM (lm-sensors or the BMC) */
	bool have_temp;
	double temp_c;
	char temp_source[64];
	uint64_t temp_ms;
};

/* The telemetry self-test: a planted record must come back. */
enum selftest_state {
	SELFTEST_NEVER,       /* not run (policy, or not yet) */
	SELFTEST_RUNNING,     /* planted, waiting */
	SELFTEST_OK,          /* it came back */
	SELFTEST_INOPERATIVE, /* it did not, within the bound */
	SELFTEST_UNSUPPORTED, /* the backend cannot plant, or planting failed */
};

struct selftest {
	enum selftest_state state;
	struct mce_record planted;
	uint64_t started_ms;
	uint64_t decided_ms;
	uint64_t timeout_ms;
	uint64_t runs;
	uint64_t late; /* planted records that came back after a verdict */
	char reason[192];
	struct loop_timer *timer;
};

struct rasd {
	struct rasd_options opt;
	struct clock clock;
	struct rasd_log log;
	struct loop *loop;
	struct policy policy;
	struct journal *journal;
	struct journal *reader; /* read-only, kept for the events command */
	struct hv *hv;
	struct mce_reader *mce;
	int mce_fd;
	struct spool *spool;             /* the reader's buffer, in a file */
	bool source_stuck;               /* a batch waits in the spool */
	struct loop_timer *source_retry; /* for the journal to take it */
	int hv_fd;
	int signal_fd;
	struct control *control;
	struct correlate *corr;
	struct cpu_offline *cpus;
	struct hv_topology topo;
	struct hv_cpu *cpu_list;
	size_t n_cpus;
	struct hv_dimm *dimms;
	size_t n_dimms;
	struct dimm_info *dimm_info; /* one per DIMM, as dimm_health */
	struct dimm_health *dimm_health;
	struct dimm_map *dimm_map; /* from the running policy's [dimm] */
	char *socket_state;        /* per socket: 0 ok, 1 degraded */
	uint64_t *socket_ue; /* per socket: uncorrected errors since start */

	struct pageset acted_pages; /* frames with an offline decided */
	uint64_t pages_retired;     /* offlined or pending */
	uint64_t pages_planned;     /* intended, not yet asked */

	/* verdicts of the open batch, planned before it commits */
	struct pending_verdict *pending;
	size_t n_pending, cap_pending;
	/* planned steps (action ids) to run once their batch is durable */
	int64_t *runnable;
	size_t n_runnable, cap_runnable;
	/* notices of the open record batch (numbered in the ring from
	 * outbox_first): told once it is committed */
	uint64_t outbox_first;
	size_t n_outbox;
	bool defer_notices;
	int lock_fd; /* the journal's lock: one rasd per journal */
	struct loop_timer *sync_timer; /* the durability window */
	bool sync_armed;

	/* every evacuation of the journal, in plan order */
	struct evac_job *jobs;
	size_t n_jobs, cap_jobs;
	uint64_t evac_starts[64]; /* start times, for max_per_hour */
	size_t n_evac_starts;
	uint64_t peer_avoid_until[POLICY_MAX_PEERS];
	struct loop_timer *evac_timer;
	/* retention.c: the journal's retention, a slice at a time */
	struct loop_timer *retain_timer;
	/* --linger: when the scenario ended (real ms), and the re-check */
	uint64_t done_real_ms;
	struct loop_timer *linger_timer;
	uint64_t retained_records; /* rolled up into day counts since start */
	bool
	    retain_protected_told; /* over max_size, all protected: said once */
	struct target_ask target_asks[TARGET_ASKS_MAX];

	const char *source_name; /* journaled with each event: "sim", ... */
	bool input_done;         /* sim: the scenario's timeline is exhausted */
	bool input_drained;      /* the source was read after input_done */
	int exit_code;
	uint64_t started_ms;
	uint64_t records;
	uint64_t records_invalid;
	uint64_t overflows;
	/* the overflow warning, at most once a minute in a storm */
	uint64_t overflow_told_ms, overflows_untold;
	/* events since start, by severity and kind, for the metrics */
	uint64_t events_by[MCE_SEV_FATAL + 1][MCE_KIND_UNKNOWN + 1];

	struct metrics_writer *metrics;
	struct loop_timer *metrics_timer;
	uint64_t metrics_last_ms; /* last snapshot taken, for the interval */
	struct syslog5424 *syslog;
	struct loop_timer *syslog_timer;
	uint64_t syslog_timer_due;    /* what it is armed for, 0: not armed */
	uint64_t syslog_dropped_seen; /* dropped count last reported */
	struct trend *trend;
	struct loop_timer *trend_timer;
	/* numbered notices for control-socket subscribers (rasd-snmp) */
	struct notice_ring notices;
	char boot_id[40]; /* changes with every start: resets numbering */

	struct selftest selftest;
	/* host health beyond the DIMM/CPU picture (hosthealth.c) */
	struct health health;
	enum health_level health_announced; /* last level told outside */
	struct loop_timer *health_timer;    /* the next expiry */
	uint64_t health_timer_due;          /* what it is armed for, 0: none */
	int hook_pid;                       /* a running [health] hook */
	bool hook_in_parent;                /* ... run by the privsep parent */
	bool hook_pending; /* a newer state waits for it to end */
	enum health_level hook_pending_level;
	char hook_pending_reason[HEALTH_REASON_MAX];
	uint64_t guests_evacuated_for_health;
	struct bmc *bmc;
	struct hwmon *hwmon;
	struct hwmon_limit_rule *sensor_rules;
	uint64_t bmc_events, sensor_events;
	struct devices *devices; /* PCIe AER and CXL errors (devices.c) */
	struct fwmem *fwmem;     /* the firmware's memory records (fwmem.c) */
};

/* daemon.c: life cycle and the record path. */
int rasd_init(struct rasd *d, const struct rasd_options *opt, char *err,
              size_t errlen);
int rasd_run(struct rasd *d);
void rasd_fini(struct rasd *d);
/* Re-read the policy file and rebuild the buckets under it. */
int rasd_reload(struct rasd *d, char *err, size_t errlen);
/* Open a record batch: notices wait for its commit. */
int rasd_batch_begin(struct rasd *d);
/* Arm the durability window for what was committed. */
void rasd_sync_arm(struct rasd *d);
/* Handle one record as if a source had delivered it (sources, inject). */
int rasd_record(struct rasd *d, const struct mce_record *r, const char *source);
/* The same, the event's DIMM named by the firmware when label is not
 * NULL (fwmem_label_apply). */
int rasd_record_named(struct rasd *d, const struct mce_record *r,
                      const char *source, const char *label);
/* The same, with the DRAM coordinates a source gave (NULL: none; the
 * DIMM's address map places it then) and why they are not usable. */
int rasd_record_at(struct rasd *d, const struct mce_record *r,
                   const char *source, const char *label,
                   const struct dram_coord *dram, const char *dram_note);
/*
 * Coordinates that came after their event (the EDAC or firmware record
 * that follows a machine check): into the event's entry, the row bucket
 * and the fault mode, its verdicts queued with the open batch. dimm_id
 * is the event's hv_dimm id; who ("edac") goes into its notes. -1: the
 * journal refused.
 */
int rasd_dram_late(struct rasd *d, int64_t event_id, uint64_t page,
                   uint32_t socket, int32_t dimm_id,
                   const struct dram_coord *given, const char *note,
                   const char *who);
/* Give up the open batch: nothing of it is told or planned. */
void rasd_batch_abort(struct rasd *d);
/* Plan its verdicts, commit the batch, then tell and act; -1: the
 * journal refused it (nothing told, nothing done). */
int rasd_batch_end(struct rasd *d);
const char *rasd_domain_name(struct rasd *d, uint32_t domid, char *buf,
                             size_t len);
/* 1 and *out filled: on this host; 0: not here; -1: cannot tell. */
int rasd_domain_find(struct rasd *d, uint32_t domid, struct hv_domain *out);
void rasd_print_summary(struct rasd *d);
/* The CPU of that number, or NULL: not on this host. */
const struct hv_cpu *rasd_cpu_find(const struct rasd *d, uint32_t cpu);
/* A valid record as this host's cpu would log it in bank (inject, the
 * self-test); -1 when the cpu is not on this host. */
int rasd_record_init(const struct rasd *d, uint32_t cpu, uint8_t bank,
                     uint64_t status, struct mce_record *r);

/*
 * source.c: the record source, read through the spool (spool.h) one
 * batch per read, each journaled before anything else is done with it.
 */
int source_open(struct rasd *d, char *err, size_t errlen);
/* Journal what a killed daemon read but never journaled. */
int source_recover(struct rasd *d);
/* One read, one batch: how many records, 0 when none waited, -1. */
ssize_t source_drain(struct rasd *d);
void source_close(struct rasd *d);

/* dimms.c: the DIMM map (EDAC, SMBIOS, policy) in the daemon. */
/* Build p's map and log its warnings; -1 with err only out of memory. */
int dimms_map_build(struct rasd *d, const struct policy *p,
                    struct dimm_map **out, char *err, size_t errlen);
/* Name the backend's DIMMs from d->dimm_map, or take the map's DIMMs
 * when the backend reports none; fills d->dimm_info. */
int dimms_attach(struct rasd *d, char *err, size_t errlen);
/* Where an error correlation could not place is: a map label, or a
 * guess from its decoded channel; label untouched when neither. */
void dimms_label_unplaced(const struct rasd *d, const struct mce_record *r,
                          const struct mce_decoded *dec, char *label,
                          size_t len);

/*
 * plan.c, actions.c, evacuate.c, resume.c: from verdict to deed, exactly
 * once. A verdict's plan (its steps, each guest to move, in order) is
 * written in the transaction of the event that tripped it; its steps run
 * once that is durable; an intent is on disk before the hypervisor is
 * asked; after a restart each unfinished step is first reconciled with
 * the hypervisor, then completed, retried or failed, never repeated.
 */
/* Plan every verdict of the open batch (journal rows, no action yet). */
void actions_plan_batch(struct rasd *d);
/* Run the planned steps, the batch being committed (syncs first). */
void actions_run(struct rasd *d);
void actions_on_hv_event(struct rasd *d, const struct hv_event *ev);
/* Pick up every unfinished plan from the journal (at start). */
int actions_resume(struct rasd *d);
bool actions_busy(const struct rasd *d);
/* Stop the target commands still being asked (rasd is stopping). */
void target_fini(struct rasd *d);
/* crash.c: the RASD_CRASH_AT point, if this is it. */
void crash_point(struct rasd *d, enum crash_kind kind);
/* Parse "KIND:N[:stop]"; -1 with why. */
int crash_parse(const char *spec, struct crashpoint *out, char *err,
                size_t errlen);
bool actions_page_acted(const struct rasd *d, uint64_t mfn);
void actions_page_mark(struct rasd *d, uint64_t mfn);
/* A corrected error raised the DIMM's rate: warn once past [dimm] warn. */
void actions_dimm_rate(struct rasd *d, const struct correlate_result *cr);
/* The name an evacuation job kept for a guest (it may have left), or
 * NULL. */
const char *actions_job_name(const struct rasd *d, uint64_t domid);
/* Pages offlined on one DIMM index. */
uint64_t actions_dimm_pages_retired(const struct rasd *d, int32_t dimm);

/* telemetry.c: what rasd shows outside: health, metrics. */
const char *rasd_health(const struct rasd *d);
int telemetry_init(struct rasd *d, char *err, size_t errlen);
/* Something changed: refresh what is published (rate-limited). */
void telemetry_update(struct rasd *d);
void telemetry_fini(struct rasd *d);
/* The syslog publisher's counters into a JSON object (rasctl status). */
void telemetry_syslog_json(struct rasd *d, struct json_object *out);
/* Bring the trend files up to now (before drawing from them). */
void telemetry_flush(struct rasd *d);
/* Tell syslog and the subscribers (rasd-snmp): one notice per event,
 * verdict, action. Numbers the notice. Inside a record batch it waits
 * for the commit (flush) or goes with the batch (drop). */
void telemetry_notice(struct rasd *d, struct notice *n);
void telemetry_outbox_flush(struct rasd *d);
void telemetry_outbox_drop(struct rasd *d);
/* A notice stamped with the injected clock's now. */
void rasd_notice_start(struct rasd *d, struct notice *n, const char *msgid,
                       int priority, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Write the dashboard the way rasctl report does, from inside. */
int rasd_write_report(struct rasd *d, const char *dir, char *err,
                      size_t errlen);

/* selftest.c: is the hypervisor's machine-check telemetry alive? */
int selftest_init(struct rasd *d, char *err, size_t errlen);
/* Plant a record and start waiting; -1 with why it cannot. */
int selftest_start(struct rasd *d, char *err, size_t errlen);
/* A record from the source: true when it is the planted one (never a
 * fault: the caller drops it). */
bool selftest_claims(struct rasd *d, const struct mce_record *r);
const char *selftest_state_name(enum selftest_state s);
void selftest_json(const struct rasd *d, struct json_object *out);
void selftest_fini(struct rasd *d);

/* hosthealth.c: the BMC and lm-sensors into the journal and host health,
 * and what each health state does. */
int hosthealth_init(struct rasd *d, char *err, size_t errlen);
void hosthealth_fini(struct rasd *d);
/* A machine-check event was journaled: UE hold, BMC correlation. */
void hosthealth_on_mce(struct rasd *d, const struct journal_event *ev,
                       const struct mce_decoded *dec, int32_t dimm);
/* The host's level after the DIMM/CPU picture and the conditions, and
 * the reason for it (may be NULL). */
enum health_level hosthealth_level(const struct rasd *d, char *reason,
                                   size_t len);
/* Tell outside and act when the level changed (telemetry_update). */
void hosthealth_check(struct rasd *d);
void hosthealth_json(const struct rasd *d, struct json_object *out);
/* rasctl sensors: lm-sensors readings and the BMC's threshold sensors. */
void hosthealth_sensors_json(struct rasd *d, struct json_object *out);
/* Bring each DIMM's temperature up to lm-sensors' latest readings (the
 * BMC's come with its events). */
void hosthealth_dimm_temps(struct rasd *d);
/* Something the backend reported that is health, not a record. */
void hosthealth_on_hv_event(struct rasd *d, const struct hv_event *ev);
void hosthealth_engine_restarted(struct rasd *d);

/* devices.c: PCIe AER and CXL device errors into the journal (one
 * device_events row each), counted per device, told (MSGID PCIE, CXL),
 * and into health: fatal red, non-fatal [pcie] nonfatal, a storm of
 * corrected ones on one device yellow. Counters and standing conditions
 * are rebuilt from the journal at start. */
int devices_init(struct rasd *d, char *err, size_t errlen);
void devices_fini(struct rasd *d);
void devices_on_error(struct rasd *d, const struct pcie_event *e);
/* rasctl pcie: each device and its counts, the newest `limit` rows. */
int devices_json(struct rasd *d, size_t limit, struct json_object *out,
                 char *err, size_t errlen);
size_t devices_count(const struct rasd *d);
/* The metrics' per-device series, at most max; how many were filled. */
size_t devices_metrics(const struct rasd *d, struct metrics_device *out,
                       size_t max);

/* fwmem.c: the firmware's memory records (ras:extlog_mem_event). One
 * that follows a machine check on its page is that fault: the event
 * takes the firmware's DIMM name and is not counted again; one with an
 * address and no check is a memory error on the record path itself. */
int fwmem_init(struct rasd *d, char *err, size_t errlen);
void fwmem_fini(struct rasd *d);
void fwmem_on_event(struct rasd *d, const struct hv_event *ev);
/* The EDAC driver's record (ras:mc_event): the same, its driver detail
 * giving the DRAM coordinates. */
void fwmem_on_edac(struct rasd *d, const struct hv_event *ev);
/* A machine-check event was journaled (hosthealth_on_mce). */
void fwmem_on_mce(struct rasd *d, const struct journal_event *ev,
                  const struct mce_decoded *dec);
/* The firmware's name for the event's DIMM wins over the address map's. */
void fwmem_label_apply(struct rasd *d, struct journal_event *ev,
                       const char *label);

/* actions.c: what an operator asks for by hand (rasctl page/cpu). */
int actions_operator_page(struct rasd *d, uint64_t mfn, bool online,
                          struct journal_action *a, struct hv_page_status *st,
                          char *err, size_t errlen);
int actions_operator_cpu(struct rasd *d, uint32_t cpu, bool online,
                         struct journal_action *a, char *err, size_t errlen);
/* Move every guest off the host (health evacuate), rate-limited. */
void actions_evacuate_host(struct rasd *d, const char *why);

/* commands.c: the control socket's requests. */
int commands_handle(void *arg, const struct control_request *req,
                    bool privileged, struct json_object *result, char *err,
                    size_t errlen);

/* retention.c: rolls the journal's oldest events up by the policy's
 * [journal] keep and max_size, on a timer, a few ms at a time. */
int retention_init(struct rasd *d);
void retention_fini(struct rasd *d);

#endif

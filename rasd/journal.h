/* journal.h - rasd's memory: every event, component state and action in
 * SQLite (WAL), written before anything is acted on, read back at restart. */
#ifndef RASD_JOURNAL_H
#define RASD_JOURNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../mce/dram.h"
#include "../mce/mce.h"

#define JOURNAL_SCHEMA_VERSION 7

struct journal;

/*
 * Open (creating and migrating the schema as needed) the journal at path;
 * ":memory:" works for tests. WAL mode, synchronous=NORMAL: a commit
 * survives the process at once and a power cut after journal_sync(). A
 * journal whose schema is newer than this build is refused with a message.
 */
int journal_open(struct journal **out, const char *path, char *err,
                 size_t errlen);
/*
 * An existing journal, for reading only (rasctl -j, the events command):
 * nothing is created or migrated and rasd's writer is never held up. A
 * journal of another schema version is refused with a message.
 */
int journal_open_readonly(struct journal **out, const char *path, char *err,
                          size_t errlen);
void journal_close(struct journal *j);
/* A reader kept open: the next event id, the count and the names added
 * since it opened are read again (by key; the count when asked). */
int journal_reader_refresh(struct journal *j);
int journal_schema_version(struct journal *j);

/*
 * Batches: everything between begin and commit is one transaction, so a
 * burst of records costs one write. Commit before acting on the batch;
 * a failed batch is rolled back whole.
 */
int journal_begin(struct journal *j);
int journal_commit(struct journal *j);
int journal_rollback(struct journal *j);
/* A batch is open (notices wait for its commit). */
bool journal_in_batch(struct journal *j);

/*
 * Make every committed transaction durable against a power cut (one
 * fsync of the write-ahead log). Cheap when nothing changed since the
 * last sync. Before the hypervisor is asked to act, and at most a sync
 * window after any commit.
 */
int journal_sync(struct journal *j);
/* Something was committed since the last journal_sync(). */
bool journal_unsynced(struct journal *j);

/*
 * The same fsync, and the log's checkpoints, on a thread of the
 * journal's own, so the daemon's loop never waits for the disk. After
 * journal_syncer_start, journal_sync_ask() asks for every commit so far
 * to be made durable and returns at once; journal_syncer_fd() turns
 * readable when the asked sync has ended, and journal_sync_done() then
 * says whether it held. journal_sync() still syncs inline (an
 * operator's intent, shutdown). Without a thread, journal_sync_ask()
 * returns -1 and checkpoints run on the committing thread.
 */
int journal_syncer_start(struct journal *j, const char *path);
void journal_syncer_stop(struct journal *j);
int journal_syncer_fd(struct journal *j);
int journal_sync_ask(struct journal *j);
int journal_sync_done(struct journal *j);
bool journal_sync_in_flight(struct journal *j);

/*
 * Called around every commit, batches and single statements alike:
 * before (the transaction is not yet on disk) and after (it is). For
 * fault injection (RASD_CRASH_AT); NULL clears.
 */
typedef void (*journal_commit_fn)(void *arg, bool committed);
void journal_set_commit_hook(struct journal *j, journal_commit_fn fn,
                             void *arg);

/*
 * One daemon per journal: an exclusive lock on PATH.lock holding the
 * owner's pid, kept until journal_unlock. -1 with "in use by rasd (pid
 * N)" when another holds it. ":memory:" needs no lock (fd -1).
 */
int journal_lock(const char *path, int *fd, char *err, size_t errlen);
void journal_unlock(int fd);

/* One decoded machine-check record (or another source's event). */
struct journal_event {
	int64_t id;       /* set by journal_event_add */
	uint64_t time_ms; /* when rasd received it (injected clock) */
	char source[16];  /* "mcelog", "sim", "replay", "inject" */
	struct mce_record rec;
	enum mce_severity severity;
	enum mce_kind kind;
	int32_t cpu;     /* the record's, when read back */
	int32_t socket;  /* the record's, when read back */
	int32_t bank;    /* the record's, when read back */
	int32_t channel; /* -1 unknown */
	int32_t dimm;    /* hv_dimm.id, -1 unknown */
	char dimm_label[64];
	bool page_valid;
	uint64_t page; /* 4 KiB machine frame */
	/*
	 * Storm mode (v4): the same error repeated at once (same page, bank,
	 * status, CPU) is one event counted `count` times over span_ms.
	 */
	uint32_t count;
	uint32_t span_ms;
	/* other sources that saw the same fault: "ipmi-sel #0x0012" (v2) */
	char also[96];
	/* where in the DRAM, when a source or a map said: in the entry's
	 * reserved word, so v6 journals read as "none given" */
	struct dram_coord dram;
};

/*
 * Add an event: in the open batch (one block row holds the batch's
 * events), or alone in a transaction of its own. Its id is set; a repeat
 * of the batch's last event is folded into it (ev->count says how many).
 */
int journal_event_add(struct journal *j, struct journal_event *ev);
/* The event's one line for people, made from its record; returns buf. */
const char *journal_event_describe(const struct journal_event *ev, char *buf,
                                   size_t len);

/* Events with time_ms >= since_ms, oldest first, at most `limit` (0: all).
 * The callback returns nonzero to stop. */
typedef int (*journal_event_fn)(void *arg, const struct journal_event *ev);
int journal_events_each(struct journal *j, uint64_t since_ms, size_t limit,
                        journal_event_fn fn, void *arg);
/* Events with id < before_id (0: any) and time_ms in [since_ms, until_ms]
 * (until 0: no bound), newest first: the operator's "what happened
 * lately". A block wholly outside the times is skipped undecoded. */
int journal_events_newest(struct journal *j, int64_t before_id,
                          uint64_t since_ms, uint64_t until_ms,
                          journal_event_fn fn, void *arg);
int64_t journal_event_count(struct journal *j);

/* Actions: recorded as intended before they run, as done/failed after. */
enum action_kind {
	ACTION_PAGE_OFFLINE,
	ACTION_CPU_OFFLINE,
	ACTION_MIGRATE,     /* one attempt to move one guest to one peer */
	ACTION_PAGE_ONLINE, /* an operator put a repaired page back */
	ACTION_CPU_ONLINE,  /* an operator brought a CPU back */
};

enum action_state {
	ACTION_INTENDED,
	ACTION_RUNNING,
	ACTION_DONE,
	ACTION_FAILED,
	ACTION_RECOMMENDED, /* recommend-only mode: written, never run */
	ACTION_REFUSED,     /* a safety rule said no; reason in detail */
};

struct journal_action {
	int64_t id;
	enum action_kind kind;
	enum action_state state;
	uint64_t target;    /* mfn, cpu, or domid */
	char peer[64];      /* migrate: destination host */
	char component[64]; /* what triggered it: "page 0x1234", DIMM label */
	char reason[128];   /* "page 0x1234: 2 corrected errors in 24h" */
	char detail[256];   /* outcome: owner domain, hypervisor status... */
	int64_t event_id;   /* the event that tripped it, 0 if none */
	int64_t parent_id;  /* migrate: the first attempt for this guest */
	uint32_t attempt;   /* migrate: 1, 2, ... per peer tried */
	uint64_t created_ms;
	uint64_t updated_ms;
	/* v3: the plan it belongs to, and what the hypervisor was told */
	int64_t verdict_id;  /* the verdict that planned it, 0 none */
	int64_t job_id;      /* migrate: its evacuation, 0 none */
	uint64_t handle;     /* migrate: the hypervisor's migration id */
	uint64_t started_ms; /* when the hypervisor was asked, 0 never */
	/* v5, migrate: percent done as last told, "live" or "suspended"
	 * once known ("" before), how long the guest stood still (ms) */
	uint32_t progress;
	char mode[12];
	uint64_t downtime_ms;
};

int journal_action_add(struct journal *j, struct journal_action *a);
int journal_action_update(struct journal *j, int64_t id,
                          enum action_state state, uint64_t now_ms,
                          const char *detail);
int journal_action_get(struct journal *j, int64_t id,
                       struct journal_action *out);
/* The hypervisor was asked: its handle (a migration id) and when. */
int journal_action_started(struct journal *j, int64_t id,
                           enum action_state state, uint64_t now_ms,
                           uint64_t handle, const char *detail);
/* A migration's progress, mode ("live", "suspended", "" unknown) and
 * downtime (0: not measured), as the hypervisor tells them. */
int journal_action_migration(struct journal *j, int64_t id, uint32_t progress,
                             const char *mode, uint64_t downtime_ms,
                             uint64_t now_ms);
/* Start times of migrations asked for since since_ms, oldest first (the
 * evacuation rate limit's window); at most max, *n how many. */
int journal_migrate_starts(struct journal *j, uint64_t since_ms, uint64_t *out,
                           size_t max, size_t *n);

/*
 * Verdicts (v3): what a bucket decided, written with the event that
 * tripped it and the plan it implies, in one transaction.
 */
struct journal_verdict {
	int64_t id;
	int64_t event_id;
	uint64_t time_ms;
	char type[24];      /* page_threshold, dimm_threshold, core_threshold */
	char component[64]; /* "page 0x1234", DIMM label, "cpu 5" */
	uint32_t count;     /* errors (or pages) in the bucket */
	char detail[160];
};
int journal_verdict_add(struct journal *j, struct journal_verdict *v);

/*
 * Evacuations (v3): one row per guest a plan moves, in the plan's order.
 * Its attempts are migrate actions with job_id = this id.
 */
enum evac_state {
	EVAC_QUEUED,  /* waiting for a slot, the rate limit or a peer */
	EVAC_RUNNING, /* an attempt is with the hypervisor */
	EVAC_DONE,    /* it left */
	EVAC_FAILED,  /* no peer took it */
	EVAC_GONE,    /* it left this host without rasd's doing */
};

struct journal_evacuation {
	int64_t id;
	int64_t verdict_id;
	int64_t event_id;
	uint32_t seq; /* order within the plan */
	uint32_t domid;
	char guest[64];     /* its name when planned */
	char component[64]; /* the DIMM label, or "host" */
	char reason[128];
	enum evac_state state;
	int64_t action_id; /* the latest attempt, 0 none */
	int64_t first_action;
	uint32_t attempts;
	char detail[160];
	uint64_t created_ms;
	uint64_t updated_ms;
};
int journal_evacuation_add(struct journal *j, struct journal_evacuation *e);
/* State, attempts, latest attempt and detail, from e. */
int journal_evacuation_update(struct journal *j,
                              const struct journal_evacuation *e);
typedef int (*journal_evacuation_fn)(void *arg,
                                     const struct journal_evacuation *e);
/* Every evacuation, oldest first. */
int journal_evacuations_each(struct journal *j, journal_evacuation_fn fn,
                             void *arg);
const char *evac_state_name(enum evac_state s);
int evac_state_parse(const char *s, enum evac_state *out);

/* All actions, oldest first; or only intended/running ones to resume. */
typedef int (*journal_action_fn)(void *arg, const struct journal_action *a);
int journal_actions_each(struct journal *j, bool unfinished_only,
                         journal_action_fn fn, void *arg);

const char *action_kind_name(enum action_kind k);
const char *action_state_name(enum action_state s);
int action_kind_parse(const char *s, enum action_kind *out);
int action_state_parse(const char *s, enum action_state *out);

/* Component state: pages, DIMMs, CPUs, sockets and their health. */
struct journal_component {
	char kind[16];  /* "page", "dimm", "cpu", "socket", "host" */
	char name[64];  /* "0x12345", "CPU0_DIMM_A1", "3", "0" */
	char state[16]; /* "ok", "degraded", "failing", "offline", ... */
	uint64_t ce_count;
	uint64_t ue_count;
	uint64_t updated_ms;
	char detail[160];
};

int journal_component_set(struct journal *j, const struct journal_component *c);
int journal_component_get(struct journal *j, const char *kind, const char *name,
                          struct journal_component *out);
typedef int (*journal_component_fn)(void *arg,
                                    const struct journal_component *c);
/* kind NULL: every component; ordered by kind, then name. */
int journal_components_each(struct journal *j, const char *kind,
                            journal_component_fn fn, void *arg);

/*
 * Health events (v2): what is not a machine check. The BMC's SEL entries
 * and threshold crossings, lm-sensors crossings, failures of either. A
 * BMC memory event that matched a machine-check event for the same DIMM
 * carries that event's id in merged_event_id (one fault, two sources).
 */
struct journal_health_event {
	int64_t id;
	uint64_t time_ms;
	char source[16];    /* "ipmi-sel", "ipmi-sensor", "sensors" */
	char cls[16];       /* "memory", "power_supply", "fan", "temperature" */
	char severity[12];  /* "info", "warning", "critical" */
	char component[64]; /* DIMM label, sensor name, chip/feature */
	char what[96];      /* "Correctable ECC", "crossed max" */
	bool deassert;      /* the condition went away */
	bool has_value;
	double value;
	double threshold;
	int32_t dimm;            /* hv_dimm index, -1 none */
	int64_t record_id;       /* SEL record id, -1 none */
	int64_t merged_event_id; /* events.id, 0 none */
	char detail[160];
};

int journal_health_event_add(struct journal *j,
                             struct journal_health_event *ev);
/* Health events with time_ms >= since_ms, oldest first, at most limit
 * (0: all); newest_first reverses, for "the last N". */
typedef int (*journal_health_event_fn)(void *arg,
                                       const struct journal_health_event *ev);
int journal_health_events_each(struct journal *j, uint64_t since_ms,
                               size_t limit, bool newest_first,
                               journal_health_event_fn fn, void *arg);
/*
 * One fault seen by two sources: set the health event's merged_event_id
 * and append `also` ("ipmi-sel #0x0012") to the machine-check event's
 * also column (comma-separated). Both or neither.
 */
int journal_health_event_merge(struct journal *j, int64_t health_id,
                               int64_t event_id, const char *also);

/*
 * Device errors (v4): PCIe AER and CXL events (source "aer", "cxl"), and
 * the firmware's memory records (source "extlog", device the DIMM it
 * names, event_id the machine-check event it is).
 */
struct journal_device_event {
	int64_t id;
	uint64_t time_ms;
	char source[8];    /* "aer", "cxl", "extlog" */
	char kind[16];     /* "aer", "cxl_aer", "cxl_media", "extlog" */
	char device[64];   /* "0000:3b:00.0", "mem0", "DIMM_A1" */
	char host[64];     /* CXL: the PCI function behind a memdev */
	char severity[12]; /* corrected, nonfatal, fatal, unknown */
	uint32_t status;   /* AER or CXL RAS status bits */
	uint32_t first_error;
	char bits[192];   /* "RxErr|BadTLP", the kernel's names */
	char tlp[40];     /* "01000040 ff000000 000080fe 00000000" or "" */
	uint64_t serial;  /* CXL device serial, 0 none */
	uint64_t address; /* CXL DPA, firmware physical address; 0 none */
	char message[192];
	char note[192];   /* what rasd did not know; "" none */
	int64_t event_id; /* extlog: the machine-check event, 0 none */
};

int journal_device_event_add(struct journal *j,
                             struct journal_device_event *ev);
typedef int (*journal_device_event_fn)(void *arg,
                                       const struct journal_device_event *ev);
/* Oldest first (newest_first reverses), time_ms >= since_ms, at most
 * limit (0: all). */
int journal_device_events_each(struct journal *j, uint64_t since_ms,
                               size_t limit, bool newest_first,
                               journal_device_event_fn fn, void *arg);

/* Per device, from every AER and CXL row the journal has. */
struct journal_device_count {
	char source[8];
	char device[64];
	char host[64];
	uint64_t corrected, nonfatal, fatal, unknown;
	uint64_t last_ms;
	int64_t first_id; /* its first row: a number that never moves */
};
typedef int (*journal_device_count_fn)(void *arg,
                                       const struct journal_device_count *c);
int journal_device_counts(struct journal *j, journal_device_count_fn fn,
                          void *arg);

/*
 * The firmware named the module of a machine-check event already
 * journaled: its DIMM label becomes that name and `also` ("extlog #42")
 * joins its also column. Both or neither.
 */
int journal_event_relabel(struct journal *j, int64_t event_id,
                          const char *label, const char *also);

/*
 * A later record (the EDAC driver's, the firmware's) gave the DRAM
 * coordinates of an event already journaled: into its entry, and `also`
 * into its notes. Both or neither.
 */
int journal_event_set_dram(struct journal *j, int64_t event_id,
                           const struct dram_coord *c, const char *also);

/* Small named values that must survive a restart ("ipmi.sel_pos"). */
int journal_meta_set(struct journal *j, const char *key, const char *value);
/* 1 and value copied (truncated to len), 0 when absent, -1 on error. */
int journal_meta_get(struct journal *j, const char *key, char *value,
                     size_t len);

/* Counts for the demo summary and `rasctl status`. */
struct journal_summary {
	int64_t events;
	int64_t pages_offlined;    /* page_offline actions done */
	int64_t cpus_offlined;     /* cpu_offline actions done */
	int64_t guests_evacuated;  /* distinct domids with a done migrate */
	int64_t actions_failed;    /* actions in state failed */
	int64_t actions_pending;   /* intended or running */
	int64_t migrations_failed; /* migrate attempts in state failed */
};
int journal_summary(struct journal *j, struct journal_summary *out);

/*
 * The latest time the journal knows (events, action updates, health
 * events); 0 when
 * empty. An accelerated clock restarts from here so time never runs back.
 */
int journal_last_time_ms(struct journal *j, uint64_t *out);

/*
 * Retention. Events older than keep_ms, and while the file holds more
 * than max_bytes the oldest events, are rolled up into per-day counts
 * (day, DIMM, severity, kind) and deleted, a block at a time, each block
 * its own transaction. Nothing at or after protect_from_ms is deleted:
 * the correlation windows are replayed from there at start. 0 in keep_ms
 * or max_bytes: no such limit.
 */
struct journal_retention {
	uint64_t keep_ms;
	uint64_t max_bytes;
	uint64_t protect_from_ms;
};
struct journal_retained {
	uint64_t blocks;     /* deleted */
	uint64_t records;    /* in them, now in the day counts */
	bool more;           /* stopped by the budget with work left */
	bool protected_left; /* over max_bytes, the rest is protected */
};
int journal_retain(struct journal *j, const struct journal_retention *r,
                   uint64_t now_ms, size_t max_blocks,
                   struct journal_retained *out);
/* Bytes the journal's pages hold (free pages left out). */
int journal_used_bytes(struct journal *j, uint64_t *out);

/* Counts per day (UTC days since 1970), DIMM, severity and kind: the
 * rolled-up days; journal_history adds the events still kept. */
struct journal_day {
	int64_t day;
	char label[64];
	char severity[16];
	char kind[16];
	int64_t records;
};
typedef int (*journal_day_fn)(void *arg, const struct journal_day *d);
int journal_days_each(struct journal *j, int64_t since_day, journal_day_fn fn,
                      void *arg);

/* The last SQLite error, for messages. */
const char *journal_error(struct journal *j);

#endif

/* proto.h - the one definition of what rasd's privileged parent and its
 * unprivileged engine say to each other: fixed structs, one per message. */
#ifndef RASD_PRIV_PROTO_H
#define RASD_PRIV_PROTO_H

#include <stdint.h>

#include "../hypervisor/hv.h"
#include "../hypervisor/sim/sim.h"
#include "../rasd/spool.h"

/*
 * Two socketpairs (SOCK_SEQPACKET, one message a struct):
 *   call   the engine asks, the parent answers: one request, one reply,
 *          in order (struct priv_request, struct priv_reply and its
 *          payload). The engine waits for the reply.
 *   note   either side, unasked: the parent says records are in the
 *          spool, hypervisor events wait, a hook ended; the engine says
 *          the journal took the spooled records, or asks for the hook.
 * The records themselves never travel: the parent reads the device into
 * the spool's slots, a shared mapping the engine reads them from.
 * Both sides are one build: the structs travel as they are.
 */
#define PRIV_VERSION     1
#define PRIV_MSG_MAX     (64u * 1024)
#define PRIV_SLOTS       SPOOL_SLOTS
#define PRIV_EVENTS_MAX  32
#define PRIV_REPORT_MAX  8192
#define PRIV_HOOK_OUTPUT 1024
#define PRIV_REASON_MAX  160

enum priv_op {
	PRIV_HELLO = 1,         /* -> struct priv_hello */
	PRIV_TOPOLOGY,          /* -> struct hv_topology */
	PRIV_CPUS,              /* offset -> struct hv_cpu[] */
	PRIV_DIMMS,             /* offset -> struct hv_dimm[] */
	PRIV_DOMAINS,           /* offset -> struct hv_domain[] */
	PRIV_DOMAINS_ON_RANGE,  /* a start, b end, offset -> uint32_t[] */
	PRIV_PAGE_QUERY,        /* a mfn -> struct hv_page_status */
	PRIV_PAGE_OFFLINE,      /* a mfn -> struct hv_page_status; guarded */
	PRIV_PAGE_OFFLINE_HARD, /* a mfn -> struct hv_page_status; guarded */
	PRIV_PAGE_ONLINE,       /* a mfn -> struct hv_page_status */
	PRIV_CPU_OFFLINE,       /* a cpu; guarded */
	PRIV_CPU_ONLINE,        /* a cpu */
	PRIV_MIGRATE_START,     /* a domid, peer -> value: id; guarded */
	PRIV_MIGRATION_QUERY,   /* a domid -> struct hv_migration */
	PRIV_INJECT,            /* rec */
	PRIV_SIM_START,         /* -> value: the timeline's start */
	PRIV_SIM_STATS,         /* -> struct sim_stats */
	PRIV_SIM_CHECK,         /* obs -> value: failed; report text */
	PRIV_RELOAD,            /* the parent re-reads the policy's rules */
	PRIV_SOURCE_SYNC,       /* read the device now -> value: slots filled
	                         * (their FILLED note comes first); busy:
	                         * -EAGAIN, the last batch is not taken */
	PRIV_OP_MAX,
};

struct priv_request {
	uint32_t op;
	uint32_t offset; /* lists: the first entry wanted */
	uint64_t a;
	uint64_t b;
	char peer[HV_NAME_MAX];
	struct mce_record rec;
	struct sim_observed obs;
};

/* A reply is this header, then `count` entries or the op's one struct. */
struct priv_reply {
	int32_t rc;     /* 0, or a negative errno with err */
	uint32_t total; /* lists: how many exist */
	uint32_t count; /* lists: how many follow */
	uint32_t pad;
	uint64_t value;
	char err[HV_ERR_MAX];
};

/* What the engine learns first: the backend, the source, the host. */
struct priv_hello {
	uint32_t version;
	int32_t parent_pid;
	char backend[HV_NAME_MAX];
	/* the record source: the spool's geometry, and whether there is one */
	uint32_t has_source;
	uint32_t record_len;
	uint32_t log_len;
	uint32_t can_inject; /* the backend can plant records */
	uint32_t can_offline_hard;
	uint32_t can_page_online;
	uint32_t can_migration_query;
	/* a simulated host behind the parent: its clock and state */
	uint32_t sim;
	uint32_t sim_done;
	struct clock sim_clock;
	/* this engine's place in the parent's life */
	uint32_t engine_starts; /* 1 for the first */
	int32_t last_status;    /* the previous engine's, as waitpid */
};

enum priv_note_type {
	/* parent -> engine */
	PRIV_NOTE_FILLED = 1, /* slots hold a read each: struct priv_filled */
	PRIV_NOTE_EVENTS,     /* hypervisor events: struct priv_events */
	PRIV_NOTE_HOOK_DONE,  /* the hook ended: struct priv_hook_done */
	PRIV_NOTE_HV_GONE,    /* the host's events failed: struct priv_gone */
	/* engine -> parent */
	PRIV_NOTE_TAKEN,    /* the journal has every spooled record */
	PRIV_NOTE_HOOK_RUN, /* run the health hook: struct priv_hook_run */
};

struct priv_filled {
	uint32_t type;
	uint32_t used; /* slots that took a read */
	uint32_t len[PRIV_SLOTS];
	uint32_t overflowed; /* the device said it dropped records */
	uint32_t pad;
};

struct priv_events {
	uint32_t type;
	uint32_t n;
	struct hv_event ev[PRIV_EVENTS_MAX];
};

/* The hook's words: the parent runs its own policy's hook with them. */
struct priv_hook_run {
	uint32_t type;
	uint32_t pad;
	char level[16];
	char reason[PRIV_REASON_MAX];
};

struct priv_hook_done {
	uint32_t type;
	int32_t status; /* as waitpid; -1: it could not be started */
	uint32_t timed_out;
	uint32_t output_len;
	char output[PRIV_HOOK_OUTPUT]; /* the start of its stdout+stderr */
};

struct priv_gone {
	uint32_t type;
	uint32_t pad;
	char err[HV_ERR_MAX];
};

/* The largest note, for receive buffers. */
union priv_note {
	uint32_t type;
	struct priv_filled filled;
	struct priv_events events;
	struct priv_hook_run hook_run;
	struct priv_hook_done hook_done;
	struct priv_gone gone;
};

#endif

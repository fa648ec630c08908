/* simhost_proto.h - the one definition of what rasd's sim backend and the
 * simulated host's own process (rasd-simhost) say to each other. */
#ifndef RASD_SIMHOST_PROTO_H
#define RASD_SIMHOST_PROTO_H

#include <stdint.h>

#include "../hv.h"
#include "sim.h"

/*
 * The host is a separate process so that a daemon killed and restarted
 * meets the same machine: guests that left stay gone, offlined frames stay
 * offline, a migration in flight ends on the host's clock.
 *
 * Three channels, all named after the socket path S:
 *   S          a SOCK_SEQPACKET socket: one request, one reply, in order;
 *              a connection that sent SIMHOST_SUBSCRIBE instead gets one
 *              byte whenever hypervisor events wait (the event fd);
 *   S.mcelog   a FIFO standing in for xen_mcelog: whole records of
 *              record_len bytes, at most log_len unread, the rest dropped;
 *              records written while no daemon reads stay in it;
 *   S.regs     the device's flags register, a shared page (overflow).
 * Both sides are the same build: the structs travel as they are.
 */
#define SIMHOST_VERSION     1
#define SIMHOST_MSG_MAX     (64u * 1024)
#define SIMHOST_PATH_MAX    256
#define SIMHOST_REPORT_MAX  8192
#define SIMHOST_REGS_MAGIC  0x52415352u /* "RSAR" */
#define SIMHOST_REGS_SIZE   4096

enum simhost_op {
	SIMHOST_HELLO = 1,        /* -> struct simhost_hello */
	SIMHOST_SUBSCRIBE,        /* this connection becomes the event fd */
	SIMHOST_TOPOLOGY,         /* -> struct hv_topology */
	SIMHOST_CPUS,             /* offset -> struct hv_cpu[] */
	SIMHOST_DIMMS,            /* offset -> struct hv_dimm[] */
	SIMHOST_DOMAINS,          /* offset -> struct hv_domain[] */
	SIMHOST_DOMAINS_ON_RANGE, /* a start, b end -> uint32_t[] */
	SIMHOST_PAGE_QUERY,       /* a mfn -> struct hv_page_status */
	SIMHOST_PAGE_OFFLINE,     /* a mfn -> struct hv_page_status */
	SIMHOST_CPU_OFFLINE,      /* a cpu */
	SIMHOST_CPU_ONLINE,       /* a cpu */
	SIMHOST_MIGRATE_START,    /* a domid, peer -> value: migration id */
	SIMHOST_MIGRATION_QUERY,  /* a domid -> struct hv_migration */
	SIMHOST_EVENTS,           /* -> struct hv_event[], taken */
	SIMHOST_INJECT,           /* rec */
	SIMHOST_CHECK,            /* obs -> value: failed; report text */
	SIMHOST_STATS,            /* -> struct sim_stats */
	SIMHOST_START,            /* the timeline runs -> value: its start */
	SIMHOST_QUIT,             /* the host exits after replying */
	SIMHOST_OP_MAX,
};

struct simhost_request {
	uint32_t op;
	uint32_t offset; /* lists: the first entry wanted */
	uint64_t a;
	uint64_t b;
	char peer[HV_NAME_MAX];
	struct mce_record rec;
	struct sim_observed obs;
};

/* A reply is this header, then `count` entries or the op's one struct. */
struct simhost_reply {
	int32_t rc;     /* 0, or a negative errno with err */
	uint32_t total; /* lists: how many exist */
	uint32_t count; /* lists: how many follow */
	uint32_t pad;
	uint64_t value;
	char err[HV_ERR_MAX];
};

struct simhost_hello {
	uint32_t version;
	int32_t pid;
	uint32_t record_len;
	uint32_t log_len;
	/* the host's clock: both sides read CLOCK_MONOTONIC on one machine */
	uint64_t clock_start_ms;
	int64_t clock_mono_sec;
	int64_t clock_mono_nsec;
	uint32_t clock_speed;
	uint32_t scenario_done; /* the timeline is played */
	char scenario[SIMHOST_PATH_MAX];
	char mcelog[SIMHOST_PATH_MAX];
	char regs[SIMHOST_PATH_MAX];
};

/* The shared flags page of the emulated device. */
struct simhost_regs {
	uint32_t magic;
	uint32_t flags;   /* MCE_FLAG_OVERFLOW; the reader takes and clears */
	uint64_t dropped; /* records dropped since the host started */
};

#endif

/* priv.h - privilege separation: a small root parent that holds the
 * hypervisor and the record device, and an engine that runs as a user. */
#ifndef RASD_PRIV_H
#define RASD_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../hypervisor/hv.h"
#include "proto.h"

/*
 * The story, after OpenBSD's privsep daemons. rasd starts as root; the
 * parent opens the hypervisor backend, the record device and the spool,
 * then forks the engine, which drops to the rasd user (-u) before it
 * opens anything and does everything else: journal, decoding,
 * correlation, decisions, the control socket, the publishers. The
 * engine reaches the host only through the parent (priv_client_open: an
 * hv backend whose ops are messages of proto.h), and the parent checks
 * every action against its own reading of the policy (guard.h) before it
 * makes the hypercall. The parent never parses what a client or the
 * network sends. An engine that dies of a signal is started again, and
 * told so; the health hook runs from the parent as its own user.
 */

/* Who a process runs as; drop is false when there is no root to drop. */
struct priv_user {
	char name[32];
	uid_t uid;
	gid_t gid;
	bool drop;
};

int priv_user_lookup(const char *name, const char *fallback,
                     struct priv_user *u, char *err, size_t errlen);
int priv_prepare_dir(const char *path, const struct priv_user *u, char *err,
                     size_t errlen);
int priv_give_file(const char *path, const struct priv_user *u, char *err,
                   size_t errlen);
int priv_drop(const struct priv_user *u, char *err, size_t errlen);

/* ---- the parent ---- */

struct priv_config {
	const char *hv_spec;
	const char *journal_path;
	const char *socket_path; /* NULL: none */
	const char *log_path;    /* the engine's --log, made its file */
	const char *policy_path; /* NULL: built-in defaults */
	const char *sim_socket;  /* NULL: <journal>.simhost */
	const char *call_log;
	const char *user; /* the engine's: NULL is _rasd */
	bool crash_test;  /* RASD_CRASH_AT: an engine killed kills all */
};

/*
 * The engine's body, run in the child after the drop with its ends of
 * the two sockets; returns its exit status.
 */
typedef int (*priv_engine_fn)(void *arg, int call_fd, int note_fd);

/* Runs the parent until the engine exits for good: its exit status. */
int priv_parent_run(const struct priv_config *cfg, priv_engine_fn engine,
                    void *arg);

/* ---- the engine's side ---- */

/*
 * The hv the engine acts through. start_ms and speed are the engine's
 * clock (from its journal): a simulated host the parent starts runs on
 * it. Returns NULL with the reason.
 */
struct hv *priv_client_open(int call_fd, int note_fd, uint64_t start_ms,
                            uint32_t speed, char *err, size_t errlen);
bool priv_is_client(const struct hv *hv);
/* The spool the parent reads the device into (a descriptor to map). */
int priv_spool_fd(const struct hv *hv);
/* How many engines the parent has started, and how the last one ended. */
void priv_engine_life(const struct hv *hv, unsigned *starts, int *status);
/* Ask the parent to run the health hook; its end comes as an
 * HV_EVENT_HOOK_DONE. */
int priv_hook_request(struct hv *hv, const char *level, const char *reason);

/* ---- the hook, run by the parent ---- */

struct hook_run {
	pid_t pid;
	int out_fd;
	uint64_t deadline_ms;
	bool timed_out;
	char output[PRIV_HOOK_OUTPUT];
	size_t output_len;
};

int priv_hook_start(struct hook_run *h, const char *path, const char *level,
                    const char *reason, const struct priv_user *u,
                    uint64_t now_ms, uint64_t timeout_ms, char *err,
                    size_t errlen);
/* Read its output; 0 once it closed it. */
int priv_hook_read(struct hook_run *h);
/* Kill it past its deadline. */
void priv_hook_enforce(struct hook_run *h, uint64_t now_ms);
/* True when it ended (status as waitpid). */
bool priv_hook_reap(struct hook_run *h, int *status);

#endif

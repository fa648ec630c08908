/* parent_int.h - what the parent's files share: its one context, and the
 * handlers parent.c's loop calls. Nothing outside priv/ sees it. */
#ifndef RASD_PRIV_PARENT_INT_H
#define RASD_PRIV_PARENT_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../include/clock.h"
#include "../mce/mce.h"
#include "guard.h"
#include "priv.h"
#include "proto.h"

struct spool;

struct parent {
	const struct priv_config *cfg;
	priv_engine_fn engine_fn;
	void *engine_arg;
	struct priv_user user;      /* the engine's */
	struct priv_user hook_user; /* the hook's */
	struct policy policy;       /* the parent's own reading */
	struct guard guard;
	int epoll_fd, signal_fd, timer_fd, lock_fd;
	/* the engine */
	pid_t engine, last_pid;
	int call_fd, note_fd;
	unsigned engine_starts;
	int last_status;
	unsigned backoff_ms;
	bool restart_pending, stopping, done;
	int exit_code;
	/* the host, opened when the first engine says hello */
	struct clock clock;
	struct hv *hv;
	int hv_fd;
	bool hv_watched;
	/* The simulated host's scenario ended: an engine started after the
	 * event went by learns it from its hello. */
	bool sim_done;
	/* the record device and the spool it is read into */
	struct mce_reader *reader;
	int source_fd;
	bool source_watched, source_busy;
	struct spool *spool;
	int spool_fd;
	/* the health hook */
	struct hook_run hook;
	unsigned char msg[PRIV_MSG_MAX];
};

/* parent.c */
void source_watch(struct parent *p, bool on);
void hv_watch(struct parent *p, bool on);
void hook_watch(struct parent *p);
uint64_t parent_now_ms(void);

/* serve.c: the engine's calls and notes, the host's events, the device */
void parent_serve_call(struct parent *p);
void parent_serve_note(struct parent *p);
void parent_forward_events(struct parent *p);
/* >0: the engine was told of filled slots (or an overflow) */
int parent_fill(struct parent *p);
int parent_policy_load(struct parent *p, char *err, size_t errlen);
void parent_reload(struct parent *p);
void hook_finished(struct parent *p, int status);

#endif

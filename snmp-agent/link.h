/* link.h - rasd-snmp's connection to rasd's control socket: one request
 * connection for state, one subscription carrying the notice stream. */
#ifndef RASD_SNMP_LINK_H
#define RASD_SNMP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "state.h"

#define LINK_BACKOFF_MIN_MS 500
#define LINK_BACKOFF_MAX_MS 30000
#define LINK_IO_TIMEOUT_MS  5000 /* a request rasd does not answer */
#define LINK_MAX_LINE       (1024 * 1024)

struct link {
	char path[108];
	int req_fd, sub_fd; /* -1 when down */
	/* Where the stream resumes: rasd's boot id and the last notice
	 * handled; both survive a reconnect. */
	char boot[64];
	uint64_t last_seq;
	/* The subscription's unread bytes. */
	char *buf;
	size_t used, cap;
	/* Reconnection: the next delay and when the next try is due
	 * (CLOCK_MONOTONIC ms). */
	uint32_t backoff_ms;
	uint64_t retry_at_ms;
};

/* What a (re)subscription brought. */
struct link_hello {
	char boot[64];
	bool new_boot;   /* rasd restarted (or first contact) */
	uint64_t seq;    /* rasd's newest notice */
	uint64_t missed; /* fell out of rasd's ring before we read them */
	struct json_object *backlog; /* array of notices, owned */
};

void link_init(struct link *l, const char *path);
void link_free(struct link *l);
bool link_up(const struct link *l);
/* The subscription's descriptor, or -1. */
int link_fd(const struct link *l);

/* Connect both, subscribe from where we were. Returns 0 with *hello
 * (free with link_hello_free), or -1 with err and the link down. */
int link_connect(struct link *l, struct link_hello *hello, char *err,
                 size_t errlen);
void link_hello_free(struct link_hello *h);
/* Close both connections and schedule the next try (backoff from
 * 0.5 s doubling to 30 s; reset by a successful link_connect). */
void link_down(struct link *l, uint64_t now_mono_ms);
/* Due for a reconnect at now? and in how many ms (0 if due). */
uint64_t link_retry_in(const struct link *l, uint64_t now_mono_ms);

/* rasd's replies for state_build. Returns 0, or -1 with err ("rasd:
 * dimms: ..."); in is freed either way before refilling. A rasd that
 * refuses "sensors" or "pcie" (older, without the command) leaves
 * in->sensors or in->pcie NULL: no sensors, no devices. */
int link_fetch(struct link *l, struct state_inputs *in, char *err,
               size_t errlen);
void link_inputs_free(struct state_inputs *in);

/*
 * Read what the subscription has (never blocks); every complete line's
 * "notice" object is appended to `notices` (a JSON array). Returns 0, or
 * -1 with err when rasd closed the stream or sent something unusable.
 */
int link_read(struct link *l, struct json_object *notices, char *err,
              size_t errlen);

/* Record a notice as handled: the next subscription starts after it. */
void link_handled(struct link *l, uint64_t seq);

#endif

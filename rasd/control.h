/* control.h - the control socket: a Unix stream socket speaking JSON
 * lines. Requests are checked for shape and size, peers by credentials. */
#ifndef RASD_CONTROL_H
#define RASD_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "loop.h"

/*
 * Protocol, one JSON object per line each way:
 *   -> {"id": 7, "cmd": "events", "args": {"since_ms": 0}}
 *   <- {"id": 7, "ok": true, "result": {...}}
 *   <- {"id": 7, "ok": false, "error": "why"}
 * "id" is optional (echoed as null when absent); a line that cannot be
 * parsed is answered with "request N" (its line number on the
 * connection) in the error, and the connection stays usable.
 */
#define CONTROL_MAX_REQUEST 65536
#define CONTROL_CMD_MAX     32

/*
 * What one client may cost. Clients: at most CONTROL_MAX_CLIENTS, and
 * no more than the descriptor limit leaves; a user other than root (or
 * rasd's own) at most CONTROL_USER_CONNECTIONS at once. Output: a reply
 * is queued whole; past the limit no further request is read until the
 * client reads, and a subscriber is cut (it reconnects and resumes).
 */
#define CONTROL_MAX_CLIENTS      1000
#define CONTROL_USER_CONNECTIONS 16
#define CONTROL_OUT_LIMIT        (4u << 20)
#define CONTROL_USER_OUT_LIMIT   (1u << 20)

struct control_request {
	bool has_id;
	int64_t id;
	char cmd[CONTROL_CMD_MAX];
	struct json_object *args; /* an object (empty if absent); borrowed */
	struct json_object *root; /* owns args */
	void *conn; /* server side: the connection it came on; NULL when the
	             * daemon asks itself */
};

/* Parse and check one request line. Returns 0, or -1 with the reason. */
int control_request_parse(const char *line, size_t len,
                          struct control_request *out, char *err,
                          size_t errlen);
void control_request_free(struct control_request *req);

/*
 * The daemon's side: fill `result` (an empty object) and return 0, or
 * return -1 with the reason in err. `privileged` is true for root (or the
 * daemon's own user); others may only read.
 */
typedef int (*control_handler_fn)(void *arg, const struct control_request *req,
                                  bool privileged, struct json_object *result,
                                  char *err, size_t errlen);

struct control;

int control_open(struct control **out, struct loop *lp, const char *path,
                 control_handler_fn fn, void *arg, char *err, size_t errlen);
void control_close(struct control *c);

/*
 * Subscriptions: a handler calls control_subscribe for the request it is
 * answering; after that reply, every control_broadcast line goes to the
 * connection too. A subscriber whose queue passes its output limit is
 * cut off (not waited for): it reconnects and asks for what it missed.
 * Returns -1 for a request that came from no connection.
 */
int control_subscribe(const struct control_request *req);
/* One line (without its newline) to every subscriber; returns how many
 * took it. */
size_t control_broadcast(struct control *c, const char *line);
size_t control_subscribers(const struct control *c);

/* Smaller caps than the defaults above (tests, the fuzzer); 0 keeps. */
void control_set_limits(struct control *c, size_t max_clients,
                        size_t out_limit);

/* What the server has seen since it opened, for rasctl status. */
struct control_stats {
	size_t clients, max_clients;
	uint64_t accepted;
	uint64_t refused;      /* over a cap, told why */
	uint64_t fd_exhausted; /* accept found no descriptor */
	uint64_t cut;          /* subscribers that did not read */
	uint64_t requests;
	uint64_t bytes_out;
};
void control_get_stats(const struct control *c, struct control_stats *out);

/* Client side (rasctl, tests): connect, send one request, read one reply. */
int control_client_connect(const char *path, char *err, size_t errlen);
int control_client_call(int fd, const char *cmd, struct json_object *args,
                        struct json_object **reply, char *err, size_t errlen);

#endif

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
 * answering; once that reply is written, every control_broadcast line
 * goes to the connection too. A subscriber whose socket is full is cut
 * off (not waited for): it reconnects and asks for what it missed.
 * Returns -1 for a request that came from no connection.
 */
int control_subscribe(const struct control_request *req);
/* One line (without its newline) to every subscriber; returns how many
 * took it. */
size_t control_broadcast(struct control *c, const char *line);
size_t control_subscribers(const struct control *c);

/* Client side (rasctl, tests): connect, send one request, read one reply. */
int control_client_connect(const char *path, char *err, size_t errlen);
int control_client_call(int fd, const char *cmd, struct json_object *args,
                        struct json_object **reply, char *err, size_t errlen);

#endif

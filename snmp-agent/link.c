/* link.c - the connection to rasd: requests on one socket, the notice
 * stream on another, resumed by (boot, seq) after either side restarts. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "../rasd/control.h"
#include "link.h"

void link_init(struct link *l, const char *path)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->path, sizeof(l->path), "%s", path);
	l->req_fd = -1;
	l->sub_fd = -1;
	l->backoff_ms = LINK_BACKOFF_MIN_MS;
}

static void link_close_fds(struct link *l)
{
	if (l->req_fd >= 0)
		close(l->req_fd);
	if (l->sub_fd >= 0)
		close(l->sub_fd);
	l->req_fd = -1;
	l->sub_fd = -1;
	l->used = 0;
}

void link_free(struct link *l)
{
	link_close_fds(l);
	free(l->buf);
	l->buf = NULL;
	l->cap = 0;
}

bool link_up(const struct link *l)
{
	return l->sub_fd >= 0;
}

int link_fd(const struct link *l)
{
	return l->sub_fd;
}

void link_down(struct link *l, uint64_t now_mono_ms)
{
	link_close_fds(l);
	l->retry_at_ms = now_mono_ms + l->backoff_ms;
	l->backoff_ms = l->backoff_ms * 2 > LINK_BACKOFF_MAX_MS
	                    ? LINK_BACKOFF_MAX_MS
	                    : l->backoff_ms * 2;
}

uint64_t link_retry_in(const struct link *l, uint64_t now_mono_ms)
{
	return l->retry_at_ms > now_mono_ms ? l->retry_at_ms - now_mono_ms : 0;
}

void link_handled(struct link *l, uint64_t seq)
{
	if (seq > l->last_seq)
		l->last_seq = seq;
}

/* A rasd that stops answering must not stall the agent's loop. */
static int connect_timed(const char *path, char *err, size_t errlen)
{
	struct timeval tv = {LINK_IO_TIMEOUT_MS / 1000,
	                     (LINK_IO_TIMEOUT_MS % 1000) * 1000};
	int fd = control_client_connect(path, err, errlen);

	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * One request; *result is the reply's "result" (a new reference). When
 * optional, a refusal (an older rasd's "unknown command") is no error:
 * 0 with *result NULL; a broken connection still is.
 */
static int call_as(int fd, const char *cmd, struct json_object *args,
                   bool optional, struct json_object **result, char *err,
                   size_t errlen)
{
	struct json_object *reply, *ok, *v;
	char why[256];

	*result = NULL;
	if (control_client_call(fd, cmd, args, &reply, why, sizeof(why)) < 0) {
		snprintf(err, errlen, "rasd: %s: %s", cmd, why);
		return -1;
	}
	if (optional && (!json_object_object_get_ex(reply, "ok", &ok) ||
	                 !json_object_get_boolean(ok))) {
		json_object_put(reply);
		return 0;
	}
	if (!json_object_object_get_ex(reply, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		snprintf(err, errlen, "rasd: %s: %s", cmd,
		         json_object_object_get_ex(reply, "error", &v)
		             ? json_object_get_string(v)
		             : "refused without a reason");
		json_object_put(reply);
		return -1;
	}
	if (!json_object_object_get_ex(reply, "result", &v) ||
	    !json_object_is_type(v, json_type_object)) {
		snprintf(err, errlen, "rasd: %s: reply has no result object",
		         cmd);
		json_object_put(reply);
		return -1;
	}
	*result = json_object_get(v);
	json_object_put(reply);
	return 0;
}

static int call(int fd, const char *cmd, struct json_object *args,
                struct json_object **result, char *err, size_t errlen)
{
	return call_as(fd, cmd, args, false, result, err, errlen);
}

static struct json_object *subscribe_args(const struct link *l)
{
	struct json_object *a = json_object_new_object();

	/* First contact: no position, so the backlog is rasd's whole
	 * ring (notices raised before we started are told once). */
	if (l->boot[0] == '\0')
		return a;
	json_object_object_add(a, "since",
	                       json_object_new_int64((int64_t)l->last_seq));
	json_object_object_add(a, "boot", json_object_new_string(l->boot));
	return a;
}

static int hello_parse(struct json_object *r, struct link_hello *h, char *err,
                       size_t errlen)
{
	struct json_object *v;

	memset(h, 0, sizeof(*h));
	if (!json_object_object_get_ex(r, "boot", &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "rasd: subscribe: no \"boot\" string");
		return -1;
	}
	snprintf(h->boot, sizeof(h->boot), "%s", json_object_get_string(v));
	if (json_object_object_get_ex(r, "seq", &v))
		h->seq = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(r, "missed", &v))
		h->missed = (uint64_t)json_object_get_int64(v);
	if (json_object_object_get_ex(r, "backlog", &v) &&
	    !json_object_is_type(v, json_type_array)) {
		snprintf(err, errlen,
		         "rasd: subscribe: \"backlog\" is not an "
		         "array");
		return -1;
	}
	h->backlog = v != NULL && json_object_is_type(v, json_type_array)
	                 ? json_object_get(v)
	                 : json_object_new_array();
	return 0;
}

static int subscribe(struct link *l, struct link_hello *h, char *err,
                     size_t errlen)
{
	struct json_object *args = subscribe_args(l), *r;
	int rc;

	rc = call(l->sub_fd, "subscribe", args, &r, err, errlen);
	json_object_put(args);
	if (rc < 0)
		return -1;
	rc = hello_parse(r, h, err, errlen);
	json_object_put(r);
	if (rc < 0)
		return -1;
	h->new_boot = strcmp(h->boot, l->boot) != 0;
	if (h->new_boot) {
		/* Sequence numbers start again with a new boot. */
		snprintf(l->boot, sizeof(l->boot), "%s", h->boot);
		l->last_seq = 0;
	}
	return 0;
}

int link_connect(struct link *l, struct link_hello *h, char *err, size_t errlen)
{
	int fl;

	memset(h, 0, sizeof(*h));
	link_close_fds(l);
	l->req_fd = connect_timed(l->path, err, errlen);
	if (l->req_fd < 0)
		return -1;
	l->sub_fd = connect_timed(l->path, err, errlen);
	if (l->sub_fd < 0 || subscribe(l, h, err, errlen) < 0) {
		link_close_fds(l);
		return -1;
	}
	/* From here the stream is read only when poll says so. */
	fl = fcntl(l->sub_fd, F_GETFL);
	if (fl < 0 || fcntl(l->sub_fd, F_SETFL, fl | O_NONBLOCK) < 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		link_hello_free(h);
		link_close_fds(l);
		return -1;
	}
	l->backoff_ms = LINK_BACKOFF_MIN_MS;
	return 0;
}

void link_hello_free(struct link_hello *h)
{
	if (h->backlog != NULL)
		json_object_put(h->backlog);
	h->backlog = NULL;
}

void link_inputs_free(struct state_inputs *in)
{
	struct json_object **all[] = {&in->status,  &in->dimms,   &in->sockets,
	                              &in->cpus,    &in->actions, &in->pages,
	                              &in->sensors, &in->pcie};
	size_t i;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (*all[i] != NULL)
			json_object_put(*all[i]);
		*all[i] = NULL;
	}
}

/* The devices and their counts, without the rows ("limit": 0). */
static int fetch_pcie(struct link *l, struct state_inputs *in, char *err,
                      size_t errlen)
{
	struct json_object *args = json_object_new_object();
	int rc;

	json_object_object_add(args, "limit", json_object_new_int(0));
	rc = call_as(l->req_fd, "pcie", args, true, &in->pcie, err, errlen);
	json_object_put(args);
	return rc;
}

int link_fetch(struct link *l, struct state_inputs *in, char *err,
               size_t errlen)
{
	link_inputs_free(in);
	if (l->req_fd < 0) {
		snprintf(err, errlen, "rasd: not connected");
		return -1;
	}
	if (call(l->req_fd, "status", NULL, &in->status, err, errlen) < 0 ||
	    call(l->req_fd, "dimms", NULL, &in->dimms, err, errlen) < 0 ||
	    call(l->req_fd, "sockets", NULL, &in->sockets, err, errlen) < 0 ||
	    call(l->req_fd, "cpus", NULL, &in->cpus, err, errlen) < 0 ||
	    call(l->req_fd, "actions", NULL, &in->actions, err, errlen) < 0 ||
	    call(l->req_fd, "pages", NULL, &in->pages, err, errlen) < 0 ||
	    call_as(l->req_fd, "sensors", NULL, true, &in->sensors, err,
	            errlen) < 0 ||
	    fetch_pcie(l, in, err, errlen) < 0) {
		link_inputs_free(in);
		return -1;
	}
	return 0;
}

static int buf_reserve(struct link *l, size_t more, char *err, size_t errlen)
{
	size_t cap = l->cap ? l->cap : 4096;
	char *nb;

	while (cap < l->used + more)
		cap *= 2;
	if (cap == l->cap)
		return 0;
	nb = realloc(l->buf, cap);
	if (nb == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	l->buf = nb;
	l->cap = cap;
	return 0;
}

/* One stream line: {"notice": {...}}; anything else is skipped. */
static int take_line(const char *line, size_t len, struct json_object *notices,
                     char *err, size_t errlen)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o, *n;

	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	o = json_tokener_parse_ex(tok, line, (int)len);
	json_tokener_free(tok);
	if (o == NULL) {
		snprintf(err, errlen,
		         "rasd: subscription: a line that is not "
		         "JSON");
		return -1;
	}
	if (json_object_object_get_ex(o, "notice", &n))
		json_object_array_add(notices, json_object_get(n));
	json_object_put(o);
	return 0;
}

static int take_lines(struct link *l, struct json_object *notices, char *err,
                      size_t errlen)
{
	size_t start = 0;
	char *nl;

	while ((nl = memchr(l->buf + start, '\n', l->used - start)) != NULL) {
		size_t len = (size_t)(nl - (l->buf + start));

		if (len > 0 &&
		    take_line(l->buf + start, len, notices, err, errlen) < 0)
			return -1;
		start += len + 1;
	}
	memmove(l->buf, l->buf + start, l->used - start);
	l->used -= start;
	if (l->used > LINK_MAX_LINE) {
		snprintf(err, errlen,
		         "rasd: subscription: a line over %d "
		         "bytes",
		         LINK_MAX_LINE);
		return -1;
	}
	return 0;
}

int link_read(struct link *l, struct json_object *notices, char *err,
              size_t errlen)
{
	ssize_t n;
	int e = 0;

	if (l->sub_fd < 0) {
		snprintf(err, errlen, "rasd: not connected");
		return -1;
	}
	for (;;) {
		if (buf_reserve(l, 65536, err, errlen) < 0)
			return -1;
		n = read(l->sub_fd, l->buf + l->used, l->cap - l->used);
		e = n < 0 ? errno : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return take_lines(l, notices, err, errlen);
		if (n <= 0)
			break;
		l->used += (size_t)n;
		if (take_lines(l, notices, err, errlen) < 0)
			return -1;
	}
	/* The lines before the end still count. */
	if (take_lines(l, notices, err, errlen) < 0)
		return -1;
	snprintf(err, errlen, "rasd closed the subscription%s%s", e ? ": " : "",
	         e ? strerror(e) : "");
	return -1;
}

/* fuzz_control_session.c - libFuzzer target for the control server: the
 * input is a script of client sessions (connect, partial writes, reads,
 * half-closes, disconnects, notices) played against control.c in-process. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rasd/control.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENTS   6
#define OUT_LIMIT 8192 /* small, so that cuts and backpressure happen */

struct client {
	int fd;
	char line[16384];
	size_t used;
	bool overflow; /* a line longer than we keep: not checked */
};

struct server {
	struct loop *lp;
	struct control *ctl;
	char path[108];
	struct client cl[CLIENTS];
};

/* The daemon's side: a few commands of every shape a reply can take. */
static int handler(void *arg, const struct control_request *req,
                   bool privileged, struct json_object *result, char *err,
                   size_t errlen)
{
	struct json_object *arr, *v;
	int64_t i, n = 0;

	(void)arg;
	(void)privileged;
	if (!strcmp(req->cmd, "subscribe"))
		return control_subscribe(req) < 0 ? -1 : 0;
	if (!strcmp(req->cmd, "big")) {
		/* A reply longer than the output limit: queued whole. */
		if (json_object_object_get_ex(req->args, "n", &v))
			n = json_object_get_int64(v) & 1023;
		arr = json_object_new_array();
		for (i = 0; i < n; i++)
			json_object_array_add(arr, json_object_new_int64(i));
		json_object_object_add(result, "items", arr);
		return 0;
	}
	if (!strcmp(req->cmd, "fail")) {
		snprintf(err, errlen, "fail: as asked");
		return -1;
	}
	json_object_object_add(result, "cmd", json_object_new_string(req->cmd));
	return 0;
}

static struct server *server_get(void)
{
	static struct server s;
	static bool ready;
	char dir[] = "/tmp/fuzz-ctl-XXXXXX", err[256];

	if (ready)
		return &s;
	/* As in rasd: a peer that left is EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if (mkdtemp(dir) == NULL || loop_create(&s.lp) < 0)
		abort();
	snprintf(s.path, sizeof(s.path), "%s/sock", dir);
	if (control_open(&s.ctl, s.lp, s.path, handler, NULL, err,
	                 sizeof(err)) < 0) {
		fprintf(stderr, "fuzz_control_session: %s\n", err);
		abort();
	}
	control_set_limits(s.ctl, CLIENTS - 1, OUT_LIMIT);
	for (int i = 0; i < CLIENTS; i++)
		s.cl[i].fd = -1;
	ready = true;
	return &s;
}

/* Every line the server sends is one JSON object: a reply or a notice. */
static void check_line(const char *line, size_t len)
{
	struct json_object *o = json_tokener_parse(line), *v;

	(void)len;
	if (o == NULL)
		__builtin_trap();
	if (!json_object_object_get_ex(o, "ok", &v) &&
	    !json_object_object_get_ex(o, "notice", &v))
		__builtin_trap();
	json_object_put(o);
}

static void client_close(struct client *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->used = 0;
	c->overflow = false;
}

static void client_read(struct client *c, size_t max)
{
	char buf[4096];
	ssize_t n;
	size_t i;

	n = read(c->fd, buf, max < sizeof(buf) ? max : sizeof(buf));
	if (n == 0) {
		client_close(c);
		return;
	}
	for (i = 0; n > 0 && i < (size_t)n; i++) {
		if (buf[i] == '\n') {
			c->line[c->used] = '\0';
			if (!c->overflow)
				check_line(c->line, c->used);
			c->used = 0;
			c->overflow = false;
		} else if (c->used + 1 < sizeof(c->line)) {
			c->line[c->used++] = buf[i];
		} else {
			c->overflow = true;
		}
	}
}

static int dial(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

/* Canned requests, so that the fuzzer reaches the handler quickly. */
static const char *const canned[] = {
    "{\"id\":1,\"cmd\":\"status\"}\n",
    "{\"cmd\":\"subscribe\"}\n",
    "{\"id\":2,\"cmd\":\"big\",\"args\":{\"n\":1000}}\n",
    "{\"cmd\":\"fail\"}\n",
    "not json\n",
    "{\"cmd\":\"status\"}\n{\"cmd\":\"status\"}\n{\"cmd\":\"status\"}\n",
};

/*
 * The script: an op byte (low 3 bits: what; high bits: which client),
 * then its operands. Data comes from the script itself.
 */
static size_t play(struct server *s, const uint8_t *d, size_t n)
{
	struct client *c = &s->cl[(d[0] >> 3) % CLIENTS];
	size_t len = n > 1 ? d[1] : 0, used = 2;
	char line[300];
	ssize_t w;
	int k;

	switch (d[0] & 7) {
	case 0:
		if (c->fd < 0)
			c->fd = dial(s->path);
		return 1;
	case 1: /* a piece of a request, as the script gives it */
		if (len > n - 2)
			len = n - 2;
		if (c->fd >= 0)
			w = write(c->fd, d + 2, len);
		(void)w;
		return used + len;
	case 2:
		if (c->fd >= 0)
			client_read(c, len * 64 + 1);
		return used;
	case 3:
		client_close(c);
		return 1;
	case 4:
		if (c->fd >= 0)
			shutdown(c->fd, SHUT_WR);
		return 1;
	case 5:
		loop_run_once(s->lp, d[0] >> 7);
		return 1;
	case 6: /* a notice of about len bytes to every subscriber */
		k = snprintf(line, sizeof(line),
		             "{\"notice\":{\"seq\":%zu,\"t\":\"", len);
		memset(line + k, 'y', len);
		memcpy(line + k + len, "\"}}", 4);
		control_broadcast(s->ctl, line);
		return used;
	default:
		if (c->fd >= 0)
			w = write(c->fd, canned[len % 6],
			          strlen(canned[len % 6]));
		(void)w;
		return used;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct server *s = server_get();
	struct control_stats st;
	size_t off = 0;
	int i;

	while (off < size)
		off += play(s, data + off, size - off);
	/* Everyone leaves: the server must free them all. */
	for (i = 0; i < CLIENTS; i++)
		client_close(&s->cl[i]);
	/* The work timer is a timerfd due in 1 ns: a round may come before
	 * it fires, hence the short waits. */
	for (i = 0; i < 200; i++) {
		control_get_stats(s->ctl, &st);
		if (st.clients == 0)
			return 0;
		loop_run_once(s->lp, 1);
	}
	__builtin_trap();
}

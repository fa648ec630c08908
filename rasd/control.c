/* control.c - accepts control clients, frames their JSON lines, checks
 * each request and the peer's credentials, and answers through a handler. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "control.h"

struct control_client {
	struct control *ctl;
	int fd;
	bool privileged;
	uid_t uid;
	bool discarding;      /* skipping the rest of an over-long line */
	bool subscribe_asked; /* the current request subscribes */
	bool subscribed;      /* broadcasts are written here */
	bool dead;            /* cut off; freed when the loop sees EOF */
	uint64_t lines;       /* requests seen, for "request N" messages */
	size_t used;
	char buf[CONTROL_MAX_REQUEST + 1];
	struct control_client *next;
};

struct control {
	struct loop *lp;
	int fd;
	char path[108];
	control_handler_fn fn;
	void *arg;
	struct control_client *clients;
};

static bool cmd_word_ok(const char *s)
{
	size_t i, n = strlen(s);

	if (n == 0 || n >= CONTROL_CMD_MAX)
		return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
			return false;
	return true;
}

static int request_check_keys(struct json_object *root, char *err,
                              size_t errlen)
{
	json_object_object_foreach(root, key, val)
	{
		(void)val;
		if (strcmp(key, "id") && strcmp(key, "cmd") &&
		    strcmp(key, "args")) {
			snprintf(err, errlen, "unknown key '%.40s'", key);
			return -1;
		}
	}
	return 0;
}

static int request_fill(struct json_object *root, struct control_request *out,
                        char *err, size_t errlen)
{
	struct json_object *id, *cmd, *args;

	if (json_object_object_get_ex(root, "id", &id) &&
	    !json_object_is_type(id, json_type_null)) {
		if (!json_object_is_type(id, json_type_int)) {
			snprintf(err, errlen, "\"id\" must be an integer");
			return -1;
		}
		out->has_id = true;
		out->id = json_object_get_int64(id);
	}
	if (request_check_keys(root, err, errlen) < 0)
		return -1;
	if (!json_object_object_get_ex(root, "cmd", &cmd) ||
	    !json_object_is_type(cmd, json_type_string)) {
		snprintf(err, errlen, "missing \"cmd\" string");
		return -1;
	}
	if (!cmd_word_ok(json_object_get_string(cmd))) {
		snprintf(err, errlen, "bad command name '%.40s'",
		         json_object_get_string(cmd));
		return -1;
	}
	snprintf(out->cmd, sizeof(out->cmd), "%s", json_object_get_string(cmd));
	if (!json_object_object_get_ex(root, "args", &args)) {
		args = json_object_new_object();
		json_object_object_add(root, "args", args);
	}
	if (!json_object_is_type(args, json_type_object)) {
		snprintf(err, errlen, "\"args\" must be an object");
		return -1;
	}
	out->args = args;
	return 0;
}

static bool only_space(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r')
			return false;
	return true;
}

int control_request_parse(const char *line, size_t len,
                          struct control_request *out, char *err, size_t errlen)
{
	struct json_tokener *tok;
	struct json_object *root;
	enum json_tokener_error jerr;

	memset(out, 0, sizeof(*out));
	if (len > CONTROL_MAX_REQUEST) {
		snprintf(err, errlen, "request too long (limit %d bytes)",
		         CONTROL_MAX_REQUEST);
		return -1;
	}
	tok = json_tokener_new_ex(16);
	if (tok == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	root = json_tokener_parse_ex(tok, line, (int)len);
	jerr = json_tokener_get_error(tok);
	if (root != NULL && jerr == json_tokener_success &&
	    !only_space(line + json_tokener_get_parse_end(tok),
	                len - json_tokener_get_parse_end(tok))) {
		/* Trailing bytes after a complete value: not one object. */
		json_object_put(root);
		root = NULL;
		jerr = json_tokener_error_parse_unexpected;
	}
	json_tokener_free(tok);
	if (root == NULL) {
		snprintf(err, errlen, "not JSON: %s",
		         jerr == json_tokener_continue
		             ? "unexpected end of input"
		             : json_tokener_error_desc(jerr));
		return -1;
	}
	if (!json_object_is_type(root, json_type_object)) {
		json_object_put(root);
		snprintf(err, errlen, "not a JSON object");
		return -1;
	}
	out->root = root;
	if (request_fill(root, out, err, errlen) < 0) {
		control_request_free(out);
		return -1;
	}
	return 0;
}

void control_request_free(struct control_request *req)
{
	if (req->root != NULL)
		json_object_put(req->root);
	memset(req, 0, sizeof(*req));
}

/*
 * Replies are written blocking with a send timeout: a client that stops
 * reading is dropped after a second rather than stalling the loop.
 */
static int write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static int client_reply(struct control_client *cl, bool has_id, int64_t id,
                        struct json_object *result, const char *error)
{
	struct json_object *o = json_object_new_object();
	const char *text;
	int rc;

	json_object_object_add(o, "id",
	                       has_id ? json_object_new_int64(id) : NULL);
	json_object_object_add(o, "ok", json_object_new_boolean(error == NULL));
	if (error != NULL)
		json_object_object_add(o, "error",
		                       json_object_new_string(error));
	else
		json_object_object_add(o, "result", json_object_get(result));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	rc = write_all(cl->fd, text, strlen(text));
	if (rc == 0)
		rc = write_all(cl->fd, "\n", 1);
	json_object_put(o);
	return rc;
}

static int client_handle_line(struct control_client *cl, const char *line,
                              size_t len)
{
	struct control_request req;
	struct json_object *result;
	char err[512], msg[600];
	int rc;

	cl->lines++;
	if (control_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "request %llu: %s",
		         (unsigned long long)cl->lines, err);
		return client_reply(cl, false, 0, NULL, msg);
	}
	result = json_object_new_object();
	err[0] = '\0';
	req.conn = cl;
	cl->subscribe_asked = false;
	if (cl->ctl->fn(cl->ctl->arg, &req, cl->privileged, result, err,
	                sizeof(err)) < 0)
		rc = client_reply(cl, req.has_id, req.id, NULL,
		                  err[0] ? err : "failed");
	else
		rc = client_reply(cl, req.has_id, req.id, result, NULL);
	if (rc == 0 && cl->subscribe_asked && err[0] == '\0')
		cl->subscribed = true;
	json_object_put(result);
	control_request_free(&req);
	return rc;
}

static void client_free(struct control *ctl, struct control_client *cl)
{
	struct control_client **p;

	for (p = &ctl->clients; *p != NULL; p = &(*p)->next) {
		if (*p == cl) {
			*p = cl->next;
			break;
		}
	}
	loop_del_fd(ctl->lp, cl->fd);
	close(cl->fd);
	free(cl);
}

/* Split the buffer into lines; an over-long one is refused, not kept. */
static int client_consume(struct control_client *cl)
{
	char *nl, *start = cl->buf;
	size_t left = cl->used;

	while ((nl = memchr(start, '\n', left)) != NULL) {
		size_t len = (size_t)(nl - start);

		if (cl->discarding)
			cl->discarding = false;
		else if (len > 0 && client_handle_line(cl, start, len) < 0)
			return -1;
		left -= len + 1;
		start = nl + 1;
	}
	if (left >= CONTROL_MAX_REQUEST) {
		char msg[96];

		if (!cl->discarding) {
			cl->lines++;
			snprintf(msg, sizeof(msg),
			         "request %llu: request too long (limit %d "
			         "bytes)",
			         (unsigned long long)cl->lines,
			         CONTROL_MAX_REQUEST);
			if (client_reply(cl, false, 0, NULL, msg) < 0)
				return -1;
		}
		cl->discarding = true;
		left = 0;
	}
	memmove(cl->buf, start, left);
	cl->used = left;
	return 0;
}

static void client_readable(void *arg, int fd, uint32_t events)
{
	struct control_client *cl = arg;
	ssize_t n;

	(void)events;
	if (cl->dead) {
		client_free(cl->ctl, cl);
		return;
	}
	n = read(fd, cl->buf + cl->used, CONTROL_MAX_REQUEST - cl->used);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		client_free(cl->ctl, cl);
		return;
	}
	cl->used += (size_t)n;
	if (client_consume(cl) < 0)
		client_free(cl->ctl, cl);
}

static void control_accept(void *arg, int fd, uint32_t events)
{
	struct control *ctl = arg;
	struct control_client *cl;
	struct timeval tv = {.tv_sec = 1, .tv_usec = 0};
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int cfd;

	(void)events;
	cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (cfd < 0)
		return;
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL ||
	    getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		free(cl);
		close(cfd);
		return;
	}
	setsockopt(cfd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	fcntl(cfd, F_SETFL, fcntl(cfd, F_GETFL) | O_NONBLOCK);
	cl->ctl = ctl;
	cl->fd = cfd;
	cl->uid = cred.uid;
	cl->privileged = cred.uid == 0 || cred.uid == geteuid();
	if (loop_add_fd(ctl->lp, cfd, client_readable, cl) < 0) {
		close(cfd);
		free(cl);
		return;
	}
	cl->next = ctl->clients;
	ctl->clients = cl;
}

int control_subscribe(const struct control_request *req)
{
	struct control_client *cl = req->conn;

	if (cl == NULL)
		return -1;
	cl->subscribe_asked = true;
	return 0;
}

/*
 * A failed write cannot free the client here: the broadcast may come from
 * inside that client's own request. It is shut down instead, and the
 * loop frees it when it reports the hang-up.
 */
size_t control_broadcast(struct control *ctl, const char *line)
{
	struct control_client *cl;
	size_t n = 0;

	if (ctl == NULL)
		return 0;
	for (cl = ctl->clients; cl != NULL; cl = cl->next) {
		if (!cl->subscribed || cl->dead)
			continue;
		if (write_all(cl->fd, line, strlen(line)) < 0 ||
		    write_all(cl->fd, "\n", 1) < 0) {
			cl->dead = true;
			shutdown(cl->fd, SHUT_RDWR);
			continue;
		}
		n++;
	}
	return n;
}

size_t control_subscribers(const struct control *ctl)
{
	const struct control_client *cl;
	size_t n = 0;

	for (cl = ctl ? ctl->clients : NULL; cl != NULL; cl = cl->next)
		n += cl->subscribed && !cl->dead;
	return n;
}

/* The short name of a process, from /proc (empty when gone). */
static void proc_comm(pid_t pid, char *out, size_t len)
{
	char path[64];
	FILE *f;

	out[0] = '\0';
	snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	if (fgets(out, (int)len, f) != NULL)
		out[strcspn(out, "\n")] = '\0';
	fclose(f);
}

/*
 * The daemon a listener belongs to: rasd's engine holds the socket, its
 * privileged parent is the process an operator knows (systemd's main
 * pid, the one the lock names).
 */
static pid_t daemon_pid(pid_t listener)
{
	char path[64], buf[512], comm[32], *close_paren;
	int ppid = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)listener);
	if ((f = fopen(path, "r")) == NULL)
		return listener;
	close_paren = fgets(buf, sizeof(buf), f) ? strrchr(buf, ')') : NULL;
	fclose(f);
	if (close_paren == NULL || sscanf(close_paren, ") %*c %d", &ppid) != 1)
		return listener;
	proc_comm((pid_t)ppid, comm, sizeof(comm));
	return strcmp(comm, "rasd") == 0 ? (pid_t)ppid : listener;
}

/*
 * A socket some daemon still listens on is never taken over: only a
 * stale one (connection refused) left by a crash is removed.
 */
static int socket_claim(const char *path, const struct sockaddr_un *sa,
                        char *err, size_t errlen)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	struct stat st;
	int fd, rc;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "%s exists and is not a socket", path);
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	if (rc == 0) {
		memset(&cr, 0, sizeof(cr));
		getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len);
		close(fd);
		snprintf(err, errlen,
		         "control socket %s is in use by a running rasd (pid "
		         "%d)",
		         path, (int)daemon_pid(cr.pid));
		return -1;
	}
	close(fd);
	if (errno != ECONNREFUSED) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	unlink(path);
	return 0;
}

int control_open(struct control **out, struct loop *lp, const char *path,
                 control_handler_fn fn, void *arg, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct control *ctl;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long (max %zu)",
		         path, sizeof(sa.sun_path) - 1);
		return -1;
	}
	ctl = calloc(1, sizeof(*ctl));
	if (ctl == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ctl->lp = lp;
	ctl->fn = fn;
	ctl->arg = arg;
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (socket_claim(path, &sa, err, errlen) < 0) {
		free(ctl);
		return -1;
	}
	ctl->fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ctl->fd, 16) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		if (ctl->fd >= 0)
			close(ctl->fd);
		free(ctl);
		return -1;
	}
	/* Everyone may read; the peer-credential check guards changes. */
	chmod(path, 0666);
	if (loop_add_fd(lp, ctl->fd, control_accept, ctl) < 0) {
		snprintf(err, errlen, "%s: cannot watch: %s", path,
		         strerror(errno));
		close(ctl->fd);
		unlink(path);
		free(ctl);
		return -1;
	}
	*out = ctl;
	return 0;
}

void control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL)
		client_free(ctl, ctl->clients);
	loop_del_fd(ctl->lp, ctl->fd);
	close(ctl->fd);
	unlink(ctl->path);
	free(ctl);
}

int control_client_connect(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "%s: socket path too long", path);
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		snprintf(err, errlen, "cannot reach rasd at %s: %s", path,
		         strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

/* Read one reply line of any length (event lists can be long). */
static char *read_line(int fd, char *err, size_t errlen)
{
	size_t cap = 4096, used = 0;
	char *buf = malloc(cap);

	while (buf != NULL) {
		ssize_t n;

		if (used + 1 >= cap) {
			char *nb = realloc(buf, cap * 2);

			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		n = read(fd, buf + used, 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "rasd closed the connection");
			free(buf);
			return NULL;
		}
		if (buf[used] == '\n') {
			buf[used] = '\0';
			return buf;
		}
		used++;
	}
	free(buf);
	snprintf(err, errlen, "out of memory");
	return NULL;
}

int control_client_call(int fd, const char *cmd, struct json_object *args,
                        struct json_object **reply, char *err, size_t errlen)
{
	struct json_object *req = json_object_new_object();
	const char *text;
	char *line;
	int rc;

	json_object_object_add(req, "id", json_object_new_int(1));
	json_object_object_add(req, "cmd", json_object_new_string(cmd));
	if (args != NULL)
		json_object_object_add(req, "args", json_object_get(args));
	text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN);
	rc = write_all(fd, text, strlen(text));
	if (rc == 0)
		rc = write_all(fd, "\n", 1);
	json_object_put(req);
	if (rc < 0) {
		snprintf(err, errlen, "cannot send to rasd: %s",
		         strerror(errno));
		return -1;
	}
	line = read_line(fd, err, errlen);
	if (line == NULL)
		return -1;
	*reply = json_tokener_parse(line);
	free(line);
	if (*reply == NULL) {
		snprintf(err, errlen, "rasd sent a reply that is not JSON");
		return -1;
	}
	return 0;
}

/* control.c - the control socket's server: accepts clients within a cap,
 * frames their requests, queues replies and notices per client, writes. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "control.h"

/*
 * Descriptors rasd keeps for itself (journal, read-only queries, the
 * host, publishers, hooks): clients get what the limit leaves.
 */
#define FDS_KEPT 32
/* Connections taken per wake-up: a flood of them waits its turn. */
#define ACCEPTS_PER_TURN 16
/* Out of descriptors: accepting rests this long (no busy loop). */
#define ACCEPT_REST_NS 100000000ull
/* The first read buffer; it grows to a whole request and is freed. */
#define INPUT_FIRST 4096

/* A byte queue: data[off, len) is waiting; freed whole when empty. */
struct cbuf {
	char *data;
	size_t off, len, cap;
};

struct control_client {
	struct control *ctl;
	int fd;
	uid_t uid;
	bool privileged;
	bool discarding;      /* skipping the rest of an over-long line */
	bool subscribe_asked; /* the current request subscribes */
	bool subscribed;      /* notices are queued here */
	bool dead;            /* cut off or gone; freed by the reaper */
	bool eof;             /* sent all it will: answer, then close */
	uint32_t events;      /* what the loop watches it for */
	uint64_t lines;       /* requests seen, for "request N" messages */
	size_t out_limit;     /* queued bytes past which notices cut it */
	struct cbuf in, out;
	struct control_client *next;
};

struct control {
	struct loop *lp;
	int fd;
	int reserve_fd; /* spent to refuse a client when out of fds */
	bool bound;     /* the socket file is ours to remove */
	char path[108];
	control_handler_fn fn;
	void *arg;
	struct control_client *clients;
	size_t n_clients, max_clients, peak_clients;
	size_t n_subscribers; /* subscribed and not cut */
	size_t out_limit; /* 0: CONTROL_OUT_LIMIT and CONTROL_USER_OUT_LIMIT */
	struct loop_timer *work;   /* requests left over, the dead to free */
	struct loop_timer *resume; /* accepting again after a rest */
	bool work_armed;
	struct control_stats stats;
};

/* ---- byte queues ---- */

static void cbuf_free(struct cbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static size_t cbuf_used(const struct cbuf *b)
{
	return b->len - b->off;
}

/*
 * Room for `more` at the end. The written part at the front is reclaimed
 * only when it is at least as large as what still waits: a queue that is
 * written as fast as it is filled would otherwise move its whole content
 * on every append.
 */
static int cbuf_reserve(struct cbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : INPUT_FIRST;
	char *nd;

	if (b->cap - b->len >= more)
		return 0;
	if (b->off > 0 && b->off >= b->len - b->off) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= more)
			return 0;
	}
	while (cap - b->len < more)
		cap *= 2;
	nd = realloc(b->data, cap);
	if (nd == NULL)
		return -1;
	b->data = nd;
	b->cap = cap;
	return 0;
}

static int cbuf_put(struct cbuf *b, const char *s, size_t len)
{
	if (cbuf_reserve(b, len) < 0)
		return -1;
	memcpy(b->data + b->len, s, len);
	b->len += len;
	return 0;
}

/*
 * Taken from the front. An empty queue keeps a buffer of up to
 * CBUF_KEEP for the next line: a subscriber empties its queue at
 * almost every write, and giving a large buffer back each time cost a
 * munmap (and every CPU's TLB flushed) per notice. Larger ones go back.
 */
#define CBUF_KEEP (64 * 1024)

static void cbuf_take(struct cbuf *b, size_t n)
{
	b->off += n;
	if (b->off != b->len)
		return;
	if (b->cap > CBUF_KEEP) {
		cbuf_free(b);
		return;
	}
	b->off = b->len = 0;
}

/* ---- the work timer: leftovers and the dead, on the next turn ---- */

static void control_kick(struct control *ctl)
{
	if (ctl->work_armed || ctl->work == NULL)
		return;
	/* A timerfd due at once is ready in the next epoll_wait, after
	 * what is ready now: everyone else gets a turn first. */
	if (loop_timer_arm(ctl->work, 1) == 0)
		ctl->work_armed = true;
}

static void client_watch(struct control_client *cl, uint32_t events)
{
	if (cl->events == events)
		return;
	if (loop_set_events(cl->ctl->lp, cl->fd, events) == 0)
		cl->events = events;
}

/* Marked now, freed by the reaper: it may be mid-request or in the list
 * a broadcast walks. */
static void client_kill(struct control_client *cl)
{
	if (cl->dead)
		return;
	cl->dead = true;
	if (cl->subscribed)
		cl->ctl->n_subscribers--;
	client_watch(cl, 0);
	control_kick(cl->ctl);
}

/* ---- output ---- */

/* Replies pile up past the limit: read nothing more until they drain. */
static bool client_backed_up(const struct control_client *cl)
{
	return cbuf_used(&cl->out) > cl->out_limit;
}

static bool client_has_line(const struct control_client *cl)
{
	return cbuf_used(&cl->in) > 0 &&
	       memchr(cl->in.data + cl->in.off, '\n', cbuf_used(&cl->in));
}

/*
 * What the client is watched for follows from its queues: writable
 * while replies wait; readable unless a request waits to be answered,
 * replies are backed up or it said all it will. Input is so bounded
 * by one request.
 */
static void client_settle(struct control_client *cl)
{
	bool waiting = client_has_line(cl), backed_up = client_backed_up(cl);
	uint32_t events = 0;

	if (cl->dead)
		return;
	if (cl->eof && !waiting && cbuf_used(&cl->out) == 0) {
		client_kill(cl);
		return;
	}
	if (cbuf_used(&cl->out) > 0)
		events |= EPOLLOUT;
	if (!waiting && !backed_up && !cl->eof)
		events |= EPOLLIN;
	client_watch(cl, events);
	if (waiting && !backed_up)
		control_kick(cl->ctl);
}

/* As much as the socket takes now; the rest on EPOLLOUT. */
static void client_flush(struct control_client *cl)
{
	while (cbuf_used(&cl->out) > 0) {
		ssize_t n = write(cl->fd, cl->out.data + cl->out.off,
		                  cbuf_used(&cl->out));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			client_kill(cl);
			return;
		}
		cl->ctl->stats.bytes_out += (uint64_t)n;
		cbuf_take(&cl->out, (size_t)n);
	}
	client_settle(cl);
}

/* One line into the queue; the caller decides when it is written. */
static int client_queue(struct control_client *cl, const char *text, size_t len)
{
	if (cbuf_put(&cl->out, text, len) < 0 ||
	    cbuf_put(&cl->out, "\n", 1) < 0) {
		client_kill(cl);
		return -1;
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
	/* A reply is queued whole, however long: pages bound it. */
	rc = client_queue(cl, text, strlen(text));
	json_object_put(o);
	return rc;
}

/* ---- input ---- */

static void client_handle_line(struct control_client *cl, const char *line,
                               size_t len)
{
	struct control_request req;
	struct json_object *result;
	char err[512], msg[600];
	int rc;

	cl->lines++;
	cl->ctl->stats.requests++;
	if (control_request_parse(line, len, &req, err, sizeof(err)) < 0) {
		snprintf(msg, sizeof(msg), "request %llu: %s",
		         (unsigned long long)cl->lines, err);
		client_reply(cl, false, 0, NULL, msg);
		return;
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
	if (rc == 0 && cl->subscribe_asked && err[0] == '\0' &&
	    !cl->subscribed) {
		cl->subscribed = true;
		cl->ctl->n_subscribers++;
	}
	json_object_put(result);
	control_request_free(&req);
}

/* An over-long line is refused once and skipped to its newline. */
static void client_too_long(struct control_client *cl)
{
	char msg[96];

	if (!cl->discarding) {
		cl->lines++;
		snprintf(msg, sizeof(msg),
		         "request %llu: request too long (limit %d bytes)",
		         (unsigned long long)cl->lines, CONTROL_MAX_REQUEST);
		client_reply(cl, false, 0, NULL, msg);
	}
	cl->discarding = true;
	cbuf_free(&cl->in);
}

/*
 * One request per turn: a client that sends many waits for the others
 * between them (the work timer brings it back).
 */
static void client_step(struct control_client *cl)
{
	char *start = cl->in.data + cl->in.off, *nl;
	size_t len;

	nl = memchr(start, '\n', cbuf_used(&cl->in));
	if (nl == NULL) {
		if (cl->discarding || cbuf_used(&cl->in) >= CONTROL_MAX_REQUEST)
			client_too_long(cl);
		return;
	}
	len = (size_t)(nl - start);
	if (cl->discarding)
		cl->discarding = false;
	else if (len > 0)
		client_handle_line(cl, start, len);
	cbuf_take(&cl->in, len + 1);
}

/* Answer what waits, if replies are not piled up; write the reply. */
static void client_work(struct control_client *cl)
{
	if (cl->dead)
		return;
	if (!client_backed_up(cl) && cbuf_used(&cl->in) > 0)
		client_step(cl);
	if (!cl->dead)
		client_flush(cl);
}

/*
 * Read until a whole request is in, the socket is dry, or the buffer
 * holds the longest request there may be: one turn takes one request.
 */
static int client_fill(struct control_client *cl)
{
	while (!client_has_line(cl) &&
	       cbuf_used(&cl->in) < CONTROL_MAX_REQUEST) {
		ssize_t n;

		if (cbuf_reserve(&cl->in, INPUT_FIRST) < 0)
			return -1;
		n = read(cl->fd, cl->in.data + cl->in.len,
		         cl->in.cap - cl->in.len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n < 0)
			return -1;
		/* End of input: answer what it asked, then close. */
		if (n == 0) {
			cl->eof = true;
			break;
		}
		cl->in.len += (size_t)n;
	}
	if (cbuf_used(&cl->in) == 0)
		cbuf_free(&cl->in);
	return 0;
}

static void client_read(struct control_client *cl)
{
	if (client_fill(cl) < 0) {
		client_kill(cl);
		return;
	}
	client_work(cl);
}

static void client_ready(void *arg, int fd, uint32_t events)
{
	struct control_client *cl = arg;

	(void)fd;
	if (cl->dead)
		return;
	if (events & EPOLLOUT)
		client_flush(cl);
	if (!cl->dead && (cl->events & EPOLLIN) &&
	    (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		client_read(cl);
}

/* ---- clients come and go ---- */

static void client_free(struct control *ctl, struct control_client *cl)
{
	loop_del_fd(ctl->lp, cl->fd);
	close(cl->fd);
	cbuf_free(&cl->in);
	cbuf_free(&cl->out);
	free(cl);
	ctl->n_clients--;
}

/*
 * After many clients left, hand their memory back: glibc keeps freed
 * small blocks in its heap, so RSS would stay at the crowd's peak.
 */
static void control_trim(struct control *ctl)
{
	if (ctl->peak_clients < 64 || ctl->n_clients > ctl->peak_clients / 4)
		return;
	ctl->peak_clients = ctl->n_clients;
#ifdef __GLIBC__
	malloc_trim(0);
#endif
}

static void control_reap(struct control *ctl)
{
	struct control_client **p = &ctl->clients, *cl;

	while ((cl = *p) != NULL) {
		if (!cl->dead) {
			p = &cl->next;
			continue;
		}
		*p = cl->next;
		client_free(ctl, cl);
	}
	control_trim(ctl);
}

static void work_fired(void *arg)
{
	struct control *ctl = arg;
	struct control_client *cl;

	ctl->work_armed = false;
	control_reap(ctl);
	for (cl = ctl->clients; cl != NULL; cl = cl->next)
		if (client_has_line(cl))
			client_work(cl);
	control_reap(ctl);
}

/* A short refusal to a connection rasd will not keep; best effort. */
static void refuse(int fd, const char *why)
{
	char line[256];
	int n;

	n = snprintf(line, sizeof(line),
	             "{\"id\":null,\"ok\":false,\"error\":\"%s\"}\n", why);
	if (n > 0 && write(fd, line, (size_t)n) < 0)
		(void)0; /* it left already */
	close(fd);
}

static size_t clients_of(const struct control *ctl, uid_t uid)
{
	const struct control_client *cl;
	size_t n = 0;

	for (cl = ctl->clients; cl != NULL; cl = cl->next)
		n += cl->uid == uid && !cl->dead;
	return n;
}

/* Over a cap: the reason, else NULL. */
static const char *admit(struct control *ctl, const struct ucred *cred,
                         bool privileged, char *why, size_t len)
{
	if (ctl->n_clients >= ctl->max_clients) {
		snprintf(why, len,
		         "rasd: too many clients (%zu connected, the limit)",
		         ctl->n_clients);
		return why;
	}
	if (!privileged &&
	    clients_of(ctl, cred->uid) >= CONTROL_USER_CONNECTIONS) {
		snprintf(why, len,
		         "rasd: too many connections from uid %u (%d for a "
		         "user other than root)",
		         (unsigned)cred->uid, CONTROL_USER_CONNECTIONS);
		return why;
	}
	return NULL;
}

static void client_new(struct control *ctl, int cfd)
{
	struct control_client *cl;
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	bool privileged;
	char why[160];

	if (getsockopt(cfd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0) {
		close(cfd);
		return;
	}
	privileged = cred.uid == 0 || cred.uid == geteuid();
	if (admit(ctl, &cred, privileged, why, sizeof(why)) != NULL) {
		ctl->stats.refused++;
		refuse(cfd, why);
		return;
	}
	cl = calloc(1, sizeof(*cl));
	if (cl == NULL || loop_add_fd(ctl->lp, cfd, client_ready, cl) < 0) {
		free(cl);
		close(cfd);
		return;
	}
	cl->ctl = ctl;
	cl->fd = cfd;
	cl->uid = cred.uid;
	cl->privileged = privileged;
	cl->events = EPOLLIN;
	cl->out_limit = privileged ? CONTROL_OUT_LIMIT : CONTROL_USER_OUT_LIMIT;
	if (ctl->out_limit > 0)
		cl->out_limit = ctl->out_limit;
	cl->next = ctl->clients;
	ctl->clients = cl;
	ctl->stats.accepted++;
	if (++ctl->n_clients > ctl->peak_clients)
		ctl->peak_clients = ctl->n_clients;
}

/*
 * Out of descriptors: the listening socket stays readable, so a plain
 * accept loop would spin. The reserve descriptor is spent, again and
 * again, to take the waiting clients and tell them why; then accepting
 * rests a while.
 */
static void accept_starved(struct control *ctl)
{
	int i, cfd;

	for (i = 0; i < ACCEPTS_PER_TURN && ctl->reserve_fd >= 0; i++) {
		close(ctl->reserve_fd);
		cfd = accept4(ctl->fd, NULL, NULL, SOCK_CLOEXEC);
		if (cfd >= 0) {
			ctl->stats.fd_exhausted++;
			refuse(cfd, "rasd: out of file descriptors, try "
			            "again later");
		}
		ctl->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (cfd < 0)
			break;
	}
	loop_set_events(ctl->lp, ctl->fd, 0);
	loop_timer_arm(ctl->resume, ACCEPT_REST_NS);
}

static void control_accept(void *arg, int fd, uint32_t events)
{
	struct control *ctl = arg;
	int i, cfd;

	(void)events;
	for (i = 0; i < ACCEPTS_PER_TURN; i++) {
		cfd = accept4(fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		if (cfd >= 0) {
			client_new(ctl, cfd);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
		    errno == ENOMEM)
			accept_starved(ctl);
		return;
	}
}

static void resume_fired(void *arg)
{
	struct control *ctl = arg;

	loop_set_events(ctl->lp, ctl->fd, EPOLLIN);
}

/* ---- subscriptions ---- */

int control_subscribe(const struct control_request *req)
{
	struct control_client *cl = req->conn;

	if (cl == NULL)
		return -1;
	cl->subscribe_asked = true;
	return 0;
}

/*
 * Queued, not written: each subscriber's lines go out together when its
 * socket is writable. One whose queue is past its limit is not reading:
 * it is cut (it reconnects and asks for what it missed).
 */
size_t control_broadcast(struct control *ctl, const char *line)
{
	struct control_client *cl;
	size_t n = 0, len = strlen(line);

	if (ctl == NULL)
		return 0;
	for (cl = ctl->clients; cl != NULL; cl = cl->next) {
		if (!cl->subscribed || cl->dead)
			continue;
		if (cbuf_used(&cl->out) + len + 1 > cl->out_limit) {
			ctl->stats.cut++;
			client_kill(cl);
			continue;
		}
		if (client_queue(cl, line, len) < 0)
			continue;
		client_watch(cl, cl->events | EPOLLOUT);
		n++;
	}
	return n;
}

size_t control_subscribers(const struct control *ctl)
{
	return ctl ? ctl->n_subscribers : 0;
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

void control_set_limits(struct control *ctl, size_t max_clients,
                        size_t out_limit)
{
	if (max_clients > 0 && max_clients < ctl->max_clients)
		ctl->max_clients = max_clients;
	if (out_limit > 0)
		ctl->out_limit = out_limit;
}

void control_get_stats(const struct control *ctl, struct control_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (ctl == NULL)
		return;
	*out = ctl->stats;
	out->clients = ctl->n_clients;
	out->max_clients = ctl->max_clients;
}

/* ---- the listening socket ---- */

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

/* As many clients as the descriptor limit leaves, up to the cap. */
static size_t max_clients(void)
{
	struct rlimit rl;
	rlim_t room;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return CONTROL_MAX_CLIENTS;
	room = rl.rlim_cur > FDS_KEPT + 16 ? rl.rlim_cur - FDS_KEPT : 16;
	return room < CONTROL_MAX_CLIENTS ? (size_t)room : CONTROL_MAX_CLIENTS;
}

static int listen_on(struct control *ctl, const char *path, char *err,
                     size_t errlen)
{
	struct sockaddr_un sa;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, path, strlen(path));
	if (socket_claim(path, &sa, err, errlen) < 0)
		return -1;
	ctl->fd =
	    socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (ctl->fd < 0 || bind(ctl->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(ctl->fd, 128) < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	ctl->bound = true;
	/* Everyone may read; the peer-credential check guards changes. */
	chmod(path, 0666);
	return 0;
}

static int watch_listener(struct control *ctl, char *err, size_t errlen)
{
	if (loop_timer_create(ctl->lp, &ctl->work, work_fired, ctl) < 0 ||
	    loop_timer_create(ctl->lp, &ctl->resume, resume_fired, ctl) < 0 ||
	    loop_add_fd(ctl->lp, ctl->fd, control_accept, ctl) < 0) {
		snprintf(err, errlen, "%s: cannot watch: %s", ctl->path,
		         strerror(errno));
		return -1;
	}
	return 0;
}

int control_open(struct control **out, struct loop *lp, const char *path,
                 control_handler_fn fn, void *arg, char *err, size_t errlen)
{
	struct control *ctl;

	if (strlen(path) >= sizeof(((struct sockaddr_un *)0)->sun_path)) {
		snprintf(err, errlen, "%s: socket path too long (max %zu)",
		         path, sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
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
	ctl->fd = -1;
	ctl->max_clients = max_clients();
	snprintf(ctl->path, sizeof(ctl->path), "%s", path);
	ctl->reserve_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (listen_on(ctl, path, err, errlen) < 0 ||
	    watch_listener(ctl, err, errlen) < 0) {
		control_close(ctl);
		return -1;
	}
	*out = ctl;
	return 0;
}

void control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	while (ctl->clients != NULL) {
		struct control_client *cl = ctl->clients;

		ctl->clients = cl->next;
		client_free(ctl, cl);
	}
	loop_timer_destroy(ctl->work);
	loop_timer_destroy(ctl->resume);
	if (ctl->fd >= 0) {
		loop_del_fd(ctl->lp, ctl->fd);
		close(ctl->fd);
	}
	if (ctl->bound)
		unlink(ctl->path);
	if (ctl->reserve_fd >= 0)
		close(ctl->reserve_fd);
	free(ctl);
}

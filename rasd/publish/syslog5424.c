/* syslog5424.c - the syslog publisher: storm folding, a bounded queue and
 * the local, TCP and TLS transports, none of which ever blocks the loop. */
#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "rasd/publish/journald.h"
#include "rasd/publish/syslog5424.h"
#include "rasd/publish/syslog5424_tls.h"

/*
 * Why the local transport writes RFC 5424 datagrams itself rather than
 * calling syslog(3): syslog(3) formats the old BSD (RFC 3164) header and
 * has nowhere to put structured data, so the fields would be lost.
 * rsyslog and syslog-ng (unix-dgram with flags(syslog-protocol)) both
 * parse RFC 5424 arriving on /dev/log; journald keeps it as the text.
 */
#define DEFAULT_SOCKET_PATH "/dev/log"
#define DEFAULT_APP_NAME    "rasd"
#define STORM_MSGID         "STORM"
#define STORM_SLOTS         32 /* distinct msgids tracked at once; rasd has ~12 */
#define MSGID_LEN           33
#define IO_RETRY_MS         10 /* retry pending I/O when the loop polls no fd */

struct queued_msg {
	char *data; /* the frame as it goes on the wire */
	size_t len;
};

/* One msgid's current storm window. */
struct storm_slot {
	char msgid[MSGID_LEN]; /* "" when the slot is free */
	uint64_t window_start_ms;
	unsigned passed;    /* sent in this window */
	uint64_t folded;    /* held back in this window */
	int worst_priority; /* most severe among the folded */
};

enum conn_state { CONN_DOWN, CONN_CONNECTING, CONN_HANDSHAKE, CONN_UP };

struct syslog5424 {
	enum syslog5424_transport transport;
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct syslog5424_target target;
	char tls_name[SYSLOG5424_HOST_MAX];
	char hostname[256];
	char app_name[49];
	int pid;

	struct queued_msg *queue; /* ring of queue_max */
	size_t queue_max, queue_head, queue_len;
	struct queued_msg inflight; /* taken off the queue, partly written */
	size_t inflight_off;

	unsigned storm_limit;
	uint64_t storm_window_ms;
	struct storm_slot storms[STORM_SLOTS];
	uint64_t storm_next_end_ms; /* the earliest window to end, 0: none */

	uint64_t reconnect_min_ms, reconnect_max_ms, backoff_ms;
	uint64_t next_connect_ms, connect_deadline_ms, connect_timeout_ms;
	int fd;
	enum conn_state state;
	short want_events; /* what the transport waits for; 0 if nothing */

	struct syslog5424_tls_ctx *tls_ctx;
	struct syslog5424_tls_conn *tls;

	struct syslog5424_stats stats;
	char last_error[256];
};

void syslog5424_opts_defaults(struct syslog5424_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->transport = SYSLOG5424_LOCAL;
	o->queue_max = 1024;
	o->storm_limit = 10;
	o->storm_window_ms = 60000;
	o->reconnect_min_ms = 1000;
	o->reconnect_max_ms = 30000;
	o->connect_timeout_ms = 2000;
}

static const char *transport_name(enum syslog5424_transport t)
{
	switch (t) {
	case SYSLOG5424_LOCAL:
		return "local";
	case SYSLOG5424_TCP:
		return "tcp";
	case SYSLOG5424_TLS:
		return "tls";
	case SYSLOG5424_JOURNAL:
		return "journal";
	}
	return "?";
}

/* Local and journal are datagrams on a Unix socket; the rest streams. */
static int is_stream(const struct syslog5424 *p)
{
	return p->transport == SYSLOG5424_TCP || p->transport == SYSLOG5424_TLS;
}

/* Remembers why the transport failed, prefixed with where it was going:
 * "tcp 127.0.0.1:514: connect: Connection refused". */
static void set_error(struct syslog5424 *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct syslog5424 *p, const char *fmt, ...)
{
	char reason[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (is_stream(p))
		snprintf(p->last_error, sizeof(p->last_error), "%s %s:%u: %s",
		         transport_name(p->transport), p->target.host,
		         p->target.port, reason);
	else
		snprintf(p->last_error, sizeof(p->last_error), "%s %s: %s",
		         transport_name(p->transport), p->socket_path, reason);
}

static int check_opts(const struct syslog5424_opts *o, char *err, size_t errlen)
{
	if (o->transport != SYSLOG5424_LOCAL &&
	    o->transport != SYSLOG5424_TCP && o->transport != SYSLOG5424_TLS &&
	    o->transport != SYSLOG5424_JOURNAL) {
		snprintf(err, errlen, "syslog: unknown transport %d",
		         (int)o->transport);
		return -1;
	}
	if (o->queue_max == 0 || o->queue_max > 1000000) {
		snprintf(err, errlen, "syslog: queue size %zu not in 1-1000000",
		         o->queue_max);
		return -1;
	}
	if (o->storm_limit > 0 && o->storm_window_ms == 0) {
		snprintf(err, errlen, "syslog: storm window must not be 0");
		return -1;
	}
	if (o->reconnect_min_ms == 0 ||
	    o->reconnect_max_ms < o->reconnect_min_ms ||
	    o->connect_timeout_ms == 0) {
		snprintf(err, errlen,
		         "syslog: reconnect and connect times "
		         "must be > 0, max >= min");
		return -1;
	}
	return 0;
}

static int set_destination(struct syslog5424 *p,
                           const struct syslog5424_opts *o, char *err,
                           size_t errlen)
{
	const char *path = o->socket_path ? o->socket_path
	                   : p->transport == SYSLOG5424_JOURNAL
	                       ? JOURNALD_SOCKET
	                       : DEFAULT_SOCKET_PATH;
	char why[200];

	if (!is_stream(p)) {
		if (strlen(path) >= sizeof(p->socket_path)) {
			snprintf(err, errlen,
			         "syslog: socket path too long: %s", path);
			return -1;
		}
		snprintf(p->socket_path, sizeof(p->socket_path), "%s", path);
		return 0;
	}
	if (syslog5424_parse_target(o->target, &p->target, why, sizeof(why)) !=
	    0) {
		snprintf(err, errlen, "syslog: target '%s': %s",
		         o->target ? o->target : "", why);
		return -1;
	}
	snprintf(p->tls_name, sizeof(p->tls_name), "%s",
	         o->tls_name ? o->tls_name : p->target.host);
	if (p->transport == SYSLOG5424_TLS &&
	    syslog5424_tls_ctx_new(&p->tls_ctx, o->ca_file, err, errlen) != 0)
		return -1;
	return 0;
}

static void set_identity(struct syslog5424 *p, const struct syslog5424_opts *o)
{
	if (o->hostname != NULL)
		snprintf(p->hostname, sizeof(p->hostname), "%s", o->hostname);
	else if (gethostname(p->hostname, sizeof(p->hostname)) != 0)
		p->hostname[0] = '\0'; /* rendered as "-" */
	p->hostname[sizeof(p->hostname) - 1] = '\0';
	snprintf(p->app_name, sizeof(p->app_name), "%s",
	         o->app_name ? o->app_name : DEFAULT_APP_NAME);
	p->pid = o->pid == 0 ? (int)getpid() : o->pid;
}

int syslog5424_open(struct syslog5424 **out, const struct syslog5424_opts *o,
                    char *err, size_t errlen)
{
	struct syslog5424 *p;

	*out = NULL;
	if (check_opts(o, err, errlen) != 0)
		return -1;
	p = calloc(1, sizeof(*p));
	if (p != NULL)
		p->queue = calloc(o->queue_max, sizeof(*p->queue));
	if (p == NULL || p->queue == NULL) {
		free(p);
		snprintf(err, errlen, "syslog: out of memory");
		return -1;
	}
	p->transport = o->transport;
	p->fd = -1;
	p->queue_max = o->queue_max;
	p->storm_limit = o->storm_limit;
	p->storm_window_ms = o->storm_window_ms;
	p->reconnect_min_ms = o->reconnect_min_ms;
	p->reconnect_max_ms = o->reconnect_max_ms;
	p->backoff_ms = o->reconnect_min_ms;
	p->connect_timeout_ms = o->connect_timeout_ms;
	set_identity(p, o);
	if (set_destination(p, o, err, errlen) != 0) {
		syslog5424_close(p);
		return -1;
	}
	*out = p;
	return 0;
}

static size_t queued_total(const struct syslog5424 *p)
{
	return p->queue_len + (p->inflight.data != NULL ? 1 : 0);
}

/* Adds a frame at the tail; a full queue loses its oldest message, since
 * the newest says most about the host's state now. */
static void queue_push(struct syslog5424 *p, char *data, size_t len)
{
	size_t tail;

	if (p->queue_len == p->queue_max) {
		free(p->queue[p->queue_head].data);
		p->queue_head = (p->queue_head + 1) % p->queue_max;
		p->queue_len--;
		p->stats.dropped++;
	}
	tail = (p->queue_head + p->queue_len) % p->queue_max;
	p->queue[tail].data = data;
	p->queue[tail].len = len;
	p->queue_len++;
}

/* Moves the oldest queued frame to inflight; 0 if there was none. */
static int queue_take(struct syslog5424 *p)
{
	if (p->inflight.data != NULL)
		return 1;
	if (p->queue_len == 0)
		return 0;
	p->inflight = p->queue[p->queue_head];
	p->inflight_off = 0;
	p->queue[p->queue_head].data = NULL;
	p->queue_head = (p->queue_head + 1) % p->queue_max;
	p->queue_len--;
	return 1;
}

static void inflight_done(struct syslog5424 *p)
{
	free(p->inflight.data);
	p->inflight.data = NULL;
	p->inflight.len = 0;
	p->inflight_off = 0;
	p->stats.sent++;
}

/* Renders and queues one notice; stream transports get the RFC 6587
 * octet-counting frame "LEN SP MSG", which survives newlines in MSG. */
static int enqueue_notice(struct syslog5424 *p, const struct notice *n)
{
	char msg[SYSLOG5424_MSG_MAX], prefix[24] = "";
	size_t plen, total;
	char *frame;
	int len;

	/* The entry may hold NUL bytes; its length is what counts, and a
	 * NUL is kept after it as after a syslog line. */
	if (p->transport == SYSLOG5424_JOURNAL) {
		len = journald_format(n, p->app_name, msg, sizeof(msg) - 1);
		if (len >= 0)
			msg[len] = '\0';
	} else
		len = syslog5424_format(n, p->hostname, p->app_name, p->pid,
		                        msg, sizeof(msg));
	if (len < 0) {
		p->stats.dropped++;
		return -1;
	}
	if (is_stream(p))
		snprintf(prefix, sizeof(prefix), "%d ", len);
	plen = strlen(prefix);
	total = plen + (size_t)len;
	frame = malloc(total + 1);
	if (frame == NULL) {
		p->stats.dropped++;
		return -1;
	}
	memcpy(frame, prefix, plen);
	memcpy(frame + plen, msg, (size_t)len + 1);
	queue_push(p, frame, total);
	return 0;
}

static void format_window(char *buf, size_t len, uint64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llus", (unsigned long long)(ms / 1000));
	else
		snprintf(buf, len, "%llums", (unsigned long long)ms);
}

/* Queues "N MEMCE messages folded in the last 60s" for a slot whose
 * window has ended, stamped with the window's end. */
static void queue_storm_summary(struct syslog5424 *p, struct storm_slot *s)
{
	struct notice n;
	char window[32];

	memset(&n, 0, sizeof(n));
	n.msgid = STORM_MSGID;
	n.priority = s->worst_priority;
	n.time_ms = s->window_start_ms + p->storm_window_ms;
	format_window(window, sizeof(window), p->storm_window_ms);
	snprintf(n.text, sizeof(n.text),
	         "%llu %s messages folded in the last %s",
	         (unsigned long long)s->folded, s->msgid, window);
	notice_add(&n, "msgid", "%s", s->msgid);
	notice_add(&n, "count", "%llu", (unsigned long long)s->folded);
	if (enqueue_notice(p, &n) == 0)
		p->stats.summaries++;
}

/* Ends every window that is over: its summary is queued, its slot freed. */
static void storm_expire(struct syslog5424 *p, uint64_t now_ms)
{
	struct storm_slot *s;
	uint64_t end, next = 0;
	size_t i;

	/* Called for every notice: nothing ends before the earliest end. */
	if (p->storm_next_end_ms == 0 || now_ms < p->storm_next_end_ms)
		return;
	for (i = 0; i < STORM_SLOTS; i++) {
		s = &p->storms[i];
		if (s->msgid[0] == '\0')
			continue;
		end = s->window_start_ms + p->storm_window_ms;
		if (now_ms < end) {
			if (next == 0 || end < next)
				next = end;
			continue;
		}
		if (s->folded > 0)
			queue_storm_summary(p, s);
		memset(s, 0, sizeof(*s));
	}
	p->storm_next_end_ms = next;
}

static struct storm_slot *storm_slot_for(struct syslog5424 *p,
                                         const char *msgid, uint64_t now_ms)
{
	struct storm_slot *free_slot = NULL;
	size_t i;

	for (i = 0; i < STORM_SLOTS; i++) {
		if (strncmp(p->storms[i].msgid, msgid, MSGID_LEN - 1) == 0 &&
		    p->storms[i].msgid[0] != '\0')
			return &p->storms[i];
		if (free_slot == NULL && p->storms[i].msgid[0] == '\0')
			free_slot = &p->storms[i];
	}
	if (free_slot == NULL)
		return NULL;
	snprintf(free_slot->msgid, sizeof(free_slot->msgid), "%s", msgid);
	free_slot->window_start_ms = now_ms;
	if (p->storm_next_end_ms == 0 ||
	    now_ms + p->storm_window_ms < p->storm_next_end_ms)
		p->storm_next_end_ms = now_ms + p->storm_window_ms;
	return free_slot;
}

/* 1 if the notice is folded into its msgid's storm.  STORM itself is
 * never folded, and msgids past STORM_SLOTS are not limited: losing a
 * message would be worse than a storm the limiter cannot see. */
static int storm_fold(struct syslog5424 *p, const struct notice *n,
                      uint64_t now_ms)
{
	struct storm_slot *s;

	if (p->storm_limit == 0 || n->msgid == NULL || n->msgid[0] == '\0' ||
	    strcmp(n->msgid, STORM_MSGID) == 0)
		return 0;
	storm_expire(p, now_ms);
	s = storm_slot_for(p, n->msgid, now_ms);
	if (s == NULL)
		return 0;
	if (s->passed < p->storm_limit) {
		s->passed++;
		return 0;
	}
	if (s->folded == 0 || (n->priority & 0x07) < s->worst_priority)
		s->worst_priority = n->priority & 0x07;
	s->folded++;
	p->stats.folded++;
	return 1;
}

static void disconnect(struct syslog5424 *p, int graceful)
{
	syslog5424_tls_conn_free(p->tls, graceful);
	p->tls = NULL;
	if (p->fd >= 0)
		close(p->fd);
	p->fd = -1;
	p->state = CONN_DOWN;
	p->want_events = 0;
	/* A frame cut short on the old connection goes again, whole. */
	p->inflight_off = 0;
}

/* Drops the connection and schedules the next try, doubling the wait up
 * to reconnect_max_ms so a dead collector costs little. */
static void conn_failed(struct syslog5424 *p, uint64_t now_ms, int was_up)
{
	disconnect(p, 0);
	if (!was_up)
		p->stats.connect_failures++;
	p->next_connect_ms = now_ms + p->backoff_ms;
	p->backoff_ms *= 2;
	if (p->backoff_ms > p->reconnect_max_ms)
		p->backoff_ms = p->reconnect_max_ms;
}

static void conn_up(struct syslog5424 *p)
{
	p->state = CONN_UP;
	p->want_events = 0;
	p->backoff_ms = p->reconnect_min_ms;
	p->stats.connects++;
	p->last_error[0] = '\0';
}

static void connect_local(struct syslog5424 *p, uint64_t now_ms)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, p->socket_path, strlen(p->socket_path));
	p->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		set_error(p, "socket: %s", strerror(errno));
		conn_failed(p, now_ms, 0);
		return;
	}
	if (connect(p->fd, (struct sockaddr *)&sun, sizeof(sun)) != 0) {
		set_error(p, "connect: %s", strerror(errno));
		conn_failed(p, now_ms, 0);
		return;
	}
	conn_up(p);
}

/*
 * Resolves on every attempt so a collector that moves is followed.  An
 * address target never blocks; a name may wait on DNS, so operators who
 * care about the loop's latency configure an address.  The first address
 * returned is used.
 */
static void connect_stream(struct syslog5424 *p, uint64_t now_ms)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", p->target.port);
	rc = getaddrinfo(p->target.host, port, &hints, &res);
	if (rc != 0) {
		set_error(p, "resolve: %s", gai_strerror(rc));
		conn_failed(p, now_ms, 0);
		return;
	}
	p->fd = socket(res->ai_family,
	               SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (p->fd < 0) {
		set_error(p, "socket: %s", strerror(errno));
		freeaddrinfo(res);
		conn_failed(p, now_ms, 0);
		return;
	}
	rc = connect(p->fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (rc != 0 && errno != EINPROGRESS) {
		set_error(p, "connect: %s", strerror(errno));
		conn_failed(p, now_ms, 0);
		return;
	}
	p->state = CONN_CONNECTING;
	p->want_events = POLLOUT;
	p->connect_deadline_ms = now_ms + p->connect_timeout_ms;
}

static int connect_timed_out(struct syslog5424 *p, uint64_t now_ms)
{
	if (now_ms < p->connect_deadline_ms)
		return 0;
	set_error(p, "%s: timed out after %llu ms",
	          p->state == CONN_HANDSHAKE ? "tls handshake" : "connect",
	          (unsigned long long)p->connect_timeout_ms);
	conn_failed(p, now_ms, 0);
	return 1;
}

static void start_tls(struct syslog5424 *p, uint64_t now_ms)
{
	char why[200];

	if (syslog5424_tls_conn_new(p->tls_ctx, p->fd, p->tls_name, &p->tls,
	                            why, sizeof(why)) != 0) {
		set_error(p, "%s", why);
		conn_failed(p, now_ms, 0);
		return;
	}
	p->state = CONN_HANDSHAKE;
	p->want_events = POLLOUT;
}

/* Finishes a non-blocking connect once the socket is writable. */
static void progress_connect(struct syslog5424 *p, uint64_t now_ms)
{
	struct pollfd pfd = {p->fd, POLLOUT, 0};
	socklen_t slen = sizeof(int);
	int soerr = 0;

	if (poll(&pfd, 1, 0) <= 0) {
		connect_timed_out(p, now_ms);
		return;
	}
	if (getsockopt(p->fd, SOL_SOCKET, SO_ERROR, &soerr, &slen) != 0)
		soerr = errno;
	if (soerr != 0) {
		set_error(p, "connect: %s", strerror(soerr));
		conn_failed(p, now_ms, 0);
		return;
	}
	if (p->transport == SYSLOG5424_TLS)
		start_tls(p, now_ms);
	else
		conn_up(p);
}

static void progress_handshake(struct syslog5424 *p, uint64_t now_ms)
{
	char why[200];
	short events = 0;
	int rc;

	rc = syslog5424_tls_handshake(p->tls, &events, why, sizeof(why));
	if (rc == 1) {
		conn_up(p);
		return;
	}
	if (rc < 0) {
		set_error(p, "%s", why);
		conn_failed(p, now_ms, 0);
		return;
	}
	p->want_events = events;
	connect_timed_out(p, now_ms);
}

/*
 * A syslog collector never talks back, so a readable stream socket means
 * the collector closed or reset it.  Checking before writing catches a
 * restarted collector before a message is written into a dead socket
 * (which TCP would accept and then lose).
 */
static int stream_peer_closed(struct syslog5424 *p)
{
	struct pollfd pfd = {p->fd, POLLIN, 0};
	char scratch[256], why[200];
	ssize_t n;

	if (p->transport == SYSLOG5424_TLS) {
		if (!syslog5424_tls_peer_closed(p->tls, why, sizeof(why)))
			return 0;
		set_error(p, "%s", why);
		return 1;
	}
	if (poll(&pfd, 1, 0) <= 0)
		return 0;
	n = recv(p->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
	if (n > 0 || (n < 0 && (errno == EAGAIN || errno == EINTR)))
		return 0;
	set_error(p, "%s",
	          n == 0 ? "connection closed by the collector"
	                 : strerror(errno));
	return 1;
}

#define WRITE_TOO_BIG -2

/* Writes part of the inflight frame: bytes written, 0 if the transport
 * is full for now, -1 if the connection broke, WRITE_TOO_BIG if the
 * socket will never take this datagram. */
static ssize_t write_some(struct syslog5424 *p)
{
	const char *at = p->inflight.data + p->inflight_off;
	size_t left = p->inflight.len - p->inflight_off;
	char why[200];
	short events = 0;
	int saved_errno;
	ssize_t n;

	if (p->transport == SYSLOG5424_TLS) {
		n = syslog5424_tls_write(p->tls, at, left, &events, why,
		                         sizeof(why));
		if (n < 0)
			set_error(p, "write: %s", why);
		p->want_events = events;
		return n;
	}
	n = send(p->fd, at, left, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n >= 0)
		return n;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ||
	    errno == ENOBUFS) {
		p->want_events = POLLOUT;
		return 0;
	}
	saved_errno = errno;
	set_error(p, "send: %s", strerror(saved_errno));
	return saved_errno == EMSGSIZE && !is_stream(p) ? WRITE_TOO_BIG : -1;
}

static void write_queue(struct syslog5424 *p, uint64_t now_ms)
{
	ssize_t n;

	p->want_events = 0;
	if (is_stream(p) && stream_peer_closed(p)) {
		conn_failed(p, now_ms, 1);
		return;
	}
	while (queue_take(p)) {
		n = write_some(p);
		if (n == WRITE_TOO_BIG) {
			p->stats.dropped++;
			free(p->inflight.data);
			p->inflight.data = NULL;
			continue;
		}
		if (n < 0) {
			conn_failed(p, now_ms, 1);
			return;
		}
		if (n == 0)
			return;
		p->inflight_off += (size_t)n;
		if (p->inflight_off == p->inflight.len)
			inflight_done(p);
	}
}

static void start_connect(struct syslog5424 *p, uint64_t now_ms)
{
	if (!is_stream(p))
		connect_local(p, now_ms);
	else
		connect_stream(p, now_ms);
}

size_t syslog5424_flush(struct syslog5424 *p, uint64_t now_ms)
{
	storm_expire(p, now_ms);
	if (queued_total(p) == 0)
		return 0;
	if (p->state == CONN_DOWN && now_ms >= p->next_connect_ms)
		start_connect(p, now_ms);
	if (p->state == CONN_CONNECTING)
		progress_connect(p, now_ms);
	if (p->state == CONN_HANDSHAKE)
		progress_handshake(p, now_ms);
	if (p->state == CONN_UP)
		write_queue(p, now_ms);
	return queued_total(p);
}

int syslog5424_send(struct syslog5424 *p, const struct notice *n,
                    uint64_t now_ms)
{
	if (storm_fold(p, n, now_ms))
		return 1;
	if (enqueue_notice(p, n) != 0)
		return -1;
	syslog5424_flush(p, now_ms);
	return 0;
}

int syslog5424_poll_fd(const struct syslog5424 *p, short *events)
{
	*events = 0;
	if (p->fd < 0)
		return -1;
	*events = p->want_events;
	/* An idle stream is watched for the collector closing it. */
	if (p->state == CONN_UP && is_stream(p))
		*events |= POLLIN;
	return p->fd;
}

uint64_t syslog5424_next_ms(const struct syslog5424 *p, uint64_t now_ms)
{
	uint64_t next = UINT64_MAX, end;
	size_t i;

	for (i = 0; i < STORM_SLOTS; i++) {
		if (p->storms[i].msgid[0] == '\0' || p->storms[i].folded == 0)
			continue;
		end = p->storms[i].window_start_ms + p->storm_window_ms;
		if (end < next)
			next = end;
	}
	if (queued_total(p) > 0 && p->state == CONN_DOWN &&
	    p->next_connect_ms < next)
		next = p->next_connect_ms;
	if ((p->state == CONN_CONNECTING || p->state == CONN_HANDSHAKE) &&
	    p->connect_deadline_ms < next)
		next = p->connect_deadline_ms;
	/* A loop that only keeps timers still sees a connect complete or a
	 * full socket drain soon, not at the next notice. */
	if (p->want_events != 0 && queued_total(p) > 0 &&
	    now_ms + IO_RETRY_MS < next)
		next = now_ms + IO_RETRY_MS;
	return next != UINT64_MAX && next < now_ms ? now_ms : next;
}

void syslog5424_stats(const struct syslog5424 *p, struct syslog5424_stats *s)
{
	*s = p->stats;
	s->queued = queued_total(p);
	s->connected = p->state == CONN_UP;
}

const char *syslog5424_last_error(const struct syslog5424 *p)
{
	return p->last_error;
}

void syslog5424_close(struct syslog5424 *p)
{
	size_t i;

	if (p == NULL)
		return;
	disconnect(p, 1);
	for (i = 0; i < p->queue_len; i++)
		free(p->queue[(p->queue_head + i) % p->queue_max].data);
	free(p->queue);
	free(p->inflight.data);
	syslog5424_tls_ctx_free(p->tls_ctx);
	free(p);
}

/* syslog5424.h - the syslog publisher: notices as RFC 5424 messages to the
 * local socket, or over TCP (RFC 6587) or TLS (RFC 5425) to a collector. */
#ifndef RASD_SYSLOG5424_H
#define RASD_SYSLOG5424_H

#include <stddef.h>
#include <stdint.h>

#include "rasd/publish/notice.h"

/*
 * The SD-ID that carries every notice field.  32473 is the Private
 * Enterprise Number IANA reserves for documentation (RFC 5612); a site
 * with its own PEN changes it here, and its collector filters follow.
 */
#define SYSLOG5424_SD_ID "rasd@32473"

/* Facility "daemon" (3); the severity comes from the notice. */
#define SYSLOG5424_FACILITY 3

/*
 * Largest message rasd renders.  A full notice (16 fields, every value
 * escaped, 255-byte text) stays under 3 KiB; RFC 5424 receivers SHOULD
 * take 2048 and syslog-ng and rsyslog take 64 KiB by default.
 */
#define SYSLOG5424_MSG_MAX 4096

#define SYSLOG5424_HOST_MAX 256 /* host name or address, NUL included */

enum syslog5424_transport {
	SYSLOG5424_LOCAL,  /* datagrams to a Unix socket, /dev/log */
	SYSLOG5424_TCP,    /* RFC 6587 octet-counting over TCP */
	SYSLOG5424_TLS,    /* RFC 5425 over TLS, server verified */
	SYSLOG5424_JOURNAL /* journald's native protocol (journald.h) */
};

struct syslog5424_opts {
	enum syslog5424_transport transport;
	const char *socket_path; /* local: NULL means /dev/log; journal:
	                            NULL means journald's socket */
	const char *target;      /* tcp, tls: "host:port" or "[v6]:port" */
	const char *ca_file;     /* tls: PEM CA file; NULL: system store */
	const char *tls_name;    /* tls: name to verify; NULL: target host */
	const char *hostname;    /* HOSTNAME field; NULL: gethostname() */
	const char *app_name;    /* APP-NAME field; NULL: "rasd" */
	int pid;                 /* PROCID field; 0: getpid(), < 0: "-" */
	size_t queue_max;        /* messages held while the collector is away */
	unsigned storm_limit;    /* per msgid per window; 0: no limit */
	uint64_t storm_window_ms;
	uint64_t reconnect_min_ms;   /* first retry after a failure ... */
	uint64_t reconnect_max_ms;   /* ... doubling up to this */
	uint64_t connect_timeout_ms; /* TCP connect plus TLS handshake */
};

struct syslog5424_stats {
	uint64_t sent;      /* messages handed whole to the transport */
	uint64_t dropped;   /* lost: queue full (oldest first), too big */
	uint64_t folded;    /* held back by the storm limiter */
	uint64_t summaries; /* STORM messages that reported the folds */
	uint64_t connects;  /* connections made */
	uint64_t connect_failures; /* attempts that failed */
	size_t queued;             /* messages waiting right now */
	int connected;             /* 1 while a connection is up */
};

struct syslog5424_target {
	char host[SYSLOG5424_HOST_MAX]; /* without the brackets of a v6 */
	uint16_t port;
};

struct syslog5424;

/*
 * Renders one RFC 5424 message into buf, NUL-terminated:
 * <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID k="v" ...] MSG
 * Empty header fields become "-"; characters the header may not carry
 * become '_'.  Returns the length without the NUL, or -1 if it does not
 * fit in len.
 */
int syslog5424_format(const struct notice *n, const char *hostname,
                      const char *app_name, int pid, char *buf, size_t len);

/* Parses "host:port", "1.2.3.4:port" or "[v6]:port"; on error returns -1
 * with the reason in err. */
int syslog5424_parse_target(const char *s, struct syslog5424_target *t,
                            char *err, size_t errlen);

/* Fills o with the defaults: local /dev/log, queue 1024, storm 10 per
 * 60 s, reconnect 1 s doubling to 30 s, connect timeout 2 s. */
void syslog5424_opts_defaults(struct syslog5424_opts *o);

/*
 * Checks the options and prepares the publisher; it connects later, from
 * send or flush, so a collector that is down does not stop rasd starting.
 * Returns -1 with the reason in err (bad target, unreadable CA file).
 */
int syslog5424_open(struct syslog5424 **out, const struct syslog5424_opts *o,
                    char *err, size_t errlen);

/*
 * Queues the notice (or folds it when its msgid is storming) and writes
 * what the transport takes without blocking.  Returns 0 when the message
 * was queued or sent, 1 when folded, -1 when it could not be rendered.
 */
int syslog5424_send(struct syslog5424 *p, const struct notice *n,
                    uint64_t now_ms);

/*
 * Does the pending work without blocking: ends storm windows (queueing
 * their summaries), connects when the backoff allows, progresses a
 * connect or TLS handshake, writes the queue.  Returns the queue length.
 */
size_t syslog5424_flush(struct syslog5424 *p, uint64_t now_ms);

/* For the event loop: the fd to watch (-1 if none) and the poll events it
 * waits for; and the time flush next has work to do (UINT64_MAX: none). */
int syslog5424_poll_fd(const struct syslog5424 *p, short *events);
uint64_t syslog5424_next_ms(const struct syslog5424 *p, uint64_t now_ms);

void syslog5424_stats(const struct syslog5424 *p, struct syslog5424_stats *s);

/* The latest transport error ("tcp 10.0.0.1:514: connect: Connection
 * refused"), "" if none since the last connection was made. */
const char *syslog5424_last_error(const struct syslog5424 *p);

void syslog5424_close(struct syslog5424 *p);

#endif

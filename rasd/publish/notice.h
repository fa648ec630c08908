/* notice.h - what rasd tells the world, once, in one shape: every event,
 * verdict, state change and action becomes a notice that each publisher
 * (syslog, SNMP, hooks) renders its own way. */
#ifndef RASD_NOTICE_H
#define RASD_NOTICE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Stable message ids, one per kind of notice; operators filter on them.
 * MEMCE corrected memory error, MEMUE uncorrected memory error, CPUERR
 * cache/TLB/internal/bus error, PAGEOFF page offline (done, failed or
 * refused), CPUOFF cpu offline, DIMMFAIL DIMM failing, SOCKET socket
 * degraded, EVAC guest evacuated, EVACFAIL migration failed, STORM
 * messages folded by rate limiting, SENSOR a sensor crossed a threshold,
 * OVERFLOW the record source dropped records, RASD the daemon itself
 * (start, stop, reload).
 */
#define NOTICE_FIELDS_MAX 16
#define NOTICE_KEY_MAX    16
#define NOTICE_VALUE_MAX  64

struct notice_field {
	char key[NOTICE_KEY_MAX]; /* dimm, socket, channel, addr, page,
	                           * cpu, domain, peer, count, rate,
	                           * threshold, action */
	char value[NOTICE_VALUE_MAX];
};

struct notice {
	const char *msgid; /* "MEMCE", ... (static string) */
	int priority;      /* syslog(3) priority: LOG_ERR, LOG_WARNING, ... */
	uint64_t time_ms;  /* the injected clock's time of the notice */
	char text[256];    /* one line for people */
	size_t n_fields;
	struct notice_field fields[NOTICE_FIELDS_MAX];
};

/* Start a notice: msgid is a static string, text is formatted. */
void notice_start(struct notice *n, const char *msgid, int priority,
                  uint64_t time_ms, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

void notice_vstart(struct notice *n, const char *msgid, int priority,
                   uint64_t time_ms, const char *fmt, va_list ap)
    __attribute__((format(printf, 5, 0)));

/* Append a field; silently ignored past NOTICE_FIELDS_MAX. */
void notice_add(struct notice *n, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif

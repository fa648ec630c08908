/* notice.h - what rasd tells the world, once, in one shape: every event,
 * verdict, state change and action becomes a notice that each publisher
 * (syslog, SNMP, hooks) renders its own way. */
#ifndef RASD_NOTICE_H
#define RASD_NOTICE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "../../mce/mce.h"

/*
 * Stable message ids, one per kind of notice; operators filter on them.
 * MEMCE corrected memory error, MEMUE uncorrected memory error, CPUERR
 * cache/TLB/internal/bus error, PAGEOFF page offline (done, failed or
 * refused), CPUOFF cpu offline, DIMMFAIL DIMM failing, SOCKET socket
 * degraded, EVAC guest evacuated, EVACFAIL migration failed, STORM
 * messages folded by rate limiting, SENSOR a sensor crossed a threshold,
 * OVERFLOW the record source dropped records, RASD the daemon itself
 * (start, stop, reload), HEALTH the host's health changed, BMC and
 * SENSOR the BMC's and lm-sensors' events, PCIE a PCIe AER error and
 * CXL a CXL device's error (rasd/devices.c; a corrected storm on one
 * device is one more such notice, its text saying so).
 */
#define NOTICE_FIELDS_MAX 16
#define NOTICE_KEY_MAX    16
#define NOTICE_VALUE_MAX  64

/* A number waits in num until someone reads the field (materialize). */
enum notice_value {
	NOTICE_TEXT, /* value holds it */
	NOTICE_INT,  /* decimal of (int64_t)num */
	NOTICE_HEX,  /* 0x-hex of num */
};

struct notice_field {
	char key[NOTICE_KEY_MAX]; /* dimm, socket, channel, addr, page,
	                           * cpu, domain, peer, count, rate,
	                           * threshold, action */
	const char *key_literal;  /* typed fields: key[] waits for a reader */
	char value[NOTICE_VALUE_MAX];
	uint8_t type; /* enum notice_value */
	uint64_t num;
};

struct notice {
	uint64_t seq;      /* set by notice_ring_push: 1, 2, ... per boot */
	const char *msgid; /* "MEMCE", ... (static string) */
	int priority;      /* syslog(3) priority: LOG_ERR, LOG_WARNING, ... */
	uint64_t time_ms;  /* the injected clock's time of the notice */
	char text[256];    /* one line for people */
	size_t n_fields;
	struct notice_field fields[NOTICE_FIELDS_MAX];
	/*
	 * Text built when someone reads it (a subscriber, a syslog message
	 * that is not folded), not when the notice is made: render fills
	 * text from rec. NULL once the text is there.
	 */
	void (*render)(struct notice *n);
	struct mce_record rec;
	bool pending; /* text or numbers not built yet */
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
/* The same without printf, for the record path: decimal, 0x-hex, text.
 * The key of a number must outlive the notice (a string literal). */
void notice_add_int(struct notice *n, const char *key, int64_t v);
void notice_add_hex(struct notice *n, const char *key, uint64_t v);
void notice_add_str(struct notice *n, const char *key, const char *s);

/* A notice whose text waits for a reader: render makes it from rec. */
void notice_start_lazy(struct notice *n, const char *msgid, int priority,
                       uint64_t time_ms, void (*render)(struct notice *n),
                       const struct mce_record *rec);
/* Its text, built now if it was waiting. */
void notice_materialize(struct notice *n);

/*
 * The last notices, numbered, for subscribers (rasd-snmp) that connect
 * late or come back after a restart: they ask for what came after the
 * last number they saw. Numbers restart with rasd; the boot id says so.
 */
struct notice_ring {
	struct notice *slot;
	size_t cap;
	uint64_t next_seq; /* the number the next notice gets */
};

int notice_ring_init(struct notice_ring *r, size_t cap);
void notice_ring_free(struct notice_ring *r);
/* Number n and keep a copy; returns the number given. */
uint64_t notice_ring_push(struct notice_ring *r, struct notice *n);
/* The kept notice of that number, NULL when gone or not given. */
const struct notice *notice_ring_get(const struct notice_ring *r,
                                     uint64_t seq);
/* Take back every number from seq on (a batch that was not kept). */
void notice_ring_rewind(struct notice_ring *r, uint64_t seq);
/* The newest number given, 0 before the first. */
uint64_t notice_ring_last(const struct notice_ring *r);
/*
 * Call fn for every kept notice numbered after `since`, oldest first.
 * Returns how many after `since` are no longer kept (the subscriber
 * missed them).
 */
uint64_t notice_ring_since(const struct notice_ring *r, uint64_t since,
                           void (*fn)(void *arg, const struct notice *n),
                           void *arg);

/* {"seq":..,"msgid":..,"priority":..,"time_ms":..,"text":..,"fields":{}} */
struct json_object;
struct json_object *notice_to_json(const struct notice *n);

#endif

/* health.h - the host's health as green, yellow or red: the conditions
 * that make it so, each with a reason, and what changed since last asked. */
#ifndef RASD_HEALTH_H
#define RASD_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The story. Every part of rasd that learns something about the host's
 * health (a DIMM failing, an uncorrectable error, a PSU gone, a fan
 * stopped, a hot sensor, telemetry that never arrives) states it as a
 * condition: who (source + component), how bad (yellow or red), why, and
 * for how long (until cleared, or until a time). The host's colour is the
 * worst condition standing, in the spirit of vSphere Proactive HA's
 * health providers: green when none stands.
 *
 * A few conditions only mean something together: a failed fan is yellow
 * alone and red while a temperature is also past its limit; a failed PSU
 * is yellow when the supplies are redundant and red when they are not or
 * a second one fails. health_level() applies those rules, so callers state
 * plain facts and never compute colours themselves.
 *
 * Memory: a fixed table (HEALTH_MAX conditions); setting a new condition
 * into a full table drops the oldest green-able one (expiring first) and
 * counts it in `dropped`. No I/O, no clock of its own: callers pass now.
 */

#define HEALTH_MAX        128
#define HEALTH_SOURCE_MAX 16
#define HEALTH_NAME_MAX   64
#define HEALTH_REASON_MAX 160

enum health_level {
	HEALTH_GREEN,
	HEALTH_YELLOW,
	HEALTH_RED,
};

/* What a condition is about; the combination rules look at these. */
enum health_kind {
	HEALTH_GENERIC,       /* its own level, nothing more */
	HEALTH_FAN_FAILED,    /* yellow; red with a hot temperature */
	HEALTH_TEMP_HIGH,     /* its own level; makes a failed fan red */
	HEALTH_PSU_FAILED,    /* yellow if redundant and alone; else red */
	HEALTH_UNCORRECTABLE, /* red until it expires */
};

struct health_condition {
	enum health_kind kind;
	enum health_level level;         /* as stated; rules may raise it */
	char source[HEALTH_SOURCE_MAX];  /* "dimm", "ipmi", "sensors", ... */
	char component[HEALTH_NAME_MAX]; /* "CPU0_DIMM_A1", "PS1 Status" */
	char reason[HEALTH_REASON_MAX];
	uint64_t since_ms;
	uint64_t until_ms; /* 0: until cleared */
};

struct health {
	struct health_condition cond[HEALTH_MAX];
	size_t n;
	bool psu_redundant;
	uint64_t dropped;
};

void health_init(struct health *h, bool psu_redundant);

/*
 * State or restate a condition (keyed by source + component + kind);
 * HEALTH_GREEN clears it. A restated condition keeps its since_ms.
 * hold_ms > 0: it clears itself hold_ms after now.
 */
void health_set(struct health *h, enum health_kind kind, const char *source,
                const char *component, enum health_level level,
                const char *reason, uint64_t now_ms, uint64_t hold_ms);

/* Clear every condition of one source ("dimm" before a rebuild). */
void health_clear_source(struct health *h, const char *source);

/* Drop what expired by now. Returns how many went. */
size_t health_expire(struct health *h, uint64_t now_ms);

/* The level a condition stands at after the combination rules. */
enum health_level health_effective(const struct health *h, size_t i);

/* The host's level: the worst effective condition. */
enum health_level health_level(const struct health *h);

/*
 * The reason for the host's level in one line: the worst condition's
 * reason, "+N more" when others stand at that level. "" when green.
 */
void health_summary(const struct health *h, char *buf, size_t len);

const char *health_level_name(enum health_level l); /* "green" ... */
/* The older words rasd, its MIB and dashboards use: ok, degraded,
 * failing. */
const char *health_level_word(enum health_level l);

#endif

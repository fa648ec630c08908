/* notify.h - rasd's notices turned into SNMP notifications (RASD-MIB and
 * ENTITY-STATE-MIB), and the bounded queue that holds them while the
 * master agent is away. No net-snmp here: the glue sends what it builds. */
#ifndef RASD_SNMP_NOTIFY_H
#define RASD_SNMP_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "../include/leaky_bucket.h"
#include "oidtab.h"
#include "state.h"

#define NOTIFY_MAX_VARBINDS 12

/* One notification: snmpTrapOID.0's value and its varbinds, in order
 * (sysUpTime.0 and snmpTrapOID.0 are added by the sender). */
struct notification {
	struct oid_name trap;
	struct oid_value vb[NOTIFY_MAX_VARBINDS];
	size_t n_vb;
	uint64_t seq;     /* rasd's notice sequence, 0 for agent-made */
	uint64_t time_ms; /* when it was raised (wall clock) */
};

/*
 * A rasd notice, as the subscribe stream sends it:
 *   {"seq": 12, "msgid": "DIMMFAIL", "priority": 2, "time_ms": ...,
 *    "text": "...", "fields": {"dimm": "P1-DIMMA1", "count": "5", ...}}
 * Checked for shape: a bad one fails with the member and the reason.
 */
struct notice_in {
	uint64_t seq;
	char msgid[16];
	int priority; /* syslog(3) priority 0..7, -1 when absent */
	uint64_t time_ms;
	char text[256];
	struct json_object *fields; /* borrowed from the parsed object */
};
int notice_in_parse(struct json_object *o, struct notice_in *out, char *err,
                    size_t errlen);

/*
 * Storm folding: corrected-error notices (MEMCE, CPUERR corrected) never
 * become notifications one by one; more than `limit` of them within
 * `window_ms` raise one rasdErrorStorm per window, with the count.
 */
struct notify_storm {
	struct leaky_rule rule;
	struct leaky_bucket bucket;
	bool raised; /* already told for this storm */
};
/* 0, or -1 with errno: EINVAL for a limit above LEAKY_BUCKET_MAX_LIMIT,
 * ENOMEM. A limit of 0 turns folding off: corrected errors raise
 * nothing. */
int notify_storm_init(struct notify_storm *s, uint32_t limit,
                      uint64_t window_ms);
void notify_storm_free(struct notify_storm *s);

/*
 * Map one notice to zero or one notification, with varbinds filled from
 * the notice and the state (entPhysicalIndex and location by DIMM label,
 * CPU or socket). Returns 1 with *out filled, 0 when this notice raises
 * nothing, -1 with err on a notice it cannot place.
 */
int notify_from_notice(const struct notice_in *n, const struct state *st,
                       struct notify_storm *storm, struct notification *out,
                       char *err, size_t errlen);

/* ENTITY-STATE-MIB entStateOperEnabled / entStateOperDisabled for one
 * entity (varbinds entStateAdmin.I, entStateAlarm.I). */
void notify_entity_oper(const struct state_entity *e, uint64_t now_ms,
                        struct notification *out);
/* rasdHealthChanged with the new health. */
void notify_health(const struct state *st, uint64_t now_ms,
                   struct notification *out);

/* The bounded FIFO: oldest first; when full the oldest is dropped and
 * counted. */
struct notify_queue {
	struct notification *q;
	size_t cap, head, n;
	uint64_t dropped;
};
int notify_queue_init(struct notify_queue *q, size_t cap);
void notify_queue_free(struct notify_queue *q);
void notify_queue_push(struct notify_queue *q, const struct notification *n);
/* The oldest, or NULL; pop removes it. */
const struct notification *notify_queue_peek(const struct notify_queue *q);
void notify_queue_pop(struct notify_queue *q);

#endif

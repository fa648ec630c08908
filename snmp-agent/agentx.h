/* agentx.h - rasd-snmp's side of AgentX (net-snmp's sub-agent library):
 * serves the four views' tables, sends notifications, reports the link. */
#ifndef RASD_SNMP_AGENTX_H
#define RASD_SNMP_AGENTX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/select.h>

#include "mib.h"
#include "notify.h"
#include "oidtab.h"

struct agentx_config {
	const char *socket; /* the master's AgentX socket */
	int ping_s;         /* ping / reconnect interval, seconds (>= 1) */
	bool log_stderr;    /* else syslog */
	bool verbose;       /* log debug messages too */
};

/* Called from inside net-snmp when the master session opens (up) or is
 * lost; the caller only notes it and acts from its own loop. */
typedef void (*agentx_link_fn)(void *arg, bool up);

struct agentx;

/*
 * Start net-snmp as a sub-agent, register the views (answered from
 * tabs, which must outlive the agent) and try the master once; later
 * attempts are net-snmp's ping alarm. Returns 0, or -1 with err.
 */
int agentx_open(struct agentx **out, const struct agentx_config *cfg,
                struct oidtab tabs[MIB_N_VIEWS], agentx_link_fn fn, void *arg,
                char *err, size_t errlen);
void agentx_close(struct agentx *ax);

/* Logging through net-snmp's logger (stderr or syslog, as configured). */
void agentx_log(int priority, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void agentx_debug(const struct agentx *ax, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/*
 * The loop's part: agentx_select adds net-snmp's descriptors to rfds and
 * shortens *tv (or sets it, clearing *forever) when net-snmp has an
 * earlier deadline; agentx_dispatch handles what select() returned
 * (count as select returned it, rfds as it left them).
 */
void agentx_select(struct agentx *ax, int *nfds, fd_set *rfds,
                   struct timeval *tv, bool *forever);
void agentx_dispatch(struct agentx *ax, int count, fd_set *rfds);

bool agentx_connected(const struct agentx *ax);

/* Send one notification through the master (sysUpTime.0 and
 * snmpTrapOID.0 first). Returns 0, or -1 with err when not connected. */
int agentx_send(struct agentx *ax, const struct notification *n, char *err,
                size_t errlen);

#endif

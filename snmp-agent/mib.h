/* mib.h - what rasd-snmp serves: the host's state laid out as
 * ENTITY-MIB, ENTITY-STATE-MIB, ENTITY-SENSOR-MIB and RASD-MIB rows. */
#ifndef RASD_SNMP_MIB_TABLES_H
#define RASD_SNMP_MIB_TABLES_H

#include "oidtab.h"
#include "state.h"

/* The agent's own counters, served as RASD-MIB host scalars. */
struct mib_agent_counters {
	bool daemon_connected;
	uint32_t notify_queued;
	uint32_t notify_dropped;
	uint32_t notify_sent;
	uint64_t last_change_ms; /* for entLastChangeTime, wall clock */
	uint64_t started_ms;     /* the agent's start, for TimeTicks */
	uint32_t refresh_ms;     /* how often, at most, rasd's state is
	                          * re-read: entPhySensorValueUpdateRate */
};

/*
 * The subtrees rasd-snmp registers with the master agent, one oidtab
 * each; nothing outside them is ever answered.
 */
enum mib_view {
	MIB_VIEW_ENTITY, /* 1.3.6.1.2.1.47 */
	MIB_VIEW_STATE,  /* 1.3.6.1.2.1.131 */
	MIB_VIEW_SENSOR, /* 1.3.6.1.2.1.99 */
	MIB_VIEW_RASD,   /* RASD_MIB_ARC */
	MIB_N_VIEWS,
};

/* The registration root of a view. */
const struct oid_name *mib_view_root(enum mib_view v);

/*
 * Rebuild every view's table from st (tables must be initialised).
 * entPhySensorValueTimeStamp is the sensor's read_ms in TimeTicks since
 * started_ms, as entLastChangeTime is.
 */
int mib_fill(struct oidtab tabs[MIB_N_VIEWS], const struct state *st,
             const struct mib_agent_counters *c);

#endif

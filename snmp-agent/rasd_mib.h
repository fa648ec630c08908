/* rasd_mib.h - where every object rasd-snmp serves lives: the standard
 * ENTITY MIBs' OIDs (facts from RFC 6933, 4268, 3433) and RASD-MIB's. */
#ifndef RASD_SNMP_MIB_H
#define RASD_SNMP_MIB_H

/*
 * RASD-MIB has no IANA enterprise number of its own. It sits under
 * NET-SNMP-MIB's experimental arc, netSnmpExperimental (8072.9999), at
 * 7273. To move it, change RASD_MIB_ARC here and the MODULE-IDENTITY's
 * "::= { netSnmpExperimental 7273 }" line in RASD-MIB.txt: nothing else
 * names the arc.
 */
#define RASD_MIB_ARC     1, 3, 6, 1, 4, 1, 8072, 9999, 7273
#define RASD_MIB_ARC_LEN 9

/* Standard MIBs: arcs as arrays of sub-identifiers. */
#define OID_SNMP_TRAP_OID           1, 3, 6, 1, 6, 3, 1, 1, 4, 1, 0 /* snmpTrapOID.0 */
#define OID_SYS_UPTIME              1, 3, 6, 1, 2, 1, 1, 3, 0 /* sysUpTime.0 */
#define OID_ENTITY_MIB              1, 3, 6, 1, 2, 1, 47
#define OID_ENT_PHYS_ENTRY          1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1 /* .col.index */
#define OID_ENT_LAST_CHANGE         1, 3, 6, 1, 2, 1, 47, 1, 4, 1, 0
#define OID_ENT_STATE_MIB           1, 3, 6, 1, 2, 1, 131
#define OID_ENT_STATE_ENTRY         1, 3, 6, 1, 2, 1, 131, 1, 1, 1
#define OID_ENT_STATE_OPER_ENABLED  1, 3, 6, 1, 2, 1, 131, 0, 1
#define OID_ENT_STATE_OPER_DISABLED 1, 3, 6, 1, 2, 1, 131, 0, 2
#define OID_ENT_SENSOR_MIB          1, 3, 6, 1, 2, 1, 99
#define OID_ENT_SENSOR_ENTRY        1, 3, 6, 1, 2, 1, 99, 1, 1, 1

/* entPhysicalTable columns (RFC 6933). */
enum ent_phys_col {
	ENT_PHYS_DESCR = 2,
	ENT_PHYS_VENDOR_TYPE = 3, /* AutonomousType: 0.0 when unknown */
	ENT_PHYS_CONTAINED_IN = 4,
	ENT_PHYS_CLASS = 5,
	ENT_PHYS_PARENT_REL_POS = 6,
	ENT_PHYS_NAME = 7,
	ENT_PHYS_HARDWARE_REV = 8,
	ENT_PHYS_FIRMWARE_REV = 9,
	ENT_PHYS_SOFTWARE_REV = 10,
	ENT_PHYS_SERIAL_NUM = 11,
	ENT_PHYS_MFG_NAME = 12,
	ENT_PHYS_MODEL_NAME = 13,
	ENT_PHYS_ALIAS = 14,
	ENT_PHYS_ASSET_ID = 15,
	ENT_PHYS_IS_FRU = 16,
};

/* PhysicalClass (IANA-ENTITY-MIB). */
enum ent_phys_class {
	ENT_CLASS_OTHER = 1,
	ENT_CLASS_CHASSIS = 3,
	ENT_CLASS_CONTAINER = 5,
	ENT_CLASS_POWER_SUPPLY = 6,
	ENT_CLASS_FAN = 7,
	ENT_CLASS_SENSOR = 8,
	ENT_CLASS_MODULE = 9,
	ENT_CLASS_CPU = 12,
};

/* entStateTable columns and values (RFC 4268). */
enum ent_state_col {
	ENT_STATE_LAST_CHANGED = 1, /* DateAndTime */
	ENT_STATE_ADMIN = 2,
	ENT_STATE_OPER = 3,
	ENT_STATE_USAGE = 4,
	ENT_STATE_ALARM = 5, /* BITS */
	ENT_STATE_STANDBY = 6,
};
enum ent_admin {
	ENT_ADMIN_UNKNOWN = 1,
	ENT_ADMIN_LOCKED = 2,
	ENT_ADMIN_UNLOCKED = 4
};
enum ent_oper {
	ENT_OPER_UNKNOWN = 1,
	ENT_OPER_DISABLED = 2,
	ENT_OPER_ENABLED = 3
};
enum ent_usage {
	ENT_USAGE_UNKNOWN = 1,
	ENT_USAGE_IDLE = 2,
	ENT_USAGE_ACTIVE = 3
};
enum ent_standby { ENT_STANDBY_PROVIDING_SERVICE = 4 };
/* EntityAlarmStatus bit numbers (bit 0 is the first octet's top bit). */
enum ent_alarm_bit {
	ENT_ALARM_UNDER_REPAIR = 1,
	ENT_ALARM_CRITICAL = 2,
	ENT_ALARM_MAJOR = 3,
	ENT_ALARM_MINOR = 4,
	ENT_ALARM_WARNING = 5,
};

/* entPhySensorTable columns and values (RFC 3433). */
enum ent_sensor_col {
	ENT_SENSOR_TYPE = 1,              /* EntitySensorDataType */
	ENT_SENSOR_SCALE = 2,             /* EntitySensorDataScale */
	ENT_SENSOR_PRECISION = 3,         /* EntitySensorPrecision (-8..9) */
	ENT_SENSOR_VALUE = 4,             /* EntitySensorValue */
	ENT_SENSOR_OPER_STATUS = 5,       /* EntitySensorStatus */
	ENT_SENSOR_UNITS_DISPLAY = 6,     /* SnmpAdminString */
	ENT_SENSOR_VALUE_TIME_STAMP = 7,  /* TimeStamp */
	ENT_SENSOR_VALUE_UPDATE_RATE = 8, /* Unsigned32, milliseconds */
};
enum ent_sensor_type {
	ENT_SENSOR_OTHER = 1,
	ENT_SENSOR_UNKNOWN = 2,
	ENT_SENSOR_VOLTS_AC = 3,
	ENT_SENSOR_VOLTS_DC = 4,
	ENT_SENSOR_AMPERES = 5,
	ENT_SENSOR_WATTS = 6,
	ENT_SENSOR_HERTZ = 7,
	ENT_SENSOR_CELSIUS = 8,
	ENT_SENSOR_PERCENT_RH = 9,
	ENT_SENSOR_RPM = 10,
	ENT_SENSOR_CMM = 11,
	ENT_SENSOR_TRUTHVALUE = 12,
};
enum ent_sensor_scale {
	ENT_SENSOR_SCALE_MILLI = 8,
	ENT_SENSOR_SCALE_UNITS = 9
};
enum ent_sensor_status {
	ENT_SENSOR_OK = 1,
	ENT_SENSOR_UNAVAILABLE = 2,
	ENT_SENSOR_NONOPERATIONAL = 3,
};
/* EntitySensorValue's range. */
#define ENT_SENSOR_VALUE_MAX 1000000000

/*
 * RASD-MIB layout, relative to RASD_MIB_ARC:
 *   .0.N           notifications (enum rasd_notification)
 *   .1.1.N.0       host scalars (enum rasd_host_scalar)
 *   .1.2.1.C.I     rasdDimmTable,   I = entPhysicalIndex of the DIMM
 *   .1.3.1.C.I     rasdSocketTable, I = entPhysicalIndex of the socket
 *   .1.4.1.C.I     rasdPageTable,   I = rasd's action id for the page
 *   .1.5.1.C.I     rasdCpuTable,    I = entPhysicalIndex of the CPU
 *   .1.6.1.C.I     rasdEvacTable,   I = rasd's action id of the attempt
 *   .1.7.N.0       accessible-for-notify varbinds (enum rasd_notify_obj)
 *   .1.8.1.C.I     rasdDeviceTable, I = rasd's number of the PCIe or CXL
 *                  device (the journal id of its first error)
 *   .2             conformance
 */
enum rasd_notification {
	RASD_TRAP_DIMM_DEGRADED = 1,
	RASD_TRAP_DIMM_FAILING = 2,
	RASD_TRAP_PAGE_OFFLINED = 3,
	RASD_TRAP_CPU_OFFLINED = 4,
	RASD_TRAP_UNCORRECTABLE = 5,
	RASD_TRAP_GUEST_EVACUATED = 6,
	RASD_TRAP_EVACUATION_FAILED = 7,
	RASD_TRAP_ERROR_STORM = 8,
	RASD_TRAP_SENSOR_THRESHOLD = 9,
	RASD_TRAP_HEALTH_CHANGED = 10,
	RASD_TRAP_DEVICE_ERROR = 11,
};

enum rasd_host_scalar {
	RASD_HOST_HEALTH = 1,         /* INTEGER ok(1) degraded(2) failing(3) */
	RASD_HOST_NAME = 2,           /* DisplayString */
	RASD_HOST_MODE = 3,           /* INTEGER act(1) recommend(2) */
	RASD_HOST_EVENTS = 4,         /* Counter64: events journaled */
	RASD_HOST_PAGES_OFFLINED = 5, /* Gauge32 */
	RASD_HOST_CPUS_OFFLINED = 6,  /* Gauge32 */
	RASD_HOST_GUESTS_EVACUATED = 7, /* Gauge32 */
	RASD_HOST_ACTIONS_FAILED = 8,   /* Gauge32 */
	RASD_HOST_DAEMON_CONNECTED = 9, /* TruthValue: rasd reachable */
	RASD_HOST_NOTIFY_QUEUED = 10,   /* Gauge32: waiting for snmpd */
	RASD_HOST_NOTIFY_DROPPED = 11,  /* Counter32: queue overflowed */
	RASD_HOST_NOTIFY_SENT = 12,     /* Counter32 */
	RASD_HOST_DAEMON_BOOT = 13,     /* DisplayString: rasd's boot id;
	                                 * a change means its counters
	                                 * restarted (a discontinuity) */
};
enum rasd_health_value {
	RASD_HEALTH_OK = 1,
	RASD_HEALTH_DEGRADED = 2,
	RASD_HEALTH_FAILING = 3
};

enum rasd_dimm_col {
	RASD_DIMM_LOCATION = 2,        /* DisplayString: the label */
	RASD_DIMM_SOCKET = 3,          /* Integer32 */
	RASD_DIMM_CHANNEL = 4,         /* Integer32 */
	RASD_DIMM_STATUS = 5,          /* enum rasd_dimm_status */
	RASD_DIMM_FAILURE_MODES = 6,   /* BITS enum rasd_failure_bit */
	RASD_DIMM_CORRECTED = 7,       /* Counter64 */
	RASD_DIMM_UNCORRECTED = 8,     /* Counter64 */
	RASD_DIMM_RATE = 9,            /* Gauge32: pages in the window */
	RASD_DIMM_RATE_THRESHOLD = 10, /* Gauge32 */
	RASD_DIMM_PAGES_RETIRED = 11,  /* Gauge32 */
	RASD_DIMM_SIZE_MIB = 12,       /* Gauge32 */
};
enum rasd_dimm_status {
	RASD_DIMM_OK = 1,
	RASD_DIMM_DEGRADED = 2,
	RASD_DIMM_FAILING = 3,
	RASD_DIMM_EVACUATING = 4,
	RASD_DIMM_EVACUATED = 5
};
enum rasd_failure_bit {
	RASD_FAIL_CE_RATE_WARNING = 0,
	RASD_FAIL_CE_RATE_FAILURE = 1,
	RASD_FAIL_UNCORRECTABLE = 2,
	RASD_FAIL_PAGES_RETIRED = 3,
	RASD_FAIL_EVACUATED = 4,
	/* DRAM fault modes (rasctl dimms fault_mode): at most one */
	RASD_FAIL_CELL = 5,
	RASD_FAIL_ROW = 6,
	RASD_FAIL_COLUMN = 7,
	RASD_FAIL_BANK = 8,
	RASD_FAIL_MULTI_BANK = 9,
	RASD_FAIL_MULTI_RANK = 10,
};

enum rasd_socket_col {
	RASD_SOCKET_NUMBER = 2,         /* Integer32 */
	RASD_SOCKET_STATUS = 3,         /* INTEGER ok(1) degraded(2) */
	RASD_SOCKET_CORRECTED = 4,      /* Counter64 */
	RASD_SOCKET_UNCORRECTED = 5,    /* Counter64 */
	RASD_SOCKET_RATE = 6,           /* Gauge32: errors in the window */
	RASD_SOCKET_RATE_THRESHOLD = 7, /* Gauge32 */
};

enum rasd_page_col {
	RASD_PAGE_FRAME = 2,     /* DisplayString "0x..." machine frame */
	RASD_PAGE_OWNER = 3,     /* Integer32 domid, -1 none or unknown */
	RASD_PAGE_HV_STATUS = 4, /* Unsigned32: the raw status word */
	RASD_PAGE_HV_STATE = 5,  /* DisplayString: decoded status */
	RASD_PAGE_DIMM = 6,      /* Integer32 DIMM entPhysicalIndex, 0 */
	RASD_PAGE_ACTION = 7,    /* enum rasd_action_state */
	RASD_PAGE_TIME = 8,      /* DateAndTime of the last change */
};
enum rasd_action_state {
	RASD_ACT_INTENDED = 1,
	RASD_ACT_RUNNING = 2,
	RASD_ACT_DONE = 3,
	RASD_ACT_FAILED = 4,
	RASD_ACT_RECOMMENDED = 5,
	RASD_ACT_REFUSED = 6
};

enum rasd_cpu_col {
	RASD_CPU_NUMBER = 2,          /* Integer32 */
	RASD_CPU_SOCKET = 3,          /* Integer32 */
	RASD_CPU_CORE = 4,            /* Integer32 */
	RASD_CPU_ONLINE = 5,          /* TruthValue */
	RASD_CPU_PROTECTED = 6,       /* TruthValue */
	RASD_CPU_CORE_ERRORS = 7,     /* Counter64 */
	RASD_CPU_RATE = 8,            /* Gauge32 */
	RASD_CPU_RATE_THRESHOLD = 9,  /* Gauge32 */
	RASD_CPU_OFFLINE_ACTION = 10, /* enum rasd_action_state, or none(0)
	                               * reported as 0 when never acted */
};

enum rasd_evac_col {
	RASD_EVAC_GUEST_ID = 2,   /* Unsigned32 domid */
	RASD_EVAC_GUEST_NAME = 3, /* DisplayString */
	RASD_EVAC_FROM = 4,       /* DisplayString: this host */
	RASD_EVAC_TO = 5,         /* DisplayString: the peer */
	RASD_EVAC_STATE = 6,      /* enum rasd_action_state */
	RASD_EVAC_STARTED = 7,    /* DateAndTime */
	RASD_EVAC_UPDATED = 8,    /* DateAndTime */
	RASD_EVAC_DIMM = 9,       /* Integer32 DIMM entPhysicalIndex, 0 */
	RASD_EVAC_DETAIL = 10,    /* DisplayString */
	RASD_EVAC_ATTEMPT = 11,   /* Unsigned32 */
};

/* rasdDeviceTable (.1.8): PCIe and CXL devices, by rasd's number. */
enum rasd_device_col {
	RASD_DEVICE_NAME = 2,      /* DisplayString: "0000:3b:00.0", "mem0" */
	RASD_DEVICE_SOURCE = 3,    /* enum rasd_device_source */
	RASD_DEVICE_HOST = 4,      /* DisplayString: CXL's PCI function */
	RASD_DEVICE_CORRECTED = 5, /* Counter64 */
	RASD_DEVICE_NONFATAL = 6,  /* Counter64 */
	RASD_DEVICE_FATAL = 7,     /* Counter64 */
	RASD_DEVICE_STORM = 8,     /* TruthValue */
};
enum rasd_device_source { RASD_DEVICE_AER = 1, RASD_DEVICE_CXL = 2 };

enum rasd_notify_obj {
	RASD_NOTIFY_ENT_INDEX = 1,  /* Integer32: the entity concerned, 0 */
	RASD_NOTIFY_LOCATION = 2,   /* DisplayString: DIMM label, "cpu 3" */
	RASD_NOTIFY_TEXT = 3,       /* DisplayString: rasd's one line */
	RASD_NOTIFY_COUNT = 4,      /* Unsigned32 */
	RASD_NOTIFY_THRESHOLD = 5,  /* Unsigned32 */
	RASD_NOTIFY_ADDRESS = 6,    /* DisplayString "0x..." */
	RASD_NOTIFY_GUEST_ID = 7,   /* Integer32 domid, -1 */
	RASD_NOTIFY_GUEST_NAME = 8, /* DisplayString */
	RASD_NOTIFY_PEER = 9,       /* DisplayString */
	RASD_NOTIFY_SEVERITY = 10,  /* DisplayString: corrected, srao, ... */
	RASD_NOTIFY_SEQUENCE = 11,  /* Unsigned32: rasd's notice number */
	RASD_NOTIFY_HEALTH = 12,    /* INTEGER as RASD_HOST_HEALTH */
	RASD_NOTIFY_TIME = 13,      /* DateAndTime of the notice */
};

#endif

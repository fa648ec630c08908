/* state.h - rasd-snmp's picture of the host: built from rasd's control
 * replies (JSON), numbered as ENTITY-MIB entities, diffed between views. */
#ifndef RASD_SNMP_STATE_H
#define RASD_SNMP_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

/*
 * entPhysicalIndex numbering. It must not move when rasd or the agent
 * restarts, so it is derived from the hardware's own numbers, never from
 * the order of arrival:
 *   1                    the host (chassis)
 *   100 + socket         a processor package
 *   1000 + cpu           a logical CPU (the thing Xen offlines)
 *   10000 + dimm id      a memory module
 *   20000 + k            a sensor (lm-sensors feature or IPMI sensor)
 *
 * Sensors have no hardware number, so k is their place in a small map
 * of sensor keys (source, chip, feature; IPMI: source and name), each
 * appended the first time it is seen. The map travels from one view to
 * the next (state_build's prev), so a sensor keeps its index across
 * refreshes, across rasd restarts and while it is gone for a while; it
 * starts again with the agent, in the order rasd lists the sensors
 * (which is the hardware's order, so usually the same numbers).
 */
#define STATE_ENT_CHASSIS   1
#define STATE_ENT_SOCKET(s) (100 + (s))
#define STATE_ENT_CPU(c)    (1000 + (c))
#define STATE_ENT_DIMM(d)   (10000 + (d))
#define STATE_ENT_SENSOR(k) (20000 + (k))
#define STATE_MAX_SOCKETS   (1000 - 100)
#define STATE_MAX_CPUS      (10000 - 1000)
#define STATE_MAX_DIMMS     (20000 - 10000)
/* Sensor keys ever seen; sensors past them are left out of the model. */
#define STATE_MAX_SENSORS    10000
#define STATE_SENSOR_KEY_MAX 256

#define STATE_TEXT_MAX 128

struct state_entity {
	int32_t index;        /* entPhysicalIndex */
	int32_t contained_in; /* 0 for the chassis */
	int32_t parent_rel_pos;
	int cls; /* enum ent_phys_class */
	char name[STATE_TEXT_MAX];
	char descr[STATE_TEXT_MAX];
	bool fru;
	int oper;      /* enum ent_oper */
	int admin;     /* enum ent_admin */
	uint8_t alarm; /* EntityAlarmStatus, one octet (bits 0..7) */
	uint64_t
	    changed_ms; /* wall-clock ms of the last oper/alarm change, 0 */
};

struct state_dimm {
	int32_t ent;
	int32_t id;
	char label[STATE_TEXT_MAX];
	int32_t socket, channel;
	int status;         /* enum rasd_dimm_status */
	uint16_t modes;     /* failure-mode BITS: the first octet high */
	uint16_t fault_bit; /* the DRAM fault mode's bit of modes, or 0 */
	uint64_t corrected, uncorrected;
	uint32_t rate, threshold, pages_retired, size_mib;
};

struct state_socket {
	int32_t ent;
	int32_t socket;
	bool degraded;
	uint64_t corrected, uncorrected;
	uint32_t rate, threshold;
};

struct state_cpu {
	int32_t ent;
	int32_t cpu, socket, core;
	bool online, protected_;
	uint64_t core_errors;
	uint32_t rate, threshold;
	int offline_action; /* enum rasd_action_state of the latest cpu
	                     * offline of this CPU, 0 when none */
};

struct state_page {
	int32_t action; /* table index */
	char frame[24]; /* "0x1234" */
	int32_t owner;  /* domid, -1 */
	uint32_t hv_status;
	char hv_state[48];
	int32_t dimm_ent; /* 0 unknown */
	int action_state; /* enum rasd_action_state */
	uint64_t time_ms; /* wall clock */
};

struct state_evac {
	int32_t action; /* table index */
	uint32_t domid;
	char guest[64];
	char to[64];
	int action_state;
	uint64_t started_ms, updated_ms;
	int32_t dimm_ent;
	char detail[STATE_TEXT_MAX];
	uint32_t attempt;
};

/*
 * A sensor as ENTITY-SENSOR-MIB serves it. value is the reading times
 * 10^precision, rounded, within +-ENT_SENSOR_VALUE_MAX; precision
 * depends on the type: celsius 1 (tenths of a degree), voltsDC, amperes
 * and watts 3 (thousandths: hwmon's own resolution), rpm 0, other 2.
 * The scale is always units(9).
 */
struct state_sensor {
	int32_t ent;
	int32_t dimm_ent;          /* the DIMM it measures, 0 */
	char name[STATE_TEXT_MAX]; /* as rasd's SENSOR notices name it */
	char source[16];           /* "sensors" (lm-sensors), "ipmi" */
	int type;                  /* enum ent_sensor_type */
	int precision;
	int32_t value;    /* 0 when there is no reading */
	int status;       /* enum ent_sensor_status */
	char units[32];   /* entPhySensorUnitsDisplay */
	uint64_t read_ms; /* wall clock of the view (state_diff), 0 */
};

/* A PCIe function or CXL device that logged errors ("rasctl pcie"). */
struct state_device {
	int32_t index; /* rasd's number: the journal id of its first error */
	char name[64];
	int source; /* enum rasd_device_source */
	char host[64];
	uint64_t corrected, nonfatal, fatal;
	bool storm;
};

struct state {
	char host[64];
	char boot[64]; /* rasd's boot id: changes when rasd restarts */
	int health;    /* enum rasd_health_value */
	bool recommend;
	uint64_t events, pages_offlined, cpus_offlined, guests_evacuated,
	    actions_failed;
	uint64_t notice_seq; /* rasd's newest notice when read */

	struct state_entity *ents;
	size_t n_ents;
	struct state_dimm *dimms;
	size_t n_dimms;
	struct state_socket *sockets;
	size_t n_sockets;
	struct state_cpu *cpus;
	size_t n_cpus;
	struct state_page *pages;
	size_t n_pages;
	struct state_evac *evacs;
	size_t n_evacs;
	struct state_sensor *sensors; /* sorted by ent */
	size_t n_sensors;
	struct state_device *devices; /* sorted by index */
	size_t n_devices;
	/* The sensor numbering: key k is entPhysicalIndex 20000 + k. */
	char (*sensor_keys)[STATE_SENSOR_KEY_MAX];
	size_t n_sensor_keys;
};

/*
 * rasd's replies, each the "result" object of one control command:
 * status, dimms, sockets, cpus, actions, pages, sensors, pcie (rasctl(8)
 * shows them). sockets, pages, sensors and pcie may be NULL: an older
 * rasd without those commands.
 */
struct state_inputs {
	struct json_object *status, *dimms, *sockets, *cpus, *actions, *pages,
	    *sensors, *pcie;
};

/*
 * Build `st` (zeroed or freed before) from rasd's replies. prev is the
 * view this one follows (NULL for the first): its sensor numbering is
 * carried over. A reply that lacks a required member fails with
 * "dimms[2]: no \"label\"" and the like in err; `st` is then empty.
 * Entities are sorted by index.
 */
int state_build(struct state *st, const struct state_inputs *in,
                const struct state *prev, char *err, size_t errlen);
void state_free(struct state *st);

/* Move `from` into `to` (freeing what `to` held); `from` ends empty. */
void state_move(struct state *to, struct state *from);

const struct state_entity *state_entity(const struct state *st, int32_t index);
/* Lookups used to address notifications; NULL when unknown. */
const struct state_dimm *state_dimm_by_label(const struct state *st,
                                             const char *label);
const struct state_cpu *state_cpu_by_number(const struct state *st,
                                            int32_t cpu);
const struct state_socket *state_socket_by_number(const struct state *st,
                                                  int32_t socket);
/* By entPhysicalName ("coretemp-isa-0000 Core 0", "CPU Temp"). */
const struct state_sensor *state_sensor_by_name(const struct state *st,
                                                const char *name);

/*
 * What changed between two views, for ENTITY-STATE-MIB notifications:
 * calls fn for every entity present in both whose entStateOper differs
 * (old -> new), and stamps new->ents[].changed_ms with now_ms for every
 * entity whose admin, oper or alarm differs (RFC 4268 entStateLastChanged);
 * unchanged ones keep old's stamp, new ones 0. Every sensor's read_ms
 * becomes now_ms (its value was read for this view). old may be NULL.
 */
typedef void (*state_change_fn)(void *arg, const struct state_entity *now,
                                int old_oper);
void state_diff(const struct state *old, struct state *now, uint64_t now_ms,
                state_change_fn fn, void *arg);

#endif

/* test_snmp_notify.c - rasd's notices as the trap receiver sees them: trap
 * OIDs, varbinds in order, storm folding, bad notices, the bounded queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "snmp-agent/notify.h"
#include "snmp-agent/rasd_mib.h"

#define RASD_OID         "1.3.6.1.4.1.8072.9999.7273"
#define TRAP(n)          RASD_OID ".0." #n
#define T0               1700000000000ull /* 2023-11-14T22:13:20Z */
#define SECOND           1000ull
#define CORRECTED_LIMIT  10
#define CORRECTED_WINDOW (60 * SECOND)

/*
 * A small host: one DIMM, two CPUs on one socket. Built by hand so that
 * these tests do not depend on the control replies' format; every array
 * is sorted by label, number and index alike, as state_build leaves it.
 */
struct host {
	struct state st;
	struct state_dimm dimms[1];
	struct state_cpu cpus[2];
	struct state_socket sockets[1];
	struct state_sensor sensors[2];
	struct state_entity ents[7];
};

static void entity(struct state_entity *e, int32_t index, int32_t in, int cls,
                   const char *name)
{
	memset(e, 0, sizeof(*e));
	e->index = index;
	e->contained_in = in;
	e->cls = cls;
	snprintf(e->name, sizeof(e->name), "%s", name);
	e->oper = ENT_OPER_ENABLED;
	e->admin = ENT_ADMIN_UNLOCKED;
}

static void host_init(struct host *h)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->st.host, sizeof(h->st.host), "xen-01");
	h->st.health = RASD_HEALTH_OK;

	h->dimms[0].id = 3;
	h->dimms[0].ent = STATE_ENT_DIMM(3);
	snprintf(h->dimms[0].label, sizeof(h->dimms[0].label), "P1-DIMMA1");
	h->cpus[0].cpu = 4;
	h->cpus[0].ent = STATE_ENT_CPU(4);
	h->cpus[1].cpu = 5;
	h->cpus[1].ent = STATE_ENT_CPU(5);
	h->sockets[0].socket = 1;
	h->sockets[0].ent = STATE_ENT_SOCKET(1);

	entity(&h->ents[0], STATE_ENT_CHASSIS, 0, ENT_CLASS_CHASSIS, "xen-01");
	entity(&h->ents[1], STATE_ENT_SOCKET(1), 1, ENT_CLASS_CPU, "socket 1");
	entity(&h->ents[2], STATE_ENT_CPU(4), 101, ENT_CLASS_CPU, "cpu 4");
	entity(&h->ents[3], STATE_ENT_CPU(5), 101, ENT_CLASS_CPU, "cpu 5");
	entity(&h->ents[4], STATE_ENT_DIMM(3), 1, ENT_CLASS_MODULE,
	       "P1-DIMMA1");

	h->st.dimms = h->dimms;
	h->st.n_dimms = 1;
	h->st.cpus = h->cpus;
	h->st.n_cpus = 2;
	h->st.sockets = h->sockets;
	h->st.n_sockets = 1;
	/* A core's temperature, and the DIMM's own. */
	h->sensors[0].ent = STATE_ENT_SENSOR(0);
	snprintf(h->sensors[0].name, sizeof(h->sensors[0].name),
	         "coretemp-isa-0000 Core 0");
	h->sensors[1].ent = STATE_ENT_SENSOR(1);
	h->sensors[1].dimm_ent = STATE_ENT_DIMM(3);
	snprintf(h->sensors[1].name, sizeof(h->sensors[1].name),
	         "jc42-i2c-0-18 P1-DIMMA1");
	entity(&h->ents[5], STATE_ENT_SENSOR(0), 1, ENT_CLASS_SENSOR,
	       h->sensors[0].name);
	entity(&h->ents[6], STATE_ENT_SENSOR(1), STATE_ENT_DIMM(3),
	       ENT_CLASS_SENSOR, h->sensors[1].name);

	h->st.ents = h->ents;
	h->st.n_ents = 7;
	h->st.sensors = h->sensors;
	h->st.n_sensors = 2;
}

/* Parse one notice and map it, as the agent's subscribe loop does. */
static int map(const char *json, const struct state *st,
               struct notify_storm *storm, struct notification *out, char *err,
               size_t errlen)
{
	struct json_object *o = json_tokener_parse(json);
	struct notice_in n;
	int rc;

	assert_non_null(o);
	rc = notice_in_parse(o, &n, err, errlen);
	if (rc == 0)
		rc = notify_from_notice(&n, st, storm, out, err, errlen);
	json_object_put(o);
	return rc;
}

/* A notice with the given msgid and fields (a JSON object's insides). */
static int map_notice(uint64_t seq, uint64_t time_ms, const char *msgid,
                      const char *fields, const struct state *st,
                      struct notify_storm *storm, struct notification *out)
{
	char json[1024], err[256] = "";
	int rc;

	snprintf(json, sizeof(json),
	         "{\"seq\":%llu,\"msgid\":\"%s\",\"priority\":3,"
	         "\"time_ms\":%llu,\"text\":\"%s happened\",\"fields\":{%s}}",
	         (unsigned long long)seq, msgid, (unsigned long long)time_ms,
	         msgid, fields);
	rc = map(json, st, storm, out, err, sizeof(err));
	if (rc < 0)
		fail_msg("%s: %s", msgid, err);
	return rc;
}

static void assert_oid(const struct oid_name *o, const char *want)
{
	char buf[256];

	assert_string_equal(oid_format(o, buf, sizeof(buf)), want);
}

/* vb[i] is RASD-MIB's notify object obj (RASD_MIB_ARC.1.7.obj.0). */
static const struct oid_value *vb_obj(const struct notification *nt, size_t i,
                                      enum rasd_notify_obj obj)
{
	char want[64];

	assert_true(i < nt->n_vb);
	snprintf(want, sizeof(want), RASD_OID ".1.7.%d.0", (int)obj);
	assert_oid(&nt->vb[i].name, want);
	return &nt->vb[i];
}

static void assert_vb_int(const struct notification *nt, size_t i,
                          enum rasd_notify_obj obj, int64_t want)
{
	const struct oid_value *v = vb_obj(nt, i, obj);

	assert_int_equal(v->type, OID_T_INTEGER);
	assert_int_equal(v->i, want);
}

static void assert_vb_unsigned(const struct notification *nt, size_t i,
                               enum rasd_notify_obj obj, uint32_t want)
{
	const struct oid_value *v = vb_obj(nt, i, obj);

	assert_int_equal(v->type, OID_T_UNSIGNED);
	assert_int_equal(v->i, want);
}

static void assert_vb_string(const struct notification *nt, size_t i,
                             enum rasd_notify_obj obj, const char *want)
{
	const struct oid_value *v = vb_obj(nt, i, obj);

	assert_int_equal(v->type, OID_T_OCTETS);
	assert_int_equal(v->s_len, strlen(want));
	assert_memory_equal(v->s, want, v->s_len);
}

/* The five varbinds every RASD-MIB notification opens with. */
static void assert_common(const struct notification *nt, uint32_t seq,
                          int32_t ent, const char *location, const char *text)
{
	const struct oid_value *t;

	assert_vb_unsigned(nt, 0, RASD_NOTIFY_SEQUENCE, seq);
	t = vb_obj(nt, 1, RASD_NOTIFY_TIME);
	assert_int_equal(t->type, OID_T_OCTETS);
	assert_int_equal(t->s_len, 11);
	assert_int_equal(t->s[0] << 8 | t->s[1], 2023); /* year */
	assert_int_equal(t->s[2], 11);                  /* month */
	assert_int_equal(t->s[3], 14);                  /* day */
	assert_vb_int(nt, 2, RASD_NOTIFY_ENT_INDEX, ent);
	assert_vb_string(nt, 3, RASD_NOTIFY_LOCATION, location);
	assert_vb_string(nt, 4, RASD_NOTIFY_TEXT, text);
}

static void failing_dimm_names_the_module_and_its_rate(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(
	    map_notice(12, T0, "DIMMFAIL",
	               "\"dimm\":\"P1-DIMMA1\",\"socket\":\"1\","
	               "\"channel\":\"0\",\"count\":\"5\",\"threshold\":\"4\"",
	               &h.st, NULL, &nt),
	    1);
	assert_oid(&nt.trap, TRAP(2));
	assert_int_equal(nt.seq, 12);
	assert_int_equal(nt.time_ms, T0);
	assert_int_equal(nt.n_vb, 7);
	assert_common(&nt, 12, 10003, "P1-DIMMA1", "DIMMFAIL happened");
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 5);
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 4);
}

static void degraded_dimm_is_its_own_trap(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(13, T0, "DIMMDEG",
	                            "\"dimm\":\"P1-DIMMA1\",\"count\":\"2\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(1));
	assert_int_equal(nt.n_vb, 7);
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 2);
	/* Not in the notice: 0, not a failure. */
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 0);
}

static void unknown_dimm_still_notifies_with_entity_zero(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(14, T0, "DIMMFAIL",
	                            "\"dimm\":\"P9-DIMMZ9\",\"count\":\"5\","
	                            "\"threshold\":\"4\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(2));
	assert_common(&nt, 14, 0, "P9-DIMMZ9", "DIMMFAIL happened");
}

static void offlined_page_carries_frame_and_owner(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(20, T0, "PAGEOFF",
	                            "\"action\":\"7\",\"state\":\"done\","
	                            "\"page\":\"0x12345\",\"domain\":\"9\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(3));
	assert_int_equal(nt.n_vb, 7);
	assert_common(&nt, 20, 1, "xen-01", "PAGEOFF happened");
	assert_vb_string(&nt, 5, RASD_NOTIFY_ADDRESS, "0x12345");
	assert_vb_int(&nt, 6, RASD_NOTIFY_GUEST_ID, 9);

	/* A page nobody owned, or whose owner rasd could not tell. */
	assert_int_equal(map_notice(21, T0, "PAGEOFF",
	                            "\"page\":\"0x2000\",\"state\":\"done\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_vb_string(&nt, 5, RASD_NOTIFY_ADDRESS, "0x2000");
	assert_vb_int(&nt, 6, RASD_NOTIFY_GUEST_ID, -1);
}

static void offlined_cpu_points_at_the_cpu(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(30, T0, "CPUOFF",
	                            "\"cpu\":\"5\",\"state\":\"done\","
	                            "\"action\":\"8\",\"count\":\"12\","
	                            "\"threshold\":\"10\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(4));
	assert_int_equal(nt.n_vb, 7);
	assert_common(&nt, 30, 1005, "cpu 5", "CPUOFF happened");
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 12);
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 10);
}

/*
 * PCIE and CXL: an uncorrected error, or rasd's storm notice, is a
 * rasdDeviceError on the chassis named by the device; a single
 * corrected one is nothing, and not charged to the host's storm.
 */
static void device_errors(void **state)
{
	struct host h;
	struct notification nt;
	struct notify_storm storm;

	(void)state;
	host_init(&h);
	assert_int_equal(notify_storm_init(&storm, 1, 60000), 0);
	assert_int_equal(map_notice(50, T0, "PCIE",
	                            "\"device\":\"0000:00:1c.0\","
	                            "\"severity\":\"fatal\",\"count\":\"1\","
	                            "\"bits\":\"MalfTLP\"",
	                            &h.st, &storm, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(11));
	assert_int_equal(nt.n_vb, 8);
	assert_common(&nt, 50, 1, "0000:00:1c.0", "PCIE happened");
	assert_vb_string(&nt, 5, RASD_NOTIFY_SEVERITY, "fatal");
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_COUNT, 1);
	assert_vb_unsigned(&nt, 7, RASD_NOTIFY_THRESHOLD, 0);
	assert_int_equal(
	    map_notice(51, T0, "CXL",
	               "\"device\":\"mem0\","
	               "\"severity\":\"corrected\",\"count\":\"3\"",
	               &h.st, &storm, &nt),
	    0);
	assert_int_equal(
	    map_notice(52, T0, "CXL",
	               "\"device\":\"mem0\","
	               "\"severity\":\"corrected\",\"count\":\"10\","
	               "\"threshold\":\"10\"",
	               &h.st, &storm, &nt),
	    1);
	assert_oid(&nt.trap, TRAP(11));
	assert_common(&nt, 52, 1, "mem0", "CXL happened");
	assert_vb_string(&nt, 5, RASD_NOTIFY_SEVERITY, "corrected");
	assert_vb_unsigned(&nt, 7, RASD_NOTIFY_THRESHOLD, 10);
	/* With a host storm limit of 1, a charged corrected error would
	 * have raised rasdErrorStorm: device errors are not charged. */
	assert_int_equal(
	    map_notice(53, T0, "MEMCE", "\"cpu\":\"1\"", &h.st, &storm, &nt),
	    1);
	assert_oid(&nt.trap, TRAP(8));
	notify_storm_free(&storm);
}

static void uncorrected_errors_carry_severity_and_address(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(
	    map_notice(40, T0, "MEMUE",
	               "\"severity\":\"srar\",\"cpu\":\"4\",\"socket\":\"1\","
	               "\"bank\":\"7\",\"dimm\":\"P1-DIMMA1\","
	               "\"addr\":\"0xdead000\"",
	               &h.st, NULL, &nt),
	    1);
	assert_oid(&nt.trap, TRAP(5));
	assert_int_equal(nt.n_vb, 7);
	/* The DIMM is the most precise place named. */
	assert_common(&nt, 40, 10003, "P1-DIMMA1", "MEMUE happened");
	assert_vb_string(&nt, 5, RASD_NOTIFY_SEVERITY, "srar");
	assert_vb_string(&nt, 6, RASD_NOTIFY_ADDRESS, "0xdead000");

	/* An uncorrected CPU error is the same trap, about the CPU. */
	assert_int_equal(map_notice(41, T0, "CPUERR",
	                            "\"severity\":\"fatal\",\"cpu\":\"5\","
	                            "\"socket\":\"1\",\"bank\":\"4\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(5));
	assert_common(&nt, 41, 1005, "cpu 5", "CPUERR happened");
	assert_vb_string(&nt, 5, RASD_NOTIFY_SEVERITY, "fatal");
	assert_vb_string(&nt, 6, RASD_NOTIFY_ADDRESS, "");
}

static void unknown_cpu_falls_back_to_its_socket(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	/* rasd writes -1 for a CPU it could not tell. */
	assert_int_equal(map_notice(42, T0, "MEMUE",
	                            "\"severity\":\"ucna\",\"cpu\":\"-1\","
	                            "\"socket\":\"1\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_common(&nt, 42, 101, "socket 1", "MEMUE happened");
	/* A CPU number the state does not know: entity 0. */
	assert_int_equal(map_notice(43, T0, "MEMUE",
	                            "\"severity\":\"ucna\",\"cpu\":\"77\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_common(&nt, 43, 0, "cpu 77", "MEMUE happened");
}

static void evacuations_name_guest_and_peer(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(50, T0, "EVAC",
	                            "\"action\":\"3\",\"state\":\"done\","
	                            "\"domain\":\"7\",\"peer\":\"xen-02\","
	                            "\"dimm\":\"P1-DIMMA1\",\"guest\":\"web1\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(6));
	assert_int_equal(nt.n_vb, 8);
	assert_common(&nt, 50, 10003, "P1-DIMMA1", "EVAC happened");
	assert_vb_int(&nt, 5, RASD_NOTIFY_GUEST_ID, 7);
	assert_vb_string(&nt, 6, RASD_NOTIFY_GUEST_NAME, "web1");
	assert_vb_string(&nt, 7, RASD_NOTIFY_PEER, "xen-02");

	assert_int_equal(map_notice(51, T0, "EVACFAIL",
	                            "\"domain\":\"7\",\"count\":\"3\","
	                            "\"dimm\":\"P1-DIMMA1\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(7));
	assert_int_equal(nt.n_vb, 8);
	assert_vb_int(&nt, 5, RASD_NOTIFY_GUEST_ID, 7);
	assert_vb_string(&nt, 6, RASD_NOTIFY_GUEST_NAME, "");
	assert_vb_string(&nt, 7, RASD_NOTIFY_PEER, "");
}

static void storm_and_overflow_notices_are_storms(void **state)
{
	static const char *const msgids[] = {"STORM", "OVERFLOW"};
	struct host h;
	struct notification nt;
	size_t i;

	(void)state;
	host_init(&h);
	for (i = 0; i < 2; i++) {
		assert_int_equal(map_notice(60, T0, msgids[i],
		                            "\"count\":\"50\"", &h.st, NULL,
		                            &nt),
		                 1);
		assert_oid(&nt.trap, TRAP(8));
		assert_int_equal(nt.n_vb, 7);
		assert_vb_int(&nt, 2, RASD_NOTIFY_ENT_INDEX, 1);
		assert_vb_string(&nt, 3, RASD_NOTIFY_LOCATION, "xen-01");
		assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 50);
		assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 0);
	}
}

static void sensor_reading_fills_count_when_whole(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(70, T0, "SENSOR",
	                            "\"sensor\":\"CPU1 Temp\",\"value\":\"91\","
	                            "\"threshold\":\"90\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(9));
	assert_int_equal(nt.n_vb, 7);
	assert_common(&nt, 70, 1, "CPU1 Temp", "SENSOR happened");
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 91);
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 90);

	/* A fractional reading stays in the text; the slot says 0. */
	assert_int_equal(map_notice(71, T0, "SENSOR",
	                            "\"sensor\":\"CPU1 Temp\","
	                            "\"value\":\"91.5\",\"threshold\":\"90\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 0);
}

static void sensor_notice_points_at_the_sensor(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	assert_int_equal(map_notice(72, T0, "SENSOR",
	                            "\"source\":\"sensors\","
	                            "\"sensor\":\"coretemp-isa-0000 Core 0\","
	                            "\"value\":\"90\",\"threshold\":\"85\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_oid(&nt.trap, TRAP(9));
	assert_common(&nt, 72, STATE_ENT_SENSOR(0), "coretemp-isa-0000 Core 0",
	              "SENSOR happened");
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, 90);
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, 85);

	/* The DIMM's sensor is the sensor, not the DIMM. */
	assert_int_equal(map_notice(73, T0, "SENSOR",
	                            "\"source\":\"sensors\","
	                            "\"sensor\":\"jc42-i2c-0-18 P1-DIMMA1\","
	                            "\"dimm\":\"P1-DIMMA1\",\"value\":\"61\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_common(&nt, 73, STATE_ENT_SENSOR(1), "jc42-i2c-0-18 P1-DIMMA1",
	              "SENSOR happened");

	/* A sensor the model lacks (a BMC's): its DIMM, else the host. */
	assert_int_equal(map_notice(74, T0, "SENSOR",
	                            "\"source\":\"ipmi-sensor\","
	                            "\"sensor\":\"DIMM A1 Temp\","
	                            "\"dimm\":\"P1-DIMMA1\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_common(&nt, 74, STATE_ENT_DIMM(3), "DIMM A1 Temp",
	              "SENSOR happened");
	assert_int_equal(map_notice(75, T0, "SENSOR",
	                            "\"source\":\"sensors\","
	                            "\"sensor\":\"coretemp-isa-0000 Core 9\"",
	                            &h.st, NULL, &nt),
	                 1);
	assert_common(&nt, 75, STATE_ENT_CHASSIS, "coretemp-isa-0000 Core 9",
	              "SENSOR happened");
	/* No model yet: entity unknown, the name still told. */
	assert_int_equal(map_notice(76, T0, "SENSOR",
	                            "\"sensor\":\"coretemp-isa-0000 Core 0\"",
	                            NULL, NULL, &nt),
	                 1);
	assert_common(&nt, 76, STATE_ENT_CHASSIS, "coretemp-isa-0000 Core 0",
	              "SENSOR happened");
}

/*
 * HEALTH would double rasdHealthChanged, which the agent raises from the
 * state's health; TELEMETRY and a newer rasd's msgids mean nothing here.
 * None is an error either.
 */
static void health_telemetry_and_unknown_notices_raise_nothing(void **state)
{
	struct host h;
	struct notification nt;
	char err[256];

	(void)state;
	host_init(&h);
	memset(&nt, 0x5a, sizeof(nt));
	assert_int_equal(map_notice(80, T0, "HEALTH",
	                            "\"state\":\"degraded\","
	                            "\"color\":\"yellow\"",
	                            &h.st, NULL, &nt),
	                 0);
	assert_int_equal(map_notice(81, T0, "TELEMETRY",
	                            "\"state\":\"failing\",\"cpu\":\"x\","
	                            "\"bank\":\"4\"",
	                            &h.st, NULL, &nt),
	                 0);
	assert_int_equal(
	    map_notice(82, T0, "NEWTHING2030", "", &h.st, NULL, &nt), 0);
	/* Nothing was written into the notification either. */
	assert_int_equal(nt.n_vb, (size_t)0x5a5a5a5a5a5a5a5aull);
	snprintf(err, sizeof(err), "untouched");
	assert_int_equal(map("{\"seq\":83,\"msgid\":\"HEALTH\","
	                     "\"time_ms\":1,\"text\":\"t\"}",
	                     &h.st, NULL, &nt, err, sizeof(err)),
	                 0);
	assert_string_equal(err, "untouched");
}

/* One corrected CPU error, seq and time given; returns what it raised. */
static int corrected(uint64_t seq, uint64_t time_ms, const struct state *st,
                     struct notify_storm *storm, struct notification *out)
{
	return map_notice(seq, time_ms, "CPUERR",
	                  "\"severity\":\"corrected\",\"cpu\":\"5\","
	                  "\"socket\":\"1\",\"bank\":\"0\"",
	                  st, storm, out);
}

/* n corrected errors a second apart from t; how many storms they raise,
 * the last one in *last. */
static int burst(int n, uint64_t *seq, uint64_t t, const struct state *st,
                 struct notify_storm *storm, struct notification *last)
{
	struct notification nt;
	int i, raised = 0;

	for (i = 0; i < n; i++) {
		if (corrected((*seq)++, t + (uint64_t)i * SECOND, st, storm,
		              &nt) == 1) {
			raised++;
			*last = nt;
		}
	}
	return raised;
}

static void corrected_errors_fold_into_one_storm(void **state)
{
	struct host h;
	struct notify_storm storm;
	struct notification nt;
	uint64_t seq = 100;

	(void)state;
	host_init(&h);
	assert_int_equal(
	    notify_storm_init(&storm, CORRECTED_LIMIT, CORRECTED_WINDOW), 0);
	/* One corrected error on its own: nothing. */
	assert_int_equal(corrected(seq++, T0, &h.st, &storm, &nt), 0);
	/* 20 within the window, limit 10: exactly one storm. */
	assert_int_equal(burst(19, &seq, T0 + SECOND, &h.st, &storm, &nt), 1);
	assert_oid(&nt.trap, TRAP(8));
	assert_int_equal(nt.n_vb, 7);
	assert_common(&nt, 109, 1, "xen-01", "10 corrected errors within 60 s");
	assert_vb_unsigned(&nt, 5, RASD_NOTIFY_COUNT, CORRECTED_LIMIT);
	assert_vb_unsigned(&nt, 6, RASD_NOTIFY_THRESHOLD, CORRECTED_LIMIT);

	/* Quiet for two windows, then another 20: a second storm. */
	assert_int_equal(burst(20, &seq, T0 + 200 * SECOND, &h.st, &storm, &nt),
	                 1);
	assert_vb_unsigned(&nt, 0, RASD_NOTIFY_SEQUENCE, 129);
	notify_storm_free(&storm);
}

static void steady_rate_at_the_limit_raises_once(void **state)
{
	struct host h;
	struct notify_storm storm;
	struct notification nt;
	uint64_t seq = 1;
	int i, raised = 0;

	(void)state;
	host_init(&h);
	assert_int_equal(
	    notify_storm_init(&storm, CORRECTED_LIMIT, CORRECTED_WINDOW), 0);
	/* One every 6 s: always 10 in the window once it fills. */
	for (i = 0; i < 100; i++)
		raised += corrected(seq++, T0 + (uint64_t)i * 6 * SECOND, &h.st,
		                    &storm, &nt);
	assert_int_equal(raised, 1);
	notify_storm_free(&storm);
}

static void corrected_memory_errors_alone_raise_nothing(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	/* No storm configured: MEMCE is never a notification. */
	assert_int_equal(map_notice(80, T0, "MEMCE",
	                            "\"dimm\":\"P1-DIMMA1\",\"count\":\"1\"",
	                            &h.st, NULL, &nt),
	                 0);
	assert_int_equal(map_notice(81, T0, "RASD", "", &h.st, NULL, &nt), 0);
	assert_int_equal(
	    map_notice(82, T0, "SOCKET", "\"socket\":\"1\"", &h.st, NULL, &nt),
	    0);
	assert_int_equal(map_notice(83, T0, "NEWTHING2", "", &h.st, NULL, &nt),
	                 0);
}

static void bad_number_in_a_field_is_refused(void **state)
{
	struct host h;
	struct notification nt;
	char err[256];

	(void)state;
	host_init(&h);
	assert_int_equal(map("{\"seq\":12,\"msgid\":\"DIMMFAIL\","
	                     "\"time_ms\":1,\"text\":\"x\",\"fields\":"
	                     "{\"dimm\":\"P1-DIMMA1\",\"count\":\"five\"}}",
	                     &h.st, NULL, &nt, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "notice 12: field \"count\""));
	assert_non_null(strstr(err, "\"five\""));
	assert_int_equal(map("{\"seq\":13,\"msgid\":\"CPUOFF\","
	                     "\"time_ms\":1,\"text\":\"x\",\"fields\":"
	                     "{\"cpu\":\"5x\"}}",
	                     &h.st, NULL, &nt, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "notice 13: field \"cpu\""));
	/* RASD-MIB's rasdNotifyGuestId is (-1..65535). */
	assert_int_equal(map("{\"seq\":14,\"msgid\":\"EVAC\","
	                     "\"time_ms\":1,\"text\":\"x\",\"fields\":"
	                     "{\"domain\":\"70000\"}}",
	                     &h.st, NULL, &nt, err, sizeof(err)),
	                 -1);
	assert_non_null(strstr(err, "notice 14: field \"domain\""));
}

static void bad_notices_are_rejected_naming_the_member(void **state)
{
	static const struct {
		const char *json, *err;
	} cases[] = {
	    {"[1]", "notice: not a JSON object"},
	    {"{\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":\"x\"}",
	     "notice: \"seq\" missing"},
	    {"{\"seq\":0,\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":\"x\"}",
	     "notice: \"seq\" is not a positive integer"},
	    {"{\"seq\":\"12\",\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":"
	     "\"x\"}",
	     "notice: \"seq\" is not a positive integer"},
	    {"{\"seq\":12,\"time_ms\":1,\"text\":\"x\"}",
	     "notice 12: \"msgid\" missing"},
	    {"{\"seq\":12,\"msgid\":\"memce\",\"time_ms\":1,\"text\":\"x\"}",
	     "notice 12: \"msgid\" is not 1..15 of A-Z 0-9"},
	    {"{\"seq\":12,\"msgid\":\"ABCDEFGHIJKLMNOP\",\"time_ms\":1,"
	     "\"text\":\"x\"}",
	     "notice 12: \"msgid\" is not 1..15 of A-Z 0-9"},
	    {"{\"seq\":12,\"msgid\":\"\",\"time_ms\":1,\"text\":\"x\"}",
	     "notice 12: \"msgid\" is not 1..15 of A-Z 0-9"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"text\":\"x\"}",
	     "notice 12: \"time_ms\" missing"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"time_ms\":-5,\"text\":\"x\"}",
	     "notice 12: \"time_ms\" is not a non-negative integer"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"time_ms\":1}",
	     "notice 12: \"text\" missing"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":7}",
	     "notice 12: \"text\" is not a string"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"priority\":9,\"time_ms\":1,"
	     "\"text\":\"x\"}",
	     "notice 12: \"priority\" is not a syslog priority 0..7"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":\"x\","
	     "\"fields\":[]}",
	     "notice 12: \"fields\" is not an object"},
	    {"{\"seq\":12,\"msgid\":\"MEMCE\",\"time_ms\":1,\"text\":\"x\","
	     "\"fields\":{\"count\":5}}",
	     "notice 12: field \"count\" is not a string"},
	};
	struct notification nt;
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		err[0] = '\0';
		assert_int_equal(
		    map(cases[i].json, NULL, NULL, &nt, err, sizeof(err)), -1);
		assert_string_equal(err, cases[i].err);
	}
}

static void good_notice_parses_every_member(void **state)
{
	struct json_object *o;
	struct notice_in n;
	char err[128];

	(void)state;
	o = json_tokener_parse("{\"seq\":12,\"msgid\":\"DIMMFAIL\","
	                       "\"priority\":2,\"time_ms\":1700000000000,"
	                       "\"text\":\"DIMM P1-DIMMA1 failing\","
	                       "\"fields\":{\"dimm\":\"P1-DIMMA1\"}}");
	assert_non_null(o);
	assert_int_equal(notice_in_parse(o, &n, err, sizeof(err)), 0);
	assert_int_equal(n.seq, 12);
	assert_string_equal(n.msgid, "DIMMFAIL");
	assert_int_equal(n.priority, 2);
	assert_int_equal(n.time_ms, T0);
	assert_string_equal(n.text, "DIMM P1-DIMMA1 failing");
	assert_non_null(n.fields);
	json_object_put(o);

	/* Without fields or priority: still a notice. */
	o = json_tokener_parse("{\"seq\":1,\"msgid\":\"RASD\",\"time_ms\":0,"
	                       "\"text\":\"rasd started\"}");
	assert_int_equal(notice_in_parse(o, &n, err, sizeof(err)), 0);
	assert_null(n.fields);
	assert_int_equal(n.priority, -1);
	json_object_put(o);
}

static struct notification numbered(uint64_t seq)
{
	struct notification nt;

	memset(&nt, 0, sizeof(nt));
	nt.seq = seq;
	return nt;
}

static void full_queue_drops_the_oldest_and_counts(void **state)
{
	struct notify_queue q;
	struct notification nt;
	uint64_t seq;

	(void)state;
	assert_int_equal(notify_queue_init(&q, 3), 0);
	assert_null(notify_queue_peek(&q));
	for (seq = 1; seq <= 5; seq++) {
		nt = numbered(seq);
		notify_queue_push(&q, &nt);
	}
	assert_int_equal(q.dropped, 2);
	assert_int_equal(q.n, 3);
	for (seq = 3; seq <= 5; seq++) {
		assert_non_null(notify_queue_peek(&q));
		assert_int_equal(notify_queue_peek(&q)->seq, seq);
		notify_queue_pop(&q);
	}
	assert_null(notify_queue_peek(&q));
	notify_queue_pop(&q); /* popping an empty queue is harmless */
	assert_int_equal(q.n, 0);

	/* Still FIFO after wrapping round. */
	nt = numbered(6);
	notify_queue_push(&q, &nt);
	assert_int_equal(notify_queue_peek(&q)->seq, 6);
	assert_int_equal(q.dropped, 2);
	notify_queue_free(&q);
}

static void queue_of_nothing_is_refused(void **state)
{
	struct notify_queue q;

	(void)state;
	assert_int_equal(notify_queue_init(&q, 0), -1);
}

static void entity_oper_change_is_entity_state_mib(void **state)
{
	struct host h;
	struct state_entity *cpu5;
	struct notification nt;

	(void)state;
	host_init(&h);
	cpu5 = &h.ents[3];
	cpu5->oper = ENT_OPER_DISABLED;
	cpu5->alarm = 0x80 >> ENT_ALARM_CRITICAL;
	notify_entity_oper(cpu5, T0, &nt);
	assert_oid(&nt.trap, "1.3.6.1.2.1.131.0.2");
	assert_int_equal(nt.seq, 0);
	assert_int_equal(nt.time_ms, T0);
	assert_int_equal(nt.n_vb, 2);
	assert_oid(&nt.vb[0].name, "1.3.6.1.2.1.131.1.1.1.2.1005");
	assert_int_equal(nt.vb[0].type, OID_T_INTEGER);
	assert_int_equal(nt.vb[0].i, ENT_ADMIN_UNLOCKED);
	assert_oid(&nt.vb[1].name, "1.3.6.1.2.1.131.1.1.1.5.1005");
	assert_int_equal(nt.vb[1].type, OID_T_OCTETS);
	assert_int_equal(nt.vb[1].s_len, 1);
	assert_int_equal(nt.vb[1].s[0], 0x20);

	cpu5->oper = ENT_OPER_ENABLED;
	cpu5->alarm = 0;
	notify_entity_oper(cpu5, T0, &nt);
	assert_oid(&nt.trap, "1.3.6.1.2.1.131.0.1");
	assert_int_equal(nt.vb[1].s[0], 0);
}

static void health_change_names_the_new_health(void **state)
{
	struct host h;
	struct notification nt;

	(void)state;
	host_init(&h);
	h.st.health = RASD_HEALTH_DEGRADED;
	notify_health(&h.st, T0, &nt);
	assert_oid(&nt.trap, TRAP(10));
	assert_int_equal(nt.n_vb, 6);
	assert_common(&nt, 0, 1, "xen-01", "host health degraded");
	assert_vb_int(&nt, 5, RASD_NOTIFY_HEALTH, RASD_HEALTH_DEGRADED);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(failing_dimm_names_the_module_and_its_rate),
	    cmocka_unit_test(device_errors),
	    cmocka_unit_test(degraded_dimm_is_its_own_trap),
	    cmocka_unit_test(unknown_dimm_still_notifies_with_entity_zero),
	    cmocka_unit_test(offlined_page_carries_frame_and_owner),
	    cmocka_unit_test(offlined_cpu_points_at_the_cpu),
	    cmocka_unit_test(uncorrected_errors_carry_severity_and_address),
	    cmocka_unit_test(unknown_cpu_falls_back_to_its_socket),
	    cmocka_unit_test(evacuations_name_guest_and_peer),
	    cmocka_unit_test(storm_and_overflow_notices_are_storms),
	    cmocka_unit_test(sensor_reading_fills_count_when_whole),
	    cmocka_unit_test(sensor_notice_points_at_the_sensor),
	    cmocka_unit_test(
	        health_telemetry_and_unknown_notices_raise_nothing),
	    cmocka_unit_test(corrected_errors_fold_into_one_storm),
	    cmocka_unit_test(steady_rate_at_the_limit_raises_once),
	    cmocka_unit_test(corrected_memory_errors_alone_raise_nothing),
	    cmocka_unit_test(bad_number_in_a_field_is_refused),
	    cmocka_unit_test(bad_notices_are_rejected_naming_the_member),
	    cmocka_unit_test(good_notice_parses_every_member),
	    cmocka_unit_test(full_queue_drops_the_oldest_and_counts),
	    cmocka_unit_test(queue_of_nothing_is_refused),
	    cmocka_unit_test(entity_oper_change_is_entity_state_mib),
	    cmocka_unit_test(health_change_names_the_new_health),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

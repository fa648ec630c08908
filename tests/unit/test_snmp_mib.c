/* test_snmp_mib.c - what an operator's snmpget/snmpwalk would see: the
 * host model as ENTITY, ENTITY-STATE, ENTITY-SENSOR and RASD-MIB rows. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "snmp-agent/mib.h"
#include "snmp-agent/rasd_mib.h"

static const char status_json[] =
    "{\"host\":\"xen-a\",\"health\":\"failing\",\"mode\":\"act\","
    "\"boot\":\"b\",\"notice_seq\":3,\"summary\":{\"events\":5000000000,"
    "\"pages_offlined\":1,\"cpus_offlined\":1,\"guests_evacuated\":1,"
    "\"actions_failed\":0}}";
static const char dimms_json[] =
    "{\"dimms\":["
    "{\"id\":0,\"label\":\"P1-DIMMA1\",\"socket\":0,\"channel\":0,"
    "\"size_mib\":16384,\"state\":\"ok\",\"errors\":3,\"uncorrected\":0,"
    "\"pages_in_window\":1,\"threshold\":10},"
    "{\"id\":5,\"label\":\"P2-DIMMC1\",\"socket\":1,\"channel\":2,"
    "\"size_mib\":32768,\"state\":\"failing\",\"errors\":123456789012,"
    "\"uncorrected\":2,\"pages_in_window\":11,\"threshold\":10,"
    "\"pages_retired\":4}]}";
static const char sockets_json[] =
    "{\"sockets\":[{\"socket\":1,\"state\":\"degraded\",\"corrected\":77,"
    "\"uncorrected\":2,\"errors_in_window\":50,\"threshold\":40}]}";
static const char cpus_json[] =
    "{\"cpus\":["
    "{\"cpu\":0,\"socket\":0,\"core\":0,\"thread\":0,\"online\":true,"
    "\"protected\":true},"
    "{\"cpu\":6,\"socket\":1,\"core\":3,\"thread\":0,\"online\":false,"
    "\"protected\":false,\"core_errors\":9,\"errors_in_window\":4,"
    "\"threshold\":3}]}";
static const char actions_json[] =
    "{\"actions\":["
    "{\"id\":2,\"kind\":\"cpu_offline\",\"state\":\"done\",\"target\":6},"
    "{\"id\":3,\"kind\":\"migrate\",\"state\":\"running\",\"target\":12,"
    "\"peer\":\"xen-b\",\"guest\":\"db-1\",\"component\":\"P2-DIMMC1\","
    "\"detail\":\"copying\",\"attempt\":1,\"created_ms\":1709647629250,"
    "\"updated_ms\":0}]}";
static const char pages_json[] =
    "{\"pages\":[{\"action\":1,\"page\":\"0x1a2b\",\"state\":\"done\","
    "\"dimm\":\"P2-DIMMC1\",\"owner\":0,\"hv_status\":4,"
    "\"hv_state\":\"offlined\",\"updated_ms\":1709647629250}]}";

static const char sensors_json[] =
    "{\"sensors\":["
    "{\"source\":\"sensors\",\"chip\":\"coretemp-isa-0000\","
    "\"name\":\"Core 0\",\"feature\":\"temp1\",\"kind\":\"temp\","
    "\"value\":45.0,\"state\":\"ok\",\"limits\":{\"max\":85}},"
    "{\"source\":\"sensors\",\"chip\":\"jc42-i2c-0-18\","
    "\"name\":\"P2-DIMMC1\",\"feature\":\"temp1\",\"kind\":\"temp\","
    "\"value\":61.5,\"state\":\"warn\",\"dimm\":\"P2-DIMMC1\"},"
    "{\"source\":\"sensors\",\"chip\":\"nct6775-isa-0290\","
    "\"name\":\"in0\",\"feature\":\"in0\",\"kind\":\"in\","
    "\"state\":\"failed\",\"detail\":\"garbage\"}],"
    "\"lm_sensors\":true,\"ipmi\":false}";

/* rasctl pcie with "limit": 0, as rasd-snmp asks; a source this agent
 * does not know is left out. */
static const char pcie_json[] =
    "{\"devices\":["
    "{\"index\":13,\"source\":\"aer\",\"device\":\"0000:00:1c.0\","
    "\"corrected\":0,\"nonfatal\":1,\"fatal\":1,\"unknown\":2,"
    "\"storm\":false},"
    "{\"index\":1,\"source\":\"aer\",\"device\":\"0000:3b:00.0\","
    "\"corrected\":12,\"storm\":true},"
    "{\"index\":15,\"source\":\"cxl\",\"device\":\"mem0\","
    "\"host\":\"0000:0d:00.0\",\"corrected\":1,\"fatal\":1},"
    "{\"index\":20,\"source\":\"nvme\",\"device\":\"nvme0\"}],"
    "\"events\":[]}";

static const uint32_t phys_entry[] = {OID_ENT_PHYS_ENTRY};
static const uint32_t sensor_entry[] = {OID_ENT_SENSOR_ENTRY};
static const uint32_t state_entry[] = {OID_ENT_STATE_ENTRY};
static const uint32_t last_change[] = {OID_ENT_LAST_CHANGE};
static const uint32_t host[] = {RASD_MIB_ARC, 1, 1};
static const uint32_t dimm_entry[] = {RASD_MIB_ARC, 1, 2, 1};
static const uint32_t socket_entry[] = {RASD_MIB_ARC, 1, 3, 1};
static const uint32_t page_entry[] = {RASD_MIB_ARC, 1, 4, 1};
static const uint32_t cpu_entry[] = {RASD_MIB_ARC, 1, 5, 1};
static const uint32_t evac_entry[] = {RASD_MIB_ARC, 1, 6, 1};
static const uint32_t device_entry[] = {RASD_MIB_ARC, 1, 8, 1};
#define N(a) (sizeof(a) / sizeof((a)[0]))

struct world {
	struct state st;
	struct oidtab tabs[MIB_N_VIEWS];
	struct mib_agent_counters c;
};

static struct json_object *parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

static int setup(void **state)
{
	static struct world w;
	struct state_inputs in;
	char err[256] = "";
	int v, rc;

	memset(&w, 0, sizeof(w));
	memset(&in, 0, sizeof(in));
	in.status = parse(status_json);
	in.dimms = parse(dimms_json);
	in.sockets = parse(sockets_json);
	in.cpus = parse(cpus_json);
	in.actions = parse(actions_json);
	in.pages = parse(pages_json);
	in.sensors = parse(sensors_json);
	in.pcie = parse(pcie_json);
	rc = state_build(&w.st, &in, NULL, err, sizeof(err));
	json_object_put(in.sensors);
	json_object_put(in.pcie);
	json_object_put(in.status);
	json_object_put(in.dimms);
	json_object_put(in.sockets);
	json_object_put(in.cpus);
	json_object_put(in.actions);
	json_object_put(in.pages);
	if (rc != 0)
		fail_msg("state_build: %s", err);
	/* Read 5 s after the agent started. */
	state_diff(NULL, &w.st, 1000000 + 5000, NULL, NULL);
	w.c.refresh_ms = 30000;
	w.c.daemon_connected = true;
	w.c.notify_queued = 2;
	w.c.notify_dropped = 1;
	w.c.notify_sent = 40;
	w.c.started_ms = 1000000;
	w.c.last_change_ms = 1000000 + 12340;
	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_init(&w.tabs[v]);
	assert_int_equal(mib_fill(w.tabs, &w.st, &w.c), 0);
	*state = &w;
	return 0;
}

static int teardown(void **state)
{
	struct world *w = *state;
	int v;

	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_free(&w->tabs[v]);
	state_free(&w->st);
	return 0;
}

static const struct oid_value *get(struct world *w, enum mib_view v,
                                   const uint32_t *base, size_t n, int64_t col,
                                   int64_t index)
{
	struct oid_name name;
	const struct oid_value *val;
	char buf[160];

	oid_make(&name, base, n, col, index);
	val = oidtab_get(&w->tabs[v], &name);
	if (val == NULL)
		fail_msg("no instance %s", oid_format(&name, buf, sizeof(buf)));
	return val;
}

static void assert_str(const struct oid_value *v, const char *want)
{
	assert_int_equal(v->type, OID_T_OCTETS);
	assert_int_equal(v->s_len, strlen(want));
	assert_memory_equal(v->s, want, v->s_len);
}

static void assert_int(const struct oid_value *v, int64_t want)
{
	assert_int_equal(v->type, OID_T_INTEGER);
	assert_int_equal(v->i, want);
}

static void dimm_counters(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	v = get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	        RASD_DIMM_CORRECTED, 10005);
	assert_int_equal(v->type, OID_T_COUNTER64);
	assert_true(v->u == 123456789012ull);
	v = get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	        RASD_DIMM_CORRECTED, 10000);
	assert_int_equal(v->type, OID_T_COUNTER64);
	assert_true(v->u == 3);
	assert_str(get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	               RASD_DIMM_LOCATION, 10005),
	           "P2-DIMMC1");
	assert_int(get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	               RASD_DIMM_STATUS, 10005),
	           RASD_DIMM_FAILING);
	assert_int(get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	               RASD_DIMM_CHANNEL, 10005),
	           2);
	v = get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry),
	        RASD_DIMM_FAILURE_MODES, 10005);
	assert_int_equal(v->type, OID_T_OCTETS);
	assert_int_equal(v->s_len, 1);
	assert_int_equal(v->s[0], (0x80 >> RASD_FAIL_CE_RATE_WARNING) |
	                              (0x80 >> RASD_FAIL_CE_RATE_FAILURE) |
	                              (0x80 >> RASD_FAIL_UNCORRECTABLE) |
	                              (0x80 >> RASD_FAIL_PAGES_RETIRED));
	v = get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry), RASD_DIMM_RATE,
	        10005);
	assert_int_equal(v->type, OID_T_GAUGE);
	assert_int_equal(v->i, 11);
	v = get(w, MIB_VIEW_RASD, dimm_entry, N(dimm_entry), RASD_DIMM_SIZE_MIB,
	        10005);
	assert_int_equal(v->type, OID_T_GAUGE);
	assert_int_equal(v->i, 32768);
}

/* rasdDeviceTable: rows by rasd's number, unknown sources left out. */
static void device_rows(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	assert_int_equal(w->st.n_devices, 3);
	assert_int_equal(w->st.devices[0].index, 1);
	assert_str(get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	               RASD_DEVICE_NAME, 13),
	           "0000:00:1c.0");
	v = get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	        RASD_DEVICE_NONFATAL, 13);
	assert_int_equal(v->type, OID_T_COUNTER64);
	assert_true(v->u == 3); /* an unknown severity counts as non-fatal */
	assert_int(get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	               RASD_DEVICE_SOURCE, 15),
	           RASD_DEVICE_CXL);
	assert_str(get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	               RASD_DEVICE_HOST, 15),
	           "0000:0d:00.0");
	assert_int(get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	               RASD_DEVICE_STORM, 1),
	           1);
	assert_int(get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	               RASD_DEVICE_STORM, 13),
	           2);
	v = get(w, MIB_VIEW_RASD, device_entry, N(device_entry),
	        RASD_DEVICE_CORRECTED, 1);
	assert_true(v->u == 12);
}

static void offline_cpu_as_entity(void **state)
{
	struct world *w = *state;

	/* cpu 6: offline by rasd, in socket 1. */
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_OPER, 1006),
	           ENT_OPER_DISABLED);
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_ADMIN, 1006),
	           ENT_ADMIN_LOCKED);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CONTAINED_IN, 1006),
	           101);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CLASS, 1006),
	           ENT_CLASS_CPU);
	assert_str(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_NAME, 1006),
	           "cpu 6");
	assert_int(get(w, MIB_VIEW_RASD, cpu_entry, N(cpu_entry),
	               RASD_CPU_ONLINE, 1006),
	           2);
	assert_int(get(w, MIB_VIEW_RASD, cpu_entry, N(cpu_entry),
	               RASD_CPU_OFFLINE_ACTION, 1006),
	           RASD_ACT_DONE);
	assert_int(get(w, MIB_VIEW_RASD, cpu_entry, N(cpu_entry),
	               RASD_CPU_OFFLINE_ACTION, 1000),
	           0);
	assert_int(get(w, MIB_VIEW_RASD, cpu_entry, N(cpu_entry),
	               RASD_CPU_PROTECTED, 1000),
	           1);
	assert_true(get(w, MIB_VIEW_RASD, cpu_entry, N(cpu_entry),
	                RASD_CPU_CORE_ERRORS, 1006)
	                ->u == 9);
	/* the online one */
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_OPER, 1000),
	           ENT_OPER_ENABLED);
}

static void entity_columns(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	v = get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	        ENT_PHYS_VENDOR_TYPE, 1);
	assert_int_equal(v->type, OID_T_OID);
	assert_int_equal(v->oid.len, 2);
	assert_int_equal(v->oid.arc[0], 0);
	assert_int_equal(v->oid.arc[1], 0);
	assert_str(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_DESCR, 1),
	           "Xen host xen-a (rasd)");
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CONTAINED_IN, 1),
	           0);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_IS_FRU, 10005),
	           1);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_IS_FRU, 1006),
	           2);
	assert_str(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_SERIAL_NUM, 10005),
	           "");
	assert_str(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_DESCR, 10005),
	           "Memory module P2-DIMMC1, 32768 MiB, channel 2");
	v = get(w, MIB_VIEW_ENTITY, last_change, N(last_change), -1, -1);
	assert_int_equal(v->type, OID_T_TIMETICKS);
	assert_int_equal(v->i, 1234);
	/* Column 1 (entPhysicalIndex) is not-accessible. */
	{
		struct oid_name n;

		oid_make(&n, phys_entry, N(phys_entry), 1, 1);
		assert_null(oidtab_get(&w->tabs[MIB_VIEW_ENTITY], &n));
	}
}

static void state_columns(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	/* failing host: chassis critical */
	v = get(w, MIB_VIEW_STATE, state_entry, N(state_entry), ENT_STATE_ALARM,
	        1);
	assert_int_equal(v->s_len, 1);
	assert_int_equal(v->s[0], 0x80 >> ENT_ALARM_CRITICAL);
	v = get(w, MIB_VIEW_STATE, state_entry, N(state_entry), ENT_STATE_ALARM,
	        101);
	assert_int_equal(v->s[0], 0x80 >> ENT_ALARM_MINOR);
	/* Never seen to change: '0000000000000000'H. */
	v = get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	        ENT_STATE_LAST_CHANGED, 1006);
	assert_int_equal(v->type, OID_T_OCTETS);
	assert_int_equal(v->s_len, 8);
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_STANDBY, 1000),
	           ENT_STANDBY_PROVIDING_SERVICE);
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_USAGE, 1000),
	           ENT_USAGE_ACTIVE);
}

static void host_scalar_values(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	assert_int(get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_HEALTH, 0),
	           RASD_HEALTH_FAILING);
	assert_str(get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_NAME, 0),
	           "xen-a");
	assert_int(get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_MODE, 0), 1);
	v = get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_EVENTS, 0);
	assert_int_equal(v->type, OID_T_COUNTER64);
	assert_true(v->u == 5000000000ull);
	v = get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_CPUS_OFFLINED, 0);
	assert_int_equal(v->type, OID_T_GAUGE);
	assert_int_equal(v->i, 1);
	assert_int(
	    get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_DAEMON_CONNECTED, 0),
	    1);
	v = get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_NOTIFY_QUEUED, 0);
	assert_int_equal(v->type, OID_T_GAUGE);
	assert_int_equal(v->i, 2);
	v = get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_NOTIFY_DROPPED, 0);
	assert_int_equal(v->type, OID_T_COUNTER32);
	assert_int_equal(v->i, 1);
	v = get(w, MIB_VIEW_RASD, host, N(host), RASD_HOST_NOTIFY_SENT, 0);
	assert_int_equal(v->type, OID_T_COUNTER32);
	assert_int_equal(v->i, 40);
}

static void socket_page_evac_rows(void **state)
{
	static const uint8_t when[11] = {0x07, 0xe8, 3,   5, 14, 7,
	                                 9,    2,    '+', 0, 0};
	struct world *w = *state;
	const struct oid_value *v;
	struct oid_name n;

	assert_int(get(w, MIB_VIEW_RASD, socket_entry, N(socket_entry),
	               RASD_SOCKET_STATUS, 101),
	           2);
	assert_true(get(w, MIB_VIEW_RASD, socket_entry, N(socket_entry),
	                RASD_SOCKET_CORRECTED, 101)
	                ->u == 77);
	/* socket 0 has no row in rasd's sockets reply: no instance. */
	oid_make(&n, socket_entry, N(socket_entry), RASD_SOCKET_STATUS, 100);
	assert_null(oidtab_get(&w->tabs[MIB_VIEW_RASD], &n));

	assert_str(get(w, MIB_VIEW_RASD, page_entry, N(page_entry),
	               RASD_PAGE_FRAME, 1),
	           "0x1a2b");
	assert_int(get(w, MIB_VIEW_RASD, page_entry, N(page_entry),
	               RASD_PAGE_OWNER, 1),
	           0);
	assert_int(
	    get(w, MIB_VIEW_RASD, page_entry, N(page_entry), RASD_PAGE_DIMM, 1),
	    10005);
	v = get(w, MIB_VIEW_RASD, page_entry, N(page_entry),
	        RASD_PAGE_HV_STATUS, 1);
	assert_int_equal(v->type, OID_T_UNSIGNED);
	assert_int_equal(v->i, 4);
	v = get(w, MIB_VIEW_RASD, page_entry, N(page_entry), RASD_PAGE_TIME, 1);
	assert_int_equal(v->s_len, 11);
	assert_memory_equal(v->s, when, 11);

	assert_str(
	    get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_FROM, 3),
	    "xen-a");
	assert_str(
	    get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_TO, 3),
	    "xen-b");
	assert_str(get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry),
	               RASD_EVAC_GUEST_NAME, 3),
	           "db-1");
	v = get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_GUEST_ID,
	        3);
	assert_int_equal(v->type, OID_T_UNSIGNED);
	assert_int_equal(v->i, 12);
	assert_int(get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry),
	               RASD_EVAC_STATE, 3),
	           RASD_ACT_RUNNING);
	assert_int(
	    get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_DIMM, 3),
	    10005);
	v = get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_STARTED,
	        3);
	assert_memory_equal(v->s, when, 11);
	v = get(w, MIB_VIEW_RASD, evac_entry, N(evac_entry), RASD_EVAC_UPDATED,
	        3);
	assert_int_equal(v->s_len, 8);
}

static bool under(const struct oid_name *n, const struct oid_name *root)
{
	return n->len > root->len &&
	       !memcmp(n->arc, root->arc, root->len * sizeof(n->arc[0]));
}

/* snmpwalk of a view: strictly increasing, never leaving the root. */
static size_t walk(struct world *w, enum mib_view v)
{
	const struct oid_name *root = mib_view_root(v);
	const struct oid_value *val;
	struct oid_name at = *root;
	size_t n = 0;

	while ((val = oidtab_next(&w->tabs[v], &at)) != NULL) {
		assert_int_equal(oid_compare(&at, &val->name), -1);
		assert_true(under(&val->name, root));
		at = val->name;
		n++;
	}
	return n;
}

static void walks_are_ordered_and_complete(void **state)
{
	struct world *w = *state;
	size_t ents = w->st.n_ents;

	/* chassis, 2 sockets, 2 cpus, 2 dimms, 3 sensors */
	assert_int_equal(ents, 10);
	assert_int_equal(walk(w, MIB_VIEW_ENTITY), ents * 15 + 1);
	assert_int_equal(walk(w, MIB_VIEW_STATE), ents * 6);
	assert_int_equal(walk(w, MIB_VIEW_SENSOR), 3 * 8);
	/* 13 scalars, 2 dimms x 11, 1 socket x 6, 1 page x 7, 2 cpus x 9,
	 * 1 evacuation x 10, 3 devices x 7 */
	assert_int_equal(walk(w, MIB_VIEW_RASD),
	                 13 + 22 + 6 + 7 + 18 + 10 + 21);
}

static void getnext_between_rows_and_columns(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;
	struct oid_name n, want;

	/* Between DIMM rows 10000 and 10005 of the corrected column. */
	oid_make(&n, dimm_entry, N(dimm_entry), RASD_DIMM_CORRECTED, 10003);
	oid_make(&want, dimm_entry, N(dimm_entry), RASD_DIMM_CORRECTED, 10005);
	v = oidtab_next(&w->tabs[MIB_VIEW_RASD], &n);
	assert_non_null(v);
	assert_int_equal(oid_compare(&v->name, &want), 0);
	/* Past the column's last row: the next column's first row. */
	oid_make(&n, dimm_entry, N(dimm_entry), RASD_DIMM_CORRECTED, 99999);
	oid_make(&want, dimm_entry, N(dimm_entry), RASD_DIMM_UNCORRECTED,
	         10000);
	v = oidtab_next(&w->tabs[MIB_VIEW_RASD], &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);
	/* Past the DIMM table: the socket table's first instance. */
	oid_make(&n, dimm_entry, N(dimm_entry), 99, -1);
	oid_make(&want, socket_entry, N(socket_entry), RASD_SOCKET_NUMBER, 101);
	v = oidtab_next(&w->tabs[MIB_VIEW_RASD], &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);
	/* From the table entry itself: the first readable column. */
	oid_make(&n, cpu_entry, N(cpu_entry), -1, -1);
	oid_make(&want, cpu_entry, N(cpu_entry), RASD_CPU_NUMBER, 1000);
	v = oidtab_next(&w->tabs[MIB_VIEW_RASD], &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);
	/* Past the last evacuation column: the device table. */
	oid_make(&n, evac_entry, N(evac_entry), RASD_EVAC_ATTEMPT, 3);
	oid_make(&want, device_entry, N(device_entry), RASD_DEVICE_NAME, 1);
	v = oidtab_next(&w->tabs[MIB_VIEW_RASD], &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);
	/* Past the last device column: the end of the view. */
	oid_make(&n, device_entry, N(device_entry), RASD_DEVICE_STORM, 15);
	assert_null(oidtab_next(&w->tabs[MIB_VIEW_RASD], &n));
	/* A missing instance is not answered. */
	oid_make(&n, dimm_entry, N(dimm_entry), RASD_DIMM_CORRECTED, 10001);
	assert_null(oidtab_get(&w->tabs[MIB_VIEW_RASD], &n));
}

static const struct oid_value *sensor(struct world *w, int col, int64_t ent)
{
	return get(w, MIB_VIEW_SENSOR, sensor_entry, N(sensor_entry), col, ent);
}

static void sensor_rows(void **state)
{
	struct world *w = *state;
	const struct oid_value *v;

	/* Core 0 at 45.0 degrees: 450 tenths of a degree celsius. */
	assert_int(sensor(w, ENT_SENSOR_TYPE, 20000), ENT_SENSOR_CELSIUS);
	assert_int(sensor(w, ENT_SENSOR_SCALE, 20000), ENT_SENSOR_SCALE_UNITS);
	assert_int(sensor(w, ENT_SENSOR_PRECISION, 20000), 1);
	assert_int(sensor(w, ENT_SENSOR_VALUE, 20000), 450);
	assert_int(sensor(w, ENT_SENSOR_OPER_STATUS, 20000), ENT_SENSOR_OK);
	assert_str(sensor(w, ENT_SENSOR_UNITS_DISPLAY, 20000), "degrees C");
	v = sensor(w, ENT_SENSOR_VALUE_TIME_STAMP, 20000);
	assert_int_equal(v->type, OID_T_TIMETICKS);
	assert_int_equal(v->i, 500); /* 5 s after the agent's start */
	v = sensor(w, ENT_SENSOR_VALUE_UPDATE_RATE, 20000);
	assert_int_equal(v->type, OID_T_UNSIGNED);
	assert_int_equal(v->i, 30000);
	/* A warning is still a reading. */
	assert_int(sensor(w, ENT_SENSOR_VALUE, 20001), 615);
	assert_int(sensor(w, ENT_SENSOR_OPER_STATUS, 20001), ENT_SENSOR_OK);
	/* A failed voltage: broken, no value. */
	assert_int(sensor(w, ENT_SENSOR_TYPE, 20002), ENT_SENSOR_VOLTS_DC);
	assert_int(sensor(w, ENT_SENSOR_PRECISION, 20002), 3);
	assert_int(sensor(w, ENT_SENSOR_VALUE, 20002), 0);
	assert_int(sensor(w, ENT_SENSOR_OPER_STATUS, 20002),
	           ENT_SENSOR_NONOPERATIONAL);
	assert_int(get(w, MIB_VIEW_STATE, state_entry, N(state_entry),
	               ENT_STATE_OPER, 20002),
	           ENT_OPER_DISABLED);
	/* The entities: sensors, the DIMM's inside the DIMM. */
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CLASS, 20001),
	           ENT_CLASS_SENSOR);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CONTAINED_IN, 20001),
	           10005);
	assert_int(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_CONTAINED_IN, 20000),
	           1);
	assert_str(get(w, MIB_VIEW_ENTITY, phys_entry, N(phys_entry),
	               ENT_PHYS_NAME, 20001),
	           "jc42-i2c-0-18 P2-DIMMC1");
	v = get(w, MIB_VIEW_STATE, state_entry, N(state_entry), ENT_STATE_ALARM,
	        20001);
	assert_int_equal(v->s[0], 0x80 >> ENT_ALARM_WARNING);
}

static void view_roots(void **state)
{
	static const uint32_t ent[] = {OID_ENTITY_MIB},
	                      st[] = {OID_ENT_STATE_MIB},
	                      sen[] = {OID_ENT_SENSOR_MIB},
	                      rasd[] = {RASD_MIB_ARC};
	struct oid_name n;
	char buf[64];

	(void)state;
	oid_make(&n, ent, N(ent), -1, -1);
	assert_int_equal(oid_compare(mib_view_root(MIB_VIEW_ENTITY), &n), 0);
	oid_make(&n, st, N(st), -1, -1);
	assert_int_equal(oid_compare(mib_view_root(MIB_VIEW_STATE), &n), 0);
	oid_make(&n, sen, N(sen), -1, -1);
	assert_int_equal(oid_compare(mib_view_root(MIB_VIEW_SENSOR), &n), 0);
	oid_make(&n, rasd, N(rasd), -1, -1);
	assert_int_equal(oid_compare(mib_view_root(MIB_VIEW_RASD), &n), 0);
	assert_string_equal(
	    oid_format(mib_view_root(MIB_VIEW_RASD), buf, sizeof(buf)),
	    "1.3.6.1.4.1.8072.9999.7273");
	assert_null(mib_view_root(MIB_N_VIEWS));
}

static void refill_drops_vanished_rows(void **state)
{
	struct world *w = *state;
	struct state less;
	struct oid_name n;

	/* The same tables refilled from a state without DIMMs or rows. */
	memset(&less, 0, sizeof(less));
	snprintf(less.host, sizeof(less.host), "xen-a");
	less.health = RASD_HEALTH_OK;
	assert_int_equal(mib_fill(w->tabs, &less, &w->c), 0);
	oid_make(&n, dimm_entry, N(dimm_entry), RASD_DIMM_CORRECTED, 10005);
	assert_null(oidtab_get(&w->tabs[MIB_VIEW_RASD], &n));
	assert_int_equal(walk(w, MIB_VIEW_ENTITY), 1);
	assert_int_equal(walk(w, MIB_VIEW_SENSOR), 0);
	assert_int_equal(walk(w, MIB_VIEW_RASD), 13);
	/* Put the fixture's view back for the tests after this one. */
	assert_int_equal(mib_fill(w->tabs, &w->st, &w->c), 0);
}

static void last_change_before_start_is_zero(void **state)
{
	struct world *w = *state;
	struct mib_agent_counters c = w->c;

	c.last_change_ms = c.started_ms - 1;
	assert_int_equal(mib_fill(w->tabs, &w->st, &c), 0);
	assert_int_equal(
	    get(w, MIB_VIEW_ENTITY, last_change, N(last_change), -1, -1)->i, 0);
	assert_int_equal(mib_fill(w->tabs, &w->st, &w->c), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(dimm_counters),
	    cmocka_unit_test(offline_cpu_as_entity),
	    cmocka_unit_test(entity_columns),
	    cmocka_unit_test(state_columns),
	    cmocka_unit_test(host_scalar_values),
	    cmocka_unit_test(socket_page_evac_rows),
	    cmocka_unit_test(walks_are_ordered_and_complete),
	    cmocka_unit_test(getnext_between_rows_and_columns),
	    cmocka_unit_test(sensor_rows),
	    cmocka_unit_test(device_rows),
	    cmocka_unit_test(view_roots),
	    cmocka_unit_test(refill_drops_vanished_rows),
	    cmocka_unit_test(last_change_before_start_is_zero),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}

/* fuzz_snmp_state.c - libFuzzer target for what rasd-snmp parses from
 * rasd: replies into the host model, notices into notifications. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "snmp-agent/mib.h"
#include "snmp-agent/notify.h"
#include "snmp-agent/state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct json_object *member(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* Input: {"status":..,"dimms":..,"sockets":..,"cpus":..,"actions":..,
 * "pages":..,"sensors":..,"pcie":..,"notice":..}, any member missing or
 * malformed;
 * the model is built twice, the second following the first, as the
 * agent's refreshes do. */
static void model_and_notify(struct json_object *root)
{
	struct state_inputs in = {
	    .status = member(root, "status"),
	    .dimms = member(root, "dimms"),
	    .sockets = member(root, "sockets"),
	    .cpus = member(root, "cpus"),
	    .actions = member(root, "actions"),
	    .pages = member(root, "pages"),
	    .sensors = member(root, "sensors"),
	    .pcie = member(root, "pcie"),
	};
	struct oidtab tabs[MIB_N_VIEWS];
	struct mib_agent_counters c = {.daemon_connected = true};
	struct notify_storm storm;
	struct notification out;
	struct notice_in n;
	struct state first, st;
	char err[512] = "";
	int v;

	memset(&st, 0, sizeof(st));
	if (state_build(&first, &in, NULL, err, sizeof(err)) < 0 &&
	    err[0] == '\0')
		__builtin_trap(); /* every refusal says why */
	err[0] = '\0';
	if (state_build(&st, &in, &first, err, sizeof(err)) < 0 &&
	    err[0] == '\0')
		__builtin_trap();
	/* Following a view changes no sensor's number. */
	if (st.n_sensor_keys != first.n_sensor_keys)
		__builtin_trap();
	state_diff(&first, &st, 1000, NULL, NULL);
	state_free(&first);
	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_init(&tabs[v]);
	mib_fill(tabs, &st, &c);
	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_free(&tabs[v]);
	if (member(root, "notice") != NULL &&
	    notice_in_parse(member(root, "notice"), &n, err, sizeof(err)) ==
	        0 &&
	    notify_storm_init(&storm, 3, 60000) == 0) {
		notify_from_notice(&n, &st, &storm, &out, err, sizeof(err));
		notify_storm_free(&storm);
	}
	state_free(&st);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *root;

	root = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	if (root != NULL && json_object_is_type(root, json_type_object))
		model_and_notify(root);
	json_object_put(root);
	json_tokener_free(tok);
	return 0;
}

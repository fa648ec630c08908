/* commands_host.c - the control commands about the host beyond machine
 * checks: health, sensors, the telemetry self-test, operator actions. */
#include <stdio.h>
#include <string.h>

#include "commands_int.h"

int arg_bool(const struct control_request *req, const char *key, bool *out,
             char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req->args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		snprintf(err, errlen,
		         "%s: argument \"%s\" must be true or false", req->cmd,
		         key);
		return -1;
	}
	*out = json_object_get_boolean(v);
	return 0;
}

int arg_str(const struct control_request *req, const char *key,
            const char **out, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req->args, key, &v) ||
	    !json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen,
		         "%s: argument \"%s\" (a string) is missing", req->cmd,
		         key);
		return -1;
	}
	*out = json_object_get_string(v);
	return 0;
}

void json_status_health(struct rasd *d, struct json_object *res)
{
	struct json_object *t = json_object_new_object();
	char why[HEALTH_REASON_MAX];
	enum health_level l = hosthealth_level(d, why, sizeof(why));

	jstr(res, "health_color", health_level_name(l));
	jstr(res, "health_reason", why);
	selftest_json(d, t);
	json_object_object_add(res, "telemetry", t);
}

void dimm_health_json(const struct rasd *d, size_t i, struct json_object *o)
{
	const struct dimm_health *h = &d->dimm_health[i];

	jint(o, "bmc_events", (int64_t)h->bmc_faults);
	if (h->have_temp) {
		json_object_object_add(o, "temp_c",
		                       json_object_new_double(h->temp_c));
		jstr(o, "temp_source", h->temp_source);
	}
}

static int health_event_json(void *arg, const struct journal_health_event *ev)
{
	struct json_object *arr = arg, *o = json_object_new_object();

	jint(o, "id", ev->id);
	jint(o, "time_ms", (int64_t)ev->time_ms);
	jstr(o, "source", ev->source);
	jstr(o, "class", ev->cls);
	jstr(o, "severity", ev->severity);
	jstr(o, "component", ev->component);
	jstr(o, "what", ev->what);
	if (ev->deassert)
		jbool(o, "deassert", true);
	if (ev->has_value) {
		json_object_object_add(o, "value",
		                       json_object_new_double(ev->value));
		json_object_object_add(o, "threshold",
		                       json_object_new_double(ev->threshold));
	}
	if (ev->record_id >= 0)
		jint(o, "record_id", ev->record_id);
	if (ev->merged_event_id > 0)
		jint(o, "merged_event_id", ev->merged_event_id);
	if (ev->detail[0] != '\0')
		jstr(o, "detail", ev->detail);
	json_object_array_add(arr, o);
	return 0;
}

int cmd_health(struct rasd *d, const struct control_request *req,
               bool privileged, struct json_object *res, char *err,
               size_t errlen)
{
	struct json_object *arr = json_object_new_array();
	uint64_t since = 0;
	size_t limit = 50;

	if (arg_page_limit(req, privileged, 50, &limit, err, errlen) < 0 ||
	    arg_u64(req, "since_ms", &since, err, errlen) < 0) {
		json_object_put(arr);
		return -1;
	}
	hosthealth_json(d, res);
	if (journal_health_events_each(d->journal, since, limit, true,
	                               health_event_json, arr) < 0) {
		json_object_put(arr);
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	json_object_object_add(res, "events", arr);
	jint(res, "bmc_events", (int64_t)d->bmc_events);
	jint(res, "sensor_events", (int64_t)d->sensor_events);
	return 0;
}

int cmd_pcie(struct rasd *d, const struct control_request *req,
             struct json_object *res, char *err, size_t errlen)
{
	uint64_t limit = 20;

	if (arg_u64(req, "limit", &limit, err, errlen) < 0)
		return -1;
	if (limit > 1000)
		limit = 1000; /* a reply stays bounded */
	return devices_json(d, (size_t)limit, res, err, errlen);
}

int cmd_sensors(struct rasd *d, struct json_object *res)
{
	hosthealth_sensors_json(d, res);
	return 0;
}

int cmd_selftest(struct rasd *d, struct json_object *res, char *err,
                 size_t errlen)
{
	if (selftest_start(d, err, errlen) < 0)
		return -1;
	selftest_json(d, res);
	return 0;
}

static int op_word(const struct control_request *req, bool *online, char *err,
                   size_t errlen)
{
	const char *op;

	if (arg_str(req, "op", &op, err, errlen) < 0)
		return -1;
	if (strcmp(op, "offline") == 0)
		*online = false;
	else if (strcmp(op, "online") == 0)
		*online = true;
	else {
		snprintf(err, errlen,
		         "%s: op must be offline or online, not "
		         "'%.32s'",
		         req->cmd, op);
		return -1;
	}
	return 0;
}

static void action_json(const struct journal_action *a, struct json_object *res)
{
	jint(res, "action", a->id);
	jstr(res, "kind", action_kind_name(a->kind));
	jstr(res, "state", action_state_name(a->state));
	jstr(res, "detail", a->detail);
}

int cmd_page(struct rasd *d, const struct control_request *req,
             struct json_object *res, char *err, size_t errlen)
{
	struct journal_action a;
	struct hv_page_status st;
	uint64_t mfn = UINT64_MAX;
	bool online = false;

	if (op_word(req, &online, err, errlen) < 0 ||
	    arg_u64(req, "mfn", &mfn, err, errlen) < 0)
		return -1;
	if (mfn == UINT64_MAX || mfn >= (1ULL << 40)) {
		snprintf(err, errlen,
		         "page: argument \"mfn\" is missing or "
		         "past the end of memory");
		return -1;
	}
	if (actions_operator_page(d, mfn, online, &a, &st, err, errlen) < 0)
		return -1;
	action_json(&a, res);
	jhex(res, "mfn", mfn);
	jstr(res, "page_state", hv_page_state_name(st.state));
	jstr(res, "owner", hv_page_owner_name(st.owner));
	if (st.owner == HV_OWNER_DOMAIN || st.owner == HV_OWNER_DOM0)
		jint(res, "domain", st.domid);
	jhex(res, "raw_status", st.raw);
	telemetry_update(d);
	return 0;
}

int cmd_cpu(struct rasd *d, const struct control_request *req,
            struct json_object *res, char *err, size_t errlen)
{
	struct journal_action a;
	uint64_t cpu = UINT64_MAX;
	bool online = false;

	if (op_word(req, &online, err, errlen) < 0 ||
	    arg_u64(req, "cpu", &cpu, err, errlen) < 0)
		return -1;
	if (cpu > UINT32_MAX) {
		snprintf(err, errlen, "cpu: argument \"cpu\" is missing");
		return -1;
	}
	if (actions_operator_cpu(d, (uint32_t)cpu, online, &a, err, errlen) < 0)
		return -1;
	action_json(&a, res);
	jint(res, "cpu", (int64_t)cpu);
	telemetry_update(d);
	return 0;
}

/* The record path without the source: for labs and drills where the
 * source cannot deliver (stock Xen 4.17) but the decisions must run. */
int inject_direct(struct rasd *d, const struct mce_record *r,
                  struct json_object *res, char *err, size_t errlen)
{
	int64_t before = journal_event_count(d->journal);

	if (rasd_batch_begin(d) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	rasd_record(d, r, "inject");
	rasd_batch_end(d);
	jbool(res, "queued", false);
	jbool(res, "direct", true);
	jint(res, "events_added", journal_event_count(d->journal) - before);
	return 0;
}

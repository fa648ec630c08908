/* test_snmp_state.c - rasd-snmp's host model from rasd's JSON replies:
 * entity tree and RFC 4268 states, RASD rows, refusals, and the diff. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "snmp-agent/rasd_mib.h"
#include "snmp-agent/state.h"

static const char status_json[] =
    "{\"host\":\"xen-a\",\"backend\":\"sim\",\"health\":\"degraded\","
    "\"mode\":\"recommend\",\"boot\":\"b-1\",\"notice_seq\":12,"
    "\"summary\":{\"events\":41,\"pages_offlined\":2,\"cpus_offlined\":1,"
    "\"guests_evacuated\":1,\"actions_failed\":1,\"actions_pending\":0},"
    "\"syslog\":{}}";

static const char dimms_json[] =
    "{\"dimms\":["
    "{\"id\":0,\"label\":\"P1-DIMMA1\",\"socket\":0,\"controller\":0,"
    "\"channel\":0,\"slot\":0,\"start\":\"0x0\",\"size_mib\":16384,"
    "\"state\":\"ok\",\"errors\":3,\"uncorrected\":0,"
    "\"pages_in_window\":1,\"threshold\":10},"
    "{\"id\":1,\"label\":\"P1-DIMMB1\",\"socket\":0,\"channel\":1,"
    "\"size_mib\":16384,\"state\":\"degraded\",\"errors\":250,"
    "\"uncorrected\":0,\"pages_in_window\":6,\"threshold\":10,"
    "\"pages_retired\":2},"
    "{\"id\":4,\"label\":\"P2-DIMMA1\",\"socket\":1,\"channel\":0,"
    "\"size_mib\":32768,\"state\":\"evacuated\",\"errors\":9000,"
    "\"uncorrected\":1,\"pages_in_window\":12,\"threshold\":10,"
    "\"pages_retired\":7}]}";

static const char sockets_json[] =
    "{\"sockets\":["
    "{\"socket\":0,\"state\":\"ok\",\"corrected\":253,\"uncorrected\":0,"
    "\"errors_in_window\":4,\"threshold\":100},"
    "{\"socket\":1,\"state\":\"degraded\",\"corrected\":9000,"
    "\"uncorrected\":1,\"errors_in_window\":120,\"threshold\":100}]}";

static const char cpus_json[] =
    "{\"cpus\":["
    "{\"cpu\":0,\"socket\":0,\"core\":0,\"thread\":0,\"online\":true,"
    "\"protected\":true,\"core_errors\":0,\"errors_in_window\":0,"
    "\"threshold\":5},"
    "{\"cpu\":1,\"socket\":0,\"core\":0,\"thread\":1,\"online\":false,"
    "\"protected\":false,\"core_errors\":17,\"errors_in_window\":6,"
    "\"threshold\":5},"
    "{\"cpu\":3,\"socket\":1,\"core\":1,\"thread\":1,\"online\":true,"
    "\"protected\":false},"
    "{\"cpu\":2,\"socket\":1,\"core\":1,\"thread\":0,\"online\":false,"
    "\"protected\":false}]}";

static const char actions_json[] =
    "{\"actions\":["
    "{\"id\":3,\"kind\":\"cpu_offline\",\"state\":\"failed\",\"target\":1,"
    "\"component\":\"cpu 1\",\"reason\":\"r\",\"detail\":\"d\","
    "\"event_id\":1,\"created_ms\":1000,\"updated_ms\":1100},"
    "{\"id\":4,\"kind\":\"page_offline\",\"state\":\"done\","
    "\"target\":\"0x1a2b\",\"component\":\"page 0x1a2b\",\"reason\":\"\","
    "\"detail\":\"\",\"event_id\":2,\"created_ms\":1200,\"updated_ms\":1300},"
    "{\"id\":7,\"kind\":\"cpu_offline\",\"state\":\"done\",\"target\":1,"
    "\"component\":\"cpu 1\",\"reason\":\"\",\"detail\":\"\","
    "\"event_id\":3,\"created_ms\":2000,\"updated_ms\":2100},"
    "{\"id\":9,\"kind\":\"migrate\",\"state\":\"done\",\"target\":5,"
    "\"peer\":\"xen-b\",\"guest\":\"web-1\",\"component\":\"P2-DIMMA1\","
    "\"reason\":\"\",\"detail\":\"live migration ok\",\"attempt\":2,"
    "\"parent_id\":8,\"event_id\":4,\"created_ms\":1709647629250,"
    "\"updated_ms\":1709647639250},"
    "{\"id\":8,\"kind\":\"migrate\",\"state\":\"failed\",\"target\":6,"
    "\"component\":\"nowhere\",\"reason\":\"\",\"detail\":\"no peer\","
    "\"attempt\":1,\"parent_id\":0,\"event_id\":4,\"created_ms\":5,"
    "\"updated_ms\":6},"
    "{\"id\":11,\"kind\":\"future_kind\",\"state\":\"done\"}]}";

static const char pages_json[] =
    "{\"pages\":["
    "{\"action\":4,\"page\":\"0x1a2b\",\"state\":\"done\","
    "\"dimm\":\"P1-DIMMB1\",\"owner\":3,\"hv_status\":1,"
    "\"hv_state\":\"offlined\",\"updated_ms\":1300},"
    "{\"action\":2,\"page\":\"0x99\",\"state\":\"failed\",\"dimm\":\"\","
    "\"updated_ms\":900}]}";

static struct json_object *parse(const char *s)
{
	struct json_object *o = json_tokener_parse(s);

	assert_non_null(o);
	return o;
}

static void inputs_load(struct state_inputs *in)
{
	memset(in, 0, sizeof(*in));
	in->status = parse(status_json);
	in->dimms = parse(dimms_json);
	in->sockets = parse(sockets_json);
	in->cpus = parse(cpus_json);
	in->actions = parse(actions_json);
	in->pages = parse(pages_json);
}

static void inputs_put(struct state_inputs *in)
{
	json_object_put(in->status);
	json_object_put(in->dimms);
	json_object_put(in->sockets);
	json_object_put(in->cpus);
	json_object_put(in->actions);
	json_object_put(in->pages);
	json_object_put(in->sensors);
	memset(in, 0, sizeof(*in));
}

static void build_ok(struct state *st, const struct state_inputs *in)
{
	char err[256] = "";
	int rc = state_build(st, in, NULL, err, sizeof(err));

	if (rc != 0)
		fail_msg("state_build: %s", err);
}

static void build_default(struct state *st)
{
	struct state_inputs in;

	inputs_load(&in);
	build_ok(st, &in);
	inputs_put(&in);
}

/* Replace in->field with the JSON text s. */
static void swap(struct json_object **field, const char *s)
{
	json_object_put(*field);
	*field = parse(s);
}

static void expect_error(struct state_inputs *in, const char *want)
{
	struct state st;
	char err[256] = "";

	assert_int_equal(state_build(&st, in, NULL, err, sizeof(err)), -1);
	assert_string_equal(err, want);
	/* A failed build leaves nothing behind. */
	assert_null(st.ents);
	assert_int_equal(st.n_ents, 0);
	assert_int_equal(st.n_dimms, 0);
}

static void entity_tree(void **state)
{
	struct state st;
	const struct state_entity *e;
	size_t i;

	(void)state;
	build_default(&st);
	/* chassis, 2 sockets, 4 cpus, 3 dimms */
	assert_int_equal(st.n_ents, 10);
	for (i = 1; i < st.n_ents; i++)
		assert_true(st.ents[i - 1].index < st.ents[i].index);

	e = state_entity(&st, STATE_ENT_CHASSIS);
	assert_non_null(e);
	assert_int_equal(e->cls, ENT_CLASS_CHASSIS);
	assert_int_equal(e->contained_in, 0);
	assert_string_equal(e->name, "xen-a");
	assert_string_equal(e->descr, "Xen host xen-a (rasd)");

	e = state_entity(&st, STATE_ENT_SOCKET(1));
	assert_non_null(e);
	assert_int_equal(e->cls, ENT_CLASS_CPU);
	assert_int_equal(e->contained_in, STATE_ENT_CHASSIS);
	assert_int_equal(e->parent_rel_pos, 1);
	assert_string_equal(e->name, "socket 1");
	assert_string_equal(e->descr, "Processor package 1");

	e = state_entity(&st, STATE_ENT_CPU(3));
	assert_non_null(e);
	assert_int_equal(e->cls, ENT_CLASS_CPU);
	assert_int_equal(e->contained_in, STATE_ENT_SOCKET(1));
	assert_int_equal(e->parent_rel_pos, 3);
	assert_false(e->fru);
	assert_string_equal(e->name, "cpu 3");
	assert_string_equal(e->descr,
	                    "Logical CPU 3 (socket 1 core 1 thread 1)");

	e = state_entity(&st, STATE_ENT_DIMM(4));
	assert_non_null(e);
	assert_int_equal(e->cls, ENT_CLASS_MODULE);
	assert_int_equal(e->contained_in, STATE_ENT_SOCKET(1));
	assert_int_equal(e->parent_rel_pos, 4);
	assert_true(e->fru);
	assert_string_equal(e->name, "P2-DIMMA1");
	assert_string_equal(e->descr,
	                    "Memory module P2-DIMMA1, 32768 MiB, channel 0");

	assert_null(state_entity(&st, STATE_ENT_DIMM(2)));
	assert_null(state_entity(&st, STATE_ENT_CPU(4)));
	state_free(&st);
}

static void host_scalars(void **state)
{
	struct state st;

	(void)state;
	build_default(&st);
	assert_string_equal(st.host, "xen-a");
	assert_string_equal(st.boot, "b-1");
	assert_int_equal(st.health, RASD_HEALTH_DEGRADED);
	assert_true(st.recommend);
	assert_int_equal(st.events, 41);
	assert_int_equal(st.pages_offlined, 2);
	assert_int_equal(st.cpus_offlined, 1);
	assert_int_equal(st.guests_evacuated, 1);
	assert_int_equal(st.actions_failed, 1);
	assert_int_equal(st.notice_seq, 12);
	/* degraded host: chassis alarm warning */
	assert_int_equal(state_entity(&st, 1)->alarm,
	                 0x80 >> ENT_ALARM_WARNING);
	state_free(&st);
}

static void cpu_states(void **state)
{
	struct state st;
	const struct state_entity *e;
	const struct state_cpu *c;

	(void)state;
	build_default(&st);
	/* cpu 1: offline, rasd's newest cpu_offline (id 7) done: locked. */
	e = state_entity(&st, STATE_ENT_CPU(1));
	assert_int_equal(e->oper, ENT_OPER_DISABLED);
	assert_int_equal(e->admin, ENT_ADMIN_LOCKED);
	assert_int_equal(e->contained_in, STATE_ENT_SOCKET(0));
	c = state_cpu_by_number(&st, 1);
	assert_non_null(c);
	assert_int_equal(c->ent, STATE_ENT_CPU(1));
	assert_int_equal(c->offline_action, RASD_ACT_DONE);
	assert_int_equal(c->core_errors, 17);
	assert_int_equal(c->rate, 6);
	assert_int_equal(c->threshold, 5);
	assert_false(c->online);

	/* cpu 2: offline, but not by rasd: disabled, still unlocked. */
	e = state_entity(&st, STATE_ENT_CPU(2));
	assert_int_equal(e->oper, ENT_OPER_DISABLED);
	assert_int_equal(e->admin, ENT_ADMIN_UNLOCKED);
	assert_int_equal(state_cpu_by_number(&st, 2)->offline_action, 0);

	/* cpu 0: online and protected. */
	e = state_entity(&st, STATE_ENT_CPU(0));
	assert_int_equal(e->oper, ENT_OPER_ENABLED);
	assert_int_equal(e->admin, ENT_ADMIN_UNLOCKED);
	assert_true(state_cpu_by_number(&st, 0)->protected_);
	assert_null(state_cpu_by_number(&st, 9));
	state_free(&st);
}

static void newest_cpu_offline_wins_whatever_the_order(void **state)
{
	struct state_inputs in;
	struct state st;

	(void)state;
	inputs_load(&in);
	/* A failed retry (id 12) after the done one: no longer locked. */
	swap(&in.actions,
	     "{\"actions\":[{\"id\":12,\"kind\":\"cpu_offline\","
	     "\"state\":\"failed\",\"target\":1},"
	     "{\"id\":7,\"kind\":\"cpu_offline\",\"state\":\"done\","
	     "\"target\":1}]}");
	build_ok(&st, &in);
	assert_int_equal(state_cpu_by_number(&st, 1)->offline_action,
	                 RASD_ACT_FAILED);
	assert_int_equal(state_entity(&st, STATE_ENT_CPU(1))->admin,
	                 ENT_ADMIN_UNLOCKED);
	assert_int_equal(st.n_evacs, 0);
	state_free(&st);
	inputs_put(&in);
}

static void dimm_states(void **state)
{
	struct state st;
	const struct state_entity *e;
	const struct state_dimm *d;

	(void)state;
	build_default(&st);
	/* ok, 1 of 10 pages in the window: nothing to report. */
	d = state_dimm_by_label(&st, "P1-DIMMA1");
	assert_non_null(d);
	assert_int_equal(d->status, RASD_DIMM_OK);
	assert_int_equal(d->modes, 0);
	assert_int_equal(d->corrected, 3);
	e = state_entity(&st, d->ent);
	assert_int_equal(e->oper, ENT_OPER_ENABLED);
	assert_int_equal(e->alarm, 0);

	/* degraded, pages retired: warning. */
	d = state_dimm_by_label(&st, "P1-DIMMB1");
	assert_int_equal(d->ent, STATE_ENT_DIMM(1));
	assert_int_equal(d->status, RASD_DIMM_DEGRADED);
	assert_int_equal(d->channel, 1);
	assert_int_equal(d->modes, (0x8000 >> RASD_FAIL_CE_RATE_WARNING) |
	                               (0x8000 >> RASD_FAIL_PAGES_RETIRED));
	e = state_entity(&st, d->ent);
	assert_int_equal(e->oper, ENT_OPER_ENABLED);
	assert_int_equal(e->alarm, 0x80 >> ENT_ALARM_WARNING);

	/* evacuated: disabled, under repair and critical. */
	d = state_dimm_by_label(&st, "P2-DIMMA1");
	assert_int_equal(d->status, RASD_DIMM_EVACUATED);
	assert_int_equal(d->uncorrected, 1);
	assert_int_equal(d->pages_retired, 7);
	assert_int_equal(d->size_mib, 32768);
	assert_int_equal(d->modes, (0x8000 >> RASD_FAIL_CE_RATE_WARNING) |
	                               (0x8000 >> RASD_FAIL_CE_RATE_FAILURE) |
	                               (0x8000 >> RASD_FAIL_UNCORRECTABLE) |
	                               (0x8000 >> RASD_FAIL_PAGES_RETIRED) |
	                               (0x8000 >> RASD_FAIL_EVACUATED));
	e = state_entity(&st, d->ent);
	assert_int_equal(e->oper, ENT_OPER_DISABLED);
	assert_int_equal(e->alarm, (0x80 >> ENT_ALARM_UNDER_REPAIR) |
	                               (0x80 >> ENT_ALARM_CRITICAL));
	assert_null(state_dimm_by_label(&st, "P9-NONE"));
	state_free(&st);
}

static void failing_dimm_and_rate_warning(void **state)
{
	struct state_inputs in;
	struct state st;
	const struct state_dimm *d;

	(void)state;
	inputs_load(&in);
	swap(&in.dimms,
	     "{\"dimms\":[{\"id\":0,\"label\":\"A\",\"socket\":0,"
	     "\"state\":\"failing\"},"
	     "{\"id\":1,\"label\":\"B\",\"socket\":0,\"state\":\"ok\","
	     "\"pages_in_window\":5,\"threshold\":10}]}");
	build_ok(&st, &in);
	d = state_dimm_by_label(&st, "A");
	assert_int_equal(d->modes, 0x8000 >> RASD_FAIL_CE_RATE_FAILURE);
	assert_int_equal(state_entity(&st, d->ent)->alarm,
	                 0x80 >> ENT_ALARM_CRITICAL);
	assert_int_equal(state_entity(&st, d->ent)->oper, ENT_OPER_ENABLED);
	/* Half the threshold in the window warns before rasd degrades it. */
	d = state_dimm_by_label(&st, "B");
	assert_int_equal(d->modes, 0x8000 >> RASD_FAIL_CE_RATE_WARNING);
	assert_int_equal(state_entity(&st, d->ent)->alarm, 0);
	state_free(&st);
	inputs_put(&in);
}

/* The DRAM fault mode is one more bit, past the first octet; a mode
 * this agent does not know sets none. */
static void dimm_fault_mode_bits(void **state)
{
	struct state_inputs in;
	struct state st;
	const struct state_dimm *d;

	(void)state;
	inputs_load(&in);
	swap(&in.dimms,
	     "{\"dimms\":[{\"id\":0,\"label\":\"A\",\"socket\":0,"
	     "\"state\":\"ok\",\"fault_mode\":\"row\"},"
	     "{\"id\":1,\"label\":\"B\",\"socket\":0,\"state\":\"failing\","
	     "\"fault_mode\":\"multi-rank\"},"
	     "{\"id\":2,\"label\":\"C\",\"socket\":0,\"state\":\"ok\","
	     "\"fault_mode\":\"quantum\"}]}");
	build_ok(&st, &in);
	d = state_dimm_by_label(&st, "A");
	assert_int_equal(d->modes, 0x8000 >> RASD_FAIL_ROW);
	assert_int_equal(state_entity(&st, d->ent)->alarm, 0);
	d = state_dimm_by_label(&st, "B");
	assert_int_equal(d->modes, (0x8000 >> RASD_FAIL_CE_RATE_FAILURE) |
	                               (0x8000 >> RASD_FAIL_MULTI_RANK));
	d = state_dimm_by_label(&st, "C");
	assert_int_equal(d->modes, 0);
	state_free(&st);
	inputs_put(&in);
}

static void socket_rows(void **state)
{
	struct state st;
	const struct state_socket *s;

	(void)state;
	build_default(&st);
	assert_int_equal(st.n_sockets, 2);
	s = state_socket_by_number(&st, 1);
	assert_non_null(s);
	assert_int_equal(s->ent, STATE_ENT_SOCKET(1));
	assert_true(s->degraded);
	assert_int_equal(s->corrected, 9000);
	assert_int_equal(s->rate, 120);
	assert_int_equal(state_entity(&st, s->ent)->alarm,
	                 0x80 >> ENT_ALARM_MINOR);
	assert_int_equal(state_entity(&st, STATE_ENT_SOCKET(0))->alarm, 0);
	state_free(&st);
}

static void older_rasd_without_sockets_or_pages(void **state)
{
	struct state_inputs in;
	struct state st;

	(void)state;
	inputs_load(&in);
	json_object_put(in.sockets);
	json_object_put(in.pages);
	in.sockets = in.pages = NULL;
	build_ok(&st, &in);
	assert_int_equal(st.n_sockets, 0);
	assert_int_equal(st.n_pages, 0);
	/* The tree still has its packages, from the CPUs and DIMMs. */
	assert_non_null(state_entity(&st, STATE_ENT_SOCKET(0)));
	assert_non_null(state_entity(&st, STATE_ENT_SOCKET(1)));
	assert_int_equal(st.n_ents, 10);
	state_free(&st);
	inputs_put(&in);
}

static void evac_rows(void **state)
{
	struct state st;
	const struct state_evac *e;

	(void)state;
	build_default(&st);
	assert_int_equal(st.n_evacs, 2);
	/* sorted by action id */
	e = &st.evacs[0];
	assert_int_equal(e->action, 8);
	assert_int_equal(e->domid, 6);
	assert_string_equal(e->guest, "dom6");
	assert_string_equal(e->to, "");
	assert_int_equal(e->action_state, RASD_ACT_FAILED);
	assert_int_equal(e->dimm_ent, 0);
	e = &st.evacs[1];
	assert_int_equal(e->action, 9);
	assert_int_equal(e->domid, 5);
	assert_string_equal(e->guest, "web-1");
	assert_string_equal(e->to, "xen-b");
	assert_int_equal(e->action_state, RASD_ACT_DONE);
	assert_int_equal(e->dimm_ent, STATE_ENT_DIMM(4));
	assert_int_equal(e->started_ms, 1709647629250ull);
	assert_int_equal(e->updated_ms, 1709647639250ull);
	assert_string_equal(e->detail, "live migration ok");
	assert_int_equal(e->attempt, 2);
	state_free(&st);
}

static void page_rows(void **state)
{
	struct state st;
	const struct state_page *p;

	(void)state;
	build_default(&st);
	assert_int_equal(st.n_pages, 2);
	p = &st.pages[0];
	assert_int_equal(p->action, 2);
	assert_string_equal(p->frame, "0x99");
	assert_int_equal(p->owner, -1); /* absent: not dom0 */
	assert_int_equal(p->dimm_ent, 0);
	assert_int_equal(p->action_state, RASD_ACT_FAILED);
	p = &st.pages[1];
	assert_int_equal(p->action, 4);
	assert_int_equal(p->owner, 3);
	assert_int_equal(p->hv_status, 1);
	assert_string_equal(p->hv_state, "offlined");
	assert_int_equal(p->dimm_ent, STATE_ENT_DIMM(1));
	assert_int_equal(p->time_ms, 1300);
	state_free(&st);
}

/* rasd's address map may know a DIMM's range but not its socket. */
static void dimm_without_socket_sits_in_the_chassis(void **state)
{
	struct state_inputs in;
	struct state st;
	const struct state_entity *e;

	(void)state;
	memset(&st, 0, sizeof(st));
	inputs_load(&in);
	swap(&in.dimms, "{\"dimms\":[{\"id\":2,\"label\":\"MAP-1\","
	                "\"socket\":-1,\"channel\":-1,\"state\":\"ok\"}]}");
	build_ok(&st, &in);
	e = state_entity(&st, STATE_ENT_DIMM(2));
	assert_non_null(e);
	assert_int_equal(e->contained_in, STATE_ENT_CHASSIS);
	assert_int_equal(st.dimms[0].socket, -1);
	state_free(&st);
	inputs_put(&in);
}

static void missing_label_names_the_dimm(void **state)
{
	struct state_inputs in;

	(void)state;
	inputs_load(&in);
	swap(&in.dimms, "{\"dimms\":[{\"id\":0,\"label\":\"A\",\"socket\":0,"
	                "\"state\":\"ok\"},{\"id\":1,\"label\":\"B\","
	                "\"socket\":0,\"state\":\"ok\"},{\"id\":2,"
	                "\"socket\":0,\"state\":\"ok\"}]}");
	expect_error(&in, "dimms[2]: no \"label\"");
	inputs_put(&in);
}

static void online_as_string_is_refused(void **state)
{
	struct state_inputs in;

	(void)state;
	inputs_load(&in);
	swap(&in.cpus, "{\"cpus\":[{\"cpu\":0,\"socket\":0,"
	               "\"online\":\"yes\"}]}");
	expect_error(&in, "cpus[0]: \"online\" is not a boolean");
	inputs_put(&in);
}

static void malformed_replies(void **state)
{
	struct state_inputs in;

	(void)state;
	inputs_load(&in);
	swap(&in.status, "{\"host\":\"h\",\"health\":\"ok\"}");
	expect_error(&in, "status: no \"summary\"");
	swap(&in.status, "{\"host\":\"h\",\"health\":\"sick\",\"summary\":{}}");
	expect_error(&in, "status: unknown health \"sick\"");
	swap(&in.status, "{\"host\":\"h\",\"health\":\"ok\","
	                 "\"summary\":{\"events\":\"many\"}}");
	expect_error(&in, "status.summary: \"events\" is not an integer");
	swap(&in.status, "{\"host\":7,\"health\":\"ok\",\"summary\":{}}");
	expect_error(&in, "status: \"host\" is not a string");
	swap(&in.status, status_json);

	swap(&in.cpus, "{\"cpus\":[{\"cpu\":9000,\"socket\":0,"
	               "\"online\":true}]}");
	expect_error(&in, "cpus[0]: \"cpu\" 9000 is out of range (0..8999)");
	swap(&in.cpus, "{\"cpus\":[{\"cpu\":1,\"socket\":0,\"online\":true},"
	               "{\"cpu\":1,\"socket\":0,\"online\":true}]}");
	expect_error(&in, "cpus: cpu 1 appears twice");
	swap(&in.cpus, "{\"cpus\":[{\"cpu\":1,\"socket\":0,\"online\":true,"
	               "\"core_errors\":-4}]}");
	expect_error(&in, "cpus[0]: \"core_errors\" -4 is out of range "
	                  "(0..9223372036854775807)");
	swap(&in.cpus, "{\"cpus\":[7]}");
	expect_error(&in, "cpus[0]: not an object");
	swap(&in.cpus, "{\"cpu\":[]}");
	expect_error(&in, "cpus: no \"cpus\" array");
	swap(&in.cpus, cpus_json);

	swap(&in.dimms, "{\"dimms\":[{\"id\":0,\"label\":\"A\",\"socket\":0,"
	                "\"state\":\"melted\"}]}");
	expect_error(&in, "dimms[0]: unknown state \"melted\"");
	swap(&in.dimms, dimms_json);

	swap(&in.actions, "{\"actions\":[{\"id\":1,\"state\":\"done\"}]}");
	expect_error(&in, "actions[0]: no \"kind\"");
	swap(&in.pages, "{\"pages\":[{\"action\":1,\"state\":\"done\"}]}");
	swap(&in.actions, actions_json);
	expect_error(&in, "pages[0]: no \"page\"");
	inputs_put(&in);

	memset(&in, 0, sizeof(in));
	expect_error(&in, "status: no reply");
}

static void lookups_on_empty_state(void **state)
{
	struct state st;

	(void)state;
	memset(&st, 0, sizeof(st));
	assert_null(state_entity(&st, 1));
	assert_null(state_dimm_by_label(&st, "A"));
	assert_null(state_cpu_by_number(&st, 0));
	assert_null(state_socket_by_number(&st, 0));
	state_free(&st);
}

struct seen {
	int calls;
	int32_t index;
	int old_oper, new_oper;
};

static void record(void *arg, const struct state_entity *now, int old_oper)
{
	struct seen *s = arg;

	s->calls++;
	s->index = now->index;
	s->old_oper = old_oper;
	s->new_oper = now->oper;
}

static void diff_reports_exactly_the_changes(void **state)
{
	struct state_inputs in;
	struct state old, now;
	struct seen seen = {0, 0, 0, 0};
	size_t i;

	(void)state;
	inputs_load(&in);
	build_ok(&old, &in);
	/* First view: nothing was before, nothing changed, stamps stay 0. */
	state_diff(NULL, &old, 5000, record, &seen);
	assert_int_equal(seen.calls, 0);
	for (i = 0; i < old.n_ents; i++)
		assert_int_equal(old.ents[i].changed_ms, 0);
	old.ents[0].changed_ms = 777; /* the chassis changed long ago */

	/* cpu 3 goes offline; DIMM 0 degrades (alarm only, oper same). */
	swap(&in.cpus, "{\"cpus\":["
	               "{\"cpu\":0,\"socket\":0,\"online\":true},"
	               "{\"cpu\":1,\"socket\":0,\"online\":false},"
	               "{\"cpu\":2,\"socket\":1,\"online\":false},"
	               "{\"cpu\":3,\"socket\":1,\"online\":false}]}");
	swap(&in.dimms, "{\"dimms\":["
	                "{\"id\":0,\"label\":\"P1-DIMMA1\",\"socket\":0,"
	                "\"state\":\"degraded\"},"
	                "{\"id\":1,\"label\":\"P1-DIMMB1\",\"socket\":0,"
	                "\"state\":\"degraded\"},"
	                "{\"id\":4,\"label\":\"P2-DIMMA1\",\"socket\":1,"
	                "\"state\":\"evacuated\"}]}");
	build_ok(&now, &in);
	state_diff(&old, &now, 9000, record, &seen);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.index, STATE_ENT_CPU(3));
	assert_int_equal(seen.old_oper, ENT_OPER_ENABLED);
	assert_int_equal(seen.new_oper, ENT_OPER_DISABLED);
	for (i = 0; i < now.n_ents; i++) {
		const struct state_entity *e = &now.ents[i];

		if (e->index == STATE_ENT_CPU(3) ||
		    e->index == STATE_ENT_DIMM(0))
			assert_int_equal(e->changed_ms, 9000);
		else if (e->index == STATE_ENT_CHASSIS)
			assert_int_equal(e->changed_ms, 777);
		else
			assert_int_equal(e->changed_ms, 0);
	}

	/* The next view moves in; an unchanged diff keeps the stamps. */
	state_move(&old, &now);
	assert_null(now.ents);
	assert_int_equal(now.n_ents, 0);
	build_ok(&now, &in);
	state_diff(&old, &now, 12000, NULL, NULL);
	assert_int_equal(state_entity(&now, STATE_ENT_CPU(3))->changed_ms,
	                 9000);
	assert_int_equal(state_entity(&now, STATE_ENT_CHASSIS)->changed_ms,
	                 777);
	state_free(&old);
	state_free(&now);
	inputs_put(&in);
}

static void diff_ignores_new_and_gone_entities(void **state)
{
	struct state_inputs in;
	struct state old, now;
	struct seen seen = {0, 0, 0, 0};

	(void)state;
	inputs_load(&in);
	build_ok(&old, &in);
	/* cpu 3 (online) vanishes; cpu 5 appears offline. */
	swap(&in.cpus, "{\"cpus\":["
	               "{\"cpu\":0,\"socket\":0,\"online\":true},"
	               "{\"cpu\":1,\"socket\":0,\"online\":false},"
	               "{\"cpu\":2,\"socket\":1,\"online\":false},"
	               "{\"cpu\":5,\"socket\":1,\"online\":false}]}");
	build_ok(&now, &in);
	state_diff(&old, &now, 9000, record, &seen);
	assert_int_equal(seen.calls, 0);
	assert_int_equal(state_entity(&now, STATE_ENT_CPU(5))->changed_ms, 0);
	state_free(&old);
	state_free(&now);
	inputs_put(&in);
}

/* ---- sensors ---- */

static const char sensors_json[] =
    "{\"sensors\":["
    "{\"source\":\"sensors\",\"chip\":\"coretemp-isa-0000\","
    "\"name\":\"Core 0\",\"feature\":\"temp1\",\"kind\":\"temp\","
    "\"value\":45.0,\"state\":\"ok\",\"limits\":{\"max\":85,\"crit\":95}},"
    "{\"source\":\"sensors\",\"chip\":\"jc42-i2c-0-18\","
    "\"name\":\"P1-DIMMB1\",\"feature\":\"temp1\",\"kind\":\"temp\","
    "\"value\":33.25,\"state\":\"warn\",\"dimm\":\"P1-DIMMB1\"},"
    "{\"source\":\"sensors\",\"chip\":\"nct6775-isa-0290\",\"name\":\"fan1\","
    "\"feature\":\"fan1\",\"kind\":\"fan\",\"value\":1200,\"state\":\"crit\"},"
    "{\"source\":\"sensors\",\"chip\":\"nct6775-isa-0290\",\"name\":\"in0\","
    "\"feature\":\"in0\",\"kind\":\"in\",\"value\":1.2,\"state\":\"ok\"},"
    "{\"source\":\"sensors\",\"chip\":\"nct6775-isa-0290\",\"name\":\"in1\","
    "\"feature\":\"in1\",\"kind\":\"in\",\"state\":\"failed\","
    "\"detail\":\"not a number\"},"
    "{\"source\":\"ipmi\",\"name\":\"CPU Temp\",\"kind\":\"temperature\","
    "\"unit\":\"degrees C\",\"value\":-41.26,\"state\":\"crossed\","
    "\"limits\":{\"uc\":90}},"
    "{\"source\":\"ipmi\",\"name\":\"PS1 Power\",\"kind\":\"power_supply\","
    "\"unit\":\"Watts\",\"value\":2000000,\"state\":\"ok\"},"
    "{\"source\":\"ipmi\",\"name\":\"Inlet\",\"kind\":\"temperature\","
    "\"unit\":\"degrees F\",\"value\":70,\"state\":\"ok\"},"
    "{\"source\":\"ipmi\",\"name\":\"Fan 3\",\"kind\":\"fan\","
    "\"unit\":\"RPM\",\"state\":\"ok\"},"
    "{\"source\":\"sensors\",\"chip\":\"acpitz-acpi-0\",\"name\":\"temp1\","
    "\"feature\":\"temp1\",\"kind\":\"temp\",\"value\":50,"
    "\"state\":\"gone\"}],"
    "\"lm_sensors\":true,\"ipmi\":true}";

/* The default replies plus a sensors reply, following prev. */
static void build_sensors(struct state *st, const struct state *prev,
                          const char *sensors)
{
	struct state_inputs in;
	char err[256] = "";

	inputs_load(&in);
	in.sensors = parse(sensors);
	if (state_build(st, &in, prev, err, sizeof(err)) != 0)
		fail_msg("state_build: %s", err);
	inputs_put(&in);
}

static const struct state_sensor *sensor_at(const struct state *st, int32_t k)
{
	size_t i;

	for (i = 0; i < st->n_sensors; i++)
		if (st->sensors[i].ent == STATE_ENT_SENSOR(k))
			return &st->sensors[i];
	fail_msg("no sensor at 20000 + %d", (int)k);
	return NULL;
}

static void assert_reading(const struct state_sensor *s, int type,
                           int precision, int32_t value, int status,
                           const char *units)
{
	assert_int_equal(s->type, type);
	assert_int_equal(s->precision, precision);
	assert_int_equal(s->value, value);
	assert_int_equal(s->status, status);
	assert_string_equal(s->units, units);
}

static void sensors_become_entities_in_order_of_sight(void **state)
{
	const struct state_entity *e;
	struct state st;
	int32_t k;

	(void)state;
	build_sensors(&st, NULL, sensors_json);
	assert_int_equal(st.n_sensors, 10);
	assert_int_equal(st.n_sensor_keys, 10);
	/* 10 hardware entities before, one per sensor after. */
	assert_int_equal(st.n_ents, 10 + 10);
	for (k = 0; k < 10; k++) {
		e = state_entity(&st, STATE_ENT_SENSOR(k));
		assert_non_null(e);
		assert_int_equal(e->cls, ENT_CLASS_SENSOR);
		assert_int_equal(e->parent_rel_pos, k);
		assert_false(e->fru);
		/* Only the jc42 sensor names a DIMM. */
		assert_int_equal(e->contained_in, k == 1 ? STATE_ENT_DIMM(1)
		                                         : STATE_ENT_CHASSIS);
	}
	e = state_entity(&st, STATE_ENT_SENSOR(0));
	assert_string_equal(e->name, "coretemp-isa-0000 Core 0");
	assert_string_equal(e->descr,
	                    "sensors temp sensor temp1 on coretemp-isa-0000");
	assert_int_equal(e->oper, ENT_OPER_ENABLED);
	assert_int_equal(e->alarm, 0);
	e = state_entity(&st, STATE_ENT_SENSOR(5));
	assert_string_equal(e->name, "CPU Temp");
	assert_string_equal(e->descr, "ipmi temperature sensor CPU Temp");
	assert_int_equal(sensor_at(&st, 1)->dimm_ent, STATE_ENT_DIMM(1));
	assert_int_equal(sensor_at(&st, 0)->dimm_ent, 0);
	assert_string_equal(sensor_at(&st, 5)->source, "ipmi");
	assert_ptr_equal(state_sensor_by_name(&st, "CPU Temp"),
	                 sensor_at(&st, 5));
	assert_ptr_equal(state_sensor_by_name(&st, "jc42-i2c-0-18 P1-DIMMB1"),
	                 sensor_at(&st, 1));
	assert_null(state_sensor_by_name(&st, "Core 0"));
	state_free(&st);
}

static void readings_are_scaled_by_type(void **state)
{
	struct state st;

	(void)state;
	build_sensors(&st, NULL, sensors_json);
	/* 45.0 C in tenths; 33.25 rounds half away from zero. */
	assert_reading(sensor_at(&st, 0), ENT_SENSOR_CELSIUS, 1, 450,
	               ENT_SENSOR_OK, "degrees C");
	assert_reading(sensor_at(&st, 1), ENT_SENSOR_CELSIUS, 1, 333,
	               ENT_SENSOR_OK, "degrees C");
	assert_reading(sensor_at(&st, 2), ENT_SENSOR_RPM, 0, 1200,
	               ENT_SENSOR_OK, "RPM");
	/* 1.2 V in millivolts, whatever 1.2 * 1000 is in binary. */
	assert_reading(sensor_at(&st, 3), ENT_SENSOR_VOLTS_DC, 3, 1200,
	               ENT_SENSOR_OK, "Volts");
	assert_reading(sensor_at(&st, 5), ENT_SENSOR_CELSIUS, 1, -413,
	               ENT_SENSOR_OK, "degrees C");
	/* 2 MW in mW is past EntitySensorValue: clamped, not wrapped. */
	assert_reading(sensor_at(&st, 6), ENT_SENSOR_WATTS, 3,
	               ENT_SENSOR_VALUE_MAX, ENT_SENSOR_OK, "Watts");
	/* The unit outranks the class: Fahrenheit is no celsius. */
	assert_reading(sensor_at(&st, 7), ENT_SENSOR_OTHER, 2, 7000,
	               ENT_SENSOR_OK, "degrees F");
	state_free(&st);
}

static void failed_gone_and_unread_sensors(void **state)
{
	const struct state_entity *e;
	struct state st;

	(void)state;
	build_sensors(&st, NULL, sensors_json);
	/* rasd says the file read garbage: the sensor is broken. */
	assert_reading(sensor_at(&st, 4), ENT_SENSOR_VOLTS_DC, 3, 0,
	               ENT_SENSOR_NONOPERATIONAL, "Volts");
	assert_int_equal(state_entity(&st, STATE_ENT_SENSOR(4))->oper,
	                 ENT_OPER_DISABLED);
	/* No reading yet: unavailable, in service as far as anyone knows. */
	assert_reading(sensor_at(&st, 8), ENT_SENSOR_RPM, 0, 0,
	               ENT_SENSOR_UNAVAILABLE, "RPM");
	assert_int_equal(state_entity(&st, STATE_ENT_SENSOR(8))->oper,
	                 ENT_OPER_UNKNOWN);
	/* The chip vanished: its last value is not served. */
	assert_reading(sensor_at(&st, 9), ENT_SENSOR_CELSIUS, 1, 0,
	               ENT_SENSOR_UNAVAILABLE, "degrees C");
	assert_int_equal(state_entity(&st, STATE_ENT_SENSOR(9))->oper,
	                 ENT_OPER_DISABLED);
	/* Crossings are alarms, not outages. */
	e = state_entity(&st, STATE_ENT_SENSOR(1));
	assert_int_equal(e->oper, ENT_OPER_ENABLED);
	assert_int_equal(e->alarm, 0x80 >> ENT_ALARM_WARNING);
	e = state_entity(&st, STATE_ENT_SENSOR(2));
	assert_int_equal(e->alarm, 0x80 >> ENT_ALARM_CRITICAL);
	e = state_entity(&st, STATE_ENT_SENSOR(5));
	assert_int_equal(e->alarm, 0x80 >> ENT_ALARM_WARNING);
	state_free(&st);
}

#define CORE0                                                                  \
	"{\"source\":\"sensors\",\"chip\":\"coretemp-isa-0000\","              \
	"\"name\":\"Core 0\",\"feature\":\"temp1\",\"kind\":\"temp\","         \
	"\"value\":45,\"state\":\"ok\"}"
#define CORE1                                                                  \
	"{\"source\":\"sensors\",\"chip\":\"coretemp-isa-0000\","              \
	"\"name\":\"Core 1\",\"feature\":\"temp2\",\"kind\":\"temp\","         \
	"\"value\":47,\"state\":\"ok\"}"
#define FAN1                                                                   \
	"{\"source\":\"sensors\",\"chip\":\"nct6775-isa-0290\","               \
	"\"name\":\"fan1\",\"feature\":\"fan1\",\"kind\":\"fan\","             \
	"\"value\":1200,\"state\":\"ok\"}"
#define PSU                                                                    \
	"{\"source\":\"ipmi\",\"name\":\"PSU1\",\"kind\":\"power\","           \
	"\"unit\":\"Watts\",\"value\":210.5,\"state\":\"ok\"}"

static void indexes_survive_refreshes_and_absence(void **state)
{
	struct state v1, v2, v3, fresh;

	(void)state;
	build_sensors(&v1, NULL,
	              "{\"sensors\":[" CORE0 "," CORE1 "," FAN1 "]}");
	assert_string_equal(state_entity(&v1, 20001)->name,
	                    "coretemp-isa-0000 Core 1");
	/* Core 1 gone, a PSU new, the order shuffled: the old ones keep
	 * their numbers, the new one takes the next. */
	build_sensors(&v2, &v1, "{\"sensors\":[" FAN1 "," PSU "," CORE0 "]}");
	assert_int_equal(v2.n_sensors, 3);
	assert_string_equal(state_entity(&v2, 20000)->name,
	                    "coretemp-isa-0000 Core 0");
	assert_null(state_entity(&v2, 20001));
	assert_string_equal(state_entity(&v2, 20002)->name,
	                    "nct6775-isa-0290 fan1");
	assert_string_equal(state_entity(&v2, 20003)->name, "PSU1");
	assert_int_equal(sensor_at(&v2, 3)->value, 210500);
	/* Core 1 back, after a view with no sensors at all. */
	build_sensors(&v3, &v2, "{\"sensors\":[]}");
	assert_int_equal(v3.n_sensors, 0);
	assert_int_equal(v3.n_sensor_keys, 4);
	state_free(&v1);
	build_sensors(&v1, &v3, "{\"sensors\":[" CORE1 "," PSU "]}");
	assert_string_equal(state_entity(&v1, 20001)->name,
	                    "coretemp-isa-0000 Core 1");
	assert_string_equal(state_entity(&v1, 20003)->name, "PSU1");
	assert_null(state_entity(&v1, 20000));
	/* A new agent numbers in the order it first sees them. */
	build_sensors(&fresh, NULL, "{\"sensors\":[" CORE1 "," PSU "]}");
	assert_non_null(state_entity(&fresh, 20000));
	assert_string_equal(state_entity(&fresh, 20000)->name,
	                    "coretemp-isa-0000 Core 1");
	state_free(&v1);
	state_free(&v2);
	state_free(&v3);
	state_free(&fresh);
}

static void older_rasd_without_sensors_keeps_the_numbering(void **state)
{
	struct state_inputs in;
	struct state v1, v2, v3;
	char err[256] = "";

	(void)state;
	build_sensors(&v1, NULL, "{\"sensors\":[" CORE0 "," FAN1 "]}");
	inputs_load(&in);
	assert_int_equal(state_build(&v2, &in, &v1, err, sizeof(err)), 0);
	assert_int_equal(v2.n_sensors, 0);
	assert_int_equal(v2.n_ents, 10);
	assert_int_equal(v2.n_sensor_keys, 2);
	inputs_put(&in);
	build_sensors(&v3, &v2, "{\"sensors\":[" FAN1 "]}");
	assert_string_equal(state_entity(&v3, 20001)->name,
	                    "nct6775-isa-0290 fan1");
	state_free(&v1);
	state_free(&v2);
	state_free(&v3);
}

static void malformed_sensors_are_refused(void **state)
{
	struct state_inputs in;

	(void)state;
	inputs_load(&in);
	in.sensors = parse("{\"sensors\":{}}");
	expect_error(&in, "sensors: \"sensors\" is not an array");
	swap(&in.sensors, "{\"lm_sensors\":false}");
	expect_error(&in, "sensors: no \"sensors\" array");
	swap(&in.sensors, "{\"sensors\":[" CORE0 ",{\"source\":\"ipmi\","
	                  "\"kind\":\"fan\",\"state\":\"ok\"}]}");
	expect_error(&in, "sensors[1]: no \"name\"");
	swap(&in.sensors, "{\"sensors\":[{\"source\":\"ipmi\",\"name\":\"X\","
	                  "\"kind\":\"fan\",\"state\":\"ok\","
	                  "\"value\":\"1200\"}]}");
	expect_error(&in, "sensors[0]: \"value\" is not a number");
	swap(&in.sensors, "{\"sensors\":[{\"source\":\"ipmi\",\"name\":\"X\","
	                  "\"kind\":\"fan\",\"state\":\"hot\"}]}");
	expect_error(&in, "sensors[0]: unknown state \"hot\"");
	swap(&in.sensors, "{\"sensors\":[{\"source\":\"\",\"name\":\"X\","
	                  "\"kind\":\"fan\",\"state\":\"ok\"}]}");
	expect_error(&in, "sensors[0]: empty \"source\"");
	swap(&in.sensors, "{\"sensors\":[" CORE0 "," FAN1 "," CORE0 "]}");
	expect_error(&in, "sensors[2]: sensor \"Core 0\" (sensors) appears "
	                  "twice");
	swap(&in.sensors, "{\"sensors\":[7]}");
	expect_error(&in, "sensors[0]: not an object");
	inputs_put(&in);
}

static void diff_stamps_readings_and_sees_a_sensor_fail(void **state)
{
	struct seen seen = {0, 0, 0, 0};
	struct state old, now;

	(void)state;
	build_sensors(&old, NULL, "{\"sensors\":[" CORE0 "," FAN1 "]}");
	state_diff(NULL, &old, 5000, record, &seen);
	assert_int_equal(seen.calls, 0);
	assert_int_equal(sensor_at(&old, 0)->read_ms, 5000);
	build_sensors(&now, &old,
	              "{\"sensors\":[" CORE0 ",{\"source\":\"sensors\","
	              "\"chip\":\"nct6775-isa-0290\",\"name\":\"fan1\","
	              "\"feature\":\"fan1\",\"kind\":\"fan\","
	              "\"state\":\"failed\"}]}");
	assert_int_equal(sensor_at(&now, 0)->read_ms, 0);
	state_diff(&old, &now, 9000, record, &seen);
	assert_int_equal(seen.calls, 1);
	assert_int_equal(seen.index, STATE_ENT_SENSOR(1));
	assert_int_equal(seen.old_oper, ENT_OPER_ENABLED);
	assert_int_equal(seen.new_oper, ENT_OPER_DISABLED);
	assert_int_equal(sensor_at(&now, 0)->read_ms, 9000);
	assert_int_equal(sensor_at(&now, 1)->read_ms, 9000);
	assert_int_equal(state_entity(&now, STATE_ENT_SENSOR(1))->changed_ms,
	                 9000);
	assert_int_equal(state_entity(&now, STATE_ENT_SENSOR(0))->changed_ms,
	                 0);
	state_free(&old);
	state_free(&now);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(entity_tree),
	    cmocka_unit_test(host_scalars),
	    cmocka_unit_test(cpu_states),
	    cmocka_unit_test(newest_cpu_offline_wins_whatever_the_order),
	    cmocka_unit_test(dimm_states),
	    cmocka_unit_test(failing_dimm_and_rate_warning),
	    cmocka_unit_test(dimm_fault_mode_bits),
	    cmocka_unit_test(socket_rows),
	    cmocka_unit_test(older_rasd_without_sockets_or_pages),
	    cmocka_unit_test(evac_rows),
	    cmocka_unit_test(page_rows),
	    cmocka_unit_test(dimm_without_socket_sits_in_the_chassis),
	    cmocka_unit_test(missing_label_names_the_dimm),
	    cmocka_unit_test(online_as_string_is_refused),
	    cmocka_unit_test(malformed_replies),
	    cmocka_unit_test(lookups_on_empty_state),
	    cmocka_unit_test(diff_reports_exactly_the_changes),
	    cmocka_unit_test(diff_ignores_new_and_gone_entities),
	    cmocka_unit_test(sensors_become_entities_in_order_of_sight),
	    cmocka_unit_test(readings_are_scaled_by_type),
	    cmocka_unit_test(failed_gone_and_unread_sensors),
	    cmocka_unit_test(indexes_survive_refreshes_and_absence),
	    cmocka_unit_test(older_rasd_without_sensors_keeps_the_numbering),
	    cmocka_unit_test(malformed_sensors_are_refused),
	    cmocka_unit_test(diff_stamps_readings_and_sees_a_sensor_fail),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

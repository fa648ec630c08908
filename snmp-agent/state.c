/* state.c - turns rasd's control replies into rasd-snmp's model: numbered
 * ENTITY-MIB entities with their RFC 4268 states, and RASD-MIB rows. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "snmp-agent/rasd_mib.h"
#include "snmp-agent/state.h"

/* Where a reply is being read, so that errors can name the element. */
struct jp {
	char at[64];
	char *err;
	size_t errlen;
	size_t ent_cap; /* st->ents' allocation, grown by doubling */
	size_t key_cap; /* st->sensor_keys' allocation, likewise */
};

static int fail(struct jp *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int fail(struct jp *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	n = snprintf(p->err, p->errlen, "%s: ", p->at);
	if (n < 0 || (size_t)n >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + n, p->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void jp_at(struct jp *p, const char *list, size_t i)
{
	snprintf(p->at, sizeof(p->at), "%s[%zu]", list, i);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return NULL;
	/* A JSON null says "not known", which is what absence says. */
	if (json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static int get_str(struct jp *p, struct json_object *o, const char *key,
                   bool required, const char **out)
{
	struct json_object *v = member(o, key);

	*out = "";
	if (v == NULL)
		return required ? fail(p, "no \"%s\"", key) : 0;
	if (!json_object_is_type(v, json_type_string))
		return fail(p, "\"%s\" is not a string", key);
	*out = json_object_get_string(v);
	return 0;
}

static int get_int(struct jp *p, struct json_object *o, const char *key,
                   bool required, int64_t lo, int64_t hi, int64_t *out)
{
	struct json_object *v = member(o, key);
	int64_t n;

	if (v == NULL)
		return required ? fail(p, "no \"%s\"", key) : 0;
	if (!json_object_is_type(v, json_type_int))
		return fail(p, "\"%s\" is not an integer", key);
	n = json_object_get_int64(v);
	if (n < lo || n > hi)
		return fail(p, "\"%s\" %lld is out of range (%lld..%lld)", key,
		            (long long)n, (long long)lo, (long long)hi);
	*out = n;
	return 0;
}

/* A counter: absent is 0, negative is a broken reply. */
static int get_count(struct jp *p, struct json_object *o, const char *key,
                     uint64_t *out)
{
	int64_t n = 0;

	if (get_int(p, o, key, false, 0, INT64_MAX, &n) < 0)
		return -1;
	*out = (uint64_t)n;
	return 0;
}

/* Gauge32 and Unsigned32 saturate rather than wrap. */
static int get_count32(struct jp *p, struct json_object *o, const char *key,
                       uint32_t *out)
{
	uint64_t n;

	if (get_count(p, o, key, &n) < 0)
		return -1;
	*out = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	return 0;
}

static int get_bool(struct jp *p, struct json_object *o, const char *key,
                    bool required, bool *out)
{
	struct json_object *v = member(o, key);

	*out = false;
	if (v == NULL)
		return required ? fail(p, "no \"%s\"", key) : 0;
	if (!json_object_is_type(v, json_type_boolean))
		return fail(p, "\"%s\" is not a boolean", key);
	*out = json_object_get_boolean(v);
	return 0;
}

/* The array under key in a reply, or an error naming the reply. */
static int get_list(struct jp *p, struct json_object *reply, const char *key,
                    struct json_object **arr)
{
	snprintf(p->at, sizeof(p->at), "%s", key);
	if (reply == NULL)
		return fail(p, "no reply");
	*arr = member(reply, key);
	if (*arr == NULL)
		return fail(p, "no \"%s\" array", key);
	if (!json_object_is_type(*arr, json_type_array))
		return fail(p, "\"%s\" is not an array", key);
	return 0;
}

static int get_elem(struct jp *p, struct json_object *arr, const char *list,
                    size_t i, struct json_object **o)
{
	jp_at(p, list, i);
	*o = json_object_array_get_idx(arr, i);
	if (*o == NULL || !json_object_is_type(*o, json_type_object))
		return fail(p, "not an object");
	return 0;
}

/* Index of s in names (NULL-terminated) plus base, or -1. */
static int lookup(const char *const *names, const char *s, int base)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (!strcmp(names[i], s))
			return base + i;
	return -1;
}

static int get_enum(struct jp *p, struct json_object *o, const char *key,
                    const char *const *names, int base, int *out)
{
	const char *s;

	if (get_str(p, o, key, true, &s) < 0)
		return -1;
	*out = lookup(names, s, base);
	if (*out < 0)
		return fail(p, "unknown %s \"%s\"", key, s);
	return 0;
}

static const char *const health_names[] = {"ok", "degraded", "failing", NULL};
static const char *const dimm_names[] = {"ok",         "degraded",  "failing",
                                         "evacuating", "evacuated", NULL};
static const char *const socket_names[] = {"ok", "degraded", NULL};
/* rasd's fault modes, from RASD_FAIL_CELL on; "none" sets no bit. */
static const char *const fault_mode_names[] = {
    "cell", "row", "column", "bank", "multi-bank", "multi-rank", NULL};
static const char *const action_names[] = {
    "intended", "running", "done", "failed", "recommended", "refused", NULL};

static struct state_entity *ent_add(struct jp *p, struct state *st,
                                    int32_t index)
{
	struct state_entity *e;
	size_t cap;

	if (st->n_ents == p->ent_cap) {
		cap = p->ent_cap ? p->ent_cap * 2 : 64;
		e = realloc(st->ents, cap * sizeof(*e));
		if (e == NULL)
			return NULL;
		st->ents = e;
		p->ent_cap = cap;
	}
	e = &st->ents[st->n_ents++];
	memset(e, 0, sizeof(*e));
	e->index = index;
	e->oper = ENT_OPER_ENABLED;
	/* rasd locks nothing but CPUs: the others' admin state is not
	 * anybody's to report. */
	e->admin = ENT_ADMIN_UNKNOWN;
	return e;
}

static uint8_t alarm_bit(int bit)
{
	return (uint8_t)(0x80 >> bit);
}

static int parse_summary(struct jp *p, struct state *st,
                         struct json_object *status)
{
	struct json_object *s = member(status, "summary");

	if (s == NULL)
		return fail(p, "no \"summary\"");
	if (!json_object_is_type(s, json_type_object))
		return fail(p, "\"summary\" is not an object");
	snprintf(p->at, sizeof(p->at), "status.summary");
	if (get_count(p, s, "events", &st->events) < 0 ||
	    get_count(p, s, "pages_offlined", &st->pages_offlined) < 0 ||
	    get_count(p, s, "cpus_offlined", &st->cpus_offlined) < 0 ||
	    get_count(p, s, "guests_evacuated", &st->guests_evacuated) < 0 ||
	    get_count(p, s, "actions_failed", &st->actions_failed) < 0)
		return -1;
	return 0;
}

static int add_chassis(struct jp *p, struct state *st)
{
	struct state_entity *e = ent_add(p, st, STATE_ENT_CHASSIS);

	if (e == NULL)
		return fail(p, "out of memory");
	e->cls = ENT_CLASS_CHASSIS;
	e->parent_rel_pos = -1; /* RFC 6933: no container */
	snprintf(e->name, sizeof(e->name), "%s", st->host);
	snprintf(e->descr, sizeof(e->descr), "Xen host %s (rasd)", st->host);
	if (st->health == RASD_HEALTH_FAILING)
		e->alarm = alarm_bit(ENT_ALARM_CRITICAL);
	else if (st->health == RASD_HEALTH_DEGRADED)
		e->alarm = alarm_bit(ENT_ALARM_WARNING);
	return 0;
}

static int parse_status(struct jp *p, struct state *st,
                        struct json_object *status)
{
	const char *host, *mode, *boot;

	snprintf(p->at, sizeof(p->at), "status");
	if (status == NULL)
		return fail(p, "no reply");
	if (!json_object_is_type(status, json_type_object))
		return fail(p, "not an object");
	if (get_str(p, status, "host", true, &host) < 0 ||
	    get_enum(p, status, "health", health_names, RASD_HEALTH_OK,
	             &st->health) < 0 ||
	    get_str(p, status, "mode", false, &mode) < 0 ||
	    get_str(p, status, "boot", false, &boot) < 0 ||
	    get_count(p, status, "notice_seq", &st->notice_seq) < 0)
		return -1;
	snprintf(st->host, sizeof(st->host), "%s", host);
	snprintf(st->boot, sizeof(st->boot), "%s", boot);
	st->recommend = !strcmp(mode, "recommend");
	if (parse_summary(p, st, status) < 0)
		return -1;
	return add_chassis(p, st);
}

/* A bit of a two-octet BITS value, the first octet high. */
static uint16_t mode_bit(int bit)
{
	return (uint16_t)(0x8000 >> bit);
}

static void dimm_health(const struct state_dimm *d, struct state_entity *e,
                        uint16_t *modes)
{
	uint64_t rate = d->rate;

	*modes = d->fault_bit;
	if (d->status == RASD_DIMM_DEGRADED ||
	    (rate > 0 && rate * 2 >= d->threshold))
		*modes |= mode_bit(RASD_FAIL_CE_RATE_WARNING);
	if (d->status >= RASD_DIMM_FAILING)
		*modes |= mode_bit(RASD_FAIL_CE_RATE_FAILURE);
	if (d->uncorrected > 0)
		*modes |= mode_bit(RASD_FAIL_UNCORRECTABLE);
	if (d->pages_retired > 0)
		*modes |= mode_bit(RASD_FAIL_PAGES_RETIRED);
	if (d->status == RASD_DIMM_EVACUATED) {
		*modes |= mode_bit(RASD_FAIL_EVACUATED);
		e->oper = ENT_OPER_DISABLED;
		e->alarm = alarm_bit(ENT_ALARM_UNDER_REPAIR) |
		           alarm_bit(ENT_ALARM_CRITICAL);
	} else if (d->status >= RASD_DIMM_FAILING) {
		e->alarm = alarm_bit(ENT_ALARM_CRITICAL);
	} else if (d->status == RASD_DIMM_DEGRADED) {
		e->alarm = alarm_bit(ENT_ALARM_WARNING);
	}
}

/*
 * A DIMM's entPhysicalParentRelPos is its rasd id: slot numbers repeat
 * on every channel of a socket, and RFC 6933 wants siblings' positions
 * distinct; the id is stable and ordered as rasd enumerates the slots.
 */
static int add_dimm_entity(struct jp *p, struct state *st, struct state_dimm *d)
{
	struct state_entity *e = ent_add(p, st, d->ent);

	if (e == NULL)
		return fail(p, "out of memory");
	e->cls = ENT_CLASS_MODULE;
	/* A DIMM only the address map knows may lack a socket. */
	e->contained_in =
	    d->socket < 0 ? STATE_ENT_CHASSIS : STATE_ENT_SOCKET(d->socket);
	e->parent_rel_pos = d->id;
	e->fru = true;
	snprintf(e->name, sizeof(e->name), "%s", d->label);
	snprintf(e->descr, sizeof(e->descr),
	         "Memory module %s, %u MiB, channel %d", d->label,
	         (unsigned)d->size_mib, (int)d->channel);
	dimm_health(d, e, &d->modes);
	return 0;
}

static int parse_dimm(struct jp *p, struct state *st, struct json_object *o,
                      bool *seen)
{
	struct state_dimm *d = &st->dimms[st->n_dimms];
	const char *label, *mode = "";
	int64_t id = 0, sock = 0, chan = 0;
	int fault;

	memset(d, 0, sizeof(*d));
	if (get_int(p, o, "id", true, 0, STATE_MAX_DIMMS - 1, &id) < 0 ||
	    get_str(p, o, "label", true, &label) < 0 ||
	    get_int(p, o, "socket", true, -1, STATE_MAX_SOCKETS - 1, &sock) <
	        0 ||
	    get_enum(p, o, "state", dimm_names, RASD_DIMM_OK, &d->status) < 0 ||
	    get_int(p, o, "channel", false, -1, INT32_MAX, &chan) < 0 ||
	    get_count(p, o, "errors", &d->corrected) < 0 ||
	    get_count(p, o, "uncorrected", &d->uncorrected) < 0 ||
	    get_count32(p, o, "pages_in_window", &d->rate) < 0 ||
	    get_count32(p, o, "threshold", &d->threshold) < 0 ||
	    get_count32(p, o, "pages_retired", &d->pages_retired) < 0 ||
	    get_count32(p, o, "size_mib", &d->size_mib) < 0 ||
	    get_str(p, o, "fault_mode", false, &mode) < 0)
		return -1;
	/* A mode this agent does not know (a newer rasd) sets no bit. */
	fault = lookup(fault_mode_names, mode, 0);
	if (fault >= 0)
		d->fault_bit = mode_bit(RASD_FAIL_CELL + fault);
	d->id = (int32_t)id;
	d->ent = STATE_ENT_DIMM(d->id);
	d->socket = (int32_t)sock;
	d->channel = (int32_t)chan;
	snprintf(d->label, sizeof(d->label), "%s", label);
	if (d->socket >= 0)
		seen[d->socket] = true;
	st->n_dimms++;
	return add_dimm_entity(p, st, d);
}

static int parse_sockets(struct jp *p, struct state *st,
                         struct json_object *reply, bool *seen)
{
	struct json_object *arr, *o;
	struct state_socket *s;
	int64_t num = 0;
	int status;
	size_t i, n;

	if (reply == NULL)
		return 0; /* an older rasd: no socket rows */
	if (get_list(p, reply, "sockets", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->sockets = calloc(n ? n : 1, sizeof(*st->sockets));
	if (st->sockets == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++) {
		s = &st->sockets[i];
		if (get_elem(p, arr, "sockets", i, &o) < 0 ||
		    get_int(p, o, "socket", true, 0, STATE_MAX_SOCKETS - 1,
		            &num) < 0 ||
		    get_enum(p, o, "state", socket_names, 1, &status) < 0 ||
		    get_count(p, o, "corrected", &s->corrected) < 0 ||
		    get_count(p, o, "uncorrected", &s->uncorrected) < 0 ||
		    get_count32(p, o, "errors_in_window", &s->rate) < 0 ||
		    get_count32(p, o, "threshold", &s->threshold) < 0)
			return -1;
		s->socket = (int32_t)num;
		s->ent = STATE_ENT_SOCKET(s->socket);
		s->degraded = status == 2;
		seen[s->socket] = true;
		st->n_sockets++;
	}
	return 0;
}

static int add_cpu_entity(struct jp *p, struct state *st,
                          const struct state_cpu *c, int64_t thread)
{
	struct state_entity *e = ent_add(p, st, c->ent);

	if (e == NULL)
		return fail(p, "out of memory");
	e->cls = ENT_CLASS_CPU;
	e->contained_in = STATE_ENT_SOCKET(c->socket);
	e->parent_rel_pos = c->cpu;
	e->oper = c->online ? ENT_OPER_ENABLED : ENT_OPER_DISABLED;
	e->admin = ENT_ADMIN_UNLOCKED; /* locked later if rasd offlined it */
	snprintf(e->name, sizeof(e->name), "cpu %d", (int)c->cpu);
	snprintf(e->descr, sizeof(e->descr),
	         "Logical CPU %d (socket %d core %d thread %lld)", (int)c->cpu,
	         (int)c->socket, (int)c->core, (long long)thread);
	return 0;
}

static int parse_cpu(struct jp *p, struct state *st, struct json_object *o,
                     bool *seen)
{
	struct state_cpu *c = &st->cpus[st->n_cpus];
	int64_t cpu = 0, sock = 0, core = 0, thread = 0;

	memset(c, 0, sizeof(*c));
	if (get_int(p, o, "cpu", true, 0, STATE_MAX_CPUS - 1, &cpu) < 0 ||
	    get_int(p, o, "socket", true, 0, STATE_MAX_SOCKETS - 1, &sock) <
	        0 ||
	    get_int(p, o, "core", false, 0, INT32_MAX, &core) < 0 ||
	    get_int(p, o, "thread", false, 0, INT32_MAX, &thread) < 0 ||
	    get_bool(p, o, "online", true, &c->online) < 0 ||
	    get_bool(p, o, "protected", false, &c->protected_) < 0 ||
	    get_count(p, o, "core_errors", &c->core_errors) < 0 ||
	    get_count32(p, o, "errors_in_window", &c->rate) < 0 ||
	    get_count32(p, o, "threshold", &c->threshold) < 0)
		return -1;
	c->cpu = (int32_t)cpu;
	c->ent = STATE_ENT_CPU(c->cpu);
	c->socket = (int32_t)sock;
	c->core = (int32_t)core;
	seen[c->socket] = true;
	st->n_cpus++;
	return add_cpu_entity(p, st, c, thread);
}

static int parse_dimms(struct jp *p, struct state *st,
                       struct json_object *reply, bool *seen)
{
	struct json_object *arr, *o;
	size_t i, n;

	if (get_list(p, reply, "dimms", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->dimms = calloc(n ? n : 1, sizeof(*st->dimms));
	if (st->dimms == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++)
		if (get_elem(p, arr, "dimms", i, &o) < 0 ||
		    parse_dimm(p, st, o, seen) < 0)
			return -1;
	return 0;
}

static int parse_cpus(struct jp *p, struct state *st, struct json_object *reply,
                      bool *seen)
{
	struct json_object *arr, *o;
	size_t i, n;

	if (get_list(p, reply, "cpus", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->cpus = calloc(n ? n : 1, sizeof(*st->cpus));
	if (st->cpus == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++)
		if (get_elem(p, arr, "cpus", i, &o) < 0 ||
		    parse_cpu(p, st, o, seen) < 0)
			return -1;
	return 0;
}

static int32_t dimm_ent_of(const struct state *st, const char *label)
{
	const struct state_dimm *d;

	if (label[0] == '\0')
		return 0;
	d = state_dimm_by_label(st, label);
	return d ? d->ent : 0;
}

/* newest[i] is the id of the newest cpu_offline seen for st->cpus[i]. */
static int note_cpu_offline(struct jp *p, struct state *st,
                            struct json_object *o, int64_t id, int astate,
                            int64_t *newest)
{
	int64_t cpu = 0;
	size_t i;

	if (get_int(p, o, "target", true, 0, INT64_MAX, &cpu) < 0)
		return -1;
	for (i = 0; i < st->n_cpus; i++) {
		if (st->cpus[i].cpu != cpu || id <= newest[i])
			continue;
		newest[i] = id;
		st->cpus[i].offline_action = astate;
	}
	return 0;
}

static int note_migrate(struct jp *p, struct state *st, struct json_object *o,
                        int64_t id, int astate)
{
	struct state_evac *e = &st->evacs[st->n_evacs];
	const char *guest, *peer, *comp, *detail;
	int64_t domid = 0;

	memset(e, 0, sizeof(*e));
	if (get_int(p, o, "target", true, 0, UINT32_MAX, &domid) < 0 ||
	    get_str(p, o, "guest", false, &guest) < 0 ||
	    get_str(p, o, "peer", false, &peer) < 0 ||
	    get_str(p, o, "component", false, &comp) < 0 ||
	    get_str(p, o, "detail", false, &detail) < 0 ||
	    get_count32(p, o, "attempt", &e->attempt) < 0 ||
	    get_count(p, o, "created_ms", &e->started_ms) < 0 ||
	    get_count(p, o, "updated_ms", &e->updated_ms) < 0)
		return -1;
	e->action = (int32_t)id;
	e->domid = (uint32_t)domid;
	e->action_state = astate;
	if (guest[0] != '\0')
		snprintf(e->guest, sizeof(e->guest), "%s", guest);
	else
		snprintf(e->guest, sizeof(e->guest), "dom%u", e->domid);
	snprintf(e->to, sizeof(e->to), "%s", peer);
	snprintf(e->detail, sizeof(e->detail), "%s", detail);
	e->dimm_ent = dimm_ent_of(st, comp);
	st->n_evacs++;
	return 0;
}

/* Kinds other than these two (page offlines come from "pages", future
 * kinds mean nothing to RASD-MIB) are skipped. */
static int parse_action(struct jp *p, struct state *st, struct json_object *o,
                        int64_t *newest)
{
	const char *kind;
	int64_t id = 0;
	int astate;

	if (get_int(p, o, "id", true, 0, INT32_MAX, &id) < 0 ||
	    get_str(p, o, "kind", true, &kind) < 0 ||
	    get_enum(p, o, "state", action_names, RASD_ACT_INTENDED, &astate) <
	        0)
		return -1;
	if (!strcmp(kind, "cpu_offline"))
		return note_cpu_offline(p, st, o, id, astate, newest);
	if (!strcmp(kind, "migrate"))
		return note_migrate(p, st, o, id, astate);
	return 0;
}

static int parse_actions(struct jp *p, struct state *st,
                         struct json_object *reply)
{
	struct json_object *arr, *o;
	int64_t *newest;
	size_t i, n;
	int rc = 0;

	if (get_list(p, reply, "actions", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->evacs = calloc(n ? n : 1, sizeof(*st->evacs));
	newest = calloc(st->n_cpus ? st->n_cpus : 1, sizeof(*newest));
	if (st->evacs == NULL || newest == NULL) {
		free(newest);
		return fail(p, "out of memory");
	}
	for (i = 0; i < st->n_cpus; i++)
		newest[i] = -1;
	for (i = 0; i < n; i++) {
		if (get_elem(p, arr, "actions", i, &o) < 0 ||
		    parse_action(p, st, o, newest) < 0) {
			rc = -1;
			break;
		}
	}
	free(newest);
	return rc;
}

static int parse_page(struct jp *p, struct state *st, struct json_object *o)
{
	struct state_page *pg = &st->pages[st->n_pages];
	const char *frame, *dimm, *hv_state;
	int64_t action = 0, owner = -1, hv = 0;

	memset(pg, 0, sizeof(*pg));
	if (get_int(p, o, "action", true, 0, INT32_MAX, &action) < 0 ||
	    get_str(p, o, "page", true, &frame) < 0 ||
	    get_enum(p, o, "state", action_names, RASD_ACT_INTENDED,
	             &pg->action_state) < 0 ||
	    get_str(p, o, "dimm", false, &dimm) < 0 ||
	    get_int(p, o, "owner", false, -1, INT32_MAX, &owner) < 0 ||
	    get_int(p, o, "hv_status", false, 0, UINT32_MAX, &hv) < 0 ||
	    get_str(p, o, "hv_state", false, &hv_state) < 0 ||
	    get_count(p, o, "updated_ms", &pg->time_ms) < 0)
		return -1;
	pg->action = (int32_t)action;
	pg->owner = (int32_t)owner;
	pg->hv_status = (uint32_t)hv;
	pg->dimm_ent = dimm_ent_of(st, dimm);
	snprintf(pg->frame, sizeof(pg->frame), "%s", frame);
	snprintf(pg->hv_state, sizeof(pg->hv_state), "%s", hv_state);
	st->n_pages++;
	return 0;
}

static int parse_pages(struct jp *p, struct state *st,
                       struct json_object *reply)
{
	struct json_object *arr, *o;
	size_t i, n;

	if (reply == NULL)
		return 0; /* an older rasd: no page rows */
	if (get_list(p, reply, "pages", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->pages = calloc(n ? n : 1, sizeof(*st->pages));
	if (st->pages == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++)
		if (get_elem(p, arr, "pages", i, &o) < 0 ||
		    parse_page(p, st, o) < 0)
			return -1;
	return 0;
}

/* ---- PCIe and CXL devices ---- */

static const char *const device_sources[] = {"aer", "cxl", NULL};

/* A source this agent does not know is left out, not an error: the
 * table's INTEGER has no value for it. */
static int parse_device(struct jp *p, struct state *st, struct json_object *o)
{
	struct state_device *v = &st->devices[st->n_devices];
	const char *name, *source, *host;
	uint64_t unknown = 0;
	int64_t index = 0;

	memset(v, 0, sizeof(*v));
	if (get_int(p, o, "index", true, 1, INT32_MAX, &index) < 0 ||
	    get_str(p, o, "device", true, &name) < 0 ||
	    get_str(p, o, "source", true, &source) < 0 ||
	    get_str(p, o, "host", false, &host) < 0 ||
	    get_count(p, o, "corrected", &v->corrected) < 0 ||
	    get_count(p, o, "nonfatal", &v->nonfatal) < 0 ||
	    get_count(p, o, "fatal", &v->fatal) < 0 ||
	    get_count(p, o, "unknown", &unknown) < 0 ||
	    get_bool(p, o, "storm", false, &v->storm) < 0)
		return -1;
	v->source = lookup(device_sources, source, RASD_DEVICE_AER);
	if (v->source < 0)
		return 0;
	v->index = (int32_t)index;
	v->nonfatal += unknown; /* rasd takes an unknown severity so */
	snprintf(v->name, sizeof(v->name), "%s", name);
	snprintf(v->host, sizeof(v->host), "%s", host);
	st->n_devices++;
	return 0;
}

static int parse_devices(struct jp *p, struct state *st,
                         struct json_object *reply)
{
	struct json_object *arr, *o;
	size_t i, n;

	if (reply == NULL)
		return 0; /* an older rasd: no device rows */
	if (get_list(p, reply, "devices", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->devices = calloc(n ? n : 1, sizeof(*st->devices));
	if (st->devices == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++)
		if (get_elem(p, arr, "devices", i, &o) < 0 ||
		    parse_device(p, st, o) < 0)
			return -1;
	return 0;
}

/* ---- sensors ---- */

/* rasd's sensor states: lm-sensors' five, then IPMI's "crossed". */
enum sensor_state {
	SENSOR_OK,
	SENSOR_WARN,
	SENSOR_CRIT,
	SENSOR_FAILED,
	SENSOR_GONE,
	SENSOR_CROSSED,
};
static const char *const sensor_state_names[] = {
    "ok", "warn", "crit", "failed", "gone", "crossed", NULL};

struct sensor_word {
	const char *word;
	int type; /* enum ent_sensor_type */
};

/* lm-sensors' kinds and IPMI's classes. */
static const struct sensor_word sensor_kinds[] = {
    {"temp", ENT_SENSOR_CELSIUS},     {"temperature", ENT_SENSOR_CELSIUS},
    {"fan", ENT_SENSOR_RPM},          {"in", ENT_SENSOR_VOLTS_DC},
    {"voltage", ENT_SENSOR_VOLTS_DC}, {"power", ENT_SENSOR_WATTS},
    {"curr", ENT_SENSOR_AMPERES},     {"current", ENT_SENSOR_AMPERES},
};

/* IPMI's units (the SDR's base unit); the unit outranks the class, so
 * a temperature in degrees F is not served as celsius. */
static const struct sensor_word sensor_units[] = {
    {"degrees C", ENT_SENSOR_CELSIUS}, {"Volts", ENT_SENSOR_VOLTS_DC},
    {"Amps", ENT_SENSOR_AMPERES},      {"Watts", ENT_SENSOR_WATTS},
    {"RPM", ENT_SENSOR_RPM},
};

static int sensor_word(const struct sensor_word *w, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(w[i].word, s))
			return w[i].type;
	return ENT_SENSOR_OTHER;
}

static int sensor_type(const char *kind, const char *unit)
{
	if (unit[0] != '\0')
		return sensor_word(
		    sensor_units,
		    sizeof(sensor_units) / sizeof(sensor_units[0]), unit);
	return sensor_word(
	    sensor_kinds, sizeof(sensor_kinds) / sizeof(sensor_kinds[0]), kind);
}

/* Digits after the point: what each kind of reading is good for. */
static int sensor_precision(int type)
{
	switch (type) {
	case ENT_SENSOR_CELSIUS:
		return 1;
	case ENT_SENSOR_RPM:
		return 0;
	case ENT_SENSOR_VOLTS_DC:
	case ENT_SENSOR_AMPERES:
	case ENT_SENSOR_WATTS:
		return 3;
	default:
		return 2;
	}
}

static const char *sensor_units_display(int type, const char *unit)
{
	if (unit[0] != '\0')
		return unit;
	switch (type) {
	case ENT_SENSOR_CELSIUS:
		return "degrees C";
	case ENT_SENSOR_RPM:
		return "RPM";
	case ENT_SENSOR_VOLTS_DC:
		return "Volts";
	case ENT_SENSOR_AMPERES:
		return "Amps";
	case ENT_SENSOR_WATTS:
		return "Watts";
	default:
		return "";
	}
}

/* v * 10^precision, rounded half away from zero, clamped to
 * EntitySensorValue's range. */
static int32_t sensor_scale(double v, int precision)
{
	int i;

	for (i = 0; i < precision; i++)
		v *= 10;
	if (v >= ENT_SENSOR_VALUE_MAX)
		return ENT_SENSOR_VALUE_MAX;
	if (v <= -ENT_SENSOR_VALUE_MAX)
		return -ENT_SENSOR_VALUE_MAX;
	return (int32_t)(v < 0 ? v - 0.5 : v + 0.5);
}

/* A number (integer or not): *have false when absent or not finite. */
static int get_reading(struct jp *p, struct json_object *o, const char *key,
                       bool *have, double *out)
{
	struct json_object *v = member(o, key);

	*have = false;
	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_int) &&
	    !json_object_is_type(v, json_type_double))
		return fail(p, "\"%s\" is not a number", key);
	*out = json_object_get_double(v);
	*have = isfinite(*out);
	return 0;
}

static int sensor_keys_carry(struct jp *p, struct state *st,
                             const struct state *prev)
{
	size_t n = prev == NULL ? 0 : prev->n_sensor_keys;

	if (n == 0)
		return 0;
	st->sensor_keys = malloc(n * sizeof(*st->sensor_keys));
	if (st->sensor_keys == NULL)
		return fail(p, "out of memory");
	memcpy(st->sensor_keys, prev->sensor_keys,
	       n * sizeof(*st->sensor_keys));
	st->n_sensor_keys = n;
	p->key_cap = n;
	return 0;
}

/* The sensor's k: 1, or 0 when the map is full (the sensor is left out),
 * or -1. */
static int sensor_number(struct jp *p, struct state *st, const char *key,
                         int32_t *k)
{
	char(*keys)[STATE_SENSOR_KEY_MAX];
	size_t i, cap;

	for (i = 0; i < st->n_sensor_keys; i++) {
		if (!strcmp(st->sensor_keys[i], key)) {
			*k = (int32_t)i;
			return 1;
		}
	}
	if (st->n_sensor_keys == STATE_MAX_SENSORS)
		return 0;
	if (st->n_sensor_keys == p->key_cap) {
		cap = p->key_cap ? p->key_cap * 2 : 32;
		keys = realloc(st->sensor_keys, cap * sizeof(*keys));
		if (keys == NULL)
			return fail(p, "out of memory");
		st->sensor_keys = keys;
		p->key_cap = cap;
	}
	snprintf(st->sensor_keys[st->n_sensor_keys], STATE_SENSOR_KEY_MAX, "%s",
	         key);
	*k = (int32_t)st->n_sensor_keys++;
	return 1;
}

struct sensor_text {
	const char *source, *chip, *name, *feature, *kind, *unit, *dimm;
	int state; /* enum sensor_state */
	bool have;
	double value;
};

static void sensor_entity_state(const struct sensor_text *t,
                                struct state_entity *e)
{
	if (t->state == SENSOR_FAILED || t->state == SENSOR_GONE)
		e->oper = ENT_OPER_DISABLED;
	else if (!t->have)
		e->oper = ENT_OPER_UNKNOWN;
	if (t->state == SENSOR_CRIT)
		e->alarm = alarm_bit(ENT_ALARM_CRITICAL);
	else if (t->state == SENSOR_WARN || t->state == SENSOR_CROSSED)
		e->alarm = alarm_bit(ENT_ALARM_WARNING);
}

static int add_sensor_entity(struct jp *p, struct state *st,
                             const struct state_sensor *s, int32_t k,
                             const struct sensor_text *t)
{
	struct state_entity *e = ent_add(p, st, s->ent);

	if (e == NULL)
		return fail(p, "out of memory");
	e->cls = ENT_CLASS_SENSOR;
	e->contained_in = s->dimm_ent ? s->dimm_ent : STATE_ENT_CHASSIS;
	e->parent_rel_pos = k;
	snprintf(e->name, sizeof(e->name), "%s", s->name);
	if (t->chip[0] != '\0')
		snprintf(e->descr, sizeof(e->descr), "%s %s sensor %s on %s",
		         t->source, t->kind,
		         t->feature[0] ? t->feature : t->name, t->chip);
	else
		snprintf(e->descr, sizeof(e->descr), "%s %s sensor %s",
		         t->source, t->kind, t->name);
	sensor_entity_state(t, e);
	return 0;
}

static int sensor_status(const struct sensor_text *t)
{
	if (t->state == SENSOR_FAILED)
		return ENT_SENSOR_NONOPERATIONAL;
	if (t->state == SENSOR_GONE || !t->have)
		return ENT_SENSOR_UNAVAILABLE;
	return ENT_SENSOR_OK;
}

static int sensor_text_parse(struct jp *p, struct json_object *o,
                             struct sensor_text *t)
{
	memset(t, 0, sizeof(*t));
	if (get_str(p, o, "source", true, &t->source) < 0 ||
	    get_str(p, o, "name", true, &t->name) < 0 ||
	    get_str(p, o, "kind", true, &t->kind) < 0 ||
	    get_enum(p, o, "state", sensor_state_names, SENSOR_OK, &t->state) <
	        0 ||
	    get_str(p, o, "chip", false, &t->chip) < 0 ||
	    get_str(p, o, "feature", false, &t->feature) < 0 ||
	    get_str(p, o, "unit", false, &t->unit) < 0 ||
	    get_str(p, o, "dimm", false, &t->dimm) < 0 ||
	    get_reading(p, o, "value", &t->have, &t->value) < 0)
		return -1;
	if (t->source[0] == '\0' || t->name[0] == '\0')
		return fail(p, "empty \"%s\"",
		            t->source[0] == '\0' ? "source" : "name");
	return 0;
}

static void sensor_fill(struct state_sensor *s, const struct state *st,
                        const struct sensor_text *t)
{
	if (t->chip[0] != '\0')
		snprintf(s->name, sizeof(s->name), "%s %s", t->chip, t->name);
	else
		snprintf(s->name, sizeof(s->name), "%s", t->name);
	snprintf(s->source, sizeof(s->source), "%s", t->source);
	s->dimm_ent = dimm_ent_of(st, t->dimm);
	s->type = sensor_type(t->kind, t->unit);
	s->precision = sensor_precision(s->type);
	s->status = sensor_status(t);
	s->value = s->status == ENT_SENSOR_OK
	               ? sensor_scale(t->value, s->precision)
	               : 0;
	snprintf(s->units, sizeof(s->units), "%s",
	         sensor_units_display(s->type, t->unit));
}

static int parse_sensor(struct jp *p, struct state *st, struct json_object *o)
{
	struct state_sensor *s = &st->sensors[st->n_sensors];
	char key[STATE_SENSOR_KEY_MAX];
	struct sensor_text t;
	int32_t k = 0;
	size_t i;
	int rc;

	if (sensor_text_parse(p, o, &t) < 0)
		return -1;
	snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", t.source, t.chip,
	         t.feature[0] ? t.feature : t.name);
	rc = sensor_number(p, st, key, &k);
	if (rc <= 0)
		return rc;
	for (i = 0; i < st->n_sensors; i++)
		if (st->sensors[i].ent == STATE_ENT_SENSOR(k))
			return fail(p, "sensor \"%s\" (%s) appears twice",
			            t.name, t.source);
	memset(s, 0, sizeof(*s));
	s->ent = STATE_ENT_SENSOR(k);
	sensor_fill(s, st, &t);
	st->n_sensors++;
	return add_sensor_entity(p, st, s, k, &t);
}

static int parse_sensors(struct jp *p, struct state *st,
                         struct json_object *reply, const struct state *prev)
{
	struct json_object *arr, *o;
	size_t i, n;

	if (sensor_keys_carry(p, st, prev) < 0)
		return -1;
	if (reply == NULL)
		return 0; /* an older rasd: no sensors */
	if (get_list(p, reply, "sensors", &arr) < 0)
		return -1;
	n = json_object_array_length(arr);
	st->sensors = calloc(n ? n : 1, sizeof(*st->sensors));
	if (st->sensors == NULL)
		return fail(p, "out of memory");
	for (i = 0; i < n; i++)
		if (get_elem(p, arr, "sensors", i, &o) < 0 ||
		    parse_sensor(p, st, o) < 0)
			return -1;
	return 0;
}

static int add_sockets(struct jp *p, struct state *st, const bool *seen)
{
	const struct state_socket *row;
	struct state_entity *e;
	int32_t s;

	for (s = 0; s < STATE_MAX_SOCKETS; s++) {
		if (!seen[s])
			continue;
		e = ent_add(p, st, STATE_ENT_SOCKET(s));
		if (e == NULL)
			return fail(p, "out of memory");
		e->cls = ENT_CLASS_CPU;
		e->contained_in = STATE_ENT_CHASSIS;
		e->parent_rel_pos = s;
		e->fru = true; /* a socketed package can be replaced */
		snprintf(e->name, sizeof(e->name), "socket %d", (int)s);
		snprintf(e->descr, sizeof(e->descr), "Processor package %d",
		         (int)s);
		row = state_socket_by_number(st, s);
		if (row != NULL && row->degraded)
			e->alarm = alarm_bit(ENT_ALARM_MINOR);
	}
	return 0;
}

static int cmp_ent(const void *a, const void *b)
{
	const struct state_entity *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int cmp_dimm(const void *a, const void *b)
{
	const struct state_dimm *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

static int cmp_socket(const void *a, const void *b)
{
	const struct state_socket *x = a, *y = b;

	return (x->socket > y->socket) - (x->socket < y->socket);
}

static int cmp_cpu(const void *a, const void *b)
{
	const struct state_cpu *x = a, *y = b;

	return (x->cpu > y->cpu) - (x->cpu < y->cpu);
}

static int cmp_page(const void *a, const void *b)
{
	const struct state_page *x = a, *y = b;

	return (x->action > y->action) - (x->action < y->action);
}

static int cmp_sensor(const void *a, const void *b)
{
	const struct state_sensor *x = a, *y = b;

	return (x->ent > y->ent) - (x->ent < y->ent);
}

static int cmp_device(const void *a, const void *b)
{
	const struct state_device *x = a, *y = b;

	return (x->index > y->index) - (x->index < y->index);
}

static int cmp_evac(const void *a, const void *b)
{
	const struct state_evac *x = a, *y = b;

	return (x->action > y->action) - (x->action < y->action);
}

/*
 * Sorts rows by their table index (the int32_t at key_off) and refuses
 * twins: two rows under one index would answer GET two ways.
 */
static int sort_rows(struct jp *p, void *base, size_t n, size_t size,
                     int (*cmp)(const void *, const void *), size_t key_off,
                     const char *list, const char *key)
{
	const char *b = base;
	int32_t k;
	size_t i;

	if (n == 0)
		return 0;
	qsort(base, n, size, cmp);
	for (i = 1; i < n; i++) {
		if (cmp(b + (i - 1) * size, b + i * size) != 0)
			continue;
		memcpy(&k, b + i * size + key_off, sizeof(k));
		snprintf(p->at, sizeof(p->at), "%s", list);
		return fail(p, "%s %d appears twice", key, (int)k);
	}
	return 0;
}

static int sort_all(struct jp *p, struct state *st)
{
	if (sort_rows(p, st->dimms, st->n_dimms, sizeof(*st->dimms), cmp_dimm,
	              offsetof(struct state_dimm, id), "dimms", "id") < 0 ||
	    sort_rows(p, st->sockets, st->n_sockets, sizeof(*st->sockets),
	              cmp_socket, offsetof(struct state_socket, socket),
	              "sockets", "socket") < 0 ||
	    sort_rows(p, st->cpus, st->n_cpus, sizeof(*st->cpus), cmp_cpu,
	              offsetof(struct state_cpu, cpu), "cpus", "cpu") < 0 ||
	    sort_rows(p, st->pages, st->n_pages, sizeof(*st->pages), cmp_page,
	              offsetof(struct state_page, action), "pages",
	              "action") < 0 ||
	    sort_rows(p, st->evacs, st->n_evacs, sizeof(*st->evacs), cmp_evac,
	              offsetof(struct state_evac, action), "actions",
	              "migrate id") < 0 ||
	    sort_rows(p, st->sensors, st->n_sensors, sizeof(*st->sensors),
	              cmp_sensor, offsetof(struct state_sensor, ent), "sensors",
	              "entPhysicalIndex") < 0 ||
	    sort_rows(p, st->devices, st->n_devices, sizeof(*st->devices),
	              cmp_device, offsetof(struct state_device, index),
	              "devices", "index") < 0)
		return -1;
	return sort_rows(p, st->ents, st->n_ents, sizeof(*st->ents), cmp_ent,
	                 offsetof(struct state_entity, index), "entities",
	                 "index");
}

static int cmp_index(const void *key, const void *elem)
{
	const int32_t *k = key;
	const struct state_entity *e = elem;

	return (*k > e->index) - (*k < e->index);
}

static struct state_entity *find_ent(const struct state *st, int32_t index)
{
	if (st->n_ents == 0)
		return NULL;
	return bsearch(&index, st->ents, st->n_ents, sizeof(*st->ents),
	               cmp_index);
}

/* RFC 4268 locked: rasd took the CPU out of service and it stays out. */
static void lock_offlined(struct state *st)
{
	const struct state_cpu *c;
	struct state_entity *e;
	size_t i;

	for (i = 0; i < st->n_cpus; i++) {
		c = &st->cpus[i];
		if (c->online || c->offline_action != RASD_ACT_DONE)
			continue;
		e = find_ent(st, c->ent);
		if (e != NULL)
			e->admin = ENT_ADMIN_LOCKED;
	}
}

static int build(struct jp *p, struct state *st, const struct state_inputs *in,
                 const struct state *prev)
{
	bool seen[STATE_MAX_SOCKETS];

	memset(seen, 0, sizeof(seen));
	if (parse_status(p, st, in->status) < 0 ||
	    parse_dimms(p, st, in->dimms, seen) < 0 ||
	    parse_sockets(p, st, in->sockets, seen) < 0 ||
	    parse_cpus(p, st, in->cpus, seen) < 0 ||
	    parse_actions(p, st, in->actions) < 0 ||
	    parse_pages(p, st, in->pages) < 0 ||
	    parse_sensors(p, st, in->sensors, prev) < 0 ||
	    parse_devices(p, st, in->pcie) < 0 ||
	    add_sockets(p, st, seen) < 0 || sort_all(p, st) < 0)
		return -1;
	lock_offlined(st);
	return 0;
}

int state_build(struct state *st, const struct state_inputs *in,
                const struct state *prev, char *err, size_t errlen)
{
	struct jp p;

	memset(st, 0, sizeof(*st));
	memset(&p, 0, sizeof(p));
	p.err = err;
	p.errlen = errlen;
	if (build(&p, st, in, prev) < 0) {
		state_free(st);
		return -1;
	}
	return 0;
}

void state_free(struct state *st)
{
	free(st->ents);
	free(st->dimms);
	free(st->sockets);
	free(st->cpus);
	free(st->pages);
	free(st->evacs);
	free(st->sensors);
	free(st->sensor_keys);
	free(st->devices);
	memset(st, 0, sizeof(*st));
}

void state_move(struct state *to, struct state *from)
{
	if (to == from)
		return;
	state_free(to);
	*to = *from;
	memset(from, 0, sizeof(*from));
}

const struct state_entity *state_entity(const struct state *st, int32_t index)
{
	return find_ent(st, index);
}

const struct state_dimm *state_dimm_by_label(const struct state *st,
                                             const char *label)
{
	size_t i;

	for (i = 0; i < st->n_dimms; i++)
		if (!strcmp(st->dimms[i].label, label))
			return &st->dimms[i];
	return NULL;
}

const struct state_cpu *state_cpu_by_number(const struct state *st, int32_t cpu)
{
	size_t i;

	for (i = 0; i < st->n_cpus; i++)
		if (st->cpus[i].cpu == cpu)
			return &st->cpus[i];
	return NULL;
}

const struct state_socket *state_socket_by_number(const struct state *st,
                                                  int32_t socket)
{
	size_t i;

	for (i = 0; i < st->n_sockets; i++)
		if (st->sockets[i].socket == socket)
			return &st->sockets[i];
	return NULL;
}

const struct state_sensor *state_sensor_by_name(const struct state *st,
                                                const char *name)
{
	size_t i;

	for (i = 0; i < st->n_sensors; i++)
		if (!strcmp(st->sensors[i].name, name))
			return &st->sensors[i];
	return NULL;
}

void state_diff(const struct state *old, struct state *now, uint64_t now_ms,
                state_change_fn fn, void *arg)
{
	const struct state_entity *o;
	struct state_entity *e;
	size_t i;

	for (i = 0; i < now->n_sensors; i++)
		now->sensors[i].read_ms = now_ms;
	for (i = 0; i < now->n_ents; i++) {
		e = &now->ents[i];
		o = old ? state_entity(old, e->index) : NULL;
		/* New entities keep 0: RFC 4268's "no change since start". */
		if (o == NULL)
			continue;
		if (o->oper == e->oper && o->admin == e->admin &&
		    o->alarm == e->alarm) {
			e->changed_ms = o->changed_ms;
			continue;
		}
		e->changed_ms = now_ms;
		if (o->oper != e->oper && fn != NULL)
			fn(arg, e, o->oper);
	}
}

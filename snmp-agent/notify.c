/* notify.c - rasd's notices mapped to RASD-MIB and ENTITY-STATE-MIB
 * notifications, corrected errors folded into storms, the bounded queue. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify.h"
#include "rasd_mib.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* DisplayString is SIZE (0..255). */
#define DISPLAY_MAX 255

/*
 * Every RASD-MIB notification opens with the same five varbinds and adds
 * at most three of its own; the check keeps vb[] from ever overflowing.
 */
#define COMMON_VARBINDS   5
#define MAX_TAIL_VARBINDS 3
_Static_assert(COMMON_VARBINDS + MAX_TAIL_VARBINDS <= NOTIFY_MAX_VARBINDS,
               "notification varbinds do not fit");

static const uint32_t trap_arc[] = {RASD_MIB_ARC, 0};
static const uint32_t notify_obj_arc[] = {RASD_MIB_ARC, 1, 7};
static const uint32_t ent_state_entry[] = {OID_ENT_STATE_ENTRY};
static const uint32_t oper_enabled[] = {OID_ENT_STATE_OPER_ENABLED};
static const uint32_t oper_disabled[] = {OID_ENT_STATE_OPER_DISABLED};

static const char *const health_names[] = {
    [RASD_HEALTH_OK] = "ok",
    [RASD_HEALTH_DEGRADED] = "degraded",
    [RASD_HEALTH_FAILING] = "failing",
};

/* "notice: ..." before the sequence is known, "notice 12: ..." after. */
static int fail(char *err, size_t errlen, uint64_t seq, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *err, size_t errlen, uint64_t seq, const char *fmt, ...)
{
	va_list ap;
	int off;

	if (errlen == 0)
		return -1;
	if (seq == 0)
		off = snprintf(err, errlen, "notice: ");
	else
		off = snprintf(err, errlen, "notice %" PRIu64 ": ", seq);
	if (off < 0 || (size_t)off >= errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err + off, errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -1;
}

/* A whole decimal in [min, max]; no sign games, spaces or suffixes. */
static int parse_dec(const char *s, int64_t min, int64_t max, int64_t *out)
{
	char *end;
	long long v;

	if (s == NULL || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* ---- the notice as it arrives ---- */

static int parse_seq(struct json_object *o, struct notice_in *out, char *err,
                     size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "seq", &v))
		return fail(err, errlen, 0, "\"seq\" missing");
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 1)
		return fail(err, errlen, 0,
		            "\"seq\" is not a positive integer");
	/* get_uint64 keeps sequences above INT64_MAX exact. */
	out->seq = json_object_get_uint64(v);
	return 0;
}

static bool msgid_valid(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len > 15)
		return false;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9')))
			return false;
	return true;
}

static int parse_msgid(struct json_object *o, struct notice_in *out, char *err,
                       size_t errlen)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(o, "msgid", &v))
		return fail(err, errlen, out->seq, "\"msgid\" missing");
	if (!json_object_is_type(v, json_type_string))
		return fail(err, errlen, out->seq, "\"msgid\" is not a string");
	s = json_object_get_string(v);
	if (!msgid_valid(s))
		return fail(err, errlen, out->seq,
		            "\"msgid\" is not 1..15 of A-Z 0-9");
	snprintf(out->msgid, sizeof(out->msgid), "%s", s);
	return 0;
}

static int parse_priority(struct json_object *o, struct notice_in *out,
                          char *err, size_t errlen)
{
	struct json_object *v;
	int64_t p;

	out->priority = -1;
	if (!json_object_object_get_ex(o, "priority", &v))
		return 0;
	p = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || p < 0 || p > 7)
		return fail(err, errlen, out->seq,
		            "\"priority\" is not a syslog priority 0..7");
	out->priority = (int)p;
	return 0;
}

static int parse_time(struct json_object *o, struct notice_in *out, char *err,
                      size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "time_ms", &v))
		return fail(err, errlen, out->seq, "\"time_ms\" missing");
	if (!json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < 0)
		return fail(err, errlen, out->seq,
		            "\"time_ms\" is not a non-negative integer");
	out->time_ms = json_object_get_uint64(v);
	return 0;
}

static int parse_text(struct json_object *o, struct notice_in *out, char *err,
                      size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, "text", &v))
		return fail(err, errlen, out->seq, "\"text\" missing");
	if (!json_object_is_type(v, json_type_string))
		return fail(err, errlen, out->seq, "\"text\" is not a string");
	/* Longer text is cut: the varbind is a DisplayString anyway. */
	snprintf(out->text, sizeof(out->text), "%s", json_object_get_string(v));
	return 0;
}

/* Checked here once, so the mapping can read every value as a string. */
static int parse_fields(struct json_object *o, struct notice_in *out, char *err,
                        size_t errlen)
{
	struct json_object *v;

	out->fields = NULL;
	if (!json_object_object_get_ex(o, "fields", &v))
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return fail(err, errlen, out->seq,
		            "\"fields\" is not an object");
	json_object_object_foreach(v, key, val)
	{
		if (!json_object_is_type(val, json_type_string))
			return fail(err, errlen, out->seq,
			            "field \"%s\" is not a string", key);
	}
	out->fields = v;
	return 0;
}

int notice_in_parse(struct json_object *o, struct notice_in *out, char *err,
                    size_t errlen)
{
	typedef int (*member_fn)(struct json_object *, struct notice_in *,
	                         char *, size_t);
	static const member_fn members[] = {
	    parse_seq,  parse_msgid, parse_priority,
	    parse_time, parse_text,  parse_fields,
	};
	size_t i;

	memset(out, 0, sizeof(*out));
	if (o == NULL || !json_object_is_type(o, json_type_object))
		return fail(err, errlen, 0, "not a JSON object");
	for (i = 0; i < NELEM(members); i++)
		if (members[i](o, out, err, errlen) < 0)
			return -1;
	return 0;
}

/* ---- varbinds ---- */

static struct oid_value *vb_add(struct notification *out, const uint32_t *base,
                                size_t n, int64_t col, int64_t index,
                                enum oid_type type)
{
	struct oid_value *v = &out->vb[out->n_vb++];

	memset(v, 0, sizeof(*v));
	oid_make(&v->name, base, n, col, index);
	v->type = type;
	return v;
}

/* RASD_MIB_ARC.1.7.obj.0 */
static struct oid_value *vb_obj(struct notification *out,
                                enum rasd_notify_obj obj, enum oid_type type)
{
	return vb_add(out, notify_obj_arc, NELEM(notify_obj_arc), obj, 0, type);
}

static void vb_int(struct notification *out, enum rasd_notify_obj obj,
                   int64_t i)
{
	vb_obj(out, obj, OID_T_INTEGER)->i = i;
}

static void vb_unsigned(struct notification *out, enum rasd_notify_obj obj,
                        uint32_t u)
{
	vb_obj(out, obj, OID_T_UNSIGNED)->i = u;
}

static void vb_string(struct notification *out, enum rasd_notify_obj obj,
                      const char *s)
{
	struct oid_value *v = vb_obj(out, obj, OID_T_OCTETS);
	size_t len = s == NULL ? 0 : strlen(s);

	if (len > DISPLAY_MAX)
		len = DISPLAY_MAX;
	if (len > 0)
		memcpy(v->s, s, len);
	v->s_len = len;
}

static void vb_time(struct notification *out, uint64_t ms)
{
	struct oid_value *v = vb_obj(out, RASD_NOTIFY_TIME, OID_T_OCTETS);

	v->s_len = oid_date_and_time(ms, v->s);
}

/* snmpTrapOID.0's value, and sequence and time, which every RASD-MIB
 * notification opens with. */
static void begin(struct notification *out, enum rasd_notification trap,
                  uint64_t seq, uint64_t time_ms)
{
	memset(out, 0, sizeof(*out));
	oid_make(&out->trap, trap_arc, NELEM(trap_arc), trap, -1);
	out->seq = seq;
	out->time_ms = time_ms;
	/* Unsigned32 wraps; the full sequence stays in out->seq. */
	vb_unsigned(out, RASD_NOTIFY_SEQUENCE, (uint32_t)seq);
	vb_time(out, time_ms);
}

/* ---- the notice's fields ---- */

/* The field's value, or NULL when the notice has no such field. */
static const char *field(const struct notice_in *n, const char *key)
{
	struct json_object *v;

	if (n->fields == NULL || !json_object_object_get_ex(n->fields, key, &v))
		return NULL;
	return json_object_get_string(v);
}

static const char *field_or(const struct notice_in *n, const char *key,
                            const char *dflt)
{
	const char *s = field(n, key);

	return s == NULL ? dflt : s;
}

/* A decimal field in [min, max]: 1 with *v, 0 when absent, -1 with err
 * when present but not such a number. */
static int field_num(const struct notice_in *n, const char *key, int64_t min,
                     int64_t max, int64_t *v, char *err, size_t errlen)
{
	const char *s = field(n, key);

	if (s == NULL)
		return 0;
	if (parse_dec(s, min, max, v) < 0)
		return fail(err, errlen, n->seq,
		            "field \"%s\" is not a number in %" PRId64
		            "..%" PRId64 ": \"%s\"",
		            key, min, max, s);
	return 1;
}

/* An Unsigned32 varbind from a field, 0 when the field is absent. */
static int vb_field_unsigned(struct notification *out, enum rasd_notify_obj obj,
                             const struct notice_in *n, const char *key,
                             char *err, size_t errlen)
{
	int64_t v = 0;

	if (field_num(n, key, 0, UINT32_MAX, &v, err, errlen) < 0)
		return -1;
	vb_unsigned(out, obj, (uint32_t)v);
	return 0;
}

/* A domid field as Integer32, -1 when absent (no owner, or unknown);
 * RASD-MIB's syntax is (-1..65535). */
static int vb_field_domid(struct notification *out, const struct notice_in *n,
                          char *err, size_t errlen)
{
	int64_t v = -1;

	if (field_num(n, "domain", -1, 65535, &v, err, errlen) < 0)
		return -1;
	vb_int(out, RASD_NOTIFY_GUEST_ID, v);
	return 0;
}

/* ---- which entity a notice is about ---- */

struct place {
	int32_t ent; /* entPhysicalIndex, 0 when the thing is unknown */
	char location[STATE_TEXT_MAX];
};

static void place_host(const struct state *st, struct place *p)
{
	p->ent = STATE_ENT_CHASSIS;
	snprintf(p->location, sizeof(p->location), "%s",
	         st == NULL ? "" : st->host);
}

static void place_dimm(const struct state *st, const char *label,
                       struct place *p)
{
	const struct state_dimm *d;

	d = st == NULL ? NULL : state_dimm_by_label(st, label);
	p->ent = d == NULL ? 0 : d->ent;
	snprintf(p->location, sizeof(p->location), "%s", label);
}

static void place_cpu(const struct state *st, int32_t cpu, struct place *p)
{
	const struct state_cpu *c;

	c = st == NULL ? NULL : state_cpu_by_number(st, cpu);
	p->ent = c == NULL ? 0 : c->ent;
	snprintf(p->location, sizeof(p->location), "cpu %" PRId32, cpu);
}

static void place_socket(const struct state *st, int32_t socket,
                         struct place *p)
{
	const struct state_socket *s;

	s = st == NULL ? NULL : state_socket_by_number(st, socket);
	p->ent = s == NULL ? 0 : s->ent;
	snprintf(p->location, sizeof(p->location), "socket %" PRId32, socket);
}

/*
 * The most precise thing the notice names: DIMM, CPU, socket, else the
 * host. rasd writes -1 for a CPU or socket it could not tell, so a
 * negative number names nothing and the next coarser one is tried.
 */
static int place_of(const struct notice_in *n, const struct state *st,
                    struct place *p, char *err, size_t errlen)
{
	const char *dimm = field(n, "dimm");
	int64_t v;
	int rc;

	if (dimm != NULL && dimm[0] != '\0') {
		place_dimm(st, dimm, p);
		return 0;
	}
	rc = field_num(n, "cpu", INT32_MIN, INT32_MAX, &v, err, errlen);
	if (rc < 0)
		return -1;
	if (rc > 0 && v >= 0) {
		place_cpu(st, (int32_t)v, p);
		return 0;
	}
	rc = field_num(n, "socket", INT32_MIN, INT32_MAX, &v, err, errlen);
	if (rc < 0)
		return -1;
	if (rc > 0 && v >= 0) {
		place_socket(st, (int32_t)v, p);
		return 0;
	}
	place_host(st, p);
	return 0;
}

/* A notice naming its thing (a sensor): that thing's entity if the
 * model has it, else what place_of found; the name is the location. */
static void place_named(const struct state *st, const char *name,
                        struct place *p)
{
	const struct state_sensor *s;

	s = st == NULL ? NULL : state_sensor_by_name(st, name);
	if (s != NULL)
		p->ent = s->ent;
	snprintf(p->location, sizeof(p->location), "%s", name);
}

static void vb_place(struct notification *out, const struct place *p,
                     const char *text)
{
	vb_int(out, RASD_NOTIFY_ENT_INDEX, p->ent);
	vb_string(out, RASD_NOTIFY_LOCATION, p->location);
	vb_string(out, RASD_NOTIFY_TEXT, text);
}

/* ---- per-kind varbinds, after the common five ---- */

typedef int (*tail_fn)(struct notification *, const struct notice_in *, char *,
                       size_t);

/* DIMM, CPU and storm kinds: how many, out of how many allowed. */
static int tail_count(struct notification *out, const struct notice_in *n,
                      char *err, size_t errlen)
{
	if (vb_field_unsigned(out, RASD_NOTIFY_COUNT, n, "count", err, errlen) <
	    0)
		return -1;
	return vb_field_unsigned(out, RASD_NOTIFY_THRESHOLD, n, "threshold",
	                         err, errlen);
}

static int tail_page(struct notification *out, const struct notice_in *n,
                     char *err, size_t errlen)
{
	vb_string(out, RASD_NOTIFY_ADDRESS, field_or(n, "page", ""));
	return vb_field_domid(out, n, err, errlen);
}

static int tail_uncorrectable(struct notification *out,
                              const struct notice_in *n, char *err,
                              size_t errlen)
{
	(void)err;
	(void)errlen;
	vb_string(out, RASD_NOTIFY_SEVERITY, field_or(n, "severity", ""));
	vb_string(out, RASD_NOTIFY_ADDRESS, field_or(n, "addr", ""));
	return 0;
}

static int tail_evac(struct notification *out, const struct notice_in *n,
                     char *err, size_t errlen)
{
	if (vb_field_domid(out, n, err, errlen) < 0)
		return -1;
	vb_string(out, RASD_NOTIFY_GUEST_NAME, field_or(n, "guest", ""));
	vb_string(out, RASD_NOTIFY_PEER, field_or(n, "peer", ""));
	return 0;
}

/* A reading such as "72.5" is no Unsigned32: it stays in the text and
 * the slot says 0, rather than losing the whole notification. */
static uint32_t lenient_unsigned(const struct notice_in *n, const char *key)
{
	int64_t v;

	if (parse_dec(field(n, key), 0, UINT32_MAX, &v) < 0)
		return 0;
	return (uint32_t)v;
}

static int tail_sensor(struct notification *out, const struct notice_in *n,
                       char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	vb_unsigned(out, RASD_NOTIFY_COUNT, lenient_unsigned(n, "value"));
	vb_unsigned(out, RASD_NOTIFY_THRESHOLD,
	            lenient_unsigned(n, "threshold"));
	return 0;
}

/* PCIE and CXL: the severity, then how many of that severity the
 * device logged; a storm's threshold, else 0. */
static int tail_device(struct notification *out, const struct notice_in *n,
                       char *err, size_t errlen)
{
	(void)err;
	(void)errlen;
	vb_string(out, RASD_NOTIFY_SEVERITY, field_or(n, "severity", ""));
	vb_unsigned(out, RASD_NOTIFY_COUNT, lenient_unsigned(n, "count"));
	vb_unsigned(out, RASD_NOTIFY_THRESHOLD,
	            lenient_unsigned(n, "threshold"));
	return 0;
}

/* ---- msgid to notification ---- */

struct kind {
	const char *msgid;
	enum rasd_notification trap;
	tail_fn tail; /* NULL: a corrected error, only charged to the storm */
	const char *where; /* a field naming the location better (a
	                    * sensor, looked up among the model's), or NULL */
};

static const struct kind kinds[] = {
    {"DIMMDEG", RASD_TRAP_DIMM_DEGRADED, tail_count, NULL},
    {"DIMMFAIL", RASD_TRAP_DIMM_FAILING, tail_count, NULL},
    {"PAGEOFF", RASD_TRAP_PAGE_OFFLINED, tail_page, NULL},
    {"CPUOFF", RASD_TRAP_CPU_OFFLINED, tail_count, NULL},
    {"MEMUE", RASD_TRAP_UNCORRECTABLE, tail_uncorrectable, NULL},
    {"EVAC", RASD_TRAP_GUEST_EVACUATED, tail_evac, NULL},
    {"EVACFAIL", RASD_TRAP_EVACUATION_FAILED, tail_evac, NULL},
    {"STORM", RASD_TRAP_ERROR_STORM, tail_count, NULL},
    {"OVERFLOW", RASD_TRAP_ERROR_STORM, tail_count, NULL},
    /* The sensor's own entity when the model has it; else the DIMM it
     * names, else the chassis; the location is the sensor's name. */
    {"SENSOR", RASD_TRAP_SENSOR_THRESHOLD, tail_sensor, "sensor"},
    {"MEMCE", 0, NULL, NULL},
};

/* CPUERR carries every cache, TLB and bus error: only its severity says
 * whether it is worth a notification of its own. */
static const struct kind cpuerr_corrected = {"CPUERR", 0, NULL, NULL};
static const struct kind cpuerr_uncorrected = {
    "CPUERR", RASD_TRAP_UNCORRECTABLE, tail_uncorrectable, NULL};

/*
 * PCIE and CXL: an uncorrected device error, or rasd's notice that a
 * device's corrected errors became a storm (it carries the threshold),
 * is a rasdDeviceError placed on the chassis with the device's name as
 * the location. A single corrected one raises nothing, and is not charged
 * to the host's storm either: rasd counts those per device.
 */
static const struct kind device_error = {"PCIE", RASD_TRAP_DEVICE_ERROR,
                                         tail_device, "device"};

static const struct kind *device_kind(const struct notice_in *n)
{
	if (strcmp(field_or(n, "severity", ""), "corrected") == 0 &&
	    field(n, "threshold") == NULL)
		return NULL;
	return &device_error;
}

/*
 * NULL for whatever this agent does not turn into a notification of its
 * own: RASD; HEALTH, because rasdHealthChanged comes from the state's
 * health changing (one per change, whichever tells first); TELEMETRY;
 * any msgid of a newer rasd.
 */
static const struct kind *kind_of(const struct notice_in *n)
{
	size_t i;

	if (strcmp(n->msgid, "PCIE") == 0 || strcmp(n->msgid, "CXL") == 0)
		return device_kind(n);
	if (strcmp(n->msgid, "CPUERR") == 0) {
		if (strcmp(field_or(n, "severity", ""), "corrected") == 0)
			return &cpuerr_corrected;
		return &cpuerr_uncorrected;
	}
	for (i = 0; i < NELEM(kinds); i++)
		if (strcmp(n->msgid, kinds[i].msgid) == 0)
			return &kinds[i];
	return NULL;
}

/* ---- storms of corrected errors ---- */

int notify_storm_init(struct notify_storm *s, uint32_t limit,
                      uint64_t window_ms)
{
	uint64_t *slots = NULL;

	memset(s, 0, sizeof(*s));
	if (limit > LEAKY_BUCKET_MAX_LIMIT) {
		errno = EINVAL;
		return -1;
	}
	if (limit > 0 && (slots = calloc(limit, sizeof(*slots))) == NULL)
		return -1;
	s->rule.limit = limit;
	s->rule.window_ms = window_ms;
	leaky_bucket_init(&s->bucket, slots);
	return 0;
}

void notify_storm_free(struct notify_storm *s)
{
	free(s->bucket.arrival);
	memset(s, 0, sizeof(*s));
}

static void window_text(uint64_t window_ms, char *buf, size_t len)
{
	if (window_ms % 1000 == 0)
		snprintf(buf, len, "%" PRIu64 " s", window_ms / 1000);
	else
		snprintf(buf, len, "%" PRIu64 " ms", window_ms);
}

/*
 * Charge one corrected error. The first overflow raises the storm; later
 * ones stay quiet until a charge finds the bucket (this error included)
 * below the limit again, so a steady rate at the limit raises once, not
 * once per error.
 */
static int storm_charge(const struct notice_in *n, const struct state *st,
                        struct notify_storm *s, struct notification *out)
{
	struct place p;
	char text[96], window[32];
	uint32_t level;

	if (s == NULL)
		return 0;
	if (!leaky_bucket_charge(&s->bucket, &s->rule, n->time_ms)) {
		s->raised = false;
		return 0;
	}
	if (s->raised)
		return 0;
	s->raised = true;
	level = leaky_bucket_level(&s->bucket, &s->rule, n->time_ms);
	window_text(s->rule.window_ms, window, sizeof(window));
	snprintf(text, sizeof(text), "%" PRIu32 " corrected errors within %s",
	         level, window);
	begin(out, RASD_TRAP_ERROR_STORM, n->seq, n->time_ms);
	/* One bucket for the whole host: the storm is the host's. */
	place_host(st, &p);
	vb_place(out, &p, text);
	vb_unsigned(out, RASD_NOTIFY_COUNT, level);
	vb_unsigned(out, RASD_NOTIFY_THRESHOLD, s->rule.limit);
	return 1;
}

int notify_from_notice(const struct notice_in *n, const struct state *st,
                       struct notify_storm *storm, struct notification *out,
                       char *err, size_t errlen)
{
	const struct kind *k = kind_of(n);
	const char *where;
	struct place p;

	if (k == NULL)
		return 0;
	if (k->tail == NULL)
		return storm_charge(n, st, storm, out);
	if (place_of(n, st, &p, err, errlen) < 0)
		return -1;
	if (k->where != NULL && (where = field(n, k->where)) != NULL)
		place_named(st, where, &p);
	begin(out, k->trap, n->seq, n->time_ms);
	vb_place(out, &p, n->text);
	if (k->tail(out, n, err, errlen) < 0)
		return -1;
	return 1;
}

/* ---- agent-made notifications ---- */

/* RFC 4268 has two notifications only: anything but enabled is sent as
 * disabled, which is what an operator acts on. */
void notify_entity_oper(const struct state_entity *e, uint64_t now_ms,
                        struct notification *out)
{
	struct oid_value *v;

	memset(out, 0, sizeof(*out));
	if (e->oper == ENT_OPER_ENABLED)
		oid_make(&out->trap, oper_enabled, NELEM(oper_enabled), -1, -1);
	else
		oid_make(&out->trap, oper_disabled, NELEM(oper_disabled), -1,
		         -1);
	out->time_ms = now_ms;
	v = vb_add(out, ent_state_entry, NELEM(ent_state_entry),
	           ENT_STATE_ADMIN, e->index, OID_T_INTEGER);
	v->i = e->admin;
	v = vb_add(out, ent_state_entry, NELEM(ent_state_entry),
	           ENT_STATE_ALARM, e->index, OID_T_OCTETS);
	v->s[0] = e->alarm;
	v->s_len = 1;
}

static const char *health_name(int health)
{
	if (health < 0 || (size_t)health >= NELEM(health_names) ||
	    health_names[health] == NULL)
		return "unknown";
	return health_names[health];
}

void notify_health(const struct state *st, uint64_t now_ms,
                   struct notification *out)
{
	struct place p;
	char text[64];

	snprintf(text, sizeof(text), "host health %s", health_name(st->health));
	begin(out, RASD_TRAP_HEALTH_CHANGED, 0, now_ms);
	place_host(st, &p);
	vb_place(out, &p, text);
	vb_int(out, RASD_NOTIFY_HEALTH, st->health);
}

/* ---- the queue ---- */

int notify_queue_init(struct notify_queue *q, size_t cap)
{
	memset(q, 0, sizeof(*q));
	if (cap == 0) {
		errno = EINVAL;
		return -1;
	}
	q->q = calloc(cap, sizeof(*q->q));
	if (q->q == NULL)
		return -1;
	q->cap = cap;
	return 0;
}

void notify_queue_free(struct notify_queue *q)
{
	free(q->q);
	memset(q, 0, sizeof(*q));
}

void notify_queue_push(struct notify_queue *q, const struct notification *nt)
{
	/* The master agent has been away long enough: the newest news is
	 * worth more than the oldest. */
	if (q->n == q->cap) {
		q->head = (q->head + 1) % q->cap;
		q->n--;
		q->dropped++;
	}
	q->q[(q->head + q->n) % q->cap] = *nt;
	q->n++;
}

const struct notification *notify_queue_peek(const struct notify_queue *q)
{
	if (q->n == 0)
		return NULL;
	return &q->q[q->head];
}

void notify_queue_pop(struct notify_queue *q)
{
	if (q->n == 0)
		return;
	q->head = (q->head + 1) % q->cap;
	q->n--;
}

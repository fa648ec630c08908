/* mib.c - lays the host's state out as the rows rasd-snmp serves: the
 * ENTITY-MIB, ENTITY-STATE-MIB and ENTITY-SENSOR-MIB tables, RASD-MIB's. */
#include <string.h>

#include "snmp-agent/mib.h"
#include "snmp-agent/rasd_mib.h"

#define N_ARCS(a) (sizeof(a) / sizeof((a)[0]))

/* RFC 4268 EntityStandbyStatus unknown(1): rasd_mib.h names only 4. */
#define STANDBY_UNKNOWN 1

/* The ENTITY MIBs are mib-2 modules, 1.3.6.1.2.1.N: seven arcs. */
#define MIB2_MODULE_LEN 7

static const uint32_t phys_entry[] = {OID_ENT_PHYS_ENTRY};
static const uint32_t last_change[] = {OID_ENT_LAST_CHANGE};
static const uint32_t state_entry[] = {OID_ENT_STATE_ENTRY};
static const uint32_t sensor_entry[] = {OID_ENT_SENSOR_ENTRY};
static const uint32_t host_scalars[] = {RASD_MIB_ARC, 1, 1};
static const uint32_t dimm_entry[] = {RASD_MIB_ARC, 1, 2, 1};
static const uint32_t socket_entry[] = {RASD_MIB_ARC, 1, 3, 1};
static const uint32_t page_entry[] = {RASD_MIB_ARC, 1, 4, 1};
static const uint32_t cpu_entry[] = {RASD_MIB_ARC, 1, 5, 1};
static const uint32_t evac_entry[] = {RASD_MIB_ARC, 1, 6, 1};
static const uint32_t device_entry[] = {RASD_MIB_ARC, 1, 8, 1};

static const struct oid_name roots[MIB_N_VIEWS] = {
    [MIB_VIEW_ENTITY] = {{OID_ENTITY_MIB}, MIB2_MODULE_LEN},
    [MIB_VIEW_STATE] = {{OID_ENT_STATE_MIB}, MIB2_MODULE_LEN},
    [MIB_VIEW_SENSOR] = {{OID_ENT_SENSOR_MIB}, MIB2_MODULE_LEN},
    [MIB_VIEW_RASD] = {{RASD_MIB_ARC}, RASD_MIB_ARC_LEN},
};

/* AutonomousType for "no vendor type known" (RFC 6933). */
static const struct oid_name zero_dot_zero = {{0, 0}, 2};

const struct oid_name *mib_view_root(enum mib_view v)
{
	if ((unsigned)v >= MIB_N_VIEWS)
		return NULL;
	return &roots[v];
}

/* SNMPv2-TC TruthValue. */
static int truth(bool b)
{
	return b ? 1 : 2;
}

static uint32_t sat32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int put_date(struct oidtab *t, const struct oid_name *n, uint64_t ms)
{
	uint8_t b[11];

	return oidtab_octets(t, n, b, oid_date_and_time(ms, b));
}

/* BITS of eight named bits travel as a single octet. */
static int put_bits(struct oidtab *t, const struct oid_name *n, uint8_t bits)
{
	return oidtab_octets(t, n, &bits, 1);
}

/* Two octets when a bit past the first is set, else one: what a
 * manager that knew only bits 0-4 read before still reads the same. */
static int put_bits16(struct oidtab *t, const struct oid_name *n, uint16_t bits)
{
	uint8_t o[2] = {(uint8_t)(bits >> 8), (uint8_t)bits};

	return oidtab_octets(t, n, o, o[1] != 0 ? 2 : 1);
}

static int phys_col(struct oidtab *t, int col, const struct state_entity *e)
{
	struct oid_name n;

	oid_make(&n, phys_entry, N_ARCS(phys_entry), col, e->index);
	switch (col) {
	case ENT_PHYS_DESCR:
		return oidtab_string(t, &n, e->descr);
	case ENT_PHYS_VENDOR_TYPE:
		return oidtab_oid(t, &n, &zero_dot_zero);
	case ENT_PHYS_CONTAINED_IN:
		return oidtab_int(t, &n, e->contained_in);
	case ENT_PHYS_CLASS:
		return oidtab_int(t, &n, e->cls);
	case ENT_PHYS_PARENT_REL_POS:
		return oidtab_int(t, &n, e->parent_rel_pos);
	case ENT_PHYS_NAME:
		return oidtab_string(t, &n, e->name);
	case ENT_PHYS_IS_FRU:
		return oidtab_int(t, &n, truth(e->fru));
	default:
		/* Revisions, serial, maker, model, alias, asset id: Xen
		 * does not tell rasd, and RFC 6933 says "" when unknown. */
		return oidtab_string(t, &n, "");
	}
}

/* TimeTicks since the agent started; wraps as sysUpTime does. */
static uint32_t ticks_since(uint64_t start_ms, uint64_t ms)
{
	if (ms < start_ms)
		return 0;
	return (uint32_t)((ms - start_ms) / 10);
}

static int fill_entity(struct oidtab *t, const struct state *st,
                       const struct mib_agent_counters *c)
{
	struct oid_name n;
	size_t i;
	int col;

	for (col = ENT_PHYS_DESCR; col <= ENT_PHYS_IS_FRU; col++)
		for (i = 0; i < st->n_ents; i++)
			if (phys_col(t, col, &st->ents[i]) < 0)
				return -1;
	oid_make(&n, last_change, N_ARCS(last_change), -1, -1);
	return oidtab_timeticks(t, &n,
	                        ticks_since(c->started_ms, c->last_change_ms));
}

static int state_col(struct oidtab *t, int col, const struct state_entity *e)
{
	bool up = e->oper == ENT_OPER_ENABLED;
	struct oid_name n;

	oid_make(&n, state_entry, N_ARCS(state_entry), col, e->index);
	switch (col) {
	case ENT_STATE_LAST_CHANGED:
		return put_date(t, &n, e->changed_ms);
	case ENT_STATE_ADMIN:
		return oidtab_int(t, &n, e->admin);
	case ENT_STATE_OPER:
		return oidtab_int(t, &n, e->oper);
	case ENT_STATE_USAGE:
		/* rasd measures no load: in service is all "active" says. */
		return oidtab_int(t, &n,
		                  up ? ENT_USAGE_ACTIVE : ENT_USAGE_IDLE);
	case ENT_STATE_ALARM:
		return put_bits(t, &n, e->alarm);
	default:
		return oidtab_int(t, &n,
		                  up ? ENT_STANDBY_PROVIDING_SERVICE
		                     : STANDBY_UNKNOWN);
	}
}

static int fill_state(struct oidtab *t, const struct state *st)
{
	size_t i;
	int col;

	for (col = ENT_STATE_LAST_CHANGED; col <= ENT_STATE_STANDBY; col++)
		for (i = 0; i < st->n_ents; i++)
			if (state_col(t, col, &st->ents[i]) < 0)
				return -1;
	return 0;
}

static int sensor_col(struct oidtab *t, int col, const struct state_sensor *s,
                      const struct mib_agent_counters *c)
{
	struct oid_name n;

	oid_make(&n, sensor_entry, N_ARCS(sensor_entry), col, s->ent);
	switch (col) {
	case ENT_SENSOR_TYPE:
		return oidtab_int(t, &n, s->type);
	case ENT_SENSOR_SCALE:
		return oidtab_int(t, &n, ENT_SENSOR_SCALE_UNITS);
	case ENT_SENSOR_PRECISION:
		return oidtab_int(t, &n, s->precision);
	case ENT_SENSOR_VALUE:
		return oidtab_int(t, &n, s->value);
	case ENT_SENSOR_OPER_STATUS:
		return oidtab_int(t, &n, s->status);
	case ENT_SENSOR_UNITS_DISPLAY:
		return oidtab_string(t, &n, s->units);
	case ENT_SENSOR_VALUE_TIME_STAMP:
		return oidtab_timeticks(t, &n,
		                        ticks_since(c->started_ms, s->read_ms));
	default:
		return oidtab_unsigned(t, &n, c->refresh_ms);
	}
}

static int fill_sensor(struct oidtab *t, const struct state *st,
                       const struct mib_agent_counters *c)
{
	size_t i;
	int col;

	for (col = ENT_SENSOR_TYPE; col <= ENT_SENSOR_VALUE_UPDATE_RATE; col++)
		for (i = 0; i < st->n_sensors; i++)
			if (sensor_col(t, col, &st->sensors[i], c) < 0)
				return -1;
	return 0;
}

static int host_scalar(struct oidtab *t, int s, const struct state *st,
                       const struct mib_agent_counters *c)
{
	struct oid_name n;

	oid_make(&n, host_scalars, N_ARCS(host_scalars), s, 0);
	switch (s) {
	case RASD_HOST_HEALTH:
		return oidtab_int(t, &n, st->health);
	case RASD_HOST_NAME:
		return oidtab_string(t, &n, st->host);
	case RASD_HOST_MODE:
		return oidtab_int(t, &n, st->recommend ? 2 : 1);
	case RASD_HOST_EVENTS:
		return oidtab_counter64(t, &n, st->events);
	case RASD_HOST_PAGES_OFFLINED:
		return oidtab_gauge(t, &n, sat32(st->pages_offlined));
	case RASD_HOST_CPUS_OFFLINED:
		return oidtab_gauge(t, &n, sat32(st->cpus_offlined));
	case RASD_HOST_GUESTS_EVACUATED:
		return oidtab_gauge(t, &n, sat32(st->guests_evacuated));
	case RASD_HOST_ACTIONS_FAILED:
		return oidtab_gauge(t, &n, sat32(st->actions_failed));
	case RASD_HOST_DAEMON_CONNECTED:
		return oidtab_int(t, &n, truth(c->daemon_connected));
	case RASD_HOST_NOTIFY_QUEUED:
		return oidtab_gauge(t, &n, c->notify_queued);
	case RASD_HOST_NOTIFY_DROPPED:
		return oidtab_counter32(t, &n, c->notify_dropped);
	case RASD_HOST_NOTIFY_SENT:
		return oidtab_counter32(t, &n, c->notify_sent);
	default:
		return oidtab_string(t, &n, st->boot);
	}
}

static int dimm_col(struct oidtab *t, int col, const struct state_dimm *d)
{
	struct oid_name n;

	oid_make(&n, dimm_entry, N_ARCS(dimm_entry), col, d->ent);
	switch (col) {
	case RASD_DIMM_LOCATION:
		return oidtab_string(t, &n, d->label);
	case RASD_DIMM_SOCKET:
		return oidtab_int(t, &n, d->socket);
	case RASD_DIMM_CHANNEL:
		return oidtab_int(t, &n, d->channel);
	case RASD_DIMM_STATUS:
		return oidtab_int(t, &n, d->status);
	case RASD_DIMM_FAILURE_MODES:
		return put_bits16(t, &n, d->modes);
	case RASD_DIMM_CORRECTED:
		return oidtab_counter64(t, &n, d->corrected);
	case RASD_DIMM_UNCORRECTED:
		return oidtab_counter64(t, &n, d->uncorrected);
	case RASD_DIMM_RATE:
		return oidtab_gauge(t, &n, d->rate);
	case RASD_DIMM_RATE_THRESHOLD:
		return oidtab_gauge(t, &n, d->threshold);
	case RASD_DIMM_PAGES_RETIRED:
		return oidtab_gauge(t, &n, d->pages_retired);
	default:
		return oidtab_gauge(t, &n, d->size_mib);
	}
}

static int socket_col(struct oidtab *t, int col, const struct state_socket *s)
{
	struct oid_name n;

	oid_make(&n, socket_entry, N_ARCS(socket_entry), col, s->ent);
	switch (col) {
	case RASD_SOCKET_NUMBER:
		return oidtab_int(t, &n, s->socket);
	case RASD_SOCKET_STATUS:
		return oidtab_int(t, &n, s->degraded ? 2 : 1);
	case RASD_SOCKET_CORRECTED:
		return oidtab_counter64(t, &n, s->corrected);
	case RASD_SOCKET_UNCORRECTED:
		return oidtab_counter64(t, &n, s->uncorrected);
	case RASD_SOCKET_RATE:
		return oidtab_gauge(t, &n, s->rate);
	default:
		return oidtab_gauge(t, &n, s->threshold);
	}
}

static int page_col(struct oidtab *t, int col, const struct state_page *p)
{
	struct oid_name n;

	oid_make(&n, page_entry, N_ARCS(page_entry), col, p->action);
	switch (col) {
	case RASD_PAGE_FRAME:
		return oidtab_string(t, &n, p->frame);
	case RASD_PAGE_OWNER:
		return oidtab_int(t, &n, p->owner);
	case RASD_PAGE_HV_STATUS:
		return oidtab_unsigned(t, &n, p->hv_status);
	case RASD_PAGE_HV_STATE:
		return oidtab_string(t, &n, p->hv_state);
	case RASD_PAGE_DIMM:
		return oidtab_int(t, &n, p->dimm_ent);
	case RASD_PAGE_ACTION:
		return oidtab_int(t, &n, p->action_state);
	default:
		return put_date(t, &n, p->time_ms);
	}
}

static int cpu_col(struct oidtab *t, int col, const struct state_cpu *c)
{
	struct oid_name n;

	oid_make(&n, cpu_entry, N_ARCS(cpu_entry), col, c->ent);
	switch (col) {
	case RASD_CPU_NUMBER:
		return oidtab_int(t, &n, c->cpu);
	case RASD_CPU_SOCKET:
		return oidtab_int(t, &n, c->socket);
	case RASD_CPU_CORE:
		return oidtab_int(t, &n, c->core);
	case RASD_CPU_ONLINE:
		return oidtab_int(t, &n, truth(c->online));
	case RASD_CPU_PROTECTED:
		return oidtab_int(t, &n, truth(c->protected_));
	case RASD_CPU_CORE_ERRORS:
		return oidtab_counter64(t, &n, c->core_errors);
	case RASD_CPU_RATE:
		return oidtab_gauge(t, &n, c->rate);
	case RASD_CPU_RATE_THRESHOLD:
		return oidtab_gauge(t, &n, c->threshold);
	default:
		return oidtab_int(t, &n, c->offline_action);
	}
}

static int evac_col(struct oidtab *t, int col, const struct state_evac *e,
                    const char *host)
{
	struct oid_name n;

	oid_make(&n, evac_entry, N_ARCS(evac_entry), col, e->action);
	switch (col) {
	case RASD_EVAC_GUEST_ID:
		return oidtab_unsigned(t, &n, e->domid);
	case RASD_EVAC_GUEST_NAME:
		return oidtab_string(t, &n, e->guest);
	case RASD_EVAC_FROM:
		return oidtab_string(t, &n, host);
	case RASD_EVAC_TO:
		return oidtab_string(t, &n, e->to);
	case RASD_EVAC_STATE:
		return oidtab_int(t, &n, e->action_state);
	case RASD_EVAC_STARTED:
		return put_date(t, &n, e->started_ms);
	case RASD_EVAC_UPDATED:
		return put_date(t, &n, e->updated_ms);
	case RASD_EVAC_DIMM:
		return oidtab_int(t, &n, e->dimm_ent);
	case RASD_EVAC_DETAIL:
		return oidtab_string(t, &n, e->detail);
	default:
		return oidtab_unsigned(t, &n, e->attempt);
	}
}

static int device_col(struct oidtab *t, int col, const struct state_device *v)
{
	struct oid_name n;

	oid_make(&n, device_entry, N_ARCS(device_entry), col, v->index);
	switch (col) {
	case RASD_DEVICE_NAME:
		return oidtab_string(t, &n, v->name);
	case RASD_DEVICE_SOURCE:
		return oidtab_int(t, &n, v->source);
	case RASD_DEVICE_HOST:
		return oidtab_string(t, &n, v->host);
	case RASD_DEVICE_CORRECTED:
		return oidtab_counter64(t, &n, v->corrected);
	case RASD_DEVICE_NONFATAL:
		return oidtab_counter64(t, &n, v->nonfatal);
	case RASD_DEVICE_FATAL:
		return oidtab_counter64(t, &n, v->fatal);
	default:
		return oidtab_int(t, &n, truth(v->storm));
	}
}

/*
 * Columns outside, rows inside: that is OID order, so the table is
 * filled already sorted and the lazy sort never runs.
 */
static int fill_rasd_tables(struct oidtab *t, const struct state *st)
{
	size_t i;
	int col;

	for (col = RASD_DIMM_LOCATION; col <= RASD_DIMM_SIZE_MIB; col++)
		for (i = 0; i < st->n_dimms; i++)
			if (dimm_col(t, col, &st->dimms[i]) < 0)
				return -1;
	for (col = RASD_SOCKET_NUMBER; col <= RASD_SOCKET_RATE_THRESHOLD; col++)
		for (i = 0; i < st->n_sockets; i++)
			if (socket_col(t, col, &st->sockets[i]) < 0)
				return -1;
	for (col = RASD_PAGE_FRAME; col <= RASD_PAGE_TIME; col++)
		for (i = 0; i < st->n_pages; i++)
			if (page_col(t, col, &st->pages[i]) < 0)
				return -1;
	for (col = RASD_CPU_NUMBER; col <= RASD_CPU_OFFLINE_ACTION; col++)
		for (i = 0; i < st->n_cpus; i++)
			if (cpu_col(t, col, &st->cpus[i]) < 0)
				return -1;
	for (col = RASD_EVAC_GUEST_ID; col <= RASD_EVAC_ATTEMPT; col++)
		for (i = 0; i < st->n_evacs; i++)
			if (evac_col(t, col, &st->evacs[i], st->host) < 0)
				return -1;
	for (col = RASD_DEVICE_NAME; col <= RASD_DEVICE_STORM; col++)
		for (i = 0; i < st->n_devices; i++)
			if (device_col(t, col, &st->devices[i]) < 0)
				return -1;
	return 0;
}

static int fill_rasd(struct oidtab *t, const struct state *st,
                     const struct mib_agent_counters *c)
{
	int s;

	for (s = RASD_HOST_HEALTH; s <= RASD_HOST_DAEMON_BOOT; s++)
		if (host_scalar(t, s, st, c) < 0)
			return -1;
	return fill_rasd_tables(t, st);
}

int mib_fill(struct oidtab tabs[MIB_N_VIEWS], const struct state *st,
             const struct mib_agent_counters *c)
{
	int v;

	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_clear(&tabs[v]);
	if (fill_entity(&tabs[MIB_VIEW_ENTITY], st, c) < 0 ||
	    fill_state(&tabs[MIB_VIEW_STATE], st) < 0 ||
	    fill_sensor(&tabs[MIB_VIEW_SENSOR], st, c) < 0 ||
	    fill_rasd(&tabs[MIB_VIEW_RASD], st, c) < 0)
		return -1;
	return 0;
}

/* agentx.c - the net-snmp glue: one read-only handler per view answering
 * GET/GETNEXT from its oidtab, notifications, and the master's comings. */
#include <net-snmp/net-snmp-config.h>
#include <net-snmp/net-snmp-includes.h>
#include <net-snmp/agent/net-snmp-agent-includes.h>
#include <net-snmp/agent/agent_callbacks.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentx.h"
#include "rasd_mib.h"

#define AGENTX_APP "rasd-snmp"

struct agentx {
	struct oidtab *tabs;
	agentx_link_fn fn;
	void *arg;
	bool connected;
	bool verbose;
	bool callbacks; /* INDEX_START/STOP registered */
};

static const char *view_names[MIB_N_VIEWS] = {
    "rasd-snmp ENTITY-MIB",
    "rasd-snmp ENTITY-STATE-MIB",
    "rasd-snmp ENTITY-SENSOR-MIB",
    "rasd-snmp RASD-MIB",
};

void agentx_log(int priority, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snmp_log(priority, "%s\n", buf);
}

void agentx_debug(const struct agentx *ax, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (ax == NULL || !ax->verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	snmp_log(LOG_DEBUG, "%s\n", buf);
}

/* net-snmp's oid is an unsigned long; ours are 32-bit arcs as AgentX
 * carries them. Returns the length written. */
static size_t oid_to_net(const struct oid_name *n, oid *out, size_t cap)
{
	size_t i, len = n->len < cap ? n->len : cap;

	for (i = 0; i < len; i++)
		out[i] = n->arc[i];
	return len;
}

/*
 * A request's name as ours. AgentX sub-identifiers are 32 bits, so no
 * arc can exceed UINT32_MAX; a name longer than any we serve is cut to
 * OIDTAB_MAX_LEN arcs, which finds the same successor (no entry of ours
 * is longer), and `exact` is cleared so GET answers noSuchInstance.
 */
static void oid_from_net(const oid *in, size_t n, struct oid_name *out,
                         bool *exact)
{
	size_t i;

	*exact = n <= OIDTAB_MAX_LEN;
	out->len = n <= OIDTAB_MAX_LEN ? n : OIDTAB_MAX_LEN;
	for (i = 0; i < out->len; i++)
		out->arc[i] = in[i] > UINT32_MAX ? UINT32_MAX : (uint32_t)in[i];
}

static int set_number(netsnmp_variable_list *vb, u_char type, int64_t v)
{
	long l;
	u_long u;

	if (type == ASN_INTEGER) {
		l = (long)v;
		return snmp_set_var_typed_value(vb, type, &l, sizeof(l));
	}
	/* Unsigned SMI types are 32 bits on the wire: clamp, never wrap. */
	u = v < 0 ? 0 : v > UINT32_MAX ? UINT32_MAX : (u_long)v;
	return snmp_set_var_typed_value(vb, type, &u, sizeof(u));
}

/* oid_type -> ASN.1 tag and value. Returns 0, or nonzero on failure. */
static int set_value(netsnmp_variable_list *vb, const struct oid_value *v)
{
	struct counter64 c64;
	oid o[OIDTAB_MAX_LEN];
	size_t n;

	switch (v->type) {
	case OID_T_INTEGER:
		return set_number(vb, ASN_INTEGER, v->i);
	case OID_T_UNSIGNED:
		return set_number(vb, ASN_UNSIGNED, v->i);
	case OID_T_GAUGE:
		return set_number(vb, ASN_GAUGE, v->i);
	case OID_T_COUNTER32:
		return set_number(vb, ASN_COUNTER, v->i);
	case OID_T_TIMETICKS:
		return set_number(vb, ASN_TIMETICKS, v->i);
	case OID_T_COUNTER64:
		c64.high = (u_long)(v->u >> 32);
		c64.low = (u_long)(v->u & 0xffffffffu);
		return snmp_set_var_typed_value(vb, ASN_COUNTER64, &c64,
		                                sizeof(c64));
	case OID_T_OCTETS:
		return snmp_set_var_typed_value(vb, ASN_OCTET_STR, v->s,
		                                v->s_len);
	case OID_T_OID:
		n = oid_to_net(&v->oid, o, OIDTAB_MAX_LEN);
		return snmp_set_var_typed_value(vb, ASN_OBJECT_ID, o,
		                                n * sizeof(oid));
	}
	return -1;
}

static void answer_get(struct oidtab *t, netsnmp_agent_request_info *ri,
                       netsnmp_request_info *r)
{
	const struct oid_value *v;
	struct oid_name name;
	bool exact;

	oid_from_net(r->requestvb->name, r->requestvb->name_length, &name,
	             &exact);
	v = exact ? oidtab_get(t, &name) : NULL;
	if (v == NULL || set_value(r->requestvb, v) != 0)
		netsnmp_set_request_error(ri, r, SNMP_NOSUCHINSTANCE);
}

/* Past this view's last entry the varbind is left as it came, so the
 * agent moves on to whatever is registered after us. */
static void answer_next(struct oidtab *t, netsnmp_request_info *r)
{
	const struct oid_value *v;
	struct oid_name name;
	oid o[OIDTAB_MAX_LEN];
	size_t n;
	bool exact;

	oid_from_net(r->requestvb->name, r->requestvb->name_length, &name,
	             &exact);
	v = oidtab_next(t, &name);
	if (v == NULL)
		return;
	n = oid_to_net(&v->name, o, OIDTAB_MAX_LEN);
	snmp_set_var_objid(r->requestvb, o, n);
	set_value(r->requestvb, v);
}

static int view_handler(netsnmp_mib_handler *handler,
                        netsnmp_handler_registration *reg,
                        netsnmp_agent_request_info *ri,
                        netsnmp_request_info *requests)
{
	struct oidtab *t = handler->myvoid;
	netsnmp_request_info *r;

	(void)reg;
	for (r = requests; r != NULL; r = r->next) {
		if (r->processed)
			continue;
		switch (ri->mode) {
		case MODE_GET:
			answer_get(t, ri, r);
			break;
		case MODE_GETNEXT:
			answer_next(t, r);
			break;
		default:
			/* Registered read-only: net-snmp refuses SETs before
			 * they get here; this is the belt to those braces. */
			netsnmp_set_request_error(ri, r, SNMP_ERR_NOTWRITABLE);
			break;
		}
	}
	return SNMP_ERR_NOERROR;
}

static int register_view(struct agentx *ax, enum mib_view v, char *err,
                         size_t errlen)
{
	netsnmp_handler_registration *reg;
	const struct oid_name *root = mib_view_root(v);
	oid o[OIDTAB_MAX_LEN];
	size_t n = oid_to_net(root, o, OIDTAB_MAX_LEN);

	reg = netsnmp_create_handler_registration(view_names[v], view_handler,
	                                          o, n, HANDLER_CAN_RONLY);
	if (reg == NULL) {
		snprintf(err, errlen, "%s: cannot create the registration",
		         view_names[v]);
		return -1;
	}
	reg->handler->myvoid = &ax->tabs[v];
	if (netsnmp_register_handler(reg) != MIB_REGISTERED_OK) {
		snprintf(err, errlen, "%s: registration refused",
		         view_names[v]);
		return -1;
	}
	return 0;
}

/* SNMPD_CALLBACK_INDEX_START / _STOP: net-snmp's subagent.c calls them
 * when the master session opens and when it is lost (disconnect or an
 * unanswered ping). */
static int on_index(int major, int minor, void *server, void *client)
{
	struct agentx *ax = client;
	bool up = minor == SNMPD_CALLBACK_INDEX_START;

	(void)major;
	(void)server;
	if (up == ax->connected)
		return SNMPERR_SUCCESS;
	ax->connected = up;
	ax->fn(ax->arg, up);
	return SNMPERR_SUCCESS;
}

/* Before init_agent: what kind of agent net-snmp starts as. */
static void set_role(void)
{
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID, NETSNMP_DS_AGENT_ROLE,
	                       1);
	/* Alarms run from our loop, never from SIGALRM. */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_ALARM_DONT_USE_SIG, 1);
	/* The command line is the whole configuration: no snmp.conf may
	 * move the socket, and nothing is saved under /var/lib/snmp (the
	 * agent runs unprivileged). */
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DONT_READ_CONFIGS, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DONT_PERSIST_STATE, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DISABLE_PERSISTENT_LOAD, 1);
	netsnmp_ds_set_boolean(NETSNMP_DS_LIBRARY_ID,
	                       NETSNMP_DS_LIB_DISABLE_PERSISTENT_SAVE, 1);
	/* Only numeric OIDs are served: loading MIB text would cost time
	 * and fill the log with modules this host does not have. */
	setenv("MIBS", "", 1);
}

/* After init_agent, whose AgentX set-up resets the ping interval to
 * its own default (15 s). */
static void set_link(const struct agentx_config *cfg)
{
	netsnmp_ds_set_string(NETSNMP_DS_APPLICATION_ID,
	                      NETSNMP_DS_AGENT_X_SOCKET, cfg->socket);
	netsnmp_ds_set_int(NETSNMP_DS_APPLICATION_ID,
	                   NETSNMP_DS_AGENT_AGENTX_PING_INTERVAL, cfg->ping_s);
	/* One line per change of the link, ours, not one per retry. */
	netsnmp_ds_set_boolean(NETSNMP_DS_APPLICATION_ID,
	                       NETSNMP_DS_AGENT_NO_CONNECTION_WARNINGS, 1);
}

static void start_logging(const struct agentx_config *cfg)
{
	if (cfg->log_stderr)
		snmp_enable_stderrlog();
	else
		snmp_enable_syslog_ident(AGENTX_APP, LOG_DAEMON);
}

int agentx_open(struct agentx **out, const struct agentx_config *cfg,
                struct oidtab tabs[MIB_N_VIEWS], agentx_link_fn fn, void *arg,
                char *err, size_t errlen)
{
	struct agentx *ax = calloc(1, sizeof(*ax));
	int v;

	if (ax == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ax->tabs = tabs;
	ax->fn = fn;
	ax->arg = arg;
	ax->verbose = cfg->verbose;
	start_logging(cfg);
	set_role();
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	                       SNMPD_CALLBACK_INDEX_START, on_index, ax);
	snmp_register_callback(SNMP_CALLBACK_APPLICATION,
	                       SNMPD_CALLBACK_INDEX_STOP, on_index, ax);
	ax->callbacks = true;
	if (init_agent(AGENTX_APP) != 0) {
		snprintf(err, errlen, "net-snmp: init_agent failed");
		agentx_close(ax);
		return -1;
	}
	set_link(cfg);
	for (v = 0; v < MIB_N_VIEWS; v++) {
		if (register_view(ax, (enum mib_view)v, err, errlen) < 0) {
			agentx_close(ax);
			return -1;
		}
	}
	/* Reads no files (see set_defaults); opens the master session or
	 * arms the ping alarm that retries it. */
	init_snmp(AGENTX_APP);
	*out = ax;
	return 0;
}

void agentx_close(struct agentx *ax)
{
	if (ax == NULL)
		return;
	if (ax->callbacks) {
		snmp_unregister_callback(SNMP_CALLBACK_APPLICATION,
		                         SNMPD_CALLBACK_INDEX_START, on_index,
		                         ax, 1);
		snmp_unregister_callback(SNMP_CALLBACK_APPLICATION,
		                         SNMPD_CALLBACK_INDEX_STOP, on_index,
		                         ax, 1);
	}
	snmp_shutdown(AGENTX_APP);
	shutdown_agent();
	free(ax);
}

void agentx_select(struct agentx *ax, int *nfds, fd_set *rfds,
                   struct timeval *tv, bool *forever)
{
	int block = *forever ? 1 : 0;

	(void)ax;
	snmp_select_info(nfds, rfds, tv, &block);
	*forever = block != 0;
}

void agentx_dispatch(struct agentx *ax, int count, fd_set *rfds)
{
	(void)ax;
	if (count > 0)
		snmp_read(rfds);
	else if (count == 0)
		snmp_timeout();
	run_alarms();
	netsnmp_check_outstanding_agent_requests();
}

bool agentx_connected(const struct agentx *ax)
{
	return ax->connected;
}

static int add_varbind(netsnmp_variable_list **vars, const struct oid_value *v)
{
	netsnmp_variable_list *vb;
	oid o[OIDTAB_MAX_LEN];
	size_t n = oid_to_net(&v->name, o, OIDTAB_MAX_LEN);

	vb = snmp_varlist_add_variable(vars, o, n, ASN_NULL, NULL, 0);
	if (vb == NULL)
		return -1;
	return set_value(vb, v) == 0 ? 0 : -1;
}

int agentx_send(struct agentx *ax, const struct notification *n, char *err,
                size_t errlen)
{
	static const oid trap_oid[] = {OID_SNMP_TRAP_OID};
	netsnmp_variable_list *vars = NULL;
	oid o[OIDTAB_MAX_LEN];
	size_t i, len;

	if (!ax->connected) {
		snprintf(err, errlen, "not connected to the master agent");
		return -1;
	}
	len = oid_to_net(&n->trap, o, OIDTAB_MAX_LEN);
	if (snmp_varlist_add_variable(&vars, trap_oid, OID_LENGTH(trap_oid),
	                              ASN_OBJECT_ID, o,
	                              len * sizeof(oid)) == NULL)
		goto oom;
	for (i = 0; i < n->n_vb; i++)
		if (add_varbind(&vars, &n->vb[i]) < 0)
			goto oom;
	send_v2trap(vars);
	snmp_free_varbind(vars);
	return 0;
oom:
	snmp_free_varbind(vars);
	snprintf(err, errlen, "out of memory building a notification");
	return -1;
}

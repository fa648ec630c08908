/* commands.c - what the control socket can ask: status, events, DIMMs,
 * CPUs and actions for anyone; inject and reload for root only. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands_int.h"
#include "journal_query.h"
#include "publish/report_json.h"
#include "rasd.h"

void jint(struct json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

void jstr(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
}

void jhex(struct json_object *o, const char *k, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	jstr(o, k, buf);
}

void jbool(struct json_object *o, const char *k, bool v)
{
	json_object_object_add(o, k, json_object_new_boolean(v));
}

/* Optional unsigned argument; absent leaves *out alone. */
int arg_u64(const struct control_request *req, const char *key, uint64_t *out,
            char *err, size_t errlen)
{
	struct json_object *v;
	const char *s;
	char *end;

	if (!json_object_object_get_ex(req->args, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		if (json_object_get_int64(v) < 0)
			goto bad;
		*out = (uint64_t)json_object_get_int64(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_string))
		goto bad;
	s = json_object_get_string(v);
	errno = 0;
	*out = strtoull(s, &end, 0);
	if (errno == 0 && end != s && *end == '\0' && s[0] != '-')
		return 0;
bad:
	snprintf(err, errlen, "%s: argument \"%s\" must be an unsigned number",
	         req->cmd, key);
	return -1;
}

/* "rank 0 bg 1 bank 2 row 0x1a2 col 0x40", or "unknown". */
static const char *dram_text(const struct dram_coord *c, char *buf, size_t len)
{
	dram_coord_text(c, buf, len);
	return buf;
}

/* The control server's own counts: clients, refusals, cuts. */
static struct json_object *control_json(const struct control *c)
{
	struct json_object *o = json_object_new_object();
	struct control_stats st;

	control_get_stats(c, &st);
	jint(o, "clients", (int64_t)st.clients);
	jint(o, "max_clients", (int64_t)st.max_clients);
	jint(o, "accepted", (int64_t)st.accepted);
	jint(o, "refused", (int64_t)st.refused);
	jint(o, "fd_exhausted", (int64_t)st.fd_exhausted);
	jint(o, "subscribers_cut", (int64_t)st.cut);
	jint(o, "requests", (int64_t)st.requests);
	return o;
}

/* How long the loop's turns took: a slow one kept every client waiting. */
static struct json_object *loop_json(const struct loop *lp)
{
	struct json_object *o = json_object_new_object();
	const struct loop_stats *st = loop_stats(lp);

	jint(o, "turns", (int64_t)st->turns);
	jint(o, "slow_turns", (int64_t)st->slow_turns);
	jint(o, "slow_turn_ms", LOOP_SLOW_TURN_US / 1000);
	jint(o, "slowest_turn_us", (int64_t)st->slowest_us);
	return o;
}

static int cmd_status(struct rasd *d, struct json_object *res, char *err,
                      size_t errlen)
{
	struct journal_summary s;
	struct json_object *sum = json_object_new_object(), *syslog;
	uint64_t now = clock_now_ms(&d->clock), used = 0;

	if (journal_summary(d->journal, &s) < 0) {
		json_object_put(sum);
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	jstr(res, "host", d->topo.host_name);
	jstr(res, "boot", d->boot_id);
	jint(res, "notice_seq", (int64_t)notice_ring_last(&d->notices));
	jstr(res, "backend", d->hv->ops->name);
	jstr(res, "health", rasd_health(d));
	json_status_health(d, res);
	jint(res, "now_ms", (int64_t)now);
	jint(res, "uptime_ms", (int64_t)(now - d->started_ms));
	jint(res, "clock_speed", d->clock.speed);
	jstr(res, "policy",
	     d->opt.policy_path ? d->opt.policy_path : "(built-in defaults)");
	jstr(res, "mode", d->policy.recommend_only ? "recommend" : "act");
	jstr(res, "trends_dir", d->policy.trends_dir);
	jint(res, "dimm_window_ms", (int64_t)d->policy.dimm.window_ms);
	jint(res, "records_read", (int64_t)d->records);
	jint(res, "records_invalid", (int64_t)d->records_invalid);
	jint(res, "overflows", (int64_t)d->overflows);
	/* The page table's budget ([page] table_memory) and what it cost. */
	jint(res, "pages_tracked", (int64_t)correlate_pages_tracked(d->corr));
	jint(res, "pages_forgotten",
	     (int64_t)correlate_pages_forgotten(d->corr));
	jint(res, "page_table_bytes",
	     (int64_t)correlate_page_table_bytes(d->corr));
	/* Retention ([journal] keep, max_size): what the file holds, and
	 * what has been rolled up into day counts since start. */
	if (journal_used_bytes(d->journal, &used) == 0)
		jint(res, "journal_bytes", (int64_t)used);
	jint(res, "events_rolled_up", (int64_t)d->retained_records);
	jint(sum, "events", s.events);
	jint(sum, "pages_offlined", s.pages_offlined);
	jint(sum, "cpus_offlined", s.cpus_offlined);
	jint(sum, "guests_evacuated", s.guests_evacuated);
	jint(sum, "actions_failed", s.actions_failed);
	jint(sum, "actions_pending", s.actions_pending);
	json_object_object_add(res, "summary", sum);
	syslog = json_object_new_object();
	telemetry_syslog_json(d, syslog);
	json_object_object_add(res, "syslog", syslog);
	json_object_object_add(res, "control", control_json(d->control));
	json_object_object_add(res, "loop", loop_json(d->loop));
	return 0;
}

int journal_event_json_add(void *arg, const struct journal_event *ev)
{
	struct json_object *arr = arg, *o = json_object_new_object();
	char text[256];

	jint(o, "id", ev->id);
	jint(o, "time_ms", (int64_t)ev->time_ms);
	jstr(o, "source", ev->source);
	jint(o, "cpu", ev->cpu);
	jint(o, "socket", ev->socket);
	jint(o, "bank", ev->bank);
	jstr(o, "severity", mce_severity_name(ev->severity));
	jstr(o, "kind", mce_kind_name(ev->kind));
	if (ev->channel >= 0)
		jint(o, "channel", ev->channel);
	/* Also a label for an error no DIMM's range holds (dimm -1): the
	 * map's, or "socket S controller C channel H (guess)". */
	if (ev->dimm >= 0 || ev->dimm_label[0] != '\0')
		jstr(o, "dimm", ev->dimm_label);
	jhex(o, "status", ev->rec.status);
	if (ev->rec.status & MCI_STATUS_ADDRV)
		jhex(o, "addr", ev->rec.addr);
	if (ev->page_valid)
		jhex(o, "page", ev->page);
	/* The text is made from the record when read, not kept. */
	jstr(o, "message", journal_event_describe(ev, text, sizeof(text)));
	if (ev->count > 1) {
		jint(o, "count", ev->count);
		jint(o, "span_ms", ev->span_ms);
	}
	if (ev->also[0] != '\0')
		jstr(o, "also", ev->also);
	if (ev->dram.have != 0)
		jstr(o, "dram", dram_text(&ev->dram, text, sizeof(text)));
	json_object_array_add(arr, o);
	return 0;
}

/* An optional string argument; absent leaves *out alone. */
static int arg_opt_str(const struct control_request *req, const char *key,
                       const char **out, char *err, size_t errlen)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req->args, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(err, errlen, "%s: argument \"%s\" must be a string",
		         req->cmd, key);
		return -1;
	}
	*out = json_object_get_string(v);
	return 0;
}

/*
 * How many rows a reply may carry: `limit` as asked (0: a full page),
 * at most EVENTS_PAGE_MAX. A user other than root asking for more than
 * EVENTS_USER_PAGE_MAX is refused, not trimmed, so that it knows.
 */
int arg_page_limit(const struct control_request *req, bool privileged,
                   uint64_t dflt, size_t *out, char *err, size_t errlen)
{
	uint64_t limit = dflt;

	if (arg_u64(req, "limit", &limit, err, errlen) < 0)
		return -1;
	if (!privileged && limit > EVENTS_USER_PAGE_MAX) {
		snprintf(err, errlen,
		         "%s: limit %llu is more than a user other than root "
		         "may ask for (%d a page; page on with \"before\")",
		         req->cmd, (unsigned long long)limit,
		         EVENTS_USER_PAGE_MAX);
		return -1;
	}
	if (limit == 0)
		limit = privileged ? EVENTS_PAGE_MAX : EVENTS_USER_PAGE_MAX;
	*out = limit > EVENTS_PAGE_MAX ? EVENTS_PAGE_MAX : (size_t)limit;
	return 0;
}

/* Where the page ended, for the client to go on from. */
static void events_page_end(struct json_object *res,
                            const struct event_page_end *end)
{
	if (end->next_before > 0)
		jint(res, "next_before", end->next_before);
	if (end->partial)
		jbool(res, "partial", true);
}

/*
 * Newest first, a page at a time (before: the oldest id of the last
 * page), filtered in SQL on rasd's journal file through a read-only
 * connection of its own. The page is capped, and so is the time it may
 * take: a filter that matches little of a long journal answers with
 * what it found in its slice, "partial", and where to go on.
 */
static int cmd_events(struct rasd *d, const struct control_request *req,
                      bool privileged, struct json_object *res, char *err,
                      size_t errlen)
{
	struct event_filter f = {.limit = 100};
	struct event_page_end end;
	uint64_t before = 0, slice_ns = 0;
	struct json_object *arr;

	if (arg_u64(req, "since_ms", &f.since_ms, err, errlen) < 0 ||
	    arg_u64(req, "until_ms", &f.until_ms, err, errlen) < 0 ||
	    arg_u64(req, "before", &before, err, errlen) < 0 ||
	    arg_page_limit(req, privileged, 100, &f.limit, err, errlen) < 0 ||
	    arg_opt_str(req, "dimm", &f.dimm, err, errlen) < 0 ||
	    arg_opt_str(req, "severity", &f.severity, err, errlen) < 0)
		return -1;
	f.before_id = before > INT64_MAX ? INT64_MAX : (int64_t)before;
	/* rasd asking itself (the report at exit) waits for no one. */
	if (req->conn != NULL)
		slice_ns = privileged ? EVENTS_SLICE_NS : EVENTS_USER_SLICE_NS;
	if (d->reader == NULL &&
	    journal_open_readonly(&d->reader, d->opt.journal_path, err,
	                          errlen) < 0)
		return -1;
	arr = json_object_new_array();
	json_object_object_add(res, "events", arr);
	if (journal_query_events_on(d->reader, &f, slice_ns,
	                            journal_event_json_add, arr, &end, err,
	                            errlen) < 0) {
		/* Opened afresh by the next request. */
		journal_close(d->reader);
		d->reader = NULL;
		return -1;
	}
	events_page_end(res, &end);
	return 0;
}

/* A location the DIMM's source did not give is -1, as in the map. */
static void jloc(struct json_object *o, const char *k, uint32_t v)
{
	jint(o, k, v == UINT32_MAX ? -1 : (int64_t)v);
}

/* Where the DIMM's identity came from, and the firmware's own, if any. */
static void dimm_identity(struct json_object *o, const struct dimm_info *info)
{
	jstr(o, "source", info->source);
	if (info->locator[0] != '\0')
		jstr(o, "locator", info->locator);
	if (info->serial[0] != '\0')
		jstr(o, "serial", info->serial);
	if (info->part[0] != '\0')
		jstr(o, "part", info->part);
	if (info->named_by[0] != '\0')
		jstr(o, "named_by", info->named_by);
}

/* The fault mode of the distinct DRAM cells in error in the window. */
static void dimm_mode_json(const struct rasd *d, int32_t dimm, uint64_t now,
                           struct json_object *o)
{
	uint32_t cells = 0;
	enum dram_mode m = correlate_dimm_mode(d->corr, dimm, now, &cells);

	jstr(o, "fault_mode", dram_mode_name(m));
	jint(o, "cells_in_window", cells);
	json_object_object_add(
	    o, "address_map",
	    json_object_new_boolean(correlate_dram_mapped(d->corr, dimm)));
}

static int cmd_dimms(struct rasd *d, struct json_object *res)
{
	struct json_object *arr = json_object_new_array();
	uint64_t now = clock_now_ms(&d->clock);
	size_t i;

	hosthealth_dimm_temps(d);
	for (i = 0; i < d->n_dimms; i++) {
		struct json_object *o = json_object_new_object();
		const struct hv_dimm *m = &d->dimms[i];

		jint(o, "id", m->id);
		jstr(o, "label", m->label);
		dimm_identity(o, &d->dimm_info[i]);
		jloc(o, "socket", m->socket);
		jloc(o, "controller", m->controller);
		jloc(o, "channel", m->channel);
		jloc(o, "slot", m->slot);
		jhex(o, "start", m->start);
		jint(o, "size_mib", (int64_t)(m->size >> 20));
		jstr(o, "state", d->dimm_health[i].state);
		jint(o, "errors",
		     (int64_t)correlate_dimm_errors(d->corr, (int32_t)i));
		jint(o, "uncorrected", (int64_t)d->dimm_health[i].ue);
		jint(o, "pages_in_window",
		     correlate_dimm_level(d->corr, (int32_t)i, now));
		jint(o, "threshold", d->policy.dimm.limit);
		jint(o, "warn", d->policy.dimm_warn);
		jint(o, "pages_retired",
		     (int64_t)actions_dimm_pages_retired(d, (int32_t)i));
		dimm_mode_json(d, (int32_t)i, now, o);
		dimm_health_json(d, i, o);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "dimms", arr);
	return 0;
}

static int cmd_cpus(struct rasd *d, struct json_object *res)
{
	struct json_object *arr = json_object_new_array();
	uint64_t now = clock_now_ms(&d->clock);
	size_t i;

	for (i = 0; i < d->n_cpus; i++) {
		struct json_object *o = json_object_new_object();
		uint32_t cpu = d->cpu_list[i].cpu;

		jint(o, "cpu", cpu);
		jint(o, "socket", d->cpu_list[i].socket);
		jint(o, "core", d->cpu_list[i].core);
		jint(o, "thread", d->cpu_list[i].thread);
		jbool(o, "online", cpu_offline_is_online(d->cpus, cpu));
		jbool(o, "protected", policy_cpu_protected(&d->policy, cpu));
		jint(o, "core_errors",
		     (int64_t)cpu_offline_core_errors(d->cpus, cpu));
		jint(o, "errors_in_window",
		     cpu_offline_core_level(d->cpus, cpu, now));
		jint(o, "threshold", d->policy.core.limit);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "cpus", arr);
	return 0;
}

static int cmd_sockets(struct rasd *d, struct json_object *res)
{
	struct json_object *arr = json_object_new_array();
	uint64_t now = clock_now_ms(&d->clock);
	uint32_t s;

	for (s = 0; s < d->topo.nr_sockets; s++) {
		struct json_object *o = json_object_new_object();

		jint(o, "socket", s);
		jstr(o, "state", d->socket_state[s] ? "degraded" : "ok");
		jint(o, "corrected",
		     (int64_t)correlate_socket_errors(d->corr, s));
		jint(o, "uncorrected", (int64_t)d->socket_ue[s]);
		jint(o, "errors_in_window",
		     correlate_socket_level(d->corr, s, now));
		jint(o, "threshold", d->policy.socket.limit);
		json_object_array_add(arr, o);
	}
	json_object_object_add(res, "sockets", arr);
	return 0;
}

/* A journal walk filling a JSON array, with the daemon at hand. */
struct walk {
	struct rasd *d;
	struct json_object *arr;
};

/* Offlined pages as the hypervisor sees them now, not as journaled. */
static int page_to_json(void *arg, const struct journal_action *a)
{
	struct walk *w = arg;
	struct rasd *d = w->d;
	struct json_object *o;
	struct hv_page_status st;
	int32_t dimm;

	if (a->kind != ACTION_PAGE_OFFLINE)
		return 0;
	o = json_object_new_object();
	jint(o, "action", a->id);
	jhex(o, "page", a->target);
	jstr(o, "state", action_state_name(a->state));
	dimm = correlate_dimm_of(d->corr, a->target << 12);
	jstr(o, "dimm", dimm >= 0 ? d->dimms[dimm].label : "");
	memset(&st, 0, sizeof(st));
	if (d->hv->ops->page_query(d->hv, a->target, &st) < 0) {
		jint(o, "owner", -1);
		jint(o, "hv_status", 0);
		jstr(o, "hv_state", "unknown");
	} else {
		jint(o, "owner",
		     st.owner == HV_OWNER_DOMAIN || st.owner == HV_OWNER_DOM0
		         ? (int64_t)st.domid
		         : -1);
		jint(o, "hv_status", st.raw);
		jstr(o, "hv_state", hv_page_state_name(st.state));
		jstr(o, "hv_owner", hv_page_owner_name(st.owner));
	}
	jint(o, "updated_ms", (int64_t)a->updated_ms);
	json_object_array_add(w->arr, o);
	return 0;
}

static int cmd_pages(struct rasd *d, struct json_object *res, char *err,
                     size_t errlen)
{
	struct walk w = {d, json_object_new_array()};

	json_object_object_add(res, "pages", w.arr);
	if (journal_actions_each(d->journal, false, page_to_json, &w) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	return 0;
}

static void backlog_add(void *arg, const struct notice *n)
{
	json_object_array_add(arg, notice_to_json(n));
}

/*
 * The stream of notices: what the ring still holds after `since` comes
 * in the reply, the rest as lines. A different boot id means rasd
 * restarted and the subscriber's numbers mean nothing here any more.
 */
static int cmd_subscribe(struct rasd *d, const struct control_request *req,
                         struct json_object *res, char *err, size_t errlen)
{
	struct json_object *arr, *v;
	uint64_t since = 0, missed;

	if (arg_u64(req, "since", &since, err, errlen) < 0)
		return -1;
	if (json_object_object_get_ex(req->args, "boot", &v) &&
	    (!json_object_is_type(v, json_type_string) ||
	     strcmp(json_object_get_string(v), d->boot_id) != 0))
		since = 0;
	if (control_subscribe(req) < 0) {
		snprintf(err, errlen, "subscribe: needs a connection");
		return -1;
	}
	arr = json_object_new_array();
	missed = notice_ring_since(&d->notices, since, backlog_add, arr);
	jstr(res, "boot", d->boot_id);
	jint(res, "seq", (int64_t)notice_ring_last(&d->notices));
	jint(res, "missed", (int64_t)missed);
	json_object_object_add(res, "backlog", arr);
	log_msg(&d->log, LOG_INFO, "control",
	        "subscriber from notice %llu (%zu in backlog, %llu missed)",
	        (unsigned long long)since, json_object_array_length(arr),
	        (unsigned long long)missed);
	return 0;
}

/* A guest that left keeps its name in the evacuation job that moved it. */
static const char *guest_name(struct rasd *d, uint64_t domid, char *buf,
                              size_t len)
{
	const char *kept = actions_job_name(d, domid);

	return kept ? kept : rasd_domain_name(d, (uint32_t)domid, buf, len);
}

static int action_to_json(void *arg, const struct journal_action *a)
{
	struct walk *w = arg;

	journal_action_json_add(w->arr, w->d, a);
	return 0;
}

void journal_action_json_add(struct json_object *arr, struct rasd *d,
                             const struct journal_action *a)
{
	struct json_object *o = json_object_new_object();
	char name[HV_NAME_MAX];

	jint(o, "id", a->id);
	jstr(o, "kind", action_kind_name(a->kind));
	jstr(o, "state", action_state_name(a->state));
	if (a->kind == ACTION_PAGE_OFFLINE)
		jhex(o, "target", a->target);
	else
		jint(o, "target", (int64_t)a->target);
	if (a->peer[0])
		jstr(o, "peer", a->peer);
	jstr(o, "component", a->component);
	jstr(o, "reason", a->reason);
	jstr(o, "detail", a->detail);
	if (a->kind == ACTION_MIGRATE) {
		if (d != NULL)
			jstr(o, "guest",
			     guest_name(d, a->target, name, sizeof(name)));
		jint(o, "attempt", a->attempt);
		jint(o, "parent_id", a->parent_id);
		jint(o, "progress", a->progress);
		if (a->mode[0])
			jstr(o, "mode", a->mode);
		if (a->downtime_ms)
			jint(o, "downtime_ms", (int64_t)a->downtime_ms);
	}
	jint(o, "event_id", a->event_id);
	jint(o, "created_ms", (int64_t)a->created_ms);
	jint(o, "updated_ms", (int64_t)a->updated_ms);
	json_object_array_add(arr, o);
}

static int cmd_actions(struct rasd *d, struct json_object *res, char *err,
                       size_t errlen)
{
	struct walk w = {d, json_object_new_array()};

	json_object_object_add(res, "actions", w.arr);
	if (journal_actions_each(d->journal, false, action_to_json, &w) < 0) {
		snprintf(err, errlen, "journal: %s", journal_error(d->journal));
		return -1;
	}
	return 0;
}

static int cmd_inject(struct rasd *d, const struct control_request *req,
                      struct json_object *res, char *err, size_t errlen)
{
	struct mce_record r;
	uint64_t cpu = 0, bank = 0, status = 0, addr = 0, misc = 0, mcg = 0;
	bool direct = false;

	if (arg_bool(req, "direct", &direct, err, errlen) < 0)
		return -1;
	if (!direct && d->hv->ops->inject == NULL) {
		snprintf(
		    err, errlen,
		    "inject: the %s backend cannot plant records (--direct "
		    "hands the record to rasd itself)",
		    d->hv->ops->name);
		return -1;
	}
	if (arg_u64(req, "cpu", &cpu, err, errlen) < 0 ||
	    arg_u64(req, "bank", &bank, err, errlen) < 0 ||
	    arg_u64(req, "status", &status, err, errlen) < 0 ||
	    arg_u64(req, "addr", &addr, err, errlen) < 0 ||
	    arg_u64(req, "misc", &misc, err, errlen) < 0 ||
	    arg_u64(req, "mcgstatus", &mcg, err, errlen) < 0)
		return -1;
	if (!(status & MCI_STATUS_VAL)) {
		snprintf(err, errlen,
		         "inject: status 0x%llx lacks VAL (bit 63)",
		         (unsigned long long)status);
		return -1;
	}
	if (bank > 255) {
		snprintf(err, errlen, "inject: bank %llu out of range",
		         (unsigned long long)bank);
		return -1;
	}
	if (cpu > UINT32_MAX ||
	    rasd_record_init(d, (uint32_t)cpu, (uint8_t)bank, status, &r) < 0) {
		snprintf(err, errlen, "inject: no cpu %llu on this host",
		         (unsigned long long)cpu);
		return -1;
	}
	r.addr = addr;
	r.misc = misc;
	r.mcgstatus = mcg;
	if (direct)
		return inject_direct(d, &r, res, err, errlen);
	if (d->hv->ops->inject(d->hv, &r) < 0) {
		snprintf(err, errlen, "inject: %s", d->hv->err);
		return -1;
	}
	jbool(res, "queued", true);
	return 0;
}

static int cmd_reload(struct rasd *d, struct json_object *res, char *err,
                      size_t errlen)
{
	if (rasd_reload(d, err, errlen) < 0)
		return -1;
	jstr(res, "policy", d->opt.policy_path);
	return 0;
}

int commands_handle(void *arg, const struct control_request *req,
                    bool privileged, struct json_object *result, char *err,
                    size_t errlen)
{
	struct rasd *d = arg;
	const char *cmd = req->cmd;

	if (!strcmp(cmd, "status"))
		return cmd_status(d, result, err, errlen);
	if (!strcmp(cmd, "events"))
		return cmd_events(d, req, privileged, result, err, errlen);
	if (!strcmp(cmd, "dimms"))
		return cmd_dimms(d, result);
	if (!strcmp(cmd, "cpus"))
		return cmd_cpus(d, result);
	if (!strcmp(cmd, "actions"))
		return cmd_actions(d, result, err, errlen);
	if (!strcmp(cmd, "sockets"))
		return cmd_sockets(d, result);
	if (!strcmp(cmd, "pages"))
		return cmd_pages(d, result, err, errlen);
	if (!strcmp(cmd, "subscribe"))
		return cmd_subscribe(d, req, result, err, errlen);
	if (!strcmp(cmd, "health"))
		return cmd_health(d, req, privileged, result, err, errlen);
	if (!strcmp(cmd, "sensors"))
		return cmd_sensors(d, result);
	if (!strcmp(cmd, "pcie"))
		return cmd_pcie(d, req, result, err, errlen);
	if (strcmp(cmd, "inject") && strcmp(cmd, "reload") &&
	    strcmp(cmd, "selftest") && strcmp(cmd, "page") &&
	    strcmp(cmd, "cpu")) {
		snprintf(err, errlen,
		         "unknown command '%s' (status, events, dimms, "
		         "sockets, cpus, actions, pages, health, sensors, "
		         "pcie, subscribe, inject, reload, selftest, page, "
		         "cpu)",
		         cmd);
		return -1;
	}
	if (!privileged) {
		snprintf(err, errlen, "%s: permission denied (root only)", cmd);
		return -1;
	}
	if (!strcmp(cmd, "selftest"))
		return cmd_selftest(d, result, err, errlen);
	if (!strcmp(cmd, "page"))
		return cmd_page(d, req, result, err, errlen);
	if (!strcmp(cmd, "cpu"))
		return cmd_cpu(d, req, result, err, errlen);
	if (!strcmp(cmd, "inject")) {
		int rc = cmd_inject(d, req, result, err, errlen);

		log_msg(&d->log, rc == 0 ? LOG_NOTICE : LOG_WARNING, "control",
		        "inject: %s", rc == 0 ? "record queued" : err);
		return rc;
	}
	return cmd_reload(d, result, err, errlen);
}

/* Ask ourselves what rasctl would ask, to share its report path. */
static struct json_object *ask(struct rasd *d, const char *cmd)
{
	struct control_request req;
	struct json_object *res = json_object_new_object();
	char err[256];

	memset(&req, 0, sizeof(req));
	snprintf(req.cmd, sizeof(req.cmd), "%s", cmd);
	req.root = json_object_new_object();
	req.args = req.root;
	if (commands_handle(d, &req, false, res, err, sizeof(err)) < 0) {
		log_msg(&d->log, LOG_ERR, "report", "%s: %s", cmd, err);
		json_object_put(res);
		res = NULL;
	}
	json_object_put(req.root);
	return res;
}

int rasd_write_report(struct rasd *d, const char *dir, char *err, size_t errlen)
{
	struct report_inputs in;
	char warn[1024];
	int rc = -1;

	telemetry_flush(d);
	in.status = ask(d, "status");
	in.dimms = ask(d, "dimms");
	in.cpus = ask(d, "cpus");
	in.events = ask(d, "events");
	in.actions = ask(d, "actions");
	if (in.status && in.dimms && in.cpus && in.events && in.actions)
		rc = report_build(&in, dir, warn, sizeof(warn), err, errlen);
	else
		snprintf(err, errlen, "could not gather the report's data");
	if (rc == 0 && warn[0] != '\0')
		log_msg(&d->log, LOG_WARNING, "report", "%s", warn);
	json_object_put(in.status);
	json_object_put(in.dimms);
	json_object_put(in.cpus);
	json_object_put(in.events);
	json_object_put(in.actions);
	return rc;
}

/* rasctl.c - the operator's client: asks rasd over its control socket and
 * prints tables (or JSON), and decodes record files without a daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../mce/dimm_map.h"
#include "../mce/mce.h"
#include "../mce/mce_text.h"
#include "control.h"
#include "journal_query.h"
#include "policy.h"
#include "publish/jsonline.h"
#include "publish/report_json.h"
#include "rasctl_int.h"

const char *jget_str(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return "";
	return json_object_get_string(v);
}

long long jget_int(struct json_object *o, const char *k)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return 0;
	return (long long)json_object_get_int64(v);
}

struct json_object *jget(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	json_object_object_get_ex(o, k, &v);
	return v;
}

/* Call rasd; on success *result is the reply's "result" (owned by reply). */
int call(const struct rasctl *rc, const char *cmd, struct json_object *args,
         struct json_object **reply, struct json_object **result)
{
	char err[512];
	int fd = control_client_connect(rc->socket_path, err, sizeof(err));

	if (fd < 0) {
		fprintf(stderr, "rasctl: %s\n", err);
		return -1;
	}
	if (control_client_call(fd, cmd, args, reply, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: %s\n", err);
		close(fd);
		return -1;
	}
	close(fd);
	if (!json_object_get_boolean(jget(*reply, "ok"))) {
		fprintf(stderr, "rasctl: %s: %s\n", cmd,
		        jget_str(*reply, "error"));
		json_object_put(*reply);
		return -1;
	}
	*result = jget(*reply, "result");
	return 0;
}

void print_json(struct json_object *o)
{
	printf("%s\n", json_object_to_json_string_ext(
	                   o, JSON_C_TO_STRING_PRETTY |
	                          JSON_C_TO_STRING_NOSLASHESCAPE));
}

static void print_syslog(struct json_object *sl)
{
	const char *err;

	if (sl == NULL)
		return;
	printf("syslog:           %s", jget_str(sl, "transport"));
	if (jget(sl, "sent") != NULL)
		printf(", %lld sent, %lld queued, %lld dropped, %lld folded%s",
		       jget_int(sl, "sent"), jget_int(sl, "queued"),
		       jget_int(sl, "dropped"), jget_int(sl, "folded"),
		       json_object_get_boolean(jget(sl, "connected"))
		           ? ""
		           : " (not connected)");
	err = jget_str(sl, "last_error");
	printf("%s%s\n", *err ? "; last error: " : "", err);
}

static void print_status(struct json_object *r)
{
	struct json_object *s = jget(r, "summary");

	printf("host:             %s (%s backend)\n", jget_str(r, "host"),
	       jget_str(r, "backend"));
	printf("health:           %s\n", jget_str(r, "health"));
	printf("policy:           %s (%s)\n", jget_str(r, "policy"),
	       jget_str(r, "mode"));
	printf("records read:     %lld (%lld invalid, %lld overflows)\n",
	       jget_int(r, "records_read"), jget_int(r, "records_invalid"),
	       jget_int(r, "overflows"));
	printf("events:           %lld\n", jget_int(s, "events"));
	printf("pages offlined:   %lld\n", jget_int(s, "pages_offlined"));
	printf("cpus offlined:    %lld\n", jget_int(s, "cpus_offlined"));
	printf("guests evacuated: %lld\n", jget_int(s, "guests_evacuated"));
	printf("actions failed:   %lld (pending %lld)\n",
	       jget_int(s, "actions_failed"), jget_int(s, "actions_pending"));
	print_syslog(jget(r, "syslog"));
}

static void print_events(struct json_object *r)
{
	struct json_object *arr = jget(r, "events");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%-6s %-10s %-12s %4s %4s %-14s %-12s %s\n", "ID", "SEVERITY",
	       "KIND", "CPU", "BANK", "DIMM", "PAGE", "MESSAGE");
	for (i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(arr, i);

		printf("%-6lld %-10s %-12s %4lld %4lld %-14s %-12s %s\n",
		       jget_int(e, "id"), jget_str(e, "severity"),
		       jget_str(e, "kind"), jget_int(e, "cpu"),
		       jget_int(e, "bank"),
		       *jget_str(e, "dimm") ? jget_str(e, "dimm") : "-",
		       *jget_str(e, "page") ? jget_str(e, "page") : "-",
		       jget_str(e, "message"));
	}
}

static void print_dimms(struct json_object *r)
{
	struct json_object *arr = jget(r, "dimms");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%-16s %-7s %6s %4s %7s %-11s %-13s %7s %4s %-9s %4s %-6s "
	       "%s\n",
	       "DIMM", "SOURCE", "SOCKET", "CH", "SIZE", "STATE", "FAULT-MODE",
	       "ERRORS", "UE", "PAGES/24H", "BMC", "TEMP", "NAMED-BY");
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		char pages[32], temp[16] = "-", mode[32] = "-";

		snprintf(pages, sizeof(pages), "%lld/%lld",
		         jget_int(m, "pages_in_window"),
		         jget_int(m, "threshold"));
		/* The shape of its errors, and how many distinct cells. */
		if (strcmp(jget_str(m, "fault_mode"), "none") != 0 &&
		    *jget_str(m, "fault_mode"))
			snprintf(mode, sizeof(mode), "%s/%lld",
			         jget_str(m, "fault_mode"),
			         jget_int(m, "cells_in_window"));
		/* Beside the error rate: a hot DIMM errs more. */
		if (jget(m, "temp_c") != NULL)
			snprintf(temp, sizeof(temp), "%.1fC",
			         json_object_get_double(jget(m, "temp_c")));
		printf("%-16s %-7s %6lld %4lld %6lldM %-11s %-13s %7lld %4lld "
		       "%-9s %4lld %-6s %s\n",
		       jget_str(m, "label"), jget_str(m, "source"),
		       jget_int(m, "socket"), jget_int(m, "channel"),
		       jget_int(m, "size_mib"), jget_str(m, "state"), mode,
		       jget_int(m, "errors"), jget_int(m, "uncorrected"), pages,
		       jget_int(m, "bmc_events"), temp,
		       *jget_str(m, "named_by") ? jget_str(m, "named_by")
		                                : "-");
	}
}

static void print_cpus(struct json_object *r)
{
	struct json_object *arr = jget(r, "cpus");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%4s %6s %4s %6s %-7s %-9s %6s %s\n", "CPU", "SOCKET", "CORE",
	       "THREAD", "ONLINE", "PROTECTED", "ERRORS", "IN-WINDOW");
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);

		printf(
		    "%4lld %6lld %4lld %6lld %-7s %-9s %6lld %lld/%lld\n",
		    jget_int(c, "cpu"), jget_int(c, "socket"),
		    jget_int(c, "core"), jget_int(c, "thread"),
		    json_object_get_boolean(jget(c, "online")) ? "yes" : "no",
		    json_object_get_boolean(jget(c, "protected")) ? "yes"
		                                                  : "no",
		    jget_int(c, "core_errors"), jget_int(c, "errors_in_window"),
		    jget_int(c, "threshold"));
	}
}

static void print_actions(struct json_object *r)
{
	struct json_object *arr = jget(r, "actions");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%-5s %-12s %-11s %-12s %-8s %s\n", "ID", "KIND", "STATE",
	       "TARGET", "PEER", "DETAIL");
	for (i = 0; i < n; i++) {
		struct json_object *a = json_object_array_get_idx(arr, i);
		const char *detail = jget_str(a, "detail");

		printf("%-5lld %-12s %-11s %-12s %-8s %s\n", jget_int(a, "id"),
		       jget_str(a, "kind"), jget_str(a, "state"),
		       jget_str(a, "target"),
		       *jget_str(a, "peer") ? jget_str(a, "peer") : "-",
		       *detail ? detail : jget_str(a, "reason"));
	}
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end != '\0' || s[0] == '-') ? -1 : 0;
}

/*
 * "--since 1h" is relative to the daemon's clock, which may run fast;
 * with -j (rasd down) to this machine's.
 */
static int time_arg(const struct rasctl *rc, const char *opt, const char *s,
                    uint64_t *out)
{
	struct json_object *reply, *res;
	struct timespec ts;
	uint64_t ago;

	if (parse_u64(s, out) == 0)
		return 0;
	if (policy_parse_duration(s, &ago) < 0) {
		fprintf(stderr,
		        "rasctl: events: --%s '%s': want epoch ms or a "
		        "duration such as 1h\n",
		        opt, s);
		return -1;
	}
	if (rc->journal_path != NULL) {
		clock_gettime(CLOCK_REALTIME, &ts);
		*out =
		    (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	} else {
		if (call(rc, "status", NULL, &reply, &res) < 0)
			return -1;
		*out = (uint64_t)jget_int(res, "now_ms");
		json_object_put(reply);
	}
	*out = *out > ago ? *out - ago : 0;
	return 0;
}

static bool severity_known(const char *s)
{
	int i;

	for (i = 0; i <= MCE_SEV_FATAL; i++)
		if (!strcmp(s, mce_severity_name((enum mce_severity)i)))
			return true;
	return false;
}

static const struct option events_opts[] = {
    {"since", required_argument, NULL, 'S'},
    {"until", required_argument, NULL, 'U'},
    {"dimm", required_argument, NULL, 'd'},
    {"severity", required_argument, NULL, 'v'},
    {"limit", required_argument, NULL, 'l'},
    {"before", required_argument, NULL, 'b'},
    {NULL, 0, NULL, 0},
};

static int number_opt(const char *cmd, const char *opt, const char *v,
                      uint64_t *out)
{
	if (parse_u64(v, out) == 0)
		return 0;
	fprintf(stderr, "rasctl: %s: --%s '%s' is not a number\n", cmd, opt, v);
	return -1;
}

/* The options into a filter; the strings stay argv's. */
static int events_filter(const struct rasctl *rc, int argc, char **argv,
                         struct event_filter *f)
{
	uint64_t v;
	int c;

	f->limit = 100;
	optind = 0;
	while ((c = rasctl_getopt(argc, argv, events_opts)) != -1) {
		if (c == 'S' && time_arg(rc, "since", optarg, &f->since_ms) < 0)
			return -1;
		if (c == 'U' && time_arg(rc, "until", optarg, &f->until_ms) < 0)
			return -1;
		if (c == 'd')
			f->dimm = optarg;
		if (c == 'v' && !severity_known(optarg)) {
			fprintf(
			    stderr,
			    "rasctl: events: --severity '%s': want "
			    "corrected, deferred, ucna, srao, srar or fatal\n",
			    optarg);
			return -1;
		}
		if (c == 'v')
			f->severity = optarg;
		if ((c == 'l' || c == 'b') &&
		    number_opt("events", c == 'l' ? "limit" : "before", optarg,
		               &v) < 0)
			return -1;
		if (c == 'l')
			f->limit = (size_t)v;
		if (c == 'b')
			f->before_id = v > INT64_MAX ? INT64_MAX : (int64_t)v;
		if (c == '?')
			return -1;
	}
	if (optind != argc) {
		fprintf(stderr, "rasctl: events: unexpected '%s'\n",
		        argv[optind]);
		return -1;
	}
	return 0;
}

static void filter_to_args(const struct event_filter *f,
                           struct json_object *args)
{
	if (f->since_ms)
		json_object_object_add(
		    args, "since_ms",
		    json_object_new_int64((int64_t)f->since_ms));
	if (f->until_ms)
		json_object_object_add(
		    args, "until_ms",
		    json_object_new_int64((int64_t)f->until_ms));
	if (f->dimm)
		json_object_object_add(args, "dimm",
		                       json_object_new_string(f->dimm));
	if (f->severity)
		json_object_object_add(args, "severity",
		                       json_object_new_string(f->severity));
	if (f->before_id)
		json_object_object_add(args, "before",
		                       json_object_new_int64(f->before_id));
	json_object_object_add(args, "limit",
	                       json_object_new_int64((int64_t)f->limit));
}

/* One page as rasd answers it; *res is its result (a new reference). */
static int events_ask(const struct rasctl *rc, const struct event_filter *f,
                      struct json_object **res)
{
	struct json_object *args = json_object_new_object(), *reply, *r;
	int rv;

	filter_to_args(f, args);
	rv = call(rc, "events", args, &reply, &r);
	json_object_put(args);
	if (rv < 0)
		return -1;
	*res = json_object_get(r);
	json_object_put(reply);
	return 0;
}

/*
 * rasd answers within a time slice: a page it could not fill in time
 * is "partial", to be asked on from next_before until it is full or the
 * journal's start is reached.
 */
static int events_follow(const struct rasctl *rc, struct event_filter f,
                         struct json_object *out)
{
	struct json_object *arr = jget(out, "events"), *more, *a, *p;
	size_t i, n;

	while ((p = jget(out, "partial")) != NULL &&
	       json_object_get_boolean(p) && jget_int(out, "next_before") > 0 &&
	       (n = json_object_array_length(arr)) < f.limit) {
		/* rasd promises progress; an older one might not. */
		if (f.before_id != 0 &&
		    jget_int(out, "next_before") >= f.before_id) {
			fprintf(stderr, "rasctl: events: rasd's pages do not "
			                "advance\n");
			return -1;
		}
		f.before_id = jget_int(out, "next_before");
		f.limit -= n;
		if (events_ask(rc, &f, &more) < 0)
			return -1;
		a = jget(more, "events");
		for (i = 0; a != NULL && i < json_object_array_length(a); i++)
			json_object_array_add(
			    arr,
			    json_object_get(json_object_array_get_idx(a, i)));
		f.limit += n;
		json_object_object_del(out, "partial");
		json_object_object_del(out, "next_before");
		if ((p = jget(more, "partial")) != NULL)
			json_object_object_add(out, "partial",
			                       json_object_get(p));
		if ((p = jget(more, "next_before")) != NULL)
			json_object_object_add(out, "next_before",
			                       json_object_get(p));
		json_object_put(more);
	}
	json_object_object_del(out, "partial");
	return 0;
}

/* The reply's shape, {"events": [...]}, from rasd or from the file. */
static int events_fetch(const struct rasctl *rc, const struct event_filter *f,
                        struct json_object **out)
{
	struct json_object *arr;
	char err[512];

	if (rc->journal_path != NULL) {
		*out = json_object_new_object();
		arr = json_object_new_array();
		json_object_object_add(*out, "events", arr);
		if (journal_query_events(rc->journal_path, f,
		                         journal_event_json_add, arr, err,
		                         sizeof(err)) == 0)
			return 0;
		fprintf(stderr, "rasctl: events: %s\n", err);
		json_object_put(*out);
		return -1;
	}
	if (events_ask(rc, f, out) < 0)
		return -1;
	if (events_follow(rc, *f, *out) < 0) {
		json_object_put(*out);
		return -1;
	}
	return 0;
}

int rasctl_run_events(const struct rasctl *rc, int argc, char **argv)
{
	struct event_filter f = {0};
	struct json_object *res, *arr;
	size_t n;

	if (events_filter(rc, argc, argv, &f) < 0)
		return 2;
	if (events_fetch(rc, &f, &res) < 0)
		return 1;
	arr = jget(res, "events");
	n = arr ? json_object_array_length(arr) : 0;
	if (rc->json) {
		print_json(res);
	} else {
		print_events(res);
		/* A full page may have older ones behind it. */
		if (n > 0 && n == f.limit)
			fprintf(stderr, "rasctl: older events: --before %lld\n",
			        jget_int(json_object_array_get_idx(arr, n - 1),
			                 "id"));
	}
	json_object_put(res);
	return 0;
}

static const struct option inject_opts[] = {
    {"cpu", required_argument, NULL, 0},
    {"bank", required_argument, NULL, 1},
    {"status", required_argument, NULL, 2},
    {"addr", required_argument, NULL, 3},
    {"misc", required_argument, NULL, 4},
    {"mcgstatus", required_argument, NULL, 5},
    {"direct", no_argument, NULL, 'D'},
    {NULL, 0, NULL, 0},
};

static int build_inject_args(int argc, char **argv, struct json_object *args)
{
	uint64_t v;
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, inject_opts)) != -1) {
		if (c == '?')
			return -1;
		if (c == 'D') {
			json_object_object_add(args, "direct",
			                       json_object_new_boolean(true));
			continue;
		}
		if (number_opt("inject", inject_opts[c].name, optarg, &v) < 0)
			return -1;
		/* Sent as strings so 64-bit status words survive JSON. */
		json_object_object_add(args, inject_opts[c].name,
		                       json_object_new_string(optarg));
	}
	if (optind != argc) {
		fprintf(stderr, "rasctl: inject: unexpected '%s'\n",
		        argv[optind]);
		return -1;
	}
	if (!json_object_object_get_ex(args, "status", NULL)) {
		fprintf(stderr, "rasctl: inject needs at least --status\n");
		return -1;
	}
	return 0;
}

static void print_sockets(struct json_object *r)
{
	struct json_object *arr = jget(r, "sockets");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%6s %-9s %9s %11s %s\n", "SOCKET", "STATE", "CORRECTED",
	       "UNCORRECTED", "IN-WINDOW");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		printf("%6lld %-9s %9lld %11lld %lld/%lld\n",
		       jget_int(o, "socket"), jget_str(o, "state"),
		       jget_int(o, "corrected"), jget_int(o, "uncorrected"),
		       jget_int(o, "errors_in_window"),
		       jget_int(o, "threshold"));
	}
}

static void print_pages(struct json_object *r)
{
	struct json_object *arr = jget(r, "pages");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%-5s %-14s %-11s %-14s %-10s %6s %s\n", "ID", "FRAME", "ACTION",
	       "DIMM", "HV-STATE", "OWNER", "STATUS");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		char owner[16] = "-";

		if (jget_int(o, "owner") >= 0)
			snprintf(owner, sizeof(owner), "dom%lld",
			         jget_int(o, "owner"));
		printf("%-5lld %-14s %-11s %-14s %-10s %6s 0x%llx\n",
		       jget_int(o, "action"), jget_str(o, "page"),
		       jget_str(o, "state"),
		       *jget_str(o, "dimm") ? jget_str(o, "dimm") : "-",
		       jget_str(o, "hv_state"), owner,
		       (unsigned long long)jget_int(o, "hv_status"));
	}
}

/* One notice as a line: number, msgid, text, then its fields. */
static void print_notice(const struct rasctl *rc, struct json_object *n)
{
	struct json_object *fields = jget(n, "fields");

	if (rc->json) {
		printf("%s\n", json_object_to_json_string_ext(
		                   n, JSON_C_TO_STRING_PLAIN));
		fflush(stdout);
		return;
	}
	printf("%-6lld %-8s %s", jget_int(n, "seq"), jget_str(n, "msgid"),
	       jget_str(n, "text"));
	if (fields != NULL) {
		json_object_object_foreach(fields, k, v)
		{
			printf(" %s=%s", k, json_object_get_string(v));
		}
	}
	printf("\n");
	fflush(stdout);
}

static const struct option watch_opts[] = {
    {"since", required_argument, NULL, 'S'},
    {"count", required_argument, NULL, 'n'},
    {NULL, 0, NULL, 0},
};

static int watch_args(int argc, char **argv, struct json_object *args,
                      long long *count)
{
	uint64_t v;
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, watch_opts)) != -1) {
		if (c == '?' ||
		    number_opt("watch", c == 'n' ? "count" : "since", optarg,
		               &v) < 0)
			return -1;
		if (c == 'n')
			*count = (long long)v;
		else
			json_object_object_add(
			    args, "since", json_object_new_int64((int64_t)v));
	}
	if (optind != argc) {
		fprintf(stderr, "rasctl: watch: unexpected '%s'\n",
		        argv[optind]);
		return -1;
	}
	return 0;
}

/*
 * Subscribe and print; the connection then carries only notice lines,
 * so plain stdio reads them. --count makes it usable from scripts.
 */
int rasctl_run_watch(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *args = json_object_new_object(), *reply, *res;
	struct json_object *backlog;
	long long count = -1, seen = 0;
	char err[512], *line = NULL;
	size_t cap = 0, i;
	FILE *f;
	int fd;

	if (watch_args(argc, argv, args, &count) < 0) {
		json_object_put(args);
		return 2;
	}
	fd = control_client_connect(rc->socket_path, err, sizeof(err));
	if (fd < 0 || control_client_call(fd, "subscribe", args, &reply, err,
	                                  sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: %s\n", err);
		json_object_put(args);
		if (fd >= 0)
			close(fd);
		return 1;
	}
	json_object_put(args);
	if (!json_object_get_boolean(jget(reply, "ok"))) {
		fprintf(stderr, "rasctl: watch: %s\n",
		        jget_str(reply, "error"));
		json_object_put(reply);
		close(fd);
		return 1;
	}
	res = jget(reply, "result");
	if (jget_int(res, "missed") > 0)
		fprintf(stderr,
		        "rasctl: watch: %lld notice(s) no longer kept\n",
		        jget_int(res, "missed"));
	backlog = jget(res, "backlog");
	for (i = 0; backlog && i < json_object_array_length(backlog); i++) {
		if (count >= 0 && seen >= count)
			break;
		print_notice(rc, json_object_array_get_idx(backlog, i));
		seen++;
	}
	json_object_put(reply);
	f = fdopen(fd, "r");
	while (f != NULL && (count < 0 || seen < count) &&
	       getline(&line, &cap, f) > 0) {
		struct json_object *o = json_tokener_parse(line);

		if (o != NULL && jget(o, "notice") != NULL) {
			print_notice(rc, jget(o, "notice"));
			seen++;
		}
		json_object_put(o);
	}
	free(line);
	if (f != NULL)
		fclose(f);
	else
		close(fd);
	return count < 0 || seen >= count ? 0 : 1;
}

/* -j: the counts from the file; the live parts need rasd. */
static int status_from_journal(const struct rasctl *rc)
{
	struct journal_summary js;
	struct json_object *r, *sum;
	char err[512];

	if (journal_query_summary(rc->journal_path, &js, err, sizeof(err)) <
	    0) {
		fprintf(stderr, "rasctl: status: %s\n", err);
		return 1;
	}
	r = json_object_new_object();
	sum = json_object_new_object();
	json_object_object_add(r, "journal",
	                       json_object_new_string(rc->journal_path));
	json_object_object_add(r, "summary", sum);
	json_object_object_add(sum, "events", json_object_new_int64(js.events));
	json_object_object_add(sum, "pages_offlined",
	                       json_object_new_int64(js.pages_offlined));
	json_object_object_add(sum, "cpus_offlined",
	                       json_object_new_int64(js.cpus_offlined));
	json_object_object_add(sum, "guests_evacuated",
	                       json_object_new_int64(js.guests_evacuated));
	json_object_object_add(sum, "actions_failed",
	                       json_object_new_int64(js.actions_failed));
	json_object_object_add(sum, "actions_pending",
	                       json_object_new_int64(js.actions_pending));
	if (rc->json)
		print_json(r);
	else
		printf("journal:          %s (read directly)\n"
		       "events:           %lld\npages offlined:   %lld\n"
		       "cpus offlined:    %lld\nguests evacuated: %lld\n"
		       "actions failed:   %lld (pending %lld)\n",
		       rc->journal_path, (long long)js.events,
		       (long long)js.pages_offlined,
		       (long long)js.cpus_offlined,
		       (long long)js.guests_evacuated,
		       (long long)js.actions_failed,
		       (long long)js.actions_pending);
	json_object_put(r);
	return 0;
}

static void print_remote(const char *cmd, struct json_object *res)
{
	if (!strcmp(cmd, "status"))
		print_status(res);
	else if (!strcmp(cmd, "dimms"))
		print_dimms(res);
	else if (!strcmp(cmd, "cpus"))
		print_cpus(res);
	else if (!strcmp(cmd, "actions"))
		print_actions(res);
	else if (!strcmp(cmd, "sockets"))
		print_sockets(res);
	else if (!strcmp(cmd, "pages"))
		print_pages(res);
	else
		print_json(res);
}

/* Ask rasd, print the answer; args (may be NULL) is consumed. */
static int ask_and_print(const struct rasctl *rc, const char *cmd,
                         struct json_object *args)
{
	struct json_object *reply, *res;

	if (call(rc, cmd, args, &reply, &res) < 0) {
		json_object_put(args);
		return 1;
	}
	json_object_put(args);
	if (rc->json)
		print_json(res);
	else
		print_remote(cmd, res);
	json_object_put(reply);
	return 0;
}

static int no_args(int argc, char **argv)
{
	static const struct option none[] = {{NULL, 0, NULL, 0}};

	optind = 0;
	if (rasctl_getopt(argc, argv, none) != -1)
		return -1;
	if (optind != argc) {
		fprintf(stderr, "rasctl: %s takes no arguments\n", argv[0]);
		return -1;
	}
	return 0;
}

int rasctl_run_remote(const struct rasctl *rc, int argc, char **argv)
{
	if (no_args(argc, argv) < 0)
		return 2;
	if (rc->journal_path != NULL)
		return status_from_journal(rc);
	return ask_and_print(rc, argv[0], NULL);
}

int rasctl_run_inject(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *args = json_object_new_object();

	if (build_inject_args(argc, argv, args) < 0) {
		json_object_put(args);
		return 2;
	}
	return ask_and_print(rc, "inject", args);
}

static int action_row(void *arg, const struct journal_action *a)
{
	journal_action_json_add(arg, NULL, a);
	return 0;
}

int rasctl_run_actions(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *r, *arr;
	char err[512];

	if (no_args(argc, argv) < 0)
		return 2;
	if (rc->journal_path == NULL)
		return ask_and_print(rc, "actions", NULL);
	r = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(r, "actions", arr);
	if (journal_query_actions(rc->journal_path, 0, action_row, arr, err,
	                          sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: actions: %s\n", err);
		json_object_put(r);
		return 1;
	}
	if (rc->json)
		print_json(r);
	else
		print_actions(r);
	json_object_put(r);
	return 0;
}

/* ---- history ---- */

#define DEFAULT_JOURNAL "/var/lib/rasd/journal.db"

static int history_row_json(void *arg, const struct journal_day *d)
{
	struct json_object *o = json_object_new_object();
	char date[16];
	time_t t = (time_t)(d->day * 86400);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d", &tm);
	json_object_object_add(o, "day", json_object_new_string(date));
	json_object_object_add(o, "dimm", json_object_new_string(d->label));
	json_object_object_add(o, "severity",
	                       json_object_new_string(d->severity));
	json_object_object_add(o, "kind", json_object_new_string(d->kind));
	json_object_object_add(o, "records", json_object_new_int64(d->records));
	json_object_array_add(arg, o);
	return 0;
}

static void print_history(struct json_object *r)
{
	struct json_object *arr = jget(r, "days");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("%-10s  %-20s  %-11s  %-9s  %s\n", "DAY", "DIMM", "SEVERITY",
	       "KIND", "RECORDS");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		const char *dimm = jget_str(o, "dimm");

		printf("%-10s  %-20s  %-11s  %-9s  %lld\n", jget_str(o, "day"),
		       *dimm ? dimm : "-", jget_str(o, "severity"),
		       jget_str(o, "kind"), jget_int(o, "records"));
	}
}

int rasctl_run_history(const struct rasctl *rc, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"days", required_argument, NULL, 'd'},
	    {"dimm", required_argument, NULL, 'D'},
	    {NULL, 0, NULL, 0},
	};
	const char *path =
	    rc->journal_path ? rc->journal_path : DEFAULT_JOURNAL;
	const char *dimm = NULL;
	struct json_object *r, *arr;
	int64_t since_day = 0;
	long long days;
	char err[512], *end;
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, opts)) != -1) {
		if (c == '?')
			return 2;
		if (c == 'D') {
			dimm = optarg;
			continue;
		}
		days = strtoll(optarg, &end, 10);
		if (*end != '\0' || days < 1 || days > 100000) {
			fprintf(stderr, "rasctl: history: --days takes 1 to "
			                "100000\n");
			return 2;
		}
		since_day = (int64_t)(time(NULL) / 86400) - days + 1;
	}
	if (optind != argc) {
		fprintf(stderr, "rasctl: history takes no operands\n");
		return 2;
	}
	r = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(r, "days", arr);
	if (journal_query_history(path, since_day, dimm, history_row_json, arr,
	                          err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: history: %s\n", err);
		json_object_put(r);
		return 1;
	}
	if (rc->json)
		print_json(r);
	else
		print_history(r);
	json_object_put(r);
	return 0;
}

/* ---- the local DIMM map ---- */

static void local_dimm_json(const struct dimm_entry *e, struct json_object *a)
{
	struct json_object *o = json_object_new_object();
	char buf[24];

	json_object_object_add(o, "label", json_object_new_string(e->label));
	json_object_object_add(
	    o, "source", json_object_new_string(dimm_source_name(e->source)));
	json_object_object_add(o, "locator",
	                       json_object_new_string(e->locator));
	json_object_object_add(o, "bank", json_object_new_string(e->bank));
	json_object_object_add(o, "socket", json_object_new_int(e->socket));
	json_object_object_add(o, "controller",
	                       json_object_new_int(e->controller));
	json_object_object_add(o, "channel", json_object_new_int(e->channel));
	json_object_object_add(o, "slot", json_object_new_int(e->slot));
	if (e->named_by[0] != '\0')
		json_object_object_add(o, "named_by",
		                       json_object_new_string(e->named_by));
	json_object_object_add(o, "size_mib",
	                       json_object_new_int64((int64_t)(e->size >> 20)));
	if (e->has_range) {
		snprintf(buf, sizeof(buf), "0x%llx",
		         (unsigned long long)e->start);
		json_object_object_add(o, "start", json_object_new_string(buf));
		json_object_object_add(
		    o, "ranges", json_object_new_int64((int64_t)e->n_ranges));
	}
	json_object_array_add(a, o);
}

static void local_dimm_row(const struct dimm_entry *e)
{
	char start[24] = "-";

	if (e->has_range)
		snprintf(start, sizeof(start), "0x%llx",
		         (unsigned long long)e->start);
	printf("%-24s %-7s %6d %4d %4d %4d %7lluM %-14s %-16s %s\n", e->label,
	       dimm_source_name(e->source), e->socket, e->controller,
	       e->channel, e->slot, (unsigned long long)(e->size >> 20), start,
	       e->locator[0] ? e->locator : "-",
	       e->named_by[0] ? e->named_by : "-");
}

/* What rasd would know of this machine's DIMMs, read from firmware. */
static int run_local_dimms(const struct rasctl *rc, const char *root)
{
	struct dimm_map *m;
	struct json_object *arr;
	char err[256];
	size_t i;

	if (dimm_map_build(&m, root, NULL, 0, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: dimms: %s\n", err);
		return 1;
	}
	for (i = 0; i < dimm_map_warnings(m); i++)
		fprintf(stderr, "rasctl: dimms: %s\n", dimm_map_warning(m, i));
	if (rc->json) {
		arr = json_object_new_array();
		for (i = 0; i < dimm_map_count(m); i++)
			local_dimm_json(dimm_map_get(m, i), arr);
		print_json(arr);
		json_object_put(arr);
	} else {
		printf("%-24s %-7s %6s %4s %4s %4s %8s %-14s %-16s %s\n",
		       "DIMM", "SOURCE", "SOCKET", "MC", "CH", "SLOT", "SIZE",
		       "START", "LOCATOR", "NAMED-BY");
		for (i = 0; i < dimm_map_count(m); i++)
			local_dimm_row(dimm_map_get(m, i));
	}
	if (dimm_map_count(m) == 0)
		fprintf(stderr,
		        "rasctl: dimms: no EDAC, SMBIOS or label-file memory "
		        "entries under %s\n",
		        root);
	dimm_map_free(m);
	return 0;
}

static const struct option dimms_opts[] = {
    {"local", no_argument, NULL, 'L'},
    {"root", required_argument, NULL, 'r'},
    {NULL, 0, NULL, 0},
};

int rasctl_run_dimms(const struct rasctl *rc, int argc, char **argv)
{
	const char *root = NULL;
	bool local = false;
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, dimms_opts)) != -1) {
		if (c == '?')
			return 2;
		if (c == 'L')
			local = true;
		else
			root = optarg;
	}
	if (optind != argc || (root != NULL && !local)) {
		fprintf(stderr,
		        "rasctl: usage: dimms [--local [--root DIR]]\n");
		return 2;
	}
	if (local)
		return run_local_dimms(rc, root ? root : "/");
	return ask_and_print(rc, "dimms", NULL);
}

/* ---- report and graph ---- */

static void inputs_free(struct json_object *replies[5])
{
	int i;

	for (i = 0; i < 5; i++)
		json_object_put(replies[i]);
}

/* The five answers a dashboard is made of. */
static int gather(const struct rasctl *rc, struct report_inputs *in,
                  struct json_object *replies[5])
{
	static const char *const cmds[5] = {"status", "dimms", "cpus", "events",
	                                    "actions"};
	struct json_object *res[5];
	int i;

	memset(replies, 0, 5 * sizeof(*replies));
	for (i = 0; i < 5; i++) {
		if (call(rc, cmds[i], NULL, &replies[i], &res[i]) < 0) {
			replies[i] = NULL;
			inputs_free(replies);
			return -1;
		}
	}
	in->status = res[0];
	in->dimms = res[1];
	in->cpus = res[2];
	in->events = res[3];
	in->actions = res[4];
	return 0;
}

static const struct option report_opts[] = {
    {"html", required_argument, NULL, 'o'},
    {"out", required_argument, NULL, 'o'},
    {"dimm", required_argument, NULL, 'd'},
    {NULL, 0, NULL, 0},
};

/* --html/--out DIR (and, for graph, --dimm LABEL); nothing else. */
static int out_args(int argc, char **argv, bool dimm_ok, const char **out,
                    const char **dimm)
{
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, report_opts)) != -1) {
		if (c == '?' || (c == 'd' && !dimm_ok))
			break;
		if (c == 'o')
			*out = optarg;
		else
			*dimm = optarg;
	}
	if (c != -1 || *out == NULL || optind != argc) {
		fprintf(stderr, "rasctl: usage: %s\n",
		        dimm_ok ? "graph --out DIR [--dimm LABEL]"
		                : "report --html DIR");
		return -1;
	}
	return 0;
}

int rasctl_run_report(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *replies[5];
	struct report_inputs in;
	const char *out = NULL, *dimm = NULL;
	char err[512], warn[1024];

	if (out_args(argc, argv, false, &out, &dimm) < 0)
		return 2;
	if (gather(rc, &in, replies) < 0)
		return 1;
	if (report_build(&in, out, warn, sizeof(warn), err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: report: %s\n", err);
		inputs_free(replies);
		return 1;
	}
	if (warn[0] != '\0')
		fprintf(stderr, "rasctl: report: %s\n", warn);
	printf("%s/index.html\n", out);
	inputs_free(replies);
	return 0;
}

int rasctl_run_graph(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *replies[5];
	struct report_inputs in;
	const char *out = NULL, *dimm = NULL;
	char err[512], warn[1024], files[8192];
	int n;

	if (out_args(argc, argv, true, &out, &dimm) < 0)
		return 2;
	if (gather(rc, &in, replies) < 0)
		return 1;
	n = report_draw(&in, out, dimm, files, sizeof(files), warn,
	                sizeof(warn), err, sizeof(err));
	inputs_free(replies);
	if (n < 0) {
		fprintf(stderr, "rasctl: graph: %s\n", err);
		return 1;
	}
	if (warn[0] != '\0')
		fprintf(stderr, "rasctl: graph: %s\n", warn);
	if (n == 0) {
		fprintf(stderr, "rasctl: graph: nothing to draw%s%s\n",
		        dimm ? " for " : "", dimm ? dimm : "");
		return 1;
	}
	fputs(files, stdout);
	return 0;
}

/* ---- decode ---- */

static const char *const status_flag_names[] = {
    "VAL", "OVER", "UC", "EN", "MISCV", "ADDRV", "PCC", "S", "AR",
};

static void add_flags(struct jsonline *w, const struct mce_decoded *d)
{
	const bool bits[] = {d->val,   d->over, d->uc, d->en, d->miscv,
	                     d->addrv, d->pcc,  d->s,  d->ar};
	size_t i;

	jsonline_array_begin(w, "flags");
	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bits[i])
			jsonline_array_str(w, status_flag_names[i]);
	jsonline_array_end(w);
}

static void add_str(struct jsonline *w, const char *k, const char *v)
{
	if (v != NULL)
		jsonline_str(w, k, v);
}

/*
 * What the Intel or AMD model decoder added, where it knew the model; and
 * whether it knew the model and the bank at all, so that a record decoded
 * only architecturally says so (the note says why).
 */
static void add_model(struct jsonline *w, const struct mce_decoded *d)
{
	jsonline_bool(w, "model_known", d->model_known);
	jsonline_bool(w, "bank_known", d->bank_known);
	if (d->controller >= 0)
		jsonline_int(w, "controller", d->controller);
	if (d->rank >= 0)
		jsonline_int(w, "rank", d->rank);
	if (d->chip_select >= 0)
		jsonline_int(w, "chip_select", d->chip_select);
	add_str(w, "model", d->model);
	add_str(w, "bank_name", d->bank_name);
	add_str(w, "detail", d->detail);
	add_str(w, "note", d->note);
}

struct decode_ctx {
	uint64_t printed;
	uint64_t invalid;
	char line[4096];
};

/*
 * One JSON line per record, written as it is made (a json-c tree cost
 * some 50,000 instructions a record, nearly all of the command).
 */
static int decode_one(void *arg, const struct mce_record *r)
{
	struct decode_ctx *dc = arg;
	struct jsonline w;
	struct mce_decoded d;
	char msg[256];
	int len;

	if (mce_decode(r, &d) < 0) {
		dc->invalid++;
		fprintf(
		    stderr,
		    "rasctl: decode: record %llu: no valid error (VAL clear)\n",
		    (unsigned long long)(dc->printed + dc->invalid));
		return 0;
	}
	jsonline_begin(&w, dc->line, sizeof(dc->line));
	jsonline_int(&w, "cpu", r->extcpu);
	jsonline_int(&w, "socket", r->socketid);
	jsonline_int(&w, "bank", r->bank);
	jsonline_str(&w, "severity", mce_severity_name(d.severity));
	jsonline_str(&w, "kind", mce_kind_name(d.kind));
	if (d.cache_level > 0)
		jsonline_int(&w, "cache_level", d.cache_level);
	if (d.channel >= 0)
		jsonline_int(&w, "channel", d.channel);
	jsonline_hex(&w, "status", r->status);
	if (d.addrv)
		jsonline_hex(&w, "addr", r->addr);
	if (d.phys_addr_valid)
		jsonline_hex(&w, "page", d.page);
	if (d.miscv)
		jsonline_hex(&w, "misc", r->misc);
	jsonline_hex(&w, "mcacod", d.mcacod);
	jsonline_hex(&w, "mscod", d.mscod);
	if (d.ce_count_valid)
		jsonline_int(&w, "ce_count", d.ce_count);
	add_model(&w, &d);
	add_flags(&w, &d);
	mce_describe(r, &d, msg, sizeof(msg));
	jsonline_str(&w, "message", msg);
	len = jsonline_end(&w);
	if (len < 0) {
		fprintf(stderr,
		        "rasctl: decode: record %llu: too long a line\n",
		        (unsigned long long)(dc->printed + dc->invalid));
		return 0;
	}
	fwrite(dc->line, 1, (size_t)len, stdout);
	dc->printed++;
	return 0;
}

/* The reader's drain loop, for a device, a stream or memory. */
static int decode_reader(struct mce_reader *rd, const char *name)
{
	struct decode_ctx dc = {0};
	char err[512] = "";
	ssize_t n;
	int bad = 0;

	do {
		err[0] = '\0';
		n = mce_reader_drain(rd, decode_one, &dc, err, sizeof(err));
		if (err[0] != '\0') {
			fprintf(stderr, "rasctl: decode: %s: %s\n", name, err);
			bad = 1;
		}
	} while (n > 0);
	if (mce_reader_finish(rd, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: decode: %s: %s\n", name, err);
		bad = 1;
	}
	return bad || dc.invalid > 0 || n < 0;
}

static int decode_fd(int fd, const char *name, size_t record_len)
{
	struct mce_reader_opts opts = {.record_len = record_len, .log_len = 0};
	struct mce_reader *rd;
	char err[512] = "";
	int rc;

	if (mce_reader_open_fd(&rd, fd, &opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: decode: %s: %s\n", name, err);
		return 1;
	}
	rc = decode_reader(rd, name);
	mce_reader_close(rd);
	return rc;
}

/* Auto-detection needs the whole capture in memory; past this, say so. */
#define DECODE_MAX_INPUT (256u << 20)

struct mem_source {
	const char *buf;
	size_t len, off;
};

static ssize_t mem_read(void *ctx, void *buf, size_t len)
{
	struct mem_source *m = ctx;
	size_t n = m->len - m->off;

	if (n > len)
		n = len;
	memcpy(buf, m->buf + m->off, n);
	m->off += n;
	return (ssize_t)n;
}

/*
 * A file has no header: with no --record-len, the length is the one its
 * size and records point to (mce_record_len_guess), said on stderr so
 * that a wrong guess is seen. A file where no length gives a plausible
 * record is read at the length that divides it, 128 first.
 */
static size_t binary_record_len(const char *buf, size_t len, const char *name,
                                size_t record_len)
{
	struct mce_len_guess g;

	if (record_len != 0) {
		fprintf(stderr,
		        "rasctl: decode: %s: %zu record%s of %zu bytes "
		        "(--record-len)\n",
		        name, len / record_len,
		        len / record_len == 1 ? "" : "s", record_len);
		return record_len;
	}
	if (mce_record_len_guess(buf, len, &g) < 0) {
		g.record_len =
		    len % MCE_RECORD_LEN_LINUX == 0 ? MCE_RECORD_LEN_LINUX
		    : len % MCE_RECORD_LEN_XEN == 0 ? MCE_RECORD_LEN_XEN
		    : len % MCE_RECORD_LEN_MIN == 0 ? MCE_RECORD_LEN_MIN
		                                    : MCE_RECORD_LEN_LINUX;
		fprintf(stderr,
		        "rasctl: decode: %s: no record looks valid at 128, "
		        "112 or 88 bytes; reading %zu-byte records\n",
		        name, g.record_len);
		return g.record_len;
	}
	fprintf(stderr, "rasctl: decode: %s: %zu record%s of %zu bytes (%s)",
	        name, g.records, g.records == 1 ? "" : "s", g.record_len,
	        g.layout);
	if (g.leftover != 0)
		fprintf(stderr, ", %zu bytes left over", g.leftover);
	fputc('\n', stderr);
	return g.record_len;
}

static int decode_binary_mem(const char *buf, size_t len, const char *name,
                             size_t record_len)
{
	const struct mce_dev_ops ops = {.read = mem_read, .ioctl = NULL};
	struct mce_reader_opts opts = {.record_len = 0, .log_len = 0};
	struct mce_reader *rd;
	struct mem_source src = {buf, len, 0};
	char err[512] = "";
	int rc;

	opts.record_len = binary_record_len(buf, len, name, record_len);
	if (mce_reader_open_ops(&rd, &ops, &src, &opts, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasctl: decode: %s: %s\n", name, err);
		return 1;
	}
	rc = decode_reader(rd, name);
	mce_reader_close(rd);
	return rc;
}

static int decode_text(const char *buf, size_t len, enum mce_format fmt,
                       const char *name)
{
	struct decode_ctx dc = {0};
	struct mce_text_result *res = malloc(sizeof(*res));
	size_t i;
	int rc;

	if (res == NULL) {
		fprintf(stderr, "rasctl: decode: out of memory\n");
		return 1;
	}
	rc = mce_text_parse(buf, len, fmt, name, decode_one, &dc, res);
	for (i = 0; i < res->n_errors; i++)
		fprintf(stderr, "rasctl: decode: %s\n", res->errors[i]);
	if (res->rejected > res->n_errors)
		fprintf(stderr,
		        "rasctl: decode: %s: %llu more rejected blocks not "
		        "shown\n",
		        name,
		        (unsigned long long)(res->rejected - res->n_errors));
	if (rc == 0 && res->records == 0 && res->rejected == 0)
		fprintf(stderr,
		        "rasctl: decode: %s: no machine-check records in %s "
		        "text\n",
		        name, mce_format_name(fmt));
	rc = rc < 0 || res->rejected > 0 || dc.invalid > 0;
	free(res);
	return rc;
}

static int read_retry(int fd, char *buf, size_t len, ssize_t *got)
{
	do
		*got = read(fd, buf, len);
	while (*got < 0 && errno == EINTR);
	return *got < 0 ? -1 : 0;
}

static char *slurp_fail(char *buf, const char *name, const char *why)
{
	fprintf(stderr, "rasctl: decode: %s: %s\n", name, why);
	free(buf);
	return NULL;
}

/* Reads one byte past the cap, so that "too big" is told, not cut. */
static char *slurp(int fd, const char *name, size_t *len)
{
	size_t cap = 0;
	char *buf = NULL, *nb;
	ssize_t n;

	*len = 0;
	for (;;) {
		if (*len == cap) {
			if (cap > DECODE_MAX_INPUT)
				return slurp_fail(
				    buf, name,
				    "larger than 256 MiB: split it, or use "
				    "--format binary --record-len N to stream "
				    "records");
			cap = cap == 0 ? 1u << 16 : cap * 2;
			if (cap > DECODE_MAX_INPUT)
				cap = DECODE_MAX_INPUT + 1;
			nb = realloc(buf, cap);
			if (nb == NULL)
				return slurp_fail(buf, name, strerror(errno));
			buf = nb;
		}
		if (read_retry(fd, buf + *len, cap - *len, &n) < 0)
			return slurp_fail(buf, name, strerror(errno));
		if (n == 0)
			return buf;
		*len += (size_t)n;
	}
}

/*
 * A character device (/dev/mcelog) is read as the reader reads it, with
 * the length its driver gives; so are binary records of a length given
 * by --record-len, streamed. Anything else is read whole, for the format
 * and the record length to be told from it.
 */
static int decode_any(int fd, const char *name, enum mce_format fmt,
                      size_t record_len)
{
	struct stat st;
	size_t len;
	char *buf;
	int rc;

	if ((fmt == MCE_FORMAT_AUTO || fmt == MCE_FORMAT_BINARY) &&
	    fstat(fd, &st) == 0 && S_ISCHR(st.st_mode))
		return decode_fd(fd, name, record_len);
	if (fmt == MCE_FORMAT_BINARY && record_len != 0) {
		fprintf(stderr,
		        "rasctl: decode: %s: records of %zu bytes "
		        "(--record-len)\n",
		        name, record_len);
		return decode_fd(fd, name, record_len);
	}
	buf = slurp(fd, name, &len);
	if (buf == NULL)
		return 1;
	if (fmt == MCE_FORMAT_AUTO)
		fmt = mce_format_detect(buf, len);
	if (fmt == MCE_FORMAT_BINARY)
		rc = decode_binary_mem(buf, len, name, record_len);
	else
		rc = decode_text(buf, len, fmt, name);
	free(buf);
	return rc;
}

static const struct option decode_opts[] = {
    {"record-len", required_argument, NULL, 'r'},
    {"format", required_argument, NULL, 'f'},
    {NULL, 0, NULL, 0},
};

static int decode_args(int argc, char **argv, uint64_t *len,
                       enum mce_format *fmt, const char **path)
{
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, decode_opts)) != -1) {
		if (c == '?')
			return -1;
		if (c == 'r' &&
		    (parse_u64(optarg, len) < 0 || *len < MCE_RECORD_LEN_MIN ||
		     *len > MCE_RECORD_LEN_MAX)) {
			fprintf(stderr,
			        "rasctl: decode: --record-len '%s': want %d "
			        "to %d\n",
			        optarg, MCE_RECORD_LEN_MIN, MCE_RECORD_LEN_MAX);
			return -1;
		}
		if (c == 'f' && mce_format_parse(optarg, fmt) < 0) {
			fprintf(stderr,
			        "rasctl: decode: --format '%s': want auto, "
			        "binary, mcelog or dmesg\n",
			        optarg);
			return -1;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "rasctl: decode: one FILE at most ('%s')\n",
		        argv[optind + 1]);
		return -1;
	}
	if (optind < argc && strcmp(argv[optind], "-") != 0)
		*path = argv[optind];
	return 0;
}

int rasctl_run_decode(const struct rasctl *rc, int argc, char **argv)
{
	enum mce_format fmt = MCE_FORMAT_AUTO;
	uint64_t len = 0; /* told from the file */
	const char *path = NULL;
	int fd, rcode;

	(void)rc;
	if (decode_args(argc, argv, &len, &fmt, &path) < 0)
		return 2;
	if (path == NULL)
		return decode_any(0, "stdin", fmt, (size_t)len);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "rasctl: decode: %s: %s\n", path,
		        strerror(errno));
		return 1;
	}
	rcode = decode_any(fd, path, fmt, (size_t)len);
	close(fd);
	return rcode;
}

/* rasctl.c - the operator's client: asks rasd over its control socket and
 * prints tables (or JSON), and decodes record files without a daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "../mce/dimm_map.h"
#include "../mce/mce.h"
#include "../mce/mce_text.h"
#include "control.h"
#include "policy.h"
#include "publish/report_json.h"
#include "rasctl_int.h"

#define DEFAULT_SOCKET "/run/rasd/rasd.sock"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rasctl [-s SOCKET] [--json] COMMAND [ARGS]\n"
	    "commands:\n"
	    "  status                     host health and counts\n"
	    "  events [--since T] [--limit N]\n"
	    "                             T: epoch ms, or a duration ago "
	    "(1h)\n"
	    "  dimms                      DIMMs, their state and errors\n"
	    "  cpus                       CPUs, online state and errors\n"
	    "  actions                    what rasd decided and did\n"
	    "  sockets                    processor sockets and their errors\n"
	    "  pages                      offlined pages, as the hypervisor "
	    "sees them\n"
	    "  watch [--since SEQ] [--count N]\n"
	    "                             follow rasd's notices as they are "
	    "raised\n"
	    "  health [--limit N]         green/yellow/red, why, and the "
	    "latest\n"
	    "                             BMC and sensor events\n"
	    "  sensors                    lm-sensors and BMC readings, "
	    "limits\n"
	    "  pcie [--limit N]           PCIe AER and CXL devices, their "
	    "errors, and\n"
	    "                             the latest device and firmware "
	    "records\n"
	    "  selftest                   plant a corrected error and wait "
	    "for it\n"
	    "  page offline|online MFN    take a machine frame out, or put "
	    "it back\n"
	    "  cpu offline|online N       take a CPU down, or bring it "
	    "back\n"
	    "  xen-receive                receive a guest a peer's rasd "
	    "evacuates\n"
	    "                             (stdin/stdout, behind socat)\n"
	    "  inject --cpu N --bank N --status X [--addr A] [--misc M]\n"
	    "         [--mcgstatus G] [--direct]\n"
	    "                             plant a record through the backend, "
	    "or\n"
	    "                             (--direct) hand it to rasd's record "
	    "path\n"
	    "  reload                     re-read the policy\n"
	    "  decode [--format auto|binary|mcelog|dmesg] [--record-len N] "
	    "[FILE]\n"
	    "                             decode struct mce records, mcelog "
	    "--ascii\n"
	    "                             or dmesg text (stdin by default) to "
	    "JSON lines;\n"
	    "                             a binary file's record length is "
	    "told from it\n");
}

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

	printf("%-16s %-7s %6s %4s %7s %-11s %7s %4s %-9s %4s %s\n", "DIMM",
	       "SOURCE", "SOCKET", "CH", "SIZE", "STATE", "ERRORS", "UE",
	       "PAGES/24H", "BMC", "TEMP");
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		char pages[32], temp[16] = "-";

		snprintf(pages, sizeof(pages), "%lld/%lld",
		         jget_int(m, "pages_in_window"),
		         jget_int(m, "threshold"));
		/* Beside the error rate: a hot DIMM errs more. */
		if (jget(m, "temp_c") != NULL)
			snprintf(temp, sizeof(temp), "%.1fC",
			         json_object_get_double(jget(m, "temp_c")));
		printf("%-16s %-7s %6lld %4lld %6lldM %-11s %7lld %4lld %-9s "
		       "%4lld %s\n",
		       jget_str(m, "label"), jget_str(m, "source"),
		       jget_int(m, "socket"), jget_int(m, "channel"),
		       jget_int(m, "size_mib"), jget_str(m, "state"),
		       jget_int(m, "errors"), jget_int(m, "uncorrected"), pages,
		       jget_int(m, "bmc_events"), temp);
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

/* "--since 1h" is relative to the daemon's clock, which may run fast. */
static int since_arg(const struct rasctl *rc, const char *s, uint64_t *out)
{
	struct json_object *reply, *res;
	uint64_t ago;

	if (parse_u64(s, out) == 0)
		return 0;
	if (policy_parse_duration(s, &ago) < 0) {
		fprintf(stderr,
		        "rasctl: --since '%s': want epoch ms or a "
		        "duration such as 1h\n",
		        s);
		return -1;
	}
	if (call(rc, "status", NULL, &reply, &res) < 0)
		return -1;
	*out = (uint64_t)jget_int(res, "now_ms");
	*out = *out > ago ? *out - ago : 0;
	json_object_put(reply);
	return 0;
}

static int build_events_args(const struct rasctl *rc, int argc, char **argv,
                             struct json_object *args)
{
	int i;
	uint64_t v;

	for (i = 1; i < argc; i++) {
		if (i + 1 >= argc)
			goto bad;
		if (!strcmp(argv[i], "--since")) {
			if (since_arg(rc, argv[++i], &v) < 0)
				return -1;
			json_object_object_add(
			    args, "since_ms",
			    json_object_new_int64((int64_t)v));
		} else if (!strcmp(argv[i], "--limit") &&
		           parse_u64(argv[i + 1], &v) == 0) {
			i++;
			json_object_object_add(
			    args, "limit", json_object_new_int64((int64_t)v));
		} else {
			goto bad;
		}
	}
	return 0;
bad:
	fprintf(stderr, "rasctl: events: bad argument '%s'\n", argv[i]);
	return -1;
}

static int build_inject_args(int argc, char **argv, struct json_object *args)
{
	static const char *const keys[] = {"cpu",  "bank", "status",
	                                   "addr", "misc", "mcgstatus"};
	int i;
	size_t k;

	for (i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--direct")) {
			json_object_object_add(args, "direct",
			                       json_object_new_boolean(true));
			i--;
			continue;
		}
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			if (!strncmp(argv[i], "--", 2) &&
			    !strcmp(argv[i] + 2, keys[k]))
				break;
		if (k == sizeof(keys) / sizeof(keys[0]) || i + 1 >= argc) {
			fprintf(stderr, "rasctl: inject: bad argument '%s'\n",
			        argv[i]);
			return -1;
		}
		/* Sent as strings so 64-bit status words survive JSON. */
		json_object_object_add(args, keys[k],
		                       json_object_new_string(argv[i + 1]));
	}
	if (json_object_object_length(args) == 0 ||
	    !json_object_object_get_ex(args, "status", NULL)) {
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

static int watch_args(int argc, char **argv, struct json_object *args,
                      long long *count)
{
	int i;
	char *end;

	for (i = 1; i < argc; i += 2) {
		long long v;

		if (i + 1 >= argc || (strcmp(argv[i], "--since") &&
		                      strcmp(argv[i], "--count"))) {
			fprintf(stderr, "rasctl: watch: bad argument '%s'\n",
			        argv[i]);
			return -1;
		}
		v = strtoll(argv[i + 1], &end, 10);
		if (*argv[i + 1] == '\0' || *end != '\0' || v < 0) {
			fprintf(stderr, "rasctl: watch: %s wants a number\n",
			        argv[i]);
			return -1;
		}
		if (!strcmp(argv[i], "--count"))
			*count = v;
		else
			json_object_object_add(args, "since",
			                       json_object_new_int64(v));
	}
	return 0;
}

/*
 * Subscribe and print; the connection then carries only notice lines,
 * so plain stdio reads them. --count makes it usable from scripts.
 */
static int run_watch(const struct rasctl *rc, int argc, char **argv)
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

static int run_remote(const struct rasctl *rc, int argc, char **argv)
{
	const char *cmd = argv[0];
	struct json_object *args = json_object_new_object(), *reply, *res;
	int rcode = 0;

	if (!strcmp(cmd, "events"))
		rcode = build_events_args(rc, argc, argv, args);
	else if (!strcmp(cmd, "inject"))
		rcode = build_inject_args(argc, argv, args);
	else if (argc > 1) {
		fprintf(stderr, "rasctl: %s takes no arguments\n", cmd);
		rcode = -1;
	}
	if (rcode < 0 || call(rc, cmd, args, &reply, &res) < 0) {
		json_object_put(args);
		return rcode < 0 ? 2 : 1;
	}
	json_object_put(args);
	if (rc->json)
		print_json(res);
	else if (!strcmp(cmd, "status"))
		print_status(res);
	else if (!strcmp(cmd, "events"))
		print_events(res);
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
	json_object_put(reply);
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
	printf("%-24s %-7s %6d %4d %4d %4d %7lluM %-14s %s\n", e->label,
	       dimm_source_name(e->source), e->socket, e->controller,
	       e->channel, e->slot, (unsigned long long)(e->size >> 20), start,
	       e->locator);
}

/* What rasd would know of this machine's DIMMs, read from firmware. */
static int run_local_dimms(const struct rasctl *rc, int argc, char **argv)
{
	const char *root = "/";
	struct dimm_map *m;
	struct json_object *arr;
	char err[256];
	size_t i;

	if (argc == 4 && !strcmp(argv[2], "--root"))
		root = argv[3];
	else if (argc != 2) {
		fprintf(stderr, "rasctl: dimms --local [--root DIR]\n");
		return 2;
	}
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
		printf("%-24s %-7s %6s %4s %4s %4s %8s %-14s %s\n", "DIMM",
		       "SOURCE", "SOCKET", "MC", "CH", "SLOT", "SIZE", "START",
		       "LOCATOR");
		for (i = 0; i < dimm_map_count(m); i++)
			local_dimm_row(dimm_map_get(m, i));
	}
	if (dimm_map_count(m) == 0)
		fprintf(stderr,
		        "rasctl: dimms: no EDAC or SMBIOS memory "
		        "entries under %s\n",
		        root);
	dimm_map_free(m);
	return 0;
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

static int run_report(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *replies[5];
	struct report_inputs in;
	char err[512], warn[1024];

	if (argc != 3 || strcmp(argv[1], "--html") != 0) {
		fprintf(stderr, "rasctl: report --html DIR\n");
		return 2;
	}
	if (gather(rc, &in, replies) < 0)
		return 1;
	if (report_build(&in, argv[2], warn, sizeof(warn), err, sizeof(err)) <
	    0) {
		fprintf(stderr, "rasctl: report: %s\n", err);
		inputs_free(replies);
		return 1;
	}
	if (warn[0] != '\0')
		fprintf(stderr, "rasctl: report: %s\n", warn);
	printf("%s/index.html\n", argv[2]);
	inputs_free(replies);
	return 0;
}

static int run_graph(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *replies[5];
	struct report_inputs in;
	const char *out = NULL, *dimm = NULL;
	char err[512], warn[1024], files[8192];
	int i, n;

	for (i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--out"))
			out = argv[i + 1];
		else if (!strcmp(argv[i], "--dimm"))
			dimm = argv[i + 1];
		else
			break;
	}
	if (out == NULL || i != argc) {
		fprintf(stderr, "rasctl: graph --out DIR [--dimm LABEL]\n");
		return 2;
	}
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

static void add_flags(struct json_object *o, const struct mce_decoded *d)
{
	const bool bits[] = {d->val,   d->over, d->uc, d->en, d->miscv,
	                     d->addrv, d->pcc,  d->s,  d->ar};
	struct json_object *arr = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(bits) / sizeof(bits[0]); i++)
		if (bits[i])
			json_object_array_add(
			    arr, json_object_new_string(status_flag_names[i]));
	json_object_object_add(o, "flags", arr);
}

static void add_hex(struct json_object *o, const char *k, uint64_t v)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "0x%llx", (unsigned long long)v);
	json_object_object_add(o, k, json_object_new_string(buf));
}

static void add_str(struct json_object *o, const char *k, const char *v)
{
	if (v != NULL)
		json_object_object_add(o, k, json_object_new_string(v));
}

/*
 * What the Intel or AMD model decoder added, where it knew the model; and
 * whether it knew the model and the bank at all, so that a record decoded
 * only architecturally says so (the note says why).
 */
static void add_model(struct json_object *o, const struct mce_decoded *d)
{
	json_object_object_add(o, "model_known",
	                       json_object_new_boolean(d->model_known));
	json_object_object_add(o, "bank_known",
	                       json_object_new_boolean(d->bank_known));
	if (d->controller >= 0)
		json_object_object_add(o, "controller",
		                       json_object_new_int(d->controller));
	if (d->rank >= 0)
		json_object_object_add(o, "rank", json_object_new_int(d->rank));
	if (d->chip_select >= 0)
		json_object_object_add(o, "chip_select",
		                       json_object_new_int(d->chip_select));
	add_str(o, "model", d->model);
	add_str(o, "bank_name", d->bank_name);
	add_str(o, "detail", d->detail);
	add_str(o, "note", d->note);
}

struct decode_ctx {
	uint64_t printed;
	uint64_t invalid;
};

static int decode_one(void *arg, const struct mce_record *r)
{
	struct decode_ctx *dc = arg;
	struct mce_decoded d;
	struct json_object *o;
	char msg[256];

	if (mce_decode(r, &d) < 0) {
		dc->invalid++;
		fprintf(
		    stderr,
		    "rasctl: decode: record %llu: no valid error (VAL clear)\n",
		    (unsigned long long)(dc->printed + dc->invalid));
		return 0;
	}
	o = json_object_new_object();
	json_object_object_add(o, "cpu", json_object_new_int64(r->extcpu));
	json_object_object_add(o, "socket", json_object_new_int64(r->socketid));
	json_object_object_add(o, "bank", json_object_new_int(r->bank));
	json_object_object_add(
	    o, "severity",
	    json_object_new_string(mce_severity_name(d.severity)));
	json_object_object_add(o, "kind",
	                       json_object_new_string(mce_kind_name(d.kind)));
	if (d.cache_level > 0)
		json_object_object_add(o, "cache_level",
		                       json_object_new_int(d.cache_level));
	if (d.channel >= 0)
		json_object_object_add(o, "channel",
		                       json_object_new_int(d.channel));
	add_hex(o, "status", r->status);
	if (d.addrv)
		add_hex(o, "addr", r->addr);
	if (d.phys_addr_valid)
		add_hex(o, "page", d.page);
	if (d.miscv)
		add_hex(o, "misc", r->misc);
	add_hex(o, "mcacod", d.mcacod);
	add_hex(o, "mscod", d.mscod);
	if (d.ce_count_valid)
		json_object_object_add(o, "ce_count",
		                       json_object_new_int(d.ce_count));
	add_model(o, &d);
	add_flags(o, &d);
	mce_describe(r, &d, msg, sizeof(msg));
	json_object_object_add(o, "message", json_object_new_string(msg));
	printf("%s\n",
	       json_object_to_json_string_ext(
	           o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	dc->printed++;
	return 0;
}

/* The reader's drain loop, for a device, a stream or memory. */
static int decode_reader(struct mce_reader *rd, const char *name)
{
	struct decode_ctx dc = {0, 0};
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
	struct decode_ctx dc = {0, 0};
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

static int decode_args(int argc, char **argv, uint64_t *len,
                       enum mce_format *fmt, const char **path)
{
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--record-len") && i + 1 < argc) {
			if (parse_u64(argv[++i], len) < 0 ||
			    *len < MCE_RECORD_LEN_MIN ||
			    *len > MCE_RECORD_LEN_MAX) {
				fprintf(stderr,
				        "rasctl: decode: --record-len '%s': "
				        "want %d to %d\n",
				        argv[i], MCE_RECORD_LEN_MIN,
				        MCE_RECORD_LEN_MAX);
				return -1;
			}
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			if (mce_format_parse(argv[++i], fmt) < 0) {
				fprintf(stderr,
				        "rasctl: decode: --format '%s': want "
				        "auto, binary, mcelog or dmesg\n",
				        argv[i]);
				return -1;
			}
		} else if (*path == NULL && argv[i][0] != '-') {
			*path = argv[i];
		} else if (*path == NULL && !strcmp(argv[i], "-")) {
			*path = NULL;
		} else {
			fprintf(stderr, "rasctl: decode: bad argument '%s'\n",
			        argv[i]);
			return -1;
		}
	}
	return 0;
}

static int run_decode(int argc, char **argv)
{
	enum mce_format fmt = MCE_FORMAT_AUTO;
	uint64_t len = 0; /* told from the file */
	const char *path = NULL;
	int fd, rc;

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
	rc = decode_any(fd, path, fmt, (size_t)len);
	close(fd);
	return rc;
}

static const struct option long_opts[] = {
    {"socket", required_argument, NULL, 's'},
    {"json", no_argument, NULL, 'J'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int main(int argc, char **argv)
{
	struct rasctl rc = {.socket_path = DEFAULT_SOCKET, .json = false};
	const char *env = getenv("RASD_SOCKET");
	int c;

	if (env != NULL && *env != '\0')
		rc.socket_path = env;
	/* "+" stops at the command, so its own --options reach it. */
	while ((c = getopt_long(argc, argv, "+s:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			rc.socket_path = optarg;
			break;
		case 'J':
			rc.json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return 2;
	}
	argv += optind;
	argc -= optind;
	if (!strcmp(argv[0], "decode"))
		return run_decode(argc, argv);
	if (!strcmp(argv[0], "report"))
		return run_report(&rc, argc, argv);
	if (!strcmp(argv[0], "dimms") && argc > 1 &&
	    !strcmp(argv[1], "--local"))
		return run_local_dimms(&rc, argc, argv);
	if (!strcmp(argv[0], "graph"))
		return run_graph(&rc, argc, argv);
	if (!strcmp(argv[0], "watch"))
		return run_watch(&rc, argc, argv);
	if (rasctl_host_command(argv[0]))
		return rasctl_host_run(&rc, argc, argv);
	if (strcmp(argv[0], "status") && strcmp(argv[0], "events") &&
	    strcmp(argv[0], "dimms") && strcmp(argv[0], "cpus") &&
	    strcmp(argv[0], "actions") && strcmp(argv[0], "inject") &&
	    strcmp(argv[0], "reload") && strcmp(argv[0], "sockets") &&
	    strcmp(argv[0], "pages")) {
		fprintf(stderr, "rasctl: unknown command '%s'\n", argv[0]);
		usage(stderr);
		return 2;
	}
	return run_remote(&rc, argc, argv);
}

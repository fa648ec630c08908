/* rasctl_host.c - rasctl's commands about the host beyond machine checks:
 * health, sensors, the telemetry self-test and operator page/CPU actions. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../hypervisor/hv.h"
#include "rasctl_int.h"

static double jget_double(struct json_object *o, const char *k, bool *have)
{
	struct json_object *v = jget(o, k);

	*have = v != NULL;
	return v != NULL ? json_object_get_double(v) : NAN;
}

static void print_health(struct json_object *r)
{
	struct json_object *arr = jget(r, "conditions");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	printf("health: %s (%s)%s%s\n", jget_str(r, "level"),
	       jget_str(r, "state"), jget_str(r, "reason")[0] ? ": " : "",
	       jget_str(r, "reason"));
	printf("policy for this state: %s\n", jget_str(r, "actions"));
	if (n > 0)
		printf("\n%-7s %-10s %-28s %s\n", "LEVEL", "SOURCE",
		       "COMPONENT", "REASON");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		printf("%-7s %-10s %-28.28s %s\n", jget_str(o, "level"),
		       jget_str(o, "source"), jget_str(o, "component"),
		       jget_str(o, "reason"));
	}
	arr = jget(r, "events");
	n = arr ? json_object_array_length(arr) : 0;
	if (n > 0)
		printf("\n%6s %-11s %-12s %-8s %-24s %s\n", "ID", "SOURCE",
		       "CLASS", "SEVERITY", "COMPONENT", "WHAT");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		printf("%6lld %-11s %-12s %-8s %-24.24s %s%s",
		       jget_int(o, "id"), jget_str(o, "source"),
		       jget_str(o, "class"), jget_str(o, "severity"),
		       jget_str(o, "component"), jget_str(o, "what"),
		       jget(o, "deassert") ? " (deasserted)" : "");
		if (jget(o, "merged_event_id"))
			printf(" [same fault as event %lld]",
			       jget_int(o, "merged_event_id"));
		printf("\n");
	}
}

static void print_sensors(struct json_object *r)
{
	struct json_object *arr = jget(r, "sensors");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	if (!json_object_get_boolean(jget(r, "lm_sensors")) &&
	    !json_object_get_boolean(jget(r, "ipmi"))) {
		printf("no sensors watched ([sensors] enable, [ipmi] "
		       "interface)\n");
		return;
	}
	printf("%-6s %-22s %-20s %-8s %10s %-7s %s\n", "SOURCE", "CHIP",
	       "SENSOR", "KIND", "VALUE", "STATE", "DIMM");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);
		bool have;
		double v = jget_double(o, "value", &have);

		printf("%-6s %-22.22s %-20.20s %-8s ", jget_str(o, "source"),
		       jget_str(o, "chip"), jget_str(o, "name"),
		       jget_str(o, "kind"));
		if (have)
			printf("%10.2f ", v);
		else
			printf("%10s ", "-");
		printf("%-7s %s\n", jget_str(o, "state"), jget_str(o, "dimm"));
	}
}

static int sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

/* Start the test, then ask status until it is decided. */
static int run_selftest(const struct rasctl *rc)
{
	struct json_object *args, *reply, *res, *t;
	long long bound_ms, speed, waited = 0;
	int code = 1;

	args = json_object_new_object();
	if (call(rc, "selftest", args, &reply, &res) < 0) {
		json_object_put(args);
		return 1;
	}
	json_object_put(args);
	bound_ms = jget_int(res, "timeout_ms");
	json_object_put(reply);
	for (;;) {
		args = json_object_new_object();
		if (call(rc, "status", args, &reply, &res) < 0) {
			json_object_put(args);
			return 1;
		}
		json_object_put(args);
		t = jget(res, "telemetry");
		speed = jget_int(res, "clock_speed");
		if (strcmp(jget_str(t, "state"), "running") != 0 ||
		    waited > bound_ms / (speed > 0 ? speed : 1) + 10000)
			break;
		json_object_put(reply);
		sleep_ms(250);
		waited += 250;
	}
	if (rc->json)
		print_json(t);
	else
		printf("telemetry: %s: %s\n", jget_str(t, "state"),
		       jget_str(t, "reason"));
	if (!strcmp(jget_str(t, "state"), "ok"))
		code = 0;
	json_object_put(reply);
	return code;
}

static int parse_number(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno == 0 && end != s && *end == '\0' && s[0] != '-' ? 0 : -1;
}

static const struct option no_opts[] = {{NULL, 0, NULL, 0}};

static int build_op_args(int argc, char **argv, struct json_object *args)
{
	const char *key = !strcmp(argv[0], "page") ? "mfn" : "cpu";
	uint64_t n;

	optind = 0;
	if (rasctl_getopt(argc, argv, no_opts) != -1)
		return -1;
	argv += optind - 1;
	argc -= optind - 1;
	if (argc != 3 ||
	    (strcmp(argv[1], "offline") && strcmp(argv[1], "online"))) {
		fprintf(stderr, "rasctl: usage: %s offline|online %s\n",
		        argv[0], !strcmp(key, "mfn") ? "MFN" : "N");
		return -1;
	}
	if (parse_number(argv[2], &n) < 0) {
		fprintf(stderr, "rasctl: %s: '%s' is not a number\n", argv[0],
		        argv[2]);
		return -1;
	}
	json_object_object_add(args, "op", json_object_new_string(argv[1]));
	json_object_object_add(args, key, json_object_new_string(argv[2]));
	return 0;
}

static const struct option health_opts[] = {
    {"limit", required_argument, NULL, 'l'},
    {NULL, 0, NULL, 0},
};

/* health and pcie: [--limit N] */
static int build_limit_args(int argc, char **argv, struct json_object *args)
{
	uint64_t n;
	int c;

	optind = 0;
	while ((c = rasctl_getopt(argc, argv, health_opts)) != -1) {
		if (c == '?')
			return -1;
		if (parse_number(optarg, &n) < 0) {
			fprintf(stderr,
			        "rasctl: health: --limit '%s' is not a "
			        "number\n",
			        optarg);
			return -1;
		}
		json_object_object_add(args, "limit",
		                       json_object_new_int64((int64_t)n));
	}
	if (optind != argc) {
		fprintf(stderr, "rasctl: %s takes only --limit N\n", argv[0]);
		return -1;
	}
	return 0;
}

static int no_args(int argc, char **argv)
{
	optind = 0;
	if (rasctl_getopt(argc, argv, no_opts) != -1)
		return -1;
	if (optind != argc) {
		fprintf(stderr, "rasctl: %s takes no arguments\n", argv[0]);
		return -1;
	}
	return 0;
}

/* Nagios' plugin codes: OK, WARNING, CRITICAL; UNKNOWN when unasked. */
static int health_exit(struct json_object *res)
{
	const char *level = jget_str(res, "level");

	if (!strcmp(level, "green"))
		return 0;
	if (!strcmp(level, "yellow"))
		return 1;
	if (!strcmp(level, "red"))
		return 2;
	return 3;
}

static void print_devices(struct json_object *arr)
{
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	if (n == 0) {
		printf("no PCIe or CXL device has logged an error\n");
		return;
	}
	printf("%-6s %-16s %9s %8s %5s %7s %-5s %s\n", "SOURCE", "DEVICE",
	       "CORRECTED", "NONFATAL", "FATAL", "UNKNOWN", "STORM", "HOST");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		printf("%-6s %-16.16s %9lld %8lld %5lld %7lld %-5s %s\n",
		       jget_str(o, "source"), jget_str(o, "device"),
		       jget_int(o, "corrected"), jget_int(o, "nonfatal"),
		       jget_int(o, "fatal"), jget_int(o, "unknown"),
		       json_object_get_boolean(jget(o, "storm")) ? "yes" : "no",
		       jget_str(o, "host"));
	}
}

static void print_pcie(struct json_object *r)
{
	struct json_object *arr = jget(r, "events"), *pol = jget(r, "policy");
	size_t i, n = arr ? json_object_array_length(arr) : 0;

	print_devices(jget(r, "devices"));
	printf("storm: %lld corrected errors on one device within %lld s "
	       "(yellow); non-fatal: %s; fatal: red\n",
	       jget_int(pol, "threshold"), jget_int(pol, "window_ms") / 1000,
	       jget_str(pol, "nonfatal"));
	if (n > 0)
		printf("\n%6s %-6s %-9s %s\n", "ID", "SOURCE", "SEVERITY",
		       "WHAT");
	for (i = 0; i < n; i++) {
		struct json_object *o = json_object_array_get_idx(arr, i);

		printf("%6lld %-6s %-9s %s", jget_int(o, "id"),
		       jget_str(o, "source"), jget_str(o, "severity"),
		       jget_str(o, "message"));
		if (jget(o, "event_id"))
			printf(" [machine-check event %lld]",
			       jget_int(o, "event_id"));
		if (jget(o, "note"))
			printf(" (not known: %s)", jget_str(o, "note"));
		printf("\n");
	}
}

static void print_op(struct json_object *r)
{
	printf("%s %s: %s", jget_str(r, "kind"), jget_str(r, "state"),
	       jget_str(r, "detail"));
	if (jget(r, "owner") != NULL)
		printf(" [owner %s%s%s, raw status %s]", jget_str(r, "owner"),
		       jget(r, "domain") ? " dom" : "",
		       jget(r, "domain") ? jget_str(r, "domain") : "",
		       jget_str(r, "raw_status"));
	printf("\n");
}

int rasctl_host_run(const struct rasctl *rc, int argc, char **argv)
{
	struct json_object *args, *reply, *res;
	const char *cmd = argv[0];
	bool health = !strcmp(cmd, "health");
	int rcode = 0;

	if (!strcmp(cmd, "selftest"))
		return no_args(argc, argv) < 0 ? 2 : run_selftest(rc);
	args = json_object_new_object();
	if (!strcmp(cmd, "page") || !strcmp(cmd, "cpu"))
		rcode = build_op_args(argc, argv, args);
	else if (health || !strcmp(cmd, "pcie"))
		rcode = build_limit_args(argc, argv, args);
	else
		rcode = no_args(argc, argv);
	if (rcode < 0 || call(rc, cmd, args, &reply, &res) < 0) {
		json_object_put(args);
		return rcode < 0 ? 2 : health ? 3 : 1;
	}
	json_object_put(args);
	if (rc->json)
		print_json(res);
	else if (!strcmp(cmd, "health"))
		print_health(res);
	else if (!strcmp(cmd, "sensors"))
		print_sensors(res);
	else if (!strcmp(cmd, "pcie"))
		print_pcie(res);
	else
		print_op(res);
	/* An operator action that did not happen is a failure to a script. */
	if ((!strcmp(cmd, "page") || !strcmp(cmd, "cpu")) &&
	    strcmp(jget_str(res, "state"), "done") != 0)
		rcode = 1;
	if (health)
		rcode = health_exit(res);
	json_object_put(reply);
	return rcode;
}

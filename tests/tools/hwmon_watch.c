/* hwmon_watch.c - runs the sensor watcher on its own rasd loop and prints
 * one JSON line per event, and the readings on SIGUSR1 or with --once. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rasd/loop.h"
#include "sensors/hwmon.h"

#define MAX_RULES 32

struct watch {
	struct loop *lp;
	struct hwmon *h;
	int sfd;
};

static void usage(FILE *fp)
{
	fprintf(fp,
	        "usage: hwmon_watch [--once] [--interval MS] [--hyst-temp C]\n"
	        "       [--hyst-frac F] [--rescan N] [--conf SENSORS_CONF]\n"
	        "       [--limit 'CHIP FEATURE [min=X] [max=Y]']...\n"
	        "One JSON line per event on stdout; the readings on SIGUSR1.\n"
	        "SIGTERM or SIGINT stops it.\n");
}

static struct json_object *number(double v)
{
	/* JSON has no NaN: a value not known is null. */
	return isfinite(v) ? json_object_new_double(v) : NULL;
}

static void print_line(struct json_object *o)
{
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static void on_event(void *arg, const struct hwmon_event *ev)
{
	struct json_object *o = json_object_new_object();

	(void)arg;
	json_object_object_add(o, "type", json_object_new_string("event"));
	json_object_object_add(
	    o, "event",
	    json_object_new_string(hwmon_event_kind_name(ev->kind)));
	json_object_object_add(o, "chip", json_object_new_string(ev->chip));
	json_object_object_add(o, "feature",
	                       json_object_new_string(ev->feature));
	json_object_object_add(o, "label", json_object_new_string(ev->label));
	json_object_object_add(o, "dimm", json_object_new_string(ev->dimm));
	json_object_object_add(
	    o, "sensor", json_object_new_string(hwmon_kind_name(ev->sensor)));
	json_object_object_add(o, "value", number(ev->value));
	json_object_object_add(o, "limit", number(ev->limit));
	json_object_object_add(o, "limit_name",
	                       json_object_new_string(ev->limit_name));
	json_object_object_add(o, "critical",
	                       json_object_new_boolean(ev->critical));
	json_object_object_add(o, "detail", json_object_new_string(ev->detail));
	print_line(o);
}

static void add_limit(struct json_object *o, const char *key, bool has,
                      double v)
{
	if (has)
		json_object_object_add(o, key, number(v));
}

static void print_reading(const struct hwmon_reading *r)
{
	struct json_object *o = json_object_new_object();
	const struct hwmon_limits *l = &r->limits;

	json_object_object_add(o, "type", json_object_new_string("reading"));
	json_object_object_add(o, "chip", json_object_new_string(r->chip));
	json_object_object_add(o, "feature",
	                       json_object_new_string(r->feature));
	json_object_object_add(o, "label", json_object_new_string(r->label));
	json_object_object_add(o, "dimm", json_object_new_string(r->dimm));
	json_object_object_add(
	    o, "sensor", json_object_new_string(hwmon_kind_name(r->kind)));
	json_object_object_add(o, "value", number(r->value));
	add_limit(o, "min", l->has_min, l->min);
	add_limit(o, "max", l->has_max, l->max);
	add_limit(o, "lcrit", l->has_lcrit, l->lcrit);
	add_limit(o, "crit", l->has_crit, l->crit);
	add_limit(o, "emergency", l->has_emerg, l->emerg);
	add_limit(o, "policy_min", l->has_policy_min, l->policy_min);
	add_limit(o, "policy_max", l->has_policy_max, l->policy_max);
	json_object_object_add(
	    o, "state", json_object_new_string(hwmon_state_name(r->state)));
	json_object_object_add(o, "detail", json_object_new_string(r->detail));
	print_line(o);
}

static int print_readings(struct hwmon *h)
{
	struct hwmon_reading *rs;
	size_t n, i;

	n = hwmon_readings(h, NULL, 0);
	rs = calloc(n + 1, sizeof(*rs));
	if (rs == NULL)
		return -1;
	n = hwmon_readings(h, rs, n);
	for (i = 0; i < n; i++)
		print_reading(&rs[i]);
	printf("{\"type\":\"readings_end\",\"count\":%zu}\n", n);
	fflush(stdout);
	free(rs);
	return 0;
}

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct watch *w = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1)
		print_readings(w->h);
	else
		loop_stop(w->lp);
}

static int parse_double(const char *s, const char *opt, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	if (errno != 0 || end == s || *end != '\0' || *out < 0) {
		fprintf(stderr, "hwmon_watch: %s: not a number >= 0: '%s'\n",
		        opt, s);
		return -1;
	}
	return 0;
}

static int parse_args(int argc, char **argv, struct hwmon_config *cfg,
                      struct hwmon_limit_rule *rules, bool *once)
{
	static const struct option opts[] = {
	    {"once", no_argument, NULL, 'o'},
	    {"interval", required_argument, NULL, 'i'},
	    {"hyst-temp", required_argument, NULL, 't'},
	    {"hyst-frac", required_argument, NULL, 'f'},
	    {"rescan", required_argument, NULL, 'r'},
	    {"conf", required_argument, NULL, 'c'},
	    {"limit", required_argument, NULL, 'l'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	char err[256];
	double v;
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			*once = true;
			break;
		case 'i':
			if (parse_double(optarg, "--interval", &v) != 0 ||
			    v < 1)
				return -1;
			cfg->interval_ms = (uint64_t)v;
			break;
		case 't':
			if (parse_double(optarg, "--hyst-temp", &v) != 0)
				return -1;
			cfg->hysteresis_temp = v;
			break;
		case 'f':
			if (parse_double(optarg, "--hyst-frac", &v) != 0)
				return -1;
			cfg->hysteresis_frac = v;
			break;
		case 'r':
			if (parse_double(optarg, "--rescan", &v) != 0)
				return -1;
			cfg->rescan_every = (unsigned)v;
			break;
		case 'c':
			cfg->sensors_conf = optarg;
			break;
		case 'l':
			if (cfg->n_rules == MAX_RULES) {
				fprintf(stderr, "hwmon_watch: over %d limits\n",
				        MAX_RULES);
				return -1;
			}
			if (hwmon_limit_rule_parse(optarg, &rules[cfg->n_rules],
			                           err, sizeof(err)) != 0) {
				fprintf(stderr,
				        "hwmon_watch: --limit '%s': %s\n",
				        optarg, err);
				return -1;
			}
			cfg->n_rules++;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return -1;
	}
	return 0;
}

static int block_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static int run(struct watch *w, const struct hwmon_config *cfg, bool once)
{
	char err[256];
	int rc;

	if (hwmon_open(&w->h, once ? NULL : w->lp, cfg, on_event, w, err,
	               sizeof(err)) != 0) {
		fprintf(stderr, "hwmon_watch: %s\n", err);
		return 1;
	}
	if (once) {
		rc = print_readings(w->h);
	} else {
		printf("{\"type\":\"started\",\"features\":%zu}\n",
		       hwmon_readings(w->h, NULL, 0));
		fflush(stdout);
		rc = loop_run(w->lp);
	}
	hwmon_close(w->h);
	return rc == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
	struct hwmon_limit_rule rules[MAX_RULES];
	struct hwmon_config cfg;
	struct watch w = {.sfd = -1};
	bool once = false;
	int rc;

	hwmon_config_defaults(&cfg);
	cfg.rules = rules;
	if (parse_args(argc, argv, &cfg, rules, &once) != 0)
		return 2;
	w.sfd = block_signals();
	if (w.sfd < 0 || loop_create(&w.lp) != 0) {
		fprintf(stderr, "hwmon_watch: setup: %s\n", strerror(errno));
		return 1;
	}
	if (loop_add_fd(w.lp, w.sfd, on_signal, &w) != 0) {
		fprintf(stderr, "hwmon_watch: loop_add_fd: %s\n",
		        strerror(errno));
		return 1;
	}
	rc = run(&w, &cfg, once);
	loop_del_fd(w.lp, w.sfd);
	close(w.sfd);
	loop_destroy(w.lp);
	return rc;
}

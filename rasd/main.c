/* main.c - rasd's command line: options to a struct rasd_options, then
 * set-up, the event loop, and the end-of-run summary and checks. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../hypervisor/sim/sim.h"
#include "../include/version.h"
#include "../priv/priv.h"
#include "checkconfig.h"
#include "rasd.h"
#include "sdnotify.h"

#define DEFAULT_POLICY  "/etc/rasd/rasd.conf"
#define DEFAULT_JOURNAL "/var/lib/rasd/journal.db"
#define DEFAULT_SOCKET  "/run/rasd/rasd.sock"

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: rasd -H BACKEND [-c POLICY] [-j JOURNAL] [-s SOCKET] "
	    "[-u USER]\n"
	    "            [--speed N] [--log FILE] [--call-log FILE]\n"
	    "            [--exit-when-done] [--check] [--syslog] [-q] [-v]\n"
	    "       rasd -n|--check-config [-H BACKEND] [-c POLICY]\n"
	    "       rasd --help | --version\n"
	    "  -H, --hypervisor SPEC  backend (below)\n"
	    "  -n, --check-config     check the policy and the backend, "
	    "then exit\n"
	    "  -c, --policy FILE      policy (default %s if present)\n"
	    "  -j, --journal FILE     SQLite journal (default %s)\n"
	    "  -s, --socket PATH      control socket (default %s;\n"
	    "                         'none' for no socket)\n"
	    "  -u, --user USER        the engine's user (default _rasd, which\n"
	    "                         must exist); the parent stays root\n"
	    "      --speed N          run the clock N times faster (sim)\n"
	    "      --log FILE         append the timeline to FILE too\n"
	    "      --call-log FILE    sim: record every hypervisor call\n"
	    "      --sim-socket PATH  sim: the simulated host's socket\n"
	    "                         (default JOURNAL.simhost; started "
	    "if absent)\n"
	    "      --exit-when-done   sim: stop when the scenario is played\n"
	    "      --linger SECONDS   with it: first wait up to SECONDS for a\n"
	    "                         subscriber (rasd-snmp) to take the "
	    "notices\n"
	    "      --check            sim: exit 1 unless its expectations "
	    "hold\n"
	    "      --report DIR       write the HTML dashboard to DIR at exit\n"
	    "      --syslog           also log through syslog(3)\n"
	    "  -q, --quiet            no timeline on stderr\n"
	    "  -v, --verbose          debug messages\n%s",
	    DEFAULT_POLICY, DEFAULT_JOURNAL, DEFAULT_SOCKET,
	    checkconfig_backends_help);
}

enum {
	OPT_SPEED = 256,
	OPT_LOG,
	OPT_CALL_LOG,
	OPT_EXIT_WHEN_DONE,
	OPT_LINGER,
	OPT_CHECK,
	OPT_SYSLOG,
	OPT_VERSION,
	OPT_REPORT,
	OPT_SIM_SOCKET,
	OPT_CHECK_CONFIG,
};

static const struct option long_opts[] = {
    {"hypervisor", required_argument, NULL, 'H'},
    {"policy", required_argument, NULL, 'c'},
    {"journal", required_argument, NULL, 'j'},
    {"socket", required_argument, NULL, 's'},
    {"user", required_argument, NULL, 'u'},
    {"speed", required_argument, NULL, OPT_SPEED},
    {"log", required_argument, NULL, OPT_LOG},
    {"call-log", required_argument, NULL, OPT_CALL_LOG},
    {"sim-socket", required_argument, NULL, OPT_SIM_SOCKET},
    {"exit-when-done", no_argument, NULL, OPT_EXIT_WHEN_DONE},
    {"linger", required_argument, NULL, OPT_LINGER},
    {"check", no_argument, NULL, OPT_CHECK},
    {"check-config", no_argument, NULL, 'n'},
    {"report", required_argument, NULL, OPT_REPORT},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"quiet", no_argument, NULL, 'q'},
    {"verbose", no_argument, NULL, 'v'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_speed(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (end == s || *end != '\0' || v == 0 || v > 1000000)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

/* Whole seconds, 1 to 600, as ms. */
static int parse_linger(const char *s, uint64_t *out_ms)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end != '\0' || v < 1 || v > 600)
		return -1;
	*out_ms = v * 1000;
	return 0;
}

static int parse_args(int argc, char **argv, struct rasd_options *o,
                      bool *check_config)
{
	int c;

	while ((c = getopt_long(argc, argv, "H:c:j:s:u:nqvh", long_opts,
	                        NULL)) != -1) {
		switch (c) {
		case 'n':
			*check_config = true;
			break;
		case 'H':
			o->hv_spec = optarg;
			break;
		case 'c':
			o->policy_path = optarg;
			break;
		case 'j':
			o->journal_path = optarg;
			break;
		case 's':
			o->socket_path = strcmp(optarg, "none") ? optarg : NULL;
			break;
		case OPT_SPEED:
			if (parse_speed(optarg, &o->speed) < 0) {
				fprintf(stderr,
				        "rasd: --speed '%s': want 1 to "
				        "1000000\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_LOG:
			o->log_path = optarg;
			break;
		case OPT_CALL_LOG:
			o->call_log = optarg;
			break;
		case OPT_SIM_SOCKET:
			o->sim_socket = optarg;
			break;
		case OPT_EXIT_WHEN_DONE:
			o->exit_when_done = true;
			break;
		case OPT_LINGER:
			if (parse_linger(optarg, &o->linger_ms) < 0) {
				fprintf(stderr,
				        "rasd: --linger takes seconds, 1 to "
				        "600: '%s'\n",
				        optarg);
				return 2;
			}
			break;
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_REPORT:
			o->report_dir = optarg;
			break;
		case OPT_SYSLOG:
			o->use_syslog = true;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'q':
			o->quiet = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_VERSION:
			printf("rasd %s\n", RASD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "rasd: see rasd --help\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rasd: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	return 0;
}

static int finish_checks(struct rasd *d)
{
	struct journal_summary s;
	struct sim_observed obs;
	char report[8192];
	int failed;

	if (!d->opt.check || strncmp(d->opt.hv_spec, "sim:", 4) != 0)
		return 0;
	if (journal_summary(d->journal, &s) < 0) {
		fprintf(stderr, "rasd: journal: %s\n",
		        journal_error(d->journal));
		return 1;
	}
	obs.events = (uint64_t)s.events;
	obs.pages_offlined = (uint64_t)s.pages_offlined;
	obs.cpus_offlined = (uint64_t)s.cpus_offlined;
	obs.guests_evacuated = (uint64_t)s.guests_evacuated;
	obs.actions_failed = (uint64_t)s.actions_failed;
	failed =
	    hv_sim_check(hv_hook_inner(d->hv), &obs, report, sizeof(report));
	printf("scenario expectations:\n%s", report);
	if (failed > 0)
		printf("%d expectation(s) failed\n", failed);
	return failed > 0;
}

/* Under systemd: READY once set up, STOPPING when the loop ends. */
static int run_notified(struct rasd *d)
{
	struct sdnotify *sn;
	char err[256];
	int rc;

	if (sdnotify_open(&sn, d, err, sizeof(err)) < 0)
		fprintf(stderr, "rasd: systemd: %s\n", err);
	sdnotify_ready(sn);
	rc = rasd_run(d);
	sdnotify_stopping(sn);
	sdnotify_close(sn);
	return rc;
}

/*
 * The engine: everything rasd does but the few things that need root,
 * in the parent's child, already as its user. Its exit status is
 * rasd's.
 */
static int engine_main(void *arg, int call_fd, int note_fd)
{
	struct rasd_options opt = *(const struct rasd_options *)arg;
	struct rasd *d;
	char err[1024];
	int rc;

	opt.privsep = true;
	opt.priv_call_fd = call_fd;
	opt.priv_note_fd = note_fd;
	/* The context is large; keep it off the stack. */
	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return 1;
	if (rasd_init(d, &opt, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: %s\n", err);
		rasd_fini(d);
		free(d);
		return 1;
	}
	rc = run_notified(d) < 0 ? 1 : 0;
	if (finish_checks(d) != 0)
		rc = 1;
	if (opt.report_dir != NULL) {
		if (rasd_write_report(d, opt.report_dir, err, sizeof(err)) <
		    0) {
			fprintf(stderr, "rasd: report: %s\n", err);
			rc = 1;
		} else {
			printf("dashboard: %s/index.html\n", opt.report_dir);
		}
	}
	if (opt.exit_when_done || opt.check)
		rasd_print_summary(d);
	rasd_fini(d);
	free(d);
	return rc;
}

/*
 * The BMC's credentials file is root's alone; the engine that talks to the
 * BMC is not root, so the parent reads it now, before the fork. A changed
 * file is read at the next start (a reload keeps these).
 */
static void bmc_credentials_preload(struct rasd_options *opt)
{
	struct policy p;
	char err[256];

	policy_defaults(&p);
	if (opt->policy_path != NULL &&
	    policy_load_file(&p, opt->policy_path, err, sizeof(err)) < 0)
		return; /* the engine says what is wrong with the policy */
	if (strcmp(p.ipmi_interface, "lan") != 0 ||
	    p.ipmi_credentials[0] == '\0')
		return;
	snprintf(opt->bmc_cred_path, sizeof(opt->bmc_cred_path), "%s",
	         p.ipmi_credentials);
	opt->bmc_cred_loaded =
	    bmc_credentials_load(p.ipmi_credentials, &opt->bmc_cred,
	                         opt->bmc_cred_err,
	                         sizeof(opt->bmc_cred_err)) == 0;
}

static void priv_config_from(const struct rasd_options *opt,
                             struct priv_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hv_spec = opt->hv_spec;
	cfg->journal_path = opt->journal_path;
	cfg->socket_path = opt->socket_path;
	cfg->log_path = opt->log_path;
	cfg->policy_path = opt->policy_path;
	cfg->sim_socket = opt->sim_socket;
	cfg->call_log = opt->call_log;
	cfg->user = opt->user;
	cfg->crash_test = opt->crash.kind != CRASH_NONE;
}

int main(int argc, char **argv)
{
	struct rasd_options opt;
	struct priv_config cfg;
	bool check_config = false;
	char err[1024];
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.journal_path = DEFAULT_JOURNAL;
	opt.socket_path = DEFAULT_SOCKET;
	opt.speed = 1;
	rc = parse_args(argc, argv, &opt, &check_config);
	if (rc != 0)
		return rc;
	/* The crash tests' kill points (rasd(8), ENVIRONMENT). */
	if (getenv("RASD_CRASH_AT") != NULL &&
	    crash_parse(getenv("RASD_CRASH_AT"), &opt.crash, err, sizeof(err)) <
	        0) {
		fprintf(stderr, "rasd: %s\n", err);
		return 2;
	}
	if (opt.policy_path == NULL && access(DEFAULT_POLICY, R_OK) == 0)
		opt.policy_path = DEFAULT_POLICY;
	if (check_config)
		return checkconfig_run(opt.policy_path, opt.hv_spec, stdout);
	if (opt.hv_spec == NULL) {
		fprintf(stderr, "rasd: no hypervisor backend: give -H xen, "
		                "linux[:URI], auto or sim:SCENARIO\n");
		return 2;
	}
	/* A wrong -H is a usage error, told before any file is opened. */
	if (checkconfig_spec(opt.hv_spec, false, NULL, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: -H %s: %s\n", opt.hv_spec, err);
		return 2;
	}
	priv_config_from(&opt, &cfg);
	bmc_credentials_preload(&opt);
	rc = priv_parent_run(&cfg, engine_main, &opt);
	explicit_bzero(&opt.bmc_cred, sizeof(opt.bmc_cred));
	return rc;
}

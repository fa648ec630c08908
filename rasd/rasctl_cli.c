/* rasctl_cli.c - rasctl's command line: global options anywhere (--json,
 * --version), one table of commands with their usage and help, exit 2
 * for every usage error. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../include/version.h"
#include "rasctl_int.h"

#define DEFAULT_SOCKET "/run/rasd/rasd.sock"

enum {
	NEEDS_RASD = 1,   /* asks rasd over its socket */
	READS_JOURNAL = 2 /* or reads the journal itself with -j */
};

struct command {
	const char *name;
	const char *synopsis; /* after "rasctl NAME" */
	const char *help;     /* what it does, and its options */
	int (*run)(const struct rasctl *rc, int argc, char **argv);
	int flags;
};

static const struct command commands[] = {
    {"status", "", "host health and counts", rasctl_run_remote,
     NEEDS_RASD | READS_JOURNAL},
    {"events",
     "[--since T] [--until T] [--dimm LABEL] [--severity S]\n"
     "              [--limit N] [--before ID]",
     "machine-check events, newest first, a page at a time\n"
     "  --since T, --until T  epoch ms, or a duration ago (1h, 30m)\n"
     "  --dimm LABEL          only this DIMM's errors\n"
     "  --severity S          corrected, deferred, ucna, srao, srar, fatal\n"
     "  --limit N             at most N (default 100, at most 1000)\n"
     "  --before ID           the page older than event ID (the last ID\n"
     "                        of the previous page)",
     rasctl_run_events, NEEDS_RASD | READS_JOURNAL},
    {"history", "[--days N] [--dimm LABEL]",
     "errors per day and DIMM, read from the journal (-j, default\n"
     "/var/lib/rasd/journal.db): the days retention rolled up and the\n"
     "events still kept\n"
     "  --days N      the last N days (default: all)\n"
     "  --dimm LABEL  only this DIMM",
     rasctl_run_history, READS_JOURNAL},
    {"dimms", "[--local [--root DIR]]",
     "DIMMs, their state, errors and where their names came from\n"
     "  --local     this machine's DIMM map (EDAC, SMBIOS, label files)\n"
     "              without rasd\n"
     "  --root DIR  read sysfs and /etc under DIR (tests, rescue)",
     rasctl_run_dimms, NEEDS_RASD},
    {"cpus", "", "CPUs, online state and errors", rasctl_run_remote,
     NEEDS_RASD},
    {"actions", "", "what rasd decided and did, newest first",
     rasctl_run_actions, NEEDS_RASD | READS_JOURNAL},
    {"sockets", "", "processor sockets and their errors", rasctl_run_remote,
     NEEDS_RASD},
    {"pages", "", "offlined pages, as the hypervisor sees them",
     rasctl_run_remote, NEEDS_RASD},
    {"watch", "[--since SEQ] [--count N]",
     "follow rasd's notices as they are raised\n"
     "  --since SEQ  resume after notice SEQ\n"
     "  --count N    stop after N notices",
     rasctl_run_watch, NEEDS_RASD},
    {"health", "[--limit N]",
     "green/yellow/red, why, and the latest BMC and sensor events;\n"
     "exits 0 green, 1 yellow, 2 red, 3 when rasd cannot be asked\n"
     "(a Nagios-style check)\n"
     "  --limit N  at most N recent events",
     rasctl_host_run, NEEDS_RASD},
    {"sensors", "", "lm-sensors and BMC readings, limits", rasctl_host_run,
     NEEDS_RASD},
    {"pcie", "[--limit N]",
     "PCIe AER and CXL devices, their errors, and the latest device and\n"
     "firmware records\n"
     "  --limit N  at most N recent records (default 20; 0: none)",
     rasctl_host_run, NEEDS_RASD},
    {"selftest", "", "plant a corrected error and wait for it (root)",
     rasctl_host_run, NEEDS_RASD},
    {"page", "offline|online MFN",
     "take a machine frame out, or put it back (root)", rasctl_host_run,
     NEEDS_RASD},
    {"cpu", "offline|online N", "take a CPU down, or bring it back (root)",
     rasctl_host_run, NEEDS_RASD},
    {"inject",
     "--cpu N --bank N --status X [--addr A] [--misc M]\n"
     "              [--mcgstatus G] [--direct]",
     "plant a record through the backend, or (--direct) hand it to\n"
     "rasd's record path (root)",
     rasctl_run_inject, NEEDS_RASD},
    {"reload", "", "re-read the policy", rasctl_run_remote, NEEDS_RASD},
    {"report", "--html DIR", "write the HTML dashboard to DIR",
     rasctl_run_report, NEEDS_RASD},
    {"graph", "--out DIR [--dimm LABEL]",
     "draw the trend graphs (PNG) of every DIMM and socket, or one DIMM",
     rasctl_run_graph, NEEDS_RASD},
    {"decode", "[--format auto|binary|mcelog|dmesg] [--record-len N] [FILE]",
     "decode struct mce records, mcelog --ascii or dmesg text (stdin by\n"
     "default) to JSON lines; needs no rasd",
     rasctl_run_decode, 0},
};

#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
	        "usage: rasctl [-s SOCKET | -j JOURNAL] [--json] COMMAND "
	        "[ARGS]\n"
	        "       rasctl COMMAND --help | --help | --version\n"
	        "  -s, --socket PATH   rasd's control socket (default %s,\n"
	        "                      or $RASD_SOCKET)\n"
	        "  -j, --journal FILE  read the journal itself (rasd may be "
	        "down):\n"
	        "                      status, events, actions, history\n"
	        "      --json          JSON instead of tables, anywhere on "
	        "the line\n"
	        "commands:\n",
	        DEFAULT_SOCKET);
	for (i = 0; i < N_COMMANDS; i++)
		fprintf(f, "  %-12s %.*s\n", commands[i].name,
		        (int)strcspn(commands[i].help, "\n;"),
		        commands[i].help);
}

static void command_help(const struct command *c)
{
	printf("usage: rasctl [--json] %s%s%s\n%s\n", c->name,
	       c->synopsis[0] ? " " : "", c->synopsis, c->help);
}

static const struct command *command_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/*
 * --json, --help and --version mean the same wherever they stand (before
 * a "--"): take them out so each command's own parser never sees them.
 */
static void take_anywhere(int *argc, char **argv, struct rasctl *rc, bool *help,
                          bool *version)
{
	int i, o = 1;

	for (i = 1; i < *argc; i++) {
		if (!strcmp(argv[i], "--")) {
			while (i < *argc)
				argv[o++] = argv[i++];
			break;
		}
		if (!strcmp(argv[i], "--json"))
			rc->json = true;
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
			*help = true;
		else if (!strcmp(argv[i], "--version"))
			*version = true;
		else
			argv[o++] = argv[i];
	}
	*argc = o;
	argv[o] = NULL;
}

static const struct option global_opts[] = {
    {"socket", required_argument, NULL, 's'},
    {"journal", required_argument, NULL, 'j'},
    {NULL, 0, NULL, 0},
};

static int parse_global(int argc, char **argv, struct rasctl *rc)
{
	int c;

	/* "+": stop at the command, whose options are its own. */
	while ((c = getopt_long(argc, argv, "+s:j:", global_opts, NULL)) !=
	       -1) {
		switch (c) {
		case 's':
			rc->socket_path = optarg;
			break;
		case 'j':
			rc->journal_path = optarg;
			break;
		default:
			fprintf(stderr, "rasctl: see rasctl --help\n");
			return -1;
		}
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rasctl rc = {.socket_path = DEFAULT_SOCKET};
	const char *env = getenv("RASD_SOCKET");
	const struct command *cmd;
	bool help = false, version = false;

	if (env != NULL && *env != '\0')
		rc.socket_path = env;
	take_anywhere(&argc, argv, &rc, &help, &version);
	if (version) {
		printf("rasctl %s\n", RASD_VERSION);
		return 0;
	}
	if (parse_global(argc, argv, &rc) < 0)
		return 2;
	if (optind >= argc) {
		usage(help ? stdout : stderr);
		return help ? 0 : 2;
	}
	argv += optind;
	argc -= optind;
	if ((cmd = command_find(argv[0])) == NULL) {
		fprintf(stderr,
		        "rasctl: unknown command '%s' (see rasctl "
		        "--help)\n",
		        argv[0]);
		return 2;
	}
	if (help) {
		command_help(cmd);
		return 0;
	}
	if (rc.journal_path != NULL && !(cmd->flags & READS_JOURNAL)) {
		fprintf(stderr,
		        "rasctl: %s needs rasd; with -j only status, events, "
		        "actions and history are read from the journal\n",
		        cmd->name);
		return 2;
	}
	return cmd->run(&rc, argc, argv);
}

static const char *opt_name(const struct option *opts, int val)
{
	for (; opts->name != NULL; opts++)
		if (opts->val == val)
			return opts->name;
	return "?";
}

/*
 * getopt_long over a command's own arguments (argv[0] is its name);
 * set optind to 0 before the first call. A bad option is told here,
 * naming it, and comes back as '?'.
 */
int rasctl_getopt(int argc, char **argv, const struct option *opts)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, "", opts, NULL);
	if (c != '?')
		return c;
	if (optopt != 0)
		fprintf(stderr, "rasctl: %s: --%s wants a value\n", argv[0],
		        opt_name(opts, optopt));
	else
		fprintf(stderr,
		        "rasctl: %s: unknown option '%s' (see rasctl %s "
		        "--help)\n",
		        argv[0], argv[optind - 1], argv[0]);
	return '?';
}

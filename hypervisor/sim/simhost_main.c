/* simhost_main.c - rasd-simhost's command line: the simulated Xen host of
 * a scenario as its own process, for rasd's sim backend to attach to. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/sim/simhost.h"

#define SIMHOST_VERSION_TEXT "0.1.0"

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: rasd-simhost -s SOCKET [--speed N] [--start-ms MS]\n"
	        "                    [--call-log FILE] [--idle-exit SECONDS]\n"
	        "                    SCENARIO\n"
	        "  -s, --socket PATH     listen here (rasd -H sim:SCENARIO\n"
	        "                        attaches to JOURNAL.simhost)\n"
	        "      --speed N         virtual ms per real ms (default 1)\n"
	        "      --start-ms MS     virtual time at start (default: "
	        "now)\n"
	        "      --call-log FILE   append every hypervisor call\n"
	        "      --idle-exit SEC   exit after SEC with no daemon "
	        "attached\n"
	        "                        (default 0: never)\n"
	        "      --feed FILE       also write FILE's binary records "
	        "into the\n"
	        "                        device as fast as it is read, none "
	        "dropped\n"
	        "      --feed-stats FILE what the feed measured, at exit\n"
	        "      --feed-rate N     write the feed at N records/s, in "
	        "1 ms steps\n");
}

/* Decimal, within max; -1 otherwise. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	if (*s < '0' || *s > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v > max)
		return -1;
	*out = v;
	return 0;
}

static int bad(const char *opt, const char *arg, const char *want)
{
	fprintf(stderr, "rasd-simhost: %s '%s': want %s\n", opt, arg, want);
	return 2;
}

static const struct option long_opts[] = {
    {"socket", required_argument, NULL, 's'},
    {"speed", required_argument, NULL, 'S'},
    {"start-ms", required_argument, NULL, 'T'},
    {"call-log", required_argument, NULL, 'L'},
    {"idle-exit", required_argument, NULL, 'I'},
    {"ready-fd", required_argument, NULL, 'R'},
    {"feed", required_argument, NULL, 'F'},
    {"feed-stats", required_argument, NULL, 'G'},
    {"feed-rate", required_argument, NULL, 'P'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};

static int parse_args(int argc, char **argv, struct simhost_options *o)
{
	uint64_t v;
	int c;

	while ((c = getopt_long(argc, argv, "s:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'S':
			if (parse_u64(optarg, 1000000, &v) < 0 || v == 0)
				return bad("--speed", optarg, "1 to 1000000");
			o->speed = (uint32_t)v;
			break;
		case 'T':
			if (parse_u64(optarg, UINT64_MAX / 2, &o->start_ms) < 0)
				return bad("--start-ms", optarg,
				           "milliseconds since the epoch");
			break;
		case 'L':
			o->call_log = optarg;
			break;
		case 'I':
			if (parse_u64(optarg, 86400 * 365, &v) < 0)
				return bad("--idle-exit", optarg, "seconds");
			o->idle_exit_ms = v * 1000;
			break;
		case 'R':
			if (parse_u64(optarg, 1024, &v) < 0)
				return bad("--ready-fd", optarg,
				           "a file descriptor");
			o->ready_fd = (int)v;
			break;
		case 'F':
			o->feed = optarg;
			break;
		case 'G':
			o->feed_stats = optarg;
			break;
		case 'P':
			if (parse_u64(optarg, 100000000, &v) < 0 || v == 0)
				return bad(
				    "--feed-rate", optarg,
				    "records per second, 1 to 100000000");
			o->feed_rate = v;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("rasd-simhost %s\n", SIMHOST_VERSION_TEXT);
			exit(0);
		default:
			usage(stderr);
			return 2;
		}
	}
	if (o->socket == NULL || optind != argc - 1) {
		usage(stderr);
		return 2;
	}
	o->scenario = argv[optind];
	return 0;
}

int main(int argc, char **argv)
{
	struct simhost_options o;
	char err[1024];
	int rc;

	memset(&o, 0, sizeof(o));
	o.speed = 1;
	o.ready_fd = -1;
	rc = parse_args(argc, argv, &o);
	if (rc != 0)
		return rc;
	if (simhost_serve(&o, err, sizeof(err)) < 0) {
		if (o.ready_fd < 0)
			fprintf(stderr, "rasd-simhost: %s\n", err);
		return 1;
	}
	return 0;
}

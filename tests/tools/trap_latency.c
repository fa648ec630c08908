/* trap_latency.c - how long a machine-check record takes from entering
 * rasd to its SNMP notification's line in snmptrapd's log, N times. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "rasd/control.h"

/* UCNA memory read error on channel 1, no address: every one is a MEMUE
 * notice and an rasdUncorrectableError, and none offlines anything. */
#define UCNA_STATUS "0xa000000000010091"

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* Lines containing pat among the bytes appended to fd since last time. */
static size_t new_matches(int fd, const char *pat, char *carry, size_t *used)
{
	char buf[65536];
	size_t n = 0;
	ssize_t got;

	while ((got = read(fd, buf, sizeof(buf))) > 0) {
		ssize_t i;

		for (i = 0; i < got; i++) {
			if (buf[i] != '\n') {
				if (*used + 1 < 4096)
					carry[(*used)++] = buf[i];
				continue;
			}
			carry[*used] = '\0';
			n += strstr(carry, pat) != NULL;
			*used = 0;
		}
	}
	return n;
}

static int inject(int fd, char *err, size_t errlen)
{
	struct json_object *args = json_object_new_object(), *reply = NULL;
	struct json_object *ok;
	int rc;

	json_object_object_add(args, "cpu", json_object_new_int(0));
	json_object_object_add(args, "bank", json_object_new_int(7));
	json_object_object_add(args, "status",
	                       json_object_new_string(UCNA_STATUS));
	rc = control_client_call(fd, "inject", args, &reply, err, errlen);
	if (rc == 0 && (!json_object_object_get_ex(reply, "ok", &ok) ||
	                !json_object_get_boolean(ok))) {
		snprintf(err, errlen, "inject refused: %s",
		         json_object_to_json_string(reply));
		rc = -1;
	}
	json_object_put(args);
	json_object_put(reply);
	return rc;
}

int main(int argc, char **argv)
{
	char err[512], carry[4096];
	size_t used = 0;
	int n, i, cfd, lfd;

	if (argc != 5 || (n = atoi(argv[3])) <= 0) {
		fprintf(stderr,
		        "usage: trap_latency SOCKET TRAPLOG N PATTERN\n");
		return 2;
	}
	cfd = control_client_connect(argv[1], err, sizeof(err));
	lfd = open(argv[2], O_RDONLY);
	if (cfd < 0 || lfd < 0) {
		fprintf(stderr, "trap_latency: %s\n",
		        cfd < 0 ? err : strerror(errno));
		return 1;
	}
	lseek(lfd, 0, SEEK_END);
	for (i = 0; i < n; i++) {
		uint64_t t0 = now_us(), deadline = t0 + 5000000u;
		struct timespec nap = {0, 100000};

		if (inject(cfd, err, sizeof(err)) < 0) {
			fprintf(stderr, "trap_latency: %s\n", err);
			return 1;
		}
		while (new_matches(lfd, argv[4], carry, &used) == 0) {
			if (now_us() > deadline) {
				fprintf(stderr,
				        "trap_latency: record %d: no "
				        "notification within 5 s\n",
				        i + 1);
				return 1;
			}
			nanosleep(&nap, NULL);
		}
		printf("%llu\n", (unsigned long long)(now_us() - t0));
	}
	return 0;
}

/* syslog_send.c - drives the syslog publisher for the integration tests:
 * reads "send", "flush", "run" and "stats" lines on stdin, reports on stdout.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "rasd/publish/syslog5424.h"

static const char usage[] =
    "usage: syslog_send [-t local|tcp|tls] [-a path|host:port] [-C ca.pem]\n"
    "                   [-N tls-name] [-s storm-limit] [-w window-ms]\n"
    "                   [-r reconnect-ms] [-q queue-max] [-T notice-time-ms]\n"
    "stdin: send MSGID PRIO [key=value ...] [-- text]\n"
    "       flush MS (until the queue is empty) | run MS | stats\n";

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int priority_named(const char *s)
{
	static const char *names[] = {"emerg",   "alert",  "crit", "err",
	                              "warning", "notice", "info", "debug"};
	int i;

	for (i = 0; i < 8; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return atoi(s) & 7;
}

static void print_stats(struct syslog5424 *p)
{
	struct syslog5424_stats st;

	syslog5424_stats(p, &st);
	printf("stats sent=%llu queued=%zu dropped=%llu folded=%llu "
	       "summaries=%llu connects=%llu connected=%d error=%s\n",
	       (unsigned long long)st.sent, st.queued,
	       (unsigned long long)st.dropped, (unsigned long long)st.folded,
	       (unsigned long long)st.summaries,
	       (unsigned long long)st.connects, st.connected,
	       syslog5424_last_error(p));
}

/* Runs the publisher the way the daemon's loop would, for up to ms; with
 * until_empty it stops as soon as the queue is written. */
static void drive(struct syslog5424 *p, uint64_t ms, int until_empty)
{
	uint64_t end = now_ms() + ms, t, next;
	struct pollfd pfd;
	int timeout;

	while ((t = now_ms()) < end) {
		if (syslog5424_flush(p, t) == 0 && until_empty)
			return;
		next = syslog5424_next_ms(p, t);
		timeout = 20;
		if (next != UINT64_MAX && next - t < (uint64_t)timeout)
			timeout = (int)(next - t);
		pfd.fd = syslog5424_poll_fd(p, &pfd.events);
		poll(&pfd, pfd.fd >= 0 ? 1 : 0, timeout);
	}
	syslog5424_flush(p, now_ms());
}

static void send_line(struct syslog5424 *p, char *args, uint64_t fixed_time)
{
	char *save = NULL, *tok, *eq, *text = strstr(args, " -- ");
	struct notice n;
	int rc;

	memset(&n, 0, sizeof(n));
	if (text != NULL) {
		*text = '\0';
		snprintf(n.text, sizeof(n.text), "%s", text + 4);
	}
	n.msgid = strtok_r(args, " ", &save);
	tok = strtok_r(NULL, " ", &save);
	if (n.msgid == NULL || tok == NULL) {
		printf("error: send MSGID PRIO [key=value ...] [-- text]\n");
		return;
	}
	n.priority = priority_named(tok);
	while ((tok = strtok_r(NULL, " ", &save)) != NULL) {
		eq = strchr(tok, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		notice_add(&n, tok, "%s", eq + 1);
	}
	n.time_ms = fixed_time ? fixed_time : now_ms();
	rc = syslog5424_send(p, &n, now_ms());
	printf("send %s: %s\n", n.msgid,
	       rc == 0   ? "queued"
	       : rc == 1 ? "folded"
	                 : "refused");
}

static void run_commands(struct syslog5424 *p, uint64_t fixed_time)
{
	char line[2048];
	size_t len;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		len = strlen(line);
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (strncmp(line, "send ", 5) == 0)
			send_line(p, line + 5, fixed_time);
		else if (strncmp(line, "flush ", 6) == 0)
			drive(p, strtoull(line + 6, NULL, 10), 1);
		else if (strncmp(line, "run ", 4) == 0)
			drive(p, strtoull(line + 4, NULL, 10), 0);
		if (strncmp(line, "send ", 5) != 0)
			print_stats(p);
	}
}

int main(int argc, char **argv)
{
	struct syslog5424_opts o;
	struct syslog5424 *p;
	uint64_t fixed_time = 0;
	char err[512];
	int c;

	setvbuf(stdout, NULL, _IOLBF, 0);
	syslog5424_opts_defaults(&o);
	o.hostname = "rasd-test-host";
	o.connect_timeout_ms = 1000;
	while ((c = getopt(argc, argv, "t:a:C:N:s:w:r:q:T:")) != -1) {
		switch (c) {
		case 't':
			o.transport =
			    strcmp(optarg, "tcp") == 0   ? SYSLOG5424_TCP
			    : strcmp(optarg, "tls") == 0 ? SYSLOG5424_TLS
			                                 : SYSLOG5424_LOCAL;
			break;
		case 'a':
			o.socket_path = optarg;
			o.target = optarg;
			break;
		case 'C':
			o.ca_file = optarg;
			break;
		case 'N':
			o.tls_name = optarg;
			break;
		case 's':
			o.storm_limit = (unsigned)atoi(optarg);
			break;
		case 'w':
			o.storm_window_ms = strtoull(optarg, NULL, 10);
			break;
		case 'r':
			o.reconnect_min_ms = strtoull(optarg, NULL, 10);
			o.reconnect_max_ms = o.reconnect_min_ms;
			break;
		case 'q':
			o.queue_max = (size_t)atoi(optarg);
			break;
		case 'T':
			fixed_time = strtoull(optarg, NULL, 10);
			break;
		default:
			fputs(usage, stderr);
			return 2;
		}
	}
	if (syslog5424_open(&p, &o, err, sizeof(err)) != 0) {
		printf("open failed: %s\n", err);
		return 1;
	}
	run_commands(p, fixed_time);
	syslog5424_close(p);
	return 0;
}

/* main.c - rasd-snmp: rasd's state and notices served over AgentX, from
 * one select() loop shared with net-snmp; unprivileged once connected. */
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/signalfd.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "../rasd/policy.h"
#include "../include/version.h"
#include "agentx.h"
#include "link.h"
#include "mib.h"
#include "notify.h"
#include "state.h"

#define DEFAULT_SOCKET    "/run/rasd/rasd.sock"
#define DEFAULT_AGENTX    "/var/agentx/master"
#define DEFAULT_QUEUE     1000
#define DEFAULT_PING_S    5
#define DEFAULT_REFRESH_S 30
#define DEFAULT_STORM     50
#define DEFAULT_STORM_MS  60000

struct options {
	const char *socket, *agentx, *user;
	size_t queue;
	int ping_s, refresh_s;
	uint32_t storm_limit;
	uint64_t storm_window_ms;
	bool log_stderr, verbose;
};

/* Everything the agent holds; net-snmp's callbacks get it as their
 * client argument, so nothing lives in globals. */
struct agent {
	struct options opt;
	struct agentx *ax;
	struct link link;
	struct oidtab tabs[MIB_N_VIEWS];
	struct state st;
	bool have_state;
	struct mib_agent_counters counters;
	struct notify_queue queue;
	struct notify_storm storm;
	int sig_fd;
	bool stop;
	bool ax_changed;     /* the master came or went; act in the loop */
	bool dirty;          /* tables to refill from st and counters */
	bool link_logged;    /* "cannot reach rasd" said for this outage */
	bool build_failing;  /* "bad state from rasd" said already */
	uint64_t drop_mark;  /* queue.dropped when the master went away */
	uint64_t refresh_at; /* monotonic ms */
};

static void usage(FILE *f)
{
	fprintf(f,
	        "usage: rasd-snmp [-s SOCKET] [-x AGENTX] [-u USER] [-Q N] "
	        "[-p SECONDS]\n"
	        "                 [-r SECONDS] [--storm LIMIT/WINDOW] [-L] "
	        "[-v]\n"
	        "  -s, --socket PATH    rasd's control socket (default %s)\n"
	        "  -x, --agentx SOCKET  the master's AgentX socket (default "
	        "%s)\n"
	        "  -u, --user USER      run as USER once connected\n"
	        "  -Q, --queue N        notifications kept while the master "
	        "is away (%d)\n"
	        "  -p, --ping SECONDS   AgentX ping and reconnect interval "
	        "(%d)\n"
	        "  -r, --refresh SECONDS  re-read rasd's state at least this "
	        "often (%d)\n"
	        "      --storm LIMIT/WINDOW  corrected errors folded into "
	        "one storm\n"
	        "                       notification (default %d/%ds)\n"
	        "  -L, --stderr         log to stderr, not syslog\n"
	        "  -v, --verbose        debug messages\n"
	        "  -h, --help, --version\n",
	        DEFAULT_SOCKET, DEFAULT_AGENTX, DEFAULT_QUEUE, DEFAULT_PING_S,
	        DEFAULT_REFRESH_S, DEFAULT_STORM, DEFAULT_STORM_MS / 1000);
}

enum { OPT_STORM = 256, OPT_VERSION };

static const struct option long_opts[] = {
    {"socket", required_argument, NULL, 's'},
    {"agentx", required_argument, NULL, 'x'},
    {"user", required_argument, NULL, 'u'},
    {"queue", required_argument, NULL, 'Q'},
    {"ping", required_argument, NULL, 'p'},
    {"refresh", required_argument, NULL, 'r'},
    {"storm", required_argument, NULL, OPT_STORM},
    {"stderr", no_argument, NULL, 'L'},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int parse_uint(const char *s, unsigned long min, unsigned long max,
                      unsigned long *out)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * The policy file's durations ("60s", "5m", "1h"); a bare number is
 * seconds. At most a week: a longer storm window only delays the alert.
 */
static int parse_window(const char *s, uint64_t *ms)
{
	unsigned long v;

	if (parse_uint(s, 1, 7 * 24 * 3600, &v) == 0) {
		*ms = (uint64_t)v * 1000;
		return 0;
	}
	if (policy_parse_duration(s, ms) < 0 || *ms == 0)
		return -1;
	return *ms <= 7ull * 24 * 3600 * 1000 ? 0 : -1;
}

static int parse_storm(const char *s, struct options *o)
{
	char limit[32];
	const char *slash = strchr(s, '/');
	unsigned long v;
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - s)) >= sizeof(limit))
		return -1;
	memcpy(limit, s, n);
	limit[n] = '\0';
	if (parse_uint(limit, 1, 1000000, &v) < 0 ||
	    parse_window(slash + 1, &o->storm_window_ms) < 0)
		return -1;
	o->storm_limit = (uint32_t)v;
	return 0;
}

static int bad_value(const char *opt, const char *val, const char *want)
{
	fprintf(stderr, "rasd-snmp: %s '%s': %s\n", opt, val, want);
	return 1;
}

static int parse_number_opt(int c, const char *arg, struct options *o)
{
	unsigned long v;

	switch (c) {
	case 'Q':
		if (parse_uint(arg, 1, 1000000, &v) < 0)
			return bad_value("-Q/--queue", arg,
			                 "want 1 to 1000000");
		o->queue = v;
		return 0;
	case 'p':
		if (parse_uint(arg, 1, 3600, &v) < 0)
			return bad_value("-p/--ping", arg,
			                 "want 1 to 3600 seconds");
		o->ping_s = (int)v;
		return 0;
	case 'r':
		if (parse_uint(arg, 1, 86400, &v) < 0)
			return bad_value("-r/--refresh", arg,
			                 "want 1 to 86400 seconds");
		o->refresh_s = (int)v;
		return 0;
	}
	if (parse_storm(arg, o) < 0)
		return bad_value("--storm", arg,
		                 "want LIMIT/WINDOW, e.g. 50/60s (window up "
		                 "to 7 days, in s, m or h)");
	return 0;
}

static int parse_args(int argc, char **argv, struct options *o)
{
	int c;

	while ((c = getopt_long(argc, argv, "s:x:u:Q:p:r:Lvh", long_opts,
	                        NULL)) != -1) {
		switch (c) {
		case 's':
			o->socket = optarg;
			break;
		case 'x':
			o->agentx = optarg;
			break;
		case 'u':
			o->user = optarg;
			break;
		case 'Q':
		case 'p':
		case 'r':
		case OPT_STORM:
			if (parse_number_opt(c, optarg, o) != 0)
				return 2;
			break;
		case 'L':
			o->log_stderr = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case OPT_VERSION:
			printf("rasd-snmp %s\n", RASD_VERSION);
			exit(0);
		case 'h':
			usage(stdout);
			exit(0);
		default:
			fprintf(stderr, "rasd-snmp: see rasd-snmp --help\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "rasd-snmp: unexpected argument '%s'\n",
		        argv[optind]);
		return 2;
	}
	return 0;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The agent's own times (entStateLastChanged, agent-made notifications)
 * come from the wall clock, as rasd's notices do. */
static uint64_t wall_ms(void)
{
	return (uint64_t)time(NULL) * 1000u;
}

/* ---- notifications: queued always, sent while the master is there. */

static void flush_queue(struct agent *a)
{
	const struct notification *n;
	char err[256];

	while (agentx_connected(a->ax) &&
	       (n = notify_queue_peek(&a->queue)) != NULL) {
		if (agentx_send(a->ax, n, err, sizeof(err)) < 0) {
			agentx_log(LOG_WARNING, "notification held: %s", err);
			break;
		}
		agentx_debug(a->ax, "notification sent (rasd seq %llu)",
		             (unsigned long long)n->seq);
		notify_queue_pop(&a->queue);
		a->counters.notify_sent++;
	}
	a->dirty = true;
}

static void raise_notification(struct agent *a, const struct notification *n)
{
	uint64_t before = a->queue.dropped;

	notify_queue_push(&a->queue, n);
	/* Said once per outage; the total comes with the reconnect. */
	if (a->queue.dropped > before && before == a->drop_mark)
		agentx_log(LOG_WARNING,
		           "notification queue full (%zu): dropping the "
		           "oldest until the master agent is back",
		           a->queue.cap);
	flush_queue(a);
}

static void on_oper_change(void *arg, const struct state_entity *now,
                           int old_oper)
{
	struct agent *a = arg;
	struct notification n;

	agentx_debug(a->ax, "entity %d (%s): oper %d -> %d", now->index,
	             now->name, old_oper, now->oper);
	notify_entity_oper(now, wall_ms(), &n);
	raise_notification(a, &n);
}

/* ---- rasd's state */

static bool entities_differ(const struct state *a, const struct state *b)
{
	size_t i;

	if (a->n_ents != b->n_ents)
		return true;
	for (i = 0; i < a->n_ents; i++)
		if (a->ents[i].index != b->ents[i].index ||
		    a->ents[i].contained_in != b->ents[i].contained_in)
			return true;
	return false;
}

static void adopt_state(struct agent *a, struct state *next)
{
	struct notification n;
	uint64_t now = wall_ms();

	if (!a->have_state || entities_differ(&a->st, next))
		a->counters.last_change_ms = now;
	/* The first view too: its sensors' read times are stamped. */
	state_diff(a->have_state ? &a->st : NULL, next, now, on_oper_change, a);
	if (a->have_state) {
		if (next->health != a->st.health) {
			notify_health(next, now, &n);
			raise_notification(a, &n);
		}
	}
	state_move(&a->st, next);
	a->have_state = true;
	a->dirty = true;
}

/*
 * Read rasd's state into next. Returns -1 only when the link failed;
 * a reply state_build refuses is logged once, *built stays false and
 * the last good view is kept.
 */
static int fetch_state(struct agent *a, struct state *next, bool *built)
{
	struct state_inputs in;
	char err[512];
	int rc;

	*built = false;
	memset(&in, 0, sizeof(in));
	memset(next, 0, sizeof(*next));
	a->refresh_at = mono_ms() + (uint64_t)a->opt.refresh_s * 1000u;
	if (link_fetch(&a->link, &in, err, sizeof(err)) < 0) {
		agentx_log(LOG_WARNING, "%s", err);
		return -1;
	}
	rc = state_build(next, &in, a->have_state ? &a->st : NULL, err,
	                 sizeof(err));
	link_inputs_free(&in);
	if (rc < 0) {
		if (!a->build_failing)
			agentx_log(LOG_ERR, "rasd's state not usable: %s", err);
		a->build_failing = true;
		state_free(next);
		return 0;
	}
	if (a->build_failing)
		agentx_log(LOG_INFO, "rasd's state usable again");
	a->build_failing = false;
	*built = true;
	return 0;
}

static int refresh(struct agent *a)
{
	struct state next;
	bool built;

	if (fetch_state(a, &next, &built) < 0)
		return -1;
	if (built)
		adopt_state(a, &next);
	return 0;
}

/* ---- rasd's notices */

static void take_notice(struct agent *a, struct json_object *o,
                        const struct state *st)
{
	struct notification out;
	struct notice_in n;
	char err[256];
	int rc;

	if (notice_in_parse(o, &n, err, sizeof(err)) < 0) {
		agentx_log(LOG_WARNING, "rasd notice skipped: %s", err);
		return;
	}
	/* A backlog can overlap what the stream already gave. */
	if (n.seq != 0 && n.seq <= a->link.last_seq)
		return;
	rc = notify_from_notice(&n, st, &a->storm, &out, err, sizeof(err));
	if (rc < 0)
		agentx_log(LOG_WARNING, "rasd notice %llu (%s): %s",
		           (unsigned long long)n.seq, n.msgid, err);
	else if (rc > 0)
		raise_notification(a, &out);
	link_handled(&a->link, n.seq);
}

/*
 * One batch: the state read once, so notifications find what the
 * notices changed; the notices' own notifications first, then what the
 * new state changed (entity oper, host health), which they caused.
 */
static int take_notices(struct agent *a, struct json_object *arr)
{
	size_t i, n = json_object_array_length(arr);
	struct state next;
	bool built;
	int rc;

	if (n == 0)
		return 0;
	rc = fetch_state(a, &next, &built);
	for (i = 0; i < n; i++)
		take_notice(a, json_object_array_get_idx(arr, i),
		            built ? &next : &a->st);
	if (built)
		adopt_state(a, &next);
	return rc;
}

static void lose_rasd(struct agent *a, const char *why)
{
	agentx_log(LOG_WARNING, "lost rasd at %s: %s", a->link.path, why);
	a->link_logged = true;
	link_down(&a->link, mono_ms());
	a->counters.daemon_connected = false;
	a->dirty = true;
}

static void on_stream(struct agent *a)
{
	struct json_object *arr = json_object_new_array();
	char err[512];
	int rc;

	rc = link_read(&a->link, arr, err, sizeof(err));
	if (take_notices(a, arr) < 0 && rc == 0) {
		rc = -1;
		snprintf(err, sizeof(err), "state requests failed");
	}
	json_object_put(arr);
	if (rc < 0)
		lose_rasd(a, err);
}

static void greet(struct agent *a, struct link_hello *h)
{
	agentx_log(LOG_INFO, "connected to rasd at %s (boot %s, notice %llu%s)",
	           a->link.path, h->boot, (unsigned long long)h->seq,
	           h->new_boot ? ", new boot" : "");
	if (h->missed > 0)
		agentx_log(LOG_WARNING,
		           "%llu rasd notices were gone from its ring before "
		           "they could be read",
		           (unsigned long long)h->missed);
	a->link_logged = false;
	a->counters.daemon_connected = true;
	a->dirty = true;
}

static void try_rasd(struct agent *a)
{
	struct link_hello h;
	char err[512];

	if (link_connect(&a->link, &h, err, sizeof(err)) < 0) {
		if (!a->link_logged)
			agentx_log(LOG_WARNING, "%s; retrying", err);
		a->link_logged = true;
		link_down(&a->link, mono_ms());
		return;
	}
	greet(a, &h);
	/* The backlog is a batch like any other: state first. */
	if (take_notices(a, h.backlog) < 0 ||
	    (json_object_array_length(h.backlog) == 0 && refresh(a) < 0))
		lose_rasd(a, "state requests failed");
	link_hello_free(&h);
}

/* ---- the master agent */

static void on_master(void *arg, bool up)
{
	struct agent *a = arg;

	/* Inside net-snmp's read or alarm: only note it. */
	(void)up;
	a->ax_changed = true;
}

static void master_changed(struct agent *a)
{
	uint64_t lost;

	a->ax_changed = false;
	if (!agentx_connected(a->ax)) {
		agentx_log(LOG_WARNING,
		           "AgentX master at %s gone; notifications are "
		           "queued (up to %zu) until it is back",
		           a->opt.agentx, a->queue.cap);
		a->drop_mark = a->queue.dropped;
		return;
	}
	lost = a->queue.dropped - a->drop_mark;
	agentx_log(LOG_INFO,
	           "AgentX master at %s connected; sending %zu queued "
	           "notification(s)%s",
	           a->opt.agentx, a->queue.n,
	           lost ? ", some were dropped" : "");
	if (lost > 0)
		agentx_log(LOG_WARNING,
		           "%llu notification(s) dropped while the master was "
		           "away (queue limit %zu)",
		           (unsigned long long)lost, a->queue.cap);
	a->drop_mark = a->queue.dropped;
	flush_queue(a);
}

static void serve(struct agent *a)
{
	a->dirty = false;
	a->counters.notify_queued = (uint32_t)a->queue.n;
	a->counters.notify_dropped = (uint32_t)a->queue.dropped;
	if (mib_fill(a->tabs, &a->st, &a->counters) < 0)
		agentx_log(LOG_ERR, "cannot fill the MIB tables: out of "
		                    "memory");
}

/* ---- privileges */

/* The user's groups, as login would give them (so a socket shared
 * through a group stays reachable). */
static int set_groups(const struct passwd *pw, char *err, size_t errlen)
{
	gid_t groups[64];
	int n = (int)(sizeof(groups) / sizeof(groups[0]));

	if (getgrouplist(pw->pw_name, pw->pw_gid, groups, &n) < 0) {
		snprintf(err, errlen, "-u/--user '%s': in more than %zu groups",
		         pw->pw_name, sizeof(groups) / sizeof(groups[0]));
		return -1;
	}
	if (setgroups((size_t)n, groups) < 0) {
		snprintf(err, errlen, "-u/--user '%s': setgroups: %s",
		         pw->pw_name, strerror(errno));
		return -1;
	}
	return 0;
}

static int drop_privileges(const char *user, char *err, size_t errlen)
{
	struct passwd *pw = getpwnam(user);

	if (pw == NULL) {
		snprintf(err, errlen, "-u/--user '%s': no such user", user);
		return -1;
	}
	if (geteuid() != 0 && pw->pw_uid == geteuid())
		return 0; /* already that user */
	if (set_groups(pw, err, errlen) < 0)
		return -1;
	if (setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		snprintf(err, errlen, "-u/--user '%s': cannot switch: %s", user,
		         strerror(errno));
		return -1;
	}
	/* Parsing network input as root is what -u is there to prevent. */
	if (getuid() == 0 || geteuid() == 0 || getegid() == 0 ||
	    setuid(0) == 0) {
		snprintf(err, errlen,
		         "-u/--user '%s': still root after switching; refusing "
		         "to run",
		         user);
		return -1;
	}
	agentx_log(LOG_INFO, "running as %s (uid %u, gid %u)", user,
	           (unsigned)pw->pw_uid, (unsigned)pw->pw_gid);
	return 0;
}

/* ---- the loop */

static int open_signals(struct agent *a, char *err, size_t errlen)
{
	sigset_t set;

	/* A peer closing a socket is an error return, not a death. */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0 ||
	    (a->sig_fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK)) < 0) {
		snprintf(err, errlen, "signalfd: %s", strerror(errno));
		return -1;
	}
	return 0;
}

static void on_signal(struct agent *a)
{
	struct signalfd_siginfo si;

	while (read(a->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGHUP) {
			agentx_log(LOG_INFO, "SIGHUP: re-reading rasd's state");
			a->refresh_at = 0;
			continue;
		}
		agentx_log(LOG_INFO, "signal %u: stopping", si.ssi_signo);
		a->stop = true;
	}
}

/* Our own deadline: the next rasd reconnect or state refresh. */
static uint64_t next_deadline_in(const struct agent *a)
{
	uint64_t now = mono_ms();

	if (!link_up(&a->link))
		return link_retry_in(&a->link, now);
	return a->refresh_at > now ? a->refresh_at - now : 0;
}

static void due_work(struct agent *a)
{
	if (a->ax_changed)
		master_changed(a);
	if (!link_up(&a->link) && link_retry_in(&a->link, mono_ms()) == 0)
		try_rasd(a);
	if (link_up(&a->link) && a->refresh_at <= mono_ms() && refresh(a) < 0)
		lose_rasd(a, "state requests failed");
	if (a->dirty)
		serve(a);
}

static int loop_once(struct agent *a)
{
	struct timeval tv;
	uint64_t ms;
	fd_set rfds;
	int nfds, count;
	bool forever = false;

	due_work(a);
	ms = next_deadline_in(a);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	FD_ZERO(&rfds);
	FD_SET(a->sig_fd, &rfds);
	nfds = a->sig_fd + 1;
	if (link_up(&a->link)) {
		FD_SET(link_fd(&a->link), &rfds);
		if (link_fd(&a->link) >= nfds)
			nfds = link_fd(&a->link) + 1;
	}
	agentx_select(a->ax, &nfds, &rfds, &tv, &forever);
	count = select(nfds, &rfds, NULL, NULL, forever ? NULL : &tv);
	if (count < 0 && errno != EINTR) {
		agentx_log(LOG_ERR, "select: %s", strerror(errno));
		return -1;
	}
	/* net-snmp first: a master that just went away is noticed before
	 * the notices that arrived with it are sent into the void. */
	agentx_dispatch(a->ax, count, &rfds);
	if (count > 0 && FD_ISSET(a->sig_fd, &rfds))
		on_signal(a);
	if (count > 0 && link_up(&a->link) &&
	    FD_ISSET(link_fd(&a->link), &rfds))
		on_stream(a);
	return 0;
}

static int agent_open(struct agent *a, char *err, size_t errlen)
{
	struct agentx_config cfg = {a->opt.agentx, a->opt.ping_s,
	                            a->opt.log_stderr, a->opt.verbose};
	int v;

	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_init(&a->tabs[v]);
	link_init(&a->link, a->opt.socket);
	notify_storm_init(&a->storm, a->opt.storm_limit,
	                  a->opt.storm_window_ms);
	a->counters.started_ms = wall_ms();
	a->counters.refresh_ms = (uint32_t)a->opt.refresh_s * 1000u;
	if (notify_queue_init(&a->queue, a->opt.queue) < 0) {
		snprintf(err, errlen, "out of memory for a queue of %zu",
		         a->opt.queue);
		return -1;
	}
	if (open_signals(a, err, errlen) < 0)
		return -1;
	serve(a);
	return agentx_open(&a->ax, &cfg, a->tabs, on_master, a, err, errlen);
}

static void agent_close(struct agent *a)
{
	int v;

	agentx_close(a->ax);
	link_free(&a->link);
	state_free(&a->st);
	notify_queue_free(&a->queue);
	notify_storm_free(&a->storm);
	for (v = 0; v < MIB_N_VIEWS; v++)
		oidtab_free(&a->tabs[v]);
	if (a->sig_fd >= 0)
		close(a->sig_fd);
}

static int run(struct agent *a)
{
	char err[512];

	if (agent_open(a, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd-snmp: %s\n", err);
		return 1;
	}
	agentx_log(LOG_INFO, "rasd-snmp %s: rasd at %s, AgentX at %s",
	           RASD_VERSION, a->opt.socket, a->opt.agentx);
	if (!agentx_connected(a->ax))
		agentx_log(LOG_WARNING,
		           "AgentX master at %s not there yet; trying every "
		           "%d s",
		           a->opt.agentx, a->opt.ping_s);
	/* Connect while we may, then give up root for good. */
	due_work(a);
	if (a->opt.user != NULL &&
	    drop_privileges(a->opt.user, err, sizeof(err)) < 0) {
		agentx_log(LOG_ERR, "%s", err);
		return 1;
	}
	while (!a->stop)
		if (loop_once(a) < 0)
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	struct agent a;
	int rc;

	memset(&a, 0, sizeof(a));
	a.sig_fd = -1;
	a.opt.socket = DEFAULT_SOCKET;
	a.opt.agentx = DEFAULT_AGENTX;
	a.opt.queue = DEFAULT_QUEUE;
	a.opt.ping_s = DEFAULT_PING_S;
	a.opt.refresh_s = DEFAULT_REFRESH_S;
	a.opt.storm_limit = DEFAULT_STORM;
	a.opt.storm_window_ms = DEFAULT_STORM_MS;
	rc = parse_args(argc, argv, &a.opt);
	if (rc != 0)
		return rc;
	if (a.opt.user != NULL && getpwnam(a.opt.user) == NULL) {
		fprintf(stderr, "rasd-snmp: -u/--user '%s': no such user\n",
		        a.opt.user);
		return 1;
	}
	rc = run(&a);
	agent_close(&a);
	return rc;
}

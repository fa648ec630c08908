/* parent.c - rasd's privileged parent: holds the hypervisor and the record
 * device, serves its engine's requests after the guard, restarts it. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../rasd/journal.h"
#include "../rasd/spool.h"
#include "guard.h"
#include "msg.h"
#include "parent_int.h"
#include "priv.h"

enum {
	TAG_CALL = 1,
	TAG_NOTE,
	TAG_SIGNAL,
	TAG_HV,
	TAG_SOURCE,
	TAG_HOOK,
	TAG_TIMER,
};

/* An engine that keeps dying is started again, less and less often. */
#define RESTART_MIN_MS 1000u
#define RESTART_MAX_MS 30000u
/* The hook's deadline is checked this often while it runs. */
#define HOOK_TICK_MS 200u

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static int watch(struct parent *p, int fd, int tag)
{
	struct epoll_event ev = {.events = EPOLLIN, .data.u64 = (uint64_t)tag};

	return epoll_ctl(p->epoll_fd, EPOLL_CTL_ADD, fd, &ev);
}

static void unwatch(struct parent *p, int fd)
{
	if (fd >= 0)
		epoll_ctl(p->epoll_fd, EPOLL_CTL_DEL, fd, NULL);
}

static void timer_in(struct parent *p, uint64_t ms)
{
	struct itimerspec its = {{0, 0}, {0, 0}};

	its.it_value.tv_sec = (time_t)(ms / 1000);
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000;
	if (ms == 0)
		its.it_value.tv_nsec = 1;
	timerfd_settime(p->timer_fd, 0, &its, NULL);
}

/* ---- the engine's life ---- */

#define NOTE_SNDBUF (8 << 20)

/* systemd names the parent in WATCHDOG_PID, but the engine's loop is the
 * one whose liveness the pings should prove (NotifyAccess=all). */
static void watchdog_hand_over(void)
{
	const char *pid = getenv("WATCHDOG_PID");
	char mine[32];

	if (pid == NULL || strtol(pid, NULL, 10) != (long)getppid())
		return;
	snprintf(mine, sizeof(mine), "%ld", (long)getpid());
	setenv("WATCHDOG_PID", mine, 1);
}

static void engine_child(struct parent *p, int call_fd, int note_fd)
{
	char err[512];
	int rc;

	pid_t parent = getppid();

	close(p->epoll_fd);
	close(p->signal_fd);
	close(p->timer_fd);
	/* A forked copy would hold the parent's flock past a kill -9 of it. */
	if (p->lock_fd >= 0)
		close(p->lock_fd);
	watchdog_hand_over();
	if (priv_drop(&p->user, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: engine: %s\n", err);
		_exit(1);
	}
	/*
	 * The engine goes with its parent: it holds nothing alone. Set after
	 * the drop, which clears it, and checked once set, as the parent may
	 * have gone in between.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(1);
	rc = p->engine_fn(p->engine_arg, call_fd, note_fd);
	fflush(NULL);
	_exit(rc);
}

static int engine_start(struct parent *p)
{
	int call[2], note[2], note_room;
	pid_t pid;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, call) < 0)
		return -1;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, note) < 0) {
		close(call[0]);
		close(call[1]);
		return -1;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(call[0]);
		close(call[1]);
		close(note[0]);
		close(note[1]);
		return -1;
	}
	if (pid == 0) {
		close(call[0]);
		close(note[0]);
		if (p->call_fd >= 0)
			close(p->call_fd);
		if (p->note_fd >= 0)
			close(p->note_fd);
		engine_child(p, call[1], note[1]);
	}
	close(call[1]);
	close(note[1]);
	p->engine = pid;
	p->engine_starts++;
	p->call_fd = call[0];
	p->note_fd = note[0];
	fcntl(p->note_fd, F_SETFL, O_NONBLOCK);
	/* Notes are not queued in the parent: room for a storm's worth
	 * (a root parent may pass net.core.wmem_max). */
	note_room = NOTE_SNDBUF;
	if (setsockopt(p->note_fd, SOL_SOCKET, SO_SNDBUFFORCE, &note_room,
	               sizeof(note_room)) < 0)
		setsockopt(p->note_fd, SOL_SOCKET, SO_SNDBUF, &note_room,
		           sizeof(note_room));
	/* Until the new engine has the spool's leftovers, nothing is read. */
	p->source_busy = true;
	source_watch(p, false);
	if (watch(p, p->call_fd, TAG_CALL) < 0 ||
	    watch(p, p->note_fd, TAG_NOTE) < 0)
		return -1;
	return 0;
}

static void engine_gone(struct parent *p)
{
	unwatch(p, p->call_fd);
	unwatch(p, p->note_fd);
	if (p->call_fd >= 0)
		close(p->call_fd);
	if (p->note_fd >= 0)
		close(p->note_fd);
	p->call_fd = p->note_fd = -1;
	p->engine = 0;
	hv_watch(p, false);
	source_watch(p, false);
}

/*
 * An engine that exited chose to (its status is rasd's); one a signal
 * killed is started again, unless the crash tests want the daemon to
 * die whole as a kill -9 of the service would.
 */
static void engine_reaped(struct parent *p, int status)
{
	engine_gone(p);
	p->last_status = status;
	if (WIFEXITED(status) || p->stopping) {
		p->exit_code = WIFEXITED(status) ? WEXITSTATUS(status)
		                                 : 128 + WTERMSIG(status);
		p->done = true;
		return;
	}
	if (p->cfg->crash_test) {
		signal(WTERMSIG(status), SIG_DFL);
		raise(WTERMSIG(status));
		p->exit_code = 128 + WTERMSIG(status);
		p->done = true;
		return;
	}
	fprintf(stderr,
	        "rasd: the engine (pid %d) was killed by signal %d; "
	        "starting it again in %u ms\n",
	        (int)p->last_pid, WTERMSIG(status), p->backoff_ms);
	p->restart_pending = true;
	timer_in(p, p->backoff_ms);
	p->backoff_ms = p->backoff_ms * 2 > RESTART_MAX_MS ? RESTART_MAX_MS
	                                                   : p->backoff_ms * 2;
}

static void children_reap(struct parent *p)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		if (pid == p->engine) {
			p->last_pid = pid;
			engine_reaped(p, status);
		} else if (pid == p->hook.pid) {
			p->hook.pid = 0;
			hook_finished(p, status);
		}
	}
	/* The hook's own reap reads what is left of its output. */
	if (p->hook.pid > 0 && priv_hook_reap(&p->hook, &status))
		hook_finished(p, status);
}

static void on_signal(struct parent *p)
{
	struct signalfd_siginfo si;

	while (read(p->signal_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD) {
			children_reap(p);
			continue;
		}
		if (si.ssi_signo == SIGHUP)
			parent_reload(p);
		else
			p->stopping = true;
		/* The engine hears what its parent heard. */
		if (p->engine > 0)
			kill(p->engine, (int)si.ssi_signo);
		else if (p->stopping)
			p->done = true;
	}
}

static void on_timer(struct parent *p)
{
	uint64_t n;

	if (read(p->timer_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (p->hook.pid > 0) {
		priv_hook_enforce(&p->hook, mono_ms());
		timer_in(p, HOOK_TICK_MS);
	}
	if (!p->restart_pending || p->stopping)
		return;
	p->restart_pending = false;
	if (engine_start(p) < 0) {
		fprintf(stderr, "rasd: starting the engine: %s\n",
		        strerror(errno));
		p->exit_code = 1;
		p->done = true;
	}
}

static int signals_open(struct parent *p)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	p->signal_fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	p->timer_fd =
	    timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	p->epoll_fd = epoll_create1(EPOLL_CLOEXEC);
	if (p->signal_fd < 0 || p->timer_fd < 0 || p->epoll_fd < 0 ||
	    watch(p, p->signal_fd, TAG_SIGNAL) < 0 ||
	    watch(p, p->timer_fd, TAG_TIMER) < 0)
		return -1;
	return 0;
}

/* The engine's files: its directory and what an earlier run left. */
static int files_prepare(struct parent *p, char *err, size_t errlen)
{
	const char *j = p->cfg->journal_path;
	static const char *const sides[] = {"", "-wal", "-shm", ".lock"};
	char path[4096];
	size_t i;

	if (priv_prepare_dir(j, &p->user, err, errlen) < 0)
		return -1;
	for (i = 0; i < sizeof(sides) / sizeof(sides[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", j, sides[i]);
		if (priv_give_file(path, &p->user, err, errlen) < 0)
			return -1;
	}
	if (p->cfg->socket_path != NULL &&
	    priv_prepare_dir(p->cfg->socket_path, &p->user, err, errlen) < 0)
		return -1;
	if (p->cfg->log_path != NULL &&
	    (priv_prepare_dir(p->cfg->log_path, &p->user, err, errlen) < 0 ||
	     priv_give_file(p->cfg->log_path, &p->user, err, errlen) < 0))
		return -1;
	return 0;
}

static void dispatch(struct parent *p, int tag)
{
	switch (tag) {
	case TAG_CALL:
		parent_serve_call(p);
		break;
	case TAG_NOTE:
		parent_serve_note(p);
		break;
	case TAG_SIGNAL:
		on_signal(p);
		break;
	case TAG_HV:
		parent_forward_events(p);
		break;
	case TAG_SOURCE:
		parent_fill(p);
		break;
	case TAG_HOOK:
		if (priv_hook_read(&p->hook) == 0)
			unwatch(p, p->hook.out_fd);
		break;
	case TAG_TIMER:
		on_timer(p);
		break;
	}
}

static void serve(struct parent *p)
{
	struct epoll_event evs[16];
	int i, n;

	while (!p->done) {
		n = epoll_wait(p->epoll_fd, evs, 16, -1);
		if (n < 0 && errno != EINTR)
			break;
		for (i = 0; i < n && !p->done; i++)
			dispatch(p, (int)evs[i].data.u64);
	}
}

static void parent_close(struct parent *p)
{
	if (p->hv != NULL)
		hv_close(p->hv);
	spool_close(p->spool);
	if (p->spool_fd >= 0)
		close(p->spool_fd);
	if (p->lock_fd >= 0)
		journal_unlock(p->lock_fd);
}

int priv_parent_run(const struct priv_config *cfg, priv_engine_fn engine,
                    void *arg)
{
	struct parent *p = calloc(1, sizeof(*p));
	char err[1024];
	int rc;

	if (p == NULL)
		return 1;
	p->cfg = cfg;
	p->engine_fn = engine;
	p->engine_arg = arg;
	p->call_fd = p->note_fd = p->spool_fd = p->lock_fd = -1;
	p->source_fd = p->hv_fd = -1;
	p->backoff_ms = RESTART_MIN_MS;
	if (priv_user_lookup(cfg->user ? cfg->user : "_rasd", NULL, &p->user,
	                     err, sizeof(err)) < 0 ||
	    parent_policy_load(p, err, sizeof(err)) < 0 ||
	    journal_lock(cfg->journal_path, &p->lock_fd, err, sizeof(err)) <
	        0 ||
	    files_prepare(p, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: %s\n", err);
		parent_close(p);
		free(p);
		return 1;
	}
	if (signals_open(p) < 0 || engine_start(p) < 0) {
		fprintf(stderr, "rasd: %s\n", strerror(errno));
		parent_close(p);
		free(p);
		return 1;
	}
	serve(p);
	/* What the engine had asked of the host ends with it. */
	if (p->engine > 0) {
		kill(p->engine, SIGKILL);
		waitpid(p->engine, NULL, 0);
	}
	rc = p->exit_code;
	parent_close(p);
	free(p);
	return rc;
}

/* ---- what parent_int.h gives the other files ---- */

void source_watch(struct parent *p, bool on)
{
	if (p->source_fd < 0 || on == p->source_watched)
		return;
	if (on)
		watch(p, p->source_fd, TAG_SOURCE);
	else
		unwatch(p, p->source_fd);
	p->source_watched = on;
}

void hv_watch(struct parent *p, bool on)
{
	if (p->hv_fd < 0 || on == p->hv_watched)
		return;
	if (on)
		watch(p, p->hv_fd, TAG_HV);
	else
		unwatch(p, p->hv_fd);
	p->hv_watched = on;
}

void hook_watch(struct parent *p)
{
	if (p->hook.out_fd >= 0)
		watch(p, p->hook.out_fd, TAG_HOOK);
	timer_in(p, HOOK_TICK_MS);
}

uint64_t parent_now_ms(void)
{
	return mono_ms();
}

/* hook.c - the health hook run the way an operator's script should be:
 * its own user, a clean environment, no descriptors of ours, a deadline. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "priv.h"

/* Only what a script needs to find its tools and know why it runs. */
static void hook_env(char env[][PRIV_REASON_MAX + 32], char **envp,
                     const char *level, const char *reason)
{
	snprintf(env[0], sizeof(env[0]), "PATH=/usr/sbin:/usr/bin:/sbin:/bin");
	snprintf(env[1], sizeof(env[1]), "LANG=C");
	snprintf(env[2], sizeof(env[2]), "RASD_HEALTH=%s", level);
	snprintf(env[3], sizeof(env[3]), "RASD_REASON=%s", reason);
	envp[0] = env[0];
	envp[1] = env[1];
	envp[2] = env[2];
	envp[3] = env[3];
	envp[4] = NULL;
}

/* In the child: never returns. */
static void hook_exec(const char *path, const char *level, const char *reason,
                      const struct priv_user *u, int out_fd)
{
	char env[4][PRIV_REASON_MAX + 32], *envp[5], *argv[4];
	char err[256];
	sigset_t none;
	int null_fd = open("/dev/null", O_RDONLY);

	setsid();
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null_fd < 0 || dup2(null_fd, 0) < 0 || dup2(out_fd, 1) < 0 ||
	    dup2(out_fd, 2) < 0)
		_exit(126);
	/* Nothing of rasd's: the journal, the sockets, the device. */
	syscall(SYS_close_range, 3u, ~0u, 0u);
	if (priv_drop(u, err, sizeof(err)) < 0) {
		dprintf(2, "rasd hook: %s\n", err);
		_exit(126);
	}
	hook_env(env, envp, level, reason);
	argv[0] = (char *)path;
	argv[1] = (char *)level;
	argv[2] = (char *)reason;
	argv[3] = NULL;
	execve(path, argv, envp);
	dprintf(2, "rasd hook: %s: %s\n", path, strerror(errno));
	_exit(127);
}

int priv_hook_start(struct hook_run *h, const char *path, const char *level,
                    const char *reason, const struct priv_user *u,
                    uint64_t now_ms, uint64_t timeout_ms, char *err,
                    size_t errlen)
{
	int fds[2];

	memset(h, 0, sizeof(*h));
	h->out_fd = -1;
	if (pipe2(fds, O_CLOEXEC) < 0) {
		snprintf(err, errlen, "hook: pipe: %s", strerror(errno));
		return -1;
	}
	h->pid = fork();
	if (h->pid < 0) {
		snprintf(err, errlen, "hook: fork: %s", strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	if (h->pid == 0)
		hook_exec(path, level, reason, u, fds[1]);
	close(fds[1]);
	fcntl(fds[0], F_SETFL, O_NONBLOCK);
	h->out_fd = fds[0];
	h->deadline_ms = now_ms + timeout_ms;
	return 0;
}

/* What it wrote, kept up to the buffer; the rest is read and dropped. */
int priv_hook_read(struct hook_run *h)
{
	char buf[512];
	ssize_t n;
	size_t room;

	while ((n = read(h->out_fd, buf, sizeof(buf))) > 0) {
		room = sizeof(h->output) - h->output_len;
		if ((size_t)n > room)
			n = (ssize_t)room;
		memcpy(h->output + h->output_len, buf, (size_t)n);
		h->output_len += (size_t)n;
	}
	if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
		close(h->out_fd);
		h->out_fd = -1;
		return 0;
	}
	return 1;
}

void priv_hook_enforce(struct hook_run *h, uint64_t now_ms)
{
	if (h->pid <= 0 || h->timed_out || now_ms < h->deadline_ms)
		return;
	/* The whole group: a script's own children go with it. */
	kill(-h->pid, SIGKILL);
	kill(h->pid, SIGKILL);
	h->timed_out = true;
}

bool priv_hook_reap(struct hook_run *h, int *status)
{
	if (h->pid <= 0 || waitpid(h->pid, status, WNOHANG) != h->pid)
		return false;
	h->pid = 0;
	if (h->out_fd >= 0) {
		priv_hook_read(h);
		if (h->out_fd >= 0)
			close(h->out_fd);
		h->out_fd = -1;
	}
	return true;
}

/* target.c - asking the operator's orchestrator where a guest goes: the
 * [evacuation] target_command, unprivileged, off the loop, with a timeout. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <json-c/json.h>

#include "actions_int.h"

/*
 * The command gets the guest as one JSON object on stdin and prints one
 * line: a peer as [evacuation] peers would name it, or "none". It runs as
 * target_user (the orchestrator's API is network input: nothing that
 * reads it runs as root), with no inherited descriptor but its pipes and
 * a fixed environment; past target_timeout it is killed.
 */

/* Every peer this guest's attempts went to, in order. */
struct tried {
	int64_t job_id;
	struct json_object *arr;
};

static int tried_add(void *arg, const struct journal_action *a)
{
	struct tried *t = arg;

	if (a->kind == ACTION_MIGRATE && a->job_id == t->job_id && a->peer[0])
		json_object_array_add(t->arr, json_object_new_string(a->peer));
	return 0;
}

static char *guest_json(struct rasd *d, const struct evac_job *j)
{
	struct json_object *o = json_object_new_object(), *peers;
	struct tried t = {j->row.id, json_object_new_array()};
	struct hv_domain dom;
	char *text;
	size_t i;

	memset(&dom, 0, sizeof(dom));
	rasd_domain_find(d, j->row.domid, &dom);
	journal_actions_each(d->journal, false, tried_add, &t);
	peers = json_object_new_array();
	for (i = 0; i < d->policy.n_peers; i++)
		json_object_array_add(
		    peers, json_object_new_string(d->policy.peers[i]));
	json_object_object_add(o, "domid", json_object_new_int64(j->row.domid));
	json_object_object_add(o, "name", json_object_new_string(j->row.guest));
	json_object_object_add(
	    o, "memory_mib",
	    json_object_new_int64((int64_t)(dom.mem_bytes >> 20)));
	json_object_object_add(o, "host",
	                       json_object_new_string(d->topo.host_name));
	json_object_object_add(o, "component",
	                       json_object_new_string(j->row.component));
	json_object_object_add(o, "reason",
	                       json_object_new_string(j->row.reason));
	json_object_object_add(o, "tried", t.arr);
	json_object_object_add(o, "peers", peers);
	text =
	    strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return text;
}

/* In the child: the user's identity, its pipes as stdin/stdout, exec. */
static void ask_child(const char *cmd, uid_t uid, gid_t gid, bool drop, int in,
                      int out)
{
	char *const argv[] = {(char *)cmd, NULL};
	char *const envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/",
	                      "LC_ALL=C", NULL};

	if (dup2(in, 0) < 0 || dup2(out, 1) < 0)
		_exit(126);
	close_range(3, ~0u, 0);
	if (drop && (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
	             setuid(uid) < 0 || setuid(0) == 0))
		_exit(126); /* never run it with more than it was given */
	execve(cmd, argv, envp);
	_exit(127);
}

/* Who it runs as: target_user when rasd is root, else rasd's user. */
static int ask_identity(struct rasd *d, uid_t *uid, gid_t *gid, bool *drop)
{
	struct passwd pw, *res = NULL;
	char buf[1024];

	*drop = geteuid() == 0;
	if (!*drop)
		return 0;
	if (getpwnam_r(d->policy.evac_target_user, &pw, buf, sizeof(buf),
	               &res) != 0 ||
	    res == NULL) {
		log_msg(&d->log, LOG_ERR, "action",
		        "[evacuation] target_user '%s' does not exist: the "
		        "target command is not run",
		        d->policy.evac_target_user);
		return -1;
	}
	*uid = pw.pw_uid;
	*gid = pw.pw_gid;
	return 0;
}

static int ask_spawn(struct rasd *d, struct target_ask *t, const char *json)
{
	int in[2], out[2];
	uid_t uid = 0;
	gid_t gid = 0;
	bool drop;

	if (ask_identity(d, &uid, &gid, &drop) < 0)
		return -1;
	if (pipe2(in, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		return -1;
	}
	t->pid = fork();
	if (t->pid == 0)
		ask_child(d->policy.evac_target_command, uid, gid, drop, in[0],
		          out[1]);
	close(in[0]);
	close(out[1]);
	/* A few hundred bytes: the pipe holds them, no write can block. */
	if (t->pid > 0 && write(in[1], json, strlen(json)) < 0)
		log_msg(&d->log, LOG_WARNING, "action",
		        "target command: writing the guest: %s",
		        strerror(errno));
	close(in[1]);
	t->fd = out[0];
	fcntl(t->fd, F_SETFL,
	      O_NONBLOCK); /* a spurious wake-up must not block */
	if (t->pid < 0) {
		close(out[0]);
		return -1;
	}
	return 0;
}

/* Its one line: the peer, "none", or NULL with why. */
static const char *ask_answer(struct target_ask *t, int status, char *why,
                              size_t len)
{
	char *nl;

	t->out[t->len] = '\0';
	nl = strchr(t->out, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, len, "exited with status %d",
		         WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		return NULL;
	}
	if (t->out[0] == '\0' || strlen(t->out) >= 64 ||
	    strpbrk(t->out, " \t\r\"'") != NULL) {
		snprintf(why, len, "printed '%.64s', not a peer or \"none\"",
		         t->out);
		return NULL;
	}
	return t->out;
}

static void ask_end(struct rasd *d, struct target_ask *t, const char *timeout)
{
	char why[128] = "";
	const char *peer = NULL;
	int64_t job = t->job_id;
	int status = 0;

	loop_del_fd(d->loop, t->fd);
	close(t->fd);
	loop_timer_destroy(t->timer);
	kill(t->pid, SIGKILL); /* it has answered, or has had its time */
	waitpid(t->pid, &status, 0);
	t->used = false;
	if (timeout != NULL)
		snprintf(why, sizeof(why), "%s", timeout);
	else
		peer = ask_answer(t, status, why, sizeof(why));
	evac_target_answer(d, job, peer, why);
}

static void ask_readable(void *arg, int fd, uint32_t events)
{
	struct target_ask *t = arg;
	ssize_t got;

	(void)fd;
	(void)events;
	got = read(t->fd, t->out + t->len, sizeof(t->out) - 1 - t->len);
	if (got > 0) {
		t->len += (size_t)got;
		if (t->len < sizeof(t->out) - 1)
			return;
	}
	if (got < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	ask_end(t->d, t, NULL);
}

static void ask_timed_out(void *arg)
{
	struct target_ask *t = arg;
	char why[64];

	snprintf(why, sizeof(why), "no answer within %llu ms: killed",
	         (unsigned long long)t->d->policy.evac_target_timeout_ms);
	ask_end(t->d, t, why);
}

int target_ask(struct rasd *d, struct evac_job *j)
{
	struct target_ask *t = NULL;
	char *json;
	size_t i;

	for (i = 0; i < TARGET_ASKS_MAX && t == NULL; i++)
		if (!d->target_asks[i].used)
			t = &d->target_asks[i];
	if (t == NULL)
		return -1;
	memset(t, 0, sizeof(*t));
	json = guest_json(d, j);
	if (json == NULL || ask_spawn(d, t, json) < 0) {
		free(json);
		return -1;
	}
	free(json);
	t->used = true;
	t->d = d;
	t->job_id = j->row.id;
	if (loop_add_fd(d->loop, t->fd, ask_readable, t) < 0 ||
	    loop_timer_create(d->loop, &t->timer, ask_timed_out, t) < 0) {
		ask_end(d, t, "cannot watch it");
		return 0;
	}
	loop_timer_arm(t->timer, d->policy.evac_target_timeout_ms * 1000000ull);
	log_msg(&d->log, LOG_NOTICE, "action",
	        "asking %s where %s (dom%u) goes (pid %d)",
	        d->policy.evac_target_command, j->row.guest, j->row.domid,
	        (int)t->pid);
	return 0;
}

void target_fini(struct rasd *d)
{
	size_t i;

	for (i = 0; i < TARGET_ASKS_MAX; i++) {
		struct target_ask *t = &d->target_asks[i];

		if (!t->used)
			continue;
		loop_del_fd(d->loop, t->fd);
		close(t->fd);
		loop_timer_destroy(t->timer);
		kill(t->pid, SIGKILL);
		waitpid(t->pid, NULL, 0);
		t->used = false;
	}
}

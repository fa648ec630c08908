/* journal_plan.c - the journal's part in exactly-once: verdicts and their
 * plans, evacuation jobs, durability on demand, and one daemon per file. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <sys/file.h>
#include <unistd.h>

#include "journal_int.h"

/* SQLite's own default: keep the write-ahead log from growing forever. */
#define WAL_CHECKPOINT_PAGES 1000

static const char *const evac_state_names[] = {
    [EVAC_QUEUED] = "queued", [EVAC_RUNNING] = "running", [EVAC_DONE] = "done",
    [EVAC_FAILED] = "failed", [EVAC_GONE] = "gone",
};

#define N_EVAC_STATES (sizeof(evac_state_names) / sizeof(evac_state_names[0]))

const char *evac_state_name(enum evac_state s)
{
	if ((size_t)s >= N_EVAC_STATES)
		return "unknown";
	return evac_state_names[s];
}

int evac_state_parse(const char *s, enum evac_state *out)
{
	size_t i;

	for (i = 0; s != NULL && i < N_EVAC_STATES; i++) {
		if (strcmp(s, evac_state_names[i]) == 0) {
			*out = (enum evac_state)i;
			return 0;
		}
	}
	return -1;
}

/* ---- transactions and durability ---- */

int journal_rollback(struct journal *j)
{
	if (j == NULL)
		return -1;
	/* SQLite may have rolled back already (an error does): the events
	 * buffered for the batch go either way. */
	journal_events_rolled_back(j);
	if (sqlite3_get_autocommit(j->db))
		return 0;
	return run(j, ST_ROLLBACK, "journal_rollback");
}

bool journal_in_batch(struct journal *j)
{
	return j != NULL && !sqlite3_get_autocommit(j->db);
}

bool journal_unsynced(struct journal *j)
{
	return j != NULL && sqlite3_total_changes64(j->db) != j->synced_changes;
}

static int set_synchronous(struct journal *j, const char *mode)
{
	char sql[48];

	snprintf(sql, sizeof(sql), "PRAGMA synchronous = %s", mode);
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(j, "journal: %s: %s", sql, sqlite3_errmsg(j->db));
	return 0;
}

/*
 * Commits at synchronous=NORMAL are in the page cache at once (they
 * survive the daemon) and reach the disk at the next fsync. One small
 * commit at FULL fsyncs the log, and with it every commit before it.
 */
int journal_sync(struct journal *j)
{
	char now[24];
	int rc;

	if (j == NULL)
		return -1;
	if (!sqlite3_get_autocommit(j->db))
		return fail(j, "journal_sync: a batch is open");
	if (!journal_unsynced(j))
		return 0;
	snprintf(now, sizeof(now), "%lld",
	         (long long)sqlite3_total_changes64(j->db));
	if (set_synchronous(j, "FULL") < 0)
		return -1;
	bind_string(j->stmt[ST_SYNC_MARK], 1, now);
	rc = run(j, ST_SYNC_MARK, "journal_sync");
	if (set_synchronous(j, "NORMAL") < 0 || rc < 0)
		return -1;
	j->synced_changes = sqlite3_total_changes64(j->db);
	return 0;
}

static int commit_before(void *arg)
{
	struct journal *j = arg;

	if (j->commit_fn != NULL)
		j->commit_fn(j->commit_arg, false);
	return 0;
}

/*
 * Runs after each commit. Installing it replaces SQLite's automatic
 * checkpoint, so it checkpoints at the same size SQLite would.
 */
static int commit_after(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct journal *j = arg;

	if (j->commit_fn != NULL)
		j->commit_fn(j->commit_arg, true);
	if (pages >= WAL_CHECKPOINT_PAGES && !journal_syncer_checkpoint(j))
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE,
		                          NULL, NULL);
	return SQLITE_OK;
}

void journal_hooks_install(struct journal *j)
{
	j->synced_changes = sqlite3_total_changes64(j->db);
	sqlite3_commit_hook(j->db, commit_before, j);
	sqlite3_wal_hook(j->db, commit_after, j);
}

void journal_set_commit_hook(struct journal *j, journal_commit_fn fn, void *arg)
{
	if (j == NULL)
		return;
	j->commit_fn = fn;
	j->commit_arg = arg;
}

/* ---- one daemon per journal ---- */

static void lock_owner(int fd, char *pid, size_t len)
{
	ssize_t n = pread(fd, pid, len - 1, 0);

	pid[n > 0 ? n : 0] = '\0';
	pid[strcspn(pid, "\n")] = '\0';
	if (pid[0] == '\0')
		snprintf(pid, len, "unknown");
}

int journal_lock(const char *path, int *fd, char *err, size_t errlen)
{
	char lock[4096], pid[32];
	int lfd;

	*fd = -1;
	if (strcmp(path, ":memory:") == 0)
		return 0;
	snprintf(lock, sizeof(lock), "%s.lock", path);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd < 0) {
		snprintf(err, errlen, "journal %s: cannot open %s: %s", path,
		         lock, strerror(errno));
		return -1;
	}
	if (flock(lfd, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;

		lock_owner(lfd, pid, sizeof(pid));
		close(lfd);
		if (e == EWOULDBLOCK)
			snprintf(
			    err, errlen,
			    "journal %s is in use by another rasd (pid %s)",
			    path, pid);
		else
			snprintf(err, errlen, "journal %s: lock %s: %s", path,
			         lock, strerror(e));
		return -1;
	}
	snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(lfd, 0) < 0 ||
	    pwrite(lfd, pid, strlen(pid), 0) != (ssize_t)strlen(pid)) {
		snprintf(err, errlen, "journal %s: writing %s: %s", path, lock,
		         strerror(errno));
		close(lfd);
		return -1;
	}
	*fd = lfd;
	return 0;
}

void journal_unlock(int fd)
{
	if (fd >= 0)
		close(fd);
}

/* ---- verdicts and plans ---- */

int journal_verdict_add(struct journal *j, struct journal_verdict *v)
{
	sqlite3_stmt *st;
	int c = 1;

	if (j == NULL)
		return -1;
	st = j->stmt[ST_VERDICT_ADD];
	bind_id(st, c++, v->event_id);
	bind_u64(st, c++, v->time_ms);
	bind_text(st, c++, v->type, sizeof(v->type));
	bind_text(st, c++, v->component, sizeof(v->component));
	sqlite3_bind_int64(st, c++, v->count);
	bind_text(st, c++, v->detail, sizeof(v->detail));
	if (run(j, ST_VERDICT_ADD, "journal_verdict_add") != 0)
		return -1;
	v->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

int journal_action_started(struct journal *j, int64_t id,
                           enum action_state state, uint64_t now_ms,
                           uint64_t handle, const char *detail)
{
	sqlite3_stmt *st;

	if (j == NULL)
		return -1;
	st = j->stmt[ST_ACTION_STARTED];
	bind_string(st, 1, action_state_name(state));
	bind_u64(st, 2, now_ms);
	bind_u64(st, 3, handle);
	bind_string(st, 4, detail);
	sqlite3_bind_int64(st, 5, id);
	if (run(j, ST_ACTION_STARTED, "journal_action_started") != 0)
		return -1;
	if (sqlite3_changes(j->db) == 0)
		return fail(j, "journal_action_started: no action %" PRId64,
		            id);
	return 0;
}

int journal_action_migration(struct journal *j, int64_t id, uint32_t progress,
                             const char *mode, uint64_t downtime_ms,
                             uint64_t now_ms)
{
	sqlite3_stmt *st;

	if (j == NULL)
		return -1;
	st = j->stmt[ST_ACTION_MIGRATION];
	sqlite3_bind_int64(st, 1, progress);
	bind_string(st, 2, mode != NULL ? mode : "");
	bind_u64(st, 3, downtime_ms);
	bind_u64(st, 4, now_ms);
	sqlite3_bind_int64(st, 5, id);
	if (run(j, ST_ACTION_MIGRATION, "journal_action_migration") != 0)
		return -1;
	if (sqlite3_changes(j->db) == 0)
		return fail(j, "journal_action_migration: no action %" PRId64,
		            id);
	return 0;
}

int journal_migrate_starts(struct journal *j, uint64_t since_ms, uint64_t *out,
                           size_t max, size_t *n)
{
	sqlite3_stmt *st;
	int step;

	*n = 0;
	if (j == NULL)
		return -1;
	st = j->stmt[ST_MIGRATE_STARTS];
	bind_string(st, 1, action_kind_name(ACTION_MIGRATE));
	/* 0 is "never asked": a window from 0 still excludes it. */
	bind_u64(st, 2, since_ms > 0 ? since_ms : 1);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)max);
	while ((step = sqlite3_step(st)) == SQLITE_ROW)
		out[(*n)++] = column_u64(st, 0);
	if (step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_migrate_starts");
	sqlite3_reset(st);
	return 0;
}

/* ---- evacuations ---- */

static void bind_evacuation_state(sqlite3_stmt *st, int *c,
                                  const struct journal_evacuation *e)
{
	bind_string(st, (*c)++, evac_state_name(e->state));
	sqlite3_bind_int64(st, (*c)++, e->action_id);
	sqlite3_bind_int64(st, (*c)++, e->first_action);
	sqlite3_bind_int64(st, (*c)++, e->attempts);
	bind_text(st, (*c)++, e->detail, sizeof(e->detail));
}

int journal_evacuation_add(struct journal *j, struct journal_evacuation *e)
{
	sqlite3_stmt *st;
	int c = 1;

	if (j == NULL)
		return -1;
	if ((size_t)e->state >= N_EVAC_STATES)
		return fail(j, "journal_evacuation_add: unknown state %d",
		            (int)e->state);
	st = j->stmt[ST_EVAC_ADD];
	sqlite3_bind_int64(st, c++, e->verdict_id);
	sqlite3_bind_int64(st, c++, e->event_id);
	sqlite3_bind_int64(st, c++, e->seq);
	sqlite3_bind_int64(st, c++, e->domid);
	bind_text(st, c++, e->guest, sizeof(e->guest));
	bind_text(st, c++, e->component, sizeof(e->component));
	bind_text(st, c++, e->reason, sizeof(e->reason));
	bind_evacuation_state(st, &c, e);
	bind_u64(st, c++, e->created_ms);
	bind_u64(st, c++, e->updated_ms);
	if (run(j, ST_EVAC_ADD, "journal_evacuation_add") != 0)
		return -1;
	e->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

int journal_evacuation_update(struct journal *j,
                              const struct journal_evacuation *e)
{
	sqlite3_stmt *st;
	int c = 1;

	if (j == NULL)
		return -1;
	if ((size_t)e->state >= N_EVAC_STATES)
		return fail(j, "journal_evacuation_update: unknown state %d",
		            (int)e->state);
	st = j->stmt[ST_EVAC_UPDATE];
	bind_evacuation_state(st, &c, e);
	bind_u64(st, c++, e->updated_ms);
	sqlite3_bind_int64(st, c++, e->id);
	if (run(j, ST_EVAC_UPDATE, "journal_evacuation_update") != 0)
		return -1;
	if (sqlite3_changes(j->db) == 0)
		return fail(j,
		            "journal_evacuation_update: no evacuation %" PRId64,
		            e->id);
	return 0;
}

/* Column 0 is id; the rest are EVAC_COLUMNS in order. */
static int read_evacuation(struct journal *j, sqlite3_stmt *st,
                           struct journal_evacuation *e)
{
	const char *state;
	int c = 0;

	memset(e, 0, sizeof(*e));
	e->id = sqlite3_column_int64(st, c++);
	e->verdict_id = sqlite3_column_int64(st, c++);
	e->event_id = sqlite3_column_int64(st, c++);
	e->seq = (uint32_t)sqlite3_column_int64(st, c++);
	e->domid = (uint32_t)sqlite3_column_int64(st, c++);
	column_text(st, c++, e->guest, sizeof(e->guest));
	column_text(st, c++, e->component, sizeof(e->component));
	column_text(st, c++, e->reason, sizeof(e->reason));
	state = (const char *)sqlite3_column_text(st, c++);
	if (evac_state_parse(state, &e->state) != 0)
		return fail(j, "evacuation %" PRId64 ": unknown state '%s'",
		            e->id, state != NULL ? state : "");
	e->action_id = sqlite3_column_int64(st, c++);
	e->first_action = sqlite3_column_int64(st, c++);
	e->attempts = (uint32_t)sqlite3_column_int64(st, c++);
	column_text(st, c++, e->detail, sizeof(e->detail));
	e->created_ms = column_u64(st, c++);
	e->updated_ms = column_u64(st, c++);
	return 0;
}

static int read_evacuation_page(struct journal *j, int64_t after_id,
                                struct journal_evacuation *page, size_t *n)
{
	sqlite3_stmt *st = j->stmt[ST_EVACS_PAGE];
	int step = SQLITE_DONE;

	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, PAGE_ROWS);
	for (*n = 0; *n < PAGE_ROWS && (step = sqlite3_step(st)) == SQLITE_ROW;
	     (*n)++) {
		if (read_evacuation(j, st, &page[*n]) != 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	if (*n < PAGE_ROWS && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_evacuations_each");
	sqlite3_reset(st);
	return 0;
}

int journal_evacuations_each(struct journal *j, journal_evacuation_fn fn,
                             void *arg)
{
	struct journal_evacuation *page;
	int64_t after_id = 0;
	bool stop = false;
	size_t n = 0, i;
	int rc = 0;

	if (j == NULL)
		return -1;
	page = malloc(PAGE_ROWS * sizeof(*page));
	if (page == NULL)
		return fail(j, "journal_evacuations_each: out of memory");
	do {
		rc = read_evacuation_page(j, after_id, page, &n);
		for (i = 0; rc == 0 && !stop && i < n; i++)
			stop = fn(arg, &page[i]) != 0;
		if (n > 0)
			after_id = page[n - 1].id;
	} while (rc == 0 && !stop && n == PAGE_ROWS);
	free(page);
	return rc;
}

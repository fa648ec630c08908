/* journal_syncer.c - the journal's fsyncs and checkpoints off the event
 * loop: two threads, asked through pipes, the fsync answering on an eventfd. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "journal_int.h"

/*
 * Why a thread: an fsync on a busy disk takes from a millisecond to a
 * few hundred, and a checkpoint writes megabytes; on the loop either
 * holds every client and record behind it. Redis hands its AOF fsync to
 * a background thread for the same reason. The threads share nothing
 * with the loop but these fields: the loop asks, they answer. The
 * checkpoint has a thread of its own: behind one, an intent's fsync
 * waited up to a tenth of a second.
 */
enum { ASK_SYNC = 's', ASK_CHECKPOINT = 'c', ASK_QUIT = 'q' };

struct journal_syncer {
	pthread_t thread, ckpt_thread;
	bool ckpt_started;
	int ask[2];      /* pipe: the loop writes one byte per ask */
	int ckpt_ask[2]; /* the same for the checkpoint thread */
	int done_fd;     /* eventfd: the sync thread counts ended syncs */
	char wal_path[4096];
	char db_path[4096];
	int wal_fd;
	sqlite3 *ckpt_db;  /* the thread's own connection */
	atomic_int result; /* errno of the last sync, 0 when it held */
	atomic_bool ckpt_busy;
	/* the loop's side only */
	bool in_flight;
	int64_t target; /* total changes when the sync in flight was asked */
};

/*
 * An fsync of the write-ahead log through any descriptor of it makes
 * every frame written before the call durable: the commits were whole
 * in the page cache when the loop asked.
 */
static int syncer_fsync_wal(struct journal_syncer *s)
{
	if (s->wal_fd < 0) {
		s->wal_fd = open(s->wal_path, O_RDONLY | O_CLOEXEC);
		/* No log yet: nothing was committed through one. */
		if (s->wal_fd < 0)
			return errno == ENOENT ? 0 : errno;
	}
	return fdatasync(s->wal_fd) == 0 ? 0 : errno;
}

/* A passive checkpoint never waits for the loop's writer. */
static void syncer_checkpoint(struct journal_syncer *s)
{
	if (s->ckpt_db == NULL &&
	    sqlite3_open_v2(s->db_path, &s->ckpt_db, SQLITE_OPEN_READWRITE,
	                    NULL) != SQLITE_OK) {
		sqlite3_close(s->ckpt_db);
		s->ckpt_db = NULL;
	}
	if (s->ckpt_db != NULL)
		sqlite3_wal_checkpoint_v2(
		    s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	atomic_store(&s->ckpt_busy, false);
}

/* The next ask on fd: ASK_QUIT when the loop has gone. */
static char syncer_next(int fd)
{
	ssize_t n;
	char op;

	do
		n = read(fd, &op, 1);
	while (n < 0 && errno == EINTR);
	return n == 1 ? op : ASK_QUIT;
}

static void *syncer_main(void *arg)
{
	struct journal_syncer *s = arg;
	uint64_t one = 1;

	while (syncer_next(s->ask[0]) == ASK_SYNC) {
		atomic_store(&s->result, syncer_fsync_wal(s));
		while (write(s->done_fd, &one, sizeof(one)) < 0 &&
		       errno == EINTR)
			;
	}
	return NULL;
}

static void *checkpoint_main(void *arg)
{
	struct journal_syncer *s = arg;

	while (syncer_next(s->ckpt_ask[0]) == ASK_CHECKPOINT)
		syncer_checkpoint(s);
	return NULL;
}

static void syncer_free(struct journal_syncer *s)
{
	int i;

	for (i = 0; i < 2; i++) {
		if (s->ask[i] >= 0)
			close(s->ask[i]);
		if (s->ckpt_ask[i] >= 0)
			close(s->ckpt_ask[i]);
	}
	if (s->done_fd >= 0)
		close(s->done_fd);
	if (s->wal_fd >= 0)
		close(s->wal_fd);
	sqlite3_close(s->ckpt_db);
	free(s);
}

int journal_syncer_start(struct journal *j, const char *path)
{
	struct journal_syncer *s;
	int rc;

	if (j == NULL || j->readonly || j->syncer != NULL)
		return -1;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return fail(j, "journal syncer: out of memory");
	s->ask[0] = s->ask[1] = s->ckpt_ask[0] = s->ckpt_ask[1] = -1;
	s->done_fd = s->wal_fd = -1;
	snprintf(s->db_path, sizeof(s->db_path), "%s", path);
	snprintf(s->wal_path, sizeof(s->wal_path), "%s-wal", path);
	s->done_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (s->done_fd < 0 || pipe2(s->ask, O_CLOEXEC) < 0 ||
	    pipe2(s->ckpt_ask, O_CLOEXEC) < 0) {
		rc = errno;
		syncer_free(s);
		return fail(j, "journal syncer: %s", strerror(rc));
	}
	rc = pthread_create(&s->thread, NULL, syncer_main, s);
	if (rc != 0) {
		syncer_free(s);
		return fail(j, "journal syncer: thread: %s", strerror(rc));
	}
	j->syncer = s;
	rc = pthread_create(&s->ckpt_thread, NULL, checkpoint_main, s);
	if (rc != 0) {
		journal_syncer_stop(j);
		return fail(j, "journal checkpointer: thread: %s",
		            strerror(rc));
	}
	s->ckpt_started = true;
	return 0;
}

static void syncer_ask(int fd, char op)
{
	while (write(fd, &op, 1) < 0 && errno == EINTR)
		;
}

void journal_syncer_stop(struct journal *j)
{
	struct journal_syncer *s = j != NULL ? j->syncer : NULL;

	if (s == NULL)
		return;
	syncer_ask(s->ask[1], ASK_QUIT);
	pthread_join(s->thread, NULL);
	if (s->ckpt_started) {
		syncer_ask(s->ckpt_ask[1], ASK_QUIT);
		pthread_join(s->ckpt_thread, NULL);
	}
	syncer_free(s);
	j->syncer = NULL;
}

int journal_syncer_fd(struct journal *j)
{
	return j != NULL && j->syncer != NULL ? j->syncer->done_fd : -1;
}

bool journal_sync_in_flight(struct journal *j)
{
	return j != NULL && j->syncer != NULL && j->syncer->in_flight;
}

/*
 * Ask the thread to make every commit so far durable. Without a thread,
 * or inside a batch, nothing is asked: the caller syncs inline.
 */
int journal_sync_ask(struct journal *j)
{
	struct journal_syncer *s = j != NULL ? j->syncer : NULL;

	if (s == NULL)
		return -1;
	if (!sqlite3_get_autocommit(j->db))
		return fail(j, "journal_sync_ask: a batch is open");
	if (s->in_flight || !journal_unsynced(j))
		return 0;
	s->target = sqlite3_total_changes64(j->db);
	s->in_flight = true;
	syncer_ask(s->ask[1], ASK_SYNC);
	return 0;
}

int journal_sync_done(struct journal *j)
{
	struct journal_syncer *s = j != NULL ? j->syncer : NULL;
	uint64_t ended;
	int err;

	if (s == NULL || read(s->done_fd, &ended, sizeof(ended)) < 0 ||
	    !s->in_flight)
		return 0;
	s->in_flight = false;
	err = atomic_load(&s->result);
	if (err != 0)
		return fail(j, "journal: fsync of %s: %s", s->wal_path,
		            strerror(err));
	if (s->target > j->synced_changes)
		j->synced_changes = s->target;
	return 0;
}

/* From the commit hook: hand the checkpoint over unless one runs. */
bool journal_syncer_checkpoint(struct journal *j)
{
	struct journal_syncer *s = j->syncer;

	if (s == NULL)
		return false;
	if (!atomic_exchange(&s->ckpt_busy, true))
		syncer_ask(s->ckpt_ask[1], ASK_CHECKPOINT);
	return true;
}

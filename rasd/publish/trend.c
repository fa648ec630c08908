/* trend.c - RRD files through librrd: a bounded queue filled by the event
 * loop, a writer thread that batches it into files or rrdcached, graphs. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rrd.h>
#include <rrd_client.h>

#include "trend.h"

struct trend_item {
	enum trend_kind kind;
	char name[TREND_NAME_MAX];
	int64_t time_s;
	uint64_t u[3];
	double value;
};

/* What the writer knows of one file; touched by the writer thread only. */
struct trend_file {
	enum trend_kind kind;
	char name[TREND_NAME_MAX];
	char path[PATH_MAX];
	int64_t last; /* time of the file's last update */
	bool ready;   /* exists with our layout, last is known */
	bool dirty;   /* rrdcached holds updates not yet flushed */
};

struct trend {
	char dir[PATH_MAX - 96];
	char *daemon;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t work; /* queue not empty, flush or stop asked */
	pthread_cond_t done; /* done_seq or flushed_gen moved */

	/* Under lock. */
	struct trend_item *ring;
	size_t cap, head, count;
	uint64_t enq_seq, done_seq;
	uint64_t flush_gen, flushed_gen;
	uint64_t failed_reported;
	bool stop;
	struct trend_stats st;
	char last_err[512];

	/* Writer thread only. */
	struct trend_item *batch;
	bool *used;
	struct trend_file *files;
	size_t n_files, cap_files;
};

static const char *const dimm_ds[] = {
    "DS:ce:DERIVE:300:0:U", "DS:ue:GAUGE:300:0:U", "DS:pages:GAUGE:300:0:U"};
static const char *const socket_ds[] = {"DS:ce:DERIVE:300:0:U"};
static const char *const sensor_ds[] = {"DS:value:GAUGE:300:U:U"};

/* A day at 1 min, a week at 5 min, a year at 1 h; AVERAGE and MAX. */
static const char *const rras[] = {
    "RRA:AVERAGE:0.5:1:1440",  "RRA:AVERAGE:0.5:5:2016",
    "RRA:AVERAGE:0.5:60:8760", "RRA:MAX:0.5:1:1440",
    "RRA:MAX:0.5:5:2016",      "RRA:MAX:0.5:60:8760",
};

#define N_RRAS (sizeof(rras) / sizeof(rras[0]))

static const char *kind_prefix(enum trend_kind k)
{
	switch (k) {
	case TREND_DIMM:
		return "dimm";
	case TREND_SOCKET:
		return "socket";
	case TREND_SENSOR:
		return "sensor";
	}
	return "unknown";
}

static void kind_ds(enum trend_kind k, const char *const **ds, size_t *n)
{
	switch (k) {
	case TREND_DIMM:
		*ds = dimm_ds;
		*n = 3;
		return;
	case TREND_SOCKET:
		*ds = socket_ds;
		*n = 1;
		return;
	case TREND_SENSOR:
		*ds = sensor_ds;
		*n = 1;
		return;
	}
	*ds = NULL;
	*n = 0;
}

static uint32_t fnv1a(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 16777619u;
	}
	return h;
}

static bool name_char_ok(char c, size_t pos)
{
	if (c >= 'a' && c <= 'z')
		return true;
	if (c >= 'A' && c <= 'Z')
		return true;
	if (c >= '0' && c <= '9')
		return true;
	/* No leading dot: no hidden files, no "..". */
	return c == '_' || c == '-' || (c == '.' && pos > 0);
}

/* File-name form of NAME; the hash keeps "P0 A1" and "P0_A1" apart. */
static void sanitize(const char *name, char *out, size_t outlen)
{
	size_t i, keep = outlen - 10;
	bool changed = false;

	for (i = 0; name[i] != '\0' && i < keep - 1; i++) {
		out[i] = name_char_ok(name[i], i) ? name[i] : '_';
		changed |= out[i] != name[i];
	}
	out[i] = '\0';
	if (name[i] != '\0')
		changed = true;
	if (changed)
		snprintf(out + i, outlen - i, "-%08" PRIx32, fnv1a(name));
}

int trend_path(const char *dir, enum trend_kind kind, const char *name,
               char *buf, size_t len)
{
	char safe[TREND_NAME_MAX + 16];
	int n;

	sanitize(name, safe, sizeof(safe));
	n = snprintf(buf, len, "%s/%s-%s.rrd", dir, kind_prefix(kind), safe);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static void set_error(struct trend *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_error(struct trend *t, const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&t->lock);
	va_start(ap, fmt);
	vsnprintf(t->last_err, sizeof(t->last_err), fmt, ap);
	va_end(ap);
	pthread_mutex_unlock(&t->lock);
}

static const char *rrd_reason(void)
{
	const char *e = rrd_get_error();

	return e != NULL && *e != '\0' ? e : "unknown librrd error";
}

/* -------- the file layout -------- */

static bool info_has(rrd_info_t *info, const char *key, const char *str)
{
	for (; info != NULL; info = info->next) {
		if (strcmp(info->key, key) != 0)
			continue;
		return info->type == RD_I_STR &&
		       strcmp(info->value.u_str, str) == 0;
	}
	return false;
}

static bool info_cnt(rrd_info_t *info, const char *key, unsigned long want)
{
	for (; info != NULL; info = info->next)
		if (strcmp(info->key, key) == 0)
			return info->type == RD_I_CNT &&
			       info->value.u_cnt == want;
	return false;
}

static size_t info_count_ds(rrd_info_t *info)
{
	size_t n = 0, kl;

	for (; info != NULL; info = info->next) {
		kl = strlen(info->key);
		if (strncmp(info->key, "ds[", 3) == 0 && kl > 6 &&
		    strcmp(info->key + kl - 6, ".index") == 0)
			n++;
	}
	return n;
}

/* Does PATH hold the layout of KIND? WHY says what differs. */
static bool layout_ok(const char *path, enum trend_kind kind, char *why,
                      size_t whylen)
{
	const char *const *ds;
	char key[64], name[32], type[32];
	rrd_info_t *info;
	size_t n, i;
	bool ok = true;

	rrd_clear_error();
	info = rrd_info_r(path);
	if (info == NULL) {
		snprintf(why, whylen, "unreadable: %s", rrd_reason());
		return false;
	}
	kind_ds(kind, &ds, &n);
	if (!info_cnt(info, "step", TREND_STEP_S)) {
		snprintf(why, whylen, "step is not %d s", TREND_STEP_S);
		ok = false;
	} else if (info_count_ds(info) != n) {
		snprintf(why, whylen, "has %zu data sources, want %zu",
		         info_count_ds(info), n);
		ok = false;
	}
	for (i = 0; ok && i < n; i++) {
		if (sscanf(ds[i], "DS:%31[^:]:%31[^:]", name, type) != 2)
			continue;
		snprintf(key, sizeof(key), "ds[%s].type", name);
		if (!info_has(info, key, type)) {
			snprintf(why, whylen, "no %s data source %s", type,
			         name);
			ok = false;
		}
	}
	rrd_info_free(info);
	return ok;
}

/* Never overwrite what we did not write: move it to PATH.bad[.N]. */
static int move_aside(struct trend *t, const char *path, const char *why)
{
	char to[PATH_MAX + 16];
	int i;

	for (i = 0; i < 100; i++) {
		if (i == 0)
			snprintf(to, sizeof(to), "%s.bad", path);
		else
			snprintf(to, sizeof(to), "%s.bad.%d", path, i);
		if (access(to, F_OK) != 0)
			break;
	}
	if (t->daemon != NULL)
		rrdc_forget(path);
	if (rename(path, to) < 0) {
		set_error(t, "%s: %s; cannot move it aside: %s", path, why,
		          strerror(errno));
		return -1;
	}
	set_error(t, "%s: %s; moved aside to %s and recreated", path, why, to);
	return 0;
}

static int create_file(struct trend *t, struct trend_file *f, int64_t first)
{
	const char *argv[3 + N_RRAS];
	const char *const *ds;
	size_t n, i;
	int rc;

	kind_ds(f->kind, &ds, &n);
	for (i = 0; i < n; i++)
		argv[i] = ds[i];
	for (i = 0; i < N_RRAS; i++)
		argv[n + i] = rras[i];
	rrd_clear_error();
	if (t->daemon != NULL)
		rc = rrdc_create(f->path, TREND_STEP_S, (time_t)(first - 1), 1,
		                 (int)(n + N_RRAS), argv);
	else
		rc = rrd_create_r(f->path, TREND_STEP_S, (time_t)(first - 1),
		                  (int)(n + N_RRAS), argv);
	if (rc != 0) {
		set_error(t, "%s: create: %s", f->path, rrd_reason());
		return -1;
	}
	return 0;
}

static int64_t file_last(struct trend *t, const char *path)
{
	rrd_clear_error();
	if (t->daemon != NULL)
		return (int64_t)rrdc_last(path);
	return (int64_t)rrd_last_r(path);
}

/* librrd's client reconnects only when asked; ask before each use. */
static int daemon_connect(struct trend *t, const struct trend_file *f)
{
	if (t->daemon == NULL || rrdc_is_connected(t->daemon))
		return 0;
	rrd_clear_error();
	if (rrdc_connect(t->daemon) == 0)
		return 0;
	set_error(t, "%s: rrdcached %s: %s", f->path, t->daemon, rrd_reason());
	return -1;
}

/* Make F exist with our layout and learn its last update time. */
static int prepare(struct trend *t, struct trend_file *f, int64_t first,
                   struct trend_stats *st)
{
	char why[256];

	if (daemon_connect(t, f) < 0)
		return -1;
	if (access(f->path, F_OK) == 0 &&
	    !layout_ok(f->path, f->kind, why, sizeof(why))) {
		if (move_aside(t, f->path, why) < 0)
			return -1;
		st->moved++;
	}
	if (access(f->path, F_OK) != 0) {
		/* A remote rrdcached may have it where we cannot look. */
		if (create_file(t, f, first) == 0)
			st->created++;
		else if (t->daemon == NULL)
			return -1;
	}
	f->last = file_last(t, f->path);
	if (f->last <= 0) {
		set_error(t, "%s: last update: %s", f->path, rrd_reason());
		return -1;
	}
	f->ready = true;
	return 0;
}

static struct trend_file *file_get(struct trend *t, const struct trend_item *it)
{
	struct trend_file *f;
	size_t i;

	for (i = 0; i < t->n_files; i++) {
		f = &t->files[i];
		if (f->kind == it->kind && strcmp(f->name, it->name) == 0)
			return f;
	}
	if (t->n_files == t->cap_files) {
		size_t cap = t->cap_files ? t->cap_files * 2 : 16;
		f = realloc(t->files, cap * sizeof(*f));
		if (f == NULL)
			return NULL;
		t->files = f;
		t->cap_files = cap;
	}
	f = &t->files[t->n_files];
	memset(f, 0, sizeof(*f));
	f->kind = it->kind;
	snprintf(f->name, sizeof(f->name), "%s", it->name);
	if (trend_path(t->dir, f->kind, f->name, f->path, sizeof(f->path)) < 0)
		return NULL;
	t->n_files++;
	return f;
}

/* -------- the writer -------- */

static void format_item(const struct trend_item *it, char *buf, size_t len)
{
	switch (it->kind) {
	case TREND_DIMM:
		snprintf(buf, len,
		         "%" PRId64 ":%" PRIu64 ":%" PRIu64 ":%" PRIu64,
		         it->time_s, it->u[0], it->u[1], it->u[2]);
		return;
	case TREND_SOCKET:
		snprintf(buf, len, "%" PRId64 ":%" PRIu64, it->time_s,
		         it->u[0]);
		return;
	case TREND_SENSOR:
		if (isfinite(it->value))
			snprintf(buf, len, "%" PRId64 ":%.6f", it->time_s,
			         it->value);
		else
			snprintf(buf, len, "%" PRId64 ":U", it->time_s);
		return;
	}
}

static bool same_file(const struct trend_item *a, const struct trend_item *b)
{
	return a->kind == b->kind && strcmp(a->name, b->name) == 0;
}

#define VALUE_LEN 96

/* Collect the batch's samples for F from FIRST on, in order, dropping
 * those not after the file's last update. Returns how many went to ARGV. */
static size_t collect(struct trend *t, size_t n, size_t first,
                      struct trend_file *f, char (*vals)[VALUE_LEN],
                      const char **argv, struct trend_stats *st)
{
	size_t j, k = 0;

	for (j = first; j < n; j++) {
		if (t->used[j] || !same_file(&t->batch[first], &t->batch[j]))
			continue;
		t->used[j] = true;
		if (t->batch[j].time_s <= f->last) {
			st->skipped++;
			continue;
		}
		f->last = t->batch[j].time_s;
		format_item(&t->batch[j], vals[k], VALUE_LEN);
		argv[k] = vals[k];
		k++;
	}
	return k;
}

static int send_update(struct trend *t, struct trend_file *f, size_t k,
                       const char **argv)
{
	int rc;

	if (daemon_connect(t, f) < 0)
		return -1;
	rrd_clear_error();
	if (t->daemon != NULL) {
		rc = rrdc_update(f->path, (int)k, argv);
	} else {
		rc = rrd_update_r(f->path, NULL, (int)k, argv);
	}
	if (rc != 0) {
		set_error(t, "%s: update: %s", f->path, rrd_reason());
		/* Re-read the file's state before the next try. */
		f->ready = false;
		return -1;
	}
	f->dirty = t->daemon != NULL;
	return 0;
}

/* rrdcached takes one command line of at most 4 KiB: send a file's
 * samples in chunks that fit, the same for both paths. */
#define UPDATE_CHUNK 32

static void send_chunks(struct trend *t, struct trend_file *f, size_t k,
                        const char **argv, struct trend_stats *st)
{
	size_t off, c;

	for (off = 0; off < k; off += c) {
		c = k - off < UPDATE_CHUNK ? k - off : UPDATE_CHUNK;
		if (send_update(t, f, c, argv + off) < 0)
			st->failed += c;
		else
			st->written += c;
	}
}

/* Write every sample of the batch, few librrd calls per file. */
static void write_batch(struct trend *t, size_t n, struct trend_stats *st)
{
	char(*vals)[VALUE_LEN] = calloc(n, VALUE_LEN);
	const char **argv = calloc(n, sizeof(*argv));
	struct trend_file *f;
	size_t i, k;

	if (vals == NULL || argv == NULL) {
		st->failed += n;
		set_error(t, "trend: out of memory for a batch of %zu", n);
		free(vals);
		free(argv);
		return;
	}
	memset(t->used, 0, n * sizeof(*t->used));
	for (i = 0; i < n; i++) {
		if (t->used[i])
			continue;
		f = file_get(t, &t->batch[i]);
		if (f != NULL && !f->ready &&
		    prepare(t, f, t->batch[i].time_s, st) < 0)
			f = NULL;
		if (f == NULL) {
			for (k = i; k < n; k++)
				if (!t->used[k] &&
				    same_file(&t->batch[i], &t->batch[k])) {
					t->used[k] = true;
					st->failed++;
				}
			continue;
		}
		k = collect(t, n, i, f, vals, argv, st);
		send_chunks(t, f, k, argv, st);
	}
	free(vals);
	free(argv);
}

/* rrdcached keeps updates in memory; a flush makes them land in files. */
static void flush_daemon(struct trend *t, struct trend_stats *st)
{
	size_t i;

	for (i = 0; t->daemon != NULL && i < t->n_files; i++) {
		if (!t->files[i].dirty)
			continue;
		rrd_clear_error();
		if (rrdc_flush(t->files[i].path) != 0) {
			set_error(t, "%s: rrdcached flush: %s",
			          t->files[i].path, rrd_reason());
			st->failed++;
			continue;
		}
		t->files[i].dirty = false;
	}
}

static void stats_add(struct trend_stats *to, const struct trend_stats *d)
{
	to->written += d->written;
	to->skipped += d->skipped;
	to->failed += d->failed;
	to->created += d->created;
	to->moved += d->moved;
}

/* Under lock: move the queue into the writer's batch. */
static size_t take_batch(struct trend *t)
{
	size_t n = t->count, i;

	for (i = 0; i < n; i++)
		t->batch[i] = t->ring[(t->head + i) % t->cap];
	t->head = (t->head + n) % t->cap;
	t->count = 0;
	return n;
}

static void *writer(void *arg)
{
	struct trend *t = arg;
	struct trend_stats st;
	uint64_t gen;
	bool flush;
	size_t n;

	pthread_mutex_lock(&t->lock);
	for (;;) {
		while (t->count == 0 && !t->stop &&
		       t->flush_gen == t->flushed_gen)
			pthread_cond_wait(&t->work, &t->lock);
		if (t->count == 0 && t->stop && t->flush_gen == t->flushed_gen)
			break;
		n = take_batch(t);
		gen = t->flush_gen;
		flush = gen != t->flushed_gen || t->stop;
		pthread_mutex_unlock(&t->lock);

		memset(&st, 0, sizeof(st));
		write_batch(t, n, &st);
		if (flush)
			flush_daemon(t, &st);

		pthread_mutex_lock(&t->lock);
		stats_add(&t->st, &st);
		t->done_seq += n;
		if (t->count == 0)
			t->flushed_gen = gen;
		pthread_cond_broadcast(&t->done);
	}
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* -------- the caller's side -------- */

static int trend_alloc(struct trend *t, size_t cap)
{
	t->cap = cap;
	t->ring = calloc(cap, sizeof(*t->ring));
	t->batch = calloc(cap, sizeof(*t->batch));
	t->used = calloc(cap, sizeof(*t->used));
	return t->ring && t->batch && t->used ? 0 : -1;
}

static void trend_free(struct trend *t)
{
	free(t->ring);
	free(t->batch);
	free(t->used);
	free(t->files);
	free(t->daemon);
	free(t);
}

struct trend *trend_open(const char *dir, const char *daemon, size_t queue_max,
                         char *err, size_t errlen)
{
	struct trend *t;

	if (strlen(dir) >= sizeof(t->dir)) {
		snprintf(err, errlen, "%s: directory name too long", dir);
		return NULL;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (t == NULL ||
	    trend_alloc(t, queue_max ? queue_max : TREND_QUEUE_DEFAULT) < 0 ||
	    (daemon != NULL && (t->daemon = strdup(daemon)) == NULL)) {
		snprintf(err, errlen, "trend: out of memory");
		if (t != NULL)
			trend_free(t);
		return NULL;
	}
	snprintf(t->dir, sizeof(t->dir), "%s", dir);
	pthread_mutex_init(&t->lock, NULL);
	pthread_cond_init(&t->work, NULL);
	pthread_cond_init(&t->done, NULL);
	if (pthread_create(&t->thread, NULL, writer, t) != 0) {
		snprintf(err, errlen, "trend: cannot start the writer thread");
		trend_free(t);
		return NULL;
	}
	return t;
}

void trend_close(struct trend *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->lock);
	t->stop = true;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->lock);
	pthread_join(t->thread, NULL);
	if (t->daemon != NULL)
		rrdc_disconnect();
	pthread_mutex_destroy(&t->lock);
	pthread_cond_destroy(&t->work);
	pthread_cond_destroy(&t->done);
	trend_free(t);
}

/* Drop the oldest sample when full: the newest say most about now. */
static int enqueue(struct trend *t, const struct trend_item *it)
{
	pthread_mutex_lock(&t->lock);
	if (t->count == t->cap) {
		t->head = (t->head + 1) % t->cap;
		t->count--;
		t->st.dropped++;
		t->done_seq++;
	}
	t->ring[(t->head + t->count) % t->cap] = *it;
	t->count++;
	t->enq_seq++;
	t->st.queued++;
	pthread_cond_signal(&t->work);
	pthread_mutex_unlock(&t->lock);
	return 0;
}

static int item_init(struct trend_item *it, enum trend_kind kind,
                     const char *name, int64_t time_s)
{
	size_t len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len >= sizeof(it->name) || time_s <= 0)
		return -1;
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	memcpy(it->name, name, len + 1);
	it->time_s = time_s;
	return 0;
}

int trend_update_dimm(struct trend *t, const char *label, int64_t time_s,
                      uint64_t ce_total, uint64_t ue_total,
                      uint64_t pages_retired)
{
	struct trend_item it;

	if (item_init(&it, TREND_DIMM, label, time_s) < 0)
		return -1;
	it.u[0] = ce_total;
	it.u[1] = ue_total;
	it.u[2] = pages_retired;
	return enqueue(t, &it);
}

int trend_update_socket(struct trend *t, int socket, int64_t time_s,
                        uint64_t ce_total)
{
	struct trend_item it;
	char name[16];

	snprintf(name, sizeof(name), "%d", socket);
	if (socket < 0 || item_init(&it, TREND_SOCKET, name, time_s) < 0)
		return -1;
	it.u[0] = ce_total;
	return enqueue(t, &it);
}

int trend_update_sensor(struct trend *t, const char *name, int64_t time_s,
                        double value)
{
	struct trend_item it;

	if (item_init(&it, TREND_SENSOR, name, time_s) < 0)
		return -1;
	it.value = value;
	return enqueue(t, &it);
}

uint64_t trend_flush(struct trend *t)
{
	uint64_t target, gen, failed;

	pthread_mutex_lock(&t->lock);
	target = t->enq_seq;
	gen = ++t->flush_gen;
	pthread_cond_signal(&t->work);
	while (t->done_seq < target || t->flushed_gen < gen)
		pthread_cond_wait(&t->done, &t->lock);
	failed = t->st.failed - t->failed_reported;
	t->failed_reported = t->st.failed;
	pthread_mutex_unlock(&t->lock);
	return failed;
}

void trend_get_stats(struct trend *t, struct trend_stats *st)
{
	pthread_mutex_lock(&t->lock);
	*st = t->st;
	pthread_mutex_unlock(&t->lock);
}

void trend_last_error(struct trend *t, char *buf, size_t len)
{
	pthread_mutex_lock(&t->lock);
	snprintf(buf, len, "%s", t->last_err);
	pthread_mutex_unlock(&t->lock);
}

/* -------- graphs -------- */

struct gargs {
	char **v;
	int n, cap;
	bool oom;
};

static void garg(struct gargs *g, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void garg(struct gargs *g, const char *fmt, ...)
{
	va_list ap;
	char *s = NULL, **nv;

	if (g->oom)
		return;
	if (g->n + 1 >= g->cap) {
		nv = realloc(g->v, (size_t)(g->cap + 32) * sizeof(*nv));
		if (nv == NULL) {
			g->oom = true;
			return;
		}
		g->v = nv;
		g->cap += 32;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	if (s == NULL) {
		g->oom = true;
		return;
	}
	g->v[g->n++] = s;
	g->v[g->n] = NULL;
}

static void gargs_free(struct gargs *g)
{
	int i;

	for (i = 0; i < g->n; i++)
		free(g->v[i]);
	free(g->v);
}

/* rrdtool splits DEF and legend text on ':'; escape it (and '\'). */
static void rrd_escape(const char *s, char *out, size_t len)
{
	size_t o = 0;

	for (; *s != '\0' && o + 2 < len; s++) {
		if (*s == ':' || *s == '\\')
			out[o++] = '\\';
		out[o++] = *s;
	}
	out[o] = '\0';
}

static void graph_common(struct gargs *g, const char *png, int64_t start_s,
                         int64_t end_s, const char *title, const char *vlabel)
{
	garg(g, "graph");
	garg(g, "%s", png);
	garg(g, "--imgformat=PNG");
	garg(g, "--start=%" PRId64, start_s);
	garg(g, "--end=%" PRId64, end_s);
	garg(g, "--width=720");
	garg(g, "--height=200");
	garg(g, "--title=%s", title);
	garg(g, "--vertical-label=%s", vlabel);
	garg(g, "--lower-limit=0");
	garg(g, "--slope-mode");
}

/* The top of the value axis librrd drew, from the graph's info. */
static void info_value_max(rrd_info_t *info, double *value_max)
{
	for (; info != NULL; info = info->next)
		if (strcmp(info->key, "value_max") == 0 &&
		    info->type == RD_I_VAL)
			*value_max = info->value.u_val;
}

static int graph_run(struct gargs *g, const char *png, double *value_max,
                     char *err, size_t errlen)
{
	rrd_info_t *info;

	if (g->oom) {
		snprintf(err, errlen, "%s: out of memory", png);
		return -1;
	}
	rrd_clear_error();
	info = rrd_graph_v(g->n, g->v);
	if (info == NULL || rrd_test_error()) {
		snprintf(err, errlen, "%s: graph: %s", png, rrd_reason());
		rrd_info_free(info);
		return -1;
	}
	if (value_max != NULL)
		info_value_max(info, value_max);
	rrd_info_free(info);
	return 0;
}

static int graph_span_ok(const char *png, int64_t start_s, int64_t end_s,
                         char *err, size_t errlen)
{
	if (start_s > 0 && end_s > start_s)
		return 0;
	snprintf(err, errlen, "%s: bad time span %" PRId64 "..%" PRId64, png,
	         start_s, end_s);
	return -1;
}

static int rrd_def_path(const char *dir, enum trend_kind kind, const char *name,
                        char *path, size_t pathlen, char *esc, size_t esclen,
                        char *err, size_t errlen)
{
	if (trend_path(dir, kind, name, path, pathlen) < 0) {
		snprintf(err, errlen, "%s/%s: name too long", dir, name);
		return -1;
	}
	rrd_escape(path, esc, esclen);
	return 0;
}

static const char *window_text(uint64_t window_s, char *buf, size_t len)
{
	if (window_s % 86400 == 0 && window_s > 0)
		snprintf(buf, len, "%" PRIu64 " d", window_s / 86400);
	else if (window_s % 3600 == 0 && window_s > 0)
		snprintf(buf, len, "%" PRIu64 " h", window_s / 3600);
	else
		snprintf(buf, len, "%" PRIu64 " s", window_s);
	return buf;
}

int trend_graph_dimm(const char *dir, const char *label, const char *png,
                     int64_t start_s, int64_t end_s, uint32_t threshold_pages,
                     uint64_t window_s, char *err, size_t errlen)
{
	return trend_graph_dimm_v(dir, label, png, start_s, end_s,
	                          threshold_pages, window_s, NULL, err, errlen);
}

int trend_graph_dimm_v(const char *dir, const char *label, const char *png,
                       int64_t start_s, int64_t end_s, uint32_t threshold_pages,
                       uint64_t window_s, double *value_max, char *err,
                       size_t errlen)
{
	char path[PATH_MAX], esc[2 * PATH_MAX], title[160], lab[160], w[32];
	struct gargs g = {0};
	int rc;

	if (graph_span_ok(png, start_s, end_s, err, errlen) < 0 ||
	    rrd_def_path(dir, TREND_DIMM, label, path, sizeof(path), esc,
	                 sizeof(esc), err, errlen) < 0)
		return -1;
	snprintf(title, sizeof(title), "DIMM %s: corrected errors", label);
	rrd_escape(label, lab, sizeof(lab));
	graph_common(&g, png, start_s, end_s, title, "errors/min, pages");
	/*
	 * librrd scales the axis to the data alone (0-1 for a quiet DIMM)
	 * and leaves out an HRULE above it: the axis reaches past the
	 * threshold, and still grows with data above it (not --rigid).
	 */
	garg(&g, "--upper-limit=%" PRIu32,
	     threshold_pages + threshold_pages / 10 + 1);
	garg(&g, "DEF:ce=%s:ce:AVERAGE", esc);
	garg(&g, "DEF:cemax=%s:ce:MAX", esc);
	garg(&g, "DEF:pages=%s:pages:MAX", esc);
	garg(&g, "DEF:ue=%s:ue:MAX", esc);
	garg(&g, "CDEF:rate=ce,60,*");
	garg(&g, "CDEF:peak=cemax,60,*");
	garg(&g, "AREA:rate#4e79a7:corrected errors/min (average)");
	garg(&g, "LINE1:peak#1c3f66:peak\\n");
	garg(&g, "LINE2:pages#f28e2b:pages retired");
	garg(&g,
	     "HRULE:%" PRIu32 "#e15759:threshold %" PRIu32 " pages in %s\\n",
	     threshold_pages, threshold_pages,
	     window_text(window_s, w, sizeof(w)));
	garg(&g, "GPRINT:rate:AVERAGE:average %%.2lf/min");
	garg(&g, "GPRINT:peak:MAX:peak %%.2lf/min");
	garg(&g, "GPRINT:ue:LAST:uncorrected %%.0lf");
	garg(&g, "GPRINT:pages:LAST:pages retired %%.0lf\\n");
	rc = graph_run(&g, png, value_max, err, errlen);
	gargs_free(&g);
	return rc;
}

static const char *const palette[] = {
    "4e79a7", "f28e2b", "e15759", "76b7b2", "59a14f", "edc948",
    "b07aa1", "ff9da7", "9c755f", "bab0ac", "1f77b4", "8c564b",
};

#define N_PALETTE (sizeof(palette) / sizeof(palette[0]))

int trend_graph_socket_dimms(const char *dir, int socket,
                             const char *const labels[], size_t n,
                             const char *png, int64_t start_s, int64_t end_s,
                             char *err, size_t errlen)
{
	return trend_graph_socket_dimms_v(dir, socket, labels, n, png, start_s,
	                                  end_s, NULL, err, errlen);
}

/* The sum of the stacked rates, r0,r1,+,r2,+... as one CDEF. */
static void total_cdef(struct gargs *g, const size_t *idx, size_t shown)
{
	char rpn[1024];
	size_t i, o = 0;

	for (i = 0; i < shown && o < sizeof(rpn) - 32; i++)
		o += (size_t)snprintf(rpn + o, sizeof(rpn) - o, "%sr%zu%s",
		                      i ? "," : "", idx[i], i ? ",+" : "");
	garg(g, "CDEF:total=%s", rpn);
}

int trend_graph_socket_dimms_v(const char *dir, int socket,
                               const char *const labels[], size_t n,
                               const char *png, int64_t start_s, int64_t end_s,
                               double *value_max, char *err, size_t errlen)
{
	char path[PATH_MAX], esc[2 * PATH_MAX], title[96], lab[160];
	struct gargs g = {0};
	size_t i, shown = 0, idx[TREND_GRAPH_MAX_DIMMS];
	int rc;

	if (graph_span_ok(png, start_s, end_s, err, errlen) < 0)
		return -1;
	if (n > TREND_GRAPH_MAX_DIMMS)
		n = TREND_GRAPH_MAX_DIMMS;
	snprintf(title, sizeof(title),
	         "Socket %d: corrected errors per DIMM (stacked)", socket);
	graph_common(&g, png, start_s, end_s, title, "errors/min");
	/* A quiet socket still gets an axis and a line at zero. */
	garg(&g, "--upper-limit=1");
	for (i = 0; i < n; i++) {
		if (rrd_def_path(dir, TREND_DIMM, labels[i], path, sizeof(path),
		                 esc, sizeof(esc), err, errlen) < 0) {
			gargs_free(&g);
			return -1;
		}
		if (access(path, R_OK) != 0)
			continue;
		rrd_escape(labels[i], lab, sizeof(lab));
		garg(&g, "DEF:d%zu=%s:ce:AVERAGE", i, esc);
		/* Unknown stacks as nothing instead of hiding the rest. */
		garg(&g, "CDEF:r%zu=d%zu,UN,0,d%zu,IF,60,*", i, i, i);
		garg(&g, "AREA:r%zu#%s:%s%s", i, palette[shown % N_PALETTE],
		     lab, shown ? ":STACK" : "");
		idx[shown++] = i;
	}
	if (shown == 0) {
		snprintf(err, errlen,
		         "%s: no DIMM of socket %d has an RRD in %s", png,
		         socket, dir);
		gargs_free(&g);
		return -1;
	}
	total_cdef(&g, idx, shown);
	garg(&g, "LINE1:total#000000:all DIMMs\\n");
	garg(&g, "GPRINT:total:MAX:peak %%.2lf/min");
	garg(&g, "GPRINT:total:AVERAGE:average %%.2lf/min\\n");
	rc = graph_run(&g, png, value_max, err, errlen);
	gargs_free(&g);
	return rc;
}

int trend_graph_sensor(const char *dir, const char *const names[], size_t n,
                       const char *png, int64_t start_s, int64_t end_s,
                       char *err, size_t errlen)
{
	char path[PATH_MAX], esc[2 * PATH_MAX], lab[160];
	struct gargs g = {0};
	size_t i;
	int rc;

	if (graph_span_ok(png, start_s, end_s, err, errlen) < 0)
		return -1;
	if (n == 0) {
		snprintf(err, errlen, "%s: no sensors to graph", png);
		return -1;
	}
	graph_common(&g, png, start_s, end_s, "Temperatures", "degrees C");
	for (i = 0; i < n; i++) {
		if (rrd_def_path(dir, TREND_SENSOR, names[i], path,
		                 sizeof(path), esc, sizeof(esc), err,
		                 errlen) < 0) {
			gargs_free(&g);
			return -1;
		}
		rrd_escape(names[i], lab, sizeof(lab));
		garg(&g, "DEF:s%zu=%s:value:AVERAGE", i, esc);
		garg(&g, "DEF:m%zu=%s:value:MAX", i, esc);
		garg(&g, "LINE2:s%zu#%s:%s", i, palette[i % N_PALETTE], lab);
		garg(&g, "GPRINT:m%zu:MAX:max %%.1lf\\n", i);
	}
	rc = graph_run(&g, png, NULL, err, errlen);
	gargs_free(&g);
	return rc;
}

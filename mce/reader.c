/* reader.c - takes machine-check records from /dev/mcelog, xen_mcelog, a
 * replay file, a pipe or emulated device ops, keeping the kernel's rules. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "mce/mce.h"

#define DEFAULT_RECORD_LEN MCE_RECORD_LEN_XEN
#define DEFAULT_LOG_LEN    32 /* XEN_MCE_LOG_LEN, and the kernel's minimum */
#define MAX_LOG_LEN        65536
#define MAX_BUFFER_BYTES   (16u << 20)

struct mce_reader {
	struct mce_dev_ops ops;
	void *ctx;
	int fd;      /* the source of the fd ops; ctx points here */
	bool device; /* answers the ioctls: one whole-log read per drain */
	size_t record_len;
	size_t log_len;
	unsigned char *buf; /* log_len * record_len, allocated at open */
	size_t buf_size;
	bool buf_lent; /* the caller's (mce_reader_use_buffer), not freed */
	size_t start;          /* first byte read but not yet handed out */
	size_t end;            /* end of the bytes read */
	uint64_t record_index; /* records taken from the source so far */
	uint64_t offset;       /* bytes taken from the source so far */
	struct mce_reader_stats stats;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* One drain can meet several problems; keep them all, "; "-separated. */
static void add_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (err == NULL || errlen == 0)
		return;
	used = strnlen(err, errlen);
	if (used > 0 && used + 2 < errlen) {
		memcpy(err + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

static ssize_t fd_read(void *ctx, void *buf, size_t len)
{
	const int *fd = ctx;

	return read(*fd, buf, len);
}

static int fd_ioctl(void *ctx, unsigned long request, int *value)
{
	const int *fd = ctx;

	return ioctl(*fd, request, value);
}

/* What read(2) and ioctl(2) say on a file or pipe: not a device. */
static bool lacks_ioctls(int error)
{
	return error == ENOTTY || error == EINVAL || error == ENOSYS;
}

static int probe_device(struct mce_reader *rd, char *err, size_t errlen)
{
	int record_len = 0, log_len = 0;

	if (rd->ops.ioctl == NULL)
		return 0;
	if (rd->ops.ioctl(rd->ctx, MCE_IOCTL_GET_RECORD_LEN, &record_len) < 0) {
		if (lacks_ioctls(errno))
			return 0;
		set_err(err, errlen, "MCE_GET_RECORD_LEN: %s", strerror(errno));
		return -1;
	}
	if (record_len < MCE_RECORD_LEN_MIN ||
	    record_len > MCE_RECORD_LEN_MAX) {
		set_err(err, errlen,
		        "device reports record length %d: not a struct mce",
		        record_len);
		return -1;
	}
	if (rd->ops.ioctl(rd->ctx, MCE_IOCTL_GET_LOG_LEN, &log_len) < 0) {
		set_err(err, errlen,
		        "device answers MCE_GET_RECORD_LEN but not "
		        "MCE_GET_LOG_LEN: %s",
		        strerror(errno));
		return -1;
	}
	if (log_len < 1 || log_len > MAX_LOG_LEN) {
		set_err(err, errlen,
		        "device reports log length %d: outside 1..%d", log_len,
		        MAX_LOG_LEN);
		return -1;
	}
	rd->device = true;
	rd->record_len = (size_t)record_len;
	rd->log_len = (size_t)log_len;
	return 0;
}

static int stream_geometry(struct mce_reader *rd,
                           const struct mce_reader_opts *opts, char *err,
                           size_t errlen)
{
	rd->record_len = DEFAULT_RECORD_LEN;
	rd->log_len = DEFAULT_LOG_LEN;
	if (opts != NULL && opts->record_len != 0)
		rd->record_len = opts->record_len;
	if (opts != NULL && opts->log_len != 0)
		rd->log_len = opts->log_len;
	if (rd->record_len < MCE_RECORD_LEN_MIN ||
	    rd->record_len > MCE_RECORD_LEN_MAX) {
		set_err(err, errlen,
		        "record length %zu is outside %d..%d: not a struct mce",
		        rd->record_len, MCE_RECORD_LEN_MIN, MCE_RECORD_LEN_MAX);
		return -1;
	}
	if (rd->log_len > MAX_LOG_LEN) {
		set_err(err, errlen, "log length %zu is more than %d records",
		        rd->log_len, MAX_LOG_LEN);
		return -1;
	}
	return 0;
}

/* Once, at open: the drain path never allocates. */
static int alloc_buffer(struct mce_reader *rd, char *err, size_t errlen)
{
	rd->buf_size = rd->record_len * rd->log_len;
	if (rd->buf_size > MAX_BUFFER_BYTES) {
		set_err(err, errlen,
		        "a log of %zu records of %zu bytes needs more than "
		        "%u bytes",
		        rd->log_len, rd->record_len, MAX_BUFFER_BYTES);
		return -1;
	}
	rd->buf = malloc(rd->buf_size);
	if (rd->buf == NULL) {
		set_err(err, errlen, "cannot allocate %zu bytes: %s",
		        rd->buf_size, strerror(errno));
		return -1;
	}
	return 0;
}

static int open_common(struct mce_reader *rd,
                       const struct mce_reader_opts *opts, char *err,
                       size_t errlen)
{
	if (probe_device(rd, err, errlen) < 0)
		return -1;
	if (!rd->device && stream_geometry(rd, opts, err, errlen) < 0)
		return -1;
	return alloc_buffer(rd, err, errlen);
}

int mce_reader_open_fd(struct mce_reader **out, int fd,
                       const struct mce_reader_opts *opts, char *err,
                       size_t errlen)
{
	struct mce_reader *rd;

	*out = NULL;
	if (fd < 0) {
		set_err(err, errlen, "invalid file descriptor %d", fd);
		return -1;
	}
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		set_err(err, errlen, "cannot allocate a reader: %s",
		        strerror(errno));
		return -1;
	}
	rd->fd = fd;
	rd->ctx = &rd->fd;
	rd->ops.read = fd_read;
	rd->ops.ioctl = fd_ioctl;
	if (open_common(rd, opts, err, errlen) < 0) {
		mce_reader_close(rd);
		return -1;
	}
	*out = rd;
	return 0;
}

int mce_reader_open_ops(struct mce_reader **out, const struct mce_dev_ops *ops,
                        void *ctx, const struct mce_reader_opts *opts,
                        char *err, size_t errlen)
{
	struct mce_reader *rd;

	*out = NULL;
	if (ops == NULL || ops->read == NULL) {
		set_err(err, errlen, "device ops without a read function");
		return -1;
	}
	rd = calloc(1, sizeof(*rd));
	if (rd == NULL) {
		set_err(err, errlen, "cannot allocate a reader: %s",
		        strerror(errno));
		return -1;
	}
	rd->fd = -1;
	rd->ctx = ctx;
	rd->ops = *ops;
	if (open_common(rd, opts, err, errlen) < 0) {
		mce_reader_close(rd);
		return -1;
	}
	*out = rd;
	return 0;
}

/*
 * Hand out every whole record in buf[start, end). A record that does not
 * parse is counted and described, and its neighbours still go out.
 * Stops early, keeping the rest for the next drain, when fn says so.
 */
static size_t deliver(struct mce_reader *rd, mce_record_fn fn, void *arg,
                      bool *stopped, char *err, size_t errlen)
{
	struct mce_record rec;
	char why[128];
	size_t n = 0;

	while (!*stopped && rd->end - rd->start >= rd->record_len) {
		const unsigned char *p = rd->buf + rd->start;
		uint64_t index = rd->record_index++;
		uint64_t offset = rd->offset;

		rd->start += rd->record_len;
		rd->offset += rd->record_len;
		if (mce_record_parse(p, rd->record_len, &rec, why,
		                     sizeof(why)) < 0) {
			rd->stats.bad_records++;
			add_err(err, errlen,
			        "record %" PRIu64 " at offset %" PRIu64 ": %s",
			        index, offset, why);
			continue;
		}
		rd->stats.records++;
		n++;
		if (fn != NULL && fn(arg, &rec) != 0)
			*stopped = true;
	}
	return n;
}

static bool read_would_block(int error)
{
	return error == EAGAIN || error == EWOULDBLOCK || error == EINTR;
}

static void check_overflow(struct mce_reader *rd, char *err, size_t errlen)
{
	int flags = 0;

	if (rd->ops.ioctl(rd->ctx, MCE_IOCTL_GETCLEAR_FLAGS, &flags) < 0) {
		add_err(err, errlen, "MCE_GETCLEAR_FLAGS: %s", strerror(errno));
		return;
	}
	if (flags & MCE_FLAG_OVERFLOW) {
		rd->stats.overflows++;
		add_err(err, errlen, "device overflow: records were dropped");
	}
}

/*
 * The kernel and xen_mcelog hand out the whole log in one read and
 * refuse (EINVAL) a buffer smaller than log_len * record_len.
 */
static ssize_t drain_device(struct mce_reader *rd, mce_record_fn fn, void *arg,
                            char *err, size_t errlen)
{
	bool stopped = false;
	size_t whole, rest, n;
	ssize_t got;

	rd->start = rd->end = 0;
	got = rd->ops.read(rd->ctx, rd->buf, rd->buf_size);
	if (got < 0 && read_would_block(errno)) {
		check_overflow(rd, err, errlen);
		return 0;
	}
	if (got < 0) {
		add_err(err, errlen, "reading the mce device: %s",
		        strerror(errno));
		return -1;
	}
	if ((size_t)got > rd->buf_size) {
		add_err(err, errlen,
		        "device returned %zd bytes for a %zu-byte read", got,
		        rd->buf_size);
		return -1;
	}
	if (got > 0)
		rd->stats.reads++;
	rest = (size_t)got % rd->record_len;
	whole = (size_t)got - rest;
	if (rest != 0) {
		rd->stats.truncated += rest;
		add_err(err, errlen,
		        "device returned %zd bytes, not a multiple of the "
		        "%zu-byte record: %zu bytes dropped",
		        got, rd->record_len, rest);
	}
	rd->end = whole;
	n = deliver(rd, fn, arg, &stopped, err, errlen);
	rd->offset += rest;
	check_overflow(rd, err, errlen);
	return (ssize_t)n;
}

/* Move a partial record to the front so the next read can complete it. */
static void compact(struct mce_reader *rd)
{
	size_t pending = rd->end - rd->start;

	if (rd->start == 0)
		return;
	memmove(rd->buf, rd->buf + rd->start, pending);
	rd->start = 0;
	rd->end = pending;
}

/*
 * A file or pipe: records may arrive split across reads. Reads until a
 * record is whole, so 0 means end of stream or nothing to read now.
 */
static ssize_t drain_stream(struct mce_reader *rd, mce_record_fn fn, void *arg,
                            char *err, size_t errlen)
{
	bool stopped = false;
	size_t space, n;
	ssize_t got;

	for (;;) {
		compact(rd);
		space = rd->buf_size - rd->end;
		got = rd->ops.read(rd->ctx, rd->buf + rd->end, space);
		if (got < 0 && read_would_block(errno))
			return 0;
		if (got < 0) {
			add_err(err, errlen, "reading the record stream: %s",
			        strerror(errno));
			return -1;
		}
		if ((size_t)got > space) {
			add_err(err, errlen,
			        "source returned %zd bytes for a %zu-byte read",
			        got, space);
			return -1;
		}
		if (got == 0)
			return 0;
		rd->stats.reads++;
		rd->end += (size_t)got;
		n = deliver(rd, fn, arg, &stopped, err, errlen);
		if (n > 0 || stopped)
			return (ssize_t)n;
	}
}

/*
 * One read into the buffer, unparsed: for a privileged parent that hands
 * the bytes to its engine through a shared spool. Whole records only; a
 * partial tail is counted as truncated.
 */
ssize_t mce_reader_fill(struct mce_reader *rd, bool *overflowed, char *err,
                        size_t errlen)
{
	uint64_t overflows = rd->stats.overflows;
	ssize_t got;
	size_t rest;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	rd->start = rd->end = 0;
	got = rd->ops.read(rd->ctx, rd->buf, rd->buf_size);
	if (got < 0 && !read_would_block(errno)) {
		add_err(err, errlen, "reading the mce device: %s",
		        strerror(errno));
		return -1;
	}
	if (got < 0)
		got = 0;
	if ((size_t)got > rd->buf_size) {
		add_err(err, errlen,
		        "device returned %zd bytes for a %zu-byte read", got,
		        rd->buf_size);
		return -1;
	}
	rest = (size_t)got % rd->record_len;
	if (rest != 0) {
		rd->stats.truncated += rest;
		add_err(err, errlen,
		        "device returned %zd bytes, not a multiple of the "
		        "%zu-byte record: %zu bytes dropped",
		        got, rd->record_len, rest);
		memset(rd->buf + got - rest, 0, rest);
	}
	if (got > 0)
		rd->stats.reads++;
	if (rd->device)
		check_overflow(rd, err, errlen);
	*overflowed = rd->stats.overflows != overflows;
	return got - (ssize_t)rest;
}

ssize_t mce_reader_drain(struct mce_reader *rd, mce_record_fn fn, void *arg,
                         char *err, size_t errlen)
{
	bool stopped = false;
	size_t n;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	/* Records a callback stopped short of go first, before new reads. */
	n = deliver(rd, fn, arg, &stopped, err, errlen);
	if (n > 0 || stopped)
		return (ssize_t)n;
	if (rd->device)
		return drain_device(rd, fn, arg, err, errlen);
	return drain_stream(rd, fn, arg, err, errlen);
}

int mce_reader_finish(struct mce_reader *rd, char *err, size_t errlen)
{
	size_t partial = (rd->end - rd->start) % rd->record_len;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (partial == 0)
		return 0;
	rd->stats.truncated += partial;
	rd->end -= partial;
	set_err(err, errlen, "truncated record: %zu bytes left", partial);
	return -1;
}

size_t mce_reader_record_len(const struct mce_reader *rd)
{
	return rd->record_len;
}

const struct mce_reader_stats *mce_reader_stats(const struct mce_reader *rd)
{
	return &rd->stats;
}

size_t mce_reader_buffer_size(const struct mce_reader *rd)
{
	return rd->buf_size;
}

int mce_reader_use_buffer(struct mce_reader *rd, unsigned char *buf,
                          size_t size)
{
	if (buf == NULL || size < rd->buf_size || rd->end != rd->start)
		return -1;
	if (!rd->buf_lent)
		free(rd->buf);
	rd->buf = buf;
	rd->buf_lent = true;
	rd->start = rd->end = 0;
	return 0;
}

void mce_reader_close(struct mce_reader *rd)
{
	if (rd == NULL)
		return;
	if (!rd->buf_lent)
		free(rd->buf);
	free(rd);
}

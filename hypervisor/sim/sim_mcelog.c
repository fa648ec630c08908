/* sim_mcelog.c - an emulated xen_mcelog device (drivers/xen/mcelog.c): a
 * fixed log of records, whole-log reads, its ioctls and a poll fd. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "hypervisor/sim/sim_internal.h"
#include "hypervisor/sim/simhost_proto.h"

struct sim_mcelog {
	unsigned char *log; /* log_len slots of record_len bytes */
	uint32_t record_len;
	uint32_t log_len;
	uint32_t queued;
	int flags;    /* MCE_FLAG_OVERFLOW once a record was dropped */
	int event_fd; /* readable while the log holds records */
	struct mce_reader *reader;
	/* rasd-simhost: records go to a FIFO, flags to a shared page */
	int fifo_fd;
	struct simhost_regs *regs;
	unsigned char *staged; /* records of one moment, written at once */
	uint32_t n_staged;
};

static void sim_mcelog_poll_clear(struct sim_mcelog *dev)
{
	uint64_t count;

	/* Nonblocking: EAGAIN just means it was already clear. */
	if (read(dev->event_fd, &count, sizeof(count)) < 0)
		return;
}

static void sim_mcelog_poll_raise(struct sim_mcelog *dev)
{
	uint64_t one = 1;

	if (write(dev->event_fd, &one, sizeof(one)) < 0)
		return; /* the counter is saturated: still readable */
}

/* Like the driver: the buffer must hold the whole log, which read empties. */
ssize_t sim_mcelog_read(void *ctx, void *buf, size_t len)
{
	struct sim_mcelog *dev = ctx;
	size_t bytes = (size_t)dev->queued * dev->record_len;

	if (len < (size_t)dev->log_len * dev->record_len) {
		errno = EINVAL;
		return -1;
	}
	memcpy(buf, dev->log, bytes);
	dev->queued = 0;
	sim_mcelog_poll_clear(dev);
	return (ssize_t)bytes;
}

int sim_mcelog_ioctl(void *ctx, unsigned long request, int *value)
{
	struct sim_mcelog *dev = ctx;

	switch (request) {
	case MCE_IOCTL_GET_RECORD_LEN:
		*value = (int)dev->record_len;
		return 0;
	case MCE_IOCTL_GET_LOG_LEN:
		*value = (int)dev->log_len;
		return 0;
	case MCE_IOCTL_GETCLEAR_FLAGS:
		*value = dev->flags;
		dev->flags = 0;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

static const struct mce_dev_ops sim_mcelog_ops = {
    .read = sim_mcelog_read,
    .ioctl = sim_mcelog_ioctl,
};

int sim_mcelog_open(struct sim_mcelog **out, uint32_t record_len,
                    uint32_t log_len, char *err, size_t errlen)
{
	struct mce_reader_opts opts;
	struct sim_mcelog *dev;

	*out = NULL;
	dev = calloc(1, sizeof(*dev));
	if (dev == NULL) {
		snprintf(err, errlen, "mcelog: out of memory");
		return -1;
	}
	dev->record_len = record_len;
	dev->log_len = log_len;
	dev->event_fd = -1;
	dev->fifo_fd = -1;
	dev->log = calloc(log_len, record_len);
	if (dev->log == NULL) {
		snprintf(err, errlen, "mcelog: out of memory");
		sim_mcelog_close(dev);
		return -1;
	}
	dev->event_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (dev->event_fd < 0) {
		snprintf(err, errlen, "mcelog: eventfd: %s", strerror(errno));
		sim_mcelog_close(dev);
		return -1;
	}
	memset(&opts, 0, sizeof(opts));
	if (mce_reader_open_ops(&dev->reader, &sim_mcelog_ops, dev, &opts, err,
	                        errlen) < 0) {
		sim_mcelog_close(dev);
		return -1;
	}
	*out = dev;
	return 0;
}

void sim_mcelog_close(struct sim_mcelog *dev)
{
	if (dev == NULL)
		return;
	if (dev->reader != NULL)
		mce_reader_close(dev->reader);
	if (dev->event_fd >= 0)
		close(dev->event_fd);
	free(dev->staged);
	free(dev->log);
	free(dev);
}

int sim_mcelog_set_fifo(struct sim_mcelog *dev, int fifo_fd,
                        struct simhost_regs *regs)
{
	dev->staged = calloc(dev->log_len, dev->record_len);
	if (dev->staged == NULL)
		return -1;
	dev->fifo_fd = fifo_fd;
	dev->regs = regs;
	return 0;
}

static void sim_mcelog_fifo_drop(struct sim_mcelog *dev)
{
	__atomic_fetch_or(&dev->regs->flags, MCE_FLAG_OVERFLOW,
	                  __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&dev->regs->dropped, 1, __ATOMIC_SEQ_CST);
}

/*
 * The FIFO holds what no daemon has read yet, like the driver's log: at
 * log_len unread records the next one is dropped. Records of one moment
 * are staged and written in one write(2), so a reader sees all of them
 * or none, as it does the driver's log.
 */
static int sim_mcelog_fifo_push(struct sim_mcelog *dev,
                                const struct mce_record *r)
{
	int unread = 0;
	unsigned char *slot;

	if (ioctl(dev->fifo_fd, FIONREAD, &unread) < 0)
		unread = 0;
	slot = dev->staged + (size_t)dev->n_staged * dev->record_len;
	if ((uint32_t)unread / dev->record_len + dev->n_staged >=
	        dev->log_len ||
	    mce_record_encode(r, slot, dev->record_len) < 0) {
		sim_mcelog_fifo_drop(dev);
		return -1;
	}
	dev->n_staged++;
	return 0;
}

void sim_mcelog_flush(struct sim_mcelog *dev)
{
	size_t len = (size_t)dev->n_staged * dev->record_len;
	ssize_t n;

	if (dev->fifo_fd < 0 || dev->n_staged == 0)
		return;
	n = write(dev->fifo_fd, dev->staged, len);
	/* A short write drops the rest, records whole (a full pipe). */
	if (n < (ssize_t)len) {
		uint32_t lost = dev->n_staged -
		                (uint32_t)((n > 0 ? (size_t)n : 0) /
		                           dev->record_len);

		while (lost-- > 0)
			sim_mcelog_fifo_drop(dev);
	}
	dev->n_staged = 0;
}

/* The driver drops what does not fit and says so through the flags. */
int sim_mcelog_push_record(struct sim_mcelog *dev, const struct mce_record *r)
{
	unsigned char *slot;

	if (dev->fifo_fd >= 0)
		return sim_mcelog_fifo_push(dev, r);
	if (dev->queued == dev->log_len) {
		dev->flags |= MCE_FLAG_OVERFLOW;
		return -1;
	}
	slot = dev->log + (size_t)dev->queued * dev->record_len;
	if (mce_record_encode(r, slot, dev->record_len) < 0) {
		/* Cannot happen: the parser bounds record_len. */
		dev->flags |= MCE_FLAG_OVERFLOW;
		return -1;
	}
	dev->queued++;
	sim_mcelog_poll_raise(dev);
	return 0;
}

int sim_mcelog_poll_fd(const struct sim_mcelog *dev)
{
	return dev->event_fd;
}

struct mce_reader *sim_mcelog_reader(const struct sim_mcelog *dev)
{
	return dev->reader;
}

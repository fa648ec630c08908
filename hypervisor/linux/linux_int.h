/* linux_int.h - the Linux backend's private parts: the host struct, file
 * helpers under the test root, and the interfaces between its files. */
#ifndef RASD_HV_LINUX_INT_H
#define RASD_HV_LINUX_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hypervisor/hv.h"
#include "mce/tracefs.h"

#define LINUX_PAGE_SHIFT 12
#define LINUX_QUEUE_MAX  256 /* hv events kept until events() takes them */
#define LINUX_EXPECT_MAX 64  /* CPU changes rasd made, not yet seen back */

struct linux_tracefs;
struct linux_virt;

struct linux_host {
	struct hv hv;
	char root[PATH_MAX]; /* "" for the real /sys and /proc */
	struct linux_tracefs *tracefs;
	int mcelog_fd; /* the legacy /dev/mcelog, when the kernel has it */
	struct mce_reader *mcelog;
	struct linux_virt *virt; /* NULL: no libvirt ("none") */
	int event_epoll;         /* what event_fd() hands out */
	int queue_fd;            /* eventfd: readable while events queue */
	struct hv_event queue[LINUX_QUEUE_MAX];
	size_t n_queue;
	uint64_t events_dropped;
	int uevent_fd; /* kernel uevents; -1 under a test root */
	struct {
		uint32_t cpu;
		bool online;
	} expect[LINUX_EXPECT_MAX];
	size_t n_expect;
};

/* root + the printf path; -ENAMETOOLONG when it does not fit. */
int linux_path(const struct linux_host *h, char *buf, size_t len,
               const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Set hv.err and return rc (a negative errno). */
int linux_fail(struct linux_host *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Whole small file as text without the trailing newline; -errno. */
int linux_read_text(const char *path, char *buf, size_t len);
int linux_read_u64(const char *path, uint64_t *out);
/* One write(2) of text: the kernel's answer is its errno. */
int linux_write_text(const char *path, const char *text);
/* Queue an event for events(); past LINUX_QUEUE_MAX it is counted lost. */
void linux_event_push(struct linux_host *h, const struct hv_event *ev);

/* ---- linux_sysfs.c: /sys and /proc ---- */
/*
 * The number of CPUs a kernel CPU list ("0-3,5") covers up to its
 * highest, so CPU numbers index [0, n); -EINVAL for anything else.
 */
int linux_cpulist_extent(const char *text, uint32_t *n);
int linux_topology(struct hv *hv, struct hv_topology *out);
int linux_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n);
int linux_cpu_offline(struct hv *hv, uint32_t cpu);
int linux_cpu_online(struct hv *hv, uint32_t cpu);
int linux_page_query(struct hv *hv, uint64_t mfn, struct hv_page_status *out);
int linux_page_offline(struct hv *hv, uint64_t mfn, struct hv_page_status *out);
int linux_page_offline_hard(struct hv *hv, uint64_t mfn,
                            struct hv_page_status *out);

/* ---- linux_uevent.c: CPU hotplug seen from outside rasd ---- */
/*
 * A uevent datagram ("online@/devices/...\0ACTION=online\0...") of the
 * cpu subsystem: 1 with the CPU and its new state, 0 for anything else.
 */
int linux_uevent_parse(const char *buf, size_t len, uint32_t *cpu,
                       bool *online);
int linux_uevent_open(char *err, size_t errlen);
/* A change rasd makes itself: its uevent is not reported back. */
void linux_cpu_expect(struct linux_host *h, uint32_t cpu, bool online);
void linux_uevent_collect(struct linux_host *h);

/* ---- linux_tracefs.c: the live per-CPU ring-buffer reader ---- */
int linux_tracefs_open(struct linux_host *h, const char *tracefs,
                       struct linux_tracefs **out, char *err, size_t errlen);
struct mce_reader *linux_tracefs_reader(struct linux_tracefs *t);
int linux_tracefs_poll_fd(const struct linux_tracefs *t);
void linux_tracefs_close(struct linux_tracefs *t);

/* ---- linux_mf.c: ras:memory_failure_event ---- */
#define LINUX_MF_NAMES    48
#define LINUX_MF_NAME_MAX 48

struct linux_mf_symbols {
	size_t n;
	int64_t value[LINUX_MF_NAMES];
	char name[LINUX_MF_NAMES][LINUX_MF_NAME_MAX];
};

struct linux_mf_map {
	uint32_t id;
	struct tracefs_field pfn, type, result;
	struct linux_mf_symbols types, results;
};

struct linux_mf_event {
	uint64_t pfn;
	int64_t type;
	int64_t result;
};

/*
 * Bind a parsed memory_failure_event format (pfn, type, result by name)
 * and take the names of page types and results from the __print_symbolic
 * tables of its "print fmt:" line in `text`, the file itself.
 */
int linux_mf_bind(const struct tracefs_format *fmt, const char *text,
                  size_t len, struct linux_mf_map *map, char *err,
                  size_t errlen);
int linux_mf_decode(const struct linux_mf_map *map, const void *rec, size_t len,
                    struct linux_mf_event *out, char *err, size_t errlen);
/* "free buddy page: Recovered"; numbers where the table has no name. */
void linux_mf_describe(const struct linux_mf_map *map,
                       const struct linux_mf_event *e, char *buf, size_t len);
/* Parse "{ N, \"text\" }, ..." after "__print_symbolic(REC->FIELD,". */
int linux_mf_symbols_parse(const char *text, size_t len, const char *field,
                           struct linux_mf_symbols *out, char *err,
                           size_t errlen);

/* ---- linux_libvirt.c: guests ---- */
int linux_virt_open(struct linux_host *h, const char *uri,
                    struct linux_virt **out, char *err, size_t errlen);
void linux_virt_close(struct linux_virt *v);
int linux_virt_poll_fd(const struct linux_virt *v);
/* Migration results and progress into the host's queue. */
void linux_virt_collect(struct linux_virt *v);
int linux_domains(struct hv *hv, struct hv_domain *out, size_t max, size_t *n);
int linux_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                        uint64_t *migration_id);
/* The QEMU pid of each running domain, for the pagemap search. */
struct linux_guest {
	uint32_t domid;
	int pid; /* 0: not known */
};
int linux_virt_guests(struct linux_virt *v, struct linux_guest *out, size_t max,
                      size_t *n, char *err, size_t errlen);

/* ---- linux_pagemap.c: which guest maps a host frame ---- */
/* 1 when process pid maps a frame in [first, last], 0 not, -errno. */
int linux_pagemap_maps(const struct linux_host *h, int pid, uint64_t first,
                       uint64_t last, char *err, size_t errlen);
int linux_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                           uint32_t *domids, size_t max, size_t *n);

#endif

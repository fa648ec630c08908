/* xen_internal.h - the Xen backend's instance and the helpers its files
 * share; private to hypervisor/xen/. */
#ifndef RASD_HV_XEN_INTERNAL_H
#define RASD_HV_XEN_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Xen's public headers need GNU C (anonymous unions, aligned typedefs)
 * and refuse strict ISO mode; the project builds with -std=c11 and
 * _GNU_SOURCE, so only this flag stands in the way.
 */
#undef __STRICT_ANSI__
#include <xenctrl.h>
#include <xenstore.h>

#include "hypervisor/xen/xen.h"

#define XEN_MAX_CPUS       1024
#define XEN_MAX_MIGRATIONS 8
#define XEN_EVENT_QUEUE    64
#define XEN_MAX_KNOWN      256 /* domains the arrival watch tells apart */
#define XEN_MAX_INCOMING   16

/* One migration: a sending child, which runs the receiver (xl) itself. */
struct xen_migration {
	bool used;
	uint64_t id;
	uint32_t domid;
	char peer[HV_NAME_MAX];
	bool live; /* LIBXL_SUSPEND_LIVE, or suspended while copied */
	pid_t sender;
	int report_fd; /* the sender's report pipe, in the epoll set */
	char line[256];
	size_t line_len;
	bool finished;
	uint64_t deadline_ms; /* killed and reported failed after this */
	bool timed_out;
};

struct xen_host {
	struct hv hv; /* first: the ops reach the instance through it */
	xc_interface *xch;
	struct xs_handle *xsh;
	int mcelog_fd;
	struct mce_reader *mcelog;
	int epoll_fd;     /* event_fd: uevents and migration reports */
	int uevent_fd;    /* NETLINK_KOBJECT_UEVENT, -1 when unavailable */
	int timer_fd;     /* ticks while migrations run: their deadlines */
	int wake_fd;      /* eventfd: events queued outside events() */
	char root[256];   /* prefix for /proc, /sys and /dev ("" for /) */
	uint32_t nr_cpus; /* max_cpu_id + 1 */
	bool online[XEN_MAX_CPUS];
	uint64_t next_migration_id;
	struct xen_migration migrations[XEN_MAX_MIGRATIONS];
	struct hv_event queue[XEN_EVENT_QUEUE];
	size_t n_queued;
	int xs_fd; /* xenstore's watch fd, in the epoll set */
	uint32_t known[XEN_MAX_KNOWN]; /* domains seen */
	size_t n_known;
	uint32_t incoming[XEN_MAX_INCOMING]; /* NAME--incoming, not yet in */
	size_t n_incoming;
	uint64_t owner_frames_scanned; /* by the last domains_on_range */
};

/* Record the reason in hv->err and return rc (a negative errno). */
int xen_fail(struct xen_host *h, int rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Same, for a failed library call: "<call>: <strerror(errno)>" appended. */
int xen_fail_errno(struct xen_host *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void xen_queue_event(struct xen_host *h, const struct hv_event *ev);
void xen_wake(struct xen_host *h);

/* /local/domain/N/name, or "domain-N". */
void xen_domain_name(struct xen_host *h, uint32_t domid, char *buf, size_t len);

/* xen_domwatch.c: HV_EVENT_DOMAIN_ARRIVED for guests migrated in. */
int xen_domwatch_open(struct xen_host *h);
void xen_domwatch_fire(struct xen_host *h);
void xen_domwatch_scan(struct xen_host *h);

/* xen_owner.c */
int xen_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                         uint32_t *domids, size_t max, size_t *n);
/* 1 and *domid: a PV guest (not dom0) maps the frame; 0: none does. */
int xen_pv_owner_of(struct xen_host *h, uint64_t mfn, uint32_t *domid);

int xen_page_query(struct hv *hv, uint64_t mfn, struct hv_page_status *out);
int xen_page_offline(struct hv *hv, uint64_t mfn, struct hv_page_status *out);
int xen_page_online(struct hv *hv, uint64_t mfn, struct hv_page_status *out);

/* Which CPUs Xen has online now, from xc_cputopoinfo. */
int xen_cpu_read_online(struct xen_host *h, bool *online, uint32_t *n);
int xen_cpu_offline(struct hv *hv, uint32_t cpu);
int xen_cpu_online(struct hv *hv, uint32_t cpu);
int xen_cpu_watch_open(struct xen_host *h);
/* Re-read which CPUs are online; queue CPU_CHANGED for each change. */
void xen_cpu_refresh(struct xen_host *h);
/* Drain the uevent socket and queue CPU_CHANGED for each difference. */
void xen_cpu_watch_drain(struct xen_host *h);

int xen_mce_open(struct xen_host *h, char *err, size_t errlen);
int xen_mce_source(struct hv *hv, struct mce_reader **reader, int *poll_fd);
int xen_inject(struct hv *hv, const struct mce_record *r);
void xen_mce_close(struct xen_host *h);

int xen_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                      uint64_t *migration_id);
/*
 * The sending child's whole job (xen_migrate_send.c): check the peer has
 * room, run xl's receiver there, send the domain with libxl, hand it
 * over. Reports lines on `report` ("progress PCT MODE", "done MODE
 * DOWNTIME_MS", "failed ERRNO why"); returns the exit status.
 */
int xen_migrate_send(const struct hv_xen_peer *peer, uint32_t domid, bool live,
                     int report);
/* Read the children's reports, reap them, queue their events. */
void xen_migrate_drain(struct xen_host *h, int fd);
void xen_migrate_close(struct xen_host *h);
/* The timer ticked: stop the migrations past their deadline. */
void xen_migrate_check_deadlines(struct xen_host *h);
int xen_migrate_timer_open(struct xen_host *h);

#endif

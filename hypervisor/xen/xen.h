/* xen.h - the Xen backend: this dom0's hypervisor through libxenctrl,
 * libxl and xenstore, and its machine checks through /dev/mcelog. */
#ifndef RASD_HV_XEN_H
#define RASD_HV_XEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../hv.h"

/*
 * The story. hv_xen_open() checks that this is a Xen control domain,
 * opens libxenctrl, xenstore, dom0's /dev/mcelog (the xen_mcelog driver)
 * and a uevent socket, and returns the ops of hv.h over them:
 *
 * - topology and CPUs: xc_physinfo, xc_cputopoinfo (an offline CPU has
 *   no core/socket), xc_numainfo; DIMMs: none (the [dimm] map names them);
 * - domains: xc_domain_getinfolist, names from xenstore
 *   (/local/domain/N/name); domains_on_range walks each PV guest's p2m
 *   (xc_map_domain_meminfo, as xen-mfndump) for frames in the range and
 *   counts every HVM guest (Xen gives dom0 no machine frame of an HVM
 *   guest: the honest answer for them is the host); a guest that
 *   arrives by migration (xl migrate-receive's NAME--incoming renamed
 *   NAME) is an HV_EVENT_DOMAIN_ARRIVED, from xenstore watches;
 * - pages: xc_mark_page_offline / xc_query_page_offline_status /
 *   xc_mark_page_online on machine frames; every outcome, refusal
 *   included, returns 0 with the status word decoded (owner domid in bits
 *   16-31); a failed hypercall returns -errno naming the call; EAGAIN is
 *   retried (three times), EBUSY and EPERM are not;
 * - CPUs: xc_cpu_offline / xc_cpu_online; CPU 0 and the last online CPU
 *   of a cpupool are refused with -EBUSY before any hypercall;
 * - hotplug: dom0's xen_cpu devices (/sys/devices/system/xen_cpu/) send a
 *   uevent when Xen takes a physical CPU away or brings it back; a
 *   NETLINK_KOBJECT_UEVENT socket wakes the loop at once (no polling),
 *   and each wake-up re-reads the truth from xc_cputopoinfo, so a lost or
 *   coalesced uevent costs nothing; changes rasd did not make itself come
 *   out as HV_EVENT_CPU_CHANGED;
 * - machine checks: /dev/mcelog through mce/'s reader (poll(), overflow);
 *   inject plants MCi_STATUS (and ADDR/MISC when ADDRV/MISCV) with
 *   XEN_MC_msrinject and MC_MSRINJ_F_INTERPOSE: no MSR is written and no
 *   #MC raised, only Xen's poller (every 16 s at most) can find it;
 * - migration: migrate_start forks a child (xen_migrate_send.c) that
 *   speaks xl's own migration protocol to `xl migrate-receive` on the
 *   peer, through ssh, so the peer needs Xen's tools and sshd, nothing of
 *   rasd's; ssh authenticates both ends and encrypts the stream. The child
 *   asks the peer's `xl info` first and refuses a peer without room for
 *   the guest; it sends with libxl_domain_suspend (LIBXL_SUSPEND_LIVE
 *   where log-dirty paging exists: HAP, or shadow paging for PV; else the
 *   guest is suspended for the copy) and measures the downtime from the
 *   guest's suspension to the receiver's "unpaused" report. It reports
 *   progress, live or suspended, and the result over a pipe; event_fd()
 *   is an epoll fd over those pipes and the uevent socket. A migration
 *   that fails before the receiver is told to go resumes the domain here.
 *
 * Peers (the policy's [evacuation] peers), see hv_xen_peer_parse:
 *   "localhost"                   `xl migrate-receive` run on this host,
 *                                 the way `xl migrate localhost` tests one;
 *   "xl+ssh://[USER@]HOST[:PORT]" `ssh [-l USER] [-p PORT] HOST xl
 *                                 migrate-receive`, as `xl migrate` runs
 *                                 it; ssh with BatchMode=yes, its keys,
 *                                 known_hosts and ciphers from root's ssh
 *                                 configuration. There is no
 *                                 unauthenticated transport.
 *
 * Every op follows hv.h: 0 or -errno with the reason in hv->err.
 */

/*
 * Open the hypervisor of the domain this runs in. Fails with a message a
 * user can act on when this is not a Xen control domain ("not a Xen
 * host: /proc/xen/capabilities: No such file or directory"), when the
 * privcmd device cannot be opened (EPERM outside dom0, EACCES not root),
 * or when /dev/mcelog is missing (xen_mcelog not loaded). opts->root
 * prefixes /proc, /sys and /dev (tests).
 */
struct hv *hv_xen_open(const struct clock *clock, const struct hv_options *opts,
                       char *err, size_t errlen);

/* True when `root` (NULL: /) looks like a Xen control domain. */
bool hv_xen_detect(const char *root);

/* Which XEN_SYSCTL_page_offline_op command produced a status word. */
enum hv_xen_page_cmd {
	HV_XEN_PAGE_OFFLINE, /* PG_OFFLINE_* outcome bits */
	HV_XEN_PAGE_QUERY,   /* PG_OFFLINE_STATUS_* state bits */
	HV_XEN_PAGE_ONLINE,  /* PG_ONLINE_* outcome bits */
};

/* Decode a query or online status word (offline: hv_page_status_from_xen). */
void hv_xen_page_status(enum hv_xen_page_cmd cmd, uint32_t raw,
                        struct hv_page_status *out);

/*
 * Every bit of a status word in words, for the journal and rasctl:
 * "pending, dom0 page" or "failed, owned by domain 3". Bits Xen does not
 * define are named as "unknown bits 0x...". Returns the length the
 * whole text needs, as snprintf does.
 */
size_t hv_xen_page_status_text(enum hv_xen_page_cmd cmd, uint32_t raw,
                               char *buf, size_t len);

enum hv_xen_peer_kind {
	HV_XEN_PEER_LOCAL, /* "localhost" */
	HV_XEN_PEER_SSH,   /* "xl+ssh://[USER@]HOST[:PORT]" */
};

struct hv_xen_peer {
	enum hv_xen_peer_kind kind;
	char user[32];          /* "" : ssh's default */
	char host[HV_NAME_MAX]; /* no option, blank or quote in it */
	uint16_t port;          /* 0: ssh's default */
};

/* Parse a peer string; -1 with "peer 'x': why" in err. */
int hv_xen_peer_parse(const char *spec, struct hv_xen_peer *out, char *err,
                      size_t errlen);

/*
 * The rules Xen enforces, checked before asking it: CPU 0 stays, and so
 * does the last online CPU of its cpupool. 0, or -EBUSY/-EINVAL with the
 * reason in err.
 */
int hv_xen_cpu_offline_allowed(uint32_t cpu, uint32_t nr_cpus, bool cpu_online,
                               uint32_t pool_online, char *err, size_t errlen);

#endif

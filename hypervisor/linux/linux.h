/* linux.h - the Linux host backend: this kernel's machine checks through
 * tracefs, page and CPU offline through sysfs, and guests through libvirt. */
#ifndef RASD_HV_LINUX_H
#define RASD_HV_LINUX_H

#include <stddef.h>

#include "../hv.h"

/*
 * What each op of hv.h does on a plain Linux (or KVM) host:
 *
 * Records. tracefs is found at opts->tracefs, else /sys/kernel/tracing,
 * else /sys/kernel/debug/tracing; when none is mounted and rasd is root
 * on the real tree it mounts tracefs itself. mce:mce_record (required),
 * ras:mc_event and ras:memory_failure_event are bound by field name from
 * their format files and enabled; tracing_on is set, and buffer_percent
 * is set to 0 so a poll wakes on one event (where it cannot be, a 1 s
 * timer reads the rings). mce_source() hands out one epoll fd over every
 * per_cpu/cpuN/trace_pipe_raw and a reader that gives the records as
 * 128-byte struct mce (MCE_RECORD_LEN_LINUX); a page whose header says
 * the ring lost events sets the reader's overflow flag and queues an
 * HV_EVENT_SOURCE_ERROR naming the CPU and the count. EDAC's mc_event
 * becomes an HV_EVENT_EDAC_MEMORY with the ring's CPU, not a record: the
 * machine check behind it arrives as mce_record too, and rasd takes the
 * DRAM coordinates of its driver detail. Each ras:memory_failure_event
 * becomes an HV_EVENT_MEMORY_FAILURE (pfn, "<page type>: <result>", the
 * names from the format's print fmt tables). ras:aer_event and the
 * cxl:* error events a kernel has (pcie/pcie.h; Linux 6.1 has no cxl
 * ones) become HV_EVENT_DEVICE_ERROR, ras:extlog_mem_event (the
 * firmware's record of a machine check already traced as mce_record)
 * HV_EVENT_FIRMWARE_MEMORY with the ring's CPU; an optional event a
 * kernel lacks is left out, one whose format rasd cannot bind is an
 * HV_EVENT_SOURCE_ERROR naming the event and the field, and a record
 * that does not decode is one too. Without tracefs, a legacy
 * /dev/mcelog (CONFIG_X86_MCELOG_LEGACY) is read instead.
 *
 * Pages. page_offline writes the frame's physical address ("0x%llx" of
 * mfn << 12) to /sys/devices/system/memory/soft_offline_page,
 * page_offline_hard to hard_offline_page. The kernel's refusal (EBUSY,
 * EIO, EINVAL...) is the op's -errno, with hv->err "soft_offline_page
 * 0x3456000: Device or resource busy" and state HV_PAGE_FAILED; nothing
 * retries. page_query reads /proc/kpageflags (root only): HWPOISON is
 * offlined, BUDDY free, NOPAGE not RAM; unreadable is an error ending
 * "state unknown". raw holds the low 32 flag bits, or the errno of a
 * refused offline. page_online is NULL: Linux cannot unpoison a page
 * outside a debugfs test hook.
 *
 * CPUs. /sys/devices/system/cpu/cpuN/online; the last online CPU is
 * refused (-EBUSY) and a CPU without an online file (cpu0 on most x86
 * kernels) is -EPERM. A CPU taken down or brought up by someone else is
 * heard from the kernel's uevents and reported as HV_EVENT_CPU_CHANGED
 * (not under a test root); rasd's own changes are not echoed back.
 *
 * Guests. libvirt at opts->libvirt_uri (default qemu:///system; "none":
 * no guests, migrate fails -ENOTSUP). domains lists the running domains
 * with their memory. migrate_start runs virDomainMigrateToURI3 (live,
 * peer to peer, persistent at the destination) to the peer URI on a
 * thread of its own; progress comes each second from virDomainGetJobInfo
 * as HV_EVENT_MIGRATION_PROGRESS, the end as MIGRATION_DONE or
 * MIGRATION_FAILED with libvirt's message in detail. domains_on_range
 * finds the QEMU process of each domain from libvirt's pid file
 * (/run/libvirt/qemu/NAME.pid) and walks its /proc/PID/maps through
 * /proc/PID/pagemap: 4 KiB precision, but only for frames resident at
 * that moment (swapped-out or not yet touched guest memory is not seen),
 * and only as root (pagemap hides frame numbers from others).
 *
 * Every path is under opts->root when it is set, so tests run on a tree
 * of plain files and FIFOs. libvirt's error handler is set process-wide
 * (libvirt's own global state) so its errors land in hv->err and events,
 * not on stderr. event_fd() is one epoll fd over the event queue, the
 * migration threads' pipe and timer, and the uevent socket.
 */

/*
 * Open the running kernel (or the tree under opts->root, for tests).
 * Fails with a message naming the file or event at fault: tracefs not
 * mounted and not mountable, an mce:mce_record format without a field
 * the decoder needs ("tracefs: event mce/mce_record: mce_record: field
 * status has size 4, want 8"), libvirt unreachable at its URI.
 */
struct hv *hv_linux_open(const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen);

#endif

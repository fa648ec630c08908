/* xen_page.c - machine-frame offlining through XEN_SYSCTL_page_offline_op
 * (libxenguest) and the decoding of its three kinds of status word. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "hypervisor/xen/xen_internal.h"

#include <xen/features.h> /* xenguest.h needs these first */
#include <xenguest.h>
/*
 * The PG_OFFLINE_* and PG_ONLINE_* bits come from Xen's own sysctl.h here
 * (xenctrl.h includes it); hypervisor/xen_page_status.h, which holds the
 * same values for the sim, would redefine them.
 */

#define XEN_PAGE_TRIES 3

typedef int (*xen_page_call)(xc_interface *xch, unsigned long start,
                             unsigned long end, uint32_t *status);

static void xen_query_status(uint32_t raw, struct hv_page_status *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = raw;
	out->owner = HV_OWNER_FREE;
	out->broken = (raw & PG_OFFLINE_STATUS_BROKEN) != 0;
	if (raw & PG_OFFLINE_STATUS_OFFLINED)
		out->state = HV_PAGE_OFFLINED;
	else if (raw & PG_OFFLINE_STATUS_OFFLINE_PENDING)
		out->state = HV_PAGE_PENDING;
	else
		out->state = HV_PAGE_ONLINE;
}

static void xen_online_status(uint32_t raw, struct hv_page_status *out)
{
	memset(out, 0, sizeof(*out));
	out->raw = raw;
	out->owner = HV_OWNER_FREE;
	out->broken = (raw & PG_ONLINE_BROKEN) != 0;
	if ((raw & PG_ONLINE_FAILED) || !(raw & PG_ONLINE_ONLINED))
		out->state = HV_PAGE_FAILED;
	else
		out->state = HV_PAGE_ONLINE;
}

void hv_xen_page_status(enum hv_xen_page_cmd cmd, uint32_t raw,
                        struct hv_page_status *out)
{
	switch (cmd) {
	case HV_XEN_PAGE_OFFLINE:
		hv_page_status_from_xen(raw, out);
		return;
	case HV_XEN_PAGE_QUERY:
		xen_query_status(raw, out);
		return;
	case HV_XEN_PAGE_ONLINE:
		xen_online_status(raw, out);
		return;
	}
}

struct xen_bit_name {
	uint32_t bit;
	const char *name;
};

static const struct xen_bit_name xen_offline_bits[] = {
    {PG_OFFLINE_INVALID, "invalid"},      {PG_OFFLINE_OFFLINED, "offlined"},
    {PG_OFFLINE_PENDING, "pending"},      {PG_OFFLINE_FAILED, "failed"},
    {PG_OFFLINE_AGAIN, "again"},          {PG_OFFLINE_XENPAGE, "Xen page"},
    {PG_OFFLINE_DOM0PAGE, "dom0 page"},   {PG_OFFLINE_ANONYMOUS, "anonymous"},
    {PG_OFFLINE_NOT_CONV_RAM, "not RAM"}, {PG_OFFLINE_OWNED, "owned"},
    {PG_OFFLINE_BROKEN, "broken"},
};

static const struct xen_bit_name xen_query_bits[] = {
    {PG_OFFLINE_STATUS_OFFLINED, "offlined"},
    {PG_OFFLINE_STATUS_ONLINE, "online"},
    {PG_OFFLINE_STATUS_OFFLINE_PENDING, "offline pending"},
    {PG_OFFLINE_STATUS_BROKEN, "broken"},
};

static const struct xen_bit_name xen_online_bits[] = {
    {PG_ONLINE_ONLINED, "onlined"},
    {PG_ONLINE_FAILED, "failed"},
    {PG_ONLINE_BROKEN, "broken"},
};

static size_t xen_append(char *buf, size_t len, size_t used, const char *fmt,
                         const char *a, uint32_t b)
{
	int w;

	if (used >= len)
		return used;
	w = snprintf(buf + used, len - used, fmt, used > 0 ? ", " : "", a, b);
	return w < 0 ? used : used + (size_t)w;
}

size_t hv_xen_page_status_text(enum hv_xen_page_cmd cmd, uint32_t raw,
                               char *buf, size_t len)
{
	const struct xen_bit_name *bits = xen_offline_bits;
	size_t n = sizeof(xen_offline_bits) / sizeof(*bits), i, used = 0;
	uint32_t known = 0, owner_bits = 0;

	if (cmd == HV_XEN_PAGE_QUERY) {
		bits = xen_query_bits;
		n = sizeof(xen_query_bits) / sizeof(*bits);
	} else if (cmd == HV_XEN_PAGE_ONLINE) {
		bits = xen_online_bits;
		n = sizeof(xen_online_bits) / sizeof(*bits);
	}
	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < n; i++) {
		known |= bits[i].bit;
		if (raw & bits[i].bit)
			used =
			    xen_append(buf, len, used, "%s%s", bits[i].name, 0);
	}
	/* The owner field is meaningful whenever Xen fills it. */
	if (cmd == HV_XEN_PAGE_OFFLINE &&
	    ((raw & PG_OFFLINE_OWNED) || (raw >> PG_OFFLINE_OWNER_SHIFT))) {
		owner_bits = raw & ~((1u << PG_OFFLINE_OWNER_SHIFT) - 1);
		used = xen_append(buf, len, used, "%s%sby domain %u", "",
		                  raw >> PG_OFFLINE_OWNER_SHIFT);
	}
	if (raw & ~(known | owner_bits))
		used = xen_append(buf, len, used, "%s%sunknown bits 0x%x", "",
		                  raw & ~(known | owner_bits));
	if (used == 0)
		used = xen_append(buf, len, used, "%s%snone", "", 0);
	return used;
}

/*
 * When Xen refuses before looking at the frame (an MFN past the end of
 * memory) it copies no word back and the buffer holds whatever libxc left
 * there: only a word with one outcome and no undefined bits is believed.
 */
static bool xen_status_word_valid(uint32_t raw)
{
	uint32_t outcome = raw & (PG_OFFLINE_OFFLINED | PG_OFFLINE_PENDING |
	                          PG_OFFLINE_FAILED | PG_OFFLINE_AGAIN);
	uint32_t undefined = raw & 0xc0e1u;

	return outcome != 0 && (outcome & (outcome - 1)) == 0 && undefined == 0;
}

/*
 * EAGAIN is the hypercall asking to be asked again; nothing else is
 * retried (EBUSY, EPERM and EINVAL would only fail the same way).
 */
static int xen_page_call_retry(struct xen_host *h, xen_page_call call,
                               const char *name, uint64_t mfn, uint32_t *status)
{
	const struct timespec pause = {0, 10 * 1000 * 1000};
	int tries;

	for (tries = 1;; tries++) {
		*status = 0;
		errno = 0;
		if (call(h->xch, mfn, mfn, status) == 0)
			return 0;
		/* A refusal (EPERM for a Xen page, EINVAL for not-RAM)
		 * still fills the word: it is the answer. */
		if (errno != EAGAIN && xen_status_word_valid(*status))
			return 0;
		if (errno != EAGAIN || tries == XEN_PAGE_TRIES)
			break;
		nanosleep(&pause, NULL);
	}
	if (tries > 1)
		return xen_fail_errno(h, "%s mfn 0x%llx (after %d tries)", name,
		                      (unsigned long long)mfn, tries);
	return xen_fail_errno(h, "%s mfn 0x%llx", name,
	                      (unsigned long long)mfn);
}

int xen_page_query(struct hv *hv, uint64_t mfn, struct hv_page_status *out)
{
	struct xen_host *h = (struct xen_host *)hv;
	uint32_t raw;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = xen_page_call_retry(h, xc_query_page_offline_status,
	                         "xc_query_page_offline_status", mfn, &raw);
	if (rc < 0) {
		out->state = HV_PAGE_FAILED;
		return rc;
	}
	xen_query_status(raw, out);
	return 0;
}

/*
 * A PV guest's frame is not given to Xen while the guest is here. Xen
 * 4.17's offline_page() asks p2m_pod_offline_or_broken_hit()
 * (arch/x86/mm/p2m-pod.c) about the owner's populate-on-demand cache,
 * which takes the owner's PoD lock; a PV domain's p2m never had that
 * lock initialised (p2m_initialise() in p2m-basic.c returns before
 * p2m_pod_init() for non-HVM domains), so the zeroed lock reads as held
 * recursively by CPU 0. Taken and dropped on physical CPU 0, the unlock
 * releases a ticket that was never drawn: head runs one ahead of tail
 * and the lock stays "held" for good. Destroying that guest afterwards
 * (the end of every migration away) spins in p2m_pod_empty_cache()'s
 * spin_barrier() inside XEN_DOMCTL_destroydomain, holding the domctl
 * lock: every toolstack call waits and dom0 stops answering. A second
 * offline of one of its frames spins the same way. So the frame waits
 * as PENDING (deferred) and the owner is evacuated; rasd asks Xen once
 * the guest has left, when the frame is free and is offlined at once.
 * HVM guests (their PoD lock is set up) and dom0 go to Xen as before.
 */
int xen_page_offline(struct hv *hv, uint64_t mfn, struct hv_page_status *out)
{
	struct xen_host *h = (struct xen_host *)hv;
	uint32_t raw, owner = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = xen_pv_owner_of(h, mfn, &owner);
	if (rc < 0) {
		out->state = HV_PAGE_FAILED;
		return rc;
	}
	if (rc == 1) {
		out->state = HV_PAGE_PENDING;
		out->owner = HV_OWNER_DOMAIN;
		out->domid = owner;
		out->deferred = true;
		return 0;
	}
	rc = xen_page_call_retry(h, xc_mark_page_offline,
	                         "xc_mark_page_offline", mfn, &raw);
	if (rc < 0) {
		out->state = HV_PAGE_FAILED;
		return rc;
	}
	hv_page_status_from_xen(raw, out);
	return 0;
}

int xen_page_online(struct hv *hv, uint64_t mfn, struct hv_page_status *out)
{
	struct xen_host *h = (struct xen_host *)hv;
	uint32_t raw;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = xen_page_call_retry(h, xc_mark_page_online, "xc_mark_page_online",
	                         mfn, &raw);
	if (rc < 0) {
		out->state = HV_PAGE_FAILED;
		return rc;
	}
	xen_online_status(raw, out);
	return 0;
}

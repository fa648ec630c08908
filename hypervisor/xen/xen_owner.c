/* xen_owner.c - which guests own machine frames in a range: each PV
 * guest's p2m walked as xen-mfndump does; HVM guests cannot be told. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* after xenctrl.h (through xen_internal.h): xenguest.h needs its types */
#include "hypervisor/xen/xen_internal.h"

#include <xenguest.h>

/*
 * A PV guest's p2m (pseudo-physical frame -> machine frame) is readable
 * from dom0: xc_map_domain_meminfo maps it (the frame list the guest
 * publishes in its shared info, or its virtual p2m), as xen-mfndump
 * dump-p2m does. One pass over it answers whether any of the guest's
 * frames lies in the range. Cost: linear in the guest's memory (one
 * 8-byte entry per 4 KiB), plus Xen's page-type query over the same
 * frames that xc_map_domain_meminfo makes; rasd(8) gives the numbers.
 *
 * An HVM guest's p2m lives in Xen: no hypercall gives dom0 the machine
 * frame behind a guest frame, so such a guest may own memory anywhere.
 * Its node affinity would narrow that only as a preference (Xen takes
 * memory from other nodes when those are full), so the answer stays the
 * host: every HVM guest counts as an owner.
 */

/* 1: the guest has a frame in [lo, hi); 0: none; -1: its p2m is unreadable. */
static int pv_owns(struct xen_host *h, uint32_t domid, uint64_t lo, uint64_t hi,
                   uint64_t *frames)
{
	struct xc_domain_meminfo mi;
	unsigned long i;
	uint64_t mfn;
	int found = 0;

	memset(&mi, 0, sizeof(mi));
	if (xc_map_domain_meminfo(h->xch, domid, &mi) < 0)
		return -1;
	for (i = 0; i < mi.p2m_size; i++) {
		if (mi.guest_width == 4)
			mfn = ((const uint32_t *)mi.p2m_table)[i];
		else
			mfn = ((const uint64_t *)mi.p2m_table)[i];
		if (mfn >= lo && mfn < hi) {
			found = 1;
			break;
		}
	}
	*frames += i;
	xc_unmap_domain_meminfo(h->xch, &mi);
	return found;
}

static void owner_add(uint32_t domid, uint32_t *domids, size_t max, size_t *n)
{
	if (*n < max)
		domids[*n] = domid;
	(*n)++;
}

int xen_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                         uint32_t *domids, size_t max, size_t *n)
{
	struct xen_host *h = (struct xen_host *)hv;
	xc_domaininfo_t info[256];
	uint64_t frames = 0;
	int got, i, rc;

	*n = 0;
	if (end <= start)
		return xen_fail(
		    h, -EINVAL,
		    "domains_on_range: empty range [0x%llx, 0x%llx)",
		    (unsigned long long)start, (unsigned long long)end);
	got = xc_domain_getinfolist(h->xch, 0, 256, info);
	if (got < 0)
		return xen_fail_errno(
		    h, "domains_on_range: xc_domain_getinfolist");
	for (i = 0; i < got; i++) {
		uint32_t domid = info[i].domain;

		if (domid == 0 || (info[i].flags & XEN_DOMINF_dying))
			continue;
		if (info[i].flags & XEN_DOMINF_hvm_guest) {
			owner_add(domid, domids, max, n); /* cannot be told */
			continue;
		}
		rc =
		    pv_owns(h, domid, start >> 12, (end + 4095) >> 12, &frames);
		if (rc != 0) /* unreadable: the safe side is to move it */
			owner_add(domid, domids, max, n);
	}
	h->owner_frames_scanned = frames;
	return 0;
}

/*
 * The PV guest whose p2m holds the frame, dying ones included (a dying
 * guest holds its frames until Xen has relinquished them). A guest whose
 * p2m cannot be read is passed over: Xen's own answer names it then.
 */
int xen_pv_owner_of(struct xen_host *h, uint64_t mfn, uint32_t *domid)
{
	xc_domaininfo_t info[256];
	uint64_t frames = 0;
	int got, i;

	got = xc_domain_getinfolist(h->xch, 1, 256, info);
	if (got < 0)
		return xen_fail_errno(h, "pv_owner_of: xc_domain_getinfolist");
	for (i = 0; i < got; i++) {
		if (info[i].domain == 0 ||
		    (info[i].flags & XEN_DOMINF_hvm_guest))
			continue;
		if (pv_owns(h, info[i].domain, mfn, mfn + 1, &frames) == 1) {
			*domid = info[i].domain;
			return 1;
		}
	}
	return 0;
}

/* xen_mce.c - dom0's /dev/mcelog (xen_mcelog) as the record source, and
 * planting a corrected error with XEN_MC_msrinject for the self-test. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/xen/xen_internal.h"

/* Architectural bank MSRs: IA32_MCi_CTL is 0x400 + 4 * i (Intel SDM). */
#define XEN_MSR_MC0_CTL   0x400u
#define XEN_MSR_MC_STATUS 1u
#define XEN_MSR_MC_ADDR   2u
#define XEN_MSR_MC_MISC   3u

int xen_mce_open(struct xen_host *h, char *err, size_t errlen)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/dev/mcelog", h->root);
	h->mcelog_fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (h->mcelog_fd < 0) {
		snprintf(err, errlen,
		         "%s: %s (is xen_mcelog loaded? it needs "
		         "CONFIG_XEN_MCE_LOG)",
		         path, strerror(errno));
		return -1;
	}
	return mce_reader_open_fd(&h->mcelog, h->mcelog_fd, NULL, err, errlen);
}

int xen_mce_source(struct hv *hv, struct mce_reader **reader, int *poll_fd)
{
	struct xen_host *h = (struct xen_host *)hv;

	*reader = h->mcelog;
	*poll_fd = h->mcelog_fd;
	return 0;
}

static void xen_msr_add(struct xen_mc_msrinject *inj, uint64_t reg,
                        uint64_t value)
{
	inj->mcinj_msr[inj->mcinj_count].reg = reg;
	inj->mcinj_msr[inj->mcinj_count].value = value;
	inj->mcinj_count++;
}

/*
 * Interposed values are what Xen's own MSR reads on that CPU return until
 * it writes the MSR (the poller clears STATUS after logging): nothing
 * reaches the hardware and no #MC is raised.
 */
int xen_inject(struct hv *hv, const struct mce_record *r)
{
	struct xen_host *h = (struct xen_host *)hv;
	struct xen_mc mc;
	struct xen_mc_msrinject *inj = &mc.u.mc_msrinject;
	uint64_t base = XEN_MSR_MC0_CTL + 4u * r->bank;

	if (!(r->status & MCI_STATUS_VAL))
		return xen_fail(h, -EINVAL,
		                "inject cpu %u bank %u: status 0x%llx has no "
		                "VAL bit",
		                r->extcpu, r->bank,
		                (unsigned long long)r->status);
	memset(&mc, 0, sizeof(mc));
	mc.cmd = XEN_MC_msrinject;
	mc.interface_version = XEN_MCA_INTERFACE_VERSION;
	inj->mcinj_cpunr = r->extcpu;
	inj->mcinj_flags = MC_MSRINJ_F_INTERPOSE;
	xen_msr_add(inj, base + XEN_MSR_MC_STATUS, r->status);
	if (r->status & MCI_STATUS_ADDRV)
		xen_msr_add(inj, base + XEN_MSR_MC_ADDR, r->addr);
	if (r->status & MCI_STATUS_MISCV)
		xen_msr_add(inj, base + XEN_MSR_MC_MISC, r->misc);
	errno = 0;
	if (xc_mca_op(h->xch, &mc) < 0)
		return xen_fail_errno(h,
		                      "inject: xc_mca_op XEN_MC_msrinject cpu "
		                      "%u bank %u",
		                      r->extcpu, r->bank);
	return 0;
}

void xen_mce_close(struct xen_host *h)
{
	mce_reader_close(h->mcelog);
	h->mcelog = NULL;
	if (h->mcelog_fd >= 0)
		close(h->mcelog_fd);
	h->mcelog_fd = -1;
}

/* xen_domwatch.c - guests that arrive by migration: xenstore's
 * @introduceDomain, and the rename that ends xl's migrate-receive. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "hypervisor/xen/xen_internal.h"

/*
 * `xl migrate-receive` builds the guest as NAME--incoming and renames it
 * NAME once the sender lets it go: that rename is the arrival. Domains
 * created here (xl create) never carry the suffix and are not arrivals.
 * Xenstore fires @introduceDomain for every new domain; for an incoming
 * one a watch on its name catches the rename.
 */
#define INCOMING "--incoming"

static bool known(const struct xen_host *h, uint32_t domid)
{
	size_t i;

	for (i = 0; i < h->n_known; i++)
		if (h->known[i] == domid)
			return true;
	return false;
}

static bool incoming_name(const char *name)
{
	size_t len = strlen(name), sfx = strlen(INCOMING);

	return len > sfx && strcmp(name + len - sfx, INCOMING) == 0;
}

static void name_watch(struct xen_host *h, uint32_t domid, bool on)
{
	char path[64], token[24];

	snprintf(path, sizeof(path), "/local/domain/%u/name", domid);
	snprintf(token, sizeof(token), "name-%u", domid);
	if (on)
		xs_watch(h->xsh, path, token);
	else
		xs_unwatch(h->xsh, path, token);
}

static void arrived(struct xen_host *h, uint32_t domid, const char *name)
{
	struct hv_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.type = HV_EVENT_DOMAIN_ARRIVED;
	ev.domid = domid;
	snprintf(ev.detail, sizeof(ev.detail), "%s", name);
	xen_queue_event(h, &ev);
}

/* One domain of the list: new, incoming, or arrived just now. */
static void domwatch_one(struct xen_host *h, uint32_t domid,
                         uint32_t *now_known, size_t *n_now)
{
	char name[HV_NAME_MAX];
	bool was_incoming = false;
	size_t i;

	for (i = 0; i < h->n_incoming; i++)
		was_incoming |= h->incoming[i] == domid;
	xen_domain_name(h, domid, name, sizeof(name));
	if (!known(h, domid) || was_incoming) {
		if (incoming_name(name)) {
			if (!was_incoming && h->n_incoming < XEN_MAX_INCOMING) {
				h->incoming[h->n_incoming++] = domid;
				name_watch(h, domid, true);
			}
			return; /* not known until it has its name */
		}
		if (was_incoming) {
			arrived(h, domid, name);
			name_watch(h, domid, false);
		}
	}
	if (*n_now < XEN_MAX_KNOWN)
		now_known[(*n_now)++] = domid;
}

static bool still_incoming(struct xen_host *h, uint32_t domid,
                           const xc_domaininfo_t *info, int got)
{
	char name[HV_NAME_MAX];
	int d;

	for (d = 0; d < got; d++) {
		if (info[d].domain != domid)
			continue;
		xen_domain_name(h, domid, name, sizeof(name));
		return incoming_name(name);
	}
	return false;
}

/* Take the list again: which are new, which came in, which left. */
void xen_domwatch_scan(struct xen_host *h)
{
	uint32_t now_known[XEN_MAX_KNOWN];
	xc_domaininfo_t info[256];
	size_t n_now = 0, i, k = 0;
	int got, d;

	got = xc_domain_getinfolist(h->xch, 0, 256, info);
	if (got < 0)
		return;
	for (d = 0; d < got; d++)
		domwatch_one(h, info[d].domain, now_known, &n_now);
	/* Incoming ones still incoming stay; arrived or gone ones leave. */
	for (i = 0; i < h->n_incoming; i++)
		if (still_incoming(h, h->incoming[i], info, got))
			h->incoming[k++] = h->incoming[i];
	h->n_incoming = k;
	memcpy(h->known, now_known, n_now * sizeof(now_known[0]));
	h->n_known = n_now;
}

/* Xenstore said something: drain its watches, then look. */
void xen_domwatch_fire(struct xen_host *h)
{
	char **w;
	bool any = false;

	while ((w = xs_check_watch(h->xsh)) != NULL) {
		free(w);
		any = true;
	}
	if (any)
		xen_domwatch_scan(h);
}

int xen_domwatch_open(struct xen_host *h)
{
	struct epoll_event ev = {.events = EPOLLIN};

	h->xs_fd = xs_fileno(h->xsh);
	if (h->xs_fd < 0 || !xs_watch(h->xsh, "@introduceDomain", "intro"))
		return xen_fail(h, -EIO,
		                "xenstore: cannot watch "
		                "@introduceDomain");
	ev.data.fd = h->xs_fd;
	if (epoll_ctl(h->epoll_fd, EPOLL_CTL_ADD, h->xs_fd, &ev) < 0)
		return xen_fail_errno(h, "epoll_ctl xenstore");
	/* The watch fires once at once: what is here now is not arriving. */
	xen_domwatch_scan(h);
	return 0;
}

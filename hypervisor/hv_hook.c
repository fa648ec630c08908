/* hv_hook.c - a backend wrapped so that every call is seen before it is
 * made and after it returns: where the crash tests kill the daemon. */
#include <stdlib.h>
#include <string.h>

#include "hypervisor/hv.h"

struct hv_hooked {
	struct hv hv; /* first: callers see a struct hv * */
	struct hv_ops ops;
	struct hv *inner;
	hv_hook_fn fn;
	void *arg;
};

static struct hv_hooked *hooked(struct hv *hv)
{
	return (struct hv_hooked *)hv;
}

static void before(struct hv *hv, const char *op)
{
	struct hv_hooked *h = hooked(hv);

	h->fn(h->arg, op, false);
}

/* The inner backend's message is the one callers read. */
static int after(struct hv *hv, const char *op, int rc)
{
	struct hv_hooked *h = hooked(hv);

	memcpy(h->hv.err, h->inner->err, sizeof(h->hv.err));
	h->fn(h->arg, op, true);
	return rc;
}

#define INNER(hv) (hooked(hv)->inner)

static int w_topology(struct hv *hv, struct hv_topology *out)
{
	before(hv, "topology");
	return after(hv, "topology", INNER(hv)->ops->topology(INNER(hv), out));
}

static int w_cpus(struct hv *hv, struct hv_cpu *out, size_t max, size_t *n)
{
	before(hv, "cpus");
	return after(hv, "cpus", INNER(hv)->ops->cpus(INNER(hv), out, max, n));
}

static int w_dimms(struct hv *hv, struct hv_dimm *out, size_t max, size_t *n)
{
	before(hv, "dimms");
	return after(hv, "dimms",
	             INNER(hv)->ops->dimms(INNER(hv), out, max, n));
}

static int w_domains(struct hv *hv, struct hv_domain *out, size_t max,
                     size_t *n)
{
	before(hv, "domains");
	return after(hv, "domains",
	             INNER(hv)->ops->domains(INNER(hv), out, max, n));
}

static int w_domains_on_range(struct hv *hv, uint64_t start, uint64_t end,
                              uint32_t *domids, size_t max, size_t *n)
{
	before(hv, "domains_on_range");
	return after(hv, "domains_on_range",
	             INNER(hv)->ops->domains_on_range(INNER(hv), start, end,
	                                              domids, max, n));
}

static int w_page_query(struct hv *hv, uint64_t mfn, struct hv_page_status *o)
{
	before(hv, "page_query");
	return after(hv, "page_query",
	             INNER(hv)->ops->page_query(INNER(hv), mfn, o));
}

static int w_page_offline(struct hv *hv, uint64_t mfn, struct hv_page_status *o)
{
	before(hv, "page_offline");
	return after(hv, "page_offline",
	             INNER(hv)->ops->page_offline(INNER(hv), mfn, o));
}

static int w_page_offline_hard(struct hv *hv, uint64_t mfn,
                               struct hv_page_status *o)
{
	before(hv, "page_offline_hard");
	return after(hv, "page_offline_hard",
	             INNER(hv)->ops->page_offline_hard(INNER(hv), mfn, o));
}

static int w_page_online(struct hv *hv, uint64_t mfn, struct hv_page_status *o)
{
	before(hv, "page_online");
	return after(hv, "page_online",
	             INNER(hv)->ops->page_online(INNER(hv), mfn, o));
}

static int w_cpu_offline(struct hv *hv, uint32_t cpu)
{
	before(hv, "cpu_offline");
	return after(hv, "cpu_offline",
	             INNER(hv)->ops->cpu_offline(INNER(hv), cpu));
}

static int w_cpu_online(struct hv *hv, uint32_t cpu)
{
	before(hv, "cpu_online");
	return after(hv, "cpu_online",
	             INNER(hv)->ops->cpu_online(INNER(hv), cpu));
}

static int w_migrate_start(struct hv *hv, uint32_t domid, const char *peer,
                           uint64_t *id)
{
	before(hv, "migrate_start");
	return after(hv, "migrate_start",
	             INNER(hv)->ops->migrate_start(INNER(hv), domid, peer, id));
}

static int w_migration_query(struct hv *hv, uint32_t domid,
                             struct hv_migration *out)
{
	before(hv, "migration_query");
	return after(hv, "migration_query",
	             INNER(hv)->ops->migration_query(INNER(hv), domid, out));
}

static int w_event_fd(struct hv *hv)
{
	return INNER(hv)->ops->event_fd(INNER(hv));
}

static int w_events(struct hv *hv, struct hv_event *out, size_t max, size_t *n)
{
	before(hv, "events");
	return after(hv, "events",
	             INNER(hv)->ops->events(INNER(hv), out, max, n));
}

static int w_mce_source(struct hv *hv, struct mce_reader **reader, int *fd)
{
	return INNER(hv)->ops->mce_source(INNER(hv), reader, fd);
}

static int w_inject(struct hv *hv, const struct mce_record *r)
{
	before(hv, "inject");
	return after(hv, "inject", INNER(hv)->ops->inject(INNER(hv), r));
}

/* Not a hypervisor call: the source's own bookkeeping, passed on. */
static int w_source_done(struct hv *hv)
{
	return INNER(hv)->ops->source_done(INNER(hv));
}

static int w_source_sync(struct hv *hv)
{
	return INNER(hv)->ops->source_sync(INNER(hv));
}

static void w_close(struct hv *hv)
{
	hv_close(INNER(hv));
	free(hooked(hv));
}

/* An op the backend lacks stays missing: callers test for NULL. */
#define WRAP(op) (in->op != NULL ? w_##op : NULL)

struct hv *hv_hook_wrap(struct hv *inner, hv_hook_fn fn, void *arg)
{
	const struct hv_ops *in = inner->ops;
	struct hv_hooked *h = calloc(1, sizeof(*h));

	if (h == NULL)
		return NULL;
	h->inner = inner;
	h->fn = fn;
	h->arg = arg;
	h->ops.name = in->name;
	h->ops.topology = WRAP(topology);
	h->ops.cpus = WRAP(cpus);
	h->ops.dimms = WRAP(dimms);
	h->ops.domains = WRAP(domains);
	h->ops.domains_on_range = WRAP(domains_on_range);
	h->ops.page_query = WRAP(page_query);
	h->ops.page_offline = WRAP(page_offline);
	h->ops.page_offline_hard = WRAP(page_offline_hard);
	h->ops.page_online = WRAP(page_online);
	h->ops.cpu_offline = WRAP(cpu_offline);
	h->ops.cpu_online = WRAP(cpu_online);
	h->ops.migrate_start = WRAP(migrate_start);
	h->ops.migration_query = WRAP(migration_query);
	h->ops.event_fd = WRAP(event_fd);
	h->ops.events = WRAP(events);
	h->ops.mce_source = WRAP(mce_source);
	h->ops.inject = WRAP(inject);
	h->ops.source_done = WRAP(source_done);
	h->ops.source_sync = WRAP(source_sync);
	h->ops.close = w_close;
	h->hv.ops = &h->ops;
	h->hv.clock = inner->clock;
	return &h->hv;
}

struct hv *hv_hook_inner(struct hv *hv)
{
	if (hv == NULL || hv->ops->close != w_close)
		return hv;
	return INNER(hv);
}

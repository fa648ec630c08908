/* scenario.c - reads a scenario file line by line and builds the simulated
 * machine: host, mcelog device, DIMMs, the frames each domain owns, peers. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hypervisor/sim/sim_internal.h"
#include "hypervisor/xen_page_status.h"

#define SIM_PAGE_SIZE (1ull << SIM_PAGE_SHIFT)

static uint64_t sim_dimm_end(const struct hv_dimm *d)
{
	return d->start + (d->size - 1);
}

/* Index in dimm_by_start of the first DIMM starting after addr. */
static size_t sim_dimm_upper_bound(const struct sim_scenario *sc, uint64_t addr)
{
	size_t lo = 0, hi = sc->n_dimms, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sc->dimms[sc->dimm_by_start[mid]].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct hv_dimm *sim_dimm_at(const struct sim_scenario *sc, uint64_t addr)
{
	size_t i = sim_dimm_upper_bound(sc, addr);
	const struct hv_dimm *d;

	if (i == 0)
		return NULL;
	d = &sc->dimms[sc->dimm_by_start[i - 1]];
	return addr <= sim_dimm_end(d) ? d : NULL;
}

static size_t sim_range_upper_bound(const struct sim_scenario *sc,
                                    uint64_t addr)
{
	size_t lo = 0, hi = sc->n_ranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sc->ranges[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct sim_range *sim_range_at(const struct sim_scenario *sc,
                                     uint64_t addr)
{
	size_t i = sim_range_upper_bound(sc, addr);

	if (i == 0 || addr > sc->ranges[i - 1].end)
		return NULL;
	return &sc->ranges[i - 1];
}

/* Ranges never overlap, so their ends are sorted like their starts. */
size_t sim_range_first_ending_after(const struct sim_scenario *sc,
                                    uint64_t addr)
{
	size_t lo = 0, hi = sc->n_ranges, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (sc->ranges[mid].end < addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int sim_domain_index(const struct sim_scenario *sc, uint32_t domid)
{
	size_t i;

	for (i = 0; i < sc->n_domains; i++)
		if (sc->domains[i].info.domid == domid)
			return (int)i;
	return -1;
}

int sim_peer_index(const struct sim_scenario *sc, const char *name)
{
	size_t i;

	for (i = 0; i < sc->n_peers; i++)
		if (strcmp(sc->peers[i].name, name) == 0)
			return (int)i;
	return -1;
}

static const char *sim_range_owner_name(const struct sim_scenario *sc,
                                        int32_t domain)
{
	if (domain == SIM_OWNER_XEN)
		return "xen";
	return sc->domains[domain].info.name;
}

enum {
	HOST_NAME,
	HOST_SOCKETS,
	HOST_CORES,
	HOST_THREADS,
	HOST_VENDOR,
	HOST_CPUID,
	HOST_MCG_CAP,
	HOST_TELEMETRY,
};

static const char *const sim_host_keys[] = {
    "name",  "sockets", "cores",     "threads", "vendor",
    "cpuid", "mcg_cap", "telemetry", NULL,
};

static int sim_parse_vendor(struct sim_parser *p, const char *text,
                            uint8_t *vendor)
{
	if (strcmp(text, "intel") == 0)
		*vendor = MCE_VENDOR_INTEL;
	else if (strcmp(text, "amd") == 0)
		*vendor = MCE_VENDOR_AMD;
	else
		return sim_parse_error(p, "vendor must be intel or amd");
	return 0;
}

static int sim_parse_count(struct sim_parser *p, const char *key,
                           const char *text, uint32_t *out)
{
	if (sim_parse_u32_max(p, key, text, SIM_MAX_CPUS, out) < 0)
		return -1;
	if (*out == 0)
		return sim_parse_error(p, "%s must be at least 1", key);
	return 0;
}

static int sim_parse_host_shape(struct sim_parser *p, const char **v,
                                struct hv_topology *h)
{
	uint32_t *shape[] = {&h->nr_sockets, &h->cores_per_socket,
	                     &h->threads_per_core};
	uint64_t cpus;
	int i;

	/* sockets, cores and threads follow each other in sim_host_keys. */
	for (i = 0; i < 3; i++)
		if (sim_parse_count(p, sim_host_keys[HOST_SOCKETS + i],
		                    v[HOST_SOCKETS + i], shape[i]) < 0)
			return -1;
	cpus =
	    (uint64_t)h->nr_sockets * h->cores_per_socket * h->threads_per_core;
	if (cpus > SIM_MAX_CPUS)
		return sim_parse_error(p, "%llu cpus is too many (max %u)",
		                       (unsigned long long)cpus, SIM_MAX_CPUS);
	h->nr_cpus = (uint32_t)cpus;
	return 0;
}

int sim_parse_host(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct hv_topology *h = &p->sc->host;
	const char *v[9];
	uint64_t cpuid = 0;

	if (p->sc->have_host)
		return sim_parse_error(p, "duplicate host directive");
	if (sim_keys_collect(p, "host", t, n, sim_host_keys,
	                     1u << HOST_NAME | 1u << HOST_SOCKETS |
	                         1u << HOST_CORES | 1u << HOST_THREADS,
	                     0, v, NULL) < 0)
		return -1;
	if (sim_parse_name(p, "name", v[HOST_NAME], 0, h->host_name,
	                   sizeof(h->host_name)) < 0 ||
	    sim_parse_host_shape(p, v, h) < 0)
		return -1;
	h->cpu_vendor = MCE_VENDOR_INTEL;
	if (v[HOST_VENDOR] != NULL &&
	    sim_parse_vendor(p, v[HOST_VENDOR], &h->cpu_vendor) < 0)
		return -1;
	if (v[HOST_CPUID] != NULL &&
	    sim_parse_u64(p, "cpuid", v[HOST_CPUID], &cpuid) < 0)
		return -1;
	if (cpuid > UINT32_MAX)
		return sim_parse_error(p, "cpuid is a 32-bit value");
	h->cpuid = (uint32_t)cpuid;
	if (v[HOST_MCG_CAP] != NULL &&
	    sim_parse_u64(p, "mcg_cap", v[HOST_MCG_CAP], &h->mcg_cap) < 0)
		return -1;
	if (v[HOST_TELEMETRY] != NULL) {
		if (strcmp(v[HOST_TELEMETRY], "broken") == 0)
			p->sc->telemetry_broken = true;
		else if (strcmp(v[HOST_TELEMETRY], "ok") != 0)
			return sim_parse_error(
			    p, "telemetry must be ok or broken");
	}
	p->sc->have_host = true;
	return 0;
}

enum {
	MCELOG_RECORD_LEN,
	MCELOG_LOG_LEN,
};

static const char *const sim_mcelog_keys[] = {"record_len", "log_len", NULL};

int sim_parse_mcelog(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct sim_scenario *sc = p->sc;
	const char *v[3];

	if (sc->have_mcelog)
		return sim_parse_error(p, "duplicate mcelog directive");
	if (sim_keys_collect(p, "mcelog", t, n, sim_mcelog_keys, 0, 0, v,
	                     NULL) < 0)
		return -1;
	if (v[MCELOG_RECORD_LEN] != NULL &&
	    sim_parse_u32_max(p, "record_len", v[MCELOG_RECORD_LEN],
	                      MCE_RECORD_LEN_MAX, &sc->record_len) < 0)
		return -1;
	if (sc->record_len < MCE_RECORD_LEN_MIN)
		return sim_parse_error(p, "record_len must be %d..%d",
		                       MCE_RECORD_LEN_MIN, MCE_RECORD_LEN_MAX);
	if (v[MCELOG_LOG_LEN] != NULL &&
	    sim_parse_u32_max(p, "log_len", v[MCELOG_LOG_LEN], 4096,
	                      &sc->log_len) < 0)
		return -1;
	if (sc->log_len == 0)
		return sim_parse_error(p, "log_len must be at least 1");
	if ((uint64_t)sc->log_len * sc->record_len > SIM_MCELOG_MAX_BYTES)
		return sim_parse_error(p,
		                       "log_len * record_len is over %u bytes",
		                       SIM_MCELOG_MAX_BYTES);
	sc->have_mcelog = true;
	return 0;
}

enum {
	DIMM_LABEL,
	DIMM_SOCKET,
	DIMM_CONTROLLER,
	DIMM_CHANNEL,
	DIMM_SLOT,
	DIMM_START,
	DIMM_SIZE,
};

static const char *const sim_dimm_keys[] = {
    "label", "socket", "controller", "channel", "slot", "start", "size", NULL,
};

static int sim_dimm_check_place(struct sim_parser *p, const struct hv_dimm *d,
                                size_t *slot)
{
	const struct sim_scenario *sc = p->sc;
	const struct hv_dimm *other;
	size_t i;

	for (i = 0; i < sc->n_dimms; i++)
		if (strcmp(sc->dimms[i].label, d->label) == 0)
			return sim_parse_error(p, "duplicate DIMM label '%s'",
			                       d->label);
	i = sim_dimm_upper_bound(sc, d->start);
	other = NULL;
	if (i > 0 &&
	    sim_dimm_end(&sc->dimms[sc->dimm_by_start[i - 1]]) >= d->start)
		other = &sc->dimms[sc->dimm_by_start[i - 1]];
	else if (i < sc->n_dimms &&
	         sc->dimms[sc->dimm_by_start[i]].start <= sim_dimm_end(d))
		other = &sc->dimms[sc->dimm_by_start[i]];
	if (other != NULL)
		return sim_parse_error(
		    p, "DIMM %s (0x%llx-0x%llx) overlaps %s (0x%llx-0x%llx)",
		    d->label, (unsigned long long)d->start,
		    (unsigned long long)sim_dimm_end(d), other->label,
		    (unsigned long long)other->start,
		    (unsigned long long)sim_dimm_end(other));
	*slot = i;
	return 0;
}

static int sim_dimm_read_place(struct sim_parser *p, const char **v,
                               struct hv_dimm *d)
{
	if (sim_parse_u64(p, "start", v[DIMM_START], &d->start) < 0 ||
	    sim_parse_size(p, "size", v[DIMM_SIZE], &d->size) < 0)
		return -1;
	if (d->size == 0)
		return sim_parse_error(p, "DIMM size must not be 0");
	if (d->start % SIM_PAGE_SIZE != 0 || d->size % SIM_PAGE_SIZE != 0)
		return sim_parse_error(p, "DIMM start and size must be "
		                          "multiples of 4K");
	if (d->size - 1 > UINT64_MAX - d->start)
		return sim_parse_error(p, "DIMM runs past the end of the "
		                          "address space");
	return 0;
}

static int sim_dimm_read(struct sim_parser *p, const char **v,
                         struct hv_dimm *d)
{
	uint32_t nr_sockets = p->sc->host.nr_sockets;

	if (sim_parse_name(p, "label", v[DIMM_LABEL], 1, d->label,
	                   sizeof(d->label)) < 0 ||
	    sim_parse_u32_max(p, "socket", v[DIMM_SOCKET], UINT32_MAX,
	                      &d->socket) < 0)
		return -1;
	if (d->socket >= nr_sockets)
		return sim_parse_error(p, "socket %u: the host has %u sockets",
		                       d->socket, nr_sockets);
	if (v[DIMM_CONTROLLER] != NULL &&
	    sim_parse_u32_max(p, "controller", v[DIMM_CONTROLLER],
	                      SIM_MAX_PLACE, &d->controller) < 0)
		return -1;
	if (sim_parse_u32_max(p, "channel", v[DIMM_CHANNEL], SIM_MAX_PLACE,
	                      &d->channel) < 0)
		return -1;
	if (v[DIMM_SLOT] != NULL &&
	    sim_parse_u32_max(p, "slot", v[DIMM_SLOT], SIM_MAX_PLACE,
	                      &d->slot) < 0)
		return -1;
	return sim_dimm_read_place(p, v, d);
}

static int sim_dimm_insert(struct sim_parser *p, const struct hv_dimm *d,
                           size_t slot)
{
	struct sim_scenario *sc = p->sc;

	if (sim_array_grow((void **)&sc->dimms, &sc->cap_dimms, sc->n_dimms,
	                   sizeof(*sc->dimms)) < 0 ||
	    sim_array_grow((void **)&sc->dimm_by_start, &sc->cap_dimm_by_start,
	                   sc->n_dimms, sizeof(*sc->dimm_by_start)) < 0)
		return sim_parse_error(p, "out of memory");
	memmove(&sc->dimm_by_start[slot + 1], &sc->dimm_by_start[slot],
	        (sc->n_dimms - slot) * sizeof(*sc->dimm_by_start));
	sc->dimm_by_start[slot] = sc->n_dimms;
	sc->dimms[sc->n_dimms] = *d;
	sc->n_dimms++;
	sc->host.total_pages += d->size >> SIM_PAGE_SHIFT;
	return 0;
}

int sim_parse_dimm(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct hv_dimm d;
	const char *v[8];
	size_t slot = 0;

	if (p->sc->n_dimms == SIM_MAX_ITEMS)
		return sim_parse_error(p, "too many DIMMs (max %d)",
		                       SIM_MAX_ITEMS);
	if (sim_keys_collect(p, "dimm", t, n, sim_dimm_keys,
	                     1u << DIMM_LABEL | 1u << DIMM_SOCKET |
	                         1u << DIMM_CHANNEL | 1u << DIMM_START |
	                         1u << DIMM_SIZE,
	                     0, v, NULL) < 0)
		return -1;
	memset(&d, 0, sizeof(d));
	d.id = (uint32_t)p->sc->n_dimms;
	if (sim_dimm_read(p, v, &d) < 0 ||
	    sim_dimm_check_place(p, &d, &slot) < 0)
		return -1;
	return sim_dimm_insert(p, &d, slot);
}

/* A range may span adjacent DIMMs, but every byte must be on one. */
static int sim_range_check_backed(struct sim_parser *p, uint64_t start,
                                  uint64_t end)
{
	const struct hv_dimm *d;
	uint64_t pos = start;

	for (;;) {
		d = sim_dimm_at(p->sc, pos);
		if (d == NULL)
			return sim_parse_error(
			    p,
			    "range 0x%llx-0x%llx: address 0x%llx is not on "
			    "any DIMM declared above",
			    (unsigned long long)start, (unsigned long long)end,
			    (unsigned long long)pos);
		if (sim_dimm_end(d) >= end)
			return 0;
		pos = sim_dimm_end(d) + 1;
	}
}

static int sim_range_insert(struct sim_parser *p, uint64_t start, uint64_t end,
                            int32_t domain)
{
	struct sim_scenario *sc = p->sc;
	const struct sim_range *other = NULL;
	size_t i = sim_range_upper_bound(sc, start);

	if (i > 0 && sc->ranges[i - 1].end >= start)
		other = &sc->ranges[i - 1];
	else if (i < sc->n_ranges && sc->ranges[i].start <= end)
		other = &sc->ranges[i];
	if (other != NULL)
		return sim_parse_error(
		    p, "range 0x%llx-0x%llx overlaps the frames of %s",
		    (unsigned long long)start, (unsigned long long)end,
		    sim_range_owner_name(sc, other->domain));
	if (sc->n_ranges == SIM_MAX_RANGES)
		return sim_parse_error(p, "too many ranges (max %d in all)",
		                       SIM_MAX_RANGES);
	if (sim_array_grow((void **)&sc->ranges, &sc->cap_ranges, sc->n_ranges,
	                   sizeof(*sc->ranges)) < 0)
		return sim_parse_error(p, "out of memory");
	memmove(&sc->ranges[i + 1], &sc->ranges[i],
	        (sc->n_ranges - i) * sizeof(*sc->ranges));
	sc->ranges[i].start = start;
	sc->ranges[i].end = end;
	sc->ranges[i].domain = domain;
	sc->n_ranges++;
	return 0;
}

static int sim_scan_range(const char **s, uint64_t *start, uint64_t *end)
{
	const char *c = *s;

	if (sim_scan_u64(&c, start) < 0 || *c++ != '-' ||
	    sim_scan_u64(&c, end) < 0)
		return -1;
	*s = c;
	return 0;
}

static int sim_range_add(struct sim_parser *p, uint64_t start, uint64_t end,
                         int32_t domain, uint64_t *bytes)
{
	uint64_t len;

	if (start > end)
		return sim_parse_error(p,
		                       "range 0x%llx-0x%llx ends before it "
		                       "starts",
		                       (unsigned long long)start,
		                       (unsigned long long)end);
	if (start % SIM_PAGE_SIZE != 0 || (end + 1) % SIM_PAGE_SIZE != 0)
		return sim_parse_error(p,
		                       "range 0x%llx-0x%llx does not cover "
		                       "whole 4K pages",
		                       (unsigned long long)start,
		                       (unsigned long long)end);
	if (sim_range_check_backed(p, start, end) < 0 ||
	    sim_range_insert(p, start, end, domain) < 0)
		return -1;
	len = end - start + 1;
	*bytes =
	    len == 0 || *bytes > UINT64_MAX - len ? UINT64_MAX : *bytes + len;
	return 0;
}

/* "A-B[,A-B...]": inclusive byte addresses of whole pages. */
static int sim_parse_ranges(struct sim_parser *p, const char *text,
                            int32_t domain, uint64_t *bytes)
{
	const char *s = text;
	uint64_t start, end;

	*bytes = 0;
	for (;;) {
		if (sim_scan_range(&s, &start, &end) < 0 ||
		    (*s != ',' && *s != '\0'))
			return sim_parse_error(p,
			                       "bad ranges '%.40s' (want "
			                       "START-END[,START-END...])",
			                       text);
		if (sim_range_add(p, start, end, domain, bytes) < 0)
			return -1;
		if (*s == '\0')
			return 0;
		s++;
	}
}

enum {
	DOM_MEM,
	DOM_RANGES,
};

static const char *const sim_dom0_keys[] = {"mem", "ranges", NULL};

int sim_parse_dom0(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct hv_domain *dom0 = &p->sc->domains[SIM_DOM0].info;
	const char *v[3];
	uint64_t bytes;

	if (p->sc->have_dom0)
		return sim_parse_error(p, "duplicate dom0 directive");
	if (sim_keys_collect(p, "dom0", t, n, sim_dom0_keys, 1u << DOM_RANGES,
	                     0, v, NULL) < 0 ||
	    sim_parse_ranges(p, v[DOM_RANGES], SIM_DOM0, &bytes) < 0)
		return -1;
	dom0->mem_bytes = bytes;
	if (v[DOM_MEM] != NULL &&
	    sim_parse_size(p, "mem", v[DOM_MEM], &dom0->mem_bytes) < 0)
		return -1;
	p->sc->domains[SIM_DOM0].line = p->line;
	p->sc->have_dom0 = true;
	return 0;
}

static const char *const sim_xen_keys[] = {"ranges", NULL};

int sim_parse_xen(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	const char *v[2];
	uint64_t bytes;

	if (p->sc->have_xen)
		return sim_parse_error(p, "duplicate xen directive");
	if (sim_keys_collect(p, "xen", t, n, sim_xen_keys, 1u << 0, 0, v,
	                     NULL) < 0 ||
	    sim_parse_ranges(p, v[0], SIM_OWNER_XEN, &bytes) < 0)
		return -1;
	p->sc->have_xen = true;
	return 0;
}

enum {
	GUEST_DOMID,
	GUEST_NAME,
	GUEST_MEM,
	GUEST_RANGES,
};

static const char *const sim_guest_keys[] = {"domid", "name", "mem", "ranges",
                                             NULL};

static int sim_guest_check_unique(struct sim_parser *p,
                                  const struct hv_domain *g)
{
	const struct sim_scenario *sc = p->sc;
	size_t i;

	for (i = 1; i < sc->n_domains; i++) {
		if (sc->domains[i].info.domid == g->domid)
			return sim_parse_error(p,
			                       "duplicate domid %u (line %u)",
			                       g->domid, sc->domains[i].line);
		if (strcmp(sc->domains[i].info.name, g->name) == 0)
			return sim_parse_error(
			    p, "duplicate guest name '%s' (line %u)", g->name,
			    sc->domains[i].line);
	}
	return 0;
}

static int sim_guest_read(struct sim_parser *p, const char **v,
                          struct hv_domain *g)
{
	if (sim_parse_u32_max(p, "domid", v[GUEST_DOMID],
	                      XEN_DOMID_FIRST_RESERVED - 1, &g->domid) < 0)
		return -1;
	if (g->domid == 0)
		return sim_parse_error(p, "domid 0 is dom0: use the dom0 "
		                          "directive");
	if (sim_parse_name(p, "name", v[GUEST_NAME], 0, g->name,
	                   sizeof(g->name)) < 0)
		return -1;
	return sim_guest_check_unique(p, g);
}

int sim_parse_guest(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct sim_scenario *sc = p->sc;
	struct sim_domain *g;
	const char *v[5];
	uint64_t bytes;

	if (sc->n_domains > SIM_MAX_ITEMS)
		return sim_parse_error(p, "too many guests (max %d)",
		                       SIM_MAX_ITEMS);
	if (sim_keys_collect(p, "guest", t, n, sim_guest_keys,
	                     1u << GUEST_DOMID | 1u << GUEST_NAME |
	                         1u << GUEST_RANGES,
	                     0, v, NULL) < 0)
		return -1;
	if (sim_array_grow((void **)&sc->domains, &sc->cap_domains,
	                   sc->n_domains, sizeof(*sc->domains)) < 0)
		return sim_parse_error(p, "out of memory");
	g = &sc->domains[sc->n_domains];
	memset(g, 0, sizeof(*g));
	g->line = p->line;
	if (sim_guest_read(p, v, &g->info) < 0 ||
	    sim_parse_ranges(p, v[GUEST_RANGES], (int32_t)sc->n_domains,
	                     &bytes) < 0)
		return -1;
	g->info.mem_bytes = bytes;
	if (v[GUEST_MEM] != NULL &&
	    sim_parse_size(p, "mem", v[GUEST_MEM], &g->info.mem_bytes) < 0)
		return -1;
	sc->n_domains++;
	return 0;
}

enum {
	PEER_NAME,
	PEER_CAPACITY,
	PEER_MIGRATE_TIME,
	PEER_FAIL,
};

static const char *const sim_peer_keys[] = {"name", "capacity", "migrate_time",
                                            "fail", NULL};

int sim_parse_peer(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct sim_scenario *sc = p->sc;
	struct sim_peer peer;
	const char *v[5];

	if (sc->n_peers == SIM_MAX_ITEMS)
		return sim_parse_error(p, "too many peers (max %d)",
		                       SIM_MAX_ITEMS);
	if (sim_keys_collect(p, "peer", t, n, sim_peer_keys,
	                     1u << PEER_NAME | 1u << PEER_CAPACITY |
	                         1u << PEER_MIGRATE_TIME,
	                     0, v, NULL) < 0)
		return -1;
	memset(&peer, 0, sizeof(peer));
	if (sim_parse_name(p, "name", v[PEER_NAME], 0, peer.name,
	                   sizeof(peer.name)) < 0)
		return -1;
	if (sim_parse_size(p, "capacity", v[PEER_CAPACITY], &peer.capacity) < 0)
		return -1;
	if (sim_parse_duration(p, "migrate_time", v[PEER_MIGRATE_TIME],
	                       &peer.migrate_ms) < 0)
		return -1;
	if (sim_peer_index(sc, peer.name) >= 0)
		return sim_parse_error(p, "duplicate peer '%s'", peer.name);
	if (v[PEER_FAIL] != NULL) {
		if (sim_parse_name(p, "fail", v[PEER_FAIL], 1, peer.fail,
		                   sizeof(peer.fail)) < 0)
			return -1;
		peer.fails = true;
	}
	if (sim_array_grow((void **)&sc->peers, &sc->cap_peers, sc->n_peers,
	                   sizeof(*sc->peers)) < 0)
		return sim_parse_error(p, "out of memory");
	sc->peers[sc->n_peers++] = peer;
	return 0;
}

typedef int (*sim_directive_fn)(struct sim_parser *p, const struct sim_token *t,
                                size_t n);

static const struct {
	const char *word;
	sim_directive_fn parse;
} sim_directives[] = {
    {"host", sim_parse_host},     {"mcelog", sim_parse_mcelog},
    {"dimm", sim_parse_dimm},     {"dom0", sim_parse_dom0},
    {"xen", sim_parse_xen},       {"guest", sim_parse_guest},
    {"peer", sim_parse_peer},     {"at", sim_parse_at},
    {"expect", sim_parse_expect},
};

static int sim_parse_line(struct sim_parser *p, char *line)
{
	struct sim_token tokens[SIM_MAX_TOKENS];
	size_t n, i;

	if (sim_tokenize(p, line, tokens, SIM_MAX_TOKENS, &n) < 0)
		return -1;
	if (n == 0)
		return 0;
	if (tokens[0].value != NULL)
		return sim_parse_error(p, "expected a directive, not '%.40s='",
		                       tokens[0].key);
	/* Everything else needs the host's shape: cpus, sockets, banks. */
	if (!p->sc->have_host && strcmp(tokens[0].key, "host") != 0)
		return sim_parse_error(p,
		                       "the first directive must be host, "
		                       "not '%.40s'",
		                       tokens[0].key);
	for (i = 0; i < sizeof(sim_directives) / sizeof(sim_directives[0]); i++)
		if (strcmp(tokens[0].key, sim_directives[i].word) == 0)
			return sim_directives[i].parse(p, tokens + 1, n - 1);
	return sim_parse_error(p, "unknown directive '%.40s'", tokens[0].key);
}

static struct sim_scenario *sim_scenario_new(void)
{
	struct sim_scenario *sc = calloc(1, sizeof(*sc));

	if (sc == NULL)
		return NULL;
	sc->record_len = MCE_RECORD_LEN_XEN;
	sc->log_len = 32;
	sc->domains = calloc(8, sizeof(*sc->domains));
	if (sc->domains == NULL) {
		free(sc);
		return NULL;
	}
	/* dom0 always exists; a dom0 line only gives it memory. */
	sc->cap_domains = 8;
	sc->n_domains = 1;
	snprintf(sc->domains[SIM_DOM0].info.name, HV_NAME_MAX, "Domain-0");
	sc->domains[SIM_DOM0].info.control = true;
	return sc;
}

static int sim_parse_text(struct sim_parser *p, const char *text, size_t len)
{
	char line[SIM_LINE_MAX + 1];
	const char *eol;
	size_t pos = 0, line_len;

	while (pos < len) {
		p->line++;
		eol = memchr(text + pos, '\n', len - pos);
		line_len =
		    eol != NULL ? (size_t)(eol - (text + pos)) : len - pos;
		if (line_len > SIM_LINE_MAX)
			return sim_parse_error(
			    p, "line too long (max %d bytes)", SIM_LINE_MAX);
		if (memchr(text + pos, '\0', line_len) != NULL)
			return sim_parse_error(p, "NUL byte in line");
		memcpy(line, text + pos, line_len);
		line[line_len] = '\0';
		if (sim_parse_line(p, line) < 0)
			return -1;
		pos += line_len + (eol != NULL ? 1 : 0);
	}
	if (!p->sc->have_host) {
		p->line = p->line == 0 ? 1 : p->line;
		return sim_parse_error(p, "no host directive");
	}
	return 0;
}

int sim_scenario_parse(const char *text, size_t len, const char *name,
                       struct sim_scenario **out, char *err, size_t errlen)
{
	struct sim_parser p;

	*out = NULL;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.name = name != NULL ? name : "scenario";
	p.err = err;
	p.errlen = errlen;
	p.sc = sim_scenario_new();
	if (p.sc == NULL) {
		snprintf(err, errlen, "%s: out of memory", p.name);
		return -1;
	}
	if (text == NULL)
		len = 0;
	if (sim_parse_text(&p, text, len) < 0) {
		sim_scenario_free(p.sc);
		return -1;
	}
	*out = p.sc;
	return 0;
}

static int sim_read_file(int fd, const char *path, char **text, size_t *len,
                         char *err, size_t errlen)
{
	size_t cap = 1u << 16, used = 0;
	char *buf = NULL, *grown;
	ssize_t got;

	for (;;) {
		if (buf == NULL || used == cap) {
			cap = buf == NULL ? cap : cap * 2;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				free(buf);
				snprintf(err, errlen, "%s: out of memory",
				         path);
				return -1;
			}
			buf = grown;
		}
		got = read(fd, buf + used, cap - used);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			free(buf);
			return -1;
		}
		if (got == 0)
			break;
		used += (size_t)got;
		if (used > SIM_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %u bytes", path,
			         SIM_FILE_MAX);
			free(buf);
			return -1;
		}
	}
	*text = buf;
	*len = used;
	return 0;
}

int sim_scenario_load(const char *path, struct sim_scenario **out, char *err,
                      size_t errlen)
{
	char *text;
	size_t len;
	int fd, rc;

	*out = NULL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	rc = sim_read_file(fd, path, &text, &len, err, errlen);
	close(fd);
	if (rc < 0)
		return -1;
	rc = sim_scenario_parse(text, len, path, out, err, errlen);
	free(text);
	return rc;
}

void sim_scenario_free(struct sim_scenario *sc)
{
	if (sc == NULL)
		return;
	free(sc->dimms);
	free(sc->dimm_by_start);
	free(sc->ranges);
	free(sc->domains);
	free(sc->peers);
	free(sc->entries);
	free(sc->expects);
	free(sc);
}

uint64_t sim_scenario_duration_ms(const struct sim_scenario *sc)
{
	uint64_t last = 0, end;
	size_t i;

	for (i = 0; i < sc->n_entries; i++) {
		end = sc->entries[i].at_ms +
		      (uint64_t)(sc->entries[i].repeat - 1) *
		          sc->entries[i].every_ms;
		if (end > last)
			last = end;
	}
	return last;
}

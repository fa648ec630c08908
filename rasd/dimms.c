/* dimms.c - the DIMM map in the daemon: built from EDAC, SMBIOS and the
 * policy, it names the backend's DIMMs, stands in for a backend that
 * reports none, and labels errors correlation cannot place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasd.h"

/*
 * The most trusted entry among candidates, or none when two of that rank
 * qualify: the rule of dimm_map_lookup_loc and dimm_map_lookup_addr.
 */
struct pick {
	const struct dimm_entry *best;
	bool ambiguous;
};

static void pick_offer(struct pick *pk, const struct dimm_entry *e)
{
	if (pk->best == NULL || e->source < pk->best->source) {
		pk->best = e;
		pk->ambiguous = false;
	} else if (e->source == pk->best->source && e != pk->best) {
		pk->ambiguous = true;
	}
}

static const struct dimm_entry *pick_result(const struct pick *pk)
{
	return pk->ambiguous ? NULL : pk->best;
}

static bool trusted(const struct policy *p, const struct dimm_entry *e)
{
	return policy_dimm_source_trusted(p, e->source);
}

/* dimm_map_lookup_loc's matching: -1 on either side is "not known". */
static bool at_location(const struct dimm_entry *e, int socket, int controller,
                        int channel, int slot)
{
	if (e->controller == -1 || e->controller != controller ||
	    e->channel == -1 || e->channel != channel)
		return false;
	if (e->socket != -1 && socket != -1 && e->socket != socket)
		return false;
	return slot == -1 || e->slot == -1 || e->slot == slot;
}

/*
 * The map's lookup by location over the trusted sources only. Asking
 * dimm_map_lookup_loc and dropping an untrusted answer would not do: an
 * EDAC entry the policy distrusts (a BIOS placeholder label) would hide
 * the policy's own map line for the same channel.
 */
static const struct dimm_entry *trusted_at(const struct rasd *d, int socket,
                                           int controller, int channel,
                                           int slot)
{
	struct pick pk = {NULL, false};
	const struct dimm_entry *e;
	size_t i;

	for (i = 0; i < dimm_map_count(d->dimm_map); i++) {
		e = dimm_map_get(d->dimm_map, i);
		if (trusted(&d->policy, e) &&
		    at_location(e, socket, controller, channel, slot))
			pick_offer(&pk, e);
	}
	return pick_result(&pk);
}

/*
 * The entry whose range holds addr. The map knows every range of an
 * entry; when its answer comes from a distrusted source, only the
 * trusted entries' lowest ranges (all an entry shows) can stand in.
 */
static const struct dimm_entry *trusted_holding(const struct rasd *d,
                                                uint64_t addr)
{
	const struct dimm_entry *e = dimm_map_lookup_addr(d->dimm_map, addr);
	struct pick pk = {NULL, false};
	size_t i;

	if (e == NULL || trusted(&d->policy, e))
		return e;
	for (i = 0; i < dimm_map_count(d->dimm_map); i++) {
		e = dimm_map_get(d->dimm_map, i);
		if (trusted(&d->policy, e) && e->has_range &&
		    addr >= e->start && addr - e->start < e->range_len)
			pick_offer(&pk, e);
	}
	return pick_result(&pk);
}

static void log_map(struct rasd *d, const char *root, const struct dimm_map *m)
{
	size_t i, by[DIMM_SRC_GUESS + 1] = {0};

	for (i = 0; i < dimm_map_warnings(m); i++)
		log_msg(&d->log, LOG_WARNING, "dimms", "%s",
		        dimm_map_warning(m, i));
	for (i = 0; i < dimm_map_count(m); i++)
		by[dimm_map_get(m, i)->source]++;
	log_msg(&d->log, LOG_INFO, "dimms",
	        "DIMM map under %s: %zu from EDAC, %zu from SMBIOS, %zu from "
	        "label files, %zu from the policy",
	        root, by[DIMM_SRC_EDAC], by[DIMM_SRC_SMBIOS],
	        by[DIMM_SRC_LABELS], by[DIMM_SRC_POLICY]);
}

int dimms_map_build(struct rasd *d, const struct policy *p,
                    struct dimm_map **out, char *err, size_t errlen)
{
	if (dimm_map_build(out, p->dimm_sysfs_root, p->dimm_map, p->n_dimm_map,
	                   err, errlen) < 0)
		return -1;
	log_map(d, p->dimm_sysfs_root[0] != '\0' ? p->dimm_sysfs_root : "/",
	        *out);
	return 0;
}

static void info_from(struct dimm_info *info, const struct dimm_entry *e)
{
	info->source = dimm_source_name(e->source);
	snprintf(info->locator, sizeof(info->locator), "%s", e->locator);
	snprintf(info->serial, sizeof(info->serial), "%s", e->serial);
	snprintf(info->part, sizeof(info->part), "%s", e->part);
	snprintf(info->named_by, sizeof(info->named_by), "%s", e->named_by);
}

/* The backend's numbers; a map entry it takes -1 from means unknown. */
static uint32_t loc_u32(int v)
{
	return v < 0 ? UINT32_MAX : (uint32_t)v;
}

static int loc_int(uint32_t v)
{
	return v > (uint32_t)INT32_MAX ? -1 : (int)v;
}

/*
 * The backend knows where its DIMMs sit, not always what they are
 * called: the map says, by location first (what EDAC knows), then by
 * the DIMM's first address (what SMBIOS and the policy know).
 */
static void name_backend_dimm(struct rasd *d, struct hv_dimm *m,
                              struct dimm_info *info)
{
	const struct dimm_entry *e =
	    trusted_at(d, loc_int(m->socket), loc_int(m->controller),
	               loc_int(m->channel), loc_int(m->slot));

	if (e == NULL && m->size != 0)
		e = trusted_holding(d, m->start);
	info->source = "backend";
	if (e == NULL)
		return;
	info_from(info, e);
	/* A label file is the operator's word for the silkscreen: it wins
	 * over the backend's name too. */
	if (m->label[0] == '\0' || e->named_by[0] != '\0')
		snprintf(m->label, sizeof(m->label), "%s", e->label);
}

/* Correlation searches ranges in order: two may not overlap. */
static const struct hv_dimm *overlapping(const struct hv_dimm *list, size_t n,
                                         uint64_t start, uint64_t len)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (start <= list[i].start + (list[i].size - 1) &&
		    list[i].start <= start + (len - 1))
			return &list[i];
	}
	return NULL;
}

static void add_map_dimm(struct rasd *d, const struct dimm_entry *e)
{
	struct hv_dimm *m = &d->dimms[d->n_dimms];
	const struct hv_dimm *o =
	    overlapping(d->dimms, d->n_dimms, e->start, e->range_len);

	if (o != NULL) {
		log_msg(&d->log, LOG_WARNING, "dimms",
		        "%s: its range overlaps %s's (interleaved?): not used "
		        "to place errors",
		        e->label, o->label);
		return;
	}
	memset(m, 0, sizeof(*m));
	m->id = (uint32_t)d->n_dimms;
	snprintf(m->label, sizeof(m->label), "%s", e->label);
	m->socket = loc_u32(e->socket);
	m->controller = loc_u32(e->controller);
	m->channel = loc_u32(e->channel);
	m->slot = loc_u32(e->slot);
	m->start = e->start;
	m->size = e->range_len;
	info_from(&d->dimm_info[d->n_dimms], e);
	d->n_dimms++;
}

/*
 * A backend that reports no DIMMs (a host where only firmware knows
 * them) gets the map's entries with address ranges, so correlation
 * still has DIMMs to count against and evacuation ranges to move.
 */
static int dimms_from_map(struct rasd *d)
{
	size_t i, n = dimm_map_count(d->dimm_map);
	const struct dimm_entry *e;

	free(d->dimms);
	free(d->dimm_health);
	d->dimms = calloc(n + 1, sizeof(*d->dimms));
	d->dimm_health = calloc(n + 1, sizeof(*d->dimm_health));
	d->dimm_info = calloc(n + 1, sizeof(*d->dimm_info));
	if (d->dimms == NULL || d->dimm_health == NULL || d->dimm_info == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		e = dimm_map_get(d->dimm_map, i);
		if (e->has_range && trusted(&d->policy, e))
			add_map_dimm(d, e);
	}
	for (i = 0; i < d->n_dimms; i++)
		snprintf(d->dimm_health[i].state,
		         sizeof(d->dimm_health[i].state), "ok");
	log_msg(&d->log, LOG_INFO, "dimms",
	        "the backend reports no DIMMs: %zu taken from the DIMM map",
	        d->n_dimms);
	return 0;
}

int dimms_attach(struct rasd *d, char *err, size_t errlen)
{
	size_t i;

	if (d->n_dimms == 0) {
		if (dimms_from_map(d) < 0) {
			snprintf(err, errlen, "dimms: out of memory");
			return -1;
		}
		return 0;
	}
	d->dimm_info = calloc(d->n_dimms, sizeof(*d->dimm_info));
	if (d->dimm_info == NULL) {
		snprintf(err, errlen, "dimms: out of memory");
		return -1;
	}
	for (i = 0; i < d->n_dimms; i++)
		name_backend_dimm(d, &d->dimms[i], &d->dimm_info[i]);
	return 0;
}

/*
 * An error correlation could not place on a DIMM may still say where it
 * is: the map may hold its address, or know the DIMM on its decoded
 * channel; else the channel itself is the best rasd can say.
 */
void dimms_label_unplaced(const struct rasd *d, const struct mce_record *r,
                          const struct mce_decoded *dec, char *label,
                          size_t len)
{
	const struct dimm_entry *e = NULL;

	/* A cache or bus error's address is not where a DIMM failed. */
	if (dec->kind != MCE_KIND_MEMORY)
		return;
	if (dec->phys_addr_valid)
		e = trusted_holding(d, dec->phys_addr);
	if (e == NULL && dec->controller >= 0 && dec->channel >= 0)
		e = trusted_at(d, (int)r->socketid, dec->controller,
		               dec->channel, -1);
	if (e != NULL)
		snprintf(label, len, "%s", e->label);
	else if (dec->controller >= 0 && dec->channel >= 0)
		snprintf(label, len,
		         "socket %u controller %d channel %d (guess)",
		         r->socketid, dec->controller, dec->channel);
}

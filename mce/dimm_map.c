/* dimm_map.c - builds the DIMM list from EDAC sysfs, SMBIOS, label files
 * and the policy, merges EDAC with SMBIOS, and answers lookups. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mce/dimm_map.h"
#include "mce/dimm_map_int.h"

#define MAX_WARNINGS  32 /* kept; the rest only counted */
#define WARNING_LEN   192
#define RAW_MAX       65536 /* no type 17/20 with its strings is larger */
#define ATTR_MAX      4096  /* a sysfs attribute is at most a page */
#define EDAC_MC_DIR   "sys/devices/system/edac/mc"
#define DMI_ENTRY_DIR "sys/firmware/dmi/entries"

struct dimm_range {
	uint64_t start, len;
	size_t entry; /* index into entries */
};

struct dimm_map {
	struct dimm_entry *entries;
	size_t n, cap;
	struct dimm_range *ranges;
	size_t n_ranges, cap_ranges;
	char warnings[MAX_WARNINGS][WARNING_LEN];
	size_t n_warnings; /* all of them, kept or not */
	int oom;
};

static struct dimm_entry *add_entry(struct dimm_map *m, enum dimm_source src);
static void read_attr(const char *dir, const char *name, char *dst,
                      size_t dstlen);

void dimm_map_warn(struct dimm_map *m, const char *fmt, ...)
{
	va_list ap;

	if (m->n_warnings < MAX_WARNINGS) {
		va_start(ap, fmt);
		vsnprintf(m->warnings[m->n_warnings], WARNING_LEN, fmt, ap);
		va_end(ap);
	}
	m->n_warnings++;
}

static void copy_str(char *dst, size_t dstlen, const char *src)
{
	snprintf(dst, dstlen, "%s", src);
}

struct dimm_entry *dimm_map_entry(struct dimm_map *m, size_t i)
{
	return i < m->n ? &m->entries[i] : NULL;
}

struct dimm_entry *dimm_map_add_entry(struct dimm_map *m, enum dimm_source src)
{
	return add_entry(m, src);
}

static struct dimm_entry *add_entry(struct dimm_map *m, enum dimm_source src)
{
	struct dimm_entry *e;

	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		void *p = reallocarray(m->entries, cap, sizeof(*m->entries));

		if (p == NULL) {
			m->oom = 1;
			return NULL;
		}
		m->entries = p;
		m->cap = cap;
	}
	e = &m->entries[m->n++];
	memset(e, 0, sizeof(*e));
	e->socket = e->controller = e->channel = e->slot = -1;
	e->smbios_handle = -1;
	e->source = src;
	return e;
}

static int add_range(struct dimm_map *m, size_t entry, uint64_t start,
                     uint64_t len)
{
	struct dimm_entry *e = &m->entries[entry];

	if (m->n_ranges == m->cap_ranges) {
		size_t cap = m->cap_ranges ? m->cap_ranges * 2 : 16;
		void *p = reallocarray(m->ranges, cap, sizeof(*m->ranges));

		if (p == NULL) {
			m->oom = 1;
			return -1;
		}
		m->ranges = p;
		m->cap_ranges = cap;
	}
	m->ranges[m->n_ranges++] =
	    (struct dimm_range){.start = start, .len = len, .entry = entry};
	if (!e->has_range || start < e->start) {
		e->start = start;
		e->range_len = len;
	}
	e->has_range = true;
	e->n_ranges++;
	return 0;
}

/*
 * Read a small file into buf, NUL-terminated. Returns the length, or -1
 * when it cannot be read (errno set) or holds more than bufsz - 1 bytes
 * (errno EFBIG): sysfs files are read whole or not at all.
 */
static ssize_t read_file(const char *path, void *buf, size_t bufsz)
{
	size_t got = 0;
	ssize_t r;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return -1;
	while (got < bufsz) {
		r = read(fd, (char *)buf + got, bufsz - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			close(fd);
			return -1;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (got == bufsz) {
		errno = EFBIG;
		return -1;
	}
	((char *)buf)[got] = '\0';
	return (ssize_t)got;
}

void dimm_map_read_attr(const char *dir, const char *name, char *dst,
                        size_t dstlen)
{
	read_attr(dir, name, dst, dstlen);
}

/* A sysfs attribute as one trimmed line, "" when missing. */
static void read_attr(const char *dir, const char *name, char *dst,
                      size_t dstlen)
{
	char path[PATH_MAX], buf[ATTR_MAX];
	size_t n, i;

	dst[0] = '\0';
	if (snprintf(path, sizeof(path), "%s/%s", dir, name) >=
	        (int)sizeof(path) ||
	    read_file(path, buf, sizeof(buf)) == -1)
		return;
	n = strcspn(buf, "\n");
	while (n > 0 && buf[n - 1] == ' ')
		n--;
	buf[n] = '\0';
	for (i = 0; i < n; i++)
		if ((unsigned char)buf[i] < 0x20 || buf[i] == 0x7f)
			buf[i] = '?';
	copy_str(dst, dstlen, buf);
}

/* "mc12" with prefix "mc" -> 12; -1 for anything else. */
static int name_number(const char *name, const char *prefix)
{
	size_t pl = strlen(prefix);
	const char *p = name + pl;
	long v = 0;

	if (strncmp(name, prefix, pl) != 0 || *p == '\0')
		return -1;
	for (; *p != '\0'; p++) {
		if (*p < '0' || *p > '9' || v > INT_MAX / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v > INT_MAX ? -1 : (int)v;
}

/*
 * edac_dimm_info_location() writes "LAYER N " per layer, the layer
 * names from edac_layer_name[] in drivers/edac/edac_mc.c: "branch",
 * "channel", "slot", "csrow", "memory". A csrow is the row a DIMM's
 * ranks hang on in the legacy layout, so it stands in for the slot
 * when there is no slot layer.
 */
static void parse_location(const char *loc, struct dimm_entry *e)
{
	char word[16];
	int n, used, csrow = -1;

	while (sscanf(loc, "%15s %d%n", word, &n, &used) == 2) {
		if (strcmp(word, "channel") == 0)
			e->channel = n;
		else if (strcmp(word, "slot") == 0)
			e->slot = n;
		else if (strcmp(word, "csrow") == 0)
			csrow = n;
		loc += used;
	}
	if (e->slot == -1)
		e->slot = csrow;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/*
 * Numbers N of the names "PREFIXN" in dir, sorted, so the map's order
 * does not depend on readdir. Returns the count, 0 when dir is missing,
 * -1 on allocation failure.
 */
static int list_numbered(const char *dir, const char *prefix, int **out)
{
	struct dirent *de;
	int *v = NULL, n = 0, cap = 0, k;
	DIR *d;

	*out = NULL;
	if ((d = opendir(dir)) == NULL)
		return 0;
	while ((de = readdir(d)) != NULL) {
		if ((k = name_number(de->d_name, prefix)) < 0)
			continue;
		if (n == cap) {
			int *p;

			cap = cap ? cap * 2 : 16;
			if ((p = reallocarray(v, (size_t)cap, sizeof(*v))) ==
			    NULL) {
				free(v);
				closedir(d);
				return -1;
			}
			v = p;
		}
		v[n++] = k;
	}
	closedir(d);
	/* qsort's base must not be NULL, even for no elements. */
	if (n > 1)
		qsort(v, (size_t)n, sizeof(*v), cmp_int);
	*out = v;
	return n;
}

/*
 * drivers/edac/edac_mc_sysfs.c: mcN (edac_create_sysfs_mci_device) holds
 * mc_name; each populated DIMM is dimmM, or rankM on chip-select based
 * controllers (edac_create_dimm_object), with dimm_label, dimm_location,
 * size (MiB), dimm_mem_type and dimm_edac_mode.
 */
static void load_edac_dimms(struct dimm_map *m, const char *mcdir, int mc,
                            const char *mc_name, const char *prefix)
{
	char dir[PATH_MAX], buf[DIMM_STR_LEN];
	struct dimm_entry *e;
	int *idx, n, i;
	unsigned long long mib;
	char *end;

	if ((n = list_numbered(mcdir, prefix, &idx)) == -1) {
		m->oom = 1;
		return;
	}
	for (i = 0; i < n; i++) {
		snprintf(dir, sizeof(dir), "%s/%s%d", mcdir, prefix, idx[i]);
		read_attr(dir, "dimm_location", buf, sizeof(buf));
		if (buf[0] == '\0') {
			dimm_map_warn(
			    m, "edac mc%d %s%d: no dimm_location, skipped", mc,
			    prefix, idx[i]);
			continue;
		}
		if ((e = add_entry(m, DIMM_SRC_EDAC)) == NULL)
			break;
		copy_str(e->locator, sizeof(e->locator), buf);
		e->controller = mc;
		parse_location(buf, e);
		copy_str(e->mc_name, sizeof(e->mc_name), mc_name);
		read_attr(dir, "dimm_label", e->label, sizeof(e->label));
		if (e->label[0] == '\0')
			snprintf(e->label, sizeof(e->label), "mc%d %s", mc,
			         e->locator);
		read_attr(dir, "dimm_mem_type", e->mem_type,
		          sizeof(e->mem_type));
		read_attr(dir, "dimm_edac_mode", e->edac_mode,
		          sizeof(e->edac_mode));
		read_attr(dir, "size", buf, sizeof(buf));
		errno = 0;
		mib = strtoull(buf, &end, 10);
		if (buf[0] >= '0' && buf[0] <= '9' && *end == '\0' &&
		    errno == 0 && mib <= UINT64_MAX >> 20)
			e->size = (uint64_t)mib << 20;
		else if (buf[0] != '\0')
			dimm_map_warn(m,
			              "edac mc%d %s%d: size '%s' not a number",
			              mc, prefix, idx[i], buf);
	}
	free(idx);
}

static void load_edac(struct dimm_map *m, const char *root)
{
	char base[PATH_MAX], mcdir[PATH_MAX], mc_name[DIMM_ATTR_LEN];
	int *mcs, n, i;

	snprintf(base, sizeof(base), "%s/%s", root, EDAC_MC_DIR);
	if ((n = list_numbered(base, "mc", &mcs)) == -1) {
		m->oom = 1;
		return;
	}
	for (i = 0; i < n && !m->oom; i++) {
		snprintf(mcdir, sizeof(mcdir), "%s/mc%d", base, mcs[i]);
		read_attr(mcdir, "mc_name", mc_name, sizeof(mc_name));
		load_edac_dimms(m, mcdir, mcs[i], mc_name, "dimm");
		load_edac_dimms(m, mcdir, mcs[i], mc_name, "rank");
	}
	free(mcs);
}

/* Parse entries/TYPE-N/raw for each N; on 0 *out holds a good entry. */
static int load_raw(struct dimm_map *m, const char *base, int type, int inst,
                    uint8_t *raw, struct smbios_entry *out)
{
	char path[PATH_MAX], why[160];
	ssize_t len;
	int rc;

	snprintf(path, sizeof(path), "%s/%d-%d/raw", base, type, inst);
	if ((len = read_file(path, raw, RAW_MAX)) == -1) {
		dimm_map_warn(m, "smbios %d-%d: %s", type, inst,
		              strerror(errno));
		return -1;
	}
	rc = smbios_parse_entry(raw, (size_t)len, out, why, sizeof(why));
	if (rc >= 0 && out->type != type) {
		snprintf(why, sizeof(why), "holds type %u", out->type);
		rc = -1;
	}
	if (rc != 0) {
		dimm_map_warn(m, "smbios %d-%d: %s, skipped", type, inst, why);
		return -1;
	}
	return 0;
}

static const char *type_prefix(int type)
{
	return type == SMBIOS_TYPE_MEM_DEVICE ? "17-" : "20-";
}

static void load_smbios(struct dimm_map *m, const char *root)
{
	char base[PATH_MAX];
	struct smbios_entry se;
	struct dimm_entry *e;
	uint8_t *raw;
	int *idx, n, i;
	size_t j;

	snprintf(base, sizeof(base), "%s/%s", root, DMI_ENTRY_DIR);
	if ((raw = malloc(RAW_MAX)) == NULL) {
		m->oom = 1;
		return;
	}
	if ((n = list_numbered(base, type_prefix(17), &idx)) == -1)
		m->oom = 1;
	for (i = 0; i < n && !m->oom; i++) {
		if (load_raw(m, base, 17, idx[i], raw, &se) == -1 ||
		    !se.u.dev.installed)
			continue;
		if ((e = add_entry(m, DIMM_SRC_SMBIOS)) == NULL)
			break;
		copy_str(e->locator, sizeof(e->locator), se.u.dev.locator);
		copy_str(e->bank, sizeof(e->bank), se.u.dev.bank);
		copy_str(e->label, sizeof(e->label),
		         e->locator[0] ? e->locator : e->bank);
		if (e->label[0] == '\0')
			snprintf(e->label, sizeof(e->label),
			         "smbios handle 0x%04x", se.u.dev.handle);
		copy_str(e->mem_type, sizeof(e->mem_type),
		         smbios_mem_type_name(se.u.dev.mem_type));
		copy_str(e->manufacturer, sizeof(e->manufacturer),
		         se.u.dev.manufacturer);
		copy_str(e->serial, sizeof(e->serial), se.u.dev.serial);
		copy_str(e->part, sizeof(e->part), se.u.dev.part);
		e->size = se.u.dev.size;
		e->speed_mts = se.u.dev.speed;
		e->smbios_handle = se.u.dev.handle;
	}
	free(idx);

	if (!m->oom && (n = list_numbered(base, type_prefix(20), &idx)) == -1)
		m->oom = 1;
	for (i = 0; i < n && !m->oom; i++) {
		if (load_raw(m, base, 20, idx[i], raw, &se) == -1)
			continue;
		for (j = 0; j < m->n; j++)
			if (m->entries[j].smbios_handle == se.u.map.device)
				break;
		if (j == m->n) {
			dimm_map_warn(
			    m,
			    "smbios 20-%d: device handle 0x%04x is no "
			    "installed type 17, skipped",
			    idx[i], se.u.map.device);
			continue;
		}
		add_range(m, j, se.u.map.start, se.u.map.len);
	}
	free(idx);
	free(raw);
}

/* The conservative match rule documented in dimm_map.h. */
static int edac_matches(const struct dimm_entry *edac,
                        const struct dimm_entry *sm)
{
	char joined[2 * DIMM_STR_LEN];

	if (sm->locator[0] == '\0')
		return 0;
	if (strcmp(edac->label, sm->locator) == 0)
		return 1;
	snprintf(joined, sizeof(joined), "%s %s", sm->bank, sm->locator);
	return sm->bank[0] != '\0' && strcmp(edac->label, joined) == 0;
}

/*
 * Fold each SMBIOS entry that exactly one EDAC entry matches into that
 * entry, keeping the EDAC label and numbers; two EDAC DIMMs claiming one
 * locator is a conflict we report rather than resolve.
 */
static void merge(struct dimm_map *m)
{
	size_t i, j, k, hit, hits;

	for (j = 0; j < m->n; j++) {
		struct dimm_entry *sm = &m->entries[j], *ed;

		if (sm->source != DIMM_SRC_SMBIOS)
			continue;
		for (i = 0, hits = 0, hit = 0; i < m->n; i++)
			if (m->entries[i].source == DIMM_SRC_EDAC &&
			    m->entries[i].smbios_handle == -1 &&
			    edac_matches(&m->entries[i], sm)) {
				hit = i;
				hits++;
			}
		if (hits > 1)
			dimm_map_warn(
			    m,
			    "smbios locator '%s' matches %zu edac labels, "
			    "left unmerged",
			    sm->locator, hits);
		if (hits != 1)
			continue;
		ed = &m->entries[hit];
		copy_str(ed->locator, sizeof(ed->locator), sm->locator);
		copy_str(ed->bank, sizeof(ed->bank), sm->bank);
		copy_str(ed->manufacturer, sizeof(ed->manufacturer),
		         sm->manufacturer);
		copy_str(ed->serial, sizeof(ed->serial), sm->serial);
		copy_str(ed->part, sizeof(ed->part), sm->part);
		if (ed->size == 0)
			ed->size = sm->size;
		ed->speed_mts = sm->speed_mts;
		ed->smbios_handle = sm->smbios_handle;
		ed->has_range = sm->has_range;
		ed->start = sm->start;
		ed->range_len = sm->range_len;
		ed->n_ranges = sm->n_ranges;
		for (k = 0; k < m->n_ranges; k++)
			if (m->ranges[k].entry == j)
				m->ranges[k].entry = hit;
		sm->source = DIMM_SRC_GUESS; /* marks it for removal */
	}
	/* Compact, renumbering the ranges of the entries that move. */
	for (i = 0, j = 0; i < m->n; i++) {
		if (m->entries[i].source == DIMM_SRC_GUESS)
			continue;
		if (i != j) {
			m->entries[j] = m->entries[i];
			for (k = 0; k < m->n_ranges; k++)
				if (m->ranges[k].entry == i)
					m->ranges[k].entry = j;
		}
		j++;
	}
	m->n = j;
}

static void load_policy(struct dimm_map *m, const struct dimm_policy *p,
                        size_t n)
{
	struct dimm_entry *e;
	size_t i;

	for (i = 0; i < n; i++) {
		if (p[i].size != 0 && p[i].start + p[i].size - 1 < p[i].start) {
			dimm_map_warn(m,
			              "policy dimm '%s': range wraps, skipped",
			              p[i].label);
			continue;
		}
		if ((e = add_entry(m, DIMM_SRC_POLICY)) == NULL)
			return;
		copy_str(e->label, sizeof(e->label), p[i].label);
		e->socket = p[i].socket;
		e->controller = p[i].controller;
		e->channel = p[i].channel;
		e->slot = p[i].slot;
		e->size = p[i].size;
		if (p[i].size != 0 &&
		    add_range(m, m->n - 1, p[i].start, p[i].size) == -1)
			return;
	}
}

int dimm_map_build(struct dimm_map **out, const char *root,
                   const struct dimm_policy *policy, size_t n_policy, char *err,
                   size_t errlen)
{
	struct dimm_map *m;

	*out = NULL;
	if (root == NULL || root[0] == '\0')
		root = "/";
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		snprintf(err, errlen, "dimm map: out of memory");
		return -1;
	}
	load_edac(m, root);
	if (!m->oom)
		load_smbios(m, root);
	if (!m->oom)
		merge(m);
	if (!m->oom)
		dimm_map_load_labels(m, root);
	if (!m->oom)
		load_policy(m, policy, policy != NULL ? n_policy : 0);
	if (m->oom) {
		snprintf(err, errlen, "dimm map: out of memory");
		dimm_map_free(m);
		return -1;
	}
	*out = m;
	return 0;
}

void dimm_map_free(struct dimm_map *m)
{
	if (m == NULL)
		return;
	free(m->entries);
	free(m->ranges);
	free(m);
}

size_t dimm_map_count(const struct dimm_map *m)
{
	return m->n;
}

const struct dimm_entry *dimm_map_get(const struct dimm_map *m, size_t i)
{
	return i < m->n ? &m->entries[i] : NULL;
}

const struct dimm_entry *dimm_map_lookup_addr(const struct dimm_map *m,
                                              uint64_t phys)
{
	const struct dimm_entry *best = NULL;
	int ambiguous = 0;
	size_t k;

	for (k = 0; k < m->n_ranges; k++) {
		const struct dimm_range *r = &m->ranges[k];
		const struct dimm_entry *e = &m->entries[r->entry];

		if (phys < r->start || phys - r->start >= r->len)
			continue;
		if (best == NULL || e->source < best->source) {
			best = e;
			ambiguous = 0;
		} else if (e->source == best->source && e != best)
			ambiguous = 1;
	}
	return ambiguous ? NULL : best;
}

const struct dimm_entry *dimm_map_lookup_loc(const struct dimm_map *m,
                                             int socket, int controller,
                                             int channel, int slot,
                                             struct dimm_entry *guess)
{
	const struct dimm_entry *best = NULL;
	int ambiguous = 0;
	size_t i;

	for (i = 0; i < m->n; i++) {
		const struct dimm_entry *e = &m->entries[i];

		if (e->controller == -1 || e->controller != controller ||
		    e->channel == -1 || e->channel != channel)
			continue;
		if (e->socket != -1 && socket != -1 && e->socket != socket)
			continue;
		if (slot != -1 && e->slot != -1 && e->slot != slot)
			continue;
		if (best == NULL || e->source < best->source) {
			best = e;
			ambiguous = 0;
		} else if (e->source == best->source)
			ambiguous = 1;
	}
	if (best != NULL && !ambiguous)
		return best;
	memset(guess, 0, sizeof(*guess));
	guess->socket = socket;
	guess->controller = controller;
	guess->channel = channel;
	guess->slot = slot;
	guess->smbios_handle = -1;
	guess->source = DIMM_SRC_GUESS;
	snprintf(guess->label, sizeof(guess->label),
	         "socket %d controller %d channel %d (guess)", socket,
	         controller, channel);
	return guess;
}

size_t dimm_map_warnings(const struct dimm_map *m)
{
	return m->n_warnings;
}

const char *dimm_map_warning(const struct dimm_map *m, size_t i)
{
	if (i >= m->n_warnings)
		return NULL;
	return i < MAX_WARNINGS ? m->warnings[i] : "(more warnings dropped)";
}

const char *dimm_source_name(enum dimm_source src)
{
	switch (src) {
	case DIMM_SRC_EDAC:
		return "edac";
	case DIMM_SRC_SMBIOS:
		return "smbios";
	case DIMM_SRC_LABELS:
		return "labels";
	case DIMM_SRC_POLICY:
		return "policy";
	case DIMM_SRC_GUESS:
		return "guess";
	}
	return "unknown";
}

/* dimm_map.h - which DIMM holds a physical address or sits on a memory
 * channel: EDAC sysfs, SMBIOS types 17/20, rasdaemon's label files, then
 * the policy's map. */
#ifndef RASD_DIMM_MAP_H
#define RASD_DIMM_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIMM_STR_LEN    64 /* labels and locators, NUL included; truncated */
#define DIMM_ATTR_LEN   32
#define DIMM_ORIGIN_LEN 160 /* "FILE:LINE" of a label file */

/* Where an entry's identity came from, most trusted first. */
enum dimm_source {
	DIMM_SRC_EDAC,   /* /sys/devices/system/edac/mc/mcN/dimmM */
	DIMM_SRC_SMBIOS, /* /sys/firmware/dmi/entries/17-N (+ 20-N) */
	DIMM_SRC_LABELS, /* /etc/ras/dimm_labels.d (rasdaemon's format) */
	DIMM_SRC_POLICY, /* the policy file's [dimm] map */
	DIMM_SRC_GUESS,  /* only socket/controller/channel is known */
};

/*
 * One DIMM. Numbers are -1 when the source does not say. An EDAC entry
 * matched to an SMBIOS Memory Device keeps source EDAC and its label,
 * and takes locator, bank, serial and address ranges from SMBIOS.
 */
struct dimm_entry {
	char label[DIMM_STR_LEN];     /* what to tell the operator */
	char locator[DIMM_STR_LEN];   /* SMBIOS device locator, else EDAC's
	                                 dimm_location ("channel 1 slot 0") */
	char bank[DIMM_STR_LEN];      /* SMBIOS bank locator, else "" */
	char mc_name[DIMM_ATTR_LEN];  /* EDAC mc_name, else "" */
	char mem_type[DIMM_ATTR_LEN]; /* "Registered-DDR4", "DDR4", ... */
	char edac_mode[DIMM_ATTR_LEN];
	char manufacturer[DIMM_ATTR_LEN];
	char serial[DIMM_ATTR_LEN];
	char part[DIMM_ATTR_LEN];
	int socket, controller, channel, slot;
	uint64_t size;      /* capacity in bytes, 0 when unknown */
	unsigned speed_mts; /* SMBIOS speed in MT/s, 0 when unknown */
	bool has_range;     /* start/range_len hold its lowest range */
	uint64_t start;     /* first byte of that range */
	uint64_t range_len; /* bytes */
	size_t n_ranges;    /* address ranges mapped to it (SMBIOS type 20) */
	int smbios_handle;  /* type 17 handle, -1 when none */
	enum dimm_source source;
	/* the label file line that named it ("" when none): an EDAC DIMM
	 * keeps source EDAC and takes the file's label for its location */
	char named_by[DIMM_ORIGIN_LEN];
};

/*
 * A DIMM from the policy's [dimm] map. size 0 means no address range,
 * only a location; -1 in socket, controller, channel or slot means
 * "not given".
 */
struct dimm_policy {
	char label[DIMM_STR_LEN];
	int socket, controller, channel, slot;
	uint64_t start, size; /* bytes */
};

struct dimm_map;

/*
 * Build the map from root's EDAC and DMI trees ("/" when root is NULL)
 * and the n_policy entries of policy (may be NULL). A missing tree is an
 * empty source, not an error; a malformed file or SMBIOS structure is
 * skipped and described in the map's warnings. Returns 0 with *out set,
 * or -1 with a reason in err only when memory runs out.
 *
 * EDAC and SMBIOS are matched only when the EDAC dimm_label equals the
 * type 17 device locator, or "BANK DEVICE" (bank and device locator
 * joined by a space, the form ghes_edac writes). Labels such as
 * "CPU_SrcID#0_MC#0_Chan#0_DIMM#0" relate to locators in vendor-specific
 * ways; rather than guess, those stay two entries.
 */
int dimm_map_build(struct dimm_map **out, const char *root,
                   const struct dimm_policy *policy, size_t n_policy, char *err,
                   size_t errlen);
void dimm_map_free(struct dimm_map *m);

size_t dimm_map_count(const struct dimm_map *m);
const struct dimm_entry *dimm_map_get(const struct dimm_map *m, size_t i);

/*
 * The DIMM whose mapped range holds phys, from the most trusted source
 * that maps it; NULL when none does, or when two DIMMs of that source
 * map it (an interleaved range: SMBIOS then lists one type 20 per DIMM
 * over the same addresses, so the address alone cannot pick one).
 */
const struct dimm_entry *dimm_map_lookup_addr(const struct dimm_map *m,
                                              uint64_t phys);

/*
 * The DIMM at a location from the most trusted source that knows it
 * (EDAC numbers controllers per host: pass its mc number). socket and
 * slot may be -1 for unknown; an entry that does not know its socket
 * matches any. When no entry, or more than one, matches, *guess is
 * filled with source GUESS and label "socket S controller C channel H
 * (guess)" and returned: never NULL.
 */
const struct dimm_entry *dimm_map_lookup_loc(const struct dimm_map *m,
                                             int socket, int controller,
                                             int channel, int slot,
                                             struct dimm_entry *guess);

/* Why parts of the trees were skipped: count, then each message. */
size_t dimm_map_warnings(const struct dimm_map *m);
const char *dimm_map_warning(const struct dimm_map *m, size_t i);

/* "edac", "smbios", "labels", "policy", "guess". */
const char *dimm_source_name(enum dimm_source src);

#endif

/* dimm_map_int.h - the SMBIOS structure parser behind dimm_map, exposed
 * for its unit tests and fuzzer only. */
#ifndef RASD_DIMM_MAP_INT_H
#define RASD_DIMM_MAP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "mce/dimm_map.h"

#define SMBIOS_TYPE_MEM_DEVICE 17 /* DSP0134 7.18 Memory Device */
#define SMBIOS_TYPE_MEM_MAPPED                                                 \
	20 /* DSP0134 7.21 Memory Device Mapped                                \
	      Address */

struct smbios_mem_device {
	uint16_t handle;
	char locator[DIMM_STR_LEN];
	char bank[DIMM_STR_LEN];
	char manufacturer[DIMM_ATTR_LEN];
	char serial[DIMM_ATTR_LEN];
	char part[DIMM_ATTR_LEN];
	uint8_t mem_type; /* DSP0134 7.18.2 value; 0 when absent */
	int installed;    /* 0: Size is 0, an empty socket */
	uint64_t size;    /* bytes; 0 when Size is 0FFFFh (unknown) */
	unsigned speed;   /* MT/s; 0 unknown */
};

struct smbios_mem_mapped {
	uint16_t handle;
	uint16_t device; /* handle of its type 17 */
	uint64_t start;  /* first byte */
	uint64_t len;    /* bytes, never 0 */
	uint8_t row, interleave_pos, interleave_depth;
};

struct smbios_entry {
	uint8_t type;
	union {
		struct smbios_mem_device dev;
		struct smbios_mem_mapped map;
	} u;
};

/*
 * Parse one raw structure as /sys/firmware/dmi/entries/T-N/raw holds it:
 * header, formatted area, string set. Returns 0 for a good type 17 or
 * 20, 1 for any other well-framed type (ignored), -1 when malformed with
 * the reason in why. Reads only buf[0..len).
 */
int smbios_parse_entry(const uint8_t *buf, size_t len, struct smbios_entry *out,
                       char *why, size_t whylen);

/* DSP0134 7.18.2 Memory Device Type name; "unknown" outside the table. */
const char *smbios_mem_type_name(uint8_t type);

/* dimm_map.c's building blocks, for dimm_map_labels.c. */
struct dimm_map;
struct dimm_entry *dimm_map_add_entry(struct dimm_map *m, enum dimm_source src);
void dimm_map_warn(struct dimm_map *m, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void dimm_map_read_attr(const char *dir, const char *name, char *dst,
                        size_t dstlen);
struct dimm_entry *dimm_map_entry(struct dimm_map *m, size_t i);

/* dimm_map_labels.c: name the map's DIMMs from root/etc/ras label files
 * that match root's SMBIOS board; unmatched labels become entries. */
void dimm_map_load_labels(struct dimm_map *m, const char *root);

#endif

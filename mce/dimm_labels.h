/* dimm_labels.h - rasdaemon's motherboard DIMM label files
 * (files in /etc/ras/dimm_labels.d): silkscreen names of EDAC locations. */
#ifndef RASD_DIMM_LABELS_H
#define RASD_DIMM_LABELS_H

#include <stddef.h>

#include "mce/dimm_map.h"

/*
 * The mainboard as SMBIOS names it (/sys/class/dmi/id): a block applies
 * when its Vendor: is the board's or the system's vendor and one of its
 * Product: names is the product, or one of its Model: names the board.
 * NULL or "" fields match nothing.
 */
struct dimm_label_board {
	const char *board_vendor, *sys_vendor;
	const char *product; /* product_name */
	const char *model;   /* board_name */
};

/*
 * One label at one location: "mc.channel.slot" (3 numbers) or
 * "mc.branch.channel.slot" (4, EDAC's three-layer controllers); branch is
 * -1 when not given. line is where it was read.
 */
struct dimm_label {
	char label[DIMM_STR_LEN];
	int mc, branch, channel, slot;
	int line;
};

struct dimm_labels_cb {
	/* A label of a block that matches the board. */
	void (*label)(void *arg, const struct dimm_label *l);
	/* "NAME:LINE: why": the line (or that item of it) was skipped. */
	void (*warn)(void *arg, const char *msg);
	void *arg;
};

/*
 * Parse one file's text (name is used in messages). Comments start with
 * '#'; "Vendor:", "Product:", "Model:" open blocks; other lines hold
 * "LABEL: LOC[, LOC...]" items separated by ';'. Malformed lines or items
 * are reported through cb->warn and skipped; the rest is used. Returns
 * the number of labels given to cb->label. Reads only text[0..len).
 */
size_t dimm_labels_parse(const char *text, size_t len, const char *name,
                         const struct dimm_label_board *board,
                         const struct dimm_labels_cb *cb);

#endif

/* dimm_map_labels.c - the map's rasdaemon label files: the board from
 * SMBIOS, every file of /etc/ras/dimm_labels.d then dimm_labels.db, each
 * label naming the EDAC DIMM at its location or standing for it. */
#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "mce/dimm_labels.h"
#include "mce/dimm_map_int.h"

#define LABELS_DIR      "etc/ras/dimm_labels.d"
#define LABELS_DB       "etc/ras/dimm_labels.db"
#define DMI_ID_DIR      "sys/class/dmi/id"
#define LABELS_FILE_MAX (1u << 20) /* rasdaemon's whole set is ~100 KiB */

struct load {
	struct dimm_map *m;
	const char *path; /* the file being read, for named_by */
};

static void on_warn(void *arg, const char *msg)
{
	struct load *ld = arg;

	dimm_map_warn(ld->m, "%s", msg);
}

/* The EDAC DIMM at l's location, or a label entry already made for it. */
static struct dimm_entry *at_location(struct dimm_map *m,
                                      const struct dimm_label *l)
{
	struct dimm_entry *e;
	size_t i;

	for (i = 0; (e = dimm_map_entry(m, i)) != NULL; i++)
		if ((e->source == DIMM_SRC_EDAC ||
		     e->source == DIMM_SRC_LABELS) &&
		    e->controller == l->mc && e->channel == l->channel &&
		    e->slot == l->slot)
			return e;
	return NULL;
}

static void on_label(void *arg, const struct dimm_label *l)
{
	struct load *ld = arg;
	struct dimm_entry *e = at_location(ld->m, l);

	if (e != NULL && e->named_by[0] != '\0') {
		dimm_map_warn(ld->m,
		              "%s:%d: %s: mc %d channel %d slot %d is "
		              "already named %s by %s",
		              ld->path, l->line, l->label, l->mc, l->channel,
		              l->slot, e->label, e->named_by);
		return;
	}
	if (e == NULL) {
		if ((e = dimm_map_add_entry(ld->m, DIMM_SRC_LABELS)) == NULL)
			return;
		e->controller = l->mc;
		e->channel = l->channel;
		e->slot = l->slot;
	}
	snprintf(e->label, sizeof(e->label), "%s", l->label);
	snprintf(e->named_by, sizeof(e->named_by), "%s:%d", ld->path, l->line);
}

static char *slurp(struct dimm_map *m, const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f;

	if ((f = fopen(path, "r")) == NULL)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode) ||
	    (size_t)st.st_size > LABELS_FILE_MAX) {
		dimm_map_warn(m, "%s: not a regular file under 1 MiB, skipped",
		              path);
		fclose(f);
		return NULL;
	}
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size, f);
	fclose(f);
	return buf;
}

static void load_file(struct dimm_map *m, const char *path,
                      const struct dimm_label_board *b)
{
	struct load ld = {m, path};
	const struct dimm_labels_cb cb = {on_label, on_warn, &ld};
	size_t len = 0;
	char *text = slurp(m, path, &len);

	if (text == NULL)
		return;
	dimm_labels_parse(text, len, path, b, &cb);
	free(text);
}

static int visible(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

void dimm_map_load_labels(struct dimm_map *m, const char *root)
{
	char dir[PATH_MAX], path[PATH_MAX];
	char vendor[64], sys_vendor[64], product[64], model[64];
	struct dirent **names;
	struct dimm_label_board b = {vendor, sys_vendor, product, model};
	int i, n;

	/* "/etc/ras/..." in named_by, not "//etc/ras/...". */
	if (strcmp(root, "/") == 0)
		root = "";
	snprintf(dir, sizeof(dir), "%s/%s", root, DMI_ID_DIR);
	dimm_map_read_attr(dir, "board_vendor", vendor, sizeof(vendor));
	dimm_map_read_attr(dir, "sys_vendor", sys_vendor, sizeof(sys_vendor));
	dimm_map_read_attr(dir, "product_name", product, sizeof(product));
	dimm_map_read_attr(dir, "board_name", model, sizeof(model));
	/* Sorted, so that which file wins a location does not vary. */
	snprintf(dir, sizeof(dir), "%s/%s", root, LABELS_DIR);
	n = scandir(dir, &names, visible, alphasort);
	for (i = 0; i < n; i++) {
		if (snprintf(path, sizeof(path), "%s/%s", dir,
		             names[i]->d_name) < (int)sizeof(path))
			load_file(m, path, &b);
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	snprintf(path, sizeof(path), "%s/%s", root, LABELS_DB);
	load_file(m, path, &b);
}

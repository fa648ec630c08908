/* fuzz_dimm_labels.c - libFuzzer target: arbitrary bytes as a rasdaemon
 * DIMM label file; every label given is well formed, every warning names
 * the file and a line. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/dimm_labels.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void on_label(void *arg, const struct dimm_label *l)
{
	size_t n = strnlen(l->label, sizeof(l->label));

	(void)arg;
	check(n > 0 && n < sizeof(l->label));
	check(l->mc >= 0 && l->channel >= 0 && l->slot >= 0);
	check(l->branch >= -1 && l->line > 0);
}

static void on_warn(void *arg, const char *msg)
{
	(void)arg;
	check(strncmp(msg, "fuzz:", 5) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct dimm_label_board b = {"Fuzz Inc.", "Fuzz Inc.",
	                                   "Board Two", "M1"};
	const struct dimm_labels_cb cb = {on_label, on_warn, NULL};

	dimm_labels_parse((const char *)data, size, "fuzz", &b, &cb);
	return 0;
}

/* fuzz_hwmon.c - libFuzzer target for the sensor watcher's parsers: policy
 * limit rules, sysfs attribute values and DIMM names in labels. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sensors/hwmon.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_rule(const char *text)
{
	struct hwmon_limit_rule r, before;
	char err[256];

	memset(&r, 0xa5, sizeof(r));
	before = r;
	err[0] = '\0';
	if (hwmon_limit_rule_parse(text, &r, err, sizeof(err)) != 0) {
		/* Every refusal names the place, and leaves *out alone. */
		if (strncmp(err, "column ", 7) != 0)
			abort();
		if (memcmp(&r, &before, sizeof(r)) != 0)
			abort();
		return;
	}
	if (r.chip[0] == '\0' || r.feature[0] == '\0' ||
	    (!r.has_min && !r.has_max))
		abort();
	if ((r.has_min && !isfinite(r.min)) || (r.has_max && !isfinite(r.max)))
		abort();
	if (r.has_min && r.has_max && r.min >= r.max)
		abort();
	/* A parsed rule can be matched against anything. */
	(void)hwmon_limit_rule_matches(&r, text, text, text);
}

static void fuzz_value(const char *data, size_t size)
{
	char err[96];
	long long v;

	err[0] = '\0';
	if (hwmon_parse_sysfs_value(data, size, &v, err, sizeof(err)) != 0 &&
	    err[0] == '\0')
		abort();
}

static void fuzz_label(const char *text)
{
	char out[HWMON_LABEL_MAX];

	hwmon_dimm_from_label(text, out, sizeof(out));
	if (out[0] != '\0' && strcasestr(out, "dimm") == NULL)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0)
		return 0;
	/* The first byte picks the parser; the rest is its input. */
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	switch (data[0] % 3) {
	case 0:
		fuzz_rule(text);
		break;
	case 1:
		fuzz_value((const char *)data + 1, size - 1);
		break;
	default:
		fuzz_label(text);
		break;
	}
	free(text);
	return 0;
}

/* fuzz_smbios.c - libFuzzer target: arbitrary bytes as a raw SMBIOS
 * type 17/20 structure through the DIMM map's entry parser. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "mce/dimm_map_int.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_str(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	check(n < cap);
	for (; *s != '\0'; s++)
		check((unsigned char)*s >= 0x20 && *s != 0x7f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct smbios_entry e;
	char why[160];
	int rc;

	why[0] = '\0';
	rc = smbios_parse_entry(data, size, &e, why, sizeof(why));
	check(rc >= -1 && rc <= 1);
	if (rc == -1) {
		check(why[0] != '\0');
		return 0;
	}
	if (rc == 1) {
		check(e.type != SMBIOS_TYPE_MEM_DEVICE &&
		      e.type != SMBIOS_TYPE_MEM_MAPPED);
		return 0;
	}
	if (e.type == SMBIOS_TYPE_MEM_DEVICE) {
		check_str(e.u.dev.locator, sizeof(e.u.dev.locator));
		check_str(e.u.dev.bank, sizeof(e.u.dev.bank));
		check_str(e.u.dev.manufacturer, sizeof(e.u.dev.manufacturer));
		check_str(e.u.dev.serial, sizeof(e.u.dev.serial));
		check_str(e.u.dev.part, sizeof(e.u.dev.part));
		check(smbios_mem_type_name(e.u.dev.mem_type) != NULL);
	} else {
		check(e.type == SMBIOS_TYPE_MEM_MAPPED);
		check(e.u.map.len != 0);
		check(e.u.map.start + (e.u.map.len - 1) >= e.u.map.start);
	}
	return 0;
}

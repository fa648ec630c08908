/* fuzz_linux.c - libFuzzer target: the Linux backend's own parsers, the
 * memory_failure_event binder with its print fmt tables, CPU lists and
 * kernel uevents. First byte mod 3: 0 format+event, 1 CPU list, 2 uevent. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/linux/linux_int.h"

static void check(bool ok)
{
	if (!ok)
		__builtin_trap();
}

static void check_string(const char *s, size_t cap)
{
	size_t i;

	check(memchr(s, '\0', cap) != NULL);
	for (i = 0; s[i] != '\0'; i++)
		check((unsigned char)s[i] >= 0x20);
}

/* A format file, then a NUL, then the bytes of one event. */
static void fuzz_memory_failure(const char *text, size_t len)
{
	static struct tracefs_format fmt;
	static struct linux_mf_map map;
	const char *nul = memchr(text, '\0', len);
	size_t flen = nul != NULL ? (size_t)(nul - text) : len;
	struct linux_mf_event e;
	char err[256], desc[160];
	size_t i;

	if (tracefs_format_parse(text, flen, "fuzz", &fmt, NULL, err,
	                         sizeof(err)) != 0) {
		check_string(err, sizeof(err));
		return;
	}
	if (linux_mf_bind(&fmt, text, flen, &map, err, sizeof(err)) != 0) {
		check_string(err, sizeof(err));
		return;
	}
	check(map.types.n <= LINUX_MF_NAMES && map.results.n <= LINUX_MF_NAMES);
	for (i = 0; i < map.types.n; i++)
		check_string(map.types.name[i], LINUX_MF_NAME_MAX);
	if (nul == NULL)
		return;
	if (linux_mf_decode(&map, nul + 1, len - flen - 1, &e, err,
	                    sizeof(err)) != 0) {
		check_string(err, sizeof(err));
		return;
	}
	linux_mf_describe(&map, &e, desc, sizeof(desc));
	check_string(desc, sizeof(desc));
}

static void fuzz_cpulist(const char *text)
{
	uint32_t n = 0;

	if (linux_cpulist_extent(text, &n) == 0)
		check(n >= 1 && n <= 8192);
}

static void fuzz_uevent(const char *buf, size_t len)
{
	uint32_t cpu = 0;
	bool online = false;

	if (linux_uevent_parse(buf, len, &cpu, &online) == 1)
		check(memmem(buf, len, "SUBSYSTEM=cpu", 13) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size < 1 || size > 65536)
		return 0;
	/* a copy with a NUL after it: both parsers may read to the end */
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] % 3 == 1)
		fuzz_cpulist(text);
	else if (data[0] % 3 == 2)
		fuzz_uevent(text, size - 1);
	else
		fuzz_memory_failure(text, size - 1);
	free(text);
	return 0;
}

/* test_dimm_map.c - the DIMM map over fake EDAC and DMI trees in a temp
 * dir, with SMBIOS structures built byte by byte per DSP0134. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "mce/dimm_map.h"
#include "mce/dimm_map_int.h"

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* Filesystem helpers: every test gets its own root. */

static void mkdirs(const char *path)
{
	char buf[512], *p;

	snprintf(buf, sizeof(buf), "%s", path);
	for (p = buf + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(buf, 0755);
		*p = '/';
	}
	mkdir(buf, 0755);
}

static void put(const char *root, const char *rel, const void *data, size_t len)
{
	char path[512], dir[512], *slash;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	mkdirs(dir);
	assert_non_null(f = fopen(path, "wb"));
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

static void puts_attr(const char *root, const char *rel, const char *text)
{
	char line[256];

	/* sysfs attributes end in a newline, as the kernel prints them. */
	snprintf(line, sizeof(line), "%s\n", text);
	put(root, rel, line, strlen(line));
}

static int rm_one(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int setup(void **state)
{
	char *root = strdup("/tmp/test_dimm_map.XXXXXX");

	if (root == NULL || mkdtemp(root) == NULL)
		return -1;
	*state = root;
	return 0;
}

static int teardown(void **state)
{
	nftw(*state, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(*state);
	return 0;
}

/* SMBIOS structure builders: byte by byte, little-endian. */

static void w16(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = v >> 8;
}

static void w32(uint8_t *p, uint32_t v)
{
	w16(p, v & 0xffff);
	w16(p + 2, v >> 16);
}

static void w64(uint8_t *p, uint64_t v)
{
	w32(p, (uint32_t)v);
	w32(p + 4, (uint32_t)(v >> 32));
}

/* Append strings (NULL-terminated list) and the closing NUL. */
static size_t add_strings(uint8_t *buf, size_t at, const char *const *s)
{
	size_t n;

	if (s[0] == NULL) {
		buf[at++] = 0;
		buf[at++] = 0;
		return at;
	}
	for (; *s != NULL; s++) {
		n = strlen(*s) + 1;
		memcpy(buf + at, *s, n);
		at += n;
	}
	buf[at++] = 0;
	return at;
}

/*
 * A 2.8-style (length 28h) type 17: locator string 1, bank 2,
 * manufacturer 3, serial 4, part 5; DDR4 at 2666 MT/s.
 */
static size_t t17(uint8_t *b, uint16_t handle, uint16_t size, uint32_t ext,
                  const char *loc, const char *bank)
{
	const char *const strs[] = {
	    loc, bank, "Samsung", "S3R1AL", "M393A2K43BB1-CTD", NULL};

	memset(b, 0, 0x28);
	b[0x00] = 17;
	b[0x01] = 0x28;
	w16(b + 0x02, handle);
	w16(b + 0x04, 0x1000); /* physical memory array */
	w16(b + 0x06, 0xFFFE); /* no error information */
	w16(b + 0x08, 72);     /* total width, with ECC */
	w16(b + 0x0A, 64);     /* data width */
	w16(b + 0x0C, size);
	b[0x0E] = 0x09;        /* form factor: DIMM */
	b[0x10] = 1;           /* device locator */
	b[0x11] = 2;           /* bank locator */
	b[0x12] = 0x1A;        /* DDR4 */
	w16(b + 0x13, 0x2080); /* synchronous, registered */
	w16(b + 0x15, 2666);   /* speed */
	b[0x17] = 3;           /* manufacturer */
	b[0x18] = 4;           /* serial */
	b[0x19] = 0;           /* asset tag: none */
	b[0x1A] = 5;           /* part number */
	b[0x1B] = 2;           /* rank 2 */
	w32(b + 0x1C, ext);    /* extended size, MiB */
	w16(b + 0x20, 2400);   /* configured speed */
	return add_strings(b, 0x28, strs);
}

/* A 2.7-style (length 23h) type 20 in KB, or extended when s_kb is ~0. */
static size_t t20(uint8_t *b, uint16_t handle, uint32_t s_kb, uint32_t e_kb,
                  uint64_t s_ext, uint64_t e_ext, uint16_t dev)
{
	const char *const none[] = {NULL};

	memset(b, 0, 0x23);
	b[0x00] = 20;
	b[0x01] = 0x23;
	w16(b + 0x02, handle);
	w32(b + 0x04, s_kb);
	w32(b + 0x08, e_kb);
	w16(b + 0x0C, dev);
	w16(b + 0x0E, 0x1300); /* type 19 */
	b[0x10] = 0xFF;        /* row position unknown */
	b[0x11] = 0;           /* not interleaved */
	b[0x12] = 0;
	w64(b + 0x13, s_ext);
	w64(b + 0x1B, e_ext);
	return add_strings(b, 0x23, none);
}

static void put_raw(const char *root, const char *entry, const uint8_t *b,
                    size_t len)
{
	char rel[128];

	snprintf(rel, sizeof(rel), "sys/firmware/dmi/entries/%s/raw", entry);
	put(root, rel, b, len);
}

/* Two type 17s and their type 20s: 0-16 GiB and 16-32 GiB. */
static void smbios_tree(const char *root)
{
	uint8_t b[512];
	size_t n;

	n = t17(b, 0x1100, 16384, 0, "CPU0_DIMM_A1", "P0_Node0_Channel0_Dimm0");
	put_raw(root, "17-0", b, n);
	n = t17(b, 0x1101, 0x7FFF, 16384, "CPU0_DIMM_B1",
	        "P0_Node0_Channel0_Dimm0");
	put_raw(root, "17-1", b, n);
	/* 16 GiB is 0x1000000 KB; the ending address is the last KB. */
	n = t20(b, 0x1400, 0, 0x00FFFFFF, 0, 0, 0x1100);
	put_raw(root, "20-0", b, n);
	n = t20(b, 0x1401, 0xFFFFFFFF, 0, 16 * GiB, 32 * GiB - 1, 0x1101);
	put_raw(root, "20-1", b, n);
}

static void edac_dimm(const char *root, int mc, int dimm, const char *label,
                      const char *loc)
{
	char rel[160];

	snprintf(rel, sizeof(rel), "sys/devices/system/edac/mc/mc%d/dimm%d", mc,
	         dimm);
#define ATTR(name, text)                                                       \
	do {                                                                   \
		char p_[200];                                                  \
		snprintf(p_, sizeof(p_), "%s/%s", rel, name);                  \
		puts_attr(root, p_, text);                                     \
	} while (0)
	ATTR("dimm_label", label);
	ATTR("dimm_location", loc);
	ATTR("size", "16384");
	ATTR("dimm_mem_type", "Registered-DDR4");
	ATTR("dimm_edac_mode", "SECDED");
	ATTR("dimm_dev_type", "x4");
	ATTR("dimm_ce_count", "0");
	ATTR("dimm_ue_count", "0");
#undef ATTR
}

/* 2 controllers x 2 DIMMs; mc0's labels are in ghes_edac's form. */
static void edac_tree(const char *root)
{
	puts_attr(root, "sys/devices/system/edac/mc/mc0/mc_name",
	          "Skylake Socket#0 IMC#0");
	puts_attr(root, "sys/devices/system/edac/mc/mc1/mc_name",
	          "Skylake Socket#0 IMC#1");
	puts_attr(root, "sys/devices/system/edac/mc/mc0/size_mb", "32768");
	edac_dimm(root, 0, 0, "P0_Node0_Channel0_Dimm0 CPU0_DIMM_A1",
	          "channel 0 slot 0");
	edac_dimm(root, 0, 1, "CPU0_DIMM_B1", "channel 1 slot 0");
	edac_dimm(root, 1, 0, "CPU0_DIMM_C1", "csrow 0 channel 0");
	edac_dimm(root, 1, 1, "CPU0_DIMM_D1", "csrow 0 channel 1");
}

static struct dimm_map *build(const char *root, const struct dimm_policy *p,
                              size_t n)
{
	struct dimm_map *m;
	char err[128];

	assert_int_equal(dimm_map_build(&m, root, p, n, err, sizeof(err)), 0);
	assert_non_null(m);
	return m;
}

static int has_warning(const struct dimm_map *m, const char *want)
{
	size_t i;

	for (i = 0; i < dimm_map_warnings(m); i++)
		if (strstr(dimm_map_warning(m, i), want) != NULL)
			return 1;
	return 0;
}

/* The parser, straight. */

static void parses_type17(void **state)
{
	struct smbios_entry e;
	uint8_t b[512];
	char why[160];
	size_t n;

	(void)state;
	n = t17(b, 0x1100, 16384, 0, "CPU0_DIMM_A1", "P0_Node0_Channel0_Dimm0");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_int_equal(e.type, 17);
	assert_int_equal(e.u.dev.handle, 0x1100);
	assert_string_equal(e.u.dev.locator, "CPU0_DIMM_A1");
	assert_string_equal(e.u.dev.bank, "P0_Node0_Channel0_Dimm0");
	assert_string_equal(e.u.dev.manufacturer, "Samsung");
	assert_string_equal(e.u.dev.serial, "S3R1AL");
	assert_string_equal(e.u.dev.part, "M393A2K43BB1-CTD");
	assert_true(e.u.dev.size == 16 * GiB);
	assert_int_equal(e.u.dev.speed, 2666);
	assert_string_equal(smbios_mem_type_name(e.u.dev.mem_type), "DDR4");
	assert_true(e.u.dev.installed);
}

static void type17_size_encodings(void **state)
{
	struct smbios_entry e;
	uint8_t b[512];
	char why[160];
	size_t n;

	(void)state;
	/* 7FFFh: Extended Size at 1Ch, in MiB: 64 GiB here. */
	n = t17(b, 1, 0x7FFF, 65536, "A", "B");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_true(e.u.dev.size == 64 * GiB);
	/* Bit 15 set: KB units. */
	n = t17(b, 1, 0x8000 | 512, 0, "A", "B");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_true(e.u.dev.size == 512 * 1024);
	/* FFFFh: unknown size, still a device. */
	n = t17(b, 1, 0xFFFF, 0, "A", "B");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_true(e.u.dev.size == 0);
	assert_true(e.u.dev.installed);
	/* 0: an empty socket. */
	n = t17(b, 1, 0, 0, "A", "B");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_false(e.u.dev.installed);
	/* A 2.1 structure (length 15h) has no speed or part number. */
	n = t17(b, 1, 8192, 0, "A", "B");
	b[1] = 0x15;
	memmove(b + 0x15, b + 0x28, n - 0x28);
	n -= 0x28 - 0x15;
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_true(e.u.dev.size == 8 * GiB);
	assert_int_equal(e.u.dev.speed, 0);
	assert_string_equal(e.u.dev.part, "");
	/* Speed FFFFh without the 3.3 Extended Speed field: unknown. */
	n = t17(b, 1, 8192, 0, "A", "B");
	w16(b + 0x15, 0xFFFF);
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_int_equal(e.u.dev.speed, 0);
}

static void parses_type20(void **state)
{
	struct smbios_entry e;
	uint8_t b[128];
	char why[160];
	size_t n;

	(void)state;
	n = t20(b, 0x1400, 0, 0x00FFFFFF, 0, 0, 0x1100);
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_int_equal(e.u.map.device, 0x1100);
	assert_true(e.u.map.start == 0);
	assert_true(e.u.map.len == 16 * GiB);
	n = t20(b, 0x1401, 0xFFFFFFFF, 0, 16 * GiB, 32 * GiB - 1, 0x1101);
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_true(e.u.map.start == 16 * GiB);
	assert_true(e.u.map.len == 16 * GiB);
	/* Other types are framed but ignored. */
	b[0] = 19;
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 1);
}

static void expect_bad(const uint8_t *b, size_t n, const char *want)
{
	struct smbios_entry e;
	char why[160] = "";

	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), -1);
	if (strstr(why, want) == NULL)
		fail_msg("got '%s', want '%s'", why, want);
}

static void rejects_malformed(void **state)
{
	uint8_t b[512];
	size_t n;

	(void)state;
	n = t17(b, 1, 16384, 0, "A", "B");
	expect_bad(b, 3, "shorter than a header");
	b[1] = 2;
	expect_bad(b, n, "shorter than a header");
	b[1] = 0x28;
	/* Formatted area longer than the file. */
	expect_bad(b, 0x20, "claims a 0x28-byte formatted area");
	/* Strings with no double NUL: cut the last NUL. */
	expect_bad(b, n - 1, "double NUL");
	/* No strings and only one NUL. */
	expect_bad(b, 0x29, "double NUL");
	/* String index past the set. */
	b[0x11] = 9;
	expect_bad(b, n, "bank locator string 9 out of range (5 strings)");
	b[0x11] = 2;
	b[0x1A] = 6;
	expect_bad(b, n, "part number string 6 out of range");
	/* Shorter than 2.1's type 17. */
	n = t17(b, 1, 16384, 0, "A", "B");
	b[1] = 0x14;
	expect_bad(b, n, "below the 2.1 minimum");

	n = t20(b, 1, 0xFFFFFFFF, 0, 0, 0, 1);
	b[1] = 0x13;
	expect_bad(b, n, "extended addresses");
	n = t20(b, 1, 0x2000, 0x1000, 0, 0, 1);
	expect_bad(b, n, "before it starts");
	n = t20(b, 1, 0xFFFFFFFF, 0, 0, UINT64_MAX, 1);
	expect_bad(b, n, "maps everything");
	n = t20(b, 1, 0, 0, 0, 0, 1);
	b[1] = 0x12;
	expect_bad(b, n, "below the 2.1 minimum");
}

/* Strings are made safe to print, and firmware padding goes. */
static void cleans_strings(void **state)
{
	struct smbios_entry e;
	uint8_t b[512];
	char why[160];
	size_t n;

	(void)state;
	n = t17(b, 1, 16384, 0, "  DIMM\033[2J  ", "B");
	assert_int_equal(smbios_parse_entry(b, n, &e, why, sizeof(why)), 0);
	assert_string_equal(e.u.dev.locator, "DIMM?[2J");
}

/* Whole maps. */

static void smbios_only(void **state)
{
	const struct dimm_entry *d;
	struct dimm_map *m;

	smbios_tree(*state);
	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 2);
	assert_int_equal(dimm_map_warnings(m), 0);
	assert_non_null(d = dimm_map_lookup_addr(m, 0x1234000));
	assert_int_equal(d->source, DIMM_SRC_SMBIOS);
	assert_string_equal(d->label, "CPU0_DIMM_A1");
	assert_string_equal(d->bank, "P0_Node0_Channel0_Dimm0");
	assert_true(d->size == 16 * GiB);
	assert_non_null(d = dimm_map_lookup_addr(m, 16 * GiB - 1));
	assert_string_equal(d->label, "CPU0_DIMM_A1");
	assert_non_null(d = dimm_map_lookup_addr(m, 16 * GiB));
	assert_string_equal(d->label, "CPU0_DIMM_B1");
	assert_true(d->size == 16 * GiB); /* from Extended Size */
	assert_true(d->has_range && d->start == 16 * GiB &&
	            d->range_len == 16 * GiB);
	assert_null(dimm_map_lookup_addr(m, 32 * GiB));
	dimm_map_free(m);
}

static void edac_label_wins(void **state)
{
	const struct dimm_entry *d;
	struct dimm_entry guess;
	struct dimm_map *m;

	smbios_tree(*state);
	edac_tree(*state);
	m = build(*state, NULL, 0);
	/* A1 and B1 merge into mc0's DIMMs; mc1's stay EDAC-only. */
	assert_int_equal(dimm_map_count(m), 4);
	assert_int_equal(dimm_map_warnings(m), 0);
	assert_non_null(d = dimm_map_lookup_addr(m, 4 * GiB));
	assert_int_equal(d->source, DIMM_SRC_EDAC);
	assert_string_equal(d->label, "P0_Node0_Channel0_Dimm0 CPU0_DIMM_A1");
	assert_string_equal(d->locator, "CPU0_DIMM_A1");
	assert_string_equal(d->serial, "S3R1AL");
	assert_string_equal(d->mc_name, "Skylake Socket#0 IMC#0");
	assert_int_equal(d->controller, 0);
	assert_int_equal(d->channel, 0);
	assert_int_equal(d->slot, 0);
	assert_non_null(d = dimm_map_lookup_addr(m, 20 * GiB));
	assert_int_equal(d->source, DIMM_SRC_EDAC);
	assert_string_equal(d->label, "CPU0_DIMM_B1");
	assert_int_equal(d->channel, 1);
	/* Location lookups reach the EDAC-only DIMMs too. */
	d = dimm_map_lookup_loc(m, 0, 1, 1, -1, &guess);
	assert_int_equal(d->source, DIMM_SRC_EDAC);
	assert_string_equal(d->label, "CPU0_DIMM_D1");
	assert_string_equal(d->locator, "csrow 0 channel 1");
	assert_string_equal(d->mem_type, "Registered-DDR4");
	assert_string_equal(d->edac_mode, "SECDED");
	assert_int_equal(d->slot, 0);
	assert_true(d->size == 16 * GiB);
	assert_false(d->has_range);
	d = dimm_map_lookup_loc(m, 0, 0, 0, 0, &guess);
	assert_string_equal(d->label, "P0_Node0_Channel0_Dimm0 CPU0_DIMM_A1");
	dimm_map_free(m);
}

/* A label matching no locator keeps both entries apart. */
static void unmatched_labels_stay_apart(void **state)
{
	const struct dimm_entry *d;
	struct dimm_map *m;

	smbios_tree(*state);
	edac_dimm(*state, 0, 0, "CPU_SrcID#0_MC#0_Chan#0_DIMM#0",
	          "channel 0 slot 0");
	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 3);
	assert_non_null(d = dimm_map_lookup_addr(m, 0));
	assert_int_equal(d->source, DIMM_SRC_SMBIOS);
	assert_string_equal(d->label, "CPU0_DIMM_A1");
	dimm_map_free(m);
}

static void edac_only(void **state)
{
	const struct dimm_entry *d;
	struct dimm_entry guess;
	struct dimm_map *m;

	edac_tree(*state);
	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 4);
	assert_null(dimm_map_lookup_addr(m, 0)); /* EDAC maps no ranges */
	d = dimm_map_lookup_loc(m, -1, 0, 1, -1, &guess);
	assert_int_equal(d->source, DIMM_SRC_EDAC);
	assert_string_equal(d->label, "CPU0_DIMM_B1");
	assert_string_equal(d->locator, "channel 1 slot 0");
	dimm_map_free(m);
}

static const struct dimm_policy policy[] = {
    {"DIMM_P0", 0, 0, 0, 0, 0, 8 * GiB},
    {"DIMM_P1", 0, 0, 1, 0, 8 * GiB, 8 * GiB},
    {"DIMM_Q", 1, 0, 0, -1, 64 * GiB, 4 * GiB},
};

static void policy_when_alone(void **state)
{
	const struct dimm_entry *d;
	struct dimm_entry guess;
	struct dimm_map *m;

	m = build(*state, policy, 3);
	assert_int_equal(dimm_map_count(m), 3);
	assert_non_null(d = dimm_map_lookup_addr(m, 9 * GiB));
	assert_int_equal(d->source, DIMM_SRC_POLICY);
	assert_string_equal(d->label, "DIMM_P1");
	d = dimm_map_lookup_loc(m, 1, 0, 0, -1, &guess);
	assert_string_equal(d->label, "DIMM_Q");
	/* The socket tells DIMM_P0 and DIMM_Q apart. */
	d = dimm_map_lookup_loc(m, 0, 0, 0, -1, &guess);
	assert_string_equal(d->label, "DIMM_P0");
	assert_string_equal(dimm_source_name(d->source), "policy");
	dimm_map_free(m);
}

static void policy_yields_to_firmware(void **state)
{
	const struct dimm_entry *d;
	struct dimm_entry guess;
	struct dimm_map *m;

	smbios_tree(*state);
	edac_tree(*state);
	m = build(*state, policy, 3);
	assert_int_equal(dimm_map_count(m), 7);
	/* SMBIOS maps 9 GiB: it beats DIMM_P1's overlapping range. */
	d = dimm_map_lookup_addr(m, 9 * GiB);
	assert_int_equal(d->source, DIMM_SRC_EDAC);
	/* Only the policy maps 64 GiB. */
	d = dimm_map_lookup_addr(m, 64 * GiB + 5);
	assert_string_equal(d->label, "DIMM_Q");
	/* EDAC knows mc0 channel 1 better than the policy does. */
	d = dimm_map_lookup_loc(m, 0, 0, 1, -1, &guess);
	assert_string_equal(d->label, "CPU0_DIMM_B1");
	dimm_map_free(m);
}

static void guesses(void **state)
{
	const struct dimm_entry *d;
	struct dimm_entry guess;
	struct dimm_map *m;

	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 0);
	d = dimm_map_lookup_loc(m, 0, 1, 2, -1, &guess);
	assert_ptr_equal(d, &guess);
	assert_int_equal(d->source, DIMM_SRC_GUESS);
	assert_string_equal(d->label,
	                    "socket 0 controller 1 channel 2 (guess)");
	assert_string_equal(dimm_source_name(d->source), "guess");
	assert_null(dimm_map_lookup_addr(m, 0));
	dimm_map_free(m);

	/* Two DIMMs on one channel and no slot: a guess, not a pick. */
	edac_dimm(*state, 0, 0, "A", "channel 0 slot 0");
	edac_dimm(*state, 0, 1, "B", "channel 0 slot 1");
	m = build(*state, NULL, 0);
	d = dimm_map_lookup_loc(m, 0, 0, 0, -1, &guess);
	assert_int_equal(d->source, DIMM_SRC_GUESS);
	d = dimm_map_lookup_loc(m, 0, 0, 0, 1, &guess);
	assert_string_equal(d->label, "B");
	dimm_map_free(m);
}

/* Interleaved: one range, two DIMMs; the address cannot choose. */
static void interleave_is_ambiguous(void **state)
{
	uint8_t b[512];
	struct dimm_map *m;
	size_t n;

	n = t17(b, 0x10, 8192, 0, "DIMM_A", "BANK 0");
	put_raw(*state, "17-0", b, n);
	n = t17(b, 0x11, 8192, 0, "DIMM_B", "BANK 1");
	put_raw(*state, "17-1", b, n);
	n = t20(b, 0x20, 0, 0x00FFFFFF, 0, 0, 0x10);
	b[0x11] = 1;
	put_raw(*state, "20-0", b, n);
	n = t20(b, 0x21, 0, 0x00FFFFFF, 0, 0, 0x11);
	b[0x11] = 2;
	put_raw(*state, "20-1", b, n);
	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 2);
	assert_null(dimm_map_lookup_addr(m, 4096));
	dimm_map_free(m);
}

static void bad_files_are_skipped(void **state)
{
	const struct dimm_entry *d;
	struct dimm_map *m;
	uint8_t b[512];
	size_t n;

	smbios_tree(*state);
	n = t17(b, 0x1102, 16384, 0, "CPU0_DIMM_C1", "X");
	put_raw(*state, "17-2", b, 0x20);  /* truncated */
	put_raw(*state, "17-3", b, n - 1); /* no double NUL */
	b[0x10] = 7;
	put_raw(*state, "17-4", b, n); /* index out of range */
	put_raw(*state, "17-5", b, 0); /* empty */
	n = t20(b, 0x1402, 0, 0x10, 0, 0, 0x1199);
	put_raw(*state, "20-2", b, n); /* no such type 17 */
	put_raw(*state, "17-6", b, n); /* wrong type */
	n = t17(b, 0x1103, 0, 0, "CPU0_DIMM_D1", "X");
	put_raw(*state, "17-7", b, n); /* empty socket: silent */
	{
		char p[512];

		snprintf(p, sizeof(p),
		         "%s/sys/devices/system/edac/mc/mc0/dimm9",
		         (char *)*state);
		mkdirs(p); /* no attributes */
	}
	m = build(*state, NULL, 0);
	assert_int_equal(dimm_map_count(m), 2);
	assert_int_equal(dimm_map_warnings(m), 7);
	assert_true(has_warning(m, "smbios 17-2: type 17 claims a 0x28-byte"));
	assert_true(has_warning(m, "smbios 17-3: string set not ended"));
	assert_true(has_warning(m, "smbios 17-4: device locator string 7"));
	assert_true(has_warning(m, "smbios 17-5: 0 bytes"));
	assert_true(has_warning(m, "smbios 17-6: holds type 20"));
	assert_true(has_warning(m, "smbios 20-2: device handle 0x1199"));
	assert_true(has_warning(m, "edac mc0 dimm9: no dimm_location"));
	assert_null(dimm_map_warning(m, 7));
	assert_non_null(d = dimm_map_lookup_addr(m, 0));
	assert_string_equal(d->label, "CPU0_DIMM_A1");
	dimm_map_free(m);
}

static void missing_trees_are_empty(void **state)
{
	struct dimm_map *m;
	char root[512];

	snprintf(root, sizeof(root), "%s/nonexistent", (char *)*state);
	m = build(root, NULL, 0);
	assert_int_equal(dimm_map_count(m), 0);
	assert_int_equal(dimm_map_warnings(m), 0);
	assert_null(dimm_map_get(m, 0));
	dimm_map_free(m);
}

static void source_names(void **state)
{
	(void)state;
	assert_string_equal(dimm_source_name(DIMM_SRC_EDAC), "edac");
	assert_string_equal(dimm_source_name(DIMM_SRC_SMBIOS), "smbios");
	assert_string_equal(dimm_source_name(DIMM_SRC_POLICY), "policy");
	assert_string_equal(dimm_source_name(DIMM_SRC_GUESS), "guess");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_type17),
	    cmocka_unit_test(type17_size_encodings),
	    cmocka_unit_test(parses_type20),
	    cmocka_unit_test(rejects_malformed),
	    cmocka_unit_test(cleans_strings),
	    cmocka_unit_test(source_names),
	    cmocka_unit_test_setup_teardown(smbios_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(edac_label_wins, setup, teardown),
	    cmocka_unit_test_setup_teardown(unmatched_labels_stay_apart, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(edac_only, setup, teardown),
	    cmocka_unit_test_setup_teardown(policy_when_alone, setup, teardown),
	    cmocka_unit_test_setup_teardown(policy_yields_to_firmware, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(guesses, setup, teardown),
	    cmocka_unit_test_setup_teardown(interleave_is_ambiguous, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(bad_files_are_skipped, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(missing_trees_are_empty, setup,
	                                    teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

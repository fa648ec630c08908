/* dimm_map_smbios.c - parses raw SMBIOS Memory Device (type 17) and
 * Memory Device Mapped Address (type 20) structures, trusting no byte. */
#include <stdio.h>
#include <string.h>

#include "mce/dimm_map_int.h"

/*
 * Offsets are from DMTF DSP0134 (SMBIOS Reference Specification 3.x):
 * 6.1.2 "Structure header format" and 6.1.3 "Text strings"; 7.18
 * "Memory Device (Type 17)"; 7.21 "Memory Device Mapped Address
 * (Type 20)". All fields are little-endian.
 */
#define HDR_LEN 4 /* 00h type, 01h length, 02h handle (WORD) */

#define T17_SIZE      0x0C   /* WORD; 2.1+ */
#define T17_LOCATOR   0x10   /* STRING: device locator */
#define T17_BANK      0x11   /* STRING: bank locator */
#define T17_TYPE      0x12   /* BYTE: 7.18.2 */
#define T17_MIN_LEN   0x15   /* 2.1 ends after Type Detail (13h, WORD) */
#define T17_SPEED     0x15   /* WORD, MT/s; 2.3+ */
#define T17_MFR       0x17   /* STRING */
#define T17_SERIAL    0x18   /* STRING */
#define T17_PART      0x1A   /* STRING; 19h is the asset tag */
#define T17_LEN_23    0x1B   /* 2.3 ends after Part Number */
#define T17_EXT_SIZE  0x1C   /* DWORD, MiB in bits 30:0; 2.7+ */
#define T17_LEN_27    0x20   /* enough for Extended Size */
#define T17_EXT_SPEED 0x54   /* DWORD, MT/s; 3.3+ */
#define T17_LEN_33    0x58   /* enough for Extended Speed */
#define T17_SIZE_NONE 0x0000 /* no device installed in the socket */
#define T17_SIZE_UNK  0xFFFF
#define T17_SIZE_EXT  0x7FFF /* look at Extended Size */
#define T17_SIZE_KB   0x8000 /* bit 15: units are KB, not MB */
#define T17_SPEED_EXT 0xFFFF /* look at Extended Speed */

#define T20_START     0x04 /* DWORD, KB */
#define T20_END       0x08 /* DWORD, KB: the last KB of the range */
#define T20_DEVICE    0x0C /* WORD: handle of the type 17 */
#define T20_ARRAY_MAP 0x0E /* WORD: handle of the type 19 */
#define T20_ROW       0x10 /* BYTE: partition row position */
#define T20_ILV_POS   0x11 /* BYTE: interleave position */
#define T20_ILV_DEPTH 0x12 /* BYTE: interleaved data depth */
#define T20_MIN_LEN   0x13 /* 2.1 */
#define T20_EXT_START 0x13 /* QWORD, bytes; 2.7+ */
#define T20_EXT_END   0x1B /* QWORD, bytes: the last byte */
#define T20_LEN_27    0x23
#define T20_USE_EXT   0xFFFFFFFFu /* Starting Address: see the QWORDs */

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* The string set after the formatted area: where each string starts. */
struct strset {
	const char *s[255]; /* a string number is a BYTE, 1-based */
	size_t n;
};

/*
 * 6.1.3: strings are NUL-terminated and the set ends with one more NUL;
 * a structure without strings is followed by two NULs. Anything that
 * runs off the buffer first is malformed.
 */
static int strset_scan(const uint8_t *p, size_t len, struct strset *ss,
                       char *why, size_t whylen)
{
	size_t i = 0;

	ss->n = 0;
	if (len >= 2 && p[0] == 0 && p[1] == 0)
		return 0;
	while (i < len && p[i] != 0) {
		const uint8_t *nul = memchr(p + i, 0, len - i);

		if (nul == NULL)
			break;
		if (ss->n < sizeof(ss->s) / sizeof(ss->s[0]))
			ss->s[ss->n++] = (const char *)(p + i);
		i = (size_t)(nul - p) + 1;
	}
	if (i < len && p[i] == 0 && i > 0)
		return 0;
	snprintf(why, whylen, "string set not ended by a double NUL");
	return -1;
}

/*
 * Copy string number idx (0 means none) into dst, making control bytes
 * '?' so a hostile BIOS string cannot forge output lines, and dropping
 * the trailing blanks firmware pads with.
 */
static int strset_get(const struct strset *ss, uint8_t idx, char *dst,
                      size_t dstlen, const char *field, char *why,
                      size_t whylen)
{
	const char *s;
	size_t i, n;

	dst[0] = '\0';
	if (idx == 0)
		return 0;
	if (idx > ss->n) {
		snprintf(why, whylen, "%s string %u out of range (%zu strings)",
		         field, idx, ss->n);
		return -1;
	}
	s = ss->s[idx - 1];
	for (n = 0; s[n] != '\0' && n + 1 < dstlen; n++) {
		unsigned char c = (unsigned char)s[n];

		dst[n] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
	}
	while (n > 0 && dst[n - 1] == ' ')
		n--;
	dst[n] = '\0';
	for (i = 0; i < n && dst[i] == ' '; i++)
		;
	if (i > 0)
		memmove(dst, dst + i, n - i + 1);
	return 0;
}

static int parse_device(const uint8_t *b, uint8_t flen, const struct strset *ss,
                        struct smbios_mem_device *d, char *why, size_t whylen)
{
	uint16_t size;

	if (flen < T17_MIN_LEN) {
		snprintf(why, whylen,
		         "type 17 length 0x%02x below the 2.1 minimum 0x%02x",
		         flen, T17_MIN_LEN);
		return -1;
	}
	d->handle = le16(b + 2);
	if (strset_get(ss, b[T17_LOCATOR], d->locator, sizeof(d->locator),
	               "device locator", why, whylen) == -1 ||
	    strset_get(ss, b[T17_BANK], d->bank, sizeof(d->bank),
	               "bank locator", why, whylen) == -1)
		return -1;
	d->mem_type = b[T17_TYPE];

	size = le16(b + T17_SIZE);
	d->installed = size != T17_SIZE_NONE;
	if (size == T17_SIZE_UNK)
		d->size = 0;
	else if (size == T17_SIZE_EXT && flen >= T17_LEN_27)
		d->size = (uint64_t)(le32(b + T17_EXT_SIZE) & 0x7FFFFFFFu)
		          << 20;
	else if (size & T17_SIZE_KB)
		d->size = (uint64_t)(size & 0x7FFF) << 10;
	else
		d->size = (uint64_t)size << 20;
	/* Extended Size 0 with the 7FFFh flag says nothing after all. */
	if (d->installed && d->size == 0 && size != T17_SIZE_UNK)
		d->installed = 0;

	if (flen >= T17_LEN_23) {
		d->speed = le16(b + T17_SPEED);
		if (d->speed == T17_SPEED_EXT)
			d->speed = flen >= T17_LEN_33
			               ? le32(b + T17_EXT_SPEED) & 0x7FFFFFFFu
			               : 0;
		if (strset_get(ss, b[T17_MFR], d->manufacturer,
		               sizeof(d->manufacturer), "manufacturer", why,
		               whylen) == -1 ||
		    strset_get(ss, b[T17_SERIAL], d->serial, sizeof(d->serial),
		               "serial number", why, whylen) == -1 ||
		    strset_get(ss, b[T17_PART], d->part, sizeof(d->part),
		               "part number", why, whylen) == -1)
			return -1;
	}
	return 0;
}

static int parse_mapped(const uint8_t *b, uint8_t flen,
                        struct smbios_mem_mapped *m, char *why, size_t whylen)
{
	uint32_t s32, e32;
	uint64_t start, last;

	if (flen < T20_MIN_LEN) {
		snprintf(why, whylen,
		         "type 20 length 0x%02x below the 2.1 minimum 0x%02x",
		         flen, T20_MIN_LEN);
		return -1;
	}
	m->handle = le16(b + 2);
	m->device = le16(b + T20_DEVICE);
	m->row = b[T20_ROW];
	m->interleave_pos = b[T20_ILV_POS];
	m->interleave_depth = b[T20_ILV_DEPTH];
	s32 = le32(b + T20_START);
	e32 = le32(b + T20_END);
	if (s32 == T20_USE_EXT) {
		if (flen < T20_LEN_27) {
			snprintf(why, whylen,
			         "type 20 asks for extended addresses but its "
			         "length 0x%02x has none",
			         flen);
			return -1;
		}
		start = le64(b + T20_EXT_START);
		last = le64(b + T20_EXT_END);
	} else {
		/* KB granules: the range ends with the last byte of e32. */
		start = (uint64_t)s32 << 10;
		last = ((uint64_t)e32 << 10) | 0x3FF;
	}
	if (last < start) {
		snprintf(why, whylen,
		         "type 20 handle 0x%04x ends (0x%llx) before it starts "
		         "(0x%llx)",
		         m->handle, (unsigned long long)last,
		         (unsigned long long)start);
		return -1;
	}
	if (last - start == UINT64_MAX) {
		snprintf(why, whylen, "type 20 handle 0x%04x maps everything",
		         m->handle);
		return -1;
	}
	m->start = start;
	m->len = last - start + 1;
	return 0;
}

int smbios_parse_entry(const uint8_t *buf, size_t len, struct smbios_entry *out,
                       char *why, size_t whylen)
{
	struct strset ss;
	uint8_t flen;

	memset(out, 0, sizeof(*out));
	if (len < HDR_LEN) {
		snprintf(why, whylen, "%zu bytes, shorter than a header", len);
		return -1;
	}
	out->type = buf[0];
	flen = buf[1];
	if (flen < HDR_LEN) {
		snprintf(why, whylen, "length 0x%02x shorter than a header",
		         flen);
		return -1;
	}
	if (flen > len) {
		snprintf(why, whylen,
		         "type %u claims a 0x%02x-byte formatted area in %zu "
		         "bytes",
		         out->type, flen, len);
		return -1;
	}
	if (strset_scan(buf + flen, len - flen, &ss, why, whylen) == -1)
		return -1;
	switch (out->type) {
	case SMBIOS_TYPE_MEM_DEVICE:
		return parse_device(buf, flen, &ss, &out->u.dev, why, whylen);
	case SMBIOS_TYPE_MEM_MAPPED:
		return parse_mapped(buf, flen, &out->u.map, why, whylen);
	default:
		return 1;
	}
}

const char *smbios_mem_type_name(uint8_t type)
{
	/* DSP0134 7.18.2 "Memory Device - Type"; 15h-17h are reserved. */
	static const char *const names[] = {
	    [0x01] = "Other",  [0x02] = "Unknown",
	    [0x03] = "DRAM",   [0x04] = "EDRAM",
	    [0x05] = "VRAM",   [0x06] = "SRAM",
	    [0x07] = "RAM",    [0x08] = "ROM",
	    [0x09] = "FLASH",  [0x0A] = "EEPROM",
	    [0x0B] = "FEPROM", [0x0C] = "EPROM",
	    [0x0D] = "CDRAM",  [0x0E] = "3DRAM",
	    [0x0F] = "SDRAM",  [0x10] = "SGRAM",
	    [0x11] = "RDRAM",  [0x12] = "DDR",
	    [0x13] = "DDR2",   [0x14] = "DDR2 FB-DIMM",
	    [0x18] = "DDR3",   [0x19] = "FBD2",
	    [0x1A] = "DDR4",   [0x1B] = "LPDDR",
	    [0x1C] = "LPDDR2", [0x1D] = "LPDDR3",
	    [0x1E] = "LPDDR4", [0x1F] = "Logical non-volatile device",
	    [0x20] = "HBM",    [0x21] = "HBM2",
	    [0x22] = "DDR5",   [0x23] = "LPDDR5",
	    [0x24] = "HBM3",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type] != NULL)
		return names[type];
	return "unknown";
}

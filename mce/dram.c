/* dram.c - DRAM coordinates: the EDAC driver's detail words, an address
 * map both ways, the geometry check and the names of the fault modes. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mce/dram.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

#define ROW_MAX    0xffffffu /* 24 bits in the packed form */
#define COLUMN_MAX 0xffffu
#define BANK_MAX   0xfu
#define RANK_MAX   0xffu
/* Row pages: column bits at or above the page bit each double them;
 * past this many the row is not enumerated. */
#define ROW_PAGE_BITS_MAX 16
#define PAGE_SHIFT        12

bool dram_coord_usable(const struct dram_coord *c)
{
	const uint8_t need = DRAM_HAVE_BANK | DRAM_HAVE_ROW | DRAM_HAVE_COLUMN;

	return !(c->have & DRAM_UNKNOWN) && (c->have & need) == need;
}

bool dram_same_bank(const struct dram_coord *a, const struct dram_coord *b)
{
	return a->rank == b->rank && a->bank_group == b->bank_group &&
	       a->bank == b->bank;
}

bool dram_same_row(const struct dram_coord *a, const struct dram_coord *b)
{
	return dram_same_bank(a, b) && a->row == b->row;
}

bool dram_same_cell(const struct dram_coord *a, const struct dram_coord *b)
{
	return dram_same_row(a, b) && a->column == b->column;
}

uint64_t dram_coord_pack(const struct dram_coord *c)
{
	if (c->have == 0)
		return 0;
	return (uint64_t)c->have | (uint64_t)c->rank << 8 |
	       (uint64_t)(c->bank_group & 0xf) << 16 |
	       (uint64_t)(c->bank & 0xf) << 20 |
	       (uint64_t)(c->row & ROW_MAX) << 24 | (uint64_t)c->column << 48;
}

void dram_coord_unpack(uint64_t v, struct dram_coord *c)
{
	c->have = (uint8_t)v;
	c->rank = (uint8_t)(v >> 8);
	c->bank_group = (uint8_t)((v >> 16) & 0xf);
	c->bank = (uint8_t)((v >> 20) & 0xf);
	c->row = (uint32_t)((v >> 24) & ROW_MAX);
	c->column = (uint16_t)(v >> 48);
}

int dram_coord_text(const struct dram_coord *c, char *buf, size_t len)
{
	if (!dram_coord_usable(c))
		return snprintf(buf, len, "unknown");
	if (c->have & DRAM_HAVE_BG)
		return snprintf(
		    buf, len, "rank %u bg %u bank %u row 0x%x col 0x%x",
		    c->rank, c->bank_group, c->bank, c->row, c->column);
	return snprintf(buf, len, "rank %u bank %u row 0x%x col 0x%x", c->rank,
	                c->bank, c->row, c->column);
}

void dram_geometry_max(struct dram_geometry *g)
{
	g->ranks = 8;
	g->bank_groups = 8;
	g->banks = 4;
	g->row_bits = 18;
	g->column_bits = 11;
}

/* -1, with why. */
static int failed(char *why, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int failed(char *why, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, len, fmt, ap);
	va_end(ap);
	return -1;
}

int dram_coord_check(const struct dram_coord *c, const struct dram_geometry *g,
                     char *why, size_t len)
{
	if (c->rank >= g->ranks)
		return failed(why, len, "rank %u past the DIMM's %u", c->rank,
		              g->ranks);
	if (c->bank_group >= g->bank_groups)
		return failed(why, len, "bank group %u past the DIMM's %u",
		              c->bank_group, g->bank_groups);
	if (c->bank >= g->banks)
		return failed(why, len, "bank %u past the DIMM's %u per group",
		              c->bank, g->banks);
	if (g->row_bits < 32 && c->row >> g->row_bits != 0)
		return failed(why, len, "row 0x%x past the DIMM's %u bits",
		              c->row, g->row_bits);
	if (g->column_bits < 16 && c->column >> g->column_bits != 0)
		return failed(why, len, "column 0x%x past the DIMM's %u bits",
		              c->column, g->column_bits);
	return 0;
}

/* ---- the EDAC driver's detail ---- */

enum detail_slot {
	SLOT_RANK,
	SLOT_BG,
	SLOT_BANK,
	SLOT_ROW,
	SLOT_COLUMN,
	SLOT_SOCKET,
	SLOT_CONTROLLER,
	SLOT_CHANNEL,
	SLOT_SLOT,
	SLOT_CHIP_SELECT,
};

/*
 * The words, as skx_common.c prints its own decode and the ADXL
 * component names firmware gives (ACPI DSM); sb_edac's "rank:N" too.
 */
static const struct {
	const char *word;
	enum detail_slot slot;
} detail_words[] = {
    {"PhysicalRankId", SLOT_RANK},
    {"DimmRankId", SLOT_RANK},
    {"RankAddress", SLOT_RANK},
    {"Rank", SLOT_RANK},
    {"ChipSelect", SLOT_CHIP_SELECT},
    {"BankGroup", SLOT_BG},
    {"BankGroupAddress", SLOT_BG},
    {"Bank", SLOT_BANK},
    {"BankAddress", SLOT_BANK},
    {"Row", SLOT_ROW},
    {"RowAddress", SLOT_ROW},
    {"Column", SLOT_COLUMN},
    {"ColumnAddress", SLOT_COLUMN},
    {"Col", SLOT_COLUMN},
    {"ProcessorSocketId", SLOT_SOCKET},
    {"socket", SLOT_SOCKET},
    {"MemoryControllerId", SLOT_CONTROLLER},
    {"ha", SLOT_CONTROLLER},
    {"ChannelId", SLOT_CHANNEL},
    {"channel", SLOT_CHANNEL},
    {"DimmSlotId", SLOT_SLOT},
};

static void detail_note(struct dram_detail *d, const char *what, size_t n)
{
	size_t used = strlen(d->note);

	if (used > 0 || n == 0)
		return; /* the first reason is the one that matters */
	snprintf(d->note, sizeof(d->note), "%.*s", (int)n, what);
}

static int word_slot(const char *key, size_t n)
{
	size_t i;

	for (i = 0; i < N(detail_words); i++)
		if (strlen(detail_words[i].word) == n &&
		    strncasecmp(detail_words[i].word, key, n) == 0)
			return (int)detail_words[i].slot;
	return -1;
}

/* "0x1a2" or "418", up to n bytes; -1 when it is neither. */
static int word_value(const char *s, size_t n, uint64_t *out)
{
	char buf[24], *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (!isdigit((unsigned char)buf[0]))
		return -1;
	errno = 0;
	*out = strtoull(buf, &end, 0);
	return errno != 0 || *end != '\0' ? -1 : 0;
}

static bool slot_fits(enum detail_slot s, uint64_t v)
{
	switch (s) {
	case SLOT_RANK:
	case SLOT_CHIP_SELECT:
		return v <= RANK_MAX;
	case SLOT_BG:
	case SLOT_BANK:
		return v <= BANK_MAX;
	case SLOT_ROW:
		return v <= ROW_MAX;
	case SLOT_COLUMN:
		return v <= COLUMN_MAX;
	default:
		return v <= INT16_MAX;
	}
}

static void slot_set(struct dram_detail *d, enum detail_slot s, uint64_t v)
{
	struct dram_coord *c = &d->coord;

	switch (s) {
	case SLOT_RANK:
		c->rank = (uint8_t)v;
		c->have |= DRAM_HAVE_RANK;
		break;
	case SLOT_CHIP_SELECT:
		/* A chip select is a rank; a named rank wins. */
		if (!(c->have & DRAM_HAVE_RANK))
			c->rank = (uint8_t)v;
		c->have |= DRAM_HAVE_RANK;
		break;
	case SLOT_BG:
		c->bank_group = (uint8_t)v;
		c->have |= DRAM_HAVE_BG;
		break;
	case SLOT_BANK:
		c->bank = (uint8_t)v;
		c->have |= DRAM_HAVE_BANK;
		break;
	case SLOT_ROW:
		c->row = (uint32_t)v;
		c->have |= DRAM_HAVE_ROW;
		break;
	case SLOT_COLUMN:
		c->column = (uint16_t)v;
		c->have |= DRAM_HAVE_COLUMN;
		break;
	case SLOT_SOCKET:
		d->socket = (int16_t)v;
		break;
	case SLOT_CONTROLLER:
		d->controller = (int16_t)v;
		break;
	case SLOT_CHANNEL:
		d->channel = (int16_t)v;
		break;
	case SLOT_SLOT:
		d->slot = (int16_t)v;
		break;
	}
}

/* One "KEY:VALUE" word (trailing ",;)" dropped); others are skipped. */
static void detail_word(struct dram_detail *d, const char *w, size_t n)
{
	const char *colon = memchr(w, ':', n);
	uint64_t v;
	int slot;

	while (n > 0 && strchr(",;)", w[n - 1]) != NULL)
		n--;
	if (colon == NULL || (size_t)(colon - w) >= n)
		return;
	slot = word_slot(w, (size_t)(colon - w));
	if (slot < 0)
		return;
	if (word_value(colon + 1, n - (size_t)(colon - w) - 1, &v) < 0) {
		detail_note(d, "a coordinate that is not a number", 33);
		d->coord.have |= DRAM_UNKNOWN;
		return;
	}
	if (!slot_fits((enum detail_slot)slot, v)) {
		detail_note(d, "a coordinate too large for any DIMM", 35);
		d->coord.have |= DRAM_UNKNOWN;
		return;
	}
	slot_set(d, (enum detail_slot)slot, v);
}

void dram_detail_parse(const char *text, size_t len, struct dram_detail *out)
{
	const uint8_t cell = DRAM_HAVE_BANK | DRAM_HAVE_ROW | DRAM_HAVE_COLUMN;
	size_t i = 0, start;
	bool words = false;

	memset(out, 0, sizeof(*out));
	out->socket = out->controller = out->channel = out->slot = -1;
	while (i < len && text[i] != '\0') {
		while (i < len && text[i] != '\0' &&
		       isspace((unsigned char)text[i]))
			i++;
		start = i;
		while (i < len && text[i] != '\0' &&
		       !isspace((unsigned char)text[i]))
			i++;
		if (i > start) {
			words = true;
			detail_word(out, text + start, i - start);
		}
	}
	if (out->coord.have & DRAM_UNKNOWN)
		return;
	if ((out->coord.have & cell) == cell)
		return;
	if ((out->coord.have & cell) != 0) {
		detail_note(out, "a row, column or bank is missing", 32);
		out->coord.have |= DRAM_UNKNOWN;
		return;
	}
	if (words) {
		detail_note(out, "no row, column or bank: a format not seen",
		            41);
		out->coord.have |= DRAM_UNKNOWN;
	}
}

/* ---- address maps ---- */

static const struct {
	const char *name;
	size_t bits_off, n_off;
	uint8_t max; /* bits the packed coordinate holds */
} map_parts[] = {
    {"column", offsetof(struct dram_map, column),
     offsetof(struct dram_map, n_column), 16},
    {"row", offsetof(struct dram_map, row), offsetof(struct dram_map, n_row),
     24},
    {"bank", offsetof(struct dram_map, bank), offsetof(struct dram_map, n_bank),
     4},
    {"bg", offsetof(struct dram_map, bg), offsetof(struct dram_map, n_bg), 4},
    {"rank", offsetof(struct dram_map, rank), offsetof(struct dram_map, n_rank),
     8},
};

static uint8_t *part_bits(struct dram_map *m, size_t p)
{
	return (uint8_t *)m + map_parts[p].bits_off;
}

static uint8_t *part_n(struct dram_map *m, size_t p)
{
	return (uint8_t *)m + map_parts[p].n_off;
}

/* "3-12,14": each bit once, appended lowest first as written. */
static int map_bits(struct dram_map *m, size_t p, const char *v, uint64_t *used,
                    char *why, size_t len)
{
	unsigned long lo, hi, b;
	char *end;

	while (*v != '\0') {
		if (!isdigit((unsigned char)*v))
			return failed(why, len, "%s: want bits as 3-12,14",
			              map_parts[p].name);
		lo = hi = strtoul(v, &end, 10);
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1]))
				return failed(why, len,
				              "%s: want a bit "
				              "after -",
				              map_parts[p].name);
			hi = strtoul(end + 1, &end, 10);
		}
		if (hi < lo || hi > 63)
			return failed(why, len,
			              "%s: bits %lu-%lu: want "
			              "0-63, low to high",
			              map_parts[p].name, lo, hi);
		for (b = lo; b <= hi; b++) {
			if (*used >> b & 1)
				return failed(why, len, "bit %lu named twice",
				              b);
			if (*part_n(m, p) >= map_parts[p].max)
				return failed(why, len,
				              "%s: more than %u "
				              "bits",
				              map_parts[p].name,
				              map_parts[p].max);
			*used |= 1ull << b;
			part_bits(m, p)[(*part_n(m, p))++] = (uint8_t)b;
		}
		if (*end == ',')
			end++;
		else if (*end != '\0')
			return failed(why, len, "%s: want bits as 3-12,14",
			              map_parts[p].name);
		v = end;
	}
	return 0;
}

static int map_word(struct dram_map *m, const char *w, uint64_t *used,
                    char *why, size_t len)
{
	const char *eq = strchr(w, '=');
	size_t p, n;

	if (eq == NULL)
		return failed(why, len, "%.32s: want NAME=BITS", w);
	n = (size_t)(eq - w);
	for (p = 0; p < N(map_parts); p++)
		if (strlen(map_parts[p].name) == n &&
		    strncmp(map_parts[p].name, w, n) == 0)
			break;
	if (p == N(map_parts))
		return failed(why, len,
		              "%.*s: not column, row, bank, bg or rank",
		              (int)(n > 32 ? 32 : n), w);
	if (*part_n(m, p) != 0)
		return failed(why, len, "%s given twice", map_parts[p].name);
	return map_bits(m, p, eq + 1, used, why, len);
}

int dram_map_parse(const char *text, struct dram_map *m, char *why, size_t len)
{
	char buf[256], *save = NULL, *w;
	uint64_t used = 0;

	memset(m, 0, sizeof(*m));
	if (strlen(text) >= sizeof(buf))
		return failed(why, len, "map longer than %zu characters",
		              sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", text);
	for (w = strtok_r(buf, " \t", &save); w != NULL;
	     w = strtok_r(NULL, " \t", &save))
		if (map_word(m, w, &used, why, len) < 0)
			return -1;
	if (m->n_row == 0 || m->n_column == 0)
		return failed(why, len, "a map needs row= and column= bits");
	return 0;
}

void dram_map_geometry(const struct dram_map *m, struct dram_geometry *g)
{
	g->ranks = (uint8_t)(m->n_rank >= 8 ? 255 : 1u << m->n_rank);
	g->bank_groups = (uint8_t)(1u << m->n_bg);
	g->banks = (uint8_t)(1u << m->n_bank);
	g->row_bits = m->n_row;
	g->column_bits = m->n_column;
}

static uint32_t gather(uint64_t offset, const uint8_t *bits, uint8_t n)
{
	uint32_t v = 0;
	uint8_t i;

	for (i = 0; i < n; i++)
		v |= (uint32_t)(offset >> bits[i] & 1) << i;
	return v;
}

static uint64_t scatter(uint32_t v, const uint8_t *bits, uint8_t n)
{
	uint64_t offset = 0;
	uint8_t i;

	for (i = 0; i < n; i++)
		offset |= (uint64_t)(v >> i & 1) << bits[i];
	return offset;
}

void dram_map_coord(const struct dram_map *m, uint64_t offset,
                    struct dram_coord *c)
{
	memset(c, 0, sizeof(*c));
	c->column = (uint16_t)gather(offset, m->column, m->n_column);
	c->row = gather(offset, m->row, m->n_row);
	c->bank = (uint8_t)gather(offset, m->bank, m->n_bank);
	c->bank_group = (uint8_t)gather(offset, m->bg, m->n_bg);
	c->rank = (uint8_t)gather(offset, m->rank, m->n_rank);
	c->have = DRAM_HAVE_RANK | DRAM_HAVE_BANK | DRAM_HAVE_ROW |
	          DRAM_HAVE_COLUMN | (m->n_bg ? DRAM_HAVE_BG : 0);
}

size_t dram_map_row_pages(const struct dram_map *m, const struct dram_coord *c,
                          uint64_t *pages, size_t max)
{
	uint8_t high[DRAM_MAP_BITS], k = 0, i;
	uint64_t base, v, count;

	base = scatter(c->row, m->row, m->n_row) |
	       scatter(c->bank, m->bank, m->n_bank) |
	       scatter(c->bank_group, m->bg, m->n_bg) |
	       scatter(c->rank, m->rank, m->n_rank);
	for (i = 0; i < m->n_column; i++)
		if (m->column[i] >= PAGE_SHIFT)
			high[k++] = m->column[i];
	if (k > ROW_PAGE_BITS_MAX)
		return (size_t)1 << ROW_PAGE_BITS_MAX;
	count = 1ull << k;
	for (v = 0; v < count && v < max; v++)
		pages[v] = (base | scatter((uint32_t)v, high, k)) >> PAGE_SHIFT;
	return (size_t)count;
}

/* ---- fault modes ---- */

static const char *const mode_names[DRAM_MODE_COUNT] = {
    "none", "cell", "row", "column", "bank", "multi-bank", "multi-rank",
};

const char *dram_mode_name(enum dram_mode m)
{
	return (unsigned)m < DRAM_MODE_COUNT ? mode_names[m] : "unknown";
}

int dram_mode_parse(const char *s, enum dram_mode *out)
{
	size_t i;

	for (i = 0; i < DRAM_MODE_COUNT; i++) {
		if (strcmp(s, mode_names[i]) == 0) {
			*out = (enum dram_mode)i;
			return 0;
		}
	}
	return -1;
}

_Static_assert(N(mode_names) == DRAM_MODE_COUNT, "a name per mode");

/* extlog.c - ras:extlog_mem_event bound by field name, its CPER memory
 * section read, the DIMM the firmware names, and the record it makes. */
#include <endian.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mce/extlog.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

/* What the table decodes into, at the widths the kernel traces. */
struct raw {
	uint32_t err_seq;
	uint8_t etype;
	uint8_t sev;
	uint8_t pa_mask_lsb;
	uint64_t pa;
	uint8_t fru_id[16];
	char fru_text[EXTLOG_FRU_MAX];
	unsigned char data[EXTLOG_COMPACT_LEN];
};

#define NUM(f, size, req, m)                                                   \
	{                                                                      \
		f, TRACEFS_NUMBER, size, req, offsetof(struct raw, m), 0       \
	}
#define BYTES(f, least, m)                                                     \
	{                                                                      \
		f, TRACEFS_BYTES, least, false, offsetof(struct raw, m),       \
		    sizeof(((struct raw *)0)->m)                               \
	}

/* include/ras/ras_event.h extlog_mem_event, Linux 3.14 and later. */
static const struct tracefs_member members[] = {
    NUM("err_seq", 4, true, err_seq),
    NUM("etype", 1, true, etype),
    NUM("sev", 1, true, sev),
    NUM("pa", 8, true, pa),
    NUM("pa_mask_lsb", 1, false, pa_mask_lsb),
    BYTES("fru_id", 16, fru_id),
    {"fru_text", TRACEFS_STRING, 4, false, offsetof(struct raw, fru_text),
     EXTLOG_FRU_MAX},
    /* struct cper_mem_err_compact: through target_id at least */
    BYTES("data", 48, data),
};

#define DATA_MEMBER 7

#undef NUM
#undef BYTES

/* struct cper_mem_err_compact, packed (include/linux/cper.h) */
enum compact_offset {
	C_VALID = 0,
	C_NODE = 8,
	C_CARD = 10,
	C_MODULE = 12,
	C_BANK = 14,
	C_DEVICE = 16,
	C_ROW = 18,
	C_COLUMN = 20,
	C_BIT_POS = 22,
	C_RANK = 48,
	C_ARRAY_HANDLE = 50,
	C_DEV_HANDLE = 52,
	C_EXTENDED = 54,
};

#define EXT_ROW_MASK     0x3 /* extended bits 1:0 are row bits 17:16 */
#define EXT_ROW_SHIFT    16
#define CHIP_ID_SHIFT    5 /* extended bits 7:5 */
#define BANK_GROUP_SHIFT 8 /* bank bits 15:8 with VALID_BANK_GROUP */
#define BANK_ADDR_MASK   0xff

/* UEFI N.2.5 memory error types, as drivers/firmware/efi/cper.c names
 * them. */
static const char *const type_names[] = {
    "unknown",
    "no error",
    "single-bit ECC",
    "multi-bit ECC",
    "single-symbol chipkill ECC",
    "multi-symbol chipkill ECC",
    "master abort",
    "target abort",
    "parity error",
    "watchdog timeout",
    "invalid address",
    "mirror broken",
    "memory sparing",
    "scrub corrected error",
    "scrub uncorrected error",
    "physical memory map-out event",
};

#define TYPE_SCRUB_CORRECTED   13
#define TYPE_SCRUB_UNCORRECTED 14

const char *extlog_type_name(uint8_t etype)
{
	return etype < N(type_names) ? type_names[etype] : NULL;
}

const char *extlog_severity_name(uint8_t sev)
{
	static const char *const names[] = {"recoverable", "fatal", "corrected",
	                                    "info"};

	return sev < N(names) ? names[sev] : "unknown";
}

int extlog_bind(const struct tracefs_format *fmt, struct extlog_binding *b,
                char *err, size_t errlen)
{
	memset(b, 0, sizeof(*b));
	if (tracefs_bind(fmt, members, N(members), true, &b->tb, err, errlen) !=
	    0)
		return -1;
	if (b->tb.slot[DATA_MEMBER].present)
		b->data_len = b->tb.slot[DATA_MEMBER].size;
	return 0;
}

static void note_add(struct extlog_event *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void note_add(struct extlog_event *e, const char *fmt, ...)
{
	size_t used = strlen(e->note);
	va_list ap;

	if (used + 3 >= sizeof(e->note))
		return;
	if (used > 0) {
		memcpy(e->note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(e->note + used, sizeof(e->note) - used, fmt, ap);
	va_end(ap);
}

static uint16_t get16(const unsigned char *p, size_t off)
{
	uint16_t v;

	memcpy(&v, p + off, sizeof(v));
	return le16toh(v);
}

/* The compact section, as far as the format's `data` field reaches. */
static void read_compact(struct extlog_event *e, const unsigned char *d,
                         uint32_t len)
{
	uint64_t v;
	uint8_t ext = 0;

	if (len < 48)
		return;
	memcpy(&v, d + C_VALID, sizeof(v));
	e->valid = le64toh(v);
	e->node = get16(d, C_NODE);
	e->card = get16(d, C_CARD);
	e->module = get16(d, C_MODULE);
	e->bank = get16(d, C_BANK);
	e->device = get16(d, C_DEVICE);
	e->row = get16(d, C_ROW);
	e->column = get16(d, C_COLUMN);
	e->bit_pos = get16(d, C_BIT_POS);
	if (len >= C_DEV_HANDLE + 2) {
		e->rank = get16(d, C_RANK);
		e->mem_array_handle = get16(d, C_ARRAY_HANDLE);
		e->mem_dev_handle = get16(d, C_DEV_HANDLE);
	}
	if (len > C_EXTENDED)
		ext = d[C_EXTENDED];
	if (e->valid & EXTLOG_VALID_ROW_EXT)
		e->row |= (uint32_t)(ext & EXT_ROW_MASK) << EXT_ROW_SHIFT;
	if (e->valid & EXTLOG_VALID_CHIP_ID)
		e->chip_id = ext >> CHIP_ID_SHIFT;
	e->bank_group = (uint8_t)(e->bank >> BANK_GROUP_SHIFT);
	e->bank_address = (uint8_t)(e->bank & BANK_ADDR_MASK);
}

/*
 * Where in the DRAM. A bank with its group is the pair; a bank without
 * (VALID_BANK alone) is the number the firmware counts, used as it is
 * when it fits a group's banks, else not usable.
 */
void extlog_dram_read(struct extlog_event *e)
{
	const uint64_t any = EXTLOG_VALID_RANK | EXTLOG_VALID_BANK |
	                     EXTLOG_VALID_BANK_GROUP | EXTLOG_VALID_BANK_ADDR |
	                     EXTLOG_VALID_ROW | EXTLOG_VALID_ROW_EXT |
	                     EXTLOG_VALID_COLUMN;
	struct dram_coord *c = &e->dram;

	memset(c, 0, sizeof(*c));
	if (!(e->valid & any))
		return;
	if (e->valid & EXTLOG_VALID_RANK) {
		c->rank = (uint8_t)e->rank;
		c->have |= DRAM_HAVE_RANK;
	}
	/* A valid group splits the bank field (group high, bank low), as
	 * the kernel's cper.c and extlog_where read it. */
	if (e->valid & EXTLOG_VALID_BANK_GROUP) {
		c->bank_group = e->bank_group;
		c->have |= DRAM_HAVE_BG;
		if (e->valid & (EXTLOG_VALID_BANK_ADDR | EXTLOG_VALID_BANK)) {
			c->bank = e->bank_address;
			c->have |= DRAM_HAVE_BANK;
		}
	} else if (e->valid & EXTLOG_VALID_BANK_ADDR) {
		c->bank = e->bank_address;
		c->have |= DRAM_HAVE_BANK;
	} else if (e->valid & EXTLOG_VALID_BANK) {
		c->bank = (uint8_t)e->bank;
		c->have |= DRAM_HAVE_BANK;
	}
	if (e->valid & (EXTLOG_VALID_ROW | EXTLOG_VALID_ROW_EXT)) {
		c->row = e->row;
		c->have |= DRAM_HAVE_ROW;
	}
	if (e->valid & EXTLOG_VALID_COLUMN) {
		c->column = e->column;
		c->have |= DRAM_HAVE_COLUMN;
	}
	if (e->rank > 0xff || e->bank_group > 0xf || e->bank_address > 0xf ||
	    (!(c->have & DRAM_HAVE_BG) && e->bank > 0xf)) {
		c->have |= DRAM_UNKNOWN;
		note_add(e, "DRAM coordinates past any DIMM's");
	} else if (!dram_coord_usable(c)) {
		c->have |= DRAM_UNKNOWN;
		note_add(e, "DRAM coordinates without a row, column or bank");
	}
}

/*
 * The firmware's name for the module: its FRU text (the silkscreen
 * label), else its card and module numbers. Blanks around the text are
 * padding; a text of blanks only names nothing.
 */
static void make_label(struct extlog_event *e)
{
	const char *t = e->fru_text;
	size_t n;

	while (*t == ' ')
		t++;
	n = strlen(t);
	while (n > 0 && t[n - 1] == ' ')
		n--;
	if (n > 0) {
		snprintf(e->label, sizeof(e->label), "%.*s", (int)n, t);
		return;
	}
	if ((e->valid & EXTLOG_VALID_CARD) && (e->valid & EXTLOG_VALID_MODULE))
		snprintf(e->label, sizeof(e->label),
		         "node %u card %u module %u", e->node, e->card,
		         e->module);
}

int extlog_decode(const struct extlog_binding *b, const void *rec, size_t len,
                  struct extlog_event *out, char *err, size_t errlen)
{
	struct raw r;
	bool cut = false;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (tracefs_decode(&b->tb, members, rec, len, &r, &cut, err, errlen) !=
	    0)
		return -1;
	out->err_seq = r.err_seq;
	out->etype = r.etype;
	out->sev = r.sev;
	out->pa_mask_lsb = r.pa_mask_lsb;
	out->pa = r.pa;
	memcpy(out->fru_id, r.fru_id, sizeof(out->fru_id));
	memcpy(out->fru_text, r.fru_text, sizeof(out->fru_text));
	read_compact(out, r.data, b->data_len);
	extlog_dram_read(out);
	make_label(out);
	if (b->tb.note[0] != '\0')
		note_add(out, "format: %s", b->tb.note);
	if (b->data_len == 0)
		note_add(out, "no memory section: location unknown");
	if (r.sev > EXTLOG_SEV_INFO)
		note_add(out, "severity %u not known: taken as recoverable",
		         r.sev);
	if (extlog_type_name(r.etype) == NULL)
		note_add(out, "memory error type %u not known", r.etype);
	if (cut)
		note_add(out, "FRU text cut");
	return 0;
}

bool extlog_has_address(const struct extlog_event *e)
{
	/* The kernel traces pa 0 when the section had no valid address. */
	if (e->valid != 0 && !(e->valid & EXTLOG_VALID_PA))
		return false;
	return e->pa != 0 && e->pa_mask_lsb < 64;
}

static int put(char *buf, size_t len, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t len, size_t *used, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*used >= len)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(buf + *used, len - *used, fmt, ap);
	va_end(ap);
	if (n > 0)
		*used += (size_t)n;
	return n;
}

int extlog_where(const struct extlog_event *e, char *buf, size_t len)
{
	static const struct {
		uint64_t bit;
		const char *name;
		size_t off;
	} parts[] = {
	    {EXTLOG_VALID_NODE, "node", offsetof(struct extlog_event, node)},
	    {EXTLOG_VALID_CARD, "card", offsetof(struct extlog_event, card)},
	    {EXTLOG_VALID_MODULE, "module",
	     offsetof(struct extlog_event, module)},
	    {EXTLOG_VALID_RANK, "rank", offsetof(struct extlog_event, rank)},
	    {EXTLOG_VALID_DEVICE, "device",
	     offsetof(struct extlog_event, device)},
	    {EXTLOG_VALID_COLUMN, "column",
	     offsetof(struct extlog_event, column)},
	};
	size_t i, used = 0;
	uint16_t v;

	if (len > 0)
		buf[0] = '\0';
	for (i = 0; i < N(parts); i++) {
		if (!(e->valid & parts[i].bit))
			continue;
		memcpy(&v, (const char *)e + parts[i].off, sizeof(v));
		put(buf, len, &used, "%s%s %u", used ? " " : "", parts[i].name,
		    v);
	}
	if (e->valid & EXTLOG_VALID_BANK_GROUP)
		put(buf, len, &used, "%sbank group %u bank %u", used ? " " : "",
		    e->bank_group, e->bank_address);
	else if (e->valid & EXTLOG_VALID_BANK)
		put(buf, len, &used, "%sbank %u", used ? " " : "", e->bank);
	if (e->valid & (EXTLOG_VALID_ROW | EXTLOG_VALID_ROW_EXT))
		put(buf, len, &used, "%srow 0x%x", used ? " " : "", e->row);
	if (e->valid & EXTLOG_VALID_CHIP_ID)
		put(buf, len, &used, "%schip %u", used ? " " : "", e->chip_id);
	return (int)used;
}

/*
 * MCACOD 0000 0000 1MMM CCCC: a memory controller error, CCCC 1111 the
 * channel unspecified; MMM 000 a generic transaction, 100 a scrub.
 */
#define MCACOD_MEM_GENERIC 0x008f
#define MCACOD_MEM_SCRUB   0x00cf
#define MISC_MODE_PHYSICAL (2u << 6) /* MCi_MISC address mode bits 8:6 */

uint64_t extlog_status(const struct extlog_event *e)
{
	uint64_t st = MCI_STATUS_VAL | MCI_STATUS_EN | MCI_STATUS_MISCV;
	bool scrub = e->etype == TYPE_SCRUB_CORRECTED ||
	             e->etype == TYPE_SCRUB_UNCORRECTED;

	st |= scrub ? MCACOD_MEM_SCRUB : MCACOD_MEM_GENERIC;
	if (extlog_has_address(e))
		st |= MCI_STATUS_ADDRV;
	if (e->sev == EXTLOG_SEV_CORRECTED || e->sev == EXTLOG_SEV_INFO)
		return st;
	st |= MCI_STATUS_UC;
	if (e->sev == EXTLOG_SEV_FATAL)
		st |= MCI_STATUS_PCC;
	return st;
}

uint64_t extlog_misc(const struct extlog_event *e)
{
	/* The kernel gives the mask's lowest bit; 0 also means "unknown". */
	uint64_t lsb =
	    e->pa_mask_lsb != 0 && e->pa_mask_lsb < 64 ? e->pa_mask_lsb : 6;

	return MISC_MODE_PHYSICAL | lsb;
}

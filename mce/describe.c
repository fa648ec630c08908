/* describe.c - names and one-line descriptions of decoded machine checks,
 * for logs, the journal and people; never on the per-record hot path. */
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "mce/mce.h"
#include "mce/mce_int.h"

static const char *const severity_names[] = {
    [MCE_SEV_CORRECTED] = "corrected", [MCE_SEV_DEFERRED] = "deferred",
    [MCE_SEV_UCNA] = "ucna",           [MCE_SEV_SRAO] = "srao",
    [MCE_SEV_SRAR] = "srar",           [MCE_SEV_FATAL] = "fatal",
};

/* How a line opens: the words an operator knows the classes by. */
static const char *const severity_words[] = {
    [MCE_SEV_CORRECTED] = "corrected",
    [MCE_SEV_DEFERRED] = "deferred",
    [MCE_SEV_UCNA] = "uncorrected (UCNA)",
    [MCE_SEV_SRAO] = "SRAO",
    [MCE_SEV_SRAR] = "SRAR",
    [MCE_SEV_FATAL] = "fatal",
};

static const char *const kind_names[] = {
    [MCE_KIND_MEMORY] = "memory",
    [MCE_KIND_CACHE] = "cache",
    [MCE_KIND_TLB] = "tlb",
    [MCE_KIND_BUS] = "bus",
    [MCE_KIND_INTERCONNECT] = "interconnect",
    [MCE_KIND_INTERNAL] = "internal",
    [MCE_KIND_UNKNOWN] = "unknown",
};

/* PP and II of the bus format 000F 1PPT RRRR IILL. */
static const char *const bus_participations[4] = {
    "source",
    "responder",
    "observer",
    "generic",
};
static const char *const bus_spaces[4] = {
    "memory",
    "reserved space",
    "I/O",
    "other",
};

static const char *const addr_mode_names[8] = {
    [MCE_ADDR_SEGMENT] = "segment offset", [MCE_ADDR_LINEAR] = "linear",
    [MCE_ADDR_PHYSICAL] = "physical",      [MCE_ADDR_MEMORY] = "memory address",
    [MCE_ADDR_GENERIC] = "generic",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *mce_severity_name(enum mce_severity s)
{
	if ((size_t)s >= NELEM(severity_names))
		return "unknown";
	return severity_names[s];
}

const char *mce_kind_name(enum mce_kind k)
{
	if ((size_t)k >= NELEM(kind_names))
		return "unknown";
	return kind_names[k];
}

static const char *severity_word(enum mce_severity s)
{
	if ((size_t)s >= NELEM(severity_words))
		return "unclassified";
	return severity_words[s];
}

/* A line being built; `used` counts what would have been written. */
struct line {
	char *buf;
	size_t len;
	size_t used;
};

static void line_add(struct line *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void line_add(struct line *l, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	if (l->used < l->len)
		n = vsnprintf(l->buf + l->used, l->len - l->used, fmt, ap);
	else
		n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n > 0)
		l->used += (size_t)n;
}

/*
 * The common pieces without printf: a corrected error's line is built
 * for every record someone reads, and vsnprintf was most of its cost.
 * Same semantics as line_add: cut at len, used counts the whole.
 */
static void line_str(struct line *l, const char *s)
{
	size_t n = strlen(s), room;

	if (l->used < l->len) {
		room = l->len - l->used - 1;
		memcpy(l->buf + l->used, s, n < room ? n : room);
		l->buf[l->used + (n < room ? n : room)] = '\0';
	}
	l->used += n;
}

static void line_num(struct line *l, uint64_t v, unsigned base)
{
	static const char digit[] = "0123456789abcdef";
	char d[24];
	size_t i = sizeof(d) - 1;

	d[i] = '\0';
	do {
		d[--i] = digit[v % base];
		v /= base;
	} while (v != 0);
	line_str(l, d + i);
}

static void line_int(struct line *l, int64_t v)
{
	if (v < 0) {
		line_str(l, "-");
		line_num(l, 0 - (uint64_t)v, 10);
		return;
	}
	line_num(l, (uint64_t)v, 10);
}

/* prefix, the string, suffix */
static void line_wrap(struct line *l, const char *prefix, const char *s,
                      const char *suffix)
{
	line_str(l, prefix);
	line_str(l, s);
	line_str(l, suffix);
}

static void add_detail(struct line *l, const struct mce_decoded *d)
{
	uint16_t code = d->mcacod & ~MCACOD_FILTER;

	switch (d->kind) {
	case MCE_KIND_CACHE:
		if (d->request != NULL)
			line_wrap(l, " (", d->request, ")");
		break;
	case MCE_KIND_TLB:
		if (d->transaction != NULL)
			line_wrap(l, " (", d->transaction, ")");
		break;
	case MCE_KIND_BUS:
		if (!(code & MCACOD_BUS) || code == MCACOD_IO_ERROR)
			break;
		line_add(l, " (%s, %s, %s)",
		         d->request != NULL ? d->request : "reserved request",
		         bus_participations[(code >> 9) & 0x3],
		         bus_spaces[(code >> 2) & 0x3]);
		break;
	case MCE_KIND_INTERNAL:
	case MCE_KIND_INTERCONNECT:
	case MCE_KIND_UNKNOWN:
		line_add(l, " (mcacod 0x%04x mscod 0x%04x)", d->mcacod,
		         d->mscod);
		break;
	case MCE_KIND_MEMORY:
		break;
	}
}

static void add_addr(struct line *l, const struct mce_record *r,
                     const struct mce_decoded *d)
{
	const char *mode = NULL;

	if (d->phys_addr_valid) {
		line_str(l, ", addr 0x");
		line_num(l, d->phys_addr, 16);
		if (d->addr_mode != MCE_ADDR_UNKNOWN) {
			line_str(l, " (lsb ");
			line_num(l, d->addr_lsb, 10);
			line_str(l, ")");
		}
		return;
	}
	if (!d->addrv)
		return;
	if ((size_t)d->addr_mode < NELEM(addr_mode_names))
		mode = addr_mode_names[d->addr_mode];
	if (d->addr_mode == MCE_ADDR_PHYSICAL)
		line_add(l, ", addr 0x%" PRIx64 " (lsb %u out of range)",
		         r->addr, d->addr_lsb);
	else if (mode != NULL)
		line_add(l, ", addr 0x%" PRIx64 " (%s)", r->addr, mode);
	else if (d->addr_mode == MCE_ADDR_UNKNOWN)
		/* e.g. an SMCA address without Poison (mce/amd_smca.c) */
		line_add(l, ", addr 0x%" PRIx64 " (not known to be physical)",
		         r->addr);
	else
		line_add(l, ", addr 0x%" PRIx64 " (reserved address mode)",
		         r->addr);
}

/*
 * Returns the length of the whole line, as snprintf does: a result of
 * `len` or more means the line was cut short (it is always terminated).
 */
int mce_describe(const struct mce_record *r, const struct mce_decoded *d,
                 char *buf, size_t len)
{
	struct line l = {buf, len, 0};

	if (len > 0)
		buf[0] = '\0';
	if (!d->val) {
		line_add(&l, "no valid error (VAL clear)");
	} else {
		line_wrap(&l, severity_word(d->severity), " ",
		          d->class_name != NULL ? d->class_name : "error");
		add_detail(&l, d);
		/* The model's own words, where a model decoder knew them. */
		if (d->detail != NULL)
			line_wrap(&l, " (", d->detail, ")");
		if (d->bank_name != NULL)
			line_wrap(&l, ", ", d->bank_name, "");
		if (d->kind == MCE_KIND_MEMORY && d->channel >= 0 &&
		    (d->bank_name == NULL ||
		     strstr(d->bank_name, "channel") == NULL)) {
			line_str(&l, ", channel ");
			line_int(&l, d->channel);
		}
		if (d->chip_select >= 0) {
			line_str(&l, " chip select ");
			line_int(&l, d->chip_select);
		}
		add_addr(&l, r, d);
		if (d->ce_count_valid && d->ce_count > 0) {
			line_str(&l, ", count ");
			line_num(&l, d->ce_count, 10);
		}
	}
	line_str(&l, ", cpu ");
	line_num(&l, r->extcpu, 10);
	line_str(&l, " bank ");
	line_num(&l, r->bank, 10);
	if (d->val && d->over)
		line_add(&l, " (earlier errors lost: overflow)");
	return l.used > INT_MAX ? INT_MAX : (int)l.used;
}

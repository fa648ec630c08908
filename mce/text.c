/* text.c - the text replay parser: splits a capture into lines and blocks,
 * rejects bad blocks with their line, hands good ones out as mce_record. */
#include <stdarg.h>
#include <stdint.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "mce/mce_text.h"

#define SHOWN_TOKEN         24 /* bytes of a bad value quoted in its message */
#define DETECT_BINARY_BYTES 4096

struct block {
	struct mce_record r;
	uint64_t line; /* where the block opened, for "no STATUS" */
	bool open;
	bool fields; /* a header alone is an empty, truncated block */
	bool cpu, bank, status, processor;
	bool bad; /* already rejected: skip its lines */
};

struct cursor {
	const char *p;
	const char *end;
};

struct parser {
	const char *name;
	enum mce_format fmt;
	mce_record_fn fn;
	void *arg;
	struct mce_text_result *res;
	uint64_t line;
	struct block b;
};

static const char *const format_names[] = {"auto", "binary", "mcelog", "dmesg"};

int mce_format_parse(const char *name, enum mce_format *out)
{
	size_t i;

	if (name == NULL)
		return -1;
	for (i = 0; i < sizeof(format_names) / sizeof(format_names[0]); i++) {
		if (strcmp(name, format_names[i]) == 0) {
			*out = (enum mce_format)i;
			return 0;
		}
	}
	return -1;
}

const char *mce_format_name(enum mce_format fmt)
{
	if ((unsigned)fmt >= sizeof(format_names) / sizeof(format_names[0]))
		return "unknown";
	return format_names[fmt];
}

static void add_error(struct mce_text_result *res, const char *name,
                      uint64_t line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Only the first few are kept: a 256 MiB capture of garbage stays small. */
static void add_error(struct mce_text_result *res, const char *name,
                      uint64_t line, const char *fmt, ...)
{
	char *dst;
	int n;
	va_list ap;

	if (res->n_errors >= MCE_TEXT_MAX_ERRORS)
		return;
	dst = res->errors[res->n_errors++];
	n = snprintf(dst, MCE_TEXT_ERROR_LEN, "%s:%llu: ", name,
	             (unsigned long long)line);
	if (n < 0 || n >= MCE_TEXT_ERROR_LEN)
		return;
	va_start(ap, fmt);
	vsnprintf(dst + n, MCE_TEXT_ERROR_LEN - (size_t)n, fmt, ap);
	va_end(ap);
}

static void text_reject(struct parser *ps, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), cold, noinline));

/* The block is refused once, at its first bad line; its remaining lines
 * are skipped until the next block opens. */
static void text_reject(struct parser *ps, const char *fmt, ...)
{
	char reason[MCE_TEXT_ERROR_LEN];
	va_list ap;

	ps->b.bad = true;
	ps->b.fields = true;
	ps->res->rejected++;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	add_error(ps->res, ps->name, ps->line, "%s", reason);
}

static void open_block(struct parser *ps)
{
	memset(&ps->b, 0, sizeof(ps->b));
	ps->b.open = true;
	ps->b.line = ps->line;
}

/* A block is whole with CPU, BANK and STATUS; the rest may be absent. */
static void finish_block(struct parser *ps)
{
	struct block *b = &ps->b;
	const char *why = NULL;

	if (!b->open || b->bad) {
		b->open = false;
		return;
	}
	b->open = false;
	if (!b->fields)
		why = "empty block: header without fields (truncated?)";
	else if (!b->cpu || !b->bank)
		why = "block without a CPU and BANK line (truncated?)";
	else if (!b->status)
		why = "block without STATUS (truncated?)";
	if (why != NULL) {
		ps->res->rejected++;
		add_error(ps->res, ps->name, b->line, "%s", why);
		return;
	}
	ps->res->records++;
	if (ps->fn(ps->arg, &b->r) != 0)
		ps->res->stopped = 1;
}

/* Fields before any header or CPU line still form a block, so a capture
 * cut at its head is reported rather than silently dropped. */
static void text_need_block(struct parser *ps)
{
	if (!ps->b.open)
		open_block(ps);
	ps->b.fields = true;
}

/* "MCE n" always opens a block; a CPU line opens one unless it follows
 * a bare header, since mcelog writes "MCE n" then "CPU c BANK b". */
static void text_start_block(struct parser *ps, bool header)
{
	if (!header && ps->b.open && !ps->b.fields)
		return;
	finish_block(ps);
	open_block(ps);
}

/*
 * ---- cursor: a line is a [p, end) slice, never NUL-terminated ----
 *
 * An mcelog line is parsed in place with `end` at the end of the whole
 * capture, so it is read once, not first searched for its newline: a
 * '\n' ends every token, and nothing here steps over one.
 */

#define C_SPACE 1 /* the blanks between tokens */
#define C_STOP  2 /* what ends a token: a blank or the newline */

/* One load per byte instead of a chain of compares. */
static const unsigned char char_class[256] = {
    [' '] = C_SPACE | C_STOP,  ['\t'] = C_SPACE | C_STOP,
    ['\r'] = C_SPACE | C_STOP, ['\f'] = C_SPACE | C_STOP,
    ['\v'] = C_SPACE | C_STOP, ['\n'] = C_STOP,
};

/* Digit values plus one, so that 0, the default, means "no digit". */
static const unsigned char digit_plus1[256] = {
    ['0'] = 1,  ['1'] = 2,  ['2'] = 3,  ['3'] = 4,  ['4'] = 5,  ['5'] = 6,
    ['6'] = 7,  ['7'] = 8,  ['8'] = 9,  ['9'] = 10, ['a'] = 11, ['b'] = 12,
    ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16, ['A'] = 11, ['B'] = 12,
    ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static bool is_space(char ch)
{
	return (char_class[(unsigned char)ch] & C_SPACE) != 0;
}

static bool ends_token(char ch)
{
	return (char_class[(unsigned char)ch] & C_STOP) != 0;
}

static void skip_ws(struct cursor *c)
{
	while (c->p < c->end && is_space(*c->p))
		c->p++;
}

static size_t word_len(const struct cursor *c)
{
	const char *q = c->p;

	while (q < c->end && !ends_token(*q))
		q++;
	return (size_t)(q - c->p);
}

static bool token_ends(const struct cursor *c)
{
	return c->p >= c->end || ends_token(*c->p);
}

/* Literals hold no newline, so a match never runs past the line. One
 * pass, no strlen: most calls fail on the first byte. */
static bool eat(struct cursor *c, const char *lit)
{
	const char *q = c->p;

	for (; *lit != '\0'; lit++, q++)
		if (q >= c->end || *q != *lit)
			return false;
	c->p = q;
	return true;
}

/* The cursor starts with w[0, n) as a whole word: a blank, the newline
 * or the end follows. Callers pass a constant n, so the memcmp becomes
 * a load or two and a compare, not a call. */
static bool is_word(const struct cursor *c, const char *w, size_t n)
{
	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n) != 0)
		return false;
	return c->p + n == c->end || ends_token(c->p[n]);
}

/* `w` as a whole word, so "BANK" does not match "BANKS". Inline, so
 * that strlen and memcmp see a literal and fold away. */
static inline bool eat_word(struct cursor *c, const char *w)
{
	size_t n = strlen(w); /* of a literal: folded to a constant */

	if (!is_word(c, w, n))
		return false;
	c->p += n;
	return true;
}

/* The digit's value, or 16 or more when ch is no hex digit (callers
 * wanting decimal compare with 10): a missing entry wraps to UINT_MAX. */
static unsigned digit_value(char ch)
{
	return (unsigned)digit_plus1[(unsigned char)ch] - 1u;
}

static bool starts_digit(const struct cursor *c)
{
	return c->p < c->end && digit_value(*c->p) < 10;
}

/* Hex digits up to max. Leading zeros add nothing, so more than 16
 * digits after them is too many, and up to 16 the value is exact: one
 * compare with max at the end, no overflow test a digit. */
static inline int take_hex(struct cursor *c, uint64_t max, uint64_t *out)
{
	const char *p = c->p, *start, *sig;
	uint64_t v = 0;
	unsigned d;

	if (c->end - p > 2 && p[0] == '0' && (p[1] | 0x20) == 'x' &&
	    digit_value(p[2]) < 16)
		p += 2;
	start = p;
	while (p < c->end && *p == '0')
		p++;
	sig = p;
	while (p < c->end && (d = digit_value(*p)) < 16) {
		v = v << 4 | d;
		p++;
	}
	c->p = p;
	if (p == start || p - sig > 16 || v > max)
		return -1;
	*out = v;
	return 0;
}

/* The careful path, for more than 19 digits: leading zeros, or a value
 * past 64 bits, which must fail where the original loop failed. */
static int take_dec_long(struct cursor *c, uint64_t max, uint64_t *out)
    __attribute__((cold, noinline));

static int take_dec_long(struct cursor *c, uint64_t max, uint64_t *out)
{
	const char *p = c->p, *start = p;
	uint64_t v = 0, limit = max / 10; /* one division, not one a digit */
	unsigned d;

	while (p < c->end && (d = digit_value(*p)) < 10) {
		if (v > limit || v * 10 > max - d) {
			c->p = p;
			return -1;
		}
		v = v * 10 + d;
		p++;
	}
	c->p = p;
	if (p == start)
		return -1;
	*out = v;
	return 0;
}

/* 19 digits stay below 10^19 < 2^64, so up to there the value is exact
 * and one compare with max at the end replaces a test a digit. */
static inline int take_dec(struct cursor *c, uint64_t max, uint64_t *out)
{
	const char *p = c->p, *start = p;
	const char *lim = c->end - p > 19 ? p + 19 : c->end;
	uint64_t v = 0;
	unsigned d;

	while (p < lim && (d = digit_value(*p)) < 10) {
		v = v * 10 + d;
		p++;
	}
	if (p == lim && p < c->end && digit_value(*p) < 10)
		return take_dec_long(c, max, out);
	c->p = p;
	if (p == start || v > max)
		return -1;
	*out = v;
	return 0;
}

/*
 * Digits in `base` (hex may carry 0x, as mcelog --raw writes it) up to
 * `max`. -1 when there are none or the value passes max; the caller
 * checks what follows.
 */
static int take_num(struct cursor *c, unsigned base, uint64_t max,
                    uint64_t *out)
{
	if (base == 16)
		return take_hex(c, max, out);
	return take_dec(c, max, out);
}

/* The bad token, quoted short and printable, for the message. Cold,
 * and kept out of line so the callers on the hot path stay small. */
static void reject_token(struct parser *ps, const char *what, const char *want,
                         const struct cursor *tok)
    __attribute__((cold, noinline));

static void reject_token(struct parser *ps, const char *what, const char *want,
                         const struct cursor *tok)
{
	char shown[SHOWN_TOKEN + 1];
	size_t n = word_len(tok), i;

	if (n == 0) {
		text_reject(ps, "%s without a value", what);
		return;
	}
	for (i = 0; i < n && i < SHOWN_TOKEN; i++) {
		unsigned char ch = (unsigned char)tok->p[i];

		shown[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	shown[i] = '\0';
	text_reject(ps, "bad %s value '%s%s': want %s", what, shown,
	            n > SHOWN_TOKEN ? "..." : "", want);
}

/* A number that must fill its whole token. */
static int take_field(struct parser *ps, struct cursor *c, const char *what,
                      unsigned base, uint64_t max, uint64_t *out)
{
	struct cursor tok;

	skip_ws(c);
	tok = *c;
	if (take_num(c, base, max, out) == 0 && token_ends(c))
		return 0;
	reject_token(ps, what, base == 16 ? "hex" : "decimal", &tok);
	return -1;
}

/* ---- fields: both formats share mcelog's KEY VALUE vocabulary ---- */

enum field {
	F_TSC,
	F_ADDR,
	F_MISC,
	F_STATUS,
	F_MCGSTATUS,
	F_MCGCAP,
	F_APICID,
	F_SOCKETID,
	F_SOCKET,
	F_TIME,
	F_PPIN,
	F_MICROCODE,
	F_SYND,
	F_IPID,
	F_PROCESSOR,
	F_RIP,
	F_CPUID,
};

struct keyword {
	const char *word;
	size_t len;
	enum field field;
};

/*
 * mcelog's dump_mce() writes SOCKETID and APICID in hex; the kernel's
 * __print_mce() writes "SOCKET %u APIC %x microcode %x" and, on SMCA
 * CPUs, "SYND %llx IPID %llx". mcelog's own names SYNDROME, MICROCODE.
 * Grouped by length: a word's length picks the few keys it could be.
 */
static const struct keyword keys3[] = {
    {"TSC", 3, F_TSC},
    {"RIP", 3, F_RIP},
};
static const struct keyword keys4[] = {
    {"MISC", 4, F_MISC},   {"ADDR", 4, F_ADDR}, {"TIME", 4, F_TIME},
    {"APIC", 4, F_APICID}, {"IPID", 4, F_IPID}, {"PPIN", 4, F_PPIN},
    {"SYND", 4, F_SYND},
};
static const struct keyword keys5[] = {
    {"CPUID", 5, F_CPUID},
};
static const struct keyword keys6[] = {
    {"STATUS", 6, F_STATUS},
    {"MCGCAP", 6, F_MCGCAP},
    {"APICID", 6, F_APICID},
    {"SOCKET", 6, F_SOCKET},
};
static const struct keyword keys8[] = {
    {"SOCKETID", 8, F_SOCKETID},
    {"SYNDROME", 8, F_SYND},
};
static const struct keyword keys9[] = {
    {"MCGSTATUS", 9, F_MCGSTATUS},
    {"PROCESSOR", 9, F_PROCESSOR},
    {"MICROCODE", 9, F_MICROCODE},
    {"microcode", 9, F_MICROCODE},
};

/* Bytes a key, "MCE" or "CPU" can start with: any other line is prose
 * (mcelog's decode, the kernel's other lines) and is not tokenised. */
static const bool opens_key[256] = {
    ['A'] = true, ['C'] = true, ['I'] = true, ['M'] = true, ['m'] = true,
    ['P'] = true, ['R'] = true, ['S'] = true, ['T'] = true,
};

/* Inlined with a constant n, so each compare is a load or two, not a
 * memcmp call: the call used to dominate the lookup. */
static inline const struct keyword *find(const struct keyword *k, size_t nk,
                                         const char *w, size_t n)
{
	size_t i;

	for (i = 0; i < nk; i++)
		if (memcmp(k[i].word, w, n) == 0)
			return &k[i];
	return NULL;
}

#define NKEYS(k) (sizeof(k) / sizeof((k)[0]))

/* The key that is the word w[0, n), or NULL. */
static const struct keyword *find_key(const char *w, size_t n)
{
	switch (n) {
	case 3:
		return find(keys3, NKEYS(keys3), w, 3);
	case 4:
		return find(keys4, NKEYS(keys4), w, 4);
	case 5:
		return find(keys5, NKEYS(keys5), w, 5);
	case 6:
		return find(keys6, NKEYS(keys6), w, 6);
	case 8:
		return find(keys8, NKEYS(keys8), w, 8);
	case 9:
		return find(keys9, NKEYS(keys9), w, 9);
	default:
		return NULL;
	}
}

/* Most words after the pairs are prose, so a miss must be cheap: the
 * first byte turns most away before the word is measured. */
static const struct keyword *lookup(const struct cursor *c)
{
	if (c->p >= c->end || !opens_key[(unsigned char)*c->p])
		return NULL;
	return find_key(c->p, word_len(c));
}

static unsigned field_base(enum field f)
{
	return (f == F_SOCKET || f == F_TIME) ? 10 : 16;
}

static uint64_t field_max(enum field f)
{
	switch (f) {
	case F_APICID:
	case F_SOCKETID:
	case F_SOCKET:
	case F_MICROCODE:
		return UINT32_MAX;
	default:
		return UINT64_MAX;
	}
}

static void store(struct block *b, enum field f, uint64_t v)
{
	struct mce_record *r = &b->r;

	switch (f) {
	case F_TSC:
		r->tsc = v;
		break;
	case F_ADDR:
		r->addr = v;
		break;
	case F_MISC:
		r->misc = v;
		break;
	case F_STATUS:
		r->status = v;
		b->status = true;
		break;
	case F_MCGSTATUS:
		r->mcgstatus = v;
		break;
	case F_MCGCAP:
		r->mcgcap = v;
		break;
	case F_APICID:
		r->apicid = (uint32_t)v;
		break;
	case F_SOCKETID:
	case F_SOCKET:
		r->socketid = (uint32_t)v;
		break;
	case F_TIME:
		r->time = v;
		break;
	case F_PPIN:
		r->ppin = v;
		break;
	case F_MICROCODE:
		r->microcode = (uint32_t)v;
		break;
	case F_SYND:
		r->synd = v;
		break;
	case F_IPID:
		r->ipid = v;
		break;
	default:
		break;
	}
}

/* "PROCESSOR 0:50657": the kernel's X86_VENDOR_* number, CPUID.1:EAX. */
static int parse_processor(struct parser *ps, struct cursor *c)
{
	struct cursor tok;
	uint64_t vendor, cpuid;

	skip_ws(c);
	tok = *c;
	if (take_num(c, 10, UINT8_MAX, &vendor) < 0 || !eat(c, ":") ||
	    take_num(c, 16, UINT32_MAX, &cpuid) < 0 || !token_ends(c)) {
		reject_token(ps, "PROCESSOR", "vendor:cpuid", &tok);
		return -1;
	}
	ps->b.r.cpuvendor = (uint8_t)vendor;
	ps->b.r.cpuid = (uint32_t)cpuid;
	ps->b.processor = true;
	return 0;
}

/* mcelog "RIP !INEXACT! 10:ffffffff8100b3b6"; the kernel puts the ip in
 * <> and may follow it with {symbol}, which is left unread. */
static int parse_rip(struct parser *ps, struct cursor *c)
{
	struct cursor tok;
	uint64_t cs, ip;
	bool angle;

	skip_ws(c);
	if (eat_word(c, "!INEXACT!"))
		skip_ws(c);
	tok = *c;
	if (take_num(c, 16, UINT8_MAX, &cs) < 0 || !eat(c, ":"))
		goto bad;
	angle = eat(c, "<");
	if (take_num(c, 16, UINT64_MAX, &ip) < 0 || (angle && !eat(c, ">")) ||
	    !token_ends(c))
		goto bad;
	ps->b.r.cs = (uint8_t)cs;
	ps->b.r.ip = ip;
	return 0;
bad:
	reject_token(ps, "RIP", "cs:ip in hex", &tok);
	return -1;
}

static uint8_t vendor_number(const struct cursor *c, size_t n)
{
	if (n == 5 && memcmp(c->p, "Intel", 5) == 0)
		return MCE_VENDOR_INTEL;
	if (n == 3 && memcmp(c->p, "AMD", 3) == 0)
		return MCE_VENDOR_AMD;
	if (n == 5 && memcmp(c->p, "Hygon", 5) == 0)
		return MCE_VENDOR_HYGON;
	return MCE_VENDOR_INTEL;
}

/* CPUID.1:EAX from family/model/stepping (SDM Vol. 2A, CPUID leaf 1). */
static uint32_t make_cpuid(uint64_t family, uint64_t model, uint64_t step)
{
	uint32_t v = (uint32_t)step & 0xf;

	if (family >= 0xf)
		v |= 0xfu << 8 | (uint32_t)(family - 0xf) << 20;
	else
		v |= (uint32_t)family << 8;
	v |= ((uint32_t)model & 0xf) << 4;
	if (family == 6 || family >= 0xf)
		v |= ((uint32_t)model >> 4) << 16;
	return v;
}

/* mcelog's "CPUID Vendor Intel Family 6 Model 85 [Step 7]"; PROCESSOR,
 * when the block has it, is exact and wins. */
static int parse_cpuid_line(struct parser *ps, struct cursor *c)
{
	struct cursor vendor;
	uint64_t fam, model, step = 0;
	size_t n;

	skip_ws(c);
	if (!eat_word(c, "Vendor")) {
		reject_token(ps, "CPUID", "Vendor V Family F Model M", c);
		return -1;
	}
	skip_ws(c);
	vendor = *c;
	n = word_len(c);
	c->p += n;
	skip_ws(c);
	if (!eat_word(c, "Family")) {
		reject_token(ps, "CPUID", "'Family f'", c);
		return -1;
	}
	if (take_field(ps, c, "CPUID Family", 10, 0xf + 0xff, &fam) < 0)
		return -1;
	skip_ws(c);
	if (!eat_word(c, "Model")) {
		reject_token(ps, "CPUID", "'Model m'", c);
		return -1;
	}
	if (take_field(ps, c, "CPUID Model", 10, 0xff, &model) < 0)
		return -1;
	skip_ws(c);
	if (eat_word(c, "Step") &&
	    take_field(ps, c, "CPUID Step", 10, 0xf, &step) < 0)
		return -1;
	if (!ps->b.processor) {
		ps->b.r.cpuvendor = vendor_number(&vendor, n);
		ps->b.r.cpuid = make_cpuid(fam, model, step);
	}
	return 0;
}

static int parse_value(struct parser *ps, const struct keyword *kw,
                       struct cursor *c)
{
	uint64_t v;

	switch (kw->field) {
	case F_PROCESSOR:
		return parse_processor(ps, c);
	case F_RIP:
		return parse_rip(ps, c);
	case F_CPUID:
		return parse_cpuid_line(ps, c);
	default:
		break;
	}
	if (take_field(ps, c, kw->word, field_base(kw->field),
	               field_max(kw->field), &v) < 0)
		return -1;
	store(&ps->b, kw->field, v);
	return 0;
}

/*
 * KEY VALUE pairs, from the key kw at the cursor, until the line ends or
 * a word is no key: that is the prose mcelog appends (the TSC's decode,
 * TIME's ctime() date).
 */
static void parse_pairs(struct parser *ps, struct cursor *c,
                        const struct keyword *kw)
{
	while (kw != NULL) {
		c->p += kw->len;
		if (parse_value(ps, kw, c) < 0)
			return;
		if (kw->field == F_RIP || kw->field == F_CPUID)
			return;
		skip_ws(c);
		kw = lookup(c);
	}
}

static void parse_fields(struct parser *ps, struct cursor *c)
{
	skip_ws(c);
	parse_pairs(ps, c, lookup(c));
}

/*
 * The kernel's "CPU 0: Machine Check[ Exception]: <mcgstatus> Bank 1:
 * <status>" (arch/x86/kernel/cpu/mce/core.c, __print_mce), after the CPU
 * number.
 */
static void parse_kernel_cpu(struct parser *ps, struct cursor *c)
{
	struct cursor tok;
	uint64_t v;

	c->p++; /* the ':' */
	skip_ws(c);
	if (!eat(c, "Machine Check")) {
		reject_token(ps, "CPU", "'CPU n: Machine Check'", c);
		return;
	}
	eat(c, " Exception");
	if (!eat(c, ":")) {
		reject_token(ps, "CPU", "'Machine Check:'", c);
		return;
	}
	if (take_field(ps, c, "MCGSTATUS", 16, UINT64_MAX, &v) < 0)
		return;
	store(&ps->b, F_MCGSTATUS, v);
	skip_ws(c);
	if (!eat_word(c, "Bank")) {
		reject_token(ps, "CPU", "'Bank n:'", c);
		return;
	}
	skip_ws(c);
	tok = *c;
	if (take_num(c, 10, UINT8_MAX, &v) < 0 || !eat(c, ":")) {
		reject_token(ps, "Bank", "decimal and ':'", &tok);
		return;
	}
	ps->b.r.bank = (uint8_t)v;
	ps->b.bank = true;
	if (take_field(ps, c, "STATUS", 16, UINT64_MAX, &v) < 0)
		return;
	store(&ps->b, F_STATUS, v);
	parse_fields(ps, c);
}

/* mcelog's "CPU 3 BANK 7 [TSC ...]" (or "CPU 3 7", which it also reads),
 * after the CPU number. */
static void parse_mcelog_cpu(struct parser *ps, struct cursor *c)
{
	uint64_t bank;

	skip_ws(c);
	if (eat_word(c, "BANK"))
		skip_ws(c);
	else if (!starts_digit(c)) {
		reject_token(ps, "CPU", "'CPU n BANK n'", c);
		return;
	}
	if (take_field(ps, c, "BANK", 10, UINT8_MAX, &bank) < 0)
		return;
	ps->b.r.bank = (uint8_t)bank;
	ps->b.bank = true;
	parse_fields(ps, c);
}

static void parse_cpu_line(struct parser *ps, struct cursor *c)
{
	struct cursor tok;
	uint64_t cpu;

	skip_ws(c);
	if (!starts_digit(c))
		return; /* prose: "CPU is unsupported" */
	text_start_block(ps, false);
	ps->b.fields = true;
	tok = *c;
	if (take_num(c, 10, UINT32_MAX, &cpu) < 0 ||
	    !(token_ends(c) || *c->p == ':')) {
		reject_token(ps, "CPU", "decimal", &tok);
		return;
	}
	ps->b.r.extcpu = (uint32_t)cpu;
	ps->b.cpu = true;
	if (c->p < c->end && *c->p == ':')
		parse_kernel_cpu(ps, c);
	else
		parse_mcelog_cpu(ps, c);
}

/* "MCE n" opens a block; an "MCE" line with anything else is prose. */
static void parse_header(struct parser *ps, struct cursor *c)
{
	uint64_t n;

	skip_ws(c);
	if (take_num(c, 10, UINT64_MAX, &n) < 0 || !token_ends(c))
		return;
	text_start_block(ps, true);
}

static void parse_line(struct parser *ps, struct cursor *c)
{
	const struct keyword *kw;
	size_t n;

	skip_ws(c);
	if (c->p >= c->end || !opens_key[(unsigned char)*c->p])
		return;
	/* Measured once, for "MCE", "CPU" and the keys alike. */
	n = word_len(c);
	if (n == 3 && memcmp(c->p, "MCE", 3) == 0) {
		c->p += 3;
		parse_header(ps, c);
		return;
	}
	if (n == 3 && memcmp(c->p, "CPU", 3) == 0) {
		c->p += 3;
		parse_cpu_line(ps, c);
		return;
	}
	kw = find_key(c->p, n);
	if (kw == NULL)
		return; /* mcelog's decode, the kernel's other lines */
	if (ps->b.open && ps->b.bad)
		return;
	text_need_block(ps);
	parse_pairs(ps, c, kw);
}

/* ---- formats and their detection ---- */

/* A kernel line is whatever follows its "[Hardware Error]:" tag, after
 * any dmesg timestamp, syslog header or "mce: " prefix. */
static bool dmesg_payload(struct cursor *c)
{
	static const char tag[] = "[Hardware Error]:";
	const char *q;

	q = memmem(c->p, (size_t)(c->end - c->p), tag, sizeof(tag) - 1);
	if (q == NULL)
		return false;
	c->p = q + sizeof(tag) - 1;
	return true;
}

/* "MCE n" or "CPU n...": the first line of a record in either format. */
static bool opens_record(struct cursor c)
{
	size_t n;

	skip_ws(&c);
	n = word_len(&c);
	if (n != 3 || (memcmp(c.p, "MCE", 3) != 0 && memcmp(c.p, "CPU", 3)))
		return false;
	c.p += n;
	skip_ws(&c);
	return starts_digit(&c);
}

/* Bytes no text capture holds; ESC stays text (coloured dmesg). */
static bool has_control_bytes(const unsigned char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] >= 0x20 && s[i] != 0x7f)
			continue;
		if (s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
		    s[i] == '\f' || s[i] == '\v' || s[i] == 0x1b)
			continue;
		return true;
	}
	return false;
}

enum mce_format mce_format_detect(const void *buf, size_t len)
{
	const char *p = buf, *end = p + len, *nl, *e;
	struct cursor c;

	if (len == 0)
		return MCE_FORMAT_MCELOG;
	if (has_control_bytes(
	        buf, len < DETECT_BINARY_BYTES ? len : DETECT_BINARY_BYTES))
		return MCE_FORMAT_BINARY;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl != NULL ? nl : end;
		c.p = p;
		c.end = e;
		if (dmesg_payload(&c) && opens_record(c))
			return MCE_FORMAT_DMESG;
		c.p = p;
		if (opens_record(c))
			return MCE_FORMAT_MCELOG;
		p = nl != NULL ? nl + 1 : end;
	}
	return MCE_FORMAT_MCELOG;
}

/* Past the newline at or after q: the parse stops on it, or on prose. */
static const char *next_line(const char *q, const char *end)
{
	const char *nl;

	if (q < end && *q == '\n')
		return q + 1;
	nl = memchr(q, '\n', (size_t)(end - q));
	return nl != NULL ? nl + 1 : end;
}

/* A kernel line needs its end first: its tag is searched for in it. */
static const char *parse_dmesg_line(struct parser *ps, const char *s,
                                    const char *end)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	struct cursor c = {s, nl != NULL ? nl : end};

	if (c.end > s && c.end[-1] == '\r')
		c.end--;
	if (dmesg_payload(&c))
		parse_line(ps, &c);
	return nl != NULL ? nl + 1 : end;
}

/* An mcelog line is read in place up to where the parse stops (a CR
 * before the newline is a blank to it); returns the next line. */
static const char *parse_one_line(struct parser *ps, const char *s,
                                  const char *end)
{
	struct cursor c = {s, end};

	if (ps->fmt == MCE_FORMAT_DMESG)
		return parse_dmesg_line(ps, s, end);
	parse_line(ps, &c);
	return next_line(c.p, end);
}

static void init_parser(struct parser *ps, const char *name,
                        enum mce_format fmt, mce_record_fn fn, void *arg,
                        struct mce_text_result *res)
{
	memset(ps, 0, sizeof(*ps));
	ps->name = name != NULL ? name : "input";
	ps->fmt = fmt;
	ps->fn = fn;
	ps->arg = arg;
	ps->res = res;
}

int mce_text_parse(const char *text, size_t len, enum mce_format fmt,
                   const char *name, mce_record_fn fn, void *arg,
                   struct mce_text_result *res)
{
	struct parser ps;
	const char *p = text, *end = text + len;

	memset(res, 0, sizeof(*res));
	if (text == NULL)
		p = end = "";
	if (fmt == MCE_FORMAT_AUTO)
		fmt = mce_format_detect(p, (size_t)(end - p));
	init_parser(&ps, name, fmt, fn, arg, res);
	if (fn == NULL ||
	    (fmt != MCE_FORMAT_MCELOG && fmt != MCE_FORMAT_DMESG)) {
		add_error(res, ps.name, 0, "not a text format: %s",
		          mce_format_name(fmt));
		return -1;
	}
	while (p < end && !res->stopped) {
		ps.line++;
		p = parse_one_line(&ps, p, end);
	}
	if (!res->stopped)
		finish_block(&ps);
	res->lines = ps.line;
	return 0;
}

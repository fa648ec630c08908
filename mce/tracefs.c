/* tracefs.c - tracefs as a record source: format files parsed, raw ring-
 * buffer pages walked, mce_record and mc_event fields mapped by name. */
#include <endian.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "mce/tracefs.h"

#define FIELD_VALUE_MAX 65535u /* offsets in __data_loc are 16 bits */
#define ID_MAX          65535u /* common_type is an unsigned short */

/* Page header flags (kernel/trace/ring_buffer.c, libtraceevent kbuffer). */
#define COMMIT_MASK   ((1ULL << 27) - 1)
#define MISSED_EVENTS (1ULL << 31)
#define MISSED_STORED (1ULL << 30)
#define TS_SHIFT      27
#define TS_MSB        (0xf8ULL << 56) /* absolute stamps lack these bits */
#define TYPE_PADDING  29
#define TYPE_TIME_EXT 30
#define TYPE_TIME_ABS 31
#define EVENT_HDR_LEN 4

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- little-endian loads from byte buffers: memcpy, never a cast ---- */

static uint32_t load32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return le32toh(v);
}

static uint64_t load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return le64toh(v);
}

static uint64_t load_le(const unsigned char *p, size_t size)
{
	uint16_t v16;

	switch (size) {
	case 1:
		return p[0];
	case 2:
		memcpy(&v16, p, sizeof(v16));
		return le16toh(v16);
	case 4:
		return load32(p);
	default:
		return load64(p);
	}
}

/* Whether [off, off + n) lies in a buffer of len bytes, without overflow. */
static bool fits(uint64_t off, uint64_t n, size_t len)
{
	return off <= len && n <= len - off;
}

/* ---- format files ---- */

struct span {
	const char *p;
	const char *end;
};

struct fparse {
	const char *name; /* of the source, for messages */
	uint64_t line;
	struct tracefs_format *out;
	bool in_format;
	bool have_name;
	bool have_id;
	char *err;
	size_t errlen;
};

static int fp_error(struct fparse *fp, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Always -1, so callers can `return fp_error(...)`. */
static int fp_error(struct fparse *fp, const char *fmt, ...)
{
	char reason[TRACEFS_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	set_err(fp->err, fp->errlen, "%s:%llu: %s", fp->name,
	        (unsigned long long)fp->line, reason);
	return -1;
}

static bool is_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r';
}

static bool is_ident(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '_';
}

static size_t span_len(const struct span *s)
{
	return (size_t)(s->end - s->p);
}

static void trim(struct span *s)
{
	while (s->p < s->end && is_blank(*s->p))
		s->p++;
	while (s->end > s->p && is_blank(s->end[-1]))
		s->end--;
}

static bool eat(struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	if (span_len(s) < n || memcmp(s->p, lit, n) != 0)
		return false;
	s->p += n;
	return true;
}

/* The span is exactly `lit`. */
static bool span_is(const struct span *s, const char *lit)
{
	size_t n = strlen(lit);

	return span_len(s) == n && memcmp(s->p, lit, n) == 0;
}

/* A whole span of decimal digits, up to max. */
static int span_dec(struct span s, uint32_t max, uint32_t *out)
{
	uint64_t v = 0;

	trim(&s);
	if (s.p == s.end)
		return -1;
	for (; s.p < s.end; s.p++) {
		if (*s.p < '0' || *s.p > '9')
			return -1;
		v = v * 10 + (uint64_t)(*s.p - '0');
		if (v > max)
			return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Copies s into dst of cap bytes; -1 if it does not fit. */
static int span_copy(char *dst, size_t cap, const struct span *s)
{
	size_t n = span_len(s);

	if (n >= cap)
		return -1;
	memcpy(dst, s->p, n);
	dst[n] = '\0';
	return 0;
}

static int parse_name_line(struct fparse *fp, struct span v)
{
	const char *q;

	trim(&v);
	if (fp->have_name)
		return fp_error(fp, "second name line");
	if (v.p == v.end)
		return fp_error(fp, "empty event name");
	for (q = v.p; q < v.end; q++)
		if (!is_ident(*q))
			return fp_error(fp, "bad event name");
	if (span_copy(fp->out->name, sizeof(fp->out->name), &v) != 0)
		return fp_error(fp, "event name too long");
	fp->have_name = true;
	return 0;
}

static int parse_id_line(struct fparse *fp, struct span v)
{
	if (fp->have_id)
		return fp_error(fp, "second ID line");
	if (span_dec(v, ID_MAX, &fp->out->id) != 0)
		return fp_error(fp, "bad ID: want 0..%u", ID_MAX);
	fp->have_id = true;
	return 0;
}

/*
 * Trailing "[N]" groups of a declaration: cut from *decl, their text
 * returned in *suffix, the element count (product of numeric
 * dimensions, 0 if any is not a number: "[sizeof(struct in6_addr)]",
 * "[]") in *count. -1 on an unbalanced bracket.
 */
static int cut_dims(struct span *decl, struct span *suffix, uint32_t *count)
{
	uint64_t total = 1;
	uint32_t dim;
	bool numeric = true;
	const char *open;

	suffix->p = suffix->end = decl->end;
	while (decl->end > decl->p && decl->end[-1] == ']') {
		open = decl->end - 1;
		while (open > decl->p && *open != '[')
			open--;
		if (*open != '[')
			return -1;
		if (span_dec((struct span){open + 1, decl->end - 1}, UINT32_MAX,
		             &dim) != 0)
			numeric = false;
		if (numeric && (total *= dim) > UINT32_MAX)
			numeric = false;
		decl->end = open;
		suffix->p = open;
		trim(decl);
	}
	*count = numeric && suffix->p != suffix->end ? (uint32_t)total : 0;
	return 0;
}

/* "TYPE NAME" or "TYPE NAME[N]": the name is the last identifier. */
static int parse_decl(struct fparse *fp, struct span decl,
                      struct tracefs_field *fl)
{
	struct span suffix, name, type;
	size_t tlen;

	trim(&decl);
	if (cut_dims(&decl, &suffix, &fl->array_len) != 0)
		return fp_error(fp, "unbalanced '[' in field");
	fl->array = suffix.p != suffix.end;
	name.end = decl.end;
	name.p = decl.end;
	while (name.p > decl.p && is_ident(name.p[-1]))
		name.p--;
	if (name.p == name.end)
		return fp_error(fp, "no field name");
	type.p = decl.p;
	type.end = name.p;
	trim(&type);
	if (type.p == type.end)
		return fp_error(fp, "no type for field %.*s",
		                (int)span_len(&name), name.p);
	if (span_copy(fl->name, sizeof(fl->name), &name) != 0)
		return fp_error(fp, "field name too long");
	tlen = span_len(&type);
	if (tlen + span_len(&suffix) >= sizeof(fl->type))
		return fp_error(fp, "type of field %s too long", fl->name);
	memcpy(fl->type, type.p, tlen);
	memcpy(fl->type + tlen, suffix.p, span_len(&suffix));
	fl->type[tlen + span_len(&suffix)] = '\0';
	fl->relative = strncmp(fl->type, "__rel_loc ", 10) == 0;
	fl->dynamic = fl->relative || strncmp(fl->type, "__data_loc ", 11) == 0;
	fl->common = strncmp(fl->name, "common_", 7) == 0;
	return 0;
}

struct attrs {
	bool offset, size, is_signed;
};

/* One "key:value" of a field line; unknown keys are for newer kernels. */
static int parse_attr(struct fparse *fp, struct span key, struct span val,
                      struct tracefs_field *fl, struct attrs *seen)
{
	uint32_t v;
	bool is_offset, is_size, is_signed;

	trim(&key);
	is_offset = span_is(&key, "offset");
	is_size = span_is(&key, "size");
	is_signed = span_is(&key, "signed");
	if (!is_offset && !is_size && !is_signed)
		return 0;
	if (span_dec(val, FIELD_VALUE_MAX, &v) != 0)
		return fp_error(fp, "bad %s value for field %s",
		                is_offset ? "offset"
		                : is_size ? "size"
		                          : "signed",
		                fl->name);
	if (is_offset) {
		fl->offset = v;
		seen->offset = true;
	} else if (is_size) {
		fl->size = v;
		seen->size = true;
	} else {
		if (v > 1)
			return fp_error(fp, "signed:%u for field %s", v,
			                fl->name);
		fl->is_signed = v == 1;
		seen->is_signed = true;
	}
	return 0;
}

/* "\toffset:N;\tsize:N;\tsigned:N;" in any order; signed is optional,
 * as kernels before 2.6.31 did not print it. */
static int parse_attrs(struct fparse *fp, struct span s,
                       struct tracefs_field *fl)
{
	struct attrs seen = {false, false, false};
	struct span key, val;
	const char *colon, *semi;

	for (;;) {
		trim(&s);
		if (s.p == s.end)
			break;
		colon = memchr(s.p, ':', span_len(&s));
		if (colon == NULL)
			return fp_error(fp, "no ':' in attribute of field %s",
			                fl->name);
		semi = memchr(colon, ';', (size_t)(s.end - colon));
		key = (struct span){s.p, colon};
		val = (struct span){colon + 1, semi != NULL ? semi : s.end};
		if (parse_attr(fp, key, val, fl, &seen) != 0)
			return -1;
		s.p = semi != NULL ? semi + 1 : s.end;
	}
	if (!seen.offset)
		return fp_error(fp, "no offset");
	if (!seen.size)
		return fp_error(fp, "no size");
	return 0;
}

static int check_field(struct fparse *fp, const struct tracefs_field *fl)
{
	if (fl->dynamic && fl->size != 4)
		return fp_error(fp, "dynamic field %s has size %u, want 4",
		                fl->name, fl->size);
	if (tracefs_field_find(fp->out, fl->name) != NULL)
		return fp_error(fp, "duplicate field %s", fl->name);
	if (fp->out->n_fields >= TRACEFS_MAX_FIELDS)
		return fp_error(fp, "more than %d fields", TRACEFS_MAX_FIELDS);
	return 0;
}

static int parse_field_line(struct fparse *fp, struct span s)
{
	struct tracefs_field fl;
	const char *semi;

	if (!fp->in_format)
		return fp_error(fp, "field before the format: line");
	memset(&fl, 0, sizeof(fl));
	semi = memchr(s.p, ';', span_len(&s));
	if (semi == NULL)
		return fp_error(fp, "field without ';'");
	if (parse_decl(fp, (struct span){s.p, semi}, &fl) != 0 ||
	    parse_attrs(fp, (struct span){semi + 1, s.end}, &fl) != 0 ||
	    check_field(fp, &fl) != 0)
		return -1;
	fp->out->fields[fp->out->n_fields++] = fl;
	return 0;
}

/* One line; 1 at "print fmt:", after which nothing more is read. */
static int parse_format_line(struct fparse *fp, struct span s)
{
	trim(&s);
	if (s.p == s.end)
		return 0;
	if (eat(&s, "name:"))
		return parse_name_line(fp, s);
	if (eat(&s, "ID:"))
		return parse_id_line(fp, s);
	if (eat(&s, "print fmt:"))
		return 1;
	if (eat(&s, "format:")) {
		fp->in_format = true;
		return 0;
	}
	/* Kernels before 2.6.32 wrote arrays as "field special:". */
	if (eat(&s, "field:") || eat(&s, "field special:"))
		return parse_field_line(fp, s);
	if (fp->in_format)
		return fp_error(fp, "unexpected line in format");
	return 0;
}

static int finish_format(struct fparse *fp)
{
	if (!fp->have_name)
		return fp_error(fp, "no name: line");
	if (!fp->have_id)
		return fp_error(fp, "no ID: line");
	if (!fp->in_format)
		return fp_error(fp, "no format: line");
	return 0;
}

/*
 * The print fmt may go on over lines: aer_event's string ends in a
 * newline (ras_event.h). It runs to the next file's "name:" or the end.
 */
static const char *skip_print_fmt(const char *p, const char *end)
{
	const char *nl;

	while (p < end && !(end - p >= 5 && memcmp(p, "name:", 5) == 0)) {
		nl = memchr(p, '\n', (size_t)(end - p));
		p = nl != NULL ? nl + 1 : end;
	}
	return p;
}

int tracefs_format_parse(const char *text, size_t len, const char *name,
                         struct tracefs_format *out, size_t *used, char *err,
                         size_t errlen)
{
	struct fparse fp;
	const char *p = text, *end, *nl, *next;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(&fp, 0, sizeof(fp));
	fp.name = name != NULL ? name : "format";
	fp.out = out;
	fp.err = err;
	fp.errlen = errlen;
	if (text == NULL) {
		p = text = "";
		len = 0;
	}
	end = p + len;
	while (p < end && rc == 0) {
		nl = memchr(p, '\n', (size_t)(end - p));
		next = nl != NULL ? nl + 1 : end;
		fp.line++;
		rc = parse_format_line(&fp, (struct span){p, nl ? nl : end});
		p = next;
	}
	if (rc == 1)
		p = skip_print_fmt(p, end);
	if (used != NULL)
		*used = (size_t)(p - text);
	if (rc < 0)
		return -1;
	return finish_format(&fp);
}

const struct tracefs_field *tracefs_field_find(const struct tracefs_format *f,
                                               const char *name)
{
	size_t i;

	for (i = 0; i < f->n_fields; i++)
		if (strcmp(f->fields[i].name, name) == 0)
			return &f->fields[i];
	return NULL;
}

/* ---- field access, through slots so bound maps share it ---- */

static bool scalar_size(uint32_t size)
{
	return size == 1 || size == 2 || size == 4 || size == 8;
}

static struct tracefs_slot slot_of(const struct tracefs_field *fl)
{
	struct tracefs_slot s;

	s.offset = fl->offset;
	s.size = fl->size;
	s.present = true;
	s.is_signed = fl->is_signed;
	s.dynamic = fl->dynamic;
	s.relative = fl->relative;
	return s;
}

static uint64_t slot_u64(const struct tracefs_slot *s, const unsigned char *r)
{
	uint64_t v = load_le(r + s->offset, s->size);

	if (s->is_signed && s->size < 8 && (v >> (s->size * 8 - 1)) != 0)
		v |= ~0ULL << (s->size * 8);
	return v;
}

/* The data of a dynamic slot, checked against the record's length. */
static int slot_dyn(const struct tracefs_slot *s, const unsigned char *r,
                    size_t len, const unsigned char **data, size_t *dlen)
{
	uint32_t loc = load32(r + s->offset);
	uint64_t off = loc & 0xffff, n = loc >> 16;

	if (s->relative)
		off += (uint64_t)s->offset + s->size;
	if (!fits(off, n, len))
		return -1;
	*data = r + off;
	*dlen = (size_t)n;
	return 0;
}

int tracefs_field_u64(const struct tracefs_field *fl, const void *rec,
                      size_t len, uint64_t *out)
{
	struct tracefs_slot s = slot_of(fl);

	if (fl->dynamic || fl->array || !scalar_size(fl->size) ||
	    !fits(fl->offset, fl->size, len))
		return -1;
	*out = slot_u64(&s, rec);
	return 0;
}

int tracefs_field_dyn(const struct tracefs_field *fl, const void *rec,
                      size_t len, const unsigned char **data, size_t *dlen)
{
	struct tracefs_slot s = slot_of(fl);

	if (!fl->dynamic || !fits(fl->offset, 4, len))
		return -1;
	return slot_dyn(&s, rec, len, data, dlen);
}

/* ---- binding: the fields an event decoder wants, by name ---- */

#define MCE(f, size, req, m)                                                   \
	{                                                                      \
		f, TRACEFS_NUMBER, size, req, offsetof(struct mce_record, m),  \
		    0                                                          \
	}

/* include/trace/events/mce.h, every generation: see the test formats. */
static const struct tracefs_member mce_members[TRACEFS_MCE_SLOTS] = {
    MCE("mcgcap", 8, false, mcgcap),
    MCE("mcgstatus", 8, false, mcgstatus),
    MCE("status", 8, true, status),
    MCE("addr", 8, false, addr),
    MCE("misc", 8, false, misc),
    MCE("synd", 8, false, synd), /* not in the oldest layout */
    MCE("ipid", 8, false, ipid), /* nor this */
    MCE("ip", 8, false, ip),
    MCE("tsc", 8, false, tsc),
    MCE("ppin", 8, false, ppin), /* 6.10+ */
    MCE("walltime", 8, false, time),
    MCE("cpu", 4, true, extcpu), /* the kernel stores extcpu */
    MCE("cpuid", 4, false, cpuid),
    MCE("apicid", 4, false, apicid),
    MCE("socketid", 4, false, socketid),
    MCE("cs", 1, false, cs),
    MCE("bank", 1, true, bank),
    MCE("cpuvendor", 1, false, cpuvendor),
    MCE("microcode", 4, false, microcode), /* 6.10+ */
};

#undef MCE

#define MC(f, size, req, m)                                                    \
	{                                                                      \
		f, TRACEFS_NUMBER, size, req,                                  \
		    offsetof(struct tracefs_mc_event, m), 0                    \
	}
#define MC_STR(f, req, m, cap)                                                 \
	{                                                                      \
		f, TRACEFS_STRING, 4, req,                                     \
		    offsetof(struct tracefs_mc_event, m), cap                  \
	}

/* include/ras/ras_event.h; `long` is 8 bytes on x86_64. */
static const struct tracefs_member mc_members[TRACEFS_MC_SLOTS] = {
    MC("error_type", 4, true, error_type),
    MC_STR("msg", false, msg, TRACEFS_MC_MSG_MAX),
    MC_STR("label", true, label, TRACEFS_MC_LABEL_MAX),
    MC("error_count", 2, false, error_count), /* 3.10+ */
    MC("mc_index", 1, false, mc_index),
    MC("top_layer", 1, false, top_layer),
    MC("middle_layer", 1, false, middle_layer),
    MC("lower_layer", 1, false, lower_layer),
    MC("address", 8, true, address),
    MC("grain_bits", 1, false, grain_bits),
    MC("syndrome", 8, false, syndrome),
    MC_STR("driver_detail", false, driver_detail, TRACEFS_MC_DETAIL_MAX),
};

#undef MC
#undef MC_STR

/* Index of error_count in mc_members: its default is 1, not 0. */
#define MC_ERROR_COUNT 3

/* The first field of "a|b|c" the format has, or NULL. */
static const struct tracefs_field *find_alt(const struct tracefs_format *fmt,
                                            const char *names)
{
	const struct tracefs_field *fl;
	char one[TRACEFS_NAME_MAX];
	const char *p = names, *bar;
	size_t n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n < sizeof(one)) {
			memcpy(one, p, n);
			one[n] = '\0';
			if ((fl = tracefs_field_find(fmt, one)) != NULL)
				return fl;
		}
		if (bar == NULL)
			return NULL;
		p = bar + 1;
	}
}

/* Whether `name` is one of the alternatives of "a|b|c". */
static bool names_has(const char *names, const char *name)
{
	size_t n = strlen(name);
	const char *p = names;

	while ((p = strstr(p, name)) != NULL) {
		if ((p == names || p[-1] == '|') &&
		    (p[n] == '\0' || p[n] == '|'))
			return true;
		p += n;
	}
	return false;
}

/* Why the field cannot fill the member, or NULL when it can. */
static const char *shape_error(const struct tracefs_member *m,
                               const struct tracefs_field *fl, char *buf,
                               size_t len)
{
	switch (m->kind) {
	case TRACEFS_STRING:
		if (!fl->dynamic)
			return "is not a __data_loc string";
		return NULL;
	case TRACEFS_BYTES:
		if (m->cap == 0)
			return NULL; /* known, not kept: any shape */
		if (fl->dynamic)
			return "is a __data_loc field, want fixed bytes";
		if (fl->size < m->size) {
			snprintf(buf, len, "has size %u, want at least %u",
			         fl->size, m->size);
			return buf;
		}
		return NULL;
	default:
		if (fl->dynamic || fl->array)
			return "is an array, want a number";
		if (fl->size != m->size) {
			snprintf(buf, len, "has size %u, want %u", fl->size,
			         m->size);
			return buf;
		}
		return NULL;
	}
}

static void note_add(char *note, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* "; "-separated, cut where it no longer fits. */
static void note_add(char *note, size_t len, const char *fmt, ...)
{
	size_t used;
	va_list ap;

	if (note == NULL || len == 0 || (used = strlen(note)) + 3 >= len)
		return;
	if (used > 0) {
		memcpy(note + used, "; ", 3);
		used += 2;
	}
	va_start(ap, fmt);
	vsnprintf(note + used, len - used, fmt, ap);
	va_end(ap);
}

struct bind_ctx {
	const struct tracefs_format *fmt;
	bool lenient;
	char *note;
	size_t notelen;
	char *err;
	size_t errlen;
};

static int bind_member(struct bind_ctx *c, const struct tracefs_member *m,
                       struct tracefs_slot *slot)
{
	const struct tracefs_field *fl = find_alt(c->fmt, m->name);
	const char *why;
	char buf[64];

	memset(slot, 0, sizeof(*slot));
	if (fl == NULL) {
		if (!m->required)
			return 0;
		set_err(c->err, c->errlen, "%s: no field %s", c->fmt->name,
		        m->name);
		return -1;
	}
	why = shape_error(m, fl, buf, sizeof(buf));
	if (why != NULL && (m->required || !c->lenient)) {
		set_err(c->err, c->errlen, "%s: field %s %s", c->fmt->name,
		        fl->name, why);
		return -1;
	}
	if (why != NULL) {
		note_add(c->note, c->notelen, "field %s %s: not read", fl->name,
		         why);
		return 0;
	}
	*slot = slot_of(fl);
	if (c->lenient && m->kind == TRACEFS_BYTES && m->cap > 0 &&
	    fl->size > m->cap)
		note_add(c->note, c->notelen, "field %s has %u bytes, %zu read",
		         fl->name, fl->size, m->cap);
	return 0;
}

/* Lenient binding says which fields of the format it does not know. */
static void note_unknown(struct bind_ctx *c, const struct tracefs_member *tab,
                         size_t n)
{
	char names[TRACEFS_NOTE_MAX] = "";
	size_t i, k, used = 0;
	bool known;

	for (i = 0; i < c->fmt->n_fields; i++) {
		const struct tracefs_field *fl = &c->fmt->fields[i];

		if (fl->common)
			continue;
		for (k = 0, known = false; k < n && !known; k++)
			known = names_has(tab[k].name, fl->name);
		if (known || used + strlen(fl->name) + 3 >= sizeof(names))
			continue;
		used += (size_t)snprintf(names + used, sizeof(names) - used,
		                         "%s%s", used ? ", " : "", fl->name);
	}
	if (used > 0)
		note_add(c->note, c->notelen, "fields not known: %s", names);
}

static int bind_slots(struct bind_ctx *c, const struct tracefs_member *tab,
                      size_t n, struct tracefs_slot *slots, size_t *min_len)
{
	size_t i, need = 0;

	for (i = 0; i < n; i++) {
		if (bind_member(c, &tab[i], &slots[i]) != 0)
			return -1;
		if (slots[i].present &&
		    (size_t)slots[i].offset + slots[i].size > need)
			need = (size_t)slots[i].offset + slots[i].size;
	}
	if (c->lenient)
		note_unknown(c, tab, n);
	*min_len = need;
	return 0;
}

int tracefs_bind(const struct tracefs_format *fmt,
                 const struct tracefs_member *tab, size_t n, bool lenient,
                 struct tracefs_binding *b, char *err, size_t errlen)
{
	struct bind_ctx c = {fmt, lenient, NULL, 0, err, errlen};

	memset(b, 0, sizeof(*b));
	if (n > TRACEFS_BIND_MAX) {
		set_err(err, errlen, "%s: %zu members, at most %d", fmt->name,
		        n, TRACEFS_BIND_MAX);
		return -1;
	}
	b->id = fmt->id;
	b->n = n;
	snprintf(b->event, sizeof(b->event), "%s", fmt->name);
	c.note = b->note;
	c.notelen = sizeof(b->note);
	return bind_slots(&c, tab, n, b->slot, &b->min_len);
}

int tracefs_mce_bind(const struct tracefs_format *fmt,
                     struct tracefs_mce_map *map, char *err, size_t errlen)
{
	struct bind_ctx c = {fmt, false, NULL, 0, err, errlen};

	memset(map, 0, sizeof(*map));
	map->id = fmt->id;
	return bind_slots(&c, mce_members, TRACEFS_MCE_SLOTS, map->slot,
	                  &map->min_len);
}

int tracefs_mc_bind(const struct tracefs_format *fmt,
                    struct tracefs_mc_map *map, char *err, size_t errlen)
{
	struct bind_ctx c = {fmt, false, NULL, 0, err, errlen};

	memset(map, 0, sizeof(*map));
	map->id = fmt->id;
	return bind_slots(&c, mc_members, TRACEFS_MC_SLOTS, map->slot,
	                  &map->min_len);
}

/* ---- decoding a record through a bound table ---- */

/* Member widths are the field sizes: 1, 2, 4 or 8 bytes. */
static void store(unsigned char *base, const struct tracefs_member *m,
                  uint64_t v)
{
	uint8_t v8 = (uint8_t)v;
	uint16_t v16 = (uint16_t)v;
	uint32_t v32 = (uint32_t)v;

	switch (m->size) {
	case 1:
		memcpy(base + m->off, &v8, 1);
		break;
	case 2:
		memcpy(base + m->off, &v16, 2);
		break;
	case 4:
		memcpy(base + m->off, &v32, 4);
		break;
	default:
		memcpy(base + m->off, &v, 8);
		break;
	}
}

/*
 * Up to the first NUL (the kernel's __string includes it), cut to fit.
 * Control bytes become '?': a label goes on into syslog lines and the
 * journal, where a newline would forge a record.
 */
static bool copy_string(char *dst, size_t cap, const unsigned char *src,
                        size_t n)
{
	const unsigned char *nul = memchr(src, '\0', n);
	size_t i, len = nul != NULL ? (size_t)(nul - src) : n;
	bool cut = len > cap - 1;

	if (cut)
		len = cap - 1;
	for (i = 0; i < len; i++)
		dst[i] = (src[i] < 0x20 || src[i] == 0x7f) ? '?' : (char)src[i];
	dst[len] = '\0';
	return cut;
}

struct decode_ctx {
	const char *event;
	const unsigned char *rec;
	size_t len;
	unsigned char *base;
	bool truncated;
	char *err;
	size_t errlen;
};

/* Fixed bytes (an array, a struct): as many as the member holds. */
static void copy_bytes(struct decode_ctx *c, const struct tracefs_member *m,
                       const struct tracefs_slot *s)
{
	size_t n = s->size < m->cap ? s->size : m->cap;

	memcpy(c->base + m->off, c->rec + s->offset, n);
}

static int decode_member(struct decode_ctx *c, const struct tracefs_member *m,
                         const struct tracefs_slot *s)
{
	const unsigned char *data;
	size_t n;

	if (!s->present)
		return 0;
	if (m->kind == TRACEFS_NUMBER) {
		store(c->base, m, slot_u64(s, c->rec));
		return 0;
	}
	if (m->kind == TRACEFS_BYTES) {
		copy_bytes(c, m, s);
		return 0;
	}
	if (slot_dyn(s, c->rec, c->len, &data, &n) != 0) {
		set_err(c->err, c->errlen,
		        "%s: field %s: data outside the %zu-byte record",
		        c->event, m->name, c->len);
		return -1;
	}
	if (copy_string((char *)c->base + m->off, m->cap, data, n))
		c->truncated = true;
	return 0;
}

static int decode_table(struct decode_ctx *c, const struct tracefs_member *tab,
                        const struct tracefs_slot *slots, size_t n,
                        size_t min_len)
{
	size_t i;

	if (c->len < min_len) {
		set_err(c->err, c->errlen,
		        "%s: record of %zu bytes, its fields need %zu",
		        c->event, c->len, min_len);
		return -1;
	}
	for (i = 0; i < n; i++)
		if (decode_member(c, &tab[i], &slots[i]) != 0)
			return -1;
	return 0;
}

int tracefs_decode(const struct tracefs_binding *b,
                   const struct tracefs_member *tab, const void *rec,
                   size_t len, void *out, bool *truncated, char *err,
                   size_t errlen)
{
	struct decode_ctx c = {b->event, rec, len, out, false, err, errlen};
	int rc = decode_table(&c, tab, b->slot, b->n, b->min_len);

	if (truncated != NULL)
		*truncated = c.truncated;
	return rc;
}

int tracefs_mce_decode(const struct tracefs_mce_map *map, const void *rec,
                       size_t len, struct mce_record *out, char *err,
                       size_t errlen)
{
	struct decode_ctx c = {"mce_record", rec, len,   (unsigned char *)out,
	                       false,        err, errlen};

	memset(out, 0, sizeof(*out));
	return decode_table(&c, mce_members, map->slot, TRACEFS_MCE_SLOTS,
	                    map->min_len);
}

int tracefs_mc_decode(const struct tracefs_mc_map *map, const void *rec,
                      size_t len, struct tracefs_mc_event *out, char *err,
                      size_t errlen)
{
	struct decode_ctx c = {"mc_event", rec, len,   (unsigned char *)out,
	                       false,      err, errlen};

	memset(out, 0, sizeof(*out));
	/* Kernels before 3.10 had no count: each event was one error. */
	if (!map->slot[MC_ERROR_COUNT].present)
		out->error_count = 1;
	if (decode_table(&c, mc_members, map->slot, TRACEFS_MC_SLOTS,
	                 map->min_len) != 0)
		return -1;
	out->truncated = c.truncated;
	return 0;
}

const char *tracefs_mc_err_name(uint32_t error_type)
{
	static const char *const names[] = {"Corrected", "Uncorrected",
	                                    "Deferred", "Fatal", "Info"};

	if (error_type >= sizeof(names) / sizeof(names[0]))
		return "Unknown";
	return names[error_type];
}

/* ---- raw ring-buffer pages ---- */

struct walk {
	const unsigned char *page;
	size_t off;
	size_t end; /* header + commit */
	uint64_t ts;
	tracefs_event_fn fn;
	void *arg;
	struct tracefs_page_info *info;
	char *err;
	size_t errlen;
};

static int walk_error(struct walk *w, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int walk_error(struct walk *w, const char *fmt, ...)
{
	char reason[TRACEFS_ERROR_LEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	set_err(w->err, w->errlen, "page offset %zu: %s", w->off, reason);
	w->info->end = w->off;
	return -1;
}

/* The event at w->off must have `need` bytes before the commit. */
static int need_bytes(struct walk *w, uint64_t need, const char *what)
{
	size_t left = w->end - w->off;

	if (need <= left)
		return 0;
	return walk_error(w, "%s of %llu bytes runs past the commit (%zu left)",
	                  what, (unsigned long long)need, left);
}

static int deliver(struct walk *w, size_t data, size_t len, uint32_t delta)
{
	w->ts += delta;
	w->info->events++;
	if (w->fn(w->arg, w->page + data, len, w->ts) != 0)
		w->info->stopped = 1;
	return 0;
}

/* type_len 0: the u32 after the header is its own 4 bytes plus the data. */
static int step_long_data(struct walk *w, uint32_t delta, size_t *size)
{
	uint64_t n;

	if (need_bytes(w, 8, "event header") != 0)
		return -1;
	n = load32(w->page + w->off + 4);
	if (n <= 4)
		return walk_error(w, "event length %llu holds no data",
		                  (unsigned long long)n);
	*size = (size_t)(EVENT_HDR_LEN + ((n + 3) & ~3ULL));
	if (need_bytes(w, *size, "event") != 0)
		return -1;
	return deliver(w, w->off + 8, (size_t)n - 4, delta);
}

/* A discarded event says its length; one with delta 0 ends the page. */
static int step_padding(struct walk *w, uint32_t delta, size_t *size)
{
	uint64_t n;

	if (delta == 0) {
		*size = w->end - w->off;
		return 0;
	}
	if (need_bytes(w, 8, "padding header") != 0)
		return -1;
	n = load32(w->page + w->off + 4);
	*size = (size_t)(EVENT_HDR_LEN + ((n + 3) & ~3ULL));
	return need_bytes(w, *size, "padding");
}

static int step_time(struct walk *w, unsigned type, uint32_t delta,
                     size_t *size)
{
	uint64_t v;

	*size = 8;
	if (need_bytes(w, 8, "time event") != 0)
		return -1;
	v = (uint64_t)load32(w->page + w->off + 4) << TS_SHIFT | delta;
	if (type == TYPE_TIME_EXT)
		w->ts += v;
	else
		w->ts = (w->ts & TS_MSB) | v;
	return 0;
}

/* One event at w->off; *size is how far the next one is. */
static int step(struct walk *w, size_t *size)
{
	uint32_t hdr;
	unsigned type;

	if (need_bytes(w, EVENT_HDR_LEN, "event header") != 0)
		return -1;
	hdr = load32(w->page + w->off);
	type = hdr & 0x1f;
	hdr >>= 5;
	if (type == 0)
		return step_long_data(w, hdr, size);
	if (type == TYPE_PADDING)
		return step_padding(w, hdr, size);
	if (type == TYPE_TIME_EXT || type == TYPE_TIME_ABS)
		return step_time(w, type, hdr, size);
	*size = EVENT_HDR_LEN + (size_t)type * 4;
	if (need_bytes(w, *size, "event") != 0)
		return -1;
	return deliver(w, w->off + EVENT_HDR_LEN, (size_t)type * 4, hdr);
}

static int read_page_header(struct walk *w, size_t len)
{
	struct tracefs_page_info *info = w->info;
	uint64_t flags;
	size_t data;

	if (len < TRACEFS_PAGE_HEADER_LEN)
		return walk_error(w,
		                  "page of %zu bytes, shorter than its "
		                  "%d-byte header",
		                  len, TRACEFS_PAGE_HEADER_LEN);
	info->timestamp = load64(w->page);
	flags = load64(w->page + 8);
	info->commit = (uint32_t)(flags & COMMIT_MASK);
	info->missed = (flags & MISSED_EVENTS) != 0;
	data = len - TRACEFS_PAGE_HEADER_LEN;
	w->off = 8;
	if (info->commit > data)
		return walk_error(w, "commit %u past the page's %zu data bytes",
		                  info->commit, data);
	/* The kernel stores the count only where it fits after the data. */
	if (info->missed && (flags & MISSED_STORED) != 0 &&
	    fits(info->commit, 8, data)) {
		info->lost_known = true;
		info->lost =
		    load64(w->page + TRACEFS_PAGE_HEADER_LEN + info->commit);
	}
	w->off = TRACEFS_PAGE_HEADER_LEN;
	w->end = TRACEFS_PAGE_HEADER_LEN + info->commit;
	w->ts = info->timestamp;
	return 0;
}

int tracefs_page_walk(const void *page, size_t len, tracefs_event_fn fn,
                      void *arg, struct tracefs_page_info *info, char *err,
                      size_t errlen)
{
	struct walk w;
	size_t size = 0;

	memset(info, 0, sizeof(*info));
	memset(&w, 0, sizeof(w));
	w.page = page;
	w.fn = fn;
	w.arg = arg;
	w.info = info;
	w.err = err;
	w.errlen = errlen;
	if (page == NULL)
		len = 0;
	if (read_page_header(&w, len) != 0)
		return -1;
	while (w.off < w.end && !info->stopped) {
		if (step(&w, &size) != 0)
			return -1;
		w.off += size;
	}
	info->end = w.off;
	return 0;
}

/* ---- dispatch by common_type ---- */

void tracefs_events_init(struct tracefs_events *ev)
{
	memset(ev, 0, sizeof(*ev));
}

/* Every event shares struct trace_entry, so one common_type place. */
static int bind_type(struct tracefs_events *ev,
                     const struct tracefs_format *fmt, char *err, size_t errlen)
{
	const struct tracefs_field *fl = tracefs_field_find(fmt, "common_type");

	if (fl == NULL || fl->dynamic || fl->array ||
	    (fl->size != 1 && fl->size != 2 && fl->size != 4)) {
		set_err(err, errlen, "%s: no usable common_type field",
		        fmt->name);
		return -1;
	}
	if (ev->have_type &&
	    (fl->offset != ev->type_offset || fl->size != ev->type_size)) {
		set_err(err, errlen,
		        "%s: common_type at %u size %u, other events at %u "
		        "size %u",
		        fmt->name, fl->offset, fl->size, ev->type_offset,
		        ev->type_size);
		return -1;
	}
	ev->type_offset = fl->offset;
	ev->type_size = fl->size;
	ev->have_type = true;
	return 0;
}

static int check_id(const struct tracefs_events *ev,
                    const struct tracefs_format *fmt, char *err, size_t errlen)
{
	const char *other = NULL;

	if (ev->have_mce && ev->mce.id == fmt->id)
		other = "mce_record";
	else if (ev->have_mc && ev->mc.id == fmt->id)
		other = "mc_event";
	if (other == NULL || strcmp(other, fmt->name) == 0)
		return 0;
	set_err(err, errlen, "%s: ID %u already taken by %s", fmt->name,
	        fmt->id, other);
	return -1;
}

int tracefs_events_add(struct tracefs_events *ev,
                       const struct tracefs_format *fmt, char *err,
                       size_t errlen)
{
	struct tracefs_mce_map mce;
	struct tracefs_mc_map mc;
	bool is_mce = strcmp(fmt->name, "mce_record") == 0;

	if (!is_mce && strcmp(fmt->name, "mc_event") != 0)
		return 1;
	if (check_id(ev, fmt, err, errlen) != 0)
		return -1;
	/* Bind into locals first: a bad format leaves ev as it was. */
	if (is_mce && tracefs_mce_bind(fmt, &mce, err, errlen) != 0)
		return -1;
	if (!is_mce && tracefs_mc_bind(fmt, &mc, err, errlen) != 0)
		return -1;
	if (bind_type(ev, fmt, err, errlen) != 0)
		return -1;
	if (is_mce) {
		ev->mce = mce;
		ev->have_mce = true;
	} else {
		ev->mc = mc;
		ev->have_mc = true;
	}
	return 0;
}

struct dispatch {
	const struct tracefs_events *ev;
	const struct tracefs_sink *sink;
	struct tracefs_page_result *res;
	const unsigned char *page;
};

static void add_error(struct tracefs_page_result *res, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Only the first few are kept: a page of garbage stays small. */
static void add_error(struct tracefs_page_result *res, const char *fmt, ...)
{
	va_list ap;

	if (res->n_errors >= TRACEFS_MAX_ERRORS)
		return;
	va_start(ap, fmt);
	vsnprintf(res->errors[res->n_errors++], TRACEFS_ERROR_LEN, fmt, ap);
	va_end(ap);
}

/* Told by where the event's data starts in the page. */
static void reject(struct dispatch *d, const unsigned char *data,
                   const char *why)
{
	d->res->rejected++;
	add_error(d->res, "page offset %zu: %s", (size_t)(data - d->page), why);
}

static int dispatch_mce(struct dispatch *d, const unsigned char *data,
                        size_t len, uint64_t ts)
{
	struct mce_record r;
	char why[TRACEFS_ERROR_LEN];

	if (tracefs_mce_decode(&d->ev->mce, data, len, &r, why, sizeof(why)) !=
	    0) {
		reject(d, data, why);
		return 0;
	}
	d->res->mce++;
	if (d->sink->mce == NULL)
		return 0;
	return d->sink->mce(d->sink->arg, &r, ts);
}

static int dispatch_mc(struct dispatch *d, const unsigned char *data,
                       size_t len, uint64_t ts)
{
	struct tracefs_mc_event e;
	char why[TRACEFS_ERROR_LEN];

	if (tracefs_mc_decode(&d->ev->mc, data, len, &e, why, sizeof(why)) !=
	    0) {
		reject(d, data, why);
		return 0;
	}
	d->res->mc++;
	if (d->sink->mc == NULL)
		return 0;
	return d->sink->mc(d->sink->arg, &e, ts);
}

static int on_event(void *arg, const unsigned char *data, size_t len,
                    uint64_t ts)
{
	struct dispatch *d = arg;
	const struct tracefs_events *ev = d->ev;
	uint64_t id;

	if (!ev->have_type) {
		d->res->unknown++;
		return 0;
	}
	if (!fits(ev->type_offset, ev->type_size, len)) {
		reject(d, data, "event too short for its common_type");
		return 0;
	}
	id = load_le(data + ev->type_offset, ev->type_size);
	if (ev->have_mce && id == ev->mce.id)
		return dispatch_mce(d, data, len, ts);
	if (ev->have_mc && id == ev->mc.id)
		return dispatch_mc(d, data, len, ts);
	d->res->unknown++;
	return 0;
}

int tracefs_page_decode(const struct tracefs_events *ev, const void *page,
                        size_t len, const struct tracefs_sink *sink,
                        struct tracefs_page_result *res)
{
	static const struct tracefs_sink no_sink = {NULL, NULL, NULL};
	struct dispatch d = {ev, sink != NULL ? sink : &no_sink, res, page};
	char why[TRACEFS_ERROR_LEN];

	memset(res, 0, sizeof(*res));
	if (tracefs_page_walk(page, len, on_event, &d, &res->page, why,
	                      sizeof(why)) == 0)
		return 0;
	res->malformed = true;
	/* The page's own fault goes first: it is why the rest is missing. */
	if (res->n_errors == TRACEFS_MAX_ERRORS)
		res->n_errors--;
	memmove(res->errors[1], res->errors[0],
	        res->n_errors * sizeof(res->errors[0]));
	snprintf(res->errors[0], TRACEFS_ERROR_LEN, "%s", why);
	res->n_errors++;
	return -1;
}

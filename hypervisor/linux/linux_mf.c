/* linux_mf.c - ras:memory_failure_event: its fields bound by name, and the
 * page type and result names read from the format's print fmt tables. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/linux/linux_int.h"

static const char *skip_space(const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	return p;
}

static const char *find_in(const char *text, size_t len, const char *what)
{
	size_t n = strlen(what), i;

	for (i = 0; n <= len && i <= len - n; i++)
		if (memcmp(text + i, what, n) == 0)
			return text + i;
	return NULL;
}

/* One "{ N, "text" }" at p; returns the end of it or NULL. */
static const char *parse_entry(const char *p, const char *end, int64_t *value,
                               char *name, size_t name_len)
{
	char num[24], *num_end;
	size_t n = 0, used = 0;

	p = skip_space(p, end);
	if (p >= end || *p != '{')
		return NULL;
	p = skip_space(p + 1, end);
	while (p < end && n + 1 < sizeof(num) &&
	       (isdigit((unsigned char)*p) || (n == 0 && *p == '-')))
		num[n++] = *p++;
	num[n] = '\0';
	errno = 0;
	*value = strtoll(num, &num_end, 10);
	if (n == 0 || *num_end != '\0' || errno != 0)
		return NULL;
	p = skip_space(p, end);
	if (p >= end || *p != ',')
		return NULL;
	p = skip_space(p + 1, end);
	if (p >= end || *p != '"')
		return NULL;
	for (p++; p < end && *p != '"'; p++)
		if (used + 1 < name_len && (unsigned char)*p >= ' ')
			name[used++] = *p;
	name[used] = '\0';
	if (p >= end)
		return NULL;
	p = skip_space(p + 1, end);
	if (p >= end || *p != '}')
		return NULL;
	return p + 1;
}

int linux_mf_symbols_parse(const char *text, size_t len, const char *field,
                           struct linux_mf_symbols *out, char *err,
                           size_t errlen)
{
	const char *end = text + len, *p;
	char key[96];

	memset(out, 0, sizeof(*out));
	snprintf(key, sizeof(key), "__print_symbolic(REC->%s,", field);
	p = find_in(text, len, key);
	if (p == NULL)
		return 0; /* no table: numbers are shown */
	p += strlen(key);
	for (;;) {
		int64_t v;

		if (out->n == LINUX_MF_NAMES) {
			snprintf(err, errlen,
			         "print fmt: %s: more than %d names", field,
			         LINUX_MF_NAMES);
			return -1;
		}
		p = parse_entry(p, end, &v, out->name[out->n],
		                sizeof(out->name[out->n]));
		if (p == NULL) {
			snprintf(
			    err, errlen,
			    "print fmt: %s: entry %zu is not { N, \"name\" }",
			    field, out->n + 1);
			return -1;
		}
		out->value[out->n++] = v;
		p = skip_space(p, end);
		if (p < end && *p == ')')
			return 0;
		if (p >= end || *p != ',') {
			snprintf(err, errlen,
			         "print fmt: %s: no ',' or ')' after entry %zu",
			         field, out->n);
			return -1;
		}
		p++;
	}
}

static int bind_field(const struct tracefs_format *fmt, const char *name,
                      struct tracefs_field *out, char *err, size_t errlen)
{
	const struct tracefs_field *f = tracefs_field_find(fmt, name);

	if (f == NULL) {
		snprintf(err, errlen, "memory_failure_event: no field %s",
		         name);
		return -1;
	}
	if (f->dynamic || f->array ||
	    (f->size != 1 && f->size != 2 && f->size != 4 && f->size != 8)) {
		/* the type is the file's text: its size says enough */
		snprintf(err, errlen,
		         "memory_failure_event: field %s is not a number "
		         "(size %u%s)",
		         name, f->size, f->dynamic ? ", dynamic" : "");
		return -1;
	}
	*out = *f;
	return 0;
}

int linux_mf_bind(const struct tracefs_format *fmt, const char *text,
                  size_t len, struct linux_mf_map *map, char *err,
                  size_t errlen)
{
	char why[160];

	memset(map, 0, sizeof(*map));
	map->id = fmt->id;
	if (bind_field(fmt, "pfn", &map->pfn, err, errlen) < 0 ||
	    bind_field(fmt, "type", &map->type, err, errlen) < 0 ||
	    bind_field(fmt, "result", &map->result, err, errlen) < 0)
		return -1;
	if (linux_mf_symbols_parse(text, len, "type", &map->types, why,
	                           sizeof(why)) < 0 ||
	    linux_mf_symbols_parse(text, len, "result", &map->results, why,
	                           sizeof(why)) < 0) {
		snprintf(err, errlen, "memory_failure_event: %s", why);
		return -1;
	}
	return 0;
}

int linux_mf_decode(const struct linux_mf_map *map, const void *rec, size_t len,
                    struct linux_mf_event *out, char *err, size_t errlen)
{
	uint64_t type, result;

	if (tracefs_field_u64(&map->pfn, rec, len, &out->pfn) < 0 ||
	    tracefs_field_u64(&map->type, rec, len, &type) < 0 ||
	    tracefs_field_u64(&map->result, rec, len, &result) < 0) {
		snprintf(err, errlen,
		         "memory_failure_event: record of %zu bytes is "
		         "truncated",
		         len);
		return -1;
	}
	out->type = (int64_t)type;
	out->result = (int64_t)result;
	return 0;
}

static const char *symbol_name(const struct linux_mf_symbols *s, int64_t v)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->value[i] == v)
			return s->name[i];
	return NULL;
}

void linux_mf_describe(const struct linux_mf_map *map,
                       const struct linux_mf_event *e, char *buf, size_t len)
{
	const char *type = symbol_name(&map->types, e->type);
	const char *result = symbol_name(&map->results, e->result);
	char tnum[32], rnum[32];

	snprintf(tnum, sizeof(tnum), "page type %" PRId64, e->type);
	snprintf(rnum, sizeof(rnum), "result %" PRId64, e->result);
	snprintf(buf, len, "%s: %s", type != NULL ? type : tnum,
	         result != NULL ? result : rnum);
}

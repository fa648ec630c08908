/* oidtab.c - one view's (OID, value) pairs, kept sorted so that GET is a
 * binary search and GETNEXT the first entry after the asked name. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "snmp-agent/oidtab.h"

void oidtab_init(struct oidtab *t)
{
	memset(t, 0, sizeof(*t));
	t->sorted = true;
}

void oidtab_free(struct oidtab *t)
{
	free(t->v);
	oidtab_init(t);
}

/* Keeps the allocation: the agent refills the same table every poll. */
void oidtab_clear(struct oidtab *t)
{
	t->n = 0;
	t->sorted = true;
}

int oid_compare(const struct oid_name *a, const struct oid_name *b)
{
	size_t i, n = a->len < b->len ? a->len : b->len;

	for (i = 0; i < n; i++) {
		if (a->arc[i] != b->arc[i])
			return a->arc[i] < b->arc[i] ? -1 : 1;
	}
	if (a->len == b->len)
		return 0;
	return a->len < b->len ? -1 : 1;
}

/* An OID longer than OIDTAB_MAX_LEN cannot be served: it is cut short. */
static void oid_push(struct oid_name *o, int64_t arc)
{
	if (arc < 0 || o->len >= OIDTAB_MAX_LEN)
		return;
	o->arc[o->len++] = (uint32_t)arc;
}

void oid_make(struct oid_name *out, const uint32_t *base, size_t n, int64_t col,
              int64_t index)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < n; i++)
		oid_push(out, base[i]);
	oid_push(out, col);
	oid_push(out, index);
}

char *oid_format(const struct oid_name *o, char *buf, size_t len)
{
	size_t i, used = 0;
	int w;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (i = 0; i < o->len && used < len; i++) {
		w = snprintf(buf + used, len - used, "%s%u", i ? "." : "",
		             (unsigned)o->arc[i]);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	return buf;
}

/*
 * A new slot for name n. Adding the same OID twice keeps only the last
 * value: when it follows its twin it overwrites it at once, otherwise
 * the lazy sort drops the older one.
 */
static struct oid_value *slot(struct oidtab *t, const struct oid_name *n)
{
	struct oid_value *v;
	size_t cap;
	int cmp = 1;

	if (t->n > 0)
		cmp = oid_compare(n, &t->v[t->n - 1].name);
	if (cmp == 0) {
		v = &t->v[t->n - 1];
		memset(v, 0, sizeof(*v));
		v->name = *n;
		return v;
	}
	if (t->n == t->cap) {
		cap = t->cap ? t->cap * 2 : 64;
		v = realloc(t->v, cap * sizeof(*v));
		if (v == NULL)
			return NULL;
		t->v = v;
		t->cap = cap;
	}
	if (cmp < 0)
		t->sorted = false;
	v = &t->v[t->n++];
	memset(v, 0, sizeof(*v));
	v->name = *n;
	return v;
}

static int add_number(struct oidtab *t, const struct oid_name *n,
                      enum oid_type type, int64_t i)
{
	struct oid_value *v = slot(t, n);

	if (v == NULL)
		return -1;
	v->type = type;
	v->i = i;
	return 0;
}

int oidtab_int(struct oidtab *t, const struct oid_name *n, int64_t v)
{
	return add_number(t, n, OID_T_INTEGER, v);
}

int oidtab_unsigned(struct oidtab *t, const struct oid_name *n, uint32_t v)
{
	return add_number(t, n, OID_T_UNSIGNED, v);
}

int oidtab_gauge(struct oidtab *t, const struct oid_name *n, uint32_t v)
{
	return add_number(t, n, OID_T_GAUGE, v);
}

int oidtab_counter32(struct oidtab *t, const struct oid_name *n, uint32_t v)
{
	return add_number(t, n, OID_T_COUNTER32, v);
}

int oidtab_timeticks(struct oidtab *t, const struct oid_name *n, uint32_t v)
{
	return add_number(t, n, OID_T_TIMETICKS, v);
}

int oidtab_counter64(struct oidtab *t, const struct oid_name *n, uint64_t v)
{
	struct oid_value *val = slot(t, n);

	if (val == NULL)
		return -1;
	val->type = OID_T_COUNTER64;
	val->u = v;
	return 0;
}

int oidtab_octets(struct oidtab *t, const struct oid_name *n, const uint8_t *b,
                  size_t len)
{
	struct oid_value *v = slot(t, n);

	if (v == NULL)
		return -1;
	if (len > OIDTAB_STR_MAX)
		len = OIDTAB_STR_MAX;
	v->type = OID_T_OCTETS;
	if (len > 0)
		memcpy(v->s, b, len);
	v->s_len = len;
	return 0;
}

/* DisplayString is SIZE (0..255): one octet less than the buffer. */
int oidtab_string(struct oidtab *t, const struct oid_name *n, const char *s)
{
	size_t len = strlen(s);

	if (len > OIDTAB_STR_MAX - 1)
		len = OIDTAB_STR_MAX - 1;
	return oidtab_octets(t, n, (const uint8_t *)s, len);
}

int oidtab_oid(struct oidtab *t, const struct oid_name *n,
               const struct oid_name *v)
{
	struct oid_value *val = slot(t, n);

	if (val == NULL)
		return -1;
	val->type = OID_T_OID;
	val->oid = *v;
	return 0;
}

/*
 * Sorting pointers into the unsorted array, ties broken by address,
 * keeps insertion order among equal names, so "last added wins" holds.
 */
static int cmp_ptr(const void *a, const void *b)
{
	const struct oid_value *x = *(const struct oid_value *const *)a;
	const struct oid_value *y = *(const struct oid_value *const *)b;
	int c = oid_compare(&x->name, &y->name);

	if (c != 0)
		return c;
	return x < y ? -1 : x > y;
}

static int cmp_value(const void *a, const void *b)
{
	const struct oid_value *x = a, *y = b;

	return oid_compare(&x->name, &y->name);
}

static int sort_dedup(struct oidtab *t)
{
	const struct oid_value **p;
	struct oid_value *out;
	size_t i, n = 0;

	p = malloc(t->n * sizeof(*p));
	out = malloc(t->n * sizeof(*out));
	if (p == NULL || out == NULL) {
		free(p);
		free(out);
		return -1;
	}
	for (i = 0; i < t->n; i++)
		p[i] = &t->v[i];
	qsort(p, t->n, sizeof(*p), cmp_ptr);
	for (i = 0; i < t->n; i++) {
		if (i + 1 < t->n && !oid_compare(&p[i]->name, &p[i + 1]->name))
			continue;
		out[n++] = *p[i];
	}
	free(p);
	free(t->v);
	t->v = out;
	t->cap = t->n;
	t->n = n;
	return 0;
}

static void ensure_sorted(struct oidtab *t)
{
	if (t->sorted)
		return;
	/* Out of memory: still sorted, but which twin wins is unspecified. */
	if (sort_dedup(t) < 0)
		qsort(t->v, t->n, sizeof(*t->v), cmp_value);
	t->sorted = true;
}

/* Index of the first entry whose name is >= n (or > n when after). */
static size_t lower_bound(const struct oidtab *t, const struct oid_name *n,
                          bool after)
{
	size_t lo = 0, hi = t->n, mid;
	int c;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		c = oid_compare(&t->v[mid].name, n);
		if (c < 0 || (after && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const struct oid_value *oidtab_get(struct oidtab *t, const struct oid_name *n)
{
	size_t i;

	ensure_sorted(t);
	i = lower_bound(t, n, false);
	if (i == t->n || oid_compare(&t->v[i].name, n) != 0)
		return NULL;
	return &t->v[i];
}

const struct oid_value *oidtab_next(struct oidtab *t, const struct oid_name *n)
{
	size_t i;

	ensure_sorted(t);
	i = lower_bound(t, n, true);
	if (i == t->n)
		return NULL;
	return &t->v[i];
}

size_t oid_date_and_time(uint64_t ms, uint8_t out[11])
{
	time_t secs = (time_t)(ms / 1000);
	struct tm tm;
	unsigned year;

	memset(out, 0, 11);
	if (ms == 0 || gmtime_r(&secs, &tm) == NULL)
		return 8;
	/* The year is two octets; out of that range the time is unknown. */
	if (tm.tm_year < -1900 || tm.tm_year > 65535 - 1900)
		return 8;
	year = (unsigned)(tm.tm_year + 1900);
	out[0] = (uint8_t)(year >> 8);
	out[1] = (uint8_t)(year & 0xff);
	out[2] = (uint8_t)(tm.tm_mon + 1);
	out[3] = (uint8_t)tm.tm_mday;
	out[4] = (uint8_t)tm.tm_hour;
	out[5] = (uint8_t)tm.tm_min;
	out[6] = (uint8_t)tm.tm_sec; /* 60 for a leap second, as SMIv2 allows */
	out[7] = (uint8_t)((ms % 1000) / 100);
	out[8] = '+';
	return 11;
}

/* notice.c - builds notices; the rendering is each publisher's own.
 * Fields past the limit are dropped rather than failing the notice. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "notice.h"

void notice_vstart(struct notice *n, const char *msgid, int priority,
                   uint64_t time_ms, const char *fmt, va_list ap)
{
	memset(n, 0, sizeof(*n));
	n->msgid = msgid;
	n->priority = priority;
	n->time_ms = time_ms;
	vsnprintf(n->text, sizeof(n->text), fmt, ap);
}

void notice_start(struct notice *n, const char *msgid, int priority,
                  uint64_t time_ms, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	notice_vstart(n, msgid, priority, time_ms, fmt, ap);
	va_end(ap);
}

void notice_start_lazy(struct notice *n, const char *msgid, int priority,
                       uint64_t time_ms, void (*render)(struct notice *n),
                       const struct mce_record *rec)
{
	n->seq = 0;
	n->msgid = msgid;
	n->priority = priority;
	n->time_ms = time_ms;
	n->text[0] = '\0';
	n->n_fields = 0;
	n->render = render;
	n->rec = *rec;
	n->pending = true;
}

static void field_format(struct notice_field *f);

void notice_materialize(struct notice *n)
{
	size_t i;

	if (!n->pending)
		return;
	if (n->render != NULL)
		n->render(n);
	n->render = NULL;
	for (i = 0; i < n->n_fields && i < NOTICE_FIELDS_MAX; i++)
		field_format(&n->fields[i]);
	n->pending = false;
}

static void key_copy(struct notice_field *f, const char *key)
{
	size_t len = strnlen(key, sizeof(f->key) - 1);

	memcpy(f->key, key, len);
	f->key[len] = '\0';
}

static struct notice_field *field_next(struct notice *n, const char *key)
{
	struct notice_field *f;

	if (n->n_fields >= NOTICE_FIELDS_MAX)
		return NULL;
	f = &n->fields[n->n_fields++];
	key_copy(f, key);
	f->type = NOTICE_TEXT;
	return f;
}

/* A number with a literal key: both kept as they are until read. */
static struct notice_field *field_typed(struct notice *n, const char *key,
                                        enum notice_value type, uint64_t v)
{
	struct notice_field *f;

	if (n->n_fields >= NOTICE_FIELDS_MAX)
		return NULL;
	f = &n->fields[n->n_fields++];
	f->key_literal = key;
	f->type = (uint8_t)type;
	f->num = v;
	n->pending = true;
	return f;
}

/* Digits right to left into the end of buf; returns the first. */
static char *digits(char *end, uint64_t v, unsigned base)
{
	static const char hex[] = "0123456789abcdef";

	*--end = '\0';
	do {
		*--end = hex[v % base];
		v /= base;
	} while (v != 0);
	return end;
}

/* A typed field's text, built when the notice is read. */
static void field_format(struct notice_field *f)
{
	char buf[24], *p;
	bool negative;

	if (f->type == NOTICE_TEXT)
		return;
	key_copy(f, f->key_literal);
	negative = f->type == NOTICE_INT && (int64_t)f->num < 0;
	p = digits(buf + sizeof(buf),
	           negative ? 0 - f->num : f->num,
	           f->type == NOTICE_HEX ? 16 : 10);
	if (f->type == NOTICE_HEX) {
		*--p = 'x';
		*--p = '0';
	}
	if (negative)
		*--p = '-';
	memcpy(f->value, p, (size_t)(buf + sizeof(buf) - p));
	f->type = NOTICE_TEXT;
}

void notice_add_int(struct notice *n, const char *key, int64_t v)
{
	field_typed(n, key, NOTICE_INT, (uint64_t)v);
}

void notice_add_hex(struct notice *n, const char *key, uint64_t v)
{
	field_typed(n, key, NOTICE_HEX, v);
}

void notice_add_str(struct notice *n, const char *key, const char *s)
{
	struct notice_field *f = field_next(n, key);
	size_t len;

	if (f == NULL)
		return;
	len = strnlen(s, sizeof(f->value) - 1);
	memcpy(f->value, s, len);
	f->value[len] = '\0';
}

void notice_add(struct notice *n, const char *key, const char *fmt, ...)
{
	struct notice_field *f;
	va_list ap;

	if (n->n_fields >= NOTICE_FIELDS_MAX)
		return;
	f = &n->fields[n->n_fields++];
	snprintf(f->key, sizeof(f->key), "%s", key);
	va_start(ap, fmt);
	vsnprintf(f->value, sizeof(f->value), fmt, ap);
	va_end(ap);
}

int notice_ring_init(struct notice_ring *r, size_t cap)
{
	r->slot = calloc(cap ? cap : 1, sizeof(*r->slot));
	r->cap = cap ? cap : 1;
	r->next_seq = 1;
	return r->slot == NULL ? -1 : 0;
}

void notice_ring_free(struct notice_ring *r)
{
	free(r->slot);
	r->slot = NULL;
	r->cap = 0;
}

uint64_t notice_ring_push(struct notice_ring *r, struct notice *n)
{
	n->seq = r->next_seq++;
	if (r->slot != NULL)
		r->slot[n->seq % r->cap] = *n;
	return n->seq;
}

const struct notice *notice_ring_get(const struct notice_ring *r,
                                     uint64_t seq)
{
	if (r->slot == NULL || seq == 0 || seq >= r->next_seq ||
	    r->next_seq - seq > r->cap)
		return NULL;
	return &r->slot[seq % r->cap];
}

void notice_ring_rewind(struct notice_ring *r, uint64_t seq)
{
	if (seq >= 1 && seq < r->next_seq)
		r->next_seq = seq;
}

uint64_t notice_ring_last(const struct notice_ring *r)
{
	return r->next_seq - 1;
}

uint64_t notice_ring_since(const struct notice_ring *r, uint64_t since,
                           void (*fn)(void *arg, const struct notice *n),
                           void *arg)
{
	uint64_t last = notice_ring_last(r), first = 1, seq;

	if (r->slot == NULL || since >= last)
		return 0;
	if (last > r->cap)
		first = last - r->cap + 1;
	if (since + 1 > first)
		first = since + 1;
	for (seq = first; seq <= last; seq++)
		fn(arg, &r->slot[seq % r->cap]);
	return first - since - 1;
}

struct json_object *notice_to_json(const struct notice *n)
{
	struct json_object *o = json_object_new_object();
	struct json_object *f = json_object_new_object();
	struct notice built;
	size_t i;

	if (n->pending) {
		built = *n;
		notice_materialize(&built);
		n = &built;
	}

	json_object_object_add(o, "seq",
	                       json_object_new_int64((int64_t)n->seq));
	json_object_object_add(o, "msgid", json_object_new_string(n->msgid));
	json_object_object_add(o, "priority", json_object_new_int(n->priority));
	json_object_object_add(o, "time_ms",
	                       json_object_new_int64((int64_t)n->time_ms));
	json_object_object_add(o, "text", json_object_new_string(n->text));
	for (i = 0; i < n->n_fields; i++)
		json_object_object_add(
		    f, n->fields[i].key,
		    json_object_new_string(n->fields[i].value));
	json_object_object_add(o, "fields", f);
	return o;
}

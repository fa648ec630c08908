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
	size_t i;

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

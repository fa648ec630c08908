/* notice.c - builds notices; the rendering is each publisher's own.
 * Fields past the limit are dropped rather than failing the notice. */
#include <stdarg.h>
#include <stdio.h>

#include <string.h>

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

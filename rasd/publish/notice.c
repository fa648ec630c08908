/* notice.c - builds notices; the rendering is each publisher's own.
 * Fields past the limit are dropped rather than failing the notice. */
#include <stdarg.h>
#include <stdio.h>

#include "notice.h"

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

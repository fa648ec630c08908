/* strcopy.h - copying a string into a fixed array without printf: the
 * record path copies names per record, and snprintf costs hundreds. */
#ifndef RASD_STRCOPY_H
#define RASD_STRCOPY_H

#include <stddef.h>
#include <string.h>

/* Copy src (truncated) into dst of size bytes, NUL-terminated. */
static inline void str_copy(char *dst, size_t size, const char *src)
{
	size_t len;

	if (size == 0)
		return;
	len = strnlen(src, size - 1);
	memcpy(dst, src, len);
	dst[len] = '\0';
}

#endif

/* jsonline.h - one JSON object written straight into a buffer, key by
 * key, for output paths where building a json-c tree costs too much. */
#ifndef RASD_JSONLINE_H
#define RASD_JSONLINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * jsonline_begin, then members, then jsonline_end: buf holds one object
 * and a newline. Keys are the caller's literals (no escaping); string
 * values are escaped as json-c escapes them (\" \\ \b \f \n \r \t, other
 * control bytes \u00XX, '/' and UTF-8 as they are), so that output is
 * byte for byte what json_object_to_json_string_ext(PLAIN |
 * NOSLASHESCAPE) prints. A value that does not fit marks the line
 * truncated: jsonline_end returns -1 and nothing partial is meant to be
 * printed.
 */
struct jsonline {
	char *buf;
	size_t cap, len;
	bool first; /* no member yet in the innermost object/array */
	bool overflowed;
};

void jsonline_begin(struct jsonline *w, char *buf, size_t cap);
void jsonline_str(struct jsonline *w, const char *key, const char *v);
void jsonline_int(struct jsonline *w, const char *key, int64_t v);
/* "0x..." lower case, as a string */
void jsonline_hex(struct jsonline *w, const char *key, uint64_t v);
void jsonline_bool(struct jsonline *w, const char *key, bool v);
/* An array of strings: begin, items, end. */
void jsonline_array_begin(struct jsonline *w, const char *key);
void jsonline_array_str(struct jsonline *w, const char *v);
void jsonline_array_end(struct jsonline *w);
/* Closes the object and adds '\n'; the line's length, or -1 if it did not
 * fit. */
int jsonline_end(struct jsonline *w);

#endif

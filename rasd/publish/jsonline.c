/* jsonline.c - a JSON object written into a buffer as it is made: no
 * tree, no allocation, escaping as json-c does it. */
#include <string.h>

#include "jsonline.h"

static void put(struct jsonline *w, const char *s, size_t n)
{
	if (w->overflowed || n > w->cap - w->len) {
		w->overflowed = true;
		return;
	}
	memcpy(w->buf + w->len, s, n);
	w->len += n;
}

static void put_char(struct jsonline *w, char c)
{
	put(w, &c, 1);
}

static void put_escaped(struct jsonline *w, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	char u[6] = {'\\', 'u', '0', '0', 0, 0};

	put_char(w, '"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		const char *esc = NULL;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		put(w, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			esc = "\\\"";
			break;
		case '\\':
			esc = "\\\\";
			break;
		case '\b':
			esc = "\\b";
			break;
		case '\f':
			esc = "\\f";
			break;
		case '\n':
			esc = "\\n";
			break;
		case '\r':
			esc = "\\r";
			break;
		case '\t':
			esc = "\\t";
			break;
		default:
			u[4] = hex[c >> 4];
			u[5] = hex[c & 15];
			put(w, u, sizeof(u));
			continue;
		}
		put(w, esc, 2);
	}
	put(w, run, (size_t)(s - run));
	put_char(w, '"');
}

/* ,"key": in one go: members are most of the line's pieces. */
static void member(struct jsonline *w, const char *key)
{
	size_t klen = key != NULL ? strlen(key) : 0, need = klen + 4;
	char *p;

	if (w->overflowed || need > w->cap - w->len) {
		w->overflowed = true;
		return;
	}
	p = w->buf + w->len;
	if (!w->first)
		*p++ = ',';
	w->first = false;
	if (key != NULL) {
		*p++ = '"';
		memcpy(p, key, klen);
		p += klen;
		*p++ = '"';
		*p++ = ':';
	}
	w->len = (size_t)(p - w->buf);
}

void jsonline_begin(struct jsonline *w, char *buf, size_t cap)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->first = true;
	w->overflowed = false;
	put_char(w, '{');
}

void jsonline_str(struct jsonline *w, const char *key, const char *v)
{
	member(w, key);
	put_escaped(w, v);
}

/* Digits of v, most significant first, into the end of d. */
static size_t digits(uint64_t v, unsigned base, char *d, size_t size)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = size;

	do {
		d[--i] = hex[v % base];
		v /= base;
	} while (v != 0);
	return i;
}

void jsonline_int(struct jsonline *w, const char *key, int64_t v)
{
	char d[24];
	uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
	size_t i = digits(mag, 10, d, sizeof(d));

	if (v < 0)
		d[--i] = '-';
	member(w, key);
	put(w, d + i, sizeof(d) - i);
}

void jsonline_hex(struct jsonline *w, const char *key, uint64_t v)
{
	char d[24];
	size_t i = digits(v, 16, d, sizeof(d) - 1);

	d[sizeof(d) - 1] = '"';
	d[--i] = 'x';
	d[--i] = '0';
	d[--i] = '"';
	member(w, key);
	put(w, d + i, sizeof(d) - i);
}

void jsonline_bool(struct jsonline *w, const char *key, bool v)
{
	member(w, key);
	if (v)
		put(w, "true", 4);
	else
		put(w, "false", 5);
}

void jsonline_array_begin(struct jsonline *w, const char *key)
{
	member(w, key);
	put_char(w, '[');
	w->first = true;
}

void jsonline_array_str(struct jsonline *w, const char *v)
{
	member(w, NULL);
	put_escaped(w, v);
}

void jsonline_array_end(struct jsonline *w)
{
	put_char(w, ']');
	w->first = false;
}

int jsonline_end(struct jsonline *w)
{
	put(w, "}\n", 2);
	return w->overflowed ? -1 : (int)w->len;
}

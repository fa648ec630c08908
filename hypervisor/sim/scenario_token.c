/* scenario_token.c - the lexical layer of scenario files: splitting a line
 * into words and key=value pairs, and reading numbers, sizes and times. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hypervisor/sim/sim_internal.h"

int sim_parse_error(struct sim_parser *p, const char *fmt, ...)
{
	va_list ap;
	int off;

	if (p->err == NULL || p->errlen == 0)
		return -1;
	off = snprintf(p->err, p->errlen, "%s:%u: ", p->name, p->line);
	if (off < 0 || (size_t)off >= p->errlen)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err + off, p->errlen - (size_t)off, fmt, ap);
	va_end(ap);
	return -1;
}

static int sim_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* A '#' inside a quoted value is text, not the start of a comment. */
static void sim_strip_comment(char *line)
{
	int quoted = 0;

	for (; *line != '\0'; line++) {
		if (*line == '"')
			quoted = !quoted;
		else if (*line == '#' && !quoted) {
			*line = '\0';
			return;
		}
	}
}

static int sim_read_quoted(struct sim_parser *p, const char *key, char **cursor,
                           const char **value)
{
	char *s = *cursor + 1;
	char *close = strchr(s, '"');

	if (close == NULL)
		return sim_parse_error(p, "unterminated quote in %s=", key);
	*close = '\0';
	if (close[1] != '\0' && !sim_is_blank(close[1]))
		return sim_parse_error(
		    p, "text after the closing quote of %s=", key);
	*value = s;
	*cursor = close + 1;
	return 0;
}

static int sim_read_value(struct sim_parser *p, struct sim_token *t,
                          char **cursor)
{
	char *s = *cursor;

	if (*s == '"') {
		if (sim_read_quoted(p, t->key, &s, &t->value) < 0)
			return -1;
	} else {
		t->value = s;
		while (*s != '\0' && !sim_is_blank(*s)) {
			if (*s == '"')
				return sim_parse_error(
				    p, "a quote must open the value of %s=",
				    t->key);
			s++;
		}
	}
	if (*s != '\0')
		*s++ = '\0';
	*cursor = s;
	if (*t->value == '\0')
		return sim_parse_error(p, "key '%s' has no value", t->key);
	return 0;
}

/* One word, or one key=value / key>=value / key<=value pair. */
static int sim_read_token(struct sim_parser *p, char **cursor,
                          struct sim_token *t)
{
	char *start = *cursor;
	char *s = start;
	char *key_end;

	while (*s != '\0' && !sim_is_blank(*s) && *s != '=' && *s != '"')
		s++;
	if (*s == '"')
		return sim_parse_error(p, "unexpected quote after '%.*s'",
		                       (int)(s - start > 40 ? 40 : s - start),
		                       start);
	t->key = start;
	t->value = NULL;
	t->cmp = SIM_CMP_EQ;
	if (*s != '=') {
		if (*s != '\0')
			*s++ = '\0';
		*cursor = s;
		return 0;
	}
	key_end = s;
	if (key_end > start && key_end[-1] == '>') {
		t->cmp = SIM_CMP_GE;
		key_end--;
	} else if (key_end > start && key_end[-1] == '<') {
		t->cmp = SIM_CMP_LE;
		key_end--;
	}
	if (key_end == start)
		return sim_parse_error(p, "missing key before '='");
	*key_end = '\0';
	s++;
	*cursor = s;
	return sim_read_value(p, t, cursor);
}

int sim_tokenize(struct sim_parser *p, char *line, struct sim_token *tokens,
                 size_t max, size_t *n)
{
	char *s = line;

	*n = 0;
	sim_strip_comment(line);
	for (;;) {
		while (sim_is_blank(*s))
			s++;
		if (*s == '\0')
			return 0;
		if (*n == max)
			return sim_parse_error(p, "too many words (max %zu)",
			                       max);
		if (sim_read_token(p, &s, &tokens[*n]) < 0)
			return -1;
		(*n)++;
	}
}

static int sim_key_find(const char *const *names, const char *key)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if (strcmp(names[i], key) == 0)
			return i;
	return -1;
}

static int sim_keys_check_required(struct sim_parser *p, const char *directive,
                                   const char *const *names, uint32_t required,
                                   const char **values)
{
	int i;

	for (i = 0; names[i] != NULL; i++)
		if ((required & (1u << i)) && values[i] == NULL)
			return sim_parse_error(p, "%s needs %s=", directive,
			                       names[i]);
	return 0;
}

/*
 * Match key=value tokens against the keys a directive takes; values[i]
 * gets names[i]'s value or NULL. Bit i of required / cmp_allowed: names[i]
 * must be there / may be written with >= or <=.
 */
int sim_keys_collect(struct sim_parser *p, const char *directive,
                     const struct sim_token *tokens, size_t n,
                     const char *const *names, uint32_t required,
                     uint32_t cmp_allowed, const char **values,
                     enum sim_cmp *cmps)
{
	size_t i;
	int k;

	for (k = 0; names[k] != NULL; k++) {
		values[k] = NULL;
		if (cmps != NULL)
			cmps[k] = SIM_CMP_EQ;
	}
	for (i = 0; i < n; i++) {
		if (tokens[i].value == NULL)
			return sim_parse_error(p,
			                       "unexpected word '%.40s' in %s",
			                       tokens[i].key, directive);
		k = sim_key_find(names, tokens[i].key);
		if (k < 0)
			return sim_parse_error(p, "unknown key '%.40s' for %s",
			                       tokens[i].key, directive);
		if (values[k] != NULL)
			return sim_parse_error(p, "duplicate key '%s'",
			                       names[k]);
		if (tokens[i].cmp != SIM_CMP_EQ && !(cmp_allowed & (1u << k)))
			return sim_parse_error(
			    p, "%s takes '=', not '>=' or '<='", names[k]);
		values[k] = tokens[i].value;
		if (cmps != NULL)
			cmps[k] = tokens[i].cmp;
	}
	return sim_keys_check_required(p, directive, names, required, values);
}

static int sim_digit_value(char c, unsigned base)
{
	int v;

	if (c >= '0' && c <= '9')
		v = c - '0';
	else if (c >= 'a' && c <= 'f')
		v = c - 'a' + 10;
	else if (c >= 'A' && c <= 'F')
		v = c - 'A' + 10;
	else
		return -1;
	return (unsigned)v < base ? v : -1;
}

/* Decimal or 0x hex digits at *s; -1 for none or on overflow. */
int sim_scan_u64(const char **s, uint64_t *out)
{
	const char *c = *s;
	unsigned base = 10;
	uint64_t v = 0;
	int d, digits = 0;

	if (c[0] == '0' && (c[1] == 'x' || c[1] == 'X')) {
		base = 16;
		c += 2;
	}
	while ((d = sim_digit_value(*c, base)) >= 0) {
		if (v > (UINT64_MAX - (uint64_t)d) / base)
			return -1;
		v = v * base + (uint64_t)d;
		c++;
		digits++;
	}
	if (digits == 0)
		return -1;
	*s = c;
	*out = v;
	return 0;
}

int sim_parse_u64(struct sim_parser *p, const char *key, const char *text,
                  uint64_t *out)
{
	const char *s = text;

	if (sim_scan_u64(&s, out) < 0 || *s != '\0')
		return sim_parse_error(p, "bad number '%.40s' for %s", text,
		                       key);
	return 0;
}

int sim_parse_u32_max(struct sim_parser *p, const char *key, const char *text,
                      uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (sim_parse_u64(p, key, text, &v) < 0)
		return -1;
	if (v > max)
		return sim_parse_error(p, "%s=%.40s is too large (max %u)", key,
		                       text, max);
	*out = (uint32_t)v;
	return 0;
}

static unsigned sim_size_shift(char suffix)
{
	switch (suffix) {
	case 'K':
	case 'k':
		return 10;
	case 'M':
	case 'm':
		return 20;
	case 'G':
	case 'g':
		return 30;
	case 'T':
	case 't':
		return 40;
	}
	return 0;
}

int sim_parse_size(struct sim_parser *p, const char *key, const char *text,
                   uint64_t *out)
{
	const char *s = text;
	unsigned shift = 0;
	uint64_t v;

	if (sim_scan_u64(&s, &v) < 0)
		return sim_parse_error(p, "bad size '%.40s' for %s", text, key);
	if (*s != '\0') {
		shift = sim_size_shift(*s);
		if (shift == 0 || s[1] != '\0')
			return sim_parse_error(
			    p, "bad size '%.40s' for %s (suffixes: K M G T)",
			    text, key);
	}
	if (v > (UINT64_MAX >> shift))
		return sim_parse_error(p, "size '%.40s' for %s is too large",
		                       text, key);
	*out = v << shift;
	return 0;
}

static uint64_t sim_duration_unit_ms(const char *unit)
{
	if (strcmp(unit, "ms") == 0)
		return 1;
	if (strcmp(unit, "s") == 0)
		return 1000;
	if (strcmp(unit, "m") == 0)
		return 60000;
	if (strcmp(unit, "h") == 0)
		return 3600000;
	if (strcmp(unit, "d") == 0)
		return 86400000;
	return 0;
}

int sim_parse_duration(struct sim_parser *p, const char *key, const char *text,
                       uint64_t *ms)
{
	const char *s = text;
	uint64_t v, unit;

	/* Durations are decimal: "0x1d" would read as hex 0x1d, not a day. */
	if (*s < '0' || *s > '9' || s[1] == 'x' || s[1] == 'X' ||
	    sim_scan_u64(&s, &v) < 0)
		return sim_parse_error(p, "bad duration '%.40s' for %s", text,
		                       key);
	unit = sim_duration_unit_ms(s);
	if (unit == 0)
		return sim_parse_error(
		    p, "duration '%.40s' for %s needs a unit: ms, s, m, h, d",
		    text, key);
	if (v > SIM_MAX_TIME_MS / unit)
		return sim_parse_error(p, "%s=%.40s is longer than 365d", key,
		                       text);
	*ms = v * unit;
	return 0;
}

/* Two decimal digits below 60, for the MM and SS of HH:MM:SS. */
static int sim_scan_sexagesimal(const char **s, uint64_t *out)
{
	const char *c = *s;

	if (c[0] < '0' || c[0] > '5' || c[1] < '0' || c[1] > '9')
		return -1;
	*out = (uint64_t)(c[0] - '0') * 10 + (uint64_t)(c[1] - '0');
	*s = c + 2;
	return 0;
}

static int sim_parse_clock_time(struct sim_parser *p, const char *text,
                                uint64_t *ms)
{
	const char *s = text;
	uint64_t h, m, sec;

	if (*s < '0' || *s > '9' || sim_scan_u64(&s, &h) < 0 || *s++ != ':' ||
	    sim_scan_sexagesimal(&s, &m) < 0 || *s++ != ':' ||
	    sim_scan_sexagesimal(&s, &sec) < 0 || *s != '\0')
		return sim_parse_error(p, "bad time '%.40s' (HH:MM:SS)", text);
	if (h > SIM_MAX_TIME_MS / 3600000)
		return sim_parse_error(p, "time '%.40s' is past 365 days",
		                       text);
	*ms = h * 3600000 + m * 60000 + sec * 1000;
	return 0;
}

/* HH:MM:SS or a duration from the start; +TIME from the previous `at`. */
int sim_parse_time(struct sim_parser *p, const char *text, uint64_t *ms)
{
	uint64_t base = 0, v;
	const char *s = text;
	int rc;

	if (*s == '+') {
		base = p->have_prev_at ? p->prev_at_ms : 0;
		s++;
	}
	if (strchr(s, ':') != NULL)
		rc = sim_parse_clock_time(p, s, &v);
	else
		rc = sim_parse_duration(p, "at", s, &v);
	if (rc < 0)
		return -1;
	if (v > SIM_MAX_TIME_MS - base)
		return sim_parse_error(p, "time '%.40s' is past 365 days",
		                       text);
	*ms = base + v;
	return 0;
}

static int sim_name_char_ok(char c, int allow_space)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9'))
		return 1;
	if (c == '-' || c == '_' || c == '.' || c == ':')
		return 1;
	/* Labels and messages are for people; names end up in call logs. */
	return allow_space && c >= ' ' && c <= '~' && c != '"';
}

int sim_parse_name(struct sim_parser *p, const char *key, const char *text,
                   int allow_space, char *out, size_t outlen)
{
	size_t len = strlen(text), i;

	if (len >= outlen)
		return sim_parse_error(p, "%s is too long (max %zu)", key,
		                       outlen - 1);
	for (i = 0; i < len; i++)
		if (!sim_name_char_ok(text[i], allow_space))
			return sim_parse_error(
			    p, "%s=%.40s: character %zu is not allowed", key,
			    text, i + 1);
	memcpy(out, text, len + 1);
	return 0;
}

void sim_format_time(uint64_t ms, char *buf, size_t len)
{
	unsigned long long s = ms / 1000;

	if (ms % 1000 != 0)
		snprintf(buf, len, "%02llu:%02llu:%02llu.%03llu", s / 3600,
		         s / 60 % 60, s % 60, (unsigned long long)(ms % 1000));
	else
		snprintf(buf, len, "%02llu:%02llu:%02llu", s / 3600,
		         s / 60 % 60, s % 60);
}

/* Make room for element n; arrays double, starting at 8. */
int sim_array_grow(void **array, size_t *cap, size_t n, size_t size)
{
	size_t new_cap;
	void *grown;

	if (n < *cap)
		return 0;
	new_cap = *cap == 0 ? 8 : *cap * 2;
	if (new_cap > SIZE_MAX / size) {
		errno = ENOMEM;
		return -1;
	}
	grown = realloc(*array, new_cap * size);
	if (grown == NULL)
		return -1;
	*array = grown;
	*cap = new_cap;
	return 0;
}

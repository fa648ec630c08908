/* dimm_labels.c - parses rasdaemon's DIMM label files line by line: board
 * blocks, then "LABEL: mc.channel.slot;" items; bad lines are reported
 * with FILE:LINE and skipped. */
#include <ctype.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mce/dimm_labels.h"

#define LINE_MAX_LEN 1024 /* a longer line is reported, not cut */
#define NAME_MAX_LEN 256

/* Where the parse is: does the current block apply to this board? */
struct state {
	const char *name;
	const struct dimm_label_board *board;
	const struct dimm_labels_cb *cb;
	int line;
	bool vendor_ok; /* the last Vendor: is this board's */
	bool in_block;  /* a Product:/Model: was seen under it */
	bool block_ok;  /* and it names this board */
	size_t n;
};

static void warnf(struct state *st, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void warnf(struct state *st, const char *fmt, ...)
{
	char why[192], msg[NAME_MAX_LEN + 240];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(msg, sizeof(msg), "%s:%d: %s", st->name, st->line, why);
	if (st->cb->warn != NULL)
		st->cb->warn(st->cb->arg, msg);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static bool same(const char *a, const char *b)
{
	return a != NULL && b != NULL && *a != '\0' && strcmp(a, b) == 0;
}

/* Is want one of the comma-separated names in list? */
static bool in_list(char *list, const char *want)
{
	char *item, *save = NULL;

	if (want == NULL || *want == '\0')
		return false;
	for (item = strtok_r(list, ",", &save); item != NULL;
	     item = strtok_r(NULL, ",", &save))
		if (strcmp(trim(item), want) == 0)
			return true;
	return false;
}

/* "Vendor:", "Product:" or "Model:" (any case); true when it was one. */
static bool header(struct state *st, char *s)
{
	static const char *const keys[] = {"vendor:", "product:", "model:"};
	static const char *const names[] = {"Vendor", "Product", "Model"};
	size_t i, n;

	for (i = 0; i < 3; i++) {
		n = strlen(keys[i]);
		if (strncasecmp(s, keys[i], n) == 0)
			break;
	}
	if (i == 3)
		return false;
	s = trim(s + n);
	if (*s == '\0') {
		warnf(st, "%s names nothing", names[i]);
		return true;
	}
	if (i == 0) {
		st->vendor_ok = same(s, st->board->board_vendor) ||
		                same(s, st->board->sys_vendor);
		st->in_block = st->block_ok = false;
		return true;
	}
	st->in_block = true;
	st->block_ok = st->vendor_ok && in_list(s, i == 1 ? st->board->product
	                                                  : st->board->model);
	return true;
}

/* A non-negative decimal of at most 4 digits; end past it. */
static int small_number(const char *s, const char **end)
{
	int v = 0, digits = 0;

	while (isdigit((unsigned char)*s) && digits < 5) {
		v = v * 10 + (*s++ - '0');
		digits++;
	}
	*end = s;
	return digits == 0 || digits > 4 ? -1 : v;
}

/* "0.1.2" or "0.1.2.3" into l; -1 when it is neither. */
static int location(const char *s, struct dimm_label *l)
{
	int v[4], n = 0;
	const char *end;

	for (;;) {
		if (n == 4 || (v[n] = small_number(s, &end)) < 0)
			return -1;
		n++;
		s = end;
		if (*s == '\0')
			break;
		if (*s++ != '.')
			return -1;
	}
	if (n < 3)
		return -1;
	l->mc = v[0];
	l->branch = n == 4 ? v[1] : -1;
	l->channel = v[n - 2];
	l->slot = v[n - 1];
	return 0;
}

static bool label_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n >= DIMM_STR_LEN)
		return false;
	for (; *s != '\0'; s++)
		if (!isprint((unsigned char)*s))
			return false;
	return true;
}

/* "LABEL: LOC, LOC" - each location is one label entry. */
static void item(struct state *st, char *s)
{
	char *colon = strrchr(s, ':'), *loc, *save = NULL;
	struct dimm_label l;

	if (colon == NULL) {
		warnf(st, "'%.40s' is not LABEL: mc.channel.slot", s);
		return;
	}
	*colon = '\0';
	s = trim(s);
	if (!label_ok(s)) {
		warnf(st, "bad label '%.40s' (printable, 1 to %d bytes)", s,
		      DIMM_STR_LEN - 1);
		return;
	}
	memset(&l, 0, sizeof(l));
	snprintf(l.label, sizeof(l.label), "%s", s);
	l.line = st->line;
	for (loc = strtok_r(colon + 1, ",", &save); loc != NULL;
	     loc = strtok_r(NULL, ",", &save)) {
		loc = trim(loc);
		if (location(loc, &l) < 0) {
			warnf(st,
			      "%s: bad location '%.32s' (want mc.channel.slot "
			      "or mc.branch.channel.slot)",
			      l.label, loc);
			continue;
		}
		if (st->block_ok && st->cb->label != NULL) {
			st->cb->label(st->cb->arg, &l);
			st->n++;
		}
	}
}

static void labels_line(struct state *st, char *s)
{
	char *it, *save = NULL;

	if (!st->in_block) {
		warnf(st, "labels before any Product: or Model: line");
		return;
	}
	for (it = strtok_r(s, ";", &save); it != NULL;
	     it = strtok_r(NULL, ";", &save)) {
		it = trim(it);
		if (*it != '\0')
			item(st, it);
	}
}

static void one_line(struct state *st, char *s)
{
	char *hash = strchr(s, '#');

	if (hash != NULL)
		*hash = '\0';
	s = trim(s);
	if (*s == '\0' || header(st, s))
		return;
	labels_line(st, s);
}

size_t dimm_labels_parse(const char *text, size_t len, const char *name,
                         const struct dimm_label_board *board,
                         const struct dimm_labels_cb *cb)
{
	struct state st = {.name = name, .board = board, .cb = cb};
	char buf[LINE_MAX_LEN];
	size_t i = 0, n;
	const char *nl;

	while (i < len) {
		nl = memchr(text + i, '\n', len - i);
		n = nl ? (size_t)(nl - (text + i)) : len - i;
		st.line++;
		if (memchr(text + i, '\0', n) != NULL)
			warnf(&st, "a NUL byte: not a text line");
		else if (n >= sizeof(buf))
			warnf(&st, "line longer than %d bytes",
			      LINE_MAX_LEN - 1);
		else {
			memcpy(buf, text + i, n);
			buf[n] = '\0';
			one_line(&st, buf);
		}
		i += n + (nl != NULL);
	}
	return st.n;
}

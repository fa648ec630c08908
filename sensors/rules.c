/* rules.c - the sensor watcher's text parsing: policy limit rules, sysfs
 * attribute values, DIMM names in labels, and the names of its enums. */
#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensors/hwmon.h"

#define TOKEN_MAX 64

struct cursor {
	const char *text;
	size_t pos;
};

static void skip_blanks(struct cursor *c)
{
	while (c->text[c->pos] == ' ' || c->text[c->pos] == '\t')
		c->pos++;
}

/*
 * One word, or a double-quoted string (a label may hold spaces). Returns 1
 * with the token, 0 at the end of the text, -1 with a reason in err.
 */
static int next_token(struct cursor *c, char *tok, size_t toklen, char *err,
                      size_t errlen)
{
	size_t n = 0, start;
	bool quoted;

	skip_blanks(c);
	start = c->pos;
	if (c->text[c->pos] == '\0')
		return 0;
	quoted = c->text[c->pos] == '"';
	if (quoted)
		c->pos++;
	for (;;) {
		char ch = c->text[c->pos];

		if (ch == '\0' && quoted) {
			snprintf(err, errlen, "column %zu: unterminated quote",
			         start + 1);
			return -1;
		}
		if (ch == '\0' || (!quoted && (ch == ' ' || ch == '\t')))
			break;
		c->pos++;
		if (quoted && ch == '"')
			break;
		if (!quoted && ch == '"') {
			snprintf(err, errlen, "column %zu: stray quote",
			         c->pos);
			return -1;
		}
		if ((unsigned char)ch < 0x20 || ch == 0x7f) {
			snprintf(err, errlen, "column %zu: control character",
			         c->pos);
			return -1;
		}
		if (n + 1 >= toklen) {
			snprintf(err, errlen,
			         "column %zu: longer than %zu characters",
			         start + 1, toklen - 1);
			return -1;
		}
		tok[n++] = ch;
	}
	tok[n] = '\0';
	if (n == 0) {
		snprintf(err, errlen, "column %zu: empty name", start + 1);
		return -1;
	}
	return 1;
}

static int parse_number(const char *s, double *out)
{
	char *end;
	double v;

	if (*s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno != 0 || *end != '\0' || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}

/* "min=X" or "max=Y" into r; col is where the token starts. */
static int parse_bound(const char *tok, size_t col, struct hwmon_limit_rule *r,
                       char *err, size_t errlen)
{
	bool is_min = strncmp(tok, "min=", 4) == 0;
	bool is_max = strncmp(tok, "max=", 4) == 0;
	double v;

	if (!is_min && !is_max) {
		snprintf(err, errlen,
		         "column %zu: expected min=N or max=N, not '%s'", col,
		         tok);
		return -1;
	}
	if ((is_min && r->has_min) || (is_max && r->has_max)) {
		snprintf(err, errlen, "column %zu: %.3s given twice", col, tok);
		return -1;
	}
	if (parse_number(tok + 4, &v) != 0) {
		snprintf(err, errlen, "column %zu: %.3s: not a number '%s'",
		         col, tok, tok + 4);
		return -1;
	}
	if (is_min) {
		r->has_min = true;
		r->min = v;
	} else {
		r->has_max = true;
		r->max = v;
	}
	return 0;
}

int hwmon_limit_rule_parse(const char *text, struct hwmon_limit_rule *out,
                           char *err, size_t errlen)
{
	struct hwmon_limit_rule r;
	struct cursor c = {.text = text, .pos = 0};
	char tok[TOKEN_MAX];
	size_t last_col = 1;
	int rc;

	memset(&r, 0, sizeof(r));
	rc = next_token(&c, r.chip, sizeof(r.chip), err, errlen);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen, "column 1: expected a chip name");
		return -1;
	}
	rc = next_token(&c, r.feature, sizeof(r.feature), err, errlen);
	if (rc <= 0) {
		if (rc == 0)
			snprintf(err, errlen,
			         "column %zu: expected a feature after the "
			         "chip",
			         c.pos + 1);
		return -1;
	}
	for (;;) {
		size_t col;

		skip_blanks(&c);
		col = c.pos + 1;
		rc = next_token(&c, tok, sizeof(tok), err, errlen);
		if (rc < 0)
			return -1;
		if (rc == 0)
			break;
		if (parse_bound(tok, col, &r, err, errlen) != 0)
			return -1;
		last_col = col;
	}
	if (!r.has_min && !r.has_max) {
		snprintf(err, errlen, "column %zu: expected min=N or max=N",
		         c.pos + 1);
		return -1;
	}
	if (r.has_min && r.has_max && r.min >= r.max) {
		snprintf(err, errlen, "column %zu: min %g is not below max %g",
		         last_col, r.min, r.max);
		return -1;
	}
	*out = r;
	return 0;
}

bool hwmon_limit_rule_matches(const struct hwmon_limit_rule *rule,
                              const char *chip, const char *feature,
                              const char *label)
{
	if (fnmatch(rule->chip, chip, 0) != 0)
		return false;
	if (fnmatch(rule->feature, feature, 0) == 0)
		return true;
	return label != NULL && label[0] != '\0' &&
	       fnmatch(rule->feature, label, 0) == 0;
}

void hwmon_apply_rules(const struct hwmon_limit_rule *rules, size_t n,
                       const char *chip, const char *feature, const char *label,
                       struct hwmon_limits *lim)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct hwmon_limit_rule *r = &rules[i];

		if (!hwmon_limit_rule_matches(r, chip, feature, label))
			continue;
		if (r->has_min) {
			lim->has_policy_min = true;
			lim->policy_min = r->min;
		}
		if (r->has_max) {
			lim->has_policy_max = true;
			lim->policy_max = r->max;
		}
	}
}

/* Up to 24 bytes of the text, printable, for an error message. */
static void quote_text(const char *text, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && i < 24 && n + 1 < outlen; i++) {
		unsigned char ch = (unsigned char)text[i];

		if (ch == '\n' && i + 1 == len)
			break;
		out[n++] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
	}
	out[n] = '\0';
}

int hwmon_parse_sysfs_value(const char *text, size_t len, long long *out,
                            char *err, size_t errlen)
{
	char buf[32], shown[32];
	size_t a = 0, b = len;
	char *end;
	long long v;

	while (a < b && (text[a] == ' ' || text[a] == '\t'))
		a++;
	if (b > a && text[b - 1] == '\n')
		b--;
	while (b > a && (text[b - 1] == ' ' || text[b - 1] == '\t'))
		b--;
	quote_text(text, len, shown, sizeof(shown));
	if (a == b) {
		snprintf(err, errlen, "empty");
		return -1;
	}
	if (b - a >= sizeof(buf) || memchr(text + a, '\0', b - a) != NULL ||
	    !(isdigit((unsigned char)text[a]) ||
	      ((text[a] == '-' || text[a] == '+') && b - a > 1 &&
	       isdigit((unsigned char)text[a + 1])))) {
		snprintf(err, errlen, "not a number '%s'", shown);
		return -1;
	}
	memcpy(buf, text + a, b - a);
	buf[b - a] = '\0';
	errno = 0;
	v = strtoll(buf, &end, 10);
	if (errno == ERANGE) {
		snprintf(err, errlen, "out of range '%s'", shown);
		return -1;
	}
	if (*end != '\0') {
		snprintf(err, errlen, "trailing junk in '%s'", shown);
		return -1;
	}
	*out = v;
	return 0;
}

void hwmon_dimm_from_label(const char *label, char *out, size_t outlen)
{
	const char *p = label, *start, *stop;
	size_t n;

	if (outlen == 0)
		return;
	out[0] = '\0';
	for (; *p != '\0'; p++)
		if (strncasecmp(p, "dimm", 4) == 0)
			break;
	if (*p == '\0')
		return;
	start = p;
	while (start > label && !isspace((unsigned char)start[-1]))
		start--;
	stop = p;
	while (*stop != '\0' && !isspace((unsigned char)*stop))
		stop++;
	n = (size_t)(stop - start);
	/* A cut-short name would name no DIMM: none rather than a wrong one. */
	if (n >= outlen)
		return;
	memcpy(out, start, n);
	out[n] = '\0';
}

const char *hwmon_event_kind_name(enum hwmon_event_kind k)
{
	switch (k) {
	case HWMON_CROSSED:
		return "crossed";
	case HWMON_CLEARED:
		return "cleared";
	case HWMON_FAILED:
		return "failed";
	case HWMON_RECOVERED:
		return "recovered";
	case HWMON_CHIP_GONE:
		return "chip_gone";
	case HWMON_CHIP_BACK:
		return "chip_back";
	}
	return "unknown";
}

const char *hwmon_kind_name(enum hwmon_kind k)
{
	switch (k) {
	case HWMON_TEMP:
		return "temp";
	case HWMON_FAN:
		return "fan";
	case HWMON_IN:
		return "in";
	case HWMON_POWER:
		return "power";
	case HWMON_CURR:
		return "curr";
	case HWMON_OTHER:
		return "other";
	}
	return "unknown";
}

const char *hwmon_state_name(enum hwmon_state s)
{
	switch (s) {
	case HWMON_STATE_OK:
		return "ok";
	case HWMON_STATE_WARN:
		return "warn";
	case HWMON_STATE_CRIT:
		return "crit";
	case HWMON_STATE_FAILED:
		return "failed";
	case HWMON_STATE_GONE:
		return "gone";
	}
	return "unknown";
}

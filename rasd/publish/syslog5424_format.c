/* syslog5424_format.c - renders a notice as one RFC 5424 message and parses
 * collector targets; pure functions, no I/O, so tests and fuzzers call them. */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rasd/publish/syslog5424.h"

/* Field lengths from the RFC 5424 ABNF (section 6). */
#define HOSTNAME_MAX 255
#define APP_NAME_MAX 48
#define PROCID_MAX   128
#define MSGID_MAX    32
#define SD_NAME_MAX  32

/* A bounded writer: once something does not fit, it stays full. */
struct out {
	char *buf;
	size_t len;
	size_t pos;
	int full;
};

static void out_char(struct out *o, char c)
{
	if (o->full || o->pos + 1 >= o->len) {
		o->full = 1;
		return;
	}
	o->buf[o->pos++] = c;
}

static void out_bytes(struct out *o, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		out_char(o, s[i]);
}

static void out_str(struct out *o, const char *s)
{
	out_bytes(o, s, strlen(s));
}

/* PRINTUSASCII is %d33-126; anything else in a header field would break
 * the space-separated header, so it becomes '_'. */
static int is_printusascii(unsigned char c)
{
	return c >= 33 && c <= 126;
}

static void out_header_field(struct out *o, const char *s, size_t max)
{
	size_t i;

	if (s == NULL || s[0] == '\0') {
		out_char(o, '-');
		return;
	}
	for (i = 0; s[i] != '\0' && i < max; i++)
		out_char(o, is_printusascii((unsigned char)s[i]) ? s[i] : '_');
}

/* Length of the valid UTF-8 sequence at s (at most n bytes), 0 if the
 * bytes there are not one (overlong, surrogate, past U+10FFFF). */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
	size_t len, i;
	unsigned long cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/* Writes s as UTF-8, each invalid byte replaced by '?', and with a
 * backslash before '"', '\' and ']' when escaping a PARAM-VALUE. */
static void out_utf8(struct out *o, const char *s, int sd_escape)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = strlen(s), i = 0, seq;

	while (i < n) {
		seq = utf8_seq_len(u + i, n - i);
		if (seq == 0) {
			out_char(o, '?');
			i++;
			continue;
		}
		if (sd_escape && seq == 1 &&
		    (s[i] == '"' || s[i] == '\\' || s[i] == ']'))
			out_char(o, '\\');
		out_bytes(o, s + i, seq);
		i += seq;
	}
}

static int has_non_ascii(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s >= 0x80)
			return 1;
	return 0;
}

/* RFC 3339 in UTC with milliseconds; 0 means "no time known". */
static void out_timestamp(struct out *o, uint64_t time_ms)
{
	char ts[40];
	time_t secs = (time_t)(time_ms / 1000);
	struct tm tm;

	if (time_ms == 0 || gmtime_r(&secs, &tm) == NULL ||
	    tm.tm_year + 1900 > 9999) {
		out_char(o, '-');
		return;
	}
	snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, (unsigned)(time_ms % 1000));
	out_str(o, ts);
}

/* SD-NAME: PRINTUSASCII except '=', SP, ']' and '"'. */
static void out_sd_name(struct out *o, const char *s)
{
	size_t i;
	unsigned char c;

	for (i = 0; s[i] != '\0' && i < SD_NAME_MAX; i++) {
		c = (unsigned char)s[i];
		if (!is_printusascii(c) || c == '=' || c == ']' || c == '"')
			c = '_';
		out_char(o, (char)c);
	}
}

static void out_structured_data(struct out *o, const struct notice *n)
{
	size_t i, written = 0;

	for (i = 0; i < n->n_fields && i < NOTICE_FIELDS_MAX; i++) {
		if (n->fields[i].key[0] == '\0')
			continue;
		out_str(o, written == 0 ? "[" SYSLOG5424_SD_ID " " : " ");
		out_sd_name(o, n->fields[i].key);
		out_str(o, "=\"");
		out_utf8(o, n->fields[i].value, 1);
		out_char(o, '"');
		written++;
	}
	out_str(o, written == 0 ? "-" : "]");
}

/*
 * MSG is the notice text.  RFC 5424 (6.4) says UTF-8 text MUST start with
 * a BOM, and pure ASCII may go without one (MSG-ANY).  rasd sends the BOM
 * only when the text has non-ASCII characters: the RFC is met both ways,
 * and the common ASCII case stays clean in receivers that keep the BOM.
 */
static void out_msg(struct out *o, const char *text)
{
	if (text[0] == '\0')
		return;
	out_char(o, ' ');
	if (has_non_ascii(text))
		out_str(o, "\xef\xbb\xbf");
	out_utf8(o, text, 0);
}

int syslog5424_format(const struct notice *n, const char *hostname,
                      const char *app_name, int pid, char *buf, size_t len)
{
	struct out o = {buf, len, 0, 0};
	char head[32], procid[16] = "";
	int severity = n->priority & 0x07; /* LOG_PRIMASK */
	char text[sizeof(n->text) + 1];
	struct notice built;

	/* Text that waited for a reader: this message is one. */
	if (n->pending) {
		built = *n;
		notice_materialize(&built);
		n = &built;
	}

	snprintf(head, sizeof(head), "<%d>1 ",
	         SYSLOG5424_FACILITY * 8 + severity);
	if (pid > 0)
		snprintf(procid, sizeof(procid), "%d", pid);
	out_str(&o, head);
	out_timestamp(&o, n->time_ms);
	out_char(&o, ' ');
	out_header_field(&o, hostname, HOSTNAME_MAX);
	out_char(&o, ' ');
	out_header_field(&o, app_name, APP_NAME_MAX);
	out_char(&o, ' ');
	out_header_field(&o, procid, PROCID_MAX);
	out_char(&o, ' ');
	out_header_field(&o, n->msgid, MSGID_MAX);
	out_char(&o, ' ');
	out_structured_data(&o, n);
	/* The text may fill its array without a NUL; never read past it. */
	memcpy(text, n->text, sizeof(n->text));
	text[sizeof(n->text)] = '\0';
	out_msg(&o, text);
	if (o.full) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	buf[o.pos] = '\0';
	return (int)o.pos;
}

static void describe_char(char *d, size_t dlen, unsigned char c)
{
	if (isprint(c))
		snprintf(d, dlen, "'%c'", c);
	else
		snprintf(d, dlen, "byte 0x%02x", c);
}

static int parse_port(const char *s, uint16_t *port, char *err, size_t errlen)
{
	unsigned long v = 0;
	size_t i;

	if (s[0] == '\0') {
		snprintf(err, errlen, "missing port after ':'");
		return -1;
	}
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 5) {
			snprintf(err, errlen,
			         "port is not a number from 1 to 65535");
			return -1;
		}
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535) {
		snprintf(err, errlen, "port %lu out of range 1-65535", v);
		return -1;
	}
	*port = (uint16_t)v;
	return 0;
}

/* A host name or IPv4 address: letters, digits, '-', '.', '_'. */
static int check_host_name(const char *h, char *err, size_t errlen)
{
	char what[16];
	size_t i;

	if (h[0] == '\0') {
		snprintf(err, errlen, "missing host before ':port'");
		return -1;
	}
	if (strlen(h) > 253) {
		snprintf(err, errlen, "host name longer than 253 characters");
		return -1;
	}
	for (i = 0; h[i] != '\0'; i++) {
		if (isalnum((unsigned char)h[i]) || h[i] == '-' ||
		    h[i] == '.' || h[i] == '_')
			continue;
		describe_char(what, sizeof(what), (unsigned char)h[i]);
		snprintf(err, errlen, "bad character %s in host name", what);
		return -1;
	}
	return 0;
}

static int parse_bracketed(const char *s, struct syslog5424_target *t,
                           char *err, size_t errlen)
{
	const char *close = strchr(s, ']');
	unsigned char addr[16];
	size_t n;

	if (close == NULL) {
		snprintf(err, errlen, "'[' without ']' around IPv6 address");
		return -1;
	}
	n = (size_t)(close - s - 1);
	if (n == 0 || n >= sizeof(t->host)) {
		snprintf(err, errlen, "empty or overlong IPv6 address in []");
		return -1;
	}
	memcpy(t->host, s + 1, n);
	t->host[n] = '\0';
	if (inet_pton(AF_INET6, t->host, addr) != 1) {
		snprintf(err, errlen, "not an IPv6 address inside []");
		return -1;
	}
	if (close[1] != ':') {
		snprintf(err, errlen, "expected ':port' after ']'");
		return -1;
	}
	return parse_port(close + 2, &t->port, err, errlen);
}

int syslog5424_parse_target(const char *s, struct syslog5424_target *t,
                            char *err, size_t errlen)
{
	const char *colon;
	size_t n;

	memset(t, 0, sizeof(*t));
	if (s == NULL || s[0] == '\0') {
		snprintf(err, errlen, "empty target: want host:port");
		return -1;
	}
	if (s[0] == '[')
		return parse_bracketed(s, t, err, errlen);
	colon = strchr(s, ':');
	if (colon == NULL) {
		snprintf(err, errlen, "missing ':port' (want host:port)");
		return -1;
	}
	if (strchr(colon + 1, ':') != NULL) {
		snprintf(err, errlen,
		         "IPv6 address needs brackets: [addr]:port");
		return -1;
	}
	n = (size_t)(colon - s);
	if (n >= sizeof(t->host)) {
		snprintf(err, errlen, "host name longer than 253 characters");
		return -1;
	}
	memcpy(t->host, s, n);
	t->host[n] = '\0';
	if (check_host_name(t->host, err, errlen) != 0)
		return -1;
	return parse_port(colon + 1, &t->port, err, errlen);
}

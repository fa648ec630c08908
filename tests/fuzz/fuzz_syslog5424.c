/* fuzz_syslog5424.c - libFuzzer target for the syslog target parser and the
 * RFC 5424 renderer: any bytes give a result or a reason, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasd/publish/syslog5424.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A parsed target prints back to a string that parses the same. */
static void fuzz_target(const char *text)
{
	struct syslog5424_target t, again;
	char err[256] = "", printed[SYSLOG5424_HOST_MAX + 16];

	if (syslog5424_parse_target(text, &t, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
		return;
	}
	if (t.host[0] == '\0' || t.port == 0)
		abort();
	snprintf(printed, sizeof(printed),
	         strchr(t.host, ':') ? "[%s]:%u" : "%s:%u", t.host, t.port);
	if (syslog5424_parse_target(printed, &again, err, sizeof(err)) != 0 ||
	    strcmp(again.host, t.host) != 0 || again.port != t.port)
		abort();
}

/* Notice from bytes: "msgid\ntext\nkey=value\n...", rendered into a
 * buffer whose size the first byte picks. */
static void fuzz_format(const char *text, size_t buf_len)
{
	char *copy = strdup(text), *save = NULL, *line, *eq, *buf;
	struct notice n;
	int len;

	if (copy == NULL)
		return;
	memset(&n, 0, sizeof(n));
	n.msgid = strtok_r(copy, "\n", &save);
	n.priority = (int)buf_len;
	n.time_ms = (uint64_t)buf_len * 86400123ull;
	line = strtok_r(NULL, "\n", &save);
	if (line != NULL)
		snprintf(n.text, sizeof(n.text), "%s", line);
	while ((line = strtok_r(NULL, "\n", &save)) != NULL) {
		eq = strchr(line, '=');
		if (eq != NULL)
			*eq++ = '\0';
		notice_add(&n, line, "%s", eq ? eq : "");
	}
	buf = malloc(buf_len + 1);
	if (buf != NULL) {
		len = syslog5424_format(&n, n.msgid, n.text, (int)buf_len, buf,
		                        buf_len);
		if (len >= 0 &&
		    ((size_t)len >= buf_len || strlen(buf) != (size_t)len))
			abort();
		if (len >= 0 && strncmp(buf, "<", 1) != 0)
			abort();
	}
	free(buf);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text;

	if (size == 0)
		return 0;
	text = malloc(size);
	if (text == NULL)
		return 0;
	memcpy(text, data + 1, size - 1);
	text[size - 1] = '\0';
	if (data[0] & 1)
		fuzz_target(text);
	else
		fuzz_format(text, (size_t)data[0] * 8);
	free(text);
	return 0;
}

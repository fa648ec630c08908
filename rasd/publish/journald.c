/* journald.c - renders a notice as one datagram of journald's native
 * protocol (KEY=VALUE lines, length-prefixed values for multi-line ones),
 * so the structured fields survive as journal fields. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "journald.h"

/* The one list of MSGIDs: rasd.conf(5) and default.conf name the same
 * (test_journald.sh compares them). */
const struct journald_msgid journald_msgids[] = {
    {"MEMCE", "4a082cf80735490eb6cb56c065c406d1"},
    {"MEMUE", "7fc9964842db4c508997aaedbcd0cc1a"},
    {"CPUERR", "3f70fb4db98a4dae8b7b0d9bc644f558"},
    {"PAGEOFF", "d0300294663a4bae8be5b925acc7a4b6"},
    {"CPUOFF", "91697789c8e14914825909b82d2fe729"},
    {"DIMMDEG", "fc14ba0bcec240dabb72202625dadbcf"},
    {"DIMMFAIL", "b3a1e7c0a5f24d5e9c1f6f4e8d2a9b17"},
    {"SOCKET", "00ea00cc20734cd683fdd2dd75ea6ba1"},
    {"EVAC", "681d1c8a3a8948bfaf168fdfc03c0dd5"},
    {"EVACFAIL", "28f00260ee4b4c83bb896323fc0f31d1"},
    {"STORM", "45442e0fd50b4343820810e367df35f3"},
    {"SENSOR", "d13171bf1cd14ad08a21b8e3d07cbb92"},
    {"BMC", "478903bb6ec840d48d72be0c3279b372"},
    {"HEALTH", "2c0a3eda705542ff886d75e33a6c2631"},
    {"TELEMETRY", "eb450d25ad5b4564814e128246ff26df"},
    {"PCIE", "ef72aee1ad2a4917846e7732c1ee7e57"},
    {"CXL", "3a3b489ff5b749329ad793f4dcb11597"},
    {"DRAM", "87965f10c13f46e58cd70eb1206ab417"},
    {"RASD", "82c03db0c0854b9ab0db4ca09d6c1932"},
};
const size_t journald_n_msgids =
    sizeof(journald_msgids) / sizeof(journald_msgids[0]);

const char *journald_message_id(const char *msgid)
{
	size_t i;

	for (i = 0; msgid != NULL && i < journald_n_msgids; i++)
		if (strcmp(msgid, journald_msgids[i].msgid) == 0)
			return journald_msgids[i].message_id;
	return NULL;
}

struct out {
	char *p;
	size_t len, cap;
	int overflow;
};

static void put(struct out *o, const void *s, size_t n)
{
	if (o->overflow || n > o->cap - o->len) {
		o->overflow = 1;
		return;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

/* KEY=value\n, or KEY\n<64-bit LE length>value\n when value has '\n'. */
static void field(struct out *o, const char *key, const char *value)
{
	size_t n = strlen(value);
	unsigned char le[8];
	int i;

	put(o, key, strlen(key));
	if (memchr(value, '\n', n) == NULL) {
		put(o, "=", 1);
		put(o, value, n);
		put(o, "\n", 1);
		return;
	}
	for (i = 0; i < 8; i++)
		le[i] = (unsigned char)((uint64_t)n >> (8 * i));
	put(o, "\n", 1);
	put(o, le, sizeof(le));
	put(o, value, n);
	put(o, "\n", 1);
}

/* RASD_ and the key upper-cased; journald takes [A-Z0-9_] only. */
static void field_name(const char *key, char *buf, size_t len)
{
	size_t i, o = 0;

	o = (size_t)snprintf(buf, len, "RASD_");
	for (i = 0; key[i] != '\0' && o + 1 < len; i++) {
		char c = key[i];

		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		else if (!(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9'))
			c = '_';
		buf[o++] = c;
	}
	buf[o] = '\0';
}

int journald_format(const struct notice *n, const char *app_name, char *buf,
                    size_t len)
{
	struct out o = {buf, 0, len, 0};
	const char *mid = journald_message_id(n->msgid);
	char num[32], name[NOTICE_KEY_MAX + 8];
	size_t i;

	field(&o, "MESSAGE", n->text);
	snprintf(num, sizeof(num), "%d", n->priority & 7);
	field(&o, "PRIORITY", num);
	field(&o, "SYSLOG_FACILITY", "3");
	field(&o, "SYSLOG_IDENTIFIER", app_name ? app_name : "rasd");
	if (mid != NULL)
		field(&o, "MESSAGE_ID", mid);
	field(&o, "RASD_MSGID", n->msgid ? n->msgid : "");
	snprintf(num, sizeof(num), "%llu", (unsigned long long)n->seq);
	field(&o, "RASD_SEQ", num);
	for (i = 0; i < n->n_fields && i < NOTICE_FIELDS_MAX; i++) {
		field_name(n->fields[i].key, name, sizeof(name));
		field(&o, name, n->fields[i].value);
	}
	return o.overflow || o.len > INT32_MAX ? -1 : (int)o.len;
}

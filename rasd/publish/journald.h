/* journald.h - notices as systemd journal entries (the native protocol):
 * the notice's fields become journal fields, each MSGID a MESSAGE_ID. */
#ifndef RASD_JOURNALD_H
#define RASD_JOURNALD_H

#include <stddef.h>

#include "rasd/publish/notice.h"

/* Where journald takes native entries. */
#define JOURNALD_SOCKET "/run/systemd/journal/socket"

/* Every MSGID rasd sends, with its journal MESSAGE_ID (128 bits, hex). */
struct journald_msgid {
	const char *msgid;
	const char *message_id;
};
extern const struct journald_msgid journald_msgids[];
extern const size_t journald_n_msgids;

/* The MESSAGE_ID of msgid, NULL for one not in the table. */
const char *journald_message_id(const char *msgid);

/*
 * One entry in the native protocol into buf: MESSAGE, PRIORITY,
 * SYSLOG_FACILITY, SYSLOG_IDENTIFIER (app_name), MESSAGE_ID, RASD_MSGID,
 * RASD_SEQ and RASD_<KEY> for each notice field (upper-cased, anything
 * but letters and digits as '_'). A value holding a newline is sent in
 * the protocol's length-prefixed form. Returns the length (the entry may
 * hold NUL bytes), or -1 when it does not fit in len.
 */
int journald_format(const struct notice *n, const char *app_name, char *buf,
                    size_t len);

#endif

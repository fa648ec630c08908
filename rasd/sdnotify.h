/* sdnotify.h - rasd under systemd's Type=notify: READY once the journal
 * is open and the backend answered, STATUS with health, WATCHDOG=1. */
#ifndef RASD_SDNOTIFY_H
#define RASD_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>

struct rasd;
struct sdnotify;

/*
 * Reads NOTIFY_SOCKET and WATCHDOG_USEC/WATCHDOG_PID from the
 * environment. Without NOTIFY_SOCKET *out is NULL and every other call
 * does nothing: rasd was not started by systemd. A timer on d's loop
 * sends STATUS= when health changed (within a second) and, with
 * WATCHDOG_USEC, WATCHDOG=1 at least twice per interval, so a stalled
 * loop is what the watchdog sees. -1 with err when the socket is bad.
 */
int sdnotify_open(struct sdnotify **out, struct rasd *d, char *err,
                  size_t errlen);
/* READY=1 with the first STATUS=; call once rasd_init succeeded. */
void sdnotify_ready(struct sdnotify *n);
/* STOPPING=1: rasd_run returned. */
void sdnotify_stopping(struct sdnotify *n);
void sdnotify_close(struct sdnotify *n);

/* The message, formatted for the socket (exposed for the unit test). */
int sdnotify_status_text(const struct rasd *d, char *buf, size_t len);

#endif

/* log.h - where rasd tells people what it saw and did: stderr (with the
 * injected clock's time), an optional log file, and syslog(3). */
#ifndef RASD_LOG_H
#define RASD_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <syslog.h>

#include "../include/clock.h"

struct rasd_log {
	const struct clock *clock;
	uint64_t origin_ms; /* demo: times print as +HH:MM:SS from here */
	bool relative;      /* print offsets from origin, not wall time */
	bool to_stderr;
	bool to_syslog;
	FILE *file;   /* extra copy, or NULL */
	int max_prio; /* LOG_DEBUG shows everything, LOG_INFO the default */
};

void log_init(struct rasd_log *lg, const struct clock *clock);
int log_open_file(struct rasd_log *lg, const char *path, char *err,
                  size_t errlen);
void log_close(struct rasd_log *lg);

/*
 * `tag` is a short column ("event", "action", "verdict", "rasd") that
 * makes the timeline readable; prio is a syslog priority.
 */
void log_msg(struct rasd_log *lg, int prio, const char *tag, const char *fmt,
             ...) __attribute__((format(printf, 4, 5)));

/* Whether a message of prio goes anywhere: text nobody reads is not
 * built (the record path asks before it describes a record). */
static inline bool log_wanted(const struct rasd_log *lg, int prio)
{
	return prio <= lg->max_prio &&
	       (lg->to_stderr || lg->to_syslog || lg->file != NULL);
}

/* "00:20:00" relative, or "2026-11-22T04:00:00.123Z" absolute. */
void log_format_time(const struct rasd_log *lg, uint64_t ms, char *buf,
                     size_t len);

#endif

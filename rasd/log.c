/* log.c - formats rasd's timeline lines once and sends them to stderr,
 * the log file and syslog(3); the injected clock supplies the time. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "log.h"

void log_init(struct rasd_log *lg, const struct clock *clock)
{
	memset(lg, 0, sizeof(*lg));
	lg->clock = clock;
	lg->to_stderr = true;
	lg->max_prio = LOG_INFO;
}

int log_open_file(struct rasd_log *lg, const char *path, char *err,
                  size_t errlen)
{
	FILE *f = fopen(path, "a");

	if (f == NULL) {
		snprintf(err, errlen, "%s: cannot open log: %s", path,
		         strerror(errno));
		return -1;
	}
	setvbuf(f, NULL, _IOLBF, 0);
	lg->file = f;
	return 0;
}

void log_close(struct rasd_log *lg)
{
	if (lg->file != NULL)
		fclose(lg->file);
	lg->file = NULL;
}

void log_format_time(const struct rasd_log *lg, uint64_t ms, char *buf,
                     size_t len)
{
	struct tm tm;
	time_t secs;

	if (lg->relative) {
		uint64_t off = ms >= lg->origin_ms ? ms - lg->origin_ms : 0;
		uint64_t s = off / 1000;

		snprintf(buf, len, "%02llu:%02llu:%02llu",
		         (unsigned long long)(s / 3600),
		         (unsigned long long)(s / 60 % 60),
		         (unsigned long long)(s % 60));
		return;
	}
	secs = (time_t)(ms / 1000);
	gmtime_r(&secs, &tm);
	snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000));
}

static const char *log_prio_word(int prio)
{
	/* Warnings read plainly in the timeline; errors must stand out. */
	if (prio <= LOG_ERR)
		return "error: ";
	return "";
}

void log_msg(struct rasd_log *lg, int prio, const char *tag, const char *fmt,
             ...)
{
	char text[1024], when[40];
	va_list ap;

	if (!log_wanted(lg, prio))
		return;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	log_format_time(lg, clock_now_ms(lg->clock), when, sizeof(when));
	if (lg->to_stderr)
		fprintf(stderr, "%s  %-7s %s%s\n", when, tag,
		        log_prio_word(prio), text);
	if (lg->file != NULL)
		fprintf(lg->file, "%s  %-7s %s%s\n", when, tag,
		        log_prio_word(prio), text);
	if (lg->to_syslog)
		syslog(prio, "%s: %s", tag, text);
}

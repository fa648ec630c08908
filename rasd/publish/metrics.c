/* metrics.c - renders a snapshot as Prometheus text and replaces the
 * metrics file atomically, only on change and at most once per interval. */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../mce/dram.h"
#include "metrics.h"

struct metrics_writer {
	char *path; /* the file node_exporter reads */
	char *dir;  /* its directory, for messages */
	char *tmpl; /* mkstemp template beside it */
	char *tmp;  /* scratch copy of tmpl for each write */
	uint64_t min_interval_ms;
	bool attempted;   /* a write was tried: the interval applies */
	uint64_t last_ms; /* when it was tried */
	char *last;       /* the text the file holds, NULL before the first */
	size_t last_len;
	size_t last_body; /* where its part after the heartbeat starts */
};

/* A growing text buffer; one allocation failure poisons it. */
struct buf {
	char *p;
	size_t len;
	size_t cap;
	bool failed;
};

static const char *const health_names[] = {"ok", "degraded", "failing"};
static const char *const dimm_state_names[] = {"ok", "degraded", "failing",
                                               "evacuating", "evacuated"};

#define N_HEALTH      (sizeof(health_names) / sizeof(health_names[0]))
#define N_DIMM_STATES (sizeof(dimm_state_names) / sizeof(dimm_state_names[0]))

static bool buf_reserve(struct buf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more + 1 <= b->cap)
		return true;
	cap = b->cap ? b->cap : 4096;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->p, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	if (!buf_reserve(b, (size_t)n))
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

static void buf_putc(struct buf *b, char c)
{
	if (!buf_reserve(b, 1))
		return;
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
}

/*
 * A label value between its quotes. The format escapes only backslash,
 * quote and newline; Prometheus also rejects invalid UTF-8, so bytes
 * outside ASCII (SMBIOS labels and host names are ASCII) become '?'
 * rather than making the whole file unreadable.
 */
static void buf_label(struct buf *b, const char *v)
{
	const unsigned char *s = (const unsigned char *)v;

	for (; *s != '\0'; s++) {
		if (*s == '\\')
			buf_printf(b, "\\\\");
		else if (*s == '"')
			buf_printf(b, "\\\"");
		else if (*s == '\n')
			buf_printf(b, "\\n");
		else if (*s >= 0x80)
			buf_putc(b, '?');
		else
			buf_putc(b, (char)*s);
	}
}

static void family(struct buf *b, const char *name, const char *type,
                   const char *help)
{
	buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static const char *const telemetry_states[] = {"never", "running", "ok",
                                               "inoperative", "unsupported"};

#define N_TELEMETRY (sizeof(telemetry_states) / sizeof(telemetry_states[0]))

/* Is rasd alive, since when, which build: an alert on the age of
 * rasd_last_update_timestamp_seconds tells a dead rasd from a quiet host. */
static void render_heartbeat(struct buf *b, const struct metrics_snapshot *s)
{
	family(b, "rasd_up", "gauge",
	       "1 while rasd runs; 0 in the file a stopping rasd leaves.");
	buf_printf(b, "rasd_up %d\n", s->up);
	family(b, "rasd_last_update_timestamp_seconds", "gauge",
	       "Wall-clock time of this file's write (every interval).");
	buf_printf(b, "rasd_last_update_timestamp_seconds %.3f\n", s->now_s);
	family(b, "rasd_start_time_seconds", "gauge",
	       "Wall-clock time rasd started.");
	buf_printf(b, "rasd_start_time_seconds %.3f\n", s->start_s);
	family(b, "rasd_build_info", "gauge",
	       "rasd's version and backend; always 1.");
	buf_printf(b, "rasd_build_info{version=\"");
	buf_label(b, s->version ? s->version : "");
	buf_printf(b, "\",backend=\"");
	buf_label(b, s->backend ? s->backend : "");
	buf_printf(b, "\"} 1\n");
}

/* Does machine-check telemetry reach rasd at all (the self-test)? */
static void render_telemetry(struct buf *b, const struct metrics_snapshot *s)
{
	const char *st = s->telemetry_state ? s->telemetry_state : "never";
	size_t i;

	family(b, "rasd_telemetry_selftest", "gauge",
	       "Machine-check telemetry self-test: 1 for the current state.");
	for (i = 0; i < N_TELEMETRY; i++)
		buf_printf(b, "rasd_telemetry_selftest{state=\"%s\"} %d\n",
		           telemetry_states[i],
		           strcmp(st, telemetry_states[i]) == 0);
	family(b, "rasd_telemetry_ok", "gauge",
	       "0 when the self-test found that planted errors never arrive.");
	buf_printf(b, "rasd_telemetry_ok %d\n", strcmp(st, "inoperative") != 0);
}

static void render_host(struct buf *b, const struct metrics_snapshot *s)
{
	size_t i;

	if (s->host != NULL && s->host[0] != '\0') {
		family(b, "rasd_info", "gauge",
		       "The host rasd watches; always 1.");
		buf_printf(b, "rasd_info{host=\"");
		buf_label(b, s->host);
		buf_printf(b, "\"} 1\n");
	}
	family(b, "rasd_host_health", "gauge",
	       "Host health: 1 for the current state, 0 for the others.");
	for (i = 0; i < N_HEALTH; i++)
		buf_printf(b, "rasd_host_health{state=\"%s\"} %d\n",
		           health_names[i], (size_t)s->health == i);
}

static void counter(struct buf *b, const char *name, const char *help,
                    uint64_t v)
{
	family(b, name, "counter", help);
	buf_printf(b, "%s %llu\n", name, (unsigned long long)v);
}

static void render_counters(struct buf *b, const struct metrics_snapshot *s)
{
	counter(b, "rasd_records_read_total",
	        "Machine-check records read from the sources.",
	        s->records_read);
	counter(b, "rasd_records_invalid_total",
	        "Records rejected as malformed.", s->records_invalid);
	counter(b, "rasd_source_overflows_total",
	        "Times a record source reported that it dropped records.",
	        s->source_overflows);
	counter(b, "rasd_pages_offlined_total", "Memory pages offlined.",
	        s->pages_offlined);
	counter(b, "rasd_cpus_offlined_total", "CPUs offlined.",
	        s->cpus_offlined);
	counter(b, "rasd_guests_evacuated_total",
	        "Guests migrated off failing hardware.", s->guests_evacuated);
	counter(b, "rasd_migrations_failed_total",
	        "Guest migrations that failed.", s->migrations_failed);
	counter(b, "rasd_actions_failed_total",
	        "Actions (offline, migrate, hook) that failed.",
	        s->actions_failed);
}

static void render_events(struct buf *b, const struct metrics_snapshot *s)
{
	const struct metrics_event_count *e;
	size_t i;

	if (s->n_events == 0)
		return;
	family(b, "rasd_events_total", "counter",
	       "Hardware error events by severity and kind.");
	for (i = 0; i < s->n_events; i++) {
		e = &s->events[i];
		buf_printf(b, "rasd_events_total{severity=\"");
		buf_label(b, e->severity);
		buf_printf(b, "\",kind=\"");
		buf_label(b, e->kind);
		buf_printf(b, "\"} %llu\n", (unsigned long long)e->count);
	}
}

/*
 * Every DIMM series carries socket and channel so sum by() works, and
 * controller and csrow as node_exporter's node_edac_* series do, so the
 * two join on (instance, controller, csrow).
 */
static void dimm_labels(struct buf *b, const char *name,
                        const struct metrics_dimm *d)
{
	buf_printf(b, "%s{dimm=\"", name);
	buf_label(b, d->label);
	buf_printf(b,
	           "\",socket=\"%u\",controller=\"%u\",csrow=\"%u\","
	           "channel=\"%u\"",
	           d->socket, d->controller, d->csrow, d->channel);
}

static void render_dimm_state(struct buf *b, const struct metrics_snapshot *s)
{
	const struct metrics_dimm *d;
	size_t i, j;

	family(b, "rasd_dimm_state", "gauge",
	       "DIMM state: 1 for the current state, 0 for the others.");
	for (i = 0; i < s->n_dimms; i++) {
		d = &s->dimms[i];
		for (j = 0; j < N_DIMM_STATES; j++) {
			dimm_labels(b, "rasd_dimm_state", d);
			buf_printf(b, ",state=\"%s\"} %d\n",
			           dimm_state_names[j], (size_t)d->state == j);
		}
	}
}

/* One series per mode, 1 for the DIMM's: alert rules select on mode. */
static void render_dimm_mode(struct buf *b, const struct metrics_snapshot *s)
{
	const struct metrics_dimm *d;
	size_t i, j;

	family(b, "rasd_dimm_fault_mode", "gauge",
	       "DRAM fault mode of the DIMM's distinct cells in error in the "
	       "window: 1 for the current mode, 0 for the others.");
	for (i = 0; i < s->n_dimms; i++) {
		d = &s->dimms[i];
		for (j = 0; j < DRAM_MODE_COUNT; j++) {
			dimm_labels(b, "rasd_dimm_fault_mode", d);
			buf_printf(b, ",mode=\"%s\"} %d\n",
			           dram_mode_name((enum dram_mode)j),
			           d->fault_mode == j);
		}
	}
}

enum dimm_field {
	DIMM_CE,
	DIMM_UE,
	DIMM_PAGES,
	DIMM_THRESHOLD,
	DIMM_CELLS,
};

static uint64_t dimm_value(const struct metrics_dimm *d, enum dimm_field f)
{
	switch (f) {
	case DIMM_CE:
		return d->corrected_total;
	case DIMM_UE:
		return d->uncorrected_total;
	case DIMM_PAGES:
		return d->pages_in_window;
	case DIMM_THRESHOLD:
		return d->pages_threshold;
	case DIMM_CELLS:
		return d->cells_in_window;
	}
	return 0;
}

static void dimm_family(struct buf *b, const struct metrics_snapshot *s,
                        const char *name, const char *type, const char *help,
                        enum dimm_field f)
{
	size_t i;

	family(b, name, type, help);
	for (i = 0; i < s->n_dimms; i++) {
		dimm_labels(b, name, &s->dimms[i]);
		buf_printf(b, "} %llu\n",
		           (unsigned long long)dimm_value(&s->dimms[i], f));
	}
}

static void render_dimms(struct buf *b, const struct metrics_snapshot *s)
{
	if (s->n_dimms == 0)
		return;
	render_dimm_state(b, s);
	dimm_family(b, s, "rasd_dimm_corrected_errors_total", "counter",
	            "Corrected memory errors on the DIMM.", DIMM_CE);
	dimm_family(b, s, "rasd_dimm_uncorrected_errors_total", "counter",
	            "Uncorrected memory errors on the DIMM.", DIMM_UE);
	dimm_family(b, s, "rasd_dimm_pages_in_window", "gauge",
	            "Distinct pages with errors in the DIMM's current window.",
	            DIMM_PAGES);
	dimm_family(b, s, "rasd_dimm_pages_threshold", "gauge",
	            "Distinct pages in a window at which the DIMM is failing.",
	            DIMM_THRESHOLD);
	render_dimm_mode(b, s);
	dimm_family(b, s, "rasd_dimm_cells_in_window", "gauge",
	            "Distinct DRAM cells with errors in the DIMM's window.",
	            DIMM_CELLS);
}

enum cpu_field {
	CPU_ONLINE,
	CPU_PROTECTED,
};

static uint64_t cpu_value(const struct metrics_cpu *c, enum cpu_field f)
{
	switch (f) {
	case CPU_ONLINE:
		return c->online;
	case CPU_PROTECTED:
		return c->protected;
	}
	return 0;
}

static void cpu_family(struct buf *b, const struct metrics_snapshot *s,
                       const char *name, const char *type, const char *help,
                       enum cpu_field f)
{
	const struct metrics_cpu *c;
	size_t i;

	family(b, name, type, help);
	for (i = 0; i < s->n_cpus; i++) {
		c = &s->cpus[i];
		buf_printf(b, "%s{cpu=\"%u\",socket=\"%u\",core=\"%u\"} %llu\n",
		           name, c->cpu, c->socket, c->core,
		           (unsigned long long)cpu_value(c, f));
	}
}

/* Is c the first CPU of its (socket, core) in the array? */
static bool first_of_core(const struct metrics_snapshot *s, size_t i)
{
	size_t j;

	for (j = 0; j < i; j++)
		if (s->cpus[j].socket == s->cpus[i].socket &&
		    s->cpus[j].core == s->cpus[i].core)
			return false;
	return true;
}

/* Once per core, not per SMT sibling: one error is counted once. */
static void render_cores(struct buf *b, const struct metrics_snapshot *s)
{
	const struct metrics_cpu *c;
	size_t i;

	family(b, "rasd_core_errors_total", "counter",
	       "Errors counted against the core (shared by its SMT "
	       "siblings).");
	for (i = 0; i < s->n_cpus; i++) {
		c = &s->cpus[i];
		if (!first_of_core(s, i))
			continue;
		buf_printf(b,
		           "rasd_core_errors_total{socket=\"%u\",core=\"%u\"} "
		           "%llu\n",
		           c->socket, c->core,
		           (unsigned long long)c->core_errors_total);
	}
}

static void render_cpus(struct buf *b, const struct metrics_snapshot *s)
{
	if (s->n_cpus == 0)
		return;
	cpu_family(b, s, "rasd_cpu_online", "gauge", "1 if the CPU is online.",
	           CPU_ONLINE);
	cpu_family(b, s, "rasd_cpu_protected", "gauge",
	           "1 if the policy never offlines the CPU.", CPU_PROTECTED);
	render_cores(b, s);
}

static void render_sockets(struct buf *b, const struct metrics_snapshot *s)
{
	const struct metrics_socket *k;
	size_t i;

	if (s->n_sockets == 0)
		return;
	family(b, "rasd_socket_corrected_errors_total", "counter",
	       "Corrected memory errors on the socket's DIMMs.");
	for (i = 0; i < s->n_sockets; i++) {
		k = &s->sockets[i];
		buf_printf(b,
		           "rasd_socket_corrected_errors_total{socket=\"%u\"} "
		           "%llu\n",
		           k->socket, (unsigned long long)k->corrected_total);
	}
	family(b, "rasd_socket_degraded", "gauge",
	       "1 if the socket is degraded.");
	for (i = 0; i < s->n_sockets; i++) {
		k = &s->sockets[i];
		buf_printf(b, "rasd_socket_degraded{socket=\"%u\"} %d\n",
		           k->socket, k->degraded);
	}
}

static const char *const device_severities[] = {"corrected", "nonfatal",
                                                "fatal"};

static uint64_t device_count(const struct metrics_device *v, size_t sev)
{
	return sev == 0   ? v->corrected_total
	       : sev == 1 ? v->nonfatal_total
	                  : v->fatal_total;
}

static void device_labels(struct buf *b, const char *name,
                          const struct metrics_device *v)
{
	buf_printf(b, "%s{source=\"", name);
	buf_label(b, v->source);
	buf_printf(b, "\",device=\"");
	buf_label(b, v->device);
	buf_printf(b, "\"");
}

static void render_devices(struct buf *b, const struct metrics_snapshot *s)
{
	size_t i, sev;

	if (s->n_devices == 0)
		return;
	family(b, "rasd_device_errors_total", "counter",
	       "PCIe AER and CXL errors logged by the device, by severity.");
	for (i = 0; i < s->n_devices; i++) {
		for (sev = 0; sev < 3; sev++) {
			device_labels(b, "rasd_device_errors_total",
			              &s->devices[i]);
			buf_printf(b, ",severity=\"%s\"} %llu\n",
			           device_severities[sev],
			           (unsigned long long)device_count(
			               &s->devices[i], sev));
		}
	}
	family(b, "rasd_device_storm", "gauge",
	       "1 while the device's corrected errors are over the "
	       "[pcie] threshold.");
	for (i = 0; i < s->n_devices; i++) {
		device_labels(b, "rasd_device_storm", &s->devices[i]);
		buf_printf(b, "} %d\n", s->devices[i].storm);
	}
}

/* *body: where the text after the heartbeat starts (what "changed"
 * compares: the heartbeat's time changes with every write). */
static char *render(const struct metrics_snapshot *s, size_t *len, size_t *body)
{
	struct buf b = {0};

	render_heartbeat(&b, s);
	*body = b.len;
	render_host(&b, s);
	render_telemetry(&b, s);
	render_counters(&b, s);
	render_events(&b, s);
	render_dimms(&b, s);
	render_cpus(&b, s);
	render_sockets(&b, s);
	render_devices(&b, s);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	*len = b.len;
	return b.p;
}

char *metrics_render(const struct metrics_snapshot *s, size_t *len)
{
	size_t body;

	return render(s, len, &body);
}

int metrics_dimm_state_parse(const char *name)
{
	size_t i;

	for (i = 0; i < N_DIMM_STATES; i++)
		if (strcmp(name, dimm_state_names[i]) == 0)
			return (int)i;
	return -1;
}

/*
 * The temp file is ".NAME.XXXXXX" in the target's directory: rename(2) is
 * atomic only within one file system, and the textfile collector reads
 * only *.prom, so it never sees a half-written file.
 */
static int split_path(struct metrics_writer *w, const char *path)
{
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	size_t n = dirlen + strlen(base) + sizeof(".") + sizeof(".XXXXXX");

	if ((w->path = strdup(path)) == NULL)
		return -1;
	if (slash == NULL)
		w->dir = strdup(".");
	else if (slash == path)
		w->dir = strdup("/");
	else
		w->dir = strndup(path, dirlen - 1);
	w->tmpl = malloc(n);
	w->tmp = malloc(n);
	if (w->dir == NULL || w->tmpl == NULL || w->tmp == NULL)
		return -1;
	snprintf(w->tmpl, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
	return 0;
}

struct metrics_writer *metrics_open(const char *path, uint64_t min_interval_ms,
                                    char *err, size_t errlen)
{
	struct metrics_writer *w;
	const char *slash;

	slash = strrchr(path, '/');
	if (path[0] == '\0' || (slash != NULL && slash[1] == '\0')) {
		snprintf(err, errlen, "metrics: '%s' does not name a file",
		         path);
		return NULL;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL || split_path(w, path) == -1) {
		snprintf(err, errlen, "metrics: %s: %s", path,
		         strerror(ENOMEM));
		metrics_close(w);
		return NULL;
	}
	w->min_interval_ms = min_interval_ms;
	return w;
}

void metrics_close(struct metrics_writer *w)
{
	if (w == NULL)
		return;
	free(w->path);
	free(w->dir);
	free(w->tmpl);
	free(w->tmp);
	free(w->last);
	free(w);
}

static int write_all(int fd, const char *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Fills the temp file; on failure says why and leaves errno to the caller. */
static int fill_temp(struct metrics_writer *w, int fd, const char *text,
                     size_t len, char *err, size_t errlen)
{
	const char *what;

	/* mkstemp makes it 0600; node_exporter usually runs as another user. */
	if (fchmod(fd, 0644) == -1)
		what = "chmod";
	else if (write_all(fd, text, len) == -1)
		what = "write";
	else if (fsync(fd) == -1)
		what = "sync";
	else
		return 0;
	snprintf(err, errlen, "metrics: cannot %s %s: %s", what, w->tmp,
	         strerror(errno));
	return -1;
}

/*
 * Temp file, fsync, rename over the target: a reader sees the old file or
 * the new one, never a torn one. The directory is not fsynced: after a
 * crash the next change rewrites the file anyway.
 */
static int write_file(struct metrics_writer *w, const char *text, size_t len,
                      char *err, size_t errlen)
{
	int fd, saved;

	memcpy(w->tmp, w->tmpl, strlen(w->tmpl) + 1);
	if ((fd = mkstemp(w->tmp)) == -1) {
		snprintf(err, errlen,
		         "metrics: cannot create a temp file in %s for %s: %s",
		         w->dir, w->path, strerror(errno));
		return -1;
	}
	if (fill_temp(w, fd, text, len, err, errlen) == -1) {
		close(fd);
		unlink(w->tmp);
		return -1;
	}
	if (close(fd) == -1) {
		saved = errno;
		unlink(w->tmp);
		snprintf(err, errlen, "metrics: cannot close %s: %s", w->tmp,
		         strerror(saved));
		return -1;
	}
	if (rename(w->tmp, w->path) == -1) {
		saved = errno;
		unlink(w->tmp);
		snprintf(err, errlen, "metrics: cannot replace %s with %s: %s",
		         w->path, w->tmp, strerror(saved));
		return -1;
	}
	return 0;
}

/* Takes ownership of text. A failed write keeps the old text, so a retry
 * after the interval sees a change. */
static int commit(struct metrics_writer *w, char *text, size_t len, size_t body,
                  uint64_t now_ms, char *err, size_t errlen)
{
	w->attempted = true;
	w->last_ms = now_ms;
	if (write_file(w, text, len, err, errlen) == -1) {
		free(text);
		return -1;
	}
	free(w->last);
	w->last = text;
	w->last_len = len;
	w->last_body = body;
	return 0;
}

static char *render_or_fail(const struct metrics_snapshot *s, size_t *len,
                            size_t *body, char *err, size_t errlen)
{
	char *text;

	if ((text = render(s, len, body)) == NULL)
		snprintf(err, errlen, "metrics: rendering: %s",
		         strerror(ENOMEM));
	return text;
}

int metrics_write_now(struct metrics_writer *w,
                      const struct metrics_snapshot *s, uint64_t now_ms,
                      char *err, size_t errlen)
{
	size_t len, body;
	char *text;

	if ((text = render_or_fail(s, &len, &body, err, errlen)) == NULL)
		return -1;
	return commit(w, text, len, body, now_ms, err, errlen);
}

int metrics_maybe_write(struct metrics_writer *w,
                        const struct metrics_snapshot *s, uint64_t now_ms,
                        char *err, size_t errlen)
{
	size_t len, body;
	char *text;

	/* Unsigned: a clock that stepped back counts as time passed. */
	if (w->attempted && now_ms - w->last_ms < w->min_interval_ms)
		return 0;
	if ((text = render_or_fail(s, &len, &body, err, errlen)) == NULL)
		return -1;
	if (w->last != NULL && len - body == w->last_len - w->last_body &&
	    memcmp(text + body, w->last + w->last_body, len - body) == 0) {
		free(text);
		return 0;
	}
	if (commit(w, text, len, body, now_ms, err, errlen) == -1)
		return -1;
	return 1;
}

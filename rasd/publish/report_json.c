/* report_json.c - maps the control socket's JSON onto the dashboard's
 * structs, draws the graphs from the trend files, writes the page. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"
#include "report_json.h"
#include "trend.h"

#define REPORT_MAX_ROWS   50
#define REPORT_MAX_GRAPHS 64
#define DAY_S             (24 * 3600)

struct report_store {
	struct report_dimm *dimms;
	struct report_cpu *cpus;
	struct report_event *events;
	struct report_action *actions;
	struct report_graph graphs[REPORT_MAX_GRAPHS];
	char graph_files[REPORT_MAX_GRAPHS][96];
	char graph_titles[REPORT_MAX_GRAPHS][128];
	char targets[REPORT_MAX_ROWS][32];
};

static struct json_object *field(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;

	if (o != NULL)
		json_object_object_get_ex(o, k, &v);
	return v;
}

static const char *str(struct json_object *o, const char *k)
{
	struct json_object *v = field(o, k);

	return v != NULL ? json_object_get_string(v) : NULL;
}

static int64_t num(struct json_object *o, const char *k)
{
	struct json_object *v = field(o, k);

	return v != NULL ? json_object_get_int64(v) : 0;
}

static struct json_object *array(struct json_object *o, const char *k,
                                 size_t *n)
{
	struct json_object *v = field(o, k);

	*n = v != NULL && json_object_is_type(v, json_type_array)
	         ? json_object_array_length(v)
	         : 0;
	return v;
}

static void map_dimms(struct json_object *res, struct report_store *st,
                      struct report_data *rd)
{
	size_t i, n;
	struct json_object *arr = array(res, "dimms", &n);

	st->dimms = calloc(n + 1, sizeof(*st->dimms));
	if (st->dimms == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(arr, i);
		struct report_dimm *d = &st->dimms[i];

		d->label = str(m, "label");
		d->socket = (int)num(m, "socket");
		d->controller = (int)num(m, "controller");
		d->channel = (int)num(m, "channel");
		d->slot = (int)num(m, "slot");
		d->state = str(m, "state");
		d->corrected = (uint64_t)num(m, "errors");
		d->uncorrected = (uint64_t)num(m, "uncorrected");
		d->pages_in_window = (uint32_t)num(m, "pages_in_window");
		d->threshold = (uint32_t)num(m, "threshold");
	}
	rd->dimms = st->dimms;
	rd->n_dimms = n;
}

static void map_cpus(struct json_object *res, struct report_store *st,
                     struct report_data *rd)
{
	size_t i, n;
	struct json_object *arr = array(res, "cpus", &n);

	st->cpus = calloc(n + 1, sizeof(*st->cpus));
	if (st->cpus == NULL)
		return;
	for (i = 0; i < n; i++) {
		struct json_object *c = json_object_array_get_idx(arr, i);

		st->cpus[i].cpu = (uint32_t)num(c, "cpu");
		st->cpus[i].socket = (int)num(c, "socket");
		st->cpus[i].core = (int)num(c, "core");
		st->cpus[i].online =
		    json_object_get_boolean(field(c, "online"));
		st->cpus[i].pinned =
		    json_object_get_boolean(field(c, "protected"));
		st->cpus[i].errors = (uint64_t)num(c, "core_errors");
	}
	rd->cpus = st->cpus;
	rd->n_cpus = n;
}

/* The newest rows first, at most REPORT_MAX_ROWS of them. */
static void map_events(struct json_object *res, struct report_store *st,
                       struct report_data *rd)
{
	size_t i, n, k = 0;
	struct json_object *arr = array(res, "events", &n);

	st->events = calloc(REPORT_MAX_ROWS, sizeof(*st->events));
	if (st->events == NULL)
		return;
	for (i = n; i > 0 && k < REPORT_MAX_ROWS; i--, k++) {
		struct json_object *e = json_object_array_get_idx(arr, i - 1);
		struct report_event *r = &st->events[k];
		const char *page = str(e, "page");

		r->time_ms = num(e, "time_ms");
		r->severity = str(e, "severity");
		r->kind = str(e, "kind");
		r->dimm = str(e, "dimm");
		r->page_valid = page != NULL;
		r->page = page != NULL ? strtoull(page, NULL, 0) : 0;
		r->message = str(e, "message");
	}
	rd->events = st->events;
	rd->n_events = k;
}

static void map_actions(struct json_object *res, struct report_store *st,
                        struct report_data *rd)
{
	size_t i, n, k = 0;
	struct json_object *arr = array(res, "actions", &n);

	st->actions = calloc(REPORT_MAX_ROWS, sizeof(*st->actions));
	if (st->actions == NULL)
		return;
	for (i = n; i > 0 && k < REPORT_MAX_ROWS; i--, k++) {
		struct json_object *a = json_object_array_get_idx(arr, i - 1);
		struct report_action *r = &st->actions[k];
		const char *detail = str(a, "detail");

		/* Page targets are hex strings, the others numbers. */
		snprintf(st->targets[k], sizeof(st->targets[k]), "%s",
		         json_object_get_string(field(a, "target")));
		r->time_ms = num(a, "updated_ms");
		r->kind = str(a, "kind");
		r->state = str(a, "state");
		r->target = st->targets[k];
		r->peer = str(a, "peer");
		r->detail =
		    detail != NULL && *detail ? detail : str(a, "reason");
	}
	rd->actions = st->actions;
	rd->n_actions = k;
}

static void add_graph(struct report_store *st, struct report_data *rd,
                      const char *file, const char *title)
{
	size_t i = rd->n_graphs;

	if (i >= REPORT_MAX_GRAPHS)
		return;
	snprintf(st->graph_files[i], sizeof(st->graph_files[i]), "%s", file);
	snprintf(st->graph_titles[i], sizeof(st->graph_titles[i]), "%s", title);
	st->graphs[i].file = st->graph_files[i];
	st->graphs[i].title = st->graph_titles[i];
	rd->n_graphs++;
	rd->graphs = st->graphs;
}

static void note_warning(char *warn, size_t len, const char *what)
{
	size_t used;

	if (warn == NULL || len == 0)
		return;
	used = strlen(warn);
	if (used + 3 < len)
		snprintf(warn + used, len - used, "%s%s", used ? "; " : "",
		         what);
}

/*
 * A graph per DIMM that saw errors, and every socket's DIMMs stacked,
 * over what rasd has seen of the last day of its clock.
 */
static void draw_graphs(struct json_object *status, struct report_store *st,
                        struct report_data *rd, const char *out_dir,
                        const char *only_dimm, char *warn, size_t warnlen)
{
	const char *trends = str(status, "trends_dir");
	int64_t end = num(status, "now_ms") / 1000;
	int64_t span = num(status, "uptime_ms") / 1000 + 600, start;
	uint64_t window_s = (uint64_t)num(status, "dimm_window_ms") / 1000;
	char png[512], file[96], title[128], err[256];
	size_t i;
	int socket;

	if (trends == NULL || *trends == '\0')
		return;
	/* What rasd has seen, at least an hour, at most a day. */
	if (span < 3600)
		span = 3600;
	if (span > DAY_S)
		span = DAY_S;
	start = end - span;
	for (i = 0; i < rd->n_dimms; i++) {
		const struct report_dimm *m = &rd->dimms[i];

		if (m->label == NULL ||
		    (only_dimm != NULL && strcmp(only_dimm, m->label) != 0) ||
		    (only_dimm == NULL && m->corrected + m->uncorrected == 0))
			continue;
		snprintf(file, sizeof(file), "dimm-%zu.png", i);
		snprintf(png, sizeof(png), "%s/%s", out_dir, file);
		snprintf(title, sizeof(title),
		         "%s: corrected errors per minute", m->label);
		if (trend_graph_dimm(trends, m->label, png, start, end,
		                     m->threshold, window_s, err,
		                     sizeof(err)) == 0)
			add_graph(st, rd, file, title);
		else
			note_warning(warn, warnlen, err);
	}
	for (socket = 0; only_dimm == NULL && socket < 64; socket++) {
		const char *labels[256];
		size_t n = 0;

		for (i = 0; i < rd->n_dimms && n < 256; i++)
			if (rd->dimms[i].socket == socket && rd->dimms[i].label)
				labels[n++] = rd->dimms[i].label;
		if (n == 0)
			continue;
		snprintf(file, sizeof(file), "socket-%d.png", socket);
		snprintf(png, sizeof(png), "%s/%s", out_dir, file);
		snprintf(title, sizeof(title),
		         "socket %d: corrected errors per minute, by DIMM",
		         socket);
		if (trend_graph_socket_dimms(trends, socket, labels, n, png,
		                             start, end, err, sizeof(err)) == 0)
			add_graph(st, rd, file, title);
		else
			note_warning(warn, warnlen, err);
	}
}

int report_build(const struct report_inputs *in, const char *out_dir,
                 char *warn, size_t warnlen, char *err, size_t errlen)
{
	struct report_store *st = calloc(1, sizeof(*st));
	struct json_object *sum = field(in->status, "summary");
	struct report_data rd;
	int rc = -1;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (warn != NULL && warnlen > 0)
		warn[0] = '\0';
	if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", out_dir, strerror(errno));
		goto out;
	}
	memset(&rd, 0, sizeof(rd));
	rd.host = str(in->status, "host");
	rd.health = str(in->status, "health");
	rd.generated_ms = num(in->status, "now_ms");
	rd.counts.events = (uint64_t)num(sum, "events");
	rd.counts.pages_offlined = (uint64_t)num(sum, "pages_offlined");
	rd.counts.cpus_offlined = (uint64_t)num(sum, "cpus_offlined");
	rd.counts.guests_evacuated = (uint64_t)num(sum, "guests_evacuated");
	rd.counts.actions_failed = (uint64_t)num(sum, "actions_failed");
	map_dimms(in->dimms, st, &rd);
	map_cpus(in->cpus, st, &rd);
	map_events(in->events, st, &rd);
	map_actions(in->actions, st, &rd);
	draw_graphs(in->status, st, &rd, out_dir, NULL, warn, warnlen);
	rc = report_write_html(out_dir, &rd, err, errlen);
out:
	free(st->dimms);
	free(st->cpus);
	free(st->events);
	free(st->actions);
	free(st);
	return rc;
}

int report_draw(const struct report_inputs *in, const char *out_dir,
                const char *only_dimm, char *files, size_t fileslen, char *warn,
                size_t warnlen, char *err, size_t errlen)
{
	struct report_store *st = calloc(1, sizeof(*st));
	const char *trends = str(in->status, "trends_dir");
	struct report_data rd;
	size_t i, used = 0;

	if (st == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	files[0] = '\0';
	if (warn != NULL && warnlen > 0)
		warn[0] = '\0';
	if (trends == NULL || *trends == '\0') {
		snprintf(err, errlen,
		         "rasd keeps no trends: set [trends] dir in "
		         "its policy");
		free(st);
		return -1;
	}
	if (mkdir(out_dir, 0755) < 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", out_dir, strerror(errno));
		free(st);
		return -1;
	}
	memset(&rd, 0, sizeof(rd));
	map_dimms(in->dimms, st, &rd);
	draw_graphs(in->status, st, &rd, out_dir, only_dimm, warn, warnlen);
	for (i = 0; i < rd.n_graphs && used < fileslen; i++)
		used += (size_t)snprintf(files + used, fileslen - used,
		                         "%s/%s\n", out_dir, rd.graphs[i].file);
	free(st->dimms);
	free(st);
	return (int)rd.n_graphs;
}

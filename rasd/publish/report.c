/* report.c - renders the dashboard as one static HTML page: no scripts,
 * no fetches, every dynamic string escaped, states as classes. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

static const char *const known_states[] = {
    "ok", "degraded", "failing", "evacuating", "evacuated",
};

const char *report_state_class(const char *state)
{
	size_t i;

	for (i = 0; state != NULL && i < 5; i++)
		if (strcmp(state, known_states[i]) == 0)
			return known_states[i];
	return "unknown";
}

static const char *entity(char c)
{
	switch (c) {
	case '&':
		return "&amp;";
	case '<':
		return "&lt;";
	case '>':
		return "&gt;";
	case '"':
		return "&quot;";
	case '\'':
		return "&#39;";
	}
	return NULL;
}

size_t report_escape(const char *in, char *out, size_t outlen)
{
	size_t need = 0, o = 0, l;
	bool full = outlen == 0;
	const char *e;
	char one[2] = {0, 0};

	for (; in != NULL && *in != '\0'; in++) {
		e = entity(*in);
		if (e == NULL) {
			one[0] = *in;
			e = one;
		}
		l = strlen(e);
		need += l;
		/* Whole entities only, and nothing after a cut: a partial
		 * "&am" would garble the page. */
		if (!full && o + l < outlen) {
			memcpy(out + o, e, l);
			o += l;
		} else {
			full = true;
		}
	}
	if (outlen > 0)
		out[o] = '\0';
	return need;
}

/* Writes S escaped; NULL is empty. */
static void esc(FILE *f, const char *s)
{
	const char *e;

	for (; s != NULL && *s != '\0'; s++) {
		e = entity(*s);
		if (e != NULL)
			fputs(e, f);
		else
			fputc(*s, f);
	}
}

static void put_time(FILE *f, int64_t ms)
{
	time_t s = (time_t)(ms / 1000);
	struct tm tm;
	char buf[32];

	if (ms <= 0 || gmtime_r(&s, &tm) == NULL ||
	    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		fputs("&mdash;", f);
		return;
	}
	fprintf(f, "%s UTC", buf);
}

static const char css[] =
    "body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,"
    "'DejaVu Sans',sans-serif;margin:0;background:#f4f5f7;color:#1d2330}\n"
    "main{padding:16px 24px}\n"
    "h2{font-size:17px;margin:24px 0 8px}\n"
    "h3{font-size:14px;margin:12px 0 6px;color:#4a5263}\n"
    ".banner{padding:16px 24px;color:#fff}\n"
    ".banner h1{margin:0;font-size:24px}\n"
    ".banner .sub{opacity:.9;font-size:13px}\n"
    ".health-ok{background:#2e7d32}\n"
    ".health-degraded{background:#f9a825;color:#1d2330}\n"
    ".health-failing{background:#c62828}\n"
    ".health-unknown{background:#546e7a}\n"
    ".counts{display:flex;gap:12px;margin-top:12px;flex-wrap:wrap}\n"
    ".count{background:rgba(255,255,255,.18);border-radius:6px;"
    "padding:6px 12px;min-width:96px}\n"
    ".count b{display:block;font-size:22px}\n"
    ".count.bad{background:rgba(0,0,0,.28)}\n"
    "table{border-collapse:collapse;background:#fff}\n"
    "th,td{border:1px solid #d5d9e0;padding:4px 8px;text-align:left;"
    "vertical-align:top}\n"
    "th{background:#e9ecf1;font-weight:600}\n"
    ".sockets{display:flex;gap:24px;flex-wrap:wrap}\n"
    "td.dimm{width:150px;border-left-width:6px}\n"
    "td.dimm .label{font-weight:700}\n"
    "td.dimm .st{font-size:11px;text-transform:uppercase;"
    "letter-spacing:.05em;font-weight:700}\n"
    "td.dimm .num{font-size:12px;color:#333}\n"
    ".bar{height:5px;background:#dde1e6;border-radius:3px;margin-top:3px}\n"
    ".bar i{display:block;height:5px;border-radius:3px;background:#555}\n"
    ".state-ok{background:#e8f5e9;border-left-color:#2e7d32}\n"
    ".state-degraded{background:#fff8e1;border-left-color:#f9a825}\n"
    ".state-failing{background:#ffebee;border-left-color:#c62828}\n"
    ".state-failing .st,.state-failing .over{color:#c62828}\n"
    "td.state-failing{outline:2px solid #c62828;outline-offset:-2px}\n"
    ".state-degraded .bar i{background:#f9a825}\n"
    ".state-failing .bar i{background:#c62828}\n"
    ".state-evacuating .bar i{background:#ef6c00}\n"
    ".attention{margin-top:6px;font-weight:600}\n"
    ".state-evacuating{background:#fff3e0;border-left-color:#ef6c00}\n"
    ".state-evacuated{background:#eceff1;border-left-color:#607d8b;"
    "color:#455a64}\n"
    ".state-unknown{background:#fafafa;border-left-color:#9e9e9e}\n"
    "td.empty{color:#9aa1ad;background:#fafbfc}\n"
    ".cpus{display:flex;flex-wrap:wrap;gap:6px}\n"
    ".cpu{width:86px;padding:4px 6px;border-radius:4px;font-size:12px;"
    "border:1px solid #c8ccd3;background:#e8f5e9}\n"
    ".cpu b{font-size:13px}\n"
    ".cpu.offline{background:#ffebee;border-color:#c62828}\n"
    ".cpu.errors{background:#fff8e1;border-color:#f9a825}\n"
    ".cpu.pinned{outline:2px solid #3949ab}\n"
    ".legend span{display:inline-block;padding:2px 8px;margin-right:6px;"
    "border-left-width:6px;border-left-style:solid;font-size:12px}\n"
    ".sev-fatal,.sev-uncorrected,.st-failed{color:#c62828;"
    "font-weight:600}\n"
    ".graphs figure{display:inline-block;margin:0 16px 16px 0;"
    "background:#fff;padding:8px;border:1px solid #d5d9e0}\n"
    ".graphs img{max-width:100%}\n"
    "td.msg{max-width:520px}\n"
    "footer{color:#6b7280;font-size:12px;padding:16px 24px}\n";

static void write_head(FILE *f, const struct report_data *rd)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n",
	      f);
	fputs("<title>rasd: ", f);
	esc(f, rd->host);
	fputs(" (", f);
	esc(f, rd->health);
	fputs(")</title>\n<style>\n", f);
	fputs(css, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

static void write_count(FILE *f, const char *what, uint64_t n, bool bad)
{
	fprintf(f, "<div class=\"count%s\"><b>%" PRIu64 "</b>%s</div>\n",
	        bad && n > 0 ? " bad" : "", n, what);
}

/* The DIMMs that need a person, worst first, named in the banner: the
 * first thing an operator reads should say where to look. */
static void write_attention(FILE *f, const struct report_data *rd)
{
	static const char *const order[] = {"failing", "evacuating", "degraded",
	                                    "evacuated", "unknown"};
	const struct report_dimm *d;
	size_t i, o, shown = 0;

	for (o = 0; o < 5; o++)
		for (i = 0; i < rd->n_dimms; i++) {
			d = &rd->dimms[i];
			if (strcmp(report_state_class(d->state), order[o]))
				continue;
			fputs(shown++ ? ", "
			              : "<div class=\"attention\">DIMMs: ",
			      f);
			esc(f, d->label);
			fputc(' ', f);
			esc(f, d->state);
		}
	if (shown > 0)
		fputs("</div>\n", f);
}

static void write_banner(FILE *f, const struct report_data *rd)
{
	const struct report_counts *c = &rd->counts;

	fprintf(f,
	        "<header class=\"banner health-%s\" id=\"health\" "
	        "data-health=\"",
	        report_state_class(rd->health));
	esc(f, rd->health);
	fputs("\">\n<h1>", f);
	esc(f, rd->host);
	fputs(" &mdash; ", f);
	esc(f, rd->health != NULL ? rd->health : "unknown");
	fputs("</h1>\n<div class=\"sub\">RAS report generated ", f);
	put_time(f, rd->generated_ms);
	fputs("</div>\n", f);
	write_attention(f, rd);
	fputs("<div class=\"counts\">\n", f);
	write_count(f, "events", c->events, false);
	write_count(f, "pages offlined", c->pages_offlined, false);
	write_count(f, "CPUs offlined", c->cpus_offlined, false);
	write_count(f, "guests evacuated", c->guests_evacuated, false);
	write_count(f, "actions failed", c->actions_failed, true);
	fputs("</div>\n</header>\n<main>\n", f);
}

/* -------- the DIMM map: a table per socket, channels x slots -------- */

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* Sorted distinct values into OUT (room for N); returns the count. */
static size_t distinct(int *out, size_t n)
{
	size_t i, k = 0;

	qsort(out, n, sizeof(*out), cmp_int);
	for (i = 0; i < n; i++)
		if (k == 0 || out[k - 1] != out[i])
			out[k++] = out[i];
	return k;
}

/* Controller and channel in one sortable key: columns group by MC. */
static int chan_key(const struct report_dimm *d)
{
	return d->controller * 1000 + d->channel;
}

static const struct report_dimm *dimm_at(const struct report_data *rd,
                                         int socket, int ck, int slot)
{
	size_t i;

	for (i = 0; i < rd->n_dimms; i++) {
		const struct report_dimm *d = &rd->dimms[i];
		if (d->socket == socket && chan_key(d) == ck && d->slot == slot)
			return d;
	}
	return NULL;
}

static void write_dimm_cell(FILE *f, const struct report_dimm *d)
{
	const char *cls = report_state_class(d->state);
	unsigned pct = 0;

	if (d->threshold > 0)
		pct = d->pages_in_window >= d->threshold
		          ? 100
		          : (unsigned)(100ULL * d->pages_in_window /
		                       d->threshold);
	fprintf(f, "<td class=\"dimm state-%s\" data-state=\"", cls);
	esc(f, d->state);
	fputs("\" data-dimm=\"", f);
	esc(f, d->label);
	fputs("\">\n<div class=\"label\">", f);
	esc(f, d->label);
	fputs("</div><div class=\"st\">", f);
	esc(f, d->state);
	fprintf(f,
	        "</div>\n<div class=\"num\">CE %" PRIu64 " &middot; UE %" PRIu64
	        "</div>\n<div class=\"num%s\">pages %" PRIu32 " / %" PRIu32
	        "</div><div class=\"bar\"><i style=\"width:%u%%\"></i></div>"
	        "</td>\n",
	        d->corrected, d->uncorrected, pct >= 100 ? " over" : "",
	        d->pages_in_window, d->threshold, pct);
}

static void write_socket_table(FILE *f, const struct report_data *rd,
                               int socket, int *cols, int *slots)
{
	size_t i, j, nc = 0, ns = 0;
	const struct report_dimm *d;

	for (i = 0; i < rd->n_dimms; i++) {
		if (rd->dimms[i].socket != socket)
			continue;
		cols[nc++] = chan_key(&rd->dimms[i]);
		slots[ns++] = rd->dimms[i].slot;
	}
	nc = distinct(cols, nc);
	ns = distinct(slots, ns);
	fprintf(f,
	        "<div>\n<h3>Socket %d</h3>\n<table class=\"dimm-map\" "
	        "data-socket=\"%d\">\n<tr><th>slot</th>",
	        socket, socket);
	for (j = 0; j < nc; j++)
		fprintf(f, "<th>MC%d &middot; channel %d</th>", cols[j] / 1000,
		        cols[j] % 1000);
	fputs("</tr>\n", f);
	for (i = 0; i < ns; i++) {
		fprintf(f, "<tr><th>%d</th>\n", slots[i]);
		for (j = 0; j < nc; j++) {
			d = dimm_at(rd, socket, cols[j], slots[i]);
			if (d != NULL)
				write_dimm_cell(f, d);
			else
				fputs("<td class=\"empty\">empty</td>\n", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n</div>\n", f);
}

static void write_legend(FILE *f)
{
	size_t i;

	fputs("<p class=\"legend\">", f);
	for (i = 0; i < 5; i++)
		fprintf(f, "<span class=\"state-%s\">%s</span>",
		        known_states[i], known_states[i]);
	fputs(" pages: distinct erring pages in the window / the policy's "
	      "threshold</p>\n",
	      f);
}

static int write_dimm_map(FILE *f, const struct report_data *rd)
{
	int *sockets, *cols, *slots;
	size_t i, n;

	fputs("<h2>Memory</h2>\n", f);
	if (rd->n_dimms == 0) {
		fputs("<p>No DIMMs reported.</p>\n", f);
		return 0;
	}
	sockets = calloc(rd->n_dimms, sizeof(*sockets));
	cols = calloc(rd->n_dimms, sizeof(*cols));
	slots = calloc(rd->n_dimms, sizeof(*slots));
	if (sockets == NULL || cols == NULL || slots == NULL) {
		free(sockets);
		free(cols);
		free(slots);
		return -1;
	}
	for (i = 0; i < rd->n_dimms; i++)
		sockets[i] = rd->dimms[i].socket;
	n = distinct(sockets, rd->n_dimms);
	write_legend(f);
	fputs("<div class=\"sockets\">\n", f);
	for (i = 0; i < n; i++)
		write_socket_table(f, rd, sockets[i], cols, slots);
	fputs("</div>\n", f);
	free(sockets);
	free(cols);
	free(slots);
	return 0;
}

/* -------- CPUs, events, actions, graphs -------- */

static void write_cpus(FILE *f, const struct report_data *rd)
{
	const struct report_cpu *c;
	size_t i;

	fputs("<h2>CPUs</h2>\n<div class=\"cpus\">\n", f);
	for (i = 0; i < rd->n_cpus; i++) {
		c = &rd->cpus[i];
		fprintf(f,
		        "<div class=\"cpu%s%s%s\" data-cpu=\"%" PRIu32
		        "\" data-online=\"%s\"><b>cpu %" PRIu32 "</b> %s<br>"
		        "S%d C%d &middot; %" PRIu64 " err%s</div>\n",
		        c->online ? "" : " offline",
		        c->online && c->errors > 0 ? " errors" : "",
		        c->pinned ? " pinned" : "", c->cpu,
		        c->online ? "yes" : "no", c->cpu,
		        c->online ? "online" : "OFFLINE", c->socket, c->core,
		        c->errors, c->pinned ? " &middot; pinned" : "");
	}
	if (rd->n_cpus == 0)
		fputs("<p>No CPUs reported.</p>\n", f);
	fputs("</div>\n", f);
}

static void td(FILE *f, const char *s)
{
	fputs("<td>", f);
	esc(f, s);
	fputs("</td>", f);
}

static void write_events(FILE *f, const struct report_data *rd)
{
	const struct report_event *e;
	size_t i;

	fprintf(f, "<h2>Recent events</h2>\n");
	if (rd->n_events == 0) {
		fputs("<p>No events.</p>\n", f);
		return;
	}
	fputs("<table id=\"events\">\n<tr><th>time</th><th>severity</th>"
	      "<th>kind</th><th>DIMM</th><th>page</th><th>message</th></tr>\n",
	      f);
	for (i = 0; i < rd->n_events; i++) {
		e = &rd->events[i];
		fputs("<tr><td>", f);
		put_time(f, e->time_ms);
		fprintf(f, "</td><td class=\"sev-%s\">",
		        e->severity != NULL && strcmp(e->severity, "corrected")
		            ? "uncorrected"
		            : "corrected");
		esc(f, e->severity);
		fputs("</td>", f);
		td(f, e->kind);
		td(f, e->dimm);
		if (e->page_valid)
			fprintf(f, "<td>0x%" PRIx64 "</td>", e->page);
		else
			fputs("<td></td>", f);
		fputs("<td class=\"msg\">", f);
		esc(f, e->message);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void write_actions(FILE *f, const struct report_data *rd)
{
	const struct report_action *a;
	size_t i;

	fputs("<h2>Recent actions</h2>\n", f);
	if (rd->n_actions == 0) {
		fputs("<p>No actions.</p>\n", f);
		return;
	}
	fputs("<table id=\"actions\">\n<tr><th>time</th><th>action</th>"
	      "<th>state</th><th>target</th><th>peer</th><th>detail</th>"
	      "</tr>\n",
	      f);
	for (i = 0; i < rd->n_actions; i++) {
		a = &rd->actions[i];
		fputs("<tr><td>", f);
		put_time(f, a->time_ms);
		fputs("</td>", f);
		td(f, a->kind);
		fprintf(f, "<td class=\"st-%s\">",
		        a->state != NULL && strcmp(a->state, "failed") == 0
		            ? "failed"
		            : "other");
		esc(f, a->state);
		fputs("</td>", f);
		td(f, a->target);
		td(f, a->peer);
		fputs("<td class=\"msg\">", f);
		esc(f, a->detail);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

static void write_graphs(FILE *f, const struct report_data *rd)
{
	size_t i;

	if (rd->n_graphs == 0)
		return;
	fputs("<h2>Trends</h2>\n<div class=\"graphs\">\n", f);
	for (i = 0; i < rd->n_graphs; i++) {
		fputs("<figure><img src=\"", f);
		esc(f, rd->graphs[i].file);
		fputs("\" alt=\"", f);
		esc(f, rd->graphs[i].title);
		fputs("\"><figcaption>", f);
		esc(f, rd->graphs[i].title);
		fputs("</figcaption></figure>\n", f);
	}
	fputs("</div>\n", f);
}

static int write_page(FILE *f, const struct report_data *rd)
{
	write_head(f, rd);
	write_banner(f, rd);
	if (write_dimm_map(f, rd) < 0)
		return -1;
	write_cpus(f, rd);
	write_events(f, rd);
	write_actions(f, rd);
	write_graphs(f, rd);
	fputs("</main>\n<footer>rasd static report: no scripts, refresh by "
	      "running <code>rasctl report --html</code> again.</footer>\n"
	      "</body>\n</html>\n",
	      f);
	return 0;
}

int report_write_html(const char *dir, const struct report_data *rd, char *err,
                      size_t errlen)
{
	char path[PATH_MAX], tmp[PATH_MAX + 16];
	FILE *f;
	int rc;

	if ((size_t)snprintf(path, sizeof(path), "%s/index.html", dir) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s: directory name too long", dir);
		return -1;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	rc = write_page(f, rd);
	if (ferror(f))
		rc = -1;
	if (fclose(f) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, path) == 0)
		return 0;
	snprintf(err, errlen, "%s: %s", rc == 0 ? path : tmp,
	         errno ? strerror(errno) : "write failed");
	unlink(tmp);
	return -1;
}

/* test_report.c - the HTML dashboard: escaping (whole entities, never a
 * raw '<' from data), DIMM cells carry their state, write errors named. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/publish/report.h"

static const struct report_dimm dimms[] = {
    {"P0_A0", 0, 0, 0, 0, "ok", 0, 0, 0, 8},
    {"P0_B0", 0, 0, 1, 0, "failing", 1200, 1, 9, 8},
    {"P0_B1", 0, 0, 1, 1, "degraded", 40, 0, 4, 8},
    {"P1<x>&\"y\"", 1, 0, 0, 0, "evacuated", 7, 0, 8, 8},
    {"P1_B0", 1, 0, 1, 0, "bogus\" onclick=\"x", 0, 0, 0, 8},
};

static const struct report_cpu cpus[] = {
    {0, 0, 0, true, true, 0},
    {1, 0, 1, false, false, 12},
};

static const struct report_event events[] = {
    {1700000000000LL, "corrected", "memory", "P0_B0", true, 0x40001,
     "<script>alert('x')</script>"},
};

static const struct report_action actions[] = {
    {1700000000000LL, "migrate", "failed", "3", "peer<a>",
     "peer a & b: refused"},
};

static const struct report_graph graphs[] = {
    {"dimm-P0_B0.png", "P0_B0 \"rate\""},
};

static void fill(struct report_data *rd)
{
	memset(rd, 0, sizeof(*rd));
	rd->host = "host<1>";
	rd->health = "failing";
	rd->generated_ms = 1700000000000LL;
	rd->counts.events = 1209;
	rd->counts.actions_failed = 1;
	rd->dimms = dimms;
	rd->n_dimms = 5;
	rd->cpus = cpus;
	rd->n_cpus = 2;
	rd->events = events;
	rd->n_events = 1;
	rd->actions = actions;
	rd->n_actions = 1;
	rd->graphs = graphs;
	rd->n_graphs = 1;
}

/* Writes the report into a temp dir and returns index.html's text. */
static char *render(const struct report_data *rd)
{
	char dir[] = "/tmp/rasd-report.XXXXXX", path[64], err[256];
	char *buf;
	long len;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	assert_int_equal(report_write_html(dir, rd, err, sizeof(err)), 0);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	f = fopen(path, "r");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = calloc(1, (size_t)len + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	/* Nothing else left behind: no temp file. */
	assert_int_equal(rmdir(dir), 0);
	return buf;
}

static void test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(report_escape("a<b>&\"c'", out, sizeof(out)), 27);
	assert_string_equal(out, "a&lt;b&gt;&amp;&quot;c&#39;");
	assert_int_equal(report_escape(NULL, out, sizeof(out)), 0);
	assert_string_equal(out, "");
	/* Too small: whole entities only, nothing after the cut. */
	assert_int_equal(report_escape("ab&c", out, 5), 8);
	assert_string_equal(out, "ab");
	assert_int_equal(report_escape("plain", out, 6), 5);
	assert_string_equal(out, "plain");
	assert_int_equal(report_escape("x", NULL, 0), 1);
}

static void test_state_class(void **state)
{
	(void)state;
	assert_string_equal(report_state_class("failing"), "failing");
	assert_string_equal(report_state_class("evacuating"), "evacuating");
	assert_string_equal(report_state_class("Failing"), "unknown");
	assert_string_equal(report_state_class("x\" y"), "unknown");
	assert_string_equal(report_state_class(NULL), "unknown");
}

static void test_cells_carry_state(void **state)
{
	struct report_data rd;
	char *html;

	(void)state;
	fill(&rd);
	html = render(&rd);
	assert_non_null(strstr(html, "<td class=\"dimm state-failing\" "
	                             "data-state=\"failing\" "
	                             "data-dimm=\"P0_B0\">"));
	assert_non_null(strstr(html, "<td class=\"dimm state-ok\" "
	                             "data-state=\"ok\" data-dimm=\"P0_A0\">"));
	assert_non_null(strstr(html, "data-state=\"degraded\" "
	                             "data-dimm=\"P0_B1\""));
	assert_non_null(strstr(html, "CE 1200 &middot; UE 1"));
	assert_non_null(strstr(html, "pages 9 / 8"));
	/* Over the threshold: the bar is full, never wider. */
	assert_non_null(strstr(html, "width:100%"));
	/* A state rasd does not know is shown, escaped, as unknown. */
	assert_non_null(strstr(html, "<td class=\"dimm state-unknown\" "
	                             "data-state=\"bogus&quot; "
	                             "onclick=&quot;x\""));
	assert_non_null(strstr(html, "class=\"banner health-failing\""));
	/* Socket 0: two channel columns, two slot rows, one empty cell. */
	assert_non_null(strstr(html, "data-socket=\"0\""));
	assert_non_null(strstr(html, "data-socket=\"1\""));
	assert_non_null(strstr(html, "<td class=\"empty\">"));
	assert_non_null(strstr(html, "data-cpu=\"1\" data-online=\"no\""));
	free(html);
}

static void test_no_raw_markup_from_data(void **state)
{
	struct report_data rd;
	char *html;

	(void)state;
	fill(&rd);
	html = render(&rd);
	assert_null(strstr(html, "<script"));
	assert_null(strstr(html, "host<1>"));
	assert_null(strstr(html, "peer<a>"));
	assert_non_null(strstr(html, "&lt;script&gt;alert(&#39;x&#39;)"));
	assert_non_null(strstr(html, "data-dimm=\"P1&lt;x&gt;&amp;&quot;y"
	                             "&quot;\""));
	assert_non_null(strstr(html, "peer a &amp; b: refused"));
	assert_non_null(strstr(html, "alt=\"P0_B0 &quot;rate&quot;\""));
	/* Static page: nothing fetched from anywhere else. */
	assert_null(strstr(html, "http:"));
	assert_null(strstr(html, "https:"));
	free(html);
}

static void test_empty_report(void **state)
{
	struct report_data rd;
	char *html;

	(void)state;
	memset(&rd, 0, sizeof(rd));
	html = render(&rd);
	assert_non_null(strstr(html, "health-unknown"));
	assert_non_null(strstr(html, "No DIMMs reported."));
	assert_non_null(strstr(html, "No events."));
	assert_non_null(strstr(html, "</html>"));
	free(html);
}

static void test_write_error_named(void **state)
{
	struct report_data rd;
	char err[256];

	(void)state;
	fill(&rd);
	assert_int_equal(
	    report_write_html("/nonexistent/dir", &rd, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "/nonexistent/dir/index.html"));
	assert_non_null(strstr(err, "No such file"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_escape),
	    cmocka_unit_test(test_state_class),
	    cmocka_unit_test(test_cells_carry_state),
	    cmocka_unit_test(test_no_raw_markup_from_data),
	    cmocka_unit_test(test_empty_report),
	    cmocka_unit_test(test_write_error_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_dimm_labels.c - rasdaemon's label file format: which blocks apply
 * to a board, both location forms, several per line, and every malformed
 * line told as NAME:LINE and skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "mce/dimm_labels.h"

struct got {
	struct dimm_label l[16];
	size_t n;
	char warn[8][256];
	size_t n_warn;
};

static void on_label(void *arg, const struct dimm_label *l)
{
	struct got *g = arg;

	if (g->n < 16)
		g->l[g->n++] = *l;
}

static void on_warn(void *arg, const char *msg)
{
	struct got *g = arg;

	if (g->n_warn < 8)
		snprintf(g->warn[g->n_warn], sizeof(g->warn[0]), "%s", msg);
	g->n_warn++;
}

static const struct dimm_label_board board = {"Dell Inc.", "Dell Inc.",
                                              "PowerEdge R640", "0W23H8"};

static size_t parse(const char *text, struct got *g)
{
	const struct dimm_labels_cb cb = {on_label, on_warn, g};

	memset(g, 0, sizeof(*g));
	return dimm_labels_parse(text, strlen(text), "f", &board, &cb);
}

static void the_matching_block_names_locations(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(parse("# c\n"
	                       "Vendor: Dell Inc.\n"
	                       "  Product: PowerEdge R440, PowerEdge R640\n"
	                       "    A1: 0.0.0;  A2: 0.1.0, 0.1.1 # two\n"
	                       "  Product: PowerEdge R740\n"
	                       "    B1: 0.0.0\n"
	                       "  Model: 0W23H8\n"
	                       "    C1: 1.2.3.4;\n",
	                       &g),
	                 4);
	assert_int_equal(g.n_warn, 0);
	assert_string_equal(g.l[0].label, "A1");
	assert_int_equal(g.l[0].line, 4);
	assert_string_equal(g.l[2].label, "A2");
	assert_int_equal(g.l[2].slot, 1);
	assert_string_equal(g.l[3].label, "C1");
	assert_int_equal(g.l[3].mc, 1);
	assert_int_equal(g.l[3].branch, 2);
	assert_int_equal(g.l[3].channel, 3);
	assert_int_equal(g.l[3].slot, 4);
	assert_int_equal(g.l[0].branch, -1);
}

static void another_vendor_is_not_this_board(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(parse("Vendor: Other\n  Product: PowerEdge R640\n"
	                       "    X: 0.0.0\n",
	                       &g),
	                 0);
	assert_int_equal(g.n_warn, 0);
}

static void bad_lines_are_told_and_skipped(void **state)
{
	struct got g;

	(void)state;
	assert_int_equal(parse("    EARLY: 0.0.0\n"
	                       "Vendor: Dell Inc.\n"
	                       "Product:\n"
	                       "  Product: PowerEdge R640\n"
	                       "    A1: 0.0;  A2: 0.1.0\n"
	                       "    no colon here\n"
	                       "    : 0.0.0\n"
	                       "    A3: 99999.0.0\n",
	                       &g),
	                 1);
	assert_string_equal(g.l[0].label, "A2");
	assert_int_equal(g.n_warn, 6);
	assert_string_equal(g.warn[0],
	                    "f:1: labels before any Product: or Model: line");
	assert_string_equal(g.warn[1], "f:3: Product names nothing");
	assert_non_null(strstr(g.warn[2], "f:5: A1: bad location '0.0'"));
	assert_non_null(strstr(g.warn[3], "f:6: 'no colon here' is not"));
	assert_non_null(strstr(g.warn[4], "f:7: bad label ''"));
	assert_non_null(strstr(g.warn[5], "f:8: A3: bad location"));
}

static void nul_bytes_and_long_lines_are_refused(void **state)
{
	static const char text[] = "Vendor: Dell Inc.\n\0x\n";
	struct got g;
	const struct dimm_labels_cb cb = {on_label, on_warn, &g};
	char big[2100];

	(void)state;
	memset(&g, 0, sizeof(g));
	dimm_labels_parse(text, sizeof(text) - 1, "f", &board, &cb);
	assert_int_equal(g.n_warn, 1);
	assert_string_equal(g.warn[0], "f:2: a NUL byte: not a text line");
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	parse(big, &g);
	assert_int_equal(g.n_warn, 1);
	assert_non_null(strstr(g.warn[0], "f:1: line longer than"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(the_matching_block_names_locations),
	    cmocka_unit_test(another_vendor_is_not_this_board),
	    cmocka_unit_test(bad_lines_are_told_and_skipped),
	    cmocka_unit_test(nul_bytes_and_long_lines_are_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_snmp_oidtab.c - the OID table the agent answers from: ordering,
 * GET and GETNEXT at and between rows, last-wins twins, DateAndTime. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "snmp-agent/oidtab.h"

static const uint32_t entry[] = {1, 3, 6, 1, 2, 1, 47, 1, 1, 1, 1};
#define N_ENTRY (sizeof(entry) / sizeof(entry[0]))

static struct oid_name mk(int64_t col, int64_t index)
{
	struct oid_name n;

	oid_make(&n, entry, N_ENTRY, col, index);
	return n;
}

static struct oid_name arcs(const uint32_t *a, size_t n)
{
	struct oid_name o;

	oid_make(&o, a, n, -1, -1);
	return o;
}

static void compare_is_lexicographic_prefix_first(void **state)
{
	static const uint32_t a[] = {1, 3}, b[] = {1, 3, 6}, c[] = {1, 4},
	                      d[] = {2}, e[] = {1, 3, 6, 0};
	struct oid_name na = arcs(a, 2), nb = arcs(b, 3), nc = arcs(c, 2),
	                nd = arcs(d, 1), ne = arcs(e, 4);

	(void)state;
	assert_int_equal(oid_compare(&na, &nb), -1);
	assert_int_equal(oid_compare(&nb, &na), 1);
	assert_int_equal(oid_compare(&nb, &nc), -1);
	assert_int_equal(oid_compare(&nc, &nd), -1);
	assert_int_equal(oid_compare(&nb, &ne), -1);
	assert_int_equal(oid_compare(&ne, &nc), -1);
	assert_int_equal(oid_compare(&nb, &nb), 0);
}

static void compare_is_unsigned(void **state)
{
	/* Sub-identifiers go up to 2^32-1 and must not sort as negative. */
	static const uint32_t lo[] = {1, 2}, hi[] = {1, 4294967295u};
	struct oid_name a = arcs(lo, 2), b = arcs(hi, 2);

	(void)state;
	assert_int_equal(oid_compare(&a, &b), -1);
}

static void make_and_format(void **state)
{
	struct oid_name n = mk(7, 1003);
	char buf[128], tiny[6];

	(void)state;
	assert_int_equal(n.len, N_ENTRY + 2);
	assert_string_equal(oid_format(&n, buf, sizeof(buf)),
	                    "1.3.6.1.2.1.47.1.1.1.1.7.1003");
	n = mk(7, -1);
	assert_string_equal(oid_format(&n, buf, sizeof(buf)),
	                    "1.3.6.1.2.1.47.1.1.1.1.7");
	/* A short buffer is cut, still terminated. */
	oid_format(&n, tiny, sizeof(tiny));
	assert_int_equal(strlen(tiny), sizeof(tiny) - 1);
}

static void fill_small(struct oidtab *t)
{
	struct oid_name n;
	int col, idx;

	/* Rows 1, 101, 1000 of columns 2 and 3, added out of order. */
	for (col = 3; col >= 2; col--) {
		static const int rows[] = {1000, 1, 101};

		for (idx = 0; idx < 3; idx++) {
			n = mk(col, rows[idx]);
			assert_int_equal(
			    oidtab_int(t, &n, col * 10000 + rows[idx]), 0);
		}
	}
}

static void get_exact_and_missing(void **state)
{
	struct oidtab t;
	struct oid_name n;
	const struct oid_value *v;

	(void)state;
	oidtab_init(&t);
	fill_small(&t);
	n = mk(2, 101);
	v = oidtab_get(&t, &n);
	assert_non_null(v);
	assert_int_equal(v->type, OID_T_INTEGER);
	assert_int_equal(v->i, 20101);
	n = mk(2, 102); /* no such row */
	assert_null(oidtab_get(&t, &n));
	n = mk(4, 1); /* no such column */
	assert_null(oidtab_get(&t, &n));
	n = mk(2, -1); /* the column itself is not an instance */
	assert_null(oidtab_get(&t, &n));
	oidtab_free(&t);
}

static void next_between_rows_and_columns(void **state)
{
	struct oidtab t;
	struct oid_name n, want;
	const struct oid_value *v;

	(void)state;
	oidtab_init(&t);
	fill_small(&t);

	/* From before the table: its first instance. */
	n = arcs(entry, 7);
	v = oidtab_next(&t, &n);
	want = mk(2, 1);
	assert_non_null(v);
	assert_int_equal(oid_compare(&v->name, &want), 0);

	/* From an exact instance: the next row. */
	n = mk(2, 1);
	want = mk(2, 101);
	v = oidtab_next(&t, &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);

	/* From between two rows. */
	n = mk(2, 500);
	want = mk(2, 1000);
	v = oidtab_next(&t, &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);

	/* From past a column's last row: the next column's first. */
	n = mk(2, 5000);
	want = mk(3, 1);
	v = oidtab_next(&t, &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);

	/* From a longer OID under an instance: still the next instance. */
	{
		struct oid_name deep = mk(2, 101);

		deep.arc[deep.len++] = 0;
		want = mk(2, 1000);
		v = oidtab_next(&t, &deep);
		assert_int_equal(oid_compare(&v->name, &want), 0);
	}

	/* From the column OID: its first row. */
	n = mk(3, -1);
	want = mk(3, 1);
	v = oidtab_next(&t, &n);
	assert_int_equal(oid_compare(&v->name, &want), 0);

	/* From the last instance: end of the table. */
	n = mk(3, 1000);
	assert_null(oidtab_next(&t, &n));
	oidtab_free(&t);
}

static void twins_last_added_wins(void **state)
{
	struct oidtab t;
	struct oid_name a = mk(2, 1), b = mk(2, 2);

	(void)state;
	oidtab_init(&t);
	/* Adjacent twin: overwritten at once. */
	assert_int_equal(oidtab_int(&t, &a, 1), 0);
	assert_int_equal(oidtab_string(&t, &a, "second"), 0);
	/* A twin added after other names: dropped by the sort. */
	assert_int_equal(oidtab_int(&t, &b, 10), 0);
	assert_int_equal(oidtab_int(&t, &a, 3), 0);
	assert_int_equal(oidtab_gauge(&t, &b, 20), 0);
	assert_int_equal(oidtab_int(&t, &b, 30), 0);
	assert_int_equal(oidtab_get(&t, &a)->i, 3);
	assert_int_equal(oidtab_get(&t, &a)->type, OID_T_INTEGER);
	assert_int_equal(oidtab_get(&t, &b)->i, 30);
	assert_int_equal(t.n, 2);
	oidtab_free(&t);
}

static void every_type_round_trips(void **state)
{
	struct oidtab t;
	struct oid_name n[8], vt = arcs(entry, 7);
	const uint8_t bytes[3] = {0, 0xff, 0x80};
	const struct oid_value *v;
	int i;

	(void)state;
	oidtab_init(&t);
	for (i = 0; i < 8; i++)
		n[i] = mk(2, i + 1);
	assert_int_equal(oidtab_int(&t, &n[0], -5), 0);
	assert_int_equal(oidtab_unsigned(&t, &n[1], 4000000000u), 0);
	assert_int_equal(oidtab_gauge(&t, &n[2], 7), 0);
	assert_int_equal(oidtab_counter32(&t, &n[3], 8), 0);
	assert_int_equal(oidtab_counter64(&t, &n[4], UINT64_MAX), 0);
	assert_int_equal(oidtab_timeticks(&t, &n[5], 12345), 0);
	assert_int_equal(oidtab_octets(&t, &n[6], bytes, 3), 0);
	assert_int_equal(oidtab_oid(&t, &n[7], &vt), 0);

	v = oidtab_get(&t, &n[0]);
	assert_int_equal(v->type, OID_T_INTEGER);
	assert_int_equal(v->i, -5);
	v = oidtab_get(&t, &n[1]);
	assert_int_equal(v->type, OID_T_UNSIGNED);
	assert_int_equal(v->i, 4000000000ll);
	assert_int_equal(oidtab_get(&t, &n[2])->type, OID_T_GAUGE);
	assert_int_equal(oidtab_get(&t, &n[3])->type, OID_T_COUNTER32);
	v = oidtab_get(&t, &n[4]);
	assert_int_equal(v->type, OID_T_COUNTER64);
	assert_true(v->u == UINT64_MAX);
	v = oidtab_get(&t, &n[5]);
	assert_int_equal(v->type, OID_T_TIMETICKS);
	assert_int_equal(v->i, 12345);
	v = oidtab_get(&t, &n[6]);
	assert_int_equal(v->type, OID_T_OCTETS);
	assert_int_equal(v->s_len, 3);
	assert_memory_equal(v->s, bytes, 3);
	v = oidtab_get(&t, &n[7]);
	assert_int_equal(v->type, OID_T_OID);
	assert_int_equal(oid_compare(&v->oid, &vt), 0);
	oidtab_free(&t);
}

static void strings_are_display_strings(void **state)
{
	struct oidtab t;
	struct oid_name a = mk(2, 1), b = mk(2, 2);
	uint8_t big[400];
	char s[400];

	(void)state;
	memset(s, 'x', sizeof(s) - 1);
	s[sizeof(s) - 1] = '\0';
	memset(big, 7, sizeof(big));
	oidtab_init(&t);
	assert_int_equal(oidtab_string(&t, &a, s), 0);
	assert_int_equal(oidtab_octets(&t, &b, big, sizeof(big)), 0);
	/* DisplayString is SIZE (0..255). */
	assert_int_equal(oidtab_get(&t, &a)->s_len, 255);
	assert_int_equal(oidtab_get(&t, &b)->s_len, OIDTAB_STR_MAX);
	oidtab_free(&t);
}

static void shuffled_walk_is_strictly_increasing(void **state)
{
	enum { ROWS = 3000 };
	struct oidtab t;
	struct oid_name n, prev;
	const struct oid_value *v;
	size_t seen = 0;
	uint32_t i, r;

	(void)state;
	oidtab_init(&t);
	srand(7);
	for (i = 0; i < ROWS; i++) {
		r = (uint32_t)rand() % 100000u;
		n = mk(2 + (int64_t)(r % 5), r);
		assert_int_equal(oidtab_int(&t, &n, r), 0);
	}
	n = arcs(entry, 7);
	prev = n;
	while ((v = oidtab_next(&t, &n)) != NULL) {
		assert_int_equal(oid_compare(&prev, &v->name), -1);
		prev = v->name;
		n = v->name;
		seen++;
	}
	assert_int_equal(seen, t.n);
	assert_true(seen > ROWS / 2);
	oidtab_free(&t);
}

static void clear_empties_and_refills(void **state)
{
	struct oidtab t;
	struct oid_name a = mk(2, 1), b = mk(2, 2);

	(void)state;
	oidtab_init(&t);
	assert_null(oidtab_next(&t, &a));
	assert_int_equal(oidtab_int(&t, &b, 1), 0);
	assert_int_equal(oidtab_int(&t, &a, 1), 0);
	oidtab_clear(&t);
	assert_null(oidtab_get(&t, &a));
	assert_null(oidtab_next(&t, &a));
	assert_int_equal(oidtab_int(&t, &a, 9), 0);
	assert_int_equal(oidtab_get(&t, &a)->i, 9);
	oidtab_free(&t);
	assert_null(t.v);
}

static void date_and_time_known_instants(void **state)
{
	/* 2024-03-05 14:07:09.250 UTC */
	static const uint8_t want[11] = {0x07, 0xe8, 3,   5, 14, 7,
	                                 9,    2,    '+', 0, 0};
	/* 1999-12-31 23:59:59.999 UTC */
	static const uint8_t y2k[11] = {0x07, 0xcf, 12,  31, 23, 59,
	                                59,   9,    '+', 0,  0};
	static const uint8_t zero[11];
	uint8_t out[11];

	(void)state;
	assert_int_equal(oid_date_and_time(1709647629250ull, out), 11);
	assert_memory_equal(out, want, 11);
	assert_int_equal(oid_date_and_time(946684799999ull, out), 11);
	assert_memory_equal(out, y2k, 11);
	/* RFC 4268: unknown is '0000000000000000'H, eight zero octets. */
	memset(out, 0xaa, sizeof(out));
	assert_int_equal(oid_date_and_time(0, out), 8);
	assert_memory_equal(out, zero, 8);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(compare_is_lexicographic_prefix_first),
	    cmocka_unit_test(compare_is_unsigned),
	    cmocka_unit_test(make_and_format),
	    cmocka_unit_test(get_exact_and_missing),
	    cmocka_unit_test(next_between_rows_and_columns),
	    cmocka_unit_test(twins_last_added_wins),
	    cmocka_unit_test(every_type_round_trips),
	    cmocka_unit_test(strings_are_display_strings),
	    cmocka_unit_test(shuffled_walk_is_strictly_increasing),
	    cmocka_unit_test(clear_empties_and_refills),
	    cmocka_unit_test(date_and_time_known_instants),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

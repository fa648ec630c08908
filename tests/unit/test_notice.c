/* test_notice.c - the numbered notice ring subscribers resume from: what
 * a late subscriber gets, and what it is told it missed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "rasd/publish/notice.h"

struct seen {
	uint64_t seq[16];
	size_t n;
};

static void collect(void *arg, const struct notice *n)
{
	struct seen *s = arg;

	if (s->n < 16)
		s->seq[s->n++] = n->seq;
}

static void push_n(struct notice_ring *r, int count)
{
	struct notice n;
	int i;

	for (i = 0; i < count; i++) {
		notice_start(&n, "MEMCE", 5, 1000 + (uint64_t)i, "error %d", i);
		notice_ring_push(r, &n);
	}
}

static void numbers_start_at_one_and_follow(void **state)
{
	struct notice_ring r;
	struct notice n;

	(void)state;
	assert_int_equal(notice_ring_init(&r, 4), 0);
	assert_int_equal(notice_ring_last(&r), 0);
	notice_start(&n, "RASD", 5, 1, "started");
	assert_int_equal(notice_ring_push(&r, &n), 1);
	assert_int_equal(n.seq, 1);
	push_n(&r, 2);
	assert_int_equal(notice_ring_last(&r), 3);
	notice_ring_free(&r);
}

static void a_late_subscriber_gets_what_follows_since(void **state)
{
	struct notice_ring r;
	struct seen s = {.n = 0};

	(void)state;
	notice_ring_init(&r, 8);
	push_n(&r, 5);
	assert_int_equal(notice_ring_since(&r, 2, collect, &s), 0);
	assert_int_equal(s.n, 3);
	assert_int_equal(s.seq[0], 3);
	assert_int_equal(s.seq[2], 5);
	s.n = 0;
	assert_int_equal(notice_ring_since(&r, 5, collect, &s), 0);
	assert_int_equal(s.n, 0);
	notice_ring_free(&r);
}

static void what_fell_out_of_the_ring_is_counted(void **state)
{
	struct notice_ring r;
	struct seen s = {.n = 0};

	(void)state;
	notice_ring_init(&r, 4);
	push_n(&r, 10); /* 7..10 kept */
	assert_int_equal(notice_ring_since(&r, 2, collect, &s), 4);
	assert_int_equal(s.n, 4);
	assert_int_equal(s.seq[0], 7);
	assert_int_equal(s.seq[3], 10);
	s.n = 0;
	assert_int_equal(notice_ring_since(&r, 0, collect, &s), 6);
	assert_int_equal(s.seq[0], 7);
	notice_ring_free(&r);
}

static void a_notice_renders_as_json_with_its_fields(void **state)
{
	struct notice_ring r;
	struct notice n;
	struct json_object *o, *f, *v;

	(void)state;
	notice_ring_init(&r, 2);
	notice_start(&n, "DIMMFAIL", 2, 1234, "DIMM %s failing", "P1-A1");
	notice_add(&n, "dimm", "%s", "P1-A1");
	notice_add(&n, "count", "%u", 10u);
	notice_ring_push(&r, &n);
	o = notice_to_json(&n);
	assert_true(json_object_object_get_ex(o, "seq", &v));
	assert_int_equal(json_object_get_int64(v), 1);
	assert_true(json_object_object_get_ex(o, "msgid", &v));
	assert_string_equal(json_object_get_string(v), "DIMMFAIL");
	assert_true(json_object_object_get_ex(o, "time_ms", &v));
	assert_int_equal(json_object_get_int64(v), 1234);
	assert_true(json_object_object_get_ex(o, "fields", &f));
	assert_true(json_object_object_get_ex(f, "count", &v));
	assert_string_equal(json_object_get_string(v), "10");
	json_object_put(o);
	notice_ring_free(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(numbers_start_at_one_and_follow),
	    cmocka_unit_test(a_late_subscriber_gets_what_follows_since),
	    cmocka_unit_test(what_fell_out_of_the_ring_is_counted),
	    cmocka_unit_test(a_notice_renders_as_json_with_its_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

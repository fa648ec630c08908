/* test_journald.c - notices in journald's native protocol: the fields
 * journald gets, a multi-line value in its length-prefixed form, the
 * MESSAGE_ID table, and an entry too big for the buffer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <syslog.h>

#include <cmocka.h>

#include "rasd/publish/journald.h"

static int has_line(const char *buf, size_t len, const char *line)
{
	size_t n = strlen(line), i;

	for (i = 0; i + n <= len; i++)
		if ((i == 0 || buf[i - 1] == '\n') &&
		    memcmp(buf + i, line, n) == 0 &&
		    (i + n == len || buf[i + n] == '\n'))
			return 1;
	return 0;
}

static void a_dimm_verdict_has_its_fields(void **state)
{
	struct notice n;
	char buf[4096];
	int len;

	(void)state;
	notice_start(&n, "DIMMFAIL", LOG_CRIT, 1000, "DIMM %s failing",
	             "CPU0_DIMM_B1");
	n.seq = 7;
	notice_add(&n, "dimm", "%s", "CPU0_DIMM_B1");
	notice_add(&n, "page-count", "%d", 10);
	len = journald_format(&n, NULL, buf, sizeof(buf));
	assert_true(len > 0);
	assert_true(
	    has_line(buf, (size_t)len, "MESSAGE=DIMM CPU0_DIMM_B1 failing"));
	assert_true(has_line(buf, (size_t)len, "PRIORITY=2"));
	assert_true(has_line(buf, (size_t)len, "SYSLOG_IDENTIFIER=rasd"));
	assert_true(has_line(buf, (size_t)len,
	                     "MESSAGE_ID=b3a1e7c0a5f24d5e9c1f6f4e8d2a9b17"));
	assert_true(has_line(buf, (size_t)len, "RASD_MSGID=DIMMFAIL"));
	assert_true(has_line(buf, (size_t)len, "RASD_SEQ=7"));
	assert_true(has_line(buf, (size_t)len, "RASD_DIMM=CPU0_DIMM_B1"));
	/* journald takes [A-Z0-9_] names only. */
	assert_true(has_line(buf, (size_t)len, "RASD_PAGE_COUNT=10"));
	assert_int_equal(buf[len - 1], '\n');
}

static void a_multi_line_value_is_length_prefixed(void **state)
{
	static const char want[] = "MESSAGE\n\x05\0\0\0\0\0\0\0a\nbcd\n";
	struct notice n;
	char buf[4096];
	int len;

	(void)state;
	notice_start(&n, "RASD", LOG_NOTICE, 0, "a\nbcd");
	len = journald_format(&n, "rasd", buf, sizeof(buf));
	assert_true(len >= (int)sizeof(want) - 1);
	assert_memory_equal(buf, want, sizeof(want) - 1);
}

static void every_msgid_has_a_distinct_message_id(void **state)
{
	size_t i, j;

	(void)state;
	assert_true(journald_n_msgids >= 16);
	for (i = 0; i < journald_n_msgids; i++) {
		assert_int_equal(strlen(journald_msgids[i].message_id), 32);
		for (j = 0; j < i; j++) {
			assert_string_not_equal(journald_msgids[i].msgid,
			                        journald_msgids[j].msgid);
			assert_string_not_equal(journald_msgids[i].message_id,
			                        journald_msgids[j].message_id);
		}
	}
	assert_null(journald_message_id("NOSUCH"));
	assert_non_null(journald_message_id("MEMCE"));
}

static void too_small_a_buffer_is_refused(void **state)
{
	struct notice n;
	char buf[32];

	(void)state;
	notice_start(&n, "MEMCE", LOG_NOTICE, 0, "%s",
	             "a corrected error with a long enough text");
	assert_int_equal(journald_format(&n, NULL, buf, sizeof(buf)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(a_dimm_verdict_has_its_fields),
	    cmocka_unit_test(a_multi_line_value_is_length_prefixed),
	    cmocka_unit_test(every_msgid_has_a_distinct_message_id),
	    cmocka_unit_test(too_small_a_buffer_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

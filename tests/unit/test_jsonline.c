/* test_jsonline.c - jsonline writes what json-c would print for the same
 * object (PLAIN | NOSLASHESCAPE), byte for byte, and refuses overflow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "rasd/publish/jsonline.h"

static const char *const strings[] = {
    "",
    "plain",
    "quote \" and backslash \\",
    "slash / stays",
    "control \b\f\n\r\t and \x01\x1f end",
    "UTF-8 \xc3\xa9t\xc3\xa9 \xe2\x80\x94 as is",
    "\x7f delete",
};

static void test_same_as_json_c(void **state)
{
	char buf[1024], want[1024];
	struct json_object *o, *arr;
	struct jsonline w;
	size_t i;
	int len;

	(void)state;
	for (i = 0; i < sizeof(strings) / sizeof(strings[0]); i++) {
		o = json_object_new_object();
		json_object_object_add(o, "s",
		                       json_object_new_string(strings[i]));
		json_object_object_add(o, "n", json_object_new_int64(-42));
		json_object_object_add(o, "big",
		                       json_object_new_int64(INT64_MAX));
		json_object_object_add(o, "h",
		                       json_object_new_string("0xbeef"));
		json_object_object_add(o, "t", json_object_new_boolean(1));
		arr = json_object_new_array();
		json_object_array_add(arr, json_object_new_string(strings[i]));
		json_object_array_add(arr, json_object_new_string("x"));
		json_object_object_add(o, "a", arr);
		json_object_object_add(o, "e", json_object_new_array());
		snprintf(want, sizeof(want), "%s\n",
		         json_object_to_json_string_ext(
		             o, JSON_C_TO_STRING_PLAIN |
		                    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);

		jsonline_begin(&w, buf, sizeof(buf));
		jsonline_str(&w, "s", strings[i]);
		jsonline_int(&w, "n", -42);
		jsonline_int(&w, "big", INT64_MAX);
		jsonline_hex(&w, "h", 0xbeef);
		jsonline_bool(&w, "t", true);
		jsonline_array_begin(&w, "a");
		jsonline_array_str(&w, strings[i]);
		jsonline_array_str(&w, "x");
		jsonline_array_end(&w);
		jsonline_array_begin(&w, "e");
		jsonline_array_end(&w);
		len = jsonline_end(&w);
		assert_int_equal(len, (int)strlen(want));
		assert_memory_equal(buf, want, strlen(want));
	}
}

static void test_int_extremes(void **state)
{
	char buf[128];
	struct jsonline w;
	int len;

	(void)state;
	jsonline_begin(&w, buf, sizeof(buf));
	jsonline_int(&w, "min", INT64_MIN);
	jsonline_int(&w, "zero", 0);
	jsonline_hex(&w, "h0", 0);
	jsonline_hex(&w, "hmax", UINT64_MAX);
	len = jsonline_end(&w);
	buf[len] = '\0';
	assert_string_equal(buf, "{\"min\":-9223372036854775808,\"zero\":0,"
	                         "\"h0\":\"0x0\","
	                         "\"hmax\":\"0xffffffffffffffff\"}\n");
}

static void test_overflow_is_refused(void **state)
{
	char buf[16];
	struct jsonline w;

	(void)state;
	jsonline_begin(&w, buf, sizeof(buf));
	jsonline_str(&w, "k", "a value longer than the buffer");
	assert_int_equal(jsonline_end(&w), -1);
	/* Exactly full fits. */
	jsonline_begin(&w, buf, sizeof(buf));
	jsonline_str(&w, "k", "0123456"); /* {"k":"0123456"}\n = 16 */
	assert_int_equal(jsonline_end(&w), 16);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_same_as_json_c),
	    cmocka_unit_test(test_int_extremes),
	    cmocka_unit_test(test_overflow_is_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

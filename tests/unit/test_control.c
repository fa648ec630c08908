/* test_control.c - the control protocol: request checks with clear
 * errors, and a real Unix socket session that survives bad lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "rasd/control.h"

static void expect_error(const char *line, const char *want)
{
	struct control_request req;
	char err[256];

	assert_int_equal(
	    control_request_parse(line, strlen(line), &req, err, sizeof(err)),
	    -1);
	if (strstr(err, want) == NULL)
		fail_msg("'%s': got error '%s', want '%s'", line, err, want);
}

static void parses_a_good_request(void **state)
{
	const char *line = "{\"id\": 7, \"cmd\": \"events\", \"args\": "
	                   "{\"since_ms\": 5}}";
	struct control_request req;
	struct json_object *v;
	char err[256];

	(void)state;
	assert_int_equal(
	    control_request_parse(line, strlen(line), &req, err, sizeof(err)),
	    0);
	assert_true(req.has_id);
	assert_int_equal(req.id, 7);
	assert_string_equal(req.cmd, "events");
	assert_true(json_object_object_get_ex(req.args, "since_ms", &v));
	control_request_free(&req);
}

static void rejects_bad_requests(void **state)
{
	char *big;

	(void)state;
	expect_error("hello", "not JSON");
	expect_error("{\"cmd\": \"status\"", "not JSON");
	expect_error("[1,2]", "not a JSON object");
	expect_error("{\"id\": 1}", "missing \"cmd\"");
	expect_error("{\"cmd\": 3}", "missing \"cmd\"");
	expect_error("{\"cmd\": \"Status!\"}", "bad command name");
	expect_error("{\"cmd\": \"status\", \"args\": 3}", "\"args\"");
	expect_error("{\"cmd\": \"status\", \"id\": \"x\"}", "\"id\"");
	expect_error("{\"cmd\": \"status\", \"extra\": 1}", "unknown key");
	expect_error("{\"cmd\": \"status\"} {\"cmd\": \"x\"}", "not JSON");
	big = malloc(CONTROL_MAX_REQUEST + 2);
	assert_non_null(big);
	memset(big, ' ', CONTROL_MAX_REQUEST + 1);
	big[CONTROL_MAX_REQUEST + 1] = '\0';
	expect_error(big, "too long");
	free(big);
}

/* The daemon's side in this test: echo the command, refuse "write". */
static int handler(void *arg, const struct control_request *req,
                   bool privileged, struct json_object *result, char *err,
                   size_t errlen)
{
	int *calls = arg;

	(*calls)++;
	if (!strcmp(req->cmd, "write") && !privileged) {
		snprintf(err, errlen, "permission denied");
		return -1;
	}
	json_object_object_add(result, "cmd", json_object_new_string(req->cmd));
	json_object_object_add(result, "privileged",
	                       json_object_new_boolean(privileged));
	return 0;
}

static char *read_reply(int fd)
{
	static char buf[4096];
	size_t used = 0;

	while (used < sizeof(buf) - 1) {
		ssize_t n = read(fd, buf + used, 1);

		if (n <= 0)
			return NULL;
		if (buf[used] == '\n') {
			buf[used] = '\0';
			return buf;
		}
		used++;
	}
	return NULL;
}

static char *roundtrip(struct loop *lp, int fd, const char *text, size_t len)
{
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	/* accept (first time) + read, then the reply is in the socket. */
	loop_run_once(lp, 100);
	loop_run_once(lp, 20);
	return read_reply(fd);
}

static void socket_session(void **state)
{
	char dir[] = "/tmp/rasd-ctl-XXXXXX", path[64], err[256], *r;
	struct control *ctl;
	struct loop *lp;
	int calls = 0, fd;
	char *big;
	size_t biglen = CONTROL_MAX_REQUEST + 100;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sock", dir);
	assert_int_equal(loop_create(&lp), 0);
	assert_int_equal(
	    control_open(&ctl, lp, path, handler, &calls, err, sizeof(err)), 0);
	fd = control_client_connect(path, err, sizeof(err));
	assert_true(fd >= 0);

	r = roundtrip(lp, fd, "{\"id\":1,\"cmd\":\"status\"}\n", 24);
	assert_non_null(r);
	assert_non_null(strstr(r, "\"ok\":true"));
	assert_non_null(strstr(r, "\"id\":1"));
	/* The test runs as its own user: that is privileged. */
	assert_non_null(strstr(r, "\"privileged\":true"));

	r = roundtrip(lp, fd, "not json\n", 9);
	assert_non_null(r);
	assert_non_null(strstr(r, "request 2: not JSON"));

	/* An over-long line: refused, discarded, the session goes on. */
	big = malloc(biglen + 1);
	assert_non_null(big);
	memset(big, 'x', biglen);
	big[biglen - 1] = '\n';
	assert_int_equal(write(fd, big, biglen), (ssize_t)biglen);
	free(big);
	loop_run_once(lp, 100);
	loop_run_once(lp, 100);
	loop_run_once(lp, 100);
	r = read_reply(fd);
	assert_non_null(r);
	assert_non_null(strstr(r, "too long"));

	r = roundtrip(lp, fd, "{\"id\":9,\"cmd\":\"dimms\"}\n", 23);
	assert_non_null(r);
	assert_non_null(strstr(r, "\"cmd\":\"dimms\""));
	assert_int_equal(calls, 2);

	close(fd);
	loop_run_once(lp, 20);
	control_close(ctl);
	assert_int_equal(access(path, F_OK), -1);
	loop_destroy(lp);
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parses_a_good_request),
	    cmocka_unit_test(rejects_bad_requests),
	    cmocka_unit_test(socket_session),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

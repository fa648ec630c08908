/* test_syslog5424.c - the syslog publisher: exact RFC 5424 rendering, storm
 * folding and the bounded queue under an injected clock, target parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>

#include "rasd/publish/syslog5424.h"

/* 2023-11-14T22:13:20.123Z */
#define T0 1700000000123ull

static void make_notice(struct notice *n, const char *msgid, int prio,
                        const char *text)
{
	memset(n, 0, sizeof(*n));
	n->msgid = msgid;
	n->priority = prio;
	n->time_ms = T0;
	snprintf(n->text, sizeof(n->text), "%s", text);
}

static void formats_a_known_notice_exactly(void **state)
{
	struct notice n;
	char buf[SYSLOG5424_MSG_MAX];
	const char *want =
	    "<28>1 2023-11-14T22:13:20.123Z xen-07 rasd 4242 MEMCE "
	    "[rasd@32473 dimm=\"DIMM_B\" socket=\"0\" channel=\"1\" "
	    "addr=\"0x40001000\"] corrected memory error on DIMM_B";
	int len;

	(void)state;
	make_notice(&n, "MEMCE", LOG_WARNING,
	            "corrected memory error on DIMM_B");
	notice_add(&n, "dimm", "DIMM_B");
	notice_add(&n, "socket", "%d", 0);
	notice_add(&n, "channel", "%d", 1);
	notice_add(&n, "addr", "0x%x", 0x40001000);
	len = syslog5424_format(&n, "xen-07", "rasd", 4242, buf, sizeof(buf));
	assert_string_equal(buf, want);
	assert_int_equal(len, (int)strlen(want));
}

static void escapes_quote_backslash_and_bracket(void **state)
{
	struct notice n;
	char buf[SYSLOG5424_MSG_MAX];

	(void)state;
	make_notice(&n, "EVACFAIL", LOG_ERR, "peer said \"no\" [x]");
	notice_add(&n, "peer", "a\"b\\c]d");
	assert_true(syslog5424_format(&n, "h", "rasd", 1, buf, sizeof(buf)) >
	            0);
	/* MSG is not escaped; only PARAM-VALUEs are (RFC 5424 6.3.3). */
	assert_string_equal(buf,
	                    "<27>1 2023-11-14T22:13:20.123Z h rasd 1 "
	                    "EVACFAIL [rasd@32473 peer=\"a\\\"b\\\\c\\]d\"] "
	                    "peer said \"no\" [x]");
}

static void pri_is_daemon_facility_plus_severity(void **state)
{
	static const int prios[] = {LOG_EMERG, LOG_ALERT,   LOG_CRIT,
	                            LOG_ERR,   LOG_WARNING, LOG_NOTICE,
	                            LOG_INFO,  LOG_DEBUG};
	struct notice n;
	char buf[512], want[16];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(prios) / sizeof(prios[0]); i++) {
		make_notice(&n, "RASD", prios[i], "x");
		assert_true(
		    syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf)) > 0);
		snprintf(want, sizeof(want), "<%d>1 ", 24 + prios[i]);
		assert_memory_equal(buf, want, strlen(want));
	}
	/* A facility in the notice's priority is ignored: always daemon. */
	make_notice(&n, "RASD", LOG_LOCAL0 | LOG_ERR, "x");
	assert_true(syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf)) > 0);
	assert_memory_equal(buf, "<27>1 ", 6);
}

static void timestamps_are_utc_with_milliseconds(void **state)
{
	struct notice n;
	char buf[512];

	(void)state;
	make_notice(&n, "RASD", LOG_INFO, "");
	n.time_ms = 5; /* epoch plus 5 ms: the zero padding shows */
	syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_string_equal(buf, "<30>1 1970-01-01T00:00:00.005Z h a 1 RASD -");
	n.time_ms = 951782400999ull; /* a leap day */
	syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_string_equal(buf, "<30>1 2000-02-29T00:00:00.999Z h a 1 RASD -");
	n.time_ms = 0; /* unknown time: NILVALUE, the receiver stamps it */
	syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_string_equal(buf, "<30>1 - h a 1 RASD -");
}

static void empty_fields_are_nilvalue(void **state)
{
	struct notice n;
	char buf[512];

	(void)state;
	make_notice(&n, NULL, LOG_NOTICE, "");
	syslog5424_format(&n, NULL, "", -1, buf, sizeof(buf));
	assert_string_equal(buf, "<29>1 2023-11-14T22:13:20.123Z - - - - -");
	/* A field without a key is skipped, not rendered as ="...". */
	notice_add(&n, "", "lost");
	syslog5424_format(&n, "h", "a", 0, buf, sizeof(buf));
	assert_string_equal(buf, "<29>1 2023-11-14T22:13:20.123Z h a - - -");
}

static void header_and_names_are_sanitized(void **state)
{
	struct notice n;
	char buf[512];

	(void)state;
	make_notice(&n, "MEM CE", LOG_INFO, "t");
	notice_add(&n, "a=b c", "v");
	syslog5424_format(&n, "my host", "ra\tsd", 7, buf, sizeof(buf));
	assert_string_equal(buf, "<30>1 2023-11-14T22:13:20.123Z my_host "
	                         "ra_sd 7 MEM_CE [rasd@32473 a_b_c=\"v\"] t");
}

static void utf8_text_gets_a_bom_and_bad_bytes_are_replaced(void **state)
{
	struct notice n;
	char buf[512];

	(void)state;
	make_notice(&n, "SENSOR", LOG_WARNING,
	            "CPU0 at 95\xc2\xb0"
	            "C");
	syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_string_equal(buf, "<28>1 2023-11-14T22:13:20.123Z h a 1 SENSOR "
	                         "- \xef\xbb\xbf"
	                         "CPU0 at 95\xc2\xb0"
	                         "C");
	make_notice(&n, "SENSOR", LOG_WARNING, "bad \xff\xc0 byte");
	notice_add(&n, "k", "\xed\xa0\x80"); /* a UTF-16 surrogate */
	syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_string_equal(buf, "<28>1 2023-11-14T22:13:20.123Z h a 1 SENSOR "
	                         "[rasd@32473 k=\"???\"] \xef\xbb\xbf"
	                         "bad ?? byte");
}

static void refuses_a_buffer_too_small(void **state)
{
	struct notice n;
	char buf[512];
	int len;

	(void)state;
	make_notice(&n, "MEMCE", LOG_WARNING, "text");
	notice_add(&n, "dimm", "DIMM_A");
	len = syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf));
	assert_true(len > 0);
	/* Exactly enough room needs the NUL too. */
	assert_int_equal(syslog5424_format(&n, "h", "a", 1, buf, (size_t)len),
	                 -1);
	assert_string_equal(buf, "");
	assert_int_equal(
	    syslog5424_format(&n, "h", "a", 1, buf, (size_t)len + 1), len);
	assert_int_equal(syslog5424_format(&n, "h", "a", 1, buf, 0), -1);
}

static void a_full_notice_always_fits(void **state)
{
	struct notice n;
	char buf[SYSLOG5424_MSG_MAX], value[NOTICE_VALUE_MAX];
	int i;

	(void)state;
	memset(value, ']', sizeof(value) - 1);
	value[sizeof(value) - 1] = '\0';
	make_notice(&n, "MEMCE", LOG_WARNING, "");
	memset(n.text, 'x', sizeof(n.text) - 1);
	for (i = 0; i < NOTICE_FIELDS_MAX; i++)
		notice_add(&n, "keykeykeykeykey", "%s", value);
	assert_true(syslog5424_format(&n, "h", "a", 1, buf, sizeof(buf)) > 0);
}

static void parses_targets(void **state)
{
	struct syslog5424_target t;
	char err[128];

	(void)state;
	assert_int_equal(syslog5424_parse_target("logs.example.net:6514", &t,
	                                         err, sizeof(err)),
	                 0);
	assert_string_equal(t.host, "logs.example.net");
	assert_int_equal(t.port, 6514);
	assert_int_equal(
	    syslog5424_parse_target("10.0.0.1:514", &t, err, sizeof(err)), 0);
	assert_string_equal(t.host, "10.0.0.1");
	assert_int_equal(syslog5424_parse_target("[2001:db8::1]:65535", &t, err,
	                                         sizeof(err)),
	                 0);
	assert_string_equal(t.host, "2001:db8::1");
	assert_int_equal(t.port, 65535);
}

static void expect_target_error(const char *target, const char *reason)
{
	struct syslog5424_target t;
	char err[128] = "";

	assert_int_equal(syslog5424_parse_target(target, &t, err, sizeof(err)),
	                 -1);
	if (strstr(err, reason) == NULL)
		fail_msg("target '%s': error '%s' lacks '%s'",
		         target ? target : "(null)", err, reason);
}

static void refuses_bad_targets_with_a_reason(void **state)
{
	(void)state;
	expect_target_error(NULL, "empty target");
	expect_target_error("", "empty target");
	expect_target_error("host", "missing ':port'");
	expect_target_error("host:", "missing port");
	expect_target_error(":514", "missing host");
	expect_target_error("host:0", "out of range");
	expect_target_error("host:65536", "out of range");
	expect_target_error("host:123456", "not a number");
	expect_target_error("host:+5", "not a number");
	expect_target_error("host:51x", "not a number");
	expect_target_error("2001:db8::1:514", "needs brackets");
	expect_target_error("[2001:db8::1:514", "without ']'");
	expect_target_error("[]:514", "empty");
	expect_target_error("[nothex]:514", "not an IPv6 address");
	expect_target_error("[::1]514", "expected ':port'");
	expect_target_error("ho st:514", "bad character ' '");
	expect_target_error("ho\x01st:514", "byte 0x01");
}

/* A bound datagram socket standing in for /dev/log. */
struct fake_log {
	char dir[64];
	char path[128];
	int fd;
};

static void fake_log_bind(struct fake_log *f)
{
	struct sockaddr_un sun;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", f->path);
	f->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	assert_true(f->fd >= 0);
	assert_int_equal(bind(f->fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
}

static void fake_log_init(struct fake_log *f)
{
	snprintf(f->dir, sizeof(f->dir), "/tmp/test_syslog5424.XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/log", f->dir);
	f->fd = -1;
}

static void fake_log_end(struct fake_log *f)
{
	if (f->fd >= 0)
		close(f->fd);
	unlink(f->path);
	rmdir(f->dir);
}

/* The next datagram, or "" if none is waiting. */
static void fake_log_read(struct fake_log *f, char *buf, size_t len)
{
	ssize_t n = recv(f->fd, buf, len - 1, 0);

	buf[n > 0 ? n : 0] = '\0';
}

static struct syslog5424 *open_local(const char *path, size_t queue_max,
                                     unsigned storm_limit)
{
	struct syslog5424_opts o;
	struct syslog5424 *p;
	char err[256];

	syslog5424_opts_defaults(&o);
	o.socket_path = path;
	o.hostname = "h";
	o.pid = 9;
	o.queue_max = queue_max;
	o.storm_limit = storm_limit;
	if (syslog5424_open(&p, &o, err, sizeof(err)) != 0)
		fail_msg("open: %s", err);
	return p;
}

static void folds_a_storm_and_summarizes_it(void **state)
{
	struct syslog5424_stats st;
	struct syslog5424 *p;
	struct fake_log f;
	struct notice n;
	char buf[1024];
	uint64_t t = T0;
	int i;

	(void)state;
	fake_log_init(&f);
	fake_log_bind(&f);
	p = open_local(f.path, 1024, 10);
	for (i = 0; i < 15; i++, t += 1000) {
		make_notice(&n, "MEMCE", i == 12 ? LOG_ERR : LOG_WARNING, "ce");
		n.time_ms = t;
		assert_int_equal(syslog5424_send(p, &n, t), i < 10 ? 0 : 1);
		fake_log_read(&f, buf, sizeof(buf));
	}
	/* Other msgids are counted on their own. */
	make_notice(&n, "PAGEOFF", LOG_NOTICE, "page");
	assert_int_equal(syslog5424_send(p, &n, t), 0);
	fake_log_read(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf, " PAGEOFF - page"));
	syslog5424_stats(p, &st);
	assert_int_equal(st.sent, 11);
	assert_int_equal(st.folded, 5);
	assert_int_equal(syslog5424_next_ms(p, t), T0 + 60000);
	/* Nothing until the window is over ... */
	syslog5424_flush(p, T0 + 59999);
	fake_log_read(&f, buf, sizeof(buf));
	assert_string_equal(buf, "");
	/* ... then one summary, as severe as the worst folded message. */
	syslog5424_flush(p, T0 + 60000);
	fake_log_read(&f, buf, sizeof(buf));
	assert_string_equal(buf,
	                    "<27>1 2023-11-14T22:14:20.123Z h rasd 9 STORM "
	                    "[rasd@32473 msgid=\"MEMCE\" count=\"5\"] "
	                    "5 MEMCE messages folded in the last 60s");
	syslog5424_stats(p, &st);
	assert_int_equal(st.summaries, 1);
	assert_int_equal(syslog5424_next_ms(p, T0 + 60000), UINT64_MAX);
	/* A new window starts with the next message. */
	make_notice(&n, "MEMCE", LOG_WARNING, "again");
	assert_int_equal(syslog5424_send(p, &n, T0 + 61000), 0);
	syslog5424_close(p);
	fake_log_end(&f);
}

static void storm_limit_zero_folds_nothing(void **state)
{
	struct syslog5424_stats st;
	struct syslog5424 *p;
	struct fake_log f;
	struct notice n;
	char buf[1024];
	int i;

	(void)state;
	fake_log_init(&f);
	fake_log_bind(&f);
	p = open_local(f.path, 1024, 0);
	make_notice(&n, "MEMCE", LOG_WARNING, "ce");
	for (i = 0; i < 50; i++) {
		assert_int_equal(syslog5424_send(p, &n, T0), 0);
		fake_log_read(&f, buf, sizeof(buf));
		assert_non_null(strstr(buf, " MEMCE - ce"));
	}
	syslog5424_stats(p, &st);
	assert_int_equal(st.sent, 50);
	assert_int_equal(st.folded, 0);
	syslog5424_close(p);
	fake_log_end(&f);
}

static void queue_keeps_the_newest_and_counts_drops(void **state)
{
	struct syslog5424_stats st;
	struct syslog5424 *p;
	struct fake_log f;
	struct notice n;
	char buf[1024], text[16];
	int i;

	(void)state;
	fake_log_init(&f); /* nobody listening yet */
	p = open_local(f.path, 4, 0);
	for (i = 1; i <= 10; i++) {
		snprintf(text, sizeof(text), "m%d", i);
		make_notice(&n, "RASD", LOG_INFO, text);
		assert_int_equal(syslog5424_send(p, &n, T0 + (uint64_t)i), 0);
	}
	syslog5424_stats(p, &st);
	assert_int_equal(st.queued, 4);
	assert_int_equal(st.dropped, 6);
	assert_int_equal(st.sent, 0);
	assert_int_equal(st.connect_failures, 1);
	assert_non_null(strstr(syslog5424_last_error(p), "connect: No such"));
	/* The retry waits for the backoff (1 s) ... */
	assert_int_equal(syslog5424_next_ms(p, T0 + 10), T0 + 1 + 1000);
	fake_log_bind(&f);
	assert_int_equal(syslog5424_flush(p, T0 + 500), 4);
	/* ... then the four newest arrive, oldest first. */
	assert_int_equal(syslog5424_flush(p, T0 + 1001), 0);
	for (i = 7; i <= 10; i++) {
		fake_log_read(&f, buf, sizeof(buf));
		snprintf(text, sizeof(text), " m%d", i);
		assert_non_null(strstr(buf, text));
	}
	syslog5424_stats(p, &st);
	assert_int_equal(st.sent, 4);
	assert_int_equal(st.connects, 1);
	assert_string_equal(syslog5424_last_error(p), "");
	syslog5424_close(p);
	fake_log_end(&f);
}

static void a_full_socket_is_retried_soon(void **state)
{
	struct syslog5424_stats st;
	struct syslog5424 *p;
	struct fake_log f;
	struct notice n;
	char buf[1024];
	int i;

	(void)state;
	fake_log_init(&f);
	fake_log_bind(&f);
	p = open_local(f.path, 1024, 0);
	make_notice(&n, "MEMCE", LOG_WARNING, "ce");
	/* Nobody reads: the datagram queue fills and sending would block. */
	for (i = 0; i < 2000; i++)
		syslog5424_send(p, &n, T0);
	syslog5424_stats(p, &st);
	assert_true(st.queued > 0);
	assert_int_equal(st.sent + st.queued + st.dropped, 2000);
	assert_int_equal(syslog5424_next_ms(p, T0), T0 + 10);
	while (recv(f.fd, buf, sizeof(buf), 0) > 0)
		;
	syslog5424_flush(p, T0 + 10);
	syslog5424_stats(p, &st);
	assert_true(st.sent > 0);
	syslog5424_close(p);
	fake_log_end(&f);
}

static void backoff_doubles_up_to_the_cap(void **state)
{
	struct syslog5424_opts o;
	struct syslog5424 *p;
	struct notice n;
	char err[256];
	uint64_t t = T0;

	(void)state;
	syslog5424_opts_defaults(&o);
	o.socket_path = "/nonexistent/rasd-test/log";
	o.reconnect_min_ms = 100;
	o.reconnect_max_ms = 350;
	assert_int_equal(syslog5424_open(&p, &o, err, sizeof(err)), 0);
	make_notice(&n, "RASD", LOG_INFO, "x");
	syslog5424_send(p, &n, t);
	assert_int_equal(syslog5424_next_ms(p, t), t + 100);
	t += 100;
	syslog5424_flush(p, t);
	assert_int_equal(syslog5424_next_ms(p, t), t + 200);
	t += 200;
	syslog5424_flush(p, t);
	assert_int_equal(syslog5424_next_ms(p, t), t + 350);
	t += 350;
	syslog5424_flush(p, t);
	assert_int_equal(syslog5424_next_ms(p, t), t + 350);
	syslog5424_close(p);
}

/* TCP frames are "LEN SP MSG" with LEN the octets of MSG (RFC 6587). */
static void tcp_uses_octet_counting(void **state)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct syslog5424_opts o;
	struct syslog5424 *p;
	struct notice n;
	struct timeval two_s = {2, 0};
	char target[32], err[256], buf[1024], *sp;
	int lfd, cfd, i;
	ssize_t got = 0, r;

	(void)state;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 1), 0);
	getsockname(lfd, (struct sockaddr *)&sin, &slen);
	snprintf(target, sizeof(target), "127.0.0.1:%u", ntohs(sin.sin_port));
	syslog5424_opts_defaults(&o);
	o.transport = SYSLOG5424_TCP;
	o.target = target;
	o.hostname = "h";
	o.pid = 1;
	assert_int_equal(syslog5424_open(&p, &o, err, sizeof(err)), 0);
	make_notice(&n, "CPUOFF", LOG_ERR, "cpu 3 offlined");
	syslog5424_send(p, &n, T0);
	for (i = 0; i < 100 && syslog5424_flush(p, T0) > 0; i++)
		usleep(1000);
	cfd = accept(lfd, NULL, NULL);
	/* Never hang the suite: give up reading after two seconds. */
	setsockopt(cfd, SOL_SOCKET, SO_RCVTIMEO, &two_s, sizeof(two_s));
	buf[0] = '\0';
	while ((sp = strchr(buf, ' ')) == NULL ||
	       got < (sp - buf) + 1 + atoi(buf)) {
		r = recv(cfd, buf + got, sizeof(buf) - 1 - (size_t)got, 0);
		if (r <= 0)
			fail_msg("collector got only '%s'", buf);
		got += r;
		buf[got] = '\0';
	}
	assert_int_equal(atoi(buf), (int)strlen(sp + 1));
	assert_string_equal(buf, "63 <27>1 2023-11-14T22:13:20.123Z h rasd 1 "
	                         "CPUOFF - cpu 3 offlined");
	syslog5424_close(p);
	close(cfd);
	close(lfd);
}

static void open_refuses_bad_options(void **state)
{
	struct syslog5424_opts o;
	struct syslog5424 *p;
	char err[256];

	(void)state;
	syslog5424_opts_defaults(&o);
	o.transport = SYSLOG5424_TCP;
	o.target = "collector";
	assert_int_equal(syslog5424_open(&p, &o, err, sizeof(err)), -1);
	assert_null(p);
	assert_string_equal(err, "syslog: target 'collector': missing ':port' "
	                         "(want host:port)");
	o.transport = SYSLOG5424_TLS;
	o.target = "127.0.0.1:6514";
	o.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(syslog5424_open(&p, &o, err, sizeof(err)), -1);
	if (strncmp(err, "tls: CA file /nonexistent/ca.pem: ", 34) != 0)
		fail_msg("unclear error: %s", err);
	syslog5424_opts_defaults(&o);
	o.queue_max = 0;
	assert_int_equal(syslog5424_open(&p, &o, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "queue size"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(formats_a_known_notice_exactly),
	    cmocka_unit_test(escapes_quote_backslash_and_bracket),
	    cmocka_unit_test(pri_is_daemon_facility_plus_severity),
	    cmocka_unit_test(timestamps_are_utc_with_milliseconds),
	    cmocka_unit_test(empty_fields_are_nilvalue),
	    cmocka_unit_test(header_and_names_are_sanitized),
	    cmocka_unit_test(utf8_text_gets_a_bom_and_bad_bytes_are_replaced),
	    cmocka_unit_test(refuses_a_buffer_too_small),
	    cmocka_unit_test(a_full_notice_always_fits),
	    cmocka_unit_test(parses_targets),
	    cmocka_unit_test(refuses_bad_targets_with_a_reason),
	    cmocka_unit_test(folds_a_storm_and_summarizes_it),
	    cmocka_unit_test(storm_limit_zero_folds_nothing),
	    cmocka_unit_test(queue_keeps_the_newest_and_counts_drops),
	    cmocka_unit_test(a_full_socket_is_retried_soon),
	    cmocka_unit_test(backoff_doubles_up_to_the_cap),
	    cmocka_unit_test(tcp_uses_octet_counting),
	    cmocka_unit_test(open_refuses_bad_options),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

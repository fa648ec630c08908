/* bmc.c - the BMC watcher: an OpenIPMI connection on rasd's loop that
 * reads the SDRs once, walks the SEL from a kept position and polls the
 * threshold sensors; failures close the session and retry with backoff. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <OpenIPMI/ipmi_addr.h>
#include <OpenIPMI/ipmi_auth.h>
#include <OpenIPMI/ipmi_conn.h>
#include <OpenIPMI/ipmi_err.h>
#include <OpenIPMI/ipmi_lan.h>
#include <OpenIPMI/ipmi_msgbits.h>
#include <OpenIPMI/ipmi_smi.h>

#include "bmc.h"
#include "bmc_int.h"
#include "oshnd.h"
#include "rasd/loop.h"

#define MS                 1000000ull
#define DEFAULT_POLL_MS    10000
#define DEFAULT_RETRY_MS   60000
#define FIRST_RETRY_MS     1000
#define CONNECT_TIMEOUT_MS 30000
#define CLOSE_WAIT_MS      2000
#define MAX_SDR            128
#define SDR_CHUNK          16
#define SDR_MAX_RECORD     (5 + 255)
#define SDR_MAX_RESTARTS   5
#define BMC_ADDR           0x20
#define MAX_DEAD           8

/* What a response answers; carried in the message item. */
enum bmc_cmd {
	CMD_SEL_INFO,
	CMD_SEL_ENTRY,
	CMD_SDR_RESERVE,
	CMD_SDR_GET,
	CMD_THRESHOLDS,
	CMD_READING,
};

/* Where the SEL scan is; see "The SEL position" in bmc.h. */
enum sel_step {
	SEL_LAST,   /* reading the last record: "from now on" */
	SEL_CHECK,  /* re-reading the last record delivered */
	SEL_WALK,   /* delivering every record from here */
	SEL_FILTER, /* walking from the first, delivering the newer ones */
};

struct bmc_sensor {
	struct bmc_sdr_sensor sdr;
	bool have_thr; /* thresholds read from the BMC this session */
	bool have_value;
	double value;
	uint8_t state; /* THR_* bits crossed at the last reading */
};

struct bmc {
	struct loop *lp;
	struct bmc_config cfg;
	struct bmc_credentials cred;
	bmc_event_fn fn;
	void *arg;
	os_handler_t *os;

	ipmi_con_t *con;            /* NULL between attempts */
	ipmi_con_t *dead[MAX_DEAD]; /* failed, closed outside callbacks */
	unsigned ndead, closing, pending;
	struct loop_timer *retry_timer, *sel_timer, *sensor_timer, *reap_timer;
	bool connecting, connected;
	unsigned attempts; /* failed attempts in this outage */

	/* SDR repository, read once per watcher */
	struct bmc_sdr_sensor sdr[MAX_SDR];
	unsigned nsdr;
	bool sdr_done;
	uint16_t sdr_resv, sdr_id;
	uint8_t sdr_rec[SDR_MAX_RECORD];
	size_t sdr_len, sdr_want;
	unsigned sdr_restarts, sdr_steps;

	/* threshold sensors (owned by the BMC itself) */
	struct bmc_sensor sensors[BMC_STATUS_SENSORS];
	unsigned nsensors, sensor_at;
	bool sensor_busy;

	/* SEL */
	bool sel_busy, from_now;
	enum sel_step sel_step;
	struct bmc_sel_pos pos;
	uint32_t erase_ts;
	uint16_t sel_at;
	unsigned sel_walked, sel_failures;
	int sel_bad_id; /* last unreadable record reported, -1 none */
	unsigned sel_entries, sel_free;
	bool sel_full, sel_almost_full;
	uint64_t sel_read, bad_records;

	char last_error[160];
};

static void bmc_connect(struct bmc *b);
static void sel_scan(struct bmc *b);
static void sensor_poll(struct bmc *b);
static void sdr_start(struct bmc *b);

static uint64_t poll_ms(uint64_t v)
{
	return v ? v : DEFAULT_POLL_MS;
}

static uint64_t backoff_ms(const struct bmc *b, unsigned attempt)
{
	uint64_t cap =
	    b->cfg.retry_max_ms ? b->cfg.retry_max_ms : DEFAULT_RETRY_MS;
	uint64_t d = FIRST_RETRY_MS;

	while (attempt-- > 1 && d < cap)
		d *= 2;
	return d < cap ? d : cap;
}

static void emit(struct bmc *b, struct bmc_event *ev)
{
	b->fn(b->arg, ev);
}

static void emit_simple(struct bmc *b, enum bmc_event_kind kind,
                        enum bmc_severity sev, const char *detail)
{
	struct bmc_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.kind = kind;
	ev.cls = BMC_OTHER;
	ev.sev = sev;
	ev.dimm = -1;
	ev.pos = b->pos;
	snprintf(ev.detail, sizeof(ev.detail), "%s", detail);
	emit(b, &ev);
}

static void cc_text(unsigned cc, char *buf, size_t len)
{
	char s[64];

	ipmi_get_cc_string(cc, s, sizeof(s));
	snprintf(buf, len, "completion code 0x%02x (%s)", cc, s);
}

/* ------------------------------------------------------------------ */
/* Connection lifecycle                                                */

static void reap_dead(void *arg);

static void bmc_fail(struct bmc *b, const char *fmt, ...)
{
	struct bmc_event ev;
	char why[120];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (b->con != NULL && b->ndead < MAX_DEAD) {
		b->dead[b->ndead++] = b->con;
		loop_timer_arm(b->reap_timer, 1);
	}
	b->con = NULL;
	b->connected = b->connecting = false;
	b->sel_busy = b->sensor_busy = false;
	loop_timer_arm(b->sel_timer, 0);
	loop_timer_arm(b->sensor_timer, 0);
	b->attempts++;
	memset(&ev, 0, sizeof(ev));
	ev.kind = BMC_LOST;
	ev.cls = BMC_OTHER;
	ev.sev = BMC_CRITICAL;
	ev.dimm = -1;
	ev.pos = b->pos;
	ev.attempt = b->attempts;
	ev.retry_in_ms = backoff_ms(b, b->attempts);
	snprintf(ev.detail, sizeof(ev.detail), "%s; retry %u in %llu ms", why,
	         b->attempts, (unsigned long long)ev.retry_in_ms);
	snprintf(b->last_error, sizeof(b->last_error), "%s", why);
	loop_timer_arm(b->retry_timer, ev.retry_in_ms * MS);
	emit(b, &ev);
}

static void con_closed(ipmi_con_t *con, void *cb_data)
{
	struct bmc *b = cb_data;

	(void)con;
	b->closing--;
}

static void close_con(struct bmc *b, ipmi_con_t *con)
{
	b->closing++;
	if (con->close_connection_done(con, con_closed, b) != 0) {
		b->closing--;
		con->close_connection(con);
	}
}

static void reap_dead(void *arg)
{
	struct bmc *b = arg;

	while (b->ndead > 0)
		close_con(b, b->dead[--b->ndead]);
}

static void start_polls(struct bmc *b)
{
	sel_scan(b);
	sensor_poll(b);
}

static void on_connected(struct bmc *b)
{
	char detail[160];
	unsigned i;

	b->connecting = false;
	b->connected = true;
	b->attempts = 0;
	loop_timer_arm(b->retry_timer, 0);
	for (i = 0; i < b->nsensors; i++)
		b->sensors[i].have_thr = false;
	if (b->cfg.lan)
		snprintf(detail, sizeof(detail), "lan %s:%s as %s", b->cfg.host,
		         b->cfg.port[0] ? b->cfg.port : "623",
		         b->cred.username);
	else
		snprintf(detail, sizeof(detail), "local /dev/ipmi%u",
		         b->cfg.smi_num);
	emit_simple(b, BMC_CONNECTED, BMC_INFO, detail);
	if (!b->connected)
		return; /* the callback's world changed; leave it be */
	if (!b->sdr_done)
		sdr_start(b);
	else
		start_polls(b);
}

static void con_changed(ipmi_con_t *con, int err, unsigned int port,
                        int any_port_up, void *cb_data)
{
	struct bmc *b = cb_data;
	char s[96];

	(void)port;
	if (con != b->con)
		return; /* an abandoned session */
	if (err == 0 && any_port_up) {
		if (!b->connected)
			on_connected(b);
		return;
	}
	if (err != 0)
		ipmi_get_error_string((unsigned)err, s, sizeof(s));
	else
		snprintf(s, sizeof(s), "no port up");
	bmc_fail(b, "connection: %s", s);
}

static int setup_lan(struct bmc *b, ipmi_con_t **con)
{
	char *addrs[1] = {b->cfg.host};
	char *ports[1] = {b->cfg.port[0] ? b->cfg.port
	                                 : (char *)IPMI_LAN_STD_PORT_STR};
	ipmi_lanp_parm_t parms[6];

	memset(parms, 0, sizeof(parms));
	parms[0].parm_id = IPMI_LANP_PARMID_ADDRS;
	parms[0].parm_data = addrs;
	parms[0].parm_data_len = 1;
	parms[1].parm_id = IPMI_LANP_PARMID_PORTS;
	parms[1].parm_data = ports;
	parms[1].parm_data_len = 1;
	parms[2].parm_id = IPMI_LANP_PARMID_AUTHTYPE;
	parms[2].parm_val = IPMI_AUTHTYPE_RMCP_PLUS;
	parms[3].parm_id = IPMI_LANP_PARMID_PRIVILEGE;
	parms[3].parm_val = (int)b->cred.privilege;
	parms[4].parm_id = IPMI_LANP_PARMID_USERNAME;
	parms[4].parm_data = b->cred.username;
	parms[4].parm_data_len = (unsigned)strlen(b->cred.username);
	parms[5].parm_id = IPMI_LANP_PARMID_PASSWORD;
	parms[5].parm_data = b->cred.password;
	parms[5].parm_data_len = (unsigned)strlen(b->cred.password);
	return ipmi_lanp_setup_con(parms, 6, b->os, b, con);
}

static void bmc_connect(struct bmc *b)
{
	ipmi_con_t *con = NULL;
	char s[96];
	int rc;

	if (b->cfg.lan)
		rc = setup_lan(b, &con);
	else
		rc = ipmi_smi_setup_con((int)b->cfg.smi_num, b->os, b, &con);
	if (rc != 0) {
		ipmi_get_error_string((unsigned)rc, s, sizeof(s));
		bmc_fail(b, "connection setup: %s", s);
		return;
	}
	b->con = con;
	b->connecting = true;
	con->add_con_change_handler(con, con_changed, b);
	/* A session that never comes up or down still ends. */
	loop_timer_arm(b->retry_timer, CONNECT_TIMEOUT_MS * MS);
	rc = con->start_con(con);
	if (rc != 0 && b->con == con) {
		ipmi_get_error_string((unsigned)rc, s, sizeof(s));
		bmc_fail(b, "connection start: %s", s);
	}
}

static void retry_fired(void *arg)
{
	struct bmc *b = arg;

	if (b->connecting) {
		bmc_fail(b, "connection: no session in %u s",
		         CONNECT_TIMEOUT_MS / 1000);
		return;
	}
	if (!b->connected && b->con == NULL)
		bmc_connect(b);
}

/* ------------------------------------------------------------------ */
/* Commands                                                            */

static void dispatch(struct bmc *b, enum bmc_cmd cmd, const uint8_t *d,
                     size_t n);

static int bmc_rsp(ipmi_con_t *con, ipmi_msgi_t *rspi)
{
	struct bmc *b = rspi->data1;
	enum bmc_cmd cmd = (enum bmc_cmd)(uintptr_t)rspi->data2;

	b->pending--;
	if (con == b->con && b->connected)
		dispatch(b, cmd, rspi->msg.data, rspi->msg.data_len);
	return IPMI_MSG_ITEM_NOT_USED;
}

static bool bmc_send(struct bmc *b, enum bmc_cmd cmd, uint8_t netfn,
                     uint8_t code, const uint8_t *data, size_t len)
{
	ipmi_system_interface_addr_t si;
	ipmi_msgi_t *rspi;
	ipmi_msg_t msg;
	int rc;

	memset(&si, 0, sizeof(si));
	si.addr_type = IPMI_SYSTEM_INTERFACE_ADDR_TYPE;
	si.channel = IPMI_BMC_CHANNEL;
	msg.netfn = netfn;
	msg.cmd = code;
	msg.data_len = (unsigned short)len;
	msg.data = (unsigned char *)data;
	rspi = ipmi_alloc_msg_item();
	if (rspi == NULL) {
		bmc_fail(b, "out of memory for a command");
		return false;
	}
	rspi->data1 = b;
	rspi->data2 = (void *)(uintptr_t)cmd;
	rspi->data3 = NULL;
	rspi->data4 = NULL;
	rc = b->con->send_command(b->con, (ipmi_addr_t *)&si, sizeof(si), &msg,
	                          bmc_rsp, rspi);
	if (rc != 0) {
		char s[96];

		ipmi_free_msg_item(rspi);
		ipmi_get_error_string((unsigned)rc, s, sizeof(s));
		bmc_fail(b, "send netfn 0x%02x cmd 0x%02x: %s", netfn, code, s);
		return false;
	}
	b->pending++;
	return true;
}

/* A completion code that means the BMC, not the command, failed. */
static bool cc_is_link(uint8_t cc)
{
	return cc == IPMI_TIMEOUT_CC || cc == 0xff;
}

/* ------------------------------------------------------------------ */
/* SDR repository                                                      */

static void sdr_finish(struct bmc *b, const char *why)
{
	unsigned i;

	if (why != NULL)
		snprintf(b->last_error, sizeof(b->last_error), "%s", why);
	b->sdr_done = true;
	b->nsensors = 0;
	for (i = 0; i < b->nsdr && b->nsensors < BMC_STATUS_SENSORS; i++) {
		struct bmc_sensor *s = &b->sensors[b->nsensors];

		/* Only the BMC's own sensors answer without bridging. */
		if (!b->sdr[i].analog || b->sdr[i].owner != BMC_ADDR ||
		    b->sdr[i].lun != 0)
			continue;
		memset(s, 0, sizeof(*s));
		s->sdr = b->sdr[i];
		b->nsensors++;
	}
	start_polls(b);
}

static void sdr_reserve(struct bmc *b)
{
	bmc_send(b, CMD_SDR_RESERVE, IPMI_STORAGE_NETFN,
	         IPMI_RESERVE_SDR_REPOSITORY_CMD, NULL, 0);
}

static void sdr_start(struct bmc *b)
{
	b->nsdr = 0;
	b->sdr_id = 0;
	b->sdr_len = 0;
	b->sdr_steps = 0;
	sdr_reserve(b);
}

static void sdr_request(struct bmc *b)
{
	uint8_t d[6];
	size_t want;

	if (b->sdr_len == 0)
		want = 5;
	else
		want = b->sdr_want - b->sdr_len < SDR_CHUNK
		           ? b->sdr_want - b->sdr_len
		           : SDR_CHUNK;
	d[0] = b->sdr_resv & 0xff;
	d[1] = b->sdr_resv >> 8;
	d[2] = b->sdr_id & 0xff;
	d[3] = b->sdr_id >> 8;
	d[4] = (uint8_t)b->sdr_len;
	d[5] = (uint8_t)want;
	bmc_send(b, CMD_SDR_GET, IPMI_STORAGE_NETFN, IPMI_GET_SDR_CMD, d, 6);
}

static void sdr_reserve_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	if (n >= 1 && cc_is_link(d[0])) {
		bmc_fail(b, "Reserve SDR Repository: timeout");
		return;
	}
	/* No reservation support: reads go with reservation 0. */
	b->sdr_resv = (n >= 3 && d[0] == 0) ? (uint16_t)(d[1] | d[2] << 8) : 0;
	sdr_request(b);
}

static void sdr_record_done(struct bmc *b, uint16_t next)
{
	struct bmc_sdr_sensor s;
	char err[120];
	int rc;

	rc = bmc_sdr_parse(b->sdr_rec, b->sdr_len, &s, err, sizeof(err));
	if (rc < 0)
		snprintf(b->last_error, sizeof(b->last_error), "%s", err);
	else if (rc == 0 && b->nsdr < MAX_SDR)
		b->sdr[b->nsdr++] = s;
	if (next == 0xffff || next == b->sdr_id) {
		sdr_finish(b, NULL);
		return;
	}
	b->sdr_id = next;
	b->sdr_len = 0;
	sdr_request(b);
}

static void sdr_get_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	char why[120];
	size_t got;
	uint16_t next;

	if (n < 1 || cc_is_link(d[0])) {
		bmc_fail(b, "Get SDR 0x%04x: timeout", b->sdr_id);
		return;
	}
	if (d[0] == IPMI_INVALID_RESERVATION_CC &&
	    ++b->sdr_restarts <= SDR_MAX_RESTARTS) {
		sdr_start(b); /* the repository changed under us */
		return;
	}
	if (d[0] != 0 || n < 3) {
		char cc[100];

		cc_text(d[0], cc, sizeof(cc));
		snprintf(why, sizeof(why), "Get SDR 0x%04x: %s", b->sdr_id,
		         n < 3 && d[0] == 0 ? "short response" : cc);
		sdr_finish(b, why);
		return;
	}
	next = (uint16_t)(d[1] | d[2] << 8);
	got = n - 3;
	if (got > sizeof(b->sdr_rec) - b->sdr_len)
		got = sizeof(b->sdr_rec) - b->sdr_len;
	memcpy(b->sdr_rec + b->sdr_len, d + 3, got);
	b->sdr_len += got;
	if (++b->sdr_steps > 4096 || got == 0) {
		sdr_finish(b, "SDR repository: no progress reading it");
		return;
	}
	if (b->sdr_len >= 5 && b->sdr_want == 0)
		b->sdr_want = 5 + (size_t)b->sdr_rec[4];
	if (b->sdr_len < b->sdr_want) {
		sdr_request(b);
		return;
	}
	b->sdr_want = 0;
	sdr_record_done(b, next);
}

static const struct bmc_sdr_sensor *sdr_find(const struct bmc *b, uint8_t owner,
                                             uint8_t num)
{
	unsigned i;

	for (i = 0; i < b->nsdr; i++)
		if (b->sdr[i].owner == owner && b->sdr[i].num == num)
			return &b->sdr[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* SEL                                                                 */

static void sel_done(struct bmc *b, bool ok)
{
	uint64_t ms = poll_ms(b->cfg.sel_poll_ms);

	b->sel_busy = false;
	if (!b->connected)
		return;
	b->sel_failures = ok ? 0 : b->sel_failures + 1;
	if (!ok)
		ms = backoff_ms(b, b->sel_failures);
	loop_timer_arm(b->sel_timer, ms * MS);
}

static void sel_get(struct bmc *b, uint16_t id)
{
	uint8_t d[6] = {0, 0,   (uint8_t)(id & 0xff), (uint8_t)(id >> 8),
	                0, 0xff};

	b->sel_at = id;
	bmc_send(b, CMD_SEL_ENTRY, IPMI_STORAGE_NETFN, IPMI_GET_SEL_ENTRY_CMD,
	         d, 6);
}

static void sel_scan(struct bmc *b)
{
	if (b->sel_busy || !b->connected)
		return;
	b->sel_busy = true;
	bmc_send(b, CMD_SEL_INFO, IPMI_STORAGE_NETFN, IPMI_GET_SEL_INFO_CMD,
	         NULL, 0);
}

static void sel_timer_fired(void *arg)
{
	sel_scan(arg);
}

static void sel_space(struct bmc *b, unsigned entries, unsigned free_bytes,
                      bool overflow)
{
	unsigned total = entries * 16 + free_bytes;
	bool full = overflow || free_bytes < 16;
	bool almost = !full && free_bytes * 10 < total;
	char d[96];

	b->sel_entries = entries;
	b->sel_free = free_bytes;
	if (full && !b->sel_full) {
		snprintf(d, sizeof(d), "SEL full: %u entries, %u bytes free%s",
		         entries, free_bytes, overflow ? ", overflow" : "");
		emit_simple(b, BMC_SEL_FULL, BMC_CRITICAL, d);
	} else if (almost && !b->sel_almost_full) {
		snprintf(d, sizeof(d),
		         "SEL almost full: %u entries, %u bytes "
		         "free",
		         entries, free_bytes);
		emit_simple(b, BMC_SEL_ALMOST_FULL, BMC_WARNING, d);
	}
	b->sel_full = full;
	b->sel_almost_full = almost;
}

static void sel_info_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	unsigned entries;

	if (n < 1 || cc_is_link(d[0])) {
		bmc_fail(b, "Get SEL Info: timeout");
		return;
	}
	if (d[0] != 0 || n < 15) {
		char cc[100];

		cc_text(d[0], cc, sizeof(cc));
		snprintf(b->last_error, sizeof(b->last_error),
		         "Get SEL Info: %s", d[0] == 0 ? "short response" : cc);
		sel_done(b, false);
		return;
	}
	entries = d[2] | d[3] << 8;
	sel_space(b, entries, d[4] | d[5] << 8, (d[14] & 0x80) != 0);
	if (!b->connected)
		return;
	b->erase_ts = (uint32_t)d[10] | (uint32_t)d[11] << 8 |
	              (uint32_t)d[12] << 16 | (uint32_t)d[13] << 24;
	b->sel_walked = 0;
	if (b->from_now) {
		b->from_now = false;
		b->pos.valid = false;
		b->pos.erase_ts = b->erase_ts;
		if (entries == 0) {
			sel_done(b, true);
			return;
		}
		b->sel_step = SEL_LAST;
		sel_get(b, 0xffff);
		return;
	}
	if (bmc_sel_pos_resume(&b->pos, b->erase_ts) == BMC_RESUME_FROM_FIRST) {
		/* Cleared (or nothing delivered yet): all of it is new. */
		b->pos.valid = false;
		b->pos.erase_ts = b->erase_ts;
		if (entries == 0) {
			sel_done(b, true);
			return;
		}
		b->sel_step = SEL_WALK;
		sel_get(b, 0x0000);
		return;
	}
	b->sel_step = SEL_CHECK;
	sel_get(b, b->pos.last_id);
}

static void sel_deliver(struct bmc *b, const uint8_t *rec, size_t len)
{
	const struct bmc_sdr_sensor *s;
	struct bmc_event ev;
	uint32_t ts;

	if (bmc_sel_decode(rec, &ev, NULL, 0) < 0) {
		b->bad_records++;
	} else if (len < 16) {
		ev.kind = BMC_BAD_RECORD;
		snprintf(ev.detail, sizeof(ev.detail),
		         "record 0x%04x: %zu-byte record, 16 expected",
		         ev.record_id, len);
		b->bad_records++;
	} else {
		b->sel_read++;
	}
	if (ev.kind == BMC_BAD_RECORD)
		ev.sev = BMC_WARNING;
	if (ev.kind == BMC_SEL_ENTRY && ev.record_type == 0x02 &&
	    (s = sdr_find(b, rec[7], ev.sensor_num)) != NULL) {
		snprintf(ev.sensor, sizeof(ev.sensor), "%s", s->name);
		ev.entity_id = s->entity_id;
		ev.entity_instance = s->entity_instance;
		/* A sensor on one memory device names the DIMM itself. */
		if (ev.cls == BMC_MEMORY && ev.dimm < 0 && s->entity_id == 0x20)
			ev.dimm = s->entity_instance >= 0x60
			              ? s->entity_instance - 0x60
			              : s->entity_instance;
		if (ev.reading_type == 0x01 && s->analog) {
			snprintf(ev.unit, sizeof(ev.unit), "%s",
			         bmc_sdr_unit(s->base_unit));
			ev.value = bmc_sdr_convert(s, ev.data[1]);
			ev.threshold = bmc_sdr_convert(s, ev.data[2]);
		}
	}
	ts = (uint32_t)rec[3] | (uint32_t)rec[4] << 8 | (uint32_t)rec[5] << 16 |
	     (uint32_t)rec[6] << 24;
	bmc_sel_pos_advance(&b->pos, b->erase_ts, ev.record_id, ts);
	ev.pos = b->pos;
	emit(b, &ev);
}

/* A response too short to hold a record: report it once, retry later. */
static void sel_unreadable(struct bmc *b, size_t n)
{
	struct bmc_event ev;

	snprintf(b->last_error, sizeof(b->last_error),
	         "record 0x%04x: Get SEL Entry returned %zu bytes", b->sel_at,
	         n);
	if (b->sel_bad_id != b->sel_at) {
		b->sel_bad_id = b->sel_at;
		b->bad_records++;
		memset(&ev, 0, sizeof(ev));
		ev.kind = BMC_BAD_RECORD;
		ev.cls = BMC_OTHER;
		ev.sev = BMC_WARNING;
		ev.dimm = -1;
		ev.record_id = b->sel_at;
		ev.pos = b->pos;
		snprintf(ev.detail, sizeof(ev.detail), "%s", b->last_error);
		emit(b, &ev);
	}
	sel_done(b, false);
}

static void sel_next(struct bmc *b, uint16_t next)
{
	if (!b->connected)
		return;
	if (next == 0xffff) {
		sel_done(b, true);
		return;
	}
	if (next == b->sel_at || ++b->sel_walked > 0x10000) {
		snprintf(b->last_error, sizeof(b->last_error),
		         "record 0x%04x: SEL chain does not end", b->sel_at);
		sel_done(b, false);
		return;
	}
	sel_get(b, next);
}

static void sel_entry_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	uint8_t rec[16];
	uint16_t next, id;
	uint32_t ts;

	if (n < 1 || cc_is_link(d[0])) {
		bmc_fail(b, "Get SEL Entry 0x%04x: timeout", b->sel_at);
		return;
	}
	if (d[0] == IPMI_NOT_PRESENT_CC && b->sel_step == SEL_CHECK) {
		/* The last record delivered is gone: filter by time. */
		b->sel_step = SEL_FILTER;
		sel_get(b, 0x0000);
		return;
	}
	if (d[0] != 0) {
		char cc[100];

		cc_text(d[0], cc, sizeof(cc));
		snprintf(b->last_error, sizeof(b->last_error),
		         "Get SEL Entry 0x%04x: %s", b->sel_at, cc);
		sel_done(b, false);
		return;
	}
	if (n < 3) {
		sel_unreadable(b, n);
		return;
	}
	next = (uint16_t)(d[1] | d[2] << 8);
	memset(rec, 0, sizeof(rec));
	memcpy(rec, d + 3, n - 3 < 16 ? n - 3 : 16);
	if (n - 3 < 16) {
		/* Keep the id asked for: the short record cannot tell. */
		rec[0] = b->sel_at & 0xff;
		rec[1] = b->sel_at >> 8;
		if (b->sel_at == 0 || b->sel_at == 0xffff)
			rec[0] = rec[1] = 0;
	}
	id = (uint16_t)(rec[0] | rec[1] << 8);
	ts = (uint32_t)rec[3] | (uint32_t)rec[4] << 8 | (uint32_t)rec[5] << 16 |
	     (uint32_t)rec[6] << 24;
	b->sel_bad_id = -1;
	switch (b->sel_step) {
	case SEL_LAST:
		bmc_sel_pos_advance(&b->pos, b->erase_ts, id, ts);
		sel_done(b, true);
		return;
	case SEL_CHECK:
		if (id != b->pos.last_id || ts != b->pos.last_ts) {
			b->sel_step = SEL_FILTER;
			sel_get(b, 0x0000);
			return;
		}
		b->sel_step = SEL_WALK;
		break;
	case SEL_WALK:
		sel_deliver(b, rec, n - 3);
		break;
	case SEL_FILTER:
		if (bmc_sel_pos_is_new(&b->pos, id, ts))
			sel_deliver(b, rec, n - 3);
		break;
	}
	sel_next(b, next);
}

/* ------------------------------------------------------------------ */
/* Threshold sensors                                                   */

static void sensor_next(struct bmc *b);

static void sensor_request(struct bmc *b)
{
	struct bmc_sensor *s = &b->sensors[b->sensor_at];
	uint8_t num = s->sdr.num;

	if (!s->have_thr)
		bmc_send(b, CMD_THRESHOLDS, IPMI_SENSOR_EVENT_NETFN,
		         IPMI_GET_SENSOR_THRESHOLD_CMD, &num, 1);
	else
		bmc_send(b, CMD_READING, IPMI_SENSOR_EVENT_NETFN,
		         IPMI_GET_SENSOR_READING_CMD, &num, 1);
}

static void sensor_poll(struct bmc *b)
{
	if (b->sensor_busy || !b->connected || !b->sdr_done)
		return;
	if (b->nsensors == 0)
		return;
	b->sensor_busy = true;
	b->sensor_at = 0;
	sensor_request(b);
}

static void sensor_timer_fired(void *arg)
{
	sensor_poll(arg);
}

static void sensor_next(struct bmc *b)
{
	if (!b->connected)
		return;
	if (++b->sensor_at < b->nsensors) {
		sensor_request(b);
		return;
	}
	b->sensor_busy = false;
	loop_timer_arm(b->sensor_timer, poll_ms(b->cfg.sensor_poll_ms) * MS);
}

static void thresholds_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	struct bmc_sensor *s = &b->sensors[b->sensor_at];

	if (n < 1 || cc_is_link(d[0])) {
		bmc_fail(b, "Get Sensor Thresholds %s: timeout", s->sdr.name);
		return;
	}
	/* Without an answer the SDR's nominal thresholds stand. */
	if (d[0] == 0 && n >= 8) {
		s->sdr.thr_mask = d[1] & 0x3f;
		memcpy(s->sdr.thr_raw, d + 2, THR_COUNT);
	}
	s->have_thr = true;
	sensor_request(b);
}

static uint8_t crossed(const struct bmc_sensor *s, double v, double *thr)
{
	uint8_t state = 0;
	unsigned i;

	for (i = 0; i < THR_COUNT; i++) {
		if (!(s->sdr.thr_mask & (1u << i)))
			continue;
		thr[i] = bmc_sdr_convert(&s->sdr, s->sdr.thr_raw[i]);
		if (i < THR_UNC ? v <= thr[i] : v >= thr[i])
			state |= (uint8_t)(1u << i);
	}
	return state;
}

static void threshold_event(struct bmc *b, const struct bmc_sensor *s,
                            unsigned i, bool deassert, double thr)
{
	struct bmc_event ev;
	const char *what;

	memset(&ev, 0, sizeof(ev));
	ev.kind = BMC_THRESHOLD;
	ev.cls = bmc_sdr_class(&s->sdr);
	ev.deassert = deassert;
	ev.dimm = -1;
	ev.pos = b->pos;
	ev.sensor_type = s->sdr.sensor_type;
	ev.sensor_num = s->sdr.num;
	ev.reading_type = 0x01;
	/* Lower thresholds are crossed going low, upper going high. */
	ev.offset = (uint8_t)(i * 2 + (i >= THR_UNC));
	what = bmc_threshold_name(ev.offset, &ev.sev);
	snprintf(ev.what, sizeof(ev.what), "%s", what ? what : "");
	if (deassert)
		ev.sev = BMC_INFO;
	snprintf(ev.sensor, sizeof(ev.sensor), "%s", s->sdr.name);
	ev.entity_id = s->sdr.entity_id;
	ev.entity_instance = s->sdr.entity_instance;
	ev.value = s->value;
	ev.threshold = thr;
	snprintf(ev.unit, sizeof(ev.unit), "%s",
	         bmc_sdr_unit(s->sdr.base_unit));
	emit(b, &ev);
}

static void reading_rsp(struct bmc *b, const uint8_t *d, size_t n)
{
	struct bmc_sensor *s = &b->sensors[b->sensor_at];
	double thr[THR_COUNT] = {0};
	uint8_t state, changed;
	unsigned i;

	if (n < 1 || cc_is_link(d[0])) {
		bmc_fail(b, "Get Sensor Reading %s: timeout", s->sdr.name);
		return;
	}
	/* No reading (or "unavailable"): keep the last state. */
	if (d[0] != 0 || n < 3 || (d[2] & 0x20)) {
		s->have_value = false;
		sensor_next(b);
		return;
	}
	s->have_value = true;
	s->value = bmc_sdr_convert(&s->sdr, d[1]);
	state = crossed(s, s->value, thr);
	changed = state ^ s->state;
	s->state = state;
	for (i = 0; i < THR_COUNT && b->connected; i++)
		if (changed & (1u << i))
			threshold_event(b, s, i, !(state & (1u << i)), thr[i]);
	sensor_next(b);
}

static void dispatch(struct bmc *b, enum bmc_cmd cmd, const uint8_t *d,
                     size_t n)
{
	switch (cmd) {
	case CMD_SEL_INFO:
		sel_info_rsp(b, d, n);
		break;
	case CMD_SEL_ENTRY:
		sel_entry_rsp(b, d, n);
		break;
	case CMD_SDR_RESERVE:
		sdr_reserve_rsp(b, d, n);
		break;
	case CMD_SDR_GET:
		sdr_get_rsp(b, d, n);
		break;
	case CMD_THRESHOLDS:
		thresholds_rsp(b, d, n);
		break;
	case CMD_READING:
		reading_rsp(b, d, n);
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Public                                                              */

static int bmc_timers(struct bmc *b)
{
	if (loop_timer_create(b->lp, &b->retry_timer, retry_fired, b) < 0 ||
	    loop_timer_create(b->lp, &b->sel_timer, sel_timer_fired, b) < 0 ||
	    loop_timer_create(b->lp, &b->sensor_timer, sensor_timer_fired, b) <
	        0 ||
	    loop_timer_create(b->lp, &b->reap_timer, reap_dead, b) < 0)
		return -1;
	return 0;
}

static void bmc_free(struct bmc *b)
{
	loop_timer_destroy(b->retry_timer);
	loop_timer_destroy(b->sel_timer);
	loop_timer_destroy(b->sensor_timer);
	loop_timer_destroy(b->reap_timer);
	explicit_bzero(&b->cred, sizeof(b->cred));
	free(b);
}

static int check_config(const struct bmc_config *cfg,
                        struct bmc_credentials *cred, char *err, size_t errlen)
{
	if (!cfg->lan)
		return 0;
	if (cfg->host[0] == '\0') {
		snprintf(err, errlen, "ipmi: lan needs a host");
		return -1;
	}
	if (cfg->credentials[0] == '\0') {
		snprintf(err, errlen, "ipmi: lan needs a credentials file");
		return -1;
	}
	if (cfg->given != NULL) {
		*cred = *cfg->given;
		return 0;
	}
	return bmc_credentials_load(cfg->credentials, cred, err, errlen);
}

int bmc_open(struct bmc **out, struct loop *lp, const struct bmc_config *cfg,
             const struct bmc_sel_pos *start, bmc_event_fn fn, void *arg,
             char *err, size_t errlen)
{
	struct bmc *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		snprintf(err, errlen, "ipmi: out of memory");
		return -1;
	}
	b->lp = lp;
	b->cfg = *cfg;
	b->fn = fn;
	b->arg = arg;
	b->sel_bad_id = -1;
	if (start != NULL)
		b->pos = *start;
	else
		b->from_now = true;
	if (check_config(cfg, &b->cred, err, errlen) < 0) {
		free(b);
		return -1;
	}
	if (bmc_timers(b) < 0) {
		snprintf(err, errlen, "ipmi: timers: %s", strerror(errno));
		bmc_free(b);
		return -1;
	}
	b->os = bmc_os_acquire(lp, err, errlen);
	if (b->os == NULL) {
		bmc_free(b);
		return -1;
	}
	/* Connect from the loop, so no callback runs inside bmc_open. */
	loop_timer_arm(b->retry_timer, 1);
	*out = b;
	return 0;
}

void bmc_close(struct bmc *b)
{
	unsigned waited = 0;

	if (b == NULL)
		return;
	b->connected = b->connecting = false;
	loop_timer_arm(b->retry_timer, 0);
	loop_timer_arm(b->sel_timer, 0);
	loop_timer_arm(b->sensor_timer, 0);
	if (b->con != NULL)
		close_con(b, b->con);
	b->con = NULL;
	reap_dead(b);
	/* Let OpenIPMI end the sessions and answer what is outstanding. */
	while ((b->closing > 0 || b->pending > 0) && waited < CLOSE_WAIT_MS) {
		loop_run_once(b->lp, 50);
		waited += 50;
	}
	bmc_free(b);
	bmc_os_release();
}

int bmc_status(struct bmc *b, struct bmc_status *out)
{
	unsigned i, j;

	memset(out, 0, sizeof(*out));
	out->connected = b->connected;
	out->retries = b->attempts;
	out->sel_entries = b->sel_entries;
	out->sel_free_bytes = b->sel_free;
	out->sel_full = b->sel_full;
	out->sel_almost_full = b->sel_almost_full;
	out->pos = b->pos;
	out->sel_read = b->sel_read;
	out->bad_records = b->bad_records;
	snprintf(out->last_error, sizeof(out->last_error), "%s",
	         b->last_error[0] ? b->last_error : bmc_os_last_log());
	out->nsensors = b->nsensors;
	for (i = 0; i < b->nsensors; i++) {
		const struct bmc_sensor *s = &b->sensors[i];
		struct bmc_sensor_status *o = &out->sensors[i];

		snprintf(o->name, sizeof(o->name), "%s", s->sdr.name);
		o->sensor_num = s->sdr.num;
		o->sensor_type = s->sdr.sensor_type;
		o->cls = bmc_sdr_class(&s->sdr);
		snprintf(o->unit, sizeof(o->unit), "%s",
		         bmc_sdr_unit(s->sdr.base_unit));
		o->have_value = s->have_value;
		o->value = s->value;
		o->state = s->state;
		for (j = 0; j < THR_COUNT; j++) {
			o->have[j] = (s->sdr.thr_mask >> j) & 1;
			o->thr[j] = bmc_sdr_convert(&s->sdr, s->sdr.thr_raw[j]);
		}
	}
	return 0;
}

/* bmc.h - the BMC watcher: reads a BMC's System Event Log and threshold
 * sensors through OpenIPMI on rasd's event loop and reports decoded events.
 *
 * The story
 *   bmc_open() connects to the local BMC (OpenIPMI's kernel interface,
 *   /dev/ipmi<smi_num>) or to a BMC over the LAN (RMCP+, credentials read
 *   from a file, never taken from the command line). Everything runs on
 *   the caller's struct loop: OpenIPMI is given an os_handler whose fds and
 *   timers are loop_add_fd and loop timers, so the watcher never blocks and
 *   never starts a thread. The IPMI commands themselves are sent through
 *   OpenIPMI's connection layer (ipmi_con_t): Get SEL Info / Get SEL Entry
 *   for the log, the SDR repository for sensor names, units, conversion
 *   factors and entities, Get Sensor Reading / Get Sensor Thresholds for
 *   the threshold sensors. Threshold sensors polled are those the BMC owns
 *   (owner 0x20, LUN 0) with a linear full SDR; the thresholds come from
 *   Get Sensor Thresholds (the SDR's when that fails). A crossing is a
 *   reading at or beyond a threshold; each threshold crossed or cleared is
 *   one event.
 *
 *   Each event goes to the callback as a struct bmc_event, in order:
 *     BMC_CONNECTED        the session is up (detail names the BMC)
 *     BMC_SEL_ENTRY        a new SEL record, decoded (class, severity,
 *                          what, DIMM); ev->pos is the position *after*
 *                          this record: store it, and a restart that
 *                          passes it to bmc_open neither repeats nor
 *                          skips a record
 *     BMC_BAD_RECORD       a SEL record that cannot be decoded; detail
 *                          says which record id and why; it still
 *                          advances ev->pos (it is not read again)
 *     BMC_THRESHOLD        a threshold sensor crossed a threshold
 *                          (deassert: it came back inside)
 *     BMC_SEL_ALMOST_FULL  / BMC_SEL_FULL: from Get SEL Info (free space
 *                          under 10 % / the BMC says an add failed or no
 *                          space is left), reported once per transition
 *     BMC_LOST             the BMC stopped answering or a command failed;
 *                          detail says what; the watcher retries with a
 *                          backoff from 1 s doubling to retry_max_ms and
 *                          reports BMC_CONNECTED again when it is back.
 *                          Sent for every failed attempt (attempt = 1
 *                          starts an outage; retry_in_ms says when next)
 *
 * The SEL position
 *   struct bmc_sel_pos remembers the SEL's most recent erase timestamp
 *   (Get SEL Info) and the record id and timestamp of the last record
 *   delivered. On each scan: if the erase timestamp changed the SEL was
 *   cleared and every record in it is new; otherwise reading resumes at
 *   the record after the last one delivered; if that record is gone
 *   (deleted on the BMC) every record whose timestamp is later than the
 *   last one delivered is new. The string form (bmc_sel_pos_format) is
 *   "sel1:ERASE:ID:TS" (hex) and is what the journal stores.
 *
 * Ownership and errors
 *   The struct bmc belongs to the caller from bmc_open to bmc_close; the
 *   callback is called from the loop only, never from inside bmc_open or
 *   bmc_close; it must not call bmc_close (stop the loop instead, or close
 *   later). The event passed to it lives until the callback returns.
 *   Functions return 0 or -1 with a message in err naming the place and
 *   the reason (FILE:LINE for the credentials file, the record id for a
 *   SEL record).
 *
 * Global state
 *   OpenIPMI keeps process-wide state (ipmi_init's os_handler). The first
 *   bmc_open initializes it on that loop; further watchers must use the
 *   same loop (bmc_open says so otherwise); the last bmc_close shuts it
 *   down. Single-threaded: call everything from the loop's thread.
 */
#ifndef RASD_IPMI_BMC_H
#define RASD_IPMI_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct loop;
struct bmc;

struct bmc_config {
	bool lan;         /* false: local, /dev/ipmi<smi_num> */
	unsigned smi_num; /* local interface number */
	char host[128];   /* lan: name or address of the BMC */
	char port[8];     /* lan: UDP port ("" = 623) */
	/*
	 * lan: a file "username = U\npassword = P\n" with an optional
	 * "privilege = admin|operator|user" (default admin); '#' comments.
	 */
	char credentials[256];
	/* lan: credentials already read (by a parent that could); NULL:
	 * read the file above */
	const struct bmc_credentials *given;
	uint64_t sel_poll_ms;    /* SEL rescan interval (0 = 10 s) */
	uint64_t sensor_poll_ms; /* threshold sensor interval (0 = 10 s) */
	uint64_t retry_max_ms;   /* backoff cap (0 = 60 s), from 1 s doubling */
};

/* See "The SEL position" above. */
struct bmc_sel_pos {
	bool valid;        /* false: nothing delivered yet */
	uint32_t erase_ts; /* the SEL's most recent erase timestamp */
	uint16_t last_id;  /* record id of the last record delivered */
	uint32_t last_ts;  /* its timestamp (0 if it had none) */
};

#define BMC_SEL_POS_STRLEN 40

/* "sel1:ERASE:ID:TS"; returns 0, -1 if buf is too small. */
int bmc_sel_pos_format(const struct bmc_sel_pos *pos, char *buf, size_t len);
int bmc_sel_pos_parse(const char *s, struct bmc_sel_pos *pos, char *err,
                      size_t errlen);

/* Where a scan starts, given the position and the SEL's erase time. */
enum bmc_sel_resume {
	BMC_RESUME_AFTER_LAST, /* read the record after pos->last_id */
	BMC_RESUME_FROM_FIRST, /* the SEL was cleared (or no position) */
};
enum bmc_sel_resume bmc_sel_pos_resume(const struct bmc_sel_pos *pos,
                                       uint32_t erase_ts);
/*
 * When the last delivered record is gone: is record (id, ts) found on a
 * walk from the first record one the position has not delivered yet?
 */
bool bmc_sel_pos_is_new(const struct bmc_sel_pos *pos, uint16_t id,
                        uint32_t ts);
/* Record (id, ts) was delivered. */
void bmc_sel_pos_advance(struct bmc_sel_pos *pos, uint32_t erase_ts,
                         uint16_t id, uint32_t ts);

enum bmc_event_kind {
	BMC_SEL_ENTRY,
	BMC_THRESHOLD,
	BMC_SEL_FULL,
	BMC_SEL_ALMOST_FULL,
	BMC_CONNECTED,
	BMC_LOST,
	BMC_BAD_RECORD,
};

enum bmc_class {
	BMC_MEMORY,
	BMC_PROCESSOR,
	BMC_POWER_SUPPLY,
	BMC_FAN,
	BMC_TEMPERATURE,
	BMC_VOLTAGE,
	BMC_POWER,
	BMC_FIRMWARE,
	BMC_CRITICAL_INTERRUPT,
	BMC_OTHER,
};

enum bmc_severity { BMC_INFO, BMC_WARNING, BMC_CRITICAL };

struct bmc_event {
	enum bmc_event_kind kind;
	enum bmc_class cls;
	enum bmc_severity sev;
	bool deassert; /* the condition went away */
	uint16_t record_id;
	uint32_t sel_time;      /* SEL timestamp (seconds since 1970), 0 none */
	struct bmc_sel_pos pos; /* SEL_ENTRY/BAD_RECORD: position after it */
	uint8_t record_type;    /* 0x02 system event; 0xc0-0xff OEM */
	uint16_t generator;     /* generator id (slave address/software id) */
	uint8_t evm_rev;
	uint8_t sensor_type, sensor_num, reading_type, offset;
	uint8_t data[3]; /* event data 1..3 */
	uint8_t raw[16];
	char sensor[64];                    /* the SDR's name, "" unknown */
	uint8_t entity_id, entity_instance; /* from the SDR, 0 unknown */
	/*
	 * memory: the module from event data 3 when data 1 says data 3
	 * holds it, else the sensor's entity instance when the entity is a
	 * memory device (0x20); -1 unknown
	 */
	int dimm;
	char what[96];    /* "Correctable ECC", "Power Supply AC lost" */
	double value;     /* BMC_THRESHOLD: reading, converted */
	double threshold; /* BMC_THRESHOLD: the threshold crossed */
	char unit[16];    /* "degrees C", "RPM", "Volts", "Watts" */
	char detail[160]; /* BAD_RECORD/LOST/CONNECTED: why, with record id */
	unsigned attempt; /* BMC_LOST: failed attempts in this outage */
	uint64_t retry_in_ms; /* BMC_LOST: when the next attempt starts */
};

typedef void (*bmc_event_fn)(void *arg, const struct bmc_event *ev);

/*
 * Connect and start watching. start: where the last run stopped (from
 * bmc_sel_pos_parse of what the journal stored); NULL: only records added
 * from now on. Returns -1 only for a bad configuration (credentials file,
 * host, a second loop); a BMC that does not answer is an event (BMC_LOST)
 * and is retried.
 */
int bmc_open(struct bmc **out, struct loop *lp, const struct bmc_config *cfg,
             const struct bmc_sel_pos *start, bmc_event_fn fn, void *arg,
             char *err, size_t errlen);
/*
 * Ends the session. It runs the loop (at most 2 s) so OpenIPMI can close
 * the session and answer what is outstanding: call it outside the loop's
 * callbacks (after loop_run returns, or from a deferred timer).
 */
void bmc_close(struct bmc *b);

#define BMC_STATUS_SENSORS 32

struct bmc_sensor_status {
	char name[64];
	uint8_t sensor_num, sensor_type;
	enum bmc_class cls;
	char unit[16];
	bool have_value;
	double value;
	/* lower non-critical, critical, non-recoverable; upper likewise */
	bool have[6];
	double thr[6];
	uint8_t state; /* bit per threshold currently crossed, as above */
};

struct bmc_status {
	bool connected;
	unsigned retries;        /* consecutive failed attempts */
	unsigned sel_entries;    /* from the last Get SEL Info */
	unsigned sel_free_bytes; /* ditto */
	bool sel_full, sel_almost_full;
	struct bmc_sel_pos pos;
	uint64_t sel_read; /* records delivered since bmc_open */
	uint64_t bad_records;
	char last_error[160];
	unsigned nsensors; /* <= BMC_STATUS_SENSORS */
	struct bmc_sensor_status sensors[BMC_STATUS_SENSORS];
};

/* For rasctl: a snapshot. Returns 0. */
int bmc_status(struct bmc *b, struct bmc_status *out);

/*
 * Pure, for tests and fuzzing: decode one 16-byte SEL record into out
 * (kind BMC_SEL_ENTRY; sensor, entity, pos, sel_time left for the caller
 * except sel_time from the record). Returns 0, or -1 with "record 0xID:
 * reason" in err and out->kind BMC_BAD_RECORD with the same text in
 * out->detail. OEM records (type >= 0xc0) decode as BMC_OTHER, info.
 */
int bmc_sel_decode(const uint8_t raw[16], struct bmc_event *out, char *err,
                   size_t errlen);

/* IPMI 2.0 limits: user name 16, password 20 bytes. */
enum bmc_privilege {
	BMC_PRIV_USER = 2,
	BMC_PRIV_OPERATOR = 3,
	BMC_PRIV_ADMIN = 4
};

struct bmc_credentials {
	char username[17];
	char password[21];
	enum bmc_privilege privilege;
};

/* Parse the credentials text; name is the file name used in messages. */
int bmc_credentials_parse(const char *text, size_t len, const char *name,
                          struct bmc_credentials *out, char *err,
                          size_t errlen);
/* Read and parse a file; refuses one that others can read. */
int bmc_credentials_load(const char *path, struct bmc_credentials *out,
                         char *err, size_t errlen);

/* Names for JSON, syslog and rasctl: "sel_entry", "memory", "critical". */
const char *bmc_kind_name(enum bmc_event_kind kind);
const char *bmc_class_name(enum bmc_class cls);
const char *bmc_severity_name(enum bmc_severity sev);

#endif

/* sel.c - the pure half of the BMC watcher: SEL record decoding (IPMI 2.0
 * section 32 and tables 42-1..42-3), the SEL position, enum names. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc.h"
#include "bmc_int.h"

/* Event/reading type codes (IPMI 2.0 table 42-1). */
#define EVT_THRESHOLD       0x01
#define EVT_GENERIC_LAST    0x0c
#define EVT_SENSOR_SPECIFIC 0x6f
#define EVT_OEM_FIRST       0x70

/* Sensor types (table 42-3). */
#define ST_TEMPERATURE   0x01
#define ST_VOLTAGE       0x02
#define ST_CURRENT       0x03
#define ST_FAN           0x04
#define ST_PROCESSOR     0x07
#define ST_POWER_SUPPLY  0x08
#define ST_POWER_UNIT    0x09
#define ST_MEMORY        0x0c
#define ST_FW_PROGRESS   0x0f
#define ST_EVENT_LOGGING 0x10
#define ST_CRIT_INTR     0x13

struct offset_name {
	const char *what;
	enum bmc_severity sev;
};

static const struct offset_name threshold_offsets[] = {
    {"Lower Non-critical going low", BMC_WARNING},
    {"Lower Non-critical going high", BMC_WARNING},
    {"Lower Critical going low", BMC_CRITICAL},
    {"Lower Critical going high", BMC_CRITICAL},
    {"Lower Non-recoverable going low", BMC_CRITICAL},
    {"Lower Non-recoverable going high", BMC_CRITICAL},
    {"Upper Non-critical going low", BMC_WARNING},
    {"Upper Non-critical going high", BMC_WARNING},
    {"Upper Critical going low", BMC_CRITICAL},
    {"Upper Critical going high", BMC_CRITICAL},
    {"Upper Non-recoverable going low", BMC_CRITICAL},
    {"Upper Non-recoverable going high", BMC_CRITICAL},
};

static const struct offset_name memory_offsets[] = {
    {"Correctable ECC", BMC_WARNING},
    {"Uncorrectable ECC", BMC_CRITICAL},
    {"Parity", BMC_CRITICAL},
    {"Memory Scrub Failed", BMC_CRITICAL},
    {"Memory Device Disabled", BMC_CRITICAL},
    {"Correctable ECC logging limit reached", BMC_WARNING},
    {"Presence detected", BMC_INFO},
    {"Configuration error", BMC_WARNING},
    {"Spare", BMC_INFO},
    {"Memory Automatically Throttled", BMC_WARNING},
    {"Critical Overtemperature", BMC_CRITICAL},
};

static const struct offset_name processor_offsets[] = {
    {"IERR", BMC_CRITICAL},
    {"Thermal Trip", BMC_CRITICAL},
    {"FRB1/BIST failure", BMC_CRITICAL},
    {"FRB2/Hang in POST failure", BMC_CRITICAL},
    {"FRB3/Processor startup failure", BMC_CRITICAL},
    {"Configuration error", BMC_WARNING},
    {"Uncorrectable CPU-complex error", BMC_CRITICAL},
    {"Presence detected", BMC_INFO},
    {"Processor disabled", BMC_CRITICAL},
    {"Terminator presence detected", BMC_INFO},
    {"Processor automatically throttled", BMC_WARNING},
    {"Machine Check Exception", BMC_CRITICAL},
    {"Correctable Machine Check Error", BMC_WARNING},
};

static const struct offset_name psu_offsets[] = {
    {"Presence detected", BMC_INFO},
    {"Power Supply Failure detected", BMC_CRITICAL},
    {"Predictive Failure", BMC_WARNING},
    {"Power Supply AC lost", BMC_CRITICAL},
    {"Power Supply input lost or out-of-range", BMC_CRITICAL},
    {"Power Supply input out-of-range, but present", BMC_WARNING},
    {"Configuration error", BMC_WARNING},
};

static const struct offset_name power_unit_offsets[] = {
    {"Power Off / Power Down", BMC_INFO},
    {"Power Cycle", BMC_INFO},
    {"240VA Power Down", BMC_WARNING},
    {"Interlock Power Down", BMC_WARNING},
    {"AC lost", BMC_CRITICAL},
    {"Soft Power Control Failure", BMC_CRITICAL},
    {"Power Unit Failure detected", BMC_CRITICAL},
    {"Predictive Failure", BMC_WARNING},
};

static const struct offset_name fw_progress_offsets[] = {
    {"System Firmware Error (POST error)", BMC_WARNING},
    {"System Firmware Hang", BMC_CRITICAL},
    {"System Firmware Progress", BMC_INFO},
};

static const struct offset_name event_logging_offsets[] = {
    {"Correctable Memory Error Logging Disabled", BMC_WARNING},
    {"Event Type Logging Disabled", BMC_WARNING},
    {"Log Area Reset/Cleared", BMC_INFO},
    {"All Event Logging Disabled", BMC_WARNING},
    {"SEL Full", BMC_CRITICAL},
    {"SEL Almost Full", BMC_WARNING},
    {"Correctable Machine Check Error Logging Disabled", BMC_WARNING},
};

static const struct offset_name crit_intr_offsets[] = {
    {"Front Panel NMI / Diagnostic Interrupt", BMC_WARNING},
    {"Bus Timeout", BMC_CRITICAL},
    {"I/O channel check NMI", BMC_CRITICAL},
    {"Software NMI", BMC_WARNING},
    {"PCI PERR", BMC_CRITICAL},
    {"PCI SERR", BMC_CRITICAL},
    {"EISA Fail Safe Timeout", BMC_CRITICAL},
    {"Bus Correctable Error", BMC_WARNING},
    {"Bus Uncorrectable Error", BMC_CRITICAL},
    {"Fatal NMI", BMC_CRITICAL},
    {"Bus Fatal Error", BMC_CRITICAL},
    {"Bus Degraded", BMC_WARNING},
};

/* Generic discrete types 0x02..0x0c (table 42-2): how many offsets. */
static const uint8_t generic_offsets[EVT_GENERIC_LAST + 1] = {
    [0x02] = 3, [0x03] = 2, [0x04] = 2, [0x05] = 2, [0x06] = 2, [0x07] = 9,
    [0x08] = 2, [0x09] = 2, [0x0a] = 9, [0x0b] = 8, [0x0c] = 4,
};

static const struct offset_name severity_offsets[] = {
    {"transition to OK", BMC_INFO},
    {"transition to Non-Critical from OK", BMC_WARNING},
    {"transition to Critical from less severe", BMC_CRITICAL},
    {"transition to Non-recoverable from less severe", BMC_CRITICAL},
    {"transition to Non-Critical from more severe", BMC_WARNING},
    {"transition to Critical from Non-recoverable", BMC_CRITICAL},
    {"transition to Non-recoverable", BMC_CRITICAL},
    {"Monitor", BMC_INFO},
    {"Informational", BMC_INFO},
};

static const struct offset_name redundancy_offsets[] = {
    {"Fully Redundant", BMC_INFO},
    {"Redundancy Lost", BMC_CRITICAL},
    {"Redundancy Degraded", BMC_WARNING},
    {"Non-redundant: Sufficient Resources from Redundant", BMC_WARNING},
    {"Non-redundant: Sufficient Resources from Insufficient", BMC_WARNING},
    {"Non-redundant: Insufficient Resources", BMC_CRITICAL},
    {"Redundancy Degraded from Fully Redundant", BMC_WARNING},
    {"Redundancy Degraded from Non-redundant", BMC_WARNING},
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

struct offset_table {
	uint8_t sensor_type;
	enum bmc_class cls;
	const struct offset_name *names;
	size_t n;
};

static const struct offset_table specific_tables[] = {
    {ST_MEMORY, BMC_MEMORY, memory_offsets, NELEM(memory_offsets)},
    {ST_PROCESSOR, BMC_PROCESSOR, processor_offsets, NELEM(processor_offsets)},
    {ST_POWER_SUPPLY, BMC_POWER_SUPPLY, psu_offsets, NELEM(psu_offsets)},
    {ST_POWER_UNIT, BMC_POWER, power_unit_offsets, NELEM(power_unit_offsets)},
    {ST_FW_PROGRESS, BMC_FIRMWARE, fw_progress_offsets,
     NELEM(fw_progress_offsets)},
    {ST_EVENT_LOGGING, BMC_OTHER, event_logging_offsets,
     NELEM(event_logging_offsets)},
    {ST_CRIT_INTR, BMC_CRITICAL_INTERRUPT, crit_intr_offsets,
     NELEM(crit_intr_offsets)},
};

static enum bmc_class class_of_sensor_type(uint8_t type)
{
	size_t i;

	switch (type) {
	case ST_TEMPERATURE:
		return BMC_TEMPERATURE;
	case ST_VOLTAGE:
		return BMC_VOLTAGE;
	case ST_CURRENT:
		return BMC_POWER;
	case ST_FAN:
		return BMC_FAN;
	}
	for (i = 0; i < NELEM(specific_tables); i++)
		if (specific_tables[i].sensor_type == type)
			return specific_tables[i].cls;
	return BMC_OTHER;
}

static int bad(struct bmc_event *ev, char *err, size_t errlen, const char *fmt,
               unsigned v)
{
	char why[96];

	snprintf(why, sizeof(why), fmt, v);
	ev->kind = BMC_BAD_RECORD;
	snprintf(ev->detail, sizeof(ev->detail), "record 0x%04x: %s",
	         ev->record_id, why);
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", ev->detail);
	return -1;
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void set_what(struct bmc_event *ev, const struct offset_name *n)
{
	snprintf(ev->what, sizeof(ev->what), "%s", n->what);
	ev->sev = ev->deassert ? BMC_INFO : n->sev;
}

static int decode_threshold(struct bmc_event *ev, char *err, size_t errlen)
{
	if (ev->offset >= NELEM(threshold_offsets))
		return bad(ev, err, errlen, "threshold offset 0x%x reserved",
		           ev->offset);
	set_what(ev, &threshold_offsets[ev->offset]);
	/* Data 2/3 hold the trigger reading and threshold (raw) if flagged. */
	if ((ev->data[0] >> 6) == 1)
		ev->value = ev->data[1];
	if (((ev->data[0] >> 4) & 3) == 1)
		ev->threshold = ev->data[2];
	return 0;
}

static int decode_generic(struct bmc_event *ev, char *err, size_t errlen)
{
	uint8_t n = generic_offsets[ev->reading_type];

	if (ev->offset >= n)
		return bad(ev, err, errlen, "offset 0x%x beyond its type",
		           ev->offset);
	if (ev->reading_type == 0x07) {
		set_what(ev, &severity_offsets[ev->offset]);
	} else if (ev->reading_type == 0x0b) {
		set_what(ev, &redundancy_offsets[ev->offset]);
	} else if (ev->reading_type == 0x08) {
		snprintf(ev->what, sizeof(ev->what), "%s",
		         ev->offset ? "Device Present" : "Device Absent");
		ev->sev = ev->offset || ev->deassert ? BMC_INFO : BMC_WARNING;
	} else {
		snprintf(ev->what, sizeof(ev->what),
		         "generic type 0x%02x state %u", ev->reading_type,
		         ev->offset);
		ev->sev = BMC_INFO;
	}
	return 0;
}

static int decode_specific(struct bmc_event *ev, char *err, size_t errlen)
{
	const struct offset_table *t = NULL;
	size_t i;

	for (i = 0; i < NELEM(specific_tables); i++)
		if (specific_tables[i].sensor_type == ev->sensor_type)
			t = &specific_tables[i];
	if (t == NULL) {
		/* Other sensor types' offsets are legal, just not ours. */
		snprintf(ev->what, sizeof(ev->what),
		         "sensor type 0x%02x offset %u", ev->sensor_type,
		         ev->offset);
		ev->sev = BMC_INFO;
		return 0;
	}
	if (ev->offset >= t->n)
		return bad(ev, err, errlen,
		           "sensor-specific offset 0x%x undefined for its "
		           "sensor type",
		           ev->offset);
	set_what(ev, &t->names[ev->offset]);
	/* Data 3 = 0b10 in data 1 bits 5:4: it names the module. */
	if (ev->sensor_type == ST_MEMORY && ((ev->data[0] >> 4) & 3) == 2 &&
	    ev->data[2] != 0xff)
		ev->dimm = ev->data[2];
	return 0;
}

static int decode_system_event(struct bmc_event *ev, char *err, size_t errlen)
{
	const uint8_t *r = ev->raw;

	ev->generator = (uint16_t)(r[7] | r[8] << 8);
	ev->evm_rev = r[9];
	ev->sensor_type = r[10];
	ev->sensor_num = r[11];
	ev->deassert = (r[12] & 0x80) != 0;
	ev->reading_type = r[12] & 0x7f;
	memcpy(ev->data, r + 13, 3);
	ev->offset = r[13] & 0x0f;
	ev->cls = class_of_sensor_type(ev->sensor_type);
	if (ev->evm_rev != 0x03 && ev->evm_rev != 0x04)
		return bad(ev, err, errlen, "event message revision 0x%02x",
		           ev->evm_rev);
	if (ev->sensor_type == 0x00)
		return bad(ev, err, errlen, "sensor type 0x%02x reserved",
		           ev->sensor_type);
	if (ev->reading_type == EVT_THRESHOLD)
		return decode_threshold(ev, err, errlen);
	if (ev->reading_type >= 0x02 && ev->reading_type <= EVT_GENERIC_LAST)
		return decode_generic(ev, err, errlen);
	if (ev->reading_type == EVT_SENSOR_SPECIFIC)
		return decode_specific(ev, err, errlen);
	if (ev->reading_type >= EVT_OEM_FIRST) {
		snprintf(ev->what, sizeof(ev->what),
		         "OEM event type 0x%02x offset %u", ev->reading_type,
		         ev->offset);
		ev->sev = BMC_INFO;
		return 0;
	}
	return bad(ev, err, errlen, "event/reading type 0x%02x reserved",
	           ev->reading_type);
}

int bmc_sel_decode(const uint8_t raw[16], struct bmc_event *out, char *err,
                   size_t errlen)
{
	memset(out, 0, sizeof(*out));
	out->kind = BMC_SEL_ENTRY;
	out->cls = BMC_OTHER;
	out->dimm = -1;
	memcpy(out->raw, raw, 16);
	out->record_id = (uint16_t)(raw[0] | raw[1] << 8);
	out->record_type = raw[2];
	if (out->record_id == 0x0000 || out->record_id == 0xffff)
		return bad(out, err, errlen, "record id 0x%04x reserved",
		           out->record_id);
	if (out->record_type < 0xe0)
		out->sel_time = le32(raw + 3);
	if (out->record_type == 0x02)
		return decode_system_event(out, err, errlen);
	if (out->record_type >= 0xc0) {
		snprintf(out->what, sizeof(out->what), "OEM record type 0x%02x",
		         out->record_type);
		out->sev = BMC_INFO;
		return 0;
	}
	return bad(out, err, errlen, "record type 0x%02x reserved",
	           out->record_type);
}

const char *bmc_threshold_name(unsigned offset, enum bmc_severity *sev)
{
	if (offset >= NELEM(threshold_offsets))
		return NULL;
	*sev = threshold_offsets[offset].sev;
	return threshold_offsets[offset].what;
}

int bmc_sel_pos_format(const struct bmc_sel_pos *pos, char *buf, size_t len)
{
	int n;

	if (pos->valid)
		n = snprintf(buf, len, "sel1:%08" PRIx32 ":%04x:%08" PRIx32,
		             pos->erase_ts, pos->last_id, pos->last_ts);
	else
		n = snprintf(buf, len, "sel1:%08" PRIx32 ":-:-", pos->erase_ts);
	return n < 0 || (size_t)n >= len ? -1 : 0;
}

/* One hex field of at most `max` digits ending at `end`; returns the end. */
static const char *hex_field(const char *s, char end, unsigned max,
                             uint32_t *out)
{
	uint32_t v = 0;
	unsigned n = 0;

	for (; *s != end; s++, n++) {
		int d;

		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			return NULL;
		if (n == max)
			return NULL;
		v = v << 4 | (uint32_t)d;
	}
	if (n == 0)
		return NULL;
	*out = v;
	return s;
}

int bmc_sel_pos_parse(const char *s, struct bmc_sel_pos *pos, char *err,
                      size_t errlen)
{
	struct bmc_sel_pos p = {0};
	uint32_t id, ts;
	const char *q;

	if (strncmp(s, "sel1:", 5) != 0) {
		snprintf(err, errlen, "SEL position '%.40s': not sel1:", s);
		return -1;
	}
	q = hex_field(s + 5, ':', 8, &p.erase_ts);
	if (q == NULL) {
		snprintf(err, errlen, "SEL position '%.40s': erase time", s);
		return -1;
	}
	if (strcmp(q, ":-:-") == 0) {
		*pos = p;
		return 0;
	}
	q = hex_field(q + 1, ':', 4, &id);
	if (q == NULL) {
		snprintf(err, errlen, "SEL position '%.40s': record id", s);
		return -1;
	}
	if (hex_field(q + 1, '\0', 8, &ts) == NULL) {
		snprintf(err, errlen, "SEL position '%.40s': timestamp", s);
		return -1;
	}
	p.valid = true;
	p.last_id = (uint16_t)id;
	p.last_ts = ts;
	*pos = p;
	return 0;
}

enum bmc_sel_resume bmc_sel_pos_resume(const struct bmc_sel_pos *pos,
                                       uint32_t erase_ts)
{
	if (pos->erase_ts != erase_ts || !pos->valid)
		return BMC_RESUME_FROM_FIRST;
	return BMC_RESUME_AFTER_LAST;
}

bool bmc_sel_pos_is_new(const struct bmc_sel_pos *pos, uint16_t id, uint32_t ts)
{
	if (!pos->valid)
		return true;
	if (ts != pos->last_ts)
		return ts > pos->last_ts;
	/* Same second: ids grow as records are added. */
	return id > pos->last_id;
}

void bmc_sel_pos_advance(struct bmc_sel_pos *pos, uint32_t erase_ts,
                         uint16_t id, uint32_t ts)
{
	pos->valid = true;
	pos->erase_ts = erase_ts;
	pos->last_id = id;
	pos->last_ts = ts;
}

const char *bmc_kind_name(enum bmc_event_kind kind)
{
	static const char *const names[] = {
	    [BMC_SEL_ENTRY] = "sel_entry",
	    [BMC_THRESHOLD] = "threshold",
	    [BMC_SEL_FULL] = "sel_full",
	    [BMC_SEL_ALMOST_FULL] = "sel_almost_full",
	    [BMC_CONNECTED] = "connected",
	    [BMC_LOST] = "lost",
	    [BMC_BAD_RECORD] = "bad_record",
	};

	if ((unsigned)kind >= NELEM(names))
		return "unknown";
	return names[kind];
}

const char *bmc_class_name(enum bmc_class cls)
{
	static const char *const names[] = {
	    [BMC_MEMORY] = "memory",
	    [BMC_PROCESSOR] = "processor",
	    [BMC_POWER_SUPPLY] = "power_supply",
	    [BMC_FAN] = "fan",
	    [BMC_TEMPERATURE] = "temperature",
	    [BMC_VOLTAGE] = "voltage",
	    [BMC_POWER] = "power",
	    [BMC_FIRMWARE] = "firmware",
	    [BMC_CRITICAL_INTERRUPT] = "critical_interrupt",
	    [BMC_OTHER] = "other",
	};

	if ((unsigned)cls >= NELEM(names))
		return "unknown";
	return names[cls];
}

const char *bmc_severity_name(enum bmc_severity sev)
{
	static const char *const names[] = {
	    [BMC_INFO] = "info",
	    [BMC_WARNING] = "warning",
	    [BMC_CRITICAL] = "critical",
	};

	if ((unsigned)sev >= NELEM(names))
		return "unknown";
	return names[sev];
}

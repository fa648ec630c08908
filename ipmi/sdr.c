/* sdr.c - Sensor Data Records (IPMI 2.0 section 43): the fields the BMC
 * watcher needs from full, compact and event-only sensor records. */
#include <stdio.h>
#include <string.h>

#include "bmc_int.h"

#define SDR_FULL       0x01
#define SDR_COMPACT    0x02
#define SDR_EVENT_ONLY 0x03
#define SDR_HEADER     5

static int sdr_bad(const uint8_t *rec, char *err, size_t errlen,
                   const char *why)
{
	snprintf(err, errlen, "SDR record 0x%04x: %s", rec[0] | rec[1] << 8,
	         why);
	return -1;
}

static int sign_extend(unsigned v, unsigned bits)
{
	unsigned m = 1u << (bits - 1);

	return (int)((v ^ m) - m);
}

/* The ID string at rec[at] (type/length byte, then bytes). */
static void sdr_name(const uint8_t *rec, size_t len, size_t at,
                     struct bmc_sdr_sensor *s)
{
	size_t n, i;

	snprintf(s->name, sizeof(s->name), "sensor 0x%02x", s->num);
	if (at >= len || (rec[at] >> 6) != 3)
		return; /* 8-bit ASCII only; others keep the number */
	n = rec[at] & 0x1f;
	if (n == 0 || at + 1 + n > len)
		return;
	for (i = 0; i < n && i + 1 < sizeof(s->name); i++) {
		uint8_t c = rec[at + 1 + i];

		s->name[i] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
	}
	s->name[i] = '\0';
}

static void sdr_full(const uint8_t *r, struct bmc_sdr_sensor *s)
{
	s->data_format = r[20] >> 6;
	s->base_unit = r[21];
	s->analog = s->reading_type == 0x01 && s->data_format != 3 &&
	            (r[23] & 0x7f) == 0;
	s->m = (int16_t)sign_extend((unsigned)r[24] | (r[25] >> 6) << 8, 10);
	s->b = (int16_t)sign_extend((unsigned)r[26] | (r[27] >> 6) << 8, 10);
	s->r_exp = (int8_t)sign_extend(r[29] >> 4, 4);
	s->b_exp = (int8_t)sign_extend(r[29] & 0x0f, 4);
	s->thr_mask = r[18] & 0x3f;
	/* The SDR lists them from UNR down to LNC. */
	s->thr_raw[THR_UNR] = r[36];
	s->thr_raw[THR_UC] = r[37];
	s->thr_raw[THR_UNC] = r[38];
	s->thr_raw[THR_LNR] = r[39];
	s->thr_raw[THR_LC] = r[40];
	s->thr_raw[THR_LNC] = r[41];
}

int bmc_sdr_parse(const uint8_t *rec, size_t len, struct bmc_sdr_sensor *out,
                  char *err, size_t errlen)
{
	struct bmc_sdr_sensor s;
	static const size_t min_len[] = {0, 48, 32, 17};
	static const size_t name_at[] = {0, 47, 31, 16};
	uint8_t type;

	if (len < SDR_HEADER) {
		snprintf(err, errlen, "SDR record: %zu bytes, under a header",
		         len);
		return -1;
	}
	type = rec[3];
	if ((size_t)rec[4] + SDR_HEADER != len)
		return sdr_bad(rec, err, errlen, "length byte disagrees");
	if (type < SDR_FULL || type > SDR_EVENT_ONLY)
		return 1;
	if (len < min_len[type])
		return sdr_bad(rec, err, errlen, "too short for its type");
	memset(&s, 0, sizeof(s));
	s.owner = rec[5];
	s.lun = rec[6] & 3;
	s.num = rec[7];
	s.entity_id = rec[8];
	s.entity_instance = rec[9];
	if (type == SDR_EVENT_ONLY) {
		s.sensor_type = rec[10];
		s.reading_type = rec[11];
	} else {
		s.sensor_type = rec[12];
		s.reading_type = rec[13];
		s.base_unit = rec[21];
	}
	if (type == SDR_FULL)
		sdr_full(rec, &s);
	sdr_name(rec, len, name_at[type], &s);
	*out = s;
	return 0;
}

/* 10^e for the 4-bit exponents SDRs carry (no libm). */
static double pow10u(int e)
{
	double v = 1;

	for (; e > 0; e--)
		v *= 10;
	return v;
}

/* Scale by 10^e dividing for negative e: 1320 * 10^-2 prints as 13.2. */
static double scale10(double v, int e)
{
	return e >= 0 ? v * pow10u(e) : v / pow10u(-e);
}

double bmc_sdr_convert(const struct bmc_sdr_sensor *s, uint8_t raw)
{
	double x;

	if (s->data_format == 1)
		x = (raw & 0x80) ? -(double)(uint8_t)~raw : raw;
	else if (s->data_format == 2)
		x = (int8_t)raw;
	else
		x = raw;
	return scale10((double)s->m * x + scale10(s->b, s->b_exp), s->r_exp);
}

const char *bmc_sdr_unit(uint8_t base_unit)
{
	switch (base_unit) {
	case 1:
		return "degrees C";
	case 2:
		return "degrees F";
	case 3:
		return "degrees K";
	case 4:
		return "Volts";
	case 5:
		return "Amps";
	case 6:
		return "Watts";
	case 18:
		return "RPM";
	}
	return "";
}

enum bmc_class bmc_sdr_class(const struct bmc_sdr_sensor *s)
{
	switch (s->base_unit) {
	case 1:
	case 2:
	case 3:
		return BMC_TEMPERATURE;
	case 4:
		return BMC_VOLTAGE;
	case 5:
	case 6:
		return BMC_POWER;
	case 18:
		return BMC_FAN;
	}
	return BMC_OTHER;
}

/* bmc_int.h - internal to ipmi/: the SDR sensor table entry, its parser and
 * reading conversion, and the decoder's names the watcher reuses. */
#ifndef RASD_IPMI_BMC_INT_H
#define RASD_IPMI_BMC_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc.h"

/* Threshold bits, as Get Sensor Thresholds orders them. */
enum { THR_LNC, THR_LC, THR_LNR, THR_UNC, THR_UC, THR_UNR, THR_COUNT };

/* One sensor from the SDR repository (full, compact or event-only). */
struct bmc_sdr_sensor {
	uint8_t owner, lun, num;
	uint8_t entity_id, entity_instance;
	uint8_t sensor_type, reading_type;
	bool analog;         /* full record, threshold type, has a reading */
	uint8_t data_format; /* units 1 bits 7:6: 0 unsigned, 1/2 signed */
	uint8_t base_unit;
	int16_t m, b;        /* 10-bit signed */
	int8_t b_exp, r_exp; /* 4-bit signed */
	uint8_t thr_mask;    /* readable thresholds, THR_* bits */
	uint8_t thr_raw[THR_COUNT];
	char name[64];
};

/*
 * Parse one SDR record (header included). Returns 0 for a sensor record,
 * 1 for another record type (skipped), -1 malformed with err "SDR record
 * 0xID: reason".
 */
int bmc_sdr_parse(const uint8_t *rec, size_t len, struct bmc_sdr_sensor *out,
                  char *err, size_t errlen);
/* A raw reading or threshold in the sensor's unit (linear sensors). */
double bmc_sdr_convert(const struct bmc_sdr_sensor *s, uint8_t raw);
/* "degrees C", "Volts", "RPM", "Watts"...; "" unknown. */
const char *bmc_sdr_unit(uint8_t base_unit);
/* The class a threshold sensor reports under (Watts -> BMC_POWER). */
enum bmc_class bmc_sdr_class(const struct bmc_sdr_sensor *s);
/* Threshold event offset 0..11: its name and severity (asserted). */
const char *bmc_threshold_name(unsigned offset, enum bmc_severity *sev);

#endif

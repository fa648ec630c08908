/* oidtab.h - a sorted table of (OID, typed value): what the agent serves
 * under one view, answered GET/GETNEXT by binary search. No net-snmp. */
#ifndef RASD_SNMP_OIDTAB_H
#define RASD_SNMP_OIDTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OIDTAB_MAX_LEN 32 /* sub-identifiers per OID */
#define OIDTAB_STR_MAX 256

/* SMIv2 base types, as the agent glue maps them to ASN.1 tags. */
enum oid_type {
	OID_T_INTEGER,  /* Integer32, enumerations, TruthValue */
	OID_T_UNSIGNED, /* Unsigned32 */
	OID_T_GAUGE,    /* Gauge32 */
	OID_T_COUNTER32,
	OID_T_COUNTER64,
	OID_T_TIMETICKS,
	OID_T_OCTETS, /* OCTET STRING: DisplayString, BITS, DateAndTime */
	OID_T_OID,    /* OBJECT IDENTIFIER */
};

struct oid_name {
	uint32_t arc[OIDTAB_MAX_LEN];
	size_t len;
};

struct oid_value {
	struct oid_name name;
	enum oid_type type;
	int64_t i;  /* INTEGER, UNSIGNED, GAUGE, COUNTER*, TIMETICKS */
	uint64_t u; /* COUNTER64 */
	uint8_t s[OIDTAB_STR_MAX]; /* OCTETS bytes */
	size_t s_len;
	struct oid_name oid; /* OID_T_OID value */
};

struct oidtab {
	struct oid_value *v;
	size_t n, cap;
	bool sorted;
};

void oidtab_init(struct oidtab *t);
void oidtab_free(struct oidtab *t);
void oidtab_clear(struct oidtab *t);

/* a < b: -1, equal 0, a > b 1 (lexicographic, shorter prefix first). */
int oid_compare(const struct oid_name *a, const struct oid_name *b);
/* base (n arcs) followed by up to two more arcs (col, index); -1 skips. */
void oid_make(struct oid_name *out, const uint32_t *base, size_t n, int64_t col,
              int64_t index);
/* "1.3.6.1..." for logs and tests; returns buf. */
char *oid_format(const struct oid_name *o, char *buf, size_t len);

/* Adders: each returns 0 or -1 (out of memory); strings are truncated
 * to OIDTAB_STR_MAX. The table is re-sorted lazily on lookup. */
int oidtab_int(struct oidtab *t, const struct oid_name *n, int64_t v);
int oidtab_unsigned(struct oidtab *t, const struct oid_name *n, uint32_t v);
int oidtab_gauge(struct oidtab *t, const struct oid_name *n, uint32_t v);
int oidtab_counter32(struct oidtab *t, const struct oid_name *n, uint32_t v);
int oidtab_counter64(struct oidtab *t, const struct oid_name *n, uint64_t v);
int oidtab_timeticks(struct oidtab *t, const struct oid_name *n, uint32_t v);
int oidtab_string(struct oidtab *t, const struct oid_name *n, const char *s);
int oidtab_octets(struct oidtab *t, const struct oid_name *n, const uint8_t *b,
                  size_t len);
int oidtab_oid(struct oidtab *t, const struct oid_name *n,
               const struct oid_name *v);

/* Exact match, or NULL. */
const struct oid_value *oidtab_get(struct oidtab *t, const struct oid_name *n);
/* The first entry strictly after n, or NULL (end of this table). */
const struct oid_value *oidtab_next(struct oidtab *t, const struct oid_name *n);

/* DateAndTime (SNMPv2-TC), 11 octets, UTC, from wall-clock ms; 8 zero
 * octets ("unknown", RFC 4268) when ms is 0. Returns the length. */
size_t oid_date_and_time(uint64_t ms, uint8_t out[11]);

#endif

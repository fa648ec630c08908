/* sim_internal.h - what the scenario parser builds and the simulated host
 * runs on: the parsed scenario, the token helpers and the mcelog device. */
#ifndef RASD_HV_SIM_INTERNAL_H
#define RASD_HV_SIM_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "hypervisor/hv.h"
#include "hypervisor/sim/sim.h"

/* Bounds that keep any input, hostile or mistaken, cheap to parse. */
#define SIM_MAX_ITEMS        4096 /* DIMMs, guests, peers, entries, expects */
#define SIM_MAX_RANGES       8192 /* owned ranges, all domains together */
#define SIM_MAX_CPUS         4096
#define SIM_MAX_PLACE        255 /* a DIMM's controller, channel, slot */
#define SIM_MAX_REPEAT       1000000u
#define SIM_LINE_MAX         4096
#define SIM_MAX_TOKENS       256
#define SIM_MAX_TIME_MS      (365ull * 86400000ull) /* a year of timeline */
#define SIM_DOWNTIME_MS      120 /* a done migration's stop-and-copy */
#define SIM_FAIL_MAX         88  /* a peer's refusal: fits hv_event.detail */
#define SIM_FILE_MAX         (16u << 20)
#define SIM_MCELOG_MAX_BYTES (1u << 20) /* log_len * record_len */
#define SIM_PAGE_SHIFT       12
#define SIM_DOM0             0 /* index of dom0 in sim_scenario.domains */
#define SIM_OWNER_XEN        (-1)

/* Frames a domain (or Xen) owns: inclusive byte addresses. */
struct sim_range {
	uint64_t start;
	uint64_t end;
	int32_t domain; /* index into domains, or SIM_OWNER_XEN */
};

struct sim_domain {
	struct hv_domain info;
	unsigned line;
};

struct sim_peer {
	char name[HV_NAME_MAX];
	uint64_t capacity;
	uint64_t migrate_ms;
	bool fails;
	char fail[SIM_FAIL_MAX];
};

enum sim_event_kind {
	SIM_EVENT_MEM_CE,
	SIM_EVENT_MEM_SRAO,
	SIM_EVENT_CACHE_CE,
	SIM_EVENT_RAW,
	SIM_EVENT_END,    /* fires nothing: keeps the scenario running */
	SIM_EVENT_AER,    /* an HV_EVENT_DEVICE_ERROR: ras:aer_event */
	SIM_EVENT_CXL,    /* an HV_EVENT_DEVICE_ERROR: cxl:cxl_aer_* */
	SIM_EVENT_EXTLOG, /* an HV_EVENT_FIRMWARE_MEMORY at addr */
	SIM_EVENT_MC,     /* an HV_EVENT_EDAC_MEMORY at addr: ras:mc_event */
};

/* One `at` line: a record fired `repeat` times, `every_ms` apart. */
struct sim_entry {
	enum sim_event_kind kind;
	uint64_t at_ms; /* from scenario start */
	uint32_t repeat;
	uint64_t every_ms;
	uint64_t stride;
	bool cpu_given;
	uint32_t cpu;
	uint8_t bank;
	uint16_t count;
	uint8_t level;
	uint64_t addr;
	uint64_t status;
	uint64_t misc;
	uint64_t mcgstatus;
	/* aer, cxl: the device; extlog: the FRU text */
	char device[PCIE_NAME_MAX];
	uint8_t severity;       /* aer, cxl: enum pcie_severity; extlog: CPER;
	                         * mc-event: enum tracefs_mc_err */
	struct dram_coord dram; /* extlog: the section's rank, bank, ... */
	char detail[TRACEFS_MC_DETAIL_MAX]; /* mc-event: driver_detail */
	unsigned line;
};

enum sim_expect_kind {
	SIM_EXPECT_COUNTER,
	SIM_EXPECT_PAGE_OFFLINED,
	SIM_EXPECT_PAGE_NOT_OFFLINED,
	SIM_EXPECT_CPU_OFFLINED,
	SIM_EXPECT_CPU_NOT_OFFLINED,
	SIM_EXPECT_MIGRATED,
	SIM_EXPECT_NOT_MIGRATED,
	SIM_EXPECT_MIGRATE_ATTEMPTS,
};

enum sim_counter {
	SIM_COUNTER_EVENTS,
	SIM_COUNTER_PAGES_OFFLINED,
	SIM_COUNTER_CPUS_OFFLINED,
	SIM_COUNTER_GUESTS_EVACUATED,
	SIM_COUNTER_ACTIONS_FAILED,
};

enum sim_cmp {
	SIM_CMP_EQ,
	SIM_CMP_GE,
	SIM_CMP_LE,
};

/* Which owner an expectation wants; any_domain: "owner=domain". */
struct sim_owner_spec {
	bool given;
	enum hv_page_owner owner;
	uint32_t domid;
	bool any_domain;
};

struct sim_expect {
	enum sim_expect_kind kind;
	enum sim_counter counter;
	enum sim_cmp cmp;
	uint64_t value; /* counter or attempt count */
	uint64_t mfn;
	struct sim_owner_spec owner;
	uint32_t cpu;
	uint32_t domid;
	char peer[HV_NAME_MAX];
	unsigned line;
};

struct sim_scenario {
	struct hv_topology host;
	bool have_host;
	bool have_mcelog;
	bool have_dom0;
	bool have_xen;
	/* like stock Xen 4.17: no record ever reaches the mcelog */
	bool telemetry_broken;
	uint32_t record_len;
	uint32_t log_len;
	struct hv_dimm *dimms; /* in order of appearance: id = index */
	size_t n_dimms, cap_dimms;
	size_t *dimm_by_start; /* indices into dimms, sorted by start */
	size_t cap_dimm_by_start;
	struct sim_range *ranges; /* sorted by start, never overlapping */
	size_t n_ranges, cap_ranges;
	struct sim_domain *domains; /* dom0 first, then guests */
	size_t n_domains, cap_domains;
	struct sim_peer *peers;
	size_t n_peers, cap_peers;
	struct sim_entry *entries; /* sorted by at_ms: times never go back */
	size_t n_entries, cap_entries;
	struct sim_expect *expects;
	size_t n_expects, cap_expects;
};

/* The parser's state for one text: where it is and where errors go. */
struct sim_parser {
	const char *name;
	unsigned line;
	char *err;
	size_t errlen;
	struct sim_scenario *sc;
	bool have_prev_at;
	uint64_t prev_at_ms;
};

/* A word ("host") or a key=value pair; cmp for "key>=value" forms. */
struct sim_token {
	const char *key;
	const char *value; /* NULL for a bare word */
	enum sim_cmp cmp;
};

/* scenario_token.c: splitting lines and reading values. */
int sim_parse_error(struct sim_parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
int sim_tokenize(struct sim_parser *p, char *line, struct sim_token *tokens,
                 size_t max, size_t *n);
int sim_keys_collect(struct sim_parser *p, const char *directive,
                     const struct sim_token *tokens, size_t n,
                     const char *const *names, uint32_t required,
                     uint32_t cmp_allowed, const char **values,
                     enum sim_cmp *cmps);
int sim_scan_u64(const char **s, uint64_t *out);
int sim_parse_u64(struct sim_parser *p, const char *key, const char *text,
                  uint64_t *out);
int sim_parse_u32_max(struct sim_parser *p, const char *key, const char *text,
                      uint32_t max, uint32_t *out);
int sim_parse_size(struct sim_parser *p, const char *key, const char *text,
                   uint64_t *out);
int sim_parse_duration(struct sim_parser *p, const char *key, const char *text,
                       uint64_t *ms);
int sim_parse_time(struct sim_parser *p, const char *text, uint64_t *ms);
int sim_parse_name(struct sim_parser *p, const char *key, const char *text,
                   int allow_space, char *out, size_t outlen);
void sim_format_time(uint64_t ms, char *buf, size_t len);
int sim_array_grow(void **array, size_t *cap, size_t n, size_t size);

/* scenario.c: the machine directives and lookups the host uses. */
int sim_parse_host(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_mcelog(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_dimm(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_dom0(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_xen(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_guest(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_peer(struct sim_parser *p, const struct sim_token *t, size_t n);
const struct hv_dimm *sim_dimm_at(const struct sim_scenario *sc, uint64_t addr);
const struct sim_range *sim_range_at(const struct sim_scenario *sc,
                                     uint64_t addr);
size_t sim_range_first_ending_after(const struct sim_scenario *sc,
                                    uint64_t addr);
int sim_domain_index(const struct sim_scenario *sc, uint32_t domid);
int sim_peer_index(const struct sim_scenario *sc, const char *name);

/* scenario_timeline.c: `at` and `expect` lines. */
int sim_parse_at(struct sim_parser *p, const struct sim_token *t, size_t n);
int sim_parse_expect(struct sim_parser *p, const struct sim_token *t, size_t n);
void sim_expect_describe(const struct sim_expect *e, char *buf, size_t len);

/* sim_mcelog.c: the emulated xen_mcelog device. */
struct sim_mcelog;
int sim_mcelog_open(struct sim_mcelog **out, uint32_t record_len,
                    uint32_t log_len, char *err, size_t errlen);
void sim_mcelog_close(struct sim_mcelog *dev);
/* The host's own process: records go to fifo_fd (opened read-write by
 * the host, so they outlive a reader), overflow to the shared regs. */
struct simhost_regs;
int sim_mcelog_set_fifo(struct sim_mcelog *dev, int fifo_fd,
                        struct simhost_regs *regs);
/* The FIFO: write what push_record staged (a no-op in memory). */
void sim_mcelog_flush(struct sim_mcelog *dev);
/* Returns 0, or -1 when the log was full and the record was dropped. */
int sim_mcelog_push_record(struct sim_mcelog *dev, const struct mce_record *r);
int sim_mcelog_poll_fd(const struct sim_mcelog *dev);
/* The device ops the reader is given; tests call them directly. */
ssize_t sim_mcelog_read(void *ctx, void *buf, size_t len);
int sim_mcelog_ioctl(void *ctx, unsigned long request, int *value);
struct mce_reader *sim_mcelog_reader(const struct sim_mcelog *dev);

/* sim_client.c: the same questions asked of a host in its own process;
 * -1 when hv is not such a host. */
int hv_sim_client_check(struct hv *hv, const struct sim_observed *obs,
                        char *report, size_t len);
int hv_sim_client_stats(struct hv *hv, struct sim_stats *out);
int hv_sim_client_start(struct hv *hv, uint64_t *start_ms);

#endif

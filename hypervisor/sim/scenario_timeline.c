/* scenario_timeline.c - the `at` lines (machine checks fired on a virtual
 * clock) and the `expect` lines (what a correct daemon must have done). */
#include <stdio.h>
#include <string.h>

#include "hypervisor/sim/sim_internal.h"

enum {
	REPEAT_REPEAT,
	REPEAT_EVERY,
	REPEAT_STRIDE,
};

static const char *const sim_repeat_keys[] = {"repeat", "every", "stride",
                                              NULL};

static int sim_parse_repeat(struct sim_parser *p, const char **v,
                            struct sim_entry *e)
{
	if (v[REPEAT_REPEAT] == NULL) {
		if (v[REPEAT_EVERY] != NULL || v[REPEAT_STRIDE] != NULL)
			return sim_parse_error(p, "every= and stride= need "
			                          "repeat=");
		return 0;
	}
	if (sim_parse_u32_max(p, "repeat", v[REPEAT_REPEAT], SIM_MAX_REPEAT,
	                      &e->repeat) < 0)
		return -1;
	if (e->repeat == 0)
		return sim_parse_error(p, "repeat must be at least 1");
	if (v[REPEAT_EVERY] == NULL && e->repeat > 1)
		return sim_parse_error(p, "repeat=%u needs every=", e->repeat);
	if (v[REPEAT_EVERY] != NULL &&
	    sim_parse_duration(p, "every", v[REPEAT_EVERY], &e->every_ms) < 0)
		return -1;
	if (v[REPEAT_STRIDE] != NULL &&
	    sim_parse_size(p, "stride", v[REPEAT_STRIDE], &e->stride) < 0)
		return -1;
	if (e->every_ms != 0 &&
	    e->repeat - 1 > (SIM_MAX_TIME_MS - e->at_ms) / e->every_ms)
		return sim_parse_error(p, "the repeats run past 365 days");
	return 0;
}

static int sim_check_cpu(struct sim_parser *p, const char *text, uint32_t *cpu)
{
	uint32_t nr_cpus = p->sc->host.nr_cpus;

	if (sim_parse_u32_max(p, "cpu", text, UINT32_MAX, cpu) < 0)
		return -1;
	if (*cpu >= nr_cpus)
		return sim_parse_error(p, "cpu %u: the host has %u cpus", *cpu,
		                       nr_cpus);
	return 0;
}

static int sim_check_bank(struct sim_parser *p, const char *text, uint8_t *bank)
{
	unsigned banks = (unsigned)(p->sc->host.mcg_cap & 0xff);
	uint32_t v;

	if (sim_parse_u32_max(p, "bank", text, 255, &v) < 0)
		return -1;
	if (banks != 0 && v >= banks)
		return sim_parse_error(p,
		                       "bank %u: the host has %u banks "
		                       "(mcg_cap)",
		                       v, banks);
	*bank = (uint8_t)v;
	return 0;
}

/* Every repeat's address must be on a DIMM: walk DIMM by DIMM. */
static int sim_check_addresses(struct sim_parser *p, const struct sim_entry *e)
{
	const struct hv_dimm *d;
	uint64_t k = 0, a, dimm_end;

	while (k < e->repeat) {
		a = e->addr + k * e->stride;
		d = sim_dimm_at(p->sc, a);
		if (d == NULL && k == 0)
			return sim_parse_error(p,
			                       "address 0x%llx is not on "
			                       "any DIMM",
			                       (unsigned long long)a);
		if (d == NULL)
			return sim_parse_error(
			    p, "repeat %llu: address 0x%llx is not on any DIMM",
			    (unsigned long long)k + 1, (unsigned long long)a);
		if (e->stride == 0)
			return 0;
		dimm_end = d->start + (d->size - 1);
		k += (dimm_end - a) / e->stride + 1;
	}
	return 0;
}

static int sim_check_stride(struct sim_parser *p, const struct sim_entry *e)
{
	if (e->repeat > 1 && e->stride != 0 &&
	    e->repeat - 1 > (UINT64_MAX - e->addr) / e->stride)
		return sim_parse_error(p, "addresses run past the end of the "
		                          "address space");
	return 0;
}

enum {
	MEM_ADDR,
	MEM_CPU,
	MEM_BANK,
	MEM_COUNT,
};

static const char *const sim_mem_ce_keys[] = {"addr", "cpu", "bank", "count",
                                              NULL};
static const char *const sim_mem_srao_keys[] = {"addr", "cpu", "bank", NULL};

/* mem-ce and mem-srao: a DIMM error the memory controller saw at addr. */
static int sim_parse_mem_event(struct sim_parser *p, const struct sim_token *t,
                               size_t n, struct sim_entry *e)
{
	const char *const *keys =
	    e->kind == SIM_EVENT_MEM_CE ? sim_mem_ce_keys : sim_mem_srao_keys;
	const char *v[5];
	uint32_t count = 1;

	if (sim_keys_collect(
	        p, e->kind == SIM_EVENT_MEM_CE ? "mem-ce" : "mem-srao", t, n,
	        keys, 1u << MEM_ADDR, 0, v, NULL) < 0 ||
	    sim_parse_u64(p, "addr", v[MEM_ADDR], &e->addr) < 0)
		return -1;
	e->bank = 7;
	if (v[MEM_CPU] != NULL && sim_check_cpu(p, v[MEM_CPU], &e->cpu) < 0)
		return -1;
	e->cpu_given = v[MEM_CPU] != NULL;
	if (v[MEM_BANK] != NULL && sim_check_bank(p, v[MEM_BANK], &e->bank) < 0)
		return -1;
	if (e->kind == SIM_EVENT_MEM_CE && v[MEM_COUNT] != NULL &&
	    sim_parse_u32_max(p, "count", v[MEM_COUNT], 0x7fff, &count) < 0)
		return -1;
	if (count == 0)
		return sim_parse_error(p, "count must be at least 1");
	e->count = (uint16_t)count;
	if (sim_check_stride(p, e) < 0)
		return -1;
	return sim_check_addresses(p, e);
}

enum {
	CACHE_CPU,
	CACHE_LEVEL,
	CACHE_BANK,
};

static const char *const sim_cache_ce_keys[] = {"cpu", "level", "bank", NULL};

static int sim_parse_cache_event(struct sim_parser *p,
                                 const struct sim_token *t, size_t n,
                                 struct sim_entry *e)
{
	const char *v[4];
	uint32_t level = 2;

	if (sim_keys_collect(p, "cache-ce", t, n, sim_cache_ce_keys,
	                     1u << CACHE_CPU, 0, v, NULL) < 0 ||
	    sim_check_cpu(p, v[CACHE_CPU], &e->cpu) < 0)
		return -1;
	e->cpu_given = true;
	if (v[CACHE_LEVEL] != NULL &&
	    sim_parse_u32_max(p, "level", v[CACHE_LEVEL], 3, &level) < 0)
		return -1;
	if (level == 0)
		return sim_parse_error(p, "level must be 1, 2 or 3");
	e->level = (uint8_t)level;
	e->bank = 2;
	if (v[CACHE_BANK] != NULL &&
	    sim_check_bank(p, v[CACHE_BANK], &e->bank) < 0)
		return -1;
	if (e->stride != 0)
		return sim_parse_error(p, "stride= needs an event with addr=");
	return 0;
}

enum {
	RAW_CPU,
	RAW_BANK,
	RAW_STATUS,
	RAW_ADDR,
	RAW_MISC,
	RAW_MCGSTATUS,
};

static const char *const sim_raw_keys[] = {
    "cpu", "bank", "status", "addr", "misc", "mcgstatus", NULL};

static int sim_parse_raw_event(struct sim_parser *p, const struct sim_token *t,
                               size_t n, struct sim_entry *e)
{
	const char *v[7];

	if (sim_keys_collect(p, "mce", t, n, sim_raw_keys,
	                     1u << RAW_CPU | 1u << RAW_BANK | 1u << RAW_STATUS,
	                     0, v, NULL) < 0 ||
	    sim_check_cpu(p, v[RAW_CPU], &e->cpu) < 0 ||
	    sim_check_bank(p, v[RAW_BANK], &e->bank) < 0 ||
	    sim_parse_u64(p, "status", v[RAW_STATUS], &e->status) < 0)
		return -1;
	e->cpu_given = true;
	if ((v[RAW_ADDR] != NULL &&
	     sim_parse_u64(p, "addr", v[RAW_ADDR], &e->addr) < 0) ||
	    (v[RAW_MISC] != NULL &&
	     sim_parse_u64(p, "misc", v[RAW_MISC], &e->misc) < 0) ||
	    (v[RAW_MCGSTATUS] != NULL &&
	     sim_parse_u64(p, "mcgstatus", v[RAW_MCGSTATUS], &e->mcgstatus) <
	         0))
		return -1;
	if (e->stride != 0 && v[RAW_ADDR] == NULL)
		return sim_parse_error(p, "stride= needs an event with addr=");
	return sim_check_stride(p, e);
}

enum {
	DEV_DEVICE,
	DEV_SEVERITY,
	DEV_STATUS,
};

static const char *const sim_dev_keys[] = {"device", "severity", "status",
                                           NULL};

/* aer and cxl: a device error, as the kernel's tracepoint gives it. */
static int sim_parse_device_event(struct sim_parser *p,
                                  const struct sim_token *t, size_t n,
                                  struct sim_entry *e)
{
	const char *word = e->kind == SIM_EVENT_AER ? "aer" : "cxl";
	enum pcie_severity sev;
	const char *v[4];
	uint32_t status;

	if (sim_keys_collect(p, word, t, n, sim_dev_keys,
	                     1u << DEV_DEVICE | 1u << DEV_SEVERITY |
	                         1u << DEV_STATUS,
	                     0, v, NULL) < 0 ||
	    sim_parse_name(p, "device", v[DEV_DEVICE], 0, e->device,
	                   sizeof(e->device)) < 0 ||
	    sim_parse_u32_max(p, "status", v[DEV_STATUS], UINT32_MAX, &status) <
	        0)
		return -1;
	if (pcie_severity_parse(v[DEV_SEVERITY], &sev) < 0 ||
	    sev == PCIE_SEV_UNKNOWN ||
	    (e->kind == SIM_EVENT_CXL && sev == PCIE_NONFATAL))
		return sim_parse_error(
		    p, "%s severity=%.40s: want %s", word, v[DEV_SEVERITY],
		    e->kind == SIM_EVENT_AER ? "corrected, nonfatal or fatal"
		                             : "corrected or fatal");
	e->severity = (uint8_t)sev;
	e->status = status;
	if (e->stride != 0)
		return sim_parse_error(p, "stride= needs an event with addr=");
	return 0;
}

enum {
	FW_ADDR,
	FW_SEVERITY,
	FW_FRU,
	FW_RANK,
	FW_BG,
	FW_BANK,
	FW_ROW,
	FW_COLUMN,
};

static const char *const sim_fw_keys[] = {
    "addr", "severity", "fru", "rank", "bg", "bank", "row", "column", NULL};

/* rank= bg= bank= row= column=: where the CPER section says it is. */
static int sim_parse_fw_dram(struct sim_parser *p, const char *const *v,
                             struct dram_coord *c)
{
	static const struct {
		int key;
		uint32_t max;
		uint8_t bit;
	} parts[] = {
	    {FW_RANK, 0xff, DRAM_HAVE_RANK},
	    {FW_BG, 0xf, DRAM_HAVE_BG},
	    {FW_BANK, 0xf, DRAM_HAVE_BANK},
	    {FW_ROW, 0x3ffff, DRAM_HAVE_ROW},
	    {FW_COLUMN, 0xffff, DRAM_HAVE_COLUMN},
	};
	uint32_t val[5] = {0};
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		if (v[parts[i].key] == NULL)
			continue;
		if (sim_parse_u32_max(p, sim_fw_keys[parts[i].key],
		                      v[parts[i].key], parts[i].max,
		                      &val[i]) < 0)
			return -1;
		c->have |= parts[i].bit;
	}
	c->rank = (uint8_t)val[0];
	c->bank_group = (uint8_t)val[1];
	c->bank = (uint8_t)val[2];
	c->row = val[3];
	c->column = (uint16_t)val[4];
	return 0;
}

/* extlog: the firmware's CPER record of a memory error at addr. */
static int sim_parse_extlog_event(struct sim_parser *p,
                                  const struct sim_token *t, size_t n,
                                  struct sim_entry *e)
{
	static const char *const sevs[] = {"recoverable", "fatal", "corrected"};
	const char *v[9];
	size_t i;

	if (sim_keys_collect(p, "extlog", t, n, sim_fw_keys, 1u << FW_ADDR, 0,
	                     v, NULL) < 0 ||
	    sim_parse_u64(p, "addr", v[FW_ADDR], &e->addr) < 0 ||
	    sim_parse_fw_dram(p, v, &e->dram) < 0)
		return -1;
	e->severity = EXTLOG_SEV_CORRECTED;
	for (i = 0; v[FW_SEVERITY] != NULL && i < 3; i++)
		if (strcmp(v[FW_SEVERITY], sevs[i]) == 0)
			break;
	if (i == 3)
		return sim_parse_error(p,
		                       "extlog severity=%.40s: want "
		                       "corrected, recoverable or fatal",
		                       v[FW_SEVERITY]);
	if (v[FW_SEVERITY] != NULL)
		e->severity = (uint8_t)i;
	if (v[FW_FRU] != NULL && sim_parse_name(p, "fru", v[FW_FRU], 1,
	                                        e->device, EXTLOG_FRU_MAX) < 0)
		return -1;
	if (sim_check_stride(p, e) < 0)
		return -1;
	return sim_check_addresses(p, e);
}

enum {
	MC_ADDR,
	MC_SEVERITY,
	MC_DETAIL,
	MC_LABEL,
};

static const char *const sim_mc_keys[] = {"addr", "severity", "detail", "label",
                                          NULL};

/* mc-event: the EDAC driver's record of a memory error at addr. */
static int sim_parse_mc_event(struct sim_parser *p, const struct sim_token *t,
                              size_t n, struct sim_entry *e)
{
	const char *v[5];

	if (sim_keys_collect(p, "mc-event", t, n, sim_mc_keys, 1u << MC_ADDR, 0,
	                     v, NULL) < 0 ||
	    sim_parse_u64(p, "addr", v[MC_ADDR], &e->addr) < 0)
		return -1;
	e->severity = TRACEFS_MC_CORRECTED;
	if (v[MC_SEVERITY] != NULL &&
	    strcmp(v[MC_SEVERITY], "uncorrected") == 0)
		e->severity = TRACEFS_MC_UNCORRECTED;
	else if (v[MC_SEVERITY] != NULL &&
	         strcmp(v[MC_SEVERITY], "corrected") != 0)
		return sim_parse_error(p,
		                       "mc-event severity=%.40s: want "
		                       "corrected or uncorrected",
		                       v[MC_SEVERITY]);
	if ((v[MC_DETAIL] != NULL &&
	     sim_parse_name(p, "detail", v[MC_DETAIL], 1, e->detail,
	                    sizeof(e->detail)) < 0) ||
	    (v[MC_LABEL] != NULL &&
	     sim_parse_name(p, "label", v[MC_LABEL], 0, e->device,
	                    sizeof(e->device)) < 0))
		return -1;
	if (sim_check_stride(p, e) < 0)
		return -1;
	return sim_check_addresses(p, e);
}

static int sim_parse_end_event(struct sim_parser *p, size_t n,
                               struct sim_entry *e)
{
	if (n != 0)
		return sim_parse_error(p, "end takes no keys");
	if (e->repeat != 1 || e->every_ms != 0 || e->stride != 0)
		return sim_parse_error(p, "end takes no repeat");
	return 0;
}

static int sim_parse_event(struct sim_parser *p, const char *word,
                           const struct sim_token *t, size_t n,
                           struct sim_entry *e)
{
	if (strcmp(word, "mem-ce") == 0) {
		e->kind = SIM_EVENT_MEM_CE;
		return sim_parse_mem_event(p, t, n, e);
	}
	if (strcmp(word, "mem-srao") == 0) {
		e->kind = SIM_EVENT_MEM_SRAO;
		return sim_parse_mem_event(p, t, n, e);
	}
	if (strcmp(word, "cache-ce") == 0) {
		e->kind = SIM_EVENT_CACHE_CE;
		return sim_parse_cache_event(p, t, n, e);
	}
	if (strcmp(word, "mce") == 0) {
		e->kind = SIM_EVENT_RAW;
		return sim_parse_raw_event(p, t, n, e);
	}
	if (strcmp(word, "end") == 0) {
		e->kind = SIM_EVENT_END;
		return sim_parse_end_event(p, n, e);
	}
	if (strcmp(word, "aer") == 0 || strcmp(word, "cxl") == 0) {
		e->kind = word[0] == 'a' ? SIM_EVENT_AER : SIM_EVENT_CXL;
		return sim_parse_device_event(p, t, n, e);
	}
	if (strcmp(word, "extlog") == 0) {
		e->kind = SIM_EVENT_EXTLOG;
		return sim_parse_extlog_event(p, t, n, e);
	}
	if (strcmp(word, "mc-event") == 0) {
		e->kind = SIM_EVENT_MC;
		return sim_parse_mc_event(p, t, n, e);
	}
	return sim_parse_error(
	    p,
	    "unknown event '%.40s' (mem-ce, mem-srao, "
	    "cache-ce, mce, aer, cxl, extlog, mc-event, end)",
	    word);
}

static int sim_parse_at_time(struct sim_parser *p, const struct sim_token *t,
                             uint64_t *at)
{
	char was[32], now[32];

	if (t->value != NULL)
		return sim_parse_error(
		    p, "at needs a time first, not %s=", t->key);
	if (sim_parse_time(p, t->key, at) < 0)
		return -1;
	if (p->have_prev_at && *at < p->prev_at_ms) {
		sim_format_time(*at, now, sizeof(now));
		sim_format_time(p->prev_at_ms, was, sizeof(was));
		return sim_parse_error(p,
		                       "time %s goes back before the "
		                       "previous at (%s)",
		                       now, was);
	}
	return 0;
}

static int sim_entry_append(struct sim_parser *p, const struct sim_entry *e)
{
	struct sim_scenario *sc = p->sc;

	if (sim_array_grow((void **)&sc->entries, &sc->cap_entries,
	                   sc->n_entries, sizeof(*sc->entries)) < 0)
		return sim_parse_error(p, "out of memory");
	sc->entries[sc->n_entries++] = *e;
	p->prev_at_ms = e->at_ms;
	p->have_prev_at = true;
	return 0;
}

/* at TIME [repeat=N every=D stride=S] EVENT key=value... */
int sim_parse_at(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct sim_entry e;
	const char *v[4];
	size_t i;

	if (p->sc->n_entries == SIM_MAX_ITEMS)
		return sim_parse_error(p, "too many at lines (max %d)",
		                       SIM_MAX_ITEMS);
	if (n == 0)
		return sim_parse_error(p, "at needs a time and an event");
	memset(&e, 0, sizeof(e));
	e.line = p->line;
	e.repeat = 1;
	if (sim_parse_at_time(p, &t[0], &e.at_ms) < 0)
		return -1;
	for (i = 1; i < n && t[i].value != NULL; i++)
		;
	if (i == n)
		return sim_parse_error(p,
		                       "at needs an event (mem-ce, mem-srao, "
		                       "cache-ce, mce, aer, cxl, extlog, "
		                       "mc-event, end)");
	if (sim_keys_collect(p, "at", t + 1, i - 1, sim_repeat_keys, 0, 0, v,
	                     NULL) < 0 ||
	    sim_parse_repeat(p, v, &e) < 0 ||
	    sim_parse_event(p, t[i].key, t + i + 1, n - i - 1, &e) < 0)
		return -1;
	return sim_entry_append(p, &e);
}

static const char *const sim_counter_names[] = {
    "events",           "pages_offlined", "cpus_offlined",
    "guests_evacuated", "actions_failed", NULL,
};

static int sim_expect_append(struct sim_parser *p, const struct sim_expect *e)
{
	struct sim_scenario *sc = p->sc;

	if (sc->n_expects == SIM_MAX_ITEMS)
		return sim_parse_error(p, "too many expectations (max %d)",
		                       SIM_MAX_ITEMS);
	if (sim_array_grow((void **)&sc->expects, &sc->cap_expects,
	                   sc->n_expects, sizeof(*sc->expects)) < 0)
		return sim_parse_error(p, "out of memory");
	sc->expects[sc->n_expects++] = *e;
	return 0;
}

/* expect events=13 pages_offlined>=1 ...: one expectation per pair. */
static int sim_parse_expect_counters(struct sim_parser *p,
                                     const struct sim_token *t, size_t n)
{
	struct sim_expect e;
	size_t i;
	int k;

	for (i = 0; i < n; i++) {
		if (t[i].value == NULL)
			return sim_parse_error(p,
			                       "expected counter=N, not "
			                       "'%.40s'",
			                       t[i].key);
		for (k = 0; sim_counter_names[k] != NULL; k++)
			if (strcmp(sim_counter_names[k], t[i].key) == 0)
				break;
		if (sim_counter_names[k] == NULL)
			return sim_parse_error(p, "unknown expectation '%.40s'",
			                       t[i].key);
		memset(&e, 0, sizeof(e));
		e.kind = SIM_EXPECT_COUNTER;
		e.counter = (enum sim_counter)k;
		e.cmp = t[i].cmp;
		e.line = p->line;
		if (sim_parse_u64(p, t[i].key, t[i].value, &e.value) < 0 ||
		    sim_expect_append(p, &e) < 0)
			return -1;
	}
	return 0;
}

static const char *const sim_owner_words[] = {
    [HV_OWNER_FREE] = "free",           [HV_OWNER_XEN] = "xen",
    [HV_OWNER_DOM0] = "dom0",           [HV_OWNER_DOMAIN] = "domain",
    [HV_OWNER_ANONYMOUS] = "anonymous", [HV_OWNER_NOT_RAM] = "not-ram",
};

/* owner=free|xen|dom0|domain|anonymous|not-ram, or a domid. */
static int sim_parse_owner(struct sim_parser *p, const char *text,
                           struct sim_owner_spec *o)
{
	uint32_t domid;
	size_t i;

	o->given = true;
	if (*text >= '0' && *text <= '9') {
		if (sim_parse_u32_max(p, "owner", text, UINT16_MAX, &domid) < 0)
			return -1;
		o->domid = domid;
		o->owner = domid == 0 ? HV_OWNER_DOM0 : HV_OWNER_DOMAIN;
		return 0;
	}
	for (i = 0; i < sizeof(sim_owner_words) / sizeof(sim_owner_words[0]);
	     i++)
		if (strcmp(text, sim_owner_words[i]) == 0) {
			o->owner = (enum hv_page_owner)i;
			o->any_domain = o->owner == HV_OWNER_DOMAIN;
			return 0;
		}
	return sim_parse_error(p,
	                       "bad owner '%.40s' (a domid, free, xen, "
	                       "dom0, domain, anonymous, not-ram)",
	                       text);
}

static const char *const sim_page_keys[] = {"mfn", "owner", NULL};

static int sim_parse_expect_page(struct sim_parser *p, const char *word,
                                 const struct sim_token *t, size_t n,
                                 struct sim_expect *e)
{
	const char *v[3];

	if (sim_keys_collect(p, word, t, n, sim_page_keys, 1u << 0, 0, v,
	                     NULL) < 0 ||
	    sim_parse_u64(p, "mfn", v[0], &e->mfn) < 0)
		return -1;
	if (v[1] == NULL)
		return 0;
	if (e->kind == SIM_EXPECT_PAGE_NOT_OFFLINED)
		return sim_parse_error(p, "page_not_offlined takes no owner=");
	return sim_parse_owner(p, v[1], &e->owner);
}

static const char *const sim_cpu_keys[] = {"cpu", NULL};

static int sim_parse_expect_cpu(struct sim_parser *p, const char *word,
                                const struct sim_token *t, size_t n,
                                struct sim_expect *e)
{
	const char *v[2];

	if (sim_keys_collect(p, word, t, n, sim_cpu_keys, 1u, 0, v, NULL) < 0)
		return -1;
	return sim_check_cpu(p, v[0], &e->cpu);
}

static int sim_check_guest(struct sim_parser *p, const char *text,
                           uint32_t *domid)
{
	if (sim_parse_u32_max(p, "domid", text, UINT32_MAX, domid) < 0)
		return -1;
	if (*domid == 0)
		return sim_parse_error(p, "domid 0 is dom0, which never "
		                          "migrates");
	if (sim_domain_index(p->sc, *domid) < 0)
		return sim_parse_error(p, "no guest with domid %u above",
		                       *domid);
	return 0;
}

enum {
	MIG_DOMID,
	MIG_PEER,
	MIG_N,
};

static const char *const sim_migration_keys[] = {"domid", "peer", "n", NULL};

static int sim_parse_expect_migration(struct sim_parser *p, const char *word,
                                      const struct sim_token *t, size_t n,
                                      struct sim_expect *e)
{
	uint32_t required = 1u << MIG_DOMID;
	const char *v[4];
	enum sim_cmp cmps[4];

	if (e->kind == SIM_EXPECT_MIGRATED)
		required |= 1u << MIG_PEER;
	if (e->kind == SIM_EXPECT_MIGRATE_ATTEMPTS)
		required |= 1u << MIG_N;
	if (sim_keys_collect(p, word, t, n, sim_migration_keys, required,
	                     1u << MIG_N, v, cmps) < 0 ||
	    sim_check_guest(p, v[MIG_DOMID], &e->domid) < 0)
		return -1;
	if (v[MIG_PEER] != NULL && e->kind != SIM_EXPECT_MIGRATED)
		return sim_parse_error(p, "%s takes no peer=", word);
	if (v[MIG_N] != NULL && e->kind != SIM_EXPECT_MIGRATE_ATTEMPTS)
		return sim_parse_error(p, "%s takes no n=", word);
	if (v[MIG_PEER] != NULL && sim_peer_index(p->sc, v[MIG_PEER]) < 0)
		return sim_parse_error(p, "no peer named '%.40s' above",
		                       v[MIG_PEER]);
	if (v[MIG_PEER] != NULL)
		snprintf(e->peer, sizeof(e->peer), "%s", v[MIG_PEER]);
	e->cmp = cmps[MIG_N];
	if (v[MIG_N] != NULL && sim_parse_u64(p, "n", v[MIG_N], &e->value) < 0)
		return -1;
	return 0;
}

static const struct {
	const char *word;
	enum sim_expect_kind kind;
} sim_expect_words[] = {
    {"page_offlined", SIM_EXPECT_PAGE_OFFLINED},
    {"page_not_offlined", SIM_EXPECT_PAGE_NOT_OFFLINED},
    {"cpu_offlined", SIM_EXPECT_CPU_OFFLINED},
    {"cpu_not_offlined", SIM_EXPECT_CPU_NOT_OFFLINED},
    {"migrated", SIM_EXPECT_MIGRATED},
    {"not_migrated", SIM_EXPECT_NOT_MIGRATED},
    {"migrate_attempts", SIM_EXPECT_MIGRATE_ATTEMPTS},
};

static int sim_parse_expect_check(struct sim_parser *p, const char *word,
                                  const struct sim_token *t, size_t n,
                                  struct sim_expect *e)
{
	switch (e->kind) {
	case SIM_EXPECT_PAGE_OFFLINED:
	case SIM_EXPECT_PAGE_NOT_OFFLINED:
		return sim_parse_expect_page(p, word, t, n, e);
	case SIM_EXPECT_CPU_OFFLINED:
	case SIM_EXPECT_CPU_NOT_OFFLINED:
		return sim_parse_expect_cpu(p, word, t, n, e);
	default:
		return sim_parse_expect_migration(p, word, t, n, e);
	}
}

int sim_parse_expect(struct sim_parser *p, const struct sim_token *t, size_t n)
{
	struct sim_expect e;
	size_t i;

	if (n == 0)
		return sim_parse_error(p, "expect needs something to check");
	if (t[0].value != NULL)
		return sim_parse_expect_counters(p, t, n);
	memset(&e, 0, sizeof(e));
	e.line = p->line;
	for (i = 0; i < sizeof(sim_expect_words) / sizeof(sim_expect_words[0]);
	     i++)
		if (strcmp(t[0].key, sim_expect_words[i].word) == 0)
			break;
	if (i == sizeof(sim_expect_words) / sizeof(sim_expect_words[0]))
		return sim_parse_error(p, "unknown expectation '%.40s'",
		                       t[0].key);
	e.kind = sim_expect_words[i].kind;
	if (sim_parse_expect_check(p, t[0].key, t + 1, n - 1, &e) < 0)
		return -1;
	return sim_expect_append(p, &e);
}

static const char *sim_cmp_text(enum sim_cmp cmp)
{
	switch (cmp) {
	case SIM_CMP_GE:
		return ">=";
	case SIM_CMP_LE:
		return "<=";
	default:
		return "=";
	}
}

static void sim_describe_owner(const struct sim_owner_spec *o, char *buf,
                               size_t len)
{
	if (!o->given)
		buf[0] = '\0';
	else if (o->owner == HV_OWNER_DOMAIN && !o->any_domain)
		snprintf(buf, len, " owner=%u", o->domid);
	else
		snprintf(buf, len, " owner=%s", sim_owner_words[o->owner]);
}

/* The expectation as a canonical scenario line, for check reports. */
void sim_expect_describe(const struct sim_expect *e, char *buf, size_t len)
{
	char owner[32];
	size_t i;

	for (i = 0; i < sizeof(sim_expect_words) / sizeof(sim_expect_words[0]);
	     i++)
		if (sim_expect_words[i].kind == e->kind)
			break;
	switch (e->kind) {
	case SIM_EXPECT_COUNTER:
		snprintf(buf, len, "expect %s%s%llu",
		         sim_counter_names[e->counter], sim_cmp_text(e->cmp),
		         (unsigned long long)e->value);
		break;
	case SIM_EXPECT_PAGE_OFFLINED:
	case SIM_EXPECT_PAGE_NOT_OFFLINED:
		sim_describe_owner(&e->owner, owner, sizeof(owner));
		snprintf(buf, len, "expect %s mfn=0x%llx%s",
		         sim_expect_words[i].word, (unsigned long long)e->mfn,
		         owner);
		break;
	case SIM_EXPECT_CPU_OFFLINED:
	case SIM_EXPECT_CPU_NOT_OFFLINED:
		snprintf(buf, len, "expect %s cpu=%u", sim_expect_words[i].word,
		         e->cpu);
		break;
	case SIM_EXPECT_MIGRATED:
		snprintf(buf, len, "expect migrated domid=%u peer=%s", e->domid,
		         e->peer);
		break;
	case SIM_EXPECT_NOT_MIGRATED:
		snprintf(buf, len, "expect not_migrated domid=%u", e->domid);
		break;
	case SIM_EXPECT_MIGRATE_ATTEMPTS:
		snprintf(buf, len, "expect migrate_attempts domid=%u n%s%llu",
		         e->domid, sim_cmp_text(e->cmp),
		         (unsigned long long)e->value);
		break;
	}
}

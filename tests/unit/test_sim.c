/* test_sim.c - the simulated Xen host at run time: the timeline on a manual
 * clock, Xen's page and CPU answers, migrations, the mcelog device, checks. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypervisor/sim/sim.h"
#include "hypervisor/sim/sim_internal.h"

#define T0  1700000000000ull /* virtual start: a fixed epoch ms */
#define MIN 60000ull

/*
 * 12G in three DIMMs; dom0 and Xen on A, guests 1 and 2 on B, guest 7 on
 * socket 1's C. Peer "good" fits one 1G guest and a half.
 */
#define BASE                                                                   \
	"host name=h sockets=2 cores=2 threads=2 vendor=intel "                \
	"cpuid=0x50657 mcg_cap=0x1000c14\n"                                    \
	"dimm label=A socket=0 channel=0 start=0x0 size=4G\n"                  \
	"dimm label=B socket=0 channel=1 start=0x100000000 size=4G\n"          \
	"dimm label=C socket=1 channel=2 start=0x200000000 size=4G\n"          \
	"dom0 ranges=0x0-0x3fffffff\n"                                         \
	"xen ranges=0x40000000-0x40ffffff\n"                                   \
	"guest domid=1 name=g1 ranges=0x100000000-0x13fffffff\n"               \
	"guest domid=2 name=g2 ranges=0x140000000-0x17fffffff\n"               \
	"guest domid=7 name=g7 ranges=0x200000000-0x23fffffff\n"               \
	"peer name=good capacity=1536M migrate_time=90s\n"                     \
	"peer name=bad capacity=64G migrate_time=30s "                         \
	"fail=\"connection refused\"\n"

#define MAX_RECORDS 64

struct records {
	struct mce_record r[MAX_RECORDS];
	size_t n;
};

struct fixture {
	struct clock clock;
	struct hv *hv;
	struct records got;
	struct hv_event ev[8];
	char log_path[64];
};

static struct fixture *open_text(const char *text, uint32_t speed,
                                 bool call_log)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct hv_options opts = {0};
	struct sim_scenario *sc;
	char err[256];
	int fd;

	assert_non_null(f);
	if (sim_scenario_parse(text, strlen(text), "t.scn", &sc, err,
	                       sizeof(err)) != 0)
		fail_msg("%s", err);
	if (call_log) {
		snprintf(f->log_path, sizeof(f->log_path),
		         "/tmp/test_sim_log_XXXXXX");
		fd = mkstemp(f->log_path);
		assert_true(fd >= 0);
		close(fd);
		opts.call_log = f->log_path;
	}
	clock_start(&f->clock, T0, speed);
	f->hv = hv_sim_open(sc, &f->clock, &opts, err, sizeof(err));
	if (f->hv == NULL)
		fail_msg("%s", err);
	return f;
}

static void close_fixture(struct fixture *f)
{
	hv_close(f->hv);
	if (f->log_path[0] != '\0')
		unlink(f->log_path);
	free(f);
}

static int collect(void *arg, const struct mce_record *r)
{
	struct records *c = arg;

	if (c->n < MAX_RECORDS)
		c->r[c->n] = *r;
	c->n++;
	return 0;
}

static size_t drain(struct fixture *f)
{
	struct mce_reader *rd;
	char err[256];
	int fd;

	assert_int_equal(f->hv->ops->mce_source(f->hv, &rd, &fd), 0);
	f->got.n = 0;
	assert_true(mce_reader_drain(rd, collect, &f->got, err, sizeof(err)) >=
	            0);
	return f->got.n;
}

static bool readable(int fd, int timeout_ms)
{
	struct pollfd p = {.fd = fd, .events = POLLIN};

	return poll(&p, 1, timeout_ms) == 1;
}

static bool mce_readable(struct fixture *f)
{
	struct mce_reader *rd;
	int fd;

	assert_int_equal(f->hv->ops->mce_source(f->hv, &rd, &fd), 0);
	return readable(fd, 0);
}

/* Move the manual clock to T0 + rel and take up to max events. */
static size_t step(struct fixture *f, uint64_t rel, size_t max)
{
	size_t n = 99;

	clock_set(&f->clock, T0 + rel);
	assert_int_equal(f->hv->ops->events(f->hv, f->ev, max, &n), 0);
	assert_true(n <= max);
	return n;
}

static void test_timeline_fires_at_its_time(void **state)
{
	struct fixture *f =
	    open_text(BASE "at 00:05:00 mem-ce addr=0x100000040\n"
	                   "at 00:10:00 cache-ce cpu=5\n",
	              0, false);
	const struct mce_record *r = &f->got.r[0];

	(void)state;
	assert_int_equal(hv_sim_start_ms(f->hv), T0);
	assert_int_equal(step(f, 0, 8), 0);
	assert_int_equal(drain(f), 0);
	assert_int_equal(step(f, 5 * MIN - 1, 8), 0);
	assert_false(mce_readable(f));
	assert_int_equal(drain(f), 0);

	assert_int_equal(step(f, 5 * MIN, 8), 0);
	assert_true(mce_readable(f));
	assert_int_equal(drain(f), 1);
	assert_false(mce_readable(f));
	assert_int_equal(r->time, (T0 + 5 * MIN) / 1000);
	assert_int_equal(r->bank, 7);
	assert_int_equal(r->addr, 0x100000040);
	assert_int_equal(r->status, mce_status_mem_ce(1, 1, 1) |
	                                MCI_STATUS_ADDRV | MCI_STATUS_MISCV);
	assert_int_equal(r->misc, 0x86);
	assert_int_equal(r->mcgstatus, 0);
	assert_int_equal(r->socketid, 0);
	assert_int_equal(r->extcpu, 0);
	assert_int_equal(r->apicid, 0);
	assert_int_equal(r->cpuid, 0x50657);
	assert_int_equal(r->mcgcap, 0x1000c14);
	assert_int_equal(r->cpuvendor, MCE_VENDOR_INTEL);
	assert_int_equal(r->record_len, 112);

	assert_int_equal(step(f, 10 * MIN - 1, 8), 0);
	assert_int_equal(drain(f), 0);
	/* The last record ends the scenario. */
	assert_int_equal(step(f, 10 * MIN, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_int_equal(drain(f), 1);
	assert_int_equal(r->bank, 2);
	assert_int_equal(r->status, mce_status_cache_ce(2, 3, 1));
	assert_int_equal(r->extcpu, 5);
	assert_int_equal(r->apicid, 5);
	assert_int_equal(r->socketid, 1);
	assert_int_equal(r->addr, 0);
	close_fixture(f);
}

static void test_repeat_and_stride(void **state)
{
	struct fixture *f =
	    open_text(BASE "at 1m repeat=3 every=2m stride=0x1000 mem-ce "
	                   "addr=0x1fffff000 count=3\n"
	                   "at 6m mem-srao addr=0x2000 cpu=1\n"
	                   "at 7m repeat=2 every=0s stride=8 mce cpu=3 bank=4 "
	                   "status=0x9c00004000010090 addr=0x100 misc=0x86 "
	                   "mcgstatus=0x5\n"
	                   "at +0s end\n",
	              0, false);
	const struct mce_record *r = f->got.r;

	(void)state;
	assert_int_equal(step(f, 4 * MIN, 8), 0);
	assert_int_equal(drain(f), 2);
	assert_int_equal(r[0].addr, 0x1fffff000);
	assert_int_equal(r[0].time, (T0 + MIN) / 1000);
	assert_int_equal(r[0].status, mce_status_mem_ce(1, 1, 3) |
	                                  MCI_STATUS_ADDRV | MCI_STATUS_MISCV);
	assert_int_equal(r[0].extcpu, 0);
	/* The stride crossed into DIMM C: socket 1, channel 2. */
	assert_int_equal(r[1].addr, 0x200000000);
	assert_int_equal(r[1].time, (T0 + 3 * MIN) / 1000);
	assert_int_equal(r[1].status, mce_status_mem_ce(2, 1, 3) |
	                                  MCI_STATUS_ADDRV | MCI_STATUS_MISCV);
	assert_int_equal(r[1].socketid, 1);
	assert_int_equal(r[1].extcpu, 4);

	assert_int_equal(step(f, 7 * MIN, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_int_equal(drain(f), 4);
	assert_int_equal(r[0].addr, 0x200001000);
	assert_int_equal(r[1].addr, 0x2000);
	assert_int_equal(r[1].status, mce_status_patrol_srao(0) |
	                                  MCI_STATUS_ADDRV | MCI_STATUS_MISCV);
	assert_int_equal(r[1].mcgstatus, MCG_STATUS_RIPV);
	assert_int_equal(r[1].extcpu, 1);
	assert_int_equal(r[2].status, 0x9c00004000010090);
	assert_int_equal(r[2].bank, 4);
	assert_int_equal(r[2].addr, 0x100);
	assert_int_equal(r[2].mcgstatus, 5);
	assert_int_equal(r[3].addr, 0x108);
	assert_int_equal(r[3].time, (T0 + 7 * MIN) / 1000);
	close_fixture(f);
}

static void assert_page(struct fixture *f, uint64_t mfn, uint32_t raw,
                        enum hv_page_state state, enum hv_page_owner owner,
                        uint32_t domid)
{
	struct hv_page_status st;

	assert_int_equal(f->hv->ops->page_offline(f->hv, mfn, &st), 0);
	assert_int_equal(st.raw, raw);
	assert_int_equal(st.state, state);
	assert_int_equal(st.owner, owner);
	assert_int_equal(st.domid, domid);
}

static void assert_query(struct fixture *f, uint64_t mfn,
                         enum hv_page_state state, enum hv_page_owner owner,
                         uint32_t domid)
{
	struct hv_page_status st;

	assert_int_equal(f->hv->ops->page_query(f->hv, mfn, &st), 0);
	assert_int_equal(st.state, state);
	assert_int_equal(st.owner, owner);
	assert_int_equal(st.domid, domid);
}

static void test_page_offline_answers_like_xen(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	struct hv_page_status st;
	struct hv_topology topo;

	(void)state;
	assert_query(f, 0x100010, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);
	assert_query(f, 0x80000, HV_PAGE_ONLINE, HV_OWNER_FREE, 0);
	assert_query(f, 0x40000, HV_PAGE_ONLINE, HV_OWNER_XEN, 0);
	assert_page(f, 0x100010, 0x11004, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 1);
	assert_page(f, 0x200000, 0x71004, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 7);
	assert_page(f, 0x10, 0x204, HV_PAGE_PENDING, HV_OWNER_DOM0, 0);
	assert_page(f, 0x40000, 0x108, HV_PAGE_FAILED, HV_OWNER_XEN, 0);
	assert_page(f, 0x80000, 0x2, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_page(f, 0x80000, 0x2002, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_page(f, 0x300000, 0x808, HV_PAGE_FAILED, HV_OWNER_NOT_RAM, 0);
	assert_page(f, 1ull << 60, 0x808, HV_PAGE_FAILED, HV_OWNER_NOT_RAM, 0);
	/* Asking again about a pending page gives the same answer. */
	assert_page(f, 0x100010, 0x11004, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 1);

	assert_query(f, 0x100010, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 1);
	assert_query(f, 0x10, HV_PAGE_PENDING, HV_OWNER_DOM0, 0);
	assert_query(f, 0x80000, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_query(f, 0x100011, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);
	assert_int_equal(f->hv->ops->page_query(f->hv, 0x300000, &st), -EINVAL);
	assert_non_null(strstr(f->hv->err, "not on any DIMM"));

	assert_int_equal(f->hv->ops->topology(f->hv, &topo), 0);
	assert_int_equal(topo.total_pages, 3 * 1048576);
	/* All but dom0's 1G, Xen's 16M, three 1G guests and one page. */
	assert_int_equal(topo.free_pages,
	                 3 * 1048576 - 262144 - 4096 - 3 * 262144 - 1);
	assert_int_equal(topo.nr_cpus, 8);
	assert_int_equal(topo.cpu_vendor, MCE_VENDOR_INTEL);
	close_fixture(f);
}

static size_t domains_on(struct fixture *f, uint64_t start, uint64_t end,
                         uint32_t *ids)
{
	size_t n = 99;

	assert_int_equal(
	    f->hv->ops->domains_on_range(f->hv, start, end, ids, 8, &n), 0);
	return n;
}

static void test_pending_page_goes_when_guest_leaves(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	struct hv_domain doms[8];
	uint32_t ids[8];
	uint64_t id;
	size_t n;

	(void)state;
	assert_int_equal(domains_on(f, 0x100000000, 0x200000000, ids), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	assert_int_equal(domains_on(f, 0x0, 0x1000, ids), 1);
	assert_int_equal(ids[0], 0);
	assert_int_equal(domains_on(f, 0x40000000, 0x41000000, ids), 0);
	/* [start, end): the byte at end is not asked about. */
	assert_int_equal(domains_on(f, 0xc0000000, 0x100000000, ids), 0);
	assert_int_equal(f->hv->ops->domains_on_range(f->hv, 5, 5, ids, 8, &n),
	                 -EINVAL);

	assert_page(f, 0x100010, 0x11004, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 1);
	assert_page(f, 0x10, 0x204, HV_PAGE_PENDING, HV_OWNER_DOM0, 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "good", &id), 0);
	assert_int_equal(step(f, 90 * 1000 - 1, 8), 0);
	assert_query(f, 0x100010, HV_PAGE_PENDING, HV_OWNER_DOMAIN, 1);
	assert_int_equal(step(f, 90 * 1000, 8), 2);
	assert_int_equal(f->ev[0].type, HV_EVENT_MIGRATION_DONE);
	assert_int_equal(f->ev[1].type, HV_EVENT_SCENARIO_DONE);

	assert_query(f, 0x100010, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_page(f, 0x100010, 0x2002, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_query(f, 0x100011, HV_PAGE_ONLINE, HV_OWNER_FREE, 0);
	assert_page(f, 0x100011, 0x2, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	assert_query(f, 0x10, HV_PAGE_PENDING, HV_OWNER_DOM0, 0);
	assert_int_equal(domains_on(f, 0x100000000, 0x200000000, ids), 1);
	assert_int_equal(ids[0], 2);
	assert_int_equal(f->hv->ops->domains(f->hv, doms, 8, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(doms[0].domid, 0);
	assert_true(doms[0].control);
	assert_string_equal(doms[1].name, "g2");
	assert_int_equal(doms[2].domid, 7);
	assert_int_equal(doms[2].mem_bytes, 1ull << 30);
	close_fixture(f);
}

static void test_cpu_offline_rules(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	struct hv_cpu cpus[8];
	size_t n;

	(void)state;
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 0), -EBUSY);
	assert_string_equal(f->hv->err,
	                    "cpu_offline: Xen cannot offline cpu 0");
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 8), -EINVAL);
	assert_int_equal(f->hv->ops->cpu_online(f->hv, 8), -EINVAL);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->cpus(f->hv, cpus, 8, &n), 0);
	assert_int_equal(n, 8);
	assert_false(cpus[3].online);
	assert_true(cpus[2].online);
	assert_int_equal(cpus[3].socket, 0);
	assert_int_equal(cpus[3].core, 1);
	assert_int_equal(cpus[3].thread, 1);
	assert_int_equal(cpus[5].socket, 1);
	assert_int_equal(cpus[5].core, 0);
	assert_int_equal(cpus[5].thread, 1);
	assert_int_equal(f->hv->ops->cpu_online(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->cpus(f->hv, cpus, 2, &n), 0);
	assert_int_equal(n, 8);
	assert_int_equal(f->hv->ops->cpus(f->hv, cpus, 8, &n), 0);
	assert_true(cpus[3].online);
	close_fixture(f);

	f = open_text("host name=h sockets=1 cores=1 threads=2\n", 0, false);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 1), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 0), -EBUSY);
	assert_string_equal(f->hv->err,
	                    "cpu_offline: cpu 0 is the last online cpu");
	assert_int_equal(f->hv->ops->cpu_online(f->hv, 1), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 0), -EBUSY);
	assert_string_equal(f->hv->err,
	                    "cpu_offline: Xen cannot offline cpu 0");
	close_fixture(f);
}

static void test_migration_done_and_failed(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	struct sim_stats stats;
	uint64_t id = 0;

	(void)state;
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 0, "good", &id),
	                 -EPERM);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 99, "good", &id),
	                 -ENOENT);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "nowhere", &id),
	                 -ENOENT);
	assert_string_equal(f->hv->err, "migrate: no peer named 'nowhere'");
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "bad", &id), 0);
	assert_int_equal(id, 1);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "good", &id),
	                 -EALREADY);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 2, "good", &id), 0);
	assert_int_equal(id, 2);

	assert_int_equal(step(f, 30000 - 1, 8), 0);
	assert_int_equal(step(f, 30000, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_MIGRATION_FAILED);
	assert_int_equal(f->ev[0].migration_id, 1);
	assert_int_equal(f->ev[0].domid, 1);
	assert_string_equal(f->ev[0].peer, "bad");
	assert_int_equal(f->ev[0].error, ECONNREFUSED);
	assert_string_equal(f->ev[0].detail, "peer bad: connection refused");

	/* Retried at 30 s: due at 120 s, after guest 2 took 1G of 1.5G. */
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "good", &id), 0);
	assert_int_equal(id, 3);
	assert_int_equal(step(f, 90000, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_MIGRATION_DONE);
	assert_int_equal(f->ev[0].migration_id, 2);
	assert_int_equal(f->ev[0].domid, 2);
	assert_string_equal(f->ev[0].peer, "good");
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 2, "good", &id),
	                 -ENOENT);
	assert_string_equal(f->hv->err,
	                    "migrate: domain 2 is not on this host");

	assert_int_equal(step(f, 120000, 8), 2);
	assert_int_equal(f->ev[0].type, HV_EVENT_MIGRATION_FAILED);
	assert_int_equal(f->ev[0].migration_id, 3);
	assert_int_equal(f->ev[0].error, ENOMEM);
	assert_string_equal(f->ev[0].detail,
	                    "peer good: not enough free memory");
	assert_int_equal(f->ev[1].type, HV_EVENT_SCENARIO_DONE);
	assert_query(f, 0x100010, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);

	assert_int_equal(hv_sim_stats(f->hv, &stats), 0);
	assert_int_equal(stats.migrations_started, 3);
	assert_int_equal(stats.migrations_done, 1);
	assert_int_equal(stats.migrations_failed, 2);
	assert_int_equal(stats.migrations_running, 0);
	close_fixture(f);
}

static void test_device_overflows_and_says_so(void **state)
{
	struct fixture *f = open_text(
	    BASE "at 1s repeat=40 every=0ms cache-ce cpu=1\n", 0, false);
	const struct mce_reader_stats *rs;
	struct mce_reader *rd;
	struct sim_stats stats;
	char err[256];
	int fd;

	(void)state;
	assert_int_equal(step(f, 1000, 8), 1);
	assert_int_equal(hv_sim_stats(f->hv, &stats), 0);
	assert_int_equal(stats.records_fired, 40);
	assert_int_equal(stats.records_dropped, 8);
	assert_int_equal(stats.records_pending, 0);
	assert_int_equal(f->hv->ops->mce_source(f->hv, &rd, &fd), 0);
	f->got.n = 0;
	assert_int_equal(
	    mce_reader_drain(rd, collect, &f->got, err, sizeof(err)), 32);
	assert_non_null(strstr(err, "overflow"));
	rs = mce_reader_stats(rd);
	assert_int_equal(rs->overflows, 1);
	/* The flag was cleared by reading it. */
	assert_int_equal(
	    mce_reader_drain(rd, collect, &f->got, err, sizeof(err)), 0);
	assert_int_equal(rs->overflows, 1);
	close_fixture(f);
}

static void test_device_driver_semantics(void **state)
{
	unsigned char buf[4 * 112];
	struct mce_record r;
	struct sim_mcelog *dev;
	char err[128];
	int i, value;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = MCI_STATUS_VAL;
	assert_int_equal(sim_mcelog_open(&dev, 112, 4, err, sizeof(err)), 0);
	assert_false(readable(sim_mcelog_poll_fd(dev), 0));
	for (i = 0; i < 4; i++)
		assert_int_equal(sim_mcelog_push_record(dev, &r), 0);
	assert_true(readable(sim_mcelog_poll_fd(dev), 0));
	assert_int_equal(sim_mcelog_push_record(dev, &r), -1);

	assert_int_equal(
	    sim_mcelog_ioctl(dev, MCE_IOCTL_GET_RECORD_LEN, &value), 0);
	assert_int_equal(value, 112);
	assert_int_equal(sim_mcelog_ioctl(dev, MCE_IOCTL_GET_LOG_LEN, &value),
	                 0);
	assert_int_equal(value, 4);
	errno = 0;
	assert_int_equal(sim_mcelog_ioctl(dev, 0x4d99, &value), -1);
	assert_int_equal(errno, ENOTTY);

	errno = 0;
	assert_int_equal(sim_mcelog_read(dev, buf, sizeof(buf) - 1), -1);
	assert_int_equal(errno, EINVAL);
	assert_true(readable(sim_mcelog_poll_fd(dev), 0));
	assert_int_equal(sim_mcelog_read(dev, buf, sizeof(buf)), 4 * 112);
	assert_false(readable(sim_mcelog_poll_fd(dev), 0));
	assert_int_equal(sim_mcelog_read(dev, buf, sizeof(buf)), 0);

	assert_int_equal(
	    sim_mcelog_ioctl(dev, MCE_IOCTL_GETCLEAR_FLAGS, &value), 0);
	assert_int_equal(value, MCE_FLAG_OVERFLOW);
	assert_int_equal(
	    sim_mcelog_ioctl(dev, MCE_IOCTL_GETCLEAR_FLAGS, &value), 0);
	assert_int_equal(value, 0);
	sim_mcelog_close(dev);
}

static void test_scenario_done_exactly_once(void **state)
{
	struct fixture *f = open_text(BASE "at 1m cache-ce cpu=1\n"
	                                   "at 5m end\n",
	                              0, false);
	int fd;

	(void)state;
	fd = f->hv->ops->event_fd(f->hv);
	assert_true(fd >= 0);
	/* A manual clock arms the fd only for what is due. */
	assert_false(readable(fd, 20));
	assert_int_equal(step(f, MIN, 8), 0);
	assert_int_equal(drain(f), 1);
	assert_int_equal(step(f, 5 * MIN - 1, 8), 0);
	assert_int_equal(step(f, 5 * MIN, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_false(readable(fd, 20));
	assert_int_equal(step(f, 6 * MIN, 8), 0);
	assert_int_equal(step(f, 600 * MIN, 8), 0);
	close_fixture(f);

	/* No timeline: the end is due at once, and the fd says so. */
	f = open_text(BASE, 0, false);
	fd = f->hv->ops->event_fd(f->hv);
	assert_true(readable(fd, 1000));
	assert_int_equal(step(f, 0, 0), 0);
	assert_true(readable(fd, 1000));
	assert_int_equal(step(f, 0, 8), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_false(readable(fd, 20));
	assert_int_equal(step(f, 0, 8), 0);
	close_fixture(f);
}

static void test_events_beyond_max_wait(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	uint64_t id;
	int fd = f->hv->ops->event_fd(f->hv);

	(void)state;
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "bad", &id), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 2, "bad", &id), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 7, "bad", &id), 0);
	assert_false(readable(fd, 20));
	assert_int_equal(step(f, 30000, 1), 1);
	assert_int_equal(f->ev[0].migration_id, 1);
	assert_true(readable(fd, 1000));
	assert_int_equal(step(f, 30000, 2), 2);
	assert_int_equal(f->ev[0].migration_id, 2);
	assert_int_equal(f->ev[1].migration_id, 3);
	assert_true(readable(fd, 1000));
	assert_int_equal(step(f, 30000, 2), 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_false(readable(fd, 20));
	close_fixture(f);
}

static void test_accelerated_clock_wakes_the_fd(void **state)
{
	/* 60000 virtual ms per real ms: 00:05:00 is 5 ms away. */
	struct fixture *f =
	    open_text(BASE "at 00:05:00 cache-ce cpu=1\n", 60000, false);
	int fd = f->hv->ops->event_fd(f->hv), tries;
	size_t n = 0;

	(void)state;
	for (tries = 0; tries < 100 && f->got.n == 0; tries++) {
		assert_true(readable(fd, 2000));
		assert_int_equal(f->hv->ops->events(f->hv, f->ev, 8, &n), 0);
		drain(f);
	}
	assert_int_equal(f->got.n, 1);
	assert_true(f->got.r[0].time >= (T0 + 5 * MIN) / 1000);
	close_fixture(f);
}

static void test_inject(void **state)
{
	struct fixture *f = open_text(BASE, 0, false);
	struct sim_stats stats;
	struct mce_record r;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.status = 0x9c00004000010090;
	r.bank = 1;
	r.addr = 0x2345000;
	r.extcpu = 6;
	assert_int_equal(f->hv->ops->inject(f->hv, &r), 0);
	assert_int_equal(drain(f), 1);
	assert_int_equal(f->got.r[0].status, r.status);
	assert_int_equal(f->got.r[0].addr, r.addr);
	assert_int_equal(f->got.r[0].extcpu, 6);
	assert_int_equal(hv_sim_stats(f->hv, &stats), 0);
	assert_int_equal(stats.records_fired, 1);
	close_fixture(f);
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *fp = fopen(path, "r");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	buf[n] = '\0';
	fclose(fp);
	return buf;
}

static void test_call_log(void **state)
{
	struct fixture *f = open_text(BASE, 0, true);
	struct hv_page_status st;
	uint64_t id;
	char want[128], *log;

	(void)state;
	assert_int_equal(f->hv->ops->page_offline(f->hv, 0x100010, &st), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 0), -EBUSY);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "bad", &id), 0);
	step(f, 30000, 8);
	log = slurp(f->log_path);
	snprintf(want, sizeof(want),
	         "%llu page_offline mfn=0x100010 raw=0x11004 state=pending "
	         "owner=domain domid=1\n",
	         T0);
	assert_non_null(strstr(log, want));
	assert_non_null(strstr(log, " cpu_offline cpu=3 rc=0\n"));
	assert_non_null(strstr(log, " cpu_offline cpu=0 rc=-16\n"));
	assert_non_null(strstr(log, " migrate_start domid=1 peer=bad id=1\n"));
	snprintf(want, sizeof(want),
	         "%llu migrate_failed id=1 domid=1 peer=bad error=\"peer "
	         "bad: connection refused\"\n",
	         T0 + 30000);
	assert_non_null(strstr(log, want));
	close_fixture(f);
}

#define CHECKS                                                                 \
	"expect events=3\n"                                                    \
	"expect pages_offlined>=1 actions_failed<=0\n"                         \
	"expect page_offlined mfn=0x100010 owner=1\n"                          \
	"expect page_offlined mfn=0x10 owner=dom0\n"                           \
	"expect page_not_offlined mfn=0x100011\n"                              \
	"expect cpu_offlined cpu=3\n"                                          \
	"expect cpu_not_offlined cpu=5\n"                                      \
	"expect migrated domid=2 peer=good\n"                                  \
	"expect not_migrated domid=7\n"                                        \
	"expect migrate_attempts domid=1 n=2\n"

/* What a correct daemon would have done for CHECKS. */
static void act(struct fixture *f)
{
	struct hv_page_status st;
	uint64_t id;

	assert_int_equal(f->hv->ops->page_offline(f->hv, 0x100010, &st), 0);
	assert_int_equal(f->hv->ops->page_offline(f->hv, 0x10, &st), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "bad", &id), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 2, "good", &id), 0);
	step(f, 90000, 8);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "good", &id), 0);
	step(f, 180000, 8);
}

static void test_check_passes_and_fails(void **state)
{
	struct fixture *f = open_text(BASE CHECKS, 0, false);
	struct sim_observed obs = {3, 1, 1, 1, 0};
	char report[4096];

	(void)state;
	act(f);
	if (hv_sim_check(f->hv, &obs, report, sizeof(report)) != 0)
		fail_msg("%s", report);
	assert_non_null(strstr(report, "ok   expect events=3 (got 3)\n"));
	assert_non_null(strstr(report, "ok   expect actions_failed<=0 (got "
	                               "0)\n"));
	assert_non_null(strstr(report, "ok   expect migrated domid=2 "
	                               "peer=good (domid 2 went to good)\n"));
	assert_non_null(strstr(report, "ok   expect migrate_attempts "
	                               "domid=1 n=2 (got 2)\n"));

	obs.events = 2;
	obs.actions_failed = 2;
	assert_int_equal(hv_sim_check(f->hv, &obs, report, sizeof(report)), 2);
	assert_non_null(strstr(report, "FAILED expect events=3 (got 2)\n"));
	assert_non_null(strstr(report, "FAILED expect actions_failed<=0 "
	                               "(got 2)\n"));
	assert_int_equal(hv_sim_check(f->hv, NULL, report, sizeof(report)), 3);
	assert_non_null(strstr(report, "FAILED expect events=3 (nothing "
	                               "observed)\n"));
	/* A short report is cut, the count is not. */
	assert_int_equal(hv_sim_check(f->hv, NULL, report, 10), 3);
	assert_int_equal(strlen(report), 9);
	assert_int_equal(hv_sim_check(f->hv, NULL, NULL, 0), 3);
	close_fixture(f);
}

static void test_check_names_what_went_wrong(void **state)
{
	struct fixture *f =
	    open_text(BASE "peer name=other capacity=64G migrate_time=10s\n"
	                   "expect migrated domid=1 peer=good\n"
	                   "expect migrated domid=2 peer=good\n"
	                   "expect not_migrated domid=1\n"
	                   "expect page_offlined mfn=0x10 owner=xen\n"
	                   "expect page_offlined mfn=0x11\n"
	                   "expect page_not_offlined mfn=0x10\n"
	                   "expect cpu_offlined cpu=4\n"
	                   "expect cpu_not_offlined cpu=3\n"
	                   "expect migrate_attempts domid=2 n>=1\n",
	              0, false);
	struct hv_page_status st;
	struct sim_observed obs = {0, 0, 0, 0, 0};
	struct hv_ops other_ops = {.name = "other"};
	struct hv other = {.ops = &other_ops};
	char report[4096];
	uint64_t id;

	(void)state;
	assert_int_equal(f->hv->ops->page_offline(f->hv, 0x10, &st), 0);
	assert_int_equal(f->hv->ops->cpu_offline(f->hv, 3), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "other", &id), 0);
	step(f, 10000, 8);
	assert_int_equal(hv_sim_check(f->hv, &obs, report, sizeof(report)), 9);
	assert_non_null(strstr(report, "FAILED expect migrated domid=1 "
	                               "peer=good (domid 1 went to other)\n"));
	assert_non_null(strstr(report, "FAILED expect migrated domid=2 "
	                               "peer=good (domid 2 was not "
	                               "migrated)\n"));
	assert_non_null(strstr(report, "FAILED expect not_migrated domid=1 "
	                               "(domid 1 went to other)\n"));
	assert_non_null(strstr(report, "FAILED expect page_offlined mfn=0x10 "
	                               "owner=xen (offline call: pending, "
	                               "owner dom0)\n"));
	assert_non_null(strstr(report, "FAILED expect page_offlined mfn=0x11 "
	                               "(no offline call for mfn 0x11)\n"));
	assert_non_null(strstr(report, "FAILED expect page_not_offlined "
	                               "mfn=0x10 (offline call: pending, "
	                               "owner dom0)\n"));
	assert_non_null(strstr(report, "FAILED expect cpu_offlined cpu=4 "
	                               "(cpu 4 was never offlined)\n"));
	assert_non_null(strstr(report, "FAILED expect cpu_not_offlined cpu=3 "
	                               "(cpu 3 was offlined)\n"));
	assert_non_null(strstr(report, "FAILED expect migrate_attempts "
	                               "domid=2 n>=1 (got 0)\n"));

	assert_int_equal(hv_sim_check(&other, &obs, report, sizeof(report)), 1);
	assert_string_equal(report, "FAILED not a simulated host\n");
	assert_int_equal(hv_sim_start_ms(&other), 0);
	close_fixture(f);
}

/* Found from the repository root, or next to this source file. */
static struct fixture *open_shipped(void)
{
	static const char rel[] = "hypervisor/sim/scenarios/failing-dimm.scn";
	const char *tail = strstr(__FILE__, "tests/unit/");
	struct fixture *f = calloc(1, sizeof(*f));
	struct sim_scenario *sc;
	char path[512], err[256];

	assert_non_null(f);
	if (access(rel, R_OK) == 0 || tail == NULL)
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%.*s%s", (int)(tail - __FILE__),
		         __FILE__, rel);
	if (sim_scenario_load(path, &sc, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	clock_start(&f->clock, T0, 0);
	f->hv = hv_sim_open(sc, &f->clock, NULL, err, sizeof(err));
	if (f->hv == NULL)
		fail_msg("%s", err);
	return f;
}

/* The demo's story holds: its addresses, owners and expectations. */
static void test_shipped_failing_dimm_story(void **state)
{
	struct fixture *f = open_shipped();
	struct sim_observed obs = {13, 1, 0, 2, 1};
	struct hv_page_status st;
	char report[4096];
	uint64_t minute, id, records = 0;
	uint32_t ids[8];
	size_t n = 0;

	(void)state;
	assert_query(f, 0x204523, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);
	assert_query(f, 0x2fffc0, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);
	assert_query(f, 0x2ffff0, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 1);
	assert_query(f, 0x300000, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 2);
	assert_query(f, 0x300040, HV_PAGE_ONLINE, HV_OWNER_DOMAIN, 2);
	assert_int_equal(domains_on(f, 0x200000000, 0x400000000, ids), 2);
	assert_int_equal(ids[0], 1);
	assert_int_equal(ids[1], 2);
	for (minute = 0; minute <= 90 && n == 0; minute++) {
		n = step(f, minute * MIN, 8);
		records += drain(f);
		if (minute == 20)
			assert_int_equal(records, 3);
	}
	assert_int_equal(n, 1);
	assert_int_equal(f->ev[0].type, HV_EVENT_SCENARIO_DONE);
	assert_int_equal(minute - 1, 90);
	assert_int_equal(records, 13);

	/* What rasd is meant to do, the failed first try included. */
	assert_int_equal(f->hv->ops->page_offline(f->hv, 0x204523, &st), 0);
	assert_int_equal(st.state, HV_PAGE_PENDING);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "xen-c", &id), 0);
	step(f, 91 * MIN, 8);
	assert_int_equal(f->ev[0].type, HV_EVENT_MIGRATION_FAILED);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 1, "xen-b", &id), 0);
	assert_int_equal(f->hv->ops->migrate_start(f->hv, 2, "xen-b", &id), 0);
	step(f, 93 * MIN, 8);
	assert_query(f, 0x204523, HV_PAGE_OFFLINED, HV_OWNER_FREE, 0);
	if (hv_sim_check(f->hv, &obs, report, sizeof(report)) != 0)
		fail_msg("%s", report);
	close_fixture(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_timeline_fires_at_its_time),
	    cmocka_unit_test(test_repeat_and_stride),
	    cmocka_unit_test(test_page_offline_answers_like_xen),
	    cmocka_unit_test(test_pending_page_goes_when_guest_leaves),
	    cmocka_unit_test(test_cpu_offline_rules),
	    cmocka_unit_test(test_migration_done_and_failed),
	    cmocka_unit_test(test_device_overflows_and_says_so),
	    cmocka_unit_test(test_device_driver_semantics),
	    cmocka_unit_test(test_scenario_done_exactly_once),
	    cmocka_unit_test(test_events_beyond_max_wait),
	    cmocka_unit_test(test_accelerated_clock_wakes_the_fd),
	    cmocka_unit_test(test_inject),
	    cmocka_unit_test(test_call_log),
	    cmocka_unit_test(test_check_passes_and_fails),
	    cmocka_unit_test(test_check_names_what_went_wrong),
	    cmocka_unit_test(test_shipped_failing_dimm_story),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* test_cpu_offline.c - which errors count against a core, the per-core
 * threshold, and the safety rules (protected, last CPU) before any call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "cpu-offline/cpu_offline.h"

/* A hypervisor that only counts cpu_offline calls. */
struct count_hv {
	struct hv base;
	int calls;
	uint32_t last;
};

static int count_cpu_offline(struct hv *hv, uint32_t cpu)
{
	struct count_hv *c = (struct count_hv *)hv;

	c->calls++;
	c->last = cpu;
	return 0;
}

static const struct hv_ops count_ops = {.name = "count",
                                        .cpu_offline = count_cpu_offline};

/* 1 socket, 2 cores, 2 threads: cpus 0,1 on core 0; 2,3 on core 1. */
static const struct hv_cpu four[] = {
    {0, 0, 0, 0, true},
    {1, 0, 0, 1, true},
    {2, 0, 1, 0, true},
    {3, 0, 1, 1, true},
};

static struct cpu_offline *make(const struct hv_cpu *cpus, size_t n,
                                uint8_t protected_mask, uint32_t limit)
{
	static uint8_t prot[1];
	struct cpu_offline_rules r = {
	    .core = {.limit = limit, .window_ms = 3600000},
	    .protected = prot,
	    .protected_bits = 8,
	};
	struct cpu_offline *co;

	prot[0] = protected_mask;
	assert_int_equal(cpu_offline_create(&co, &r, cpus, n), 0);
	return co;
}

static void which_errors_count(void **state)
{
	struct mce_record r;
	struct mce_decoded d;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.mcgcap = 0x1000c14;
	r.status = mce_status_cache_ce(2, 3, 1);
	assert_int_equal(mce_decode(&r, &d), 0);
	assert_true(cpu_offline_counts(&d));
	r.status = mce_status_mem_ce(1, 1, 1);
	assert_int_equal(mce_decode(&r, &d), 0);
	assert_false(cpu_offline_counts(&d));
	/* Uncorrected cache error: a page or reboot matter, not a core one. */
	r.status =
	    mce_status_cache_ce(2, 3, 1) | MCI_STATUS_UC | MCI_STATUS_PCC;
	assert_int_equal(mce_decode(&r, &d), 0);
	assert_false(cpu_offline_counts(&d));
}

static void threads_share_a_core_bucket(void **state)
{
	struct cpu_offline *co = make(four, 4, 0, 3);
	uint32_t level;

	(void)state;
	assert_false(cpu_offline_charge(co, 2, 10, &level));
	assert_false(cpu_offline_charge(co, 3, 20, &level));
	assert_true(cpu_offline_charge(co, 2, 30, &level));
	assert_int_equal(level, 3);
	assert_int_equal(cpu_offline_core_level(co, 0, 30), 0);
	assert_false(cpu_offline_charge(co, 99, 40, &level));
	cpu_offline_destroy(co);
}

static void plan_takes_the_whole_core(void **state)
{
	struct cpu_offline *co = make(four, 4, 0, 3);
	uint32_t plan[8];
	size_t n;
	char why[128];

	(void)state;
	assert_int_equal(cpu_offline_plan(co, 3, plan, 8, &n, why, sizeof(why)),
	                 CPU_OFFLINE_ALLOWED);
	assert_int_equal(n, 2);
	assert_int_equal(plan[0], 2);
	assert_int_equal(plan[1], 3);
	cpu_offline_destroy(co);
}

static void protected_cpu_refused(void **state)
{
	struct cpu_offline *co = make(four, 4, 0x1, 3);
	uint32_t plan[8];
	size_t n;
	char why[128];

	(void)state;
	/* cpu 1 shares core 0 with protected cpu 0. */
	assert_int_equal(cpu_offline_plan(co, 1, plan, 8, &n, why, sizeof(why)),
	                 CPU_OFFLINE_PROTECTED);
	assert_int_equal(n, 0);
	assert_non_null(strstr(why, "protected"));
	cpu_offline_destroy(co);
}

static void never_the_last_cpus(void **state)
{
	struct count_hv hv = {.base = {.ops = &count_ops}};
	struct cpu_offline *co = make(four, 4, 0, 3);
	uint32_t plan[8];
	size_t n, i;
	char why[128], err[128];

	(void)state;
	assert_int_equal(cpu_offline_plan(co, 2, plan, 8, &n, why, sizeof(why)),
	                 CPU_OFFLINE_ALLOWED);
	for (i = 0; i < n; i++)
		assert_int_equal(
		    cpu_offline_apply(co, &hv.base, plan[i], err, sizeof(err)),
		    0);
	assert_int_equal(hv.calls, 2);
	assert_int_equal(cpu_offline_online_count(co), 2);
	/* Core 0 now holds the last online CPUs. */
	assert_int_equal(cpu_offline_plan(co, 0, plan, 8, &n, why, sizeof(why)),
	                 CPU_OFFLINE_LAST_CPUS);
	assert_int_equal(n, 0);
	assert_int_equal(cpu_offline_plan(co, 3, plan, 8, &n, why, sizeof(why)),
	                 CPU_OFFLINE_ALREADY);
	/* apply re-checks: a stale plan cannot take the last CPU. */
	assert_int_equal(cpu_offline_apply(co, &hv.base, 0, err, sizeof(err)),
	                 0);
	assert_true(cpu_offline_apply(co, &hv.base, 1, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "last online"));
	assert_int_equal(hv.calls, 3);
	cpu_offline_destroy(co);
}

static void unknown_cpu(void **state)
{
	struct cpu_offline *co = make(four, 4, 0, 3);
	uint32_t plan[8];
	size_t n;
	char why[128];

	(void)state;
	assert_int_equal(
	    cpu_offline_plan(co, 17, plan, 8, &n, why, sizeof(why)),
	    CPU_OFFLINE_UNKNOWN_CPU);
	cpu_offline_destroy(co);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(which_errors_count),
	    cmocka_unit_test(threads_share_a_core_bucket),
	    cmocka_unit_test(plan_takes_the_whole_core),
	    cmocka_unit_test(protected_cpu_refused),
	    cmocka_unit_test(never_the_last_cpus),
	    cmocka_unit_test(unknown_cpu),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

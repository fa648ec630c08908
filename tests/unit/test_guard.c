/* test_guard.c - the privileged parent's own rules, asked as a taken-over
 * engine would ask: CPU 0, protected and last CPUs, the page caps, dom0. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "priv/guard.h"

static const struct hv_cpu four[] = {
    {0, 0, 0, 0, true},
    {1, 0, 0, 1, true},
    {2, 0, 1, 0, true},
    {3, 0, 1, 1, true},
};

static void guard_with(struct guard *g, const char *text, uint64_t pages)
{
	struct policy p;
	char err[256] = "";

	policy_defaults(&p);
	if (text != NULL)
		assert_int_equal(
		    policy_load_string(&p, text, "t.conf", err, sizeof(err)),
		    0);
	guard_init(g, &p, pages);
}

static void cpu_zero_never(void **state)
{
	struct guard g;
	char why[128] = "";

	(void)state;
	guard_with(&g, NULL, 1u << 20);
	assert_int_equal(guard_cpu_offline(&g, four, 4, 0, why, sizeof(why)),
	                 -1);
	assert_non_null(strstr(why, "CPU 0"));
	assert_int_equal(guard_cpu_offline(&g, four, 4, 2, why, sizeof(why)),
	                 0);
}

static void cpu_protected_by_policy(void **state)
{
	struct guard g;
	char why[128] = "";

	(void)state;
	guard_with(&g, "[cpu]\nprotect = 0,3\n", 1u << 20);
	assert_int_equal(guard_cpu_offline(&g, four, 4, 3, why, sizeof(why)),
	                 -1);
	assert_non_null(strstr(why, "protected"));
	assert_int_equal(guard_cpu_offline(&g, four, 4, 1, why, sizeof(why)),
	                 0);
}

static void cpu_last_online(void **state)
{
	const struct hv_cpu one_left[] = {
	    {0, 0, 0, 0, false},
	    {1, 0, 0, 1, false},
	    {2, 0, 1, 0, true},
	    {3, 0, 1, 1, false},
	};
	struct guard g;
	char why[128] = "";

	(void)state;
	guard_with(&g, NULL, 1u << 20);
	assert_int_equal(
	    guard_cpu_offline(&g, one_left, 4, 2, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "last one online"));
}

static void page_cap_counts_what_was_taken(void **state)
{
	struct hv_page_status taken = {.state = HV_PAGE_OFFLINED};
	struct hv_page_status refused = {.state = HV_PAGE_FAILED};
	struct guard g;
	char why[128] = "";
	int i;

	(void)state;
	guard_with(&g, "[page]\nmax_offlined = 3\n", 1u << 30);
	for (i = 0; i < 3; i++) {
		assert_int_equal(guard_page_offline(&g, why, sizeof(why)), 0);
		guard_page_taken(&g, &taken);
		guard_page_taken(&g, &refused); /* not counted */
	}
	assert_int_equal(guard_page_offline(&g, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "max_offlined 3"));
}

static void page_cap_by_share(void **state)
{
	struct hv_page_status pending = {.state = HV_PAGE_PENDING};
	struct guard g;
	char why[128] = "";

	(void)state;
	/* 0.1% of 2000 pages: two pages. */
	guard_with(&g, NULL, 2000);
	assert_int_equal(guard_page_offline(&g, why, sizeof(why)), 0);
	guard_page_taken(&g, &pending);
	assert_int_equal(guard_page_offline(&g, why, sizeof(why)), 0);
	guard_page_taken(&g, &pending);
	assert_int_equal(guard_page_offline(&g, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "max_share"));
}

static void migrate_control_and_unknown(void **state)
{
	const struct hv_domain doms[] = {
	    {.domid = 0, .name = "Domain-0", .control = true},
	    {.domid = 1, .name = "web-01"},
	    {.domid = 7, .name = "stubdom", .control = true},
	};
	struct guard g;
	char why[128] = "";

	(void)state;
	guard_with(&g, NULL, 1u << 20);
	assert_int_equal(guard_migrate(&g, doms, 3, 0, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "control domain"));
	assert_int_equal(guard_migrate(&g, doms, 3, 7, why, sizeof(why)), -1);
	assert_int_equal(guard_migrate(&g, doms, 3, 9, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not on this host"));
	assert_int_equal(guard_migrate(&g, doms, 3, 1, why, sizeof(why)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(cpu_zero_never),
	    cmocka_unit_test(cpu_protected_by_policy),
	    cmocka_unit_test(cpu_last_online),
	    cmocka_unit_test(page_cap_counts_what_was_taken),
	    cmocka_unit_test(page_cap_by_share),
	    cmocka_unit_test(migrate_control_and_unknown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

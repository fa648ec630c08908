/* test_hv.c - the backend-neutral part of the hypervisor interface: Xen's
 * page offline status words, state and owner names, opening by spec. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypervisor/hv.h"
#include "hypervisor/xen_page_status.h"

static struct hv_page_status decode(uint32_t raw)
{
	struct hv_page_status st;

	memset(&st, 0xa5, sizeof(st));
	hv_page_status_from_xen(raw, &st);
	return st;
}

static void test_constants_match_xen(void **state)
{
	(void)state;
	/* xen/include/public/sysctl.h */
	assert_int_equal(PG_OFFLINE_STATUS_MASK, 0xff);
	assert_int_equal(PG_OFFLINE_INVALID, 0x1);
	assert_int_equal(PG_OFFLINE_OFFLINED, 0x2);
	assert_int_equal(PG_OFFLINE_PENDING, 0x4);
	assert_int_equal(PG_OFFLINE_FAILED, 0x8);
	assert_int_equal(PG_OFFLINE_AGAIN, 0x10);
	assert_int_equal(PG_OFFLINE_XENPAGE, 0x100);
	assert_int_equal(PG_OFFLINE_DOM0PAGE, 0x200);
	assert_int_equal(PG_OFFLINE_ANONYMOUS, 0x400);
	assert_int_equal(PG_OFFLINE_NOT_CONV_RAM, 0x800);
	assert_int_equal(PG_OFFLINE_OWNED, 0x1000);
	assert_int_equal(PG_OFFLINE_BROKEN, 0x2000);
	assert_int_equal(PG_OFFLINE_OWNER_SHIFT, 16);
}

static void test_decode_offlined(void **state)
{
	struct hv_page_status st = decode(PG_OFFLINE_OFFLINED);

	(void)state;
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	assert_int_equal(st.owner, HV_OWNER_FREE);
	assert_int_equal(st.domid, 0);
	assert_false(st.broken);
	assert_int_equal(st.raw, PG_OFFLINE_OFFLINED);
}

static void test_decode_offlined_broken(void **state)
{
	struct hv_page_status st =
	    decode(PG_OFFLINE_OFFLINED | PG_OFFLINE_BROKEN);

	(void)state;
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	assert_true(st.broken);
	assert_int_equal(st.raw, 0x2002);
}

static void test_decode_pending_guest(void **state)
{
	struct hv_page_status st = decode(0x11004);

	(void)state;
	assert_int_equal(st.state, HV_PAGE_PENDING);
	assert_int_equal(st.owner, HV_OWNER_DOMAIN);
	assert_int_equal(st.domid, 1);
	st = decode(PG_OFFLINE_PENDING | PG_OFFLINE_OWNED | 0x7fefu << 16);
	assert_int_equal(st.owner, HV_OWNER_DOMAIN);
	assert_int_equal(st.domid, 0x7fef);
}

static void test_decode_pending_dom0(void **state)
{
	struct hv_page_status st =
	    decode(PG_OFFLINE_PENDING | PG_OFFLINE_DOM0PAGE);

	(void)state;
	assert_int_equal(st.state, HV_PAGE_PENDING);
	assert_int_equal(st.owner, HV_OWNER_DOM0);
	assert_int_equal(st.domid, 0);
	/* Real Xen says OWNED by domid 0 for dom0's pages. */
	st = decode(PG_OFFLINE_PENDING | PG_OFFLINE_OWNED);
	assert_int_equal(st.owner, HV_OWNER_DOM0);
}

static void test_decode_failed_owners(void **state)
{
	(void)state;
	assert_int_equal(decode(PG_OFFLINE_FAILED | PG_OFFLINE_XENPAGE).owner,
	                 HV_OWNER_XEN);
	assert_int_equal(decode(PG_OFFLINE_FAILED | PG_OFFLINE_XENPAGE).state,
	                 HV_PAGE_FAILED);
	assert_int_equal(
	    decode(PG_OFFLINE_FAILED | PG_OFFLINE_NOT_CONV_RAM).owner,
	    HV_OWNER_NOT_RAM);
	assert_int_equal(
	    decode(PG_OFFLINE_FAILED | PG_OFFLINE_ANONYMOUS | 0x7ff4u << 16)
	        .owner,
	    HV_OWNER_ANONYMOUS);
	/* Xen's own heap page, pending, owned by DOMID_XEN. */
	assert_int_equal(
	    decode(PG_OFFLINE_PENDING | PG_OFFLINE_OWNED | XEN_DOMID_XEN << 16)
	        .owner,
	    HV_OWNER_XEN);
	assert_int_equal(decode(PG_OFFLINE_FAILED).owner, HV_OWNER_FREE);
}

static void test_decode_again_and_invalid(void **state)
{
	(void)state;
	assert_int_equal(decode(PG_OFFLINE_AGAIN).state, HV_PAGE_AGAIN);
	assert_int_equal(decode(PG_OFFLINE_AGAIN).owner, HV_OWNER_ANONYMOUS);
	assert_int_equal(decode(PG_OFFLINE_INVALID).state, HV_PAGE_FAILED);
	assert_int_equal(decode(0).state, HV_PAGE_FAILED);
	/* A refusal outweighs any other outcome bit. */
	assert_int_equal(decode(PG_OFFLINE_FAILED | PG_OFFLINE_OFFLINED).state,
	                 HV_PAGE_FAILED);
}

static void test_decode_misc_bits_only_with_failed_or_pending(void **state)
{
	struct hv_page_status st =
	    decode(PG_OFFLINE_OFFLINED | PG_OFFLINE_XENPAGE | 3u << 16);

	(void)state;
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	assert_int_equal(st.owner, HV_OWNER_FREE);
	assert_int_equal(st.domid, 0);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(hv_page_state_name(HV_PAGE_ONLINE), "online");
	assert_string_equal(hv_page_state_name(HV_PAGE_OFFLINED), "offlined");
	assert_string_equal(hv_page_state_name(HV_PAGE_PENDING), "pending");
	assert_string_equal(hv_page_state_name(HV_PAGE_FAILED), "failed");
	assert_string_equal(hv_page_state_name(HV_PAGE_AGAIN), "again");
	assert_string_equal(hv_page_state_name((enum hv_page_state)99),
	                    "unknown");
	assert_string_equal(hv_page_owner_name(HV_OWNER_FREE), "free");
	assert_string_equal(hv_page_owner_name(HV_OWNER_XEN), "xen");
	assert_string_equal(hv_page_owner_name(HV_OWNER_DOM0), "dom0");
	assert_string_equal(hv_page_owner_name(HV_OWNER_DOMAIN), "domain");
	assert_string_equal(hv_page_owner_name(HV_OWNER_ANONYMOUS),
	                    "anonymous");
	assert_string_equal(hv_page_owner_name(HV_OWNER_NOT_RAM), "not-ram");
	assert_string_equal(hv_page_owner_name((enum hv_page_owner)99),
	                    "unknown");
}

static void test_open_unknown_backend(void **state)
{
	struct clock clk;
	char err[HV_ERR_MAX];

	(void)state;
	clock_start(&clk, 1000, 0);
	assert_null(hv_open("xen:x", &clk, NULL, err, sizeof(err)));
	assert_string_equal(err, "the xen backend takes no argument ('xen', "
	                         "not 'xen:x')");
	assert_null(hv_open("kvm", &clk, NULL, err, sizeof(err)));
	assert_string_equal(err, "unknown hypervisor backend 'kvm' (sim:PATH, "
	                         "xen, linux[:URI], auto)");
	assert_null(hv_open("sim:", &clk, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "sim:PATH"));
}

static void test_open_sim_missing_file(void **state)
{
	struct clock clk;
	char err[HV_ERR_MAX];

	(void)state;
	clock_start(&clk, 1000, 0);
	assert_null(
	    hv_open("sim:/nonexistent/x.scn", &clk, NULL, err, sizeof(err)));
	assert_string_equal(err, "/nonexistent/x.scn: No such file or "
	                         "directory");
}

static void test_open_sim_file(void **state)
{
	static const char text[] =
	    "host name=tiny sockets=1 cores=2 threads=1\n"
	    "dimm label=A socket=0 channel=0 start=0 size=1G\n"
	    "bogus\n";
	char path[] = "/tmp/test_hv_XXXXXX";
	char spec[64], err[HV_ERR_MAX];
	struct hv_topology topo;
	struct clock clk;
	struct hv *hv;
	int fd;

	(void)state;
	clock_start(&clk, 1000, 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	/* Everything but the last line, which is an error. */
	assert_int_equal(write(fd, text, sizeof(text) - 7), sizeof(text) - 7);
	close(fd);
	snprintf(spec, sizeof(spec), "sim:%s", path);
	hv = hv_open(spec, &clk, NULL, err, sizeof(err));
	assert_non_null(hv);
	assert_string_equal(hv->ops->name, "sim");
	assert_int_equal(hv->ops->topology(hv, &topo), 0);
	assert_string_equal(topo.host_name, "tiny");
	assert_int_equal(topo.nr_cpus, 2);
	assert_int_equal(topo.total_pages, 262144);
	hv_close(hv);

	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, sizeof(text) - 1), sizeof(text) - 1);
	close(fd);
	assert_null(hv_open(spec, &clk, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, ":3: unknown directive 'bogus'"));
	assert_int_equal(strncmp(err, path, strlen(path)), 0);
	unlink(path);
	hv_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_constants_match_xen),
	    cmocka_unit_test(test_decode_offlined),
	    cmocka_unit_test(test_decode_offlined_broken),
	    cmocka_unit_test(test_decode_pending_guest),
	    cmocka_unit_test(test_decode_pending_dom0),
	    cmocka_unit_test(test_decode_failed_owners),
	    cmocka_unit_test(test_decode_again_and_invalid),
	    cmocka_unit_test(test_decode_misc_bits_only_with_failed_or_pending),
	    cmocka_unit_test(test_names),
	    cmocka_unit_test(test_open_unknown_backend),
	    cmocka_unit_test(test_open_sim_missing_file),
	    cmocka_unit_test(test_open_sim_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

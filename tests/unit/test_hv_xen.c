/* test_hv_xen.c - the Xen backend's parts that run without Xen: detection
 * on fake roots, opening on a non-Xen host, status words, peers, CPU 0. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "hypervisor/hv.h"
#include "hypervisor/xen/xen.h"
#include "hypervisor/xen_page_status.h"

/* A fake root with /proc/xen/capabilities holding `caps` (NULL: none). */
static void make_root(char *root, size_t len, const char *caps)
{
	char path[512];
	FILE *f;

	snprintf(root, len, "/tmp/test_hv_xen_XXXXXX");
	assert_non_null(mkdtemp(root));
	if (caps == NULL)
		return;
	snprintf(path, sizeof(path), "%s/proc", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/xen", root);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/proc/xen/capabilities", root);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(caps, f);
	fclose(f);
}

static void remove_root(const char *root)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/proc/xen/capabilities", root);
	unlink(path);
	snprintf(path, sizeof(path), "%s/proc/xen", root);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/proc", root);
	rmdir(path);
	rmdir(root);
}

static void test_detect(void **state)
{
	char root[64];

	(void)state;
	make_root(root, sizeof(root), "control_d\n");
	assert_true(hv_xen_detect(root));
	remove_root(root);
	make_root(root, sizeof(root), "\n"); /* a domU's xenfs says nothing */
	assert_false(hv_xen_detect(root));
	remove_root(root);
	make_root(root, sizeof(root), NULL);
	assert_false(hv_xen_detect(root));
	remove_root(root);
}

static void test_open_not_xen(void **state)
{
	struct hv_options opts = {0};
	char root[64], err[HV_ERR_MAX], want[256];
	struct clock clk;

	(void)state;
	clock_start(&clk, 1000, 0);
	make_root(root, sizeof(root), NULL);
	opts.root = root;
	assert_null(hv_xen_open(&clk, &opts, err, sizeof(err)));
	snprintf(want, sizeof(want),
	         "not a Xen host: %s/proc/xen/capabilities: No such file or "
	         "directory",
	         root);
	assert_string_equal(err, want);
	/* "auto" on a root that is not Xen does not pick xen */
	assert_false(hv_xen_detect(root));
	remove_root(root);

	make_root(root, sizeof(root), "\n");
	assert_null(hv_open("xen", &clk, &opts, err, sizeof(err)));
	assert_non_null(strstr(err, "not a Xen control domain"));
	remove_root(root);
}

/* This machine: Xen only if it really is a dom0, else a clear refusal. */
static void test_open_this_host(void **state)
{
	char err[HV_ERR_MAX];
	struct clock clk;
	struct hv *hv;

	(void)state;
	clock_start(&clk, 1000, 0);
	hv = hv_xen_open(&clk, NULL, err, sizeof(err));
	if (hv != NULL) {
		assert_string_equal(hv->ops->name, "xen");
		hv_close(hv);
		return;
	}
	assert_true(strncmp(err, "not a Xen", 9) == 0 ||
	            strstr(err, "xc_interface_open") != NULL);
}

static void expect_text(enum hv_xen_page_cmd cmd, uint32_t raw,
                        const char *want)
{
	char buf[256];
	size_t n = hv_xen_page_status_text(cmd, raw, buf, sizeof(buf));

	assert_string_equal(buf, want);
	assert_int_equal(n, strlen(want));
}

static void test_offline_text(void **state)
{
	(void)state;
	expect_text(HV_XEN_PAGE_OFFLINE, PG_OFFLINE_OFFLINED, "offlined");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_OFFLINED | PG_OFFLINE_BROKEN,
	            "offlined, broken");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_PENDING | PG_OFFLINE_DOM0PAGE,
	            "pending, dom0 page");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_PENDING | PG_OFFLINE_OWNED |
	                (1u << PG_OFFLINE_OWNER_SHIFT),
	            "pending, owned, by domain 1");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_FAILED | PG_OFFLINE_XENPAGE |
	                (XEN_DOMID_XEN << PG_OFFLINE_OWNER_SHIFT),
	            "failed, Xen page, by domain 32754");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_FAILED | PG_OFFLINE_NOT_CONV_RAM,
	            "failed, not RAM");
	expect_text(HV_XEN_PAGE_OFFLINE,
	            PG_OFFLINE_PENDING | PG_OFFLINE_ANONYMOUS,
	            "pending, anonymous");
	expect_text(HV_XEN_PAGE_OFFLINE, PG_OFFLINE_AGAIN, "again");
	expect_text(HV_XEN_PAGE_OFFLINE, PG_OFFLINE_INVALID, "invalid");
	expect_text(HV_XEN_PAGE_OFFLINE, 0, "none");
	expect_text(HV_XEN_PAGE_OFFLINE, 0x80, "unknown bits 0x80");
}

static void test_query_and_online_words(void **state)
{
	struct hv_page_status st;

	(void)state;
	expect_text(HV_XEN_PAGE_QUERY, PG_OFFLINE_STATUS_ONLINE, "online");
	expect_text(HV_XEN_PAGE_QUERY,
	            PG_OFFLINE_STATUS_OFFLINE_PENDING |
	                PG_OFFLINE_STATUS_BROKEN,
	            "offline pending, broken");
	expect_text(HV_XEN_PAGE_ONLINE, PG_OFFLINE_OFFLINED, "onlined");
	expect_text(HV_XEN_PAGE_ONLINE, PG_OFFLINE_FAILED | PG_OFFLINE_BROKEN,
	            "failed, broken");

	hv_xen_page_status(HV_XEN_PAGE_QUERY, PG_OFFLINE_STATUS_OFFLINED, &st);
	assert_int_equal(st.state, HV_PAGE_OFFLINED);
	hv_xen_page_status(
	    HV_XEN_PAGE_QUERY,
	    PG_OFFLINE_STATUS_OFFLINE_PENDING | PG_OFFLINE_STATUS_BROKEN, &st);
	assert_int_equal(st.state, HV_PAGE_PENDING);
	assert_true(st.broken);
	hv_xen_page_status(HV_XEN_PAGE_QUERY, PG_OFFLINE_STATUS_ONLINE, &st);
	assert_int_equal(st.state, HV_PAGE_ONLINE);
	assert_false(st.broken);

	/* a broken page is not put back */
	hv_xen_page_status(HV_XEN_PAGE_ONLINE,
	                   PG_OFFLINE_FAILED | PG_OFFLINE_BROKEN, &st);
	assert_int_equal(st.state, HV_PAGE_FAILED);
	assert_true(st.broken);
	hv_xen_page_status(HV_XEN_PAGE_ONLINE, PG_OFFLINE_OFFLINED, &st);
	assert_int_equal(st.state, HV_PAGE_ONLINE);
	hv_xen_page_status(HV_XEN_PAGE_ONLINE, 0, &st);
	assert_int_equal(st.state, HV_PAGE_FAILED);

	/* the offline word goes through the shared decoder: owner, domid */
	hv_xen_page_status(HV_XEN_PAGE_OFFLINE,
	                   PG_OFFLINE_PENDING | PG_OFFLINE_OWNED |
	                       (7u << PG_OFFLINE_OWNER_SHIFT),
	                   &st);
	assert_int_equal(st.state, HV_PAGE_PENDING);
	assert_int_equal(st.owner, HV_OWNER_DOMAIN);
	assert_int_equal(st.domid, 7);
}

static int parse(const char *spec, struct hv_xen_peer *p, char *err, size_t len)
{
	return hv_xen_peer_parse(spec, p, err, len);
}

static void test_peer_parse(void **state)
{
	struct hv_xen_peer p;
	char err[128];

	(void)state;
	assert_int_equal(parse("localhost", &p, err, sizeof(err)), 0);
	assert_int_equal(p.kind, HV_XEN_PEER_LOCAL);
	assert_int_equal(parse("xl+ssh://host-b.example", &p, err, sizeof(err)),
	                 0);
	assert_int_equal(p.kind, HV_XEN_PEER_SSH);
	assert_string_equal(p.host, "host-b.example");
	assert_string_equal(p.user, "");
	assert_int_equal(p.port, 0);
	assert_int_equal(
	    parse("xl+ssh://root@169.254.0.2:2222", &p, err, sizeof(err)), 0);
	assert_string_equal(p.user, "root");
	assert_string_equal(p.host, "169.254.0.2");
	assert_int_equal(p.port, 2222);
	assert_int_equal(parse("xl+ssh://[fe80::1]:22", &p, err, sizeof(err)),
	                 0);
	assert_string_equal(p.host, "fe80::1");
	assert_int_equal(p.port, 22);
	assert_int_equal(parse("xl+ssh://fe80::1", &p, err, sizeof(err)), 0);
	assert_string_equal(p.host, "fe80::1");
	assert_int_equal(p.port, 0);

	/* the unauthenticated transport is gone */
	assert_int_equal(parse("tcp:b:8002", &p, err, sizeof(err)), -1);
	assert_string_equal(err, "peer 'tcp:b:8002': expected 'localhost' or "
	                         "'xl+ssh://[USER@]HOST[:PORT]'");
	/* nothing ssh would take for an option, a blank or a quote */
	assert_int_equal(
	    parse("xl+ssh://-oProxyCommand=x", &p, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "peer 'xl+ssh://-oProxyCommand=x': bad host name");
	assert_int_equal(parse("xl+ssh://-l@b", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://a b", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://b;x", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://@b", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://b:0", &p, err, sizeof(err)), -1);
	assert_string_equal(err,
	                    "peer 'xl+ssh://b:0': port '0' is not 1-65535");
	assert_int_equal(parse("xl+ssh://b:65536", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://b:12x", &p, err, sizeof(err)), -1);
	assert_int_equal(parse("xl+ssh://b:", &p, err, sizeof(err)), -1);
	assert_int_equal(parse(NULL, &p, err, sizeof(err)), -1);
}

static void test_cpu_rules(void **state)
{
	char err[128];

	(void)state;
	assert_int_equal(
	    hv_xen_cpu_offline_allowed(0, 4, true, 4, err, sizeof(err)),
	    -EBUSY);
	assert_string_equal(err, "cpu_offline: cpu 0 is refused (Xen keeps "
	                         "the boot CPU)");
	assert_int_equal(
	    hv_xen_cpu_offline_allowed(3, 4, true, 1, err, sizeof(err)),
	    -EBUSY);
	assert_string_equal(err, "cpu_offline: cpu 3 is the last online CPU "
	                         "of its cpupool");
	assert_int_equal(
	    hv_xen_cpu_offline_allowed(4, 4, false, 0, err, sizeof(err)),
	    -EINVAL);
	assert_string_equal(err, "cpu_offline: no cpu 4 (the host has 4)");
	assert_int_equal(
	    hv_xen_cpu_offline_allowed(1, 4, true, 2, err, sizeof(err)), 0);
	/* already offline: Xen answers, nothing to protect */
	assert_int_equal(
	    hv_xen_cpu_offline_allowed(1, 4, false, 1, err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_detect),
	    cmocka_unit_test(test_open_not_xen),
	    cmocka_unit_test(test_open_this_host),
	    cmocka_unit_test(test_offline_text),
	    cmocka_unit_test(test_query_and_online_words),
	    cmocka_unit_test(test_peer_parse),
	    cmocka_unit_test(test_cpu_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}

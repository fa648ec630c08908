/* xen_probe.c - drives the Xen backend's ops one at a time from a shell,
 * for the lab: prints each answer as one line of key=value words. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "hypervisor/hv.h"
#include "hypervisor/xen/xen.h"

static void usage(void)
{
	fprintf(stderr,
	        "usage: xen_probe COMMAND [ARGS]\n"
	        "  topology | cpus | domains\n"
	        "  page-query MFN | page-offline MFN | page-online MFN\n"
	        "  cpu-offline N | cpu-online N\n"
	        "  inject CPU BANK STATUS [ADDR [MISC]]\n"
	        "  mcelog SECONDS        read records for that long\n"
	        "  migrate DOMID PEER    wait for the result\n"
	        "  owners START END      guests owning frames there, timed\n"
	        "  events SECONDS        print hotplug/migration events\n");
}

static uint64_t num(const char *s)
{
	return strtoull(s, NULL, 0);
}

static int print_page(const char *op, uint64_t mfn, int rc,
                      const struct hv_page_status *st, enum hv_xen_page_cmd c,
                      struct hv *hv)
{
	char text[160];

	if (rc < 0) {
		printf("%s mfn=0x%" PRIx64 " rc=%d err=\"%s\"\n", op, mfn, rc,
		       hv->err);
		return 1;
	}
	hv_xen_page_status_text(c, st->raw, text, sizeof(text));
	printf("%s mfn=0x%" PRIx64 " rc=0 raw=0x%x state=%s owner=%s "
	       "domid=%u broken=%d deferred=%d text=\"%s\"\n",
	       op, mfn, st->raw, hv_page_state_name(st->state),
	       hv_page_owner_name(st->owner), st->domid, st->broken,
	       st->deferred, text);
	return 0;
}

static int cmd_topology(struct hv *hv)
{
	struct hv_topology t;
	int rc = hv->ops->topology(hv, &t);

	if (rc < 0) {
		printf("topology rc=%d err=\"%s\"\n", rc, hv->err);
		return 1;
	}
	printf("topology cpus=%u sockets=%u cores=%u threads=%u pages=%" PRIu64
	       " free=%" PRIu64 " vendor=%u cpuid=0x%x poll_ms=%u\n",
	       t.nr_cpus, t.nr_sockets, t.cores_per_socket, t.threads_per_core,
	       t.total_pages, t.free_pages, t.cpu_vendor, t.cpuid,
	       t.mce_poll_ms);
	return 0;
}

static int cmd_cpus(struct hv *hv)
{
	struct hv_cpu c[256];
	size_t n, i;

	if (hv->ops->cpus(hv, c, 256, &n) < 0) {
		printf("cpus err=\"%s\"\n", hv->err);
		return 1;
	}
	for (i = 0; i < n && i < 256; i++)
		printf("cpu %u socket=%u core=%u online=%d\n", c[i].cpu,
		       c[i].socket, c[i].core, c[i].online);
	return 0;
}

static int cmd_domains(struct hv *hv)
{
	struct hv_domain d[64];
	size_t n, i;

	if (hv->ops->domains(hv, d, 64, &n) < 0) {
		printf("domains err=\"%s\"\n", hv->err);
		return 1;
	}
	for (i = 0; i < n && i < 64; i++)
		printf("domain %u name=%s mem=%" PRIu64 " control=%d\n",
		       d[i].domid, d[i].name, d[i].mem_bytes, d[i].control);
	return 0;
}

static int cmd_page(struct hv *hv, const char *op, uint64_t mfn)
{
	struct hv_page_status st;
	int rc;

	if (strcmp(op, "page-query") == 0) {
		rc = hv->ops->page_query(hv, mfn, &st);
		return print_page(op, mfn, rc, &st, HV_XEN_PAGE_QUERY, hv);
	}
	if (strcmp(op, "page-offline") == 0) {
		rc = hv->ops->page_offline(hv, mfn, &st);
		return print_page(op, mfn, rc, &st, HV_XEN_PAGE_OFFLINE, hv);
	}
	rc = hv->ops->page_online(hv, mfn, &st);
	return print_page(op, mfn, rc, &st, HV_XEN_PAGE_ONLINE, hv);
}

static int cmd_cpu(struct hv *hv, const char *op, uint32_t cpu)
{
	int rc = strcmp(op, "cpu-offline") == 0 ? hv->ops->cpu_offline(hv, cpu)
	                                        : hv->ops->cpu_online(hv, cpu);

	printf("%s cpu=%u rc=%d err=\"%s\"\n", op, cpu, rc,
	       rc < 0 ? hv->err : "");
	return rc < 0;
}

static int cmd_inject(struct hv *hv, int argc, char **argv)
{
	struct mce_record r;
	int rc;

	memset(&r, 0, sizeof(r));
	r.extcpu = (uint32_t)num(argv[0]);
	r.bank = (uint8_t)num(argv[1]);
	r.status = num(argv[2]);
	r.addr = argc > 3 ? num(argv[3]) : 0;
	r.misc = argc > 4 ? num(argv[4]) : 0;
	rc = hv->ops->inject(hv, &r);
	printf("inject rc=%d err=\"%s\"\n", rc, rc < 0 ? hv->err : "");
	return rc < 0;
}

static int print_record(void *arg, const struct mce_record *r)
{
	(void)arg;
	printf("record cpu=%u bank=%u status=0x%" PRIx64 " addr=0x%" PRIx64
	       " misc=0x%" PRIx64 "\n",
	       r->extcpu, r->bank, r->status, r->addr, r->misc);
	return 0;
}

static int cmd_mcelog(struct hv *hv, int seconds)
{
	struct mce_reader *rd;
	char err[256];
	int fd, left = seconds * 10;

	if (hv->ops->mce_source(hv, &rd, &fd) < 0)
		return 1;
	while (left-- > 0) {
		struct pollfd p = {.fd = fd, .events = POLLIN};

		poll(&p, 1, 100);
		if (mce_reader_drain(rd, print_record, NULL, err, sizeof(err)) <
		    0)
			printf("mcelog err=\"%s\"\n", err);
	}
	printf("mcelog overflows=%" PRIu64 " records=%" PRIu64 "\n",
	       mce_reader_stats(rd)->overflows, mce_reader_stats(rd)->records);
	return 0;
}

static const char *event_name(enum hv_event_type t)
{
	switch (t) {
	case HV_EVENT_MIGRATION_DONE:
		return "migration-done";
	case HV_EVENT_MIGRATION_FAILED:
		return "migration-failed";
	case HV_EVENT_MIGRATION_PROGRESS:
		return "migration-progress";
	case HV_EVENT_CPU_CHANGED:
		return "cpu-changed";
	case HV_EVENT_DOMAIN_ARRIVED:
		return "domain-arrived";
	default:
		return "other";
	}
}

/* Print events for `seconds`, or until a migration ends when `until`. */
static int wait_events(struct hv *hv, int seconds, bool until_done)
{
	struct hv_event ev[16];
	int left = seconds * 10;
	size_t n, i;

	while (left-- > 0) {
		struct pollfd p = {.fd = hv->ops->event_fd(hv),
		                   .events = POLLIN};

		poll(&p, 1, 100);
		hv->ops->events(hv, ev, 16, &n);
		for (i = 0; i < n; i++) {
			printf("event %s id=%" PRIu64 " domid=%u cpu=%u "
			       "online=%d pct=%u mode=%s downtime_ms=%" PRIu64
			       " error=%d detail=\"%s\"\n",
			       event_name(ev[i].type), ev[i].migration_id,
			       ev[i].domid, ev[i].cpu, ev[i].online,
			       ev[i].progress_pct,
			       hv_migration_mode_name(ev[i].mode),
			       ev[i].downtime_ms, ev[i].error, ev[i].detail);
			fflush(stdout);
			if (until_done &&
			    (ev[i].type == HV_EVENT_MIGRATION_DONE ||
			     ev[i].type == HV_EVENT_MIGRATION_FAILED))
				return ev[i].type != HV_EVENT_MIGRATION_DONE;
		}
	}
	return until_done;
}

static int cmd_migrate(struct hv *hv, uint32_t domid, const char *peer)
{
	uint64_t id;
	int rc = hv->ops->migrate_start(hv, domid, peer, &id);

	printf("migrate-start domid=%u peer=%s rc=%d id=%" PRIu64
	       " err=\"%s\"\n",
	       domid, peer, rc, rc < 0 ? 0 : id, rc < 0 ? hv->err : "");
	fflush(stdout);
	if (rc < 0)
		return 1;
	return wait_events(hv, 300, true);
}

/* Which guests own frames in [start, end), and what finding out cost. */
static int cmd_owners(struct hv *hv, uint64_t start, uint64_t end)
{
	uint32_t domids[256];
	struct timespec t0, t1;
	size_t n = 0, i;
	int rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = hv->ops->domains_on_range(hv, start, end, domids, 256, &n);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("owners rc=%d n=%zu us=%lld domids=", rc, n,
	       (long long)((t1.tv_sec - t0.tv_sec) * 1000000LL +
	                   (t1.tv_nsec - t0.tv_nsec) / 1000));
	for (i = 0; i < n && i < 256; i++)
		printf("%s%u", i ? "," : "", domids[i]);
	printf(" err=\"%s\"\n", rc < 0 ? hv->err : "");
	return rc < 0;
}

static int dispatch(struct hv *hv, int argc, char **argv)
{
	const char *c = argv[0];

	if (strcmp(c, "topology") == 0)
		return cmd_topology(hv);
	if (strcmp(c, "cpus") == 0)
		return cmd_cpus(hv);
	if (strcmp(c, "domains") == 0)
		return cmd_domains(hv);
	if (strncmp(c, "page-", 5) == 0 && argc == 2)
		return cmd_page(hv, c, num(argv[1]));
	if (strncmp(c, "cpu-", 4) == 0 && argc == 2)
		return cmd_cpu(hv, c, (uint32_t)num(argv[1]));
	if (strcmp(c, "inject") == 0 && argc >= 4)
		return cmd_inject(hv, argc - 1, argv + 1);
	if (strcmp(c, "mcelog") == 0 && argc == 2)
		return cmd_mcelog(hv, atoi(argv[1]));
	if (strcmp(c, "migrate") == 0 && argc == 3)
		return cmd_migrate(hv, (uint32_t)num(argv[1]), argv[2]);
	if (strcmp(c, "owners") == 0 && argc == 3)
		return cmd_owners(hv, num(argv[1]), num(argv[2]));
	if (strcmp(c, "events") == 0 && argc == 2)
		return wait_events(hv, atoi(argv[1]), false);
	usage();
	return 2;
}

int main(int argc, char **argv)
{
	char err[HV_ERR_MAX];
	struct clock clk;
	struct hv *hv;
	int rc;

	if (argc < 2) {
		usage();
		return 2;
	}
	clock_start(&clk, 0, 1);
	hv = hv_open("xen", &clk, NULL, err, sizeof(err));
	if (hv == NULL) {
		fprintf(stderr, "xen_probe: %s\n", err);
		return 1;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = dispatch(hv, argc - 1, argv + 1);
	hv_close(hv);
	return rc;
}

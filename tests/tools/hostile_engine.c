/* hostile_engine.c - rasd's real parent with an engine that has been taken
 * over: it asks, through the parent's protocol, what the guard must refuse.
 *
 * usage: hostile_engine SCENARIO POLICY JOURNAL USER
 * Prints one line per request, "<request>: <rc> <error>", and exits 0
 * once every request was asked (what the parent answered is for the test
 * to judge).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "priv/priv.h"

static void ask_cpu(struct hv *hv, uint32_t cpu)
{
	int rc = hv->ops->cpu_offline(hv, cpu);

	printf("cpu_offline %u: %d %s\n", cpu, rc, rc < 0 ? hv->err : "");
}

static void ask_pages(struct hv *hv, uint64_t first, unsigned n)
{
	struct hv_page_status st;
	unsigned i, taken = 0, refused = 0;
	int rc;

	for (i = 0; i < n; i++) {
		memset(&st, 0, sizeof(st));
		rc = hv->ops->page_offline(hv, first + i, &st);
		if (rc == 0)
			taken++;
		else
			refused++;
		if (rc < 0 && refused == 1)
			printf("page_offline first refusal after %u: %s\n",
			       taken, hv->err);
	}
	printf("page_offline %u asked: %u taken, %u refused\n", n, taken,
	       refused);
}

static void ask_migrate(struct hv *hv, uint32_t domid)
{
	uint64_t id = 0;
	int rc = hv->ops->migrate_start(hv, domid, "xen-b", &id);

	printf("migrate_start dom%u: %d %s\n", domid, rc,
	       rc < 0 ? hv->err : "");
}

static int hostile(void *arg, int call_fd, int note_fd)
{
	char err[512];
	struct hv *hv;

	(void)arg;
	hv = priv_client_open(call_fd, note_fd, 1796688000000ull, 1, err,
	                      sizeof(err));
	if (hv == NULL) {
		fprintf(stderr, "hostile_engine: %s\n", err);
		return 1;
	}
	printf("engine uid %d\n", (int)getuid());
	ask_cpu(hv, 0);
	ask_cpu(hv, 3);
	ask_cpu(hv, 5);
	ask_pages(hv, 0x200000, 40);
	ask_migrate(hv, 0);
	ask_migrate(hv, 77);
	ask_migrate(hv, 1);
	fflush(stdout);
	hv_close(hv);
	return 0;
}

int main(int argc, char **argv)
{
	struct priv_config cfg;
	char spec[4096];

	if (argc != 5) {
		fprintf(stderr,
		        "usage: hostile_engine SCENARIO POLICY JOURNAL USER\n");
		return 2;
	}
	snprintf(spec, sizeof(spec), "sim:%s", argv[1]);
	memset(&cfg, 0, sizeof(cfg));
	cfg.hv_spec = spec;
	cfg.policy_path = argv[2];
	cfg.journal_path = argv[3];
	cfg.user = argv[4];
	setvbuf(stdout, NULL, _IOLBF, 0);
	return priv_parent_run(&cfg, hostile, NULL);
}

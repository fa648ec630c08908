/* crash.c - RASD_CRASH_AT: the daemon dies (SIGKILL) or freezes (SIGSTOP)
 * at a chosen journal commit or hypervisor call, for the crash tests. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasd.h"

static const struct {
	const char *name;
	enum crash_kind kind;
} crash_kinds[] = {
    {"commit", CRASH_COMMIT}, {"committed", CRASH_COMMITTED},
    {"hv", CRASH_HV},         {"hv-done", CRASH_HV_DONE},
    {"intent", CRASH_INTENT},
};

#define N_CRASH_KINDS (sizeof(crash_kinds) / sizeof(crash_kinds[0]))

static const char *crash_kind_name(enum crash_kind k)
{
	size_t i;

	for (i = 0; i < N_CRASH_KINDS; i++)
		if (crash_kinds[i].kind == k)
			return crash_kinds[i].name;
	return "none";
}

int crash_parse(const char *spec, struct crashpoint *out, char *err,
                size_t errlen)
{
	char kind[16], mode[8] = "";
	unsigned long long at = 0;
	size_t i;
	int n;

	memset(out, 0, sizeof(*out));
	n = sscanf(spec, "%15[a-z-]:%llu:%7s", kind, &at, mode);
	if (n < 2 || at == 0 || (n == 3 && strcmp(mode, "stop") != 0)) {
		snprintf(err, errlen,
		         "RASD_CRASH_AT '%s': want KIND:N[:stop], KIND one of "
		         "commit, committed, hv, hv-done, intent, N from 1",
		         spec);
		return -1;
	}
	for (i = 0; i < N_CRASH_KINDS; i++)
		if (strcmp(kind, crash_kinds[i].name) == 0)
			out->kind = crash_kinds[i].kind;
	if (out->kind == CRASH_NONE) {
		snprintf(err, errlen, "RASD_CRASH_AT '%s': unknown kind '%s'",
		         spec, kind);
		return -1;
	}
	out->at = at;
	out->stop = n == 3;
	return 0;
}

void crash_point(struct rasd *d, enum crash_kind kind)
{
	struct crashpoint *c = &d->opt.crash;

	if (c->kind != kind || ++c->seen != c->at)
		return;
	fprintf(stderr, "rasd: crash point %s:%llu reached: %s\n",
	        crash_kind_name(kind), (unsigned long long)c->at,
	        c->stop ? "stopping (SIGSTOP)" : "killed (SIGKILL)");
	fflush(stderr);
	raise(c->stop ? SIGSTOP : SIGKILL);
}

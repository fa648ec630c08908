/* checkconfig.c - validates what rasd would start with, before anything
 * is opened: the policy (FILE:LINE errors) and the backend and its spec. */
#include <stdio.h>
#include <string.h>

#include "../hypervisor/sim/sim.h"
#include "../hypervisor/xen/xen.h"
#include "checkconfig.h"
#include "policy.h"

const char checkconfig_backends_help[] =
    "backends:\n"
    "  xen                    Xen dom0: libxenctrl, libxl, /dev/mcelog\n"
    "  linux[:URI]            bare metal or a KVM host: tracefs, sysfs,\n"
    "                         libvirt at URI (default qemu:///system)\n"
    "  auto                   xen when /proc/xen is there, else linux\n"
    "  sim:SCENARIO           the simulated Xen host playing a scenario\n"
    "                         file (rasd-scenario(5))\n";

static int spec_fail(char *err, size_t errlen, const char *spec)
{
	snprintf(err, errlen,
	         "unknown hypervisor backend '%.64s': want sim:SCENARIO, xen, "
	         "linux[:URI] or auto",
	         spec);
	return -1;
}

static int check_sim(const char *path, bool deep, char *err, size_t errlen)
{
	struct sim_scenario *sc;

	if (*path == '\0') {
		snprintf(err, errlen,
		         "the sim backend needs a scenario file: sim:PATH");
		return -1;
	}
	if (!deep)
		return 0;
	if (sim_scenario_load(path, &sc, err, errlen) < 0)
		return -1;
	sim_scenario_free(sc);
	return 0;
}

int checkconfig_spec(const char *spec, bool deep, const char **picked,
                     char *err, size_t errlen)
{
	const char *colon = strchr(spec, ':');
	size_t kind = colon ? (size_t)(colon - spec) : strlen(spec);

	if (picked != NULL)
		*picked = spec;
	if (kind == 3 && strncmp(spec, "sim", 3) == 0)
		return check_sim(colon ? colon + 1 : "", deep, err, errlen);
	if (strcmp(spec, "xen") == 0)
		return 0;
	if (kind == 5 && strncmp(spec, "linux", 5) == 0) {
		if (colon != NULL && colon[1] == '\0') {
			snprintf(err, errlen,
			         "'linux:' names no libvirt URI: use linux, "
			         "or linux:URI");
			return -1;
		}
		return 0;
	}
	if (strcmp(spec, "auto") != 0)
		return spec_fail(err, errlen, spec);
	if (picked != NULL && deep)
		*picked = hv_xen_detect(NULL) ? "xen" : "linux";
	return 0;
}

int checkconfig_run(const char *policy_path, const char *spec, FILE *out)
{
	struct policy p;
	const char *picked = NULL;
	char err[1024];
	int bad = 0;

	policy_defaults(&p);
	if (policy_path != NULL &&
	    policy_load_file(&p, policy_path, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: %s\n", err);
		bad = 1;
	} else {
		fprintf(out, "policy %s: ok\n",
		        policy_path ? policy_path : "(built-in defaults)");
	}
	if (spec == NULL) {
		fprintf(stderr,
		        "rasd: no backend: give -H (see rasd --help)\n");
		return 1;
	}
	if (checkconfig_spec(spec, true, &picked, err, sizeof(err)) < 0) {
		fprintf(stderr, "rasd: -H %s: %s\n", spec, err);
		return 1;
	}
	if (strcmp(picked, spec) != 0)
		fprintf(out, "backend %s: ok (this host: %s)\n", spec, picked);
	else
		fprintf(out, "backend %s: ok\n", spec);
	return bad;
}

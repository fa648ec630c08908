/* checkconfig.h - rasd --check-config: the policy, the backend spec and
 * what the backend needs, checked without opening the journal. */
#ifndef RASD_CHECKCONFIG_H
#define RASD_CHECKCONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/*
 * Is spec one of the backends this build has (sim:PATH, xen, linux[:URI],
 * auto)? 0, or -1 with why in err. With `deep`, also load a sim
 * scenario, and say which backend auto picks in `picked`.
 */
int checkconfig_spec(const char *spec, bool deep, const char **picked,
                     char *err, size_t errlen);

/*
 * The whole check: the policy file (NULL: built-in defaults) and the
 * backend. Prints one "ok" line per part to out and every error to
 * stderr; returns 0 when all hold, 1 otherwise.
 */
int checkconfig_run(const char *policy_path, const char *spec, FILE *out);

/* The backends this build has, for --help. */
extern const char checkconfig_backends_help[];

#endif

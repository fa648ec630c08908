/* fuzz_policy.c - libFuzzer target for the policy parser: any bytes must
 * give a policy or a "name:line: reason" error, never a crash. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rasd/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_error(const char *err)
{
	/* Every refusal says where: "fuzz:LINE: reason". */
	if (strncmp(err, "fuzz:", 5) != 0 || strlen(err) < 8)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct policy p, before;
	char err[512];
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	policy_defaults(&p);
	before = p;
	err[0] = '\0';
	if (policy_load_string(&p, text, "fuzz", err, sizeof(err)) != 0) {
		check_error(err);
		/* A refused policy leaves the running one as it was. */
		if (memcmp(&p, &before, sizeof(p)) != 0)
			abort();
	} else if (p.page.limit == 0 || p.page.limit > LEAKY_BUCKET_MAX_LIMIT ||
	           p.page.window_ms == 0 || p.n_peers > POLICY_MAX_PEERS ||
	           p.evac_concurrent == 0 || p.page_max_share_ppm > 1000000) {
		abort();
	}
	free(text);
	return 0;
}

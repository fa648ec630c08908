/* xen.c - placeholder until the Xen backend lands. */
#include <stdio.h>

#include "hypervisor/xen/xen.h"

struct hv *hv_xen_open(const struct clock *clock,
                       const struct hv_options *opts, char *err,
                       size_t errlen)
{
	(void)clock;
	(void)opts;
	snprintf(err, errlen, "the xen backend is not built yet");
	return NULL;
}

bool hv_xen_detect(const char *root)
{
	(void)root;
	return false;
}

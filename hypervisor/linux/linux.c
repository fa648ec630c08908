/* linux.c - placeholder until the Linux backend lands. */
#include <stdio.h>

#include "hypervisor/linux/linux.h"

struct hv *hv_linux_open(const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen)
{
	(void)clock;
	(void)opts;
	snprintf(err, errlen, "the linux backend is not built yet");
	return NULL;
}

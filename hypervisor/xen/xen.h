/* xen.h - the Xen backend: this dom0's hypervisor through libxenctrl,
 * libxl and xenstore, and its machine checks through /dev/mcelog. */
#ifndef RASD_HV_XEN_H
#define RASD_HV_XEN_H

#include <stdbool.h>
#include <stddef.h>

#include "../hv.h"

struct hv *hv_xen_open(const struct clock *clock,
                       const struct hv_options *opts, char *err,
                       size_t errlen);

/* True when `root` (NULL: /) looks like a Xen control domain. */
bool hv_xen_detect(const char *root);

#endif

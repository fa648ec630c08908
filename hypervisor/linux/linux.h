/* linux.h - the Linux host backend: this kernel's machine checks through
 * tracefs, page and CPU offline through sysfs, and guests through libvirt. */
#ifndef RASD_HV_LINUX_H
#define RASD_HV_LINUX_H

#include <stddef.h>

#include "../hv.h"

struct hv *hv_linux_open(const struct clock *clock,
                         const struct hv_options *opts, char *err,
                         size_t errlen);

#endif

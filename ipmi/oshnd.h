/* oshnd.h - internal to ipmi/: an OpenIPMI os_handler_t whose fds and
 * timers live on a rasd loop, with no-op locks and logging into a buffer. */
#ifndef RASD_IPMI_OSHND_H
#define RASD_IPMI_OSHND_H

#include <stddef.h>

#include <OpenIPMI/os_handler.h>

struct loop;

/*
 * The process-wide handler OpenIPMI is initialized with (ipmi_init keeps
 * one): the first call creates it on lp and runs ipmi_init; later calls
 * on the same loop take a reference; another loop is refused. Returns
 * NULL with err set.
 */
os_handler_t *bmc_os_acquire(struct loop *lp, char *err, size_t errlen);
/* Drop a reference; the last one shuts OpenIPMI down. */
void bmc_os_release(void);
/* The last line OpenIPMI logged ("" none). */
const char *bmc_os_last_log(void);

#endif

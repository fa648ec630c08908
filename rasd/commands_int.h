/* commands_int.h - what the control commands' files share: JSON helpers,
 * argument readers and the commands kept outside commands.c. */
#ifndef RASD_COMMANDS_INT_H
#define RASD_COMMANDS_INT_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "rasd.h"

void jint(struct json_object *o, const char *k, int64_t v);
void jstr(struct json_object *o, const char *k, const char *v);
void jhex(struct json_object *o, const char *k, uint64_t v);
void jbool(struct json_object *o, const char *k, bool v);

/* Optional arguments; absent leaves *out alone. */
int arg_u64(const struct control_request *req, const char *key, uint64_t *out,
            char *err, size_t errlen);
int arg_bool(const struct control_request *req, const char *key, bool *out,
             char *err, size_t errlen);
/* "limit": 0 or absent is a full page; a user other than root asking
 * for more than EVENTS_USER_PAGE_MAX is refused with why. */
int arg_page_limit(const struct control_request *req, bool privileged,
                   uint64_t dflt, size_t *out, char *err, size_t errlen);
/* Required string argument. */
int arg_str(const struct control_request *req, const char *key,
            const char **out, char *err, size_t errlen);

/* commands_host.c: health, sensors, the self-test, operator actions. */
void json_status_health(struct rasd *d, struct json_object *res);
void dimm_health_json(const struct rasd *d, size_t i, struct json_object *o);
int cmd_health(struct rasd *d, const struct control_request *req,
               bool privileged, struct json_object *res, char *err,
               size_t errlen);
int cmd_sensors(struct rasd *d, struct json_object *res);
/* PCIe AER and CXL devices, their counts, the newest rows ("limit"). */
int cmd_pcie(struct rasd *d, const struct control_request *req,
             struct json_object *res, char *err, size_t errlen);
int cmd_selftest(struct rasd *d, struct json_object *res, char *err,
                 size_t errlen);
int cmd_page(struct rasd *d, const struct control_request *req,
             struct json_object *res, char *err, size_t errlen);
int cmd_cpu(struct rasd *d, const struct control_request *req,
            struct json_object *res, char *err, size_t errlen);
int inject_direct(struct rasd *d, const struct mce_record *r,
                  struct json_object *res, char *err, size_t errlen);

#endif

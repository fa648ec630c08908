/* rasctl_int.h - what rasctl's files share: the client's options, the
 * call to rasd and the JSON readers. */
#ifndef RASD_RASCTL_INT_H
#define RASD_RASCTL_INT_H

#include <json-c/json.h>
#include <stdbool.h>

struct rasctl {
	const char *socket_path;
	bool json;
};

/* Call rasd; on success *result is the reply's "result" (owned by reply);
 * on failure the message is printed and -1 returned. */
int call(const struct rasctl *rc, const char *cmd, struct json_object *args,
         struct json_object **reply, struct json_object **result);
void print_json(struct json_object *o);
const char *jget_str(struct json_object *o, const char *k);
long long jget_int(struct json_object *o, const char *k);
struct json_object *jget(struct json_object *o, const char *k);

/* rasctl_host.c: health, sensors, selftest, page, cpu. */
bool rasctl_host_command(const char *cmd);
int rasctl_host_run(const struct rasctl *rc, int argc, char **argv);

#endif

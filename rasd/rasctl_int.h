/* rasctl_int.h - what rasctl's files share: the client's options, the
 * call to rasd, the JSON readers and each command's runner. */
#ifndef RASD_RASCTL_INT_H
#define RASD_RASCTL_INT_H

#include <json-c/json.h>
#include <stdbool.h>

struct option;

struct rasctl {
	const char *socket_path;
	const char *journal_path; /* -j: read it, do not ask rasd */
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

/* rasctl_cli.c: getopt_long on a command's arguments (optind = 0 first);
 * '?' after saying what was wrong. */
int rasctl_getopt(int argc, char **argv, const struct option *opts);

/* Each command: argv[0] is its name; 0, 1 failed, 2 usage. */
int rasctl_run_remote(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_events(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_actions(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_history(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_dimms(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_watch(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_inject(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_report(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_graph(const struct rasctl *rc, int argc, char **argv);
int rasctl_run_decode(const struct rasctl *rc, int argc, char **argv);
/* rasctl_host.c: health, sensors, selftest, page, cpu. */
int rasctl_host_run(const struct rasctl *rc, int argc, char **argv);

#endif

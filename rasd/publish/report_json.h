/* report_json.h - the dashboard from what rasd's control socket answers:
 * one path for `rasctl report` and the daemon's end-of-run report. */
#ifndef RASD_REPORT_JSON_H
#define RASD_REPORT_JSON_H

#include <stddef.h>

#include <json-c/json.h>

/* The "result" objects of status, dimms, cpus, events and actions. */
struct report_inputs {
	struct json_object *status;
	struct json_object *dimms;
	struct json_object *cpus;
	struct json_object *events;
	struct json_object *actions;
};

/*
 * Render the graphs (when status names a trends directory) into out_dir
 * and write out_dir/index.html. Returns 0, or -1 with the reason; a graph
 * that cannot be drawn is left out and named in warn (may be NULL).
 */
int report_build(const struct report_inputs *in, const char *out_dir,
                 char *warn, size_t warnlen, char *err, size_t errlen);

/*
 * Only the graphs (rasctl graph): every DIMM with errors and every socket,
 * or one DIMM. Writes the PNG paths, one per line, into files. Returns
 * how many were drawn, or -1 with the reason.
 */
int report_draw(const struct report_inputs *in, const char *out_dir,
                const char *only_dimm, char *files, size_t fileslen, char *warn,
                size_t warnlen, char *err, size_t errlen);

#endif

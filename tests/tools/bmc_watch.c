/* bmc_watch.c - runs the BMC watcher on its own rasd loop and prints one
 * JSON line per event (and the status on SIGUSR1 and at exit). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <json-c/json.h>

#include "ipmi/bmc.h"
#include "rasd/loop.h"

struct watch {
	struct loop *lp;
	struct bmc *bmc;
	unsigned long max_events, events;
};

static void usage(void)
{
	fprintf(stderr,
	        "usage: bmc_watch (--host H [--port P] --credentials FILE | "
	        "--smi N)\n"
	        "       [--start POS|now] [--sel-poll-ms MS] "
	        "[--sensor-poll-ms MS]\n"
	        "       [--retry-max-ms MS] [--max-events N]\n");
	exit(2);
}

static void put_str(json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, json_object_new_string(v));
}

static void put_int(json_object *o, const char *k, int64_t v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void print_obj(json_object *o)
{
	printf("%s\n",
	       json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	fflush(stdout);
	json_object_put(o);
}

static void add_pos(json_object *o, const struct bmc_sel_pos *pos)
{
	char buf[BMC_SEL_POS_STRLEN];

	if (bmc_sel_pos_format(pos, buf, sizeof(buf)) == 0)
		put_str(o, "pos", buf);
}

static void add_sel_fields(json_object *o, const struct bmc_event *ev)
{
	char raw[33];
	unsigned i;

	put_int(o, "record_id", ev->record_id);
	put_int(o, "sel_time", ev->sel_time);
	put_int(o, "record_type", ev->record_type);
	put_int(o, "sensor_type", ev->sensor_type);
	put_int(o, "sensor_num", ev->sensor_num);
	put_int(o, "reading_type", ev->reading_type);
	put_int(o, "offset", ev->offset);
	for (i = 0; i < 16; i++)
		snprintf(raw + 2 * i, 3, "%02x", ev->raw[i]);
	put_str(o, "raw", raw);
}

static void on_event(void *arg, const struct bmc_event *ev)
{
	struct watch *w = arg;
	json_object *o = json_object_new_object();

	put_str(o, "kind", bmc_kind_name(ev->kind));
	put_str(o, "class", bmc_class_name(ev->cls));
	put_str(o, "severity", bmc_severity_name(ev->sev));
	json_object_object_add(o, "deassert",
	                       json_object_new_boolean(ev->deassert));
	if (ev->kind == BMC_SEL_ENTRY || ev->kind == BMC_BAD_RECORD)
		add_sel_fields(o, ev);
	if (ev->kind == BMC_THRESHOLD) {
		put_int(o, "sensor_num", ev->sensor_num);
		json_object_object_add(o, "value",
		                       json_object_new_double(ev->value));
		json_object_object_add(o, "threshold",
		                       json_object_new_double(ev->threshold));
		put_str(o, "unit", ev->unit);
	}
	if (ev->kind == BMC_LOST) {
		put_int(o, "attempt", ev->attempt);
		put_int(o, "retry_in_ms", (int64_t)ev->retry_in_ms);
	}
	put_str(o, "sensor", ev->sensor);
	put_int(o, "entity_id", ev->entity_id);
	put_int(o, "entity_instance", ev->entity_instance);
	put_int(o, "dimm", ev->dimm);
	put_str(o, "what", ev->what);
	put_str(o, "detail", ev->detail);
	add_pos(o, &ev->pos);
	print_obj(o);
	if (w->max_events && ++w->events >= w->max_events)
		loop_stop(w->lp);
}

static void print_status(struct watch *w)
{
	static const char *const thr_names[] = {"lnc", "lc", "lnr",
	                                        "unc", "uc", "unr"};
	struct bmc_status st;
	json_object *o = json_object_new_object(), *arr;
	unsigned i, j;

	bmc_status(w->bmc, &st);
	put_str(o, "kind", "status");
	json_object_object_add(o, "connected",
	                       json_object_new_boolean(st.connected));
	put_int(o, "retries", st.retries);
	put_int(o, "sel_entries", st.sel_entries);
	put_int(o, "sel_free_bytes", st.sel_free_bytes);
	put_int(o, "sel_read", (int64_t)st.sel_read);
	put_int(o, "bad_records", (int64_t)st.bad_records);
	put_str(o, "last_error", st.last_error);
	add_pos(o, &st.pos);
	arr = json_object_new_array();
	for (i = 0; i < st.nsensors; i++) {
		const struct bmc_sensor_status *s = &st.sensors[i];
		json_object *so = json_object_new_object();

		put_str(so, "name", s->name);
		put_int(so, "num", s->sensor_num);
		put_str(so, "class", bmc_class_name(s->cls));
		put_str(so, "unit", s->unit);
		if (s->have_value)
			json_object_object_add(
			    so, "value", json_object_new_double(s->value));
		for (j = 0; j < 6; j++)
			if (s->have[j])
				json_object_object_add(
				    so, thr_names[j],
				    json_object_new_double(s->thr[j]));
		put_int(so, "state", s->state);
		json_object_array_add(arr, so);
	}
	json_object_object_add(o, "sensors", arr);
	print_obj(o);
}

static void on_signal(void *arg, int fd, uint32_t events)
{
	struct watch *w = arg;
	struct signalfd_siginfo si;

	(void)events;
	if (read(fd, &si, sizeof(si)) != sizeof(si))
		return;
	if (si.ssi_signo == SIGUSR1)
		print_status(w);
	else
		loop_stop(w->lp);
}

static uint64_t num_arg(const char *s, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || end == s) {
		fprintf(stderr, "bmc_watch: %s: not a number: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void copy_arg(char *dst, size_t len, const char *src, const char *what)
{
	if (strlen(src) >= len) {
		fprintf(stderr, "bmc_watch: %s too long\n", what);
		exit(2);
	}
	strcpy(dst, src);
}

static void parse_args(int argc, char **argv, struct bmc_config *cfg,
                       struct bmc_sel_pos *pos, bool *have_pos,
                       unsigned long *max_events)
{
	static const struct option opts[] = {
	    {"host", required_argument, NULL, 'h'},
	    {"port", required_argument, NULL, 'p'},
	    {"credentials", required_argument, NULL, 'c'},
	    {"smi", required_argument, NULL, 'i'},
	    {"start", required_argument, NULL, 's'},
	    {"sel-poll-ms", required_argument, NULL, 'S'},
	    {"sensor-poll-ms", required_argument, NULL, 'T'},
	    {"retry-max-ms", required_argument, NULL, 'R'},
	    {"max-events", required_argument, NULL, 'n'},
	    {NULL, 0, NULL, 0},
	};
	char err[160];
	int c;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			cfg->lan = true;
			copy_arg(cfg->host, sizeof(cfg->host), optarg, "host");
			break;
		case 'p':
			copy_arg(cfg->port, sizeof(cfg->port), optarg, "port");
			break;
		case 'c':
			copy_arg(cfg->credentials, sizeof(cfg->credentials),
			         optarg, "credentials");
			break;
		case 'i':
			cfg->smi_num = (unsigned)num_arg(optarg, "smi");
			break;
		case 's':
			if (strcmp(optarg, "now") == 0)
				break;
			if (bmc_sel_pos_parse(optarg, pos, err, sizeof(err)) <
			    0) {
				fprintf(stderr, "bmc_watch: %s\n", err);
				exit(2);
			}
			*have_pos = true;
			break;
		case 'S':
			cfg->sel_poll_ms = num_arg(optarg, "sel-poll-ms");
			break;
		case 'T':
			cfg->sensor_poll_ms = num_arg(optarg, "sensor-poll-ms");
			break;
		case 'R':
			cfg->retry_max_ms = num_arg(optarg, "retry-max-ms");
			break;
		case 'n':
			*max_events =
			    (unsigned long)num_arg(optarg, "max-events");
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
}

int main(int argc, char **argv)
{
	struct bmc_config cfg;
	struct bmc_sel_pos pos;
	struct watch w;
	bool have_pos = false;
	char err[256];
	sigset_t mask;
	int sfd, rc;

	memset(&cfg, 0, sizeof(cfg));
	memset(&pos, 0, sizeof(pos));
	memset(&w, 0, sizeof(w));
	parse_args(argc, argv, &cfg, &pos, &have_pos, &w.max_events);
	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (sfd < 0 || loop_create(&w.lp) < 0 ||
	    loop_add_fd(w.lp, sfd, on_signal, &w) < 0) {
		fprintf(stderr, "bmc_watch: setup: %s\n", strerror(errno));
		return 1;
	}
	if (bmc_open(&w.bmc, w.lp, &cfg, have_pos ? &pos : NULL, on_event, &w,
	             err, sizeof(err)) < 0) {
		fprintf(stderr, "bmc_watch: %s\n", err);
		loop_destroy(w.lp);
		close(sfd);
		return 1;
	}
	rc = loop_run(w.lp);
	print_status(&w);
	bmc_close(w.bmc);
	loop_del_fd(w.lp, sfd);
	close(sfd);
	loop_destroy(w.lp);
	return rc == 0 ? 0 : 1;
}

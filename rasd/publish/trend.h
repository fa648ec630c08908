/* trend.h - rrdtool trends: one RRD per DIMM, socket and sensor, written
 * off the caller's thread (directly or through rrdcached), and PNG graphs. */
#ifndef RASD_TREND_H
#define RASD_TREND_H

#include <stddef.h>
#include <stdint.h>

/*
 * Layout of every file: step 60 s; AVERAGE and MAX archives of a day at
 * one minute, a week at five minutes and a year at one hour.
 *   dimm-NAME.rrd    ce (DERIVE of the corrected total: errors/s),
 *                    ue (GAUGE: uncorrected total),
 *                    pages (GAUGE: pages retired)
 *   socket-N.rrd     ce (DERIVE of the socket's corrected total)
 *   sensor-NAME.rrd  value (GAUGE, e.g. degrees Celsius)
 * NAME is the component name with anything outside [A-Za-z0-9_.-]
 * replaced; a name that had to change gets a hash suffix so that two
 * names never share a file.
 */
#define TREND_STEP_S        60
#define TREND_HEARTBEAT_S   300
#define TREND_NAME_MAX      64
#define TREND_QUEUE_DEFAULT 4096

enum trend_kind {
	TREND_DIMM,
	TREND_SOCKET,
	TREND_SENSOR,
};

struct trend;

/* Counters since trend_open; a snapshot, taken under the queue lock. */
struct trend_stats {
	uint64_t queued;  /* updates accepted by trend_update_* */
	uint64_t dropped; /* oldest updates dropped: the queue was full */
	uint64_t written; /* updates that reached librrd or rrdcached */
	uint64_t skipped; /* not after the file's last update: ignored */
	uint64_t failed;  /* librrd or rrdcached refused them */
	uint64_t created; /* files created */
	uint64_t moved;   /* corrupt or foreign files moved aside */
};

/*
 * Opens the trend store on DIR (created if missing) and starts the
 * writer thread. DAEMON is an rrdcached address ("unix:/path",
 * "host:port") or NULL to write the files directly. QUEUE_MAX bounds the
 * queue (0: TREND_QUEUE_DEFAULT). NULL with ERR filled on failure.
 * librrd's rrdcached client keeps one connection per process, so one
 * daemon address per process.
 */
struct trend *trend_open(const char *dir, const char *daemon, size_t queue_max,
                         char *err, size_t errlen);

/* Writes what is queued, stops the thread and frees T. NULL is fine. */
void trend_close(struct trend *t);

/*
 * Enqueue one sample; never blocks on I/O. TIME_S is the daemon's clock
 * in seconds; a sample not after the file's last one is skipped. Totals
 * are running totals since the daemon started counting. 0, or -1 when
 * the name is empty or too long (ERR-less: the caller logs the label).
 */
int trend_update_dimm(struct trend *t, const char *label, int64_t time_s,
                      uint64_t ce_total, uint64_t ue_total,
                      uint64_t pages_retired);
int trend_update_socket(struct trend *t, int socket, int64_t time_s,
                        uint64_t ce_total);
int trend_update_sensor(struct trend *t, const char *name, int64_t time_s,
                        double value);

/* Waits until everything queued before the call is written (and, through
 * rrdcached, flushed to the files). Returns the number of updates that
 * failed since the previous trend_flush. */
uint64_t trend_flush(struct trend *t);

void trend_get_stats(struct trend *t, struct trend_stats *st);

/* The last error from the writer thread, "" if none; names the file. */
void trend_last_error(struct trend *t, char *buf, size_t len);

/* DIR/kind-NAME.rrd for a component; -1 if it does not fit in LEN. */
int trend_path(const char *dir, enum trend_kind kind, const char *name,
               char *buf, size_t len);

/*
 * Graphs, rendered with librrd's graph API into PNG on the caller's
 * thread from the files in DIR over [START_S, END_S]. 0, or -1 with ERR
 * naming the file and librrd's reason.
 *
 * trend_graph_dimm: corrected errors per minute (average and peak) and
 * pages retired, with the policy's DIMM threshold (THRESHOLD_PAGES
 * distinct pages in WINDOW_S) drawn as a line.
 */
int trend_graph_dimm(const char *dir, const char *label, const char *png,
                     int64_t start_s, int64_t end_s, uint32_t threshold_pages,
                     uint64_t window_s, char *err, size_t errlen);
/* The same; *value_max (if not NULL) gets the top of the value axis
 * drawn, at least above the threshold so its line shows. */
int trend_graph_dimm_v(const char *dir, const char *label, const char *png,
                       int64_t start_s, int64_t end_s, uint32_t threshold_pages,
                       uint64_t window_s, double *value_max, char *err,
                       size_t errlen);

/* At most this many DIMMs in one socket graph. */
#define TREND_GRAPH_MAX_DIMMS 64

/* Corrected errors per minute of every DIMM in LABELS stacked, and their
 * total as a line (at zero for a quiet socket, on an axis to at least
 * 1); DIMMs without a file yet are left out, none at all is an error. */
int trend_graph_socket_dimms(const char *dir, int socket,
                             const char *const labels[], size_t n,
                             const char *png, int64_t start_s, int64_t end_s,
                             char *err, size_t errlen);
int trend_graph_socket_dimms_v(const char *dir, int socket,
                               const char *const labels[], size_t n,
                               const char *png, int64_t start_s, int64_t end_s,
                               double *value_max, char *err, size_t errlen);

/* One line per sensor in NAMES (temperatures, degrees Celsius). */
int trend_graph_sensor(const char *dir, const char *const names[], size_t n,
                       const char *png, int64_t start_s, int64_t end_s,
                       char *err, size_t errlen);

#endif

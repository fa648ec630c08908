/* journal.c - the journal in SQLite: schema migrations, prepared statements
 * for every write and read, and the summary counts rasctl shows. */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "journal_int.h"

#define ACTION_COLUMNS                                                         \
	"kind, state, target, peer, component, reason, detail, event_id, "     \
	"parent_id, attempt, created_ms, updated_ms, verdict_id, job_id, "     \
	"handle, started_ms, progress, mode, downtime_ms"

#define VERDICT_COLUMNS "event_id, time_ms, type, component, count, detail"

#define EVAC_COLUMNS                                                           \
	"verdict_id, event_id, seq, domid, guest, component, reason, state, "  \
	"action_id, first_action, attempts, detail, created_ms, updated_ms"

#define DEVICE_COLUMNS                                                         \
	"time_ms, source, kind, device, host, severity, status, first_error, " \
	"bits, tlp, serial, address, message, note, event_id"

#define COMPONENT_COLUMNS                                                      \
	"kind, name, state, ce_count, ue_count, updated_ms, detail"

#define HEALTH_COLUMNS                                                         \
	"time_ms, source, cls, severity, component, what, deassert, "          \
	"has_value, value, threshold, dimm, record_id, merged_event_id, "      \
	"detail"

/* v0 -> v1: everything. Later versions append steps, never edit one. */
static const char schema_v1[] =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE events ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL, source TEXT NOT NULL,"
    " cpu INTEGER NOT NULL, socket INTEGER NOT NULL, bank INTEGER NOT NULL,"
    " channel INTEGER NOT NULL, dimm INTEGER NOT NULL,"
    " dimm_label TEXT NOT NULL,"
    " severity TEXT NOT NULL, kind TEXT NOT NULL,"
    " status INTEGER NOT NULL, misc INTEGER NOT NULL, addr INTEGER NOT NULL,"
    " mcgstatus INTEGER NOT NULL, mcgcap INTEGER NOT NULL,"
    " ip INTEGER NOT NULL, tsc INTEGER NOT NULL, rec_time INTEGER NOT NULL,"
    " cpuid INTEGER NOT NULL, apicid INTEGER NOT NULL,"
    " synd INTEGER NOT NULL, ipid INTEGER NOT NULL, ppin INTEGER NOT NULL,"
    " cpuvendor INTEGER NOT NULL, record_len INTEGER NOT NULL,"
    " page_valid INTEGER NOT NULL, page INTEGER NOT NULL,"
    " message TEXT NOT NULL,"
    " extcpu INTEGER NOT NULL, socketid INTEGER NOT NULL,"
    " microcode INTEGER NOT NULL, cs INTEGER NOT NULL,"
    " rec_bank INTEGER NOT NULL, inject_flags INTEGER NOT NULL);"
    "CREATE INDEX events_time ON events (time_ms);"
    "CREATE TABLE actions ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, target INTEGER NOT NULL,"
    " peer TEXT NOT NULL, component TEXT NOT NULL, reason TEXT NOT NULL,"
    " detail TEXT NOT NULL,"
    " event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,"
    " parent_id INTEGER REFERENCES actions (id) ON DELETE SET NULL,"
    " attempt INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX actions_state ON actions (state);"
    "CREATE TABLE components ("
    " kind TEXT NOT NULL, name TEXT NOT NULL, state TEXT NOT NULL,"
    " ce_count INTEGER NOT NULL, ue_count INTEGER NOT NULL,"
    " updated_ms INTEGER NOT NULL, detail TEXT NOT NULL,"
    " PRIMARY KEY (kind, name));";

/*
 * v1 -> v2: the BMC and lm-sensors. A reading is REAL; NULL is what
 * SQLite makes of a NaN, read back as NaN. merged_event_id points at the
 * machine-check event the same fault produced.
 */
static const char schema_v2[] =
    "ALTER TABLE events ADD COLUMN also TEXT NOT NULL DEFAULT '';"
    "CREATE TABLE health_events ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL, source TEXT NOT NULL, cls TEXT NOT NULL,"
    " severity TEXT NOT NULL, component TEXT NOT NULL, what TEXT NOT NULL,"
    " deassert INTEGER NOT NULL, has_value INTEGER NOT NULL,"
    " value REAL, threshold REAL,"
    " dimm INTEGER NOT NULL, record_id INTEGER NOT NULL,"
    " merged_event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,"
    " detail TEXT NOT NULL);"
    "CREATE INDEX health_events_time ON health_events (time_ms);";

/*
 * v2 -> v3: decisions that survive the daemon. A verdict and the plan it
 * implies (actions, one evacuation per guest) are written with the event
 * that caused them; an attempt keeps the hypervisor's handle and when it
 * was asked, so a restarted daemon can ask how it ended.
 */
static const char schema_v3[] =
    "ALTER TABLE actions ADD COLUMN verdict_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE actions ADD COLUMN job_id INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE actions ADD COLUMN handle INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE actions ADD COLUMN started_ms INTEGER NOT NULL DEFAULT 0;"
    "CREATE INDEX actions_started ON actions (kind, started_ms);"
    "CREATE TABLE verdicts ("
    " id INTEGER PRIMARY KEY,"
    " event_id INTEGER REFERENCES events (id) ON DELETE SET NULL,"
    " time_ms INTEGER NOT NULL, type TEXT NOT NULL,"
    " component TEXT NOT NULL, count INTEGER NOT NULL,"
    " detail TEXT NOT NULL);"
    "CREATE TABLE evacuations ("
    " id INTEGER PRIMARY KEY,"
    " verdict_id INTEGER NOT NULL, event_id INTEGER NOT NULL,"
    " seq INTEGER NOT NULL, domid INTEGER NOT NULL, guest TEXT NOT NULL,"
    " component TEXT NOT NULL, reason TEXT NOT NULL, state TEXT NOT NULL,"
    " action_id INTEGER NOT NULL, first_action INTEGER NOT NULL,"
    " attempts INTEGER NOT NULL, detail TEXT NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL);"
    "CREATE INDEX evacuations_state ON evacuations (state);";

/*
 * v3 -> v4: events in blocks (journal_events.c), the strings they name,
 * notes a few events carry; the old rows move over in C. Tables that
 * pointed at events(id) are rebuilt without that key: an event id is
 * now one of a block's, not a row's.
 */
static const char schema_v4[] =
    "CREATE TABLE event_blocks ("
    " id INTEGER PRIMARY KEY, n INTEGER NOT NULL,"
    " first_ms INTEGER NOT NULL, last_ms INTEGER NOT NULL,"
    " data BLOB NOT NULL, records INTEGER NOT NULL);"
    "CREATE INDEX event_blocks_last ON event_blocks (last_ms);"
    "CREATE TABLE strings (id INTEGER PRIMARY KEY, text TEXT NOT NULL);"
    "CREATE TABLE event_notes ("
    " event_id INTEGER PRIMARY KEY, also TEXT NOT NULL DEFAULT '');"
    "CREATE TABLE actions_v4 ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL, state TEXT NOT NULL, target INTEGER NOT NULL,"
    " peer TEXT NOT NULL, component TEXT NOT NULL, reason TEXT NOT NULL,"
    " detail TEXT NOT NULL, event_id INTEGER, parent_id INTEGER,"
    " attempt INTEGER NOT NULL,"
    " created_ms INTEGER NOT NULL, updated_ms INTEGER NOT NULL,"
    " verdict_id INTEGER NOT NULL DEFAULT 0,"
    " job_id INTEGER NOT NULL DEFAULT 0,"
    " handle INTEGER NOT NULL DEFAULT 0,"
    " started_ms INTEGER NOT NULL DEFAULT 0);"
    "INSERT INTO actions_v4 SELECT id, kind, state, target, peer, component,"
    " reason, detail, event_id, parent_id, attempt, created_ms, updated_ms,"
    " verdict_id, job_id, handle, started_ms FROM actions;"
    "DROP TABLE actions;"
    "ALTER TABLE actions_v4 RENAME TO actions;"
    "CREATE INDEX actions_state ON actions (state);"
    "CREATE INDEX actions_started ON actions (kind, started_ms);"
    "CREATE TABLE verdicts_v4 ("
    " id INTEGER PRIMARY KEY, event_id INTEGER,"
    " time_ms INTEGER NOT NULL, type TEXT NOT NULL,"
    " component TEXT NOT NULL, count INTEGER NOT NULL,"
    " detail TEXT NOT NULL);"
    "INSERT INTO verdicts_v4 SELECT * FROM verdicts;"
    "DROP TABLE verdicts;"
    "ALTER TABLE verdicts_v4 RENAME TO verdicts;"
    "CREATE TABLE health_events_v4 ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL, source TEXT NOT NULL, cls TEXT NOT NULL,"
    " severity TEXT NOT NULL, component TEXT NOT NULL, what TEXT NOT NULL,"
    " deassert INTEGER NOT NULL, has_value INTEGER NOT NULL,"
    " value REAL, threshold REAL,"
    " dimm INTEGER NOT NULL, record_id INTEGER NOT NULL,"
    " merged_event_id INTEGER, detail TEXT NOT NULL);"
    "INSERT INTO health_events_v4 SELECT * FROM health_events;"
    "DROP TABLE health_events;"
    "ALTER TABLE health_events_v4 RENAME TO health_events;"
    "CREATE INDEX health_events_time ON health_events (time_ms);";

struct migration {
	int to_version;
	const char *sql;
	/* what SQL alone cannot do, after it; NULL: nothing */
	int (*step)(struct journal *j);
};

/* In order; a journal at version N runs every step with to_version > N. */
/*
 * v5: retention. What it deletes is first rolled up into counts per day,
 * DIMM, severity and kind, so totals and history outlive the events.
 */
static const char schema_v5[] =
    "CREATE TABLE event_days ("
    " day INTEGER NOT NULL, label TEXT NOT NULL, severity TEXT NOT NULL,"
    " kind TEXT NOT NULL, records INTEGER NOT NULL,"
    " PRIMARY KEY (day, label, severity, kind)) WITHOUT ROWID;";

/*
 * v5 -> v6: device errors. PCIe AER and CXL events, and the firmware's
 * memory records (ras:extlog_mem_event), get a table of their own rather
 * than rows of health_events: they carry fields health_events has no
 * place for (status bits, the TLP header, a CXL serial and address),
 * per-device counts group by an indexed device column, and a firmware
 * record points at the machine-check event it is (event_id, checked
 * in C: an event id is a block's, not a row's). Their
 * health stays in the conditions, as the BMC's and the sensors' do.
 */
static const char schema_v6[] =
    "CREATE TABLE device_events ("
    " id INTEGER PRIMARY KEY,"
    " time_ms INTEGER NOT NULL, source TEXT NOT NULL, kind TEXT NOT NULL,"
    " device TEXT NOT NULL, host TEXT NOT NULL, severity TEXT NOT NULL,"
    " status INTEGER NOT NULL, first_error INTEGER NOT NULL,"
    " bits TEXT NOT NULL, tlp TEXT NOT NULL, serial INTEGER NOT NULL,"
    " address INTEGER NOT NULL, message TEXT NOT NULL, note TEXT NOT NULL,"
    " event_id INTEGER);"
    "CREATE INDEX device_events_device ON device_events (device, time_ms);"
    "CREATE INDEX device_events_time ON device_events (time_ms);";

/*
 * v6 -> v7: how a migration went, told as it goes: its progress, whether
 * the guest moved live or suspended, and how long it stood still.
 */
static const char schema_v7[] =
    "ALTER TABLE actions ADD COLUMN progress INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE actions ADD COLUMN mode TEXT NOT NULL DEFAULT '';"
    "ALTER TABLE actions ADD COLUMN downtime_ms INTEGER NOT NULL DEFAULT 0;";

static const struct migration migrations[] = {
    {1, schema_v1, NULL}, {2, schema_v2, NULL},
    {3, schema_v3, NULL}, {4, schema_v4, journal_events_migrate_v4},
    {5, schema_v5, NULL}, {6, schema_v6, NULL},
    {7, schema_v7, NULL},
};

static const char *const statement_sql[ST_COUNT] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SYNC_MARK] = "INSERT INTO meta (key, value) VALUES ('synced', ?1)"
                     " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_BLOCK_ADD] = "INSERT INTO event_blocks"
                     " (id, n, first_ms, last_ms, data, records)"
                     " VALUES (?, ?, ?, ?, ?, ?)",
    /* The next block holding an event at or after ?1. */
    [ST_BLOCKS_PAGE] = "SELECT id, n, first_ms, last_ms, data"
                       " FROM event_blocks WHERE last_ms >= ?1 AND id > ?2"
                       " ORDER BY id LIMIT 1",
    /* By the primary key alone: a test on id + n would scan. */
    [ST_BLOCK_BEFORE] = "SELECT id, n, first_ms, last_ms, data"
                        " FROM event_blocks WHERE id < ?1"
                        " ORDER BY id DESC LIMIT 1",
    [ST_BLOCK_OLDEST] = "SELECT id, n, first_ms, last_ms, data, records"
                        " FROM event_blocks ORDER BY id LIMIT 1",
    [ST_BLOCK_DELETE] = "DELETE FROM event_blocks WHERE id = ?1",
    [ST_NOTES_DELETE] = "DELETE FROM event_notes"
                        " WHERE event_id BETWEEN ?1 AND ?2",
    [ST_DAY_ADD] = "INSERT INTO event_days"
                   " (day, label, severity, kind, records)"
                   " VALUES (?1, ?2, ?3, ?4, ?5)"
                   " ON CONFLICT (day, label, severity, kind)"
                   " DO UPDATE SET records = records + excluded.records",
    [ST_DAYS_PAGE] = "SELECT day, label, severity, kind, records"
                     " FROM event_days WHERE day >= ?1"
                     " ORDER BY day, label, severity, kind",
    [ST_PAGE_COUNT] = "PRAGMA page_count",
    [ST_FREE_COUNT] = "PRAGMA freelist_count",
    [ST_PAGE_SIZE] = "PRAGMA page_size",
    [ST_BLOCK_OF] = "SELECT id, n FROM event_blocks"
                    " WHERE id <= ?1 ORDER BY id DESC LIMIT 1",
    [ST_STRING_ADD] = "INSERT INTO strings (id, text) VALUES (?1, ?2)",
    [ST_NOTES_RANGE] = "SELECT event_id, also FROM event_notes"
                       " WHERE event_id BETWEEN ?1 AND ?2",
    [ST_ACTION_ADD] = "INSERT INTO actions (" ACTION_COLUMNS ") VALUES ("
                      "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                      " ?, ?, ?)",
    [ST_ACTION_MIGRATION] = "UPDATE actions SET progress = ?1, mode = ?2,"
                            " downtime_ms = ?3, updated_ms = ?4"
                            " WHERE id = ?5",
    [ST_ACTION_STARTED] = "UPDATE actions SET state = ?1, updated_ms = ?2,"
                          " started_ms = ?2, handle = ?3,"
                          " detail = COALESCE(?4, detail) WHERE id = ?5",
    [ST_MIGRATE_STARTS] = "SELECT started_ms FROM actions"
                          " WHERE kind = ?1 AND started_ms >= ?2"
                          " ORDER BY started_ms LIMIT ?3",
    [ST_VERDICT_ADD] = "INSERT INTO verdicts (" VERDICT_COLUMNS ")"
                       " VALUES (?, ?, ?, ?, ?, ?)",
    [ST_EVAC_ADD] = "INSERT INTO evacuations (" EVAC_COLUMNS ") VALUES ("
                    "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_EVAC_UPDATE] = "UPDATE evacuations SET state = ?1, action_id = ?2,"
                       " first_action = ?3, attempts = ?4, detail = ?5,"
                       " updated_ms = ?6 WHERE id = ?7",
    [ST_EVACS_PAGE] = "SELECT id, " EVAC_COLUMNS " FROM evacuations"
                      " WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_ACTION_UPDATE] = "UPDATE actions SET state = ?1, updated_ms = ?2,"
                         " detail = COALESCE(?3, detail) WHERE id = ?4",
    [ST_ACTION_GET] =
        "SELECT id, " ACTION_COLUMNS " FROM actions WHERE id = ?1",
    [ST_ACTIONS_PAGE] = "SELECT id, " ACTION_COLUMNS " FROM actions"
                        " WHERE id > ?1 ORDER BY id LIMIT ?2",
    [ST_ACTIONS_UNFINISHED_PAGE] =
        "SELECT id, " ACTION_COLUMNS " FROM actions WHERE id > ?1"
        " AND state IN (?3, ?4)"
        " ORDER BY id LIMIT ?2",
    [ST_COMPONENT_SET] = "INSERT INTO components (" COMPONENT_COLUMNS
                         ") VALUES (?, ?, ?, ?, ?, ?, ?)"
                         " ON CONFLICT (kind, name) DO UPDATE SET"
                         " state = excluded.state,"
                         " ce_count = excluded.ce_count,"
                         " ue_count = excluded.ue_count,"
                         " updated_ms = excluded.updated_ms,"
                         " detail = excluded.detail",
    [ST_COMPONENT_GET] = "SELECT " COMPONENT_COLUMNS
                         " FROM components WHERE kind = ?1 AND name = ?2",
    [ST_COMPONENTS_PAGE] = "SELECT " COMPONENT_COLUMNS " FROM components"
                           " WHERE (kind, name) > (?1, ?2)"
                           " ORDER BY kind, name LIMIT ?3",
    [ST_COMPONENTS_KIND_PAGE] = "SELECT " COMPONENT_COLUMNS " FROM components"
                                " WHERE kind = ?4 AND (kind, name) > (?1, ?2)"
                                " ORDER BY kind, name LIMIT ?3",
    [ST_SUMMARY] = "SELECT 0,"
                   " (SELECT COUNT(*) FROM actions"
                   "  WHERE kind = ?1 AND state = ?4),"
                   " (SELECT COUNT(*) FROM actions"
                   "  WHERE kind = ?2 AND state = ?4),"
                   " (SELECT COUNT(DISTINCT target) FROM actions"
                   "  WHERE kind = ?3 AND state = ?4),"
                   " (SELECT COUNT(*) FROM actions WHERE state = ?5),"
                   " (SELECT COUNT(*) FROM actions WHERE state IN (?6, ?7)),"
                   " (SELECT COUNT(*) FROM actions"
                   "  WHERE kind = ?3 AND state = ?5)",
    [ST_HEALTH_ADD] = "INSERT INTO health_events (" HEALTH_COLUMNS
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    [ST_HEALTH_PAGE] = "SELECT id, " HEALTH_COLUMNS " FROM health_events"
                       " WHERE time_ms >= ?1 AND (time_ms, id) > (?2, ?3)"
                       " ORDER BY time_ms, id LIMIT ?4",
    [ST_HEALTH_PAGE_NEWEST] =
        "SELECT id, " HEALTH_COLUMNS " FROM health_events"
        " WHERE time_ms >= ?1 AND (time_ms, id) < (?2, ?3)"
        " ORDER BY time_ms DESC, id DESC LIMIT ?4",
    /* A savepoint nests inside a caller's batch and is a transaction
     * outside one. ROLLBACK TO keeps it open, so RELEASE follows. */
    [ST_MERGE_SAVEPOINT] = "SAVEPOINT journal_merge",
    [ST_MERGE_RELEASE] = "RELEASE journal_merge",
    [ST_MERGE_ROLLBACK] = "ROLLBACK TO journal_merge",
    [ST_NOTE_ALSO_APPEND] = "INSERT INTO event_notes (event_id, also)"
                            " VALUES (?1, ?2) ON CONFLICT (event_id)"
                            " DO UPDATE SET also = CASE"
                            " WHEN ?2 = '' THEN also"
                            " WHEN also = '' THEN ?2"
                            " ELSE also || ', ' || ?2 END",
    [ST_HEALTH_MERGE] = "UPDATE health_events SET merged_event_id = ?2"
                        " WHERE id = ?1 AND merged_event_id IS NULL",
    [ST_HEALTH_MERGED_GET] =
        "SELECT merged_event_id FROM health_events WHERE id = ?1",
    [ST_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                    " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [ST_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [ST_DEVICE_ADD] = "INSERT INTO device_events (" DEVICE_COLUMNS
                      ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
                      " ?)",
    [ST_DEVICE_PAGE_NEWEST] =
        "SELECT id, " DEVICE_COLUMNS " FROM device_events"
        " WHERE time_ms >= ?1 AND (time_ms, id) < (?2, ?3)"
        " ORDER BY time_ms DESC, id DESC LIMIT ?4",
    [ST_DEVICE_PAGE] = "SELECT id, " DEVICE_COLUMNS " FROM device_events"
                       " WHERE time_ms >= ?1 AND (time_ms, id) > (?2, ?3)"
                       " ORDER BY time_ms, id LIMIT ?4",
    [ST_DEVICE_COUNTS] =
        "SELECT source, device, MAX(host),"
        " SUM(severity = 'corrected'), SUM(severity = 'nonfatal'),"
        " SUM(severity = 'fatal'), SUM(severity NOT IN"
        " ('corrected', 'nonfatal', 'fatal')), MAX(time_ms), MIN(id)"
        " FROM device_events WHERE source NOT IN ('extlog', 'edac')"
        " GROUP BY source, device ORDER BY source, device",
    [ST_BLOCK_DATA_OF] = "SELECT id, n, data FROM event_blocks"
                         " WHERE id <= ?1 ORDER BY id DESC LIMIT 1",
    [ST_BLOCK_DATA_SET] = "UPDATE event_blocks SET data = ?2 WHERE id = ?1",
};

static const char *const action_kind_names[] = {
    [ACTION_PAGE_OFFLINE] = "page_offline",
    [ACTION_CPU_OFFLINE] = "cpu_offline",
    [ACTION_MIGRATE] = "migrate",
    [ACTION_PAGE_ONLINE] = "page_online",
    [ACTION_CPU_ONLINE] = "cpu_online",
};

static const char *const action_state_names[] = {
    [ACTION_INTENDED] = "intended",
    [ACTION_RUNNING] = "running",
    [ACTION_DONE] = "done",
    [ACTION_FAILED] = "failed",
    [ACTION_RECOMMENDED] = "recommended",
    [ACTION_REFUSED] = "refused",
};

#define N_ACTION_KINDS                                                         \
	(sizeof(action_kind_names) / sizeof(action_kind_names[0]))
#define N_ACTION_STATES                                                        \
	(sizeof(action_state_names) / sizeof(action_state_names[0]))

const char *action_kind_name(enum action_kind k)
{
	if ((size_t)k >= N_ACTION_KINDS)
		return "unknown";
	return action_kind_names[k];
}

const char *action_state_name(enum action_state s)
{
	if ((size_t)s >= N_ACTION_STATES)
		return "unknown";
	return action_state_names[s];
}

/* The index of `s` in names[0..n-1], or -1; NULL (a NULL column) is none. */
static int name_index(const char *s, const char *const names[], size_t n)
{
	size_t i;

	for (i = 0; s != NULL && i < n; i++) {
		if (strcmp(s, names[i]) == 0)
			return (int)i;
	}
	return -1;
}

int action_kind_parse(const char *s, enum action_kind *out)
{
	int i = name_index(s, action_kind_names, N_ACTION_KINDS);

	if (i < 0)
		return -1;
	*out = (enum action_kind)i;
	return 0;
}

int action_state_parse(const char *s, enum action_state *out)
{
	int i = name_index(s, action_state_names, N_ACTION_STATES);

	if (i < 0)
		return -1;
	*out = (enum action_state)i;
	return 0;
}

const char *journal_error(struct journal *j)
{
	if (j == NULL)
		return "no journal";
	return j->error;
}

int journal_schema_version(struct journal *j)
{
	if (j == NULL)
		return -1;
	return j->schema_version;
}

/* One-off queries at open time: the first column of the first row. */
static int query_int(sqlite3 *db, const char *sql, int64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static int read_schema_version(struct journal *j, const char *path,
                               int *version)
{
	int64_t has_meta = 0, objects = 0, v = 0;

	if (query_int(j->db,
	              "SELECT COUNT(*) FROM sqlite_master"
	              " WHERE type = 'table' AND name = 'meta'",
	              &has_meta) != 0 ||
	    query_int(j->db, "SELECT COUNT(*) FROM sqlite_master", &objects) !=
	        0)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	if (has_meta == 0 && objects > 0)
		return fail(j,
		            "journal %s is an SQLite database but not a rasd "
		            "journal (it has no meta table)",
		            path);
	if (has_meta != 0 &&
	    query_int(j->db,
	              "SELECT CAST(value AS INTEGER) FROM meta"
	              " WHERE key = 'schema_version'"
	              " AND value GLOB '[0-9]*' AND value NOT GLOB '*[^0-9]*'",
	              &v) != 0)
		return fail(j, "journal %s: meta has no valid schema_version",
		            path);
	if (v > JOURNAL_SCHEMA_VERSION)
		return fail(j,
		            "journal %s has schema version %" PRId64
		            ", this rasd knows up to %d",
		            path, v, JOURNAL_SCHEMA_VERSION);
	*version = (int)v;
	return 0;
}

static int apply_migrations(struct journal *j, const char *path, int from)
{
	char sql[128];
	size_t i;

	for (i = 0; i < sizeof(migrations) / sizeof(migrations[0]); i++) {
		if (migrations[i].to_version <= from)
			continue;
		if (sqlite3_exec(j->db, migrations[i].sql, NULL, NULL, NULL) !=
		    SQLITE_OK)
			return fail(
			    j, "journal %s: migrating to version %d: %s", path,
			    migrations[i].to_version, sqlite3_errmsg(j->db));
		if (migrations[i].step != NULL && migrations[i].step(j) < 0)
			return fail(j,
			            "journal %s: migrating to version %d: %s",
			            path, migrations[i].to_version, j->error);
	}
	snprintf(sql, sizeof(sql),
	         "INSERT OR REPLACE INTO meta (key, value)"
	         " VALUES ('schema_version', '%d')",
	         JOURNAL_SCHEMA_VERSION);
	if (sqlite3_exec(j->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	return 0;
}

/*
 * Reading the version and migrating are one IMMEDIATE transaction, so two
 * daemons started on one journal cannot both migrate it.
 */
static int migrate(struct journal *j, const char *path)
{
	int version = 0;

	if (sqlite3_exec(j->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	if (read_schema_version(j, path, &version) != 0 ||
	    (version < JOURNAL_SCHEMA_VERSION &&
	     apply_migrations(j, path, version) != 0)) {
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	if (sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
		sqlite3_exec(j->db, "ROLLBACK", NULL, NULL, NULL);
		return -1;
	}
	j->schema_version = JOURNAL_SCHEMA_VERSION;
	return 0;
}

/* The first statement that reads the file tells whether it is SQLite. */
static int configure(struct journal *j, const char *path)
{
	int rc;

	sqlite3_busy_timeout(j->db, 5000);
	rc = sqlite3_exec(j->db, "PRAGMA journal_mode = WAL", NULL, NULL, NULL);
	if (rc == SQLITE_NOTADB)
		return fail(j, "journal %s is not an SQLite database", path);
	if (rc != SQLITE_OK)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	/* A storm's WAL is cut back after each checkpoint: max_size
	 * bounds the file, this the log beside it. */
	if (sqlite3_exec(j->db, "PRAGMA synchronous = NORMAL", NULL, NULL,
	                 NULL) != SQLITE_OK ||
	    sqlite3_exec(j->db, "PRAGMA journal_size_limit = 16777216", NULL,
	                 NULL, NULL) != SQLITE_OK)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	return 0;
}

/*
 * After migrating: a migration rebuilds tables, and with the keys on a
 * dropped parent would cascade into its children.
 */
static int foreign_keys_on(struct journal *j, const char *path)
{
	if (sqlite3_exec(j->db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL) !=
	    SQLITE_OK)
		return fail(j, "journal %s: %s", path, sqlite3_errmsg(j->db));
	return 0;
}

int journal_prepare(struct journal *j, enum statement s)
{
	if (j->stmt[s] != NULL)
		return 0;
	if (sqlite3_prepare_v3(j->db, statement_sql[s], -1,
	                       SQLITE_PREPARE_PERSISTENT, &j->stmt[s],
	                       NULL) != SQLITE_OK)
		return fail(j, "preparing '%s': %s", statement_sql[s],
		            sqlite3_errmsg(j->db));
	return 0;
}

static int prepare_all(struct journal *j, const char *path)
{
	int i;

	for (i = 0; i < ST_COUNT; i++)
		if (journal_prepare(j, (enum statement)i) < 0)
			return fail(j, "journal %s: %s", path, j->error);
	return 0;
}

static void set_open_error(char *err, size_t errlen, const char *msg)
{
	if (err != NULL && errlen > 0)
		snprintf(err, errlen, "%s", msg);
}

int journal_open(struct journal **out, const char *path, char *err,
                 size_t errlen)
{
	struct journal *j;

	if (out == NULL || path == NULL) {
		set_open_error(err, errlen, "journal_open: no path");
		return -1;
	}
	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		set_open_error(err, errlen, "journal_open: out of memory");
		return -1;
	}
	if (sqlite3_open_v2(path, &j->db,
	                    SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
	                    NULL) != SQLITE_OK) {
		fail(j, "journal %s: cannot open: %s", path,
		     j->db != NULL ? sqlite3_errmsg(j->db) : "out of memory");
	} else if ((j->strings = calloc(JOURNAL_STRINGS_MAX,
	                                sizeof(*j->strings))) == NULL) {
		fail(j, "journal %s: out of memory", path);
	} else if (configure(j, path) == 0 && migrate(j, path) == 0 &&
	           foreign_keys_on(j, path) == 0 && prepare_all(j, path) == 0 &&
	           journal_events_load(j) == 0) {
		journal_hooks_install(j);
		*out = j;
		return 0;
	}
	set_open_error(err, errlen, j->error);
	journal_close(j);
	return -1;
}

/*
 * Read-only: no file is made and nothing migrated, so rasctl can read a
 * journal while rasd is down or busy without ever holding its writer up.
 * An older schema is refused: only rasd, which owns the file, migrates.
 */
int journal_open_readonly(struct journal **out, const char *path, char *err,
                          size_t errlen)
{
	struct journal *j;
	int version = 0;

	if (out == NULL || path == NULL) {
		set_open_error(err, errlen, "journal_open_readonly: no path");
		return -1;
	}
	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		set_open_error(err, errlen, "journal: out of memory");
		return -1;
	}
	j->readonly = true;
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READONLY, NULL) !=
	    SQLITE_OK) {
		fail(j, "journal %s: cannot open: %s", path,
		     j->db != NULL ? sqlite3_errmsg(j->db) : "out of memory");
	} else if ((j->strings = calloc(JOURNAL_STRINGS_MAX,
	                                sizeof(*j->strings))) == NULL) {
		fail(j, "journal %s: out of memory", path);
	} else if (sqlite3_busy_timeout(j->db, 1000) != SQLITE_OK ||
	           read_schema_version(j, path, &version) != 0) {
		/* the message is set */
	} else if (version != JOURNAL_SCHEMA_VERSION) {
		fail(j,
		     "journal %s has schema version %d; start rasd on it once "
		     "to migrate it to %d",
		     path, version, JOURNAL_SCHEMA_VERSION);
	} else if (prepare_all(j, path) == 0 && journal_events_load(j) == 0) {
		j->schema_version = version;
		*out = j;
		return 0;
	}
	set_open_error(err, errlen, j->error);
	journal_close(j);
	return -1;
}

int journal_reader_refresh(struct journal *j)
{
	if (j == NULL || !j->readonly)
		return -1;
	return journal_events_load(j);
}

/*
 * A batch still open at close is committed: its events happened, and the
 * journal exists so that nothing the daemon saw is lost.
 */
void journal_close(struct journal *j)
{
	int i;

	if (j == NULL)
		return;
	journal_syncer_stop(j);
	if (j->db != NULL && !j->readonly && !sqlite3_get_autocommit(j->db) &&
	    journal_events_flush(j) == 0)
		sqlite3_exec(j->db, "COMMIT", NULL, NULL, NULL);
	for (i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(j->stmt[i]);
	sqlite3_close(j->db);
	free(j->strings);
	free(j);
}

int journal_begin(struct journal *j)
{
	if (j == NULL)
		return -1;
	if (!sqlite3_get_autocommit(j->db))
		return fail(j, "journal_begin: a batch is already open");
	return run(j, ST_BEGIN, "journal_begin");
}

int journal_commit(struct journal *j)
{
	if (j == NULL)
		return -1;
	if (sqlite3_get_autocommit(j->db))
		return fail(j, "journal_commit: no batch is open");
	if (journal_events_flush(j) < 0 ||
	    run(j, ST_COMMIT, "journal_commit") < 0)
		return -1;
	journal_events_committed(j);
	return 0;
}

/* An event id a row names must be one of the journal's events. */
static int event_named(struct journal *j, int64_t id, const char *what)
{
	int exists = journal_event_exists(j, id);

	if (exists < 0)
		return -1;
	if (exists == 0)
		return fail(j, "%s: no event %" PRId64, what, id);
	return 0;
}

static bool action_valid(const struct journal_action *a)
{
	return (size_t)a->kind < N_ACTION_KINDS &&
	       (size_t)a->state < N_ACTION_STATES;
}

int journal_action_add(struct journal *j, struct journal_action *a)
{
	sqlite3_stmt *st;
	int c = 1;

	if (j == NULL)
		return -1;
	if (a == NULL || !action_valid(a))
		return fail(j, "journal_action_add: no action, or an unknown "
		               "kind or state");
	if (a->event_id != 0 &&
	    event_named(j, a->event_id, "journal_action_add") < 0)
		return -1;
	st = j->stmt[ST_ACTION_ADD];
	bind_string(st, c++, action_kind_name(a->kind));
	bind_string(st, c++, action_state_name(a->state));
	bind_u64(st, c++, a->target);
	bind_text(st, c++, a->peer, sizeof(a->peer));
	bind_text(st, c++, a->component, sizeof(a->component));
	bind_text(st, c++, a->reason, sizeof(a->reason));
	bind_text(st, c++, a->detail, sizeof(a->detail));
	bind_id(st, c++, a->event_id);
	bind_id(st, c++, a->parent_id);
	sqlite3_bind_int64(st, c++, a->attempt);
	bind_u64(st, c++, a->created_ms);
	bind_u64(st, c++, a->updated_ms);
	sqlite3_bind_int64(st, c++, a->verdict_id);
	sqlite3_bind_int64(st, c++, a->job_id);
	bind_u64(st, c++, a->handle);
	bind_u64(st, c++, a->started_ms);
	sqlite3_bind_int64(st, c++, a->progress);
	bind_text(st, c++, a->mode, sizeof(a->mode));
	bind_u64(st, c++, a->downtime_ms);
	if (run(j, ST_ACTION_ADD, "journal_action_add") != 0)
		return -1;
	a->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

int journal_action_update(struct journal *j, int64_t id,
                          enum action_state state, uint64_t now_ms,
                          const char *detail)
{
	sqlite3_stmt *st;

	if (j == NULL)
		return -1;
	if ((size_t)state >= N_ACTION_STATES)
		return fail(j, "journal_action_update: unknown state %d",
		            (int)state);
	st = j->stmt[ST_ACTION_UPDATE];
	bind_string(st, 1, action_state_name(state));
	bind_u64(st, 2, now_ms);
	bind_string(st, 3, detail); /* NULL: COALESCE keeps the old detail */
	sqlite3_bind_int64(st, 4, id);
	if (run(j, ST_ACTION_UPDATE, "journal_action_update") != 0)
		return -1;
	if (sqlite3_changes(j->db) == 0)
		return fail(j, "journal_action_update: no action %" PRId64, id);
	return 0;
}

/* Column 0 is id; the rest are ACTION_COLUMNS in order. */
static int read_action(struct journal *j, sqlite3_stmt *st,
                       struct journal_action *a)
{
	const char *kind, *state;
	int c = 0;

	memset(a, 0, sizeof(*a));
	a->id = sqlite3_column_int64(st, c++);
	kind = (const char *)sqlite3_column_text(st, c++);
	state = (const char *)sqlite3_column_text(st, c++);
	if (action_kind_parse(kind, &a->kind) != 0 ||
	    action_state_parse(state, &a->state) != 0)
		return fail(j,
		            "action %" PRId64 ": unknown kind '%s' or "
		            "state '%s'",
		            a->id, kind != NULL ? kind : "",
		            state != NULL ? state : "");
	a->target = column_u64(st, c++);
	column_text(st, c++, a->peer, sizeof(a->peer));
	column_text(st, c++, a->component, sizeof(a->component));
	column_text(st, c++, a->reason, sizeof(a->reason));
	column_text(st, c++, a->detail, sizeof(a->detail));
	a->event_id = sqlite3_column_int64(st, c++);
	a->parent_id = sqlite3_column_int64(st, c++);
	a->attempt = (uint32_t)sqlite3_column_int64(st, c++);
	a->created_ms = column_u64(st, c++);
	a->updated_ms = column_u64(st, c++);
	a->verdict_id = sqlite3_column_int64(st, c++);
	a->job_id = sqlite3_column_int64(st, c++);
	a->handle = column_u64(st, c++);
	a->started_ms = column_u64(st, c++);
	a->progress = (uint32_t)sqlite3_column_int64(st, c++);
	column_text(st, c++, a->mode, sizeof(a->mode));
	a->downtime_ms = column_u64(st, c++);
	return 0;
}

int journal_action_get(struct journal *j, int64_t id,
                       struct journal_action *out)
{
	sqlite3_stmt *st;
	int step, rc;

	if (j == NULL)
		return -1;
	if (out == NULL)
		return fail(j, "journal_action_get: nowhere to put it");
	st = j->stmt[ST_ACTION_GET];
	sqlite3_bind_int64(st, 1, id);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		sqlite3_reset(st);
		return fail(j, "no action %" PRId64, id);
	}
	if (step != SQLITE_ROW)
		return fail_stmt(j, st, "journal_action_get");
	rc = read_action(j, st, out);
	sqlite3_reset(st);
	return rc;
}

/* Fills `page` with up to PAGE_ROWS actions after `after_id`; see above. */
static int read_action_page(struct journal *j, bool unfinished_only,
                            int64_t after_id, struct journal_action *page,
                            size_t *n)
{
	sqlite3_stmt *st;
	int step = SQLITE_DONE;

	st = j->stmt[unfinished_only ? ST_ACTIONS_UNFINISHED_PAGE
	                             : ST_ACTIONS_PAGE];
	sqlite3_bind_int64(st, 1, after_id);
	sqlite3_bind_int64(st, 2, PAGE_ROWS);
	if (unfinished_only) {
		bind_string(st, 3, action_state_name(ACTION_INTENDED));
		bind_string(st, 4, action_state_name(ACTION_RUNNING));
	}
	for (*n = 0; *n < PAGE_ROWS && (step = sqlite3_step(st)) == SQLITE_ROW;
	     (*n)++) {
		if (read_action(j, st, &page[*n]) != 0) {
			sqlite3_reset(st);
			return -1;
		}
	}
	if (*n < PAGE_ROWS && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_actions_each");
	sqlite3_reset(st);
	return 0;
}

int journal_actions_each(struct journal *j, bool unfinished_only,
                         journal_action_fn fn, void *arg)
{
	struct journal_action *page;
	int64_t after_id = 0;
	bool stop = false;
	size_t n = 0, i;
	int rc = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_actions_each: no callback");
	page = malloc(PAGE_ROWS * sizeof(*page));
	if (page == NULL)
		return fail(j, "journal_actions_each: out of memory");
	do {
		rc = read_action_page(j, unfinished_only, after_id, page, &n);
		for (i = 0; rc == 0 && !stop && i < n; i++)
			stop = fn(arg, &page[i]) != 0;
		if (n > 0)
			after_id = page[n - 1].id;
	} while (rc == 0 && !stop && n == PAGE_ROWS);
	free(page);
	return rc;
}

int journal_component_set(struct journal *j, const struct journal_component *c)
{
	sqlite3_stmt *st;
	int col = 1;

	if (j == NULL)
		return -1;
	if (c == NULL)
		return fail(j, "journal_component_set: no component");
	st = j->stmt[ST_COMPONENT_SET];
	bind_text(st, col++, c->kind, sizeof(c->kind));
	bind_text(st, col++, c->name, sizeof(c->name));
	bind_text(st, col++, c->state, sizeof(c->state));
	bind_u64(st, col++, c->ce_count);
	bind_u64(st, col++, c->ue_count);
	bind_u64(st, col++, c->updated_ms);
	bind_text(st, col++, c->detail, sizeof(c->detail));
	return run(j, ST_COMPONENT_SET, "journal_component_set");
}

static void read_component(sqlite3_stmt *st, struct journal_component *c)
{
	int col = 0;

	memset(c, 0, sizeof(*c));
	column_text(st, col++, c->kind, sizeof(c->kind));
	column_text(st, col++, c->name, sizeof(c->name));
	column_text(st, col++, c->state, sizeof(c->state));
	c->ce_count = column_u64(st, col++);
	c->ue_count = column_u64(st, col++);
	c->updated_ms = column_u64(st, col++);
	column_text(st, col++, c->detail, sizeof(c->detail));
}

int journal_component_get(struct journal *j, const char *kind, const char *name,
                          struct journal_component *out)
{
	sqlite3_stmt *st;
	int step;

	if (j == NULL)
		return -1;
	if (kind == NULL || name == NULL || out == NULL)
		return fail(j,
		            "journal_component_get: no kind, name or output");
	st = j->stmt[ST_COMPONENT_GET];
	bind_string(st, 1, kind);
	bind_string(st, 2, name);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		sqlite3_reset(st);
		return fail(j, "no component %s %s", kind, name);
	}
	if (step != SQLITE_ROW)
		return fail_stmt(j, st, "journal_component_get");
	read_component(st, out);
	sqlite3_reset(st);
	return 0;
}

/* Up to PAGE_ROWS components after (after_kind, after_name). */
static int read_component_page(struct journal *j, const char *kind,
                               const struct journal_component *after,
                               struct journal_component *page, size_t *n)
{
	sqlite3_stmt *st;
	int step = SQLITE_DONE;

	st = j->stmt[kind != NULL ? ST_COMPONENTS_KIND_PAGE
	                          : ST_COMPONENTS_PAGE];
	/* '' sorts before every kind, so it starts the scan. */
	sqlite3_bind_text(st, 1, after->kind, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, after->name, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, PAGE_ROWS);
	if (kind != NULL)
		bind_string(st, 4, kind);
	for (*n = 0; *n < PAGE_ROWS && (step = sqlite3_step(st)) == SQLITE_ROW;
	     (*n)++)
		read_component(st, &page[*n]);
	if (*n < PAGE_ROWS && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_components_each");
	sqlite3_reset(st);
	return 0;
}

int journal_components_each(struct journal *j, const char *kind,
                            journal_component_fn fn, void *arg)
{
	struct journal_component *page, after;
	bool stop = false;
	size_t n = 0, i;
	int rc = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_components_each: no callback");
	page = malloc(PAGE_ROWS * sizeof(*page));
	if (page == NULL)
		return fail(j, "journal_components_each: out of memory");
	memset(&after, 0, sizeof(after));
	do {
		rc = read_component_page(j, kind, &after, page, &n);
		for (i = 0; rc == 0 && !stop && i < n; i++)
			stop = fn(arg, &page[i]) != 0;
		if (n > 0)
			after = page[n - 1];
	} while (rc == 0 && !stop && n == PAGE_ROWS);
	free(page);
	return rc;
}

static void bind_health_event(sqlite3_stmt *st,
                              const struct journal_health_event *ev)
{
	int c = 1;

	bind_u64(st, c++, ev->time_ms);
	bind_text(st, c++, ev->source, sizeof(ev->source));
	bind_text(st, c++, ev->cls, sizeof(ev->cls));
	bind_text(st, c++, ev->severity, sizeof(ev->severity));
	bind_text(st, c++, ev->component, sizeof(ev->component));
	bind_text(st, c++, ev->what, sizeof(ev->what));
	sqlite3_bind_int(st, c++, ev->deassert);
	sqlite3_bind_int(st, c++, ev->has_value);
	if (ev->has_value)
		sqlite3_bind_double(st, c++, ev->value);
	else
		sqlite3_bind_null(st, c++);
	sqlite3_bind_double(st, c++, ev->threshold);
	sqlite3_bind_int(st, c++, ev->dimm);
	sqlite3_bind_int64(st, c++, ev->record_id);
	bind_id(st, c++, ev->merged_event_id);
	bind_text(st, c++, ev->detail, sizeof(ev->detail));
}

int journal_health_event_add(struct journal *j, struct journal_health_event *ev)
{
	if (j == NULL)
		return -1;
	if (ev == NULL)
		return fail(j, "journal_health_event_add: no event");
	if (ev->merged_event_id != 0 &&
	    event_named(j, ev->merged_event_id, "journal_health_event_add") < 0)
		return -1;
	bind_health_event(j->stmt[ST_HEALTH_ADD], ev);
	if (run(j, ST_HEALTH_ADD, "journal_health_event_add") != 0)
		return -1;
	ev->id = sqlite3_last_insert_rowid(j->db);
	return 0;
}

/* sqlite3_bind_double() stores a NaN as NULL; give the NaN back. */
static double column_real(sqlite3_stmt *st, int col)
{
	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return NAN;
	return sqlite3_column_double(st, col);
}

/* Column 0 is id; the rest are HEALTH_COLUMNS in order. */
static void read_health_event(sqlite3_stmt *st, struct journal_health_event *ev)
{
	int c = 0;

	memset(ev, 0, sizeof(*ev));
	ev->id = sqlite3_column_int64(st, c++);
	ev->time_ms = column_u64(st, c++);
	column_text(st, c++, ev->source, sizeof(ev->source));
	column_text(st, c++, ev->cls, sizeof(ev->cls));
	column_text(st, c++, ev->severity, sizeof(ev->severity));
	column_text(st, c++, ev->component, sizeof(ev->component));
	column_text(st, c++, ev->what, sizeof(ev->what));
	ev->deassert = sqlite3_column_int(st, c++) != 0;
	ev->has_value = sqlite3_column_int(st, c++) != 0;
	ev->value = ev->has_value ? column_real(st, c) : 0.0;
	c++;
	ev->threshold = column_real(st, c++);
	ev->dimm = sqlite3_column_int(st, c++);
	ev->record_id = sqlite3_column_int64(st, c++);
	ev->merged_event_id = sqlite3_column_int64(st, c++);
	column_text(st, c++, ev->detail, sizeof(ev->detail));
}

/* Where a health event scan is: the (time_ms, id) key of the last row. */
struct health_cursor {
	int64_t since;
	int64_t after_time;
	int64_t after_id;
	bool newest_first;
};

/* Up to `want` health events past the cursor; see journal_events_each. */
static int read_health_page(struct journal *j, const struct health_cursor *cur,
                            size_t want, struct journal_health_event *page,
                            size_t *n)
{
	sqlite3_stmt *st;
	int step = SQLITE_DONE;

	st =
	    j->stmt[cur->newest_first ? ST_HEALTH_PAGE_NEWEST : ST_HEALTH_PAGE];
	sqlite3_bind_int64(st, 1, cur->since);
	sqlite3_bind_int64(st, 2, cur->after_time);
	sqlite3_bind_int64(st, 3, cur->after_id);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)want);
	for (*n = 0; *n < want && (step = sqlite3_step(st)) == SQLITE_ROW;
	     (*n)++)
		read_health_event(st, &page[*n]);
	if (*n < want && step != SQLITE_DONE)
		return fail_stmt(j, st, "journal_health_events_each");
	sqlite3_reset(st);
	return 0;
}

int journal_health_events_each(struct journal *j, uint64_t since_ms,
                               size_t limit, bool newest_first,
                               journal_health_event_fn fn, void *arg)
{
	struct journal_health_event *page;
	struct health_cursor cur;
	size_t n = 0, i, want, delivered = 0;
	bool stop = false;
	int rc = 0;

	if (j == NULL)
		return -1;
	if (fn == NULL)
		return fail(j, "journal_health_events_each: no callback");
	page = malloc(PAGE_ROWS * sizeof(*page));
	if (page == NULL)
		return fail(j, "journal_health_events_each: out of memory");
	cur.since = since_ms > INT64_MAX ? INT64_MAX : (int64_t)since_ms;
	cur.newest_first = newest_first;
	/* A key before the first row (or after the last, newest first). */
	cur.after_time = newest_first ? INT64_MAX : INT64_MIN;
	cur.after_id = cur.after_time;
	do {
		want = PAGE_ROWS;
		if (limit != 0 && limit - delivered < want)
			want = limit - delivered;
		rc = read_health_page(j, &cur, want, page, &n);
		for (i = 0; rc == 0 && !stop && i < n; i++) {
			delivered++;
			stop = fn(arg, &page[i]) != 0;
		}
		if (n > 0) {
			cur.after_time = (int64_t)page[n - 1].time_ms;
			cur.after_id = page[n - 1].id;
		}
	} while (rc == 0 && !stop && n == want &&
	         (limit == 0 || delivered < limit));
	free(page);
	return rc;
}

/*
 * The health event was not updated: it does not exist, or is merged
 * already. 1 when already merged with this very event (nothing to do).
 */
static int merge_conflict(struct journal *j, int64_t health_id,
                          int64_t event_id)
{
	sqlite3_stmt *st = j->stmt[ST_HEALTH_MERGED_GET];
	int64_t merged;
	int step;

	sqlite3_bind_int64(st, 1, health_id);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		sqlite3_reset(st);
		return fail(
		    j, "journal_health_event_merge: no health event %" PRId64,
		    health_id);
	}
	if (step != SQLITE_ROW)
		return fail_stmt(j, st, "journal_health_event_merge");
	merged = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (merged == event_id)
		return 1;
	return fail(j,
	            "journal_health_event_merge: health event %" PRId64
	            " is already merged with event %" PRId64,
	            health_id, merged);
}

/*
 * The event first: the write takes the write lock at once (no read lock
 * to upgrade), and a missing event is named, not a foreign key failure.
 */
static int merge_rows(struct journal *j, int64_t health_id, int64_t event_id,
                      const char *also)
{
	sqlite3_stmt *st = j->stmt[ST_NOTE_ALSO_APPEND];
	int exists = journal_event_exists(j, event_id);

	if (exists < 0)
		return -1;
	if (exists == 0)
		return fail(j, "journal_health_event_merge: no event %" PRId64,
		            event_id);
	sqlite3_bind_int64(st, 1, event_id);
	bind_string(st, 2, also != NULL ? also : "");
	if (run(j, ST_NOTE_ALSO_APPEND, "journal_health_event_merge") != 0)
		return -1;
	st = j->stmt[ST_HEALTH_MERGE];
	sqlite3_bind_int64(st, 1, health_id);
	sqlite3_bind_int64(st, 2, event_id);
	if (run(j, ST_HEALTH_MERGE, "journal_health_event_merge") != 0)
		return -1;
	if (sqlite3_changes(j->db) == 0)
		return merge_conflict(j, health_id, event_id);
	return 0;
}

/* Undoes and ends the merge savepoint; the error already said why. */
static void merge_undo(struct journal *j)
{
	sqlite3_step(j->stmt[ST_MERGE_ROLLBACK]);
	sqlite3_reset(j->stmt[ST_MERGE_ROLLBACK]);
	sqlite3_step(j->stmt[ST_MERGE_RELEASE]);
	sqlite3_reset(j->stmt[ST_MERGE_RELEASE]);
}

int journal_health_event_merge(struct journal *j, int64_t health_id,
                               int64_t event_id, const char *also)
{
	int rc;

	if (j == NULL)
		return -1;
	if (run(j, ST_MERGE_SAVEPOINT, "journal_health_event_merge") != 0)
		return -1;
	rc = merge_rows(j, health_id, event_id, also);
	if (rc == 0 &&
	    run(j, ST_MERGE_RELEASE, "journal_health_event_merge") == 0)
		return 0;
	merge_undo(j);
	return rc > 0 ? 0 : -1;
}

int journal_meta_set(struct journal *j, const char *key, const char *value)
{
	sqlite3_stmt *st;

	if (j == NULL)
		return -1;
	if (key == NULL || key[0] == '\0' || value == NULL)
		return fail(j, "journal_meta_set: no key or no value");
	/* Only a migration may say what the schema is. */
	if (strcmp(key, "schema_version") == 0)
		return fail(j, "journal_meta_set: schema_version is the "
		               "journal's own and is not set by callers");
	st = j->stmt[ST_META_SET];
	bind_string(st, 1, key);
	bind_string(st, 2, value);
	return run(j, ST_META_SET, "journal_meta_set");
}

int journal_meta_get(struct journal *j, const char *key, char *value,
                     size_t len)
{
	sqlite3_stmt *st;
	int step;

	if (j == NULL)
		return -1;
	if (key == NULL || (value == NULL && len > 0))
		return fail(j, "journal_meta_get: no key or nowhere to put it");
	if (len > 0)
		value[0] = '\0';
	st = j->stmt[ST_META_GET];
	bind_string(st, 1, key);
	step = sqlite3_step(st);
	if (step == SQLITE_DONE) {
		sqlite3_reset(st);
		return 0;
	}
	if (step != SQLITE_ROW)
		return fail_stmt(j, st, "journal_meta_get");
	if (len > 0)
		column_text(st, 0, value, len);
	sqlite3_reset(st);
	return 1;
}

int journal_summary(struct journal *j, struct journal_summary *out)
{
	sqlite3_stmt *st;
	int c = 1;

	if (j == NULL)
		return -1;
	if (out == NULL)
		return fail(j, "journal_summary: nowhere to put it");
	if (journal_event_count(j) < 0)
		return -1;
	st = j->stmt[ST_SUMMARY];
	bind_string(st, c++, action_kind_name(ACTION_PAGE_OFFLINE));
	bind_string(st, c++, action_kind_name(ACTION_CPU_OFFLINE));
	bind_string(st, c++, action_kind_name(ACTION_MIGRATE));
	bind_string(st, c++, action_state_name(ACTION_DONE));
	bind_string(st, c++, action_state_name(ACTION_FAILED));
	bind_string(st, c++, action_state_name(ACTION_INTENDED));
	bind_string(st, c++, action_state_name(ACTION_RUNNING));
	if (sqlite3_step(st) != SQLITE_ROW)
		return fail_stmt(j, st, "journal_summary");
	c = 0;
	out->events = j->event_count;
	c++;
	out->pages_offlined = sqlite3_column_int64(st, c++);
	out->cpus_offlined = sqlite3_column_int64(st, c++);
	out->guests_evacuated = sqlite3_column_int64(st, c++);
	out->actions_failed = sqlite3_column_int64(st, c++);
	out->actions_pending = sqlite3_column_int64(st, c++);
	out->migrations_failed = sqlite3_column_int64(st, c++);
	sqlite3_reset(st);
	return 0;
}

int journal_last_time_ms(struct journal *j, uint64_t *out)
{
	sqlite3_stmt *st;
	int rc;

	*out = 0;
	if (j == NULL)
		return -1;
	if (journal_events_flush(j) < 0)
		return -1;
	rc = sqlite3_prepare_v2(
	    j->db,
	    "SELECT MAX(t) FROM (SELECT MAX(last_ms) AS t "
	    "FROM event_blocks UNION ALL SELECT MAX(updated_ms) "
	    "FROM actions UNION ALL SELECT MAX(time_ms) "
	    "FROM health_events)",
	    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return fail(j, "%s", sqlite3_errmsg(j->db));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		*out = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

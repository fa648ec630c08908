#!/bin/sh
# test_exactly_once.sh - one rasd per journal and per socket, the simulated
# host outliving rasd, and bad journals: a clear error, never a repeat.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"
LONG="$ROOT/hypervisor/sim/scenarios/failing-dimm.scn"

# -- one daemon per journal, one per socket --------------------------------
start_rasd a "$LONG" "$P/test.conf" --speed 1
expect_eq "first rasd answers" "$("$RASCTL" -s "$SOCK" --json status | jq -r .host)" xen-a
FIRST=$RASD_PID
"$RASD" -H "sim:$LONG" -c "$P/test.conf" -j "$WORK/a.db" -s "$WORK/other.sock" \
	-q >"$WORK/second.out" 2>"$WORK/second.err"
expect_eq "a second rasd on the same journal exits 1" $? 1
expect_eq "and names the first one's pid" "$(cat "$WORK/second.err")" \
	"rasd: journal $WORK/a.db is in use by another rasd (pid $FIRST)"
"$RASD" -H "sim:$LONG" -c "$P/test.conf" -j "$WORK/b.db" -s "$SOCK" \
	-q >"$WORK/third.out" 2>"$WORK/third.err"
expect_eq "a rasd on another journal but the same socket exits 1" $? 1
expect_eq "and names the pid listening there" "$(cat "$WORK/third.err")" \
	"rasd: control socket $SOCK is in use by a running rasd (pid $FIRST)"
expect_eq "the first still answers on its socket" \
	"$("$RASCTL" -s "$SOCK" --json status | jq -r .host)" xen-a
HOST=$(pgrep -f "rasd-simhost --socket $WORK/a.db.simhost")
check "rasd started its simulated host as its own process" test -n "$HOST"

# -- the host outlives a killed rasd ---------------------------------------
kill -9 "$RASD_PID"
wait "$RASD_PID" 2>/dev/null
RASD_PID=
check "the simulated host outlives rasd's SIGKILL" kill -0 "$HOST"
check "the killed rasd left its socket behind" test -S "$SOCK"
start_rasd a "$LONG" "$P/test.conf" --speed 1
# The stale file is there already: wait for an answer, not for the file.
i=0
while ! "$RASCTL" -s "$SOCK" status >/dev/null 2>&1 && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "a new rasd takes over the stale socket" \
	"$("$RASCTL" -s "$SOCK" --json status | jq -r .host)" xen-a
expect_eq "and attaches to the same host" \
	"$(pgrep -f "rasd-simhost --socket $WORK/a.db.simhost")" "$HOST"
stop_rasd
check "a host rasd attached to (not started) stays after a clean stop" \
	kill -0 "$HOST"
kill "$HOST"

# -- bad journals -----------------------------------------------------------
run_sim new "$S/restart-a.scn" "$P/test.conf"
sql "$WORK/new.db" "update meta set value = '99' where key = 'schema_version'"
run_sim new2 "$S/restart-a.scn" "$P/test.conf" -j "$WORK/new.db"
expect_eq "a journal from a newer rasd: exit 1" $? 1
check "it says which version it is and which it knows" \
	grep -q "has schema version 99, this rasd knows up to 7" "$WORK/new2.err"
expect_eq "and is left untouched" \
	"$(sql "$WORK/new.db" "select value from meta where key = 'schema_version'")" 99

printf 'not a database, just bytes\n%.0s' 1 2 3 4 5 6 7 8 >"$WORK/junk.db"
run_sim junk "$S/restart-a.scn" "$P/test.conf" -j "$WORK/junk.db"
expect_eq "a file that is not SQLite: exit 1" $? 1
check "it says so" grep -q "junk.db is not an SQLite database" "$WORK/junk.err"

# A journal whose last commits are torn: SQLite drops the frames whose
# checksum fails; what was committed before is all there.
run_sim torn "$S/restart-a.scn" "$P/test.conf"
cp "$WORK/torn.db" "$WORK/torn2.db"
sql "$WORK/torn2.db" "pragma journal_mode=wal; pragma wal_autocheckpoint=0;
	insert into meta values ('x1', 'one');" >/dev/null
test -s "$WORK/torn2.db-wal" &&
	printf 'garbage over the end of the write-ahead log' |
	dd of="$WORK/torn2.db-wal" bs=1 seek=$(($(stat -c %s "$WORK/torn2.db-wal") - 40)) conv=notrunc 2>/dev/null
run_sim torn2 "$S/restart-b.scn" "$P/test.conf" -j "$WORK/torn2.db"
expect_eq "a torn write-ahead log: rasd starts on what was committed" $? 0
expect_eq "the events before the tear are kept" \
	"$(sql "$WORK/torn2.db" "select sum(records) from event_blocks")" 2

# A plan naming a guest the host no longer has: journaled as gone, never
# asked of the hypervisor.
run_sim gone "$S/restart-a.scn" "$P/test.conf"
sql "$WORK/gone.db" "insert into evacuations (verdict_id, event_id, seq, domid,
	guest, component, reason, state, action_id, first_action, attempts,
	detail, created_ms, updated_ms) values (0, 0, 1, 77, 'ghost', 'DIMM_B',
	'test: planned before a crash', 'queued', 0, 0, 0, '', 1, 1)"
run_sim gone2 "$S/restart-b.scn" "$P/test.conf" -j "$WORK/gone.db"
expect_eq "a plan for a guest that is not here: rasd runs" $? 0
expect_eq "it is journaled as gone, with the reason" \
	"$(sql "$WORK/gone.db" "select state || ': ' || detail from evacuations where domid = 77")" \
	"gone: dom77 is no longer on this host: not moved by rasd"
expect_eq "and the hypervisor was never asked to move it" \
	"$(grep -c 'migrate_start domid=77' "$WORK/gone2.calls")" 0
exit 0

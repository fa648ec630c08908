#!/bin/sh
# test_retention.sh - [journal] keep and max_size on a month of errors:
# old events rolled up into day counts and deleted, the correlation
# window kept whole, totals and history unchanged, the file bounded.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
DAY=86400000

# field NAME FILE: a key=value of the summaries rasd prints at the end.
field() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | tail -1; }

policy() {
	sed -e "s/^keep = .*/keep = $1/" -e "s/^max_size = .*/max_size = $2/" \
		"$ROOT/policies/default.conf" >"$WORK/$3.conf"
	grep -q "^keep = $1\$" "$WORK/$3.conf" || fail "no keep line in default.conf"
}

# A month at a million virtual ms per real ms: about 3 s.
policy 2d 0 keep
SPEED=1000000 run_sim keep "$S/retention.scn" "$WORK/keep.conf"
expect_eq "rasd plays a month of errors with keep = 2d" $? 0
DB="$WORK/keep.db"
last=$(sql "$DB" "select max(last_ms) from event_blocks")
oldest=$(sql "$DB" "select min(first_ms) from event_blocks")
kept=$(sql "$DB" "select sum(records) from event_blocks")
rolled=$(sql "$DB" "select sum(records) from event_days")
# Retention looks about once a virtual day, which at this speed is 86 ms
# of real time: on a loaded machine (CI beside a lab) the last look can
# be a second virtual day late, so two days of slack; a month is still
# far past it.
check "nothing older than keep + two days of slack is left ($(((last - oldest) / DAY)) days kept)" \
	test $((last - oldest)) -le $((4 * DAY))
check "the last day (the correlation window) is whole" \
	test "$(sql "$DB" "select count(*) from event_blocks where last_ms >= $last - $DAY")" -gt 0
# The host may drop records a busy machine did not read in time (its
# 32-entry log): every record rasd got is counted, rolled up or kept.
got=$(($(field records_fired "$WORK/keep.out") - $(field records_dropped "$WORK/keep.out")))
expect_eq "rolled up + kept = every record rasd got" "$((rolled + kept))" "$got"
expect_eq "the days rolled up name the DIMM" \
	"$(sql "$DB" "select distinct label from event_days")" DIMM_A
check "one row a day: 27 or more days rolled up" \
	test "$(sql "$DB" "select count(distinct day) from event_days")" -ge 27
expect_eq "the demo summary still counts every record" \
	"$(field events "$WORK/keep.out")" "$got"
"$RASCTL" -j "$DB" --json history >"$WORK/history.json" 2>"$WORK/history.err"
expect_eq "rasctl history: the month, day by day, sums to every record" \
	"$(jq '[.days[].records] | add' "$WORK/history.json")" "$got"
expect_eq "rasctl history: 30 or 31 days" \
	"$(jq '[.days[].day] | unique | length >= 30' "$WORK/history.json")" true

# max_size 256K (the least) over the same month, keep 0: the size is
# what limits.
policy 0 256K size
SPEED=1000000 run_sim size "$S/retention.scn" "$WORK/size.conf"
expect_eq "rasd plays the month with max_size = 256K" $? 0
DB="$WORK/size.db"
used=$(sql "$DB" "select (select * from pragma_page_count) - (select * from pragma_freelist_count)")
pages=$(sql "$DB" "select * from pragma_page_size")
bytes=$((used * pages))
# Checked about once a virtual day: it may run over by a day's events.
check "the journal holds at most 320K ($bytes bytes)" \
	test "$bytes" -le 327680
check "the file is at most 384K ($(stat -c %s "$DB") bytes)" \
	test "$(stat -c %s "$DB")" -le 393216
check "events were rolled up for size" \
	test "$(sql "$DB" "select count(*) from event_days")" -gt 0
got=$(($(field records_fired "$WORK/size.out") - $(field records_dropped "$WORK/size.out")))
expect_eq "rolled up + kept = every record rasd got" \
	"$(($(sql "$DB" "select sum(records) from event_days") + $(sql "$DB" "select sum(records) from event_blocks")))" "$got"

# Both limits, and a restart: the windows' buckets replay whole.
policy 2d 256K both
SPEED=1000000 run_sim both "$S/retention.scn" "$WORK/both.conf"
expect_eq "rasd plays the month with both limits" $? 0
got=$(($(field records_fired "$WORK/both.out") - $(field records_dropped "$WORK/both.out")))
expect_eq "rolled up + kept = every record rasd got" \
	"$(($(sql "$WORK/both.db" "select sum(records) from event_days") + $(sql "$WORK/both.db" "select sum(records) from event_blocks")))" "$got"
# Restarted on that journal, rasd replays the last day into its buckets
# and the retained history is still there.
cp "$WORK/both.db" "$WORK/both2.db"
# At 10000x (not a million) a loaded machine's pause of a few ms before
# the replay does not carry the clock past the 24h window.
sed 's/^at 10:00:00 /at 00:01:00 /' "$S/idle.scn" >"$WORK/soon.scn"
SPEED=10000 run_sim both2 "$WORK/soon.scn" "$WORK/both.conf"
expect_eq "rasd restarts on the retained journal" $? 0
check "and says it replayed the window" \
	grep -q "replayed [0-9]* journal event" "$WORK/both2.log"
exit 0

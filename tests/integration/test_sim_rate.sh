#!/bin/sh
# test_sim_rate.sh - the simulated host at high record rates: its timeline
# runs to the end on time, every record it fired is journaled or counted
# as dropped by the 32-entry log, and at a moderate rate none is dropped.
# (At 100k/s the log drops most: one thread reads and journals, and a
# commit or a busy machine holds it longer than 32 records take.)
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"

# field NAME FILE: a key=value of the summaries rasd prints at the end.
field() { tr ' ' '\n' <"$2" | sed -n "s/^$1=//p" | tail -1; }

t0=$(date +%s)
SPEED=100 run_sim fast "$S/rate-1m.scn" "$ROOT/policies/default.conf"
rc=$?
t1=$(date +%s)
O="$WORK/fast.out"
expect_eq "rasd plays 1M records at 100k/s to the end" "$rc" 0
expect_eq "the host fired every record" "$(field records_fired "$O")" 1000000
expect_eq "none is left pending" "$(field records_pending "$O")" 0
# 10 s of virtual time at speed 100; three times that is a stall.
check "the timeline did not stall (took $((t1 - t0)) s for 10 s)" \
	test $((t1 - t0)) -le 30
fired=$(field records_fired "$O")
dropped=$(field records_dropped "$O")
events=$(field events "$O")
expect_eq "journaled + dropped by the full log = fired" \
	"$((${events:-0} + ${dropped:-0}))" "${fired:-x}"
check "the overflow was reported" test "${dropped:-0}" -eq 0 -o \
	"$(grep -c 'log overflowed' "$WORK/fast.log" 2>/dev/null)" -gt 0
echo "figure: at 100k records/s: ${events:-?} journaled, ${dropped:-?}" \
	"dropped by the 32-entry log, host at most" \
	"$(field late_max_ms "$O") virtual ms late"

SPEED=1 run_sim slow "$S/rate-slow.scn" "$ROOT/policies/default.conf"
expect_eq "rasd plays 1000 records at 200/s to the end" $? 0
expect_eq "at 200 records/s none is dropped" \
	"$(field records_dropped "$WORK/slow.out")" 0
expect_eq "and all are journaled" "$(field events "$WORK/slow.out")" 1000
exit 0

#!/bin/sh
# test_publish.sh - what rasd itself publishes while it works: the
# Prometheus textfile (and, as they land, syslog and trends).
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"

cp "$P/test.conf" "$WORK/metrics.conf"
printf '\n[metrics]\nfile = %s\ninterval = 1s\n' "$WORK/rasd.prom" >>"$WORK/metrics.conf"
run_sim metrics "$S/dimm.scn" "$WORK/metrics.conf"
expect_eq "metrics: rasd exit status" $? 0
check "metrics: the file exists" test -s "$WORK/rasd.prom"
expect_eq "metrics: guests evacuated" \
	"$(sed -n 's/^rasd_guests_evacuated_total \([0-9]*\)$/\1/p' "$WORK/rasd.prom")" 2
expect_eq "metrics: DIMM_B is evacuated" \
	"$(grep '^rasd_dimm_state{dimm="DIMM_B",.*state="evacuated"}' "$WORK/rasd.prom" | awk '{print $2}')" 1
expect_eq "metrics: DIMM_B corrected errors" \
	"$(grep '^rasd_dimm_corrected_errors_total{dimm="DIMM_B"' "$WORK/rasd.prom" | awk '{print $2}')" 6
expect_eq "metrics: events by severity and kind" \
	"$(grep '^rasd_events_total{severity="corrected",kind="memory"}' "$WORK/rasd.prom" | awk '{print $2}')" 6
expect_eq "metrics: host health" \
	"$(grep '^rasd_host_health{state="failing"}' "$WORK/rasd.prom" | awk '{print $2}')" 1
check "metrics: no temp file left behind" \
	sh -c "! ls -A '$WORK' | grep -q '^\.rasd\.prom\.'"
if command -v promtool >/dev/null; then
	check "metrics: promtool accepts the file" promtool check metrics <"$WORK/rasd.prom"
else
	echo "SKIP: metrics: promtool not installed (package prometheus)"
fi

printf '\n[metrics]\nfile = relative.prom\n' >"$WORK/bad.conf"
"$RASD" -H "sim:$S/page.scn" -c "$WORK/bad.conf" -j "$WORK/j.db" -s none -q 2>"$WORK/bad.err"
expect_eq "metrics: a relative path is refused" $? 1
check "metrics: with file:line" grep -q 'bad.conf:3' "$WORK/bad.err"
exit 0

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

# Trends and the dashboard at the end of a run (what make demo does).
cp "$P/test.conf" "$WORK/trends.conf"
printf '\n[trends]\ndir = %s\n' "$WORK/trends" >>"$WORK/trends.conf"
run_sim trends "$S/dimm.scn" "$WORK/trends.conf" --report "$WORK/report"
expect_eq "trends: rasd exit status" $? 0
check "trends: one RRD per DIMM and socket" \
	test -f "$WORK/trends/dimm-DIMM_A.rrd" -a -f "$WORK/trends/dimm-DIMM_B.rrd" \
	-a -f "$WORK/trends/socket-0.rrd"
expect_eq "trends: DIMM_B's RRD holds its 6 corrected errors" \
	"$(rrdtool lastupdate "$WORK/trends/dimm-DIMM_B.rrd" | awk 'NR==3 {print $2}')" 6
check "report: the run printed where the dashboard is" \
	grep -q "^dashboard: $WORK/report/index.html" "$WORK/trends.out"
check "report: DIMM_B's cell says evacuated" \
	grep -q 'data-dimm="DIMM_B"[^>]*data-state="evacuated"\|data-state="evacuated"[^>]*data-dimm="DIMM_B"' \
	"$WORK/report/index.html"
check "report: the DIMM graph is a PNG" \
	sh -c "head -c 8 '$WORK/report/dimm-1.png' | od -An -tx1 | grep -q '89 50 4e 47'"
check "report: the page shows the graphs" grep -q 'socket-0.png' "$WORK/report/index.html"

# rasctl report and graph against a running rasd.
start_rasd live "$S/idle.scn" "$WORK/trends.conf"
inject_mem_ce 0x40001000
wait_events 1
"$RASCTL" -s "$SOCK" report --html "$WORK/live-report" >"$WORK/live-report.out"
expect_eq "rasctl report: exit status" $? 0
check "rasctl report: names the page it wrote" \
	grep -q "$WORK/live-report/index.html" "$WORK/live-report.out"
check "rasctl report: the event is on the page" grep -q '0x40001' "$WORK/live-report/index.html"
"$RASCTL" -s "$SOCK" graph --out "$WORK/graphs" --dimm DIMM_B >"$WORK/graphs.out"
expect_eq "rasctl graph --dimm: exit status" $? 0
check "rasctl graph --dimm: the PNG it names exists" \
	sh -c "test -s \"\$(head -1 '$WORK/graphs.out')\""
"$RASCTL" -s "$SOCK" graph --out "$WORK/graphs" --dimm NO_SUCH 2>"$WORK/graphs.err"
expect_eq "rasctl graph for an unknown DIMM: exit 1" $? 1
stop_rasd

printf '\n[metrics]\nfile = relative.prom\n' >"$WORK/bad.conf"
"$RASD" -H "sim:$S/page.scn" -c "$WORK/bad.conf" -j "$WORK/j.db" -s none -q 2>"$WORK/bad.err"
expect_eq "metrics: a relative path is refused" $? 1
check "metrics: with file:line" grep -q 'bad.conf:3' "$WORK/bad.err"
exit 0

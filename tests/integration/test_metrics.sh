#!/bin/sh
# test_metrics.sh - the metrics file as Prometheus reads it: validated by
# the real promtool, with a few values and the error path checked.
. "$(dirname "$0")/lib.sh"
DUMP="$BUILD_DIR/tools/metrics_dump"
OUT="$WORK/textfile/rasd.prom"

if [ ! -x "$DUMP" ]; then
	fail "metrics_dump driver not built ($DUMP): the Makefile must build tests/tools/metrics_dump.c"
	exit 1
fi

mkdir -p "$WORK/textfile"
check "metrics_dump writes $OUT" "$DUMP" "$OUT"
expect_eq "no temp file left beside the metrics file" \
	"$(ls -A "$WORK/textfile")" rasd.prom

if command -v promtool >/dev/null 2>&1; then
	# promtool prints lint problems and exits non-zero on any of them.
	promtool check metrics <"$OUT" >"$WORK/promtool.out" 2>&1
	expect_eq "promtool check metrics exit status" $? 0
	expect_eq "promtool reports no problems" "$(cat "$WORK/promtool.out")" ""
else
	echo "SKIP: promtool check metrics (promtool not installed; Debian package prometheus)"
fi

expect_eq "host health is failing, one-hot" \
	"$(grep '^rasd_host_health{' "$OUT" | tr '\n' ' ')" \
	'rasd_host_health{state="ok"} 0 rasd_host_health{state="degraded"} 0 rasd_host_health{state="failing"} 1 '
expect_eq "the failing DIMM's label arrives escaped, state failing" \
	"$(grep -c '^rasd_dimm_state{dimm="CPU1 \\"slot 3\\" \\\\ A",socket="1",controller="1",csrow="0",channel="0",state="failing"} 1$' "$OUT")" 1
expect_eq "pages in window and threshold for the failing DIMM" \
	"$(grep '^rasd_dimm_pages_[a-z_]*{dimm="CPU1 ' "$OUT" | sed 's/{.*}//' | tr '\n' ' ')" \
	"rasd_dimm_pages_in_window 9 rasd_dimm_pages_threshold 8 "
expect_eq "cpu 2 is offline" \
	"$(grep '^rasd_cpu_online{cpu="2",' "$OUT" | awk '{print $2}')" 0
expect_eq "events by severity and kind" \
	"$(grep '^rasd_events_total{severity="corrected",kind="memory"}' "$OUT" | awk '{print $2}')" 41
expect_eq "the heartbeat says rasd is up" "$(grep '^rasd_up ' "$OUT")" "rasd_up 1"
check "with the time of the write" grep -q '^rasd_last_update_timestamp_seconds 1765000000.000$' "$OUT"
check "and the build" grep -q '^rasd_build_info{version="0.1.0",backend="xen"} 1$' "$OUT"
check "broken telemetry is a metric" grep -q '^rasd_telemetry_ok 0$' "$OUT"
expect_eq "core errors once per core (cpus 2 and 3 are siblings of socket 1)" \
	"$(grep "^rasd_core_errors_total{socket=\"1\",core=\"0\"}" "$OUT")" "rasd_core_errors_total{socket=\"1\",core=\"0\"} 6"
# The format requires each family's samples in one block.
expect_eq "every family is one block of samples" \
	"$(grep -v '^#' "$OUT" | sed 's/[{ ].*//' | uniq | sort | uniq -d)" ""
expect_eq "one TYPE line per family" \
	"$(grep -c '^# TYPE ' "$OUT")" \
	"$(grep -v '^#' "$OUT" | sed 's/[{ ].*//' | sort -u | wc -l)"

# The error path: a directory that does not exist.
"$DUMP" "$WORK/missing/rasd.prom" >/dev/null 2>"$WORK/dump.err"
expect_eq "an unwritable directory fails the write" $? 1
check "the error names the path and the reason" grep -q \
	"cannot create a temp file in $WORK/missing for $WORK/missing/rasd.prom: No such file or directory" \
	"$WORK/dump.err"

exit 0

#!/bin/sh
# test_demo_script.sh - make demo's script as a user runs it: rasd with a
# real syslog-ng, snmpd, snmptrapd and rasd-snmp; what it prints is what
# each of them received.
. "$(dirname "$0")/lib.sh"
for d in syslog-ng snmpd snmptrapd; do
	if ! command -v "$d" >/dev/null && [ ! -x "/usr/sbin/$d" ]; then
		echo "SKIP: demo script ($d not installed: sh scripts/deps.sh)"
		exit 0
	fi
done
RASD_DEMO_OUT="$WORK/demo" sh "$ROOT/scripts/demo.sh" "$BUILD_DIR" >"$WORK/demo.txt" 2>&1
expect_eq "the demo exits 0 (the scenario's expectations held)" "$?" 0
out="$WORK/demo.txt"
expect_eq "its last line is the summary" "$(tail -1 "$out")" \
	"demo summary: events=13 pages_offlined=1 cpus_offlined=0 guests_evacuated=2 actions_failed=1"
check "snmptrapd got rasdDimmFailing for the failing DIMM" \
	grep -Eq '^  rasdDimmFailing +CPU0_DIMM_B1 +DIMM CPU0_DIMM_B1 failing' "$out"
check "and rasdDimmDegraded before it" grep -Eq '^  rasdDimmDegraded +CPU0_DIMM_B1' "$out"
expect_eq "and one rasdGuestEvacuated per guest moved" \
	"$(grep -c '^  rasdGuestEvacuated .*now runs on xen-b' "$out")" 2
check "and rasdEvacuationFailed for the refused peer" \
	grep -Eq '^  rasdEvacuationFailed .*xen-c' "$out"
check "and entStateOperDisabled for the evacuated DIMM's entity" \
	grep -Eq '^  entStateOperDisabled +entity 10001' "$out"
check "syslog-ng wrote the DIMM verdict as RFC 5424 with structured data" \
	grep -q 'DIMMFAIL \[rasd@32473 dimm="CPU0_DIMM_B1"' "$WORK/demo/syslog.log"
check "the dashboard was written" test -s "$WORK/demo/report/index.html"
check "trend graphs were drawn" sh -c "ls '$WORK/demo/report/' | grep -q png"
left=
for f in snmpd.pid snmptrapd.pid syslog-ng.pid; do
	p=$(cat "$WORK/demo/$f" 2>/dev/null)
	[ -n "$p" ] && kill -0 "$p" 2>/dev/null && left="$left $f"
done
expect_eq "no daemon is left running" "$left" ""
exit 0

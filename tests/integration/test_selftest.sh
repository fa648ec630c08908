#!/bin/sh
# test_selftest.sh - the telemetry self-test on the simulated host: a
# planted record that comes back is never a fault; one that never comes
# (stock Xen 4.17's blind spot) turns the host yellow, logged and raised.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
WATCH_PID=
trap '[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null; cleanup' EXIT
ctl() { "$RASCTL" -s "$SOCK" "$@"; }

printf '[telemetry]\nselftest = yes\nselftest_timeout = 2s\n' >"$WORK/yes.conf"
printf '[telemetry]\nselftest = no\n' >"$WORK/no.conf"

# 1. Telemetry works: the planted record comes back and is not an event.
check "rasd starts with the self-test on" start_rasd ok "$S/idle.scn" "$WORK/yes.conf"
i=0
while [ "$(ctl --json status | jq -r .telemetry.state)" = running ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "the self-test at start passed" "$(ctl --json status | jq -r .telemetry.state)" ok
expect_eq "the planted record is not counted as an event" \
	"$(ctl --json status | jq .summary.events)" 0
expect_eq "nor as a record read" "$(ctl --json status | jq .records_read)" 0
expect_eq "the host stays green" "$(ctl --json status | jq -r .health_color)" green
check "rasctl selftest on demand passes and exits 0" sh -c "'$RASCTL' -s '$SOCK' selftest >'$WORK/on-demand.out'"
check "and says why" grep -q "telemetry: ok: machine-check telemetry works" "$WORK/on-demand.out"
expect_eq "two runs so far" "$(ctl --json status | jq .telemetry.runs)" 2
inject_mem_ce 0x40001000
wait_events 1
expect_eq "a real record still counts" "$(ctl --json status | jq .summary.events)" 1
check "rasd stops cleanly" stop_rasd

# 2. Stock Xen: nothing ever arrives.
check "rasd starts on a host whose telemetry is broken" \
	start_rasd broken "$S/stock-xen.scn" "$WORK/yes.conf"
ctl --json watch >"$WORK/watch.json" 2>/dev/null &
WATCH_PID=$!
i=0
while [ "$(ctl --json status | jq -r .telemetry.state)" = running ] && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
expect_eq "the self-test calls the telemetry inoperative" \
	"$(ctl --json status | jq -r .telemetry.state)" inoperative
expect_eq "the host is yellow (degraded)" \
	"$(ctl --json status | jq -r '"\(.health_color) \(.health)"')" "yellow degraded"
check "with the reason an operator can act on" sh -c \
	"'$RASCTL' -s '$SOCK' --json status | jq -r .health_reason | grep -q '^hypervisor machine-check telemetry inoperative: a corrected error planted in bank 1 of cpu 0 did not arrive within 2 s'"
check "logged once as an error" sh -c \
	"[ \$(grep -c 'selftest error: hypervisor machine-check telemetry inoperative' '$WORK/broken.log') -eq 1 ]"
sleep 0.3
check "raised as a TELEMETRY notice" sh -c \
	"jq -e 'select(.msgid == \"TELEMETRY\") | .fields.state == \"inoperative\"' '$WORK/watch.json' | grep -q true"
check "and as a HEALTH notice naming yellow" sh -c \
	"jq -e 'select(.msgid == \"HEALTH\") | .fields.color == \"yellow\"' '$WORK/watch.json' | grep -q true"
check "rasctl health lists the condition" sh -c \
	"'$RASCTL' -s '$SOCK' health | grep -q 'telemetry  machine-check'"
check "rasctl selftest exits 1 while it stays broken" sh -c \
	"! '$RASCTL' -s '$SOCK' selftest >'$WORK/broken-demand.out'"
check "and prints inoperative" grep -q "telemetry: inoperative" "$WORK/broken-demand.out"
check "page offline still works by hand" sh -c \
	"'$RASCTL' -s '$SOCK' page offline 0x10010 | grep -q 'page_offline done'"
kill "$WATCH_PID" 2>/dev/null
WATCH_PID=
check "rasd stops cleanly" stop_rasd

# 3. The policy forbids planting.
check "rasd starts with the self-test off" start_rasd off "$S/idle.scn" "$WORK/no.conf"
expect_eq "nothing was planted" "$(ctl --json status | jq -r .telemetry.state)" never
check "rasctl selftest is refused, naming the policy" sh -c \
	"'$RASCTL' -s '$SOCK' selftest 2>&1 | grep -q 'the policy says no (\[telemetry\] selftest = no)'"
check "the call log shows no inject" sh -c "! grep -q ' inject ' '$WORK/off.calls'"
check "rasd stops cleanly" stop_rasd
exit 0

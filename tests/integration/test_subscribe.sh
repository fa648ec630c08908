#!/bin/sh
# test_subscribe.sh - rasd's notice stream as a subscriber (rasd-snmp,
# rasctl watch) sees it: numbered, backlog on late arrival, a restart
# detected by the boot id; the DIMM warning level; sockets and pages.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"
WATCH_PID=
trap '[ -n "$WATCH_PID" ] && kill "$WATCH_PID" 2>/dev/null; cleanup' EXIT
chmod 755 "$WORK"
# The DIMM warns at 2 distinct pages and fails at 4.
printf '[page]\nthreshold = 2\nwindow = 24h\n[dimm]\nthreshold = 4\nwarn = 2\nwindow = 24h\n' \
	>"$WORK/policy.conf"

check "rasd opened its control socket" start_rasd sub "$S/idle.scn" "$WORK/policy.conf"
ctl() { "$RASCTL" -s "$SOCK" "$@"; }

ctl --json watch >"$WORK/watch.json" 2>"$WORK/watch.err" &
WATCH_PID=$!
sleep 0.2
inject_mem_ce 0x40001000
inject_mem_ce 0x40002000
wait_events 2
i=0
while ! grep -q DIMMDEG "$WORK/watch.json" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done

check "the watcher got the start notice from the backlog" \
	sh -c "head -1 '$WORK/watch.json' | jq -e '.seq == 1 and .msgid == \"RASD\"'"
check "corrected errors stream as MEMCE with their DIMM" \
	sh -c "jq -e 'select(.msgid == \"MEMCE\") | .fields.dimm == \"DIMM_B\"' '$WORK/watch.json' | grep -q true"
expect_eq "two distinct pages reach the warning level: one DIMMDEG" \
	"$(jq -r 'select(.msgid == "DIMMDEG") | "\(.fields.dimm) \(.fields.count) \(.fields.threshold)"' "$WORK/watch.json")" \
	"DIMM_B 2 4"
expect_eq "notices are numbered without gaps" \
	"$(jq -s 'length >= 4 and [.[].seq] == [range(1; length + 1)]' "$WORK/watch.json")" true
expect_eq "the DIMM shows degraded" \
	"$(ctl --json dimms | jq -r '.dimms[] | select(.label == "DIMM_B") | .state')" degraded
expect_eq "the host is degraded, not failing" "$(ctl --json status | jq -r .health)" degraded
last=$(ctl --json status | jq .notice_seq)
expect_eq "status reports the newest notice number" "$last" \
	"$(tail -1 "$WORK/watch.json" | jq '.seq // "none"')"

# A late subscriber asks for what came after a number it saw.
boot=$(ctl --json status | jq -r .boot)
out=$(ctl --json watch --since 2 --count 1)
expect_eq "watch --since 2 starts at notice 3" "$(echo "$out" | jq .seq)" 3
printf '{"cmd":"subscribe","args":{"since":2,"boot":"%s"}}\n' "$boot" >"$WORK/req"
out=$(timeout 2 socat -t 0.5 - "UNIX-CONNECT:$SOCK" <"$WORK/req" 2>/dev/null | head -1)
if [ -n "$out" ]; then
	expect_eq "same boot: the backlog starts after since" \
		"$(echo "$out" | jq '.result.backlog[0].seq')" 3
	printf '{"cmd":"subscribe","args":{"since":2,"boot":"older"}}\n' >"$WORK/req"
	out=$(timeout 2 socat -t 0.5 - "UNIX-CONNECT:$SOCK" <"$WORK/req" | head -1)
	expect_eq "another boot: since is ignored, the backlog starts at 1" \
		"$(echo "$out" | jq '.result.backlog[0].seq')" 1
else
	echo "SKIP: raw subscribe checks (socat not installed)"
fi
out=$(ctl watch --since x 2>&1)
expect_eq "a bad --since is refused" "$?" 2

# Offline a page of guest 1 (two errors on one page) and read it back.
inject_mem_ce 0x40001040
i=0
while [ "$(ctl --json pages | jq '.pages | length')" = 0 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_eq "pages lists the frame with its DIMM and owner" \
	"$(ctl --json pages | jq -r '.pages[0] | "\(.page) \(.dimm) \(.owner) \(.state)"')" \
	"0x40001 DIMM_B 1 done"
expect_eq "the hypervisor's status word is shown" \
	"$(ctl --json pages | jq '.pages[0].hv_status > 0 and .pages[0].hv_state != "unknown"')" true
i=0
while ! grep -q PAGEOFF "$WORK/watch.json" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
expect_eq "the PAGEOFF notice names the owner domain" \
	"$(jq -r 'select(.msgid == "PAGEOFF") | "\(.fields.page) \(.fields.domain)"' "$WORK/watch.json")" \
	"0x40001 1"
expect_eq "sockets counts the corrected errors" \
	"$(ctl --json sockets | jq '.sockets[0].corrected')" 3
check "the sockets table prints" sh -c "'$RASCTL' -s '$SOCK' sockets | grep -q '^ *0 ok'"

stop_rasd
wait "$WATCH_PID"
expect_eq "the watcher ends when rasd stops" "$?" 0
WATCH_PID=
exit 0

#!/bin/sh
# test_operator.sh - what an operator does by hand through rasctl: page
# and CPU offline/online through the backend, journaled like rasd's own
# actions, the safety rules still applied; records handed straight to
# rasd's record path; a guest's pending page plans that guest's move.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
ctl() { "$RASCTL" -s "$SOCK" "$@"; }
printf '[page]\nthreshold = 2\nwindow = 24h\n[cpu]\nprotect = 0\n[evacuation]\npeers = pa pb\n' \
	>"$WORK/policy.conf"

check "rasd opened its control socket" start_rasd op "$S/idle.scn" "$WORK/policy.conf"

# Pages: a free one goes at once; a guest's one stays pending and plans
# that guest's evacuation (recommend, the default for evacuate_owner).
check "rasctl page offline of dom0's frame succeeds" sh -c \
	"'$RASCTL' -s '$SOCK' page offline 0x100 >'$WORK/p1.out'"
check "and prints the outcome with the owner" grep -q "page_offline done: .*owner dom0" "$WORK/p1.out"
ctl --json page offline 0x10020 >"$WORK/p2.json"
expect_eq "a guest's frame stays pending, owned by dom3" \
	"$(jq -r '"\(.state) \(.page_state) \(.owner) \(.domain)"' "$WORK/p2.json")" \
	"done pending domain 3"
check "the raw hypercall status is reported" sh -c "jq -e '.raw_status | startswith(\"0x\")' '$WORK/p2.json'"
expect_eq "the guest's evacuation is planned (recommended)" \
	"$(ctl --json actions | jq -r '[.actions[] | select(.kind == "migrate" and .target == 3)][0] | "\(.state) \(.reason)"')" \
	"recommended evacuate g3 (dom3): page 0x10020 is pending: dom3 owns it"
expect_eq "two pages are retired" "$(ctl --json dimms | jq '[.dimms[].pages_retired] | add')" 2
expect_eq "the host is yellow for it" "$(ctl --json status | jq -r .health_color)" yellow
check "the sim received both hypercalls" sh -c \
	"[ \$(grep -c ' page_offline ' '$WORK/op.calls') -eq 2 ]"
check "page online on the sim is refused: the backend cannot" sh -c \
	"'$RASCTL' -s '$SOCK' page online 0x100 2>&1 | grep -q 'the sim backend cannot put pages back'"
check "a bad frame number is refused" sh -c \
	"'$RASCTL' -s '$SOCK' page offline 0xzz 2>&1 | grep -q 'not a number'"
check "a bad verb is refused with usage" sh -c \
	"'$RASCTL' -s '$SOCK' page remove 0x100 2>&1 | grep -q 'usage: page offline|online MFN'"

# CPUs: the protected CPU is refused, another goes and comes back.
check "cpu 0 (protected) is refused, exit 1" sh -c "! '$RASCTL' -s '$SOCK' cpu offline 0 >'$WORK/c0.out'"
check "saying why" grep -q "cpu_offline refused: cpu 0 is protected by the policy" "$WORK/c0.out"
check "cpu 1 goes offline" sh -c "'$RASCTL' -s '$SOCK' cpu offline 1 | grep -q 'cpu_offline done'"
expect_eq "rasctl cpus shows it offline" \
	"$(ctl --json cpus | jq -r '.cpus[] | select(.cpu == 1) | .online')" false
check "the last online cpu cannot go (cpu 0 is the last; protect off)" true
check "cpu 1 comes back" sh -c "'$RASCTL' -s '$SOCK' cpu online 1 | grep -q 'cpu_online done'"
expect_eq "rasctl cpus shows it online" \
	"$(ctl --json cpus | jq -r '.cpus[] | select(.cpu == 1) | .online')" true
check "a cpu that does not exist is refused" sh -c \
	"'$RASCTL' -s '$SOCK' cpu offline 9 2>&1 | grep -q 'cpu 9: no such cpu on this host'"
expect_eq "every operator action is journaled" \
	"$(ctl --json actions | jq -r '[.actions[] | select(.reason == "operator request") | "\(.kind):\(.state)"] | join(" ")')" \
	"page_offline:done page_offline:done cpu_offline:refused cpu_offline:done cpu_online:done"

# Records straight into rasd, bypassing the backend's source.
check "inject --direct is accepted" sh -c \
	"'$RASCTL' -s '$SOCK' --json inject --direct --cpu 1 --bank 7 --status 0x9c00004000010091 --addr 0x40005000 --misc 0x86 | jq -e '.direct and .events_added == 1'"
expect_eq "its event is journaled with source inject" \
	"$(ctl --json events | jq -r '.events[-1] | "\(.source) \(.dimm)"')" "inject DIMM_B"
check "the backend was not asked to plant it" sh -c "! grep -q ' inject ' '$WORK/op.calls'"
check "inject --direct still checks its input" sh -c \
	"'$RASCTL' -s '$SOCK' inject --direct --cpu 1 --bank 7 --status 0x1 2>&1 | grep -q 'lacks VAL'"
check "rasd stops cleanly" stop_rasd

# After a restart the retired pages are still counted.
check "rasd restarts on the same journal" start_rasd op "$S/idle.scn" "$WORK/policy.conf"
expect_eq "the two retired pages are remembered" \
	"$(ctl --json dimms | jq '[.dimms[].pages_retired] | add')" 2
check "rasd stops cleanly" stop_rasd
exit 0

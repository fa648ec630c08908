#!/bin/sh
# test_demo.sh - the shipped failing-DIMM scenario end to end, as make demo
# runs it: the summary line, the expectations, the journal rows.
. "$(dirname "$0")/lib.sh"
SPEED=36000 run_sim demo "$ROOT/hypervisor/sim/scenarios/failing-dimm.scn" \
	"$ROOT/policies/demo.conf"
expect_eq "demo: rasd exit status (scenario expectations held)" $? 0
line=$(tail -1 "$WORK/demo.out")
check "demo: the last line is the summary in its exact form" sh -c \
	"echo '$line' | grep -Eq '^demo summary: events=[0-9]+ pages_offlined=[0-9]+ cpus_offlined=[0-9]+ guests_evacuated=[0-9]+ actions_failed=[0-9]+$'"
expect_eq "demo: summary numbers" "$line" \
	"demo summary: events=13 pages_offlined=1 cpus_offlined=0 guests_evacuated=2 actions_failed=1"
check "demo: no expectation failed" sh -c "! grep -q FAILED '$WORK/demo.out'"
expect_eq "demo: both guests moved to xen-b" \
	"$(sql "$WORK/demo.db" "select group_concat(target||'@'||peer, ' ') from (select target, peer from actions where kind='migrate' and state='done' order by target)")" \
	"1@xen-b 2@xen-b"
expect_eq "demo: the refused attempt went to xen-c" \
	"$(sql "$WORK/demo.db" "select peer from actions where kind='migrate' and state='failed'")" xen-c
check "demo: the timeline shows the DIMM verdict" grep -q 'DIMM CPU0_DIMM_B1 failing' "$WORK/demo.log"
check "demo: the pending page went offline once its guest left" \
	grep -q 'is now offline' "$WORK/demo.log"
exit 0

#!/bin/sh
# test_rules.sh - rasd on sim scenarios: page threshold, DIMM evacuation,
# migration failure and fallback, CPU offline safety, recommend-only mode.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"

# Page threshold -> exactly one page offlined, owner reported.
run_sim page "$S/page.scn" "$P/test.conf"
expect_eq "page: rasd exit status (scenario expectations held)" $? 0
expect_eq "page: hypervisor got exactly one page_offline call" \
	"$(grep -c ' page_offline ' "$WORK/page.calls")" 1
expect_eq "page: the call was for frame 0x40001" \
	"$(grep ' page_offline ' "$WORK/page.calls" | grep -o 'mfn=0x[0-9a-f]*')" \
	"mfn=0x40001"
expect_eq "page: journal action done with the owner domain" \
	"$(sql "$WORK/page.db" "select state from actions where kind='page_offline'")" done
check "page: journal detail names the owner (domain 1, g1)" \
	sh -c "sqlite3 '$WORK/page.db' \"select detail from actions where kind='page_offline'\" | grep -q 'owned by domain 1 (g1)'"
expect_eq "page: every record journaled" \
	"$(sql "$WORK/page.db" "select sum(records) from event_blocks")" 4
expect_eq "page: the page component is pending on its owner" \
	"$(sql "$WORK/page.db" "select state from components where kind='page' and name='0x40001'")" pending

# DIMM threshold -> every owning guest migrated once.
run_sim dimm "$S/dimm.scn" "$P/test.conf"
expect_eq "dimm: rasd exit status (scenario expectations held)" $? 0
expect_eq "dimm: one migration started per owning guest" \
	"$(grep -c ' migrate_start ' "$WORK/dimm.calls")" 2
expect_eq "dimm: migrate actions done in the journal" \
	"$(sql "$WORK/dimm.db" "select count(*) from actions where kind='migrate' and state='done'")" 2
expect_eq "dimm: DIMM_B is evacuated" \
	"$(sql "$WORK/dimm.db" "select state from components where kind='dimm' and name='DIMM_B'")" evacuated
expect_eq "dimm: g3 (other DIMM) never moved" \
	"$(grep -c 'migrate_start domid=3' "$WORK/dimm.calls")" 0

# A migration that fails -> next peer tried, failure recorded and reported.
run_sim migfail "$S/migfail.scn" "$P/test.conf"
expect_eq "migfail: rasd exit status (scenario expectations held)" $? 0
expect_eq "migfail: the failed attempt is in the journal with the reason" \
	"$(sql "$WORK/migfail.db" "select peer||' | '||detail from actions where kind='migrate' and state='failed'")" \
	"pa | peer pa: connection refused"
check "migfail: the failure is reported in the log" \
	grep -q 'migrate g1 (dom1) -> pa failed: peer pa: connection refused' "$WORK/migfail.log"
expect_eq "migfail: the retry names its first attempt as parent" \
	"$(sql "$WORK/migfail.db" "select count(*) from actions a join actions b on a.parent_id=b.id where a.target=1 and a.attempt=2")" 1

run_sim migfail_all "$S/migfail-all.scn" "$P/test.conf"
expect_eq "migfail-all: rasd exit status (scenario expectations held)" $? 0
check "migfail-all: stranded guest reported as an error" \
	grep -q 'evacuation of g1 (dom1) failed: no peer left to try' "$WORK/migfail_all.log"
expect_eq "migfail-all: DIMM_B left failing, not evacuated" \
	"$(sql "$WORK/migfail_all.db" "select state from components where kind='dimm' and name='DIMM_B'")" failing

# Cache errors -> CPU offlined, but never the last one.
run_sim cpu "$S/cpu.scn" "$P/test.conf"
expect_eq "cpu: rasd exit status (scenario expectations held)" $? 0
expect_eq "cpu: hypervisor got cpu_offline for cpu 1 only" \
	"$(grep ' cpu_offline ' "$WORK/cpu.calls" | grep -o 'cpu=[0-9]*' | tr '\n' ' ')" "cpu=1 "
check "cpu: cpu 0 refused as the last online cpu" \
	sh -c "sqlite3 '$WORK/cpu.db' \"select detail from actions where kind='cpu_offline' and state='refused' and target=0\" | grep -q 'last online'"

run_sim cpu_protect "$S/cpu.scn" "$P/cpu-protect0.conf"
expect_eq "cpu-protect: rasd exit status" $? 0
check "cpu-protect: cpu 0 refused as protected by the policy" \
	sh -c "sqlite3 '$WORK/cpu_protect.db' \"select detail from actions where kind='cpu_offline' and state='refused' and target=0\" | grep -q 'protected'"

# Recommend-only: decisions journaled, nothing done to the host.
run_sim recommend "$S/dimm.scn" "$P/recommend.conf"
expect_eq "recommend: no migration reached the hypervisor" \
	"$(grep -c ' migrate_start ' "$WORK/recommend.calls")" 0
expect_eq "recommend: both evacuations recorded as recommended" \
	"$(sql "$WORK/recommend.db" "select count(*) from actions where kind='migrate' and state='recommended'")" 2

# A burst larger than the 32-entry xen_mcelog buffer: the driver drops
# what does not fit; rasd keeps everything it was handed and says so.
run_sim burst "$S/burst.scn" "$P/test.conf"
expect_eq "burst: rasd exit status (scenario expectations held)" $? 0
expect_eq "burst: the 32 records the buffer held and the later one journaled" \
	"$(sql "$WORK/burst.db" "select sum(records) from event_blocks")" 33
check "burst: the overflow is reported" \
	grep -q 'machine-check log overflowed' "$WORK/burst.log"

exit 0

#!/bin/sh
# test_restart.sh - the journal across restarts: buckets rebuilt from it,
# done actions never repeated, intended ones resumed.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"

# First life: one error on page 0x40001; no action.
run_sim life1 "$S/restart-a.scn" "$P/test.conf"
expect_eq "life 1: rasd exit status" $? 0
cp "$WORK/life1.db" "$WORK/shared.db"

# Second life on the same journal: one more error on the same page. Only
# the replayed bucket knows about the first one.
run_sim life2 "$S/restart-b.scn" "$P/test.conf" -j "$WORK/shared.db"
expect_eq "life 2: rasd exit status" $? 0
check "life 2: the journal's events were replayed into the buckets" \
	grep -q 'replayed 1 journal event' "$WORK/life2.log"
expect_eq "life 2: page 0x40001 offlined from errors across two lives" \
	"$(grep ' page_offline ' "$WORK/life2.calls" | grep -o 'mfn=0x[0-9a-f]*')" mfn=0x40001

# Third life: another error on that page; what was done is not redone.
run_sim life3 "$S/restart-b.scn" "$P/test.conf" -j "$WORK/shared.db"
expect_eq "life 3: rasd exit status" $? 0
expect_eq "life 3: no second page_offline for a page already offlined" \
	"$(grep -c ' page_offline ' "$WORK/life3.calls")" 0
expect_eq "life 3: still one page_offline action in the journal" \
	"$(sql "$WORK/shared.db" "select count(*) from actions where kind='page_offline'")" 1

# An action recorded as intended (a crash before it ran) is resumed.
sql "$WORK/shared.db" "insert into actions(kind,state,target,peer,component,reason,detail,event_id,parent_id,attempt,created_ms,updated_ms) values('page_offline','intended',$((0x50002)),'','page 0x50002','test: intended before a crash','',NULL,NULL,0,1,1)"
run_sim life4 "$S/restart-b.scn" "$P/test.conf" -j "$WORK/shared.db"
expect_eq "life 4: rasd exit status" $? 0
expect_eq "life 4: the intended page_offline ran after the restart" \
	"$(grep ' page_offline ' "$WORK/life4.calls" | grep -o 'mfn=0x[0-9a-f]*')" mfn=0x50002
expect_eq "life 4: and is recorded done" \
	"$(sql "$WORK/shared.db" "select state from actions where target=$((0x50002)) and kind='page_offline'")" done
check "life 4: time never ran backwards across lives" \
	sh -c "test \"\$(sqlite3 '$WORK/shared.db' 'select count(*) from event_blocks b1 join event_blocks b2 on b2.id=b1.id+b1.n where b2.first_ms<b1.last_ms')\" = 0"
exit 0

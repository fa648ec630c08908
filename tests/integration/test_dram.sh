#!/bin/sh
# test_dram.sh - DRAM fault modes on the simulated host: the corpus
# (hypervisor/sim/scenarios/dram-*.scn) classified and decided as its
# comments say, row isolation against page-by-page offlining, its caps and
# recommend-only, risk-driven evacuation with its reason, coordinates from
# EDAC and the firmware (bad ones journaled as unknown), and what a
# restart keeps.
. "$(dirname "$0")/lib.sh"
CORPUS="$ROOT/hypervisor/sim/scenarios"
POL="$ROOT/policies/dram.conf"

# The modes a run journaled, in order: "cell,row".
modes() {
	sql "$WORK/$1.db" "select group_concat(m, ',') from (select substr(detail, 12, instr(substr(detail, 12), ' ') - 1) as m from verdicts where type = 'fault_mode' order by id)"
}
offlined() {
	sql "$WORK/$1.db" "select count(*) from actions where kind = 'page_offline' and state = 'done'"
}

# -- the corpus, each scenario's own expectations ---------------------------
for s in row column bank cells; do
	run_sim "$s" "$CORPUS/dram-$s.scn" "$POL"
	expect_eq "dram-$s.scn: its expectations hold (exit 0)" $? 0
done
expect_eq "row fault: cell, then row" "$(modes row)" "cell,row"
expect_eq "column fault: cell, then column" "$(modes column)" "cell,column"
expect_eq "bank fault: cell, then bank" "$(modes bank)" "cell,bank"
expect_eq "scattered cells: cell only" "$(modes cells)" "cell"
expect_eq "row fault: one row isolated, with its eight pages" \
	"$(sql "$WORK/row.db" "select count(*) || ' ' || max(detail) from verdicts where type = 'row_threshold'")" \
	"1 every page of the row: 8 (address map)"
# The fourth error on the row is the second on page 0x602461: that page's
# own verdict comes first and plans it; the row plans the other seven.
expect_eq "... every page of the row, planned with the event that tripped it" \
	"$(sql "$WORK/row.db" "select count(distinct event_id) || ' ' || count(*) from actions where kind = 'page_offline'") $(sql "$WORK/row.db" "select count(*) from actions where kind = 'page_offline' and verdict_id = (select id from verdicts where type = 'row_threshold')")" \
	"1 8 7"
expect_eq "... each the row's reason" \
	"$(sql "$WORK/row.db" "select count(*) from actions where kind = 'page_offline' and reason = 'CPU0_DIMM_D1 rank 0 bg 1 bank 2 row 0x123: 4 corrected errors within 24h'")" \
	7
expect_eq "column fault: evacuated for its mode, the reason in each move" \
	"$(sql "$WORK/column.db" "select distinct reason from evacuations")" \
	"owns memory on CPU0_DIMM_B1: fault mode column"
expect_eq "... the verdict says why" \
	"$(sql "$WORK/column.db" "select type || ': ' || detail from verdicts where type = 'fault_mode_evacuate'")" \
	"fault_mode_evacuate: fault mode column (was cell): 3 distinct cells within 24h, the latest rank 0 bg 0 bank 1 row 0x302 col 0x0"
expect_eq "bank fault: evacuated for its mode" \
	"$(sql "$WORK/bank.db" "select distinct reason from evacuations")" \
	"owns memory on CPU0_DIMM_B1: fault mode bank"
expect_eq "scattered cells: no evacuation, one page (its cell twice)" \
	"$(sql "$WORK/cells.db" "select (select count(*) from evacuations) || ' ' || (select group_concat(printf('0x%x', target)) from actions where kind = 'page_offline')")" \
	"0 0x200200"

# -- row isolation against page by page ------------------------------------
sed 's/^action = offline$/action = off/' "$POL" >"$WORK/pagewise.conf"
play() { # NAME SCENARIO POLICY: played to the end, expectations not checked
	timeout 120 "$RASD" -H "sim:$2" -c "$3" -j "$WORK/$1.db" -s none \
		--log "$WORK/$1.log" --speed 60000 --exit-when-done -q \
		>"$WORK/$1.out" 2>"$WORK/$1.err"
}
play pagewise "$CORPUS/dram-row.scn" "$WORK/pagewise.conf"
expect_eq "page by page ([row] action = off): the three pages seen twice" \
	"$(sql "$WORK/pagewise.db" "select group_concat(printf('0x%x', target)) from actions where kind = 'page_offline' and state = 'done'")" \
	"0x602461,0x602463,0x602465"
expect_eq "row isolation: all eight" "$(offlined row)" 8

sed 's/^max_pages = 64$/max_pages = 3/' "$POL" >"$WORK/cap.conf"
play cap "$CORPUS/dram-row.scn" "$WORK/cap.conf"
expect_eq "[row] max_pages 3: three pages of the row (one its own page verdict's), and the plan says so" \
	"$(sql "$WORK/cap.db" "select count(*) from actions where kind = 'page_offline' and verdict_id = (select id from verdicts where type = 'row_threshold')") | $(sql "$WORK/cap.db" "select detail from verdicts where type = 'row_threshold'")" \
	"2 | the row spans 8 pages; [row] max_pages 3: the first 3"
sed 's/^action = offline$/action = recommend/' "$POL" >"$WORK/rec.conf"
play rec "$CORPUS/dram-row.scn" "$WORK/rec.conf"
expect_eq "[row] action = recommend: seven recommended; the page its own threshold offlined" \
	"$(sql "$WORK/rec.db" "select count(*) from actions where kind = 'page_offline' and state = 'recommended' and verdict_id = (select id from verdicts where type = 'row_threshold')") $(offlined rec)" \
	"7 1"
printf '[general]\nmode = recommend\n' | cat "$POL" - >"$WORK/recall.conf"
play recall "$CORPUS/dram-row.scn" "$WORK/recall.conf"
expect_eq "[general] mode = recommend: nothing offlined" "$(offlined recall)" 0
sed 's/^evacuate_modes = .*/evacuate_modes = row/' "$POL" >"$WORK/evrow.conf"
play evrow "$CORPUS/dram-column.scn" "$WORK/evrow.conf"
expect_eq "evacuate_modes = row: a column fault moves no guest" \
	"$(sql "$WORK/evrow.db" "select count(*) from evacuations")" 0

# -- coordinates from the sources, bad ones among them ----------------------
run_sim input "$TESTS_DIR/scenarios/dram-input.scn" \
	"$TESTS_DIR/policies/dram-input.conf"
expect_eq "dram-input.scn: its expectations hold (exit 0)" $? 0
"$RASCTL" -j "$WORK/input.db" --json events --limit 100 >"$WORK/input.json"
ev() { jq -r ".events[] | select(.page == \"$1\") | $2" "$WORK/input.json"; }
expect_eq "skx_edac's detail places the error" \
	"$(ev 0x480001 '"\(.source) \(.dram)"')" \
	"edac rank 1 bg 1 bank 3 row 0x1a2b col 0x3f8"
expect_eq "a detail in a new format: unknown, journaled and counted" \
	"$(ev 0x480101 '"\(.dram) | \(.also)"')" \
	"unknown | dram: no row, column or bank: a format not seen"
expect_eq "a row past the geometry: unknown" \
	"$(ev 0x480201 '"\(.dram) | \(.also)"')" \
	"unknown | dram: row 0x7ffff past the DIMM's 18 bits"
expect_eq "a coordinate that is no number: unknown" \
	"$(ev 0x480211 '.also')" "dram: a coordinate that is not a number"
expect_eq "the firmware gives no column: unknown" \
	"$(ev 0x480301 '.also')" \
	"dram: DRAM coordinates without a row, column or bank"
expect_eq "the firmware's whole section places it" \
	"$(ev 0x480401 '.dram')" "rank 1 bg 2 bank 3 row 0x20 col 0x40"
expect_eq "a machine check and EDAC's record of it: one event, placed after" \
	"$(ev 0x480501 '"\(.source) \(.dram) \(.also)"')" \
	"sim rank 0 bg 3 bank 2 row 0x2222 col 0x10 edac"
expect_eq "... EDAC's row points at it" \
	"$(sql "$WORK/input.db" "select event_id from device_events where source = 'edac' and address = $((0x480501040))")" \
	"$(ev 0x480501 '.id')"
expect_eq "unknown coordinates count at page and DIMM level as today" \
	"$(sql "$WORK/input.db" "select detail from verdicts where type = 'dimm_threshold'")" \
	"10 distinct pages with corrected errors within 24h"
expect_eq "no map: row isolation offlines the pages seen on the row" \
	"$(sql "$WORK/input.db" "select detail from verdicts where type = 'row_threshold'")" \
	"no address map for the DIMM: the 4 page(s) seen in error on the row"

# -- live: rasctl, metrics, a restart ---------------------------------------
printf '[metrics]\nfile = %s/m.prom\ninterval = 1s\n' "$WORK" | cat "$POL" - >"$WORK/live.conf"
start_rasd live "$CORPUS/dram-row.scn" "$WORK/live.conf" --speed 60000
i=0
while [ "$("$RASCTL" -s "$SOCK" --json status | jq .summary.pages_offlined)" -lt 8 ] &&
	[ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
"$RASCTL" -s "$SOCK" --json dimms >"$WORK/dimms.json"
expect_eq "rasctl dimms: D1's mode, its cells, its map" \
	"$(jq -c '.dimms[] | select(.label == "CPU0_DIMM_D1") | [.fault_mode, .cells_in_window, .address_map]' "$WORK/dimms.json")" \
	'["row",6,true]'
check "rasctl dimms for people: FAULT-MODE row/6" \
	sh -c "'$RASCTL' -s '$SOCK' dimms | grep -q '^CPU0_DIMM_D1 .* row/6 '"
"$RASCTL" -s "$SOCK" --json events --limit 1 >"$WORK/last.json"
expect_eq "rasctl events: where in the DRAM" \
	"$(jq -r '.events[0].dram' "$WORK/last.json")" \
	"rank 0 bg 1 bank 2 row 0x123 col 0x108"
i=0
# The file is rewritten each second: wait for the one with every page.
while ! grep -q '^rasd_dimm_cells_in_window{dimm="CPU0_DIMM_D1",.*} 6$' "$WORK/m.prom" 2>/dev/null &&
	[ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
check "metrics: rasd_dimm_fault_mode row for D1" \
	grep -q '^rasd_dimm_fault_mode{dimm="CPU0_DIMM_D1",.*,mode="row"} 1$' "$WORK/m.prom"
check "metrics: its cells" \
	grep -q '^rasd_dimm_cells_in_window{dimm="CPU0_DIMM_D1",.*} 6$' "$WORK/m.prom"
timeout 5 "$RASCTL" -s "$SOCK" --json watch --since 0 --count 100 >"$WORK/watch.json" 2>/dev/null
expect_eq "DRAM notices: two modes and the row" \
	"$(jq -rs '[.[] | select(.msgid == "DRAM") | .fields.mode] | join(",")' "$WORK/watch.json")" \
	"cell,row,row"
stop_rasd
before=$(sql "$WORK/live.db" "select count(*) from actions")
start_rasd live "$CORPUS/dram-row.scn" "$WORK/live.conf" --speed 60000
expect_eq "after a restart: the mode, rebuilt from the journal's coordinates" \
	"$("$RASCTL" -s "$SOCK" --json dimms | jq -r '.dimms[] | select(.label == "CPU0_DIMM_D1") | .fault_mode')" row
sleep 0.5
expect_eq "... and no action twice" "$(sql "$WORK/live.db" "select count(*) from actions")" "$before"
stop_rasd
exit 0

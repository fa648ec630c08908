#!/bin/sh
# test_dimm_labels.sh - rasdaemon's DIMM label files as a source of the
# DIMM map: the block for this board (SMBIOS vendor and product or board
# name) names the EDAC DIMMs at its locations, rasctl dimms says which
# file and line named each, malformed lines are told as FILE:LINE and
# skipped; and rasd names its DIMMs from them too.
. "$(dirname "$0")/lib.sh"
R="$WORK/root"

E="$R/sys/devices/system/edac/mc/mc0"
for i in 0 1 2; do
	mkdir -p "$E/dimm$i"
	echo "CPU_SrcID#0_MC#0_Chan#${i}_DIMM#0" >"$E/dimm$i/dimm_label"
	echo "channel $i slot 0" >"$E/dimm$i/dimm_location"
	echo 16384 >"$E/dimm$i/size"
done
I="$R/sys/class/dmi/id"
mkdir -p "$I"
echo "Dell Inc." >"$I/board_vendor"
echo "Dell Inc." >"$I/sys_vendor"
echo "PowerEdge R640" >"$I/product_name"
echo "0W23H8" >"$I/board_name"
L="$R/etc/ras/dimm_labels.d"
mkdir -p "$L"
cat >"$L/dell" <<'LABELS'
# rasdaemon's format
Vendor: Dell Inc.
  Product: PowerEdge R440, PowerEdge R640
    A1: 0.0.0;    A2: 0.1.0
    A3: 0.9.9.9.9;  A4: 0.x.0
  Product: PowerEdge R740
    B1: 0.0.0;
Vendor: Other Corp.
  Product: PowerEdge R640
    C1: 0.2.0;
LABELS
cat >"$L/late" <<'LABELS'
Vendor: Dell Inc.
  Model: 0W23H8
    EXTRA: 1.0.1; A9: 0.0.0
    orphan line without a colon
LABELS

"$RASCTL" dimms --local --root "$R" --json >"$WORK/d.json" 2>"$WORK/d.err"
expect_eq "rasctl dimms --local with label files: exit 0" $? 0
name() { jq -r --argjson ch "$1" '.[] | select(.controller == 0 and .channel == $ch and .slot == 0) | .label' "$WORK/d.json"; }
expect_eq "the EDAC DIMM on channel 0 takes the board's label" "$(name 0)" A1
expect_eq "channel 1 too" "$(name 1)" A2
expect_eq "channel 2 keeps EDAC's (another vendor's block)" "$(name 2)" "CPU_SrcID#0_MC#0_Chan#2_DIMM#0"
expect_eq "it says which file and line named it" \
	"$(jq -r '.[] | select(.label == "A1") | .named_by' "$WORK/d.json")" "$L/dell:4"
expect_eq "the source stays edac" \
	"$(jq -r '.[] | select(.label == "A1") | .source' "$WORK/d.json")" edac
expect_eq "a Model: block for the board adds a DIMM EDAC lacks" \
	"$(jq -r '.[] | select(.label == "EXTRA") | "\(.source) \(.controller).\(.channel).\(.slot) \(.named_by)"' "$WORK/d.json")" \
	"labels 1.0.1 $L/late:3"
check "a bad location is told as FILE:LINE" grep -q "dell:5: A3: bad location '0.9.9.9.9'" "$WORK/d.err"
check "and one with a letter" grep -q "dell:5: A4: bad location '0.x.0'" "$WORK/d.err"
check "a line without LABEL: is told as FILE:LINE" grep -q "late:4: 'orphan line without a colon' is not LABEL: mc.channel.slot" "$WORK/d.err"
check "a second name for a location is refused, naming the first" \
	grep -q "late:3: A9: mc 0 channel 0 slot 0 is already named A1 by $L/dell:4" "$WORK/d.err"
check "the rest of a bad line is still read (B1 of R740 not taken)" \
	sh -c "! jq -e '.[] | select(.label == \"B1\")' '$WORK/d.json'"
"$RASCTL" dimms --local --root "$R" >"$WORK/d.txt" 2>/dev/null
check "the table shows the file and line" grep -q "^A1 .*$L/dell:4" "$WORK/d.txt"

# rasd: the same tree as its sysfs root; the backend's DIMM at mc 0
# channel 0 slot 0 takes the file's name.
printf '[dimm]\nsysfs_root = %s\n' "$R" >"$WORK/p.conf"
start_rasd l "$TESTS_DIR/scenarios/dimm-map.scn" "$WORK/p.conf"
"$RASCTL" -s "$SOCK" dimms --json >"$WORK/r.json"
expect_eq "rasd names the backend's DIMM from the label file" \
	"$(jq -r '.dimms[] | select(.channel == 0 and .slot == 0) | "\(.label) \(.named_by)"' "$WORK/r.json")" "A1 $L/dell:4"
"$RASCTL" -s "$SOCK" dimms >"$WORK/r.txt"
check "rasctl dimms shows the file and line" grep -q "^A1 .*$L/dell:4" "$WORK/r.txt"
check "rasd logs the label file's errors with FILE:LINE" grep -q "dell:5" "$WORK/l.err" "$WORK/l.log"
stop_rasd
exit 0

#!/bin/sh
# test_decode_unknown.sh - records of a CPU family or model, or from a bank,
# that no model table knows: decoded architecturally, saying what was not
# known, and journaled like any other.
. "$(dirname "$0")/lib.sh"
MK="$BUILD_DIR/tools/mkrecord"
S="$TESTS_DIR/scenarios"
SER=0x1000c14
MEM_CE=0x9c00004000010091 # corrected memory read, channel 1

# Intel 06_A7 (no model table), Intel family 0Fh, Skylake-SP bank 25 (not
# in its table), AMD family 15h (before SMCA), an SMCA bank type nobody
# lists (HardwareID B0h McaType 4), a vendor rasd has no decoder for.
"$MK" "status=$MEM_CE,bank=13,cpuid=0xa0671,mcgcap=$SER" \
	"status=$MEM_CE,bank=13,cpuid=0xf29,mcgcap=$SER" \
	"status=$MEM_CE,bank=25,cpuid=0x50654,mcgcap=$SER" \
	"status=0x9c0000000000011b,bank=17,vendor=2,cpuid=0x600f20" \
	"status=0x9c0000000000011b,bank=4,vendor=2,cpuid=0xa00f11,ipid=0x0004b000000000" \
	"status=$MEM_CE,bank=13,vendor=7,cpuid=0x6f1,mcgcap=$SER" >"$WORK/unknown.bin"
"$RASCTL" decode "$WORK/unknown.bin" >"$WORK/unknown.json" 2>"$WORK/unknown.err"
expect_eq "every record decodes" "$? $(wc -l <"$WORK/unknown.json")" "0 6"
row() { sed -n "${1}p" "$WORK/unknown.json" | jq -r "$2"; }
expect_eq "06_A7: architectural memory error, model unknown" \
	"$(row 1 '"\(.kind) \(.severity) \(.channel) \(.model_known) \(.bank_known)"')" \
	"memory corrected 1 false false"
expect_eq "06_A7: the note says why" "$(row 1 .note)" \
	"unknown CPU model 06_A7: architectural decoding only"
expect_eq "family 0Fh: the note says why" "$(row 2 .note)" \
	"unknown Intel CPU family: architectural decoding only"
expect_eq "Skylake-SP bank 25: model known, bank not" \
	"$(row 3 '"\(.model) \(.model_known) \(.bank_known) \(.kind) \(.channel)"')" \
	"Skylake-SP true false memory 1"
check "and the note says the bank was not in the table" \
	sh -c "sed -n 3p '$WORK/unknown.json' | jq -r .note | grep -q 'bank not in'"
expect_eq "AMD family 15h: not SMCA, architectural" \
	"$(row 4 '"\(.model_known) \(.kind) \(.note)"')" \
	"false cache AMD family 15h: not SMCA, architectural decoding only"
expect_eq "unknown SMCA bank type: family known, bank not" \
	"$(row 5 '"\(.model_known) \(.bank_known) \(.kind)"')" "true false cache"
check "and the note names the MCA_IPID pair" \
	sh -c "sed -n 5p '$WORK/unknown.json' | jq -r .note | grep -q 'unknown SMCA bank type'"
expect_eq "vendor 7: architectural, and said" \
	"$(row 6 '"\(.model_known) \(.kind) \(.note)"')" \
	"false memory CPU vendor neither Intel nor AMD: architectural decoding only"

# rasd journals them: an unknown model and an unknown bank on the
# simulated host (its scenario expects three events).
run_sim unknown "$S/unknown-cpu.scn" "$ROOT/policies/default.conf"
expect_eq "rasd takes every record of an unknown CPU model" $? 0
# Read back through a daemon on that journal (its own host is idle).
start_rasd unknown2 "$S/restart-a.scn" "$ROOT/policies/default.conf" \
	-j "$WORK/unknown.db" --speed 1
expect_eq "all three journaled, decoded architecturally" \
	"$("$RASCTL" -s "$SOCK" --json events | jq -r '[.events | sort_by(.id)[] | "\(.bank):\(.kind):\(.severity)"] | join(" ")')" \
	"7:memory:corrected 25:memory:corrected 2:cache:corrected"
stop_rasd
exit 0

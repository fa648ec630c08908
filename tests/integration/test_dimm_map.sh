#!/bin/sh
# test_dimm_map.sh - rasd with the DIMM map: the backend's DIMMs named by
# EDAC, SMBIOS and the policy's map lines from a fake sysfs tree, errors
# outside every DIMM labelled from the map or guessed, DIMMs taken from
# the map when the backend has none, and bad map lines refused.
. "$(dirname "$0")/lib.sh"
R="$WORK/root"
SCN="$TESTS_DIR/scenarios"

# bytes HEX...: write raw bytes (octal escapes: dash's printf lacks \x).
bytes() {
	for b in "$@"; do
		printf "\\$(printf '%03o' "0x$b")"
	done
}

# The trees as test_dimms_local.sh lays them out. EDAC: mc0 knows one
# DIMM, on channel 0 slot 0.
E="$R/sys/devices/system/edac/mc/mc0"
mkdir -p "$E/dimm0"
echo "Skylake Socket#0 IMC#0" >"$E/mc_name"
echo "CPU0_DIMM_A1" >"$E/dimm0/dimm_label"
echo "channel 0 slot 0 " >"$E/dimm0/dimm_location"
echo 1024 >"$E/dimm0/size"
# SMBIOS type 17 (DSP0134 7.18): A1 (matches EDAC's label: one entry,
# with serial and part) and B1; type 20 (7.21) maps 0-1G to A1 and 1G-2G
# to B1, in KB.
D="$R/sys/firmware/dmi/entries"
mkdir -p "$D/17-0" "$D/17-1" "$D/20-0" "$D/20-1"
{
	bytes 11 1b 00 11 00 10 fe ff 48 00 40 00 00 04 09 00 01 02 1a 80 00 75 0b 03 04 00 05
	printf 'CPU0_DIMM_A1\000P0_Node0_Channel0_Dimm0\000Samsung\000S123\000M393A2K43\000\000'
} >"$D/17-0/raw"
{
	bytes 11 1b 01 11 00 10 fe ff 48 00 40 00 00 04 09 00 01 02 1a 80 00 75 0b 00 00 00 00
	printf 'CPU0_DIMM_B1\000P0_Node0_Channel0_Dimm1\000\000'
} >"$D/17-1/raw"
{
	bytes 14 13 00 14 00 00 00 00 ff ff 0f 00 00 11 00 13 ff 00 00
	printf '\000\000'
} >"$D/20-0/raw"
{
	bytes 14 13 01 14 00 00 10 00 ff ff 1f 00 01 11 00 13 ff 00 00
	printf '\000\000'
} >"$D/20-1/raw"

# policy FILE [lines]: test.conf, then a second [dimm] section with the
# fake tree and the lines given.
policy() {
	file=$1
	shift
	{
		cat "$TESTS_DIR/policies/test.conf"
		printf '\n[dimm]\nsysfs_root = %s\n' "$R"
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$file"
}

ctl() { "$RASCTL" -s "$SOCK" "$@"; }
dimm() { ctl --json dimms | jq -r ".dimms[] | select(.label == \"$1\") | $2"; }
last_dimm() { ctl --json events | jq -r '.events[0].dimm // "none"'; }

# inject_ch ADDR CH: a corrected memory read error on channel CH.
inject_ch() {
	ctl inject --cpu 1 --bank 7 --status "0x9c0000400001009$2" \
		--addr "$1" --misc 0x86 >/dev/null
}

# 1. The backend's DIMMs, named by the map.
policy "$WORK/map.conf" \
	"map = POL_C socket=0 controller=0 channel=3 slot=0" \
	"map = POL_CH1 controller=0 channel=1"
if ! start_rasd map "$SCN/dimm-map.scn" "$WORK/map.conf"; then
	fail "rasd did not start: $(cat "$WORK/map.err")"
	exit 1
fi
expect_eq "DIMM_A: EDAC knows its location" \
	"$(dimm DIMM_A '"\(.source) \(.locator) \(.serial) \(.part)"')" \
	"edac CPU0_DIMM_A1 S123 M393A2K43"
expect_eq "DIMM_B: an SMBIOS range holds its start" \
	"$(dimm DIMM_B '"\(.source) \(.locator)"')" "smbios CPU0_DIMM_B1"
expect_eq "DIMM_C: a policy map line names its location" \
	"$(dimm DIMM_C .source)" policy
expect_eq "DIMM_D: only the backend knows it" \
	"$(dimm DIMM_D '"\(.source) \(.locator // "none")"')" "backend none"
check "the table has a SOURCE column" \
	sh -c "'$RASCTL' -s '$SOCK' dimms | grep -q '^DIMM_B  *smbios '"

# 2. Errors outside every DIMM's range: channels 1 and 2 hold none.
inject_ch 0x190000000 1
wait_events 1
expect_eq "an unplaced error on a mapped channel gets the policy's label" \
	"$(last_dimm)" POL_CH1
inject_ch 0x190010000 2
wait_events 2
expect_eq "an unplaced error elsewhere gets a guessed label" \
	"$(last_dimm)" "socket 0 controller 0 channel 2 (guess)"
expect_eq "neither is counted against a DIMM" \
	"$(ctl --json dimms | jq '[.dimms[].errors] | add')" 0
inject_ch 0x80001000 3
wait_events 3
expect_eq "an address in a range is placed as before" "$(last_dimm)" DIMM_C

# 3. Reload: the new map names unplaced errors from then on.
policy "$WORK/map.conf" "map = POL_CH2 controller=0 channel=2"
check "reload with a new map" ctl reload
inject_ch 0x190020000 2
wait_events 4
expect_eq "after reload the new map line names the channel" \
	"$(last_dimm)" POL_CH2
stop_rasd
expect_eq "rasd stopped cleanly" $? 0

# 4. sources: EDAC distrusted, DIMM_A is the backend's own.
policy "$WORK/src.conf" "sources = smbios policy"
start_rasd src "$SCN/dimm-map.scn" "$WORK/src.conf"
expect_eq "sources without edac: DIMM_A from the backend" \
	"$(dimm DIMM_A .source)" backend
expect_eq "sources without edac: DIMM_B still from SMBIOS" \
	"$(dimm DIMM_B .source)" smbios
stop_rasd
expect_eq "rasd stopped cleanly" $? 0

# 5. A backend without DIMMs: the map's DIMMs with ranges stand in.
policy "$WORK/none.conf" "map = POL_HI start=0x100000000 size=1G socket=0"
start_rasd none "$SCN/no-dimms.scn" "$WORK/none.conf"
expect_eq "DIMMs from the map, with their sources" \
	"$(ctl --json dimms | jq -r '[.dimms[] | "\(.label)=\(.source)"] | join(" ")')" \
	"CPU0_DIMM_A1=edac CPU0_DIMM_B1=smbios POL_HI=policy"
expect_eq "a map DIMM's unknown channel is -1" \
	"$(dimm POL_HI .channel)" -1
inject_ch 0x40002000 1
wait_events 1
expect_eq "an error in a map DIMM's range is placed on it" \
	"$(last_dimm)" CPU0_DIMM_B1
expect_eq "and counted against it" "$(dimm CPU0_DIMM_B1 .errors)" 1
stop_rasd
expect_eq "rasd stopped cleanly" $? 0

# 6. A bad map line stops rasd at start, naming file and line.
policy "$WORK/bad.conf" "map = BAD controller=0 chanel=1"
line=$(grep -n chanel "$WORK/bad.conf" | cut -d: -f1)
"$RASD" -H "sim:$SCN/dimm-map.scn" -c "$WORK/bad.conf" -j "$WORK/bad.db" \
	-s none -q >"$WORK/bad.out" 2>"$WORK/bad.err"
expect_eq "rasd refuses a bad map line" $? 1
check "naming file:line and the reason" \
	grep -q "bad.conf:$line: bad map 'BAD controller=0 chanel=1' in \[dimm\]: 'chanel=1' is not" \
	"$WORK/bad.err"
exit 0

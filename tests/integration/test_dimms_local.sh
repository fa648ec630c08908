#!/bin/sh
# test_dimms_local.sh - rasctl dimms --local on fake EDAC and SMBIOS trees
# laid out as the kernel exposes them: labels, sources, address ranges.
. "$(dirname "$0")/lib.sh"
R="$WORK/root"

# bytes HEX...: write raw bytes (octal escapes: dash's printf lacks \x).
bytes() {
	for b in "$@"; do
		printf "\\$(printf '%03o' "0x$b")"
	done
}

# EDAC: one controller, one DIMM (drivers/edac/edac_mc_sysfs.c names).
E="$R/sys/devices/system/edac/mc/mc0"
mkdir -p "$E/dimm0"
echo "Skylake Socket#0 IMC#0" >"$E/mc_name"
echo "CPU0_DIMM_A1" >"$E/dimm0/dimm_label"
echo "channel 0 slot 0 " >"$E/dimm0/dimm_location"
echo 16384 >"$E/dimm0/size"
echo Registered-DDR4 >"$E/dimm0/dimm_mem_type"
echo SECDED >"$E/dimm0/dimm_edac_mode"

# SMBIOS type 17 (DSP0134 7.18), length 0x1B: 16384 MB, DDR4, 2933 MT/s,
# strings: locator, bank, manufacturer, serial, part.
D="$R/sys/firmware/dmi/entries"
mkdir -p "$D/17-0" "$D/17-1" "$D/20-0"
{
	bytes 11 1b 00 11 00 10 fe ff 48 00 40 00 00 40 09 00 01 02 1a 80 00 75 0b 03 04 00 05
	printf 'CPU0_DIMM_A1\000P0_Node0_Channel0_Dimm0\000Samsung\000S123\000M393A2K43\000\000'
} >"$D/17-0/raw"
# A second DIMM only SMBIOS knows: 8192 MB, no EDAC entry.
{
	bytes 11 1b 01 11 00 10 fe ff 48 00 40 00 00 20 09 00 01 02 1a 80 00 75 0b 00 00 00 00
	printf 'CPU0_DIMM_B1\000P0_Node0_Channel1_Dimm0\000\000'
} >"$D/17-1/raw"
# Type 20 (7.21): KB 0 .. 16 GiB - 1 on handle 0x1100.
{
	bytes 14 13 00 14 00 00 00 00 ff ff ff 00 00 11 00 13 ff 00 00
	printf '\000\000'
} >"$D/20-0/raw"
# A truncated entry: skipped with a warning, the rest still loads.
mkdir -p "$D/17-2"
bytes 11 1b 02 11 00 >"$D/17-2/raw"

"$RASCTL" --json dimms --local --root "$R" >"$WORK/dimms.json" 2>"$WORK/dimms.err"
expect_eq "dimms --local: exit status" $? 0
expect_eq "two DIMMs found" "$(jq length "$WORK/dimms.json")" 2
expect_eq "EDAC's label wins, with SMBIOS's range" \
	"$(jq -r '.[] | select(.label == "CPU0_DIMM_A1") | "\(.source) \(.start) \(.size_mib)"' "$WORK/dimms.json")" \
	"edac 0x0 16384"
expect_eq "the SMBIOS-only DIMM says where it came from" \
	"$(jq -r '.[] | select(.label == "CPU0_DIMM_B1") | .source' "$WORK/dimms.json")" smbios
check "the truncated entry is reported, not fatal" grep -q '17-2' "$WORK/dimms.err"
check "the table names the source" \
	sh -c "'$RASCTL' dimms --local --root '$R' 2>/dev/null | grep -q 'CPU0_DIMM_A1 *edac'"

"$RASCTL" dimms --local --root "$WORK/empty" >/dev/null 2>"$WORK/empty.err"
expect_eq "an empty tree is not an error" $? 0
check "but says nothing was found" grep -q 'no EDAC, SMBIOS or label-file' "$WORK/empty.err"
exit 0

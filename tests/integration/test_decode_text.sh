#!/bin/sh
# test_decode_text.sh - rasctl decode on text captures: mcelog --ascii and
# kernel dmesg lines, auto-detected or forced, and bad blocks by line.
. "$(dirname "$0")/lib.sh"
MK="$BUILD_DIR/tools/mkrecord"

# mcelog --ascii output: two records with mcelog's decode lines between.
cat >"$WORK/mcelog.txt" <<'CAP'
Hardware event. This is not a software error.
MCE 0
CPU 3 BANK 7 TSC 12345abc 
MISC 86 ADDR 2345000 
TIME 1700000000 Tue Nov 14 22:13:20 2023
MCG status:
MCi status:
Corrected error
Error enabled
MCi_MISC register valid
MCi_ADDR register valid
MCA: MEMORY CONTROLLER RD_CHANNEL0_ERR
Transaction: Memory read error
STATUS 9c00004000010090 MCGSTATUS 0
MCGCAP 1000c14 APICID 6 SOCKETID 1 
CPUID Vendor Intel Family 6 Model 85 Step 7
PROCESSOR 0:50657
Hardware event. This is not a software error.
MCE 1
CPU 5 BANK 2 TSC 2222 
TIME 1700000060 Tue Nov 14 22:14:20 2023
MCA: Data CACHE Level-2 Data-Read Error
STATUS 9000004000000135 MCGSTATUS 0
MCGCAP 1000c14 APICID 12 SOCKETID 0 
CAP
"$RASCTL" decode "$WORK/mcelog.txt" >"$WORK/mcelog.json" 2>"$WORK/mcelog.err"
expect_eq "mcelog text decodes and exits 0" $? 0
expect_eq "one JSON line per mcelog block" "$(wc -l <"$WORK/mcelog.json")" 2
expect_eq "block 1: memory CE, channel 0, page 0x2345, cpu 3 socket 1" \
	"$(sed -n 1p "$WORK/mcelog.json" | jq -r '"\(.kind) \(.severity) \(.channel) \(.page) \(.cpu) \(.socket) \(.bank)"')" \
	"memory corrected 0 0x2345 3 1 7"
expect_eq "block 2: L2 cache error on cpu 5" \
	"$(sed -n 2p "$WORK/mcelog.json" | jq -r '"\(.kind) \(.cache_level) \(.cpu)"')" "cache 2 5"
check "nothing on stderr" test ! -s "$WORK/mcelog.err"

# The same record as binary gives the same JSON.
"$MK" "status=0x9c00004000010090,addr=0x2345000,misc=0x86,bank=7,cpu=3,socket=1,mcgcap=0x1000c14,cpuid=0x50657" \
	>"$WORK/one.bin"
"$RASCTL" decode <"$WORK/one.bin" >"$WORK/one.json"
expect_eq "binary on stdin is still auto-detected" $? 0
expect_eq "text and binary decode alike" \
	"$(jq -c 'del(.message)' "$WORK/one.json")" \
	"$(sed -n 1p "$WORK/mcelog.json" | jq -c 'del(.message)')"

# dmesg with timestamps, the lines around the record, CRLF line ends.
printf '%s\r\n' \
	'[    0.000000] Linux version 6.1.0-13-amd64' \
	'[  123.456790] mce: [Hardware Error]: CPU 0: Machine Check: 0 Bank 1: 9c00004000010090' \
	'[  123.456791] mce: [Hardware Error]: TSC 0 ADDR 2345000 MISC 86 ' \
	'[  123.456792] mce: [Hardware Error]: PROCESSOR 0:50657 TIME 1700000000 SOCKET 0 APIC 0 microcode 1' \
	"[  123.456793] mce: [Hardware Error]: Run the above through 'mcelog --ascii'" \
	'[  124.000001] mce: [Hardware Error]: CPU 7: Machine Check Exception: 5 Bank 7: bd000000000000c2' \
	'[  124.000002] mce: [Hardware Error]: TSC 1c2d ADDR 7654000 MISC 86 ' \
	'[  124.000003] mce: [Hardware Error]: PROCESSOR 0:50657 TIME 1700000100 SOCKET 1 APIC 2a microcode 1' \
	'[  124.000004] Kernel panic - not syncing: Fatal machine check' >"$WORK/dmesg.txt"
"$RASCTL" decode "$WORK/dmesg.txt" >"$WORK/dmesg.json" 2>"$WORK/dmesg.err"
expect_eq "dmesg capture decodes and exits 0" $? 0
expect_eq "one JSON line per kernel record" "$(wc -l <"$WORK/dmesg.json")" 2
expect_eq "dmesg record 1: cpu 0 bank 1 page 0x2345" \
	"$(sed -n 1p "$WORK/dmesg.json" | jq -r '"\(.cpu) \(.bank) \(.page)"')" "0 1 0x2345"
expect_eq "dmesg record 2: cpu 7 socket 1, memory on bank 7" \
	"$(sed -n 2p "$WORK/dmesg.json" | jq -r '"\(.cpu) \(.socket) \(.kind) \(.bank)"')" "7 1 memory 7"

# Forcing a format: dmesg text read as mcelog text finds no record.
"$RASCTL" decode --format mcelog "$WORK/dmesg.txt" >"$WORK/forced.json" 2>"$WORK/forced.err"
expect_eq "forced mcelog on dmesg text: no records" "$(wc -l <"$WORK/forced.json")" 0
check "and says so" grep -q 'no machine-check records' "$WORK/forced.err"
"$RASCTL" decode --format dmesg <"$WORK/dmesg.txt" >"$WORK/forced2.json"
expect_eq "forced dmesg from stdin" "$(wc -l <"$WORK/forced2.json")" 2
"$RASCTL" decode --format ascii "$WORK/dmesg.txt" 2>"$WORK/badfmt.err"
expect_eq "unknown format refused" $? 2
check "and the message lists the formats" grep -q 'auto, binary, mcelog or dmesg' "$WORK/badfmt.err"

# A malformed block and a truncated last block: told by line, the rest kept.
cat >"$WORK/bad.txt" <<'CAP'
MCE 0
CPU 1 BANK 7
MISC 86 ADDR 23g5000
STATUS 9c00004000010090 MCGSTATUS 0
MCE 1
CPU 2 BANK 7
MISC 86 ADDR 3000
STATUS 9c00004000010091 MCGSTATUS 0
MCGCAP 1000c14 APICID 0 SOCKETID 0
MCE 2
CPU 3 BANK 7
MISC 86 ADDR 4000
CAP
"$RASCTL" decode "$WORK/bad.txt" >"$WORK/bad.json" 2>"$WORK/bad.err"
expect_eq "rejected blocks exit 1" $? 1
expect_eq "the good block between them decodes" "$(jq -r .cpu "$WORK/bad.json")" 2
check "bad hex told with its line" grep -qx "rasctl: decode: $WORK/bad.txt:3: bad ADDR value '23g5000': want hex" "$WORK/bad.err"
check "truncated block told with its line" grep -qx "rasctl: decode: $WORK/bad.txt:10: block without STATUS (truncated?)" "$WORK/bad.err"
expect_eq "two lines on stderr" "$(wc -l <"$WORK/bad.err")" 2

# Binary still goes through the reader: a truncated tail is still told.
"$MK" "status=0x9c00004000010090,addr=0x1000,misc=0x86" \
	"status=0x9c00004000010090,addr=0x2000,misc=0x86" >"$WORK/two.bin"
head -c 150 "$WORK/two.bin" >"$WORK/short.bin"
"$RASCTL" decode "$WORK/short.bin" >"$WORK/short.json" 2>"$WORK/short.err"
expect_eq "auto-detected binary with a truncated tail exits 1" $? 1
check "and the tail is reported" grep -q '38 bytes' "$WORK/short.err"
exit 0

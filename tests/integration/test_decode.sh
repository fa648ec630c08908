#!/bin/sh
# test_decode.sh - rasctl decode on binary struct mce records: JSON keys,
# every record length, and bad input (truncated, wrong size) reported.
. "$(dirname "$0")/lib.sh"
MK="$BUILD_DIR/tools/mkrecord"
SER=0x1000c14

# The lab's corrected error, an L2 data-read error, and a patrol scrub SRAO.
"$MK" "status=0x9c00004000010090,addr=0x2345000,misc=0x86,bank=1,cpu=0,mcgcap=$SER" \
	"status=0x9000004000000135,bank=2,cpu=3,socket=1,mcgcap=$SER" \
	"status=0xbd000000000000c2,addr=0x7654000,misc=0x86,mcgstatus=1,bank=7,cpu=5,mcgcap=$SER" \
	>"$WORK/three.bin"
"$RASCTL" decode "$WORK/three.bin" >"$WORK/three.json"
expect_eq "decode exits 0 on good records" $? 0
expect_eq "one JSON line per record" "$(wc -l <"$WORK/three.json")" 3
expect_eq "record 1: memory, corrected, channel 0, page 0x2345" \
	"$(sed -n 1p "$WORK/three.json" | jq -r '"\(.kind) \(.severity) \(.channel) \(.page) \(.bank) \(.cpu)"')" \
	"memory corrected 0 0x2345 1 0"
expect_eq "record 2: L2 cache error on cpu 3 socket 1" \
	"$(sed -n 2p "$WORK/three.json" | jq -r '"\(.kind) \(.cache_level) \(.cpu) \(.socket)"')" "cache 2 3 1"
expect_eq "record 3: patrol scrub is SRAO on channel 2" \
	"$(sed -n 3p "$WORK/three.json" | jq -r '"\(.kind) \(.severity) \(.channel)"')" "memory srao 2"
check "every record has a message" sh -c "jq -e 'select(.message == \"\")' '$WORK/three.json' | grep -q . && exit 1 || exit 0"

# Every record length the kernel and Xen hand out.
for len in 88 112 128; do
	"$MK" --len $len "status=0x9c00004000010090,addr=0x2345000,misc=0x86,bank=1,mcgcap=$SER" |
		"$RASCTL" decode --record-len $len >"$WORK/len.json"
	expect_eq "record length $len decodes from stdin" "$(jq -r .page "$WORK/len.json")" 0x2345
done

# A file's record length is told from its size and records, and said:
# 896 bytes are 7 struct mce or 8 struct xen_mce, 1408 bytes 11 struct
# mce or 16 pre-5.8 records.
for spec in "128 7 Linux struct mce" "112 8 Xen dom0 struct xen_mce" \
	"88 16 struct mce before Linux 5.8"; do
	set -- $spec
	len=$1 n=$2
	shift 2
	i=0 args=
	while [ $i -lt $n ]; do
		args="$args status=0x9c00004000010090,addr=0x$((i + 1))000,misc=0x86,bank=1,cpu=$i,mcgcap=$SER"
		i=$((i + 1))
	done
	"$MK" --len $len $args >"$WORK/len$len.bin"
	"$RASCTL" decode "$WORK/len$len.bin" >"$WORK/len$len.json" 2>"$WORK/len$len.err"
	expect_eq "$n records of $len bytes decode" "$? $(wc -l <"$WORK/len$len.json")" "0 $n"
	check "and the length is said: $*" \
		grep -qF "$n records of $len bytes ($*)" "$WORK/len$len.err"
	expect_eq "record $n of $len bytes is whole" \
		"$(sed -n ${n}p "$WORK/len$len.json" | jq -r '"\(.cpu) \(.page)"')" "$((n - 1)) 0x$n"
done
"$RASCTL" decode --format binary "$WORK/len128.bin" >/dev/null 2>"$WORK/fmt.err"
check "--format binary tells the length too" \
	grep -qF "7 records of 128 bytes (Linux struct mce)" "$WORK/fmt.err"
"$RASCTL" decode --record-len 112 "$WORK/len128.bin" >/dev/null 2>"$WORK/over.err"
check "--record-len overrides, and says so" \
	grep -qF "8 records of 112 bytes (--record-len)" "$WORK/over.err"

# The reference set's AMD records: 128-byte struct mce, 400 per file.
REFS=${RASD_REFERENCE_DECODES:-$ROOT/../shared/reference-decodes}
if [ -f "$REFS/zen2.bin" ]; then
	"$RASCTL" decode "$REFS/zen2.bin" >"$WORK/zen2.json" 2>"$WORK/zen2.err"
	expect_eq "zen2.bin: 400 records, no error" \
		"$? $(wc -l <"$WORK/zen2.json")" "0 400"
	check "zen2.bin: read as 128-byte records" \
		grep -qF "400 records of 128 bytes (Linux struct mce)" "$WORK/zen2.err"
	"$RASCTL" decode --format binary "$REFS/zen3.bin" >"$WORK/zen3.json" 2>/dev/null
	expect_eq "zen3.bin with --format binary: 400 records" \
		"$? $(wc -l <"$WORK/zen3.json")" "0 400"
else
	echo "SKIP: the reference set's binary records (no $REFS)"
fi

# Truncated file: the whole records still come out, the tail is reported.
head -c $((112 * 2 + 50)) "$WORK/three.bin" >"$WORK/trunc.bin"
"$RASCTL" decode "$WORK/trunc.bin" >"$WORK/trunc.json" 2>"$WORK/trunc.err"
expect_eq "truncated file exits 1" $? 1
expect_eq "truncated file still yields its whole records" "$(wc -l <"$WORK/trunc.json")" 2
check "truncation reported with the byte count" grep -q '50 bytes' "$WORK/trunc.err"

# A record length that is not a struct mce.
"$RASCTL" decode --record-len 40 "$WORK/three.bin" 2>"$WORK/len40.err"
expect_eq "record length 40 refused" $? 2
check "and the message says what is wanted" grep -q '88 to 4096' "$WORK/len40.err"

# A record whose status has no VAL bit: reported, neighbours kept.
"$MK" "status=0x9c00004000010090,addr=0x1000,misc=0x86,mcgcap=$SER" "status=0x0" \
	"status=0x9c00004000010090,addr=0x3000,misc=0x86,mcgcap=$SER" >"$WORK/noval.bin"
"$RASCTL" decode "$WORK/noval.bin" >"$WORK/noval.json" 2>"$WORK/noval.err"
expect_eq "a record without VAL exits 1" $? 1
expect_eq "its neighbours are decoded" "$(wc -l <"$WORK/noval.json")" 2
check "and it is named" grep -q 'record 2' "$WORK/noval.err"
exit 0

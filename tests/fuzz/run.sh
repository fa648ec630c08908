#!/bin/sh
# run.sh - make fuzz: runs every built libFuzzer target for SECONDS each
# with a corpus kept under build/fuzz/corpus/NAME; stops at the first crash.
set -u
DIR=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for bin in "$DIR"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$DIR/corpus/$name"
	mkdir -p "$corpus"
	# Seed the corpus with the repo's own inputs of that kind.
	case "$name" in
	fuzz_policy) cp "$ROOT"/policies/*.conf "$ROOT"/tests/integration/policies/*.conf "$corpus/" 2>/dev/null ;;
	fuzz_scenario) cp "$ROOT"/hypervisor/sim/scenarios/*.scn "$ROOT"/tests/integration/scenarios/*.scn "$corpus/" 2>/dev/null ;;
	fuzz_snmp_state) cp "$ROOT"/tests/fuzz/seeds/snmp_state.json "$corpus/" 2>/dev/null ;;
	fuzz_xen)
		# First byte even: a peer string; odd: command byte, status word.
		printf '\000localhost' >"$corpus/local"
		printf '\000tcp:host-b.example:8002' >"$corpus/tcp"
		printf '\001\000\004\020\001\000' >"$corpus/owned" ;;
	fuzz_control) printf '{"id":1,"cmd":"events","args":{"since_ms":0}}' >"$corpus/seed" ;;
	fuzz_control_session)
		# Ops: 0 connect, 7 a canned request, 5 a loop turn, 2 read,
		# 6 a notice, 1 raw bytes, 4 half-close, 3 close (high bits:
		# which client).
		printf '\000\007\001\005\002\100\010\007\002\005\006\200\005\002\377\012\040\005\003' >"$corpus/sessions"
		printf '\000\001\020{"cmd":"status"}\n\001\002\n\n\004\005\002\100' >"$corpus/halfclose" ;;
	fuzz_ipmi_sel) cp "$ROOT"/tests/fuzz/seeds/ipmi_sel/* "$corpus/" ;;
	fuzz_dimm_labels) cp "$ROOT"/tests/fuzz/seeds/dimm_labels/* "$corpus/" ;;
	fuzz_dram) cp "$ROOT"/tests/fuzz/seeds/dram/* "$corpus/" ;;
	fuzz_linux)
		# First byte: 0 a memory_failure format, NUL, one record; 1 a
		# CPU list; 2 a kernel uevent.
		{ printf '\000'; cat "$ROOT"/tests/data/tracefs/memory_failure_event-6.1.format
		  printf '\000'; head -c 24 /dev/zero; } >"$corpus/mf"
		printf '\0010-3,5' >"$corpus/cpus"
		printf '\002offline@/devices/system/cpu/cpu1\000ACTION=offline\000DEVPATH=/devices/system/cpu/cpu1\000SUBSYSTEM=cpu\000' >"$corpus/uevent" ;;
	fuzz_hwmon)
		# First byte mod 3: 0 a policy limit rule, 1 a sysfs value, 2 a label.
		printf '\000coretemp-* "Core 0" max=85' >"$corpus/rule"
		printf '\000* in0 min=0.9 max=1.3' >"$corpus/window"
		printf '\00145000\n' >"$corpus/value"
		printf '\001xyz\n' >"$corpus/garbage"
		printf '\002CPU0_DIMM_A1' >"$corpus/dimm" ;;
	fuzz_syslog5424)
		# First byte odd: the target parser; even: the formatter.
		printf '\001[::1]:6514' >"$corpus/v6"
		printf '\001logs.example:514' >"$corpus/name"
		printf '\100MEMCE\ntext\ndimm=DIMM_B' >"$corpus/notice" ;;
	fuzz_mce_text)
		# First byte: format in bits 1:0 (0 auto, 2 mcelog, 3 dmesg).
		printf '\002MCE 0\nCPU 3 BANK 7 TSC 12345abc\nMISC 86 ADDR 2345000\nTIME 1700000000 Tue Nov 14 22:13:20 2023\nMCA: MEMORY CONTROLLER RD_CHANNEL0_ERR\nSTATUS 9c00004000010090 MCGSTATUS 0\nMCGCAP 1000c14 APICID 6 SOCKETID 0\nCPUID Vendor Intel Family 6 Model 85 Step 7\nPROCESSOR 0:50657\nPPIN 1 MICROCODE 2 SYNDROME 3 IPID 4\nRIP !INEXACT! 10:ffffffff8100b3b6\n' >"$corpus/mcelog"
		printf '\003[  123.456790] mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 1: 9c00004000010090\r\n[  123.456791] mce: [Hardware Error]: RIP 10:<ffffffff8100b3b6> {x+0x1/0x2}\r\n[  123.456792] mce: [Hardware Error]: TSC 0 ADDR 2345000 MISC 86 SYND 1 IPID 2\r\n[  123.456793] mce: [Hardware Error]: PROCESSOR 2:a00f11 TIME 1700000000 SOCKET 0 APIC 0 microcode 1\r\n' >"$corpus/dmesg"
		printf '\000MCE 0\nCPU 1 BANK 7\nADDR 23g5000\nMCE 1\nCPU 2 7\nSTATUS 0x1\n' >"$corpus/bad" ;;
	fuzz_tracefs)
		# Format files, a NUL, then one page holding one 112-byte
		# mce_record event (type_len 28, common_type 112).
		{ cat "$ROOT"/tests/data/tracefs/mce_record-6.1.format "$ROOT"/tests/data/tracefs/mc_event-6.1.format
		  printf '\000\000\000\000\000\000\000\000\000\164\000\000\000\000\000\000\000\074\000\000\000\160\000'
		  head -c 110 /dev/zero; } >"$corpus/mce"
		cat "$ROOT"/tests/data/tracefs/*.format >"$corpus/formats" ;;
	fuzz_pcie)
		# A format, a NUL, then pages: the kernel's own aer_event page
		# (the hex of tests/data/tracefs), and each other format alone.
		{ cat "$ROOT"/tests/data/tracefs/aer_event-6.1.format; printf '\000'
		  for h in $(grep -v '^#' "$ROOT"/tests/data/tracefs/aer_event-6.1.page); do
			printf "\\$(printf %o "0x$h")"
		  done; } >"$corpus/aer"
		for f in extlog_mem_event-6.1 cxl_aer_uncorrectable_error-6.3 \
			cxl_general_media-upstream cxl_dram-upstream; do
			cp "$ROOT/tests/data/tracefs/$f.format" "$corpus/$f"
		done ;;
	fuzz_smbios) printf '\021\050\000\021\000\020\376\377\110\000\100\000\000\100\011\000\001\002\032\200\040\152\012\003\004\000\005\002\000\000\000\000\140\011\000\000\000\000\000\000CPU0_DIMM_A1\000P0_Node0_Channel0_Dimm0\000Samsung\000S3R1AL\000M393A2K43BB1\000\000' >"$corpus/t17"; printf '\024\043\001\024\377\377\377\377\000\000\000\000\001\021\000\023\377\000\000\000\000\000\000\004\000\000\000\377\377\377\377\007\000\000\000\000\000' >"$corpus/t20" ;;
	esac
	echo "fuzz: $name for ${SECONDS_EACH}s"
	if ! "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$DIR/$name-" "$corpus" >"$DIR/$name.log" 2>&1; then
		echo "fuzz: $name FAILED, see $DIR/$name.log"
		tail -30 "$DIR/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|cov:' "$DIR/$name.log" | tail -2
	fi
done
exit $status

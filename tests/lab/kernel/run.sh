#!/bin/sh
# run.sh - the kernel lab: Debian's kernel under QEMU TCG with rasd inside,
# machine checks injected through QEMU's monitor, outcomes read from rasd.
# Usage: sh tests/lab/kernel/run.sh BUILD_DIR
set -u

BUILD=${1:-build}
HERE=$(cd "$(dirname "$0")" && pwd)
BUILD=$(cd "$BUILD" 2>/dev/null && pwd) || {
	echo "SKIP: kernel: no build directory ${1:-build}"
	exit 0
}
OUT=$BUILD/lab/kernel
CONSOLE=$OUT/console.log
MON=$OUT/monitor.sock
SOCK=/run/rasd/rasd.sock
failed=0
seq_no=
qemu_pid=

skip_all() {
	echo "SKIP: kernel: all scenarios ($1)"
	exit 0
}

pass() { echo "PASS: kernel: $1 ($2s)"; }
fail() {
	echo "FAIL: kernel: $1 ($2)"
	failed=1
}

now_ms() { date +%s%3N; }

check_tools() {
	for t in qemu-system-x86_64 socat cpio gzip jq ldd; do
		command -v "$t" >/dev/null 2>&1 || skip_all "no $t"
	done
	KERNEL=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)
	[ -n "$KERNEL" ] && [ -r "$KERNEL" ] || skip_all "no readable /boot/vmlinuz-*"
	BUSYBOX=/bin/busybox
	ldd "$BUSYBOX" >/dev/null 2>&1 &&
		skip_all "$BUSYBOX is not static (install busybox-static)"
	[ -x "$BUILD/rasd" ] && [ -x "$BUILD/rasctl" ] ||
		skip_all "no $BUILD/rasd or rasctl: make all first"
}

# Each binary, its libraries by ldd's paths, and the loader.
copy_with_libs() {
	for bin in "$@"; do
		cp "$bin" "$ROOT/bin/"
		ldd "$bin" | awk '/=> \// { print $3 } /^[ \t]*\// { print $1 }'
	done | sort -u | while read -r lib; do
		mkdir -p "$ROOT$(dirname "$lib")"
		cp -L "$lib" "$ROOT$lib"
	done
}

# A module and what it needs, by modules.dep, into the initramfs; init
# loads them all (in as many passes as their order needs).
copy_modules() {
	kdir=/lib/modules/$(basename "$KERNEL" | sed 's/^vmlinuz-//')
	mkdir -p "$ROOT/lib/modules"
	for m in "$@"; do
		# The module and each of its dependencies, one path a line.
		awk -v m="/$m.ko" 'index($1, m ":") {
			for (i = 2; i <= NF; i++) print $i
			sub(":", "", $1); print $1 }' \
			"$kdir/modules.dep"
	done | sort -u | while read -r ko; do
		cp "$kdir/$ko" "$ROOT/lib/modules/"
	done
}

build_initramfs() {
	ROOT=$OUT/root
	rm -rf "$ROOT"
	mkdir -p "$ROOT/bin" "$ROOT/etc" "$ROOT/proc" "$ROOT/sys" \
		"$ROOT/dev" "$ROOT/run" "$ROOT/tmp" "$ROOT/var" "$ROOT/data"
	cp "$BUSYBOX" "$ROOT/bin/busybox"
	copy_with_libs "$BUILD/rasd" "$BUILD/rasctl"
	# The power-cut scenario's journal lives on a virtio disk with ext4.
	copy_modules virtio_pci virtio_blk ext4 crc32c_generic
	cp "$HERE/init" "$ROOT/init"
	chmod 755 "$ROOT/init"
	cp "$HERE/lab.conf" "$ROOT/etc/rasd.conf"
	# rasd's engine runs as _rasd (privilege separation); glibc reads
	# these files itself.
	printf 'root:x:0:0:root:/root:/bin/sh\n_rasd:x:999:999::/nonexistent:/bin/false\nnobody:x:65534:65534::/:/bin/false\n' \
		>"$ROOT/etc/passwd"
	printf 'root:x:0:\n_rasd:x:999:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
	printf 'passwd: files\ngroup: files\n' >"$ROOT/etc/nsswitch.conf"
	(cd "$ROOT" && find . | cpio -o -H newc 2>/dev/null) |
		gzip -1 >"$OUT/initrd.gz"
}

cleanup() {
	exec 3>&- 2>/dev/null
	if [ -n "$qemu_pid" ]; then
		kill "$qemu_pid" 2>/dev/null
		wait "$qemu_pid" 2>/dev/null
	fi
}

# The console goes to a file; commands go in through a FIFO. loglevel=0:
# the kernel's machine-check lines (printed at emerg) would land inside a
# command's JSON on the one console; dmesg still has them.
boot() {
	rm -f "$OUT/in" "$MON" "$CONSOLE"
	mkfifo "$OUT/in"
	qemu-system-x86_64 -accel tcg -cpu Haswell-noTSX -smp 2 -m 1024 \
		-kernel "$KERNEL" -initrd "$OUT/initrd.gz" \
		-append "console=ttyS0 quiet loglevel=0" -display none -serial stdio \
		-monitor "unix:$MON,server,nowait" -no-reboot "$@" \
		<"$OUT/in" >"$CONSOLE" 2>"$OUT/qemu.err" &
	qemu_pid=$!
	exec 3>"$OUT/in"
	trap cleanup EXIT INT TERM
	wait_for '^@@LAB-READY' 60
}

# Wait until a line of the console matches; 1 on timeout (seconds).
wait_for() {
	deadline=$(($(date +%s) + $2))
	while ! tr -d '\r' <"$CONSOLE" | sed 's|^\(/ # \)*||' |
		grep -q -a -- "$1"; do
		[ "$(date +%s)" -ge "$deadline" ] && return 1
		kill -0 "$qemu_pid" 2>/dev/null || return 1
		sleep 0.05
	done
	return 0
}

# Run a command in the guest; its output on stdout. The markers are
# split by quotes so the shell's echo of the input never matches them.
guest() {
	seq_no=$(date +%s%N) # callers run this in subshells: no counter
	printf 'echo "@@B"%s\n%s\necho "@@E"%s\n' "$seq_no" "$1" "$seq_no" >&3
	wait_for "^@@E$seq_no\$" "${2:-30}" || return 1
	# The shell's prompt may lead a line of output (the command lines
	# are not echoed): it is not output.
	tr -d '\r' <"$CONSOLE" | sed 's|^\(/ # \)*||' |
		awk -v b="@@B$seq_no" -v e="@@E$seq_no" \
			'$0 == e { p = 0 } p { print } $0 == b { p = 1 }'
}

monitor() {
	printf '%s\n' "$1" | socat -t 1 - "UNIX-CONNECT:$MON" >/dev/null 2>&1
}

rasctl_json() {
	guest "rasctl -s $SOCK --json $1 2>&1"
}

# Poll rasctl until jq's filter prints something; that output.
await_json() {
	cmd=$1 filter=$2 deadline=$(($(date +%s) + $3))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		got=$(rasctl_json "$cmd" | jq -c "$filter" 2>/dev/null)
		if [ -n "$got" ]; then
			printf '%s\n' "$got"
			return 0
		fi
		sleep 0.3
	done
	return 1
}

# The guest's wall clock (rasd's: its journal stamps CLOCK_REALTIME) minus
# the host's, in ms, from the quickest of 5 round trips. busybox's date has
# no sub-second field; adjtimex prints the time to the microsecond.
guest_ms() {
	guest "adjtimex 2>/dev/null" | awk '/time.tv_sec/ { s = $2 }
		/time.tv_usec/ { u = $2 } END { if (s) printf "%s%03d\n",
		s, int(u / 1000) }'
}

clock_offset() {
	best_rtt=999999
	OFFSET=0
	for _ in 1 2 3 4 5; do
		t0=$(now_ms)
		g=$(guest_ms)
		t1=$(now_ms)
		rtt=$((t1 - t0))
		if [ -n "$g" ] && [ "$rtt" -lt "$best_rtt" ]; then
			best_rtt=$rtt
			OFFSET=$((g - (t0 + t1) / 2))
		fi
	done
	CLOCK_ERR=$((best_rtt / 2))
}

# start_rasd [JOURNAL [ENV]]: rasd in the guest, up when its socket is.
start_rasd() {
	guest "${2:-} rasd -H linux:none -c /etc/rasd.conf -j ${1:-/var/lib/rasd/rasd.db} \
-s $SOCK >/var/rasd.log 2>&1 &" >/dev/null
	deadline=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		guest "test -S $SOCK && echo up" | grep -q '^up$' && return 0
		sleep 0.3
	done
	return 1
}

# Events for one address, as jq prints them.
events_at() {
	printf '.. | objects | select(.addr? == "%s")' "$1"
}

latencies=
note_latency() {
	# $1: host ms the monitor command went; $2: the journal's time_ms
	lat=$(($2 - OFFSET - $1))
	latencies="$latencies $lat"
}

scenario_corrected_page() {
	start=$(date +%s)
	addr=0x3456000
	t_mon=$(now_ms)
	monitor "mce 0 1 0x9c00004000010090 0x0 $addr 0x86"
	ev=$(await_json "events" "$(events_at $addr)" 20) || {
		fail "corrected memory error journaled" "no event at $addr"
		return
	}
	note_latency "$t_mon" "$(printf '%s\n' "$ev" | head -n 1 | jq .time_ms)"
	printf '%s\n' "$ev" | head -n 1 | jq -e '.bank == 1 and
		(.severity | test("corrected"; "i"))' >/dev/null || {
		fail "corrected memory error decoded" "$ev"
		return
	}
	pass "corrected memory error read from tracefs, decoded, journaled" \
		$(($(date +%s) - start))
	start=$(date +%s)
	before=$(guest "grep HardwareCorrupted /proc/meminfo" | awk '{print $2}')
	t_mon=$(now_ms)
	monitor "mce 0 1 0x9c00004000010090 0x0 $addr 0x86"
	act=$(await_json "actions" '.. | objects |
		select(.kind? == "page_offline" and .target? == "0x3456" and
		       (.state == "done" or .state == "failed"))' 20) || {
		fail "page threshold soft-offlines the page" "no action"
		return
	}
	ev=$(await_json "events" "$(events_at $addr)" 5)
	note_latency "$t_mon" "$(printf '%s\n' "$ev" | tail -n 1 | jq .time_ms)"
	after=$(guest "grep HardwareCorrupted /proc/meminfo" | awk '{print $2}')
	if printf '%s' "$act" | jq -e '.state == "done"' >/dev/null &&
		[ "${after:-0}" -gt "${before:-0}" ]; then
		pass "page 0x3456 soft-offlined past the threshold; kernel: \
HardwareCorrupted ${before} -> ${after} kB" \
			$(($(date +%s) - start))
	else
		fail "page threshold soft-offlines the page" \
			"action $act; HardwareCorrupted $before -> $after"
	fi
}

scenario_srao() {
	start=$(date +%s)
	addr=0x5678000
	t_mon=$(now_ms)
	monitor "mce -b 1 3 0xbd2000008000017a 0x5 $addr 0x86"
	ev=$(await_json "events" "$(events_at $addr)" 20) || {
		fail "SRAO recorded" "no event at $addr"
		return
	}
	note_latency "$t_mon" "$(printf '%s\n' "$ev" | head -n 1 | jq .time_ms)"
	mf=$(await_json "health --limit 50" '.. | objects |
		select(.what? == "memory_failure")' 20)
	klog=$(guest "dmesg | grep -i 'recovery action' | tail -n 1")
	if [ -n "$mf" ]; then
		pass "SRAO recorded with the kernel's memory_failure outcome: \
$(printf '%s' "$mf" | head -n 1 | jq -r '.component + ": " + .detail')" \
			$(($(date +%s) - start))
	else
		fail "SRAO memory_failure outcome" \
			"rasd has none; kernel said: ${klog:-nothing}"
	fi
}

cpu_online() {
	guest "cat /sys/devices/system/cpu/cpu$1/online 2>/dev/null || echo 1" |
		tail -n 1
}

scenario_cpu() {
	start=$(date +%s)
	for i in 1 2 3 4; do
		monitor "mce 1 0 0x9000000000000115 0x0 0x0 0x0"
		sleep 1.2
	done
	act=$(await_json "actions" '.. | objects |
		select(.kind? == "cpu_offline" and .target? == 1)' 20)
	state=$(cpu_online 1)
	if [ "$state" = 0 ] &&
		printf '%s' "$act" | jq -e '.state == "done"' >/dev/null; then
		pass "cache errors past the core threshold offline cpu 1" \
			$(($(date +%s) - start))
	else
		fail "cache errors offline cpu 1" "online=$state action=$act"
		return
	fi
	start=$(date +%s)
	for i in 1 2 3 4; do
		monitor "mce 0 0 0x9000000000000115 0x0 0x0 0x0"
		sleep 1.2
	done
	act=$(await_json "actions" '.. | objects |
		select(.kind? == "cpu_offline" and .target? == 0)' 15 | head -n 1)
	if [ -n "$(guest 'test -d /proc/1 && echo alive')" ] &&
		! printf '%s' "$act" | jq -e '.state == "done"' >/dev/null 2>&1; then
		pass "cpu 0, the last online, kept: $(printf '%s' "${act:-{\}}" |
			jq -r '(.state // "no action") + ": " + (.detail // "")')" \
			$(($(date +%s) - start))
	else
		fail "the last cpu kept" "action $act"
	fi
	# A CPU brought back by hand: rasd hears it from the kernel.
	start=$(date +%s)
	guest "echo 1 > /sys/devices/system/cpu/cpu1/online" >/dev/null
	deadline=$(($(date +%s) + 10))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		seen=$(guest "grep 'cpu 1 went online outside rasd' /var/rasd.log")
		[ -n "$seen" ] && break
		sleep 0.3
	done
	if [ -n "$seen" ]; then
		pass "cpu 1 onlined by hand is reported: ${seen#*  }" \
			$(($(date +%s) - start))
	else
		fail "cpu change outside rasd" "nothing in rasd's log"
	fi
}

# The kernel refuses: a frame past RAM (ENXIO), the zero page it cannot
# handle (EIO). Each is one failed action with the errno, never retried.
scenario_refused() {
	start=$(date +%s)
	guest "rasctl -s $SOCK page offline 0xfffffff >/dev/null 2>&1" >/dev/null
	guest "rasctl -s $SOCK page offline 0x0 >/dev/null 2>&1" >/dev/null
	sleep 3
	acts=$(rasctl_json actions)
	for want in "0xfffffff No such device or address" \
		"0x0 Input/output error"; do
		mfn=${want%% *} why=${want#* }
		n=$(printf '%s' "$acts" | jq --arg t "$mfn" '[.. | objects |
			select(.kind? == "page_offline" and .target? == $t)] |
			length')
		ok=$(printf '%s' "$acts" | jq -r --arg t "$mfn" --arg w "$why" \
			'.. | objects | select(.kind? == "page_offline" and
			.target? == $t and .state == "failed" and
			(.detail | contains($w))) | .detail')
		if [ "$n" = 1 ] && [ -n "$ok" ]; then
			pass "refused offline of $mfn: one failed action, \
'${ok#hypervisor: }'" $(($(date +%s) - start))
		else
			fail "refused offline of $mfn" "$n actions: $ok"
		fi
	done
}

# Corrected errors on fresh pages, one each, timed one by one.
scenario_latency_series() {
	for i in 1 2 3 4 5; do
		addr=$(printf '0x%x' $((0x7000000 + i * 0x10000)))
		t_mon=$(now_ms)
		monitor "mce 0 1 0x9c00004000010090 0x0 $addr 0x86"
		ev=$(await_json "events" "$(events_at "$addr")" 20) || {
			fail "latency record $i" "no event at $addr"
			continue
		}
		note_latency "$t_mon" \
			"$(printf '%s\n' "$ev" | head -n 1 | jq .time_ms)"
	done
}

# PCIe AER through QEMU's monitor: pcie_aer_inject_error on the ioh3420
# root port (q35). QEMU 7.2 (Debian 12's) sends an error message up only
# for an uncorrectable error from a function with SERR# enabled (its
# pcie_aer_msg_alldev; QEMU 8.0 added the Device Control path), and Linux
# enables SERR# forwarding on bridges, not endpoints: so the root port's
# own uncorrectable errors reach the AER driver, and an endpoint's or any
# correctable one never leaves QEMU. Corrected storms are tested on ring
# pages (test_pcie_tracefs, test_hv_linux) and the simulated host.
scenario_aer() {
	start=$(date +%s)
	monitor "pcie_aer_inject_error rp1 COMP_TIME"
	ev=$(await_json "pcie" '.events[]? | select(.source == "aer" and
		.severity == "nonfatal")' 30 | head -n 1) || {
		fail "non-fatal AER journaled" "nothing in rasctl pcie; \
kernel: $(guest 'dmesg | grep -i aer | tail -n 2')"
		return
	}
	dev=$(printf '%s\n' "$ev" | jq -r .device)
	# The host may be red already (the SRAO's hold): the AER condition.
	level=$(rasctl_json health | jq -r --arg d "$dev" '[.conditions[] |
		select(.source == "aer" and .component == $d) | .level] |
		first // "none"')
	if printf '%s\n' "$ev" | jq -e '.bits == "CmpltTO"' >/dev/null &&
		[ "$level" = yellow ]; then
		pass "non-fatal AER from the kernel's ras:aer_event: $dev \
CmpltTO, a yellow condition" $(($(date +%s) - start))
	else
		fail "non-fatal AER decoded" "$ev; condition $level"
	fi
	start=$(date +%s)
	monitor "pcie_aer_inject_error rp1 MALF_TLP 0x40000001 0xff 0xfe800000 0"
	ev=$(await_json "pcie" '.events[]? | select(.source == "aer" and
		.severity == "fatal")' 30 | head -n 1) || {
		fail "fatal AER journaled" "nothing in rasctl pcie"
		return
	}
	level=$(rasctl_json health | jq -r --arg d "$dev" '[.conditions[] |
		select(.source == "aer" and .component == $d) | .level] |
		if any(. == "red") then "red" else (first // "none") end')
	count=$(rasctl_json pcie | jq --arg d "$dev" '.devices[] |
		select(.device == $d) | .nonfatal + .fatal')
	if printf '%s\n' "$ev" | jq -e '(.bits | contains("MalfTLP")) and
		.tlp != null' >/dev/null && [ "$level" = red ] &&
		[ "$count" = 2 ]; then
		pass "fatal AER with its TLP header \
($(printf '%s\n' "$ev" | jq -r .tlp)): red, $dev counted twice" \
			$(($(date +%s) - start))
	else
		fail "fatal AER" "$ev; condition $level; count $count"
	fi
}

report_latency() {
	set -- $latencies
	[ $# -gt 0 ] || {
		echo "SKIP: kernel: latency (no records timed)"
		return
	}
	sorted=$(printf '%s\n' "$@" | sort -n | tr '\n' ' ')
	median=$(printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 }
		END { print (NR % 2) ? v[(NR + 1) / 2] : \
			int((v[NR / 2] + v[NR / 2 + 1]) / 2) }')
	echo "kernel: latency monitor command -> journal row (ms): $sorted"
	echo "kernel: median ${median} ms over $# records (clock offset \
${OFFSET} ms +/- ${CLOCK_ERR} ms; corrected errors wait for the 1 s poll)"
	pass "end-to-end latency, median ${median} ms" 0
}

# A power cut the moment an action's intent is durable: rasd stops itself
# there (RASD_CRASH_AT=intent:1:stop), QEMU is killed, the machine boots
# again on the same disk. The events and the intent must be on the disk,
# and the page offlined once, by the next rasd.
power_cut_life1() {
	addr=$1
	boot -drive "file=$OUT/disk.img,format=raw,if=virtio" ||
		return 1
	guest "mount -t ext4 /dev/vda /data && echo mounted" |
		grep -q mounted || return 1
	start_rasd /data/rasd.db RASD_CRASH_AT=intent:1:stop || return 1
	monitor "mce 0 1 0x9c00004000010090 0x0 $addr 0x86"
	sleep 1.5
	monitor "mce 0 1 0x9c00004000010090 0x0 $addr 0x86"
	deadline=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		guest "grep -q 'crash point intent:1' /var/rasd.log && echo cut" |
			grep -q cut && break
		sleep 0.3
	done
	[ "$(date +%s)" -lt "$deadline" ] || return 1
	# The power cut: no shutdown, no sync, the machine is gone.
	kill -9 "$qemu_pid"
	wait "$qemu_pid" 2>/dev/null
	qemu_pid=
	exec 3>&-
}

scenario_power_cut() {
	run=$1 start=$(date +%s)
	addr=$(printf '0x%x' $((0x6000000 + run * 0x100000)))
	mfn=$(printf '0x%x' $((addr >> 12)))
	rm -f "$OUT/disk.img"
	truncate -s 64M "$OUT/disk.img" &&
		mkfs.ext4 -q -F "$OUT/disk.img" >/dev/null 2>&1 || {
		fail "power cut $run" "cannot make the disk image"
		return
	}
	power_cut_life1 "$addr" || {
		fail "power cut $run" "rasd never reached its intent; see $CONSOLE"
		cleanup
		qemu_pid=
		return
	}
	boot -drive "file=$OUT/disk.img,format=raw,if=virtio" &&
		guest "mount -t ext4 /dev/vda /data && echo mounted" |
		grep -q mounted && start_rasd /data/rasd.db || {
		fail "power cut $run" "no second boot with the disk; see $CONSOLE"
		cleanup
		qemu_pid=
		return
	}
	act=$(await_json "actions" '[.. | objects |
		select(.kind? == "page_offline" and .target? == "'"$mfn"'")] |
		select(length > 0 and all(.state == "done"))' 30)
	evs=$(rasctl_json "events" | jq "[$(events_at "$addr")] | length")
	hw=$(guest "grep HardwareCorrupted /proc/meminfo" | awk '{print $2}')
	cleanup
	qemu_pid=
	if [ "$(printf '%s' "$act" | jq length)" = 1 ] && [ "$evs" = 2 ] &&
		[ "${hw:-0}" -gt 0 ]; then
		pass "power cut $run at the intent of page $mfn's offline: both \
events and the intent survived, the page offlined once after the \
reboot (HardwareCorrupted ${hw} kB)" $(($(date +%s) - start))
	else
		fail "power cut $run" "actions $act, events $evs, \
HardwareCorrupted ${hw:-?}"
	fi
}

main() {
	check_tools
	mkdir -p "$OUT"
	t0=$(date +%s)
	build_initramfs
	# q35 and a PCIe root port with AER, for pcie_aer_inject_error.
	boot -M q35 \
		-device ioh3420,id=rp1,chassis=1,slot=1,bus=pcie.0,hotplug=off || {
		fail "boot" "no shell within 60 s; see $CONSOLE"
		cleanup
		exit 1
	}
	echo "kernel: booted $(basename "$KERNEL") in $(($(date +%s) - t0))s"
	start_rasd || {
		fail "rasd starts" "$(guest 'cat /var/rasd.log' | tail -n 5)"
		cleanup
		exit 1
	}
	clock_offset
	scenario_corrected_page
	scenario_srao
	scenario_cpu
	scenario_refused
	scenario_latency_series
	report_latency
	scenario_aer
	guest "cat /var/rasd.log" >"$OUT/rasd.log"
	cleanup
	qemu_pid=
	i=1
	while [ "$i" -le "${POWER_CUT_RUNS:-3}" ]; do
		scenario_power_cut "$i"
		i=$((i + 1))
	done
	trap - EXIT INT TERM
	exit $failed
}

main

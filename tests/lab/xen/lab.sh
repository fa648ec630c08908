# lab.sh - the Xen lab's driver, sourced by run.sh: boots Xen and dom0
# under QEMU TCG, runs commands on dom0's console, talks to QEMU's monitor.
#
# lab_boot WORKDIR DOM0_INITRD   boot; returns once dom0's shell is up
# lab_run TIMEOUT CMD...         run CMD in dom0; output in $LAB_OUT,
#                                exit status in $LAB_RC (124: timed out)
# lab_monitor CMD                one QEMU monitor command, its answer on stdout
# lab_stop                       power off and reap QEMU
#
# Commands go in through a FIFO on QEMU's stdin (the serial port Xen hands
# to dom0's hvc0); each ends with a marker echo whose text differs from the
# echoed command ("@@""END"), so the echo cannot be taken for the end.

LAB_SEQ=0
LAB_PID=
LAB_DIR=

lab_log_size() {
	wc -c <"$LAB_DIR/console.log" | tr -d ' '
}

# Wait until PATTERN shows in the console log past byte OFFSET.
lab_wait_for() {
	pattern=$1 offset=$2 timeout=$3
	deadline=$(($(date +%s) + timeout))
	while [ "$(date +%s)" -lt "$deadline" ]; do
		if tail -c +"$((offset + 1))" "$LAB_DIR/console.log" |
		    grep -q -- "$pattern"; then
			return 0
		fi
		if ! kill -0 "$LAB_PID" 2>/dev/null; then
			echo "lab: QEMU exited" >&2
			return 1
		fi
		sleep 0.2
	done
	return 1
}

lab_boot() {
	LAB_DIR=$1
	initrd=$2
	kver=$(ls /lib/modules | sort -V | tail -1)
	zcat "${LAB_XEN_GZ:-/boot/xen-4.17-amd64.gz}" >"$LAB_DIR/xen"
	rm -f "$LAB_DIR/in" "$LAB_DIR/mon"
	mkfifo "$LAB_DIR/in"
	: >"$LAB_DIR/console.log"
	qemu-system-x86_64 -accel tcg -cpu Haswell-noTSX -smp 2 -m 1024 \
	    -display none -serial stdio -no-reboot \
	    -monitor unix:"$LAB_DIR/mon",server,nowait \
	    -kernel "$LAB_DIR/xen" \
	    -append "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all mce_verbosity=verbose ${LAB_XEN_ARGS:-}" \
	    -initrd "/boot/vmlinuz-$kver console=hvc0 quiet loglevel=0,$initrd" \
	    <"$LAB_DIR/in" >"$LAB_DIR/console.log" 2>&1 &
	LAB_PID=$!
	exec 7>"$LAB_DIR/in"
	if ! lab_wait_for "LAB-READY" 0 120; then
		echo "lab: dom0 did not come up; last console lines:" >&2
		tail -20 "$LAB_DIR/console.log" >&2
		return 1
	fi
	sleep 1
}

# Type a line in pieces: Xen holds at most 128 bytes of console input
# for dom0 and drops the rest when dom0 is slow to take them (under TCG,
# often), which leaves the shell at a "> " prompt.
lab_type() {
	rest=$1
	while [ -n "$rest" ]; do
		printf '%s' "$(printf '%s' "$rest" | cut -c1-48)" >&7
		rest=$(printf '%s' "$rest" | cut -c49-)
		sleep 0.05
	done
	printf '\n' >&7
}

lab_run() {
	timeout=$1
	shift
	LAB_SEQ=$((LAB_SEQ + 1))
	offset=$(lab_log_size)
	lab_type "$(printf '{ %s ; } 2>&1; echo "@@""END %s $?@@"' "$*" \
	    "$LAB_SEQ")"
	if ! lab_wait_for "^@@END $LAB_SEQ [0-9]*@@" "$offset" "$timeout"; then
		LAB_OUT=$(tail -c +"$((offset + 1))" "$LAB_DIR/console.log" |
		    tr -d '\r' | grep -v '^(XEN)')
		LAB_RC=124
		return 124
	fi
	text=$(tail -c +"$((offset + 1))" "$LAB_DIR/console.log" | tr -d '\r')
	LAB_RC=$(printf '%s\n' "$text" | sed -n "s/^@@END $LAB_SEQ \([0-9]*\)@@.*/\1/p" |
	    head -1)
	LAB_OUT=$(printf '%s\n' "$text" | sed "/^@@END $LAB_SEQ /,\$d" |
	    grep -v '^(XEN)' | grep -v '^{ .* ; } 2>&1; echo')
	return 0
}

lab_monitor() {
	printf '%s\n' "$1" | socat -t 2 - UNIX-CONNECT:"$LAB_DIR/mon" |
	    tr -d '\r' | grep -v '^QEMU\|^(qemu)'
}

lab_stop() {
	[ -n "$LAB_PID" ] || return 0
	lab_monitor quit >/dev/null 2>&1 || true
	sleep 1
	kill "$LAB_PID" 2>/dev/null || true
	wait "$LAB_PID" 2>/dev/null || true
	exec 7>&-
	LAB_PID=
}

# lab.sh - the Xen lab's driver, sourced by run.sh: boots Xen and dom0
# under QEMU TCG (one host or two joined by a link), runs commands on a
# dom0's console, talks to QEMU's monitor.
#
# lab_select NAME                which host the calls below act on ("a"
#                                unless told; each keeps its own state)
# lab_boot WORKDIR DOM0_INITRD [QEMU ARGS...]
#                                boot; returns once dom0's shell is up
# lab_run TIMEOUT CMD...         run CMD in dom0; output in $LAB_OUT,
#                                exit status in $LAB_RC (124: timed out)
# lab_monitor CMD                one QEMU monitor command, its answer on stdout
# lab_stop                       power off and reap QEMU
#
# Commands go in through a FIFO on QEMU's stdin (the serial port Xen hands
# to dom0's hvc0); each ends with a marker echo whose text differs from the
# echoed command ("@@""END"), so the echo cannot be taken for the end.
# Console lines starting "GT " are a guest's counter relayed by dom0
# (labh relay): they are stamped with this machine's clock into
# WORKDIR/ticks as they arrive, the one clock both hosts' guests are
# measured by, and kept out of $LAB_OUT.

LAB_HOST=
LAB_SEQ=0
LAB_PID=
LAB_DIR=
LAB_FD=7
LAB_TEE=

# Keep the current host's state under its name, load NAME's.
lab_select() {
	if [ -n "$LAB_HOST" ]; then
		eval "LAB_SEQ_$LAB_HOST=\$LAB_SEQ LAB_PID_$LAB_HOST=\$LAB_PID"
		eval "LAB_DIR_$LAB_HOST=\$LAB_DIR LAB_FD_$LAB_HOST=\$LAB_FD"
		eval "LAB_TEE_$LAB_HOST=\$LAB_TEE"
	fi
	LAB_HOST=$1
	eval "LAB_SEQ=\${LAB_SEQ_$1:-0} LAB_PID=\${LAB_PID_$1:-}"
	eval "LAB_DIR=\${LAB_DIR_$1:-} LAB_FD=\${LAB_FD_$1:-}"
	eval "LAB_TEE=\${LAB_TEE_$1:-}"
	if [ -z "$LAB_FD" ]; then
		case $1 in
		a) LAB_FD=7 ;;
		*) LAB_FD=8 ;;
		esac
	fi
}
lab_select a

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

# The console as it arrives: every line to console.log, relayed guest
# ticks also to ticks with the time they came ("SECONDS.MS HOST LINE").
lab_console_tee() {
	perl -MTime::HiRes=time -e '
		my ($log, $ticks, $host) = @ARGV;
		open(my $l, ">>", $log) or die "$log: $!";
		open(my $t, ">>", $ticks) or die "$ticks: $!";
		$l->autoflush(1); $t->autoflush(1);
		while (my $line = <STDIN>) {
			print $l $line;
			# the serial line ends "\r\r\r\n": \r before \n
			printf $t "%.3f %s %s\n", time, $host, $1
			    if $line =~ /GT (GUEST-TICK \d+)\r*\n/;
		}' "$LAB_DIR/console.log" "$LAB_DIR/ticks" "$LAB_HOST"
}

lab_boot() {
	LAB_DIR=$1
	initrd=$2
	shift 2
	kver=$(ls /lib/modules | sort -V | tail -1)
	zcat "${LAB_XEN_GZ:-/boot/xen-4.17-amd64.gz}" >"$LAB_DIR/xen"
	rm -f "$LAB_DIR/in" "$LAB_DIR/mon"
	mkfifo "$LAB_DIR/in"
	: >"$LAB_DIR/console.log"
	: >"$LAB_DIR/ticks"
	qemu-system-x86_64 -accel tcg -cpu Haswell-noTSX -smp "${LAB_SMP:-2}" \
	    -m 1024 -display none -serial stdio -no-reboot \
	    -monitor unix:"$LAB_DIR/mon",server,nowait \
	    -kernel "$LAB_DIR/xen" \
	    -append "console=com1 com1=115200 dom0_mem=512M loglvl=all guest_loglvl=all mce_verbosity=verbose ${LAB_XEN_ARGS:-}" \
	    -initrd "/boot/vmlinuz-$kver console=hvc0 quiet loglevel=0 ${LAB_DOM0_ARGS:-},$initrd" \
	    "$@" <"$LAB_DIR/in" 2>&1 | lab_console_tee &
	LAB_TEE=$!
	# opens once QEMU's side has: QEMU runs from then on
	eval "exec $LAB_FD>\"\$LAB_DIR/in\""
	# the pipeline's QEMU, by its monitor socket (only ours has that path)
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		LAB_PID=$(pgrep -n -f "monitor unix:$LAB_DIR/mon")
		[ -n "$LAB_PID" ] && break
		sleep 0.2
	done
	if ! lab_wait_for "LAB-READY" 0 120; then
		echo "lab: dom0 did not come up; last console lines:" >&2
		tail -20 "$LAB_DIR/console.log" >&2
		return 1
	fi
	sleep 1
}

lab_write() {
	eval "printf '%s' \"\$1\" >&$LAB_FD"
}

# Type a line in pieces: Xen holds at most 128 bytes of console input
# for dom0 and drops the rest when dom0 is slow to take them (under TCG,
# often), which leaves the shell at a "> " prompt.
lab_type() {
	rest=$1
	while [ -n "$rest" ]; do
		lab_write "$(printf '%s' "$rest" | cut -c1-48)"
		rest=$(printf '%s' "$rest" | cut -c49-)
		sleep 0.05
	done
	lab_write '
'
}

# The relayed ticks out of a command's output (they land mid-line too).
lab_untick() {
	sed 's/GT GUEST-TICK [0-9]*//g' | grep -v '^$'
}

lab_run() {
	timeout=$1
	shift
	# a host whose QEMU has gone (dom0 crashed: -no-reboot) would
	# kill this shell with SIGPIPE on the FIFO's write
	if ! kill -0 "$LAB_PID" 2>/dev/null; then
		LAB_OUT="lab: QEMU of host $LAB_HOST exited: $(tail -2 "$LAB_DIR/console.log" | tr -d '\r' | tr '\n' ' ')"
		LAB_RC=124
		return 124
	fi
	LAB_SEQ=$((LAB_SEQ + 1))
	offset=$(lab_log_size)
	lab_type "$(printf '{ %s ; } 2>&1; echo "@@""END %s $?@@"' "$*" \
	    "$LAB_SEQ")"
	if ! lab_wait_for "^@@END $LAB_SEQ [0-9]*@@" "$offset" "$timeout"; then
		LAB_OUT=$(tail -c +"$((offset + 1))" "$LAB_DIR/console.log" |
		    tr -d '\r' | grep -v '^(XEN)' | lab_untick)
		LAB_RC=124
		return 124
	fi
	text=$(tail -c +"$((offset + 1))" "$LAB_DIR/console.log" | tr -d '\r' |
	    lab_untick)
	LAB_RC=$(printf '%s\n' "$text" | sed -n "s/^@@END $LAB_SEQ \([0-9]*\)@@.*/\1/p" |
	    head -1)
	# The shell's prompt may lead the first line of output (no echo of
	# the command when the console is busy): it is not output.
	LAB_OUT=$(printf '%s\n' "$text" | sed "/^@@END $LAB_SEQ /,\$d" |
	    sed 's|^\(/ # \)*||' | grep -v '^(XEN)' |
	    grep -v '^{ .* ; } 2>&1; echo')
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
	wait "$LAB_TEE" 2>/dev/null || true
	eval "exec $LAB_FD>&-"
	LAB_PID=
}

#!/bin/sh
# test_rasd_syslog.sh - rasd itself to a real syslog-ng: every event,
# verdict and action arrives as RFC 5424 with its MSGID and fields parsed,
# over TCP (octet counting) and over a local datagram socket.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"
SYSLOG_NG=$(command -v syslog-ng || echo /usr/sbin/syslog-ng)
SNG_PID=

if [ ! -x "$SYSLOG_NG" ]; then
	echo "SKIP: rasd syslog (syslog-ng not installed: apt-get install syslog-ng-core)"
	exit 0
fi
stop_syslog_ng() {
	[ -n "$SNG_PID" ] && kill "$SNG_PID" 2>/dev/null && wait "$SNG_PID" 2>/dev/null
	SNG_PID=
}
trap 'stop_syslog_ng; cleanup' EXIT

# wait_line FILE PATTERN: up to 10 s for syslog-ng to write it.
wait_line() {
	n=0
	while ! grep -q -- "$2" "$1" 2>/dev/null && [ $n -lt 200 ]; do
		sleep 0.05
		n=$((n + 1))
	done
}
listening() { grep -qi ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp; }
PORT=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
while listening "$PORT"; do PORT=$((PORT + 1)); done

SD='${.SDATA.rasd@32473'
TEMPLATE="MSGID=\$MSGID\tLEVEL=\$LEVEL\tPROGRAM=\$PROGRAM\tdimm=$SD.dimm}\
\tpage=$SD.page}\tdomain=$SD.domain}\tpeer=$SD.peer}\tstate=$SD.state}\
\tcount=$SD.count}\tthreshold=$SD.threshold}\tMSG=\$MSG\n"
cat >"$WORK/sng.conf" <<EOF2
@version: 3.38
options { keep-hostname(yes); use-dns(no); stats_freq(0); flush-lines(0); };
source s_tcp { network(ip("127.0.0.1") port($PORT) transport("framed")
	flags(syslog-protocol)); };
source s_unix { unix-dgram("$WORK/log" flags(syslog-protocol)); };
destination d_tcp { file("$WORK/sng-tcp.txt" template("$TEMPLATE") template-escape(no)); };
destination d_unix { file("$WORK/sng-unix.txt" template("$TEMPLATE") template-escape(no)); };
log { source(s_tcp); destination(d_tcp); };
log { source(s_unix); destination(d_unix); };
EOF2
"$SYSLOG_NG" -F --no-caps -f "$WORK/sng.conf" -p "$WORK/sng.pid" \
	-R "$WORK/sng.persist" -c "$WORK/sng.ctl" >"$WORK/sng.log" 2>&1 &
SNG_PID=$!
i=0
while ! { listening "$PORT" && [ -S "$WORK/log" ]; } && [ $i -lt 200 ]; do
	sleep 0.05; i=$((i + 1))
done
check "syslog-ng listens on 127.0.0.1:$PORT and $WORK/log" listening "$PORT"

cp "$P/test.conf" "$WORK/tcp.conf"
printf '\n[syslog]\ntransport = tcp\nserver = 127.0.0.1:%s\nstorm_limit = 0\n' "$PORT" >>"$WORK/tcp.conf"
run_sim tcp "$S/dimm.scn" "$WORK/tcp.conf"
expect_eq "tcp: rasd exit status" $? 0
wait_line "$WORK/sng-tcp.txt" 'rasd stopping'
count() { grep -c "^MSGID=$2	" "$1"; }
expect_eq "tcp: one MEMCE per corrected memory error" "$(count "$WORK/sng-tcp.txt" MEMCE)" 6
expect_eq "tcp: one DIMMFAIL" "$(count "$WORK/sng-tcp.txt" DIMMFAIL)" 1
check "tcp: DIMMFAIL carries the DIMM and the threshold parsed" \
	grep -q "^MSGID=DIMMFAIL	LEVEL=crit	PROGRAM=rasd	dimm=DIMM_B	.*count=3	threshold=3	" "$WORK/sng-tcp.txt"
expect_eq "tcp: one EVAC per guest moved" "$(count "$WORK/sng-tcp.txt" EVAC)" 2
check "tcp: EVAC names the guest and the peer" \
	grep -q "^MSGID=EVAC	.*domain=1	peer=pa	state=done	" "$WORK/sng-tcp.txt"
check "tcp: MEMCE carries the page" \
	grep -q "^MSGID=MEMCE	LEVEL=notice	.*dimm=DIMM_B	page=0x40010	" "$WORK/sng-tcp.txt"
check "tcp: rasd says it started and stopped" \
	sh -c "grep -q '^MSGID=RASD.*started' '$WORK/sng-tcp.txt' && grep -q '^MSGID=RASD.*stopping' '$WORK/sng-tcp.txt'"

# The page rule over the local socket, and the storm limiter folding.
cp "$P/test.conf" "$WORK/unix.conf"
printf '\n[syslog]\ntransport = local\nsocket = %s\nstorm_limit = 2\nstorm_window = 1h\n' "$WORK/log" >>"$WORK/unix.conf"
run_sim unix "$S/page.scn" "$WORK/unix.conf"
expect_eq "local: rasd exit status" $? 0
wait_line "$WORK/sng-unix.txt" 'rasd stopping'
check "local: PAGEOFF with the page and its state" \
	grep -q "^MSGID=PAGEOFF	.*page=0x40001	.*state=done	" "$WORK/sng-unix.txt"
expect_eq "local: MEMCE limited to 2 in the window" "$(count "$WORK/sng-unix.txt" MEMCE)" 2

# A collector that is down: rasd keeps running, queues, counts, says why.
DOWN=$((PORT + 1))
while listening "$DOWN"; do DOWN=$((DOWN + 1)); done
cp "$P/test.conf" "$WORK/down.conf"
printf '\n[syslog]\ntransport = tcp\nserver = 127.0.0.1:%s\n' "$DOWN" >>"$WORK/down.conf"
start_rasd down "$S/idle.scn" "$WORK/down.conf"
inject_mem_ce 0x40001000
wait_events 1
st=$("$RASCTL" -s "$SOCK" --json status)
check "collector down: rasd still answers and journals" \
	sh -c "echo '$st' | jq -e '.summary.events == 1' >/dev/null"
check "collector down: messages wait in the queue" \
	sh -c "echo '$st' | jq -e '.syslog.queued >= 2 and .syslog.connected == false' >/dev/null"
check "collector down: status says why" \
	sh -c "echo '$st' | jq -e '.syslog.last_error | test(\"127.0.0.1:$DOWN\")' >/dev/null"
check "collector down: rasctl status shows it" \
	sh -c "'$RASCTL' -s '$SOCK' status | grep -q 'syslog: *tcp, .* queued.*not connected'"
stop_rasd
exit 0

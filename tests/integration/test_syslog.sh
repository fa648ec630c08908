#!/bin/sh
# test_syslog.sh - the syslog publisher against a real syslog-ng: fields arrive
# parsed over the local socket, TCP and TLS; storms; reconnects; a wrong CA.
. "$(dirname "$0")/lib.sh"
SEND="$BUILD_DIR/tools/syslog_send"
SYSLOG_NG=$(command -v syslog-ng || echo /usr/sbin/syslog-ng)
SNG_PID=
DRV_PID=
T_START=$(date +%s)

if [ ! -x "$SYSLOG_NG" ]; then
	echo "SKIP: syslog (syslog-ng not installed: apt-get install syslog-ng-core)"
	exit 0
fi
if [ ! -x "$SEND" ]; then
	echo "SKIP: syslog ($SEND not built: make $SEND)"
	exit 0
fi

stop_syslog_ng() {
	if [ -n "$SNG_PID" ]; then
		kill "$SNG_PID" 2>/dev/null
		wait "$SNG_PID" 2>/dev/null
	fi
	SNG_PID=
}
stop_driver() {
	if [ -n "$DRV_PID" ]; then
		kill "$DRV_PID" 2>/dev/null
		wait "$DRV_PID" 2>/dev/null
	fi
	DRV_PID=
}
trap 'stop_driver; stop_syslog_ng; cleanup' EXIT

# listening PORT: true if something listens on 127.0.0.1:PORT (state 0A).
listening() {
	grep -qi ":$(printf '%04X' "$1") 00000000:0000 0A" /proc/net/tcp
}

free_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		listening "$p" || break
	done
	echo "$p"
}

# wait_for FILE PATTERN [COUNT]: up to 10 s for COUNT lines matching.
wait_for() {
	n=0
	while [ "$n" -lt 200 ]; do
		c=$(grep -c -- "$2" "$1" 2>/dev/null)
		[ "${c:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

# field FILE PATTERN NAME: the NAME value on the first line with PATTERN.
field() {
	grep -F -- "$2" "$1" | head -1 | tr '\t' '\n' | sed -n "s/^$3=//p"
}

# The n-th "stats" line the driver printed.
stats_line() {
	grep '^stats ' "$1" | sed -n "${2}p"
}

TCP_PORT=$(free_port)
TLS_PORT=$(free_port)
while [ "$TLS_PORT" = "$TCP_PORT" ]; do TLS_PORT=$(free_port); done

# A throwaway CA, a collector certificate for 127.0.0.1 and collector.test,
# and a second CA that signed nothing of ours.
cd "$WORK" || exit 1
mkcert_ok=1
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=rasd test CA" &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
		-keyout srv.key -out srv.csr -subj "/CN=collector.test" &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:collector.test\n' >srv.ext &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key \
		-CAcreateserial -out srv.pem -days 2 -extfile srv.ext &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
		-nodes -keyout other.key -out other-ca.pem -days 2 \
		-subj "/CN=some other CA"
} >openssl.log 2>&1 || mkcert_ok=0
cd "$ROOT" || exit 1

# One line per message, tab-separated NAME=value, from the parsed fields.
# network(transport("tcp")) in syslog-ng splits on newlines; RFC 6587
# octet counting is its "framed" transport, which syslog() uses for TLS.
SD='${.SDATA.rasd@32473'
TEMPLATE="MSGID=\$MSGID\tPROGRAM=\$PROGRAM\tPID=\$PID\tHOST=\$HOST\
\tLEVEL=\$LEVEL\tFACILITY=\$FACILITY\tDATE=\${S_ISODATE}\
\tdimm=$SD.dimm}\tsocket=$SD.socket}\tchannel=$SD.channel}\
\taddr=$SD.addr}\tpage=$SD.page}\tdomain=$SD.domain}\tpeer=$SD.peer}\
\tmsgid=$SD.msgid}\tcount=$SD.count}\tMSG=\$MSG\n"
cat >"$WORK/sng.conf" <<EOF
@version: 3.38
options { keep-hostname(yes); use-dns(no); stats_freq(0);
	frac-digits(3); send-time-zone("+00:00"); flush-lines(0); };
source s_tcp { network(ip("127.0.0.1") port($TCP_PORT)
	transport("framed") flags(syslog-protocol)); };
source s_unix { unix-dgram("$WORK/log" flags(syslog-protocol)); };
destination d_tcp { file("$WORK/tcp.out" template("$TEMPLATE")
	template-escape(no)); };
destination d_unix { file("$WORK/unix.out" template("$TEMPLATE")
	template-escape(no)); };
log { source(s_tcp); destination(d_tcp); };
log { source(s_unix); destination(d_unix); };
EOF
if [ "$mkcert_ok" -eq 1 ]; then
	cat >>"$WORK/sng.conf" <<EOF
source s_tls { syslog(ip("127.0.0.1") port($TLS_PORT) transport("tls")
	tls(key-file("$WORK/srv.key") cert-file("$WORK/srv.pem")
	peer-verify(optional-untrusted))); };
destination d_tls { file("$WORK/tls.out" template("$TEMPLATE")
	template-escape(no)); };
log { source(s_tls); destination(d_tls); };
EOF
fi

# fd 3 is closed for syslog-ng: the restart test's driver must see EOF.
start_syslog_ng() {
	"$SYSLOG_NG" -F --no-caps -f "$WORK/sng.conf" -p "$WORK/sng.pid" \
		-R "$WORK/sng.persist" -c "$WORK/sng.ctl" >>"$WORK/sng.log" 2>&1 3>&- &
	SNG_PID=$!
	n=0
	while [ "$n" -lt 200 ]; do
		if listening "$TCP_PORT" && [ -S "$WORK/log" ] &&
			{ [ "$mkcert_ok" -eq 0 ] || listening "$TLS_PORT"; }; then
			return 0
		fi
		kill -0 "$SNG_PID" 2>/dev/null || break
		sleep 0.05
		n=$((n + 1))
	done
	return 1
}

if ! start_syslog_ng; then
	fail "syslog-ng starts (see $WORK/sng.log)"
	cat "$WORK/sng.log"
	exit 1
fi
pass "syslog-ng started on 127.0.0.1:$TCP_PORT and $WORK/log"

# --- TCP: every field arrives parsed, escapes undone, time to the ms.
"$SEND" -t tcp -a "127.0.0.1:$TCP_PORT" -T 1700000000123 >"$WORK/tcp.drv" <<'EOF'
send MEMCE warning dimm=DIMM_B socket=0 channel=1 addr=0x40001000 -- corrected memory error on DIMM_B
send EVACFAIL err domain=3 peer=a"b\c]d -- migration of g3 to peer pa failed
flush 3000
EOF
wait_for "$WORK/tcp.out" 'MSGID=EVACFAIL' || fail "tcp: messages arrive"
F="$WORK/tcp.out"
expect_eq "tcp: MSGID parsed" "$(field "$F" DIMM_B MSGID)" MEMCE
expect_eq "tcp: APP-NAME parsed" "$(field "$F" DIMM_B PROGRAM)" rasd
expect_eq "tcp: HOSTNAME parsed" "$(field "$F" DIMM_B HOST)" rasd-test-host
expect_eq "tcp: severity warning" "$(field "$F" DIMM_B LEVEL)" warning
expect_eq "tcp: facility daemon" "$(field "$F" DIMM_B FACILITY)" daemon
expect_eq "tcp: timestamp with milliseconds" "$(field "$F" DIMM_B DATE)" \
	2023-11-14T22:13:20.123+00:00
expect_eq "tcp: SD dimm" "$(field "$F" DIMM_B dimm)" DIMM_B
expect_eq "tcp: SD socket" "$(field "$F" DIMM_B socket)" 0
expect_eq "tcp: SD channel" "$(field "$F" DIMM_B channel)" 1
expect_eq "tcp: SD addr" "$(field "$F" DIMM_B addr)" 0x40001000
expect_eq "tcp: MSG" "$(field "$F" DIMM_B MSG)" "corrected memory error on DIMM_B"
expect_eq "tcp: severity err" "$(field "$F" EVACFAIL LEVEL)" err
check "tcp: escaped SD value comes back whole (a\"b\\\\c]d)" \
	test "$(field "$F" EVACFAIL peer)" = 'a"b\c]d'
expect_eq "tcp: SD domain" "$(field "$F" EVACFAIL domain)" 3

# --- Local socket: RFC 5424 datagrams keep their structured data.
printf 'send PAGEOFF notice page=0x40001 domain=1 -- page 0x40001 offlined\nsend SENSOR warning -- CPU0 at 95\302\260C\nflush 3000\n' |
	"$SEND" -t local -a "$WORK/log" >"$WORK/unix.drv"
wait_for "$WORK/unix.out" 'MSGID=SENSOR' || fail "local: messages arrive"
F="$WORK/unix.out"
expect_eq "local: MSGID parsed" "$(field "$F" PAGEOFF MSGID)" PAGEOFF
expect_eq "local: severity notice" "$(field "$F" PAGEOFF LEVEL)" notice
expect_eq "local: SD page" "$(field "$F" PAGEOFF page)" 0x40001
expect_eq "local: SD domain" "$(field "$F" PAGEOFF domain)" 1
expect_eq "local: UTF-8 text arrives, BOM taken off by the receiver" \
	"$(field "$F" MSGID=SENSOR MSG)" "$(printf 'CPU0 at 95\302\260C')"

# --- Storm: 3 per second pass, the other 7 are folded into one summary.
{
	i=0
	while [ $i -lt 10 ]; do
		echo "send MEMCE warning dimm=DIMM_S -- storm $i"
		i=$((i + 1))
	done
	echo "run 1300"
	echo "flush 3000"
} | "$SEND" -t tcp -a "127.0.0.1:$TCP_PORT" -s 3 -w 1000 >"$WORK/storm.drv"
wait_for "$WORK/tcp.out" 'MSGID=STORM' || fail "storm: summary arrives"
F="$WORK/tcp.out"
expect_eq "storm: 3 messages passed" "$(grep -c 'dimm=DIMM_S' "$F")" 3
expect_eq "storm: driver counted 7 folded" \
	"$(stats_line "$WORK/storm.drv" 2 | grep -o 'folded=[0-9]*')" folded=7
expect_eq "storm: summary SD msgid" "$(field "$F" MSGID=STORM msgid)" MEMCE
expect_eq "storm: summary SD count" "$(field "$F" MSGID=STORM count)" 7
expect_eq "storm: summary text" "$(field "$F" MSGID=STORM MSG)" \
	"7 MEMCE messages folded in the last 1s"
expect_eq "storm: summary severity" "$(field "$F" MSGID=STORM LEVEL)" warning

# --- Restart: messages sent while syslog-ng is down wait and arrive after.
mkfifo "$WORK/cmd"
"$SEND" -t tcp -a "127.0.0.1:$TCP_PORT" -r 200 <"$WORK/cmd" >"$WORK/re.drv" &
DRV_PID=$!
exec 3>"$WORK/cmd"
printf 'send RASD info -- before restart\nflush 3000\n' >&3
wait_for "$WORK/re.drv" '^stats ' 1
wait_for "$WORK/tcp.out" 'MSG=before restart' ||
	fail "restart: first message arrives"
stop_syslog_ng
printf 'send RASD info -- while down one\nsend RASD info -- while down two\nflush 500\n' >&3
wait_for "$WORK/re.drv" '^stats ' 2
check "restart: both held in the queue while down" \
	sh -c "grep '^stats ' '$WORK/re.drv' | sed -n 2p | grep -q 'queued=2'"
check "restart: the error says why" \
	sh -c "grep '^stats ' '$WORK/re.drv' | sed -n 2p | grep -Eq 'error=tcp 127.0.0.1:$TCP_PORT: .*(refused|closed)'"
if start_syslog_ng; then
	pass "restart: syslog-ng started again"
else
	fail "restart: syslog-ng starts again"
fi
printf 'flush 5000\n' >&3
wait_for "$WORK/re.drv" '^stats ' 3
exec 3>&-
wait "$DRV_PID"
DRV_PID=
check "restart: queue written after reconnecting" \
	sh -c "grep '^stats ' '$WORK/re.drv' | sed -n 3p | grep -q 'sent=3 queued=0'"
wait_for "$WORK/tcp.out" 'MSG=while down two' ||
	fail "restart: queued messages arrive"
expect_eq "restart: both queued messages arrived once, in order" \
	"$(grep -o 'MSG=while down.*' "$WORK/tcp.out" | tr '\n' ,)" \
	"MSG=while down one,MSG=while down two,"

# --- TLS: verified against the CA and the name; a wrong CA is refused.
if [ "$mkcert_ok" -eq 0 ]; then
	echo "SKIP: tls (openssl could not make test certificates: $WORK/openssl.log)"
else
	printf 'send EVAC notice domain=5 peer=pb -- g5 evacuated to pb\nflush 3000\n' |
		"$SEND" -t tls -a "127.0.0.1:$TLS_PORT" -C "$WORK/ca.pem" >"$WORK/tls.drv"
	wait_for "$WORK/tls.out" 'MSGID=EVAC' || fail "tls: message arrives"
	expect_eq "tls: MSGID parsed" "$(field "$WORK/tls.out" 'g5 evacuated' MSGID)" EVAC
	expect_eq "tls: SD peer" "$(field "$WORK/tls.out" 'g5 evacuated' peer)" pb
	check "tls: driver saw it sent" grep -q 'sent=1 queued=0' "$WORK/tls.drv"

	printf 'send EVAC notice -- by name\nflush 3000\n' |
		"$SEND" -t tls -a "127.0.0.1:$TLS_PORT" -C "$WORK/ca.pem" \
			-N collector.test >"$WORK/tls-name.drv"
	wait_for "$WORK/tls.out" 'MSG=by name' ||
		fail "tls: verified by DNS name (collector.test)"
	check "tls: verified by DNS name (collector.test)" \
		grep -q 'sent=1 queued=0' "$WORK/tls-name.drv"

	printf 'send EVAC notice -- must not arrive\nflush 500\n' |
		"$SEND" -t tls -a "127.0.0.1:$TLS_PORT" -C "$WORK/other-ca.pem" \
			>"$WORK/tls-bad.drv"
	check "tls: wrong CA refused, message kept queued" \
		grep -q 'sent=0 queued=1' "$WORK/tls-bad.drv"
	check "tls: wrong CA gives a clear error" \
		grep -q "error=tls 127.0.0.1:$TLS_PORT: server certificate refused: " \
		"$WORK/tls-bad.drv"
	printf 'send EVAC notice -- must not arrive either\nflush 500\n' |
		"$SEND" -t tls -a "127.0.0.1:$TLS_PORT" -C "$WORK/ca.pem" \
			-N other.test >"$WORK/tls-name-bad.drv"
	check "tls: wrong name refused (hostname mismatch)" \
		grep -q 'server certificate refused: hostname mismatch' \
		"$WORK/tls-name-bad.drv"
	expect_eq "tls: refused messages never reached syslog-ng" \
		"$(grep -c 'must not arrive' "$WORK/tls.out")" 0
fi

echo "syslog integration took $(($(date +%s) - T_START))s"
[ "$FAILED" -eq 0 ]

#!/bin/sh
# demo.sh - the failing-DIMM scenario end to end on the simulated Xen host
# at 3600x: rasd with a real syslog-ng, snmpd, snmptrapd and rasd-snmp on
# loopback (temp sockets and free ports under build/demo), then where to look.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
case "$BUILD" in /*) BIN="$BUILD" ;; *) BIN="$ROOT/$BUILD" ;; esac
OUT=${RASD_DEMO_OUT:-$BIN/demo}
SCENARIO="$ROOT/hypervisor/sim/scenarios/failing-dimm.scn"
POLICY="$ROOT/policies/demo.conf"
SPEED=${RASD_DEMO_SPEED:-3600}
SNG_PID= SNMPD_PID= TRAPD_PID= AGENT_PID= RASD_PID=

stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
stop_all() {
	stop_pid "$AGENT_PID"
	stop_pid "$SNMPD_PID"
	stop_pid "$TRAPD_PID"
	stop_pid "$SNG_PID"
	AGENT_PID= SNMPD_PID= TRAPD_PID= SNG_PID=
}
trap 'stop_pid "$RASD_PID"; stop_all' EXIT INT TERM

udp_bound() { grep -qi ":$(printf '%04X' "$1") " /proc/net/udp; }
free_udp_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		udp_bound "$p" || break
	done
	echo "$p"
}
# wait_until CMD...: up to 5 s.
wait_until() {
	n=0
	while ! "$@" && [ $n -lt 100 ]; do sleep 0.05; n=$((n + 1)); done
	"$@"
}
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

rm -rf "$OUT"
mkdir -p "$OUT/snmpd.persist" "$OUT/trapd.persist"
chmod 755 "$OUT"
# The shipped demo policy, with trends, metrics and syslog under build/demo.
cp "$POLICY" "$OUT/demo.conf"
printf '\n[trends]\ndir = %s\n' "$OUT/trends" >>"$OUT/demo.conf"
sed -i "s#^file =\$#file = $OUT/rasd.prom#" "$OUT/demo.conf"
sed -i "s#^socket =\$#socket = $OUT/log.sock#" "$OUT/demo.conf"
POLICY="$OUT/demo.conf"
PATH="$PATH:/usr/sbin"

# syslog-ng: RFC 5424 on a unix socket, one line per message in a file.
if have syslog-ng; then
	cat >"$OUT/syslog-ng.conf" <<EOT
@version: 3.38
options { keep-hostname(yes); };
source s_rasd { unix-dgram("$OUT/log.sock" flags(syslog-protocol)); };
destination d_file { file("$OUT/syslog.log"
	template("\$ISODATE \$HOST \$PROGRAM[\$PID] \$MSGID \$SDATA \$MSG\n")
	template-escape(no)); };
log { source(s_rasd); destination(d_file); };
EOT
	syslog-ng -F --no-caps -f "$OUT/syslog-ng.conf" -p "$OUT/syslog-ng.pid" \
		-R "$OUT/syslog-ng.persist" -c "$OUT/syslog-ng.ctl" \
		>"$OUT/syslog-ng.out" 2>&1 &
	SNG_PID=$!
	wait_until test -S "$OUT/log.sock" || echo "demo: syslog-ng did not start (see $OUT/syslog-ng.out)"
fi

# snmpd as AgentX master and snmptrapd, loopback only, a generated
# community (never "public").
if have snmpd && have snmptrapd && [ -x "$BIN/rasd-snmp" ]; then
	PORT=$(free_udp_port)
	TRAPPORT=$(free_udp_port)
	COMM=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
	cat >"$OUT/snmpd.conf" <<EOT
master agentx
agentXSocket unix:$OUT/agentx
agentxperms 0777 0777
rocommunity $COMM 127.0.0.1
trap2sink 127.0.0.1:$TRAPPORT $COMM
EOT
	cat >"$OUT/snmptrapd.conf" <<EOT
authCommunity log $COMM
format print2 %V|%v\n
EOT
	MIBS= SNMP_PERSISTENT_DIR="$OUT/trapd.persist" snmptrapd -f -On \
		-Lf "$OUT/snmptrapd.out" -C -c "$OUT/snmptrapd.conf" \
		-p "$OUT/snmptrapd.pid" -F '%V|%v\n' "udp:127.0.0.1:$TRAPPORT" \
		>/dev/null 2>&1 &
	TRAPD_PID=$!
	MIBS= SNMP_PERSISTENT_DIR="$OUT/snmpd.persist" snmpd -f -Lf "$OUT/snmpd.log" \
		-C -c "$OUT/snmpd.conf" -p "$OUT/snmpd.pid" "udp:127.0.0.1:$PORT" &
	SNMPD_PID=$!
	wait_until test -S "$OUT/agentx" || echo "demo: snmpd did not start (see $OUT/snmpd.log)"
fi

echo "rasd demo: simulated Xen host, scenario $(basename "$SCENARIO"), clock x$SPEED"
echo "-------------------------------------------------------------------------------"
"$BIN/rasd" -H "sim:$SCENARIO" -c "$POLICY" \
	-j "$OUT/journal.db" -s "$OUT/rasd.sock" --log "$OUT/rasd.log" \
	--call-log "$OUT/hypervisor-calls.log" --speed "$SPEED" \
	--report "$OUT/report" --exit-when-done --check \
	${SNMPD_PID:+--linger 10} >"$OUT/result.txt" &
RASD_PID=$!
if [ -n "$SNMPD_PID" ]; then
	# It subscribes from notice 1: what rasd raised before it connected
	# comes in the backlog.
	"$BIN/rasd-snmp" -L -x "$OUT/agentx" -s "$OUT/rasd.sock" -p 1 \
		>"$OUT/rasd-snmp.log" 2>&1 &
	AGENT_PID=$!
fi
wait "$RASD_PID"
rc=$?
RASD_PID=
echo "-------------------------------------------------------------------------------"
grep -v '^demo summary:\|^dashboard:' "$OUT/result.txt"

# Notifications: wait until the count stops growing (the agent sends its
# backlog as soon as it has read it), then name them from RASD-MIB.txt.
if [ -n "$AGENT_PID" ]; then
	# Stable for 1.5 s (a busy machine pauses the agent), at most 20 s;
	# RASD-MIB's and ENTITY-STATE-MIB's both count.
	last=-1 n=0 same=0
	while [ $n -lt 80 ] && [ $same -lt 6 ]; do
		c=$(grep -cE '7273\.0\.|\.1\.3\.6\.1\.2\.1\.131\.0\.' "$OUT/snmptrapd.out" 2>/dev/null)
		if [ "${c:-0}" -gt 0 ] && [ "$c" = "$last" ]; then
			same=$((same + 1))
		else
			same=0
		fi
		last=${c:-0}
		sleep 0.25
		n=$((n + 1))
	done
	awk '/NOTIFICATION-TYPE/ { name = $1 }
	     /::= \{ rasdNotifications/ && name != "" { print $4, name; name = "" }' \
		"$ROOT/snmp-agent/RASD-MIB.txt" >"$OUT/notification-names"
	echo
	echo "SNMP notifications snmptrapd received (v2c, from snmpd's AgentX master):"
	# snmptrapd writes "OID = TYPE: value|..." per notification.
	awk 'NR == FNR { name[$1] = $2; next }
	     { trap = ""; loc = ""; text = ""
	       n = split($0, vb, "|")
	       for (i = 1; i <= n; i++) {
		 eq = index(vb[i], " = "); oid = substr(vb[i], 1, eq - 1)
		 val = substr(vb[i], eq + 3); sub(/^[A-Za-z0-9-]*: /, "", val)
		 gsub(/"/, "", val)
		 if (oid == ".1.3.6.1.6.3.1.1.4.1.0") trap = val
		 if (oid ~ /7273\.1\.7\.2\.0$/) loc = val
		 if (oid ~ /7273\.1\.7\.3\.0$/) text = val
		 if (oid ~ /^\.1\.3\.6\.1\.2\.1\.131\.1\.1\.1\.5\./) loc = "entity " substr(oid, 26)
	       }
	       k = split(trap, a, ".")
	       if (trap ~ /7273\.0\./)
		 printf "  %-23s %-13s %s\n", name[a[k]], loc, substr(text, 1, 80)
	       else if (trap ~ /^\.1\.3\.6\.1\.2\.1\.131\.0\.2$/)
		 printf "  %-23s %s\n", "entStateOperDisabled", loc
	       else if (trap ~ /^\.1\.3\.6\.1\.2\.1\.131\.0\.1$/)
		 printf "  %-23s %s\n", "entStateOperEnabled", loc }' \
		"$OUT/notification-names" "$OUT/snmptrapd.out"
fi
stop_all
if [ -s "$OUT/syslog.log" ]; then
	echo
	echo "syslog (RFC 5424 through syslog-ng): $(wc -l <"$OUT/syslog.log") messages; the DIMM verdict:"
	grep -m1 'DIMMFAIL' "$OUT/syslog.log" | cut -c1-200 | sed 's/^/  /'
fi
cat <<EOT

where to look:
  dashboard (HTML):   $OUT/report/index.html
  trends (rrdtool):   $OUT/trends/
  metrics (Prom.):    $OUT/rasd.prom
  journal (SQLite):   $OUT/journal.db
      sqlite3 $OUT/journal.db 'select id,kind,state,target,peer,detail from actions'
  timeline log:       $OUT/rasd.log
  hypervisor calls:   $OUT/hypervisor-calls.log
  SNMP traps:         $OUT/snmptrapd.out   (agent log: $OUT/rasd-snmp.log)
  syslog-ng output:   $OUT/syslog.log
  decode a capture:   $BUILD/rasctl decode FILE   (binary struct mce, mcelog --ascii or dmesg)
EOT
if [ "$rc" -ne 0 ]; then
	echo "demo: rasd exited $rc: the scenario's expectations did not hold" >&2
fi
grep '^demo summary:' "$OUT/result.txt" || echo "demo summary: missing (rasd failed)"
exit "$rc"

#!/bin/sh
# test_snmp.sh - rasd-snmp between a real snmpd (AgentX master), snmptrapd
# and rasd on a sim scenario: the tables, v2c traps and v3 informs with
# their varbinds, snmpd and rasd restarts, refused SETs, the privilege drop.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"
AGENT="$BUILD_DIR/rasd-snmp"
SNMPD=$(command -v snmpd || echo /usr/sbin/snmpd)
SNMPTRAPD=$(command -v snmptrapd || echo /usr/sbin/snmptrapd)
T_START=$(date +%s)
SNMPD_PID=
TRAPD_PID=
AGENT_PID=

for d in "$SNMPD" "$SNMPTRAPD"; do
	if [ ! -x "$d" ]; then
		echo "SKIP: snmp ($d not installed: apt-get install snmpd snmptrapd snmp)"
		exit 0
	fi
done
for t in snmpget snmpwalk snmpbulkwalk snmpset snmptable jq; do
	if ! command -v "$t" >/dev/null; then
		echo "SKIP: snmp ($t not installed: apt-get install snmp jq)"
		exit 0
	fi
done
if [ ! -x "$AGENT" ]; then
	echo "SKIP: snmp ($AGENT not built: make $AGENT)"
	exit 0
fi

stop_pid() {
	[ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null
}
stop_all() {
	stop_pid "$AGENT_PID"
	stop_pid "$SNMPD_PID"
	stop_pid "$TRAPD_PID"
	AGENT_PID= SNMPD_PID= TRAPD_PID=
}
trap 'stop_all; cleanup' EXIT

# Numeric OIDs throughout: this host has no MIB text for ENTITY-MIB, and
# the tools stay quiet about modules they cannot find.
export MIBS=
ENT=.1.3.6.1.2.1.47.1.1.1.1
STATE=.1.3.6.1.2.1.131.1.1.1
RMIB=.1.3.6.1.4.1.8072.9999.7273
HOST=$RMIB.1.1
DIMM=$RMIB.1.2.1
TRAP_OID=.1.3.6.1.6.3.1.1.4.1.0
SEQ_OID=$RMIB.1.7.11.0

secret() { od -An -N12 -tx1 /dev/urandom | tr -d ' \n'; }

# wait_for FILE PATTERN [COUNT] [TENTHS]: until COUNT lines match.
wait_for() {
	n=0
	while [ "$n" -lt "${4:-100}" ]; do
		c=$(grep -c -- "$2" "$1" 2>/dev/null)
		[ "${c:-0}" -ge "${3:-1}" ] && return 0
		sleep 0.1
		n=$((n + 1))
	done
	return 1
}

PORT=$(free_udp_port)
TRAPPORT=$(free_udp_port)
while [ "$TRAPPORT" = "$PORT" ]; do TRAPPORT=$(free_udp_port); done
COMM=$(secret)
RWCOMM=$(secret)
TRAPCOMM=$(secret)
V3USER=rasdtest
AUTHPASS=$(secret)
PRIVPASS=$(secret)
# The sub-agent runs as nobody when we are root: it must reach the
# AgentX and rasd sockets in here.
chmod 755 "$WORK"
mkdir -p "$WORK/snmpd.persist" "$WORK/trapd.persist"

# rwcommunity only so a SET reaches the sub-agent, which must refuse it
# itself; operators get snmpd.conf.example (v3, read-only).
cat >"$WORK/snmpd.conf" <<EOF
master agentx
agentXSocket unix:$WORK/agentx
agentxperms 0777 0777
rocommunity $COMM 127.0.0.1
rwcommunity $RWCOMM 127.0.0.1
createUser $V3USER SHA "$AUTHPASS" AES "$PRIVPASS"
rouser $V3USER priv
trap2sink 127.0.0.1:$TRAPPORT $TRAPCOMM
trapsess -v 3 -Ci -u $V3USER -l authPriv -a SHA -A "$AUTHPASS" -x AES -X "$PRIVPASS" 127.0.0.1:$TRAPPORT
EOF
# One line per notification: version (1 v2c, 2 v3), who, every varbind.
cat >"$WORK/snmptrapd.conf" <<EOF
authCommunity log $TRAPCOMM
createUser $V3USER SHA "$AUTHPASS" AES "$PRIVPASS"
authUser log $V3USER priv
format print2 NOTIFY v=%s u=%u %V|%v\n
EOF

start_snmpd() {
	SNMP_PERSISTENT_DIR="$WORK/snmpd.persist" "$SNMPD" -f -Lf "$WORK/snmpd.log" \
		-C -c "$WORK/snmpd.conf" -p "$WORK/snmpd.pid" "udp:127.0.0.1:$PORT" &
	SNMPD_PID=$!
	n=0
	while ! { [ -S "$WORK/agentx" ] && udp_bound "$PORT"; } && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	[ -S "$WORK/agentx" ] && udp_bound "$PORT"
}
start_trapd() {
	SNMP_PERSISTENT_DIR="$WORK/trapd.persist" "$SNMPTRAPD" -f -On \
		-Lf "$WORK/traps.log" -C -c "$WORK/snmptrapd.conf" \
		-p "$WORK/trapd.pid" "udp:127.0.0.1:$TRAPPORT" &
	TRAPD_PID=$!
	n=0
	while ! udp_bound "$TRAPPORT" && [ $n -lt 100 ]; do
		sleep 0.05
		n=$((n + 1))
	done
	udp_bound "$TRAPPORT"
}

# The agent's values, numerically: "OID value" lines.
walk() { snmpbulkwalk -v2c -c "$COMM" -On -Oq -Oe -t 2 "127.0.0.1:$PORT" "$1" 2>&1; }
get() { snmpget -v2c -c "$COMM" -On -Oqv -Oe -t 2 "127.0.0.1:$PORT" "$1" 2>&1; }
ctl() { "$RASCTL" -s "$SOCK" "$@"; }

# --- Bad usage is refused with the option named.
out=$("$AGENT" -Q 0 2>&1)
expect_eq "bad -Q is a usage error: exit 2" $? 2
check "and names the option" sh -c "echo '$out' | grep -q -- '-Q/--queue'"
out=$("$AGENT" --storm 5 2>&1)
expect_eq "bad --storm is a usage error: exit 2" $? 2
out=$("$AGENT" -u no-such-user-here 2>&1)
expect_eq "an unknown -u user exits 1" $? 1
if [ "$(id -u)" = 0 ]; then
	out=$(timeout 10 "$AGENT" -L -u root -x "$WORK/none" -s "$WORK/none.sock" 2>&1)
	expect_eq "-u root is refused: exit 1" $? 1
	check "and says why" sh -c "echo '$out' | grep -q 'still root after switching; refusing'"
fi

start_trapd || fail "snmptrapd listens on udp 127.0.0.1:$TRAPPORT (see $WORK/traps.log)"
if start_snmpd; then
	pass "snmpd listens on udp 127.0.0.1:$PORT, AgentX at $WORK/agentx"
else
	fail "snmpd starts (see $WORK/snmpd.log)"
	exit 1
fi
start_rasd snmp "$S/snmp.scn" "$P/test.conf" --speed 10 ||
	fail "rasd starts"

AS_ROOT=0
[ "$(id -u)" = 0 ] && AS_ROOT=1
if [ "$AS_ROOT" = 1 ]; then
	"$AGENT" -L -v -x "$WORK/agentx" -s "$SOCK" -p 1 -r 5 -u nobody \
		>"$WORK/agent.log" 2>&1 &
else
	"$AGENT" -L -v -x "$WORK/agentx" -s "$SOCK" -p 1 -r 5 \
		>"$WORK/agent.log" 2>&1 &
fi
AGENT_PID=$!
wait_for "$WORK/agent.log" "connected to rasd at" &&
	wait_for "$WORK/agent.log" "AgentX master at .* connected" ||
	fail "rasd-snmp connects to rasd and snmpd (see $WORK/agent.log)"
pass "rasd-snmp connected to rasd and to snmpd"

if [ "$AS_ROOT" = 1 ]; then
	wait_for "$WORK/agent.log" "running as nobody"
	expect_eq "privileges dropped: real, effective, saved uid are nobody's" \
		"$(awk '/^Uid:/ {print $2, $3, $4}' "/proc/$AGENT_PID/status")" \
		"$(id -u nobody) $(id -u nobody) $(id -u nobody)"
	expect_eq "and no supplementary group left but nobody's" \
		"$(awk '/^Groups:/ {print $2}' "/proc/$AGENT_PID/status")" \
		"$(id -g nobody)"
	check "the drop is logged" grep -q "running as nobody (uid" "$WORK/agent.log"
else
	echo "SKIP: privilege drop (needs root)"
fi

# --- The CPU rasd offlined (scenario, 2 s in at speed 10) is disabled.
n=0
while [ "$(get "$STATE.3.1001")" != 2 ] && [ $n -lt 80 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect_eq "cpu 1 rasd offlined: entStateOper.1001 disabled(2)" "$(get "$STATE.3.1001")" 2
expect_eq "cpu 0: entStateOper.1000 enabled(3)" "$(get "$STATE.3.1000")" 3

# --- Memory errors through rasd: a page offlined (two errors on 0x40001),
# then a third distinct page on DIMM_B: failing, both guests evacuated.
for a in 0x40001000 0x40001040 0x40002000 0x50003000; do
	inject_mem_ce $a
done
n=0
while [ "$(ctl --json actions | jq '[.actions[] | select(.kind == "evacuate" and .state == "done")] | length')" -lt 2 ] &&
	[ $n -lt 100 ]; do
	sleep 0.1
	n=$((n + 1))
done
ctl --json actions >"$WORK/actions.json"
ctl --json status >"$WORK/status.json"
ctl --json dimms >"$WORK/dimms.json"
sleep 0.5 # the agent refreshes on the notices; give it the last one

# --- Tables against rasctl.
walk "$DIMM" >"$WORK/dimm.walk"
walk "$ENT" >"$WORK/ent.walk"
col() { sed -n "s/^\\$1\\.\\([0-9]*\\) /\\1 /p" "$WORK/$2"; }
idx_b=$(col "$DIMM.2" dimm.walk | awk '$2 == "\"DIMM_B\"" {print $1}')
expect_eq "DIMM_B's row is entPhysicalIndex 10000 + its id" "$idx_b" \
	"$((10000 + $(jq '.dimms[] | select(.label == "DIMM_B") | .id' "$WORK/dimms.json")))"
expect_eq "one rasdDimmTable row per DIMM rasd has" \
	"$(col "$DIMM.2" dimm.walk | wc -l)" "$(jq '.dimms | length' "$WORK/dimms.json")"
for lbl in DIMM_A DIMM_B DIMM_C; do
	i=$(col "$DIMM.2" dimm.walk | awk -v l="\"$lbl\"" '$2 == l {print $1}')
	expect_eq "$lbl: rasdDimmCorrected = rasctl errors" \
		"$(col "$DIMM.7" dimm.walk | awk -v i="$i" '$1 == i {print $2}')" \
		"$(jq ".dimms[] | select(.label == \"$lbl\") | .errors" "$WORK/dimms.json")"
	expect_eq "$lbl: rasdDimmSocket = rasctl socket" \
		"$(col "$DIMM.3" dimm.walk | awk -v i="$i" '$1 == i {print $2}')" \
		"$(jq ".dimms[] | select(.label == \"$lbl\") | .socket" "$WORK/dimms.json")"
done
expect_eq "DIMM_B: rasdDimmStatus not ok (failing, evacuating or evacuated)" \
	"$(col "$DIMM.5" dimm.walk | awk -v i="$idx_b" '$1 == i {print ($2 >= 3)}')" 1
expect_eq "rasdHostEvents = rasctl status events" "$(get "$HOST.4.0")" \
	"$(jq .summary.events "$WORK/status.json")"
expect_eq "rasdHostGuestsEvacuated" "$(get "$HOST.7.0")" \
	"$(jq .summary.guests_evacuated "$WORK/status.json")"
expect_eq "rasdHostDaemonConnected true(1)" "$(get "$HOST.9.0")" 1
# rasdDeviceTable: the root port's fatal PCIe error, as rasctl pcie has it.
ctl --json pcie >"$WORK/pcie.json"
walk "$RMIB.1.8.1" >"$WORK/device.walk"
idx_dev=$(jq '.devices[] | select(.device == "0000:00:1c.0") | .index' "$WORK/pcie.json")
expect_eq "rasdDeviceName at rasd's device number" \
	"$(col "$RMIB.1.8.1.2" device.walk | awk -v i="$idx_dev" '$1 == i {print $2}')" \
	'"0000:00:1c.0"'
expect_eq "rasdDeviceFatalErrors = rasctl pcie fatal" \
	"$(col "$RMIB.1.8.1.7" device.walk | awk -v i="$idx_dev" '$1 == i {print $2}')" \
	"$(jq '.devices[] | select(.device == "0000:00:1c.0") | .fatal' "$WORK/pcie.json")"

# entPhysicalTable: chassis, two sockets, four CPUs, three DIMMs, each
# contained in the right place.
expect_eq "entPhysicalClass per entity" \
	"$(col "$ENT.5" ent.walk | tr '\n' ' ')" \
	"1 3 100 12 101 12 1000 12 1001 12 1002 12 1003 12 10000 9 10001 9 10002 9 "
expect_eq "entPhysicalContainedIn: sockets in the chassis, CPUs and DIMMs in their socket" \
	"$(col "$ENT.4" ent.walk | tr '\n' ' ')" \
	"1 0 100 1 101 1 1000 100 1001 100 1002 101 1003 101 10000 100 10001 100 10002 101 "
# snmptable needs the MIB text: RASD-MIB and the IETF base modules
# (scripts/fetch-mibs.sh puts those under build/mibs; never fetched here).
MIBDIRS_T="+$ROOT/build/mibs:$ROOT/snmp-agent"
if snmptranslate -M "$MIBDIRS_T" -m RASD-MIB RASD-MIB::rasdDimmTable >/dev/null 2>&1; then
	check "snmptable reads rasdDimmTable (RASD-MIB text)" sh -c \
		"snmptable -v2c -c '$COMM' -M '$MIBDIRS_T' -m RASD-MIB -Ci -Cb '127.0.0.1:$PORT' RASD-MIB::rasdDimmTable | grep -q DIMM_B"
else
	echo "SKIP: snmptable (RASD-MIB does not load from $MIBDIRS_T; run scripts/fetch-mibs.sh $ROOT/build/mibs)"
fi
check "SNMPv3 authPriv reads the same" sh -c \
	"snmpget -v3 -u $V3USER -l authPriv -a SHA -A '$AUTHPASS' -x AES -X '$PRIVPASS' -On -Oqv '127.0.0.1:$PORT' '$HOST.9.0' | grep -qx 1"

# --- Notifications, as v2c trap and as v3 inform, with their varbinds.
# notices TRAP VERSION: the log lines of that notification (%s: 1 is
# v2c, 3 is v3).
notices() { grep "^NOTIFY v=$2 " "$WORK/traps.log" | grep -F "$TRAP_OID = OID: $1|"; }
wait_for "$WORK/traps.log" "^NOTIFY v=3 .*$RMIB.0.6|" 2 60
for v in 1 3; do
	kind=$([ $v = 1 ] && echo "v2c trap" || echo "v3 inform")
	check "$kind: rasdDimmFailing names DIMM_B by entPhysicalIndex and label" sh -c \
		"grep '^NOTIFY v=$v ' '$WORK/traps.log' | grep -F '$TRAP_OID = OID: $RMIB.0.2|' |
		 grep -F '$RMIB.1.7.1.0 = INTEGER: $idx_b|' | grep -qF '\"DIMM_B\"'"
	check "$kind: rasdPageOffline for 0x40001" sh -c \
		"grep '^NOTIFY v=$v ' '$WORK/traps.log' | grep -F '$TRAP_OID = OID: $RMIB.0.3|' | grep -q '0x40001'"
	expect_eq "$kind: rasdGuestEvacuated for both guests" \
		"$(notices "$RMIB.0.6" $v | wc -l)" 2
	check "$kind: rasdDeviceError names the port and says fatal" sh -c \
		"grep '^NOTIFY v=$v ' '$WORK/traps.log' | grep -F '$TRAP_OID = OID: $RMIB.0.11|' |
		 grep -F '\"0000:00:1c.0\"' | grep -qF '\"fatal\"'"
	check "$kind: rasdCpuOffline" sh -c \
		"grep '^NOTIFY v=$v ' '$WORK/traps.log' | grep -qF '$TRAP_OID = OID: $RMIB.0.4|'"
	check "$kind: entStateOperDisabled for cpu 1 (entity 1001)" sh -c \
		"grep '^NOTIFY v=$v ' '$WORK/traps.log' | grep -F '$TRAP_OID = OID: .1.3.6.1.2.1.131.0.2|' | grep -qF '$STATE.2.1001 '"
done
check "sysUpTime.0 then snmpTrapOID.0 open every notification" sh -c \
	"! grep '^NOTIFY' '$WORK/traps.log' | grep -v '^NOTIFY v=[13] u=[^ ]* .1.3.6.1.2.1.1.3.0 = Timeticks: [^|]*|$TRAP_OID = OID'"

# --- snmpset is refused by the sub-agent (rw community: the master lets
# it through) and by the master (read-only community).
out=$(snmpset -v2c -c "$RWCOMM" -On "127.0.0.1:$PORT" "$ENT.14.1" s renamed 2>&1 | tr "\n" " ")
check "snmpset through a rw community is refused: notWritable ($out)" \
	sh -c "echo '$out' | grep -Eq 'notWritable|noAccess|noCreation|readOnly'"
out=$(snmpset -v2c -c "$RWCOMM" -On "127.0.0.1:$PORT" "$HOST.2.0" s renamed 2>&1)
check "snmpset of a RASD-MIB scalar is refused" \
	sh -c "echo '$out' | grep -Eq 'notWritable|noAccess|noCreation|readOnly'"
check "and nothing changed" sh -c "[ \"\$(snmpget -v2c -c '$COMM' -On -Oqv '127.0.0.1:$PORT' '$HOST.2.0')\" != '\"renamed\"' ]"

# --- snmpd away: rasd raises notices; every one arrives after the
# restart, oldest first, none missing, none twice.
seq_of() { sed -n "s/.*|\\$SEQ_OID = Gauge32: \\([0-9]*\\)|.*/\\1/p; s/.*|\\$SEQ_OID = Gauge32: \\([0-9]*\\)\$/\\1/p"; }
s0=$(timeout 2 "$RASCTL" -s "$SOCK" --json watch --since 0 2>/dev/null | jq -s 'map(.seq) | max')
lines0=$(wc -l <"$WORK/traps.log")
stop_pid "$SNMPD_PID"
SNMPD_PID=
wait_for "$WORK/agent.log" "AgentX master at .* gone" ||
	fail "rasd-snmp notices snmpd is gone"
for a in 0x60005000 0x60005040 0x60006000 0x60006040; do
	inject_mem_ce $a
done
n=0
while [ "$(ctl --json actions | jq '[.actions[] | select(.kind == "page_offline")] | length')" -lt 3 ] &&
	[ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
sleep 0.5
timeout 2 "$RASCTL" -s "$SOCK" --json watch --since "$s0" 2>/dev/null >"$WORK/down.notices"
want=$(jq -r 'select(.msgid == "PAGEOFF" or .msgid == "DIMMFAIL" or .msgid == "DIMMDEG" or .msgid == "EVAC" or .msgid == "EVACFAIL" or .msgid == "CPUOFF" or .msgid == "MEMUE") | .seq' "$WORK/down.notices" | tr '\n' ' ')
check "rasd raised notifications while snmpd was away ($want)" test -n "$want"
start_snmpd || fail "snmpd restarts on the same socket"
wait_for "$WORK/agent.log" "AgentX master at .* connected" 2 ||
	fail "rasd-snmp reconnects to snmpd"
n=0
while [ $n -lt 50 ]; do
	got=$(tail -n "+$((lines0 + 1))" "$WORK/traps.log" | grep '^NOTIFY v=1 ' | seq_of | tr '\n' ' ')
	[ "$got" = "$want" ] && break
	sleep 0.1
	n=$((n + 1))
done
expect_eq "after snmpd's restart: every notice raised meanwhile, oldest first (v2c)" "$got" "$want"
n=0
while [ $n -lt 50 ]; do
	got3=$(tail -n "+$((lines0 + 1))" "$WORK/traps.log" | grep '^NOTIFY v=3 ' | seq_of | tr '\n' ' ')
	[ "$got3" = "$want" ] && break
	sleep 0.1
	n=$((n + 1))
done
expect_eq "and the same as v3 informs" "$got3" "$want"
expect_eq "rasdHostNotifyDropped 0" "$(get "$HOST.11.0")" 0
expect_eq "rasdHostNotifyQueued 0 once sent" "$(get "$HOST.10.0")" 0
expect_eq "the outage logged once" "$(grep -c 'AgentX master at .* gone' "$WORK/agent.log")" 1

# --- rasd restarts: rasd-snmp says so, reconnects and keeps serving.
stop_rasd
wait_for "$WORK/agent.log" "lost rasd at" || fail "rasd-snmp notices rasd is gone"
expect_eq "rasd away: rasdHostDaemonConnected false(2)" "$(get "$HOST.9.0")" 2
check "rasd away: the last view is still served" sh -c \
	"snmpget -v2c -c '$COMM' -On -Oqv '127.0.0.1:$PORT' '$DIMM.2.$idx_b' | grep -q DIMM_B"
start_rasd snmp "$S/snmp.scn" "$P/test.conf" --speed 10 || fail "rasd restarts"
wait_for "$WORK/agent.log" "connected to rasd at" 2 60 ||
	fail "rasd-snmp reconnects to rasd (backoff)"
n=0
while [ "$(get "$HOST.9.0")" != 1 ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
expect_eq "rasd back: rasdHostDaemonConnected true(1)" "$(get "$HOST.9.0")" 1
expect_eq "rasd back: rasdHostEvents = rasctl status events" "$(get "$HOST.4.0")" \
	"$(ctl --json status | jq .summary.events)"
check "rasd back: rasdDimmTable served" sh -c \
	"snmpget -v2c -c '$COMM' -On -Oqv '127.0.0.1:$PORT' '$DIMM.2.$idx_b' | grep -q DIMM_B"

# --- SIGTERM: exit 0.
kill -TERM "$AGENT_PID"
wait "$AGENT_PID"
expect_eq "rasd-snmp exits 0 on SIGTERM" $? 0
AGENT_PID=
most=$(grep -v 'notification sent' "$WORK/agent.log" | sort | uniq -c | sort -rn | awk 'NR == 1 {print $1}')
check "no log line repeated in a loop (at most $most times)" test "${most:-0}" -le 3

echo "snmp integration took $(($(date +%s) - T_START))s"
[ "$FAILED" -eq 0 ]

#!/bin/sh
# test_snmp_sensors.sh - ENTITY-SENSOR-MIB through rasd-snmp from rasd's
# lm-sensors over a fake hwmon tree (private mount namespace, as root).
. "$(dirname "$0")/lib.sh"
AGENT="$BUILD_DIR/rasd-snmp"
SNMPD=$(command -v snmpd || echo /usr/sbin/snmpd)
SNMPTRAPD=$(command -v snmptrapd || echo /usr/sbin/snmptrapd)

for t in "$SNMPD" "$SNMPTRAPD" "$(command -v snmpget)" "$(command -v jq)"; do
	if [ ! -x "$t" ]; then
		echo "SKIP: snmp sensors (snmpd, snmptrapd, snmp and jq needed)"
		exit 0
	fi
done
if [ ! -x "$AGENT" ]; then
	echo "SKIP: snmp sensors ($AGENT not built)"
	exit 0
fi
if [ "${HWMON_TEST_INNER:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: snmp sensors (needs root for unshare -m and bind mounts)"
		exit 0
	fi
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: snmp sensors (unshare -m is not permitted here)"
		exit 0
	fi
	HWMON_TEST_INNER=1 exec unshare -m --propagation private sh "$0" "$@"
fi

TREE="$WORK/sys/class"
HW="$TREE/hwmon"
. "$TESTS_DIR/hwmon/tree.sh"
SNMPD_PID=
TRAPD_PID=
AGENT_PID=
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
trap 'stop_pid "$AGENT_PID"; stop_pid "$SNMPD_PID"; stop_pid "$TRAPD_PID"; cleanup' EXIT

export MIBS=
ENT=.1.3.6.1.2.1.47.1.1.1.1
STATE=.1.3.6.1.2.1.131.1.1.1
SENSOR=.1.3.6.1.2.1.99.1.1.1
RMIB=.1.3.6.1.4.1.8072.9999.7273
TRAP_OID=.1.3.6.1.6.3.1.1.4.1.0
PORT=$(free_udp_port)
TRAPPORT=$(free_udp_port)
while [ "$TRAPPORT" = "$PORT" ]; do TRAPPORT=$(free_udp_port); done
COMM=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')

build_tree
mount_tree || { fail "snmp sensors: bind mount over /sys/class"; exit 1; }
printf '[sensors]\nenable = yes\ninterval = 100ms\n' >"$WORK/policy.conf"
cat >"$WORK/snmpd.conf" <<EOF
master agentx
agentXSocket unix:$WORK/agentx
agentxperms 0777 0777
rocommunity $COMM 127.0.0.1
trap2sink 127.0.0.1:$TRAPPORT $COMM
EOF
cat >"$WORK/snmptrapd.conf" <<EOF
authCommunity log $COMM
format print2 NOTIFY %V|%v\n
EOF

# until CMD succeeds (TENTHS of a second, 10 s by default)
until_ok() {
	n=0
	while ! "$@" >/dev/null 2>&1 && [ $n -lt "${TENTHS:-100}" ]; do
		sleep 0.1
		n=$((n + 1))
	done
	"$@" >/dev/null 2>&1
}
get() { snmpget -v2c -c "$COMM" -On -Oqv -Oe -t 2 "127.0.0.1:$PORT" "$1" 2>&1; }
walk() { snmpbulkwalk -v2c -c "$COMM" -On -Oq -Oe -t 2 "127.0.0.1:$PORT" "$1" 2>&1; }
is() { [ "$(get "$1")" = "$2" ]; }

mkdir -p "$WORK/persist"
SNMP_PERSISTENT_DIR="$WORK/persist" "$SNMPTRAPD" -f -On -Lf "$WORK/traps.log" \
	-C -c "$WORK/snmptrapd.conf" -p "$WORK/trapd.pid" "udp:127.0.0.1:$TRAPPORT" &
TRAPD_PID=$!
SNMP_PERSISTENT_DIR="$WORK/persist" "$SNMPD" -f -Lf "$WORK/snmpd.log" -C \
	-c "$WORK/snmpd.conf" -p "$WORK/snmpd.pid" "udp:127.0.0.1:$PORT" &
SNMPD_PID=$!
check "snmpd and snmptrapd listen" until_ok sh -c \
	"[ -S '$WORK/agentx' ] && grep -qi ':$(printf '%04X' "$PORT") ' /proc/net/udp &&
	 grep -qi ':$(printf '%04X' "$TRAPPORT") ' /proc/net/udp"
check "rasd starts with lm-sensors on" start_rasd s \
	"$TESTS_DIR/scenarios/sensors.scn" "$WORK/policy.conf"
"$AGENT" -L -v -x "$WORK/agentx" -s "$SOCK" -p 1 -r 1 >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
check "rasd-snmp connects to both" until_ok sh -c \
	"grep -q 'connected to rasd at' '$WORK/agent.log' &&
	 grep -q 'AgentX master at .* connected' '$WORK/agent.log'"

# The sensors' entities, found by name as an NMS would.
check "four sensor rows appear" until_ok sh -c \
	"[ \$(snmpbulkwalk -v2c -c '$COMM' -On -Oq '127.0.0.1:$PORT' '$SENSOR.1' | wc -l) -eq 4 ]"
idx() { walk "$ENT.7" | awk -v n="\"$1\"" '{v = $0; sub(/^[^ ]* /, "", v)} v == n {sub(/.*\./, "", $1); print $1}'; }
CORE=$(idx "coretemp-isa-0000 Core 0")
DTEMP=$(idx "jc42-i2c-0-18 CPU0_DIMM_A1")
FAN=$(idx "nct6775-isa-0290 fan1")
IN0=$(idx "nct6775-isa-0290 in0")
expect_eq "sensor entities numbered 20000 + k" \
	"$(echo "$CORE $DTEMP $FAN $IN0" | tr ' ' '\n' | sort -n | tr '\n' ' ')" \
	"20000 20001 20002 20003 "
expect_eq "entPhysicalClass sensor(8)" "$(get "$ENT.5.$CORE")" 8
expect_eq "Core 0: celsius(8), units(9), 1 decimal, 45.0 as 450, ok(1)" \
	"$(for c in 1 2 3 4 5; do get "$SENSOR.$c.$CORE"; done | tr '\n' ' ')" \
	"8 9 1 450 1 "
expect_eq "Core 0: entPhySensorUnitsDisplay" "$(get "$SENSOR.6.$CORE")" '"degrees C"'
expect_eq "Core 0: entPhySensorValueUpdateRate is the refresh (ms)" \
	"$(get "$SENSOR.8.$CORE")" 1000
expect_eq "fan1: rpm(10), no decimals, 1200" \
	"$(for c in 1 3 4; do get "$SENSOR.$c.$FAN"; done | tr '\n' ' ')" "10 0 1200 "
expect_eq "in0: voltsDC(4), 3 decimals, 1.2 V as 1200" \
	"$(for c in 1 3 4; do get "$SENSOR.$c.$IN0"; done | tr '\n' ' ')" "4 3 1200 "
DIMM_ID=$("$RASCTL" -s "$SOCK" --json dimms | jq '.dimms[] | select(.label == "CPU0_DIMM_A1") | .id')
expect_eq "the DIMM's sensor sits in the DIMM's entity" \
	"$(get "$ENT.4.$DTEMP")" "$((10000 + DIMM_ID))"
expect_eq "the others in the chassis" "$(get "$ENT.4.$CORE")" 1
expect_eq "the DIMM's sensor reads 33.0" "$(get "$SENSOR.4.$DTEMP")" 330

# A new reading reaches SNMP with the agent's next refresh.
put hwmon0/temp1_input 47500
check "Core 0 at 47.5 is served as 475 after a refresh" until_ok is "$SENSOR.4.$CORE" 475
expect_eq "and keeps its index" "$(idx "coretemp-isa-0000 Core 0")" "$CORE"

# A crossing: rasd's SENSOR notice becomes rasdSensorThreshold pointing
# at the sensor's entity; the health change is told once.
put hwmon0/temp1_input 90000
TENTHS=150 check "rasdSensorThreshold arrives at snmptrapd" until_ok \
	grep -qF "$TRAP_OID = OID: $RMIB.0.9|" "$WORK/traps.log"
line=$(grep -F "$TRAP_OID = OID: $RMIB.0.9|" "$WORK/traps.log" | head -1)
check "its entPhysicalIndex varbind is Core 0's ($CORE)" sh -c \
	"echo '$line' | grep -qF '$RMIB.1.7.1.0 = INTEGER: $CORE|'"
check "its location names the sensor" sh -c \
	"echo '$line' | grep -qF '\"coretemp-isa-0000 Core 0\"'"
check "Core 0 at 90.0 is served as 900" until_ok is "$SENSOR.4.$CORE" 900
expect_eq "the crossing is an alarm on the entity (warning bit)" \
	"$(get "$STATE.5.$CORE")" '"04 "'
TENTHS=30 until_ok grep -qF "$TRAP_OID = OID: $RMIB.0.10|" "$WORK/traps.log"
sleep 1.5
expect_eq "one rasdHealthChanged for the host turning degraded" \
	"$(grep -cF "$TRAP_OID = OID: $RMIB.0.10|" "$WORK/traps.log")" 1

# A file reading garbage: the sensor is broken, its entity disabled.
put hwmon2/in0_input garbage
check "in0 failed: entPhySensorOperStatus nonoperational(3)" until_ok \
	is "$SENSOR.5.$IN0" 3
expect_eq "and entStateOper disabled(2)" "$(get "$STATE.3.$IN0")" 2
check "entStateOperDisabled told for it" until_ok sh -c \
	"grep -F '$TRAP_OID = OID: .1.3.6.1.2.1.131.0.2|' '$WORK/traps.log' | grep -qF '$STATE.2.$IN0 '"
check "rasd-snmp logged no refusal of rasd's state" sh -c \
	"! grep -q 'not usable' '$WORK/agent.log'"
[ "$FAILED" -eq 0 ]

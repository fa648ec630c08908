#!/bin/sh
# snmp_latency.sh [BUILD] - what rasd-snmp costs an NMS: GET round trips
# through snmpd and AgentX against snmpd's own objects, a full walk, and
# the time from a record entering rasd to its notification in
# snmptrapd's log. Figures (median, p90, p99), no verdict.
BUILD=${1:-build}
BUILD_DIR=$(cd "$(dirname "$0")/../.." && pwd)/$BUILD
export BUILD_DIR
. "$(dirname "$0")/../integration/lib.sh"
AGENT="$BUILD_DIR/rasd-snmp"
N=${SNMP_BENCH_N:-200}
TRAPS=${SNMP_BENCH_TRAPS:-1000}
SNMPD_PID= TRAPD_PID= AGENT_PID=

for t in snmpd snmptrapd snmpget snmpbulkwalk jq; do
	command -v "$t" >/dev/null || { echo "snmp bench: $t missing"; exit 0; }
done
[ -x "$AGENT" ] || { echo "snmp bench: $AGENT not built"; exit 0; }
stop_pid() { [ -n "$1" ] && kill "$1" 2>/dev/null && wait "$1" 2>/dev/null; }
trap 'stop_pid "$AGENT_PID"; stop_pid "$SNMPD_PID"; stop_pid "$TRAPD_PID"; cleanup' EXIT

export MIBS=
now_us() { echo $(($(date +%s%N) / 1000)); }
# stats FILE: "median X us, p90 Y us, p99 Z us, n N" of one number per line.
stats() {
	sort -n "$1" | awk '{v[NR] = $1} END {
		printf "median %d us, p90 %d us, p99 %d us, n %d\n",
		    v[int((NR + 1) / 2)], v[int(NR * 0.9 + 0.5)],
		    v[int(NR * 0.99 + 0.5)], NR }'
}

PORT=$(free_udp_port)
TRAPPORT=$(free_udp_port)
COMM=$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')
chmod 755 "$WORK"
mkdir -p "$WORK/p1" "$WORK/p2"
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
SNMP_PERSISTENT_DIR="$WORK/p2" snmptrapd -f -On -Lf "$WORK/traps.log" -C \
	-c "$WORK/snmptrapd.conf" -p "$WORK/trapd.pid" "udp:127.0.0.1:$TRAPPORT" &
TRAPD_PID=$!
SNMP_PERSISTENT_DIR="$WORK/p1" snmpd -f -Lf "$WORK/snmpd.log" -C \
	-c "$WORK/snmpd.conf" -p "$WORK/snmpd.pid" "udp:127.0.0.1:$PORT" &
SNMPD_PID=$!
i=0
while ! { [ -S "$WORK/agentx" ] && udp_bound "$PORT" && udp_bound "$TRAPPORT"; } && [ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done
start_rasd bench "$ROOT/tests/integration/scenarios/snmp.scn" \
	"$ROOT/tests/integration/policies/test.conf" || { echo "snmp bench: rasd did not start"; exit 1; }
"$AGENT" -L -x "$WORK/agentx" -s "$SOCK" -p 1 >"$WORK/agent.log" 2>&1 &
AGENT_PID=$!
i=0
while [ "$(snmpget -v2c -c "$COMM" -On -Oqv "127.0.0.1:$PORT" .1.3.6.1.4.1.8072.9999.7273.1.1.9.0 2>/dev/null)" != 1 ] &&
	[ $i -lt 100 ]; do
	sleep 0.05
	i=$((i + 1))
done

get_loop() {
	: >"$2"
	j=0
	while [ $j -lt "$N" ]; do
		t0=$(now_us)
		snmpget -v2c -c "$COMM" -On -Oqv "127.0.0.1:$PORT" "$1" >/dev/null
		echo $(($(now_us) - t0)) >>"$2"
		j=$((j + 1))
	done
}
echo "snmp bench: $N snmpget round trips each (one snmpget process per GET)"
get_loop .1.3.6.1.2.1.1.3.0 "$WORK/own.us"
echo "  sysUpTime.0 (snmpd itself):            $(stats "$WORK/own.us")"
get_loop .1.3.6.1.4.1.8072.9999.7273.1.1.1.0 "$WORK/sub.us"
echo "  rasdHostHealth.0 (AgentX, rasd-snmp):  $(stats "$WORK/sub.us")"
get_loop .1.3.6.1.2.1.47.1.1.1.1.7.10001 "$WORK/ent.us"
echo "  entPhysicalName.10001 (AgentX):        $(stats "$WORK/ent.us")"

: >"$WORK/walk.us"
j=0
while [ $j -lt 10 ]; do
	t0=$(now_us)
	for r in .1.3.6.1.2.1.47 .1.3.6.1.2.1.131 .1.3.6.1.2.1.99 .1.3.6.1.4.1.8072.9999.7273; do
		snmpbulkwalk -v2c -c "$COMM" -On -Cr25 "127.0.0.1:$PORT" "$r"
	done >"$WORK/walk.out"
	echo $(($(now_us) - t0)) >>"$WORK/walk.us"
	j=$((j + 1))
done
echo "snmp bench: bulk walk of the four subtrees ($(wc -l <"$WORK/walk.out") varbinds, max-repetitions 25): $(stats "$WORK/walk.us")"

# Record -> notification: trap_latency plants a UCNA memory error through
# rasd's control socket (the sim's mcelog takes it like the hypervisor's)
# and times until its rasdUncorrectableError line is in snmptrapd's log.
LAT="$BUILD_DIR/tools/trap_latency"
if [ ! -x "$LAT" ]; then
	echo "snmp bench: $LAT not built (make $LAT)"
	exit 0
fi
if "$LAT" "$SOCK" "$WORK/traps.log" "$TRAPS" '7273.0.5|' >"$WORK/trap.us"; then
	echo "snmp bench: record enters rasd -> decoded, journaled -> rasd-snmp -> snmpd -> snmptrapd log line, $TRAPS records: $(stats "$WORK/trap.us")"
else
	echo "snmp bench: record -> notification run failed (see $WORK)"
fi

# lib.sh - shared helpers for integration tests: temp dirs, running rasd
# on a sim scenario, and PASS/FAIL lines that tests/run.sh counts.
set -u
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
TESTS_DIR=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$TESTS_DIR/../.." && pwd)
RASD="$BUILD_DIR/rasd"
RASCTL="$BUILD_DIR/rasctl"
WORK=$(mktemp -d /tmp/rasd-test.XXXXXX)
# rasd's engine runs as _rasd: it must reach the files a test gives it.
chmod 755 "$WORK"
FAILED=0
RASD_PID=

cleanup() {
	if [ -n "$RASD_PID" ]; then
		kill "$RASD_PID" 2>/dev/null
		wait "$RASD_PID" 2>/dev/null
	fi
	if [ "$FAILED" -eq 0 ]; then
		rm -rf "$WORK"
	else
		echo "kept $WORK for inspection"
	fi
}
trap cleanup EXIT

pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; FAILED=$((FAILED + 1)); }

# check "what" command...: PASS if the command succeeds.
check() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}

# expect_eq "what" got want
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}

# run_sim NAME SCENARIO POLICY [extra rasd args]: plays the scenario to
# the end with its expectations checked; output in $WORK/NAME.*
run_sim() {
	name=$1 scn=$2 pol=$3
	shift 3
	timeout 120 "$RASD" -H "sim:$scn" -c "$pol" -j "$WORK/$name.db" \
		-s none --call-log "$WORK/$name.calls" --log "$WORK/$name.log" \
		--speed "${SPEED:-60000}" --exit-when-done --check -q "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err"
}

sql() { sqlite3 -batch -noheader "$1" "$2"; }

# start_rasd NAME SCENARIO POLICY [extra rasd args]: rasd in the
# background with its control socket at $SOCK, output in $WORK/NAME.*;
# returns once the socket is there (stopped by cleanup, or stop_rasd).
start_rasd() {
	name=$1 scn=$2 pol=$3
	shift 3
	SOCK="$WORK/$name.sock"
	"$RASD" -H "sim:$scn" -c "$pol" -j "$WORK/$name.db" -s "$SOCK" \
		--call-log "$WORK/$name.calls" --log "$WORK/$name.log" -q "$@" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" &
	RASD_PID=$!
	i=0
	while [ ! -S "$SOCK" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
	test -S "$SOCK"
}

# stop_rasd: SIGTERM, and the exit status it stopped with.
stop_rasd() {
	kill -TERM "$RASD_PID"
	wait "$RASD_PID"
	rc=$?
	RASD_PID=
	return $rc
}

# wait_events N: until rasd has journaled N events (5 s at most).
wait_events() {
	i=0
	while [ "$("$RASCTL" -s "$SOCK" --json status | jq .summary.events)" -lt "$1" ] &&
		[ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}

# inject_mem_ce ADDR: one corrected memory read error on channel 1.
inject_mem_ce() {
	"$RASCTL" -s "$SOCK" inject --cpu 1 --bank 7 \
		--status 0x9c00004000010091 --addr "$1" --misc 0x86 >/dev/null
}

# udp_bound PORT: true if something has 127.0.0.1:PORT (any address) bound.
udp_bound() { grep -qi ":$(printf '%04X' "$1") " /proc/net/udp; }

# free_udp_port: a port nothing has bound, for snmpd and snmptrapd.
free_udp_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		udp_bound "$p" || break
	done
	echo "$p"
}

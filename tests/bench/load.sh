#!/bin/sh
# load.sh - make bench: the control socket under load while the whole
# record path runs: RECORDS generated records through the mcelog FIFO,
# 50 clients polling status (latency timed inside tests/tools/ctl_load),
# 50 subscribers reading notices and 10 never reading, waves of 1100
# connections, and an unprivileged client (nobody) asking for everything;
# rasd under systemd's default soft limit of 1024 descriptors. Prints the
# status latency, rasd's RSS and the records dropped; figures, no verdict.
#
# Usage: load.sh BUILD [RECORDS] [RUNS]
set -u
BUILD=${1:-build}
N=${2:-${LOAD_RECORDS:-1000000}}
RUNS=${3:-${LOAD_RUNS:-1}}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
SCN=$ROOT/tests/bench/bench.scn
POLICY=$ROOT/policies/default.conf
W=$(mktemp -d /tmp/rasd-load.XXXXXX)
chmod 755 "$W"
HOST= RASD= GREEDY=
stop() { for p in $GREEDY $RASD $HOST; do kill "$p" 2>/dev/null; done; }
trap 'stop; rm -rf "$W"' EXIT INT TERM

# as_nobody CMD...: the unprivileged client, if this system can drop.
as_nobody() {
	if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		exec "$@"
	fi
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

one_run() {
	rm -f "$W"/j.db* "$W/stats" "$W/h.sock" "$W/rasd.sock"
	"$B/rasd-simhost" -s "$W/h.sock" --feed "$W/records.bin" \
		--feed-stats "$W/stats" "$SCN" 2>"$W/host.err" &
	HOST=$!
	while [ ! -S "$W/h.sock" ]; do sleep 0.01; done
	(ulimit -n 1024 && exec "$B/rasd" -H "sim:$SCN" -c "$POLICY" \
		-j "$W/j.db" --sim-socket "$W/h.sock" -s "$W/rasd.sock" -q \
		>"$W/rasd.out" 2>"$W/rasd.err") &
	RASD=$!
	while [ ! -S "$W/rasd.sock" ]; do sleep 0.01; done
	# Under privilege separation the engine (the parent's child) holds
	# the model and the clients: its memory is the one that moves.
	ENGINE=$(pgrep -P "$RASD" -x rasd | head -1)
	as_nobody "$B/tools/ctl_load" greedy "$W/rasd.sock" >"$W/greedy.out" 2>&1 &
	GREEDY=$!
	(ulimit -n 4096 && "$B/tools/ctl_load" run "$W/rasd.sock" \
		"${ENGINE:-$RASD}" "$N")
	kill "$GREEDY"
	wait "$GREEDY" 2>/dev/null
	GREEDY=
	cat "$W/greedy.out"
	"$B/rasctl" -s "$W/rasd.sock" --json status >"$W/status.json"
	read_=$(jq .records_read "$W/status.json")
	jq -r '.loop | "load: loop turns \(.turns), of \(.slow_turn_ms) ms or more \(.slow_turns), slowest \(.slowest_turn_us) us"' "$W/status.json"
	ticks=$(cpu_ticks "$RASD")
	[ -n "$ENGINE" ] && ticks=$((ticks + $(cpu_ticks "$ENGINE")))
	kill "$RASD"
	wait "$RASD" 2>/dev/null
	RASD=
	kill "$HOST"
	wait "$HOST" 2>/dev/null
	HOST=
	fed=$(sed -n 's/^records //p' "$W/stats")
	journaled=$(sqlite3 "$W/j.db" "select sum(records) from event_blocks")
	echo "load: records fed $fed, read by rasd $read_, journaled $journaled," \
		"dropped $((fed - journaled))"
	echo "load: rasd CPU time (parent and engine) $((ticks / $(getconf CLK_TCK))) s"
}

echo "bench: load: $N records, 50 status pollers, 50+10 subscribers," \
	"1100-connection waves, nobody asking for everything, rasd at 1024 fds"
"$B/tools/genrecords" "$N" "$N" "$W/records.bin"
i=0
while [ "$i" -lt "$RUNS" ]; do
	i=$((i + 1))
	echo "bench: load: run $i of $RUNS"
	one_run | tee -a "$W/runs"
done

# median (range) of one figure over the runs
summary() {
	sed -n "$2" "$W/runs" | sort -n | awk -v what="$1" '{ v[NR] = $1 }
		END { if (NR) printf "bench: load: %s median %s (range %s-%s, %d runs)\n",
			what, v[int((NR + 1) / 2)], v[1], v[NR], NR }'
}
summary "status p50 ms" 's/.*status latency p50 \([0-9.]*\) ms.*/\1/p'
summary "status p99 ms" 's/.*status latency p50 [0-9.]* ms p99 \([0-9.]*\) ms.*/\1/p'
summary "peak RSS kB" 's/.*rasd RSS start [0-9]* kB, peak \([0-9]*\) kB.*/\1/p'
summary "RSS start kB" 's/.*rasd RSS start \([0-9]*\) kB.*/\1/p'
summary "RSS after the load's clients left kB" 's/.*after clients left \([0-9]*\) kB.*/\1/p'
summary "1000 idle clients: RSS change after they left %" 's/.*after they left (\([-+0-9.]*\)%).*/\1/p'
summary "slowest loop turn us" 's/.*slowest \([0-9]*\) us$/\1/p'
summary "records dropped" 's/.*, dropped \([-0-9]*\)$/\1/p'

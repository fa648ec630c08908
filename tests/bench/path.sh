#!/bin/sh
# path.sh - the whole record path on the rasd binary: generated Skylake-SP
# corrected memory errors written by rasd-simhost --feed into the FIFO that
# stands in for /dev/mcelog (read 32 at a time by the same reader), rasd
# under policies/default.conf as shipped (durable journal, notices, syslog,
# correlation, actions). Figures, no verdict.
#
# Usage: path.sh BUILD [RECORDS]
set -u
BUILD=${1:-build}
N=${2:-${BENCH_RECORDS:-1000000}}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
case "$BUILD" in /*) B=$BUILD ;; *) B=$ROOT/$BUILD ;; esac
SCN=$ROOT/tests/bench/bench.scn
POLICY=$ROOT/policies/default.conf
W=$(mktemp -d /tmp/rasd-path.XXXXXX)
HOST=
trap '[ -n "$HOST" ] && kill "$HOST" 2>/dev/null; rm -rf "$W"' EXIT INT TERM

gen() { [ -f "$W/r-$1-$2.bin" ] || "$B/tools/genrecords" "$1" "$2" "$W/r-$1-$2.bin" ${3:-}; }

# run FEED [WRAPPER...]: one rasd life over the feed, the host its own
# process; sets $W/stats (the host's) and prints rasd's wall time in ms.
# $RATE paces the feed (records/s); $JDIR is where the journal goes.
run() {
	feed=$1
	shift
	J=${JDIR:-$W}
	rm -f "$J"/j.db* "$W/stats"
	"$B/rasd-simhost" -s "$W/h.sock" --feed "$feed" ${RATE:+--feed-rate $RATE} \
		--feed-stats "$W/stats" "$SCN" 2>"$W/host.err" &
	HOST=$!
	while [ ! -S "$W/h.sock" ]; do sleep 0.01; done
	t0=$(date +%s%N)
	"$@" "$B/rasd" -H "sim:$SCN" -c "$POLICY" -j "$J/j.db" \
		--sim-socket "$W/h.sock" -s none --exit-when-done -q \
		>"$W/rasd.out" 2>"$W/rasd.err"
	t1=$(date +%s%N)
	kill "$HOST"
	wait "$HOST" 2>/dev/null
	HOST=
	echo $(((t1 - t0) / 1000000))
}

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# p50 and p99 of the host's record -> page offline latencies, in us.
latency() {
	sed -n 's/^page_offline_latency_ns //p' "$W/stats" | sort -n |
		awk '{ v[NR] = $1 } END { if (NR == 0) { print "none"; exit }
			printf "p50 %.0f us, p99 %.0f us over %d actions\n",
			v[int(NR * 0.5 + 0.5)] / 1000,
			v[int(NR * 0.99 + 0.5)] / 1000, NR }'
}

echo "bench: whole path, rasd binary: $N records through the mcelog FIFO," \
	"policies/default.conf"
gen 0 1 2>/dev/null || : >"$W/r-0-1.bin"
: >"$W/empty.bin"
empty=$(for i in 1 2 3; do run "$W/empty.bin"; done | median)
gen "$N" "$N"
for i in 1 2 3; do
	ms=$(run "$W/r-$N-$N.bin")
	echo "$((ms - empty))"
done >"$W/times"
lat=$(latency)
events=$(sqlite3 "$W/j.db" "select sum(records) from event_blocks" 2>/dev/null)
med=$(median <"$W/times")
lo=$(sort -n "$W/times" | head -1)
hi=$(sort -n "$W/times" | tail -1)
echo "bench: path: $events of $N records journaled in the last run"
echo "bench: path: records/s median $((N * 1000 / (med > 0 ? med : 1)))" \
	"(range $((N * 1000 / (hi > 0 ? hi : 1)))-$((N * 1000 / (lo > 0 ? lo : 1))))," \
	"start-up (${empty} ms) subtracted"
echo "bench: path: record written to the device -> page offline asked," \
	"device saturated (queueing included): $lat"

# Latency without a backlog: the feed paced at 20k records/s, one record
# in 100 on a frame hit twice (about 330 page offlines). Each offline
# waits for the fsync that makes its intent durable, so the disk's own
# fsync time is in it; the same run with the journal on tmpfs shows
# rasd's path without it.
gen 200000 200000 100
mv "$W/r-200000-200000.bin" "$W/paced.bin"
RATE=20000 run "$W/paced.bin" >/dev/null
echo "bench: path: at 20k records/s, record -> page offline asked: $(latency)"
if [ -d /dev/shm ]; then
	JDIR=$(mktemp -d /dev/shm/rasd-path.XXXXXX)
	RATE=20000 JDIR=$JDIR run "$W/paced.bin" >/dev/null
	rm -rf "$JDIR"
	echo "bench: path: the same, journal on tmpfs (no disk fsync): $(latency)"
fi
# dash keeps an assignment made before a function call: the runs below
# are neither paced nor on the tmpfs just removed.
RATE=
JDIR=

if command -v valgrind >/dev/null; then
	gen 20000 20000
	gen 2000 2000
	# Both of rasd's processes (the parent reads the device, the engine
	# does the rest): their instructions summed.
	ir() {
		run "$1" valgrind --tool=callgrind \
			--callgrind-out-file="$W/cg.%p.out" >/dev/null
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$W/rasd.err" |
			awk '{ s += $1 } END { print s + 0 }'
	}
	a=$(ir "$W/r-20000-20000.bin")
	b=$(ir "$W/r-2000-2000.bin")
	echo "bench: path: callgrind: $(((a - b) / 18000)) instructions per" \
		"record (20k minus 2k records; reference decoder's daemon" \
		"path: about 24000)"
fi

for d in 1000 100000 1000000; do
	gen 1000000 "$d"
	run "$W/r-1000000-$d.bin" /usr/bin/time -f %M -o "$W/rss" >/dev/null
	echo "bench: path: 1M records over $d distinct pages: peak RSS" \
		"$(($(cat "$W/rss") / 1024)) MB"
done

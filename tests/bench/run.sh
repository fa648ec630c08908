#!/bin/sh
# run.sh - make bench: binary and text-path throughput and peak RSS on 1M
# records (median of 3 runs), then instructions per record under callgrind;
# figures, no verdict.
set -eu
BUILD=${1:-build}
BIN="$BUILD/tests/bench"
echo "bench: 1M generated 112-byte records, device reader -> decode -> correlate"
for i in 1 2 3; do "$BIN" 1000000 0; done | tee /tmp/rasd-bench.$$ 
med=$(sed -n 's/.*= \([0-9]*\) records\/s.*/\1/p' /tmp/rasd-bench.$$ | sort -n | sed -n 2p)
echo "bench: median decode+correlate throughput: $med records/s"
echo "bench: 1M records as mcelog --ascii text in memory -> text parser -> decode"
for i in 1 2 3; do "$BIN" 1000000 0 text; done | tee /tmp/rasd-bench-text.$$
tmed=$(sed -n 's/.*= \([0-9]*\) records\/s.*/\1/p' /tmp/rasd-bench-text.$$ | sort -n | sed -n 2p)
echo "bench: median text parse+decode throughput: $tmed records/s (binary decode+correlate: $med)"
echo "bench: reference decoder reading its own text format: about 285000 records/s"
rm -f /tmp/rasd-bench-text.$$
"$BIN" 1000 100000 | grep journal
rm -f /tmp/rasd-bench.$$
if ! command -v valgrind >/dev/null; then
	echo "bench: valgrind missing, no instruction counts"
	exit 0
fi
# Only drain_all is counted: reading, decoding and correlating, not the
# generation of the records or the set-up.
ir() {
	valgrind --tool=callgrind --callgrind-out-file=/tmp/rasd-cg.$$ \
		--collect-atstart=no --toggle-collect=drain_all \
		"$BIN" "$1" 0 >/dev/null 2>/tmp/rasd-cg-err.$$
	sed -n 's/.*Collected : \([0-9]*\).*/\1/p' /tmp/rasd-cg-err.$$
	rm -f /tmp/rasd-cg.$$ /tmp/rasd-cg-err.$$
}
a=$(ir 10000)
echo "bench: callgrind: $a instructions for 10k records"
echo "bench: instructions per record: $(( a / 10000 ))"
echo "bench: reference decoder daemon path: about 29500 per record"

# rasctl decode: the JSON lines it prints, per record (20k minus 2k
# generated records, start-up and dynamic linking subtracted).
G="$BUILD/tools/genrecords"
if [ -x "$G" ]; then
	"$G" 20000 20000 /tmp/rasd-dec20k.$$
	"$G" 2000 2000 /tmp/rasd-dec2k.$$
	dec() {
		valgrind --tool=callgrind --callgrind-out-file=/tmp/rasd-cg.$$ \
			"$BUILD/rasctl" decode "$1" >/dev/null 2>/tmp/rasd-cg-err.$$
		sed -n 's/.*Collected : \([0-9]*\).*/\1/p' /tmp/rasd-cg-err.$$
		rm -f /tmp/rasd-cg.$$ /tmp/rasd-cg-err.$$
	}
	a=$(dec /tmp/rasd-dec20k.$$)
	b=$(dec /tmp/rasd-dec2k.$$)
	echo "bench: rasctl decode: $(((a - b) / 18000)) instructions per record" \
		"(JSON lines out)"
	rm -f /tmp/rasd-dec20k.$$ /tmp/rasd-dec2k.$$
fi

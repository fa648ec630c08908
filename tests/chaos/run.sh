#!/bin/sh
# run.sh - make chaos: rasd killed (SIGKILL) at every journal commit and
# every hypervisor call of the failing-DIMM scenario, before and after,
# after each durable intent, and at random moments (some twice), then
# restarted on the same journal and host, and its engine alone killed at
# random moments (the parent restarts it); each end compared with an
# uninterrupted run. Ends with "chaos: N kill points, N lost, N repeated".
#
# Usage: run.sh BUILD [RANDOM_RUNS] [KINDS]   (KINDS: "commit hv", ...)
set -u
BUILD=${1:-build}
RANDOM_RUNS=${2:-${CHAOS_RANDOM:-100}}
KINDS=${3:-${CHAOS_KINDS:-commit committed hv hv-done intent}}
# Runs whose engine alone is killed (privilege separation's child).
ENGINE_RUNS=${CHAOS_ENGINE:-20}
CHAOS_DIR=$(cd "$(dirname "$0")" && pwd)
case "$BUILD" in /*) BUILD_DIR=$BUILD ;; *) BUILD_DIR=$CHAOS_DIR/../../$BUILD ;; esac
export BUILD_DIR CHAOS_DIR
. "$CHAOS_DIR/lib.sh"
WORK=$(mktemp -d /tmp/rasd-chaos.XXXXXX)
# rasd's engine runs as _rasd: it must reach the run directories.
chmod 755 "$WORK"
trap 'chaos_stop_host' EXIT INT TERM
points=0 lost=0 repeated=0 failed=0

# One finished run: counted by what its comparison found.
tally() {
	name=$1 dir=$2
	points=$((points + 1))
	out=$(chaos_compare "$WORK/ref" "$dir")
	if [ "$out" = ok ]; then
		echo "ok   $name"
		rm -rf "$dir"
		return 0
	fi
	echo "FAIL $name (kept $dir)"
	echo "$out" | sed 's/^/     /'
	echo "$out" | grep -q '^lost' && lost=$((lost + 1))
	echo "$out" | grep -q '^repeated' && repeated=$((repeated + 1))
	return 0
}

start=$(date +%s)
t0=$(date +%s%N)
if ! chaos_reference "$WORK/ref"; then
	echo "chaos: the uninterrupted run failed (see $WORK/ref)"
	exit 1
fi
ref_ms=$((($(date +%s%N) - t0) / 1000000))
echo "chaos: reference run: $ref_ms ms; its end state:"
chaos_state "$WORK/ref" | sed 's/^/  /'

for kind in $KINDS; do
	n=1 kind_points=0
	while :; do
		dir="$WORK/$kind-$n"
		chaos_kill_at "$dir" "$kind:$n"
		rc=$?
		if [ "$rc" -eq 3 ]; then
			rm -rf "$dir"
			break
		fi
		if [ "$rc" -ne 0 ]; then
			failed=$((failed + 1))
			echo "FAIL $kind:$n: $(cat "$dir/why" 2>/dev/null) (kept $dir)"
		else
			tally "$kind:$n" "$dir"
		fi
		kind_points=$((kind_points + 1))
		n=$((n + 1))
	done
	echo "chaos: $kind: $kind_points kill point(s)"
done

run=1
while [ "$run" -le "$RANDOM_RUNS" ]; do
	ms=$(($(od -An -N2 -tu2 /dev/urandom) % (ref_ms + 1)))
	ms2=
	# One run in three is killed a second time, early in its restart.
	if [ $((run % 3)) -eq 0 ]; then
		ms2=$(($(od -An -N2 -tu2 /dev/urandom) % (ref_ms / 2 + 1)))
	fi
	dir="$WORK/random-$run"
	if chaos_kill_after "$dir" "$ms" $ms2; then
		tally "random kill at ${ms}ms${ms2:+ and ${ms2}ms}" "$dir"
	else
		failed=$((failed + 1))
		echo "FAIL random-$run: $(cat "$dir/why" 2>/dev/null) (kept $dir)"
	fi
	run=$((run + 1))
done

# The engine alone, killed at random moments: its parent restarts it.
run=1
while [ "$run" -le "$ENGINE_RUNS" ]; do
	ms=$(($(od -An -N2 -tu2 /dev/urandom) % (ref_ms + 1)))
	dir="$WORK/engine-$run"
	if chaos_kill_engine_after "$dir" "$ms"; then
		tally "engine killed at ${ms}ms" "$dir"
	else
		failed=$((failed + 1))
		echo "FAIL engine-$run: $(cat "$dir/why" 2>/dev/null) (kept $dir)"
	fi
	run=$((run + 1))
done

echo "chaos: $(($(date +%s) - start)) s"
echo "chaos: $points kill points, $lost lost, $repeated repeated, $failed failed"
[ "$lost" -eq 0 ] && [ "$repeated" -eq 0 ] && [ "$failed" -eq 0 ] &&
	rm -rf "$WORK"
[ "$lost" -eq 0 ] && [ "$repeated" -eq 0 ] && [ "$failed" -eq 0 ]

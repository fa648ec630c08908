#!/bin/sh
# run.sh - make fuzz: runs every built libFuzzer target for SECONDS each
# with a corpus kept under build/fuzz/corpus/NAME; stops at the first crash.
set -u
DIR=${1:-build/fuzz}
SECONDS_EACH=${2:-60}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
status=0
for bin in "$DIR"/fuzz_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	corpus="$DIR/corpus/$name"
	mkdir -p "$corpus"
	# Seed the corpus with the repo's own inputs of that kind.
	case "$name" in
	fuzz_policy) cp "$ROOT"/policies/*.conf "$ROOT"/tests/integration/policies/*.conf "$corpus/" 2>/dev/null ;;
	fuzz_scenario) cp "$ROOT"/hypervisor/sim/scenarios/*.scn "$ROOT"/tests/integration/scenarios/*.scn "$corpus/" 2>/dev/null ;;
	fuzz_control) printf '{"id":1,"cmd":"events","args":{"since_ms":0}}' >"$corpus/seed" ;;
	fuzz_syslog5424)
		# First byte odd: the target parser; even: the formatter.
		printf '\001[::1]:6514' >"$corpus/v6"
		printf '\001logs.example:514' >"$corpus/name"
		printf '\100MEMCE\ntext\ndimm=DIMM_B' >"$corpus/notice" ;;
	esac
	echo "fuzz: $name for ${SECONDS_EACH}s"
	if ! "$bin" -max_total_time="$SECONDS_EACH" -print_final_stats=1 \
		-artifact_prefix="$DIR/$name-" "$corpus" >"$DIR/$name.log" 2>&1; then
		echo "fuzz: $name FAILED, see $DIR/$name.log"
		tail -30 "$DIR/$name.log"
		status=1
	else
		grep -E 'stat::number_of_executed_units|cov:' "$DIR/$name.log" | tail -2
	fi
done
exit $status

#!/bin/sh
# run.sh - runs every unit test (cmocka) and integration test against the
# binaries in BUILD, and ends with one line: "N passed, N failed[, N skipped]".
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
LOGDIR="$ROOT/$BUILD/test-logs"
# Leaks inside the graphing libraries librrd loads are theirs, not ours;
# librrd has no frame pointers, so the slow unwinder finds them.
export LSAN_OPTIONS="suppressions=$ROOT/tests/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export ASAN_OPTIONS="fast_unwind_on_malloc=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
# A hung test fails with a message instead of stalling the whole run.
UNIT_TIMEOUT=${UNIT_TIMEOUT:-120}
INTEGRATION_TIMEOUT=${INTEGRATION_TIMEOUT:-600}
mkdir -p "$LOGDIR"
passed=0 failed=0 skipped=0 failures=""

# cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N test(s)".
for bin in "$ROOT/$BUILD"/tests/test_*; do
	[ -x "$bin" ] || continue
	name=$(basename "$bin")
	log="$LOGDIR/$name.log"
	timeout "$UNIT_TIMEOUT" "$bin" >"$log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "timed out after ${UNIT_TIMEOUT}s" >>"$log"
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
	p=${p:-0} f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed or sanitizer stopped it before cmocka could count
	fi
	passed=$((passed + p)) failed=$((failed + f))
	if [ "$f" -ne 0 ]; then
		failures="$failures $name"
		echo "FAIL: $name (see $log)"
		grep -E '^\[  (FAILED|  ERROR)|ERROR|runtime error|Sanitizer' "$log" | head -20
	else
		echo "ok: $name ($p tests)"
	fi
done

# Integration tests print "PASS: what", "FAIL: what" or "SKIP: what (why)".
for t in "$ROOT"/tests/integration/test_*.sh; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .sh)
	log="$LOGDIR/$name.log"
	BUILD_DIR="$ROOT/$BUILD" timeout "$INTEGRATION_TIMEOUT" sh "$t" >"$log" 2>&1
	rc=$?
	[ "$rc" -eq 124 ] && echo "FAIL: $name timed out after ${INTEGRATION_TIMEOUT}s" >>"$log"
	p=$(grep -c '^PASS:' "$log")
	f=$(grep -c '^FAIL:' "$log")
	s=$(grep -c '^SKIP:' "$log")
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1
		echo "FAIL: $name exited $rc without reporting a failure" >>"$log"
	fi
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))
	grep -E '^(FAIL|SKIP):' "$log" | sed "s/^/$name: /"
	if [ "$f" -ne 0 ]; then
		failures="$failures $name"
		echo "FAIL: $name (see $log)"
		tail -15 "$log"
	else
		echo "ok: $name ($p checks)"
	fi
done

[ -n "$failures" ] && echo "failed:$failures"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]

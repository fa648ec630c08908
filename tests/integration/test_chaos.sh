#!/bin/sh
# test_chaos.sh - exactly once, inside make check: rasd killed (SIGKILL) at
# 26 points of the failing-DIMM scenario, restarted on the same journal and
# simulated host, and its end held to an uninterrupted run's: nothing lost,
# nothing repeated. make chaos runs every point and 100 random moments.
. "$(dirname "$0")/lib.sh"
CHAOS_DIR="$ROOT/tests/chaos"
. "$CHAOS_DIR/lib.sh"
trap 'chaos_stop_host; cleanup' EXIT

# Spread over the run: record batches and plans (commit), outcomes after
# they are on disk (committed), each side of hypervisor calls (hv,
# hv-done: page offline, migration starts, the events that end them),
# right after an intent is durable (intent), and two random moments.
POINTS="commit:1 commit:4 commit:7 commit:10 commit:16 commit:22 commit:28
committed:3 committed:8 committed:13 committed:19 committed:25
hv:8 hv:11 hv:14 hv:17 hv:20 hv-done:9 hv-done:12 hv-done:15 hv-done:18
intent:1 intent:2 intent:3"

if ! chaos_reference "$WORK/ref"; then
	fail "the uninterrupted run (see $WORK/ref)"
	exit 1
fi
pass "the uninterrupted run ends as the scenario expects"

for spec in $POINTS; do
	chaos_kill_at "$WORK/$spec" "$spec"
	rc=$?
	if [ "$rc" -eq 3 ]; then
		fail "killed at $spec: the run never reached that point"
		continue
	fi
	if [ "$rc" -ne 0 ]; then
		fail "killed at $spec: $(cat "$WORK/$spec/why" 2>/dev/null)"
		continue
	fi
	out=$(chaos_compare "$WORK/ref" "$WORK/$spec")
	if [ "$out" = ok ]; then
		pass "killed at $spec: restarted, nothing lost, nothing repeated"
	else
		fail "killed at $spec: $(echo "$out" | tr '\n' ';')"
	fi
done

for ms in 120 260; do
	chaos_kill_after "$WORK/random-$ms" "$ms"
	out=$(chaos_compare "$WORK/ref" "$WORK/random-$ms")
	if [ "$out" = ok ]; then
		pass "killed ${ms} ms in: nothing lost, nothing repeated"
	else
		fail "killed ${ms} ms in: $(echo "$out" | tr '\n' ';')"
	fi
done
[ "$FAILED" -eq 0 ]

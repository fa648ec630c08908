# lib.sh - the crash tests' runs: the simulated host as its own process,
# rasd killed at a chosen point, restarted, and its end compared.
#
# Expected outcome, written before any run: for every kill point the end
# state equals the uninterrupted run's. Nothing lost (every hypervisor
# call, action, component state, guest move and event of the reference
# is there), nothing repeated (no call, action or move more than in the
# reference). The state compared:
#   calls       the host's state-changing calls: page_offline, cpu_offline,
#               cpu_online, migrate_start (started), inject; ids and times
#               stripped; a multiset
#   actions     kind, target, peer, attempt, state per action row
#   components  kind, name, state
#   moves       each guest's evacuation row (domid, DIMM, state), and
#               where the host says each guest went (migrate_done)
#   events      how many
: "${BUILD_DIR:?BUILD_DIR must name the build directory}"
: "${CHAOS_DIR:?CHAOS_DIR must name tests/chaos}"
ROOT=$(cd "$CHAOS_DIR/../.." && pwd)
RASD="$BUILD_DIR/rasd"
SIMHOST="$BUILD_DIR/rasd-simhost"
SCENARIO=${CHAOS_SCENARIO:-$ROOT/hypervisor/sim/scenarios/failing-dimm.scn}
POLICY=${CHAOS_POLICY:-$CHAOS_DIR/chaos.conf}
SPEED=${CHAOS_SPEED:-20000}
HOST_PID=

chaos_stop_host() {
	if [ -n "$HOST_PID" ]; then
		kill "$HOST_PID" 2>/dev/null
		wait "$HOST_PID" 2>/dev/null
	fi
	HOST_PID=
}

# chaos_host DIR: the simulated host for one run, in the background.
chaos_host() {
	"$SIMHOST" -s "$1/host.sock" --speed "$SPEED" --call-log "$1/calls" \
		"$SCENARIO" 2>"$1/host.err" &
	HOST_PID=$!
	_wait=0
	while [ ! -S "$1/host.sock" ] && [ $_wait -lt 200 ]; do
		sleep 0.01
		_wait=$((_wait + 1))
	done
	test -S "$1/host.sock"
}

# chaos_rasd DIR LIFE [env...]: one life of rasd on the run's journal and
# host; its exit status is the function's.
chaos_rasd() {
	dir=$1 life=$2
	shift 2
	env "$@" timeout 60 "$RASD" -H "sim:$SCENARIO" -c "$POLICY" \
		-j "$dir/j.db" --sim-socket "$dir/host.sock" -s none \
		--log "$dir/rasd.log" --exit-when-done -q \
		>"$dir/$life.out" 2>"$dir/$life.err"
}

# chaos_rasd_bg DIR LIFE: one life in the background; RASD_PID is rasd's
# own pid (no wrapper between), for kill -9.
chaos_rasd_bg() {
	"$RASD" -H "sim:$SCENARIO" -c "$POLICY" -j "$1/j.db" \
		--sim-socket "$1/host.sock" -s none --log "$1/rasd.log" \
		--exit-when-done -q >"$1/$2.out" 2>"$1/$2.err" &
	RASD_PID=$!
}

# chaos_state DIR: the end state, one sorted line per fact.
chaos_state() {
	dir=$1
	sed -n 's/^[0-9]* \(page_offline mfn=0x[0-9a-f]*\).*/call \1/p;
		s/^[0-9]* \(cpu_offline cpu=[0-9]*\).*/call \1/p;
		s/^[0-9]* \(cpu_online cpu=[0-9]*\).*/call \1/p;
		s/^[0-9]* \(migrate_start domid=[0-9]* peer=[^ ]*\) id=.*/call \1/p;
		s/^[0-9]* \(inject .*\)/call \1/p;
		s/^[0-9]* migrate_done id=[0-9]* \(domid=[0-9]* peer=.*\)/moved \1/p' \
		"$dir/calls"
	sqlite3 -batch -noheader "$dir/j.db" "
		select 'action ' || kind || ' ' || printf('0x%x', target) || ' ' ||
		       peer || ' ' || attempt || ' ' || state from actions;
		select 'component ' || kind || ' ' || name || ' ' || state
		       from components;
		select 'evacuation dom' || domid || ' ' || component || ' ' ||
		       state from evacuations;
		select 'events ' || coalesce(sum(records), 0) from event_blocks;"
}

# chaos_compare REF RUN: "ok", or what was lost (-) and repeated (+).
chaos_compare() {
	chaos_state "$1" | sort >"$1.state"
	chaos_state "$2" | sort >"$2.state"
	if cmp -s "$1.state" "$2.state"; then
		echo ok
		return 0
	fi
	diff "$1.state" "$2.state" | sed -n 's/^< /lost: /p; s/^> /repeated: /p'
	return 1
}

# chaos_reference DIR: the uninterrupted run the others are held to.
chaos_reference() {
	mkdir -p "$1"
	chaos_host "$1" || return 1
	chaos_rasd "$1" life1
	rc=$?
	chaos_stop_host
	return $rc
}

# chaos_kill_at DIR SPEC: one run killed at RASD_CRASH_AT=SPEC, then
# restarted to the end. Returns 0 when killed and finished, 3 when the
# point was never reached (the run ended whole), 1 on a failure.
chaos_kill_at() {
	dir=$1 spec=$2
	mkdir -p "$dir"
	chaos_host "$dir" || return 1
	chaos_rasd "$dir" life1 RASD_CRASH_AT="$spec"
	rc=$?
	if [ "$rc" -eq 0 ]; then
		chaos_stop_host
		return 3
	fi
	if [ "$rc" -ne 137 ]; then
		echo "life 1 exited $rc, not killed" >>"$dir/why"
		chaos_stop_host
		return 1
	fi
	chaos_rasd "$dir" life2
	rc=$?
	chaos_stop_host
	[ "$rc" -eq 0 ] || echo "life 2 exited $rc" >>"$dir/why"
	return $rc
}

# chaos_kill_after DIR MS [MS2]: killed MS milliseconds into the run (and
# once more MS2 into the second life), then restarted to the end.
chaos_kill_after() {
	dir=$1 ms=$2 ms2=${3:-}
	mkdir -p "$dir"
	chaos_host "$dir" || return 1
	life=1
	for delay in $ms $ms2; do
		chaos_rasd_bg "$dir" "life$life"
		sleep "$(awk "BEGIN { printf \"%.3f\", $delay / 1000 }")"
		kill -9 "$RASD_PID" 2>/dev/null
		wait "$RASD_PID" 2>/dev/null
		life=$((life + 1))
	done
	chaos_rasd "$dir" "life$life"
	rc=$?
	chaos_stop_host
	[ "$rc" -eq 0 ] || echo "last life exited $rc" >>"$dir/why"
	return $rc
}

# chaos_kill_engine_after DIR MS: the engine alone killed MS milliseconds
# into the run; its parent starts another, which finishes the run. The
# parent must end it with exit 0, as an uninterrupted run does.
chaos_kill_engine_after() {
	dir=$1 ms=$2
	mkdir -p "$dir"
	chaos_host "$dir" || return 1
	chaos_rasd_bg "$dir" life1
	sleep "$(awk "BEGIN { printf \"%.3f\", $ms / 1000 }")"
	engine=$(pgrep -P "$RASD_PID" -x rasd | head -1)
	[ -n "$engine" ] && kill -9 "$engine" 2>/dev/null
	wait "$RASD_PID"
	rc=$?
	chaos_stop_host
	[ "$rc" -eq 0 ] || echo "the parent exited $rc" >>"$dir/why"
	return $rc
}

#!/bin/sh
# test_privsep.sh - rasd split in two: the parent stays root, the engine
# runs as _rasd; an engine taken over is refused by the parent's guard; the
# health hook runs from the parent as its own user with a clean environment
# and a deadline; a killed engine is started again and the journal says so.
. "$(dirname "$0")/lib.sh"
S="$ROOT/hypervisor/sim/scenarios"

if [ "$(id -u)" -ne 0 ] || ! getent passwd _rasd >/dev/null; then
	echo "SKIP: privilege separation (needs root and the _rasd user: scripts/deps.sh build)"
	exit 0
fi

# -- who runs as whom ---------------------------------------------------------
# The hook runs as nobody: it writes where anyone may.
mkdir "$WORK/drop" && chmod 1777 "$WORK/drop"
cat >"$WORK/hook.sh" <<HOOK
#!/bin/sh
{ id -un; echo "\$1|\$2"; env | sort; } >"$WORK/drop/hook.out.\$\$"
mv "$WORK/drop/hook.out.\$\$" "$WORK/drop/hook.out"
echo "hook saw \$1"
HOOK
chmod 755 "$WORK/hook.sh"
cat >"$WORK/policy.conf" <<POLICY
[health]
yellow = quarantine
hook = $WORK/hook.sh
POLICY
SECRET_FROM_ROOT=1 start_rasd live "$TESTS_DIR/scenarios/idle.scn" "$WORK/policy.conf"
check "rasd starts split in two" test -S "$SOCK"
parent_user=$(ps -o user= -p "$RASD_PID" | tr -d ' ')
engine=$(pgrep -P "$RASD_PID" -x rasd | head -1)
expect_eq "the parent is root" "$parent_user" root
expect_eq "the engine runs as _rasd" "$(ps -o user= -p "$engine" | tr -d ' ')" _rasd
expect_eq "the control socket is the engine's" "$(stat -c %U "$SOCK")" _rasd
expect_eq "the journal is the engine's" "$(stat -c %U "$WORK/live.db")" _rasd

# The hook: a retired page makes the host yellow, which quarantines.
inject_mem_ce 0x40001040
inject_mem_ce 0x40001040
i=0
while [ ! -f "$WORK/drop/hook.out" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "the quarantine hook ran" test -f "$WORK/drop/hook.out"
expect_eq "it ran as hook_user (default nobody)" "$(head -1 "$WORK/drop/hook.out")" nobody
check "with the state and the reason" grep -q '^yellow|' "$WORK/drop/hook.out"
check "rasd itself had SECRET_FROM_ROOT" grep -qa SECRET_FROM_ROOT "/proc/$RASD_PID/environ"
check "the hook ran in a clean environment (nothing of rasd's)" sh -c \
	"test -s '$WORK/drop/hook.out' && ! grep -q SECRET_FROM_ROOT '$WORK/drop/hook.out'"
check "told why in RASD_HEALTH" grep -q '^RASD_HEALTH=yellow' "$WORK/drop/hook.out"
i=0
while ! grep -q 'hook saw yellow' "$WORK/live.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "what it said reaches the log" grep -q "hook $WORK/hook.sh said: hook saw yellow" "$WORK/live.log"

# -- an engine killed is started again ----------------------------------------
events_before=$("$RASCTL" -s "$SOCK" --json status | jq .summary.events)
kill -9 "$engine"
i=0
while { [ "$(pgrep -P "$RASD_PID" -x rasd | head -1)" = "$engine" ] ||
	! "$RASCTL" -s "$SOCK" status >/dev/null 2>&1; } && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
engine2=$(pgrep -P "$RASD_PID" -x rasd | head -1)
check "the parent outlives its engine" kill -0 "$RASD_PID"
check "and starts another" test -n "$engine2" -a "$engine2" != "$engine"
expect_eq "the new engine answers with what the journal holds" \
	"$("$RASCTL" -s "$SOCK" --json status | jq .summary.events)" "$events_before"
check "the journal says the engine was restarted" sh -c \
	"'$RASCTL' -s '$SOCK' --json health | jq -e '[.events[] | select(.what == \"engine restarted\")] | length == 1' >/dev/null"
check "the parent said why" grep -q 'engine' "$WORK/live.err"
stop_rasd
expect_eq "SIGTERM to the parent stops both: exit 0" $? 0
check "no engine left behind" sh -c "! kill -0 $engine2 2>/dev/null"

# -- the parent killed: its engine goes too ----------------------------------
start_rasd orphan "$TESTS_DIR/scenarios/idle.scn" "$WORK/policy.conf"
engine=$(pgrep -P "$RASD_PID" -x rasd | head -1)
kill -9 "$RASD_PID"
wait "$RASD_PID" 2>/dev/null
RASD_PID=
i=0
while kill -0 "$engine" 2>/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
check "kill -9 of the parent takes its engine with it" sh -c "! kill -0 $engine 2>/dev/null"

# -- a hook that will not end ------------------------------------------------
printf '#!/bin/sh\nsleep 300\n' >"$WORK/slow.sh"
chmod 755 "$WORK/slow.sh"
cat >"$WORK/slow.conf" <<POLICY
[health]
yellow = quarantine
hook = $WORK/slow.sh
hook_timeout = 1s
POLICY
start_rasd slow "$TESTS_DIR/scenarios/idle.scn" "$WORK/slow.conf"
inject_mem_ce 0x40001040
inject_mem_ce 0x40001040
i=0
while ! grep -q 'killed at its deadline' "$WORK/slow.log" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
check "hook_timeout: the hook is killed, and the log says so" \
	grep -q "hook $WORK/slow.sh killed at its deadline (1000 ms)" "$WORK/slow.log"
i=0
while pgrep -f "$WORK/slow.sh" >/dev/null && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
# (the brackets keep pgrep from finding the sh -c that runs it)
check "... with nothing of it left running" sh -c "! pgrep -f '$WORK/[s]low.sh' >/dev/null"
check "... its sleep too (the process group)" sh -c "! pgrep -x -f '[s]leep 300' >/dev/null"
stop_rasd

# -- an engine taken over -----------------------------------------------------
printf '[page]\nmax_offlined = 5\n[cpu]\nprotect = 3\n' >"$WORK/guard.conf"
PATH="$BUILD_DIR:$PATH" timeout 60 "$BUILD_DIR/tools/hostile_engine" \
	"$S/failing-dimm.scn" "$WORK/guard.conf" "$WORK/guard.db" _rasd \
	>"$WORK/hostile.out" 2>"$WORK/hostile.err"
expect_eq "the hostile engine asked everything" $? 0
check "it ran as _rasd" grep -q "^engine uid $(id -u _rasd)\$" "$WORK/hostile.out"
check "CPU 0 offline: refused" grep -q "^cpu_offline 0: -1 refused by rasd's parent: CPU 0 is the boot CPU" "$WORK/hostile.out"
check "a protected CPU: refused" grep -q "^cpu_offline 3: -1 refused by rasd's parent: CPU 3 is protected" "$WORK/hostile.out"
check "another CPU: allowed" grep -q "^cpu_offline 5: 0" "$WORK/hostile.out"
check "pages past the cap: refused" grep -q "^page_offline 40 asked: 5 taken, 35 refused" "$WORK/hostile.out"
check "dom0 migration: refused" grep -q "^migrate_start dom0: -1 refused by rasd's parent: domain 0 is the control domain" "$WORK/hostile.out"
check "an unknown domain: refused" grep -q "^migrate_start dom77: -1 refused" "$WORK/hostile.out"
check "the parent logs each refusal itself" \
	grep -q "rasd: parent: refused the engine's request: CPU 0 is the boot CPU" "$WORK/hostile.err"
exit 0

#!/bin/sh
# test_systemd.sh - rasd as systemd's Type=notify sees it (READY once set
# up, STATUS with health, WATCHDOG=1 from the loop, STOPPING) read from a
# real datagram socket, and rasd --check-config for every backend.
. "$(dirname "$0")/lib.sh"
S="$ROOT/hypervisor/sim/scenarios"
P="$ROOT/policies"

# The notify socket: each datagram printed as it comes, a newline after.
NS="$WORK/notify"
"$BUILD_DIR/tools/dgram_recv" "$NS" >"$WORK/notify.out" 2>&1 &
SOCAT=$!
i=0
while [ ! -S "$NS" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
# systemd's own notify socket is writable by all: the engine (_rasd) sends.
chmod 666 "$NS"
NOTIFY_SOCKET="$NS" WATCHDOG_USEC=200000 WATCHDOG_PID=$$ \
	timeout 60 "$RASD" -H "sim:$S/failing-dimm.scn" -c "$P/demo.conf" \
	-j "$WORK/w.db" -s none -q --speed 60000 --exit-when-done >/dev/null 2>&1
kill "$SOCAT" 2>/dev/null
wait "$SOCAT" 2>/dev/null
check "WATCHDOG_PID of another process: no watchdog" sh -c "! grep -q WATCHDOG=1 '$WORK/notify.out'"

"$BUILD_DIR/tools/dgram_recv" "$NS.2" >"$WORK/notify2.out" 2>&1 &
SOCAT=$!
i=0
while [ ! -S "$NS.2" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
chmod 666 "$NS.2"
# WATCHDOG_PID names rasd's parent, as systemd names its main process; the
# parent hands the watchdog to its engine.
NOTIFY_SOCKET="$NS.2" WATCHDOG_USEC=200000 RASD="$RASD" S="$S" P="$P" \
	W="$WORK" timeout 60 sh -c 'export WATCHDOG_PID=$$; exec "$RASD" \
	-H "sim:$S/failing-dimm.scn" -c "$P/demo.conf" -j "$W/n.db" -s none \
	-q --speed 600 --exit-when-done' >/dev/null 2>&1
expect_eq "rasd under a notify socket runs the scenario: exit 0" $? 0
sleep 0.2
kill "$SOCAT" 2>/dev/null
wait "$SOCAT" 2>/dev/null
O="$WORK/notify2.out"
expect_eq "the first datagram is READY=1" "$(head -1 "$O")" "READY=1"
check "READY leaves the main pid to the parent systemd started" \
	sh -c "! grep -q '^MAINPID=' '$O'"
check "STATUS says the health at start" grep -q '^STATUS=health green' "$O"
check "STATUS follows health to red with the reason" \
	grep -q '^STATUS=health red: DIMM CPU0_DIMM_B1' "$O"
n=$(grep -c '^WATCHDOG=1' "$O")
check "WATCHDOG=1 comes from the loop while it runs ($n)" test "$n" -ge 5
expect_eq "the last datagram is STOPPING=1" "$(grep . "$O" | tail -1)" "STOPPING=1"

# --check-config: exit 0 and a line per part; every backend's spec.
"$RASD" --check-config -H "sim:$S/failing-dimm.scn" -c "$P/default.conf" >"$WORK/cc1" 2>&1
expect_eq "--check-config of the shipped policy and a scenario: exit 0" $? 0
check "it says the policy is ok" grep -q "policy $P/default.conf: ok" "$WORK/cc1"
for b in xen linux linux:qemu:///system auto; do
	f="$WORK/cc-$(echo "$b" | tr -c 'a-z\n' _)"
	"$RASD" -n -H "$b" -c "$P/default.conf" >"$f" 2>&1
	expect_eq "-n -H $b: exit 0 without touching the host" $? 0
done
check "auto says which backend this host gets" grep -q 'backend auto: ok (this host: ' "$WORK/cc-auto"
"$RASD" -n -H "linux:" >/dev/null 2>&1
expect_eq "-n -H linux: (no URI): exit 1" $? 1
printf '[page]\nthreshold = 2\nwindow = 24\n' >"$WORK/bad.conf"
"$RASD" -n -H xen -c "$WORK/bad.conf" >/dev/null 2>"$WORK/cc2"
expect_eq "--check-config of a bad policy: exit 1" $? 1
check "with FILE:LINE" grep -q 'bad.conf:3' "$WORK/cc2"
sed "s/^at 00:05:00 mem-ce addr=/at 00:05:00 mem-ce adr=/" "$S/failing-dimm.scn" >"$WORK/bad.scn"
"$RASD" -n -H "sim:$WORK/bad.scn" >/dev/null 2>"$WORK/cc3"
expect_eq "--check-config of a bad scenario: exit 1" $? 1
"$RASD" -n -H bogus >/dev/null 2>"$WORK/cc4"
expect_eq "--check-config of an unknown backend: exit 1" $? 1
"$RASD" -n -H "sim:$S/failing-dimm.scn" -j "$WORK/nodir/j.db" >/dev/null 2>&1
check "--check-config opens no journal" test ! -e "$WORK/nodir"
exit 0

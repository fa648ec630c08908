#!/bin/sh
# test_target.sh - [evacuation] target_command: the orchestrator names the
# peer (rasd on the failing-DIMM scenario, the command a stub that logs
# what it got and who ran it); "none", a timeout and a bad answer; and the
# shipped OpenStack/Nova and XAPI scripts against stub openstack and xe.
. "$(dirname "$0")/lib.sh"
SCN="$ROOT/hypervisor/sim/scenarios/failing-dimm.scn"
C="$ROOT/contrib/orchestrators"

# The stubs run as nobody: their directory must be reachable, their log
# writable.
chmod 755 "$WORK"
mkdir -p "$WORK/bin" "$WORK/out"
chmod 755 "$WORK/bin"
chmod 1777 "$WORK/out"

stub() { # NAME BODY: an executable stub command in $WORK/bin
	printf '#!/bin/sh\n%s\n' "$2" >"$WORK/bin/$1"
	chmod 755 "$WORK/bin/$1"
}

policy() { # NAME COMMAND [TIMEOUT]: demo.conf with the target command
	sed "/^\[evacuation\]/a target_command = $2\ntarget_timeout = ${3:-10s}" \
		"$ROOT/policies/demo.conf" >"$WORK/$1.conf"
}

# sim NAME: the scenario played with the policy NAME; its expectations
# hold, but for the count of failed attempts, which the command changes
# (the scenario's first peer refuses; a command may never name it).
sim() {
	run_sim "$1" "$SCN" "$WORK/$1.conf"
	grep '^FAILED' "$WORK/$1.out" | grep -v 'expect actions_failed=' |
		grep -q . && return 1
	grep -q '^demo summary' "$WORK/$1.out"
}

# 1. the command names xen-b: no attempt ever goes to xen-c (the peers
# list's first, which refuses), it ran unprivileged, it got the guest.
stub pick-b 'cat >"'"$WORK"'/out/in.$$.json"; id -u >"'"$WORK"'/out/uid.$$"; echo xen-b'
policy pick "$WORK/bin/pick-b"
if sim pick; then
	pass "the target command's peer: the scenario's expectations hold"
else
	fail "the target command's peer: $(grep FAILED "$WORK/pick.out" | tr '\n' ' ')"
fi
expect_eq "attempts to the peers list's first peer" \
	"$(sql "$WORK/pick.db" "SELECT COUNT(*) FROM actions WHERE kind = 'migrate' AND peer = 'xen-c'")" 0
expect_eq "guests moved to the peer the command named" \
	"$(sql "$WORK/pick.db" "SELECT COUNT(DISTINCT target) FROM actions WHERE kind = 'migrate' AND state = 'done' AND peer = 'xen-b'")" 2
in=$(cat "$(ls "$WORK"/out/in.*.json | head -1)")
expect_eq "the guest as JSON on stdin" \
	"$(printf '%s' "$in" | jq -r '[has("domid"), has("name"), has("memory_mib"), has("component"), (.peers | length)] | map(tostring) | join(",")')" \
	"true,true,true,true,2"
# rasd's engine runs as _rasd (privilege separation): the command runs
# as that user, which can become nobody no more than it needs to.
if [ "$(id -u)" -eq 0 ]; then
	expect_eq "run as rasd's engine user (_rasd), never root" \
		"$(cat "$WORK"/out/uid.* | sort -u)" "$(id -u _rasd)"
fi
grep -q "target command: web-01 (dom1) goes to xen-b" "$WORK/pick.log" &&
	pass "the choice is logged" || fail "no 'goes to xen-b' in the log"

# 2. "none": the orchestrator has no room; the guests stay, failed.
stub none 'cat >/dev/null; echo none'
policy none "$WORK/bin/none"
run_sim none "$SCN" "$WORK/none.conf"
expect_eq "\"none\": no migration asked for" \
	"$(sql "$WORK/none.db" "SELECT COUNT(*) FROM actions WHERE kind = 'migrate' AND state != 'recommended'")" 0
expect_eq "\"none\": each evacuation failed with why" \
	"$(sql "$WORK/none.db" "SELECT COUNT(*) FROM evacuations WHERE state = 'failed' AND detail = 'the target command named no peer'")" 2

# 3. no answer within target_timeout: killed, and the peers list serves.
stub slow 'cat >/dev/null; sleep 30; echo xen-b'
policy slow "$WORK/bin/slow" 300ms
t0=$(date +%s)
if sim slow; then
	pass "a target command past its timeout: the peers list moved them"
else
	fail "timeout: $(grep FAILED "$WORK/slow.out" | tr '\n' ' ')"
fi
[ $(($(date +%s) - t0)) -lt 25 ] && pass "the slow command was killed" ||
	fail "rasd waited for the slow command"
grep -q "no answer within 300 ms: killed; using the peers list" "$WORK/slow.log" &&
	pass "the timeout is logged" || fail "no timeout line in the log"

# 4. an answer that is no peer name, or a failing command
stub bad 'cat >/dev/null; echo "xen-b; rm -rf /"'
policy bad "$WORK/bin/bad"
run_sim bad "$SCN" "$WORK/bad.conf"
grep -q "printed 'xen-b; rm -rf /', not a peer" "$WORK/bad.log" &&
	pass "a bad answer is refused and logged" || fail "bad answer not refused"
expect_eq "a bad answer: nothing asked of it" \
	"$(sql "$WORK/bad.db" "SELECT COUNT(*) FROM actions WHERE kind = 'migrate' AND peer LIKE '%rm%'")" 0

# 5. the policy checks the keys
printf '[evacuation]\ntarget_command = relative/path\n' >"$WORK/rel.conf"
if "$RASD" -n -c "$WORK/rel.conf" >"$WORK/rel.out" 2>&1; then
	fail "a relative target_command was accepted"
else
	grep -q "rel.conf:2:" "$WORK/rel.out" &&
		pass "a relative target_command: FILE:LINE error" ||
		fail "no FILE:LINE: $(cat "$WORK/rel.out")"
fi

# 6. the shipped scripts against stub openstack and xe
GUEST='{"domid":3,"name":"web-01","memory_mib":4096,"host":"xen-a","component":"CPU0_DIMM_A1","reason":"r","tried":["xl+ssh://root@xen-c"],"peers":[]}'
stub openstack 'cat <<"J"
[{"Hypervisor Hostname":"xen-a","State":"up","Status":"enabled","Memory MB":65536,"Memory MB Used":1024},
 {"Hypervisor Hostname":"xen-b","State":"up","Status":"enabled","Memory MB":65536,"Memory MB Used":32768},
 {"Hypervisor Hostname":"xen-c","State":"up","Status":"enabled","Memory MB":65536,"Memory MB Used":0},
 {"Hypervisor Hostname":"xen-d","State":"down","Status":"enabled","Memory MB":65536,"Memory MB Used":0},
 {"Hypervisor Hostname":"xen-e","State":"up","Status":"disabled","Memory MB":65536,"Memory MB Used":0},
 {"Hypervisor Hostname":"xen-f","State":"up","Status":"enabled","Memory MB":8192,"Memory MB Used":6144}]
J'
got=$(printf '%s' "$GUEST" | PATH="$WORK/bin:$PATH" RASD_TARGET_ENV=/dev/null sh "$C/rasd-target-nova")
expect_eq "nova: the up, enabled, untried hypervisor with room, not this host" "$got" "xl+ssh://root@xen-b"
got=$(printf '%s' "$GUEST" | jq -c '.memory_mib = 65536' |
	PATH="$WORK/bin:$PATH" RASD_TARGET_ENV=/dev/null sh "$C/rasd-target-nova")
expect_eq "nova: none has room" "$got" "none"
printf 'RASD_PEER_FORMAT=xl+ssh://migrate@%%s.dc1\n' >"$WORK/target.env"
got=$(printf '%s' "$GUEST" | PATH="$WORK/bin:$PATH" RASD_TARGET_ENV="$WORK/target.env" sh "$C/rasd-target-nova")
expect_eq "nova: the peer format from the env file (xen-c untried under it)" "$got" "xl+ssh://migrate@xen-c.dc1"

stub xe 'case "$1" in
host-list) echo "u-a,u-b,u-c,u-d" ;;
host-param-get)
	u=${2#uuid=}; p=${3#param-name=}
	case "$p" in
	name-label) echo "xen-${u#u-}" ;;
	enabled) [ "$u" = u-d ] && echo false || echo true ;;
	esac ;;
host-compute-free-memory)
	case "${2#host=}" in
	u-a) echo 68719476736 ;; u-b) echo 17179869184 ;;
	u-c) echo 68719476736 ;; u-d) echo 68719476736 ;;
	esac ;;
esac'
got=$(printf '%s' "$GUEST" | PATH="$WORK/bin:$PATH" RASD_TARGET_ENV=/dev/null sh "$C/rasd-target-xapi")
expect_eq "xapi: the enabled, untried host with the most room, not this host" "$got" "xl+ssh://root@xen-b"
got=$(printf '%s' "$GUEST" | jq -c '.memory_mib = 65536' |
	PATH="$WORK/bin:$PATH" RASD_TARGET_ENV=/dev/null sh "$C/rasd-target-xapi")
expect_eq "xapi: none has room" "$got" "none"

# 7. rasd with the Nova script, as shipped, end to end (its stub openstack
# on the fixed PATH rasd gives it is not possible: a wrapper sets it)
stub nova-wrap 'PATH='"$WORK"'/bin:/usr/bin:/bin RASD_TARGET_ENV='"$WORK"'/sim.env exec sh '"$C"'/rasd-target-nova'
printf 'RASD_PEER_FORMAT=%%s\n' >"$WORK/sim.env"
chmod 644 "$WORK/sim.env"
stub openstack 'echo "[{\"Hypervisor Hostname\":\"xen-b\",\"State\":\"up\",\"Status\":\"enabled\",\"Memory MB\":262144,\"Memory MB Used\":0}]"'
policy nova "$WORK/bin/nova-wrap"
if sim nova; then
	pass "rasd with rasd-target-nova: the guests went where Nova said"
else
	fail "rasd with rasd-target-nova: $(grep FAILED "$WORK/nova.out" | tr '\n' ' ')"
fi

[ "$FAILED" -eq 0 ]

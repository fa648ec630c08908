#!/bin/sh
# test_control.sh - a running rasd driven through rasctl: status, tables,
# JSON, inject, reload, credentials, and a clean stop by signal.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"
P="$TESTS_DIR/policies"
chmod 755 "$WORK"
cp "$P/test.conf" "$WORK/policy.conf"

check "rasd opened its control socket" start_rasd ctl "$S/idle.scn" "$WORK/policy.conf"

ctl() { "$RASCTL" -s "$SOCK" "$@"; }
check "status answers" sh -c "'$RASCTL' -s '$SOCK' status | grep -q 'health: *ok'"
expect_eq "status --json names the host" "$(ctl --json status | jq -r .host)" t1
expect_eq "dimms lists both DIMMs" "$(ctl --json dimms | jq '.dimms | length')" 2
expect_eq "cpus lists both CPUs online" \
	"$(ctl --json cpus | jq '[.cpus[] | select(.online)] | length')" 2

# Two corrected errors on one page through inject: recorded, then acted on.
for a in 0x40001000 0x40001040; do
	inject_mem_ce $a
done
i=0
while [ "$(ctl --json actions | jq '.actions | length')" = 0 ] && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
expect_eq "injected records appear as events" "$(ctl --json events | jq '.events | length')" 2
expect_eq "event decoded: memory, channel 1, DIMM_B" \
	"$(ctl --json events | jq -r '.events[0] | "\(.kind) \(.channel) \(.dimm)"')" "memory 1 DIMM_B"
expect_eq "the page was offlined" \
	"$(ctl --json actions | jq -r '.actions[0] | "\(.kind) \(.state) \(.target)"')" "page_offline done 0x40001"
check "actions table shows the owner" sh -c "'$RASCTL' -s '$SOCK' actions | grep -q 'owned by domain 1'"
check "events --since 1h works" sh -c "'$RASCTL' -s '$SOCK' events --since 1h | grep -q DIMM_B"
expect_eq "status counts the offlined page" \
	"$(ctl --json status | jq .summary.pages_offlined)" 1
expect_eq "health is degraded after a page retirement" "$(ctl --json status | jq -r .health)" degraded

# Bad requests get a clear error and change nothing.
out=$(ctl inject --cpu 9 --status 0x9c00004000010091 2>&1)
expect_eq "inject on a missing cpu is refused" "$?" 1
check "and says why" sh -c "echo '$out' | grep -q 'no cpu 9'"
out=$(ctl inject --cpu 1 --status 0x1c00004000010091 2>&1)
check "inject without VAL is refused" sh -c "echo '$out' | grep -q 'lacks VAL'"
out=$(ctl bogus 2>&1)
expect_eq "unknown command exits 2" "$?" 2

# Credentials: anyone reads, only root changes.
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
	nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
	check "an unprivileged user may read status" nobody "$RASCTL" -s "$SOCK" status
	out=$(nobody "$RASCTL" -s "$SOCK" inject --cpu 1 --status 0x9c00004000010091 2>&1)
	check "an unprivileged user may not inject" sh -c "echo '$out' | grep -q 'permission denied'"
	out=$(nobody "$RASCTL" -s "$SOCK" reload 2>&1)
	check "an unprivileged user may not reload" sh -c "echo '$out' | grep -q 'permission denied'"
else
	echo "SKIP: credential checks need root and setpriv"
fi

# Reload: a bad policy is refused and the running one kept.
printf '[page]\nthreshold = 2\nwindow = forever\n' >"$WORK/policy.conf"
out=$(ctl reload 2>&1)
check "a bad policy on reload is refused with file:line" \
	sh -c "echo '$out' | grep -q 'policy.conf:3'"
cp "$P/test.conf" "$WORK/policy.conf"
check "a good policy reloads" ctl reload

# A reload applies new thresholds at once: page threshold 1 now.
sed 's/^threshold = 2/threshold = 1/' "$P/test.conf" >"$WORK/policy.conf"
check "a policy with a lower page threshold reloads" ctl reload
inject_mem_ce 0x40009000
i=0
while ! ctl --json actions | jq -e '.actions[] | select(.target == "0x40009")' >/dev/null && [ $i -lt 100 ]; do
	sleep 0.05; i=$((i + 1))
done
expect_eq "one error now offlines a page under the reloaded policy" \
	"$(ctl --json actions | jq -r '.actions[] | select(.target == "0x40009") | .state')" done

stop_rasd
expect_eq "rasd stops cleanly on SIGTERM" "$?" 0
check "the control socket is removed at exit" test ! -e "$SOCK"
exit 0

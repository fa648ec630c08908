#!/bin/sh
# test_cli.sh - the command lines as an operator tries them: --help for
# every rasctl command, --version in all three programs, --json anywhere,
# --opt=value, usage errors exit 2, rasctl health as a Nagios check,
# events filters and newest-first paging, rasctl -j with rasd down.
. "$(dirname "$0")/lib.sh"
S="$ROOT/hypervisor/sim/scenarios"
P="$ROOT/policies"
SNMP="$BUILD_DIR/rasd-snmp"

for c in status events dimms cpus actions sockets pages watch health \
	sensors selftest page cpu inject reload report graph decode; do
	"$RASCTL" "$c" --help >"$WORK/help" 2>&1
	rc=$?
	if [ $rc -eq 0 ] && grep -q "^usage: rasctl .*$c" "$WORK/help"; then
		pass "rasctl $c --help"
	else
		fail "rasctl $c --help: exit $rc: $(head -1 "$WORK/help")"
	fi
done
"$RASCTL" --help >"$WORK/help" 2>&1
expect_eq "rasctl --help: exit 0" $? 0
for c in graph report dimms decode; do
	check "rasctl --help lists $c" grep -q "^  $c " "$WORK/help"
done
for p in "$RASCTL" "$RASD" "$SNMP"; do
	n=$(basename "$p")
	v=$("$p" --version)
	expect_eq "$n --version: exit 0" $? 0
	check "$n --version says the version ($v)" sh -c "echo '$v' | grep -q '^$n [0-9]'"
	"$p" --no-such-option >/dev/null 2>&1
	expect_eq "$n --no-such-option: exit 2" $? 2
done
"$RASCTL" events --no-such-option 2>"$WORK/e1"
expect_eq "rasctl events --no-such-option: exit 2" $? 2
check "and names the option" grep -q "'--no-such-option'" "$WORK/e1"
"$RASCTL" frobnicate >/dev/null 2>&1
expect_eq "rasctl unknown command: exit 2" $? 2
"$RASCTL" events --limit >/dev/null 2>"$WORK/e2"
expect_eq "rasctl events --limit (no value): exit 2" $? 2
check "and says it wants a value" grep -q -- '--limit wants a value' "$WORK/e2"
"$RASCTL" events --severity bad >/dev/null 2>&1
expect_eq "rasctl events --severity bad: exit 2" $? 2
"$RASCTL" -s "$WORK/none.sock" health >/dev/null 2>&1
expect_eq "rasctl health with rasd away: exit 3 (UNKNOWN)" $? 3
"$RASCTL" decode --help | grep -q -- --format
expect_eq "rasctl decode --help shows its options" $? 0

# Bash completion: bash-completion's _init_completion stood in for.
comp() {
	bash -c '
		_init_completion() { cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD; }
		_filedir() { :; }
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_${COMP_WORDS[0]}
		echo "${COMPREPLY[*]}"' sh "$ROOT/contrib/bash-completion/rasctl" "$@"
}
expect_eq "completion: rasctl ev<TAB>" "$(comp rasctl ev)" events
expect_eq "completion: rasctl events --s<TAB>" "$(comp rasctl events --s)" "--since --severity"
expect_eq "completion: rasctl page <TAB>" "$(comp rasctl page '')" "offline online"
expect_eq "completion: rasd --check<TAB>" "$(comp rasd --check)" "--check-config --check"

# A live rasd that has played the failing-DIMM scenario: red.
start_rasd cli "$S/failing-dimm.scn" "$P/demo.conf" --speed 60000
i=0
while [ "$("$RASCTL" -s "$SOCK" status --json | jq .summary.guests_evacuated)" != 2 ] &&
	[ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
"$RASCTL" -s "$SOCK" status --json | jq -e .summary >/dev/null
expect_eq "--json after the command" $? 0
"$RASCTL" --json -s "$SOCK" status | jq -e .summary >/dev/null
expect_eq "--json before the socket option" $? 0
"$RASCTL" -s "$SOCK" health >/dev/null
expect_eq "rasctl health on a red host: exit 2 (CRITICAL)" $? 2
"$RASCTL" -s "$SOCK" health --limit=1 >/dev/null
expect_eq "rasctl health --limit=1 is accepted (exit 2, red)" $? 2
all=$("$RASCTL" -s "$SOCK" events --json --limit 1000 | jq '.events | length')
ids=$("$RASCTL" -s "$SOCK" events --json --limit=2 | jq -c '[.events[].id]')
newest=$("$RASCTL" -s "$SOCK" events --json --limit 1000 | jq -c '[.events[].id] | .[0:2]')
expect_eq "events --limit=2 gives the two newest" "$ids" "$newest"
desc=$("$RASCTL" -s "$SOCK" events --json --limit 1000 | jq '[.events[].id] | . == (sort | reverse)')
expect_eq "events come newest first" "$desc" true
last=$(echo "$ids" | jq '.[1]')
next=$("$RASCTL" -s "$SOCK" events --json --limit 2 --before "$last" | jq -c '[.events[].id]')
want=$("$RASCTL" -s "$SOCK" events --json --limit 1000 | jq -c '[.events[].id] | .[2:4]')
expect_eq "--before pages to the next older ones" "$next" "$want"
"$RASCTL" -s "$SOCK" events --limit 2 2>"$WORK/hint" >/dev/null
check "a full page says how to get older ones" grep -q -- "--before $last" "$WORK/hint"
n=$("$RASCTL" -s "$SOCK" events --json --dimm CPU0_DIMM_B1 --limit 1000 | jq '[.events[] | select(.dimm != "CPU0_DIMM_B1")] | length')
m=$("$RASCTL" -s "$SOCK" events --json --dimm CPU0_DIMM_B1 --limit 1000 | jq '.events | length')
expect_eq "--dimm keeps only that DIMM's events" "$n" 0
check "and it has some ($m of $all)" test "$m" -gt 0 -a "$m" -lt "$all"
n=$("$RASCTL" -s "$SOCK" events --json --severity corrected --limit 1000 | jq '[.events[] | select(.severity != "corrected")] | length')
expect_eq "--severity keeps only that severity" "$n" 0
t=$("$RASCTL" -s "$SOCK" events --json --limit 1000 | jq '[.events[].time_ms] | sort | .[length/2|floor]')
n=$("$RASCTL" -s "$SOCK" events --json --since "$t" --limit 1000 | jq "[.events[] | select(.time_ms < $t)] | length")
expect_eq "--since drops older events" "$n" 0
n=$("$RASCTL" -s "$SOCK" events --json --until "$t" --limit 1000 | jq "[.events[] | select(.time_ms > $t)] | length")
expect_eq "--until drops newer events" "$n" 0
stop_rasd

# rasd is down: the journal file itself.
J="$WORK/cli.db"
"$RASCTL" -j "$J" events --json --limit 1000 >"$WORK/j.json"
expect_eq "rasctl -j JOURNAL events with rasd down: exit 0" $? 0
expect_eq "it reads every event" "$(jq '.events | length' "$WORK/j.json")" "$all"
"$RASCTL" -j "$J" status --json >"$WORK/js.json"
expect_eq "rasctl -j status: the evacuations" "$(jq .summary.guests_evacuated "$WORK/js.json")" 2
"$RASCTL" -j "$J" actions >/dev/null
expect_eq "rasctl -j actions: exit 0" $? 0
"$RASCTL" -j "$J" dimms >/dev/null 2>&1
expect_eq "rasctl -j dimms (needs rasd): exit 2" $? 2
"$RASCTL" -j "$WORK/missing.db" events >/dev/null 2>"$WORK/je"
expect_eq "rasctl -j of a missing file: exit 1" $? 1
check "it makes no file" test ! -e "$WORK/missing.db"
exit 0

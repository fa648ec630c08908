#!/bin/sh
# test_hwmon.sh - the sensor watcher on real libsensors over a fake
# /sys/class/hwmon bind-mounted in a private mount namespace (root only).
#
# How libsensors 3.6 finds chips, and so what the fake tree needs: it checks
# that /sys is sysfs (statfs magic; we keep the real /sys), lists
# /sys/class/hwmon/*, reads "name" in each hwmonN (else in hwmonN/device),
# and names the chip from the basename of the hwmonN/device link target:
# "N-00AA" is i2c (jc42-i2c-N-AA), "drv.ADDR" with no subsystem link is
# ISA/platform (nct6775-isa-0290), no device link at all is "virtual" (all
# such chips of one driver share the name NAME-virtual-0, so each chip here
# gets a device link). Values are kernel units: millidegrees, mV, RPM.
# When the host has no /sys/class/hwmon to cover, the tree's class dir is
# bind-mounted over /sys/class instead (sysfs cannot take a new mountpoint).
. "$(dirname "$0")/lib.sh"
WATCH="$BUILD_DIR/tools/hwmon_watch"

if [ "${HWMON_TEST_INNER:-}" != 1 ]; then
	if [ ! -x "$WATCH" ]; then
		echo "SKIP: hwmon ($WATCH not built: make $WATCH)"
		exit 0
	fi
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: hwmon (needs root for unshare -m and bind mounts)"
		exit 0
	fi
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: hwmon (unshare -m is not permitted here)"
		exit 0
	fi
	HWMON_TEST_INNER=1 exec unshare -m --propagation private sh "$0" "$@"
fi

OUT="$WORK/watch.out"
TREE="$WORK/sys/class"
HW="$TREE/hwmon"
WATCH_PID=

stop_watch() {
	if [ -n "$WATCH_PID" ]; then
		kill "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
	fi
	WATCH_PID=
}
trap 'stop_watch; cleanup' EXIT

. "$TESTS_DIR/hwmon/tree.sh"

# count JQ-FILTER: how many output lines match.
count() { jq -c "select($1)" "$OUT" 2>/dev/null | wc -l; }

# ev KIND CHIP-PREFIX FEATURE [LIMIT]: a jq filter for one event.
ev() {
	f=".type==\"event\" and .event==\"$1\" and (.chip|startswith(\"$2\")) and .feature==\"$3\""
	[ $# -ge 4 ] && f="$f and .limit_name==\"$4\""
	echo "$f"
}

# wait_for FILTER [N]: until N lines match (5 s at most).
wait_for() {
	i=0
	while [ "$(count "$1")" -lt "${2:-1}" ] && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(count "$1")" -ge "${2:-1}" ]
}

# expect_event WHAT FILTER [N]: PASS once N lines match.
expect_event() {
	if wait_for "$2" "${3:-1}"; then pass "$1"; else fail "$1 (no $2)"; fi
}

# hold: long enough for several reads at --interval 100.
hold() { sleep 0.4; }

build_tree
mount_tree || { fail "hwmon: bind mount over /sys/class"; exit 1; }

"$WATCH" --interval 100 --rescan 5 \
	--limit 'jc42-* "CPU0_DIMM_*" max=50' >"$OUT" 2>"$WORK/watch.err" &
WATCH_PID=$!
expect_event "hwmon: watcher started" '.type=="started"'
expect_eq "hwmon: features found (2 temps, fan1, in0)" \
	"$(jq -r 'select(.type=="started").features' "$OUT")" 4
expect_eq "hwmon: no events at rest" "$(count '.type=="event"')" 0

# Limit kinds: chip max, hovering, crit, the policy's max on a DIMM.
put hwmon0/temp1_input 86000
expect_event "hwmon: temp max crossed" "$(ev crossed coretemp-isa-0000 temp1 max) and .value==86 and .limit==85 and .label==\"Core 0\""
for v in 84500 85500 84000 85200 83500 85900; do put hwmon0/temp1_input $v; hold; done
expect_eq "hwmon: hovering at max does not flap (crossed)" \
	"$(count "$(ev crossed coretemp temp1 max)")" 1
expect_eq "hwmon: hovering at max does not flap (cleared)" \
	"$(count "$(ev cleared coretemp temp1 max)")" 0
put hwmon0/temp1_input 82000
expect_event "hwmon: temp max cleared past the hysteresis" "$(ev cleared coretemp temp1 max) and .value==82"
put hwmon0/temp1_input 96000
expect_event "hwmon: temp crit crossed, critical" "$(ev crossed coretemp temp1 crit) and .critical==true"
put hwmon0/temp1_input 50000
expect_event "hwmon: temp crit cleared" "$(ev cleared coretemp temp1 crit)"
expect_event "hwmon: temp max cleared again" "$(ev cleared coretemp temp1 max)" 2

put hwmon1/temp1_input 52000
expect_event "hwmon: policy max on the DIMM sensor" "$(ev crossed jc42-i2c-0-18 temp1 'policy max') and .dimm==\"CPU0_DIMM_A1\" and .limit==50"

put hwmon2/fan1_input 500
expect_event "hwmon: fan min crossed" "$(ev crossed nct6775-isa-0290 fan1 min) and .sensor==\"fan\""
put hwmon2/fan1_input 610
hold
expect_eq "hwmon: fan within 3% of min stays crossed" "$(count "$(ev cleared nct6775 fan1 min)")" 0
put hwmon2/fan1_input 700
expect_event "hwmon: fan min cleared" "$(ev cleared nct6775 fan1 min)"

put hwmon2/in0_input 1350
expect_event "hwmon: in0 max crossed" "$(ev crossed nct6775 in0 max) and .value==1.35"
put hwmon2/in0_input 950
expect_event "hwmon: in0 max cleared" "$(ev cleared nct6775 in0 max)"
expect_event "hwmon: in0 min crossed" "$(ev crossed nct6775 in0 min)"
put hwmon2/in0_input 1200
expect_event "hwmon: in0 min cleared" "$(ev cleared nct6775 in0 min)"
put hwmon2/in0_alarm 1
expect_event "hwmon: in0 alarm file raised" "$(ev crossed nct6775 in0 alarm)"
put hwmon2/in0_alarm 0
expect_event "hwmon: in0 alarm file cleared" "$(ev cleared nct6775 in0 alarm)"

# Garbage in one file: that feature failed once, the others keep working.
put hwmon0/temp1_input xyz
expect_event "hwmon: garbage marks the feature failed" "$(ev failed coretemp temp1) and .detail==\"temp1_input: not a number 'xyz'\""
put hwmon2/fan1_input 400
expect_event "hwmon: other chips still read while one fails" "$(ev crossed nct6775 fan1 min)" 2
hold
expect_eq "hwmon: failed raised once" "$(count "$(ev failed coretemp temp1)")" 1
put hwmon0/temp1_input 45000
expect_event "hwmon: the feature recovers" "$(ev recovered coretemp temp1)"

# A chip that disappears and comes back; its state survives the rescans.
mv "$HW/hwmon1" "$WORK/hwmon1.away"
expect_event "hwmon: chip gone" '.event=="chip_gone" and .chip=="jc42-i2c-0-18"'
put hwmon2/fan1_input 1200
expect_event "hwmon: rest fine while a chip is gone" "$(ev cleared nct6775 fan1 min)" 2
expect_eq "hwmon: no failed event for the gone chip" "$(count "$(ev failed jc42 temp1)")" 0
kill -USR1 $WATCH_PID
wait_for '.type=="readings_end"' >/dev/null
expect_eq "hwmon: gone chip shows in readings" \
	"$(jq -r 'select(.type=="reading" and .chip=="jc42-i2c-0-18").state' "$OUT" | tail -1)" gone
mv "$WORK/hwmon1.away" "$HW/hwmon1"
expect_event "hwmon: chip back after a rescan" '.event=="chip_back" and .chip=="jc42-i2c-0-18"'
hold
expect_eq "hwmon: no re-raise after the chip came back" \
	"$(count "$(ev crossed jc42 temp1 'policy max')")" 1
kill -USR1 $WATCH_PID
wait_for '.type=="readings_end"' 2 >/dev/null
expect_eq "hwmon: DIMM temperature in readings" \
	"$(jq -r 'select(.type=="reading" and .dimm=="CPU0_DIMM_A1") | "\(.value) \(.state)"' "$OUT" | tail -1)" "52 warn"
expect_eq "hwmon: every reading has an answer" \
	"$(jq -r 'select(.type=="reading").state' "$OUT" | tail -4 | sort | tr '\n' ' ')" "ok ok ok warn "

kill -TERM $WATCH_PID
wait $WATCH_PID
expect_eq "hwmon: watcher exits 0 on SIGTERM" $? 0
WATCH_PID=
check "hwmon: nothing on stderr" test ! -s "$WORK/watch.err"

# Through a libsensors configuration file: its labels apply.
"$WATCH" --once --conf "$TESTS_DIR/hwmon/sensors3.conf" >"$WORK/once.out" 2>&1
expect_eq "hwmon: sensors.conf label" \
	"$(jq -r 'select(.type=="reading" and .feature=="in0").label' "$WORK/once.out")" Vcore
if "$WATCH" --once --limit 'coretemp-* temp1 max=' >"$WORK/bad.out" 2>&1; then
	fail "hwmon: a bad --limit is refused"
else
	expect_eq "hwmon: a bad --limit is refused with the place" \
		"$(cat "$WORK/bad.out")" "hwmon_watch: --limit 'coretemp-* temp1 max=': column 18: max: not a number ''"
fi
[ "$FAILED" -eq 0 ]

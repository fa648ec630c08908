#!/bin/sh
# test_rasd_sensors.sh - rasd watching lm-sensors (real libsensors over a
# fake hwmon tree in a private mount namespace): readings and DIMM
# temperatures in rasctl, crossings in the journal, host health turning
# yellow then red (a fan failing while a core runs hot), and the policy's
# quarantine hook and evacuation following it.
. "$(dirname "$0")/lib.sh"

if [ "${HWMON_TEST_INNER:-}" != 1 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIP: rasd sensors (needs root for unshare -m and bind mounts)"
		exit 0
	fi
	if ! unshare -m true 2>/dev/null; then
		echo "SKIP: rasd sensors (unshare -m is not permitted here)"
		exit 0
	fi
	HWMON_TEST_INNER=1 exec unshare -m --propagation private sh "$0" "$@"
fi

TREE="$WORK/sys/class"
HW="$TREE/hwmon"
. "$TESTS_DIR/hwmon/tree.sh"
ctl() { "$RASCTL" -s "$SOCK" "$@"; }

# until JQ-FILTER holds on `rasctl --json CMD` (5 s at most)
until_json() {
	i=0
	while ! ctl --json "$1" | jq -e "$2" >/dev/null 2>&1 && [ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ctl --json "$1" | jq -e "$2" >/dev/null 2>&1
}

build_tree
mount_tree || { fail "rasd sensors: bind mount over /sys/class"; exit 1; }

# The hook runs as hook_user (nobody): it writes where anyone may.
mkdir "$WORK/drop" && chmod 1777 "$WORK/drop"
cat >"$WORK/hook.sh" <<HOOK
#!/bin/sh
echo "\$1|\$2" >>"$WORK/drop/hook.calls"
HOOK
chmod 755 "$WORK/hook.sh"
cat >"$WORK/policy.conf" <<POLICY
[sensors]
enable = yes
interval = 100ms
limit = jc42-* CPU0_DIMM_A1 max=50
[health]
yellow = quarantine
red = evacuate
hook = $WORK/hook.sh
[evacuation]
peers = pa pb
concurrent = 2
POLICY

check "rasd starts with lm-sensors on" start_rasd s "$TESTS_DIR/scenarios/sensors.scn" "$WORK/policy.conf"
expect_eq "rasctl sensors lists the four features" \
	"$(ctl --json sensors | jq '[.sensors[] | select(.source == "sensors")] | length')" 4
expect_eq "the DIMM sensor is joined to its DIMM" \
	"$(ctl --json sensors | jq -r '.sensors[] | select(.chip | startswith("jc42")) | "\(.dimm) \(.value)"')" \
	"CPU0_DIMM_A1 33"
expect_eq "rasctl dimms shows the DIMM's temperature beside its errors" \
	"$(ctl --json dimms | jq -r '.dimms[] | select(.label == "CPU0_DIMM_A1") | "\(.temp_c) \(.errors)"')" "33 0"
check "the table says it too" sh -c "'$RASCTL' -s '$SOCK' sensors | grep -q 'CPU0_DIMM_A1'"
check "rasctl dimms prints it in the TEMP column" sh -c \
	"'$RASCTL' -s '$SOCK' dimms | grep -E '^CPU0_DIMM_A1 .* 0 33.0C +-\$'"
expect_eq "green at rest" "$(ctl --json status | jq -r .health_color)" green

# A hot core: yellow, journaled, the quarantine hook told.
put hwmon0/temp1_input 90000
check "a core past its max turns the host yellow" until_json status '.health_color == "yellow"'
check "the crossing is a health event in the journal" until_json health \
	'[.events[] | select(.source == "sensors" and .what == "crossed max" and .value == 90 and .threshold == 85)] | length == 1'
check "the reason names the sensor" sh -c \
	"'$RASCTL' -s '$SOCK' --json status | jq -r .health_reason | grep -q 'coretemp-isa-0000 Core 0 crossed: 90 (max 85)'"
sleep 0.3
check "the quarantine hook ran with yellow" grep -q '^yellow|coretemp-isa-0000 Core 0' "$WORK/drop/hook.calls"

# The fan fails while the core is hot: red, every guest moved.
put hwmon2/fan1_input 200
check "a failed fan with a hot core turns the host red" until_json status '.health_color == "red"'
check "red evacuates every guest (the sim's migrations finish)" until_json status \
	'.summary.guests_evacuated == 2'
check "the hook ran with red" sh -c "grep -q '^red|' '$WORK/drop/hook.calls'"
expect_eq "the evacuations are journaled as leaving the host" \
	"$(ctl --json actions | jq -r '[.actions[] | select(.kind == "migrate" and .state == "done") | .component] | unique | join(",")')" host

# Things come back: green, and the hook is told.
put hwmon2/fan1_input 1200
put hwmon0/temp1_input 45000
check "values back inside their limits: green again" until_json status '.health_color == "green"'
sleep 0.3
check "the hook ran with green" sh -c "tail -1 '$WORK/drop/hook.calls' | grep -q '^green|'"

# The policy's own limit on the DIMM sensor, and a file reading garbage.
put hwmon1/temp1_input 52000
check "the policy's max on the DIMM sensor is crossed" until_json health \
	'[.events[] | select(.what == "crossed policy max" and .component == "jc42-i2c-0-18 CPU0_DIMM_A1")] | length == 1'
expect_eq "the DIMM's temperature follows" \
	"$(ctl --json dimms | jq -r '.dimms[] | select(.label == "CPU0_DIMM_A1") | .temp_c')" 52
put hwmon2/in0_input garbage
check "a garbage file marks that feature failed" until_json sensors \
	'[.sensors[] | select(.feature == "in0" and .state == "failed")] | length == 1'
expect_eq "the others keep reading" \
	"$(ctl --json sensors | jq -r '.sensors[] | select(.feature == "fan1") | .value')" 1200
expect_eq "one broken file does not change the host's colour" \
	"$(ctl --json status | jq -r .health_color)" yellow
check "rasd stops cleanly" stop_rasd
check "rasd logged no error about the sensors" sh -c "! grep -q 'sensors error' '$WORK/s.log'"
[ "$FAILED" -eq 0 ]

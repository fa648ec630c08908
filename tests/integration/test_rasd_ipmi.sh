#!/bin/sh
# test_rasd_ipmi.sh - rasd reading a real BMC (ipmi_sim over RMCP+ on
# 127.0.0.1): SEL entries and threshold crossings in the journal and host
# health, a BMC memory event and a machine check on one DIMM counted as
# one fault, restarts between entries that neither repeat nor skip, and a
# BMC that stops answering.
. "$(dirname "$0")/lib.sh"
. "$TESTS_DIR/ipmi/sim.sh"

for tool in ipmi_sim socat jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: rasd ipmi ($tool not installed)"
		exit 0
	fi
done
trap 'kill -CONT "$SIM_PID" 2>/dev/null; kill "$SIM_PID" 2>/dev/null; wait "$SIM_PID" 2>/dev/null; cleanup' EXIT
ctl() { "$RASCTL" -s "$SOCK" "$@"; }

# until_json CMD FILTER [SECONDS]: until the filter holds on rasctl --json CMD
until_json() {
	i=0
	while ! ctl --json $1 | jq -e "$2" >/dev/null 2>&1 &&
		[ $i -lt $((${3:-10} * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	ctl --json $1 | jq -e "$2" >/dev/null 2>&1
}
# sel_count RECORD: health events journaled for one SEL record id
sel_count() {
	ctl --json health --limit 1000 |
		jq "[.events[] | select(.source == \"ipmi-sel\" and .record_id == $1)] | length"
}

start_ipmi_sim || exit 1
cat >"$WORK/policy.conf" <<POLICY
[ipmi]
interface = lan
host = 127.0.0.1
port = $LAN_PORT
credentials = $WORK/bmc.cred
sel_poll = 200ms
sensor_poll = 200ms
retry_max = 2s
correlate_window = 1m
POLICY

check "rasd starts with the BMC configured" start_rasd b "$TESTS_DIR/scenarios/ipmi.scn" "$WORK/policy.conf"
check "rasd connects to the BMC over RMCP+" until_json sensors '.bmc_connected == true'
expect_eq "rasctl sensors lists the BMC's threshold sensors" \
	"$(ctl --json sensors | jq -r '[.sensors[] | select(.source == "ipmi") | .name] | join(",")')" \
	"CPU0 Temp,FAN1,P12V"

# A machine check on DIMM_C, then the BMC's word on the same DIMM: one fault.
inject_mem_ce 0x80001000
wait_events 1
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x02 # record 1: correctable ECC, module 2
check "the SEL entry is journaled as a health event" until_json "health" \
	'[.events[] | select(.record_id == 1 and .what == "Correctable ECC" and .component == "DIMM_C")] | length == 1'
expect_eq "it is the same fault as the machine check" \
	"$(ctl --json health | jq '.events[] | select(.record_id == 1) | .merged_event_id')" \
	"$(ctl --json events | jq '.events[0].id')"
expect_eq "the machine-check event shows both sources" \
	"$(ctl --json events | jq -r '.events[0].also')" "ipmi-sel #0x0001"
expect_eq "DIMM_C counts it once (no BMC-only fault)" \
	"$(ctl --json dimms | jq '.dimms[] | select(.label == "DIMM_C") | "\(.errors) \(.bmc_events)"' -r)" "1 0"
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x03 # record 2: correctable ECC, module 3
check "a BMC memory event no machine check matched counts on its DIMM" until_json dimms \
	'.dimms[] | select(.label == "DIMM_D") | .bmc_events == 1'

# Uncorrectable ECC and a power supply failure: red, with reasons.
sel_add 0x0c 0x10 0x6f 0xa1 0x00 0x01 # record 3: uncorrectable ECC, DIMM_B
check "an uncorrectable ECC from the BMC turns the host red" until_json status \
	'.health_color == "red" and (.health_reason | test("Uncorrectable ECC"))'
sel_add 0x08 0x20 0x6f 0x01 0xff 0xff # record 4: power supply failure
check "the PSU failure stands as a condition (redundant: yellow)" until_json health \
	'[.conditions[] | select(.source == "ipmi" and .level == "yellow" and (.reason | test("Power Supply")))] | length == 1'

# A threshold sensor crosses and comes back.
sim "sensor_set_value 0x20 0 1 0x5b 0" # CPU0 Temp 91 C
check "the BMC's temperature crossing is journaled with its value" until_json health \
	'[.events[] | select(.source == "ipmi-sensor" and .component == "CPU0 Temp" and .value == 91 and .deassert != true)] | length >= 1'
sim "sensor_set_value 0x20 0 1 0x28 0" # back to 40 C
check "and its return" until_json health \
	'[.events[] | select(.source == "ipmi-sensor" and .component == "CPU0 Temp" and .deassert == true)] | length >= 1'

# Restart rasd between entries: nothing repeated, nothing skipped.
check "rasd stops" stop_rasd
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x00 # record 5, while rasd is down
sel_add 0x04 0x02 0x01 0x52 0x08 0x0a # record 6, while rasd is down
check "rasd starts again on the same journal" start_rasd b "$TESTS_DIR/scenarios/ipmi.scn" "$WORK/policy.conf"
check "the two records added while it was down arrive" until_json "health --limit 1000" \
	'[.events[] | select(.source == "ipmi-sel" and (.record_id == 5 or .record_id == 6))] | length == 2'
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x00 # record 7, after the restart
check "and the next one" until_json "health --limit 1000" \
	'[.events[] | select(.record_id == 7)] | length == 1'
sleep 0.5
expect_eq "no record was journaled twice" \
	"$(for r in 1 2 3 4 5 6 7; do sel_count $r; done | tr '\n' ' ')" "1 1 1 1 1 1 1 "

# The BMC stops answering, then comes back.
kill -STOP "$SIM_PID"
check "a BMC that stops answering is a condition" until_json health \
	'[.conditions[] | select(.component == "bmc" and (.reason | test("BMC not answering")))] | length == 1' 20
check "rasd keeps serving meanwhile" sh -c "'$RASCTL' -s '$SOCK' status >/dev/null"
kill -CONT "$SIM_PID"
check "it recovers and the condition goes" until_json health \
	'[.conditions[] | select(.component == "bmc")] | length == 0' 20
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x00 # record 8, after the outage
check "records after the outage still arrive" until_json "health --limit 1000" \
	'[.events[] | select(.record_id == 8)] | length == 1' 20
# The SEL fills up (64 entries): almost full, then full.
i=9
cmds=
while [ $i -le 60 ]; do
	cmds="$cmds
sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x01 0x30 0x01 0x01 0x00 0x00"
	i=$((i + 1))
done
sim "$cmds"
check "a SEL under 10% free is a condition" until_json health \
	'[.conditions[] | select(.component == "sel" and (.reason | test("almost full")))] | length == 1' 20
sim "$(printf 'sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x01 0x30 0x01 0x01 0x00 0x00\n%.0s' 1 2 3 4)"
check "a full SEL says new events are lost" until_json health \
	'[.conditions[] | select(.component == "sel" and (.reason | test("full, new events are lost")))] | length == 1' 20
check "rasd stops cleanly" stop_rasd
check "rasd logged the BMC's loss as a warning, not an error" sh -c \
	"grep -q 'ipmi  warning: BMC not answering' '$WORK/b.log' || grep -q 'BMC not answering' '$WORK/b.log'"
[ "$FAILED" -eq 0 ]

#!/bin/sh
# test_ipmi.sh - the BMC watcher against a real ipmi_sim on 127.0.0.1:
# SEL entries and threshold crossings decoded, restarts neither repeat nor
# skip, a stopped BMC is reported, retried with backoff, and recovers.
. "$(dirname "$0")/lib.sh"

WATCH="$BUILD_DIR/tools/bmc_watch"
. "$TESTS_DIR/ipmi/sim.sh"
WATCH_PID=

for tool in ipmi_sim socat jq; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "SKIP: test_ipmi ($tool not installed)"
		exit 0
	fi
done
if [ ! -x "$WATCH" ]; then
	echo "SKIP: test_ipmi ($WATCH not built)"
	exit 0
fi

stop_all() {
	if [ -n "$WATCH_PID" ]; then
		kill "$WATCH_PID" 2>/dev/null
		wait "$WATCH_PID" 2>/dev/null
	fi
	if [ -n "$SIM_PID" ]; then
		kill -CONT "$SIM_PID" 2>/dev/null
		kill "$SIM_PID" 2>/dev/null
		wait "$SIM_PID" 2>/dev/null
	fi
	cleanup
}
trap stop_all EXIT

start_ipmi_sim || exit 1

# start_watch NAME START: bmc_watch in the background, output in NAME.out.
start_watch() {
	OUT="$WORK/$1.out"
	"$WATCH" --host 127.0.0.1 --port "$LAN_PORT" \
		--credentials "$WORK/bmc.cred" --start "$2" \
		--sel-poll-ms 200 --sensor-poll-ms 200 --retry-max-ms 4000 \
		>"$OUT" 2>"$WORK/$1.err" &
	WATCH_PID=$!
	wait_lines 'select(.kind=="connected")' 1 10
}

stop_watch() {
	kill "$WATCH_PID"
	wait "$WATCH_PID"
	rc=$?
	WATCH_PID=
	return $rc
}

# count FILTER: lines of $OUT the jq filter selects.
count() { jq -c "$1" "$OUT" 2>/dev/null | wc -l; }

# wait_lines FILTER N SECONDS: until N lines match (or time runs out).
wait_lines() {
	i=0
	while [ "$(count "$1")" -lt "$2" ] && [ $i -lt $(($3 * 20)) ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(count "$1")" -ge "$2" ]
}


# --- SEL entries, decoded -------------------------------------------------
check "watcher connects over RMCP+" start_watch run1 now
sel_add 0x0c 0x10 0x6f 0xa0 0x00 0x02 # memory CE, DIMM in data 3
sel_add 0x0c 0x10 0x6f 0xa1 0x00 0x02 # memory UCE
sel_add 0x08 0x20 0x6f 0x01 0xff 0xff # power supply failure
sel_add 0x04 0x02 0x01 0x52 0x08 0x0a # fan: lower critical going low
check "four SEL entries arrive" wait_lines 'select(.kind=="sel_entry")' 4 10
sel() { jq -r "select(.kind==\"sel_entry\" and .record_id==$1) | $2" "$OUT"; }
expect_eq "record 1 is a correctable ECC" "$(sel 1 .what)" "Correctable ECC"
expect_eq "record 1 names the DIMM from event data 3" "$(sel 1 .dimm)" 2
expect_eq "record 1 names its sensor from the SDR" "$(sel 1 .sensor)" \
	"DIMM3 ECC"
expect_eq "record 1 is a warning" "$(sel 1 .severity)" warning
expect_eq "record 2 is an uncorrectable ECC" "$(sel 2 .what)" \
	"Uncorrectable ECC"
expect_eq "record 2 is critical" "$(sel 2 .severity)" critical
expect_eq "record 3 is a power supply failure" \
	"$(sel 3 '.class + "/" + .what')" \
	"power_supply/Power Supply Failure detected"
expect_eq "record 4 is the fan going low" "$(sel 4 '.class + "/" + .what')" \
	"fan/Lower Critical going low"

# --- threshold sensors ------------------------------------------------------
sim "sensor_set_value 0x20 0 1 0x5b 0"
check "CPU temperature crosses UNC and UC" \
	wait_lines 'select(.kind=="threshold" and .sensor=="CPU0 Temp" and (.deassert|not))' 2 10
expect_eq "the crossing carries value and threshold" \
	"$(jq -r 'select(.kind=="threshold" and .what=="Upper Critical going high" and (.deassert|not)) | "\(.value) \(.threshold) \(.unit)"' "$OUT")" \
	"91 90 degrees C"
sim "sensor_set_value 0x20 0 1 0x28 0"
check "back inside: both deasserted" \
	wait_lines 'select(.kind=="threshold" and .sensor=="CPU0 Temp" and .deassert)' 2 10
sim "sensor_set_value 0x20 0 2 0x08 0"
check "fan at 400 RPM crosses LNC and LC" \
	wait_lines 'select(.kind=="threshold" and .sensor=="FAN1" and .value==400)' 2 10
sim "sensor_set_value 0x20 0 3 0xe0 0"
check "12 V at 13.44 V crosses UC" \
	wait_lines 'select(.kind=="threshold" and .sensor=="P12V" and .threshold==13.2)' 1 10

kill -USR1 "$WATCH_PID"
wait_lines 'select(.kind=="status")' 1 5
expect_eq "status lists three threshold sensors" \
	"$(jq -r 'select(.kind=="status") | .sensors | length' "$OUT")" 3
expect_eq "status: fan reading and state" \
	"$(jq -r 'select(.kind=="status") | .sensors[] | select(.name=="FAN1") | "\(.value) \(.state)"' "$OUT")" \
	"400 3"

# --- restart from the kept position -----------------------------------------
POS=$(jq -r 'select(.kind=="sel_entry") | .pos' "$OUT" | tail -1)
check "watcher stops cleanly" stop_watch
sel_add 0x07 0x30 0x6f 0x00 0xff 0xff # processor IERR
sel_add 0x0c 0x10 0x6f 0xa5 0x00 0x01 # CE logging limit, DIMM 1
sel_add 0x0c 0x10 0x20 0x00 0x00 0x00 # reserved event type: malformed
sel_add 0x0c 0x10 0x6f 0xa4 0x00 0x01 # memory device disabled
check "restarted watcher connects" start_watch run2 "$POS"
check "records added while down arrive" \
	wait_lines 'select(.kind=="sel_entry" or .kind=="bad_record")' 4 10
sleep 1
expect_eq "after restart: only the new records, in order" \
	"$(jq -r 'select(.kind=="sel_entry" or .kind=="bad_record") | .record_id' "$OUT" | tr '\n' ' ')" \
	"5 6 7 8 "
expect_eq "the malformed record is reported with its id" \
	"$(jq -r 'select(.kind=="bad_record") | .detail' "$OUT")" \
	"record 0x0007: event/reading type 0x20 reserved"
expect_eq "the record after it still decodes" "$(sel 8 .what)" \
	"Memory Device Disabled"
POS=$(jq -r 'select(.kind=="sel_entry") | .pos' "$OUT" | tail -1)
stop_watch
check "restart with nothing new" start_watch run3 "$POS"
sleep 1
expect_eq "nothing repeated" "$(count 'select(.kind=="sel_entry")')" 0

# --- a BMC that stops answering ---------------------------------------------
kill -STOP "$SIM_PID"
check "a stopped BMC is reported lost" \
	wait_lines 'select(.kind=="lost")' 1 40
check "and retried with backoff" wait_lines 'select(.kind=="lost")' 3 40
expect_eq "backoff doubles" \
	"$(jq -r 'select(.kind=="lost") | .retry_in_ms' "$OUT" | head -3 | tr '\n' ' ')" \
	"1000 2000 4000 "
sel_before=$(count 'select(.kind=="sel_entry")')
kill -CONT "$SIM_PID"
check "it comes back" wait_lines 'select(.kind=="connected")' 2 30
sel_add 0x13 0x40 0x6f 0x08 0xff 0xff # critical interrupt: bus UE
check "and delivers what is new" \
	wait_lines 'select(.kind=="sel_entry" and .class=="critical_interrupt")' 1 10
expect_eq "exactly one record after recovery" \
	"$(($(count 'select(.kind=="sel_entry")') - sel_before))" 1
check "watcher stops cleanly after the outage" stop_watch

# --- configuration errors ---------------------------------------------------
chmod 644 "$WORK/bmc.cred"
"$WATCH" --host 127.0.0.1 --port "$LAN_PORT" --credentials "$WORK/bmc.cred" \
	>/dev/null 2>"$WORK/perm.err"
check "a world-readable credentials file is refused" \
	grep -q "readable by others" "$WORK/perm.err"
printf 'username = rasd\npasswd = x\n' >"$WORK/bad.cred"
chmod 600 "$WORK/bad.cred"
"$WATCH" --host 127.0.0.1 --port "$LAN_PORT" --credentials "$WORK/bad.cred" \
	>/dev/null 2>"$WORK/bad.err"
expect_eq "a bad credentials line names file and line" \
	"$(cat "$WORK/bad.err")" "bmc_watch: $WORK/bad.cred:2: unknown key"

exit "$FAILED"

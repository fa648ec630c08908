#!/bin/sh
# demo.sh - runs rasd on the simulated Xen host with the failing-DIMM
# scenario at 3600x speed, then says where the journal and log are.
set -u
BUILD=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT="$ROOT/$BUILD/demo"
SCENARIO="$ROOT/hypervisor/sim/scenarios/failing-dimm.scn"
POLICY="$ROOT/policies/demo.conf"
SPEED=${RASD_DEMO_SPEED:-3600}

mkdir -p "$OUT"
rm -rf "$OUT/journal.db" "$OUT/journal.db-wal" "$OUT/journal.db-shm" \
	"$OUT/rasd.log" "$OUT/hypervisor-calls.log" "$OUT/trends" "$OUT/report"
# The shipped demo policy, with trends and metrics under build/demo.
cp "$POLICY" "$OUT/demo.conf"
printf '\n[trends]\ndir = %s\n' "$OUT/trends" >>"$OUT/demo.conf"
sed -i "s#^file =\$#file = $OUT/rasd.prom#" "$OUT/demo.conf"
POLICY="$OUT/demo.conf"

echo "rasd demo: simulated Xen host, scenario $(basename "$SCENARIO"), clock x$SPEED"
echo "-------------------------------------------------------------------------------"
"$ROOT/$BUILD/rasd" -H "sim:$SCENARIO" -c "$POLICY" \
	-j "$OUT/journal.db" -s "$OUT/rasd.sock" --log "$OUT/rasd.log" \
	--call-log "$OUT/hypervisor-calls.log" --speed "$SPEED" \
	--report "$OUT/report" --exit-when-done --check >"$OUT/result.txt"
rc=$?
echo "-------------------------------------------------------------------------------"
grep -v '^demo summary:\|^dashboard:' "$OUT/result.txt"
cat <<EOT

where to look:
  dashboard (HTML):   $OUT/report/index.html
  trends (rrdtool):   $OUT/trends/
  metrics (Prom.):    $OUT/rasd.prom
  journal (SQLite):   $OUT/journal.db
      sqlite3 $OUT/journal.db 'select id,kind,state,target,peer,detail from actions'
  timeline log:       $OUT/rasd.log
  hypervisor calls:   $OUT/hypervisor-calls.log
  decode a capture:   $BUILD/rasctl decode FILE   (binary struct mce, mcelog --ascii or dmesg)
EOT
if [ "$rc" -ne 0 ]; then
	echo "demo: rasd exited $rc: the scenario's expectations did not hold" >&2
fi
grep '^demo summary:' "$OUT/result.txt" || echo "demo summary: missing (rasd failed)"
exit "$rc"

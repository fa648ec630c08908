#!/bin/sh
# test_errors.sh - rasd refuses bad start-up input with file:line and a
# reason: policy files, scenario files, options.
. "$(dirname "$0")/lib.sh"
S="$TESTS_DIR/scenarios"

printf '[page]\nthreshold = 2\nwindow = 24\n' >"$WORK/bad1.conf"
"$RASD" -H "sim:$S/page.scn" -c "$WORK/bad1.conf" -j "$WORK/j.db" -s none -q 2>"$WORK/e1"
expect_eq "policy with a window without unit: exit 1" $? 1
check "the message names file:line" grep -q 'bad1.conf:3' "$WORK/e1"

printf '[page]\nthresold = 2\n' >"$WORK/bad2.conf"
"$RASD" -H "sim:$S/page.scn" -c "$WORK/bad2.conf" -j "$WORK/j.db" -s none -q 2>"$WORK/e2"
expect_eq "policy with an unknown key: exit 1" $? 1
check "the message names the key and line" sh -c "grep -q 'bad2.conf:2' '$WORK/e2' && grep -q thresold '$WORK/e2'"

sed 's/^at 00:02:00 mem-ce addr=0x40001080/at 00:02:00 mem-ce adr=0x40001080/' "$S/page.scn" >"$WORK/bad.scn"
line=$(grep -n 'adr=' "$WORK/bad.scn" | cut -d: -f1)
"$RASD" -H "sim:$WORK/bad.scn" -j "$WORK/j.db" -s none -q 2>"$WORK/e3"
expect_eq "scenario with an unknown key: exit 1" $? 1
check "the message names scenario:line" grep -q "bad.scn:$line" "$WORK/e3"

"$RASD" -H "kvm" -j "$WORK/nodir/j.db" -s none -q 2>"$WORK/e4"
expect_eq "an unknown backend is a usage error: exit 2" $? 2
check "the message lists the backends" grep -q 'sim:SCENARIO, xen, linux\[:URI\] or auto' "$WORK/e4"
check "and says nothing of the journal" sh -c "! grep -q journal '$WORK/e4'"
if [ ! -e /proc/xen/capabilities ]; then
	"$RASD" -H xen -j "$WORK/j.db" -s none -q 2>"$WORK/e5"
	expect_eq "rasd -H xen on a host that is not Xen: exit 1" $? 1
	check "and it says so" grep -q 'not a Xen host: /proc/xen/capabilities' "$WORK/e5"
fi

"$RASD" -H "sim:$S/page.scn" --speed fast -s none 2>"$WORK/e5"
expect_eq "a bad --speed: exit 2" $? 2

echo "not a database, just text" >"$WORK/notdb.db"
"$RASD" -H "sim:$S/page.scn" -j "$WORK/notdb.db" -s none -q 2>"$WORK/e6"
expect_eq "a journal that is not SQLite: exit 1" $? 1
check "and says so" grep -qi 'database\|sqlite\|journal' "$WORK/e6"
exit 0

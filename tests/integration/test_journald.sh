#!/bin/sh
# test_journald.sh - [syslog] transport = journal: each notice as one
# native-protocol entry (fields as RASD_*, MESSAGE_ID per MSGID), read
# from a socket standing in for journald's; and the MSGIDs the man page
# and default.conf list are the ones rasd sends. (make package-test reads
# them back from a real systemd-journald with journalctl -o json.)
. "$(dirname "$0")/lib.sh"
S="$ROOT/hypervisor/sim/scenarios"
P="$ROOT/policies"

JS="$WORK/journal.sock"
"$BUILD_DIR/tools/dgram_recv" "$JS" >"$WORK/entries" 2>&1 &
RECV=$!
i=0
while [ ! -S "$JS" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
# journald's own socket is writable by all: rasd's engine (_rasd) sends.
chmod 666 "$JS"
sed -e 's/^transport = local/transport = journal/' \
	-e "s|^socket =\$|socket = $JS|" "$P/demo.conf" >"$WORK/j.conf"
SPEED=3600 run_sim j "$S/failing-dimm.scn" "$WORK/j.conf"
expect_eq "the scenario runs with the journal transport" $? 0
sleep 0.3
kill "$RECV"
wait "$RECV" 2>/dev/null
E="$WORK/entries"
# Entries are separated by the blank line dgram_recv adds after each.
awk 'BEGIN{RS=""} /RASD_MSGID=DIMMFAIL/' "$E" >"$WORK/dimmfail"
check "a DIMMFAIL entry arrived" test -s "$WORK/dimmfail"
check "with its MESSAGE_ID" grep -qx 'MESSAGE_ID=b3a1e7c0a5f24d5e9c1f6f4e8d2a9b17' "$WORK/dimmfail"
check "MESSAGE is the text" grep -q '^MESSAGE=DIMM CPU0_DIMM_B1 failing' "$WORK/dimmfail"
check "PRIORITY is critical (2)" grep -qx 'PRIORITY=2' "$WORK/dimmfail"
check "SYSLOG_IDENTIFIER=rasd" grep -qx 'SYSLOG_IDENTIFIER=rasd' "$WORK/dimmfail"
check "the DIMM is a field of its own" grep -qx 'RASD_DIMM=CPU0_DIMM_B1' "$WORK/dimmfail"
n=$(grep -c '^RASD_MSGID=' "$E")
check "one entry per notice ($n)" test "$n" -ge 10
bad=$(grep -v '^$' "$E" | grep -vc '^[A-Z][A-Z0-9_]*=')
expect_eq "every line is a valid journal field" "$bad" 0
ids=$(grep '^RASD_MSGID=' "$E" | sort -u | wc -l)
mids=$(awk 'BEGIN{RS=""} /MESSAGE_ID=/' "$E" | grep -c '^RASD_MSGID=')
expect_eq "every entry has a MESSAGE_ID" "$mids" "$n"

# The one list of MSGIDs, and the lists the documents give.
want=$(sed -n 's/^    {"\([A-Z]*\)", "[0-9a-f]\{32\}"},$/\1/p' \
	"$ROOT/rasd/publish/journald.c" | sort | tr '\n' ' ')
man=$(sed -n '/^MSGID$/{n;p;}' "$ROOT/man/rasd.conf.5" | sed 's/^\.Pq //' |
	tr -d ',' | tr ' ' '\n' | sort | tr '\n' ' ')
expect_eq "rasd.conf(5) lists the MSGIDs rasd sends" "$man" "$want"
conf=$(sed -n '/^# Every event, verdict/,/RASD)/p' "$P/default.conf" |
	tr -c 'A-Z\n' ' ' | tr ' ' '\n' | grep -E '^[A-Z]{3,}$' | grep -vx MSGID | sort -u | tr '\n' ' ')
expect_eq "default.conf lists the MSGIDs rasd sends" "$conf" "$want"
for id in $(grep '^RASD_MSGID=' "$E" | sort -u | cut -d= -f2); do
	case " $want " in
	*" $id "*) pass "sent MSGID $id is in the list" ;;
	*) fail "sent MSGID $id is not in the list" ;;
	esac
done
exit 0

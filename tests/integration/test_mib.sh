#!/bin/sh
# test_mib.sh - snmp-agent/RASD-MIB.txt is a clean SMIv2 module (smilint at
# level 6 has nothing to say) and agrees with snmp-agent/rasd_mib.h, which
# is what rasd-snmp serves: net-snmp's parser resolves every notification,
# scalar, column and notify object to the OID the header gives it, with the
# header's base type, enumerations and BITS; the notifications carry the
# varbinds the notification builder emits, in its order. The IETF base
# modules (SNMPv2-SMI, -TC, -CONF, -MIB) are not in Debian; they are fetched
# once by scripts/fetch-mibs.sh into build/mibs (ignored by git), and the
# test is skipped when they cannot be fetched.
. "$(dirname "$0")/lib.sh"
MIB=$ROOT/snmp-agent/RASD-MIB.txt
HDR=$ROOT/snmp-agent/rasd_mib.h
NOTIFY_H=$ROOT/snmp-agent/notify.h
# Under the top build directory whatever BUILD_DIR is (build/asan, ...),
# so every build shares one download.
MIB_CACHE=${MIB_CACHE:-$ROOT/build/mibs}
SYS_MIBS=/usr/share/snmp/mibs # NET-SNMP-MIB, from Debian's libsnmp-base

for t in smilint:smitools snmptranslate:snmp; do
	if ! command -v "${t%%:*}" >/dev/null 2>&1; then
		echo "SKIP: mib (${t%%:*} not installed: apt-get install ${t#*:})"
		exit 0
	fi
done
if [ ! -f "$SYS_MIBS/NET-SNMP-MIB.txt" ]; then
	echo "SKIP: mib (no $SYS_MIBS/NET-SNMP-MIB.txt: apt-get install libsnmp-base)"
	exit 0
fi
if ! out=$(sh "$ROOT/scripts/fetch-mibs.sh" "$MIB_CACHE" 2>&1); then
	echo "$out"
	echo "SKIP: mib (IETF base MIBs not available: $(echo "$out" | tail -1))"
	exit 0
fi
[ -n "$out" ] && echo "$out"

# -- smilint -------------------------------------------------------------
# -c /dev/null: no /etc/smi.conf, whose "hide" lines would silence some
# warnings and whose paths differ between machines; the search path is
# exactly the cache and Debian's net-snmp MIBs.
smi() {
	SMIPATH="$MIB_CACHE:$SYS_MIBS" smilint -c /dev/null -l 6 -s "$@" 2>&1
}
smi "$MIB" >"$WORK/smilint.out"
if [ -s "$WORK/smilint.out" ]; then
	fail "smilint -l 6 RASD-MIB: $(wc -l <"$WORK/smilint.out") line(s):"
	sed 's/^/    /' "$WORK/smilint.out"
else
	pass "smilint -l 6 -s RASD-MIB: no errors or warnings"
fi
# The same run does speak up: a copy with one object left out of its
# group must draw a warning, or the check above proves nothing.
mkdir "$WORK/broken"
sed '/^rasdHostGroup OBJECT-GROUP/,/^ *}/{/^ *rasdHostName,$/d}' "$MIB" \
	>"$WORK/broken/RASD-MIB.txt"
if smi "$WORK/broken/RASD-MIB.txt" | grep -q 'rasdHostName'; then
	pass "smilint reports an object outside every group"
else
	fail "smilint said nothing about rasdHostName outside its group"
fi

# -- net-snmp's view, against rasd_mib.h ---------------------------------
# No snmp.conf (Debian's says "mibs :"), no persistent files outside WORK;
# only RASD-MIB and what it imports are loaded.
export SNMPCONFPATH="$WORK" SNMP_PERSISTENT_DIR="$WORK/snmp"
mkdir -p "$SNMP_PERSISTENT_DIR/cert_indexes" # else it says it made them
tr_mib() {
	snmptranslate -M "$MIB_CACHE:$SYS_MIBS" -m "$MIB" "$@"
}
if tr_mib -On RASD-MIB::rasdMIB >"$WORK/tr.out" 2>"$WORK/tr.err" &&
	[ ! -s "$WORK/tr.err" ]; then
	pass "snmptranslate loads RASD-MIB without a complaint"
else
	fail "snmptranslate on RASD-MIB:"
	sed 's/^/    /' "$WORK/tr.err"
fi

# hval NAME: the value rasd_mib.h gives the enumerator NAME.
hval() {
	grep -oE "(^|[^A-Za-z0-9_])$1 = [0-9]+" "$HDR" | head -1 | sed 's/.* = //'
}
# htype NAME: the first word of the comment on NAME's line (the type).
htype() {
	grep -E "(^|[^A-Za-z0-9_])$1 = " "$HDR" | head -1 |
		sed -n 's|.*/\* *\([A-Za-z0-9]*\).*|\1|p'
}
# mtype NAME: the object's type as net-snmp read it: DisplayString,
# TruthValue or DateAndTime when it uses those, else the base type
# (INTEGER for enumerations, whatever the textual convention).
mtype() {
	tr_mib -Td "RASD-MIB::$1" 2>/dev/null | awk '
		/TEXTUAL CONVENTION/ { tc = $NF }
		/^  SYNTAX/ { split($0, w, /[\t ]+/); base = w[3] }
		END {
			if (tc == "DisplayString" || tc == "TruthValue" ||
			    tc == "DateAndTime") print tc; else print base
		}'
}

ARC=.$(sed -n 's/^#define RASD_MIB_ARC  *//p' "$HDR" | tr -d ' ' | tr ',' '.')
expect_eq "rasdMIB is RASD_MIB_ARC" "$(cat "$WORK/tr.out")" "$ARC"
# When the arc itself differs, say so once (above) and check the rest
# relative to the module's own arc.
[ -s "$WORK/tr.out" ] && ARC=$(cat "$WORK/tr.out")

# Every OID-bearing enumerator of rasd_mib.h, the subtree it numbers in
# and the RASD-MIB name that must sit there; index columns, which the
# header leaves out, are given by number.
cat >"$WORK/map" <<'EOF'
0 RASD_TRAP_DIMM_DEGRADED rasdDimmDegraded
0 RASD_TRAP_DIMM_FAILING rasdDimmFailing
0 RASD_TRAP_PAGE_OFFLINED rasdPageOfflined
0 RASD_TRAP_CPU_OFFLINED rasdCpuOfflined
0 RASD_TRAP_UNCORRECTABLE rasdUncorrectableError
0 RASD_TRAP_GUEST_EVACUATED rasdGuestEvacuated
0 RASD_TRAP_EVACUATION_FAILED rasdEvacuationFailed
0 RASD_TRAP_ERROR_STORM rasdErrorStorm
0 RASD_TRAP_SENSOR_THRESHOLD rasdSensorThreshold
0 RASD_TRAP_HEALTH_CHANGED rasdHealthChanged
0 RASD_TRAP_DEVICE_ERROR rasdDeviceError
1.1 RASD_HOST_HEALTH rasdHostHealth
1.1 RASD_HOST_NAME rasdHostName
1.1 RASD_HOST_MODE rasdHostMode
1.1 RASD_HOST_EVENTS rasdHostEvents
1.1 RASD_HOST_PAGES_OFFLINED rasdHostPagesOfflined
1.1 RASD_HOST_CPUS_OFFLINED rasdHostCpusOfflined
1.1 RASD_HOST_GUESTS_EVACUATED rasdHostGuestsEvacuated
1.1 RASD_HOST_ACTIONS_FAILED rasdHostActionsFailed
1.1 RASD_HOST_DAEMON_CONNECTED rasdHostDaemonConnected
1.1 RASD_HOST_NOTIFY_QUEUED rasdHostNotifyQueued
1.1 RASD_HOST_NOTIFY_DROPPED rasdHostNotifyDropped
1.1 RASD_HOST_NOTIFY_SENT rasdHostNotifySent
1.1 RASD_HOST_DAEMON_BOOT rasdHostDaemonBoot
1.2.1 1 rasdDimmEntPhysicalIndex
1.2.1 RASD_DIMM_LOCATION rasdDimmLocation
1.2.1 RASD_DIMM_SOCKET rasdDimmSocket
1.2.1 RASD_DIMM_CHANNEL rasdDimmChannel
1.2.1 RASD_DIMM_STATUS rasdDimmStatus
1.2.1 RASD_DIMM_FAILURE_MODES rasdDimmFailureModes
1.2.1 RASD_DIMM_CORRECTED rasdDimmCorrectedErrors
1.2.1 RASD_DIMM_UNCORRECTED rasdDimmUncorrectedErrors
1.2.1 RASD_DIMM_RATE rasdDimmErrorRate
1.2.1 RASD_DIMM_RATE_THRESHOLD rasdDimmRateThreshold
1.2.1 RASD_DIMM_PAGES_RETIRED rasdDimmPagesRetired
1.2.1 RASD_DIMM_SIZE_MIB rasdDimmSize
1.3.1 1 rasdSocketEntPhysicalIndex
1.3.1 RASD_SOCKET_NUMBER rasdSocketNumber
1.3.1 RASD_SOCKET_STATUS rasdSocketStatus
1.3.1 RASD_SOCKET_CORRECTED rasdSocketCorrectedErrors
1.3.1 RASD_SOCKET_UNCORRECTED rasdSocketUncorrectedErrors
1.3.1 RASD_SOCKET_RATE rasdSocketErrorRate
1.3.1 RASD_SOCKET_RATE_THRESHOLD rasdSocketRateThreshold
1.4.1 1 rasdPageIndex
1.4.1 RASD_PAGE_FRAME rasdPageFrame
1.4.1 RASD_PAGE_OWNER rasdPageOwner
1.4.1 RASD_PAGE_HV_STATUS rasdPageHypervisorStatus
1.4.1 RASD_PAGE_HV_STATE rasdPageHypervisorState
1.4.1 RASD_PAGE_DIMM rasdPageDimm
1.4.1 RASD_PAGE_ACTION rasdPageAction
1.4.1 RASD_PAGE_TIME rasdPageTime
1.5.1 1 rasdCpuEntPhysicalIndex
1.5.1 RASD_CPU_NUMBER rasdCpuNumber
1.5.1 RASD_CPU_SOCKET rasdCpuSocket
1.5.1 RASD_CPU_CORE rasdCpuCore
1.5.1 RASD_CPU_ONLINE rasdCpuOnline
1.5.1 RASD_CPU_PROTECTED rasdCpuProtected
1.5.1 RASD_CPU_CORE_ERRORS rasdCpuCoreErrors
1.5.1 RASD_CPU_RATE rasdCpuErrorRate
1.5.1 RASD_CPU_RATE_THRESHOLD rasdCpuRateThreshold
1.5.1 RASD_CPU_OFFLINE_ACTION rasdCpuOfflineAction
1.6.1 1 rasdEvacIndex
1.6.1 RASD_EVAC_GUEST_ID rasdEvacGuestId
1.6.1 RASD_EVAC_GUEST_NAME rasdEvacGuestName
1.6.1 RASD_EVAC_FROM rasdEvacFrom
1.6.1 RASD_EVAC_TO rasdEvacTo
1.6.1 RASD_EVAC_STATE rasdEvacState
1.6.1 RASD_EVAC_STARTED rasdEvacStarted
1.6.1 RASD_EVAC_UPDATED rasdEvacUpdated
1.6.1 RASD_EVAC_DIMM rasdEvacDimm
1.6.1 RASD_EVAC_DETAIL rasdEvacDetail
1.6.1 RASD_EVAC_ATTEMPT rasdEvacAttempt
1.8.1 1 rasdDeviceIndex
1.8.1 RASD_DEVICE_NAME rasdDeviceName
1.8.1 RASD_DEVICE_SOURCE rasdDeviceSource
1.8.1 RASD_DEVICE_HOST rasdDeviceHost
1.8.1 RASD_DEVICE_CORRECTED rasdDeviceCorrectedErrors
1.8.1 RASD_DEVICE_NONFATAL rasdDeviceNonFatalErrors
1.8.1 RASD_DEVICE_FATAL rasdDeviceFatalErrors
1.8.1 RASD_DEVICE_STORM rasdDeviceStorm
1.7 RASD_NOTIFY_ENT_INDEX rasdNotifyEntPhysicalIndex
1.7 RASD_NOTIFY_LOCATION rasdNotifyLocation
1.7 RASD_NOTIFY_TEXT rasdNotifyText
1.7 RASD_NOTIFY_COUNT rasdNotifyCount
1.7 RASD_NOTIFY_THRESHOLD rasdNotifyThreshold
1.7 RASD_NOTIFY_ADDRESS rasdNotifyAddress
1.7 RASD_NOTIFY_GUEST_ID rasdNotifyGuestId
1.7 RASD_NOTIFY_GUEST_NAME rasdNotifyGuestName
1.7 RASD_NOTIFY_PEER rasdNotifyPeer
1.7 RASD_NOTIFY_SEVERITY rasdNotifySeverity
1.7 RASD_NOTIFY_SEQUENCE rasdNotifySequence
1.7 RASD_NOTIFY_HEALTH rasdNotifyHealth
1.7 RASD_NOTIFY_TIME rasdNotifyTime
EOF

bad_oid=0 bad_type=0 n=0
while read -r sub const name; do
	case "$const" in
	[0-9]*) v=$const ;;
	*) v=$(hval "$const") ;;
	esac
	if [ -z "$v" ]; then
		fail "$const not in rasd_mib.h (for $name)"
		continue
	fi
	n=$((n + 1))
	want="$ARC.$sub.$v"
	# Loader complaints were shown once above; here only the answer.
	got=$(tr_mib -On "RASD-MIB::$name" 2>/dev/null)
	if [ "$got" != "$want" ]; then
		fail "$name: got '${got:-not found}', want $want ($const)"
		bad_oid=$((bad_oid + 1))
		continue
	fi
	case "$const" in [0-9]* | RASD_TRAP_*) continue ;; esac
	ht=$(htype "$const")
	case "$ht" in
	enum) ht=INTEGER ;;
	DisplayString | TruthValue | DateAndTime | INTEGER | BITS | Integer32 | \
		Unsigned32 | Gauge32 | Counter32 | Counter64) ;;
	*) continue ;; # no type in the comment
	esac
	mt=$(mtype "$name")
	if [ "$mt" != "$ht" ]; then
		fail "$name: type $mt, rasd_mib.h says $ht ($const)"
		bad_type=$((bad_type + 1))
	fi
done <"$WORK/map"
[ "$bad_oid" -eq 0 ] && pass "all $n names resolve to rasd_mib.h's OIDs"
[ "$bad_type" -eq 0 ] && pass "types agree with rasd_mib.h's comments"

# Both ways: every enumerator of the OID enums is mapped, and every
# scalar, column and notification of the module is in the map.
awk '/^enum rasd_(notification|host_scalar|[a-z]+_col|notify_obj) /,/^};/' "$HDR" |
	grep -oE 'RASD_[A-Z0-9_]+ =' | sed 's/ =//' | sort >"$WORK/hdr.names"
awk '{ print $2 }' "$WORK/map" | grep '^RASD_' | sort >"$WORK/map.names"
missing=$(comm -23 "$WORK/hdr.names" "$WORK/map.names" | tr '\n' ' ')
if [ -z "$missing" ]; then
	pass "every rasd_mib.h OID enumerator is checked"
else
	fail "rasd_mib.h enumerators with no RASD-MIB object here: $missing"
fi
grep -E '^[a-z][A-Za-z0-9]* +(OBJECT-TYPE|NOTIFICATION-TYPE)' "$MIB" |
	awk '{ print $1 }' | grep -vE '(Table|Entry)$' | sort >"$WORK/mib.names"
awk '{ print $3 }' "$WORK/map" | sort >"$WORK/mapped.names"
extra=$(comm -23 "$WORK/mib.names" "$WORK/mapped.names" | tr '\n' ' ')
if [ -z "$extra" ]; then
	pass "every RASD-MIB object is in rasd_mib.h"
else
	fail "RASD-MIB objects rasd_mib.h does not number: $extra"
fi

# -- enumerations and BITS -----------------------------------------------
# syntax NAME: the SYNTAX net-snmp shows for NAME, blanks squeezed.
syntax() {
	tr_mib -Td "RASD-MIB::$1" 2>/dev/null | sed -n 's/^  SYNTAX[[:space:]]*//p' |
		sed 's/[[:space:]]*$//'
}
# enums KIND CONST:label ...: "KIND {label(v), ...}" from the header.
enums() {
	kind=$1
	shift
	s=
	for p in "$@"; do
		case "${p%%:*}" in
		[0-9]*) v=${p%%:*} ;;
		*) v=$(hval "${p%%:*}") ;;
		esac
		s="$s${s:+, }${p#*:}($v)"
	done
	echo "$kind {$s}"
}
health=$(enums INTEGER RASD_HEALTH_OK:ok RASD_HEALTH_DEGRADED:degraded \
	RASD_HEALTH_FAILING:failing)
acts="RASD_ACT_INTENDED:intended RASD_ACT_RUNNING:running RASD_ACT_DONE:done
RASD_ACT_FAILED:failed RASD_ACT_RECOMMENDED:recommended RASD_ACT_REFUSED:refused"
# shellcheck disable=SC2086 # word splitting of $acts is the point
action=$(enums INTEGER $acts)
expect_eq "rasdHostHealth values" "$(syntax rasdHostHealth)" "$health"
expect_eq "rasdNotifyHealth values" "$(syntax rasdNotifyHealth)" "$health"
expect_eq "rasdDimmStatus values" "$(syntax rasdDimmStatus)" \
	"$(enums INTEGER RASD_DIMM_OK:ok RASD_DIMM_DEGRADED:degraded \
		RASD_DIMM_FAILING:failing RASD_DIMM_EVACUATING:evacuating \
		RASD_DIMM_EVACUATED:evacuated)"
expect_eq "rasdDimmFailureModes bits" "$(syntax rasdDimmFailureModes)" \
	"$(enums BITS RASD_FAIL_CE_RATE_WARNING:correctedRateWarning \
		RASD_FAIL_CE_RATE_FAILURE:correctedRateFailure \
		RASD_FAIL_UNCORRECTABLE:uncorrectable \
		RASD_FAIL_PAGES_RETIRED:pagesRetired RASD_FAIL_EVACUATED:evacuated \
		RASD_FAIL_CELL:cellFault RASD_FAIL_ROW:rowFault \
		RASD_FAIL_COLUMN:columnFault RASD_FAIL_BANK:bankFault \
		RASD_FAIL_MULTI_BANK:multiBankFault \
		RASD_FAIL_MULTI_RANK:multiRankFault)"
expect_eq "rasdPageAction values" "$(syntax rasdPageAction)" "$action"
expect_eq "rasdEvacState values" "$(syntax rasdEvacState)" "$action"
# shellcheck disable=SC2086
expect_eq "rasdCpuOfflineAction values" "$(syntax rasdCpuOfflineAction)" \
	"$(enums INTEGER 0:none $acts)"
# These two have their values only in rasd_mib.h's comments.
expect_eq "rasdHostMode values" "$(syntax rasdHostMode)" \
	"INTEGER {act(1), recommend(2)}"
expect_eq "rasdSocketStatus values" "$(syntax rasdSocketStatus)" \
	"INTEGER {ok(1), degraded(2)}"
expect_eq "rasdDeviceSource values" "$(syntax rasdDeviceSource)" \
	"$(enums INTEGER RASD_DEVICE_AER:aer RASD_DEVICE_CXL:cxl)"

# -- notification varbinds -----------------------------------------------
# What the notification builder emits after sysUpTime.0 and snmpTrapOID.0:
# five common objects, then these per kind, in this order.
common="rasdNotifySequence rasdNotifyTime rasdNotifyEntPhysicalIndex rasdNotifyLocation rasdNotifyText"
max_vb=$(sed -n 's/^#define NOTIFY_MAX_VARBINDS  *\([0-9]*\).*/\1/p' "$NOTIFY_H" 2>/dev/null)
while read -r trap extra; do
	want=
	for o in $common $extra; do want="$want${want:+, }$o"; done
	got=$(tr_mib -Td "RASD-MIB::$trap" 2>/dev/null |
		sed -n 's/^  OBJECTS[[:space:]]*{ *\(.*\) *}.*/\1/p' | sed 's/ *$//')
	expect_eq "$trap varbinds" "$got" "$want"
	if [ -n "$max_vb" ]; then
		# shellcheck disable=SC2086
		set -- $common $extra
		[ $# -le "$max_vb" ] ||
			fail "$trap has $# varbinds, notify.h holds $max_vb"
	fi
done <<'EOF'
rasdDimmDegraded rasdNotifyCount rasdNotifyThreshold
rasdDimmFailing rasdNotifyCount rasdNotifyThreshold
rasdPageOfflined rasdNotifyAddress rasdNotifyGuestId
rasdCpuOfflined rasdNotifyCount rasdNotifyThreshold
rasdUncorrectableError rasdNotifySeverity rasdNotifyAddress
rasdGuestEvacuated rasdNotifyGuestId rasdNotifyGuestName rasdNotifyPeer
rasdEvacuationFailed rasdNotifyGuestId rasdNotifyGuestName rasdNotifyPeer
rasdErrorStorm rasdNotifyCount rasdNotifyThreshold
rasdSensorThreshold rasdNotifyCount rasdNotifyThreshold
rasdHealthChanged rasdNotifyHealth
rasdDeviceError rasdNotifySeverity rasdNotifyCount rasdNotifyThreshold
EOF

# The downloaded modules stay out of git.
if command -v git >/dev/null 2>&1 && git -C "$ROOT" rev-parse >/dev/null 2>&1; then
	case "$MIB_CACHE" in
	"$ROOT"/*)
		if git -C "$ROOT" check-ignore -q "$MIB_CACHE/SNMPv2-SMI.txt"; then
			pass "base MIB cache is ignored by git"
		else
			fail "$MIB_CACHE is not ignored by git"
		fi
		;;
	esac
fi

[ "$FAILED" -eq 0 ]

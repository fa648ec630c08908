#!/bin/sh
# run.sh - make package-test: a clean Debian 12 root from mmdebstrap, the
# rasd and rasd-snmp .deb installed in it with apt, booted under systemd
# (systemd-nspawn -b), then what an operator does: start, status, reload,
# restart, the journal, remove and purge. Ends "N passed, N failed, N
# skipped". Usage: run.sh DEBDIR (default build/deb).
set -u
DEBS=$(cd "${1:-build/deb}" && pwd)
TOP=$(pwd)
OUT="$TOP/build/package"
BASE="$OUT/base-bookworm.tar"
R="$OUT/root"
MIRROR=${MIRROR:-http://deb.debian.org/debian}
SCN=/usr/share/rasd/scenarios/failing-dimm.scn
passed=0 failed=0 skipped=0 NSPAWN= INIT=
t0=$(date +%s)

pass() { echo "PASS: $*"; passed=$((passed + 1)); }
fail() { echo "FAIL: $*"; failed=$((failed + 1)); }
skip() { echo "SKIP: $*"; skipped=$((skipped + 1)); }
check() {
	what=$1
	shift
	if "$@" >/dev/null 2>&1; then pass "$what"; else fail "$what"; fi
}
expect_eq() {
	if [ "$2" = "$3" ]; then pass "$1 ($2)"; else fail "$1: got '$2', want '$3'"; fi
}
# A command inside the booted root, with the root's own environment.
in_root() {
	nsenter -t "$INIT" -a -- env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin \
		LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
}

shutdown_root() {
	[ -n "$NSPAWN" ] || return 0
	[ -n "$INIT" ] && in_root systemctl poweroff >/dev/null 2>&1
	i=0
	while kill -0 "$NSPAWN" 2>/dev/null && [ $i -lt 100 ]; do
		sleep 0.2
		i=$((i + 1))
	done
	kill -0 "$NSPAWN" 2>/dev/null && kill -KILL "$NSPAWN"
	wait "$NSPAWN" 2>/dev/null
	NSPAWN=
}
trap shutdown_root EXIT

# The base root is made once and kept: mmdebstrap from the archive.
mkdir -p "$OUT/apt-archives"
if [ ! -s "$BASE" ]; then
	echo "package-test: mmdebstrap bookworm from $MIRROR"
	s=$(date +%s)
	mmdebstrap --variant=apt --format=tar \
		--include=systemd,systemd-sysv,dbus,procps,sqlite3,jq \
		bookworm "$BASE.tmp" "deb $MIRROR bookworm main" \
		"deb $MIRROR bookworm-updates main" \
		"deb ${MIRROR%/debian}/debian-security bookworm-security main" \
		>"$OUT/mmdebstrap.log" 2>&1 || {
		tail -20 "$OUT/mmdebstrap.log"
		echo "0 passed, 1 failed"
		exit 1
	}
	mv "$BASE.tmp" "$BASE"
	echo "package-test: base root in $(($(date +%s) - s)) s"
fi
rm -rf "$R"
mkdir -p "$R"
tar -C "$R" -xf "$BASE"
echo rasd-pkgtest >"$R/etc/hostname"
mkdir -p "$R/root/debs"
cp "$DEBS"/rasd_*.deb "$DEBS"/rasd-snmp_*.deb "$R/root/debs/"

# Boot. nspawn shares the host's network (apt reaches the archive).
systemd-nspawn -q --register=no --keep-unit -D "$R" -b --console=passive \
	--bind="$OUT/apt-archives:/var/cache/apt/archives" \
	>"$OUT/nspawn.log" 2>&1 &
NSPAWN=$!
i=0
while [ -z "$INIT" ] && [ $i -lt 100 ]; do
	sleep 0.1
	INIT=$(pgrep -P "$NSPAWN" -x systemd | head -1)
	i=$((i + 1))
done
state=
i=0
while [ $i -lt 120 ] && [ -n "$INIT" ]; do
	state=$(in_root systemctl is-system-running 2>/dev/null)
	case $state in running | degraded) break ;; esac
	sleep 0.5
	i=$((i + 1))
done
case $state in
running | degraded) pass "the root boots under systemd (nspawn, $state)" ;;
*)
	fail "the root did not boot under systemd-nspawn ($state)"
	cat "$OUT/nspawn.log"
	echo "$passed passed, $failed failed, $skipped skipped"
	exit 1
	;;
esac
in_root find / -xdev \( -path /proc -o -path /sys -o -path /dev -o \
	-path /run -o -path /tmp -o -path /var/cache -o -path /var/lib/apt \
	-o -path /var/lib/dpkg -o -path /var/log -o -path /root/debs \) -prune \
	-o -print | sort >"$OUT/files-before"

# ---- install with apt ----
s=$(date +%s)
in_root apt-get update -qq >"$OUT/apt.log" 2>&1
in_root sh -c 'apt-get install -y -q /root/debs/rasd_*.deb /root/debs/rasd-snmp_*.deb' \
	>>"$OUT/apt.log" 2>&1
expect_eq "apt-get install ./rasd_*.deb ./rasd-snmp_*.deb" $? 0
echo "package-test: apt install took $(($(date +%s) - s)) s"
# The fresh install started rasd with the shipped default (-H auto): its
# journal opens in the StateDirectory, whatever the backend finds here.
i=0
while [ $i -lt 20 ] && ! in_root test -f /var/lib/rasd/journal.db; do
	sleep 0.25
	i=$((i + 1))
done
check "a fresh install opens the journal (/var/lib/rasd/journal.db)" \
	in_root test -f /var/lib/rasd/journal.db
echo "package-test: fresh install, -H auto: $(in_root systemctl is-active rasd.service): $(in_root journalctl _COMM=rasd -n 1 -o cat --no-pager 2>/dev/null)"
check "the _rasd system user exists (sysusers.d)" in_root getent passwd _rasd
check "/etc/rasd/rasd.conf is a conffile" \
	in_root sh -c 'dpkg-query -W -f="\${Conffiles}" rasd | grep -q /etc/rasd/rasd.conf'
check "rasd.service is enabled" in_root systemctl is-enabled rasd.service
check "RASD-MIB is where net-snmp looks" in_root test -f /usr/share/snmp/mibs/RASD-MIB.txt
check "rasd --version" in_root rasd --version
check "rasctl --version" in_root rasctl --version
check "rasd-snmp --version" in_root rasd-snmp --version
in_root systemd-analyze security rasd.service >"$OUT/security.txt" 2>&1
score=$(sed -n 's/.*Overall exposure level for rasd.service: \([0-9.]*\).*/\1/p' "$OUT/security.txt")
echo "package-test: systemd-analyze security rasd.service: $score"
check "systemd-analyze security scores rasd.service ($score)" test -n "$score"
in_root systemd-analyze security rasd-snmp.service >"$OUT/security-snmp.txt" 2>&1
echo "package-test: rasd-snmp.service: $(grep 'Overall' "$OUT/security-snmp.txt")"

# ---- start on the sim backend ----
in_root sh -c "printf 'RASD_BACKEND=sim:$SCN\nRASD_OPTS=--speed 3600\n' >/etc/default/rasd"
in_root cp /usr/share/rasd/demo.conf /etc/rasd/rasd.conf
in_root systemctl reset-failed rasd.service >/dev/null 2>&1
s=$(date +%s%N)
in_root systemctl restart rasd.service
expect_eq "systemctl restart rasd (Type=notify: returns once READY)" $? 0
ms=$((($(date +%s%N) - s) / 1000000))
echo "package-test: start to READY: $ms ms"
expect_eq "rasd.service is active" "$(in_root systemctl is-active rasd.service)" active
st=$(in_root systemctl show -p StatusText --value rasd.service)
check "its status line tells the health ($st)" sh -c "echo '$st' | grep -q '^health '"
check "the journal is in the StateDirectory" in_root test -f /var/lib/rasd/journal.db
check "the control socket is in the RuntimeDirectory" in_root test -S /run/rasd/rasd.sock
i=0
while [ $i -lt 60 ]; do
	ev=$(in_root rasctl --json status 2>/dev/null | jq -r .summary.guests_evacuated)
	[ "$ev" = 2 ] && break
	sleep 0.5
	i=$((i + 1))
done
expect_eq "the failing DIMM's guests are evacuated under systemd" "$ev" 2
# STATUS= follows a health change within a second.
i=0
while [ $i -lt 20 ]; do
	st=$(in_root systemctl show -p StatusText --value rasd.service)
	case $st in "health red"*) break ;; esac
	sleep 0.25
	i=$((i + 1))
done
check "the status line follows health to red ($st)" sh -c "echo '$st' | grep -q '^health red'"
in_root rasctl health >/dev/null 2>&1
expect_eq "rasctl health on a red host: exit 2" $? 2
check "rasctl -j reads the journal directly" \
	in_root rasctl -j /var/lib/rasd/journal.db events --limit 3

# ---- reload, watchdog ----
in_root systemctl reload rasd.service
expect_eq "systemctl reload rasd" $? 0
sleep 1
check "the reload re-read the policy" \
	in_root sh -c 'journalctl -u rasd.service --no-pager | grep -q "policy /etc/rasd/rasd.conf reloaded"'
check "WatchdogSec is set" \
	in_root sh -c 'systemctl show -p WatchdogUSec --value rasd.service | grep -qv "^0$"'
expect_eq "no watchdog or failure restarts" \
	"$(in_root systemctl show -p NRestarts --value rasd.service)" 0

# ---- the journald transport, read back from the real journald ----
# demo.conf says local; the shipped default (auto) picks journal here.
in_root sed -i 's/^transport = local/transport = auto/' /etc/rasd/rasd.conf
in_root rm -f /var/lib/rasd/journal.db /var/lib/rasd/journal.db-wal /var/lib/rasd/journal.db-shm
in_root systemctl restart rasd.service
i=0
while [ $i -lt 60 ]; do
	n=$(in_root journalctl -o json --no-pager MESSAGE_ID=b3a1e7c0a5f24d5e9c1f6f4e8d2a9b17 2>/dev/null | wc -l)
	[ "$n" -ge 1 ] && break
	sleep 0.5
	i=$((i + 1))
done
in_root journalctl -o json --no-pager SYSLOG_IDENTIFIER=rasd RASD_MSGID=DIMMFAIL >"$OUT/journal-dimmfail.json" 2>&1
# Counts over every entry read back (jq -s: none is 0, not "true").
jcount() { jq -s "[.[] | select($1)] | length" "$OUT/journal-dimmfail.json"; }
n=$(jcount '.MESSAGE_ID == "b3a1e7c0a5f24d5e9c1f6f4e8d2a9b17"')
check "journalctl -o json: a DIMMFAIL entry with its MESSAGE_ID ($n)" test "${n:-0}" -ge 1
n=$(jcount '.RASD_DIMM == "CPU0_DIMM_B1" and .RASD_MSGID == "DIMMFAIL"')
check "its structured fields are journal fields (RASD_DIMM=CPU0_DIMM_B1)" test "${n:-0}" -ge 1
n=$(jcount '.PRIORITY == "2" and .SYSLOG_IDENTIFIER == "rasd" and (.MESSAGE | startswith("DIMM CPU0_DIMM_B1 failing"))')
check "PRIORITY 2 (crit), SYSLOG_IDENTIFIER rasd, the text as MESSAGE" test "${n:-0}" -ge 1
n=$(in_root journalctl -o json --no-pager SYSLOG_IDENTIFIER=rasd 2>/dev/null | jq -s '[.[] | select(.RASD_MSGID != null and .MESSAGE_ID == null)] | length')
expect_eq "every rasd entry has a MESSAGE_ID" "$n" 0
in_root sed -i 's/^transport = auto/transport = local/' /etc/rasd/rasd.conf

# ---- restart in the middle of the failing-DIMM scenario ----
# Needs the simulated host as its own unit (rasd-simhost, issue 13): a
# restart of rasd.service kills rasd's cgroup, so a host rasd spawned
# itself would die with it.
if in_root test -x /usr/sbin/rasd-simhost; then
	check "the package ships the simulated host's unit" \
		in_root test -f /lib/systemd/system/rasd-simhost@.service
	in_root sh -c 'printf "RASD_SIM_SPEED=60\n" >/etc/default/rasd-simhost'
	in_root sh -c "printf 'RASD_BACKEND=sim:$SCN\nRASD_OPTS=--speed 60\n' >/etc/default/rasd"
	in_root systemctl stop rasd.service
	in_root rm -f /var/lib/rasd/journal.db /var/lib/rasd/journal.db-wal /var/lib/rasd/journal.db-shm
	in_root systemctl daemon-reload
	in_root systemctl start rasd-simhost@failing-dimm.service rasd.service
	i=0
	while [ $i -lt 240 ]; do
		ev=$(in_root rasctl --json actions 2>/dev/null | jq '[.actions[] | select(.kind=="migrate")] | length')
		[ "${ev:-0}" -ge 1 ] && break
		sleep 0.25
		i=$((i + 1))
	done
	in_root systemctl restart rasd.service
	expect_eq "systemctl restart rasd in the middle of the evacuation" $? 0
	i=0
	while [ $i -lt 240 ]; do
		ev=$(in_root rasctl --json status 2>/dev/null | jq -r .summary.guests_evacuated)
		[ "$ev" = 2 ] && break
		sleep 0.5
		i=$((i + 1))
	done
	expect_eq "the evacuation completes after the restart" "$ev" 2
	n=$(in_root sqlite3 /var/lib/rasd/journal.db \
		"select count(*) from actions where kind='migrate' and state='done'" 2>/dev/null)
	expect_eq "each guest migrated exactly once" "$n" 2
	in_root systemctl stop rasd-simhost@failing-dimm.service
else
	fail "the package has no /usr/sbin/rasd-simhost"
fi

# ---- rasd-snmp ----
if in_root test -x /usr/sbin/snmpd; then
	in_root systemctl restart rasd-snmp.service
	sleep 2
	expect_eq "rasd-snmp.service is active" "$(in_root systemctl is-active rasd-snmp.service)" active
	u=$(in_root ps -o user= -C rasd-snmp | head -1)
	expect_eq "rasd-snmp runs as its own user" "$u" _rasd
else
	skip "rasd-snmp with snmpd (snmpd not installed)"
fi

# ---- remove and purge ----
in_root apt-get remove -y -q rasd-snmp rasd >>"$OUT/apt.log" 2>&1
expect_eq "apt-get remove rasd rasd-snmp" $? 0
check "the binaries are gone" in_root sh -c '! test -e /usr/sbin/rasd && ! test -e /usr/bin/rasctl'
check "the service is gone" in_root sh -c '! systemctl is-active -q rasd.service'
check "remove keeps the conffiles" in_root test -f /etc/rasd/rasd.conf
# The test's own /etc/default/rasd-simhost is an operator's file, which
# purge rightly leaves: it goes first, so what is left is the package's.
in_root rm -f /etc/default/rasd-simhost
in_root apt-get purge -y -q rasd-snmp rasd >>"$OUT/apt.log" 2>&1
expect_eq "apt-get purge rasd rasd-snmp" $? 0
in_root apt-get autoremove --purge -y -q >>"$OUT/apt.log" 2>&1
in_root find / -xdev \( -path /proc -o -path /sys -o -path /dev -o \
	-path /run -o -path /tmp -o -path /var/cache -o -path /var/lib/apt \
	-o -path /var/lib/dpkg -o -path /var/log -o -path /root/debs \) -prune \
	-o -print | sort >"$OUT/files-after"
comm -13 "$OUT/files-before" "$OUT/files-after" >"$OUT/files-left"
left=$(grep -ci rasd "$OUT/files-left")
expect_eq "purge leaves no rasd file behind" "$left" 0
check "nothing of rasd in /run" in_root sh -c '! test -e /run/rasd'
if [ -s "$OUT/files-left" ]; then
	echo "package-test: left by the dependencies apt pulled in:"
	sed 's/^/  /' "$OUT/files-left" | head -20
fi

shutdown_root
echo "package-test: $(($(date +%s) - t0)) s"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]

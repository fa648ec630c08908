#!/bin/sh
# deps.sh - installs the Debian 12 packages rasd needs that are missing,
# and says which. Groups: build (default: compile and test, with the real
# syslog-ng, promtool, rrdcached, net-snmp daemons, smilint and headless
# Chromium the tests drive),
# clang, fuzz, bench, lab (QEMU, Xen, the Debian kernel), pkg (make deb
# and make package-test: debhelper, lintian, mmdebstrap, a kernel to boot).
# The build group also adds the system user _rasd that rasd's engine runs
# as, when it is missing.
set -eu

pkgs_build="gcc make pkg-config libsqlite3-dev sqlite3 libjson-c-dev libinih-dev libcmocka-dev jq librrd-dev rrdtool libssl-dev openssl prometheus syslog-ng-core rrdcached fonts-dejavu-core chromium chromium-driver libsnmp-dev snmpd snmptrapd snmp smitools curl ca-certificates socat libxen-dev libvirt-dev libopenipmi-dev openipmi libsensors-dev"
pkgs_clang="clang"
pkgs_fuzz="clang libclang-rt-14-dev"
pkgs_bench="valgrind"
# the labs: Xen 4.17 and the Debian kernel booted under QEMU
pkgs_pkg="debhelper devscripts lintian fakeroot dpkg-dev mmdebstrap systemd-container qemu-system-x86 linux-image-amd64 e2fsprogs"
pkgs_lab="qemu-system-x86 xen-hypervisor-4.17-amd64 xen-utils-4.17 linux-image-amd64 busybox-static cpio socat jq e2fsprogs"

want=""
[ $# -eq 0 ] && set -- build
for group in "$@"; do
	case "$group" in
	build) want="$want $pkgs_build" ;;
	clang) want="$want $pkgs_clang" ;;
	fuzz) want="$want $pkgs_fuzz" ;;
	bench) want="$want $pkgs_bench" ;;
	lab) want="$want $pkgs_lab" ;;
	pkg) want="$want $pkgs_pkg" ;;
	*) echo "deps.sh: unknown group '$group' (build, clang, fuzz, bench, lab, pkg)" >&2; exit 2 ;;
	esac
done

missing=""
for p in $want; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
		case " $missing " in *" $p "*) ;; *) missing="$missing $p" ;; esac
	fi
done

# rasd's engine, its agent and their tests run as the system user _rasd
# (what the package's sysusers.d file makes); a source tree run as root
# needs it too.
rasd_user() {
	getent passwd _rasd >/dev/null && return 0
	if [ "$(id -u)" -ne 0 ]; then
		echo "deps.sh: no user _rasd; as root: useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin _rasd" >&2
		return 0
	fi
	echo "deps: adding the system user _rasd (rasd's unprivileged engine)"
	useradd --system --no-create-home --home-dir /nonexistent \
		--shell /usr/sbin/nologin --comment "rasd unprivileged helpers" _rasd
}
case " $* " in *" build "*) rasd_user ;; esac

if [ -z "$missing" ]; then
	echo "deps: all present ($*)"
	exit 0
fi
echo "deps: installing:$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: not root; install these as root: apt-get install$missing" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: installed:$missing"

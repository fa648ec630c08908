#!/bin/sh
# mkinitrd.sh - builds the Xen lab's dom0 initramfs (busybox, Xen tools and
# modules, rasd and the alert daemons, a PV domU image) from this host.
# usage: sh tests/lab/xen/mkinitrd.sh BUILD_DIR OUT_DIR
set -eu

BUILD=${1:?usage: mkinitrd.sh BUILD_DIR OUT_DIR}
OUT=${2:?usage: mkinitrd.sh BUILD_DIR OUT_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
KVER=$(ls /lib/modules | sort -V | tail -1)
XENBIN=/usr/lib/xen-4.17/bin

ROOT=$OUT/dom0-root
DOMU=$OUT/domu-root
rm -rf "$ROOT" "$DOMU"
mkdir -p "$ROOT" "$DOMU"

# Copy a file and the shared libraries ldd names for it, keeping paths.
add_bin() {
	root=$1
	shift
	for f in "$@"; do
		[ -e "$f" ] || { echo "mkinitrd: missing $f" >&2; exit 1; }
		cp -L --parents "$f" "$root"
		ldd "$f" 2>/dev/null | awk '/=> \//{print $3} /^\t\//{print $1}' |
		while read -r lib; do
			[ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
		done
	done
}

busybox_root() {
	root=$1
	mkdir -p "$root/bin" "$root/sbin" "$root/proc" "$root/sys" \
	    "$root/dev" "$root/tmp" "$root/etc" "$root/root"
	cp /bin/busybox "$root/bin/busybox"
	for a in $(/bin/busybox --list); do
		[ -e "$root/bin/$a" ] || ln -s busybox "$root/bin/$a"
	done
}

# --- the domU: busybox and a counter on its console ---
busybox_root "$DOMU"
cp "$HERE/domu-init" "$DOMU/init"
chmod 755 "$DOMU/init"
(cd "$DOMU" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/domu.gz"

# --- dom0 ---
busybox_root "$ROOT"
mkdir -p "$ROOT/var/run/xenstored" "$ROOT/var/lib/xenstored" \
    "$ROOT/var/log/xen/console" "$ROOT/var/lib/xen" "$ROOT/var/run/xen" \
    "$ROOT/etc/xen" "$ROOT/lib/modules" "$ROOT/boot" "$ROOT/lab" \
    "$ROOT/var/lib/rasd" "$ROOT/etc/rasd"
add_bin "$ROOT" "$XENBIN/xl" "$XENBIN/xenstored" "$XENBIN/xenconsoled" \
    "$XENBIN/xen-init-dom0" "$XENBIN/xen-mfndump" "$XENBIN/xen-hptool" \
    "$XENBIN/libxl-save-helper" "$XENBIN/xen-mceinj" "$XENBIN/xenstore-control" \
    /usr/bin/xenstore-read /usr/bin/xenstore-ls /usr/bin/xenstore-write
cp -L --parents /usr/lib/x86_64-linux-gnu/libgcc_s.so.1 "$ROOT" 2>/dev/null ||
    cp -L --parents /lib/x86_64-linux-gnu/libgcc_s.so.1 "$ROOT"
cp -r /etc/xen/scripts "$ROOT/etc/xen/" 2>/dev/null || true
[ -e /etc/xen/xl.conf ] && cp /etc/xen/xl.conf "$ROOT/etc/xen/"
# the Xen modules, then the emulated link's NIC: an e1000 (virtio-net
# crashed dom0 here under its first burst of traffic)
for m in xen-privcmd xen-evtchn xen-gntdev xen-gntalloc xenfs e1000; do
	f=$(find /lib/modules/"$KVER"/kernel -name "$m.ko*" | head -1)
	case $f in
	*.xz) xz -dc "$f" >"$ROOT/lib/modules/$m.ko" ;;
	*.zst) zstd -qdc "$f" >"$ROOT/lib/modules/$m.ko" ;;
	*) cp "$f" "$ROOT/lib/modules/$m.ko" ;;
	esac
done

# rasd and friends, and the test tool that drives the backend directly.
add_bin "$ROOT" "$BUILD/rasd" "$BUILD/rasctl"
[ -x "$BUILD/rasd-snmp" ] && add_bin "$ROOT" "$BUILD/rasd-snmp"
[ -x "$BUILD/tools/xen_probe" ] && add_bin "$ROOT" "$BUILD/tools/xen_probe"
# Under a fixed path: the build's own may sit under /tmp, which dom0's
# init covers with a tmpfs.
mkdir -p "$ROOT/usr/local/bin"
for b in "$ROOT$BUILD"/rasd "$ROOT$BUILD"/rasctl "$ROOT$BUILD"/rasd-snmp \
    "$ROOT$BUILD"/tools/xen_probe; do
	[ -e "$b" ] || continue
	mv "$b" "$ROOT/usr/local/bin/"
	ln -sf "/usr/local/bin/$(basename "$b")" "$ROOT/bin/$(basename "$b")"
done

# Two hosts: sshd (dropbear) to receive, OpenSSH's client to send, and
# the lab's keys (made once per build tree): one host key for both dom0s
# (pinned in known_hosts) and root's key, authorized on both.
add_bin "$ROOT" /usr/sbin/dropbear /usr/bin/ssh
KEYS=$OUT/keys
if [ ! -s "$KEYS/host_key" ] || [ ! -s "$KEYS/id_ed25519" ]; then
	rm -rf "$KEYS"
	mkdir -p "$KEYS"
	dropbearkey -t ed25519 -f "$KEYS/host_key" >/dev/null 2>&1
	ssh-keygen -q -t ed25519 -N '' -C rasd-lab -f "$KEYS/id_ed25519"
fi
# where a Debian host has it, so "ssh PEER xl migrate-receive" finds it
mkdir -p "$ROOT/usr/sbin"
ln -sf "$XENBIN/xl" "$ROOT/usr/sbin/xl"
mkdir -p "$ROOT/etc/dropbear" "$ROOT/root/.ssh"
cp "$KEYS/host_key" "$ROOT/etc/dropbear/host_key"
cp "$KEYS/id_ed25519" "$ROOT/root/.ssh/id_ed25519"
cp "$KEYS/id_ed25519.pub" "$ROOT/root/.ssh/authorized_keys"
hk=$(dropbearkey -y -f "$KEYS/host_key" | grep '^ssh-')
printf '169.254.0.1 %s\n169.254.0.2 %s\n' "$hk" "$hk" >"$ROOT/root/.ssh/known_hosts"
# aes128-ctr: under TCG the fastest cipher dropbear and OpenSSH share
cp "$HERE/ssh_config" "$ROOT/root/.ssh/config"
chmod 700 "$ROOT/root" "$ROOT/root/.ssh"
chmod 600 "$ROOT/root/.ssh/"* "$ROOT/etc/dropbear/host_key"

# The alert path of scenario 5 (optional: skipped when absent here).
for b in /usr/sbin/snmpd /usr/sbin/snmptrapd /usr/sbin/syslog-ng; do
	[ -x "$b" ] && add_bin "$ROOT" "$b"
done
for d in /usr/lib/syslog-ng /usr/lib/x86_64-linux-gnu/syslog-ng /usr/share/syslog-ng \
    /usr/share/snmp/mibs; do
	[ -d "$d" ] || continue
	cp -rL --parents "$d" "$ROOT"
	find "$d" -name '*.so' | while read -r so; do add_bin "$ROOT" "$so"; done
done
# _rasd: the user rasd's engine runs as (privilege separation).
printf 'root:x:0:0:root:/root:/bin/sh\nDebian-snmp:x:100:101::/var/lib/snmp:/bin/false\n_rasd:x:999:999::/nonexistent:/bin/false\nnobody:x:65534:65534::/:/bin/false\n' \
    >"$ROOT/etc/passwd"
printf 'root:x:0:\nDebian-snmp:x:101:\n_rasd:x:999:\nnogroup:x:65534:\n' >"$ROOT/etc/group"
printf '/bin/sh\n' >"$ROOT/etc/shells"
printf 'hosts: files\npasswd: files\ngroup: files\n' >"$ROOT/etc/nsswitch.conf"
printf '127.0.0.1 localhost labhost\n' >"$ROOT/etc/hosts"
cp -L --parents /lib/x86_64-linux-gnu/libnss_files.so.2 "$ROOT" 2>/dev/null || true

cp "/boot/vmlinuz-$KVER" "$ROOT/boot/vmlinuz"
cp "$OUT/domu.gz" "$ROOT/boot/domu.gz"
cp "$HERE/dom0-init" "$ROOT/init"
cp "$HERE/guest.cfg" "$ROOT/etc/xen/guest1.cfg"
cp "$HERE/guest2.cfg" "$ROOT/etc/xen/guest2.cfg"
# The shipped policy with the lab's values put in place (rasd refuses a
# key set twice); the two-host lab's hosts get theirs over the lab's.
merge() { # OVERRIDES BASE
	awk -F' *= *' '
		FNR == NR && /^\[/ { sec = $0; next }
		FNR == NR && /=/ && !/^#/ { val[sec "|" $1] = $0; next }
		FNR == NR { next }
		/^\[/ { sec = $0 }
		/=/ && !/^#/ && ((sec "|" $1) in val) { print val[sec "|" $1]; next }
		{ print }
	' "$1" "$2"
}
merge "$HERE/rasd-lab.conf" "$HERE/../../../policies/default.conf" \
    >"$ROOT/etc/rasd/rasd.conf"
for h in a b; do
	merge "$HERE/rasd-two-$h.conf" "$ROOT/etc/rasd/rasd.conf" \
	    >"$ROOT/etc/rasd/rasd-two-$h.conf"
done
cp "$HERE/start-rasd.sh" "$ROOT/bin/start-rasd"
cp "$HERE/labh" "$ROOT/bin/labh"
chmod 755 "$ROOT/bin/start-rasd" "$ROOT/bin/labh"
mkdir -p "$ROOT/var/lab" "$ROOT/run"
chmod 755 "$ROOT/init"
(cd "$ROOT" && find . | cpio -o -H newc --quiet | gzip -1) >"$OUT/dom0.gz"
echo "mkinitrd: $OUT/dom0.gz $(du -k "$OUT/dom0.gz" | cut -f1) KiB"

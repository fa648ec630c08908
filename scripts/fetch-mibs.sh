#!/bin/sh
# fetch-mibs.sh DIR - puts the IETF base MIB modules SNMPv2-SMI, SNMPv2-TC,
# SNMPv2-CONF and SNMPv2-MIB into DIR as <MODULE>.txt, for smilint and
# snmptranslate to check RASD-MIB against. Debian does not ship them (they
# are in the non-free snmp-mibs-downloader), so they come at test time from
# the npm package net-snmp (its lib/mibs/): `npm pack` when npm exists;
# without npm, or when it fails, the registry's tarball fetched with curl
# and checked against the registry's SHA-1. Nothing is fetched when DIR
# already has all four.
# These files are never committed: DIR belongs under build/.
set -eu

MODULES="SNMPv2-SMI SNMPv2-TC SNMPv2-CONF SNMPv2-MIB"
PACKAGE=net-snmp
# NPM_REGISTRY: a mirror, for both npm and curl (npm's own configuration
# applies when unset).
REGISTRY=${NPM_REGISTRY:-https://registry.npmjs.org}
REGISTRY=${REGISTRY%/}

die() {
	echo "fetch-mibs.sh: $*" >&2
	exit 1
}

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: fetch-mibs.sh DIR" >&2
	exit 2
fi
dir=$1

have_all() {
	for m in $MODULES; do
		[ -s "$dir/$m.txt" ] || return 1
	done
}
if have_all; then
	exit 0
fi

mkdir -p "$dir" || die "cannot create $dir"
tmp=$(mktemp -d /tmp/fetch-mibs.XXXXXX) || die "cannot make a temporary directory"
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

tarball=
why=
if command -v npm >/dev/null 2>&1; then
	# npm prints the tarball's file name on its last line of stdout, and
	# its errors on stderr; one retry, so that no network fails quickly.
	if name=$(cd "$tmp" && timeout 120 npm pack --loglevel=error \
		--fetch-retries=1 --fetch-retry-mintimeout=2000 \
		--fetch-retry-maxtimeout=5000 --fetch-timeout=30000 \
		${NPM_REGISTRY:+--registry "$NPM_REGISTRY"} "$PACKAGE" 2>"$tmp/npm.err" | tail -1) &&
		[ -n "$name" ] && [ -s "$tmp/$name" ]; then
		tarball=$tmp/$name
	else
		why="npm pack $PACKAGE failed: $(grep -m1 -E 'Error|code' "$tmp/npm.err" |
			sed 's/^npm error *//')"
	fi
fi
if [ -z "$tarball" ]; then
	command -v curl >/dev/null 2>&1 || die "${why:+$why; }no curl to fetch $PACKAGE with"
	command -v jq >/dev/null 2>&1 || die "${why:+$why; }no jq to read the npm registry's answer"
	meta=$tmp/latest.json
	curl -fsSL --retry 2 --connect-timeout 15 --max-time 60 \
		-o "$meta" "$REGISTRY/$PACKAGE/latest" ||
		die "${why:+$why; }cannot fetch $REGISTRY/$PACKAGE/latest"
	url=$(jq -r '.dist.tarball // empty' "$meta") || die "bad registry answer for $PACKAGE"
	sum=$(jq -r '.dist.shasum // empty' "$meta")
	case "$url" in
	https://*.tgz) ;;
	*) die "registry gave no usable tarball URL for $PACKAGE: '$url'" ;;
	esac
	tarball=$tmp/$PACKAGE.tgz
	curl -fsSL --retry 2 --connect-timeout 15 --max-time 120 -o "$tarball" "$url" ||
		die "cannot fetch $url"
	if [ -n "$sum" ] && command -v sha1sum >/dev/null 2>&1; then
		got=$(sha1sum "$tarball" | cut -d' ' -f1)
		[ "$got" = "$sum" ] || die "$url: SHA-1 $got, registry says $sum"
	fi
fi

mkdir "$tmp/x"
tar -xzf "$tarball" -C "$tmp/x" || die "cannot unpack $tarball"
src=$tmp/x/package/lib/mibs
[ -d "$src" ] || die "$PACKAGE has no lib/mibs/ any more; look for the MIBs elsewhere"

for m in $MODULES; do
	f=
	for ext in .mib .txt .my ""; do
		if [ -f "$src/$m$ext" ]; then
			f=$src/$m$ext
			break
		fi
	done
	[ -n "$f" ] || die "$PACKAGE's lib/mibs/ has no $m (.mib, .txt, .my)"
	# The file must define the module it is named after.
	first=$(sed -n 's/^[[:space:]]*\([A-Za-z0-9-]*\)[[:space:]]*DEFINITIONS.*/\1/p' "$f" | head -1)
	[ "$first" = "$m" ] || die "$f defines '$first', not $m"
	# Through a temporary name, so a reader never sees half a file.
	if ! { cp "$f" "$dir/.$m.txt.$$" && mv -f "$dir/.$m.txt.$$" "$dir/$m.txt"; }; then
		rm -f "$dir/.$m.txt.$$"
		die "cannot write $dir/$m.txt"
	fi
done
echo "fetch-mibs.sh: $MODULES from $(basename "$tarball") into $dir"

#!/bin/sh
# make-deb.sh - builds the rasd and rasd-snmp .deb from a copy of the work
# tree (tracked and new files, not build/) under build/deb, then runs
# lintian on them. Prints the packages, their sizes and lintian's verdict.
set -eu

top=$(pwd)
out="$top/build/deb"
ver=$(dpkg-parsechangelog -l debian/changelog -S Version)
src="$out/rasd-$ver"

rm -rf "$out"
mkdir -p "$src"
# Everything git knows or would add, as the tree is now.
git ls-files -z --cached --others --exclude-standard |
	(cd "$top" && xargs -0 tar cf - --no-recursion) | tar xf - -C "$src"
rm -rf "$src/build"
echo "deb: building rasd $ver in $src"
start=$(date +%s)
(cd "$src" && dpkg-buildpackage -us -uc -b >"$out/build.log" 2>&1) || {
	tail -40 "$out/build.log" >&2
	echo "deb: dpkg-buildpackage failed (log: $out/build.log)" >&2
	exit 1
}
echo "deb: built in $(($(date +%s) - start)) s"
for f in "$out"/*.deb; do
	printf 'deb: %s %s bytes, installed %s KiB\n' "$(basename "$f")" \
		"$(stat -c %s "$f")" "$(dpkg-deb -f "$f" Installed-Size)"
done
# The default level (errors and warnings) must be clean; info tags
# (-I) are shown too. Its note about running as root is not a tag.
lintian -I --fail-on error,warning "$out"/*.changes 2>&1 |
	grep -v 'running with root privileges' >"$out/lintian.txt"
rc=0
lintian --fail-on error,warning "$out"/*.changes >/dev/null 2>&1 || rc=$?
if [ -s "$out/lintian.txt" ]; then
	sed 's/^/lintian: /' "$out/lintian.txt"
else
	echo "lintian: clean"
fi
exit $rc

#!/bin/sh
# test_report.sh - the static dashboard in headless Chromium: a screenshot,
# and the rendered DOM shows the failing DIMM's cell with its state and label.
. "$(dirname "$0")/lib.sh"
CFLAGS_T="-std=c11 -D_GNU_SOURCE -O1 -g -I$ROOT"
OUT="$WORK/report"
mkdir -p "$OUT"

# The drivers: from the build if the Makefile made them, else by hand.
tool() {
	name=$1
	shift
	if [ -x "$BUILD_DIR/tools/$name" ]; then
		echo "$BUILD_DIR/tools/$name"
	elif ${CC:-cc} $CFLAGS_T -o "$WORK/$name" "$ROOT/tests/tools/$name.c" \
		"$@" >"$WORK/$name.cc.log" 2>&1; then
		echo "$WORK/$name"
	fi
}

REPORT_DEMO=$(tool report_demo "$ROOT/rasd/publish/report.c")
if [ -z "$REPORT_DEMO" ]; then
	fail "report_demo builds (see $WORK/report_demo.cc.log)"
	exit 1
fi

# Graphs through trend.c when librrd is there; the page works without.
set --
if pkg-config --exists librrd 2>/dev/null; then
	# shellcheck disable=SC2046
	TREND_DEMO=$(tool trend_demo "$ROOT/rasd/publish/trend.c" \
		$(pkg-config --cflags --libs librrd) -lpthread)
	if [ -n "$TREND_DEMO" ] && "$TREND_DEMO" "$OUT" 1700000000 \
		>"$WORK/trend_demo.log" 2>&1; then
		pass "trend_demo rendered the graphs"
		set -- dimm-CPU0_DIMM_B1.png "CPU0_DIMM_B1: corrected errors" \
			socket-0.png "Socket 0: DIMMs stacked" \
			temperatures.png "Temperatures"
	else
		fail "trend_demo rendered the graphs (see $WORK/trend_demo.log)"
	fi
else
	echo "SKIP: graphs in the report (librrd not installed)"
fi

check "report_demo writes index.html" "$REPORT_DEMO" "$OUT" "$@"
[ -f "$OUT/index.html" ] || exit 1
check "no scripts in the page" sh -c "! grep -qi '<script' '$OUT/index.html'"
check "no network fetches in the page" \
	sh -c "! grep -Eqi '(src|href)=\"(https?:)?//' '$OUT/index.html'"

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	echo "SKIP: headless Chromium screenshot and DOM (chromium not installed)"
	exit 0
fi

# Root needs --no-sandbox; nothing may reach the network.
chrome() {
	timeout 90 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$(mktemp -d "$WORK/chrome.XXXXXX")" "$@"
}

chrome --screenshot="$OUT/screenshot.png" --window-size=1280,1600 \
	"file://$OUT/index.html" >"$WORK/shot.log" 2>&1
check "screenshot taken" test -s "$OUT/screenshot.png"
expect_eq "screenshot is a PNG" \
	"$(head -c 8 "$OUT/screenshot.png" | od -An -tx1 | tr -d ' \n')" \
	"89504e470d0a1a0a"
check "screenshot is not blank (over 20 KiB)" \
	test "$(wc -c <"$OUT/screenshot.png")" -gt 20480
if [ -n "${SCREENSHOT_DIR:-}" ]; then
	mkdir -p "$SCREENSHOT_DIR" && cp "$OUT"/*.png "$OUT/index.html" \
		"$SCREENSHOT_DIR/" && echo "screenshot: $SCREENSHOT_DIR/screenshot.png"
fi

chrome --dump-dom "file://$OUT/index.html" >"$WORK/dom.html" \
	2>"$WORK/dom.log"
check "DOM dumped" test -s "$WORK/dom.html"

# One cell per line: the DOM as Chromium serialized it, split at cells.
tr '\n' ' ' <"$WORK/dom.html" | sed 's/<td/\n<td/g' >"$WORK/cells"
grep 'data-dimm="CPU0_DIMM_B1"' "$WORK/cells" | sed 's/<\/td>.*//' \
	>"$WORK/cell"
expect_eq "one cell for CPU0_DIMM_B1" \
	"$(grep -c 'data-dimm="CPU0_DIMM_B1"' "$WORK/cells")" 1
check "CPU0_DIMM_B1's cell has data-state=\"failing\"" \
	grep -q 'data-state="failing"' "$WORK/cell"
check "CPU0_DIMM_B1's cell has the failing class" \
	grep -q 'class="dimm state-failing"' "$WORK/cell"
check "CPU0_DIMM_B1's cell shows its label" \
	grep -q '<div class="label">CPU0_DIMM_B1</div>' "$WORK/cell"
check "CPU0_DIMM_B1's cell shows its counts" \
	grep -q 'CE 1289' "$WORK/cell"
expect_eq "exactly one failing DIMM in the DOM" \
	"$(grep -c 'data-state="failing"' "$WORK/cells")" 1
check "the banner says failing" \
	grep -q 'class="banner health-failing"' "$WORK/dom.html"
check "an event's markup stayed text (no script element)" \
	sh -c "! grep -qi '<script' '$WORK/dom.html'"
[ "$#" -gt 0 ] && check "the graphs are in the page" \
	grep -q 'img src="socket-0.png"' "$WORK/dom.html"
exit 0

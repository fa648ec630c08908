#!/bin/sh
# test_refdecode.sh - the differential test: every record of the reference
# set decoded by rasd, compared field by field with mcelog and rasdaemon.
. "$(dirname "$0")/lib.sh"
REFDECODE="$BUILD_DIR/tools/refdecode"
# ../shared/reference-decodes next to the checkout, or where the variable
# points (the set and how it was made: its README.md).
REFS=${RASD_REFERENCE_DECODES:-$ROOT/../shared/reference-decodes}

if [ ! -f "$REFS/README.md" ]; then
	echo "SKIP: reference decodes (no $REFS; set RASD_REFERENCE_DECODES)"
	exit 0
fi

# The agreement table per family and field, the decisions that explain
# each difference, and one PASS or FAIL line per family.
"$REFDECODE" "$REFS" >"$WORK/all.out" 2>&1
rc=$?
cat "$WORK/all.out"
expect_eq "refdecode exits 0 on the reference set" $rc 0

# A difference nobody decided fails: rasdaemon made to call a corrected
# skx record uncorrected.
mkdir "$WORK/refs"
cp "$REFS/skx.txt" "$REFS/skx.mcelog.txt" "$WORK/refs/"
sed '2s/mci=Corrected_error/mci=Uncorrected_error/' "$REFS/skx.rasdaemon.txt" \
	>"$WORK/refs/skx.rasdaemon.txt"
"$REFDECODE" -f skx "$WORK/refs" >"$WORK/undecided.out" 2>&1
expect_eq "an undecided difference fails" $? 1
check "and names the record and field" \
	grep -q 'skx record 1 severity: undecided' "$WORK/undecided.out"

# Missing reference text is an error, not a silent pass.
head -n 100 "$REFS/skx.rasdaemon.txt" >"$WORK/refs/skx.rasdaemon.txt"
"$REFDECODE" -f skx "$WORK/refs" >"$WORK/short.out" 2>&1
expect_eq "a record missing from a reference fails" $? 1
check "and says which" grep -q 'record 100 missing from rasdaemon' \
	"$WORK/short.out"
exit 0

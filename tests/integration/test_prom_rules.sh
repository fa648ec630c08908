#!/bin/sh
# test_prom_rules.sh - the shipped Prometheus alert rules (promtool test
# rules), and the Grafana fleet dashboard: valid JSON with the panels an
# operator looks for, every query valid PromQL naming metrics a real rasd
# writes, and its host-health query evaluated on a real rasd's file.
. "$(dirname "$0")/lib.sh"
S="$ROOT/hypervisor/sim/scenarios"
C="$ROOT/contrib"

if ! command -v promtool >/dev/null; then
	echo "SKIP: promtool not installed"
	exit 0
fi
promtool check rules "$C/prometheus/rasd.rules.yml" >"$WORK/check" 2>&1
expect_eq "promtool check rules rasd.rules.yml" $? 0
(cd "$C/prometheus" && promtool test rules rasd.rules.test.yml) >"$WORK/test" 2>&1
expect_eq "promtool test rules: every alert fires when and only when it should" $? 0

# A real rasd's metrics file, red after the failing-DIMM scenario.
sed "s|^file =\$|file = $WORK/rasd.prom|" "$ROOT/policies/demo.conf" >"$WORK/m.conf"
# At 3600x a loop delay of a few ms is not minutes of scenario time.
SPEED=3600 run_sim m "$S/failing-dimm.scn" "$WORK/m.conf"
expect_eq "rasd plays the scenario with metrics on" $? 0
promtool check metrics <"$WORK/rasd.prom" >"$WORK/lint" 2>&1
expect_eq "its metrics pass promtool check metrics" $? 0

D="$C/grafana/rasd-fleet.json"
check "the dashboard is valid JSON" jq -e . "$D"
for t in "Host health across hosts" "DIMMs" "rasd heartbeat age"; do
	check "it has a '$t' panel" jq -e --arg t "$t" '[.panels[].title] | index($t)' "$D"
done
check "the host variable lists every rasd" \
	jq -e '.templating.list[] | select(.name == "instance") | .multi and .includeAll' "$D"
check "every panel uses the datasource variable" \
	jq -e '[.panels[] | .datasource.uid == "${datasource}"] | all' "$D"
n=$(jq '[.panels[] | select(.title == "DIMMs") | .targets[].expr | select(test("controller") and test("csrow") and test("dimm"))] | length' "$D")
expect_eq "the DIMM table shows dimm, controller and csrow" "$n" 5

# Every query, with Grafana's variables given values, as a recording rule:
# promtool parses each one.
jq -r '.panels[].targets[].expr' "$D" |
	sed -e 's/\$instance/.*/g' -e 's/\$__rate_interval/5m/g' >"$WORK/exprs"
{
	echo "groups:"
	echo "  - name: dashboard"
	echo "    rules:"
	i=0
	while IFS= read -r e; do
		i=$((i + 1))
		echo "      - record: dashboard:query$i"
		printf '        expr: %s\n' "$(printf '%s' "$e" | jq -Rs .)"
	done <"$WORK/exprs"
} >"$WORK/dash.rules.yml"
promtool check rules "$WORK/dash.rules.yml" >"$WORK/dcheck" 2>&1
expect_eq "every dashboard query is valid PromQL ($(wc -l <"$WORK/exprs"))" $? 0
for m in $(grep -o 'rasd_[a-z_]*' "$WORK/exprs" | sort -u); do
	check "$m is a metric rasd writes" grep -q "^# TYPE $m " "$WORK/rasd.prom"
done

# The host-health query on the real file, as node_exporter would export
# it (one instance label added): red is 2.
{
	echo "rule_files: []"
	echo "evaluation_interval: 1m"
	echo "tests:"
	echo "  - interval: 1m"
	echo "    input_series:"
	grep -v '^#' "$WORK/rasd.prom" | while read -r s v; do
		case $s in
		*"}") s="${s%\}},instance=\"xen01\"}" ;;
		*) s="$s{instance=\"xen01\"}" ;;
		esac
		printf "      - series: '%s'\n        values: '%s'\n" "$s" "$v"
	done
	echo "    promql_expr_test:"
	printf '      - expr: %s\n' "$(sed -n 1p "$WORK/exprs" | jq -Rs .)"
	echo "        eval_time: 0m"
	echo "        exp_samples:"
	echo "          - labels: '{instance=\"xen01\"}'"
	echo "            value: 2"
} >"$WORK/dash.test.yml"
(cd "$WORK" && promtool test rules dash.test.yml) >"$WORK/dtest" 2>&1
expect_eq "the host-health panel shows the red host as 2 (red)" $? 0
exit 0

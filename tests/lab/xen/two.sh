# two.sh - the Xen lab's part on the fixed image, sourced by run.sh: two
# hosts under QEMU joined by an emulated link; machine checks raised with
# QEMU's `mce` reach rasd on host A, which moves the guest to host B.
#
# Host A (2 CPUs) runs guest1 and guest2 and listens for the link on a
# free 127.0.0.1 port; host B (1 CPU) connects to it. Inside, the link
# is 169.254.0.1/16 and .2/16 (link-local, nothing else on it); ssh
# (OpenSSH's client, dropbear's server, the lab's keys from mkinitrd.sh)
# carries xl's migration stream. A lab DIMM is 64 MiB of the map that
# labh dimm-map writes; the one that fails holds guest1's frames and
# none of guest2's, so owner-aware evacuation must move guest1 only.

TWO_FRAMES=16384 # frames per lab DIMM: 64 MiB
TWO_DOWNTIMES=

two_port() {
	p=$((20000 + $$ % 20000))
	while ss -ltn 2>/dev/null | grep -q "127.0.0.1:$p "; do
		p=$((p + 1))
	done
	echo "$p"
}

# Boot both, guests on A, rasd on both; $F1 $F2 $F3 the frames to hit.
two_boot() {
	t=$(date +%s)
	port=$(two_port)
	mkdir -p "$OUT/two/a" "$OUT/two/b"
	lab_select a
	# loglevel=4: dom0's oopses and panics reach the console
	if ! LAB_DOM0_ARGS="lab_name=hosta lab_ip=169.254.0.1/16 loglevel=4" \
	    lab_boot "$OUT/two/a" "$OUT/dom0.gz" \
	    -netdev socket,id=n0,listen=127.0.0.1:"$port" \
	    -device e1000,netdev=n0,mac=52:54:00:12:00:01; then
		result FAIL "two hosts: boot host A" "$t" "see $OUT/two/a/console.log"
		return 1
	fi
	lab_select b
	if ! LAB_SMP=1 LAB_DOM0_ARGS="lab_name=hostb lab_ip=169.254.0.2/16 loglevel=4" \
	    lab_boot "$OUT/two/b" "$OUT/dom0.gz" \
	    -netdev socket,id=n0,connect=127.0.0.1:"$port" \
	    -device e1000,netdev=n0,mac=52:54:00:12:00:02; then
		result FAIL "two hosts: boot host B" "$t" "see $OUT/two/b/console.log"
		return 1
	fi
	dom0 60 'cp /etc/rasd/rasd-two-b.conf /etc/rasd/rasd.conf; (labh relay </dev/null >/dev/null 2>&1 &); start-rasd'
	if ! printf '%s\n' "$LAB_OUT" | grep -q 'start-rasd: up'; then
		result FAIL "two hosts: rasd on host B" "$t" "$(echo "$LAB_OUT" | tr '\n' ' ')"
		return 1
	fi
	lab_select a
	dom0 300 'xl create /etc/xen/guest1.cfg >/dev/null 2>&1; xl create /etc/xen/guest2.cfg >/dev/null 2>&1; labh wait-guest guest1; labh wait-guest guest2; (labh relay </dev/null >/dev/null 2>&1 &)'
	dom0 60 "labh pick-frames $TWO_FRAMES"
	WINDOW=$(printf '%s\n' "$LAB_OUT" | sed -n 's/^window \([0-9]*\)/\1/p')
	set -- $(printf '%s\n' "$LAB_OUT" | grep -E '^0x[0-9a-f]+$')
	F1=${1:-} F2=${2:-} F3=${3:-}
	if [ -z "$WINDOW" ] || [ -z "$F3" ]; then
		result FAIL "two hosts: a DIMM with guest1's frames and none of guest2's" "$t" "$(echo "$LAB_OUT" | tr '\n' ' ')"
		return 1
	fi
	DIMM=$(printf 'LAB_DIMM_%02d' "$WINDOW")
	dom0 60 "cp /etc/rasd/rasd-two-a.conf /etc/rasd/rasd.conf; labh dimm-map $TWO_FRAMES >>/etc/rasd/rasd.conf; start-rasd"
	if ! printf '%s\n' "$LAB_OUT" | grep -q 'start-rasd: up'; then
		result FAIL "two hosts: rasd on host A" "$t" "$(echo "$LAB_OUT" | tr '\n' ' ')"
		return 1
	fi
	result PASS "two hosts up on an emulated link (127.0.0.1:$port), guest1 and guest2 on A, rasd on both; $DIMM holds guest1's frames $F1 $F2 $F3 and none of guest2's" "$t"
}

# The self-test on the fixed image, as a user checks it: rasctl selftest
# says ok and so does the status; the planted record is rasd's own and
# is not an event (records_read does not count it).
scenario_selftest_fixed() {
	t=$(date +%s)
	lab_select a
	dom0 60 "rasctl $SOCK --json selftest"
	state=$(json_field "$LAB_OUT" '.telemetry.state // .state')
	dom0 10 "rasctl $SOCK --json status"
	hstate=$(json_field "$LAB_OUT" '.telemetry.state')
	if [ "$state" = ok ] && [ "$hstate" = ok ]; then
		result PASS "self-test passes on the fixed Xen: the planted record came back (selftest and status say ok)" "$t"
	else
		result FAIL "self-test on the fixed Xen" "$t" "selftest=$state status=$hstate"
	fi
}

# What the owner lookup costs here: every PV guest's p2m walked.
scenario_owner_cost() {
	t=$(date +%s)
	lab_select a
	lo=$((WINDOW * TWO_FRAMES * 4096))
	hi=$((lo + TWO_FRAMES * 4096))
	dom0 60 "xen_probe owners $lo $hi; xen_probe owners $lo $hi; xl domid guest1; xl domid guest2"
	line=$(printf '%s\n' "$LAB_OUT" | grep '^owners rc=0' | tail -1)
	d1=$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | sed -n 1p)
	us=$(printf '%s\n' "$line" | sed -n 's/.* us=\([0-9]*\).*/\1/p')
	ids=$(printf '%s\n' "$line" | sed -n 's/.*domids=\([0-9,]*\).*/\1/p')
	if [ -n "$line" ] && [ "$ids" = "$d1" ]; then
		result PASS "owner lookup: $DIMM is guest1's (dom$d1) alone, p2m walk of both guests (2 x 96 MiB) in ${us} us under TCG" "$t"
		echo "owner-lookup: us=$us guests=2 guest_mib=192"
	else
		result FAIL "owner lookup" "$t" "$(echo "$LAB_OUT" | tr '\n' ' ')"
	fi
}

# The guest's counter across a move: the last tick on FROM, the first
# on TO after it; "N_FROM N_TO GAP_MS" from the ticks both consoles
# relayed, stamped by this machine's clock.
two_ticks_gap() { # FROM TO SINCE
	awk -v since="$3" -v from="$1" -v to="$2" '
		$1 < since { next }
		$2 == from { na = $4; ta = $1; next }
		$2 == to && na != "" && $4 > na && nb == "" { nb = $4; tb = $1 }
		END { if (nb != "") printf "%d %d %d\n", na, nb, (tb - ta) * 1000 - 200 }
	' "$OUT/two/a/ticks" "$OUT/two/b/ticks" | head -1
}

# Arrow (a) whole: corrected errors from QEMU's `mce` on guest1's frames,
# through Xen's poller and dom0's /dev/mcelog, decoded; the page offlined
# (owner named); the DIMM fails; guest1 alone moves, live, to host B,
# past a peer that refuses.
scenario_arrow_a() {
	t=$(date +%s)
	lab_select a
	k=0
	for f in $F1 $F1 $F2 $F3; do
		k=$((k + 1))
		lab_monitor "mce 1 2 0x9c00004000010090 0x0 $(printf '0x%x' $((f << 12))) 0x86" >/dev/null
		dom0 40 "labh wait-events $k 30"
		if ! printf '%s\n' "$LAB_OUT" | grep -q "^events $k"; then
			result FAIL "arrow (a): QEMU mce on frame $f reaches rasd" "$t" "$(echo "$LAB_OUT" | tr '\n' ' ')"
			return
		fi
	done
	result PASS "arrow (a): 4 corrected errors raised by QEMU's mce on guest1's frames reached rasd through Xen and /dev/mcelog" "$t"
	t=$(date +%s)
	since=$(date +%s)
	# long JSON over a 115200 baud console under a loaded TCG: the
	# timeouts are bounds, not expectations
	dom0 60 "rasctl $SOCK --json events"
	ev=$LAB_OUT
	dom0 30 "xl domid guest1; xl domid guest2"
	d1=$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | sed -n 1p)
	dom0 420 "labh wait-gone guest1 400"
	# the move is done once the sender has destroyed its copy; then
	# the page, deferred while guest1 held it, is given to Xen
	dom0 150 "labh wait-log 'migrate guest1 .* done' 120; labh wait-log 'page $F1 is now offline' 20; xen_probe page-query $F1"
	pq=$(printf '%s\n' "$LAB_OUT" | grep '^page-query ')
	dom0 60 "xl list; rasctl $SOCK --json actions"
	acts=$LAB_OUT
	lab_select b
	dom0 30 "xl list; grep 'arrived' /var/lab/rasd.log"
	blist=$LAB_OUT
	lab_select a
	json=$(printf '%s\n' "$acts" | sed -n '/^{/,$p')
	page=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "page_offline")][0].detail' 2>/dev/null)
	refused=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "migrate" and .state == "failed")][0].peer' 2>/dev/null)
	done_peer=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "migrate" and .state == "done")][0].peer' 2>/dev/null)
	mode=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "migrate" and .state == "done")][0].mode' 2>/dev/null)
	down=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "migrate" and .state == "done")][0].downtime_ms' 2>/dev/null)
	moved=$(printf '%s\n' "$json" | jq -r '[.actions[] | select(.kind == "migrate")] | map(.target) | unique | length' 2>/dev/null)
	ok=1
	printf '%s\n' "$ev" | grep -q '"source": *"mcelog"' || ok=0
	printf '%s\n' "$page" | grep -q "owned by domain $d1" || ok=0
	printf '%s\n' "$pq" | grep -q 'state=offlined' || ok=0
	[ "$refused" = "xl+ssh://nobody@169.254.0.2" ] || ok=0
	[ "$done_peer" = "xl+ssh://root@169.254.0.2" ] || ok=0
	[ "$mode" = live ] || ok=0
	[ "$moved" = 1 ] || ok=0
	printf '%s\n' "$acts" | grep -q '^guest2 ' || ok=0
	printf '%s\n' "$blist" | grep -q '^guest1 ' || ok=0
	printf '%s\n' "$blist" | grep -q "guest guest1 (dom[0-9]*) arrived" || ok=0
	gap=$(two_ticks_gap a b "$since")
	set -- $gap
	if [ -z "$gap" ] || [ "$2" -ne $(($1 + 1)) ] ||
	    [ "$3" -gt $((${down:-0} + 1000)) ]; then
		ok=0
	fi
	if [ $ok = 1 ]; then
		TWO_DOWNTIMES="$down"
		result PASS "arrow (a): page $F1 offlined ($page; Xen now: $(printf '%s' "$pq" | sed 's/.*\(state=[a-z]*\).*/\1/')); $DIMM failed; guest1 alone (dom$d1) moved $mode to host B in ${down} ms of downtime after ${refused} refused; B's rasd saw it arrive; its counter went $1 -> $2 with a ${3} ms gap" "$t"
	else
		result FAIL "arrow (a): the DIMM's evacuation" "$t" "events=$(printf '%s\n' "$ev" | grep -c '"source": *"mcelog"') dom$d1 page='$page' xen='$pq' refused='$refused' done='$done_peer' mode='$mode' down='$down' moved='$moved' ticks='$gap'"
		printf '%s\n' "$acts" | head -20
		printf '%s\n' "$blist"
	fi
}

# Two more live moves, back and forth with the same backend code
# (xen_probe drives it), for the downtime's median of three.
two_probe_migrate() { # FROM TO PEER
	lab_select "$1"
	since=$(date +%s)
	dom0 420 "xen_probe migrate \$(xl domid guest1) $3"
	line=$(printf '%s\n' "$LAB_OUT" | grep 'event migration-done' | tail -1)
	down=$(printf '%s\n' "$line" | sed -n 's/.*downtime_ms=\([0-9]*\).*/\1/p')
	mode=$(printf '%s\n' "$line" | sed -n 's/.* mode=\([a-z]*\).*/\1/p')
	sleep 3
	if [ "$1" = a ]; then gap=$(two_ticks_gap a b "$since"); else
		gap=$(awk -v since="$since" '
			$1 < since { next }
			$2 == "b" { na = $4; ta = $1; next }
			$2 == "a" && na != "" && $4 > na && nb == "" { nb = $4; tb = $1 }
			END { if (nb != "") printf "%d %d %d\n", na, nb, (tb - ta) * 1000 - 200 }
		' "$OUT/two/b/ticks" "$OUT/two/a/ticks" | head -1)
	fi
	echo "$mode ${down:-} $gap"
}

scenario_downtime() {
	for leg in "b a xl+ssh://root@169.254.0.1" "a b xl+ssh://root@169.254.0.2"; do
		t=$(date +%s)
		set -- $leg
		got=$(two_probe_migrate "$1" "$2" "$3")
		set -- $got
		if [ "${1:-}" = live ] && [ -n "${2:-}" ] && [ -n "${5:-}" ] &&
		    [ "$4" -eq $(($3 + 1)) ] && [ "$5" -le $(($2 + 1000)) ]; then
			TWO_DOWNTIMES="$TWO_DOWNTIMES $2"
			result PASS "live migration $leg: ${2} ms of downtime, counter $3 -> $4, gap ${5} ms" "$t"
		else
			result FAIL "live migration $leg" "$t" "got: $got"
		fi
	done
	set -- $(printf '%s\n' $TWO_DOWNTIMES | sort -n)
	if [ $# -eq 3 ]; then
		echo "downtime: median $2 ms, range $1-$3 ms (3 live migrations of a 96 MiB PV guest over ssh, QEMU TCG)"
	fi
}

# A link cut mid-migration: rasd on B evacuates guest1 (an uncorrected
# error turns B red), the link goes down once the stream runs; the
# guest keeps running on B and the failure is journaled.
scenario_link_cut() {
	t=$(date +%s)
	lab_select b
	dom0 20 "rasctl $SOCK --json inject --direct --cpu 0 --bank 8 \
--status 0xbd80000000100134 --addr 0x1234000 --misc 0x86"
	i=0
	while [ $i -lt 60 ]; do
		dom0 10 "rasctl $SOCK --json actions | grep -c '\"progress\": *10,'"
		[ "$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | tail -1)" -ge 1 ] 2>/dev/null && break
		i=$((i + 1))
	done
	sleep 3
	lab_monitor "set_link n0 off" >/dev/null
	cut=$(date +%s)
	j=0
	failed=
	while [ $j -lt 40 ]; do
		sleep 3
		dom0 10 "rasctl $SOCK --json actions"
		failed=$(printf '%s\n' "$LAB_OUT" | sed -n '/^{/,$p' | jq -r '[.actions[] | select(.kind == "migrate" and .state == "failed")][0].detail // empty' 2>/dev/null)
		[ -n "$failed" ] && break
		j=$((j + 1))
	done
	took=$(($(date +%s) - cut))
	dom0 10 "xl list; labh tick"
	list=$LAB_OUT
	sleep 3
	dom0 10 "labh tick"
	tick2=$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | tail -1)
	tick1=$(printf '%s\n' "$list" | grep -E '^[0-9]+$' | tail -1)
	lab_monitor "set_link n0 on" >/dev/null
	if [ -n "$failed" ] && printf '%s\n' "$list" | grep -q '^guest1 ' &&
	    [ "${tick2:-0}" -gt "${tick1:-0}" ]; then
		result PASS "link cut mid-migration: failure journaled ${took}s after the cut ($failed); guest1 still runs on B (tick $tick1 -> $tick2)" "$t"
	else
		result FAIL "link cut mid-migration" "$t" "failed='$failed' ticks $tick1 -> $tick2 list: $(echo "$list" | tr '\n' ' ')"
	fi
}

# What one PV guest's p2m walk costs per MiB, at two sizes: a frame no
# guest owns (frame 0, Xen's) takes every walk to its end. guest2 alone
# (96 MiB), then with guest3 (192 MiB) beside it.
scenario_owner_sizes() {
	t=$(date +%s)
	lab_select a
	dom0 60 "xl list | grep -c guest; xen_probe owners 0 4096; xen_probe owners 0 4096"
	n1=$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | head -1)
	us1=$(printf '%s\n' "$LAB_OUT" | sed -n 's/^owners rc=0 .* us=\([0-9]*\).*/\1/p' | sort -n | head -1)
	dom0 150 "xl create /etc/xen/guest2.cfg 'name=\"guest3\"' 'memory=192' >/dev/null 2>&1; labh wait-guest guest3; xl list | grep -c guest; xen_probe owners 0 4096; xen_probe owners 0 4096; xl destroy guest3"
	n2=$(printf '%s\n' "$LAB_OUT" | grep -E '^[0-9]+$' | head -1)
	us2=$(printf '%s\n' "$LAB_OUT" | sed -n 's/^owners rc=0 .* us=\([0-9]*\).*/\1/p' | sort -n | head -1)
	if [ "$n1" = 1 ] && [ "$n2" = 2 ] && [ -n "$us1" ] && [ -n "$us2" ]; then
		fig=$(awk -v a="$us1" -v b="$us2" 'BEGIN {
			s96 = a / 96; s192 = (b - a) / 192
			printf "96 MiB guest: %d us (%.0f us/MiB); 192 MiB guest: %d us (%.0f us/MiB); %.2f s/GiB; 64 GiB of guests: about %.0f s (extrapolated, TCG)",
			    a, s96, b - a, s192, s192 * 1024 / 1e6, s192 * 65536 / 1e6 }')
		result PASS "owner lookup cost: $fig" "$t"
		echo "owner-walk: $fig"
	else
		result FAIL "owner lookup cost at two sizes" "$t" "guests $n1/$n2, us $us1/$us2: $(echo "$LAB_OUT" | tr '\n' ' ')"
	fi
}

two_stop() {
	lab_select b
	lab_stop
	lab_select a
	lab_stop
}

# Every scenario of the fixed image, or each skipped with the reason.
two_run() {
	if [ -n "${FIXED_SKIP:-}" ]; then
		for s in "self-test passes on the fixed Xen" \
		    "two hosts on an emulated link" "owner lookup" \
		    "arrow (a): QEMU mce to a live migration" \
		    "live migrations for the downtime" "link cut mid-migration"; do
			result SKIP "$s" "$(date +%s)" "$FIXED_SKIP"
		done
		return 0
	fi
	LAB_XEN_GZ=$FIXED
	export LAB_XEN_GZ
	if two_boot; then
		scenario_selftest_fixed
		scenario_owner_cost
		scenario_arrow_a
		scenario_downtime
		scenario_link_cut
		scenario_owner_sizes
	fi
	two_stop
	unset LAB_XEN_GZ
}

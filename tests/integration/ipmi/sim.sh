# sim.sh - ipmi_sim for the tests: a BMC on 127.0.0.1 with free ports
# (LAN over UDP, its emulator console over TCP), sourced after lib.sh.
DATA="$ROOT/tests/data/ipmi"
SIM_PID=

tcp_listening() { grep -qi ":$(printf '%04X' "$1") .* 0A " /proc/net/tcp; }

free_tcp_port() {
	while :; do
		p=$((20000 + $(od -An -N2 -tu2 /dev/urandom) % 40000))
		tcp_listening "$p" || udp_bound "$p" || break
	done
	echo "$p"
}

# start_ipmi_sim: sets LAN_PORT, CON_PORT, SIM_PID and $WORK/bmc.cred.
start_ipmi_sim() {
	LAN_PORT=$(free_udp_port)
	CON_PORT=$(free_tcp_port)
	sed -e "s/@LAN_PORT@/$LAN_PORT/" -e "s/@CONSOLE_PORT@/$CON_PORT/" \
		"$DATA/lan.conf" >"$WORK/lan.conf"
	mkdir "$WORK/state"
	printf 'username = rasd\npassword = "s3cret-bmc"\nprivilege = admin\n' \
		>"$WORK/bmc.cred"
	chmod 600 "$WORK/bmc.cred"

	ipmi_sim -c "$WORK/lan.conf" -f "$DATA/sim.emu" -s "$WORK/state" -n \
		>"$WORK/sim.out" 2>&1 &
	SIM_PID=$!
	i=0
	while ! { udp_bound "$LAN_PORT" && tcp_listening "$CON_PORT"; } &&
		[ $i -lt 100 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	if ! udp_bound "$LAN_PORT"; then
		fail "ipmi_sim did not start: $(cat "$WORK/sim.out")"
		return 1
	fi
}

# sim CMD...: run emulator commands on ipmi_sim's console.
sim() {
	printf '%s\n' "$@" | socat -t1 - "TCP:127.0.0.1:$CON_PORT" \
		>>"$WORK/console.out" 2>&1
}

# One 13-byte system event body: generator 0x20, EvM rev 4.
sel_add() { sim "sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 $*"; }

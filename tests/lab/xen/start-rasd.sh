#!/bin/sh
# start-rasd.sh - in the lab's dom0: syslog-ng, snmptrapd, snmpd (AgentX
# master), then rasd on the Xen backend and rasd-snmp; all on loopback.
L=/var/lab
mkdir -p $L/snmpd.persist $L/trapd.persist /run/rasd /var/lib/rasd
cat >$L/syslog-ng.conf <<EOT
@version: 3.38
options { keep-hostname(yes); };
source s_rasd { unix-dgram("$L/log.sock" flags(syslog-protocol)); };
destination d_file { file("$L/syslog.log"
	template("\$ISODATE \$HOST \$PROGRAM[\$PID] \$MSGID \$SDATA \$MSG\n")
	template-escape(no)); };
log { source(s_rasd); destination(d_file); };
EOT
cat >$L/snmpd.conf <<EOT
master agentx
agentXSocket unix:$L/agentx
agentxperms 0777 0777
rocommunity labcomm 127.0.0.1
trap2sink 127.0.0.1:1162 labcomm
EOT
cat >$L/snmptrapd.conf <<EOT
authCommunity log labcomm
EOT
wait_for() {
	i=0
	while [ $i -lt 50 ] && ! test -S "$1"; do sleep 0.2; i=$((i + 1)); done
	test -S "$1" || echo "start-rasd: $1 did not appear"
}
if command -v syslog-ng >/dev/null; then
	syslog-ng -F --no-caps -f $L/syslog-ng.conf -p $L/syslog-ng.pid \
	    -R $L/syslog-ng.persist -c $L/syslog-ng.ctl >$L/syslog-ng.out 2>&1 &
	wait_for $L/log.sock
fi
if command -v snmpd >/dev/null; then
	MIBS= SNMP_PERSISTENT_DIR=$L/trapd.persist snmptrapd -f -On \
	    -Lf $L/snmptrapd.out -C -c $L/snmptrapd.conf -p $L/snmptrapd.pid \
	    -F '%V|%v\n' udp:127.0.0.1:1162 >/dev/null 2>&1 &
	MIBS= SNMP_PERSISTENT_DIR=$L/snmpd.persist snmpd -f -Lf $L/snmpd.log \
	    -C -c $L/snmpd.conf -p $L/snmpd.pid udp:127.0.0.1:1161 &
	wait_for $L/agentx
fi
rasd -H xen -c /etc/rasd/rasd.conf -j /var/lib/rasd/journal.db \
    -s /run/rasd/rasd.sock --log $L/rasd.log -q >$L/rasd.out 2>&1 &
echo $! >$L/rasd.pid
wait_for /run/rasd/rasd.sock
if command -v rasd-snmp >/dev/null && test -S $L/agentx; then
	rasd-snmp -L -x $L/agentx -s /run/rasd/rasd.sock -p 1 >$L/rasd-snmp.log 2>&1 &
fi
test -S /run/rasd/rasd.sock && echo "start-rasd: up"

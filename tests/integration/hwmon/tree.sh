# tree.sh - a fake /sys/class/hwmon for libsensors, sourced by the tests
# that run in a private mount namespace; needs WORK, HW (WORK/sys/class/
# hwmon) and TREE (WORK/sys/class) set.

# put FILE VALUE: atomically, as sysfs never shows a half-written file.
put() {
	printf '%s\n' "$2" >"$HW/$1.new" && mv "$HW/$1.new" "$HW/$1"
}

# chip N NAME DEVICE-PATH: hwmonN with its name and device link.
chip() {
	mkdir -p "$HW/hwmon$1" "$WORK/devices/$3"
	echo "$2" >"$HW/hwmon$1/name"
	ln -s "$WORK/devices/$3" "$HW/hwmon$1/device"
}

build_tree() {
	chip 0 coretemp platform/coretemp.0
	put hwmon0/temp1_input 45000
	put hwmon0/temp1_max 85000
	put hwmon0/temp1_crit 95000
	put hwmon0/temp1_label "Core 0"
	chip 1 jc42 i2c-0/0-0018
	put hwmon1/temp1_input 33000
	put hwmon1/temp1_max 60000
	put hwmon1/temp1_crit 75000
	put hwmon1/temp1_label CPU0_DIMM_A1
	chip 2 nct6775 platform/nct6775.656
	put hwmon2/fan1_input 1200
	put hwmon2/fan1_min 600
	put hwmon2/fan1_alarm 0
	put hwmon2/in0_input 1200
	put hwmon2/in0_min 1000
	put hwmon2/in0_max 1300
	put hwmon2/in0_alarm 0
}

# mount_tree: over /sys/class/hwmon, or /sys/class when the host has no
# hwmon class (sysfs cannot take a new mountpoint).
mount_tree() {
	if [ -d /sys/class/hwmon ]; then
		mount --bind "$HW" /sys/class/hwmon
	else
		mount --bind "$TREE" /sys/class
	fi
}

# Makefile - builds rasd, rasctl and their tests out of tree under build/.
# make | make demo | make check | make check-asan | make bench | make fuzz |
# make lab | make chaos | make deb | make package-test

PREFIX ?= /usr/local
# rasd reads /etc/rasd/rasd.conf whatever the prefix.
SYSCONFDIR ?= /etc
DESTDIR ?=
SANITIZE ?=
CC ?= cc

ifeq ($(SANITIZE),1)
BUILD ?= build/asan
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=all
else
BUILD ?= build
SANFLAGS :=
endif

PKGS := sqlite3 json-c inih librrd openssl xencontrol xenlight xenstore xenguest \
	xentoollog libvirt OpenIPMI
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
# libsensors ships no .pc file.
PKG_LIBS = $(shell pkg-config --libs $(PKGS)) -lsensors -lpthread
CMOCKA_LIBS = $(shell pkg-config --libs cmocka)

OPT ?= -O2 -g
WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wformat=2 \
	-Wno-format-nonliteral
# snprintf truncation is the intended behaviour wherever rasd uses it.
ifneq ($(findstring clang,$(CC)),clang)
WARN += -Wno-format-truncation
endif
# CPPFLAGS carries dpkg-buildflags' -D_FORTIFY_SOURCE; CFLAGS come last so
# a packager's flags win over OPT.
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CPPFLAGS) $(OPT) $(WARN) $(SANFLAGS) \
	-I. $(PKG_CFLAGS) $(CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) $(LDFLAGS)

RASCTL_SRCS := rasd/rasctl.c rasd/rasctl_host.c rasd/rasctl_cli.c
SIMHOST_MAIN := hypervisor/sim/simhost_main.c
LIB_SRCS := $(filter-out $(SIMHOST_MAIN), $(wildcard mce/*.c pcie/*.c \
	hypervisor/*.c \
	hypervisor/sim/*.c \
	hypervisor/xen/*.c hypervisor/linux/*.c ipmi/*.c sensors/*.c \
	health/*.c cpu-offline/*.c rasd/publish/*.c priv/*.c)) \
	$(filter-out rasd/main.c \
	$(RASCTL_SRCS), $(wildcard rasd/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB := $(BUILD)/librasd.a
HDRS := $(wildcard include/*.h mce/*.h pcie/*.h hypervisor/*.h \
	hypervisor/sim/*.h \
	hypervisor/xen/*.h hypervisor/linux/*.h ipmi/*.h sensors/*.h health/*.h \
	cpu-offline/*.h rasd/*.h rasd/publish/*.h snmp-agent/*.h priv/*.h)

# rasd-snmp: the model and tables (no net-snmp) in a library the unit
# tests link; the net-snmp glue and main only in the binary.
SNMP_GLUE := snmp-agent/main.c snmp-agent/agentx.c
SNMP_SRCS := $(filter-out $(SNMP_GLUE), $(wildcard snmp-agent/*.c))
SNMP_OBJS := $(SNMP_SRCS:%.c=$(BUILD)/obj/%.o)
SNMP_LIB := $(BUILD)/libsnmpagent.a
NETSNMP_LIBS = $(shell pkg-config --libs netsnmp-agent netsnmp)

UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
BENCH_BIN := $(BUILD)/tests/bench
TOOL_SRCS := $(wildcard tests/tools/*.c)
TOOL_BINS := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/tools/%)

.PHONY: lab-two all deps demo check check-asan check-clang bench fuzz lab chaos \
	install install-systemd uninstall clean format deb package-test

all: $(BUILD)/rasd $(BUILD)/rasctl $(BUILD)/rasd-snmp $(BUILD)/rasd-simhost

deps:
	@sh scripts/deps.sh build

$(BUILD)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/rasd: $(BUILD)/obj/rasd/main.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/rasctl: $(RASCTL_SRCS:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(BUILD)/rasd-simhost: $(SIMHOST_MAIN:%.c=$(BUILD)/obj/%.o) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS)

$(SNMP_LIB): $(SNMP_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/rasd-snmp: $(SNMP_GLUE:%.c=$(BUILD)/obj/%.o) $(SNMP_LIB) $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(PKG_LIBS) $(NETSNMP_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB) $(SNMP_LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(SNMP_LIB) $(LIB) \
		$(PKG_LIBS) $(CMOCKA_LIBS)

$(BUILD)/tools/%: tests/tools/%.c $(LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS) -lpthread

$(BENCH_BIN): tests/bench/bench.c $(LIB) $(HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(LIB) $(PKG_LIBS)

demo: deps all
	@sh scripts/demo.sh $(BUILD)

check: deps all $(UNIT_BINS) $(TOOL_BINS)
	@sh tests/run.sh $(BUILD)

check-asan:
	@$(MAKE) --no-print-directory SANITIZE=1 check

check-clang:
	@$(MAKE) --no-print-directory CC=clang BUILD=build/clang check

# rasd killed at every journal commit and hypervisor call of the
# failing-DIMM scenario and at random moments (tests/chaos/run.sh);
# CHAOS_RANDOM random moments (default 100).
CHAOS_RANDOM ?= 100
chaos: deps all
	@sh tests/chaos/run.sh $(BUILD) $(CHAOS_RANDOM)

# The labs boot the Debian kernel, and Xen 4.17 with a Debian dom0, under
# QEMU TCG (tests/lab/); see tests/lab/run.sh.
lab: deps
	@sh scripts/deps.sh lab
	@$(MAKE) --no-print-directory all
	@sh tests/lab/run.sh $(BUILD)

# The two Xen hosts on the fixed image (../shared/xen-lab): arrow (a) and
# live migration between them; about 10 minutes.
lab-two: deps
	@sh scripts/deps.sh lab
	@$(MAKE) --no-print-directory all
	@LAB_ONLY=fixed sh tests/lab/xen/run.sh $(BUILD)

# LOAD_RECORDS (default 1M) and LOAD_RUNS (default 3) for the control
# socket's load test (tests/bench/load.sh).
bench:
	@sh scripts/deps.sh bench
	@$(MAKE) --no-print-directory all $(BENCH_BIN) $(BUILD)/tools/trap_latency \
		$(BUILD)/tools/ctl_load $(BUILD)/tools/genrecords
	@sh tests/bench/path.sh $(BUILD)
	@sh tests/bench/run.sh $(BUILD)
	@sh tests/bench/snmp_latency.sh $(BUILD)
	@sh tests/bench/load.sh $(BUILD) $${LOAD_RECORDS:-1000000} $${LOAD_RUNS:-3}

# Fuzzers are built with clang's libFuzzer; FUZZ_SECONDS per target.
FUZZ_SECONDS ?= 60
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BUILD := build/fuzz
FUZZ_FLAGS := -std=c11 -D_GNU_SOURCE -O1 -g -I. -Wall -Wextra -Werror \
	-fsanitize=fuzzer,address,undefined
fuzz:
	@sh scripts/deps.sh fuzz
	@mkdir -p $(FUZZ_BUILD)
	@for f in $(FUZZ_SRCS); do \
		n=$$(basename $$f .c); \
		echo "fuzz: building $$n"; \
		clang $(FUZZ_FLAGS) $(PKG_CFLAGS) -o $(FUZZ_BUILD)/$$n $$f \
			$(LIB_SRCS) $(SNMP_SRCS) $(PKG_LIBS) || exit 1; \
	done
	@sh tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/man/man8 \
		$(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/rasd/scenarios \
		$(DESTDIR)$(SYSCONFDIR)/rasd
	install -m 755 $(BUILD)/rasd $(DESTDIR)$(PREFIX)/sbin/rasd
	install -m 755 $(BUILD)/rasctl $(DESTDIR)$(PREFIX)/bin/rasctl
	install -m 755 $(BUILD)/rasd-snmp $(DESTDIR)$(PREFIX)/sbin/rasd-snmp
	install -m 755 $(BUILD)/rasd-simhost $(DESTDIR)$(PREFIX)/sbin/rasd-simhost
	install -d $(DESTDIR)$(PREFIX)/share/snmp/mibs
	install -m 644 snmp-agent/RASD-MIB.txt $(DESTDIR)$(PREFIX)/share/snmp/mibs/
	install -m 644 snmp-agent/snmpd.conf.example \
		snmp-agent/snmptrapd.conf.example $(DESTDIR)$(PREFIX)/share/rasd/
	install -m 644 man/*.8 $(DESTDIR)$(PREFIX)/share/man/man8/
	install -m 644 man/*.5 $(DESTDIR)$(PREFIX)/share/man/man5/
	install -m 644 policies/default.conf \
		$(DESTDIR)$(PREFIX)/share/rasd/rasd.conf.default
	install -m 644 policies/demo.conf $(DESTDIR)$(PREFIX)/share/rasd/demo.conf
	@# An operator's policy is never overwritten.
	test -e $(DESTDIR)$(SYSCONFDIR)/rasd/rasd.conf || install -m 644 \
		policies/default.conf $(DESTDIR)$(SYSCONFDIR)/rasd/rasd.conf
	install -m 644 hypervisor/sim/scenarios/*.scn \
		$(DESTDIR)$(PREFIX)/share/rasd/scenarios/
	install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 644 contrib/bash-completion/rasctl \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rasctl

# Units, the system user and the state/runtime directories, for a
# systemd host installed from source (the Debian package ships its own).
UNITDIR ?= $(PREFIX)/lib/systemd/system
install-systemd:
	install -d $(DESTDIR)$(UNITDIR) $(DESTDIR)$(PREFIX)/lib/sysusers.d \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d
	install -m 644 contrib/systemd/rasd.service \
		contrib/systemd/rasd-snmp.service \
		contrib/systemd/rasd-simhost@.service $(DESTDIR)$(UNITDIR)/
	install -m 644 contrib/systemd/rasd.sysusers \
		$(DESTDIR)$(PREFIX)/lib/sysusers.d/rasd.conf
	install -m 644 contrib/systemd/rasd.tmpfiles \
		$(DESTDIR)$(PREFIX)/lib/tmpfiles.d/rasd.conf

# The Debian packages, built from a copy of the committed tree (plus
# what is not yet committed) under build/deb, with dpkg-buildflags'
# hardening; lintian at its default level after.
deb:
	@sh scripts/deps.sh build pkg
	@sh scripts/make-deb.sh

# A clean Debian 12 root from mmdebstrap, the two .deb installed with apt,
# booted under systemd: see tests/package/run.sh.
package-test: deb
	@sh tests/package/run.sh build/deb

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/sbin/rasd $(DESTDIR)$(PREFIX)/bin/rasctl \
		$(DESTDIR)$(PREFIX)/sbin/rasd-snmp \
		$(DESTDIR)$(PREFIX)/sbin/rasd-simhost \
		$(DESTDIR)$(PREFIX)/share/snmp/mibs/RASD-MIB.txt \
		$(DESTDIR)$(PREFIX)/share/man/man8/rasd-snmp.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/rasd-simhost.8
	rm -f $(DESTDIR)$(PREFIX)/share/man/man8/rasd.8 \
		$(DESTDIR)$(PREFIX)/share/man/man8/rasctl.8 \
		$(DESTDIR)$(PREFIX)/share/man/man5/rasd.conf.5 \
		$(DESTDIR)$(PREFIX)/share/man/man5/rasd-scenario.5 \
		$(DESTDIR)$(PREFIX)/share/bash-completion/completions/rasctl
	rm -rf $(DESTDIR)$(PREFIX)/share/rasd

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build

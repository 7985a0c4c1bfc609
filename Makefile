# SPDX-License-Identifier: GPL-2.0
#
# make                 module (kmod/dmvpn.ko) for KVER, and everything in user/
# make KVER=6.12...    the module for another installed kernel (or KDIR=...)
# make C=1             the module, checked with sparse
# make check           every test: unit tests, then the VM selftests on 6.1, 6.12
#                      and the newest 7.x from Debian unstable (fetch-kernel)
# make demo            hub and two spokes in a VM, traffic between their LANs
# make bench           benchmarks in the VM, dmvpn against ip_gre and veth
#                      (host clock, then instruction clock: bench/run),
#                      then the agent under a registration storm
# make bench-agent     only the agent's benchmark
# make install         module, agent, CLI and the iproute2 plugin on this host
# make deb             Debian packages dmvpn-dkms and dmvpnd in .build/deb/,
#                      from user/debian/ (see README, "Install")
# make check-package   the packages installed and removed in the VM on
#                      6.1, 6.12 and the newest 7.x (selftests/dmvpn_package.sh;
#                      slow)
# make check-debug     the kernel-side selftests and fault injection on a
#                      6.12 debug kernel (KASAN, kmemleak, lockdep, UBSAN...)
#                      built once per machine into its own cache, not in
#                      make check or CI (selftests/run-debug; README)

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)

# The running kernel's headers when there are any, else the newest installed.
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else ls -1 /lib/modules 2>/dev/null | sort -V | while read k; do \
	[ -d /lib/modules/$$k/build ] && echo $$k; done | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build

PREFIX ?= /usr/local
DESTDIR ?=
IP_LIB_DIR ?= /usr/lib/x86_64-linux-gnu/ip

.PHONY: all kmod user check demo bench bench-agent bench-ipsec install install-kmod install-user \
	dkms-install checkpatch deb check-package check-debug clean

all: kmod user

kmod:
	@test -d "$(KDIR)" || { echo "no kernel headers at $(KDIR): install linux-headers-$(KVER) or set KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

user:
	$(MAKE) -C user

check:
	selftests/run-all

demo:
	selftests/demo

bench:
	selftests/bench/run
	BENCH_CLOCK=icount selftests/bench/run
	selftests/bench/agent

bench-agent:
	selftests/bench/agent

bench-ipsec:
	selftests/bench/ipsec

install: install-kmod install-user

install-kmod: kmod
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra modules_install
	depmod -a $(KVER)

install-user: user
	$(MAKE) -C user install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) IP_LIB_DIR=$(IP_LIB_DIR)

dkms-install:
	rm -rf /usr/src/dmvpn-$(VERSION)
	mkdir -p /usr/src/dmvpn-$(VERSION)
	cp -r Kbuild Makefile dkms.conf kmod /usr/src/dmvpn-$(VERSION)/
	dkms add -m dmvpn -v $(VERSION)
	dkms build -m dmvpn -v $(VERSION) -k $(KVER)
	dkms install -m dmvpn -v $(VERSION) -k $(KVER)

checkpatch:
	selftests/checkpatch

deb:
	selftests/build-deb

# One VM per kernel: the newest 7.x is fetched (selftests/fetch-kernel) and
# boots with the others; its DKMS build uses the cache's prepared tree.
check-package: deb
	KERNELS="6.1 6.12 7" VM_KERNELS="6.1 6.12 7" TESTS=dmvpn_package.sh SKIP_USER=1 \
		VM_TIMEOUT=4000 selftests/run-all

check-debug:
	selftests/run-debug

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C user clean
	rm -rf .build

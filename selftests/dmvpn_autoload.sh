#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_autoload.sh: the module loads itself on first use, as an installed
# module does: "ip link add ... type dmvpn" (MODULE_ALIAS_RTNL_LINK) and a
# lookup of the "dmvpn" generic netlink family (MODULE_ALIAS_GENL_FAMILY).
#
# Topology: none.  The module is installed into /lib/modules of the VM's
# throw-away overlay (depmod), so this test runs only in the test VM.
#
# Checks:
#   - with the module installed but not loaded, "ip link add dmvpn0 type
#     dmvpn" succeeds and the module is loaded
#   - unloaded again, "dmvpnctl stats" (a genl family lookup) loads it
#   - dmesg is clean

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

INSTALLED=/lib/modules/$(uname -r)/extra/dmvpn.ko

cleanup() {
	ip link del dmvpn0 2>/dev/null
	rm -f "$INSTALLED"
	depmod -a 2>/dev/null
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

install_module() {
	mkdir -p "$(dirname "$INSTALLED")" &&
	cp "$DMVPN_KO" "$INSTALLED" &&
	depmod -a
}

test_begin
require_root
require_cmd ip modprobe depmod rmmod
[ -n "${DMVPN_VM_OUTDIR:-}" ] ||
	skip_all "installs into /lib/modules: runs only in the test VM"
require_module

check "install dmvpn.ko into /lib/modules (VM overlay) and depmod" \
	install_module || bail_out "cannot install the module"
check "modprobe knows it" modprobe -n dmvpn
check "not loaded yet" not module_is_loaded
check "ip link add dmvpn0 type dmvpn loads the module" \
	ip link add dmvpn0 type dmvpn
check "the module is loaded" module_is_loaded
check "ip link del dmvpn0" ip link del dmvpn0
check "rmmod dmvpn" module_unload
check "dmvpnctl stats (genl family lookup) loads the module" "$DMVPNCTL" stats
check "the module is loaded" module_is_loaded

test_end

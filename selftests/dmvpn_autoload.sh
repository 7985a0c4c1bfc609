#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_autoload.sh: the module loads itself on first use, as an installed
# module does: "ip link add ... type dmvpn" (MODULE_ALIAS_RTNL_LINK) and a
# lookup of the "dmvpn" generic netlink family (MODULE_ALIAS_GENL_FAMILY).
#
# Topology: none.  The module is installed as modprobe sees it: a small
# module tree (dmvpn.ko, the modules it depends on, the builtin lists) is
# indexed with "depmod -b" and bind-mounted over /lib/modules/<release>.
# "depmod -a" over the kernel's own thousands of modules read over 9p took
# most of this test's 214 s under TCG (and more than 300 s on a busy host).
# Runs only in the test VM.
#
# Checks:
#   - with the module installed but not loaded, "ip link add dmvpn0 type
#     dmvpn" succeeds and the module is loaded
#   - unloaded again, "dmvpnctl stats" (a genl family lookup) loads it
#   - unloaded again, "modprobe dmvpn" (README's DKMS install) loads it
#   - dmesg is clean

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

KVER=$(uname -r)
MODULES=/lib/modules/$KVER
TREE=

cleanup() {
	ip link del dmvpn0 2>/dev/null
	if [ -n "$TREE" ]; then
		umount "$MODULES" 2>/dev/null
		rm -rf "$TREE"
	fi
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# copy_dependencies KO DIR: the modules KO needs, transitively, into DIR.
copy_dependencies() {
	local name path
	for name in $(modinfo -F depends "$1" | tr , ' '); do
		path=$(modinfo -n "$name") || return 1
		[ -e "$2/${path#"$MODULES"/}" ] && continue
		mkdir -p "$2/$(dirname "${path#"$MODULES"/}")" &&
			cp "$path" "$2/${path#"$MODULES"/}" &&
			copy_dependencies "$path" "$2" || return 1
	done
}

install_module() {
	local dir
	TREE=$(mktemp -d) || return 1
	dir=$TREE/lib/modules/$KVER
	mkdir -p "$dir/extra" &&
		cp "$DMVPN_KO" "$dir/extra/" &&
		copy_dependencies "$DMVPN_KO" "$dir" &&
		cp "$MODULES"/modules.builtin* "$dir/" &&
		depmod -b "$TREE" "$KVER" &&
		mount --bind "$dir" "$MODULES"
}

test_begin
require_root
require_cmd ip modprobe modinfo depmod rmmod mount umount
[ -n "${DMVPN_VM_OUTDIR:-}" ] ||
	skip_all "installs into /lib/modules: runs only in the test VM"
require_module

check "install dmvpn.ko into /lib/modules (a tree of its own) and depmod" \
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
check "rmmod dmvpn, again" module_unload
check "modprobe dmvpn" modprobe dmvpn
check "the module is loaded" module_is_loaded

test_end

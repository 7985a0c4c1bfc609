#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_module.sh: the module loads, its link type works, and it unloads.
#
# Topology: no traffic, just devices.
#
#   initial netns             netns mod-<run id>
#   +----------------+        +----------------+
#   | dmvpn0         |        | dmvpn0         |
#   | (no options)   |        | (no options)   |
#   +----------------+        +----------------+
#
# Checks, in order:
#   - insmod dmvpn.ko; the kernel has its BTF (skipped for a kernel whose
#     headers package ships no vmlinux: 6.1)
#   - "ip link add dmvpn0 type dmvpn" with no options creates a device whose
#     kind (IFLA_INFO_KIND, "ip -d link") is dmvpn
#   - it goes up and down, and "ip link del" removes it
#   - the same in a fresh netns, which is then deleted with the device in it
#   - rmmod succeeds afterwards and the module is gone
#   - loaded again, rmmod with devices still present (initial netns and a
#     netns) succeeds and takes the devices with it
#   - nothing suspicious in the kernel log (WARNING, BUG, refcount, ...)
#
# Needs: root, iproute2, the module built for the running kernel ($DMVPN_KO;
# skipped when missing).  The iproute2 plugin is not needed: without options
# "ip link add ... type dmvpn" only sends the kind.

# $mod and $keep below are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip insmod rmmod
require_module

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

# headers_vmlinux: the running kernel's headers package ships a vmlinux
# (installed on the host, or unpacked by selftests/fetch-kernel), which
# kbuild needs as the base of a module's BTF.
headers_vmlinux() {
	local kver
	kver=$(uname -r)
	[ -f "/usr/src/linux-headers-$kver/vmlinux" ] ||
		[ -f "${DMVPN_KERNEL_CACHE:-/var/cache/dmvpn-kernels}/$kver/root/usr/src/linux-headers-$kver/vmlinux" ]
}

# BTF lets bpftool and bpftrace see the module's types (bpftool btf dump
# file /sys/kernel/btf/dmvpn).
if [ ! -e /sys/kernel/btf/vmlinux ]; then
	skip "the kernel has the module's BTF" "a kernel without BTF"
elif ! headers_vmlinux; then
	skip "the kernel has the module's BTF" "linux-headers-$(uname -r) ships no vmlinux"
else
	check "the kernel has the module's BTF" test -s /sys/kernel/btf/dmvpn
fi

# --- initial netns ----------------------------------------------------------

check "ip link add dmvpn0 type dmvpn (no options)" \
	ip link add dmvpn0 type dmvpn

kind_is_dmvpn() {
	local kind
	kind=$(link_kind "$@")
	[ "$kind" = dmvpn ] || {
		echo "kind is '${kind:-<none>}', not dmvpn"
		ip ${2:+-n "$2"} -d link show dev "$1" 2>&1
		return 1
	}
}
check "dmvpn0 is of kind dmvpn" kind_is_dmvpn dmvpn0

set_up_and_check() {
	ip ${2:+-n "$2"} link set dev "$1" up && link_is_up "$@"
}
set_down_and_check() {
	ip ${2:+-n "$2"} link set dev "$1" down && ! link_is_up "$@"
}
check "dmvpn0 goes up" set_up_and_check dmvpn0
check "dmvpn0 goes down" set_down_and_check dmvpn0

delete_and_check() {
	ip link del dev "$1" && ! link_exists "$1"
}
check "ip link del dmvpn0 removes it" delete_and_check dmvpn0

# --- a netns that is deleted with the device still in it ---------------------

setup_ns mod
check "ip link add dmvpn0 type dmvpn in netns $mod" \
	ip -n "$mod" link add dmvpn0 type dmvpn
check "dmvpn0 in netns $mod is of kind dmvpn" kind_is_dmvpn dmvpn0 "$mod"
check "dmvpn0 in netns $mod goes up" set_up_and_check dmvpn0 "$mod"

netns_gone() {
	! ip netns list | grep -qw "$1"
}
check "ip netns del $mod (device still inside)" ip netns del "$mod"
check "netns $mod is gone" netns_gone "$mod"
check "no dmvpn0 left in the initial netns" not link_exists dmvpn0

# --- unloading ----------------------------------------------------------------

# netns teardown runs in a workqueue: module_unload waits up to 5 s for it.
check "rmmod dmvpn" module_unload
check "module is gone" not module_is_loaded

# --- unloading with devices present -------------------------------------------

check "insmod again" module_load ||
	bail_out "the module does not load a second time"
setup_ns keep
check "add dmvpn0 in the initial netns" ip link add dmvpn0 type dmvpn
check "add dmvpn0 in netns $keep" ip -n "$keep" link add dmvpn0 type dmvpn
ip link set dev dmvpn0 up
ip -n "$keep" link set dev dmvpn0 up
check "rmmod dmvpn with devices present" module_unload
check "rmmod removed dmvpn0 from the initial netns" not link_exists dmvpn0
check "rmmod removed dmvpn0 from netns $keep" not link_exists dmvpn0 "$keep"

test_end

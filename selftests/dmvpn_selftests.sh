#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_selftests.sh: the module's own self-tests, which run inside the
# kernel when the debug build (make DMVPN_DEBUG=y, kmod/selftest/) loads.
# They check the NHRP cache: longest-prefix match of IPv4 and IPv6 against
# a brute-force reference over 2000 random prefixes, local entries, host-bit
# masking, replace, peers shared between entries, NHS election and the
# entry limit.  A failing self-test makes insmod fail.
#
# Topology: none, no traffic.
#
# Checks:
#   - the debug build loads (its self-tests passed, or insmod fails)
#   - the kernel log says "dmvpn: cache selftests: pass"
#   - it unloads, and dmesg is clean
#
# Needs: root, the debug build for the running kernel
# ($DMVPN_DEBUG_KO, default .build/debug-$(uname -r)/kmod/dmvpn.ko).

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
set -u

: "${DMVPN_DEBUG_KO:=$DMVPN_BUILD/debug-$(uname -r)/kmod/dmvpn.ko}"

test_begin
require_root
require_cmd insmod rmmod dmesg
[ -f "$DMVPN_DEBUG_KO" ] || skip_all "$DMVPN_DEBUG_KO not built"
DMVPN_KO=$DMVPN_DEBUG_KO
require_module

check "the debug build loads: its self-tests passed" module_load ||
	bail_out "the in-kernel self-tests failed (see the kernel log)"

selftests_reported_pass() {
	dmesg_since_mark | grep -q 'dmvpn: cache selftests: pass'
}
check "the kernel log reports the cache self-tests passed" \
	selftests_reported_pass
check "rmmod dmvpn" module_unload

test_end

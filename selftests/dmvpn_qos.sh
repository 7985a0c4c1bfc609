#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_qos.sh: per-spoke QoS.  An entry's QoS mark and priority are set on
# the outer GRE packets to that peer, so tc on the underlay can shape each
# spoke (or group of spokes) on its own, as Cisco's per-tunnel QoS does.
#
# Topology: selftests/lab.sh (hub, s1, s2, LANs), with a prio qdisc on
# s1's underlay wan0 whose three bands count what each peer gets:
#
#   s1 wan0: prio 1:  band 1:1 <- fw mark 0x10 (entry to s2, "mark 0x10")
#                     band 1:2 <- every other priority (entry to the hub,
#                                 no QoS; the stack's own packets)
#                     band 1:3 <- priority 1:3 (after "priority 0x10003")
#
# The priomap sends every priority to 1:2: by default prio puts
# TC_PRIO_CONTROL (MLD reports, router solicitations, on wan0 or through
# the tunnel) into 1:1, and one that the underlay or the tunnel sent while
# IPv6 was still starting up counted as a marked packet to s2 (seen once
# the lab came up a few seconds sooner).
#
# Checks:
#   - traffic over the shortcut to s2 with mark 0x10 lands in band 1:1
#   - traffic to the hub (no QoS on its entry) lands in band 1:2
#   - replacing the s2 entry with priority 1:3 moves s2's packets to 1:3
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
trap cleanup EXIT
set -u

# band_packets CLASSID: packets sent through one band of s1's wan0 qdisc.
band_packets() {
	ip netns exec "$s1" tc -s class show dev wan0 |
		awk -v id="$1" '$1 == "class" && $3 == id { found = 1 }
			found && $1 == "Sent" { print $4; exit }'
}

# grows_by CLASSID BEFORE N: the band carried exactly N more packets.
grows_by() {
	local now
	now=$(band_packets "$1")
	[ "$((now - $2))" -eq "$3" ] ||
		{ echo "band $1 grew by $((now - $2)), expected $3"; return 1; }
}

setup_qdisc() {
	ip netns exec "$s1" tc qdisc add dev wan0 root handle 1: prio \
		priomap 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 &&
	ip netns exec "$s1" tc filter add dev wan0 parent 1: protocol ip \
		prio 1 handle 0x10 fw flowid 1:1
}

ping_lan2() {
	ip netns exec "$lan1" ping -c 5 -i 0.2 -W 2 10.2.0.10
}

test_begin
require_root
require_cmd ip ping tc
require_module

check "insmod" module_load || bail_out "the module does not load"
check "lab up" lab_up || bail_out "no lab"
check "registration entries" lab_hub_and_spoke_entries || bail_out "no entries"
check "s1: shortcut to s2 with QoS mark 0x10" \
	lab_ctl s1 cache add 10.2.0.0/24 nbma "$LAB_S2_NBMA" dev dmvpn0 \
		type shortcut mark 0x10
check "s2: shortcut back to s1" \
	lab_ctl s2 cache add 10.1.0.0/24 nbma "$LAB_S1_NBMA" dev dmvpn0 \
		type shortcut
check "prio qdisc with a fw filter on s1's wan0" setup_qdisc

marked=$(band_packets 1:1)
check "5 pings lan1 -> lan2" ping_lan2
check "the 5 GRE packets to s2 carry mark 0x10 (band 1:1)" grows_by 1:1 "$marked" 5

# Band 1:2 also carries ARP and the IPv6 multicast replicated to the hub,
# so it grows by at least the pings; the marked band must not grow at all.
grows_at_least() {
	local now
	now=$(band_packets "$1")
	[ "$((now - $2))" -ge "$3" ] ||
		{ echo "band $1 grew by $((now - $2)), expected at least $3"; return 1; }
}
marked=$(band_packets 1:1)
plain=$(band_packets 1:2)
check "2 pings s1 -> hub" ip netns exec "$s1" ping -c 2 -W 2 10.255.0.1
check "traffic to the hub (no QoS) carries no mark" grows_by 1:1 "$marked" 0
check "and goes to the default band 1:2" grows_at_least 1:2 "$plain" 2

check "s1: the shortcut to s2 now with priority 1:3 instead" \
	lab_ctl s1 cache replace 10.2.0.0/24 nbma "$LAB_S2_NBMA" dev dmvpn0 \
		type shortcut priority 0x10003
marked=$(band_packets 1:1)
prio=$(band_packets 1:3)
check "5 pings lan1 -> lan2" ping_lan2
check "s2's packets go to band 1:3 now" grows_by 1:3 "$prio" 5
check "and no longer carry the mark" grows_by 1:1 "$marked" 0

test_end

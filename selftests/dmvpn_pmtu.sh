#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_pmtu.sh: device MTU, path MTU discovery through the tunnel, and the
# outer DF and TTL.
#
# A packet needs 20 + 4 (+4 key, +4 csum) more bytes on the underlay.  When
# that does not fit the route to the peer and the inner packet may not be
# fragmented (IPv4 with DF, IPv6), dmvpn drops it and tells the sender
# (ICMP "fragmentation needed" or ICMPv6 "packet too big") with the MTU that
# fits: route MTU - 24 here.  An IPv4 packet without DF is sent anyway, and
# its outer packet, without DF as well, is fragmented.  The outer DF follows
# the inner one for IPv4 (always set for IPv6) unless "nopmtudisc", which
# needs "ttl inherit", clears it.
#
# Topology: selftests/lab.sh without key, lan1 -> s1 -> s2 -> lan2 on a
# shortcut entry, and on s1 a route MTU of 1400 towards s2 only:
#
#   lan1 ---- s1 ===== dmvpn0 (shortcut) =====> s2 ---- lan2
#   10.1.0.10    wan0 192.0.2.2      192.0.2.3          10.2.0.10
#   fd01::10     ip route add 192.0.2.3/32 dev wan0 mtu 1400  fd02::10
#
#   so that 1400 - 20 - 4 = 1376 bytes of inner packet fit to s2, and
#   1476 (the device MTU) to the hub.  tcpdump on s1's wan0 sees the outer
#   packets.  A separate netns holds devices for the MTU checks.
#
# The big pings are 1428 bytes (-s 1400): between the tunnel's path MTU and
# dmvpn0's MTU.  A 1478-byte one (-s 1450) would not reach dmvpn: s1's IP
# forwarding answers it first with its own "frag needed, mtu 1476".
#
# Checks, in order:
#   - device MTU: 1476 by default, 1472 with key, 1468 with key and csum,
#     1472 with csum alone; "mtu 65511" at creation with key and csum is
#     clamped to their maximum, 65503; "mtu 9000" works, and so does the
#     maximum (65535 - 20 - GRE header) but not one more; 68 but not 67; changing
#     the key of a device at its default MTU moves the MTU along, an MTU set
#     by hand stays, unless over the new maximum
#   - outer header with the defaults (pmtudisc, ttl 64): DF set when the
#     inner IPv4 packet has it, not when it does not, always for IPv6; TTL 64
#   - IPv4: "ping -M do -s 1400" (1428 bytes) from lan1 to lan2 gets
#     "frag needed, mtu = 1376" and nothing leaves s1 for s2 (tx_errors +1);
#     lan1's route to 10.2.0.10 then has mtu 1376; -s 1349 fails in lan1,
#     -s 1348 (1376 bytes) gets through as a 1400-byte outer packet with DF;
#     1428 bytes still reach the hub, whose route was not lowered
#   - IPv6: "ping -6 -s 1400" gets "packet too big, mtu=1376", then "ip -6
#     route get" in lan1 shows mtu 1376; -s 1328 (1376 bytes) gets through,
#     -s 1329 fails in lan1
#   - IPv4 without DF: "ping -M dont -s 1450" is answered; what leaves s1 for
#     s2 is fragmented outer packets, none with DF
#   - forwarded TCP, with the path MTUs learnt above flushed: lan1's GSO
#     packets whose segments do not fit get "frag needed" from dmvpn0 at
#     once, so 1 MB goes from lan1 to lan2 without a retransmission
#     timeout (TcpExtTCPTimeouts), and lan1's route gets mtu 1376
#   - "nopmtudisc" with a fixed ttl is refused; "nopmtudisc ttl inherit":
#     no DF on the outer packets, IPv4 or IPv6, and their TTL is the inner
#     one (64 - 1 = 63 after s1 forwarded them)
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, ping (iputils), tcpdump,
# nsenter, the module built for the running kernel.

# The lab's namespace variables and $mtu are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"
# shellcheck source=SCRIPTDIR/capture.sh
source "$DMVPN_SELFTESTS/capture.sh"

set -u

cleanup() {
	dmvpn_cleanup
	# Namespaces die asynchronously: what they hold may take a moment.
	wait_until 5 unload_new_modules
}
trap cleanup EXIT

S1=192.0.2.2
S2=192.0.2.3
ROUTE_MTU=1400
# What fits into the tunnel to s2: 1400 - 20 (outer IPv4) - 4 (GRE).
TUNNEL_PMTU=1376
COUNT=3

# Outer packets from s1 to s2 (GRE, or fragments of GRE), as regexes over
# the records of capture_read.
TO_S2="^src=192\\.0\\.2\\.2 dst=192\\.0\\.2\\.3 proto=47 "
S2_DF="${TO_S2}ttl=[0-9]+ df=1 "
S2_NO_DF="${TO_S2}ttl=[0-9]+ df=0 "
S2_TTL64="${TO_S2}ttl=64 "
S2_TTL63="${TO_S2}ttl=63 "
S2_FRAGMENT="${TO_S2}.* frag=1 "
S2_DF_FULL="${TO_S2}ttl=[0-9]+ df=1 frag=0 len=$ROUTE_MTU\$"
S2_FULL="${TO_S2}.* frag=0 len=$ROUTE_MTU\$"

# phase_begin: mark the capture and snapshot s1's counters.
phase_begin() {
	mark=$(capture_mark)
	take_snap s1_before "$s1"
}

# phase_end: s1's counters after, and the packets captured since the mark
# (tcpdump had the time to write them while the counters were read).
phase_end() {
	sleep 0.3
	take_snap s1_after "$s1"
	capture_read "$mark"
}

# --- traffic --------------------------------------------------------------------

# ping_all NS DEST COUNT [ARG...]: COUNT pings, every one answered.
ping_all() {
	local ns=$1 dest=$2 count=$3 out
	shift 3
	out=$(nsx "$ns" ping -n -q -c "$count" -i 0.2 -W 2 "$@" "$dest" 2>&1)
	echo "$out"
	[[ "$out" == *" $count received"* ]]
}

# ping_says NS REGEX ARG...: one ping, unanswered, whose output matches REGEX
# (a bash regex): the ICMP error it got, or the error of the local stack.
ping_says() {
	local ns=$1 regex=$2 out
	shift 2
	out=$(nsx "$ns" ping -n -c 1 -W 2 "$@" 2>&1)
	echo "$out"
	[[ "$out" == *" 0 received"* || "$out" == *"local error"* ]] &&
	[[ "$out" =~ $regex ]]
}

# route_mtu_is NS MTU DEST [-6]: "ip route get DEST" shows "mtu MTU".
route_mtu_is() {
	local out
	out=$(ip -n "$1" ${4:+"$4"} route get "$3") || return 1
	echo "$out"
	[[ "$out" =~ mtu\ $2([^0-9]|$) ]]
}

# --- device MTU -----------------------------------------------------------------

# mtu_is NS DEV MTU
mtu_is() {
	local out
	out=$(ip -n "$1" -j link show dev "$2") || return 1
	[[ "$out" == *"\"mtu\":$3,"* ]] || {
		echo "$2 has not MTU $3: $out"
		return 1
	}
}

# link_add_mtu_is NS DEV MTU [OPTION...]: a new device with OPTIONs has MTU.
link_add_mtu_is() {
	local ns=$1 dev=$2 mtu=$3
	shift 3
	ip -n "$ns" link add "$dev" type dmvpn "$@" && mtu_is "$ns" "$dev" "$mtu"
}

# d4: the maximum without key asked for with key and csum.
mtu_clamped_at_creation() {
	ip -n "$mtu" link add d4 mtu 65511 type dmvpn key 5 csum &&
	mtu_is "$mtu" d4 65503
}

# set_mtu NS DEV MTU: "ip link set DEV mtu MTU" and the MTU is MTU.
set_mtu() {
	ip -n "$1" link set dev "$2" mtu "$3" && mtu_is "$@"
}

# d2 (key 5 csum, default MTU 1468) loses both, then gets a key.
mtu_follows_key() {
	ip -n "$mtu" link set dev d2 type dmvpn nocsum nokey &&
	mtu_is "$mtu" d2 1476 &&
	ip -n "$mtu" link set dev d2 type dmvpn key 9 &&
	mtu_is "$mtu" d2 1472
}

# d1 (key 5, MTU 65507 set by hand)
mtu_set_by_hand_stays() {
	ip -n "$mtu" link set dev d1 type dmvpn nokey && mtu_is "$mtu" d1 65507
}

mtu_set_by_hand_shrinks() {
	ip -n "$mtu" link set dev d1 type dmvpn key 5 csum &&
	mtu_is "$mtu" d1 65503
}

# no_route_mtu NS DEST: "ip route get DEST" shows no mtu.
no_route_mtu() {
	local out
	out=$(ip -n "$1" route get "$2") || return 1
	echo "$out"
	[[ "$out" != *" mtu "* ]]
}

# tcp_timeouts NS: TcpExtTCPTimeouts of NS (retransmission timeouts).
tcp_timeouts() {
	# shellcheck disable=SC2016 # awk's own fields
	nsx "$1" awk '$1 == "TcpExt:" && !seen { seen = 1
			for (i = 2; i <= NF; i++) names[i] = $i; next }
		$1 == "TcpExt:" { for (i = 2; i <= NF; i++)
			if (names[i] == "TCPTimeouts") print $i }' /proc/net/netstat
}

iperf3_listening() {
	nsx "$lan2" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# tcp_no_timeout: 1 MB of TCP from lan1 to lan2 without a retransmission
# timeout in lan1.
tcp_no_timeout() {
	local before after
	before=$(tcp_timeouts "$lan1") || return 1
	nsx "$lan1" iperf3 -c 10.2.0.10 -n 1M || return 1
	after=$(tcp_timeouts "$lan1") || return 1
	echo "lan1 TcpExtTCPTimeouts: $before -> $after"
	[ "$after" -eq "$before" ]
}

# shortcut_entries: s1 and s2 reach each other's LAN directly.
shortcut_entries() {
	lab_ctl s1 cache add 10.2.0.0/24 nbma "$S2" dev dmvpn0 type shortcut &&
	lab_ctl s1 cache add fd02::/64 nbma "$S2" dev dmvpn0 type shortcut &&
	lab_ctl s2 cache add 10.1.0.0/24 nbma "$S1" dev dmvpn0 type shortcut &&
	lab_ctl s2 cache add fd01::/64 nbma "$S1" dev dmvpn0 type shortcut
}

test_begin
require_root
require_cmd ip nsenter ping tcpdump insmod rmmod iperf3 ss awk
require_module

CAPTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-pmtu.XXXXXX") ||
	bail_out "mktemp failed"
defer rm -rf "$CAPTURE_DIR"

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

# --- device MTU -----------------------------------------------------------------

setup_ns mtu
check "MTU without key: 1476" link_add_mtu_is "$mtu" d0 1476
check "MTU with key: 1472" link_add_mtu_is "$mtu" d1 1472 key 5
check "MTU with key and csum: 1468" link_add_mtu_is "$mtu" d2 1468 key 5 csum
check "MTU with csum alone: 1472" link_add_mtu_is "$mtu" d3 1472 csum
check "mtu 65511 at creation with key and csum: clamped to their maximum, 65503" \
	mtu_clamped_at_creation
check "mtu 9000" set_mtu "$mtu" d1 9000
check "mtu 65507, the maximum with key" set_mtu "$mtu" d1 65507
check_fail "mtu 65508 refused with key" ip -n "$mtu" link set dev d1 mtu 65508
check "mtu 65511, the maximum without key" set_mtu "$mtu" d0 65511
check_fail "mtu 65512 refused without key" ip -n "$mtu" link set dev d0 mtu 65512
check "mtu 68, the minimum" set_mtu "$mtu" d3 68
check_fail "mtu 67 refused" ip -n "$mtu" link set dev d3 mtu 67
check "key added to a device at its default MTU: 1476 -> 1472" \
	mtu_follows_key
check "an MTU set by hand stays when the key goes" mtu_set_by_hand_stays
check "an MTU set by hand shrinks to the new maximum (key csum: 65503)" \
	mtu_set_by_hand_shrinks

# --- the lab ------------------------------------------------------------------------

check "lab up" lab_up || bail_out "the lab does not come up"
check "hub and spoke entries" lab_hub_and_spoke_entries ||
	bail_out "the lab has no entries"
check "shortcut entries between s1 and s2" shortcut_entries
check "s1: route MTU $ROUTE_MTU to $S2" \
	ip -n "$s1" route add "$S2/32" dev wan0 mtu "$ROUTE_MTU"
check "s1: dmvpn0 MTU is 1476" mtu_is "$s1" dmvpn0 1476
check "capture on s1's wan0" capture_start "$s1" wan0 ||
	bail_out "no capture, no test"

# --- the outer header with the defaults -------------------------------------------

phase_begin
check "defaults: IPv4 pings with DF, lan1 to lan2" \
	ping_all "$lan1" 10.2.0.10 $COUNT -Mdo
phase_end
check "defaults: $COUNT outer packets to s2, all with DF" \
	captured_is $COUNT "$S2_DF"
check "defaults: ... and TTL 64" captured_is $COUNT "$S2_TTL64"

phase_begin
check "defaults: IPv4 pings without DF" ping_all "$lan1" 10.2.0.10 $COUNT -Mdont
phase_end
check "defaults: $COUNT outer packets to s2, none with DF" \
	captured_is $COUNT "$S2_NO_DF"

phase_begin
check "defaults: IPv6 pings" ping_all "$lan1" fd02::10 $COUNT -6
phase_end
check "defaults: $COUNT outer packets to s2 for IPv6, all with DF" \
	captured_is $COUNT "$S2_DF"

# --- IPv4 without DF: the outer packet is fragmented --------------------------------

# Before lan1 learns the path MTU: with it, lan1 would fragment to 1376
# itself.  s1 fragments the 1478-byte packet to 1476 (dmvpn0's MTU), and
# 1476 + 24 > 1400: the outer packet is fragmented, in 2.

phase_begin
check "no DF: ping -Mdont -s 1450 is answered" \
	ping_all "$lan1" 10.2.0.10 2 -Mdont -s 1450
phase_end
check "no DF: 2 outer fragments to s2 for each request" \
	captured_is 4 "$S2_FRAGMENT"
check "no DF: no outer packet to s2 with DF" captured_is 0 "$S2_DF"

# --- IPv4 path MTU ------------------------------------------------------------------

phase_begin
check "IPv4: ping -Mdo -s 1400 gets frag needed, mtu = $TUNNEL_PMTU" \
	ping_says "$lan1" "Frag needed.*mtu = $TUNNEL_PMTU\)" -Mdo -s 1400 10.2.0.10
phase_end
check "IPv4: nothing left s1 for s2" captured_is 0 "$TO_S2"
check "IPv4: s1's dmvpn0 tx_errors +1" \
	delta_is 1 s1_before s1_after dmvpn0 dmvpn tx_errors
check "IPv4: lan1's route to 10.2.0.10 has mtu $TUNNEL_PMTU" \
	route_mtu_is "$lan1" $TUNNEL_PMTU 10.2.0.10
check "IPv4: ping -Mdo -s 1349 fails in lan1, mtu $TUNNEL_PMTU" \
	ping_says "$lan1" "local error: message too long, mtu[=:] ?$TUNNEL_PMTU" -Mdo -s 1349 10.2.0.10
phase_begin
check "IPv4: ping -Mdo -s 1348 ($TUNNEL_PMTU bytes) gets through" \
	ping_all "$lan1" 10.2.0.10 1 -Mdo -s 1348
phase_end
check "IPv4: as one $ROUTE_MTU-byte outer packet with DF" \
	captured_is 1 "$S2_DF_FULL"
check "IPv4: 1428 bytes with DF still reach the hub (its route is not lowered)" \
	ping_all "$lan1" 10.255.0.1 1 -Mdo -s 1400

# --- IPv6 path MTU ------------------------------------------------------------------

phase_begin
check "IPv6: ping -s 1400 gets packet too big, mtu=$TUNNEL_PMTU" \
	ping_says "$lan1" "Packet too big.*mtu=$TUNNEL_PMTU" -6 -Mdo -s 1400 fd02::10
phase_end
check "IPv6: nothing left s1 for s2" captured_is 0 "$TO_S2"
check "IPv6: s1's dmvpn0 tx_errors +1" \
	delta_is 1 s1_before s1_after dmvpn0 dmvpn tx_errors
check "IPv6: ip -6 route get fd02::10 in lan1 shows mtu $TUNNEL_PMTU" \
	route_mtu_is "$lan1" $TUNNEL_PMTU fd02::10 -6
check "IPv6: ping -s 1329 fails in lan1, mtu $TUNNEL_PMTU" \
	ping_says "$lan1" "local error: message too long, mtu[=:] ?$TUNNEL_PMTU" -6 -Mdo -s 1329 fd02::10
phase_begin
check "IPv6: ping -s 1328 ($TUNNEL_PMTU bytes) gets through" \
	ping_all "$lan1" fd02::10 1 -6 -Mdo -s 1328
phase_end
check "IPv6: as one $ROUTE_MTU-byte outer packet" \
	captured_is 1 "$S2_FULL"

# --- forwarded TCP: GSO packets ------------------------------------------------------

# A TCP stream forwarded by s1 comes in as GSO packets (lan1's veth does TSO,
# as a LAN's GRO would merge them).  Those whose segments do not fit the
# tunnel must get "frag needed" at once, as one-segment packets do: if they
# leave whole, the underlay drops them, and lan1 learns the path MTU only
# from its retransmission timeout's single segment.  The path MTUs learnt
# above go first, or s1's forwarding would answer before dmvpn0.
flush_route_caches() {
	ip -n "$lan1" route flush cache &&
	ip -n "$s1" route flush cache &&
	no_route_mtu "$lan1" 10.2.0.10 &&
	no_route_mtu "$s1" 10.2.0.10
}
check "TCP: learnt path MTUs flushed in lan1 and s1" flush_route_caches
nsx "$lan2" iperf3 -s -1 -B 10.2.0.10 >/dev/null 2>&1 &
defer kill "$!"
check "TCP: iperf3 server on lan2" wait_until 60 iperf3_listening
check "TCP: 1 MB lan1 -> lan2 without a retransmission timeout" tcp_no_timeout
check "TCP: lan1's route to 10.2.0.10 has mtu $TUNNEL_PMTU" \
	route_mtu_is "$lan1" $TUNNEL_PMTU 10.2.0.10

# --- nopmtudisc ttl inherit ---------------------------------------------------------

check_fail "nopmtudisc with ttl 64 is refused" \
	ip -n "$s1" link set dmvpn0 type dmvpn nopmtudisc ttl 64
check "ip link set dmvpn0 type dmvpn nopmtudisc ttl inherit" \
	ip -n "$s1" link set dmvpn0 type dmvpn nopmtudisc ttl inherit
phase_begin
check "nopmtudisc: IPv4 pings with DF" ping_all "$lan1" 10.2.0.10 $COUNT -Mdo
phase_end
check "nopmtudisc: $COUNT outer packets to s2, none with DF" \
	captured_is $COUNT "$S2_NO_DF"
check "nopmtudisc: ... with the inner TTL, 63" \
	captured_is $COUNT "$S2_TTL63"
phase_begin
check "nopmtudisc: IPv6 pings" ping_all "$lan1" fd02::10 $COUNT -6
phase_end
check "nopmtudisc: $COUNT outer packets to s2 for IPv6, none with DF" \
	captured_is $COUNT "$S2_NO_DF"
check "nopmtudisc: ... with the inner hop limit, 63" \
	captured_is $COUNT "$S2_TTL63"

test_end

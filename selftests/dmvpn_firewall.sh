#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_firewall.sh: the host's firewall sees dmvpn's GRE as it sees
# ip_gre's: INPUT rules (nftables, iptables-nft) drop it before it reaches
# the device, martian and reverse-path-failing sources never reach it, and
# with require-ipsec clear GRE is refused on receive as well as on
# transmit.
#
# Topology: a peer with a cache entry, and a stranger on another link who
# knows the hub's address and key (none) and injects GRE.
#
#   netns peer-<id>              netns rx-<id>                 netns x-<id>
#   +-----------------+  veth  +-----------------------+ veth +------------------+
#   | veth0 192.0.2.2 |--------| veth0 192.0.2.1       |------| veth0            |
#   | dmvpn_gre_craft |        | veth1 198.51.100.1/24 |      | 198.51.100.66/24 |
#   +-----------------+        | dmvpn0 local 192.0.2.1|      | route 192.0.2.1  |
#                              |   10.255.0.1/24       |      | dmvpn_gre_craft  |
#                              +-----------------------+      +------------------+
#   Cache of dmvpn0: 10.255.0.2 -> 192.0.2.2.  The stranger's GRE carries
#   an ICMP echo "from" 10.255.0.2, the peer's inner address.  IPv6 is off
#   in rx, so that nothing but the test moves a counter.
#
# Checks (rx = dmvpn0's rx_packets counter):
#   - the peer's echo is answered; the stranger's GRE reaches dmvpn0
#     (rx +1): without a firewall, nothing stops it
#   - nft "input ip protocol gre counter drop" (priority filter): 3 of the
#     stranger's packets count in the rule, rx +0; the peer's echo is not
#     answered either
#   - the same rule in an input chain of priority 1000 (after every usual
#     table): counted, rx +0
#   - iptables-nft -A INPUT -p gre ! -s 192.0.2.2 -j DROP: 3 of the
#     stranger's packets count in the rule, rx +0; the peer's echo is
#     answered (rx +1)
#   - require-ipsec on dmvpn0: the peer's clear GRE is dropped (rx_dropped
#     +1, rx +0); norequire-ipsec: answered again
#   - martian outer sources 224.0.0.5, 255.255.255.255, and with
#     route_localnet and accept_local on, 127.0.0.1 (which routing then
#     lets in: dmvpn drops it, rx_dropped +1): not delivered (a marker
#     packet after each moves rx by exactly 1)
#   - with rp_filter=1, a source with no route back (203.0.113.7): not
#     delivered
#   - the peer's echo is answered at the end; nothing suspicious in the
#     kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, nft, iptables-nft, python3.

# $peer, $rx and $x are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/craft.sh
source "$DMVPN_SELFTESTS/craft.sh"

cleanup() {
	[ -z "${CRAFT_PID:-}" ] || craft_stop
	dmvpn_cleanup
}
set -u
trap cleanup EXIT

test_begin
require_root
require_cmd ip python3 nft iptables-nft nsenter
[ -x "$DMVPNCTL" ] || skip_all "$DMVPNCTL not built"
require_module

ECHO=(--echo 10.255.0.2 10.255.0.1)
REPLY="reply src=192.0.2.1 dst=192.0.2.2 flags=0x0000 key=none csum=none proto=0x0800 inner=10.255.0.1>10.255.0.2 icmp=echo-reply"

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

setup_ns peer rx x
setup() {
	ns_ipv6_off "$rx" &&
	ip link add veth0 netns "$peer" type veth peer name veth0 netns "$rx" &&
	ip link add veth0 netns "$x" type veth peer name veth1 netns "$rx" &&
	ip -n "$peer" addr add 192.0.2.2/24 dev veth0 &&
	ip -n "$peer" link set veth0 up &&
	ip -n "$x" addr add 198.51.100.66/24 dev veth0 &&
	ip -n "$x" link set veth0 up &&
	ip -n "$x" route add 192.0.2.1/32 dev veth0 &&
	ip -n "$rx" addr add 192.0.2.1/24 dev veth0 &&
	ip -n "$rx" addr add 198.51.100.1/24 dev veth1 &&
	ip -n "$rx" link set veth0 up &&
	ip -n "$rx" link set veth1 up &&
	ip -n "$rx" link add dmvpn0 type dmvpn local 192.0.2.1 &&
	ip -n "$rx" addr add 10.255.0.1/24 dev dmvpn0 &&
	ip -n "$rx" link set dmvpn0 up &&
	"$DMVPNCTL" -n "$rx" cache add 10.255.0.2 nbma 192.0.2.2 dev dmvpn0
}
check "setup: peer, stranger, dmvpn0 with a cache entry for the peer" \
	setup || bail_out "setup failed"

# One crafter for the whole test (craft.sh), in rx's namespace; each
# packet's socket is made in its sender's (--netns).
check "dmvpn_gre_craft.py serve starts" craft_start "$rx" || bail_out "no crafter"

# craft_from NS ARGS...: craft ARGS, the packets from netns NS.
craft_from() {
	local ns=$1
	shift
	craft "$@" --netns "/run/netns/$ns"
}

# rx_stats: rx_packets and rx_dropped of rx's dmvpn0, in RX_NOW and DROP_NOW.
rx_stats() {
	craft read /sys/class/net/dmvpn0/dmvpn/rx_packets \
		/sys/class/net/dmvpn0/statistics/rx_dropped >/dev/null || return 1
	{ read -r RX_NOW && read -r DROP_NOW; } <<<"$CRAFT_OUT"
}

# base: remember rx_packets and rx_dropped.
base() {
	rx_stats && BASE_RX=$RX_NOW && BASE_DROP=$DROP_NOW
}

# moved RX DROPPED: rx_packets and rx_dropped moved by exactly that much
# since base.
moved() {
	local rx_now drop_now
	rx_stats || return 1
	rx_now=$RX_NOW
	drop_now=$DROP_NOW
	echo "rx_packets +$((rx_now - BASE_RX)) (want +$1)," \
		"rx_dropped +$((drop_now - BASE_DROP)) (want +$2)"
	[ "$((rx_now - BASE_RX))" -eq "$1" ] && [ "$((drop_now - BASE_DROP))" -eq "$2" ]
}

# settle RX DROPPED: wait (up to 5 s, delivery is asynchronous) until moved
# RX DROPPED holds, and check it once more: a counter that went too far
# stays so.
settle() {
	wait_until 5 moved "$1" "$2"
	moved "$1" "$2"
}

peer_answered() {
	local got
	craft_from "$peer" send 192.0.2.1 "${ECHO[@]}" --reply 5 >/dev/null ||
		return 1
	got=${CRAFT_OUT%$'\n'}
	[ "$got" = "$REPLY" ] && return 0
	echo "got:  $got"
	echo "want: $REPLY"
	return 1
}

# nft_count: packets counted by the rule in table ip dmvpn_fw.
nft_count() {
	ip netns exec "$rx" nft list table ip dmvpn_fw |
		sed -n 's/.*counter packets \([0-9]*\) .*/\1/p'
}

nft_count_is() {
	[ "$(nft_count)" = "$1" ]
}

# nft_drop_gre PRIORITY: an input chain of that priority that counts and
# drops every GRE packet.
nft_drop_gre() {
	ip netns exec "$rx" nft -f - <<-EOF
	table ip dmvpn_fw {
		chain input {
			type filter hook input priority $1; policy accept;
			ip protocol gre counter drop
		}
	}
	EOF
}

# ipt_count: packets counted by the first rule of INPUT.
ipt_count_is() {
	[ "$(ip netns exec "$rx" iptables-nft -L INPUT -v -x -n |
		awk 'NR == 3 { print $1 }')" = "$1" ]
}

# --- no firewall: the path works, for the stranger too ------------------------------

base
check "the peer's echo over GRE is answered" peer_answered
check "... rx_packets +1" settle 1 0
base
check "the stranger sends GRE (no firewall)" \
	craft_from "$x" send 192.0.2.1 "${ECHO[@]}"
check "... it reaches dmvpn0: rx_packets +1" settle 1 0

# --- nftables ---------------------------------------------------------------------------

for prio in 0 1000; do
	check "nft: input chain (priority $prio): ip protocol gre counter drop" \
		nft_drop_gre "$prio"
	base
	check "the stranger sends 3 GRE packets" \
		craft_from "$x" send 192.0.2.1 "${ECHO[@]}" --count 3
	check "... the nft rule counts all 3" wait_until 5 nft_count_is 3
	check "... none reaches dmvpn0: rx_packets +0" moved 0 0
	check "the peer's echo is not answered either" \
		craft_from "$peer" send 192.0.2.1 "${ECHO[@]}" --no-reply 1
	check "... the nft rule counts it" wait_until 5 nft_count_is 4
	check "... rx_packets +0" moved 0 0
	ip netns exec "$rx" nft delete table ip dmvpn_fw
done

# --- iptables ----------------------------------------------------------------------------

check "iptables-nft -A INPUT -p gre ! -s 192.0.2.2 -j DROP" \
	ip netns exec "$rx" iptables-nft -A INPUT -p gre ! -s 192.0.2.2 -j DROP
base
check "the stranger sends 3 GRE packets" \
	craft_from "$x" send 192.0.2.1 "${ECHO[@]}" --count 3
check "... the iptables rule counts all 3" wait_until 5 ipt_count_is 3
check "... none reaches dmvpn0: rx_packets +0" moved 0 0
check "the peer's echo is answered" peer_answered
check "... rx_packets +1, the rule still at 3" settle 1 0
check "... the rule still at 3" ipt_count_is 3
ip netns exec "$rx" iptables-nft -F INPUT

# --- require-ipsec -----------------------------------------------------------------------

check "ip link set dmvpn0 type dmvpn require-ipsec" \
	ip -n "$rx" link set dmvpn0 type dmvpn require-ipsec
base
check "the peer's clear GRE echo is not answered" \
	craft_from "$peer" send 192.0.2.1 "${ECHO[@]}" --no-reply 1
check "... dropped on receive: rx_dropped +1, rx_packets +0" settle 0 1
check "norequire-ipsec" \
	ip -n "$rx" link set dmvpn0 type dmvpn norequire-ipsec
base
check "the peer's echo is answered again" peer_answered
check "... rx_packets +1" settle 1 0

# --- martian and reverse-path-failing sources ---------------------------------------------

# not_delivered SRC DROPPED: GRE from source SRC (the stranger writes the
# outer header), then a marker from the stranger's own address: only the
# marker reaches dmvpn0, and rx_dropped moved by DROPPED.
not_delivered() {
	base
	craft_from "$x" send 192.0.2.1 "${ECHO[@]}" --src "$1" || return 1
	craft_from "$x" send 192.0.2.1 "${ECHO[@]}" || return 1
	settle 1 "$2"
}

# (0.0.0.0, the one zero-net martian left since Linux 5.3, cannot be
# sent: the kernel writes its own source over it.)
for src in 224.0.0.5 255.255.255.255; do
	check "martian source $src: not delivered" not_delivered "$src" 0
done
check "route_localnet=1 and accept_local=1 in rx" ip netns exec "$rx" sysctl -qw \
	net.ipv4.conf.all.route_localnet=1 net.ipv4.conf.veth1.route_localnet=1 \
	net.ipv4.conf.all.accept_local=1 net.ipv4.conf.veth1.accept_local=1
check "loopback source 127.0.0.1 (routing lets it in): dropped, rx_dropped +1" \
	not_delivered 127.0.0.1 1
check "rp_filter=1 in rx" ip netns exec "$rx" sysctl -qw \
	net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.veth1.rp_filter=1
check "rp_filter: source 203.0.113.7, no route back: not delivered" \
	not_delivered 203.0.113.7 0

base
check "the peer's echo is answered at the end" peer_answered
check "... rx_packets +1" settle 1 0

test_end

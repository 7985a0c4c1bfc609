#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_frr.sh: IPsec between dmvpnd and FRR's nhrpd (issue 11's
# interop).  FRR runs on ip_gre protected the way its users protect it
# with stock strongSwan, whose charon answers neither nhrpd's VICI event
# registration nor its per-peer initiate: a trap policy for GRE to any
# address (transport mode), so charon starts IKE on the first packet to a
# peer and answers any peer.  dmvpnd drives its own charon (ipsec profile)
# and runs dmvpn0 with require-ipsec.  The lab is dmvpn_frr_interop.sh's.
#
# selftests: timeout 600
# selftests: long
#
#                       netns wan: bridge br0, tcpdump from start to stop
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.4
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |   s3   |
#      | A: FRR, trap      | dmvpnd |          | dmvpnd |          |  FRR   |
#      | B: dmvpnd         | charon |          | charon |          |  trap  |
#      | charon |          +---+----+          +---+----+          +---+----+
#      +--------+          10.255.0.2/24       10.255.0.3/24       10.255.0.4/32
#      10.255.0.1              |                   |                   |
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24    lan3 10.3.0.0/24
#
# Part A: FRR hub (nhrpd on gre1, charon with the trap policy), dmvpnd
# spokes s1 and s2 (part B keeps s1; s2 stays idle there)
#   - each spoke's SA to the hub comes up (dmvpnd initiates, the hub's
#     charon answers with its trap connection), then the spoke registers:
#     FRR's cache has both
#   - the hub pings both spokes over the tunnel, through their SAs
#   - Phase 3 (routes via the hub, nhrpd's NFLOG redirect): lan1 pings lan2
#     every 10 ms while the spokes' SA and shortcuts form, and for the 100
#     echoes after: none lost; the
#     shortcut went in only once its SA was up; then the hub relays nothing
#
# Part B: dmvpnd hub (its profile answers any spoke), dmvpnd spoke s1
# (started afresh, as its charon), FRR spoke s3 (trap policy)
#   - s3's registration trips its trap: its charon brings the SA to the
#     hub up and nhrpd's registration gets through; the hub has s3
#   - Phase 3 between s3 and s1: lan3 pings lan1 every 10 ms while the
#     shortcuts form on both sides (none lost, nor in the 100 after); the
#     FRR spoke's shortcut route and s1's
#     shortcut are there, over one SA pair between s1 and s3, which s1
#     initiated: s3's trap never fired for s1 (s1 asked once; a request
#     asked again reaches an nhrpd that knows s1 by then and answers it
#     straight, its trap initiates beside s1, and s1's charon, answering,
#     sends on the new SA before s3 has its inbound half: echoes lost,
#     seen on 7.2); then the hub relays nothing
#
# Throughout: the capture on the underlay holds 0 GRE (and so 0 NHRP) in
# clear, and nothing but IKE and ESP; agents, charons and FRR alive; dmesg
# clean.

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/capture.sh
source "$DMVPN_SELFTESTS/capture.sh"
# shellcheck source=SCRIPTDIR/ipsec.sh
source "$DMVPN_SELFTESTS/ipsec.sh"
# shellcheck source=SCRIPTDIR/frr.sh
source "$DMVPN_SELFTESTS/frr.sh"
# shellcheck source=SCRIPTDIR/interop.sh
source "$DMVPN_SELFTESTS/interop.sh"

FRR_LOG_LEVEL=debug
HOLD=30

cleanup() {
	post_mortem
	agents_stop KILL
	frr_stop_all
	charons_stop
	agent_logs_keep ipsec-frr-logs
	[ -z "${DMVPN_VM_OUTDIR:-}" ] || [ -z "${CAPTURE_DIR:-}" ] ||
		cp "$CAPTURE_DIR/pcap" "$DMVPN_VM_OUTDIR/ipsec-frr-logs/underlay.pcap" 2>/dev/null
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE [trap]: for charon_start (ipsec.sh).
swanctl_conf() {
	ipsec_psk_conf "$@"
}

# sa_pairs NODE PEER: how many pairs of SAs NODE's kernel holds with PEER.
sa_pairs() {
	ip -n "$(lab_ns "$1")" xfrm state |
		awk -v peer="$2" '/^src / { n += ($2 == peer || $4 == peer) }
				  END { print n / 2 }'
}

# one_sa_pair NODE PEER: exactly one pair, once any duplicate from both
# ends initiating at once has been deleted.
one_sa_pair() {
	local n
	n=$(sa_pairs "$1" "$2")
	[ "$n" = 1 ] || {
		echo "$1 has $n SA pairs with $2:"
		ip -n "$(lab_ns "$1")" xfrm state
		return 1
	}
}

part_a_up() {
	interop_gre_up hub 1 &&
	interop_dmvpn_up s1 2 require-ipsec &&
	interop_dmvpn_up s2 3 require-ipsec &&
	ip -n "$hub" route add 10.1.0.0/24 via 10.255.0.2 dev gre1 onlink &&
	ip -n "$hub" route add 10.2.0.0/24 via 10.255.0.3 dev gre1 onlink &&
	ip -n "$s1" route add 10.2.0.0/24 via 10.255.0.1 &&
	ip -n "$s2" route add 10.1.0.0/24 via 10.255.0.1 &&
	interop_phase3_nflog
}

# part_b_up: the hub becomes dmvpnd (its FRR and the trap's charon
# stopped: charon_restart gives it dmvpnd's profile), s1 forgets part A.
part_b_up() {
	# The spokes' kernels first: their dmvpn0 keep sending (IPv6 router
	# solicitations to the NHS's multicast entry), and GRE reaching a
	# hub between its two devices is answered by an ICMP protocol
	# unreachable in clear (seen on 6.1).
	lab_ctl s1 cache flush dev dmvpn0 &&
	lab_ctl s2 cache flush dev dmvpn0 &&
	ip netns exec "$hub" nft delete table inet dmvpn_frr &&
	ip -n "$hub" link del gre1 &&
	interop_dmvpn_up hub 1 require-ipsec redirect &&
	ip -n "$hub" route add 10.1.0.0/24 via 10.255.0.2 &&
	ip -n "$hub" route add 10.3.0.0/24 via 10.255.0.4 &&
	ip -n "$s1" route add 10.3.0.0/24 via 10.255.0.1 &&
	interop_gre_up s3 4
}

# post_mortem: for a failure's logs, each node's SAs, policies and xfrm
# error counters (ESP on an SA whose inbound half is not installed yet
# counts as XfrmAcquireError), before the charons take their SAs away.
post_mortem() {
	local node
	[ -n "$CONF" ] || return 0
	for node in hub s1 s2 s3; do
		{
			ip -n "$(lab_ns "$node")" xfrm state
			ip -n "$(lab_ns "$node")" xfrm policy
			ip netns exec "$(lab_ns "$node")" cat /proc/net/xfrm_stat
		} >"$CONF/$node-xfrm.log" 2>&1
	done
	return 0
}

# no_acquire NODE PEER: NODE's charon's trap never fired for PEER.
no_acquire() {
	[ -s "$CONF/$1-charon.log" ] &&
	! grep -F "creating acquire job for policy" "$CONF/$1-charon.log" |
		grep -F "=== $2/32"
}

# charon_restart NODE [trap]: NODE's charon stopped, and started again
# with the other kind of configuration.
charon_restart() {
	charon_stop "$1"
	charon_start "$@"
}

test_begin
agent_begin ip ping tcpdump nft vtysh swanctl "$CHARON"
for daemon in zebra staticd nhrpd; do
	[ -x "$FRR_DIR/$daemon" ] || skip_all "FRR's $daemon not installed in $FRR_DIR"
done
getent passwd frr >/dev/null || skip_all "no user frr"
modprobe ip_gre 2>/dev/null || skip_all "no ip_gre module"
chmod 0755 "$CONF"

setup_ns wan hub s1 s2 s3 lan1 lan2 lan3
check "underlay and LANs" interop_lab_up || bail_out "no lab"
ipsec_capture_begin

# =====================================================================
# Part A: FRR hub with a trap policy, dmvpnd spokes

check "A: hub gre1 (ip_gre NBMA), dmvpn0 with require-ipsec on s1, s2" \
	part_a_up || bail_out "no part A"
check "A: the hub's charon: a trap policy for GRE to any address" \
	charon_start hub trap || bail_out "no charon"
frr_conf hub zebra ""
frr_conf hub nhrpd "nhrp nflog-group 1
debug nhrp all
interface gre1
 ip nhrp network-id 1
 ip nhrp holdtime $HOLD
 ip nhrp redirect
 ip nhrp map multicast dynamic"
check "A: FRR hub up (zebra, nhrpd)" frr_start hub nhrpd ||
	bail_out "FRR does not start"
check "A: nhrpd runs NHRP on gre1" \
	wait_until 10 frr_cache_has hub local 10.255.0.1 192.0.2.1
for node in s1 s2; do
	check "A: charon up on $node" charon_start $node || bail_out "no charon"
	agent_ipsec_conf $node "role spoke
nhs 10.255.0.1 nbma 192.0.2.1 multicast"
	agent_start $node
done

check "A: s1's SA to the FRR hub comes up, then s1 registers" \
	wait_until 60 frr_cache_has hub dynamic 10.255.0.2 192.0.2.2
check "A: ... in that order" \
	logged_before s1 "IPsec to 192.0.2.1 up" "NHS 192.0.2.1 registering -> up"
check "A: s2 registers too" \
	wait_until 60 frr_cache_has hub dynamic 10.255.0.3 192.0.2.3
check "A: ... FRR's registration replies: both spokes' NHS is up" \
	eval "wait_until 10 interop_nhs_up s1 && wait_until 10 interop_nhs_up s2"
check "A: the FRR hub pings s1 over the tunnel, through s1's SA" \
	ping_all hub 10.255.0.2 3 0.2
check "A: ... and s2" ping_all hub 10.255.0.3 3 0.2

echoes_start lan1 10.2.0.10 0.01
check "A: Phase 3: s1 gets 10.2.0.0/24 via 192.0.2.3" \
	wait_until 60 entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
check "A: ... s2 gets 10.1.0.0/24 via 192.0.2.2" \
	wait_until 30 entry_is s2 10.1.0.0/24 shortcut 192.0.2.2
check "A: ... lan1 -> lan2: no echo (10 ms apart) lost meanwhile, nor in the 100 after" \
	echoes_end 100
check "A: ... s1 put its shortcut in only once its SA to s2 was up" \
	logged_before s1 "IPsec to 192.0.2.3 up" "shortcut 10.2.0.0/24 via 192.0.2.3"
check "A: ... one SA pair between s1 and s2" one_sa_pair s1 192.0.2.3
check "A: ... then the FRR hub relays nothing" \
	no_relay_during ping_all lan1 10.2.0.10 10 0.05
check "A: agents, charons and FRR alive" \
	eval "interop_alive s1 s2 frr:hub && charons_alive"

# ---- between the parts: the hub becomes dmvpnd; s1 starts afresh
agent_stop s1
agent_stop s2
frr_stop hub
check "B: hub gre1 -> dmvpn0, s1 forgets part A, s3 gre1" part_b_up ||
	bail_out "no part B"
for node in hub s1; do
	check "B: $node's IKE_SAs deleted, answered" charon_idle $node
	check "B: $node's charon afresh, with dmvpnd's profile" \
		charon_restart $node || bail_out "no charon"
done
check "B: s3's charon: the trap policy" charon_start s3 trap ||
	bail_out "no charon"

# =====================================================================
# Part B: dmvpnd hub, dmvpnd spoke s1, FRR spoke s3 with a trap policy

agent_ipsec_conf hub "role hub
multicast dynamic
redirect on"
agent_start hub
agent_start s1
frr_conf s3 zebra ""
frr_conf s3 staticd "ip route 10.255.0.0/24 10.255.0.1 200
ip route 10.1.0.0/24 10.255.0.1 200"
frr_conf s3 nhrpd "debug nhrp all
interface gre1
 ip nhrp network-id 1
 ip nhrp holdtime $HOLD
 ip nhrp nhs 10.255.0.1 nbma 192.0.2.1
 ip nhrp shortcut"
check "B: FRR spoke up (zebra, staticd, nhrpd)" frr_start s3 staticd nhrpd ||
	bail_out "FRR does not start"

check "B: s3's registration trips its trap: the hub has 10.255.0.4 at 192.0.2.4" \
	wait_until 60 entry_is hub 10.255.0.4 dynamic 192.0.2.4
check "B: ... through an SA between s3 and the hub" one_sa_pair hub 192.0.2.4
check "B: ... FRR took the reply: NHS 10.255.0.1 at 192.0.2.1" \
	wait_until 20 frr_cache_has s3 nhs 10.255.0.1 192.0.2.1
check "B: s1 registers with the dmvpnd hub" \
	wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "B: the FRR spoke pings the hub over the tunnel" \
	wait_until 10 ping_all s3 10.255.0.1 3 0.2

echoes_start lan3 10.1.0.10 0.01
check "B: Phase 3: FRR resolved 10.1.0.0/24 via 10.255.0.2" \
	wait_until 60 frr_shortcut_has s3 10.1.0.0/24 10.255.0.2
check "B: ... s1 has 10.3.0.0/24 via 192.0.2.4" \
	wait_until 30 entry_is s1 10.3.0.0/24 shortcut 192.0.2.4
check "B: ... lan3 -> lan1: no echo (10 ms apart) lost meanwhile, nor in the 100 after" \
	echoes_end 100
check "B: ... one SA pair between s1 and s3" one_sa_pair s1 192.0.2.4
check "B: ... which s1 initiated: s3's trap never fired for s1" no_acquire s3 192.0.2.2
check "B: ... then the hub relays nothing" \
	no_relay_during ping_all lan3 10.1.0.10 10 0.05
check "B: agents, charons and FRR alive" \
	eval "interop_alive hub s1 frr:s3 && charons_alive"

check "the underlay, the whole run: 0 GRE (and so 0 NHRP) in clear" \
	none_captured_since "$START" "ip proto 47"
check "... nothing but IKE and ESP" \
	none_captured_since "$START" "ip and not esp and not ($IKE)"

test_end

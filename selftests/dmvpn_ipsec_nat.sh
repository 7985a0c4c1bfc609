#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_nat.sh: a spoke behind NAT with IPsec (issue 11): dmvpnd
# drives charon everywhere, the NATed spoke's SAs run ESP in UDP 4500
# (NAT-T), and a shortcut between it and a spoke not behind NAT forms and
# carries traffic, protected.
#
# selftests: timeout 400
# selftests: long
#
#                       netns wan: bridge br0, tcpdump from start to stop
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.5
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |  nat   |  nft masquerade
#      | dmvpnd |          | dmvpnd |          +---+----+
#      | charon |          | charon |              | 172.16.0.1/24, bridge in0
#      +--------+          +---+----+              | 172.16.0.2/24
#      10.255.0.1          10.255.0.2          +---+----+
#                              |               |   s3   |  dmvpnd, charon
#                          lan1 10.1.0.0/24    +---+----+  10.255.0.4
#                                                  |
#                                              lan3 10.3.0.0/24
#
# (lab.sh's s2 is there too, idle.)  Every dmvpn0 runs with require-ipsec.
#
# Two spokes behind one NAT address: dmvpn_ipsec_nat_shared.sh.
#
# Checks:
#   - s3 brings its SA to the hub up through the NAT, then registers: the
#     hub has it at the NAT's outside address, and both ends' SA is ESP in
#     UDP (xfrm state encap espinudp, port 4500 on s3)
#   - hub <-> s3 over the tunnel
#   - Phase 3 between s1 and s3 (routes via the hub, redirect on): lan1
#     pings lan3 every 10 ms while the SA and the shortcuts form, and for
#     the 100 echoes after: none lost; s1's shortcut points at the NAT's
#     outside address and its SA to it is ESP in UDP; then the hub relays
#     nothing
#   - the capture on the underlay: 0 GRE in clear, no ESP to or from the
#     NAT's address that is not in UDP, nothing but IKE and ESP
#   - dmesg is clean

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

HOLD=30

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep ipsec-nat-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE: the profile, PSK authentication.
swanctl_conf() {
	ipsec_psk_conf "$1"
}

nat_up() {
	ip link add wan0 netns "$nat" type veth peer name p-nat netns "$wan" &&
	ip -n "$wan" link set p-nat master br0 up &&
	ip -n "$nat" addr add 192.0.2.5/24 dev wan0 &&
	ip -n "$nat" link set wan0 up &&
	ip -n "$nat" link add in0 type bridge mcast_snooping 0 &&
	ip -n "$nat" addr add 172.16.0.1/24 dev in0 &&
	ip -n "$nat" link set in0 up &&
	ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$nat" nft -f - <<-'NFT'
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "wan0" masquerade
			}
		}
	NFT
}

# inside NODE ADDR: NODE's wan0 on the NAT's inside bridge, ADDR/24.
inside() {
	ip link add wan0 netns "$(lab_ns "$1")" type veth peer name "i-$1" \
		netns "$nat" &&
	ip -n "$nat" link set "i-$1" master in0 up &&
	ip -n "$(lab_ns "$1")" addr add "$2/24" dev wan0 &&
	ip -n "$(lab_ns "$1")" link set wan0 up &&
	ip -n "$(lab_ns "$1")" route add default via 172.16.0.1
}

s3_up() {
	inside s3 172.16.0.2 &&
	ip -n "$s3" link add dmvpn0 type dmvpn require-ipsec &&
	ip -n "$s3" addr add 10.255.0.4/24 dev dmvpn0 &&
	ip -n "$s3" link set dmvpn0 up &&
	ip link add eth0 netns "$lan3" type veth peer name lan0 netns "$s3" &&
	ip -n "$s3" addr add 10.3.0.1/24 dev lan0 &&
	ip -n "$s3" link set lan0 up &&
	ip -n "$lan3" addr add 10.3.0.10/24 dev eth0 &&
	ip -n "$lan3" link set eth0 up &&
	ip -n "$lan3" route add default via 10.3.0.1 &&
	ip netns exec "$s3" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$s3" route add 10.1.0.0/24 via 10.255.0.1 &&
	ip -n "$s1" route replace 10.3.0.0/24 via 10.255.0.1 &&
	ip -n "$hub" route add 10.3.0.0/24 via 10.255.0.4
}

# encap_sa NODE SRC DST SPORT: NODE's SA from SRC to DST is ESP in UDP
# (from port SPORT, or any port when SPORT is empty).
encap_sa() {
	local state
	state=$(ip -n "$(lab_ns "$1")" xfrm state |
		awk -v head="src $2 dst $3" '/^src / { on = ($0 == head) } on')
	grep -qE "encap type espinudp sport ${4:-[0-9]+} dport [0-9]+" <<<"$state" || {
		echo "$1: no ESP-in-UDP SA from $2 to $3: ${state:-none}"
		return 1
	}
}

test_begin
agent_lab_begin ip ping tcpdump nft swanctl "$CHARON"
setup_ns nat s3 lan3
check "s3 behind a masquerading router" nat_up || bail_out "no NAT"
check "s3 and its LAN" s3_up || bail_out "no s3"
ipsec_capture_begin

for node in hub s1; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
done
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect
for node in hub s1 s3; do
	check "charon up on $node" charon_start $node || bail_out "no charon"
done

agent_ipsec_conf hub "role hub
multicast dynamic
redirect on"
spoke_conf s1
spoke_conf s3
agent_start hub
agent_start s1
agent_start s3

check "s3 registers: the hub has it at the NAT's outside address" \
	wait_until 60 entry_is hub 10.255.0.4 dynamic 192.0.2.5
check "... s3's SA to the hub came up before it registered" \
	logged_before s3 "IPsec to 192.0.2.1 up" "NHS 192.0.2.1 registering -> up"
check "... s3's SA to the hub is ESP in UDP from port 4500" \
	encap_sa s3 172.16.0.2 192.0.2.1 4500
check "... and so is the hub's to the NAT's address" \
	encap_sa hub 192.0.2.1 192.0.2.5
check "... the hub marks s3 as NATed" \
	shows hub "192\\.0\\.2\\.5 +10\\.255\\.0\\.4 +up .* UN" show dmvpn
check "s1 registers" wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "hub <-> s3 over the tunnel" ping_all hub 10.255.0.4 3 0.2

# ---- Phase 3 between s1 and s3
echoes_start lan1 10.3.0.10 0.01
check "Phase 3: s1 gets 10.3.0.0/24 via the NAT's outside address" \
	wait_until 60 entry_is s1 10.3.0.0/24 shortcut 192.0.2.5
check "... s3 gets 10.1.0.0/24 via 192.0.2.2" \
	wait_until 20 entry_is s3 10.1.0.0/24 shortcut 192.0.2.2
check "... no echo (10 ms apart) lost meanwhile, nor in the 100 after" \
	echoes_end 100
check "... s1 put its shortcut in only once its SA to s3 was up" \
	logged_before s1 "IPsec to 192.0.2.5 up" "shortcut 10.3.0.0/24 via 192.0.2.5"
check "... s1's SA to s3 is ESP in UDP" encap_sa s1 192.0.2.2 192.0.2.5
check "... and s3's to s1, from port 4500" encap_sa s3 172.16.0.2 192.0.2.2 4500
check "... then the hub relays nothing" \
	no_relay_during ping_all lan1 10.3.0.10 10 0.05

check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s3"
check "the underlay, the whole run: ESP in UDP to and from the NAT" \
	some_captured_since "$START" "host 192.0.2.5 and udp port 4500 and greater 100"
check "... no ESP to or from it outside UDP" \
	none_captured_since "$START" "host 192.0.2.5 and ip proto 50"
check "... 0 GRE (and so 0 NHRP) in clear" none_captured_since "$START" "ip proto 47"
check "... nothing but IKE and ESP" \
	none_captured_since "$START" "ip and not esp and not ($IKE)"

test_end

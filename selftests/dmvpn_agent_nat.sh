#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_nat.sh: a spoke behind NAT (an nftables masquerade router,
# as a home or 4G router would be), with dmvpnd everywhere.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.5
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |  nat   |  masquerade
#      +--------+          +---+----+          +---+----+
#      10.255.0.1          10.255.0.2              | 172.16.0.1/24
#                              |                   | 172.16.0.2/24
#                          lan1 10.1.0.0/24    +---+----+
#                                              |   s3   |  10.255.0.4
#                                              +---+----+
#                                                  | 10.3.0.1/24
#                                              lan3 10.3.0.10
#
# Checks:
#   - s3 registers from behind the NAT: the hub's entry has the outside
#     address 192.0.2.5; the Cisco NAT extension tells s3 how it is seen
#     (show nhrp nhs) and the hub's show dmvpn marks it N
#   - hub <-> s3 over the tunnel through the NAT
#   - Phase 3 between s1 and s3: the shortcut on s1 points at the outside
#     address, traffic flows with no loss, and the hub relays nothing
#     once it has formed
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

cleanup() {
	agents_stop TERM
	wait 2>/dev/null
	agent_logs_keep agent-nat-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

nat_up() {
	ip link add wan0 netns "$nat" type veth peer name p-nat netns "$wan" &&
	ip -n "$wan" link set p-nat master br0 up &&
	ip -n "$nat" addr add 192.0.2.5/24 dev wan0 &&
	ip -n "$nat" link set wan0 up &&
	ip link add in0 netns "$nat" type veth peer name wan0 netns "$s3" &&
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

s3_up() {
	ip -n "$s3" addr add 172.16.0.2/24 dev wan0 &&
	ip -n "$s3" link set wan0 up &&
	ip -n "$s3" route add default via 172.16.0.1 &&
	ip -n "$s3" link add dmvpn0 type dmvpn &&
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
	ip -n "$s1" route add 10.3.0.0/24 via 10.255.0.1 &&
	ip -n "$hub" route add 10.3.0.0/24 via 10.255.0.4
}

SPOKE="role spoke
network-id 7
holdtime 30
nhs 10.255.0.1 nbma 192.0.2.1 multicast"

test_begin
agent_lab_begin ip ping nft
setup_ns nat s3 lan3
check "s3 behind a masquerading router" nat_up || bail_out "no NAT"
check "s3 and its LAN" s3_up || bail_out "no s3"
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect

agent_start hub "role hub
network-id 7
holdtime 30
multicast dynamic"
agent_start s1 "$SPOKE"
agent_start s3 "$SPOKE"

check "s3 registers: the hub has it at the NAT's outside address" \
	wait_until 10 entry_is hub 10.255.0.4 dynamic 192.0.2.5
check "... s3 knows how the hub sees it" \
	wait_until 5 shows s3 "192\\.0\\.2\\.1 .* up .*192\\.0\\.2\\.5" show nhrp nhs
check "... the hub marks it as NATed" \
	shows hub "192\\.0\\.2\\.5 +10\\.255\\.0\\.4 +up .* UN" show dmvpn
check "s1 registers" wait_until 10 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "hub <-> s3 through the NAT" ping_all hub 10.255.0.4 3 0.2
check "lan1 -> lan3: no loss while the shortcut forms" \
	ping_all lan1 10.3.0.10 30 0.05
check "... s1's shortcut points at the NAT's outside address" \
	wait_until 5 entry_is s1 10.3.0.0/24 shortcut 192.0.2.5
check "... s3's shortcut back points at s1" \
	wait_until 5 entry_is s3 10.1.0.0/24 shortcut 192.0.2.2
check "... then the hub relays nothing" \
	no_relay_during ping_all lan1 10.3.0.10 10 0.05

test_end

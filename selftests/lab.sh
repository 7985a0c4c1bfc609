# shellcheck shell=bash
# The namespace variables (wan, hub, s1, ...) are assigned by setup_ns.
# shellcheck disable=SC2154
# SPDX-License-Identifier: GPL-2.0
#
# selftests/lab.sh: the DMVPN lab that data-plane tests share; source it
# after lib.sh.  lab_up builds it, cleanup (lib.sh) tears it down.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+
#          | 192.0.2.1/24      | 192.0.2.2/24      | 192.0.2.3/24   NBMA
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |
#      | dmvpn0 |          | dmvpn0 |          | dmvpn0 |
#      +--------+          +---+----+          +---+----+
#      10.255.0.1/24       10.255.0.2/24       10.255.0.3/24   tunnel
#                              | 10.1.0.1/24       | 10.2.0.1/24
#                          +---+----+          +---+----+
#                          |  lan1  |          |  lan2  |
#                          +--------+          +--------+
#                          10.1.0.10           10.2.0.10        LAN hosts
#                          fd01::10            fd02::10
#
# IPv6: tunnel fd00::1..3/64, LANs fd01::/64 and fd02::/64 the same way.
# The variables hub, s1, s2, lan1, lan2 and wan name the namespaces.
#
# lab_up [LINK OPTIONS]: the namespaces, addresses and dmvpn0 devices (with
# the options given, e.g. "key 7"), forwarding on hub and spokes, and routes
# as a Phase 2 network has them: each spoke reaches the other's LAN via the
# other spoke's tunnel address, the hub via the spokes'.  The NHRP cache is
# left empty: lab_hub_and_spoke_entries fills it as registrations would.

LAB_HUB_NBMA=192.0.2.1
LAB_S1_NBMA=192.0.2.2
LAB_S2_NBMA=192.0.2.3

# lab_nbma NODE: the NBMA address of hub, s1 or s2.
lab_nbma() {
	case "$1" in
	hub) echo "$LAB_HUB_NBMA" ;;
	s1) echo "$LAB_S1_NBMA" ;;
	s2) echo "$LAB_S2_NBMA" ;;
	esac
}

# lab_ns NODE: the namespace of a node by its role name.
lab_ns() {
	printf '%s' "${!1}"
}

# lab_ctl NODE ARGS...: dmvpnctl in a node's namespace (its -n: one
# process, where "ip netns exec" is two).
lab_ctl() {
	local node=$1
	shift
	"$DMVPNCTL" -n "${!node}" "$@"
}

# lab_counter NODE NAME: one counter of the node's dmvpn0 from sysfs.
lab_counter() {
	ip netns exec "${!1}" cat "/sys/class/net/dmvpn0/dmvpn/$2"
}

# lab_wan_join NODE ADDR/LEN...: NODE's wan0 on the "Internet" (bridge br0
# in netns $wan) with the addresses ADDR/LEN..., up.
lab_wan_join() {
	local node=$1 ns addr
	shift
	ns=$(lab_ns "$node")
	ip link add wan0 netns "$ns" type veth peer name "p-$node" netns "$wan" &&
	ip -n "$wan" link set "p-$node" master br0 up || return 1
	for addr in "$@"; do
		ip -n "$ns" addr add "$addr" dev wan0 || return 1
	done
	ip -n "$ns" link set wan0 up
}

lab_node_up() {
	local node=$1 index=$2 ns
	shift 2
	ns=$(lab_ns "$node")
	lab_wan_join "$node" "192.0.2.$index/24" &&
	ip -n "$ns" link add dmvpn0 type dmvpn local "192.0.2.$index" "$@" &&
	ip -n "$ns" addr add "10.255.0.$index/24" dev dmvpn0 &&
	ip -n "$ns" addr add "fd00::$index/64" dev dmvpn0 nodad &&
	ip -n "$ns" link set dmvpn0 up &&
	ip netns exec "$ns" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv6.conf.all.forwarding=1
}

lab_lan_up() {
	local site=$1 spoke lan
	spoke=$(lab_ns "s$site")
	lan=$(lab_ns "lan$site")
	ip link add eth0 netns "$lan" type veth peer name lan0 netns "$spoke" &&
	ip -n "$spoke" addr add "10.$site.0.1/24" dev lan0 &&
	ip -n "$spoke" addr add "fd0$site::1/64" dev lan0 nodad &&
	ip -n "$spoke" link set lan0 up &&
	ip -n "$lan" addr add "10.$site.0.10/24" dev eth0 &&
	ip -n "$lan" addr add "fd0$site::10/64" dev eth0 nodad &&
	ip -n "$lan" link set eth0 up &&
	ip -n "$lan" route add default via "10.$site.0.1" &&
	ip -n "$lan" -6 route add default via "fd0$site::1"
}

lab_routes_up() {
	ip -n "$s1" route add 10.2.0.0/24 via 10.255.0.3 &&
	ip -n "$s2" route add 10.1.0.0/24 via 10.255.0.2 &&
	ip -n "$hub" route add 10.1.0.0/24 via 10.255.0.2 &&
	ip -n "$hub" route add 10.2.0.0/24 via 10.255.0.3 &&
	ip -n "$s1" -6 route add fd02::/64 via fd00::3 &&
	ip -n "$s2" -6 route add fd01::/64 via fd00::2 &&
	ip -n "$hub" -6 route add fd01::/64 via fd00::2 &&
	ip -n "$hub" -6 route add fd02::/64 via fd00::3
}

lab_up() {
	setup_ns wan hub s1 s2 lan1 lan2
	ip -n "$wan" link add br0 type bridge &&
	ip -n "$wan" link set br0 up &&
	lab_node_up hub 1 "$@" &&
	lab_node_up s1 2 "$@" &&
	lab_node_up s2 3 "$@" &&
	lab_lan_up 1 &&
	lab_lan_up 2 &&
	lab_routes_up
}

# lab_hub_and_spoke_entries: what registration leaves in the caches: each
# spoke knows the hub as its NHS (IPv4 and IPv6 tunnel addresses), the hub
# knows both spokes; all of them take multicast.
lab_hub_and_spoke_entries() {
	local spoke index
	for spoke in s1 s2; do
		lab_ctl "$spoke" cache add 10.255.0.1 nbma "$LAB_HUB_NBMA" \
			dev dmvpn0 type nhs multicast &&
		lab_ctl "$spoke" cache add fd00::1 nbma "$LAB_HUB_NBMA" \
			dev dmvpn0 type nhs || return 1
	done
	for index in 2 3; do
		lab_ctl hub cache add "10.255.0.$index" nbma "192.0.2.$index" \
			dev dmvpn0 type dynamic multicast &&
		lab_ctl hub cache add "fd00::$index" nbma "192.0.2.$index" \
			dev dmvpn0 type dynamic || return 1
	done
}

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

# The lab is made of ip commands, and under TCG every process costs the
# host 60-80 ms of CPU or more: what one namespace gets is one "ip -n NS
# -batch -" (which stops at the first command that fails, as the && chains
# it replaces did; "route add" takes the family from the addresses, as
# -6 is no batch command), and sysctl runs in a namespace through nsenter, which,
# unlike "ip netns exec", does not remount /sys.

# lab_sysctl NODE SETTING...: sysctl -w in NODE's namespace.
lab_sysctl() {
	local ns=${!1}
	shift
	nsenter --net="/run/netns/$ns" sysctl -qw "$@"
}

# lab_wan_join NODE ADDR/LEN...: NODE's wan0 on the "Internet" (bridge br0
# in netns $wan) with the addresses ADDR/LEN..., up.
lab_wan_join() {
	local node=$1 ns addr cmds=''
	shift
	ns=${!node}
	ip link add wan0 netns "$ns" type veth peer name "p-$node" netns "$wan" &&
	ip -n "$wan" link set "p-$node" master br0 up || return 1
	for addr in "$@"; do
		cmds+="addr add $addr dev wan0"$'\n'
	done
	ip -n "$ns" -batch - <<<"${cmds}link set wan0 up"
}

# The lines of "ip -batch" below are collected in LAB_CMDS by these
# (builtins only: a cat would be one more process each).
LAB_CMDS=

# lab_cmds LINE...: LAB_CMDS gets the lines.
lab_cmds() {
	local lines
	printf -v lines '%s\n' "$@"
	LAB_CMDS+=$lines
}

# lab_node_cmds INDEX [LINK OPTIONS]: a node's wan0 address 192.0.2.INDEX
# and its dmvpn0 (10.255.0.INDEX, fd00::INDEX).
lab_node_cmds() {
	local index=$1
	shift
	lab_cmds "addr add 192.0.2.$index/24 dev wan0" "link set wan0 up" \
		"link add dmvpn0 type dmvpn local 192.0.2.$index $*" \
		"addr add 10.255.0.$index/24 dev dmvpn0" \
		"addr add fd00::$index/64 dev dmvpn0 nodad" "link set dmvpn0 up"
}

# lab_lan_spoke_cmds SITE, lab_lan_host_cmds SITE: spoke sSITE's lan0;
# the LAN host lanSITE's eth0, and its default routes through the spoke.
lab_lan_spoke_cmds() {
	lab_cmds "addr add 10.$1.0.1/24 dev lan0" "addr add fd0$1::1/64 dev lan0 nodad" \
		"link set lan0 up"
}
lab_lan_host_cmds() {
	lab_cmds "addr add 10.$1.0.10/24 dev eth0" "addr add fd0$1::10/64 dev eth0 nodad" \
		"link set eth0 up" "route add default via 10.$1.0.1" \
		"route add default via fd0$1::1"
}

# lab_route_cmds NODE: the Phase 2 routes of hub, s1 or s2.
lab_route_cmds() {
	case "$1" in
	s1) lab_cmds "route add 10.2.0.0/24 via 10.255.0.3" "route add fd02::/64 via fd00::3" ;;
	s2) lab_cmds "route add 10.1.0.0/24 via 10.255.0.2" "route add fd01::/64 via fd00::2" ;;
	hub)
		lab_cmds "route add 10.1.0.0/24 via 10.255.0.2" "route add 10.2.0.0/24 via 10.255.0.3" \
			"route add fd01::/64 via fd00::2" "route add fd02::/64 via fd00::3"
		;;
	esac
}

# lab_batch NS: LAB_CMDS run by "ip -n NS -batch -" (which stops at the
# first command that fails), then emptied.
lab_batch() {
	local cmds=$LAB_CMDS
	LAB_CMDS=
	ip -n "$1" -batch - <<<"$cmds"
}

# lab_node_up NODE INDEX [LINK OPTIONS]: NODE joins the lab: its wan0 on
# the bridge, its dmvpn0, forwarding on.
lab_node_up() {
	local node=$1 index=$2 ns
	shift 2
	ns=${!node}
	ip link add wan0 netns "$ns" type veth peer name "p-$node" netns "$wan" &&
	ip -n "$wan" link set "p-$node" master br0 up || return 1
	lab_node_cmds "$index" "$@"
	lab_batch "$ns" &&
	lab_sysctl "$node" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
}

# lab_lan_up SITE: the LAN host lanSITE behind spoke sSITE.
lab_lan_up() {
	local site=$1 spoke_node=s$1 lan_node=lan$1
	local spoke=${!spoke_node} lan=${!lan_node}
	ip link add eth0 netns "$lan" type veth peer name lan0 netns "$spoke" ||
		return 1
	lab_lan_spoke_cmds "$site"
	lab_batch "$spoke" || return 1
	lab_lan_host_cmds "$site"
	lab_batch "$lan"
}

lab_routes_up() {
	local node
	for node in s1 s2 hub; do
		lab_route_cmds "$node"
		lab_batch "${!node}" || return 1
	done
}

# lab_up makes the lab lab_node_up, lab_lan_up and lab_routes_up would,
# in 11 processes instead of 29 (tens of ms of CPU each under TCG, and
# most tests start with this): one batch for the veth pairs, one for the
# bridge, one per namespace for all that is in it (its loopback too), and
# the three nodes' forwarding.  The bridge does not snoop multicast, as
# the Internet it stands for does not: a snooping bridge joins the
# snoopers' group 224.0.0.106 as it comes up and reports so in IGMP on its
# ports for a second, which a capture of the underlay started right after
# lab_up caught now and then (a test that counts what crosses it in clear).
lab_up() {
	local node index=1
	setup_ns --no-lo wan hub s1 s2 lan1 lan2
	ip -batch - <<-EOF &&
	link add wan0 netns $hub type veth peer name p-hub netns $wan
	link add wan0 netns $s1 type veth peer name p-s1 netns $wan
	link add wan0 netns $s2 type veth peer name p-s2 netns $wan
	link add eth0 netns $lan1 type veth peer name lan0 netns $s1
	link add eth0 netns $lan2 type veth peer name lan0 netns $s2
	EOF
	ip -n "$wan" -batch - <<-EOF || return 1
	link set lo up
	link add br0 type bridge mcast_snooping 0
	link set br0 up
	link set p-hub master br0 up
	link set p-s1 master br0 up
	link set p-s2 master br0 up
	EOF
	for node in hub s1 s2; do
		lab_cmds "link set lo up"
		lab_node_cmds "$index" "$@"
		[ "$node" = hub ] || lab_lan_spoke_cmds "${node#s}"
		lab_route_cmds "$node"
		lab_batch "${!node}" || return 1
		index=$((index + 1))
	done
	for node in lan1 lan2; do
		lab_cmds "link set lo up"
		lab_lan_host_cmds "${node#lan}"
		lab_batch "${!node}" || return 1
	done
	for node in hub s1 s2; do
		lab_sysctl "$node" net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1 ||
			return 1
	done
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

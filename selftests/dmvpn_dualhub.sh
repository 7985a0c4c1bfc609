#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_dualhub.sh: dual hub, single cloud (issue 16).  Two hubs on one
# tunnel subnet, both NHSs of both spokes and each other's NHS, FRR bgpd as
# route reflectors (bgp listen range, default only to the spokes,
# next-hop-self, 1/3 s timers), a data centre behind both hubs.  Hub 1 dies
# under traffic and comes back.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.6
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  hub2  |
#      | (hub 1)|          |        |          |        |          |        |
#      +---+----+          +---+----+          +---+----+          +---+----+
#      10.255.0.1          10.255.0.2          10.255.0.3          10.255.0.6
#          | core0             |                   |                   | core0
#          | 172.16.1.1    lan1 10.1.0.0/24    lan2 10.2.0.0/24        | 172.16.2.1
#          |                                                           |
#          +---- c1 172.16.1.10 ---+  dc  +--- c2 172.16.2.10 ---------+
#                                  10.9.0.1/24 (dummy0)
#
# BGP: AS 65000 for hubs and spokes (iBGP; the hubs reflect, and peer with
# each other over the tunnel), AS 65100 for the DC.  Spokes and the DC
# prefer hub 1 (local preference 200).  The hubs reach the DC over their
# core link (a static route), the DC reaches the LANs by BGP.  dmvpnd's
# registration timers are the defaults: registration-timeout 5,
# registration-retry 1.
#
# Checks:
#   - every registration is in place: both hubs have both spokes, the hubs
#     have each other as NHS (up), the spokes elect hub 1; BGP converged
#   - Phase 3: lan1 <-> lan2 over a shortcut
#   - a hub with no mapping for a next hop sends through the other hub: with
#     s1's entry gone from hub 1, the DC still reaches lan1 through hub 1
#   - hub 1 dies (its underlay and core links down, its agent, its cache
#     and its FRR gone: a reboot) under lan1 -> DC traffic at 100 packets/s: the spokes elect hub 2
#     within 8 s + 2 s; LAN -> DC loses at most BGP's hold time + 1 s of
#     packets; the shortcut's traffic loses none
#   - hub 1 comes back (links up, agent and FRR started): both spokes register with it within 2 s (of its
#     agent's start, by the agent's log), elect it
#     again, LAN -> DC loses at most 1 s of packets, goes through hub 1
#     again; the shortcut's traffic loses none
#   - dmesg is clean

# About 3 minutes under TCG: run-all starts it before the short tests.
# selftests: long

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lab.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/agent.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/frr.sh"

PPS=100			# packets per second of the measured flows
INTERVAL=0.01		# ping's -i for PPS
HOLD_S=3		# BGP hold time
declare -A PING_PID=()
FLOW_SENT=
FLOW_LOST=

cleanup() {
	local pid
	for pid in "${PING_PID[@]}"; do
		kill "$pid" 2>/dev/null
	done
	frr_stop_all
	agents_stop TERM
	wait 2>/dev/null
	agent_logs_keep dualhub-logs
	[ -n "$CONF" ] && [ -n "${DMVPN_VM_OUTDIR:-}" ] &&
		cp "$CONF"/*.ping "$DMVPN_VM_OUTDIR/dualhub-logs/" 2>/dev/null
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# ---- topology

core_up() {
	local node=$1 index=$2 ns
	ns=$(lab_ns "$node")
	ip link add core0 netns "$ns" type veth peer name "c$index" netns "$dc" &&
	ip -n "$ns" addr add "172.16.$index.1/24" dev core0 &&
	ip -n "$ns" link set core0 up &&
	ip -n "$dc" addr add "172.16.$index.10/24" dev "c$index" &&
	ip -n "$dc" link set "c$index" up &&
	ip -n "$ns" route add 10.9.0.0/24 via "172.16.$index.10"
}

dualhub_up() {
	setup_ns wan hub hub2 s1 s2 lan1 lan2 dc
	ip -n "$wan" link add br0 type bridge &&
	ip -n "$wan" link set br0 up &&
	lab_node_up hub 1 redirect &&
	lab_node_up hub2 6 redirect &&
	lab_node_up s1 2 &&
	lab_node_up s2 3 &&
	lab_lan_up 1 &&
	lab_lan_up 2 &&
	ip -n "$dc" link add dummy0 type dummy &&
	ip -n "$dc" addr add 10.9.0.1/24 dev dummy0 &&
	ip -n "$dc" link set dummy0 up &&
	core_up hub 1 &&
	core_up hub2 2
}

# ---- FRR

# The hubs: route reflectors for the spokes that connect from the tunnel
# subnet, the default route (only) to them, the other hub as a plain iBGP
# peer, the DC over eBGP.
hub_bgp() {
	local id=$1 peer=$2 dc_addr=$3
	printf '%s\n' \
		"router bgp 65000" \
		" bgp router-id $id" \
		" no bgp ebgp-requires-policy" \
		" bgp log-neighbor-changes" \
		" timers bgp 1 $HOLD_S" \
		" neighbor SPOKES peer-group" \
		" neighbor SPOKES remote-as 65000" \
		" bgp listen range 10.255.0.0/24 peer-group SPOKES" \
		" neighbor $peer remote-as 65000" \
		" neighbor $peer timers connect 1" \
		" neighbor $dc_addr remote-as 65100" \
		" neighbor $dc_addr timers connect 1" \
		" address-family ipv4 unicast" \
		"  neighbor SPOKES route-reflector-client" \
		"  neighbor SPOKES next-hop-self" \
		"  neighbor SPOKES default-originate" \
		"  neighbor SPOKES prefix-list NOTHING out" \
		" exit-address-family" \
		"ip prefix-list NOTHING seq 5 deny any"
}

# A spoke: its LAN to both hubs, hub 1's routes preferred.
spoke_bgp() {
	local id=$1 lan=$2
	printf '%s\n' \
		"router bgp 65000" \
		" bgp router-id $id" \
		" bgp log-neighbor-changes" \
		" timers bgp 1 $HOLD_S" \
		" neighbor HUBS peer-group" \
		" neighbor HUBS remote-as 65000" \
		" neighbor HUBS timers connect 1" \
		" neighbor 10.255.0.1 peer-group HUBS" \
		" neighbor 10.255.0.6 peer-group HUBS" \
		" address-family ipv4 unicast" \
		"  network $lan" \
		"  neighbor 10.255.0.1 route-map PREFER in" \
		" exit-address-family" \
		"route-map PREFER permit 10" \
		" set local-preference 200"
}

dc_bgp() {
	printf '%s\n' \
		"router bgp 65100" \
		" bgp router-id 10.9.0.1" \
		" bgp log-neighbor-changes" \
		" no bgp ebgp-requires-policy" \
		" timers bgp 1 $HOLD_S" \
		" neighbor 172.16.1.1 remote-as 65000" \
		" neighbor 172.16.1.1 timers connect 1" \
		" neighbor 172.16.2.1 remote-as 65000" \
		" neighbor 172.16.2.1 timers connect 1" \
		" address-family ipv4 unicast" \
		"  network 10.9.0.0/24" \
		"  neighbor 172.16.1.1 route-map PREFER in" \
		" exit-address-family" \
		"route-map PREFER permit 10" \
		" set local-preference 200"
}

frr_all_up() {
	frr_conf hub bgpd "$(hub_bgp 10.255.0.1 10.255.0.6 172.16.1.10)" &&
	frr_conf hub2 bgpd "$(hub_bgp 10.255.0.6 10.255.0.1 172.16.2.10)" &&
	frr_conf s1 bgpd "$(spoke_bgp 10.255.0.2 10.1.0.0/24)" &&
	frr_conf s2 bgpd "$(spoke_bgp 10.255.0.3 10.2.0.0/24)" &&
	frr_conf dc bgpd "$(dc_bgp)" &&
	frr_start hub bgpd && frr_start hub2 bgpd && frr_start s1 bgpd &&
	frr_start s2 bgpd && frr_start dc bgpd
}

# route_via NODE PREFIX GATEWAY: the kernel's route to PREFIX goes there.
route_via() {
	local out
	out=$(ip -n "$(lab_ns "$1")" route show "$2")
	[[ $out == *"via $3 "* ]] || {
		echo "$1 $2: ${out:-no route}"
		return 1
	}
}

# bgp_explain NODE: what NODE's bgpd says of its sessions and routes.
bgp_explain() {
	echo "---- $1's bgpd:"
	frr_show "$1" "show bgp ipv4 unicast summary" "show bgp ipv4 unicast"
}

# bgp_converges SECONDS NODE PREFIX GATEWAY: within SECONDS, NODE's route
# to PREFIX goes via GATEWAY; if not, what NODE and the hubs' bgpd say.
bgp_converges() {
	local node
	wait_until "$1" route_via "$2" "$3" "$4" && return 0
	route_via "$2" "$3" "$4"
	for node in "$2" hub hub2; do
		bgp_explain "$node"
	done
	return 1
}

# ---- dmvpnd

HUB_COMMON="role hub
network-id 7
holdtime 600
redirect on"
HUB1="$HUB_COMMON
nhs 10.255.0.6 nbma 192.0.2.6"
HUB2="$HUB_COMMON
nhs 10.255.0.1 nbma 192.0.2.1"
SPOKE="role spoke
network-id 7
holdtime 600
nhs 10.255.0.1 nbma 192.0.2.1 priority 1 multicast
nhs 10.255.0.6 nbma 192.0.2.6 priority 2 multicast"

# nhs_state NODE NBMA STATE: the agent's NHS at NBMA is in STATE.
nhs_state() {
	local out
	out=$(lab_ctl "$1" -j show nhrp nhs 2>&1)
	[[ $out == *\"nbma\":\"$2\"*\"state\":\"$3\"* ]] || {
		echo "$1: $out"
		return 1
	}
}

# elected NODE HUBINDEX: NODE's kernel sends misses to that hub, and has
# the other one as a static entry.
elected() {
	local other=$(($2 == 1 ? 6 : 1))
	entry_is "$1" "10.255.0.$2" nhs "192.0.2.$2" &&
	entry_is "$1" "10.255.0.$other" static "192.0.2.$other"
}

registered() {
	entry_is "$1" "10.255.0.$2" dynamic "192.0.2.$2"
}

# registered_within NODE ADDRESS SECONDS: NODE's agent, in its log, took at
# most SECONDS from its (last) start to registering ADDRESS.  Its own clock,
# so that the time a VM takes to start a program does not count.
registered_within() {
	awk -v addr="$2" -v max="$3" '
		{ t = $0; sub(/^\[ */, "", t); t += 0 }
		/ tunnel address / { start = t; done = "" }
		start != "" && done == "" && index($0, "registered " addr " at ") {
			done = t
		}
		END {
			if (done == "") { print "never registered " addr; exit 1 }
			printf "%s after %.3f s\n", addr, done - start
			exit !(done - start <= max)
		}' "$CONF/$1.log"
}

# ---- traffic

# flow_start NAME FROM DST: PPS echoes a second from FROM's namespace.
flow_start() {
	ip netns exec "$(lab_ns "$2")" ping -n -q -i "$INTERVAL" -W 1 "$3" >"$CONF/$1.ping" 2>&1 &
	PING_PID[$1]=$!
}

# flow_stop NAME: stops it; FLOW_SENT and FLOW_LOST say what it saw.
flow_stop() {
	local pid=${PING_PID[$1]} line
	# The last echo's answer gets its second to arrive.
	sleep 1
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "PING_PID[$1]"
	line=$(grep -m1 'packets transmitted' "$CONF/$1.ping")
	FLOW_SENT=$(awk '{ print $1 }' <<<"$line")
	FLOW_LOST=$((FLOW_SENT - $(awk '{ print $4 }' <<<"$line")))
	diag "$1: $FLOW_SENT sent, $FLOW_LOST lost"
}

# lost_at_most NAME MAX: flow NAME ran and lost at most MAX echoes.
lost_at_most() {
	if [ -z "$FLOW_SENT" ] || [ "$FLOW_SENT" -le "$PPS" ]; then
		echo "$1 sent only ${FLOW_SENT:-nothing}"
		cat "$CONF/$1.ping"
		return 1
	fi
	[ "$FLOW_LOST" -le "$2" ] || {
		echo "$1: $FLOW_LOST of $FLOW_SENT lost, more than $2"
		return 1
	}
}

# via_nhs_to_lan1: hub 1, without an entry for s1, sends the DC's echoes to
# lan1 to its NHS, hub 2 (its tx_nhs counts them), and every one comes
# back.  s1 registers every 5 s and so puts the entry back: up to three
# tries.
via_nhs_to_lan1() {
	local try before
	for try in 1 2 3; do
		before=$(lab_counter hub tx_nhs)
		lab_ctl hub cache del 10.255.0.2 dev dmvpn0 2>/dev/null
		ping_all dc 10.1.0.10 3 0.05 || continue
		[ "$(lab_counter hub tx_nhs)" -gt "$before" ] && return 0
		echo "try $try: answered, but not through the NHS"
	done
	echo "hub 1's tx_nhs: $(lab_counter hub tx_nhs)"
	return 1
}

# hub1_dies: a reboot: its links go down, its agent, its cache and its
# FRR go.  (With bgpd kept running through the links' flap, FRR 8.4 can
# leave a returning spoke's session without routes: see README "Two hubs".)
hub1_dies() {
	ip -n "$hub" link set wan0 down &&
	ip -n "$hub" link set core0 down &&
	agent_stop hub KILL &&
	lab_ctl hub cache flush dev dmvpn0 &&
	frr_stop hub
}

hub1_returns() {
	ip -n "$hub" link set wan0 up &&
	ip -n "$hub" link set core0 up &&
	ip -n "$hub" route replace 10.9.0.0/24 via 172.16.1.10 &&
	agent_start hub &&
	frr_start hub bgpd
}

test_begin
require_root
require_cmd ping "$FRR_DIR/zebra" "$FRR_DIR/bgpd"
require_module
[ -x "$DMVPND" ] || skip_all "dmvpnd not built ($DMVPND)"
CONF=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn_dualhub.XXXXXX") ||
	bail_out "mktemp failed"
defer rm -rf "$CONF"
chmod 755 "$CONF"
check "insmod" module_load || bail_out "the module does not load"
check "lab up" dualhub_up || bail_out "no lab"
for node in s1 s2 lan1 lan2 dc; do
	ns_ipv6_off "$(lab_ns "$node")"
done

agent_start hub "$HUB1"
agent_start hub2 "$HUB2"
agent_start s1 "$SPOKE"
agent_start s2 "$SPOKE"
check "both hubs have both spokes" \
	eval "wait_until 10 registered hub 2 && wait_until 10 registered hub 3 &&
	      wait_until 10 registered hub2 2 && wait_until 10 registered hub2 3"
check "the hubs are each other's NHS, and up" \
	eval "wait_until 10 nhs_state hub 192.0.2.6 up &&
	      wait_until 10 nhs_state hub2 192.0.2.1 up"
check "the spokes elect hub 1" eval "elected s1 1 && elected s2 1"

check "FRR up" frr_all_up || bail_out "no FRR"
check "BGP: the spokes' default goes via hub 1" \
	eval "bgp_converges 30 s1 default 10.255.0.1 &&
	      bgp_converges 30 s2 default 10.255.0.1"
check "BGP: the DC reaches the LANs via hub 1" \
	eval "bgp_converges 30 dc 10.1.0.0/24 172.16.1.1 &&
	      bgp_converges 30 dc 10.2.0.0/24 172.16.1.1"
check "BGP: hub 2 learnt the LANs too" \
	eval "bgp_converges 30 hub2 10.1.0.0/24 10.255.0.2 &&
	      bgp_converges 30 hub2 10.2.0.0/24 10.255.0.3"
check "lan1 -> DC" ping_all lan1 10.9.0.1 5 0.1

check "Phase 3: lan1 <-> lan2 gets a shortcut" \
	eval "ping_all lan1 10.2.0.10 10 0.1 &&
	      wait_until 10 entry_is s1 10.2.0.0/24 shortcut 192.0.2.3 &&
	      wait_until 10 entry_is s2 10.1.0.0/24 shortcut 192.0.2.2"

# The window that hub 1 comes back in, made to last: it has a route via
# s1's tunnel address (BGP) but no mapping for it.
check "hub 1 without s1's entry sends to lan1 through hub 2" via_nhs_to_lan1

flow_start shortcut lan1 10.2.0.10
flow_start fail lan1 10.9.0.1
sleep 2
check "hub 1 dies" hub1_dies
check "the spokes elect hub 2 within 10 s" \
	eval "wait_until 10 elected s1 6 && wait_until 10 elected s2 6"
check "... and call hub 1 down" nhs_state s1 192.0.2.1 down
check "BGP: the DC goes via hub 2" \
	bgp_converges 10 dc 10.1.0.0/24 172.16.2.1
check "BGP: s1 goes via hub 2" bgp_converges 10 s1 default 10.255.0.6
sleep 2
flow_stop fail
check "LAN -> DC lost at most BGP's hold time + 1 s" \
	lost_at_most fail $(((HOLD_S + 1) * PPS))

flow_start return lan1 10.9.0.1
sleep 2
check "hub 1 returns" hub1_returns
check "both spokes register with it within 2 s of its agent's start" \
	eval "wait_until 10 registered hub 2 && wait_until 10 registered hub 3 &&
	      registered_within hub 10.255.0.2 2 &&
	      registered_within hub 10.255.0.3 2"
check "... and elect it again" \
	eval "wait_until 5 elected s1 1 && wait_until 5 elected s2 1"
check "BGP: the DC goes via hub 1 again" \
	bgp_converges 15 dc 10.1.0.0/24 172.16.1.1
check "BGP: s1 goes via hub 1 again" \
	bgp_converges 15 s1 default 10.255.0.1
sleep 2
flow_stop return
check "LAN -> DC lost at most 1 s" lost_at_most return "$PPS"
flow_stop shortcut
check "the shortcut's traffic lost nothing throughout" \
	lost_at_most shortcut 0
check "hub 1 relays lan1 -> DC again" \
	eval "before=\$(lab_counter hub rx_packets) &&
	      ping_all lan1 10.9.0.1 5 0.1 &&
	      [ \$(lab_counter hub rx_packets) -gt \$before ]"
for node in hub hub2 s1 s2; do
	check "dmvpnd on $node still runs" agent_alive "$node"
done

test_end

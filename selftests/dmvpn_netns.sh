#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_netns.sh: a dmvpn device whose underlay is in another namespace.
#
# A dmvpn device belongs to two namespaces: the one it was created in (its
# "link netns": underlay routes, GRE receive hook, NBMA addresses) and the
# one it lives in, which may differ after "ip link set dmvpn0 netns B".
# Its tunnel then carries B's traffic while GRE flows in A.  It must not
# outlive either namespace.
#
# Topology:
#
#   netns home              netns under (A)                   netns peer
#   +----------------+      +-----------------------+  veth  +------------------+
#   | dmvpn0         |      | veth0 198.51.100.1/24 +--------+ veth0            |
#   | 10.255.0.1/24  |      | (GRE of home's dmvpn0 |        | 198.51.100.2/24  |
#   | (created in A, |      |  flows here)          |        | dmvpn0 key 5     |
#   |  then moved)   |      +-----------------------+        | 10.255.0.2/24    |
#   +----------------+                                       +------------------+
#
# home has no interface but dmvpn0 and no route to 198.51.100.0/24.  Both
# devices use key 5 and a static entry for each other.  IPv6 is off in the
# three namespaces, so that only the pings below make GRE packets.
#
# Checks, in order:
#   - dmvpn0 created in under with an entry; "ip -d link" shows no link
#     netns while it is there
#   - "ip -n under link set dmvpn0 netns home" moves it: gone from under,
#     present in home; its entry moved with it (dmvpnctl in home), and
#     dmvpnctl in under no longer finds it
#   - in home, "ip -d link" shows the link netns: the nsid home gave to
#     under (42), and under's name
#   - home cannot reach 198.51.100.2 itself, yet 4 pings from home over the
#     tunnel to 10.255.0.2 are all answered
#   - a capture on under's veth0 shows exactly 4 GRE packets out and 4 in
#   - with "fwmark 0x77" on dmvpn0, the 4 GRE packets out carry mark 0x77
#     in under (an nft output rule counts them): crossing from home to
#     under must not wipe the mark
#   - the entry replaced with a QoS mark 0x30 (a qos-group's): 4 more GRE
#     packets out carry 0x30 in under, not the device's 0x77
#   - home's sysfs has the counters: tx_shortcut +4, rx_packets +4
#   - "ip netns del under" removes dmvpn0 from home
#   - again with a new underlay netns under2: the peer reaches home over the
#     tunnel too, and while dmvpn0 exists its GRE is taken in under2 before
#     local delivery (under2's Ip InDelivers + InUnknownProtos do not move)
#   - "ip netns del home" while under2 lives deletes the device: GRE to
#     under2 is no longer taken (local delivery counts it again), and no
#     dmvpn device turned up in the initial netns
#   - rmmod dmvpn works afterwards; nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, ping, tcpdump, nsenter, nft,
# the module built for the running kernel.

# The namespace variables (home under under2 peer) are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"

set -u

cleanup() {
	dmvpn_cleanup
	# Namespaces die asynchronously: what they hold may take a moment.
	wait_until 5 unload_new_modules
}
trap cleanup EXIT

# --- counters ---------------------------------------------------------------

# local_in NS: IPv4 packets that reached local delivery in NS (Ip InDelivers
# plus InUnknownProtos, from /proc/net/snmp): GRE that no dmvpn hook took
# ends up in one of the two, with or without the gre module.
local_in() {
	local names values i sum=0
	{
		read -r -a names
		read -r -a values
	} < <(nsx "$1" grep '^Ip:' /proc/net/snmp)
	for i in "${!names[@]}"; do
		case "${names[i]}" in
		InDelivers | InUnknownProtos) sum=$((sum + values[i])) ;;
		esac
	done
	echo "$sum"
}

# --- captures ---------------------------------------------------------------

CAPTURE_DIR=
CAPTURE_PID=

# capture_listening: tcpdump has started capturing.
capture_listening() {
	[[ "$(<"$CAPTURE_DIR/err")" == *"listening on"* ]]
}

# capture_start NS DEV: tcpdump on DEV in NS until capture_stop.
capture_start() {
	rm -f "$CAPTURE_DIR/pcap" "$CAPTURE_DIR/err"
	# Not through nsx: $! must be tcpdump itself (nsenter execs it), not
	# a subshell that would leave it running when killed.
	nsenter --net="/run/netns/$1" tcpdump -n -U --immediate-mode -Z root \
		-i "$2" -w "$CAPTURE_DIR/pcap" 2>"$CAPTURE_DIR/err" </dev/null >/dev/null &
	CAPTURE_PID=$!
	defer kill "$CAPTURE_PID"
	if ! wait_until 30 capture_listening; then
		cat "$CAPTURE_DIR/err"
		return 1
	fi
}

# capture_stop: lets tcpdump take the last packets, then stops it (with
# SIGTERM: a background job ignores SIGINT).
capture_stop() {
	sleep 1
	kill -TERM "$CAPTURE_PID" 2>/dev/null
	wait_until 10 not kill -0 "$CAPTURE_PID" || kill -KILL "$CAPTURE_PID"
	wait "$CAPTURE_PID"
	CAPTURE_PID=
}

# captured_is COUNT FILTER: the capture holds exactly COUNT packets that
# match the pcap FILTER.
captured_is() {
	local expected=$1 filter=$2 n
	n=$(tcpdump -n -r "$CAPTURE_DIR/pcap" "$filter" 2>/dev/null | wc -l)
	if [ "$n" -ne "$expected" ]; then
		echo "$n packets match '$filter', expected $expected; the capture:"
		tcpdump -n -r "$CAPTURE_DIR/pcap" 2>&1 | head -n 20
		return 1
	fi
}

# --- topology -----------------------------------------------------------------

# underlay_up NS: the veth pair between NS (198.51.100.1) and peer (.2).
underlay_up() {
	ip link add veth0 netns "$1" type veth peer name veth0 netns "$peer" &&
	ip -n "$1" addr add 198.51.100.1/24 dev veth0 &&
	ip -n "$peer" addr add 198.51.100.2/24 dev veth0 &&
	ip -n "$1" link set veth0 up &&
	ip -n "$peer" link set veth0 up
}

# dmvpn_create NS LOCAL REMOTE: dmvpn0 with key 5 and an entry for the
# other end's tunnel address (10.255.0.1 <-> 10.255.0.2).
dmvpn_create() {
	local ns=$1 local=$2 remote=$3
	ip -n "$ns" link add dmvpn0 type dmvpn local "198.51.100.$local" key 5 &&
	nsx "$ns" "$DMVPNCTL" cache add "10.255.0.$remote" \
		nbma "198.51.100.$remote" dev dmvpn0 type static
}

# tunnel_addr_up NS INDEX
tunnel_addr_up() {
	ip -n "$1" addr add "10.255.0.$2/24" dev dmvpn0 &&
	ip -n "$1" link set dmvpn0 up
}

# ping_all NS DEST COUNT: COUNT pings, every one answered.
ping_all() {
	local out
	out=$(nsx "$1" ping -n -q -c "$3" -i 0.2 -W 2 "$2" 2>&1)
	echo "$out"
	[[ "$out" == *" $3 received"* ]]
}

# link_netns_shown NS NSID NAME: "ip -d link" in NS shows dmvpn0's link
# netns: the id NSID in JSON, the name NAME in text.
link_netns_shown() {
	local json text
	json=$(ip -n "$1" -j -d link show dev dmvpn0) || return 1
	text=$(ip -n "$1" -d link show dev dmvpn0) || return 1
	echo "$json"
	echo "$text"
	[[ "$json" =~ \"link_netnsid\":$2[,}] ]] &&
	[[ "$text" == *"link-netns $3 "* ]]
}

no_link_netns_shown() {
	local out
	out=$(ip -n "$1" -j -d link show dev dmvpn0) || return 1
	echo "$out"
	[[ "$out" != *link_netnsid* ]]
}

# entry_shown NS PREFIX NBMA: dmvpnctl in NS lists the entry.
entry_shown() {
	local out
	out=$(nsx "$1" "$DMVPNCTL" cache show dev dmvpn0) || return 1
	echo "$out"
	[[ "$out" == *"$2"*"$3"* ]]
}

# local_in_is NS COUNT: local_in of NS is still COUNT.
local_in_is() {
	local now
	now=$(local_in "$1")
	[ "$now" -eq "$2" ] || {
		echo "local deliveries in $1: $2 -> $now"
		return 1
	}
}

no_dmvpn_in_init_netns() {
	local out
	out=$(ip -o link show type dmvpn) || return 1
	echo "$out"
	[ -z "$out" ]
}

# gre_delivered_locally NS BEFORE: one ping from peer over the tunnel, and
# NS's local delivery count has grown past BEFORE.
gre_delivered_locally() {
	nsx "$peer" ping -n -q -c 1 -W 1 10.255.0.1 >/dev/null 2>&1
	[ "$(local_in "$1")" -gt "$2" ]
}

test_begin
require_root
require_cmd ip nsenter ping tcpdump insmod rmmod nft
require_module

CAPTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-netns.XXXXXX") ||
	bail_out "mktemp failed"
defer rm -rf "$CAPTURE_DIR"

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

setup_ns home under peer
for ns in "$home" "$under" "$peer"; do
	ns_ipv6_off "$ns"
done
check "underlay between under and peer" underlay_up "$under" ||
	bail_out "cannot build the underlay"
check "peer: dmvpn0 (key 5) with an entry for 10.255.0.1" \
	dmvpn_create "$peer" 2 1
tunnel_addr_up "$peer" 2

# --- move from under to home ---------------------------------------------------

check "under: dmvpn0 (key 5) with an entry for 10.255.0.2" \
	dmvpn_create "$under" 1 2 || bail_out "cannot create dmvpn0"
check "under: ip -d link shows no link netns" no_link_netns_shown "$under"
ip -n "$home" netns set "$under" 42
check "ip -n under link set dmvpn0 netns home" \
	ip -n "$under" link set dmvpn0 netns "$home" ||
	bail_out "dmvpn0 does not move"
check "dmvpn0 is gone from under" not link_exists dmvpn0 "$under"
check "dmvpn0 is in home" link_exists dmvpn0 "$home"
check "home: ip -d link shows link netns under (nsid 42)" \
	link_netns_shown "$home" 42 "$under"
check "home: the entry moved with the device" \
	entry_shown "$home" 10.255.0.2 198.51.100.2
check_fail "under: dmvpnctl no longer finds dmvpn0" \
	nsx "$under" "$DMVPNCTL" cache show dev dmvpn0
check "home: tunnel address, up" tunnel_addr_up "$home" 1
check_fail "home itself has no route to 198.51.100.2" \
	ip -n "$home" route get 198.51.100.2

check "home: ip link set dmvpn0 type dmvpn fwmark 0x77" \
	ip -n "$home" link set dmvpn0 type dmvpn fwmark 0x77
check "under: nft output rules counting GRE with mark 0x77, 0x30" \
	ip netns exec "$under" nft -f - <<-'EOF'
	table ip dmvpn_mark {
		chain output {
			type filter hook output priority 0; policy accept;
			ip protocol gre meta mark 0x77 counter
			ip protocol gre meta mark 0x30 counter
		}
	}
	EOF
check "capture on under's veth0" capture_start "$under" veth0
take_snap before "$home"
check "home: 4 pings over the tunnel to 10.255.0.2" ping_all "$home" 10.255.0.2 4
take_snap after "$home"
capture_stop
# marked_count MARK: what the rule above for MARK (0x77 or 0x30) counted.
marked_count() {
	ip netns exec "$under" nft list table ip dmvpn_mark |
		sed -n "s/.*mark 0x0*${1#0x} counter packets \([0-9]*\) .*/\1/p"
}
check "under: the 4 GRE packets out carry mark 0x77" \
	test "$(marked_count 0x77)" = 4
check "under: 4 GRE packets out of 198.51.100.1" \
	captured_is 4 "ip proto 47 and src 198.51.100.1 and dst 198.51.100.2"
check "under: 4 GRE packets into 198.51.100.1" \
	captured_is 4 "ip proto 47 and src 198.51.100.2 and dst 198.51.100.1"
check "under: no other IP packet" captured_is 8 ip
check "home sysfs: tx_shortcut +4" \
	delta_is 4 before after dmvpn0 dmvpn tx_shortcut
check "home sysfs: rx_packets +4" \
	delta_is 4 before after dmvpn0 dmvpn rx_packets

check "home: the entry replaced, with QoS mark 0x30" \
	nsx "$home" "$DMVPNCTL" cache replace 10.255.0.2 nbma 198.51.100.2 \
	dev dmvpn0 type static mark 0x30
check "home: 4 more pings over the tunnel" ping_all "$home" 10.255.0.2 4
check "under: those 4 GRE packets carry the entry's mark 0x30" \
	test "$(marked_count 0x30)" = 4
check "under: ... and not the device's 0x77" test "$(marked_count 0x77)" = 4

check "ip netns del under (the underlay's netns)" ip netns del "$under"
check "deleting under removed dmvpn0 from home" \
	wait_until 20 not link_exists dmvpn0 "$home"

# --- delete home, the device's own netns, while its underlay lives ----------

setup_ns under2
ns_ipv6_off "$under2"
check "underlay between under2 and peer" underlay_up "$under2" ||
	bail_out "cannot build the underlay again"
check "under2: dmvpn0 created" dmvpn_create "$under2" 1 2
check "under2: dmvpn0 moved to home" ip -n "$under2" link set dmvpn0 netns "$home"
check "home: tunnel address, up" tunnel_addr_up "$home" 1
check "home: ping over the tunnel via under2" ping_all "$home" 10.255.0.2 2
delivered=$(local_in "$under2")
check "peer: 4 pings to home over the tunnel" ping_all "$peer" 10.255.0.1 4
check "under2: the peer's GRE was taken before local delivery" \
	local_in_is "$under2" "$delivered"

check "ip netns del home (the device's netns)" ip netns del "$home"
check "GRE to under2 is no longer taken (local delivery counts it)" \
	wait_until 20 gre_delivered_locally "$under2" "$delivered"
check "no dmvpn device in the initial netns" no_dmvpn_in_init_netns

check "rmmod dmvpn" module_unload
check "module is gone" not module_is_loaded

test_end

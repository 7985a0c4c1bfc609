#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_first_packets.sh: a new shortcut loses no packet while the spoke
# resolves the new peer's underlay address.
#
# Until the peer's NBMA address (or the underlay gateway to it) answers
# ARP, the stack keeps what is sent there in the neighbour's queue
# (unres_qlen_bytes, about 200 kB) and drops the oldest packets when it
# overflows; a TCP stream's GSO packets (up to 64 kB each) fill it in a few
# packets, and the pings among them are lost.  dmvpn sends a shortcut's
# packets through the NHS until the peer's next hop has answered.
#
# Topology: selftests/lab.sh with the registration entries; on s1's wan0,
# ARP is held back 300 ms (tc: prio, matchall on ARP, netem), as a peer that
# answers late would:
#
#   lan1 --- s1 ===== shortcut 10.2.0.0/24, added under traffic ===== s2 --- lan2
#            ||  (ARP from s1's wan0 delayed 300 ms)                //
#             ===================== hub (NHS) =====================
#
# Steps: lan1 reaches lan2 through the hub; s1 has no neighbour entry for
# s2's 192.0.2.3.  While iperf3 streams from lan1 to lan2 and lan1 pings
# lan2 every 10 ms, s1 gets the shortcut 10.2.0.0/24 to 192.0.2.3.
#
# Checks:
#   - no ping lost or duplicated: ping's summary, or lan1's ICMP counters
#     where ping stopped waiting for a late reply (the lost icmp_seq values
#     are listed if some are)
#   - no unresolved discards in /proc/net/stat/arp_cache (one table for
#     the whole host: nothing else runs meanwhile)
#   - the TCP stream completed
#   - afterwards s1 sends to s2 directly: 5 pings, tx_shortcut +5, tx_nhs +0
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, tc (netem, matchall), ping,
# iperf3, ss, nsenter, python3.

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"
trap cleanup EXIT
set -u

PINGS=300
ARP_DELAY=300ms

# arp_delay_up: s1's ARP leaves wan0 late, everything else at once.
arp_delay_up() {
	tc -n "$s1" qdisc add dev wan0 root handle 1: prio bands 4 \
		priomap 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 &&
	tc -n "$s1" qdisc add dev wan0 parent 1:4 handle 40: netem \
		delay "$ARP_DELAY" &&
	tc -n "$s1" filter add dev wan0 parent 1: protocol arp prio 1 \
		matchall classid 1:4
}

# no_neighbour NS ADDR: NS has no neighbour entry for ADDR.
no_neighbour() {
	local entry
	entry=$(ip -n "$1" neigh show "$2") || return 1
	echo "$entry"
	[ -z "$entry" ]
}

# unresolved_discards: the sum over CPUs of that column of arp_cache.
unresolved_discards() {
	local header line col=0 i sum=0
	local -a fields
	{
		read -r header
		read -ra fields <<<"$header"
		for i in "${!fields[@]}"; do
			[ "${fields[i]}" = unresolved_discards ] && col=$((i + 1))
		done
		[ "$col" -gt 0 ] || return 1
		while read -r line; do
			read -ra fields <<<"$line"
			sum=$((sum + 16#${fields[col - 1]}))
		done
	} </proc/net/stat/arp_cache
	echo "$sum"
}

iperf3_listening() {
	nsx "$lan2" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# replies: how many echo replies ping has printed so far.
replies() {
	grep -c 'icmp_seq=' "$DIR/ping"
}

# replied_to N: ping has printed at least N replies.
replied_to() {
	[ "$(replies)" -ge "$1" ]
}

# all_answered: every echo answered once (pings_answered; REPLIES_BEFORE:
# lan1's IPv4 echo replies, read before the pings); else the icmp_seq
# values that got no reply.
all_answered() {
	pings_answered "$DIR/ping" "$PINGS" "$lan1" 4 "$REPLIES_BEFORE" &&
		return 0
	echo "no reply to icmp_seq: $(unanswered "$DIR/ping" "$PINGS")"
	return 1
}

no_new_discards() {
	local now
	now=$(unresolved_discards) || return 1
	echo "unresolved_discards: $DISCARDS_BEFORE -> $now"
	[ "$now" -eq "$DISCARDS_BEFORE" ]
}

test_begin
require_root
require_cmd ip tc ping iperf3 ss nsenter python3
require_module

DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-first.XXXXXX") || bail_out "mktemp failed"
defer rm -rf "$DIR"

check "insmod" module_load || bail_out "the module does not load"
check "lab up" lab_up || bail_out "no lab"
check "registration entries" lab_hub_and_spoke_entries || bail_out "no entries"
check "s1's ARP leaves $ARP_DELAY late" arp_delay_up || bail_out "no tc"
check "lan1 reaches lan2 through the hub" \
	nsx "$lan1" ping -n -c 2 -W 5 10.2.0.10 || bail_out "no path"
check "s1 has no neighbour entry for s2 (192.0.2.3)" \
	no_neighbour "$s1" 192.0.2.3 || bail_out "s1 knows s2 already"

nsx "$lan2" iperf3 -s -1 -B 10.2.0.10 >"$DIR/iperf3-server.log" 2>&1 &
defer kill "$!"
check "iperf3 server on lan2" wait_until 60 iperf3_listening

nsx "$lan1" iperf3 -c 10.2.0.10 -t 6 -J >"$DIR/iperf3.json" 2>&1 &
stream=$!
REPLIES_BEFORE=$(echo_replies "$lan1" 4)
nsx "$lan1" ping -n -c "$PINGS" -i 0.01 -W 5 10.2.0.10 >"$DIR/ping" 2>&1 &
pinger=$!
check "pings and the TCP stream under way" wait_until 60 replied_to 20
DISCARDS_BEFORE=$(unresolved_discards)
check "s1: shortcut 10.2.0.0/24 to 192.0.2.3" \
	lab_ctl s1 cache add 10.2.0.0/24 nbma "$LAB_S2_NBMA" dev dmvpn0 \
	type shortcut
wait "$pinger"
wait "$stream"

check "$PINGS pings lan1 -> lan2, none lost" all_answered
check "no unresolved ARP discards" no_new_discards
check "the TCP stream completed" iperf3_completed "$DIR/iperf3.json"

take_snap before "$s1"
check "lan1 pings lan2 5 times" nsx "$lan1" ping -n -c 5 -i 0.2 -W 5 10.2.0.10
take_snap after "$s1"
check "... straight to s2: tx_shortcut +5" \
	delta_is 5 before after dmvpn0 dmvpn tx_shortcut
check "... not through the hub: tx_nhs +0" \
	delta_is 0 before after dmvpn0 dmvpn tx_nhs

test_end

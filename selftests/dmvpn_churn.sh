#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_churn.sh: s1's cache and device change under traffic.  The fast
# path reads the cache, the peers' cached routes and the device's
# parameters under RCU while netlink replaces them: no packet may be lost
# and nothing may crash or leak.
#
# Topology: selftests/lab.sh with the registration entries, and s3, s1's
# second multicast peer.
#
#   lan1 --- s1 ======= shortcut 10.2.0.0/24, when there is one ====== s2 --- lan2
#            ||\\                                                    //
#            || ====== hub (NHS 10.255.0.1: misses, multicast) ======
#            ||
#             ===== s3 (192.0.2.4)
#
# s1's multicast peers: the hub (its NHS entry, churned) and s3 (a static
# entry 10.254.0.4 with multicast, left alone; a prefix no route uses, so
# that it carries multicast only).  No entry but the churned ones names
# s2's underlay address, so s2's peer and its cached route are freed
# whenever the last of them goes, under traffic.
#
# While, from lan1, IPv4 pings every 5 ms and IPv6 pings every 10 ms go to
# lan2, a TCP stream (GSO packets) runs to lan2, and s1 sends multicast
# UDP on dmvpn0 every 2 ms, two writers work on s1 until the pings end:
#   - one netlink socket (dmvpn_genl.py batch) cycles through: the /24
#     shortcut to s2 added, a /28 inside it to the hub (a new prefix length
#     in the lookup), the /24 moved to the hub (s2's peer and its cached
#     route freed under traffic), an IPv6 shortcut fd02::/64 to s2, the NHS
#     entry replaced without and with multicast (the hub leaves s1's
#     multicast peers and comes back; s3 stays), the /24 back to s2, then
#     every shortcut deleted (misses go to the NHS);
#   - "ip link set dmvpn0 type dmvpn" switches ttl, tos and fwmark between
#     fixed and inherit/0.  The fwmark change is the one that resets the
#     peers' cached routes (dmvpn_cache_peers_reset_routes: local, link or
#     fwmark changed), under traffic; ttl and tos do not.
#
# Checks:
#   - every churn request was accepted, and at least MIN_CYCLES cycles ran
#   - no IPv4 or IPv6 ping was lost or duplicated on the way: every echo
#     reply reached lan1, once (ping's own count, or lan1's ICMP counters
#     where ping stopped waiting for a late reply), and the TCP stream
#     completed
#   - s2 received GRE from s1's NBMA address carrying packets for lan2 (the
#     shortcut, counted on s2's wan0), and s1 counted sends through the
#     NHS; s1 sent GRE with the fwmark set (counted on s1's wan0), so the
#     route resets ran while packets flowed
#   - s3, the multicast peer no request touches, received every multicast
#     datagram s1 sent: no replication skipped it
#   - the cache is left with the registration entries only, and counts 2
#   - the devices go, the module unloads, the kernel log stays clean
#
# selftests/run-all runs it twice per kernel: with the other tests on one
# vCPU, where writers and readers interleave by preemption and softirqs,
# and in a VM of two, where they are on two CPUs (one qemu thread runs
# both in turn: see selftests/vm/run, VM_TCG_THREAD).
# selftests: also on 2 vCPUs

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"
trap cleanup EXIT
set -u

GENL="$DMVPN_SELFTESTS/dmvpn_genl.py"
PINGS4=2000
PINGS6=1000
MIN_CYCLES=10
TYPE_NHS=3
TYPE_SHORTCUT=4
FLAG_MULTICAST=1

# churn_cycle: one cycle of requests for dmvpn_genl.py batch.  It ends
# where it began: no shortcut, the NHS entry with multicast.
churn_cycle() {
	local s2=nbma=$LAB_S2_NBMA hub=nbma=$LAB_HUB_NBMA
	local shortcut=type=$TYPE_SHORTCUT nhs=type=$TYPE_NHS
	cat <<EOF
add dmvpn0 10.2.0.0/24 $s2 $shortcut
add dmvpn0 10.2.0.0/28 $hub $shortcut
add dmvpn0 10.2.0.0/24 $hub $shortcut replace
add dmvpn0 fd02::/64 $s2 $shortcut
add dmvpn0 10.255.0.1 $hub $nhs flags=0 replace
add dmvpn0 10.2.0.0/24 $s2 $shortcut replace
add dmvpn0 10.255.0.1 $hub $nhs flags=$FLAG_MULTICAST replace
del dmvpn0 10.2.0.0/28
del dmvpn0 fd02::/64
del dmvpn0 10.2.0.0/24
EOF
}

# netlink_churn: cycles until $DIR/stop exists.
netlink_churn() {
	while [ ! -e "$DIR/stop" ]; do
		churn_cycle
	done | nsx "$s1" python3 "$GENL" batch >"$DIR/churn.log" 2>&1
}

# link_churn: device parameters until $DIR/stop exists; counts the changes.
link_churn() {
	local n=0
	while [ ! -e "$DIR/stop" ]; do
		if ! ip -n "$s1" link set dmvpn0 type dmvpn ttl 64 tos 0x10 \
			fwmark 1 ||
		   ! ip -n "$s1" link set dmvpn0 type dmvpn ttl inherit \
			tos inherit fwmark 0; then
			break
		fi
		n=$((n + 2))
	done
	echo "$n" >"$DIR/link-changes"
}

# multicast_sender SECONDS: UDP to 224.0.0.251 out of s1's dmvpn0; writes
# the number of datagrams sent to $DIR/mcast-sent.
multicast_sender() {
	nsx "$s1" python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
             socket.inet_aton("10.255.0.2"))
end = time.monotonic() + float(sys.argv[1])
n = 0
while time.monotonic() < end:
    s.sendto(b"dmvpn churn", ("224.0.0.251", 9))
    n += 1
    time.sleep(0.002)
open(sys.argv[2], "w").write(f"{n}\n")
' "$1" "$DIR/mcast-sent"
}

# multicast_receiver NODE ADDR: counts the datagrams to 224.0.0.251:9 on
# NODE's dmvpn0 (address ADDR) into $DIR/mcast-NODE once $DIR/stop
# exists and nothing came for a second; $DIR/mcast-NODE.ready, with the
# socket's receive buffer in bytes, once bound.  The buffer is forced to
# 4 MB (SO_RCVBUFFORCE, as root): SO_RCVBUF is capped by net.core.rmem_max,
# 208 kB in the VM, which holds a second or two of the datagrams: a
# receiver that falls that far behind on a busy vCPU drops the rest (one
# run in 116 lost 73 of 847 at s3, on 6.1 with one vCPU).
multicast_receiver() {
	nsx "$(lab_ns "$1")" python3 -c '
import os, socket, sys
out, addr, stop = sys.argv[1], sys.argv[2], sys.argv[3]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 1 << 22)  # SO_RCVBUFFORCE (asm-generic/socket.h)
s.bind(("224.0.0.251", 9))
s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
             socket.inet_aton("224.0.0.251") + socket.inet_aton(addr))
s.settimeout(1)
rcvbuf = s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF)
open(out + ".ready", "w").write(f"{rcvbuf}\n")
n = 0
while True:
    try:
        if s.recv(64) == b"dmvpn churn":
            n += 1
    except socket.timeout:
        if os.path.exists(stop):
            break
open(out, "w").write(f"{n}\n")
' "$DIR/mcast-$1" "$2" "$DIR/stop"
}

# all_multicast_received NODE NBMA: NODE (at NBMA) received every datagram
# s1 sent; if not, what moved on the way: s1's dmvpn counters and its
# neighbour entry for NBMA, NODE's devices and UDP counters.
all_multicast_received() {
	local sent got
	sent=$(cat "$DIR/mcast-sent") && got=$(cat "$DIR/mcast-$1") || return 1
	echo "$1: $got of $sent multicast datagrams"
	[ "$sent" -gt 0 ] && [ "$got" -eq "$sent" ] && return
	echo "$1's receive buffer: $(cat "$DIR/mcast-$1.ready") bytes"
	echo "s1: $(snap_changes before-s1 after-s1 '*/dmvpn0/dmvpn/*' | tr '\n' ' ')"
	echo "s1's neighbour $2: $(ip -n "$s1" -s neigh show "$2")"
	echo "$1: $(snap_changes "before-$1" "after-$1" \
		'@(*/@(dmvpn0|wan0)/*|/proc/net/snmp/*)' | tr '\n' ' ')"
}

# tc_counter NODE DIR: packets matched by the filter on NODE's wan0 (DIR
# is ingress or egress), from its gact action's statistics.
tc_counter() {
	ip netns exec "$(lab_ns "$1")" tc -s filter show dev wan0 "$2" |
		awk '$1 == "Sent" { print $4; exit }'
}

# wire_counters: s2 counts GRE from s1's NBMA address carrying IPv4 for
# lan2's 10.2.0.10 (outer header 20 bytes, GRE 4: no key, no checksum),
# which only s1's shortcut sends; s1 counts the GRE it sends with fwmark 1.
wire_counters() {
	local s2_ns s1_ns
	s2_ns=$(lab_ns s2)
	s1_ns=$(lab_ns s1)
	tc -n "$s2_ns" qdisc add dev wan0 clsact &&
	tc -n "$s2_ns" filter add dev wan0 ingress protocol ip pref 1 u32 \
		match ip src "$LAB_S1_NBMA/32" match ip protocol 47 0xff \
		match u32 0x0a02000a 0xffffffff at 40 action gact pass &&
	tc -n "$s1_ns" qdisc add dev wan0 clsact &&
	tc -n "$s1_ns" filter add dev wan0 egress protocol ip pref 1 u32 \
		match mark 0x1 0xffffffff match ip protocol 47 0xff \
		action gact pass &&
	[ "$(tc_counter s2 ingress)" = 0 ] && [ "$(tc_counter s1 egress)" = 0 ]
}

# wire_counter_grew NODE DIR: the filter of wire_counters on NODE matched.
wire_counter_grew() {
	local n
	n=$(tc_counter "$1" "$2")
	echo "$1 wan0 $2: ${n:-no counter} packets"
	[ -n "$n" ] && [ "$n" -gt 0 ]
}

# multicast_peer_up: s3 on the underlay, and s1's static multicast entry
# for it (s1's multicast list: hub, s3).  s1 resolves s3's underlay
# address first: a datagram queued behind an unresolved neighbour, among
# the stream's GSO packets, may be dropped by the neighbour queue, which is
# not what this test is about.
multicast_peer_up() {
	lab_node_up s3 4 &&
	nsx "$s1" ping -n -c 1 -W 2 192.0.2.4 &&
	lab_ctl s1 cache add 10.254.0.4 nbma 192.0.2.4 dev dmvpn0 \
		type static multicast
}

# timestamps_on: receive time stamps stay wanted for the rest of the test,
# so the pings' SO_TIMESTAMP never flips netstamp_needed_key.  Flipping a
# static key patches kernel text, and on two vCPUs TCG can then run a stale
# int3 while the other vCPU forwards traffic: an oops no real CPU shows
# (see selftests/vm/run).
timestamps_on() {
	python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 29, 1)  # SO_TIMESTAMP (asm-generic/socket.h)
open(sys.argv[1], "w").close()
time.sleep(3600)
' "$DIR/timestamps-on" &
	defer kill "$!"
	wait_until 20 test -e "$DIR/timestamps-on"
}

iperf3_listening() {
	nsx "$lan2" ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# all_answered LOG COUNT INTERVAL FAMILY BEFORE: every echo answered once
# (pings_answered; BEFORE: lan1's echo replies of FAMILY, read before the
# pings); if not, which sequence numbers had no answer and which counters
# of the path's devices (drops, errors, the dmvpn devices' own) moved
# meanwhile.
all_answered() {
	pings_answered "$1" "$2" "$lan1" "$4" "$5" && return
	echo "unanswered icmp_seq (ping every ${3}ms): $(unanswered "$1" "$2")"
	where_lost
	return 1
}

# snap_path NAME: counters of every node on the pings' path, as
# SNAPS[NAME-NODE], and the backlog drops of each CPU.
snap_path() {
	local node
	for node in lan1 s1 hub s2 lan2 s3; do
		take_snap "$1-$node" "$(lab_ns "$node")"
	done
	SNAPS[$1-softnet]=$(softnet_drops)
}

# softnet_drops: per CPU, packets dropped for a full backlog queue.
softnet_drops() {
	local cpu=0 dropped
	while read -r _ dropped _; do
		echo "cpu$cpu/dropped=$((16#$dropped))"
		cpu=$((cpu + 1))
	done </proc/net/softnet_stat
}

where_lost() {
	local node
	for node in lan1 s1 hub s2 lan2; do
		echo "$node: $(snap_changes "before-$node" "after-$node" \
			'*@(drop|err|fail|miss|no_|collis|over)*' | tr '\n' ' ')"
	done
	echo "backlog drops: $(snap_changes before-softnet after-softnet '*' |
		tr '\n' ' ')"
}

# churn_accepted: every request answered "ok"; at least MIN_CYCLES cycles.
churn_accepted() {
	local requests refused per_cycle
	per_cycle=$(churn_cycle | wc -l)
	requests=$(wc -l <"$DIR/churn.log")
	refused=$(grep -cv '^ok$' "$DIR/churn.log")
	echo "$requests requests ($((requests / per_cycle)) cycles), $refused refused"
	grep -v '^ok$' "$DIR/churn.log" | head -n 5
	[ "$refused" -eq 0 ] && [ "$((requests / per_cycle))" -ge "$MIN_CYCLES" ]
}

# grew COUNTER: s1's dmvpn counter grew between the snapshots.
grew() {
	local before after
	before=$(snap_value "${SNAPS[before]}" dmvpn0 dmvpn "$1") &&
	after=$(snap_value "${SNAPS[after]}" dmvpn0 dmvpn "$1") || return 1
	echo "$1: $before -> $after"
	[ "$after" -gt "$before" ]
}

# only_registration_entries: the dump and the counter agree on 2 entries.
only_registration_entries() {
	local dump count
	dump=$(nsx "$s1" python3 "$GENL" dump dmvpn0) || return 1
	count=$(lab_counter s1 entries) || return 1
	echo "dump: $dump; sysfs entries $count"
	lab_ctl s1 cache show dev dmvpn0
	[[ "$dump" == "entries 2 "* ]] && [ "$count" -eq 2 ]
}

devices_deleted() {
	local node
	for node in hub s1 s2 s3; do
		ip -n "$(lab_ns "$node")" link del dmvpn0 || return 1
	done
}

test_begin
require_root
require_cmd ip ping nsenter python3 iperf3 ss tc
require_module

DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-churn.XXXXXX") || bail_out "mktemp failed"
defer rm -rf "$DIR"

check "receive time stamps on for the whole test" timestamps_on ||
	bail_out "cannot hold time stamps on"
check "insmod" module_load || bail_out "the module does not load"
check "lab up" lab_up || bail_out "no lab"
check "registration entries" lab_hub_and_spoke_entries || bail_out "no entries"
setup_ns s3
check "s3 up; s1's multicast peers: hub, s3" multicast_peer_up ||
	bail_out "no multicast peer"
check "counters on the underlay: s2's wan0 in, s1's wan0 out" wire_counters ||
	bail_out "no tc counters"
check "lan1 reaches lan2 through the hub" \
	nsx "$lan1" ping -n -c 2 -W 2 10.2.0.10 || bail_out "no path"

nsx "$lan2" iperf3 -s -1 -B 10.2.0.10 >"$DIR/iperf3-server.log" 2>&1 &
defer kill "$!"
check "iperf3 server on lan2" wait_until 20 iperf3_listening

multicast_receiver s3 10.255.0.4 &
receiver=$!
# The receiver says when it is bound; the bound is for one that never
# starts.  python3 took over 20 s to start on 6.1 under a host load of 15.
check "multicast receiver on s3" wait_until 180 test -s "$DIR/mcast-s3.ready"
diag "the receiver's buffer: $(cat "$DIR/mcast-s3.ready") bytes"
take_snap before "$s1"
snap_path before
replies4=$(echo_replies "$lan1" 4)
replies6=$(echo_replies "$lan1" 6)
nsx "$lan1" ping -n -c "$PINGS4" -i 0.005 -W 5 10.2.0.10 >"$DIR/ping4" 2>&1 &
ping4=$!
nsx "$lan1" ping -6 -n -c "$PINGS6" -i 0.01 -W 5 fd02::10 >"$DIR/ping6" 2>&1 &
ping6=$!
nsx "$lan1" iperf3 -c 10.2.0.10 -t 8 -J >"$DIR/iperf3.json" 2>&1 &
stream=$!
multicast_sender 8 &
sender=$!
netlink_churn &
churner=$!
link_churn &
linker=$!
defer touch "$DIR/stop"

wait "$ping4"
wait "$ping6"
touch "$DIR/stop"
wait "$churner" "$linker" "$stream" "$sender" "$receiver"
take_snap after "$s1"
snap_path after
diag "churn: $(wc -l <"$DIR/churn.log") netlink requests, $(cat "$DIR/link-changes") device changes"
diag "ping: $(grep -A1 'packets transmitted' "$DIR/ping4" | tr '\n' ' ')"
diag "ping -6: $(grep -A1 'packets transmitted' "$DIR/ping6" | tr '\n' ' ')"

check "the cache churned: every request accepted" churn_accepted
check "the device's ttl, tos and fwmark changed meanwhile" \
	test "$(cat "$DIR/link-changes")" -gt 0
check "$PINGS4 IPv4 pings lan1 -> lan2, none lost" \
	all_answered "$DIR/ping4" "$PINGS4" 5 4 "$replies4"
check "$PINGS6 IPv6 pings lan1 -> lan2, none lost" \
	all_answered "$DIR/ping6" "$PINGS6" 10 6 "$replies6"
check "the TCP stream completed" iperf3_completed "$DIR/iperf3.json"
check "s1 sent over the shortcut: s2 received lan2's packets from s1" \
	wire_counter_grew s2 ingress
check "s1 sent through the NHS" grew tx_nhs
check "s1 sent GRE with fwmark 1: its cached routes reset under traffic" \
	wire_counter_grew s1 egress
check "s1 copied multicast" grew mcast_copies
check "s3 received every multicast datagram" all_multicast_received s3 192.0.2.4
check "s1's multicast entry for s3 deleted" \
	lab_ctl s1 cache del 10.254.0.4 dev dmvpn0
check "s1's cache: the registration entries only" only_registration_entries
check "lan1 still reaches lan2" nsx "$lan1" ping -n -c 2 -W 2 10.2.0.10
check "the dmvpn devices are deleted" devices_deleted
check "rmmod" wait_until 10 rmmod "$DMVPN_MODULE_NAME"

test_end

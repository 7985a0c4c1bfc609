#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_dataplane.sh: the data plane of a DMVPN as a network engineer sees
# it: hub and spoke, spoke to spoke through the hub, shortcuts taking over
# without loss, prefix shortcuts and longest-prefix match, expiry, negative
# entries, no NHS, multicast replication, GSO, and unloading under load.
#
# Topology: the shared lab of selftests/lab.sh (hub, spokes s1 and s2 on the
# "wan" bridge, lan1 behind s1, lan2 behind s2), without link options, with
# the caches as registration leaves them (lab_hub_and_spoke_entries).  The
# hub sends no ICMP redirects (as "no ip redirects" on a Cisco hub), so
# that every packet on the tunnel is one the test sent.
#
# The NHRP cache is driven by hand with dmvpnctl (no agent runs, so misses
# raise no events and nothing resolves on its own).  Counters are read with
# "dmvpnctl -j stats" and named as in /sys/class/net/dmvpn0/dmvpn/.  "N"
# below is the number of echo requests of a burst; every check compares
# exact deltas.
#
# Checks, in order:
#  1. hub and spoke: s1 pings the hub's tunnel addresses (IPv4 and IPv6),
#     all answered; s1's tx_shortcut grows by N (the NHS entry is a cache
#     hit), misses by 0; the hub answers through its entry for s1.
#  2. spoke to spoke before resolution: lan1 pings lan2 (IPv4, IPv6), all
#     answered; on s1 misses and tx_nhs grow by N (each echo request misses),
#     on s2 the same for the replies; the hub decapsulates 2N and sends 2N
#     (rx_packets, tx_shortcut); tcpdump on the hub's wan0 sees 4N GRE
#     packets, N on each leg with the right outer and inner addresses
#     (which also shows that the capture of step 3 can see them).
#  3. shortcut takeover: during a steady ping (-i 0.1 -c 40) lan1 -> lan2,
#     s1 gets a shortcut to s2 and s2 one to s1; no echo request is lost,
#     and s1's misses plus the shortcut's tx_packets add up to 40 with both
#     non-zero (the switch happened mid-stream).  A second burst: all
#     answered, zero GRE packets at the hub's wan0, the hub sends nothing,
#     the shortcut entries of s1 and s2 carry exactly N each.  The same
#     for IPv6 with shortcuts for fd00::3 and fd00::2.  Steps 2 and 3 also
#     send full-size (tunnel MTU, DF) and fragmented (3000-byte) pings.
#  4. prefix shortcut (Phase 3): 10.2.0.0/24 -> s2 on s1 carries traffic
#     to 10.2.0.10; a more specific 10.2.0.10/32 -> hub wins for that host
#     (its tx_packets grows, the /24's does not, the hub relays N) while
#     another host of the /24 (10.2.0.1) still uses the /24.  IPv6: a
#     fd02::/64 shortcut carries traffic to fd02::10, not the entry of the
#     route's next hop (fd00::3).
#  5. expiry: during a steady ping lan1 -> lan2 (-i 0.2 -c 50) a shortcut
#     with holdtime 3 is added, carries the traffic and is gone between 2
#     and 8 s after it was added (the kernel's timer runs once a second;
#     polling under TCG adds the rest); the ping, still running then, loses
#     nothing; afterwards traffic goes via the hub again (tx_nhs and
#     misses grow by N).
#  6. negative entry 10.2.0.0/24 (holdtime 10) on s1: traffic goes via the
#     hub (tx_nhs +N) without counting misses (+0).
#  7. no NHS: s1's cache emptied; lan1's pings to lan2 (IPv4 and IPv6) each
#     get an ICMP unreachable from s1 (ping fails, prints one "Destination
#     Host Unreachable" / "Address unreachable" a request) and tx_no_route
#     grows by N; with the NHS back, pings work again.
#  8. multicast: N UDP datagrams from the hub to 224.0.0.251 on dmvpn0 reach
#     both spokes (rx_packets +N each; mcast_copies +2N on the hub) and an
#     application on s1 that joined the group gets them; with
#     the multicast flag gone from s2's entry only s1 gets them (hub
#     mcast_copies +N); the hub's pings to the broadcast 10.255.0.255 reach
#     both spokes the same way; a spoke's multicast goes to the NHS only
#     (the hub gets N, the other spoke 0); ping -6 ff02::1%dmvpn0 from the
#     hub is answered by the link-local address of each spoke, and the
#     answers go back through the NHS.
#  9. GSO: iperf3 TCP (-t 3) lan1 -> lan2 over the shortcut completes with
#     non-zero throughput, nothing crosses the hub, and the shortcut's
#     average packet is longer than the tunnel MTU (GSO super-packets were
#     encapsulated whole).
# 10. unloading under load: with ping floods (IPv4 over the shortcut, IPv6
#     via the hub) and iperf3 running from lan1 to lan2, deleting s2's
#     namespace (its dmvpn0 goes while GRE pours in), then rmmod (hub's and
#     s1's dmvpn0 still up and sending) succeed, rmmod takes the devices
#     with it, and the rest of the lab's namespaces are deleted.
#  -  nothing suspicious in the kernel log (test_end).
#
# Needs: root, iproute2 with the dmvpn plugin, dmvpnctl, ping (iputils),
# tcpdump, iperf3, python3, ss, socat; the module built for the running
# kernel.  About a minute under qemu TCG on an idle host (most of it the
# pings' own intervals); a busy host stretches that several times.

# About 3 minutes under TCG: run-all starts it before the short tests.
# selftests: long

# $hub, $s1, $s2, $lan1, $lan2 and $wan are assigned by lab_up (setup_ns).
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"

set -u

TMP_DIR=

# Background processes (captures, pings, iperf3, socat) still running at
# exit are this shell's jobs: only those are killed, by their pids.
cleanup() {
	local running
	running=$(jobs -pr)
	# shellcheck disable=SC2086 # one pid a word
	[ -z "$running" ] || stop_jobs $running
	[ -z "$TMP_DIR" ] || rm -rf "$TMP_DIR"
	dmvpn_cleanup
}
trap cleanup EXIT

test_begin
require_root
require_cmd ip nsenter ping tcpdump iperf3 python3 ss socat timeout
[ -x "$DMVPNCTL" ] || skip_all "$DMVPNCTL not built"
require_module
TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-dataplane.XXXXXX") ||
	bail_out "mktemp failed"

# ---------------------------------------------------------------------------
# Helpers

# in_ns NODE CMD...: CMD in the network namespace of NODE (hub, s1, s2,
# lan1, lan2).  nsenter, not "ip netns exec": that one also remounts /sys,
# which makes it several times slower under TCG, and this test starts
# hundreds of commands.  Nothing here reads /sys.
in_ns() {
	local ns=${!1}
	shift
	nsenter --net="/run/netns/$ns" "$@"
}

# bg_in_ns NODE CMD...: CMD in the background in the node's namespace.
# Its pid, in $!, is CMD's own (nsenter execs CMD), so that signals reach
# it.  Redirections given to bg_in_ns apply to CMD.
bg_in_ns() {
	local ns=${!1}
	shift
	nsenter --net="/run/netns/$ns" "$@" &
}

# job_running PID: PID is a background job of this shell, still running.
job_running() {
	local running
	running=" $(jobs -pr | tr '\n' ' ')"
	[[ $running == *" $1 "* ]]
}

# stop_jobs PID...: SIGTERM to those of these background jobs that still
# run, then reap them all.
stop_jobs() {
	local pid
	for pid in "$@"; do
		job_running "$pid" && kill "$pid" 2>/dev/null
	done
	for pid in "$@"; do
		wait "$pid" 2>/dev/null
	done
	return 0
}

# ctl NODE ARGS...: dmvpnctl on the node (its -n: no nsenter).
ctl() {
	local node=$1
	shift
	"$DMVPNCTL" -n "${!node}" "$@"
}

# Counters of the three tunnel nodes, saved by ctr_mark.
declare -A CTR_BASE=()

# ctr_read NODE: all counters of the node's dmvpn0, from one "dmvpnctl -j
# stats" (the same counters as in sysfs), into the associative array CTR
# (NAME -> value).  Through a file and no subshell: under TCG each fork of
# this shell costs the host 40 ms, and the checks read counters 200 times.
declare -A CTR=()
ctr_read() {
	local out re='"([a-z0-9_]+)":([0-9]+)(.*)'
	CTR=()
	ctl "$1" -j stats dev dmvpn0 >"$TMP_DIR/stats" || return 1
	read -r -d '' out <"$TMP_DIR/stats"
	while [[ $out =~ $re ]]; do
		CTR[${BASH_REMATCH[1]}]=${BASH_REMATCH[2]}
		out=${BASH_REMATCH[3]}
	done
}

# counter NODE NAME: one counter of the node's dmvpn0.
counter() {
	ctr_read "$1" || return 1
	if [ -z "${CTR[$2]:-}" ]; then
		echo "no counter $2 on $1" >&2
		return 1
	fi
	echo "${CTR[$2]}"
}

# ctr_mark: remember every counter of hub, s1 and s2.
ctr_mark() {
	local node name
	CTR_BASE=()
	for node in hub s1 s2; do
		ctr_read "$node"
		for name in "${!CTR[@]}"; do
			CTR_BASE[$node:$name]=${CTR[$name]}
		done
	done
}

# deltas NODE NAME=DELTA...: each counter grew by exactly DELTA since
# ctr_mark.  Prints every counter it compared.
deltas() {
	local node=$1 name want got spec base status=0
	shift
	ctr_read "$node"
	for spec in "$@"; do
		name=${spec%%=*}
		want=${spec#*=}
		if [ -z "${CTR[$name]:-}" ] || [ -z "${CTR_BASE[$node:$name]:-}" ]; then
			echo "$node: no counter $name"
			status=1
			continue
		fi
		base=${CTR_BASE[$node:$name]}
		got=$((${CTR[$name]} - base))
		echo "$node $name: +$got (want +$want)"
		[ "$got" -eq "$want" ] || status=1
	done
	return "$status"
}

# deltas_all NAME=DELTA...: deltas for s1 and s2 alike.
deltas_all() {
	deltas s1 "$@" && deltas s2 "$@"
}

# The counters that only traffic of the tunnel moves, for settle.
rx_sum() {
	local node name sum=
	for node in hub s1 s2; do
		ctr_read "$node"
		for name in rx_packets mcast_copies; do
			sum+="${CTR[$name]:-}+"
		done
	done
	echo "$sum"
}

tunnel_quiet_for_1s() {
	local before
	before=$(rx_sum)
	nap 1
	[ "$(rx_sum)" = "$before" ]
}

# settle: wait until the IPv6 stack has sent its MLD reports after the
# devices came up (multicast over the tunnel that would spoil exact
# counts): no packet on any tunnel for a second.
settle() {
	wait_until 20 tunnel_quiet_for_1s || diag "the tunnel never went quiet"
}

# entry_field NODE PREFIX FIELD: a numeric field of the entry's JSON.
entry_field() {
	local out
	ctl "$1" -j cache get "$2" dev dmvpn0 >"$TMP_DIR/entry" || return 1
	read -r -d '' out <"$TMP_DIR/entry"
	[[ $out =~ \"$3\":([0-9]+) ]] || {
		echo "no $3 in: $out" >&2
		return 1
	}
	echo "${BASH_REMATCH[1]}"
}

declare -A ENTRY_BASE=()

# entry_mark NODE PREFIX: remember the entry's tx_packets.
entry_mark() {
	ENTRY_BASE[$1:$2]=$(entry_field "$1" "$2" tx_packets)
}

# entry_delta NODE PREFIX DELTA: the entry's tx_packets grew by DELTA.
entry_delta() {
	local now got base=${ENTRY_BASE[$1:$2]:-}
	now=$(entry_field "$1" "$2" tx_packets) || return 1
	[ -n "$base" ] || {
		echo "no tx_packets of $1 entry $2 saved"
		return 1
	}
	got=$((now - base))
	echo "$1 entry $2 tx_packets: +$got (want +$3)"
	[ "$got" -eq "$3" ]
}

# entry_absent NODE PREFIX: cache get says there is no such entry.
entry_absent() {
	local out
	out=$(ctl "$1" cache get "$2" dev dmvpn0 2>&1) && {
		echo "still there: $out"
		return 1
	}
	grep -q "no entry" <<<"$out"
}

# entries_are NODE COUNT: the node's cache holds COUNT entries.
entries_are() {
	local got
	got=$(counter "$1" entries)
	echo "$1 entries: $got (want $2)"
	ctl "$1" cache show dev dmvpn0
	[ "$got" -eq "$2" ]
}

# ping_all NODE COUNT ARG...: COUNT echo requests from NODE, each answered
# once, none lost.
ping_all() {
	local node=$1 count=$2 out
	shift 2
	out=$(in_ns "$node" ping -n -c "$count" -i 0.2 -W 3 "$@" 2>&1)
	echo "$out"
	[[ $out == *$'\n'"$count packets transmitted, $count received, 0% packet loss"* ]]
}

# ping_result FILE COUNT: the ping whose output is in FILE got all its COUNT
# echo requests answered once.
ping_result() {
	cat "$1"
	grep -q "^$2 packets transmitted, $2 received, 0% packet loss" "$1"
}

# replies_at_least FILE COUNT: a running ping has had COUNT answers.
replies_at_least() {
	[ "$(grep -c 'bytes from' "$1")" -ge "$2" ]
}

# Capture on the hub's underlay: tcpdump in the background, and when it
# ends the number of packets it captured.
CAP_PID=
CAP_LOG=
CAP_FILE=

capture_start() {
	CAP_LOG=$TMP_DIR/capture.log
	CAP_FILE=$TMP_DIR/capture.pcap
	bg_in_ns hub timeout 120 tcpdump -i wan0 -nn -U --immediate-mode \
		-w "$CAP_FILE" "$@" >"$CAP_LOG" 2>&1
	CAP_PID=$!
	wait_until 20 grep -q "listening on" "$CAP_LOG"
}

# capture_count WANT: stop the capture; it saw exactly WANT packets.
capture_count() {
	local got
	sleep 1 # let the last packets reach tcpdump
	stop_jobs "$CAP_PID" # timeout passes SIGTERM on to tcpdump
	got=$(sed -n 's/^\([0-9]*\) packets\{0,1\} captured$/\1/p' "$CAP_LOG")
	echo "the hub's wan0 saw ${got:-?} GRE packets (want $1)"
	cat "$CAP_LOG"
	tcpdump -nn -r "$CAP_FILE" 2>/dev/null | head -n 40
	[ -n "$got" ] && [ "$got" -eq "$1" ]
}

# capture_flows COUNT PATTERN...: the last capture has COUNT packets that
# match each PATTERN (a regular expression on tcpdump's line).
capture_flows() {
	local count=$1 pattern got status=0 lines
	shift
	lines=$(tcpdump -nn -r "$CAP_FILE" 2>/dev/null)
	for pattern in "$@"; do
		got=$(grep -cE -- "$pattern" <<<"$lines")
		echo "'$pattern': $got (want $count)"
		[ "$got" -eq "$count" ] || status=1
	done
	[ "$status" -eq 0 ] || echo "$lines"
	return "$status"
}

# mcast_send NODE GROUP COUNT: COUNT UDP datagrams to GROUP:5353 from the
# node, out of dmvpn0 (by the route mcast_route adds).  bash's /dev/udp:
# one process, where python would take seconds to start under TCG.
mcast_send() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	in_ns "$1" bash -c '
		for ((i = 0; i < $2; i++)); do
			echo "dmvpn selftest $i" >"/dev/udp/$1/5353" || exit 1
		done' mcast_send "$2" "$3"
}

# mcast_receiver_start: on s1, socat joined to 224.0.0.251 on dmvpn0 writes
# what it receives on UDP port 5353 to MCAST_RX_LOG.  IGMP reports for
# link-local groups are turned off there: they would be tunnel traffic too.
MCAST_RX_PID=
MCAST_RX_LOG=
mcast_receiver_start() {
	MCAST_RX_LOG=$TMP_DIR/mcast-rx.log
	: >"$MCAST_RX_LOG"
	in_ns s1 sysctl -qw net.ipv4.igmp_link_local_mcast_reports=0 ||
		return 1
	bg_in_ns s1 socat -u \
		UDP4-RECV:5353,reuseaddr,ip-add-membership=224.0.0.251:dmvpn0 \
		"OPEN:$MCAST_RX_LOG,creat,append"
	MCAST_RX_PID=$!
	# The bound is for a receiver that never starts (as on a kernel
	# without CONFIG_IP_MULTICAST, where the sysctl above fails first).
	wait_until 20 mcast_receiver_ready
}

mcast_receiver_ready() {
	ip -n "$s1" maddr show dev dmvpn0 | grep -q 224.0.0.251 &&
	in_ns s1 ss -Hlun 'sport = :5353' | grep -q 5353
}

mcast_receiver_stop() {
	stop_jobs "$MCAST_RX_PID"
}

# mcast_received COUNT: the application on s1 got COUNT datagrams so far.
mcast_received() {
	local got
	got=$(grep -c "dmvpn selftest" "$MCAST_RX_LOG")
	echo "the application on s1 got $got datagrams (want $1)"
	[ "$got" -eq "$1" ]
}

# mcast_route NODE: IPv4 multicast leaves by dmvpn0.
mcast_route() {
	ip -n "${!1}" route add 224.0.0.0/4 dev dmvpn0
}

# iperf3_server: one iperf3 server (-1: it serves one test) on lan2.
IPERF3_SERVER_PID=
iperf3_server() {
	bg_in_ns lan2 iperf3 -s -1 -B 10.2.0.10 >"$TMP_DIR/iperf3-server.log" 2>&1
	IPERF3_SERVER_PID=$!
	wait_until 20 iperf3_listening
}

iperf3_listening() {
	in_ns lan2 ss -Hltn 'sport = :5201' | grep -q LISTEN
}

# iperf3_ok FILE: iperf3's JSON report shows a completed transfer; its
# summary is left in IPERF3_SUMMARY.
IPERF3_SUMMARY=
iperf3_ok() {
	local status
	IPERF3_SUMMARY=$(python3 - "$1" 2>&1 <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
if "error" in report:
    sys.exit("iperf3: " + report["error"])
received = report["end"]["sum_received"]
print("received %d bytes, %.1f Mbit/s" %
      (received["bytes"], received["bits_per_second"] / 1e6))
sys.exit(0 if received["bytes"] > 0 and received["bits_per_second"] > 0 else 1)
EOF
	)
	status=$?
	echo "$IPERF3_SUMMARY"
	[ "$status" -eq 0 ] || cat "$1"
	return "$status"
}

# avg_packet_above NODE PREFIX BYTES: the entry's average packet is longer
# than BYTES.  Leaves the numbers in AVG_PACKET.
AVG_PACKET=
avg_packet_above() {
	local packets bytes
	packets=$(entry_field "$1" "$2" tx_packets) &&
	bytes=$(entry_field "$1" "$2" tx_bytes) || return 1
	[ "$packets" -gt 0 ] || {
		echo "$1 entry $2 sent nothing"
		return 1
	}
	AVG_PACKET="$((bytes / packets)) bytes a packet ($bytes in $packets)"
	echo "$1 entry $2: $AVG_PACKET, want more than $3"
	[ "$((bytes / packets))" -gt "$3" ]
}

link_local_of() {
	ip -n "${!1}" -6 -o addr show dev dmvpn0 scope link |
		awk '{ sub(/\/.*/, "", $4); print $4; exit }'
}

# replies_from FILE ADDR COUNT: ping's output in FILE has COUNT answers
# from ADDR, or COUNT - 1: "ping -c COUNT" to a multicast group stops at
# the first answer to its last request (the host's own), so the other
# answers to that one may come too late to be printed.  Every earlier
# request was answered while ping was still waiting to send the next.
replies_from() {
	local got
	got=$(grep -cF "bytes from $2%" "$1")
	cat "$1"
	echo "answers from $2: $got (want $(($3 - 1)) or $3)"
	[ "$got" -ge "$(($3 - 1))" ] && [ "$got" -le "$3" ]
}

# eventually CMD...: CMD succeeds within 3 s (packets still in flight);
# if not, run once more for its output.
eventually() {
	wait_until 3 "$@" || "$@"
}

# unreachable FILE PATTERN COUNT: a failed ping printed PATTERN COUNT times.
unreachable() {
	local got
	got=$(grep -c "$2" "$1")
	cat "$1"
	echo "'$2': $got times (want $3)"
	[ "$got" -eq "$3" ]
}

# hub_no_redirects: "no ip redirects" on the hub's tunnel.
hub_no_redirects() {
	in_ns hub sysctl -qw net.ipv4.conf.all.send_redirects=0 \
		net.ipv4.conf.dmvpn0.send_redirects=0
}

# traffic_start: ping floods from lan1 to lan2, IPv4 (over the shortcut)
# and IPv6 (via the hub), and an iperf3 transfer, all in the background
# until they are killed (at most 60 s).
traffic_start() {
	iperf3_server
	TRAFFIC_PIDS=("$IPERF3_SERVER_PID")
	bg_in_ns lan1 ping -q -f -w 60 10.2.0.10 >/dev/null 2>&1
	TRAFFIC_PIDS+=("$!")
	bg_in_ns lan1 ping -q -6 -f -w 60 fd02::10 >/dev/null 2>&1
	TRAFFIC_PIDS+=("$!")
	bg_in_ns lan1 iperf3 -c 10.2.0.10 -t 60 >/dev/null 2>&1
	TRAFFIC_PIDS+=("$!")
}

traffic_stop() {
	stop_jobs "${TRAFFIC_PIDS[@]}"
}

# traffic_flows: s1 sends over the shortcut and the hub relays.
traffic_flows() {
	local s1_before hub_before
	s1_before=$(counter s1 tx_shortcut) &&
	hub_before=$(counter hub tx_shortcut) || return 1
	sleep 0.5
	[ "$(counter s1 tx_shortcut)" -gt "$s1_before" ] &&
	[ "$(counter hub tx_shortcut)" -gt "$hub_before" ]
}

TRAFFIC_PIDS=()

lab_delete_rest() {
	local node
	for node in hub s1 lan1 lan2 wan; do
		ip netns del "${!node}" || return 1
	done
}

no_dmvpn0_left() {
	local node
	for node in hub s1; do
		if ip -n "${!node}" link show dev dmvpn0 2>/dev/null; then
			echo "$node still has dmvpn0"
			return 1
		fi
	done
}

N=5

# ---------------------------------------------------------------------------
# The lab

# Every ping asks for receive timestamps; the first user of timestamps in
# the system turns a static key on, and the last one turns it off again.
# Each turn patches kernel text, and qemu TCG's multi-threaded emulation
# has been seen to trip over that patching (an "Oops: int3" in
# netif_receive_skb_list_internal() on 6.12, with this test's pings).  A
# ping in the initial namespace, idle for the whole test, holds the key on,
# so that the hundreds of pings below patch nothing.
ping -q -n -i 1000 127.0.0.1 >/dev/null 2>&1 &

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"
check "lab up (hub, s1, s2, lan1, lan2)" lab_up ||
	bail_out "no lab, nothing to test"
check "hub sends no ICMP redirects" hub_no_redirects
check "registration entries (spokes: NHS; hub: both spokes)" \
	lab_hub_and_spoke_entries || bail_out "no entries, nothing to test"
settle

# ---------------------------------------------------------------------------
# 1. Hub and spoke

ctr_mark
check "1: s1 -> hub 10.255.0.1: $N/$N answered" ping_all s1 "$N" 10.255.0.1
check "1: s1 tx_shortcut +$N, misses +0, tx_nhs +0 (NHS entry hit)" \
	deltas s1 tx_shortcut="$N" misses=0 tx_nhs=0 rx_packets="$N"
check "1: hub answers via its entry for s1 (tx_shortcut +$N)" \
	deltas hub tx_shortcut="$N" rx_packets="$N" misses=0

ctr_mark
check "1: s1 -> hub fd00::1: $N/$N answered" ping_all s1 "$N" -6 fd00::1
check "1: s1 tx_shortcut +$N, misses +0 (IPv6)" \
	deltas s1 tx_shortcut="$N" misses=0 tx_nhs=0
check "1: hub answers via its entry for s1 (IPv6)" \
	deltas hub tx_shortcut="$N" rx_packets="$N"

# ---------------------------------------------------------------------------
# 2. Spoke to spoke through the hub: no entry for s2 on s1 yet

check "2: tcpdump on the hub's wan0 starts" capture_start 'ip proto 47'
ctr_mark
check "2: lan1 -> lan2 10.2.0.10 via the hub: $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.10
check "2: s1: each echo request misses and goes to the NHS (+$N)" \
	deltas s1 misses="$N" tx_nhs="$N" tx_shortcut=0 rx_packets="$N"
check "2: s2: each echo reply misses and goes to the NHS (+$N)" \
	deltas s2 misses="$N" tx_nhs="$N" tx_shortcut=0 rx_packets="$N"
check "2: the hub relays both ways (rx_packets +$((2 * N)), tx_shortcut +$((2 * N)))" \
	deltas hub rx_packets="$((2 * N))" tx_shortcut="$((2 * N))" misses=0
check "2: the hub's wan0 sees $((4 * N)) GRE packets" capture_count "$((4 * N))"
gre=': GREv0, length [0-9]+: IP'
check "2: ... s1 -> hub -> s2 the requests, s2 -> hub -> s1 the replies" \
	capture_flows "$N" \
	"IP 192.0.2.2 > 192.0.2.1$gre 10.1.0.10 > 10.2.0.10: ICMP echo request" \
	"IP 192.0.2.1 > 192.0.2.3$gre 10.1.0.10 > 10.2.0.10: ICMP echo request" \
	"IP 192.0.2.3 > 192.0.2.1$gre 10.2.0.10 > 10.1.0.10: ICMP echo reply" \
	"IP 192.0.2.1 > 192.0.2.2$gre 10.2.0.10 > 10.1.0.10: ICMP echo reply"

ctr_mark
check "2: lan1 -> lan2 fd02::10 via the hub: $N/$N answered" \
	ping_all lan1 "$N" -6 fd02::10
check "2: s1: misses +$N, tx_nhs +$N (IPv6)" \
	deltas s1 misses="$N" tx_nhs="$N" tx_shortcut=0
check "2: the hub relays both ways (IPv6)" \
	deltas hub rx_packets="$((2 * N))" tx_shortcut="$((2 * N))"

ctr_mark
check "2: full-size packets via the hub (1476 bytes = tunnel MTU, DF)" \
	ping_all lan1 3 -s 1448 -M "do" 10.2.0.10
check "2: fragmented packets via the hub (ping -s 3000)" \
	ping_all lan1 3 -s 3000 10.2.0.10
check "2: ... no transmit error on s1" deltas s1 tx_errors=0
check "2: ... nor on the hub" deltas hub tx_errors=0

# ---------------------------------------------------------------------------
# 3. The shortcut takes over, losing nothing

ctr_mark
ping_log=$TMP_DIR/ping-takeover.log
bg_in_ns lan1 ping -n -i 0.1 -c 40 -W 3 10.2.0.10 >"$ping_log" 2>&1
ping_pid=$!
check "3: steady ping lan1 -> lan2 runs" wait_until 30 replies_at_least "$ping_log" 15
check "3: s1: add shortcut 10.255.0.3 -> 192.0.2.3 while it runs" \
	ctl s1 cache add 10.255.0.3 nbma "$LAB_S2_NBMA" dev dmvpn0 type shortcut
check "3: s2: add shortcut 10.255.0.2 -> 192.0.2.2 while it runs" \
	ctl s2 cache add 10.255.0.2 nbma "$LAB_S1_NBMA" dev dmvpn0 type shortcut
wait "$ping_pid"
check "3: steady ping across the switch-over: 40/40 answered, 0% loss" \
	ping_result "$ping_log" 40

switched_mid_stream() {
	local misses tx base=${CTR_BASE[s1:misses]}
	misses=$(($(counter s1 misses) - base))
	tx=$(entry_field s1 10.255.0.3 tx_packets) || return 1
	echo "via the hub: $misses, via the shortcut: $tx (want 40 together, both > 0)"
	[ "$misses" -gt 0 ] && [ "$tx" -gt 0 ] && [ "$((misses + tx))" -eq 40 ]
}
check "3: the 40 requests went first via the hub, then via the shortcut" \
	switched_mid_stream

check "3: tcpdump on the hub's wan0 starts" capture_start 'ip proto 47'
entry_mark s1 10.255.0.3
entry_mark s2 10.255.0.2
ctr_mark
check "3: second burst lan1 -> lan2: $((2 * N))/$((2 * N)) answered" \
	ping_all lan1 "$((2 * N))" 10.2.0.10
check "3: the hub's wan0 sees no GRE at all" capture_count 0
check "3: the hub sends nothing" deltas hub tx_shortcut=0 tx_nhs=0 rx_packets=0
check "3: s1: shortcut hits only (tx_shortcut +$((2 * N)), misses +0)" \
	deltas s1 tx_shortcut="$((2 * N))" misses=0 tx_nhs=0 rx_packets="$((2 * N))"
check "3: s1's shortcut entry: tx_packets +$((2 * N))" \
	entry_delta s1 10.255.0.3 "$((2 * N))"
check "3: s2's shortcut entry: tx_packets +$((2 * N))" \
	entry_delta s2 10.255.0.2 "$((2 * N))"

ctr_mark
check "3: full-size packets over the shortcut (1476 bytes, DF)" \
	ping_all lan1 3 -s 1448 -M "do" 10.2.0.10
check "3: fragmented packets over the shortcut (ping -s 3000)" \
	ping_all lan1 3 -s 3000 10.2.0.10
check "3: ... no transmit error on s1, no miss" deltas s1 tx_errors=0 misses=0
check "3: ... nothing via the hub" deltas hub rx_packets=0

check "3: s1: IPv6 shortcut fd00::3 -> 192.0.2.3" \
	ctl s1 cache add fd00::3 nbma "$LAB_S2_NBMA" dev dmvpn0 type shortcut
check "3: s2: IPv6 shortcut fd00::2 -> 192.0.2.2" \
	ctl s2 cache add fd00::2 nbma "$LAB_S1_NBMA" dev dmvpn0 type shortcut
entry_mark s1 fd00::3
ctr_mark
check "3: lan1 -> lan2 fd02::10 over the shortcut: $N/$N answered" \
	ping_all lan1 "$N" -6 fd02::10
check "3: the hub sends nothing (IPv6)" deltas hub tx_shortcut=0 rx_packets=0
check "3: s1's shortcut fd00::3: tx_packets +$N" entry_delta s1 fd00::3 "$N"
check "3: s1: no miss (IPv6)" deltas s1 misses=0 tx_nhs=0 tx_shortcut="$N"

# ---------------------------------------------------------------------------
# 4. A prefix shortcut, and a more specific entry beating it

check "4: s1: host shortcut 10.255.0.3 removed" \
	ctl s1 cache del 10.255.0.3 dev dmvpn0
check "4: s1: prefix shortcut 10.2.0.0/24 -> 192.0.2.3" \
	ctl s1 cache add 10.2.0.0/24 nbma "$LAB_S2_NBMA" dev dmvpn0 type shortcut
entry_mark s1 10.2.0.0/24
ctr_mark
check "4: lan1 -> 10.2.0.10 over the /24: $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.10
check "4: the /24 carries them (tx_packets +$N)" entry_delta s1 10.2.0.0/24 "$N"
check "4: s1: no miss" deltas s1 misses=0 tx_nhs=0 tx_shortcut="$N"
check "4: nothing via the hub" deltas hub tx_shortcut=0 rx_packets=0

check "4: s1: 10.2.0.10/32 -> the hub's NBMA 192.0.2.1" \
	ctl s1 cache add 10.2.0.10/32 nbma "$LAB_HUB_NBMA" dev dmvpn0 type shortcut
entry_mark s1 10.2.0.0/24
entry_mark s1 10.2.0.10
ctr_mark
check "4: lan1 -> 10.2.0.10 with the /32: $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.10
check "4: the /32 wins (tx_packets +$N)" entry_delta s1 10.2.0.10 "$N"
check "4: the /24 is passed over for 10.2.0.10 (+0)" entry_delta s1 10.2.0.0/24 0
check "4: the hub relays the requests (rx_packets +$N, tx_shortcut +$N)" \
	deltas hub rx_packets="$N" tx_shortcut="$N"

entry_mark s1 10.2.0.0/24
entry_mark s1 10.2.0.10
check "4: lan1 -> 10.2.0.1 (another host of the /24): $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.1
check "4: 10.2.0.1 uses the /24 (tx_packets +$N)" entry_delta s1 10.2.0.0/24 "$N"
check "4: ... not the /32 (+0)" entry_delta s1 10.2.0.10 0
check "4: s1: /32 removed" ctl s1 cache del 10.2.0.10 dev dmvpn0
check "4: s1: /24 removed" ctl s1 cache del 10.2.0.0/24 dev dmvpn0

check "4: s1: prefix shortcut fd02::/64 -> 192.0.2.3" \
	ctl s1 cache add fd02::/64 nbma "$LAB_S2_NBMA" dev dmvpn0 type shortcut
entry_mark s1 fd02::/64
entry_mark s1 fd00::3
check "4: lan1 -> fd02::10 over the /64: $N/$N answered" \
	ping_all lan1 "$N" -6 fd02::10
check "4: the /64 carries them (tx_packets +$N)" entry_delta s1 fd02::/64 "$N"
check "4: ... not the next hop's entry fd00::3 (+0)" entry_delta s1 fd00::3 0
check "4: s1: /64 removed" ctl s1 cache del fd02::/64 dev dmvpn0

# ---------------------------------------------------------------------------
# 5. Expiry: the shortcut goes, traffic falls back to the hub

ping_log=$TMP_DIR/ping-expiry.log
bg_in_ns lan1 ping -n -i 0.2 -c 50 -W 3 10.2.0.10 >"$ping_log" 2>&1
ping_pid=$!
check "5: steady ping lan1 -> lan2 runs (via the hub)" \
	wait_until 30 replies_at_least "$ping_log" 3
added=$EPOCHREALTIME
check "5: s1: shortcut 10.255.0.3 with holdtime 3" \
	ctl s1 cache add 10.255.0.3 nbma "$LAB_S2_NBMA" dev dmvpn0 \
	type shortcut holdtime 3

shortcut_used() {
	[ "$(entry_field s1 10.255.0.3 tx_packets)" -gt 0 ]
}
check "5: the shortcut carries the steady ping" wait_until 3 shortcut_used

# expiry_watch: poll until the entry is gone; GONE is when the poll that
# found it gone started (polls take long under TCG).
GONE=
expiry_watch() {
	local deadline=$((${EPOCHREALTIME/[.,]/} + 12000000)) t
	while [ "${EPOCHREALTIME/[.,]/}" -lt "$deadline" ]; do
		t=$EPOCHREALTIME
		if entry_absent s1 10.255.0.3; then
			GONE=$t
			return 0
		fi
		nap 0.1
	done
	return 1
}
check "5: the shortcut disappears" expiry_watch

EXPIRED_MS=
expired_in_time() {
	[ -n "$GONE" ] || return 1
	EXPIRED_MS=$(( (${GONE/./} - ${added/./}) / 1000 ))
	echo "gone ${EXPIRED_MS} ms after it was added (want 2000..8000)"
	[ "$EXPIRED_MS" -ge 2000 ] && [ "$EXPIRED_MS" -le 8000 ]
}
check "5: ... between 2 and 8 s after it was added (holdtime 3)" expired_in_time
diag "the shortcut was gone ${EXPIRED_MS:-?} ms after it was added"
check "5: the steady ping outlives the shortcut" job_running "$ping_pid"
wait "$ping_pid"
check "5: steady ping: 50/50 answered across the shortcut's coming and going" \
	ping_result "$ping_log" 50
ctr_mark
check "5: lan1 -> lan2 after the expiry: $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.10
check "5: s1: via the NHS again (misses +$N, tx_nhs +$N)" \
	deltas s1 misses="$N" tx_nhs="$N" tx_shortcut=0
check "5: the hub relays the requests again (tx_shortcut +$N)" \
	deltas hub tx_shortcut="$N" rx_packets="$N"

# ---------------------------------------------------------------------------
# 6. Negative entry: via the hub, without asking again

check "6: s1: negative entry 10.2.0.0/24, holdtime 10" \
	ctl s1 cache add 10.2.0.0/24 negative dev dmvpn0 holdtime 10
ctr_mark
check "6: lan1 -> lan2: $N/$N answered" ping_all lan1 "$N" 10.2.0.10
check "6: s1: tx_nhs +$N, misses +0 (negative entry hit)" \
	deltas s1 misses=0 tx_nhs="$N" tx_shortcut=0
check "6: the hub relays them (tx_shortcut +$N)" deltas hub tx_shortcut="$N"
check "6: s1: negative entry removed" \
	ctl s1 cache del 10.2.0.0/24 dev dmvpn0

# ---------------------------------------------------------------------------
# 7. No NHS: unreachable

check "7: s1: cache flushed" ctl s1 cache flush dev dmvpn0
check "7: s1: no entry left" entries_are s1 0
ctr_mark
ping_log=$TMP_DIR/ping-unreachable.log
in_ns lan1 ping -n -c 3 -i 0.3 -W 1 10.2.0.10 >"$ping_log" 2>&1
status=$?
check "7: ping lan1 -> lan2 fails (exit $status)" test "$status" -ne 0
check "7: ... with 3 ICMP host unreachable" \
	unreachable "$ping_log" "Destination Host Unreachable" 3
check "7: s1: tx_no_route +3, tx_nhs +0" \
	deltas s1 tx_no_route=3 misses=3 tx_nhs=0 tx_shortcut=0
ctr_mark
in_ns lan1 ping -n -6 -c 3 -i 0.3 -W 1 fd02::10 >"$ping_log" 2>&1
status=$?
check "7: ping -6 lan1 -> lan2 fails (exit $status)" test "$status" -ne 0
check "7: ... with 3 ICMPv6 address unreachable" \
	unreachable "$ping_log" "Address unreachable" 3
check "7: s1: tx_no_route +3 (IPv6)" deltas s1 tx_no_route=3 tx_nhs=0
check "7: s1: NHS entry 10.255.0.1 back" \
	ctl s1 cache add 10.255.0.1 nbma "$LAB_HUB_NBMA" dev dmvpn0 type nhs multicast
check "7: s1: NHS entry fd00::1 back" \
	ctl s1 cache add fd00::1 nbma "$LAB_HUB_NBMA" dev dmvpn0 type nhs
ctr_mark
check "7: lan1 -> lan2 works again: $N/$N answered" \
	ping_all lan1 "$N" 10.2.0.10
check "7: s1: via the NHS (tx_nhs +$N, tx_no_route +0)" \
	deltas s1 tx_nhs="$N" tx_no_route=0

# ---------------------------------------------------------------------------
# 8. Multicast

check "8: hub: route 224.0.0.0/4 dev dmvpn0" mcast_route hub
check "8: s1: route 224.0.0.0/4 dev dmvpn0" mcast_route s1
check "8: s1: an application joins 224.0.0.251 on dmvpn0" mcast_receiver_start
settle
ctr_mark
check "8: hub sends $N UDP datagrams to 224.0.0.251 on dmvpn0" \
	mcast_send hub 224.0.0.251 "$N"
check "8: hub: mcast_copies +$((2 * N)) (one a spoke), no unicast" \
	deltas hub mcast_copies="$((2 * N))" tx_shortcut=0 tx_nhs=0 misses=0
check "8: s1 receives them (rx_packets +$N)" deltas s1 rx_packets="$N"
check "8: s2 receives them (rx_packets +$N)" deltas s2 rx_packets="$N"
check "8: the application on s1 gets the $N datagrams" \
	eventually mcast_received "$N"

check "8: hub: s2's entry without the multicast flag" \
	ctl hub cache replace 10.255.0.3 nbma "$LAB_S2_NBMA" dev dmvpn0 type dynamic
ctr_mark
check "8: hub sends $N datagrams again" mcast_send hub 224.0.0.251 "$N"
check "8: hub: mcast_copies +$N (s1 only)" deltas hub mcast_copies="$N"
check "8: s1 receives them (rx_packets +$N)" deltas s1 rx_packets="$N"
check "8: s2 gets none (rx_packets +0)" deltas s2 rx_packets=0
check "8: the application on s1 gets $N more" \
	eventually mcast_received "$((2 * N))"
mcast_receiver_stop
check "8: hub: s2's entry takes multicast again" \
	ctl hub cache replace 10.255.0.3 nbma "$LAB_S2_NBMA" dev dmvpn0 \
	type dynamic multicast

ctr_mark
in_ns hub ping -n -b -c "$N" -i 0.2 -W 1 10.255.0.255 >/dev/null 2>&1
check "8: hub: ping -b 10.255.0.255: mcast_copies +$((2 * N))" \
	deltas hub mcast_copies="$((2 * N))" tx_shortcut=0 tx_nhs=0 tx_errors=0
check "8: both spokes get each broadcast (rx_packets +$N each)" \
	deltas_all rx_packets="$N"

ctr_mark
check "8: s1 sends $N datagrams to 224.0.0.251 on dmvpn0" \
	mcast_send s1 224.0.0.251 "$N"
check "8: s1: mcast_copies +$N (to its NHS only)" deltas s1 mcast_copies="$N"
check "8: the hub receives them (rx_packets +$N)" deltas hub rx_packets="$N"
check "8: s2 gets none from s1 (rx_packets +0)" deltas s2 rx_packets=0

s1_ll=$(link_local_of s1)
s2_ll=$(link_local_of s2)
ping_log=$TMP_DIR/ping-ff02.log
ctr_mark
in_ns hub ping -n -6 -c "$N" -i 0.3 -W 3 ff02::1%dmvpn0 >"$ping_log" 2>&1
status=$?
check "8: hub: ping -6 ff02::1%dmvpn0 (exit $status)" test "$status" -eq 0
check "8: s1 (${s1_ll:-no link-local}) answers the echo requests" \
	replies_from "$ping_log" "${s1_ll:-none}" "$N"
check "8: s2 (${s2_ll:-no link-local}) answers the echo requests" \
	replies_from "$ping_log" "${s2_ll:-none}" "$N"
check "8: hub: mcast_copies +$((2 * N)), rx_packets +$((2 * N)) (the answers)" \
	eventually deltas hub mcast_copies="$((2 * N))" rx_packets="$((2 * N))"
check "8: s1: rx_packets +$N; its answers go to the NHS (tx_nhs +$N)" \
	deltas s1 rx_packets="$N" tx_nhs="$N"
check "8: s2: rx_packets +$N; its answers go to the NHS (tx_nhs +$N)" \
	deltas s2 rx_packets="$N" tx_nhs="$N"

# ---------------------------------------------------------------------------
# 9. GSO: TCP over the shortcut

check "9: s1: shortcut 10.255.0.3 -> 192.0.2.3" \
	ctl s1 cache add 10.255.0.3 nbma "$LAB_S2_NBMA" dev dmvpn0 type shortcut
check "9: iperf3 server on lan2" iperf3_server
ctr_mark
iperf3_log=$TMP_DIR/iperf3.json
in_ns lan1 timeout 60 iperf3 -c 10.2.0.10 -t 3 -J \
	--connect-timeout 10000 >"$iperf3_log" 2>&1
status=$?
check "9: iperf3 lan1 -> lan2 for 3 s (exit $status)" test "$status" -eq 0
check "9: ... with non-zero throughput" iperf3_ok "$iperf3_log"
diag "iperf3: ${IPERF3_SUMMARY:-no report}"
check "9: nothing crossed the hub" deltas hub tx_shortcut=0 rx_packets=0
check "9: s1: all over the shortcut (misses +0)" deltas s1 misses=0 tx_nhs=0
tunnel_mtu=$(ip -n "$s1" -o link show dev dmvpn0 |
	sed -n 's/.* mtu \([0-9]*\) .*/\1/p')
check "9: GSO: the shortcut's average packet is longer than the MTU (${tunnel_mtu:-?})" \
	avg_packet_above s1 10.255.0.3 "${tunnel_mtu:-1476}"
diag "shortcut during iperf3: ${AVG_PACKET:-?}"

# ---------------------------------------------------------------------------
# 10. Unloading under load

traffic_start
check "10: floods and iperf3 run (s1 -> s2 direct, IPv6 via the hub)" \
	wait_until 20 traffic_flows
check "10: delete s2's namespace (its dmvpn0 under a GRE flood)" \
	ip netns del "$s2"
check "10: rmmod dmvpn while the traffic runs (hub's and s1's dmvpn0 up)" \
	module_unload
check "10: the module is gone" not module_is_loaded
check "10: rmmod removed dmvpn0 from hub and s1" no_dmvpn0_left
traffic_stop
check "10: the other namespaces of the lab are deleted" lab_delete_rest

test_end

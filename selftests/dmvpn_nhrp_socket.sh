#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_nhrp_socket.sh: NHRP daemons (FRR nhrpd, opennhrp) talk over an
# AF_PACKET SOCK_DGRAM socket bound to the tunnel with protocol 0x2001,
# with the peer's NBMA address as the link-layer address, as they do on
# ip_gre.  dmvpn0 must offer them the same.
#
# Topology: the shared lab (selftests/lab.sh), devices with "key 42" and
# IPv6 off on them; the NHRP "daemons" are selftests/dmvpn_nhrp_sock.py.
#
#                 netns wan: br0, capture on p-s1 (tcpdump)
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3     NBMA
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |
#      | dmvpn0 |          | dmvpn0 |          | dmvpn0 |   key 42
#      +--------+          +--------+          +--------+
#
# Checks, in order:
#   - with empty caches (a spoke registering for the first time):
#     s1 sends a 40-byte NHRP packet to NBMA 192.0.2.1; the hub's socket
#     receives exactly those 40 bytes with sll_addr 192.0.2.2 (halen 4),
#     sll_pkttype host, sll_hatype ARPHRD_IPGRE, protocol 0x2001; the hub
#     answers to the address it learned, and s1 receives the answer from
#     192.0.2.1, although neither cache has an entry for the other
#   - tx_nhrp and rx_nhrp move by exactly 1 on each side, and no data
#     counter moves
#   - the capture on the wan shows both as GRE with key 42 and protocol
#     0x2001, the payload unchanged, and no other GRE
#   - with the caches filled: the hub reaches s2; a spoke reaches the other
#     spoke directly (a resolution reply), with a 1000-byte packet
#   - an NBMA address without a route: the packet is counted in tx_nhrp and
#     tx_errors, and nothing is received anywhere
#   - NBMA address 0.0.0.0, or none at all (sll_halen 0): sendto fails with
#     EINVAL, as it does on ip_gre, and nothing is counted as sent
#   - a packet socket bound to IPv4 on the tunnel does not see NHRP, and
#     sees IPv4 with no link-layer address
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin (IP_LIB_DIR), python3,
# tcpdump.

# The lab's namespaces are assigned by setup_ns (lab_up).
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"

BG_PIDS=()
cleanup() {
	local pid
	for pid in "${BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -z "${WORK_DIR:-}" ] || rm -rf "$WORK_DIR"
	dmvpn_cleanup
}
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip python3 tcpdump nsenter
[ -x "$DMVPNCTL" ] || skip_all "$DMVPNCTL not built"
require_module

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn_nhrp_socket.XXXXXX") ||
	bail_out "mktemp failed"
SOCK=$DMVPN_SELFTESTS/dmvpn_nhrp_sock.py
KEY=42
ARPHRD_IPGRE=778

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"
check "lab with key $KEY" lab_up key "$KEY" || bail_out "cannot build the lab"
# No IPv6 on the tunnels: its multicast (MLD, DAD) would move the data
# counters that the test wants to see still.
no_ipv6() {
	local node
	for node in hub s1 s2; do
		ip netns exec "$(lab_ns "$node")" \
			sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1 || return 1
	done
}
check "IPv6 off on the tunnels" no_ipv6

# (python3 -S: the helpers need only the standard library, and without
# site-packages Python starts much faster under TCG; nsenter, not "ip
# netns exec", which also remounts /sys: the script reads none.)
# nhrp NODE ARGS...: dmvpn_nhrp_sock.py in a node's netns.
nhrp() {
	local node=$1
	shift
	nsenter --net="/run/netns/${!node}" python3 -S "$SOCK" "$@"
}

# listen NODE NAME ARGS...: "recv dmvpn0 ARGS..." on NODE in the background
# (it gives up after 60 s unless ARGS say else), its output in
# $WORK_DIR/NAME.out; returns once the socket is bound.  The process is the
# Python itself (exec), so that cleanup can stop it: a listener left behind
# would keep its netns, and so the module, alive.
declare -A LISTENER
listen() {
	local node=$1 name=$2
	shift 2
	rm -f "$WORK_DIR/$name".*
	(exec nsenter --net="/run/netns/${!node}" python3 -S "$SOCK" recv dmvpn0 \
		--timeout 60 --ready "$WORK_DIR/$name.ready" "$@" \
		>"$WORK_DIR/$name.out" 2>&1) &
	LISTENER[$name]=$!
	BG_PIDS+=($!)
	wait_until 20 test -e "$WORK_DIR/$name.ready"
}

# heard NAME LINE...: the listener NAME ended well and printed these lines.
heard() {
	local name=$1 want got status
	shift
	wait "${LISTENER[$name]}"
	status=$?
	got=$(cat "$WORK_DIR/$name.out")
	want=$(printf '%s\n' "$@")
	[ "$status" = 0 ] && [ "$got" = "$want" ] && return 0
	echo "exit status $status"
	echo "got:"
	echo "$got"
	echo "want:"
	echo "$want"
	return 1
}

# What the NHRP code in the kernel counts, and the data counters it must
# leave alone.
WATCHED="tx_nhrp rx_nhrp tx_errors rx_packets tx_shortcut tx_nhs misses
rx_err_truncated rx_err_header rx_err_key rx_err_csum rx_err_proto"

# counters NODE: "NAME VALUE" for the watched counters of NODE's dmvpn0.
# shellcheck disable=SC2016,SC2086 # for the inner shell; word splitting
counters() {
	ip netns exec "$(lab_ns "$1")" sh -c '
		cd /sys/class/net/dmvpn0/dmvpn || exit 1
		for f; do read -r v <"$f" && echo "$f $v" || exit 1; done' \
		sh $WATCHED
}

baseline() {
	local node
	for node in hub s1 s2; do
		counters "$node" >"$WORK_DIR/base.$node" || return 1
	done
}

# moved "NODE.NAME=N ...": the watched counters moved by exactly that much
# since the baseline, the others not at all.
moved() {
	local node status=0
	for node in hub s1 s2; do
		counters "$node" >"$WORK_DIR/now.$node" || return 1
		awk -v spec=" $1 " -v node="$node" '
			NR == FNR { base[$1] = $2; next }
			{
				want = 0
				key = " " node "." $1 "="
				i = index(spec, key)
				if (i) {
					rest = substr(spec, i + length(key))
					want = substr(rest, 1, index(rest, " ") - 1) + 0
				}
				if ($2 - base[$1] != want) {
					printf "%s %s moved by %d, want %d\n", node, $1,
						$2 - base[$1], want
					bad = 1
				}
			}
			END { exit bad }' "$WORK_DIR/base.$node" "$WORK_DIR/now.$node" ||
			status=1
	done
	return "$status"
}

# fails_with STATUS MESSAGE CMD...: CMD exits with STATUS and the first line
# of its stderr is exactly MESSAGE.
fails_with() {
	local want_status=$1 want=$2 err status
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	status=$?
	if [ "$status" -ne "$want_status" ] || [ "${err%%$'\n'*}" != "$want" ]; then
		echo "exit status $status (want $want_status)"
		echo "stderr: $err"
		echo "want:   $want"
		return 1
	fi
}

# payload N SEED: N bytes as hex, an NHRP-looking fixed header then a pattern.
payload() {
	local n=$1 seed=$2 i byte hex="0001080000000000"
	# (printf -v: a $(printf) a byte was a subshell each, 12 s of CPU
	# under TCG for 1000 bytes.)
	for ((i = 8; i < n; i++)); do
		printf -v byte '%02x' $(((i * 7 + seed) & 255))
		hex+=$byte
	done
	echo "$hex"
}

# --- a first registration: no cache entries -------------------------------------

PCAP=$WORK_DIR/wan.pcap
capture_started() {
	ip netns exec "$wan" tcpdump --immediate-mode -i p-s1 -U -n -w "$PCAP" 'ip proto 47' \
		>"$WORK_DIR/tcpdump.log" 2>&1 &
	TCPDUMP_PID=$!
	BG_PIDS+=("$TCPDUMP_PID")
	wait_until 20 grep -q "listening on" "$WORK_DIR/tcpdump.log"
}
check "tcpdump on the wan (s1's port)" capture_started

REQ=$(payload 40 1)
REP=$(payload 52 2)
check "the hub listens (answering what it receives)" \
	listen hub hub1 --reply "$REP"
check "s1 listens" listen s1 s1rep
check "counters read" baseline
check "s1 sends 40 bytes to NBMA 192.0.2.1 (no cache entry)" \
	nhrp s1 send dmvpn0 192.0.2.1 "$REQ"
check "the hub receives them from 192.0.2.2, host, ARPHRD_IPGRE, 0x2001" \
	heard hub1 "from=192.0.2.2 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=40 data=$REQ"
check "s1 receives the hub's answer (sent to the learned NBMA, no entry)" \
	heard s1rep "from=192.0.2.1 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=52 data=$REP"
check "tx_nhrp +1 and rx_nhrp +1 on each side, no other counter" \
	moved "s1.tx_nhrp=1 hub.rx_nhrp=1 hub.tx_nhrp=1 s1.rx_nhrp=1"

# gre_captured N: the capture holds N GRE packets (or more) so far.
gre_captured() {
	[ "$(python3 -S "$SOCK" pcap "$PCAP" | wc -l)" -ge "$1" ]
}
# Both packets have crossed the wan by now, but tcpdump may not have
# written them yet.
wait_until 10 gre_captured 2
capture_done() {
	kill -INT "$TCPDUMP_PID" && wait "$TCPDUMP_PID"
	[ -s "$PCAP" ]
}
check "tcpdump stops" capture_done
GRE_SEEN=$(python3 -S "$SOCK" pcap "$PCAP")
gre_seen() {
	grep -qxF "$1" <<<"$GRE_SEEN" && return 0
	echo "want: $1"
	echo "capture:"
	echo "$GRE_SEEN"
	return 1
}
check "wan: s1 -> hub is GRE, key $KEY, protocol 0x2001, the 40 bytes" \
	gre_seen "src=192.0.2.2 dst=192.0.2.1 flags=0x2000 key=$KEY proto=0x2001 len=40 data=$REQ"
check "wan: hub -> s1 is GRE, key $KEY, protocol 0x2001, the 52 bytes" \
	gre_seen "src=192.0.2.1 dst=192.0.2.2 flags=0x2000 key=$KEY proto=0x2001 len=52 data=$REP"
check "wan: no other GRE packet" test "$(wc -l <<<"$GRE_SEEN")" -eq 2

# --- with cache entries ----------------------------------------------------------------

check "hub and spoke cache entries" lab_hub_and_spoke_entries

REQ=$(payload 64 3)
check "s2 listens" listen s2 s2a
baseline
check "the hub sends 64 bytes to s2 (192.0.2.3, which it has an entry for)" \
	nhrp hub send dmvpn0 192.0.2.3 "$REQ"
check "s2 receives them from 192.0.2.1" \
	heard s2a "from=192.0.2.1 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=64 data=$REQ"
check "hub tx_nhrp +1, s2 rx_nhrp +1" moved "hub.tx_nhrp=1 s2.rx_nhrp=1"

REQ=$(payload 1000 4)
check "s2 listens" listen s2 s2b
baseline
check "s1 sends 1000 bytes straight to s2 (192.0.2.3, no entry for it)" \
	nhrp s1 send dmvpn0 192.0.2.3 "$REQ"
check "s2 receives them from 192.0.2.2" \
	heard s2b "from=192.0.2.2 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=1000 data=$REQ"
check "s1 tx_nhrp +1, s2 rx_nhrp +1; the hub saw nothing" \
	moved "s1.tx_nhrp=1 s2.rx_nhrp=1"

# --- an NBMA address without a route --------------------------------------------------

# The listeners take one packet each: a marker sent after the lost packet
# must be the first thing they get.
check "the hub listens" listen hub hub2
check "s2 listens" listen s2 s2c
baseline
check "s1 sends to 198.51.100.1 (no route): the send itself succeeds" \
	nhrp s1 send dmvpn0 198.51.100.1 "$(payload 40 5)"
check "s1 tx_nhrp +1, tx_errors +1" moved "s1.tx_nhrp=1 s1.tx_errors=1"
MARK=$(payload 24 6)
nhrp s1 send dmvpn0 192.0.2.1 "$MARK"
nhrp s1 send dmvpn0 192.0.2.3 "$MARK"
check "the hub received nothing before the next packet" \
	heard hub2 "from=192.0.2.2 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=24 data=$MARK"
check "s2 received nothing before the next packet" \
	heard s2c "from=192.0.2.2 halen=4 pkttype=host hatype=$ARPHRD_IPGRE proto=0x2001 len=24 data=$MARK"

# --- no NBMA address ---------------------------------------------------------------

# ip_gre refuses these in its header_ops (EINVAL from sendto); sent on,
# they would go nowhere (0.0.0.0 is routed to the loopback and dropped
# there as a martian) while counted as sent.
check "counters read" baseline
check "sendto NBMA 0.0.0.0 fails: EINVAL (as on ip_gre)" \
	fails_with 1 "Error: EINVAL (Invalid argument)" \
	nhrp s1 send dmvpn0 0.0.0.0 "$(payload 40 8)"
check "sendto without an address (sll_halen 0) fails: EINVAL" \
	fails_with 1 "Error: EINVAL (Invalid argument)" \
	nhrp s1 send dmvpn0 none "$(payload 40 9)"
check "... nothing counted" moved ""

# --- sockets of other protocols ------------------------------------------------------

# A packet socket bound to IPv4 on the hub's dmvpn0: NHRP from s1 first,
# then a ping from s1 to the hub (IPv4 over the tunnel, via its NHS entry);
# the first packet the socket gets must be the ping.
check "the hub listens for IPv4 on dmvpn0" listen hub ipv4 --proto 0x0800
check "s1 sends NHRP to the hub" nhrp s1 send dmvpn0 192.0.2.1 "$(payload 40 7)"
check "s1 pings the hub's tunnel address" \
	ip netns exec "$s1" ping -q -c 1 -W 10 10.255.0.1
first_is_ping() {
	wait "${LISTENER[ipv4]}"
	[[ "$(cat "$WORK_DIR/ipv4.out")" == "from= halen=0 pkttype=host hatype=$ARPHRD_IPGRE proto=0x0800 len=84 data=45"* ]] &&
		return 0
	cat "$WORK_DIR/ipv4.out"
	return 1
}
check "the IPv4 socket got the ping, not the NHRP packet (no link address)" \
	first_is_ping

test_end

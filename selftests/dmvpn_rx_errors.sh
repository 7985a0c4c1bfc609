#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_rx_errors.sh: malformed GRE sent to a dmvpn device is dropped (or
# passed on) and counted, exactly, and never crashes anything; valid GRE is
# delivered and answered.
#
# Topology: crafted GRE from a raw IPPROTO_GRE socket (selftests/
# dmvpn_gre_craft.py writes the GRE header, the kernel the IPv4 header).
#
#   netns tx-<run id>                 netns rx-<run id>
#   +------------------+   veth   +---------------------------------------+
#   | veth0            |----------| veth0 192.0.2.1, 192.0.2.11           |
#   | 192.0.2.2        |          | dmvpn0 local 192.0.2.1 key 7 csum     |
#   | dmvpn_gre_craft  |          |        10.255.0.1/24                  |
#   +------------------+          | dmvpn1 local 192.0.2.11 (no key/csum) |
#                                 |        10.254.0.1/24                  |
#                                 +---------------------------------------+
#   Cache: dmvpn0 10.255.0.2 -> 192.0.2.2, dmvpn1 10.254.0.2 -> 192.0.2.2,
#   so that the echo replies of the valid packets go back to the sender.
#   IPv6 is off in rx, so that nothing but the test moves a counter.
#
# Checks: after each packet, every counter of both devices (the files in
# /sys/class/net/DEV/dmvpn/ and rx_errors, rx_packets, rx_frame_errors of
# the link statistics) moved by exactly the amount named, all others not:
#   - wrong key, missing key, a key to a device without one: rx_err_key,
#     passed on (not dropped: no rx_errors), not delivered (no echo reply)
#   - routing bit, strict source route, recursion count, reserved flags:
#     rx_err_header and rx_errors
#   - a 2-byte GRE header; key and checksum flags but the packet ends
#     early: rx_err_truncated and rx_errors
#   - bad checksum, missing checksum on a csum device, bad checksum on a
#     device without csum: rx_err_csum and rx_errors
#   - inner protocol 0x6558 (TEB): rx_err_proto, passed on
#   - GRE version 1 (PPTP): ignored, no counter moves
#   - outer ECN CE over a not-ECT inner packet (RFC 6040): dropped,
#     rx_err_header, rx_errors, rx_frame_errors; outer ECT(0): delivered
#   - valid packets (key 7 and checksum; no key with a sequence number;
#     fragmented outer packet; NHRP): delivered, rx_packets (rx_nhrp), and
#     the ICMP echo inside is answered over GRE with the device's key and
#     a valid checksum
#   - GRE nested 64 deep to the same device: every level delivered and
#     counted, the echo inside answered, the kernel's stack unharmed (each
#     level is queued to the GRO cells, not received inside the one before)
#   - an inner IPv4 header of 5 bytes, an inner IPv6 header of 30: the
#     inner header must be there whole before ECN reads it: rx_err_truncated
#     and rx_errors
#   - a device that is down receives nothing: a valid packet to dmvpn1
#     while it is down moves no counter (the one after "up" does)
#   - 400 pseudo-random GRE packets per device: the counters move exactly
#     as a model of the rules (in dmvpn_gre_craft.py) predicts, and the
#     device still works afterwards
#   - "ip -s link" rx errors = rx_err_truncated + rx_err_header +
#     rx_err_csum: the dropped kinds, not those passed on
#   - GRO on rx's veth0 (it verifies the GRE checksum and marks the packet
#     CHECKSUM_UNNECESSARY, csum_level 0): an inner UDP datagram with a bad
#     checksum under a good GRE checksum is counted in Udp InCsumErrors,
#     not taken as verified (NoPorts); with a good one, NoPorts
#   - ICMP "fragmentation needed" (MTU 1300) about dmvpn0's GRE to
#     192.0.2.2, with ip_gre unloaded (its error handler would act on the
#     same messages): with a bad ICMP checksum, or with ip_no_pmtu_disc 2
#     or 3, the route to 192.0.2.2 keeps its MTU; with 0 it gets MTU 1300;
#     with 1, min_pmtu (552) locked, as ip-sysctl.rst says
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin (IP_LIB_DIR), python3.

# $tx and $rx are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/craft.sh
source "$DMVPN_SELFTESTS/craft.sh"

cleanup() {
	[ -z "${CRAFT_PID:-}" ] || craft_stop
	dmvpn_cleanup
}
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip python3 ethtool nsenter
[ -x "$DMVPNCTL" ] || skip_all "$DMVPNCTL not built"
require_module

KEY0=7

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

setup_ns tx rx
setup() {
	ns_ipv6_off "$rx" &&
	ip link add veth0 netns "$tx" type veth peer name veth0 netns "$rx" &&
	ip -n "$tx" addr add 192.0.2.2/24 dev veth0 &&
	ip -n "$tx" link set veth0 up &&
	ip -n "$rx" addr add 192.0.2.1/24 dev veth0 &&
	ip -n "$rx" addr add 192.0.2.11/24 dev veth0 &&
	ip -n "$rx" link set veth0 up &&
	ip -n "$rx" link add dmvpn0 type dmvpn local 192.0.2.1 key "$KEY0" csum &&
	ip -n "$rx" addr add 10.255.0.1/24 dev dmvpn0 &&
	ip -n "$rx" link set dmvpn0 up &&
	ip -n "$rx" link add dmvpn1 type dmvpn local 192.0.2.11 &&
	ip -n "$rx" addr add 10.254.0.1/24 dev dmvpn1 &&
	ip -n "$rx" link set dmvpn1 up &&
	"$DMVPNCTL" -n "$rx" cache add 10.255.0.2 nbma 192.0.2.2 dev dmvpn0 &&
	"$DMVPNCTL" -n "$rx" cache add 10.254.0.2 nbma 192.0.2.2 dev dmvpn1
}
check "setup: veth, dmvpn0 (key $KEY0 csum), dmvpn1 (no key), cache entries" \
	setup || bail_out "setup failed"

# One crafter for the whole test (craft.sh): in rx's namespace, its
# sockets made in tx's.
check "dmvpn_gre_craft.py serve starts" craft_start "$rx" --netns "/run/netns/$tx" || bail_out "no crafter"

# counters ARRAY: every dmvpn counter of both devices (dmvpn/NAME) and the
# link statistics that rx touches (link/NAME), into the associative ARRAY,
# keyed "DEV NAME".
declare -A COUNT_BASE=() COUNT_NOW=()
counters() {
	local -n into=$1
	local dev name value
	craft counters dmvpn0 dmvpn1 >/dev/null || return 1
	into=()
	while read -r dev name value; do
		# shellcheck disable=SC2034 # a name for the caller's array
		into["$dev $name"]=$value
	done <<<"$CRAFT_OUT"
}

baseline() {
	counters COUNT_BASE
}

# compare DEV SPEC: the counters of DEV moved from the baseline by exactly
# SPEC ("dmvpn/NAME=N link/NAME=N ..."), every other counter of both
# devices not at all.
compare() {
	local -A expected=()
	local word name now base delta expect bad=0
	counters COUNT_NOW || return 1
	for word in $2; do
		expected["$1 ${word%%=*}"]=${word#*=}
	done
	for name in "${!COUNT_NOW[@]}"; do
		now=${COUNT_NOW[$name]}
		base=${COUNT_BASE[$name]:-0}
		delta=$((now - base))
		expect=${expected[$name]:-0}
		if [ "$delta" -ne "$expect" ]; then
			echo "$name: moved by $delta, want $expect"
			bad=1
		fi
	done
	for name in "${!expected[@]}"; do
		if [ -z "${COUNT_NOW[$name]+set}" ]; then
			echo "no counter $name"
			bad=1
		fi
	done
	return "$bad"
}

# moved DEV SPEC: wait (up to 5 s: packets are handled asynchronously)
# until compare DEV SPEC holds, then take a new baseline.  A counter that
# moved too far stays so: waiting longer cannot hide it.
moved() {
	local status name
	wait_until 5 compare "$1" "$2"
	compare "$1" "$2"
	status=$?
	COUNT_BASE=()
	for name in "${!COUNT_NOW[@]}"; do
		COUNT_BASE[$name]=${COUNT_NOW[$name]}
	done
	return "$status"
}

baseline || bail_out "cannot read the counters"

# An ICMP echo 10.255.0.2 > 10.255.0.1 inside, unless the test says else.
ECHO0=(--echo 10.255.0.2 10.255.0.1)
ECHO1=(--echo 10.254.0.2 10.254.0.1)
REPLY0="reply src=192.0.2.1 dst=192.0.2.2 flags=0xa000 key=$KEY0 csum=ok proto=0x0800 inner=10.255.0.1>10.255.0.2 icmp=echo-reply"
REPLY1="reply src=192.0.2.11 dst=192.0.2.2 flags=0x0000 key=none csum=none proto=0x0800 inner=10.254.0.1>10.254.0.2 icmp=echo-reply"

# answered WANT ARGS...: craft send ARGS... and the echo reply is WANT.
answered() {
	local want=$1 got
	shift
	craft send "$@" --reply 5 >/dev/null || return 1
	got=${CRAFT_OUT%$'\n'}
	[ "$got" = "$want" ] && return 0
	echo "got:  $got"
	echo "want: $want"
	return 1
}

# --- valid packets first: the path works ----------------------------------------

check "valid (key $KEY0, checksum): echo answered over GRE, key $KEY0, valid checksum" \
	answered "$REPLY0" 192.0.2.1 --key "$KEY0" --csum good "${ECHO0[@]}"
check "... rx_packets +1 (device and link), tx_shortcut +1 for the reply" \
	moved dmvpn0 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"
check "valid on dmvpn1 (no key, a sequence number): echo answered" \
	answered "$REPLY1" 192.0.2.11 --seq 5 "${ECHO1[@]}"
check "... rx_packets +1, tx_shortcut +1" \
	moved dmvpn1 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"

# --- key ------------------------------------------------------------------------

check "wrong key (8): not delivered (no echo reply in 1 s)" \
	craft send 192.0.2.1 --key 8 --csum good "${ECHO0[@]}" --no-reply 1
check "... rx_err_key +1, passed on: no rx_errors" \
	moved dmvpn0 "dmvpn/rx_err_key=1"
check "missing key" craft send 192.0.2.1 --csum good "${ECHO0[@]}"
check "... rx_err_key +1" moved dmvpn0 "dmvpn/rx_err_key=1"
check "a key to dmvpn1, which has none" \
	craft send 192.0.2.11 --key "$KEY0" "${ECHO1[@]}"
check "... dmvpn1 rx_err_key +1" moved dmvpn1 "dmvpn/rx_err_key=1"

# --- header flags ---------------------------------------------------------------------

for flag in 0x4000:routing 0x0800:strict-source-route 0x0100:recursion-1 \
	0x0700:recursion-7 0x0040:reserved-0x0040 0x0008:reserved-0x0008; do
	check "flag ${flag#*:} (${flag%%:*})" \
		craft send 192.0.2.1 --flags "${flag%%:*}" --key "$KEY0" \
		--csum good "${ECHO0[@]}"
	check "... rx_err_header +1, rx_errors +1" \
		moved dmvpn0 "dmvpn/rx_err_header=1 link/rx_errors=1"
done
check "flag routing on dmvpn1" \
	craft send 192.0.2.11 --flags 0x4000 "${ECHO1[@]}"
check "... dmvpn1 rx_err_header +1, rx_errors +1" \
	moved dmvpn1 "dmvpn/rx_err_header=1 link/rx_errors=1"

# --- truncated ------------------------------------------------------------------------

check "a GRE header of 2 bytes" \
	craft send 192.0.2.1 --key "$KEY0" --truncate 2
check "... rx_err_truncated +1, rx_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_truncated=1 link/rx_errors=1"
check "checksum and key flags, packet ends after 4 bytes" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --truncate 4
check "... rx_err_truncated +1, rx_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_truncated=1 link/rx_errors=1"
check "checksum and key flags, packet ends inside the key" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --truncate 10
check "... rx_err_truncated +1, rx_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_truncated=1 link/rx_errors=1"
check "key flag on dmvpn1, packet ends after 4 bytes" \
	craft send 192.0.2.11 --key 1 --truncate 4
check "... dmvpn1 rx_err_truncated +1, rx_errors +1" \
	moved dmvpn1 "dmvpn/rx_err_truncated=1 link/rx_errors=1"

# --- checksum ------------------------------------------------------------------------------

check "bad checksum" craft send 192.0.2.1 --key "$KEY0" --csum bad "${ECHO0[@]}"
check "... rx_err_csum +1, rx_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_csum=1 link/rx_errors=1"
check "missing checksum on a csum device" \
	craft send 192.0.2.1 --key "$KEY0" "${ECHO0[@]}"
check "... rx_err_csum +1, rx_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_csum=1 link/rx_errors=1"
check "bad checksum on dmvpn1 (no csum option: a checksum present is checked)" \
	craft send 192.0.2.11 --csum bad "${ECHO1[@]}"
check "... dmvpn1 rx_err_csum +1, rx_errors +1" \
	moved dmvpn1 "dmvpn/rx_err_csum=1 link/rx_errors=1"
check "good checksum on dmvpn1: echo answered (without a checksum)" \
	answered "$REPLY1" 192.0.2.11 --csum good "${ECHO1[@]}"
check "... rx_packets +1, tx_shortcut +1" \
	moved dmvpn1 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"

# --- inner protocol ------------------------------------------------------------------------

check "inner protocol 0x6558 (TEB)" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --proto 0x6558 --hex "$(printf '00%.0s' {1..60})"
check "... rx_err_proto +1, passed on: no rx_errors" \
	moved dmvpn0 "dmvpn/rx_err_proto=1"
check "inner protocol 0x0806 (ARP) on dmvpn1" \
	craft send 192.0.2.11 --proto 0x0806 --hex "$(printf '00%.0s' {1..28})"
check "... dmvpn1 rx_err_proto +1" moved dmvpn1 "dmvpn/rx_err_proto=1"
check "NHRP (0x2001) with no NHRP daemon listening" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --proto 0x2001 --hex "$(printf '01%.0s' {1..20})"
check "... rx_nhrp +1, link rx_packets +1" \
	moved dmvpn0 "dmvpn/rx_nhrp=1 link/rx_packets=1"

# --- GRE version 1 -------------------------------------------------------------------------

check "GRE version 1 (PPTP: key flag, protocol 0x880b)" \
	craft send 192.0.2.1 --flags 0x0001 --key 0x00100001 --proto 0x880b --hex "$(printf 'ff%.0s' {1..16})"
check "GRE version 1 with the right key and checksum" \
	craft send 192.0.2.1 --flags 0x0001 --key "$KEY0" --csum good "${ECHO0[@]}"
# Nothing counts an ignored packet: a wrong-key packet after them shows
# that they have been handled when its own count arrives.
check "then a wrong-key packet as a marker" \
	craft send 192.0.2.1 --key 9 --csum good "${ECHO0[@]}"
check "... only the marker counted (rx_err_key +1): version 1 is ignored" \
	moved dmvpn0 "dmvpn/rx_err_key=1"

# --- ECN --------------------------------------------------------------------------------------

check "outer ECN CE over a not-ECT inner packet" \
	craft send 192.0.2.1 --tos 3 --key "$KEY0" --csum good "${ECHO0[@]}"
check "... dropped: rx_err_header +1, rx_errors +1, rx_frame_errors +1" \
	moved dmvpn0 "dmvpn/rx_err_header=1 link/rx_errors=1 link/rx_frame_errors=1"
check "outer ECT(0) over a not-ECT inner packet: echo answered" \
	answered "$REPLY0" 192.0.2.1 --tos 2 --key "$KEY0" --csum good "${ECHO0[@]}"
check "... rx_packets +1, tx_shortcut +1" \
	moved dmvpn0 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"

# --- fragments ------------------------------------------------------------------------------

# 2000 bytes of ICMP data: two outer fragments in, and an inner packet that
# leaves again in two fragments (dmvpn0's MTU is 1500 - 20 - 12).
check "a fragmented GRE packet (2000 bytes of echo data): reassembled, answered" \
	answered "$REPLY0" 192.0.2.1 --key "$KEY0" --csum good "${ECHO0[@]}" --size 2000
check "... rx_packets +1 (one packet), tx_shortcut +2 (the reply's fragments)" \
	moved dmvpn0 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=2"

# --- nesting ---------------------------------------------------------------------------------

# Each level is delivered on dmvpn0 and comes back to its receive hook: were
# every level taken up at once, 64 of them would overflow the kernel stack.
check "GRE in GRE, 64 levels deep, to dmvpn0 itself: echo answered" \
	answered "$REPLY0" 192.0.2.1 --key "$KEY0" --csum good "${ECHO0[@]}" \
	--nest 64 192.0.2.2
check "... rx_packets +65 (every level), tx_shortcut +1" \
	moved dmvpn0 "dmvpn/rx_packets=65 link/rx_packets=65 dmvpn/tx_shortcut=1"

# --- inner header cut short ------------------------------------------------------------

check "protocol 0x0800, 5 bytes of inner IPv4 header" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --hex 4500000a00
check "... rx_err_truncated +1, rx_errors +1, not delivered" \
	moved dmvpn0 "dmvpn/rx_err_truncated=1 link/rx_errors=1"
check "protocol 0x86dd, 30 bytes of inner IPv6 header" \
	craft send 192.0.2.1 --key "$KEY0" --csum good --proto 0x86dd \
	--hex "60$(printf '00%.0s' {1..29})"
check "... rx_err_truncated +1, rx_errors +1, not delivered" \
	moved dmvpn0 "dmvpn/rx_err_truncated=1 link/rx_errors=1"

# --- a device that is down ----------------------------------------------------------------

check "dmvpn1 down" ip -n "$rx" link set dmvpn1 down
check "a valid packet to dmvpn1 while it is down: not answered" \
	craft send 192.0.2.11 "${ECHO1[@]}" --no-reply 1
check "dmvpn1 up" ip -n "$rx" link set dmvpn1 up
check "a valid packet to dmvpn1 once it is up: answered" \
	answered "$REPLY1" 192.0.2.11 "${ECHO1[@]}"
check "... rx_packets +1: only the packet sent while it was up" \
	moved dmvpn1 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"

# --- pseudo-random packets ----------------------------------------------------------------

# fuzzed DEV DST SEED ARGS...: the counters of DEV moved as the model says.
fuzzed() {
	local dev=$1 dst=$2 seed=$3 model spec word name
	local -A n=()
	shift 3
	craft fuzz "$dst" --seed "$seed" --count 400 "$@" >/dev/null || return 1
	model=${CRAFT_OUT%$'\n'}
	echo "model: $model"
	for word in $model; do
		n[${word%%=*}]=${word#*=}
	done
	spec=""
	for name in rx_packets rx_nhrp rx_err_truncated rx_err_header \
		rx_err_key rx_err_csum rx_err_proto; do
		[ -n "${n[$name]:-}" ] || return 1
		spec+=" dmvpn/$name=${n[$name]}"
	done
	spec+=" link/rx_errors=$((n[rx_err_truncated] + n[rx_err_header] + n[rx_err_csum]))"
	spec+=" link/rx_packets=$((n[rx_packets] + n[rx_nhrp]))"
	moved "$dev" "$spec"
}
check "400 pseudo-random GRE packets to dmvpn0 count as the model says" \
	fuzzed dmvpn0 192.0.2.1 "$RANDOM" --dev-key "$KEY0" --dev-csum
check "400 pseudo-random GRE packets to dmvpn1 count as the model says" \
	fuzzed dmvpn1 192.0.2.11 "$RANDOM"
check "dmvpn0 still answers" \
	answered "$REPLY0" 192.0.2.1 --key "$KEY0" --csum good "${ECHO0[@]}"
check "dmvpn1 still answers" answered "$REPLY1" 192.0.2.11 "${ECHO1[@]}"

# --- what "ip -s link" says --------------------------------------------------------------

# ip_errors_are_drops DEV: "ip -s link" rx errors of DEV = the sum of the
# counters of the kinds that are dropped (key and proto are passed on).
ip_errors_are_drops() {
	local json ip_errors='' drops
	# ("stats64":{"rx":{"bytes":N,"packets":N,"errors":N,...)
	json=$(ip -n "$rx" -s -j link show dev "$1") || return 1
	[[ "$json" =~ \"stats64\":\{\"rx\":\{[^}]*\"errors\":([0-9]+) ]] &&
		ip_errors=${BASH_REMATCH[1]}
	counters COUNT_NOW || return 1
	drops=$((COUNT_NOW["$1 dmvpn/rx_err_truncated"] + COUNT_NOW["$1 dmvpn/rx_err_header"] +
		COUNT_NOW["$1 dmvpn/rx_err_csum"]))
	[ -n "$ip_errors" ] && [ "$ip_errors" = "$drops" ] && [ "$drops" -gt 0 ] &&
		return 0
	echo "ip -s link: $ip_errors rx errors; truncated + header + csum: $drops"
	return 1
}
check "dmvpn0: ip -s link rx errors = truncated + header + csum" \
	ip_errors_are_drops dmvpn0
check "dmvpn1: ip -s link rx errors = truncated + header + csum" \
	ip_errors_are_drops dmvpn1

# --- GRO: the GRE checksum covers the GRE packet, not the inner one ---------------------

# udp_stats: Udp InCsumErrors and NoPorts of rx's /proc/net/snmp, in csum
# and noports (the crafter runs in rx's namespace).
udp_stats() {
	craft snmp Udp InCsumErrors NoPorts >/dev/null || return 1
	{ read -r csum && read -r noports; } <<<"$CRAFT_OUT"
}

# udp_moved CSUM_ERRORS NO_PORTS: Udp InCsumErrors and NoPorts moved by
# that much since udp_base.
udp_base() {
	local csum noports
	udp_stats && UDP_CSUM=$csum && UDP_NOPORTS=$noports
}
udp_moved() {
	local csum noports
	udp_stats || return 1
	echo "InCsumErrors +$((csum - UDP_CSUM)) (want +$1)," \
		"NoPorts +$((noports - UDP_NOPORTS)) (want +$2)"
	[ "$((csum - UDP_CSUM))" -eq "$1" ] && [ "$((noports - UDP_NOPORTS))" -eq "$2" ]
}

# (DF and identification 0, outer and inner, or GRO flushes at once and
# verifies nothing.)
UDP0=(192.0.2.1 --src 192.0.2.2 --df --key "$KEY0" --csum good
	--udp 10.255.0.2 10.255.0.1 9)
# (veth takes its NAPI and GRO path only for packets from a peer without
# TSO.)
gro_on() {
	ip netns exec "$rx" ethtool -K veth0 gro on &&
	ip netns exec "$tx" ethtool -K veth0 tso off
}
check "GRO on rx's veth0, TSO off on tx's" gro_on
baseline
udp_base
check "UDP with a good checksum under a good GRE checksum" craft send "${UDP0[@]}"
check "... Udp NoPorts +1 (port 9 is closed)" wait_until 5 udp_moved 0 1
check "... and only that" udp_moved 0 1
check "... rx_packets +1, tx_shortcut +1 (port unreachable)" \
	moved dmvpn0 "dmvpn/rx_packets=1 link/rx_packets=1 dmvpn/tx_shortcut=1"
udp_base
check "UDP with a bad checksum under a good GRE checksum" \
	craft send "${UDP0[@]}" --bad-l4-csum
check "... Udp InCsumErrors +1: the inner checksum was checked" \
	wait_until 5 udp_moved 1 0
check "... and not NoPorts" udp_moved 1 0
check "... rx_packets +1, no answer" \
	moved dmvpn0 "dmvpn/rx_packets=1 link/rx_packets=1"

# --- ICMP "fragmentation needed" about our GRE ------------------------------------------

# (Last: the MTU it leaves on the route to 192.0.2.2 would change how the
# replies above are fragmented.)
# ip_gre, when loaded (by an earlier test of the suite), lowers the same
# route from its own GRE error handler: gone, what the route shows is
# dmvpn's doing alone.
no_ip_gre() {
	[ ! -d /sys/module/ip_gre ] || modprobe -r ip_gre
}
# route_mtu: "mtu N" or "mtu lock N" of the route to 192.0.2.2, "none".
route_mtu() {
	local route
	route=$(ip -n "$rx" route get 192.0.2.2) || return 1
	if [[ "$route" =~ mtu\ (lock\ )?[0-9]+ ]]; then
		echo "${BASH_REMATCH[0]}"
	else
		echo none
	fi
}
route_mtu_is() {
	[ "$(route_mtu)" = "$1" ]
}
no_pmtu_disc() {
	nsenter --net="/run/netns/$rx" sysctl -qw "net.ipv4.ip_no_pmtu_disc=$1"
}
FRAG=(frag-needed 192.0.2.1 --quote 192.0.2.1 192.0.2.2 --mtu 1300)
# ignored_frag_needed ARGS...: the ICMP, then an echo through dmvpn0 as a
# marker that the ICMP, sent before it, has been handled.
ignored_frag_needed() {
	craft "${FRAG[@]}" "$@" &&
	answered "$REPLY0" 192.0.2.1 --key "$KEY0" --csum good "${ECHO0[@]}" &&
	route_mtu_is none
}
check "ip_gre is not loaded" no_ip_gre
check "frag needed, MTU 1300, bad ICMP checksum: the route to 192.0.2.2 has no MTU of its own" \
	ignored_frag_needed --bad-csum
check "ip_no_pmtu_disc=2" no_pmtu_disc 2
check "frag needed, right checksum: ignored, no MTU of its own" \
	ignored_frag_needed
check "ip_no_pmtu_disc=3 (GRE has no strict tag validation)" no_pmtu_disc 3
check "frag needed, right checksum: ignored, no MTU of its own" \
	ignored_frag_needed
check "ip_no_pmtu_disc=0" no_pmtu_disc 0
check "frag needed, MTU 1300, right checksum" craft "${FRAG[@]}"
check "... the route to 192.0.2.2 gets MTU 1300" wait_until 5 route_mtu_is "mtu 1300"
MIN_PMTU=$(ip netns exec "$rx" sysctl -n net.ipv4.route.min_pmtu)
check "ip_no_pmtu_disc=1" no_pmtu_disc 1
check "frag needed, MTU 1300, right checksum" craft "${FRAG[@]}"
check "... the route gets min_pmtu, locked (mtu lock $MIN_PMTU)" \
	wait_until 5 route_mtu_is "mtu lock $MIN_PMTU"
check "ip_no_pmtu_disc=0 again" no_pmtu_disc 0

test_end

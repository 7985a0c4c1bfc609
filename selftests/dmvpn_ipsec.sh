#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec.sh: GRE protected by transport-mode ESP, and require-ipsec.
#
# DMVPN runs its GRE inside IPsec: an xfrm policy for "proto gre" between
# two NBMA addresses makes the outer route lookup of dmvpn0 return an xfrm
# bundle, so the GRE packets leave as ESP.  On receive, ESP is decrypted
# before dmvpn's LOCAL_IN hook sees the GRE, and the hook checks the
# input policy.  With require-ipsec (on the device, or on one cache entry)
# dmvpn drops a packet whose route has no xfrm (counted in tx_no_ipsec)
# instead of sending clear GRE.  Each peer's route is cached (dst_cache),
# and that cache must follow xfrm changes: a new policy bumps the route
# generation, a flushed one kills the bundle.
#
# Topology: selftests/lab.sh; only hub and s1 take part.
#
#                  netns wan: br0
#          +-----------------+-----------------+
#          | 192.0.2.1       | 192.0.2.2       | 192.0.2.3 (idle)
#      +---+----+  ESP   +---+----+        +---+----+
#      |  hub   |<------>|   s1   |        |   s2   |
#      | dmvpn0 |        | dmvpn0 |        | dmvpn0 |
#      +--------+        +--------+        +--------+
#      10.255.0.1        10.255.0.2        10.255.0.3
#
# s1 pings 10.255.0.1 (its NHS entry).  IPsec between 192.0.2.1 and
# 192.0.2.2 for proto gre only: SAs with rfc4106(gcm(aes)), reqid 1, and
# policies out and in on both sides.  tcpdump on s1's wan0 sees what leaves
# and reaches s1.  IPv6 is off on the dmvpn devices so that no MLD report
# adds tunnel packets to the counts.
#
# Checks, in order (4 pings unless said otherwise, every count exact):
#   - without IPsec: GRE (proto 47) on the wire, no ESP
#   - SAs and policies on hub and s1: the pings work, as ESP only (4 out,
#     4 in, no GRE) although s1's route to the hub was cached in clear
#   - require-ipsec on s1's dmvpn0 (shown by "ip -d link"): still works,
#     still ESP, tx_no_ipsec unchanged
#   - s1 flushes its policies and SAs: the pings fail, tx_no_ipsec and
#     tx_errors grow by 4, and nothing leaves s1 for the hub, neither GRE
#     nor ESP
#   - norequire-ipsec: the 4 GRE packets leave in clear; the hub's input
#     policy drops them (hub's dmvpn0 rx_dropped +4, rx_packets +0)
#   - require-ipsec on the NHS entry only ("cache replace ... require-ipsec"):
#     no clear GRE to that peer: the pings to 10.255.0.1 are dropped (+4
#     tx_no_ipsec), and so are 2 pings that miss the cache and go to the
#     NHS (10.255.0.3), 2 multicast copies to it, and an NHRP packet to it
#     (sent from a packet socket as an NHRP daemon does)
#   - the SAs and policies back on s1, with the device and its entries as
#     they are: ESP again, 4 out and 4 in, no GRE, no tx_no_ipsec
#   - the same with require-ipsec on the device and a plain entry
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with xfrm and the dmvpn plugin, ping, tcpdump,
# nsenter, python3, ESP with rfc4106(gcm(aes)) in the kernel (esp4), the
# module built for the running kernel.

# The lab's namespace variables are assigned by setup_ns (lab_up).
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"
# shellcheck source=SCRIPTDIR/capture.sh
source "$DMVPN_SELFTESTS/capture.sh"

set -u

cleanup() {
	dmvpn_cleanup
	# Namespaces die asynchronously, and their SAs with them.
	wait_until 10 unload_new_modules
}
trap cleanup EXIT

HUB=192.0.2.1
S1=192.0.2.2
# rfc4106: 16 bytes of AES key and 4 of salt; one key per direction.
KEY_S1_HUB=0x0123456789abcdef0123456789abcdef01234567
KEY_HUB_S1=0x89abcdef0123456789abcdef0123456789abcdef
COUNT=4

# --- traffic --------------------------------------------------------------------

# ping_all NS DEST COUNT: COUNT pings, every one answered.
ping_all() {
	local out
	out=$(nsx "$1" ping -n -q -c "$3" -i 0.2 -W 2 "$2" 2>&1)
	echo "$out"
	[[ "$out" == *" $3 received"* ]]
}

# ping_none NS DEST COUNT [ARG...]: COUNT pings, none answered.
ping_none() {
	local ns=$1 dest=$2 count=$3 out
	shift 3
	out=$(nsx "$ns" ping -n -q -c "$count" -i 0.2 -W 1 "$@" "$dest" 2>&1)
	echo "$out"
	[[ "$out" == *"$count packets transmitted, 0 received"* ]]
}

# send_nhrp NS NBMA: one NHRP packet (GRE protocol 0x2001) out of dmvpn0 to
# NBMA through a packet socket, as an NHRP daemon sends its requests.  Its
# content does not matter here.
send_nhrp() {
	nsx "$1" python3 -c '
import socket, sys
s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(0x2001))
s.sendto(bytes(32), ("dmvpn0", 0x2001, 0, 0, socket.inet_aton(sys.argv[1])))
' "$2"
}

# --- IPsec ------------------------------------------------------------------------

# xfrm_up NODE: both SAs and the node's policies for GRE to and from the
# other node.
xfrm_up() {
	local ns me other
	ns=$(lab_ns "$1")
	if [ "$1" = hub ]; then
		me=$HUB other=$S1
	else
		me=$S1 other=$HUB
	fi
	ip -n "$ns" xfrm state add src "$S1" dst "$HUB" proto esp spi 0x1001 \
		mode transport reqid 1 aead 'rfc4106(gcm(aes))' "$KEY_S1_HUB" 128 &&
	ip -n "$ns" xfrm state add src "$HUB" dst "$S1" proto esp spi 0x1002 \
		mode transport reqid 1 aead 'rfc4106(gcm(aes))' "$KEY_HUB_S1" 128 &&
	ip -n "$ns" xfrm policy add src "$me/32" dst "$other/32" proto gre \
		dir out tmpl src "$me" dst "$other" proto esp \
		mode transport reqid 1 &&
	ip -n "$ns" xfrm policy add src "$other/32" dst "$me/32" proto gre \
		dir in tmpl src "$other" dst "$me" proto esp \
		mode transport reqid 1
}

xfrm_flush() {
	ip -n "$1" xfrm policy flush && ip -n "$1" xfrm state flush
}

# require_ipsec_shown NS true|false: "ip -d link" shows the setting.
require_ipsec_shown() {
	local out
	out=$(ip -n "$1" -j -d link show dev dmvpn0) || return 1
	echo "$out"
	[[ "$out" == *"\"require_ipsec\":$2"* ]]
}

# --- one phase: COUNT pings from s1, then the counts ------------------------

# What to count on s1's wan0 (regexes over the records of capture_read).
ESP_OUT="^src=192\\.0\\.2\\.2 dst=192\\.0\\.2\\.1 proto=50 "
ESP_IN="^src=192\\.0\\.2\\.1 dst=192\\.0\\.2\\.2 proto=50 "
ESP_ANY=" proto=50 "
GRE_OUT="^src=192\\.0\\.2\\.2 .* proto=47 "
GRE_ANY=" proto=47 "
ANY_OUT="^src=192\\.0\\.2\\.2 dst=192\\.0\\.2\\.1 "

PHASE_NODES=()

# phase_begin [NODE...]: mark the capture, and snapshot the counters of
# the nodes (hub, s1) whose counters the phase checks.
phase_begin() {
	local node
	PHASE_NODES=("$@")
	mark=$(capture_mark)
	for node in "${PHASE_NODES[@]}"; do
		take_snap "${node}_before" "$(lab_ns "$node")"
	done
}

# phase_end: the counters after, and the packets captured since the mark
# (tcpdump had the time to write them while the counters were read).
phase_end() {
	local node
	sleep 0.3
	for node in "${PHASE_NODES[@]}"; do
		take_snap "${node}_after" "$(lab_ns "$node")"
	done
	capture_read "$mark"
}

test_begin
require_root
require_cmd ip nsenter ping tcpdump python3 insmod rmmod
require_module
modinfo esp4 >/dev/null 2>&1 || [ -d /sys/module/esp4 ] ||
	skip_all "no esp4 for $(uname -r)"

CAPTURE_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-ipsec.XXXXXX") ||
	bail_out "mktemp failed"
defer rm -rf "$CAPTURE_DIR"

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"
check "lab up" lab_up || bail_out "the lab does not come up"
check "hub and spoke entries" lab_hub_and_spoke_entries ||
	bail_out "the lab has no entries"
for node in hub s1 s2; do
	nsx "$(lab_ns "$node")" sysctl -qw net.ipv6.conf.dmvpn0.disable_ipv6=1
done
check "capture on s1's wan0" capture_start "$s1" wan0 ||
	bail_out "no capture, no test"

# --- clear GRE, the reference ----------------------------------------------------

phase_begin
check "clear: s1 pings the hub over the tunnel" ping_all "$s1" 10.255.0.1 $COUNT
phase_end
check "clear: GRE from s1 on the wire" captured_is $COUNT "$GRE_OUT"
check "clear: no ESP" captured_is 0 "$ESP_ANY"

# --- ESP --------------------------------------------------------------------------

check "IPsec SAs and policies on the hub" xfrm_up hub
check "IPsec SAs and policies on s1" xfrm_up s1
phase_begin hub
check "ESP: s1 pings the hub (route cached before the policy)" \
	ping_all "$s1" 10.255.0.1 $COUNT
phase_end
check "ESP: $COUNT ESP packets from s1 to the hub" \
	captured_is $COUNT "$ESP_OUT"
check "ESP: $COUNT ESP packets from the hub to s1" \
	captured_is $COUNT "$ESP_IN"
check "ESP: no GRE (proto 47) on the wire" captured_is 0 "$GRE_ANY"
check "ESP: the hub's dmvpn0 received $COUNT (rx_packets)" \
	delta_is $COUNT hub_before hub_after dmvpn0 dmvpn rx_packets

# --- require-ipsec on the device ---------------------------------------------------

check "s1: ip link set dmvpn0 type dmvpn require-ipsec" \
	ip -n "$s1" link set dmvpn0 type dmvpn require-ipsec
check "s1: ip -d link shows require-ipsec" require_ipsec_shown "$s1" true
phase_begin s1
check "require-ipsec: s1 pings the hub" ping_all "$s1" 10.255.0.1 $COUNT
phase_end
check "require-ipsec: $COUNT ESP packets from s1" \
	captured_is $COUNT "$ESP_OUT"
check "require-ipsec: no GRE on the wire" captured_is 0 "$GRE_ANY"
check "require-ipsec: tx_no_ipsec unchanged" \
	delta_is 0 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec

check "s1: ip xfrm policy flush; ip xfrm state flush" xfrm_flush "$s1"
phase_begin s1
check "require-ipsec, no policy: the pings fail" \
	ping_none "$s1" 10.255.0.1 $COUNT
phase_end
check "require-ipsec, no policy: tx_no_ipsec +$COUNT" \
	delta_is $COUNT s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "require-ipsec, no policy: tx_errors +$COUNT" \
	delta_is $COUNT s1_before s1_after dmvpn0 statistics tx_errors
check "require-ipsec, no policy: no clear GRE leaves s1" \
	captured_is 0 "$GRE_OUT"
check "require-ipsec, no policy: nothing at all from s1 to the hub" \
	captured_is 0 "$ANY_OUT"

# --- without require-ipsec the same packets go in clear ------------------------------

check "s1: ip link set dmvpn0 type dmvpn norequire-ipsec" \
	ip -n "$s1" link set dmvpn0 type dmvpn norequire-ipsec
check "s1: ip -d link shows no require-ipsec" require_ipsec_shown "$s1" false
phase_begin s1 hub
check "norequire-ipsec, no policy: the pings fail (the hub wants ESP)" \
	ping_none "$s1" 10.255.0.1 $COUNT
phase_end
check "norequire-ipsec, no policy: $COUNT clear GRE packets leave s1" \
	captured_is $COUNT "$GRE_OUT"
check "norequire-ipsec, no policy: no ESP from s1" \
	captured_is 0 "$ESP_OUT"
check "norequire-ipsec, no policy: tx_no_ipsec unchanged" \
	delta_is 0 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "norequire-ipsec, no policy: the hub's policy drops them (rx_dropped +$COUNT)" \
	delta_is $COUNT hub_before hub_after dmvpn0 statistics rx_dropped
check "norequire-ipsec, no policy: the hub's dmvpn0 delivers none" \
	delta_is 0 hub_before hub_after dmvpn0 dmvpn rx_packets

# --- require-ipsec on the NHS entry only ---------------------------------------------

check "s1: cache replace 10.255.0.1 ... require-ipsec" \
	lab_ctl s1 cache replace 10.255.0.1 nbma "$HUB" dev dmvpn0 type nhs \
	multicast require-ipsec
phase_begin s1
check "entry require-ipsec: the pings to 10.255.0.1 fail" \
	ping_none "$s1" 10.255.0.1 $COUNT
phase_end
check "entry require-ipsec: tx_no_ipsec +$COUNT" \
	delta_is $COUNT s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "entry require-ipsec: no clear GRE leaves s1" \
	captured_is 0 "$GRE_OUT"

# 10.255.0.3 has no entry on s1: its packets go to the NHS, the same peer.
phase_begin s1
check "entry require-ipsec: pings that miss to the NHS fail" \
	ping_none "$s1" 10.255.0.3 2
phase_end
check "entry require-ipsec: misses to the NHS: tx_no_ipsec +2" \
	delta_is 2 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "entry require-ipsec: misses to the NHS: no clear GRE leaves s1" \
	captured_is 0 "$GRE_OUT"

# The entry takes multicast: copies to the same peer.
phase_begin s1
check "entry require-ipsec: multicast pings get no answer" \
	ping_none "$s1" 224.0.0.1 2 -I dmvpn0
phase_end
check "entry require-ipsec: multicast copies: tx_no_ipsec +2" \
	delta_is 2 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "entry require-ipsec: multicast copies: no clear GRE leaves s1" \
	captured_is 0 "$GRE_OUT"

# NHRP to the NHS: the same peer again.
phase_begin s1
check "entry require-ipsec: an NHRP packet to the NHS" send_nhrp "$s1" "$HUB"
phase_end
check "entry require-ipsec: NHRP: tx_nhrp +1" \
	delta_is 1 s1_before s1_after dmvpn0 dmvpn tx_nhrp
check "entry require-ipsec: NHRP: tx_no_ipsec +1" \
	delta_is 1 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec
check "entry require-ipsec: NHRP: no clear GRE leaves s1" \
	captured_is 0 "$GRE_OUT"

# --- the policies come back: the cached routes must follow ------------------------

check "IPsec SAs and policies on s1 again" xfrm_up s1
phase_begin s1
check "entry require-ipsec, policy back: s1 pings the hub" \
	ping_all "$s1" 10.255.0.1 $COUNT
phase_end
check "entry require-ipsec, policy back: $COUNT ESP packets from s1" \
	captured_is $COUNT "$ESP_OUT"
check "entry require-ipsec, policy back: $COUNT ESP packets to s1" \
	captured_is $COUNT "$ESP_IN"
check "entry require-ipsec, policy back: no GRE on the wire" \
	captured_is 0 "$GRE_ANY"
check "entry require-ipsec, policy back: tx_no_ipsec unchanged" \
	delta_is 0 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec

check "s1: plain NHS entry again" \
	lab_ctl s1 cache replace 10.255.0.1 nbma "$HUB" dev dmvpn0 type nhs multicast
check "s1: require-ipsec on the device again" \
	ip -n "$s1" link set dmvpn0 type dmvpn require-ipsec
phase_begin s1
check "device require-ipsec, policy back: s1 pings the hub" \
	ping_all "$s1" 10.255.0.1 $COUNT
phase_end
check "device require-ipsec, policy back: $COUNT ESP packets from s1" \
	captured_is $COUNT "$ESP_OUT"
check "device require-ipsec, policy back: no GRE on the wire" \
	captured_is 0 "$GRE_ANY"
check "device require-ipsec, policy back: tx_no_ipsec unchanged" \
	delta_is 0 s1_before s1_after dmvpn0 dmvpn tx_no_ipsec

test_end

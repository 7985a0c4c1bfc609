#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_coexist.sh: dmvpn and ip_gre share the GRE protocol on one host.
#
# dmvpn does not register a GRE protocol handler (ip_gre owns the one slot
# for GRE version 0): each device takes its packets from a netfilter hook
# in LOCAL_IN, and only those addressed to its local address that carry
# its key (or, for a keyless device, no key) and an IPv4, IPv6 or NHRP
# payload.  Everything else goes on to ip_gre.  So both modules load in
# either order, and tunnels of both kinds work side by side on the same
# local address as long as their keys differ.
#
# Topology: two namespaces joined by a veth pair.
#
#   netns a                                               netns b
#   +-------------------------+ veth0           veth0 +-------------------------+
#   | 198.51.100.1/24         +-----------------------+ 198.51.100.2/24         |
#   |                         |                       |                         |
#   | gre1 (ip_gre, key 99)   | 10.99.0.1   10.99.0.2 | gre1 (ip_gre, key 99)   |
#   | dmvpn0 (key 7)          | 10.7.0.1     10.7.0.2 | dmvpn0 (key 7)          |
#   | gre2 (ip_gre, no key)   | 10.98.0.1   10.98.0.2 | gre2 (ip_gre, no key)   |
#   | dmvpn1 (no key, later)  |                       |                         |
#   +-------------------------+                       +-------------------------+
#
# IPv6 is off in both namespaces, so that no router solicitation or MLD
# report adds GRE packets to the counts below.
#
# What happens with keyless tunnels (from kmod/rx.c): a keyless dmvpn device
# takes every keyless GRE packet addressed to its local address whose
# payload it carries, whatever its source, before ip_gre sees it.  A keyless
# ip_gre tunnel on the same local address therefore receives nothing while
# that device exists: its packets surface on the dmvpn device instead.  The
# reverse does not happen: dmvpn transmits on its own, so the ip_gre tunnel
# still sends.  A keyed ip_gre tunnel next to a keyless dmvpn device is not
# affected (a key is a mismatch for the keyless device, which counts it in
# rx_err_key and lets it go).  The same holds for two tunnels with the same
# key on one address: the dmvpn device would win.
#
# Checks, in order:
#   order 1: modprobe ip_gre, then insmod dmvpn
#     - pings over gre1 and over dmvpn0 both work, also at the same time
#     - GRE with key 99 arriving at b is counted in b's dmvpn0 rx_err_key,
#       exactly once per packet, and still reaches gre1 (its rx_packets grow
#       by as much), while dmvpn0's rx_packets do not move; dmvpn traffic
#       moves dmvpn0's rx_packets and neither gre1's nor rx_err_key
#     - namespaces deleted, rmmod dmvpn, then ip_gre and gre unload
#   order 2: insmod dmvpn, devices up, then modprobe ip_gre
#     - dmvpn0 works before ip_gre is there, and after it loaded; gre1
#       created afterwards works too, and both work at the same time
#     - keyless gre2 next to keyed dmvpn0 works, counted in dmvpn0's
#       rx_err_key
#     - with a keyless dmvpn1 on a's local address, the replies over gre2
#       land on dmvpn1 (its rx_packets) and not on gre2; a strict rp_filter
#       then drops them, so the ping fails
#     - keyed gre1 keeps working next to keyless dmvpn1, and counts in its
#       rx_err_key
#     - once dmvpn1 is deleted, gre2 receives again
#   - rmmod dmvpn and ip_gre at the end, nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, ping, nsenter, modprobe with
# ip_gre and gre (modules, as on Debian), the module built for the running
# kernel.

# The namespace variables (a1 b1 a2 b2) are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"

set -u

cleanup() {
	dmvpn_cleanup
	# Namespaces die asynchronously: what they hold may take a moment.
	wait_until 5 unload_new_modules
	local mod
	for mod in ip_gre gre ip_tunnel; do
		if module_was_loaded "$mod" && ! module_is_loaded_name "$mod"; then
			modprobe "$mod"
		fi
	done
}
trap cleanup EXIT

module_is_loaded_name() {
	[ -d "/sys/module/$1" ]
}

# ping_all NS DEST COUNT: COUNT pings, every one answered.
ping_all() {
	local out
	out=$(nsx "$1" ping -n -q -c "$3" -i 0.2 -W 2 "$2" 2>&1)
	echo "$out"
	[[ "$out" == *" $3 received"* ]]
}

# ping_two NS DEST1 DEST2 COUNT: both pings at the same time, all answered.
ping_two() {
	local ns=$1 dest1=$2 dest2=$3 count=$4 out pid status=0
	out=$(mktemp "${TMPDIR:-/tmp}/dmvpn-coexist.XXXXXX") || return 1
	ping_all "$ns" "$dest1" "$count" >"$out" 2>&1 &
	pid=$!
	ping_all "$ns" "$dest2" "$count" || status=1
	wait "$pid" || status=1
	cat "$out"
	rm -f "$out"
	return "$status"
}

# underlay_up A B: the veth pair and its addresses.
underlay_up() {
	ns_ipv6_off "$1" && ns_ipv6_off "$2" &&
	ip link add veth0 netns "$1" type veth peer name veth0 netns "$2" &&
	ip -n "$1" addr add 198.51.100.1/24 dev veth0 &&
	ip -n "$2" addr add 198.51.100.2/24 dev veth0 &&
	ip -n "$1" link set veth0 up &&
	ip -n "$2" link set veth0 up
}

# gre_up NS NAME INDEX NET [KEY]: an ip_gre tunnel from 198.51.100.INDEX to
# the other side, with address NET.INDEX/24.
gre_up() {
	local ns=$1 name=$2 index=$3 net=$4 key=${5:-}
	ip -n "$ns" link add "$name" type gre local "198.51.100.$index" \
		remote "198.51.100.$((3 - index))" ${key:+key "$key"} &&
	ip -n "$ns" addr add "$net.$index/24" dev "$name" &&
	ip -n "$ns" link set "$name" up
}

# dmvpn_up NS INDEX: dmvpn0 with key 7 and a static entry for the other side.
dmvpn_up() {
	local ns=$1 index=$2 other=$((3 - $2))
	ip -n "$ns" link add dmvpn0 type dmvpn local "198.51.100.$index" key 7 &&
	ip -n "$ns" addr add "10.7.0.$index/24" dev dmvpn0 &&
	ip -n "$ns" link set dmvpn0 up &&
	nsx "$ns" "$DMVPNCTL" cache add "10.7.0.$other" \
		nbma "198.51.100.$other" dev dmvpn0 type static
}

# check_side_by_side A B ORDER: the checks that both orders share.
check_side_by_side() {
	local a=$1 b=$2 order=$3

	check "$order: ping over gre1 (ip_gre, key 99)" ping_all "$a" 10.99.0.2 3
	check "$order: ping over dmvpn0 (key 7)" ping_all "$a" 10.7.0.2 3

	take_snap before "$b"
	check "$order: 4 pings over gre1" ping_all "$a" 10.99.0.2 4
	take_snap after "$b"
	check "$order: b's dmvpn0 rx_err_key +4 (GRE with key 99 seen, let go)" \
		delta_is 4 before after dmvpn0 dmvpn rx_err_key
	check "$order: b's gre1 rx_packets +4 (undisturbed)" \
		delta_is 4 before after gre1 statistics rx_packets
	check "$order: b's dmvpn0 rx_packets unchanged by gre1 traffic" \
		delta_is 0 before after dmvpn0 dmvpn rx_packets

	take_snap before "$b"
	check "$order: 4 pings over dmvpn0" ping_all "$a" 10.7.0.2 4
	take_snap after "$b"
	check "$order: b's dmvpn0 rx_packets +4" \
		delta_is 4 before after dmvpn0 dmvpn rx_packets
	check "$order: b's gre1 rx_packets unchanged by dmvpn traffic" \
		delta_is 0 before after gre1 statistics rx_packets
	check "$order: b's dmvpn0 rx_err_key unchanged by its own traffic" \
		delta_is 0 before after dmvpn0 dmvpn rx_err_key

	take_snap before "$b"
	check "$order: 8 pings over gre1 and over dmvpn0 at the same time" \
		ping_two "$a" 10.99.0.2 10.7.0.2 8
	take_snap after "$b"
	check "$order: at the same time: b's gre1 rx_packets +8" \
		delta_is 8 before after gre1 statistics rx_packets
	check "$order: at the same time: b's dmvpn0 rx_packets +8" \
		delta_is 8 before after dmvpn0 dmvpn rx_packets
	check "$order: at the same time: b's dmvpn0 rx_err_key +8" \
		delta_is 8 before after dmvpn0 dmvpn rx_err_key
}

# gre_modules_unload: ip_gre and the GRE demultiplexer (and ip_tunnel) go.
gre_modules_unload() {
	wait_until 10 modprobe -r ip_gre || modprobe -r ip_gre || return 1
	! module_is_loaded_name ip_gre && ! module_is_loaded_name gre
}

test_begin
require_root
require_cmd ip nsenter ping modprobe insmod rmmod
require_module
modinfo ip_gre >/dev/null 2>&1 || skip_all "no ip_gre module for $(uname -r)"

if module_is_loaded_name ip_gre; then
	diag "ip_gre was already loaded: unloading it (and loading it again at the end)"
	gre_modules_unload || bail_out "cannot unload ip_gre"
fi

# --- order 1: ip_gre first ----------------------------------------------------

check "order 1: modprobe ip_gre" modprobe ip_gre ||
	bail_out "ip_gre does not load"
check "order 1: insmod dmvpn.ko with ip_gre loaded" module_load ||
	bail_out "the module does not load"

setup_ns a1 b1
check "order 1: underlay" underlay_up "$a1" "$b1" ||
	bail_out "cannot build the underlay"
check "order 1: gre1 in a" gre_up "$a1" gre1 1 10.99.0 99
check "order 1: gre1 in b" gre_up "$b1" gre1 2 10.99.0 99
check "order 1: dmvpn0 in a" dmvpn_up "$a1" 1
check "order 1: dmvpn0 in b" dmvpn_up "$b1" 2
check_side_by_side "$a1" "$b1" "order 1"

ip netns del "$a1"
ip netns del "$b1"
check "order 1: rmmod dmvpn" module_unload
check "order 1: rmmod ip_gre and gre" gre_modules_unload ||
	bail_out "ip_gre stays loaded: order 2 cannot be tested"

# --- order 2: dmvpn first -------------------------------------------------------

check "order 2: insmod dmvpn.ko without ip_gre" module_load ||
	bail_out "the module does not load a second time"
setup_ns a2 b2
check "order 2: underlay" underlay_up "$a2" "$b2" ||
	bail_out "cannot build the underlay"
check "order 2: dmvpn0 in a" dmvpn_up "$a2" 1
check "order 2: dmvpn0 in b" dmvpn_up "$b2" 2
check "order 2: ping over dmvpn0 without ip_gre" ping_all "$a2" 10.7.0.2 3
check "order 2: modprobe ip_gre with dmvpn devices up" modprobe ip_gre
check "order 2: gre module loaded with ip_gre" module_is_loaded_name gre
check "order 2: ping over dmvpn0 after ip_gre loaded" ping_all "$a2" 10.7.0.2 3
check "order 2: gre1 in a" gre_up "$a2" gre1 1 10.99.0 99
check "order 2: gre1 in b" gre_up "$b2" gre1 2 10.99.0 99
check_side_by_side "$a2" "$b2" "order 2"

# --- keyless tunnels --------------------------------------------------------------

check "keyless: gre2 (no key) in a" gre_up "$a2" gre2 1 10.98.0
check "keyless: gre2 (no key) in b" gre_up "$b2" gre2 2 10.98.0

take_snap before_a "$a2"
take_snap before_b "$b2"
check "keyless: 4 pings over gre2 next to keyed dmvpn0" ping_all "$a2" 10.98.0.2 4
take_snap after_a "$a2"
take_snap after_b "$b2"
check "keyless: a's gre2 rx_packets +4" \
	delta_is 4 before_a after_a gre2 statistics rx_packets
check "keyless: b's dmvpn0 (key 7) rx_err_key +4 (keyless GRE let go)" \
	delta_is 4 before_b after_b dmvpn0 dmvpn rx_err_key

check "keyless: dmvpn1 without key on a's local address" \
	ip -n "$a2" link add dmvpn1 type dmvpn local 198.51.100.1
ip -n "$a2" link set dmvpn1 up
# Strict reverse path filtering: the replies to 10.98.0.1 arrive on dmvpn1,
# but 10.98.0.2 is routed over gre2, so they are dropped after counting.
nsx "$a2" sysctl -qw net.ipv4.conf.all.rp_filter=1
take_snap before_a "$a2"
take_snap before_b "$b2"
check_fail "keyless: ping over gre2 fails while dmvpn1 takes its GRE" \
	ping_all "$a2" 10.98.0.2 4
take_snap after_a "$a2"
take_snap after_b "$b2"
check "keyless: the requests still reach b's gre2 (rx_packets +4)" \
	delta_is 4 before_b after_b gre2 statistics rx_packets
check "keyless: the replies land on dmvpn1 (rx_packets +4)" \
	delta_is 4 before_a after_a dmvpn1 dmvpn rx_packets
check "keyless: a's gre2 receives none of them" \
	delta_is 0 before_a after_a gre2 statistics rx_packets

take_snap before_a "$a2"
check "keyless: 4 pings over keyed gre1 next to keyless dmvpn1" \
	ping_all "$a2" 10.99.0.2 4
take_snap after_a "$a2"
check "keyless: a's gre1 rx_packets +4" \
	delta_is 4 before_a after_a gre1 statistics rx_packets
check "keyless: dmvpn1 rx_err_key +4 (key 99 let go)" \
	delta_is 4 before_a after_a dmvpn1 dmvpn rx_err_key
check "keyless: dmvpn1 rx_packets unchanged" \
	delta_is 0 before_a after_a dmvpn1 dmvpn rx_packets

check "keyless: delete dmvpn1" ip -n "$a2" link del dmvpn1
take_snap before_a "$a2"
check "keyless: without dmvpn1, ping over gre2 works again" \
	ping_all "$a2" 10.98.0.2 4
take_snap after_a "$a2"
check "keyless: a's gre2 rx_packets +4 again" \
	delta_is 4 before_a after_a gre2 statistics rx_packets

ip netns del "$a2"
ip netns del "$b2"
check "rmmod dmvpn with ip_gre loaded" module_unload
check "rmmod ip_gre and gre" gre_modules_unload

test_end

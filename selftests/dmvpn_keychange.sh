#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_keychange.sh: a change of the GRE key forgets the peers' cached
# outer routes.  The key is part of the flow the underlay route and the
# xfrm policies are looked up with (fl4_gre_key), so a route cached under
# the old key must not carry packets sent with the new one.
#
# Topology: one namespace, no peer answers (the underlay is a dummy).  IPv6
# is off in it: a router solicitation or MLD report on under0 would move
# the counter the checks read.
#
#   netns key-<run id>
#   +---------------------------------------------------------+
#   | dmvpn0 local 192.0.2.1 key 6, 10.0.0.1/8                 |
#   |   10.1.0.2 -> NBMA 198.18.0.2                            |
#   | under0 (dummy) 192.0.2.1/24, 198.18.0.0/15 via it         |
#   | xfrm policy out: 192.0.2.1 -> 198.18.0.2 gre key 5 block  |
#   +---------------------------------------------------------+
#
# Checks:
#   - with key 6 a datagram to 10.1.0.2 goes out on under0 (and the
#     peer caches the route)
#   - after "ip link set dmvpn0 type dmvpn key 5" the next one does not:
#     the policy blocks key 5, and dmvpn0 counts a carrier error
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin and xfrm, python3.

# $keyns is assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
trap cleanup EXIT
set -u

test_begin
require_root
require_cmd ip python3
require_module

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

setup_ns keyns
setup_links() {
	ns_ipv6_off "$keyns" &&
		ip -n "$keyns" link add under0 type dummy &&
		ip -n "$keyns" addr add 192.0.2.1/24 dev under0 &&
		ip -n "$keyns" link set under0 up &&
		ip -n "$keyns" route add 198.18.0.0/15 dev under0 &&
		ip -n "$keyns" link add dmvpn0 type dmvpn local 192.0.2.1 key 6 &&
		ip -n "$keyns" addr add 10.0.0.1/8 dev dmvpn0 &&
		ip -n "$keyns" link set dmvpn0 up &&
		ip netns exec "$keyns" "$DMVPNCTL" cache add 10.1.0.2 \
			nbma 198.18.0.2 dev dmvpn0 &&
		ip -n "$keyns" xfrm policy add src 192.0.2.1/32 dst 198.18.0.2/32 \
			proto gre key 5 dir out action block
}
check "underlay, dmvpn0 (key 6), an entry and a policy blocking key 5" \
	setup_links || bail_out "cannot set up"

# stat DEV tx|rx FIELD: one counter of ip -s -j link.
stat() {
	ip -n "$keyns" -s -j link show "$1" | python3 -S -c \
		"import json,sys; print(json.load(sys.stdin)[0]['stats64']['$2']['$3'])"
}
send() {
	ip netns exec "$keyns" python3 -S -c "
import socket
socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(b'x', ('10.1.0.2', 9))"
}

before=$(stat under0 tx packets)
check "key 6: a datagram to 10.1.0.2 is sent" send
goes_out() {
	local now
	now=$(stat under0 tx packets)
	[ "$now" -gt "$before" ] && return 0
	echo "under0 tx packets $now, before $before"
	return 1
}
check "key 6: it goes out on under0" goes_out

check "the key changes to 5" ip -n "$keyns" link set dmvpn0 type dmvpn key 5
before=$(stat under0 tx packets)
errors=$(stat dmvpn0 tx carrier_errors)
check "key 5: a datagram to 10.1.0.2 is sent" send
blocked() {
	local now err
	now=$(stat under0 tx packets)
	err=$(stat dmvpn0 tx carrier_errors)
	[ "$now" -eq "$before" ] && [ "$err" -gt "$errors" ] && return 0
	echo "under0 tx packets $now (before $before), dmvpn0 carrier errors $err (before $errors)"
	return 1
}
check "key 5: the policy blocks it (the route cached under key 6 is gone)" \
	blocked

test_end

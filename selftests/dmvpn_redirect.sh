#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_redirect.sh: Phase 3 on the hub.  A packet that enters the hub's
# dmvpn0 from one spoke and leaves it to another (a hairpin) raises a
# redirect event, with the sender's NBMA address and the packet's head,
# so the agent can send that spoke an NHRP Traffic Indication.  No
# iptables rule is involved.
#
# Topology: selftests/lab.sh (hub, s1, s2, a LAN behind each spoke), with
# "redirect" on the hub's dmvpn0 and the caches as registration leaves them.
#
# Checks:
#   - lan1 -> lan2 through the hub raises one redirect event per direction
#     (rate limited per flow), from s1's and from s2's NBMA address, naming
#     the inner source and destination; redirect_events counts them
#   - spoke -> hub traffic (no hairpin) raises none
#   - with "noredirect" the same hairpin traffic raises none
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"

MONITOR_PID=
EVENTS=

cleanup() {
	stop_monitor
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

start_monitor() {
	EVENTS=$(mktemp "${TMPDIR:-/tmp}/dmvpn-events.XXXXXX")
	defer rm -f "$EVENTS"
	ip netns exec "$hub" "$DMVPNCTL" monitor >"$EVENTS" 2>&1 &
	MONITOR_PID=$!
	# The subscription exists once the socket is bound; give it a moment.
	sleep 0.5
}

stop_monitor() {
	[ -n "$MONITOR_PID" ] || return 0
	kill "$MONITOR_PID" 2>/dev/null
	wait "$MONITOR_PID" 2>/dev/null
	MONITOR_PID=
}

redirects() {
	grep -c '^redirect ' "$EVENTS"
}

has_event() {
	grep -qF "$1" "$EVENTS" || { cat "$EVENTS"; return 1; }
}

counter_is() {
	local got
	got=$(lab_counter hub redirect_events)
	[ "$got" -eq "$1" ] || { echo "redirect_events is $got, expected $1"; return 1; }
}

events_are() {
	local got
	got=$(redirects)
	[ "$got" -eq "$1" ] || { echo "$got redirect events, expected $1:"; cat "$EVENTS"; return 1; }
}

test_begin
require_root
require_cmd ip ping
require_module

check "insmod" module_load || bail_out "the module does not load"
check "lab up" lab_up || bail_out "no lab"
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect
check "registration entries" lab_hub_and_spoke_entries || bail_out "no entries"

start_monitor
check "lan1 -> lan2 through the hub" \
	ip netns exec "$lan1" ping -c 3 -i 0.2 -W 2 10.2.0.10
wait_until 5 sh -c "[ \$(grep -c '^redirect ' '$EVENTS') -ge 2 ]"
check "an event from s1's NBMA for 10.1.0.10 > 10.2.0.10" \
	has_event "redirect dev dmvpn0 from $LAB_S1_NBMA packet 10.1.0.10 > 10.2.0.10"
check "an event from s2's NBMA for the replies" \
	has_event "redirect dev dmvpn0 from $LAB_S2_NBMA packet 10.2.0.10 > 10.1.0.10"
check "one event per direction (rate limited per flow)" events_are 2
check "redirect_events counts 2" counter_is 2

check "s1 -> hub (no hairpin)" ip netns exec "$s1" ping -c 2 -W 2 10.255.0.1
sleep 0.5
check "no event for traffic that ends at the hub" events_are 2

check "hub: noredirect" ip -n "$hub" link set dmvpn0 type dmvpn noredirect
sleep 1.2	# past the per-flow interval, so only the switch can hold it back
check "lan1 -> lan2 again" ip netns exec "$lan1" ping -c 3 -i 0.2 -W 2 10.2.0.10
sleep 0.5
check "no event with redirect off" events_are 2
check "redirect_events still 2" counter_is 2
stop_monitor

test_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_failover.sh: a spoke with two hubs, failing over by priority.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.6
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  hub2  |
#      +--------+          +---+----+          +---+----+          +--------+
#      10.255.0.1          10.255.0.2          10.255.0.3          10.255.0.6
#      priority 1              |                   |               priority 2
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24
#
# The spokes register with both hubs; shortcuts are off, so spoke-to-spoke
# traffic always goes through the hub the kernel sends misses to.
#
# Checks:
#   - both hubs have both spokes; on the spokes, hub (priority 1) is the
#     NHS entry and hub2's entry is static
#   - lan1 -> lan2 goes through hub
#   - hub goes away: at the next registration (registration-timeout) and
#     three unanswered requests the spokes call it down and hub2 becomes
#     their NHS; lan1 -> lan2 goes through hub2
#   - hub returns: the spokes register again and go back to it
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

cleanup() {
	agents_stop TERM
	wait 2>/dev/null
	agent_logs_keep agent-failover-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# through HUB CMD...: CMD succeeds and HUB decapsulates packets meanwhile.
through() {
	local node=$1 before after
	shift
	before=$(lab_counter "$node" rx_packets)
	"$@" || return 1
	after=$(lab_counter "$node" rx_packets)
	[ "$after" -gt "$before" ] || {
		echo "$node relayed nothing"
		return 1
	}
}

hub2_up() {
	lab_node_up hub2 6 &&
	ip -n "$hub2" route add 10.1.0.0/24 via 10.255.0.2 &&
	ip -n "$hub2" route add 10.2.0.0/24 via 10.255.0.3
}

HUB="role hub
network-id 7
holdtime 30"
SPOKE="role spoke
network-id 7
holdtime 30
shortcut off
registration-timeout 1
nhs 10.255.0.1 nbma 192.0.2.1 priority 1
nhs 10.255.0.6 nbma 192.0.2.6 priority 2"

test_begin
agent_lab_begin ip ping
setup_ns hub2
check "a second hub" hub2_up || bail_out "no hub2"

agent_start hub "$HUB"
agent_start hub2 "$HUB"
agent_start s1 "$SPOKE"
agent_start s2 "$SPOKE"

check "s1 registers with hub" \
	wait_until 10 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... and with hub2" \
	wait_until 10 entry_is hub2 10.255.0.2 dynamic 192.0.2.2
check "s2 registers with both" \
	eval "wait_until 10 entry_is hub 10.255.0.3 dynamic 192.0.2.3 &&
	      wait_until 10 entry_is hub2 10.255.0.3 dynamic 192.0.2.3"
check "s1: hub (priority 1) is the NHS" entry_is s1 10.255.0.1 nhs 192.0.2.1
check "... hub2's entry is static" entry_is s1 10.255.0.6 static 192.0.2.6
check "lan1 -> lan2 through hub" through hub ping_all lan1 10.2.0.10 5 0.1

agent_stop hub
check "hub goes away" ip -n "$hub" link set wan0 down
check "s1 calls hub down and elects hub2" \
	wait_until 25 entry_is s1 10.255.0.6 nhs 192.0.2.6
check "... hub's entry is static now" entry_is s1 10.255.0.1 static 192.0.2.1
check "s2 too" wait_until 25 entry_is s2 10.255.0.6 nhs 192.0.2.6
check "lan1 -> lan2 through hub2" through hub2 ping_all lan1 10.2.0.10 5 0.1
check "s1 says hub is down" \
	eval "ip netns exec \"$s1\" \"$DMVPNCTL\" show nhrp nhs |
	      grep -qE '192\\.0\\.2\\.1 +10\\.255\\.0\\.1 +1 +down'"

check "hub returns" ip -n "$hub" link set wan0 up
agent_start hub "$HUB"
check "s1 registers with hub again and goes back to it" \
	wait_until 40 entry_is s1 10.255.0.1 nhs 192.0.2.1
check "... hub2's entry is static again" entry_is s1 10.255.0.6 static 192.0.2.6
check "s2 too" wait_until 40 entry_is s2 10.255.0.1 nhs 192.0.2.1
check "lan1 -> lan2 through hub again" through hub ping_all lan1 10.2.0.10 5 0.1

test_end

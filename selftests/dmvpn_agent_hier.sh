#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_hier.sh: hierarchical NHRP.  A regional hub registers with a
# top hub, as its spokes register with it; a spoke of the region resolves
# a spoke of the top hub through both.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.7
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |--reg-->  |        |          |   s2   |--reg-->  |  top   |
#      |regional|<--reg--  |   s1   |          |        |          |  hub   |
#      +--------+          +---+----+          +---+----+          +--------+
#      10.255.0.1          10.255.0.2          10.255.0.3          10.255.0.7
#      (registers with top)    |                   |
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24
#
# Checks:
#   - the regional hub registers with the top hub; s1 with the regional
#     hub, s2 with the top hub
#   - lan1 -> lan2 (Phase 2) with no loss: s1's request goes regional ->
#     top -> s2, s2 answers s1 directly; both ends get shortcuts and the
#     hubs relay nothing afterwards
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
	agent_logs_keep agent-hier-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

hubs_relayed() {
	echo $(($(lab_counter hub rx_packets) + $(lab_counter top rx_packets)))
}
RELAY_COUNT=hubs_relayed

# The top hub reaches the region through the regional hub.
top_up() {
	lab_node_up top 7 &&
	ip -n "$top" route add 10.1.0.0/24 via 10.255.0.1 &&
	ip -n "$top" route add 10.255.0.2/32 via 10.255.0.1 &&
	ip -n "$top" route add 10.2.0.0/24 via 10.255.0.3
}

SPOKE="role spoke
network-id 7
holdtime 60"

test_begin
agent_lab_begin ip ping
setup_ns top
check "a top hub" top_up || bail_out "no top hub"

agent_start top "role hub
network-id 7
holdtime 60"
agent_start hub "role hub
network-id 7
holdtime 60
nhs 10.255.0.7 nbma 192.0.2.7"
agent_start s1 "$SPOKE
nhs 10.255.0.1 nbma 192.0.2.1"
agent_start s2 "$SPOKE
nhs 10.255.0.7 nbma 192.0.2.7"

check "the regional hub registers with the top hub" \
	wait_until 10 entry_is top 10.255.0.1 dynamic 192.0.2.1
check "... and has it as its NHS, up" \
	eval "entry_is hub 10.255.0.7 nhs 192.0.2.7 &&
	      ip netns exec \"$hub\" \"$DMVPNCTL\" show nhrp nhs | grep -q ' up '"
check "s1 registers with the regional hub" \
	wait_until 10 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "s2 registers with the top hub" \
	wait_until 10 entry_is top 10.255.0.3 dynamic 192.0.2.3
check "lan1 -> lan2 through both hubs, no packet lost" \
	ping_all lan1 10.2.0.10 30 0.05
check "... s1 resolved 10.255.0.3 through both hubs" \
	wait_until 5 entry_is s1 10.255.0.3 shortcut 192.0.2.3
check "... the regional hub passed s1's request up, not refused it" \
	eval "grep -q 'sent resolution-request to 192\.0\.2\.7:' \"$CONF/hub.log\" &&
	      ! grep -q 'sent resolution-reply to 192\.0\.2\.2:' \"$CONF/hub.log\""
check "... s2 resolved 10.255.0.2 through both hubs" \
	wait_until 5 entry_is s2 10.255.0.2 shortcut 192.0.2.2
check "... then neither hub relays anything" \
	no_relay_during ping_all lan1 10.2.0.10 10 0.05

test_end

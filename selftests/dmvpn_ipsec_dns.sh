#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_dns.sh: an NHS named by DNS moves to another address, and
# the spoke's SA to the old address goes (issue 11): nothing of ours leads
# there any more.
#
#                       netns wan: bridge br0
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3
#      +---+----+          +---+----+          +---+----+
#      |  hub   |   ESP    |   s1   |   ESP    |   s2   |
#      | dmvpnd |<-------->| dmvpnd |<-------->|        |
#      | charon |  before  | charon |  after   | charon |
#      +--------+          +--------+          +--------+
#      10.255.0.1          10.255.0.2
#                          nhs 10.255.0.1 nbma hub.dmvpn.test
#                          (/etc/hosts of its own mount namespace:
#                          192.0.2.1, then 192.0.2.3)
#
# One charon per namespace with the profile "dmvpn" (PSK, remote_addrs
# %any, no DPD): the hub's charon keeps an SA up for as long as s1's does.
#
# Checks:
#   - s1 brings its SA to hub.dmvpn.test (192.0.2.1) up and registers
#   - the name moves to 192.0.2.3 and the hub's agent goes (its charon
#     stays): the NHS is down, s1 looks its name up again, and brings an
#     SA to 192.0.2.3 (s2's charon) up
#   - s1's SA to 192.0.2.1 goes: neither s1's kernel nor the hub's has an
#     xfrm state between them (before the fix it stayed up for good)
#   - s1's agent is alive; dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/ipsec.sh
source "$DMVPN_SELFTESTS/ipsec.sh"

HOLD=30

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep ipsec-dns-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE: the profile, PSK authentication.
swanctl_conf() {
	ipsec_psk_conf "$1"
}

# hosts ADDR: hub.dmvpn.test is at ADDR (the same file, written in place:
# s1's /etc/hosts is bound to it).
hosts() {
	printf '127.0.0.1 localhost\n%s hub.dmvpn.test\n' "$1" >"$CONF/hosts"
}

test_begin
agent_lab_begin ip ping swanctl unshare "$CHARON"

for node in hub s1 s2; do
	check "charon up on $node" charon_start "$node" ||
		bail_out "no charon"
done
hosts 192.0.2.1
agent_ipsec_conf hub "role hub
multicast dynamic"
agent_ipsec_conf s1 "role spoke
nhs 10.255.0.1 nbma hub.dmvpn.test multicast"
agent_start hub
# Not through a function: a function run in the background is a subshell,
# and its PID would not be the agent's.  ip, unshare and sh all exec.
# shellcheck disable=SC2016  # $0 and $@ are the inner shell's
ip netns exec "$s1" unshare -m sh -c \
	'mount --bind "$0" /etc/hosts && exec "$@"' \
	"$CONF/hosts" "$DMVPND" -f -v -c "$CONF/s1" dmvpn0 \
	>>"$CONF/s1.log" 2>&1 &
AGENT_PID[s1]=$!

check "s1 registers with hub.dmvpn.test (192.0.2.1)" \
	wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... over its SA to 192.0.2.1" sa_between s1 192.0.2.2 192.0.2.1
check "... and none to 192.0.2.3 yet" no_sa_between s1 192.0.2.2 192.0.2.3

hosts 192.0.2.3
agent_stop hub KILL
check "s1 finds hub.dmvpn.test at 192.0.2.3" \
	wait_until 60 logged s1 "NHS hub.dmvpn.test is at 192.0.2.3 now"
check "... and brings an SA to it up" \
	wait_until 60 sa_between s1 192.0.2.2 192.0.2.3
check "s1's SA to the old address goes" \
	wait_until 20 no_sa_between s1 192.0.2.2 192.0.2.1
check "... on the hub too" no_sa_between hub 192.0.2.2 192.0.2.1
check "... and s1's agent says so" \
	logged s1 "IPsec to 192.0.2.1 no longer needed"
check "s1's agent alive" agent_alive s1
test_end

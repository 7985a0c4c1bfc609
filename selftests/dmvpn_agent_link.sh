#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_link.sh: dmvpnd makes its device from the "link" and
# "address" lines of its file (issue 17, boot persistence): with the
# service enabled, a boot needs nothing else, as wg-quick for WireGuard.
#
#                 netns wan: bridge br0 (the "Internet")
#          +----------------------------+
#          | 198.51.100.1/24            | 198.51.100.7/24         NBMA
#      +---+------+                 +---+------+
#      |   hub    |                 |  spoke   |
#      |  dmvpnd  |                 |  dmvpnd  |
#      | (dmvpn0) |                 | (dmvpn0) |
#      +----------+                 +----------+
#      10.255.0.1/24, fd00::1/64    10.255.0.7/24, fd00::7/64   tunnel
#
# No dmvpn device exists before the agents start: each file says
# "link local ... dev wan0 key 100" and its addresses.
#
# Checks:
#   - dmvpnd --check passes a file whose device does not exist yet, and
#     says a start makes it
#   - both agents make their device: kind dmvpn, the link options of the
#     file (ip -d link), its addresses, up; the log says so
#   - the spoke registers with the hub (IPv4 and IPv6), the tunnel carries
#     a ping
#   - the spoke's agent stopped: its device and the hub's entries stay
#   - started again with "ttl 64" added to the file: the device it finds
#     takes the new option, and the spoke registers again
#   - the device deleted under the running agent: "dmvpnctl reload" makes
#     it again, with its addresses, and the spoke registers again
#   - a file whose device name is taken by a device of another kind, or
#     whose "dev" does not exist: the agent refuses it and says why
#   - dmesg is clean

# The namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

cleanup() {
	agents_stop TERM
	agent_logs_keep agent-link-logs
	dmvpn_cleanup
}
trap cleanup EXIT

HUB_FILE="role hub
link local 198.51.100.1 dev wan0 key 100 redirect
address 10.255.0.1/24
address fd00::1/64
network-id 100
holdtime 60
multicast dynamic"

SPOKE_FILE="role spoke
link local 198.51.100.7 dev wan0 key 100
address 10.255.0.7/24
address fd00::7/64
network-id 100
holdtime 60
nhs 10.255.0.1 nbma 198.51.100.1 multicast
nhs fd00::1 nbma 198.51.100.1"

# No dmvpn0 anywhere: the agents make them.
topology_up() {
	setup_ns wan hub spoke &&
	ip -n "$wan" link add br0 type bridge mcast_snooping 0 &&
	ip -n "$wan" link set br0 up &&
	lab_wan_join hub 198.51.100.1/24 &&
	lab_wan_join spoke 198.51.100.7/24
}

# link_shows NODE PATTERN...: "ip -d link show dmvpn0" on NODE matches
# every extended regular expression PATTERN.
link_shows() {
	local node=$1 out pattern
	shift
	out=$(ip -n "$(lab_ns "$node")" -d link show dmvpn0 2>&1) || {
		echo "$out"
		return 1
	}
	for pattern in "$@"; do
		grep -qE -- "$pattern" <<<"$out" || {
			echo "no /$pattern/ in:"
			echo "$out"
			return 1
		}
	done
}

# has_addresses NODE INDEX: dmvpn0 on NODE has 10.255.0.INDEX/24 and
# fd00::INDEX/64.
has_addresses() {
	local out
	out=$(ip -n "$(lab_ns "$1")" addr show dev dmvpn0 2>&1)
	[[ $out == *"inet 10.255.0.$2/24 "* && $out == *"inet6 fd00::$2/64 "* ]] || {
		echo "$out"
		return 1
	}
}

# registered: the hub has the spoke's IPv4 and IPv6 registrations.
registered() {
	entry_is hub 10.255.0.7 dynamic 198.51.100.7 &&
		entry_is hub fd00::7 dynamic 198.51.100.7
}

# refused NODE DEVICE TEXT: dmvpnd started for DEVICE alone exits 1 and
# says TEXT.
refused() {
	local out status=0
	out=$(ip netns exec "$(lab_ns "$1")" "$DMVPND" -f -c "$CONF/$1" "$2" 2>&1) ||
		status=$?
	if [ "$status" -ne 1 ] || [[ $out != *"$3"* ]]; then
		echo "exit $status: $out"
		return 1
	fi
}

test_begin
agent_begin ip ping
check "namespaces, no dmvpn device" topology_up || bail_out "no topology"

agent_conf hub "$HUB_FILE"
agent_conf spoke "$SPOKE_FILE"
chmod 600 "$CONF"/*/dmvpn0.conf
check "dmvpnd --check: a start makes the device" \
	eval "ip netns exec '$spoke' '$DMVPND' --check -c '$CONF/spoke' |
	      grep -qx 'dmvpn0: $CONF/spoke/dmvpn0.conf ok; no device dmvpn0 yet, a start makes it'"
check "... and made none" not link_shows spoke dmvpn

agent_start hub
agent_start spoke
check "the hub's agent made dmvpn0 from its file" \
	wait_until 10 link_shows hub "dmvpn local 198\.51\.100\.1 dev wan0 key 100 .*redirect" \
	"<[^>]*UP[^>]*>"
check "... with its addresses" has_addresses hub 1
check "... and logged it" logged hub "dmvpn0: created from $CONF/hub/dmvpn0.conf"
check "the spoke's too" \
	wait_until 10 link_shows spoke "dmvpn local 198\.51\.100\.7 dev wan0 key 100 " \
	"<[^>]*UP[^>]*>"
check "... with its addresses" has_addresses spoke 7
check "the spoke registers with the hub (IPv4, IPv6)" wait_until 15 registered
check "hub <-> spoke over the tunnel" ping_all spoke 10.255.0.1 3 0.2

agent_stop spoke TERM
check "the spoke's agent stopped: its device stays" \
	link_shows spoke "dmvpn local 198\.51\.100\.7"
agent_conf spoke "${SPOKE_FILE/key 100/key 100 ttl 64}"
chmod 600 "$CONF/spoke/dmvpn0.conf"
agent_start spoke
check "started again with ttl 64 in the file: the device takes it" \
	wait_until 10 link_shows spoke "dmvpn local 198\.51\.100\.7 dev wan0 key 100 ttl 64 "
check "... the spoke registers again" wait_until 15 registered
check "... and logged no creation" \
	test "$(grep -c 'created from' "$CONF/spoke.log")" -eq 1

check "ip link del dmvpn0 under the spoke's agent" \
	ip -n "$spoke" link del dmvpn0
check "... the hub's registrations go" \
	eval "lab_ctl hub cache del 10.255.0.7 dev dmvpn0 &&
	      lab_ctl hub cache del fd00::7 dev dmvpn0"
check "dmvpnctl reload makes it again" agent spoke reload
check "... with its options and addresses" \
	wait_until 10 eval "link_shows spoke 'key 100 ttl 64 ' && has_addresses spoke 7"
check "... and the spoke registers again" wait_until 20 registered
check "... over which the tunnel carries a ping" ping_all spoke 10.255.0.1 3 0.2
check "the spoke's agent alive" agent_alive spoke

# Files for devices the agent must refuse to make.
ip -n "$spoke" link add dmvpn1 type dummy
printf '%s\n' "${SPOKE_FILE}" >"$CONF/spoke/dmvpn1.conf"
printf '%s\n' "${SPOKE_FILE/dev wan0/dev nosuch0}" >"$CONF/spoke/dmvpn2.conf"
chmod 600 "$CONF"/spoke/dmvpn*.conf
check "a device of another kind by the file's name is refused" \
	refused spoke dmvpn1 "dmvpn1: a device of that name exists and is not a dmvpn device"
check "... and left as it was" \
	eval "ip -n '$spoke' -d link show dmvpn1 | grep -qw dummy"
check "a link option naming a missing device is refused" \
	refused spoke dmvpn2 "dmvpn2: link: no device nosuch0 (dev)"
check "... and no device made" not eval "ip -n '$spoke' link show dmvpn2 2>/dev/null"

test_end

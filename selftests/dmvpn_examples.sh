#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_examples.sh: the shipped examples, unchanged, on a hub and a spoke,
# and the operator's tools around them: the check mode, the agent's command
# words, show dmvpn detail, reload --dry-run and debug nhrp.
#
#                 netns wan: bridge br0 (the "Internet")
#          +----------------------------+
#          | 198.51.100.1/24            | 203.0.113.7/24          NBMA
#      +---+------+                 +---+------+
#      |   hub    |                 |  spoke   |
#      |  dmvpn0  |                 |  dmvpn0  |
#      |  dmvpnd  |                 |  dmvpnd  |
#      +----------+                 +----------+
#      10.255.0.1/24, fd00::1/64    10.255.0.7/24, fd00::7/64   tunnel
#
# Each node's dmvpn0 is made by the "ip link add" line of its example's
# header, with the example's protocol-address; dmvpnd runs on the example
# file itself (user/dmvpnd/examples/{hub,spoke}.conf, copied as is).  The
# two NBMA subnets share the bridge and route to each other on-link.  The
# spoke's second hub, hub2.example.net, does not resolve here: it stays
# "resolving", as in a lab without DNS.
#
# Checks:
#   - dmvpnd --check passes both examples with their devices, silently;
#     it warns once the hub's link lacks "redirect"
#   - both agents start; the spoke registers with the hub (IPv4 and IPv6),
#     with the example's NHRP group, which the hub maps to its QoS
#   - README's per-spoke QoS commands (tc htb, fw filters), as printed there
#     but on the hub's wan0: the hub's GRE to the spoke of group spoke-gold
#     (mark 0x10) is sent through class 1:10, none through bronze's 1:20
#   - dmvpnctl's words as the agent reads them: "sh dmvpn", "show dmvpn
#     detail", an unknown device and an unknown word refused
#   - reload --dry-run refuses "multicast nbma" (as reload and a start do)
#     and shows warnings without applying anything
#   - debug nhrp peer X on: the hub logs the spoke's registration decoded,
#     without the secret; off, or another peer: nothing more
#   - the command line checks of user/tests/dmvpnd_cli.sh, with the module
#     loaded
#   - dmesg is clean

# The namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

EXAMPLES=$DMVPN_TOP/user/dmvpnd/examples

cleanup() {
	agents_stop TERM
	agent_logs_keep examples
	dmvpn_cleanup
}
trap cleanup EXIT

# example_value NODE PATTERN: the group of the sed PATTERN in the first
# line of NODE's example that matches it.
example_value() {
	sed -n "s/$2/\\1/p" "$EXAMPLES/$1.conf" | head -n 1
}

# node_up NODE NBMA/LEN OTHER_NET INDEX: NODE on the bridge, its dmvpn0
# as its example makes it, and fd00::INDEX for the IPv6 NHS.
node_up() {
	local node=$1 nbma=$2 other=$3 ns words
	ns=$(lab_ns "$node")
	read -ra words <<<"$(example_value "$node" '^#   \(ip link add .*\)$')"
	[ "${words[0]:-}" = ip ] || {
		echo "no ip link line in $node.conf"
		return 1
	}
	lab_wan_join "$node" "$nbma" &&
	ip -n "$ns" route add "$other" dev wan0 &&
	ip -n "$ns" "${words[@]:1}" &&
	ip -n "$ns" addr add "$(example_value "$node" '^protocol-address \(.*\)$')" \
		dev dmvpn0 &&
	ip -n "$ns" addr add "fd00::${4}/64" dev dmvpn0 nodad &&
	ip -n "$ns" link set dmvpn0 up
}

topology_up() {
	ip -n "$wan" link add br0 type bridge mcast_snooping 0 &&
	ip -n "$wan" link set br0 up &&
	node_up hub 198.51.100.1/24 203.0.113.0/24 1 &&
	node_up spoke 203.0.113.7/24 198.51.100.0/24 7
}

# start NODE: dmvpnd on NODE's example, unchanged, in the foreground and
# without -v (debugging is switched on at run time below).
start() {
	mkdir -p "$CONF/$1" &&
	install -m 600 "$EXAMPLES/$1.conf" "$CONF/$1/dmvpn0.conf" &&
	ip netns exec "$(lab_ns "$1")" "$DMVPND" -f -c "$CONF/$1" \
		>>"$CONF/$1.log" 2>&1 &
	AGENT_PID[$1]=$!
}

# checks_clean NODE: dmvpnd --check on NODE's files passes, says nothing on
# stderr and names the file.
checks_clean() {
	local out err
	out=$(ip netns exec "$(lab_ns "$1")" "$DMVPND" --check -c "$CONF/$1" \
		2>"$CONF/check.err") || {
		echo "exit $?: $out"
		cat "$CONF/check.err"
		return 1
	}
	err=$(cat "$CONF/check.err")
	if [ -n "$err" ] || [ "$out" != "dmvpn0: $CONF/$1/dmvpn0.conf ok" ]; then
		echo "stdout: $out"
		echo "stderr: $err"
		return 1
	fi
}

# check_warns NODE PATTERN: dmvpnd --check passes on NODE and warns PATTERN.
check_warns() {
	ip netns exec "$(lab_ns "$1")" "$DMVPND" --check -c "$CONF/$1" \
		>/dev/null 2>"$CONF/check.err" || {
		echo "--check failed:"
		cat "$CONF/check.err"
		return 1
	}
	grep -qE -- "$2" "$CONF/check.err" || {
		echo "no /$2/ in:"
		cat "$CONF/check.err"
		return 1
	}
}

# readme_qos_up: the tc commands of README's per-spoke QoS example, on the
# hub's underlay wan0 for its eth0.
readme_qos_up() {
	local line n=0
	while read -r line; do
		# shellcheck disable=SC2086 # README's words, split as a shell would
		ip netns exec "$(lab_ns hub)" ${line//dev eth0/dev wan0} || return 1
		n=$((n + 1))
	done < <(awk '/^Per-spoke QoS/ { on = 1 }
		on && /^```sh$/ { block = 1; next }
		block && /^```$/ { exit }
		block && /^tc / { print }' "$DMVPN_TOP/README.md")
	[ "$n" -eq 6 ] || {
		echo "README's QoS example has $n tc commands, expected 6"
		return 1
	}
}

# class_packets CLASSID: packets sent through a class of the hub's wan0.
class_packets() {
	ip netns exec "$(lab_ns hub)" tc -s class show dev wan0 |
		awk -v id="$1" '$1 == "class" && $3 == id { found = 1 }
			found && $1 == "Sent" { print $4; exit }'
}

# class_grew CLASSID BEFORE MIN [MAX]: the class carried MIN to MAX more
# packets (MAX: no bound if left out).
class_grew() {
	local grown=$(($(class_packets "$1") - $2))
	if [ "$grown" -lt "$3" ] || [ "$grown" -gt "${4:-$grown}" ]; then
		echo "class $1 grew by $grown"
		return 1
	fi
}

# registrations: registration requests the hub's agent has received.
registrations() {
	agent hub -j show nhrp stats |
		grep -o '"registration_request":[0-9]*' | head -n 1 | cut -d: -f2
}

# registrations_above N: the hub has received more than N.
registrations_above() {
	[ "$(registrations)" -gt "$1" ]
}

# registers_again: the spoke registers anew (a reload does), and the hub
# has received it.
registers_again() {
	local before
	before=$(registrations) || return 1
	agent spoke reload || return 1
	wait_until 10 registrations_above "$before"
}

# packet_lines: decoded NHRP lines in the hub's log.
packet_lines() {
	grep -c "NHRP received " "$CONF/hub.log"
}

# packet_lines_are N, packet_lines_above N
packet_lines_are() {
	[ "$(packet_lines)" -eq "$1" ]
}
packet_lines_above() {
	[ "$(packet_lines)" -gt "$1" ]
}

# registers_unlogged: the spoke registers again and the hub's log has no
# more decoded packets than before.
registers_unlogged() {
	local before
	before=$(packet_lines)
	registers_again && packet_lines_are "$before"
}

# registers_logged: ... and it has more.
registers_logged() {
	local before
	before=$(packet_lines)
	registers_again && wait_until 5 packet_lines_above "$before"
}

test_begin
require_root
require_cmd ip ping
require_module
[ -x "$DMVPND" ] || skip_all "dmvpnd not built ($DMVPND)"
CONF=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn_examples.XXXXXX") || bail_out "mktemp failed"
defer rm -rf "$CONF"
check "insmod" module_load || bail_out "the module does not load"
setup_ns wan hub spoke
check "devices as the examples make them" topology_up || bail_out "no topology"

mkdir -p "$CONF/hub" "$CONF/spoke"
install -m 600 "$EXAMPLES/hub.conf" "$CONF/hub/dmvpn0.conf"
install -m 600 "$EXAMPLES/spoke.conf" "$CONF/spoke/dmvpn0.conf"
check "dmvpnd --check: the hub example passes, without a warning" checks_clean hub
check "dmvpnd --check: the spoke example passes, without a warning" checks_clean spoke
check "... a hub link without redirect is warned about" \
	eval "ip -n \"$hub\" link set dmvpn0 type dmvpn noredirect &&
	      check_warns hub 'does not report hairpinned traffic'"
check "... and passes again with it" \
	eval "ip -n \"$hub\" link set dmvpn0 type dmvpn redirect &&
	      checks_clean hub"

# The show group, before the agents start (they look it up then).
if ! getent group dmvpn >/dev/null; then
	groupadd --system dmvpn || bail_out "groupadd dmvpn failed"
	defer groupdel dmvpn
fi
SHOW_GID=$(getent group dmvpn | cut -d: -f3)

start hub
start spoke
check "the hub example runs" wait_until 10 shows hub "^  [0-9]+ peers?" show dmvpn
check "the spoke example runs" wait_until 10 shows spoke "nhs" show dmvpn
check "the spoke registers with the hub" \
	wait_until 15 entry_is hub 10.255.0.7 dynamic 203.0.113.7
check "... for IPv6 too" wait_until 15 entry_is hub fd00::7 dynamic 203.0.113.7
check "... with the example's group and the unique flag" \
	shows hub "dynamic +203\.0\.113\.7 +10\.255\.0\.7 +up .* U spoke-gold" show dmvpn
check "... the spoke has the hub up" \
	wait_until 10 shows spoke "198\.51\.100\.1 +10\.255\.0\.1 +1 +up" show nhrp nhs
check "... and shows when its registration expires" \
	shows spoke '"type":"nhs","nbma":"198\.51\.100\.1","tunnel":"10\.255\.0\.1","state":"up","uptime_secs":[0-9]+,"expires_secs":[1-9]' \
	-j show dmvpn
check "... and hub2.example.net waits for DNS" \
	shows spoke '"name":"hub2\.example\.net"[^}]*"state":"resolving"' \
	-j show nhrp nhs
check "no warning in the hub's log" not logged hub "warning:"
check "hub <-> spoke over the tunnel" ping_all spoke 10.255.0.1 3 0.2

# ---- README's per-spoke QoS, with the example's qos-group spoke-gold
check "README's QoS example on the hub's underlay" readme_qos_up
gold=$(class_packets 1:10)
bronze=$(class_packets 1:20)
check "3 pings hub -> spoke" ping_all hub 10.255.0.7 3 0.2
check "... their GRE went through gold's class 1:10" class_grew 1:10 "$gold" 3
check "... none through bronze's 1:20" class_grew 1:20 "$bronze" 0 0

# ---- the agent reads words as dmvpnctl does
check "\"sh dmvpn\" works" shows hub "dynamic +203\.0\.113\.7" sh dmvpn
check "... with a count and the ATTR legend" \
	shows hub "^  4 peers; ATTR: S static, U unique" show dmvpn
check "... and the example's static maps, a prefix in NETWORK" \
	eval "shows hub 'static +198\.51\.100\.2 +10\.255\.0\.2 +up .* 10\.255\.0\.2 +S$' show dmvpn &&
	      shows hub 'static +198\.51\.100\.2 +- +up .* 10\.20\.0\.0/16 +S$' show dmvpn"
check "\"sh n c\" is show nhrp cache" shows hub "10\.255\.0\.7/32" sh n c
check "show dmvpn detail: what the spoke claims, its group" \
	shows hub "claims NBMA 203\.0\.113\.7, holdtime 600s, unique yes, group spoke-gold" \
	show dmvpn detail
check "... on the spoke: the NHS's name and priority" \
	shows spoke "nbma 198\.51\.100\.1, priority 1, last reply success" \
	show dmvpn detail
check "... and JSON" shows hub '"claimed_nbma":"203.0.113.7"' -j show dmvpn detail
check "a trailing -j works for the agent" \
	shows hub '^\{"devices":\[\{"device":"dmvpn0"' show dmvpn -j
check "... and for the kernel" \
	shows hub '^\{"entries":\[\{"device":"dmvpn0"' cache show dev dmvpn0 -j
check "stats prometheus: the device's counters" \
	shows hub '^dmvpn_rx_packets_total\{device="dmvpn0"\} [1-9]' stats prometheus
check "... and the spoke's entry, a peer's counters" \
	shows hub '^dmvpn_entry_tx_packets_total\{device="dmvpn0",prefix="10\.255\.0\.7/32",nbma="203\.0\.113\.7",type="dynamic"\} [1-9]' \
	stats dev dmvpn0 prometheus
check "an unknown device is refused" \
	refused_with hub "dmvpnd does not serve typo" show dmvpn dev typo
check "an unknown word is refused" \
	refused_with hub "show dmvpn: expected detail, got \"bogus\"" show dmvpn bogus
check "an unknown object is refused" \
	refused_with hub "show: expected dmvpn or nhrp, got \"bogus\"" show bogus

# as_nobody [GROUPS] ARGS...: dmvpnctl ARGS on the hub as uid 65534,
# with the supplementary groups GROUPS ("" for none).
as_nobody() {
	local groups=$1
	shift
	if [ -n "$groups" ]; then
		ip netns exec "$hub" setpriv --reuid=65534 --regid=65534 \
			--groups="$groups" "$DMVPNCTL" "$@"
	else
		ip netns exec "$hub" setpriv --reuid=65534 --regid=65534 \
			--clear-groups "$DMVPNCTL" "$@"
	fi
}
# nobody_shows GROUPS PATTERN ARGS...
nobody_shows() {
	local groups=$1 pattern=$2 out
	shift 2
	out=$(as_nobody "$groups" "$@" 2>&1) || {
		echo "$out"
		return 1
	}
	grep -qE -- "$pattern" <<<"$out" || {
		echo "no /$pattern/ in: $out"
		return 1
	}
}
# nobody_refused GROUPS PATTERN ARGS...
nobody_refused() {
	local groups=$1 pattern=$2 out
	shift 2
	if out=$(as_nobody "$groups" "$@" 2>&1); then
		echo "accepted: $out"
		return 1
	fi
	grep -qE -- "$pattern" <<<"$out" || {
		echo "no /$pattern/ in: $out"
		return 1
	}
}
check "group dmvpn may show dmvpn without root" \
	nobody_shows "$SHOW_GID" "dynamic +203\.0\.113\.7" show dmvpn
check "... and show nhrp cache" \
	nobody_shows "$SHOW_GID" "10\.255\.0\.7/32" show nhrp cache
check "... but not reload" \
	nobody_refused "$SHOW_GID" "group dmvpn may only show" reload
check "... nor debug" \
	nobody_refused "$SHOW_GID" "group dmvpn may only show" debug nhrp on
check "without the group: refused" \
	nobody_refused "" "root or group dmvpn only" show dmvpn

# ---- reload --dry-run
printf 'multicast nbma 198.51.100.3\n' >>"$CONF/hub/dmvpn0.conf"
check "reload --dry-run refuses multicast nbma with file:line" \
	refused_with hub 'dmvpn0\.conf:[0-9]+: "multicast nbma" is not supported yet' \
	reload --dry-run
check "... as reload does" \
	refused_with hub '"multicast nbma" is not supported yet' reload
check "... and dmvpnd --check" \
	not ip netns exec "$hub" "$DMVPND" --check -c "$CONF/hub"
check "... the hub carries on" agent_alive hub
install -m 600 "$EXAMPLES/hub.conf" "$CONF/hub/dmvpn0.conf"
printf 'map 10.30.0.0/16 nbma 198.51.100.30\nshortcut on\n' >>"$CONF/hub/dmvpn0.conf"
check "reload --dry-run shows a warning" \
	shows hub "warning: .*dmvpn0\.conf:[0-9]+: shortcut is for a spoke" \
	reload --dry-run
check "... and applies nothing" not entry_is hub 10.30.0.0/16 static 198.51.100.30
check "reload applies it" eval "agent hub reload >/dev/null &&
	entry_is hub 10.30.0.0/16 static 198.51.100.30"
install -m 600 "$EXAMPLES/hub.conf" "$CONF/hub/dmvpn0.conf"
check "... and back" eval "agent hub reload >/dev/null &&
	not entry_is hub 10.30.0.0/16 static 198.51.100.30"

# ---- debug nhrp
check "no decoded packet before debug nhrp" packet_lines_are 0
check "debug nhrp peer 203.0.113.7 on" \
	shows hub "debug nhrp peer 203\.0\.113\.7 on" debug nhrp peer 203.0.113.7 on
check "... debug says so" shows hub "debug nhrp peer 203\.0\.113\.7 on" debug
check "... the spoke registers again" registers_again
check "... the hub logged the request decoded" \
	wait_until 5 logged hub "NHRP received registration-request from 203.0.113.7: id "
check "... with its flags, addresses and CIE" \
	grep -qE "registration-request from 203\.0\.113\.7: id [0-9]+ hop [0-9]+ flags U[^ ]* src 10\.255\.0\.7 nbma 203\.0\.113\.7 dst [0-9.]+ \[success /" \
	"$CONF/hub.log"
check "... and its reply" logged hub "NHRP sent registration-reply to 203.0.113.7: id "
check "... never the secret" not grep -q DMVPNKEY "$CONF/hub.log"
check "debug nhrp off" shows hub "debug nhrp off" debug nhrp off
check "... a registration logs nothing" registers_unlogged
check "debug nhrp peer 192.0.2.99 on: another peer" \
	agent hub debug nhrp peer 192.0.2.99 on
check "... the spoke's registration logs nothing" registers_unlogged
check "debug nhrp on: every peer" shows hub "debug nhrp on \(every peer\)" debug nhrp on
check "... logs the spoke again" registers_logged
check "an abbreviated debug command" shows hub "debug nhrp off" deb n of
check "... the hub carries on" agent_alive hub

# ---- monitor -t: events with their time
# timed_event_seen: an entry with holdtime 1 expires and the monitor
# prints it after a UTC timestamp; until the monitor has joined the
# group an event is lost, so try a few times.
timed_event_seen() {
	local try
	for try in 1 2 3; do
		agent hub cache add "10.99.$try.0/24" nbma 198.51.100.99 \
			dev dmvpn0 type shortcut holdtime 1 || return 1
		wait_until 6 grep -qE "^20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z expired dev dmvpn0 10\.99\.$try\.0/24 " \
			"$CONF/monitor" && return 0
	done
	cat "$CONF/monitor"
	return 1
}
ip netns exec "$hub" "$DMVPNCTL" -t monitor >"$CONF/monitor" 2>&1 &
monitor_pid=$!
defer kill "$monitor_pid"
check "monitor -t: an event after its time" timed_event_seen

# ---- the command line, with the module loaded
check "user/tests/dmvpnd_cli.sh with the module loaded" \
	eval "cd \"$DMVPN_TOP/user\" && tests/dmvpnd_cli.sh \"$DMVPND\" \"$DMVPNCTL\""

test_end

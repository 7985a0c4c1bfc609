#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_frr_interop.sh: dmvpnd and FRR's nhrpd in one DMVPN, each in both
# roles.  FRR runs on Linux ip_gre in NBMA mode (gre1: a local address, no
# remote, key 42 as on the dmvpn devices), one zebra + nhrpd (+ staticd)
# per namespace, told apart by their pathspace (-N <namespace>).
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.4
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |   s3   |
#      | A: FRR |          | dmvpnd |          | dmvpnd |          |  FRR   |
#      | B: dmvpnd         | dmvpn0 |          | dmvpn0 |          |  gre1  |
#      +--------+          +---+----+          +---+----+          +---+----+
#      10.255.0.1          10.255.0.2/24       10.255.0.3/24       10.255.0.4/32
#      A: gre1, /32            |                   |                   |
#      B: dmvpn0, /24      lan1 10.1.0.0/24    lan2 10.2.0.0/24    lan3 10.3.0.0/24
#
# FRR wants a host prefix on its NHRP interface and routes the tunnel
# subnet through the hub; its spoke's routes come from staticd with
# distance 200, so that nhrpd's shortcut routes (distance 10) win, as they
# would over BGP.  dmvpnd runs without authentication: FRR 8.4 has none.
#
# Not tested, because it does not interoperate (README says so; a check
# that only printed "skip" here would claim a test that never runs):
#   - an NHRP secret: nhrpd 8.4 cannot be given one, and as a hub it drops
#     ("FWD-FAIL") every resolution request carrying the (compulsory)
#     authentication extension
#   - a clean purge: nhrpd 8.4 has no handler for purge requests, so a
#     dmvpnd spoke that stops stays registered until its holding time
#
# Part A: FRR hub, dmvpnd spokes s1 and s2
#   - both spokes register: FRR's cache has them (dynamic), their NHS is up,
#     and the hub pings them over the tunnel
#   - Phase 2 (routes via the other spoke's tunnel address): s1's request
#     goes through the FRR hub to s2, which answers; no packet lost, the
#     shortcut is in the kernel caches and the hub relays nothing after
#   - Phase 3 (routes via the hub): an nftables NFLOG rule feeds nhrpd's
#     "ip nhrp redirect"; FRR's traffic indications make both spokes
#     resolve the other's LAN; no loss, /24 shortcuts, no relay after
#     (skipped without nft)
#
# Part B: dmvpnd hub, dmvpnd spoke s1, FRR spoke s3
#   - s3 registers (unique): the hub's kernel has it; pings both ways
#   - Phase 2, s1 -> s3: s1 resolves 10.255.0.4, the hub forwards the
#     request to FRR, whose reply comes back through the hub (nhrpd
#     answers along its routes); FRR learnt s1 from the request and the two
#     tunnel addresses then talk directly
#   - Phase 3: the hub's traffic indication reaches FRR, which resolves
#     lan1 through the hub (s1 answers) and installs its /24 shortcut
#     route; s1 resolves lan3 and FRR answers; no loss, no relay after
#   - FRR with "ip nhrp nhs dynamic" learns the hub's address from the
#     registration reply
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/frr.sh
source "$DMVPN_SELFTESTS/frr.sh"
# shellcheck source=SCRIPTDIR/interop.sh
source "$DMVPN_SELFTESTS/interop.sh"

FRR_LOG_LEVEL=debug
HOLD=30			# FRR renews at a third of it, as dmvpnd does

cleanup() {
	agents_stop TERM
	frr_stop_all
	wait 2>/dev/null
	agent_logs_keep frr-interop-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# ---- dmvpnd

spoke_conf="role spoke
network-id 7
holdtime $HOLD
nhs 10.255.0.1 nbma 192.0.2.1 multicast"

# ---- FRR

# frr_nhs_is NODE NBMA PROTOCOL: the one NHS registration, as nhrpd has it.
frr_nhs_is() {
	local out
	out=$(frr_show "$1" "show ip nhrp nhs")
	awk -v n="$2" -v p="$3" '$1 == "gre1" { rows++; if ($3 == n && $4 == p) found = 1 }
		END { exit !(found && rows == 1) }' <<<"$out" || {
		echo "$1: no NHS $3 at $2:"
		echo "$out"
		return 1
	}
}

# frr_nhs_dynamic NODE: "nhs dynamic" instead of the hub's address.
frr_nhs_dynamic() {
	local out
	frr_show "$1" "configure terminal" "interface gre1" \
		"no ip nhrp nhs 10.255.0.1 nbma 192.0.2.1" \
		"ip nhrp nhs dynamic nbma 192.0.2.1" || return 1
	out=$(frr_show "$1" "show running-config")
	[[ $out == *"ip nhrp nhs dynamic nbma 192.0.2.1"* &&
	   $out != *"ip nhrp nhs 10.255.0.1"* ]] || {
		echo "$out"
		return 1
	}
}

# kernel_route_is NODE PREFIX WORDS: the kernel route says WORDS.
kernel_route_is() {
	local out
	out=$(ip -n "$(lab_ns "$1")" route show "$2")
	[[ $out == *"$3"* ]] || {
		echo "$1 $2: ${out:-no route}, not $3"
		return 1
	}
}

# ---- the two parts' set-ups

# Phase 2 routes: each spoke reaches the other's LAN via its tunnel address.
part_a_up() {
	interop_gre_up hub 1 && interop_dmvpn_up s1 2 && interop_dmvpn_up s2 3 &&
	ip -n "$hub" route add 10.1.0.0/24 via 10.255.0.2 dev gre1 onlink &&
	ip -n "$hub" route add 10.2.0.0/24 via 10.255.0.3 dev gre1 onlink &&
	ip -n "$s1" route add 10.2.0.0/24 via 10.255.0.3 &&
	ip -n "$s2" route add 10.1.0.0/24 via 10.255.0.2
}

part_a_phase3() {
	interop_phase3_nflog &&
	ip -n "$s1" route replace 10.2.0.0/24 via 10.255.0.1 &&
	ip -n "$s2" route replace 10.1.0.0/24 via 10.255.0.1 &&
	lab_ctl s1 cache flush dev dmvpn0 type shortcut &&
	lab_ctl s2 cache flush dev dmvpn0 type shortcut
}

part_b_up() {
	ip netns exec "$hub" nft delete table inet dmvpn_frr 2>/dev/null
	ip -n "$hub" link del gre1 &&
	interop_dmvpn_up hub 1 &&
	ip -n "$hub" route add 10.1.0.0/24 via 10.255.0.2 &&
	ip -n "$hub" route add 10.3.0.0/24 via 10.255.0.4 &&
	lab_ctl s1 cache flush dev dmvpn0 &&
	ip -n "$s1" route replace 10.3.0.0/24 via 10.255.0.4 &&
	interop_gre_up s3 4
}

part_b_phase3() {
	ip -n "$hub" link set dmvpn0 type dmvpn redirect &&
	ip -n "$s1" route replace 10.3.0.0/24 via 10.255.0.1 &&
	lab_ctl s1 cache flush dev dmvpn0 type shortcut
}

# ---- the test

test_begin
require_root
require_cmd ip ping vtysh awk
for daemon in zebra staticd nhrpd; do
	[ -x "$FRR_DIR/$daemon" ] || skip_all "FRR's $daemon not installed in $FRR_DIR"
done
getent passwd frr >/dev/null || skip_all "no user frr"
require_module
[ -x "$DMVPND" ] || skip_all "dmvpnd not built ($DMVPND)"
modprobe ip_gre 2>/dev/null || skip_all "no ip_gre module"
diag "$("$FRR_DIR/nhrpd" --version 2>&1 | head -n 1)"

CONF=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn-frr.XXXXXX")
chmod 0755 "$CONF"
defer rm -rf "$CONF"

check "insmod" module_load || bail_out "the module does not load"
setup_ns wan hub s1 s2 s3 lan1 lan2 lan3
check "underlay and LANs" interop_lab_up || bail_out "no lab"

# =====================================================================
# Part A: FRR hub, dmvpnd spokes

frr_conf hub zebra ""
frr_conf hub nhrpd "nhrp nflog-group 1
debug nhrp all
interface gre1
 ip nhrp network-id 1
 ip nhrp holdtime $HOLD
 ip nhrp redirect
 ip nhrp map multicast dynamic"
check "A: hub gre1 (ip_gre NBMA) and dmvpn0 on s1, s2" part_a_up ||
	bail_out "no part A"
check "A: FRR hub up (zebra, nhrpd)" frr_start hub nhrpd ||
	bail_out "FRR does not start"
# Spokes registering before nhrpd knows gre1's address would wait for
# their retry: start them once nhrpd has its own address as local.
check "A: nhrpd runs NHRP on gre1" \
	wait_until 10 frr_cache_has hub local 10.255.0.1 192.0.2.1
agent_start s1 "$spoke_conf"
agent_start s2 "$spoke_conf"

check "A: s1 registers with FRR: dynamic 10.255.0.2 at 192.0.2.2" \
	wait_until 15 frr_cache_has hub dynamic 10.255.0.2 192.0.2.2
check "A: s2 registers with FRR: dynamic 10.255.0.3 at 192.0.2.3" \
	wait_until 15 frr_cache_has hub dynamic 10.255.0.3 192.0.2.3
check "A: ... FRR's registration replies: both spokes' NHS is up" \
	eval "wait_until 5 interop_nhs_up s1 && wait_until 5 interop_nhs_up s2"
check "A: the FRR hub pings s1 over the tunnel" ping_all hub 10.255.0.2 3 0.2
check "A: ... and s2" ping_all hub 10.255.0.3 3 0.2

check "A: Phase 2 through the FRR hub: lan1 -> lan2, no packet lost" \
	ping_all lan1 10.2.0.10 30 0.05
check "A: ... s1 resolved 10.255.0.3 to 192.0.2.3" \
	wait_until 5 entry_is s1 10.255.0.3 shortcut 192.0.2.3
check "A: ... s2 learnt 10.255.0.2 from the request FRR forwarded" \
	entry_is s2 10.255.0.2 shortcut 192.0.2.2
check "A: ... then the FRR hub relays nothing" \
	no_relay_during ping_all lan1 10.2.0.10 10 0.05

if command -v nft >/dev/null 2>&1; then
	check "A: Phase 3: NFLOG rule on the hub, routes via the hub" \
		part_a_phase3
	check "A: ... lan1 -> lan2, no packet lost while the shortcuts form" \
		ping_all lan1 10.2.0.10 40 0.05
	check "A: ... FRR sent s1 a traffic indication" \
		logged hub-nhrpd "Send Traffic Indication to 192.0.2.2"
	check "A: ... s1 has 10.2.0.0/24 via 192.0.2.3" \
		wait_until 5 entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
	check "A: ... s2 has 10.1.0.0/24 via 192.0.2.2" \
		wait_until 5 entry_is s2 10.1.0.0/24 shortcut 192.0.2.2
	check "A: ... then the FRR hub relays nothing" \
		no_relay_during ping_all lan1 10.2.0.10 10 0.05
else
	skip "A: Phase 3 with FRR's traffic indications" \
		"nhrpd needs an NFLOG rule and nft is not installed"
fi
check "A: agents and FRR alive" interop_alive s1 s2 frr:hub

# ---- between the parts: the hub becomes dmvpnd; s1 starts afresh
agent_stop s1
agent_stop s2
frr_stop hub
check "B: hub gre1 -> dmvpn0, s1 forgets part A, s3 gre1" part_b_up ||
	bail_out "no part B"

# =====================================================================
# Part B: dmvpnd hub, dmvpnd spoke s1, FRR spoke s3

agent_start hub "role hub
network-id 7
holdtime $HOLD
multicast dynamic
redirect on"
agent_start s1 "$spoke_conf"
frr_conf s3 zebra ""
frr_conf s3 staticd "ip route 10.255.0.0/24 10.255.0.1 200
ip route 10.1.0.0/24 10.255.0.1 200"
frr_conf s3 nhrpd "debug nhrp all
interface gre1
 ip nhrp network-id 1
 ip nhrp holdtime $HOLD
 ip nhrp nhs 10.255.0.1 nbma 192.0.2.1
 ip nhrp shortcut"
check "B: FRR spoke up (zebra, staticd, nhrpd)" frr_start s3 staticd nhrpd ||
	bail_out "FRR does not start"

check "B: the FRR spoke registers: hub has 10.255.0.4 at 192.0.2.4" \
	wait_until 15 entry_is hub 10.255.0.4 dynamic 192.0.2.4
check "B: ... unique, as nhrpd registers by default" \
	entry_has_flag hub 10.255.0.4 unique
check "B: ... FRR took the reply: NHS 10.255.0.1 at 192.0.2.1" \
	wait_until 5 frr_cache_has s3 nhs 10.255.0.1 192.0.2.1
check "B: s1 registers too" \
	wait_until 10 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "B: the FRR spoke pings the hub over the tunnel" \
	wait_until 5 ping_all s3 10.255.0.1 3 0.2
check "B: ... and the hub pings it" ping_all hub 10.255.0.4 3 0.2

# The hub's kernel raises no redirect events yet: this is Phase 2 only.
check "B: Phase 2, s1 -> FRR spoke: lan1 -> lan3, no packet lost" \
	ping_all lan1 10.3.0.10 30 0.05
check "B: ... s1 resolved 10.255.0.4 to 192.0.2.4" \
	wait_until 5 entry_is s1 10.255.0.4 shortcut 192.0.2.4
check "B: ... FRR's reply came back through the hub, which passed it on" \
	logged hub "sent resolution-reply"
check "B: ... FRR learnt 10.255.0.2 at 192.0.2.2 from the request" \
	frr_cache_has s3 dynamic 10.255.0.2 192.0.2.2
check "B: ... s1 <-> s3 tunnel addresses directly, the hub relays nothing" \
	no_relay_during ping_all s1 10.255.0.4 10 0.05

check "B: Phase 3: hub redirects, s1 routes via the hub, shortcuts flushed" \
	part_b_phase3
check "B: ... lan3 -> lan1, no packet lost while the shortcuts form" \
	ping_all lan3 10.1.0.10 40 0.05
check "B: ... the hub sent FRR a traffic indication" \
	logged hub "traffic indication to 192.0.2.4"
check "B: ... FRR accepted it and resolved 10.1.0.0/24 via 10.255.0.2" \
	wait_until 5 frr_shortcut_has s3 10.1.0.0/24 10.255.0.2
check "B: ... nhrpd's route for it is in s3's kernel" \
	wait_until 5 kernel_route_is s3 10.1.0.0/24 "via 10.255.0.2 dev gre1 proto nhrp"
check "B: ... s1 has 10.3.0.0/24 via 192.0.2.4 (FRR answered s1's request)" \
	wait_until 5 entry_is s1 10.3.0.0/24 shortcut 192.0.2.4
check "B: ... then the hub relays nothing" \
	no_relay_during ping_all lan3 10.1.0.10 10 0.05

check "B: FRR switched to \"ip nhrp nhs dynamic nbma 192.0.2.1\"" \
	frr_nhs_dynamic s3
check "B: ... learns the hub's address 10.255.0.1 from the reply" \
	wait_until 10 frr_nhs_is s3 192.0.2.1 10.255.0.1
check "B: ... and reaches the hub" wait_until 10 ping_all s3 10.255.0.1 3 0.2
check "B: agents and FRR alive" interop_alive hub s1 frr:s3

test_end

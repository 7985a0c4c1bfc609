#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_nat_shared.sh: two spokes behind one NAT address, with
# IPsec (issue 11; README, "Two spokes behind one NAT address").  Both must
# stay registered and reachable: NAT-T's ports tell them apart on the
# underlay, and the profile's marks (mark_in = mark_out = %unique/0x00ffffff,
# set_mark_in = %same) give each of the hub's SAs to the NAT address a
# mark of its own; the kernel module's peer is the NBMA address and that
# mark, dmvpnd reads the mark of each NHRP packet (SO_RCVMARK) and puts it
# in the client's entry and on its answers (SO_MARK).
#
# Before the marks (the module's peer and dmvpnd's registrations keyed by
# the NBMA address alone), the hub had one xfrm policy to 192.0.2.5, whose
# template took s4's SA, and s3 was unreachable from the hub and from s1
# while it stayed registered.  The last part shows that again with a hub
# profile without marks, and that dmvpnd says why.
#
# selftests: timeout 400
#
#                       netns wan: bridge br0, tcpdump from start to stop
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.5
#      +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |  nat   |  nft masquerade
#      | dmvpnd |          | dmvpnd |          +---+----+
#      | charon |          | charon |              | 172.16.0.1/24, bridge in0
#      +--------+          +---+----+       +------+------+
#      10.255.0.1          10.255.0.2       | 172.16.0.2  | 172.16.0.3
#                              |        +---+----+    +---+----+
#                          lan1        |   s3   |    |   s4   |  dmvpnd,
#                          10.1.0.0/24 +---+----+    +--------+  charon
#                                      10.255.0.4    10.255.0.5
#                                          |
#                                      lan3 10.3.0.0/24
#
# (lab.sh's s2 is there too, idle.)  Every dmvpn0 runs with require-ipsec,
# every charon with the same profile.
#
# Checks:
#   - the hub's agent finds a mark per CHILD_SA in its profile
#   - s3 registers through the NAT, its SA to the hub ESP in UDP; hub <->
#     s3 (as in dmvpn_ipsec_nat.sh, which has Phase 3 and the capture)
#   - s4, behind the same NAT, registers too; the hub's two SAs to
#     192.0.2.5 have marks of their own, and its entries for s3 and s4
#     carry them (genl, and dmvpnctl cache show); the hub and s1 reach both s3 and s4, also half a
#     holding time later; 0 GRE in clear since s4 came
#   - s1 has its agent's copy's SA to the hub (unmarked) and then answers
#     a second IKE_SA from the hub with the profile (marked): the hub's
#     echoes through the marked SA reach s1, none dropped as
#     XfrmInTmplMismatch (the copy's policies rank below the profile's);
#     its copy unloaded from charon, s1's agent loads it again when its
#     SA to the hub must be made again
#   - without marks in the hub's profile (loaded, dmvpnd reloaded, the
#     SAs made again): the agent says the profile lacks them and which two
#     hosts share one SA, and the hub reaches only one of s3 and s4
#   - dmesg is clean (the VM runner)

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/capture.sh
source "$DMVPN_SELFTESTS/capture.sh"
# shellcheck source=SCRIPTDIR/ipsec.sh
source "$DMVPN_SELFTESTS/ipsec.sh"

HOLD=30
# A mark per CHILD_SA, the low 24 bits; the rest is left to QoS.
MARKS='mark_in = %unique/0x00ffffff
					mark_out = %unique/0x00ffffff
					set_mark_in = %same'

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep ipsec-nat-shared-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE [CHILD_LINES]: the profile, PSK authentication; the
# lines CHILD_LINES in its child.
swanctl_conf() {
	ipsec_psk_conf "$1" "${2:-}"
}

nat_up() {
	ip link add wan0 netns "$nat" type veth peer name p-nat netns "$wan" &&
	ip -n "$wan" link set p-nat master br0 up &&
	ip -n "$nat" addr add 192.0.2.5/24 dev wan0 &&
	ip -n "$nat" link set wan0 up &&
	ip -n "$nat" link add in0 type bridge mcast_snooping 0 &&
	ip -n "$nat" addr add 172.16.0.1/24 dev in0 &&
	ip -n "$nat" link set in0 up &&
	ip netns exec "$nat" sysctl -qw net.ipv4.ip_forward=1 &&
	ip netns exec "$nat" nft -f - <<-'NFT'
		table ip nat {
			chain post {
				type nat hook postrouting priority srcnat;
				oifname "wan0" masquerade
			}
		}
	NFT
}

# inside NODE ADDR: NODE's wan0 on the NAT's inside bridge, ADDR/24.
inside() {
	ip link add wan0 netns "$(lab_ns "$1")" type veth peer name "i-$1" \
		netns "$nat" &&
	ip -n "$nat" link set "i-$1" master in0 up &&
	ip -n "$(lab_ns "$1")" addr add "$2/24" dev wan0 &&
	ip -n "$(lab_ns "$1")" link set wan0 up &&
	ip -n "$(lab_ns "$1")" route add default via 172.16.0.1
}

s3_up() {
	inside s3 172.16.0.2 &&
	ip -n "$s3" link add dmvpn0 type dmvpn require-ipsec &&
	ip -n "$s3" addr add 10.255.0.4/24 dev dmvpn0 &&
	ip -n "$s3" link set dmvpn0 up &&
	ip link add eth0 netns "$lan3" type veth peer name lan0 netns "$s3" &&
	ip -n "$s3" addr add 10.3.0.1/24 dev lan0 &&
	ip -n "$s3" link set lan0 up &&
	ip -n "$lan3" addr add 10.3.0.10/24 dev eth0 &&
	ip -n "$lan3" link set eth0 up &&
	ip -n "$lan3" route add default via 10.3.0.1 &&
	ip netns exec "$s3" sysctl -qw net.ipv4.ip_forward=1 &&
	ip -n "$s3" route add 10.1.0.0/24 via 10.255.0.1 &&
	ip -n "$s1" route replace 10.3.0.0/24 via 10.255.0.1 &&
	ip -n "$hub" route add 10.3.0.0/24 via 10.255.0.4
}

# encap_sa NODE SRC DST SPORT: NODE's SA from SRC to DST is ESP in UDP
# (from port SPORT, or any port when SPORT is empty).
encap_sa() {
	local state
	state=$(ip -n "$(lab_ns "$1")" xfrm state |
		awk -v head="src $2 dst $3" '/^src / { on = ($0 == head) } on')
	grep -qE "encap type espinudp sport ${4:-[0-9]+} dport [0-9]+" <<<"$state" || {
		echo "$1: no ESP-in-UDP SA from $2 to $3: ${state:-none}"
		return 1
	}
}

test_begin
agent_lab_begin ip ping tcpdump nft swanctl python3 "$CHARON"
GENL=$DMVPN_SELFTESTS/dmvpn_genl.py
setup_ns nat s3 lan3
check "s3 behind a masquerading router" nat_up || bail_out "no NAT"
check "s3 and its LAN" s3_up || bail_out "no s3"
ipsec_capture_begin

for node in hub s1; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
done
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect
for node in hub s1 s3; do
	check "charon up on $node" charon_start $node "$MARKS" ||
		bail_out "no charon"
done

agent_ipsec_conf hub "role hub
multicast dynamic
redirect on"
spoke_conf s1
spoke_conf s3
agent_start hub
agent_start s1
agent_start s3

check "hub: its profile gives each CHILD_SA a mark" \
	wait_until 20 logged hub "dmvpn0: ipsec profile dmvpn: a mark per CHILD_SA (mask 0xffffff)"
check "s3 registers: the hub has it at the NAT's outside address" \
	wait_until 60 entry_is hub 10.255.0.4 dynamic 192.0.2.5
check "... s3's SA to the hub came up before it registered" \
	logged_before s3 "IPsec to 192.0.2.1 up" "NHS 192.0.2.1 registering -> up"
check "... s3's SA to the hub is ESP in UDP from port 4500" \
	encap_sa s3 172.16.0.2 192.0.2.1 4500
check "... and so is the hub's to the NAT's address" \
	encap_sa hub 192.0.2.1 192.0.2.5
check "... the hub marks s3 as NATed" \
	shows hub "192\\.0\\.2\\.5 +10\\.255\\.0\\.4 +up .* UN" show dmvpn
check "s1 registers" wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "hub <-> s3 over the tunnel" ping_all hub 10.255.0.4 3 0.2

# ---- a second spoke behind the same NAT address
s4_up() {
	inside s4 172.16.0.3 &&
	ip -n "$s4" link add dmvpn0 type dmvpn require-ipsec &&
	ip -n "$s4" addr add 10.255.0.5/24 dev dmvpn0 &&
	ip -n "$s4" link set dmvpn0 up
}

# xfrm_dump NODE: what NODE's kernel has, for the record.
xfrm_dump() {
	diag "$1: ip xfrm policy:"
	ip -n "$(lab_ns "$1")" xfrm policy | grep -v '^\s*$' | diag
	diag "$1: ip xfrm state (no keys):"
	ip -n "$(lab_ns "$1")" xfrm state |
		grep -vE '^\s+(aead|enc|auth|auth-trunc) ' | diag
}

# out_marks: the marks of the hub's SAs to the NAT's address, in decimal.
out_marks() {
	local mark
	# shellcheck disable=SC2016 # awk's fields
	ip -n "$hub" xfrm state | awk '
		/^src / { on = ($2 == "192.0.2.1" && $4 == "192.0.2.5") }
		on && $1 == "mark" { split($2, m, "/"); print m[1] }' |
		while read -r mark; do
			echo $((mark))
		done
}

two_marks() {
	[ "$(out_marks | sort -u | wc -l)" -eq 2 ]
}

# entry_mark ADDR: the IPsec mark of the hub's entry for ADDR, as the
# kernel says it (0: none).
entry_mark() {
	local got
	got=$(ip netns exec "$hub" python3 -S "$GENL" get dmvpn0 "$1") || return 1
	grep -oE 'ipsec_mark=[0-9]+' <<<"$got" | cut -d= -f2 | grep . || echo 0
}

# entries_marked: the hub's entries for s3 and s4 carry two different
# marks, those of its two SAs to 192.0.2.5.
entries_marked() {
	local m3 m4 marks
	m3=$(entry_mark 10.255.0.4) && m4=$(entry_mark 10.255.0.5) || return 1
	marks=$(out_marks | sort -u | tr '\n' ' ')
	echo "s3's entry: mark $m3, s4's: mark $m4; SAs: $marks"
	[ "$m3" != 0 ] && [ "$m4" != 0 ] && [ "$m3" != "$m4" ] &&
		[[ " $marks" == *" $m3 "* ]] && [[ " $marks" == *" $m4 "* ]]
}

# ctl_marks: dmvpnctl's cache show (text and -j) gives the hub's entries
# for s3 and s4 the marks genl gives.
ctl_marks() {
	local m3 m4 text json
	m3=$(entry_mark 10.255.0.4) && m4=$(entry_mark 10.255.0.5) || return 1
	text=$(agent hub cache show dev dmvpn0) &&
		json=$(agent hub -j cache show dev dmvpn0) || return 1
	if grep -qE "^dmvpn0 +10\.255\.0\.4/32 +192\.0\.2\.5 mark $(printf '%#x' "$m3")/0xffffff " <<<"$text" &&
		grep -qE "^dmvpn0 +10\.255\.0\.5/32 +192\.0\.2\.5 mark $(printf '%#x' "$m4")/0xffffff " <<<"$text" &&
		python3 -c '
import json, sys
e = {x["prefix"]: x for x in json.loads(sys.argv[1])["entries"]}
sys.exit(not all(e[p]["ipsec_mark"] == int(m) and
                 e[p]["ipsec_mask"] == 0xffffff
                 for p, m in (("10.255.0.4/32", sys.argv[2]),
                              ("10.255.0.5/32", sys.argv[3]))))' \
			"$json" "$m3" "$m4"; then
		return 0
	fi
	echo "genl: s3 $m3, s4 $m4; dmvpnctl:"
	echo "$text"
	echo "$json"
	return 1
}

setup_ns s4
check "s4 behind the same NAT" s4_up
check "charon up on s4" charon_start s4 "$MARKS"
spoke_conf s4
agent_start s4
S4=$(capture_mark)
check "s4 registers: the hub has it at the NAT's outside address too" \
	wait_until 60 entry_is hub 10.255.0.5 dynamic 192.0.2.5
check "... s4's SA to the hub is ESP in UDP" \
	encap_sa s4 172.16.0.3 192.0.2.1
check "the hub's two SAs to 192.0.2.5 have marks of their own" \
	wait_until 20 two_marks
check "... and its entries for s3 and s4 carry them" \
	wait_until 20 entries_marked
check "... which dmvpnctl cache show prints" ctl_marks
check "hub <-> s4 over the tunnel" wait_until 20 ping_all hub 10.255.0.5 3 0.2
check "hub <-> s3 still" ping_all hub 10.255.0.4 3 0.2
check "s1 <-> s4" wait_until 30 ping_all s1 10.255.0.5 3 0.2
check "s1 <-> s3 still" wait_until 30 ping_all s1 10.255.0.4 3 0.2
check "lan1 <-> lan3 (s3's LAN) through the hub" \
	wait_until 30 ping_all lan1 10.3.0.10 3 0.2
sleep $((HOLD / 2))
check "a holding time later, the hub still has s3" \
	entry_is hub 10.255.0.4 dynamic 192.0.2.5
check "... and s4" entry_is hub 10.255.0.5 dynamic 192.0.2.5
check "... with their marks" entries_marked
check "... hub <-> s3" ping_all hub 10.255.0.4 3 0.2
check "... hub <-> s4" ping_all hub 10.255.0.5 3 0.2
check "... s1 <-> s3" ping_all s1 10.255.0.4 3 0.2
check "... s1 <-> s4" ping_all s1 10.255.0.5 3 0.2
xfrm_dump hub
check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s3 && agent_alive s4"
check "since s4 came: 0 GRE in clear" none_captured_since "$S4" "ip proto 47"

# ---- a copy's SA and an answered one to the same peer (issue 11)
# s1's SA to the hub is its agent's copy of the profile, without marks.
# When both ends of a shortcut initiate at once, a spoke can also answer
# the peer's IKE_SA with the profile itself (the peer's IKE_AUTH came
# before the copy was loaded): marked policies, with the copy's selectors,
# installed after the copy's.  xfrm takes the first policy that matches,
# an unmarked one matches any mark, and at one priority the first
# installed comes first: the peer's packets on the marked SA met the
# copy's template and were dropped (XfrmInTmplMismatch), until one IKE_SA
# of the two went.  Made here in that order, and held: both agents
# stopped (no duplicate goes), s1's copy unloaded from its charon (its SA
# stays), and the hub's charon initiates a second IKE_SA to s1 with a
# connection that sends the hub's GRE to s1 on it (the hub's mark for s1,
# a priority above the profile's).

# hub_mark_s1: the mark of the hub's SA to s1, as ip prints it.
hub_mark_s1() {
	# shellcheck disable=SC2016 # awk's fields
	ip -n "$hub" xfrm state | awk '
		/^src / { on = ($2 == "192.0.2.1" && $4 == "192.0.2.2") }
		on && $1 == "mark" { split($2, m, "/"); print m[1]; exit }'
}

# extra_up: the hub's second connection to s1 loaded (beside the
# profile, which swanctl would otherwise unload) and initiated.
extra_up() {
	local mark
	mark=$(hub_mark_s1)
	[ -n "$mark" ] || { echo "the hub's SA to s1 has no mark"; return 1; }
	awk -v mark="$mark" '{ print } /^connections \{/ {
		print "extra {\nremote_addrs = 192.0.2.2"
		print "local {\nauth = psk\n}\nremote {\nauth = psk\n}"
		print "children {\ngre {\nmode = transport"
		print "local_ts = dynamic[gre]\nremote_ts = dynamic[gre]"
		print "mark_in = %unique/0x00ffffff\nset_mark_in = %same"
		print "mark_out = " mark "/0x00ffffff\npriority = 366974"
		print "}\n}\n}" }' "$CONF/hub/swanctl.conf" >"$CONF/hub/extra.conf" &&
	SWANCTL_DIR=$CONF/hub swanctl --load-conns \
		--file "$CONF/hub/extra.conf" --uri "$(vici hub)" >/dev/null ||
		return 1
	swanctl --initiate --ike extra --child gre --timeout 20 \
		--uri "$(vici hub)" >"$CONF/hub/extra.out" 2>&1 || {
		tail -n 5 "$CONF/hub/extra.out"
		return 1
	}
}

# answered_in: packets s1 took in through the SA from the hub that marks
# them (set_mark_in: "output-mark").
answered_in() {
	# shellcheck disable=SC2016 # awk's fields
	ip -s -n "$s1" xfrm state | awk '
		/^src / { on = ($2 == "192.0.2.1" && $4 == "192.0.2.2"); m = 0 }
		on && $1 == "output-mark" { m = 1 }
		on && m && /^[ \t]*[0-9]+\(bytes\), [0-9]+\(packets\)/ {
			sub(/.*, /, ""); sub(/\(packets\)/, ""); print; exit }'
}

# tmpl_mismatch: s1's XfrmInTmplMismatch.
tmpl_mismatch() {
	# shellcheck disable=SC2016 # awk's fields
	nsenter --net="/run/netns/$s1" awk '$1 == "XfrmInTmplMismatch" {
		print $2 }' /proc/net/xfrm_stat
}

# copy_unloaded: s1's charon has the profile alone again, and the SA to
# the hub its copy brought up.
copy_unloaded() {
	swanctl_load s1 && sa_between s1 192.0.2.2 192.0.2.1
}

# came_through_answered N: N more packets than before came in through
# the SA s1 answered.
came_through_answered() {
	local now
	now=$(answered_in)
	echo "through the marked SA: ${IN0:-none} before, ${now:-none} now"
	[[ $now =~ ^[0-9]+$ && ${IN0:-} =~ ^[0-9]+$ ]] &&
		[ "$now" -ge $((IN0 + $1)) ]
}

# none_mismatched: s1 dropped nothing as XfrmInTmplMismatch since.
none_mismatched() {
	local now
	now=$(tmpl_mismatch)
	echo "XfrmInTmplMismatch: $MISMATCH0 before, $now now"
	[ "$now" = "$MISMATCH0" ]
}

for node in hub s1; do
	kill -STOP "${AGENT_PID[$node]}"
done
check "s1's copy unloaded, its SA kept" copy_unloaded
check "the hub initiates a second IKE_SA to s1, which s1 answers with the profile" \
	extra_up
xfrm_dump s1
IN0=$(answered_in)
MISMATCH0=$(tmpl_mismatch)
check "hub -> s1 through the SA s1 answered, s1's copy's policy installed first" \
	ping_all hub 10.255.0.2 5 0.2
check "... the echoes came through that SA" came_through_answered 5
check "... none dropped as XfrmInTmplMismatch" none_mismatched
check "the hub's second IKE_SA terminated" \
	swanctl --terminate --ike extra --force --timeout -1 --uri "$(vici hub)"
for node in hub s1; do
	kill -CONT "${AGENT_PID[$node]}"
done

# ups_since N: s1's agent has said more than N times that its SA to the
# hub is up.
ups_since() {
	[ "$(grep -c "IPsec to 192.0.2.1 up" "$CONF/s1.log")" -gt "$1" ]
}
UPS=$(grep -c "IPsec to 192.0.2.1 up" "$CONF/s1.log")
check "s1's SA to the hub terminated, its copy not in charon" \
	swanctl --terminate --ike dmvpn-dmvpn0-192.0.2.1 --force --timeout -1 \
		--uri "$(vici s1)"
check "... s1's agent loads the copy again and brings the SA back" \
	wait_until 20 ups_since "$UPS"

# ---- without marks: what it was before, and the agent says why
# reached: which of s3 and s4 the hub reaches now.  Both pings at once:
# without marks the spoke whose echoes are lost re-initiates its SA
# within seconds and takes the hub's GRE over, so two pings one after the
# other can each catch a different owner.
reached() {
	local who='' to_s3 to_s4
	ping_all hub 10.255.0.4 2 0.2 >/dev/null &
	to_s3=$!
	ping_all hub 10.255.0.5 2 0.2 >/dev/null &
	to_s4=$!
	wait "$to_s3" && who+=s3
	wait "$to_s4" && who+=s4
	echo "${who:-none}"
}

# two_unmarked_sas: the hub has two SAs to 192.0.2.5 again, without marks.
two_unmarked_sas() {
	[ "$(ip -n "$hub" xfrm state | grep -c '^src 192.0.2.1 dst 192.0.2.5')" -eq 2 ] &&
		[ -z "$(out_marks)" ]
}

check "without marks: the hub's profile loaded again" \
	eval "swanctl_conf hub && swanctl_load hub"
check "... dmvpnd reads it again" agent hub reload
check "... and says the profile lacks the marks" \
	wait_until 10 logged hub "peers behind one NAT address would share one SA"
check "... the hub's IKE_SAs terminated (the spokes initiate again)" \
	swanctl --terminate --ike dmvpn --force --timeout -1 --uri "$(vici hub)"
check "... two SAs to 192.0.2.5 again, without marks" \
	wait_until 60 two_unmarked_sas
check "... the agent says which two hosts share one SA" \
	wait_until 30 logged hub "172.16.0.2 and 172.16.0.3 both register from 192.0.2.5"
xfrm_dump hub
# Both register again; then one out policy takes all the hub's GRE to
# 192.0.2.5 to one of them.
# both_unmarked: s3 and s4 registered again, their entries without marks.
both_unmarked() {
	entry_is hub 10.255.0.4 dynamic 192.0.2.5 &&
		entry_is hub 10.255.0.5 dynamic 192.0.2.5 &&
		[ "$(entry_mark 10.255.0.4)" = 0 ] &&
		[ "$(entry_mark 10.255.0.5)" = 0 ]
}
check "... both registered again, their entries without marks" \
	wait_until 30 both_unmarked
# reaches_one: the hub reaches s3 or s4, not both.  Waited for, as the
# owner can still change between the two pings' echoes: what must never
# hold all along is the hub reaching both, as it does with the marks.
hub_reached=
reaches_one() {
	hub_reached=$(reached)
	[ "$hub_reached" = s3 ] || [ "$hub_reached" = s4 ]
}
check "... and the hub reaches only one of s3 and s4" wait_until 30 reaches_one
diag "the hub reached: $hub_reached"

test_end

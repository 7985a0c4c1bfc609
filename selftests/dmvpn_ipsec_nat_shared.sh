#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_nat_shared.sh: two spokes behind one NAT address, with
# IPsec (issue 11; README, "Two spokes behind one NAT address").  Both must
# stay registered and reachable: NAT-T's ports tell them apart on the
# underlay, but the hub's SAs to them have the same selectors.
#
# It FAILS today, and runs only when named: once s4 is up, the hub's one
# xfrm policy to 192.0.2.5 takes s4's SA, and s3 is unreachable from the
# hub and from s1 (checks "hub <-> s3 still", "s1 <-> s3 still", "...
# hub <-> s3"); both stay registered, as their own SAs to the hub work.
# The xfrm policies and states are printed for the record.  The checks
# after them are an experiment for the design that passes today: with
# mark_in/mark_out %unique and set_mark_in %same in the hub's profile,
# each SA has a mark of its own, the device's fwmark set to one reaches
# that one spoke, and a packet socket on dmvpn0 reads each spoke's mark.
#
# selftests: only when named
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
# (lab.sh's s2 is there too, idle.)  Every dmvpn0 runs with require-ipsec.
#
# Checks:
#   - s3 registers through the NAT, its SA to the hub ESP in UDP; hub <->
#     s3 (as in dmvpn_ipsec_nat.sh, which has Phase 3 and the capture)
#   - s4, behind the same NAT, registers too; the hub and s1 reach both s3
#     and s4, also half a holding time later; 0 GRE in clear since s4 came
# An experiment for the design (README, "Two spokes behind one NAT
# address"): the hub's profile with mark_in/mark_out %unique and
# set_mark_in %same, its SAs made again:
#   - two SAs to 192.0.2.5, each with a mark of its own
#   - the device's fwmark set to one of them reaches one spoke, the other
#     mark the other spoke
#   - a packet socket on the hub's dmvpn0 (as dmvpnd reads NHRP) sees
#     s3's and s4's packets with their own SA's mark (SO_RCVMARK)
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lab.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/agent.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/capture.sh"
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/ipsec.sh"

HOLD=30

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
	cat >"$CONF/$1/swanctl.conf" <<-EOF
	connections {
		dmvpn {
			remote_addrs = %any
			local {
				auth = psk
			}
			remote {
				auth = psk
			}
			children {
				gre {
					mode = transport
					local_ts = dynamic[gre]
					remote_ts = dynamic[gre]
					${2:-}
				}
			}
		}
	}
	secrets {
		ike-dmvpn {
			secret = "s3cret-psk"
		}
	}
	EOF
}

nat_up() {
	ip link add wan0 netns "$nat" type veth peer name p-nat netns "$wan" &&
	ip -n "$wan" link set p-nat master br0 up &&
	ip -n "$nat" addr add 192.0.2.5/24 dev wan0 &&
	ip -n "$nat" link set wan0 up &&
	ip -n "$nat" link add in0 type bridge &&
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
agent_lab_begin ip ping tcpdump nft swanctl "$CHARON"
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
	check "charon up on $node" charon_start $node || bail_out "no charon"
done

agent_ipsec_conf hub "role hub
multicast dynamic
redirect on"
spoke_conf s1
spoke_conf s3
agent_start hub
agent_start s1
agent_start s3

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
	diag "$1: xfrm_stat, non-zero:"
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$(lab_ns "$1")" awk '$2 != 0' /proc/net/xfrm_stat | diag
}

setup_ns s4
check "s4 behind the same NAT" s4_up
check "charon up on s4" charon_start s4
spoke_conf s4
agent_start s4
S4=$(capture_mark)
check "s4 registers: the hub has it at the NAT's outside address too" \
	wait_until 60 entry_is hub 10.255.0.5 dynamic 192.0.2.5
check "... s4's SA to the hub is ESP in UDP" \
	encap_sa s4 172.16.0.3 192.0.2.1
check "hub <-> s4 over the tunnel" wait_until 20 ping_all hub 10.255.0.5 3 0.2
check "hub <-> s3 still" ping_all hub 10.255.0.4 3 0.2
check "s1 <-> s4" wait_until 30 ping_all s1 10.255.0.5 3 0.2
check "s1 <-> s3 still" wait_until 30 ping_all s1 10.255.0.4 3 0.2
sleep $((HOLD / 2))
check "a holding time later, the hub still has s3" \
	entry_is hub 10.255.0.4 dynamic 192.0.2.5
check "... and s4" entry_is hub 10.255.0.5 dynamic 192.0.2.5
check "... hub <-> s3" ping_all hub 10.255.0.4 3 0.2
check "... hub <-> s4" ping_all hub 10.255.0.5 3 0.2
xfrm_dump hub
xfrm_dump s1
check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s3 && agent_alive s4"
check "since s4 came: 0 GRE in clear" none_captured_since "$S4" "ip proto 47"

# ---- an experiment for the design: a unique mark per CHILD_SA
# The hub's profile with mark_in/mark_out %unique (and set_mark_in
# %same: decrypted packets carry their SA's mark); its SAs made again.
# Then the device's fwmark (the one mark the kernel module sets today)
# picks which of the two SAs to 192.0.2.5, so which spoke, the hub's GRE
# goes to.

# out_marks: the marks of the hub's SAs to the NAT's address.
out_marks() {
	# shellcheck disable=SC2016 # awk's fields
	ip -n "$hub" xfrm state | awk '
		/^src / { on = ($2 == "192.0.2.1" && $4 == "192.0.2.5") }
		on && $1 == "mark" { split($2, m, "/"); print m[1] }'
}

two_marks() {
	[ "$(out_marks | sort -u | wc -l)" -eq 2 ]
}

# reached_with MARK: which of s3 and s4 the hub reaches with fwmark MARK.
reached_with() {
	local who=
	ip -n "$hub" link set dmvpn0 type dmvpn fwmark "$1" || return 1
	ping_all hub 10.255.0.4 2 0.2 >/dev/null && who+=s3
	ping_all hub 10.255.0.5 2 0.2 >/dev/null && who+=s4
	echo "${who:-none}"
}

marks_pick_spokes() {
	local m a b marks
	mapfile -t marks < <(out_marks | sort -u)
	[ "${#marks[@]}" -eq 2 ] || { echo "marks: ${marks[*]}"; return 1; }
	a=$(reached_with "${marks[0]}")
	b=$(reached_with "${marks[1]}")
	echo "mark ${marks[0]} reaches $a, mark ${marks[1]} reaches $b"
	diag "mark ${marks[0]} reaches $a, mark ${marks[1]} reaches $b"
	for m in "$a" "$b"; do
		[ "$m" = s3 ] || [ "$m" = s4 ] || return 1
	done
	[ "$a" != "$b" ]
}

check "experiment: the hub's profile with a unique mark per CHILD_SA" \
	eval "swanctl_conf hub 'mark_in = %unique
					mark_out = %unique
					set_mark_in = %same' && swanctl_load hub"
check "... its IKE_SAs terminated (the spokes initiate again)" \
	swanctl --terminate --ike dmvpn --force --timeout -1 --uri "$(vici hub)"
check "... two SAs to 192.0.2.5 again, with marks of their own" \
	wait_until 60 two_marks
xfrm_dump hub
check "... the device's fwmark picks the spoke: each mark reaches one" \
	marks_pick_spokes

# rx_marks SECONDS: the marks the packets the hub's dmvpn0 took in for
# SECONDS carried, by inner source address ("10.255.0.4 0x3"), as a packet
# socket (dmvpnd's kind) reads them with SO_RCVMARK (Linux 5.19).
rx_marks() {
	ip netns exec "$hub" python3 - "$1" <<-'PY'
	import socket, struct, sys, select, time
	SO_RCVMARK = 75
	ETH_P_ALL = 3
	s = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_ALL))
	s.setsockopt(socket.SOL_SOCKET, SO_RCVMARK, 1)
	s.bind(("dmvpn0", 0))
	seen = {}
	end = time.time() + float(sys.argv[1])
	while time.time() < end:
	    r, _, _ = select.select([s], [], [], 0.2)
	    if not r:
	        continue
	    data, anc, flags, addr = s.recvmsg(2048, socket.CMSG_SPACE(4))
	    if addr[2] == socket.PACKET_OUTGOING or len(data) < 20 or data[0] >> 4 != 4:
	        continue
	    mark = 0
	    for level, typ, val in anc:
	        if level == socket.SOL_SOCKET and typ == socket.SO_MARK:
	            mark = struct.unpack("I", val[:4])[0]
	    src = socket.inet_ntoa(data[12:16])
	    seen.setdefault(src, set()).add(mark)
	for src, marks in sorted(seen.items()):
	    print(src, " ".join("%#x" % m for m in sorted(marks)))
PY
}

# marks_tell_spokes FILE: s3's and s4's packets came with one mark each,
# not 0 and not the same.
marks_tell_spokes() {
	local m3 m4
	cat "$1"
	m3=$(awk '$1 == "10.255.0.4" && NF == 2 { print $2 }' "$1")
	m4=$(awk '$1 == "10.255.0.5" && NF == 2 { print $2 }' "$1")
	[ -n "$m3" ] && [ -n "$m4" ] && [ "$m3" != 0x0 ] && [ "$m4" != 0x0 ] &&
		[ "$m3" != "$m4" ]
}

rx_marks 8 >"$CONF/rx_marks" 2>&1 &
RX_PID=$!
sleep 1
ip netns exec "$s3" ping -n -q -c 5 -i 0.5 10.255.0.1 >/dev/null 2>&1 &
ip netns exec "$s4" ping -n -q -c 5 -i 0.5 10.255.0.1 >/dev/null 2>&1
wait "$RX_PID"
diag "the hub's dmvpn0 took in, by source and mark: $(tr '\n' ';' <"$CONF/rx_marks")"
check "... and received GRE carries its SA's mark up to a packet socket" \
	marks_tell_spokes "$CONF/rx_marks"

test_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_agent.sh: dmvpnd drives stock strongSwan over VICI (issue
# 11): every tunnel protected, nothing in clear, nothing lost.
#
# About 3 minutes under TCG; the first IKE_SA after boot is slow (crypto
# warm-up), so it is given more than the default:
# selftests: timeout 400
# selftests: long
#
#                       netns wan: bridge br0, tcpdump from start to stop
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3
#      +---+----+          +---+----+          +---+----+
#      |  hub   |   ESP    |   s1   |   ESP    |   s2   |
#      | dmvpnd |<-------->| dmvpnd |<-------->| dmvpnd |
#      | charon |          | charon |          | charon |
#      +--------+          +---+----+          +---+----+
#      10.255.0.1          10.255.0.2          10.255.0.3
#                              |                   |
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24
#
#      and evil (192.0.2.66) on br0, holding a copy of s2's SA to the hub
#
# One charon-systemd per namespace, each with its own strongswan.conf
# (STRONGSWAN_CONF: its own VICI socket) and swanctl.conf: the profile
# "dmvpn", transport mode for GRE, remote_addrs %any, a PSK.  Every
# dmvpn0 runs with require-ipsec; dmvpnd's config says "ipsec profile
# dmvpn" and where the socket is.
#
# Checks:
#   - s1 brings its SA to the hub up, then registers (the log says SA
#     first); s2, whose charon has the wrong PSK, does not register, and
#     its agent logs why (charon's AUTHENTICATION_FAILED)
#   - s2's PSK fixed in charon: s2's agent retries on its own and registers
#   - show dmvpn: each peer's SA (state, SPIs), the failed initiations
#   - Phase 3 (routes via the hub, redirect on): lan1 pings lan2 every 5 ms
#     while the spoke-to-spoke SA and the shortcuts form, and for the 200
#     echoes after: none lost; each
#     shortcut entered the cache only after the SA to its peer was up
#     (log order); then the hub relays nothing
#   - one end initiates: each spoke answers the other's resolution, yet
#     only s1's charon, the lower address, initiates an IKE_SA to the
#     other (s2 answers through the hub), so no duplicate to delete: one
#     IKE_SA with one CHILD_SA in each charon,
#     one SA each way in each kernel; the pings above, which span it,
#     lost nothing
#   - a duplicate all the same: the shortcuts flushed, each spoke maps the
#     other (a map's SA each end brings up) while each spoke's charon
#     drops the other's IKE_SA_INIT requests, so that no SA comes up
#     before both have initiated; let go, the
#     retransmissions bring two IKE_SAs up; one agent deletes one (the
#     other agent none), one of each is left as above, the shortcut comes
#     back and lan1 reaches lan2 straight; the echoes lost across it are
#     reported (a second SA's responder sends on it before its initiator
#     has it: what one end initiating avoids)
#   - an idle shortcut expires and its SA goes with it (no xfrm state
#     between s1 and s2 any more, no IKE_SA in either charon)
#   - static maps between s1 and s2 (added by reload): their agents bring
#     the SA up by themselves and s1 reaches s2 through the static
#     entries; the maps removed, the SA goes
#   - a peer's keys do not make it another peer: a purge of s1's
#     registration from s1's address, in ESP under s2's SA to the hub (its
#     SPI and keys, copied into a stranger's kernel): the hub decrypts it
#     (its xfrm counters say so) and drops it, as the SA is s2's; s1 stays
#     registered and the hub's agent hears no purge
#   - s1's charon stopped and started again: nothing gets through while it
#     is away, then s1's agent brings its SA to the hub back by itself
#   - the capture on the underlay, from the start up to charon's restart:
#     ESP and IKE only, not one GRE (or NHRP) packet in clear; over the
#     whole run, 0 GRE and nothing but IKE, ESP and ICMP (a port
#     unreachable while charon is away)
#   - dmesg is clean

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

HOLD=12			# short: the idle shortcut's expiry fits in the test

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep ipsec-agent-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# sas NODE PEER: NODE's charon's IKE_SAs and CHILD_SAs with PEER, as
# "IKE_SAs CHILD_SAs" (swanctl --list-sas: an IKE_SA's "remote 'ID' @
# ADDR[PORT]", a CHILD_SA's "remote ADDR/32[gre]").
sas() {
	swanctl --list-sas --uri "$(vici "$1")" 2>/dev/null |
		awk -v peer="$2" '$1 == "remote" && $4 ~ "^" peer "\\[" { ike++ }
				  $1 == "remote" && $2 ~ "^" peer "/32" { child++ }
				  END { print ike + 0, child + 0 }'
}

# sas_are NODE PEER "IKE CHILD": sas says so.
sas_are() {
	local got
	got=$(sas "$1" "$2")
	[ "$got" = "$3" ] || {
		echo "$1's charon: $got IKE_SAs/CHILD_SAs with $2, not $3"
		swanctl --list-sas --uri "$(vici "$1")" 2>&1 | head -n 30
		return 1
	}
}

# xfrm_states NODE A B: how many xfrm states NODE's kernel has between A
# and B, either way.
xfrm_states() {
	ip -n "$(lab_ns "$1")" xfrm state | grep -cE "^src ($2 dst $3|$3 dst $2)\$"
}

# charon_logged NODE ERE: NODE's charon logged a line matching ERE.
charon_logged() {
	grep -qE "$2" "$CONF/$1-charon.log" || {
		echo "not in $1's charon log: $2"
		return 1
	}
}

# duplicates_deleted: exactly one spoke's agent deleted a duplicate.
duplicates_deleted() {
	local n1 n2
	n1=$(grep -c "a duplicate" "$CONF/s1.log")
	n2=$(grep -c "a duplicate" "$CONF/s2.log")
	if [ $((n1 + n2)) -ge 1 ] && { [ "$n1" -eq 0 ] || [ "$n2" -eq 0 ]; }; then
		return 0
	fi
	echo "s1 deleted $n1, s2 $n2"
	return 1
}

# other_spoke NODE: the other spoke's underlay address.
other_spoke() {
	if [ "$1" = s2 ]; then echo 192.0.2.2; else echo 192.0.2.3; fi
}

# initiations NODE: how many IKE_SAs NODE's charon initiated to the other
# spoke.  initiated NODE: at least one.
initiations() {
	grep -c "initiating IKE_SA dmvpn-dmvpn0-$(other_spoke "$1")" \
		"$CONF/$1-charon.log"
}

initiated() {
	[ "$(initiations "$1")" -gt 0 ]
}

# s1_established: how many IKE_SAs s1's charon established with s2.
s1_established() {
	grep -cE 'IKE_SA [^ ]+ established between 192.0.2.2[^ ]*\.\.\.192.0.2.3' \
		"$CONF/s1-charon.log"
}

# one_initiator: exactly one spoke's charon initiated an IKE_SA to the
# other.
one_initiator() {
	local n=0
	initiated s1 && n=$((n + 1))
	initiated s2 && n=$((n + 1))
	[ "$n" -eq 1 ] && return 0
	echo "$n spokes initiated an IKE_SA to the other"
	grep -h "initiating IKE_SA" "$CONF/s1-charon.log" \
		"$CONF/s2-charon.log" "$CONF/s1.log" "$CONF/s2.log"
	return 1
}

# map_conf NODE [LINE]: NODE's configuration with LINE (or none) added,
# reloaded.
map_conf() {
	spoke_conf "$1" &&
		{ [ -z "${2:-}" ] || echo "$2" >>"$CONF/$1/dmvpn0.conf"; } &&
		agent "$1" reload
}

# ike_init_drop NODE PEER: NODE's charon gets no IKE_SA_INIT request from
# PEER.  ike_init_take NODE: it does again.
ike_init_drop() {
	ip netns exec "$(lab_ns "$1")" nft -f - <<-NFT
	table inet ikedrop {
		chain input {
			type filter hook input priority 0;
			ip saddr $2 udp dport 500 @th,128,64 0 drop
		}
	}
	NFT
}

ike_init_take() {
	ip netns exec "$(lab_ns "$1")" nft delete table inet ikedrop
}

# both_initiated_again N1 N2: each spoke's charon logged more initiations
# of an IKE_SA to the other than N1 (s1) and N2 (s2).
both_initiated_again() {
	local n1 n2
	n1=$(initiations s1)
	n2=$(initiations s2)
	[ "$n1" -gt "$1" ] && [ "$n2" -gt "$2" ] && return 0
	echo "initiations to the other: s1 $1 -> $n1, s2 $2 -> $n2"
	return 1
}

# two_ike_sas_came_up: s1's charon established an IKE_SA with s2 as the
# initiator and one as the responder since the first duplicate check.
two_ike_sas_came_up() {
	local n
	n=$(s1_established)
	[ "$n" -ge $((UP_BEFORE + 2)) ] && return 0
	echo "s1's charon established $((n - UP_BEFORE)) IKE_SAs with s2 since"
	return 1
}

no_duplicate_deleted() {
	! grep "a duplicate" "$CONF/s1.log" "$CONF/s2.log"
}

# one_sa_pair: each spoke's charon has one IKE_SA and one CHILD_SA with
# the other, and each kernel one SA each way between them.
one_sa_pair() {
	local node peer
	for node in s1 s2; do
		peer=$(other_spoke "$node")
		check "... $node's charon has one IKE_SA and one CHILD_SA with $peer" \
			wait_until 10 sas_are "$node" "$peer" "1 1"
		check "... and $node's kernel one SA each way" \
			test "$(xfrm_states "$node" 192.0.2.2 192.0.2.3)" -eq 2
	done
}

# swanctl_conf NODE PSK: the profile, PSK authentication.
swanctl_conf() {
	IPSEC_PSK=$2 ipsec_psk_conf "$1"
}

test_begin
agent_lab_begin ip ping tcpdump swanctl nft "$CHARON"
ipsec_capture_begin

for node in hub s1 s2; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
done
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect
check "charon up on hub" charon_start hub s3cret-psk || bail_out "no charon"
check "charon up on s1" charon_start s1 s3cret-psk || bail_out "no charon"
check "charon up on s2, with the wrong PSK" charon_start s2 wrong-psk ||
	bail_out "no charon"

ipsec_agents_start "multicast dynamic
redirect on"

# ---- Phase 1, and the wrong PSK
check "s1 registers: hub has 10.255.0.2 at 192.0.2.2" \
	wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... s1's SA to the hub came up before it registered" \
	logged_before s1 "IPsec to 192.0.2.1 up" "NHS 192.0.2.1 registering -> up"
check "... the hub validated its profile" \
	logged hub "ipsec profile dmvpn: transport mode for GRE, child gre"
check "spoke to hub over the tunnel" ping_all s1 10.255.0.1 3 0.2
check "s1: show dmvpn has the NHS's SA up, with its SPIs" \
	shows s1 "nhs +192\.0\.2\.1 .* up [0-9a-f]{8}/[0-9a-f]{8}" show dmvpn
check "... and in JSON" \
	shows s1 '"nbma":"192.0.2.1".*"ipsec":\{"state":"up","spi_in":"[0-9a-f]{8}"' \
	-j show dmvpn
check "s2 (wrong PSK) logs why its SA failed" \
	wait_until 60 logged s2 "AUTHENTICATION_FAILED"
check "... and has not registered" not entry_is hub 10.255.0.3 dynamic 192.0.2.3
check "... show dmvpn counts the failed initiation" \
	shows s2 "IPsec profile dmvpn, charon connected: [0-9]+ initiations, [1-9][0-9]* failed" show dmvpn
check "... and its SA to the hub is not up" \
	shows s2 "nhs +192\.0\.2\.1 .* (connecting|down)\s*$" show dmvpn
check "s2's PSK fixed in charon" \
	eval "swanctl_conf s2 s3cret-psk && swanctl --load-creds --clear --file '$CONF/s2/swanctl.conf' --uri '$(vici s2)' >/dev/null"
check "... s2's agent retries and registers" \
	wait_until 60 entry_is hub 10.255.0.3 dynamic 192.0.2.3

# ---- Phase 3: the routes point at the hub, which redirects
check "Phase 3: routes via the hub" \
	eval "ip -n '$s1' route replace 10.2.0.0/24 via 10.255.0.1 &&
	      ip -n '$s2' route replace 10.1.0.0/24 via 10.255.0.1"
echoes_start lan1 10.2.0.10
check "... s1 gets 10.2.0.0/24 via 192.0.2.3" \
	wait_until 60 entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
check "... s2 gets 10.1.0.0/24 via 192.0.2.2" \
	wait_until 10 entry_is s2 10.1.0.0/24 shortcut 192.0.2.2
check "... no echo (5 ms apart) lost meanwhile, nor in the 200 after" \
	echoes_end 200
diag "echoes lan1 -> lan2 across it: $ECHOES_ANSWERED answered"
check "... s1 put its shortcut in only once its SA to s2 was up" \
	logged_before s1 "IPsec to 192.0.2.3 up" "shortcut 10.2.0.0/24 via 192.0.2.3"
check "... and so did s2" \
	logged_before s2 "IPsec to 192.0.2.2 up" "shortcut 10.1.0.0/24 via 192.0.2.2"
check "... then the hub relays nothing" \
	no_relay_during ping_all lan1 10.2.0.10 10 0.05
check "... s1's kernel has the spoke-to-spoke SA" \
	sa_between s1 192.0.2.2 192.0.2.3

# ---- one end initiates, though each resolved the other (both have a
# shortcut, above)
check "one spoke initiated an IKE_SA to the other, not both" one_initiator
check "... s1, the lower address" initiated s1
UP_BEFORE=$(s1_established)
check "... no agent deleted a duplicate" no_duplicate_deleted
one_sa_pair

# ---- a duplicate all the same: a static map of each other on both
# spokes makes each agent bring the SA up (a map's SA is not left to the
# other end), and each charon drops the other's IKE_SA_INIT requests
# (responder SPI 0), so that no SA comes up before both have initiated;
# let go, the retransmissions bring two IKE_SAs up.
# Exactly one agent deletes one.
check "a duplicate: the spokes forget their shortcuts" \
	eval "lab_ctl s1 flush dev dmvpn0 >/dev/null &&
	      lab_ctl s2 flush dev dmvpn0 >/dev/null"
check "... and their SA goes" \
	wait_until 30 eval "no_sa_between s1 192.0.2.2 192.0.2.3 &&
			    no_sa_between s2 192.0.2.2 192.0.2.3 &&
			    sas_are s1 192.0.2.3 '0 0' && sas_are s2 192.0.2.2 '0 0'"
check "... each drops the other's IKE_SA_INIT requests" \
	eval "ike_init_drop s1 192.0.2.3 && ike_init_drop s2 192.0.2.2"
init1=$(initiations s1)
init2=$(initiations s2)
echoes_start lan1 10.2.0.10
check "... each maps the other (reload)" \
	eval 'map_conf s1 "map 10.255.0.3/32 nbma 192.0.2.3" &&
	      map_conf s2 "map 10.255.0.2/32 nbma 192.0.2.2"'
check "... both initiate" wait_until 30 both_initiated_again "$init1" "$init2"
check "... and take each other's requests again" \
	eval "ike_init_take s1 && ike_init_take s2"
check "... both IKE_SAs came up" wait_until 30 two_ike_sas_came_up
check "... one agent deleted one, the other agent none" \
	wait_until 10 duplicates_deleted
one_sa_pair
check "... s1 gets 10.2.0.0/24 via 192.0.2.3 again" \
	wait_until 30 entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
echoes_end 100 >"$CONF/across" || :
across=$(<"$CONF/across")
diag "echoes lan1 -> lan2 across it: $ECHOES_ANSWERED answered${across:+; $across}"
check "... lan1 reaches lan2 straight" \
	no_relay_during ping_all lan1 10.2.0.10 10 0.05
check "... the maps gone again (reload)" eval "map_conf s1 && map_conf s2"

# ---- an idle shortcut takes its SA with it
check "idle: s1's shortcut expires" \
	wait_until $((HOLD * 4)) not entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
check "... its SA goes too" wait_until 30 no_sa_between s1 192.0.2.2 192.0.2.3
check "... and no IKE_SA between s1 and s2 is left in either charon" \
	wait_until 10 eval "sas_are s1 192.0.2.3 '0 0' && sas_are s2 192.0.2.2 '0 0'"
check "... while the SA to the hub stays" sa_between s1 192.0.2.2 192.0.2.1

# ---- a static map's peer gets its SA, as a shortcut's does
# Maps both ways, so that the echoes and their replies go straight (the
# hub relays nothing, so no redirect makes a shortcut meanwhile).
check "static maps between s1 and s2 (reload)" \
	eval 'map_conf s1 "map 10.255.0.3/32 nbma 192.0.2.3" &&
	      map_conf s2 "map 10.255.0.2/32 nbma 192.0.2.2"'
check "... their agents bring the SA between them up by themselves" \
	wait_until 30 sa_between s1 192.0.2.2 192.0.2.3
check "... s1 <-> s2 through the static entries" \
	wait_until 10 ping_all s1 10.255.0.3 3 0.2
check "the maps gone (reload): their SA goes from both kernels" \
	eval 'map_conf s1 && map_conf s2 &&
	      wait_until 30 eval "no_sa_between s1 192.0.2.2 192.0.2.3 &&
				  no_sa_between s2 192.0.2.2 192.0.2.3"'

check "... and lan1 still reaches lan2 through the hub" \
	ping_all lan1 10.2.0.10 5 0.2

# What went over the underlay so far, with charon up everywhere.
check "the run so far on the underlay: ESP ..." some_captured_since "$START" esp
check "... and nothing but IKE and ESP" \
	none_captured_since "$START" "ip and not esp and not ($IKE)"
check "... 0 GRE (and so 0 NHRP) in clear" none_captured_since "$START" "ip proto 47"

# ---- a peer's keys do not make it another peer (issue 14, item 7)
# sa_lines NODE SRC DST: NODE's xfrm state from SRC to DST, as ip prints it.
sa_lines() {
	ip -n "$(lab_ns "$1")" xfrm state |
		awk -v head="src $2 dst $3" '/^src / { on = ($0 == head) } on'
}

# forge_sa NODE SRC PEER AS: in evil's kernel, NODE's SA from SRC to PEER
# (its SPI, algorithms and keys) with AS for its source, and a policy
# that sends all evil sends to PEER through it.
forge_sa() {
	local state spi line words algs=()
	state=$(sa_lines "$1" "$2" "$3")
	spi=$(grep -o -m1 'spi 0x[0-9a-f]*' <<<"$state" | cut -d' ' -f2)
	while read -r line; do
		read -ra words <<<"$line"
		algs+=("${words[@]}")
	done < <(grep -E '^\s+(aead|enc|auth|auth-trunc) ' <<<"$state")
	if [ -z "$spi" ] || [ "${#algs[@]}" -eq 0 ]; then
		echo "no SA from $2 to $3 on $1: $state"
		return 1
	fi
	# Sequence numbers far past what s2 sent: the hub's replay window
	# lets them in, so that only the SA's owner can stop them.
	ip -n "$evil" xfrm state add src "$4" dst "$3" proto esp spi "$spi" \
		reqid 66 mode transport replay-oseq 0x70000000 "${algs[@]}" &&
	ip -n "$evil" xfrm policy add dst "$3/32" dir out \
		tmpl src "$4" dst "$3" proto esp reqid 66 mode transport
}

# xfrm_refused NODE: ESP that NODE's kernel decrypted and then refused
# for the SA's selector or the policy's template.
xfrm_refused() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$(lab_ns "$1")" awk '
		$1 == "XfrmInStateMismatch" || $1 == "XfrmInTmplMismatch" {
			n += $2 } END { print n + 0 }' /proc/net/xfrm_stat
}

refused_more_than() {
	[ "$(xfrm_refused "$1")" -gt "$2" ] && return 0
	echo "$1's xfrm counters:"
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$(lab_ns "$1")" awk '$2 != 0' /proc/net/xfrm_stat
	echo "evil's copy of the SA:"
	ip -n "$evil" -s xfrm state
	return 1
}

# s1_address_on_evil: evil sends as 192.0.2.2 (an address on its lo, so
# that a flow from it exists for its xfrm policy) yet never claims it on
# the underlay: no ARP answers for it, no ARP requests from it.
s1_address_on_evil() {
	ip netns exec "$evil" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
		net.ipv4.conf.all.arp_announce=2 &&
	ip -n "$evil" addr add 192.0.2.2/32 dev lo &&
	ip -n "$evil" link set lo up
}

setup_ns evil
check "a stranger joins the underlay" \
	eval "evil_up 192.0.2.66 && s1_address_on_evil"
check "... with a copy of s2's SA to the hub, from s1's address" \
	forge_sa s2 192.0.2.3 192.0.2.1 192.0.2.2
refused=$(xfrm_refused hub)
craft --to 192.0.2.1 --from 192.0.2.2 --bind purge-request --src-proto 10.255.0.2 \
	--dst-proto 10.255.0.1 --cie 0,255,0,192.0.2.2,10.255.0.2 --count 3 \
	>/dev/null
check "... a purge of s1's registration through it: the hub decrypts and refuses it" \
	wait_until 10 refused_more_than hub "$((refused + 2))"
check "... s1 stays registered" entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... and the hub's agent heard no purge" \
	not logged hub "10.255.0.2 purged its registration"

# ---- charon restarts under dmvpnd
check "s1's charon stopped (its SAs go with it)" \
	eval "kill -TERM ${CHARON_PID[s1]} && wait ${CHARON_PID[s1]}; true"
check "... s1's agent notices" wait_until 10 logged s1 "IPsec to 192.0.2.1 down"
check "... nothing gets through while charon is away" \
	not ping_all s1 10.255.0.1 2 0.2
check "charon back on s1" charon_start s1 s3cret-psk
check "... s1's agent brings the SA to the hub back by itself" \
	wait_until 60 ping_all s1 10.255.0.1 1 0.2
check "... and is registered with the hub" \
	wait_until 30 entry_is hub 10.255.0.2 dynamic 192.0.2.2

check "all agents alive" eval "agent_alive hub && agent_alive s1 && agent_alive s2"
# While s1's charon was away, a peer's IKE to it may have drawn an ICMP
# port unreachable; that is all that may be added.
check "the whole run, charon's restart included: 0 GRE in clear" \
	none_captured_since "$START" "ip proto 47"
check "... nothing but IKE, ESP and ICMP" \
	none_captured_since "$START" "ip and not esp and not ($IKE) and not icmp"

test_end

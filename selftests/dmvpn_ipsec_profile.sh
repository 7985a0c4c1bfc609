#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_profile.sh: dmvpnd's per-peer copies of the IPsec profile
# are the profile (issue 11): its proposals and lifetimes are honoured,
# and SAs rekeyed under traffic lose nothing, because only the IKE
# initiator's agent rekeys, before either charon's timer would.
#
# Only when named: 69 to 91 s under TCG; with a VICI connection of its
# own for rekeys, 7 of 8 runs passed (2026-12-05); with one, 6 of 9.
# The failure: a CHILD_SA rekey charon refused while its IKE_SA was
# being rekeyed was not asked again; dmvpnd asks again now
# (dmvpn_ipsec_rekey_race.sh forces that race), and the 2 runs since
# passed (2026-12-06, 6.1 and 6.12).
#   TESTS=dmvpn_ipsec_profile.sh selftests/vm/run -k 6.12 -- \
#     selftests/vm/guest-tests
# selftests: only when named
# selftests: timeout 400
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
# The profile allows one IKE proposal and one ESP proposal, neither with
# charon's defaults: aes256gcm16-prfsha384-ecp384 and aes256gcm16-esn
# (charon's default ESP proposals have no ESN, so a copy that proposed
# them would find no CHILD_SA proposal the hub takes).  The lifetimes are
# short: charon would rekey CHILD_SAs 6 to 8 s after they came up (the
# kernel's soft expiry, counted in whole seconds: 5 s at the earliest)
# and IKE_SAs after 14 to 16 s, on both ends: rekey collisions, which
# charon 5.9.8 can resolve by deleting the SA the other end kept.  The
# IKE initiator's agent rekeys first, at 80 to 85% of the earliest (4 to
# 4.25 s after 5 s, 10.4 to 11 s after 13 s), so neither charon's timer
# fires.
#
# Checks:
#   - s1's copy brings its SA to the hub up and s1 registers
#   - the SA uses the profile's proposals: swanctl --list-sas (IKE and
#     ESP) and the kernel's xfrm state (rfc4106 with a 256-bit key, ESN)
#   - Phase 3 (routes via the hub): the spoke-to-spoke SA and shortcuts form
#   - rekeys under traffic: s1 pings the hub and lan1 pings lan2 (across
#     the shortcut) every 4 ms, in rounds of 1000 each, until CHILD_SAs
#     rekeyed 4 times and IKE_SAs twice: not one echo lost; s1's agent
#     counts and logs CHILD_SA and IKE_SA rekeys, and asked charon for
#     them itself, while the hub (the IKE responder to both spokes) asked
#     for none; no charon logged a rekey collision
#   - after the IKE_SAs were rekeyed, an idle shortcut's SA still goes
#     when the shortcut expires (dmvpnd terminates the rekeyed IKE_SA)
#   - the capture on the underlay: ESP and IKE only, 0 GRE in clear
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
# shellcheck source=SCRIPTDIR/observe.sh
source "$DMVPN_SELFTESTS/observe.sh"

HOLD=20			# the shortcut outlives the pings, then expires

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep "ipsec-profile-logs-$DMVPN_RUN_ID"
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE: the profile, restricted proposals, short lifetimes,
# written the way operators do: the connection in conf.d/, included.
swanctl_conf() {
	mkdir -p "$CONF/$1/conf.d"
	cat >"$CONF/$1/swanctl.conf" <<-EOF
	# as Debian's: everything in conf.d
	include conf.d/*.conf
	secrets {
		ike-dmvpn {
			secret = "pr0file-psk"
		}
	}
	EOF
	cat >"$CONF/$1/conf.d/dmvpn.conf" <<-EOF
	connections {
		dmvpn {
			remote_addrs = %any
			proposals = aes256gcm16-prfsha384-ecp384
			rekey_time = 16s
			over_time = 4s
			rand_time = 3s
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
					esp_proposals = aes256gcm16-esn
					rekey_time = 8s
					life_time = 12s
					rand_time = 1s
				}
			}
		}
	}
	EOF
}

# sa_uses NODE PATTERN: NODE's charon lists an SA matching PATTERN (ERE).
sa_uses() {
	swanctl --list-sas --uri "$(vici "$1")" 2>/dev/null | grep -qE "$2" || {
		swanctl --list-sas --uri "$(vici "$1")" 2>&1 | head -n 20
		return 1
	}
}

# xfrm_esn_gcm256 NODE A B: NODE's kernel has the SA from A to B with
# AES-GCM and a 256-bit key (64 hex digits, and 8 of salt), with ESN.
xfrm_esn_gcm256() {
	local out
	out=$(ip -n "$(lab_ns "$1")" xfrm state list src "$2" dst "$3")
	if ! grep -qE "aead rfc4106\(gcm\(aes\)\) 0x[0-9a-f]{72} 128" <<<"$out" ||
		! grep -qE "flag .*esn" <<<"$out"; then
		echo "$out"
		return 1
	fi
}

# rekeys NODE WHAT: the count of WHAT ("rekeys" or "IKE rekeys") in
# NODE's show dmvpn.
rekeys() {
	agent "$1" show dmvpn |
		sed -nE "s/.* ([0-9]+) $2(,|\$).*/\1/p" | head -n 1
}

at_least() {
	[ "${1:-0}" -ge "$2" ] || { echo "$1 < $2"; return 1; }
}

# hub_rekeys WHAT: how often s1 logged that WHAT ("IPsec", "IKE_SA") to
# the hub was rekeyed.
hub_rekeys() {
	grep -cF "$1 to 192.0.2.1 rekeyed" "$CONF/s1.log"
}

# asked NODE: the rekeys NODE's agent asked charon for (0 if it does not
# say).
asked() {
	local n
	n=$(agent "$1" show dmvpn |
		sed -nE 's/.* ([0-9]+) asked by dmvpnd.*/\1/p' | head -n 1)
	echo "${n:-0}"
}

asked_none() {
	[ "$(asked "$1")" = 0 ] || { agent "$1" show dmvpn; return 1; }
}

# none_lost: no round of ping_round lost an echo ($LOST says how).
none_lost() {
	[ -z "$LOST" ] || { echo "$LOST"; return 1; }
}

# no_collision NODE...: no NODE's charon logged a rekey collision (charon
# 5.9.8 logs "IKE_SA rekey collision lost, ...", "CHILD_SA rekey
# collision won, ...", "detected ... collision ...").
no_collision() {
	local node found=0
	for node in "$@"; do
		if grep -i collision "$CONF/$node-charon.log"; then
			echo "^ $node's charon"
			found=1
		fi
	done
	return "$found"
}

# ping_round N: s1 pings the hub and lan1 pings lan2, N echoes each 4 ms
# apart, at once; their summaries in $HUB_LOG and $S2S_LOG.
ping_round() {
	HUB_REPLIES=$(echo_replies "$s1" 4)
	S2S_REPLIES=$(echo_replies "$lan1" 4)
	ip netns exec "$s1" ping -n -q -c "$1" -i 0.004 -W 2 10.255.0.1 >"$HUB_LOG" 2>&1 &
	local hub_ping=$!
	ip netns exec "$lan1" ping -n -q -c "$1" -i 0.004 -W 2 10.2.0.10 >"$S2S_LOG" 2>&1 &
	wait "$hub_ping" $!
}

# round_answered N: both pings of ping_round N had each echo answered once.
round_answered() {
	pings_answered "$HUB_LOG" "$1" "$s1" 4 "$HUB_REPLIES" >/dev/null &&
		pings_answered "$S2S_LOG" "$1" "$lan1" 4 "$S2S_REPLIES" >/dev/null
}

test_begin
agent_lab_begin ip ping tcpdump swanctl "$CHARON"
ipsec_capture_begin

for node in hub s1 s2; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
	check "charon up on $node" charon_start $node || bail_out "no charon"
done
check "hub: redirect on" ip -n "$hub" link set dmvpn0 type dmvpn redirect

ipsec_agents_start "multicast dynamic
redirect on"

# ---- the copies carry the profile's proposals
check "s1 registers: hub has 10.255.0.2 at 192.0.2.2" \
	wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "s2 registers" wait_until 30 entry_is hub 10.255.0.3 dynamic 192.0.2.3
check "... s1's IKE_SA to the hub: the profile's IKE proposal" \
	sa_uses s1 "AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384"
check "... its CHILD_SA: the profile's ESP proposal, with ESN" \
	sa_uses s1 "AES_GCM_16-256/ESN"
check "... the kernel's SAs: AES-GCM with a 256-bit key, ESN" \
	eval "xfrm_esn_gcm256 s1 192.0.2.2 192.0.2.1 &&
	      xfrm_esn_gcm256 s1 192.0.2.1 192.0.2.2"
check "spoke to hub over the tunnel" ping_all s1 10.255.0.1 3 0.2

# ---- Phase 3, then rekeys under traffic
check "Phase 3: routes via the hub" \
	eval "ip -n '$s1' route replace 10.2.0.0/24 via 10.255.0.1 &&
	      ip -n '$s2' route replace 10.1.0.0/24 via 10.255.0.1"
check "... s1 gets 10.2.0.0/24 via 192.0.2.3" \
	wait_until 60 eval "ping_all lan1 10.2.0.10 1 0.2; entry_is s1 10.2.0.0/24 shortcut 192.0.2.3"
check "... s2 gets 10.1.0.0/24 via 192.0.2.2" \
	wait_until 20 entry_is s2 10.1.0.0/24 shortcut 192.0.2.2
check "... the spoke-to-spoke SA: ESN too" \
	xfrm_esn_gcm256 s1 192.0.2.2 192.0.2.3

CHILD0=$(hub_rekeys IPsec)
IKE0=$(hub_rekeys IKE_SA)
ASKED0=$(asked s1)
HUB_LOG=$CONF/ping-hub.log
S2S_LOG=$CONF/ping-s2s.log
# Rounds until enough rekeys were seen (each round about 14 s under TCG,
# 4 s on a fast host); a round with a loss ends it.
ROUNDS=0
LOST=
while [ "$ROUNDS" -lt 8 ]; do
	ping_round 1000
	ROUNDS=$((ROUNDS + 1))
	if ! round_answered 1000; then
		LOST="round $ROUNDS: $(tail -n 2 "$HUB_LOG"; tail -n 2 "$S2S_LOG")"
		break
	fi
	[ "$(( $(hub_rekeys IPsec) - CHILD0 ))" -ge 4 ] &&
		[ "$(( $(hub_rekeys IKE_SA) - IKE0 ))" -ge 2 ] && break
done
diag "$ROUNDS rounds of 1000 echoes to the hub and from lan1 to lan2"
check "rekeys under traffic: no echo to the hub or from lan1 to lan2 lost" \
	none_lost
check "... meanwhile s1's CHILD_SA to the hub rekeyed 4 times or more" \
	at_least "$(( $(hub_rekeys IPsec) - CHILD0 ))" 4
check "... and its IKE_SA twice or more" \
	at_least "$(( $(hub_rekeys IKE_SA) - IKE0 ))" 2
check "... s1's agent counted them" \
	eval "at_least $(rekeys s1 rekeys) 4 && at_least $(rekeys s1 'IKE rekeys') 2"
check "... and asked for them: the IKE initiator to the hub" \
	at_least "$(( $(asked s1) - ASKED0 ))" 6
check "... the hub's agent, IKE responder to both spokes, asked for none" \
	asked_none hub
check "... and no charon logged a rekey collision" no_collision hub s1 s2
check "... the shortcut stayed" entry_is s1 10.2.0.0/24 shortcut 192.0.2.3

# ---- an idle shortcut's SA goes, its IKE_SA rekeyed meanwhile
check "idle: s1's shortcut expires" \
	wait_until $((HOLD * 4)) not entry_is s1 10.2.0.0/24 shortcut 192.0.2.3
check "... its SA goes too" wait_until 30 no_sa_between s1 192.0.2.2 192.0.2.3
check "... while the SA to the hub stays" sa_between s1 192.0.2.2 192.0.2.1

check "all agents alive" eval "agent_alive hub && agent_alive s1 && agent_alive s2"
check "the underlay: ESP ..." some_captured_since "$START" esp
check "... and nothing but IKE and ESP" \
	none_captured_since "$START" "ip and not esp and not ($IKE)"
check "... 0 GRE (and so 0 NHRP) in clear" none_captured_since "$START" "ip proto 47"

test_end

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_rekey_race.sh: a CHILD_SA rekey that charon refuses because
# its IKE_SA is being rekeyed is asked for again, before either charon's
# own timer (issue 11).
#
#                       netns wan: bridge br0
#          +-------------------+
#          | 192.0.2.1         | 192.0.2.2
#      +---+----+          +---+----+
#      |  hub   |   ESP    |   s1   |
#      | dmvpnd |<-------->| dmvpnd |
#      | charon |          | charon |
#      +--------+          +--------+
#      10.255.0.1          10.255.0.2
#
# The race, forced.  charon 5.9.8's VICI rekey looks for the CHILD_SA in
# each IKE_SA in turn, waiting for one that is checked out.  While s1's
# charon processes the answer to its IKE_SA's rekey, the old IKE_SA is
# checked out; the CHILD_SA moves to the new IKE_SA, which goes in at the
# head of charon's table, behind the lookup: "no matching SAs to rekey
# found".  The window is the Diffie-Hellman of that answer, so the
# profile's IKE proposal is modp6144 (about a second under TCG), and
# IKE_SAs are never rekeyed but by the test.  s1's CHILD_SAs: rekey_time
# 40 s, rand_time 1 s: s1's agent asks at 29.6 to 31.5 s (80 to 85% of
# 37 s, counted from its initiate), s1's charon's timer fires at 37 s or
# later (the kernel's soft expiry counts whole seconds); the hub's 20 s
# later.
#
#   1. s1 registers over its SA to the hub; s1's agent is stopped (SIGSTOP)
#      until its CHILD_SA rekey is overdue (29 s after the SA came up at
#      the latest, the IKE_SA having taken 2 to 3 s since the initiate)
#   2. s1's charon rekeys the IKE_SA (swanctl --rekey); once it has parsed
#      the answer (its log), s1's agent goes on (SIGCONT) and asks for the
#      CHILD_SA rekey at once, inside the window
#
# Checks:
#   - charon refused that rekey ("no matching SAs to rekey found")
#   - s1's agent asked again and the CHILD_SA was rekeyed within 3 s,
#     before either charon's own timer; the hub's charon started no
#     exchange of its own
#   - s1 pinged the hub every 10 ms from a second before the IKE_SA's
#     rekey to a second after the CHILD_SA's: none lost
#   - all agents alive; dmesg is clean
# On the code that did not ask again: the second check fails (the rekey
# came with a charon's timer, seconds later).
# selftests: timeout 300

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/ipsec.sh
source "$DMVPN_SELFTESTS/ipsec.sh"

HOLD=60

cleanup() {
	# A stopped agent would not die of TERM.
	[ -n "${AGENT_PID[s1]:-}" ] && kill -CONT "${AGENT_PID[s1]}" 2>/dev/null
	agents_stop KILL
	charons_stop
	agent_logs_keep "ipsec-rekey-race-logs-$DMVPN_RUN_ID"
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# swanctl_conf NODE: the profile, PSK, a slow IKE key exchange.  The
# hub's CHILD_SA timer is 20 s later than s1's: s1's is the one the retry
# must beat, and on a loaded host (the IKE rekey taking 5 s, s1's agent
# going on at 35.8 s) the hub's own rekey at 37 s raced s1's retry.
swanctl_conf() {
	local rekey=40 life=50
	[ "$1" = hub ] && rekey=60 life=70
	cat >"$CONF/$1/swanctl.conf" <<-EOF
	connections {
		dmvpn {
			remote_addrs = %any
			proposals = aes128-sha256-modp6144
			rekey_time = 0s
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
					rekey_time = ${rekey}s
					life_time = ${life}s
					rand_time = 1s
				}
			}
		}
	}
	secrets {
		ike-dmvpn {
			secret = "race-psk"
		}
	}
	EOF
}

# child_rekeys: how often s1 logged its CHILD_SA to the hub rekeyed.
child_rekeys() {
	grep -cF "IPsec to 192.0.2.1 rekeyed" "$CONF/s1.log"
}

# ike_answer_parsed: s1's charon has the answer to its IKE_SA's rekey
# (a CREATE_CHILD_SA response with a KE and no REKEY_SA notify).
ike_answer_parsed() {
	grep -qE "parsed CREATE_CHILD_SA response [0-9]+ \[ SA No KE \]" \
		"$CONF/s1-charon.log"
}

# log_ms NODE TEXT: when NODE's agent first logged TEXT (its clock, ms).
log_ms() {
	grep -F -m1 "$2" "$CONF/$1.log" |
		sed -nE 's/^\[ *([0-9]+)\.([0-9]{3})\].*/\1\2/p'
}

# logged_within NODE FIRST THEN MS: NODE logged THEN at most MS after FIRST.
logged_within() {
	local a b
	a=$(log_ms "$1" "$2")
	b=$(log_ms "$1" "$3")
	if [ -n "$a" ] && [ -n "$b" ] && [ "$b" -ge "$a" ] &&
		[ $((b - a)) -le "$4" ]; then
		return 0
	fi
	echo "'$2' at ${a:-never}, '$3' at ${b:-never} (ms)"
	return 1
}

hub_started_none() {
	! grep -F "generating CREATE_CHILD_SA request" "$CONF/hub-charon.log"
}

test_begin
agent_lab_begin ip ping swanctl "$CHARON"

for node in hub s1; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
	check "charon up on $node" charon_start $node || bail_out "no charon"
done
agent_ipsec_conf hub "role hub
multicast dynamic"
spoke_conf s1
agent_start hub
agent_start s1

check "s1's SA to the hub comes up" \
	wait_until 90 logged s1 "IPsec to 192.0.2.1 up" || bail_out "no SA"
UP=$EPOCHREALTIME
check "s1 registers: hub has 10.255.0.2 at 192.0.2.2" \
	wait_until 10 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... before any rekey of its CHILD_SA" test "$(child_rekeys)" -eq 0
check "s1's agent stopped" kill -STOP "${AGENT_PID[s1]}"

# since_up: seconds since the SA came up, to the ms.
since_up() {
	awk -v up="$UP" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.3f", now - up }'
}

# The IKE rekey's answer should come when s1's agent is late and no
# charon's timer has fired (37 s or later): asked for 27 s after the SA
# came up (s1's and the hub's key exchanges take 1.3 to 2.6 s, and 1 to
# 1.6 s more for s1's answer to the answer; the CHILD_SA was rekeyed 24.3
# to 25.7 s after it came up with these 3 s earlier).
# sleep_until SECONDS: until SECONDS after the SA came up.
sleep_until() {
	sleep "$(awk -v t="$(since_up)" -v at="$1" 'BEGIN { d = at - t; print (d > 0 ? d : 0) }')"
}
# The echoes span the rekeys, from a second before (through ESP each costs
# the TCG guest milliseconds of CPU: not for the half minute of waiting).
sleep_until 26
echoes_start s1 10.255.0.1 0.01
sleep_until 27
check "s1's charon rekeys its IKE_SA to the hub" \
	swanctl --rekey --ike dmvpn-dmvpn0-192.0.2.1 --uri "$(vici s1)"
DEADLINE=$((SECONDS + 20))
until ike_answer_parsed || [ $SECONDS -ge $DEADLINE ]; do
	sleep 0.02
done
kill -CONT "${AGENT_PID[s1]}"
diag "s1's agent went on $(since_up) s after the SA came up"
check "... s1's charon parsed the answer, and s1's agent went on then" \
	ike_answer_parsed
check "... the IKE_SA rekeyed" \
	wait_until 20 logged s1 "IKE_SA to 192.0.2.1 rekeyed"
check "charon refused the CHILD_SA rekey asked for meanwhile" \
	wait_until 5 logged s1 "no matching SAs to rekey found"
wait_until 10 logged s1 "IPsec to 192.0.2.1 rekeyed"
check "... s1's agent asked again: rekeyed 1.5 s after that or sooner" \
	logged_within s1 "no matching SAs to rekey found" \
	"IPsec to 192.0.2.1 rekeyed" 1500
check "... by s1: the hub's charon started no exchange of its own" \
	hub_started_none
check "no echo to the hub lost, nor in the 100 after" echoes_end 100
check "all agents alive" eval "agent_alive hub && agent_alive s1"
test_end

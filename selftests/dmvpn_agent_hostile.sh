#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_hostile.sh: dmvpnd against a hostile host on the underlay,
# which sends hand-made NHRP (user/tools/nhrp-craft) from its own address
# and from addresses it spoofs, without the secret and with it (a secret
# sent in clear is assumed known to anyone who saw one packet).
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.66
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  evil  |
#      | dmvpnd |          | dmvpnd |          | dmvpnd |          | craft  |
#      +--------+          +---+----+          +---+----+          +--------+
#      10.255.0.1          10.255.0.2          10.255.0.3          also
#      map 10.255.0.50         |                   |               192.0.2.77
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24    (a "victim")
#
# Checks:
#   - authentication (item 1 of issue 14): a packet with a wrong secret is
#     not answered at all; a malformed packet's error indication carries no
#     extension (no secret); a flood of bad packets from one source does
#     not silence the error indications owed to another
#   - static and NHS entries (item 3): a registration of the hub's map host,
#     of the hub's own address or of an address outside the tunnel prefix
#     (a LAN host behind s2) is refused and changes nothing; a traffic
#     indication naming a spoke's map host leaves the static entry alone
#   - registration floods (item 5): 6 registrations of 16 CIEs each from
#     one NBMA address with holding time 65535 make at most the per-address
#     cap (16) of entries, 4 per packet, none held longer than the hub's own
#     holding time, and the refusals are counted
#   - resolution requests (item 2): a request sent straight to s2 claiming
#     to come from lan1's host does not redirect s2's traffic; the hub does
#     not pass on a request from an address the requester is not
#     registered at; s2 answers the sender, not the address a request
#     claims (no reflection)
#   - traffic indications (item 4): one from a stranger starts nothing; a
#     flood of them spoofed from the hub's address leaves s1 with bounded
#     resolution requests
#   - reply matching (item 6): a registration NAK from a stranger with
#     request ID 0 does not take s1's NHS down
#   - purges (item 7): one from a stranger, naming s1's shortcut to s2,
#     leaves it and gets no reply
#   - throughout, lan1 <-> lan2 and the spokes' registrations keep working;
#     all agents alive; dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

HOLD=30

cleanup() {
	agents_stop KILL
	wait 2>/dev/null
	agent_logs_keep agent-hostile-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# stat_between NODE NAME IDX MIN MAX: MIN <= that counter <= MAX.
stat_between() {
	local v
	v=$(agent_stat "$1" "$2" "$3")
	if [ -z "$v" ] || [ "$v" -lt "$4" ] || [ "$v" -gt "$5" ]; then
		echo "$1 $2: $v, not in [$4, $5]"
		return 1
	fi
}

# handled NODE TYPE BEFORE [N]: NODE's agent has received N (default 1)
# more TYPE messages than BEFORE (its count of them), and so is done with
# them: it counts a message and handles it in one go.  For what the agent
# does at once; what it does in answer to an answer needs longer.
handled() {
	local now
	now=$(agent_stat "$1" "$2")
	[ "${now:-0}" -ge $(($3 + ${4:-1})) ]
}

# quiet OUT: OUT (nhrp-craft's output) shows nothing received.
quiet() {
	! grep -q '^rx' <<<"$1" || {
		echo "$1"
		return 1
	}
}

# no_secret_in OUT: OUT shows something received, none of it with the secret.
no_secret_in() {
	if ! grep -q '^rx' <<<"$1" || grep -q 'auth=s3cret' <<<"$1"; then
		echo "$1"
		return 1
	fi
}

# error_to OUT DST: an error indication without extensions reached DST.
error_to() {
	grep -qE "^rx .* dst=$2 type=error-indication .* ext=0x0 " <<<"$1" || {
		echo "$1"
		return 1
	}
}

count_entries() {
	lab_ctl "$1" cache show dev dmvpn0 | grep -c "$2"
}

# entries_at_most NODE PATTERN N
entries_at_most() {
	local n
	n=$(count_entries "$1" "$2")
	[ "$n" -le "$3" ] || {
		echo "$n entries match $2 on $1"
		lab_ctl "$1" cache show dev dmvpn0 | grep "$2" | head
		return 1
	}
}

# hold_at_most NODE PREFIX SECONDS: the entry expires within SECONDS.
hold_at_most() {
	local out h
	out=$(lab_ctl "$1" -j cache get "$2" dev dmvpn0 2>&1) || return 0
	h=$(grep -o '"expires_secs":[0-9]*' <<<"$out" | cut -d: -f2)
	if [ -z "$h" ] || [ "$h" -gt "$3" ]; then
		echo "$out"
		return 1
	fi
}

not_entry_at() {
	local out
	out=$(lab_ctl "$1" -j cache get "$2" dev dmvpn0 2>&1) || return 0
	[[ $out != *"\"nbma\":\"$3\""* ]] || {
		echo "$out"
		return 1
	}
}

not_logged() {
	! grep -qF "$2" "$CONF/$1.log" || {
		grep -F "$2" "$CONF/$1.log" | head -n 3
		return 1
	}
}

test_begin
agent_lab_begin ip ping
[ -x "$CRAFT" ] || bail_out "$CRAFT not built"
setup_ns evil
check "the hostile host joins the underlay" evil_up 192.0.2.66 192.0.2.77 ||
	bail_out "no evil"

agent_conf hub "role hub
network-id 7
holdtime $HOLD
auth s3cret
map 10.255.0.50/32 nbma 192.0.2.50"
agent_spoke_conf s1 "map 10.8.0.5/32 nbma 192.0.2.3"
agent_spoke_conf s2
agent_start hub
agent_start s1
agent_start s2
# A registration the hub missed while starting is retried after the
# registration timeout (5 s); under load the agents take a few seconds to
# start too: 20 s covers two retries.
check "s1 registers" wait_until 20 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "s2 registers" wait_until 20 entry_is hub 10.255.0.3 dynamic 192.0.2.3
check "lan1 -> lan2" ping_all lan1 10.2.0.10 10 0.1

# ---- item 7: purges bound to who vouched for the binding
check "s1 holds a shortcut to s2" \
	wait_until 10 entry_is s1 10.255.0.3 shortcut 192.0.2.3
out=$(craft --to 192.0.2.2 purge-request --auth s3cret \
	--src-proto 10.255.0.66 --dst-proto 10.255.0.2 \
	--cie 0,32,0,192.0.2.3,10.255.0.3 --listen 2)
check "a purge from a stranger leaves s1's shortcut to s2 alone" \
	entry_is s1 10.255.0.3 shortcut 192.0.2.3
check "... and gets no reply" quiet "$out"

# ---- item 1: the secret
# shellcheck disable=SC2054
REG=(registration-request --src-proto 10.255.0.66 --dst-proto 10.255.0.66
     --cie 0,255,600,192.0.2.66,10.255.0.66)
out=$(craft --to 192.0.2.1 "${REG[@]}" --auth wrong --listen 2)
check "a registration with a wrong secret gets no answer at all" quiet "$out"
check "... and registers nothing" not_entry_at hub 10.255.0.66 192.0.2.66
check "... and is counted" stat_between hub rx_auth_fail 1 1 999999
out=$(craft --to 192.0.2.1 "${REG[@]}" --listen 2)
check "one without any secret gets no answer either" quiet "$out"
out=$(craft --to 192.0.2.1 "${REG[@]}" --bad-ext --listen 2 --replies 1)
check "the hub's error indication for a malformed packet has no secret" \
	no_secret_in "$out"
check "... nor any extension (RFC 2332 5.2.7)" error_to "$out" 192.0.2.66
out=$(craft --to 192.0.2.2 "${REG[@]}" --bad-ext --listen 2 --replies 1)
check "neither has s1's" no_secret_in "$out"
# A steady flood of bad packets from .66, and one from .77 in the middle.
craft --to 192.0.2.1 "${REG[@]}" --bad-ext --count 3000 >/dev/null &
flood=$!
sleep 0.5
out=$(craft --to 192.0.2.1 --from 192.0.2.77 "${REG[@]}" --bad-ext --listen 2 --replies 1)
wait "$flood"
check "a flood of bad packets from one host does not silence errors to another" \
	error_to "$out" 192.0.2.77

# ---- item 3: static entries and the tunnel prefix
out=$(craft --to 192.0.2.1 registration-request --auth s3cret \
	--src-proto 10.255.0.50 --dst-proto 10.255.0.50 \
	--cie 0,255,600,192.0.2.66,10.255.0.50 --listen 2 --replies 1)
check "a registration of the hub's map host is refused" \
	grep -q 'type=registration-reply .* code=[1-9]' <<<"$out"
check "... the static entry is untouched" \
	entry_is hub 10.255.0.50 static 192.0.2.50
out=$(craft --to 192.0.2.1 registration-request --auth s3cret \
	--src-proto 10.255.0.1 --dst-proto 10.255.0.1 \
	--cie 0,255,600,192.0.2.66,10.255.0.1 --listen 2 --replies 1)
check "a registration of the hub's own address is refused" \
	grep -q 'type=registration-reply .* code=[1-9]' <<<"$out"
check "... and makes no entry" not_entry_at hub 10.255.0.1 192.0.2.66
out=$(craft --to 192.0.2.1 registration-request --auth s3cret \
	--src-proto 10.2.0.10 --dst-proto 10.2.0.10 \
	--cie 0,255,600,192.0.2.66,10.2.0.10 --listen 2 --replies 1)
check "a registration of a LAN host behind s2 (outside 10.255.0.0/24) is refused" \
	grep -q 'type=registration-reply .* code=[1-9]' <<<"$out"
check "... and makes no entry" not_entry_at hub 10.2.0.10 192.0.2.66
check "s1's map host is static" entry_is s1 10.8.0.5 static 192.0.2.3
craft --to 192.0.2.2 --from 192.0.2.1 traffic-indication --auth s3cret \
	--src-proto 10.255.0.1 --dst-proto 10.1.0.10 \
	--inner 10.1.0.10,10.8.0.5 >/dev/null
sleep 3
check "a traffic indication (spoofed from the hub) naming it leaves it static" \
	entry_is s1 10.8.0.5 static 192.0.2.3

# ---- item 5: registration floods
refused0=$(agent_stat hub reg_refused)
for base in 100 116 132 148 164 180; do
	# shellcheck disable=SC2046
	craft --to 192.0.2.1 registration-request --auth s3cret \
		--src-proto 10.255.0.$base --dst-proto 10.255.0.$base \
		$(for i in $(seq "$base" $((base + 15))); do
			printf -- '--cie 0,255,65535,192.0.2.66,10.255.0.%d ' "$i"
		done) >/dev/null
done
# Done with all six when it has refused the 80 CIEs past the 16.
wait_until 10 stat_between hub reg_refused 1 $((refused0 + 80)) 999999
check "96 registrations (6 packets) from one NBMA address make at most 16 entries" \
	entries_at_most hub 192.0.2.66 16
check "... none held longer than the hub's holding time ($HOLD s)" \
	hold_at_most hub 10.255.0.100 "$HOLD"
check "... the refusals are counted" \
	stat_between hub reg_refused 1 $((refused0 + 80)) 999999

# ---- item 2: resolution requests
requests0=$(agent_stat s2 resolution_request)
craft --to 192.0.2.3 resolution-request --auth s3cret --id 4242 \
	--src-proto 10.1.0.10 --dst-proto 10.2.0.10 --flags 0xc000 \
	--cie 0,255,65535,, >/dev/null
wait_until 10 handled s2 resolution_request "$requests0"
check "a request sent straight to s2 does not make it send lan1 to us" \
	not_entry_at s2 10.1.0.10 192.0.2.66
craft --to 192.0.2.1 resolution-request --auth s3cret --id 4243 \
	--src-proto 10.255.0.2 --dst-proto 10.2.0.10 --flags 0xc000 \
	--cie 0,255,65535,, >/dev/null
sleep 1
check "the hub does not pass on a request for s1 coming from us" \
	not_entry_at s2 10.255.0.2 192.0.2.66
out=$(craft --to 192.0.2.3 --from 192.0.2.66 resolution-request \
	--auth s3cret --id 4244 --src-nbma 192.0.2.77 \
	--src-proto 10.255.0.66 --dst-proto 10.2.0.10 --flags 0xc000 \
	--cie 0,255,600,, --listen 2 --replies 1)
check "s2 answers the sender, not the address the request claims" \
	eval "! grep -q 'dst=192.0.2.77' <<<\"\$out\""
check "... nor learns it" not_entry_at s2 10.255.0.66 192.0.2.77

# ---- item 4: traffic indications
indications0=$(agent_stat s1 traffic_indication)
craft --to 192.0.2.2 traffic-indication --auth s3cret \
	--src-proto 10.255.0.66 --dst-proto 10.1.0.10 \
	--inner 10.1.0.10,10.2.0.99 >/dev/null
wait_until 10 handled s1 traffic_indication "$indications0"
check "a traffic indication from a stranger starts no resolution" \
	not_logged s1 "resolving 10.2.0.99"
req0=$(agent_stat s1 resolution_request 2)
craft --to 192.0.2.2 --from 192.0.2.1 traffic-indication --auth s3cret \
	--src-proto 10.255.0.1 --dst-proto 10.1.0.10 --vary --count 500 \
	--inner 10.1.0.10,10.77.0.1 >/dev/null
sleep 3
check "500 indications spoofed from the hub: s1 sends at most 100 requests" \
	stat_between s1 resolution_request 2 "$req0" $((req0 + 100))

# ---- item 6: reply matching
craft --to 192.0.2.2 registration-reply --auth s3cret --id 0 \
	--src-proto 10.255.0.2 --dst-proto 10.255.0.1 \
	--cie 4,255,0,192.0.2.2,10.255.0.2 >/dev/null
sleep 1		# (s1's own registrations are answered too: no count to wait for)
check "a registration NAK with ID 0 from a stranger leaves s1's NHS up" \
	eval "not_logged s1 'refused the registration' &&
	      shows s1 ' up ' show nhrp nhs"

# ---- still working
check "lan1 -> lan2 still" ping_all lan1 10.2.0.10 10 0.1
check "s1 still registered" entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "s2 still registered" entry_is hub 10.255.0.3 dynamic 192.0.2.3
check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s2"

test_end

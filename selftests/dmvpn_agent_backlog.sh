#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_backlog.sh: a burst of NHRP that queues up at the hub does not
# hold its agent's loop: a control request is answered while the backlog
# still waits, not after it (issue 14: the packet loop read until the
# socket was empty, so a flood starved timers, the control socket and the
# kernel's events).  Nor does it hold a client's renewal: the agent takes
# packets source by source (user/dmvpnd/intake.h), not in the socket's
# order.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.66
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  evil  |
#      | dmvpnd |          | dmvpnd |          | dmvpnd |          | craft  |
#      +--------+          +---+----+          +---+----+          +--------+
#                                                          and 192.0.2.70-79, .82
#
# Checks:
#   - the hub's agent stopped (SIGSTOP), 6,000 hostile packets (bad secret,
#     resolution requests) queue on its NHRP socket, and a control request
#     waits behind them; continued, the agent answers the request while
#     packets are still queued (/proc/net/packet), and then drains the rest;
#     what one address sent past its share of the intake is dropped, and
#     counted
#   - a client registered from 192.0.2.82; the hub's agent stopped, 2,000
#     registrations from ten other addresses queue, then the client's
#     renewal; continued, the hub answers the renewal before it has
#     answered most of the others (the order of the answers on the wire)
#   - the spokes stay registered; all agents alive; dmesg is clean
#
# dmvpn_agent_flood.sh (only when named) is the whole flood under traffic.

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

HOLD=60

cleanup() {
	[ -z "${AGENT_PID[hub]:-}" ] || kill -CONT "${AGENT_PID[hub]}" 2>/dev/null
	agents_stop KILL
	wait 2>/dev/null
	agent_logs_keep agent-backlog-logs
	[ -z "${LISTENER:-}" ] || kill "$LISTENER" 2>/dev/null
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# One request to the hub's control socket, sent at once (then the file
# $1 is made) and answered when the agent gets to it; then the bytes still
# queued on the hub's NHRP socket (/proc/net/packet, protocol 2001):
# "MS QUEUED ok".
backlog_probe='
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\0dmvpnd")
s.sendall(b"- show dmvpn\n")
s.shutdown(socket.SHUT_WR)
open(sys.argv[1], "w").close()
t0 = time.monotonic()
reply = b""
while True:
    chunk = s.recv(65536)
    if not chunk:
        break
    reply += chunk
ms = (time.monotonic() - t0) * 1000
queued = [int(l.split()[6]) for l in open("/proc/net/packet").readlines()[1:]
          if l.split()[3] == "2001"]
print("%.1f %d %s" % (ms, sum(queued), "ok" if reply.startswith(b"ok\n") else "bad"), flush=True)
'

# nhrp_queued: bytes queued on the hub's NHRP socket; drained: none.
nhrp_queued() {
	# shellcheck disable=SC2016 # awk's fields
	ip netns exec "$hub" awk 'NR > 1 && $4 == "2001" { q += $7 } END { print q + 0 }' \
		/proc/net/packet
}
drained() {
	[ "$(nhrp_queued)" -eq 0 ]
}

# answered_mid_backlog FILE: the probe's answer came while packets were
# still queued behind it.
answered_mid_backlog() {
	local ms queued state
	read -r ms queued state <"$1" || { echo "no answer"; return 1; }
	echo "answered after $ms ms, $queued bytes still queued"
	[ "$state" = ok ] && [ "$queued" -gt 0 ]
}

FLOODERS=(192.0.2.{70..79})
CLIENT=192.0.2.82

# register ID: a registration of 10.255.0.82 from $CLIENT, request ID ID.
register() {
	craft --to 192.0.2.1 --from "$CLIENT" registration-request --id "$1" \
		--src-proto 10.255.0.82 --dst-proto 10.255.0.1 --auth s3cret \
		--cie 0,255,600,"$CLIENT",10.255.0.82 >/dev/null
}

# answers_after_renewal FILE: how many answers to the flooders the hub
# sent after the client's renewal (request ID 4242), from craft's listing.
answers_after_renewal() {
	awk -v client="dst=$CLIENT" '
		/type=registration-reply/ && $3 == client && $5 == "id=4242" {
			seen = 1; next }
		/type=registration-reply/ { if (seen) after++; else before++ }
		END { printf "%d %d %d\n", seen, before + 0, after + 0 }' "$1"
}

# all_answered FILE: craft's listing has the 2,001 answers.
all_answered() {
	[ "$(grep -c type=registration-reply "$1")" -ge 2001 ]
}

# intake_dropped_some: the hub's agent dropped packets on intake.
intake_dropped_some() {
	local dropped
	dropped=$(agent_stat hub intake_dropped)
	echo "intake_dropped: $dropped"
	[ "${dropped:-0}" -gt 0 ]
}

# renewal_answered_early FILE: it came back, with at least 1,000 of the
# 2,000 answers to the flood after it (in the socket's order: none).
renewal_answered_early() {
	local seen before after
	read -r seen before after < <(answers_after_renewal "$1")
	[ "$seen" = 1 ] && [ "$after" -ge 1000 ]
}

test_begin
agent_lab_begin ip ping python3
[ -x "$CRAFT" ] || bail_out "$CRAFT not built"
setup_ns evil
check "the hostile host joins the underlay" \
	evil_up 192.0.2.66 "${FLOODERS[@]}" "$CLIENT" ||
	bail_out "no evil"

agent_hub_and_spokes_up

kill -STOP "${AGENT_PID[hub]}"
craft --to 192.0.2.1 registration-request --dst-proto 10.255.0.1 --vary \
	--src-proto 10.255.0.66 --cie 0,255,600,192.0.2.66,10.255.1.0 \
	--auth wrong --count 3000 >/dev/null
craft --to 192.0.2.1 resolution-request --auth s3cret --vary \
	--src-proto 10.255.0.66 --dst-proto 10.2.0.10 --flags 0xc000 \
	--cie 0,255,600,, --count 3000 >/dev/null
queued=$(nhrp_queued)
echo "# backlog: $queued bytes queued on the hub's NHRP socket"
check "6,000 packets queued while the hub's agent is stopped" \
	test "$queued" -gt 0
ip netns exec "$hub" python3 -c "$backlog_probe" "$CONF/backlog.sent" \
	>"$CONF/backlog" 2>&1 &
probe=$!
check "a control request waits behind them" \
	wait_until 60 test -e "$CONF/backlog.sent"
kill -CONT "${AGENT_PID[hub]}"
wait "$probe"
check "continued, the agent answers it while packets are still queued" \
	answered_mid_backlog "$CONF/backlog"
check "... and drains the rest" wait_until 60 drained
check "... one address's surplus dropped on intake, and counted" \
	intake_dropped_some
check "a client registers from $CLIENT" \
	eval "register 4241 && wait_until 20 entry_is hub 10.255.0.82 dynamic $CLIENT"
kill -STOP "${AGENT_PID[hub]}"
for flooder in "${FLOODERS[@]}"; do
	# Outside the tunnel's /24: refused, each with an answer.
	craft --to 192.0.2.1 --from "$flooder" registration-request \
		--src-proto 10.254.0.1 --dst-proto 10.255.0.1 --auth s3cret \
		--vary --cie 0,255,600,"$flooder",10.254.1.0 --count 200 >/dev/null
done
register 4242
echo "# then: $(nhrp_queued) bytes queued on the hub's NHRP socket"
# Not through craft(): a function in the background is a subshell, whose
# PID is not the listener's; killed, it would leave the listener running
# its 60 s with this test's output open.  nsenter execs.
nsenter --net="/run/netns/$evil" "$CRAFT" --to 192.0.2.1 --count 0 --listen 60 \
	registration-request >"$CONF/answers" &
LISTENER=$!
sleep 1		# the listener's socket is open
kill -CONT "${AGENT_PID[hub]}"
check "2,000 registrations from ten addresses, then a client's renewal: all answered" \
	wait_until 60 all_answered "$CONF/answers"
read -r _ before after < <(answers_after_renewal "$CONF/answers")
echo "# the renewal was answered after $before answers to the flood, before $after"
check "... the renewal before most of the others" \
	renewal_answered_early "$CONF/answers"
kill "$LISTENER" 2>/dev/null
LISTENER=
check "s1 and s2 still registered" \
	eval "entry_is hub 10.255.0.2 dynamic 192.0.2.2 &&
	      entry_is hub 10.255.0.3 dynamic 192.0.2.3"
check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s2"

test_end

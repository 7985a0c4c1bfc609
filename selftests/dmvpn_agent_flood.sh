#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_flood.sh: issue 14's acceptance run.  20,000 hostile NHRP
# packets of every kind hit the hub, with and without the secret, from
# several sources, while the spokes' traffic and registrations go on.
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.66-69
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  evil  |
#      | dmvpnd |          | dmvpnd |          | dmvpnd |          | craft  |
#      +--------+          +---+----+          +---+----+          +--------+
#      10.255.0.1          10.255.0.2          10.255.0.3
#                              |                   |
#                          lan1 10.1.0.0/24    lan2 10.2.0.0/24
#
# The flood, all at once from evil, 500 a second: registrations with a
# wrong secret, without one, and with the right one from four addresses
# (each a stream of new tunnel addresses), resolution requests and
# replies, purges, error and traffic indications, malformed packets (an
# unknown compulsory extension) and bad checksums.
#
# Checks:
#   - lan1 -> lan2 (100 pings a second) and s1 -> hub (50 a second) lose
#     nothing from before the flood to after it
#   - the hub's agent answers its control socket throughout: probed every
#     50 ms, the slowest answer within 10 s (the VM's CPU is shared with
#     the senders; a loop held by the flood answers nothing for all of
#     it); the median and slowest are reported; the agent's own account
#     of its loop has no turn of 100 ms or more under the flood (anything
#     that became ready waited at most one turn), and its slowest turn is
#     reported
#   - the spokes stay registered, renewing meanwhile (holding time 30 s,
#     less than the flood lasts)
#   - the hub's kernel cache holds at most 16 entries per flooding address
#     (the per-address cap) on top of what it had; the agent's resident
#     memory grows by less than 8 MB; both reported
#   - all agents alive; dmesg is clean
#
# The hostile host gets a vCPU of its own (see EVIL_CPU): a VM of 2 vCPUs
# (VM_SMP=2), each with a host core to itself.  On a host running other
# guests the flood took up to 120 s and a probe's start 30 s and more, so
# it is an acceptance run, not part of make check, which runs
# dmvpn_agent_backlog.sh (the loop's fairness) instead:
#   TESTS=dmvpn_agent_flood.sh VM_SMP=2 selftests/vm/run -k 6.12 -- \
#     selftests/vm/guest-tests
# selftests: only when named

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

HOLD=30
FLOODERS=(192.0.2.66 192.0.2.67 192.0.2.68 192.0.2.69)
FLOOD_SECS=40
SENDERS=()
# The hostile host is another machine: in the VM it gets a CPU of its own
# (its senders, and the softirqs of what they send, run there), and its
# victims the other.  Sharing one, at 1,000 packets a second the senders
# took it from the hub's agent, whose spokes' renewals then waited more
# than 20 s in its queue; unloaded, that agent drained 6,000 queued
# packets in 1.3 s.
EVIL_CPU=1
HOME_CPU=0

cleanup() {
	agents_stop KILL
	wait 2>/dev/null
	agent_logs_keep agent-flood-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# rss NODE: resident memory of NODE's agent, kB.
# loop_turns NODE: the agent's loop as "TURNS SLOW SLOWEST_US BUSIEST_US"
# (turns of 100 ms or more; since it started, the slowest turn and the
# most CPU time a turn took).
loop_turns() {
	lab_ctl "$1" -j show nhrp stats | python3 -c '
import json, sys
a = json.load(sys.stdin)["agent"]
print(a["loop_turns"], a["loop_slow_turns"], a["loop_slowest_turn_us"],
      a["loop_busiest_turn_cpu_us"])'
}

# ms MICROSECONDS: in milliseconds, one decimal.
ms() {
	printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
}

rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/${AGENT_PID[$1]}/status"
}

hub_entries() {
	lab_ctl hub -j cache show dev dmvpn0 | grep -o '"prefix"' | wc -l
}

# count_entries_until FILE: the hub's entry count, a line every 0.5 s,
# until FILE exists.
count_entries_until() {
	until [ -e "$1" ]; do
		hub_entries
		sleep 0.5
	done
}

# The hub's control socket, asked "show dmvpn" every 50 ms until the file
# $1 exists: one line per answer, its time in ms.  Timed around the
# socket alone, not a dmvpnctl process start.
probe_script='
import os, socket, sys, time
stop = sys.argv[1]
while not os.path.exists(stop):
    t0 = time.monotonic()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(30)
    try:
        s.connect("\0dmvpnd")
        s.sendall(b"- show dmvpn\n")
        s.shutdown(socket.SHUT_WR)
        reply = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            reply += chunk
        state = "ok" if reply.startswith(b"ok\n") else "bad %r" % reply[:40]
    except OSError as e:
        state = "error %s" % e
    s.close()
    ms = (time.monotonic() - t0) * 1000
    print("%.1f %s" % (ms, state), flush=True)
    time.sleep(0.05)
print("stopped", flush=True)
'

# probe_summary FILE: how fast the probes in FILE were answered: their
# number, median, 99th percentile, slowest, and how many took 100 ms or
# more (issue 14 asks for answers within 100 ms; see answers_ok).
probe_summary() {
	sort -n "$1" | awk '$1 ~ /^[0-9.]+$/ {
			ms[n++] = $1; slow += ($1 >= 100)
		}
		END {
			if (!n) { print "no answers"; exit }
			printf "%d answers: median %s ms, p99 %s ms, slowest %s ms, %d of 100 ms or more\n",
				n, ms[int((n - 1) / 2)], ms[int((n - 1) * 0.99)], ms[n - 1], slow
		}'
}

# answers_ok FILE: every probe answered "ok", the slowest within 10 s.
# Under TCG the hostile host's senders and the softirqs they cause share
# the VM's CPUs with the agent and the probe, so single answers take
# seconds (4.9 s seen, median 140 ms); a loop held by the flood, as issue
# 14 saw, answers nothing for the whole of it (20 s and more).
answers_ok() {
	local n bad worst
	grep -qx stopped "$1" || { echo "the probe did not finish:"; cat "$1"; }
	sed -i '/^stopped$/d' "$1"
	n=$(wc -l <"$1")
	bad=$(grep -vc ' ok$' "$1")
	grep -v ' ok$' "$1" | head -n 5
	worst=$(sort -n "$1" | tail -n 1 | cut -d' ' -f1)
	probe_summary "$1"
	echo "$bad not ok"
	[ "$n" -ge 20 ] && [ "$bad" -eq 0 ] &&
		awk -v w="$worst" 'BEGIN { exit !(w < 10000) }'
}

# pinger NODE DEST INTERVAL FILE: echoes from NODE to DEST every INTERVAL
# s, in batches of 500 that each wait for their last answers, until the
# file $CONF/probe.stop exists (however long the flood takes); each
# batch's summary goes to FILE.
pinger() {
	until [ -e "$CONF/probe.stop" ]; do
		ip netns exec "$(lab_ns "$1")" taskset -c "$HOME_CPU" \
			ping -n -q -i "$3" -c 500 -W 2 "$2" >>"$4" 2>&1 ||
			echo "ping failed" >>"$4"
	done
}

# no_loss FILE: the batches' summaries in FILE add up to every echo
# answered, and there were some.
no_loss() {
	awk '/packets transmitted/ { sent += $1; got += $4; n++ }
		/ping failed/ { bad++ }
		END { printf "%d batches: %d sent, %d answered\n", n, sent, got
		      exit !(n > 0 && !bad && sent == got) }' "$1"
}

# flood: the 20,000 packets, every sender at once, each paced so that
# the whole lasts FLOOD_SECS (500 a second, or as fast as the hostile
# host's vCPU can send, about 340 a second here); waits for them all.
flood() {
	local reg=(registration-request --dst-proto 10.255.0.1 --vary)
	local i src

	send 2500 "${reg[@]}" --src-proto 10.255.0.66 \
		--cie 0,255,600,192.0.2.66,10.255.1.0 --auth wrong
	send 1500 "${reg[@]}" --src-proto 10.255.0.66 \
		--cie 0,255,600,192.0.2.66,10.255.2.0
	for i in "${!FLOODERS[@]}"; do
		src=${FLOODERS[$i]}
		send 1000 --from "$src" "${reg[@]}" --auth s3cret \
			--src-proto "10.255.0.$((100 + 16 * i))" \
			--cie "0,255,65535,$src,10.255.0.$((100 + 16 * i))"
	done
	send 3000 resolution-request --auth s3cret --vary \
		--src-proto 10.255.0.66 --dst-proto 10.2.0.10 --flags 0xc000 \
		--cie 0,255,600,,
	send 1500 resolution-reply --auth s3cret --vary \
		--src-proto 10.255.0.66 --dst-proto 10.255.0.2 \
		--cie 0,24,600,192.0.2.66,10.2.0.0
	send 2000 purge-request --auth s3cret --vary \
		--src-proto 10.255.0.2 --dst-proto 10.255.0.1 \
		--cie 0,32,0,192.0.2.2,10.255.0.2
	send 1500 error-indication --auth s3cret --vary \
		--src-proto 10.255.0.66 --dst-proto 10.255.0.1
	send 1500 traffic-indication --auth s3cret --vary \
		--src-proto 10.255.0.66 --dst-proto 10.255.0.1 \
		--inner 10.1.0.10,10.2.0.10
	send 1500 "${reg[@]}" --src-proto 10.255.0.66 \
		--cie 0,255,600,192.0.2.66,10.255.3.0 --auth s3cret --bad-ext
	send 1000 "${reg[@]}" --src-proto 10.255.0.66 \
		--cie 0,255,600,192.0.2.66,10.255.4.0 --auth s3cret --bad-csum
	# 2500 + 1500 + 4 * 1000 + 3000 + 1500 + 2000 + 1500 + 1500 + 1500
	# + 1000 = 20,000
	for i in "${SENDERS[@]}"; do
		wait "$i" || return 1
	done
}

# send COUNT ARGS...: COUNT packets of nhrp-craft ARGS to the hub, in the
# background (SENDERS), paced over FLOOD_SECS.
send() {
	local count=$1
	shift
	ip netns exec "$evil" taskset -c "$EVIL_CPU" "$CRAFT" --to 192.0.2.1 \
		"$@" --count "$count" --rate "$((count / FLOOD_SECS))" \
		>/dev/null &
	SENDERS+=("$!")
}

# first_answer FILE: the probe has answered once.
first_answer() {
	grep -q ' ok$' "$1"
}

test_begin
agent_lab_begin ip ping python3 taskset
[ "$(nproc)" -ge 2 ] ||
	skip_all "needs 2 vCPUs: the hostile host gets one of its own"

[ -x "$CRAFT" ] || bail_out "$CRAFT not built"
setup_ns evil
check "the hostile host joins the underlay" evil_up "${FLOODERS[@]}" ||
	bail_out "no evil"

agent_hub_and_spokes_up
check "lan1 -> lan2" ping_all lan1 10.2.0.10 10 0.1

entries0=$(hub_entries)
rss0=$(rss hub)
read -r turns0 slow0 slowest0 busiest0 < <(loop_turns hub)
for node in hub s1 s2; do
	taskset -pc "$HOME_CPU" "${AGENT_PID[$node]}" >/dev/null
done
pinger lan1 10.2.0.10 0.01 "$CONF/lan.ping" &
lan_ping=$!
pinger s1 10.255.0.1 0.02 "$CONF/hub.ping" &
hub_ping=$!
ip netns exec "$hub" taskset -c "$HOME_CPU" \
	python3 -c "$probe_script" "$CONF/probe.stop" >"$CONF/probe" 2>&1 &
probe=$!
count_entries_until "$CONF/probe.stop" >"$CONF/entries" &
counter=$!
check "the probe of the hub's control socket answers" \
	wait_until 30 first_answer "$CONF/probe"
started=$SECONDS
check "20,000 hostile packets sent" flood
flood_s=$((SECONDS - started))
echo "# the flood took ${flood_s} s"
# A few more seconds of traffic after the flood, then the totals.
sleep 3
touch "$CONF/probe.stop"
wait "$probe"
wait "$counter"
wait "$lan_ping"
wait "$hub_ping"
check "lan1 -> lan2: no ping lost" no_loss "$CONF/lan.ping"
check "s1 -> hub: no ping lost" no_loss "$CONF/hub.ping"
check "the hub's agent answered every 50 ms probe, each within 10 s" \
	answers_ok "$CONF/probe"
echo "# the hub's control socket under the flood: $(probe_summary "$CONF/probe")"
read -r turns1 slow1 slowest1 busiest1 < <(loop_turns hub)
echo "# the hub's loop: $((turns1 - turns0)) turns in the flood, $((slow1 - slow0)) of 100 ms or more; since it started, before the flood and after: slowest turn $(ms "$slowest0") and $(ms "$slowest1") ms, most CPU time in a turn $(ms "$busiest0") and $(ms "$busiest1") ms"
check "the hub's loop turned under the flood" test "$turns1" -gt "$turns0"
# Issue 14's "answering within 100 ms throughout", as the agent itself
# measures it: whatever became ready (the control socket too) waited at
# most one turn.  The probes' own times above add the guest's scheduling
# of the probe (one answer of 112 ms in 4,663, in a run with no slow turn
# counted).
check "the hub's loop: no turn of 100 ms or more under the flood" \
	test "$slow1" -eq "$slow0"
# The flood took longer than the holding time (30 s): the registrations
# are still there because they were renewed under it.
check "the flood lasted longer than the holding time" test "$flood_s" -gt "$HOLD"
check "s1 and s2 still registered (renewed under the flood)" \
	eval "entry_is hub 10.255.0.2 dynamic 192.0.2.2 &&
	      entry_is hub 10.255.0.3 dynamic 192.0.2.3"
entries=$(sort -n "$CONF/entries" | tail -n 1)
rss1=$(rss hub)
echo "# hub: $entries0 kernel entries before, at most $entries during the flood; agent RSS $rss0 -> $rss1 kB"
check "the hub's cache: at most 16 entries more per flooding address" \
	test "$entries" -le $((entries0 + 16 * ${#FLOODERS[@]}))
check "... and the flooders did make some" \
	test "$entries" -gt "$entries0"
check "the hub's agent grew by less than 8 MB" \
	test $((rss1 - rss0)) -lt 8192
check "all agents alive" \
	eval "agent_alive hub && agent_alive s1 && agent_alive s2"

test_end

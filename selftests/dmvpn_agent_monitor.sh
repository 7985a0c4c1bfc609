#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_agent_monitor.sh: "dmvpnctl monitor" shows the agent's events
# beside the kernel's, with timestamps, and a monitor that stops reading
# costs the agent nothing (issue 17).
#
#                       netns wan: bridge br0 (the "Internet")
#          +-------------------+-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3         | 192.0.2.66
#      +---+----+          +---+----+          +---+----+          +---+----+
#      |  hub   |          |   s1   |          |   s2   |          |  evil  |
#      | dmvpnd |          | dmvpnd |          |no agent|          | craft  |
#      +--------+          +---+----+          +---+----+          +--------+
#      10.255.0.1          10.255.0.2          10.255.0.3
#
# Checks:
#   - monitors started (-t, and -t -j) on the hub, and on s1 before it
#     registers (the hub's agent stopped meanwhile): the hub's shows
#     "agent registration" of s1 and s1's "agent nhs-up" of the hub, each
#     after a UTC timestamp; a kernel event (an entry expiring) shows in
#     the same monitor; in JSON, "source" tells agent from kernel
#   - on s2, which runs no agent: monitor says so once on stderr and still
#     shows the kernel's events
#   - a monitor stopped (SIGSTOP) while 20,000 registrations reach the hub
#     (nhrp-craft from evil): the hub's agent answers "show dmvpn" within
#     15 s throughout (a stalled one never does), its RSS grows by less
#     than 1 MB; continued, the monitor says how many agent events it
#     lost, and carries on
#   - all agents alive; dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"

HOLD=30
FLOOD=20000
# As fast as the hub takes them in the VM: most reach the agent.
RATE=2000
# A busy agent answers late (one probe took over 5 s on 6.1 under TCG,
# the flood and the hub sharing one vCPU); a stalled one never does.
PROBE_SECS=15
TS='20[0-9]{2}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9]\.[0-9]{3}Z'
MONITORS=()

cleanup() {
	local pid
	for pid in "${MONITORS[@]}"; do
		kill -CONT "$pid" 2>/dev/null
		kill "$pid" 2>/dev/null
	done
	agents_stop KILL
	wait 2>/dev/null
	agent_logs_keep agent-monitor-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# monitor NODE NAME ARGS...: dmvpnctl ARGS monitor on NODE, its output
# (stdout and stderr) in $CONF/NAME.mon; its pid in MON_PID.
monitor() {
	local node=$1 name=$2
	shift 2
	"$DMVPNCTL" -n "${!node}" "$@" monitor \
		>"$CONF/$name.mon" 2>&1 &
	MON_PID=$!
	MONITORS+=("$MON_PID")
}

# seen NAME ERE: the monitor NAME has printed a line matching ERE.
seen() {
	grep -qE -- "$2" "$CONF/$1.mon"
}

# subscribed NODE NAME [ERE]: the monitor NAME is subscribed to NODE's
# agent (a reload, which every monitor of the agent sees, shows in it as
# ERE, by default the text form).  A reload is asked for at each try: one
# made before the monitor subscribed is not shown.
subscribed() {
	agent "$1" reload >/dev/null || return 1
	wait_until 2 seen "$2" "${3:-agent reload dev dmvpn0}"
}

# reload_shown NODE NAME: one more reload of NODE's agent shows in the
# monitor NAME (which has seen some already).
reload_shown() {
	local before
	before=$(reloads "$2")
	agent "$1" reload >/dev/null || return 1
	wait_until 20 more_reloads "$2" "$before"
}

# reloads NAME: how many reloads the monitor NAME has shown.
reloads() {
	grep -c "agent reload dev dmvpn0" "$CONF/$1.mon"
}

# more_reloads NAME N: the monitor NAME has shown more than N reloads.
more_reloads() {
	[ "$(reloads "$1")" -gt "$2" ]
}

# expired_shown NODE NAME ERE_PREFIX: an entry with holdtime 1 on NODE
# expires, and the monitor NAME prints its kernel event after
# ERE_PREFIX.
expired_shown() {
	local try
	for try in 1 2 3; do
		lab_ctl "$1" cache add "10.99.$try.0/24" nbma 198.51.100.99 \
			dev dmvpn0 type shortcut holdtime 1 || return 1
		wait_until 6 seen "$2" "^$3expired dev dmvpn0 10\.99\.$try\.0/24 " &&
			return 0
	done
	cat "$CONF/$2.mon"
	return 1
}

# quiet NAME...: the monitors NAME... have warned of nothing.
quiet() {
	local name
	for name in "$@"; do
		! grep -e Warning -e Error "$CONF/$name.mon" || return 1
	done
}

# agent_pause NODE: NODE's agent stopped (SIGSTOP) until kill -CONT.
agent_pause() {
	kill -STOP "${AGENT_PID[$1]}"
}

# answers_within SECS NODE: NODE's agent answers "show dmvpn" in SECS.
answers_within() {
	timeout "$1" "$DMVPNCTL" -n "${!2}" show dmvpn \
		>/dev/null
}

rss() {
	awk '/^VmRSS:/ { print $2 }' "/proc/${AGENT_PID[$1]}/status"
}

# registrations NODE: the registration requests NODE's agent has taken
# (nothing if it does not answer within 10 s: a stalled agent must fail
# the test, not hang it).
registrations() {
	timeout 10 "$DMVPNCTL" -n "${!1}" -j show nhrp stats |
		grep -o '"registration_request":[0-9]*' | head -n 1 | cut -d: -f2
}

# flood_answered: FLOOD registrations from evil (its 16 addresses' worth
# accepted, the rest refused: an event each) while the agent keeps
# answering its control socket within PROBE_SECS; the slowest answer in
# $CONF/slowest.
flood_answered() {
	local sender slow=0 t0 t1
	craft --to 192.0.2.1 registration-request --dst-proto 10.255.0.1 \
		--src-proto 10.255.0.66 --vary --auth s3cret \
		--cie 0,32,600,192.0.2.66,10.255.0.66 --count "$FLOOD" \
		--rate "$RATE" >/dev/null &
	sender=$!
	while kill -0 "$sender" 2>/dev/null; do
		t0=${EPOCHREALTIME/./}
		answers_within "$PROBE_SECS" hub || {
			echo "the hub's agent did not answer within $PROBE_SECS s"
			kill "$sender"
			return 1
		}
		t1=${EPOCHREALTIME/./}
		[ $(((t1 - t0) / 1000)) -le "$slow" ] ||
			slow=$(((t1 - t0) / 1000))
		nap 0.2
	done
	echo "$slow" >"$CONF/slowest"
	wait "$sender"
}

test_begin
agent_lab_begin ip python3 timeout
[ -x "$CRAFT" ] || bail_out "$CRAFT not built"
setup_ns evil
check "the hostile host joins the underlay" evil_up 192.0.2.66 ||
	bail_out "no evil"

agent_conf hub "role hub
network-id 7
holdtime $HOLD
auth s3cret"
agent_spoke_conf s1
AGENT_VERBOSITY='' agent_start hub
check "the hub's agent answers" wait_until 20 answers_within 5 hub

# ---- monitors on the hub, and on s1 before it registers
monitor hub hub -t
hub_mon=$MON_PID
monitor hub hubjson -t -j
check "the hub's monitor is subscribed" wait_until 20 subscribed hub hub
check "... and the JSON one" wait_until 20 subscribed hub hubjson \
	'"source":"agent","event":"reload","device":"dmvpn0"\}$'
# s1 must not register before its monitor listens: the hub's agent
# waits, stopped, and answers once s1's monitor is subscribed.
agent_pause hub
agent_start s1
check "s1's agent answers" wait_until 20 answers_within 5 s1
monitor s1 s1 -t
check "s1's monitor is subscribed" wait_until 20 subscribed s1 s1
kill -CONT "${AGENT_PID[hub]}"
check "s1 registers" wait_until 30 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "hub monitor: -t, agent registration of s1" \
	wait_until 10 seen hub \
	"^$TS agent registration dev dmvpn0 peer 10\.255\.0\.2 nbma 192\.0\.2\.2$"
check "s1 monitor: -t, agent nhs-up of the hub" \
	wait_until 10 seen s1 \
	"^$TS agent nhs-up dev dmvpn0 peer 10\.255\.0\.1 nbma 192\.0\.2\.1$"
check "hub monitor: -t, a kernel event too" expired_shown hub hub "$TS "
check "hub JSON monitor: the agent's registration, source agent" \
	seen hubjson '^\{"time":"'"$TS"'","source":"agent","event":"registration","device":"dmvpn0","peer":"10\.255\.0\.2","nbma":"192\.0\.2\.2"\}$'
check "hub JSON monitor: the kernel's expiry, source kernel" \
	wait_until 5 seen hubjson '^\{"time":"'"$TS"'","source":"kernel","event":"expired","device":"dmvpn0","prefix":"10\.99\.'
check "no monitor warned of anything" quiet hub hubjson s1

# ---- no agent on s2: kernel events only, said once
monitor s2 s2
check "s2 monitor: kernel events only, said on stderr" \
	wait_until 10 seen s2 "^Warning: kernel events only: cannot reach dmvpnd"
check "s2 monitor: the kernel's events all the same" expired_shown s2 s2 ""
check "s2 monitor: said once" test "$(grep -c Warning "$CONF/s2.mon")" -eq 1

# ---- a monitor that stops reading
monitor hub stopped
stopped=$MON_PID
check "the monitor to stop is subscribed" wait_until 20 subscribed hub stopped
kill -STOP "$stopped"
regs0=$(registrations hub)
rss0=$(rss hub)
check "$FLOOD registrations while a monitor is stopped; the hub's agent answers within $PROBE_SECS s" \
	flood_answered
echo "# slowest answer during the flood: $(cat "$CONF/slowest" 2>/dev/null) ms"
regs1=$(registrations hub)
rss1=$(rss hub)
echo "# hub: $((${regs1:-0} - ${regs0:-0})) registration requests taken, agent RSS $rss0 -> $rss1 kB"
check "... the agent took over 2000 of them (an event each)" \
	test "$((${regs1:-0} - ${regs0:-0}))" -gt 2000
check "... its RSS grew by less than 1 MB" test "$((rss1 - rss0))" -lt 1024
check "... and it still answers with the monitor stopped" answers_within 5 hub
kill -CONT "$stopped"
check "continued, the monitor says how many agent events it lost" \
	wait_until 20 seen stopped "^Warning: [1-9][0-9]* agent events were lost"
check "... and carries on: a new event shows" reload_shown hub stopped
check "the monitors still run" kill -0 "$hub_mon" "$stopped"

for node in hub s1; do
	check "$node's agent alive" agent_alive "$node"
done
test_end

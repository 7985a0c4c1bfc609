# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/agent.sh: dmvpnd on the nodes of lab.sh, and the checks the
# agent tests share.  Source it after lib.sh and lab.sh; agent_lab_begin
# makes CONF, a scratch directory: each node's configuration goes to
# CONF/NODE/dmvpn0.conf and its agent's log to CONF/NODE.log.
#
# agent_begin CMD...        after test_begin: the requirements, CONF, the
#                           module loaded
# agent_lab_begin CMD...    the same, and the lab up
# agent_conf NODE TEXT      writes NODE's configuration
# agent_spoke_conf NODE [TEXT]  a spoke of the lab's hub (network 7,
#                           secret s3cret, holdtime $HOLD), then TEXT
# agent_hub_and_spokes_up   hub, s1 and s2 so, started and registered
# agent_start NODE [TEXT]   dmvpnd on NODE (with TEXT as its configuration),
#                           with $AGENT_VERBOSITY (default -v)
# agent_stop NODE [SIGNAL]  stops it (SIGTERM: it purges its registrations)
# agents_stop SIGNAL        stops every agent started
# agent_logs_keep DIR       copies the logs to $DMVPN_VM_OUTDIR/DIR, where
#                           the VM run keeps its files (for cleanup traps)
# agent NODE ARGS...        dmvpnctl talking to NODE's agent
# evil_up ADDR...           a hostile host on the lab's underlay: netns
#                           $evil (setup_ns evil first), ADDR.../24
# craft ARGS...             nhrp-craft ($CRAFT) on the hostile host
# echoes_start FROM TO [INTERVAL], echoes_end [MORE]
#                           FROM pings TO in the background across a change;
#                           then no echo lost up to MORE answers after it
# The checks print what they saw when they fail; see each one below.

CONF=
declare -A AGENT_PID=()
# dmvpnd's verbosity: -v logs every NHRP packet, decoded.
AGENT_VERBOSITY=-v
# Hand-made NHRP, for the tests that play a hostile peer.
CRAFT=$DMVPN_TOP/user/tools/nhrp-craft
# What no_relay_during watches: a command printing a packet count.
RELAY_COUNT=hub_relayed

# agent_begin CMD...: needs root, the commands CMD..., the module and
# dmvpnd (else skips the test); makes CONF, removed at cleanup; loads the
# module (else bails out).  agent_lab_begin builds the lab too.
agent_begin() {
	require_root
	require_cmd "$@"
	require_module
	[ -x "$DMVPND" ] || skip_all "dmvpnd not built ($DMVPND)"
	CONF=$(mktemp -d "${TMPDIR:-/tmp}/${DMVPN_TEST_NAME%.sh}.XXXXXX") ||
		bail_out "mktemp failed"
	defer rm -rf "$CONF"
	check "insmod" module_load || bail_out "the module does not load"
}

agent_lab_begin() {
	agent_begin "$@"
	check "lab up" lab_up || bail_out "no lab"
}

agent_conf() {
	mkdir -p "$CONF/$1" && printf '%s\n' "$2" >"$CONF/$1/dmvpn0.conf"
}

# agent_spoke_conf NODE [TEXT]: a spoke of network 7 with the secret s3cret
# and the holding time $HOLD, registering with the lab's hub; TEXT after.
agent_spoke_conf() {
	agent_conf "$1" "role spoke
network-id 7
holdtime $HOLD
auth s3cret
nhs 10.255.0.1 nbma 192.0.2.1
${2:-}"
}

# agent_hub_and_spokes_up: the lab's hub (network 7, secret s3cret,
# holdtime $HOLD, not logging every packet, as in production) and spokes s1
# and s2 as agent_spoke_conf makes them, started; both must register.
agent_hub_and_spokes_up() {
	agent_conf hub "role hub
network-id 7
holdtime $HOLD
auth s3cret"
	agent_spoke_conf s1
	agent_spoke_conf s2
	AGENT_VERBOSITY='' agent_start hub
	agent_start s1
	agent_start s2
	check "s1 registers" wait_until 20 entry_is hub 10.255.0.2 dynamic 192.0.2.2
	check "s2 registers" wait_until 20 entry_is hub 10.255.0.3 dynamic 192.0.2.3
}

agent_start() {
	local ns=${!1}
	[ $# -lt 2 ] || agent_conf "$1" "$2" || return 1
	# (nsenter, not "ip netns exec", which also remounts /sys: dmvpnd reads
	# none, and under TCG ip's start costs the host as much again.)
	# shellcheck disable=SC2086 # empty: no word at all
	nsenter --net="/run/netns/$ns" "$DMVPND" -f $AGENT_VERBOSITY \
		-c "$CONF/$1" dmvpn0 >>"$CONF/$1.log" 2>&1 &
	AGENT_PID[$1]=$!
}

agent_stop() {
	local sig=${2:-TERM} pid=${AGENT_PID[$1]:-}
	[ -n "$pid" ] || return 0
	kill -"$sig" "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	unset "AGENT_PID[$1]"
	return 0
}

agents_stop() {
	local node
	for node in "${!AGENT_PID[@]}"; do
		agent_stop "$node" "$1"
	done
}

agent_logs_keep() {
	[ -n "$CONF" ] && [ -n "${DMVPN_VM_OUTDIR:-}" ] || return 0
	mkdir -p "$DMVPN_VM_OUTDIR/$1" &&
		cp "$CONF"/*.log "$DMVPN_VM_OUTDIR/$1/" 2>/dev/null
	return 0
}

agent() {
	local node=$1
	shift
	"$DMVPNCTL" -n "${!node}" "$@"
}

# agent_stat NODE NAME [N]: one counter of NODE's "show nhrp stats -j",
# the Nth of that name (message counters: 1 received, 2 sent).
agent_stat() {
	local out nth=${3:-1}
	out=$(agent "$1" -j show nhrp stats)
	# The Nth "NAME":DIGITS, as grep -o | sed -n Np | cut found it.
	while [[ $out =~ "\"$2\":"([0-9]*)(.*) ]]; do
		if [ "$nth" -eq 1 ]; then
			echo "${BASH_REMATCH[1]}"
			return
		fi
		nth=$((nth - 1))
		out=${BASH_REMATCH[2]}
	done
}

# agent_alive NODE: NODE's agent still runs.
agent_alive() {
	kill -0 "${AGENT_PID[$1]}" 2>/dev/null || {
		echo "dmvpnd on $1 died:"
		tail -n 20 "$CONF/$1.log"
		return 1
	}
}

# logged NODE TEXT [AFTER]: NODE's agent has logged TEXT, after its first
# AFTER lines if given (an earlier event of the test may have logged it
# too; log_lines gives the mark).
logged() {
	local after=${3:-0}
	tail -n "+$((after + 1))" "$CONF/$1.log" | grep -qF "$2" || {
		echo "not in $1's log${3:+ since line $3}: $2"
		tail -n 20 "$CONF/$1.log"
		return 1
	}
}

# log_lines NODE: how many lines NODE's agent has logged, a mark for logged.
log_lines() {
	wc -l <"$CONF/$1.log"
}

# entry_is NODE PREFIX TYPE NBMA: the kernel entry exists as given.
entry_is() {
	local out
	out=$(lab_ctl "$1" -j cache get "$2" dev dmvpn0 2>&1) || {
		echo "$1 has no entry $2: $out"
		return 1
	}
	[[ $out == *\"type\":\"$3\"* && $out == *\"nbma\":\"$4\"* ]] || {
		echo "$1 $2: $out"
		return 1
	}
}

# entry_has_flag NODE PREFIX FLAG: the kernel entry carries FLAG.
entry_has_flag() {
	local out
	out=$(lab_ctl "$1" -j cache get "$2" dev dmvpn0 2>&1)
	[[ $out == *\"$3\"* ]] || {
		echo "$1 $2 lacks $3: $out"
		return 1
	}
}

# shows NODE PATTERN ARGS...: the agent's answer to ARGS contains PATTERN.
shows() {
	local node=$1 pattern=$2 out
	shift 2
	out=$(agent "$node" "$@" 2>&1) || {
		echo "$out"
		return 1
	}
	grep -qE -- "$pattern" <<<"$out" || {
		echo "no /$pattern/ in:"
		echo "$out"
		return 1
	}
}

# entry_lacks_flag NODE PREFIX FLAG: the kernel entry exists and does not
# carry FLAG (a missing entry or a failing dmvpnctl is no proof).
entry_lacks_flag() {
	local out
	out=$(lab_ctl "$1" -j cache get "$2" dev dmvpn0 2>&1) || {
		echo "$1 has no entry $2: $out"
		return 1
	}
	[[ $out == *\"flags\":\[* && $out != *\"$3\"* ]] || {
		echo "$1 $2 carries $3 (or is no entry): $out"
		return 1
	}
}

# hides NODE PATTERN ARGS...: the agent answers ARGS, without PATTERN (a
# dead agent or a socket error is a failure, not an absence).
hides() {
	local node=$1 pattern=$2 out
	shift 2
	out=$(agent "$node" "$@" 2>&1) || {
		echo "dmvpnctl $* failed: $out"
		return 1
	}
	! grep -qE -- "$pattern" <<<"$out" || {
		echo "/$pattern/ in:"
		echo "$out"
		return 1
	}
}

# ping_all FROM TO COUNT INTERVAL: every echo answered.
ping_all() {
	local out ns=${!1}
	out=$(nsenter --net="/run/netns/$ns" ping -n -q -c "$3" \
		-i "$4" -W 2 "$2" 2>&1)
	[[ $out == *" $3 received"* ]] || {
		echo "$out"
		return 1
	}
}

# echoes_start FROM TO [INTERVAL]: FROM pings TO every INTERVAL seconds
# (default 0.005) in the background until echoes_end, across what a test
# changes meanwhile.  Ping prints a line per answer, so that echoes_end can
# stop it whenever the change is over and still tell an echo lost from one
# on its way: a fixed count would keep encrypting and relaying for seconds
# after (each echo costs a few ms of a TCG guest's CPU) or, on a slow run,
# end before the change.
echoes_start() {
	ECHOES_LOG=$CONF/echoes
	nsenter --net="/run/netns/${!1}" ping -n -i "${3:-0.005}" "$2" \
		>"$ECHOES_LOG" 2>&1 &
	ECHOES_PID=$!
}

# echoes_last_answered: the highest echo number answered so far (0: none).
echoes_last_answered() {
	local line
	line=$(tail -n 1 "$ECHOES_LOG")
	[[ $line =~ bytes\ from.*icmp_seq=([0-9]+) ]] || {
		echo 0
		return
	}
	echo "${BASH_REMATCH[1]}"
}

# echoes_past NUMBER: an echo after NUMBER has been answered.
echoes_past() {
	[ "$(echoes_last_answered)" -gt "$1" ]
}

# echoes_end [MORE]: once MORE (default 100) more echoes have been
# answered, stops the pings.  Every echo up to the last answered one must
# have had its answer; fails with what was lost otherwise.  Sets
# ECHOES_ANSWERED for the check's message.
echoes_end() {
	local more=${1:-100} from counts lost
	ECHOES_ANSWERED=0
	from=$(echoes_last_answered)
	if ! wait_until 60 echoes_past $((from + more - 1)); then
		kill "$ECHOES_PID" 2>/dev/null
		wait "$ECHOES_PID"
		echoes_failed "no answer past echo $((from + more - 1)) in 60 s:"
		return
	fi
	kill -INT "$ECHOES_PID" 2>/dev/null
	wait "$ECHOES_PID" || :
	counts=$(awk '/bytes from/ && match($0, /icmp_seq=[0-9]+/) {
			seq = substr($0, RSTART + 9, RLENGTH - 9) + 0
			if (!(seq in seen)) { seen[seq]; answered++ }
			if (seq > last) last = seq
		}
		END {
			printf "%d %d", answered, last - answered
			for (seq = 1; seq <= last && shown < 10; seq++)
				if (!(seq in seen)) { printf " %d", seq; shown++ }
		}' "$ECHOES_LOG")
	read -r ECHOES_ANSWERED lost _ <<<"$counts"
	if [ "$ECHOES_ANSWERED" -lt "$more" ]; then
		echoes_failed "only $ECHOES_ANSWERED echoes answered:"
		return
	fi
	[ "$lost" -eq 0 ] || {
		echo "$lost of $((ECHOES_ANSWERED + lost)) echoes lost (the first: ${counts#* * })"
		return 1
	}
}

# echoes_failed WHY: says WHY, then the pings' last lines; returns 1.
echoes_failed() {
	echo "$1"
	tail -n 5 "$ECHOES_LOG"
	return 1
}

# hub_relayed: the data packets the hub's dmvpn0 has taken in.
hub_relayed() {
	lab_counter hub rx_packets
}

# refused_with NODE PATTERN ARGS...: the agent refuses ARGS, saying PATTERN.
refused_with() {
	local node=$1 pattern=$2 out
	shift 2
	if out=$(agent "$node" "$@" 2>&1); then
		echo "accepted: $*"
		echo "$out"
		return 1
	fi
	grep -qE -- "$pattern" <<<"$out" || {
		echo "no /$pattern/ in: $out"
		return 1
	}
}

# no_relay_during CMD...: CMD succeeds and $RELAY_COUNT does not move.
no_relay_during() {
	local before after
	before=$("$RELAY_COUNT")
	"$@" || return 1
	after=$("$RELAY_COUNT")
	[ "$before" -eq "$after" ] || {
		echo "$RELAY_COUNT: $((after - before)) packets relayed"
		return 1
	}
}

evil_up() {
	local addr addrs=()
	for addr in "$@"; do
		addrs+=("$addr/24")
	done
	lab_wan_join evil "${addrs[@]}"
}

# $evil is assigned by setup_ns.
# shellcheck disable=SC2154
craft() {
	nsenter --net="/run/netns/$evil" "$CRAFT" "$@"
}

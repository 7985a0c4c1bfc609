# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/agent.sh: dmvpnd on the nodes of lab.sh, and the checks the
# agent tests share.  Source it after lib.sh and lab.sh; agent_lab_begin
# makes CONF, a scratch directory: each node's configuration goes to
# CONF/NODE/dmvpn0.conf and its agent's log to CONF/NODE.log.
#
# agent_lab_begin CMD...    after test_begin: the requirements, CONF, the
#                           module loaded and the lab up
# agent_conf NODE TEXT      writes NODE's configuration
# agent_start NODE [TEXT]   dmvpnd on NODE (with TEXT as its configuration)
# agent_stop NODE [SIGNAL]  stops it (SIGTERM: it purges its registrations)
# agents_stop SIGNAL        stops every agent started
# agent_logs_keep DIR       copies the logs to $DMVPN_VM_OUTDIR/DIR, where
#                           the VM run keeps its files (for cleanup traps)
# agent NODE ARGS...        dmvpnctl talking to NODE's agent
# The checks print what they saw when they fail; see each one below.

CONF=
declare -A AGENT_PID=()
# What no_relay_during watches: a command printing a packet count.
RELAY_COUNT=hub_relayed

# agent_lab_begin CMD...: needs root, the commands CMD..., the module and
# dmvpnd (else skips the test); makes CONF, removed at cleanup; loads the
# module and builds the lab (else bails out).
agent_lab_begin() {
	require_root
	require_cmd "$@"
	require_module
	[ -x "$DMVPND" ] || skip_all "dmvpnd not built ($DMVPND)"
	CONF=$(mktemp -d "${TMPDIR:-/tmp}/${DMVPN_TEST_NAME%.sh}.XXXXXX") ||
		bail_out "mktemp failed"
	defer rm -rf "$CONF"
	check "insmod" module_load || bail_out "the module does not load"
	check "lab up" lab_up || bail_out "no lab"
}

agent_conf() {
	mkdir -p "$CONF/$1" && printf '%s\n' "$2" >"$CONF/$1/dmvpn0.conf"
}

agent_start() {
	[ $# -lt 2 ] || agent_conf "$1" "$2" || return 1
	ip netns exec "$(lab_ns "$1")" "$DMVPND" -f -v -c "$CONF/$1" dmvpn0 \
		>>"$CONF/$1.log" 2>&1 &
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
	ip netns exec "$(lab_ns "$node")" "$DMVPNCTL" "$@"
}

# agent_alive NODE: NODE's agent still runs.
agent_alive() {
	kill -0 "${AGENT_PID[$1]}" 2>/dev/null || {
		echo "dmvpnd on $1 died:"
		tail -n 20 "$CONF/$1.log"
		return 1
	}
}

# logged NODE TEXT: NODE's agent has logged TEXT.
logged() {
	grep -qF "$2" "$CONF/$1.log" || {
		echo "not in $1's log: $2"
		tail -n 20 "$CONF/$1.log"
		return 1
	}
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
	local out
	out=$(ip netns exec "$(lab_ns "$1")" ping -n -q -c "$3" -i "$4" -W 2 \
		"$2" 2>&1)
	[[ $out == *" $3 received"* ]] || {
		echo "$out"
		return 1
	}
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

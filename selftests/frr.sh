# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# frr.sh: FRR's daemons (Debian's frr package) as real peers in the lab's
# namespaces, for the tests that run them.  Sourced after lib.sh and lab.sh.
# Each node's daemons run in its namespace with the namespace's name as
# FRR pathspace (/run/frr/<namespace>/), their files in $CONF (the test's
# temporary directory), logs at FRR_LOG_LEVEL.

FRR_DIR=/usr/lib/frr
FRR_LOG_LEVEL=${FRR_LOG_LEVEL:-info}
declare -A FRR_PID=()

# frr_conf NODE DAEMON TEXT: DAEMON's configuration on NODE.  The daemons
# read it as user frr.
frr_conf() {
	install -d -o frr -g frr "$CONF/frr-$1" &&
	printf 'hostname %s\n%s\n' "$1" "$3" >"$CONF/frr-$1/$2.conf" &&
	chown frr:frr "$CONF/frr-$1/$2.conf"
}

# frr_start NODE DAEMON...: zebra, then each DAEMON, in NODE's namespace;
# returns once the last one answers on its vty socket.  zebra runs with
# --v6-rr-semantics: without it, FRR 8.4 changes an IPv6 route by deleting
# it and adding the new one, and a packet forwarded in between finds no
# route (dmvpn_dualhub_ipv6.sh on 7.2: one echo lost, "Destination
# unreachable: No route", at the spokes' BGP failover in 2 of 4 runs).
# It replaces in place, as it always does for IPv4.  Debian's
# /etc/frr/daemons leaves it out of zebra_options.
frr_start() {
	local node=$1 ns d opts
	shift
	ns=$(lab_ns "$node")
	if [ ! -d /run/frr ]; then
		install -d -o frr -g frr /run/frr || return 1
		defer rmdir /run/frr
	fi
	install -d -o frr -g frr "/run/frr/$ns" || return 1
	defer rm -rf "/run/frr/$ns"
	[ -f "$CONF/frr-$node/zebra.conf" ] || frr_conf "$node" zebra "" ||
		return 1
	for d in zebra "$@"; do
		opts=()
		[ "$d" != zebra ] || opts=(--v6-rr-semantics)
		ip netns exec "$ns" "$FRR_DIR/$d" -N "$ns" "${opts[@]}" \
			-f "$CONF/frr-$node/$d.conf" -i "/run/frr/$ns/$d.pid" \
			--log "file:$CONF/$node-$d.log" --log-level "$FRR_LOG_LEVEL" \
			</dev/null >>"$CONF/$node-$d.stdout.log" 2>&1 &
		FRR_PID[$node-$d]=$!
		# The others connect to zebra's socket as they start.  On a
		# loaded host zebra took over 10 s to create it.
		if [ "$d" = zebra ]; then
			wait_until 30 test -S "/run/frr/$ns/zserv.api" || {
				echo "zebra on $node did not start"
				tail -n 20 "$CONF/$node-zebra.log"
				return 1
			}
		fi
	done
	wait_until 30 test -S "/run/frr/$ns/$d.vty"
}

# frr_stop NODE: its daemons, and their pathspace.
frr_stop() {
	local key pid
	for key in "${!FRR_PID[@]}"; do
		[[ $key == "$1"-* ]] || continue
		frr_reap "${FRR_PID[$key]}"
		unset "FRR_PID[$key]"
	done
	rm -rf "/run/frr/$(lab_ns "$1")"
}

# frr_reap PID...: daemons ended on TERM, or on KILL after 10 s (noted in
# $CONF/frr-kill.log): a cleanup trap waiting for one that did not end
# held dmvpn_ipsec_frr.sh past its timeout once (7.2), its logs unsaved.
frr_reap() {
	local pid killer
	kill "$@" 2>/dev/null
	# Its output elsewhere: the sleep it leaves must not hold the test's.
	(
		sleep 10
		for pid; do
			kill -KILL "$pid" 2>/dev/null && echo "$pid: KILL after TERM"
		done
	) >>"$CONF/frr-kill.log" 2>&1 &
	killer=$!
	for pid; do
		wait "$pid" 2>/dev/null
	done
	kill "$killer" 2>/dev/null
	wait "$killer" 2>/dev/null
	return 0
}

# frr_stop_all: every node's daemons (for a cleanup trap).
frr_stop_all() {
	[ "${#FRR_PID[@]}" -eq 0 ] || frr_reap "${FRR_PID[@]}"
	FRR_PID=()
}

# frr_alive NODE: every daemon started on NODE still runs.
frr_alive() {
	local key
	for key in "${!FRR_PID[@]}"; do
		[[ $key == "$1"-* ]] || continue
		kill -0 "${FRR_PID[$key]}" 2>/dev/null || {
			echo "$key died:"
			tail -n 20 "$CONF/$key.log"
			return 1
		}
	done
}

FRR_VTY=$DMVPN_TOP/user/tools/frr-vty

# frr_show NODE COMMAND...: the answers to each COMMAND on NODE, from the
# daemon that has them over its vtysh socket (user/tools/frr-vty: vtysh
# costs 0.5-0.7 s of CPU a call under TCG); in enable mode, so that a
# "configure terminal" or a "clear" works as typed in vtysh.  What no one
# daemon answers goes to vtysh (its complaint about a missing vtysh.conf
# left out).
frr_show() {
	local ns daemon='' args=() c
	ns=$(lab_ns "$1")
	shift
	# The daemon, by what the commands name.
	case "$*" in
	*nhrp*) daemon=nhrpd ;;
	*bgp*) daemon=bgpd ;;
	*ospf*) daemon=ospfd ;;
	esac
	if [ -n "$daemon" ]; then
		"$FRR_VTY" "/run/frr/$ns/$daemon.vty" enable "$@"
		return
	fi
	for c in "$@"; do
		args+=(-c "$c")
	done
	vtysh -N "$ns" "${args[@]}" 2>/dev/null
}

# frr_cache_has NODE TYPE PROTOCOL NBMA: a line of "show ip nhrp cache".
frr_cache_has() {
	local out
	out=$(frr_show "$1" "show ip nhrp cache")
	awk -v t="$2" -v p="$3" -v n="$4" \
		'$2 == t && $3 == p && $4 == n { found = 1 } END { exit !found }' \
		<<<"$out" || {
		echo "$1: no $2 $3 at $4 in:"
		echo "$out"
		return 1
	}
}

# frr_shortcut_has NODE PREFIX VIA: a line of "show ip nhrp shortcut".
frr_shortcut_has() {
	local out
	out=$(frr_show "$1" "show ip nhrp shortcut")
	awk -v p="$2" -v v="$3" '$2 == p && $3 == v { found = 1 }
		END { exit !found }' <<<"$out" || {
		echo "$1: no shortcut $2 via $3 in:"
		echo "$out"
		return 1
	}
}

# shellcheck shell=bash
# The lab's namespace variables (hub, lan1) are assigned by setup_ns.
# shellcheck disable=SC2154
# SPDX-License-Identifier: GPL-2.0
#
# selftests/bench/switchover.sh: the Phase 3 switch-over trial that
# switchover-guest (dmvpnd) and switchover-frr-guest (FRR's nhrpd) share,
# so that both are measured and counted the same way.  Source it after
# lib.sh and lab.sh, once the lab of lab.sh routes lan1 <-> lan2 via the
# hub and the hub redirects.
#
# switchover_run NAME RESET [ARG...]: DMVPN_SWITCHOVER_TRIALS (3) trials,
# then the median.  A trial: RESET (no shortcuts anywhere; a failure stops
# the run), 1.5 s to settle, then lan1 pings lan2 every 2 ms for 2 s while
# the hub captures the GRE data packets it receives on wan0 (inner IPv4;
# NHRP is not counted).  Reported are the time from the first packet to
# the last one the hub relays (either direction), the number it relayed,
# and the echoes lost.  Prints one line a trial,
#	NAME trial=N switchover_ms=... relayed=... lost=...
# and one for the median,
#	NAME phase3 median of N: switchover_ms=... relayed=... lost=...
# also appended to $DMVPN_VM_OUTDIR/agent-bench.txt.  The captures are
# left in $CONF (a scratch directory the caller made) as NAME-trialN.pcap.

SWITCHOVER_OUT=${DMVPN_VM_OUTDIR:-/tmp}/agent-bench.txt
SWITCHOVER_TRIALS=${DMVPN_SWITCHOVER_TRIALS:-3}
SWITCHOVER_COUNT=1000
SWITCHOVER_INTERVAL=0.002
SWITCHOVER_RESULT=

# switchover_trial PCAP: one trial once reset; sets SWITCHOVER_RESULT to
# "switchover_ms=... relayed=... lost=...".
switchover_trial() {
	local cap=$1 pid sent recv first last relayed stamps
	# Inner IPv4 only: GRE protocol type 0x0800 at IP offset 22 (with or
	# without a GRE key, which comes after it).
	ip netns exec "$hub" tcpdump -q -n -i wan0 -w "$cap" --immediate-mode \
		"ip proto 47 and dst host $LAB_HUB_NBMA and ip[22:2] = 0x0800" \
		2>/dev/null &
	pid=$!
	sleep 1
	read -r sent recv < <(ip netns exec "$lan1" ping -n -q \
		-c "$SWITCHOVER_COUNT" -i "$SWITCHOVER_INTERVAL" -W 1 10.2.0.10 \
		2>/dev/null |
		sed -n 's/^\([0-9]*\) packets transmitted, \([0-9]*\) received.*/\1 \2/p')
	sleep 0.5
	kill -INT "$pid"
	wait "$pid" 2>/dev/null
	mapfile -t stamps < <(tcpdump -r "$cap" -n -tt 2>/dev/null | cut -d' ' -f1)
	relayed=${#stamps[@]}
	first=${stamps[0]:-0}
	last=${stamps[relayed - 1]:-0}
	printf -v SWITCHOVER_RESULT 'switchover_ms=%s relayed=%s lost=%s' \
		"$(awk -v a="$first" -v b="$last" 'BEGIN { printf "%.1f", (b - a) * 1000 }')" \
		"$relayed" "$((${sent:-0} - ${recv:-0}))"
}

# switchover_median KEY LINE...: the median of KEY's values in the lines.
switchover_median() {
	local key=$1
	shift
	printf '%s\n' "$@" | sed "s/.*$key=\([^ ]*\).*/\1/" | sort -n |
		awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

switchover_run() {
	local name=$1 i results=()
	shift
	for ((i = 1; i <= SWITCHOVER_TRIALS; i++)); do
		if ! "$@" >/dev/null; then
			echo "switchover bench: $name: no clean start for trial $i ($*)" >&2
			return 1
		fi
		sleep 1.5
		switchover_trial "$CONF/$name-trial$i.pcap"
		results+=("trial=$i $SWITCHOVER_RESULT")
		echo "$name ${results[-1]}" | tee -a "$SWITCHOVER_OUT"
	done
	printf '%s phase3 median of %s: switchover_ms=%s relayed=%s lost=%s\n' \
		"$name" "$SWITCHOVER_TRIALS" \
		"$(switchover_median switchover_ms "${results[@]}")" \
		"$(switchover_median relayed "${results[@]}")" \
		"$(switchover_median lost "${results[@]}")" |
		tee -a "$SWITCHOVER_OUT"
}

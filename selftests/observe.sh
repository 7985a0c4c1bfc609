# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/observe.sh: looking into namespaces cheaply, and the counters
# of their devices before and after a step; source it after lib.sh.
#
#	take_snap before "$s1"
#	... traffic ...
#	take_snap after "$s1"
#	check "3 sent via the shortcut" \
#		delta_is 3 before after dmvpn0 dmvpn tx_shortcut

# nsx NS CMD [ARG...]: CMD in NS's network namespace only.  Much cheaper
# than "ip netns exec" under TCG, but sees the caller's /sys: use
# "ip netns exec" to read a namespace's /sys/class/net.
nsx() {
	nsenter --net="/run/netns/$1" "${@:2}"
}

# snap NS: every counter of every device in NS (the dmvpn counters and the
# netdev statistics), one "/sys/class/net/DEV/GROUP/NAME=VALUE" a line, and
# NS's UDP counters ("/proc/net/snmp/Udp/NAME=VALUE": a receiver that
# fell behind drops in RcvbufErrors, not on a device).  One command per
# namespace, as each "ip netns exec" is slow under TCG.
snap() {
	# shellcheck disable=SC2016 # expanded by the inner bash
	ip netns exec "$1" bash -c '
		shopt -s nullglob
		for f in /sys/class/net/*/dmvpn/* /sys/class/net/*/statistics/*; do
			read -r v <"$f" && echo "$f=$v"
		done
		names=()
		while read -r proto fields; do
			[ "$proto" = Udp: ] || continue
			if [ "${#names[@]}" -eq 0 ]; then
				read -ra names <<<"$fields"
				continue
			fi
			read -ra values <<<"$fields"
			for i in "${!names[@]}"; do
				echo "/proc/net/snmp/Udp/${names[i]}=${values[i]}"
			done
		done </proc/net/snmp'
}

# snap_value SNAPSHOT DEV GROUP NAME: one counter out of a snapshot.
snap_value() {
	local line
	while IFS= read -r line; do
		if [[ "$line" == "/sys/class/net/$2/$3/$4="* ]]; then
			echo "${line#*=}"
			return 0
		fi
	done <<<"$1"
	echo "no counter $2/$3/$4 in the snapshot"
	return 1
}

# Snapshots by name: SNAPS[NAME].
declare -A SNAPS=()

# take_snap NAME NS: SNAPS[NAME] becomes a snapshot of NS's counters.
take_snap() {
	SNAPS[$1]=$(snap "$2")
}

# delta_is EXPECTED BEFORE AFTER DEV GROUP NAME: a counter (GROUP dmvpn or
# statistics) grew by exactly EXPECTED between the snapshots named BEFORE
# and AFTER.
delta_is() {
	local expected=$1 before after
	before=$(snap_value "${SNAPS[$2]}" "$4" "$5" "$6") || { echo "$before"; return 1; }
	after=$(snap_value "${SNAPS[$3]}" "$4" "$5" "$6") || { echo "$after"; return 1; }
	if [ "$((after - before))" -ne "$expected" ]; then
		echo "$4 $6: $before -> $after: grew by $((after - before)), expected $expected"
		return 1
	fi
}

# snap_changes BEFORE AFTER PATTERN: the counters of two snapshots whose
# name matches PATTERN (a bash glob on the whole path) and that changed,
# one "NAME: OLD -> NEW" a line.  For a failed check's output: where
# packets went missing.
snap_changes() {
	local line name
	declare -A old=()
	while IFS= read -r line; do
		old[${line%%=*}]=${line#*=}
	done <<<"${SNAPS[$1]}"
	while IFS= read -r line; do
		name=${line%%=*}
		# shellcheck disable=SC2053 # PATTERN is a glob
		[[ "$name" == $3 ]] || continue
		[ "${old[$name]:-}" = "${line#*=}" ] ||
			echo "${name#/sys/class/net/}: ${old[$name]:-none} -> ${line#*=}"
	done <<<"${SNAPS[$2]}"
}

# echo_replies NS FAMILY: the echo replies NS's ICMP layer has taken in
# (FAMILY 4 or 6).  They count there before any socket sees them.
echo_replies() {
	# shellcheck disable=SC2016 # awk's own fields
	if [ "$2" = 6 ]; then
		nsx "$1" awk '$1 == "Icmp6InEchoReplies" { print $2 }' \
			/proc/net/snmp6
	else
		nsx "$1" awk '$1 == "Icmp:" && !column {
				for (i = 2; i <= NF; i++)
					if ($i == "InEchoReps")
						column = i
				next
			}
			$1 == "Icmp:" { print $column }' /proc/net/snmp
	fi
}

# replies_grew NS FAMILY BEFORE COUNT: NS's echo replies are BEFORE + COUNT.
replies_grew() {
	local now
	now=$(echo_replies "$1" "$2")
	[[ "$3" =~ ^[0-9]+$ && "$now" =~ ^[0-9]+$ ]] || {
		echo "$1: no IPv$2 echo-reply counter (before '$3', now '$now')"
		return 1
	}
	echo "$1's echo replies (IPv$2): $3 -> $now, $((now - $3)) of $4"
	[ "$((now - $3))" -eq "$4" ]
}

# pings_answered LOG COUNT NS FAMILY BEFORE: the ping whose output is in LOG
# had its COUNT requests answered once each: its summary says so, or else
# it saw no duplicate and NS's ICMP layer counts COUNT more echo replies
# than BEFORE (echo_replies of FAMILY, read before the ping) within 5 s.
# After its last request ping waits only twice its slowest round trip so
# far, or its interval if longer (-W counts only while nothing has come
# back), and counts a later reply as lost; and its raw socket holds
# 128 kB, about 90 replies.
pings_answered() {
	local summary
	summary=$(grep 'packets transmitted' "$1")
	echo "$summary"
	[[ "$summary" == "$2 packets transmitted, $2 received, 0% packet loss,"* ]] &&
		return
	if [[ "$summary" == *duplicates* ]]; then
		replies_grew "$3" "$4" "$5" "$2"
		return 1
	fi
	wait_until 5 replies_grew "$3" "$4" "$5" "$2" && {
		echo "all $2 replies reached $3; ping missed some (it stopped waiting, or its socket was full)"
		return
	}
	replies_grew "$3" "$4" "$5" "$2"
	return 1
}

# unanswered LOG COUNT: the icmp_seq numbers 1..COUNT without a reply line.
unanswered() {
	awk -v n="$2" '
		match($0, /icmp_seq=[0-9]+/) {
			seen[substr($0, RSTART + 9, RLENGTH - 9)] = 1
		}
		END {
			for (i = 1; i <= n; i++)
				if (!(i in seen))
					printf "%d ", i
		}' "$1"
}

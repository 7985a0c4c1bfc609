# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/capture.sh: one tcpdump for the whole test, read phase by phase
# as the outer IPv4 headers it saw; source it after lib.sh.  The test sets
# CAPTURE_DIR (a directory of its own) before capture_start.
#
#	capture_start "$s1" wan0
#	mark=$(capture_mark)
#	... traffic ...
#	capture_read "$mark"
#	check "no GRE in clear" captured_is 0 " proto=47 "

# A test marks the time each phase begins (capture_mark, the clock of the
# capture's time stamps) and, at its end, reads once what was captured since
# (each command costs under TCG) into PKTS: one record a packet,
# "src=A dst=B proto=N ttl=N df=0|1 frag=0|1 len=N" from its outer IPv4
# header, which captured_is matches with bash regexes.
CAPTURE_DIR=
CAPTURE_PID=
PKTS=()

# capture_listening: tcpdump has started capturing.
capture_listening() {
	[[ "$(<"$CAPTURE_DIR/err")" == *"listening on"* ]]
}

# capture_start NS DEV: tcpdump on DEV in NS until the end of the test.
capture_start() {
	# Not through nsx: $! must be tcpdump itself (nsenter execs it), not
	# a subshell that would leave it running when killed.  SIGTERM: a
	# background job ignores SIGINT.
	nsenter --net="/run/netns/$1" tcpdump -n -U --immediate-mode -Z root \
		-i "$2" -w "$CAPTURE_DIR/pcap" 2>"$CAPTURE_DIR/err" </dev/null >/dev/null &
	CAPTURE_PID=$!
	defer kill -TERM "$CAPTURE_PID"
	if ! wait_until 30 capture_listening; then
		cat "$CAPTURE_DIR/err"
		return 1
	fi
}

# capture_mark: now, in microseconds since the epoch.
capture_mark() {
	echo "${EPOCHREALTIME/./}"
}

# capture_read MARK: PKTS becomes the IPv4 packets captured after MARK.
# "tcpdump -v" prints a packet's outer header on one line and its
# addresses at the start of the next; other lines (the inner packet) are
# skipped.  awk drops the packets of earlier phases first: the capture
# grows all test long (a TCP transfer, thousands of lines), and bash's
# loop below took seconds of CPU a phase under TCG to skip them.
capture_read() {
	local mark=$1 line flags frag df rec=''
	local hdr='^([0-9]+)\.([0-9]{6}) IP \(tos [^,]*, ttl ([0-9]+), id [0-9]+, offset ([0-9]+), flags \[([^]]*)\], proto [^(]*\(([0-9]+)\), length ([0-9]+)'
	local addr='^ +([0-9.]+) > ([0-9.]+):'
	PKTS=()
	while IFS= read -r line; do
		if [[ "$line" =~ $hdr ]]; then
			rec=
			[ "${BASH_REMATCH[1]}${BASH_REMATCH[2]}" -gt "$mark" ] || continue
			flags=${BASH_REMATCH[5]}
			df=0
			[[ "$flags" == *DF* ]] && df=1
			frag=0
			[[ "$flags" == *+* || "${BASH_REMATCH[4]}" != 0 ]] && frag=1
			rec="proto=${BASH_REMATCH[6]} ttl=${BASH_REMATCH[3]} df=$df frag=$frag len=${BASH_REMATCH[7]}"
		elif [ -n "$rec" ] && [[ "$line" =~ $addr ]]; then
			PKTS+=("src=${BASH_REMATCH[1]} dst=${BASH_REMATCH[2]} $rec")
			rec=
		fi
	done < <(tcpdump -tt -v -n -r "$CAPTURE_DIR/pcap" ip 2>/dev/null |
		awk -v mark="$mark" '
			/^[0-9]+\.[0-9]+ IP / { t = $1; sub(/\./, "", t); keep = t + 0 > mark + 0 }
			keep')
}

# captured_is COUNT REGEX: exactly COUNT records of PKTS match REGEX.
captured_is() {
	local expected=$1 regex=$2 n=0 pkt
	for pkt in "${PKTS[@]}"; do
		[[ "$pkt" =~ $regex ]] && n=$((n + 1))
	done
	if [ "$n" -ne "$expected" ]; then
		echo "$n packets match '$regex', expected $expected; all of the phase:"
		printf '%s\n' "${PKTS[@]:0:30}"
		return 1
	fi
}

# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/craft.sh: one dmvpn_gre_craft.py server for a whole test (its
# serve mode), where a Python per packet or counter read would cost the
# host about 350 ms of CPU each under TCG.  Source it after lib.sh.

CRAFT=$DMVPN_SELFTESTS/dmvpn_gre_craft.py
CRAFT_PID=

# craft_start NS [SERVE_ARGS...]: the server, in NS's namespace ("ip netns
# exec" mounts NS's /sys there: counters it reads are NS's).  (python3 -S:
# without site-packages Python starts faster.)
craft_start() {
	coproc CRAFT_SERVER {
		exec ip netns exec "$1" python3 -S "$CRAFT" serve "${@:2}" 2>&1
	}
	CRAFT_PID=$CRAFT_SERVER_PID
}

# craft_stop: the server goes before the namespaces (it holds them).
craft_stop() {
	[ -n "$CRAFT_PID" ] || return 0
	kill "$CRAFT_PID" 2>/dev/null
	wait "$CRAFT_PID" 2>/dev/null
	CRAFT_PID=
}

# craft ARGS...: one dmvpn_gre_craft.py command, run by the server; what it
# printed goes to CRAFT_OUT and stdout, its exit status is craft's (125:
# the server is gone or did not answer within a minute).
craft() {
	local line IFS=$'\t'
	CRAFT_OUT=
	# (A write to a server that is gone would end this shell: SIGPIPE.)
	[[ "$*" != *$'\n'* ]] && [ -n "${CRAFT_SERVER[1]:-}" ] &&
		kill -0 "$CRAFT_PID" 2>/dev/null || return 125
	printf '%s\n' "$*" 1>&"${CRAFT_SERVER[1]}" || return 125
	while IFS= read -r -t 60 -u "${CRAFT_SERVER[0]}" line; do
		case "$line" in
		"@@exit "*)
			printf '%s' "$CRAFT_OUT"
			return "${line#@@exit }"
			;;
		esac
		CRAFT_OUT+=$line$'\n'
	done
	printf '%s' "$CRAFT_OUT"
	echo "dmvpn_gre_craft.py serve: no answer"
	return 125
}

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The bash completion of dmvpnctl: every object of "dmvpnctl --help" is
# offered first, and the commands after each object are those help lists.
#
# usage: completion.sh COMPLETION_FILE DMVPNCTL
set -u
completion=$1 dmvpnctl=$2
failed=0

# shellcheck source=/dev/null
source "$completion"

# complete WORD...: what completing after WORDs (and an empty word) offers.
complete_after() {
	COMP_WORDS=(dmvpnctl "$@" "")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_dmvpnctl
	printf '%s\n' "${COMPREPLY[@]}" | sort -u
}

expect() {
	local what=$1 got=$2 want=$3 word
	for word in $want; do
		grep -qx -- "$word" <<<"$got" || {
			echo "completion: FAIL: after '$what' no '$word' (offered: $(tr '\n' ' ' <<<"$got"))"
			failed=1
		}
	done
}

help=$("$dmvpnctl" --help)
objects=$(sed -n 's/^  \([a-z]*\) .*/\1/p; s/^  \([a-z]*\)$/\1/p' <<<"$help" | sort -u)
expect "" "$(complete_after)" "$objects"
expect "cache" "$(complete_after cache)" \
	"$(sed -n 's/^  cache { *\([a-z |]*\) }.*/\1/p; s/^  cache \([a-z]*\) .*/\1/p' <<<"$help" | tr -d '|')"
expect "show nhrp" "$(complete_after show nhrp)" \
	"$(sed -n 's/^  show nhrp { \([a-z |]*\) }.*/\1/p' <<<"$help" | tr -d '|')"
expect "cache add 10.0.0.0/8 nbma 192.0.2.1 dev x type" \
	"$(complete_after cache add 10.0.0.0/8 nbma 192.0.2.1 dev x type)" \
	"$(sed -n 's/^  TYPE *:= { \([a-z |]*\) }.*/\1/p' <<<"$help" | tr -d '|')"
expect "show dmvpn" "$(complete_after show dmvpn)" \
	"$(sed -n 's/^  show dmvpn \[ \([a-z]*\) \].*/\1/p' <<<"$help") dev"
expect "stats" "$(complete_after stats)" \
	"$(sed -n 's/^  stats \[ \([a-z]*\) [A-Z]* \] \[ \([a-z]*\) \].*/\1 \2/p' <<<"$help")"
expect "reload" "$(complete_after reload)" \
	"$(sed -n 's/^  reload \[ \(--[a-z-]*\) \].*/\1/p' <<<"$help")"
expect "debug" "$(complete_after debug)" \
	"$(sed -n 's/^  debug \[ \([a-z]*\) .*/\1/p' <<<"$help")"
expect "debug nhrp" "$(complete_after debug nhrp)" "peer on off"
expect "debug nhrp peer 192.0.2.1" "$(complete_after debug nhrp peer 192.0.2.1)" "on off"
expect "--" "$(COMP_WORDS=(dmvpnctl --); COMP_CWORD=1; _dmvpnctl; printf '%s\n' "${COMPREPLY[@]}")" \
	"$(sed -n '/^Options:/,$p' <<<"$help" | grep -o -- '--[a-z]*' | grep -v -- '--version$' | sort -u) --version"

[ "$failed" -eq 0 ] && echo "completion: ok"
exit "$failed"

#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_netlink.sh: the control API as an operator meets it: the "dmvpn"
# generic netlink family through dmvpnctl (and, where the CLI would refuse
# first or hide the kernel's answer, through selftests/dmvpn_genl.py).
#
# Topology: the cache tests need no traffic, only devices; the event tests
# use the shared lab (selftests/lab.sh).
#
#   netns ctl-<run id>              the lab, for the events:
#   +--------------------------+    lan1 -- s1 ==\
#   | dmvpn0  local 192.0.2.1  |                  >== hub   (GRE over the
#   | dmvpn1  max-entries 3    |    lan2 -- s2 ==/           wan bridge)
#   +--------------------------+    "dmvpnctl monitor" runs in s1
#
# Checks, in order:
#   - the module declares the aliases that let the kernel load it on demand
#     (rtnl-link-dmvpn, net-pf-16-proto-16-family-dmvpn); without it loaded
#     (and not installed), dmvpnctl says so, exit 1
#   - add of IPv4 and IPv6 host and prefix entries of every kind; the JSON
#     of "cache show" and "cache get" has prefix (a/len), family, nbma,
#     type, flags, expires_secs, priority and mark as given; get is exact match
#   - a duplicate add fails (CLI: exit 1 with its message; kernel: EEXIST
#     "an entry for this prefix exists") and changes nothing; "cache
#     replace" changes the NBMA and resets type and flags; replace of a
#     missing prefix adds it; the kernel masks host bits of a prefix
#   - del removes; del of a missing entry fails: "no entry for this prefix"
#   - invalid input is refused with a clear error, by the CLI (exit 2) and
#     by the kernel (errno and extack): prefix length 33, multicast,
#     broadcast and zero NBMA ("NBMA address must be a unicast address"),
#     holdtime 70000, a negative entry with an NBMA, a non-dmvpn device
#   - IPsec marks: two at one NBMA address are accepted and read back;
#     another mask for the same address and mark, a mark outside its
#     mask, a mask without a mark, a negative entry with a mark: refused
#   - max-entries 3: the 4th entry is refused (ENOSPC, "max-entries"),
#     a replace at the limit works, a del makes room again
#   - flush by type removes only that type; flush removes everything
#   - 2000 entries: a dump returns all of them, in several parts, and the
#     JSON listing, the sysfs "entries" counter and "stats" agree
#   - an unprivileged user cannot add, replace, del or flush ("Operation
#     not permitted") but can show and read stats; the root of a user
#     namespace can change the cache of a device in its own netns
#   - holding times count down in "expires", and an expired entry is gone
#   - "dmvpnctl monitor" prints an "expired" event when a holdtime-1 entry
#     expires, and a "miss" event when traffic to a spoke misses the cache:
#     one per second per destination however many packets miss; the misses
#     and resolve_events counters agree
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin (IP_LIB_DIR), python3,
# setpriv, modinfo, ping; unshare for the user namespace check.

# $ctl and the lab's namespaces are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"

MONITOR_PID=
ENTRIES_PID=
cleanup() {
	if [ -n "$ENTRIES_PID" ]; then
		kill "$ENTRIES_PID" 2>/dev/null
		wait "$ENTRIES_PID" 2>/dev/null
	fi
	if [ -n "$MONITOR_PID" ]; then
		kill "$MONITOR_PID" 2>/dev/null
		wait "$MONITOR_PID" 2>/dev/null
	fi
	[ -z "${WORK_DIR:-}" ] || rm -rf "$WORK_DIR"
	dmvpn_cleanup
}
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip python3 setpriv modinfo ping nsenter
[ -x "$DMVPNCTL" ] || skip_all "$DMVPNCTL not built"
require_module

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn_netlink.XXXXXX") ||
	bail_out "mktemp failed"
GENL=$DMVPN_SELFTESTS/dmvpn_genl.py
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)

# --- the module on demand -----------------------------------------------------

has_alias() {
	modinfo -F alias "$DMVPN_KO" | grep -qx "$1"
}
check "modinfo: alias rtnl-link-dmvpn (ip link add ... type dmvpn loads it)" \
	has_alias rtnl-link-dmvpn
check "modinfo: alias net-pf-16-proto-16-family-dmvpn (genl loads it)" \
	has_alias net-pf-16-proto-16-family-dmvpn

# fails_with STATUS MESSAGE CMD...: CMD exits with STATUS and the first line
# of its stderr is exactly MESSAGE.
fails_with() {
	local want_status=$1 want=$2 err status
	shift 2
	err=$("$@" 2>&1 >/dev/null)
	status=$?
	if [ "$status" -ne "$want_status" ] || [ "${err%%$'\n'*}" != "$want" ]; then
		echo "exit status $status (want $want_status)"
		echo "stderr: $err"
		echo "want:   $want"
		return 1
	fi
}

if modprobe -n -q "$DMVPN_MODULE_NAME" 2>/dev/null; then
	# Installed in /lib/modules: then the family must load it on demand.
	loaded_on_demand() {
		"$DMVPNCTL" stats >/dev/null 2>&1
		module_is_loaded
	}
	check "dmvpnctl stats loads the module on demand" loaded_on_demand
	module_unload
else
	check "without the module: dmvpnctl stats says it is not loaded" \
		fails_with 1 "Error: dmvpn kernel module not loaded (genl family 'dmvpn' not found)" \
		"$DMVPNCTL" stats
fi

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

setup_ns ctl
ip -n "$ctl" link add dmvpn0 type dmvpn local 192.0.2.1 ||
	bail_out "cannot create dmvpn0"
ip -n "$ctl" link add dmvpn1 type dmvpn max-entries 3 ||
	bail_out "cannot create dmvpn1 with max-entries 3"

# (python3 -S: the helpers need only the standard library, and without
# site-packages Python starts much faster under TCG.  dmvpnctl -n and
# nsenter, not "ip netns exec", which also remounts /sys: neither reads it.)
ctl() {
	"$DMVPNCTL" -n "$ctl" "$@"
}
genl() {
	nsenter --net="/run/netns/$ctl" python3 -S "$GENL" "$@"
}

# json_entries: the entries in the JSON of "dmvpnctl -j cache show|get"
# (one JSON document a line on stdin, {"entries": [...]}), one line each:
# PREFIX/LEN FAMILY nbma= type= flags= expires= priority= mark=, where
# expires is "set" or "null"; and for each entry with a holding time a line
# "expires PREFIX/LEN SECONDS".  Fails on a document that is not such JSON.
# One python3 for the whole test turns the documents into lines (under TCG
# a Python start costs the host about half a second, and the checks below
# list the entries some twenty times): it answers each document with the
# lines and "@@end STATUS".  Its pipes are copied to plain descriptors,
# which, unlike a coprocess's own, subshells ($(...), pipelines) keep.
JSON_ENTRIES='
import json, sys
for doc in sys.stdin:
    status = 0
    try:
        for e in json.loads(doc)["entries"]:
            v = lambda x: "null" if x is None else x
            name = e["prefix"]
            print("%s %s nbma=%s type=%s flags=%s expires=%s priority=%s mark=%s" % (
                name, e["family"], v(e["nbma"]), e["type"],
                ",".join(e["flags"]) or "-",
                "null" if e["expires_secs"] is None else "set", e["priority"],
                e["mark"]))
            if e["expires_secs"] is not None:
                print("expires %s %s" % (name, e["expires_secs"]))
    except Exception as err:
        print("@@error json_entries: %s: %s" % (type(err).__name__, err))
        status = 1
    print("@@end %d" % status, flush=True)
'
coproc ENTRIES_SERVER { exec python3 -S -c "$JSON_ENTRIES"; }
ENTRIES_PID=$ENTRIES_SERVER_PID
exec {ENTRIES_IN}>&"${ENTRIES_SERVER[1]}" {ENTRIES_OUT}<&"${ENTRIES_SERVER[0]}"
json_entries() {
	local doc line lines status=0
	while IFS= read -r doc; do
		printf '%s\n' "$doc" >&"$ENTRIES_IN" || return 1
		# The whole answer first: one left in the pipe would be the next's.
		lines=
		while :; do
			IFS= read -r -t 60 -u "$ENTRIES_OUT" line || return 1
			case "$line" in
			"@@end "*)
				[ "${line#@@end }" = 0 ] || status=1
				break
				;;
			"@@error "*) echo "${line#@@error }" >&2 ;;
			*) lines+=$line$'\n' ;;
			esac
		done
		printf '%s' "$lines"
	done
	return "$status"
}

# snapshot [DEV]: the entries of DEV (default dmvpn0), in $SNAP, for
# listed and expires_of; $SNAP_DONE is when it had been taken ($SECONDS).
# The kernel reads the clock somewhere within the dump, so the time after
# it bounds the entries' age: on a debug kernel under TCG the dump and its
# parsing take seconds.
SNAP=
SNAP_DONE=0
snapshot() {
	SNAP=$(ctl -j cache show dev "${1:-dmvpn0}" | json_entries)
	SNAP_DONE=$SECONDS
}

# listed LINE: the snapshot has exactly this line.
listed() {
	grep -qxF "$1" <<<"$SNAP" && return 0
	echo "want: $1"
	echo "got:"
	echo "$SNAP"
	return 1
}

# expires_of PREFIX/LEN: the "expires" seconds of an entry in the snapshot.
expires_of() {
	awk -v p="$1" '$1 == "expires" && $2 == p { print $3 }' <<<"$SNAP"
}

# in_range VALUE LOW HIGH
in_range() {
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -ge "$2" ] && [ "$1" -le "$3" ] && return 0
	echo "'$1' is not in $2..$3"
	return 1
}

# count_is N: the snapshot lists N entries.
count_is() {
	local n
	n=$(grep -vc '^expires ' <<<"$SNAP")
	[ "$n" -eq "$1" ] && return 0
	echo "$n entries, want $1:"
	echo "$SNAP"
	return 1
}

# entry_count_is N [DEV]: the sysfs counter and "dmvpnctl stats" both say N.
entry_count_is() {
	local dev=${2:-dmvpn0} sysfs stats
	sysfs=$(ip netns exec "$ctl" cat "/sys/class/net/$dev/dmvpn/entries")
	stats=$(ctl stats dev "$dev" | awk '$1 == "entries" { print $2 }')
	[ "$sysfs" = "$1" ] && [ "$stats" = "$1" ] && return 0
	echo "sysfs entries '$sysfs', stats entries '$stats', want $1"
	return 1
}

# --- add, show, get -------------------------------------------------------------

check "add IPv4 host entry (static by default)" \
	ctl cache add 10.255.0.2 nbma 192.0.2.2 dev dmvpn0
added_600=$SECONDS
check "add IPv4 prefix entry (shortcut, holdtime 600)" \
	ctl cache add 10.2.0.0/24 nbma 192.0.2.3 dev dmvpn0 type shortcut holdtime 600
check "add IPv6 host entry (nhs, multicast)" \
	ctl cache add fd00::3 nbma 192.0.2.3 dev dmvpn0 type nhs multicast
check "add IPv6 prefix entry (dynamic, unique, require-ipsec, priority, mark)" \
	ctl cache add fd02::/64 nbma 192.0.2.3 dev dmvpn0 type dynamic unique \
	require-ipsec priority 5 mark 9
check "add negative IPv4 prefix entry (holdtime 3600)" \
	ctl cache add 10.9.0.0/16 negative dev dmvpn0 holdtime 3600

L_HOST4="10.255.0.2/32 inet nbma=192.0.2.2 type=static flags=- expires=null priority=0 mark=0"
L_NET4="10.2.0.0/24 inet nbma=192.0.2.3 type=shortcut flags=- expires=set priority=0 mark=0"
L_HOST6="fd00::3/128 inet6 nbma=192.0.2.3 type=nhs flags=multicast expires=null priority=0 mark=0"
L_NET6="fd02::/64 inet6 nbma=192.0.2.3 type=dynamic flags=unique,require-ipsec expires=null priority=5 mark=9"
L_NEG4="10.9.0.0/16 inet nbma=null type=negative flags=- expires=set priority=0 mark=0"

check "dmvpnctl -j cache show" snapshot
check "show: IPv4 host entry" listed "$L_HOST4"
check "show: IPv4 prefix entry" listed "$L_NET4"
check "show: IPv6 host entry" listed "$L_HOST6"
check "show: IPv6 prefix entry" listed "$L_NET6"
check "show: negative entry (nbma null)" listed "$L_NEG4"
check "show: exactly 5 entries" count_is 5
check "show: expires of the holdtime-600 entry is 600 less the time since" \
	in_range "$(expires_of 10.2.0.0/24)" $((600 - (SNAP_DONE - added_600) - 1)) 600

# One "cache get" of each entry, read at once.
gets() {
	local prefix
	for prefix in 10.255.0.2 10.2.0.0/24 fd00::3 fd02::/64; do
		ctl -j cache get "$prefix" dev dmvpn0 || return 1
	done
}
got=$(gets | json_entries | grep -v '^expires ')
check "get 10.255.0.2" test "$(sed -n 1p <<<"$got")" = "$L_HOST4"
check "get 10.2.0.0/24" test "$(sed -n 2p <<<"$got")" = "$L_NET4"
check "get fd00::3" test "$(sed -n 3p <<<"$got")" = "$L_HOST6"
check "get fd02::/64" test "$(sed -n 4p <<<"$got")" = "$L_NET6"
check "get is exact match: 10.2.0.0/23 is not found" \
	fails_with 1 "Error: no entry for 10.2.0.0/23 on dmvpn0" \
	ctl cache get 10.2.0.0/23 dev dmvpn0
check "entries counter (sysfs and stats) is 5" entry_count_is 5

# shows LINE [DEV]: a fresh "cache show" of DEV has exactly this line.
shows() {
	snapshot "${2:-dmvpn0}" && listed "$1"
}

# --- duplicates and replace -------------------------------------------------

check "duplicate add: the CLI refuses, exit 1" \
	fails_with 1 "Error: an entry for 10.255.0.2/32 already exists on dmvpn0 (use 'cache replace' to change it)" \
	ctl cache add 10.255.0.2 nbma 192.0.2.7 dev dmvpn0
check "duplicate add: the kernel says EEXIST \"an entry for this prefix exists\"" \
	fails_with 1 "Error: EEXIST: an entry for this prefix exists" \
	genl add dmvpn0 10.255.0.2 nbma=192.0.2.7
check "duplicate add changed nothing" shows "$L_HOST4"
check "the CLI refuses host bits, exit 2" \
	fails_with 2 "Error: prefix 10.2.0.1/24 has host bits set (did you mean 10.2.0.0/24?)" \
	ctl cache add 10.2.0.1/24 nbma 192.0.2.7 dev dmvpn0
check "cache replace succeeds" \
	ctl cache replace 10.255.0.2 nbma 192.0.2.7 dev dmvpn0 type dynamic multicast
check "replace changed the NBMA (and type and flags)" shows \
	"10.255.0.2/32 inet nbma=192.0.2.7 type=dynamic flags=multicast expires=null priority=0 mark=0"
check "replace without flags clears them" \
	ctl cache replace 10.255.0.2 nbma 192.0.2.2 dev dmvpn0
check "replace of a missing prefix adds it" \
	ctl cache replace 10.3.0.0/24 nbma 192.0.2.3 dev dmvpn0
check "dmvpnctl -j cache show" snapshot
check "... the replaced entry is as first added" listed "$L_HOST4"
check "... the new entry is listed" listed \
	"10.3.0.0/24 inet nbma=192.0.2.3 type=static flags=- expires=null priority=0 mark=0"
check "entries counter is 6" entry_count_is 6

# --- del -----------------------------------------------------------------------------

check "del 10.3.0.0/24" ctl cache del 10.3.0.0/24 dev dmvpn0
check "get of the deleted entry fails: no entry" \
	fails_with 1 "Error: no entry for 10.3.0.0/24 on dmvpn0" \
	ctl cache get 10.3.0.0/24 dev dmvpn0
check "del of a missing entry fails, exit 1" \
	fails_with 1 "Error: no entry for 10.3.0.0/24 on dmvpn0" \
	ctl cache del 10.3.0.0/24 dev dmvpn0
check "del of an IPv6 entry" ctl cache del fd00::3 dev dmvpn0
check "entries counter is 4" entry_count_is 4

# --- invalid input ---------------------------------------------------------------------

check "CLI: prefix length 33 refused, exit 2" \
	fails_with 2 "Error: invalid prefix length 33 for IPv4" \
	ctl cache add 10.0.0.0/33 nbma 192.0.2.2 dev dmvpn0
check "CLI: NBMA 224.0.0.1 refused by the kernel, exit 1" \
	fails_with 1 "Error: Invalid argument: NBMA address must be a unicast address" \
	ctl cache add 10.4.0.0/24 nbma 224.0.0.1 dev dmvpn0
check "CLI: holdtime 70000 refused, exit 2" \
	fails_with 2 "Error: invalid holdtime '70000' (1..65535 seconds, or 'never')" \
	ctl cache add 10.4.0.0/24 nbma 192.0.2.2 dev dmvpn0 holdtime 70000
check "CLI: negative entry with an nbma refused, exit 2" \
	fails_with 2 "Error: a negative entry has no 'nbma'" \
	ctl cache add 10.4.0.0/24 negative nbma 192.0.2.2 dev dmvpn0

cli_names_non_dmvpn() {
	local err
	err=$(ctl cache add 10.4.0.0/24 nbma 192.0.2.2 dev lo 2>&1)
	[ $? -eq 1 ] && [[ "$err" == *"no such dmvpn device"* ]] && return 0
	echo "got: $err"
	return 1
}
check "CLI: not a dmvpn device (lo): exit 1, \"no such dmvpn device\"" \
	cli_names_non_dmvpn
check "CLI: unknown device refused" \
	fails_with 1 'Error: Cannot find device "nosuch0"' \
	ctl cache add 10.4.0.0/24 nbma 192.0.2.2 dev nosuch0

# What the kernel itself answers, one request a line (the CLI refuses some
# of them before the kernel could see them, and words others its own way).
KERNEL_SAYS=$(ip netns exec "$ctl" python3 -S "$GENL" batch <<'REQUESTS'
add dmvpn0 10.3.0.0/24 nbma=192.0.2.2
add dmvpn0 10.255.0.2 nbma=192.0.2.7
add dmvpn0 10.2.0.1/24 nbma=192.0.2.7
add dmvpn0 10.0.0.0/33 nbma=192.0.2.2
add dmvpn0 fd00::/129 nbma=192.0.2.2
add dmvpn0 10.4.0.0/24 nbma=224.0.0.1
add dmvpn0 10.4.0.0/24 nbma=255.255.255.255
add dmvpn0 10.4.0.0/24 nbma=0.0.0.0
add dmvpn0 10.4.0.0/24
add dmvpn0 10.4.0.0/24 nbma=192.0.2.2 holdtime=70000
add dmvpn0 10.4.0.0/24 nbma=192.0.2.2 type=5
add dmvpn0 10.4.0.0/24 nbma=192.0.2.2 type=7
add dmvpn0 10.4.0.0/24 nbma=192.0.2.2 flags=8
add lo 10.4.0.0/24 nbma=192.0.2.2
del dmvpn0 10.3.0.0/24
del dmvpn0 10.3.0.0/24
REQUESTS
)
# kernel_said N ANSWER: line N of the answers is ANSWER.
kernel_said() {
	local got
	got=$(sed -n "$1p" <<<"$KERNEL_SAYS")
	[ "$got" = "$2" ] && return 0
	echo "got:  $got"
	echo "want: $2"
	return 1
}
check "kernel: 10.3.0.0/24 added (the batch works)" kernel_said 1 "ok"
check "kernel: duplicate add: EEXIST \"an entry for this prefix exists\"" \
	kernel_said 2 "Error: EEXIST: an entry for this prefix exists"
check "kernel: host bits are masked: 10.2.0.1/24 is 10.2.0.0/24 (EEXIST)" \
	kernel_said 3 "Error: EEXIST: an entry for this prefix exists"
check "kernel: prefix length 33 refused" \
	kernel_said 4 "Error: EINVAL: prefix length too long for the family"
check "kernel: IPv6 prefix length 129 refused" \
	kernel_said 5 "Error: ERANGE: integer out of range"
check "kernel: NBMA 224.0.0.1 refused" \
	kernel_said 6 "Error: EINVAL: NBMA address must be a unicast address"
check "kernel: NBMA 255.255.255.255 refused" \
	kernel_said 7 "Error: EINVAL: NBMA address must be a unicast address"
# 0.0.0.0 stands for "no address": either message is clear.
zero_nbma_refused() {
	kernel_said 8 "Error: EINVAL: NBMA address must be a unicast address" ||
		kernel_said 8 "Error: EINVAL: entry needs an NBMA address"
}
check "kernel: NBMA 0.0.0.0 refused" zero_nbma_refused
check "kernel: an entry without NBMA refused" \
	kernel_said 9 "Error: EINVAL: entry needs an NBMA address"
check "kernel: holdtime 70000 refused" \
	kernel_said 10 "Error: ERANGE: holding time is at most 65535 seconds"
check "kernel: negative entry with an nbma refused" \
	kernel_said 11 "Error: EINVAL: a negative entry has no NBMA address"
check "kernel: entry type 7 refused" \
	kernel_said 12 "Error: ERANGE: integer out of range"
check "kernel: unknown flag 0x8 refused" \
	kernel_said 13 "Error: EINVAL: reserved bit set"
check "kernel: not a dmvpn device (lo) refused" \
	kernel_said 14 "Error: ENODEV: no such dmvpn device"
check "kernel: del 10.3.0.0/24" kernel_said 15 "ok"
check "kernel: del of a missing entry: ENOENT \"no entry for this prefix\"" \
	kernel_said 16 "Error: ENOENT: no entry for this prefix"
check "kernel: 16 answers, one per request" \
	test "$(wc -l <<<"$KERNEL_SAYS")" -eq 16
check "nothing was added by the refused requests" entry_count_is 4

# IPsec marks (two spokes behind one NAT address): two marks at one NBMA
# address are two peers; a peer has one mask, and the mark lies within it.
MARKS_SAY=$(ip netns exec "$ctl" python3 -S "$GENL" batch <<'REQUESTS'
add dmvpn0 10.5.0.4 nbma=192.0.2.5 ipsec_mark=0x100 ipsec_mask=0xff00
add dmvpn0 10.5.0.5 nbma=192.0.2.5 ipsec_mark=0x200 ipsec_mask=0xff00
add dmvpn0 10.5.0.6 nbma=192.0.2.5 ipsec_mark=0x100 ipsec_mask=0xffff
add dmvpn0 10.5.0.6 nbma=192.0.2.5 ipsec_mark=0x10000 ipsec_mask=0xff00
add dmvpn0 10.5.0.6 nbma=192.0.2.5 ipsec_mask=0xff00
add dmvpn0 10.5.0.6 type=5 ipsec_mark=1
add dmvpn0 10.5.0.6 nbma=192.0.2.5 ipsec_mark=7
REQUESTS
)
# marks_said N ANSWER: line N of the answers is ANSWER.
marks_said() {
	KERNEL_SAYS=$MARKS_SAY kernel_said "$@"
}
check "kernel: two IPsec marks at one NBMA address" \
	eval 'marks_said 1 ok && marks_said 2 ok'
check "kernel: the same address and mark with another mask refused" \
	marks_said 3 "Error: EINVAL: this NBMA address and IPsec mark have another mask"
check "kernel: an IPsec mark outside its mask refused" \
	marks_said 4 "Error: EINVAL: the IPsec mark has bits outside its mask"
check "kernel: an IPsec mask without a mark refused" \
	marks_said 5 "Error: EINVAL: an IPsec mask needs a mark (0 is none)"
check "kernel: a negative entry with an IPsec mark refused" \
	marks_said 6 "Error: EINVAL: a negative entry has no IPsec mark"
check "kernel: an IPsec mark alone takes every bit" marks_said 7 ok
# entry_marks PREFIX: the entry's IPsec mark and mask, as the kernel says.
entry_marks() {
	genl get dmvpn0 "$1" | grep -oE 'ipsec_mark=[0-9]+ ipsec_mask=[0-9]+'
}
# marks_read_back: get says each entry's mark and mask, and none for an
# entry without one.
marks_read_back() {
	local m5 m6
	m5=$(entry_marks 10.5.0.5)
	m6=$(entry_marks 10.5.0.6)
	echo "10.5.0.5: $m5; 10.5.0.6: $m6"
	[ "$m5" = "ipsec_mark=512 ipsec_mask=65280" ] &&
		[ "$m6" = "ipsec_mark=7 ipsec_mask=4294967295" ] &&
		! genl get dmvpn0 10.255.0.2 | grep -q ipsec_mark
}
check "kernel: get says each entry's mark and mask (none without)" \
	marks_read_back
for a in 10.5.0.4 10.5.0.5 10.5.0.6; do
	genl del dmvpn0 "$a" >/dev/null || echo "# could not remove $a"
done
check "the IPsec mark entries are gone" entry_count_is 4

# --- max-entries -----------------------------------------------------------------------

for i in 1 2 3; do
	check "max-entries 3: entry $i added" \
		ctl cache add "10.5.0.$i" nbma 192.0.2.2 dev dmvpn1
done
check "max-entries 3: the 4th is refused (ENOSPC), exit 1" \
	fails_with 1 "Error: The cache is full (see the device's max-entries): cache is at the device's max-entries" \
	ctl cache add 10.5.0.4 nbma 192.0.2.2 dev dmvpn1
check "max-entries 3: still 3 entries" entry_count_is 3 dmvpn1
check "max-entries 3: replace of an entry at the limit works" \
	ctl cache replace 10.5.0.1 nbma 192.0.2.3 dev dmvpn1
check "max-entries 3: ... and changed it" shows \
	"10.5.0.1/32 inet nbma=192.0.2.3 type=static flags=- expires=null priority=0 mark=0" dmvpn1
check "max-entries 3: del makes room" ctl cache del 10.5.0.2 dev dmvpn1
check "max-entries 3: then the 4th is added" \
	ctl cache add 10.5.0.4 nbma 192.0.2.2 dev dmvpn1
check "max-entries 3: 3 entries" entry_count_is 3 dmvpn1

# --- flush -----------------------------------------------------------------------------

ctl cache add 10.6.0.0/24 nbma 192.0.2.3 dev dmvpn0 type shortcut
ctl cache add 10.7.0.0/24 nbma 192.0.2.3 dev dmvpn0 type dynamic
snapshot
before=$(grep -v '^expires ' <<<"$SNAP" | LC_ALL=C sort)

# flushed_only TYPE: "cache flush type TYPE" left every other entry as it was.
flushed_only() {
	local after want
	snapshot
	after=$(grep -v '^expires ' <<<"$SNAP" | LC_ALL=C sort)
	want=$(grep -v " type=$1 " <<<"$before")
	[ "$after" = "$want" ] && return 0
	echo "want:"
	echo "$want"
	echo "got:"
	echo "$after"
	return 1
}
check "6 entries of 4 types before the flush" \
	test "$(wc -l <<<"$before")" -eq 6
check "flush type shortcut" ctl cache flush dev dmvpn0 type shortcut
check "flush type shortcut removed only the 2 shortcut entries" \
	flushed_only shortcut
check "entries counter is 4" entry_count_is 4
check "flush of the other device" ctl cache flush dev dmvpn1
check "dmvpn1 is empty" entry_count_is 0 dmvpn1
check "... and dmvpn0 still has 4" entry_count_is 4
check "flush" ctl cache flush dev dmvpn0
check "flush removed everything" entry_count_is 0
shows_nothing() {
	local out
	out=$(ctl cache show dev dmvpn0) && [ -z "$out" ]
}
check "show lists nothing" shows_nothing

# --- a dump of 2000 entries ----------------------------------------------------

check "add 2000 entries" genl add-many dmvpn0 2000 192.0.2.9

dump_complete() {
	local out parts
	out=$(genl dump dmvpn0) || return 1
	echo "$out"
	parts=${out##* parts }
	[[ "$out" == "entries 2000 unique 2000 parts "* ]] && [ "$parts" -gt 1 ]
}
check "a dump returns 2000 distinct entries, in more than one part" \
	dump_complete

# listing_complete: the JSON listing has exactly 10.128.0.0 .. +1999.
listing_complete() {
	ctl -j cache show dev dmvpn0 | python3 -S -c '
import ipaddress, json, sys
got = sorted(int(ipaddress.IPv4Interface(e["prefix"]).ip)
             for e in json.load(sys.stdin)["entries"])
base = int(ipaddress.IPv4Address("10.128.0.0"))
want = list(range(base, base + 2000))
if got != want:
    print("got %d entries, want 2000 (first difference near %s)" % (len(got),
          next((ipaddress.IPv4Address(a) for a, b in zip(got, want) if a != b), "the end")))
    sys.exit(1)
'
}
check "dmvpnctl -j cache show lists all 2000" listing_complete
check "entries counter (sysfs and stats) is 2000" entry_count_is 2000
check "flush of 2000 entries" ctl cache flush dev dmvpn0
check "entries counter is 0" entry_count_is 0

# --- privileges -------------------------------------------------------------------------

ctl cache add 10.255.0.3 nbma 192.0.2.3 dev dmvpn0
nobody() {
	ip netns exec "$ctl" "${NOBODY[@]}" "$DMVPNCTL" "$@"
}
EPERM_TEXT="Error: Operation not permitted (need CAP_NET_ADMIN)"
check "unprivileged cache add: Operation not permitted" \
	fails_with 1 "$EPERM_TEXT" nobody cache add 10.8.0.1 nbma 192.0.2.2 dev dmvpn0
check "unprivileged cache replace: Operation not permitted" \
	fails_with 1 "$EPERM_TEXT" nobody cache replace 10.255.0.3 nbma 192.0.2.2 dev dmvpn0
check "unprivileged cache del: Operation not permitted" \
	fails_with 1 "$EPERM_TEXT" nobody cache del 10.255.0.3 dev dmvpn0
check "unprivileged cache flush: Operation not permitted" \
	fails_with 1 "$EPERM_TEXT" nobody cache flush dev dmvpn0

nobody_sees_entry() {
	local out
	out=$(nobody -j cache show dev dmvpn0 | json_entries) || return 1
	[ "$out" = "10.255.0.3/32 inet nbma=192.0.2.3 type=static flags=- expires=null priority=0 mark=0" ] &&
		return 0
	echo "got: $out"
	return 1
}
check "unprivileged cache show works (and nothing changed)" nobody_sees_entry
nobody_reads_stats() {
	nobody stats dev dmvpn0 | grep -qx 'entries  *1'
}
check "unprivileged stats works" nobody_reads_stats

# The root of a user namespace has CAP_NET_ADMIN over a netns it created.
# shellcheck disable=SC2016 # $1 is for the inner shell
userns_admin() {
	"${NOBODY[@]}" unshare --user --map-root-user --net sh -c '
		ip link add dmvpn0 type dmvpn &&
		"$1" cache add 10.8.0.0/24 nbma 192.0.2.2 dev dmvpn0 &&
		"$1" cache get 10.8.0.0/24 dev dmvpn0 | grep -q "10.8.0.0/24 .*192.0.2.2"' \
		sh "$DMVPNCTL"
}
if "${NOBODY[@]}" unshare --user --map-root-user true 2>/dev/null; then
	check "root of an unprivileged user namespace changes its own netns's cache" \
		userns_admin
else
	skip "root of an unprivileged user namespace changes its own netns's cache" \
		"unprivileged user namespaces are disabled"
fi

# --- holding time ------------------------------------------------------------------------

added=$SECONDS
check "add an entry with holdtime 12" \
	ctl cache add 10.77.0.0/24 nbma 192.0.2.2 dev dmvpn0 holdtime 12
snapshot
first=$(expires_of 10.77.0.0/24)
check "expires starts at 12 less the time since" \
	in_range "$first" $((12 - (SNAP_DONE - added) - 1)) 12
sleep 2
snapshot
check "expires counts down (2 s later)" \
	in_range "$(expires_of 10.77.0.0/24)" 1 $((first - 1))
gone() {
	! ctl cache get 10.77.0.0/24 dev dmvpn0 >/dev/null 2>&1
}
check "the expired entry is gone (at most 3 s late)" \
	wait_until $((12 - (SECONDS - added) + 3)) gone
check "entries counter is 1 again" entry_count_is 1

# --- events ---------------------------------------------------------------------------------

# shellcheck disable=SC2119 # the lab with default link options
lab_up || bail_out "cannot build the lab"
lab_hub_and_spoke_entries || bail_out "cannot fill the caches"

MONITOR_OUT=$WORK_DIR/monitor
ip netns exec "$s1" "$DMVPNCTL" monitor >"$MONITOR_OUT" 2>&1 &
MONITOR_PID=$!

# The monitor prints nothing when it is ready: an entry that expires soon
# both proves it listens and checks the "expired" event.  Until the
# monitor has joined the group an event is lost, so try a few times.
expired_event_seen() {
	local try line
	for try in 1 2 3; do
		line="expired dev dmvpn0 10.99.$try.0/24 nbma 192.0.2.99 type shortcut"
		lab_ctl s1 cache add "10.99.$try.0/24" nbma 192.0.2.99 dev dmvpn0 \
			type shortcut holdtime 1 || return 1
		if wait_until 6 grep -qxF "$line" "$MONITOR_OUT"; then
			return 0
		fi
	done
	echo "monitor output:"
	cat "$MONITOR_OUT"
	return 1
}
check "monitor: \"expired\" event of a holdtime-1 entry" expired_event_seen

counter_s1() {
	lab_counter s1 "$1"
}
miss_lines() {
	grep -c "^miss " "$MONITOR_OUT"
}
# miss_events_for ADDR N: the monitor has printed N miss events for ADDR
# (counted again at each call, so that wait_until polls it).
miss_events_for() {
	[ "$(grep -cx "miss dev dmvpn0 $1" "$MONITOR_OUT")" -eq "$2" ]
}
misses0=$(counter_s1 misses)
events0=$(counter_s1 resolve_events)

check "lan1 -> lan2: 3 pings at once (-l 3), via the hub" \
	ip netns exec "$lan1" ping -q -c 3 -l 3 -W 5 10.2.0.10
check "monitor: a \"miss\" event for 10.255.0.3 (the route's next hop)" \
	wait_until 5 grep -qx "miss dev dmvpn0 10.255.0.3" "$MONITOR_OUT"
sleep 0.5
check "monitor: one miss event for the 3 packets" test "$(miss_lines)" -eq 1
check "misses counter +3" test "$(counter_s1 misses)" -eq "$((misses0 + 3))"
check "resolve_events counter +1" \
	test "$(counter_s1 resolve_events)" -eq "$((events0 + 1))"

sleep 1.1
check "lan1 -> lan2 again, a second later" \
	ip netns exec "$lan1" ping -q -c 1 -W 5 10.2.0.10
check "monitor: a second miss event for 10.255.0.3" \
	wait_until 5 miss_events_for 10.255.0.3 2
check "lan1 -> lan2 over IPv6" \
	ip netns exec "$lan1" ping -q -6 -c 1 -W 5 fd02::10
check "monitor: a miss event for fd00::3" \
	wait_until 5 grep -qx "miss dev dmvpn0 fd00::3" "$MONITOR_OUT"
sleep 0.5
check "monitor: 3 miss events in all" test "$(miss_lines)" -eq 3
check "resolve_events counter +3, one per miss event" \
	test "$(counter_s1 resolve_events)" -eq "$((events0 + 3))"
check "misses counter +5" test "$(counter_s1 misses)" -eq "$((misses0 + 5))"
check "the monitor is still running" kill -0 "$MONITOR_PID"

test_end

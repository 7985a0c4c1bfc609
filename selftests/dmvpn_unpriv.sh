#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_unpriv.sh: what a local user without privileges can do to the host
# through the dmvpn module (genetlink and rtnetlink), and what he must not.
#
# Topology: no traffic, only devices.
#
#   netns a-<run id>                      netns b-<run id>, c-<run id>
#   +-------------------------------+     +--------------------+
#   | dmvpn0  200 entries           |     | (dmvpn0 moves in)  |
#   | vb0 ------------------------------- vb1                  |
#   | vc0 ------------------------------- vc1 (in c)           |
#   | "nobody" holds an unread dump |     +--------------------+
#   +-------------------------------+
#
#   netns of an unprivileged user (nobody: unshare -Urn), its own dmvpn0
#
# Checks:
#   - a user (nobody, in his own user and network namespace) holding an
#     unread dump of more than one part does not keep "ip link del" of the
#     device waiting: it returns within 10 s
#   - "nobody" holding an unread dump in netns a while root moves dmvpn0
#     to netns b and deletes b: the namespace cleanup goes through (its
#     veth peer vb0 goes), and the cleanup of the next namespace (c, whose
#     peer vc0 goes) is not stuck behind it
#   - after the holder lets go, its dump ends cleanly
#   - nobody cannot join the "events" multicast group of a netns he does
#     not administer (EPERM); root can; so can the root of a user's own
#     user namespace, for the netns it owns
#   - nothing suspicious in the kernel log
#
# Needs: root, iproute2 with the dmvpn plugin, python3, setpriv, unshare
# (and unprivileged user namespaces for the first check).

# The namespaces are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"

HOLDERS=()
cleanup() {
	local pid
	for pid in "${HOLDERS[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	[ -z "${WORK_DIR:-}" ] || rm -rf "$WORK_DIR"
	dmvpn_cleanup
}
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip python3 setpriv unshare timeout
require_module

WORK_DIR=$(mktemp -d "${TMPDIR:-/tmp}/dmvpn_unpriv.XXXXXX") ||
	bail_out "mktemp failed"
chmod 755 "$WORK_DIR"
GENL=$DMVPN_SELFTESTS/dmvpn_genl.py
NOBODY=(setpriv --reuid=65534 --regid=65534 --clear-groups)
# Long enough for "ip link del" under TCG on a loaded host (it takes under
# a second unhindered); a device held by a reader waits forever.
DEL_WAIT=10

# fails_with MESSAGE CMD...: CMD fails and its last line of output is
# exactly MESSAGE.
fails_with() {
	local want=$1 out
	shift
	if out=$("$@" 2>&1); then
		echo "succeeded: $out"
		return 1
	fi
	[ "${out##*$'\n'}" = "$want" ] && return 0
	echo "got:  $out"
	echo "want: $want"
	return 1
}

check "insmod $(basename "$DMVPN_KO")" module_load ||
	bail_out "the module does not load"

# --- an unread dump in the user's own namespace ------------------------------

# The whole attack as a user runs it: his own namespaces, his own device,
# 200 entries (a dump part holds about 25), a dump never read, then the
# delete.  Prints "deleted" when "ip link del" returned in time; the dump
# is let go only afterwards (the fifo closes when the shell exits).
# shellcheck disable=SC2016 # expanded by the inner shell
USERNS_SCRIPT='
set -e
ip link add dmvpn0 type dmvpn local 192.0.2.1
python3 -S "$1" add-many dmvpn0 200 192.0.2.2 >/dev/null
mkfifo "$2/hold"
python3 -S "$1" hold-dump dmvpn0 <"$2/hold" >"$2/holding" &
exec 3>"$2/hold"
i=0
until [ -s "$2/holding" ]; do
	i=$((i + 1)); [ $i -lt 600 ] || exit 3; sleep 0.1
done
ip link del dmvpn0 3>&- &
del=$!
i=0
while kill -0 $del 2>/dev/null; do
	i=$((i + 1))
	if [ $i -ge $(($3 * 10)) ]; then
		echo "ip link del still waiting after $3 s"
		exec 3>&-
		wait
		exit 1
	fi
	sleep 0.1
done
wait $del
echo deleted
'

userns_del_not_blocked() {
	local dir=$WORK_DIR/userns out
	mkdir -m 777 "$dir"
	out=$("${NOBODY[@]}" unshare --user --map-root-user --net \
		bash -c "$USERNS_SCRIPT" userns "$GENL" "$dir" "$DEL_WAIT" 2>&1)
	echo "$out"
	[ "$(tail -n 1 <<<"$out")" = deleted ]
}

if "${NOBODY[@]}" unshare --user --map-root-user true 2>/dev/null; then
	check "user namespace: ip link del returns within ${DEL_WAIT} s while nobody holds an unread dump" \
		userns_del_not_blocked
else
	skip "user namespace: ip link del while nobody holds an unread dump" \
		"unprivileged user namespaces are disabled"
fi

# --- an unread dump and namespace cleanup -----------------------------------

setup_ns a b c
ip -n "$a" link add dmvpn0 type dmvpn local 192.0.2.1 ||
	bail_out "cannot create dmvpn0"
ip -n "$a" link add vb0 type veth peer name vb1 netns "$b" ||
	bail_out "cannot create veth a-b"
ip -n "$a" link add vc0 type veth peer name vc1 netns "$c" ||
	bail_out "cannot create veth a-c"
check "200 entries on dmvpn0" \
	ip netns exec "$a" python3 -S "$GENL" add-many dmvpn0 200 192.0.2.2

mkfifo "$WORK_DIR/hold"
ip netns exec "$a" "${NOBODY[@]}" python3 -S "$GENL" hold-dump dmvpn0 \
	<"$WORK_DIR/hold" >"$WORK_DIR/holding" 2>&1 &
HOLDER=$!
HOLDERS+=("$HOLDER")
exec 3>"$WORK_DIR/hold"
holding() {
	[ -s "$WORK_DIR/holding" ] && grep -q holding "$WORK_DIR/holding"
}
check "nobody started a dump of dmvpn0 and does not read it" \
	wait_until 60 holding || bail_out "the dump did not start"

check "dmvpn0 moves to netns b" ip -n "$a" link set dmvpn0 netns "$b"
ip netns del "$b"
gone_from_a() {
	not ip -n "$a" link show "$1"
}
# The veth pair goes when netns b's devices are unregistered; netns c's
# cleanup runs only after b's has finished (one cleanup at a time).
check "netns b is being cleaned up (vb0 gone)" wait_until 60 gone_from_a vb0
ip netns del "$c"
check "netns b's cleanup finished: netns c's runs (vc0 gone within 30 s)" \
	wait_until 30 gone_from_a vc0

exec 3>&-
holder_done() {
	! kill -0 "$HOLDER" 2>/dev/null
}
check "the holder lets go and exits" wait_until 30 holder_done
wait "$HOLDER"
check "... with status 0" test $? -eq 0

# --- the events multicast group -----------------------------------------------

# Events carry the first bytes of relayed packets and missed destinations.
check "nobody cannot join the events group: Operation not permitted" \
	fails_with "Error: [Errno 1] Operation not permitted" \
	ip netns exec "$a" "${NOBODY[@]}" python3 -S "$GENL" join-events
check "root joins the events group" \
	ip netns exec "$a" python3 -S "$GENL" join-events
if "${NOBODY[@]}" unshare --user --map-root-user true 2>/dev/null; then
	check "the root of nobody's own user namespace joins its netns's events group" \
		"${NOBODY[@]}" unshare --user --map-root-user --net \
		python3 -S "$GENL" join-events
else
	skip "the root of nobody's own user namespace joins its events group" \
		"unprivileged user namespaces are disabled"
fi

test_end

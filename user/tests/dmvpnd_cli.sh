#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpnd's command line where no dmvpn device is needed: --version (one
# version for both tools, from dkms.conf), --check on the shipped examples
# and on files that cannot work, and a start that fails: it must say why
# on the terminal, with or without -f, and exit 1; with stderr on the
# journal, each line carries its priority.
#
# usage: dmvpnd_cli.sh DMVPND DMVPNCTL (from user/)
set -u
dmvpnd=$1 dmvpnctl=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
# Names no host has: --check must not find the device.
dev=dmvpnchk$$

fail() {
	echo "dmvpnd_cli: FAIL: $*"
	failed=1
}

# ---- --version
want=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' ../dkms.conf)
[ -n "$want" ] || fail "no PACKAGE_VERSION in dkms.conf"
got=$("$dmvpnd" --version) || fail "dmvpnd --version exits $?"
[ "$got" = "dmvpnd $want" ] || fail "dmvpnd --version: '$got', want 'dmvpnd $want'"
got=$("$dmvpnctl" --version) || fail "dmvpnctl --version exits $?"
[[ "$got" == "dmvpnctl $want "* ]] ||
	fail "dmvpnctl --version: '$got', want 'dmvpnctl $want ...'"

# ---- --check: the examples pass as shipped, without a warning
for role in hub spoke; do
	mkdir -p "$tmp/$role"
	# As an admin installs it: the file holds the NHRP secret.
	install -m 600 "dmvpnd/examples/$role.conf" "$tmp/$role/$dev.conf"
	"$dmvpnd" --check -c "$tmp/$role" >"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 0 ] || fail "--check $role example exits $status: $(cat "$tmp/err")"
	[ ! -s "$tmp/err" ] || fail "--check $role example warns: $(cat "$tmp/err")"
	grep -q "^$dev: $tmp/$role/$dev.conf ok; no device $dev yet" "$tmp/out" ||
		fail "--check $role example says: $(cat "$tmp/out")"
done

# ---- a secret other users may read is warned about
install -m 644 dmvpnd/examples/spoke.conf "$tmp/spoke/$dev.conf"
"$dmvpnd" --check -c "$tmp/spoke" >"$tmp/out" 2>"$tmp/err" ||
	fail "--check of a mode 644 example exits $?"
grep -q "holds the NHRP secret and other users may read it" "$tmp/err" ||
	fail "--check of a mode 644 example does not warn: $(cat "$tmp/err")"

# ---- --check: what cannot work
mkdir -p "$tmp/bad"
printf 'role hub\nnetwork-id 1\nmulticast nbma 192.0.2.9\n' >"$tmp/bad/$dev.conf"
"$dmvpnd" --check -c "$tmp/bad" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "--check with multicast nbma exits $status"
grep -q "$tmp/bad/$dev.conf:3: \"multicast nbma\" is not supported yet" "$tmp/err" ||
	fail "--check with multicast nbma says: $(cat "$tmp/err")"

printf 'role hub\nnetwork-id 1\nshortcut on\n' >"$tmp/bad/$dev.conf"
"$dmvpnd" --check -c "$tmp/bad" "$dev" >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 0 ] || fail "--check with a warning exits $status"
grep -q "warning: $tmp/bad/$dev.conf:3: shortcut is for a spoke" "$tmp/err" ||
	fail "--check does not warn about shortcut on a hub: $(cat "$tmp/err")"

"$dmvpnd" --check -c "$tmp/none" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] || fail "--check of a missing directory does not fail"

# ---- a start that fails says why, in the foreground or not: after the
# files are read (and, without -f, after the fork), the kernel's family or
# else the control socket (a path in no directory) stops it.
if [ -d /sys/module/dmvpn ]; then
	why="control socket $tmp/nodir/sock: No such file or directory"
else
	why="dmvpn kernel module not loaded"
fi
cp dmvpnd/examples/hub.conf "$tmp/hub/$dev.conf"
for mode in -f ""; do
	# shellcheck disable=SC2086 # $mode is one word or none
	timeout 20 "$dmvpnd" $mode -s "$tmp/nodir/sock" -c "$tmp/hub" \
		>"$tmp/out" 2>"$tmp/err"
	status=$?
	[ "$status" -eq 1 ] || fail "dmvpnd ${mode:-(background)}: exit $status, want 1"
	grep -q "$why" "$tmp/err" ||
		fail "dmvpnd ${mode:-(background)} does not say '$why': $(cat "$tmp/err")"
	! grep -q "Success" "$tmp/err" ||
		fail "dmvpnd ${mode:-(background)} says Success: $(cat "$tmp/err")"
done

# ---- the journal gets priorities: "<3>" for an error
: >"$tmp/journal"
JOURNAL_STREAM=$(stat -c '%d:%i' "$tmp/journal") \
	"$dmvpnd" -f -c "$tmp/none" 2>>"$tmp/journal"
grep -qx "<3>$tmp/none: No such file or directory" "$tmp/journal" ||
	fail "no '<3>' line for the journal: $(cat "$tmp/journal")"
# ... and not when stderr is something else
JOURNAL_STREAM=0:0 "$dmvpnd" -f -c "$tmp/none" 2>"$tmp/err"
! grep -q "^<3>" "$tmp/err" || fail "'<3>' on a stderr that is not the journal"

# ---- dmvpnctl -n: a namespace that is not there is an error, not the
# current namespace (the selftests' dmvpnctl -n calls show that one that
# is there is entered)
"$dmvpnctl" -n "$dev" cache show >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 1 ] || fail "dmvpnctl -n with no such namespace exits $status"
grep -qx "Error: cannot open network namespace \"$dev\": No such file or directory" "$tmp/err" ||
	fail "dmvpnctl -n with no such namespace says: $(cat "$tmp/err")"
[ ! -s "$tmp/out" ] || fail "dmvpnctl -n with no such namespace printed: $(cat "$tmp/out")"
"$dmvpnctl" -n >"$tmp/out" 2>"$tmp/err"
status=$?
[ "$status" -eq 2 ] || fail "dmvpnctl -n without a name exits $status"

[ "$failed" -eq 0 ] && echo "dmvpnd_cli: ok"
exit "$failed"

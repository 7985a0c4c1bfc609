#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The plugin inside the real ip: it must load, resolve every symbol it takes
# from ip, parse options and print a link.  Creates no link: "help" and bad
# options stop before ip talks to the kernel, and the link to print comes
# from a file (ip monitor file).  Without an ip binary it fails: make check
# runs after selftests/install-deps, which installs iproute2, so a missing
# ip is a broken setup, not a reason to pass.
#
# usage: ip_plugin.sh PLUGIN_DIR MKLINKMSG

set -u
plugin_dir=$1
mklinkmsg=$2
IP=${IP:-$(command -v ip)}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

if [ -z "$IP" ]; then
	echo "ip_plugin: FAIL: no ip binary (install iproute2)"
	exit 1
fi

fail() {
	echo "ip_plugin: FAIL: $*"
	failed=1
}

# Every symbol the plugin needs that libc does not provide must be one ip
# exports; else dlopen(RTLD_LAZY) succeeds and ip dies on the first call.
nm -D --defined-only "$IP" | awk '{ print $3 }' | sort -u >"$tmp/ip.syms"
nm -D --undefined-only "$plugin_dir/link_dmvpn.so" |
	awk '$1 == "U" && $2 !~ /@/ { print $2 }' | sort -u >"$tmp/need.syms"
missing=$(comm -23 "$tmp/need.syms" "$tmp/ip.syms")
[ -z "$missing" ] || fail "not exported by $IP: $missing"

IP_LIB_DIR=$plugin_dir "$IP" link add dmvpn-t0 type dmvpn help 2>"$tmp/help"
grep -q '^Usage: \.\.\. dmvpn ' "$tmp/help" || fail "help: $(cat "$tmp/help")"

IP_LIB_DIR=$plugin_dir "$IP" link add dmvpn-t0 type dmvpn ttl 300 2>"$tmp/ttl" &&
	fail "ttl 300 was accepted"
want='Error: argument "300" is wrong: "ttl" must be 1..255 or "inherit"'
[ "$(cat "$tmp/ttl")" = "$want" ] || fail "ttl 300: $(cat "$tmp/ttl")"

"$mklinkmsg" >"$tmp/link.msg" || fail "cannot build the link message"
IP_LIB_DIR=$plugin_dir "$IP" -d monitor file "$tmp/link.msg" >"$tmp/show" 2>&1
want='dmvpn local 192.0.2.1 dev lo key 5 ttl 64 tos inherit pmtudisc csum redirect max-entries 65536'
grep -q "^ *$want *\$" "$tmp/show" || fail "ip -d shows: $(cat "$tmp/show")"

[ $failed = 0 ] && echo "ip_plugin: 4 checks passed with $IP"
exit $failed

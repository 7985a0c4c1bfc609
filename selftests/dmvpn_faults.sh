#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_faults.sh: every allocation dmvpn.ko makes for a control request
# can fail, and a failure is only ever a clean error: no crash, no leak, no
# half-done change, no device left unusable.  Needs a kernel with fault
# injection and kmemleak (the debug kernel of "make check-debug"); on any
# other kernel it skips, so it runs only when named.
#
# Topology: one netns, no traffic.
#
#   netns ctl-<run id>
#   +-------------------------------------------+
#   | dmvpn0 (cache requests)                   |
#   | dmvpnf (made and deleted by link-add/del) |
#   +-------------------------------------------+
#
# How: failslab and fail_page_alloc count only allocations made from
# dmvpn.ko's code (their stack trace filter, require-start/require-end,
# set to the module's text), sleeping ones included.  For each request,
# selftests/dmvpn_fail_nth.py makes its 1st, 2nd, ... such allocation fail
# (/proc/thread-self/fail-nth), until the request needs no more: every
# allocation point of the request fails once.  After each attempt it checks
# (see there) that the request either succeeded or failed with ENOMEM or
# ENOBUFS (or, where the kernel's own code turns the failed allocation
# into another errno, that errno with that allocation's stack as the
# evidence), that a failed request changed nothing and a successful one did
# its job, and that the device still adds, gets and deletes entries.
#
# Checks, in order:
#   - for link add, link del (with entries of 3 prefix lengths), cache add,
#     replace, del, flush, get and dump: every allocation point fails once,
#     each request has at least one, and every check above holds
#   - with injection off again: the module unloads, and a kmemleak scan
#     finds nothing the test leaked
#   - the kernel log holds no report but the allocator's bare stack dumps
#     of failures made on purpose, between the lines "dmvpn-faults:
#     injection on" and "... off" that this test writes to it (see
#     selftests/vm/dmesg-check; the whole VM run's check honours them too)
#
# Needs: root, debugfs with failslab, fail_page_alloc and kmemleak, python3.
#
# selftests: only when named
# selftests: timeout 1500

# $ctl is assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"

DEBUGFS=/sys/kernel/debug
KMEMLEAK=$DEBUGFS/kmemleak
FAIL_NTH=$DMVPN_SELFTESTS/dmvpn_fail_nth.py
# The span of the kernel log in which allocations fail on purpose.
injection_on() {
	echo "dmvpn-faults: injection on" >/dev/kmsg
}

injection_off() {
	local attr
	for attr in failslab fail_page_alloc; do
		[ -d "$DEBUGFS/$attr" ] || continue
		echo 0 >"$DEBUGFS/$attr/require-start"
		# ULONG_MAX: the filter's "anything" value.
		echo 18446744073709551615 >"$DEBUGFS/$attr/require-end"
		echo 0 >"$DEBUGFS/$attr/probability"
	done
	echo "dmvpn-faults: injection off" >/dev/kmsg
}

cleanup() {
	injection_off 2>/dev/null
	dmvpn_cleanup
}
trap cleanup EXIT

set -u

test_begin
require_root
require_cmd ip python3
for path in "$DEBUGFS/failslab" "$DEBUGFS/fail_page_alloc" "$KMEMLEAK" /proc/thread-self/fail-nth; do
	[ -e "$path" ] || skip_all "no $path: this kernel lacks fault injection or kmemleak (make check-debug builds one)"
done
[ -e "$DEBUGFS/failslab/require-start" ] ||
	skip_all "no stack trace filter for fault injection (CONFIG_FAULT_INJECTION_STACKTRACE_FILTER)"
require_module

# Leaks from before this test are not this test's, but they stay in
# kmemleak's list ("clear" would hide them from the whole run's scan in
# selftests/vm/guest-tests): remember them.
echo scan >"$KMEMLEAK"
LEAKS_BEFORE=$(grep '^unreferenced object' "$KMEMLEAK")

check "insmod dmvpn.ko" module_load || bail_out "cannot load the module"
setup_ns ctl
check "dmvpn0 in the test netns" ip -n "$ctl" link add dmvpn0 type dmvpn local 192.0.2.1

# The module's text, from its functions in kallsyms: the filter's range,
# as 0x... (the debugfs files take any base).  The last function's end is
# not listed; a page more stays within the module's text allocation or
# its guard page.  (Fixed-width hex sorts as text.)
module_text_range() {
	local first last
	first=$(awk '$2 ~ /^[tT]$/ && $4 == "[dmvpn]" && $1 !~ /^0+$/ { print $1 }' /proc/kallsyms |
		sort | sed -n '1p;$p' | tr '\n' ' ')
	read -r first last <<<"$first"
	[ -n "$last" ] || return 1
	printf '0x%s 0x%x\n' "$first" "$((16#$last + 4096))"
}
read -r text_start text_end < <(module_text_range) || true
check "dmvpn.ko's text is in kallsyms" test -n "${text_end:-}" ||
	bail_out "cannot find dmvpn.ko's functions in /proc/kallsyms"
diag "injecting into allocations made from $text_start-$text_end"

configure_injection() {
	local attr=$1
	local dir=$DEBUGFS/$attr
	echo "$text_start" >"$dir/require-start" &&
		echo "$text_end" >"$dir/require-end" &&
		echo 32 >"$dir/stacktrace-depth" &&
		# fail-nth alone decides; nothing random.
		echo 0 >"$dir/probability" &&
		echo -1 >"$dir/times" &&
		echo 0 >"$dir/space" &&
		# Quiet until dmvpn_fail_nth.py asks for the stacks (verbose 2)
		# for its attempts.
		echo 0 >"$dir/verbose" &&
		echo N >"$dir/task-filter" &&
		# GFP_KERNEL allocations are the ones that matter most.
		echo N >"$dir/ignore-gfp-wait"
}
check "failslab: only allocations from dmvpn.ko" configure_injection failslab
check "fail_page_alloc: only allocations from dmvpn.ko" configure_injection fail_page_alloc
all_page_orders() {
	echo 0 >"$DEBUGFS/fail_page_alloc/min-order" &&
		echo N >"$DEBUGFS/fail_page_alloc/ignore-gfp-highmem"
}
check "fail_page_alloc: order 0 and highmem too" all_page_orders
injection_on

# fail_nth OP DEV MIN: one TAP test per request kind; MIN is the fewest
# allocation points it must find.  Adding a device or an entry surely
# allocates, so a count of 0 there means that the filter misses the
# module; a dump may well allocate nothing of its own.  Each attempt's
# line is shown as it ends (check() keeps a command's output until it
# fails): under KASAN and TCG an operation takes minutes, and silence
# must not look like a hang.  A real hang (no attempt ending for
# $STALL_SECONDS s) gets the blocked tasks' stacks in the kernel log.
STALL_SECONDS=180
exec {progress_fd}>&1
watch_for_stall() {
	local log=$1 op=$2 age
	while sleep 15; do
		age=$(($(date +%s) - $(stat -c %Y "$log")))
		[ "$age" -ge "$STALL_SECONDS" ] || continue
		diag "$op: no attempt ended for ${age}s: blocked tasks (sysrq w) go to the kernel log" >&"$progress_fd"
		echo w >/proc/sysrq-trigger
		return
	done
}
fail_nth() {
	local op=$1 dev=$2 min=$3 log status points watcher
	log=$(mktemp) || return 1
	watch_for_stall "$log" "$op" &
	watcher=$!
	ip netns exec "$ctl" python3 -S "$FAIL_NTH" "$op" "$dev" 2>&1 |
		tee "$log" | sed -u "s/^/# $op: /" >&"$progress_fd"
	status=${PIPESTATUS[0]}
	kill "$watcher" 2>/dev/null
	wait "$watcher" 2>/dev/null
	points=$(sed -n "s/^$op: \([0-9]*\) allocation points.*/\1/p" "$log")
	if [ "$status" -ne 0 ] || [ -z "$points" ] || [ "$points" -lt "$min" ]; then
		grep -v '^[0-9]* ok [0-9.]*s$' "$log" | tail -n 40
		if [ -n "$points" ] && [ "$points" -lt "$min" ]; then
			echo "$op: $points allocation points, fewer than $min: the filter misses dmvpn.ko"
		fi
		rm -f "$log"
		return 1
	fi
	tail -n 1 "$log" >>"$POINTS"
	rm -f "$log"
}
POINTS=$(mktemp) || bail_out "mktemp failed"
defer rm -f "$POINTS"

check "link-add: every allocation fails once, cleanly" fail_nth link-add dmvpnf 1
check "link-del: every allocation fails once, cleanly" fail_nth link-del dmvpnf 0
check "cache-add: every allocation fails once, cleanly" fail_nth cache-add dmvpn0 1
for op in cache-replace cache-del cache-flush cache-get cache-dump; do
	check "$op: every allocation fails once, cleanly" fail_nth "$op" dmvpn0 0
done

check "injection off" injection_off
diag <"$POINTS"

# The module's memory goes back with it: what is still unreferenced after
# the unload was lost.  kmemleak reports an object once it is 5 s old and
# was unreferenced in two scans in a row.
kmemleak_clean() {
	local leaks
	echo scan >"$KMEMLEAK"
	sleep 6
	echo scan >"$KMEMLEAK"
	# Each report: its "unreferenced object ADDR (size N):" line, then
	# indented lines.  The new ones only.
	leaks=$(awk -v before="$LEAKS_BEFORE" '
		BEGIN { n = split(before, b, "\n"); for (i = 1; i <= n; i++) old[b[i]] = 1 }
		/^unreferenced object/ { show = !($0 in old) }
		show' "$KMEMLEAK")
	[ -z "$leaks" ] && return 0
	head -n 60 <<<"$leaks"
	return 1
}
ip netns del "$ctl"
check "the module unloads" module_unload
check "kmemleak: nothing leaked" kmemleak_clean

test_end

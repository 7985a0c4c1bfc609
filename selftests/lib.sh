# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# selftests/lib.sh: sourced by every selftests/dmvpn_*.sh.
#
# A selftest is a bash script that prints KTAP (TAP 13) and exits 0 (pass),
# 1 (fail) or 4 (skip, KSFT_SKIP).  They run as root inside the VM started by
# selftests/run-all (selftests/vm/run), one after another in the same VM, so
# each must leave the system as it found it.  The usual shape:
#
#	source "$(dirname "$0")/lib.sh"
#	trap cleanup EXIT
#	test_begin
#	require_root
#	require_module                  # skips the whole test without a .ko
#	check "insmod dmvpn.ko" module_load
#	setup_ns hub spoke              # $hub and $spoke: unique netns names
#	check "hub has a dmvpn device"  ns_exec "$hub" ip link show dmvpn0
#	test_end                        # adds the dmesg check, prints totals, exits
#
# What the build left, and where (override any of them from the environment):
#	DMVPN_KO     the module for the running kernel
#	             (default .build/$(uname -r)/kmod/dmvpn.ko, built by run-all)
#	DMVPNCTL     the CLI (default user/dmvpnctl)
#	DMVPND       the agent (default user/dmvpnd/dmvpnd)
#	IP_LIB_DIR   where iproute2 finds the dmvpn link plugin (default user/ip),
#	             exported so that "ip link add X type dmvpn key 5" works.
#
# The TAP output comes from the kernel's own kselftest helpers
# (tools/testing/selftests/kselftest/ktap_helpers.sh), taken from the 6.12
# source tarball into .build/kselftest/ the first time they are needed.

# (Parameter expansions and read where dirname, basename, uname and cut
# would each be a process: under TCG one costs the host 60-80 ms of CPU,
# and every test sources this.)
DMVPN_SELFTESTS=${BASH_SOURCE[0]%/*}
[ "$DMVPN_SELFTESTS" != "${BASH_SOURCE[0]}" ] || DMVPN_SELFTESTS=.
DMVPN_SELFTESTS=$(cd "$DMVPN_SELFTESTS" && pwd)
DMVPN_TOP=${DMVPN_SELFTESTS%/*}
DMVPN_BUILD=$DMVPN_TOP/.build
read -r DMVPN_KERNEL_RELEASE </proc/sys/kernel/osrelease

: "${DMVPN_KO:=$DMVPN_BUILD/$DMVPN_KERNEL_RELEASE/kmod/dmvpn.ko}"
: "${DMVPNCTL:=$DMVPN_TOP/user/dmvpnctl}"
: "${DMVPND:=$DMVPN_TOP/user/dmvpnd/dmvpnd}"
: "${IP_LIB_DIR:=$DMVPN_TOP/user/ip}"
export DMVPN_KO DMVPNCTL DMVPND IP_LIB_DIR

DMVPN_MODULE_NAME=dmvpn
# (ktap_helpers.sh defines the others; this one is needed before it loads.)
KSFT_SKIP=4

# Distinct per run, so that names never collide with a test that is still
# being torn down or with someone else's namespaces on a shared host.
DMVPN_RUN_ID=${DMVPN_RUN_ID:-$$-$RANDOM}

DMVPN_TEST_NAME=${0##*/}

# Where check() keeps a command's output until it knows whether to show it
# (created by test_begin, removed by cleanup).
DMVPN_CHECK_OUTPUT=

# ---------------------------------------------------------------------------
# The kernel's KTAP helpers

DMVPN_KSRC_TARBALL=${DMVPN_KSRC_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
DMVPN_KSELFTEST_DIR=$DMVPN_BUILD/kselftest

# Extracts ktap_helpers.sh from the kernel source tarball unless it is there.
# Safe to run concurrently (extracts into a temporary directory, then renames).
dmvpn_extract_kselftest() {
	local wanted=tools/testing/selftests/kselftest/ktap_helpers.sh tmp
	[ -f "$DMVPN_KSELFTEST_DIR/ktap_helpers.sh" ] && return 0
	if [ ! -r "$DMVPN_KSRC_TARBALL" ]; then
		echo "lib.sh: $DMVPN_KSRC_TARBALL missing: run selftests/install-deps" >&2
		return 1
	fi
	mkdir -p "$DMVPN_KSELFTEST_DIR" || return 1
	tmp=$(mktemp -d "$DMVPN_KSELFTEST_DIR/.extract.XXXXXX") || return 1
	# The tarball has one top directory (linux-source-6.12/), hence the
	# wildcard; the helper lands in $tmp/<top>/tools/...
	if ! tar -xJf "$DMVPN_KSRC_TARBALL" -C "$tmp" --wildcards "*/$wanted"; then
		rm -rf "$tmp"
		echo "lib.sh: cannot extract $wanted from $DMVPN_KSRC_TARBALL" >&2
		return 1
	fi
	mv -f "$tmp"/*/"$wanted" "$DMVPN_KSELFTEST_DIR/ktap_helpers.sh"
	rm -rf "$tmp"
}

if ! dmvpn_extract_kselftest; then
	echo "1..0 # SKIP kselftest ktap_helpers.sh unavailable"
	exit "$KSFT_SKIP"
fi
# shellcheck source=/dev/null
source "$DMVPN_KSELFTEST_DIR/ktap_helpers.sh"

# ktap_helpers.sh echoes descriptions unquoted: no globbing while it does.
ktap_pass() {
	local -
	set -f
	ktap_test_pass "$1"
	step_time "$1"
}
ktap_fail() {
	local -
	set -f
	ktap_test_fail "$1"
	step_time "$1"
}
ktap_skip() {
	local -
	set -f
	ktap_test_skip "$1"
	step_time "$1"
}

# step_time DESCRIPTION: with $DMVPN_STEP_TIMES (a file; selftests/vm/
# guest-tests sets it), one line per TAP result: test, number, the wall
# and the busy CPU seconds (all CPUs, from /proc/stat) and the processes
# started since the previous result, description.  What a test spends
# waiting is wall minus CPU; under TCG a process costs tens of ms of CPU.
# Builtins only: it runs after every result.
step_time() {
	[ -n "${DMVPN_STEP_TIMES:-}" ] || return 0
	local now=${EPOCHREALTIME/[.,]/} busy forks
	step_counters busy forks
	printf '%s\t%d\t%d.%03d\t%d.%02d\t%d\t%s\n' "$DMVPN_TEST_NAME" "$((KTAP_TESTNO - 1))" \
		$(((now - DMVPN_STEP_WALL) / 1000000)) $(((now - DMVPN_STEP_WALL) / 1000 % 1000)) \
		$(((busy - DMVPN_STEP_BUSY) / 100)) $(((busy - DMVPN_STEP_BUSY) % 100)) \
		$((forks - DMVPN_STEP_FORKS)) "$1" >>"$DMVPN_STEP_TIMES"
	DMVPN_STEP_WALL=$now
	DMVPN_STEP_BUSY=$busy
	DMVPN_STEP_FORKS=$forks
}

# step_counters BUSY FORKS: from /proc/stat, the busy CPU time since boot
# in USER_HZ ticks (the "cpu" line without idle and iowait) into BUSY, and
# the processes started since boot into FORKS.
step_counters() {
	local key user nice system irq softirq steal
	{
		read -r _ user nice system _ _ irq softirq steal _
		while read -r key "$2" _ && [ "$key" != processes ]; do :; done
	} </proc/stat
	printf -v "$1" %d $((user + nice + system + irq + softirq + steal))
}

# Prints stdin as TAP diagnostics ("# ..."), so it never breaks the TAP stream.
diag() {
	if [ "$#" -gt 0 ]; then
		printf '# %s\n' "$*"
	else
		sed 's/^/# /'
	fi
}

# ---------------------------------------------------------------------------
# Test structure

DMVPN_PLAN_SET=

# test_begin: the TAP header and a mark in the kernel log for dmesg_check.
# test_end prints the plan ("1..N") at the end, which TAP allows; a test
# that knows its number of tests up front may call test_plan N instead.
test_begin() {
	DMVPN_CHECK_OUTPUT=$(mktemp "${TMPDIR:-/tmp}/dmvpn-check.XXXXXX") ||
		bail_out "mktemp failed"
	ktap_print_header
	diag "$DMVPN_TEST_NAME on $DMVPN_KERNEL_RELEASE, run id $DMVPN_RUN_ID"
	dmesg_mark
	DMVPN_STEP_WALL=${EPOCHREALTIME/[.,]/}
	step_counters DMVPN_STEP_BUSY DMVPN_STEP_FORKS
}

# test_plan N: announce N tests (counting the final dmesg check).
test_plan() {
	ktap_set_plan "$1"
	DMVPN_PLAN_SET=1
}

# test_end: the final dmesg check, the totals, and exit 0 when every test
# passed or skipped, 1 otherwise.
test_end() {
	dmesg_check
	if [ -z "$DMVPN_PLAN_SET" ]; then
		ktap_set_plan "$((KTAP_TESTNO - 1))"
	fi
	ktap_finished
}

# skip_all REASON: nothing here can run (missing tool, module not built).
skip_all() {
	ktap_skip_all "$*"
	exit "$KSFT_SKIP"
}

# bail_out REASON: stop now, as a failure.
bail_out() {
	ktap_exit_fail_msg "$*"
}

# check DESCRIPTION CMD [ARG...]: one TAP test that passes when CMD succeeds.
# CMD runs in this shell (a function may set variables); its output is kept
# aside and shown as diagnostics only when it fails.  Returns CMD's status,
# so a test can stop early: check "x" cmd || bail_out "no point going on".
check() {
	local description=$1 status
	shift
	"$@" >"$DMVPN_CHECK_OUTPUT" 2>&1
	status=$?
	if [ "$status" -eq 0 ]; then
		ktap_pass "$description"
	else
		ktap_fail "$description"
		diag "command failed (exit $status): $*"
		diag <"$DMVPN_CHECK_OUTPUT"
	fi
	return "$status"
}

# check_fail DESCRIPTION CMD [ARG...]: passes when CMD fails (the kernel must
# refuse something).  Returns 0 when CMD failed as it should.
check_fail() {
	local description=$1
	shift
	if "$@" >"$DMVPN_CHECK_OUTPUT" 2>&1; then
		ktap_fail "$description"
		diag "command should have failed but succeeded: $*"
		diag <"$DMVPN_CHECK_OUTPUT"
		return 1
	fi
	ktap_pass "$description"
	return 0
}

# not CMD [ARG...]: succeeds when CMD fails; for check "x is gone" not ...
not() {
	! "$@"
}

# skip DESCRIPTION REASON: one TAP test skipped.
skip() {
	ktap_skip "$1${2:+ ($2)}"
}

# nap SECONDS: sleep without a process: a read that times out on a pipe
# this shell holds both ends of, so nothing ever arrives.  Under TCG every
# process costs the host 60-80 ms of CPU, and sleep(1) in a poll loop was
# a good part of what the suite's polls cost.
nap() {
	[ -n "${DMVPN_NAP_FD:-}" ] || exec {DMVPN_NAP_FD}<> <(:)
	read -r -t "$1" -u "$DMVPN_NAP_FD" _ || :
}

# wait_until SECONDS CMD [ARG...]: retry CMD until it succeeds or SECONDS
# have passed; for what the kernel does asynchronously (netns teardown,
# timers, daemons coming up).  The pause between tries grows from 0.1 s to
# 0.5 s: the answer comes at once when it is quick, and a long wait costs
# few tries (each a process or more).  The last try is at or after the
# deadline.  The deadline is in microseconds: bash's SECONDS counts whole
# seconds, so "SECONDS + 3" ended between 2 and 3 s later.
wait_until() {
	local deadline=$((${EPOCHREALTIME/[.,]/} + $1 * 1000000)) pause=1
	shift
	until "$@" >/dev/null 2>&1; do
		[ "${EPOCHREALTIME/[.,]/}" -lt "$deadline" ] || return 1
		nap "0.$pause"
		[ "$pause" -ge 5 ] || pause=$((pause + 1))
	done
}

require_root() {
	[ "$(id -u)" -eq 0 ] || skip_all "needs root"
}

# require_cmd CMD...: skip the whole test when a tool is missing.
require_cmd() {
	local cmd
	for cmd in "$@"; do
		command -v "$cmd" >/dev/null 2>&1 || skip_all "needs $cmd"
	done
}

# ---------------------------------------------------------------------------
# Cleanup: everything registered here is undone, last first, on exit.

DMVPN_CLEANUP_CMDS=()
DMVPN_NAMESPACES=()
DMVPN_MODULE_USED=

# defer CMD [ARG...]: run CMD at cleanup (in reverse order of registration).
defer() {
	DMVPN_CLEANUP_CMDS+=("$(printf '%q ' "$@")")
}

# The EXIT trap: "trap cleanup EXIT" right after sourcing lib.sh.  A test
# with more to undo defines its own cleanup() that ends with dmvpn_cleanup.
cleanup() {
	dmvpn_cleanup
}

dmvpn_cleanup() {
	local i ns cmds
	for ((i = ${#DMVPN_CLEANUP_CMDS[@]} - 1; i >= 0; i--)); do
		eval "${DMVPN_CLEANUP_CMDS[i]}" >/dev/null 2>&1
	done
	DMVPN_CLEANUP_CMDS=()
	# One process for all of them; -force: on past one that is gone.
	cmds=
	for ns in "${DMVPN_NAMESPACES[@]}"; do
		cmds+="netns del $ns"$'\n'
	done
	[ -z "$cmds" ] || ip -force -batch - <<<"$cmds" >/dev/null 2>&1
	DMVPN_NAMESPACES=()
	if [ -n "$DMVPN_MODULE_USED" ] && module_is_loaded; then
		# Namespaces die asynchronously: give their devices a moment.
		wait_until 5 rmmod "$DMVPN_MODULE_NAME"
	fi
	[ -z "$DMVPN_CHECK_OUTPUT" ] || rm -f "$DMVPN_CHECK_OUTPUT"
	return 0
}

# ---------------------------------------------------------------------------
# Network namespaces

# setup_ns [--no-lo] NAME...: creates one namespace per NAME, called
# NAME-<run id>, stores that name in the variable NAME, brings its loopback
# up (not with --no-lo: the caller does, in a batch of its own), and
# deletes it at cleanup.  Example: setup_ns hub; ip -n "$hub" link ...
# All of them come from one "ip -batch" (a process less for each but the
# first: under TCG a process costs 60-80 ms of CPU or more).
setup_ns() {
	local var ns cmds='' status=0 lo=up
	if [ "${1:-}" = --no-lo ]; then
		lo=
		shift
	fi
	for var in "$@"; do
		ns=$var-$DMVPN_RUN_ID
		# ip netns add fails on a name that is there: not ours to delete.
		[ ! -e "/run/netns/$ns" ] || bail_out "cannot create netns $ns: it exists"
		cmds+="netns add $ns"$'\n'
	done
	ip -batch - <<<"$cmds" || status=$?
	for var in "$@"; do
		ns=$var-$DMVPN_RUN_ID
		[ -e "/run/netns/$ns" ] || continue
		DMVPN_NAMESPACES+=("$ns")
		printf -v "$var" '%s' "$ns"
	done
	[ "$status" -eq 0 ] || bail_out "cannot create netns $*"
	[ -n "$lo" ] || return 0
	for var in "$@"; do
		ip -n "${!var}" link set lo up
	done
}

# ns_ipv6_off NS: turns IPv6 off in NS, for links made afterwards too, so
# that no router solicitation, MLD report or DAD probe shows up in a
# counter a test reads.
ns_ipv6_off() {
	ip netns exec "$1" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
}

# iperf3_completed JSON: the iperf3 run whose "--json" report is JSON
# carried data and reported no error.
iperf3_completed() {
	python3 - "$1" <<'EOF'
import json, sys
report = json.load(open(sys.argv[1]))
if "error" in report:
    sys.exit(f"iperf3: {report['error']}")
received = report["end"]["sum_received"]["bytes"]
print(f"{received} bytes received")
sys.exit(0 if received > 0 else 1)
EOF
}

# ns_exec NS CMD [ARG...]: run CMD inside netns NS.
ns_exec() {
	local ns=$1
	shift
	ip netns exec "$ns" "$@"
}

# link_kind DEV [NS]: prints the device's rtnl kind (dmvpn, gre, veth, ...).
link_kind() {
	local dev=$1 ns=${2:-}
	ip ${ns:+-n "$ns"} -j -d link show dev "$dev" 2>/dev/null |
		grep -o '"info_kind":"[^"]*"' | head -n 1 | cut -d'"' -f4
}

# link_exists DEV [NS]
link_exists() {
	local dev=$1 ns=${2:-}
	ip ${ns:+-n "$ns"} link show dev "$dev" >/dev/null 2>&1
}

# link_is_up DEV [NS]: the device is administratively up (IFF_UP).
link_is_up() {
	local dev=$1 ns=${2:-}
	ip ${ns:+-n "$ns"} -j link show dev "$dev" 2>/dev/null | grep -q '"flags":\[[^]]*"UP"'
}

# ---------------------------------------------------------------------------
# The module

# require_module: skips the whole test when $DMVPN_KO was not built, unloads
# a copy that an earlier test left behind (every test starts from a freshly
# loaded module), and has cleanup unload the module at exit.
require_module() {
	[ -f "$DMVPN_KO" ] || skip_all "$DMVPN_KO not built"
	DMVPN_MODULE_USED=1
	if module_is_loaded; then
		diag "$DMVPN_MODULE_NAME was already loaded: unloading it first"
		rmmod "$DMVPN_MODULE_NAME" 2>&1 | diag
	fi
}

# module_load: insmod $DMVPN_KO.  Returns insmod's status.
module_load() {
	DMVPN_MODULE_USED=1
	insmod "$DMVPN_KO"
}

# module_unload: rmmod dmvpn, waiting up to 5 s for asynchronous teardown
# (netns cleanup) to drop the last users.  Returns rmmod's status.
module_unload() {
	wait_until 5 rmmod "$DMVPN_MODULE_NAME" || rmmod "$DMVPN_MODULE_NAME"
}

module_is_loaded() {
	[ -d "/sys/module/$DMVPN_MODULE_NAME" ]
}

# The modules loaded when the test began, one a line between newlines:
# unload_new_modules takes away what the test loaded beyond them (veth,
# esp4, ip_gre, ...), so that the next test in the VM finds what this one
# found.
DMVPN_MODULES_BEFORE=$'\n'
while read -r DMVPN_MODULE _; do
	DMVPN_MODULES_BEFORE+=$DMVPN_MODULE$'\n'
done </proc/modules
unset DMVPN_MODULE

# module_was_loaded NAME: NAME was loaded when the test began.
module_was_loaded() {
	[[ $DMVPN_MODULES_BEFORE == *$'\n'"$1"$'\n'* ]]
}

# unload_new_modules: rmmod every module that was not loaded when the test
# began, as long as one goes.  Fails while some are left (still in use):
# namespaces die asynchronously, so call it through wait_until.
unload_new_modules() {
	local progress=1 left mod mods
	while [ -n "$progress" ]; do
		progress=
		left=
		mods=()
		while read -r mod _; do
			mods+=("$mod")
		done </proc/modules
		for mod in "${mods[@]}"; do
			module_was_loaded "$mod" && continue
			if rmmod "$mod" 2>/dev/null; then
				progress=1
			else
				left=1
			fi
		done
	done
	[ -z "$left" ]
}

# ---------------------------------------------------------------------------
# The kernel log

DMVPN_DMESG_MODE=none
DMVPN_DMESG_MARK=
DMVPN_DMESG_LINES=0

# dmesg_mark: remembers where this test's part of the kernel log starts: a
# line written to /dev/kmsg (which also makes the log easier to read), or,
# where that is not allowed, the current number of lines.
dmesg_mark() {
	DMVPN_DMESG_MARK="dmvpn-selftest: $DMVPN_TEST_NAME start $DMVPN_RUN_ID"
	if { echo "$DMVPN_DMESG_MARK" >/dev/kmsg; } 2>/dev/null; then
		DMVPN_DMESG_MODE=mark
	elif dmesg >/dev/null 2>&1; then
		DMVPN_DMESG_LINES=$(dmesg | wc -l)
		DMVPN_DMESG_MODE=count
	else
		DMVPN_DMESG_MODE=none
	fi
}

# dmesg_since_mark: the kernel log since dmesg_mark.
dmesg_since_mark() {
	case "$DMVPN_DMESG_MODE" in
	mark) dmesg | awk -v mark="$DMVPN_DMESG_MARK" 'seen { print } index($0, mark) { seen = 1 }' ;;
	count) dmesg | tail -n "+$((DMVPN_DMESG_LINES + 1))" ;;
	esac
}

# dmesg_check: the last TAP test of every selftest: no warning, BUG, oops,
# leak or the like in the kernel log since the test began (the patterns are
# in selftests/vm/dmesg-check).
dmesg_check() {
	local report
	if [ "$DMVPN_DMESG_MODE" = none ]; then
		skip "dmesg clean" "cannot read the kernel log"
		return 0
	fi
	if report=$(dmesg_since_mark | "$DMVPN_SELFTESTS/vm/dmesg-check" -); then
		ktap_pass "dmesg clean"
	else
		ktap_fail "dmesg clean"
		diag <<<"$report"
	fi
}

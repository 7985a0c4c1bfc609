#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_package.sh: the Debian packages, installed as an admin installs
# them: dpkg builds the module with DKMS for the running kernel, the module
# loads itself on "ip link add", ip shows the options through the installed
# plugin, and the packaged dmvpnd brings up a hub and a spoke from files in
# /etc/dmvpn/.  Removing the packages leaves no module, unit or plugin
# behind, and keeps the configuration files (as Debian expects of "remove";
# "purge" then takes them).
#
# Needs the packages of "make deb" in .build/deb/ (selftests/run-all builds
# them first).  Installs into the VM's throw-away overlay, so it runs only
# in the test VM.
#
#   netns hub                                 netns spoke
#   +-------------------------+   veth    +-------------------------+
#   | wan0 192.0.2.1/24       +-----------+ wan0 192.0.2.2/24       |
#   | hub0 (dmvpn) 10.255.0.1 |           | spoke0 (dmvpn) 10.255.0.2|
#   | dmvpnd: /etc/dmvpn/     |           | dmvpnd: /etc/dmvpn/     |
#   |   hub0.conf             |           |   spoke0.conf           |
#   +-------------------------+           +-------------------------+
#
# Checks:
#   - dpkg -i of dmvpn-dkms and dmvpnd succeeds; DKMS built and installed
#     dmvpn.ko for this kernel; the module is not loaded yet; the group
#     dmvpn exists (sysusers.d)
#   - "ip link add hub0 type dmvpn ..." loads it; "ip -d link show" prints
#     the options through /usr/lib/x86_64-linux-gnu/ip/link_dmvpn.so
#   - the packaged dmvpnd (hub and spoke, files in /etc/dmvpn/): the spoke
#     registers, the hub lists it, the tunnel carries a ping
#   - the packaged manual pages render
#   - dpkg -r: no module, unit, plugin or program left, dkms knows no
#     dmvpn, the example configuration files are kept; dpkg --purge: gone
#   - dmesg is clean

# On a kernel that selftests/fetch-kernel unpacked (the newest 7.x), the
# VM mounts the cache's modules directory on /lib/modules/KVER, and its
# "build" is the cache's tree, prepared with bookworm's gcc: the headers
# package's scripts/ points into unstable's linux-kbuild, whose programs
# bookworm's glibc cannot run.  DKMS finds it as on an installed kernel.
#
# DKMS compiles the module inside the VM, under TCG: the whole test took
# 15 minutes on 6.1 and 19 on 6.12 with another VM busy on the host's
# second core, 12.5 and 8.5 in two runs on 7.2 (other VMs and builds on
# the host, not the same in both; Dec 2026).  On 6.1: dpkg -i
# 12.5 minutes, of which make 10 (on 6.12, measured apart: 40 s of
# kbuild's own set-up, 7.5 minutes for the feature probes and the 9
# objects, 30 s for the final link and BTF) and depmod about 75 s; dpkg -r
# 87 s, depmod again.  On 7.2: dpkg -i 10 and 6 minutes, of which make 7
# and 4.5 (then without BTF: the prepared tree had no vmlinux), then signing, xz and
# depmod 2.5 and 1.5; dpkg -r 115 and 105 s.  The headers come over
# 9p, but that is not what costs: the same build from a tmpfs copy of them
# took as long, and the copy 1.5 minutes more.  Too slow for make check's
# hour: "make check-package" runs it.
# selftests: only when named
# selftests: timeout 3600

# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

DEB_DIR=$DMVPN_BUILD/deb
PLUGIN=/usr/lib/x86_64-linux-gnu/ip/link_dmvpn.so
KVER=$(uname -r)
declare -A AGENT_PID=()
HIDDEN=()
LOG=
hub=
spoke=

cleanup() {
	local pid tree
	for pid in "${AGENT_PID[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	ip -n "$hub" link del hub0 2>/dev/null
	ip -n "$spoke" link del spoke0 2>/dev/null
	dpkg --purge dmvpnd dmvpn-dkms >/dev/null 2>&1
	rm -f /etc/dmvpn/hub0.conf /etc/dmvpn/spoke0.conf
	for tree in "${HIDDEN[@]}"; do
		umount "$tree"
	done
	[ -z "$LOG" ] || rm -f "$LOG"
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# Everything from the installed packages: not the build tree's plugin or
# tools that lib.sh points at.
unset IP_LIB_DIR
DMVPNCTL=/usr/sbin/dmvpnctl
DMVPND=/usr/sbin/dmvpnd

installed_module() {
	ls "/lib/modules/$KVER/updates/dkms/dmvpn.ko"* 2>/dev/null
}

# Debian's dkms postinst builds for the running kernel and for the newest
# one whose headers are installed.  The VM sees the host's kernels, so on
# 6.1 it would compile the module twice, the second time for a kernel this
# VM does not run (its own VM tests that one).  An empty tmpfs over the
# other kernels' header trees makes the VM a machine with the running
# kernel's headers only, as a server has; the overlay root is thrown away
# after the run.
only_running_kernel_headers() {
	local build tree
	for build in /lib/modules/*/build; do
		[ "$build" != "/lib/modules/$KVER/build" ] || continue
		tree=$(readlink -f "$build") || continue
		[ -d "$tree/include" ] || continue
		mount -t tmpfs -o ro,size=4k,mode=0755 dmvpn-hidden "$tree" || return 1
		HIDDEN+=("$tree")
		diag "hidden from DKMS: $tree"
	done
}

install_packages() {
	# man-db's trigger rebuilds its index over 9p: minutes under TCG, and
	# nothing this test looks at.
	rm -f /var/lib/man-db/auto-update
	date '+%T dpkg -i starts' >"$LOG"
	DEBIAN_FRONTEND=noninteractive dpkg -i "$DEB_DIR"/dmvpn-dkms_*_all.deb "$DEB_DIR"/dmvpnd_*_amd64.deb >>"$LOG" 2>&1 || {
		cat "$LOG"
		return 1
	}
	date '+%T dpkg -i ends' >>"$LOG"
}

# Where the install's time went: dpkg's and the postinst's output, and
# DKMS's make.log (its second line is the compiler's start, the file's
# time its end).
install_timeline() {
	local make_log
	diag <"$LOG"
	for make_log in /var/lib/dkms/dmvpn/*/*/*/log/make.log; do
		[ -f "$make_log" ] || continue
		diag "$make_log: make from $(date -d "$(sed -n 2p "$make_log")" +%T) to $(date -r "$make_log" +%T)"
	done
}

modprobe_finds_dkms_module() {
	modinfo -n dmvpn | grep -q "^/lib/modules/$KVER/updates/dkms/dmvpn.ko"
}

ip_shows_options() {
	local out
	out=$(ip -n "$hub" -d link show hub0) || return 1
	echo "$out"
	grep -q "dmvpn local 192.0.2.1 .*key 7" <<<"$out"
}

write_configs() {
	mkdir -p /etc/dmvpn &&
	cat >/etc/dmvpn/hub0.conf <<-CONF &&
		role hub
		network-id 7
		auth pkgtest
		holdtime 60
		multicast dynamic
	CONF
	cat >/etc/dmvpn/spoke0.conf <<-CONF
		role spoke
		network-id 7
		auth pkgtest
		holdtime 60
		nhs 10.255.0.1 nbma 192.0.2.1 multicast
	CONF
}

# agent_start NODE DEV: the packaged dmvpnd in NODE's namespace, serving
# DEV from /etc/dmvpn/DEV.conf (its default configuration directory).
agent_start() {
	ip netns exec "${!1}" "$DMVPND" -f "$2" >>"$LOG.$1" 2>&1 &
	AGENT_PID[$1]=$!
}

hub_lists_spoke() {
	ip netns exec "$hub" "$DMVPNCTL" show dmvpn | grep -q '192\.0\.2\.2'
}

man_pages_render() {
	local page
	for page in dmvpnd.8 dmvpnctl.8 dmvpnd.conf.5 dmvpn.4; do
		MANWIDTH=80 man --warnings -l "/usr/share/man/man${page##*.}/$page.gz" \
			2>&1 >/dev/null | grep . && return 1
	done
	return 0
}

nothing_left() {
	local left=0 path
	for path in /usr/sbin/dmvpnd /usr/sbin/dmvpnctl "$PLUGIN" \
		/lib/systemd/system/dmvpnd.service /usr/src/dmvpn-*; do
		[ -e "$path" ] && { echo "left: $path"; left=1; }
	done
	installed_module && { echo "left: the module"; left=1; }
	dkms status dmvpn 2>/dev/null | grep . && left=1
	return "$left"
}

conffiles_kept() {
	[ -f /etc/dmvpn/hub.conf.example ] && [ -f /etc/dmvpn/spoke.conf.example ]
}

conffiles_gone() {
	[ ! -e /etc/dmvpn/hub.conf.example ] && [ ! -e /etc/dmvpn/spoke.conf.example ]
}

test_begin
require_root
require_cmd dpkg dkms modinfo ip man
[ -n "${DMVPN_VM_OUTDIR:-}" ] ||
	skip_all "installs packages: runs only in the test VM"
LOG=$(mktemp)
# lib.sh's cleanup unloads the module, loaded here by ip and modprobe.
# shellcheck disable=SC2034
DMVPN_MODULE_USED=1
setup_ns hub spoke

check "the packages of make deb are there" \
	ls "$DEB_DIR"/dmvpn-dkms_*_all.deb "$DEB_DIR"/dmvpnd_*_amd64.deb ||
	bail_out "run make deb first"
check "no dmvpn module before the install" not installed_module
only_running_kernel_headers || bail_out "cannot hide the other kernels' headers"
diag "DKMS builds against $(readlink -f "/lib/modules/$KVER/build")"
check "dpkg -i dmvpn-dkms dmvpnd (DKMS builds the module)" install_packages ||
	bail_out "the packages do not install"
install_timeline
check "DKMS installed dmvpn.ko for $KVER" installed_module
check "modprobe finds the DKMS module" modprobe_finds_dkms_module
check "not loaded yet" not module_is_loaded
check "the group dmvpn (read-only dmvpnctl) exists" getent group dmvpn

ip link add wan0 netns "$hub" type veth peer name wan0 netns "$spoke"
ip -n "$hub" addr add 192.0.2.1/24 dev wan0
ip -n "$spoke" addr add 192.0.2.2/24 dev wan0
ip -n "$hub" link set wan0 up
ip -n "$spoke" link set wan0 up
check "ip link add hub0 type dmvpn loads the module" \
	ip -n "$hub" link add hub0 type dmvpn local 192.0.2.1 key 7
check "the module is loaded" module_is_loaded
check "ip -d link show prints the options (installed plugin)" ip_shows_options
check "ip link add spoke0 type dmvpn" \
	ip -n "$spoke" link add spoke0 type dmvpn local 192.0.2.2 key 7
ip -n "$hub" addr add 10.255.0.1/24 dev hub0
ip -n "$spoke" addr add 10.255.0.2/24 dev spoke0
ip -n "$hub" link set hub0 up
ip -n "$spoke" link set spoke0 up

check "hub and spoke configuration in /etc/dmvpn/" write_configs
agent_start hub hub0
agent_start spoke spoke0
if ! check "the packaged dmvpnd: the hub lists the registered spoke" \
	wait_until 20 hub_lists_spoke; then
	diag <"$LOG.hub"
	diag <"$LOG.spoke"
fi
check "spoke pings the hub through the tunnel" \
	ip netns exec "$spoke" ping -c 3 -i 0.2 -W 2 10.255.0.1
check "the packaged manual pages render without warnings" man_pages_render

for node in hub spoke; do
	kill "${AGENT_PID[$node]}" && wait "${AGENT_PID[$node]}"
	unset "AGENT_PID[$node]"
	rm -f "$LOG.$node"
done
ip -n "$hub" link del hub0
ip -n "$spoke" link del spoke0
check "rmmod dmvpn" wait_until 5 module_unload
removed=$SECONDS
check "dpkg -r dmvpnd dmvpn-dkms" dpkg -r dmvpnd dmvpn-dkms
diag "dpkg -r took $((SECONDS - removed)) s"
check "nothing left: module, DKMS tree, unit, plugin, programs" nothing_left
check "configuration files kept after remove" conffiles_kept
check "dpkg --purge takes them" dpkg --purge dmvpnd dmvpn-dkms
check "configuration files gone after purge" conffiles_gone

test_end

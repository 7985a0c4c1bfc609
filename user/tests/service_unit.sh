#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The systemd unit as "make install" renders it must pass
# "systemd-analyze verify" without a word: an unknown key or value is only a
# warning there (exit 0), so any output fails too, as does an ExecStart that
# is not the installed dmvpnd.  Installs into a scratch prefix.  Without
# systemd-analyze it fails: make check runs after selftests/install-deps,
# which installs systemd.
#
# usage: service_unit.sh (from user/)

set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "service_unit: FAIL: no systemd-analyze (install systemd)"
	exit 1
fi
if ! make -s install PREFIX="$tmp/usr" SYSTEMD_DIR="$tmp/systemd" \
	DOC_DIR="$tmp/doc" IP_LIB_DIR="$tmp/ip" >"$tmp/install.log" 2>&1; then
	echo "service_unit: FAIL: make install: $(cat "$tmp/install.log")"
	exit 1
fi
unit=$tmp/systemd/dmvpnd.service
grep -qx "ExecStart=$tmp/usr/sbin/dmvpnd --foreground --config /etc/dmvpn" \
	"$unit" || {
	echo "service_unit: FAIL: ExecStart is not the installed dmvpnd:"
	grep '^ExecStart' "$unit"
	exit 1
}
# The hardening issue 14 asks for, and readiness by sd_notify.
for want in Type=notify RestrictAddressFamilies= SystemCallFilter= \
	ProtectKernelTunables=yes ProtectKernelModules=yes \
	ProtectKernelLogs=yes PrivateDevices=yes RestrictNamespaces=yes \
	MemoryDenyWriteExecute=yes NoNewPrivileges=yes; do
	grep -q "^$want" "$unit" || {
		echo "service_unit: FAIL: no $want in the unit"
		exit 1
	}
done
if ! systemd-analyze verify --man=no "$unit" >"$tmp/verify" 2>&1 ||
	[ -s "$tmp/verify" ]; then
	echo "service_unit: FAIL: systemd-analyze verify:"
	cat "$tmp/verify"
	exit 1
fi
echo "service_unit: the rendered unit passes systemd-analyze verify"

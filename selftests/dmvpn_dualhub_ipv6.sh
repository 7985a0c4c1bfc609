#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_dualhub_ipv6.sh: dmvpn_dualhub.sh (its diagram and checks) with
# IPv6 inside, over the IPv4 underlay: tunnel fd00::/64 (hub 1 fd00::1,
# hub 2 fd00::6, spokes fd00::2 and ::3), LANs fd01::/64 and fd02::/64,
# the DC fd09::/64 over core links fd16:1::/64 and fd16:2::/64; dmvpnd's
# NHSs and BGP over the IPv6 tunnel addresses.
#
# About 80 s under TCG.
# selftests: long
# Only when named, for CI time (about 90 to 180 s per kernel); the echo
# once lost on 7.2 is understood (README, Two hubs).
# selftests: only when named

DUALHUB_INNER=6
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/dmvpn_dualhub.sh"

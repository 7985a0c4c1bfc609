#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_dualhub_ospf.sh: dmvpn_dualhub.sh (its diagram and checks) with
# FRR ospfd instead of bgpd: area 0 over the tunnel (point-to-multipoint,
# hello 3 s, dead interval 9 s as BGP's hold time), the core links
# (point-to-point) and the LANs; hub 2's core link costs 100 against hub
# 1's 10, so that spokes and DC prefer hub 1.  The hubs copy OSPF's
# multicast to every registered spoke ("multicast dynamic") and to each
# other ("nhs ... multicast").
#
# About 80 s under TCG.
# selftests: long

DUALHUB_IGP=ospf
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/dmvpn_dualhub.sh"

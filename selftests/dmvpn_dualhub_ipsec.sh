#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_dualhub_ipsec.sh: dmvpn_dualhub.sh (its diagram and checks) with
# IPsec on every tunnel: an SA from each spoke to each hub, kept up, so
# that failover costs no IKE; a hub that reboots is found again by IKE.
#
# About 2 minutes under TCG (more when it is the first IPsec test after
# boot: the first IKE_SA is slow).
# selftests: timeout 500
# selftests: long
# Only when named, for CI time (about 90 to 180 s per kernel); the echo
# once lost on 7.2 is understood (README, Two hubs).
# selftests: only when named

DUALHUB_IPSEC=1
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/dmvpn_dualhub.sh"

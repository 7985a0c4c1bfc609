# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0
#
# interop.sh: the lab where dmvpnd and FRR's nhrpd meet
# (dmvpn_frr_interop.sh, dmvpn_ipsec_frr.sh).  Sourced after lib.sh, lab.sh,
# agent.sh and frr.sh.  Node INDEX is 192.0.2.INDEX on the underlay and
# 10.255.0.INDEX on the tunnel; FRR runs on Linux ip_gre in NBMA mode (gre1:
# a local address, no remote), dmvpnd on dmvpn0, both with key $KEY.

# The lab's namespace variables are assigned by setup_ns.
# shellcheck disable=SC2154,SC2034

KEY=42

# interop_underlay_up NODE INDEX: NODE on the "Internet" as 192.0.2.INDEX.
interop_underlay_up() {
	lab_wan_join "$1" "192.0.2.$2/24" &&
	ip netns exec "$(lab_ns "$1")" sysctl -qw net.ipv4.ip_forward=1
}

# interop_lab_up: the underlay's bridge, hub and s1-s3 on it, lan1-lan3.
interop_lab_up() {
	ip -n "$wan" link add br0 type bridge mcast_snooping 0 &&
	ip -n "$wan" link set br0 up &&
	interop_underlay_up hub 1 && interop_underlay_up s1 2 &&
	interop_underlay_up s2 3 && interop_underlay_up s3 4 &&
	lab_lan_up 1 && lab_lan_up 2 && lab_lan_up 3
}

# interop_dmvpn_up NODE INDEX [ARG...]: dmvpn0 with 10.255.0.INDEX/24, and
# ARGs for ip link (require-ipsec).
interop_dmvpn_up() {
	local ns
	ns=$(lab_ns "$1")
	ip -n "$ns" link add dmvpn0 type dmvpn local "192.0.2.$2" key "$KEY" \
		ttl 64 "${@:3}" &&
	ip -n "$ns" addr add "10.255.0.$2/24" dev dmvpn0 &&
	ip -n "$ns" link set dmvpn0 up
}

# interop_gre_up NODE INDEX: ip_gre in NBMA mode (no remote),
# 10.255.0.INDEX/32.
interop_gre_up() {
	local ns
	ns=$(lab_ns "$1")
	ip -n "$ns" link add gre1 type gre local "192.0.2.$2" key "$KEY" ttl 64 &&
	ip -n "$ns" addr add "10.255.0.$2/32" dev gre1 &&
	ip -n "$ns" link set gre1 up
}

# interop_nhs_up NODE: dmvpnd on NODE has its NHS 192.0.2.1 up.
interop_nhs_up() {
	local out
	out=$(lab_ctl "$1" -j show nhrp nhs 2>&1)
	[[ $out == *\"nbma\":\"192.0.2.1\"*\"state\":\"up\"* ]] || {
		echo "$1: $out"
		return 1
	}
}

# interop_alive NODE|frr:NODE...: the agents and FRR daemons named still run.
interop_alive() {
	local what
	for what in "$@"; do
		case "$what" in
		frr:*) frr_alive "${what#frr:}" || return 1 ;;
		*) agent_alive "$what" || return 1 ;;
		esac
	done
}

# interop_hub_forwarded: the datagrams the hub's IP layer forwarded:
# relayed spoke-to-spoke traffic, whichever implementation the hub runs
# (NHRP is not counted).  For no_relay_during (agent.sh).
interop_hub_forwarded() {
	# shellcheck disable=SC2016 # awk's own variables
	ip netns exec "$hub" awk '/^Ip:/ {
		if (!col) { for (i = 1; i <= NF; i++) if ($i == "ForwDatagrams") col = i }
		else print $col }' /proc/net/snmp
}
RELAY_COUNT=interop_hub_forwarded

# interop_phase3_nflog: nhrpd on the hub learns of hairpinned packets
# through NFLOG only; queue-threshold 1 hands each one over at once
# instead of after nfnetlink_log's 1 s.
interop_phase3_nflog() {
	ip netns exec "$hub" nft -f - <<-'NFT'
		table inet dmvpn_frr {
			chain forward {
				type filter hook forward priority 0;
				iifname "gre1" oifname "gre1" limit rate 20/second log group 1 snaplen 128 queue-threshold 1
			}
		}
	NFT
}

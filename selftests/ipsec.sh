#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# ipsec.sh: helpers for the IPsec selftests (dmvpn_ipsec_*.sh), sourced
# after lib.sh, lab.sh, agent.sh and capture.sh: one charon-systemd per
# namespace, dmvpnd's ipsec lines, and what the underlay capture holds.
#
# A test defines swanctl_conf NODE ARGS..., which writes
# $CONF/NODE/swanctl.conf; charon_start NODE ARGS... passes ARGS on to it.

# The lab's namespace variables are assigned by setup_ns; IKE and START
# are for the tests that source this.
# shellcheck disable=SC2154,SC2034

CHARON=${CHARON:-/usr/sbin/charon-systemd}
# CHARON_OPENSSL=no: the gmp plugin's MODP groups only, as without
# libstrongswan-standard-plugins; IKE then takes many seconds under TCG,
# longer than a resolution's retries (the requester must wait for it).
CHARON_OPENSSL=${CHARON_OPENSSL:-yes}
# More of charon-systemd's settings (strongswan.conf lines), for every
# charon a test starts.
CHARON_SETTINGS=${CHARON_SETTINGS:-}
declare -A CHARON_PID=()
IKE='udp port 500 or udp port 4500'

vici() {
	echo "unix://$CONF/$1/charon.vici"
}

# xfrm_warm_up NODE: an ESP SA with AES-GCM added to NODE's kernel and
# deleted again, once per test.  The kernel builds (and self-tests) the
# crypto an SA needs when the first SA with it comes, loading its modules:
# the first SA after a VM boots took so long under TCG that a test's short
# lifetimes ran out at the responder before the initiator had its answer
# (dmvpn_ipsec_rekey_busy.sh failed 6 of 7 first runs after boot).  It
# stays built, so the cost is paid here, before any IKE_SA, once per boot.
XFRM_WARM=
xfrm_warm_up() {
	[ -z "$XFRM_WARM" ] || return 0
	XFRM_WARM=1
	local ns key
	ns=$(lab_ns "$1")
	key=0x$(printf '%040d' 1)
	ip -n "$ns" xfrm state add src 192.0.2.250 dst 192.0.2.251 proto esp \
		spi 0x100 mode transport aead 'rfc4106(gcm(aes))' "$key" 128 &&
		ip -n "$ns" xfrm state del src 192.0.2.250 dst 192.0.2.251 \
			proto esp spi 0x100
}

# charon_start NODE ARGS...: charon in NODE's namespace, swanctl.conf (as
# swanctl_conf NODE ARGS... writes it) loaded.
charon_start() {
	local node=$1 dir=$CONF/$1
	shift
	xfrm_warm_up "$node" || return 1
	mkdir -p "$dir"
	# A charon that was killed leaves its socket behind.
	rm -f "$dir/charon.vici"
	cat >"$dir/strongswan.conf" <<-EOF
	charon-systemd {
		load_modular = yes
		install_routes = no
		$CHARON_SETTINGS
		plugins {
			include /etc/strongswan.d/charon/*.conf
			vici {
				socket = unix://$dir/charon.vici
			}
			openssl {
				load = $CHARON_OPENSSL
			}
			# libcharon-extra-plugins' forecast joins multicast
			# groups on every interface: IGMP on the underlay.
			forecast {
				load = no
			}
		}
		journal {
			default = -1
		}
		# charon's own log, for checks and a failure's post mortem:
		# written line by line (swanctl --log's stdout, a file, was
		# block-buffered: a check could miss what it had not written
		# yet, and what was left went with the kill), with times, and
		# appended to across a restart.
		filelog {
			charon {
				path = $CONF/$node-charon.log
				time_format = %T
				time_add_ms = yes
				flush_line = yes
				default = 1
			}
		}
	}
	EOF
	swanctl_conf "$node" "$@"
	ip netns exec "$(lab_ns "$node")" env STRONGSWAN_CONF="$dir/strongswan.conf" \
		"$CHARON" >"$dir/charon.out" 2>&1 &
	CHARON_PID[$node]=$!
	wait_until 20 test -S "$dir/charon.vici" || return 1
	swanctl_load "$node"
}

# swanctl_load NODE: what swanctl.conf holds, and the credentials in the
# directories beside it (x509/, x509ca/, private/), into NODE's charon.
swanctl_load() {
	SWANCTL_DIR=$CONF/$1 swanctl --load-all --file "$CONF/$1/swanctl.conf" \
		--uri "$(vici "$1")" \
		>"$CONF/$1/load.out" 2>&1 || { cat "$CONF/$1/load.out"; return 1; }
}

charons_stop() {
	local node
	for node in "${!CHARON_PID[@]}"; do
		kill -TERM "${CHARON_PID[$node]}" 2>/dev/null
	done
	for node in "${!CHARON_PID[@]}"; do
		charon_stop "$node"
	done
}

# charon_stop NODE: NODE's charon, on TERM.  A charon winding down its
# IKE_SAs may not end on TERM: one hung past a selftest's timeout after
# all its checks had passed (6.12, in CI, with IKE_SAs rekeying every few
# seconds).  Ten seconds, then KILL.
charon_stop() {
	local pid=${CHARON_PID[$1]} tries
	kill -TERM "$pid" 2>/dev/null
	for ((tries = 0; tries < 100; tries++)); do
		running "$pid" || break
		nap 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	# This charon only: a bare wait would wait for tcpdump and the
	# swanctl --log readers too, which the deferred kills stop.
	wait "$pid" 2>/dev/null
	unset "CHARON_PID[$1]"
}

# charon_idle NODE: NODE's IKE_SAs deleted one by one, each once its peer
# has answered the DELETE.  A charon stopped with IKE_SAs up sends their
# DELETEs as it goes, and the peers' answers then find no one: an ICMP
# port unreachable in clear on the underlay (seen on 7.2, in CI).
charon_idle() {
	local id left
	# One may go meanwhile (its peer deleted it first): not an error.
	for id in $(ike_sa_ids "$1"); do
		swanctl --terminate --ike-id "$id" --timeout 10 \
			--uri "$(vici "$1")" >/dev/null 2>&1
	done
	left=$(ike_sa_ids "$1")
	[ -z "$left" ] || { echo "$1's charon still has IKE_SAs #$left"; return 1; }
}

# ike_sa_ids NODE: the unique ids of NODE's IKE_SAs.
ike_sa_ids() {
	swanctl --list-sas --uri "$(vici "$1")" 2>/dev/null |
		sed -n 's/^[^ ][^:]*: #\([0-9]*\),.*/\1/p'
}

# charons_alive: every charon started still runs.
charons_alive() {
	local node
	for node in "${!CHARON_PID[@]}"; do
		running "${CHARON_PID[$node]}" || {
			echo "charon on $node died:"
			tail -n 20 "$CONF/$node/charon.out"
			return 1
		}
	done
}

# running PID: the process is there and not a zombie waiting to be reaped.
running() {
	local stat state
	{ read -r stat <"/proc/$1/stat"; } 2>/dev/null || return 1
	# The field after the command's name in parentheses.
	state=${stat##*) }
	state=${state%% *}
	[ -n "$state" ] && [ "$state" != Z ]
}

# agent_ipsec_conf NODE LINES: dmvpnd's file with the profile "dmvpn" of
# NODE's own charon and swanctl.conf.
agent_ipsec_conf() {
	agent_conf "$1" "$2
network-id 7
holdtime $HOLD
ipsec profile dmvpn
ipsec vici $CONF/$1/charon.vici
ipsec swanctl $CONF/$1/swanctl.conf"
}

# ipsec_agents_start HUB_LINES: dmvpnd on the hub (role hub and
# HUB_LINES) and on both spokes, each with its charon's profile.
ipsec_agents_start() {
	agent_ipsec_conf hub "role hub
$1"
	spoke_conf s1
	spoke_conf s2
	agent_start hub
	agent_start s1
	agent_start s2
}

spoke_conf() {
	agent_ipsec_conf "$1" "role spoke
nhs 10.255.0.1 nbma 192.0.2.1 multicast"
}

# logged_before NODE FIRST SECOND: NODE's log has FIRST, and SECOND only
# after it.
logged_before() {
	local a b
	a=$(grep -nF -m1 "$2" "$CONF/$1.log" | cut -d: -f1)
	b=$(grep -nF -m1 "$3" "$CONF/$1.log" | cut -d: -f1)
	if [ -n "$a" ] && [ -n "$b" ] && [ "$a" -lt "$b" ]; then
		return 0
	fi
	echo "$1: '$2' on line ${a:-none}, '$3' on line ${b:-none}"
	return 1
}

# no_sa_between NODE A B: NODE's kernel has no xfrm state between A and B.
no_sa_between() {
	local states
	states=$(ip -n "$(lab_ns "$1")" xfrm state)
	! grep -qE "src $2 dst $3|src $3 dst $2" <<<"$states" || {
		grep -A3 -E "src $2 dst $3|src $3 dst $2" <<<"$states"
		return 1
	}
}

sa_between() {
	! no_sa_between "$@"
}

# captured_since MARK FILTER: how many packets the capture holds, taken
# after MARK, that the pcap FILTER matches.  tcpdump filters and awk
# counts: a bash loop over every packet of the run takes minutes under TCG.
# A filter tcpdump cannot compile counts -1, never a vacuous 0.
captured_since() {
	tcpdump -d -r "$CAPTURE_DIR/pcap" "$2" >/dev/null 2>&1 || {
		echo -1
		return
	}
	tcpdump -tt -n -r "$CAPTURE_DIR/pcap" "$2" 2>/dev/null |
		awk -v mark="$1" '{ sub(/\./, "", $1) } $1 + 0 > mark + 0 { n++ }
				  END { print n + 0 }'
}

# none_captured_since MARK FILTER: not one such packet.
none_captured_since() {
	local n
	n=$(captured_since "$1" "$2")
	[ "$n" -eq 0 ] || {
		echo "$n packets match '$2':"
		tcpdump -tt -n -v -r "$CAPTURE_DIR/pcap" "$2" 2>/dev/null | head -n 12
		return 1
	}
}

# some_captured_since MARK FILTER: at least one such packet.
some_captured_since() {
	[ "$(captured_since "$1" "$2")" -gt 0 ]
}

# ipsec_capture_begin: the underlay capture from here to the end.
ipsec_capture_begin() {
	CAPTURE_DIR=$CONF/capture
	mkdir -p "$CAPTURE_DIR"
	check "capture on the underlay" capture_start "$wan" br0 ||
		bail_out "no capture"
	START=$(capture_mark)
}

# ipsec_psk_conf NODE [trap | CHILD_LINES]: NODE's swanctl.conf: the
# connection "dmvpn" (dmvpnd's profile), PSK ($IPSEC_PSK), transport mode
# for GRE with any address, CHILD_LINES (marks, say) in its child.  With
# "trap", its child is a trap policy for GRE to any address instead, as
# FRR's users run stock strongSwan: charon initiates on the first packet
# to a peer and answers any peer.
ipsec_psk_conf() {
	local remote_ts=dynamic extra=${2:-}
	if [ "$extra" = trap ]; then
		remote_ts=0.0.0.0/0
		extra="start_action = trap"
	fi
	cat >"$CONF/$1/swanctl.conf" <<-EOF
	connections {
		dmvpn {
			remote_addrs = %any
			local {
				auth = psk
			}
			remote {
				auth = psk
			}
			children {
				gre {
					mode = transport
					local_ts = dynamic[gre]
					remote_ts = ${remote_ts}[gre]
					$extra
				}
			}
		}
	}
	secrets {
		ike-dmvpn {
			secret = "${IPSEC_PSK:-s3cret-psk}"
		}
	}
	EOF
}

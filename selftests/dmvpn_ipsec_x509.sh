#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dmvpn_ipsec_x509.sh: IPsec with X.509 certificates (issue 11): a test CA
# made with pki at test time, the hub and a spoke authenticate with its
# certificates; a spoke whose certificate comes from another CA does not
# get in, and its agent says why.
#
# About 1 minute under TCG.
# selftests: timeout 300
#
#                       netns wan: bridge br0, tcpdump from start to stop
#          +-------------------+-------------------+
#          | 192.0.2.1         | 192.0.2.2         | 192.0.2.3
#      +---+----+          +---+----+          +---+----+
#      |  hub   |   ESP    |   s1   |   IKE    |   s2   |
#      | dmvpnd |<-------->| dmvpnd |  (only)  | dmvpnd |
#      | charon |          | charon |          | charon |
#      +--------+          +--------+          +--------+
#      CN=hub              CN=s1               CN=s2
#      (test CA)           (test CA)           (rogue CA)
#
# Each node's swanctl.conf names its certificate (x509/NODE.pem), its key
# is in private/, and the profile's remote side takes certificates of the
# test CA only (cacerts = ca.pem, from x509ca/).  dmvpnd's copies carry
# the certificate files, read from beside swanctl.conf as swanctl does.
#
# Checks:
#   - s1 registers over an SA authenticated by certificates (charon on the
#     hub lists the IKE_SA with remote CN=s1)
#   - s2 (rogue CA) does not register; its agent logs the initiation's
#     failure with charon's reason (AUTHENTICATION_FAILED), and the hub's
#     charon says it found no trusted key for CN=s2
#   - the underlay: IKE and ESP only, 0 GRE in clear
#   - dmesg is clean

# The lab's namespace variables are assigned by setup_ns.
# shellcheck source-path=SCRIPTDIR disable=SC2154
source "$(dirname "$0")/lib.sh"
# shellcheck source=SCRIPTDIR/lab.sh
source "$DMVPN_SELFTESTS/lab.sh"
# shellcheck source=SCRIPTDIR/agent.sh
source "$DMVPN_SELFTESTS/agent.sh"
# shellcheck source=SCRIPTDIR/capture.sh
source "$DMVPN_SELFTESTS/capture.sh"
# shellcheck source=SCRIPTDIR/ipsec.sh
source "$DMVPN_SELFTESTS/ipsec.sh"

HOLD=30

cleanup() {
	agents_stop KILL
	charons_stop
	agent_logs_keep ipsec-x509-logs
	dmvpn_cleanup
}
trap cleanup EXIT
set -u

# pki, its plugin loader's complaints kept apart.
pki() {
	command pki "$@" 2>>"$CONF/pki.log"
}

# ca_make NAME: a self-signed CA in $CONF/pki/NAME.{key,pem}.
ca_make() {
	local dir=$CONF/pki
	mkdir -p "$dir"
	pki --gen --type ecdsa --size 256 --outform pem >"$dir/$1.key" &&
		pki --self --ca --lifetime 2 --in "$dir/$1.key" --type ecdsa \
			--dn "CN=dmvpn $1" --outform pem >"$dir/$1.pem"
}

# cert_make NODE CA: NODE's key and a certificate for CN=NODE from CA,
# where swanctl and dmvpnd look for them.
cert_make() {
	local node=$1 ca=$CONF/pki/$2 dir=$CONF/$1
	mkdir -p "$dir/x509" "$dir/x509ca" "$dir/private"
	pki --gen --type ecdsa --size 256 --outform pem >"$dir/private/$node.key" &&
		pki --pub --in "$dir/private/$node.key" --type ecdsa |
		pki --issue --lifetime 2 --cacert "$ca.pem" --cakey "$ca.key" \
			--dn "CN=$node" --san "$(lab_nbma "$node")" \
			--outform pem >"$dir/x509/$node.pem" &&
		cp "$CONF/pki/ca.pem" "$dir/x509ca/ca.pem"
}

# swanctl_conf NODE: the profile, authenticated by certificates.
swanctl_conf() {
	cat >"$CONF/$1/swanctl.conf" <<-EOF
	connections {
		dmvpn {
			remote_addrs = %any
			local {
				auth = pubkey
				certs = $1.pem
			}
			remote {
				auth = pubkey
				cacerts = ca.pem
			}
			children {
				gre {
					mode = transport
					local_ts = dynamic[gre]
					remote_ts = dynamic[gre]
				}
			}
		}
	}
	EOF
}

test_begin
agent_lab_begin ip ping tcpdump swanctl pki "$CHARON"
ipsec_capture_begin

check "a test CA and a rogue one, made with pki" \
	eval "ca_make ca && ca_make rogue"
check "certificates: hub and s1 from the test CA, s2 from the rogue CA" \
	eval "cert_make hub ca && cert_make s1 ca && cert_make s2 rogue"
for node in hub s1 s2; do
	check "$node: require-ipsec" \
		ip -n "$(lab_ns $node)" link set dmvpn0 type dmvpn require-ipsec
	check "charon up on $node, its key and certificates loaded" \
		charon_start $node || bail_out "no charon"
done

ipsec_agents_start "multicast dynamic"

check "s1 registers: hub has 10.255.0.2 at 192.0.2.2" \
	wait_until 60 entry_is hub 10.255.0.2 dynamic 192.0.2.2
check "... its SA authenticated by certificates: the hub's charon has CN=s1" \
	eval "swanctl --list-sas --uri '$(vici hub)' | grep -q 'CN=s1'"
check "... s1's SA to the hub came up before it registered" \
	logged_before s1 "IPsec to 192.0.2.1 up" "NHS 192.0.2.1 registering -> up"
check "spoke to hub over the tunnel" ping_all s1 10.255.0.1 3 0.2

check "s2 (rogue CA) logs why its SA failed" \
	wait_until 60 eval "grep -q 'IPsec to 192.0.2.1 failed: .*AUTHENTICATION_FAILED' '$CONF/s2.log'"
check "... the hub's charon found no trusted key for CN=s2" \
	grep -qE "no trusted .*public key found for 'CN=s2'" "$CONF/hub-charon.log"
check "... s2 has not registered" not entry_is hub 10.255.0.3 dynamic 192.0.2.3
check "... and cannot reach the hub" not ping_all s2 10.255.0.1 2 0.2

check "all agents alive" eval "agent_alive hub && agent_alive s1 && agent_alive s2"
check "the underlay: ESP ..." some_captured_since "$START" esp
check "... and nothing but IKE and ESP" \
	none_captured_since "$START" "ip and not esp and not ($IKE)"
check "... 0 GRE (and so 0 NHRP) in clear" none_captured_since "$START" "ip proto 47"

test_end

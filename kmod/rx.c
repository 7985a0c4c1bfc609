// SPDX-License-Identifier: GPL-2.0
/*
 * Receive: GRE from the underlay to the dmvpn device.
 *
 * Why a netfilter hook and not a GRE protocol handler: the kernel has one
 * slot for GRE version 0 (gre_add_protocol(GREPROTO_CISCO)), and ip_gre owns
 * it.  Taking it would make ip_gre fail to load, or us, depending on load
 * order.  Instead each device hooks IPv4 LOCAL_IN and takes only the GRE
 * packets that match its own local address, key and underlay.  Everything
 * else, including other tunnels' GRE, goes on untouched to ip_gre if it is
 * loaded.
 *
 * Why LOCAL_IN, last: a GRE packet must meet the host's firewall as
 * ip_gre's do.  By LOCAL_IN the packet has been routed (martian sources and
 * rp_filter dropped), reassembled, and seen by conntrack and by every
 * INPUT rule (nftables input chains, iptables' filter and security tables,
 * SELinux), since those hook earlier.  Only conntrack's confirmation
 * (NF_IP_PRI_CONNTRACK_CONFIRM, INT_MAX) comes later: what ip_gre receives
 * gets a confirmed conntrack entry, a packet taken here does not, which no
 * rule can see (a rule sees the entry before confirmation).
 *
 * Three duties of the usual path become ours: the IPsec input policy check
 * (and require-ipsec: clear GRE is refused), the ECN decapsulation rules,
 * and the path MTU updates that ICMP errors about our GRE packets ask for.
 * Transport-mode ESP is decrypted before us: xfrm routes the inner GRE
 * packet again, and it reaches LOCAL_IN with its security path.
 *
 * A netfilter hook must not run the stack under itself: the packet is
 * stolen and queued to the device's GRO cells, whose NAPI poll takes it up.
 */
#include <linux/icmp.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter_ipv4.h>
#include <linux/percpu.h>
#include <net/dst_metadata.h>
#include <net/gre.h>
#include <net/inet_ecn.h>
#include <net/ip.h>
#include <net/xfrm.h>

#include "device.h"
#include "peer.h"
#include "rx.h"

#define DMVPN_GRE_UNSUPPORTED (GRE_ROUTING | GRE_STRICT | GRE_REC | GRE_FLAGS)

/* After every LOCAL_IN hook but conntrack's confirmation (see above). */
#define DMVPN_RX_PRIORITY (NF_IP_PRI_CONNTRACK_CONFIRM - 1)

/* GRE header facts, parsed from the packet. */
struct dmvpn_gre {
	unsigned int hlen;
	__be16 proto;
	bool has_csum;
	bool has_key;
	u32 key;
};

static bool dmvpn_rx_addressed_to_us(const struct dmvpn_params *p,
				     struct sk_buff *skb,
				     const struct nf_hook_state *state)
{
	const struct iphdr *iph = ip_hdr(skb);

	if (p->link && (!state->in || state->in->ifindex != p->link))
		return false;
	if (p->local)
		return iph->daddr == p->local;
	/* Routed already: the input route says whether it is ours. */
	if (skb_valid_dst(skb))
		return skb_rtable(skb)->rt_type == RTN_LOCAL;
	return inet_addr_type(state->net, iph->daddr) == RTN_LOCAL;
}

/*
 * The route lookup drops martian sources before LOCAL_IN, except that
 * route_localnet with accept_local lets loopback sources in from any
 * device: no peer has one.
 */
static bool dmvpn_rx_martian(const struct iphdr *iph,
			     const struct nf_hook_state *state)
{
	__be32 saddr = iph->saddr;

	if (ipv4_is_loopback(saddr))
		return !state->in || !(state->in->flags & IFF_LOOPBACK);
	return ipv4_is_multicast(saddr) || ipv4_is_lbcast(saddr) ||
	       ipv4_is_zeronet(saddr);
}

/* Not GRE version 0 (PPTP's enhanced GRE, say): not ours to judge. */
#define DMVPN_RX_NOT_GRE0 (-1)

/*
 * Return: 0, DMVPN_RX_NOT_GRE0, or the counter that says what is wrong
 * with the header.
 */
static int dmvpn_rx_parse(struct sk_buff *skb, unsigned int off,
			  struct dmvpn_gre *gre)
{
	const struct gre_base_hdr *greh;
	const __be32 *opt;

	if (!pskb_may_pull(skb, off + sizeof(*greh)))
		return DMVPN_CTR_RX_ERR_TRUNCATED;
	greh = (const struct gre_base_hdr *)(skb->data + off);
	if (greh->flags & GRE_VERSION)
		return DMVPN_RX_NOT_GRE0;
	if (greh->flags & DMVPN_GRE_UNSUPPORTED)
		return DMVPN_CTR_RX_ERR_HEADER;
	gre->has_csum = greh->flags & GRE_CSUM;
	gre->has_key = greh->flags & GRE_KEY;
	gre->proto = greh->protocol;
	gre->hlen = sizeof(*greh) + (gre->has_csum ? 4 : 0) +
		    (gre->has_key ? 4 : 0) + (greh->flags & GRE_SEQ ? 4 : 0);
	if (!pskb_may_pull(skb, off + gre->hlen))
		return DMVPN_CTR_RX_ERR_TRUNCATED;
	opt = (const __be32 *)(skb->data + off + sizeof(*greh));
	if (gre->has_csum)
		opt++;
	if (gre->has_key)
		gre->key = ntohl(*opt);
	return 0;
}

/* @skb->data is at the GRE header. */
static bool dmvpn_rx_csum_ok(struct sk_buff *skb, const struct dmvpn_gre *gre,
			     const struct dmvpn_params *p)
{
	if (!gre->has_csum)
		return !p->csum;
	/*
	 * As gre_parse_header(): a checksum the device verified covers the
	 * GRE packet and is used up here (one csum_level), so that the inner
	 * L4 checksum is still checked; a checksum computed here is kept as
	 * CHECKSUM_COMPLETE for it.
	 */
	if (skb_checksum_simple_validate(skb))
		return false;
	skb_checksum_try_convert(skb, IPPROTO_GRE, null_compute_pseudo);
	return true;
}

static bool dmvpn_rx_key_ok(const struct dmvpn_gre *gre,
			    const struct dmvpn_params *p)
{
	if (gre->has_key != p->key_on)
		return false;
	return !gre->has_key || gre->key == p->key;
}

static bool dmvpn_rx_proto_ok(__be16 proto)
{
	return proto == htons(ETH_P_IP) || proto == htons(ETH_P_IPV6) ||
	       proto == htons(DMVPN_ETH_P_NHRP);
}

static unsigned int dmvpn_rx_drop(struct dmvpn_dev *dd, int why)
{
	dmvpn_count(dd, why);
	DEV_STATS_INC(dd->dev, rx_errors);
	return NF_DROP;
}

/*
 * Strip the GRE header (@skb->data is at it) and hand the packet to the
 * device.  __iptunnel_pull_header() also drops the outer tunnel's offload
 * state: a GRO-merged GRE packet leaves as plain TCP, not as GRE.
 */
static unsigned int dmvpn_rx_deliver(struct dmvpn_dev *dd,
				     struct sk_buff *skb,
				     const struct dmvpn_gre *gre)
{
	bool is_nhrp = gre->proto == htons(DMVPN_ETH_P_NHRP);
	struct iphdr outer = *ip_hdr(skb);

	if (__iptunnel_pull_header(skb, gre->hlen, gre->proto, true,
				   !net_eq(dd->net, dev_net(dd->dev)))) {
		DEV_STATS_INC(dd->dev, rx_dropped);
		return NF_DROP;
	}
	skb_reset_network_header(skb);
	if (!is_nhrp) {
		/* Data packets show no link header to packet sockets. */
		skb_reset_mac_header(skb);
		/* IP_ECN_decapsulate() reads the inner header. */
		if (!pskb_inet_may_pull(skb)) {
			DEV_STATS_INC(dd->dev, rx_length_errors);
			return dmvpn_rx_drop(dd, DMVPN_CTR_RX_ERR_TRUNCATED);
		}
		if (IP_ECN_decapsulate(&outer, skb) > 1) {
			DEV_STATS_INC(dd->dev, rx_frame_errors);
			return dmvpn_rx_drop(dd, DMVPN_CTR_RX_ERR_HEADER);
		}
	}
	skb->dev = dd->dev;
	dev_sw_netstats_rx_add(dd->dev, skb->len);
	dmvpn_count(dd, is_nhrp ? DMVPN_CTR_RX_NHRP : DMVPN_CTR_RX_PACKETS);
	gro_cells_receive(&dd->gro_cells, skb);
	return NF_STOLEN;
}

static unsigned int dmvpn_rx_gre(struct dmvpn_dev *dd,
				 const struct dmvpn_params *p,
				 struct sk_buff *skb)
{
	unsigned int off = ip_hdrlen(skb);
	struct dmvpn_gre gre;
	int why;

	why = dmvpn_rx_parse(skb, off, &gre);
	if (why == DMVPN_RX_NOT_GRE0)
		return NF_ACCEPT;
	if (why)
		return dmvpn_rx_drop(dd, why);
	/*
	 * Another key or payload may belong to an ip_gre tunnel on the same
	 * address: count it, and let it go on.
	 */
	if (!dmvpn_rx_key_ok(&gre, p)) {
		dmvpn_count(dd, DMVPN_CTR_RX_ERR_KEY);
		return NF_ACCEPT;
	}
	if (!dmvpn_rx_proto_ok(gre.proto)) {
		dmvpn_count(dd, DMVPN_CTR_RX_ERR_PROTO);
		return NF_ACCEPT;
	}
	/*
	 * Ours from here on: NHRP's link header (for packet sockets) is the
	 * outer IPv4 header, and the checksum starts at the GRE header.
	 */
	skb_reset_mac_header(skb);
	__skb_pull(skb, off);
	if (!dmvpn_rx_csum_ok(skb, &gre, p))
		return dmvpn_rx_drop(dd, DMVPN_CTR_RX_ERR_CSUM);
	/* require-ipsec: only GRE that came out of an SA. */
	if ((p->require_ipsec && !secpath_exists(skb)) ||
	    !xfrm4_policy_check(NULL, XFRM_POLICY_IN, skb)) {
		DEV_STATS_INC(dd->dev, rx_dropped);
		return NF_DROP;
	}
	return dmvpn_rx_deliver(dd, skb, &gre);
}

/*
 * ICMP "fragmentation needed" about GRE we sent: no GRE error handler sees
 * it (ip_gre owns that slot, or nobody does), so the path MTU to the peer
 * is updated here, which also invalidates the peer's cached route.  As
 * icmp_rcv() and icmp_unreach() would for ip_gre: only with a valid ICMP
 * checksum, and as net.ipv4.ip_no_pmtu_disc says (ip-sysctl.rst): 0 takes
 * the MTU the message gives; 1 lowers the path MTU to min_pmtu, locked (an
 * MTU of 0 asks ipv4_update_pmtu() for that, as icmp_unreach() passes it);
 * 2 ignores the message, and so does 3, because GRE has no strict tag
 * validation.  The ICMP itself goes on to the stack.
 */
static void dmvpn_rx_icmp(struct dmvpn_dev *dd, const struct dmvpn_params *p,
			  struct sk_buff *skb, struct net *net)
{
	unsigned int ihl = ip_hdrlen(skb);
	unsigned int off = ihl + sizeof(struct icmphdr);
	const struct icmphdr *icmph;
	const struct iphdr *quoted;
	u32 mtu;

	if (ip_is_fragment(ip_hdr(skb)) ||
	    !pskb_may_pull(skb, off + sizeof(*quoted)))
		return;
	icmph = (const struct icmphdr *)(skb->data + ihl);
	if (icmph->type != ICMP_DEST_UNREACH || icmph->code != ICMP_FRAG_NEEDED)
		return;
	quoted = (const struct iphdr *)(skb->data + off);
	if (quoted->protocol != IPPROTO_GRE ||
	    (p->local && quoted->saddr != p->local) ||
	    !dmvpn_peer_exists(&dd->cache, quoted->daddr))
		return;
	/* Rare enough to check in full, leaving the skb's state to icmp_rcv(). */
	if (!skb_csum_unnecessary(skb) &&
	    csum_fold(skb_checksum(skb, ihl, skb->len - ihl, 0)))
		return;
	switch (READ_ONCE(net->ipv4.sysctl_ip_no_pmtu_disc)) {
	case 0:
		mtu = ntohs(icmph->un.frag.mtu);
		break;
	case 2:
	case 3:
		return;
	default:
		mtu = 0;
	}
	/* ipv4_update_pmtu() reads the quoted header at skb->data. */
	__skb_pull(skb, off);
	ipv4_update_pmtu(skb, net, mtu, p->link, IPPROTO_GRE);
	__skb_push(skb, off);
}

static unsigned int dmvpn_rx_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	u8 protocol = ip_hdr(skb)->protocol;
	struct dmvpn_dev *dd = priv;
	const struct dmvpn_params *p;

	if (protocol != IPPROTO_GRE && protocol != IPPROTO_ICMP)
		return NF_ACCEPT;
	/* A device that is down receives nothing, as ip_gre's tunnels. */
	if (!netif_running(dd->dev))
		return NF_ACCEPT;
	p = rcu_dereference(dd->params);
	if (!dmvpn_rx_addressed_to_us(p, skb, state))
		return NF_ACCEPT;
	if (protocol == IPPROTO_ICMP) {
		dmvpn_rx_icmp(dd, p, skb, state->net);
		return NF_ACCEPT;
	}
	if (dmvpn_rx_martian(ip_hdr(skb), state)) {
		DEV_STATS_INC(dd->dev, rx_dropped);
		return NF_DROP;
	}
	/* ip_local_deliver() reassembled the packet before LOCAL_IN. */
	return dmvpn_rx_gre(dd, p, skb);
}

/**
 * dmvpn_rx_register - start receiving GRE for a device
 * @dd: the device, registered, with dd->net set
 *
 * Context: RTNL.
 */
int dmvpn_rx_register(struct dmvpn_dev *dd)
{
	int err;

	dd->rx_hook.hook = dmvpn_rx_hook;
	dd->rx_hook.priv = dd;
	dd->rx_hook.pf = NFPROTO_IPV4;
	dd->rx_hook.hooknum = NF_INET_LOCAL_IN;
	dd->rx_hook.priority = DMVPN_RX_PRIORITY;
	err = nf_register_net_hook(dd->net, &dd->rx_hook);
	dd->rx_hook_registered = !err;
	return err;
}

/**
 * dmvpn_rx_unregister - stop receiving GRE for a device
 * @dd: the device
 *
 * Returns once no packet is in the hook any more.
 */
void dmvpn_rx_unregister(struct dmvpn_dev *dd)
{
	if (!dd->rx_hook_registered)
		return;
	nf_unregister_net_hook(dd->net, &dd->rx_hook);
	dd->rx_hook_registered = false;
	/* The hook table is freed by RCU, not waited for: wait here. */
	synchronize_net();
}

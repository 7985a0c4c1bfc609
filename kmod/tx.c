// SPDX-License-Identifier: GPL-2.0
/*
 * Transmit: choose the peer from the NHRP cache, encapsulate in GRE and
 * send over the underlay with the peer's cached route.
 *
 * Order of choice for a unicast packet: the longest cached prefix of its
 * destination; else the host entry of its route's next hop; else the NHS,
 * with a "resolve" event for the agent.  Negative entries go to the NHS
 * without asking again.
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <net/dsfield.h>
#include <net/dst_metadata.h>
#include <net/gre.h>
#include <net/icmp.h>
#include <net/inet_ecn.h>
#include <net/neighbour.h>
#include <net/ip.h>
#include <net/ip6_route.h>
#include <net/ip_tunnels.h>
#include <net/route.h>

#include "compat.h"
#include "device.h"
#include "peer.h"
#include "tx.h"

/* The outer IPv4 header's variable fields. */
struct dmvpn_outer {
	__be32 saddr;
	__be32 daddr;
	__be16 df;
	u8 tos;
	u8 ttl;
};

/* Everything one packet's encapsulation needs, gathered once. */
struct dmvpn_tx {
	struct dmvpn_dev *dd;
	const struct dmvpn_params *p;
	struct dmvpn_entry *entry;	/* NULL when sent on a miss */
	__be16 proto;			/* GRE protocol type */
	u32 sock_mark;			/* NHRP: a mark no peer has */
};

static struct rtable *dmvpn_route(struct dmvpn_dev *dd,
				  const struct dmvpn_params *p,
				  __be32 nbma, u32 mark, struct dmvpn_peer *cache,
				  __be32 *saddr)
{
	struct flowi4 fl4;
	struct rtable *rt;

	if (cache) {
		rt = dmvpn_peer_route_get(cache, saddr);
		if (rt)
			return rt;
	}
	memset(&fl4, 0, sizeof(fl4));
	fl4.daddr = nbma;
	fl4.saddr = p->local;
	fl4.flowi4_oif = p->link;
	fl4.flowi4_mark = mark;
	fl4.flowi4_proto = IPPROTO_GRE;
	if (p->key_on)
		fl4.fl4_gre_key = htonl(p->key);
	rt = ip_route_output_key(dd->net, &fl4);
	if (IS_ERR(rt))
		return rt;
	if (cache)
		dmvpn_peer_route_set(cache, rt, fl4.saddr);
	*saddr = fl4.saddr;
	return rt;
}

static struct dmvpn_peer *dmvpn_peer_route_cache(struct dmvpn_peer *peer)
{
	return peer && READ_ONCE(peer->route_cache_on) ? peer : NULL;
}

static void dmvpn_push_gre(struct sk_buff *skb, const struct dmvpn_params *p,
			   unsigned int hlen, __be16 proto)
{
	struct gre_base_hdr *greh;
	__be32 *opt;

	skb_push(skb, hlen);
	skb_reset_transport_header(skb);
	greh = (struct gre_base_hdr *)skb->data;
	greh->flags = (p->csum ? GRE_CSUM : 0) | (p->key_on ? GRE_KEY : 0);
	greh->protocol = proto;
	opt = (__be32 *)(greh + 1);
	if (p->csum)
		*opt++ = 0;
	if (p->key_on)
		*opt = htonl(p->key);
	/* Segments get their checksums from GSO; others get them here. */
	if (p->csum && !(skb_shinfo(skb)->gso_type &
			 (SKB_GSO_GRE | SKB_GSO_GRE_CSUM))) {
		__wsum sum = skb->ip_summed == CHECKSUM_PARTIAL ?
			     lco_csum(skb) : skb_checksum(skb, 0, skb->len, 0);

		*(__sum16 *)(greh + 1) = csum_fold(sum);
	}
}

static u8 dmvpn_inner_ttl(const struct sk_buff *skb, struct rtable *rt)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->ttl;
	if (skb->protocol == htons(ETH_P_IPV6))
		return ipv6_hdr(skb)->hop_limit;
	return ip4_dst_hoplimit(&rt->dst);
}

static u8 dmvpn_inner_tos(const struct sk_buff *skb)
{
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->tos;
	if (skb->protocol == htons(ETH_P_IPV6))
		return ipv6_get_dsfield(ipv6_hdr(skb));
	return 0;
}

/*
 * Tell the inner sender when the packet cannot cross the underlay whole.
 * A GSO packet (TCP from the device's own sockets, or merged by GRO on the
 * way in) is judged by its segments, as ip_forward() judges one: let out
 * whole, they would be dropped by the underlay, and the sender would learn
 * the path MTU only from the single segment its retransmission timeout
 * resends.
 * Return: 0 to send, or -E2BIG after the ICMP error was sent.
 */
static int dmvpn_check_pmtu(struct sk_buff *skb, struct rtable *rt,
			    unsigned int outer_hlen)
{
	int mtu = (int)dst_mtu(&rt->dst) - (int)outer_hlen;

	if (skb_is_gso(skb)) {
		if (skb_gso_validate_network_len(skb, mtu))
			return 0;
	} else if (skb->len <= mtu) {
		return 0;
	}
	if (skb_valid_dst(skb) && mtu >= IPV4_MIN_MTU)
		skb_dst_update_pmtu_no_confirm(skb, mtu);
	if (skb->protocol == htons(ETH_P_IP)) {
		if (!(ip_hdr(skb)->frag_off & htons(IP_DF)))
			return 0;	/* the outer packet is fragmented */
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED,
			      htonl(max(mtu, IPV4_MIN_MTU)));
		return -E2BIG;
	}
	if (skb->protocol == htons(ETH_P_IPV6) && mtu >= IPV6_MIN_MTU) {
		icmpv6_ndo_send(skb, ICMPV6_PKT_TOOBIG, 0, mtu);
		return -E2BIG;
	}
	return 0;
}

static __be16 dmvpn_outer_df(const struct sk_buff *skb,
			     const struct dmvpn_params *p)
{
	if (!p->pmtudisc)
		return 0;
	/* IPv4 without DF may be fragmented, so its tunnel packet may be. */
	if (skb->protocol == htons(ETH_P_IP))
		return ip_hdr(skb)->frag_off & htons(IP_DF);
	return htons(IP_DF);
}

static void dmvpn_tx_error(struct dmvpn_dev *dd, struct sk_buff *skb,
			   enum dmvpn_counter why)
{
	dmvpn_count(dd, why);
	DEV_STATS_INC(dd->dev, tx_errors);
	kfree_skb(skb);
}

static void dmvpn_apply_qos(struct sk_buff *skb, const struct dmvpn_tx *tx,
			    const struct dmvpn_peer *peer)
{
	const struct dmvpn_entry *e = tx->entry;

	if (tx->p->fwmark)
		skb->mark = tx->p->fwmark;
	if (e && e->qos_mark)
		skb->mark = e->qos_mark;
	if (e && e->qos_priority)
		skb->priority = e->qos_priority;
	/* The SA's bits, so that a rerouting netfilter rule keeps the SA. */
	if (peer)
		skb->mark = dmvpn_peer_mark(peer, skb->mark);
	else if (tx->sock_mark)
		skb->mark = tx->sock_mark;
}

/*
 * The mark the outer route and xfrm lookup take: the device's, with the
 * bits of the peer's IPsec mark.  NHRP to an address no peer of the
 * socket's mark has (a registration reply to a new spoke) takes the
 * socket's mark whole, as the mask is the entry's to say.
 */
static u32 dmvpn_route_mark(const struct dmvpn_tx *tx,
			    const struct dmvpn_peer *peer)
{
	if (peer)
		return dmvpn_peer_mark(peer, tx->p->fwmark);
	return tx->sock_mark ?: tx->p->fwmark;
}

/*
 * The outer header as iptunnel_xmit() writes it, but for the identification:
 * a packet that must not be fragmented and that GSO will not split is an
 * atomic datagram (RFC 6864) and gets 0, as the stack's own unconnected DF
 * packets do.  That spares the keyed hash that iptunnel_xmit() runs on
 * every packet, about 2% of a small packet's cost.
 */
static void dmvpn_ip_xmit(struct net_device *dev, struct rtable *rt,
			  struct sk_buff *skb, const struct dmvpn_outer *o)
{
	int pkt_len = skb->len - skb_inner_network_offset(skb);
	struct net *net = dev_net(rt->dst.dev);
	struct iphdr *iph;
	int err;

	skb_clear_hash_if_not_l4(skb);
	skb_dst_set(skb, &rt->dst);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->frag_off = ip_mtu_locked(&rt->dst) ? 0 : o->df;
	iph->protocol = IPPROTO_GRE;
	iph->tos = o->tos;
	iph->ttl = o->ttl;
	iph->saddr = o->saddr;
	iph->daddr = o->daddr;
	if (iph->frag_off && !skb_is_gso(skb))
		iph->id = 0;
	else
		__ip_select_ident(net, iph, skb_shinfo(skb)->gso_segs ?: 1);
	err = ip_local_out(net, NULL, skb);
	if (unlikely(net_xmit_eval(err)))
		pkt_len = 0;
	iptunnel_xmit_stats(dev, pkt_len);
}

/*
 * Encapsulate and send one packet to @nbma; consumes @skb.  @peer, when
 * there is one for @nbma, lends its cached route and its IPsec rule.
 */
static void dmvpn_xmit_one(struct dmvpn_tx *tx, struct sk_buff *skb,
			   __be32 nbma, struct dmvpn_peer *peer)
{
	struct dmvpn_peer *cache = dmvpn_peer_route_cache(peer);
	const struct dmvpn_params *p = tx->p;
	struct dmvpn_dev *dd = tx->dd;
	unsigned int gre_hlen = dmvpn_gre_hlen(p);
	unsigned int outer_hlen = sizeof(struct iphdr) + gre_hlen;
	struct dmvpn_outer o = { .daddr = nbma };
	bool require_ipsec;
	struct rtable *rt;

	rt = dmvpn_route(dd, p, nbma, dmvpn_route_mark(tx, peer), cache,
			 &o.saddr);
	if (IS_ERR(rt)) {
		DEV_STATS_INC(dd->dev, tx_carrier_errors);
		dmvpn_tx_error(dd, skb, DMVPN_CTR_TX_ERRORS);
		return;
	}
	if (rt->dst.dev == dd->dev) {
		net_dbg_ratelimited("%s: route to %pI4 loops into itself\n",
				    dd->dev->name, &nbma);
		goto drop_route;
	}
	require_ipsec = p->require_ipsec || (peer && READ_ONCE(peer->ipsec_refs));
	if (require_ipsec && !rt->dst.xfrm) {
		ip_rt_put(rt);
		dmvpn_tx_error(dd, skb, DMVPN_CTR_TX_NO_IPSEC);
		return;
	}
	if (dmvpn_check_pmtu(skb, rt, outer_hlen))
		goto drop_route;
	if (skb_cow_head(skb, LL_RESERVED_SPACE(rt->dst.dev) +
			 rt->dst.header_len + outer_hlen))
		goto drop_route;

	o.tos = p->tos == DMVPN_TOS_INHERIT ? dmvpn_inner_tos(skb) : p->tos;
	if (skb->protocol == htons(ETH_P_IP) ||
	    skb->protocol == htons(ETH_P_IPV6))
		o.tos = ip_tunnel_ecn_encap(o.tos, ip_hdr(skb), skb);
	o.ttl = p->ttl ? p->ttl : dmvpn_inner_ttl(skb, rt);
	o.df = dmvpn_outer_df(skb, p);

	if (iptunnel_handle_offloads(skb, p->csum ? SKB_GSO_GRE_CSUM :
						   SKB_GSO_GRE))
		goto drop_route;
	dmvpn_push_gre(skb, p, gre_hlen, tx->proto);
	/*
	 * Scrubbed before the marks are set: leaving the device's netns for
	 * the underlay's clears skb->mark, and the marks are for the underlay.
	 */
	skb_scrub_packet(skb, !net_eq(dd->net, dev_net(dd->dev)));
	dmvpn_apply_qos(skb, tx, peer);
	dmvpn_ip_xmit(dd->dev, rt, skb, &o);
	return;

drop_route:
	ip_rt_put(rt);
	dmvpn_tx_error(dd, skb, DMVPN_CTR_TX_ERRORS);
}

static bool dmvpn_is_multicast(const struct sk_buff *skb, u8 family,
			       const void *daddr)
{
	const struct rtable *rt;

	if (family == AF_INET6)
		return ipv6_addr_is_multicast(daddr);
	if (ipv4_is_multicast(*(const __be32 *)daddr) ||
	    ipv4_is_lbcast(*(const __be32 *)daddr))
		return true;
	/* A metadata dst (tc tunnel_key, BPF) is no route: no rt_type. */
	rt = skb_valid_dst(skb) ? skb_rtable(skb) : NULL;
	return rt && rt->rt_type == RTN_BROADCAST;
}

/* Replicate to every peer of a multicast entry; consumes @skb. */
static void dmvpn_xmit_multicast(struct dmvpn_tx *tx, struct sk_buff *skb)
{
	struct dmvpn_peer *peer, *last = NULL;
	struct sk_buff *copy;

	list_for_each_entry_rcu(peer, &tx->dd->cache.mcast_peers, mcast_node) {
		if (!dmvpn_peer_mcast_on(peer))
			continue;
		if (last) {
			copy = skb_clone(skb, GFP_ATOMIC);
			if (!copy)
				break;
			dmvpn_count(tx->dd, DMVPN_CTR_MCAST_COPIES);
			dmvpn_xmit_one(tx, copy, last->nbma, last);
		}
		last = peer;
	}
	if (!last) {
		dmvpn_tx_error(tx->dd, skb, DMVPN_CTR_TX_NO_ROUTE);
		return;
	}
	dmvpn_count(tx->dd, DMVPN_CTR_MCAST_COPIES);
	dmvpn_xmit_one(tx, skb, last->nbma, last);
}

/* The gateway of the route that sent @skb here, if it has one. */
static const void *dmvpn_next_hop(const struct sk_buff *skb, u8 family)
{
	if (!skb_valid_dst(skb))
		return NULL;
	return dmvpn_route_gateway(skb_dst(skb), family);
}

static void dmvpn_no_route(struct dmvpn_dev *dd, struct sk_buff *skb,
			   u8 family)
{
	if (family == AF_INET)
		icmp_ndo_send(skb, ICMP_DEST_UNREACH, ICMP_HOST_UNREACH, 0);
	else
		icmpv6_ndo_send(skb, ICMPV6_DEST_UNREACH, ICMPV6_ADDR_UNREACH, 0);
	dmvpn_tx_error(dd, skb, DMVPN_CTR_TX_NO_ROUTE);
}

/*
 * Whether the underlay's next hop to @peer has answered.  Until it has, the
 * stack queues what is sent there in the neighbour's small queue
 * (unres_qlen_bytes, about 200 kB) and drops the oldest packets when a
 * burst on a new shortcut (TCP GSO packets) overflows it.  The first look
 * starts the resolution; once resolved, a peer is not looked at again.
 * With IPsec the next hop is the SA's route to judge, and a local peer has
 * none: both count as resolved.
 *
 * Context: RCU read side, BH disabled.
 */
static bool dmvpn_nexthop_resolved(struct dmvpn_dev *dd,
				   const struct dmvpn_params *p,
				   struct dmvpn_peer *peer)
{
	struct neighbour *neigh = NULL;
	bool resolved = true;
	struct rtable *rt;
	__be32 saddr;

	rt = dmvpn_route(dd, p, peer->nbma, dmvpn_peer_mark(peer, p->fwmark),
			 dmvpn_peer_route_cache(peer), &saddr);
	if (IS_ERR(rt))
		return true;	/* dmvpn_xmit_one() counts the error */
	if (rt->dst.xfrm || rt->rt_type == RTN_LOCAL)
		goto out;
	if (rt->rt_gw_family == AF_INET)
		neigh = ip_neigh_gw4(rt->dst.dev, rt->rt_gw4);
	else if (rt->rt_gw_family == AF_INET6)
		neigh = ip_neigh_gw6(rt->dst.dev, &rt->rt_gw6);
	else
		neigh = ip_neigh_gw4(rt->dst.dev, peer->nbma);
	if (IS_ERR_OR_NULL(neigh))
		goto out;	/* the output path fails the same way */
	resolved = READ_ONCE(neigh->nud_state) & NUD_VALID;
	if (!resolved)
		neigh_event_send(neigh, NULL);
out:
	ip_rt_put(rt);
	if (resolved)
		WRITE_ONCE(peer->nexthop_resolved, true);
	return resolved;
}

/*
 * Where a packet for a shortcut to @peer goes: to @peer once its underlay
 * next hop is resolved, to the NHS before, so that the first packets to a
 * new peer are relayed rather than queued and dropped.  A hub (no NHS) and
 * the NHS itself send as they are.
 */
static struct dmvpn_peer *dmvpn_peer_or_nhs(struct dmvpn_tx *tx,
					    struct dmvpn_peer *peer)
{
	struct dmvpn_peer *nhs;

	if (likely(READ_ONCE(peer->nexthop_resolved)))
		return peer;
	nhs = rcu_dereference(tx->dd->cache.nhs);
	if (!nhs || nhs == peer || dmvpn_nexthop_resolved(tx->dd, tx->p, peer))
		return peer;
	return nhs;
}

/**
 * dmvpn_xmit_peer_added - start resolving a new peer's underlay next hop
 * @dd: the device
 * @nbma: the address of the peer an entry was added for
 * @ipsec_mark: and its IPsec mark
 *
 * So that, usually, its neighbour answers before the first packet needs it.
 *
 * Context: process context, no cache lock held.
 */
void dmvpn_xmit_peer_added(struct dmvpn_dev *dd, __be32 nbma, u32 ipsec_mark)
{
	struct dmvpn_peer *peer;

	rcu_read_lock();
	local_bh_disable();
	peer = dmvpn_peer_find(&dd->cache, nbma, ipsec_mark);
	if (peer && !READ_ONCE(peer->nexthop_resolved))
		dmvpn_nexthop_resolved(dd, rcu_dereference(dd->params), peer);
	local_bh_enable();
	rcu_read_unlock();
}

static void dmvpn_xmit_unicast(struct dmvpn_tx *tx, struct sk_buff *skb,
			       u8 family, const void *daddr)
{
	struct dmvpn_dev *dd = tx->dd;
	const void *next_hop = NULL;
	struct dmvpn_peer *peer;
	struct dmvpn_entry *e;

	e = dmvpn_cache_lookup(&dd->cache, family, daddr);
	if (!e) {
		next_hop = dmvpn_next_hop(skb, family);
		if (next_hop)
			e = dmvpn_cache_lookup(&dd->cache, family, next_hop);
	}
	if (e && e->type != DMVPN_ENTRY_NEGATIVE) {
		tx->entry = e;
		dmvpn_entry_mark_used(e, skb->len);
		peer = dmvpn_peer_or_nhs(tx, e->peer);
		dmvpn_count(dd, peer == e->peer ? DMVPN_CTR_TX_SHORTCUT :
						  DMVPN_CTR_TX_NHS);
	} else {
		if (!e) {
			dmvpn_count(dd, DMVPN_CTR_MISSES);
			dmvpn_event_miss(dd, family, next_hop ?: daddr);
		}
		peer = rcu_dereference(dd->cache.nhs);
		if (!peer) {
			dmvpn_no_route(dd, skb, family);
			return;
		}
		dmvpn_count(dd, DMVPN_CTR_TX_NHS);
	}
	/* A packet that came in on this device and leaves by it: a hairpin. */
	if (tx->p->redirect && skb->skb_iif == dd->dev->ifindex)
		dmvpn_event_redirect(dd, skb, family);
	dmvpn_xmit_one(tx, skb, peer->nbma, peer);
}

static void dmvpn_xmit_ip(struct dmvpn_tx *tx, struct sk_buff *skb)
{
	const void *daddr;
	u8 family;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!pskb_network_may_pull(skb, sizeof(struct iphdr)))
			goto drop;
		family = AF_INET;
		daddr = &ip_hdr(skb)->daddr;
		tx->proto = htons(ETH_P_IP);
	} else {
		if (!pskb_network_may_pull(skb, sizeof(struct ipv6hdr)))
			goto drop;
		family = AF_INET6;
		daddr = &ipv6_hdr(skb)->daddr;
		tx->proto = htons(ETH_P_IPV6);
	}
	if (dmvpn_is_multicast(skb, family, daddr))
		dmvpn_xmit_multicast(tx, skb);
	else
		dmvpn_xmit_unicast(tx, skb, family, daddr);
	return;
drop:
	dmvpn_tx_error(tx->dd, skb, DMVPN_CTR_TX_ERRORS);
}

/*
 * NHRP from a packet socket: dmvpn_header_create() put the peer's NBMA
 * address in front, and the socket's mark (SO_MARK) names the peer's IPsec
 * mark.  The peer may have no entry yet (a registration reply to a new
 * spoke), so its cached route is used only when one exists.
 */
static void dmvpn_xmit_nhrp(struct dmvpn_tx *tx, struct sk_buff *skb)
{
	struct dmvpn_peer *peer;
	__be32 nbma;

	if (!pskb_may_pull(skb, sizeof(nbma))) {
		dmvpn_tx_error(tx->dd, skb, DMVPN_CTR_TX_ERRORS);
		return;
	}
	memcpy(&nbma, skb->data, sizeof(nbma));
	__skb_pull(skb, sizeof(nbma));
	skb_reset_network_header(skb);
	tx->proto = htons(DMVPN_ETH_P_NHRP);
	peer = dmvpn_peer_find(&tx->dd->cache, nbma, skb->mark);
	if (!peer)
		tx->sock_mark = skb->mark;
	dmvpn_count(tx->dd, DMVPN_CTR_TX_NHRP);
	dmvpn_xmit_one(tx, skb, nbma, peer);
}

/**
 * dmvpn_xmit - ndo_start_xmit of a dmvpn device
 * @skb: an IPv4, IPv6 or NHRP packet
 * @dev: the device
 *
 * Context: lockless (LLTX), BH disabled.
 */
netdev_tx_t dmvpn_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct dmvpn_tx tx = { .dd = netdev_priv(dev) };

	rcu_read_lock();
	tx.p = rcu_dereference(tx.dd->params);
	switch (skb->protocol) {
	case htons(ETH_P_IP):
	case htons(ETH_P_IPV6):
		dmvpn_xmit_ip(&tx, skb);
		break;
	case htons(DMVPN_ETH_P_NHRP):
		dmvpn_xmit_nhrp(&tx, skb);
		break;
	default:
		dmvpn_tx_error(tx.dd, skb, DMVPN_CTR_TX_ERRORS);
	}
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

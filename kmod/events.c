// SPDX-License-Identifier: GPL-2.0
/*
 * Events for the agent: a miss to resolve, a hub hairpin to redirect, an
 * entry that expired.  They are multicast on the "events" group only when
 * somebody listens, and rate limited so a flood of misses costs the data
 * path no more than a hash probe.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <net/genetlink.h>
#include <net/ip6_route.h>
#include <net/route.h>

#include "device.h"
#include "events.h"
#include "netlink.h"
#include "peer.h"
#include "tx.h"

#define DMVPN_EVENT_BURST	1000		/* events a second, per device */
#define DMVPN_EVENT_REPEAT	HZ		/* same event at most this often */
#define DMVPN_EVENT_PACKET_HEAD	128		/* bytes of a redirected packet */

void dmvpn_events_init(struct dmvpn_events *ev)
{
	ratelimit_state_init(&ev->budget, HZ, DMVPN_EVENT_BURST);
	ratelimit_set_flags(&ev->budget, RATELIMIT_MSG_ON_RELEASE);
	spin_lock_init(&ev->lock);
}

/* Return: true if an event with this hash may be sent now. */
static bool dmvpn_event_allowed(struct dmvpn_events *ev, u32 hash)
{
	unsigned int slot = hash % DMVPN_EVENT_RECENT_SLOTS;
	unsigned long now = jiffies;
	bool allowed = true;

	spin_lock(&ev->lock);
	if (ev->recent[slot].hash == hash && ev->recent[slot].when &&
	    time_before(now, ev->recent[slot].when + DMVPN_EVENT_REPEAT))
		allowed = false;
	if (allowed) {
		ev->recent[slot].hash = hash;
		ev->recent[slot].when = now | 1;
	}
	spin_unlock(&ev->lock);
	return allowed && __ratelimit(&ev->budget);
}

static bool dmvpn_event_wanted(struct dmvpn_dev *dd)
{
	return genl_has_listeners(&dmvpn_genl_family, dev_net(dd->dev),
				  DMVPN_MCGRP_EVENTS);
}

static struct sk_buff *dmvpn_event_new(struct dmvpn_dev *dd, u8 cmd,
				       void **hdr)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_ATOMIC);

	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &dmvpn_genl_family, 0, cmd);
	if (!*hdr || nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void dmvpn_event_send(struct dmvpn_dev *dd, struct sk_buff *msg,
			     void *hdr)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&dmvpn_genl_family, dev_net(dd->dev), msg, 0,
				DMVPN_MCGRP_EVENTS, GFP_ATOMIC);
}

/**
 * dmvpn_event_miss - ask the agent to resolve an address
 * @dd: the device
 * @family: AF_INET or AF_INET6
 * @addr: the destination (or next hop) that found no entry
 *
 * Context: any; rate limited.
 */
void dmvpn_event_miss(struct dmvpn_dev *dd, u8 family, const void *addr)
{
	unsigned int len = family == AF_INET ? 4 : 16;
	struct nlattr *nest;
	struct sk_buff *msg;
	void *hdr;

	if (!dmvpn_event_wanted(dd) ||
	    !dmvpn_event_allowed(&dd->events,
				 jhash(addr, len, DMVPN_CMD_EVENT_MISS)))
		return;
	msg = dmvpn_event_new(dd, DMVPN_CMD_EVENT_MISS, &hdr);
	if (!msg)
		return;
	nest = nla_nest_start(msg, DMVPN_A_ENTRY);
	if (!nest || nla_put_u8(msg, DMVPN_ENTRY_A_FAMILY, family) ||
	    nla_put(msg, DMVPN_ENTRY_A_PREFIX, len, addr) ||
	    nla_put_u8(msg, DMVPN_ENTRY_A_PREFIXLEN, len * 8)) {
		nlmsg_free(msg);
		return;
	}
	nla_nest_end(msg, nest);
	dmvpn_count(dd, DMVPN_CTR_RESOLVE_EVENTS);
	dmvpn_event_send(dd, msg, hdr);
}

/* The entry of the next hop through us back to @saddr, an IPv4 host. */
static struct dmvpn_entry *dmvpn_sender_via4(struct dmvpn_dev *dd,
					     __be32 saddr)
{
	struct flowi4 fl4 = { .daddr = saddr };
	struct dmvpn_entry *e = NULL;
	const void *gateway;
	struct rtable *rt;

	rt = ip_route_output_key(dev_net(dd->dev), &fl4);
	if (IS_ERR(rt))
		return NULL;
	gateway = dmvpn_route_gateway(&rt->dst, AF_INET);
	if (rt->dst.dev == dd->dev && gateway)
		e = dmvpn_cache_lookup(&dd->cache, AF_INET, gateway);
	ip_rt_put(rt);
	return e;
}

/* The same for an IPv6 host. */
static struct dmvpn_entry *dmvpn_sender_via6(struct dmvpn_dev *dd,
					     const struct in6_addr *saddr)
{
#if IS_ENABLED(CONFIG_IPV6)
	struct flowi6 fl6 = { .daddr = *saddr };
	struct dmvpn_entry *e = NULL;
	const void *gateway;
	struct dst_entry *dst;

	dst = ip6_route_output(dev_net(dd->dev), NULL, &fl6);
	gateway = dst->error ? NULL : dmvpn_route_gateway(dst, AF_INET6);
	if (dst->dev == dd->dev && gateway)
		e = dmvpn_cache_lookup(&dd->cache, AF_INET6, gateway);
	dst_release(dst);
	return e;
#else
	return NULL;
#endif
}

/*
 * The NBMA address a hairpinned packet came from: the entry for its source,
 * or for the next hop of the route back to its source (a host on the LAN
 * behind a spoke).
 */
static bool dmvpn_sender_nbma(struct dmvpn_dev *dd, struct sk_buff *skb,
			      u8 family, __be32 *nbma, u32 *ipsec_mark)
{
	const void *saddr = family == AF_INET ? (void *)&ip_hdr(skb)->saddr :
						(void *)&ipv6_hdr(skb)->saddr;
	struct dmvpn_entry *e;

	e = dmvpn_cache_lookup(&dd->cache, family, saddr);
	if (!e)
		e = family == AF_INET ?
		    dmvpn_sender_via4(dd, ip_hdr(skb)->saddr) :
		    dmvpn_sender_via6(dd, &ipv6_hdr(skb)->saddr);
	if (!e || !e->peer)
		return false;
	*nbma = e->peer->nbma;
	*ipsec_mark = e->peer->ipsec_mark;
	return true;
}

static u32 dmvpn_flow_hash(struct sk_buff *skb, u8 family)
{
	if (family == AF_INET)
		return jhash_2words((__force u32)ip_hdr(skb)->saddr,
				    (__force u32)ip_hdr(skb)->daddr,
				    DMVPN_CMD_EVENT_REDIRECT);
	return jhash(&ipv6_hdr(skb)->saddr, 2 * sizeof(struct in6_addr),
		     DMVPN_CMD_EVENT_REDIRECT);
}

/**
 * dmvpn_event_redirect - report a packet the hub relays between two spokes
 * @dd: the device
 * @skb: the packet, network header at the inner IP header
 * @family: its family
 *
 * The agent answers with an NHRP Traffic Indication to the sender.
 *
 * Context: transmit path, RCU read side; rate limited per flow.
 */
void dmvpn_event_redirect(struct dmvpn_dev *dd, struct sk_buff *skb, u8 family)
{
	unsigned int head = min_t(unsigned int, skb->len,
				  DMVPN_EVENT_PACKET_HEAD);
	struct sk_buff *msg;
	struct nlattr *attr;
	u32 ipsec_mark;
	__be32 nbma;
	void *hdr;

	if (!dmvpn_event_wanted(dd) ||
	    !dmvpn_event_allowed(&dd->events, dmvpn_flow_hash(skb, family)))
		return;
	msg = dmvpn_event_new(dd, DMVPN_CMD_EVENT_REDIRECT, &hdr);
	if (!msg)
		return;
	if (dmvpn_sender_nbma(dd, skb, family, &nbma, &ipsec_mark) &&
	    (nla_put_in_addr(msg, DMVPN_A_NBMA_SRC, nbma) ||
	     (ipsec_mark &&
	      nla_put_u32(msg, DMVPN_A_IPSEC_MARK, ipsec_mark))))
		goto free;
	attr = nla_reserve(msg, DMVPN_A_PACKET, head);
	if (!attr || skb_copy_bits(skb, skb_network_offset(skb),
				   nla_data(attr), head))
		goto free;
	dmvpn_count(dd, DMVPN_CTR_REDIRECT_EVENTS);
	dmvpn_event_send(dd, msg, hdr);
	return;
free:
	nlmsg_free(msg);
}

/**
 * dmvpn_event_expired - report an entry whose holding time ran out
 * @dd: the device
 * @e: the entry, still valid
 *
 * Context: process context, cache lock held.
 */
void dmvpn_event_expired(struct dmvpn_dev *dd, const struct dmvpn_entry *e)
{
	struct sk_buff *msg;
	void *hdr;

	if (!dmvpn_event_wanted(dd))
		return;
	msg = dmvpn_event_new(dd, DMVPN_CMD_EVENT_EXPIRED, &hdr);
	if (!msg)
		return;
	if (dmvpn_nl_put_entry(msg, e)) {
		nlmsg_free(msg);
		return;
	}
	dmvpn_event_send(dd, msg, hdr);
}

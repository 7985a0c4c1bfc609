/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_TX_H
#define _DMVPN_TX_H

#include <linux/netdevice.h>
#include <net/ip6_fib.h>
#include <net/route.h>

struct dmvpn_dev;

netdev_tx_t dmvpn_xmit(struct sk_buff *skb, struct net_device *dev);
void dmvpn_xmit_peer_added(struct dmvpn_dev *dd, __be32 nbma, u32 ipsec_mark);

/**
 * dmvpn_route_gateway - the next hop of a route, if it has a gateway
 * @dst: an IPv4 (rtable) or IPv6 (rt6_info) route, or NULL
 * @family: AF_INET or AF_INET6, the route's family
 *
 * Return: the gateway's address (4 or 16 bytes), or NULL for a route to a
 * directly connected host.
 */
static inline const void *dmvpn_route_gateway(const struct dst_entry *dst,
					      u8 family)
{
	if (!dst)
		return NULL;
	if (family == AF_INET) {
		const struct rtable *rt = (const struct rtable *)dst;

		if (rt->rt_uses_gateway && rt->rt_gw_family == AF_INET)
			return &rt->rt_gw4;
		return NULL;
	}
#if IS_ENABLED(CONFIG_IPV6)
	{
		const struct rt6_info *rt6 = (const struct rt6_info *)dst;

		if (rt6->rt6i_flags & RTF_GATEWAY)
			return &rt6->rt6i_gateway;
	}
#endif
	return NULL;
}

#endif /* _DMVPN_TX_H */

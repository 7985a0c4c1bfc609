/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels dmvpn builds against, chosen by the
 * feature probes in Kbuild rather than by version numbers.
 */
#ifndef _DMVPN_COMPAT_H
#define _DMVPN_COMPAT_H

#include <linux/netdevice.h>
#ifdef DMVPN_HAVE_NET_GSO_H
#include <net/gso.h>
#endif

/* 6.12 moved lockless transmit from a feature bit to a device flag. */
static inline void dmvpn_compat_set_lltx(struct net_device *dev)
{
#ifdef DMVPN_HAVE_DEV_LLTX
	dev->lltx = true;
#else
	dev->features |= NETIF_F_LLTX;
#endif
}

/* header_ops->parse gained the device as an argument. */
#ifdef DMVPN_HAVE_HEADER_PARSE_DEV
#define DMVPN_HEADER_PARSE_ARGS \
	const struct sk_buff *skb, const struct net_device *dev, unsigned char *haddr
#else
#define DMVPN_HEADER_PARSE_ARGS const struct sk_buff *skb, unsigned char *haddr
#endif

/*
 * 6.5 added the lookups that allocate the reference's tracker; before, the
 * tracker is allocated after the lookup, as they do.
 */
#ifndef DMVPN_HAVE_NETDEV_GET_BY_INDEX
static inline struct net_device *
netdev_get_by_index(struct net *net, int ifindex, netdevice_tracker *tracker,
		    gfp_t gfp)
{
	struct net_device *dev = dev_get_by_index(net, ifindex);

	if (dev)
		netdev_tracker_alloc(dev, tracker, gfp);
	return dev;
}

static inline struct net_device *
netdev_get_by_name(struct net *net, const char *name,
		   netdevice_tracker *tracker, gfp_t gfp)
{
	struct net_device *dev = dev_get_by_name(net, name);

	if (dev)
		netdev_tracker_alloc(dev, tracker, gfp);
	return dev;
}
#endif

#ifndef DMVPN_HAVE_PCPU_STAT_TYPE
#error "dmvpn needs struct net_device::pcpu_stat_type (Linux 6.6, or a backport)"
#endif

#endif /* _DMVPN_COMPAT_H */

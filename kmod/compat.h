/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels dmvpn builds against, chosen by the
 * feature probes in Kbuild rather than by version numbers.
 */
#ifndef _DMVPN_COMPAT_H
#define _DMVPN_COMPAT_H

#include <linux/netdevice.h>
#include <net/net_namespace.h>
#include <net/rtnetlink.h>
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
 * 6.15 gathered newlink's arguments into struct rtnl_newlink_params.  The
 * device's underlay namespace is what older kernels passed as src_net:
 * IFLA_LINK_NETNSID's namespace if given, else the caller's.  A newlink
 * callback is declared with DMVPN_NEWLINK_PROTO(name) and starts with
 *	struct dmvpn_newlink_args args = DMVPN_NEWLINK_ARGS;
 * (dev and extack are arguments on every kernel).
 */
struct dmvpn_newlink_args {
	struct net *link_net;
	struct nlattr **tb;
	struct nlattr **data;
};

#ifdef DMVPN_HAVE_NEWLINK_PARAMS
#define DMVPN_NEWLINK_PROTO(name)					\
	int name(struct net_device *dev,				\
		 struct rtnl_newlink_params *params,			\
		 struct netlink_ext_ack *extack)
#define DMVPN_NEWLINK_ARGS {						\
	.link_net = rtnl_newlink_link_net(params),			\
	.tb = params->tb,						\
	.data = params->data,						\
}
#else
#define DMVPN_NEWLINK_PROTO(name)					\
	int name(struct net *src_net, struct net_device *dev,		\
		 struct nlattr *tb[], struct nlattr *data[],		\
		 struct netlink_ext_ack *extack)
#define DMVPN_NEWLINK_ARGS {						\
	.link_net = src_net,						\
	.tb = tb,							\
	.data = data,							\
}
#endif

/*
 * Since 6.14 (backported to Debian's 6.12) a dying namespace's devices are
 * queued from pernet_operations->exit_rtnl, which runs under one RTNL hold
 * for the whole batch of namespaces.  Before it, each namespace takes RTNL
 * in pre_exit.  DMVPN_DEFINE_PERNET_OPS(name, kill) defines the
 * pernet_operations @name around kill(net, dev_kill_list), called with
 * RTNL held.
 */
#ifdef DMVPN_HAVE_PERNET_EXIT_RTNL
#define DMVPN_DEFINE_PERNET_OPS(name, kill)				\
static struct pernet_operations name = {				\
	.exit_rtnl = kill,						\
}
#else
#define DMVPN_DEFINE_PERNET_OPS(name, kill)				\
static void name##_pre_exit(struct net *net)				\
{									\
	LIST_HEAD(dev_kill_list);					\
									\
	rtnl_lock();							\
	kill(net, &dev_kill_list);					\
	unregister_netdevice_many(&dev_kill_list);			\
	rtnl_unlock();							\
}									\
static struct pernet_operations name = {				\
	.pre_exit = name##_pre_exit,					\
}
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

/*
 * The cache's expiry work needs no particular CPU: the unbound workqueue,
 * which newer kernels call system_dfl_wq and which warns once, from 7.x,
 * when queued on under its old name (system_unbound_wq, or system_wq).
 */
#ifdef DMVPN_HAVE_SYSTEM_DFL_WQ
#define dmvpn_gc_wq system_dfl_wq
#else
#define dmvpn_gc_wq system_unbound_wq
#endif

#endif /* _DMVPN_COMPAT_H */

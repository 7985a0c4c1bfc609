// SPDX-License-Identifier: GPL-2.0
/*
 * The dmvpn netdevice: rtnl_link_ops, netdev_ops and the header_ops that
 * let NHRP daemons send and receive over AF_PACKET as they do on ip_gre.
 */
#include <linux/if_arp.h>
#include <linux/if_tunnel.h>
#include <linux/ip.h>
#include <linux/module.h>
#include <linux/rtnetlink.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/neighbour.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/rtnetlink.h>

#include "compat.h"
#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "rx.h"
#include "sysfs.h"
#include "tx.h"

static LIST_HEAD(dmvpn_dev_list);

static const struct nla_policy dmvpn_link_policy[IFLA_DMVPN_MAX + 1] = {
	[IFLA_DMVPN_LOCAL]		= { .type = NLA_U32 },
	[IFLA_DMVPN_LINK]		= { .type = NLA_U32 },
	[IFLA_DMVPN_KEY]		= { .type = NLA_U32 },
	[IFLA_DMVPN_KEY_ON]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_DMVPN_TTL]		= { .type = NLA_U8 },
	[IFLA_DMVPN_TOS]		= { .type = NLA_U8 },
	[IFLA_DMVPN_CSUM]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_DMVPN_PMTUDISC]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_DMVPN_FWMARK]		= { .type = NLA_U32 },
	[IFLA_DMVPN_REDIRECT]		= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_DMVPN_REQUIRE_IPSEC]	= NLA_POLICY_MAX(NLA_U8, 1),
	[IFLA_DMVPN_MAX_ENTRIES]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static void dmvpn_params_defaults(struct dmvpn_params *p)
{
	memset(p, 0, sizeof(*p));
	p->ttl = DMVPN_DEFAULT_TTL;
	p->pmtudisc = true;
	p->max_entries = DMVPN_DEFAULT_MAX_ENTRIES;
}

static void dmvpn_params_from_attrs(struct dmvpn_params *p,
				    struct nlattr *data[])
{
	if (!data)
		return;
	if (data[IFLA_DMVPN_LOCAL])
		p->local = nla_get_in_addr(data[IFLA_DMVPN_LOCAL]);
	if (data[IFLA_DMVPN_LINK])
		p->link = nla_get_u32(data[IFLA_DMVPN_LINK]);
	if (data[IFLA_DMVPN_KEY]) {
		p->key = nla_get_u32(data[IFLA_DMVPN_KEY]);
		p->key_on = true;
	}
	if (data[IFLA_DMVPN_KEY_ON])
		p->key_on = nla_get_u8(data[IFLA_DMVPN_KEY_ON]);
	if (data[IFLA_DMVPN_TTL])
		p->ttl = nla_get_u8(data[IFLA_DMVPN_TTL]);
	if (data[IFLA_DMVPN_TOS])
		p->tos = nla_get_u8(data[IFLA_DMVPN_TOS]);
	if (data[IFLA_DMVPN_CSUM])
		p->csum = nla_get_u8(data[IFLA_DMVPN_CSUM]);
	if (data[IFLA_DMVPN_PMTUDISC])
		p->pmtudisc = nla_get_u8(data[IFLA_DMVPN_PMTUDISC]);
	if (data[IFLA_DMVPN_FWMARK])
		p->fwmark = nla_get_u32(data[IFLA_DMVPN_FWMARK]);
	if (data[IFLA_DMVPN_REDIRECT])
		p->redirect = nla_get_u8(data[IFLA_DMVPN_REDIRECT]);
	if (data[IFLA_DMVPN_REQUIRE_IPSEC])
		p->require_ipsec = nla_get_u8(data[IFLA_DMVPN_REQUIRE_IPSEC]);
	if (data[IFLA_DMVPN_MAX_ENTRIES])
		p->max_entries = nla_get_u32(data[IFLA_DMVPN_MAX_ENTRIES]);
}

static int dmvpn_params_check(const struct dmvpn_params *p,
			      struct netlink_ext_ack *extack)
{
	if (ipv4_is_multicast(p->local) || ipv4_is_lbcast(p->local)) {
		NL_SET_ERR_MSG(extack, "local address must be unicast");
		return -EINVAL;
	}
	if (!p->pmtudisc && p->ttl) {
		/* As ip_gre: without DF a fixed TTL would hide loops. */
		NL_SET_ERR_MSG(extack, "nopmtudisc needs ttl inherit");
		return -EINVAL;
	}
	return 0;
}

static int dmvpn_validate(struct nlattr *tb[], struct nlattr *data[],
			  struct netlink_ext_ack *extack)
{
	if (tb[IFLA_ADDRESS]) {
		NL_SET_ERR_MSG(extack, "the address of a dmvpn device is its local address");
		return -EINVAL;
	}
	return 0;
}

static unsigned int dmvpn_max_mtu(const struct dmvpn_params *p)
{
	return IP_MAX_MTU - sizeof(struct iphdr) - dmvpn_gre_hlen(p);
}

static unsigned int dmvpn_default_mtu(const struct dmvpn_params *p)
{
	return ETH_DATA_LEN - sizeof(struct iphdr) - dmvpn_gre_hlen(p);
}

/* Apply parameters that shape the device itself, under RTNL. */
static void dmvpn_apply_params(struct dmvpn_dev *dd,
			       const struct dmvpn_params *p)
{
	struct net_device *dev = dd->dev;

	dev->max_mtu = dmvpn_max_mtu(p);
	dev->needed_headroom = LL_MAX_HEADER + sizeof(struct iphdr) +
			       dmvpn_gre_hlen(p);
	dev_addr_set(dev, (const u8 *)&p->local);
	/*
	 * GSO of GRE with checksums is done by the stack, but segments that
	 * carry a key and a checksum are still valid: keep GSO either way.
	 */
	dev->features |= NETIF_F_GSO_SOFTWARE;
	dev->hw_features |= NETIF_F_GSO_SOFTWARE;
}

/* args.link_net: the underlay's namespace, where GRE is sent and received. */
static DMVPN_NEWLINK_PROTO(dmvpn_newlink)
{
	const struct dmvpn_newlink_args args = DMVPN_NEWLINK_ARGS;
	struct dmvpn_dev *dd = netdev_priv(dev);
	struct dmvpn_params *p;
	int err;

	p = kmalloc(sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	dmvpn_params_defaults(p);
	dmvpn_params_from_attrs(p, args.data);
	err = dmvpn_params_check(p, extack);
	if (err)
		goto free_params;
	dd->net = args.link_net;
	rcu_assign_pointer(dd->params, p);
	dmvpn_apply_params(dd, p);
	/*
	 * An MTU given at creation was checked against the maximum without
	 * key and checksum: clamp it to this device's, as ip_tunnel does.
	 */
	if (!args.tb[IFLA_MTU])
		dev->mtu = dmvpn_default_mtu(p);
	else if (dev->mtu > dev->max_mtu)
		dev->mtu = dev->max_mtu;

	err = register_netdevice(dev);
	if (err) {
		/*
		 * Once ndo_init has run, the params belong to the device:
		 * its error path or the destructor frees them.
		 */
		if (!dd->init_ran)
			goto free_params;
		return err;
	}
	err = dmvpn_rx_register(dd);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot attach to GRE receive");
		unregister_netdevice(dev);
		return err;
	}
	list_add(&dd->dev_list, &dmvpn_dev_list);
	return 0;

free_params:
	kfree(p);
	RCU_INIT_POINTER(dd->params, NULL);
	return err;
}

static int dmvpn_changelink(struct net_device *dev, struct nlattr *tb[],
			    struct nlattr *data[],
			    struct netlink_ext_ack *extack)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	struct dmvpn_params *old, *p;
	bool route_changed, was_default_mtu;
	int err;

	old = rtnl_dereference(dd->params);
	p = kmemdup(old, sizeof(*p), GFP_KERNEL_ACCOUNT);
	if (!p)
		return -ENOMEM;
	dmvpn_params_from_attrs(p, data);
	err = dmvpn_params_check(p, extack);
	if (err) {
		kfree(p);
		return err;
	}
	was_default_mtu = dev->mtu == dmvpn_default_mtu(old);
	/* The key is in the flow too: xfrm policies can select on it. */
	route_changed = p->local != old->local || p->link != old->link ||
			p->fwmark != old->fwmark || p->key_on != old->key_on ||
			(p->key_on && p->key != old->key);
	rcu_assign_pointer(dd->params, p);
	kfree_rcu(old, rcu);
	dmvpn_apply_params(dd, p);
	if (was_default_mtu && !tb[IFLA_MTU])
		dev_set_mtu(dev, dmvpn_default_mtu(p));
	else if (dev->mtu > dev->max_mtu)
		dev_set_mtu(dev, dev->max_mtu);
	if (route_changed)
		dmvpn_cache_peers_reset_routes(&dd->cache);
	return 0;
}

static void dmvpn_dellink(struct net_device *dev, struct list_head *head)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	list_del_init(&dd->dev_list);
	unregister_netdevice_queue(dev, head);
}

static size_t dmvpn_get_size(const struct net_device *dev)
{
	return nla_total_size(4) * 5 +	/* LOCAL LINK KEY FWMARK MAX_ENTRIES */
	       nla_total_size(1) * 7;	/* KEY_ON TTL TOS CSUM PMTUDISC ... */
}

static int dmvpn_fill_info(struct sk_buff *skb, const struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	const struct dmvpn_params *p = rtnl_dereference(dd->params);

	if (nla_put_in_addr(skb, IFLA_DMVPN_LOCAL, p->local) ||
	    nla_put_u32(skb, IFLA_DMVPN_LINK, p->link) ||
	    nla_put_u32(skb, IFLA_DMVPN_KEY, p->key) ||
	    nla_put_u8(skb, IFLA_DMVPN_KEY_ON, p->key_on) ||
	    nla_put_u8(skb, IFLA_DMVPN_TTL, p->ttl) ||
	    nla_put_u8(skb, IFLA_DMVPN_TOS, p->tos) ||
	    nla_put_u8(skb, IFLA_DMVPN_CSUM, p->csum) ||
	    nla_put_u8(skb, IFLA_DMVPN_PMTUDISC, p->pmtudisc) ||
	    nla_put_u32(skb, IFLA_DMVPN_FWMARK, p->fwmark) ||
	    nla_put_u8(skb, IFLA_DMVPN_REDIRECT, p->redirect) ||
	    nla_put_u8(skb, IFLA_DMVPN_REQUIRE_IPSEC, p->require_ipsec) ||
	    nla_put_u32(skb, IFLA_DMVPN_MAX_ENTRIES, p->max_entries))
		return -EMSGSIZE;
	return 0;
}

static struct net *dmvpn_get_link_net(const struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	return dd->net;
}

static int dmvpn_dev_init(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);
	int err;

	dd->init_ran = true;
	dd->counters = __netdev_alloc_pcpu_stats(struct dmvpn_pcpu_counters,
						 GFP_KERNEL_ACCOUNT);
	if (!dd->counters)
		return -ENOMEM;
	err = gro_cells_init(&dd->gro_cells, dev);
	if (err)
		goto free_counters;
	err = dmvpn_cache_init(&dd->cache);
	if (err)
		goto destroy_gro_cells;
	dmvpn_events_init(&dd->events);
	return 0;

destroy_gro_cells:
	gro_cells_destroy(&dd->gro_cells);
free_counters:
	free_percpu(dd->counters);
	dd->counters = NULL;
	kfree(rcu_access_pointer(dd->params));
	RCU_INIT_POINTER(dd->params, NULL);
	return err;
}

/* Undoes dmvpn_dev_init() and everything after it, under RTNL. */
static void dmvpn_dev_uninit(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	dmvpn_rx_unregister(dd);
	dmvpn_cache_flush_all(&dd->cache);
	gro_cells_destroy(&dd->gro_cells);
}

/* Runs once the last reference to the device is gone. */
static void dmvpn_dev_destruct(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	dmvpn_cache_destroy(&dd->cache);
	free_percpu(dd->counters);
	kfree(rcu_access_pointer(dd->params));
}

static int dmvpn_header_create(struct sk_buff *skb, struct net_device *dev,
			       unsigned short type, const void *daddr,
			       const void *saddr, unsigned int len)
{
	__be32 *nbma;

	/*
	 * Only NHRP from packet sockets names a link-layer destination: the
	 * peer's NBMA address.  It rides in front of the packet to xmit.
	 * IP packets carry no link header; the cache chooses their peer.
	 */
	if (type != DMVPN_ETH_P_NHRP)
		return 0;
	/* No address, or 0.0.0.0: nowhere to send (ip_gre refuses too). */
	if (!daddr || !memchr_inv(daddr, 0, sizeof(*nbma)))
		return -EINVAL;
	nbma = skb_push(skb, sizeof(*nbma));
	memcpy(nbma, daddr, sizeof(*nbma));
	return sizeof(*nbma);
}

/*
 * For NHRP, rx leaves the mac header at the outer IPv4 header, so packet
 * sockets learn the sender's NBMA address as the link-layer source.
 */
static int dmvpn_header_parse(DMVPN_HEADER_PARSE_ARGS)
{
	const struct iphdr *iph = (const struct iphdr *)skb_mac_header(skb);

	if (skb->protocol != htons(DMVPN_ETH_P_NHRP) ||
	    skb_network_header(skb) - skb_mac_header(skb) < (int)sizeof(*iph))
		return 0;
	memcpy(haddr, &iph->saddr, sizeof(iph->saddr));
	return sizeof(iph->saddr);
}

static const struct header_ops dmvpn_header_ops = {
	.create	= dmvpn_header_create,
	.parse	= dmvpn_header_parse,
};

/*
 * What neigh_direct_output() does; the kernel stopped exporting it (7.x),
 * and the core never compares a neighbour's output with it.
 */
static int dmvpn_neigh_output(struct neighbour *n, struct sk_buff *skb)
{
	return dev_queue_xmit(skb);
}

/*
 * The header_ops are there for NHRP from packet sockets only: IP packets
 * carry no link header, and the cache, not the neighbour, picks their peer.
 * So IP neighbours on the device send straight to it, as they would on a
 * device without header_ops, instead of building an empty header through
 * neigh_connected_output() for every packet.
 */
static const struct neigh_ops dmvpn_neigh_ops4 = {
	.family			= AF_INET,
	.output			= dmvpn_neigh_output,
	.connected_output	= dmvpn_neigh_output,
};

static const struct neigh_ops dmvpn_neigh_ops6 = {
	.family			= AF_INET6,
	.output			= dmvpn_neigh_output,
	.connected_output	= dmvpn_neigh_output,
};

static int dmvpn_neigh_construct(struct net_device *dev, struct neighbour *n)
{
	n->ops = n->tbl->family == AF_INET6 ? &dmvpn_neigh_ops6 :
					      &dmvpn_neigh_ops4;
	n->output = dmvpn_neigh_output;
	return 0;
}

static const struct net_device_ops dmvpn_netdev_ops = {
	.ndo_init		= dmvpn_dev_init,
	.ndo_uninit		= dmvpn_dev_uninit,
	.ndo_start_xmit		= dmvpn_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_neigh_construct	= dmvpn_neigh_construct,
};

static const struct device_type dmvpn_device_type = {
	.name = KBUILD_MODNAME,
};

#define DMVPN_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
			NETIF_F_HW_CSUM)

static void dmvpn_setup(struct net_device *dev)
{
	struct dmvpn_dev *dd = netdev_priv(dev);

	dd->dev = dev;
	INIT_LIST_HEAD(&dd->dev_list);
	dev->netdev_ops = &dmvpn_netdev_ops;
	dev->header_ops = &dmvpn_header_ops;
	dev->type = ARPHRD_IPGRE;
	dev->flags = IFF_NOARP | IFF_BROADCAST | IFF_MULTICAST;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->addr_len = sizeof(__be32);
	dev->hard_header_len = 0;
	dev->min_mtu = IPV4_MIN_MTU;
	dev->mtu = ETH_DATA_LEN - sizeof(struct iphdr) - 4;
	dev->max_mtu = IP_MAX_MTU - sizeof(struct iphdr) - 4;
	dev->features |= DMVPN_FEATURES;
	dev->hw_features |= DMVPN_FEATURES;
	dmvpn_compat_set_lltx(dev);
	/* xmit needs the route to find the next hop of a missed packet. */
	netif_keep_dst(dev);
	dev->pcpu_stat_type = NETDEV_PCPU_STAT_TSTATS;
	dev->needs_free_netdev = true;
	dev->priv_destructor = dmvpn_dev_destruct;
	dev->sysfs_groups[0] = &dmvpn_sysfs_group;
	SET_NETDEV_DEVTYPE(dev, &dmvpn_device_type);
}

struct rtnl_link_ops dmvpn_link_ops __read_mostly = {
	.kind		= KBUILD_MODNAME,
	.priv_size	= sizeof(struct dmvpn_dev),
	.maxtype	= IFLA_DMVPN_MAX,
	.policy		= dmvpn_link_policy,
	.setup		= dmvpn_setup,
	.validate	= dmvpn_validate,
	.newlink	= dmvpn_newlink,
	.changelink	= dmvpn_changelink,
	.dellink	= dmvpn_dellink,
	.get_size	= dmvpn_get_size,
	.fill_info	= dmvpn_fill_info,
	.get_link_net	= dmvpn_get_link_net,
};

static struct dmvpn_dev *dmvpn_dev_from(struct net_device *dev,
					netdevice_tracker *tracker)
{
	if (!dev)
		return NULL;
	if (dev->rtnl_link_ops != &dmvpn_link_ops) {
		netdev_put(dev, tracker);
		return NULL;
	}
	return netdev_priv(dev);
}

/**
 * dmvpn_dev_get_by_index - find a dmvpn device and hold it
 * @net: namespace the device lives in
 * @ifindex: its index
 * @tracker: tracks the reference (netdev_put(dd->dev, tracker))
 *
 * Return: the device with a reference, or NULL if there is no such device
 * or it is not a dmvpn device.
 */
struct dmvpn_dev *dmvpn_dev_get_by_index(struct net *net, int ifindex,
					 netdevice_tracker *tracker)
{
	return dmvpn_dev_from(netdev_get_by_index(net, ifindex, tracker,
						  GFP_KERNEL), tracker);
}

/**
 * dmvpn_dev_find_rcu - find a dmvpn device without holding it
 * @net: namespace the device lives in
 * @ifindex: its index
 *
 * The device, its cache and its tables stay valid until rcu_read_unlock().
 *
 * Context: RCU read side.
 * Return: the device, or NULL as dmvpn_dev_get_by_index().
 */
struct dmvpn_dev *dmvpn_dev_find_rcu(struct net *net, int ifindex)
{
	struct net_device *dev = dev_get_by_index_rcu(net, ifindex);

	if (!dev || dev->rtnl_link_ops != &dmvpn_link_ops)
		return NULL;
	return netdev_priv(dev);
}

/**
 * dmvpn_dev_get_by_name - find a dmvpn device by name and hold it
 * @net: namespace the device lives in
 * @name: its name
 * @tracker: as for dmvpn_dev_get_by_index()
 *
 * Return: as dmvpn_dev_get_by_index().
 */
struct dmvpn_dev *dmvpn_dev_get_by_name(struct net *net, const char *name,
					netdevice_tracker *tracker)
{
	return dmvpn_dev_from(netdev_get_by_name(net, name, tracker,
						 GFP_KERNEL), tracker);
}

/**
 * dmvpn_counters_fold - sum the per-cpu counters of a device
 * @dd: the device
 * @out: the sums, indexed by enum dmvpn_counter
 */
void dmvpn_counters_fold(struct dmvpn_dev *dd, u64 out[DMVPN_CTR_COUNT])
{
	int cpu, i;

	memset(out, 0, sizeof(u64) * DMVPN_CTR_COUNT);
	for_each_possible_cpu(cpu) {
		const struct dmvpn_pcpu_counters *pc;
		u64 v[DMVPN_CTR_COUNT];
		unsigned int start;

		pc = per_cpu_ptr(dd->counters, cpu);
		do {
			start = u64_stats_fetch_begin(&pc->syncp);
			for (i = 0; i < DMVPN_CTR_COUNT; i++)
				v[i] = u64_stats_read(&pc->ctr[i]);
		} while (u64_stats_fetch_retry(&pc->syncp, start));
		for (i = 0; i < DMVPN_CTR_COUNT; i++)
			out[i] += v[i];
	}
}

/*
 * A device outlives neither the namespace of its underlay (its receive hook
 * and routes live there) nor, as usual, its own namespace, which the core
 * empties itself.  Called with RTNL held.
 */
static void dmvpn_net_kill_devices(struct net *net,
				   struct list_head *dev_kill_list)
{
	struct dmvpn_dev *dd, *tmp;

	list_for_each_entry_safe(dd, tmp, &dmvpn_dev_list, dev_list) {
		if (dd->net == net)
			dmvpn_dellink(dd->dev, dev_kill_list);
	}
}

DMVPN_DEFINE_PERNET_OPS(dmvpn_net_ops, dmvpn_net_kill_devices);

int dmvpn_device_init(void)
{
	int err;

	err = register_pernet_device(&dmvpn_net_ops);
	if (err)
		return err;
	err = rtnl_link_register(&dmvpn_link_ops);
	if (err)
		unregister_pernet_device(&dmvpn_net_ops);
	return err;
}

void dmvpn_device_uninit(void)
{
	rtnl_link_unregister(&dmvpn_link_ops);
	unregister_pernet_device(&dmvpn_net_ops);
}

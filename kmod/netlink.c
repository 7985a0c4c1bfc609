// SPDX-License-Identifier: GPL-2.0
/*
 * The "dmvpn" generic netlink family: cache entries, counters and events.
 * The commands and attributes are documented in uapi/dmvpn.h.
 */
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <net/ipv6.h>

#include "device.h"
#include "netlink.h"
#include "peer.h"
#include "tx.h"

static const struct nla_policy dmvpn_entry_policy[DMVPN_ENTRY_A_MAX + 1] = {
	[DMVPN_ENTRY_A_FAMILY]		= { .type = NLA_U8 },
	[DMVPN_ENTRY_A_PREFIX]		= NLA_POLICY_RANGE(NLA_BINARY, 4, 16),
	[DMVPN_ENTRY_A_PREFIXLEN]	= NLA_POLICY_MAX(NLA_U8, 128),
	[DMVPN_ENTRY_A_NBMA]		= NLA_POLICY_EXACT_LEN(4),
	[DMVPN_ENTRY_A_TYPE]		= NLA_POLICY_RANGE(NLA_U8, 1,
							   DMVPN_ENTRY_TYPE_MAX),
	[DMVPN_ENTRY_A_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
							  DMVPN_ENTRY_F_ALL),
	[DMVPN_ENTRY_A_HOLDTIME]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_QOS_PRIORITY]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_QOS_MARK]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_IPSEC_MARK]	= { .type = NLA_U32 },
	[DMVPN_ENTRY_A_IPSEC_MASK]	= { .type = NLA_U32 },
};

static const struct nla_policy dmvpn_genl_policy[DMVPN_A_MAX + 1] = {
	[DMVPN_A_IFINDEX]	= { .type = NLA_U32 },
	[DMVPN_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
	[DMVPN_A_ENTRY]		= NLA_POLICY_NESTED(dmvpn_entry_policy),
	[DMVPN_A_FLUSH_TYPE]	= NLA_POLICY_RANGE(NLA_U8, 1,
						   DMVPN_ENTRY_TYPE_MAX),
	[DMVPN_A_REPLACE]	= { .type = NLA_FLAG },
};

/* The request's device, held until netdev_put(dd->dev, tracker). */
static struct dmvpn_dev *dmvpn_nl_dev(struct net *net, struct nlattr **attrs,
				      struct netlink_ext_ack *extack,
				      netdevice_tracker *tracker)
{
	struct dmvpn_dev *dd = NULL;

	if (attrs[DMVPN_A_IFINDEX])
		dd = dmvpn_dev_get_by_index(net,
					    nla_get_u32(attrs[DMVPN_A_IFINDEX]),
					    tracker);
	else if (attrs[DMVPN_A_IFNAME])
		dd = dmvpn_dev_get_by_name(net, nla_data(attrs[DMVPN_A_IFNAME]),
					   tracker);
	else
		NL_SET_ERR_MSG(extack, "no device given (ifindex or ifname)");
	if (!dd && (attrs[DMVPN_A_IFINDEX] || attrs[DMVPN_A_IFNAME]))
		NL_SET_ERR_MSG(extack, "no such dmvpn device");
	return dd;
}

static int dmvpn_nl_parse_key(struct nlattr **tb, struct dmvpn_key *key,
			      struct netlink_ext_ack *extack)
{
	unsigned int len;
	u8 family, plen;

	if (!tb[DMVPN_ENTRY_A_FAMILY] || !tb[DMVPN_ENTRY_A_PREFIX]) {
		NL_SET_ERR_MSG(extack, "entry needs a family and a prefix");
		return -EINVAL;
	}
	family = nla_get_u8(tb[DMVPN_ENTRY_A_FAMILY]);
	len = family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
	if (!len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_ENTRY_A_FAMILY],
				    "family must be AF_INET or AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (nla_len(tb[DMVPN_ENTRY_A_PREFIX]) != len) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_ENTRY_A_PREFIX],
				    "prefix length does not match the family");
		return -EINVAL;
	}
	plen = tb[DMVPN_ENTRY_A_PREFIXLEN] ?
	       nla_get_u8(tb[DMVPN_ENTRY_A_PREFIXLEN]) : len * 8;
	if (plen > len * 8) {
		NL_SET_ERR_MSG_ATTR(extack, tb[DMVPN_ENTRY_A_PREFIXLEN],
				    "prefix length too long for the family");
		return -EINVAL;
	}
	return dmvpn_key_set(key, family, nla_data(tb[DMVPN_ENTRY_A_PREFIX]),
			     plen);
}

static int dmvpn_nl_parse_entry(struct genl_info *info, struct nlattr **tb)
{
	if (GENL_REQ_ATTR_CHECK(info, DMVPN_A_ENTRY))
		return -EINVAL;
	return nla_parse_nested(tb, DMVPN_ENTRY_A_MAX,
				info->attrs[DMVPN_A_ENTRY], dmvpn_entry_policy,
				info->extack);
}

static u32 dmvpn_nl_u32(struct nlattr *attr)
{
	return attr ? nla_get_u32(attr) : 0;
}

static int dmvpn_nl_parse_spec(struct genl_info *info,
			       struct dmvpn_entry_spec *spec)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	int err;

	err = dmvpn_nl_parse_entry(info, tb);
	if (err)
		return err;
	memset(spec, 0, sizeof(*spec));
	err = dmvpn_nl_parse_key(tb, &spec->key, info->extack);
	if (err)
		return err;
	if (tb[DMVPN_ENTRY_A_NBMA])
		spec->nbma = nla_get_in_addr(tb[DMVPN_ENTRY_A_NBMA]);
	spec->type = tb[DMVPN_ENTRY_A_TYPE] ?
		     nla_get_u8(tb[DMVPN_ENTRY_A_TYPE]) : DMVPN_ENTRY_STATIC;
	spec->flags = dmvpn_nl_u32(tb[DMVPN_ENTRY_A_FLAGS]);
	spec->holdtime = dmvpn_nl_u32(tb[DMVPN_ENTRY_A_HOLDTIME]);
	/* nla_policy bounds are s16: check the 16-bit NHRP range here. */
	if (spec->holdtime > U16_MAX) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[DMVPN_ENTRY_A_HOLDTIME],
				    "holding time is at most 65535 seconds");
		return -ERANGE;
	}
	spec->qos_priority = dmvpn_nl_u32(tb[DMVPN_ENTRY_A_QOS_PRIORITY]);
	spec->qos_mark = dmvpn_nl_u32(tb[DMVPN_ENTRY_A_QOS_MARK]);
	spec->ipsec_mark = dmvpn_nl_u32(tb[DMVPN_ENTRY_A_IPSEC_MARK]);
	spec->ipsec_mask = tb[DMVPN_ENTRY_A_IPSEC_MASK] ?
			   nla_get_u32(tb[DMVPN_ENTRY_A_IPSEC_MASK]) :
			   spec->ipsec_mark ? U32_MAX : 0;
	return 0;
}

/**
 * dmvpn_nl_put_entry - describe an entry in a DMVPN_A_ENTRY nest
 * @skb: the message
 * @e: the entry
 *
 * Context: RCU read side or the cache lock.
 */
int dmvpn_nl_put_entry(struct sk_buff *skb, const struct dmvpn_entry *e)
{
	unsigned long used = READ_ONCE(e->last_used);
	struct nlattr *nest;

	nest = nla_nest_start(skb, DMVPN_A_ENTRY);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_u8(skb, DMVPN_ENTRY_A_FAMILY, e->key.family) ||
	    nla_put(skb, DMVPN_ENTRY_A_PREFIX,
		    e->key.family == AF_INET ? 4 : 16, &e->key.addr) ||
	    nla_put_u8(skb, DMVPN_ENTRY_A_PREFIXLEN, e->key.plen) ||
	    (e->peer && nla_put_in_addr(skb, DMVPN_ENTRY_A_NBMA, e->peer->nbma)) ||
	    nla_put_u8(skb, DMVPN_ENTRY_A_TYPE, e->type) ||
	    nla_put_u32(skb, DMVPN_ENTRY_A_FLAGS, e->flags) ||
	    (e->expires && nla_put_u32(skb, DMVPN_ENTRY_A_HOLDTIME,
				       dmvpn_entry_holdtime_left(e))) ||
	    nla_put_u32(skb, DMVPN_ENTRY_A_QOS_PRIORITY, e->qos_priority) ||
	    nla_put_u32(skb, DMVPN_ENTRY_A_QOS_MARK, e->qos_mark) ||
	    (e->peer && e->peer->ipsec_mark &&
	     (nla_put_u32(skb, DMVPN_ENTRY_A_IPSEC_MARK, e->peer->ipsec_mark) ||
	      nla_put_u32(skb, DMVPN_ENTRY_A_IPSEC_MASK,
			  e->peer->ipsec_mask))) ||
	    (used && nla_put_u64_64bit(skb, DMVPN_ENTRY_A_USED_MSECS,
				       jiffies_to_msecs(jiffies - used),
				       DMVPN_ENTRY_A_PAD)) ||
	    nla_put_u64_64bit(skb, DMVPN_ENTRY_A_TX_PACKETS,
			      atomic64_read(&e->tx_packets), DMVPN_ENTRY_A_PAD) ||
	    nla_put_u64_64bit(skb, DMVPN_ENTRY_A_TX_BYTES,
			      atomic64_read(&e->tx_bytes), DMVPN_ENTRY_A_PAD)) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int dmvpn_nl_entry_new(struct sk_buff *skb, struct genl_info *info)
{
	struct dmvpn_entry_spec spec;
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	int err;

	err = dmvpn_nl_parse_spec(info, &spec);
	if (err)
		return err;
	dd = dmvpn_nl_dev(genl_info_net(info), info->attrs, info->extack,
			  &tracker);
	if (!dd)
		return -ENODEV;
	err = dmvpn_cache_add(dd, &spec,
			      nla_get_flag(info->attrs[DMVPN_A_REPLACE]),
			      info->extack);
	if (!err && spec.type != DMVPN_ENTRY_NEGATIVE)
		dmvpn_xmit_peer_added(dd, spec.nbma, spec.ipsec_mark);
	netdev_put(dd->dev, &tracker);
	return err;
}

/*
 * The prefix of the request's entry and its device, held: what del and get
 * both need.  Return: 0, or an errno with extack set.
 */
static int dmvpn_nl_key_dev(struct genl_info *info, struct dmvpn_key *key,
			    struct dmvpn_dev **dd, netdevice_tracker *tracker)
{
	struct nlattr *tb[DMVPN_ENTRY_A_MAX + 1];
	int err;

	err = dmvpn_nl_parse_entry(info, tb);
	if (!err)
		err = dmvpn_nl_parse_key(tb, key, info->extack);
	if (err)
		return err;
	*dd = dmvpn_nl_dev(genl_info_net(info), info->attrs, info->extack,
			   tracker);
	return *dd ? 0 : -ENODEV;
}

static int dmvpn_nl_entry_del(struct sk_buff *skb, struct genl_info *info)
{
	struct dmvpn_key key;
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	int err;

	err = dmvpn_nl_key_dev(info, &key, &dd, &tracker);
	if (err)
		return err;
	err = dmvpn_cache_del(dd, &key);
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no entry for this prefix");
	netdev_put(dd->dev, &tracker);
	return err;
}

static void *dmvpn_nl_msg_put(struct sk_buff *msg, struct genl_info *info,
			      struct dmvpn_dev *dd, u8 cmd)
{
	void *hdr = genlmsg_put(msg, info->snd_portid, info->snd_seq,
				&dmvpn_genl_family, 0, cmd);

	if (hdr && nla_put_u32(msg, DMVPN_A_IFINDEX, dd->dev->ifindex)) {
		genlmsg_cancel(msg, hdr);
		return NULL;
	}
	return hdr;
}

static int dmvpn_nl_entry_get(struct sk_buff *skb, struct genl_info *info)
{
	struct dmvpn_entry *e;
	struct dmvpn_key key;
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	struct sk_buff *msg;
	void *hdr;
	int err;

	err = dmvpn_nl_key_dev(info, &key, &dd, &tracker);
	if (err)
		return err;
	err = -ENOMEM;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto put_dev;
	err = -EMSGSIZE;
	hdr = dmvpn_nl_msg_put(msg, info, dd, DMVPN_CMD_ENTRY_GET);
	if (!hdr)
		goto free_msg;
	rcu_read_lock();
	e = dmvpn_cache_find(&dd->cache, &key);
	err = e ? dmvpn_nl_put_entry(msg, e) : -ENOENT;
	rcu_read_unlock();
	if (err == -ENOENT)
		NL_SET_ERR_MSG(info->extack, "no entry for this prefix");
	if (err)
		goto free_msg;
	genlmsg_end(msg, hdr);
	netdev_put(dd->dev, &tracker);
	return genlmsg_reply(msg, info);

free_msg:
	nlmsg_free(msg);
put_dev:
	netdev_put(dd->dev, &tracker);
	return err;
}

/*
 * Dump state across calls, in cb->ctx.  Nothing is held between calls: a
 * reader that never reads must not keep the device (and with it the
 * unregistration of the device and of its namespace) waiting.  Each call
 * finds the device again by index and resumes the walk of its table at the
 * bucket and position where the last call stopped.
 */
struct dmvpn_nl_dump {
	int ifindex;
	unsigned int slot;	/* the bucket to resume at */
	unsigned int skip;	/* entries of that bucket already sent */
	u32 restarts;		/* the walk began again after a resize */
	bool done;
};

static struct dmvpn_nl_dump *dmvpn_nl_dump_ctx(struct netlink_callback *cb)
{
	BUILD_BUG_ON(sizeof(struct dmvpn_nl_dump) > sizeof(cb->ctx));
	return (struct dmvpn_nl_dump *)cb->ctx;
}

static int dmvpn_nl_dump_start(struct netlink_callback *cb)
{
	struct dmvpn_nl_dump *dump = dmvpn_nl_dump_ctx(cb);
	struct nlattr *attrs[DMVPN_A_MAX + 1];
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	int err;

	err = genlmsg_parse(cb->nlh, &dmvpn_genl_family, attrs, DMVPN_A_MAX,
			    dmvpn_genl_policy, cb->extack);
	if (err)
		return err;
	dd = dmvpn_nl_dev(sock_net(cb->skb->sk), attrs, cb->extack, &tracker);
	if (!dd)
		return -ENODEV;
	memset(dump, 0, sizeof(*dump));
	dump->ifindex = dd->dev->ifindex;
	netdev_put(dd->dev, &tracker);
	return 0;
}

static int dmvpn_nl_dump_one(struct sk_buff *skb, struct netlink_callback *cb,
			     int ifindex, const struct dmvpn_entry *e)
{
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &dmvpn_genl_family, NLM_F_MULTI, DMVPN_CMD_ENTRY_GET);
	if (!hdr)
		return -EMSGSIZE;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, DMVPN_A_IFINDEX, ifindex) ||
	    dmvpn_nl_put_entry(skb, e)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/*
 * One part of the dump.  The device found under RCU stays valid until
 * rcu_read_unlock(): its table is destroyed only after the device is
 * unlisted and a grace period has passed.
 */
static int dmvpn_nl_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct dmvpn_nl_dump *dump = dmvpn_nl_dump_ctx(cb);
	struct rhashtable_iter iter;
	struct dmvpn_entry *e;
	struct dmvpn_dev *dd;
	int err = 0;

	if (dump->done)
		return 0;
	rcu_read_lock();
	dd = dmvpn_dev_find_rcu(sock_net(cb->skb->sk), dump->ifindex);
	if (!dd) {
		/* Gone since the last part: what was sent is all there is. */
		err = skb->len ? skb->len : -ENODEV;
		goto unlock;
	}
	rhashtable_walk_enter(&dd->cache.table, &iter);
	iter.slot = dump->slot;
	iter.skip = dump->skip;
	rhashtable_walk_start(&iter);
	/*
	 * A change to the cache (which is what can resize it or move entries
	 * between buckets), or a resize that restarts the walk, marks the
	 * dump NLM_F_DUMP_INTR: the reader may have seen an entry twice or
	 * missed one, and can ask again.
	 */
	cb->seq = READ_ONCE(dd->cache.generation) + dump->restarts;
	while ((e = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(e)) {
			if (PTR_ERR(e) != -EAGAIN)
				break;
			dump->restarts++;
			cb->seq++;
			continue;
		}
		if (dmvpn_nl_dump_one(skb, cb, dump->ifindex, e)) {
			/* It did not fit: the next part starts with it. */
			iter.skip--;
			break;
		}
	}
	if (!e)
		dump->done = true;
	dump->slot = iter.slot;
	dump->skip = iter.skip;
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	err = skb->len;
unlock:
	rcu_read_unlock();
	return err;
}

static int dmvpn_nl_entry_flush(struct sk_buff *skb, struct genl_info *info)
{
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	u8 type = 0;

	dd = dmvpn_nl_dev(genl_info_net(info), info->attrs, info->extack,
			  &tracker);
	if (!dd)
		return -ENODEV;
	if (info->attrs[DMVPN_A_FLUSH_TYPE])
		type = nla_get_u8(info->attrs[DMVPN_A_FLUSH_TYPE]);
	dmvpn_cache_flush(dd, type);
	netdev_put(dd->dev, &tracker);
	return 0;
}

static int dmvpn_nl_put_stats(struct sk_buff *msg, struct dmvpn_dev *dd)
{
	u64 ctr[DMVPN_CTR_COUNT];
	struct nlattr *nest;
	int i;

	/* enum dmvpn_counter follows enum dmvpn_stats_attr, one off. */
	BUILD_BUG_ON(DMVPN_CTR_TX_SHORTCUT + 1 != DMVPN_STATS_A_TX_SHORTCUT);
	BUILD_BUG_ON(DMVPN_CTR_COUNT + 1 != DMVPN_STATS_A_ENTRIES);
	dmvpn_counters_fold(dd, ctr);
	nest = nla_nest_start(msg, DMVPN_A_STATS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < DMVPN_CTR_COUNT; i++)
		if (nla_put_u64_64bit(msg, i + 1, ctr[i], DMVPN_STATS_A_PAD))
			goto cancel;
	if (nla_put_u64_64bit(msg, DMVPN_STATS_A_ENTRIES,
			      atomic_read(&dd->cache.count), DMVPN_STATS_A_PAD))
		goto cancel;
	nla_nest_end(msg, nest);
	return 0;
cancel:
	nla_nest_cancel(msg, nest);
	return -EMSGSIZE;
}

static int dmvpn_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	netdevice_tracker tracker;
	struct dmvpn_dev *dd;
	struct sk_buff *msg;
	void *hdr;
	int err = -ENOMEM;

	dd = dmvpn_nl_dev(genl_info_net(info), info->attrs, info->extack,
			  &tracker);
	if (!dd)
		return -ENODEV;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto put_dev;
	hdr = dmvpn_nl_msg_put(msg, info, dd, DMVPN_CMD_STATS_GET);
	if (!hdr || dmvpn_nl_put_stats(msg, dd)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto put_dev;
	}
	genlmsg_end(msg, hdr);
	netdev_put(dd->dev, &tracker);
	return genlmsg_reply(msg, info);
put_dev:
	netdev_put(dd->dev, &tracker);
	return err;
}

static const struct genl_ops dmvpn_genl_ops[] = {
	{
		.cmd = DMVPN_CMD_ENTRY_NEW,
		.doit = dmvpn_nl_entry_new,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = DMVPN_CMD_ENTRY_DEL,
		.doit = dmvpn_nl_entry_del,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = DMVPN_CMD_ENTRY_GET,
		.doit = dmvpn_nl_entry_get,
		.start = dmvpn_nl_dump_start,
		.dumpit = dmvpn_nl_dump,
	},
	{
		.cmd = DMVPN_CMD_ENTRY_FLUSH,
		.doit = dmvpn_nl_entry_flush,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = DMVPN_CMD_STATS_GET,
		.doit = dmvpn_nl_stats_get,
	},
};

static const struct genl_multicast_group dmvpn_genl_mcgrps[] = {
	/*
	 * Events carry the start of relayed packets and the destinations
	 * of missed ones: for the namespace's admin only.
	 */
	[DMVPN_MCGRP_EVENTS] = {
		.name = DMVPN_GENL_MCGRP_EVENTS,
		.flags = GENL_MCAST_CAP_NET_ADMIN,
	},
};

struct genl_family dmvpn_genl_family __ro_after_init = {
	.name		= DMVPN_GENL_NAME,
	.version	= DMVPN_GENL_VERSION,
	.maxattr	= DMVPN_A_MAX,
	.policy		= dmvpn_genl_policy,
	.netnsok	= true,
	.module		= THIS_MODULE,
	.ops		= dmvpn_genl_ops,
	.n_ops		= ARRAY_SIZE(dmvpn_genl_ops),
	.resv_start_op	= DMVPN_CMD_ENTRY_NEW,
	.mcgrps		= dmvpn_genl_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(dmvpn_genl_mcgrps),
};

int dmvpn_genl_init(void)
{
	return genl_register_family(&dmvpn_genl_family);
}

void dmvpn_genl_uninit(void)
{
	genl_unregister_family(&dmvpn_genl_family);
}

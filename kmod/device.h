/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_DEVICE_H
#define _DMVPN_DEVICE_H

#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/u64_stats_sync.h>
#include <net/gro_cells.h>

#include "cache.h"
#include "events.h"
#include "dmvpn.h"

/*
 * Tunnel parameters.  Replaced as a whole under RTNL and freed after a grace
 * period, so the data path reads a consistent set without locking.
 */
struct dmvpn_params {
	__be32 local;
	int link;
	u32 key;
	u32 fwmark;
	u32 max_entries;
	u8 ttl;
	u8 tos;
	bool key_on;
	bool csum;
	bool pmtudisc;
	bool redirect;
	bool require_ipsec;
	struct rcu_head rcu;
};

enum dmvpn_counter {
	DMVPN_CTR_TX_SHORTCUT,
	DMVPN_CTR_TX_NHS,
	DMVPN_CTR_TX_NO_ROUTE,
	DMVPN_CTR_TX_NO_IPSEC,
	DMVPN_CTR_TX_NHRP,
	DMVPN_CTR_TX_ERRORS,
	DMVPN_CTR_MISSES,
	DMVPN_CTR_RESOLVE_EVENTS,
	DMVPN_CTR_REDIRECT_EVENTS,
	DMVPN_CTR_MCAST_COPIES,
	DMVPN_CTR_RX_PACKETS,
	DMVPN_CTR_RX_NHRP,
	DMVPN_CTR_RX_ERR_TRUNCATED,
	DMVPN_CTR_RX_ERR_HEADER,
	DMVPN_CTR_RX_ERR_KEY,
	DMVPN_CTR_RX_ERR_CSUM,
	DMVPN_CTR_RX_ERR_PROTO,
	DMVPN_CTR_COUNT
};

struct dmvpn_pcpu_counters {
	u64_stats_t ctr[DMVPN_CTR_COUNT];
	struct u64_stats_sync syncp;
};

struct dmvpn_dev {
	struct net_device *dev;
	/* Namespace of the underlay; the device itself may move elsewhere. */
	struct net *net;
	struct dmvpn_params __rcu *params;
	struct dmvpn_cache cache;
	struct dmvpn_events events;
	struct dmvpn_pcpu_counters __percpu *counters;
	struct gro_cells gro_cells;
	struct nf_hook_ops rx_hook;
	bool rx_hook_registered;
	bool init_ran;			/* ndo_init was called */
	struct list_head dev_list;	/* dmvpn_dev_list, under RTNL */
};

extern struct rtnl_link_ops dmvpn_link_ops;

int dmvpn_device_init(void);
void dmvpn_device_uninit(void);
struct dmvpn_dev *dmvpn_dev_get_by_index(struct net *net, int ifindex,
					 netdevice_tracker *tracker);
struct dmvpn_dev *dmvpn_dev_get_by_name(struct net *net, const char *name,
					netdevice_tracker *tracker);
struct dmvpn_dev *dmvpn_dev_find_rcu(struct net *net, int ifindex);
void dmvpn_counters_fold(struct dmvpn_dev *dd, u64 out[DMVPN_CTR_COUNT]);

/* Context: BH disabled (transmit, the receive hook), as for dev_sw_netstats. */
static inline void dmvpn_count(struct dmvpn_dev *dd, enum dmvpn_counter c)
{
	struct dmvpn_pcpu_counters *pc = this_cpu_ptr(dd->counters);

	u64_stats_update_begin(&pc->syncp);
	u64_stats_inc(&pc->ctr[c]);
	u64_stats_update_end(&pc->syncp);
}

static inline unsigned int dmvpn_gre_hlen(const struct dmvpn_params *p)
{
	return 4 + (p->key_on ? 4 : 0) + (p->csum ? 4 : 0);
}

#endif /* _DMVPN_DEVICE_H */

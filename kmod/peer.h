/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_PEER_H
#define _DMVPN_PEER_H

#include <linux/rhashtable-types.h>
#include <linux/refcount.h>
#include <net/route.h>

struct dmvpn_cache;

/*
 * A peer's cached outer route and the source address it was found with,
 * replaced whole and freed after a grace period, when its reference to the
 * route is dropped.
 */
struct dmvpn_route {
	struct dst_entry *dst;
	__be32 saddr;
	struct rcu_head rcu;
};

/*
 * A remote NBMA address, and the IPsec SA that leads there when several do.
 * Entries that lead to the same address and mark share one peer, and with
 * it one cached outer route (and xfrm bundle).  Two spokes behind one NAT
 * address are two peers: their SAs have the same selectors and differ in
 * their marks only (README, "Two spokes behind one NAT address").  Freed
 * after a grace period once the last entry lets go of it.
 */
struct dmvpn_peer {
	struct rhlist_head node;	/* in cache->peers, by nbma */
	__be32 nbma;
	u32 ipsec_mark;			/* the SA's mark, 0 = none */
	u32 ipsec_mask;			/* its bits of the outer mark */
	refcount_t refs;		/* entries holding it */
	u32 mcast_refs;			/* multicast entries, under cache lock */
	u32 ipsec_refs;			/* require-ipsec entries, likewise */
	/*
	 * One cached route for all CPUs, not a per-cpu dst_cache: that costs
	 * 40 bytes per possible CPU for every peer, most of them empty on a
	 * hub with many spokes.  It is bypassed while the tunnel parameters
	 * change (see dmvpn_cache_peers_reset_routes), so that no transmit
	 * still under way caches a route found with the old ones.
	 */
	bool route_cache_on;
	struct dmvpn_route __rcu *route;
	/*
	 * Set once the underlay's next hop to nbma has answered (its neighbour
	 * entry is valid); until then shortcuts to the peer send through the
	 * NHS (see dmvpn_peer_or_nhs).
	 */
	bool nexthop_resolved;
	/*
	 * On cache->mcast_peers from the first multicast entry until the peer
	 * is freed, never taken off and put back: a reader standing on the
	 * node would follow it to the list's head and skip the peers after
	 * it.  mcast_on says whether it gets copies now.
	 */
	struct list_head mcast_node;
	bool mcast_listed;		/* under cache lock */
	bool mcast_on;			/* readers: dmvpn_peer_mcast_on */
	struct rcu_head rcu;
};

/**
 * dmvpn_peer_mcast_on - whether a peer of cache->mcast_peers gets copies
 * @peer: a peer found on the list
 *
 * Context: RCU read side.
 */
static inline bool dmvpn_peer_mcast_on(const struct dmvpn_peer *peer)
{
	return READ_ONCE(peer->mcast_on);
}

/**
 * dmvpn_peer_mark - the outer packet's mark for a peer
 * @peer: the peer, or NULL
 * @mark: the mark without it (the device's fwmark or an entry's QoS mark)
 *
 * The peer's IPsec mark replaces the bits of its mask, and the other bits
 * are left to QoS, so that the route and xfrm lookup find this peer's SA
 * among several with the same selectors.
 */
static inline u32 dmvpn_peer_mark(const struct dmvpn_peer *peer, u32 mark)
{
	if (!peer || !peer->ipsec_mark)
		return mark;
	return (mark & ~peer->ipsec_mask) | peer->ipsec_mark;
}

int dmvpn_peer_table_init(struct rhltable *peers);
struct dmvpn_peer *dmvpn_peer_find(struct dmvpn_cache *cache, __be32 nbma,
				   u32 ipsec_mark);
bool dmvpn_peer_exists(struct dmvpn_cache *cache, __be32 nbma);
struct dmvpn_peer *dmvpn_peer_get(struct dmvpn_cache *cache, __be32 nbma,
				  u32 ipsec_mark, u32 ipsec_mask);
void dmvpn_peer_put(struct dmvpn_cache *cache, struct dmvpn_peer *peer);
void dmvpn_peer_mcast_ref(struct dmvpn_cache *cache, struct dmvpn_peer *peer);
void dmvpn_peer_mcast_unref(struct dmvpn_cache *cache, struct dmvpn_peer *peer);
struct rtable *dmvpn_peer_route_get(struct dmvpn_peer *peer, __be32 *saddr);
void dmvpn_peer_route_set(struct dmvpn_peer *peer, struct rtable *rt,
			  __be32 saddr);
void dmvpn_peer_route_reset(struct dmvpn_peer *peer);

#endif /* _DMVPN_PEER_H */

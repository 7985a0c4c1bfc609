// SPDX-License-Identifier: GPL-2.0
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "cache.h"
#include "peer.h"

/*
 * Keyed by the NBMA address alone: the peers of one address (one per SA
 * mark) share a list, which the ICMP check of rx.c takes whole.
 */
static const struct rhashtable_params dmvpn_peer_params = {
	.head_offset = offsetof(struct dmvpn_peer, node),
	.key_offset = offsetof(struct dmvpn_peer, nbma),
	.key_len = sizeof(__be32),
	.automatic_shrinking = true,
};

int dmvpn_peer_table_init(struct rhltable *peers)
{
	return rhltable_init(peers, &dmvpn_peer_params);
}

/**
 * dmvpn_peer_find - the peer for an NBMA address and IPsec mark, if any
 * entry leads there
 * @cache: the device's cache
 * @nbma: the peer's underlay address
 * @ipsec_mark: the mark of its SA, 0 for none
 *
 * Context: RCU read side.
 */
struct dmvpn_peer *dmvpn_peer_find(struct dmvpn_cache *cache, __be32 nbma,
				   u32 ipsec_mark)
{
	struct rhlist_head *list, *pos;
	struct dmvpn_peer *peer;

	list = rhltable_lookup(&cache->peers, &nbma, dmvpn_peer_params);
	rhl_for_each_entry_rcu(peer, pos, list, node)
		if (peer->ipsec_mark == ipsec_mark)
			return peer;
	return NULL;
}

/**
 * dmvpn_peer_exists - whether any entry leads to an NBMA address
 * @cache: the device's cache
 * @nbma: the underlay address
 *
 * Context: RCU read side.
 */
bool dmvpn_peer_exists(struct dmvpn_cache *cache, __be32 nbma)
{
	return rhltable_lookup(&cache->peers, &nbma, dmvpn_peer_params);
}

/**
 * dmvpn_peer_get - find or create the peer for an NBMA address and mark
 * @cache: the device's cache; its lock must be held
 * @nbma: the peer's underlay address
 * @ipsec_mark: the mark of its SA, 0 for none
 * @ipsec_mask: the bits of the outer mark that @ipsec_mark replaces
 *
 * Return: the peer with a reference taken, or an ERR_PTR: -EINVAL when
 * the peer exists with another mask.
 */
struct dmvpn_peer *dmvpn_peer_get(struct dmvpn_cache *cache, __be32 nbma,
				  u32 ipsec_mark, u32 ipsec_mask)
{
	struct dmvpn_peer *peer;
	int err;

	lockdep_assert_held(&cache->lock);
	rcu_read_lock();
	peer = dmvpn_peer_find(cache, nbma, ipsec_mark);
	rcu_read_unlock();
	if (peer) {
		/* Writers hold the lock: the peer cannot go meanwhile. */
		if (peer->ipsec_mask != ipsec_mask)
			return ERR_PTR(-EINVAL);
		refcount_inc(&peer->refs);
		return peer;
	}
	/* Charged to whoever makes the kernel keep it (a local user). */
	peer = kzalloc(sizeof(*peer), GFP_KERNEL_ACCOUNT);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->nbma = nbma;
	peer->ipsec_mark = ipsec_mark;
	peer->ipsec_mask = ipsec_mask;
	refcount_set(&peer->refs, 1);
	INIT_LIST_HEAD(&peer->mcast_node);
	WRITE_ONCE(peer->route_cache_on, true);
	err = rhltable_insert(&cache->peers, &peer->node, dmvpn_peer_params);
	if (err) {
		kfree(peer);
		return ERR_PTR(err);
	}
	return peer;
}

static void dmvpn_route_free(struct dmvpn_route *route)
{
	dst_release(route->dst);
	kfree(route);
}

static void dmvpn_route_free_rcu(struct rcu_head *rcu)
{
	dmvpn_route_free(container_of(rcu, struct dmvpn_route, rcu));
}

/* Put @route in the cache, and let go of the one it replaces. */
static void dmvpn_peer_route_replace(struct dmvpn_peer *peer,
				     struct dmvpn_route *route)
{
	struct dmvpn_route *old;

	old = unrcu_pointer(xchg(&peer->route, RCU_INITIALIZER(route)));
	if (old)
		call_rcu(&old->rcu, dmvpn_route_free_rcu);
}

/**
 * dmvpn_peer_route_get - the peer's cached outer route, if still valid
 * @peer: the peer
 * @saddr: set to the source address the route was found with
 *
 * Context: RCU read side (transmit).
 * Return: the route with a reference taken, or NULL.
 */
struct rtable *dmvpn_peer_route_get(struct dmvpn_peer *peer, __be32 *saddr)
{
	struct dmvpn_route *route = rcu_dereference(peer->route);

	if (!route)
		return NULL;
	if (unlikely(!dst_check(route->dst, 0))) {
		/* Only the first to see it stale drops it. */
		if (cmpxchg(&peer->route, RCU_INITIALIZER(route), NULL) ==
		    RCU_INITIALIZER(route))
			call_rcu(&route->rcu, dmvpn_route_free_rcu);
		return NULL;
	}
	/* The cache's own reference lasts as long as this read side. */
	dst_hold(route->dst);
	*saddr = route->saddr;
	return container_of(route->dst, struct rtable, dst);
}

/**
 * dmvpn_peer_route_set - cache an outer route for the peer
 * @peer: the peer
 * @rt: the route; the cache takes its own reference
 * @saddr: the source address found with it
 *
 * On allocation failure nothing is cached: the next packet looks again.
 *
 * Context: RCU read side (transmit), any context.
 */
void dmvpn_peer_route_set(struct dmvpn_peer *peer, struct rtable *rt,
			  __be32 saddr)
{
	struct dmvpn_route *route = kmalloc(sizeof(*route),
					    GFP_ATOMIC | __GFP_NOWARN);

	if (!route)
		return;
	dst_hold(&rt->dst);
	route->dst = &rt->dst;
	route->saddr = saddr;
	dmvpn_peer_route_replace(peer, route);
}

/**
 * dmvpn_peer_route_reset - forget the peer's cached route
 * @peer: the peer
 *
 * The next hop the new route leads to is resolved again, too.
 */
void dmvpn_peer_route_reset(struct dmvpn_peer *peer)
{
	dmvpn_peer_route_replace(peer, NULL);
	WRITE_ONCE(peer->nexthop_resolved, false);
}

static void dmvpn_peer_free_rcu(struct rcu_head *rcu)
{
	struct dmvpn_peer *peer = container_of(rcu, struct dmvpn_peer, rcu);
	struct dmvpn_route *route = rcu_dereference_protected(peer->route, 1);

	/* No reader is left, and no transmit can set another one. */
	if (route)
		dmvpn_route_free(route);
	kfree(peer);
}

/**
 * dmvpn_peer_put - drop an entry's reference to a peer
 * @cache: the device's cache; its lock must be held
 * @peer: the peer
 *
 * The last reference unpublishes the peer; readers may still use it until
 * the end of their RCU read side.
 */
void dmvpn_peer_put(struct dmvpn_cache *cache, struct dmvpn_peer *peer)
{
	lockdep_assert_held(&cache->lock);
	if (!refcount_dec_and_test(&peer->refs))
		return;
	WARN_ON_ONCE(peer->mcast_refs);
	rhltable_remove(&cache->peers, &peer->node, dmvpn_peer_params);
	/* Unpublished, the peer never comes back to the list. */
	if (peer->mcast_listed)
		list_del_rcu(&peer->mcast_node);
	call_rcu(&peer->rcu, dmvpn_peer_free_rcu);
}

/**
 * dmvpn_peer_mcast_ref - a multicast entry leads to a peer
 * @cache: the device's cache; its lock must be held
 * @peer: the peer
 *
 * The first one puts the peer on the multicast list, once in its life;
 * after that only dmvpn_peer_mcast_on changes, so that a node is never
 * added back while a reader may still stand on it.
 */
void dmvpn_peer_mcast_ref(struct dmvpn_cache *cache, struct dmvpn_peer *peer)
{
	lockdep_assert_held(&cache->lock);
	if (peer->mcast_refs++)
		return;
	if (!peer->mcast_listed) {
		list_add_tail_rcu(&peer->mcast_node, &cache->mcast_peers);
		peer->mcast_listed = true;
	}
	WRITE_ONCE(peer->mcast_on, true);
}

/**
 * dmvpn_peer_mcast_unref - a multicast entry no longer leads to a peer
 * @cache: the device's cache; its lock must be held
 * @peer: the peer
 *
 * The last one stops the copies; the peer stays on the list until it is
 * freed (dmvpn_peer_put).
 */
void dmvpn_peer_mcast_unref(struct dmvpn_cache *cache, struct dmvpn_peer *peer)
{
	lockdep_assert_held(&cache->lock);
	if (--peer->mcast_refs == 0)
		WRITE_ONCE(peer->mcast_on, false);
}

// SPDX-License-Identifier: GPL-2.0
#include <linux/rhashtable.h>
#include <linux/slab.h>

#include "cache.h"
#include "peer.h"

static const struct rhashtable_params dmvpn_peer_params = {
	.head_offset = offsetof(struct dmvpn_peer, node),
	.key_offset = offsetof(struct dmvpn_peer, nbma),
	.key_len = sizeof(__be32),
	.automatic_shrinking = true,
};

int dmvpn_peer_table_init(struct rhashtable *peers)
{
	return rhashtable_init(peers, &dmvpn_peer_params);
}

/**
 * dmvpn_peer_find - the peer for an NBMA address, if any entry leads there
 * @cache: the device's cache
 * @nbma: the peer's underlay address
 *
 * Context: RCU read side.
 */
struct dmvpn_peer *dmvpn_peer_find(struct dmvpn_cache *cache, __be32 nbma)
{
	return rhashtable_lookup(&cache->peers, &nbma, dmvpn_peer_params);
}

/**
 * dmvpn_peer_get - find or create the peer for an NBMA address
 * @cache: the device's cache; its lock must be held
 * @nbma: the peer's underlay address
 *
 * Return: the peer with a reference taken, or an ERR_PTR.
 */
struct dmvpn_peer *dmvpn_peer_get(struct dmvpn_cache *cache, __be32 nbma)
{
	struct dmvpn_peer *peer;
	int err;

	lockdep_assert_held(&cache->lock);
	peer = rhashtable_lookup_fast(&cache->peers, &nbma, dmvpn_peer_params);
	if (peer) {
		refcount_inc(&peer->refs);
		return peer;
	}
	peer = kzalloc(sizeof(*peer), GFP_KERNEL);
	if (!peer)
		return ERR_PTR(-ENOMEM);
	peer->nbma = nbma;
	refcount_set(&peer->refs, 1);
	INIT_LIST_HEAD(&peer->mcast_node);
	err = dst_cache_init(&peer->dst_cache, GFP_KERNEL);
	if (err)
		goto free_peer;
	WRITE_ONCE(peer->route_cache_on, true);
	err = rhashtable_insert_fast(&cache->peers, &peer->node,
				     dmvpn_peer_params);
	if (err)
		goto free_dst_cache;
	return peer;

free_dst_cache:
	dst_cache_destroy(&peer->dst_cache);
free_peer:
	kfree(peer);
	return ERR_PTR(err);
}

static void dmvpn_peer_free_rcu(struct rcu_head *rcu)
{
	struct dmvpn_peer *peer = container_of(rcu, struct dmvpn_peer, rcu);

	dst_cache_destroy(&peer->dst_cache);
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
	rhashtable_remove_fast(&cache->peers, &peer->node, dmvpn_peer_params);
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

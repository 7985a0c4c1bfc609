// SPDX-License-Identifier: GPL-2.0
/*
 * The NHRP cache: protocol prefix -> NBMA peer.
 *
 * Entries live in one hash table keyed by (family, length, masked prefix).
 * A longest-prefix match probes the table once per prefix length in use,
 * longest first, so its cost depends on how many distinct lengths exist
 * (typically two: /32 hosts and the shortcut prefixes), never on how many
 * entries there are.  Readers take no locks; writers hold cache->lock.
 */
#include <linux/jhash.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/inetdevice.h>
#include <net/ipv6.h>
#include <net/netlink.h>

#include "cache.h"
#include "compat.h"
#include "device.h"
#include "events.h"
#include "peer.h"

static struct kmem_cache *dmvpn_entry_slab;

#ifdef DEBUG
/* Sleepable work done inside an RCU read side, for the self-tests. */
atomic_t dmvpn_debug_sleeps_in_rcu = ATOMIC_INIT(0);
/* Entry objects allocated and not yet freed, for the self-tests. */
atomic_t dmvpn_debug_entries = ATOMIC_INIT(0);
/* Entries the expiry sweeps looked at, for the self-tests. */
atomic_t dmvpn_debug_expiry_visits = ATOMIC_INIT(0);
/* The self-tests set it to fail the next prefix-length list allocation. */
bool dmvpn_debug_fail_plens;
#endif

static inline void dmvpn_debug_entries_add(int n)
{
#ifdef DEBUG
	atomic_add(n, &dmvpn_debug_entries);
#endif
}

static inline void dmvpn_debug_expiry_visit(void)
{
#ifdef DEBUG
	atomic_inc(&dmvpn_debug_expiry_visits);
#endif
}

/*
 * Where the cache may sleep.  might_sleep() speaks only on debug kernels
 * (DEBUG_ATOMIC_SLEEP); with preemptible RCU, as Debian's kernels have,
 * the self-tests of a debug build catch an RCU read side by themselves.
 */
static void dmvpn_might_sleep(void)
{
	might_sleep();
#ifdef DEBUG
	if (rcu_preempt_depth() &&
	    atomic_inc_return(&dmvpn_debug_sleeps_in_rcu) == 1)
		pr_err("dmvpn: cache may sleep inside an RCU read side\n");
#endif
}

/*
 * Keys are compared a word at a time: the default, memcmp(), goes a byte
 * at a time on x86, on every packet.
 */
static int dmvpn_key_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const u32 *a = arg->key;
	const u32 *b = (const u32 *)&((const struct dmvpn_entry *)obj)->key;
	u32 diff = 0;
	unsigned int i;

	BUILD_BUG_ON(sizeof(struct dmvpn_key) % sizeof(u32));
	for (i = 0; i < sizeof(struct dmvpn_key) / sizeof(u32); i++)
		diff |= a[i] ^ b[i];
	return diff != 0;
}

/*
 * Of an IPv4 key's five words only two can differ (family and length, then
 * the address); the other three are always zero, so the hash skips them.
 */
static __always_inline u32 dmvpn_key_hash(const void *data, u32 len, u32 seed)
{
	const struct dmvpn_key *key = data;
	const u32 *words = data;

	BUILD_BUG_ON(offsetof(struct dmvpn_key, addr) != sizeof(u32));
	if (key->family == AF_INET)
		return jhash_2words(words[0], words[1], seed);
	return jhash2(words, sizeof(*key) / sizeof(u32), seed);
}

static const struct rhashtable_params dmvpn_entry_params = {
	.head_offset = offsetof(struct dmvpn_entry, node),
	.key_offset = offsetof(struct dmvpn_entry, key),
	.key_len = sizeof(struct dmvpn_key),
	.hashfn = dmvpn_key_hash,
	.obj_cmpfn = dmvpn_key_cmp,
	.automatic_shrinking = true,
};

int dmvpn_cache_slab_init(void)
{
	/* Entries are charged to the memory cgroup of whoever adds them. */
	dmvpn_entry_slab = KMEM_CACHE(dmvpn_entry, SLAB_ACCOUNT);
	return dmvpn_entry_slab ? 0 : -ENOMEM;
}

void dmvpn_cache_slab_uninit(void)
{
	/* Entries are freed by RCU callbacks that must run first. */
	rcu_barrier();
	kmem_cache_destroy(dmvpn_entry_slab);
}

/* Bytes one entry object takes, for the self-tests' memory report. */
unsigned int dmvpn_cache_entry_size(void)
{
	return kmem_cache_size(dmvpn_entry_slab);
}

static unsigned int dmvpn_addr_bits(u8 family)
{
	return family == AF_INET ? 32 : 128;
}

/* The prefix of @addr, @plen long, into a zeroed key of a valid family. */
static __always_inline void dmvpn_key_prefix(struct dmvpn_key *key,
					     const void *addr, u8 plen)
{
	key->plen = plen;
	if (key->family == AF_INET)
		key->addr.v4 = *(const __be32 *)addr & inet_make_mask(plen);
	else
		ipv6_addr_prefix(&key->addr.v6, addr, plen);
}

/**
 * dmvpn_key_set - build a hash key from an address and a prefix length
 * @key: the key to fill
 * @family: AF_INET or AF_INET6
 * @addr: 4 or 16 bytes in network order
 * @plen: prefix length; host bits of @addr are cleared
 *
 * Return: 0, or -EINVAL for a bad family or length.
 */
int dmvpn_key_set(struct dmvpn_key *key, u8 family, const void *addr, u8 plen)
{
	if ((family != AF_INET && family != AF_INET6) ||
	    plen > dmvpn_addr_bits(family))
		return -EINVAL;
	memset(key, 0, sizeof(*key));
	key->family = family;
	dmvpn_key_prefix(key, addr, plen);
	return 0;
}

static struct dmvpn_plens __rcu **dmvpn_plens_slot(struct dmvpn_cache *cache,
						   u8 family)
{
	return family == AF_INET ? &cache->plens4 : &cache->plens6;
}

static u32 *dmvpn_plen_refs(struct dmvpn_cache *cache, u8 family)
{
	return family == AF_INET ? cache->plen_refs4 : cache->plen_refs6;
}

/* Republish the list of lengths in use after a length appears or goes. */
static int dmvpn_plens_rebuild(struct dmvpn_cache *cache, u8 family)
{
	struct dmvpn_plens __rcu **slot = dmvpn_plens_slot(cache, family);
	u32 *refs = dmvpn_plen_refs(cache, family);
	struct dmvpn_plens *plens, *old;
	int len;

	dmvpn_might_sleep();
#ifdef DEBUG
	if (dmvpn_debug_fail_plens) {
		dmvpn_debug_fail_plens = false;
		return -ENOMEM;
	}
#endif
	plens = kzalloc(sizeof(*plens), GFP_KERNEL_ACCOUNT);
	if (!plens)
		return -ENOMEM;
	for (len = dmvpn_addr_bits(family); len >= 0; len--)
		if (refs[len])
			plens->len[plens->count++] = len;
	old = rcu_replace_pointer(*slot, plens, lockdep_is_held(&cache->lock));
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

static int dmvpn_plen_ref(struct dmvpn_cache *cache, const struct dmvpn_key *key)
{
	u32 *refs = dmvpn_plen_refs(cache, key->family);
	int err;

	if (refs[key->plen]++)
		return 0;
	err = dmvpn_plens_rebuild(cache, key->family);
	if (err)
		refs[key->plen]--;
	return err;
}

static void dmvpn_plen_unref(struct dmvpn_cache *cache,
			     const struct dmvpn_key *key)
{
	u32 *refs = dmvpn_plen_refs(cache, key->family);

	/*
	 * On allocation failure the stale list only costs a probe that finds
	 * nothing; it is rebuilt by the next change.
	 */
	if (--refs[key->plen] == 0)
		dmvpn_plens_rebuild(cache, key->family);
}

static void dmvpn_cache_gc(struct work_struct *work);

int dmvpn_cache_init(struct dmvpn_cache *cache)
{
	unsigned int i;
	int err;

	mutex_init(&cache->lock);
	INIT_LIST_HEAD(&cache->mcast_peers);
	for (i = 0; i < DMVPN_EXPIRY_SLOTS; i++)
		INIT_HLIST_HEAD(&cache->expiry[i]);
	INIT_DELAYED_WORK(&cache->gc_work, dmvpn_cache_gc);
	atomic_set(&cache->count, 0);
	err = rhashtable_init(&cache->table, &dmvpn_entry_params);
	if (err)
		return err;
	err = dmvpn_peer_table_init(&cache->peers);
	if (err)
		rhashtable_destroy(&cache->table);
	return err;
}

/**
 * dmvpn_cache_find - exact match of a prefix
 * @cache: the cache
 * @key: a key from dmvpn_key_set()
 *
 * Context: RCU read side, or cache->lock held to keep the entry.
 */
struct dmvpn_entry *dmvpn_cache_find(struct dmvpn_cache *cache,
				     const struct dmvpn_key *key)
{
	return rhashtable_lookup_fast(&cache->table, key, dmvpn_entry_params);
}

/**
 * dmvpn_cache_lookup - longest-prefix match of a destination
 * @cache: the cache
 * @family: AF_INET or AF_INET6
 * @addr: the destination, 4 or 16 bytes
 *
 * Local entries describe this host and are passed over.
 *
 * Context: RCU read side.
 * Return: the entry, or NULL.
 */
struct dmvpn_entry *dmvpn_cache_lookup(struct dmvpn_cache *cache, u8 family,
				       const void *addr)
{
	const struct dmvpn_plens *plens;
	struct dmvpn_entry *e;
	struct dmvpn_key key;
	unsigned int i;

	plens = rcu_dereference(*dmvpn_plens_slot(cache, family));
	if (!plens)
		return NULL;
	/* One zeroed key for every probe: only its prefix changes. */
	memset(&key, 0, sizeof(key));
	key.family = family;
	for (i = 0; i < plens->count; i++) {
		dmvpn_key_prefix(&key, addr, plens->len[i]);
		e = rhashtable_lookup(&cache->table, &key, dmvpn_entry_params);
		if (e && e->type != DMVPN_ENTRY_LOCAL)
			return e;
	}
	return NULL;
}

unsigned long dmvpn_entry_holdtime_left(const struct dmvpn_entry *e)
{
	long left;

	if (!e->expires)
		return 0;
	left = (long)(e->expires - jiffies);
	return left > 0 ? DIV_ROUND_UP(left, HZ) : 0;
}

static void dmvpn_entry_free(struct dmvpn_entry *e)
{
	dmvpn_debug_entries_add(-1);
	kmem_cache_free(dmvpn_entry_slab, e);
}

static void dmvpn_entry_free_rcu(struct rcu_head *rcu)
{
	dmvpn_entry_free(container_of(rcu, struct dmvpn_entry, rcu));
}

/* Pick another NHS for misses when the current one goes away. */
static void dmvpn_nhs_reelect(struct dmvpn_cache *cache)
{
	struct dmvpn_peer *found = NULL;
	struct rhashtable_iter iter;
	struct dmvpn_entry *e;

	rhashtable_walk_enter(&cache->table, &iter);
	rhashtable_walk_start(&iter);
	while ((e = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(e))
			continue;
		if (e->type == DMVPN_ENTRY_NHS && e->peer) {
			found = e->peer;
			break;
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	rcu_assign_pointer(cache->nhs, found);
}

/*
 * Release what an entry holds once it is out of the table (or never made
 * it in), and free it after a grace period.
 */
static void dmvpn_entry_release(struct dmvpn_cache *cache,
				struct dmvpn_entry *e)
{
	struct dmvpn_peer *peer = e->peer;

	dmvpn_plen_unref(cache, &e->key);
	if (e->expires) {
		hlist_del(&e->expiry_node);
		cache->expiring--;
	}
	atomic_dec(&cache->count);
	WRITE_ONCE(cache->generation, cache->generation + 1);
	if (peer) {
		if (e->flags & DMVPN_ENTRY_F_MULTICAST)
			dmvpn_peer_mcast_unref(cache, peer);
		if (e->flags & DMVPN_ENTRY_F_REQUIRE_IPSEC)
			WRITE_ONCE(peer->ipsec_refs, peer->ipsec_refs - 1);
		if (e->type == DMVPN_ENTRY_NHS &&
		    rcu_access_pointer(cache->nhs) == peer)
			dmvpn_nhs_reelect(cache);
		dmvpn_peer_put(cache, peer);
	}
	call_rcu(&e->rcu, dmvpn_entry_free_rcu);
}

static void dmvpn_entry_unlink(struct dmvpn_cache *cache,
			       struct dmvpn_entry *e)
{
	rhashtable_remove_fast(&cache->table, &e->node, dmvpn_entry_params);
	dmvpn_entry_release(cache, e);
}

static int dmvpn_spec_check(const struct dmvpn_entry_spec *spec,
			    struct netlink_ext_ack *extack)
{
	if (spec->type == DMVPN_ENTRY_NEGATIVE) {
		if (spec->nbma) {
			NL_SET_ERR_MSG(extack, "a negative entry has no NBMA address");
			return -EINVAL;
		}
		if (spec->flags & DMVPN_ENTRY_F_MULTICAST) {
			NL_SET_ERR_MSG(extack, "a negative entry cannot take multicast");
			return -EINVAL;
		}
		if (spec->ipsec_mark || spec->ipsec_mask) {
			NL_SET_ERR_MSG(extack, "a negative entry has no IPsec mark");
			return -EINVAL;
		}
		return 0;
	}
	if (spec->ipsec_mark & ~spec->ipsec_mask) {
		NL_SET_ERR_MSG(extack, "the IPsec mark has bits outside its mask");
		return -EINVAL;
	}
	if (spec->ipsec_mask && !spec->ipsec_mark) {
		NL_SET_ERR_MSG(extack, "an IPsec mask needs a mark (0 is none)");
		return -EINVAL;
	}
	if (!spec->nbma) {
		NL_SET_ERR_MSG(extack, "entry needs an NBMA address");
		return -EINVAL;
	}
	if (ipv4_is_multicast(spec->nbma) || ipv4_is_lbcast(spec->nbma) ||
	    ipv4_is_zeronet(spec->nbma)) {
		NL_SET_ERR_MSG(extack, "NBMA address must be a unicast address");
		return -EINVAL;
	}
	return 0;
}

static struct dmvpn_entry *dmvpn_entry_create(struct dmvpn_cache *cache,
					      const struct dmvpn_entry_spec *spec)
{
	struct dmvpn_entry *e;

	e = kmem_cache_zalloc(dmvpn_entry_slab, GFP_KERNEL);
	if (!e)
		return ERR_PTR(-ENOMEM);
	dmvpn_debug_entries_add(1);
	e->key = spec->key;
	e->type = spec->type;
	e->flags = spec->flags;
	e->qos_priority = spec->qos_priority;
	e->qos_mark = spec->qos_mark;
	if (spec->holdtime)
		e->expires = (jiffies + (unsigned long)spec->holdtime * HZ) | 1;
	if (spec->type != DMVPN_ENTRY_NEGATIVE) {
		e->peer = dmvpn_peer_get(cache, spec->nbma, spec->ipsec_mark,
					 spec->ipsec_mask);
		if (IS_ERR(e->peer)) {
			int err = PTR_ERR(e->peer);

			dmvpn_entry_free(e);
			return ERR_PTR(err);
		}
	}
	return e;
}

static unsigned long dmvpn_granule(unsigned long jiffies_value)
{
	return jiffies_value >> DMVPN_EXPIRY_SHIFT;
}

static struct hlist_head *dmvpn_expiry_slot(struct dmvpn_cache *cache,
					    unsigned long granule)
{
	return &cache->expiry[granule % DMVPN_EXPIRY_SLOTS];
}

/* Jiffies from @now to the start of the next granule: 1 or more. */
static unsigned long dmvpn_expiry_delay(unsigned long now)
{
	return ((dmvpn_granule(now) + 1) << DMVPN_EXPIRY_SHIFT) - now;
}

static void dmvpn_expiry_add(struct dmvpn_cache *cache, struct dmvpn_entry *e)
{
	unsigned long now = jiffies;

	hlist_add_head(&e->expiry_node,
		       dmvpn_expiry_slot(cache, dmvpn_granule(e->expires)));
	if (cache->expiring++)
		return;
	/* The wheel was idle: nothing before this granule is in it. */
	cache->expiry_next = dmvpn_granule(now);
	mod_delayed_work(dmvpn_gc_wq, &cache->gc_work, dmvpn_expiry_delay(now));
}

/* Account for a new entry; the reverse of dmvpn_entry_release(). */
static int dmvpn_entry_account(struct dmvpn_cache *cache,
			       struct dmvpn_entry *e)
{
	int err = dmvpn_plen_ref(cache, &e->key);

	if (err)
		return err;
	atomic_inc(&cache->count);
	WRITE_ONCE(cache->generation, cache->generation + 1);
	if (e->expires)
		dmvpn_expiry_add(cache, e);
	if (!e->peer)
		return 0;
	if (e->flags & DMVPN_ENTRY_F_MULTICAST)
		dmvpn_peer_mcast_ref(cache, e->peer);
	/* The flag guards the peer, whichever way a packet reaches it. */
	if (e->flags & DMVPN_ENTRY_F_REQUIRE_IPSEC)
		WRITE_ONCE(e->peer->ipsec_refs, e->peer->ipsec_refs + 1);
	if (e->type == DMVPN_ENTRY_NHS && !rcu_access_pointer(cache->nhs))
		rcu_assign_pointer(cache->nhs, e->peer);
	return 0;
}

/*
 * A renewal replaces its entry (a spoke's registration every few seconds,
 * a shortcut in use): with the same peer and type it is the same binding
 * to whoever reads its counters and last use, so they carry over.  What a
 * reader adds to the old entry after this is not counted.
 */
static void dmvpn_entry_carry_use(struct dmvpn_entry *e,
				  const struct dmvpn_entry *old)
{
	if (old->peer != e->peer || old->type != e->type)
		return;
	atomic64_set(&e->tx_packets, atomic64_read(&old->tx_packets));
	atomic64_set(&e->tx_bytes, atomic64_read(&old->tx_bytes));
	WRITE_ONCE(e->last_used, READ_ONCE(old->last_used));
}

static int dmvpn_cache_publish(struct dmvpn_dev *dd, struct dmvpn_entry *e,
			       struct dmvpn_entry *old)
{
	struct dmvpn_cache *cache = &dd->cache;
	int err;

	err = dmvpn_entry_account(cache, e);
	if (err) {
		/* Never published nor counted: only the peer to give back. */
		if (e->peer)
			dmvpn_peer_put(cache, e->peer);
		dmvpn_entry_free(e);
		return err;
	}
	if (old) {
		dmvpn_entry_carry_use(e, old);
		err = rhashtable_replace_fast(&cache->table, &old->node,
					      &e->node, dmvpn_entry_params);
		if (!err)
			dmvpn_entry_release(cache, old);
	} else {
		err = rhashtable_insert_fast(&cache->table, &e->node,
					     dmvpn_entry_params);
	}
	if (err)
		dmvpn_entry_release(cache, e);
	return err;
}

/**
 * dmvpn_cache_add - add or replace an entry
 * @dd: the device
 * @spec: what to add
 * @replace: replace an entry with the same prefix instead of failing
 * @extack: where to say what was wrong
 *
 * Context: process context; takes the cache lock.
 * Return: 0, -EEXIST, -ENOSPC at the device's entry limit, or another errno.
 */
int dmvpn_cache_add(struct dmvpn_dev *dd, const struct dmvpn_entry_spec *spec,
		    bool replace, struct netlink_ext_ack *extack)
{
	struct dmvpn_cache *cache = &dd->cache;
	struct dmvpn_entry *e, *old;
	const struct dmvpn_params *p;
	u32 max_entries;
	int err;

	err = dmvpn_spec_check(spec, extack);
	if (err)
		return err;
	rcu_read_lock();
	p = rcu_dereference(dd->params);
	max_entries = p->max_entries;
	rcu_read_unlock();

	mutex_lock(&cache->lock);
	err = -ENODEV;
	if (cache->dying)
		goto unlock;
	old = dmvpn_cache_find(cache, &spec->key);
	err = -EEXIST;
	if (old && !replace) {
		NL_SET_ERR_MSG(extack, "an entry for this prefix exists");
		goto unlock;
	}
	err = -ENOSPC;
	if (!old && atomic_read(&cache->count) >= max_entries) {
		NL_SET_ERR_MSG(extack, "cache is at the device's max-entries");
		goto unlock;
	}
	e = dmvpn_entry_create(cache, spec);
	err = PTR_ERR_OR_ZERO(e);
	if (err == -EINVAL)
		NL_SET_ERR_MSG(extack,
			       "this NBMA address and IPsec mark have another mask");
	if (!err)
		err = dmvpn_cache_publish(dd, e, old);
unlock:
	mutex_unlock(&cache->lock);
	return err;
}

/**
 * dmvpn_cache_del - remove the entry for exactly this prefix
 * @dd: the device
 * @key: the prefix
 *
 * Return: 0, or -ENOENT.
 */
int dmvpn_cache_del(struct dmvpn_dev *dd, const struct dmvpn_key *key)
{
	struct dmvpn_cache *cache = &dd->cache;
	struct dmvpn_entry *e;
	int err = -ENOENT;

	mutex_lock(&cache->lock);
	e = dmvpn_cache_find(cache, key);
	if (e) {
		dmvpn_entry_unlink(cache, e);
		err = 0;
	}
	mutex_unlock(&cache->lock);
	return err;
}

/* Entries removed per pass of dmvpn_cache_remove_type(). */
#define DMVPN_REMOVE_BATCH 64

/*
 * Remove the entries of @type (0: all).  The walk only collects them: removing
 * an entry can sleep (a prefix length that goes rebuilds the list of
 * lengths, the NHS is elected again), which the walk's RCU read side does
 * not allow, and a large table is emptied in batches with a chance to
 * reschedule between them.  Entries leave the table only under cache->lock,
 * which is held, so the collected ones stay valid until removed here.
 *
 * The next batch rescans the bucket the last one stopped in: resuming at
 * the last entry seen, which is gone, would skip as many entries of the
 * bucket as preceded it, and some of those are still unseen.  An entry
 * seen again, there or because the table resized, is either gone or did
 * not match; a batch takes each entry once.
 */
static void dmvpn_cache_remove_type(struct dmvpn_cache *cache, u8 type)
{
	struct dmvpn_entry *batch[DMVPN_REMOVE_BATCH];
	struct rhashtable_iter iter;
	struct dmvpn_entry *e;
	unsigned int n, i;

	lockdep_assert_held(&cache->lock);
	rhashtable_walk_enter(&cache->table, &iter);
	do {
		n = 0;
		rhashtable_walk_start(&iter);
		while (n < ARRAY_SIZE(batch) &&
		       (e = rhashtable_walk_next(&iter)) != NULL) {
			if (IS_ERR(e) || (type && e->type != type))
				continue;
			for (i = 0; i < n && batch[i] != e; i++)
				;
			if (i == n)
				batch[n++] = e;
		}
		rhashtable_walk_stop(&iter);
		iter.p = NULL;
		iter.skip = 0;
		for (i = 0; i < n; i++)
			dmvpn_entry_unlink(cache, batch[i]);
		cond_resched();
	} while (n == ARRAY_SIZE(batch));
	rhashtable_walk_exit(&iter);
}

/**
 * dmvpn_cache_flush - remove every entry, or every entry of one type
 * @dd: the device
 * @type: an enum dmvpn_entry_type, or 0 for all
 */
void dmvpn_cache_flush(struct dmvpn_dev *dd, u8 type)
{
	mutex_lock(&dd->cache.lock);
	dmvpn_cache_remove_type(&dd->cache, type);
	mutex_unlock(&dd->cache.lock);
}

/*
 * Remove the expired entries of one wheel slot.  Removal may sleep, which
 * the lock allows; only this loop changes the slot while it runs.
 */
static void dmvpn_expiry_sweep_slot(struct dmvpn_dev *dd,
				    struct hlist_head *slot, unsigned long now)
{
	struct dmvpn_entry *e;
	struct hlist_node *next;
	unsigned int seen = 0;

	hlist_for_each_entry_safe(e, next, slot, expiry_node) {
		dmvpn_debug_expiry_visit();
		if (time_after_eq(now, e->expires)) {
			dmvpn_event_expired(dd, e);
			dmvpn_entry_unlink(&dd->cache, e);
		}
		if (++seen % DMVPN_REMOVE_BATCH == 0)
			cond_resched();
	}
}

/**
 * dmvpn_cache_expire - remove the entries whose holding time ran out
 * @dd: the device
 * @now: the time in jiffies; the self-tests pass times to come
 *
 * Sweeps the wheel slot of every granule that ended since the last sweep,
 * at most every slot once, and notifies each expired entry.
 *
 * Context: process context, cache->lock held.
 */
void dmvpn_cache_expire(struct dmvpn_dev *dd, unsigned long now)
{
	struct dmvpn_cache *cache = &dd->cache;
	unsigned long end = dmvpn_granule(now);
	unsigned long granules = end - cache->expiry_next;
	struct hlist_head *slot;
	unsigned long i;

	lockdep_assert_held(&cache->lock);
	/* Already swept up to @now (a self-test ran ahead of the clock). */
	if ((long)granules <= 0)
		return;
	for (i = 0; i < min_t(unsigned long, granules, DMVPN_EXPIRY_SLOTS);
	     i++) {
		slot = dmvpn_expiry_slot(cache, cache->expiry_next + i);
		dmvpn_expiry_sweep_slot(dd, slot, now);
		cond_resched();
	}
	cache->expiry_next = end;
}

static void dmvpn_cache_gc(struct work_struct *work)
{
	struct dmvpn_cache *cache = container_of(to_delayed_work(work),
						 struct dmvpn_cache, gc_work);
	struct dmvpn_dev *dd = container_of(cache, struct dmvpn_dev, cache);
	unsigned long now = jiffies;

	mutex_lock(&cache->lock);
	dmvpn_cache_expire(dd, now);
	if (cache->expiring && !cache->dying)
		queue_delayed_work(dmvpn_gc_wq, &cache->gc_work,
				   dmvpn_expiry_delay(now));
	mutex_unlock(&cache->lock);
}

/**
 * dmvpn_cache_flush_all - empty the cache of a device going away
 * @cache: the cache
 *
 * After this no entry can be added.  Readers may still run until a grace
 * period passes; the tables themselves go in dmvpn_cache_destroy().
 */
void dmvpn_cache_flush_all(struct dmvpn_cache *cache)
{
	mutex_lock(&cache->lock);
	cache->dying = true;
	dmvpn_cache_remove_type(cache, 0);
	mutex_unlock(&cache->lock);
	cancel_delayed_work_sync(&cache->gc_work);
}

void dmvpn_cache_destroy(struct dmvpn_cache *cache)
{
	rhashtable_destroy(&cache->table);
	rhltable_destroy(&cache->peers);
	kfree(rcu_access_pointer(cache->plens4));
	kfree(rcu_access_pointer(cache->plens6));
	mutex_destroy(&cache->lock);
}

static void dmvpn_peers_set_route_cache(struct dmvpn_cache *cache, bool on)
{
	struct rhashtable_iter iter;
	struct dmvpn_peer *peer;

	rhashtable_walk_enter(&cache->peers.ht, &iter);
	rhashtable_walk_start(&iter);
	while ((peer = rhashtable_walk_next(&iter)) != NULL) {
		if (IS_ERR(peer))
			continue;
		if (on)
			dmvpn_peer_route_reset(peer);
		WRITE_ONCE(peer->route_cache_on, on);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
}

/**
 * dmvpn_cache_peers_reset_routes - forget every peer's cached outer route
 * @cache: the cache
 *
 * For a change of the tunnel's local address, underlay or mark.  The caches
 * are first bypassed, then emptied once no transmit can still be using them.
 *
 * Context: process context, may sleep.
 */
void dmvpn_cache_peers_reset_routes(struct dmvpn_cache *cache)
{
	mutex_lock(&cache->lock);
	dmvpn_peers_set_route_cache(cache, false);
	synchronize_net();
	dmvpn_peers_set_route_cache(cache, true);
	mutex_unlock(&cache->lock);
}

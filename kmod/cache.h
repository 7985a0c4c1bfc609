/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _DMVPN_CACHE_H
#define _DMVPN_CACHE_H

#include <linux/in6.h>
#include <linux/list.h>
#include <linux/log2.h>
#include <linux/mutex.h>
#include <linux/rhashtable-types.h>
#include <linux/workqueue.h>

struct dmvpn_dev;
struct dmvpn_peer;
struct netlink_ext_ack;

/* Hash key: the protocol prefix, already masked to its length. */
struct dmvpn_key {
	u8 family;
	u8 plen;
	u8 pad[2];
	union {
		__be32 v4;
		struct in6_addr v6;
	} addr;
};

/*
 * One NHRP cache entry.  Readers find it under RCU through the hash table;
 * it is freed after a grace period.  Everything but the counters and
 * last_used is fixed once the entry is published: a change is a replace.
 */
struct dmvpn_entry {
	struct rhash_head node;
	struct dmvpn_key key;
	u8 type;
	u32 flags;
	u32 qos_priority;
	u32 qos_mark;
	struct dmvpn_peer *peer;	/* NULL for negative entries */
	unsigned long expires;		/* jiffies; 0 = never */
	struct hlist_node expiry_node;	/* in its expiry wheel slot */
	unsigned long last_used;	/* jiffies; 0 = never */
	atomic64_t tx_packets;
	atomic64_t tx_bytes;
	struct rcu_head rcu;
};

/* Prefix lengths in use for one family, longest first, for the LPM. */
struct dmvpn_plens {
	u8 count;
	u8 len[129];
	struct rcu_head rcu;
};

/*
 * Entries with a holding time wait in a wheel of slots, one per granule of
 * 2^DMVPN_EXPIRY_SHIFT jiffies (0.5 to 1 s, whatever HZ is), so the
 * expiry work looks only at the slot of the granule that just ended, not
 * at the whole table.  A slot also holds the entries of later turns of the
 * wheel (about 2 minutes a turn), which it skips.
 */
#define DMVPN_EXPIRY_SHIFT ilog2(HZ)
#define DMVPN_EXPIRY_SLOTS 256

struct dmvpn_cache {
	struct rhashtable table;
	struct rhltable peers;		/* struct dmvpn_peer, by NBMA */
	struct mutex lock;		/* writers: entries, peers, plens */
	struct dmvpn_plens __rcu *plens4;
	struct dmvpn_plens __rcu *plens6;
	u32 plen_refs4[33];
	u32 plen_refs6[129];
	struct dmvpn_peer __rcu *nhs;	/* where misses go */
	struct list_head mcast_peers;	/* RCU list of multicast targets */
	atomic_t count;
	u32 generation;			/* bumped by every change, for dumps */
	u32 expiring;			/* entries with a holding time */
	bool dying;
	unsigned long expiry_next;	/* first granule not swept yet */
	struct hlist_head expiry[DMVPN_EXPIRY_SLOTS];
	struct delayed_work gc_work;
};

/* What a caller asks to add; the netlink layer fills it in. */
struct dmvpn_entry_spec {
	struct dmvpn_key key;
	__be32 nbma;
	u8 type;
	u32 flags;
	u32 holdtime;
	u32 qos_priority;
	u32 qos_mark;
	u32 ipsec_mark;
	u32 ipsec_mask;
};

int dmvpn_cache_slab_init(void);
void dmvpn_cache_slab_uninit(void);
unsigned int dmvpn_cache_entry_size(void);
int dmvpn_cache_init(struct dmvpn_cache *cache);
void dmvpn_cache_flush_all(struct dmvpn_cache *cache);
void dmvpn_cache_destroy(struct dmvpn_cache *cache);
int dmvpn_key_set(struct dmvpn_key *key, u8 family, const void *addr,
		  u8 plen);
struct dmvpn_entry *dmvpn_cache_lookup(struct dmvpn_cache *cache, u8 family,
				       const void *addr);
struct dmvpn_entry *dmvpn_cache_find(struct dmvpn_cache *cache,
				     const struct dmvpn_key *key);
int dmvpn_cache_add(struct dmvpn_dev *dd, const struct dmvpn_entry_spec *spec,
		    bool replace, struct netlink_ext_ack *extack);
int dmvpn_cache_del(struct dmvpn_dev *dd, const struct dmvpn_key *key);
void dmvpn_cache_flush(struct dmvpn_dev *dd, u8 type);
void dmvpn_cache_peers_reset_routes(struct dmvpn_cache *cache);
unsigned long dmvpn_entry_holdtime_left(const struct dmvpn_entry *e);
void dmvpn_cache_expire(struct dmvpn_dev *dd, unsigned long now);

#ifdef DEBUG
extern atomic_t dmvpn_debug_sleeps_in_rcu;
extern atomic_t dmvpn_debug_entries;
extern atomic_t dmvpn_debug_expiry_visits;
extern bool dmvpn_debug_fail_plens;
#endif

static inline void dmvpn_entry_mark_used(struct dmvpn_entry *e,
					 unsigned int bytes)
{
	unsigned long now = jiffies;

	/* Avoid dirtying a shared cache line on every packet. */
	if (READ_ONCE(e->last_used) != now)
		WRITE_ONCE(e->last_used, now);
	atomic64_inc(&e->tx_packets);
	atomic64_add(bytes, &e->tx_bytes);
}

#endif /* _DMVPN_CACHE_H */

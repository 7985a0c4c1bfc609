// SPDX-License-Identifier: GPL-2.0
/*
 * Self-tests of the NHRP cache, run at module load in debug builds
 * (make DMVPN_DEBUG=y): longest-prefix match against a brute-force
 * reference, local entries, replace, peer sharing, NHS election, the
 * entry limit and the expiry wheel.  With cache_bench=1 it also times lookups at 1, 1k, 100k
 * and 1M entries and reports the memory an entry costs.
 */
#include <linux/etherdevice.h>
#include <linux/inetdevice.h>
#include <linux/ktime.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/rhashtable.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "../cache.h"
#include "../device.h"
#include "../peer.h"
#include "selftest.h"

static bool cache_bench;
module_param(cache_bench, bool, 0444);
MODULE_PARM_DESC(cache_bench, "debug builds: time cache lookups at load");

/* A cache with no netdevice around it: the self-tests never send. */
static struct dmvpn_dev *dmvpn_test_dev_create(u32 max_entries)
{
	struct dmvpn_params *p;
	struct dmvpn_dev *dd;

	dd = kzalloc(sizeof(*dd), GFP_KERNEL);
	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!dd || !p || dmvpn_cache_init(&dd->cache)) {
		kfree(dd);
		kfree(p);
		return NULL;
	}
	p->max_entries = max_entries;
	RCU_INIT_POINTER(dd->params, p);
	return dd;
}

static void dmvpn_test_dev_destroy(struct dmvpn_dev *dd)
{
	dmvpn_cache_flush_all(&dd->cache);
	synchronize_rcu();
	dmvpn_cache_destroy(&dd->cache);
	kfree(rcu_access_pointer(dd->params));
	kfree(dd);
}

static int dmvpn_test_add(struct dmvpn_dev *dd, u8 family, const void *addr,
			  u8 plen, __be32 nbma, u8 type)
{
	struct dmvpn_entry_spec spec = {
		.nbma = nbma,
		.type = type,
	};
	int err = dmvpn_key_set(&spec.key, family, addr, plen);

	return err ?: dmvpn_cache_add(dd, &spec, false, NULL);
}

/* The NBMA address a lookup leads to, or 0 for no entry. */
static __be32 dmvpn_test_lookup(struct dmvpn_dev *dd, u8 family,
				const void *addr)
{
	struct dmvpn_entry *e;
	__be32 nbma = 0;

	rcu_read_lock();
	e = dmvpn_cache_lookup(&dd->cache, family, addr);
	if (e && e->peer)
		nbma = e->peer->nbma;
	rcu_read_unlock();
	return nbma;
}

#define DMVPN_TEST(cond) do {						\
	if (!(cond)) {							\
		pr_err("dmvpn: selftest %s:%d failed: %s\n",		\
		       __func__, __LINE__, #cond);			\
		ok = false;						\
	}								\
} while (0)

static __be32 ip4(u8 a, u8 b, u8 c, u8 d)
{
	return htonl((u32)a << 24 | (u32)b << 16 | (u32)c << 8 | d);
}

static bool dmvpn_selftest_lpm4(struct dmvpn_dev *dd)
{
	__be32 a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	__be32 c = ip4(192, 0, 2, 3), d = ip4(192, 0, 2, 4);
	__be32 addr;
	bool ok = true;

	addr = ip4(10, 0, 0, 0);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 8, a, DMVPN_ENTRY_STATIC));
	addr = ip4(10, 1, 0, 0);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 16, b, DMVPN_ENTRY_SHORTCUT));
	addr = ip4(10, 1, 2, 3);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 32, c, DMVPN_ENTRY_DYNAMIC));
	addr = 0;
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 0, d, DMVPN_ENTRY_STATIC));
	/* Host bits are masked: 10.1.9.9/16 is the existing 10.1.0.0/16. */
	addr = ip4(10, 1, 9, 9);
	DMVPN_TEST(dmvpn_test_add(dd, AF_INET, &addr, 16, a,
				  DMVPN_ENTRY_STATIC) == -EEXIST);

	addr = ip4(10, 1, 2, 3);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == c);
	addr = ip4(10, 1, 2, 4);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == b);
	addr = ip4(10, 2, 0, 1);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == a);
	addr = ip4(11, 0, 0, 1);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == d);

	/* A local entry describes this host: the lookup passes it over. */
	addr = ip4(10, 1, 2, 4);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 32, a, DMVPN_ENTRY_LOCAL));
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == b);

	addr = ip4(10, 1, 0, 0);
	DMVPN_TEST(dmvpn_key_set(&(struct dmvpn_key){}, AF_INET, &addr, 33));
	{
		struct dmvpn_key key;

		dmvpn_key_set(&key, AF_INET, &addr, 16);
		DMVPN_TEST(!dmvpn_cache_del(dd, &key));
		DMVPN_TEST(dmvpn_cache_del(dd, &key) == -ENOENT);
	}
	addr = ip4(10, 1, 2, 4);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == a);
	/* An IPv4 entry never answers for IPv6, nor the reverse. */
	DMVPN_TEST(!dmvpn_test_lookup(dd, AF_INET6, &in6addr_any));
	return ok;
}

static bool dmvpn_selftest_lpm6(struct dmvpn_dev *dd)
{
	struct in6_addr addr = { .s6_addr = { 0xfd, 0x01, 0, 0, 0, 0, 0, 0,
					      0, 0, 0, 0, 0, 0, 0, 0x10 } };
	__be32 a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	__be32 c = ip4(192, 0, 2, 3);
	bool ok = true;

	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET6, &addr, 16, a, DMVPN_ENTRY_STATIC));
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET6, &addr, 64, b, DMVPN_ENTRY_SHORTCUT));
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET6, &addr, 128, c, DMVPN_ENTRY_DYNAMIC));
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET6, &addr) == c);
	addr.s6_addr[15] = 0x11;
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET6, &addr) == b);
	addr.s6_addr[7] = 0x01;
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET6, &addr) == a);
	addr.s6_addr[1] = 0x02;
	DMVPN_TEST(!dmvpn_test_lookup(dd, AF_INET6, &addr));
	return ok;
}

/*
 * Two SAs to one NBMA address (two spokes behind one NAT) differ in their
 * marks: entries with two marks lead to two peers, each with its own
 * route, and a peer has one mask.
 */
static bool dmvpn_selftest_peer_marks(struct dmvpn_dev *dd)
{
	__be32 a = ip4(192, 0, 2, 5);
	__be32 x = ip4(10, 9, 0, 4), y = ip4(10, 9, 0, 5), z = ip4(10, 9, 0, 6);
	struct dmvpn_entry_spec spec = {
		.nbma = a, .type = DMVPN_ENTRY_DYNAMIC,
		.ipsec_mark = 1, .ipsec_mask = 0xff,
	};
	struct dmvpn_entry *ex, *ey;
	bool ok = true;

	dmvpn_key_set(&spec.key, AF_INET, &x, 32);
	DMVPN_TEST(!dmvpn_cache_add(dd, &spec, false, NULL));
	spec.ipsec_mark = 2;
	dmvpn_key_set(&spec.key, AF_INET, &y, 32);
	DMVPN_TEST(!dmvpn_cache_add(dd, &spec, false, NULL));
	rcu_read_lock();
	ex = dmvpn_cache_lookup(&dd->cache, AF_INET, &x);
	ey = dmvpn_cache_lookup(&dd->cache, AF_INET, &y);
	DMVPN_TEST(ex && ey && ex->peer != ey->peer);
	DMVPN_TEST(ex && dmvpn_peer_find(&dd->cache, a, 1) == ex->peer);
	DMVPN_TEST(ey && dmvpn_peer_find(&dd->cache, a, 2) == ey->peer);
	DMVPN_TEST(!dmvpn_peer_find(&dd->cache, a, 0));
	DMVPN_TEST(dmvpn_peer_exists(&dd->cache, a));
	/* The SA's bits replace the mask's, the rest stays QoS's. */
	DMVPN_TEST(ey && dmvpn_peer_mark(ey->peer, 0x1234) == 0x1202);
	DMVPN_TEST(dmvpn_peer_mark(NULL, 0x1234) == 0x1234);
	rcu_read_unlock();

	/* The same peer with another mask, a mark outside its mask. */
	spec.ipsec_mask = 0xffff;
	dmvpn_key_set(&spec.key, AF_INET, &z, 32);
	DMVPN_TEST(dmvpn_cache_add(dd, &spec, false, NULL) == -EINVAL);
	spec.ipsec_mark = 0x10000;
	DMVPN_TEST(dmvpn_cache_add(dd, &spec, false, NULL) == -EINVAL);
	spec.ipsec_mark = 0;
	DMVPN_TEST(dmvpn_cache_add(dd, &spec, false, NULL) == -EINVAL);

	DMVPN_TEST(dmvpn_cache_del(dd, &spec.key) == -ENOENT);
	dmvpn_key_set(&spec.key, AF_INET, &x, 32);
	DMVPN_TEST(!dmvpn_cache_del(dd, &spec.key));
	dmvpn_key_set(&spec.key, AF_INET, &y, 32);
	DMVPN_TEST(!dmvpn_cache_del(dd, &spec.key));
	rcu_read_lock();
	DMVPN_TEST(!dmvpn_peer_exists(&dd->cache, a));
	rcu_read_unlock();
	return ok;
}

static bool dmvpn_selftest_peers(struct dmvpn_dev *dd)
{
	__be32 a = ip4(192, 0, 2, 1), b = ip4(192, 0, 2, 2);
	__be32 x = ip4(10, 9, 0, 1), y = ip4(10, 9, 0, 2);
	struct dmvpn_entry_spec spec = { .nbma = b, .type = DMVPN_ENTRY_NHS };
	struct dmvpn_entry *ex, *ey;
	bool ok = true;

	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &x, 32, a, DMVPN_ENTRY_NHS));
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &y, 32, a, DMVPN_ENTRY_NHS));
	rcu_read_lock();
	ex = dmvpn_cache_lookup(&dd->cache, AF_INET, &x);
	ey = dmvpn_cache_lookup(&dd->cache, AF_INET, &y);
	/* Two entries for one NBMA address share one peer and its route. */
	DMVPN_TEST(ex && ey && ex->peer == ey->peer);
	DMVPN_TEST(ex && rcu_access_pointer(dd->cache.nhs) == ex->peer);
	rcu_read_unlock();

	/* Replace moves the entry to another peer; misses follow. */
	dmvpn_key_set(&spec.key, AF_INET, &x, 32);
	DMVPN_TEST(!dmvpn_cache_add(dd, &spec, true, NULL));
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &x) == b);
	dmvpn_key_set(&spec.key, AF_INET, &y, 32);
	DMVPN_TEST(!dmvpn_cache_del(dd, &spec.key));
	rcu_read_lock();
	ex = dmvpn_cache_lookup(&dd->cache, AF_INET, &x);
	DMVPN_TEST(ex && rcu_access_pointer(dd->cache.nhs) == ex->peer);
	rcu_read_unlock();
	dmvpn_key_set(&spec.key, AF_INET, &x, 32);
	DMVPN_TEST(!dmvpn_cache_del(dd, &spec.key));
	DMVPN_TEST(!rcu_access_pointer(dd->cache.nhs));
	return ok && dmvpn_selftest_peer_marks(dd);
}

/*
 * A reader standing on a multicast peer while that peer's last multicast
 * entry goes and comes back within one grace period (the NHS entry
 * replaced without, then with multicast) must still reach the peers after
 * it.  The test is that reader: it holds the cache lock and the RCU read
 * side around what the two replaces do to the peer, then walks on.
 */
static bool dmvpn_selftest_mcast_reader(void)
{
	static const u8 npeers = 3;
	struct dmvpn_entry_spec spec = {
		.type = DMVPN_ENTRY_STATIC,
		.flags = DMVPN_ENTRY_F_MULTICAST,
	};
	struct dmvpn_peer *first, *peer;
	struct list_head *head;
	struct dmvpn_dev *dd;
	int after = 0, on = 0;
	bool ok = true;
	__be32 addr;
	u8 i;

	dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	if (!dd)
		return false;
	head = &dd->cache.mcast_peers;
	for (i = 1; i <= npeers; i++) {
		addr = ip4(10, 9, 0, i);
		spec.nbma = ip4(192, 0, 2, i);
		DMVPN_TEST(!dmvpn_key_set(&spec.key, AF_INET, &addr, 32));
		DMVPN_TEST(!dmvpn_cache_add(dd, &spec, false, NULL));
	}

	mutex_lock(&dd->cache.lock);
	rcu_read_lock();
	first = list_first_or_null_rcu(head, struct dmvpn_peer, mcast_node);
	DMVPN_TEST(first && first->nbma == ip4(192, 0, 2, 1));
	if (first) {
		dmvpn_peer_mcast_unref(&dd->cache, first);
		dmvpn_peer_mcast_ref(&dd->cache, first);
		peer = first;
		list_for_each_entry_continue_rcu(peer, head, mcast_node) {
			if (peer == first)
				break;	/* came round: a loop */
			if (dmvpn_peer_mcast_on(peer) &&
			    peer->nbma == ip4(192, 0, 2, after + 2))
				after++;
		}
	}
	rcu_read_unlock();
	mutex_unlock(&dd->cache.lock);
	DMVPN_TEST(after == npeers - 1);

	/* A peer without multicast entries gets no copies; then it does. */
	addr = ip4(10, 9, 0, 1);
	spec.flags = 0;
	spec.nbma = ip4(192, 0, 2, 1);
	DMVPN_TEST(!dmvpn_key_set(&spec.key, AF_INET, &addr, 32));
	DMVPN_TEST(!dmvpn_cache_add(dd, &spec, true, NULL));
	rcu_read_lock();
	list_for_each_entry_rcu(peer, head, mcast_node)
		on += dmvpn_peer_mcast_on(peer) &&
		      peer->nbma != ip4(192, 0, 2, 1);
	rcu_read_unlock();
	DMVPN_TEST(on == npeers - 1);
	spec.flags = DMVPN_ENTRY_F_MULTICAST;
	DMVPN_TEST(!dmvpn_cache_add(dd, &spec, true, NULL));
	on = 0;
	rcu_read_lock();
	list_for_each_entry_rcu(peer, head, mcast_node)
		on += dmvpn_peer_mcast_on(peer);
	rcu_read_unlock();
	DMVPN_TEST(on == npeers);

	/* The peers leave the list with their last entry. */
	dmvpn_cache_flush_all(&dd->cache);
	DMVPN_TEST(list_empty(head));
	dmvpn_test_dev_destroy(dd);
	return ok;
}

static bool dmvpn_selftest_limit(void)
{
	struct dmvpn_dev *dd = dmvpn_test_dev_create(2);
	__be32 nbma = ip4(192, 0, 2, 1), addr;
	bool ok = true;

	if (!dd)
		return false;
	addr = ip4(10, 0, 0, 1);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 32, nbma, DMVPN_ENTRY_STATIC));
	addr = ip4(10, 0, 0, 2);
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 32, nbma, DMVPN_ENTRY_STATIC));
	addr = ip4(10, 0, 0, 3);
	DMVPN_TEST(dmvpn_test_add(dd, AF_INET, &addr, 32, nbma,
				  DMVPN_ENTRY_STATIC) == -ENOSPC);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 2);
	dmvpn_test_dev_destroy(dd);
	return ok;
}

struct dmvpn_ref_prefix {
	__be32 addr;
	u8 plen;
	__be32 nbma;
};

/* The longest of @n prefixes that covers @addr, the slow obvious way. */
static const struct dmvpn_ref_prefix *
dmvpn_ref_lookup(const struct dmvpn_ref_prefix *ref, int n, __be32 addr)
{
	int best = -1, i;

	for (i = 0; i < n; i++) {
		if ((addr & inet_make_mask(ref[i].plen)) != ref[i].addr)
			continue;
		if (best < 0 || ref[i].plen > ref[best].plen)
			best = i;
	}
	return best < 0 ? NULL : &ref[best];
}

/*
 * The cache's answer for @addr is the reference's @want: the same prefix,
 * length and NBMA address, or no entry for no reference prefix.
 */
static bool dmvpn_test_lookup_is(struct dmvpn_dev *dd, __be32 addr,
				 const struct dmvpn_ref_prefix *want)
{
	struct dmvpn_entry *e;
	bool same;

	rcu_read_lock();
	e = dmvpn_cache_lookup(&dd->cache, AF_INET, &addr);
	if (!want)
		same = !e;
	else
		same = e && e->key.family == AF_INET &&
		       e->key.plen == want->plen &&
		       e->key.addr.v4 == want->addr &&
		       e->peer && e->peer->nbma == want->nbma;
	rcu_read_unlock();
	return same;
}

/* Random prefixes in 10/8 against the reference, random addresses. */
static bool dmvpn_selftest_random(void)
{
	const int nprefixes = 2000, nlookups = 20000;
	struct dmvpn_ref_prefix *ref;
	struct dmvpn_dev *dd;
	bool ok = true;
	int i, n = 0;

	dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	ref = kvcalloc(nprefixes, sizeof(*ref), GFP_KERNEL);
	if (!dd || !ref)
		goto out;
	for (i = 0; i < nprefixes; i++) {
		u8 plen = 8 + get_random_u32() % 25;
		__be32 addr = htonl(0x0a000000 | (get_random_u32() & 0xffffff));

		addr &= inet_make_mask(plen);
		ref[n].addr = addr;
		ref[n].plen = plen;
		/* 198.18.0.0/15: one NBMA address per prefix. */
		ref[n].nbma = htonl(0xc6120000 | (i + 1));
		if (!dmvpn_test_add(dd, AF_INET, &addr, plen, ref[n].nbma,
				    DMVPN_ENTRY_SHORTCUT))
			n++;	/* a duplicate prefix is -EEXIST: skip it */
	}
	for (i = 0; i < nlookups && ok; i++) {
		__be32 addr = htonl(0x0a000000 | (get_random_u32() & 0xffffff));

		/* Bias half the lookups to addresses inside known prefixes. */
		if (i & 1)
			addr = ref[i % n].addr | (addr & ~inet_make_mask(ref[i % n].plen));
		DMVPN_TEST(dmvpn_test_lookup_is(dd, addr,
						dmvpn_ref_lookup(ref, n, addr)));
	}
out:
	kvfree(ref);
	if (dd)
		dmvpn_test_dev_destroy(dd);
	return ok && dd && ref;
}

/* Prefix lengths in use for IPv4, from the published list. */
static unsigned int dmvpn_test_plens4(struct dmvpn_dev *dd)
{
	const struct dmvpn_plens *plens;
	unsigned int count;

	rcu_read_lock();
	plens = rcu_dereference(dd->cache.plens4);
	count = plens ? plens->count : 0;
	rcu_read_unlock();
	return count;
}

/*
 * Adds 1000 IPv4 entries over five prefix lengths (static and shortcut
 * alternating, one peer each) and 200 IPv6 ones over two; returns how many
 * were added.
 */
static int dmvpn_test_add_many(struct dmvpn_dev *dd)
{
	static const u8 plens4[] = { 8, 16, 24, 28, 32 };
	struct in6_addr addr6 = { };
	int i, added = 0;

	for (i = 0; i < 1000; i++) {
		u8 plen = plens4[i % ARRAY_SIZE(plens4)];
		u32 j = i / ARRAY_SIZE(plens4) + 1;
		__be32 addr = htonl(j << (32 - plen));

		added += !dmvpn_test_add(dd, AF_INET, &addr, plen,
					 htonl(0xc6120000 | i),
					 i & 1 ? DMVPN_ENTRY_SHORTCUT :
						 DMVPN_ENTRY_STATIC);
	}
	for (i = 0; i < 200; i++) {
		addr6.s6_addr32[0] = htonl(0xfd000000);
		addr6.s6_addr32[1] = htonl(i);
		added += !dmvpn_test_add(dd, AF_INET6, &addr6, i & 1 ? 64 : 128,
					 htonl(0xc6130000 | i),
					 DMVPN_ENTRY_DYNAMIC);
	}
	return added;
}

/*
 * Flush by type, flush all and the flush of a device going away, over many
 * entries and prefix lengths: each removes exactly what it should, in
 * batches, and never sleeps inside the table walk's RCU read side (which
 * the last entry of a prefix length going would, rebuilding the list of
 * lengths).
 */
static bool dmvpn_selftest_remove_many(void)
{
	struct dmvpn_dev *dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	bool ok = true;

	if (!dd)
		return false;
	atomic_set(&dmvpn_debug_sleeps_in_rcu, 0);
	DMVPN_TEST(dmvpn_test_add_many(dd) == 1200);
	DMVPN_TEST(dmvpn_test_plens4(dd) == 5);
	dmvpn_cache_flush(dd, DMVPN_ENTRY_SHORTCUT);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 700);
	DMVPN_TEST(atomic_read(&dd->cache.peers.ht.nelems) == 700);
	dmvpn_cache_flush(dd, 0);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 0);
	DMVPN_TEST(atomic_read(&dd->cache.peers.ht.nelems) == 0);
	DMVPN_TEST(dmvpn_test_plens4(dd) == 0);
	DMVPN_TEST(dmvpn_test_add_many(dd) == 1200);
	dmvpn_cache_flush_all(&dd->cache);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 0);
	DMVPN_TEST(atomic_read(&dd->cache.peers.ht.nelems) == 0);
	DMVPN_TEST(atomic_read(&dmvpn_debug_sleeps_in_rcu) == 0);
	dmvpn_test_dev_destroy(dd);
	return ok;
}

/*
 * An entry whose accounting fails (the list of prefix lengths cannot be
 * rebuilt) is refused, and gives back all it took: the entry, and its
 * peer with the peer's route cache.
 */
static bool dmvpn_selftest_account_fails(void)
{
	struct dmvpn_dev *dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	__be32 addr = ip4(10, 1, 0, 0), nbma = ip4(192, 0, 2, 9);
	bool ok = true;
	int entries;

	if (!dd)
		return false;
	/* The earlier tests' entries are freed after a grace period. */
	rcu_barrier();
	entries = atomic_read(&dmvpn_debug_entries);
	dmvpn_debug_fail_plens = true;
	DMVPN_TEST(dmvpn_test_add(dd, AF_INET, &addr, 16, nbma,
				  DMVPN_ENTRY_STATIC) == -ENOMEM);
	dmvpn_debug_fail_plens = false;
	DMVPN_TEST(atomic_read(&dd->cache.count) == 0);
	DMVPN_TEST(atomic_read(&dd->cache.peers.ht.nelems) == 0);
	DMVPN_TEST(atomic_read(&dmvpn_debug_entries) == entries);
	/* Nothing of it stays behind: the same entry can be added. */
	DMVPN_TEST(!dmvpn_test_add(dd, AF_INET, &addr, 16, nbma,
				   DMVPN_ENTRY_STATIC));
	addr = ip4(10, 1, 2, 3);
	DMVPN_TEST(dmvpn_test_lookup(dd, AF_INET, &addr) == nbma);
	dmvpn_test_dev_destroy(dd);
	rcu_barrier();
	DMVPN_TEST(atomic_read(&dmvpn_debug_entries) == entries);
	return ok;
}

static int dmvpn_test_add_expiring(struct dmvpn_dev *dd, __be32 addr,
				   u32 holdtime)
{
	struct dmvpn_entry_spec spec = {
		.nbma = ip4(192, 0, 2, 1),
		.type = DMVPN_ENTRY_DYNAMIC,
		.holdtime = holdtime,
	};
	int err = dmvpn_key_set(&spec.key, AF_INET, &addr, 32);

	return err ?: dmvpn_cache_add(dd, &spec, false, NULL);
}

/*
 * Entries the expiry sweep up to @now looked at, counted under the lock:
 * the device's own expiry work may sweep in between.
 */
static int dmvpn_test_expire(struct dmvpn_dev *dd, unsigned long now)
{
	int visits;

	mutex_lock(&dd->cache.lock);
	visits = atomic_read(&dmvpn_debug_expiry_visits);
	dmvpn_cache_expire(dd, now);
	visits = atomic_read(&dmvpn_debug_expiry_visits) - visits;
	mutex_unlock(&dd->cache.lock);
	return visits;
}

/*
 * The expiry sweep looks only at the entries due in the granules that
 * passed, not at the whole table: 2000 entries that live an hour cost the
 * sweeps of the next seconds nothing.  Entries expire in order of their
 * holding times, those of later turns of the wheel included, and entries
 * without a holding time never.  The sweeps run ahead of the clock.
 */
static bool dmvpn_selftest_expiry(void)
{
	struct dmvpn_dev *dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	struct net_device *dev;
	unsigned long now;
	bool ok = true;
	int i, visits;

	dev = alloc_netdev(0, "dmvpnt%d", NET_NAME_UNKNOWN, ether_setup);
	if (!dd || !dev) {
		if (dd)
			dmvpn_test_dev_destroy(dd);
		free_netdev(dev);
		return false;
	}
	/* Expiry notifies listeners, which are looked up in its netns. */
	dd->dev = dev;
	now = jiffies;
	for (i = 0; i < 2000; i++)
		DMVPN_TEST(!dmvpn_test_add_expiring(dd, ip4(10, 1, i >> 8, i), 3600));
	for (i = 0; i < 10; i++) {
		DMVPN_TEST(!dmvpn_test_add_expiring(dd, ip4(10, 2, 0, i), 1));
		DMVPN_TEST(!dmvpn_test_add_expiring(dd, ip4(10, 3, 0, i), 300));
		DMVPN_TEST(!dmvpn_test_add_expiring(dd, ip4(10, 4, 0, i), 0));
	}
	visits = dmvpn_test_expire(dd, now + 3 * HZ);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 2020);
	DMVPN_TEST(visits >= 10 && visits < 100);
	/* More than a turn of the wheel later: each slot swept once. */
	visits = dmvpn_test_expire(dd, now + 302 * HZ);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 2010);
	DMVPN_TEST(visits == 2010);	/* the 10 without a holding time: none */
	DMVPN_TEST(dmvpn_test_expire(dd, now + 303 * HZ) < 100);
	dmvpn_test_expire(dd, now + 3602 * HZ);
	DMVPN_TEST(atomic_read(&dd->cache.count) == 10);
	DMVPN_TEST(!dd->cache.expiring);
	dmvpn_test_dev_destroy(dd);
	free_netdev(dev);
	return ok;
}

static bool dmvpn_selftest_basic(void)
{
	struct dmvpn_dev *dd = dmvpn_test_dev_create(DMVPN_DEFAULT_MAX_ENTRIES);
	bool ok;

	if (!dd)
		return false;
	ok = dmvpn_selftest_lpm4(dd);
	ok &= dmvpn_selftest_lpm6(dd);
	dmvpn_cache_flush(dd, 0);
	ok &= atomic_read(&dd->cache.count) == 0;
	ok &= dmvpn_selftest_peers(dd);
	dmvpn_test_dev_destroy(dd);
	return ok;
}

/* Nanoseconds per lookup of @lookups addresses spread over @span entries. */
static u64 dmvpn_bench_lookups(struct dmvpn_dev *dd, u32 span, u32 lookups)
{
	__be32 addr;
	u64 start;
	u32 i;

	start = ktime_get_ns();
	for (i = 0; i < lookups; i++) {
		/* Multiplicative hashing spreads the lookups over the span. */
		addr = htonl(0x0a000000 + (u32)(((u64)i * 2654435761u) % span));
		/* Its RCU and READ_ONCE accesses keep the call from vanishing. */
		dmvpn_test_lookup(dd, AF_INET, &addr);
	}
	return div_u64(ktime_get_ns() - start, lookups);
}

/*
 * Lookup cost at one table size: @n host entries (all leading to one peer,
 * so only the entries themselves are measured) and one /24, so that every
 * /32 miss costs a second probe as in a real network.  "hot" looks up 1024
 * destinations, the active flows of a busy site; "all" spreads the lookups
 * over every entry, where cache misses, not the hash, set the cost.
 */
static void dmvpn_bench_one(u32 n)
{
	const u32 lookups = 1000000;
	__be32 nbma = ip4(192, 0, 2, 1), addr;
	unsigned int entry_bytes;
	struct dmvpn_dev *dd;
	u64 hot, all, table_bytes;
	u32 i;

	dd = dmvpn_test_dev_create(n + 1);
	if (!dd)
		return;
	addr = htonl(0x0b000000);
	dmvpn_test_add(dd, AF_INET, &addr, 24, nbma, DMVPN_ENTRY_SHORTCUT);
	for (i = 0; i < n; i++) {
		addr = htonl(0x0a000000 + i);
		if (dmvpn_test_add(dd, AF_INET, &addr, 32, nbma,
				   DMVPN_ENTRY_DYNAMIC))
			break;
		cond_resched();
	}
	hot = dmvpn_bench_lookups(dd, min(n, 1024U), lookups);
	all = dmvpn_bench_lookups(dd, n, lookups);
	entry_bytes = dmvpn_cache_entry_size();
	rcu_read_lock();
	table_bytes = (u64)rht_dereference_rcu(dd->cache.table.tbl,
					       &dd->cache.table)->size *
		      sizeof(struct rhash_head *);
	rcu_read_unlock();
	pr_info("dmvpn: cache bench: %8u entries: hot %llu ns/lookup, all %llu ns/lookup, %llu bytes/entry (entry %u + table %llu)\n",
		n, hot, all, entry_bytes + div_u64(table_bytes, n + 1),
		entry_bytes, div_u64(table_bytes, n + 1));
	dmvpn_test_dev_destroy(dd);
}

/**
 * dmvpn_selftest_cache - run the cache self-tests (debug builds only)
 *
 * Return: true when every test passed.
 */
bool dmvpn_selftest_cache(void)
{
	static const u32 sizes[] = { 1, 1000, 100000, 1000000 };
	bool ok;
	int i;

	ok = dmvpn_selftest_basic();
	ok &= dmvpn_selftest_limit();
	ok &= dmvpn_selftest_mcast_reader();
	ok &= dmvpn_selftest_random();
	ok &= dmvpn_selftest_remove_many();
	ok &= dmvpn_selftest_account_fails();
	ok &= dmvpn_selftest_expiry();
	if (ok && cache_bench)
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			dmvpn_bench_one(sizes[i]);
	pr_info("dmvpn: cache selftests: %s\n", ok ? "pass" : "FAIL");
	return ok;
}

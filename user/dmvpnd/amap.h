/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A hash map of objects keyed by an overlay prefix (family, length,
 * address), intrusive like the kernel's lists: embed a struct amap_node.
 * It grows with its contents so a hub with 100k registrations stays O(1).
 */
#ifndef DMVPND_AMAP_H
#define DMVPND_AMAP_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"

struct amap_node {
	struct amap_node *next;
	struct dmvpn_prefix key;
};

struct amap {
	struct amap_node **buckets;
	size_t nbuckets;	/* a power of two, or 0 while empty */
	size_t count;
	uint64_t key[2];	/* of the hash; random unless set first */
	bool keyed;		/* key set: by the first insert, or a test */
};

/* Compare only the bytes the family uses, so that padding never matters. */
struct amap_node *amap_find(const struct amap *m, const struct dmvpn_prefix *k);
/* Insert @n with @n->key set; the key must not be in the map.  -1: ENOMEM. */
int amap_insert(struct amap *m, struct amap_node *n);
void amap_remove(struct amap *m, struct amap_node *n);
void amap_free(struct amap *m);

/* Visit every node; @fn may remove (and free) the node it is given. */
void amap_each(struct amap *m, void (*fn)(struct amap_node *n, void *arg),
	       void *arg);

/* The bucket hash of @k in @m (SipHash-2-4 of family, length, address). */
size_t amap_hash(const struct amap *m, const struct dmvpn_prefix *k);
uint64_t amap_siphash(const uint64_t key[2], const void *data, size_t len);

#define amap_entry(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))

/* The key of an IPv4 (NBMA) address: a /32 prefix. */
void amap_key_in_addr(struct dmvpn_prefix *k, struct in_addr a);

/* A key for an address or prefix, with the bits past @len cleared. */
void amap_key(struct dmvpn_prefix *k, const struct dmvpn_prefix *p,
	      unsigned int len);

#endif

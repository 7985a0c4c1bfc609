// SPDX-License-Identifier: GPL-2.0
#include "amap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static size_t key_hash(const struct dmvpn_prefix *k)
{
	size_t n = dmvpn_family_bytes(k->family);
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	h = (h ^ k->family) * 1099511628211ULL;
	h = (h ^ k->len) * 1099511628211ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ k->addr.bytes[i]) * 1099511628211ULL;
	return (size_t)(h ^ (h >> 29));
}

static bool key_equal(const struct dmvpn_prefix *a,
		      const struct dmvpn_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes,
		       dmvpn_family_bytes(a->family));
}

void amap_key(struct dmvpn_prefix *k, const struct dmvpn_prefix *p,
	      unsigned int len)
{
	unsigned int bits = dmvpn_family_bits(p->family);

	memset(k, 0, sizeof(*k));
	k->family = p->family;
	k->len = (uint8_t)(len > bits ? bits : len);
	memcpy(k->addr.bytes, p->addr.bytes, dmvpn_family_bytes(p->family));
	for (unsigned int i = k->len; i < bits; i++)
		k->addr.bytes[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

struct amap_node *amap_find(const struct amap *m, const struct dmvpn_prefix *k)
{
	struct amap_node *n;

	if (!m->nbuckets)
		return NULL;
	for (n = m->buckets[key_hash(k) & (m->nbuckets - 1)]; n; n = n->next)
		if (key_equal(&n->key, k))
			return n;
	return NULL;
}

static int grow(struct amap *m)
{
	size_t nb = m->nbuckets ? m->nbuckets * 2 : 64;
	struct amap_node **b = calloc(nb, sizeof(*b));

	if (!b)
		return -1;
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct amap_node *n = m->buckets[i], *next;

		for (; n; n = next) {
			size_t slot = key_hash(&n->key) & (nb - 1);

			next = n->next;
			n->next = b[slot];
			b[slot] = n;
		}
	}
	free(m->buckets);
	m->buckets = b;
	m->nbuckets = nb;
	return 0;
}

int amap_insert(struct amap *m, struct amap_node *n)
{
	size_t slot;

	if (m->count >= m->nbuckets && grow(m))
		return -1;
	slot = key_hash(&n->key) & (m->nbuckets - 1);
	n->next = m->buckets[slot];
	m->buckets[slot] = n;
	m->count++;
	return 0;
}

void amap_remove(struct amap *m, struct amap_node *n)
{
	struct amap_node **pp;

	if (!m->nbuckets)
		return;
	pp = &m->buckets[key_hash(&n->key) & (m->nbuckets - 1)];
	for (; *pp; pp = &(*pp)->next) {
		if (*pp == n) {
			*pp = n->next;
			n->next = NULL;
			m->count--;
			return;
		}
	}
}

void amap_each(struct amap *m, void (*fn)(struct amap_node *n, void *arg),
	       void *arg)
{
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct amap_node *n = m->buckets[i], *next;

		for (; n; n = next) {
			next = n->next;
			fn(n, arg);
		}
	}
}

void amap_free(struct amap *m)
{
	free(m->buckets);
	m->buckets = NULL;
	m->nbuckets = 0;
	m->count = 0;
}

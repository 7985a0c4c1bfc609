// SPDX-License-Identifier: GPL-2.0
#include "amap.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define ROTL(x, b)	(uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static void sip_round(uint64_t v[4])
{
	v[0] += v[1];
	v[1] = ROTL(v[1], 13);
	v[1] ^= v[0];
	v[0] = ROTL(v[0], 32);
	v[2] += v[3];
	v[3] = ROTL(v[3], 16);
	v[3] ^= v[2];
	v[0] += v[3];
	v[3] = ROTL(v[3], 21);
	v[3] ^= v[0];
	v[2] += v[1];
	v[1] = ROTL(v[1], 17);
	v[1] ^= v[2];
	v[2] = ROTL(v[2], 32);
}

static uint64_t le64(const uint8_t *p, size_t n)
{
	uint64_t x = 0;

	for (size_t i = 0; i < n; i++)
		x |= (uint64_t)p[i] << (8 * i);
	return x;
}

uint64_t amap_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v[4] = {
		key[0] ^ 0x736f6d6570736575ULL, key[1] ^ 0x646f72616e646f6dULL,
		key[0] ^ 0x6c7967656e657261ULL, key[1] ^ 0x7465646279746573ULL,
	};
	uint64_t m;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		m = le64(p + i, 8);
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	m = le64(p + i, len - i) | (uint64_t)(len & 0xff) << 56;
	v[3] ^= m;
	sip_round(v);
	sip_round(v);
	v[0] ^= m;
	v[2] ^= 0xff;
	for (i = 0; i < 4; i++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/*
 * Keys come from the wire (a registration's or request's addresses), so
 * the hash is keyed (SipHash-2-4, a random key per map): with a known hash
 * a stranger could send addresses that all land in one bucket and turn
 * every look-up into a walk of the whole map (issue 14).
 */
size_t amap_hash(const struct amap *m, const struct dmvpn_prefix *k)
{
	uint8_t buf[2 + sizeof(k->addr.bytes)];
	size_t n = dmvpn_family_bytes(k->family);

	buf[0] = k->family;
	buf[1] = k->len;
	memcpy(buf + 2, k->addr.bytes, n);
	return (size_t)amap_siphash(m->key, buf, 2 + n);
}

static size_t key_hash(const struct amap *m, const struct dmvpn_prefix *k)
{
	return amap_hash(m, k);
}

static bool key_equal(const struct dmvpn_prefix *a,
		      const struct dmvpn_prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       !memcmp(a->addr.bytes, b->addr.bytes,
		       dmvpn_family_bytes(a->family));
}

void amap_key_in_addr(struct dmvpn_prefix *k, struct in_addr a)
{
	memset(k, 0, sizeof(*k));
	k->family = AF_INET;
	k->len = 32;
	memcpy(k->addr.bytes, &a, sizeof(a));
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
	for (n = m->buckets[key_hash(m, k) & (m->nbuckets - 1)]; n; n = n->next)
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
	if (!m->keyed) {
		if (getrandom(m->key, sizeof(m->key), 0) != sizeof(m->key)) {
			free(b);
			return -1;
		}
		m->keyed = true;
	}
	for (size_t i = 0; i < m->nbuckets; i++) {
		struct amap_node *n = m->buckets[i], *next;

		for (; n; n = next) {
			size_t slot = key_hash(m, &n->key) & (nb - 1);

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
	slot = key_hash(m, &n->key) & (m->nbuckets - 1);
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
	pp = &m->buckets[key_hash(m, &n->key) & (m->nbuckets - 1)];
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

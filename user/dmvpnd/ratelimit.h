/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Token buckets per source address, for what the agent answers to or logs
 * about packets from strangers: each source gets its own small budget, so
 * that a flood from one host does not use up what another host is owed,
 * and all sources together share one global budget, so that a flood from
 * spoofed sources stays bounded too.  Sources hash (with a random key)
 * into a fixed table; two sources in one slot share a bucket.  Pure: the
 * caller passes the time.
 */
#ifndef DMVPND_RATELIMIT_H
#define DMVPND_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#define RATELIMIT_SLOTS	256

struct rl_bucket {
	uint32_t src;		/* the source last charged to this slot */
	uint64_t credit;	/* milliseconds of credit */
	uint64_t last;		/* when credit was last topped up */
};

struct ratelimit {
	unsigned int per_src_rate;	/* tokens per second, per source */
	unsigned int per_src_burst;
	unsigned int global_rate;	/* tokens per second, all sources */
	unsigned int global_burst;
	uint64_t key;			/* random; odd */
	struct rl_bucket global;
	struct rl_bucket slot[RATELIMIT_SLOTS];
	uint64_t suppressed;		/* refused since the last report */
};

/* Set the rates; the hash key comes from getrandom(). */
void ratelimit_init(struct ratelimit *rl, unsigned int per_src_rate,
		    unsigned int per_src_burst, unsigned int global_rate,
		    unsigned int global_burst);
/* May @src (IPv4, network order) have one more at @now (ms)? */
bool ratelimit_allow(struct ratelimit *rl, uint32_t src, uint64_t now);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * Per-source token buckets with a global cap: see ratelimit.h.
 */
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "ratelimit.h"

void ratelimit_init(struct ratelimit *rl, unsigned int per_src_rate,
		    unsigned int per_src_burst, unsigned int global_rate,
		    unsigned int global_burst)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_src_rate = per_src_rate ? per_src_rate : 1;
	rl->per_src_burst = per_src_burst ? per_src_burst : 1;
	rl->global_rate = global_rate ? global_rate : 1;
	rl->global_burst = global_burst ? global_burst : 1;
	if (getrandom(&rl->key, sizeof(rl->key), 0) != sizeof(rl->key))
		rl->key = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	rl->key |= 1;
}

/* One token from @b, refilled at @rate per second up to @burst. */
static bool take(struct rl_bucket *b, unsigned int rate, unsigned int burst,
		 uint64_t now)
{
	uint64_t cost = 1000 / rate ? 1000 / rate : 1;
	uint64_t cap = cost * burst;

	if (now > b->last) {
		b->credit += now - b->last;
		b->last = now;
	}
	if (b->credit > cap)
		b->credit = cap;
	if (b->credit < cost)
		return false;
	b->credit -= cost;
	return true;
}

static unsigned int slot_of(const struct ratelimit *rl, uint32_t src)
{
	uint64_t h = ((uint64_t)src ^ (rl->key >> 32)) * rl->key;

	return (unsigned int)(h >> 56) % RATELIMIT_SLOTS;
}

bool ratelimit_allow(struct ratelimit *rl, uint32_t src, uint64_t now)
{
	struct rl_bucket *b = &rl->slot[slot_of(rl, src)];
	uint64_t full = (uint64_t)(1000 / rl->per_src_rate ?
				   1000 / rl->per_src_rate : 1) *
			rl->per_src_burst;

	/* A source new to its slot starts with a full bucket, as any new
	 * source does; the global bucket bounds what that gives away. */
	if (b->src != src || !b->last) {
		b->src = src;
		b->credit = full;
		b->last = now;
	}
	if (!rl->global.last) {
		rl->global.last = now;
		rl->global.credit = (uint64_t)(1000 / rl->global_rate ?
					       1000 / rl->global_rate : 1) *
				    rl->global_burst;
	}
	/* The source's token first: a flood from one source must not drain
	 * the global budget beyond its own share. */
	if (!take(b, rl->per_src_rate, rl->per_src_burst, now) ||
	    !take(&rl->global, rl->global_rate, rl->global_burst, now)) {
		rl->suppressed++;
		return false;
	}
	return true;
}

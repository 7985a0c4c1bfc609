/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The NHRP intake: packets read off the socket wait here, one queue per
 * outer source address, until the agent has time for them.  The socket
 * itself is one FIFO: under a flood, a spoke's renewal waited behind every
 * hostile packet queued before it (more than 20 s in issue 14's flood).
 * Here it waits for one turn of the sources instead:
 *
 *   - sources are taken in turn, one packet each (round robin);
 *   - peers the device knows (its NHSs, the spokes registered with it)
 *     and strangers are two classes that alternate, so strangers, however
 *     many addresses they spoof, get at most half of the agent's time
 *     while known peers have something queued, and all of it otherwise;
 *   - one source holds at most INTAKE_PER_SOURCE packets, all of them
 *     together at most INTAKE_PACKETS and INTAKE_BYTES: past that a
 *     stranger's new packet is dropped, and a known peer's takes the place
 *     of the oldest queued stranger packet.
 *
 * Spoofing a known peer's address buys an attacker that peer's queue and
 * class, not the others'.  Pure: no I/O, no clock.
 */
#ifndef DMVPND_INTAKE_H
#define DMVPND_INTAKE_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "amap.h"

#define INTAKE_PACKETS		4096
#define INTAKE_BYTES		(2u << 20)
#define INTAKE_PER_SOURCE	256

struct intake_pkt {
	struct intake_pkt *next;
	struct in_addr from;
	uint32_t mark;			/* skb->mark: the IPsec SA's, if any */
	size_t len;
	uint8_t data[];
};

enum intake_class { INTAKE_KNOWN, INTAKE_STRANGER, INTAKE_CLASSES };

struct intake_flow;

struct intake_ring {			/* the sources of a class with packets */
	struct intake_flow *head, *tail;
	size_t packets;
};

struct intake {
	struct amap flows;		/* by source address */
	struct intake_ring ring[INTAKE_CLASSES];
	unsigned int turn;		/* the class whose turn is next */
	size_t packets, bytes;
	uint64_t dropped;		/* packets that found no room */
};

enum intake_verdict {
	INTAKE_QUEUED,
	INTAKE_EVICTED,		/* queued; an older stranger packet dropped */
	INTAKE_DROPPED,		/* no room: the new packet was dropped */
	INTAKE_NOMEM,
};

void intake_init(struct intake *q);
void intake_free(struct intake *q);

/*
 * Queue @len bytes from @from that came with @mark; @known says which
 * class the source is in (decided when its queue starts, kept while it
 * has packets queued).  The sources behind one NAT address share its
 * queue, whatever their marks.
 */
enum intake_verdict intake_put(struct intake *q, struct in_addr from,
			       uint32_t mark, bool known, const void *data,
			       size_t len);

/* The next packet in turn, or NULL; the caller frees it with free(). */
struct intake_pkt *intake_take(struct intake *q);

static inline bool intake_empty(const struct intake *q)
{
	return q->packets == 0;
}

#endif

// SPDX-License-Identifier: GPL-2.0
/* The NHRP intake: per-source queues taken in turn (see intake.h). */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "intake.h"

struct intake_flow {
	struct amap_node node;		/* keyed by the source, /32 */
	struct intake_flow *next;	/* in its class's ring */
	enum intake_class class;
	struct intake_pkt *head, *tail;
	size_t packets;
};

void intake_init(struct intake *q)
{
	memset(q, 0, sizeof(*q));
}

static void ring_push(struct intake_ring *r, struct intake_flow *f)
{
	f->next = NULL;
	if (r->tail)
		r->tail->next = f;
	else
		r->head = f;
	r->tail = f;
}

static struct intake_flow *ring_pop(struct intake_ring *r)
{
	struct intake_flow *f = r->head;

	r->head = f->next;
	if (!r->head)
		r->tail = NULL;
	return f;
}

/* Unlink @f's oldest packet; the flow goes when it has no more. */
static struct intake_pkt *flow_shift(struct intake *q, struct intake_flow *f)
{
	struct intake_pkt *p = f->head;

	f->head = p->next;
	if (!f->head)
		f->tail = NULL;
	f->packets--;
	q->ring[f->class].packets--;
	q->packets--;
	q->bytes -= p->len;
	return p;
}

static void flow_drop(struct intake *q, struct intake_flow *f)
{
	amap_remove(&q->flows, &f->node);
	free(f);
}

/*
 * Make room by dropping the oldest packet of the stranger whose turn is
 * next; false if no stranger has one.
 */
static bool evict_stranger(struct intake *q)
{
	struct intake_ring *r = &q->ring[INTAKE_STRANGER];
	struct intake_flow *f = r->head;

	if (!f)
		return false;
	free(flow_shift(q, f));
	if (!f->packets) {
		ring_pop(r);
		flow_drop(q, f);
	}
	q->dropped++;
	return true;
}

static bool full(const struct intake *q, size_t len)
{
	return q->packets >= INTAKE_PACKETS || q->bytes + len > INTAKE_BYTES;
}

static struct intake_flow *flow_find(struct intake *q, struct in_addr from)
{
	struct dmvpn_prefix k;
	struct amap_node *n;

	amap_key_in_addr(&k, from);
	n = amap_find(&q->flows, &k);
	return n ? amap_entry(n, struct intake_flow, node) : NULL;
}

static struct intake_flow *flow_new(struct intake *q, struct in_addr from,
				    enum intake_class class)
{
	struct intake_flow *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	amap_key_in_addr(&f->node.key, from);
	f->class = class;
	if (amap_insert(&q->flows, &f->node)) {
		free(f);
		return NULL;
	}
	ring_push(&q->ring[class], f);
	return f;
}

static void flow_append(struct intake *q, struct intake_flow *f,
			struct intake_pkt *p)
{
	p->next = NULL;
	if (f->tail)
		f->tail->next = p;
	else
		f->head = p;
	f->tail = p;
	f->packets++;
	q->ring[f->class].packets++;
	q->packets++;
	q->bytes += p->len;
}

enum intake_verdict intake_put(struct intake *q, struct in_addr from,
			       uint32_t mark, bool known, const void *data,
			       size_t len)
{
	struct intake_flow *f = flow_find(q, from);
	enum intake_verdict v = INTAKE_QUEUED;
	struct intake_pkt *p;

	if (len > INTAKE_BYTES || (f && f->packets >= INTAKE_PER_SOURCE)) {
		q->dropped++;
		return INTAKE_DROPPED;
	}
	/* A queued source keeps its class, and so is never evicted here. */
	if (f)
		known = f->class == INTAKE_KNOWN;
	while (full(q, len)) {
		if (!known || !evict_stranger(q)) {
			q->dropped++;
			return INTAKE_DROPPED;
		}
		v = INTAKE_EVICTED;
	}
	p = malloc(sizeof(*p) + len);
	if (!p)
		return INTAKE_NOMEM;
	if (!f)
		f = flow_new(q, from, known ? INTAKE_KNOWN : INTAKE_STRANGER);
	if (!f) {
		free(p);
		return INTAKE_NOMEM;
	}
	p->from = from;
	p->mark = mark;
	p->len = len;
	memcpy(p->data, data, len);
	flow_append(q, f, p);
	return v;
}

struct intake_pkt *intake_take(struct intake *q)
{
	unsigned int c = q->turn;
	struct intake_flow *f;
	struct intake_pkt *p;

	if (!q->ring[c].head)
		c = !c;
	if (!q->ring[c].head)
		return NULL;
	q->turn = !c;
	f = ring_pop(&q->ring[c]);
	p = flow_shift(q, f);
	if (f->packets)
		ring_push(&q->ring[c], f);
	else
		flow_drop(q, f);
	return p;
}

static void free_flow(struct amap_node *n, void *arg)
{
	struct intake_flow *f = amap_entry(n, struct intake_flow, node);
	struct intake *q = arg;

	while (f->head)
		free(flow_shift(q, f));
	amap_remove(&q->flows, n);
	free(f);
}

void intake_free(struct intake *q)
{
	amap_each(&q->flows, free_flow, q);
	amap_free(&q->flows);
	intake_init(q);
}

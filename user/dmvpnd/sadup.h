/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Duplicate SAs to one peer, and which go.  Both ends of a shortcut can
 * initiate an IKE_SA to the other at once (each answers the other's
 * resolution), and both come up, each with a CHILD_SA for the same
 * traffic; an initiate that timed out can also come up beside its retry.
 * One IKE_SA stays.  Exactly one end decides, by a rule both ends apply
 * to what both see: the end that initiated the IKE_SA with the lowest
 * initiator SPI.  It keeps the CHILD_SA that came up last at its end, the
 * one its kernel sends on (of two SAs under one policy, xfrm takes the
 * newest), and deletes the other IKE_SAs.  Pure: ipsec.c does the I/O.
 */
#ifndef DMVPND_SADUP_H
#define DMVPND_SADUP_H

#include <stdbool.h>
#include <stdint.h>

struct sadup_ike {
	uint32_t id;		/* charon's unique id */
	uint64_t spi_i;		/* its initiator's SPI (0: unknown) */
	bool ours;		/* our end initiated it */
};

struct sadup_child {
	uint32_t ike_id;	/* its IKE_SA */
	uint32_t seq;		/* the order CHILD_SAs came up in, here */
};

/*
 * The IKE_SAs our end is to delete, into @out (room for @nike): how many.
 * None when there is one, when the peer decides, or when an SPI is
 * unknown (the ends might not agree).  *@keep: the one that stays.
 */
unsigned int sadup_pick(const struct sadup_ike *ike, unsigned int nike,
			const struct sadup_child *child, unsigned int nchild,
			uint32_t *out, uint32_t *keep);

/*
 * Better than deleting a duplicate is not making one.  Of two spokes,
 * the one this says no to does not initiate to answer the other's
 * resolution request: it answers through its NHS, and the other, taking
 * that answer, initiates (resolve.c).  Both ends apply it to what both
 * see, so one initiates: an end behind NAT (the other cannot reach it),
 * else the lower address.
 * @ours, @peer: the two addresses as the other end sees them (the outside
 * one behind NAT), in network order; @we_nat, @peer_nat: that end is
 * behind NAT.  True when the ends cannot tell (both behind NAT, or one
 * address): both initiate, and sadup_pick() keeps one.
 */
bool sadup_we_initiate(uint32_t ours, uint32_t peer, bool we_nat,
		       bool peer_nat);

#endif /* DMVPND_SADUP_H */

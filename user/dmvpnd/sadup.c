// SPDX-License-Identifier: GPL-2.0
/* Which duplicate SAs to one peer go (sadup.h). */
#include <arpa/inet.h>
#include <stddef.h>

#include "sadup.h"

unsigned int sadup_pick(const struct sadup_ike *ike, unsigned int nike,
			const struct sadup_child *child, unsigned int nchild,
			uint32_t *out, uint32_t *keep)
{
	const struct sadup_ike *low = NULL;
	const struct sadup_child *last = NULL;
	unsigned int n = 0;

	*keep = 0;
	if (nike < 2 || !nchild)
		return 0;
	for (unsigned int i = 0; i < nike; i++) {
		if (!ike[i].spi_i)
			return 0;
		if (!low || ike[i].spi_i < low->spi_i)
			low = &ike[i];
	}
	if (!low->ours)
		return 0;
	for (unsigned int i = 0; i < nchild; i++)
		if (!last || child[i].seq > last->seq)
			last = &child[i];
	*keep = last->ike_id;
	for (unsigned int i = 0; i < nike; i++)
		if (ike[i].id != last->ike_id)
			out[n++] = ike[i].id;
	return n;
}

bool sadup_we_initiate(uint32_t ours, uint32_t peer, bool we_nat,
		       bool peer_nat)
{
	if (we_nat != peer_nat)
		return we_nat;
	if (we_nat || ours == peer)
		return true;
	return ntohl(ours) < ntohl(peer);
}

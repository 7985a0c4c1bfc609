/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Whether two decoded NHRP messages say the same thing: for the unit tests
 * and the fuzzer, which check that build and parse are inverses.  Not part
 * of the codec library.
 *
 * Every field is compared, whatever the type; addresses and CIE lists by
 * their used part; payloads and unknown extension bodies by content, since
 * they point into different buffers.
 */
#ifndef DMVPN_NHRP_EQUAL_H
#define DMVPN_NHRP_EQUAL_H

#include <string.h>

#include "nhrp.h"

static inline bool nhrp_bytes_equal(const uint8_t *a, size_t alen,
				    const uint8_t *b, size_t blen)
{
	return alen == blen && (!alen || memcmp(a, b, alen) == 0);
}

static inline bool nhrp_addr_equal(const struct nhrp_addr *a,
				   const struct nhrp_addr *b)
{
	return a->len == b->len && a->len <= NHRP_ADDR_MAX &&
	       memcmp(a->bytes, b->bytes, a->len) == 0;
}

static inline bool nhrp_cie_equal(const struct nhrp_cie *a,
				  const struct nhrp_cie *b)
{
	return a->code == b->code && a->prefix_len == b->prefix_len &&
	       a->mtu == b->mtu && a->holding_time == b->holding_time &&
	       a->preference == b->preference &&
	       nhrp_addr_equal(&a->nbma, &b->nbma) &&
	       nhrp_addr_equal(&a->nbma_sub, &b->nbma_sub) &&
	       nhrp_addr_equal(&a->proto, &b->proto);
}

static inline bool nhrp_cie_list_equal(const struct nhrp_cie_list *a,
				       const struct nhrp_cie_list *b)
{
	unsigned int i;

	if (a->count != b->count || a->count > NHRP_MAX_CIES)
		return false;
	for (i = 0; i < a->count; i++)
		if (!nhrp_cie_equal(&a->cie[i], &b->cie[i]))
			return false;
	return true;
}

static inline bool nhrp_msg_equal(const struct nhrp_msg *a,
				  const struct nhrp_msg *b)
{
	unsigned int i;

	if (a->afn != b->afn || a->proto_type != b->proto_type ||
	    memcmp(a->proto_snap, b->proto_snap, sizeof(a->proto_snap)) ||
	    a->hop_count != b->hop_count || a->type != b->type ||
	    a->flags != b->flags || a->request_id != b->request_id ||
	    a->error_code != b->error_code ||
	    a->error_offset != b->error_offset ||
	    a->traffic_code != b->traffic_code ||
	    !nhrp_addr_equal(&a->src_nbma, &b->src_nbma) ||
	    !nhrp_addr_equal(&a->src_nbma_sub, &b->src_nbma_sub) ||
	    !nhrp_addr_equal(&a->src_proto, &b->src_proto) ||
	    !nhrp_addr_equal(&a->dst_proto, &b->dst_proto) ||
	    !nhrp_cie_list_equal(&a->cies, &b->cies) ||
	    !nhrp_bytes_equal(a->payload, a->payload_len,
			      b->payload, b->payload_len))
		return false;

	if (a->ext_present != b->ext_present ||
	    !nhrp_cie_list_equal(&a->responder, &b->responder) ||
	    !nhrp_cie_list_equal(&a->forward_transit, &b->forward_transit) ||
	    !nhrp_cie_list_equal(&a->reverse_transit, &b->reverse_transit) ||
	    !nhrp_cie_list_equal(&a->nat_address, &b->nat_address) ||
	    a->auth_type != b->auth_type ||
	    a->auth_secret_len != b->auth_secret_len ||
	    a->auth_secret_len > NHRP_AUTH_SECRET_MAX ||
	    memcmp(a->auth_secret, b->auth_secret, a->auth_secret_len) ||
	    memcmp(a->vendor_oui, b->vendor_oui, sizeof(a->vendor_oui)) ||
	    a->vendor_len != b->vendor_len ||
	    a->vendor_len > NHRP_VENDOR_DATA_MAX ||
	    memcmp(a->vendor_data, b->vendor_data, a->vendor_len))
		return false;

	if (a->unknown_count != b->unknown_count ||
	    a->unknown_count > NHRP_MAX_UNKNOWN_EXTS)
		return false;
	for (i = 0; i < a->unknown_count; i++) {
		const struct nhrp_raw_ext *x = &a->unknown[i], *y = &b->unknown[i];

		if (x->type != y->type || x->compulsory != y->compulsory ||
		    !nhrp_bytes_equal(x->data, x->len, y->data, y->len))
			return false;
	}
	return true;
}

#endif

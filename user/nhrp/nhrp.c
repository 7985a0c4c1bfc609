// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP codec: RFC 2332 packets with the Cisco additions DMVPN uses.
 *
 * Wire layout (all big-endian):
 *
 *   fixed header, 20 bytes
 *     0 ar$afn  2 ar$pro.type  4 ar$pro.snap[5]  9 ar$hopcnt
 *    10 ar$pktsz  12 ar$chksum  14 ar$extoff  16 ar$op.version
 *    17 ar$op.type  18 ar$shtl  19 ar$sstl
 *   mandatory part, 8 bytes of header
 *    20 src proto len  21 dst proto len  22 flags
 *    24 request id (types 1-6)
 *       error code, error offset (7: error indication)
 *       traffic code, 16 unused bits (8: Cisco traffic indication, as
 *       Wireshark decodes it; FRR sends zeroes there)
 *    28 src NBMA addr, src NBMA subaddr, src proto addr, dst proto addr
 *   then CIEs (types 1-6) or the offending packet (7, 8), up to ar$extoff
 *   or, without extensions, ar$pktsz
 *   extensions from ar$extoff: type (0x8000 = compulsory), length, body;
 *   the chain ends with END (type 0, length 0) at ar$pktsz
 *
 * The NBMA t/l bytes carry the address length in the low 6 bits and the
 * E.164 flag in 0x40; only NSAP-style (plain) lengths are accepted.
 */
#include <string.h>

#include "nhrp.h"

#define MAND_HDR_LEN		8
#define MAND_END		(NHRP_FIXED_HDR_LEN + MAND_HDR_LEN)

#define TL_E164			0x40
#define TL_RESERVED		0x80
#define TL_LEN_MASK		0x3f

/* ---- byte order ---- */

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

uint16_t nhrp_checksum(const uint8_t *buf, size_t len)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += get16(buf + i);
	if (len & 1)
		sum += (uint32_t)buf[len - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- parsing ---- */

struct parser {
	const uint8_t *buf;
	struct nhrp_parse_error *err;
	/* the indication owed for a malformed part (0 before it is known) */
	uint16_t owed;
	uint16_t afn;		/* what the addresses' lengths must fit */
	uint16_t proto_type;
};

static int refuse(struct parser *p, const char *reason, size_t offset,
		  uint16_t code)
{
	if (p->err) {
		p->err->reason = reason;
		p->err->offset = offset;
		p->err->error_code = code;
	}
	return -1;
}

/*
 * A length octet: @tl says it is an NBMA type/length (which has the E.164
 * flag and a reserved bit) rather than a plain protocol address length.
 */
static int check_len(struct parser *p, size_t at, bool tl, uint8_t *len)
{
	uint8_t v = p->buf[at];

	if (tl) {
		if (v & TL_RESERVED)
			return refuse(p, "reserved bit set in address type/length",
				      at, p->owed);
		if (v & TL_E164)
			return refuse(p, "E.164 address not supported", at,
				      p->owed);
		v &= TL_LEN_MASK;
	}
	if (v > NHRP_ADDR_MAX)
		return refuse(p, "address longer than 16 bytes", at, p->owed);
	*len = v;
	return 0;
}

/*
 * An address's length must fit its family (a registration of an IPv4
 * address under protocol type IPv6 is malformed, not an IPv4 one): 0 (no
 * address) or the family's size.  Families we do not know are not checked.
 */
static size_t family_len(uint16_t family, bool nbma)
{
	if (nbma)
		return family == NHRP_AFN_IPV4 ? 4 : family == NHRP_AFN_IPV6 ?
		       16 : 0;
	return family == NHRP_PROTO_IPV4 ? 4 : family == NHRP_PROTO_IPV6 ?
	       16 : 0;
}

static int check_family(struct parser *p, size_t at, uint8_t len, bool nbma)
{
	size_t want = family_len(nbma ? p->afn : p->proto_type, nbma);

	if (len && want && len != want)
		return refuse(p, "address length does not fit its family", at,
			      p->owed);
	return 0;
}

static void take_addr(struct parser *p, size_t *off, struct nhrp_addr *a)
{
	memcpy(a->bytes, p->buf + *off, a->len);
	*off += a->len;
}

/* One CIE at *off, within [*off, end). */
static int parse_cie(struct parser *p, size_t *off, size_t end,
		     struct nhrp_cie *cie)
{
	const uint8_t *h = p->buf + *off;
	size_t at = *off, need;

	if (end - at < NHRP_CIE_HDR_LEN)
		return refuse(p, "truncated CIE", at, p->owed);
	cie->code = h[0];
	cie->prefix_len = h[1];
	/* h[2..3] unused */
	cie->mtu = get16(h + 4);
	cie->holding_time = get16(h + 6);
	if (check_len(p, at + 8, true, &cie->nbma.len) ||
	    check_len(p, at + 9, true, &cie->nbma_sub.len) ||
	    check_len(p, at + 10, false, &cie->proto.len) ||
	    check_family(p, at + 8, cie->nbma.len, true) ||
	    check_family(p, at + 10, cie->proto.len, false))
		return -1;
	cie->preference = h[11];
	at += NHRP_CIE_HDR_LEN;
	need = (size_t)cie->nbma.len + cie->nbma_sub.len + cie->proto.len;
	if (end - at < need)
		return refuse(p, "CIE address overrun", at, p->owed);
	take_addr(p, &at, &cie->nbma);
	take_addr(p, &at, &cie->nbma_sub);
	take_addr(p, &at, &cie->proto);
	*off = at;
	return 0;
}

/* CIEs filling [off, end) exactly, at most @max of them. */
static int parse_cie_list(struct parser *p, size_t off, size_t end,
			  struct nhrp_cie_list *list, unsigned int max,
			  const char *too_many)
{
	list->count = 0;
	while (off < end) {
		if (list->count == max)
			return refuse(p, too_many, off, p->owed);
		if (parse_cie(p, &off, end, &list->cie[list->count]))
			return -1;
		list->count++;
	}
	return 0;
}

static bool unknown_type(uint16_t type)
{
	switch (type) {
	case NHRP_EXT_END:
	case NHRP_EXT_RESPONDER:
	case NHRP_EXT_FORWARD_TRANSIT:
	case NHRP_EXT_REVERSE_TRANSIT:
	case NHRP_EXT_AUTH:
	case NHRP_EXT_VENDOR:
	case NHRP_EXT_NAT_ADDRESS:
		return false;
	}
	return true;
}

static uint32_t ext_bit(uint16_t type)
{
	switch (type) {
	case NHRP_EXT_RESPONDER:
		return NHRP_HAS_RESPONDER;
	case NHRP_EXT_FORWARD_TRANSIT:
		return NHRP_HAS_FORWARD_TRANSIT;
	case NHRP_EXT_REVERSE_TRANSIT:
		return NHRP_HAS_REVERSE_TRANSIT;
	case NHRP_EXT_AUTH:
		return NHRP_HAS_AUTH;
	case NHRP_EXT_VENDOR:
		return NHRP_HAS_VENDOR;
	case NHRP_EXT_NAT_ADDRESS:
		return NHRP_HAS_NAT_ADDRESS;
	}
	return 0;
}

/* The body of one known extension: [off, off + len). */
static int parse_known_ext(struct parser *p, uint16_t type, size_t off,
			   uint16_t len, struct nhrp_msg *msg)
{
	size_t end = off + len, len_at = off - 2;

	switch (type) {
	case NHRP_EXT_RESPONDER:
		return parse_cie_list(p, off, end, &msg->responder, 1,
				      "responder extension has more than one CIE");
	case NHRP_EXT_FORWARD_TRANSIT:
		return parse_cie_list(p, off, end, &msg->forward_transit,
				      NHRP_MAX_CIES, "too many CIEs");
	case NHRP_EXT_REVERSE_TRANSIT:
		return parse_cie_list(p, off, end, &msg->reverse_transit,
				      NHRP_MAX_CIES, "too many CIEs");
	case NHRP_EXT_NAT_ADDRESS:
		return parse_cie_list(p, off, end, &msg->nat_address,
				      NHRP_MAX_CIES, "too many CIEs");
	case NHRP_EXT_AUTH:
		/* Cisco and FRR: a 32-bit type, then the secret itself. */
		if (len < 4)
			return refuse(p, "truncated authentication extension",
				      len_at, p->owed);
		/* Longer than any secret of ours: it matches none, which
		 * is what an absent one does too; no error owed. */
		if (len - 4 > NHRP_AUTH_SECRET_MAX) {
			msg->ext_present &= ~NHRP_HAS_AUTH;
			msg->ext_ignored++;
			return 0;
		}
		msg->auth_type = get32(p->buf + off);
		msg->auth_secret_len = len - 4;
		memcpy(msg->auth_secret, p->buf + off + 4, len - 4);
		return 0;
	case NHRP_EXT_VENDOR:
		if (len < 3)
			return refuse(p, "truncated vendor extension", len_at,
				      p->owed);
		/* Opaque to us either way: dropped, not refused. */
		if (len - 3 > NHRP_VENDOR_DATA_MAX) {
			msg->ext_present &= ~NHRP_HAS_VENDOR;
			msg->ext_ignored++;
			return 0;
		}
		memcpy(msg->vendor_oui, p->buf + off, 3);
		msg->vendor_len = len - 3;
		memcpy(msg->vendor_data, p->buf + off + 3, len - 3);
		return 0;
	}
	return 0;
}

/* The extension chain: [off, end), which must close with END. */
static int parse_extensions(struct parser *p, size_t off, size_t end,
			    struct nhrp_msg *msg, bool is_error)
{
	while (off < end) {
		uint16_t raw, type, len;
		size_t at = off;
		uint32_t bit;

		if (end - off < NHRP_EXT_HDR_LEN)
			return refuse(p, "truncated extension header", at,
				      p->owed);
		raw = get16(p->buf + off);
		len = get16(p->buf + off + 2);
		type = raw & ~NHRP_EXT_COMPULSORY;
		off += NHRP_EXT_HDR_LEN;
		if (len > end - off)
			return refuse(p, "extension length overruns packet",
				      at + 2, p->owed);

		if (type == NHRP_EXT_END) {
			if (len)
				return refuse(p, "END extension not empty",
					      at + 2, p->owed);
			if (off != end)
				return refuse(p, "data after END extension",
					      off, p->owed);
			return 0;
		}

		if (unknown_type(type)) {
			struct nhrp_raw_ext *x;

			/*
			 * RFC 2332 5.3: the responder must refuse a packet
			 * with a compulsory extension it does not know, and
			 * say so; nobody answers an error indication.
			 */
			if (raw & NHRP_EXT_COMPULSORY)
				return refuse(p, "unrecognized compulsory extension",
					      at, is_error ? 0 :
					      NHRP_ERR_UNRECOGNIZED_EXTENSION);
			/* Non-compulsory, so RFC 2332 5.3 lets us ignore
			 * it; past the table, a transit NHS drops it. */
			if (msg->unknown_count == NHRP_MAX_UNKNOWN_EXTS) {
				msg->ext_ignored++;
				off += len;
				continue;
			}
			x = &msg->unknown[msg->unknown_count++];
			x->type = type;
			x->compulsory = false;
			x->len = len;
			x->data = p->buf + off;
		} else {
			bit = ext_bit(type);
			if (msg->ext_present & bit)
				return refuse(p, "duplicate extension", at,
					      p->owed);
			msg->ext_present |= bit;
			if (parse_known_ext(p, type, off, len, msg))
				return -1;
		}
		off += len;
	}
	return refuse(p, "missing END extension", end, p->owed);
}

int nhrp_parse(const uint8_t *buf, size_t len, struct nhrp_msg *msg,
	       struct nhrp_parse_error *err)
{
	struct parser p = { .buf = buf, .err = err };
	size_t pktsz, extoff, off, mand_end, addr_len;
	bool is_error;

	memset(msg, 0, sizeof(*msg));
	if (err)
		memset(err, 0, sizeof(*err));

	/*
	 * The fixed header: nothing here is worth an error indication (the
	 * sender may not even speak this version), so these are dropped.
	 */
	if (len < NHRP_FIXED_HDR_LEN)
		return refuse(&p, "truncated fixed header", 0, 0);
	pktsz = get16(buf + 10);
	if (pktsz > len)
		return refuse(&p, "packet size exceeds buffer", 10, 0);
	if (pktsz < NHRP_FIXED_HDR_LEN)
		return refuse(&p, "packet size smaller than fixed header", 10, 0);
	if (nhrp_checksum(buf, pktsz))
		return refuse(&p, "bad checksum", 12, 0);
	if (buf[16] != NHRP_VERSION)
		return refuse(&p, "unsupported version", 16, 0);
	if (buf[17] < NHRP_RESOLUTION_REQUEST ||
	    buf[17] > NHRP_TRAFFIC_INDICATION)
		return refuse(&p, "unknown packet type", 17, 0);

	msg->afn = p.afn = get16(buf);
	msg->proto_type = p.proto_type = get16(buf + 2);
	memcpy(msg->proto_snap, buf + 4, 5);
	msg->hop_count = buf[9];
	msg->type = buf[17];
	extoff = get16(buf + 14);
	/*
	 * From here on the sender is owed a Protocol Error indication, or an
	 * Invalid Extension one for the extensions; but an error indication
	 * is never answered with another.
	 */
	is_error = msg->type == NHRP_ERROR_INDICATION;
	p.owed = is_error ? 0 : NHRP_ERR_PROTOCOL_ERROR;

	if (check_len(&p, 18, true, &msg->src_nbma.len) ||
	    check_len(&p, 19, true, &msg->src_nbma_sub.len) ||
	    check_family(&p, 18, msg->src_nbma.len, true))
		return -1;

	/* The mandatory part */
	if (pktsz < MAND_END)
		return refuse(&p, "truncated mandatory part", NHRP_FIXED_HDR_LEN,
			      p.owed);
	if (extoff && extoff < MAND_END)
		return refuse(&p, "extension offset inside mandatory part", 14,
			      p.owed);
	if (extoff > pktsz)
		return refuse(&p, "extension offset beyond packet", 14, p.owed);
	if (check_len(&p, 20, false, &msg->src_proto.len) ||
	    check_len(&p, 21, false, &msg->dst_proto.len) ||
	    check_family(&p, 20, msg->src_proto.len, false) ||
	    check_family(&p, 21, msg->dst_proto.len, false))
		return -1;
	msg->flags = get16(buf + 22);
	switch (msg->type) {
	case NHRP_ERROR_INDICATION:
		msg->error_code = get16(buf + 24);
		msg->error_offset = get16(buf + 26);
		break;
	case NHRP_TRAFFIC_INDICATION:
		msg->traffic_code = get16(buf + 24);
		break;
	default:
		msg->request_id = get32(buf + 24);
		break;
	}

	addr_len = (size_t)msg->src_nbma.len + msg->src_nbma_sub.len +
		   msg->src_proto.len + msg->dst_proto.len;
	if (pktsz - MAND_END < addr_len)
		return refuse(&p, "address overruns packet", MAND_END, p.owed);
	mand_end = extoff ? extoff : pktsz;
	if (mand_end - MAND_END < addr_len)
		return refuse(&p, "extension offset inside mandatory part", 14,
			      p.owed);
	off = MAND_END;
	take_addr(&p, &off, &msg->src_nbma);
	take_addr(&p, &off, &msg->src_nbma_sub);
	take_addr(&p, &off, &msg->src_proto);
	take_addr(&p, &off, &msg->dst_proto);

	if (msg->type == NHRP_ERROR_INDICATION ||
	    msg->type == NHRP_TRAFFIC_INDICATION) {
		msg->payload = mand_end > off ? buf + off : NULL;
		msg->payload_len = mand_end - off;
	} else if (parse_cie_list(&p, off, mand_end, &msg->cies, NHRP_MAX_CIES,
				  "too many CIEs")) {
		return -1;
	}

	if (!extoff)
		return 0;
	if (!is_error)
		p.owed = NHRP_ERR_INVALID_EXTENSION;
	return parse_extensions(&p, extoff, pktsz, msg, is_error);
}

/* ---- building ---- */

struct builder {
	uint8_t *buf;
	size_t cap;
	size_t len;
	bool full;
};

static uint8_t *reserve(struct builder *b, size_t n)
{
	uint8_t *at;

	if (b->full || b->cap - b->len < n) {
		b->full = true;
		return NULL;
	}
	at = b->buf + b->len;
	b->len += n;
	return at;
}

static void put_bytes(struct builder *b, const void *data, size_t n)
{
	uint8_t *at = reserve(b, n);

	if (at && n)
		memcpy(at, data, n);
}

static void put_addr(struct builder *b, const struct nhrp_addr *a)
{
	put_bytes(b, a->bytes, a->len);
}

static void put_cie(struct builder *b, const struct nhrp_cie *cie)
{
	uint8_t *h = reserve(b, NHRP_CIE_HDR_LEN);

	if (!h)
		return;
	h[0] = cie->code;
	h[1] = cie->prefix_len;
	put16(h + 2, 0);
	put16(h + 4, cie->mtu);
	put16(h + 6, cie->holding_time);
	h[8] = cie->nbma.len;
	h[9] = cie->nbma_sub.len;
	h[10] = cie->proto.len;
	h[11] = cie->preference;
	put_addr(b, &cie->nbma);
	put_addr(b, &cie->nbma_sub);
	put_addr(b, &cie->proto);
}

static void put_cie_list(struct builder *b, const struct nhrp_cie_list *l)
{
	unsigned int i;

	for (i = 0; i < l->count; i++)
		put_cie(b, &l->cie[i]);
}

/* Opens an extension; returns where its header is, for end_ext(). */
static size_t begin_ext(struct builder *b, uint16_t type)
{
	size_t at = b->len;
	uint8_t *h = reserve(b, NHRP_EXT_HDR_LEN);

	if (h) {
		put16(h, type);
		put16(h + 2, 0);
	}
	return at;
}

static void end_ext(struct builder *b, size_t at)
{
	if (!b->full)
		put16(b->buf + at + 2, (uint16_t)(b->len - at - NHRP_EXT_HDR_LEN));
}

static void put_list_ext(struct builder *b, uint16_t type,
			 const struct nhrp_cie_list *l)
{
	size_t at = begin_ext(b, type);

	put_cie_list(b, l);
	end_ext(b, at);
}

static bool addr_ok(const struct nhrp_addr *a)
{
	return a->len <= NHRP_ADDR_MAX;
}

static bool cie_list_ok(const struct nhrp_cie_list *l, unsigned int max)
{
	unsigned int i;

	if (l->count > max)
		return false;
	for (i = 0; i < l->count; i++)
		if (!addr_ok(&l->cie[i].nbma) || !addr_ok(&l->cie[i].nbma_sub) ||
		    !addr_ok(&l->cie[i].proto))
			return false;
	return true;
}

/* Why @msg cannot be encoded, or NULL. */
static const char *check_msg(const struct nhrp_msg *msg)
{
	unsigned int i;

	if (msg->type < NHRP_RESOLUTION_REQUEST ||
	    msg->type > NHRP_TRAFFIC_INDICATION)
		return "unknown packet type";
	if (!addr_ok(&msg->src_nbma) || !addr_ok(&msg->src_nbma_sub) ||
	    !addr_ok(&msg->src_proto) || !addr_ok(&msg->dst_proto))
		return "address longer than 16 bytes";
	if (msg->type == NHRP_ERROR_INDICATION ||
	    msg->type == NHRP_TRAFFIC_INDICATION) {
		if (msg->payload_len && !msg->payload)
			return "payload missing";
	} else if (!cie_list_ok(&msg->cies, NHRP_MAX_CIES)) {
		return "bad CIE list";
	}
	if (msg->ext_present & NHRP_HAS_RESPONDER) {
		if (msg->responder.count > 1)
			return "responder extension has more than one CIE";
		if (!cie_list_ok(&msg->responder, 1))
			return "bad CIE list";
	}
	if (((msg->ext_present & NHRP_HAS_FORWARD_TRANSIT) &&
	     !cie_list_ok(&msg->forward_transit, NHRP_MAX_CIES)) ||
	    ((msg->ext_present & NHRP_HAS_REVERSE_TRANSIT) &&
	     !cie_list_ok(&msg->reverse_transit, NHRP_MAX_CIES)) ||
	    ((msg->ext_present & NHRP_HAS_NAT_ADDRESS) &&
	     !cie_list_ok(&msg->nat_address, NHRP_MAX_CIES)))
		return "bad CIE list";
	if ((msg->ext_present & NHRP_HAS_AUTH) &&
	    msg->auth_secret_len > NHRP_AUTH_SECRET_MAX)
		return "authentication secret too long";
	if ((msg->ext_present & NHRP_HAS_VENDOR) &&
	    msg->vendor_len > NHRP_VENDOR_DATA_MAX)
		return "vendor data too long";
	if (msg->unknown_count > NHRP_MAX_UNKNOWN_EXTS)
		return "too many unknown extensions";
	for (i = 0; i < msg->unknown_count; i++) {
		const struct nhrp_raw_ext *x = &msg->unknown[i];

		if ((x->type & NHRP_EXT_COMPULSORY) || !unknown_type(x->type))
			return "unknown extension with a known type";
		if (x->len && !x->data)
			return "extension data missing";
	}
	return NULL;
}

int nhrp_build(const struct nhrp_msg *msg, uint8_t *buf, size_t cap,
	       const char **err)
{
	struct builder b = { .buf = buf, .cap = cap };
	uint32_t exts = msg->ext_present;
	const char *why = check_msg(msg);
	unsigned int i;
	uint8_t *h;
	size_t at;

	if (why) {
		if (err)
			*err = why;
		return -1;
	}

	h = reserve(&b, MAND_END);
	if (h) {
		put16(h, msg->afn);
		put16(h + 2, msg->proto_type);
		memcpy(h + 4, msg->proto_snap, 5);
		h[9] = msg->hop_count;
		put16(h + 10, 0);	/* pktsz, checksum and extoff below */
		put16(h + 12, 0);
		put16(h + 14, 0);
		h[16] = NHRP_VERSION;
		h[17] = msg->type;
		h[18] = msg->src_nbma.len;
		h[19] = msg->src_nbma_sub.len;
		h[20] = msg->src_proto.len;
		h[21] = msg->dst_proto.len;
		put16(h + 22, msg->flags);
		switch (msg->type) {
		case NHRP_ERROR_INDICATION:
			put16(h + 24, msg->error_code);
			put16(h + 26, msg->error_offset);
			break;
		case NHRP_TRAFFIC_INDICATION:
			put16(h + 24, msg->traffic_code);
			put16(h + 26, 0);
			break;
		default:
			put32(h + 24, msg->request_id);
			break;
		}
	}
	put_addr(&b, &msg->src_nbma);
	put_addr(&b, &msg->src_nbma_sub);
	put_addr(&b, &msg->src_proto);
	put_addr(&b, &msg->dst_proto);
	if (msg->type == NHRP_ERROR_INDICATION ||
	    msg->type == NHRP_TRAFFIC_INDICATION)
		put_bytes(&b, msg->payload, msg->payload_len);
	else
		put_cie_list(&b, &msg->cies);

	if (exts || msg->unknown_count) {
		if (!b.full && b.len > UINT16_MAX)
			goto too_long;
		if (!b.full)
			put16(buf + 14, (uint16_t)b.len);
		/* Compulsory bits as RFC 2332 and FRR set them. */
		if (exts & NHRP_HAS_RESPONDER)
			put_list_ext(&b, NHRP_EXT_RESPONDER | NHRP_EXT_COMPULSORY,
				     &msg->responder);
		if (exts & NHRP_HAS_FORWARD_TRANSIT)
			put_list_ext(&b, NHRP_EXT_FORWARD_TRANSIT |
				     NHRP_EXT_COMPULSORY, &msg->forward_transit);
		if (exts & NHRP_HAS_REVERSE_TRANSIT)
			put_list_ext(&b, NHRP_EXT_REVERSE_TRANSIT |
				     NHRP_EXT_COMPULSORY, &msg->reverse_transit);
		if (exts & NHRP_HAS_AUTH) {
			at = begin_ext(&b, NHRP_EXT_AUTH | NHRP_EXT_COMPULSORY);
			h = reserve(&b, 4);
			if (h)
				put32(h, msg->auth_type);
			put_bytes(&b, msg->auth_secret, msg->auth_secret_len);
			end_ext(&b, at);
		}
		if (exts & NHRP_HAS_VENDOR) {
			at = begin_ext(&b, NHRP_EXT_VENDOR);
			put_bytes(&b, msg->vendor_oui, 3);
			put_bytes(&b, msg->vendor_data, msg->vendor_len);
			end_ext(&b, at);
		}
		if (exts & NHRP_HAS_NAT_ADDRESS)
			put_list_ext(&b, NHRP_EXT_NAT_ADDRESS, &msg->nat_address);
		for (i = 0; i < msg->unknown_count; i++) {
			const struct nhrp_raw_ext *x = &msg->unknown[i];

			at = begin_ext(&b, x->type |
				       (x->compulsory ? NHRP_EXT_COMPULSORY : 0));
			put_bytes(&b, x->data, x->len);
			end_ext(&b, at);
		}
		begin_ext(&b, NHRP_EXT_END | NHRP_EXT_COMPULSORY);
	}

	if (b.full) {
		if (err)
			*err = "buffer too small";
		return -1;
	}
	if (b.len > UINT16_MAX)
		goto too_long;
	put16(buf + 10, (uint16_t)b.len);
	put16(buf + 12, nhrp_checksum(buf, b.len));
	return (int)b.len;

too_long:
	if (err)
		*err = "packet too long";
	return -1;
}

void nhrp_msg_init(struct nhrp_msg *msg, enum nhrp_type type)
{
	memset(msg, 0, sizeof(*msg));
	msg->afn = NHRP_AFN_IPV4;
	msg->proto_type = 0x0800;
	msg->hop_count = 255;
	msg->type = type;
}

/* ---- names ---- */

const char *nhrp_type_name(unsigned int type)
{
	static const char *const names[] = {
		[NHRP_RESOLUTION_REQUEST] = "resolution-request",
		[NHRP_RESOLUTION_REPLY] = "resolution-reply",
		[NHRP_REGISTRATION_REQUEST] = "registration-request",
		[NHRP_REGISTRATION_REPLY] = "registration-reply",
		[NHRP_PURGE_REQUEST] = "purge-request",
		[NHRP_PURGE_REPLY] = "purge-reply",
		[NHRP_ERROR_INDICATION] = "error-indication",
		[NHRP_TRAFFIC_INDICATION] = "traffic-indication",
	};

	if (type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

const char *nhrp_error_name(unsigned int code)
{
	static const char *const names[] = {
		[NHRP_ERR_UNRECOGNIZED_EXTENSION] = "unrecognized-extension",
		[NHRP_ERR_LOOP_DETECTED] = "loop-detected",
		[NHRP_ERR_PROTO_ADDR_UNREACHABLE] = "protocol-address-unreachable",
		[NHRP_ERR_PROTOCOL_ERROR] = "protocol-error",
		[NHRP_ERR_SDU_SIZE_EXCEEDED] = "sdu-size-exceeded",
		[NHRP_ERR_INVALID_EXTENSION] = "invalid-extension",
		[NHRP_ERR_INVALID_RES_REPLY] = "invalid-resolution-reply",
		[NHRP_ERR_AUTH_FAILURE] = "authentication-failure",
		[NHRP_ERR_HOP_COUNT_EXCEEDED] = "hop-count-exceeded",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

const char *nhrp_cie_code_name(unsigned int code)
{
	static const char *const names[] = {
		[NHRP_CODE_SUCCESS] = "success",
		[NHRP_CODE_ADMIN_PROHIBITED] = "administratively-prohibited",
		[NHRP_CODE_INSUFFICIENT_RESOURCES] = "insufficient-resources",
		[NHRP_CODE_NO_BINDING] = "no-binding",
		[NHRP_CODE_BINDING_NOT_UNIQUE] = "binding-not-unique",
		[NHRP_CODE_UNIQUE_ALREADY_REGISTERED] = "unique-already-registered",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code])
		return names[code];
	return "unknown";
}

// SPDX-License-Identifier: GPL-2.0
/*
 * One line per NHRP message for "debug nhrp", as IOS's "debug nhrp packet"
 * prints one block: type, id, flags, addresses, each CIE and extension.
 * Pure, like the rest of the codec: it reads a parsed message and writes
 * into the caller's buffer, truncating with "..." when it is full.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "nhrp.h"

struct out {
	char *buf;
	size_t size;
	size_t len;
};

static void __attribute__((format(printf, 2, 3)))
put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->len + 1 >= o->size)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->len, o->size - o->len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= o->size - o->len) {
		o->len = o->size - 1;
		if (o->size > 4)
			memcpy(o->buf + o->size - 4, "...", 3);
		return;
	}
	o->len += (size_t)n;
}

static void put_addr(struct out *o, const struct nhrp_addr *a)
{
	char text[INET6_ADDRSTRLEN];

	if (a->len == 4 && inet_ntop(AF_INET, a->bytes, text, sizeof(text))) {
		put(o, "%s", text);
	} else if (a->len == 16 &&
		   inet_ntop(AF_INET6, a->bytes, text, sizeof(text))) {
		put(o, "%s", text);
	} else if (!a->len) {
		put(o, "-");
	} else {
		put(o, "0x");
		for (unsigned int i = 0; i < a->len && i < NHRP_ADDR_MAX; i++)
			put(o, "%02x", a->bytes[i]);
	}
}

static void put_flags(struct out *o, const struct nhrp_msg *m)
{
	static const struct {
		unsigned int types;	/* bit per enum nhrp_type */
		uint16_t bit;
		const char *name;
	} flags[] = {
		{ 1u << 1 | 1u << 2, NHRP_FLAG_RES_Q, "Q" },
		{ 1u << 1 | 1u << 2, NHRP_FLAG_RES_A, "A" },
		{ 1u << 1 | 1u << 2, NHRP_FLAG_RES_D, "D" },
		{ 1u << 1 | 1u << 2, NHRP_FLAG_RES_U, "U" },
		{ 1u << 1 | 1u << 2, NHRP_FLAG_RES_S, "S" },
		{ 1u << 3 | 1u << 4, NHRP_FLAG_REG_U, "U" },
		{ 1u << 5 | 1u << 6, NHRP_FLAG_PURGE_N, "N" },
		{ 0x7eu, NHRP_FLAG_NAT, "NAT" },
	};
	uint16_t left = m->flags;
	bool any = false;

	if (!m->flags)
		return;
	put(o, " flags ");
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		if (m->type >= 8 || !(flags[i].types & 1u << m->type) ||
		    !(m->flags & flags[i].bit))
			continue;
		put(o, "%s%s", any ? "," : "", flags[i].name);
		left &= (uint16_t)~flags[i].bit;
		any = true;
	}
	if (left)
		put(o, "%s0x%04x", any ? "," : "", left);
}

static void put_cie(struct out *o, const struct nhrp_cie *c)
{
	put(o, "[%s", nhrp_cie_code_name(c->code));
	if (c->code && !strcmp(nhrp_cie_code_name(c->code), "unknown"))
		put(o, " %u", c->code);
	put(o, " /%u nbma ", c->prefix_len);
	put_addr(o, &c->nbma);
	put(o, " proto ");
	put_addr(o, &c->proto);
	put(o, " holdtime %u mtu %u", c->holding_time, c->mtu);
	if (c->preference)
		put(o, " preference %u", c->preference);
	put(o, "]");
}

static void put_cies(struct out *o, const char *name,
		     const struct nhrp_cie_list *l)
{
	put(o, " %s", name);
	if (!l->count)
		put(o, " (empty)");
	for (unsigned int i = 0; i < l->count && i < NHRP_MAX_CIES; i++) {
		put(o, " ");
		put_cie(o, &l->cie[i]);
	}
}

size_t nhrp_describe(const struct nhrp_msg *m, char *buf, size_t size)
{
	struct out o = { .buf = buf, .size = size };

	if (!size)
		return 0;
	buf[0] = '\0';
	put(&o, "%s", nhrp_type_name(m->type));
	if (!strcmp(nhrp_type_name(m->type), "unknown"))
		put(&o, " %u", m->type);
	if (m->type >= NHRP_RESOLUTION_REQUEST && m->type <= NHRP_PURGE_REPLY)
		put(&o, " id %u", m->request_id);
	if (m->type == NHRP_ERROR_INDICATION)
		put(&o, " code %s (%u) offset %u",
		    nhrp_error_name(m->error_code), m->error_code,
		    m->error_offset);
	if (m->type == NHRP_TRAFFIC_INDICATION)
		put(&o, " code %u", m->traffic_code);
	put(&o, " hop %u", m->hop_count);
	put_flags(&o, m);
	put(&o, " src ");
	put_addr(&o, &m->src_proto);
	put(&o, " nbma ");
	put_addr(&o, &m->src_nbma);
	put(&o, " dst ");
	put_addr(&o, &m->dst_proto);
	if (m->type >= NHRP_RESOLUTION_REQUEST && m->type <= NHRP_PURGE_REPLY) {
		for (unsigned int i = 0; i < m->cies.count &&
		     i < NHRP_MAX_CIES; i++) {
			put(&o, " ");
			put_cie(&o, &m->cies.cie[i]);
		}
	}
	if (m->payload_len)
		put(&o, " payload %zu bytes", m->payload_len);
	if (m->ext_present & NHRP_HAS_RESPONDER)
		put_cies(&o, "responder", &m->responder);
	if (m->ext_present & NHRP_HAS_FORWARD_TRANSIT)
		put_cies(&o, "forward-transit", &m->forward_transit);
	if (m->ext_present & NHRP_HAS_REVERSE_TRANSIT)
		put_cies(&o, "reverse-transit", &m->reverse_transit);
	/* Never the secret: logs are read by more people than the config. */
	if (m->ext_present & NHRP_HAS_AUTH)
		put(&o, " auth type %u", m->auth_type);
	if (m->ext_present & NHRP_HAS_VENDOR)
		put(&o, " vendor %02x%02x%02x %u bytes", m->vendor_oui[0],
		    m->vendor_oui[1], m->vendor_oui[2], m->vendor_len);
	if (m->ext_present & NHRP_HAS_NAT_ADDRESS)
		put_cies(&o, "nat-address", &m->nat_address);
	for (unsigned int i = 0; i < m->unknown_count &&
	     i < NHRP_MAX_UNKNOWN_EXTS; i++)
		put(&o, " ext %u%s %u bytes", m->unknown[i].type,
		    m->unknown[i].compulsory ? " compulsory" : "",
		    m->unknown[i].len);
	return o.len;
}

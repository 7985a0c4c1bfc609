// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP packets in: parse, authenticate, hand to the role's handler.  And
 * the pieces every handler needs to build packets out.
 */
#include <arpa/inet.h>
#include <string.h>

#include "dmvpnd.h"

/* Cisco's OUI, under which IOS carries the NHRP group name. */
static const uint8_t cisco_oui[3] = { 0x00, 0x00, 0x0c };

void proto_from_addr(struct dmvpn_prefix *p, const struct nhrp_addr *a)
{
	memset(p, 0, sizeof(*p));
	if (a->len != 4 && a->len != 16)
		return;
	p->family = a->len == 4 ? AF_INET : AF_INET6;
	p->len = (uint8_t)(a->len * 8);
	memcpy(p->addr.bytes, a->bytes, a->len);
}

void addr_from_proto(struct nhrp_addr *a, const struct dmvpn_prefix *p)
{
	memset(a, 0, sizeof(*a));
	if (!p || !p->family)
		return;
	a->len = (uint8_t)dmvpn_family_bytes(p->family);
	memcpy(a->bytes, p->addr.bytes, a->len);
}

void addr_from_nbma(struct nhrp_addr *a, struct in_addr nbma)
{
	memset(a, 0, sizeof(*a));
	a->len = 4;
	memcpy(a->bytes, &nbma, 4);
}

bool nbma_from_addr(struct in_addr *nbma, const struct nhrp_addr *a)
{
	if (a->len != 4)
		return false;
	memcpy(nbma, a->bytes, 4);
	return nbma->s_addr != 0;
}

struct in_addr our_nbma(struct dev *dev, struct in_addr peer)
{
	struct in_addr src = { 0 };

	if (dev->local_nbma.s_addr)
		return dev->local_nbma;
	if (route_src_for(peer, &src))
		log_debug("%s: no route to the underlay peer", dev->name);
	return src;
}

void msg_start(struct dev *dev, struct nhrp_msg *m, enum nhrp_type type,
	       struct in_addr src_nbma, const struct dmvpn_prefix *dst)
{
	uint8_t family = dst && dst->family ? dst->family : dev_family(dev);
	const struct dmvpn_prefix *self = dev_proto(dev, family);

	nhrp_msg_init(m, type);
	m->hop_count = DMVPND_HOP_COUNT;
	m->proto_type = family == AF_INET6 ? 0x86dd : 0x0800;
	addr_from_nbma(&m->src_nbma, src_nbma);
	addr_from_proto(&m->src_proto, self);
	addr_from_proto(&m->dst_proto, dst);
	msg_add_auth(dev, m);
}

void msg_add_auth(struct dev *dev, struct nhrp_msg *m)
{
	if (!dev->cfg.has_auth) {
		m->ext_present &= ~NHRP_HAS_AUTH;
		return;
	}
	m->ext_present |= NHRP_HAS_AUTH;
	m->auth_type = NHRP_AUTH_CLEARTEXT;
	m->auth_secret_len = dev->cfg.auth_len;
	memcpy(m->auth_secret, dev->cfg.auth, dev->cfg.auth_len);
}

/*
 * With a secret configured, only packets carrying it are accepted; without
 * one, a packet's authentication extension is ignored, as IOS does.
 */
bool msg_auth_ok(struct dev *dev, const struct nhrp_msg *m)
{
	if (!dev->cfg.has_auth)
		return true;
	return (m->ext_present & NHRP_HAS_AUTH) &&
	       m->auth_type == NHRP_AUTH_CLEARTEXT &&
	       m->auth_secret_len == dev->cfg.auth_len &&
	       !memcmp(m->auth_secret, dev->cfg.auth, dev->cfg.auth_len);
}

/*
 * Error indications answer bad packets, so a flood of bad packets must not
 * become a flood of errors: each source gets one a second (a burst of 2),
 * all sources together 20 a second.  Per source, so that a flood from one
 * host does not silence the errors owed to another.
 */
static bool error_allowed(struct dev *dev, struct in_addr to)
{
	if (!dev->err_rl.key)
		ratelimit_init(&dev->err_rl, 1, 2, 20, 20);
	if (ratelimit_allow(&dev->err_rl, to.s_addr, loop_now()))
		return true;
	dev->stats.errors_suppressed++;
	return false;
}

/*
 * A log line about a packet from a stranger: at most a few a second from
 * each source and overall, so that a flood cannot fill the disk or drown
 * what matters; the counters say how many there were.
 */
bool log_allowed(struct dev *dev, struct in_addr from)
{
	if (!dev->log_rl.key)
		ratelimit_init(&dev->log_rl, 1, 3, 10, 10);
	return ratelimit_allow(&dev->log_rl, from.s_addr, loop_now());
}

/*
 * RFC 2332 5.2.7: an error indication carries no extensions.  Above all
 * not the authentication extension: its answer goes to whoever sent a bad
 * packet, and a cleartext secret in it would hand the secret to anyone
 * who asks (issue 14).  Without it, a peer that checks authentication
 * drops our errors; they are advisory and only ever logged, so that loses
 * nothing that matters (IOS and nhrpd log them too).
 */
void send_error(struct dev *dev, struct in_addr to, const uint8_t *pkt,
		size_t len, uint16_t code, uint16_t offset)
{
	struct nhrp_msg in, m;
	struct dmvpn_prefix dst = { 0 };

	/* Never answer an error with an error. */
	if (len >= NHRP_FIXED_HDR_LEN && pkt[17] == NHRP_ERROR_INDICATION)
		return;
	if (!error_allowed(dev, to))
		return;
	if (!nhrp_parse(pkt, len, &in, NULL))
		proto_from_addr(&dst, &in.src_proto);
	msg_start(dev, &m, NHRP_ERROR_INDICATION, our_nbma(dev, to),
		  dst.family ? &dst : NULL);
	m.ext_present = 0;
	m.error_code = code;
	m.error_offset = offset;
	m.payload = pkt;
	m.payload_len = len > 512 ? 512 : len;
	packet_send(dev, to, &m);
}

/* The NHRP group a registration names in Cisco's vendor extension. */
void msg_group(const struct nhrp_msg *m, char *out, size_t size)
{
	size_t n;

	out[0] = '\0';
	if (!(m->ext_present & NHRP_HAS_VENDOR) ||
	    memcmp(m->vendor_oui, cisco_oui, 3) || !m->vendor_len)
		return;
	n = m->vendor_len < size - 1 ? m->vendor_len : size - 1;
	memcpy(out, m->vendor_data, n);
	out[n] = '\0';
}

void msg_set_group(struct nhrp_msg *m, const char *group)
{
	size_t n = strlen(group);

	if (!n)
		return;
	if (n > NHRP_VENDOR_DATA_MAX)
		n = NHRP_VENDOR_DATA_MAX;
	m->ext_present |= NHRP_HAS_VENDOR;
	memcpy(m->vendor_oui, cisco_oui, 3);
	m->vendor_len = (uint16_t)n;
	memcpy(m->vendor_data, group, n);
}

static bool role_is(struct dev *dev, enum cfg_role role)
{
	return dev->cfg.role == role;
}

static void dispatch(struct dev *dev, struct in_addr from, struct nhrp_msg *m,
		     const uint8_t *buf, size_t len)
{
	switch (m->type) {
	case NHRP_RESOLUTION_REQUEST:
		resolve_rx_request(dev, from, m, buf, len);
		return;
	case NHRP_RESOLUTION_REPLY:
		resolve_rx_reply(dev, from, m, buf, len);
		return;
	case NHRP_REGISTRATION_REQUEST:
		if (role_is(dev, CFG_ROLE_HUB)) {
			nhs_rx_registration(dev, from, m);
			return;
		}
		break;
	case NHRP_REGISTRATION_REPLY:
		/* Spokes, and hubs registered with a hub above them. */
		if (dev->nhs) {
			nhc_rx_reply(dev, from, m);
			return;
		}
		break;
	case NHRP_PURGE_REQUEST:
		if (role_is(dev, CFG_ROLE_HUB))
			nhs_rx_purge(dev, from, m);
		else
			resolve_rx_purge(dev, from, m);
		return;
	case NHRP_PURGE_REPLY:
		return;
	case NHRP_ERROR_INDICATION: {
		char a[INET_ADDRSTRLEN];

		log_warn("%s: error indication from %s: %s (offset %u)",
			 dev->name, nbma_str(from, a, sizeof(a)),
			 nhrp_error_name(m->error_code), m->error_offset);
		return;
	}
	case NHRP_TRAFFIC_INDICATION:
		if (role_is(dev, CFG_ROLE_SPOKE)) {
			resolve_rx_indication(dev, from, m);
			return;
		}
		break;
	}
	dev->stats.rx_dropped++;
}

void nhrp_rx(struct dev *dev, struct in_addr from, const uint8_t *buf,
	     size_t len)
{
	struct nhrp_parse_error err = { 0 };
	char a[INET_ADDRSTRLEN];
	struct nhrp_msg m;

	if (nhrp_parse(buf, len, &m, &err)) {
		dev->stats.rx_malformed++;
		if (log_allowed(dev, from))
			log_debug("%s: malformed NHRP from %s: %s at byte %zu",
				  dev->name, nbma_str(from, a, sizeof(a)),
				  err.reason, err.offset);
		if (err.error_code)
			send_error(dev, from, buf, len, err.error_code,
				   (uint16_t)err.offset);
		return;
	}
	if (m.type <= NHRP_TRAFFIC_INDICATION)
		dev->stats.rx[m.type]++;
	log_packet(dev, false, from, &m);
	if (m.afn != NHRP_AFN_IPV4 || (m.proto_type != 0x0800 &&
				       m.proto_type != 0x86dd)) {
		dev->stats.rx_dropped++;
		return;
	}
	/*
	 * A packet that fails authentication gets no answer at all, and
	 * leaves nothing behind but a counter and a rate-limited log line:
	 * an answer would tell a scanner that an NHRP agent is here, and
	 * bounce its floods at whatever address it spoofs.  RFC 2332 lets an
	 * NHS send an Authentication Failure error; IOS and nhrpd drop such
	 * packets silently, as WireGuard does.
	 */
	if (!msg_auth_ok(dev, &m)) {
		dev->stats.rx_auth_fail++;
		if (log_allowed(dev, from))
			log_warn("%s: %s from %s failed authentication (%llu "
				 "in all)", dev->name, nhrp_type_name(m.type),
				 nbma_str(from, a, sizeof(a)),
				 (unsigned long long)dev->stats.rx_auth_fail);
		return;
	}
	dispatch(dev, from, &m, buf, len);
}

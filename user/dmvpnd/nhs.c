// SPDX-License-Identifier: GPL-2.0
/*
 * The hub: registrations in (RFC 2332 5.2.3/5.2.4), the dynamic entries
 * they make in the kernel, purges from spokes leaving, and traffic
 * indications (Cisco's Phase 3 redirect) for the kernel's hairpin events.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/ip.h>
#include <netinet/ip6.h>
#include <stdlib.h>
#include <string.h>

#include "dmvpnd.h"

struct reg *nhs_find_reg(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct dmvpn_prefix k;
	struct amap_node *n;

	amap_key(&k, p, dmvpn_family_bits(p->family));
	n = amap_find(&dev->regs, &k);
	return n ? amap_entry(n, struct reg, node) : NULL;
}

void nhs_note_resolver(struct reg *r, struct in_addr nbma,
		       const struct nhrp_addr *proto)
{
	unsigned int n = r->resolver_count < REG_RESOLVERS ?
			 r->resolver_count : REG_RESOLVERS;

	/* The resolver is the requester: the mark is its SA's when the
	 * request came from it, none when another NHS passed it on. */
	uint32_t mark = r->dev->rx.active &&
			r->dev->rx.from.s_addr == nbma.s_addr ?
			r->dev->rx.ipsec_mark : 0;

	for (unsigned int i = 0; i < n; i++)
		if (r->resolvers[i].nbma.s_addr == nbma.s_addr &&
		    r->resolvers[i].ipsec_mark == mark &&
		    !memcmp(&r->resolvers[i].proto, proto, sizeof(*proto)))
			return;
	r->resolvers[r->resolver_count++ % REG_RESOLVERS] =
		(struct resolver){ .nbma = nbma, .ipsec_mark = mark,
				   .proto = *proto };
}

/*
 * @r's binding is gone or moved: whoever resolved it through us holds a
 * shortcut to an address that is no longer the client's.  Tell them
 * (RFC 2332 5.2.5), so that their packets go through us again at once
 * instead of into the void until the shortcut expires.
 */
static void purge_resolvers(struct dev *dev, struct reg *r)
{
	unsigned int n = r->resolver_count < REG_RESOLVERS ?
			 r->resolver_count : REG_RESOLVERS;
	uint8_t family = r->node.key.family;

	for (unsigned int i = 0; i < n; i++) {
		const struct resolver *v = &r->resolvers[i];
		struct dmvpn_prefix dst;
		struct nhrp_msg m;
		struct nhrp_cie *c;

		proto_from_addr(&dst, &v->proto);
		msg_start(dev, &m, NHRP_PURGE_REQUEST, our_nbma(dev, v->nbma),
			  dst.family ? &dst : NULL);
		m.flags = NHRP_FLAG_PURGE_N;
		m.request_id = next_request_id();
		m.cies.count = 1;
		c = &m.cies.cie[0];
		c->prefix_len = (uint8_t)dmvpn_family_bits(family);
		addr_from_nbma(&c->nbma, r->nbma);
		addr_from_proto(&c->proto, &r->node.key);
		packet_send_mark(dev, v->nbma, v->ipsec_mark, &m);
		ctl_event(dev, AGENT_EV_PURGE_SENT, &r->node.key, &v->nbma,
			  NULL, NULL);
	}
	r->resolver_count = 0;
}

/* How many registrations an NBMA address holds (key: the address). */
struct nbma_count {
	struct amap_node node;
	unsigned int regs;
	/* The first one's own idea of its address and its SA's mark: a
	 * registration with other ones is another host behind the same NAT
	 * address (see nat_shared()). */
	struct in_addr claimed;
	uint32_t ipsec_mark;
	bool warned;
};

static struct nbma_count *nbma_count(struct dev *dev, struct in_addr nbma)
{
	struct dmvpn_prefix k;
	struct amap_node *n;

	amap_key_in_addr(&k, nbma);
	n = amap_find(&dev->reg_nbmas, &k);
	return n ? amap_entry(n, struct nbma_count, node) : NULL;
}

bool nhs_has_client_at(struct dev *dev, struct in_addr nbma)
{
	return nbma_count(dev, nbma) != NULL;
}

static unsigned int nbma_regs(struct dev *dev, struct in_addr nbma)
{
	struct nbma_count *c = nbma_count(dev, nbma);

	return c ? c->regs : 0;
}

/* Move @r to @nbma, keeping the per-address counts. */
static void reg_set_nbma(struct dev *dev, struct reg *r, struct in_addr nbma)
{
	struct nbma_count *c;

	if (r->nbma.s_addr == nbma.s_addr)
		return;
	c = r->nbma.s_addr ? nbma_count(dev, r->nbma) : NULL;
	if (c && !--c->regs) {
		amap_remove(&dev->reg_nbmas, &c->node);
		free(c);
	}
	r->nbma = nbma;
	if (!nbma.s_addr)
		return;
	c = nbma_count(dev, nbma);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return;
		amap_key_in_addr(&c->node.key, nbma);
		if (amap_insert(&dev->reg_nbmas, &c->node)) {
			free(c);
			return;
		}
	}
	c->regs++;
}

static void reg_free(struct dev *dev, struct reg *r)
{
	reg_set_nbma(dev, r, (struct in_addr){ 0 });
	amap_remove(&dev->regs, &r->node);
	free(r);
}

static struct reg *reg_get(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct reg *r = nhs_find_reg(dev, p);

	if (r)
		return r;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	amap_key(&r->node.key, p, dmvpn_family_bits(p->family));
	r->dev = dev;
	r->since = loop_now();
	if (amap_insert(&dev->regs, &r->node)) {
		free(r);
		return NULL;
	}
	return r;
}

static int install_reg(struct dev *dev, struct reg *r)
{
	const struct cfg_qos_group *g = r->group[0] ?
		cfg_find_qos_group(&dev->cfg, r->group) : NULL;
	struct dmvpn_entry e = {
		.prefix = r->node.key,
		.nbma = r->nbma,
		.type = DMVPN_ENTRY_DYNAMIC,
		.holdtime = r->holdtime,
		.priority = g ? g->priority : 0,
		.mark = g ? g->mark : 0,
		.ipsec_mark = r->ipsec_mark,
		.ipsec_mask = r->ipsec_mask,
	};

	if (dev->cfg.multicast_dynamic)
		e.flags |= DMVPN_ENTRY_F_MULTICAST;
	if (r->unique)
		e.flags |= DMVPN_ENTRY_F_UNIQUE;
	return kernel_entry_set(dev, &e, FIELD_PREFIX | FIELD_NBMA | FIELD_TYPE |
				FIELD_FLAGS | FIELD_HOLDTIME | FIELD_PRIORITY |
				FIELD_MARK | FIELD_IPSEC_MARK);
}

static void fill_self_cie(struct dev *dev, struct nhrp_cie *c,
			  struct in_addr toward, uint8_t family)
{
	memset(c, 0, sizeof(*c));
	c->prefix_len = (uint8_t)dmvpn_family_bits(family);
	c->holding_time = (uint16_t)dev->cfg.holdtime;
	addr_from_nbma(&c->nbma, our_nbma(dev, toward));
	addr_from_proto(&c->proto, dev_proto(dev, family));
}


/*
 * Whether a client may register @p at all: only host addresses of the
 * tunnel's own prefix, never ours, never an NHS of ours.  IOS and RFC 2332
 * (5.2.3: the NHS "may" refuse, code 4, administratively prohibited) allow
 * a hub to refuse what it does not serve; without this, a registration for
 * a LAN host behind a spoke beats that spoke's route by longest-prefix
 * match, and one for the hub's own address or a map host takes it over.
 */
static bool may_register(struct dev *dev, const struct dmvpn_prefix *p)
{
	const struct dmvpn_prefix *self = dev_proto(dev, p->family);
	unsigned int bits = dmvpn_family_bits(p->family);
	struct dmvpn_prefix a, b;

	if (!self)
		return false;
	amap_key(&a, self, bits);
	amap_key(&b, p, bits);
	if (!memcmp(&a, &b, sizeof(a)))
		return false;
	/* A hub on a host address (/32) says nothing of its tunnel's
	 * prefix: then any address but its own goes. */
	if (self->len < bits) {
		amap_key(&a, self, self->len);
		amap_key(&b, p, self->len);
		if (memcmp(&a, &b, sizeof(a)))
			return false;
	}
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		if (dev->nhs[i].proto.family != p->family)
			continue;
		amap_key(&a, &dev->nhs[i].proto, bits);
		if (!memcmp(&a, &b, sizeof(a)))
			return false;
	}
	return true;
}

/*
 * @proto at @from is one of our own NHSs: two hubs of one cloud that are
 * each other's NHS (issue 16), so that a hub sends what it has no mapping
 * for through the other one.  Our entry for it is the NHS (or static) entry
 * made from its nhs line, which a registration may not replace; it says
 * what the registration would, so the registration is answered, not
 * refused, and the peer hub sees us up.  Only at the NBMA address we know
 * it by: anyone else claiming that address is refused as before.
 */
static bool is_own_nhs(const struct dev *dev, const struct dmvpn_prefix *proto,
		       struct in_addr from)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		const struct nhs *n = &dev->nhs[i];

		if (n->state != NHS_RESOLVING && n->nbma.s_addr == from.s_addr &&
		    n->proto.family == proto->family &&
		    !memcmp(&n->proto.addr, &proto->addr,
			    dmvpn_family_bytes(proto->family)))
			return true;
	}
	return false;
}

/*
 * Two hosts register from one NBMA address (behind one NAT: each claims
 * its own inside address).  With IPsec, the profile's marks tell their
 * SAs apart; without them the hub has one SA for both, the newer one, and
 * the other host is unreachable: say so, once per address.
 */
static void nat_shared(struct dev *dev, const struct reg *r,
		       struct in_addr claimed)
{
	struct nbma_count *c = nbma_count(dev, r->nbma);
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], n[INET_ADDRSTRLEN];

	if (!c)
		return;
	if (c->regs == 1 || !c->claimed.s_addr) {
		c->claimed = claimed;
		c->ipsec_mark = dev->rx.ipsec_mark;
		return;
	}
	if (c->warned || !ipsec_enabled(dev) ||
	    c->claimed.s_addr == claimed.s_addr ||
	    (dev->rx.ipsec_mark && c->ipsec_mark != dev->rx.ipsec_mark))
		return;
	c->warned = true;
	log_warn("%s: %s and %s both register from %s (one NAT address) through one IPsec SA: only one of them is reachable; profile %s needs mark_in = mark_out = %%unique and set_mark_in = %%same",
		 dev->name, nbma_str(c->claimed, a, sizeof(a)),
		 nbma_str(claimed, b, sizeof(b)),
		 nbma_str(r->nbma, n, sizeof(n)), dev->cfg.ipsec_profile);
}

/*
 * @r came through an SA of its own at @from (a mark) that charon no
 * longer has: its peer made a new one (after DPD, a restart), with a new
 * mark, and registers again through it.  That is no takeover.
 */
static bool sa_gone(struct dev *dev, const struct reg *r, struct in_addr from)
{
	return r->nbma.s_addr == from.s_addr && r->ipsec_mark &&
	       !ipsec_mark_up(dev, from, r->ipsec_mark);
}

/* One CIE of a registration: accept it, or say why not. */
static uint8_t register_cie(struct dev *dev, struct in_addr from,
			    const struct nhrp_msg *m, const struct nhrp_cie *c,
			    const char *group)
{
	struct dmvpn_prefix proto;
	struct in_addr claimed = { 0 };
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN], d[INET_ADDRSTRLEN];
	struct reg *r;
	bool unique = m->flags & NHRP_FLAG_REG_U;
	bool is_new;
	uint16_t hold;
	int ret;

	proto_from_addr(&proto, c->proto.len ? &c->proto : &m->src_proto);
	if (!proto.family || proto.family != msg_family(m))
		return NHRP_CODE_ADMIN_PROHIBITED;
	if (!may_register(dev, &proto)) {
		if (log_allowed(dev, from))
			log_warn("%s: refused %s from %s: not a client address "
				 "of this tunnel", dev->name,
				 addr_str(&proto, a, sizeof(a)),
				 nbma_str(from, b, sizeof(b)));
		return NHRP_CODE_ADMIN_PROHIBITED;
	}
	if (!nbma_from_addr(&claimed, c->nbma.len ? &c->nbma : &m->src_nbma))
		claimed = from;
	if (is_own_nhs(dev, &proto, from))
		return NHRP_CODE_SUCCESS;
	r = nhs_find_reg(dev, &proto);
	/* The point of "unique": nobody takes over a registered address. */
	if (r && r->unique && !reg_sent(dev, r, from) &&
	    r->expires > loop_now() && !sa_gone(dev, r, from)) {
		if (log_allowed(dev, from))
			log_warn("%s: refused %s from %s: registered uniquely "
				 "at %s", dev->name,
				 addr_str(&proto, a, sizeof(a)),
				 nbma_str(from, b, sizeof(b)),
				 nbma_str(r->nbma, d, sizeof(d)));
		return NHRP_CODE_UNIQUE_ALREADY_REGISTERED;
	}
	if (!c->holding_time) {
		if (r && reg_sent(dev, r, from)) {
			kernel_entry_del(dev, &r->node.key);
			purge_resolvers(dev, r);
			reg_free(dev, r);
		}
		return NHRP_CODE_SUCCESS;
	}
	if ((!r || r->nbma.s_addr != from.s_addr) &&
	    nbma_regs(dev, from) >= DMVPND_REGS_PER_NBMA) {
		if (log_allowed(dev, from))
			log_warn("%s: refused %s from %s: %u registrations "
				 "from there already", dev->name,
				 addr_str(&proto, a, sizeof(a)),
				 nbma_str(from, b, sizeof(b)),
				 DMVPND_REGS_PER_NBMA);
		return NHRP_CODE_INSUFFICIENT_RESOURCES;
	}
	is_new = !r;
	if (!r) {
		r = reg_get(dev, &proto);
		if (!r)
			return NHRP_CODE_INSUFFICIENT_RESOURCES;
	} else if (!reg_sent(dev, r, from)) {
		log_info("%s: %s moved to %s", dev->name,
			 addr_str(&proto, a, sizeof(a)),
			 nbma_str(from, b, sizeof(b)));
		purge_resolvers(dev, r);
	}
	/* Never longer than our own holding time: a client that asks for
	 * 65535 s does not get to keep its entry for 18 hours.  The reply
	 * says what was granted (RFC 2332 5.2.4 returns the CIEs), and an
	 * NHC renews within a third of it. */
	hold = c->holding_time < dev->cfg.holdtime ? c->holding_time :
	       (uint16_t)dev->cfg.holdtime;
	reg_set_nbma(dev, r, from);
	nat_shared(dev, r, claimed);
	r->ipsec_mark = dev->rx.ipsec_mark;
	r->ipsec_mask = dev->rx.ipsec_mask;
	r->claimed_nbma = claimed;
	r->unique = unique;
	r->holdtime = hold;
	r->expires = loop_now() + (uint64_t)hold * 1000;
	snprintf(r->group, sizeof(r->group), "%s", group);
	ret = install_reg(dev, r);
	if (ret) {
		reg_free(dev, r);
		/* A static or NHS entry of that prefix: never replaced from
		 * the wire (kernel_entry_set). */
		return ret == -EEXIST ? NHRP_CODE_ADMIN_PROHIBITED :
		       NHRP_CODE_INSUFFICIENT_RESOURCES;
	}
	if (is_new)
		log_info("%s: registered %s at %s", dev->name,
			 addr_str(&proto, a, sizeof(a)),
			 nbma_str(from, b, sizeof(b)));
	/* Renewals too: a monitor sees a spoke keep its registration. */
	ctl_event(dev, AGENT_EV_REGISTRATION, &proto, &from, NULL, NULL);
	return NHRP_CODE_SUCCESS;
}

void nhs_rx_registration(struct dev *dev, struct in_addr from,
			 struct nhrp_msg *m)
{
	char group[CFG_NAME_MAX];
	struct in_addr claimed = { 0 };
	struct dmvpn_prefix src;

	if (!m->cies.count) {
		dev->stats.rx_dropped++;
		return;
	}
	msg_group(m, group, sizeof(group));
	for (unsigned int i = 0; i < m->cies.count; i++) {
		struct nhrp_cie *c = &m->cies.cie[i];

		c->code = i < DMVPND_REG_CIES_MAX ?
			  register_cie(dev, from, m, c, group) :
			  NHRP_CODE_INSUFFICIENT_RESOURCES;
		if (c->code != NHRP_CODE_SUCCESS) {
			struct dmvpn_prefix proto;

			dev->stats.reg_refused++;
			proto_from_addr(&proto, c->proto.len ? &c->proto :
					&m->src_proto);
			ctl_event(dev, AGENT_EV_REGISTRATION_REFUSED, &proto,
				  &from, NULL, nhrp_cie_code_name(c->code));
		} else if (c->holding_time > dev->cfg.holdtime) {
			c->holding_time = (uint16_t)dev->cfg.holdtime;
		}
	}

	/* The reply is the request turned around (RFC 2332 5.2.4). */
	m->type = NHRP_REGISTRATION_REPLY;
	m->hop_count = DMVPND_HOP_COUNT;
	m->ext_present |= NHRP_HAS_RESPONDER;
	m->responder.count = 1;
	fill_self_cie(dev, &m->responder.cie[0], from, msg_family(m));
	/*
	 * An NHC that does not know our protocol address addresses the
	 * request to itself (RFC 2332 5.2.3); nhrpd ("nhs dynamic") learns
	 * the NHS's address from the reply's destination, and binds it to
	 * the NHS even when configured, so it must be ours.
	 */
	addr_from_proto(&m->dst_proto, dev_proto(dev, msg_family(m)));
	/*
	 * Cisco NAT extension: the address we really saw, if it differs.
	 * The request's own records stay in front of ours: nhrpd and IOS
	 * put the NHS's record there and read the NHC's outside address
	 * from the second one.
	 */
	nbma_from_addr(&claimed, &m->src_nbma);
	proto_from_addr(&src, &m->src_proto);
	if (m->flags & NHRP_FLAG_NAT || m->ext_present & NHRP_HAS_NAT_ADDRESS) {
		m->ext_present |= NHRP_HAS_NAT_ADDRESS;
		if (claimed.s_addr != from.s_addr &&
		    m->nat_address.count < NHRP_MAX_CIES) {
			struct nhrp_cie *c =
				&m->nat_address.cie[m->nat_address.count++];

			memset(c, 0, sizeof(*c));
			c->prefix_len = src.len;
			addr_from_nbma(&c->nbma, from);
			addr_from_proto(&c->proto, &src);
		}
	}
	m->ext_present &= ~NHRP_HAS_VENDOR;
	msg_add_auth(dev, m);
	packet_send(dev, from, m);
}

/* A spoke leaving: its purge names the bindings to forget. */
void nhs_rx_purge(struct dev *dev, struct in_addr from, struct nhrp_msg *m)
{
	for (unsigned int i = 0; i < m->cies.count; i++) {
		struct dmvpn_prefix p;
		struct reg *r;
		char a[INET6_ADDRSTRLEN];

		proto_from_addr(&p, m->cies.cie[i].proto.len ?
				&m->cies.cie[i].proto : &m->src_proto);
		r = p.family ? nhs_find_reg(dev, &p) : NULL;
		if (!r || !reg_sent(dev, r, from))
			continue;
		log_info("%s: %s purged its registration", dev->name,
			 addr_str(&p, a, sizeof(a)));
		ctl_event(dev, AGENT_EV_PURGE_RECEIVED, &p, &from, NULL, NULL);
		kernel_entry_del(dev, &r->node.key);
		purge_resolvers(dev, r);
		reg_free(dev, r);
	}
	if (m->flags & NHRP_FLAG_PURGE_N)
		return;
	m->type = NHRP_PURGE_REPLY;
	m->hop_count = DMVPND_HOP_COUNT;
	msg_add_auth(dev, m);
	packet_send(dev, from, m);
}

void nhs_expired(struct dev *dev, const struct dmvpn_entry *e)
{
	struct reg *r;
	char a[INET6_ADDRSTRLEN];

	if (e->type != DMVPN_ENTRY_DYNAMIC)
		return;
	r = nhs_find_reg(dev, &e->prefix);
	if (!r)
		return;
	log_info("%s: registration of %s expired", dev->name,
		 addr_str(&r->node.key, a, sizeof(a)));
	ctl_event(dev, AGENT_EV_REGISTRATION_EXPIRED, &r->node.key, &r->nbma,
		  NULL, NULL);
	purge_resolvers(dev, r);
	reg_free(dev, r);
}

/* The inner source address of a redirected packet's head. */
static bool inner_source(const uint8_t *pkt, size_t len,
			 struct dmvpn_prefix *src)
{
	memset(src, 0, sizeof(*src));
	if (len >= sizeof(struct ip) && pkt[0] >> 4 == 4) {
		src->family = AF_INET;
		src->len = 32;
		memcpy(src->addr.bytes, pkt + 12, 4);
		return true;
	}
	if (len >= sizeof(struct ip6_hdr) && pkt[0] >> 4 == 6) {
		src->family = AF_INET6;
		src->len = 128;
		memcpy(src->addr.bytes, pkt + 8, 16);
		return true;
	}
	return false;
}

/*
 * A packet from one spoke left toward another through us: tell the
 * sender (Cisco's Traffic Indication) so it resolves a shortcut.  The
 * kernel has rate-limited these per destination already.
 */
void nhs_redirect_event(struct dev *dev, struct in_addr sender,
			uint32_t ipsec_mark, const uint8_t *pkt, size_t len)
{
	char a[INET_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	struct dmvpn_prefix src;
	struct nhrp_msg m;

	if (dev->cfg.role != CFG_ROLE_HUB || !dev->cfg.redirect ||
	    !inner_source(pkt, len, &src))
		return;
	/* The kernel found no entry for the source, nor for its route back. */
	if (!sender.s_addr)
		return;
	log_info("%s: traffic indication to %s about %s", dev->name,
		 nbma_str(sender, a, sizeof(a)), addr_str(&src, b, sizeof(b)));
	msg_start(dev, &m, NHRP_TRAFFIC_INDICATION, our_nbma(dev, sender),
		  &src);
	m.payload = pkt;
	m.payload_len = len;
	/* To the sender's peer: behind a shared NAT address, its SA's. */
	packet_send_mark(dev, sender, ipsec_mark, &m);
}

static void adopt_one(struct dev *dev, const struct dmvpn_entry *e, void *arg)
{
	struct reg *r;

	(void)arg;
	if (e->type != DMVPN_ENTRY_DYNAMIC || !e->has_nbma)
		return;
	r = nhs_find_reg(dev, &e->prefix);
	if (r) {
		/* Known: the kernel's holding time is what is left of it. */
		r->seen = dev->resync_gen;
		return;
	}
	r = reg_get(dev, &e->prefix);
	if (!r)
		return;
	r->seen = dev->resync_gen;
	reg_set_nbma(dev, r, e->nbma);
	r->ipsec_mark = e->ipsec_mark;
	r->ipsec_mask = e->ipsec_mask;
	r->claimed_nbma = e->nbma;
	r->unique = e->flags & DMVPN_ENTRY_F_UNIQUE;
	r->holdtime = (uint16_t)e->holdtime;
	r->expires = loop_now() + (uint64_t)e->holdtime * 1000;
}

/*
 * A restarted hub finds its registrations in the kernel: the spokes keep
 * forwarding and re-register on their own schedule.
 */
int nhs_start(struct dev *dev)
{
	int ret = kernel_entry_dump(dev, adopt_one, NULL);

	if (!ret && dev->regs.count)
		log_info("%s: %zu registrations taken over from the kernel",
			 dev->name, dev->regs.count);
	return ret;
}

static void drop_unseen(struct amap_node *n, void *arg)
{
	struct reg *r = amap_entry(n, struct reg, node);
	struct dev *dev = arg;
	char a[INET6_ADDRSTRLEN];

	if (r->seen == dev->resync_gen)
		return;
	log_info("%s: registration of %s expired (the kernel's word of it "
		 "was lost)", dev->name, addr_str(&r->node.key, a, sizeof(a)));
	ctl_event(dev, AGENT_EV_REGISTRATION_EXPIRED, &r->node.key, &r->nbma,
		  NULL, NULL);
	purge_resolvers(dev, r);
	reg_free(dev, r);
}

/*
 * After lost kernel events: every registration the kernel no longer holds
 * has expired (or was deleted by an operator); the ones it holds that we
 * do not know are adopted, as at start.
 */
int nhs_resync(struct dev *dev)
{
	int ret;

	dev->resync_gen++;
	ret = kernel_entry_dump(dev, adopt_one, NULL);
	if (ret)
		return ret;
	amap_each(&dev->regs, drop_unseen, dev);
	return 0;
}

static void free_one(struct amap_node *n, void *arg)
{
	reg_free(arg, amap_entry(n, struct reg, node));
}

void nhs_stop(struct dev *dev)
{
	amap_each(&dev->regs, free_one, dev);
	amap_free(&dev->regs);
	amap_free(&dev->reg_nbmas);
}

/* ---- the operator's purge and flush: the spoke registers again later ---- */

int nhs_purge(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct reg *r = nhs_find_reg(dev, p);

	if (!r)
		return -1;
	kernel_entry_del(dev, &r->node.key);
	purge_resolvers(dev, r);
	reg_free(dev, r);
	return 0;
}

static void flush_one(struct amap_node *n, void *arg)
{
	struct reg *r = amap_entry(n, struct reg, node);

	kernel_entry_del(r->dev, &r->node.key);
	reg_free(r->dev, r);
	(*(size_t *)arg)++;
}

size_t nhs_flush(struct dev *dev)
{
	size_t n = 0;

	amap_each(&dev->regs, flush_one, &n);
	return n;
}

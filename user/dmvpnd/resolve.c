// SPDX-License-Identifier: GPL-2.0
/*
 * Resolution (RFC 2332 5.2.1/5.2.2) on both sides.
 *
 * A spoke asks its NHS for a destination the kernel missed (Phase 2: the
 * route's next hop) or one a traffic indication named (Phase 3: the inner
 * destination).  The reply installs a shortcut in the kernel with the
 * responder's prefix length; a NAK installs a short negative entry.  A
 * shortcut still in use when its holding time runs low is resolved again;
 * an idle one is left to expire, which drops the spoke-to-spoke tunnel.
 *
 * A station that gets a request either is authoritative for the
 * destination (its own address, or a network behind a non-tunnel
 * interface) and answers straight to the requester, or, as a hub, passes
 * the request on to the registered spoke its route points at.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "dmvpnd.h"
#include "sadup.h"

static struct pending *find_pending(struct dev *dev,
				    const struct dmvpn_prefix *target)
{
	struct dmvpn_prefix k;
	struct amap_node *n;

	amap_key(&k, target, dmvpn_family_bits(target->family));
	n = amap_find(&dev->pending, &k);
	return n ? amap_entry(n, struct pending, node) : NULL;
}

static void pending_free(struct pending *p)
{
	timer_cancel(&p->timer);
	amap_remove(&p->dev->pending, &p->node);
	free(p);
}

static struct shortcut *find_shortcut(struct dev *dev,
				      const struct dmvpn_prefix *prefix)
{
	struct amap_node *n = amap_find(&dev->shortcuts, prefix);

	return n ? amap_entry(n, struct shortcut, node) : NULL;
}

static void shortcut_free(struct shortcut *s)
{
	timer_cancel(&s->timer);
	amap_remove(&s->dev->shortcuts, &s->node);
	free(s);
}

/* A shortcut gone from the kernel (expired, or its expiry event lost):
 * its peer's SA goes with the last. */
static void shortcut_forget(struct shortcut *s)
{
	struct dev *dev = s->dev;
	struct in_addr nbma = s->nbma;
	bool negative = s->negative;

	if (!negative)
		ctl_event(dev, AGENT_EV_SHORTCUT_REMOVED, &s->via, &nbma,
			  &s->node.key, NULL);
	shortcut_free(s);
	if (!negative)
		resolve_release_if_unused(dev, nbma);
}

/* A shortcut taken out (purge, flush): the same, the kernel's entry too. */
static void shortcut_drop(struct shortcut *s)
{
	kernel_entry_del(s->dev, &s->node.key);
	shortcut_forget(s);
}

static void send_request(struct pending *p)
{
	struct dev *dev = p->dev;
	struct nhs *nhs = nhc_active(dev, p->node.key.family);
	struct in_addr src;
	struct nhrp_msg m;
	struct nhrp_cie *c;

	if (!nhs)
		return;
	src = our_nbma(dev, nhs->nbma);
	msg_start(dev, &m, NHRP_RESOLUTION_REQUEST, src, &p->node.key);
	m.flags = NHRP_FLAG_RES_Q | NHRP_FLAG_RES_A | NHRP_FLAG_RES_S |
		  NHRP_FLAG_NAT;
	m.request_id = p->request_id;
	m.cies.count = 1;
	c = &m.cies.cie[0];
	c->prefix_len = 0xff;
	c->holding_time = (uint16_t)dev->cfg.holdtime;
	m.ext_present |= NHRP_HAS_RESPONDER | NHRP_HAS_FORWARD_TRANSIT |
			 NHRP_HAS_REVERSE_TRANSIT | NHRP_HAS_NAT_ADDRESS;
	/* Behind NAT: say where the responder must answer. */
	if (nhs->nat_nbma.s_addr) {
		c = &m.nat_address.cie[0];
		addr_from_nbma(&c->nbma, nhs->nat_nbma);
		c->proto = m.src_proto;
		c->prefix_len = (uint8_t)(c->proto.len * 8);
		m.nat_address.count = 1;
	}
	/* The first only: the retries are the same resolution. */
	if (!p->tries++)
		ctl_event(dev, AGENT_EV_RESOLUTION_SENT, NULL, &nhs->nbma,
			  &p->node.key, NULL);
	packet_send(dev, nhs->nbma, &m);
}

static void install_negative(struct dev *dev, const struct dmvpn_prefix *t,
			     uint16_t holdtime);

static void pending_timer(struct timer *t)
{
	struct pending *p = amap_entry(t, struct pending, timer);
	char a[INET6_ADDRSTRLEN];

	if (p->tries < DMVPND_RESOLVE_RETRIES && !p->held) {
		send_request(p);
		timer_arm(&p->timer, DMVPND_RESOLVE_TIMEOUT << p->tries);
		return;
	}
	/*
	 * With IPsec a responder answers only once its SA to us is up (see
	 * answer_path_ready()), and we take its answer only once ours is:
	 * an IKE exchange can outlast our retries (a hub and two spokes
	 * negotiating at once on a slow CPU took 15 s).  Giving up then
	 * would drop the answer when it comes and keep the destination on
	 * the hub until traffic asks again after the NAK.  And the first
	 * answer sent over a new SA can be lost: the side that reports its
	 * SA first may send before the other has installed its inbound half.
	 * So keep asking, every few seconds, for as long as charon may take;
	 * the responder holds the latest request and answers it at once
	 * when its SA is up.
	 */
	if (ipsec_enabled(p->dev)) {
		uint64_t now = loop_now();

		if (!p->ike_until)
			p->ike_until = now + DMVPND_IKE_TIMEOUT;
		if (now < p->ike_until) {
			uint64_t left = p->ike_until - now;

			if (!p->held)
				send_request(p);
			timer_arm(&p->timer, left < DMVPND_IKE_RETRY ?
					     left : DMVPND_IKE_RETRY);
			return;
		}
	}
	/* Nobody answers: stop asking for a while; the packets keep going
	 * through the NHS meanwhile. */
	log_info("%s: no resolution for %s", p->dev->name,
		 addr_str(&p->node.key, a, sizeof(a)));
	ctl_event(p->dev, AGENT_EV_RESOLUTION_FAILED, NULL, NULL,
		  &p->node.key, "no-reply");
	install_negative(p->dev, &p->node.key, DMVPND_NEGATIVE_HOLD);
	pending_free(p);
}

/* An NHS is reached through its NHS entry, never through a shortcut. */
static bool is_nhs_address(struct dev *dev, const struct dmvpn_prefix *p)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		const struct dmvpn_prefix *n = &dev->nhs[i].proto;

		if (n->family == p->family &&
		    !memcmp(n->addr.bytes, p->addr.bytes,
			    dmvpn_family_bytes(p->family)))
			return true;
	}
	return false;
}

void resolve_request(struct dev *dev, const struct dmvpn_prefix *target)
{
	struct pending *p;
	char a[INET6_ADDRSTRLEN];

	/* Only the family we registered can be resolved through the NHS. */
	if (dev->cfg.role != CFG_ROLE_SPOKE ||
	    !dev_proto(dev, target->family) || find_pending(dev, target) ||
	    is_nhs_address(dev, target))
		return;
	/* Bounded: the packets keep going through the NHS meanwhile, and a
	 * miss for the same destination comes again. */
	if (dev->pending.count >= DMVPND_PENDING_MAX) {
		dev->stats.rx_dropped++;
		return;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->dev = dev;
	amap_key(&p->node.key, target, dmvpn_family_bits(target->family));
	p->request_id = next_request_id();
	timer_init(&p->timer, pending_timer);
	if (amap_insert(&dev->pending, &p->node)) {
		free(p);
		return;
	}
	log_debug("%s: resolving %s", dev->name,
		  addr_str(&p->node.key, a, sizeof(a)));
	send_request(p);
	timer_arm(&p->timer, DMVPND_RESOLVE_TIMEOUT);
}

/* ---- shortcuts ---- */

static void shortcut_timer(struct timer *t);

static struct shortcut *shortcut_get(struct dev *dev,
				     const struct dmvpn_prefix *prefix)
{
	struct shortcut *s = find_shortcut(dev, prefix);

	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->dev = dev;
	s->node.key = *prefix;
	s->since = loop_now();
	timer_init(&s->timer, shortcut_timer);
	if (amap_insert(&dev->shortcuts, &s->node)) {
		free(s);
		return NULL;
	}
	return s;
}

/*
 * Check a shortcut when two thirds of its holding time are gone: renew it
 * if packets used it since the last reply, else let the kernel expire it.
 */
static void arm_refresh(struct shortcut *s)
{
	timer_arm(&s->timer, (uint64_t)s->holdtime * 2000 / 3);
}

/*
 * The kernel's expiry event frees a shortcut; this timer is the fallback
 * for one that was lost (issue 14: events dropped under load left
 * shortcuts, and negative entries, in our map for good).  It fires again
 * a second after the entry's holding time ends at the latest.
 */
static void arm_expiry_check(struct shortcut *s, uint32_t left)
{
	timer_arm(&s->timer, ((uint64_t)left + 1) * 1000);
}

static void shortcut_timer(struct timer *t)
{
	struct shortcut *s = amap_entry(t, struct shortcut, timer);
	uint64_t since_reply = loop_now() - s->refreshed;
	struct dmvpn_entry e;
	uint8_t type = s->negative ? DMVPN_ENTRY_NEGATIVE :
		       DMVPN_ENTRY_SHORTCUT;

	if (kernel_entry_get(s->dev, &s->node.key, &e) || e.type != type) {
		shortcut_forget(s);
		return;
	}
	arm_expiry_check(s, e.holdtime ? e.holdtime : s->holdtime);
	if (s->negative)
		return;
	if (e.has_used && e.used_msecs < since_reply) {
		struct dmvpn_prefix target = s->node.key;

		target.len = (uint8_t)dmvpn_family_bits(target.family);
		resolve_request(s->dev, &target);
	}
}

static int install(struct dev *dev, const struct dmvpn_prefix *prefix,
		   struct in_addr nbma, uint8_t type, uint16_t holdtime)
{
	struct dmvpn_entry e = {
		.prefix = *prefix,
		.nbma = nbma,
		.type = type,
		.holdtime = holdtime,
	};
	unsigned int fields = FIELD_PREFIX | FIELD_TYPE | FIELD_FLAGS |
			      FIELD_HOLDTIME;

	if (type != DMVPN_ENTRY_NEGATIVE) {
		/*
		 * Through our SA to it: one the peer initiated has a mark.
		 * A reply straight from the peer came through the peer's own
		 * SA, which tells it from another behind the same NAT address.
		 */
		if (dev->rx.active && dev->rx.from.s_addr == nbma.s_addr &&
		    dev->rx.ipsec_mark)
			e.ipsec_mark = dev->rx.ipsec_mark;
		else
			e.ipsec_mark = ipsec_out_mark(dev, nbma);
		e.ipsec_mask = e.ipsec_mark ? ipsec_mark_mask(dev) : 0;
		fields |= FIELD_NBMA | FIELD_IPSEC_MARK;
	}
	return kernel_entry_set(dev, &e, fields);
}

static void install_negative(struct dev *dev, const struct dmvpn_prefix *t,
			     uint16_t holdtime)
{
	struct shortcut *s;

	if (install(dev, t, (struct in_addr){ 0 }, DMVPN_ENTRY_NEGATIVE,
		    holdtime))
		return;
	s = shortcut_get(dev, t);
	if (!s)
		return;
	s->negative = true;
	s->holdtime = holdtime;
	s->refreshed = loop_now();
	arm_expiry_check(s, holdtime);
}

static void install_shortcut(struct dev *dev, const struct dmvpn_prefix *prefix,
			     struct in_addr nbma, const struct dmvpn_prefix *via,
			     uint16_t holdtime)
{
	struct shortcut *s;
	char a[INET6_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	if (install(dev, prefix, nbma, DMVPN_ENTRY_SHORTCUT, holdtime))
		return;
	s = shortcut_get(dev, prefix);
	if (!s)
		return;
	if (s->negative || s->nbma.s_addr != nbma.s_addr) {
		log_info("%s: shortcut %s via %s", dev->name,
			 addr_str(prefix, a, sizeof(a)),
			 nbma_str(nbma, b, sizeof(b)));
		ctl_event(dev, AGENT_EV_SHORTCUT_ADDED, via, &nbma, prefix,
			  NULL);
	}
	s->negative = false;
	s->nbma = nbma;
	if (via)
		s->via = *via;
	s->holdtime = holdtime;
	s->refreshed = loop_now();
	arm_refresh(s);
}

/* A prefix that would take our own tunnel subnet or an NHS away from the
 * tunnel's control traffic is narrowed to the host. */
static bool prefix_too_wide(struct dev *dev, const struct dmvpn_prefix *p)
{
	const struct dmvpn_prefix *self = dev_proto(dev, p->family);
	struct dmvpn_prefix a, b;

	if (!self)
		return false;
	amap_key(&a, self, p->len);
	amap_key(&b, p, p->len);
	if (!memcmp(a.addr.bytes, b.addr.bytes, 16))
		return true;
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		if (dev->nhs[i].proto.family != p->family)
			continue;
		amap_key(&a, &dev->nhs[i].proto, p->len);
		if (!memcmp(a.addr.bytes, b.addr.bytes, 16))
			return true;
	}
	return false;
}

/* The NAT extension's record for @proto: the address an NHS saw it at. */
static bool nat_record(const struct nhrp_msg *m, const struct nhrp_addr *proto,
		       struct in_addr *seen)
{
	for (unsigned int i = 0; i < m->nat_address.count; i++) {
		const struct nhrp_cie *n = &m->nat_address.cie[i];

		if (n->proto.len == proto->len &&
		    !memcmp(n->proto.bytes, proto->bytes, proto->len) &&
		    nbma_from_addr(seen, &n->nbma))
			return true;
	}
	return false;
}

/* @proto claims @claimed but is seen elsewhere: it is behind NAT. */
static bool behind_nat(const struct nhrp_msg *m, const struct nhrp_addr *proto,
		       const struct nhrp_addr *claimed)
{
	struct in_addr seen, own = { 0 };

	return nat_record(m, proto, &seen) &&
	       (!nbma_from_addr(&own, claimed) || own.s_addr != seen.s_addr);
}

/*
 * Where a station's packets really come from: the address an NHS saw it
 * at (the NAT extension), else the one it claims, else the sender's.
 */
static struct in_addr seen_nbma(const struct nhrp_msg *m,
				const struct nhrp_addr *proto,
				const struct nhrp_addr *claimed,
				struct in_addr from)
{
	struct in_addr nbma = { 0 };

	if (nat_record(m, proto, &nbma) || nbma_from_addr(&nbma, claimed))
		return nbma;
	return from;
}

/* Our NHS sees us at another address than ours. */
static bool dev_behind_nat(struct dev *dev, uint8_t family)
{
	const struct nhs *nhs = nhc_active(dev, family);

	return nhs && nhs->nat_nbma.s_addr;
}

/* Whether we initiate the SA to @peer, by the rule both ends apply
 * (sadup_we_initiate()): @peer_nat, it is behind NAT. */
static bool we_initiate_to(struct dev *dev, uint8_t family,
			   struct in_addr peer, bool peer_nat)
{
	bool nat = dev_behind_nat(dev, family);
	struct in_addr us = nat ? nhc_active(dev, family)->nat_nbma :
				  our_nbma(dev, peer);

	return sadup_we_initiate(us.s_addr, peer.s_addr, nat, peer_nat);
}

/* The responder's NBMA: its NAT extension (the address its NHS saw)
 * beats what it believes its address to be. */
static struct in_addr reply_nbma(const struct nhrp_msg *m,
				 const struct nhrp_cie *c, struct in_addr from)
{
	return seen_nbma(m, &c->proto, &c->nbma, from);
}

/* A holding time from the wire, never longer than our own (issue 14):
 * 0 (none given) is ours. */
static uint16_t cap_hold(struct dev *dev, uint16_t hold)
{
	return hold && hold < dev->cfg.holdtime ? hold :
	       (uint16_t)dev->cfg.holdtime;
}

/* @p lies inside our tunnel's prefix (any address does when we have a
 * host address only). */
static bool in_tunnel(struct dev *dev, const struct dmvpn_prefix *p)
{
	const struct dmvpn_prefix *self = dev_proto(dev, p->family);
	struct dmvpn_prefix a, b;

	if (!self)
		return false;
	if (self->len >= dmvpn_family_bits(p->family))
		return true;
	amap_key(&a, self, self->len);
	amap_key(&b, p, self->len);
	return !memcmp(&a, &b, sizeof(a));
}

/* @from is the NBMA address of one of our NHSs. */
static bool from_nhs(struct dev *dev, struct in_addr from)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].nbma.s_addr == from.s_addr &&
		    dev->nhs[i].state != NHS_RESOLVING)
			return true;
	return false;
}

static bool is_self(struct dev *dev, const struct nhrp_addr *a);
static bool upper_nhs(struct dev *dev, uint8_t family, struct in_addr avoid,
		      struct in_addr *nbma);
static void forward_reply(struct dev *dev, struct in_addr from,
			  struct nhrp_msg *m, const uint8_t *raw, size_t len);

void resolve_rx_reply(struct dev *dev, struct in_addr from,
		      struct nhrp_msg *m, const uint8_t *raw, size_t len)
{
	struct dmvpn_prefix target, prefix, via;
	struct in_addr answered_at;
	const struct nhrp_cie *c;
	struct pending *p;
	unsigned int plen;

	if (dev->cfg.role == CFG_ROLE_HUB && !is_self(dev, &m->src_proto)) {
		forward_reply(dev, from, m, raw, len);
		return;
	}
	proto_from_addr(&target, &m->dst_proto);
	p = target.family ? find_pending(dev, &target) : NULL;
	if (!p || p->request_id != m->request_id || !m->cies.count) {
		dev->stats.rx_dropped++;
		return;
	}
	c = &m->cies.cie[0];
	plen = c->prefix_len;
	if (plen > dmvpn_family_bits(target.family))
		plen = dmvpn_family_bits(target.family);
	/*
	 * The CIE's client address is the responder's tunnel address (IOS,
	 * nhrpd and we answer so; the header's destination is the target),
	 * so the prefix is the target's with the CIE's length.  That length
	 * is the responder's route; nobody routes less than a /8 (/16 in
	 * IPv6) behind one spoke, so a shorter one is narrowed to the host:
	 * no reply installs 0.0.0.0/1 (issue 14).  A responder address
	 * outside our tunnel's prefix is no responder of this tunnel.
	 */
	proto_from_addr(&via, &c->proto);
	if (via.family && (via.family != target.family ||
			   !in_tunnel(dev, &via))) {
		dev->stats.rx_dropped++;
		return;
	}
	if (plen < (target.family == AF_INET6 ? 16U : 8U))
		plen = dmvpn_family_bits(target.family);
	/*
	 * A shortcut enters the kernel only once the SA to its peer is
	 * installed; until then traffic keeps riding the hub.  The
	 * responder initiated it before answering, so it is normally up
	 * already or about to be reported: keep the reply until it is.
	 */
	if (c->code == NHRP_CODE_SUCCESS && ipsec_enabled(dev) &&
	    !ipsec_is_up(dev, reply_nbma(m, c, from))) {
		/*
		 * Answered: ask no more while the SA comes up.  A responder
		 * that learnt our address from the first request answers a
		 * second one straight to us: nhrpd does, and its charon's
		 * trap policy then initiates an IKE_SA beside ours.  Our
		 * charon, answering it, sends on its new SA before the
		 * initiator has the inbound half: packets lost.
		 */
		struct in_addr peer = reply_nbma(m, c, from);
		bool start = we_initiate_to(dev, msg_family(m), peer,
					    behind_nat(m, &c->proto, &c->nbma));

		/* Answered through our NHS, by a responder that leaves the
		 * SA to us (answer_through_nhs()): we initiate, now. */
		if (!ipsec_hold(dev, peer, from, raw, len, false, start))
			p->held = true;
		/* Straight from the responder: it sent once its SA was
		 * up, so the one we answered has its half. */
		if (peer.s_addr == from.s_addr)
			ipsec_heard(dev, from);
		return;
	}
	pending_free(p);
	if (c->code != NHRP_CODE_SUCCESS) {
		uint16_t hold = c->holding_time && c->holding_time <
				DMVPND_NEGATIVE_HOLD ? c->holding_time :
				DMVPND_NEGATIVE_HOLD;

		ctl_event(dev, AGENT_EV_RESOLUTION_FAILED, NULL, &from, &target,
			  nhrp_cie_code_name(c->code));
		install_negative(dev, &target, hold);
		return;
	}
	amap_key(&prefix, &target, plen);
	if (prefix_too_wide(dev, &prefix))
		amap_key(&prefix, &target, dmvpn_family_bits(target.family));
	/*
	 * Plain GRE through NAT: the responder's router lets our packets in
	 * only after the responder has sent to us.  A reply that came
	 * straight from its outside address proves that; one the NHS passed
	 * on does not, and a shortcut would be a black hole.  Stay on the
	 * hub for now and ask again later.
	 */
	if (behind_nat(m, &c->proto, &c->nbma) &&
	    reply_nbma(m, c, from).s_addr != from.s_addr) {
		char a[INET6_ADDRSTRLEN];

		log_info("%s: %s is behind NAT and has not reached us directly: "
			 "staying on the NHS", dev->name,
			 addr_str(&target, a, sizeof(a)));
		install_negative(dev, &target, DMVPND_NEGATIVE_HOLD);
		return;
	}
	proto_from_addr(&via, &c->proto);
	answered_at = reply_nbma(m, c, from);
	ctl_event(dev, AGENT_EV_RESOLUTION_ANSWERED, &via, &answered_at,
		  &prefix, NULL);
	install_shortcut(dev, &prefix, reply_nbma(m, c, from),
			 via.family ? &via : NULL, cap_hold(dev, c->holding_time));
	/*
	 * The responder's own tunnel address goes direct as well, if it is
	 * one: an address of our tunnel's prefix, not ours, not an NHS's.
	 */
	if (via.family && via.family == prefix.family &&
	    memcmp(&via, &prefix, sizeof(via)) && in_tunnel(dev, &via) &&
	    !prefix_too_wide(dev, &via))
		install_shortcut(dev, &via, reply_nbma(m, c, from), NULL,
				 cap_hold(dev, c->holding_time));
}

/* ---- answering and forwarding requests ---- */

static bool is_self(struct dev *dev, const struct nhrp_addr *a)
{
	struct nhrp_addr self;

	addr_from_proto(&self, dev_proto(dev, a->len == 16 ? AF_INET6 :
					 AF_INET));
	return self.len && a->len == self.len &&
	       !memcmp(a->bytes, self.bytes, self.len);
}

static bool in_transit(struct dev *dev, const struct nhrp_cie_list *l)
{
	for (unsigned int i = 0; i < l->count; i++)
		if (is_self(dev, &l->cie[i].proto))
			return true;
	return false;
}

/* Append our own record to a transit NHS list on the way through. */
static bool add_transit(struct dev *dev, struct nhrp_cie_list *l,
			struct in_addr toward, uint8_t family)
{
	struct nhrp_cie *c;

	if (l->count >= NHRP_MAX_CIES)
		return false;
	c = &l->cie[l->count++];
	memset(c, 0, sizeof(*c));
	addr_from_nbma(&c->nbma, our_nbma(dev, toward));
	addr_from_proto(&c->proto, dev_proto(dev, family));
	c->prefix_len = (uint8_t)(c->proto.len * 8);
	c->holding_time = (uint16_t)dev->cfg.holdtime;
	return true;
}

/*
 * The registered client that @p belongs to: its own registration, or the
 * one our route toward @p goes through.
 */
static struct reg *reg_toward(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct dmvpn_prefix hop;
	struct route_info ri;
	struct reg *r = nhs_find_reg(dev, p);

	if (r || route_lookup(p, &ri) || ri.local || ri.oif != dev->ifindex)
		return r;
	hop = ri.has_gateway ? ri.gateway : *p;
	return nhs_find_reg(dev, &hop);
}

/*
 * A client behind NAT is reached at the address its packets come from,
 * not the one it claims: say so in the NAT extension of what we pass on.
 */
static void add_nat_record(struct dev *dev, struct nhrp_msg *m,
			   const struct nhrp_addr *proto,
			   const struct nhrp_addr *claimed)
{
	struct dmvpn_prefix p;
	struct in_addr claim = { 0 };
	struct nhrp_cie *c;
	struct reg *r;

	proto_from_addr(&p, proto);
	r = p.family ? nhs_find_reg(dev, &p) : NULL;
	/* Also when the message claims another address than the one we see
	 * the client at: the record is what the far end believes, not the
	 * claim (it would make the far end a reflector). */
	nbma_from_addr(&claim, claimed);
	if (!r || (r->nbma.s_addr == r->claimed_nbma.s_addr &&
		   (!claim.s_addr || claim.s_addr == r->nbma.s_addr)) ||
	    m->nat_address.count >= NHRP_MAX_CIES)
		return;
	c = &m->nat_address.cie[m->nat_address.count++];
	memset(c, 0, sizeof(*c));
	addr_from_nbma(&c->nbma, r->nbma);
	addr_from_proto(&c->proto, &p);
	c->prefix_len = p.len;
	m->ext_present |= NHRP_HAS_NAT_ADDRESS;
}

/*
 * A reply on its way back to a client of ours.  nhrpd sends its reply
 * along its routing toward the requester, which is its NHS until it has an
 * entry for the requester (it makes one only while answering), so the
 * first reply to any request of ours comes through here.  RFC 2332 5.2.2
 * has an NHS pass replies on toward the source and record itself in the
 * Reverse Transit NHS extension (5.3.3).
 */
static void forward_reply(struct dev *dev, struct in_addr from,
			  struct nhrp_msg *m, const uint8_t *raw, size_t len)
{
	struct dmvpn_prefix src;
	struct in_addr to;
	struct reg *r;

	proto_from_addr(&src, &m->src_proto);
	r = src.family ? reg_toward(dev, &src) : NULL;
	if (r && !reg_sent(dev, r, from)) {
		to = r->nbma;
	} else if (r || !upper_nhs(dev, src.family, from, &to)) {
		dev->stats.rx_dropped++;
		return;
	}
	if (in_transit(dev, &m->reverse_transit)) {
		send_error(dev, from, raw, len, NHRP_ERR_LOOP_DETECTED, 0);
		return;
	}
	if (m->hop_count <= 1) {
		send_error(dev, from, raw, len, NHRP_ERR_HOP_COUNT_EXCEEDED, 0);
		return;
	}
	m->hop_count--;
	if (!add_transit(dev, &m->reverse_transit, to, msg_family(m))) {
		send_error(dev, from, raw, len, NHRP_ERR_SDU_SIZE_EXCEEDED, 0);
		return;
	}
	m->ext_present |= NHRP_HAS_REVERSE_TRANSIT;
	if (m->cies.count && m->cies.cie[0].proto.len)
		add_nat_record(dev, m, &m->cies.cie[0].proto,
			       &m->cies.cie[0].nbma);
	msg_add_auth(dev, m);
	if (r)
		packet_send_mark(dev, to, r->ipsec_mark, m);
	else
		packet_send(dev, to, m);
}

/* Where to send the reply: the requester's address as its NHS saw it. */
static struct in_addr requester_nbma(const struct nhrp_msg *m,
				     struct in_addr from)
{
	return seen_nbma(m, &m->src_proto, &m->src_nbma, from);
}

/*
 * A request is vouched for when it reached us through an NHS that checked
 * the requester: on a spoke, one from our NHS; on a hub, one whose
 * requester is registered with us at the address it came from, or that a
 * registered client of ours (a lower hub, in the Forward Transit NHS
 * record it added) or our own NHS passed on.  Anything else is a stranger
 * speaking for itself: we may answer it, at the address its packet came
 * from, but learn nothing from it (issue 14: RFC 2332 lets a station
 * answer a request it gets directly; IOS and nhrpd keep such entries, we
 * do not, since only the NHS binds a protocol address to an NBMA one).
 */
static bool vouched(struct dev *dev, struct in_addr from,
		    const struct nhrp_msg *m)
{
	struct dmvpn_prefix p;
	struct reg *r;
	struct in_addr up;

	if (dev->cfg.role != CFG_ROLE_HUB)
		return from_nhs(dev, from);
	if (upper_nhs(dev, msg_family(m), (struct in_addr){ 0 }, &up) &&
	    up.s_addr == from.s_addr)
		return true;
	proto_from_addr(&p, &m->src_proto);
	r = p.family ? nhs_find_reg(dev, &p) : NULL;
	if (r)
		return reg_sent(dev, r, from);
	if (!m->forward_transit.count)
		return false;
	proto_from_addr(&p, &m->forward_transit.cie[
				m->forward_transit.count - 1].proto);
	r = p.family ? nhs_find_reg(dev, &p) : NULL;
	return r && reg_sent(dev, r, from);
}

/*
 * With IPsec, a spoke answers a vouched request straight to the requester
 * over their SA; without one yet, one of the two ends brings it up, by
 * the rule both apply (sadup_we_initiate()).  The end it says no to
 * answers through the NHS that passed the request on, whose SA is up, and
 * the requester, taking that answer, initiates (resolve_rx_reply()).  So
 * two spokes resolving each other at once make one IKE_SA, not one each:
 * with two, the second's responder sends on it before its initiator has
 * it, and packets are lost.
 */
static bool answer_through_nhs(struct dev *dev, struct in_addr from,
			       const struct nhrp_msg *m, bool trusted)
{
	struct in_addr via;

	if (!ipsec_enabled(dev) || dev->cfg.role != CFG_ROLE_SPOKE ||
	    !trusted)
		return false;
	/* Behind NAT, it cannot take a packet from us before it has sent
	 * us one (see answer()). */
	if (behind_nat(m, &m->src_proto, &m->src_nbma))
		return true;
	via = requester_nbma(m, from);
	return via.s_addr != from.s_addr && !ipsec_is_up(dev, via) &&
	       !we_initiate_to(dev, msg_family(m), via, false);
}

static void answer(struct dev *dev, struct in_addr from, struct nhrp_msg *m,
		   uint8_t code, uint8_t plen, bool trusted)
{
	/* A stranger is answered where its packet came from, never at an
	 * address it names: that would make us a reflector. */
	struct in_addr to = trusted ? requester_nbma(m, from) : from;
	/*
	 * A requester behind NAT cannot take a packet from us before it has
	 * sent us one, and our attempt would make its router refuse the
	 * packets it sends us later.  The NHS that passed the request on has
	 * a path to it: answer through that; so too when the requester is
	 * to bring our SA up (answer_through_nhs()).
	 */
	struct in_addr via = (dev->cfg.role == CFG_ROLE_SPOKE &&
			      behind_nat(m, &m->src_proto, &m->src_nbma)) ||
			     answer_through_nhs(dev, from, m, trusted) ?
			     from : to;
	struct nhs *nhs = nhc_active(dev, msg_family(m));
	const struct dmvpn_prefix *self = dev_proto(dev, msg_family(m));
	struct nhrp_cie *c = &m->cies.cie[0];
	struct nhrp_cie mine;

	memset(&mine, 0, sizeof(mine));
	mine.code = code;
	mine.prefix_len = plen;
	mine.holding_time = (uint16_t)dev->cfg.holdtime;
	addr_from_nbma(&mine.nbma, our_nbma(dev, to));
	addr_from_proto(&mine.proto, self);

	m->type = NHRP_RESOLUTION_REPLY;
	m->hop_count = DMVPND_HOP_COUNT;
	m->flags |= NHRP_FLAG_RES_A | NHRP_FLAG_RES_D;
	m->cies.count = 1;
	*c = mine;
	m->ext_present |= NHRP_HAS_RESPONDER;
	m->responder.count = 1;
	m->responder.cie[0] = mine;
	m->nat_address.count = 0;
	if (nhs && nhs->nat_nbma.s_addr) {
		m->ext_present |= NHRP_HAS_NAT_ADDRESS;
		m->nat_address.cie[0] = mine;
		addr_from_nbma(&m->nat_address.cie[0].nbma, nhs->nat_nbma);
		m->nat_address.count = 1;
	}
	msg_add_auth(dev, m);
	packet_send(dev, via, m);
}

/* A spoke answering lets the requester's packets back straight away,
 * unless the requester is behind NAT (see answer()). */
static void learn_requester(struct dev *dev, const struct nhrp_msg *m,
			    struct in_addr from, bool trusted)
{
	struct dmvpn_prefix src;
	uint16_t hold = cap_hold(dev, m->cies.count ?
				 m->cies.cie[0].holding_time : 0);

	if (dev->cfg.role != CFG_ROLE_SPOKE || !trusted ||
	    answer_through_nhs(dev, from, m, trusted) ||
	    behind_nat(m, &m->src_proto, &m->src_nbma))
		return;
	proto_from_addr(&src, &m->src_proto);
	/* The requester is an NHC of this tunnel: a host of its prefix. */
	if (!src.family || prefix_too_wide(dev, &src) ||
	    !in_tunnel(dev, &src))
		return;
	install_shortcut(dev, &src, requester_nbma(m, from), NULL, hold);
}

/*
 * Pass a request on to @to: the registered client @r the destination is
 * behind, or (@r NULL) our own NHS, when we are a hub that registers with
 * a hub above it and the destination is not ours.
 */
static void forward(struct dev *dev, struct in_addr from, struct nhrp_msg *m,
		    const uint8_t *raw, size_t len, struct reg *r,
		    struct in_addr to)
{
	if (m->hop_count <= 1) {
		send_error(dev, from, raw, len, NHRP_ERR_HOP_COUNT_EXCEEDED, 0);
		return;
	}
	m->hop_count--;
	if (!add_transit(dev, &m->forward_transit, to, msg_family(m))) {
		send_error(dev, from, raw, len, NHRP_ERR_SDU_SIZE_EXCEEDED, 0);
		return;
	}
	m->ext_present |= NHRP_HAS_FORWARD_TRANSIT;
	/* We know where the requester's packets really come from: a
	 * requester behind NAT is answered at its outside address. */
	add_nat_record(dev, m, &m->src_proto, &m->src_nbma);
	if (r)
		nhs_note_resolver(r, requester_nbma(m, from), &m->src_proto);
	msg_add_auth(dev, m);
	if (r)
		packet_send_mark(dev, to, r->ipsec_mark, m);
	else
		packet_send(dev, to, m);
}

/* A hub's own NHS (hierarchical NHRP), if it has one up, not @avoid. */
static bool upper_nhs(struct dev *dev, uint8_t family, struct in_addr avoid,
		      struct in_addr *nbma)
{
	struct nhs *n = dev->cfg.role == CFG_ROLE_HUB ?
			nhc_active(dev, family) : NULL;

	if (!n || n->state != NHS_UP || n->nbma.s_addr == avoid.s_addr)
		return false;
	*nbma = n->nbma;
	return true;
}

/*
 * A spoke answers a vouched request straight to the requester (see
 * answer()); with IPsec that needs the SA to it first, which we bring up
 * now and answer once it is installed, unless the requester is to bring
 * it up (answer_through_nhs()).  Only a request our NHS vouched
 * for makes us initiate: a stranger is answered through where it came
 * from, which has an SA already or gets nothing with require-ipsec.
 */
static bool answer_path_ready(struct dev *dev, struct in_addr from,
			      const struct nhrp_msg *m, bool trusted,
			      const uint8_t *raw, size_t len)
{
	struct in_addr via;

	if (!ipsec_enabled(dev) || dev->cfg.role != CFG_ROLE_SPOKE ||
	    !trusted || answer_through_nhs(dev, from, m, trusted))
		return true;
	via = requester_nbma(m, from);
	if (via.s_addr == from.s_addr || ipsec_is_up(dev, via))
		return true;
	ipsec_hold(dev, via, from, raw, len, true, true);
	return false;
}

void resolve_rx_request(struct dev *dev, struct in_addr from,
			struct nhrp_msg *m, const uint8_t *raw, size_t len)
{
	struct dmvpn_prefix dst, hop;
	struct route_info ri;
	struct reg *r = NULL;
	struct in_addr up;
	bool trusted;

	if (in_transit(dev, &m->forward_transit)) {
		send_error(dev, from, raw, len, NHRP_ERR_LOOP_DETECTED, 0);
		return;
	}
	trusted = vouched(dev, from, m);
	if (!trusted)
		dev->stats.rx_not_vouched++;
	if (!answer_path_ready(dev, from, m, trusted, raw, len))
		return;
	if (!m->cies.count) {
		m->cies.count = 1;
		memset(&m->cies.cie[0], 0, sizeof(m->cies.cie[0]));
	}
	proto_from_addr(&dst, &m->dst_proto);
	if (!dst.family || route_lookup(&dst, &ri)) {
		answer(dev, from, m, NHRP_CODE_NO_BINDING, 0xff, trusted);
		return;
	}
	if (ri.local) {
		learn_requester(dev, m, from, trusted);
		answer(dev, from, m, NHRP_CODE_SUCCESS,
		       (uint8_t)dmvpn_family_bits(dst.family), trusted);
		return;
	}
	if (ri.oif != dev->ifindex) {
		/* Behind us on another interface: ours to answer, but not
		 * the default route, which would claim the whole world. */
		if (!ri.dst_len) {
			answer(dev, from, m, NHRP_CODE_NO_BINDING, 0xff,
			       trusted);
			return;
		}
		learn_requester(dev, m, from, trusted);
		answer(dev, from, m, NHRP_CODE_SUCCESS, ri.dst_len, trusted);
		return;
	}
	/*
	 * A hub passes a request on only for a requester it can vouch for:
	 * the one who answers learns the requester's binding from it.
	 */
	if (!trusted) {
		if (log_allowed(dev, from)) {
			char a[INET_ADDRSTRLEN];

			log_warn("%s: resolution request from %s for a "
				 "requester not registered there: dropped",
				 dev->name, nbma_str(from, a, sizeof(a)));
		}
		return;
	}
	if (dev->cfg.role == CFG_ROLE_HUB) {
		hop = ri.has_gateway ? ri.gateway : dst;
		r = nhs_find_reg(dev, &hop);
	}
	if (r && !reg_sent(dev, r, from)) {
		forward(dev, from, m, raw, len, r, r->nbma);
		return;
	}
	if (!r && upper_nhs(dev, dst.family, from, &up)) {
		forward(dev, from, m, raw, len, NULL, up);
		return;
	}
	answer(dev, from, m, NHRP_CODE_NO_BINDING, 0xff, trusted);
}

/* ---- traffic indications, purges, expiry ---- */

/*
 * A traffic indication (Cisco's redirect) says "resolve this destination,
 * your packets to it go through me".  Only a hub we send through can say
 * so: we take them from our NHSs alone (IOS takes them from anyone; an
 * indication from a stranger would make us send requests and hold pending
 * state at its will).  Destinations the kernel has an entry for (a map
 * host, a NAK still in force) are skipped, and indications are acted on
 * at most 10 a second (a burst of 20): the data keeps flowing through the
 * hub meanwhile, and the hub indicates again.
 */
void resolve_rx_indication(struct dev *dev, struct in_addr from,
			   const struct nhrp_msg *m)
{
	struct dmvpn_prefix dst = { 0 };
	struct dmvpn_entry e;

	if (!dev->cfg.shortcut)
		return;
	if (!from_nhs(dev, from)) {
		dev->stats.rx_not_vouched++;
		return;
	}
	if (m->payload_len >= 20 && m->payload[0] >> 4 == 4) {
		dst.family = AF_INET;
		dst.len = 32;
		memcpy(dst.addr.bytes, m->payload + 16, 4);
	} else if (m->payload_len >= 40 && m->payload[0] >> 4 == 6) {
		dst.family = AF_INET6;
		dst.len = 128;
		memcpy(dst.addr.bytes, m->payload + 24, 16);
	} else {
		dev->stats.rx_dropped++;
		return;
	}
	/* The kernel is the truth (an operator may have flushed what our
	 * shortcut map still holds); a covering prefix of ours would have
	 * kept the packet off the hub, so only the exact entry counts. */
	if (find_pending(dev, &dst) || !kernel_entry_get(dev, &dst, &e)) {
		dev->stats.rx_dropped++;
		return;
	}
	if (!dev->indication_rl.key)
		ratelimit_init(&dev->indication_rl, 10, 20, 10, 20);
	if (!ratelimit_allow(&dev->indication_rl, from.s_addr, loop_now())) {
		dev->stats.rx_dropped++;
		return;
	}
	resolve_request(dev, &dst);
}

struct purge_ctx {
	struct in_addr nbma;
	unsigned int removed;
};

static void purge_by_nbma(struct amap_node *n, void *arg)
{
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	struct purge_ctx *pc = arg;

	if (s->negative || s->nbma.s_addr != pc->nbma.s_addr)
		return;
	shortcut_drop(s);
	pc->removed++;
}

/*
 * A purge names a binding that no longer holds: the shortcut for its
 * address and every other one (a Phase 3 prefix) that leads to the NBMA
 * address the binding had.
 */
void resolve_rx_purge(struct dev *dev, struct in_addr from,
		      struct nhrp_msg *m)
{
	/*
	 * Who may take a shortcut away (issue 14: purges were taken from
	 * anyone): our NHS, which vouched for it, or the station it leads
	 * to, which knows its own binding.  A stranger gets no answer.
	 */
	bool nhs = from_nhs(dev, from), vouched = nhs;

	for (unsigned int i = 0; i < m->cies.count; i++) {
		const struct nhrp_cie *c = &m->cies.cie[i];
		struct purge_ctx pc = { 0 };
		struct dmvpn_prefix p;
		struct shortcut *s;
		char a[INET6_ADDRSTRLEN];

		proto_from_addr(&p, &c->proto);
		if (!p.family)
			continue;
		if (c->prefix_len && c->prefix_len < p.len)
			amap_key(&p, &p, c->prefix_len);
		s = find_shortcut(dev, &p);
		if (s && (nhs || s->nbma.s_addr == from.s_addr)) {
			shortcut_drop(s);
			pc.removed++;
			vouched = true;
		}
		if (nbma_from_addr(&pc.nbma, &c->nbma) &&
		    (nhs || pc.nbma.s_addr == from.s_addr)) {
			amap_each(&dev->shortcuts, purge_by_nbma, &pc);
			vouched = true;
		}
		if (pc.removed) {
			ctl_event(dev, AGENT_EV_PURGE_RECEIVED, NULL, &from,
				  &p, NULL);
			log_info("%s: purged %s: %u shortcuts removed",
				 dev->name, addr_str(&p, a, sizeof(a)),
				 pc.removed);
		}
	}
	if (!vouched) {
		dev->stats.rx_not_vouched++;
		return;
	}
	if (m->flags & NHRP_FLAG_PURGE_N)
		return;
	m->type = NHRP_PURGE_REPLY;
	m->hop_count = DMVPND_HOP_COUNT;
	msg_add_auth(dev, m);
	packet_send(dev, from, m);
}

struct nbma_use {
	struct in_addr nbma;
	bool used;
};

static void find_nbma_use(struct amap_node *n, void *arg)
{
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	struct nbma_use *u = arg;

	if (!s->negative && s->nbma.s_addr == u->nbma.s_addr)
		u->used = true;
}

/* The last shortcut to a peer went, its NHS moved or its static map
 * went: so does its SA, unless an NHS, a map or a shortcut is there
 * still. */
void resolve_release_if_unused(struct dev *dev, struct in_addr nbma)
{
	struct nbma_use u = { .nbma = nbma };

	if (!ipsec_enabled(dev) || nhc_uses_nbma(dev, nbma))
		return;
	for (unsigned int i = 0; i < dev->cfg.map_count; i++)
		if (dev->cfg.maps[i].nbma.s_addr == nbma.s_addr)
			return;
	amap_each(&dev->shortcuts, find_nbma_use, &u);
	if (!u.used)
		ipsec_release(dev, nbma);
}

void resolve_expired(struct dev *dev, const struct dmvpn_entry *e)
{
	struct shortcut *s = find_shortcut(dev, &e->prefix);
	char a[INET6_ADDRSTRLEN];

	if (!s)
		return;
	if (!s->negative)
		log_info("%s: shortcut %s expired", dev->name,
			 addr_str(&e->prefix, a, sizeof(a)));
	shortcut_forget(s);
}

struct ipsec_down {
	struct dev *dev;
	struct in_addr nbma;
};

static void drop_via(struct amap_node *n, void *arg)
{
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	struct ipsec_down *d = arg;
	char a[INET6_ADDRSTRLEN];

	if (s->negative || s->nbma.s_addr != d->nbma.s_addr)
		return;
	log_info("%s: shortcut %s withdrawn: its SA is down", d->dev->name,
		 addr_str(&s->node.key, a, sizeof(a)));
	kernel_entry_del(d->dev, &s->node.key);
	ctl_event(d->dev, AGENT_EV_SHORTCUT_REMOVED, &s->via, &s->nbma,
		  &s->node.key, "ipsec-down");
	shortcut_free(s);
}

void resolve_ipsec_down(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_down d = { .dev = dev, .nbma = nbma };

	amap_each(&dev->shortcuts, drop_via, &d);
	/*
	 * Nothing of ours leads there any more, unless it is an NHS: let the
	 * SA go rather than initiate again.  The peer may have terminated it
	 * because its own last shortcut to us expired first; bringing it back
	 * would keep an SA nobody uses up for good.  Traffic that still wants
	 * the peer takes the hub, which redirects it, and a new resolution
	 * brings the SA up again.
	 */
	resolve_release_if_unused(dev, nbma);
}

/* A restarted spoke takes over the shortcuts the kernel still holds. */
void resolve_adopt(struct dev *dev, const struct dmvpn_entry *e)
{
	struct shortcut *s;

	if ((e->type != DMVPN_ENTRY_SHORTCUT &&
	     e->type != DMVPN_ENTRY_NEGATIVE) || !e->holdtime)
		return;
	s = shortcut_get(dev, &e->prefix);
	if (!s)
		return;
	s->negative = e->type == DMVPN_ENTRY_NEGATIVE;
	s->nbma = e->nbma;
	s->holdtime = (uint16_t)e->holdtime;
	s->refreshed = loop_now();
	if (s->negative)
		arm_expiry_check(s, s->holdtime);
	else
		arm_refresh(s);
}

static void adopt_seen(struct dev *dev, const struct dmvpn_entry *e,
		       void *arg)
{
	struct shortcut *s = find_shortcut(dev, &e->prefix);

	(void)arg;
	if (e->type != DMVPN_ENTRY_SHORTCUT && e->type != DMVPN_ENTRY_NEGATIVE)
		return;
	if (s) {
		s->seen = dev->resync_gen;
		return;
	}
	resolve_adopt(dev, e);
	s = find_shortcut(dev, &e->prefix);
	if (s)
		s->seen = dev->resync_gen;
}

static void drop_unseen(struct amap_node *n, void *arg)
{
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	char a[INET6_ADDRSTRLEN];

	(void)arg;
	if (s->seen == s->dev->resync_gen)
		return;
	if (!s->negative)
		log_info("%s: shortcut %s expired (the kernel's word of it "
			 "was lost)", s->dev->name,
			 addr_str(&s->node.key, a, sizeof(a)));
	shortcut_forget(s);
}

/* After lost kernel events: forget what the kernel no longer holds. */
int resolve_resync(struct dev *dev)
{
	int ret;

	dev->resync_gen++;
	ret = kernel_entry_dump(dev, adopt_seen, NULL);
	if (ret)
		return ret;
	amap_each(&dev->shortcuts, drop_unseen, NULL);
	return 0;
}

static void free_shortcut(struct amap_node *n, void *arg)
{
	(void)arg;
	shortcut_free(amap_entry(n, struct shortcut, node));
}

static void free_pending(struct amap_node *n, void *arg)
{
	(void)arg;
	pending_free(amap_entry(n, struct pending, node));
}

void resolve_start(struct dev *dev)
{
	(void)dev;
}

void resolve_stop(struct dev *dev)
{
	amap_each(&dev->shortcuts, free_shortcut, NULL);
	amap_each(&dev->pending, free_pending, NULL);
	amap_free(&dev->shortcuts);
	amap_free(&dev->pending);
}

/* ---- the operator's purge and flush ---- */

int resolve_purge(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct shortcut *s = find_shortcut(dev, p);

	if (!s)
		return -1;
	shortcut_drop(s);
	return 0;
}

static void flush_one(struct amap_node *n, void *arg)
{
	struct shortcut *s = amap_entry(n, struct shortcut, node);

	shortcut_drop(s);
	(*(size_t *)arg)++;
}

size_t resolve_flush(struct dev *dev)
{
	size_t n = 0;

	amap_each(&dev->shortcuts, flush_one, &n);
	return n;
}

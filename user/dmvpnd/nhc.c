// SPDX-License-Identifier: GPL-2.0
/*
 * The spoke side of registration (RFC 2332 5.2.3): register with every
 * configured NHS, renew at a third of the holding time, back off while an
 * NHS does not answer, purge on a clean shutdown.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dmvpnd.h"

static const char *const state_names[] = {
	[NHS_RESOLVING] = "resolving",
	[NHS_REGISTERING] = "registering",
	[NHS_UP] = "up",
	[NHS_DOWN] = "down",
};

const char *nhs_state_name(enum nhs_state s)
{
	return state_names[s];
}

static void nhc_reelect(struct dev *dev);

static void set_state(struct nhs *n, enum nhs_state s)
{
	char a[INET_ADDRSTRLEN];

	if (n->state == s)
		return;
	log_info("%s: NHS %s %s -> %s", n->dev->name,
		 nbma_str(n->nbma, a, sizeof(a)), state_names[n->state],
		 state_names[s]);
	n->state = s;
	n->state_since = loop_now();
	if (s == NHS_UP)
		ctl_event(n->dev, AGENT_EV_NHS_UP, &n->proto, &n->nbma, NULL,
			  NULL);
	else if (s == NHS_DOWN)
		/* A request still in flight went unanswered; else the NHS
		 * answered no (nhc_rx_reply). */
		ctl_event(n->dev, AGENT_EV_NHS_DOWN, &n->proto, &n->nbma, NULL,
			  n->request_id ? "no-reply" :
			  nhrp_cie_code_name(n->last_code));
	/* Unanswered through an SA: the NHS may have lost it (a reboot),
	 * and only a fresh one reaches it again (issue 16). */
	if (s == NHS_DOWN && n->request_id)
		ipsec_reset(n->dev, n->nbma);
	nhc_reelect(n->dev);
}

/*
 * An NBMA given by name is looked up each time it is needed, so that a hub
 * behind dynamic DNS is found again after its address changes.  The look-up
 * runs in a thread of its own: getaddrinfo() against a dead resolver blocks
 * for timeout x attempts x servers (10 s and more), and on the loop that
 * stalled every device, the control socket and the kernel's events (issue
 * 14).  The thread hands its result back through a pipe; the loop owns
 * everything else.  An NHS that goes away meanwhile (reload, stop) leaves
 * its look-up orphaned, and the loop frees it when it comes back.
 */
struct lookup {
	struct nhs *nhs;		/* NULL once orphaned; loop only */
	char name[CFG_NAME_MAX];	/* the thread's input */
	int gai;			/* the thread's outputs */
	struct in_addr addr;
};

static int lookup_pipe[2] = { -1, -1 };
static struct loop_fd lookup_done;

static void *lookup_thread(void *arg)
{
	struct addrinfo hints = { .ai_family = AF_INET };
	struct lookup *l = arg;
	struct addrinfo *res;

	l->gai = getaddrinfo(l->name, NULL, &hints, &res);
	if (!l->gai) {
		l->addr = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
		freeaddrinfo(res);
	}
	/* A pointer is less than PIPE_BUF: the write is atomic, and with
	 * nothing read yet the pipe holds 8192 of them. */
	if (write(lookup_pipe[1], &l, sizeof(l)) != sizeof(l))
		abort();
	return NULL;
}

static void lookup_finished(struct lookup *l);

static void on_lookup_done(struct loop_fd *lfd, uint32_t revents)
{
	struct lookup *l;

	(void)revents;
	while (read(lfd->fd, &l, sizeof(l)) == sizeof(l)) {
		if (l->nhs)
			lookup_finished(l);
		free(l);
	}
}

static int lookup_init(void)
{
	if (lookup_pipe[0] >= 0)
		return 0;
	if (pipe(lookup_pipe))
		return -1;
	/* The thread's end blocks: a result is never dropped. */
	if (fcntl(lookup_pipe[0], F_SETFL, O_NONBLOCK) ||
	    fcntl(lookup_pipe[0], F_SETFD, FD_CLOEXEC) ||
	    fcntl(lookup_pipe[1], F_SETFD, FD_CLOEXEC)) {
		close(lookup_pipe[0]);
		close(lookup_pipe[1]);
		lookup_pipe[0] = lookup_pipe[1] = -1;
		return -1;
	}
	lookup_done.fd = lookup_pipe[0];
	lookup_done.fn = on_lookup_done;
	return loop_add_fd(&lookup_done);
}

/* Start looking @n's name up, unless a look-up is under way already. */
static void lookup_start(struct nhs *n)
{
	struct lookup *l;
	pthread_attr_t attr;
	pthread_t tid;
	int ret;

	if (n->lookup)
		return;
	if (lookup_init()) {
		log_err("%s: NHS %s: %s", n->dev->name, n->cfg->nbma_name,
			strerror(errno));
		return;
	}
	l = calloc(1, sizeof(*l));
	if (!l)
		return;
	l->nhs = n;
	snprintf(l->name, sizeof(l->name), "%s", n->cfg->nbma_name);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	ret = pthread_create(&tid, &attr, lookup_thread, l);
	pthread_attr_destroy(&attr);
	if (ret) {
		log_err("%s: NHS %s: no thread to look it up: %s",
			n->dev->name, n->cfg->nbma_name, strerror(ret));
		free(l);
		return;
	}
	n->lookup = l;
}

/* An address given as such needs no look-up. */
static bool nbma_literal(struct nhs *n)
{
	return inet_pton(AF_INET, n->cfg->nbma_name, &n->nbma) == 1;
}

/*
 * The hub the kernel sends misses to: the first NHS (by priority) that is
 * up, else the first one we know an address for.  The kernel keeps one NHS
 * peer and elects another only when that peer's NHS entries go, so the
 * other hubs' entries are static ones: they still carry traffic to those
 * hubs' own tunnel addresses.
 */
static struct in_addr elected_nbma(struct dev *dev)
{
	struct in_addr fallback = { 0 };

	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++) {
		const struct nhs *n = &dev->nhs[i];

		if (n->state == NHS_UP)
			return n->nbma;
		if (!fallback.s_addr && n->state != NHS_RESOLVING)
			fallback = n->nbma;
	}
	return fallback;
}

static void install_nhs_entry(struct nhs *n)
{
	bool elected = elected_nbma(n->dev).s_addr == n->nbma.s_addr;
	struct dmvpn_entry e = {
		.prefix = n->proto,
		.nbma = n->nbma,
		.type = elected ? DMVPN_ENTRY_NHS : DMVPN_ENTRY_STATIC,
		.flags = n->cfg->multicast ? DMVPN_ENTRY_F_MULTICAST : 0,
	};

	if (!n->proto.family || !n->nbma.s_addr)
		return;
	kernel_entry_set(n->dev, &e, FIELD_PREFIX | FIELD_NBMA | FIELD_TYPE |
			 FIELD_FLAGS | FIELD_HOLDTIME);
}

/* Make the kernel's NHS entries follow the election after a change.  The
 * new hub's entries become NHS entries before the old hub's stop being
 * ones, so that misses always have somewhere to go. */
static void nhc_reelect(struct dev *dev)
{
	struct in_addr chosen = elected_nbma(dev);

	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].nbma.s_addr == chosen.s_addr)
			install_nhs_entry(&dev->nhs[i]);
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].nbma.s_addr != chosen.s_addr)
			install_nhs_entry(&dev->nhs[i]);
}

/*
 * How long an unanswered request waits before the next one: fixed and
 * short (registration-retry), also for an NHS we called down, so that a
 * hub that comes back is registered with within that time instead of
 * after a back-off of up to a minute (issue 16).  A dead NHS costs one
 * small packet per interval per spoke.
 */
static uint64_t retry_delay(const struct nhs *n)
{
	return (uint64_t)n->dev->cfg.registration_retry * 1000;
}

/*
 * When to register again with an NHS that answered: every
 * registration-timeout seconds, IOS's "ip nhrp registration timeout", as
 * each registration doubles as the probe that finds a dead NHS; never
 * later than a third of the holding time @granted (RFC 2332 5.2.3).
 */
static uint64_t renew_delay(const struct nhs *n, uint64_t granted)
{
	uint64_t ms = (uint64_t)n->dev->cfg.registration_timeout * 1000;

	if (ms > granted * 1000 / 3)
		ms = granted * 1000 / 3;
	return ms ? ms : 1;
}

static void fill_own_cie(struct dev *dev, struct nhrp_cie *c,
			 struct in_addr nbma, bool unique, uint8_t family)
{
	const struct dmvpn_prefix *self = dev_proto(dev, family);

	memset(c, 0, sizeof(*c));
	/* RFC 2332 5.2.0.1: with the U bit the prefix length is 0xff. */
	c->prefix_len = unique ? 0xff : (uint8_t)dmvpn_family_bits(family);
	c->holding_time = (uint16_t)dev->cfg.holdtime;
	addr_from_nbma(&c->nbma, nbma);
	addr_from_proto(&c->proto, self);
}

/* The family an NHS serves: its address's, IPv4 while it is not known. */
static uint8_t nhs_family(const struct nhs *n)
{
	return n->proto.family ? n->proto.family : AF_INET;
}

/*
 * The Cisco NAT extension of a registration request carries the NHS's
 * record (its NBMA and protocol address, zeros while the latter is not
 * known), as IOS and nhrpd send it: the NHS adds our outside address as a
 * second record when it sees us elsewhere than we claim.  An empty
 * extension (issue 14) gave such an NHS nothing to go by.
 */
static void add_nhs_nat_record(struct nhs *n, struct nhrp_msg *m)
{
	/* The message's family, so that the record's lengths fit it. */
	uint8_t family = msg_family(m);
	struct nhrp_cie *c = &m->nat_address.cie[0];

	memset(c, 0, sizeof(*c));
	c->prefix_len = (uint8_t)dmvpn_family_bits(family);
	addr_from_nbma(&c->nbma, n->nbma);
	if (n->proto.family == family) {
		addr_from_proto(&c->proto, &n->proto);
	} else {
		c->proto.len = (uint8_t)dmvpn_family_bytes(family);
		memset(c->proto.bytes, 0, c->proto.len);
	}
	m->nat_address.count = 1;
}

static void send_registration(struct nhs *n)
{
	struct dev *dev = n->dev;
	bool unique = dev->cfg.unique;
	struct in_addr src = our_nbma(dev, n->nbma);
	struct nhrp_msg m;

	/* NHRP rides the GRE that the SA protects: nothing before it is
	 * up (nhc_ipsec_up() sends as soon as it is). */
	if (!ipsec_ready(dev, n->nbma))
		return;
	msg_start(dev, &m, NHRP_REGISTRATION_REQUEST, src,
		  n->proto.family ? &n->proto : dev_proto(dev, AF_INET));
	m.flags = (unique ? NHRP_FLAG_REG_U : 0) | NHRP_FLAG_NAT;
	m.request_id = n->request_id = next_request_id();
	m.cies.count = 1;
	fill_own_cie(dev, &m.cies.cie[0], src, unique, nhs_family(n));
	m.ext_present |= NHRP_HAS_RESPONDER | NHRP_HAS_FORWARD_TRANSIT |
			 NHRP_HAS_REVERSE_TRANSIT | NHRP_HAS_NAT_ADDRESS;
	add_nhs_nat_record(n, &m);
	msg_set_group(&m, dev->cfg.group);
	n->reg_nbma = src;
	n->attempts++;
	packet_send(dev, n->nbma, &m);
}

static void nhs_resolved(struct nhs *n)
{
	n->attempts = 0;
	install_nhs_entry(n);
	set_state(n, NHS_REGISTERING);
	send_registration(n);
	timer_arm(&n->timer, retry_delay(n));
}

static void lookup_finished(struct lookup *l)
{
	struct nhs *n = l->nhs;
	char a[INET_ADDRSTRLEN];

	n->lookup = NULL;
	if (l->gai) {
		log_warn("%s: NHS %s: %s", n->dev->name, n->cfg->nbma_name,
			 gai_strerror(l->gai));
		if (n->state == NHS_RESOLVING)
			timer_arm(&n->timer, DMVPND_LOOKUP_RETRY * 1000);
		return;
	}
	if (n->state == NHS_RESOLVING) {
		n->nbma = l->addr;
		nhs_resolved(n);
		return;
	}
	/* A dead NHS looked up again: its name may point elsewhere now;
	 * the next retry goes there. */
	if (n->nbma.s_addr != l->addr.s_addr) {
		struct in_addr old = n->nbma;

		log_info("%s: NHS %s is at %s now", n->dev->name,
			 n->cfg->nbma_name, nbma_str(l->addr, a, sizeof(a)));
		n->nbma = l->addr;
		install_nhs_entry(n);
		/* The SA to where it was goes, unless a shortcut uses it. */
		resolve_release_if_unused(n->dev, old);
	}
}

static void nhs_timer(struct timer *t)
{
	struct nhs *n = amap_entry(t, struct nhs, timer);

	if (n->state == NHS_RESOLVING) {
		/* The look-up's end moves on (lookup_finished). */
		if (!nbma_literal(n)) {
			lookup_start(n);
			return;
		}
		nhs_resolved(n);
		return;
	}
	/* DMVPND_REG_MISSES unanswered requests in a row: call the NHS down
	 * (the kernel keeps sending misses its way while no other NHS is up;
	 * nothing better is known).  The first was the periodic one, so a
	 * dead NHS is noticed within registration-timeout plus that many
	 * registration-retry intervals. */
	if (n->attempts >= DMVPND_REG_MISSES && n->state != NHS_DOWN)
		set_state(n, NHS_DOWN);
	/* A name may point elsewhere now; asked again now and then, not at
	 * every probe. */
	if (n->state == NHS_DOWN && !nbma_literal(n) &&
	    loop_now() - n->looked_up >= DMVPND_LOOKUP_RETRY * 1000) {
		n->looked_up = loop_now();
		lookup_start(n);
	}
	send_registration(n);
	timer_arm(&n->timer, retry_delay(n));
}

int nhc_start(struct dev *dev)
{
	dev->nhs = calloc(dev->cfg.nhs_count, sizeof(*dev->nhs));
	if (!dev->nhs)
		return -1;
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];

		n->dev = dev;
		n->cfg = &dev->cfg.nhs[i];
		n->state = NHS_RESOLVING;
		n->state_since = loop_now();
		if (!n->cfg->dynamic)
			memcpy(&n->proto, &n->cfg->proto, sizeof(n->proto));
		timer_init(&n->timer, nhs_timer);
		timer_arm(&n->timer, 0);
	}
	return 0;
}

static void send_purge(struct nhs *n)
{
	struct dev *dev = n->dev;
	struct nhrp_msg m;

	msg_start(dev, &m, NHRP_PURGE_REQUEST, n->reg_nbma, &n->proto);
	m.flags = NHRP_FLAG_PURGE_N;
	m.request_id = next_request_id();
	m.cies.count = 1;
	fill_own_cie(dev, &m.cies.cie[0], n->reg_nbma, false, nhs_family(n));
	packet_send(dev, n->nbma, &m);
	ctl_event(dev, AGENT_EV_PURGE_SENT, dev_proto(dev, nhs_family(n)),
		  &n->nbma, NULL, NULL);
}

void nhc_stop(struct dev *dev, bool purge)
{
	if (!dev->nhs)
		return;
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];

		timer_cancel(&n->timer);
		if (n->lookup)
			n->lookup->nhs = NULL;
		if (purge && n->state == NHS_UP && n->proto.family)
			send_purge(n);
	}
	free(dev->nhs);
	dev->nhs = NULL;
}

/*
 * The NHS a registration reply answers: the one whose request in flight
 * has that ID (0 is never one: it means none in flight) and that sent the
 * reply.  A reply from anywhere else, guessed ID or not, changes nothing
 * (issue 14: a forged NAK took the NHS down).
 */
static struct nhs *nhs_by_request(struct dev *dev, uint32_t id,
				  struct in_addr from)
{
	if (!id)
		return NULL;
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].request_id == id &&
		    dev->nhs[i].nbma.s_addr == from.s_addr &&
		    dev->nhs[i].state != NHS_RESOLVING)
			return &dev->nhs[i];
	return NULL;
}

/* The NAT extension of a reply: our address as the NHS saw it. */
static void learn_nat(struct nhs *n, const struct nhrp_msg *m)
{
	const struct dmvpn_prefix *self = dev_proto(n->dev, nhs_family(n));
	struct in_addr seen = { 0 };
	char a[INET_ADDRSTRLEN];
	struct nhrp_addr own;

	/* Our record: the one about our protocol address.  The reply
	 * repeats our request's records (the NHS's) in front of it. */
	if (self)
		addr_from_proto(&own, self);
	for (unsigned int i = 0; self && i < m->nat_address.count; i++) {
		const struct nhrp_cie *c = &m->nat_address.cie[i];

		if (c->proto.len == own.len &&
		    !memcmp(c->proto.bytes, own.bytes, own.len) &&
		    nbma_from_addr(&seen, &c->nbma))
			break;
		seen.s_addr = 0;
	}
	if (seen.s_addr == n->nat_nbma.s_addr)
		return;
	if (seen.s_addr && seen.s_addr != n->reg_nbma.s_addr)
		log_info("%s: behind NAT: the NHS sees us as %s", n->dev->name,
			 nbma_str(seen, a, sizeof(a)));
	n->nat_nbma = seen.s_addr != n->reg_nbma.s_addr ?
		seen : (struct in_addr){ 0 };
}

static void learn_dynamic_proto(struct nhs *n, const struct nhrp_msg *m)
{
	struct dmvpn_prefix p = { 0 };

	if (n->proto.family)
		return;
	if (m->responder.count)
		proto_from_addr(&p, &m->responder.cie[0].proto);
	if (!p.family)
		return;
	n->proto = p;
	install_nhs_entry(n);
}

void nhc_rx_reply(struct dev *dev, struct in_addr from,
		  const struct nhrp_msg *m)
{
	struct nhs *n = nhs_by_request(dev, m->request_id, from);
	char a[INET_ADDRSTRLEN];
	uint64_t hold = dev->cfg.holdtime;
	uint16_t code;

	if (!n || !m->cies.count) {
		dev->stats.rx_dropped++;
		return;
	}
	code = m->cies.cie[0].code;
	n->last_code = code;
	n->request_id = 0;
	if (code != NHRP_CODE_SUCCESS) {
		log_warn("%s: NHS %s refused the registration: %s", dev->name,
			 nbma_str(from, a, sizeof(a)), nhrp_cie_code_name(code));
		set_state(n, NHS_DOWN);
		/* Not at registration-retry's pace: it said no, and asking
		 * every second would not change its mind. */
		timer_arm(&n->timer, renew_delay(n, hold));
		return;
	}
	n->attempts = 0;
	learn_dynamic_proto(n, m);
	learn_nat(n, m);
	/* Put the NHS entry back if someone flushed the cache meanwhile:
	 * without it the kernel has nowhere to send a miss. */
	install_nhs_entry(n);
	set_state(n, NHS_UP);
	/* An NHS may grant less than we asked for (ours caps at its own
	 * holding time): renew within a third of what it granted. */
	if (m->cies.cie[0].holding_time && m->cies.cie[0].holding_time < hold)
		hold = m->cies.cie[0].holding_time;
	n->expires = loop_now() + (uint64_t)hold * 1000;
	timer_arm(&n->timer, renew_delay(n, hold));
}

/* Our underlay address moved (DHCP, PPPoE): tell every NHS at once. */
void nhc_nbma_changed(struct dev *dev)
{
	if (!dev->nhs)
		return;
	dev->stats.nbma_checks++;
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];
		struct in_addr now;

		if (n->state == NHS_RESOLVING)
			continue;
		now = our_nbma(dev, n->nbma);
		/* No address toward the NHS right now: wait for one. */
		if (!now.s_addr || now.s_addr == n->reg_nbma.s_addr)
			continue;
		n->attempts = 0;
		set_state(n, NHS_REGISTERING);
		send_registration(n);
		timer_arm(&n->timer, retry_delay(n));
	}
}

/* The NHS to send resolution requests through: the best one that is up. */
struct nhs *nhc_active(struct dev *dev, uint8_t family)
{
	struct nhs *fallback = NULL;

	if (!dev->nhs)
		return NULL;
	for (unsigned int i = 0; i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];

		if (nhs_family(n) != family)
			continue;
		if (n->state == NHS_UP)
			return n;
		if (!fallback && n->state != NHS_RESOLVING)
			fallback = n;
	}
	return fallback;
}

/* The SA to @nbma is installed: register with the NHSs there now. */
void nhc_ipsec_up(struct dev *dev, struct in_addr nbma)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];

		if (n->nbma.s_addr != nbma.s_addr || n->state == NHS_UP ||
		    n->state == NHS_RESOLVING)
			continue;
		send_registration(n);
		timer_arm(&n->timer, retry_delay(n));
	}
}

bool nhc_uses_nbma(struct dev *dev, struct in_addr nbma)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].nbma.s_addr == nbma.s_addr)
			return true;
	return false;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dmvpnd: the NHRP agent.  One process serves any number of dmvpn devices;
 * each has a configuration (config.h), an NHRP packet socket, and either
 * the hub role (an NHS: registrations, forwarding resolutions, traffic
 * indications) or the spoke role (an NHC: registering with its NHSs,
 * resolving shortcuts).  The kernel's cache is the forwarding state; the
 * agent keeps only what NHRP needs on top of it.
 */
#ifndef DMVPND_H
#define DMVPND_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>

#include "agentev.h"
#include "amap.h"
#include "config.h"
#include "entry.h"
#include "intake.h"
#include "loop.h"
#include "nhrp.h"
#include "ratelimit.h"
#include "routemsg.h"
#include "sbuf.h"

#define DMVPND_MTU		1500	/* largest NHRP packet we build */
#define DMVPND_HOP_COUNT	16
#define DMVPND_RESOLVE_RETRIES	3
#define DMVPND_RESOLVE_TIMEOUT	1000	/* ms before a resolution is resent */
#define DMVPND_NEGATIVE_HOLD	10	/* s a NAK keeps a destination away */
#define DMVPND_IKE_TIMEOUT	20000	/* ms charon may take to bring an SA up */
#define DMVPND_IKE_RETRY	3000	/* ms between resolutions meanwhile */
#define DMVPND_PENDING_MAX	128	/* resolutions in flight per device */
#define DMVPND_REG_MISSES	3	/* unanswered requests: NHS down */
#define DMVPND_LOOKUP_RETRY	5	/* s between look-ups of an NHS name */
/*
 * What one host may make a hub hold (issue 14): IOS, nhrpd and we send one
 * CIE per registration, so a few per packet is plenty; a NAT's outside
 * address stands for every spoke behind it, so a few dozen per NBMA
 * address.  Without such caps one host fills the kernel's max-entries and
 * every real spoke then gets "insufficient resources".
 */
#define DMVPND_REG_CIES_MAX	4	/* CIEs taken from one registration */
#define DMVPND_REGS_PER_NBMA	16	/* addresses one NBMA address holds */

enum nhs_state {
	NHS_RESOLVING,		/* NBMA name not resolved yet */
	NHS_REGISTERING,	/* request sent, no reply yet */
	NHS_UP,			/* registered */
	NHS_DOWN,		/* no reply after retries / refused */
};

struct dev;
struct lookup;
struct ipsec;

/* A spoke's view of one of its hubs. */
struct nhs {
	struct dev *dev;
	const struct cfg_nhs *cfg;
	struct in_addr nbma;
	struct dmvpn_prefix proto;	/* family 0 while not known */
	enum nhs_state state;
	uint32_t request_id;		/* of the registration in flight */
	unsigned int attempts;		/* unanswered since the last reply */
	uint64_t state_since;		/* loop_now() of the last change */
	uint64_t expires;		/* loop_now() our registration ends */
	uint16_t last_code;		/* CIE code of the last reply */
	struct in_addr reg_nbma;	/* the NBMA address we registered */
	struct in_addr nat_nbma;	/* our address as it sees us, if NATed */
	struct lookup *lookup;		/* of its NBMA name, while under way */
	uint64_t looked_up;		/* loop_now() of the last look-up */
	struct timer timer;
};

/* Who learnt a registered client's binding through us. */
struct resolver {
	struct in_addr nbma;
	uint32_t ipsec_mark;		/* of the SA its request came through */
	struct nhrp_addr proto;
};

#define REG_RESOLVERS	8	/* remembered per client, the latest ones */

/* A hub's record of one registered client (key: its protocol address). */
struct reg {
	struct amap_node node;
	struct dev *dev;
	struct in_addr nbma;		/* where its packets come from */
	/* The mark of its IPsec SA, when several peers share nbma (behind
	 * one NAT address): it and nbma name the peer. */
	uint32_t ipsec_mark, ipsec_mask;
	struct in_addr claimed_nbma;	/* what it says its address is */
	bool unique;
	uint16_t holdtime;
	uint64_t since;			/* loop_now() of first registration */
	uint64_t expires;		/* loop_now() */
	char group[CFG_NAME_MAX];
	uint32_t seen;			/* resync generation it was seen in */
	struct resolver resolvers[REG_RESOLVERS];
	unsigned int resolver_count;	/* total seen; slot = count % max */
};

/* A spoke's resolved (or refused) destination (key: the prefix). */
struct shortcut {
	struct amap_node node;
	struct dev *dev;
	bool negative;
	struct in_addr nbma;
	struct dmvpn_prefix via;	/* responder's protocol address */
	uint16_t holdtime;
	uint64_t since;
	uint64_t refreshed;		/* loop_now() of the last reply */
	uint32_t seen;			/* resync generation it was seen in */
	struct timer timer;		/* refresh or expiry check */
};

/* A resolution request we sent and wait on (key: the target address). */
struct pending {
	struct amap_node node;
	struct dev *dev;
	uint32_t request_id;
	unsigned int tries;
	uint64_t ike_until;	/* ms: asking on while IKE may take */
	bool held;		/* an answer waits for its SA: ask no more */
	struct timer timer;
};

/* Per message type, received and sent; errors by kind. */
struct nhrp_stats {
	uint64_t rx[NHRP_TRAFFIC_INDICATION + 1];
	uint64_t tx[NHRP_TRAFFIC_INDICATION + 1];
	uint64_t rx_malformed;
	uint64_t rx_auth_fail;
	uint64_t rx_dropped;		/* well formed but not for us */
	uint64_t reg_refused;		/* registration CIEs refused */
	uint64_t rx_not_vouched;	/* requests/indications from strangers */
	uint64_t errors_suppressed;	/* error indications rate-limited */
	uint64_t tx_errors;
	uint64_t kernel_errors;
	uint64_t miss_events;
	uint64_t redirect_events;
	uint64_t expired_events;
	uint64_t resyncs;		/* cache re-read after lost events */
	uint64_t dumps_interrupted;	/* torn dumps read again */
	uint64_t nbma_checks;		/* our NBMA address looked up again */
};

struct dev {
	struct dev *next;
	struct cfg cfg;
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	struct loop_fd pkt;		/* AF_PACKET, protocol 0x2001 */
	uint32_t pkt_mark;		/* its SO_MARK now */
	struct intake intake;		/* read, not yet handled */
	struct timer intake_timer;	/* handles the intake's next batch */
	struct in_addr local_nbma;	/* the device's "local", 0 = any */
	struct dmvpn_prefix proto;	/* our IPv4 tunnel address (/len) */
	struct dmvpn_prefix proto6;	/* our IPv6 tunnel address (/len) */

	struct nhs *nhs;		/* spoke: cfg.nhs_count of them */
	struct amap regs;		/* hub: struct reg */
	struct amap reg_nbmas;		/* hub: registrations per NBMA */
	struct amap shortcuts;		/* spoke: struct shortcut */
	struct amap pending;		/* spoke: struct pending */
	struct nhrp_stats stats;
	uint64_t started;
	struct ratelimit err_rl;	/* error indications, per source */
	struct ratelimit log_rl;	/* log lines about strangers */
	struct ratelimit indication_rl;	/* traffic indications acted on */
	uint32_t resync_gen;		/* of the last resync */
	struct ipsec *ipsec;		/* NULL without "ipsec profile" */
	/*
	 * The NHRP packet being handled: where it came from and the mark
	 * it came with (SO_RCVMARK: its IPsec SA's, set_mark_in = %same),
	 * and that SA's mark for our entries and answers (ipsec_rx_mark()).
	 */
	struct rx_ctx {
		bool active;
		struct in_addr from;
		uint32_t mark;
		uint32_t ipsec_mark, ipsec_mask;
	} rx;
};

/*
 * Our tunnel address in @family, as a host address, or NULL when the
 * device has none: IPv4 and IPv6 are registered and resolved separately,
 * each with the NHSs of its own family, as IOS does with "ip nhrp" and
 * "ipv6 nhrp".
 */
static inline const struct dmvpn_prefix *dev_proto(const struct dev *dev,
						   uint8_t family)
{
	const struct dmvpn_prefix *p = family == AF_INET6 ? &dev->proto6 :
				       family == AF_INET ? &dev->proto : NULL;

	return p && p->family ? p : NULL;
}

/* The protocol family a message is about, from its protocol type. */
static inline uint8_t msg_family(const struct nhrp_msg *m)
{
	return m->proto_type == 0x86dd ? AF_INET6 : AF_INET;
}

/* The family we speak when nothing else says: IPv4 if we have it. */
static inline uint8_t dev_family(const struct dev *dev)
{
	return dev->proto.family ? AF_INET : AF_INET6;
}

/*
 * Whether the NHRP packet being handled comes from @r's peer: its NBMA
 * address @from and, when several peers share that address, the mark of
 * @r's SA (no peer speaks for another through its own SA).
 */
static inline bool reg_sent(const struct dev *dev, const struct reg *r,
			    struct in_addr from)
{
	return r->nbma.s_addr == from.s_addr &&
	       (!dev->rx.active || dev->rx.from.s_addr != from.s_addr ||
		r->ipsec_mark == dev->rx.ipsec_mark);
}

/* ---- main.c ---- */
extern struct dev *devices;
struct dev *dev_by_ifindex(uint32_t ifindex);
uint32_t next_request_id(void);

/* ---- log.c ---- */
/*
 * Without @foreground the log is syslog, and errors and warnings go to
 * stderr as well until log_detached(), so that a failed start says why on
 * the terminal.  In the foreground, to stderr: with "<N>" priority
 * prefixes when stderr is systemd's journal stream.
 */
void log_open(bool foreground, int verbosity);
void log_detached(void);
void log_msg(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* log_msg() whatever the verbosity: for what the operator asked for. */
void log_msg_always(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define DEBUG_PEERS_MAX	16
/*
 * "debug nhrp [peer X] on|off": decoded NHRP packets in the log, of every
 * peer or only of the peers named (by NBMA or tunnel address).  -1 when
 * DEBUG_PEERS_MAX peers are watched already.
 */
int debug_nhrp_set(bool on, const struct dmvpn_prefix *peer);
void debug_nhrp_show(struct sbuf *out);
/* The same as an object: {"nhrp": bool, "peers": [address...]}. */
void debug_nhrp_json(struct json *j);
/* One decoded packet to or from @nbma, if debugging asks for it. */
void log_packet(const struct dev *dev, bool sent, struct in_addr nbma,
		const struct nhrp_msg *m);
#define log_err(...)	log_msg(3, __VA_ARGS__)
#define log_warn(...)	log_msg(4, __VA_ARGS__)
#define log_info(...)	log_msg(6, __VA_ARGS__)
#define log_debug(...)	log_msg(7, __VA_ARGS__)
const char *addr_str(const struct dmvpn_prefix *p, char *buf, size_t len);
const char *nbma_str(struct in_addr a, char *buf, size_t len);

/* ---- kernel.c: the dmvpn genl family ---- */
int kernel_open(void);
void kernel_close(void);
/* Open both sockets again, the family resolved again (a reloaded module
 * has another id, and no multicast member); the old ones stay on failure. */
int kernel_reopen(void);
/* Add or replace @e on @dev; @fields as in entry.h.  0 or -errno;
 * -EEXIST when a learnt @e would replace a static, NHS or local entry. */
int kernel_entry_set(struct dev *dev, const struct dmvpn_entry *e,
		     unsigned int fields);
int kernel_entry_del(struct dev *dev, const struct dmvpn_prefix *p);
typedef void (*kernel_entry_fn)(struct dev *dev, const struct dmvpn_entry *e,
				void *arg);
int kernel_entry_dump(struct dev *dev, kernel_entry_fn fn, void *arg);
/* The kernel's entry for exactly @p, 0 if found. */
int kernel_entry_get(struct dev *dev, const struct dmvpn_prefix *p,
		     struct dmvpn_entry *e);

/* ---- packet.c: NHRP over the device ---- */
int packet_open(struct dev *dev);
void packet_close(struct dev *dev);
/*
 * Build @msg and send it to @nbma; counts per type.  Through the IPsec SA
 * of mark @mark (SO_MARK: the kernel's peer of that address and mark);
 * packet_send() takes the mark of the packet being handled when @nbma
 * sent it, else that of our SA to @nbma (ipsec_out_mark()).
 */
int packet_send_mark(struct dev *dev, struct in_addr nbma, uint32_t mark,
		     struct nhrp_msg *msg);
int packet_send(struct dev *dev, struct in_addr nbma, struct nhrp_msg *msg);
/* nhrp_rx() with dev->rx set: @from sent it, through the SA of @mark. */
void packet_handle(struct dev *dev, struct in_addr from, uint32_t mark,
		   const uint8_t *buf, size_t len);

/* ---- route.c: what the host's routing says ---- */
int route_lookup(const struct dmvpn_prefix *dst, struct route_info *ri);
/* The first IPv4 address (with its length) on @ifindex. */
int route_dev_addr(uint32_t ifindex, int family, struct dmvpn_prefix *out);
/* The source address the host would use toward @dst. */
int route_src_for(struct in_addr dst, struct in_addr *src);
/* The device's "local" NBMA address (0.0.0.0 = any). */
int route_link_local(uint32_t ifindex, struct in_addr *local);
/* Whether the link reports hub hairpin traffic (link option "redirect"). */
int route_link_redirect(uint32_t ifindex, bool *redirect);
/* Whether @ifindex is of kind dmvpn (asked of rtnetlink, not the module). */
int route_link_is_dmvpn(uint32_t ifindex, bool *dmvpn);

/* ---- link.c: a device made from its configuration's "link" line ---- */
/*
 * Without "link" in @cfg, nothing.  Else creates @name with the link
 * options (loading the module), or sets them on the one there, gives it
 * the "address" lines and sets it up.  0, or -errno and why in @err.
 */
int link_ensure(const struct cfg *cfg, const char *name, struct errmsg *err);
/* Watch the host's links, addresses and routes: devices that go and come
 * back (agent_check_devices), our NBMA address moving (nhc_nbma_changed). */
int route_watch_addresses(void);

/* ---- nhrp glue (proto.c) ---- */
void nhrp_rx(struct dev *dev, struct in_addr from, const uint8_t *buf,
	     size_t len);
/* Our NBMA address toward @peer (the device's local, else the route's). */
struct in_addr our_nbma(struct dev *dev, struct in_addr peer);
void proto_from_addr(struct dmvpn_prefix *p, const struct nhrp_addr *a);
void addr_from_proto(struct nhrp_addr *a, const struct dmvpn_prefix *p);
void addr_from_nbma(struct nhrp_addr *a, struct in_addr nbma);
bool nbma_from_addr(struct in_addr *nbma, const struct nhrp_addr *a);
/* Fill the fixed and mandatory parts common to everything we originate. */
void msg_start(struct dev *dev, struct nhrp_msg *m, enum nhrp_type type,
	       struct in_addr src_nbma, const struct dmvpn_prefix *dst);
void msg_add_auth(struct dev *dev, struct nhrp_msg *m);
bool msg_auth_ok(struct dev *dev, const struct nhrp_msg *m);
void msg_group(const struct nhrp_msg *m, char *out, size_t size);
void msg_set_group(struct nhrp_msg *m, const char *group);
/* A log line about a packet from @from may be written (rate limit). */
bool log_allowed(struct dev *dev, struct in_addr from);
void send_error(struct dev *dev, struct in_addr to, const uint8_t *pkt,
		size_t len, uint16_t code, uint16_t offset);

/* ---- nhc.c: spoke registration ---- */
int nhc_start(struct dev *dev);
void nhc_stop(struct dev *dev, bool purge);
void nhc_rx_reply(struct dev *dev, struct in_addr from,
		  const struct nhrp_msg *m);
void nhc_nbma_changed(struct dev *dev);
struct nhs *nhc_active(struct dev *dev, uint8_t family);
void nhc_ipsec_up(struct dev *dev, struct in_addr nbma);
bool nhc_uses_nbma(struct dev *dev, struct in_addr nbma);
const char *nhs_state_name(enum nhs_state s);

/* ---- nhs.c: hub ---- */
int nhs_start(struct dev *dev);
void nhs_stop(struct dev *dev);
void nhs_rx_registration(struct dev *dev, struct in_addr from,
			 struct nhrp_msg *m);
void nhs_rx_purge(struct dev *dev, struct in_addr from, struct nhrp_msg *m);
/* Whether a client registered with us sends from @nbma. */
bool nhs_has_client_at(struct dev *dev, struct in_addr nbma);
void nhs_redirect_event(struct dev *dev, struct in_addr sender,
			uint32_t ipsec_mark, const uint8_t *pkt, size_t len);
void nhs_expired(struct dev *dev, const struct dmvpn_entry *e);
struct reg *nhs_find_reg(struct dev *dev, const struct dmvpn_prefix *p);
int nhs_purge(struct dev *dev, const struct dmvpn_prefix *p);
void nhs_note_resolver(struct reg *r, struct in_addr nbma,
		       const struct nhrp_addr *proto);
size_t nhs_flush(struct dev *dev);
int nhs_resync(struct dev *dev);

/* ---- resolve.c: resolution both ways, shortcuts ---- */
void resolve_start(struct dev *dev);
void resolve_stop(struct dev *dev);
void resolve_request(struct dev *dev, const struct dmvpn_prefix *target);
void resolve_rx_request(struct dev *dev, struct in_addr from,
			struct nhrp_msg *m, const uint8_t *raw, size_t len);
void resolve_rx_reply(struct dev *dev, struct in_addr from,
		      struct nhrp_msg *m, const uint8_t *raw, size_t len);
void resolve_rx_indication(struct dev *dev, struct in_addr from,
			   const struct nhrp_msg *m);
void resolve_rx_purge(struct dev *dev, struct in_addr from,
		      struct nhrp_msg *m);
void resolve_expired(struct dev *dev, const struct dmvpn_entry *e);
void resolve_adopt(struct dev *dev, const struct dmvpn_entry *e);
int resolve_purge(struct dev *dev, const struct dmvpn_prefix *p);
size_t resolve_flush(struct dev *dev);
int resolve_resync(struct dev *dev);
/* The SA to @nbma went away: its shortcuts go, traffic takes the hub. */
void resolve_ipsec_down(struct dev *dev, struct in_addr nbma);
/* Nothing of ours leads to @nbma any more: its SA goes. */
void resolve_release_if_unused(struct dev *dev, struct in_addr nbma);

/* ---- ipsec.c: SAs per peer through charon's VICI ---- */
/* swanctl.conf read again (reload): new copies are made from it. */
void ipsec_reload(struct dev *dev);
int ipsec_start(struct dev *dev);
void ipsec_stop(struct dev *dev);
bool ipsec_enabled(const struct dev *dev);
/* True when packets to @nbma may go: no IPsec, or its SA is installed.
 * Otherwise starts bringing the SA up (nhc_ipsec_up() says when). */
bool ipsec_ready(struct dev *dev, struct in_addr nbma);
/* The same without starting anything. */
bool ipsec_is_up(struct dev *dev, struct in_addr nbma);
/* Keep the NHRP packet @raw from @from and take it again (nhrp_rx) once
 * the SA to @nbma is up; @start: bring it up ourselves now, else only if
 * the peer has not within a few seconds.  The latest packet of each kind
 * is kept: a reply and a request (@request). */
int ipsec_hold(struct dev *dev, struct in_addr nbma, struct in_addr from,
	       const uint8_t *raw, size_t len, bool request, bool start);
/* A dmvpnd at @nbma sent us an NHRP packet straight, which it does only
 * once its SA to us is up: an SA we answered need not settle longer. */
void ipsec_heard(struct dev *dev, struct in_addr nbma);
/* "up", "connecting" or "down" for the SA to @nbma, with its SPIs (hex,
 * "" unless up) in @spi_in/@spi_out (12 bytes each); NULL without IPsec. */
const char *ipsec_peer_state(struct dev *dev, struct in_addr nbma,
			     char *spi_in, char *spi_out);
struct ipsec_stats {
	bool connected;			/* to charon */
	bool profile_ok;
	uint64_t initiations;		/* initiate requests sent */
	uint64_t failures;		/* ... that failed */
	uint64_t rekeys;		/* CHILD_SAs rekeyed */
	uint64_t ike_rekeys;		/* IKE_SAs rekeyed */
	uint64_t rekeys_asked;		/* rekeys of either we asked for */
	uint64_t rekeys_retried;	/* ... asked for again: charon refused
					 * or did not do them */
};
/* false without IPsec */
bool ipsec_summary(struct dev *dev, struct ipsec_stats *st);
/*
 * Two peers behind one NAT address have an SA each, told apart by its
 * mark (README, "Two spokes behind one NAT address").  ipsec_rx_mark():
 * the mark of the SA a packet with skb->mark @mark came through, which
 * its peer's entry and our answers take (0: none, or the profile gives
 * no marks), with its mask in @mask.  ipsec_out_mark(): the mark of our
 * SA to @nbma (0: none, or one we initiated).  ipsec_marks_ok(): the
 * profile gives each CHILD_SA a mark.
 */
uint32_t ipsec_rx_mark(const struct dev *dev, uint32_t mark, uint32_t *mask);
uint32_t ipsec_out_mark(struct dev *dev, struct in_addr nbma);
/* Whether an SA to @nbma of mark @mark is installed. */
bool ipsec_mark_up(struct dev *dev, struct in_addr nbma, uint32_t mark);
bool ipsec_marks_ok(const struct dev *dev);
/* The profile's mask of the marks (all ones without). */
uint32_t ipsec_mark_mask(const struct dev *dev);
/* Nothing needs @nbma any more: its SA goes. */
void ipsec_release(struct dev *dev, struct in_addr nbma);
/* The NHS at @nbma stopped answering through its SA: that SA goes and a
 * fresh one is initiated, whose IKE then finds the NHS when it is back. */
void ipsec_reset(struct dev *dev, struct in_addr nbma);

/* ---- ctl.c: the control socket ---- */
#define DMVPND_CTL_SOCKET	"@dmvpnd"
/* Its members may run the show commands without root. */
#define DMVPND_SHOW_GROUP	"dmvpn"
int ctl_open(const char *name);
void ctl_close(void);
/*
 * An agent event to the monitors (dmvpnctl monitor); each of @peer (a
 * tunnel address), @nbma, @prefix and @reason (one word) may be NULL.
 * Cheap when nobody is watching.  @dev NULL: the agent as a whole.
 */
void ctl_event(struct dev *dev, enum agent_event_kind kind,
	       const struct dmvpn_prefix *peer, const struct in_addr *nbma,
	       const struct dmvpn_prefix *prefix, const char *reason);
/* main.c, for the control socket */
int agent_purge(struct dev *dev, const struct dmvpn_prefix *p);
size_t agent_flush(struct dev *dev);
int agent_reload(bool dry_run, struct sbuf *notes, struct errmsg *err);
/* Bring the agent's state in line with the kernel's cache (a dump). */
void agent_resync(struct dev *dev);
/* Drop the devices that are gone, adopt the ones that (re)appeared. */
void agent_check_devices(void);

#endif

// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: dmvpnctl asks, dmvpnd answers and hangs up.
 *
 * An abstract unix socket, "@dmvpnd" unless -s names another, so that each
 * network namespace has its own (an agent serves the devices of its
 * namespace) and nothing is left in the file system.  Abstract sockets have
 * no permissions, so the peer's credentials are checked instead: root, as
 * everything here changes or reveals the VPN's state; and, for the show
 * commands only, members of the group DMVPND_SHOW_GROUP ("dmvpn"), for
 * monitoring without root.
 *
 * Request: one line, "<flags> <word>...\n", flags "j" (JSON) and "p"
 * (pretty) or "-".  Reply: "ok\n" and the output, or "error <text>\n";
 * then the agent closes the connection, except after "monitor": the
 * connection then carries the agent's events (lib/agentev.h) until the
 * client hangs up.  dmvpnctl checks the other way
 * round that the socket's owner is root, so that a local user who bound
 * the name first receives nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "agentev.h"
#include "ctlcmd.h"
#include "dmvpnd.h"
#include "format.h"
#include "json.h"
#include "parse.h"
#include "sbuf.h"

#define CTL_REQUEST_MAX	1024
#define CTL_MAX_WORDS	16

static struct loop_fd listener = { .fd = -1 };

struct request {
	bool json;
	bool pretty;
	bool show_only;		/* a member of the show group, not root */
	int argc;
	char *argv[CTL_MAX_WORDS];
	struct ctl_cmd cmd;
};

struct reply {
	struct sbuf out;
	struct json j;
	char error[256];
};

static void fail(struct reply *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fail(struct reply *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->error, sizeof(r->error), fmt, ap);
	va_end(ap);
}

static uint64_t secs_since(uint64_t then)
{
	return (loop_now() - then) / 1000;
}

static uint64_t secs_until(uint64_t when)
{
	uint64_t now = loop_now();

	return when > now ? (when - now + 999) / 1000 : 0;
}

static void duration(char *buf, size_t len, uint64_t secs)
{
	struct sbuf sb = SBUF_INIT;

	format_duration(&sb, secs);
	snprintf(buf, len, "%s", sbuf_str(&sb));
	sbuf_free(&sb);
}

static const char *role_name(const struct dev *dev)
{
	return dev->cfg.role == CFG_ROLE_HUB ? "hub" : "spoke";
}

/* ---- show dmvpn: one line a peer, as an engineer scans it ---- */

struct peer_row {
	const char *type;
	struct in_addr nbma;
	const struct dmvpn_prefix *tunnel;	/* NULL: not known */
	const struct dmvpn_prefix *network;	/* a shortcut's or map's prefix */
	const char *state;
	uint64_t up_secs;
	bool has_expires;
	uint64_t expires;
	bool unique;
	bool nat;
	bool is_static;
	const char *group;
	struct dev *dev;		/* for its IPsec state; NULL: none */
	/* show dmvpn detail */
	const struct reg *reg;
	const struct shortcut *shortcut;
	const struct nhs *nhs;
};

static const char *const peer_headers[] = {
	"TYPE", "PEER NBMA", "PEER TUNNEL", "STATE", "UPTIME", "EXPIRES",
	"NETWORK", "ATTR", "IPSEC",
};

static void peer_detail_json(struct reply *r, const struct peer_row *p)
{
	char a[64];

	if (p->reg) {
		json_string(&r->j, "claimed_nbma",
			    nbma_str(p->reg->claimed_nbma, a, sizeof(a)));
		json_u64(&r->j, "holdtime_secs", p->reg->holdtime);
		json_open_array(&r->j, "resolvers");
		for (unsigned int i = 0; i < p->reg->resolver_count &&
		     i < REG_RESOLVERS; i++)
			json_string(&r->j, NULL, nbma_str(
				    p->reg->resolvers[i].nbma, a, sizeof(a)));
		json_close_array(&r->j);
	} else if (p->shortcut) {
		json_string(&r->j, "via", p->shortcut->via.family ?
			    addr_str(&p->shortcut->via, a, sizeof(a)) : NULL);
		json_u64(&r->j, "holdtime_secs", p->shortcut->holdtime);
	} else if (p->nhs) {
		json_string(&r->j, "name", p->nhs->cfg->nbma_name);
		json_u64(&r->j, "priority", p->nhs->cfg->priority);
		json_string(&r->j, "last_code",
			    nhrp_cie_code_name(p->nhs->last_code));
		json_u64(&r->j, "attempts", p->nhs->attempts);
	}
}

/* IOS's "show dmvpn detail" prints a block a peer: so do we. */
static void peer_detail_text(struct reply *r, const struct peer_row *p,
			     const char *nbma, const char *tun, const char *net)
{
	char a[64], b[64];

	sbuf_printf(&r->out, "  %s %s at %s%s%s, %s\n", p->type, tun, nbma,
		    p->network ? " for " : "", p->network ? net : "",
		    p->state);
	if (p->reg) {
		const struct reg *g = p->reg;

		sbuf_printf(&r->out, "    claims NBMA %s%s, holdtime %us, "
			    "unique %s, group %s\n",
			    nbma_str(g->claimed_nbma, a, sizeof(a)),
			    p->nat ? " (behind NAT)" : "", g->holdtime,
			    g->unique ? "yes" : "no",
			    g->group[0] ? g->group : "-");
		for (unsigned int i = 0; i < g->resolver_count &&
		     i < REG_RESOLVERS; i++) {
			struct dmvpn_prefix pr;

			proto_from_addr(&pr, &g->resolvers[i].proto);
			sbuf_printf(&r->out, "    resolved by %s at %s\n",
				    pr.family ? addr_str(&pr, b, sizeof(b)) :
				    "-", nbma_str(g->resolvers[i].nbma, a,
						  sizeof(a)));
		}
	} else if (p->shortcut) {
		sbuf_printf(&r->out, "    via %s, holdtime %us\n",
			    p->shortcut->via.family ?
			    addr_str(&p->shortcut->via, a, sizeof(a)) : "-",
			    p->shortcut->holdtime);
	} else if (p->nhs) {
		sbuf_printf(&r->out, "    nbma %s, priority %u, last reply "
			    "%s, %u unanswered\n", p->nhs->cfg->nbma_name,
			    p->nhs->cfg->priority,
			    nhrp_cie_code_name(p->nhs->last_code),
			    p->nhs->attempts);
		if (p->nat)
			sbuf_printf(&r->out, "    it sees us as %s (NAT)\n",
				    nbma_str(p->nhs->nat_nbma, a, sizeof(a)));
	}
}

static void peer_emit(struct reply *r, struct table *t,
		      const struct peer_row *p, bool detail)
{
	char nbma[INET_ADDRSTRLEN], tun[64] = "-", net[64] = "-", up[32];
	char exp[32], attr[96];
	char spi_in[12] = "", spi_out[12] = "", ipsec[48];
	const char *sa = p->dev ? ipsec_peer_state(p->dev, p->nbma, spi_in,
						   spi_out) : NULL;

	nbma_str(p->nbma, nbma, sizeof(nbma));
	if (p->tunnel && p->tunnel->family)
		addr_str(p->tunnel, tun, sizeof(tun));
	if (p->network)
		addr_str(p->network, net, sizeof(net));
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "type", p->type);
		json_string(&r->j, "nbma", nbma);
		json_string(&r->j, "tunnel", p->tunnel && p->tunnel->family ?
			    tun : NULL);
		json_string(&r->j, "state", p->state);
		json_u64(&r->j, "uptime_secs", p->up_secs);
		if (p->has_expires)
			json_u64(&r->j, "expires_secs", p->expires);
		else
			json_null(&r->j, "expires_secs");
		json_bool(&r->j, "unique", p->unique);
		json_bool(&r->j, "nat", p->nat);
		json_bool(&r->j, "static", p->is_static);
		json_string(&r->j, "group", p->group && p->group[0] ?
			    p->group : NULL);
		if (p->network)
			json_prefix(&r->j, "network", p->network);
		else
			json_null(&r->j, "network");
		if (sa) {
			json_open_object(&r->j, "ipsec");
			json_string(&r->j, "state", sa);
			json_string(&r->j, "spi_in", spi_in[0] ? spi_in : NULL);
			json_string(&r->j, "spi_out",
				    spi_out[0] ? spi_out : NULL);
			json_close_object(&r->j);
		} else {
			json_null(&r->j, "ipsec");
		}
		if (detail)
			peer_detail_json(r, p);
		json_close_object(&r->j);
		return;
	}
	if (detail) {
		peer_detail_text(r, p, nbma, tun, net);
		if (sa)
			sbuf_printf(&r->out, "    IPsec %s%s%s%s%s\n", sa,
				    spi_in[0] ? ", SPI in " : "", spi_in,
				    spi_in[0] ? " out " : "", spi_out);
		return;
	}
	duration(up, sizeof(up), p->up_secs);
	if (p->has_expires)
		duration(exp, sizeof(exp), p->expires);
	else
		snprintf(exp, sizeof(exp), "never");
	snprintf(attr, sizeof(attr), "%s%s%s%s%s", p->is_static ? "S" : "",
		 p->unique ? "U" : "", p->nat ? "N" : "",
		 p->group && p->group[0] ? " " : "", p->group ? p->group : "");
	if (!attr[0])
		snprintf(attr, sizeof(attr), "-");
	/* The SA's state, and its SPIs (in/out) while it is up. */
	snprintf(ipsec, sizeof(ipsec), "%s%s%s%s%s", sa ? sa : "",
		 spi_in[0] ? " " : "", spi_in, spi_in[0] ? "/" : "", spi_out);
	table_add_row(t, (const char *const[]){ p->type, nbma, tun, p->state,
						up, exp, net, attr, ipsec });
}

struct show_ctx {
	struct reply *r;
	struct table *t;
	bool detail;
};

static void show_reg(struct amap_node *n, void *arg)
{
	struct show_ctx *c = arg;
	struct reg *g = amap_entry(n, struct reg, node);
	struct peer_row p = {
		.type = "dynamic", .nbma = g->nbma, .tunnel = &g->node.key,
		.state = "up", .up_secs = secs_since(g->since),
		.has_expires = true, .expires = secs_until(g->expires),
		.unique = g->unique,
		.nat = g->nbma.s_addr != g->claimed_nbma.s_addr,
		.group = g->group, .reg = g, .dev = g->dev,
	};

	peer_emit(c->r, c->t, &p, c->detail);
}

static void show_shortcut(struct amap_node *n, void *arg)
{
	struct show_ctx *c = arg;
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	uint64_t left = s->refreshed + (uint64_t)s->holdtime * 1000;
	/* The responder's tunnel address, as IOS shows the peer; the
	 * shortcut's prefix has its own column. */
	struct peer_row p = {
		.type = s->negative ? "negative" : "shortcut", .nbma = s->nbma,
		.tunnel = &s->via, .network = &s->node.key,
		.state = s->negative ? "refused" : "up",
		.up_secs = secs_since(s->since), .has_expires = true,
		.expires = secs_until(left), .shortcut = s,
		.dev = s->negative ? NULL : s->dev,
	};

	peer_emit(c->r, c->t, &p, c->detail);
}

static void show_nhs_peers(struct reply *r, struct table *t, struct dev *dev,
			   bool detail)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];
		struct peer_row p = {
			.type = "nhs", .nbma = n->nbma, .tunnel = &n->proto,
			.state = nhs_state_name(n->state),
			.up_secs = secs_since(n->state_since),
			/* When our registration there runs out, as IOS shows
			 * it; none while we are not registered. */
			.has_expires = n->state == NHS_UP && n->expires,
			.expires = secs_until(n->expires),
			.nat = n->nat_nbma.s_addr != 0, .nhs = n,
			.dev = dev,
		};

		peer_emit(r, t, &p, detail);
	}
}

/* The configuration's maps: IOS lists its static entries in show dmvpn. */
static void show_static_peers(struct reply *r, struct table *t,
			      struct dev *dev, bool detail)
{
	for (unsigned int i = 0; i < dev->cfg.map_count; i++) {
		const struct cfg_map *m = &dev->cfg.maps[i];
		struct dmvpn_prefix pfx = {
			.family = m->proto.family, .len = m->proto.len,
		};
		struct peer_row p = {
			.type = "static", .nbma = m->nbma,
			.tunnel = pfx.len == dmvpn_family_bits(pfx.family) ?
				  &pfx : NULL,
			.network = &pfx, .state = "up",
			.up_secs = secs_since(dev->started), .is_static = true,
			.dev = dev,
		};

		memcpy(pfx.addr.bytes, m->proto.addr.bytes,
		       sizeof(pfx.addr.bytes));
		peer_emit(r, t, &p, detail);
	}
}

/* The device's IPsec: its profile, charon, and what IKE has done. */
static void show_ipsec_summary(struct reply *r, struct dev *dev)
{
	struct ipsec_stats st;

	if (!ipsec_summary(dev, &st)) {
		if (r->j.out)
			json_null(&r->j, "ipsec");
		return;
	}
	if (r->j.out) {
		json_open_object(&r->j, "ipsec");
		json_string(&r->j, "profile", dev->cfg.ipsec_profile);
		json_bool(&r->j, "charon", st.connected);
		json_bool(&r->j, "profile_ok", st.profile_ok);
		json_u64(&r->j, "initiations", st.initiations);
		json_u64(&r->j, "failures", st.failures);
		json_u64(&r->j, "rekeys", st.rekeys);
		json_u64(&r->j, "ike_rekeys", st.ike_rekeys);
		json_u64(&r->j, "rekeys_asked", st.rekeys_asked);
		json_u64(&r->j, "rekeys_retried", st.rekeys_retried);
		json_close_object(&r->j);
		return;
	}
	sbuf_printf(&r->out, "  IPsec profile %s, charon %s%s: %llu "
		    "initiations, %llu failed, %llu rekeys, %llu IKE rekeys, "
		    "%llu asked by dmvpnd (%llu again)\n",
		    dev->cfg.ipsec_profile,
		    st.connected ? "connected" : "unreachable",
		    st.connected && !st.profile_ok ? " (profile unusable)" : "",
		    (unsigned long long)st.initiations,
		    (unsigned long long)st.failures,
		    (unsigned long long)st.rekeys,
		    (unsigned long long)st.ike_rekeys,
		    (unsigned long long)st.rekeys_asked,
		    (unsigned long long)st.rekeys_retried);
}

static void show_dmvpn_dev(struct reply *r, struct dev *dev, bool detail)
{
	struct table t;
	struct show_ctx c = { .r = r, .t = &t, .detail = detail };
	char addr[64], addr6[64], local[INET_ADDRSTRLEN];
	size_t peers = dev->regs.count + dev->shortcuts.count +
		       (dev->nhs ? dev->cfg.nhs_count : 0) + dev->cfg.map_count;

	addr_str(&dev->proto, addr, sizeof(addr));
	addr_str(&dev->proto6, addr6, sizeof(addr6));
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "device", dev->name);
		json_string(&r->j, "role", role_name(dev));
		/* With its length, as ip addr writes it: addr_str() drops a
		 * full one, and the schema has one form. */
		if (dev->proto.family)
			json_prefix(&r->j, "address", &dev->proto);
		else
			json_null(&r->j, "address");
		if (dev->proto6.family)
			json_prefix(&r->j, "address6", &dev->proto6);
		else
			json_null(&r->j, "address6");
		json_u64(&r->j, "peer_count", peers);
		json_open_array(&r->j, "peers");
	} else {
		sbuf_printf(&r->out, "Interface %s, %s, tunnel address %s%s%s\n",
			    dev->name, role_name(dev), addr,
			    dev->proto6.family ? ", " : "",
			    dev->proto6.family ? addr6 : "");
		if (detail)
			sbuf_printf(&r->out, "  local NBMA %s, network-id %u, "
				    "holdtime %us, %s %s\n",
				    dev->local_nbma.s_addr ?
				    nbma_str(dev->local_nbma, local,
					     sizeof(local)) : "any",
				    dev->cfg.network_id, dev->cfg.holdtime,
				    dev->cfg.role == CFG_ROLE_HUB ?
				    "redirect" : "shortcut",
				    (dev->cfg.role == CFG_ROLE_HUB ?
				     dev->cfg.redirect : dev->cfg.shortcut) ?
				    "on" : "off");
		show_ipsec_summary(r, dev);
		sbuf_printf(&r->out, "  %zu peer%s%s\n", peers,
			    peers == 1 ? "" : "s", peers && !detail ?
			    "; ATTR: S static, U unique, N behind NAT, "
			    "then the NHRP group" : "");
		/* The IPSEC column only where there is IPsec. */
		table_init(&t, ipsec_enabled(dev) ? 9 : 8, peer_headers, NULL);
	}
	show_nhs_peers(r, &t, dev, detail);
	show_static_peers(r, &t, dev, detail);
	amap_each(&dev->regs, show_reg, &c);
	amap_each(&dev->shortcuts, show_shortcut, &c);
	if (r->j.out) {
		json_close_array(&r->j);
		show_ipsec_summary(r, dev);
		json_close_object(&r->j);
		return;
	}
	if (t.nrows)
		table_render(&t, &r->out);
	table_free(&t);
}

/* ---- show nhrp ... ---- */

static void show_cache_entry(struct dev *dev, const struct dmvpn_entry *e,
			     void *arg)
{
	struct show_ctx *c = arg;

	if (c->r->j.out)
		entry_to_json(&c->r->j, dev->name, e);
	else
		entry_table_add(c->t, dev->name, e);
}

static void show_cache(struct reply *r, struct dev *dev, struct table *t)
{
	struct show_ctx c = { .r = r, .t = t };

	if (kernel_entry_dump(dev, show_cache_entry, &c))
		fail(r, "%s: cannot read the kernel cache", dev->name);
}

static const char *const nhs_headers[] = {
	"DEVICE", "NHS NBMA", "NHS TUNNEL", "PRIORITY", "STATE", "SINCE",
	"LAST CODE", "SEEN AS",
};

static void show_nhs(struct reply *r, struct dev *dev, struct table *t)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];
		char nbma[INET_ADDRSTRLEN], tun[64], prio[16], since[32];
		char seen[INET_ADDRSTRLEN] = "-";

		nbma_str(n->nbma, nbma, sizeof(nbma));
		addr_str(&n->proto, tun, sizeof(tun));
		if (n->nat_nbma.s_addr)
			nbma_str(n->nat_nbma, seen, sizeof(seen));
		if (r->j.out) {
			json_open_object(&r->j, NULL);
			json_string(&r->j, "device", dev->name);
			json_string(&r->j, "nbma", nbma);
			json_string(&r->j, "name", n->cfg->nbma_name);
			json_string(&r->j, "tunnel", n->proto.family ? tun : NULL);
			json_u64(&r->j, "priority", n->cfg->priority);
			json_string(&r->j, "state", nhs_state_name(n->state));
			json_u64(&r->j, "since_secs",
				 secs_since(n->state_since));
			json_string(&r->j, "last_code",
				    nhrp_cie_code_name(n->last_code));
			json_string(&r->j, "nat_nbma",
				    n->nat_nbma.s_addr ? seen : NULL);
			json_close_object(&r->j);
			continue;
		}
		snprintf(prio, sizeof(prio), "%u", n->cfg->priority);
		duration(since, sizeof(since), secs_since(n->state_since));
		table_add_row(t, (const char *const[]){
			dev->name, nbma, tun, prio, nhs_state_name(n->state),
			since, nhrp_cie_code_name(n->last_code), seen });
	}
}

/* Per NHRP message type; JSON keys are snake_case, unlike the type's
 * name in the text table and the log ("registration-request"). */
static void json_type_counters(struct reply *r, const char *key,
			       const uint64_t *count)
{
	char name[32];

	json_open_object(&r->j, key);
	for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++) {
		char *c;

		snprintf(name, sizeof(name), "%s", nhrp_type_name(t));
		for (c = name; *c; c++)
			if (*c == '-')
				*c = '_';
		json_u64(&r->j, name, count[t]);
	}
	json_close_object(&r->j);
}

static void show_stats(struct reply *r, struct dev *dev)
{
	const struct nhrp_stats *s = &dev->stats;

	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "device", dev->name);
		json_type_counters(r, "rx", s->rx);
		json_type_counters(r, "tx", s->tx);
	} else {
		sbuf_printf(&r->out, "%s:\n  %-24s %12s %12s\n", dev->name,
			    "message", "received", "sent");
		for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++)
			sbuf_printf(&r->out, "  %-24s %12llu %12llu\n",
				    nhrp_type_name(t),
				    (unsigned long long)s->rx[t],
				    (unsigned long long)s->tx[t]);
	}
	/* No name here is one of the kernel's counters (dmvpnctl stats):
	 * the agent's NHRP errors and the kernel's events it read are not
	 * the kernel's data-path errors and the events it sent. */
#define STAT(name) { #name, s->name }
	const struct { const char *name; uint64_t v; } other[] = {
		STAT(rx_malformed), STAT(rx_auth_fail), STAT(rx_dropped),
		STAT(errors_suppressed), STAT(reg_refused),
		STAT(rx_not_vouched), { "nhrp_tx_errors", s->tx_errors },
		STAT(kernel_errors),
		{ "miss_events_read", s->miss_events },
		{ "redirect_events_read", s->redirect_events },
		{ "expired_events_read", s->expired_events },
		STAT(resyncs), STAT(dumps_interrupted), STAT(nbma_checks),
		{ "intake_dropped", dev->intake.dropped },
		{ "intake_queued", dev->intake.packets },
	};
#undef STAT
	for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
		if (r->j.out)
			json_u64(&r->j, other[i].name, other[i].v);
		else
			sbuf_printf(&r->out, "  %-24s %12llu\n", other[i].name,
				    (unsigned long long)other[i].v);
	}
	if (r->j.out)
		json_close_object(&r->j);
}

/* The agent's own loop, shared by every device: how long a turn held
 * everything else (packets, timers, this socket) waiting. */
static void show_loop_stats(struct reply *r)
{
	struct loop_stats st;

	loop_get_stats(&st);
	if (r->j.out) {
		json_open_object(&r->j, "agent");
		json_u64(&r->j, "loop_turns", st.turns);
		json_u64(&r->j, "loop_slow_turns", st.slow_turns);
		json_u64(&r->j, "loop_slowest_turn_us", st.slowest_us);
		json_u64(&r->j, "loop_busiest_turn_cpu_us", st.busiest_cpu_us);
		json_close_object(&r->j);
		return;
	}
	sbuf_printf(&r->out, "agent:\n  %-24s %12llu\n  %-24s %12llu\n"
		    "  %-24s %9llu.%02llu\n  %-24s %9llu.%02llu\n",
		    "loop_turns", (unsigned long long)st.turns,
		    "loop_slow_turns", (unsigned long long)st.slow_turns,
		    "loop_slowest_turn_ms",
		    (unsigned long long)(st.slowest_us / 1000),
		    (unsigned long long)(st.slowest_us % 1000 / 10),
		    "loop_busiest_turn_cpu_ms",
		    (unsigned long long)(st.busiest_cpu_us / 1000),
		    (unsigned long long)(st.busiest_cpu_us % 1000 / 10));
}

static const char *const shortcut_headers[] = {
	"DEVICE", "PREFIX", "NBMA", "VIA", "STATE", "AGE", "EXPIRES",
};

static void show_one_shortcut(struct amap_node *n, void *arg)
{
	struct show_ctx *c = arg;
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	char pfx[64], nbma[INET_ADDRSTRLEN], via[64], age[32], exp[32];
	uint64_t left = secs_until(s->refreshed + (uint64_t)s->holdtime * 1000);

	addr_str(&s->node.key, pfx, sizeof(pfx));
	nbma_str(s->nbma, nbma, sizeof(nbma));
	addr_str(&s->via, via, sizeof(via));
	if (c->r->j.out) {
		json_open_object(&c->r->j, NULL);
		json_string(&c->r->j, "device", s->dev->name);
		json_prefix(&c->r->j, "prefix", &s->node.key);
		json_string(&c->r->j, "nbma", s->negative ? NULL : nbma);
		json_string(&c->r->j, "via", s->via.family ? via : NULL);
		json_bool(&c->r->j, "negative", s->negative);
		json_u64(&c->r->j, "age_secs", secs_since(s->since));
		json_u64(&c->r->j, "expires_secs", left);
		json_close_object(&c->r->j);
		return;
	}
	duration(age, sizeof(age), secs_since(s->since));
	duration(exp, sizeof(exp), left);
	table_add_row(c->t, (const char *const[]){
		s->dev->name, pfx, s->negative ? "-" : nbma,
		s->via.family ? via : "-", s->negative ? "negative" : "up",
		age, exp });
}

/* ---- dispatch ---- */

static bool dev_wanted(const struct request *q, const struct dev *dev)
{
	return !q->cmd.dev || !strcmp(q->cmd.dev, dev->name);
}

static void cmd_show(const struct request *q, struct reply *r,
		     enum ctl_what what)
{
	struct table t = { 0 };
	struct show_ctx c = { .r = r, .t = &t };
	const char *key = "devices";

	if (what == CTL_SHOW_CACHE) {
		key = "entries";
		table_init(&t, ENTRY_TABLE_COLUMNS, entry_table_headers,
			   entry_table_right_align);
	} else if (what == CTL_SHOW_NHS) {
		key = "nhs";
		table_init(&t, 8, nhs_headers, NULL);
	} else if (what == CTL_SHOW_SHORTCUT) {
		key = "shortcuts";
		table_init(&t, 7, shortcut_headers, NULL);
	} else if (what == CTL_SHOW_STATS) {
		/* Not "stats": dmvpnctl stats lists the kernel's counters. */
		key = "nhrp_stats";
	}
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_open_array(&r->j, key);
	}
	for (struct dev *dev = devices; dev; dev = dev->next) {
		if (!dev_wanted(q, dev))
			continue;
		switch (what) {
		case CTL_SHOW_CACHE: show_cache(r, dev, &t); break;
		case CTL_SHOW_NHS: show_nhs(r, dev, &t); break;
		case CTL_SHOW_SHORTCUT:
			amap_each(&dev->shortcuts, show_one_shortcut, &c);
			break;
		case CTL_SHOW_STATS: show_stats(r, dev); break;
		default: show_dmvpn_dev(r, dev, q->cmd.detail); break;
		}
	}
	if (r->j.out)
		json_close_array(&r->j);
	if (what == CTL_SHOW_STATS)
		show_loop_stats(r);
	if (r->j.out) {
		json_close_object(&r->j);
	} else if (what != CTL_SHOW_DMVPN && what != CTL_SHOW_STATS) {
		table_render(&t, &r->out);
	}
	if (what != CTL_SHOW_DMVPN && what != CTL_SHOW_STATS)
		table_free(&t);
}

static struct dev *named_dev(const char *name)
{
	for (struct dev *dev = devices; dev; dev = dev->next)
		if (!strcmp(dev->name, name))
			return dev;
	return NULL;
}

static void cmd_purge(const struct request *q, struct reply *r)
{
	struct dev *dev = named_dev(q->cmd.dev);
	char pfx[64];

	if (dev && agent_purge(dev, &q->cmd.peer))
		fail(r, "%s: nothing to purge for %s", dev->name,
		     addr_str(&q->cmd.peer, pfx, sizeof(pfx)));
}

static void cmd_flush(const struct request *q, struct reply *r)
{
	size_t n = 0;

	for (struct dev *dev = devices; dev; dev = dev->next)
		if (dev_wanted(q, dev))
			n += agent_flush(dev);
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_u64(&r->j, "flushed", n);
		json_close_object(&r->j);
	} else {
		sbuf_printf(&r->out, "flushed %zu entries\n", n);
	}
}

/* agent_reload()'s notes are "warning: ..." lines: a list in JSON. */
static void reload_json(struct reply *r, bool dry_run, const char *notes)
{
	static const char tag[] = "warning: ";

	json_open_object(&r->j, NULL);
	json_bool(&r->j, "dry_run", dry_run);
	json_open_array(&r->j, "warnings");
	while (*notes) {
		size_t len = strcspn(notes, "\n");
		char line[512];

		if (!strncmp(notes, tag, sizeof(tag) - 1) &&
		    len >= sizeof(tag) - 1) {
			snprintf(line, sizeof(line), "%.*s",
				 (int)(len - (sizeof(tag) - 1)),
				 notes + sizeof(tag) - 1);
			json_string(&r->j, NULL, line);
		}
		notes += len;
		if (*notes)
			notes++;
	}
	json_close_array(&r->j);
	json_close_object(&r->j);
}

static void cmd_reload(const struct request *q, struct reply *r)
{
	struct sbuf notes = SBUF_INIT;
	struct errmsg err;

	if (agent_reload(q->cmd.dry_run, &notes, &err))
		fail(r, "%s", err.text);
	else if (r->j.out)
		reload_json(r, q->cmd.dry_run, sbuf_str(&notes));
	else if (q->cmd.dry_run)
		sbuf_printf(&r->out, "%sconfiguration ok; nothing applied "
			    "(dry run)\n", sbuf_str(&notes));
	else
		sbuf_adds(&r->out, sbuf_str(&notes));
	sbuf_free(&notes);
}

static void cmd_debug(const struct request *q, struct reply *r)
{
	char a[64];

	if (q->cmd.what == CTL_DEBUG_NHRP &&
	    debug_nhrp_set(q->cmd.on, q->cmd.has_peer ? &q->cmd.peer : NULL)) {
		fail(r, "debug nhrp: %u peers are watched already; turn one "
		     "off first", DEBUG_PEERS_MAX);
		return;
	}
	if (q->cmd.what == CTL_DEBUG_NHRP)
		log_info("debug nhrp%s%s %s", q->cmd.has_peer ? " peer " : "",
			 q->cmd.has_peer ? addr_str(&q->cmd.peer, a, sizeof(a)) :
			 "", q->cmd.on ? "on" : "off");
	if (r->j.out)
		debug_nhrp_json(&r->j);
	else
		debug_nhrp_show(&r->out);
}

/* Read-only: what the show group may ask for. */
static bool ctl_is_show(enum ctl_what what)
{
	switch (what) {
	case CTL_MONITOR:
	case CTL_SHOW_DMVPN:
	case CTL_SHOW_CACHE:
	case CTL_SHOW_NHS:
	case CTL_SHOW_SHORTCUT:
	case CTL_SHOW_STATS:
		return true;
	default:
		return false;
	}
}

static void dispatch(struct request *q, struct reply *r)
{
	struct errmsg err;

	if (ctl_cmd_parse(q->argc, q->argv, &q->cmd, &err)) {
		fail(r, "%s", err.text);
		return;
	}
	if (q->show_only && !ctl_is_show(q->cmd.what)) {
		fail(r, "permission denied: group %s may only show, this needs "
		     "root", DMVPND_SHOW_GROUP);
		return;
	}
	/* A device the agent does not serve is a mistake, not an empty
	 * answer: "dev typo" must not look like "no peers". */
	if (q->cmd.dev && !named_dev(q->cmd.dev)) {
		fail(r, "dmvpnd does not serve %s", q->cmd.dev);
		return;
	}
	switch (q->cmd.what) {
	case CTL_SHOW_DMVPN:
	case CTL_SHOW_CACHE:
	case CTL_SHOW_NHS:
	case CTL_SHOW_SHORTCUT:
	case CTL_SHOW_STATS:
		cmd_show(q, r, q->cmd.what);
		break;
	case CTL_PURGE: cmd_purge(q, r); break;
	case CTL_FLUSH: cmd_flush(q, r); break;
	case CTL_RELOAD: cmd_reload(q, r); break;
	case CTL_DEBUG_SHOW:
	case CTL_DEBUG_NHRP: cmd_debug(q, r); break;
	case CTL_MONITOR: break;	/* answer() subscribes the client */
	}
}

/* ---- the socket ---- */

static int parse_request(char *line, struct request *q)
{
	char *save = NULL, *flags = strtok_r(line, " \n", &save), *w;

	memset(q, 0, sizeof(*q));
	if (!flags)
		return -1;
	q->json = strchr(flags, 'j') != NULL;
	q->pretty = strchr(flags, 'p') != NULL;
	while ((w = strtok_r(NULL, " \n", &save))) {
		if (q->argc == CTL_MAX_WORDS)
			return -1;
		q->argv[q->argc++] = w;
	}
	return 0;
}

/*
 * Each client is a small state machine in the event loop: its credentials
 * are checked as it is accepted (SO_PEERCRED, as of connect(), so before
 * anything is read), then it is read from and written to only when epoll
 * says so.  Nothing blocks: a client that sends nothing, or stops reading,
 * costs one slot until CTL_IDLE_MS passes without progress; there are at
 * most CTL_MAX_CLIENTS slots, only root and the show group can hold one,
 * and a new client takes the oldest's: a show-only one's first, and a
 * show-only client never takes root's, so that the group cannot lock the
 * operator out.
 */
#define CTL_MAX_CLIENTS	8
#define CTL_IDLE_MS	5000

struct client {
	struct loop_fd lfd;
	struct timer idle;
	struct client *next;
	char in[CTL_REQUEST_MAX + 1];
	size_t in_len;
	bool writing;
	bool show_only;
	struct sbuf out;
	size_t out_off;
	/* "monitor": on the subscribers' list, not the clients' */
	bool subscriber;
	char dev[IF_NAMESIZE];		/* its events only; "" all */
	uint64_t lost;			/* dropped since the last "lost" */
};

static struct client *clients;
static unsigned int client_count;

/*
 * Subscribers to the agent's events (monitor).  A subscriber that stops
 * reading must cost the agent nothing but a bounded buffer: events are
 * written without blocking, at most CTL_SUBSCRIBER_BUF bytes wait for it
 * (and the socket's own buffer is shrunk to CTL_SUBSCRIBER_SNDBUF), and
 * what does not fit is dropped and counted; once it has read all that
 * waited, a "lost N" line says how many.  CTL_MAX_SUBSCRIBERS at once;
 * root's new one takes the oldest show-only one's place.
 */
#define CTL_MAX_SUBSCRIBERS	4
#define CTL_SUBSCRIBER_BUF	(64 * 1024)
#define CTL_SUBSCRIBER_SNDBUF	(32 * 1024)

static struct client *subscribers;
static unsigned int subscriber_count;

static void list_remove(struct client **list, struct client *c)
{
	for (struct client **pp = list; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
}

/* The oldest on @list (new ones go first), or the oldest show-only one;
 * NULL if none. */
static struct client *oldest(struct client *list, bool show_only)
{
	struct client *found = NULL;

	for (struct client *c = list; c; c = c->next)
		if (!show_only || c->show_only)
			found = c;
	return found;
}

static void client_free(struct client *c)
{
	if (c->subscriber) {
		list_remove(&subscribers, c);
		subscriber_count--;
	} else {
		list_remove(&clients, c);
		client_count--;
	}
	timer_cancel(&c->idle);
	loop_del_fd(&c->lfd);
	close(c->lfd.fd);
	sbuf_free(&c->out);
	free(c);
}

static void client_idle(struct timer *t)
{
	struct client *c = (struct client *)((char *)t -
					     offsetof(struct client, idle));

	client_free(c);
}

/*
 * Send what waits in @c's buffer without blocking: 1 when all of it is
 * sent, 0 when the socket is full, -1 when the connection failed.
 */
static int client_send(struct client *c)
{
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->lfd.fd, sbuf_str(&c->out) + c->out_off,
				 c->out.len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0)
			return -1;
		c->out_off += (size_t)n;
	}
	return 1;
}

static void subscriber_watch(struct client *c, bool want_out)
{
	if (c->writing != want_out) {
		c->writing = want_out;
		(void)loop_watch_fd(&c->lfd, want_out ? EPOLLIN | EPOLLOUT :
						       EPOLLIN);
	}
}

/* Send what waits, without blocking; false when @c is gone (freed). */
static bool subscriber_flush(struct client *c)
{
	for (;;) {
		int sent = client_send(c);

		if (sent < 0) {
			client_free(c);
			return false;
		}
		if (!sent) {
			subscriber_watch(c, true);
			return true;
		}
		sbuf_reset(&c->out);
		c->out_off = 0;
		if (!c->lost)
			break;
		/* All that waited is read: now say what did not fit. */
		agent_event_encode_lost(&c->out, c->lost);
		c->lost = 0;
	}
	subscriber_watch(c, false);
	return true;
}

static void on_subscriber(struct loop_fd *lfd, uint32_t revents)
{
	struct client *c = (struct client *)lfd;

	if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
		char sink[256];
		ssize_t n = recv(c->lfd.fd, sink, sizeof(sink), MSG_DONTWAIT);

		/* A subscriber has nothing more to say: whatever it sends
		 * is dropped, and its end of the stream ends ours. */
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_free(c);
			return;
		}
	}
	if (revents & EPOLLOUT)
		(void)subscriber_flush(c);
}

/*
 * Make @c a subscriber, its "ok" the first thing it is sent; -1 when
 * there is no room for it.
 */
static int subscribe(struct client *c, const char *dev)
{
	int sndbuf = CTL_SUBSCRIBER_SNDBUF;

	if (subscriber_count == CTL_MAX_SUBSCRIBERS) {
		struct client *old = oldest(subscribers, true);

		if (!old || c->show_only)
			return -1;
		client_free(old);
	}
	list_remove(&clients, c);
	client_count--;
	c->next = subscribers;
	subscribers = c;
	subscriber_count++;
	c->subscriber = true;
	snprintf(c->dev, sizeof(c->dev), "%s", dev ? dev : "");
	c->lfd.fn = on_subscriber;
	/* Our buffer is the bound; the kernel's adds to it. */
	(void)setsockopt(c->lfd.fd, SOL_SOCKET, SO_SNDBUF, &sndbuf,
			 sizeof(sndbuf));
	/* A subscriber may stay silent for as long as it likes. */
	timer_cancel(&c->idle);
	return 0;
}

void ctl_event(struct dev *dev, enum agent_event_kind kind,
	       const struct dmvpn_prefix *peer, const struct in_addr *nbma,
	       const struct dmvpn_prefix *prefix, const char *reason)
{
	struct agent_event ev = { .kind = kind };
	struct sbuf line = SBUF_INIT;
	struct timespec ts;
	struct client *next;

	if (!subscribers)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	ev.time_ms = (uint64_t)ts.tv_sec * 1000 +
		     (uint64_t)ts.tv_nsec / 1000000;
	snprintf(ev.dev, sizeof(ev.dev), "%s", dev ? dev->name : "-");
	if (peer && peer->family) {
		ev.has_peer = true;
		ev.peer = *peer;
	}
	if (nbma) {
		ev.has_nbma = true;
		ev.nbma = *nbma;
	}
	if (prefix && prefix->family) {
		ev.has_prefix = true;
		ev.prefix = *prefix;
	}
	if (reason)
		snprintf(ev.reason, sizeof(ev.reason), "%s", reason);
	agent_event_encode(&line, &ev);
	for (struct client *c = subscribers; c; c = next) {
		next = c->next;
		if (c->dev[0] && strcmp(c->dev, ev.dev))
			continue;
		/* Dropping from the first loss until it is all read keeps
		 * "lost N" where the gap is. */
		if (c->lost || line.oom ||
		    c->out.len - c->out_off + line.len > CTL_SUBSCRIBER_BUF) {
			c->lost++;
			continue;
		}
		if (c->out_off) {
			memmove(c->out.buf, c->out.buf + c->out_off,
				c->out.len - c->out_off);
			c->out.len -= c->out_off;
			c->out.buf[c->out.len] = '\0';
			c->out_off = 0;
		}
		sbuf_addn(&c->out, sbuf_str(&line), line.len);
		if (!c->writing)
			(void)subscriber_flush(c);
	}
	sbuf_free(&line);
}

static void answer(struct client *c)
{
	struct reply r = { .out = SBUF_INIT };
	struct request q;

	c->in[c->in_len] = '\0';
	if (parse_request(c->in, &q)) {
		sbuf_adds(&c->out, "error malformed request\n");
		goto out;
	}
	q.show_only = c->show_only;
	if (q.json)
		json_init(&r.j, &r.out, q.pretty);
	dispatch(&q, &r);
	if (!r.error[0] && q.cmd.what == CTL_MONITOR &&
	    subscribe(c, q.cmd.dev))
		fail(&r, "busy: %u monitors already; try again later",
		     CTL_MAX_SUBSCRIBERS);
	if (r.error[0]) {
		sbuf_printf(&c->out, "error %s\n", r.error);
	} else {
		/* A command with nothing to report prints nothing, with -j
		 * too (as ip -j does): not an empty line. */
		if (q.json && r.out.len)
			sbuf_addc(&r.out, '\n');
		sbuf_adds(&c->out, "ok\n");
		sbuf_addn(&c->out, sbuf_str(&r.out), r.out.len);
	}
out:
	sbuf_free(&r.out);
	c->writing = true;
}

/* Returns false when @c is done (and freed). */
static bool client_read(struct client *c)
{
	for (;;) {
		ssize_t n;

		if (c->in_len == CTL_REQUEST_MAX) {
			sbuf_adds(&c->out, "error malformed request\n");
			c->writing = true;
			return true;
		}
		n = recv(c->lfd.fd, c->in + c->in_len,
			 CTL_REQUEST_MAX - c->in_len, MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0) {
			/* End of the request without a newline is fine. */
			if (n == 0 && c->in_len) {
				answer(c);
				return true;
			}
			client_free(c);
			return false;
		}
		if (memchr(c->in + c->in_len, '\n', (size_t)n)) {
			c->in_len += (size_t)n;
			answer(c);
			return true;
		}
		c->in_len += (size_t)n;
	}
}

static bool client_write(struct client *c)
{
	if (!client_send(c))
		return true;
	/* All sent, or the client is gone: either way done. */
	client_free(c);
	return false;
}

static void on_client(struct loop_fd *lfd, uint32_t revents)
{
	struct client *c = (struct client *)lfd;
	bool was_writing = c->writing;

	(void)revents;
	if (!c->writing && !client_read(c))
		return;
	if (c->subscriber) {
		/* Watched for input only so far; the "ok" goes out now. */
		c->writing = false;
		(void)subscriber_flush(c);
		return;
	}
	if (c->writing && !client_write(c))
		return;
	if (c->writing && !was_writing)
		loop_watch_fd(&c->lfd, EPOLLOUT);
	timer_arm(&c->idle, CTL_IDLE_MS);
}


/*
 * The show group's id, looked up once when the socket opens: a lookup per
 * connection could block the event loop on a remote NSS (LDAP) whenever
 * any local user connects.
 */
static bool show_group_known;
static gid_t show_gid;

static void show_group_lookup(void)
{
	struct group *g = getgrnam(DMVPND_SHOW_GROUP);

	show_group_known = g != NULL;
	if (g)
		show_gid = g->gr_gid;
}

/*
 * The peer is in the show group, as its primary group or a supplementary
 * one (SO_PEERGROUPS: the groups as of connect()).
 */
static bool peer_in_show_group(int fd, const struct ucred *cred)
{
	gid_t few[64], *groups = few;
	socklen_t len = sizeof(few);
	bool found = false;

	if (!show_group_known)
		return false;
	if (cred->gid == show_gid)
		return true;
	if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
		if (errno != ERANGE)
			return false;
		groups = malloc(len);
		if (!groups ||
		    getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len)) {
			free(groups);
			return false;
		}
	}
	for (size_t i = 0; i < len / sizeof(*groups); i++)
		found |= groups[i] == show_gid;
	if (groups != few)
		free(groups);
	return found;
}

static void refuse(int fd, const char *text)
{
	/* The socket is new and empty: a short line always fits. */
	(void)send(fd, text, strlen(text), MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void on_accept(struct loop_fd *lfd, uint32_t revents)
{
	int fd;

	(void)revents;
	while ((fd = accept4(lfd->fd, NULL, NULL,
			     SOCK_CLOEXEC | SOCK_NONBLOCK)) >= 0) {
		struct ucred cred;
		socklen_t len = sizeof(cred);
		struct client *c, *old;
		bool show_only;

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
			close(fd);
			continue;
		}
		show_only = cred.uid != 0;
		if (show_only && !peer_in_show_group(fd, &cred)) {
			refuse(fd, "error permission denied: root or group "
			       DMVPND_SHOW_GROUP " only\n");
			continue;
		}
		/* The newest client wins a slot over the oldest, so that
		 * forgotten connections never lock the operator out; the
		 * show group only ever takes its own members' slots. */
		if (client_count == CTL_MAX_CLIENTS) {
			old = oldest(clients, true);
			if (!old && !show_only)
				old = oldest(clients, false);
			if (!old) {
				refuse(fd, "error busy: try again\n");
				continue;
			}
			client_free(old);
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->lfd.fd = fd;
		c->lfd.fn = on_client;
		c->show_only = show_only;
		c->out = (struct sbuf)SBUF_INIT;
		timer_init(&c->idle, client_idle);
		if (loop_add_fd(&c->lfd)) {
			close(fd);
			free(c);
			continue;
		}
		c->next = clients;
		clients = c;
		client_count++;
		timer_arm(&c->idle, CTL_IDLE_MS);
	}
}

/*
 * An abstract name belongs to whoever binds it first, and any local user
 * can.  Say who holds it, so that a squatter is named rather than taken
 * for a second agent.
 */
static void name_holder(const struct sockaddr_un *sun, socklen_t alen,
			const char *name)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (fd < 0)
		return;
	if (!connect(fd, (const struct sockaddr *)sun, alen) &&
	    !getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		if (cred.uid != 0)
			log_err("control socket %s is held by uid %u (pid %d), "
				"not root: someone is squatting it; refusing "
				"to start", name, cred.uid, cred.pid);
		else
			log_err("control socket %s is held by pid %d: is "
				"another dmvpnd running in this network "
				"namespace?", name, cred.pid);
	} else {
		log_err("control socket %s: %s", name, strerror(EADDRINUSE));
	}
	close(fd);
}

int ctl_open(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	socklen_t alen;
	int fd;

	if (len + 1 > sizeof(sun.sun_path)) {
		log_err("control socket %s: name longer than %zu bytes", name,
			sizeof(sun.sun_path) - 2);
		return -1;
	}
	/* A leading '@' is the abstract namespace, as ss(8) prints it. */
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("control socket %s: %s", name, strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&sun, alen) || listen(fd, 64)) {
		if (errno == EADDRINUSE)
			name_holder(&sun, alen, name);
		else
			log_err("control socket %s: %s", name, strerror(errno));
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	show_group_lookup();
	listener.fd = fd;
	listener.fn = on_accept;
	return loop_add_fd(&listener);
}

void ctl_close(void)
{
	while (clients)
		client_free(clients);
	while (subscribers)
		client_free(subscribers);
	if (listener.fd < 0)
		return;
	loop_del_fd(&listener);
	close(listener.fd);
	listener.fd = -1;
}

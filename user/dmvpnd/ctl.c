// SPDX-License-Identifier: GPL-2.0
/*
 * The control socket: dmvpnctl asks, dmvpnd answers and hangs up.
 *
 * An abstract unix socket, "@dmvpnd" unless -s names another, so that each
 * network namespace has its own (an agent serves the devices of its
 * namespace) and nothing is left in the file system.  Abstract sockets have
 * no permissions, so the peer's credentials are checked instead: root only,
 * as everything here changes or reveals the VPN's state.
 *
 * Request: one line, "<flags> <word>...\n", flags "j" (JSON) and "p"
 * (pretty) or "-".  Reply: "ok\n" and the output, or "error <text>\n";
 * then the agent closes the connection.  dmvpnctl checks the other way
 * round that the socket's owner is root, so that a local user who bound
 * the name first receives nothing.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

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
	int argc;
	char *argv[CTL_MAX_WORDS];
	const char *dev;	/* "dev NAME" anywhere in the words, else NULL */
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
	const struct dmvpn_prefix *tunnel;
	const char *state;
	uint64_t up_secs;
	bool has_expires;
	uint64_t expires;
	bool unique;
	bool nat;
	const char *group;
	struct dev *dev;		/* for its IPsec state */
};

static const char *const peer_headers[] = {
	"TYPE", "PEER NBMA", "PEER TUNNEL", "STATE", "UPTIME", "EXPIRES",
	"ATTR", "IPSEC",
};

static void peer_emit(struct reply *r, struct table *t,
		      const struct peer_row *p)
{
	char nbma[INET_ADDRSTRLEN], tun[64], up[32], exp[32], attr[96];
	char spi_in[12] = "", spi_out[12] = "", ipsec[48];
	const char *sa = p->dev ? ipsec_peer_state(p->dev, p->nbma, spi_in,
						   spi_out) : NULL;

	nbma_str(p->nbma, nbma, sizeof(nbma));
	addr_str(p->tunnel, tun, sizeof(tun));
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "type", p->type);
		json_string(&r->j, "nbma", nbma);
		json_string(&r->j, "tunnel", tun);
		json_string(&r->j, "state", p->state);
		json_u64(&r->j, "uptime", p->up_secs);
		if (p->has_expires)
			json_u64(&r->j, "expires", p->expires);
		else
			json_null(&r->j, "expires");
		json_bool(&r->j, "unique", p->unique);
		json_bool(&r->j, "nat", p->nat);
		json_string(&r->j, "group", p->group && p->group[0] ?
			    p->group : NULL);
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
		json_close_object(&r->j);
		return;
	}
	duration(up, sizeof(up), p->up_secs);
	if (p->has_expires)
		duration(exp, sizeof(exp), p->expires);
	else
		snprintf(exp, sizeof(exp), "never");
	snprintf(attr, sizeof(attr), "%s%s%s%s", p->unique ? "U" : "",
		 p->nat ? "N" : "", p->group && p->group[0] ? " " : "",
		 p->group ? p->group : "");
	if (!attr[0])
		snprintf(attr, sizeof(attr), "-");
	/* The SA's state, and its SPIs (in/out) while it is up. */
	snprintf(ipsec, sizeof(ipsec), "%s%s%s%s%s", sa ? sa : "",
		 spi_in[0] ? " " : "", spi_in, spi_in[0] ? "/" : "", spi_out);
	table_add_row(t, (const char *const[]){ p->type, nbma, tun, p->state,
						up, exp, attr, ipsec });
}

struct show_ctx {
	struct reply *r;
	struct table *t;
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
		.group = g->group, .dev = g->dev,
	};

	peer_emit(c->r, c->t, &p);
}

static void show_shortcut(struct amap_node *n, void *arg)
{
	struct show_ctx *c = arg;
	struct shortcut *s = amap_entry(n, struct shortcut, node);
	uint64_t left = s->refreshed + (uint64_t)s->holdtime * 1000;
	struct peer_row p = {
		.type = s->negative ? "negative" : "shortcut", .nbma = s->nbma,
		.tunnel = &s->node.key, .state = s->negative ? "refused" : "up",
		.up_secs = secs_since(s->since), .has_expires = true,
		.expires = secs_until(left), .dev = s->negative ? NULL : s->dev,
	};

	peer_emit(c->r, c->t, &p);
}

static void show_nhs_peers(struct reply *r, struct table *t, struct dev *dev)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++) {
		struct nhs *n = &dev->nhs[i];
		struct peer_row p = {
			.type = "nhs", .nbma = n->nbma, .tunnel = &n->proto,
			.state = nhs_state_name(n->state),
			.up_secs = secs_since(n->state_since),
			.nat = n->nat_nbma.s_addr != 0, .dev = dev,
		};

		peer_emit(r, t, &p);
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
		json_close_object(&r->j);
		return;
	}
	sbuf_printf(&r->out, "IPsec profile %s, charon %s%s: %llu initiations, %llu failed, %llu rekeys\n",
		    dev->cfg.ipsec_profile,
		    st.connected ? "connected" : "unreachable",
		    st.connected && !st.profile_ok ? " (profile unusable)" : "",
		    (unsigned long long)st.initiations,
		    (unsigned long long)st.failures,
		    (unsigned long long)st.rekeys);
}

static void show_dmvpn_dev(struct reply *r, struct dev *dev)
{
	struct table t;
	struct show_ctx c = { .r = r, .t = &t };
	char addr[64], addr6[64];

	addr_str(&dev->proto, addr, sizeof(addr));
	addr_str(&dev->proto6, addr6, sizeof(addr6));
	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "device", dev->name);
		json_string(&r->j, "role", role_name(dev));
		json_string(&r->j, "address", dev->proto.family ? addr : NULL);
		json_string(&r->j, "address6", dev->proto6.family ? addr6 : NULL);
		json_u64(&r->j, "peer_count", dev->regs.count +
			 dev->shortcuts.count + (dev->nhs ? dev->cfg.nhs_count : 0));
		json_open_array(&r->j, "peers");
	} else {
		sbuf_printf(&r->out, "Interface %s, %s, tunnel address %s%s%s\n",
			    dev->name, role_name(dev), addr,
			    dev->proto6.family ? ", " : "",
			    dev->proto6.family ? addr6 : "");
		/* The IPSEC column only where there is IPsec. */
		table_init(&t, ipsec_enabled(dev) ? 8 : 7, peer_headers, NULL);
	}
	show_nhs_peers(r, &t, dev);
	amap_each(&dev->regs, show_reg, &c);
	amap_each(&dev->shortcuts, show_shortcut, &c);
	if (r->j.out) {
		json_close_array(&r->j);
		show_ipsec_summary(r, dev);
		json_close_object(&r->j);
		return;
	}
	show_ipsec_summary(r, dev);
	if (t.nrows)
		table_render(&t, &r->out);
	else
		sbuf_adds(&r->out, "  no peers\n");
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
			json_u64(&r->j, "since", secs_since(n->state_since));
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

static void show_stats(struct reply *r, struct dev *dev)
{
	const struct nhrp_stats *s = &dev->stats;

	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_string(&r->j, "device", dev->name);
		json_open_object(&r->j, "rx");
		for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++)
			json_u64(&r->j, nhrp_type_name(t), s->rx[t]);
		json_close_object(&r->j);
		json_open_object(&r->j, "tx");
		for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++)
			json_u64(&r->j, nhrp_type_name(t), s->tx[t]);
		json_close_object(&r->j);
	} else {
		sbuf_printf(&r->out, "%s:\n  %-24s %12s %12s\n", dev->name,
			    "message", "received", "sent");
		for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++)
			sbuf_printf(&r->out, "  %-24s %12llu %12llu\n",
				    nhrp_type_name(t),
				    (unsigned long long)s->rx[t],
				    (unsigned long long)s->tx[t]);
	}
#define STAT(name) { #name, s->name }
	const struct { const char *name; uint64_t v; } other[] = {
		STAT(rx_malformed), STAT(rx_auth_fail), STAT(rx_dropped),
		STAT(errors_suppressed), STAT(reg_refused),
		STAT(rx_not_vouched), STAT(tx_errors), STAT(kernel_errors),
		STAT(miss_events), STAT(redirect_events), STAT(expired_events),
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
		json_string(&c->r->j, "prefix", pfx);
		json_string(&c->r->j, "nbma", s->negative ? NULL : nbma);
		json_string(&c->r->j, "via", s->via.family ? via : NULL);
		json_bool(&c->r->j, "negative", s->negative);
		json_u64(&c->r->j, "age", secs_since(s->since));
		json_u64(&c->r->j, "expires", left);
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
	return !q->dev || !strcmp(q->dev, dev->name);
}

enum show_what { SHOW_DMVPN, SHOW_CACHE, SHOW_NHS, SHOW_SHORTCUT, SHOW_STATS };

static void cmd_show(const struct request *q, struct reply *r,
		     enum show_what what)
{
	static const char *const keys[] = {
		"devices", "cache", "nhs", "shortcuts", "stats",
	};
	struct table t = { 0 };
	struct show_ctx c = { .r = r, .t = &t };

	if (r->j.out) {
		json_open_object(&r->j, NULL);
		json_open_array(&r->j, keys[what]);
	}
	if (what == SHOW_CACHE)
		table_init(&t, ENTRY_TABLE_COLUMNS, entry_table_headers,
			   entry_table_right_align);
	else if (what == SHOW_NHS)
		table_init(&t, 8, nhs_headers, NULL);
	else if (what == SHOW_SHORTCUT)
		table_init(&t, 7, shortcut_headers, NULL);
	for (struct dev *dev = devices; dev; dev = dev->next) {
		if (!dev_wanted(q, dev))
			continue;
		switch (what) {
		case SHOW_DMVPN: show_dmvpn_dev(r, dev); break;
		case SHOW_CACHE: show_cache(r, dev, &t); break;
		case SHOW_NHS: show_nhs(r, dev, &t); break;
		case SHOW_SHORTCUT:
			amap_each(&dev->shortcuts, show_one_shortcut, &c);
			break;
		case SHOW_STATS: show_stats(r, dev); break;
		}
	}
	if (r->j.out) {
		json_close_array(&r->j);
		json_close_object(&r->j);
	} else if (what != SHOW_DMVPN && what != SHOW_STATS) {
		table_render(&t, &r->out);
	}
	if (what != SHOW_DMVPN && what != SHOW_STATS)
		table_free(&t);
}

static struct dev *named_dev(const struct request *q, struct reply *r)
{
	if (!q->dev) {
		fail(r, "which device? add \"dev NAME\"");
		return NULL;
	}
	for (struct dev *dev = devices; dev; dev = dev->next)
		if (!strcmp(dev->name, q->dev))
			return dev;
	fail(r, "dmvpnd does not serve %s", q->dev);
	return NULL;
}

static void cmd_purge(const struct request *q, struct reply *r)
{
	struct dmvpn_prefix p;
	struct errmsg err;
	struct dev *dev;

	if (q->argc < 2) {
		fail(r, "purge: which prefix?");
		return;
	}
	if (parse_prefix(q->argv[1], &p, &err)) {
		fail(r, "purge: %s", err.text);
		return;
	}
	dev = named_dev(q, r);
	if (!dev)
		return;
	if (agent_purge(dev, &p))
		fail(r, "%s: nothing to purge for %s", dev->name, q->argv[1]);
}

static void cmd_flush(const struct request *q, struct reply *r)
{
	size_t n = 0;

	for (struct dev *dev = devices; dev; dev = dev->next)
		if (dev_wanted(q, dev))
			n += agent_flush(dev);
	if (!r->j.out)
		sbuf_printf(&r->out, "flushed %zu entries\n", n);
}

static void cmd_reload(struct reply *r)
{
	struct errmsg err;

	if (agent_reload(&err))
		fail(r, "%s", err.text);
}

static bool word_is(const struct request *q, int i, const char *w)
{
	return q->argc > i && !strcmp(q->argv[i], w);
}

static void dispatch(const struct request *q, struct reply *r)
{
	if (word_is(q, 0, "show") && word_is(q, 1, "dmvpn"))
		cmd_show(q, r, SHOW_DMVPN);
	else if (word_is(q, 0, "show") && word_is(q, 1, "nhrp")) {
		if (word_is(q, 2, "cache"))
			cmd_show(q, r, SHOW_CACHE);
		else if (word_is(q, 2, "nhs"))
			cmd_show(q, r, SHOW_NHS);
		else if (word_is(q, 2, "shortcut"))
			cmd_show(q, r, SHOW_SHORTCUT);
		else if (word_is(q, 2, "stats"))
			cmd_show(q, r, SHOW_STATS);
		else
			fail(r, "show nhrp: expected cache, nhs, shortcut or stats");
	} else if (word_is(q, 0, "purge")) {
		cmd_purge(q, r);
	} else if (word_is(q, 0, "flush")) {
		cmd_flush(q, r);
	} else if (word_is(q, 0, "reload")) {
		cmd_reload(r);
	} else {
		fail(r, "unknown command \"%s\"", q->argc ? q->argv[0] : "");
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
		if (!strcmp(w, "dev")) {
			q->dev = strtok_r(NULL, " \n", &save);
			if (!q->dev)
				return -1;
			continue;
		}
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
 * most CTL_MAX_CLIENTS slots, only root can hold one, and a new client
 * takes the oldest's.
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
	struct sbuf out;
	size_t out_off;
};

static struct client *clients;
static unsigned int client_count;

static void client_free(struct client *c)
{
	for (struct client **pp = &clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	client_count--;
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

static void answer(struct client *c)
{
	struct reply r = { .out = SBUF_INIT };
	struct request q;

	c->in[c->in_len] = '\0';
	if (parse_request(c->in, &q)) {
		sbuf_adds(&c->out, "error malformed request\n");
		goto out;
	}
	if (q.json)
		json_init(&r.j, &r.out, q.pretty);
	dispatch(&q, &r);
	if (r.error[0]) {
		sbuf_printf(&c->out, "error %s\n", r.error);
	} else {
		if (q.json)
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
	while (c->out_off < c->out.len) {
		ssize_t n = send(c->lfd.fd, sbuf_str(&c->out) + c->out_off,
				 c->out.len - c->out_off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return true;
		if (n <= 0)
			break;
		c->out_off += (size_t)n;
	}
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
	if (c->writing && !client_write(c))
		return;
	if (c->writing && !was_writing)
		loop_watch_fd(&c->lfd, EPOLLOUT);
	timer_arm(&c->idle, CTL_IDLE_MS);
}

static struct client *oldest_client(void)
{
	struct client *c = clients;

	while (c->next)
		c = c->next;
	return c;
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
		struct client *c;

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) ||
		    cred.uid != 0) {
			refuse(fd, "error permission denied: root only\n");
			continue;
		}
		/* Only root gets here; the newest root client wins a slot
		 * over the oldest, so that forgotten connections never lock
		 * the operator out. */
		if (client_count == CTL_MAX_CLIENTS)
			client_free(oldest_client());
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->lfd.fd = fd;
		c->lfd.fn = on_client;
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

	if (len + 1 > sizeof(sun.sun_path))
		return -1;
	/* A leading '@' is the abstract namespace, as ss(8) prints it. */
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	alen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (bind(fd, (struct sockaddr *)&sun, alen) || listen(fd, 64)) {
		if (errno == EADDRINUSE)
			name_holder(&sun, alen, name);
		else
			log_err("control socket %s: %s", name, strerror(errno));
		close(fd);
		errno = EADDRINUSE;
		return -1;
	}
	listener.fd = fd;
	listener.fn = on_accept;
	return loop_add_fd(&listener);
}

void ctl_close(void)
{
	while (clients)
		client_free(clients);
	if (listener.fd < 0)
		return;
	loop_del_fd(&listener);
	close(listener.fd);
	listener.fd = -1;
}

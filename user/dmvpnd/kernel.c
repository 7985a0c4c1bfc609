// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's NHRP cache through the dmvpn generic netlink family: one
 * blocking socket for requests, one non-blocking socket for events.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <netlink/genl/genl.h>
#include <string.h>

#include "dmvpnd.h"
#include "msg.h"
#include "nl.h"

static struct dmvpn_nl req;
static struct dmvpn_nl events;
static struct loop_fd events_fd;
static bool events_lost;

static void on_miss(struct dev *dev, const struct dmvpn_event *ev)
{
	dev->stats.miss_events++;
	if (dev->cfg.role == CFG_ROLE_SPOKE && dev->cfg.shortcut &&
	    ev->has_entry)
		resolve_request(dev, &ev->entry.prefix);
}

static int on_event(struct nlmsghdr *nlh, void *arg)
{
	struct dmvpn_event ev;
	struct errmsg err;
	struct dev *dev;

	(void)arg;
	if (msg_parse_event(nlh, &ev, &err)) {
		log_warn("kernel event: %s", err.text);
		return 0;
	}
	dev = dev_by_ifindex(ev.ifindex);
	if (!dev)
		return 0;
	switch (ev.cmd) {
	case DMVPN_CMD_EVENT_MISS:
		on_miss(dev, &ev);
		break;
	case DMVPN_CMD_EVENT_REDIRECT:
		dev->stats.redirect_events++;
		if (ev.packet)
			nhs_redirect_event(dev, ev.has_nbma_src ?
					   ev.nbma_src : (struct in_addr){ 0 },
					   ev.ipsec_mark, ev.packet,
					   ev.packet_len);
		break;
	case DMVPN_CMD_EVENT_EXPIRED:
		dev->stats.expired_events++;
		if (!ev.has_entry)
			break;
		if (dev->cfg.role == CFG_ROLE_HUB)
			nhs_expired(dev, &ev.entry);
		else
			resolve_expired(dev, &ev.entry);
		break;
	}
	return 0;
}

static void on_lost(void *arg)
{
	(void)arg;
	events_lost = true;
}

/*
 * The kernel dropped events for us (ENOBUFS: the agent was slow, or
 * stopped, while entries expired by the thousand).  A lost expiry leaves a
 * registration that still gets resolutions, or a shortcut the agent thinks
 * is there (issue 14), and nothing says which were lost: take the kernel's
 * cache as it is now, once the queue is drained, so that no event read
 * after the dump is older than it.
 */
static void on_events_readable(struct loop_fd *lfd, uint32_t revents)
{
	int ret;

	(void)lfd;
	(void)revents;
	ret = dmvpn_nl_read_events(&events, on_event, on_lost, NULL);
	if (ret < 0)
		log_err("reading kernel events: %s", strerror(-ret));
	if (!events_lost)
		return;
	events_lost = false;
	log_warn("kernel events were lost (receive buffer full): "
		 "reading the cache again");
	for (struct dev *dev = devices; dev; dev = dev->next)
		if (dev->ifindex)
			agent_resync(dev);
}

static int open_pair(struct dmvpn_nl *r, struct dmvpn_nl *ev)
{
	struct errmsg err;
	int fd;

	ev->sk = NULL;
	if (dmvpn_nl_open(r, &err))
		goto fail;
	if (dmvpn_nl_open(ev, &err) || dmvpn_nl_join_events(ev, &err)) {
		dmvpn_nl_close(r);
		goto fail;
	}
	fd = nl_socket_get_fd(ev->sk);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
		dmvpn_nl_close(r);
		dmvpn_nl_close(ev);
		return -1;
	}
	return 0;
fail:
	dmvpn_nl_close(ev);
	log_err("%s", err.text);
	return -1;
}

int kernel_open(void)
{
	if (open_pair(&req, &events))
		return -1;
	events_fd.fd = nl_socket_get_fd(events.sk);
	events_fd.fn = on_events_readable;
	return loop_add_fd(&events_fd);
}

int kernel_reopen(void)
{
	struct dmvpn_nl r, ev;

	if (open_pair(&r, &ev))
		return -1;
	kernel_close();
	req = r;
	events = ev;
	events_fd.fd = nl_socket_get_fd(events.sk);
	events_fd.fn = on_events_readable;
	if (loop_add_fd(&events_fd)) {
		log_err("kernel events: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void kernel_close(void)
{
	if (events.sk)
		loop_del_fd(&events_fd);
	dmvpn_nl_close(&events);
	dmvpn_nl_close(&req);
}

static int report(struct dev *dev, const char *what, int ret)
{
	if (ret < 0) {
		dev->stats.kernel_errors++;
		log_warn("%s: kernel %s: %s%s%s", dev->name, what,
			 strerror(-ret), req.last.extack[0] ? ": " : "",
			 req.last.extack);
	}
	return ret;
}

/* The types NHRP packets make: registrations, resolutions, NAKs. */
static bool learnt_type(uint8_t type)
{
	return type == DMVPN_ENTRY_DYNAMIC || type == DMVPN_ENTRY_SHORTCUT ||
	       type == DMVPN_ENTRY_NEGATIVE;
}

/*
 * Entries the configuration makes (static maps, NHS entries) replace
 * whatever is there.  Entries learnt from the wire replace only entries
 * learnt from the wire: a registration, reply or NAK naming a map host, an
 * NHS or a local entry must not take it over (issue 14), so for those
 * kernel_entry_set() returns -EEXIST and changes nothing.  The agent is
 * the only writer of learnt entries and runs single-threaded, so nothing
 * comes between the look and the replace but an operator's dmvpnctl.
 */
int kernel_entry_set(struct dev *dev, const struct dmvpn_entry *e,
		     unsigned int fields)
{
	struct nl_msg *msg;
	int ret = -ENOMEM;

	if (learnt_type(e->type)) {
		struct dmvpn_entry cur;

		ret = kernel_entry_get(dev, &e->prefix, &cur);
		if (!ret && !learnt_type(cur.type))
			return -EEXIST;
		if (ret && ret != -ENOENT)
			return ret;
		ret = -ENOMEM;
	}
	msg = dmvpn_nl_request(&req, DMVPN_CMD_ENTRY_NEW, 0, dev->ifindex);

	if (msg && !msg_put_entry(msg, e, fields) &&
	    !nla_put_flag(msg, DMVPN_A_REPLACE))
		ret = dmvpn_nl_transact(&req, msg, NULL, NULL);
	nlmsg_free(msg);
	return report(dev, "entry update", ret);
}

int kernel_entry_del(struct dev *dev, const struct dmvpn_prefix *p)
{
	struct nl_msg *msg = dmvpn_nl_request(&req, DMVPN_CMD_ENTRY_DEL, 0,
					      dev->ifindex);
	struct dmvpn_entry e = { .prefix = *p };
	int ret = -ENOMEM;

	if (msg && !msg_put_entry(msg, &e, FIELD_PREFIX))
		ret = dmvpn_nl_transact(&req, msg, NULL, NULL);
	nlmsg_free(msg);
	/* Gone already (expired meanwhile) is what we wanted. */
	if (ret == -ENOENT)
		return 0;
	return report(dev, "entry delete", ret);
}

struct dump_ctx {
	struct dev *dev;
	kernel_entry_fn fn;
	void *arg;
	struct dmvpn_entry *one;
};

static int on_entry(struct nlmsghdr *nlh, void *arg)
{
	struct dump_ctx *d = arg;
	struct nlattr *tb[DMVPN_A_MAX + 1];
	struct dmvpn_entry e;
	struct errmsg err;

	if (genlmsg_parse(nlh, 0, tb, DMVPN_A_MAX, NULL) < 0 ||
	    !tb[DMVPN_A_ENTRY])
		return 0;
	if (msg_parse_entry(tb[DMVPN_A_ENTRY], &e, &err)) {
		log_warn("%s: kernel entry: %s", d->dev->name, err.text);
		return 0;
	}
	if (d->one)
		*d->one = e;
	else
		d->fn(d->dev, &e, d->arg);
	return 0;
}

struct entry_list {
	struct dmvpn_entry *v;
	size_t count, cap;
	bool nomem;
};

static void collect(struct dev *dev, const struct dmvpn_entry *e, void *arg)
{
	struct entry_list *l = arg;

	(void)dev;
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		struct dmvpn_entry *v = realloc(l->v, cap * sizeof(*v));

		if (!v) {
			l->nomem = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->count++] = *e;
}

/*
 * A dump that raced with changes to the cache comes back marked
 * NLM_F_DUMP_INTR and may have missed entries or shown some twice: a
 * resync that missed one would drop a live registration.  So the entries
 * are collected first and handed out only from a whole dump; after a few
 * torn ones (a cache changing faster than we read it) the last one is used,
 * deduplicated by the callers (they look entries up by prefix).
 */
#define DUMP_ATTEMPTS	4

int kernel_entry_dump(struct dev *dev, kernel_entry_fn fn, void *arg)
{
	struct entry_list l = { 0 };
	struct dump_ctx d = { .dev = dev, .fn = collect, .arg = &l };
	int ret = 0;

	for (int attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		struct nl_msg *msg = dmvpn_nl_request(&req, DMVPN_CMD_ENTRY_GET,
						      NLM_F_DUMP, dev->ifindex);

		l.count = 0;
		l.nomem = false;
		ret = msg ? dmvpn_nl_transact(&req, msg, on_entry, &d) : -ENOMEM;
		nlmsg_free(msg);
		if (!ret && l.nomem)
			ret = -ENOMEM;
		if (ret || !req.last.interrupted)
			break;
		dev->stats.dumps_interrupted++;
	}
	if (!ret)
		for (size_t i = 0; i < l.count; i++)
			fn(dev, &l.v[i], arg);
	free(l.v);
	return report(dev, "entry dump", ret);
}

int kernel_entry_get(struct dev *dev, const struct dmvpn_prefix *p,
		     struct dmvpn_entry *e)
{
	struct dump_ctx d = { .dev = dev, .one = e };
	struct nl_msg *msg = dmvpn_nl_request(&req, DMVPN_CMD_ENTRY_GET, 0,
					      dev->ifindex);
	struct dmvpn_entry key = { .prefix = *p };
	int ret = -ENOMEM;

	memset(e, 0, sizeof(*e));
	if (msg && !msg_put_entry(msg, &key, FIELD_PREFIX))
		ret = dmvpn_nl_transact(&req, msg, on_entry, &d);
	nlmsg_free(msg);
	if (ret == -ENOENT)
		return ret;
	return report(dev, "entry get", ret);
}

// SPDX-License-Identifier: GPL-2.0
#include "nl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dmvpn.h"
#include "msg.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Big enough that a burst of rate-limited events is not lost. */
#define MONITOR_RCVBUF	(1 << 20)

/*
 * libnl reports its own codes; the user wants the errno behind them.  Only
 * the codes a socket operation can produce are worth a precise mapping.
 */
static int nlerr_to_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:		return ENOMEM;
	case NLE_PERM:		return EPERM;
	case NLE_NOACCESS:	return EACCES;
	case NLE_AGAIN:		return EAGAIN;
	case NLE_INTR:		return EINTR;
	case NLE_BAD_SOCK:	return EBADF;
	case NLE_OPNOTSUPP:	return EOPNOTSUPP;
	case NLE_AF_NOSUPPORT:	return EAFNOSUPPORT;
	case NLE_PROTO_MISMATCH: return EPROTONOSUPPORT;
	case NLE_NOADDR:	return EADDRNOTAVAIL;
	case NLE_NODEV:		return ENODEV;
	case NLE_EXIST:		return EEXIST;
	case NLE_OBJ_NOTFOUND:	return ENOENT;
	case NLE_INVAL:		return EINVAL;
	case NLE_RANGE:		return ERANGE;
	case NLE_MSGSIZE:	return EMSGSIZE;
	case NLE_BUSY:		return EBUSY;
	default:		return EPROTO;
	}
}

/*
 * Ask for extended acks so that the kernel says what is wrong, and capped
 * acks so that it does not echo our whole request back.  Older kernels lack
 * both; that only costs the explanation.
 */
static void enable_ext_ack(struct nl_sock *sk)
{
	int one = 1;
	int fd = nl_socket_get_fd(sk);

	(void)setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
}

/* ---- one request, its replies and its end ---- */

struct exchange {
	nl_reply_fn fn;
	void *arg;
	struct nl_result *res;
	bool done;
};

static void copy_extack(struct nl_result *res, const struct nlmsghdr *nlh)
{
	const char *text = msg_extack(nlh);

	if (text)
		snprintf(res->extack, sizeof(res->extack), "%s", text);
}

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;
	int ret;

	if (!x->fn)
		return NL_OK;
	ret = x->fn(nlmsg_hdr(msg), x->arg);
	if (ret < 0) {
		x->res->errnum = -ret;
		return NL_STOP;
	}
	return NL_OK;
}

static int on_error(struct sockaddr_nl *who, struct nlmsgerr *e, void *arg)
{
	/* libnl hands us the payload; the header (and the TLVs after the
	 * payload) sit just around it in the receive buffer. */
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct exchange *x = arg;

	(void)who;
	x->res->errnum = -e->error;
	copy_extack(x->res, nlh);
	x->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	(void)msg;
	x->done = true;
	return NL_STOP;
}

/* A dump that fails after it started ends with the errno in its DONE. */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct exchange *x = arg;

	x->res->errnum = msg_done_errno(nlh);
	if (x->res->errnum)
		copy_extack(x->res, nlh);
	x->done = true;
	return NL_STOP;
}

/* Keep reading to the end, then let the caller decide whether to retry. */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct exchange *x = arg;

	(void)msg;
	x->res->interrupted = true;
	return NL_OK;
}

static struct nl_cb *exchange_callbacks(struct exchange *x)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, x);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, x);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, x);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, x);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, x);
	return cb;
}

/*
 * NLM_F_DUMP shares its bits with NLM_F_REPLACE|NLM_F_EXCL, a combination
 * no request of ours uses, so both bits set means a dump.
 */
static bool is_dump_request(const struct nlmsghdr *nlh)
{
	return (nlh->nlmsg_flags & NLM_F_DUMP) == NLM_F_DUMP;
}

/*
 * Number the message and send it.  A fresh sequence number lets a retried
 * dump pass libnl's sequence check.  A dump asks for no ack: the DONE ends
 * it, and a stray ack left in the socket would confuse the next request.
 */
static int send_request(struct nl_sock *sk, struct nl_msg *msg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);

	nlh->nlmsg_seq = NL_AUTO_SEQ;
	nl_complete_msg(sk, msg);
	if (is_dump_request(nlh))
		nlh->nlmsg_flags &= ~NLM_F_ACK;
	return nl_send(sk, msg);
}

static int nl_exchange(struct nl_sock *sk, struct nl_msg *msg, nl_reply_fn fn,
		       void *arg, struct nl_result *res)
{
	struct exchange x = { .fn = fn, .arg = arg, .res = res };
	struct nl_cb *cb;
	int ret;

	*res = (struct nl_result){ 0 };
	cb = exchange_callbacks(&x);
	if (!cb) {
		res->errnum = ENOMEM;
		return -ENOMEM;
	}
	ret = send_request(sk, msg);
	while (ret >= 0 && !x.done && !res->errnum)
		ret = nl_recvmsgs(sk, cb);
	if (ret < 0 && !res->errnum)
		res->errnum = nlerr_to_errno(ret);
	nl_cb_put(cb);
	return -res->errnum;
}

/* ---- the dmvpn family ---- */

int dmvpn_nl_open(struct dmvpn_nl *nl, struct errmsg *err)
{
	int ret;

	*nl = (struct dmvpn_nl){ .family = -1 };
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		errmsg_set(err, "out of memory");
		return -1;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		errmsg_set(err, "cannot open a generic netlink socket: %s",
			   nl_geterror(ret));
		goto fail;
	}
	enable_ext_ack(nl->sk);
	nl->family = genl_ctrl_resolve(nl->sk, DMVPN_GENL_NAME);
	if (nl->family == -NLE_OBJ_NOTFOUND) {
		errmsg_set(err, "dmvpn kernel module not loaded "
			   "(genl family '%s' not found)", DMVPN_GENL_NAME);
		goto fail;
	}
	if (nl->family < 0) {
		errmsg_set(err, "cannot resolve genl family '%s': %s",
			   DMVPN_GENL_NAME, nl_geterror(nl->family));
		goto fail;
	}
	return 0;
fail:
	dmvpn_nl_close(nl);
	return -1;
}

void dmvpn_nl_close(struct dmvpn_nl *nl)
{
	nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *dmvpn_nl_request(const struct dmvpn_nl *nl, uint8_t cmd,
				int nlm_flags, uint32_t ifindex)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 nlm_flags, cmd, DMVPN_GENL_VERSION) ||
	    nla_put_u32(msg, DMVPN_A_IFINDEX, ifindex)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int dmvpn_nl_transact(struct dmvpn_nl *nl, struct nl_msg *msg,
		      nl_reply_fn fn, void *arg)
{
	return nl_exchange(nl->sk, msg, fn, arg, &nl->last);
}

/* ---- events ---- */

struct monitor {
	nl_reply_fn fn;
	void *arg;
	int errnum;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	int ret = m->fn(nlmsg_hdr(msg), m->arg);

	if (ret < 0) {
		m->errnum = -ret;
		return NL_STOP;
	}
	return NL_OK;
}

/* Notifications are not answers to a request: they carry sequence 0. */
static int accept_any_seq(struct nl_msg *msg, void *arg)
{
	(void)msg;
	(void)arg;
	return NL_OK;
}

static int join_events(struct dmvpn_nl *nl, struct errmsg *err)
{
	int group = genl_ctrl_resolve_grp(nl->sk, DMVPN_GENL_NAME,
					  DMVPN_GENL_MCGRP_EVENTS);
	int ret;

	if (group < 0) {
		errmsg_set(err, "cannot find the '%s' multicast group of '%s': %s",
			   DMVPN_GENL_MCGRP_EVENTS, DMVPN_GENL_NAME,
			   nl_geterror(group));
		return -1;
	}
	ret = nl_socket_add_membership(nl->sk, group);
	if (ret < 0) {
		errmsg_set(err, "cannot join the '%s' group: %s",
			   DMVPN_GENL_MCGRP_EVENTS, nl_geterror(ret));
		return -1;
	}
	(void)nl_socket_set_buffer_size(nl->sk, MONITOR_RCVBUF, 0);
	return 0;
}

int dmvpn_nl_join_events(struct dmvpn_nl *nl, struct errmsg *err)
{
	return join_events(nl, err);
}

static struct nl_cb *event_callbacks(struct monitor *m)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);

	if (!cb)
		return NULL;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_event, m);
	nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, accept_any_seq, NULL);
	return cb;
}

int dmvpn_nl_read_events(struct dmvpn_nl *nl, nl_reply_fn fn, nl_lost_fn lost,
			 void *arg)
{
	struct monitor m = { .fn = fn, .arg = arg };
	struct nl_cb *cb = event_callbacks(&m);
	int ret;

	if (!cb)
		return -ENOMEM;
	do {
		ret = nl_recvmsgs(nl->sk, cb);
		/* ENOBUFS means the kernel dropped events for us: say so
		 * and carry on.  libnl folds it into NLE_NOMEM, so a real
		 * allocation failure is reported the same way. */
		if (ret == -NLE_NOMEM && lost) {
			lost(arg);
			ret = 0;
		}
	} while (ret >= 0 && !m.errnum);
	nl_cb_put(cb);
	if (m.errnum)
		return -m.errnum;
	if (ret == -NLE_AGAIN)
		return 0;
	return -nlerr_to_errno(ret);
}

/* ---- rtnetlink: which devices are dmvpn ---- */

struct link_list {
	struct dmvpn_link *links;
	size_t count;
	size_t cap;
};

static int collect_link(struct nlmsghdr *nlh, void *arg)
{
	struct link_list *list = arg;
	struct dmvpn_link link;

	if (!msg_link_is_dmvpn(nlh, &link.ifindex, link.name))
		return 0;
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 8;
		struct dmvpn_link *p = realloc(list->links, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		list->links = p;
		list->cap = cap;
	}
	list->links[list->count++] = link;
	return 0;
}

static struct nl_msg *link_dump_request(void)
{
	struct ifinfomsg ifi = { .ifi_family = AF_UNSPEC };
	struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETLINK, NLM_F_DUMP);

	if (msg && nlmsg_append(msg, &ifi, sizeof(ifi), NLMSG_ALIGNTO) < 0) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int dmvpn_list_links(struct dmvpn_link **links, size_t *count,
		     struct nl_result *res)
{
	struct link_list list = { 0 };
	struct nl_sock *sk = nl_socket_alloc();
	struct nl_msg *msg = link_dump_request();
	int ret = -ENOMEM;

	*res = (struct nl_result){ .errnum = ENOMEM };
	if (!sk || !msg)
		goto out;
	ret = nl_connect(sk, NETLINK_ROUTE);
	if (ret < 0) {
		res->errnum = nlerr_to_errno(ret);
		ret = -res->errnum;
		goto out;
	}
	enable_ext_ack(sk);
	ret = nl_exchange(sk, msg, collect_link, &list, res);
out:
	nlmsg_free(msg);
	nl_socket_free(sk);
	if (ret < 0) {
		free(list.links);
		return ret;
	}
	*links = list.links;
	*count = list.count;
	return 0;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Talking to the kernel: the dmvpn generic netlink family and, to find
 * dmvpn devices, rtnetlink.  Built on libnl-3; adds what libnl 3.7 lacks,
 * extended acks and errors carried by NLMSG_DONE.
 */
#ifndef DMVPN_NL_H
#define DMVPN_NL_H

#include <net/if.h>
#include <netlink/msg.h>
#include <stdbool.h>
#include <stdint.h>

#include "errmsg.h"

/* How the last exchange with the kernel ended. */
struct nl_result {
	int errnum;		/* positive errno; 0 on success */
	char extack[256];	/* the kernel's explanation, "" if none */
	bool interrupted;	/* a dump saw NLM_F_DUMP_INTR: it may be torn */
};

struct dmvpn_nl {
	struct nl_sock *sk;
	int family;		/* resolved id of DMVPN_GENL_NAME */
	struct nl_result last;
};

/* Called for every reply message; a negative errno aborts the exchange. */
typedef int (*nl_reply_fn)(struct nlmsghdr *nlh, void *arg);

/*
 * Connect and resolve the family.  On failure @err says why, for example
 * that the module is not loaded.
 */
int dmvpn_nl_open(struct dmvpn_nl *nl, struct errmsg *err);
void dmvpn_nl_close(struct dmvpn_nl *nl);

/* A request for @cmd, naming the device by @ifindex; NULL without memory. */
struct nl_msg *dmvpn_nl_request(const struct dmvpn_nl *nl, uint8_t cmd,
				int nlm_flags, uint32_t ifindex);

/*
 * Send @msg (which stays the caller's) and pass each reply to @fn until the
 * ack, the error or the end of the dump.  Returns 0 or a negative errno; the
 * details are in nl->last.
 */
int dmvpn_nl_transact(struct dmvpn_nl *nl, struct nl_msg *msg,
		      nl_reply_fn fn, void *arg);

/* Called when the kernel dropped events because we read too slowly. */
typedef void (*nl_lost_fn)(void *arg);

/*
 * For an event loop: join the "events" group (put the socket in
 * non-blocking mode yourself), then call dmvpn_nl_read_events() whenever
 * it is readable; it passes every queued notification to @fn and returns
 * 0 once the socket is drained, or a negative errno.
 */
int dmvpn_nl_join_events(struct dmvpn_nl *nl, struct errmsg *err);
int dmvpn_nl_read_events(struct dmvpn_nl *nl, nl_reply_fn fn, nl_lost_fn lost,
			 void *arg);

struct dmvpn_link {
	uint32_t ifindex;
	char name[IF_NAMESIZE];
};

/* Every dmvpn device in our namespace, in ifindex order; free() *links. */
int dmvpn_list_links(struct dmvpn_link **links, size_t *count,
		     struct nl_result *res);

#endif

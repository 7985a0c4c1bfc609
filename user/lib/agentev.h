/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The agent's events, as dmvpnd streams them to "dmvpnctl monitor" over its
 * control socket, and as dmvpnctl prints them beside the kernel's.  Pure:
 * one line of the stream in, one event out, and back.
 *
 * The stream, after the agent's "ok": one line an event,
 *   "event MSECS KIND DEV [peer ADDR] [nbma A.B.C.D] [prefix P/LEN]
 *    [reason WORD]\n"
 * (MSECS: the agent's wall clock, in milliseconds since the epoch), and
 * "lost N\n" when the agent dropped N events because the subscriber did
 * not read them in time.
 */
#ifndef DMVPN_AGENTEV_H
#define DMVPN_AGENTEV_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "errmsg.h"
#include "json.h"
#include "sbuf.h"

enum agent_event_kind {
	AGENT_EV_REGISTRATION,		/* hub: a spoke registered */
	AGENT_EV_REGISTRATION_REFUSED,	/* hub: ... was refused (reason) */
	AGENT_EV_REGISTRATION_EXPIRED,	/* hub: ... ran out */
	AGENT_EV_NHS_UP,		/* spoke: registered with an NHS */
	AGENT_EV_NHS_DOWN,		/* spoke: an NHS refused or is silent */
	AGENT_EV_RESOLUTION_SENT,
	AGENT_EV_RESOLUTION_ANSWERED,
	AGENT_EV_RESOLUTION_FAILED,
	AGENT_EV_SHORTCUT_ADDED,
	AGENT_EV_SHORTCUT_REMOVED,
	AGENT_EV_PURGE_SENT,
	AGENT_EV_PURGE_RECEIVED,
	AGENT_EV_IPSEC_UP,
	AGENT_EV_IPSEC_DOWN,
	AGENT_EV_RELOAD,
	AGENT_EV_KINDS
};

#define AGENT_EVENT_REASON_MAX	40
/* The longest line the agent writes, newline included. */
#define AGENT_EVENT_LINE_MAX	256

struct agent_event {
	enum agent_event_kind kind;
	uint64_t time_ms;		/* wall clock, ms since the epoch */
	char dev[IF_NAMESIZE];
	bool has_peer;			/* its tunnel address */
	struct dmvpn_prefix peer;
	bool has_nbma;
	struct in_addr nbma;
	bool has_prefix;		/* what was resolved or installed */
	struct dmvpn_prefix prefix;
	char reason[AGENT_EVENT_REASON_MAX];	/* one word, "" if none */
};

/* "registration", "nhs-up", ...; NULL for no kind. */
const char *agent_event_name(enum agent_event_kind kind);

/* The stream's line for @ev, newline included. */
void agent_event_encode(struct sbuf *out, const struct agent_event *ev);
/* The stream's line saying @count events were dropped. */
void agent_event_encode_lost(struct sbuf *out, uint64_t count);

enum agent_line {
	AGENT_LINE_EVENT,
	AGENT_LINE_LOST,
	AGENT_LINE_BAD = -1,
};

/*
 * One line of the stream, without its newline: an event in @ev, or a
 * count of dropped events in @lost; AGENT_LINE_BAD and why in @err.
 */
enum agent_line agent_event_decode(const char *line, struct agent_event *ev,
				   uint64_t *lost, struct errmsg *err);

/* "agent registration dev dmvpn0 peer 10.0.0.2 nbma 192.0.2.2", no newline. */
void agent_event_to_text(struct sbuf *out, const struct agent_event *ev);
/* The object, with "time" first unless @time is NULL. */
void agent_event_to_json_at(struct json *j, const struct agent_event *ev,
			    const char *time);

#endif

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The words of a control-socket request, parsed as dmvpnctl parses its own
 * command line: keywords may be abbreviated ("sh dm" is "show dmvpn"),
 * "dev NAME" may stand anywhere, and anything else is refused with a
 * message.  Pure: the agent then checks the device against what it serves.
 */
#ifndef DMVPND_CTLCMD_H
#define DMVPND_CTLCMD_H

#include <stdbool.h>

#include "entry.h"
#include "errmsg.h"

enum ctl_what {
	CTL_SHOW_DMVPN,
	CTL_SHOW_CACHE,
	CTL_SHOW_NHS,
	CTL_SHOW_SHORTCUT,
	CTL_SHOW_STATS,
	CTL_PURGE,
	CTL_FLUSH,
	CTL_RELOAD,
	CTL_DEBUG_SHOW,
	CTL_DEBUG_NHRP,
	CTL_MONITOR,		/* the agent's events, as they happen */
};

struct ctl_cmd {
	enum ctl_what what;
	const char *dev;		/* "dev NAME", NULL if not given */
	bool detail;			/* show dmvpn detail */
	bool dry_run;			/* reload --dry-run */
	bool on;			/* debug nhrp ... on */
	bool has_peer;			/* debug nhrp peer ADDR ... */
	struct dmvpn_prefix peer;	/* purge: the prefix; debug: the peer */
};

/* @argv's words are kept (cmd->dev points into them). */
int ctl_cmd_parse(int argc, char **argv, struct ctl_cmd *cmd,
		  struct errmsg *err);

#endif

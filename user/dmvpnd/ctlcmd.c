// SPDX-License-Identifier: GPL-2.0
#include "ctlcmd.h"

#include <string.h>

#include "parse.h"

#define CTL_WORDS_MAX	16

/* The words that are left once "dev NAME" is taken out. */
struct words {
	int argc;
	char *argv[CTL_WORDS_MAX];
};

static int keyword(const char *ctx, const char *word,
		   const struct word_map *map, const char *expected,
		   struct errmsg *err)
{
	int v;

	if (!word) {
		errmsg_set(err, "%s: expected %s", ctx, expected);
		return WORD_UNKNOWN;
	}
	v = match_word(word, map);
	if (v == WORD_AMBIGUOUS)
		errmsg_set(err, "%s: \"%.40s\" is ambiguous (expected %s)", ctx,
			   word, expected);
	else if (v == WORD_UNKNOWN)
		errmsg_set(err, "%s: expected %s, got \"%.40s\"", ctx,
			   expected, word);
	return v;
}

static int nothing_after(const char *ctx, const struct words *w, int i,
			 struct errmsg *err)
{
	if (w->argc > i) {
		errmsg_set(err, "%s: unexpected \"%.40s\"", ctx, w->argv[i]);
		return -1;
	}
	return 0;
}

static const char *word_at(const struct words *w, int i)
{
	return i < w->argc ? w->argv[i] : NULL;
}

static int parse_show(const struct words *w, struct ctl_cmd *cmd,
		      struct errmsg *err)
{
	static const struct word_map objects[] = {
		{ "dmvpn", 0 }, { "nhrp", 1 }, { NULL, 0 },
	};
	static const struct word_map nhrp[] = {
		{ "cache", CTL_SHOW_CACHE }, { "nhs", CTL_SHOW_NHS },
		{ "shortcut", CTL_SHOW_SHORTCUT },
		{ "stats", CTL_SHOW_STATS }, { NULL, 0 },
	};
	static const struct word_map details[] = {
		{ "detail", 1 }, { NULL, 0 },
	};
	int v = keyword("show", word_at(w, 1), objects, "dmvpn or nhrp", err);

	if (v < 0)
		return -1;
	if (v == 0) {
		cmd->what = CTL_SHOW_DMVPN;
		if (w->argc > 2) {
			if (keyword("show dmvpn", w->argv[2], details,
				    "detail", err) < 0)
				return -1;
			cmd->detail = true;
		}
		return nothing_after("show dmvpn", w, 3, err);
	}
	v = keyword("show nhrp", word_at(w, 2), nhrp,
		    "cache, nhs, shortcut or stats", err);
	if (v < 0)
		return -1;
	cmd->what = (enum ctl_what)v;
	return nothing_after("show nhrp", w, 3, err);
}

static int parse_purge(const struct words *w, struct ctl_cmd *cmd,
		       struct errmsg *err)
{
	struct errmsg why;

	cmd->what = CTL_PURGE;
	if (w->argc < 2) {
		errmsg_set(err, "purge: which prefix?");
		return -1;
	}
	if (parse_prefix(w->argv[1], &cmd->peer, &why)) {
		errmsg_set(err, "purge: %.200s", why.text);
		return -1;
	}
	if (!cmd->dev) {
		errmsg_set(err, "purge: which device? add \"dev NAME\"");
		return -1;
	}
	return nothing_after("purge", w, 2, err);
}

static int parse_reload(const struct words *w, struct ctl_cmd *cmd,
			struct errmsg *err)
{
	cmd->what = CTL_RELOAD;
	if (w->argc > 1 && (!strcmp(w->argv[1], "--dry-run") ||
			    !strcmp(w->argv[1], "-n"))) {
		cmd->dry_run = true;
		return nothing_after("reload", w, 2, err);
	}
	return nothing_after("reload", w, 1, err);
}

/* debug [nhrp [peer ADDR] on|off] */
static int parse_debug(const struct words *w, struct ctl_cmd *cmd,
		       struct errmsg *err)
{
	static const struct word_map what[] = {
		{ "nhrp", 0 }, { NULL, 0 },
	};
	static const struct word_map args[] = {
		{ "on", 1 }, { "off", 0 }, { "peer", 2 }, { NULL, 0 },
	};
	static const struct word_map on_off[] = {
		{ "on", 1 }, { "off", 0 }, { NULL, 0 },
	};
	struct errmsg why;
	int i = 2, v;

	cmd->what = CTL_DEBUG_SHOW;
	if (w->argc < 2)
		return 0;
	if (keyword("debug", w->argv[1], what, "nhrp", err) < 0)
		return -1;
	if (w->argc < 3)
		return 0;
	cmd->what = CTL_DEBUG_NHRP;
	v = keyword("debug nhrp", w->argv[i], args, "peer, on or off", err);
	if (v < 0)
		return -1;
	if (v == 2) {
		if (!word_at(w, 3)) {
			errmsg_set(err, "debug nhrp peer: expected an address");
			return -1;
		}
		if (parse_prefix(w->argv[3], &cmd->peer, &why) ||
		    cmd->peer.len != dmvpn_family_bits(cmd->peer.family)) {
			errmsg_set(err, "debug nhrp peer: expected an NBMA or "
				   "tunnel address, got \"%.40s\"", w->argv[3]);
			return -1;
		}
		cmd->has_peer = true;
		i = 4;
		v = keyword("debug nhrp peer", word_at(w, i), on_off,
			    "on or off", err);
		if (v < 0)
			return -1;
	}
	cmd->on = v == 1;
	return nothing_after("debug nhrp", w, i + 1, err);
}

int ctl_cmd_parse(int argc, char **argv, struct ctl_cmd *cmd,
		  struct errmsg *err)
{
	static const struct word_map commands[] = {
		{ "show", 0 }, { "purge", 1 }, { "flush", 2 }, { "reload", 3 },
		{ "debug", 4 }, { "monitor", 5 }, { NULL, 0 },
	};
	struct words w = { 0 };
	int v;

	memset(cmd, 0, sizeof(*cmd));
	for (int i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "dev")) {
			if (i + 1 == argc) {
				errmsg_set(err, "dev: expected a device name");
				return -1;
			}
			if (cmd->dev) {
				errmsg_set(err, "dev given twice");
				return -1;
			}
			cmd->dev = argv[++i];
			continue;
		}
		if (w.argc == CTL_WORDS_MAX) {
			errmsg_set(err, "too many words");
			return -1;
		}
		w.argv[w.argc++] = argv[i];
	}
	if (!w.argc) {
		errmsg_set(err, "expected a command");
		return -1;
	}
	v = match_word(w.argv[0], commands);
	if (v == WORD_AMBIGUOUS || v == WORD_UNKNOWN) {
		errmsg_set(err, "unknown command \"%.40s\"", w.argv[0]);
		return -1;
	}
	switch (v) {
	case 0: return parse_show(&w, cmd, err);
	case 1: return parse_purge(&w, cmd, err);
	case 2:
		cmd->what = CTL_FLUSH;
		return nothing_after("flush", &w, 1, err);
	case 3: return parse_reload(&w, cmd, err);
	case 4: return parse_debug(&w, cmd, err);
	default:
		cmd->what = CTL_MONITOR;
		return nothing_after("monitor", &w, 1, err);
	}
}

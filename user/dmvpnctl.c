// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnctl: look at and change the NHRP cache of dmvpn devices, read their
 * counters and follow their events.
 *
 * Exit status: 0 success, 1 the kernel or the system refused, 2 the command
 * line is wrong.
 */
#define _GNU_SOURCE		/* struct ucred */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <net/if.h>
#include <poll.h>
#include <netlink/genl/genl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "dmvpn.h"
#include "lib/agentev.h"
#include "lib/entry.h"
#include "lib/format.h"
#include "lib/json.h"
#include "lib/msg.h"
#include "lib/nl.h"
#include "lib/parse.h"
#include "lib/sbuf.h"

#ifndef DMVPN_VERSION
#define DMVPN_VERSION "unknown"
#endif

#define EXIT_USAGE 2

static const char usage_text[] =
"Usage: dmvpnctl [ OPTIONS ] OBJECT COMMAND\n"
"       dmvpnctl { help | --version }\n"
"\n"
"  cache show [ dev DEV ] [ type TYPE ]\n"
"  cache { add | replace } PREFIX nbma ADDR dev DEV [ type TYPE ]\n"
"                 [ holdtime SECS ] [ multicast ] [ unique ] [ require-ipsec ]\n"
"                 [ priority NUMBER ] [ mark NUMBER ]\n"
"  cache { add | replace } PREFIX negative dev DEV [ holdtime SECS ]\n"
"  cache { del | get } PREFIX dev DEV\n"
"  cache flush dev DEV [ type TYPE ]\n"
"  stats [ dev DEV ] [ prometheus ]\n"
"  monitor                           the kernel's and the agent's events\n"
"\n"
"Asking the agent (dmvpnd in this network namespace):\n"
"  show dmvpn [ detail ] [ dev DEV ]\n"
"                                    peers: NHSs, registrations, shortcuts\n"
"  show nhrp { cache | nhs | shortcut | stats } [ dev DEV ]\n"
"  purge PREFIX dev DEV              forget a registration or shortcut\n"
"  flush [ dev DEV ]                 forget every one of them\n"
"  reload [ --dry-run ]              read the configuration again\n"
"  debug [ nhrp [ peer ADDRESS ] { on | off } ]\n"
"                                    decoded NHRP packets in the log\n"
"\n"
"Where:\n"
"  PREFIX := { A.B.C.D[/LEN] | X:X::X:X[/LEN] }  host bits must be zero\n"
"  ADDR   := A.B.C.D                             the peer's NBMA address\n"
"  TYPE   := { static | dynamic | nhs | shortcut | negative | local }\n"
"  SECS   := { 1..65535 | never }                holding time, default never\n"
"\n"
"Options:\n"
"  -j, --json      JSON output\n"
"  -p, --pretty    indent JSON output\n"
"  -t, --timestamp monitor: each event with its time (UTC)\n"
"  -s, --socket NAME  the agent's control socket (default @dmvpnd)\n"
"  -n, --netns NAME   in network namespace NAME (as ip -n does)\n"
"  -V, --version   print the version and exit\n"
"  -h, --help      print this help and exit\n";

struct options {
	bool json;
	bool pretty;
	bool timestamp;
	const char *socket;
	const char *netns;
};

struct ctl {
	struct options opt;
	struct dmvpn_nl nl;
	bool nl_open;
};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry 'dmvpnctl help'.\n", stderr);
	return EXIT_USAGE;
}

static void report_oom(void)
{
	fprintf(stderr, "Error: out of memory\n");
}

static int print_help(void)
{
	fputs(usage_text, stdout);
	return 0;
}

static int print_version(void)
{
	printf("dmvpnctl %s (generic netlink family %s, version %d)\n",
	       DMVPN_VERSION, DMVPN_GENL_NAME, DMVPN_GENL_VERSION);
	return 0;
}

static bool is_help(int argc, char **argv)
{
	return argc > 0 && !strcmp(argv[0], "help");
}

/* Write what was formatted; an allocation failure there is an error too. */
static int emit(const struct sbuf *out)
{
	if (out->oom) {
		report_oom();
		return 1;
	}
	fputs(sbuf_str(out), stdout);
	return 0;
}

/* ---- the kernel ---- */

static int open_netlink(struct ctl *ctl)
{
	struct errmsg err;

	if (ctl->nl_open)
		return 0;
	if (dmvpn_nl_open(&ctl->nl, &err)) {
		fprintf(stderr, "Error: %s\n", err.text);
		return -1;
	}
	ctl->nl_open = true;
	return 0;
}

/*
 * "Error: <what went wrong>[: <the kernel's explanation>]".  A caller that
 * knows better what the errno means passes @text, which says it all.
 */
static void report_error(const struct nl_result *res, const char *dev,
			 const char *text)
{
	struct sbuf msg = SBUF_INIT;

	if (text)
		sbuf_adds(&msg, text);
	else
		format_errno(&msg, res->errnum, dev);
	if (!text && res->extack[0])
		sbuf_printf(&msg, ": %s", res->extack);
	fprintf(stderr, "Error: %s\n", sbuf_str(&msg));
	sbuf_free(&msg);
}

static int dev_to_ifindex(const char *dev, uint32_t *ifindex)
{
	*ifindex = if_nametoindex(dev);
	if (*ifindex == 0) {
		fprintf(stderr, "Error: Cannot find device \"%s\"\n", dev);
		return -1;
	}
	return 0;
}

/* The named device, or every dmvpn device when @dev is NULL. */
static int select_devices(const char *dev, struct dmvpn_link **links,
			  size_t *count)
{
	struct nl_result res;

	if (!dev) {
		if (dmvpn_list_links(links, count, &res) == 0)
			return 0;
		report_error(&res, NULL, NULL);
		return -1;
	}
	*links = calloc(1, sizeof(**links));
	if (!*links) {
		report_oom();
		return -1;
	}
	*count = 1;
	snprintf((*links)->name, sizeof((*links)->name), "%s", dev);
	if (dev_to_ifindex(dev, &(*links)->ifindex)) {
		free(*links);
		return -1;
	}
	return 0;
}

/*
 * Send @msg and free it.  NULL stands for a message that could not be
 * built.  Returns 0 or a negative errno, described in ctl->nl.last.
 */
static int run_request(struct ctl *ctl, struct nl_msg *msg, nl_reply_fn fn,
		       void *arg)
{
	int ret;

	if (!msg) {
		ctl->nl.last = (struct nl_result){ .errnum = ENOMEM };
		return -ENOMEM;
	}
	ret = dmvpn_nl_transact(&ctl->nl, msg, fn, arg);
	nlmsg_free(msg);
	return ret;
}

/* ---- reading entries ---- */

struct entry_list {
	struct dmvpn_entry *entries;
	size_t count;
	size_t cap;
	bool filter_type;
	uint8_t type;
	struct errmsg err;	/* why a reply was refused */
};

static int entry_list_push(struct entry_list *list, const struct dmvpn_entry *e)
{
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct dmvpn_entry *p = realloc(list->entries, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		list->entries = p;
		list->cap = cap;
	}
	list->entries[list->count++] = *e;
	return 0;
}

static int collect_entry(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DMVPN_A_MAX + 1];
	struct entry_list *list = arg;
	struct dmvpn_entry e;

	if (genlmsg_parse(nlh, 0, tb, DMVPN_A_MAX, NULL) || !tb[DMVPN_A_ENTRY]) {
		errmsg_set(&list->err, "a reply without an entry");
		return -EPROTO;
	}
	if (msg_parse_entry(tb[DMVPN_A_ENTRY], &e, &list->err))
		return -EPROTO;
	if (list->filter_type && e.type != list->type)
		return 0;
	return entry_list_push(list, &e);
}

/* A reply we could not decode: say what was wrong with it. */
static void report_reply_error(const struct ctl *ctl,
			       const struct entry_list *list, const char *dev)
{
	if (ctl->nl.last.errnum == EPROTO && list->err.text[0])
		fprintf(stderr, "Error: %s: malformed reply from the kernel: %s\n",
			dev, list->err.text);
	else
		report_error(&ctl->nl.last, dev, NULL);
}

/*
 * A dump that raced with changes to the cache may be torn: try again a few
 * times before settling for a warning.
 */
#define DUMP_ATTEMPTS 3

static int dump_entries(struct ctl *ctl, const struct dmvpn_link *link,
			struct entry_list *list)
{
	int attempt, ret = 0;

	list->err.text[0] = '\0';
	for (attempt = 0; attempt < DUMP_ATTEMPTS; attempt++) {
		list->count = 0;
		ret = run_request(ctl, dmvpn_nl_request(&ctl->nl,
				  DMVPN_CMD_ENTRY_GET, NLM_F_DUMP, link->ifindex),
				  collect_entry, list);
		if (ret || !ctl->nl.last.interrupted)
			break;
	}
	if (ret) {
		report_reply_error(ctl, list, link->name);
		return -1;
	}
	if (ctl->nl.last.interrupted)
		fprintf(stderr, "Warning: the cache of %s kept changing during "
			"the dump; the listing may be inconsistent\n", link->name);
	qsort(list->entries, list->count, sizeof(*list->entries), entry_compare);
	list->count = entry_dedup(list->entries, list->count);
	return 0;
}

/* ---- output of entries ---- */

struct entry_output {
	struct options opt;
	struct sbuf out;
	struct json json;
	struct table table;
};

static void entry_output_begin(struct entry_output *o, const struct options *opt)
{
	o->opt = *opt;
	o->out = (struct sbuf)SBUF_INIT;
	json_init(&o->json, &o->out, opt->pretty);
	table_init(&o->table, ENTRY_TABLE_COLUMNS, entry_table_headers,
		   entry_table_right_align);
	/* The schema's one shape: an object with named arrays. */
	if (opt->json) {
		json_open_object(&o->json, NULL);
		json_open_array(&o->json, "entries");
	}
}

static void entry_output_add(struct entry_output *o, const char *dev,
			     const struct entry_list *list)
{
	size_t i;

	for (i = 0; i < list->count; i++) {
		if (o->opt.json)
			entry_to_json(&o->json, dev, &list->entries[i]);
		else
			entry_table_add(&o->table, dev, &list->entries[i]);
	}
}

/* An empty text listing prints nothing at all, like ip. */
static int entry_output_end(struct entry_output *o)
{
	int ret;

	if (o->opt.json) {
		json_close_array(&o->json);
		json_close_object(&o->json);
		sbuf_addc(&o->out, '\n');
	} else if (o->table.nrows) {
		table_render(&o->table, &o->out);
	}
	if (o->table.oom)
		o->out.oom = true;
	ret = emit(&o->out);
	sbuf_free(&o->out);
	table_free(&o->table);
	return ret;
}

/* ---- cache commands ---- */

static int cache_show(struct ctl *ctl, const struct cache_request *req)
{
	struct entry_list list = {
		.filter_type = req->given & FIELD_TYPE,
		.type = req->entry.type,
	};
	struct entry_output out;
	struct dmvpn_link *links;
	size_t count, i;
	int status = 0;

	if (open_netlink(ctl) || select_devices(req->dev, &links, &count))
		return 1;
	entry_output_begin(&out, &ctl->opt);
	/* One device failing (it may have just gone) does not hide the rest. */
	for (i = 0; i < count; i++) {
		if (dump_entries(ctl, &links[i], &list))
			status = 1;
		else
			entry_output_add(&out, links[i].name, &list);
	}
	if (entry_output_end(&out))
		status = 1;
	free(list.entries);
	free(links);
	return status;
}

static void format_request_prefix(struct sbuf *out,
				  const struct cache_request *req)
{
	format_prefix(out, &req->entry.prefix, true);
}

/* The message for an errno that means something specific for @req. */
static void explain_cache_error(struct sbuf *text, const struct cache_request *req,
				int errnum)
{
	if (errnum == EEXIST && req->op == CACHE_OP_ADD) {
		sbuf_adds(text, "an entry for ");
		format_request_prefix(text, req);
		sbuf_printf(text, " already exists on %s (use 'cache replace' "
			    "to change it)", req->dev);
	} else if (errnum == ENOENT &&
		   (req->op == CACHE_OP_DEL || req->op == CACHE_OP_GET)) {
		sbuf_adds(text, "no entry for ");
		format_request_prefix(text, req);
		sbuf_printf(text, " on %s", req->dev);
	}
}

static void report_cache_error(const struct ctl *ctl,
			       const struct cache_request *req)
{
	struct sbuf text = SBUF_INIT;

	explain_cache_error(&text, req, ctl->nl.last.errnum);
	report_error(&ctl->nl.last, req->dev, text.len ? sbuf_str(&text) : NULL);
	sbuf_free(&text);
}

/*
 * Open the socket and build a request for @cmd on the request's device,
 * carrying the entry's @fields (none if 0).  NULL once the error is told.
 */
static struct nl_msg *cache_request_msg(struct ctl *ctl,
					const struct cache_request *req,
					uint8_t cmd, int nlm_flags,
					unsigned int fields)
{
	uint32_t ifindex;
	struct nl_msg *msg;

	if (open_netlink(ctl) || dev_to_ifindex(req->dev, &ifindex))
		return NULL;
	msg = dmvpn_nl_request(&ctl->nl, cmd, nlm_flags, ifindex);
	if (msg && fields && msg_put_entry(msg, &req->entry, fields) < 0) {
		nlmsg_free(msg);
		msg = NULL;
	}
	if (!msg)
		report_oom();
	return msg;
}

/* Run a request that only needs an ack. */
static int cache_change(struct ctl *ctl, const struct cache_request *req,
			struct nl_msg *msg)
{
	if (!msg)
		return 1;
	if (run_request(ctl, msg, NULL, NULL)) {
		report_cache_error(ctl, req);
		return 1;
	}
	return 0;
}

static int cache_add(struct ctl *ctl, const struct cache_request *req)
{
	/* Type and flags always go, so that a replace resets the flags. */
	unsigned int fields = req->given | FIELD_PREFIX | FIELD_TYPE | FIELD_FLAGS;
	struct nl_msg *msg;

	/* NLM_F_REPLACE is also NLM_F_ROOT, a dump bit, so generic netlink
	 * cannot carry it: the uapi has the DMVPN_A_REPLACE flag instead. */
	msg = cache_request_msg(ctl, req, DMVPN_CMD_ENTRY_NEW, 0, fields);
	if (msg && req->op == CACHE_OP_REPLACE &&
	    nla_put_flag(msg, DMVPN_A_REPLACE) < 0) {
		nlmsg_free(msg);
		report_oom();
		return 1;
	}
	return cache_change(ctl, req, msg);
}

static int cache_del(struct ctl *ctl, const struct cache_request *req)
{
	return cache_change(ctl, req, cache_request_msg(ctl, req,
			    DMVPN_CMD_ENTRY_DEL, 0, FIELD_PREFIX));
}

static int cache_flush(struct ctl *ctl, const struct cache_request *req)
{
	struct nl_msg *msg;

	msg = cache_request_msg(ctl, req, DMVPN_CMD_ENTRY_FLUSH, 0, 0);
	if (msg && (req->given & FIELD_TYPE) &&
	    nla_put_u8(msg, DMVPN_A_FLUSH_TYPE, req->entry.type) < 0) {
		nlmsg_free(msg);
		report_oom();
		return 1;
	}
	return cache_change(ctl, req, msg);
}

static int cache_get(struct ctl *ctl, const struct cache_request *req)
{
	struct entry_list list = { 0 };
	struct entry_output out;
	struct nl_msg *msg;
	int status;

	msg = cache_request_msg(ctl, req, DMVPN_CMD_ENTRY_GET, 0, FIELD_PREFIX);
	if (!msg)
		return 1;
	if (run_request(ctl, msg, collect_entry, &list)) {
		if (list.err.text[0])
			report_reply_error(ctl, &list, req->dev);
		else
			report_cache_error(ctl, req);
		free(list.entries);
		return 1;
	}
	entry_output_begin(&out, &ctl->opt);
	entry_output_add(&out, req->dev, &list);
	status = entry_output_end(&out);
	free(list.entries);
	return status;
}

static const struct word_map cache_ops[] = {
	{ "show",	CACHE_OP_SHOW },
	{ "list",	CACHE_OP_SHOW },
	{ "add",	CACHE_OP_ADD },
	{ "replace",	CACHE_OP_REPLACE },
	{ "del",	CACHE_OP_DEL },
	{ "delete",	CACHE_OP_DEL },
	{ "get",	CACHE_OP_GET },
	{ "flush",	CACHE_OP_FLUSH },
	{ NULL,		0 },
};

static int run_cache_op(struct ctl *ctl, const struct cache_request *req)
{
	switch (req->op) {
	case CACHE_OP_SHOW:	return cache_show(ctl, req);
	case CACHE_OP_ADD:
	case CACHE_OP_REPLACE:	return cache_add(ctl, req);
	case CACHE_OP_DEL:	return cache_del(ctl, req);
	case CACHE_OP_GET:	return cache_get(ctl, req);
	case CACHE_OP_FLUSH:	return cache_flush(ctl, req);
	}
	return 1;
}

/* "cache" alone lists the cache, as "ip neigh" does. */
static int do_cache(struct ctl *ctl, int argc, char **argv)
{
	struct cache_request req;
	struct errmsg err;
	int op = CACHE_OP_SHOW;

	if (is_help(argc, argv))
		return print_help();
	if (argc > 0) {
		op = match_word(argv[0], cache_ops);
		if (op == WORD_AMBIGUOUS)
			return usage_error("'cache %s' is ambiguous", argv[0]);
		if (op == WORD_UNKNOWN)
			return usage_error("unknown command 'cache %s'", argv[0]);
		argc--;
		argv++;
	}
	if (is_help(argc, argv))
		return print_help();
	if (parse_cache_request((enum cache_op)op, argc, argv, &req, &err))
		return usage_error("%s", err.text);
	return run_cache_op(ctl, &req);
}

/* ---- stats ---- */

struct stats_reply {
	bool seen;
	struct dmvpn_stats stats;
};

static int collect_stats(struct nlmsghdr *nlh, void *arg)
{
	struct nlattr *tb[DMVPN_A_MAX + 1];
	struct stats_reply *reply = arg;

	if (genlmsg_parse(nlh, 0, tb, DMVPN_A_MAX, NULL) || !tb[DMVPN_A_STATS])
		return -EPROTO;
	msg_parse_stats(tb[DMVPN_A_STATS], &reply->stats);
	reply->seen = true;
	return 0;
}

static int fetch_stats(struct ctl *ctl, const struct dmvpn_link *link,
		       struct dmvpn_stats *stats)
{
	struct stats_reply reply = { 0 };

	if (run_request(ctl, dmvpn_nl_request(&ctl->nl, DMVPN_CMD_STATS_GET, 0,
					      link->ifindex),
			collect_stats, &reply)) {
		report_error(&ctl->nl.last, link->name, NULL);
		return -1;
	}
	if (!reply.seen) {
		fprintf(stderr, "Error: %s: the kernel sent no counters\n",
			link->name);
		return -1;
	}
	*stats = reply.stats;
	return 0;
}

/*
 * Text for one device: bare "name value" lines when the user named the
 * device, else a "name:" heading per device.
 */
static void stats_text(struct sbuf *out, const struct dmvpn_link *link,
		       const struct dmvpn_stats *stats, bool with_heading)
{
	if (!with_heading) {
		stats_to_text(out, stats, "");
		return;
	}
	if (out->len)
		sbuf_addc(out, '\n');
	sbuf_printf(out, "%s:\n", link->name);
	stats_to_text(out, stats, "  ");
}

static void stats_json(struct json *j, const struct dmvpn_link *link,
		       const struct dmvpn_stats *stats)
{
	json_open_object(j, NULL);
	json_string(j, "device", link->name);
	stats_to_json(j, stats);
	json_close_object(j);
}

/*
 * "stats prometheus": every device's counters and every entry's, in the
 * Prometheus text format, for node_exporter's textfile collector.
 */
static int stats_prometheus(struct ctl *ctl, const char *dev)
{
	struct sbuf out = SBUF_INIT;
	struct dmvpn_link *links;
	struct prom_device *devs;
	struct dmvpn_stats *stats;
	struct entry_list *lists;
	size_t count, i;
	int status = 0;

	if (open_netlink(ctl) || select_devices(dev, &links, &count))
		return 1;
	devs = calloc(count ? count : 1, sizeof(*devs));
	stats = calloc(count ? count : 1, sizeof(*stats));
	lists = calloc(count ? count : 1, sizeof(*lists));
	if (!devs || !stats || !lists) {
		report_oom();
		status = 1;
		goto out;
	}
	for (i = 0; i < count; i++) {
		devs[i].name = links[i].name;
		if (fetch_stats(ctl, &links[i], &stats[i]))
			status = 1;
		else
			devs[i].stats = &stats[i];
		if (dump_entries(ctl, &links[i], &lists[i])) {
			status = 1;
			continue;
		}
		devs[i].entries = lists[i].entries;
		devs[i].entry_count = lists[i].count;
	}
	stats_to_prometheus(&out, devs, count);
	entries_to_prometheus(&out, devs, count);
	if (emit(&out))
		status = 1;
out:
	for (i = 0; lists && i < count; i++)
		free(lists[i].entries);
	sbuf_free(&out);
	free(lists);
	free(stats);
	free(devs);
	free(links);
	return status;
}

static int do_stats(struct ctl *ctl, int argc, char **argv)
{
	struct sbuf out = SBUF_INIT;
	struct dmvpn_link *links;
	struct dmvpn_stats stats;
	const char *dev;
	struct errmsg err;
	struct json json;
	size_t count, i;
	bool prometheus = false;
	int status = 0;

	if (is_help(argc, argv))
		return print_help();
	for (int i = 0; i < argc; i++) {
		if (strcmp(argv[i], "prometheus"))
			continue;
		prometheus = true;
		memmove(&argv[i], &argv[i + 1], (size_t)(argc - i - 1) *
			sizeof(*argv));
		argc--;
		break;
	}
	if (parse_dev_filter("stats", argc, argv, &dev, &err))
		return usage_error("%s", err.text);
	if (prometheus && ctl->opt.json)
		return usage_error("'stats prometheus' and -j exclude each other");
	if (prometheus)
		return stats_prometheus(ctl, dev);
	if (open_netlink(ctl) || select_devices(dev, &links, &count))
		return 1;
	json_init(&json, &out, ctl->opt.pretty);
	if (ctl->opt.json) {
		json_open_object(&json, NULL);
		json_open_array(&json, "stats");
	}
	for (i = 0; i < count; i++) {
		if (fetch_stats(ctl, &links[i], &stats)) {
			status = 1;
		} else if (ctl->opt.json) {
			stats_json(&json, &links[i], &stats);
		} else {
			stats_text(&out, &links[i], &stats, dev == NULL);
		}
	}
	if (ctl->opt.json) {
		json_close_array(&json);
		json_close_object(&json);
		sbuf_addc(&out, '\n');
	}
	if (emit(&out))
		status = 1;
	sbuf_free(&out);
	free(links);
	return status;
}

/* ---- the agent's control socket ---- */

/*
 * Any local user can bind an abstract name before dmvpnd does.  The
 * socket's owner (SO_PEERCRED: who called listen()) must be root, or
 * ourselves (an agent in our own user namespace), before a request, which
 * may be "reload" or "purge", is sent to it.
 */
static bool agent_trusted(int fd, const char *name, struct errmsg *why)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len)) {
		errmsg_set(why, "%s: cannot read its owner: %s", name,
			   strerror(errno));
		return false;
	}
	if (cred.uid == 0 || cred.uid == geteuid())
		return true;
	errmsg_set(why, "%s is held by uid %u (pid %d), not root: it is not "
		   "dmvpnd; refusing to talk to it", name,
		   (unsigned int)cred.uid, (int)cred.pid);
	return false;
}

/* A connection to the agent, or -1 and why in @why. */
static int agent_connect(const char *name, struct errmsg *why)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	int fd;

	if (len + 1 > sizeof(sun.sun_path)) {
		errmsg_set(why, "socket name too long: %s", name);
		return -1;
	}
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    connect(fd, (struct sockaddr *)&sun,
		    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len))) {
		errmsg_set(why, "cannot reach dmvpnd at %s: %s%s", name,
			   strerror(errno), errno == ECONNREFUSED ||
			   errno == ENOENT ? " (is dmvpnd running in this "
			   "network namespace?)" : "");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (!agent_trusted(fd, name, why)) {
		close(fd);
		return -1;
	}
	return fd;
}

static const char *agent_socket(const struct ctl *ctl)
{
	return ctl->opt.socket ? ctl->opt.socket : "@dmvpnd";
}

/* ---- monitor ---- */

/*
 * The kernel's events (genl) and the agent's (its control socket, after
 * "monitor"), merged as they come.  Kernel lines keep their form ("miss
 * dev ..."); the agent's start with "agent"; in JSON, "source" says which.
 * With -t, a kernel event carries the time we read it, an agent event
 * the time the agent saw it happen.
 */
struct monitor_ctx {
	const struct options *opt;
	int agent_fd;			/* -1: kernel events only */
	struct sbuf agent_in;		/* a partial line of the agent's */
};

/* The kernel may name the device, else we look its index up. */
static const char *event_dev(const struct dmvpn_event *ev, char *buf)
{
	if (ev->ifname[0])
		return ev->ifname;
	if (ev->ifindex && if_indextoname(ev->ifindex, buf))
		return buf;
	snprintf(buf, IF_NAMESIZE, "if%u", ev->ifindex);
	return buf;
}

static int print_line(struct sbuf *out)
{
	sbuf_addc(out, '\n');
	fputs(sbuf_str(out), stdout);
	sbuf_free(out);
	/* Someone is watching: every event goes out as it happens. */
	if (fflush(stdout))
		return -errno;
	return 0;
}

static int print_event(struct nlmsghdr *nlh, void *arg)
{
	const struct monitor_ctx *m = arg;
	const struct options *opt = m->opt;
	struct sbuf out = SBUF_INIT, when = SBUF_INIT;
	char name[IF_NAMESIZE];
	struct dmvpn_event ev;
	struct errmsg err;
	struct json json;

	if (msg_parse_event(nlh, &ev, &err)) {
		fprintf(stderr, "Warning: ignoring an event: %s\n", err.text);
		return 0;
	}
	if (opt->timestamp) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		format_timestamp(&when, ts.tv_sec, ts.tv_nsec);
	}
	if (opt->json) {
		json_init(&json, &out, opt->pretty);
		event_to_json_at(&json, &ev, event_dev(&ev, name),
				 opt->timestamp ? sbuf_str(&when) : NULL);
	} else {
		if (opt->timestamp)
			sbuf_printf(&out, "%s ", sbuf_str(&when));
		event_to_text(&out, &ev, event_dev(&ev, name));
	}
	sbuf_free(&when);
	return print_line(&out);
}

static void report_lost_events(void *arg)
{
	(void)arg;
	fprintf(stderr, "Warning: events were lost (receive buffer overrun)\n");
}

static int print_agent_event(const struct options *opt,
			     const struct agent_event *ev)
{
	struct sbuf out = SBUF_INIT, when = SBUF_INIT;
	struct json json;

	if (opt->timestamp)
		format_timestamp(&when, (int64_t)(ev->time_ms / 1000),
				 (long)(ev->time_ms % 1000) * 1000000);
	if (opt->json) {
		json_init(&json, &out, opt->pretty);
		agent_event_to_json_at(&json, ev, opt->timestamp ?
				       sbuf_str(&when) : NULL);
	} else {
		if (opt->timestamp)
			sbuf_printf(&out, "%s ", sbuf_str(&when));
		agent_event_to_text(&out, ev);
	}
	sbuf_free(&when);
	return print_line(&out);
}

static void agent_gone(struct monitor_ctx *m, const char *why)
{
	fprintf(stderr, "Warning: %s; kernel events only from now on\n", why);
	close(m->agent_fd);
	m->agent_fd = -1;
	sbuf_free(&m->agent_in);
}

/* Print the agent's complete lines; 0, or -errno if stdout failed. */
static int agent_lines(struct monitor_ctx *m)
{
	char *line = m->agent_in.buf, *nl;
	size_t used = 0;
	int ret = 0;

	if (!m->agent_in.len)
		return 0;
	while (!ret && (nl = memchr(line + used, '\n',
				    m->agent_in.len - used))) {
		struct agent_event ev;
		struct errmsg err;
		uint64_t lost;

		*nl = '\0';
		switch (agent_event_decode(line + used, &ev, &lost, &err)) {
		case AGENT_LINE_EVENT:
			ret = print_agent_event(m->opt, &ev);
			break;
		case AGENT_LINE_LOST:
			fprintf(stderr, "Warning: %llu agent events were lost "
				"(this monitor did not keep up)\n",
				(unsigned long long)lost);
			break;
		default:
			fprintf(stderr, "Warning: ignoring an agent event: "
				"%s\n", err.text);
			break;
		}
		used = (size_t)(nl - line) + 1;
	}
	memmove(m->agent_in.buf, line + used, m->agent_in.len - used);
	m->agent_in.len -= used;
	m->agent_in.buf[m->agent_in.len] = '\0';
	if (m->agent_in.len >= AGENT_EVENT_LINE_MAX)
		agent_gone(m, "dmvpnd sent a line too long to be an event");
	return ret;
}

static int agent_read(struct monitor_ctx *m)
{
	char buf[4096];
	ssize_t n = read(m->agent_fd, buf, sizeof(buf));

	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		agent_gone(m, "dmvpnd closed the monitor");
		return 0;
	}
	sbuf_addn(&m->agent_in, buf, (size_t)n);
	return agent_lines(m);
}

/*
 * Ask the agent for its events; -1 and why in @why if it is not there or
 * says no.  Its answer comes at once: waiting on it is no hang.
 */
#define AGENT_ANSWER_MS	5000

static int agent_subscribe(struct ctl *ctl, struct monitor_ctx *m,
			   struct errmsg *why)
{
	static const char request[] = "- monitor\n";
	struct pollfd pfd = { .events = POLLIN };
	char buf[512], *nl;
	size_t have = 0;

	pfd.fd = agent_connect(agent_socket(ctl), why);
	if (pfd.fd < 0)
		return -1;
	if (send(pfd.fd, request, sizeof(request) - 1, MSG_NOSIGNAL) < 0 &&
	    errno != EPIPE && errno != ECONNRESET)
		goto failed;
	while (!(nl = memchr(buf, '\n', have))) {
		ssize_t n;

		if (have == sizeof(buf) - 1 ||
		    poll(&pfd, 1, AGENT_ANSWER_MS) != 1)
			goto failed;
		n = read(pfd.fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			goto failed;
		have += (size_t)n;
	}
	*nl = '\0';
	if (strcmp(buf, "ok")) {
		errmsg_set(why, "dmvpnd: %.200s", strncmp(buf, "error ", 6) ?
			   buf : buf + 6);
		close(pfd.fd);
		return -1;
	}
	/* Events may have come with the "ok". */
	sbuf_addn(&m->agent_in, nl + 1, have - (size_t)(nl + 1 - buf));
	m->agent_fd = pfd.fd;
	return 0;
failed:
	errmsg_set(why, "no answer from dmvpnd to \"monitor\"");
	close(pfd.fd);
	return -1;
}

static int do_monitor(struct ctl *ctl, int argc, char **argv)
{
	struct monitor_ctx m = { .opt = &ctl->opt, .agent_fd = -1,
				 .agent_in = SBUF_INIT };
	struct errmsg err, why;
	int ret = 0;

	if (is_help(argc, argv))
		return print_help();
	if (argc > 0)
		return usage_error("'monitor' takes no arguments, got '%s'", argv[0]);
	if (open_netlink(ctl))
		return 1;
	if (dmvpn_nl_join_events(&ctl->nl, &err)) {
		fprintf(stderr, "Error: %s\n", err.text);
		return 1;
	}
	nl_socket_set_nonblocking(ctl->nl.sk);
	if (agent_subscribe(ctl, &m, &why))
		fprintf(stderr, "Warning: kernel events only: %s\n", why.text);
	else
		ret = agent_lines(&m);
	while (ret >= 0) {
		struct pollfd pfd[2] = {
			{ .fd = nl_socket_get_fd(ctl->nl.sk), .events = POLLIN },
			{ .fd = m.agent_fd, .events = POLLIN },
		};

		if (poll(pfd, m.agent_fd >= 0 ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			break;
		}
		if (pfd[0].revents)
			ret = dmvpn_nl_read_events(&ctl->nl, print_event,
						   report_lost_events, &m);
		if (ret >= 0 && m.agent_fd >= 0 && pfd[1].revents)
			ret = agent_read(&m);
	}
	if (m.agent_fd >= 0)
		close(m.agent_fd);
	sbuf_free(&m.agent_in);
	fprintf(stderr, "Error: receiving events: %s\n", strerror(-ret));
	return 1;
}

/*
 * The agent answers "ok" and the output, or "error <why>".  The largest
 * real answer, show nhrp cache -j -p of a full cache (1M entries by
 * default, a few hundred bytes each), stays well below the bound.
 */
#define AGENT_REPLY_MAX	(1u << 30)

static int agent_print_reply(int fd)
{
	struct sbuf in = SBUF_INIT;
	char buf[65536];
	const char *text, *body;
	ssize_t n;
	int status = 1;

	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if (in.len + (size_t)n > AGENT_REPLY_MAX) {
			fprintf(stderr, "Error: dmvpnd's answer is over %u "
				"MiB; giving up\n", AGENT_REPLY_MAX >> 20);
			sbuf_free(&in);
			return 1;
		}
		sbuf_addn(&in, buf, (size_t)n);
	}
	text = sbuf_str(&in);
	body = strchr(text, '\n');
	if (!strncmp(text, "ok\n", 3)) {
		fputs(body + 1, stdout);
		status = 0;
	} else if (!strncmp(text, "error ", 6)) {
		fprintf(stderr, "Error: %s", text + 6);
	} else {
		fprintf(stderr, "Error: no answer from dmvpnd%s%s\n",
			n < 0 ? ": " : "", n < 0 ? strerror(errno) : "");
	}
	sbuf_free(&in);
	return status;
}

static int do_agent(struct ctl *ctl, int argc, char **argv)
{
	struct sbuf req = SBUF_INIT;
	struct errmsg why;
	int fd, status;

	if (is_help(argc - 1, argv + 1))
		return print_help();
	sbuf_adds(&req, ctl->opt.json ? "j" : "-");
	if (ctl->opt.pretty)
		sbuf_addc(&req, 'p');
	for (int i = 0; i < argc; i++) {
		if (strpbrk(argv[i], " \n") || !argv[i][0]) {
			sbuf_free(&req);
			return usage_error("bad word '%s'", argv[i]);
		}
		sbuf_printf(&req, " %s", argv[i]);
	}
	sbuf_addc(&req, '\n');
	fd = agent_connect(agent_socket(ctl), &why);
	if (fd < 0) {
		fprintf(stderr, "Error: %s\n", why.text);
		sbuf_free(&req);
		return 1;
	}
	/*
	 * The agent may refuse us (not root, not in its group) and hang up
	 * before it reads a word: no SIGPIPE then, and its answer, already
	 * in our socket, is still the one to print.
	 */
	if (send(fd, sbuf_str(&req), req.len, MSG_NOSIGNAL) !=
	    (ssize_t)req.len && errno != EPIPE && errno != ECONNRESET) {
		fprintf(stderr, "Error: writing to dmvpnd: %s\n",
			strerror(errno));
		status = 1;
	} else {
		shutdown(fd, SHUT_WR);
		status = agent_print_reply(fd);
	}
	close(fd);
	sbuf_free(&req);
	return status;
}

/* ---- main ---- */

enum object { OBJ_CACHE, OBJ_STATS, OBJ_MONITOR, OBJ_HELP, OBJ_AGENT };

static const struct word_map objects[] = {
	{ "cache",	OBJ_CACHE },
	{ "stats",	OBJ_STATS },
	{ "monitor",	OBJ_MONITOR },
	{ "help",	OBJ_HELP },
	{ "show",	OBJ_AGENT },
	{ "purge",	OBJ_AGENT },
	{ "flush",	OBJ_AGENT },
	{ "reload",	OBJ_AGENT },
	{ "debug",	OBJ_AGENT },
	{ NULL,		0 },
};

static int run_object(struct ctl *ctl, int argc, char **argv)
{
	int obj = match_word(argv[0], objects);

	switch (obj) {
	case OBJ_CACHE:		return do_cache(ctl, argc - 1, argv + 1);
	case OBJ_STATS:		return do_stats(ctl, argc - 1, argv + 1);
	case OBJ_MONITOR:	return do_monitor(ctl, argc - 1, argv + 1);
	case OBJ_HELP:		return print_help();
	case OBJ_AGENT:		return do_agent(ctl, argc, argv);
	case WORD_AMBIGUOUS:	return usage_error("'%s' is ambiguous", argv[0]);
	default:		return usage_error("unknown object '%s'", argv[0]);
	}
}

/* Accepts ip's single-dash long forms too ("-json"). */
static bool option_is(const char *arg, const char *shrt, const char *lng)
{
	return !strcmp(arg, shrt) || !strcmp(arg, lng) || !strcmp(arg, lng + 1);
}

/*
 * Global options; returns the number of words used, or -1 with *exit_code
 * set when the options alone decide the outcome.
 */
static int parse_options(int argc, char **argv, struct options *opt,
			 int *exit_code)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i];

		if (option_is(arg, "-j", "--json")) {
			opt->json = true;
		} else if (option_is(arg, "-p", "--pretty")) {
			opt->pretty = true;
		} else if (option_is(arg, "-t", "--timestamp")) {
			opt->timestamp = true;
		} else if (option_is(arg, "-s", "--socket")) {
			if (++i == argc) {
				*exit_code = usage_error("%s needs a socket name",
							 arg);
				return -1;
			}
			opt->socket = argv[i];
		} else if (option_is(arg, "-n", "--netns")) {
			if (++i == argc) {
				*exit_code = usage_error("%s needs a network "
							 "namespace name", arg);
				return -1;
			}
			opt->netns = argv[i];
		} else if (option_is(arg, "-V", "--version")) {
			*exit_code = print_version();
			return -1;
		} else if (option_is(arg, "-h", "--help")) {
			*exit_code = print_help();
			return -1;
		} else if (!strcmp(arg, "--")) {
			return i + 1;
		} else {
			*exit_code = usage_error("unknown option '%s'", arg);
			return -1;
		}
	}
	return i;
}

/*
 * -j and -p may also follow the command ("dmvpnctl show dmvpn -j"), as
 * they may in ip: take them out wherever they are, for kernel and agent
 * commands alike.  Returns the words left.
 */
static int take_trailing_options(int argc, char **argv, struct options *opt)
{
	int kept = 0;

	for (int i = 0; i < argc; i++) {
		if (option_is(argv[i], "-j", "--json"))
			opt->json = true;
		else if (option_is(argv[i], "-p", "--pretty"))
			opt->pretty = true;
		else
			argv[kept++] = argv[i];
	}
	return kept;
}

/*
 * -n NAME: into the network namespace that "ip netns add NAME" made, as
 * "ip -n NAME" does, before any socket is open: the kernel's commands and
 * the agent's abstract control socket are all per namespace.  A name with
 * a slash is a path (/proc/PID/ns/net).  Saves "ip netns exec NAME", whose
 * mount namespace dmvpnctl does not need (it reads no sysfs).
 */
static int enter_netns(const char *name)
{
	char path[PATH_MAX];
	int fd, len;

	len = strchr(name, '/') ? snprintf(path, sizeof(path), "%s", name) :
	      snprintf(path, sizeof(path), "/run/netns/%s", name);
	if (len < 0 || (size_t)len >= sizeof(path)) {
		fprintf(stderr, "Error: network namespace name too long: %s\n",
			name);
		return -1;
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "Error: cannot open network namespace \"%s\": "
			"%s\n", name, strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "Error: cannot enter network namespace \"%s\": "
			"%s\n", name, strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static int finish_output(int status)
{
	if (fflush(stdout) || ferror(stdout)) {
		fprintf(stderr, "Error: writing output: %s\n", strerror(errno));
		return 1;
	}
	return status;
}

int main(int argc, char **argv)
{
	struct ctl ctl = { 0 };
	int used, status = 0;

	used = parse_options(argc - 1, argv + 1, &ctl.opt, &status);
	if (used < 0)
		return finish_output(status);
	argc -= used + 1;
	argv += used + 1;
	argc = take_trailing_options(argc, argv, &ctl.opt);
	if (argc == 0) {
		fputs(usage_text, stderr);
		return EXIT_USAGE;
	}
	if (ctl.opt.netns && enter_netns(ctl.opt.netns))
		return 1;
	status = run_object(&ctl, argc, argv);
	if (ctl.nl_open)
		dmvpn_nl_close(&ctl.nl);
	return finish_output(status);
}

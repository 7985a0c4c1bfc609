// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnd's configuration file: see config.h for the format.
 *
 * cfg_parse() is pure (no I/O, no globals) so that the unit tests can feed
 * it text; cfg_load() is the one place that touches the file system.
 */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <unistd.h>

#include "num.h"

#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))

#define CFG_LINE_MAX		1024	/* bytes, without the line end */
#define CFG_FILE_MAX		(1024 * 1024)
/* A line of CFG_LINE_MAX bytes has at most this many words. */
#define CFG_WORDS_MAX		(CFG_LINE_MAX / 2 + 1)
/* How much of an offending word an error message repeats. */
#define QUOTE_MAX		40

#define DEFAULT_HOLDTIME	7200
#define DEFAULT_REG_TIMEOUT	5
#define DEFAULT_REG_RETRY	1

struct parser {
	const char *path;
	unsigned int line;
	struct cfg *cfg;
	struct errmsg *err;

	/* Where each single-valued directive was given; 0 = not yet. */
	unsigned int role_line;
	unsigned int protocol_address_line;
	unsigned int holdtime_line;
	unsigned int network_id_line;
	unsigned int auth_line;
	unsigned int shortcut_line;
	unsigned int redirect_line;
	unsigned int multicast_dynamic_line;
	unsigned int group_line;
	unsigned int registration_timeout_line;
	unsigned int registration_retry_line;
	unsigned int unique_line;
	unsigned int link_line;
	unsigned int address_line;		/* the first one */
	unsigned int ipsec_profile_line;
	unsigned int ipsec_vici_line;
	unsigned int ipsec_swanctl_line;

	unsigned int nhs_cap;
	unsigned int map_cap;
	unsigned int mcast_nbma_cap;
	unsigned int qos_group_cap;
	unsigned int address_cap;
	/* The line of each cfg->mcast_nbma[], for "given twice". */
	unsigned int *mcast_nbma_lines;

	/* For quote(): one quoted word per message. */
	char quoted[QUOTE_MAX * 4 + 8];
};

static int __attribute__((format(printf, 3, 4)))
fail_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	size_t size = sizeof(p->err->text);
	va_list ap;
	int n;

	if (line)
		n = snprintf(p->err->text, size, "%s:%u: ", p->path, line);
	else
		n = snprintf(p->err->text, size, "%s: ", p->path);
	if (n < 0 || (size_t)n >= size)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->err->text + n, size - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

#define fail(p, ...)	fail_at(p, (p)->line, __VA_ARGS__)

/*
 * @s in double quotes for an error message: short, and with anything that
 * is not printable ASCII escaped, so a binary file does not garble a log.
 */
static const char *quote(struct parser *p, const char *s)
{
	char *o = p->quoted;
	size_t n;

	*o++ = '"';
	for (n = 0; *s && n < QUOTE_MAX; s++, n++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			*o++ = '\\';
			*o++ = (char)c;
		} else if (c >= 0x20 && c < 0x7f) {
			*o++ = (char)c;
		} else {
			o += sprintf(o, "\\x%02x", c);
		}
	}
	if (*s) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o++ = '"';
	*o = '\0';
	return p->quoted;
}

/* "DIRECTIVE: expected WHAT[, got WORD]": @word is NULL when it is missing. */
static int expected(struct parser *p, const char *ctx, const char *what,
		    const char *word)
{
	if (!word)
		return fail(p, "%s: expected %s", ctx, what);
	return fail(p, "%s: expected %s, got %s", ctx, what, quote(p, word));
}

/* Directives that take exactly @n words (the directive included). */
static int no_more(struct parser *p, char **w, int nw, int n)
{
	if (nw > n)
		return fail(p, "%s: unexpected %s", w[0], quote(p, w[n]));
	return 0;
}

static int once(struct parser *p, const char *what, unsigned int *line)
{
	if (*line)
		return fail(p, "%s given twice (first on line %u)", what, *line);
	*line = p->line;
	return 0;
}

static int nomem(struct parser *p)
{
	return fail(p, "out of memory");
}

/* Make room for one more element; NULL (and @arr untouched) if none. */
static void *grow(void *arr, unsigned int *cap, unsigned int count,
		  size_t size)
{
	unsigned int new_cap;
	void *n;

	if (count < *cap)
		return arr;
	if (*cap > UINT_MAX / 2)
		return NULL;
	new_cap = *cap ? *cap * 2 : 4;
	n = realloc(arr, (size_t)new_cap * size);
	if (n)
		*cap = new_cap;
	return n;
}

/* ---- values ---- */

static int parse_range(const char *s, uint32_t min, uint32_t max,
		       uint32_t *out)
{
	uint32_t v;

	if (parse_uint(s, max, &v) || v < min)
		return -1;
	*out = v;
	return 0;
}

static int parse_on_off(const char *s, bool *out)
{
	if (!strcmp(s, "on"))
		*out = true;
	else if (!strcmp(s, "off"))
		*out = false;
	else
		return -1;
	return 0;
}

static unsigned int family_bits(uint8_t family)
{
	return family == AF_INET6 ? 128 : 32;
}

static bool has_host_bits(const struct cfg_prefix *pfx)
{
	unsigned int nbytes = family_bits(pfx->family) / 8, i;

	for (i = 0; i < nbytes; i++) {
		unsigned int first = i * 8;
		uint8_t host;

		if (first + 8 <= pfx->len)
			continue;
		host = first >= pfx->len ? 0xff :
		       (uint8_t)(0xff >> (pfx->len - first));
		if (pfx->addr.bytes[i] & host)
			return true;
	}
	return false;
}

static void clear_host_bits(struct cfg_prefix *pfx)
{
	unsigned int nbytes = family_bits(pfx->family) / 8, i;

	for (i = 0; i < nbytes; i++) {
		unsigned int first = i * 8;

		if (first >= pfx->len)
			pfx->addr.bytes[i] = 0;
		else if (first + 8 > pfx->len)
			pfx->addr.bytes[i] &=
				(uint8_t)(0xff << (8 - (pfx->len - first)));
	}
}

/* "A.B.C.D/N" for messages; big enough for an IPv6 address and "/128". */
#define PREFIX_TEXT_MAX		(INET6_ADDRSTRLEN + 4)

static const char *prefix_text(const struct cfg_prefix *pfx, char *buf)
{
	size_t n;

	inet_ntop(pfx->family, pfx->addr.bytes, buf, INET6_ADDRSTRLEN);
	n = strlen(buf);
	snprintf(buf + n, PREFIX_TEXT_MAX - n, "/%u", pfx->len);
	return buf;
}

/*
 * An IPv4 or IPv6 address, "/N" after it if @with_len.  Without "/N" the
 * length is the full one.  Host bits are kept: the caller decides.
 */
static int parse_prefix_word(const char *s, bool with_len,
			     struct cfg_prefix *out)
{
	const char *slash = strchr(s, '/');
	size_t alen = slash ? (size_t)(slash - s) : strlen(s);
	struct cfg_prefix pfx = { 0 };
	char addr[INET6_ADDRSTRLEN];

	if (slash && !with_len)
		return -1;
	if (alen == 0 || alen >= sizeof(addr))
		return -1;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	pfx.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(pfx.family, addr, pfx.addr.bytes) != 1)
		return -1;
	pfx.len = (uint8_t)family_bits(pfx.family);
	if (slash) {
		const char *d = slash + 1;
		size_t dlen = strlen(d);
		unsigned int len = 0;

		/* No sign, no blanks, no hex; at most 3 digits. */
		if (dlen == 0 || dlen > 3 || strspn(d, "0123456789") != dlen)
			return -1;
		for (; *d; d++)
			len = len * 10 + (unsigned int)(*d - '0');
		if (len > family_bits(pfx.family))
			return -1;
		pfx.len = (uint8_t)len;
	}
	*out = pfx;
	return 0;
}

/* An NBMA address is where GRE goes: one host, not 0, broadcast or class D. */
static int parse_nbma(const char *s, struct in_addr *out)
{
	struct in_addr a;
	uint32_t h;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	h = ntohl(a.s_addr);
	if (h == 0 || h == 0xffffffff || (h >> 28) == 0xe)
		return -1;
	*out = a;
	return 0;
}

static bool only_chars(const char *s, const char *extra)
{
	for (; *s; s++) {
		char c = *s;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr(extra, c))
			continue;
		return false;
	}
	return true;
}

/*
 * An address or a DNS name as written; resolving is the daemon's business.
 * Only the syntax is checked here, and that what looks like a dotted quad
 * is one.
 */
static bool nbma_name_ok(const char *s)
{
	size_t len = strlen(s);
	struct in_addr unused;

	if (len == 0 || len >= CFG_NAME_MAX || !only_chars(s, "-."))
		return false;
	if (s[0] == '-' || s[0] == '.' || strstr(s, ".."))
		return false;
	if (strspn(s, "0123456789.") == len)
		return parse_nbma(s, &unused) == 0;
	return true;
}

static bool group_name_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < CFG_NAME_MAX && only_chars(s, "-_.");
}

#define GROUP_NAME_EXPECTED \
	"a name of 1..63 letters, digits, '-', '_' or '.'"

/* ---- directives ---- */

static int do_role(struct parser *p, char **w, int nw)
{
	static const char what[] = "hub or spoke";

	if (nw < 2)
		return expected(p, w[0], what, NULL);
	if (!strcmp(w[1], "hub"))
		p->cfg->role = CFG_ROLE_HUB;
	else if (!strcmp(w[1], "spoke"))
		p->cfg->role = CFG_ROLE_SPOKE;
	else
		return expected(p, w[0], what, w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	return once(p, "role", &p->role_line);
}

static int do_protocol_address(struct parser *p, char **w, int nw)
{
	static const char what[] = "an IPv4 or IPv6 address[/LEN]";

	if (nw < 2 || parse_prefix_word(w[1], true,
					&p->cfg->protocol_address))
		return expected(p, w[0], what, nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	return once(p, w[0], &p->protocol_address_line);
}

static int do_seconds(struct parser *p, char **w, int nw, uint32_t *out,
		      unsigned int *line)
{
	static const char what[] = "seconds 1..65535";

	if (nw < 2 || parse_range(w[1], 1, 65535, out))
		return expected(p, w[0], what, nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	return once(p, w[0], line);
}

static int do_holdtime(struct parser *p, char **w, int nw)
{
	return do_seconds(p, w, nw, &p->cfg->holdtime, &p->holdtime_line);
}

static int do_registration_timeout(struct parser *p, char **w, int nw)
{
	return do_seconds(p, w, nw, &p->cfg->registration_timeout,
			  &p->registration_timeout_line);
}

static int do_registration_retry(struct parser *p, char **w, int nw)
{
	return do_seconds(p, w, nw, &p->cfg->registration_retry,
			  &p->registration_retry_line);
}

static int do_network_id(struct parser *p, char **w, int nw)
{
	static const char what[] = "1..4294967295";

	if (nw < 2 || parse_range(w[1], 1, UINT32_MAX, &p->cfg->network_id))
		return expected(p, w[0], what, nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	return once(p, w[0], &p->network_id_line);
}

static int do_auth(struct parser *p, char **w, int nw)
{
	size_t len;

	/* The secret is not repeated in messages: they end up in logs. */
	if (nw < 2)
		return fail(p, "auth: expected a secret of 1..%d bytes",
			    CFG_AUTH_MAX);
	if (nw > 2)
		return fail(p, "auth: the secret may not contain blanks");
	len = strlen(w[1]);
	if (len > CFG_AUTH_MAX)
		return fail(p, "auth: expected a secret of 1..%d bytes, got %zu bytes",
			    CFG_AUTH_MAX, len);
	memcpy(p->cfg->auth, w[1], len);
	p->cfg->auth_len = (uint8_t)len;
	p->cfg->has_auth = true;
	return once(p, w[0], &p->auth_line);
}

static int do_on_off(struct parser *p, char **w, int nw, bool *out,
		     unsigned int *line)
{
	if (nw < 2 || parse_on_off(w[1], out))
		return expected(p, w[0], "on or off", nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	return once(p, w[0], line);
}

static int do_shortcut(struct parser *p, char **w, int nw)
{
	return do_on_off(p, w, nw, &p->cfg->shortcut, &p->shortcut_line);
}

static int do_redirect(struct parser *p, char **w, int nw)
{
	return do_on_off(p, w, nw, &p->cfg->redirect, &p->redirect_line);
}

static int do_unique(struct parser *p, char **w, int nw)
{
	return do_on_off(p, w, nw, &p->cfg->unique, &p->unique_line);
}

static int do_group(struct parser *p, char **w, int nw)
{
	if (nw < 2 || !group_name_ok(w[1]))
		return expected(p, w[0], GROUP_NAME_EXPECTED,
				nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	if (once(p, w[0], &p->group_line))
		return -1;
	strcpy(p->cfg->group, w[1]);
	return 0;
}

/* nhs PROTO|dynamic nbma ADDR|NAME [priority N] [multicast] */
static int do_nhs(struct parser *p, char **w, int nw)
{
	static const char proto_what[] =
		"the hub's tunnel address or \"dynamic\"";
	struct cfg *cfg = p->cfg;
	struct cfg_nhs nhs = { .line = p->line };
	bool has_nbma = false, has_priority = false;
	struct cfg_nhs *arr;
	unsigned int i;
	int k;

	if (nw < 2)
		return expected(p, w[0], proto_what, NULL);
	if (!strcmp(w[1], "dynamic"))
		nhs.dynamic = true;
	else if (parse_prefix_word(w[1], false, &nhs.proto))
		return expected(p, w[0], proto_what, w[1]);

	for (k = 2; k < nw; k++) {
		const char *opt = w[k], *arg = k + 1 < nw ? w[k + 1] : NULL;

		if (!strcmp(opt, "nbma")) {
			if (has_nbma)
				return fail(p, "nhs: nbma given twice");
			if (!arg || !nbma_name_ok(arg))
				return expected(p, "nhs: nbma",
						"an IPv4 address or DNS name",
						arg);
			strcpy(nhs.nbma_name, arg);
			has_nbma = true;
			k++;
		} else if (!strcmp(opt, "priority")) {
			uint32_t v;

			if (has_priority)
				return fail(p, "nhs: priority given twice");
			if (!arg || parse_range(arg, 0, 255, &v))
				return expected(p, "nhs: priority", "0..255",
						arg);
			nhs.priority = v;
			has_priority = true;
			k++;
		} else if (!strcmp(opt, "multicast")) {
			if (nhs.multicast)
				return fail(p, "nhs: multicast given twice");
			nhs.multicast = true;
		} else {
			return fail(p, "nhs: unexpected %s (expected nbma, priority or multicast)",
				    quote(p, opt));
		}
	}
	if (!has_nbma && !nhs.dynamic)
		/* IOS: "ip nhrp nhs PROTO" and "ip nhrp map PROTO NBMA" */
		return fail(p, "nhs: expected \"nbma ADDRESS|NAME\"; IOS's "
			    "\"ip nhrp nhs %.45s\" with \"ip nhrp map %.45s "
			    "NBMA\" is \"nhs %.45s nbma NBMA\" here", w[1], w[1],
			    w[1]);
	if (!has_nbma)
		return fail(p, "nhs: expected \"nbma ADDRESS|NAME\"");

	for (i = 0; i < cfg->nhs_count; i++) {
		const struct cfg_nhs *o = &cfg->nhs[i];
		char text[PREFIX_TEXT_MAX];

		if (!nhs.dynamic && !o->dynamic &&
		    nhs.proto.family == o->proto.family &&
		    !memcmp(nhs.proto.addr.bytes, o->proto.addr.bytes, 16)) {
			inet_ntop(nhs.proto.family, nhs.proto.addr.bytes,
				  text, sizeof(text));
			return fail(p, "nhs %s given twice (first on line %u)",
				    text, o->line);
		}
		/* One hub is an NHS for IPv4 and for IPv6 at the same NBMA
		 * address (IOS: "ip nhrp nhs" and "ipv6 nhrp nhs"). */
		if (!strcasecmp(nhs.nbma_name, o->nbma_name) &&
		    (nhs.dynamic || o->dynamic ||
		     nhs.proto.family == o->proto.family))
			return fail(p, "nhs nbma %s given twice (first on line %u)",
				    nhs.nbma_name, o->line);
	}

	arr = grow(cfg->nhs, &p->nhs_cap, cfg->nhs_count, sizeof(*arr));
	if (!arr)
		return nomem(p);
	cfg->nhs = arr;
	cfg->nhs[cfg->nhs_count++] = nhs;
	return 0;
}

/* map PROTO[/N] nbma ADDR [multicast] */
static int do_map(struct parser *p, char **w, int nw)
{
	static const char proto_what[] = "an IPv4 or IPv6 prefix";
	struct cfg *cfg = p->cfg;
	struct cfg_map map = { .line = p->line };
	char text[PREFIX_TEXT_MAX];
	bool has_nbma = false;
	struct cfg_map *arr;
	unsigned int i;
	int k;

	if (nw < 2 || parse_prefix_word(w[1], true, &map.proto))
		return expected(p, w[0], proto_what, nw < 2 ? NULL : w[1]);
	if (has_host_bits(&map.proto)) {
		struct cfg_prefix net = map.proto;

		clear_host_bits(&net);
		return fail(p, "map: prefix %s has host bits set (did you mean %s?)",
			    w[1], prefix_text(&net, text));
	}

	for (k = 2; k < nw; k++) {
		const char *opt = w[k], *arg = k + 1 < nw ? w[k + 1] : NULL;

		if (!strcmp(opt, "nbma")) {
			if (has_nbma)
				return fail(p, "map: nbma given twice");
			if (!arg || parse_nbma(arg, &map.nbma))
				return expected(p, "map: nbma",
						"a unicast IPv4 address", arg);
			has_nbma = true;
			k++;
		} else if (!strcmp(opt, "multicast")) {
			if (map.multicast)
				return fail(p, "map: multicast given twice");
			map.multicast = true;
		} else if (!has_nbma && !parse_nbma(opt, &map.nbma)) {
			/* IOS: "ip nhrp map PROTO NBMA" */
			return fail(p, "map: unexpected %s: IOS's \"ip nhrp map "
				    "%.45s %.20s\" is \"map %.45s nbma %.20s\" "
				    "here", quote(p, opt), w[1], opt, w[1], opt);
		} else {
			return fail(p, "map: unexpected %s (expected nbma or multicast)",
				    quote(p, opt));
		}
	}
	if (!has_nbma)
		return fail(p, "map: expected \"nbma ADDRESS\"");

	for (i = 0; i < cfg->map_count; i++) {
		const struct cfg_map *o = &cfg->maps[i];

		if (o->proto.family == map.proto.family &&
		    o->proto.len == map.proto.len &&
		    !memcmp(o->proto.addr.bytes, map.proto.addr.bytes, 16))
			return fail(p, "map %s given twice (first on line %u)",
				    prefix_text(&map.proto, text), o->line);
	}

	arr = grow(cfg->maps, &p->map_cap, cfg->map_count, sizeof(*arr));
	if (!arr)
		return nomem(p);
	cfg->maps = arr;
	cfg->maps[cfg->map_count++] = map;
	return 0;
}

/* multicast dynamic | multicast nbma ADDR */
static int do_multicast(struct parser *p, char **w, int nw)
{
	struct cfg *cfg = p->cfg;
	unsigned int i, cap;
	struct in_addr a, *arr;
	unsigned int *lines;
	char text[INET_ADDRSTRLEN];

	if (nw >= 2 && !strcmp(w[1], "dynamic")) {
		if (no_more(p, w, nw, 2) ||
		    once(p, "multicast dynamic", &p->multicast_dynamic_line))
			return -1;
		cfg->multicast_dynamic = true;
		return 0;
	}
	if (nw < 2 || strcmp(w[1], "nbma"))
		return expected(p, w[0], "\"dynamic\" or \"nbma ADDRESS\"",
				nw < 2 ? NULL : w[1]);
	if (nw < 3 || parse_nbma(w[2], &a))
		return expected(p, "multicast nbma", "a unicast IPv4 address",
				nw < 3 ? NULL : w[2]);
	if (no_more(p, w, nw, 3))
		return -1;
	for (i = 0; i < cfg->mcast_nbma_count; i++)
		if (cfg->mcast_nbma[i].s_addr == a.s_addr)
			return fail(p, "multicast nbma %s given twice (first on line %u)",
				    inet_ntop(AF_INET, &a, text, sizeof(text)),
				    p->mcast_nbma_lines[i]);

	/* Two arrays, one count: grow both to the same capacity. */
	cap = p->mcast_nbma_cap;
	arr = grow(cfg->mcast_nbma, &cap, cfg->mcast_nbma_count, sizeof(*arr));
	if (!arr)
		return nomem(p);
	cfg->mcast_nbma = arr;
	cap = p->mcast_nbma_cap;
	lines = grow(p->mcast_nbma_lines, &cap, cfg->mcast_nbma_count,
		     sizeof(*lines));
	if (!lines)
		return nomem(p);
	p->mcast_nbma_lines = lines;
	p->mcast_nbma_cap = cap;

	p->mcast_nbma_lines[cfg->mcast_nbma_count] = p->line;
	if (!cfg->mcast_nbma_count)
		cfg->mcast_nbma_line = p->line;
	cfg->mcast_nbma[cfg->mcast_nbma_count++] = a;
	return 0;
}

/* qos-group NAME [priority N] [mark N] */
static int do_qos_group(struct parser *p, char **w, int nw)
{
	struct cfg *cfg = p->cfg;
	struct cfg_qos_group g = { .line = p->line };
	bool has_priority = false, has_mark = false;
	struct cfg_qos_group *arr;
	unsigned int i;
	int k;

	if (nw < 2 || !group_name_ok(w[1]))
		return expected(p, w[0], GROUP_NAME_EXPECTED,
				nw < 2 ? NULL : w[1]);
	strcpy(g.name, w[1]);

	for (k = 2; k < nw; k++) {
		const char *opt = w[k], *arg = k + 1 < nw ? w[k + 1] : NULL;

		if (!strcmp(opt, "priority")) {
			if (has_priority)
				return fail(p, "qos-group: priority given twice");
			if (!arg || parse_u32(arg, &g.priority))
				return expected(p, "qos-group: priority",
						"0..4294967295", arg);
			has_priority = true;
			k++;
		} else if (!strcmp(opt, "mark")) {
			if (has_mark)
				return fail(p, "qos-group: mark given twice");
			if (!arg || parse_u32(arg, &g.mark))
				return expected(p, "qos-group: mark",
						"0..4294967295", arg);
			has_mark = true;
			k++;
		} else {
			return fail(p, "qos-group: unexpected %s (expected priority or mark)",
				    quote(p, opt));
		}
	}

	for (i = 0; i < cfg->qos_group_count; i++)
		if (!strcmp(cfg->qos_groups[i].name, g.name))
			return fail(p, "qos-group %s given twice (first on line %u)",
				    g.name, cfg->qos_groups[i].line);

	arr = grow(cfg->qos_groups, &p->qos_group_cap, cfg->qos_group_count,
		   sizeof(*arr));
	if (!arr)
		return nomem(p);
	cfg->qos_groups = arr;
	cfg->qos_groups[cfg->qos_group_count++] = g;
	return 0;
}

/* The words after "link" are ip's, and so are its messages. */
static int do_link(struct parser *p, char **w, int nw)
{
	struct dmvpn_link_error err;

	if (nw < 2)
		return fail(p, "link: expected the device's options (as for "
			    "\"ip link add %s type dmvpn\")", p->cfg->ifname);
	switch (dmvpn_link_parse(nw - 1, w + 1, &p->cfg->link, &err)) {
	case DMVPN_LINK_OK:
		break;
	case DMVPN_LINK_HELP:
		return fail(p, "link: \"help\" is not an option here; "
			    "\"ip link add DEV type dmvpn help\" lists them");
	default:
		return fail(p, "link: %s", err.text);
	}
	p->cfg->has_link = true;
	return once(p, w[0], &p->link_line);
}

static int do_address(struct parser *p, char **w, int nw)
{
	static const char what[] = "an IPv4 or IPv6 address/LEN";
	struct cfg *cfg = p->cfg;
	struct cfg_prefix a, *arr;
	unsigned int i;

	if (nw < 2 || parse_prefix_word(w[1], true, &a))
		return expected(p, w[0], what, nw < 2 ? NULL : w[1]);
	if (no_more(p, w, nw, 2))
		return -1;
	for (i = 0; i < cfg->address_count; i++)
		if (cfg->addresses[i].family == a.family &&
		    !memcmp(cfg->addresses[i].addr.bytes, a.addr.bytes,
			    sizeof(a.addr.bytes)))
			return fail(p, "address %s given twice", w[1]);
	arr = grow(cfg->addresses, &p->address_cap, cfg->address_count,
		   sizeof(*arr));
	if (!arr)
		return nomem(p);
	cfg->addresses = arr;
	cfg->addresses[cfg->address_count++] = a;
	if (!p->address_line)
		p->address_line = p->line;
	return 0;
}

/*
 * ipsec profile NAME | ipsec vici PATH | ipsec swanctl PATH.  NAME ends up
 * in charon's connection names and VICI messages: letters, digits, '-',
 * '_' and '.' only, so that nothing in it can be mistaken for swanctl
 * syntax.
 */
static int do_ipsec(struct parser *p, char **w, int nw)
{
	const char *arg = nw > 2 ? w[2] : NULL;
	size_t i, len;

	if (nw < 2 || (strcmp(w[1], "profile") && strcmp(w[1], "vici") &&
			strcmp(w[1], "swanctl")))
		return expected(p, w[0],
				"profile NAME, vici PATH or swanctl PATH",
				nw < 2 ? NULL : w[1]);
	if (!strcmp(w[1], "profile")) {
		len = arg ? strlen(arg) : 0;
		for (i = 0; i < len; i++)
			if (!isalnum((unsigned char)arg[i]) &&
			    !strchr("-_.", arg[i]))
				break;
		/* Room for "dmvpn-IFNAME-ADDR" names built from it too. */
		if (!len || i < len || len > 32)
			return expected(p, "ipsec profile",
					"a connection name of 1..32 letters, digits, '-', '_' or '.'",
					arg);
		if (no_more(p, w, nw, 3))
			return -1;
		strcpy(p->cfg->ipsec_profile, arg);
		p->cfg->ipsec_line = p->line;
		return once(p, "ipsec profile", &p->ipsec_profile_line);
	}
	if (!strcmp(w[1], "swanctl")) {
		if (!arg || arg[0] != '/' ||
		    strlen(arg) >= sizeof(p->cfg->swanctl_path))
			return expected(p, "ipsec swanctl",
					"an absolute path of swanctl.conf (at most 255 bytes)",
					arg);
		if (no_more(p, w, nw, 3))
			return -1;
		strcpy(p->cfg->swanctl_path, arg);
		return once(p, "ipsec swanctl", &p->ipsec_swanctl_line);
	}
	if (!arg || arg[0] != '/' || strlen(arg) >= sizeof(p->cfg->vici_path))
		return expected(p, "ipsec vici",
				"an absolute path of a unix socket (at most 107 bytes)",
				arg);
	if (no_more(p, w, nw, 3))
		return -1;
	strcpy(p->cfg->vici_path, arg);
	return once(p, "ipsec vici", &p->ipsec_vici_line);
}

static const struct directive {
	const char *name;
	int (*parse)(struct parser *p, char **w, int nw);
} directives[] = {
	{ "role",			do_role },
	{ "protocol-address",		do_protocol_address },
	{ "nhs",			do_nhs },
	{ "holdtime",			do_holdtime },
	{ "network-id",			do_network_id },
	{ "auth",			do_auth },
	{ "shortcut",			do_shortcut },
	{ "redirect",			do_redirect },
	{ "map",			do_map },
	{ "multicast",			do_multicast },
	{ "group",			do_group },
	{ "qos-group",			do_qos_group },
	{ "registration-timeout",	do_registration_timeout },
	{ "registration-retry",		do_registration_retry },
	{ "unique",			do_unique },
	{ "link",			do_link },
	{ "address",			do_address },
	{ "ipsec",			do_ipsec },
};

/* ---- lines ---- */

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/*
 * Split @buf in place.  A word that starts with '#' ends the line, so a
 * comment may follow a directive and '#' inside a word (a secret) stays.
 */
static int split_words(char *buf, char **w)
{
	int nw = 0;

	for (;;) {
		while (is_blank(*buf))
			buf++;
		if (!*buf || *buf == '#')
			return nw;
		w[nw++] = buf;
		while (*buf && !is_blank(*buf))
			buf++;
		if (!*buf)
			return nw;
		*buf++ = '\0';
	}
}

static int parse_line(struct parser *p, const char *line, size_t len)
{
	char buf[CFG_LINE_MAX + 1];
	char *w[CFG_WORDS_MAX];
	unsigned int i;
	int nw;

	/* CRLF files: the CR is not part of the line. */
	if (len && line[len - 1] == '\r')
		len--;
	if (len > CFG_LINE_MAX)
		return fail(p, "line longer than %d bytes", CFG_LINE_MAX);
	memcpy(buf, line, len);
	buf[len] = '\0';

	nw = split_words(buf, w);
	if (nw == 0)
		return 0;
	for (i = 0; i < ARRAY_SIZE(directives); i++)
		if (!strcmp(w[0], directives[i].name))
			return directives[i].parse(p, w, nw);
	return fail(p, "unknown directive %s", quote(p, w[0]));
}

static void __attribute__((format(printf, 3, 4)))
warn_at(struct parser *p, unsigned int line, const char *fmt, ...)
{
	struct cfg *cfg = p->cfg;
	struct errmsg *arr, *w;
	va_list ap;
	int n;

	arr = realloc(cfg->warnings, (cfg->warning_count + 1) * sizeof(*arr));
	if (!arr)
		return;	/* a warning lost to no memory stops nothing */
	cfg->warnings = arr;
	w = &arr[cfg->warning_count++];
	n = snprintf(w->text, sizeof(w->text), "%s:%u: ", p->path, line);
	if (n < 0 || (size_t)n >= sizeof(w->text))
		return;
	va_start(ap, fmt);
	vsnprintf(w->text + n, sizeof(w->text) - (size_t)n, fmt, ap);
	va_end(ap);
}

/*
 * Directives the role ignores: accepted, so that one file can serve both
 * roles while a router changes its role, but said, because a line that
 * does nothing is usually a mistake (a spoke's file copied to a hub).
 */
static void warn_role(struct parser *p)
{
	const struct cfg *cfg = p->cfg;

	if (cfg->role == CFG_ROLE_HUB) {
		if (p->shortcut_line)
			warn_at(p, p->shortcut_line,
				"shortcut is for a spoke; a hub ignores it");
		/* Without it the device reports no hairpinned traffic. */
		if (cfg->redirect && cfg->has_link &&
		    !(dmvpn_link_has(&cfg->link, IFLA_DMVPN_REDIRECT) &&
		      cfg->link.value[IFLA_DMVPN_REDIRECT]))
			warn_at(p, p->link_line, "link: without \"redirect\" "
				"this hub sends no traffic indication (redirect "
				"is on%s)", p->redirect_line ? "" :
				" by default for a hub");
		if (cfg->nhs_count)
			return;
		if (p->unique_line)
			warn_at(p, p->unique_line, "unique is for registering "
				"with an nhs; this hub has none");
		if (p->registration_timeout_line)
			warn_at(p, p->registration_timeout_line,
				"registration-timeout is for registering with "
				"an nhs; this hub has none");
		if (p->registration_retry_line)
			warn_at(p, p->registration_retry_line,
				"registration-retry is for registering with "
				"an nhs; this hub has none");
		return;
	}
	if (p->redirect_line)
		warn_at(p, p->redirect_line,
			"redirect is for a hub; a spoke ignores it");
}

/* What only the whole file can tell. */
static int check_file(struct parser *p)
{
	const struct cfg *cfg = p->cfg;
	const char *role;

	if (!p->role_line)
		return fail_at(p, 0, "role missing (expected \"role hub\" or \"role spoke\")");
	if (!p->network_id_line)
		return fail_at(p, 0, "network-id missing (expected \"network-id 1..4294967295\")");

	if (cfg->address_count && !p->link_line)
		return fail_at(p, p->address_line,
			       "address is for a device dmvpnd makes: add a "
			       "\"link\" line with its options, or give the "
			       "device its address with ip");
	if (p->ipsec_vici_line && !p->ipsec_profile_line)
		return fail_at(p, p->ipsec_vici_line,
			       "ipsec vici without ipsec profile (expected \"ipsec profile NAME\")");
	if (p->ipsec_swanctl_line && !p->ipsec_profile_line)
		return fail_at(p, p->ipsec_swanctl_line,
			       "ipsec swanctl without ipsec profile (expected \"ipsec profile NAME\")");

	role = cfg->role == CFG_ROLE_HUB ? "hub" : "spoke";
	if (cfg->role == CFG_ROLE_HUB) {
		if (p->group_line)
			return fail_at(p, p->group_line,
				       "group is for a spoke (role %s on line %u)",
				       role, p->role_line);
		warn_role(p);
		return 0;
	}
	if (cfg->qos_group_count)
		return fail_at(p, cfg->qos_groups[0].line,
			       "qos-group is for a hub (role %s on line %u)",
			       role, p->role_line);
	if (p->multicast_dynamic_line)
		return fail_at(p, p->multicast_dynamic_line,
			       "multicast dynamic is for a hub (role %s on line %u)",
			       role, p->role_line);
	if (!cfg->nhs_count)
		return fail_at(p, p->role_line,
			       "a spoke needs at least one nhs");
	warn_role(p);
	return 0;
}

/* Lowest priority number first; equal ones keep their order in the file. */
static void sort_nhs(struct cfg *cfg)
{
	unsigned int i, j;

	for (i = 1; i < cfg->nhs_count; i++) {
		struct cfg_nhs n = cfg->nhs[i];

		for (j = i; j > 0 && cfg->nhs[j - 1].priority > n.priority; j--)
			cfg->nhs[j] = cfg->nhs[j - 1];
		cfg->nhs[j] = n;
	}
}

int cfg_parse(const char *path, const char *text, const char *ifname,
	      struct cfg *cfg, struct errmsg *err)
{
	struct parser p = {
		.path = path,
		.cfg = cfg,
		.err = err,
	};
	const char *line = text;
	int ret = 0;

	memset(cfg, 0, sizeof(*cfg));
	if (!ifname)
		ifname = "";
	if (strlen(ifname) >= sizeof(cfg->ifname))
		return fail_at(&p, 0, "interface name %s longer than %zu bytes",
			       quote(&p, ifname), sizeof(cfg->ifname) - 1);
	if (strlen(path) >= sizeof(cfg->path)) {
		/* Not fail_at(): the path would crowd out the reason. */
		errmsg_set(err, "path longer than %zu bytes: %s",
			   sizeof(cfg->path) - 1, quote(&p, path));
		return -1;
	}
	strcpy(cfg->ifname, ifname);
	strcpy(cfg->path, path);
	cfg->holdtime = DEFAULT_HOLDTIME;
	cfg->registration_timeout = DEFAULT_REG_TIMEOUT;
	cfg->registration_retry = DEFAULT_REG_RETRY;
	cfg->shortcut = true;
	cfg->redirect = true;
	cfg->unique = true;
	strcpy(cfg->vici_path, CFG_VICI_DEFAULT);
	strcpy(cfg->swanctl_path, CFG_SWANCTL_DEFAULT);

	while (*line) {
		const char *end = strchr(line, '\n');
		size_t len = end ? (size_t)(end - line) : strlen(line);

		p.line++;
		ret = parse_line(&p, line, len);
		if (ret)
			break;
		line += len;
		if (*line)
			line++;
	}
	if (!ret)
		ret = check_file(&p);
	free(p.mcast_nbma_lines);
	if (ret) {
		cfg_free(cfg);
		return -1;
	}
	sort_nhs(cfg);
	return 0;
}

int cfg_load(const char *path, const char *ifname, struct cfg *cfg,
	     struct errmsg *err)
{
	size_t len = 0, cap = 4096;
	char *text = NULL, *nul;
	struct stat st;
	int fd, ret;

	memset(cfg, 0, sizeof(*cfg));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		goto sys_error;
	text = malloc(cap);
	if (!text)
		goto sys_error;
	for (;;) {
		ssize_t n;

		if (len > CFG_FILE_MAX) {
			errmsg_set(err, "%s: larger than %d bytes", path,
				   CFG_FILE_MAX);
			goto error;
		}
		if (len + 1 == cap) {
			char *t = realloc(text, cap * 2);

			if (!t)
				goto sys_error;
			text = t;
			cap *= 2;
		}
		n = read(fd, text + len, cap - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			goto sys_error;
		if (n == 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	fd = -1;
	text[len] = '\0';

	/* cfg_parse() would stop at a NUL and take the rest as missing. */
	nul = memchr(text, '\0', len);
	if (nul) {
		unsigned int line = 1;
		const char *s;

		for (s = text; s < nul; s++)
			line += *s == '\n';
		errmsg_set(err, "%s:%u: NUL byte in the file", path, line);
		goto error;
	}

	ret = cfg_parse(path, text, ifname, cfg, err);
	free(text);
	if (!ret && cfg_supported(cfg, err)) {
		cfg_free(cfg);
		return -1;
	}
	if (!ret && cfg->has_auth && !stat(path, &st) && st.st_mode & 077)
		cfg->auth_file_exposed = true;
	return ret;

sys_error:
	errmsg_set(err, "%s: %s", path, strerror(errno));
error:
	if (fd >= 0)
		close(fd);
	free(text);
	return -1;
}

/*
 * The kernel sends multicast only to the NBMA address of an entry with the
 * multicast flag, and an entry needs a tunnel prefix; an address without
 * one has no place in the cache yet.
 */
int cfg_supported(const struct cfg *cfg, struct errmsg *err)
{
	if (cfg->mcast_nbma_count) {
		errmsg_set(err, "%.160s:%u: \"multicast nbma\" is not supported "
			   "yet; use \"map PROTO nbma ADDR multicast\"",
			   cfg->path, cfg->mcast_nbma_line);
		return -1;
	}
	return 0;
}

void cfg_free(struct cfg *cfg)
{
	free(cfg->warnings);
	free(cfg->nhs);
	free(cfg->maps);
	free(cfg->mcast_nbma);
	free(cfg->qos_groups);
	free(cfg->addresses);
	memset(cfg, 0, sizeof(*cfg));
}

const struct cfg_qos_group *cfg_find_qos_group(const struct cfg *cfg,
					       const char *name)
{
	unsigned int i;

	if (!name)
		return NULL;
	for (i = 0; i < cfg->qos_group_count; i++)
		if (!strcmp(cfg->qos_groups[i].name, name))
			return &cfg->qos_groups[i];
	return NULL;
}

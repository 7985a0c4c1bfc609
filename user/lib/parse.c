// SPDX-License-Identifier: GPL-2.0
#include "parse.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* Longest textual address we accept before the '/'. */
#define ADDR_TEXT_MAX 64

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

static bool all_digits(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

static int parse_prefix_len(const char *s, uint8_t family, uint8_t *len,
			    struct errmsg *err)
{
	unsigned int bits = dmvpn_family_bits(family);
	const char *fam = family == AF_INET6 ? "IPv6" : "IPv4";
	unsigned long v;

	/* At most 3 digits, so strtoul() cannot overflow. */
	if (!all_digits(s) || strlen(s) > 3) {
		errmsg_set(err, "invalid prefix length '%s'", s);
		return -1;
	}
	v = strtoul(s, NULL, 10);
	if (v > bits) {
		errmsg_set(err, "invalid prefix length %lu for %s", v, fam);
		return -1;
	}
	*len = (uint8_t)v;
	return 0;
}

/* True if any bit after the first @len bits of @p's address is set. */
static bool prefix_has_host_bits(const struct dmvpn_prefix *p)
{
	unsigned int nbytes = dmvpn_family_bytes(p->family);
	unsigned int i;

	for (i = 0; i < nbytes; i++) {
		unsigned int first_bit = i * 8;
		uint8_t host_mask;

		if (first_bit + 8 <= p->len)
			continue;
		host_mask = first_bit >= p->len ? 0xff :
			    (uint8_t)(0xff >> (p->len - first_bit));
		if (p->addr.bytes[i] & host_mask)
			return true;
	}
	return false;
}

static void prefix_clear_host_bits(struct dmvpn_prefix *p)
{
	unsigned int nbytes = dmvpn_family_bytes(p->family);
	unsigned int i;

	for (i = 0; i < nbytes; i++) {
		unsigned int first_bit = i * 8;

		if (first_bit >= p->len)
			p->addr.bytes[i] = 0;
		else if (first_bit + 8 > p->len)
			p->addr.bytes[i] &= (uint8_t)(0xff << (8 - (p->len - first_bit)));
	}
}

/*
 * "10.0.0.1/24" is refused rather than silently masked: on a cache keyed by
 * prefix, a typo in the address would otherwise change a different entry.
 */
static int check_host_bits(const char *s, const struct dmvpn_prefix *p,
			   struct errmsg *err)
{
	char text[INET6_ADDRSTRLEN];
	struct dmvpn_prefix net = *p;

	if (!prefix_has_host_bits(p))
		return 0;
	prefix_clear_host_bits(&net);
	inet_ntop(net.family, net.addr.bytes, text, sizeof(text));
	errmsg_set(err, "prefix %s has host bits set (did you mean %s/%u?)",
		   s, text, net.len);
	return -1;
}

int parse_prefix(const char *s, struct dmvpn_prefix *out, struct errmsg *err)
{
	char addr[ADDR_TEXT_MAX];
	const char *slash = strchr(s, '/');
	size_t addr_len = slash ? (size_t)(slash - s) : strlen(s);
	struct dmvpn_prefix p = { 0 };

	if (addr_len == 0 || addr_len >= sizeof(addr)) {
		errmsg_set(err, "invalid prefix '%s'", s);
		return -1;
	}
	memcpy(addr, s, addr_len);
	addr[addr_len] = '\0';

	p.family = strchr(addr, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(p.family, addr, p.addr.bytes) != 1) {
		errmsg_set(err, "invalid prefix '%s': not an IPv4 or IPv6 address",
			   s);
		return -1;
	}
	p.len = (uint8_t)dmvpn_family_bits(p.family);
	if (slash && parse_prefix_len(slash + 1, p.family, &p.len, err))
		return -1;
	if (check_host_bits(s, &p, err))
		return -1;
	*out = p;
	return 0;
}

int parse_ipv4(const char *what, const char *s, struct in_addr *out,
	       struct errmsg *err)
{
	if (inet_pton(AF_INET, s, out) != 1) {
		errmsg_set(err, "%s: expected an IPv4 address, got '%s'", what, s);
		return -1;
	}
	return 0;
}

static const char *const entry_type_names[] = {
	[DMVPN_ENTRY_STATIC]	= "static",
	[DMVPN_ENTRY_DYNAMIC]	= "dynamic",
	[DMVPN_ENTRY_NHS]	= "nhs",
	[DMVPN_ENTRY_SHORTCUT]	= "shortcut",
	[DMVPN_ENTRY_NEGATIVE]	= "negative",
	[DMVPN_ENTRY_LOCAL]	= "local",
};

const char *entry_type_name(unsigned int type)
{
	if (type >= ARRAY_SIZE(entry_type_names))
		return NULL;
	return entry_type_names[type];
}

int entry_type_from_name(const char *name)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(entry_type_names); i++)
		if (entry_type_names[i] && !strcmp(entry_type_names[i], name))
			return (int)i;
	return -1;
}

const char *entry_flag_name(uint32_t flag)
{
	switch (flag) {
	case DMVPN_ENTRY_F_MULTICAST:		return "multicast";
	case DMVPN_ENTRY_F_UNIQUE:		return "unique";
	case DMVPN_ENTRY_F_REQUIRE_IPSEC:	return "require-ipsec";
	default:				return NULL;
	}
}

const char *cache_op_name(enum cache_op op)
{
	switch (op) {
	case CACHE_OP_SHOW:	return "show";
	case CACHE_OP_ADD:	return "add";
	case CACHE_OP_REPLACE:	return "replace";
	case CACHE_OP_DEL:	return "del";
	case CACHE_OP_GET:	return "get";
	case CACHE_OP_FLUSH:	return "flush";
	}
	return "?";
}

int match_word(const char *word, const struct word_map *map)
{
	size_t len = strlen(word);
	int found = WORD_UNKNOWN;

	if (len == 0)
		return WORD_UNKNOWN;
	for (; map->word; map++) {
		if (!strcmp(map->word, word))
			return map->value;
		if (strncmp(map->word, word, len))
			continue;
		if (found != WORD_UNKNOWN && found != map->value)
			return WORD_AMBIGUOUS;
		found = map->value;
	}
	return found;
}

/* ---- cache request keywords ---- */

#define OP(op)		(1U << (op))
#define OPS_MODIFY	(OP(CACHE_OP_ADD) | OP(CACHE_OP_REPLACE))
#define OPS_BY_PREFIX	(OPS_MODIFY | OP(CACHE_OP_DEL) | OP(CACHE_OP_GET))
#define OPS_ALL		(OPS_BY_PREFIX | OP(CACHE_OP_SHOW) | OP(CACHE_OP_FLUSH))
#define OPS_TYPE	(OPS_MODIFY | OP(CACHE_OP_SHOW) | OP(CACHE_OP_FLUSH))

struct keyword {
	const char *name;
	bool takes_value;
	unsigned int ops;	/* OP() of every op that accepts it */
	int (*apply)(struct cache_request *req, const char *value,
		     struct errmsg *err);
};

static int check_dev_name(const char *name, struct errmsg *err)
{
	if (!*name || strlen(name) >= IF_NAMESIZE) {
		errmsg_set(err, "invalid device name '%s'", name);
		return -1;
	}
	return 0;
}

static int kw_dev(struct cache_request *req, const char *value,
		  struct errmsg *err)
{
	if (check_dev_name(value, err))
		return -1;
	req->dev = value;
	return 0;
}

static int kw_nbma(struct cache_request *req, const char *value,
		   struct errmsg *err)
{
	if (parse_ipv4("nbma", value, &req->entry.nbma, err))
		return -1;
	req->entry.has_nbma = true;
	req->given |= FIELD_NBMA;
	return 0;
}

static int set_type(struct cache_request *req, int type, struct errmsg *err)
{
	if (req->given & FIELD_TYPE) {
		errmsg_set(err, "the entry type is given twice ('%s' and '%s')",
			   entry_type_name(req->entry.type),
			   entry_type_name((unsigned int)type));
		return -1;
	}
	req->entry.type = (uint8_t)type;
	req->given |= FIELD_TYPE;
	return 0;
}

static int kw_type(struct cache_request *req, const char *value,
		   struct errmsg *err)
{
	int type = entry_type_from_name(value);

	if (type < 0) {
		errmsg_set(err, "unknown type '%s' (expected static, dynamic, "
			   "nhs, shortcut, negative or local)", value);
		return -1;
	}
	return set_type(req, type, err);
}

static int kw_negative(struct cache_request *req, const char *value,
		       struct errmsg *err)
{
	(void)value;
	return set_type(req, DMVPN_ENTRY_NEGATIVE, err);
}

/* NHRP carries the holding time in 16 bits, and so does the kernel. */
#define HOLDTIME_MAX 65535U

static int kw_holdtime(struct cache_request *req, const char *value,
		       struct errmsg *err)
{
	if (!strcmp(value, "never")) {
		req->entry.holdtime = 0;
	} else if (parse_uint(value, HOLDTIME_MAX, &req->entry.holdtime) ||
		   req->entry.holdtime == 0) {
		/* 0 is how the kernel spells "never": say never, as the
		 * help and the configuration file (which refuses 0) do. */
		errmsg_set(err, "invalid holdtime '%s' (1..%u seconds, "
			   "or 'never')", value, HOLDTIME_MAX);
		return -1;
	}
	req->given |= FIELD_HOLDTIME;
	return 0;
}

static int kw_u32(const char *name, const char *value, uint32_t *out,
		  struct errmsg *err)
{
	if (parse_u32(value, out)) {
		errmsg_set(err, "invalid %s '%s' (expected 0..4294967295)",
			   name, value);
		return -1;
	}
	return 0;
}

static int kw_priority(struct cache_request *req, const char *value,
		       struct errmsg *err)
{
	req->given |= FIELD_PRIORITY;
	return kw_u32("priority", value, &req->entry.priority, err);
}

static int kw_mark(struct cache_request *req, const char *value,
		   struct errmsg *err)
{
	req->given |= FIELD_MARK;
	return kw_u32("mark", value, &req->entry.mark, err);
}

static int set_flag(struct cache_request *req, uint32_t flag)
{
	req->entry.flags |= flag;
	req->given |= FIELD_FLAGS;
	return 0;
}

static int kw_multicast(struct cache_request *req, const char *value,
			struct errmsg *err)
{
	(void)value;
	(void)err;
	return set_flag(req, DMVPN_ENTRY_F_MULTICAST);
}

static int kw_unique(struct cache_request *req, const char *value,
		     struct errmsg *err)
{
	(void)value;
	(void)err;
	return set_flag(req, DMVPN_ENTRY_F_UNIQUE);
}

static int kw_require_ipsec(struct cache_request *req, const char *value,
			    struct errmsg *err)
{
	(void)value;
	(void)err;
	return set_flag(req, DMVPN_ENTRY_F_REQUIRE_IPSEC);
}

static const struct keyword keywords[] = {
	{ "dev",		true,  OPS_ALL,    kw_dev },
	{ "nbma",		true,  OPS_MODIFY, kw_nbma },
	{ "type",		true,  OPS_TYPE,   kw_type },
	{ "negative",		false, OPS_MODIFY, kw_negative },
	{ "holdtime",		true,  OPS_MODIFY, kw_holdtime },
	{ "priority",		true,  OPS_MODIFY, kw_priority },
	{ "mark",		true,  OPS_MODIFY, kw_mark },
	{ "multicast",		false, OPS_MODIFY, kw_multicast },
	{ "unique",		false, OPS_MODIFY, kw_unique },
	{ "require-ipsec",	false, OPS_MODIFY, kw_require_ipsec },
};

static const struct keyword *find_keyword(const char *word, unsigned int *index)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(keywords); i++) {
		if (!strcmp(keywords[i].name, word)) {
			*index = i;
			return &keywords[i];
		}
	}
	return NULL;
}

/* Addresses always hold a '.' or a ':'; keywords never do. */
static bool looks_like_address(const char *word)
{
	return strchr(word, '.') || strchr(word, ':');
}

static int take_prefix(struct cache_request *req, const char *word,
		       struct errmsg *err)
{
	if (!(OP(req->op) & OPS_BY_PREFIX)) {
		errmsg_set(err, "'cache %s' takes no prefix, got '%s'",
			   cache_op_name(req->op), word);
		return -1;
	}
	if (req->given & FIELD_PREFIX) {
		errmsg_set(err, "more than one prefix given ('%s')", word);
		return -1;
	}
	if (parse_prefix(word, &req->entry.prefix, err))
		return -1;
	req->given |= FIELD_PREFIX;
	return 0;
}

/* Parse one keyword (and its value) at argv[0]; returns the words used. */
static int take_keyword(struct cache_request *req, int argc, char **argv,
			unsigned int *seen, struct errmsg *err)
{
	const struct keyword *kw;
	unsigned int index;

	kw = find_keyword(argv[0], &index);
	if (!kw) {
		if (looks_like_address(argv[0]))
			return take_prefix(req, argv[0], err) ? -1 : 1;
		errmsg_set(err, "unknown keyword '%s'", argv[0]);
		return -1;
	}
	if (!(kw->ops & OP(req->op))) {
		errmsg_set(err, "'%s' is not valid for 'cache %s'", kw->name,
			   cache_op_name(req->op));
		return -1;
	}
	if (*seen & (1U << index)) {
		errmsg_set(err, "'%s' given twice", kw->name);
		return -1;
	}
	*seen |= 1U << index;
	if (kw->takes_value && argc < 2) {
		errmsg_set(err, "missing value after '%s'", kw->name);
		return -1;
	}
	if (kw->apply(req, kw->takes_value ? argv[1] : NULL, err))
		return -1;
	return kw->takes_value ? 2 : 1;
}

static int check_negative(const struct cache_request *req, struct errmsg *err)
{
	if (req->given & FIELD_NBMA) {
		errmsg_set(err, "a negative entry has no 'nbma'");
		return -1;
	}
	if (req->given & FIELD_FLAGS) {
		errmsg_set(err, "flags do not apply to a negative entry");
		return -1;
	}
	if (req->given & (FIELD_PRIORITY | FIELD_MARK)) {
		errmsg_set(err, "'%s' does not apply to a negative entry",
			   req->given & FIELD_PRIORITY ? "priority" : "mark");
		return -1;
	}
	return 0;
}

static int check_complete(const struct cache_request *req, struct errmsg *err)
{
	if (req->op != CACHE_OP_SHOW && !req->dev) {
		errmsg_set(err, "missing 'dev DEV'");
		return -1;
	}
	if ((OP(req->op) & OPS_BY_PREFIX) && !(req->given & FIELD_PREFIX)) {
		errmsg_set(err, "missing prefix (for example 10.0.0.0/24)");
		return -1;
	}
	if (!(OP(req->op) & OPS_MODIFY))
		return 0;
	if (req->entry.type == DMVPN_ENTRY_NEGATIVE)
		return check_negative(req, err);
	if (!(req->given & FIELD_NBMA)) {
		errmsg_set(err, "missing 'nbma A.B.C.D'");
		return -1;
	}
	return 0;
}

int parse_cache_request(enum cache_op op, int argc, char **argv,
			struct cache_request *req, struct errmsg *err)
{
	unsigned int seen = 0;

	*req = (struct cache_request){ .op = op };
	while (argc > 0) {
		int used = take_keyword(req, argc, argv, &seen, err);

		if (used < 0)
			return -1;
		argc -= used;
		argv += used;
	}
	if ((OP(op) & OPS_MODIFY) && !(req->given & FIELD_TYPE))
		req->entry.type = DMVPN_ENTRY_STATIC;
	return check_complete(req, err);
}

int parse_dev_filter(const char *cmd, int argc, char **argv, const char **dev,
		     struct errmsg *err)
{
	*dev = NULL;
	while (argc > 0) {
		if (strcmp(argv[0], "dev")) {
			errmsg_set(err, "unknown keyword '%s' for '%s'", argv[0], cmd);
			return -1;
		}
		if (*dev) {
			errmsg_set(err, "'dev' given twice");
			return -1;
		}
		if (argc < 2) {
			errmsg_set(err, "missing value after 'dev'");
			return -1;
		}
		if (check_dev_name(argv[1], err))
			return -1;
		*dev = argv[1];
		argc -= 2;
		argv += 2;
	}
	return 0;
}

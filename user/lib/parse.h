/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Command line parsing for dmvpnctl.  Everything here is pure: it turns
 * strings into values or an error message and never prints.
 */
#ifndef DMVPN_PARSE_H
#define DMVPN_PARSE_H

#include <stdbool.h>
#include <stdint.h>

#include "entry.h"
#include "errmsg.h"
#include "num.h"

/* "10.0.0.0/24", "2001:db8::/32", "10.0.0.1" (full length). */
int parse_prefix(const char *s, struct dmvpn_prefix *out, struct errmsg *err);
/* A dotted quad; @what names the option in the error message. */
int parse_ipv4(const char *what, const char *s, struct in_addr *out,
	       struct errmsg *err);

/* "static" ... "local" for enum dmvpn_entry_type; NULL if unknown. */
const char *entry_type_name(unsigned int type);
/* The enum value for a name, or -1. */
int entry_type_from_name(const char *name);

/* The flag's keyword ("multicast", ...), NULL if @flag is not one bit we know. */
const char *entry_flag_name(uint32_t flag);

enum cache_op {
	CACHE_OP_SHOW,
	CACHE_OP_ADD,
	CACHE_OP_REPLACE,
	CACHE_OP_DEL,
	CACHE_OP_GET,
	CACHE_OP_FLUSH,
};

struct cache_request {
	enum cache_op op;
	const char *dev;	/* points into argv; NULL if not given */
	unsigned int given;	/* FIELD_* the user gave */
	struct dmvpn_entry entry;
};

/*
 * Parse the words after "cache <op>".  Keywords may come in any order; a word
 * that is not a keyword and looks like an address is the prefix.  Fills in
 * the defaults (type static, full prefix length) and checks that the words
 * make a complete request for @op.
 */
int parse_cache_request(enum cache_op op, int argc, char **argv,
			struct cache_request *req, struct errmsg *err);

/* "stats [dev DEV]": @dev stays NULL when not given. */
int parse_dev_filter(const char *cmd, int argc, char **argv, const char **dev,
		     struct errmsg *err);

/* The name of an op as typed after "cache" ("show", "add", ...). */
const char *cache_op_name(enum cache_op op);

/*
 * Command words may be abbreviated like ip's: "c s" is "cache show".  A map
 * ends with a NULL word; aliases share a value.
 */
struct word_map {
	const char *word;
	int value;
};

#define WORD_UNKNOWN	(-1)
#define WORD_AMBIGUOUS	(-2)

/* @word's value: an exact match, else the value of every word it starts. */
int match_word(const char *word, const struct word_map *map);

#endif

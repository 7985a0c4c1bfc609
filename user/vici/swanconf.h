/* SPDX-License-Identifier: GPL-2.0 */
/*
 * swanctl.conf, read as swanctl reads it, with no I/O: the settings syntax
 * of strongSwan 5.9.8 (libstrongswan/settings, the grammar in
 * settings_parser.y and settings_lexer.l) parsed into a bounded tree, and
 * one connection of it turned into the body of a VICI load-conn request
 * the way "swanctl --load-conns" turns it (swanctl/commands/load_conns.c).
 *
 * Why dmvpnd reads the file at all: charon's list-conns (5.9.8) does not
 * show a connection's IKE and ESP proposals, its life and rand times, its
 * encap, mobike, fragmentation or send_cert settings, nor its certificates,
 * so a per-peer copy built from list-conns would quietly differ from the
 * operator's profile.  Built from the file, the copy is the profile itself
 * with only the keys the caller replaces.
 *
 * The syntax: "name { ... }" sections (a name given again adds to the
 * same section), "name : a.b, c.d { ... }" sections that inherit from the
 * sections at those full paths, "key = value" settings up to the end of
 * the line (a key given again replaces its value; "key =" unsets it),
 * values of words joined by one space or of "quoted strings" with \n, \r,
 * \t and \<newline> escapes, "#" comments, and "include PATTERN", whose
 * files the caller reads (include callback) into the section where the
 * statement stands.  Unlike charon, a file must close the sections it
 * opens.
 *
 * Bounds: SWCONF_NODES_MAX sections and settings, SWCONF_TEXT_MAX bytes of
 * names and values, SWCONF_DEPTH_MAX nested sections, SWCONF_VIEW_MAX
 * sections merged into one by inheritance.  Past any of them parsing or
 * building fails with a reason; nothing is read past the given length.
 */
#ifndef DMVPN_SWANCONF_H
#define DMVPN_SWANCONF_H

#include <stddef.h>
#include <stdint.h>

#include "vici.h"

#define SWCONF_NODES_MAX	4096
#define SWCONF_TEXT_MAX		(128 * 1024)
#define SWCONF_DEPTH_MAX	16
#define SWCONF_VIEW_MAX		16

enum swconf_kind { SWCONF_SECTION, SWCONF_KEY, SWCONF_REF };

struct swconf_node {
	uint8_t kind;
	uint32_t name;		/* offset into text */
	int32_t value;		/* a key's offset into text; -1: unset */
	int32_t parent, first, last, next;	/* node indices, -1: none */
};

struct swconf {
	struct swconf_node node[SWCONF_NODES_MAX];
	int32_t nnodes;
	char text[SWCONF_TEXT_MAX];
	uint32_t tlen;
	int32_t cur;		/* the section statements go into */
	unsigned int depth;	/* of cur */
	char error[256];	/* "FILE:LINE: why", after a failure */
};

/* An empty tree: the root section only. */
void swconf_init(struct swconf *c);

/*
 * Parse one file's @text into @c, under the section open at the call (the
 * root, or the one an include statement stands in).  @include gets each
 * include statement's pattern and the file it stands in; it parses the
 * files the pattern names with swconf_parse() on the same @c and returns
 * 0, or -1 with c->error set.  0, or -1 with c->error "FILE:LINE: why".
 */
int swconf_parse(struct swconf *c, const char *file, const char *text,
		 size_t len,
		 int (*include)(void *arg, struct swconf *c, const char *file,
				const char *pattern),
		 void *arg);

/* The section at dotted @path ("connections.dmvpn"), or -1. */
int32_t swconf_find(const struct swconf *c, const char *path);

/*
 * How the caller shapes the copy.  @path holds the names of the sections
 * between the connection and the key (depth 0: the connection's own keys,
 * depth 2 with path "children", "gre": a child's).
 */
struct swconf_vici_ops {
	/* 1 when the caller dealt with @key itself (added it to @b, or left
	 * it out), 0 to have it copied. */
	int (*key)(void *arg, const char *const *path, unsigned int depth,
		   const char *key, const char *value,
		   struct vici_builder *b);
	/* A section's settings and subsections are in @b and it is about
	 * to close: the caller may add its own. */
	void (*section_end)(void *arg, const char *const *path,
			    unsigned int depth, struct vici_builder *b);
	/* One entry of certs, cacerts or pubkeys (a file name, or 0x/0s
	 * data): add its contents to @b as a list item; 0, or -1 with
	 * @err set. */
	int (*file_item)(void *arg, const char *key, const char *entry,
			 struct vici_builder *b, char *err, size_t err_size);
	void *arg;
};

/*
 * Add connection @name (the section connections.NAME) to @b as a section
 * called @as, as swanctl would load it: the keys swanctl sends as lists
 * (proposals, esp_proposals, local_ts, ...) split at commas and blanks,
 * certs, cacerts and pubkeys through ops->file_item, inherited settings
 * and sections merged in.  0, or -1 with c->error set.
 */
int swconf_conn_to_vici(struct swconf *c, const char *name, const char *as,
			const struct swconf_vici_ops *ops,
			struct vici_builder *b);

/* The value of key @key in section @sec as the connection would see it
 * (inheritance included), or NULL. */
const char *swconf_get(const struct swconf *c, int32_t sec, const char *key);

/*
 * When charon rekeys, so that dmvpnd can rekey first.  charon 5.9.8
 * schedules an SA's rekey at rekey_time minus a random part of rand_time
 * after the SA came up, on both ends, and resolves some of the collisions
 * that follow when both ends rekey at once so that an SA is lost.  The
 * earliest either end's charon can rekey is the "bound" here, in seconds
 * (0: charon never rekeys it, or the settings make no sense, and nor do
 * we): rekey_time - rand_time for an IKE_SA (peer_cfg.c subtracts
 * random() % rand_time), rekey_time - rand_time - 2 for a CHILD_SA (see
 * swconf_child_rekey_bound()).  The defaults are swanctl.conf's
 * (vici_config.c in 5.9.8):
 *   IKE: rekey_time 4h unless only reauth_time is set (then 0), over_time
 *     10% of the larger of rekey_time and reauth_time, rand_time the
 *     smaller of over_time and half of rekey_time (of the smaller of the
 *     two when both are set);
 *   CHILD: rekey_time 1h, life_time 110% of rekey_time, rand_time
 *     life_time - rekey_time; a life_time below the bound lowers it (the
 *     SA is gone by then).
 * Values are swanctl.conf's strings (NULL: not set): a number with an
 * optional unit s, m, h or d.
 */
int swconf_time(const char *value, uint32_t *secs);	/* 0, or -1 */
uint32_t swconf_ike_rekey_bound(const char *rekey_time,
				const char *reauth_time,
				const char *over_time, const char *rand_time);
uint32_t swconf_child_rekey_bound(const char *rekey_time,
				  const char *life_time,
				  const char *rand_time);

/* Both bounds for connection @conn and its child @child, as the file
 * sets them (inheritance included); -1 without such a connection. */
int swconf_rekey_bounds(const struct swconf *c, const char *conn,
			const char *child, uint32_t *ike, uint32_t *child_s);

/*
 * Whether child @child of connection @conn gives each CHILD_SA a mark of
 * its own, so that two peers behind one NAT address, whose SAs have the
 * same selectors, have an SA each (README, "Two spokes behind one NAT
 * address"): mark_in and mark_out "%unique", with one mask or none, and
 * set_mark_in "%same".  NULL with *@mask set to the mask (all ones if
 * none), or what is missing.
 */
const char *swconf_child_marks(const struct swconf *c, const char *conn,
			       const char *child, uint32_t *mask);

/*
 * The priority charon gives the xfrm policies of child @child of
 * connection @conn, for a CHILD_SA between two IPv4 addresses with one
 * protocol and no ports (GRE in transport mode): the child's "priority"
 * if it sets one, else what charon 5.9's kernel_netlink computes
 * (get_priority(): 400000, less 512 per prefix bit, 256 for the protocol,
 * 1 for a policy that is not a trap), 366975; an "interface" takes 2 more
 * off the outbound policy alone, so 366975 is still the higher of the two.
 * Lower is preferred.  0 without such a connection or with a priority
 * that is not a number.
 */
uint32_t swconf_child_priority(const struct swconf *c, const char *conn,
			       const char *child);

/*
 * How long after now to rekey an SA that came up @age_ms ago (at the
 * other end, that is: the caller adds how long the exchange took), so
 * that it comes before either end's charon: 80 to 85% of @bound (the
 * spread from @random, so that SAs made together do not all rekey
 * together), never past it.  In ms; 0 means at once.  @bound 0: no
 * rekey, UINT32_MAX.
 */
uint32_t swconf_rekey_delay_ms(uint32_t bound, uint64_t age_ms,
			       uint32_t random);

#endif

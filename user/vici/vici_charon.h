/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What charon's VICI messages mean to dmvpnd, with no I/O: the profile a
 * list-conn event describes (what a per-peer copy can take over, and
 * whether it is transport mode for GRE), and the SAs that child-updown,
 * ike-updown, child-rekey and list-sa events describe.  The layouts are
 * charon 5.9.8's (vici_query.c); unknown keys are skipped.
 */
#ifndef DMVPN_VICI_CHARON_H
#define DMVPN_VICI_CHARON_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "vici.h"

/* What list-conns tells about a profile. */
struct vici_profile {
	bool found;
	bool transport;
	bool gre;
	char version[8];
	char rekey_time[24];
	char reauth_time[24];
	char dpd_delay[24];
	char dpd_timeout[24];
	char local_auth[16];
	char local_id[256];
	char remote_auth[16];
	char remote_id[256];
	char child[VICI_NAME_MAX + 1];
	char child_rekey_time[24];
	char problem[128];	/* why it cannot be used */
};

/* Fill @t from a list-conn event's message, if it is about @name. */
void vici_profile_parse(const uint8_t *msg, size_t len, const char *name,
			struct vici_profile *t);
/* Why @t cannot be a template for GRE in transport mode, or NULL. */
const char *vici_profile_problem(const struct vici_profile *t);

/* The fields of an SA event or list-sa entry that matter to us. */
struct vici_sa {
	bool up;
	char ike_name[VICI_NAME_MAX + 1];
	uint32_t ike_id;
	struct in_addr local, remote;
	bool have_remote;
	bool ike_initiator;	/* our end initiated the IKE_SA (or its rekey) */
	uint64_t ike_spi_i;	/* its initiator's SPI: the same at both ends */
	uint32_t ike_age;	/* seconds since it was established */
	/* the first CHILD_SA in it, or its "new" one after a rekey */
	uint32_t child_id, old_child_id;
	bool child_installed;
	uint32_t child_age;	/* seconds since it was installed */
	bool transport;
	char spi_in[12], spi_out[12];
	/* its marks (mark_in/mark_out: 0 = none) and their masks */
	uint32_t mark_in, mask_in, mark_out, mask_out;
};

/*
 * Walk an SA message: depth 0 holds "up" and one section per IKE_SA, with
 * its keys at depth 1, "child-sas" at depth 1 with one section per child
 * at depth 2 (after a rekey: a section with "old" and "new" in it).  @fn
 * gets each IKE_SA in turn.
 */
void vici_sa_walk(const uint8_t *msg, size_t len,
		  void (*fn)(void *arg, struct vici_sa *s), void *arg);

/*
 * @s's CHILD_SA may have been installed just now.  charon's install-time
 * is the difference of two readings of its monotonic clock in whole
 * seconds, so an SA installed a millisecond before the event reads 1
 * when a second began between them; 0 alone misses those.
 */
bool vici_sa_child_fresh(const struct vici_sa *s);

/* An IKE_SA rekeyed: the unique ids, and the new one's side and age. */
struct vici_ike_rekey {
	uint32_t old_id, new_id;
	bool new_initiator;	/* we initiated the rekey */
	uint64_t new_spi_i;	/* the new one's initiator SPI */
	uint32_t new_age;	/* seconds since the new one was established */
};

/*
 * An ike-rekey event: one section per IKE_SA (its name), holding "old"
 * and "new" sections with each IKE_SA's keys.  @fn gets the name and
 * what changed, for each IKE_SA that has both ids.
 */
void vici_ike_rekey_walk(const uint8_t *msg, size_t len,
			 void (*fn)(void *arg, const char *name,
				    const struct vici_ike_rekey *k),
			 void *arg);

#endif

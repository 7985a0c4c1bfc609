// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness for routemsg_parse() (make -C user fuzz-routemsg): the
 * kernel's answer to RTM_GETROUTE, which route.c reads for every
 * resolution a hub answers and every next hop it looks up.
 *
 * Any input, read as an answer for IPv4 and for IPv6: no read out of
 * bounds and no undefined behaviour; the result is 0, -ENETUNREACH, -EPROTO
 * or the error of an NLMSG_ERROR; a refused answer leaves no interface or
 * gateway behind; a gateway has the family and length asked for; and only
 * the first message is read: the same message cut to its nlmsg_len, in a
 * buffer of exactly that size, reads the same.
 *
 * The buffers are heap copies of exactly the bytes given, as the kernel's
 * answer arrives in an aligned buffer, so that ASan sees any byte read
 * past them.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "routemsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what, uint8_t family, int ret)
{
	fprintf(stderr, "fuzz_routemsg: %s (family %u, returned %d)\n", what,
		family, ret);
	abort();
}

static int parse_copy(const uint8_t *data, size_t size, uint8_t family,
		      struct route_info *ri)
{
	void *copy = malloc(size ? size : 1);
	int ret;

	if (!copy)
		abort();
	memcpy(copy, data, size);
	ret = routemsg_parse(copy, size, family, ri);
	free(copy);
	return ret;
}

/* An NLMSG_ERROR's error, or 0 when @data holds none. */
static int carried_error(const uint8_t *data, size_t size)
{
	struct nlmsghdr nh;
	struct nlmsgerr e;

	if (size < NLMSG_LENGTH(sizeof(e)))
		return 0;
	memcpy(&nh, data, sizeof(nh));
	memcpy(&e, data + NLMSG_HDRLEN, sizeof(e));
	if (nh.nlmsg_type != NLMSG_ERROR || nh.nlmsg_len > size ||
	    nh.nlmsg_len < NLMSG_LENGTH(sizeof(e)))
		return 0;
	return e.error;
}

static void check_one(const uint8_t *data, size_t size, uint8_t family)
{
	struct route_info ri, first;
	struct nlmsghdr nh;
	int ret, again;

	ret = parse_copy(data, size, family, &ri);
	if (ret > 0)
		fail("a positive result", family, ret);
	if (ret && ret != -ENETUNREACH && ret != -EPROTO &&
	    ret != carried_error(data, size))
		fail("an error nobody sent", family, ret);
	if (ret && (ri.oif || ri.has_gateway))
		fail("a refused answer left an interface or a gateway",
		     family, ret);
	if (ri.has_gateway &&
	    (ri.gateway.family != family ||
	     ri.gateway.len != dmvpn_family_bits(family)))
		fail("a gateway of another family or length", family, ret);

	/* Trailing bytes, a second message included, change nothing. */
	if (size < sizeof(nh))
		return;
	memcpy(&nh, data, sizeof(nh));
	if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len >= size)
		return;
	again = parse_copy(data, nh.nlmsg_len, family, &first);
	if (again != ret || memcmp(&ri, &first, sizeof(ri)))
		fail("bytes after the first message changed the answer",
		     family, ret);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check_one(data, size, AF_INET);
	check_one(data, size, AF_INET6);
	return 0;
}

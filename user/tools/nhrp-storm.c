// SPDX-License-Identifier: GPL-2.0
/*
 * nhrp-storm: many spokes registering with a hub at once, for benchmarks.
 *
 *   nhrp-storm register --hub NBMA --count N [--nbma-base A] [--proto-base A]
 *                       [--window W] [--holdtime S] [--auth SECRET]
 *   nhrp-storm resolve  --hub NBMA --count N [...same...] [--requests R]
 *
 * Crafts NHRP Registration Requests in GRE from N different NBMA addresses
 * (nbma-base, nbma-base+1, ...) for N tunnel addresses (proto-base, ...),
 * sends them to the hub through a raw socket, and counts the replies.  The
 * host running it must receive what the hub sends to those addresses: give
 * it the whole range as local ("ip route add local 100.64.0.0/10 dev lo")
 * and route the range to it on the hub's side.  At most W requests are
 * outstanding at any time, so the rate measured is what the hub sustains,
 * not what its socket buffers drop.
 *
 * "resolve" registers first, then sends R Resolution Requests, each from one
 * registered spoke for another; a hub forwards them to the target's NBMA
 * address, i.e. back here, and what comes back is counted.
 *
 * Prints one line of key=value results.  Exit status 1 if fewer than all
 * requests were answered.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/ip.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "nhrp/nhrp.h"

#define GRE_HDR_LEN	4
#define PKT_MAX		1500

struct storm {
	struct in_addr hub;
	uint32_t nbma_base;	/* host order */
	uint32_t proto_base;
	unsigned int count;
	unsigned int window;
	unsigned int requests;
	uint16_t holdtime;
	const char *auth;
	int fd;
	unsigned int sent, answered, refused, resent;
	uint8_t *done;		/* per request: answered */
	uint32_t id_base;
	unsigned int total;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_addr(struct nhrp_addr *a, uint32_t host_order)
{
	uint32_t be = htonl(host_order);

	a->len = 4;
	memcpy(a->bytes, &be, 4);
}

static void add_auth(const struct storm *s, struct nhrp_msg *m)
{
	if (!s->auth)
		return;
	m->ext_present |= NHRP_HAS_AUTH;
	m->auth_type = NHRP_AUTH_CLEARTEXT;
	m->auth_secret_len = (uint8_t)strlen(s->auth);
	memcpy(m->auth_secret, s->auth, m->auth_secret_len);
}

/* IPv4 + GRE around @nhrp, from @src to the hub. */
static int send_nhrp(struct storm *s, uint32_t src, const struct nhrp_msg *m)
{
	uint8_t pkt[PKT_MAX];
	struct iphdr *ip = (struct iphdr *)pkt;
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_addr = s->hub };
	const char *why = NULL;
	int len = nhrp_build(m, pkt + sizeof(*ip) + GRE_HDR_LEN,
			     sizeof(pkt) - sizeof(*ip) - GRE_HDR_LEN, &why);

	if (len < 0) {
		fprintf(stderr, "nhrp-storm: build: %s\n", why ? why : "?");
		return -1;
	}
	memset(pkt, 0, sizeof(*ip) + GRE_HDR_LEN);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_GRE;
	ip->saddr = htonl(src);
	ip->daddr = s->hub.s_addr;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + GRE_HDR_LEN + (size_t)len));
	pkt[sizeof(*ip) + 2] = NHRP_ETHERTYPE >> 8;
	pkt[sizeof(*ip) + 3] = NHRP_ETHERTYPE & 0xff;
	if (sendto(s->fd, pkt, sizeof(*ip) + GRE_HDR_LEN + (size_t)len, 0,
		   (struct sockaddr *)&to, sizeof(to)) < 0) {
		if (errno == ENOBUFS || errno == EAGAIN)
			return 1;
		perror("nhrp-storm: sendto");
		return -1;
	}
	s->sent++;
	return 0;
}

static int send_registration(struct storm *s, unsigned int i)
{
	struct nhrp_msg m;
	struct nhrp_cie *c;

	nhrp_msg_init(&m, NHRP_REGISTRATION_REQUEST);
	m.hop_count = 16;
	m.flags = NHRP_FLAG_REG_U | NHRP_FLAG_NAT;
	m.request_id = s->id_base + i;
	put_addr(&m.src_nbma, s->nbma_base + i);
	put_addr(&m.src_proto, s->proto_base + i);
	m.dst_proto = m.src_proto;
	m.cies.count = 1;
	c = &m.cies.cie[0];
	c->prefix_len = 0xff;
	c->holding_time = s->holdtime;
	m.ext_present = NHRP_HAS_RESPONDER | NHRP_HAS_FORWARD_TRANSIT |
			NHRP_HAS_REVERSE_TRANSIT | NHRP_HAS_NAT_ADDRESS;
	add_auth(s, &m);
	return send_nhrp(s, s->nbma_base + i, &m);
}

static int send_resolution(struct storm *s, unsigned int i)
{
	unsigned int from = i % s->count, target = (i * 7 + 1) % s->count;
	struct nhrp_msg m;
	struct nhrp_cie *c;

	if (target == from)
		target = (target + 1) % s->count;
	nhrp_msg_init(&m, NHRP_RESOLUTION_REQUEST);
	m.hop_count = 16;
	m.flags = NHRP_FLAG_RES_Q | NHRP_FLAG_RES_A | NHRP_FLAG_RES_S;
	m.request_id = s->id_base + i;
	put_addr(&m.src_nbma, s->nbma_base + from);
	put_addr(&m.src_proto, s->proto_base + from);
	put_addr(&m.dst_proto, s->proto_base + target);
	m.cies.count = 1;
	c = &m.cies.cie[0];
	c->prefix_len = 0xff;
	c->holding_time = s->holdtime;
	m.ext_present = NHRP_HAS_RESPONDER | NHRP_HAS_FORWARD_TRANSIT |
			NHRP_HAS_REVERSE_TRANSIT;
	add_auth(s, &m);
	return send_nhrp(s, s->nbma_base + from, &m);
}

/* Count what the hub sent us: replies to registrations, forwarded or
 * answered resolutions.  Returns the number of packets read. */
static unsigned int drain(struct storm *s, int want_type, int timeout_ms)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	uint8_t pkt[PKT_MAX];
	unsigned int got = 0;

	while (poll(&pfd, 1, got ? 0 : timeout_ms) > 0) {
		ssize_t n = recv(s->fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		const struct iphdr *ip = (const struct iphdr *)pkt;
		struct nhrp_msg m;
		size_t off;

		if (n <= 0)
			break;
		off = (size_t)ip->ihl * 4 + GRE_HDR_LEN;
		if ((size_t)n <= off || ip->saddr != s->hub.s_addr ||
		    pkt[off - 2] != NHRP_ETHERTYPE >> 8 ||
		    pkt[off - 1] != (NHRP_ETHERTYPE & 0xff) ||
		    nhrp_parse(pkt + off, (size_t)n - off, &m, NULL) ||
		    m.type != want_type)
			continue;
		if (m.request_id - s->id_base >= s->total ||
		    s->done[m.request_id - s->id_base])
			continue;
		s->done[m.request_id - s->id_base] = 1;
		got++;
		if (m.cies.count && m.cies.cie[0].code)
			s->refused++;
		else
			s->answered++;
	}
	return got;
}

/*
 * Send @total requests with at most s->window unanswered at a time; what
 * is still unanswered after a quiet second is sent again, twice at most,
 * as a real spoke would retry.
 */
static double run_phase(struct storm *s, unsigned int total, uint32_t id_base,
			int (*send_one)(struct storm *, unsigned int),
			int reply_type)
{
	unsigned int next = 0, idle = 0, pass = 0;
	double start = now();

	s->sent = s->answered = s->refused = s->resent = 0;
	s->total = total;
	s->id_base = id_base;
	free(s->done);
	s->done = calloc(total, 1);
	if (!s->done)
		return -1;
	while (s->answered + s->refused < total) {
		while (next < total &&
		       s->sent - s->answered - s->refused < s->window) {
			int ret = s->done[next] ? 0 : send_one(s, next);

			if (ret < 0)
				return -1;
			if (ret > 0)
				break;
			next++;
		}
		idle = drain(s, reply_type, 100) ? 0 : idle + 1;
		if (idle < 10)
			continue;
		if (next < total || pass == 2)
			break;
		/* Everything sent, a quiet second: retry the lost ones. */
		pass++;
		idle = 0;
		next = 0;
		s->sent = s->answered + s->refused;
		for (unsigned int i = 0; i < total; i++)
			s->resent += !s->done[i];
	}
	return now() - start;
}

static int parse_v4(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return -1;
	*out = ntohl(a.s_addr);
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"Usage: nhrp-storm {register|resolve} --hub NBMA --count N\n"
		"         [--nbma-base A.B.C.D] [--proto-base A.B.C.D]\n"
		"         [--window W] [--holdtime S] [--auth SECRET]\n"
		"         [--requests R]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hub", required_argument, NULL, 'h' },
		{ "count", required_argument, NULL, 'n' },
		{ "nbma-base", required_argument, NULL, 'b' },
		{ "proto-base", required_argument, NULL, 'p' },
		{ "window", required_argument, NULL, 'w' },
		{ "holdtime", required_argument, NULL, 't' },
		{ "auth", required_argument, NULL, 'a' },
		{ "requests", required_argument, NULL, 'r' },
		{ 0 },
	};
	struct storm s = { .window = 256, .holdtime = 600, .fd = -1 };
	uint32_t hub = 0;
	bool resolve;
	double secs;
	int c, one = 1, rcvbuf = 8 << 20;

	parse_v4("100.64.0.1", &s.nbma_base);
	parse_v4("10.128.0.1", &s.proto_base);
	if (argc < 2)
		usage();
	resolve = !strcmp(argv[1], "resolve");
	if (!resolve && strcmp(argv[1], "register"))
		usage();
	optind = 2;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': if (parse_v4(optarg, &hub)) usage(); break;
		case 'n': s.count = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 'b': if (parse_v4(optarg, &s.nbma_base)) usage(); break;
		case 'p': if (parse_v4(optarg, &s.proto_base)) usage(); break;
		case 'w': s.window = (unsigned int)strtoul(optarg, NULL, 0); break;
		case 't': s.holdtime = (uint16_t)strtoul(optarg, NULL, 0); break;
		case 'a': s.auth = optarg; break;
		case 'r': s.requests = (unsigned int)strtoul(optarg, NULL, 0); break;
		default: usage();
		}
	}
	if (!hub || !s.count || !s.window ||
	    (s.auth && (!*s.auth || strlen(s.auth) > NHRP_AUTH_SECRET_MAX)))
		usage();
	s.hub.s_addr = htonl(hub);
	s.fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	if (s.fd < 0 ||
	    setsockopt(s.fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)) ||
	    setsockopt(s.fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
		       sizeof(rcvbuf))) {
		perror("nhrp-storm: raw GRE socket");
		return 1;
	}
	secs = run_phase(&s, s.count, 1, send_registration,
			 NHRP_REGISTRATION_REPLY);
	if (secs < 0)
		return 1;
	printf("registrations=%u registered=%u refused=%u resent=%u "
	       "seconds=%.3f per_second=%.0f\n", s.count, s.answered,
	       s.refused, s.resent, secs, secs > 0 ? s.answered / secs : 0);
	if (s.answered != s.count)
		return 1;
	if (!resolve)
		return 0;
	if (!s.requests)
		s.requests = s.count;
	secs = run_phase(&s, s.requests, 0x40000000u, send_resolution,
			 NHRP_RESOLUTION_REQUEST);
	if (secs < 0)
		return 1;
	printf("resolutions=%u forwarded=%u resent=%u seconds=%.3f "
	       "per_second=%.0f\n", s.requests, s.answered + s.refused,
	       s.resent, secs, secs > 0 ? (s.answered + s.refused) / secs : 0);
	return s.answered + s.refused == s.requests ? 0 : 1;
}

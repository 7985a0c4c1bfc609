// SPDX-License-Identifier: GPL-2.0
/*
 * nhrp-craft: hand-made NHRP packets in GRE from any source address, and
 * what comes back, for the selftests that play a hostile peer.
 *
 *   nhrp-craft --to A [--from A] TYPE [OPTIONS] [--listen S]
 *
 * TYPE: a number or resolution-request, resolution-reply,
 * registration-request, registration-reply, purge-request, purge-reply,
 * error-indication, traffic-indication.
 *
 * Options:
 *   --from A          the outer IPv4 source (default: what the host picks);
 *                     anything, spoofing included
 *   --bind            also bind the socket to --from (one of this host's
 *                     addresses): the route and any xfrm policy then see
 *                     it as the flow's source, as they would a real
 *                     sender's
 *   --id N            request ID                 --flags N
 *   --hop N           hop count (default 16)     --proto-type N (0x0800)
 *   --src-nbma A      default: the outer source
 *   --src-proto A     --dst-proto A   (IPv4 or IPv6)
 *   --cie CODE,PLEN,HOLD,NBMA,PROTO   one CIE (repeatable); NBMA and
 *                     PROTO may be empty
 *   --responder CODE,PLEN,HOLD,NBMA,PROTO   the responder extension
 *   --nat CODE,PLEN,HOLD,NBMA,PROTO         a NAT extension record
 *   --auth SECRET     the cleartext authentication extension
 *   --inner SRC,DST   types 7/8: the payload is an IPv4 header SRC > DST
 *   --bad-csum        a wrong NHRP checksum (dropped without a word)
 *   --bad-ext         an unknown compulsory extension (a malformed packet
 *                     that is owed an error indication, RFC 2332 5.3)
 *   --count N         send N packets; with --vary, packet i adds i to the
 *                     last 32 bits of the first CIE's protocol address, to
 *                     the request ID and to --inner's destination
 *   --vary            as above
 *   --rate N          at most N packets a second (default: as fast as the
 *                     socket takes them), paced from the first one
 *   --listen S        then print every GRE/NHRP packet this host receives
 *                     for S seconds, one line each:
 *     "rx src=A dst=A type=NAME id=N code=C plen=P hold=H nbma=A proto=A
 *      auth=SECRET|none ext=0xNN err=N len=N nat=NBMA,PROTO"
 *     (code..proto of the first CIE, nat= of the first NAT extension
 *     record, "-" when there is none)
 *   --replies N       listen no longer than it takes --to to send N
 *                     packets to the source address (--from, or the
 *                     host's): a test that waits for an answer has it at
 *                     once, and one that waits for its absence still
 *                     waits out --listen
 *   --count 0 sends nothing: listen only
 *
 * Prints "sent=N" after sending.  Exit status 0, or 1 on a usage or
 * socket error.
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
#define PKT_MAX		2048

/* Sleep until packet @i of a stream of @rate a second from @start is due. */
static void pace(const struct timespec *start, unsigned long i, double rate)
{
	double at = (double)start->tv_sec + (double)start->tv_nsec / 1e9 +
		    (double)i / rate;
	struct timespec due = {
		.tv_sec = (time_t)at,
		.tv_nsec = (long)((at - (double)(time_t)at) * 1e9),
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, NULL) ==
	       EINTR)
		;
}

static void die(const char *what)
{
	fprintf(stderr, "nhrp-craft: %s\n", what);
	exit(1);
}

static void put_addr(struct nhrp_addr *a, const char *s)
{
	memset(a, 0, sizeof(*a));
	if (!s || !*s)
		return;
	if (inet_pton(AF_INET, s, a->bytes) == 1)
		a->len = 4;
	else if (inet_pton(AF_INET6, s, a->bytes) == 1)
		a->len = 16;
	else
		die("bad address");
}

static const char *addr_txt(const struct nhrp_addr *a, char *buf, size_t len)
{
	if (a->len == 4)
		return inet_ntop(AF_INET, a->bytes, buf, (socklen_t)len);
	if (a->len == 16)
		return inet_ntop(AF_INET6, a->bytes, buf, (socklen_t)len);
	return a->len ? "?" : "-";
}

/* CODE,PLEN,HOLD,NBMA,PROTO */
static void put_cie(struct nhrp_cie *c, const char *spec)
{
	char buf[256], *f[5] = { 0 }, *p = buf;

	snprintf(buf, sizeof(buf), "%s", spec);
	for (int i = 0; i < 5; i++) {
		f[i] = p;
		p = strchr(p, ',');
		if (!p) {
			if (i != 4)
				die("a CIE is CODE,PLEN,HOLD,NBMA,PROTO");
			break;
		}
		*p++ = '\0';
	}
	memset(c, 0, sizeof(*c));
	c->code = (uint8_t)strtoul(f[0], NULL, 0);
	c->prefix_len = (uint8_t)strtoul(f[1], NULL, 0);
	c->holding_time = (uint16_t)strtoul(f[2], NULL, 0);
	put_addr(&c->nbma, f[3]);
	put_addr(&c->proto, f[4]);
}

static int parse_type(const char *s)
{
	for (unsigned int t = 1; t <= NHRP_TRAFFIC_INDICATION; t++)
		if (!strcmp(s, nhrp_type_name(t)))
			return (int)t;
	return (int)strtoul(s, NULL, 0);
}

/*
 * Prints what arrives for @secs seconds, or until @replies packets (if not
 * 0) came from @to to @from.
 */
static void listen_for(int fd, double secs, struct in_addr to,
		       struct in_addr from, unsigned long replies)
{
	struct timespec start, now;
	uint8_t pkt[PKT_MAX];

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		double left;
		const struct iphdr *ip = (const struct iphdr *)pkt;
		char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
		char n[INET6_ADDRSTRLEN], p[INET6_ADDRSTRLEN];
		char secret[NHRP_AUTH_SECRET_MAX + 1];
		struct nhrp_msg m;
		const struct nhrp_cie *c;
		size_t off;
		ssize_t len;

		clock_gettime(CLOCK_MONOTONIC, &now);
		left = secs - (double)(now.tv_sec - start.tv_sec) -
		       (double)(now.tv_nsec - start.tv_nsec) / 1e9;
		if (left <= 0 || poll(&pfd, 1, (int)(left * 1000) + 1) <= 0)
			break;
		len = recv(fd, pkt, sizeof(pkt), MSG_DONTWAIT);
		if (len <= 0)
			continue;
		off = (size_t)ip->ihl * 4;
		if ((size_t)len < off + GRE_HDR_LEN ||
		    pkt[off + 2] != NHRP_ETHERTYPE >> 8 ||
		    pkt[off + 3] != (NHRP_ETHERTYPE & 0xff))
			continue;
		off += GRE_HDR_LEN;
		inet_ntop(AF_INET, &ip->saddr, a, sizeof(a));
		inet_ntop(AF_INET, &ip->daddr, b, sizeof(b));
		if (nhrp_parse(pkt + off, (size_t)len - off, &m, NULL)) {
			printf("rx src=%s dst=%s malformed len=%zu\n", a, b,
			       (size_t)len - off);
			continue;
		}
		c = m.cies.count ? &m.cies.cie[0] : NULL;
		memcpy(secret, m.auth_secret, m.auth_secret_len);
		secret[m.auth_secret_len] = '\0';
		printf("rx src=%s dst=%s type=%s id=%u code=%d plen=%d hold=%d "
		       "nbma=%s proto=%s auth=%s ext=0x%x err=%u len=%zu",
		       a, b, nhrp_type_name(m.type), m.request_id,
		       c ? c->code : -1, c ? c->prefix_len : -1,
		       c ? c->holding_time : -1,
		       c ? addr_txt(&c->nbma, n, sizeof(n)) : "-",
		       c ? addr_txt(&c->proto, p, sizeof(p)) : "-",
		       m.ext_present & NHRP_HAS_AUTH ? secret : "none",
		       m.ext_present, m.error_code, (size_t)len - off);
		c = m.nat_address.count ? &m.nat_address.cie[0] : NULL;
		printf(" nat=%s%s%s\n", c ? addr_txt(&c->nbma, n, sizeof(n)) : "-",
		       c ? "," : "", c ? addr_txt(&c->proto, p, sizeof(p)) : "");
		fflush(stdout);
		if (replies && ip->saddr == to.s_addr &&
		    ip->daddr == from.s_addr && !--replies)
			break;
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "to", required_argument, NULL, 't' },
		{ "from", required_argument, NULL, 'f' },
		{ "id", required_argument, NULL, 'i' },
		{ "flags", required_argument, NULL, 'F' },
		{ "hop", required_argument, NULL, 'h' },
		{ "proto-type", required_argument, NULL, 'P' },
		{ "src-nbma", required_argument, NULL, 'n' },
		{ "src-proto", required_argument, NULL, 's' },
		{ "dst-proto", required_argument, NULL, 'd' },
		{ "cie", required_argument, NULL, 'c' },
		{ "responder", required_argument, NULL, 'r' },
		{ "nat", required_argument, NULL, 'N' },
		{ "auth", required_argument, NULL, 'a' },
		{ "inner", required_argument, NULL, 'I' },
		{ "bad-csum", no_argument, NULL, 'b' },
		{ "bad-ext", no_argument, NULL, 'x' },
		{ "count", required_argument, NULL, 'C' },
		{ "vary", no_argument, NULL, 'v' },
		{ "rate", required_argument, NULL, 'R' },
		{ "listen", required_argument, NULL, 'l' },
		{ "replies", required_argument, NULL, 'e' },
		{ "bind", no_argument, NULL, 'B' },
		{ 0 }
	};
	struct in_addr to = { 0 }, from = { 0 };
	const char *src_nbma = NULL;
	uint8_t inner[20] = { 0 };
	bool bad_csum = false, vary = false, bind_from = false;
	unsigned long count = 1, replies = 0;
	double listen_secs = 0, rate = 0;
	struct timespec start;
	struct nhrp_msg m;
	int opt, fd, one = 1, type;

	nhrp_msg_init(&m, NHRP_RESOLUTION_REQUEST);
	m.hop_count = 16;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 't':
			if (inet_pton(AF_INET, optarg, &to) != 1)
				die("bad --to");
			break;
		case 'f':
			if (inet_pton(AF_INET, optarg, &from) != 1)
				die("bad --from");
			break;
		case 'i':
			m.request_id = (uint32_t)strtoul(optarg, NULL, 0);
			break;
		case 'F':
			m.flags = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 'h':
			m.hop_count = (uint8_t)strtoul(optarg, NULL, 0);
			break;
		case 'P':
			m.proto_type = (uint16_t)strtoul(optarg, NULL, 0);
			break;
		case 'n':
			src_nbma = optarg;
			break;
		case 's':
			put_addr(&m.src_proto, optarg);
			break;
		case 'd':
			put_addr(&m.dst_proto, optarg);
			break;
		case 'c':
			if (m.cies.count >= NHRP_MAX_CIES)
				die("too many CIEs");
			put_cie(&m.cies.cie[m.cies.count++], optarg);
			break;
		case 'r':
			m.ext_present |= NHRP_HAS_RESPONDER;
			put_cie(&m.responder.cie[0], optarg);
			m.responder.count = 1;
			break;
		case 'N':
			m.ext_present |= NHRP_HAS_NAT_ADDRESS;
			if (m.nat_address.count >= NHRP_MAX_CIES)
				die("too many NAT records");
			put_cie(&m.nat_address.cie[m.nat_address.count++],
				optarg);
			break;
		case 'a':
			m.ext_present |= NHRP_HAS_AUTH;
			m.auth_type = NHRP_AUTH_CLEARTEXT;
			m.auth_secret_len = (uint8_t)strnlen(optarg,
						NHRP_AUTH_SECRET_MAX);
			memcpy(m.auth_secret, optarg, m.auth_secret_len);
			break;
		case 'I': {
			char buf[64], *comma;

			snprintf(buf, sizeof(buf), "%s", optarg);
			comma = strchr(buf, ',');
			if (!comma)
				die("--inner SRC,DST");
			*comma = '\0';
			inner[0] = 0x45;
			inner[3] = 20;
			inner[8] = 64;
			inner[9] = 1;
			if (inet_pton(AF_INET, buf, inner + 12) != 1 ||
			    inet_pton(AF_INET, comma + 1, inner + 16) != 1)
				die("bad --inner");
			m.payload = inner;
			m.payload_len = sizeof(inner);
			break;
		}
		case 'b':
			bad_csum = true;
			break;
		case 'x':
			m.unknown[0].type = 0x77;
			m.unknown[0].compulsory = true;
			m.unknown[0].len = 0;
			m.unknown_count = 1;
			break;
		case 'C':
			count = strtoul(optarg, NULL, 0);
			break;
		case 'v':
			vary = true;
			break;
		case 'R':
			rate = strtod(optarg, NULL);
			break;
		case 'l':
			listen_secs = strtod(optarg, NULL);
			break;
		case 'e':
			replies = strtoul(optarg, NULL, 0);
			break;
		case 'B':
			bind_from = true;
			break;
		default:
			die("see the comment at the top of nhrp-craft.c");
		}
	}
	if (optind != argc - 1 || !to.s_addr)
		die("usage: nhrp-craft --to A [OPTIONS] TYPE");
	type = parse_type(argv[optind]);
	if (type < 1 || type > 255)
		die("bad type");
	m.type = (uint8_t)type;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_GRE);
	if (fd < 0 || setsockopt(fd, IPPROTO_IP, IP_HDRINCL, &one, sizeof(one)))
		die("raw GRE socket");
	if (listen_secs > 0) {
		/* Thousands of answers can arrive while we still send. */
		int rcvbuf = 8 << 20;

		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf,
				 sizeof(rcvbuf));
	}
	if (bind_from) {
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr = from };

		if (!from.s_addr ||
		    bind(fd, (struct sockaddr *)&sin, sizeof(sin)))
			die("--bind: --from must be one of this host's addresses");
	}
	if (!from.s_addr) {
		/* What the host would pick toward @to. */
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr = to, .sin_port = 9 };
		socklen_t slen = sizeof(sin);
		int u = socket(AF_INET, SOCK_DGRAM, 0);

		if (u < 0 || connect(u, (struct sockaddr *)&sin, sizeof(sin)) ||
		    getsockname(u, (struct sockaddr *)&sin, &slen))
			die("no route to --to");
		from = sin.sin_addr;
		close(u);
	}
	if (src_nbma)
		put_addr(&m.src_nbma, src_nbma);
	else {
		m.src_nbma.len = 4;
		memcpy(m.src_nbma.bytes, &from, 4);
	}

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (unsigned long i = 0; i < count; i++) {
		struct nhrp_msg one_msg = m;
		uint8_t pkt[PKT_MAX];
		struct iphdr *ip = (struct iphdr *)pkt;
		struct sockaddr_in sin = { .sin_family = AF_INET,
					   .sin_addr = to };
		const char *why = NULL;
		int len;

		uint8_t one_inner[sizeof(inner)];

		if (rate > 0)
			pace(&start, i, rate);

		if (vary) {
			uint32_t d;

			one_msg.request_id += (uint32_t)i;
			memcpy(one_inner, inner, sizeof(inner));
			memcpy(&d, one_inner + 16, 4);
			d = htonl(ntohl(d) + (uint32_t)i);
			memcpy(one_inner + 16, &d, 4);
			if (one_msg.payload == inner)
				one_msg.payload = one_inner;
			if (one_msg.cies.count && one_msg.cies.cie[0].proto.len) {
				struct nhrp_addr *a =
					&one_msg.cies.cie[0].proto;
				uint32_t v;

				memcpy(&v, a->bytes + a->len - 4, 4);
				v = htonl(ntohl(v) + (uint32_t)i);
				memcpy(a->bytes + a->len - 4, &v, 4);
			}
		}
		len = nhrp_build(&one_msg, pkt + sizeof(*ip) + GRE_HDR_LEN,
				 sizeof(pkt) - sizeof(*ip) - GRE_HDR_LEN,
				 &why);
		if (len < 0) {
			fprintf(stderr, "nhrp-craft: build: %s\n",
				why ? why : "?");
			return 1;
		}
		if (bad_csum)
			pkt[sizeof(*ip) + GRE_HDR_LEN + 8] ^= 0x5a;
		memset(pkt, 0, sizeof(*ip) + GRE_HDR_LEN);
		ip->version = 4;
		ip->ihl = 5;
		ip->ttl = 64;
		ip->protocol = IPPROTO_GRE;
		ip->saddr = from.s_addr;
		ip->daddr = to.s_addr;
		ip->tot_len = htons((uint16_t)(sizeof(*ip) + GRE_HDR_LEN +
					       (size_t)len));
		pkt[sizeof(*ip) + 2] = NHRP_ETHERTYPE >> 8;
		pkt[sizeof(*ip) + 3] = NHRP_ETHERTYPE & 0xff;
		while (sendto(fd, pkt, sizeof(*ip) + GRE_HDR_LEN + (size_t)len,
			      0, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
			if (errno != ENOBUFS && errno != EAGAIN)
				die("sendto");
			usleep(1000);
		}
	}
	printf("sent=%lu\n", count);
	fflush(stdout);
	if (listen_secs > 0)
		listen_for(fd, listen_secs, to, from, replies);
	close(fd);
	return 0;
}

// SPDX-License-Identifier: GPL-2.0
/*
 * NHRP on the wire: a packet socket bound to the dmvpn device with GRE
 * protocol 0x2001.  The kernel hands us the outer source address as the
 * link-layer address and takes the destination the same way, which is
 * how nhrpd and opennhrp talk over ip_gre.
 *
 * Two peers behind one NAT address have one source address and an IPsec
 * SA each, told apart by the SA's mark: charon's set_mark_in = %same
 * marks what the SA decrypts, the mark survives decapsulation, and
 * SO_RCVMARK (Linux 5.19) hands it to us with the packet.  We answer with
 * the same mark (SO_MARK), which the kernel module takes to pick the
 * peer, its route and its SA.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dmvpnd.h"

/*
 * A turn of the loop reads at most PACKETS_READ_PER_TURN packets into the
 * intake and handles at most PACKETS_PER_TURN of them, in the intake's
 * order (intake.h).  Reading until the socket was empty let a flood keep
 * the loop here, with the timers, the control socket and the kernel's
 * events starved (issue 14); handling in the socket's order made a spoke's
 * renewal wait behind every hostile packet queued before it.  Reading is
 * much cheaper than handling, so the socket's FIFO empties into the
 * intake, where the flood's surplus is dropped by source.
 */
#define PACKETS_READ_PER_TURN	512
#define PACKETS_PER_TURN	64

#ifndef SO_RCVMARK
#define SO_RCVMARK		75	/* Linux 5.19, asm-generic/socket.h */
#endif

/* Sources we have business with: our NHSs, the clients registered here. */
static bool source_known(struct dev *dev, struct in_addr from)
{
	for (unsigned int i = 0; dev->nhs && i < dev->cfg.nhs_count; i++)
		if (dev->nhs[i].nbma.s_addr == from.s_addr)
			return true;
	return nhs_has_client_at(dev, from);
}

static void handle_intake(struct timer *t)
{
	struct dev *dev = amap_entry(t, struct dev, intake_timer);

	for (unsigned int turn = 0; turn < PACKETS_PER_TURN; turn++) {
		struct intake_pkt *p = intake_take(&dev->intake);

		if (!p)
			return;
		packet_handle(dev, p->from, p->mark, p->data, p->len);
		free(p);
	}
	if (!intake_empty(&dev->intake))
		timer_arm(&dev->intake_timer, 0);
}

void packet_handle(struct dev *dev, struct in_addr from, uint32_t mark,
		   const uint8_t *buf, size_t len)
{
	struct rx_ctx saved = dev->rx;

	dev->rx.active = true;
	dev->rx.from = from;
	dev->rx.mark = mark;
	dev->rx.ipsec_mark = ipsec_rx_mark(dev, mark, &dev->rx.ipsec_mask);
	nhrp_rx(dev, from, buf, len);
	dev->rx = saved;
}

/* The packet's mark, from its SO_MARK control message (0 if none). */
static uint32_t cmsg_mark(struct msghdr *mh)
{
	uint32_t mark = 0;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_MARK &&
		    c->cmsg_len >= CMSG_LEN(sizeof(mark)))
			memcpy(&mark, CMSG_DATA(c), sizeof(mark));
	return mark;
}

static void on_readable(struct loop_fd *lfd, uint32_t revents)
{
	struct dev *dev = amap_entry(lfd, struct dev, pkt);
	static uint8_t buf[65536];

	(void)revents;
	for (unsigned int turn = 0; turn < PACKETS_READ_PER_TURN; turn++) {
		union {
			struct cmsghdr align;
			uint8_t buf[CMSG_SPACE(sizeof(uint32_t))];
		} control;
		struct sockaddr_ll sll;
		struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
		struct msghdr mh = {
			.msg_name = &sll, .msg_namelen = sizeof(sll),
			.msg_iov = &iov, .msg_iovlen = 1,
			.msg_control = control.buf,
			.msg_controllen = sizeof(control.buf),
		};
		struct in_addr from;
		ssize_t n = recvmsg(lfd->fd, &mh, 0);

		if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: receiving NHRP: %s", dev->name,
					 strerror(errno));
			break;
		}
		if (sll.sll_pkttype == PACKET_OUTGOING || sll.sll_halen != 4) {
			dev->stats.rx_dropped++;
			continue;
		}
		memcpy(&from, sll.sll_addr, 4);
		if (intake_put(&dev->intake, from, cmsg_mark(&mh),
			       source_known(dev, from), buf,
			       (size_t)n) == INTAKE_NOMEM)
			log_warn("%s: no memory for a received packet",
				 dev->name);
	}
	if (!intake_empty(&dev->intake) && !timer_armed(&dev->intake_timer))
		timer_arm(&dev->intake_timer, 0);
}

int packet_open(struct dev *dev)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(NHRP_ETHERTYPE),
		.sll_ifindex = (int)dev->ifindex,
	};
	int fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
			htons(NHRP_ETHERTYPE));
	int rcvbuf = 4 << 20;

	if (fd < 0) {
		log_err("%s: NHRP socket: %s", dev->name, strerror(errno));
		return -1;
	}
	/* A hub takes registrations in bursts (every spoke after an outage,
	 * or a restart): a deep queue rides them out instead of dropping. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)))
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
				 sizeof(rcvbuf));
	/* Each packet's mark: which IPsec SA it came through.  Without it
	 * (Linux before 5.19) every packet reads as unmarked. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVMARK, &(int){ 1 }, sizeof(int)))
		log_warn("%s: NHRP socket: SO_RCVMARK: %s; two peers behind one NAT address cannot be told apart",
			 dev->name, strerror(errno));
	if (bind(fd, (struct sockaddr *)&sll, sizeof(sll))) {
		log_err("%s: binding the NHRP socket: %s", dev->name,
			strerror(errno));
		close(fd);
		return -1;
	}
	dev->pkt.fd = fd;
	dev->pkt.fn = on_readable;
	dev->pkt_mark = 0;
	intake_init(&dev->intake);
	timer_init(&dev->intake_timer, handle_intake);
	if (loop_add_fd(&dev->pkt)) {
		close(fd);
		dev->pkt.fd = -1;
		return -1;
	}
	return 0;
}

void packet_close(struct dev *dev)
{
	if (dev->pkt.fd < 0)
		return;
	loop_del_fd(&dev->pkt);
	timer_cancel(&dev->intake_timer);
	intake_free(&dev->intake);
	close(dev->pkt.fd);
	dev->pkt.fd = -1;
}

/* The mark of the socket's next packets (SO_MARK), set when it changes. */
static int socket_mark(struct dev *dev, uint32_t mark)
{
	if (dev->pkt_mark == mark)
		return 0;
	if (setsockopt(dev->pkt.fd, SOL_SOCKET, SO_MARK, &mark,
		       sizeof(mark))) {
		log_warn("%s: NHRP socket: SO_MARK %#x: %s", dev->name, mark,
			 strerror(errno));
		return -1;
	}
	dev->pkt_mark = mark;
	return 0;
}

int packet_send(struct dev *dev, struct in_addr nbma, struct nhrp_msg *msg)
{
	uint32_t mark;

	if (dev->rx.active && dev->rx.from.s_addr == nbma.s_addr)
		mark = dev->rx.ipsec_mark;
	else
		mark = ipsec_out_mark(dev, nbma);
	return packet_send_mark(dev, nbma, mark, msg);
}

int packet_send_mark(struct dev *dev, struct in_addr nbma, uint32_t mark,
		     struct nhrp_msg *msg)
{
	struct sockaddr_ll sll = {
		.sll_family = AF_PACKET,
		.sll_protocol = htons(NHRP_ETHERTYPE),
		.sll_ifindex = (int)dev->ifindex,
		.sll_halen = 4,
	};
	uint8_t buf[DMVPND_MTU];
	const char *why = NULL;
	char a[INET_ADDRSTRLEN];
	int len = nhrp_build(msg, buf, sizeof(buf), &why);

	if (len < 0) {
		dev->stats.tx_errors++;
		log_err("%s: cannot build %s: %s", dev->name,
			nhrp_type_name(msg->type), why ? why : "?");
		return -1;
	}
	memcpy(sll.sll_addr, &nbma, 4);
	if (socket_mark(dev, mark)) {
		dev->stats.tx_errors++;
		return -1;
	}
	if (sendto(dev->pkt.fd, buf, (size_t)len, 0, (struct sockaddr *)&sll,
		   sizeof(sll)) < 0) {
		dev->stats.tx_errors++;
		log_warn("%s: sending %s to %s: %s", dev->name,
			 nhrp_type_name(msg->type), nbma_str(nbma, a, sizeof(a)),
			 strerror(errno));
		return -1;
	}
	if (msg->type <= NHRP_TRAFFIC_INDICATION)
		dev->stats.tx[msg->type]++;
	log_packet(dev, true, nbma, msg);
	return 0;
}

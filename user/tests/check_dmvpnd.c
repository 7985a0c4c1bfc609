// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnd's pure building blocks: the prefix-keyed hash map (a hub keeps
 * every registration in one), the timer heap (every retry, renewal and
 * expiry check is a timer), the NHRP intake's queues and the control
 * socket's command words.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <stddef.h>
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "dmvpnd/amap.h"
#include "dmvpnd/ctlcmd.h"
#include "dmvpnd/intake.h"
#include "dmvpnd/linkmsg.h"
#include "dmvpnd/loop.h"
#include "dmvpnd/notify.h"
#include "dmvpnd/ratelimit.h"
#include "dmvpnd/routemsg.h"
#include "dmvpnd/sadup.h"
#include "testutil.h"

struct item {
	struct amap_node node;
	int value;
};

static struct dmvpn_prefix v4(const char *a, unsigned int len)
{
	struct dmvpn_prefix p = { .family = AF_INET, .len = 32 }, k;

	ck_assert_int_eq(inet_pton(AF_INET, a, p.addr.bytes), 1);
	amap_key(&k, &p, len);
	return k;
}

static struct item *add(struct amap *m, const char *a, unsigned int len,
			int value)
{
	struct item *it = calloc(1, sizeof(*it));

	ck_assert_ptr_nonnull(it);
	it->node.key = v4(a, len);
	it->value = value;
	ck_assert_int_eq(amap_insert(m, &it->node), 0);
	return it;
}

static int find(struct amap *m, const char *a, unsigned int len)
{
	struct dmvpn_prefix k = v4(a, len);
	struct amap_node *n = amap_find(m, &k);

	return n ? amap_entry(n, struct item, node)->value : -1;
}

static void free_item(struct amap_node *n, void *arg)
{
	amap_remove(arg, n);
	free(amap_entry(n, struct item, node));
}

START_TEST(amap_key_clears_host_bits)
{
	struct dmvpn_prefix k = v4("10.2.3.4", 20), want = v4("10.2.0.0", 32);

	ck_assert_uint_eq(k.len, 20);
	ck_assert_mem_eq(k.addr.bytes, want.addr.bytes, 16);
	k = v4("10.2.3.4", 99);
	ck_assert_uint_eq(k.len, 32);
}
END_TEST

START_TEST(amap_prefix_length_is_part_of_the_key)
{
	struct amap m = { 0 };

	add(&m, "10.2.0.0", 24, 1);
	add(&m, "10.2.0.0", 32, 2);
	ck_assert_int_eq(find(&m, "10.2.0.0", 24), 1);
	ck_assert_int_eq(find(&m, "10.2.0.0", 32), 2);
	ck_assert_int_eq(find(&m, "10.2.0.99", 24), 1);
	ck_assert_int_eq(find(&m, "10.2.0.0", 16), -1);
	amap_each(&m, free_item, &m);
	ck_assert_uint_eq(m.count, 0);
	amap_free(&m);
}
END_TEST

/* A hub's worth of registrations: all found, removal in any order. */
START_TEST(amap_grows_and_shrinks)
{
	struct amap m = { 0 };
	struct item **items = calloc(100000, sizeof(*items));
	char a[INET_ADDRSTRLEN];

	ck_assert_ptr_nonnull(items);
	for (int i = 0; i < 100000; i++) {
		snprintf(a, sizeof(a), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
			 i & 255);
		items[i] = add(&m, a, 32, i);
	}
	ck_assert_uint_eq(m.count, 100000);
	ck_assert_uint_ge(m.nbuckets, 100000);
	for (int i = 0; i < 100000; i += 7) {
		snprintf(a, sizeof(a), "10.%d.%d.%d", i >> 16, (i >> 8) & 255,
			 i & 255);
		ck_assert_int_eq(find(&m, a, 32), i);
	}
	for (int i = 0; i < 100000; i += 2) {
		amap_remove(&m, &items[i]->node);
		free(items[i]);
	}
	ck_assert_uint_eq(m.count, 50000);
	ck_assert_int_eq(find(&m, "10.0.0.2", 32), -1);
	ck_assert_int_eq(find(&m, "10.0.0.3", 32), 3);
	amap_each(&m, free_item, &m);
	ck_assert_uint_eq(m.count, 0);
	amap_free(&m);
	free(items);
}
END_TEST

START_TEST(amap_ipv6_keys_use_all_bytes)
{
	struct amap m = { 0 };
	struct dmvpn_prefix p = { .family = AF_INET6, .len = 128 }, k;
	struct item a = { 0 }, b = { 0 };

	inet_pton(AF_INET6, "fd00::1", p.addr.bytes);
	amap_key(&a.node.key, &p, 128);
	inet_pton(AF_INET6, "fd00::1:0:0:1", p.addr.bytes);
	amap_key(&b.node.key, &p, 128);
	ck_assert_int_eq(amap_insert(&m, &a.node), 0);
	ck_assert_int_eq(amap_insert(&m, &b.node), 0);
	amap_key(&k, &p, 128);
	ck_assert_ptr_eq(amap_find(&m, &k), &b.node);
	amap_key(&k, &p, 64);
	ck_assert_ptr_null(amap_find(&m, &k));
	amap_free(&m);
}
END_TEST

/* The example of the SipHash paper (Aumasson, Bernstein, appendix A). */
START_TEST(amap_siphash_matches_the_reference)
{
	const uint64_t key[2] = { 0x0706050403020100ULL,
				  0x0f0e0d0c0b0a0908ULL };
	uint8_t msg[15];

	for (unsigned int i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)i;
	ck_assert_uint_eq(amap_siphash(key, msg, sizeof(msg)),
			  0xa129ca6149be45e5ULL);
	ck_assert_uint_eq(amap_siphash(key, msg, 0), 0x726fdb47dd0e0e31ULL);
}
END_TEST

/*
 * Buckets follow the map's key: one who knows the hash function but not
 * the key cannot pick addresses that share a bucket (issue 14).
 */
START_TEST(amap_hash_depends_on_the_key)
{
	struct amap a = { .key = { 1, 2 }, .keyed = true };
	struct amap b = { .key = { 1, 3 }, .keyed = true };
	struct amap r1 = { 0 }, r2 = { 0 };
	struct item x = { 0 }, y = { 0 };
	unsigned int differ = 0;
	char addr[32];

	for (unsigned int i = 0; i < 64; i++) {
		struct dmvpn_prefix k;

		snprintf(addr, sizeof(addr), "10.0.%u.%u", i / 8, i % 8);
		k = v4(addr, 32);
		ck_assert_uint_eq(amap_hash(&a, &k), amap_hash(&a, &k));
		differ += (amap_hash(&a, &k) & 63) != (amap_hash(&b, &k) & 63);
	}
	/* 64 buckets: equal by chance for about 1 address in 64. */
	ck_assert_uint_gt(differ, 48);
	/* A key set first stays; maps left alone get random ones. */
	x.node.key = v4("10.0.0.1", 32);
	ck_assert_int_eq(amap_insert(&a, &x.node), 0);
	ck_assert_uint_eq(a.key[0], 1);
	ck_assert_uint_eq(a.key[1], 2);
	y.node.key = v4("10.0.0.1", 32);
	ck_assert_int_eq(amap_insert(&r1, &y.node), 0);
	x.node.key = v4("10.0.0.2", 32);
	ck_assert_int_eq(amap_insert(&r2, &x.node), 0);
	ck_assert(r1.keyed && r2.keyed);
	ck_assert(r1.key[0] != r2.key[0] || r1.key[1] != r2.key[1]);
	ck_assert_ptr_eq(amap_find(&r1, &y.node.key), &y.node);
	amap_free(&a);
	amap_free(&r1);
	amap_free(&r2);
}
END_TEST

/* ---- the service manager ---- */

/* A datagram socket bound to @name (abstract when it starts with '@'). */
static int notify_listener(const char *name)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	size_t len = strlen(name);
	struct timeval tv = { .tv_sec = 2 };
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);

	ck_assert_int_ge(fd, 0);
	memcpy(sun.sun_path, name, len);
	if (name[0] == '@')
		sun.sun_path[0] = '\0';
	else
		unlink(name);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun,
			      (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
					  len + (name[0] != '@'))), 0);
	ck_assert_int_eq(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv,
				    sizeof(tv)), 0);
	return fd;
}

START_TEST(notify_reaches_the_service_manager)
{
	char name[64], path[64], buf[64];
	int fd;
	ssize_t n;

	/* Nobody to tell: nothing to do, no error. */
	unsetenv("NOTIFY_SOCKET");
	ck_assert_int_eq(notify_service_manager("READY=1"), 0);

	snprintf(name, sizeof(name), "@dmvpnd-check-%d", (int)getpid());
	fd = notify_listener(name);
	setenv("NOTIFY_SOCKET", name, 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, 7);
	ck_assert_mem_eq(buf, "READY=1", 7);
	close(fd);

	snprintf(path, sizeof(path), "/tmp/dmvpnd-check-%d", (int)getpid());
	fd = notify_listener(path);
	setenv("NOTIFY_SOCKET", path, 1);
	ck_assert_int_eq(notify_service_manager("STOPPING=1"), 0);
	n = recv(fd, buf, sizeof(buf), 0);
	ck_assert_int_eq(n, 10);
	ck_assert_mem_eq(buf, "STOPPING=1", 10);
	close(fd);
	unlink(path);

	/* Neither a path nor an abstract name. */
	setenv("NOTIFY_SOCKET", "relative", 1);
	ck_assert_int_eq(notify_service_manager("READY=1"), -EINVAL);
	unsetenv("NOTIFY_SOCKET");
}
END_TEST

/* ---- timers ---- */

static int fired[64];
static int nfired;

static void stop_loop(struct timer *t)
{
	(void)t;
	loop_stop();
}

static void record(struct timer *t)
{
	fired[nfired++] = (int)t->when;
}

/* Timers run in deadline order, cancelled and re-armed ones included. */
START_TEST(timers_fire_in_order)
{
	struct timer t[40];
	uint64_t start;

	ck_assert_int_eq(loop_init(), 0);
	nfired = 0;
	for (int i = 0; i < 40; i++) {
		timer_init(&t[i], record);
		timer_arm(&t[i], (uint64_t)((i * 37) % 40) * 5);
	}
	for (int i = 0; i < 40; i += 3)
		timer_cancel(&t[i]);
	timer_arm(&t[1], 0);		/* re-armed: moves to the front */
	ck_assert(timer_armed(&t[1]));
	ck_assert(!timer_armed(&t[0]));
	start = loop_now();
	while (nfired < 26 && loop_now() - start < 2000) {
		struct timer stop;

		timer_init(&stop, stop_loop);
		timer_arm(&stop, 250);
		loop_run();
		timer_cancel(&stop);
	}
	ck_assert_int_eq(nfired, 26);
	for (int i = 1; i < nfired; i++)
		ck_assert_int_le(fired[i - 1], fired[i]);
	for (int i = 0; i < 40; i++)
		ck_assert(!timer_armed(&t[i]));
	loop_exit();
}
END_TEST

/*
 * A timer that re-arms itself at 0 ms (the intake's batches) runs once a
 * turn: the file descriptor that became readable meanwhile is served
 * before its second run, not after it has run out of work.
 */
static int batches, batches_before_fd;
static int wake_pipe[2];

static void batch(struct timer *t)
{
	if (batches++ == 0)
		ck_assert_int_eq(write(wake_pipe[1], "x", 1), 1);
	if (batches < 100000)
		timer_arm(t, 0);
}

static void on_wake(struct loop_fd *lfd, uint32_t events)
{
	(void)lfd;
	(void)events;
	batches_before_fd = batches;
	loop_stop();
}

START_TEST(timer_rearmed_at_zero_yields_to_fds)
{
	struct loop_fd wake = { .fn = on_wake };
	struct timer t;

	ck_assert_int_eq(loop_init(), 0);
	ck_assert_int_eq(pipe(wake_pipe), 0);
	wake.fd = wake_pipe[0];
	ck_assert_int_eq(loop_add_fd(&wake), 0);
	batches = 0;
	timer_init(&t, batch);
	timer_arm(&t, 0);
	ck_assert_int_eq(loop_run(), 0);
	ck_assert_int_eq(batches_before_fd, 1);
	timer_cancel(&t);
	close(wake_pipe[0]);
	close(wake_pipe[1]);
	loop_exit();
}
END_TEST

/* A turn that held the loop for 120 ms is counted slow and is the
 * slowest; quick turns are counted, not slow. */
static void quick(struct timer *t)
{
	(void)t;
}

static void hold_then_stop(struct timer *t)
{
	(void)t;
	usleep(120 * 1000);
	loop_stop();
}

START_TEST(loop_counts_slow_turns)
{
	struct loop_stats before, after;
	struct timer fast, slow;

	ck_assert_int_eq(loop_init(), 0);
	loop_get_stats(&before);
	timer_init(&fast, quick);
	timer_init(&slow, hold_then_stop);
	timer_arm(&fast, 0);
	timer_arm(&slow, 20);
	ck_assert_int_eq(loop_run(), 0);
	loop_get_stats(&after);
	ck_assert_uint_ge(after.turns - before.turns, 2);
	ck_assert_uint_eq(after.slow_turns - before.slow_turns, 1);
	ck_assert_uint_ge(after.slowest_us, 120 * 1000);
	/* Asleep, not busy: the turn took next to no CPU time. */
	ck_assert_uint_lt(after.busiest_cpu_us, 60 * 1000);
	loop_exit();
}
END_TEST

static struct in_addr src(unsigned int host)
{
	struct in_addr a = { htonl(0xc0000200u + host) };	/* 192.0.2.host */

	return a;
}

/* Queue @n packets from 192.0.2.@host, each carrying its number, and
 * the host as its mark (as an SA's would be). */
static void put_n(struct intake *q, unsigned int host, bool known, int n,
		  enum intake_verdict want)
{
	for (int i = 0; i < n; i++) {
		uint8_t data[2] = { (uint8_t)host, (uint8_t)i };

		ck_assert_int_eq(intake_put(q, src(host), host, known, data,
					    sizeof(data)), want);
	}
}

/* The host of the next packet taken, 0 if none. */
static unsigned int take_host(struct intake *q)
{
	struct intake_pkt *p = intake_take(q);
	unsigned int host;

	if (!p)
		return 0;
	ck_assert_uint_eq(p->len, 2);
	host = p->data[0];
	ck_assert_uint_eq(ntohl(p->from.s_addr) & 0xff, host);
	ck_assert_uint_eq(p->mark, host);	/* the mark comes out with it */
	free(p);
	return host;
}

START_TEST(intake_takes_sources_in_turn)
{
	struct intake q;

	intake_init(&q);
	put_n(&q, 66, false, 100, INTAKE_QUEUED);	/* a flood first */
	put_n(&q, 67, false, 2, INTAKE_QUEUED);
	put_n(&q, 2, false, 1, INTAKE_QUEUED);		/* then a spoke */
	ck_assert_uint_eq(q.packets, 103);
	ck_assert_uint_eq(take_host(&q), 66);
	ck_assert_uint_eq(take_host(&q), 67);
	ck_assert_uint_eq(take_host(&q), 2);
	ck_assert_uint_eq(take_host(&q), 66);
	ck_assert_uint_eq(take_host(&q), 67);
	for (int i = 0; i < 98; i++)
		ck_assert_uint_eq(take_host(&q), 66);
	ck_assert_uint_eq(take_host(&q), 0);
	ck_assert(intake_empty(&q));
	ck_assert_uint_eq(q.bytes, 0);
	ck_assert_uint_eq(q.flows.count, 0);
	intake_free(&q);
}
END_TEST

/* Each source's packets come out in the order they went in. */
START_TEST(intake_keeps_a_source_in_order)
{
	struct intake q;

	intake_init(&q);
	put_n(&q, 5, true, 10, INTAKE_QUEUED);
	put_n(&q, 6, false, 10, INTAKE_QUEUED);
	for (int want5 = 0, want6 = 0; !intake_empty(&q);) {
		struct intake_pkt *p = intake_take(&q);

		ck_assert_int_eq(p->data[1], p->data[0] == 5 ? want5++ : want6++);
		free(p);
	}
	intake_free(&q);
}
END_TEST

/* However many strangers queue, a known peer waits for one of them. */
START_TEST(intake_alternates_known_peers_and_strangers)
{
	struct intake q;

	intake_init(&q);
	for (unsigned int host = 100; host < 200; host++)
		put_n(&q, host, false, 1, INTAKE_QUEUED);
	put_n(&q, 2, true, 3, INTAKE_QUEUED);
	put_n(&q, 3, true, 1, INTAKE_QUEUED);
	ck_assert_uint_eq(take_host(&q), 2);
	ck_assert_uint_eq(take_host(&q), 100);
	ck_assert_uint_eq(take_host(&q), 3);
	ck_assert_uint_eq(take_host(&q), 101);
	ck_assert_uint_eq(take_host(&q), 2);
	ck_assert_uint_eq(take_host(&q), 102);
	ck_assert_uint_eq(take_host(&q), 2);
	for (unsigned int host = 103; host < 200; host++)
		ck_assert_uint_eq(take_host(&q), host);
	ck_assert(intake_empty(&q));
	intake_free(&q);
}
END_TEST

START_TEST(intake_bounds_each_source)
{
	struct intake q;

	intake_init(&q);
	put_n(&q, 66, false, INTAKE_PER_SOURCE, INTAKE_QUEUED);
	put_n(&q, 66, false, 10, INTAKE_DROPPED);
	put_n(&q, 66, true, 1, INTAKE_DROPPED);	/* its class stays */
	put_n(&q, 67, false, 1, INTAKE_QUEUED);
	ck_assert_uint_eq(q.dropped, 11);
	ck_assert_uint_eq(q.packets, INTAKE_PER_SOURCE + 1);
	intake_free(&q);
	ck_assert(intake_empty(&q));
}
END_TEST

/* Full: strangers' new packets are dropped, known peers' take their room. */
START_TEST(intake_when_full_makes_room_for_known_peers)
{
	unsigned int strangers = INTAKE_PACKETS / INTAKE_PER_SOURCE;
	struct intake q;

	intake_init(&q);
	for (unsigned int host = 10; host < 10 + strangers; host++)
		put_n(&q, host, false, INTAKE_PER_SOURCE, INTAKE_QUEUED);
	ck_assert_uint_eq(q.packets, INTAKE_PACKETS);
	put_n(&q, 200, false, 5, INTAKE_DROPPED);
	put_n(&q, 2, true, 3, INTAKE_EVICTED);
	ck_assert_uint_eq(q.packets, INTAKE_PACKETS);
	ck_assert_uint_eq(q.dropped, 8);
	/* The room came from the stranger whose turn was next. */
	ck_assert_uint_eq(take_host(&q), 2);
	ck_assert_uint_eq(take_host(&q), 10);
	intake_free(&q);
}
END_TEST

START_TEST(intake_bounds_bytes)
{
	static uint8_t big[64 << 10];
	unsigned int fit = INTAKE_BYTES / sizeof(big);
	struct intake q;

	intake_init(&q);
	for (unsigned int i = 0; i < fit; i++)
		ck_assert_int_eq(intake_put(&q, src(i % 200), 0, false, big,
					    sizeof(big)), INTAKE_QUEUED);
	ck_assert_int_eq(intake_put(&q, src(201), 0, false, big, 1),
			 INTAKE_DROPPED);
	ck_assert_uint_eq(q.bytes, INTAKE_BYTES);
	ck_assert_int_eq(intake_put(&q, src(250), 0, true, big, sizeof(big)),
			 INTAKE_EVICTED);
	ck_assert_uint_eq(q.bytes, INTAKE_BYTES);
	intake_free(&q);
}
END_TEST

/* How many of @n tries from @src at @now the limiter allows. */
static int allowed(struct ratelimit *rl, uint32_t src, int n, uint64_t now)
{
	int ok = 0;

	for (int i = 0; i < n; i++)
		ok += ratelimit_allow(rl, src, now);
	return ok;
}

/* Issue 14 item 1: a flood from one source must not silence the answers
 * owed to another, and all sources together stay bounded. */
START_TEST(ratelimit_is_per_source_and_global)
{
	struct ratelimit rl;
	uint32_t a = htonl(0xc0000242), b = htonl(0xc000024d);
	int total = 0;

	ratelimit_init(&rl, 1, 2, 20, 20);
	/* A fixed key: with a random one, a and b shared a slot in 1 run of
	 * 256 and a's bucket then started full again. */
	rl.key = 0x9e3779b97f4a7c15ULL;
	ck_assert_int_eq(allowed(&rl, a, 1000, 5000), 2);
	/* Another source still has its own burst, the same second. */
	ck_assert_int_eq(allowed(&rl, b, 1000, 5000), 2);
	/* One token a second comes back. */
	ck_assert_int_eq(allowed(&rl, a, 1000, 5500), 0);
	ck_assert_int_eq(allowed(&rl, a, 1000, 6000), 1);
	/* Many sources at once: the global bucket (16 left) caps them. */
	for (uint32_t i = 0; i < 1000; i++)
		total += allowed(&rl, htonl(0x0a000000 + i), 1, 6000);
	ck_assert_int_le(total, 20);
	ck_assert_int_ge(total, 15);
	ck_assert_uint_gt(rl.suppressed, 1000);
}
END_TEST

/* ---- control socket commands, parsed as dmvpnctl parses its own ---- */

static const struct {
	const char *words;
	int what;		/* -1: refused */
	const char *result;	/* "dev=.. detail dry-run on peer=.." or the error */
} ctl_cases[] = {
	{ "show dmvpn", CTL_SHOW_DMVPN, "" },
	{ "sh dmvpn", CTL_SHOW_DMVPN, "" },
	{ "s d", CTL_SHOW_DMVPN, "" },
	{ "show dmvpn detail", CTL_SHOW_DMVPN, "detail" },
	{ "sh dm det dev dmvpn1", CTL_SHOW_DMVPN, "dev=dmvpn1 detail" },
	{ "dev dmvpn0 show dmvpn", CTL_SHOW_DMVPN, "dev=dmvpn0" },
	{ "show nhrp cache", CTL_SHOW_CACHE, "" },
	{ "sh n c", CTL_SHOW_CACHE, "" },
	{ "show nhrp nhs dev x", CTL_SHOW_NHS, "dev=x" },
	{ "show nhrp sh", CTL_SHOW_SHORTCUT, "" },
	{ "show nhrp st", CTL_SHOW_STATS, "" },
	{ "purge 10.0.0.0/24 dev dmvpn0", CTL_PURGE, "dev=dmvpn0 peer=10.0.0.0/24" },
	{ "flush", CTL_FLUSH, "" },
	{ "fl dev dmvpn0", CTL_FLUSH, "dev=dmvpn0" },
	{ "reload", CTL_RELOAD, "" },
	{ "rel --dry-run", CTL_RELOAD, "dry-run" },
	{ "debug", CTL_DEBUG_SHOW, "" },
	{ "debug nhrp", CTL_DEBUG_SHOW, "" },
	{ "deb nhrp on", CTL_DEBUG_NHRP, "on" },
	{ "debug nhrp off", CTL_DEBUG_NHRP, "" },
	{ "debug nhrp peer 192.0.2.7 on", CTL_DEBUG_NHRP, "on peer=192.0.2.7/32" },
	{ "debug nhrp p fd00::7 of", CTL_DEBUG_NHRP, "peer=fd00::7/128" },
	{ "monitor", CTL_MONITOR, "" },
	{ "mon dev dmvpn0", CTL_MONITOR, "dev=dmvpn0" },
	{ "", -1, "expected a command" },
	{ "sho", -1, "show: expected dmvpn or nhrp" },
	{ "bogus", -1, "unknown command \"bogus\"" },
	{ "show dmvpn typo", -1, "show dmvpn: expected detail, got \"typo\"" },
	{ "show dmvpn detail more", -1, "show dmvpn: unexpected \"more\"" },
	{ "show nhrp s", -1, "show nhrp: \"s\" is ambiguous (expected cache, "
	  "nhs, shortcut or stats)" },
	{ "show nhrp bogus", -1, "show nhrp: expected cache, nhs, shortcut or "
	  "stats, got \"bogus\"" },
	{ "show dmvpn dev", -1, "dev: expected a device name" },
	{ "show dmvpn dev a dev b", -1, "dev given twice" },
	{ "purge 10.0.0.0/24", -1, "purge: which device? add \"dev NAME\"" },
	{ "purge dev x", -1, "purge: which prefix?" },
	{ "flush now", -1, "flush: unexpected \"now\"" },
	{ "reload now", -1, "reload: unexpected \"now\"" },
	{ "reload --dry-run now", -1, "reload: unexpected \"now\"" },
	{ "debug bgp", -1, "debug: expected nhrp, got \"bgp\"" },
	{ "debug nhrp maybe", -1, "debug nhrp: expected peer, on or off, got "
	  "\"maybe\"" },
	{ "debug nhrp peer", -1, "debug nhrp peer: expected an address" },
	{ "debug nhrp peer 10.0.0.0/8 on", -1, "debug nhrp peer: expected an "
	  "NBMA or tunnel address, got \"10.0.0.0/8\"" },
	{ "debug nhrp peer 10.0.0.1", -1, "debug nhrp peer: expected on or off" },
	{ "debug nhrp on off", -1, "debug nhrp: unexpected \"off\"" },
	{ "monitor all", -1, "monitor: unexpected \"all\"" },
};

START_TEST(ctl_commands)
{
	char buf[256], *argv[16], *save = NULL, *w, got[256];
	struct ctl_cmd cmd;
	struct errmsg err = { "" };
	int argc = 0, ret;

	snprintf(buf, sizeof(buf), "%s", ctl_cases[_i].words);
	for (w = strtok_r(buf, " ", &save); w; w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	ret = ctl_cmd_parse(argc, argv, &cmd, &err);
	if (ctl_cases[_i].what < 0) {
		ck_assert_msg(ret == -1, "\"%s\" accepted", ctl_cases[_i].words);
		ck_assert_msg(!strncmp(err.text, ctl_cases[_i].result,
				       strlen(ctl_cases[_i].result)),
			      "\"%s\": got \"%s\"", ctl_cases[_i].words,
			      err.text);
		return;
	}
	ck_assert_msg(ret == 0, "\"%s\": %s", ctl_cases[_i].words, err.text);
	ck_assert_int_eq(cmd.what, ctl_cases[_i].what);
	got[0] = '\0';
	if (cmd.dev)
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 " dev=%s", cmd.dev);
	if (cmd.detail)
		strcat(got, " detail");
	if (cmd.dry_run)
		strcat(got, " dry-run");
	if (cmd.on)
		strcat(got, " on");
	if (cmd.has_peer || cmd.what == CTL_PURGE) {
		char a[64];

		inet_ntop(cmd.peer.family, cmd.peer.addr.bytes, a, sizeof(a));
		snprintf(got + strlen(got), sizeof(got) - strlen(got),
			 " peer=%s/%u", a, cmd.peer.len);
	}
	ck_assert_str_eq(got[0] ? got + 1 : got, ctl_cases[_i].result);
}
END_TEST

/* ---- linkmsg: the requests that make a device from its "link" line ---- */

/* The attribute of @type among those from @rta on (@len bytes), or NULL. */
static const struct rtattr *find_rta(const struct rtattr *rta, size_t len,
				     unsigned short type)
{
	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		if (rta->rta_type == type)
			return rta;
	return NULL;
}

/* Walks a nest: each attribute ends inside it, the last one at its end. */
static size_t nest_count(const struct rtattr *nest)
{
	const struct rtattr *rta = RTA_DATA(nest);
	size_t len = RTA_PAYLOAD(nest), n = 0;

	for (; RTA_OK(rta, len); rta = RTA_NEXT(rta, len))
		n++;
	ck_assert_uint_eq(len, 0);
	return n;
}

static uint32_t rta_u32(const struct rtattr *rta)
{
	uint32_t v;

	ck_assert_ptr_nonnull(rta);
	ck_assert_uint_eq(RTA_PAYLOAD(rta), 4);
	memcpy(&v, RTA_DATA(rta), 4);
	return v;
}

static uint8_t rta_u8(const struct rtattr *rta)
{
	ck_assert_ptr_nonnull(rta);
	ck_assert_uint_eq(RTA_PAYLOAD(rta), 1);
	return *(const uint8_t *)RTA_DATA(rta);
}

static void parse_link_words(const char *words, struct dmvpn_link_opts *opts)
{
	char buf[256], *argv[16];
	struct dmvpn_link_error err;
	int argc = 0;

	snprintf(buf, sizeof(buf), "%s", words);
	for (char *w = strtok(buf, " "); w; w = strtok(NULL, " "))
		argv[argc++] = w;
	ck_assert_int_eq(dmvpn_link_parse(argc, argv, opts, &err),
			 DMVPN_LINK_OK);
}

START_TEST(linkmsg_newlink_carries_kind_and_options)
{
	const struct rtattr *attrs, *info, *data, *rta;
	struct dmvpn_link_opts opts;
	struct linkmsg m;
	size_t len;

	parse_link_words("local 192.0.2.2 dev wan0 key 42 redirect", &opts);
	ck_assert_int_eq(linkmsg_newlink(&m, "dmvpn0", true, &opts, 7), 0);
	ck_assert_uint_eq(m.nh.nlmsg_type, RTM_NEWLINK);
	ck_assert_uint_eq(m.nh.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
			  NLM_F_CREATE | NLM_F_EXCL);
	attrs = IFLA_RTA(NLMSG_DATA(&m.nh));
	len = IFLA_PAYLOAD(&m.nh);
	rta = find_rta(attrs, len, IFLA_IFNAME);
	ck_assert_ptr_nonnull(rta);
	ck_assert_str_eq(RTA_DATA(rta), "dmvpn0");
	info = find_rta(attrs, len, IFLA_LINKINFO);
	ck_assert_ptr_nonnull(info);
	ck_assert_uint_eq(nest_count(info), 2);
	rta = find_rta(RTA_DATA(info), RTA_PAYLOAD(info), IFLA_INFO_KIND);
	ck_assert_ptr_nonnull(rta);
	ck_assert_str_eq(RTA_DATA(rta), "dmvpn");
	data = find_rta(RTA_DATA(info), RTA_PAYLOAD(info), IFLA_INFO_DATA);
	ck_assert_ptr_nonnull(data);
	/* What was given and nothing else: the kernel keeps its defaults. */
	ck_assert_uint_eq(nest_count(data), 5);
	len = RTA_PAYLOAD(data);
	ck_assert_uint_eq(rta_u32(find_rta(RTA_DATA(data), len,
					   IFLA_DMVPN_LOCAL)),
			  inet_addr("192.0.2.2"));
	ck_assert_uint_eq(rta_u32(find_rta(RTA_DATA(data), len,
					   IFLA_DMVPN_LINK)), 7);
	ck_assert_uint_eq(rta_u32(find_rta(RTA_DATA(data), len,
					   IFLA_DMVPN_KEY)), 42);
	ck_assert_uint_eq(rta_u8(find_rta(RTA_DATA(data), len,
					  IFLA_DMVPN_KEY_ON)), 1);
	ck_assert_uint_eq(rta_u8(find_rta(RTA_DATA(data), len,
					  IFLA_DMVPN_REDIRECT)), 1);
	ck_assert_uint_eq(m.nh.nlmsg_len,
			  NLMSG_ALIGN(m.nh.nlmsg_len));

	/* The device there: its options change, nothing is created. */
	parse_link_words("noredirect", &opts);
	ck_assert_int_eq(linkmsg_newlink(&m, "dmvpn0", false, &opts, 0), 0);
	ck_assert_uint_eq(m.nh.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	info = find_rta(IFLA_RTA(NLMSG_DATA(&m.nh)), IFLA_PAYLOAD(&m.nh),
			IFLA_LINKINFO);
	data = find_rta(RTA_DATA(info), RTA_PAYLOAD(info), IFLA_INFO_DATA);
	ck_assert_uint_eq(nest_count(data), 1);
	ck_assert_uint_eq(rta_u8(find_rta(RTA_DATA(data), RTA_PAYLOAD(data),
					  IFLA_DMVPN_REDIRECT)), 0);
}
END_TEST

START_TEST(linkmsg_newaddr_and_up)
{
	struct cfg_prefix a4 = { .family = AF_INET, .len = 24 };
	struct cfg_prefix a6 = { .family = AF_INET6, .len = 64 };
	const struct ifaddrmsg *ifa;
	const struct ifinfomsg *ifi;
	const struct rtattr *rta;
	struct linkmsg m;

	inet_pton(AF_INET, "10.255.0.2", a4.addr.bytes);
	inet_pton(AF_INET6, "fd00::2", a6.addr.bytes);
	ck_assert_int_eq(linkmsg_newaddr(&m, 9, &a4), 0);
	ck_assert_uint_eq(m.nh.nlmsg_type, RTM_NEWADDR);
	/* An address already there is no error: a restart adds it again. */
	ck_assert_uint_eq(m.nh.nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK |
			  NLM_F_CREATE | NLM_F_REPLACE);
	ifa = NLMSG_DATA(&m.nh);
	ck_assert_uint_eq(ifa->ifa_family, AF_INET);
	ck_assert_uint_eq(ifa->ifa_prefixlen, 24);
	ck_assert_uint_eq(ifa->ifa_index, 9);
	ck_assert_uint_eq(ifa->ifa_flags, 0);
	rta = find_rta(IFA_RTA(ifa), IFA_PAYLOAD(&m.nh), IFA_LOCAL);
	ck_assert_uint_eq(rta_u32(rta), inet_addr("10.255.0.2"));

	ck_assert_int_eq(linkmsg_newaddr(&m, 9, &a6), 0);
	ifa = NLMSG_DATA(&m.nh);
	ck_assert_uint_eq(ifa->ifa_family, AF_INET6);
	ck_assert_uint_eq(ifa->ifa_prefixlen, 64);
	ck_assert_uint_eq(ifa->ifa_flags, IFA_F_NODAD);
	rta = find_rta(IFA_RTA(ifa), IFA_PAYLOAD(&m.nh), IFA_LOCAL);
	ck_assert_ptr_nonnull(rta);
	ck_assert_uint_eq(RTA_PAYLOAD(rta), 16);
	ck_assert_mem_eq(RTA_DATA(rta), a6.addr.bytes, 16);

	ck_assert_int_eq(linkmsg_up(&m, 9), 0);
	ck_assert_uint_eq(m.nh.nlmsg_type, RTM_NEWLINK);
	ifi = NLMSG_DATA(&m.nh);
	ck_assert_int_eq(ifi->ifi_index, 9);
	ck_assert_uint_eq(ifi->ifi_flags, IFF_UP);
	ck_assert_uint_eq(ifi->ifi_change, IFF_UP);
}
END_TEST

/*
 * An NLMSG_ERROR answer to request @seq: @error, and @text as the extended
 * ack's message after the echoed header (@capped) or the whole request.
 */
static size_t make_ack(char *buf, uint32_t seq, int error, const char *text,
		       bool capped)
{
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct nlmsgerr *e = NLMSG_DATA(nh);
	size_t request = NLMSG_LENGTH(sizeof(struct ifinfomsg)) + 40;
	size_t off = NLMSG_LENGTH(sizeof(*e));
	struct rtattr *rta;

	memset(buf, 0, 1024);
	nh->nlmsg_type = NLMSG_ERROR;
	nh->nlmsg_seq = seq;
	e->error = error;
	e->msg.nlmsg_len = (uint32_t)request;
	e->msg.nlmsg_seq = seq;
	if (!capped)
		off += NLMSG_ALIGN(request) - NLMSG_HDRLEN;
	if (text) {
		nh->nlmsg_flags = NLM_F_ACK_TLVS | (capped ? NLM_F_CAPPED : 0);
		rta = (struct rtattr *)(buf + off);
		rta->rta_type = NLMSGERR_ATTR_MSG;
		rta->rta_len = (unsigned short)RTA_LENGTH(strlen(text) + 1);
		strcpy(RTA_DATA(rta), text);
		off += RTA_ALIGN(rta->rta_len);
	} else if (capped) {
		nh->nlmsg_flags = NLM_F_CAPPED;
	}
	nh->nlmsg_len = (uint32_t)off;
	return off;
}

START_TEST(linkmsg_ack_says_why)
{
	struct errmsg err = { "" };
	char buf[1024];
	size_t len;

	len = make_ack(buf, 5, 0, NULL, true);
	ck_assert_int_eq(linkmsg_ack(buf, len, 5, &err), 0);
	/* Another request's answer is not this one's. */
	ck_assert_int_eq(linkmsg_ack(buf, len, 6, &err), 1);
	len = make_ack(buf, 5, -EINVAL, "NBMA address must be a unicast address",
		       true);
	ck_assert_int_eq(linkmsg_ack(buf, len, 5, &err), -EINVAL);
	ck_assert_str_eq(err.text, "NBMA address must be a unicast address");
	len = make_ack(buf, 5, -EEXIST, "device exists", false);
	ck_assert_int_eq(linkmsg_ack(buf, len, 5, &err), -EEXIST);
	ck_assert_str_eq(err.text, "device exists");
	len = make_ack(buf, 5, -EOPNOTSUPP, NULL, true);
	ck_assert_int_eq(linkmsg_ack(buf, len, 5, &err), -EOPNOTSUPP);
	ck_assert_str_eq(err.text, strerror(EOPNOTSUPP));
	/* Cut short: no answer in it, nothing read past its end. */
	len = make_ack(buf, 5, -EINVAL, "x", true);
	ck_assert_int_eq(linkmsg_ack(buf, NLMSG_HDRLEN + 2, 5, &err), 1);
	((struct nlmsghdr *)buf)->nlmsg_len = NLMSG_HDRLEN + 2;
	ck_assert_int_eq(linkmsg_ack(buf, len, 5, &err), 1);
}
END_TEST

/*
 * Two IKE_SAs between ends A and B: X initiated by A (SPI 0x10), Y by B
 * (SPI 0x20).  Each end's view: its own ids, "ours" from its side, the
 * order its CHILD_SAs came up in.  A table of who sees what.
 */
static const struct {
	const char *name;
	uint64_t spi_x, spi_y;
	bool x_first_at_a, x_first_at_b;
	int deleter;		/* 'A', 'B' or 0: none */
	char keep;		/* 'X' or 'Y', when someone deletes */
} dup_cases[] = {
	/* A initiated the lowest SPI: A decides, keeps its newest. */
	{ "A decides, X came up first at A", 0x10, 0x20, true, true, 'A', 'Y' },
	{ "A decides, Y came up first at A", 0x10, 0x20, false, true, 'A', 'X' },
	/* B initiated the lowest: B decides, whatever A saw. */
	{ "B decides, X first at B", 0x30, 0x20, true, true, 'B', 'Y' },
	{ "B decides, Y first at B", 0x30, 0x20, true, false, 'B', 'X' },
	/* An SPI unknown: neither end deletes. */
	{ "unknown SPI", 0, 0x20, true, true, 0, 0 },
};

static unsigned int dup_view(int end, unsigned int c, uint32_t *out,
			     uint32_t *keep)
{
	/* Ids are local: A calls X 1 and Y 2, B calls X 7 and Y 5. */
	bool a = end == 'A';
	struct sadup_ike ike[2] = {
		{ .id = a ? 1 : 7, .spi_i = dup_cases[c].spi_x, .ours = a },
		{ .id = a ? 2 : 5, .spi_i = dup_cases[c].spi_y, .ours = !a },
	};
	bool x_first = a ? dup_cases[c].x_first_at_a :
			   dup_cases[c].x_first_at_b;
	struct sadup_child child[2] = {
		{ .ike_id = ike[0].id, .seq = x_first ? 3 : 4 },
		{ .ike_id = ike[1].id, .seq = x_first ? 4 : 3 },
	};

	return sadup_pick(ike, 2, child, 2, out, keep);
}

START_TEST(sadup_one_end_deletes_the_older)
{
	unsigned int c = (unsigned int)_i;
	uint32_t out_a[2], out_b[2], keep_a, keep_b;
	unsigned int na = dup_view('A', c, out_a, &keep_a);
	unsigned int nb = dup_view('B', c, out_b, &keep_b);

	ck_assert_msg(!(na && nb), "%s: both ends delete", dup_cases[c].name);
	switch (dup_cases[c].deleter) {
	case 'A':
		ck_assert_uint_eq(na, 1);
		ck_assert_uint_eq(keep_a, dup_cases[c].keep == 'X' ? 1 : 2);
		ck_assert_uint_eq(out_a[0], dup_cases[c].keep == 'X' ? 2 : 1);
		break;
	case 'B':
		ck_assert_uint_eq(nb, 1);
		ck_assert_uint_eq(keep_b, dup_cases[c].keep == 'X' ? 7 : 5);
		ck_assert_uint_eq(out_b[0], dup_cases[c].keep == 'X' ? 5 : 7);
		break;
	default:
		ck_assert_uint_eq(na + nb, 0);
	}
}
END_TEST

START_TEST(sadup_same_initiator_and_single_sa)
{
	struct sadup_ike ike[3] = {
		{ .id = 1, .spi_i = 0x99, .ours = true },
		{ .id = 2, .spi_i = 0x42, .ours = true },
		{ .id = 3, .spi_i = 0x77, .ours = true },
	};
	struct sadup_child child[3] = {
		{ .ike_id = 1, .seq = 10 }, { .ike_id = 2, .seq = 12 },
		{ .ike_id = 3, .seq = 11 },
	};
	uint32_t out[3], keep;

	/* An initiate that timed out came up beside its retries: the
	 * newest stays, the two others go. */
	ck_assert_uint_eq(sadup_pick(ike, 3, child, 3, out, &keep), 2);
	ck_assert_uint_eq(keep, 2);
	ck_assert_uint_eq(out[0], 1);
	ck_assert_uint_eq(out[1], 3);
	/* The peer's side of the same: it does nothing. */
	for (unsigned int i = 0; i < 3; i++)
		ike[i].ours = false;
	ck_assert_uint_eq(sadup_pick(ike, 3, child, 3, out, &keep), 0);
	/* One IKE_SA: nothing to do. */
	ike[0].ours = true;
	ck_assert_uint_eq(sadup_pick(ike, 1, child, 1, out, &keep), 0);
}
END_TEST

/* Two ends, as each sees itself and the other: exactly one initiates,
 * unless neither can tell (then both do, and sadup_pick() keeps one). */
static const struct {
	const char *name;
	const char *a, *b;	/* addresses as the other end sees them */
	bool a_nat, b_nat;
	int initiator;		/* 'A', 'B' or 0: both */
} rule_cases[] = {
	{ "lower address", "192.0.2.3", "192.0.2.20", false, false, 'A' },
	{ "lower address, other way", "198.51.100.9", "192.0.2.200", false,
	  false, 'B' },
	/* Compared as numbers, not as the bytes of the network order. */
	{ "numeric order", "10.0.1.0", "10.0.0.255", false, false, 'B' },
	{ "behind NAT beats a lower address", "192.0.2.9", "192.0.2.1", true,
	  false, 'A' },
	{ "the other behind NAT", "192.0.2.1", "203.0.113.5", false, true,
	  'B' },
	{ "both behind NAT", "192.0.2.1", "203.0.113.5", true, true, 0 },
	{ "one address", "192.0.2.7", "192.0.2.7", false, false, 0 },
};

START_TEST(sadup_one_end_initiates)
{
	unsigned int c = (unsigned int)_i;
	struct in_addr a, b;
	bool ia, ib;

	ck_assert_int_eq(inet_pton(AF_INET, rule_cases[c].a, &a), 1);
	ck_assert_int_eq(inet_pton(AF_INET, rule_cases[c].b, &b), 1);
	ia = sadup_we_initiate(a.s_addr, b.s_addr, rule_cases[c].a_nat,
			       rule_cases[c].b_nat);
	ib = sadup_we_initiate(b.s_addr, a.s_addr, rule_cases[c].b_nat,
			       rule_cases[c].a_nat);
	switch (rule_cases[c].initiator) {
	case 'A':
		ck_assert_msg(ia && !ib, "%s", rule_cases[c].name);
		break;
	case 'B':
		ck_assert_msg(!ia && ib, "%s", rule_cases[c].name);
		break;
	default:
		ck_assert_msg(ia && ib, "%s", rule_cases[c].name);
	}
}
END_TEST

/*
 * routemsg: the kernel's answer to RTM_GETROUTE.  Each case is an answer
 * made of an rtmsg and attributes: a plain route (RTA_OIF, RTA_GATEWAY),
 * or one through a next-hop group (RTA_MULTIPATH, as FRR 8.4's zebra
 * installs IPv6 routes: no RTA_OIF, the next hops nested).
 */
struct rt_hop {
	int ifindex;
	const char *gw;		/* NULL: none */
	int gw_len;		/* 0: the family's; else this many bytes */
	int rtnh_len;		/* 0: as built; else this rtnh_len */
};

struct rt_case {
	const char *name;
	uint8_t family;
	uint8_t rtm_type;
	uint8_t dst_len;
	uint32_t oif;		/* RTA_OIF, 0: none */
	const char *gw;		/* RTA_GATEWAY, NULL: none */
	int gw_len;		/* 0: the family's */
	struct rt_hop hop[3];	/* RTA_MULTIPATH's next hops, ifindex 0 ends */
	bool mp_first;		/* RTA_MULTIPATH before RTA_OIF */
	int ret;
	uint32_t want_oif;
	const char *want_gw;	/* NULL: no gateway */
	bool want_local;
};

static const struct rt_case rt_cases[] = {
	{ "IPv4 via a gateway", AF_INET, RTN_UNICAST, 24, 7, "10.255.0.2", 0,
	  { { 0 } }, false, 0, 7, "10.255.0.2", false },
	{ "IPv4 connected (no gateway)", AF_INET, RTN_UNICAST, 24, 7, NULL, 0,
	  { { 0 } }, false, 0, 7, NULL, false },
	{ "an address of this host", AF_INET, RTN_LOCAL, 32, 1, NULL, 0,
	  { { 0 } }, false, 0, 1, NULL, true },
	{ "IPv6 via a gateway", AF_INET6, RTN_UNICAST, 64, 9, "fd00::3", 0,
	  { { 0 } }, false, 0, 9, "fd00::3", false },
	{ "IPv6 through a next-hop group of one (FRR 8.4)", AF_INET6,
	  RTN_UNICAST, 64, 0, NULL, 0, { { 9, "fd00::3", 0, 0 } }, false,
	  0, 9, "fd00::3", false },
	{ "IPv4 ECMP: the first next hop", AF_INET, RTN_UNICAST, 16, 0, NULL,
	  0, { { 5, "10.0.0.1", 0, 0 }, { 6, "10.0.1.1", 0, 0 } }, false,
	  0, 5, "10.0.0.1", false },
	{ "a next hop without a gateway", AF_INET6, RTN_UNICAST, 64, 0, NULL,
	  0, { { 4, NULL, 0, 0 } }, false, 0, 4, NULL, false },
	{ "RTA_OIF wins over a group after it", AF_INET, RTN_UNICAST, 24, 3,
	  NULL, 0, { { 8, "10.0.0.1", 0, 0 } }, false, 0, 3, NULL, false },
	{ "RTA_OIF after a group overrides its interface", AF_INET,
	  RTN_UNICAST, 24, 3, NULL, 0, { { 8, "10.0.0.1", 0, 0 } }, true,
	  0, 3, "10.0.0.1", false },
	{ "a gateway of the wrong length", AF_INET, RTN_UNICAST, 24, 7,
	  "10.255.0.2", 3, { { 0 } }, false, 0, 7, NULL, false },
	{ "a next hop's gateway of the wrong length", AF_INET6, RTN_UNICAST,
	  64, 0, NULL, 0, { { 9, "fd00::3", 4, 0 } }, false, 0, 9, NULL,
	  false },
	{ "rtnh_len longer than RTA_MULTIPATH", AF_INET6, RTN_UNICAST, 64, 0,
	  NULL, 0, { { 9, "fd00::3", 0, 200 } }, false, 0, 0, NULL, false },
	{ "rtnh_len shorter than an rtnexthop", AF_INET6, RTN_UNICAST, 64, 0,
	  NULL, 0, { { 9, "fd00::3", 0, 4 } }, false, 0, 0, NULL, false },
	{ "unreachable", AF_INET, RTN_UNREACHABLE, 8, 0, NULL, 0, { { 0 } },
	  false, -ENETUNREACH, 0, NULL, false },
	{ "blackhole", AF_INET6, RTN_BLACKHOLE, 8, 0, NULL, 0, { { 0 } },
	  false, -ENETUNREACH, 0, NULL, false },
	{ "prohibit", AF_INET, RTN_PROHIBIT, 8, 0, NULL, 0, { { 0 } },
	  false, -ENETUNREACH, 0, NULL, false },
};

struct rt_buf {
	union {
		struct nlmsghdr nh;
		char buf[512];
		uint32_t align;
	};
};

static struct rtattr *rt_put(struct nlmsghdr *nh, unsigned short type,
			     const void *data, size_t len)
{
	struct rtattr *rta = (struct rtattr *)((char *)nh +
					       NLMSG_ALIGN(nh->nlmsg_len));

	rta->rta_type = type;
	rta->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(rta), data, len);
	nh->nlmsg_len = NLMSG_ALIGN(nh->nlmsg_len) + RTA_ALIGN(rta->rta_len);
	return rta;
}

/*
 * With ROUTEMSG_CORPUS_DIR set, every answer the tests make is also written
 * there as a fuzzing seed (make fuzz-routemsg-seeds).
 */
static void rt_seed(const char *name, const void *bytes, size_t len)
{
	write_seed("ROUTEMSG_CORPUS_DIR", name, bytes, len);
}

static size_t rt_addr(uint8_t family, const char *text, uint8_t *out)
{
	ck_assert_int_eq(inet_pton(family, text, out), 1);
	return family == AF_INET ? 4 : 16;
}

static void rt_multipath(struct nlmsghdr *nh, const struct rt_case *c)
{
	struct rtattr *mp = rt_put(nh, RTA_MULTIPATH, NULL, 0);

	for (const struct rt_hop *h = c->hop; h->ifindex; h++) {
		struct rtnexthop *rtnh = (struct rtnexthop *)((char *)nh +
							      nh->nlmsg_len);
		struct rtattr *rta = RTNH_DATA(rtnh);
		uint8_t addr[16];
		size_t len;

		memset(rtnh, 0, sizeof(*rtnh));
		rtnh->rtnh_ifindex = h->ifindex;
		rtnh->rtnh_len = (unsigned short)RTNH_LENGTH(0);
		if (h->gw) {
			len = rt_addr(c->family, h->gw, addr);
			if (h->gw_len)
				len = (size_t)h->gw_len;
			rta->rta_type = RTA_GATEWAY;
			rta->rta_len = (unsigned short)RTA_LENGTH(len);
			memcpy(RTA_DATA(rta), addr, len);
			rtnh->rtnh_len += RTA_ALIGN(rta->rta_len);
		}
		nh->nlmsg_len += RTNH_ALIGN(rtnh->rtnh_len);
		if (h->rtnh_len)
			rtnh->rtnh_len = (unsigned short)h->rtnh_len;
	}
	mp->rta_len = (unsigned short)((char *)nh + nh->nlmsg_len -
				       (char *)mp);
}

static void rt_build(struct rt_buf *m, const struct rt_case *c)
{
	struct rtmsg *rtm;

	memset(m, 0, sizeof(*m));
	m->nh.nlmsg_len = NLMSG_LENGTH(sizeof(*rtm));
	m->nh.nlmsg_type = RTM_NEWROUTE;
	rtm = NLMSG_DATA(&m->nh);
	rtm->rtm_family = c->family;
	rtm->rtm_type = c->rtm_type;
	rtm->rtm_dst_len = c->dst_len;
	if (c->hop[0].ifindex && c->mp_first)
		rt_multipath(&m->nh, c);
	if (c->oif)
		rt_put(&m->nh, RTA_OIF, &c->oif, sizeof(c->oif));
	if (c->gw) {
		uint8_t addr[16];
		size_t len = rt_addr(c->family, c->gw, addr);

		rt_put(&m->nh, RTA_GATEWAY, addr,
		       c->gw_len ? (size_t)c->gw_len : len);
	}
	if (c->hop[0].ifindex && !c->mp_first)
		rt_multipath(&m->nh, c);
}

START_TEST(routemsg_reads_the_route)
{
	const struct rt_case *c = &rt_cases[_i];
	struct route_info ri;
	struct rt_buf m;
	uint8_t want[16];
	int ret;

	rt_build(&m, c);
	rt_seed(c->name, m.buf, m.nh.nlmsg_len);
	memset(&ri, 0xa5, sizeof(ri));
	ret = routemsg_parse(m.buf, m.nh.nlmsg_len, c->family, &ri);
	ck_assert_msg(ret == c->ret, "%s: returned %d, not %d", c->name, ret,
		      c->ret);
	ck_assert_msg(ri.dst_len == c->dst_len, "%s: /%u", c->name,
		      ri.dst_len);
	ck_assert_msg(ri.local == c->want_local, "%s: local %d", c->name,
		      ri.local);
	if (ret)
		return;
	ck_assert_msg(ri.oif == c->want_oif, "%s: oif %u, not %u", c->name,
		      ri.oif, c->want_oif);
	ck_assert_msg(ri.has_gateway == !!c->want_gw, "%s: gateway %d",
		      c->name, ri.has_gateway);
	if (!c->want_gw)
		return;
	rt_addr(c->family, c->want_gw, want);
	ck_assert_uint_eq(ri.gateway.family, c->family);
	ck_assert_uint_eq(ri.gateway.len, c->family == AF_INET ? 32 : 128);
	ck_assert_msg(!memcmp(ri.gateway.addr.bytes, want,
			      c->family == AF_INET ? 4 : 16),
		      "%s: another gateway", c->name);
}
END_TEST

/* What is not a route: errors, other messages, truncated ones. */
START_TEST(routemsg_refuses_what_is_not_a_route)
{
	const struct rt_case ok = rt_cases[0];
	struct route_info ri;
	struct nlmsgerr *e;
	struct rt_buf m;

	/* The kernel's error, as it sent it. */
	memset(&m, 0, sizeof(m));
	m.nh.nlmsg_len = NLMSG_LENGTH(sizeof(*e));
	m.nh.nlmsg_type = NLMSG_ERROR;
	e = NLMSG_DATA(&m.nh);
	e->error = -ENETUNREACH;
	rt_seed("NLMSG_ERROR ENETUNREACH", m.buf, m.nh.nlmsg_len);
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -ENETUNREACH);
	e->error = -EHOSTUNREACH;
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -EHOSTUNREACH);
	/* An acknowledgement is no route. */
	e->error = 0;
	rt_seed("NLMSG_ERROR 0 (an ack)", m.buf, m.nh.nlmsg_len);
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -EPROTO);
	/* An error message too short for its nlmsgerr. */
	m.nh.nlmsg_len = NLMSG_LENGTH(2);
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -EPROTO);

	/* Another message type. */
	rt_build(&m, &ok);
	m.nh.nlmsg_type = RTM_NEWLINK;
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -EPROTO);
	/* Shorter than its header says, or than a header. */
	rt_build(&m, &ok);
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len - 1, AF_INET,
					&ri), -EPROTO);
	ck_assert_int_eq(routemsg_parse(m.buf, sizeof(m.nh) - 1, AF_INET,
					&ri), -EPROTO);
	/* A header with no rtmsg after it. */
	m.nh.nlmsg_len = NLMSG_LENGTH(0);
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET, &ri),
			 -EPROTO);
	/* Every length of the good message, short or whole: no read
	 * beyond it (valgrind, ASan), and only the whole one a route. */
	rt_build(&m, &rt_cases[4]);
	for (size_t len = 0; len < m.nh.nlmsg_len; len++) {
		char *copy = malloc(len ? len : 1);

		memcpy(copy, m.buf, len);
		ck_assert_int_eq(routemsg_parse(copy, len, AF_INET6, &ri),
				 -EPROTO);
		free(copy);
	}
	ck_assert_int_eq(routemsg_parse(m.buf, m.nh.nlmsg_len, AF_INET6, &ri),
			 0);
	ck_assert_uint_eq(ri.oif, 9);
}
END_TEST

static Suite *dmvpnd_suite(void)
{
	Suite *s = suite_create("dmvpnd");
	TCase *tc = tcase_create("amap");

	tcase_add_test(tc, amap_key_clears_host_bits);
	tcase_add_test(tc, amap_prefix_length_is_part_of_the_key);
	tcase_add_test(tc, amap_grows_and_shrinks);
	tcase_add_test(tc, amap_ipv6_keys_use_all_bytes);
	tcase_add_test(tc, amap_siphash_matches_the_reference);
	tcase_add_test(tc, amap_hash_depends_on_the_key);
	suite_add_tcase(s, tc);
	tc = tcase_create("notify");
	tcase_add_test(tc, notify_reaches_the_service_manager);
	suite_add_tcase(s, tc);
	tc = tcase_create("timers");
	tcase_add_test(tc, timers_fire_in_order);
	tcase_add_test(tc, timer_rearmed_at_zero_yields_to_fds);
	tcase_add_test(tc, loop_counts_slow_turns);
	suite_add_tcase(s, tc);
	tc = tcase_create("intake");
	tcase_add_test(tc, intake_takes_sources_in_turn);
	tcase_add_test(tc, intake_keeps_a_source_in_order);
	tcase_add_test(tc, intake_alternates_known_peers_and_strangers);
	tcase_add_test(tc, intake_bounds_each_source);
	tcase_add_test(tc, intake_when_full_makes_room_for_known_peers);
	tcase_add_test(tc, intake_bounds_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("sadup");
	tcase_add_loop_test(tc, sadup_one_end_deletes_the_older, 0,
			    sizeof(dup_cases) / sizeof(dup_cases[0]));
	tcase_add_test(tc, sadup_same_initiator_and_single_sa);
	tcase_add_loop_test(tc, sadup_one_end_initiates, 0,
			    sizeof(rule_cases) / sizeof(rule_cases[0]));
	suite_add_tcase(s, tc);
	tc = tcase_create("ratelimit");
	tcase_add_test(tc, ratelimit_is_per_source_and_global);
	suite_add_tcase(s, tc);
	tc = tcase_create("linkmsg");
	tcase_add_test(tc, linkmsg_newlink_carries_kind_and_options);
	tcase_add_test(tc, linkmsg_newaddr_and_up);
	tcase_add_test(tc, linkmsg_ack_says_why);
	suite_add_tcase(s, tc);
	tc = tcase_create("routemsg");
	tcase_add_loop_test(tc, routemsg_reads_the_route, 0,
			    sizeof(rt_cases) / sizeof(rt_cases[0]));
	tcase_add_test(tc, routemsg_refuses_what_is_not_a_route);
	suite_add_tcase(s, tc);
	tc = tcase_create("control commands");
	tcase_add_loop_test(tc, ctl_commands, 0,
			    sizeof(ctl_cases) / sizeof(ctl_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(dmvpnd_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

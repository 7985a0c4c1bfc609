// SPDX-License-Identifier: GPL-2.0
#include "loop.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#define MAX_EVENTS 32

static int epfd = -1;
static bool stopping;

static struct loop_stats turn_stats;

static struct timer **heap;
static uint64_t timer_pass;	/* counts run_timers() calls */
static unsigned int heap_len, heap_cap;

int loop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

void loop_exit(void)
{
	if (epfd >= 0)
		close(epfd);
	epfd = -1;
	free(heap);
	heap = NULL;
	heap_len = heap_cap = 0;
}

int loop_add_fd(struct loop_fd *lfd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.ptr = lfd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, lfd->fd, &ev);
}

int loop_watch_fd(struct loop_fd *lfd, uint32_t events)
{
	struct epoll_event ev = { .events = events, .data.ptr = lfd };

	return epoll_ctl(epfd, EPOLL_CTL_MOD, lfd->fd, &ev);
}

void loop_del_fd(struct loop_fd *lfd)
{
	(void)epoll_ctl(epfd, EPOLL_CTL_DEL, lfd->fd, NULL);
}

static uint64_t clock_us(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

uint64_t loop_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- timer heap (slot = index + 1) ---- */

static void heap_set(unsigned int i, struct timer *t)
{
	heap[i] = t;
	t->slot = i + 1;
}

static void sift_up(unsigned int i)
{
	struct timer *t = heap[i];

	while (i > 0) {
		unsigned int parent = (i - 1) / 2;

		if (heap[parent]->when <= t->when)
			break;
		heap_set(i, heap[parent]);
		i = parent;
	}
	heap_set(i, t);
}

static void sift_down(unsigned int i)
{
	struct timer *t = heap[i];

	for (;;) {
		unsigned int child = 2 * i + 1;

		if (child >= heap_len)
			break;
		if (child + 1 < heap_len &&
		    heap[child + 1]->when < heap[child]->when)
			child++;
		if (t->when <= heap[child]->when)
			break;
		heap_set(i, heap[child]);
		i = child;
	}
	heap_set(i, t);
}

void timer_cancel(struct timer *t)
{
	unsigned int i;
	struct timer *last;

	if (!t->slot)
		return;
	i = t->slot - 1;
	t->slot = 0;
	last = heap[--heap_len];
	if (last == t)
		return;
	heap_set(i, last);
	sift_up(i);
	sift_down(last->slot - 1);
}

void timer_arm(struct timer *t, uint64_t msecs)
{
	timer_cancel(t);
	if (heap_len == heap_cap) {
		unsigned int cap = heap_cap ? heap_cap * 2 : 64;
		struct timer **p = realloc(heap, cap * sizeof(*p));

		/* Out of memory: the timer cannot be kept.  Callers all
		 * re-arm from later events, so dropping one is survivable. */
		if (!p)
			return;
		heap = p;
		heap_cap = cap;
	}
	t->when = loop_now() + msecs;
	t->pass = timer_pass;
	heap_set(heap_len++, t);
	sift_up(heap_len - 1);
}

static int next_timeout(void)
{
	uint64_t now;

	if (!heap_len)
		return -1;
	now = loop_now();
	if (heap[0]->when <= now)
		return 0;
	return (int)(heap[0]->when - now);
}

static void run_timers(void)
{
	uint64_t now = loop_now();

	timer_pass++;
	while (heap_len && heap[0]->when <= now && heap[0]->pass != timer_pass &&
	       !stopping) {
		struct timer *t = heap[0];

		timer_cancel(t);
		t->fn(t);
	}
}

/*
 * A turn's length bounds how long a client that became ready during it
 * waits before its own turn.  Its CPU time tells the agent's work from
 * the time the system gave the CPU to others meanwhile.
 */
static void account_turn(uint64_t started_us, uint64_t started_cpu_us)
{
	uint64_t took = clock_us(CLOCK_MONOTONIC) - started_us;
	uint64_t cpu = clock_us(CLOCK_THREAD_CPUTIME_ID) - started_cpu_us;

	turn_stats.turns++;
	if (took >= LOOP_SLOW_TURN_MS * 1000)
		turn_stats.slow_turns++;
	if (took > turn_stats.slowest_us)
		turn_stats.slowest_us = took;
	if (cpu > turn_stats.busiest_cpu_us)
		turn_stats.busiest_cpu_us = cpu;
}

int loop_run(void)
{
	struct epoll_event events[MAX_EVENTS];

	stopping = false;
	while (!stopping) {
		int n = epoll_wait(epfd, events, MAX_EVENTS, next_timeout());
		uint64_t started = clock_us(CLOCK_MONOTONIC);
		uint64_t started_cpu = clock_us(CLOCK_THREAD_CPUTIME_ID);

		if (n < 0 && errno != EINTR)
			return -1;
		for (int i = 0; i < n && !stopping; i++) {
			struct loop_fd *lfd = events[i].data.ptr;

			lfd->fn(lfd, events[i].events);
		}
		run_timers();
		account_turn(started, started_cpu);
	}
	return 0;
}

void loop_get_stats(struct loop_stats *st)
{
	*st = turn_stats;
}

void loop_stop(void)
{
	stopping = true;
}

/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The daemon's event loop: file descriptors on epoll and one-shot timers
 * in a binary heap, all on CLOCK_MONOTONIC milliseconds.  Single threaded.
 */
#ifndef DMVPND_LOOP_H
#define DMVPND_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_fd;
typedef void (*loop_fd_fn)(struct loop_fd *lfd, uint32_t events);

struct loop_fd {
	int fd;
	loop_fd_fn fn;
};

struct timer;
typedef void (*timer_fn)(struct timer *t);

struct timer {
	uint64_t when;		/* loop_now() milliseconds */
	timer_fn fn;
	unsigned int slot;	/* position in the heap + 1; 0 = not armed */
	uint64_t pass;		/* of the timers, when it was armed */
};

int loop_init(void);
void loop_exit(void);

/* Watch @lfd->fd for EPOLLIN (and errors). */
int loop_add_fd(struct loop_fd *lfd);
/* Change what @lfd->fd is watched for (EPOLLIN, EPOLLOUT). */
int loop_watch_fd(struct loop_fd *lfd, uint32_t events);
void loop_del_fd(struct loop_fd *lfd);

uint64_t loop_now(void);

static inline void timer_init(struct timer *t, timer_fn fn)
{
	t->when = 0;
	t->fn = fn;
	t->slot = 0;
	t->pass = 0;
}

static inline bool timer_armed(const struct timer *t)
{
	return t->slot != 0;
}

/*
 * (Re)arm @t to fire @msecs from now.  A timer armed while timers run
 * fires on a later turn of the loop, after the file descriptors: a timer
 * that re-arms itself at 0 ms to do work in batches cannot hold the loop.
 */
void timer_arm(struct timer *t, uint64_t msecs);
void timer_cancel(struct timer *t);

/* The loop's turns: from epoll_wait() returning to its next call. */
#define LOOP_SLOW_TURN_MS 100

struct loop_stats {
	uint64_t turns;
	uint64_t slow_turns;	/* of LOOP_SLOW_TURN_MS or more */
	uint64_t slowest_us;
	uint64_t busiest_cpu_us;	/* the most CPU time one turn took */
};

void loop_get_stats(struct loop_stats *st);

/* Run until loop_stop(); returns 0, or -1 if epoll failed. */
int loop_run(void);
void loop_stop(void);

#endif

// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "dmvpnd.h"

static bool to_stderr;
static int max_prio = LOG_INFO;

void log_open(bool foreground, int verbosity)
{
	to_stderr = foreground;
	max_prio = verbosity > 0 ? LOG_DEBUG : LOG_INFO;
	if (!foreground)
		openlog("dmvpnd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_msg(int prio, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info",
		"debug",
	};
	va_list ap;

	if (prio > max_prio)
		return;
	va_start(ap, fmt);
	if (to_stderr) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "[%5lld.%03ld] %s: ", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, names[prio & 7]);
		vfprintf(stderr, fmt, ap);
		fputc('\n', stderr);
	} else {
		vsyslog(prio, fmt, ap);
	}
	va_end(ap);
}

const char *addr_str(const struct dmvpn_prefix *p, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!p->family) {
		snprintf(buf, len, "(none)");
		return buf;
	}
	inet_ntop(p->family, p->addr.bytes, a, sizeof(a));
	if (p->len == dmvpn_family_bits(p->family))
		snprintf(buf, len, "%s", a);
	else
		snprintf(buf, len, "%s/%u", a, p->len);
	return buf;
}

const char *nbma_str(struct in_addr a, char *buf, size_t len)
{
	inet_ntop(AF_INET, &a, buf, (socklen_t)len);
	return buf;
}

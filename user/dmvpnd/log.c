// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dmvpnd.h"

static bool to_stderr;
/* In the background, until the agent runs: the terminal sees why not. */
static bool echo_stderr;
/* stderr is the journal (systemd's JOURNAL_STREAM): "<N>" prefixes. */
static bool to_journal;
static int max_prio = LOG_INFO;

static struct {
	bool nhrp;
	unsigned int peer_count;
	struct dmvpn_prefix peers[DEBUG_PEERS_MAX];
} debug;

/*
 * systemd sets JOURNAL_STREAM to "DEV:INODE" of the stream it gave us; if
 * stderr is still that stream, a line starting with "<N>" is stored with
 * priority N, so "journalctl -p err" finds our errors.
 */
static bool stderr_is_journal(void)
{
	const char *env = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!env || sscanf(env, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

void log_open(bool foreground, int verbosity)
{
	to_stderr = foreground;
	echo_stderr = !foreground;
	to_journal = foreground && stderr_is_journal();
	max_prio = verbosity > 0 ? LOG_DEBUG : LOG_INFO;
	debug.nhrp = verbosity > 0;
	if (!foreground)
		openlog("dmvpnd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_detached(void)
{
	echo_stderr = false;
}

static void vlog_stderr(int prio, const char *fmt, va_list ap)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice", "info",
		"debug",
	};

	if (to_journal) {
		/* The journal has its own timestamps. */
		fprintf(stderr, "<%d>", prio & 7);
	} else if (to_stderr) {
		struct timespec ts;

		clock_gettime(CLOCK_MONOTONIC, &ts);
		fprintf(stderr, "[%5lld.%03ld] %s: ", (long long)ts.tv_sec,
			ts.tv_nsec / 1000000, names[prio & 7]);
	} else {
		fprintf(stderr, "dmvpnd: %s: ", names[prio & 7]);
	}
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void vlog_msg(int prio, const char *fmt, va_list ap)
{
	if (to_stderr) {
		vlog_stderr(prio, fmt, ap);
		return;
	}
	if (echo_stderr && prio <= LOG_WARNING) {
		va_list copy;

		va_copy(copy, ap);
		vlog_stderr(prio, fmt, copy);
		va_end(copy);
	}
	vsyslog(prio, fmt, ap);
}

void log_msg(int prio, const char *fmt, ...)
{
	va_list ap;

	if (prio > max_prio)
		return;
	va_start(ap, fmt);
	vlog_msg(prio, fmt, ap);
	va_end(ap);
}

/* ---- debug nhrp: decoded packets, changed at run time ---- */

int debug_nhrp_set(bool on, const struct dmvpn_prefix *peer)
{
	unsigned int i;

	if (!peer) {
		debug.nhrp = on;
		debug.peer_count = 0;
		return 0;
	}
	for (i = 0; i < debug.peer_count; i++)
		if (!memcmp(&debug.peers[i], peer, sizeof(*peer)))
			break;
	if (on) {
		if (i == debug.peer_count) {
			if (i == DEBUG_PEERS_MAX)
				return -1;
			debug.peers[debug.peer_count++] = *peer;
		}
		debug.nhrp = true;
		return 0;
	}
	if (i < debug.peer_count)
		debug.peers[i] = debug.peers[--debug.peer_count];
	/* The last peer gone: nothing is being watched any more. */
	if (!debug.peer_count)
		debug.nhrp = false;
	return 0;
}

void debug_nhrp_show(struct sbuf *out)
{
	char a[64];

	if (!debug.nhrp) {
		sbuf_adds(out, "debug nhrp off\n");
		return;
	}
	if (!debug.peer_count) {
		sbuf_adds(out, "debug nhrp on (every peer)\n");
		return;
	}
	for (unsigned int i = 0; i < debug.peer_count; i++)
		sbuf_printf(out, "debug nhrp peer %s on\n",
			    addr_str(&debug.peers[i], a, sizeof(a)));
}

void debug_nhrp_json(struct json *j)
{
	char a[64];

	json_open_object(j, NULL);
	json_bool(j, "nhrp", debug.nhrp);
	json_open_array(j, "peers");
	for (unsigned int i = 0; i < debug.peer_count; i++)
		json_string(j, NULL, addr_str(&debug.peers[i], a, sizeof(a)));
	json_close_array(j);
	json_close_object(j);
}

static bool addr_is(const struct dmvpn_prefix *want, const uint8_t *bytes,
		    size_t len)
{
	return len == (want->family == AF_INET6 ? 16u : 4u) &&
	       !memcmp(want->addr.bytes, bytes, len);
}

static bool debug_wanted(struct in_addr nbma, const struct nhrp_msg *m)
{
	if (!debug.nhrp)
		return false;
	if (!debug.peer_count)
		return true;
	for (unsigned int i = 0; i < debug.peer_count; i++) {
		const struct dmvpn_prefix *p = &debug.peers[i];

		/* A peer by its NBMA address or by a tunnel address the
		 * packet is from or about. */
		if (addr_is(p, (const uint8_t *)&nbma, 4) ||
		    (m && (addr_is(p, m->src_proto.bytes, m->src_proto.len) ||
			   addr_is(p, m->dst_proto.bytes, m->dst_proto.len))))
			return true;
	}
	return false;
}

void log_packet(const struct dev *dev, bool sent, struct in_addr nbma,
		const struct nhrp_msg *m)
{
	const char *type = nhrp_type_name(m->type), *rest;
	char text[1024], a[INET_ADDRSTRLEN];

	if (!debug_wanted(nbma, m))
		return;
	/* The description starts with the type, which goes first here:
	 * "NHRP sent resolution-reply to A: id ..." reads as the old line
	 * ("sent resolution-reply id ...") did. */
	nhrp_describe(m, text, sizeof(text));
	rest = text + strlen(type);
	rest += *rest == ' ';
	nbma_str(nbma, a, sizeof(a));
	/* Above max_prio on purpose: debugging was asked for. */
	log_msg_always(LOG_DEBUG, "%s: NHRP %s %s %s %s: %s", dev->name,
		       sent ? "sent" : "received", type, sent ? "to" : "from",
		       a, rest);
}

void log_msg_always(int prio, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vlog_msg(prio, fmt, ap);
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

// SPDX-License-Identifier: GPL-2.0
/*
 * IPsec for every tunnel: dmvpnd drives stock strongSwan (charon) over its
 * VICI socket, with the codec in user/vici/.
 *
 * The operator's swanctl.conf holds one connection, the profile: a
 * transport-mode CHILD_SA for GRE with remote_addrs = %any.  charon
 * answers any peer's IKE with it, so a hub needs nothing more.  To
 * initiate, charon needs a remote address, and stock charon ignores the
 * my-host/other-host keys FRR's patched one takes; so for each peer we
 * initiate to, we load a copy of the profile for that one address
 * ("dmvpn-IFNAME-A.B.C.D", load-conn) and initiate it.
 *
 * The copy is built from swanctl.conf itself (ipsec swanctl PATH), read
 * and translated as swanctl --load-conns does (vici/swanconf.c), not from
 * list-conns: charon 5.9.8's list-conns leaves out the proposals, life and
 * rand times, encap, mobike, fragmentation and certificates, so a copy
 * built from it would propose charon's defaults and differ from the
 * profile in ways no one sees until a peer refuses.  The copy differs only
 * in its name, remote_addrs (the peer), local_addrs (our NBMA address) and
 * its children's start, close and DPD actions (we decide when an SA comes
 * up and goes).  list-conns still says whether charon has the profile and
 * whether it is transport mode for GRE.
 *
 * The point of doing this in the agent is ordering: a spoke registers
 * with an NHS only once its SA to it is installed (nhc.c asks
 * ipsec_ready()), a shortcut enters the kernel only once the SA to its
 * peer is (resolve.c holds the reply, and a responder holds its answer,
 * until then), and a shortcut whose SA goes away is taken out, so traffic
 * falls back to the hub.  With require-ipsec on the device nothing leaves
 * in clear meanwhile.
 *
 * The VICI connections never block the loop (vconn.c: a non-blocking
 * socket, one request in flight, whole frames in a bounded buffer), and
 * both reconnect together, with backoff, when charon is absent or
 * restarts.  There are two because an initiate that waits (the one after
 * a failure, for charon's reason) holds its connection until the IKE_SA
 * is up: rekey, terminate and unload-conn go on the other one (see struct
 * ipsec).  The main one's events (child-updown, ike-updown,
 * child-rekey, ike-rekey) say which SAs are installed; list-sas after a
 * (re)connect says the same about SAs that came up before.
 *
 * Rekeys are ours to start, and only on the IKE_SAs our charon initiated.
 * charon rekeys an SA at rekey_time minus a random part of rand_time,
 * both ends on their own, and 5.9.8 resolves some of the collisions that
 * follow (both ends rekeying the same IKE_SA or CHILD_SA at once) so that
 * the SAs one end kept are deleted by the other, and traffic stops until
 * we initiate again.  So the IKE initiator's agent asks charon (VICI
 * rekey) to rekey its IKE_SA and CHILD_SAs at 80 to 85% of the earliest
 * time either charon would (swconf_rekey_bounds(), from the profile both
 * ends share); the responder's charon, whose timers run from the same
 * moments, never gets there, and nor does ours.  charon's own timers stay
 * as the fallback when the agent is gone or a request fails.  A rekeyed
 * IKE_SA's initiator is the end that rekeyed it, so the role holds.  A
 * rekey that falls due goes out at once, on the connection no initiate
 * holds.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "dmvpnd.h"
#include "sadup.h"
#include "vconn.h"
#include "vici.h"
#include "vici_charon.h"
#include "swanconf.h"

#define IPSEC_FRAME_MAX		VCONN_FRAME_MAX
#define IPSEC_BACKOFF_MIN	500		/* ms before reconnecting */
#define IPSEC_BACKOFF_MAX	4000
#define IPSEC_RETRY_MIN		1000		/* ms before initiating again */
#define IPSEC_RETRY_MAX		8000		/* as often as IOS asks again */
#define IPSEC_INITIATE_TIMEOUT	DMVPND_IKE_TIMEOUT	/* ms charon may take */
#define IPSEC_LOOK_EVERY	1000		/* ms between looks at an
						 * IKE_SA that forms */
#define IPSEC_HOLD_WAIT		3000		/* ms a held reply waits for
						 * the peer to initiate */
#define IPSEC_REKEY_RETRY	100		/* ms before asking again for a
						 * rekey charon refused, doubled
						 * each time */
#define IPSEC_REKEY_WAIT	2000		/* ms a rekey charon took may
						 * take before we ask again */
#define IPSEC_REKEY_TRIES	5		/* requests for one rekey */
#define IPSEC_DUP_WAIT		1000		/* ms both ends have to install
						 * the second of two SAs before
						 * one goes */
#define IPSEC_SETTLE		500		/* ms an SA we answered waits for
						 * the initiator's half */
#define IPSEC_CONF_FILE_MAX	(256 * 1024)	/* one swanctl.conf file */
#define IPSEC_CONF_DEPTH	8		/* includes in includes */
#define IPSEC_CRED_MAX		(16 * 1024)	/* a certificate or key */

enum vici_req {
	REQ_NONE,
	REQ_REGISTER,		/* one per event, see events[] */
	REQ_LIST_CONNS,
	REQ_LIST_SAS,
	REQ_LOAD_CONN,
	REQ_INITIATE,
	REQ_TERMINATE,
	REQ_UNLOAD_CONN,
	REQ_REKEY,
};

static const char *const events[] = {
	"child-updown", "ike-updown", "child-rekey", "ike-rekey", "list-conn",
	"list-sa", "control-log",
};

/*
 * Two VICI connections: an initiate that waits holds its connection until
 * the IKE_SA is up or has failed (seconds; see struct ipsec_peer for
 * which wait), and what must not wait behind it goes on the other one.
 * The main one registers for the events and carries list-conns, list-sas,
 * load-conn and initiate; the quick one carries
 * rekey, terminate and unload-conn (charon answers each at once: rekey
 * and terminate with timeout -1 only queue the exchange).  A peer's
 * terminate and unload-conn stay in order on the quick one, and wait
 * while a load-conn of its copy is in flight on the main one.
 */
enum { Q_MAIN, Q_QUICK, Q_N };

struct ipsec {
	struct dev *dev;
	struct vconn conn[Q_N];
	char what[2][48];		/* the connections' names in logs */
	bool connected;			/* both are */
	uint32_t backoff;		/* ms, for the next reconnect */
	struct timer reconnect;
	bool template_ok;
	char template_error[256];	/* the last reason logged */
	bool told_down;			/* "cannot reach charon" logged */
	struct vici_profile tmpl;
	struct swconf *conf;		/* swanctl.conf, the copies' source */
	/* Whether the profile gives each CHILD_SA a mark of its own (NULL),
	 * or what it lacks, and the marks' mask (see ipsec_rx_mark()). */
	const char *marks_problem;
	uint32_t mark_mask;
	/* No charon rekeys an SA of the profile's before this many seconds
	 * after it came up (0: never). */
	uint32_t ike_bound, child_bound;

	/* The rekey in flight on the quick one: which SA. */
	uint32_t rekey_id;
	bool rekey_ike;

	/* charon's best word on the request in flight on the main one. */
	char last_log[256];
	int last_log_score;

	/* Work queued while a request is in flight. */
	unsigned int next_event;	/* registrations still to send */
	bool want_list_conns;
	bool want_list_sas;
	struct ipsec_peer *work[Q_N];	/* peers with requests to send */

	struct amap peers;
	struct ipsec_stats stats;
	uint32_t child_seq;		/* CHILD_SAs seen up, in order */
};

#define PEER_CHILDREN_MAX	4

/*
 * Our rekey of one SA.  charon can refuse one: while the SA's IKE_SA is
 * being rekeyed, VICI's rekey looks for the CHILD_SA in the old IKE_SA
 * after it moved to the new one ("no matching SAs to rekey found").  It
 * can also take one and not do it (an exchange that fails).  Either way
 * we ask again, soon, a few times: the other end's timers are not far.
 */
struct rekey {
	uint64_t at;			/* when we ask (loop_now() ms; 0: not),
					 * or look whether it was done */
	bool due;			/* it is time to */
	uint64_t asked;			/* when we first asked, for the rekey
					 * under way (0: none) */
	unsigned int tries;		/* requests sent for it */
	bool taken;			/* charon took one of them */
};

/* An IKE_SA to a peer, while one of its CHILD_SAs is installed. */
struct peer_ike {
	uint32_t id;			/* charon's unique id */
	bool ours;			/* our charon initiated it: we rekey it
					 * and its CHILD_SAs */
	uint64_t spi_i;			/* its initiator's SPI */
	struct rekey rk;
};

/* An installed CHILD_SA to a peer. */
struct peer_sa {
	uint32_t child_id, ike_id;	/* charon's unique ids */
	uint32_t mark_out;		/* its mark (0: none) */
	uint32_t seq;			/* the order it came up in here */
	struct rekey rk;
};

struct ipsec_peer {
	struct amap_node node;		/* key: the NBMA address, /32 */
	struct ipsec *ip;
	struct in_addr nbma;
	bool wanted;			/* we initiate and keep it up */
	bool loaded;			/* our copy is in charon */
	bool need_load, need_initiate, need_terminate, need_unload;
	/* IKE_SAs still to terminate (ours and any the peer initiated) */
	uint32_t term_ids[PEER_CHILDREN_MAX];
	unsigned int nterm;
	/* The last IKE_SAs we terminated, in case one was being rekeyed */
	uint32_t gone_ids[PEER_CHILDREN_MAX];
	unsigned int ngone;
	/* Duplicates to delete gently (see dup_check()), and when. */
	uint32_t dup_ids[PEER_CHILDREN_MAX];
	unsigned int ndup;
	uint64_t dup_at;
	bool on_work[Q_N];
	/* Kept while the NHRP modules hear of it going down: what they do
	 * (ipsec_release()) must not free it under its caller. */
	bool pinned;
	struct ipsec_peer *work_next[Q_N];
	bool initiating;		/* an initiate awaits its answer */
	/*
	 * An initiate charon took without waiting (timeout -1): its IKE_SA
	 * forms, the child-updown event says when it is up, and a look
	 * (list-sas) every IPSEC_LOOK_EVERY whether charon gave it up.  One
	 * that waits makes charon hand every log message of every level to
	 * its listener while the SA forms: the initiator's charon took about
	 * twice the CPU (100 against 50 ms an SA, 6.12 under TCG) and the
	 * first ESP came 70 ms later.  So only the initiate after a failure
	 * waits (loud), for charon's reason.
	 */
	bool forming, loud, need_look, seen, look_waits;
	unsigned int looks;
	/* When we sent the first initiate since the SA was last up (loop
	 * ms, 0: none).  Its answer can come before the child-updown event,
	 * and an initiate that timed out can still bring an IKE_SA up later,
	 * whose other end's timers run from long before we hear of it. */
	uint64_t initiated;
	uint32_t retry;			/* ms */
	struct timer timer;
	/* Installed CHILD_SAs to this peer (two after a simultaneous
	 * initiation). */
	struct peer_sa sa[PEER_CHILDREN_MAX];
	unsigned int children;
	/* Their IKE_SAs (each has one at least). */
	struct peer_ike ike[PEER_CHILDREN_MAX];
	unsigned int nike;
	struct timer rekey_timer;	/* the next sa[].rk.at or ike[].rk.at */
	/* The first CHILD_SA up is one we answered: charon installed both
	 * its halves before sending the IKE_AUTH answer, and our kernel
	 * sends on it at once, while the initiator installs its inbound half
	 * only once it has that answer (a round trip and its processing
	 * later, 0.2 s seen under TCG).  What we sent meanwhile was lost: a
	 * held NHRP answer, or a shortcut's traffic.  So the NHRP side hears
	 * of it IPSEC_SETTLE later, or when one we initiated comes up, or
	 * when the peer sends us an NHRP packet straight (ipsec_heard()),
	 * which may come before charon's event does: then heard_at says
	 * when. */
	bool settling;
	struct timer settle;
	uint64_t heard_at;
	char spi_in[12], spi_out[12];
	uint64_t since;
	/* NHRP packets to take again once the SA is up: the latest reply
	 * we got from the peer and the latest request it wants answered.
	 * Both arrive while the SA forms (each spoke resolves the other),
	 * and one must not push the other out. */
	struct held_pkt {
		uint8_t *raw;
		size_t len;
		struct in_addr from;
		uint32_t mark;		/* the SA's it came through */
	} held[2];
};

enum { HELD_REPLY, HELD_REQUEST };

static bool peer_holds(const struct ipsec_peer *p)
{
	return p->held[HELD_REPLY].raw || p->held[HELD_REQUEST].raw;
}

static void held_drop(struct ipsec_peer *p)
{
	for (unsigned int i = 0; i < 2; i++) {
		free(p->held[i].raw);
		p->held[i].raw = NULL;
	}
}

static void ipsec_disconnect(struct ipsec *ip);
static void kick(struct ipsec *ip);
static void peer_retry_later(struct ipsec_peer *p);

static const char *peer_str(const struct ipsec_peer *p, char *buf,
			    size_t len)
{
	return nbma_str(p->nbma, buf, len);
}

static void conn_name(const struct ipsec_peer *p, char *out, size_t size)
{
	char a[INET_ADDRSTRLEN];

	snprintf(out, size, "dmvpn-%s-%s", p->ip->dev->name,
		 peer_str(p, a, sizeof(a)));
}

static struct ipsec_peer *peer_find(struct ipsec *ip, struct in_addr nbma)
{
	struct dmvpn_prefix k = { .family = AF_INET, .len = 32 };
	struct amap_node *n;

	memcpy(k.addr.bytes, &nbma, 4);
	n = amap_find(&ip->peers, &k);
	return n ? amap_entry(n, struct ipsec_peer, node) : NULL;
}

static void peer_timer(struct timer *t);
static void peer_rekey_timer(struct timer *t);
static void peer_settled(struct timer *t);

static struct ipsec_peer *peer_get(struct ipsec *ip, struct in_addr nbma)
{
	struct ipsec_peer *p = peer_find(ip, nbma);

	if (p)
		return p;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->ip = ip;
	p->nbma = nbma;
	amap_key_in_addr(&p->node.key, nbma);
	timer_init(&p->timer, peer_timer);
	timer_init(&p->rekey_timer, peer_rekey_timer);
	timer_init(&p->settle, peer_settled);
	if (amap_insert(&ip->peers, &p->node)) {
		free(p);
		return NULL;
	}
	return p;
}

static void work_add(struct ipsec_peer *p, unsigned int q)
{
	if (p->on_work[q])
		return;
	p->on_work[q] = true;
	p->work_next[q] = p->ip->work[q];
	p->ip->work[q] = p;
}

/* The head of queue @q goes off it. */
static void work_pop(struct ipsec *ip, unsigned int q)
{
	struct ipsec_peer *p = ip->work[q];

	ip->work[q] = p->work_next[q];
	p->on_work[q] = false;
	p->work_next[q] = NULL;
}

static void peer_free(struct ipsec_peer *p)
{
	struct ipsec *ip = p->ip;
	struct ipsec_peer **pp;

	for (unsigned int q = 0; q < Q_N; q++) {
		for (pp = &ip->work[q]; *pp; pp = &(*pp)->work_next[q])
			if (*pp == p) {
				*pp = p->work_next[q];
				break;
			}
		if (ip->conn[q].req_arg == p)
			ip->conn[q].req_arg = NULL;
	}
	timer_cancel(&p->timer);
	timer_cancel(&p->rekey_timer);
	timer_cancel(&p->settle);
	amap_remove(&ip->peers, &p->node);
	held_drop(p);
	free(p);
}

/* A peer nothing needs and charon holds nothing of goes away. */
static void peer_maybe_free(struct ipsec_peer *p)
{
	const struct ipsec *ip = p->ip;

	if (!p->wanted && !p->loaded && !p->children && !peer_holds(p) &&
	    !p->on_work[Q_MAIN] && !p->on_work[Q_QUICK] && !p->nterm &&
	    !p->pinned && ip->conn[Q_MAIN].req_arg != p &&
	    ip->conn[Q_QUICK].req_arg != p)
		peer_free(p);
}

/* An SA is installed (whatever the NHRP side knows). */
static bool sa_installed(const struct ipsec_peer *p)
{
	return p->children > 0;
}

/* ... and the NHRP side was told it is up. */
static bool peer_up(const struct ipsec_peer *p)
{
	return p->children > 0 && !p->settling;
}

/* ---- sending ---- */

static void send_frame(struct ipsec *ip, unsigned int q,
		       struct vici_builder *b, enum vici_req req,
		       struct ipsec_peer *peer)
{
	if (vconn_send(&ip->conn[q], b, req, peer)) {
		log_err("%s: ipsec: cannot build a VICI request: %s",
			ip->dev->name, b->error);
		return;
	}
	if (q == Q_MAIN) {
		ip->last_log[0] = '\0';
		ip->last_log_score = 0;
	}
}

/* Start building a request to send on connection @q. */
static void begin(struct ipsec *ip, unsigned int q, struct vici_builder *b,
		  enum vici_op op, const char *name)
{
	vici_begin(b, ip->conn[q].wbuf, IPSEC_FRAME_MAX, op, name);
}

/* ---- the copies, from swanctl.conf ---- */

/* The whole of a (small) file into @buf; -1 with errno. */
static int read_small_file(const char *path, uint8_t *buf, size_t cap,
			   size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	*len = 0;
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf + *len, cap - *len)) > 0) {
		*len += (size_t)n;
		if (*len == cap) {
			close(fd);
			errno = EFBIG;
			return -1;
		}
	}
	close(fd);
	return n < 0 ? -1 : 0;
}

/* The directory part of @path, "." if it has none. */
static void dir_of(const char *path, char *out, size_t size)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, size, ".");
	else
		snprintf(out, size, "%.*s",
			 slash == path ? 1 : (int)(slash - path), path);
}

struct conf_read {
	struct ipsec *ip;
	unsigned int depth;
};

static int conf_parse_file(struct conf_read *cr, const char *path);

/* As charon: a relative pattern is relative to the including file, its
 * matches are read in order, and a pattern that matches nothing is no
 * error. */
static int conf_include(void *arg, struct swconf *c, const char *file,
			const char *pattern)
{
	struct conf_read *cr = arg;
	char full[PATH_MAX], dir[PATH_MAX];
	glob_t g;
	int ret = 0, gr;

	if (cr->depth == IPSEC_CONF_DEPTH) {
		snprintf(c->error, sizeof(c->error),
			 "%s: includes nested deeper than %d", file,
			 IPSEC_CONF_DEPTH);
		return -1;
	}
	dir_of(file, dir, sizeof(dir));
	if (snprintf(full, sizeof(full), "%s%s%s",
		     pattern[0] == '/' ? "" : dir,
		     pattern[0] == '/' ? "" : "/", pattern) >= (int)sizeof(full)) {
		snprintf(c->error, sizeof(c->error), "%s: include: a path too long",
			 file);
		return -1;
	}
	gr = glob(full, GLOB_ERR, NULL, &g);
	if (gr == GLOB_NOMATCH)
		return 0;
	if (gr) {
		snprintf(c->error, sizeof(c->error), "%s: include %s: %s",
			 file, pattern, gr == GLOB_NOSPACE ? "out of memory" :
			 "cannot read the directory");
		return -1;
	}
	cr->depth++;
	for (size_t i = 0; i < g.gl_pathc && !ret; i++)
		ret = conf_parse_file(cr, g.gl_pathv[i]);
	cr->depth--;
	globfree(&g);
	return ret;
}

static int conf_parse_file(struct conf_read *cr, const char *path)
{
	struct swconf *c = cr->ip->conf;
	uint8_t *text = malloc(IPSEC_CONF_FILE_MAX);
	size_t len;
	int ret;

	if (!text) {
		snprintf(c->error, sizeof(c->error), "%s: out of memory", path);
		return -1;
	}
	if (read_small_file(path, text, IPSEC_CONF_FILE_MAX, &len)) {
		snprintf(c->error, sizeof(c->error), "%s: %s", path,
			 errno == EFBIG ? "larger than 256 KiB" :
			 strerror(errno));
		free(text);
		return -1;
	}
	ret = swconf_parse(c, path, (const char *)text, len, conf_include, cr);
	free(text);
	return ret;
}

/* What a copy has of its own: everything else is the profile's. */
struct copy {
	struct ipsec *ip;
	const char *remote;		/* the peer */
	const char *local;		/* our NBMA address, or NULL */
	uint32_t priority;		/* its policies' (0: the profile's) */
	bool saw_remote, saw_local;
};

static void addr_list(struct vici_builder *b, const char *key,
		      const char *addr)
{
	vici_list(b, key);
	vici_item_str(b, addr);
	vici_end_list(b);
}

static bool in_child(const char *const *path, unsigned int depth)
{
	return depth == 2 && !strcmp(path[0], "children");
}

static int copy_key(void *arg, const char *const *path, unsigned int depth,
		    const char *key, const char *value,
		    struct vici_builder *b)
{
	struct copy *cp = arg;

	(void)value;
	if (depth == 0 && !strcasecmp(key, "remote_addrs")) {
		addr_list(b, key, cp->remote);
		cp->saw_remote = true;
		return 1;
	}
	if (depth == 0 && cp->local && !strcasecmp(key, "local_addrs")) {
		addr_list(b, key, cp->local);
		cp->saw_local = true;
		return 1;
	}
	/*
	 * Ours: see copy_section_end().  And no marks: an SA we initiate goes
	 * to one address, which no other peer can share (IKE to a NAT's
	 * address reaches one host behind it at most), so it needs none, and
	 * its peer's entries and NHRP go without one.  The marks are for the
	 * SAs charon answers with the profile (ipsec_rx_mark()).
	 */
	if (in_child(path, depth) && cp->priority &&
	    !strcasecmp(key, "priority"))
		return 1;
	return in_child(path, depth) &&
	       (!strcasecmp(key, "start_action") ||
		!strcasecmp(key, "close_action") ||
		!strcasecmp(key, "dpd_action") ||
		!strcasecmp(key, "mark_in") || !strcasecmp(key, "mark_out") ||
		!strcasecmp(key, "set_mark_in") ||
		!strcasecmp(key, "set_mark_out"));
}

static void copy_section_end(void *arg, const char *const *path,
			     unsigned int depth, struct vici_builder *b)
{
	struct copy *cp = arg;

	if (in_child(path, depth)) {
		/* We decide when it comes up and when it goes. */
		vici_kv_str(b, "start_action", "none");
		vici_kv_str(b, "close_action", "none");
		vici_kv_str(b, "dpd_action", "clear");
		if (cp->priority) {
			char num[16];

			snprintf(num, sizeof(num), "%u", cp->priority);
			vici_kv_str(b, "priority", num);
		}
	}
	if (depth == 0 && !cp->saw_remote)
		addr_list(b, "remote_addrs", cp->remote);
	if (depth == 0 && cp->local && !cp->saw_local)
		addr_list(b, "local_addrs", cp->local);
}

/* certs, cacerts, pubkeys: the file's contents, from the directory
 * swanctl would take it from (x509/, x509ca/, pubkey/ beside
 * swanctl.conf) unless the name is absolute. */
static int copy_file_item(void *arg, const char *key, const char *entry,
			  struct vici_builder *b, char *err, size_t err_size)
{
	struct copy *cp = arg;
	char dir[PATH_MAX], path[PATH_MAX];
	uint8_t *data;
	size_t len;

	if (!strncasecmp(entry, "0x", 2) || !strncasecmp(entry, "0s", 2)) {
		snprintf(err, err_size,
			 "inline data is not supported here, name a file");
		return -1;
	}
	dir_of(cp->ip->dev->cfg.swanctl_path, dir, sizeof(dir));
	if ((entry[0] == '/' ?
	     snprintf(path, sizeof(path), "%s", entry) :
	     snprintf(path, sizeof(path), "%s/%s/%s", dir,
		      !strcasecmp(key, "certs") ? "x509" :
		      !strcasecmp(key, "cacerts") ? "x509ca" : "pubkey",
		      entry)) >= (int)sizeof(path)) {
		snprintf(err, err_size, "a path too long");
		return -1;
	}
	data = malloc(IPSEC_CRED_MAX);
	if (!data) {
		snprintf(err, err_size, "out of memory");
		return -1;
	}
	if (read_small_file(path, data, IPSEC_CRED_MAX, &len)) {
		snprintf(err, err_size, "%s: %s", path,
			 errno == EFBIG ? "larger than 16 KiB" :
			 strerror(errno));
		free(data);
		return -1;
	}
	vici_item(b, data, len);
	free(data);
	return 0;
}

/* load-conn of the profile, as swanctl.conf has it, for one peer; -1
 * with ip->conf->error set. */
static int build_copy(struct ipsec *ip, uint8_t *buf, const char *name,
		      const char *remote, const char *local, uint32_t priority,
		      struct vici_builder *b)
{
	struct copy cp = { .ip = ip, .remote = remote, .local = local,
			   .priority = priority };
	const struct swconf_vici_ops ops = {
		.key = copy_key,
		.section_end = copy_section_end,
		.file_item = copy_file_item,
		.arg = &cp,
	};

	vici_begin(b, buf, IPSEC_FRAME_MAX, VICI_CMD_REQUEST, "load-conn");
	return swconf_conn_to_vici(ip->conf, ip->dev->cfg.ipsec_profile, name,
				   &ops, b);
}

/* Read swanctl.conf again and try a copy of the profile (certificates
 * read and all): NULL, or why no copy can be made. */
static const char *conf_load(struct ipsec *ip)
{
	struct conf_read cr = { .ip = ip };
	struct vici_builder b;
	const char *why = NULL;
	uint8_t *buf;

	if (!ip->conf)
		ip->conf = malloc(sizeof(*ip->conf));
	buf = malloc(IPSEC_FRAME_MAX);	/* wbuf may hold a request */
	if (!ip->conf || !buf) {
		free(buf);
		return "out of memory";
	}
	swconf_init(ip->conf);
	if (conf_parse_file(&cr, ip->dev->cfg.swanctl_path) ||
	    build_copy(ip, buf, "dmvpn-check", "192.0.2.1", NULL, 0, &b))
		why = ip->conf->error;
	else if (vici_finish(&b) < 0)
		why = "a copy of it does not fit a VICI request of 64 KiB";
	else if (swconf_rekey_bounds(ip->conf, ip->dev->cfg.ipsec_profile,
				     ip->tmpl.child, &ip->ike_bound,
				     &ip->child_bound))
		why = ip->conf->error;
	if (!why)
		ip->marks_problem = swconf_child_marks(ip->conf,
						       ip->dev->cfg.ipsec_profile,
						       ip->tmpl.child,
						       &ip->mark_mask);
	free(buf);
	return why;
}

/*
 * Without a mark per CHILD_SA, two spokes behind one NAT address have one
 * SA between them (nhs.c warns when that happens); with the marks, QoS
 * marks must leave the marks' bits alone.  Said once the profile is read.
 */
static void marks_report(struct ipsec *ip)
{
	struct dev *dev = ip->dev;

	if (ip->marks_problem) {
		log_info("%s: ipsec profile %s: %s, with mark_out = %%unique and set_mark_in = %%same: peers behind one NAT address would share one SA",
			 dev->name, dev->cfg.ipsec_profile, ip->marks_problem);
		return;
	}
	log_info("%s: ipsec profile %s: a mark per CHILD_SA (mask %#x)",
		 dev->name, dev->cfg.ipsec_profile, ip->mark_mask);
	for (unsigned int i = 0; i < dev->cfg.qos_group_count; i++) {
		const struct cfg_qos_group *g = &dev->cfg.qos_groups[i];

		if (g->mark & ip->mark_mask)
			log_warn("%s: qos-group %s (%s:%u): mark %#x has bits of the IPsec marks (mask %#x), which take their place",
				 dev->name, g->name, dev->cfg.path, g->line,
				 g->mark, ip->mark_mask);
	}
}

/*
 * With the profile's marks, the SA charon answers for a peer has marked
 * policies and the copy we initiate to it unmarked ones, for the same
 * selectors; both are there while a duplicate lasts (sadup.h).  xfrm
 * takes the first policy that matches, in order of priority and, at one
 * priority, of installation, and an unmarked policy matches any mark: had
 * the copy's come first, a packet that came through the answered SA
 * (marked by set_mark_in) met the copy's template and was dropped
 * (XfrmInTmplMismatch).  So the copy's policies rank just below the
 * profile's: a marked packet finds its own policy first, an unmarked one
 * passes the marked policies by and finds the copy's.  Nothing else
 * ranks between them (the next, a /31, is 512 further).
 */
static uint32_t copy_priority(const struct ipsec *ip)
{
	uint32_t prio;

	if (!ipsec_marks_ok(ip->dev) || !ip->conf)
		return 0;
	prio = swconf_child_priority(ip->conf, ip->dev->cfg.ipsec_profile,
				     ip->tmpl.child);
	return prio && prio < UINT32_MAX ? prio + 1 : 0;
}

static int build_load_conn(struct ipsec *ip, struct ipsec_peer *p,
			   struct vici_builder *b)
{
	char name[80], remote[INET_ADDRSTRLEN], local[INET_ADDRSTRLEN];
	struct in_addr our = our_nbma(ip->dev, p->nbma);

	conn_name(p, name, sizeof(name));
	peer_str(p, remote, sizeof(remote));
	if (our.s_addr)
		nbma_str(our, local, sizeof(local));
	return build_copy(ip, ip->conn[Q_MAIN].wbuf, name, remote,
			  our.s_addr ? local : NULL, copy_priority(ip), b);
}

static struct peer_ike *ike_find(struct ipsec_peer *p, uint32_t id)
{
	for (unsigned int i = 0; i < p->nike; i++)
		if (p->ike[i].id == id)
			return &p->ike[i];
	return NULL;
}

static void send_rekey_of(struct ipsec *ip, struct ipsec_peer *p,
			  const char *key, uint32_t id, struct rekey *rk)
{
	struct vici_builder b;
	char num[16], a[INET_ADDRSTRLEN];

	rk->due = false;
	/* A request that charon took and did not finish may still be the
	 * one that rekeys it: the new SA is as old as the first. */
	if (!rk->asked)
		rk->asked = loop_now();
	rk->tries++;
	ip->rekey_id = id;
	ip->rekey_ike = key[0] == 'i';
	snprintf(num, sizeof(num), "%u", id);
	begin(ip, Q_QUICK, &b, VICI_CMD_REQUEST, "rekey");
	vici_kv_str(&b, key, num);
	log_debug("%s: IPsec to %s: rekeying %s_SA #%s", ip->dev->name,
		  peer_str(p, a, sizeof(a)), key[0] == 'i' ? "IKE" : "CHILD",
		  num);
	send_frame(ip, Q_QUICK, &b, REQ_REKEY, p);
}

/* A rekey that is due for @p, if any: true when one was sent. */
static bool send_rekey(struct ipsec *ip, struct ipsec_peer *p)
{
	for (unsigned int i = 0; i < p->nike; i++)
		if (p->ike[i].rk.due) {
			send_rekey_of(ip, p, "ike-id", p->ike[i].id,
				      &p->ike[i].rk);
			return true;
		}
	for (unsigned int i = 0; i < p->children; i++)
		if (p->sa[i].rk.due) {
			send_rekey_of(ip, p, "child-id", p->sa[i].child_id,
				      &p->sa[i].rk);
			return true;
		}
	return false;
}

/* terminate the next of @p's IKE_SAs to go (a duplicate last), or our
 * copy's by name. */
static void send_terminate(struct ipsec *ip, struct ipsec_peer *p)
{
	struct vici_builder b;
	char name[80], id[16], a[INET_ADDRSTRLEN];
	bool force = true;

	begin(ip, Q_QUICK, &b, VICI_CMD_REQUEST, "terminate");
	if (p->nterm) {
		p->nterm--;
		p->gone_ids[p->ngone++ % PEER_CHILDREN_MAX] =
			p->term_ids[p->nterm];
		snprintf(id, sizeof(id), "%u", p->term_ids[p->nterm]);
		vici_kv_str(&b, "ike-id", id);
	} else if (p->ndup) {
		/* The SA that stays carries the traffic meanwhile: charon
		 * sends the DELETE and drops this one when the peer has
		 * answered, after the packets the peer sent on it before it
		 * heard (see dup_check()). */
		snprintf(id, sizeof(id), "%u", p->dup_ids[--p->ndup]);
		vici_kv_str(&b, "ike-id", id);
		force = false;
		log_info("%s: IPsec to %s: deleting IKE_SA #%s, a duplicate",
			 ip->dev->name, peer_str(p, a, sizeof(a)), id);
	} else {
		/* Ours, in case it is not up yet. */
		p->need_terminate = false;
		conn_name(p, name, sizeof(name));
		vici_kv_str(&b, "ike", name);
	}
	/* Gone now, whatever else it is doing: after a rekey collision
	 * charon can keep an IKE_SA retransmitting a request the peer has
	 * forgotten, and a delete queued behind it waits for minutes.  force
	 * sends the DELETE if it can and drops the SA and its CHILD_SAs at
	 * once; timeout -1 answers before that. */
	if (force)
		vici_kv_str(&b, "force", "yes");
	vici_kv_str(&b, "timeout", "-1");
	send_frame(ip, Q_QUICK, &b, REQ_TERMINATE, p);
}

/* Our copy of the profile for @p is on its way to charon. */
static bool loading(const struct ipsec_peer *p)
{
	const struct vconn *c = &p->ip->conn[Q_MAIN];

	return c->req == REQ_LOAD_CONN && c->req_arg == p;
}

/* The quick connection's next request for @p: true when one was sent. */
static bool kick_quick_peer(struct ipsec *ip, struct ipsec_peer *p)
{
	struct vici_builder b;
	char name[80];

	/* After the load-conn of its copy: on_response() looks again. */
	if (loading(p))
		return false;
	if (p->nterm || p->need_terminate || p->ndup) {
		send_terminate(ip, p);
		return true;
	}
	if (p->need_unload) {
		p->need_unload = false;
		conn_name(p, name, sizeof(name));
		begin(ip, Q_QUICK, &b, VICI_CMD_REQUEST, "unload-conn");
		vici_kv_str(&b, "name", name);
		send_frame(ip, Q_QUICK, &b, REQ_UNLOAD_CONN, p);
		return true;
	}
	return send_rekey(ip, p);
}

static void kick_quick(struct ipsec *ip)
{
	struct ipsec_peer *p;

	if (!ip->connected || !vconn_idle(&ip->conn[Q_QUICK]))
		return;
	while ((p = ip->work[Q_QUICK])) {
		if (kick_quick_peer(ip, p))
			return;
		work_pop(ip, Q_QUICK);
		peer_maybe_free(p);
	}
}

/* Registrations and lists after a (re)connect: true when one was sent. */
static bool kick_setup(struct ipsec *ip)
{
	struct vici_builder b;

	if (ip->next_event < sizeof(events) / sizeof(events[0])) {
		begin(ip, Q_MAIN, &b, VICI_EVENT_REGISTER,
		      events[ip->next_event]);
		send_frame(ip, Q_MAIN, &b, REQ_REGISTER, NULL);
		return true;
	}
	if (ip->want_list_conns) {
		ip->want_list_conns = false;
		memset(&ip->tmpl, 0, sizeof(ip->tmpl));
		begin(ip, Q_MAIN, &b, VICI_CMD_REQUEST, "list-conns");
		vici_kv_str(&b, "ike", ip->dev->cfg.ipsec_profile);
		send_frame(ip, Q_MAIN, &b, REQ_LIST_CONNS, NULL);
		return true;
	}
	if (ip->want_list_sas) {
		ip->want_list_sas = false;
		begin(ip, Q_MAIN, &b, VICI_CMD_REQUEST, "list-sas");
		vici_kv_str(&b, "noblock", "yes");
		send_frame(ip, Q_MAIN, &b, REQ_LIST_SAS, NULL);
		return true;
	}
	return false;
}

static void send_initiate(struct ipsec *ip, struct ipsec_peer *p)
{
	struct vici_builder b;
	char name[80], timeout[16];

	p->need_initiate = false;
	p->initiating = true;
	if (!p->initiated)
		p->initiated = loop_now();
	ip->stats.initiations++;
	conn_name(p, name, sizeof(name));
	begin(ip, Q_MAIN, &b, VICI_CMD_REQUEST, "initiate");
	vici_kv_str(&b, "child", ip->tmpl.child);
	vici_kv_str(&b, "ike", name);
	snprintf(timeout, sizeof(timeout), "%d",
		 p->loud ? IPSEC_INITIATE_TIMEOUT : -1);
	vici_kv_str(&b, "timeout", timeout);
	send_frame(ip, Q_MAIN, &b, REQ_INITIATE, p);
}

/* The main connection's next request for @p: true when one was sent. */
static bool kick_main_peer(struct ipsec *ip, struct ipsec_peer *p)
{
	struct vici_builder b;
	char addr[INET_ADDRSTRLEN], name[80];

	if (sa_installed(p))
		p->need_load = p->need_initiate = p->need_look = false;
	if (!ip->template_ok)
		return false;
	if (p->need_look) {
		p->need_look = false;
		p->seen = false;
		conn_name(p, name, sizeof(name));
		begin(ip, Q_MAIN, &b, VICI_CMD_REQUEST, "list-sas");
		vici_kv_str(&b, "ike", name);
		if (!p->look_waits)
			vici_kv_str(&b, "noblock", "yes");
		send_frame(ip, Q_MAIN, &b, REQ_LIST_SAS, p);
		return true;
	}
	if (p->need_load) {
		p->need_load = false;
		if (!build_load_conn(ip, p, &b)) {
			send_frame(ip, Q_MAIN, &b, REQ_LOAD_CONN, p);
			return true;
		}
		/* swanctl.conf changed under us */
		log_err("%s: IPsec to %s: no copy of %s: %s", ip->dev->name,
			peer_str(p, addr, sizeof(addr)),
			ip->dev->cfg.ipsec_profile, ip->conf->error);
		p->need_initiate = false;
		peer_retry_later(p);
		return false;
	}
	if (p->need_initiate) {
		send_initiate(ip, p);
		return true;
	}
	return false;
}

static void kick_main(struct ipsec *ip)
{
	struct ipsec_peer *p;

	if (!ip->connected || !vconn_idle(&ip->conn[Q_MAIN]) ||
	    kick_setup(ip))
		return;
	while ((p = ip->work[Q_MAIN])) {
		if (kick_main_peer(ip, p))
			return;
		/* Nothing (more) to send for it now. */
		work_pop(ip, Q_MAIN);
		if (!p->need_load && !p->need_initiate)
			peer_maybe_free(p);	/* else waits for the template */
	}
}

/* Send the next queued requests, on each connection with none in
 * flight. */
static void kick(struct ipsec *ip)
{
	kick_main(ip);
	kick_quick(ip);
}

/* Bring the SA to @p up: our copy of the profile, then initiate. */
static void peer_start(struct ipsec_peer *p)
{
	if (sa_installed(p) || p->initiating || p->forming)
		return;
	/* Asked again while the copy loads (a second held packet): once is
	 * enough, and a second load-conn delayed the initiate by 6 to 9 ms
	 * under TCG. */
	p->need_load = !p->loaded && !loading(p);
	p->need_initiate = true;
	work_add(p, Q_MAIN);
	kick(p->ip);
}

static void peer_retry_later(struct ipsec_peer *p)
{
	p->retry = p->retry ? p->retry * 2 : IPSEC_RETRY_MIN;
	if (p->retry > IPSEC_RETRY_MAX)
		p->retry = IPSEC_RETRY_MAX;
	timer_arm(&p->timer, p->retry);
}

/* Ask charon, on the main connection, whether @p's IKE_SA still forms. */
static void look_soon(struct ipsec_peer *p)
{
	p->need_look = true;
	work_add(p, Q_MAIN);
	kick(p->ip);
}

/* What a look at the IKE_SA that forms to @p found: still there, look
 * again; gone, or there too long, it failed, and the next initiate waits
 * for charon's reason (see struct ipsec_peer). */
static void looked(struct ipsec_peer *p)
{
	struct ipsec *ip = p->ip;
	char a[INET_ADDRSTRLEN];

	if (!p->forming || sa_installed(p))
		return;
	/* noblock skips an IKE_SA a charon thread holds (working on its
	 * next message, the key exchange above all): ask once more, waiting
	 * for it, before calling it gone. */
	if (!p->seen && !p->look_waits) {
		p->look_waits = true;
		look_soon(p);
		return;
	}
	p->look_waits = false;
	if (p->seen && ++p->looks * IPSEC_LOOK_EVERY < IPSEC_INITIATE_TIMEOUT) {
		timer_arm(&p->timer, IPSEC_LOOK_EVERY);
		return;
	}
	p->forming = false;
	p->loud = true;
	ip->stats.failures++;
	log_err("%s: IPsec to %s failed: %s; trying again, with charon's reason if it fails",
		ip->dev->name, peer_str(p, a, sizeof(a)),
		p->seen ? "no SA in time" : "charon gave the IKE_SA up");
	peer_retry_later(p);
}

static void peer_timer(struct timer *t)
{
	struct ipsec_peer *p = amap_entry(t, struct ipsec_peer, timer);

	if (sa_installed(p))
		return;
	if (p->forming) {
		look_soon(p);
		return;
	}
	/* A held reply waited long enough for the other side to initiate:
	 * do it ourselves. */
	if (peer_holds(p))
		p->wanted = true;
	if (p->wanted)
		peer_start(p);
}

/* ---- rekeys, before charon's ---- */

static uint32_t rekey_jitter(void)
{
	uint32_t r;

	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != sizeof(r))
		r = (uint32_t)loop_now();
	return r;
}

/*
 * When to rekey an SA that came up @age seconds ago at our end, from an
 * exchange we asked for at @asked (0: unknown); 0: never.  The other end's
 * timers start when it answers, which can be long before the answer
 * reaches us and our charon is done with it (seconds, for a first IKE_SA
 * under load): count the SA as old as our request.
 */
static uint64_t rekey_at(uint32_t bound, uint32_t age, uint64_t asked)
{
	uint64_t now = loop_now(), age_ms = (uint64_t)age * 1000;
	uint32_t ms;

	if (asked && asked < now && now - asked > age_ms)
		age_ms = now - asked;
	ms = swconf_rekey_delay_ms(bound, age_ms, rekey_jitter());
	return ms == UINT32_MAX ? 0 : now + ms;
}

static void rekey_earliest(const struct rekey *rk, uint64_t *next)
{
	if (rk->at && (!*next || rk->at < *next))
		*next = rk->at;
}

/* Arm the rekey timer for the earliest rekey of @p's SAs. */
static void rekey_arm(struct ipsec_peer *p)
{
	uint64_t next = 0, now = loop_now();

	for (unsigned int i = 0; i < p->children; i++)
		rekey_earliest(&p->sa[i].rk, &next);
	for (unsigned int i = 0; i < p->nike; i++)
		rekey_earliest(&p->ike[i].rk, &next);
	if (p->dup_at && (!next || p->dup_at < next))
		next = p->dup_at;
	if (!next)
		timer_cancel(&p->rekey_timer);
	else
		timer_arm(&p->rekey_timer, next > now ? next - now : 0);
}

static const char *sa_kind(bool ike)
{
	return ike ? "IKE_SA" : "CHILD_SA";
}

/* Is it time for this rekey?  Then it is due, and no longer timed.  A
 * rekey charon took (asked) and that has not happened by now is asked
 * for again, up to IPSEC_REKEY_TRIES requests in all. */
static bool rekey_falls_due(struct ipsec_peer *p, struct rekey *rk,
			    bool ike, uint32_t id, uint64_t now)
{
	char a[INET_ADDRSTRLEN];

	if (!rk->at || rk->at > now)
		return false;
	rk->at = 0;
	if (rk->asked) {
		if (rk->tries >= IPSEC_REKEY_TRIES) {
			log_warn("%s: IPsec to %s: %s #%u not rekeyed after %u requests; leaving it to charon's timers",
				 p->ip->dev->name, peer_str(p, a, sizeof(a)),
				 sa_kind(ike), id, rk->tries);
			return false;
		}
		log_info("%s: IPsec to %s: %s #%u not rekeyed %llu ms after we asked; asking again",
			 p->ip->dev->name, peer_str(p, a, sizeof(a)),
			 sa_kind(ike), id,
			 (unsigned long long)(now - rk->asked));
		p->ip->stats.rekeys_retried++;
	}
	rk->due = true;
	return true;
}

static bool id_in(const uint32_t *ids, unsigned int n, uint32_t id)
{
	for (unsigned int i = 0; i < n; i++)
		if (ids[i] == id)
			return true;
	return false;
}

/*
 * Two IKE_SAs to one peer (sadup.h says why, and which go): called
 * IPSEC_DUP_WAIT after the second came up (dup_check()), when both ends
 * have installed it.  Those we delete go without force: charon sends the
 * DELETE and keeps their SAs until the peer answers, so what the peer
 * sent on them before it heard still arrives, and what we send goes on
 * the one that stays.  The number to delete, in dup_ids.
 */
static unsigned int dup_select(struct ipsec_peer *p)
{
	struct sadup_ike ike[PEER_CHILDREN_MAX];
	struct sadup_child child[PEER_CHILDREN_MAX];
	uint32_t go[PEER_CHILDREN_MAX], keep;
	char a[INET_ADDRSTRLEN];
	unsigned int n;

	for (unsigned int i = 0; i < p->nike; i++)
		ike[i] = (struct sadup_ike){ .id = p->ike[i].id,
					     .spi_i = p->ike[i].spi_i,
					     .ours = p->ike[i].ours };
	for (unsigned int i = 0; i < p->children; i++)
		child[i] = (struct sadup_child){ .ike_id = p->sa[i].ike_id,
						 .seq = p->sa[i].seq };
	n = sadup_pick(ike, p->nike, child, p->children, go, &keep);
	p->ndup = 0;
	for (unsigned int i = 0; i < n; i++)
		if (!id_in(p->term_ids, p->nterm, go[i]))
			p->dup_ids[p->ndup++] = go[i];
	if (p->ndup)
		log_info("%s: IPsec to %s: %u IKE_SAs, keeping #%u",
			 p->ip->dev->name, peer_str(p, a, sizeof(a)), p->nike,
			 keep);
	return p->ndup;
}

/* A second IKE_SA to @p may have come: look again in a while. */
static void dup_check(struct ipsec_peer *p)
{
	if (p->nike < 2 || p->dup_at || p->ndup)
		return;
	p->dup_at = loop_now() + IPSEC_DUP_WAIT;
	rekey_arm(p);
}

static void peer_rekey_timer(struct timer *t)
{
	struct ipsec_peer *p = amap_entry(t, struct ipsec_peer, rekey_timer);
	uint64_t now = loop_now();
	bool due = false;

	for (unsigned int i = 0; i < p->children; i++)
		due |= rekey_falls_due(p, &p->sa[i].rk, false,
				       p->sa[i].child_id, now);
	for (unsigned int i = 0; i < p->nike; i++)
		due |= rekey_falls_due(p, &p->ike[i].rk, true, p->ike[i].id,
				       now);
	if (p->dup_at && p->dup_at <= now) {
		p->dup_at = 0;
		due |= dup_select(p) > 0;
	}
	rekey_arm(p);
	if (due && p->ip->connected) {
		work_add(p, Q_QUICK);
		kick(p->ip);
	}
}

/* Nothing more of ours to rekey on @p (it goes, or charon went). */
static void rekey_stop(struct ipsec_peer *p)
{
	for (unsigned int i = 0; i < p->children; i++)
		memset(&p->sa[i].rk, 0, sizeof(p->sa[i].rk));
	for (unsigned int i = 0; i < p->nike; i++)
		memset(&p->ike[i].rk, 0, sizeof(p->ike[i].rk));
	timer_cancel(&p->rekey_timer);
}

/* ---- what charon says ---- */

/* @p may be gone when this returns. */
static void run_held(struct ipsec_peer *p)
{
	struct dev *dev = p->ip->dev;
	struct held_pkt h[2];

	memcpy(h, p->held, sizeof(h));
	memset(p->held, 0, sizeof(p->held));
	for (unsigned int i = 0; i < 2; i++) {
		if (h[i].raw)
			packet_handle(dev, h[i].from, h[i].mark, h[i].raw,
				      h[i].len);
		free(h[i].raw);
	}
}

static void peer_now_up(struct ipsec_peer *p)
{
	struct ipsec *ip = p->ip;
	char a[INET_ADDRSTRLEN];
	struct in_addr nbma = p->nbma;

	log_info("%s: IPsec to %s up (SPI in %s, out %s)", ip->dev->name,
		 peer_str(p, a, sizeof(a)), p->spi_in, p->spi_out);
	p->since = loop_now();
	p->retry = 0;
	timer_cancel(&p->timer);
	ctl_event(ip->dev, AGENT_EV_IPSEC_UP, NULL, &nbma, NULL, NULL);
	if (peer_holds(p))
		run_held(p);
	/* @p may not survive what the NHRP modules do now: look it up by
	 * address where needed. */
	nhc_ipsec_up(ip->dev, nbma);
}

static void peer_now_down(struct ipsec_peer *p)
{
	struct ipsec *ip = p->ip;
	char a[INET_ADDRSTRLEN];

	log_info("%s: IPsec to %s down", ip->dev->name,
		 peer_str(p, a, sizeof(a)));
	ctl_event(ip->dev, AGENT_EV_IPSEC_DOWN, NULL, &p->nbma, NULL, NULL);
	p->pinned = true;
	resolve_ipsec_down(ip->dev, p->nbma);
	p->pinned = false;
	if (p->wanted && ip->connected) {
		p->retry = 0;
		peer_retry_later(p);
	}
}

/* The IKE_SA of a CHILD_SA that came up, its record made if new. */
static struct peer_ike *ike_add(struct ipsec_peer *p,
				const struct vici_sa *s, uint64_t asked)
{
	struct peer_ike *ike = ike_find(p, s->ike_id);

	if (ike || p->nike == PEER_CHILDREN_MAX)
		return ike;
	ike = &p->ike[p->nike++];
	memset(ike, 0, sizeof(*ike));
	ike->id = s->ike_id;
	ike->ours = s->ike_initiator;
	ike->spi_i = s->ike_spi_i;
	if (ike->ours)
		ike->rk.at = rekey_at(p->ip->ike_bound, s->ike_age, asked);
	return ike;
}

/* The peer sent us NHRP straight, through an SA we answered, before
 * charon told us of it (ipsec_heard()): that SA has both its halves at the
 * peer.  Only lately: an SA that came up since may not. */
static bool heard_lately(const struct ipsec_peer *p)
{
	return p->heard_at && loop_now() - p->heard_at < IPSEC_SETTLE;
}

static void child_add(struct ipsec_peer *p, const struct vici_sa *s)
{
	struct ipsec *ip = p->ip;
	struct peer_ike *ike;
	struct peer_sa *sa;
	uint64_t asked = 0;

	for (unsigned int i = 0; i < p->children; i++)
		if (p->sa[i].child_id == s->child_id)
			return;
	if (p->children == PEER_CHILDREN_MAX)
		return;
	p->forming = p->loud = false;
	if (s->ike_initiator) {
		/* What our initiate brought up. */
		asked = p->initiated;
		p->initiated = 0;
	}
	ike = ike_add(p, s, asked);
	if (!ike)
		return;
	sa = &p->sa[p->children++];
	memset(sa, 0, sizeof(*sa));
	sa->child_id = s->child_id;
	sa->ike_id = s->ike_id;
	sa->mark_out = s->mark_out;
	sa->seq = ++ip->child_seq;
	if (ike->ours) {
		sa->rk.at = rekey_at(ip->child_bound, s->child_age, asked);
		rekey_arm(p);
	}
	dup_check(p);
	if (p->children == 1 && !s->ike_initiator && vici_sa_child_fresh(s) &&
	    !heard_lately(p)) {
		p->settling = true;
		timer_arm(&p->settle, IPSEC_SETTLE);
	} else if (p->children == 1) {
		peer_now_up(p);
	} else if (p->settling && s->ike_initiator) {
		/* One we initiated: the peer had its half before we had
		 * ours, and our kernel sends on it, the newest. */
		p->settling = false;
		timer_cancel(&p->settle);
		peer_now_up(p);
	}
}

static void peer_settled(struct timer *t)
{
	struct ipsec_peer *p = amap_entry(t, struct ipsec_peer, settle);

	p->settling = false;
	if (sa_installed(p))
		peer_now_up(p);
}

/* IKE_SAs left with no CHILD_SA of ours go from the records. */
static void ike_prune(struct ipsec_peer *p)
{
	unsigned int i = 0, j;

	while (i < p->nike) {
		for (j = 0; j < p->children; j++)
			if (p->sa[j].ike_id == p->ike[i].id)
				break;
		if (j == p->children)
			p->ike[i] = p->ike[--p->nike];
		else
			i++;
	}
}

/* Forget @child (or every child of IKE_SA @ike, when @child is 0). */
static void child_del(struct ipsec_peer *p, uint32_t child, uint32_t ike)
{
	unsigned int i = 0;
	bool was_up = peer_up(p);

	while (i < p->children) {
		if (child ? p->sa[i].child_id == child : p->sa[i].ike_id == ike) {
			p->children--;
			p->sa[i] = p->sa[p->children];
			continue;
		}
		i++;
	}
	ike_prune(p);
	rekey_arm(p);
	if (!sa_installed(p) && p->settling) {
		p->settling = false;
		timer_cancel(&p->settle);
	}
	if (was_up && !peer_up(p))
		peer_now_down(p);
}

/* Is this IKE_SA one of this device's: the profile or one of our copies,
 * from our local address? */
static struct ipsec_peer *sa_peer(struct ipsec *ip, const struct vici_sa *s,
				  bool create)
{
	char prefix[48];
	struct dev *dev = ip->dev;

	snprintf(prefix, sizeof(prefix), "dmvpn-%s-", dev->name);
	if (strcmp(s->ike_name, dev->cfg.ipsec_profile) &&
	    strncmp(s->ike_name, prefix, strlen(prefix)))
		return NULL;
	if (!s->have_remote || (dev->local_nbma.s_addr &&
				dev->local_nbma.s_addr != s->local.s_addr))
		return NULL;
	return create ? peer_get(ip, s->remote) : peer_find(ip, s->remote);
}

static void on_child_updown(void *arg, struct vici_sa *s)
{
	struct ipsec *ip = arg;
	struct ipsec_peer *p = sa_peer(ip, s, s->up);

	if (!p || !s->child_id)
		return;
	if (s->up && s->child_installed && s->transport) {
		snprintf(p->spi_in, sizeof(p->spi_in), "%s", s->spi_in);
		snprintf(p->spi_out, sizeof(p->spi_out), "%s", s->spi_out);
		child_add(p, s);
	} else if (!s->up) {
		child_del(p, s->child_id, 0);
		peer_maybe_free(p);
	}
}

static void on_ike_updown(void *arg, struct vici_sa *s)
{
	struct ipsec *ip = arg;
	struct ipsec_peer *p = sa_peer(ip, s, false);

	if (p && !s->up) {
		child_del(p, 0, s->ike_id);
		peer_maybe_free(p);
	}
}

static void on_child_rekey(void *arg, struct vici_sa *s)
{
	struct ipsec *ip = arg;
	struct ipsec_peer *p = sa_peer(ip, s, false);
	char a[INET_ADDRSTRLEN];

	if (!p || !s->old_child_id || !s->child_id)
		return;
	ip->stats.rekeys++;
	for (unsigned int i = 0; i < p->children; i++) {
		struct peer_sa *sa = &p->sa[i];
		const struct peer_ike *ike = ike_find(p, sa->ike_id);

		if (sa->child_id != s->old_child_id)
			continue;
		sa->child_id = s->child_id;
		sa->rk.due = false;
		sa->rk.at = ike && ike->ours ?
			    rekey_at(ip->child_bound, s->child_age,
				     sa->rk.asked) : 0;
		sa->rk.asked = 0;
		sa->rk.tries = 0;
		sa->rk.taken = false;
		rekey_arm(p);
		snprintf(p->spi_in, sizeof(p->spi_in), "%s", s->spi_in);
		snprintf(p->spi_out, sizeof(p->spi_out), "%s", s->spi_out);
		log_info("%s: IPsec to %s rekeyed (SPI in %s, out %s)",
			 ip->dev->name, peer_str(p, a, sizeof(a)), p->spi_in,
			 p->spi_out);
	}
}

struct ike_rekeyed {
	struct ipsec *ip;
	const struct vici_ike_rekey *ids;
};

/* The CHILD_SAs of IKE_SA @ike (its id now @to): whoever rekeyed it is
 * its initiator now, and rekeys it and its CHILD_SAs from now on.  When
 * that is our charon, on its own timer, the CHILD_SAs' times run from
 * moments we do not know: rekey them now, before the peer's charon
 * does. */
static void children_move(struct ipsec_peer *p, const struct peer_ike *ike,
			   uint32_t to, bool ours)
{
	for (unsigned int i = 0; i < p->children; i++) {
		struct peer_sa *sa = &p->sa[i];

		if (sa->ike_id != ike->id)
			continue;
		sa->ike_id = to;
		if (ours && !ike->ours)
			sa->rk.at = loop_now();
		if (!ours)
			memset(&sa->rk, 0, sizeof(sa->rk));
	}
}

static void ike_id_moves(struct amap_node *n, void *arg)
{
	struct ipsec_peer *p = amap_entry(n, struct ipsec_peer, node);
	struct ike_rekeyed *k = arg;
	const struct vici_ike_rekey *ids = k->ids;
	struct peer_ike *ike = ike_find(p, ids->old_id);
	char a[INET_ADDRSTRLEN];

	for (unsigned int i = 0; i < p->nterm; i++)
		if (p->term_ids[i] == ids->old_id)
			p->term_ids[i] = ids->new_id;
	for (unsigned int i = 0; i < p->ndup; i++)
		if (p->dup_ids[i] == ids->old_id)
			p->dup_ids[i] = ids->new_id;
	if (!ike)
		return;
	children_move(p, ike, ids->new_id, ids->new_initiator);
	ike->id = ids->new_id;
	ike->rk.at = ids->new_initiator ?
		     rekey_at(k->ip->ike_bound, ids->new_age, ike->rk.asked) :
		     0;
	ike->rk.due = false;
	ike->rk.asked = 0;
	ike->rk.tries = 0;
	ike->rk.taken = false;
	ike->ours = ids->new_initiator;
	ike->spi_i = ids->new_spi_i;
	rekey_arm(p);
	k->ip->stats.ike_rekeys++;
	log_info("%s: IKE_SA to %s rekeyed (#%u, now #%u%s)",
		 k->ip->dev->name, peer_str(p, a, sizeof(a)), ids->old_id,
		 ids->new_id, ids->new_initiator ? "" : ", by the peer");
	/* Our terminate of the old one crossed its rekey: the new one goes
	 * too, or it stays up with nothing to take it down. */
	if (id_in(p->gone_ids, p->ngone < PEER_CHILDREN_MAX ? p->ngone :
		  PEER_CHILDREN_MAX, ids->old_id) &&
	    !id_in(p->term_ids, p->nterm, ids->new_id) &&
	    p->nterm < PEER_CHILDREN_MAX) {
		p->term_ids[p->nterm++] = ids->new_id;
		work_add(p, Q_QUICK);
		kick(k->ip);
		return;
	}
	dup_check(p);
}

/* The CHILD_SAs of a rekeyed IKE_SA move to the new one, whose unique id
 * is what terminate and ike-updown name from now on. */
static void on_ike_rekey(void *arg, const char *name,
			 const struct vici_ike_rekey *ids)
{
	struct ipsec *ip = arg;
	struct ike_rekeyed k = { .ip = ip, .ids = ids };

	(void)name;
	amap_each(&ip->peers, ike_id_moves, &k);
}

/* list-sa after a (re)connect: like an up event for what is installed. */
static void on_list_sa(void *arg, struct vici_sa *s)
{
	struct ipsec *ip = arg;
	struct ipsec_peer *look = ip->conn[Q_MAIN].req_arg;

	/* Our look at one peer's copy lists only its IKE_SAs. */
	if (look && ip->conn[Q_MAIN].req == REQ_LIST_SAS)
		look->seen = true;
	s->up = true;
	if (s->child_installed)
		on_child_updown(ip, s);
}

static void template_checked(struct ipsec *ip)
{
	struct vici_profile *t = &ip->tmpl;
	struct dev *dev = ip->dev;
	const char *why = vici_profile_problem(t);

	if (!why)
		why = conf_load(ip);
	if (why) {
		/* Once per reason, not at every look. */
		if (strcmp(why, ip->template_error))
			log_err("%s: ipsec profile %s (%s:%u): %s; nothing is sent until it is fixed",
				dev->name, dev->cfg.ipsec_profile,
				dev->cfg.path, dev->cfg.ipsec_line, why);
		snprintf(ip->template_error, sizeof(ip->template_error),
			 "%s", why);
		ip->template_ok = false;
		/* Look again later: the operator may load it meanwhile. */
		ipsec_disconnect(ip);
		return;
	}
	ip->template_error[0] = '\0';
	if (!ip->template_ok) {
		log_info("%s: ipsec profile %s: transport mode for GRE, child %s; copies from %s",
			 dev->name, dev->cfg.ipsec_profile, t->child,
			 dev->cfg.swanctl_path);
		marks_report(ip);
	}
	ip->template_ok = true;
	ip->backoff = IPSEC_BACKOFF_MIN;
}

/* Our record of the rekey we asked for, if that SA is still ours. */
static struct rekey *rekey_record(struct ipsec_peer *p, bool ike, uint32_t id)
{
	struct peer_ike *k;

	if (ike)
		return (k = ike_find(p, id)) ? &k->rk : NULL;
	for (unsigned int i = 0; i < p->children; i++)
		if (p->sa[i].child_id == id)
			return &p->sa[i].rk;
	return NULL;
}

/*
 * charon answered our rekey of SA @id.  It only queues the exchange
 * (timeout -1), and says whether it found the SA: when it took it, we
 * look again IPSEC_REKEY_WAIT later (the rekey event ends that); when it
 * did not, we ask again shortly.  An SA no longer in our records was
 * rekeyed or went meanwhile: nothing to do.
 */
static void rekey_answered(struct ipsec_peer *p, bool ike, uint32_t id,
			   bool took, const char *errmsg)
{
	struct ipsec *ip = p->ip;
	struct rekey *rk = rekey_record(p, ike, id);
	char a[INET_ADDRSTRLEN];
	uint32_t ms;

	if (!rk || !rk->asked || rk->due)
		return;
	if (took) {
		if (!rk->taken)
			ip->stats.rekeys_asked++;
		rk->taken = true;
		rk->at = loop_now() + IPSEC_REKEY_WAIT;
		rekey_arm(p);
		return;
	}
	/* Nothing under way: a later request's time counts. */
	rk->asked = 0;
	if (rk->tries >= IPSEC_REKEY_TRIES) {
		log_warn("%s: IPsec to %s: charon refused to rekey %s #%u %u times (%s); leaving it to charon's timers",
			 ip->dev->name, peer_str(p, a, sizeof(a)),
			 sa_kind(ike), id, rk->tries, errmsg);
		return;
	}
	ms = IPSEC_REKEY_RETRY << (rk->tries - 1);
	log_info("%s: IPsec to %s: charon did not rekey %s #%u (%s); asking again in %u ms",
		 ip->dev->name, peer_str(p, a, sizeof(a)), sa_kind(ike), id,
		 errmsg, ms);
	ip->stats.rekeys_retried++;
	rk->at = loop_now() + ms;
	rekey_arm(p);
}

static void on_response(struct ipsec *ip, struct vconn *c,
			const struct vici_packet *pkt)
{
	enum vici_req req = c->req;
	struct ipsec_peer *p = c->req_arg;
	char success[8] = "", errmsg[256] = "", a[INET_ADDRSTRLEN];
	struct vici_reader r;
	struct vici_elem e;

	c->req = REQ_NONE;
	c->req_arg = NULL;
	vici_reader_init(&r, pkt->body, pkt->body_len);
	while (vici_next(&r, &e) > 0) {
		if (e.type != VICI_KEY_VALUE || e.depth)
			continue;
		if (!strcmp(e.name, "success"))
			vici_value_str(&e, success, sizeof(success));
		else if (!strcmp(e.name, "errmsg"))
			vici_value_str(&e, errmsg, sizeof(errmsg));
	}
	switch (req) {
	case REQ_REGISTER:
		if (pkt->op != VICI_EVENT_CONFIRM) {
			log_err("%s: ipsec: charon does not know the event %s",
				ip->dev->name, events[ip->next_event]);
			ipsec_disconnect(ip);
			return;
		}
		ip->next_event++;
		break;
	case REQ_LIST_CONNS:
		template_checked(ip);
		if (!ip->connected)
			return;
		break;
	case REQ_LOAD_CONN:
		if (!p)
			break;
		if (strcmp(success, "yes")) {
			log_err("%s: IPsec to %s: charon refused our copy of %s: %s",
				ip->dev->name, peer_str(p, a, sizeof(a)),
				ip->dev->cfg.ipsec_profile, errmsg);
			p->need_initiate = false;
			peer_retry_later(p);
			break;
		}
		p->loaded = true;
		/* Released while charon loaded it. */
		if (!p->wanted)
			p->need_unload = true;
		break;
	case REQ_INITIATE:
		if (!p)
			break;
		p->initiating = false;
		if (!strcmp(success, "yes") && !p->loud) {
			/* Taken: the IKE_SA forms (see struct ipsec_peer). */
			p->forming = p->wanted && !sa_installed(p);
			p->looks = 0;
			if (p->forming)
				timer_arm(&p->timer, IPSEC_LOOK_EVERY);
		} else if (strcmp(success, "yes")) {
			ip->stats.failures++;
			p->loud = true;
			log_err("%s: IPsec to %s failed: %s%s%s%s",
				ip->dev->name, peer_str(p, a, sizeof(a)),
				errmsg, ip->last_log[0] ? " (charon: " : "",
				ip->last_log, ip->last_log[0] ? ")" : "");
			/* Our copy is gone from charon (swanctl --load-all
			 * unloads every connection its files do not have):
			 * load it again before the next try. */
			if (strstr(errmsg, "config") &&
			    strstr(errmsg, "not found"))
				p->loaded = false;
			peer_retry_later(p);
		} else if (!sa_installed(p)) {
			/* Established, but no child-updown seen: look
			 * again later rather than trust it. */
			peer_retry_later(p);
		}
		break;
	case REQ_LIST_SAS:
		if (p)
			looked(p);
		break;
	case REQ_UNLOAD_CONN:
		if (p)
			p->loaded = false;
		break;
	case REQ_REKEY:
		if (p)
			rekey_answered(p, ip->rekey_ike, ip->rekey_id,
				       !strcmp(success, "yes"), errmsg);
		break;
	default:
		break;
	}
	if (p) {
		work_add(p, Q_MAIN);
		work_add(p, Q_QUICK);
		peer_maybe_free(p);
	}
	kick(ip);
}

/* How well a log line of charon's says why an initiation failed: a
 * notify from the peer or a credential problem beats "... failed", which
 * beats anything else. */
static int log_score(const char *msg)
{
	static const char *const reasons[] = {
		"AUTHENTICATION_FAILED", "MAC mismatched", "NO_PROPOSAL",
		"no shared key", "no private key", "no trusted",
		"constraint check failed", "TS_UNACCEPTABLE",
	};

	for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++)
		if (strstr(msg, reasons[i]))
			return 2;
	return strstr(msg, "fail") || strstr(msg, "timeout") ||
	       strstr(msg, "giving up") ? 1 : 0;
}

/* charon's log lines about the request in flight: keep the one that says
 * best why it failed. */
static void on_control_log(struct ipsec *ip, const struct vici_packet *pkt)
{
	struct vici_reader r;
	struct vici_elem e;
	char msg[256];
	int score;

	vici_reader_init(&r, pkt->body, pkt->body_len);
	while (vici_next(&r, &e) > 0) {
		if (e.type != VICI_KEY_VALUE || e.depth ||
		    strcmp(e.name, "msg") || !vici_value_str(&e, msg,
							     sizeof(msg)))
			continue;
		score = log_score(msg);
		if (score >= ip->last_log_score) {
			snprintf(ip->last_log, sizeof(ip->last_log), "%s",
				 msg);
			ip->last_log_score = score;
		}
	}
}

static void on_event(struct ipsec *ip, const struct vici_packet *pkt)
{
	if (!strcmp(pkt->name, "child-updown"))
		vici_sa_walk(pkt->body, pkt->body_len, on_child_updown, ip);
	else if (!strcmp(pkt->name, "ike-updown"))
		vici_sa_walk(pkt->body, pkt->body_len, on_ike_updown, ip);
	else if (!strcmp(pkt->name, "child-rekey"))
		vici_sa_walk(pkt->body, pkt->body_len, on_child_rekey, ip);
	else if (!strcmp(pkt->name, "ike-rekey"))
		vici_ike_rekey_walk(pkt->body, pkt->body_len, on_ike_rekey, ip);
	else if (!strcmp(pkt->name, "list-sa"))
		vici_sa_walk(pkt->body, pkt->body_len, on_list_sa, ip);
	else if (!strcmp(pkt->name, "list-conn") &&
		 ip->conn[Q_MAIN].req == REQ_LIST_CONNS)
		vici_profile_parse(pkt->body, pkt->body_len,
				   ip->dev->cfg.ipsec_profile, &ip->tmpl);
	else if (!strcmp(pkt->name, "control-log"))
		on_control_log(ip, pkt);
}

/* The connections' owner: each is one of its conn[]. */
static struct ipsec *conn_owner(struct vconn *c)
{
	return c->owner;
}

static void on_packet(struct vconn *c, const uint8_t *frame, size_t len)
{
	struct ipsec *ip = conn_owner(c);
	struct vici_packet pkt;
	const char *why;

	if (vici_packet_parse(frame, len, &pkt, &why) ||
	    vici_validate(pkt.body, pkt.body_len, &why)) {
		log_err("%s: malformed VICI packet from charon: %s", c->what,
			why);
		ipsec_disconnect(ip);
		return;
	}
	if (pkt.op == VICI_EVENT) {
		/* Only the main connection registers for events. */
		if (c == &ip->conn[Q_MAIN])
			on_event(ip, &pkt);
		return;
	}
	if (c->req == REQ_NONE) {
		log_err("%s: an answer from charon to no question", c->what);
		ipsec_disconnect(ip);
		return;
	}
	on_response(ip, c, &pkt);
}

static void on_conn_fail(struct vconn *c, const char *why)
{
	log_warn("%s: %s", c->what, why);
	ipsec_disconnect(conn_owner(c));
}

static void forget_peer(struct amap_node *n, void *arg)
{
	struct ipsec_peer *p = amap_entry(n, struct ipsec_peer, node);

	(void)arg;
	p->loaded = false;
	p->initiating = false;
	p->forming = p->need_look = p->look_waits = p->loud = false;
	p->initiated = 0;
	p->need_load = p->need_initiate = false;
	p->need_terminate = p->need_unload = false;
	p->nterm = 0;
	p->ndup = 0;
	p->dup_at = 0;
	p->ngone = 0;
	rekey_stop(p);
	if (sa_installed(p)) {
		bool told = peer_up(p);

		p->children = 0;
		p->nike = 0;
		p->settling = false;
		timer_cancel(&p->settle);
		if (told)
			peer_now_down(p);
	}
	timer_cancel(&p->timer);
}

static void restart_peer(struct amap_node *n, void *arg)
{
	struct ipsec_peer *p = amap_entry(n, struct ipsec_peer, node);

	(void)arg;
	if (p->wanted)
		peer_start(p);
}

static void backoff_next(struct ipsec *ip)
{
	timer_arm(&ip->reconnect, ip->backoff);
	ip->backoff = ip->backoff * 2 > IPSEC_BACKOFF_MAX ?
		      IPSEC_BACKOFF_MAX : ip->backoff * 2;
}

/* Both connections, or none. */
static int conns_open(struct ipsec *ip)
{
	const char *path = ip->dev->cfg.vici_path;

	for (unsigned int q = 0; q < Q_N; q++)
		if (vconn_open(&ip->conn[q], path)) {
			int err = errno;

			for (unsigned int i = 0; i < Q_N; i++)
				vconn_close(&ip->conn[i]);
			errno = err;
			return -1;
		}
	return 0;
}

static void ipsec_connect(struct ipsec *ip)
{
	const char *path = ip->dev->cfg.vici_path;

	if (conns_open(ip)) {
		if (!ip->told_down)
			log_warn("%s: ipsec: cannot reach charon at %s: %s; retrying (nothing is sent meanwhile)",
				 ip->dev->name, path, strerror(errno));
		ip->told_down = true;
		backoff_next(ip);
		return;
	}
	/* Quiet when only looking again at a profile that was wrong. */
	log_msg(ip->template_error[0] ? 7 : 6,
		"%s: ipsec: connected to charon at %s", ip->dev->name, path);
	ip->told_down = false;
	ip->connected = true;
	ip->next_event = 0;
	ip->want_list_conns = true;
	ip->want_list_sas = true;
	kick(ip);
	amap_each(&ip->peers, restart_peer, NULL);
}

static void on_reconnect(struct timer *t)
{
	struct ipsec *ip = amap_entry(t, struct ipsec, reconnect);

	ipsec_connect(ip);
}

static void ipsec_disconnect(struct ipsec *ip)
{
	for (unsigned int q = 0; q < Q_N; q++) {
		vconn_close(&ip->conn[q]);
		while (ip->work[q])
			work_pop(ip, q);
	}
	ip->connected = false;
	/* What charon held, it holds no more, or we cannot tell: every SA
	 * counts as down until list-sas says otherwise. */
	amap_each(&ip->peers, forget_peer, NULL);
	backoff_next(ip);
}

/* ---- the NHRP side ---- */

bool ipsec_enabled(const struct dev *dev)
{
	return dev->ipsec != NULL;
}

bool ipsec_ready(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p;

	if (!dev->ipsec)
		return true;
	p = peer_get(dev->ipsec, nbma);
	if (!p)
		return false;
	if (peer_up(p))
		return true;
	p->wanted = true;
	/* After a failure the retry timer decides when to try again. */
	if (!timer_armed(&p->timer))
		peer_start(p);
	return false;
}

bool ipsec_is_up(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p;

	if (!dev->ipsec)
		return true;
	p = peer_find(dev->ipsec, nbma);
	return p && peer_up(p);
}

int ipsec_hold(struct dev *dev, struct in_addr nbma, struct in_addr from,
	       const uint8_t *raw, size_t len, bool request, bool start)
{
	struct ipsec_peer *p = peer_get(dev->ipsec, nbma);
	struct held_pkt *h;
	uint8_t *copy;

	if (!p || len > DMVPND_MTU)
		return -1;
	copy = malloc(len);
	if (!copy)
		return -1;
	memcpy(copy, raw, len);
	/* The latest of its kind only: it supersedes what was held. */
	h = &p->held[request ? HELD_REQUEST : HELD_REPLY];
	free(h->raw);
	h->raw = copy;
	h->len = len;
	h->from = from;
	h->mark = dev->rx.active ? dev->rx.mark : 0;
	if (start) {
		p->wanted = true;
		if (!timer_armed(&p->timer))
			peer_start(p);
	} else if (!timer_armed(&p->timer)) {
		timer_arm(&p->timer, IPSEC_HOLD_WAIT);
	}
	return 0;
}

void ipsec_heard(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p = dev->ipsec ? peer_find(dev->ipsec, nbma) : NULL;

	if (!p)
		return;
	/* From the loop, not from under the NHRP packet being handled. */
	if (p->settling && sa_installed(p))
		timer_arm(&p->settle, 0);
	/* Before charon's event, only what came through an SA the profile
	 * answered (its mark) tells of that SA: in clear, or through our
	 * own copy's SA (unmarked) while the peer also initiated, it says
	 * nothing of the one we answered. */
	else if (!sa_installed(p) && dev->rx.active && dev->rx.ipsec_mark)
		p->heard_at = loop_now();
}

uint32_t ipsec_rx_mark(const struct dev *dev, uint32_t mark,
		       uint32_t *mask)
{
	const struct ipsec *ip = dev->ipsec;

	*mask = 0;
	if (!ip || !ip->template_ok || ip->marks_problem || !(mark &
							       ip->mark_mask))
		return 0;
	*mask = ip->mark_mask;
	return mark & ip->mark_mask;
}

uint32_t ipsec_out_mark(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p = dev->ipsec ? peer_find(dev->ipsec, nbma) : NULL;

	if (!p || !p->children)
		return 0;
	/* One we initiated has none, and is the only one at its address. */
	for (unsigned int i = 0; i < p->children; i++)
		if (!p->sa[i].mark_out)
			return 0;
	return p->sa[p->children - 1].mark_out;
}

bool ipsec_mark_up(struct dev *dev, struct in_addr nbma, uint32_t mark)
{
	struct ipsec_peer *p = dev->ipsec ? peer_find(dev->ipsec, nbma) : NULL;

	/* Full, it may have more than it records: say yes. */
	if (p && p->children == PEER_CHILDREN_MAX)
		return true;
	for (unsigned int i = 0; p && i < p->children; i++)
		if (p->sa[i].mark_out == mark)
			return true;
	return false;
}

uint32_t ipsec_mark_mask(const struct dev *dev)
{
	return ipsec_marks_ok(dev) ? dev->ipsec->mark_mask : UINT32_MAX;
}

bool ipsec_marks_ok(const struct dev *dev)
{
	return dev->ipsec && dev->ipsec->template_ok &&
	       !dev->ipsec->marks_problem;
}

bool ipsec_summary(struct dev *dev, struct ipsec_stats *st)
{
	if (!dev->ipsec)
		return false;
	*st = dev->ipsec->stats;
	st->connected = dev->ipsec->connected;
	st->profile_ok = dev->ipsec->template_ok;
	return true;
}

const char *ipsec_peer_state(struct dev *dev, struct in_addr nbma,
			     char *spi_in, char *spi_out)
{
	struct ipsec_peer *p;

	if (!dev->ipsec)
		return NULL;
	p = peer_find(dev->ipsec, nbma);
	if (p && peer_up(p)) {
		snprintf(spi_in, 12, "%s", p->spi_in);
		snprintf(spi_out, 12, "%s", p->spi_out);
		return "up";
	}
	if (p && (p->initiating || p->forming || p->need_initiate ||
		  peer_holds(p) || p->settling ||
		  (p->wanted && timer_armed(&p->timer))))
		return "connecting";
	return "down";
}

void ipsec_release(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p = dev->ipsec ? peer_find(dev->ipsec, nbma) : NULL;
	char a[INET_ADDRSTRLEN];

	if (!p)
		return;
	if (p->wanted || p->loaded)
		log_info("%s: IPsec to %s no longer needed", dev->name,
			 peer_str(p, a, sizeof(a)));
	p->wanted = false;
	p->initiated = 0;
	p->ndup = 0;
	p->dup_at = 0;
	held_drop(p);
	timer_cancel(&p->timer);
	p->forming = p->need_look = p->look_waits = p->loud = false;
	/* Going: the NHRP side need not hear it was up. */
	p->settling = false;
	timer_cancel(&p->settle);
	p->need_load = p->need_initiate = false;
	rekey_stop(p);
	for (p->nterm = 0; p->nterm < p->nike; p->nterm++)
		p->term_ids[p->nterm] = p->ike[p->nterm].id;
	p->need_terminate = p->loaded && !p->nterm;
	p->need_unload = p->loaded;
	work_add(p, Q_QUICK);
	kick(dev->ipsec);
}

/*
 * An NHS that stopped answering registrations sent through an SA charon
 * still calls up has most likely lost that SA: a hub that rebooted knows
 * none of its old SAs, and drops what comes through them without a word
 * (Linux has no INVALID_SPI recovery), so registrations would go into the
 * void until the SA's rekey fails, minutes later.  So the SA goes (both
 * ends, if the other still hears), and as it is still wanted it is
 * initiated afresh (peer_now_down()): from then on charon's IKE_SA_INIT
 * retransmissions are the probe that finds the hub back, at the pace of
 * charon's retransmit_* settings.  An NHS that merely lost its NHRP agent
 * costs one IKE exchange.
 */
void ipsec_reset(struct dev *dev, struct in_addr nbma)
{
	struct ipsec_peer *p = dev->ipsec ? peer_find(dev->ipsec, nbma) : NULL;
	char a[INET_ADDRSTRLEN];

	if (!p || !peer_up(p) || !p->wanted)
		return;
	log_info("%s: IPsec to %s: no answer through it, initiating it afresh",
		 dev->name, peer_str(p, a, sizeof(a)));
	rekey_stop(p);
	for (p->nterm = 0; p->nterm < p->nike; p->nterm++)
		p->term_ids[p->nterm] = p->ike[p->nterm].id;
	work_add(p, Q_QUICK);
	kick(dev->ipsec);
}

void ipsec_reload(struct dev *dev)
{
	struct ipsec *ip = dev->ipsec;
	struct swconf *old;
	const char *why;

	/* Not read yet: it will be once charon answers. */
	if (!ip || !ip->conf || !ip->template_ok)
		return;
	old = ip->conf;
	ip->conf = NULL;
	why = conf_load(ip);
	if (why) {
		log_err("%s: ipsec profile %s (%s:%u): %s; new copies are made from %s as it was",
			dev->name, dev->cfg.ipsec_profile, dev->cfg.path,
			dev->cfg.ipsec_line, why, dev->cfg.swanctl_path);
		free(ip->conf);
		ip->conf = old;
		return;
	}
	free(old);
	log_info("%s: ipsec profile %s read again from %s", dev->name,
		 dev->cfg.ipsec_profile, dev->cfg.swanctl_path);
	marks_report(ip);
}

int ipsec_start(struct dev *dev)
{
	struct ipsec *ip;

	if (!dev->cfg.ipsec_profile[0])
		return 0;
	ip = calloc(1, sizeof(*ip));
	if (!ip)
		return -1;
	ip->dev = dev;
	snprintf(ip->what[Q_MAIN], sizeof(ip->what[Q_MAIN]), "%s: ipsec",
		 dev->name);
	snprintf(ip->what[Q_QUICK], sizeof(ip->what[Q_QUICK]),
		 "%s: ipsec (rekeys)", dev->name);
	for (unsigned int q = 0; q < Q_N; q++) {
		if (vconn_init(&ip->conn[q], ip->what[q], on_packet,
			       on_conn_fail)) {
			while (q--)
				vconn_free(&ip->conn[q]);
			free(ip);
			return -1;
		}
		ip->conn[q].owner = ip;
	}
	ip->backoff = IPSEC_BACKOFF_MIN;
	timer_init(&ip->reconnect, on_reconnect);
	dev->ipsec = ip;
	ipsec_connect(ip);
	return 0;
}

static void free_peer(struct amap_node *n, void *arg)
{
	(void)arg;
	peer_free(amap_entry(n, struct ipsec_peer, node));
}

void ipsec_stop(struct dev *dev)
{
	struct ipsec *ip = dev->ipsec;

	if (!ip)
		return;
	for (unsigned int q = 0; q < Q_N; q++) {
		vconn_free(&ip->conn[q]);
		ip->work[q] = NULL;
	}
	timer_cancel(&ip->reconnect);
	amap_each(&ip->peers, free_peer, NULL);
	amap_free(&ip->peers);
	free(ip->conf);
	free(ip);
	dev->ipsec = NULL;
}

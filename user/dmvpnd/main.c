// SPDX-License-Identifier: GPL-2.0
/*
 * dmvpnd [-f] [-v] [-c DIR] [-s SOCKET] [DEVICE...]
 * dmvpnd --check [-c DIR] [DEVICE...]
 *
 * Serves every DEVICE named, or every DIR/<device>.conf (DIR defaults to
 * /etc/dmvpn).  -f stays in the foreground and logs to stderr, as tests
 * and systemd want; -v logs every NHRP packet ("dmvpnctl debug nhrp on"
 * does the same later).  SIGHUP (or "dmvpnctl reload") reads the
 * configuration again without dropping any entry.  --check runs every
 * check a start runs, changes nothing and exits.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "dmvpnd.h"
#include "nl.h"
#include "notify.h"

struct dev *devices;
static uint32_t request_id;
static struct loop_fd signals;

struct dev *dev_by_ifindex(uint32_t ifindex)
{
	for (struct dev *d = devices; d; d = d->next)
		if (d->ifindex == ifindex)
			return d;
	return NULL;
}

/*
 * Request IDs are random, each one: a counter is learnt from one forwarded
 * request and then predicts the next, which lets a stranger answer our
 * requests (issue 14).  RFC 2332 asks only that an ID identify the request
 * to its sender; random ones do, and a restarted agent does not reuse the
 * IDs of requests its peers may still answer.  Never 0 (none in flight).
 */
uint32_t next_request_id(void)
{
	uint32_t id;

	if (getrandom(&id, sizeof(id), GRND_NONBLOCK) != sizeof(id))
		id = ++request_id * 2654435761U;
	return id ? id : 1;
}

static void seed_request_id(void)
{
	if (getrandom(&request_id, sizeof(request_id), 0) != sizeof(request_id))
		request_id = (uint32_t)getpid() << 16 ^ (uint32_t)loop_now();
}

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: dmvpnd [-f] [-v] [-c DIR] [-s SOCKET] [DEVICE...]\n"
		"       dmvpnd --check [-c DIR] [DEVICE...]\n"
		"  -f, --foreground   do not detach; log to stderr\n"
		"  -v, --verbose      log every NHRP packet\n"
		"  -c, --config DIR   configuration directory (default /etc/dmvpn)\n"
		"  -s, --socket NAME  control socket (default @dmvpnd, abstract)\n"
		"  -n, --check        check the files and devices, change nothing\n"
		"  -V, --version      print the version and exit\n"
		"Serves each DEVICE with DIR/DEVICE.conf, or every DIR/*.conf.\n");
}

static bool is_dmvpn(uint32_t ifindex)
{
	struct dmvpn_link *links = NULL;
	struct nl_result res;
	size_t count = 0;
	bool found = false;

	if (dmvpn_list_links(&links, &count, &res))
		return false;
	for (size_t i = 0; i < count; i++)
		found |= links[i].ifindex == ifindex;
	free(links);
	return found;
}

static void cfg_to_prefix(struct dmvpn_prefix *p, const struct cfg_prefix *c)
{
	memset(p, 0, sizeof(*p));
	p->family = c->family;
	p->len = c->len;
	memcpy(p->addr.bytes, c->addr.bytes, sizeof(p->addr.bytes));
}

/* Each family's tunnel address: the configured one, else the device's. */
static void set_proto_addresses(struct dev *dev)
{
	const struct cfg_prefix *c = &dev->cfg.protocol_address;

	memset(&dev->proto, 0, sizeof(dev->proto));
	memset(&dev->proto6, 0, sizeof(dev->proto6));
	if (c->family == AF_INET)
		cfg_to_prefix(&dev->proto, c);
	else
		route_dev_addr(dev->ifindex, AF_INET, &dev->proto);
	if (c->family == AF_INET6)
		cfg_to_prefix(&dev->proto6, c);
	else
		route_dev_addr(dev->ifindex, AF_INET6, &dev->proto6);
}

/*
 * A hub with "redirect on" sends traffic indications only for what the
 * device reports, and it reports hairpinned packets only with the link
 * option "redirect": without it Phase 3 silently never happens.
 */
static void warn_link(const struct dev *dev)
{
	bool redirect;

	if (dev->cfg.role != CFG_ROLE_HUB || !dev->cfg.redirect)
		return;
	if (route_link_redirect(dev->ifindex, &redirect))
		log_warn("%s: cannot read the device's link options",
			 dev->name);
	else if (!redirect)
		log_warn("%s: \"redirect on\" in %s, but the device does not "
			 "report hairpinned traffic, so no traffic indication "
			 "is ever sent: add the link option (ip link set %s "
			 "type dmvpn redirect)", dev->name, dev->cfg.path,
			 dev->name);
}

/*
 * A "link" line: the agent makes the device, or sets its options, before
 * anything looks for it, so that a boot needs only the service enabled.
 * Asked of rtnetlink: the module may load only with the device.
 */
static int dev_make(const char *name, const struct cfg *cfg)
{
	uint32_t ifindex = if_nametoindex(name);
	struct errmsg err;
	bool dmvpn;

	if (!cfg->has_link)
		return 0;
	if (ifindex && (route_link_is_dmvpn(ifindex, &dmvpn) || !dmvpn)) {
		log_err("%s: a device of that name exists and is not a dmvpn "
			"device; %s describes one", name, cfg->path);
		return -1;
	}
	if (link_ensure(cfg, name, &err)) {
		log_err("%s: %s", name, err.text);
		return -1;
	}
	return 0;
}

/* What a start checks on the device, before it opens anything. */
static int dev_inspect(struct dev *dev)
{
	dev->ifindex = if_nametoindex(dev->name);
	if (!dev->ifindex || !is_dmvpn(dev->ifindex)) {
		log_err("%s: no such dmvpn device", dev->name);
		return -1;
	}
	if (route_link_local(dev->ifindex, &dev->local_nbma))
		log_warn("%s: cannot read the device's local address",
			 dev->name);
	set_proto_addresses(dev);
	if (!dev->proto.family && !dev->proto6.family) {
		log_err("%s: the device has no address and the "
			"configuration names no protocol-address", dev->name);
		return -1;
	}
	warn_link(dev);
	return 0;
}

static int dev_setup(struct dev *dev)
{
	char a[64], b[64];

	if (dev_inspect(dev))
		return -1;
	log_info("%s: %s, tunnel address %s%s%s", dev->name,
		 dev->cfg.role == CFG_ROLE_HUB ? "hub" : "spoke",
		 addr_str(&dev->proto, a, sizeof(a)),
		 dev->proto6.family ? " and " : "",
		 dev->proto6.family ? addr_str(&dev->proto6, b, sizeof(b)) : "");
	return packet_open(dev);
}

static void install_maps(struct dev *dev)
{
	for (unsigned int i = 0; i < dev->cfg.map_count; i++) {
		const struct cfg_map *m = &dev->cfg.maps[i];
		struct dmvpn_entry e = {
			.nbma = m->nbma,
			.type = DMVPN_ENTRY_STATIC,
			.flags = m->multicast ? DMVPN_ENTRY_F_MULTICAST : 0,
		};

		cfg_to_prefix(&e.prefix, &m->proto);
		kernel_entry_set(dev, &e, FIELD_PREFIX | FIELD_NBMA | FIELD_TYPE |
				 FIELD_FLAGS | FIELD_HOLDTIME);
	}
}

/* A static map's peer gets its SA as a shortcut's peer does (dmvpnd
 * initiates, and again after DPD or a charon restart), and keeps it while
 * the map stays (resolve_release_if_unused()).  Its entry is in the kernel
 * from the start: with require-ipsec nothing goes to it until the SA is
 * up. */
static void maps_ipsec(struct dev *dev)
{
	for (unsigned int i = 0; i < dev->cfg.map_count; i++)
		ipsec_ready(dev, dev->cfg.maps[i].nbma);
}

static void adopt_entry(struct dev *dev, const struct dmvpn_entry *e,
			void *arg)
{
	(void)arg;
	resolve_adopt(dev, e);
}

static int dev_start(struct dev *dev)
{
	dev->started = loop_now();
	install_maps(dev);
	if (ipsec_start(dev))
		return -1;
	maps_ipsec(dev);
	/* A hub may register with a hub above it (hierarchical NHRP). */
	if (dev->cfg.role == CFG_ROLE_HUB)
		return nhs_start(dev) || (dev->cfg.nhs_count && nhc_start(dev));
	if (kernel_entry_dump(dev, adopt_entry, NULL))
		return -1;
	if (dev->shortcuts.count)
		log_info("%s: %zu shortcuts taken over from the kernel",
			 dev->name, dev->shortcuts.count);
	resolve_start(dev);
	return nhc_start(dev);
}

static void dev_stop(struct dev *dev, bool purge)
{
	if (dev->cfg.role == CFG_ROLE_HUB) {
		nhc_stop(dev, purge);
		nhs_stop(dev);
	} else {
		nhc_stop(dev, purge);
		resolve_stop(dev);
	}
	ipsec_stop(dev);
	packet_close(dev);
}

/*
 * A device deleted under us (by an operator, or with its module) leaves
 * nothing to serve: its entries went with it.  The configuration stays,
 * and the device is adopted again when one of that name comes back, as
 * after a start (issue 14: the agent used to run on, doing nothing).
 */
static void dev_gone(struct dev *dev)
{
	log_warn("%s: the device is gone; waiting for it to come back",
		 dev->name);
	dev_stop(dev, false);
	dev->ifindex = 0;
}

/* Whether @dev can be served: the device is there, with an address. */
static bool dev_ready(struct dev *dev)
{
	uint32_t ifindex = if_nametoindex(dev->name);
	struct dmvpn_prefix p;

	if (!ifindex || !is_dmvpn(ifindex))
		return false;
	return dev->cfg.protocol_address.family ||
	       !route_dev_addr(ifindex, AF_INET, &p) ||
	       !route_dev_addr(ifindex, AF_INET6, &p);
}

static void dev_adopt(struct dev *dev)
{
	log_info("%s: the device is back", dev->name);
	if (dev_setup(dev) || dev_start(dev)) {
		log_err("%s: cannot serve the device", dev->name);
		dev_stop(dev, false);
		dev->ifindex = 0;
	}
}

void agent_check_devices(void)
{
	bool reopened = false;

	for (struct dev *dev = devices; dev; dev = dev->next) {
		if (!dev->ifindex)
			continue;
		if (if_nametoindex(dev->name) != dev->ifindex) {
			dev_gone(dev);
			continue;
		}
		/* Adopted with one address, the other may come after. */
		if (!dev->proto.family || !dev->proto6.family)
			set_proto_addresses(dev);
	}
	for (struct dev *dev = devices; dev; dev = dev->next) {
		if (dev->ifindex || !dev_ready(dev))
			continue;
		/* The module may have been reloaded meanwhile: its family
		 * has a new id, and our sockets left its event group. */
		if (!reopened) {
			if (kernel_reopen())
				return;
			reopened = true;
		}
		dev_adopt(dev);
	}
	/* Events for the devices still served may have been missed while
	 * the sockets were new. */
	for (struct dev *dev = devices; reopened && dev; dev = dev->next)
		if (dev->ifindex)
			agent_resync(dev);
}

static int add_device(const char *dir, const char *name)
{
	struct dev *dev = calloc(1, sizeof(*dev));
	char path[512];
	struct errmsg err;

	if (!dev)
		return -1;
	dev->pkt.fd = -1;
	snprintf(dev->name, sizeof(dev->name), "%s", name);
	snprintf(path, sizeof(path), "%s/%s.conf", dir, name);
	if (cfg_load(path, name, &dev->cfg, &err)) {
		log_err("%s", err.text);
		free(dev);
		return -1;
	}
	for (unsigned int i = 0; i < dev->cfg.warning_count; i++)
		log_warn("%s", dev->cfg.warnings[i].text);
	if (dev->cfg.auth_file_exposed)
		log_warn("%s holds the NHRP secret and other users may read "
			 "it: chmod 600 it", path);
	dev->next = devices;
	devices = dev;
	return 0;
}

static int add_all_devices(const char *dir, unsigned int *broken)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int found = 0;

	if (!d) {
		log_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char name[IF_NAMESIZE];

		if (n <= 5 || strcmp(de->d_name + n - 5, ".conf") ||
		    n - 5 >= IF_NAMESIZE)
			continue;
		memcpy(name, de->d_name, n - 5);
		name[n - 5] = '\0';
		/* One stale or broken file (issue 14) costs its device,
		 * not the others: it was named in the log. */
		if (!add_device(dir, name))
			found++;
		else
			(*broken)++;
	}
	closedir(d);
	if (!found) {
		log_err("%s: no usable *.conf files", dir);
		return -1;
	}
	return 0;
}

/* ---- what the control socket asks for ---- */

int agent_purge(struct dev *dev, const struct dmvpn_prefix *p)
{
	if (dev->cfg.role == CFG_ROLE_HUB)
		return nhs_purge(dev, p);
	return resolve_purge(dev, p);
}

size_t agent_flush(struct dev *dev)
{
	if (dev->cfg.role == CFG_ROLE_HUB)
		return nhs_flush(dev);
	return resolve_flush(dev);
}

void agent_resync(struct dev *dev)
{
	dev->stats.resyncs++;
	if (dev->cfg.role == CFG_ROLE_HUB)
		nhs_resync(dev);
	else
		resolve_resync(dev);
}

static bool map_configured(const struct cfg *cfg, const struct cfg_map *m)
{
	for (unsigned int i = 0; i < cfg->map_count; i++)
		if (!memcmp(&cfg->maps[i].proto, &m->proto, sizeof(m->proto)))
			return true;
	return false;
}

/* Swap in @fresh; entries stay, the NHSs are registered with again. */
static void dev_apply(struct dev *dev, struct cfg *fresh)
{
	struct cfg old = dev->cfg;
	bool ipsec_changed;

	/* Changed link options apply; a device gone is made again. */
	dev_make(dev->name, fresh);

	/* A device that is gone takes the new configuration when it is
	 * adopted again. */
	if (!dev->ifindex) {
		dev->cfg = *fresh;
		cfg_free(&old);
		return;
	}
	for (unsigned int i = 0; i < old.map_count; i++) {
		if (!map_configured(fresh, &old.maps[i])) {
			struct dmvpn_prefix p;

			cfg_to_prefix(&p, &old.maps[i].proto);
			kernel_entry_del(dev, &p);
		}
	}
	nhc_stop(dev, false);
	ipsec_changed = strcmp(old.ipsec_profile, fresh->ipsec_profile) ||
			strcmp(old.vici_path, fresh->vici_path) ||
			strcmp(old.swanctl_path, fresh->swanctl_path);
	if (ipsec_changed)
		ipsec_stop(dev);
	dev->cfg = *fresh;
	set_proto_addresses(dev);
	install_maps(dev);
	if (ipsec_changed && ipsec_start(dev))
		log_err("%s: ipsec: out of memory", dev->name);
	else if (!ipsec_changed)
		ipsec_reload(dev);
	maps_ipsec(dev);
	if (dev->cfg.nhs_count)
		nhc_start(dev);
	/* A map gone, or moved to another NBMA address: the old address's
	 * SA too, unless something else (a map among them) still uses it. */
	for (unsigned int i = 0; i < old.map_count; i++)
		resolve_release_if_unused(dev, old.maps[i].nbma);
	cfg_free(&old);
}

/*
 * Every file is read before any is applied, so a mistake in one leaves
 * the agent running on the old configuration of all.  Warnings go to the
 * log and to @notes (the client's answer) if given; @dry_run stops after
 * the reading.
 */
int agent_reload(bool dry_run, struct sbuf *notes, struct errmsg *err)
{
	size_t n = 0, i = 0;
	struct cfg *fresh;

	for (struct dev *d = devices; d; d = d->next)
		n++;
	fresh = calloc(n ? n : 1, sizeof(*fresh));
	if (!fresh) {
		errmsg_set(err, "out of memory");
		return -1;
	}
	for (struct dev *d = devices; d; d = d->next, i++) {
		if (cfg_load(d->cfg.path, d->name, &fresh[i], err))
			goto undo;
		if (fresh[i].role != d->cfg.role) {
			errmsg_set(err, "%.200s: changing the role needs a "
				   "restart", d->cfg.path);
			cfg_free(&fresh[i]);
			goto undo;
		}
		for (unsigned int k = 0; k < fresh[i].warning_count; k++) {
			if (!dry_run)
				log_warn("%s", fresh[i].warnings[k].text);
			if (notes)
				sbuf_printf(notes, "warning: %s\n",
					    fresh[i].warnings[k].text);
		}
	}
	if (dry_run) {
		while (i--)
			cfg_free(&fresh[i]);
		free(fresh);
		return 0;
	}
	i = 0;
	for (struct dev *d = devices; d; d = d->next, i++) {
		dev_apply(d, &fresh[i]);
		ctl_event(d, AGENT_EV_RELOAD, NULL, NULL, NULL, NULL);
	}
	free(fresh);
	log_info("configuration reloaded");
	return 0;
undo:
	while (i--)
		cfg_free(&fresh[i]);
	free(fresh);
	log_err("reload refused: %s", err->text);
	return -1;
}

static void on_signal(struct loop_fd *lfd, uint32_t revents)
{
	struct signalfd_siginfo si;

	(void)revents;
	while (read(lfd->fd, &si, sizeof(si)) == sizeof(si)) {
		if (si.ssi_signo == SIGTERM || si.ssi_signo == SIGINT) {
			log_info("stopping on signal %u", si.ssi_signo);
			loop_stop();
		} else if (si.ssi_signo == SIGHUP) {
			struct errmsg err;

			notify_service_manager("RELOADING=1");
			agent_reload(false, NULL, &err);
			notify_service_manager("READY=1");
		}
	}
}

static int watch_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	signals.fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	signals.fn = on_signal;
	if (signals.fd < 0)
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return loop_add_fd(&signals);
}

/*
 * Without -f the agent forks before it makes anything that belongs to the
 * process: a signalfd added to epoll is woken by the signals of the task
 * that added it, so one made before a fork never wakes the child (SIGTERM
 * and SIGHUP were lost).  The parent waits for the child's word that it
 * started, so that the exit status still tells the caller.
 */
static int daemon_pipe = -1;

static int daemonize(void)
{
	int p[2];
	pid_t pid;
	char status;

	if (pipe(p))
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid > 0) {
		close(p[1]);
		/* Nothing (the child failed and exited) is failure too. */
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(p[0]);
	daemon_pipe = p[1];
	if (setsid() < 0 || chdir("/"))
		return -1;
	return 0;
}

/* The agent runs: let the parent go, and drop the terminal. */
static void daemon_ready(void)
{
	char ok = 0;
	int null;

	if (daemon_pipe < 0)
		return;
	log_detached();
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		if (null > STDERR_FILENO)
			close(null);
	}
	if (write(daemon_pipe, &ok, 1) != 1)
		log_warn("cannot tell the parent process that the agent runs");
	close(daemon_pipe);
	daemon_pipe = -1;
}

/*
 * --check: what a start would refuse or warn about, on the files and on
 * the devices as they are now (read, never changed).  A device that does
 * not exist yet is not an error: it is often made later, at boot.
 */
static int check_only(void)
{
	int ret = 0;

	for (struct dev *d = devices; d; d = d->next) {
		if (!if_nametoindex(d->name)) {
			printf("%s: %s ok; no device %s yet, %s\n", d->name,
			       d->cfg.path, d->name, d->cfg.has_link ?
			       "a start makes it" : "its link not checked");
			continue;
		}
		if (dev_inspect(d))
			ret = 1;
		else
			printf("%s: %s ok\n", d->name, d->cfg.path);
	}
	return ret;
}

/* Start-up failures that set errno; the others said why themselves. */
static int start_step(int ret, const char *what)
{
	if (ret)
		log_err("cannot start: %s: %s", what,
			errno ? strerror(errno) : "failed");
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "config", required_argument, NULL, 'c' },
		{ "socket", required_argument, NULL, 's' },
		{ "check", no_argument, NULL, 'n' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *dir = "/etc/dmvpn";
	const char *sock = DMVPND_CTL_SOCKET;
	bool foreground = false, check = false, named;
	unsigned int broken = 0;
	int verbose = 0, c, ret = 1, bad = 0;

	while ((c = getopt_long(argc, argv, "fvc:s:nVh", opts, NULL)) != -1) {
		switch (c) {
		case 'f': foreground = true; break;
		case 'v': verbose++; break;
		case 'c': dir = optarg; break;
		case 's': sock = optarg; break;
		case 'n': check = true; break;
		case 'V': printf("dmvpnd %s\n", DMVPN_VERSION); return 0;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	log_open(foreground || check, verbose);
	named = optind < argc;
	if (named) {
		/* --check reports every file, a start stops at the first. */
		for (int i = optind; i < argc && (check || !bad); i++)
			bad |= add_device(dir, argv[i]) != 0;
	} else {
		bad = add_all_devices(dir, &broken) != 0 || (check && broken);
	}
	if (check) {
		ret = check_only() | bad;
		goto out;
	}
	if (bad)
		return 1;
	if (!foreground && daemonize()) {
		log_err("cannot start in the background: %s", strerror(errno));
		goto out;
	}
	seed_request_id();
	for (struct dev *d = devices; d; d = d->next)
		if (dev_make(d->name, &d->cfg) && named)
			goto out;
	errno = 0;
	if (start_step(loop_init(), "event loop") ||
	    start_step(watch_signals(), "signals") ||
	    kernel_open() ||
	    start_step(route_watch_addresses(), "watching addresses") ||
	    ctl_open(sock))
		goto out;
	for (struct dev *d = devices; d; d = d->next) {
		/* Devices named on the command line must be there; from the
		 * directory, one that is not (yet) is waited for. */
		if (!named && !dev_ready(d)) {
			log_warn("%s: no such dmvpn device (with an address) "
				 "yet; waiting for it", d->name);
			continue;
		}
		if (dev_setup(d) || dev_start(d)) {
			if (named)
				goto out;
			dev_stop(d, false);
			d->ifindex = 0;
		}
	}
	daemon_ready();
	notify_service_manager("READY=1");
	ret = loop_run() ? 1 : 0;
	notify_service_manager("STOPPING=1");
out:
	for (struct dev *d = devices, *next; d; d = next) {
		next = d->next;
		if (!check)
			dev_stop(d, ret == 0);
		cfg_free(&d->cfg);
		free(d);
	}
	ctl_close();
	kernel_close();
	loop_exit();
	return ret;
}

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dmvpn_fail_nth.py: fail each allocation of a dmvpn request in turn.

For selftests/dmvpn_faults.sh, on a kernel with fault injection (the debug
kernel of make check-debug).  The fault-injection attributes (failslab,
fail_page_alloc) must already count only allocations made from dmvpn.ko's
code (require-start/require-end) and must not ignore sleeping ones.

For one request, this writes N to /proc/thread-self/fail-nth right before
sending it, so that the N-th allocation that dmvpn.ko makes while the
kernel handles the request fails, for N = 1, 2, ... until a request goes
through without reaching an N-th allocation: every allocation point of the
request failed once.  The syscall runs in this thread, so the kernel's
handling of it counts here, and nothing else does.

After each attempt, with injection off again, it checks what a failure
must mean:
  - the request failed with an error the caller can act on (ENOMEM or
    ENOBUFS, with the request's own errno otherwise unchanged), or succeeded;
    another errno only where the kernel itself gives it for the failed
    allocation (KERNEL_ERRNOS), shown by that allocation's stack, which
    each injected failure dumps into the kernel log (verbose 2)
  - a failed request changed nothing: a failed add left no entry (or link),
    a failed del left the entry; a request that succeeded did its job
  - the device still works: a fresh add, get and del of a probe entry
Then it puts things back for the next attempt.

Usage: dmvpn_fail_nth.py OP DEV
  OP is one of:
    link-add     RTM_NEWLINK of a dmvpn device named DEV (DEV must not exist)
    link-del     RTM_DELLINK of DEV, made here with 3 entries of different
                 prefix lengths (their removal allocates)
    cache-add    ENTRY_NEW of a /24 (a new prefix length) on DEV
    cache-replace ENTRY_NEW with REPLACE of an existing entry on DEV
    cache-del    ENTRY_DEL of an entry, the last of its prefix length, on DEV
    cache-flush  ENTRY_FLUSH of DEV with entries of 3 prefix lengths
    cache-get    ENTRY_GET of an entry on DEV
    cache-dump   a dump of DEV's cache of 300 entries
Prints one line per attempt as it ends ("N ok 0.8s" or "N ENAME: message
0.8s", flushed: the caller shows them as they come) and last "OP: K
allocation points, F failed requests, S s"; exit 0 when every check held,
1 otherwise (with "FAIL: ..." lines).
"""

import errno
import os
import socket
import struct
import sys
import time

from dmvpn_genl import (DMVPN_A_ENTRY, DMVPN_A_IFINDEX, DMVPN_CMD_ENTRY_DEL,
                        DMVPN_CMD_ENTRY_GET, DMVPN_CMD_ENTRY_NEW, ENTRY_A,
                        NLA_F_NESTED, NLM_F_ACK, Genl, Refused,
                        add_many, entry_request, nla, parse_attrs)

DMVPN_CMD_ENTRY_FLUSH = 4

NETLINK_ROUTE = 0
RTM_NEWLINK = 16
RTM_DELLINK = 17
NLM_F_REQUEST = 0x1
NLM_F_CREATE = 0x400
NLM_F_EXCL = 0x200
NLMSG_ERROR = 2
IFLA_IFNAME = 3
IFLA_LINKINFO = 18
IFLA_INFO_KIND = 1

# What an allocation failure may surface as.
ALLOWED_ERRNOS = {errno.ENOMEM, errno.ENOBUFS}

# Where the kernel itself turns a failed allocation into another errno,
# with the frames that must all be in the failed allocation's stack:
# netdev_register_kobject() ignores dev_set_name()'s failure to copy the
# device's name, and device_add() then refuses the nameless device with
# EINVAL (6.12).  Nothing of dmvpn.ko's can return that error any other way.
KERNEL_ERRNOS = {
    errno.EINVAL: ("dev_set_name", "netdev_register_kobject",
                   "register_netdevice"),
}
# Through pid 1's root: "ip netns exec" gives this process a /sys of its
# namespace's own, without debugfs.
FAULT_ATTRS = ("/proc/1/root/sys/kernel/debug/failslab",
               "/proc/1/root/sys/kernel/debug/fail_page_alloc")

# A request must be answered, failed or not; under KASAN and TCG a
# request takes well under a second.
ANSWER_TIMEOUT = 30

# Far more than any request allocates: an attempt that reaches this many
# points means that the counting is broken, not that the request is big.
MAX_POINTS = 500

FAIL_NTH = "/proc/thread-self/fail-nth"


class Checker:
    """Collects the broken promises."""

    def __init__(self):
        self.failures = 0

    def expect(self, condition, text):
        if not condition:
            print(f"FAIL: {text}", flush=True)
            self.failures += 1
        return condition


def fail_nth(n):
    """Arms (n > 0) or disarms (0) the n-th allocation of this thread."""
    with open(FAIL_NTH, "w") as f:
        f.write(str(n))


def fail_nth_pending():
    """True when the armed failure has not happened (fewer allocations)."""
    with open(FAIL_NTH) as f:
        return int(f.read().strip() or 0) > 0


class Rtnl:
    """Just enough rtnetlink to add and delete a dmvpn device."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_ROUTE)
        self.sock.bind((0, 0))
        self.sock.settimeout(ANSWER_TIMEOUT)
        self.seq = 0

    def request(self, mtype, flags, attrs):
        """Sends one request and returns its errno (0 for success)."""
        self.seq += 1
        body = struct.pack("=BxHiII", socket.AF_UNSPEC, 0, 0, 0, 0) + attrs
        hdr = struct.pack("=IHHII", 16 + len(body), mtype,
                          flags | NLM_F_REQUEST | NLM_F_ACK, self.seq, 0)
        self.sock.send(hdr + body)
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                mlen, rtype, _, rseq, _ = struct.unpack_from("=IHHII", data,
                                                             off)
                if rtype == NLMSG_ERROR and rseq == self.seq:
                    return -struct.unpack_from("=i", data, off + 16)[0]
                off += (mlen + 3) & ~3

    def link_add(self, name):
        info = nla(IFLA_INFO_KIND, b"dmvpn\0")
        return self.request(RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL,
                            nla(IFLA_IFNAME, name.encode() + b"\0") +
                            nla(IFLA_LINKINFO | NLA_F_NESTED, info))

    def link_del(self, name):
        return self.request(RTM_DELLINK, 0,
                            nla(IFLA_IFNAME, name.encode() + b"\0"))


def link_exists(name):
    try:
        socket.if_nametoindex(name)
        return True
    except OSError:
        return False


class Cache:
    """The entries of one device, through a fresh genl socket (a request
    that failed may have left an unread reply on the old one)."""

    def __init__(self, dev):
        self.dev = dev
        self.nl = Genl("dmvpn")
        self.nl.sock.settimeout(ANSWER_TIMEOUT)

    def add(self, prefix, nbma="192.0.2.2", replace=False):
        words = [f"nbma={nbma}"] + (["replace"] if replace else [])
        self.nl.request(DMVPN_CMD_ENTRY_NEW,
                        entry_request(self.dev, prefix, words))

    def delete(self, prefix):
        self.nl.request(DMVPN_CMD_ENTRY_DEL, entry_request(self.dev, prefix))

    def nbma_of(self, prefix):
        """The entry's NBMA address, or None when there is no entry."""
        try:
            replies = self.nl.request(DMVPN_CMD_ENTRY_GET,
                                      entry_request(self.dev, prefix))
        except Refused as e:
            if e.err == errno.ENOENT:
                return None
            raise
        entry = parse_attrs(parse_attrs(replies[0])[DMVPN_A_ENTRY])
        return socket.inet_ntoa(entry[ENTRY_A["nbma"]])

    def count(self):
        ifindex = nla(DMVPN_A_IFINDEX,
                      struct.pack("=I", socket.if_nametoindex(self.dev)))
        return len(self.nl.request(DMVPN_CMD_ENTRY_GET, ifindex, dump=True))

    def flush(self):
        ifindex = nla(DMVPN_A_IFINDEX,
                      struct.pack("=I", socket.if_nametoindex(self.dev)))
        self.nl.request(DMVPN_CMD_ENTRY_FLUSH, ifindex)

    def works(self, check):
        """A probe entry can be added, read back and removed."""
        try:
            self.add("10.254.254.254", nbma="192.0.2.254")
            ok = self.nbma_of("10.254.254.254") == "192.0.2.254"
            self.delete("10.254.254.254")
        except Refused as e:
            ok = False
            print(f"# probe refused: {e}")
        return check.expect(ok, f"{self.dev} still adds, gets and deletes")


# Each OP: prepare() (injection off), attempt() (the one request, injection
# armed; returns the errno, 0 for success), verify(err) and restore()
# (injection off).

class Op:
    def __init__(self, dev, check):
        self.dev = dev
        self.check = check
        self.cache = None

    def prepare(self):
        self.cache = Cache(self.dev)

    def verify(self, err):
        pass

    def restore(self):
        pass


class LinkAdd(Op):
    def prepare(self):
        self.rtnl = Rtnl()

    def attempt(self):
        return self.rtnl.link_add(self.dev)

    def verify(self, err):
        self.check.expect(link_exists(self.dev) == (err == 0),
                          f"link add {'succeeded' if err == 0 else 'failed'}"
                          f" and {self.dev} {'exists' if link_exists(self.dev) else 'does not exist'}")
        if err == 0:
            Cache(self.dev).works(self.check)

    def restore(self):
        if link_exists(self.dev):
            self.check.expect(Rtnl().link_del(self.dev) == 0,
                              f"{self.dev} can be deleted")


class LinkDel(Op):
    def prepare(self):
        rtnl = Rtnl()
        if not link_exists(self.dev):
            self.check.expect(rtnl.link_add(self.dev) == 0,
                              f"{self.dev} can be made")
        cache = Cache(self.dev)
        for prefix in ("10.1.0.0/16", "10.2.2.0/24", "10.3.3.3"):
            cache.add(prefix)
        self.rtnl = Rtnl()

    def attempt(self):
        return self.rtnl.link_del(self.dev)

    def verify(self, err):
        self.check.expect(link_exists(self.dev) == (err != 0),
                          f"link del {'succeeded' if err == 0 else 'failed'}"
                          f" and {self.dev} {'exists' if link_exists(self.dev) else 'is gone'}")

    def restore(self):
        if link_exists(self.dev):
            Cache(self.dev).flush()


class CacheAdd(Op):
    prefix = "10.20.30.0/24"

    def attempt(self):
        self.cache.add(self.prefix)

    def verify(self, err):
        nbma = Cache(self.dev).nbma_of(self.prefix)
        self.check.expect((nbma is not None) == (err == 0),
                          f"add {'succeeded' if err == 0 else 'failed'}"
                          f" and the entry {'exists' if nbma else 'is missing'}")

    def restore(self):
        if Cache(self.dev).nbma_of(self.prefix) is not None:
            Cache(self.dev).delete(self.prefix)


class CacheReplace(Op):
    prefix = "10.20.31.0/24"

    def prepare(self):
        super().prepare()
        self.cache.add(self.prefix, nbma="192.0.2.2")

    def attempt(self):
        self.cache.add(self.prefix, nbma="192.0.2.3", replace=True)

    def verify(self, err):
        nbma = Cache(self.dev).nbma_of(self.prefix)
        want = "192.0.2.3" if err == 0 else "192.0.2.2"
        self.check.expect(nbma == want,
                          f"replace {'succeeded' if err == 0 else 'failed'}"
                          f" and the entry's NBMA is {nbma}, not {want}")

    def restore(self):
        Cache(self.dev).delete(self.prefix)


class CacheDel(Op):
    prefix = "10.20.32.0/23"

    def prepare(self):
        super().prepare()
        self.cache.add(self.prefix)

    def attempt(self):
        self.cache.delete(self.prefix)

    def verify(self, err):
        nbma = Cache(self.dev).nbma_of(self.prefix)
        self.check.expect((nbma is None) == (err == 0),
                          f"del {'succeeded' if err == 0 else 'failed'}"
                          f" and the entry {'is gone' if nbma is None else 'exists'}")

    def restore(self):
        if Cache(self.dev).nbma_of(self.prefix) is not None:
            Cache(self.dev).delete(self.prefix)


class CacheFlush(Op):
    prefixes = ("10.40.0.0/16", "10.41.1.0/24", "10.42.2.2")

    def prepare(self):
        super().prepare()
        for prefix in self.prefixes:
            self.cache.add(prefix)

    def attempt(self):
        self.cache.flush()

    def verify(self, err):
        left = Cache(self.dev).count()
        if err == 0:
            self.check.expect(left == 0, f"flush succeeded and left {left}")

    def restore(self):
        Cache(self.dev).flush()


class CacheGet(Op):
    prefix = "10.50.0.0/24"

    def prepare(self):
        super().prepare()
        self.cache.add(self.prefix)

    def attempt(self):
        self.check.expect(self.cache.nbma_of(self.prefix) == "192.0.2.2",
                          "get found the entry")

    def restore(self):
        Cache(self.dev).delete(self.prefix)


class CacheDump(Op):
    entries = 300

    def prepare(self):
        super().prepare()
        if Cache(self.dev).count() != self.entries:
            Cache(self.dev).flush()
            add_many(Genl("dmvpn"), self.dev, self.entries, "192.0.2.2")

    def attempt(self):
        got = self.cache.count()
        self.check.expect(got == self.entries,
                          f"dump succeeded with {got} of {self.entries}")


OPS = {
    "link-add": LinkAdd, "link-del": LinkDel, "cache-add": CacheAdd,
    "cache-replace": CacheReplace, "cache-del": CacheDel,
    "cache-flush": CacheFlush, "cache-get": CacheGet, "cache-dump": CacheDump,
}


def set_verbose(level):
    for attr in FAULT_ATTRS:
        with open(f"{attr}/verbose", "w") as f:
            f.write(str(level))


class KernelLog:
    """What the kernel logs from now on (/dev/kmsg, read without waiting)."""

    def __init__(self):
        self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        os.lseek(self.fd, 0, os.SEEK_END)

    def read(self):
        text = []
        while True:
            try:
                text.append(os.read(self.fd, 8192).decode(errors="replace"))
            except BlockingIOError:
                return "".join(text)
            except BrokenPipeError:
                continue	# records overwritten meanwhile: read on

    def close(self):
        os.close(self.fd)


def kernel_errno(err, log):
    """Whether err is the kernel's own answer to the failed allocation
    (KERNEL_ERRNOS), as the failure's stack in log (what the kernel logged
    during the attempt) shows."""
    frames = KERNEL_ERRNOS.get(err)
    if not frames or "FAULT_INJECTION" not in log:
        return False
    missing = [frame for frame in frames if f" {frame}+" not in log]
    if missing:
        print(f"(the failure's stack lacks {', '.join(missing)})", end=" ")
        return False
    print(f"({errno.errorcode[err]} from {frames[0]} in {frames[1]})", end=" ")
    return True


def run_attempt(op):
    """The armed request; returns its errno (0: success)."""
    try:
        err = op.attempt() or 0
    except Refused as e:
        print(f"{e}", end=" ")
        err = e.err
    except socket.timeout:
        print(f"no answer in {ANSWER_TIMEOUT} s", end=" ")
        err = errno.ETIMEDOUT
    except OSError as e:
        # A dump whose part could not be allocated: the socket says so.
        print(f"{e}", end=" ")
        err = e.errno or errno.EIO
    return err


def main(argv):
    if len(argv) != 3 or argv[1] not in OPS:
        print(__doc__, file=sys.stderr)
        return 2
    check = Checker()
    op = OPS[argv[1]](argv[2], check)
    refused = 0
    points = 0
    started = time.monotonic()
    # Each injected failure dumps its stack: an errno other than an
    # allocation failure's needs it as evidence (KERNEL_ERRNOS).
    set_verbose(2)
    kmsg = KernelLog()
    for n in range(1, MAX_POINTS + 1):
        attempt_started = time.monotonic()
        op.prepare()
        kmsg.read()
        fail_nth(n)
        err = run_attempt(op)
        reached = not fail_nth_pending()
        fail_nth(0)
        log = kmsg.read()
        outcome = "ok" if err == 0 else errno.errorcode.get(err, err)
        if err:
            refused += 1
            check.expect(reached, f"attempt {n} failed with no failure injected")
        op.verify(err)
        op.restore()
        if err and err not in ALLOWED_ERRNOS:
            check.expect(kernel_errno(err, log),
                         f"attempt {n}: {errno.errorcode.get(err, err)} is not"
                         " an allocation failure's error")
        print(f"{n} {outcome} {time.monotonic() - attempt_started:.1f}s",
              flush=True)
        if not reached:
            points = n - 1
            break
    else:
        check.expect(False, f"more than {MAX_POINTS} allocation points")
    kmsg.close()
    set_verbose(0)
    print(f"{argv[1]}: {points} allocation points, {refused} failed requests,"
          f" {time.monotonic() - started:.0f} s")
    return 1 if check.failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""dmvpn_genl.py: talk to the "dmvpn" generic netlink family directly.

For the selftests: says exactly what the kernel answered (errno name and
extended ack), sends requests the CLI would refuse before the kernel sees
them, adds many entries quickly, and counts the parts of a dump.  Python
standard library only.

Usage:
  dmvpn_genl.py add DEV PREFIX [ATTR=VALUE...] [replace]
      DMVPN_CMD_ENTRY_NEW with the prefix (A.B.C.D[/LEN] or X:X::X[/LEN];
      the length goes as DMVPN_ENTRY_A_PREFIXLEN, unchecked, so /33 is
      possible).  ATTR is nbma (A.B.C.D), type (a number), flags, holdtime,
      priority, mark, ipsec_mark, ipsec_mask (numbers).  "replace" adds
      DMVPN_A_REPLACE.
  dmvpn_genl.py del DEV PREFIX
  dmvpn_genl.py get DEV PREFIX
      prints the entry as ATTR=VALUE words.
  dmvpn_genl.py add-many DEV COUNT NBMA [distinct]
      adds COUNT static host entries 10.128.0.0 + i (i = 0..COUNT-1), with
      up to 64 requests in flight; prints "added COUNT".  With "distinct",
      entry i goes to NBMA + i, one peer each.
  dmvpn_genl.py dump DEV
      dumps the cache; prints "entries N unique U parts P": N entries,
      U distinct prefixes, received in P datagrams.
  dmvpn_genl.py hold-dump DEV
      starts a dump of the cache and never reads it: prints "holding"
      once the request is sent, then waits until stdin closes (or it is
      killed), the dump still in progress.
  dmvpn_genl.py join-events
      joins the "events" multicast group (NETLINK_ADD_MEMBERSHIP); prints
      "joined", or fails with the errno name.
  dmvpn_genl.py batch
      reads commands (add, del, get: the words after "dmvpn_genl.py", one
      command a line) from stdin, runs them in order on one socket and
      prints one line for each: "ok" (after the entry, for get) or
      "Error: ENAME: message".  Saves starting Python for every request.

Exit status: 0 when the kernel accepted, 1 when it refused (the errno name
and the kernel's message are printed as "Error: ENAME: message"), 2 for a
usage error.
"""

import errno
import ipaddress
import socket
import struct
import sys

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_DUMP = 0x300
NLM_F_ACK_TLVS = 0x200
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000

GENL_ID_CTRL = 0x10
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2
NETLINK_ADD_MEMBERSHIP = 1

# kmod/uapi/dmvpn.h
DMVPN_CMD_ENTRY_NEW = 1
DMVPN_CMD_ENTRY_DEL = 2
DMVPN_CMD_ENTRY_GET = 3
DMVPN_A_IFINDEX = 1
DMVPN_A_ENTRY = 3
DMVPN_A_REPLACE = 8
ENTRY_A = {
    "family": 1, "prefix": 2, "prefixlen": 3, "nbma": 4, "type": 5,
    "flags": 6, "holdtime": 7, "priority": 8, "mark": 9, "used_msecs": 10,
    "tx_packets": 11, "tx_bytes": 12, "pad": 13, "ipsec_mark": 14,
    "ipsec_mask": 15,
}
ENTRY_A_NAME = {v: k for k, v in ENTRY_A.items()}


def nla(atype, payload):
    """One attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * (-len(payload) % 4)


def parse_attrs(data):
    """{type: payload} of a run of attributes (flags bits masked off)."""
    attrs = {}
    off = 0
    while off + 4 <= len(data):
        alen, atype = struct.unpack_from("=HH", data, off)
        if alen < 4:
            break
        attrs[atype & 0x3FFF] = data[off + 4:off + alen]
        off += (alen + 3) & ~3
    return attrs


class Refused(Exception):
    """The kernel answered with an error."""

    def __init__(self, err, text):
        super().__init__(err, text)
        self.err = err
        self.text = text

    def __str__(self):
        name = errno.errorcode.get(self.err, str(self.err))
        return f"{name}: {self.text}" if self.text else name


class Genl:
    """A generic netlink socket bound to one family."""

    def __init__(self, family_name):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.bind((0, 0))
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.seq = 0
        self.family = GENL_ID_CTRL
        reply = self.request(CTRL_CMD_GETFAMILY,
                             nla(CTRL_ATTR_FAMILY_NAME,
                                 family_name.encode() + b"\0"))
        attrs = parse_attrs(reply[0])
        self.family = struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID])[0]
        self.mcast_groups = {}
        for group in parse_attrs(attrs.get(CTRL_ATTR_MCAST_GROUPS,
                                           b"")).values():
            group = parse_attrs(group)
            name = group[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
            self.mcast_groups[name] = struct.unpack(
                "=I", group[CTRL_ATTR_MCAST_GRP_ID])[0]

    def send(self, cmd, payload, flags):
        self.seq += 1
        body = struct.pack("=BBH", cmd, 1, 0) + payload
        hdr = struct.pack("=IHHII", 16 + len(body), self.family,
                          flags | NLM_F_REQUEST, self.seq, 0)
        self.sock.send(hdr + body)
        return self.seq

    def messages(self):
        """Yields (type, flags, seq, payload) of one datagram's messages."""
        data = self.sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, mflags, mseq, _ = struct.unpack_from("=IHHII",
                                                              data, off)
            yield mtype, mflags, mseq, data[off + 16:off + mlen]
            off += (mlen + 3) & ~3

    @staticmethod
    def error_of(flags, payload):
        """(errno, extack text) of an NLMSG_ERROR payload."""
        err = -struct.unpack_from("=i", payload)[0]
        text = ""
        if flags & NLM_F_ACK_TLVS:
            # Capped ack: the error, then the request's header only.
            tlvs = parse_attrs(payload[4 + 16:])
            if NLMSGERR_ATTR_MSG in tlvs:
                text = tlvs[NLMSGERR_ATTR_MSG].rstrip(b"\0").decode()
        return err, text

    def request(self, cmd, payload, dump=False):
        """Sends one request; returns the genl payloads (after the genl
        header) of its replies, or raises Refused."""
        seq = self.send(cmd, payload, NLM_F_DUMP if dump else NLM_F_ACK)
        replies = []
        self.parts = 0
        while True:
            counted = False
            for mtype, mflags, mseq, body in self.messages():
                if mseq != seq:
                    continue
                if mtype == NLMSG_ERROR:
                    err, text = self.error_of(mflags, body)
                    if err:
                        raise Refused(err, text)
                    return replies
                if mtype == NLMSG_DONE:
                    err = -struct.unpack_from("=i", body)[0] if body else 0
                    if err:
                        raise Refused(err, "")
                    return replies
                # A reply (its ack follows), or one entry of a dump.
                if not counted:
                    self.parts += 1
                    counted = True
                replies.append(body[4:])


def prefix_attrs(text):
    """Family, prefix and length attributes of "ADDR[/LEN]"."""
    addr, _, plen = text.partition("/")
    ip = ipaddress.ip_address(addr)
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    out = nla(ENTRY_A["family"], struct.pack("=B", family))
    out += nla(ENTRY_A["prefix"], ip.packed)
    if plen:
        out += nla(ENTRY_A["prefixlen"], struct.pack("=B", int(plen)))
    return out


def entry_request(dev, prefix, words=()):
    """DMVPN_A_IFINDEX and the DMVPN_A_ENTRY nest of a request."""
    inner = prefix_attrs(prefix)
    replace = False
    for word in words:
        if word == "replace":
            replace = True
            continue
        name, sep, value = word.partition("=")
        if not sep or name not in ENTRY_A:
            raise ValueError(f"bad attribute '{word}'")
        if name == "nbma":
            inner += nla(ENTRY_A[name], socket.inet_aton(value))
        elif name == "type":
            inner += nla(ENTRY_A[name], struct.pack("=B", int(value, 0)))
        else:
            inner += nla(ENTRY_A[name], struct.pack("=I", int(value, 0)))
    out = nla(DMVPN_A_IFINDEX, struct.pack("=I", socket.if_nametoindex(dev)))
    out += nla(DMVPN_A_ENTRY | NLA_F_NESTED, inner)
    if replace:
        out += nla(DMVPN_A_REPLACE, b"")
    return out


def format_entry(payload):
    """ATTR=VALUE words of a reply's DMVPN_A_ENTRY."""
    entry = parse_attrs(parse_attrs(payload)[DMVPN_A_ENTRY])
    words = []
    family = entry[ENTRY_A["family"]][0]
    for atype in sorted(entry):
        name = ENTRY_A_NAME.get(atype, str(atype))
        value = entry[atype]
        if name == "prefix":
            fam = socket.AF_INET if family == socket.AF_INET else socket.AF_INET6
            text = socket.inet_ntop(fam, value)
        elif name == "nbma":
            text = socket.inet_ntoa(value)
        elif len(value) in (1, 4, 8):
            text = str(int.from_bytes(value, sys.byteorder))
        else:
            text = value.hex()
        words.append(f"{name}={text}")
    return " ".join(words)


def add_many(nl, dev, count, nbma, distinct=False):
    """Pipelined ENTRY_NEW of COUNT host entries; raises Refused."""
    nbma_base = int(ipaddress.IPv4Address(nbma))
    ifindex = nla(DMVPN_A_IFINDEX, struct.pack("=I", socket.if_nametoindex(dev)))
    base = int(ipaddress.IPv4Address("10.128.0.0"))
    sent = acked = 0
    window = 64
    while acked < count:
        while sent < count and sent - acked < window:
            inner = nla(ENTRY_A["family"], struct.pack("=B", socket.AF_INET))
            inner += nla(ENTRY_A["prefix"], struct.pack("!I", base + sent))
            inner += nla(ENTRY_A["nbma"], struct.pack(
                "!I", nbma_base + (sent if distinct else 0)))
            nl.send(DMVPN_CMD_ENTRY_NEW,
                    ifindex + nla(DMVPN_A_ENTRY | NLA_F_NESTED, inner),
                    NLM_F_ACK)
            sent += 1
        for mtype, mflags, _, body in nl.messages():
            if mtype != NLMSG_ERROR:
                continue
            err, text = nl.error_of(mflags, body)
            if err:
                raise Refused(err, text)
            acked += 1
    print(f"added {count}")


def run(nl, argv):
    """Runs one command (argv[1:] of the command line); False if it was
    not understood."""
    if argv[1:] == ["join-events"]:
        nl.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP,
                           nl.mcast_groups["events"])
        print("joined")
        return True
    cmd, dev = argv[1], argv[2]
    if cmd == "add" and len(argv) >= 4:
        nl.request(DMVPN_CMD_ENTRY_NEW, entry_request(dev, argv[3], argv[4:]))
    elif cmd == "del" and len(argv) == 4:
        nl.request(DMVPN_CMD_ENTRY_DEL, entry_request(dev, argv[3]))
    elif cmd == "get" and len(argv) == 4:
        for reply in nl.request(DMVPN_CMD_ENTRY_GET,
                                entry_request(dev, argv[3])):
            print(format_entry(reply))
    elif cmd == "add-many" and len(argv) == 5:
        add_many(nl, dev, int(argv[3]), argv[4])
    elif cmd == "add-many" and len(argv) == 6 and argv[5] == "distinct":
        add_many(nl, dev, int(argv[3]), argv[4], distinct=True)
    elif cmd == "dump" and len(argv) == 3:
        ifindex = socket.if_nametoindex(dev)
        replies = nl.request(DMVPN_CMD_ENTRY_GET,
                             nla(DMVPN_A_IFINDEX, struct.pack("=I", ifindex)),
                             dump=True)
        prefixes = set()
        for reply in replies:
            entry = parse_attrs(parse_attrs(reply)[DMVPN_A_ENTRY])
            prefixes.add((entry[ENTRY_A["prefix"]],
                          entry.get(ENTRY_A["prefixlen"])))
        print(f"entries {len(replies)} unique {len(prefixes)} "
              f"parts {nl.parts}")
    elif cmd == "hold-dump" and len(argv) == 3:
        # The kernel fills the first part while the request is sent; the
        # rest waits for a read that never comes.
        nl.send(DMVPN_CMD_ENTRY_GET,
                nla(DMVPN_A_IFINDEX,
                    struct.pack("=I", socket.if_nametoindex(dev))),
                NLM_F_DUMP)
        print("holding", flush=True)
        sys.stdin.read()
    else:
        return False
    return True


def batch(nl):
    """The batch command; returns the exit status."""
    status = 0
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        try:
            if len(words) < 2 or words[0] not in ("add", "del", "get") or \
                    not run(nl, ["batch"] + words):
                print(f"Error: cannot run '{line.strip()}'")
                status = 2
                continue
            print("ok")
        except Refused as e:
            print(f"Error: {e}")
        except (OSError, ValueError, KeyError) as e:
            print(f"Error: {e}")
        sys.stdout.flush()
    return status


def main(argv):
    if len(argv) == 2 and argv[1] == "batch":
        return batch(Genl("dmvpn"))
    if len(argv) < 3 and argv[1:] != ["join-events"]:
        print(__doc__, file=sys.stderr)
        return 2
    try:
        nl = Genl("dmvpn")
        if run(nl, argv):
            return 0
        print(__doc__, file=sys.stderr)
        return 2
    except Refused as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    except (OSError, ValueError, KeyError) as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1 if isinstance(e, OSError) else 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))

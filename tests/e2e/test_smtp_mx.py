#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# The outbound queue's MX lookup end to end, with no static route: the test
# re-executes itself in new network and mount namespaces (unshare), mounts a
# resolv.conf naming 127.0.0.1 over /etc/resolv.conf there, and answers
# balised's DNS queries with a small UDP responder written here. The mutual
# TLS SMTP sink of test_smtp_out.py listens on 127.0.0.1:25 (MX delivery is
# on port 25). Checks: delivery through an MX host, the RFC 5321 section
# 5.1 fall-back to the domain's address, null MX (5.1.10) and NXDOMAIN
# (5.1.2) as final failures with a French NDR. Needs root (exit 77 = SKIP
# otherwise). Stdlib only.
import fcntl
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_smtp_out as out  # noqa: E402
from harness import OPENSSL, Balise, check, run_tests, sh  # noqa: E402

NS_ENV = "BALISE_MX_NAMESPACES"
SKIP = 77
PASSWORD = out.PASSWORD

# name -> {qtype: [rdata]}; a name absent here is NXDOMAIN. good.test has
# no address of its own: mail for it can only go through its MX host.
T_A, T_MX, T_AAAA = 1, 15, 28
LOOPBACK = socket.inet_aton("127.0.0.1")


def mx_rdata(pref, host):
    return struct.pack("!H", pref) + encode_name(host)


def encode_name(name):
    labels = [x for x in name.rstrip(".").split(".") if x]
    return b"".join(bytes([len(x)]) + x.encode() for x in labels) + b"\0"


ZONE = {
    "good.test": {T_MX: [mx_rdata(10, "mx.good.test")]},
    "mx.good.test": {T_A: [LOOPBACK]},
    "nomx.test": {T_A: [LOOPBACK]},
    "nullmx.test": {T_MX: [mx_rdata(0, ".")]},
}


class Dns:
    """A UDP DNS responder on 127.0.0.1:53 for ZONE (authoritative; no
    record of the asked type gives an empty NOERROR answer, an unknown name
    NXDOMAIN)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 53))
        self.queries = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                pkt, peer = self.sock.recvfrom(4096)
            except OSError:
                return
            reply = self.answer(pkt)
            if reply is not None:
                self.sock.sendto(reply, peer)

    def answer(self, pkt):
        if len(pkt) < 12:
            return None
        qid, flags, qdcount = struct.unpack("!HHH", pkt[:6])
        if flags & 0x8000 or qdcount != 1:
            return None
        i, labels = 12, []
        while i < len(pkt) and pkt[i] != 0:
            n = pkt[i]
            labels.append(pkt[i + 1:i + 1 + n].decode("ascii", "replace"))
            i += 1 + n
        if i + 5 > len(pkt):
            return None
        question = pkt[12:i + 5]
        qtype = struct.unpack("!H", pkt[i + 1:i + 3])[0]
        name = ".".join(labels).lower()
        self.queries.append((name, qtype))
        records = ZONE.get(name)
        rcode = 3 if records is None else 0
        rrs = (records or {}).get(qtype, [])
        head = struct.pack("!HHHHHH", qid, 0x8400 | (flags & 0x0100) | 0x0080 | rcode, 1,
                           len(rrs), 0, 0)
        body = b"".join(struct.pack("!HHHIH", 0xC00C, qtype, 1, 60, len(rd)) + rd
                        for rd in rrs)
        return head + question + body

    def close(self):
        self.sock.close()


def sink_cert(b):
    """From the test CA, naming the MX host and the MX-less domain (the
    client checks the name it connected to)."""
    d = b.tmp
    key, csr, crt, ext = (os.path.join(d, "mx." + x) for x in ("key", "csr", "pem", "ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:mx.good.test,DNS:nomx.test\n")
    sh(OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", "/CN=mx.good.test")
    sh(OPENSSL, "x509", "-req", "-in", csr, "-CA", b.ca, "-CAkey", os.path.join(d, "ca.key"),
       "-CAcreateserial", "-out", crt, "-days", "2", "-sha256", "-extfile", ext)
    return crt, key


class Port25Sink(out.Sink):
    """test_smtp_out's sink, on the SMTP port."""

    def _run(self, started):
        self.port = 25
        super()._run(started)


SINK = None


def final_ndr(local, rcpt, status):
    """Queues a message from a new local BAL to rcpt; it must leave the
    queue and a French NDR with status come back to the sender."""
    sender = B.add_bal(local, PASSWORD)
    qid = out.inject("--from", sender, "--rcpt", rcpt, message=out.MESSAGE)
    out.until(out.gone(qid), "entry %d finished" % qid)
    msgs = out.until(lambda: out.inbox(sender), "the NDR in " + sender)
    check(len(msgs) == 1, "%d messages in INBOX" % len(msgs))
    ds = out.report_fields(msgs[0])
    check("Action: failed" in ds and "Status: %s\n" % status in ds.replace("\r\n", "\n"), ds)
    check(rcpt in ds, ds)
    text = out.french_text(msgs[0]).replace("\u2019", "'")
    check(rcpt in text and "n'a pas pu" in text, "French text: %r" % text)
    check(not any(rcpt in m["accepted"] for m in SINK.messages), "sent to the sink")


# ---------------------------------------------------------------- tests

def test_delivered_through_mx_host():
    before = len(SINK.messages)
    qid = out.inject("--from", "dr.martin@test.example", "--rcpt", "dest@good.test",
                     message=out.MESSAGE)
    out.until(out.gone(qid), "entry %d delivered and removed" % qid)
    check(len(SINK.messages) == before + 1, "sink got %d" % (len(SINK.messages) - before))
    check(SINK.messages[-1]["accepted"] == ["dest@good.test"], repr(SINK.messages[-1]))
    check(SINK.messages[-1]["data"] == out.MESSAGE, "bytes differ")
    check(("good.test", T_MX) in DNS.queries and ("mx.good.test", T_A) in DNS.queries,
          "queries %r" % DNS.queries)
    check("rcpt=<dest@good.test> host=mx.good.test reply=\"250" in B.output(), "log")
    check(out.queue() == {}, "queue not empty: %r" % out.queue())


def test_no_mx_falls_back_to_address():
    before = len(SINK.messages)
    qid = out.inject("--from", "dr.martin@test.example", "--rcpt", "dest@nomx.test")
    out.until(out.gone(qid), "entry %d delivered and removed" % qid)
    check(len(SINK.messages) == before + 1, "sink got %d" % (len(SINK.messages) - before))
    check(SINK.messages[-1]["accepted"] == ["dest@nomx.test"], repr(SINK.messages[-1]))
    check(("nomx.test", T_MX) in DNS.queries and ("nomx.test", T_A) in DNS.queries,
          "queries %r" % DNS.queries)
    check("rcpt=<dest@nomx.test> host=nomx.test reply=\"250" in B.output(), "log")
    check(out.queue() == {}, "queue not empty: %r" % out.queue())


def test_null_mx_is_final_5_1_10():
    final_ndr("nullmx.sender", "dest@nullmx.test", "5.1.10")
    check(("nullmx.test", T_A) not in DNS.queries, "address looked up despite a null MX")


def test_nxdomain_is_final_5_1_2():
    final_ndr("gone.sender", "dest@gone.test", "5.1.2")
    check(out.queue() == {}, "queue not empty: %r" % out.queue())


EXTRA_CONF = """
[tls]
ca = {ca}

[trust]
whitelist = {whitelist}

[queue]
poll_interval = 1s
retry_first = 1s
retry_factor = 2
retry_max = 2s
delay_notice = 1h
"""

B = DNS = None


def lo_up():
    """ip link set lo up, without iproute2 (SIOCGIFFLAGS / SIOCSIFFLAGS)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        req = struct.pack("16sH", b"lo", 0)
        flags = struct.unpack("16sH", fcntl.ioctl(s, 0x8913, req)[:18])[1]
        fcntl.ioctl(s, 0x8914, struct.pack("16sH", b"lo", flags | 1))


def private_resolver(tmp):
    """In this mount namespace only: resolv.conf -> 127.0.0.1, and hosts
    looked up in files then DNS."""
    sh("mount", "--make-rprivate", "/")
    conf = os.path.join(tmp, "resolv.conf")
    with open(conf, "w") as f:
        f.write("nameserver 127.0.0.1\noptions attempts:2 timeout:2\n")
    sh("mount", "--bind", conf, "/etc/resolv.conf")
    nss = os.path.join(tmp, "nsswitch.conf")
    try:
        with open("/etc/nsswitch.conf") as f:
            lines = [ln for ln in f if not ln.startswith("hosts:")]
    except OSError:
        lines = None
    if lines is not None:
        with open(nss, "w") as f:
            f.writelines(lines + ["hosts: files dns\n"])
        sh("mount", "--bind", nss, "/etc/nsswitch.conf")


def inner():
    global B, DNS, SINK
    tmp = tempfile.mkdtemp(prefix="balise-mx-ns-")
    try:
        lo_up()
        private_resolver(tmp)
        DNS = Dns()
    except (OSError, RuntimeError) as e:
        print("SKIP: cannot set up the test namespaces: %s" % e)
        shutil.rmtree(tmp, ignore_errors=True)
        return SKIP
    try:
        with Balise() as b:
            B = out.B = b
            SINK = Port25Sink(b, cert=sink_cert(b))
            wl = os.path.join(b.tmp, "whitelist.xml")
            with open(wl, "w") as f:
                f.write(out.whitelist([(d, "CN=mx.good.test") for d in
                                       ("good.test", "nomx.test", "nullmx.test", "gone.test")]))
            with open(b.conf, "a") as f:
                f.write(EXTRA_CONF.format(ca=b.ca, whitelist=wl))
            b.start()
            try:
                result = run_tests([
                    test_delivered_through_mx_host,
                    test_no_mx_falls_back_to_address,
                    test_null_mx_is_final_5_1_10,
                    test_nxdomain_is_final_5_1_2,
                ])
            finally:
                status = b.stop()
                SINK.close()
            if status != 0:
                print("FAIL balised exit status %r\n%s" % (status, b.output()[-3000:]))
                return 1
            return result
    finally:
        DNS.close()
        shutil.rmtree(tmp, ignore_errors=True)


def outer():
    """Re-runs this script as root in new network and mount namespaces."""
    if os.geteuid() != 0:
        print("SKIP: needs root (unshare --net --mount, ports 25 and 53)")
        return SKIP
    unshare = shutil.which("unshare")
    if unshare is None:
        print("SKIP: unshare (util-linux) not found")
        return SKIP
    probe = subprocess.run([unshare, "--net", "--mount", "true"], capture_output=True,
                           text=True, timeout=30)
    if probe.returncode != 0:
        print("SKIP: unshare --net --mount failed: %s" % probe.stderr.strip())
        return SKIP
    env = dict(os.environ, **{NS_ENV: "1"})
    return subprocess.run([unshare, "--net", "--mount", sys.executable,
                           os.path.abspath(__file__)], env=env).returncode


if __name__ == "__main__":
    sys.exit(inner() if os.environ.get(NS_ENV) == "1" else outer())

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Smoke test of the SMTP load generator (bench/smtpload) against a small
# asyncio STARTTLS SMTP sink written here: a client certificate from the
# test CA is required, every message is kept, and the test checks that each
# one arrived once, whole, with its id, over the expected number of sessions.
# Refusals (RCPT 550, a missing client certificate, a server offering
# STARTTLS again after TLS) must be counted as errors. Then against the real
# balised (whitelisted operator certificate), messages read back over IMAP,
# and a sender domain the whitelist refuses. No timing thresholds.
import asyncio
import imaplib
import os
import re
import ssl
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, sh  # noqa: E402

LOAD = os.path.join(harness.BUILD, "bench", "smtpload")
TIMEOUT = 120
CLIENT_DN = "/C=FR/O=Operateur Test/CN=mx.op.example"
P = {}


class Sink:
    """An SMTP server on a free loopback port in its own thread. refuse:
    recipients answered 550; restarttls: offer STARTTLS again after TLS."""

    def __init__(self, refuse=(), restarttls=False):
        self.refuse, self.restarttls = set(refuse), restarttls
        self.messages, self.sessions, self.peers, self.problems = [], 0, set(), []
        self.port = harness.free_port()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=P["ca"])
        ctx.load_cert_chain(P["cert"], P["key"])
        ctx.verify_mode = ssl.CERT_REQUIRED
        self.ctx = ctx
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def __enter__(self):
        self.thread.start()
        check(self.ready.wait(10), "sink did not start")
        return self

    def __exit__(self, *exc):
        asyncio.run_coroutine_threadsafe(self.shutdown(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)

    async def shutdown(self):
        """Ends the sessions still open (a refused handshake leaves one)."""
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def run(self):
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(asyncio.start_server(self.session, "127.0.0.1", self.port))
        self.ready.set()
        self.loop.run_forever()

    async def session(self, reader, writer):
        self.sessions += 1
        try:
            await self.dialogue(reader, writer)
        except (ConnectionError, ssl.SSLError, asyncio.IncompleteReadError) as e:
            self.problems.append(repr(e))
        finally:
            writer.close()

    async def dialogue(self, reader, writer):
        tls, mail, rcpts = False, None, []

        async def reply(text):
            writer.write(text.encode() + b"\r\n")
            await writer.drain()

        await reply("220 sink.test ESMTP")
        while True:
            line = await reader.readline()
            if not line:
                return
            cmd = line.decode().rstrip("\r\n")
            verb = cmd[:4].upper()
            if verb == "EHLO":
                caps = ["PIPELINING", "8BITMIME"]
                if not tls or self.restarttls:
                    caps.append("STARTTLS")
                await reply("250-sink.test\r\n" + "\r\n".join(
                    ("250-" if i < len(caps) - 1 else "250 ") + c for i, c in enumerate(caps)))
            elif cmd.upper() == "STARTTLS" and not tls:
                await reply("220 2.0.0 go ahead")
                await writer.start_tls(self.ctx)
                tls = True
                subject = dict(x[0] for x in writer.get_extra_info("peercert")["subject"])
                self.peers.add(subject["commonName"])
            elif not tls:
                await reply("530 5.7.0 STARTTLS first")
            elif verb == "MAIL":
                mail, rcpts = cmd, []
                await reply("250 2.1.0 ok")
            elif verb == "RCPT":
                addr = re.search(r"<([^>]*)>", cmd).group(1)
                if addr in self.refuse:
                    await reply("550 5.1.1 unknown")
                else:
                    rcpts.append(addr)
                    await reply("250 2.1.5 ok")
            elif verb == "DATA":
                if mail is None or not rcpts:
                    await reply("503 5.5.1 no valid recipients")
                    continue
                await reply("354 go")
                self.messages.append((rcpts, await read_data(reader)))
                mail, rcpts = None, []
                await reply("250 2.0.0 stored")
            elif verb == "RSET":
                mail, rcpts = None, []
                await reply("250 2.0.0 ok")
            elif verb == "QUIT":
                await reply("221 2.0.0 bye")
                return
            else:
                await reply("500 5.5.2 what")


async def read_data(reader):
    lines = []
    while True:
        line = await reader.readline()
        if line in (b".\r\n", b""):
            return b"".join(lines)
        lines.append(line[1:] if line.startswith(b".") else line)


def issue_client(d, ca):
    """The sending operator's certificate (CLIENT_DN) from the CA ca of d."""
    key, csr, crt = (os.path.join(d, "client." + x) for x in ("key", "csr", "pem"))
    sh(harness.OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", CLIENT_DN)
    sh(harness.OPENSSL, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey",
       os.path.join(d, "ca.key"), "-CAcreateserial", "-out", crt, "-days", "2", "-sha256")
    return crt, key


def make_pki():
    d = harness.tempfile.mkdtemp(prefix="balise-smtpload-")
    P["dir"] = d
    P["ca"], P["cert"], P["key"] = harness.make_pki(d)
    P["client"], P["client_key"] = issue_client(d, P["ca"])


def load(sink, *extra, cert=True, messages=60, sessions=4, size=3000, rcpts=("a@x.test",)):
    args = [LOAD, "-p", str(sink.port), "-a", P["ca"], "-N", "localhost", "-f", "s@op.example",
            "-n", str(sessions), "-m", str(messages), "-s", str(size), "-i", "smoke", "-t", "30"]
    if cert:
        args += ["-c", P["client"], "-k", P["client_key"]]
    for r in rcpts:
        args += ["-r", r]
    r = subprocess.run(args + list(extra), capture_output=True, text=True, timeout=TIMEOUT)
    fields = dict(kv.split("=", 1) for kv in r.stdout.split())
    return r.returncode, {k: int(v) for k, v in fields.items() if v.isdigit()}, r.stderr


def ids_of(sink):
    found = []
    for _, msg in sink.messages:
        m = re.search(rb"^X-Smtpload-Id: (\S+)\r$", msg, re.M)
        check(m is not None, "message without X-Smtpload-Id")
        ident = m.group(1).decode()
        check(("smtpload message %s" % ident).encode() in msg, "id missing from the body")
        found.append(ident)
    return found


def every_message_once(extra=()):
    with Sink() as sink:
        rc, out, err = load(sink, *extra, rcpts=("a@x.test", "b@x.test"))
    check(rc == 0 and out["errors"] == 0 and out["ok"] == 60, (rc, out, err))
    check(sorted(ids_of(sink)) == ["smoke-%08d" % i for i in range(60)], "ids differ")
    check(all(len(msg) == 3000 for _, msg in sink.messages), "a message is not 3000 bytes")
    check(sink.sessions == 4 and sink.peers == {"mx.op.example"}, (sink.sessions, sink.peers))
    # message i goes to the (i mod 2)th recipient
    for rcpts, msg in sink.messages:
        n = int(re.search(rb"smoke-(\d+)", msg).group(1))
        check(rcpts == [("a@x.test", "b@x.test")[n % 2]], "message %d went to %s" % (n, rcpts))
    check(not sink.problems, sink.problems)


def test_sequential():
    every_message_once()


def test_pipelined():
    every_message_once(["-P"])


def test_refused_recipient_counted():
    for extra in ([], ["-P"]):
        with Sink(refuse={"b@x.test"}) as sink:
            rc, out, err = load(sink, *extra, messages=20, sessions=2,
                                rcpts=("a@x.test", "b@x.test"))
        check(rc == 1 and out["ok"] == 10 and out["failed"] == 10 and out["errors"] == 10,
              (extra, rc, out, err))
        check("RCPT: 550 5.1.1" in err, err)
        check(len(sink.messages) == 10, len(sink.messages))


def test_no_client_certificate():
    with Sink() as sink:
        rc, out, err = load(sink, cert=False, messages=5, sessions=2)
    check(rc == 1 and out["ok"] == 0 and out["failed"] == 5 and out["errors"] >= 2,
          (rc, out, err))
    check(not sink.messages, "a message got through without a client certificate")


def test_starttls_offered_again():
    with Sink(restarttls=True) as sink:
        rc, out, err = load(sink, messages=4, sessions=1)
    check(rc == 1 and out["errors"] == 1 and "STARTTLS offered again" in err, (rc, out, err))


def test_wrong_server_ca():
    with Sink() as sink:
        own = os.path.join(P["dir"], "other-ca.pem")
        sh(harness.OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
           os.path.join(P["dir"], "other-ca.key"), "-out", own, "-days", "2", "-subj", "/CN=x")
        args = [LOAD, "-p", str(sink.port), "-a", own, "-c", P["client"], "-k",
                P["client_key"], "-f", "s@op.example", "-r", "a@x.test", "-n", "1", "-m", "2"]
        r = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
    check(r.returncode == 1 and "certificate" in r.stderr, (r.returncode, r.stderr))
    check(not sink.messages, "sent to a server the CA did not sign")


WHITELIST = """<?xml version="1.0" encoding="UTF-8"?>
<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">
<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration><ListeDomaines>
<Domaine><Nom>op.example</Nom><DNCertificatOperateur>%s</DNCertificatOperateur></Domaine>
</ListeDomaines></ListeBlancheMSSante>
"""


def inbox_ids(b, addr, password):
    c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(), timeout=60)
    c.login(addr, password)
    typ, data = c.select("INBOX", readonly=True)
    ids = []
    if typ == "OK" and int(data[0]) > 0:
        typ, data = c.fetch("1:*", "(BODY.PEEK[])")
        for d in data:
            if isinstance(d, tuple):
                m = re.search(rb"^X-Smtpload-Id: (\S+)\r$", d[1], re.M)
                check(m is not None and b"smtpload message " + m.group(1) in d[1],
                      "stored message without its id")
                ids.append(m.group(1).decode())
    c.logout()
    return ids


def test_balised():
    """The generator against the real balised: operator certificate from the
    test CA, its DN whitelisted for op.example; every message stored once."""
    with harness.Balise(msg_max="64K") as b:
        b.smtp_port = harness.free_port()
        client = issue_client(b.tmp, b.ca)
        wl = os.path.join(b.tmp, "whitelist.xml")
        dn = sh(harness.OPENSSL, "x509", "-in", client[0], "-noout", "-subject", "-nameopt",
                "RFC2253").strip().removeprefix("subject=")
        with open(wl, "w") as f:
            f.write(WHITELIST % dn)
        conf = open(b.conf).read()
        conf = conf.replace("[listen]\n", "[listen]\nsmtp = 127.0.0.1:%d\n" % b.smtp_port)
        conf = conf.replace("[tls]\n", "[tls]\nca = %s\n" % b.ca)
        open(b.conf, "w").write(conf + "\n[trust]\nwhitelist = %s\n" % wl)
        users = [b.add_bal(u, "pw-" + u) for u in ("alice", "bob")]
        b.start()
        args = [LOAD, "-p", str(b.smtp_port), "-a", b.ca, "-N", "localhost", "-c", client[0],
                "-k", client[1], "-f", "s@op.example", "-r", users[0], "-r", users[1],
                "-n", "4", "-m", "40", "-s", "4000", "-i", "bal", "-t", "60"]
        for extra in ([], ["-P"]):
            r = subprocess.run(args + extra, capture_output=True, text=True, timeout=TIMEOUT)
            check(r.returncode == 0 and "ok=40 failed=0 errors=0" in r.stdout,
                  (extra, r.returncode, r.stdout, r.stderr))
        for i, u in enumerate(users):
            ids = inbox_ids(b, u, "pw-" + u.split("@")[0])
            want = ["bal-%08d" % n for n in range(40) if n % 2 == i]
            check(sorted(ids) == sorted(want * 2), "%s: %d messages, ids differ" % (u, len(ids)))
        # a sender domain the whitelist does not list for this certificate
        r = subprocess.run([a if a != "s@op.example" else "s@other.example" for a in args],
                           capture_output=True, text=True, timeout=TIMEOUT)
        check(r.returncode == 1 and "ok=0 failed=40" in r.stdout and "MAIL: 550 5.7.1" in r.stderr,
              (r.returncode, r.stdout, r.stderr))


def main():
    make_pki()
    try:
        return harness.run_tests([test_sequential, test_pipelined, test_refused_recipient_counted,
                                  test_no_client_certificate, test_starttls_offered_again,
                                  test_wrong_server_ca, test_balised])
    finally:
        harness.shutil.rmtree(P["dir"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())

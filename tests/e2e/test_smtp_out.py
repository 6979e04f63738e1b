#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# The outbound queue end to end: balised's queue runner delivers entries
# (added with tests/e2e/queue_inject) over static routes to SMTP sinks
# written here with asyncio + ssl (STARTTLS, client certificate required
# and checked against the test CA, per-recipient replies, with or without
# DSN), and the French reports come back into the sender's INBOX, read over
# IMAP. Stdlib only.
import asyncio
import email
import email.policy
import imaplib
import json
import os
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD, OPENSSL, Balise, check, free_port, make_pki, run_tests, sh  # noqa: E402

INJECT = os.path.join(BUILD, "tests", "e2e", "queue_inject")
WAIT = 30.0  # sanitizer builds are slow
PASSWORD = "correct horse battery"
NEVER, SUCCESS, FAILURE, DELAY = 1, 2, 4, 8  # storage/balstore.h enum store_qnotify
POLICY_VERSIONS = ("TLSv1.2", "TLSv1.3")
POLICY_CIPHERS = ("TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256",
                  "TLS_AES_128_GCM_SHA256", "ECDHE-RSA-AES256-GCM-SHA384",
                  "ECDHE-RSA-AES128-GCM-SHA256", "DHE-RSA-AES256-GCM-SHA384",
                  "DHE-RSA-AES128-GCM-SHA256")

# A message whose exact bytes must arrive: a line made of one dot, a line
# starting with dots, 8-bit text, CRLF line ends.
MESSAGE = (b"From: <dr.martin@test.example>\r\n"
           b"To: <dest@other.test>\r\n"
           b"Subject: =?utf-8?q?R=C3=A9sultats?=\r\n"
           b"Message-ID: <out-1@test.example>\r\n"
           b"MIME-Version: 1.0\r\n"
           b"Content-Type: text/plain; charset=utf-8\r\n"
           b"Content-Transfer-Encoding: 8bit\r\n"
           b"\r\n"
           b"Bonjour,\r\n"
           b".\r\n"
           b"..deux points\r\n"
           b"R\xc3\xa9sultats d'analyse ci-joints.\r\n")


class Sink:
    """An SMTP server on its own thread: STARTTLS with a required client
    certificate (test CA), replies chosen per recipient by rcpt(addr, n)
    where n counts earlier RCPTs of that address."""

    def __init__(self, b, starttls=True, dsn=False, rcpt=None, data_reply="250 2.0.0 Ok queued",
                 smtputf8=True, cert=None, data_delay=0):
        self.offer_starttls, self.dsn, self.smtputf8 = starttls, dsn, smtputf8
        self.rcpt = rcpt or (lambda addr, n: "250 2.1.5 Ok")
        self.data_reply, self.data_delay = data_reply, data_delay
        self.connections, self.messages, self.commands = 0, [], []
        self.seen = {}
        self.ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH, cafile=b.ca)
        self.ctx.load_cert_chain(*(cert or (b.cert, b.key)))
        self.ctx.verify_mode = ssl.CERT_REQUIRED
        self.port = free_port()
        self.loop = asyncio.new_event_loop()
        started = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(started,), daemon=True)
        self.thread.start()
        started.wait(10)

    def _run(self, started):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._session, "127.0.0.1", self.port))
        started.set()
        self.loop.run_forever()

    def close(self):
        def stop():
            self.server.close()
            self.loop.stop()
        self.loop.call_soon_threadsafe(stop)
        self.thread.join(10)
        # Sessions still open (the slow sink) are dropped without a word.
        self.loop.set_exception_handler(lambda loop, ctx: None)

    async def _session(self, reader, writer):
        self.connections += 1
        st = {"tls": None, "mail": None, "rcpts": [], "accepted": []}

        async def say(line):
            writer.write(line.encode() + b"\r\n")
            await writer.drain()

        await say("220 sink.other.test ESMTP")
        try:
            while True:
                raw = await reader.readline()
                if not raw:
                    break
                cmd = raw.decode("utf-8", "replace").rstrip("\r\n")
                self.commands.append(cmd)
                if not await self._command(cmd, st, say, reader, writer):
                    break
        except (ConnectionError, ssl.SSLError):
            pass
        writer.close()

    def _ehlo_lines(self, tls):
        ext = ["sink.other.test", "PIPELINING", "SIZE 10485760", "8BITMIME",
               "ENHANCEDSTATUSCODES"] + (["SMTPUTF8"] if self.smtputf8 else [])
        if self.offer_starttls and tls is None:
            ext.append("STARTTLS")
        if self.dsn:
            ext.append("DSN")
        return ["250-" + e for e in ext[:-1]] + ["250 " + ext[-1]]

    async def _command(self, cmd, st, say, reader, writer):
        verb = cmd.split(" ", 1)[0].upper()
        if verb == "EHLO":
            for line in self._ehlo_lines(st["tls"]):
                await say(line)
        elif verb == "STARTTLS" and self.offer_starttls and st["tls"] is None:
            await say("220 2.0.0 Go ahead")
            await writer.start_tls(self.ctx)
            obj = writer.get_extra_info("ssl_object")
            st["tls"] = {"peer": obj.getpeercert(), "version": obj.version(),
                         "cipher": obj.cipher()[0]}
        elif verb == "MAIL":
            if st["tls"] is None:
                await say("530 5.7.0 Must issue a STARTTLS command first")
            else:
                st["mail"], st["rcpts"], st["accepted"] = cmd, [], []
                await say("250 2.1.0 Ok")
        elif verb == "RCPT":
            addr = cmd[cmd.index("<") + 1:cmd.index(">")]
            n = self.seen.get(addr, 0)
            self.seen[addr] = n + 1
            reply = self.rcpt(addr, n)
            st["rcpts"].append(cmd)
            if reply.startswith("2"):
                st["accepted"].append(addr)
            await say(reply)
        elif verb == "DATA":
            if not st["accepted"]:
                await say("554 5.5.1 No valid recipients")
                return True
            await say("354 End data with <CR><LF>.<CR><LF>")
            data = bytearray()
            while True:
                line = await reader.readline()
                if line == b".\r\n" or not line:
                    break
                data += line[1:] if line.startswith(b".") else line
            self.messages.append({"mail": st["mail"], "rcpts": st["rcpts"],
                                  "accepted": st["accepted"], "data": bytes(data),
                                  "tls": st["tls"]})
            await asyncio.sleep(self.data_delay)
            await say(self.data_reply)
        elif verb == "RSET":
            st["mail"], st["rcpts"], st["accepted"] = None, [], []
            await say("250 2.0.0 Ok")
        elif verb == "QUIT":
            await say("221 2.0.0 Bye")
            return False
        else:
            await say("502 5.5.2 Command not recognized")
        return True


B = None
SINKS = {}


def until(fn, what, timeout=WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError("timed out waiting for " + what + "\n" + B.output()[-3000:])


def inject(*args, message=None):
    cmd = [INJECT, os.path.join(B.tmp, "data")] + [str(a) for a in args]
    if message is not None:
        path = os.path.join(B.tmp, "msg-%d.eml" % time.monotonic_ns())
        with open(path, "wb") as f:
            f.write(message)
        cmd += ["--message", path]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    check(r.returncode == 0, "queue_inject: %s" % r.stderr)
    return int(r.stdout.split()[0])


def queue():
    return {e["id"]: e for e in json.loads(B.ctl("queue", "list", "--json"))}


def gone(qid):
    return lambda: qid not in queue()


def inbox(addr):
    """The messages in addr's INBOX, parsed."""
    c = imaplib.IMAP4("127.0.0.1", B.imap_port, timeout=WAIT)
    try:
        c.starttls(B.tls_context())
        c.login(addr, PASSWORD)
        c.select("INBOX", readonly=True)
        _, data = c.search(None, "ALL")
        out = []
        for num in data[0].split():
            _, parts = c.fetch(num, "(BODY.PEEK[])")
            out.append(email.message_from_bytes(parts[0][1], policy=email.policy.default))
        return out
    finally:
        c.logout()


def report_fields(msg):
    """The per-recipient fields of a multipart/report, lower-case keys."""
    check(msg.get_content_type() == "multipart/report", "not a report: %s" %
          msg.get_content_type())
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            text = part.as_bytes().decode("utf-8", "replace")
            return text
    raise AssertionError("no message/delivery-status part")


def french_text(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_content()
    return ""


# ---------------------------------------------------------------- tests

def test_delivered_exact_bytes_over_mutual_tls():
    s = SINKS["other.test"]
    before = len(s.messages)
    qid = inject("--from", "dr.martin@test.example", "--rcpt", "dest@other.test",
                 message=MESSAGE)
    until(gone(qid), "entry %d delivered and removed" % qid)
    check(len(s.messages) == before + 1, "sink got %d messages" % (len(s.messages) - before))
    m = s.messages[-1]
    check(m["data"] == MESSAGE, "bytes differ: %r" % m["data"][:400])
    check(m["mail"].startswith("MAIL FROM:<dr.martin@test.example>"), m["mail"])
    check(" BODY=8BITMIME" in m["mail"] and " SIZE=%d" % len(MESSAGE) in m["mail"], m["mail"])
    peer = dict(x[0] for x in m["tls"]["peer"]["subject"])
    check(peer.get("commonName") == "localhost", "client certificate subject %r" % peer)
    check(m["tls"]["version"] in POLICY_VERSIONS, "protocol %s" % m["tls"]["version"])
    check(m["tls"]["cipher"] in POLICY_CIPHERS, "cipher %s" % m["tls"]["cipher"])


def test_temporary_then_success():
    s = SINKS["retry.test"]
    conns = s.connections
    qid = inject("--rcpt", "later@retry.test")
    until(lambda: queue().get(qid, {}).get("attempts", 0) >= 1, "a first attempt")
    e = queue().get(qid)
    if e is not None:
        check(e["recipients"][0]["state"] == "pending", "after 451: %r" % e)
    until(gone(qid), "entry %d delivered on retry" % qid)
    check(s.seen.get("later@retry.test") == 2, "RCPT seen %r times" % s.seen.get(
        "later@retry.test"))
    check(len(s.messages) == 1 and s.messages[0]["accepted"] == ["later@retry.test"],
          "sink messages %r" % s.messages)
    check(s.connections - conns == 2, "%d connections" % (s.connections - conns))


def test_permanent_failure_gives_french_ndr():
    sender = B.add_bal("ndr.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "unknown@other.test", "--envid", "ENV-42",
                 "--rcpt", "dest@other.test", message=MESSAGE)
    until(gone(qid), "entry %d finished" % qid)
    msgs = until(lambda: inbox(sender), "the NDR in " + sender)
    check(len(msgs) == 1, "%d messages in INBOX" % len(msgs))
    ndr = msgs[0]
    ds = report_fields(ndr)
    check("Action: failed" in ds and "Status: 5.1.1" in ds, ds)
    check("unknown@other.test" in ds and "dest@other.test" not in ds, ds)
    check("Original-Envelope-Id: ENV-42" in ds, ds)
    check("Diagnostic-Code: smtp; 550 5.1.1" in ds, ds)
    check("Remote-MTA: dns; 127.0.0.1" in ds, ds)
    text = french_text(ndr)
    check("unknown@other.test" in text and "n'a pas pu" in text.replace("\u2019", "'"),
          "French text: %r" % text)
    check(ndr["Auto-Submitted"] == "auto-replied" or ndr["Auto-Submitted"], "Auto-Submitted")


def test_success_to_server_without_dsn_is_relayed():
    sender = B.add_bal("relay.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "dest@other.test", "--notify", SUCCESS,
                 "--orcpt", "rfc822", "dest@other.test")
    until(gone(qid), "entry %d delivered" % qid)
    msgs = until(lambda: inbox(sender), "the relayed DSN in " + sender)
    ds = report_fields(msgs[0])
    check("Action: relayed" in ds and "Status: 2." in ds, ds)
    check("Original-Recipient: rfc822;dest@other.test" in ds, ds)
    # Without DSN in EHLO, no NOTIFY/ORCPT parameter is sent.
    rcpt = SINKS["other.test"].messages[-1]["rcpts"][0]
    check("NOTIFY" not in rcpt and "ORCPT" not in rcpt, rcpt)


def test_success_to_server_with_dsn_passes_parameters():
    sender = B.add_bal("dsn.sender", PASSWORD)
    s = SINKS["dsn.test"]
    qid = inject("--from", sender, "--rcpt", "dest@dsn.test", "--notify", SUCCESS | FAILURE,
                 "--orcpt", "rfc822", "dest+x=y@dsn.test", "--envid", "A B", "--ret", "HDRS")
    until(gone(qid), "entry %d delivered" % qid)
    m = s.messages[-1]
    check(" RET=HDRS" in m["mail"] and " ENVID=A+20B" in m["mail"], m["mail"])
    check(m["rcpts"][0] == "RCPT TO:<dest@dsn.test> NOTIFY=SUCCESS,FAILURE "
          "ORCPT=rfc822;dest+2Bx+3Dy@dsn.test", m["rcpts"][0])
    time.sleep(1.5)
    check(inbox(sender) == [], "the remote server reports, not us")


def test_notify_never_gives_nothing():
    sender = B.add_bal("never.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "unknown@other.test", "--notify", NEVER)
    until(gone(qid), "entry %d finished" % qid)
    time.sleep(1.5)
    check(inbox(sender) == [], "NOTIFY=NEVER gave a report")


def test_null_sender_never_bounced():
    n = len(queue())
    qid = inject("--from", "", "--rcpt", "unknown@other.test")
    until(gone(qid), "entry %d finished" % qid)
    time.sleep(1.5)
    check(len(queue()) == n, "something was queued for the null sender: %r" % queue())
    check("recorded done, removed notices=0" in B.output(), "notice count in the log")


def test_expiry_gives_447_ndr():
    sender = B.add_bal("expiry.sender", PASSWORD)
    now = int(time.time())
    qid = inject("--from", sender, "--rcpt", "late@other.test", "--arrival", now - 100,
                 "--expires", now - 10, "--next", now - 10)
    until(gone(qid), "entry %d expired" % qid)
    msgs = until(lambda: inbox(sender), "the expiry NDR")
    ds = report_fields(msgs[0])
    check("Action: failed" in ds and "Status: 4.4.7" in ds, ds)
    check("late@other.test" not in SINKS["other.test"].seen, "expired mail was sent")


def test_lost_blob_fails_once_with_french_ndr():
    # The entry's blob is gone (queue_inject --lose-blob drops its
    # reference): it never comes back, so the recipient fails at once with
    # a French NDR, logged once, instead of staying queued and logging an
    # error at every poll.
    sender = B.add_bal("lost.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "lost@other.test", "--lose-blob")
    until(gone(qid), "entry %d with a lost blob failed and removed" % qid)
    msgs = until(lambda: inbox(sender), "the 5.3.0 NDR")
    ds = report_fields(msgs[0])
    check("Action: failed" in ds and "Status: 5.3.0" in ds, ds)
    check("lost@other.test" in ds, ds)
    text = french_text(msgs[0])
    check("relu" in text and "Renvoyez" in text, "French text %r" % text)
    check("lost@other.test" not in SINKS["other.test"].seen, "a lost message was sent")
    time.sleep(2.5)  # a few polls more
    lines = [l for l in B.output().splitlines() if "queue id=%d blob=" % qid in l]
    check(len(lines) == 1 and "unreadable" in lines[0], "log lines %r" % lines)


def test_delay_notice_once():
    sender = B.add_bal("delay.sender", PASSWORD)
    now = int(time.time())
    qid = inject("--from", sender, "--rcpt", "slow@retry.test", "--notify", DELAY | FAILURE,
                 "--arrival", now - 7200, "--next", now - 7200)
    msgs = until(lambda: inbox(sender), "the delay notice")
    ds = report_fields(msgs[0])
    check("Action: delayed" in ds and "Status: 4." in ds, ds)
    until(lambda: queue().get(qid, {}).get("attempts", 0) >= 2, "a second attempt")
    check(len(inbox(sender)) == 1, "delay notice sent twice")
    e = queue()[qid]
    check(e["recipients"][0]["state"] == "delay-notified", "state %r" % e)
    B.ctl("queue", "delete", str(qid))


def test_no_starttls_never_sends():
    s = SINKS["clear.test"]
    qid = inject("--rcpt", "dest@clear.test")
    until(lambda: queue().get(qid, {}).get("attempts", 0) >= 1, "an attempt")
    e = queue()[qid]
    check(e["recipients"][0]["state"] == "pending", "state %r" % e)
    check(s.connections >= 1, "no connection to the sink")
    check(not any(c.upper().startswith(("MAIL", "RCPT", "DATA")) for c in s.commands),
          "commands sent in clear: %r" % s.commands)
    show = B.ctl("queue", "show", str(qid))
    check("STARTTLS" in show, "reason not recorded: " + show)
    B.ctl("queue", "delete", str(qid))


def test_ndr_to_remote_sender_queued_with_null_sender():
    s = SINKS["other.test"]
    qid = inject("--from", "sender@dsn.test", "--rcpt", "unknown@other.test")
    until(gone(qid), "entry %d finished" % qid)
    ndr = until(lambda: [m for m in SINKS["dsn.test"].messages
                         if m["accepted"] == ["sender@dsn.test"]], "the NDR at dsn.test")
    check(ndr[0]["mail"].startswith("MAIL FROM:<>"), "NDR sent with %r" % ndr[0]["mail"])
    check("NOTIFY" not in ndr[0]["rcpts"][0] or "NOTIFY=NEVER" in ndr[0]["rcpts"][0],
          ndr[0]["rcpts"][0])
    check(b"Status: 5.1.1" in ndr[0]["data"], "NDR content %r" % ndr[0]["data"][:300])
    check(not any(c.startswith("RCPT TO:<sender@dsn.test>") for c in s.commands), "misrouted")


def test_untrusted_server_certificate_never_sends():
    for dom in ("badca.test", "badname.test"):
        qid = inject("--rcpt", "dest@" + dom)
        until(lambda: queue().get(qid, {}).get("attempts", 0) >= 1, "an attempt to " + dom)
        s = SINKS[dom]
        check(s.connections >= 1, "no connection to " + dom)
        check(not any(c.upper().startswith(("MAIL", "RCPT", "DATA")) for c in s.commands),
              "%s: commands sent: %r" % (dom, s.commands))
        check(queue()[qid]["recipients"][0]["state"] == "pending", "not temporary")
        B.ctl("queue", "delete", str(qid))
    check("server certificate does not name this host" in B.output(), "host name check log")


def test_smtputf8_missing_is_a_final_failure():
    sender = B.add_bal("utf8.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "d\u00e9st@noutf8.test")
    until(gone(qid), "entry %d finished" % qid)
    ds = report_fields(until(lambda: inbox(sender), "the 5.6.7 NDR")[0])
    check("Action: failed" in ds and "Status: 5.6.7" in ds, ds)
    check(not SINKS["noutf8.test"].messages, "sent without SMTPUTF8")


def test_whitelist_keeps_mail_in_the_trust_space():
    # unlisted.test has a route but is not in the whitelist: final 5.7.1.
    sender = B.add_bal("wl.sender", PASSWORD)
    qid = inject("--from", sender, "--rcpt", "dest@unlisted.test")
    until(gone(qid), "entry %d refused" % qid)
    ds = report_fields(until(lambda: inbox(sender), "the 5.7.1 NDR")[0])
    check("Action: failed" in ds and "Status: 5.7.1" in ds, ds)
    check(SINKS["unlisted.test"].connections == 0, "connected to an unlisted domain")
    # wrongdn.test is listed for another certificate DN than its server's:
    # temporary, nothing sent.
    qid = inject("--rcpt", "dest@wrongdn.test")
    until(lambda: queue().get(qid, {}).get("attempts", 0) >= 1, "an attempt to wrongdn.test")
    s = SINKS["wrongdn.test"]
    check(s.connections >= 1 and not any(c.upper().startswith(("MAIL", "RCPT")) for c in
                                         s.commands), "commands sent: %r" % s.commands)
    check(queue()[qid]["recipients"][0]["state"] == "pending", "not temporary")
    check("is not listed for wrongdn.test" in B.output(), "reason not logged")
    B.ctl("queue", "delete", str(qid))


def test_connection_reused():
    s = SINKS["reuse.test"]
    due = int(time.time()) + 3  # both become due in the same poll
    a = inject("--rcpt", "one@reuse.test", "--next", due)
    b = inject("--rcpt", "two@reuse.test", "--next", due)
    check(time.time() < due, "injecting took too long")
    until(lambda: gone(a)() and gone(b)(), "both delivered")
    check(len(s.messages) == 2, "%d messages" % len(s.messages))
    check(s.connections == 1, "%d connections for two messages" % s.connections)
    check(any(c.upper() == "RSET" for c in s.commands), "no RSET between messages")


def test_queue_retry_is_noticed():
    s = SINKS["other.test"]
    now = int(time.time())
    qid = inject("--rcpt", "kick@other.test", "--next", now + 3600)
    time.sleep(2.5)
    check(qid in queue(), "delivered before it was due")
    B.ctl("queue", "retry", str(qid))
    until(gone(qid), "delivery after balisectl queue retry", timeout=10)
    check(s.messages[-1]["accepted"] == ["kick@other.test"], "sink %r" % s.messages[-1])


def whitelist(entries):
    """An ANS-format whitelist from (domain, DN) pairs."""
    body = "".join("<Domaine><Nom>%s</Nom><DNCertificatOperateur>%s</DNCertificatOperateur>"
                   "</Domaine>\n" % e for e in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">\n'
            "<ListeDomaines>\n%s</ListeDomaines>\n</ListeBlancheMSSante>\n" % body)


def other_ca_cert(b):
    """A certificate for 127.0.0.1 from a CA balised does not trust."""
    d = os.path.join(b.tmp, "other-ca")
    os.mkdir(d)
    _, cert, key = make_pki(d)
    return cert, key


def wrong_name_cert(b):
    """From the trusted CA, but for another host name."""
    d = b.tmp
    key, csr, crt, ext = (os.path.join(d, "wrong." + x) for x in ("key", "csr", "pem", "ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:mx.wrong.test\n")
    sh(OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", "/CN=mx.wrong.test")
    sh(OPENSSL, "x509", "-req", "-in", csr, "-CA", b.ca, "-CAkey", os.path.join(d, "ca.key"),
       "-CAcreateserial", "-out", crt, "-days", "2", "-sha256", "-extfile", ext)
    return crt, key


def test_sigterm_during_delivery_stops_cleanly():
    # Last: stops balised. The sink holds its reply to the final dot; the
    # entry must stay queued (retried at the next start), balised exit 0.
    # On the way, [queue] connections_per_destination = 2: three entries
    # due one after the other while the first sessions hang give two
    # connections, the third entry waits.
    s = SINKS["slow.test"]
    qid = inject("--rcpt", "dest@slow.test")
    until(lambda: s.messages, "the message at the slow sink")
    inject("--rcpt", "two@slow.test")
    until(lambda: len(s.messages) == 2, "the second message at the slow sink")
    inject("--rcpt", "three@slow.test")
    time.sleep(3)
    check(s.connections == 2, "%d connections to one destination" % s.connections)
    check(len(s.messages) == 2, "%d messages" % len(s.messages))
    t0 = time.monotonic()
    status = B.stop()
    check(status == 0, "exit status %r" % status)
    check(time.monotonic() - t0 < 10, "stopping took %.1fs" % (time.monotonic() - t0))
    check(qid in queue(), "the interrupted entry left the queue")
    check(queue()[qid]["recipients"][0]["state"] == "pending", "state %r" % queue()[qid])


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
connections_per_destination = 2
routes = {routes}
"""


def main():
    global B
    with Balise() as b:
        B = b

        def rcpt_other(addr, n):
            return "550 5.1.1 <%s>: Recipient address rejected" % addr if addr.startswith(
                ("unknown", "late")) else "250 2.1.5 Ok"

        def rcpt_retry(addr, n):
            if addr.startswith("slow"):
                return "451 4.3.0 Try again later"
            return "451 4.2.1 Mailbox busy" if n == 0 else "250 2.1.5 Ok"

        SINKS["other.test"] = Sink(b, rcpt=rcpt_other)
        SINKS["retry.test"] = Sink(b, rcpt=rcpt_retry)
        SINKS["dsn.test"] = Sink(b, dsn=True)
        SINKS["clear.test"] = Sink(b, starttls=False)
        SINKS["reuse.test"] = Sink(b)
        SINKS["noutf8.test"] = Sink(b, smtputf8=False)
        SINKS["slow.test"] = Sink(b, data_delay=60)
        SINKS["unlisted.test"] = Sink(b)
        SINKS["wrongdn.test"] = Sink(b)
        SINKS["badca.test"] = Sink(b, cert=other_ca_cert(b))
        SINKS["badname.test"] = Sink(b, cert=wrong_name_cert(b))
        wl = os.path.join(b.tmp, "whitelist.xml")
        with open(wl, "w") as f:
            f.write(whitelist([(d, "CN=localhost") for d in SINKS
                               if d not in ("unlisted.test", "wrongdn.test")] +
                              [("wrongdn.test", "CN=mx.wrongdn.test")]))
        # reuse.test by name: localhost may be ::1 first (the sink listens
        # on 127.0.0.1 only: the client goes on to the next address).
        routes = ", ".join("%s=%s:%d" % (d, "localhost" if d == "reuse.test" else "127.0.0.1",
                                         s.port) for d, s in SINKS.items())
        with open(b.conf, "a") as f:
            f.write(EXTRA_CONF.format(ca=b.ca, routes=routes, whitelist=wl))
        b.start()
        try:
            return run_tests([
                test_delivered_exact_bytes_over_mutual_tls,
                test_temporary_then_success,
                test_permanent_failure_gives_french_ndr,
                test_success_to_server_without_dsn_is_relayed,
                test_success_to_server_with_dsn_passes_parameters,
                test_notify_never_gives_nothing,
                test_null_sender_never_bounced,
                test_expiry_gives_447_ndr,
                test_lost_blob_fails_once_with_french_ndr,
                test_delay_notice_once,
                test_no_starttls_never_sends,
                test_ndr_to_remote_sender_queued_with_null_sender,
                test_untrusted_server_certificate_never_sends,
                test_smtputf8_missing_is_a_final_failure,
                test_whitelist_keeps_mail_in_the_trust_space,
                test_connection_reused,
                test_queue_retry_is_noticed,
                test_sigterm_during_delivery_stops_cleanly,
            ])
        finally:
            status = b.stop()
            for s in SINKS.values():
                s.close()
            if status != 0:
                print("balised exit status %r\n%s" % (status, b.output()[-3000:]))


if __name__ == "__main__":
    sys.exit(main())

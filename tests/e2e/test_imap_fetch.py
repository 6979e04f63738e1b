#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# FETCH, STORE, COPY, MOVE and EXPUNGE against a real balised over TLS
# (tests/e2e/harness.py): real-shaped messages appended, every FETCH item
# checked byte for byte, a 5 MB body streamed to a slow reader, \Seen,
# CONDSTORE, keywords, COPYUID, read-only refusals, IDLE updates, bad sets.
import base64
import os
import re
import socket
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 60
B = None
USERS = {}

ATTACH = bytes(range(256)) * 40 + b"\x00end"
ATTACH_B64 = base64.encodebytes(ATTACH).replace(b"\n", b"\r\n")
HTML = b"<p>Caf=C3=A9 cr=C3=A8me</p>\r\n"
MSG_MULTI = (
    b"From: =?utf-8?q?Ren=C3=A9?= <rene@test.example>\r\n"
    b"To: bob@test.example\r\n"
    b"Subject: caf\xc3\xa9 report\r\n"
    b"Date: Tue, 1 Dec 2026 10:00:00 +0100\r\n"
    b"Message-ID: <multi@test.example>\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="outer"\r\n'
    b"\r\n"
    b"preamble\r\n"
    b"--outer\r\n"
    b'Content-Type: multipart/alternative; boundary="inner"\r\n'
    b"\r\n"
    b"--inner\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"Caf=C3=A9 cr=C3=A8me, a long line that is soft=\r\n"
    b" broken.\r\n"
    b"--inner\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n" + HTML +
    b"--inner--\r\n"
    b"--outer\r\n"
    b'Content-Type: application/octet-stream; name="data.bin"\r\n'
    b"Content-Transfer-Encoding: base64\r\n"
    b'Content-Disposition: attachment; filename="data.bin"\r\n'
    b"\r\n" + ATTACH_B64 +
    b"--outer--\r\n")
INNER = (b"From: carol@test.example\r\nSubject: inner\r\n\r\nForwarded body.\r\n")
MSG_RFC822 = (
    b"From: dave@test.example\r\nTo: bob@test.example\r\nSubject: fwd\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n'
    b"--b1\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n"
    b"--b1\r\nContent-Type: message/rfc822\r\n\r\n" + INNER +
    b"--b1--\r\n")
MSG_SMALL = (b"From: Alice <alice@test.example>\r\nTo: bob@test.example\r\n"
             b"Subject: hello\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n"
             b"Message-ID: <1@test.example>\r\n\r\nHello Bob.\r\n")


check = harness.check



class Client:
    """Implicit TLS; responses are read with their literals, so that the
    bytes can be compared exactly."""

    def __init__(self, user=None, pw=None):
        s = socket.create_connection(("127.0.0.1", B.imaps_port), timeout=IO_TIMEOUT)
        self.s = B.tls_context().wrap_socket(s)
        self.buf = b""
        self.n = 0
        self.greeting = self.line()
        if user:
            r = self.cmd(b'LOGIN "%s" "%s"' % (user.encode(), pw.encode()))
            check(r[-1].startswith(b"OK"), r)

    def fill(self):
        d = self.s.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self.fill()
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out

    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def response(self):
        """One response line with its literals inline ({n}\\r\\n + data)."""
        out = b""
        while True:
            ln = self.line()
            out += ln
            m = re.search(rb"~?\{(\d+)\}$", ln)
            if not m:
                return out
            out += b"\r\n" + self.exact(int(m.group(1)))

    def send(self, data):
        self.s.sendall(data)

    def cmd(self, text, tag=None):
        """Untagged responses, then the tagged one with its tag removed."""
        self.n += 1
        tag = tag or b"t%d" % self.n
        self.send(tag + b" " + text + b"\r\n")
        out = []
        while True:
            r = self.response()
            if r.startswith(tag + b" "):
                out.append(r[len(tag) + 1:])
                return out
            out.append(r)

    def append(self, box, msg, flags=b""):
        r = self.cmd(b"APPEND %s %s{%d+}\r\n%s" % (box, flags + b" " if flags else b"",
                                                  len(msg), msg))
        check(r[-1].startswith(b"OK [APPENDUID"), r)
        return int(re.search(rb"APPENDUID \d+ (\d+)", r[-1]).group(1))

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def literal(resp, item):
    """The literal or quoted string after item (b"BODY[]") in a response."""
    i = resp.find(item + b" ")
    check(i >= 0, "%r not in %r" % (item, resp[:300]))
    rest = resp[i + len(item) + 1:]
    m = re.match(rb"~?\{(\d+)\}\r\n", rest)
    if m:
        return rest[m.end():m.end() + int(m.group(1))]
    m = re.match(rb'"((?:[^"\\]|\\.)*)"', rest)
    check(m, "no string after %r: %r" % (item, rest[:100]))
    return m.group(1)


def fetches(resp_list):
    return [r for r in resp_list if re.match(rb"\* \d+ FETCH ", r)]


def flags_of(resp):
    m = re.search(rb"FLAGS \(([^)]*)\)", resp)
    return set(m.group(1).split()) if m else None


def setup_box(c, box=b"INBOX"):
    uids = [c.append(box, m) for m in (MSG_MULTI, MSG_RFC822, MSG_SMALL)]
    r = c.cmd(b"SELECT " + box)
    check(r[-1].startswith(b"OK [READ-WRITE]"), r)
    return uids


# ------------------------------------------------------------------ FETCH

def test_fetch_items():
    c = Client(USERS["fetch"], "pw")
    uids = setup_box(c)
    r = c.cmd(b"FETCH 1 (FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY BODYSTRUCTURE UID)")
    check(r[-1].startswith(b"OK"), r)
    f = fetches(r)
    check(len(f) == 1, r)
    resp = f[0]
    check(b"RFC822.SIZE %d" % len(MSG_MULTI) in resp, resp[:300])
    check(b"UID %d" % uids[0] in resp, resp[:300])
    check(re.search(rb'INTERNALDATE "\d\d-[A-Z][a-z]{2}-\d{4} \d\d:\d\d:\d\d [+-]\d{4}"', resp),
          resp[:300])
    check(b'"MULTIPART" "MIXED"' in resp.upper() or b'"mixed"' in resp.lower(), resp)
    check(b"ENVELOPE (" in resp and b"<multi@test.example>" in resp, resp)
    check(b"BODYSTRUCTURE (" in resp and b"BODY (" in resp, resp)
    check(flags_of(resp) == set(), resp)
    # Sections, byte for byte.
    r = c.cmd(b"FETCH 1 (BODY.PEEK[] BODY.PEEK[HEADER.FIELDS (SUBJECT FROM)] BODY.PEEK[1.2] "
              b"BODY.PEEK[TEXT]<0.10> BINARY.PEEK[2] BINARY.SIZE[2] MODSEQ)")
    check(r[-1].startswith(b"OK"), r)
    resp = fetches(r)[0]
    check(literal(resp, b"BODY[]") == MSG_MULTI, "BODY[] differs")
    hf = literal(resp, b"BODY[HEADER.FIELDS (SUBJECT FROM)]")
    check(hf == b"From: =?utf-8?q?Ren=C3=A9?= <rene@test.example>\r\n"
          b"Subject: caf\xc3\xa9 report\r\n\r\n", hf)
    check(literal(resp, b"BODY[1.2]") == HTML[:-2], literal(resp, b"BODY[1.2]"))
    text = MSG_MULTI.split(b"\r\n\r\n", 1)[1]
    check(literal(resp, b"BODY[TEXT]<0>") == text[:10], resp)
    check(literal(resp, b"BINARY[2]") == ATTACH, "BINARY[2] differs")
    check(b"BINARY.SIZE[2] %d" % len(ATTACH) in resp, resp[-200:])
    check(re.search(rb"MODSEQ \(\d+\)", resp), resp[-200:])
    # message/rfc822 parts.
    r = c.cmd(b"FETCH 2 (BODY.PEEK[2.HEADER] BODY.PEEK[2.TEXT] BODY.PEEK[1])")
    resp = fetches(r)[0]
    check(literal(resp, b"BODY[2.HEADER]") == INNER.split(b"\r\n\r\n")[0] + b"\r\n\r\n", resp)
    check(literal(resp, b"BODY[2.TEXT]") == b"Forwarded body.", resp)
    check(literal(resp, b"BODY[1]") == b"See attached.", resp)
    # UID FETCH always answers the UID; macros.
    r = c.cmd(b"UID FETCH %d FLAGS" % uids[2])
    check(len(fetches(r)) == 1 and b"UID %d" % uids[2] in r[0], r)
    r = c.cmd(b"FETCH 1:* FAST")
    check(len(fetches(r)) == 3 and r[-1].startswith(b"OK"), r)
    r = c.cmd(b"FETCH 1:* ALL")
    check(len(fetches(r)) == 3 and b"ENVELOPE" in r[0], r)
    # Still unseen: everything above was PEEK.
    r = c.cmd(b"FETCH 1:3 FLAGS")
    check(all(b"\\Seen" not in x for x in fetches(r)), r)
    c.close()


def test_seen():
    c = Client(USERS["fetch"], "pw")
    c.cmd(b"SELECT INBOX")
    r = c.cmd(b"FETCH 3 BODY[]")
    resp = fetches(r)[0]
    check(literal(resp, b"BODY[]") == MSG_SMALL, resp)
    check(flags_of(resp) == {b"\\Seen"}, resp)
    r = c.cmd(b"FETCH 2 BODY.PEEK[TEXT]")
    check(flags_of(fetches(r)[0]) is None, r)
    r = c.cmd(b"FETCH 1:3 FLAGS")
    got = [flags_of(x) for x in fetches(r)]
    check(got == [set(), set(), {b"\\Seen"}], got)
    # BINARY[] (not PEEK) sets it too; RFC822.TEXT also.
    r = c.cmd(b"FETCH 2 RFC822.TEXT")
    check(b"\\Seen" in fetches(r)[0], r)
    # EXAMINE: read-only, \Seen not set.
    c.cmd(b"EXAMINE INBOX")
    r = c.cmd(b"FETCH 1 BINARY[1.1]")
    resp = fetches(r)[0]
    check(literal(resp, b"BINARY[1.1]") ==
          "Café crème, a long line that is soft broken.".encode(), resp)
    check(flags_of(resp) is None, resp)
    r = c.cmd(b"FETCH 1 FLAGS")
    check(flags_of(fetches(r)[0]) == set(), r)
    c.close()


def test_large_streamed():
    c = Client(USERS["big"], "pw")
    line = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ+/=-0123456\r\n"
    big = MSG_SMALL.replace(b"hello", b"big") + line * (5 * 1024 * 1024 // len(line))
    uid = c.append(b"INBOX", big)
    c.cmd(b"SELECT INBOX")
    # A slow reader: the server must wait for the queue to drain.
    c.send(b"s1 UID FETCH %d (BODY.PEEK[] RFC822.SIZE)\r\n" % uid)
    time.sleep(0.5)
    head = c.line()
    m = re.match(rb"\* 1 FETCH \(UID %d BODY\[\] \{(\d+)\}$" % uid, head)
    check(m, head)
    n = int(m.group(1))
    check(n == len(big), (n, len(big)))
    got = b""
    while len(got) < n:
        take = min(n - len(got), 256 * 1024)
        got += c.exact(take)
        time.sleep(0.02)
    check(got == big, "5 MB body differs")
    rest = c.line()
    check(rest == b" RFC822.SIZE %d)" % len(big), rest)
    check(c.line().startswith(b"s1 OK"), "no OK")
    # The session goes on; two connections stream at once.
    c2 = Client(USERS["big"], "pw")
    c2.cmd(b"EXAMINE INBOX")
    c.send(b"s2 FETCH 1 BODY.PEEK[]\r\n")
    c2.send(b"s3 FETCH 1 BODY.PEEK[]\r\n")
    for cl, tag in ((c2, b"s3"), (c, b"s2")):
        resp = cl.response()
        check(literal(resp, b"BODY[]") == big, "concurrent stream differs")
        check(cl.line().startswith(tag + b" OK"), "no OK")
    r = c.cmd(b"NOOP")
    check(r[-1].startswith(b"OK"), r)
    c.close()
    c2.close()


def test_condstore_fetch():
    c = Client(USERS["fetch"], "pw")
    c.cmd(b"SELECT INBOX")
    r = c.cmd(b"FETCH 1:* (UID MODSEQ)")
    mods = {int(re.search(rb"UID (\d+)", x).group(1)): int(re.search(rb"MODSEQ \((\d+)\)",
                                                                      x).group(1))
            for x in fetches(r)}
    check(len(mods) == 3, r)
    top = max(mods.values())
    r = c.cmd(b"FETCH 1:* FLAGS (CHANGEDSINCE %d)" % top)
    check(fetches(r) == [] and r[-1].startswith(b"OK"), r)
    low = min(mods.values())
    r = c.cmd(b"FETCH 1:* FLAGS (CHANGEDSINCE %d)" % low)
    check(len(fetches(r)) == sum(1 for v in mods.values() if v > low), r)
    check(all(b"MODSEQ (" in x for x in fetches(r)), r)
    r = c.cmd(b"FETCH 1 FLAGS (FROB 1)")
    check(r[-1].startswith(b"BAD"), r)
    c.close()


def test_bad_seqsets():
    c = Client(USERS["fetch"], "pw")
    c.cmd(b"SELECT INBOX")
    for bad in (b"FETCH 99 FLAGS", b"FETCH 0 FLAGS", b"FETCH abc FLAGS", b"FETCH 1:99 FLAGS",
                b"FETCH 1 (FLAGS", b"FETCH 1 BODY[9.x]", b"FETCH 1 NOSUCH"):
        r = c.cmd(bad)
        check(r[-1].startswith(b"BAD"), (bad, r))
    r = c.cmd(b"UID FETCH 999999 FLAGS")
    check(r[-1].startswith(b"OK") and not fetches(r), r)
    r = c.cmd(b"FETCH 3:* UID")
    check(len(fetches(r)) == 1, r)
    r = c.cmd(b"NOOP")
    check(r[-1].startswith(b"OK"), r)
    # "*" in an empty mailbox is BAD for sequence numbers, nothing for UIDs.
    c.cmd(b"SELECT Drafts")
    check(c.cmd(b"FETCH * FLAGS")[-1].startswith(b"BAD"), "FETCH * in empty mailbox")
    check(c.cmd(b"UID FETCH 1:* FLAGS")[-1].startswith(b"OK"), "UID FETCH 1:*")
    c.close()


def test_unknown_cte_and_expunged():
    c = Client(USERS["fetch"], "pw")
    odd = (b"From: x@test.example\r\nSubject: uu\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: text/plain\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
           b"begin 644 a\r\n`\r\nend\r\n")
    uid = c.append(b"INBOX", odd)
    c.cmd(b"SELECT INBOX")
    r = c.cmd(b"UID FETCH %d BINARY.PEEK[1]" % uid)
    check(r[-1].startswith(b"NO [UNKNOWN-CTE]"), r)
    r = c.cmd(b"UID FETCH %d BODY.PEEK[1]" % uid)
    check(literal(fetches(r)[0], b"BODY[1]") == b"begin 644 a\r\n`\r\nend\r\n", r)
    # Expunged by another session, not yet announced: the sequence number
    # still counts, the message is left out (RFC 5530 EXPUNGEISSUED).
    n = int(c.cmd(b"FETCH * UID")[0].split()[1])
    o = Client(USERS["fetch"], "pw")
    o.cmd(b"SELECT INBOX")
    o.cmd(b"UID STORE %d +FLAGS.SILENT (\\Deleted)" % uid)
    o.cmd(b"UID EXPUNGE %d" % uid)
    o.close()
    r = c.cmd(b"FETCH %d:* (UID FLAGS)" % (n - 1))
    check(r[-1].startswith(b"NO [EXPUNGEISSUED]") and len(fetches(r)) == 1, r)
    check(not any(b"EXPUNGE" in x for x in r[:-1]), r)  # held back (RFC 9051 7.5.1)
    r = c.cmd(b"UID FETCH %d:* FLAGS" % uid)
    check(r[-1].startswith(b"OK") and b"* %d EXPUNGE" % n in r, r)
    c.close()


def test_searchres():
    c = Client(USERS["copy"], "pw")
    capa = c.cmd(b"CAPABILITY")[0].split()
    if b"SEARCHRES" not in capa:
        print("  # SKIP SEARCHRES: not announced")
        c.close()
        return
    c.cmd(b"SELECT INBOX")
    r = c.cmd(b"FETCH $ FLAGS")  # nothing saved yet: the empty set
    check(r[-1].startswith(b"OK") and not fetches(r), r)
    c.cmd(b"STORE 1 +FLAGS.SILENT (\\Flagged)")
    r = c.cmd(b"SEARCH RETURN (SAVE) FLAGGED")
    check(r[-1].startswith(b"OK"), r)
    r = c.cmd(b"FETCH $ (UID FLAGS)")
    check(len(fetches(r)) == 1 and fetches(r)[0].startswith(b"* 1 FETCH"), r)
    r = c.cmd(b"UID STORE $ +FLAGS (\\Answered)")
    check(len(fetches(r)) == 1 and b"\\Answered" in fetches(r)[0], r)
    r = c.cmd(b"COPY $ Drafts")
    check(r[-1].startswith(b"OK [COPYUID"), r)
    c.close()


# ------------------------------------------------------------------ STORE

def modseq_of(resp):
    return int(re.search(rb"MODSEQ \((\d+)\)", resp).group(1))


def test_store():
    c = Client(USERS["store"], "pw")
    uids = setup_box(c)
    r = c.cmd(b"STORE 1 +FLAGS (\\Flagged)")
    check(r[-1].startswith(b"OK") and fetches(r) == [b"* 1 FETCH (FLAGS (\\Flagged))"], r)
    r = c.cmd(b"STORE 1:2 +FLAGS.SILENT (\\Answered)")
    check(r[-1].startswith(b"OK") and fetches(r) == [], r)
    r = c.cmd(b"FETCH 1:2 FLAGS")
    check([flags_of(x) for x in fetches(r)] ==
          [{b"\\Flagged", b"\\Answered"}, {b"\\Answered"}], r)
    r = c.cmd(b"STORE 1 -FLAGS \\Flagged \\Answered")
    check(fetches(r) == [b"* 1 FETCH (FLAGS ())"], r)
    # Keywords: created on first use, announced in FLAGS/PERMANENTFLAGS.
    r = c.cmd(b"STORE 2 FLAGS ($Label1 Junk \\Seen)")
    check(any(x.startswith(b"* FLAGS (") and b"$Label1" in x and b"Junk" in x for x in r), r)
    check(any(b"PERMANENTFLAGS (" in x and b"$Label1" in x for x in r), r)
    check(flags_of(fetches(r)[0]) == {b"$Label1", b"Junk", b"\\Seen"}, r)
    r = c.cmd(b"UID STORE %d -FLAGS (junk)" % uids[1])
    f = fetches(r)
    check(len(f) == 1 and b"UID %d" % uids[1] in f[0], r)
    check(flags_of(f[0]) == {b"$Label1", b"\\Seen"}, r)
    r = c.cmd(b"FETCH 2 FLAGS")
    check(flags_of(fetches(r)[0]) == {b"$Label1", b"\\Seen"}, r)
    # A new session sees the keyword in FLAGS.
    c2 = Client(USERS["store"], "pw")
    r = c2.cmd(b"SELECT INBOX")
    check(any(x.startswith(b"* FLAGS (") and b"$Label1" in x for x in r), r)
    c2.close()
    # CONDSTORE: UNCHANGEDSINCE and MODIFIED.
    r = c.cmd(b"FETCH 1:2 (MODSEQ)")
    m1, m2 = (modseq_of(x) for x in fetches(r))
    r = c.cmd(b"STORE 1 (UNCHANGEDSINCE %d) +FLAGS (\\Draft)" % m1)
    check(r[-1].startswith(b"OK") and b"MODIFIED" not in r[-1], r)
    check(modseq_of(fetches(r)[0]) > max(m1, m2), r)
    r = c.cmd(b"STORE 1:2 (UNCHANGEDSINCE %d) +FLAGS (\\Deleted)" % m2)
    check(r[-1].startswith(b"OK [MODIFIED 1]"), r)
    f = fetches(r)
    check(len(f) == 1 and f[0].startswith(b"* 2 FETCH") and b"\\Deleted" in f[0], r)
    r = c.cmd(b"UID STORE %d,%d (UNCHANGEDSINCE 0) -FLAGS (\\Deleted)" % (uids[0], uids[1]))
    check(r[-1].startswith(b"OK [MODIFIED %d:%d]" % (uids[0], uids[1])), r)
    # .SILENT with CONDSTORE on: MODSEQ still reported for changed messages.
    r = c.cmd(b"STORE 3 +FLAGS.SILENT (\\Flagged)")
    f = fetches(r)
    check(len(f) == 1 and b"MODSEQ (" in f[0] and b"FLAGS" not in f[0], r)
    # Malformed, out of range.
    for bad in (b"STORE 1 FLAGS (\\Recent)", b"STORE 1 BOGUS (\\Seen)", b"STORE 9 +FLAGS \\Seen",
                b"STORE 1 +FLAGS", b"STORE 1 (FROB 1) +FLAGS \\Seen", b"STORE 1 +FLAGS (a]b)"):
        r = c.cmd(bad)
        check(r[-1].startswith(b"BAD"), (bad, r))
    # EXAMINE refuses STORE.
    c.cmd(b"EXAMINE INBOX")
    r = c.cmd(b"STORE 1 +FLAGS (\\Seen)")
    check(r[-1].startswith(b"NO"), r)
    r = c.cmd(b"FETCH 1 FLAGS")
    check(b"\\Seen" not in fetches(r)[0], r)
    c.close()


def test_idle_sees_flags():
    c = Client(USERS["idle"], "pw")
    setup_box(c)
    w = Client(USERS["idle"], "pw")
    w.cmd(b"SELECT INBOX")
    w.send(b"i IDLE\r\n")
    check(w.line().startswith(b"+ "), "no IDLE continuation")
    r = c.cmd(b"STORE 2 +FLAGS (\\Flagged)")
    check(r[-1].startswith(b"OK"), r)
    ln = w.line()
    check(ln.startswith(b"* 2 FETCH (") and b"\\Flagged" in ln, ln)
    # The storing session got its FETCH once only (no duplicate at sync).
    check(len(fetches(r)) == 1, r)
    r = c.cmd(b"NOOP")
    check(fetches(r) == [], r)
    w.send(b"DONE\r\n")
    check(w.line().startswith(b"i OK"), "IDLE not ended")
    w.close()
    c.close()


# ------------------------------------------------------------------ COPY, MOVE, EXPUNGE

def uidset(text):
    out = []
    for part in text.split(b","):
        lo, _, hi = part.partition(b":")
        out += list(range(int(lo), int(hi or lo) + 1))
    return out


def test_copy_move_expunge():
    c = Client(USERS["copy"], "pw")
    uids = setup_box(c)
    # COPY with COPYUID; the copies are byte-identical.
    r = c.cmd(b"COPY 1:3 Drafts")
    m = re.match(rb"OK \[COPYUID (\d+) ([\d:,]+) ([\d:,]+)\]", r[-1])
    check(m, r)
    check(uidset(m.group(2)) == uids and len(uidset(m.group(3))) == 3, r)
    r = c.cmd(b"COPY 2 NoSuchBox")
    check(r[-1].startswith(b"NO [TRYCREATE]"), r)
    r = c.cmd(b"UID COPY %d Trash" % uids[1])
    m = re.match(rb"OK \[COPYUID \d+ %d (\d+)\]" % uids[1], r[-1])
    check(m, r)
    r = c.cmd(b"UID COPY 999999 Trash")
    check(r[-1].startswith(b"OK") and b"COPYUID" not in r[-1], r)
    c2 = Client(USERS["copy"], "pw")
    c2.cmd(b"EXAMINE Drafts")
    r = c2.cmd(b"FETCH 1:* BODY.PEEK[]")
    check([literal(x, b"BODY[]") for x in fetches(r)] == [MSG_MULTI, MSG_RFC822, MSG_SMALL], r)
    c2.close()
    # MOVE: untagged COPYUID, then EXPUNGE, then OK (RFC 6851).
    r = c.cmd(b"MOVE 2 Trash")
    check(r[-1].startswith(b"OK"), r)
    check(r[0].startswith(b"* OK [COPYUID ") and b" %d " % uids[1] in r[0], r)
    check(r[1] == b"* 2 EXPUNGE", r)
    r = c.cmd(b"UID MOVE %d Junk" % uids[2])
    check(r[0].startswith(b"* OK [COPYUID ") and r[1] == b"* 2 EXPUNGE", r)
    r = c.cmd(b"MOVE 1 NoSuchBox")
    check(r[-1].startswith(b"NO [TRYCREATE]"), r)
    r = c.cmd(b"FETCH 1:* UID")
    check(len(fetches(r)) == 1 and b"UID %d" % uids[0] in r[0], r)
    # EXPUNGE and UID EXPUNGE remove \Deleted messages only.
    c.cmd(b"SELECT Drafts")
    r = c.cmd(b"STORE 1:2 +FLAGS.SILENT (\\Deleted)")
    r = c.cmd(b"UID FETCH 1:* UID")
    d_uids = [int(re.search(rb"UID (\d+)", x).group(1)) for x in fetches(r)]
    r = c.cmd(b"UID EXPUNGE %d" % d_uids[1])
    check(r[:-1] == [b"* 2 EXPUNGE"] and r[-1].startswith(b"OK"), r)
    r = c.cmd(b"EXPUNGE")
    check(r[:-1] == [b"* 1 EXPUNGE"] and r[-1].startswith(b"OK"), r)
    r = c.cmd(b"EXPUNGE")
    check(r == [r[-1]] and r[-1].startswith(b"OK"), r)
    r = c.cmd(b"FETCH 1:* UID")
    check(len(fetches(r)) == 1 and b"UID %d" % d_uids[2] in r[0], r)
    check(c.cmd(b"EXPUNGE 1")[-1].startswith(b"BAD"), "EXPUNGE with an argument")
    check(c.cmd(b"UID EXPUNGE")[-1].startswith(b"BAD"), "UID EXPUNGE without argument")
    # Read-only: no EXPUNGE, no MOVE; COPY from it is fine.
    c.cmd(b"EXAMINE Trash")
    check(c.cmd(b"EXPUNGE")[-1].startswith(b"NO"), "EXPUNGE in EXAMINE")
    check(c.cmd(b"MOVE 1 INBOX")[-1].startswith(b"NO"), "MOVE in EXAMINE")
    check(c.cmd(b"COPY 1 INBOX")[-1].startswith(b"OK [COPYUID"), "COPY in EXAMINE")
    # CLOSE expunges \Deleted silently when read-write.
    c.cmd(b"SELECT Trash")
    c.cmd(b"STORE 1 +FLAGS.SILENT (\\Deleted)")
    r = c.cmd(b"CLOSE")
    check(r == [r[-1]] and r[-1].startswith(b"OK"), r)
    c.cmd(b"SELECT Trash")
    r = c.cmd(b"FETCH 1:* UID")
    check(len(fetches(r)) == 1, r)
    c.close()


def test_idle_sees_expunge():
    c = Client(USERS["idle"], "pw")
    c.cmd(b"SELECT INBOX")
    w = Client(USERS["idle"], "pw")
    r = w.cmd(b"SELECT INBOX")
    n = int([x for x in r if x.endswith(b" EXISTS")][0].split()[1])
    w.send(b"i IDLE\r\n")
    check(w.line().startswith(b"+ "), "no IDLE continuation")
    r = c.cmd(b"STORE %d +FLAGS.SILENT (\\Deleted)" % n)
    ln = w.line()
    check(ln.startswith(b"* %d FETCH (" % n) and b"\\Deleted" in ln, ln)
    r = c.cmd(b"EXPUNGE")
    check(r[0] == b"* %d EXPUNGE" % n, r)
    check(w.line() == b"* %d EXPUNGE" % n, "no EXPUNGE in IDLE")
    w.send(b"DONE\r\n")
    check(w.line().startswith(b"i OK"), "IDLE not ended")
    w.close()
    c.close()


def test_over_quota_copy():
    addr = B.add_bal("tight", "pw", quota="20K")
    c = Client(addr, "pw")
    c.append(b"INBOX", MSG_MULTI)
    c.cmd(b"SELECT INBOX")
    r = c.cmd(b"COPY 1 Drafts")
    check(r[-1].startswith(b"NO [OVERQUOTA]"), r)
    r = c.cmd(b"NOOP")
    check(r[-1].startswith(b"OK"), r)
    c.close()


def test_capabilities():
    c = Client(USERS["copy"], "pw")
    capa = c.cmd(b"CAPABILITY")[0].split()
    for name in (b"UIDPLUS", b"MOVE", b"CONDSTORE", b"BINARY"):
        check(name in capa, (name, capa))
    c.close()


TESTS = [
    test_fetch_items,
    test_seen,
    test_large_streamed,
    test_condstore_fetch,
    test_bad_seqsets,
    test_unknown_cte_and_expunged,
    test_store,
    test_idle_sees_flags,
    test_copy_move_expunge,
    test_idle_sees_expunge,
    test_over_quota_copy,
    test_capabilities,
    test_searchres,
]


def main():
    global B
    with harness.Balise(msg_max="8M") as b:
        for u in ("fetch", "big", "store", "copy", "idle"):
            USERS[u] = b.add_bal(u, "pw")
        B = b.start()
        status = harness.run_tests(TESTS)
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r" % rc)
            status = 1
        if status:
            print(b.output()[-6000:])
    return status


if __name__ == "__main__":
    sys.exit(main())

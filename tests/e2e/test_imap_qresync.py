#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# QRESYNC (RFC 7162 section 3.2) against a real balised over implicit TLS
# (tests/e2e/harness.py), with a raw client so that responses are compared
# exactly: SELECT/EXAMINE (QRESYNC ...) with VANISHED (EARLIER) and FETCH,
# known UIDs and seq-match-data, UID FETCH (CHANGEDSINCE n VANISHED),
# "* VANISHED" instead of EXPUNGE for another session's expunges (NOOP,
# IDLE) and the session's own (EXPUNGE, MOVE), "* OK [CLOSED]" on a
# second SELECT; CLOSE expunging what is \Deleted in the store (not in the
# view's stale cache); a session whose mailbox is deleted elsewhere gets
# "* BYE" and is closed, one whose mailbox is renamed goes on.
import os
import re
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
PW = "pw-qr"
B = None
USERS = {}

check = harness.check


def msg(n):
    return (b"From: a@test.example\r\nTo: b@test.example\r\nSubject: m%d\r\n"
            b"Message-ID: <%d@test.example>\r\n\r\nbody %d\r\n" % (n, n, n))


class Client:
    """Implicit TLS, one response line at a time (these tests fetch no
    literals)."""

    def __init__(self, local):
        if local not in USERS:
            USERS[local] = B.add_bal(local, PW)
        s = socket.create_connection(("127.0.0.1", B.imaps_port), timeout=IO_TIMEOUT)
        self.s = B.tls_context().wrap_socket(s)
        self.buf = b""
        self.n = 0
        self.line()  # greeting
        r = self.cmd('LOGIN "%s" "%s"' % (USERS[local], PW))
        check(r[-1].startswith("OK"), r)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                raise EOFError("connection closed")
            self.buf += d
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out.decode()

    def send(self, text):
        self.s.sendall(text.encode() + b"\r\n")

    def cmd(self, text):
        """Untagged responses, then the tagged one without its tag."""
        self.n += 1
        tag = "q%d" % self.n
        self.send("%s %s" % (tag, text))
        out = []
        while True:
            r = self.line()
            if r.startswith(tag + " "):
                out.append(r[len(tag) + 1:])
                return out
            out.append(r)

    def ok(self, text):
        r = self.cmd(text)
        check(r[-1].startswith("OK"), "%s: %r" % (text, r))
        return r[:-1]

    def append(self, box, data, flags=""):
        r = self.ok("APPEND %s %s{%d+}\r\n%s" % (box, flags, len(data), data.decode()))
        return r

    def closed(self):
        """True once the server has closed the connection."""
        try:
            while True:
                self.line()
        except (EOFError, OSError):
            return True

    def close(self):
        try:
            self.s.close()
        except OSError:
            pass


def select_info(resp):
    """UIDVALIDITY and HIGHESTMODSEQ from SELECT responses."""
    text = "\n".join(resp)
    uv = int(re.search(r"\[UIDVALIDITY (\d+)\]", text).group(1))
    hm = int(re.search(r"\[HIGHESTMODSEQ (\d+)\]", text).group(1))
    return uv, hm


def modseqs(c):
    """{uid: (flags text, modseq)} of the selected mailbox."""
    out = {}
    for r in c.ok("UID FETCH 1:* (FLAGS MODSEQ)"):
        m = re.match(r"\* \d+ FETCH \((.*)\)$", r)
        if not m:
            continue
        body = m.group(1)
        uid = int(re.search(r"UID (\d+)", body).group(1))
        out[uid] = (re.search(r"FLAGS (\([^)]*\))", body).group(1),
                    int(re.search(r"MODSEQ \((\d+)\)", body).group(1)))
    return out


def setup_box(c, box, n):
    """Creates box with n messages (UIDs 1..n); returns (uidvalidity, modseq)."""
    c.ok("CREATE %s" % box)
    for i in range(1, n + 1):
        c.append(box, msg(i))
    uv, hm = select_info(c.ok("SELECT %s" % box))
    c.ok("UNSELECT")
    return uv, hm


# ------------------------------------------------------------------ tests

def test_capability_and_enable():
    c = Client("qr1")
    capa = c.ok("CAPABILITY")[0].split()
    check("QRESYNC" in capa and "CONDSTORE" in capa, capa)
    check(c.ok("ENABLE QRESYNC") == ["* ENABLED QRESYNC"], "ENABLE QRESYNC")
    c.close()


def test_select_needs_enable():
    c = Client("qr1")
    c.ok("SELECT INBOX")
    r = c.cmd("SELECT INBOX (QRESYNC (1 1))")
    check(r[-1].startswith("BAD"), r)
    # A BAD SELECT changes nothing: INBOX is still selected.
    check(c.cmd("CHECK")[-1].startswith("OK"), "still selected")
    r = c.cmd("UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)")
    check(r[-1].startswith("BAD"), r)
    c.close()


def test_select_vanished_earlier():
    a = Client("qr2")
    uv, m0 = setup_box(a, "box", 6)
    # Changes after m0: UID 2 gets \Seen, 3 and 4 are expunged, 7 arrives.
    a.ok("SELECT box")
    a.ok("UID STORE 2 +FLAGS.SILENT (\\Seen)")
    a.ok("UID STORE 3:4 +FLAGS.SILENT (\\Deleted)")
    a.ok("UID EXPUNGE 3:4")
    a.append("box", msg(7))
    ms = modseqs(a)
    a.ok("UNSELECT")
    fetch2 = "* 2 FETCH (UID 2 FLAGS (\\Seen) MODSEQ (%d))" % ms[2][1]
    fetch7 = "* 5 FETCH (UID 7 FLAGS () MODSEQ (%d))" % ms[7][1]

    c = Client("qr2")
    c.ok("ENABLE QRESYNC")
    r = c.ok("SELECT box (QRESYNC (%d %d))" % (uv, m0))
    tail = r[r.index(next(x for x in r if "HIGHESTMODSEQ" in x)) + 1:]
    check(tail == ["* VANISHED (EARLIER) 3:4", fetch2, fetch7], r)
    check("* 5 EXISTS" in r, r)
    # Known UIDs restrict both VANISHED and FETCH.
    r = c.ok("EXAMINE box (QRESYNC (%d %d 1:3))" % (uv, m0))
    check(r[0].startswith("* OK [CLOSED]"), r)
    check([x for x in r if "VANISHED" in x or "FETCH" in x] ==
          ["* VANISHED (EARLIER) 3", fetch2], r)
    r = c.ok("SELECT box (QRESYNC (%d %d 4:6))" % (uv, m0))
    check([x for x in r if "VANISHED" in x or "FETCH" in x] == ["* VANISHED (EARLIER) 4"], r)
    # seq-match-data is checked, then not needed: the answer is exact.
    r = c.ok("SELECT box (QRESYNC (%d %d 1:7 (1:4 1:4)))" % (uv, m0))
    check([x for x in r if "VANISHED" in x or "FETCH" in x] ==
          ["* VANISHED (EARLIER) 3:4", fetch2, fetch7], r)
    r = c.ok("SELECT box (QRESYNC (%d %d (1,2 2,6)))" % (uv, m0))
    check(any(x == "* VANISHED (EARLIER) 3:4" for x in r), r)
    # Up to date, or another UIDVALIDITY: nothing to resync.
    r = c.ok("SELECT box (QRESYNC (%d %d))" % (uv, max(v[1] for v in ms.values())))
    check(not any("VANISHED" in x or "FETCH" in x for x in r), r)
    r = c.ok("SELECT box (QRESYNC (%d %d))" % (uv + 1, m0))
    check(not any("VANISHED" in x or "FETCH" in x for x in r), r)
    # Malformed parameters are BAD.
    for p in ("(%d 0)" % uv, "(0 %d)" % m0, "(%d)" % uv, "(%d %d 1:*)" % (uv, m0),
              "(%d %d 1:3 (1:2 1:3))" % (uv, m0), "(%d %d 1 (1 1) 2)" % (uv, m0),
              "(%d %d $)" % (uv, m0), "%d" % uv):
        r = c.cmd("SELECT box (QRESYNC %s)" % p)
        check(r[-1].startswith("BAD"), "%s: %r" % (p, r))
    r = c.cmd("SELECT box (QRESYNC (%d %d) QRESYNC (%d %d))" % (uv, m0, uv, m0))
    check(r[-1].startswith("BAD"), r)
    a.close()
    c.close()


def test_uid_fetch_vanished():
    a = Client("qr3")
    uv, m0 = setup_box(a, "box", 5)
    a.ok("ENABLE QRESYNC")
    a.ok("SELECT box")
    a.ok("UID STORE 2,5 +FLAGS.SILENT (\\Deleted)")
    r = a.cmd("UID EXPUNGE 2,5")
    check(r[0] == "* VANISHED 2,5", r)  # the session's own, without EARLIER
    # The tagged OK tells the modseq reached (as Dovecot does).
    o = Client("qr3")
    _, hm = select_info(o.ok("EXAMINE box"))
    o.close()
    check(r[1:] == ["OK [HIGHESTMODSEQ %d] UID EXPUNGE completed" % hm], r)
    a.ok("UID STORE 3 +FLAGS.SILENT (\\Flagged)")
    ms = modseqs(a)
    r = a.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % m0)
    check(r == ["* VANISHED (EARLIER) 2,5",
                "* 2 FETCH (UID 3 FLAGS (\\Flagged) MODSEQ (%d))" % ms[3][1]], r)
    # Within the set only; "*" reaches the highest UID given (5, expunged).
    check(a.ok("UID FETCH 1:3 (FLAGS) (CHANGEDSINCE %d VANISHED)" % m0)[0] ==
          "* VANISHED (EARLIER) 2", "set 1:3")
    check(a.ok("UID FETCH 4:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % m0)[0] ==
          "* VANISHED (EARLIER) 5", "set 4:*")
    # Nothing expunged since the given modseq: no VANISHED.
    r = a.ok("UID FETCH 1:* (FLAGS) (CHANGEDSINCE %d VANISHED)" % max(v[1] for v in ms.values()))
    check(not any("VANISHED" in x for x in r), r)
    for bad in ("UID FETCH 1:* (FLAGS) (VANISHED)",
                "FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED)",
                "UID FETCH 1:* (FLAGS) (CHANGEDSINCE 1 VANISHED VANISHED)"):
        r = a.cmd(bad)
        check(r[-1].startswith("BAD"), "%s: %r" % (bad, r))
    a.close()


def test_vanished_updates():
    """Another session's expunges reach a QRESYNC session as VANISHED at
    NOOP and during IDLE; a session without QRESYNC still gets EXPUNGE;
    MOVE reports VANISHED too."""
    w = Client("qr4")
    setup_box(w, "box", 6)
    w.ok("CREATE other")
    q = Client("qr4")
    q.ok("ENABLE QRESYNC")
    q.ok("SELECT box")
    p = Client("qr4")
    p.ok("SELECT box")
    w.ok("SELECT box")
    w.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
    r = w.cmd("UID EXPUNGE 2")
    check(r == ["* 2 EXPUNGE", "OK UID EXPUNGE completed"], r)  # no QRESYNC there
    r = q.ok("NOOP")
    check(r == ["* VANISHED 2"], r)
    r = p.ok("NOOP")
    check(r == ["* 2 EXPUNGE"], r)
    # IDLE: the update arrives without any command.
    q.send("i1 IDLE")
    check(q.line().startswith("+"), "idle continuation")
    w.ok("UID STORE 4:5 +FLAGS.SILENT (\\Deleted)")
    w.ok("UID EXPUNGE 4:5")
    got = q.line()
    if got.startswith("* ") and "FETCH" in got:  # \Deleted first, then gone
        got = q.line()
    while "FETCH" in got:
        got = q.line()
    check(got == "* VANISHED 4:5", got)
    q.send("DONE")
    check(q.line().startswith("i1 OK"), "idle done")
    # The session's own MOVE.
    r = q.ok("UID MOVE 6 other")
    check("* VANISHED 6" in r and not any("EXPUNGE" in x for x in r), r)
    # Held back during a sequence-number FETCH, like EXPUNGE; the MODSEQ
    # values sent meanwhile are newer than the expunge, so a HIGHESTMODSEQ
    # below the expunge's follows them (RFC 5162 erratum 1810).
    w.ok("UID STORE 1 +FLAGS.SILENT (\\Deleted)")
    w.ok("UID EXPUNGE 1")
    _, expunge_modseq = select_info(w.ok("SELECT box"))
    w.ok("UID STORE 3 +FLAGS.SILENT (\\Seen)")  # MODSEQ above the expunge's
    r = q.cmd("FETCH 1:2 (UID)")
    check(len(r) == 4 and r[0].startswith("* 2 FETCH (UID 3") and
          r[1].startswith("* 2 FETCH (MODSEQ (") and "UID 3 FLAGS (\\Seen)" in r[1] and
          r[2] == "* OK [HIGHESTMODSEQ %d] Expunges pending" % (expunge_modseq - 1) and
          r[3].startswith("NO [EXPUNGEISSUED]"), r)
    r = q.ok("NOOP")
    check(r == ["* VANISHED 1"], r)
    for c in (w, q, p):
        c.close()


def test_closed_on_reselect():
    c = Client("qr5")
    r = c.ok("SELECT INBOX")
    check(not any("CLOSED" in x for x in r), r)
    r = c.ok("EXAMINE INBOX")
    check(r[0].startswith("* OK [CLOSED]"), r)
    r = c.cmd("SELECT nosuchbox")
    check(r[0].startswith("* OK [CLOSED]") and r[-1].startswith("NO"), r)
    r = c.ok("SELECT INBOX")  # nothing was selected any more
    check(not any("CLOSED" in x for x in r), r)
    c.close()


def test_close_uses_store_flags():
    """CLOSE expunges what is \\Deleted in the store when it runs, among the
    session's messages: a \\Deleted set by another session since the last
    sync goes, a \\Deleted message the session never saw stays."""
    a = Client("qr6")
    setup_box(a, "box", 4)
    a.ok("SELECT box")
    b = Client("qr6")
    b.ok("SELECT box")
    a.ok("UID STORE 1 +FLAGS.SILENT (\\Deleted)")
    b.ok("UID STORE 3 +FLAGS.SILENT (\\Deleted)")
    b.append("box", msg(5), "(\\Deleted) ")
    a.ok("CLOSE")
    b.ok("UNSELECT")
    r = b.ok("STATUS box (MESSAGES)")
    check(r == ['* STATUS "box" (MESSAGES 3)'], r)
    b.ok("SELECT box")
    uids = sorted(modseqs(b))
    check(uids == [2, 4, 5], uids)
    # The view knows of no \Deleted at all: the store's still counts.
    b.ok("UID STORE 5 -FLAGS.SILENT (\\Deleted)")
    a.ok("SELECT box")
    b.ok("UID STORE 2 +FLAGS.SILENT (\\Deleted)")
    a.ok("CLOSE")
    uids = sorted(modseqs(b))
    check(uids == [4, 5], uids)
    a.close()
    b.close()


def test_deleted_mailbox_bye():
    a = Client("qr7")
    b = Client("qr7")
    # NOOP after another session deleted the selected mailbox.
    a.ok("CREATE gone1")
    a.append("gone1", msg(1))
    a.ok("SELECT gone1")
    b.ok("DELETE gone1")
    a.send("n1 NOOP")
    check(a.line() == "* BYE Selected mailbox was deleted, have to disconnect", "BYE")
    check(a.closed(), "closed")
    # FETCH: BYE too, no NO [EXPUNGEISSUED].
    a = Client("qr7")
    a.ok("CREATE gone2")
    a.append("gone2", msg(1))
    a.ok("SELECT gone2")
    b.ok("DELETE gone2")
    a.send("f1 FETCH 1 FLAGS")
    check(a.line().startswith("* BYE Selected mailbox was deleted"), "BYE on FETCH")
    check(a.closed(), "closed after FETCH")
    # During IDLE the BYE comes at once.
    a = Client("qr7")
    a.ok("CREATE gone3")
    a.ok("SELECT gone3")
    a.send("i1 IDLE")
    check(a.line().startswith("+"), "idling")
    b.ok("DELETE gone3")
    check(a.line().startswith("* BYE Selected mailbox was deleted"), "BYE in IDLE")
    check(a.closed(), "closed in IDLE")
    # RENAME keeps the mailbox (RFC 2180 section 3.4): the session goes on.
    a = Client("qr7")
    a.ok("CREATE ren1")
    a.append("ren1", msg(1))
    a.ok("SELECT ren1")
    b.ok("RENAME ren1 ren2")
    check(a.ok("NOOP") == [], "NOOP after rename")
    r = a.ok("FETCH 1 (UID FLAGS)")
    check(r == ["* 1 FETCH (UID 1 FLAGS ())"], r)
    b.append("ren2", msg(2))
    check(a.ok("NOOP") == ["* 2 EXISTS"], "new mail under the new name")
    a.close()
    b.close()


TESTS = [
    test_capability_and_enable,
    test_select_needs_enable,
    test_select_vanished_earlier,
    test_uid_fetch_vanished,
    test_vanished_updates,
    test_closed_on_reselect,
    test_close_uses_store_flags,
    test_deleted_mailbox_bye,
]


def main():
    global B
    with harness.Balise() as b:
        B = b.start()
        status = harness.run_tests(TESTS)
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r\n%s" % (rc, b.output()[-4000:]))
            status = 1
        if status:
            print(b.output()[-6000:])
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# IMAP4rev2 (RFC 9051) and UTF8=ACCEPT (RFC 6855) against a real balised
# (tests/e2e/harness.py) over implicit TLS, with raw commands and exact
# responses: the capabilities, ENABLE, SELECT without RECENT but with LIST,
# SEARCH answered with ESEARCH, UTF-8 mailbox names seen as modified UTF-7
# by IMAP4rev1 clients and the other way round, APPEND UTF8 (~{n}), SEARCH
# CHARSET refused after ENABLE UTF8=ACCEPT, raw UTF-8 headers returned
# intact, \NonExistent in LIST-EXTENDED, "$" emptied by a failed SEARCH
# SAVE (RFC 5182), a FETCH whose client goes while its output is full, and
# the poll that shows an IDLE session a message appended by another
# process (store_deliver).
import imaplib
import os
import re
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
POLL_TIMEOUT = 20  # the poll runs every 2 s; generous for sanitizer builds
B = None
USERS = {}
PW = "pw-secret"
STORE_DELIVER = os.path.join(harness.BUILD, "tests", "e2e", "store_deliver")

check = harness.check

SUBJECT = "Réunion été – 検査"
MSG = ("From: Zoé <zoe@test.example>\r\nTo: bob@test.example\r\n"
       "Subject: %s\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n"
       "Message-ID: <utf8@test.example>\r\nContent-Type: text/plain; charset=utf-8\r\n"
       "\r\nBonjour à tous.\r\n" % SUBJECT).encode()
ASCII_MSG = (b"From: a@test.example\r\nTo: b@test.example\r\nSubject: plain\r\n"
             b"Message-ID: <p@test.example>\r\n\r\nHello.\r\n")


class Raw:
    """A raw IMAP client over TLS: commands as bytes, answers as lines
    (bytes, CRLF stripped; a literal's bytes follow its line as one item)."""

    def __init__(self, local, rcvbuf=None):
        if local not in USERS:
            USERS[local] = B.add_bal(local, PW)
        sock = socket.socket()
        sock.settimeout(IO_TIMEOUT)
        if rcvbuf:  # a small window: the server's output queue fills up
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        sock.connect(("127.0.0.1", B.imaps_port))
        self.s = B.tls_context().wrap_socket(sock)
        self.f = self.s.makefile("rb")
        self.n = 0
        self.greeting = self.line()
        self.ok(b'LOGIN "%s" "%s"' % (USERS[local].encode(), PW.encode()))

    def line(self):
        ln = self.f.readline()
        check(ln.endswith(b"\r\n"), "connection ended: %r" % ln)
        return ln[:-2]

    def read_until(self, tag):
        out = []
        while True:
            ln = self.line()
            out.append(ln)
            m = re.search(rb"\{(\d+)\}$", ln)
            if m:
                out.append(self.f.read(int(m.group(1))))
            elif ln.startswith(tag + b" "):
                return out

    def cmd(self, text, literals=()):
        """Sends text (bytes); each literal is sent after the server's "+".
        Returns (tagged line, untagged lines)."""
        self.n += 1
        tag = b"t%d" % self.n
        parts = [tag + b" " + text] + list(literals)
        for i, p in enumerate(parts):
            self.s.sendall(p + b"\r\n")
            if i < len(parts) - 1:
                ln = self.line()
                check(ln.startswith(b"+"), "no continuation: %r" % ln)
        out = self.read_until(tag)
        return out[-1][len(tag) + 1:], out[:-1]

    def ok(self, text, literals=()):
        tagged, untagged = self.cmd(text, literals)
        check(tagged.startswith(b"OK"), "%r: %r %r" % (text, tagged, untagged))
        return untagged

    def close(self):
        try:
            self.cmd(b"LOGOUT")
        finally:
            self.s.close()


def fill(local, msgs):
    """Appends msgs to local's INBOX with imaplib (non-UTF-8 APPEND)."""
    r = Raw(local)
    for m in msgs:
        r.ok(b"APPEND INBOX {%d}" % len(m), [m])
    r.close()


def capa_line(lines):
    for ln in lines:
        if ln.startswith(b"* CAPABILITY "):
            return ln.split()[2:]
    return []


# ------------------------------------------------------------------ tests

def test_capabilities():
    r = Raw("capa")
    check(b"IMAP4rev2" in r.greeting and b"IMAP4rev1" in r.greeting, r.greeting)
    caps = capa_line(r.ok(b"CAPABILITY"))
    for c in (b"IMAP4rev1", b"IMAP4rev2", b"UTF8=ACCEPT", b"ENABLE", b"ESEARCH", b"UNSELECT",
              b"BINARY", b"LIST-EXTENDED", b"SEARCHRES", b"STATUS=SIZE"):
        check(c in caps, "%s missing from %r" % (c, caps))
    check(r.ok(b"ENABLE IMAP4rev2 UTF8=ACCEPT") == [b"* ENABLED IMAP4rev2 UTF8=ACCEPT"], "enable")
    check(r.ok(b"ENABLE IMAP4rev2") == [b"* ENABLED"], "enabled twice")
    r.close()
    # Before TLS the plain port lists it too (RFC 9051 section 6.1.1).
    with socket.create_connection(("127.0.0.1", B.imap_port), timeout=IO_TIMEOUT) as s:
        greeting = s.makefile("rb").readline()
        check(b"IMAP4rev2" in greeting and b"STARTTLS" in greeting, greeting)


def test_select_rev1_rev2():
    fill("sel", [ASCII_MSG])
    r = Raw("sel")
    u = r.ok(b"SELECT INBOX")
    check(b"* 0 RECENT" in u and b"* OK [UNSEEN 1] First unseen" in u, u)
    check(not any(x.startswith(b"* LIST") for x in u), u)
    r.ok(b"ENABLE IMAP4rev2")
    u = r.ok(b"SELECT inbox")
    check(not any(b"RECENT" in x or b"UNSEEN" in x for x in u), u)
    check(b'* LIST () "/" "INBOX"' in u, u)
    check(b"* 1 EXISTS" in u, u)
    # No \Recent in FLAGS, and STATUS still answers for IMAP4rev1 names.
    u = r.ok(b"FETCH 1 FLAGS")
    check(u == [b"* 1 FETCH (FLAGS ())"], u)
    r.ok(b"UNSELECT")
    r.close()


def test_search_esearch():
    fill("srch", [ASCII_MSG, ASCII_MSG, ASCII_MSG])
    r = Raw("srch")
    r.ok(b"SELECT INBOX")
    check(r.ok(b"SEARCH ALL") == [b"* SEARCH 1 2 3"], "rev1 SEARCH")
    r.ok(b"ENABLE IMAP4rev2")
    u = r.ok(b"SEARCH ALL")
    check(u == [b'* ESEARCH (TAG "t%d") ALL 1:3' % r.n], u)
    u = r.ok(b"UID SEARCH 2:3")
    check(u == [b'* ESEARCH (TAG "t%d") UID ALL 2:3' % r.n], u)
    u = r.ok(b"SEARCH DELETED")
    check(u == [b'* ESEARCH (TAG "t%d")' % r.n], u)
    u = r.ok(b"SEARCH RETURN (COUNT) ALL")
    check(u == [b'* ESEARCH (TAG "t%d") COUNT 3' % r.n], u)
    r.close()


def test_utf8_names_both_ways():
    u8 = Raw("names")
    u8.ok(b"ENABLE UTF8=ACCEPT")
    u8.ok(b'CREATE "\xc3\x89t\xc3\xa9/Pr\xc3\xa9f\xc3\xa9r\xc3\xa9"')
    old = Raw("names")
    # The IMAP4rev1 client sees modified UTF-7 (RFC 3501 section 5.1.3).
    u = old.ok(b'LIST "" "&AMk-t&AOk-*"')
    check(u == [b'* LIST (\\HasChildren) "/" "&AMk-t&AOk-"',
                b'* LIST (\\HasNoChildren) "/" "&AMk-t&AOk-/Pr&AOk-f&AOk-r&AOk-"'], u)
    old.ok(b'CREATE "Caf&AOk-"')
    u = old.ok(b'STATUS "Caf&AOk-" (MESSAGES)')
    check(u == [b'* STATUS "Caf&AOk-" (MESSAGES 0)'], u)
    # ... and the UTF-8 client UTF-8, in quoted strings.
    u = u8.ok(b'LIST "" "Caf*"')
    check(u == [b'* LIST (\\HasNoChildren) "/" "Caf\xc3\xa9"'], u)
    u = u8.ok(b'STATUS "\xc3\x89t\xc3\xa9/Pr\xc3\xa9f\xc3\xa9r\xc3\xa9" (MESSAGES)')
    check(u == [b'* STATUS "\xc3\x89t\xc3\xa9/Pr\xc3\xa9f\xc3\xa9r\xc3\xa9" (MESSAGES 0)'], u)
    # A UTF-8 client does not speak modified UTF-7: "&AOk-" is a name as is.
    u = u8.ok(b'LIST "" "Caf&AOk-"')
    check(u == [], u)
    # UTF-8 before ENABLE is not a valid name.
    tagged, _ = old.cmd(b'CREATE "Caf\xc3\xa9"')
    check(tagged.startswith(b"BAD"), tagged)
    u8.ok(b'RENAME "Caf\xc3\xa9" "Th\xc3\xa9"')
    check(old.ok(b'LIST "" "Th*"') == [b'* LIST (\\HasNoChildren) "/" "Th&AOk-"'], "rename")
    # "&" is "&-" in modified UTF-7 only.
    u8.ok(b'CREATE "R&D"')
    check(old.ok(b'LIST "" "R*"') == [b'* LIST (\\HasNoChildren) "/" "R&-D"'], "& to mUTF-7")
    old.ok(b'CREATE "X&-Y"')
    check(u8.ok(b'LIST "" "X*"') == [b'* LIST (\\HasNoChildren) "/" "X&Y"'], "& to UTF-8")
    # IMAP4rev2 alone also means UTF-8 names.
    rev2 = Raw("names")
    rev2.ok(b"ENABLE IMAP4rev2")
    check(rev2.ok(b'LIST "" "Th*"') == [b'* LIST (\\HasNoChildren) "/" "Th\xc3\xa9"'], "rev2")
    u = rev2.ok(b'SELECT "Th\xc3\xa9"')
    check(b'* LIST () "/" "Th\xc3\xa9"' in u, u)
    for c in (u8, old, rev2):
        c.close()


def test_append_utf8_and_headers():
    r = Raw("app8")
    # Without ENABLE UTF8=ACCEPT the UTF8 form is refused.
    tagged, _ = r.cmd(b"APPEND INBOX UTF8 (~{%d}" % len(MSG), [MSG + b")"])
    check(tagged.startswith(b"BAD"), tagged)
    r.ok(b"ENABLE UTF8=ACCEPT")
    tagged, _ = r.cmd(b"APPEND INBOX (\\Seen) UTF8 (~{%d}" % len(MSG), [MSG + b")"])
    check(re.match(rb"OK \[APPENDUID \d+ 1\] APPEND completed", tagged), tagged)
    tagged, _ = r.cmd(b"APPEND INBOX UTF8 ({%d}" % len(MSG), [MSG + b")"])
    check(tagged.startswith(b"BAD"), "UTF8 with a plain literal: %r" % tagged)
    r.ok(b"SELECT INBOX")
    u = r.ok(b"FETCH 1 (FLAGS BODY.PEEK[HEADER] RFC822.SIZE)")
    hdr = MSG[:MSG.index(b"\r\n\r\n") + 4]
    check(u[1] == hdr, "header not intact: %r" % u[1])
    check(b"RFC822.SIZE %d" % len(MSG) in u[2] and b"\\Seen" in u[0], u)
    u = r.ok(b"FETCH 1 ENVELOPE")
    env = b"".join(u)
    check(SUBJECT.encode() in env and "Zoé".encode() in env, env)
    # RFC 6855 section 3: strings are UTF-8, and CHARSET is refused.
    u = r.ok(b'SEARCH SUBJECT "\xc3\xa9t\xc3\xa9"')
    check(u == [b"* SEARCH 1"], u)
    tagged, _ = r.cmd(b"SEARCH CHARSET UTF-8 ALL")
    check(tagged.startswith(b"BAD"), tagged)
    r.close()
    # A client that did not enable it may still name a charset.
    old = Raw("app8")
    old.ok(b"SELECT INBOX")
    check(old.ok(b"SEARCH CHARSET UTF-8 ALL") == [b"* SEARCH 1"], "CHARSET without ENABLE")
    old.close()


def test_list_nonexistent():
    r = Raw("nonex")
    r.ok(b'CREATE "Proj/a"')
    r.ok(b'SUBSCRIBE "Proj/a"')
    r.ok(b'DELETE "Proj"')  # "Proj/a" stays: "Proj" is only a level now
    u = r.ok(b'LIST (SUBSCRIBED RECURSIVEMATCH) "" "%"')
    check(b'* LIST (\\NonExistent \\HasChildren) "/" "Proj" ("CHILDINFO" ("SUBSCRIBED"))'
          in u, u)
    # Base LIST keeps \Noselect for a level only implied by its children.
    u = r.ok(b'LIST "" "Proj"')
    check(u == [b'* LIST (\\Noselect \\HasChildren) "/" "Proj"'], u)
    # Subscribed, then deleted: still subscribed, \NonExistent (RFC 5258
    # section 3, RFC 9051 section 6.3.9).
    r.ok(b'CREATE "Gone"')
    r.ok(b'SUBSCRIBE "Gone"')
    r.ok(b'DELETE "Gone"')
    u = r.ok(b'LIST (SUBSCRIBED) "" "Gone"')
    check(u == [b'* LIST (\\NonExistent \\HasNoChildren \\Subscribed) "/" "Gone"'], u)
    u = r.ok(b'LIST "" "Gone"')
    check(u == [], u)
    check(r.ok(b'LSUB "" "Gone"') == [b'* LSUB () "/" "Gone"'], "lsub")
    # Re-created, it is subscribed again; unsubscribed, it is gone.
    r.ok(b'CREATE "Gone"')
    u = r.ok(b'LIST (SUBSCRIBED) "" "Gone"')
    check(u == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "Gone"'], u)
    r.ok(b'DELETE "Gone"')
    r.ok(b'UNSUBSCRIBE "Gone"')
    check(r.ok(b'LIST (SUBSCRIBED) "" "Gone"') == [], "unsubscribed")
    tagged, _ = r.cmd(b'UNSUBSCRIBE "Gone"')
    check(tagged.startswith(b"NO [NONEXISTENT]"), tagged)
    # A mailbox renamed to a kept name takes the subscription over: it can
    # then be unsubscribed like any other.
    r.ok(b'CREATE "Kept"')
    r.ok(b'SUBSCRIBE "Kept"')
    r.ok(b'DELETE "Kept"')
    r.ok(b'CREATE "Other"')
    r.ok(b'RENAME "Other" "Kept"')
    u = r.ok(b'LIST (SUBSCRIBED) "" "Kept"')
    check(u == [b'* LIST (\\HasNoChildren \\Subscribed) "/" "Kept"'], u)
    r.ok(b'UNSUBSCRIBE "Kept"')
    check(r.ok(b'LIST (SUBSCRIBED) "" "Kept"') == [], "renamed, unsubscribed")
    r.close()


def test_searchres_failed_save():
    fill("sres", [ASCII_MSG, ASCII_MSG])
    r = Raw("sres")
    r.ok(b"SELECT INBOX")
    r.ok(b"SEARCH RETURN (SAVE) ALL")
    check(len(r.ok(b"FETCH $ UID")) == 2, "saved")
    # RFC 5182 section 2.1: a SEARCH with SAVE that fails empties "$".
    tagged, _ = r.cmd(b"SEARCH RETURN (SAVE) NOSUCHKEY")
    check(tagged.startswith(b"BAD"), tagged)
    check(r.ok(b"FETCH $ UID") == [], "$ after BAD")
    r.ok(b"SEARCH RETURN (SAVE) ALL")
    tagged, _ = r.cmd(b"SEARCH RETURN (SAVE) CHARSET KOI8-R ALL")
    check(tagged.startswith(b"NO [BADCHARSET"), tagged)
    check(r.ok(b"FETCH $ UID") == [], "$ after NO")
    # A failed SEARCH without SAVE leaves it alone.
    r.ok(b"SEARCH RETURN (SAVE) 2")
    r.cmd(b"SEARCH NOSUCHKEY")
    check(r.ok(b"FETCH $ UID") == [b"* 2 FETCH (UID 2)"], "kept")
    r.close()


def test_fetch_client_gone_while_full():
    """The client stops reading mid-FETCH and goes: the FETCH ends through
    the drain wait's abort hook (under ASan a leak fails balised's exit)."""
    big = b"Subject: big\r\n\r\n" + (b"x" * 998 + b"\r\n") * 800
    fill("gone", [big] * 4)
    r = Raw("gone", rcvbuf=4096)
    r.ok(b"SELECT INBOX")
    # About 10 MB: more than the socket buffers take, so the FETCH waits.
    r.s.sendall(b"f1 FETCH 1:* (BODY.PEEK[] BODY.PEEK[TEXT] BINARY.PEEK[1])\r\n")
    first = r.line()
    check(first.startswith(b"* 1 FETCH"), first)
    time.sleep(0.5)
    r.f.close()  # unread data: the close resets the connection
    r.s.close()
    # The FETCH ended without a reply, and balised still serves.
    check(B.wait_log("imap cmd=FETCH result=-", timeout=IO_TIMEOUT), "FETCH not ended")
    other = Raw("gone")
    other.ok(b"NOOP")
    other.close()


def test_poll_other_process():
    addr = USERS.get("poll") or B.add_bal("poll", PW)
    USERS["poll"] = addr
    fill("poll", [ASCII_MSG])
    r = Raw("poll")
    r.ok(b"SELECT INBOX")
    r.s.sendall(b"i1 IDLE\r\n")
    check(r.line().startswith(b"+"), "no IDLE continuation")
    out = subprocess.run([STORE_DELIVER, B.conf, addr], input=ASCII_MSG, capture_output=True,
                         timeout=60)
    check(out.returncode == 0 and out.stdout.startswith(b"uid 2"), out)
    r.s.settimeout(POLL_TIMEOUT)
    deadline = time.monotonic() + POLL_TIMEOUT
    seen = []
    while time.monotonic() < deadline:
        ln = r.line()
        seen.append(ln)
        if ln == b"* 2 EXISTS":
            break
    check(seen and seen[-1] == b"* 2 EXISTS", "no EXISTS while idling: %r" % seen)
    r.s.sendall(b"DONE\r\n")
    check(r.line() == b"i1 OK IDLE terminated", "IDLE end")
    r.close()


TESTS = [
    test_capabilities,
    test_select_rev1_rev2,
    test_search_esearch,
    test_utf8_names_both_ways,
    test_append_utf8_and_headers,
    test_list_nonexistent,
    test_searchres_failed_save,
    test_fetch_client_gone_while_full,
    test_poll_other_process,
]


def main():
    global B
    if len(sys.argv) > 1:  # run only the named tests
        TESTS[:] = [t for t in TESTS if t.__name__ in sys.argv[1:]]
    with harness.Balise() as b:
        B = b.start()
        status_ = harness.run_tests(TESTS)
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r\n%s" % (rc, b.output()[-4000:]))
            status_ = 1
        if status_:
            print(b.output()[-6000:])
    return status_


if __name__ == "__main__":
    sys.exit(main())

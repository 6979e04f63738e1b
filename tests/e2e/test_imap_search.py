#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# SEARCH, SORT and THREAD against a real balised (tests/e2e/harness.py) over
# TLS: every RFC 3501 search key on a small corpus (encoded words, QP and
# base64 bodies, dates with zones), ESEARCH, SEARCHRES, BADCHARSET, SORT by
# each key, THREAD REFERENCES and ORDEREDSUBJECT, malformed commands.
import base64
import imaplib
import os
import socket
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
B = None
USERS = {}


check = harness.check



def imaps(user):
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(), timeout=IO_TIMEOUT)
    c.login(USERS[user], "pw-" + user)
    return c


class Raw:
    """Line-level client over implicit TLS, for responses imaplib hides."""

    def __init__(self, user):
        s = socket.create_connection(("127.0.0.1", B.imaps_port), timeout=IO_TIMEOUT)
        self.s = B.tls_context().wrap_socket(s)
        self.buf = b""
        self.line()
        r = self.cmd(b'LOGIN "%s" "pw-%s"' % (USERS[user].encode(), user.encode()))
        check(r[-1].startswith(b"t OK"), r)
        r = self.cmd(b"SELECT INBOX")
        check(r[-1].startswith(b"t OK"), r)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                out, self.buf = self.buf, b""
                return out
            self.buf += d
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out

    def cmd(self, text, tag=b"t"):
        self.s.sendall(tag + b" " + text + b"\r\n")
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if ln.startswith(tag + b" ") or ln == b"":
                return lines

    def close(self):
        self.s.close()


# ------------------------------------------------------------------ corpus

def msg(headers, body):
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


CAFE_Q = "=?UTF-8?Q?Caf=C3=A9_r=C3=A9sum=C3=A9?="
CAFE_B = "=?utf-8?B?" + base64.b64encode("Re: Café résumé".encode()).decode() + "?="
MIXED = (b"--XX\r\nContent-Type: text/plain\r\n\r\nplain part kiwi\r\n"
         b"--XX\r\nContent-Type: text/html; charset=iso-8859-1\r\n"
         b"Content-Transfer-Encoding: quoted-printable\r\n\r\n<b>=E9t=E9</b>\r\n"
         b"--XX\r\nContent-Type: application/octet-stream\r\n"
         b"Content-Transfer-Encoding: base64\r\n\r\n"
         + base64.b64encode(b"mango inside") + b"\r\n--XX--\r\n")

# (flags, internal date, message): sequence numbers and UIDs 1..5
CORPUS = [
    (r"(\Seen)", '"01-Nov-2026 12:00:00 +0000"', msg([
        'From: "Alice Example" <alice@a.example>', "To: bob@b.example",
        "Cc: carol@c.example", "Subject: " + CAFE_Q, "Date: Mon, 2 Nov 2026 10:00:00 +0000",
        "Message-ID: <m1@x>", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8",
        "Content-Transfer-Encoding: quoted-printable"],
        b"Caf=C3=A9 au lait, tr=C3=A8s bon=\r\n soft\r\n")),
    (r"(\Flagged \Answered)", '"02-Nov-2026 12:00:00 +0000"', msg([
        "From: bob@b.example", "To: alice@a.example", "Bcc: dave@d.example",
        "Subject: " + CAFE_B, "Date: Tue, 3 Nov 2026 23:30:00 -0500", "Message-ID: <m2@x>",
        "In-Reply-To: <m1@x>", "References: <m1@x>", "Content-Type: text/plain",
        "Content-Transfer-Encoding: base64"],
        base64.b64encode(b"secret banana\r\n") + b"\r\n")),
    (r"(\Deleted $Label1)", '"03-Nov-2026 12:00:00 +0000"', msg([
        "From: carol@c.example", "To: bob@b.example", "Subject: hello again",
        "Message-ID: <m3@x>", "X-Custom: Zebra\r\n stripes", "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XX"'], MIXED)),
    (r"(\Draft $Label1 $Label2)", '"05-Nov-2026 12:00:00 +0000"', msg([
        'From: "Alice Example" <alice@a.example>', "To: carol@c.example",
        "Subject: Fwd: hello again", "Date: Thu, 5 Nov 2026 08:00:00 +0100",
        "Message-ID: <m4@x>", "References: <m3@x>"],
        b"Another message\r\n" + b"padding padding padding\r\n" * 80)),
    (None, '"01-Oct-2026 12:00:00 +0000"', msg([
        "From: zed@z.example", "To: bob@b.example", "Subject: unrelated",
        "Date: Thu, 1 Oct 2026 09:00:00 +0000", "Message-ID: <m5@x>"], b"nothing here\r\n")),
]

# THREAD corpus (RFC 5256 section 4), in another mailbox owner's INBOX.
THREADS = [
    ("<a@t>", None, "topic", "10:00"),
    ("<b@t>", "<a@t>", "Re: topic", "11:00"),
    ("<c@t>", "<a@t> <b@t>", "Re: topic", "12:00"),
    ("<d@t>", None, "other", "09:00"),
    ("<e@t>", "<a@t>", "Re: topic", "13:00"),
    ("<f@t>", "<zz@t>", "Re: other", "14:00"),
]


def setup():
    c = imaps("sam")
    for flags, date, m in CORPUS:
        typ, data = c.append("INBOX", flags, date, m)
        check(typ == "OK", data)
    c.logout()
    c = imaps("tom")
    for mid, refs, subj, hour in THREADS:
        h = ["From: t@t.example", "Subject: " + subj, "Message-ID: " + mid,
             "Date: Sun, 1 Nov 2026 %s:00 +0000" % hour]
        if refs:
            h.append("References: " + refs)
        typ, data = c.append("INBOX", None, None, msg(h, b"x\r\n"))
        check(typ == "OK", data)
    c.logout()


def nums(data):
    return [int(x) for x in data[0].split()] if data and data[0] else []


# ------------------------------------------------------------------ tests

KEYS = [
    ("ALL", [1, 2, 3, 4, 5]),
    ("SEEN", [1]), ("UNSEEN", [2, 3, 4, 5]),
    ("FLAGGED", [2]), ("UNFLAGGED", [1, 3, 4, 5]),
    ("ANSWERED", [2]), ("UNANSWERED", [1, 3, 4, 5]),
    ("DELETED", [3]), ("UNDELETED", [1, 2, 4, 5]),
    ("DRAFT", [4]), ("UNDRAFT", [1, 2, 3, 5]),
    ("KEYWORD $Label1", [3, 4]), ("UNKEYWORD $Label1", [1, 2, 5]),
    ("KEYWORD $label2", [4]), ("KEYWORD nosuch", []), ("UNKEYWORD nosuch", [1, 2, 3, 4, 5]),
    ("NEW", []), ("RECENT", []), ("OLD", [1, 2, 3, 4, 5]),
    ("FROM alice", [1, 4]), ('FROM "Alice Example"', [1, 4]), ("FROM ALICE@A.EXAMPLE", [1, 4]),
    ("TO bob", [1, 3, 5]), ("CC carol", [1]), ("BCC dave", [2]), ("BCC nobody", []),
    ("SUBJECT hello", [3, 4]), ('SUBJECT "re:"', [2]), ("SUBJECT resum", []),
    ('HEADER X-Custom "zebra stripes"', [3]), ('HEADER X-Custom ""', [3]),
    ("HEADER Message-ID m5", [5]), ('HEADER In-Reply-To ""', [2]), ('HEADER X-None ""', []),
    ("BODY banana", [2]), ('BODY "au lait"', [1]), ('BODY "bon soft"', [1]),
    ("BODY kiwi", [3]), ("BODY mango", []), ('BODY "<b>"', [3]), ("BODY hello", []),
    ("BODY Another", [4]), ("TEXT hello", [3, 4]), ("TEXT zebra", [3]), ("TEXT banana", [2]),
    ("TEXT alice", [1, 2, 4]), ("TEXT x-custom", [3]),
    ("LARGER 1500", [4]), ("SMALLER 1500", [1, 2, 3, 5]),
    ("BEFORE 2-Nov-2026", [1, 5]), ("ON 2-Nov-2026", [2]), ("SINCE 3-Nov-2026", [3, 4]),
    ("SENTBEFORE 2-Nov-2026", [5]), ("SENTON 3-Nov-2026", [2, 3]), ("SENTON 4-Nov-2026", []),
    ("SENTSINCE 5-Nov-2026", [4]), ("SENTON 2-Nov-2026", [1]),
    ("SAVEDSINCE 1-Jan-2020", [1, 2, 3, 4, 5]), ("SAVEDBEFORE 1-Jan-2020", []),
    ("SAVEDATESUPPORTED", [1, 2, 3, 4, 5]),
    ("YOUNGER 2000000000", [1, 2, 3, 4, 5]), ("OLDER 2000000000", []),
    ("OR SEEN FLAGGED", [1, 2]), ("NOT SEEN", [2, 3, 4, 5]),
    ("(OR DRAFT DELETED) FROM alice", [4]), ("NOT (FROM alice)", [2, 3, 5]),
    ("OR (FROM zed) (OR BODY kiwi SUBJECT re:)", [2, 3, 5]),
    ("2:4", [2, 3, 4]), ("4:*", [4, 5]), ("*", [5]), ("UID 1,3", [1, 3]),
    ("UID 3:*", [3, 4, 5]), ("1:3 UNSEEN", [2, 3]), ("UNSEEN BODY kiwi 1:4", [3]),
]


def test_search_keys():
    c = imaps("sam")
    c.select("INBOX")
    for crit, want in KEYS:
        typ, data = c.search(None, crit)
        check(typ == "OK", "%s: %r" % (crit, data))
        check(nums(data) == want, "SEARCH %s: %r, want %r" % (crit, data, want))
        typ, data = c.uid("SEARCH", crit)  # UIDs are 1..5 as well
        check(typ == "OK" and nums(data) == want, "UID SEARCH %s: %r" % (crit, data))
    c.logout()


def test_search_utf8():
    c = imaps("sam")
    c.select("INBOX")
    for key, text, want in [("SUBJECT", "CAFÉ", [1, 2]), ("SUBJECT", "résumé", [1, 2]),
                            ("BODY", "café", [1]), ("BODY", "très", [1]),
                            ("BODY", "été", [3]), ("TEXT", "ÉTÉ", [3])]:
        c.literal = text.encode()
        typ, data = c.search("UTF-8", key)
        check(typ == "OK" and nums(data) == want, "%s %s: %r" % (key, text, data))
    typ, data = c.search("US-ASCII", "FROM bob")
    check(typ == "OK" and nums(data) == [2], data)
    c.logout()


def test_search_modseq():
    c = imaps("sam")
    c.select("INBOX")
    typ, data = c.search(None, "MODSEQ 1")
    check(typ == "OK" and b"(MODSEQ " in data[0], data)
    check(data[0].split(b" (")[0] == b"1 2 3 4 5", data)
    typ, data = c.search(None, "MODSEQ 1000000")
    check(typ == "OK" and data == [b""] or data == [None], data)
    c.logout()


def test_esearch():
    r = Raw("sam")
    cases = [
        (b"SEARCH RETURN (MIN MAX COUNT ALL) UNSEEN",
         b'* ESEARCH (TAG "t") MIN 2 MAX 5 COUNT 4 ALL 2:5'),
        (b"UID SEARCH RETURN () NOT DRAFT", b'* ESEARCH (TAG "t") UID ALL 1:3,5'),
        (b"SEARCH RETURN (COUNT) KEYWORD nosuch", b'* ESEARCH (TAG "t") COUNT 0'),
        (b"SEARCH RETURN (MIN) KEYWORD nosuch", b'* ESEARCH (TAG "t")'),
        (b"UID SEARCH RETURN (MAX) FROM alice", b'* ESEARCH (TAG "t") UID MAX 4'),
        (b"SEARCH RETURN (ALL) OR SEEN DRAFT", b'* ESEARCH (TAG "t") ALL 1,4'),
    ]
    for cmd, want in cases:
        lines = r.cmd(cmd)
        check(lines[-1].startswith(b"t OK") and lines[0] == want, "%s: %r" % (cmd, lines))
    lines = r.cmd(b"SEARCH RETURN (COUNT) MODSEQ 1")
    check(lines[0].startswith(b'* ESEARCH (TAG "t") COUNT 5 MODSEQ '), lines)
    r.close()


def test_searchres():
    r = Raw("sam")
    lines = r.cmd(b"SEARCH $")
    check(lines[0] == b"* SEARCH", lines)
    lines = r.cmd(b"SEARCH RETURN (SAVE) FLAGGED")
    check(len(lines) == 1 and lines[0].startswith(b"t OK"), lines)  # RFC 5182 2.1
    check(r.cmd(b"SEARCH $")[0] == b"* SEARCH 2", "saved FLAGGED")
    check(r.cmd(b"UID SEARCH OR $ SEEN")[0] == b"* SEARCH 1 2", "OR $")
    lines = r.cmd(b"SEARCH RETURN (SAVE MIN) OR SEEN DRAFT")
    check(lines[0] == b'* ESEARCH (TAG "t") MIN 1', lines)
    check(r.cmd(b"SEARCH $")[0] == b"* SEARCH 1", "saved MIN")
    lines = r.cmd(b"SEARCH RETURN (MIN MAX SAVE) ALL")
    check(lines[0] == b'* ESEARCH (TAG "t") MIN 1 MAX 5', lines)
    check(r.cmd(b"SEARCH NOT $")[0] == b"* SEARCH 2 3 4", "NOT $")
    lines = r.cmd(b"SEARCH RETURN (SAVE COUNT) UNSEEN")
    check(lines[0] == b'* ESEARCH (TAG "t") COUNT 4', lines)
    check(r.cmd(b"SORT (REVERSE ARRIVAL) UTF-8 $")[0] == b"* SORT 4 3 2 5", "SORT $")
    r.cmd(b"SELECT INBOX")
    check(r.cmd(b"SEARCH $")[0] == b"* SEARCH", "SELECT resets $")
    r.close()


def test_badcharset_and_malformed():
    r = Raw("sam")
    lines = r.cmd(b"SEARCH CHARSET KOI8-R ALL")
    check(lines[-1].startswith(b"t NO [BADCHARSET (UTF-8 US-ASCII)]"), lines)
    lines = r.cmd(b"SORT (DATE) ISO-8859-99 ALL")
    check(lines[-1].startswith(b"t NO [BADCHARSET"), lines)
    for bad in [b"SEARCH FOO", b"SEARCH OR SEEN", b"SEARCH BEFORE 32-Foo-2020",
                b"SEARCH RETURN (BOGUS) ALL", b"SEARCH LARGER x", b"SEARCH UID x:y",
                b"SEARCH", b"SEARCH (SEEN", b"SEARCH NOT", b"SEARCH HEADER X",
                b"SORT (NOSUCH) UTF-8 ALL", b"SORT DATE UTF-8 ALL", b"SORT () UTF-8 ALL",
                b"SORT (DATE) UTF-8", b"THREAD FOO UTF-8 ALL", b"THREAD REFERENCES UTF-8",
                b"THREAD REFERENCES UTF-8 FOO", b"SORT (REVERSE) UTF-8 ALL"]:
        lines = r.cmd(bad)
        check(lines[-1].startswith(b"t BAD"), "%s: %r" % (bad, lines))
    lines = r.cmd(b"NOOP")
    check(lines[-1].startswith(b"t OK"), lines)
    check(r.cmd(b"SEARCH SEEN")[0] == b"* SEARCH 1", "session goes on")
    r.close()
    # Not selected: BAD from the generic checks.
    c = imaps("sam")
    try:
        c.search(None, "ALL")
        raise AssertionError("SEARCH without a mailbox")
    except imaplib.IMAP4.error:
        pass
    c.logout()


def test_capabilities():
    c = imaps("sam")
    typ, data = c.capability()
    capa = data[0].split()
    for name in [b"SORT", b"SORT=DISPLAY", b"THREAD=ORDEREDSUBJECT", b"THREAD=REFERENCES",
                 b"ESEARCH", b"SEARCHRES"]:
        check(name in capa, "%s not in %r" % (name, data))
    c.logout()


def sort_by(key):
    return [i + 1 for i in sorted(range(len(CORPUS)), key=lambda i: (key(i), i))]


def test_sort():
    sizes = [len(m) for _, _, m in CORPUS]
    c = imaps("sam")
    c.select("INBOX")
    cases = [
        ("(DATE)", [5, 1, 3, 2, 4]), ("(REVERSE DATE)", [4, 2, 3, 1, 5]),
        ("(ARRIVAL)", [5, 1, 2, 3, 4]), ("(REVERSE ARRIVAL)", [4, 3, 2, 1, 5]),
        ("(FROM)", [1, 4, 2, 3, 5]), ("(REVERSE FROM)", [5, 3, 2, 1, 4]),
        ("(TO)", [2, 1, 3, 5, 4]), ("(CC)", [2, 3, 4, 5, 1]), ("(REVERSE CC)", [1, 2, 3, 4, 5]),
        ("(SIZE)", sort_by(lambda i: sizes[i])),
        ("(REVERSE SIZE)", sort_by(lambda i: -sizes[i])),
        ("(SUBJECT)", [1, 2, 3, 4, 5]), ("(REVERSE SUBJECT)", [5, 3, 4, 1, 2]),
        ("(DISPLAYFROM)", [1, 4, 2, 3, 5]), ("(DISPLAYTO)", [2, 1, 3, 5, 4]),
        ("(SUBJECT REVERSE DATE)", [2, 1, 4, 3, 5]),
    ]
    for crit, want in cases:
        typ, data = c.sort(crit, "UTF-8", "ALL")
        check(typ == "OK" and nums(data) == want, "SORT %s: %r, want %r" % (crit, data, want))
        typ, data = c.uid("SORT", crit, "UTF-8", "ALL")
        check(typ == "OK" and nums(data) == want, "UID SORT %s: %r" % (crit, data))
    typ, data = c.sort("(ARRIVAL)", "US-ASCII", "UNSEEN")
    check(nums(data) == [5, 2, 3, 4], data)
    typ, data = c.sort("(DATE)", "UTF-8", "KEYWORD", "nosuch")
    check(typ == "OK" and nums(data) == [], data)
    c.logout()


def test_thread():
    c = imaps("tom")
    c.select("INBOX")
    # REFERENCES (RFC 5256 section 4): b and e reply to a, c to b; f's
    # parent <zz@t> is missing, so f is a root and then joins d, whose
    # base subject it shares and which is not a reply; roots by date.
    typ, data = c.thread("REFERENCES", "UTF-8", "ALL")
    check(typ == "OK" and data == [b"(4 6)(1 (2 3)(5))"], data)
    # ORDEREDSUBJECT: grouped by base subject, sorted by date, the first of
    # each group is the parent of the others.
    typ, data = c.thread("ORDEREDSUBJECT", "UTF-8", "ALL")
    check(typ == "OK" and data == [b"(4 6)(1 (2)(3)(5))"], data)
    typ, data = c.uid("THREAD", "REFERENCES", "US-ASCII", "2:*")
    check(typ == "OK" and data == [b"(4 6)((2 3)(5))"], data)
    r = Raw("tom")
    check(r.cmd(b"THREAD REFERENCES UTF-8 KEYWORD nosuch")[0] == b"* THREAD", "empty THREAD")
    r.close()
    c.logout()


TESTS = [
    test_capabilities,
    test_search_keys,
    test_search_utf8,
    test_search_modseq,
    test_esearch,
    test_searchres,
    test_badcharset_and_malformed,
    test_sort,
    test_thread,
]


def main():
    global B
    with harness.Balise() as b:
        for u in ("sam", "tom"):
            USERS[u] = b.add_bal(u, "pw-" + u)
        B = b.start()
        setup()
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

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# mbsync (Debian isync) synchronising a Maildir with balised's INBOX both
# ways over implicit TLS with the test CA: new messages, flags, deletions
# and expunges travel in each direction, and a third run changes nothing.
# Skipped (exit 77) when mbsync is not installed.
import os
import re
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

MBSYNC = shutil.which("mbsync")
B = None
ADDR = None


check = harness.check


def msg(n, subject):
    return (b"From: sender%d@test.example\r\nTo: mb@test.example\r\n"
            b"Subject: %s\r\nMessage-ID: <%d.mbsync@test.example>\r\n"
            b"Date: Tue, 1 Dec 2026 10:0%d:00 +0100\r\n\r\nBody %d.\r\n" % (n, subject, n, n, n))


class Imap:
    """A minimal client over implicit TLS (what the checks need)."""

    def __init__(self):
        s = socket.create_connection(("127.0.0.1", B.imaps_port), timeout=30)
        self.s = B.tls_context().wrap_socket(s)
        self.f = self.s.makefile("rb")
        self.f.readline()
        self.n = 0
        self.cmd(b'LOGIN "%s" "pw"' % ADDR.encode())

    def cmd(self, text):
        self.n += 1
        tag = b"m%d" % self.n
        self.s.sendall(tag + b" " + text + b"\r\n")
        out = []
        while True:
            ln = self.f.readline()
            m = re.search(rb"\{(\d+)\}\r\n$", ln)
            if m:
                ln += self.f.read(int(m.group(1))) + self.f.readline()
            if ln.startswith(tag + b" "):
                check(ln.startswith(tag + b" OK"), (text, ln, out))
                return out
            out.append(ln)

    def messages(self):
        """{subject: flags} of INBOX."""
        out = self.cmd(b"SELECT INBOX")
        n = int([x for x in out if x.endswith(b" EXISTS\r\n")][0].split()[1])
        got = {}
        if n == 0:
            return got
        for ln in self.cmd(b"FETCH 1:* (FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])"):
            m = re.search(rb"FLAGS \(([^)]*)\).*Subject: ([^\r]*)", ln, re.S)
            if m:
                got[m.group(2).decode()] = set(m.group(1).decode().split())
        return got

    def close(self):
        self.s.close()


def maildir_messages(md):
    """{subject: maildir flags} of the Maildir INBOX."""
    got = {}
    for sub in ("new", "cur"):
        d = os.path.join(md, sub)
        for name in os.listdir(d):
            with open(os.path.join(d, name), "rb") as f:
                m = re.search(rb"^Subject: (.*?)\r?$", f.read(), re.M)
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            got[m.group(1).decode()] = set(flags)
    return got


def run_mbsync(conf):
    r = subprocess.run([MBSYNC, "-c", conf, "-a"], capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, "mbsync exit %d:\n%s%s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout + r.stderr


def test_two_way_sync():
    work = os.path.join(B.tmp, "mbsync")
    md = os.path.join(work, "mail", "INBOX")
    for sub in ("new", "cur", "tmp"):
        os.makedirs(os.path.join(md, sub))
    conf = os.path.join(work, "mbsyncrc")
    with open(conf, "w") as f:
        f.write("""\
IMAPAccount balise
Host localhost
Port {port}
User {user}
Pass pw
SSLType IMAPS
SSLVersions TLSv1.2 TLSv1.3
CertificateFile {ca}

IMAPStore remote
Account balise

MaildirStore local
Path {work}/mail/
Inbox {md}

Channel inbox
Far :remote:INBOX
Near :local:INBOX
Create Both
Expunge Both
SyncState {work}/state/
Sync All
""".format(port=B.imaps_port, user=ADDR, ca=B.ca, work=work, md=md))
    os.makedirs(os.path.join(work, "state"))
    # Server side: two messages, one flagged; local side: one message.
    c = Imap()
    for i, (subject, flags) in enumerate(((b"srv-a", b""), (b"srv-b", b"(\\Flagged) "))):
        m = msg(i + 1, subject)
        c.cmd(b"APPEND INBOX %s{%d+}\r\n%s" % (flags, len(m), m))
    with open(os.path.join(md, "new", "1.local.host"), "wb") as f:
        f.write(msg(3, b"local-c"))
    run_mbsync(conf)
    check(maildir_messages(md) == {"srv-a": set(), "srv-b": {"F"}, "local-c": set()},
          maildir_messages(md))
    check(c.messages() == {"srv-a": set(), "srv-b": {"\\Flagged"}, "local-c": set()},
          c.messages())
    # Local: srv-a read, local-c deleted; server: srv-b unflagged + answered.
    for name in os.listdir(os.path.join(md, "cur")) + os.listdir(os.path.join(md, "new")):
        sub = "cur" if os.path.exists(os.path.join(md, "cur", name)) else "new"
        path = os.path.join(md, sub, name)
        with open(path, "rb") as f:
            body = f.read()
        if b"Subject: srv-a" in body:
            base = name.split(":2,")[0]
            os.rename(path, os.path.join(md, "cur", base + ":2,S"))
        elif b"Subject: local-c" in body:
            os.unlink(path)
    c.cmd(b"SELECT INBOX")
    out = c.cmd(b"UID FETCH 1:* (BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    uid_b = [re.search(rb"UID (\d+)", x).group(1) for x in out if b"srv-b" in x][0]
    c.cmd(b"UID STORE %s FLAGS (\\Answered)" % uid_b)
    run_mbsync(conf)
    check(c.messages() == {"srv-a": {"\\Seen"}, "srv-b": {"\\Answered"}}, c.messages())
    check(maildir_messages(md) == {"srv-a": {"S"}, "srv-b": {"R"}}, maildir_messages(md))
    # A server-side expunge reaches the Maildir; then nothing is left to do.
    c.cmd(b"SELECT INBOX")
    c.cmd(b"UID STORE %s +FLAGS.SILENT (\\Deleted)" % uid_b)
    c.cmd(b"EXPUNGE")
    run_mbsync(conf)
    check(maildir_messages(md) == {"srv-a": {"S"}}, maildir_messages(md))
    before = sorted(os.listdir(os.path.join(md, "cur")))
    run_mbsync(conf)
    check(sorted(os.listdir(os.path.join(md, "cur"))) == before, "third run changed files")
    check(c.messages() == {"srv-a": {"\\Seen"}}, c.messages())
    c.close()


def main():
    global B, ADDR
    if MBSYNC is None:
        print("SKIP: mbsync not installed (Debian package isync; ./quickstart installs it)")
        return 77
    with harness.Balise() as b:
        ADDR = b.add_bal("mb", "pw")
        B = b.start()
        status = harness.run_tests([test_two_way_sync])
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r" % rc)
            status = 1
        if status:
            print(b.output()[-8000:])
    return status


if __name__ == "__main__":
    sys.exit(main())

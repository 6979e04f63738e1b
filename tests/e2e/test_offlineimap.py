#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# offlineimap (Debian package offlineimap3) synchronising a BAL with two
# mailboxes (INBOX and Projets) to a local Maildir over implicit TLS, the
# certificate verified against the test CA: the messages arrive in both
# folders; flags set locally, a message written locally and a message
# deleted locally reach the server; a flag set on the server reaches the
# Maildir; a CA that did not sign balised's certificate stops the sync.
# Skipped (exit 77) when offlineimap is not installed.
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlab  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

OFFLINEIMAP = shutil.which("offlineimap")
B = None
ADDR = None
PW = "pw-offline"
HOME = None


def msg(n, subject):
    return ("From: expediteur%d@test.example\r\nTo: %s\r\nSubject: %s\r\n"
            "Message-ID: <%d.offlineimap@test.example>\r\n"
            "Date: Tue, 1 Dec 2026 10:0%d:00 +0100\r\n\r\nCorps %d.\r\n"
            % (n, ADDR, subject, n, n, n)).encode()


def write_conf(ca):
    path = os.path.join(HOME, "offlineimaprc")
    with open(path, "w") as f:
        f.write("""\
[general]
accounts = balise
metadata = {home}/meta
ui = basic

[Account balise]
localrepository = local
remoterepository = remote

[Repository local]
type = Maildir
localfolders = {home}/mail

[Repository remote]
type = IMAP
remotehost = localhost
remoteport = {port}
remoteuser = {user}
remotepass = {pw}
ssl = yes
sslcacertfile = {ca}
tls_level = tls_secure
ssl_version = tls1_2
holdconnectionopen = no
maxconnections = 1
""".format(home=HOME, port=B.imaps_port, user=ADDR, pw=PW, ca=ca))
    return path


def sync(ca=None):
    conf = write_conf(ca or B.ca)
    return clientlab.run([OFFLINEIMAP, "-c", conf, "-o", "-u", "basic"],
                         clientlab.client_env(HOME))


def maildir(folder):
    """{subject: maildir flags} of a local folder."""
    got = {}
    base = os.path.join(HOME, "mail", folder)
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(base, sub)):
            with open(os.path.join(base, sub, name), "rb") as f:
                head = f.read().split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0]
            subj = [ln[9:].strip() for ln in head.splitlines() if ln.startswith(b"Subject: ")]
            flags = name.split(":2,", 1)[1] if ":2," in name else ""
            got[subj[0].decode()] = set(flags)
    return got


def local_file(folder, subject):
    base = os.path.join(HOME, "mail", folder)
    for sub in ("new", "cur"):
        for name in os.listdir(os.path.join(base, sub)):
            path = os.path.join(base, sub, name)
            with open(path, "rb") as f:
                if re.search(rb"^Subject: %s\r?$" % re.escape(subject.encode()), f.read(),
                             re.M):
                    return path
    raise AssertionError("%s not in local %s" % (subject, folder))


def server(mailbox):
    """{subject: flags} of a server mailbox."""
    out = {}
    for flags, raw in clientlab.messages(B, ADDR, PW, mailbox):
        head = raw.split(b"\r\n\r\n", 1)[0].decode()
        subj = [ln[9:] for ln in head.split("\r\n") if ln.startswith("Subject: ")][0]
        out[subj] = flags - {"\\Recent"}
    return out


def test_sync_both_ways():
    c = clientlab.imap(B, ADDR, PW)
    typ, data = c.create("Projets")
    check(typ == "OK", data)
    c.logout()
    clientlab.append(B, ADDR, PW, "INBOX", msg(1, "boite-1"))
    clientlab.append(B, ADDR, PW, "INBOX", msg(2, "boite-2"), flags="(\\Flagged)")
    clientlab.append(B, ADDR, PW, "Projets", msg(3, "projet-3"))
    rc, out = sync()
    check(rc == 0, "offlineimap exit %d:\n%s" % (rc, out))
    check(maildir("INBOX") == {"boite-1": set(), "boite-2": {"F"}}, maildir("INBOX"))
    check(maildir("Projets") == {"projet-3": set()}, maildir("Projets"))
    # Local changes: boite-1 read and answered, projet-3 flagged, a new
    # message in Projets, boite-2 deleted.
    path = local_file("INBOX", "boite-1")
    base = os.path.basename(path).split(":2,")[0]
    os.rename(path, os.path.join(HOME, "mail", "INBOX", "cur", base + ":2,RS"))
    path = local_file("Projets", "projet-3")
    base = os.path.basename(path).split(":2,")[0]
    os.rename(path, os.path.join(HOME, "mail", "Projets", "cur", base + ":2,F"))
    with open(os.path.join(HOME, "mail", "Projets", "new", "1700000000.local.host"), "wb") as f:
        f.write(msg(4, "local-4"))
    os.unlink(local_file("INBOX", "boite-2"))
    rc, out = sync()
    check(rc == 0, "offlineimap exit %d:\n%s" % (rc, out))
    check(server("INBOX") == {"boite-1": {"\\Seen", "\\Answered"}}, server("INBOX"))
    check(server("Projets") == {"projet-3": {"\\Flagged"}, "local-4": set()},
          server("Projets"))
    # A server-side change comes back.
    c = clientlab.imap(B, ADDR, PW)
    c.select("INBOX")
    typ, data = c.store("1:*", "+FLAGS", "(\\Flagged)")
    check(typ == "OK", data)
    c.logout()
    rc, out = sync()
    check(rc == 0, "offlineimap exit %d:\n%s" % (rc, out))
    check(maildir("INBOX") == {"boite-1": {"R", "S", "F"}}, maildir("INBOX"))
    check(maildir("Projets") == {"projet-3": {"F"}, "local-4": set()}, maildir("Projets"))


def test_wrong_ca_refused():
    other = os.path.join(B.tmp, "other-ca")
    os.mkdir(other)
    ca, _, _ = harness.make_pki(other)
    clientlab.append(B, ADDR, PW, "INBOX", msg(5, "pas-synchronise"))
    rc, out = sync(ca)
    check(rc != 0, "offlineimap synchronised with a wrong CA:\n" + out)
    check("CERTIFICATE_VERIFY_FAILED" in out or "certificate verify failed" in out, out)
    check("pas-synchronise" not in maildir("INBOX"), "message synchronised")


def main():
    global B, ADDR, HOME
    if OFFLINEIMAP is None:
        print("SKIP: offlineimap not installed (Debian package offlineimap3; "
              "./quickstart installs it)")
        return 77
    B = harness.Balise()
    ADDR = B.add_bal("hors-ligne", PW)
    HOME = os.path.join(B.tmp, "home")
    os.makedirs(HOME)
    return clientlab.main(B, [test_sync_both_ways, test_wrong_ca_refused])


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# mutt (Debian package mutt, GnuTLS) against balised with the test CA and
# certificate checks on: sending over submissions (implicit TLS) and
# submission (STARTTLS) with AUTH, the message read back with imaplib; then
# mutt itself on IMAP over TLS, driven through a pseudo-terminal: it copies
# a message to a local mbox, flags one and saves one to a new mailbox, and
# imaplib sees the changes. A CA that did not sign balised's certificate
# makes mutt refuse to send. Skipped (exit 77) when mutt is not installed.
import email
import os
import pty
import select
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlab  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

MUTT = shutil.which("mutt")
B = None
USERS = {}


def pw(name):
    return "pw-" + name


def muttrc(name, smtp_url=None, ca=None):
    """A muttrc for BAL name: IMAP over implicit TLS as folder, SMTP URL
    for sending, every TLS check on, nothing kept in a dotfile."""
    home = os.path.join(B.tmp, "home-" + name)
    os.makedirs(home, exist_ok=True)
    user = USERS[name].replace("@", "%40")
    path = os.path.join(home, "muttrc")
    with open(path, "w") as f:
        f.write("""\
set from = "{addr}"
set realname = "Mutt {name}"
set use_from = yes
set envelope_from = yes
set folder = "imaps://{user}@localhost:{imaps}/"
set spoolfile = "+INBOX"
set imap_pass = "{pw}"
set imap_check_subscribed = no
set smtp_url = "{smtp}"
set smtp_pass = "{pw}"
set ssl_ca_certificates_file = "{ca}"
set certificate_file = "{home}/accepted-certs"
set ssl_force_tls = yes
set ssl_starttls = yes
set ssl_verify_host = yes
set ssl_verify_dates = yes
set ssl_use_tlsv1_2 = yes
set ssl_use_tlsv1_3 = yes
set record = ""
set copy = no
set header_cache = ""
set message_cachedir = ""
set move = no
set delete = yes
set mark_old = no
set confirmappend = no
set confirmcreate = no
set quit = yes
set wait_key = no
set beep = no
set sleep_time = 0
set timeout = 5
set mail_check = 1
set charset = "utf-8"
set send_charset = "utf-8"
""".format(addr=USERS[name], name=name, user=user, imaps=B.imaps_port, pw=pw(name),
           smtp=smtp_url or "smtps://%s@localhost:%d/" % (user, B.subs_port),
           ca=ca or B.ca, home=home))
    return home, path


def send(name, to, subject, body, smtp_url=None, ca=None):
    home, rc = muttrc(name, smtp_url, ca)
    return clientlab.run([MUTT, "-n", "-F", rc, "-s", subject, "--", to],
                         clientlab.client_env(home), stdin=body.encode())


def inbox_subjects(name):
    out = {}
    for flags, raw in clientlab.messages(B, USERS[name], pw(name)):
        head = raw.split(b"\r\n\r\n", 1)[0].decode("utf-8", "replace")
        subj = [ln[9:] for ln in head.split("\r\n") if ln.startswith("Subject: ")]
        out[subj[0] if subj else ""] = (flags, raw)
    return out


def test_send_submissions():
    rc, out = send("alice", USERS["bob"], "mutt-465", "Bonjour par le port 465.\n")
    check(rc == 0, "mutt exit %d: %s" % (rc, out))
    got = clientlab.wait_for(lambda: inbox_subjects("bob").get("mutt-465"), "mutt-465")
    raw = got[1]
    check(b"Bonjour par le port 465." in raw, raw)
    check(b"From: Mutt alice <%s>" % USERS["alice"].encode() in raw, raw)
    check(b"Return-Path: <%s>" % USERS["alice"].encode() in raw, raw)
    check(b"Received: " in raw, raw)


def test_send_submission_starttls():
    url = "smtp://%s@localhost:%d/" % (USERS["alice"].replace("@", "%40"), B.sub_port)
    rc, out = send("alice", USERS["bob"], "mutt-587", "Bonjour avec STARTTLS, é à ç.\n",
                   smtp_url=url)
    check(rc == 0, "mutt exit %d: %s" % (rc, out))
    got = clientlab.wait_for(lambda: inbox_subjects("bob").get("mutt-587"), "mutt-587")
    msg = email.message_from_bytes(got[1])
    text = msg.get_payload(decode=True).decode(msg.get_content_charset() or "ascii")
    check(text == "Bonjour avec STARTTLS, é à ç.\r\n", (text, got[1]))


def test_wrong_ca_refused():
    other = os.path.join(B.tmp, "other-ca")
    os.mkdir(other)
    ca, _, _ = harness.make_pki(other)
    before = len(inbox_subjects("bob"))
    rc, out = send("alice", USERS["bob"], "mutt-bad-ca", "ne doit pas partir\n", ca=ca)
    check(rc != 0, "mutt sent through a certificate it cannot verify: %s" % out)
    check("certificate" in out.lower(), out)
    check("mutt-bad-ca" not in inbox_subjects("bob"), "delivered anyway")
    check(len(inbox_subjects("bob")) == before, "inbox changed")


def run_tty(cmd, env, timeout=60):
    """Runs an interactive program on a pseudo-terminal until it exits;
    killed by PID after timeout. Returns (exit status, screen output)."""
    env = dict(env, TERM="vt100", COLUMNS="100", LINES="30")
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, env=env, stdin=slave, stdout=slave, stderr=slave,
                         start_new_session=True)
    os.close(slave)
    out = b""
    deadline = time.monotonic() + timeout
    try:
        while p.poll() is None and time.monotonic() < deadline:
            r, _, _ = select.select([master], [], [], 0.2)
            if r:
                try:
                    out += os.read(master, 65536)
                except OSError:
                    break
        try:
            status = p.wait(max(1.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            p.wait()
            raise AssertionError("%s did not finish:\n%s"
                                 % (cmd[0], out[-3000:].decode("utf-8", "replace")))
        return status, out.decode("utf-8", "replace")
    finally:
        os.close(master)


def test_read_over_imap():
    # Three messages in carol's INBOX, put there by alice with mutt.
    for i in range(3):
        rc, out = send("alice", USERS["carol"], "lecture-%d" % i, "Texte numero %d.\n" % i)
        check(rc == 0, out)
    clientlab.wait_for(lambda: len(inbox_subjects("carol")) == 3, "three messages")
    home, rc = muttrc("carol")
    mbox = os.path.join(home, "copie.mbox")
    keys = ("<tag-pattern>~s lecture-1<enter><tag-prefix><copy-message>%s<enter>"
            "<untag-pattern>~A<enter>"
            "<tag-pattern>~s lecture-2<enter><tag-prefix><flag-message>"
            "<untag-pattern>~A<enter>"
            "<tag-pattern>~s lecture-0<enter><tag-prefix><save-message>=Archives<enter>"
            "<sync-mailbox><quit>" % mbox)
    status, screen = run_tty([MUTT, "-n", "-F", rc, "-e", 'push "%s"' % keys],
                             clientlab.client_env(home))
    check(status == 0, "mutt exit %d:\n%s" % (status, screen[-3000:]))
    with open(mbox, "rb") as f:
        copied = f.read()
    check(b"Subject: lecture-1" in copied and b"Texte numero 1." in copied, copied[:2000])
    check(b"lecture-0" not in copied and b"lecture-2" not in copied, "copied too much")
    inbox = inbox_subjects("carol")
    check(set(inbox) == {"lecture-1", "lecture-2"}, sorted(inbox))
    check("\\Flagged" in inbox["lecture-2"][0], inbox["lecture-2"][0])
    check("\\Flagged" not in inbox["lecture-1"][0], inbox["lecture-1"][0])
    archived = clientlab.messages(B, USERS["carol"], pw("carol"), "Archives")
    check(len(archived) == 1 and b"Texte numero 0." in archived[0][1], archived)


def main():
    global B
    if MUTT is None:
        print("SKIP: mutt not installed (Debian package mutt; ./quickstart installs it)")
        return 77
    B = clientlab.balise()
    for name in ("alice", "bob", "carol"):
        USERS[name] = B.add_bal(name, pw(name))
    return clientlab.main(B, [test_send_submissions, test_send_submission_starttls,
                              test_wrong_ca_refused, test_read_over_imap])


if __name__ == "__main__":
    sys.exit(main())

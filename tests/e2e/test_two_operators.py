#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Two operators end to end: two balised instances, A (a.test) and B
# (b.test), each with its own server certificate from one test CA and its
# DN in one shared whitelist, static routes to each other. Mail submitted
# at one crosses to the other over mutual TLS (A's queue runner to B's
# SMTP port and back), is read over IMAP; a RCPT refused by B comes back
# to A's user as a French NDR; NOTIFY=SUCCESS gives B's success DSN, sent
# back to A by B's runner; an unlisted certificate is refused at B.
import email
import email.policy
import imaplib
import json
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, sh  # noqa: E402

WAIT = 60.0  # generous: sanitizer builds are slow; polled, never a threshold
IO_TIMEOUT = 30
WL_NS = "https://listeblanche.mssante.fr/schema"
OPS = {
    "a": {"domain": "a.test", "subj": "/C=FR/O=Operateur A/CN=mx.a.test",
          "dn": "CN=mx.a.test,O=Operateur A,C=FR"},
    "b": {"domain": "b.test", "subj": "/C=FR/O=Operateur B/CN=mx.b.test",
          "dn": "CN=mx.b.test,O=Operateur B,C=FR"},
}
INTRUS_SUBJ = "/C=FR/O=Intrus/CN=mx.intrus.test"
PW = {"alice": "pw-alice", "bob": "pw-bob"}
S = {}  # "a", "b": harness.Balise with smtp_port, sub_port, ca_key


def issue(tmp, name, subj, ca, ca_key):
    """A certificate with subject subj from the test CA, for 127.0.0.1 (it
    serves as server and as client certificate)."""
    key, csr, crt, ext = (os.path.join(tmp, name + x) for x in (".key", ".csr", ".pem", ".ext"))
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    sh(harness.OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", subj)
    sh(harness.OPENSSL, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
       "-CAcreateserial", "-out", crt, "-days", "2", "-sha256", "-extfile", ext)
    return crt, key


def write_whitelist(path, entries):
    body = "".join("<Domaine><Nom>%s</Nom><DNCertificatOperateur>%s</DNCertificatOperateur>"
                   "</Domaine>\n" % e for e in entries)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListeBlancheMSSante xmlns="%s">'
                "<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration>\n"
                "<ListeDomaines>\n%s</ListeDomaines></ListeBlancheMSSante>\n" % (WL_NS, body))


def configure(b, name, ca, cert, key, wl, peer_domain, peer_port):
    """Rewrites b's balise.conf: its own host name, SMTP and submission
    ports, its certificate, the shared CA and whitelist, a static route to
    the other operator. A sets [server] postmaster; B leaves it unset, so
    its reports must be signed by the postmaster of its mail domain (listed
    for its DN), not of its host name mx.b.test (not listed)."""
    op = OPS[name]
    conf = open(b.conf).read()
    pm = "postmaster = postmaster@%s\n" % op["domain"] if name == "a" else ""
    conf = conf.replace("hostname = mx.test.invalid\n",
                        "hostname = mx.%s\n%s" % (op["domain"], pm))
    conf = conf.replace("[listen]\n", "[listen]\nsmtp = 127.0.0.1:%d\nsubmission = 127.0.0.1:%d\n"
                        % (b.smtp_port, b.sub_port))
    conf = conf.replace("cert = %s\nkey = %s\n" % (b.cert, b.key),
                        "cert = %s\nkey = %s\nca = %s\n" % (cert, key, ca))
    conf += ("\n[trust]\nwhitelist = %s\n\n[queue]\npoll_interval = 1s\nretry_first = 1s\n"
             "retry_factor = 2\nretry_max = 2s\nroutes = %s=127.0.0.1:%d\n"
             % (wl, peer_domain, peer_port))
    check("ca = " in conf and "submission = " in conf and ("postmaster = " in conf) == (name == "a"),
          "configuration not rewritten: " + conf)
    with open(b.conf, "w") as f:
        f.write(conf)
    b.ca = ca  # clients trust the shared CA


def setup():
    a = harness.Balise(domain=OPS["a"]["domain"])
    S["a"] = a
    S["b"] = b = harness.Balise(domain=OPS["b"]["domain"])
    ca, ca_key = a.ca, os.path.join(a.tmp, "ca.key")
    for s in (a, b):
        s.smtp_port, s.sub_port = harness.free_port(), harness.free_port()
    certs = {n: issue(a.tmp, "op-" + n, OPS[n]["subj"], ca, ca_key) for n in OPS}
    S["intrus"] = issue(a.tmp, "intrus", INTRUS_SUBJ, ca, ca_key)
    wl = os.path.join(a.tmp, "whitelist.xml")
    write_whitelist(wl, [(OPS[n]["domain"], OPS[n]["dn"]) for n in OPS])
    S["wl"] = wl
    configure(a, "a", ca, *certs["a"], wl, "b.test", b.smtp_port)
    configure(b, "b", ca, *certs["b"], wl, "a.test", a.smtp_port)
    S["alice"] = a.add_bal("alice", PW["alice"])
    S["bob"] = b.add_bal("bob", PW["bob"])
    a.start()
    b.start()


def srv_of(user):
    return S["a"] if user == "alice" else S["b"]


def submit(user, to, msg, rcpt_options=()):
    """smtplib on the submission port: STARTTLS, AUTH PLAIN, one message."""
    b = srv_of(user)
    s = smtplib.SMTP("127.0.0.1", b.sub_port, timeout=IO_TIMEOUT)
    try:
        s.ehlo("client.test")
        s.starttls(context=b.tls_context())
        s.ehlo("client.test")
        s.user, s.password = S[user], PW[user]
        code, text = s.auth("PLAIN", s.auth_plain, initial_response_ok=True)
        check(code == 235, "AUTH: %r" % ((code, text),))
        refused = s.sendmail(S[user], [to], msg.encode(), rcpt_options=list(rcpt_options))
        check(not refused, "refused at submission: %r" % refused)
    finally:
        s.quit()


def message(frm, to, subject, body):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@%s>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
            % (frm, to, subject, subject.replace(" ", "."), frm.split("@")[1], body))


def inbox(user):
    """user's INBOX over IMAP with implicit TLS, parsed."""
    b = srv_of(user)
    c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                          timeout=IO_TIMEOUT)
    try:
        c.login(S[user], PW[user])
        c.select("INBOX", readonly=True)
        _, data = c.search(None, "ALL")
        out = []
        for num in data[0].split():
            _, parts = c.fetch(num, "(BODY.PEEK[])")
            out.append(email.message_from_bytes(parts[0][1], policy=email.policy.default))
        return out
    finally:
        c.logout()


def queue(b):
    return json.loads(b.ctl("queue", "list", "--json"))


def until(fn, what):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        v = fn()
        if v:
            return v
        time.sleep(0.2)
    raise AssertionError("timed out waiting for %s\n--- A:\n%s\n--- B:\n%s"
                         % (what, S["a"].output()[-2500:], S["b"].output()[-2500:]))


def wait_message(user, subject):
    found = until(lambda: [m for m in inbox(user) if m["Subject"] == subject],
                  "%r in %s's INBOX" % (subject, user))
    check(len(found) == 1, "%d copies of %r" % (len(found), subject))
    return found[0]


def delivery_status(msg):
    check(msg.get_content_type() == "multipart/report", "not a report: %s"
          % msg.get_content_type())
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            return part.as_bytes().decode("utf-8", "replace")
    raise AssertionError("no message/delivery-status part")


def french_text(msg):
    for part in msg.walk():
        if part.get_content_type() == "text/plain":
            return part.get_content().replace("\u2019", "'")
    return ""


def check_crossed(msg, frm, body, peer):
    """Body intact, Received: by the receiving operator naming the sending
    operator's certificate DN and TLS, Return-Path of the sender."""
    check(msg.get_content().replace("\r\n", "\n") == body.replace("\r\n", "\n"),
          "body %r" % msg.get_content())
    check(msg["Return-Path"] == "<%s>" % frm, "Return-Path %r" % msg["Return-Path"])
    received = " ".join(" ".join(str(r).split()) for r in msg.get_all("Received", []))
    check('Client DN "%s" (verified OK)' % OPS[peer]["dn"] in received,
          "no Received: naming %s: %r" % (OPS[peer]["dn"], received))
    check("(using TLSv1." in received and "with ESMTPS" in received,
          "no TLS in Received: %r" % received)


# ---------------------------------------------------------------- tests

def test_a_to_b():
    body = "Bonjour Bob,\r\nR\u00e9sultats ci-joints.\r\n..un point\r\n"
    submit("alice", S["bob"], message(S["alice"], S["bob"], "A vers B", body))
    msg = wait_message("bob", "A vers B")
    check_crossed(msg, S["alice"], body, "a")
    check("by mx.b.test" in " ".join(str(msg["Received"]).split()), "topmost Received: %r"
          % msg["Received"])
    until(lambda: queue(S["a"]) == [], "A's queue to be empty")


def test_reply_b_to_a():
    body = "Bien recu, merci.\r\n"
    submit("bob", S["alice"], message(S["bob"], S["alice"], "Re A vers B", body))
    msg = wait_message("alice", "Re A vers B")
    check_crossed(msg, S["bob"], body, "b")
    until(lambda: queue(S["b"]) == [], "B's queue to be empty")


def test_unknown_recipient_gives_french_ndr():
    submit("alice", "personne@b.test", message(S["alice"], "personne@b.test", "Inconnu",
                                                 "Perdu ?\r\n"))
    ndr = until(lambda: [m for m in inbox("alice")
                         if m.get_content_type() == "multipart/report"
                         and "personne@b.test" in delivery_status(m)], "the NDR")
    check(len(ndr) == 1, "%d NDRs" % len(ndr))
    ds = delivery_status(ndr[0])
    check("Action: failed" in ds and "Status: 5.1.1" in ds, ds)
    check("Diagnostic-Code: smtp; 550 5.1.1" in ds, ds)
    text = french_text(ndr[0])
    check("personne@b.test" in text and "n'a pas pu" in text, "French text: %r" % text)
    until(lambda: queue(S["a"]) == [], "A's queue to be empty")
    check("personne@b.test" in S["a"].output(), "A's runner did not log the refusal")


def test_notify_success_gives_dsn_from_b():
    # B offers DSN: A passes NOTIFY=SUCCESS on and reports nothing itself
    # (no "relayed"); B stores the message and queues a success DSN to
    # alice with the null sender; B's runner sends it to A.
    before = len(inbox("alice"))
    submit("alice", S["bob"], message(S["alice"], S["bob"], "Avec accuse", "Accuse ?\r\n"),
           rcpt_options=["NOTIFY=SUCCESS", "ORCPT=rfc822;" + S["bob"]])
    wait_message("bob", "Avec accuse")
    reports = until(lambda: [m for m in inbox("alice")
                             if m.get_content_type() == "multipart/report"
                             and "Action: delivered" in delivery_status(m)], "the DSN")
    check(len(reports) == 1, "%d success DSNs" % len(reports))
    dsn = reports[0]
    ds = delivery_status(dsn)
    check("Reporting-MTA: dns; mx.b.test" in ds, ds)
    check("Status: 2.0.0" in ds and "Original-Recipient: rfc822;%s" % S["bob"] in ds, ds)
    check(dsn["Return-Path"] == "<>", "DSN Return-Path %r" % dsn["Return-Path"])
    check("postmaster@b.test" in str(dsn["From"]), "DSN From %r" % dsn["From"])
    received = " ".join(str(dsn["Received"]).split())
    check('Client DN "%s"' % OPS["b"]["dn"] in received and "by mx.a.test" in received,
          "the DSN did not come from B over SMTP: %r" % received)
    until(lambda: queue(S["a"]) == [] and queue(S["b"]) == [], "both queues empty")
    time.sleep(2)  # A must not add a "relayed" notice of its own
    after = inbox("alice")
    check(len(after) == before + 1, "%d new messages for alice" % (len(after) - before))
    check(not any("Action: relayed" in delivery_status(m) for m in after
                  if m.get_content_type() == "multipart/report"), "A sent a relayed notice")


def test_unlisted_certificate_refused():
    b = S["b"]
    ctx = b.tls_context()
    ctx.load_cert_chain(*S["intrus"])
    s = smtplib.SMTP("127.0.0.1", b.smtp_port, timeout=IO_TIMEOUT)
    try:
        s.ehlo("mx.intrus.test")
        s.starttls(context=ctx)
        s.ehlo("mx.intrus.test")
        r = s.mail(S["alice"])
        check(r[0] == 550 and r[1].startswith(b"5.7.1"), "MAIL FROM: %r" % (r,))
    finally:
        s.quit()


TESTS = [test_a_to_b, test_reply_b_to_a, test_unknown_recipient_gives_french_ndr,
         test_notify_success_gives_dsn_from_b, test_unlisted_certificate_refused]


def main():
    result = 1
    try:
        setup()
        only = sys.argv[1:]
        result = harness.run_tests([t for t in TESTS if not only or t.__name__ in only])
    finally:
        for name in ("b", "a"):
            b = S.get(name)
            if b is not None:
                status = b.stop()
                if status not in (None, 0):
                    result = 1
                    print("balised %s exit status %r\n%s" % (name, status, b.output()[-3000:]))
        # The shared CA and whitelist live in A's directory: removed last.
        for name in ("b", "a"):
            if name in S:
                S[name].__exit__(None, None, None)
    return result


if __name__ == "__main__":
    sys.exit(main())

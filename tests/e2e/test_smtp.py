#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# SMTP end to end against a running balised: inbound from another operator
# (STARTTLS, client certificate from the test CA, DN in a test whitelist)
# and submission (587 STARTTLS, 465 implicit TLS, AUTH PLAIN/LOGIN), with
# Python smtplib, swaks and raw pipelined sessions; every refusal with its
# exact code; delivery read back over IMAP; the outbound queue; BDAT and
# PIPELINING; SIZE; a SIGKILL during parallel deliveries; tls_policy.sh on
# the three ports.
import email
import email.header
import imaplib
import json
import os
import re
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, sh  # noqa: E402

IO_TIMEOUT = 30
OP_DN = "/C=FR/O=Operateur Test/CN=mx.op.example"
OP_DN_2253 = "CN=mx.op.example,O=Operateur Test,C=FR"
INTRUS_DN = "/C=FR/O=Intrus/CN=mx.intrus.example"
OTHER_DN_2253 = "CN=mx.other.example,O=Autre,C=FR"
WL_NS = "https://listeblanche.mssante.fr/schema"
B = None
P = {}  # certificate files
USERS = {}


def issue(name, subj, ca, ca_key):
    d = B.tmp
    key, csr, crt = (os.path.join(d, name + x) for x in (".key", ".csr", ".pem"))
    sh(harness.OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", subj)
    sh(harness.OPENSSL, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
       "-CAcreateserial", "-out", crt, "-days", "2", "-sha256")
    return crt, key


CA_CNF = """\
[ca]
default_ca = e2e
[e2e]
dir = {d}
database = {d}/index.txt
serial = {d}/serial
crlnumber = {d}/crlnumber
new_certs_dir = {d}
certificate = {ca}
private_key = {key}
default_md = sha256
default_days = 2
default_crl_days = 1
policy = anything
unique_subject = no
preserve = yes
[anything]
countryName = optional
organizationName = optional
commonName = supplied
"""


def openssl_ca(*args):
    """openssl ca with the harness CA and a minimal database in B.tmp/ca-db
    (dated certificates, revocation, CRLs)."""
    d = os.path.join(B.tmp, "ca-db")
    cnf = os.path.join(d, "ca.cnf")
    if not os.path.exists(cnf):
        os.mkdir(d)
        open(os.path.join(d, "index.txt"), "w").close()
        for f in ("serial", "crlnumber"):
            with open(os.path.join(d, f), "w") as fh:
                fh.write("1000\n")
        with open(cnf, "w") as fh:
            fh.write(CA_CNF.format(d=d, ca=B.ca, key=os.path.join(B.tmp, "ca.key")))
    sh(harness.OPENSSL, "ca", "-batch", "-notext", "-config", cnf, *args)


def issue_dated(name, subj, start=None, end=None):
    """A certificate of the harness CA through openssl ca, with explicit
    validity dates (YYYYMMDDHHMMSSZ) when given."""
    d = B.tmp
    key, csr, crt = (os.path.join(d, name + x) for x in (".key", ".csr", ".pem"))
    sh(harness.OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", subj)
    dates = (["-startdate", start] if start else []) + (["-enddate", end] if end else [])
    openssl_ca("-in", csr, "-out", crt, *dates)
    got = sh(harness.OPENSSL, "x509", "-in", crt, "-noout", "-subject", "-nameopt", "compat")
    check(got.strip() == "subject=" + subj, got)  # the DN stays the whitelisted one
    return crt, key


def make_peer_pki():
    d = B.tmp
    P["op"] = issue("op", OP_DN, B.ca, os.path.join(d, "ca.key"))
    P["intrus"] = issue("intrus", INTRUS_DN, B.ca, os.path.join(d, "ca.key"))
    # A CA of its own: the same DN as the listed operator, wrong chain.
    rk, rc = os.path.join(d, "rogue-ca.key"), os.path.join(d, "rogue-ca.pem")
    sh(harness.OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", rk,
       "-out", rc, "-days", "2", "-subj", "/CN=rogue CA",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    P["rogue"] = issue("rogue", OP_DN, rc, rk)
    # Listed DN, right chain, but out of its dates or revoked.
    P["expired"] = issue_dated("expired", OP_DN, "20200101000000Z", "20200201000000Z")
    P["future"] = issue_dated("future", OP_DN, "20990101000000Z", "20990201000000Z")
    P["good"] = issue_dated("good", OP_DN)
    P["revoked"] = issue_dated("revoked", OP_DN)


def write_whitelist(path, without=()):
    entries = [("op.example", OP_DN_2253), ("exempt.example", OP_DN_2253),
               ("other.example", OTHER_DN_2253), ("remote.example", OTHER_DN_2253)]
    entries = [e for e in entries if e[0] not in without]
    body = "".join("<Domaine><Nom>%s</Nom><DNCertificatOperateur>%s</DNCertificatOperateur>"
                   "</Domaine>\n" % e for e in entries)
    with open(path, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListeBlancheMSSante xmlns="%s">'
                "<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration>\n"
                "<ListeDomaines>\n%s</ListeDomaines></ListeBlancheMSSante>\n" % (WL_NS, body))


def setup():
    global B
    B = harness.Balise(msg_max="64K")
    make_peer_pki()
    B.smtp_port, B.sub_port, B.subs_port = (harness.free_port() for _ in range(3))
    B.wl = wl = os.path.join(B.tmp, "whitelist.xml")
    write_whitelist(wl)
    conf = open(B.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nsmtp = 127.0.0.1:%d\nsubmission = 127.0.0.1:%d\n"
                        "submissions = 127.0.0.1:%d\n" % (B.smtp_port, B.sub_port, B.subs_port))
    conf = conf.replace("[tls]\n", "[tls]\nca = %s\n" % B.ca)
    conf += ("\n[trust]\nwhitelist = %s\n\n[smtp]\nrecipients_max = 5\nerrors_max = 6\n"
             "commands_max = 200\nidle_timeout = 10s\n"
             "header_from_exempt = exempt.example\n" % wl)
    open(B.conf, "w").write(conf)
    for name, quota in (("alice", None), ("bob", None), ("carol", None), ("full", "2K"),
                        ("susp", None), ("sender", None), ("tiny", "3K"), ("petit", "2K"), ("alerte", "10K"),
                        ("dave", None)):
        USERS[name] = B.add_bal(name, "pw-" + name, quota=quota)
    B.ctl("bal", "set", USERS["susp"], "--state", "suspended")
    B.start()


def client_ctx(cert=None, srv=None):
    ctx = (srv or B).tls_context()
    if cert is not None:
        ctx.load_cert_chain(*P[cert])
    return ctx


def inbound(cert="op", srv=None):
    s = smtplib.SMTP("127.0.0.1", (srv or B).smtp_port, timeout=IO_TIMEOUT)
    s.ehlo("mx.op.example")
    s.starttls(context=client_ctx(cert, srv))
    s.ehlo("mx.op.example")
    return s


def submission(user="sender", mech="PLAIN"):
    s = smtplib.SMTP("127.0.0.1", B.sub_port, timeout=IO_TIMEOUT)
    s.ehlo("client.test")
    s.starttls(context=client_ctx())
    s.ehlo("client.test")
    s.user, s.password = USERS[user], "pw-" + user
    code, msg = s.auth(mech, getattr(s, "auth_" + mech.lower()), initial_response_ok=True)
    check(code == 235, (code, msg))
    return s


def expect(r, code, enh):
    check(r[0] == code and r[1].decode().startswith(enh), "expected %d %s, got %r"
          % (code, enh, r))


def message(frm="dr@op.example", to="alice@test.example", subject="Bonjour", body="Corps\r\n",
            extra=""):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@op.example>\r\n%s\r\n%s"
            % (frm, to, subject, subject.replace(" ", "."), extra, body))


def imap_messages(user):
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                          timeout=IO_TIMEOUT)
    c.login(USERS[user], "pw-" + user)
    c.select("INBOX", readonly=True)
    typ, data = c.fetch("1:*", "(BODY.PEEK[])")
    c.logout()
    if typ != "OK":
        return []
    return [d[1] for d in data if isinstance(d, tuple)]


# ---------------------------------------------------------------- inbound

def test_mail_before_starttls():
    s = smtplib.SMTP("127.0.0.1", B.smtp_port, timeout=IO_TIMEOUT)
    code, msg = s.ehlo("x")
    check(b"STARTTLS" in msg and b"AUTH" not in msg and b"PIPELINING" in msg
          and b"CHUNKING" in msg and b"DSN" in msg and b"SMTPUTF8" in msg
          and b"SIZE 65536" in msg and b"8BITMIME" in msg and b"ENHANCEDSTATUSCODES" in msg,
          msg)
    expect(s.mail("dr@op.example"), 530, "5.7.0")
    s.quit()


def test_no_client_certificate():
    s = inbound(cert=None)
    r = s.mail("dr@op.example")
    expect(r, 550, "5.7.1")
    check(b"Certificat client requis" in r[1], r)
    s.quit()


def test_certificate_other_ca():
    s = inbound(cert="rogue")
    r = s.mail("dr@op.example")
    expect(r, 550, "5.7.1")
    check(b"Certificat client refuse" in r[1], r)
    s.quit()


def refused_peer(cert, reason, srv=None):
    s = inbound(cert=cert, srv=srv)
    r = s.mail("dr@op.example")
    expect(r, 550, "5.7.1")
    check(b"Certificat client refuse: " + reason in r[1], r)
    expect(s.rcpt(USERS["alice"]), 503, "5.5.1")
    s.quit()


def test_certificate_expired():
    refused_peer("expired", b"certificate has expired")


def test_certificate_not_yet_valid():
    refused_peer("future", b"certificate is not yet valid")


def crl_instance(crl):
    """A second balised with the same CA, whitelist and port-25 listener as
    B, and [tls] crl = crl."""
    b = harness.Balise()
    b.smtp_port = harness.free_port()
    conf = open(b.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nsmtp = 127.0.0.1:%d\n" % b.smtp_port)
    conf = conf.replace("[tls]\n", "[tls]\nca = %s\ncrl = %s\n" % (B.ca, crl))
    conf += "\n[trust]\nwhitelist = %s\n" % B.wl
    open(b.conf, "w").write(conf)
    b.add_bal("alice", "pw-alice")
    return b.start()


def revoke_once(name):
    """Revokes P[name] in the CA database unless it already is."""
    with open(os.path.join(B.tmp, "ca-db", "index.txt")) as f:
        revoked = [l for l in f if l.startswith("R\t")]
    if not revoked:
        openssl_ca("-revoke", P[name][0], "-crl_reason", "keyCompromise")


def test_certificate_revoked():
    crl = os.path.join(B.tmp, "revoked.crl")
    revoke_once("revoked")
    openssl_ca("-gencrl", "-out", crl)
    with crl_instance(crl) as b:
        for cert in ("good", "op"):  # not revoked: the CRL check passes
            s = inbound(cert=cert, srv=b)
            expect(s.mail("dr@op.example"), 250, "2.1.0")
            expect(s.rcpt("alice@test.example"), 250, "2.1.5")
            s.quit()
        refused_peer("revoked", b"certificate revoked", srv=b)
        check("smtp refused peer: Certificat client refuse: certificate revoked"
              in b.output(), "no log line for the revoked peer")
    # B has no [tls] crl: the same certificate passes there.
    s = inbound(cert="revoked")
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    s.quit()


def test_crl_expired():
    # A CRL past its nextUpdate: OpenSSL fails every verification with
    # "CRL has expired". No mail is taken (fail-closed), but the answer is
    # temporary (454 4.7.0): the peer keeps the mail and retries once the
    # operator installs a fresh CRL, instead of bouncing it. balised warns
    # about the stale CRL at start-up. A certificate the CRL revokes is
    # still refused for good.
    crl = os.path.join(B.tmp, "stale.crl")
    revoke_once("revoked")
    openssl_ca("-gencrl", "-out", crl, "-crl_lastupdate", "20200101000000Z",
               "-crl_nextupdate", "20200201000000Z")
    with crl_instance(crl) as b:
        b.wait_log("[tls] crl %s: stale since 2020-02-01T00:00:00Z" % crl)
        for cert in ("good", "op"):
            s = inbound(cert=cert, srv=b)
            r = s.mail("dr@op.example")
            expect(r, 454, "4.7.0")
            check(b"reessayez plus tard" in r[1], r)
            expect(s.rcpt("alice@test.example"), 503, "5.5.1")
            s.quit()
        check("smtp deferred peer: [tls] crl: CRL has expired" in b.output(),
              "no log line for the deferred peer")
        err = subprocess.run([harness.BALISECTL, "-c", b.conf, "config", "check"],
                             capture_output=True, text=True, timeout=60).stderr
        check("warning: [tls] crl %s: stale since 2020-02-01T00:00:00Z" % crl in err,
              "config check: %r" % err)
        refused_peer("revoked", b"certificate revoked", srv=b)


def test_dn_not_listed():
    s = inbound(cert="intrus")
    expect(s.mail("x@op.example"), 550, "5.7.1")
    s.quit()
    s = inbound()
    r = s.mail("x@other.example")  # listed, but for another DN
    expect(r, 550, "5.7.1")
    check(b"other.example" in r[1], r)
    s.quit()


def test_rcpt_refusals():
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    r = s.rcpt("nobody@test.example")
    expect(r, 550, "5.1.1")
    check(b"inconnue" in r[1], r)
    expect(s.rcpt(USERS["susp"]), 550, "5.2.1")
    expect(s.rcpt("someone@remote.example"), 550, "5.7.1")  # no relay
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    s.quit()


def test_quota_full_rcpt():
    # "full" has a 2K quota: a message that would pass it is refused at
    # the end of DATA; one that fits is stored; once the quota is reached
    # (lowered under the usage here), RCPT itself is refused.
    s = inbound()
    line = "x" * 70 + "\r\n"
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["full"]), 250, "2.1.5")
    expect(s.data(message(to=USERS["full"], subject="trop", body=line * 40)), 552, "5.2.2")
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["full"]), 250, "2.1.5")
    expect(s.data(message(to=USERS["full"], subject="tient", body=line * 10)), 250, "2.0.0")
    # SIZE= that would pass the quota: refused at RCPT already.
    expect(s.mail("dr@op.example", ["SIZE=3000"]), 250, "2.1.0")
    expect(s.rcpt(USERS["full"]), 552, "5.2.2")
    s.rset()
    s.quit()
    B.ctl("bal", "set", USERS["full"], "--quota", "1K")
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    r = s.rcpt(USERS["full"])
    expect(r, 552, "5.2.2")
    check(b"pleine" in r[1], r)
    s.quit()


def test_quota_alerts_by_smtp():
    """Deliveries over SMTP cross 80 % then 90 % of a 10K quota, then one
    that would pass it is refused (552 5.2.2): one French alert per level
    in the BAL's INBOX (EX_GBM_4470), the 100 % one on the refusal."""
    line = "y" * 78 + "\r\n"
    s = inbound()
    for subject, lines, code in (("q80", 100, 250), ("q90", 6, 250), ("q100", 30, 552),
                                 ("q100bis", 30, 552)):
        expect(s.mail("dr@op.example"), 250, "2.1.0")
        expect(s.rcpt(USERS["alerte"]), 250, "2.1.5")
        r = s.data(message(to=USERS["alerte"], subject=subject, body=line * lines))
        expect(r, code, "2.0.0" if code == 250 else "5.2.2")
    s.quit()
    alerts = [m for m in imap_messages("alerte") if b"Auto-Submitted: auto-generated" in m]
    subjects = [str(email.header.make_header(email.header.decode_header(
        email.message_from_bytes(m)["Subject"]))) for m in alerts]
    check(len(alerts) == 3, "alerts: %r" % subjects)
    check("80\u00a0%" in subjects[0] and "90\u00a0%" in subjects[1] and "pleine" in subjects[2],
          subjects)
    rows = [r for r in json.loads(B.ctl("quota", "report", "--json"))
            if r["address"] == USERS["alerte"]]
    check(rows and rows[0]["alert_level"] == 100, rows)


def test_deliver_and_read_back():
    s = inbound()
    body = "Ligne un\r\n.point en tete\r\nFin\r\n"
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["carol"]), 250, "2.1.5")
    r = s.data(message(to=USERS["carol"], subject="lecture", body=body))
    expect(r, 250, "2.0.0")
    s.quit()
    msgs = imap_messages("carol")
    check(len(msgs) == 1, msgs)
    m = msgs[0]
    check(m.startswith(b"Return-Path: <dr@op.example>\r\nReceived: from mx.op.example"), m[:300])
    check(b"using TLSv1." in m and OP_DN_2253.encode() in m and b"with ESMTPS id" in m, m[:600])
    check(m.endswith(body.replace("\r\n.point", "\r\n.point").encode()), m[-100:])
    check(b"Subject: lecture\r\n" in m, m)


def test_header_from_check():
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    r = s.data(message(frm="boss@other.example", subject="usurpation"))
    expect(r, 550, "5.7.1")
    check(b"From" in r[1], r)
    # No From at all.
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    expect(s.data("Subject: sans from\r\n\r\nx\r\n"), 550, "5.7.1")
    # A MAIL FROM domain exempted in [smtp] header_from_exempt.
    expect(s.mail("robot@exempt.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    expect(s.data(message(frm="boss@other.example", subject="exempt")), 250, "2.0.0")
    s.quit()


def test_size_refusals():
    s = inbound()
    expect(s.mail("dr@op.example", ["SIZE=100000"]), 552, "5.3.4")
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    r = s.data(message(subject="gros", body=("z" * 99 + "\r\n") * 700))
    expect(r, 552, "5.3.4")
    expect(s.noop(), 250, "2.0.0")  # still in step
    s.quit()


def tls_raw(port=None, cert="op"):
    raw = socket.create_connection(("127.0.0.1", port or B.smtp_port), timeout=IO_TIMEOUT)
    f = raw.makefile("rb")
    f.readline()
    raw.sendall(b"EHLO raw.test\r\n")
    while not f.readline().startswith(b"250 "):
        pass
    raw.sendall(b"STARTTLS\r\n")
    check(f.readline().startswith(b"220 "), "no 220 to STARTTLS")
    t = client_ctx(cert).wrap_socket(raw)
    return t, t.makefile("rb")


def replies(f, n):
    out = []
    for _ in range(n):
        lines = []
        while True:
            line = f.readline()
            check(line, "connection closed after %r" % out)
            lines.append(line)
            if line[3:4] == b" ":
                break
        out.append(b"".join(lines))
    return out


def test_pipelining_and_bdat():
    t, f = tls_raw()
    c1 = message(to=USERS["bob"], subject="chunks", body="")
    c2 = "premier morceau\r\nsecond\r\n"
    block = ("EHLO mx.op.example\r\nMAIL FROM:<dr@op.example>\r\nRCPT TO:<%s>\r\n"
             "RCPT TO:<inconnu@test.example>\r\nBDAT %d\r\n%sBDAT %d LAST\r\n%sNOOP\r\n"
             % (USERS["bob"], len(c1), c1, len(c2), c2)).encode()
    t.sendall(block)  # one write: every command in one burst
    r = replies(f, 7)
    codes = [x[:3] for x in r]
    check(codes == [b"250", b"250", b"250", b"550", b"250", b"250", b"250"], r)
    check(b"5.1.1" in r[3] and b"octets recus" in r[4] and b"Message accepte" in r[5], r)
    t.sendall(b"QUIT\r\n")
    t.close()
    msgs = [m for m in imap_messages("bob") if b"Subject: chunks" in m]
    check(len(msgs) == 1 and msgs[0].endswith(c2.encode()), msgs)


def test_dsn_success_local():
    # Submission from a local BAL to a local one with NOTIFY=SUCCESS: the
    # French DSN lands in the sender's INBOX in the same commit.
    s = submission()
    expect(s.mail(USERS["sender"], ["RET=HDRS", "ENVID=abc123"]), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"], ["NOTIFY=SUCCESS", "ORCPT=rfc822;" + USERS["alice"]]),
           250, "2.1.5")
    expect(s.data(message(frm=USERS["sender"], subject="avec dsn")), 250, "2.0.0")
    s.quit()
    dsns = [m for m in imap_messages("sender") if b"multipart/report" in m]
    check(len(dsns) == 1, dsns)
    check(b"Action: delivered" in dsns[0] and b"abc123" in dsns[0], dsns[0])


def test_partial_delivery_report():
    # Two local recipients; the message no longer fits one of them at the
    # end of DATA: the other gets it (250), the full one its 100 % alert,
    # and the sender a French report with the failure (5.2.2).
    s = submission()
    expect(s.mail(USERS["sender"]), 250, "2.1.0")
    expect(s.rcpt(USERS["dave"]), 250, "2.1.5")
    expect(s.rcpt(USERS["petit"]), 250, "2.1.5")
    body = ("p" * 70 + "\r\n") * 40
    r = s.data(message(frm=USERS["sender"], subject="partiel", body=body))
    expect(r, 250, "2.0.0")
    s.quit()
    check(any(b"Subject: partiel" in m for m in imap_messages("dave")), "not delivered")
    petit = imap_messages("petit")
    check(not any(b"Subject: partiel" in m for m in petit), "delivered past the quota")
    check(any(b"Auto-Submitted: auto-generated" in m for m in petit), "no 100 % alert")
    rep = [m for m in imap_messages("sender") if b"Action: failed" in m]
    check(len(rep) == 1 and b"Status: 5.2.2" in rep[0] and USERS["petit"].encode() in rep[0],
          rep)


def test_too_many_errors_and_rcpts():
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    for i in range(5):
        expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    expect(s.rcpt(USERS["bob"]), 452, "4.5.3")
    s.quit()
    t, f = tls_raw()
    t.sendall(b"EHLO x\r\n" + b"BOGUS\r\n" * 6)
    r = replies(f, 8)
    check(r[-2].startswith(b"500 5.5.2") and r[-1].startswith(b"421 4.7.0"), r)
    check(f.readline() == b"", "still open after 421")
    t.close()


def test_session_limits():
    # commands_max = 200: EHLO and STARTTLS count, so the 199th NOOP is
    # the 201st command and closes the session.
    t, f = tls_raw()
    t.sendall(b"NOOP\r\n" * 201)
    r = replies(f, 199)
    check(all(x.startswith(b"250 2.0.0") for x in r[:198]), r[:3])
    check(r[-1].startswith(b"421 4.7.0"), r[-3:])
    check(f.readline() == b"", "still open after 421")
    t.close()
    # idle_timeout = 10s.
    t, f = tls_raw()
    t0 = time.monotonic()
    line = f.readline()
    check(line.startswith(b"421 4.4.2") and 9 <= time.monotonic() - t0 < 20, line)
    t.close()


def test_mail_loop():
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["alice"]), 250, "2.1.5")
    hops = "".join("Received: from hop%d by hop%d; Thu, 1 Jan 2026 00:00:00 +0000\r\n"
                   % (i, i + 1) for i in range(50))
    expect(s.data(hops + message(subject="boucle")), 554, "5.4.6")
    s.quit()


# ---------------------------------------------------------------- submission

def test_submission_auth_before_tls():
    s = smtplib.SMTP("127.0.0.1", B.sub_port, timeout=IO_TIMEOUT)
    code, msg = s.ehlo("c")
    check(b"AUTH" not in msg and b"STARTTLS" in msg, msg)
    r = s.docmd("AUTH", "PLAIN AHNlbmRlckB0ZXN0LmV4YW1wbGUAcHctc2VuZGVy")
    expect(r, 538, "5.7.11")
    expect(s.mail(USERS["sender"]), 530, "5.7.0")
    s.quit()


def test_submission_auth_and_send():
    for mech in ("PLAIN", "LOGIN"):
        s = submission(mech=mech)
        expect(s.mail(USERS["sender"]), 250, "2.1.0")
        expect(s.rcpt(USERS["bob"]), 250, "2.1.5")
        expect(s.data(message(frm=USERS["sender"], subject="sub " + mech)), 250, "2.0.0")
        s.quit()
    got = [m for m in imap_messages("bob") if b"Subject: sub " in m]
    check(len(got) == 2 and b"Authenticated sender: " + USERS["sender"].encode() in got[0]
          and b"ESMTPSA" in got[0], got)
    s = smtplib.SMTP("127.0.0.1", B.sub_port, timeout=IO_TIMEOUT)
    s.starttls(context=client_ctx())
    s.ehlo("c")
    s.user, s.password = USERS["sender"], "wrong"
    try:
        s.auth("PLAIN", s.auth_plain)
        check(False, "wrong password accepted")
    except smtplib.SMTPAuthenticationError as e:
        check(e.smtp_code == 535 and e.smtp_error.startswith(b"5.7.8"), e)
    s.close()


def test_submission_implicit_tls():
    s = smtplib.SMTP_SSL("127.0.0.1", B.subs_port, timeout=IO_TIMEOUT, context=client_ctx())
    code, msg = s.ehlo("c")
    check(b"AUTH PLAIN LOGIN" in msg and b"STARTTLS" not in msg, msg)
    s.login(USERS["sender"], "pw-sender")
    expect(s.mail(USERS["sender"]), 250, "2.1.0")
    expect(s.rcpt(USERS["bob"]), 250, "2.1.5")
    expect(s.data(message(frm=USERS["sender"], subject="via 465")), 250, "2.0.0")
    s.quit()


def test_submission_refusals():
    s = submission()
    r = s.mail("dr@op.example")
    expect(r, 553, "5.7.1")  # spoofing
    expect(s.mail(USERS["alice"]), 553, "5.7.1")
    expect(s.mail(USERS["sender"]), 250, "2.1.0")
    r = s.rcpt("quelqu.un@nowhere.example")
    expect(r, 550, "5.7.1")
    check(b"espace de confiance" in r[1], r)
    expect(s.rcpt("nobody@test.example"), 550, "5.1.1")
    s.quit()
    # A BAL at 100 % of its quota cannot send.
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    expect(s.rcpt(USERS["tiny"]), 250, "2.1.5")
    expect(s.data(message(to=USERS["tiny"], subject="remplit",
                          body="w" * 900 + "\r\n")), 250, "2.0.0")
    s.quit()
    B.ctl("bal", "set", USERS["tiny"], "--quota", "1K")
    s = submission("tiny")
    r = s.mail(USERS["tiny"])
    expect(r, 552, "5.2.2")
    s.quit()


def test_submission_delegated_sender():
    """Sending as another BAL needs its post right (RFC 4314 "p",
    balisectl delegate grant); read rights alone are not enough, and a
    revocation takes effect on the next MAIL."""
    B.ctl("delegate", "grant", USERS["alice"], USERS["sender"], "--rights", "lr")
    s = submission()
    expect(s.mail(USERS["alice"]), 553, "5.7.1")
    s.quit()
    B.ctl("delegate", "grant", USERS["alice"], USERS["sender"], "--rights", "lrp")
    s = submission()
    expect(s.mail(USERS["alice"]), 250, "2.1.0")
    expect(s.rcpt(USERS["bob"]), 250, "2.1.5")
    expect(s.data(message(frm=USERS["alice"], subject="pour alice")), 250, "2.0.0")
    B.ctl("delegate", "revoke", USERS["alice"], USERS["sender"])
    expect(s.mail(USERS["alice"]), 553, "5.7.1")
    s.quit()
    got = [m for m in imap_messages("bob") if b"Subject: pour alice" in m]
    check(len(got) == 1 and b"Return-Path: <" + USERS["alice"].encode() + b">" in got[0], got)


def test_remote_recipient_queued():
    s = submission()
    expect(s.mail(USERS["sender"], ["ENVID=q1"]), 250, "2.1.0")
    expect(s.rcpt("dest@remote.example", ["NOTIFY=FAILURE"]), 250, "2.1.5")
    expect(s.rcpt(USERS["carol"]), 250, "2.1.5")
    expect(s.data(message(frm=USERS["sender"], to="dest@remote.example",
                          subject="vers ailleurs")), 250, "2.0.0")
    s.quit()
    out = B.ctl("queue", "list")
    check("dest@remote.example" in out or USERS["sender"] in out, out)
    out = B.ctl("queue", "list", "--json")
    check(USERS["sender"] in out, out)
    check(any(b"Subject: vers ailleurs" in m for m in imap_messages("carol")), "no local copy")


def test_swaks():
    if shutil.which("swaks") is None:
        print("  # SKIP swaks not installed")
        return
    base = ["swaks", "--server", "127.0.0.1", "--timeout", "30", "--hide-informational"]
    r = subprocess.run(base + ["--port", str(B.smtp_port), "--tls",
                               "--tls-cert", P["op"][0], "--tls-key", P["op"][1],
                               "--from", "dr@op.example", "--to", USERS["alice"],
                               "--helo", "mx.op.example",
                               "--header", "From: dr@op.example",
                               "--header", "Subject: swaks inbound"],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode == 0 and "250 2.0.0 Message accepte" in r.stdout, r.stdout + r.stderr)
    r = subprocess.run(base + ["--port", str(B.smtp_port), "--tls",
                               "--from", "dr@op.example", "--to", USERS["alice"]],
                       capture_output=True, text=True, timeout=60)
    check(r.returncode != 0 and "550 5.7.1" in r.stdout, r.stdout + r.stderr)
    for mech in ("PLAIN", "LOGIN"):
        r = subprocess.run(base + ["--port", str(B.sub_port), "--tls", "--auth", mech,
                                   "--auth-user", USERS["sender"], "--auth-password",
                                   "pw-sender", "--from", USERS["sender"], "--to",
                                   USERS["alice"], "--header", "Subject: swaks " + mech],
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0 and "235 2.7.0" in r.stdout, r.stdout + r.stderr)
    subj = [m for m in imap_messages("alice") if b"Subject: swaks " in m]
    check(len(subj) == 3, len(subj))


def test_policy():
    if not os.path.exists(harness.POLICY):
        print("  # SKIP tls_policy.sh checks: %s not found" % harness.POLICY)
        return
    runs = [(mode, subprocess.Popen(["bash", harness.POLICY, "127.0.0.1", str(port), mode],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True))
            for port, mode in ((B.smtp_port, "smtp"), (B.sub_port, "smtp"),
                               (B.subs_port, "tls"))]
    for mode, p in runs:
        out, _ = p.communicate(timeout=600)
        last = out.strip().splitlines()[-1] if out.strip() else ""
        print("  tls_policy %s: %s" % (mode, last))
        check(p.returncode == 0 and re.search(r"\b0 failed", last), out)


def test_whitelist_reload():
    # A malformed file keeps the last good list (logged once); a new good
    # file is used within the refresh period (5 s).
    loads = B.output().count("whitelist loaded")
    tmp = B.wl + ".new"
    with open(tmp, "w") as f:
        f.write("<ListeBlancheMSSante xmlns='%s'><ListeDomaines>" % WL_NS)
    os.rename(tmp, B.wl)
    check(B.wait_log("whitelist not loaded, keeping the previous one", 15), "bad file not logged")
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    s.quit()
    write_whitelist(tmp, without=("op.example",))
    os.rename(tmp, B.wl)
    deadline = time.monotonic() + 15
    while B.output().count("whitelist loaded") == loads and time.monotonic() < deadline:
        time.sleep(0.1)
    check(B.output().count("whitelist not loaded") == 1, "bad file logged more than once")
    s = inbound()
    expect(s.mail("dr@op.example"), 550, "5.7.1")
    s.quit()
    write_whitelist(tmp)
    os.rename(tmp, B.wl)
    deadline = time.monotonic() + 15
    while B.output().count("whitelist loaded") < loads + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    s = inbound()
    expect(s.mail("dr@op.example"), 250, "2.1.0")
    s.quit()


def test_smtp_needs_ca():
    conf = os.path.join(B.tmp, "noca.conf")
    with open(B.conf) as f:
        text = f.read()
    with open(conf, "w") as f:
        f.write(text.replace("ca = %s\n" % B.ca, ""))
    r = subprocess.run([harness.BALISED, "-c", conf], capture_output=True, text=True,
                       timeout=60)
    check(r.returncode != 0 and "[tls] ca: required by the smtp listener" in r.stderr, r.stderr)


# ---------------------------------------------------------------- durability

def test_sigkill_during_load():
    acked, lock, stop = [], threading.Lock(), threading.Event()

    def worker(n):
        i = 0
        while not stop.is_set():
            try:
                s = inbound()
                while not stop.is_set():
                    subject = "charge %d %d" % (n, i)
                    i += 1
                    s.mail("dr@op.example")
                    s.rcpt(USERS["bob"])
                    r = s.data(message(to=USERS["bob"], subject=subject))
                    if r[0] == 250:
                        with lock:
                            acked.append(subject)
            except (OSError, smtplib.SMTPException):
                time.sleep(0.05)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while len(acked) < 60 and time.monotonic() < deadline:
        time.sleep(0.05)
    B.signal(signal.SIGKILL)
    B.proc.wait()
    stop.set()
    for t in threads:
        t.join()
    check(len(acked) >= 60, "only %d messages acknowledged" % len(acked))
    B.log.close()
    os.rename(B.log_path, B.log_path + ".killed")  # start() waits for a new "ready"
    B.start()
    stored = set()
    for m in imap_messages("bob"):
        mo = re.search(rb"Subject: (charge \d+ \d+)\r\n", m)
        if mo:
            stored.add(mo.group(1).decode())
    lost = [a for a in acked if a not in stored]
    print("  acknowledged %d, stored %d" % (len(acked), len(stored)))
    check(not lost, "acknowledged but lost: %r" % lost[:10])


def test_sigterm_421():
    s = inbound()
    B.signal(signal.SIGTERM)
    line = s.sock.makefile("rb").readline()
    check(line.startswith(b"421 4.3.2"), line)
    check(B.proc.wait(harness.STOP_TIMEOUT) == 0, "exit status")
    s.close()


TESTS = [test_mail_before_starttls, test_no_client_certificate, test_certificate_other_ca,
         test_certificate_expired, test_certificate_not_yet_valid, test_certificate_revoked,
         test_crl_expired,
         test_dn_not_listed, test_rcpt_refusals, test_quota_full_rcpt, test_quota_alerts_by_smtp, test_deliver_and_read_back,
         test_header_from_check, test_size_refusals, test_pipelining_and_bdat,
         test_dsn_success_local, test_partial_delivery_report, test_too_many_errors_and_rcpts, test_session_limits,
         test_mail_loop, test_submission_auth_before_tls,
         test_submission_auth_and_send, test_submission_implicit_tls, test_submission_refusals,
         test_submission_delegated_sender,
         test_remote_recipient_queued, test_swaks, test_policy, test_whitelist_reload,
         test_smtp_needs_ca, test_sigkill_during_load,
         test_sigterm_421]


def main():
    setup()
    try:
        only = sys.argv[1:]
        status = harness.run_tests([t for t in TESTS if not only or t.__name__ in only])
        if status:
            print(B.output()[-6000:])
        return status
    finally:
        B.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())

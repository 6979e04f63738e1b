#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Audit traces end to end (issue 7, EX_GDT_5040/5050/5070; docs/audit.md):
#   - an IMAP session, an SMTP submission and an inbound SMTP transaction
#     (client certificate, whitelisted DN) leave records with every field:
#     action, author, BAL, time in ms, client software, source address and
#     port, request, response (failures too), and for mail the internal id,
#     Message-ID, sender, recipients and size;
#   - APPEND's record has the size, Message-ID and stored id;
#   - a delegate's IMAP commands and submission name both identities;
#   - a message whose Subject and body carry a unique marker is delivered,
#     read and moved: neither audit export nor balised's log hold the
#     marker; once expunged and after balisectl store compact, nothing
#     under the data directory holds it;
#   - retention with a set clock (balisectl audit expire --now, the daily
#     job's code): old records deleted, or anonymised with keyed hashes
#     that still link one person's records; recent ones intact;
#   - balisectl changes are traced with the Unix user as author; audit
#     search filters; bad arguments are named; store check passes.
import ctypes
import datetime
import imaplib
import json
import os
import pwd
import re
import smtplib
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check, sh  # noqa: E402

IO_TIMEOUT = 30
OP_DN = "/C=FR/O=Operateur Audit/CN=mx.op.example"
OP_DN_2253 = "CN=mx.op.example,O=Operateur Audit,C=FR"
WL_NS = "https://listeblanche.mssante.fr/schema"
PW = "pw-secret"
imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
imaplib.Commands.setdefault("MOVE", ("SELECTED",))


def day(offset):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=offset)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ctl_rc(b, *args):
    r = subprocess.run([harness.BALISECTL, "-c", b.conf, *args], capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


def new_balise(extra=""):
    b = harness.Balise()
    d = b.tmp
    key, csr, crt = (os.path.join(d, "op" + x) for x in (".key", ".csr", ".pem"))
    sh(harness.OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", OP_DN)
    sh(harness.OPENSSL, "x509", "-req", "-in", csr, "-CA", b.ca, "-CAkey",
       os.path.join(d, "ca.key"), "-CAcreateserial", "-out", crt, "-days", "2", "-sha256")
    b.op_cert = (crt, key)
    wl = os.path.join(d, "whitelist.xml")
    with open(wl, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListeBlancheMSSante xmlns="%s">'
                "<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration><ListeDomaines>"
                "<Domaine><Nom>op.example</Nom><DNCertificatOperateur>%s"
                "</DNCertificatOperateur></Domaine></ListeDomaines></ListeBlancheMSSante>\n"
                % (WL_NS, OP_DN_2253))
    b.smtp_port, b.sub_port = harness.free_port(), harness.free_port()
    conf = open(b.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nsmtp = 127.0.0.1:%d\nsubmission = 127.0.0.1:%d\n"
                        % (b.smtp_port, b.sub_port))
    conf = conf.replace("[tls]\n", "[tls]\nca = %s\n" % b.ca)
    conf += "\n[trust]\nwhitelist = %s\n" % wl + extra
    open(b.conf, "w").write(conf)
    return b


def export(b, since=-2, until=2):
    out = b.ctl("audit", "export", "--since", day(since)[:10], "--until", day(until)[:10])
    return out, [json.loads(line) for line in out.splitlines()]


def find(recs, **kw):
    return [r for r in recs if all(r.get(k) == v for k, v in kw.items())]


def one(recs, what, **kw):
    got = find(recs, **kw)
    check(len(got) >= 1, "no record %s %r among:\n%s" % (what, kw, "\n".join(map(str, recs))))
    return got[-1]


def check_common(r, what):
    """Time with milliseconds, source address and port, a response."""
    check(len(r["time"]) == 24 and r["time"].endswith("Z") and r["time"][19] == ".",
          "%s: time %r" % (what, r["time"]))
    check(r["src"] == "127.0.0.1" and 0 < r["port"] < 65536, "%s: source %r" % (what, r))
    check(r["response"] != "", "%s: response %r" % (what, r))


def imap_login(b, user, pw=PW, client=None):
    c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                          timeout=IO_TIMEOUT)
    if client:
        typ, _ = c._simple_command("ID", '("name" "%s" "version" "1.0")' % client)
        check(typ == "OK", "ID")
    c.login(user, pw)
    return c


def inbound(b, frm, to, data):
    s = smtplib.SMTP("127.0.0.1", b.smtp_port, timeout=IO_TIMEOUT)
    s.ehlo("mx.op.example")
    ctx = b.tls_context()
    ctx.load_cert_chain(*b.op_cert)
    s.starttls(context=ctx)
    s.ehlo("mx.op.example")
    r = s.sendmail(frm, to, data)
    s.quit()
    return r


def submission(b, user, frm, to, data):
    s = smtplib.SMTP("127.0.0.1", b.sub_port, timeout=IO_TIMEOUT)
    s.ehlo("poste.client.test")
    s.starttls(context=b.tls_context())
    s.ehlo("poste.client.test")
    s.login(user, PW)
    s.sendmail(frm, to, data)
    s.quit()


def message(frm, to, subject, body, msgid):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: %s\r\n\r\n%s\r\n"
            % (frm, to, subject, msgid, body)).encode()


def start(b):
    """Starts balised (again) and waits for this run's ready line."""
    if b.proc is None:
        b.start()
        return
    n = b.output().count("ready pid=")
    b.start()
    deadline = time.monotonic() + harness.START_TIMEOUT
    while b.output().count("ready pid=") <= n and time.monotonic() < deadline:
        time.sleep(0.05)
    check(b.output().count("ready pid=") > n, "balised restarted:\n" + b.output())


def stop(b):
    check(b.stop() == 0, "balised exit status:\n" + b.output()[-3000:])


def unix_user():
    return pwd.getpwuid(os.getuid()).pw_name


# ---------------------------------------------------------------- protocols


def test_sessions_traced():
    with new_balise() as b:
        alice, bob = b.add_bal("alice", PW), b.add_bal("bob", PW)
        b.start()
        mid_in = "<in.%s@op.example>" % uuid.uuid4().hex
        data = message("dr@op.example", alice, "Bonjour", "corps", mid_in)
        inbound(b, "dr@op.example", [alice], data)
        try:  # an unknown recipient: refused at RCPT, traced
            inbound(b, "dr@op.example", ["nobody@test.example"], data)
        except smtplib.SMTPRecipientsRefused:
            pass
        mid_sub = "<sub.%s@test.example>" % uuid.uuid4().hex
        sub = message(bob, alice, "Reponse", "texte", mid_sub)
        submission(b, bob, bob, [alice], sub)
        c = imap_login(b, alice, client="audit-client")
        c.select("INBOX")
        typ, _ = c.fetch("1:2", "(FLAGS)")
        check(typ == "OK", "FETCH")
        c.logout()
        bad = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                                timeout=IO_TIMEOUT)
        try:
            bad.login(alice, "wrong")
            check(False, "a wrong password logged in")
        except imaplib.IMAP4.error:
            pass
        bad.logout()
        stop(b)
        _, recs = export(b)

        r = one(recs, "IMAP login", action="imap.login", actor=alice)
        check_common(r, "imap.login")
        check(r["category"] == "auth" and r["by"] == "bal" and r["bal"] == alice and
              r["client"] == "audit-client" and r["response"].startswith("OK") and
              r["request"] == "LOGIN", r)
        r = one(recs, "IMAP login failure", action="imap.login-failed", actor=alice)
        check_common(r, "imap.login-failed")
        check(r["by"] == "none" and r["response"].startswith("NO [AUTHENTICATIONFAILED]") and
              "wrong" not in json.dumps(r), r)
        r = one(recs, "SELECT", action="imap.select", actor=alice)
        check_common(r, "imap.select")
        check(r["category"] == "access" and 'mailbox="INBOX"' in r["request"] and
              r["response"].startswith("OK [READ-WRITE]") and r["client"] == "audit-client", r)
        r = one(recs, "FETCH", action="imap.fetch", actor=alice)
        check('mailbox="INBOX"' in r["request"] and "messages=2" in r["request"] and
              r["response"].startswith("OK"), r)

        r = one(recs, "inbound SMTP", action="smtp.inbound", bal=alice, message_id=mid_in)
        check_common(r, "smtp.inbound")
        check(r["category"] == "message" and r["by"] == "peer" and
              "mx.op.example" in r["actor"] and r["client"] == "mx.op.example" and
              r["sender"] == "dr@op.example" and r["rcpts"] == alice and
              r["size"] == len(data) and r["ref"] != "" and r["response"].startswith("250"), r)
        r = one(recs, "refused RCPT", action="smtp.inbound", request="RCPT refused")
        check(r["rcpts"] == "nobody@test.example" and r["response"].startswith("550 5.1.1"), r)

        r = one(recs, "submission", action="smtp.submission", message_id=mid_sub)
        check_common(r, "smtp.submission")
        check(r["by"] == "bal" and r["actor"] == bob and r["bal"] == bob and
              r["client"] == "poste.client.test" and r["sender"] == bob and
              r["rcpts"] == alice and r["size"] == len(sub) and
              r["response"].startswith("250"), r)
        r = one(recs, "local copy", action="smtp.deliver", bal=alice, message_id=mid_sub)
        check(r["response"].startswith("250 2.0.0"), r)
        r = one(recs, "SMTP AUTH", action="smtp.auth", actor=bob)
        check_common(r, "smtp.auth")
        check(r["category"] == "auth" and r["response"].startswith("235"), r)
        check(b.ctl("store", "check").strip() != "", "store check")


def test_append_traced():
    """APPEND's record carries the message fields: size, Message-ID and
    the stored message's id (UIDVALIDITY and UID, as APPENDUID)."""
    with new_balise() as b:
        alice = b.add_bal("alice", PW)
        b.start()
        mid = "<app.%s@test.example>" % uuid.uuid4().hex
        data = message(alice, alice, "Brouillon", "texte", mid)
        c = imap_login(b, alice)
        typ, resp = c.append("INBOX", None, None, data)
        check(typ == "OK", "APPEND %r" % resp)
        m = re.search(rb"APPENDUID (\d+) (\d+)", resp[0])
        check(m is not None, resp)
        typ, _ = c.append("Absent", None, None, data)
        check(typ == "NO", "APPEND to a missing mailbox")
        c.logout()
        stop(b)
        _, recs = export(b)
        ok = [r for r in find(recs, action="imap.append") if r["response"].startswith("OK")]
        check(len(ok) == 1, recs)
        r = ok[0]
        check_common(r, "imap.append")
        check(r["size"] == len(data) and r["message_id"] == mid and
              r["ref"] == "imap:%s:%s" % (m.group(1).decode(), m.group(2).decode()) and
              'mailbox="INBOX"' in r["request"], r)
        r = one(recs, "refused APPEND", action="imap.append", request='APPEND mailbox="Absent"')
        check(r["response"].startswith("NO [TRYCREATE]") and r["size"] == len(data) and
              r["message_id"] == mid and r["ref"] == "", r)


def test_delegated_traced():
    # With the syslog copy on (its path runs under the sandbox too).
    with new_balise("\n[audit]\nsyslog = yes\n") as b:
        owner, dlg = b.add_bal("owner", PW), b.add_bal("deleg", PW)
        b.ctl("delegate", "grant", owner, dlg, "--rights", "lrp")
        b.start()
        c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                              timeout=IO_TIMEOUT)
        c.authenticate("PLAIN", lambda _: ("%s\0%s\0%s" % (owner, dlg, PW)).encode())
        c.select("INBOX", readonly=True)
        c.logout()
        mid = "<dlg.%s@test.example>" % uuid.uuid4().hex
        submission(b, dlg, owner, [dlg], message(owner, dlg, "pour", "x", mid))
        stop(b)
        _, recs = export(b)
        r = one(recs, "delegated login", action="imap.login", actor=dlg)
        check(r["by"] == "delegate" and r["bal"] == owner and r["request"] ==
              "AUTHENTICATE PLAIN", r)
        r = one(recs, "delegated EXAMINE", action="imap.examine", actor=dlg)
        check(r["by"] == "delegate" and r["bal"] == owner, r)
        r = one(recs, "delegated submission", action="smtp.submission", message_id=mid)
        check(r["by"] == "delegate" and r["actor"] == dlg and r["bal"] == owner and
              r["sender"] == owner, r)
        out = b.ctl("audit", "search", "--bal", owner, "--actor", dlg, "--action", "imap")
        check("imap.examine" in out and "imap.login" in out and "smtp." not in out, out)


def test_managesieve_traced():
    """ManageSieve: logins (success, failure) and script commands, never
    the script's text."""
    import test_managesieve as tms
    marker = "SCRIPT%s" % uuid.uuid4().hex
    with new_balise() as b:
        alice = b.add_bal("alice", PW)
        b.ms_port = harness.free_port()
        conf = open(b.conf).read()
        open(b.conf, "w").write(conf.replace("[listen]\n", "[listen]\nmanagesieve = "
                                             "127.0.0.1:%d\n" % b.ms_port))
        b.start()
        c = tms.MS(b.ms_port)
        c.starttls(b.tls_context())
        check(c.login(alice, "wrong").startswith("NO"), "wrong password refused")
        c.close()
        c = tms.MS(b.ms_port)
        c.starttls(b.tls_context())
        check(c.login(alice, PW).startswith("OK"), "login")
        script = 'require "vacation";\nvacation :days 3 "%s absent";\n' % marker
        check(tms.put(c, "regles", script).startswith("OK"), "PUTSCRIPT")
        check(tms.put(c, "bad", "nimportequoi %s;\n" % marker).startswith("NO"), "bad script")
        _, st = c.cmd('SETACTIVE "regles"')
        check(st.startswith("OK"), st)
        _, st = c.cmd('GETSCRIPT "absent"')
        check(st.startswith("NO"), st)
        c.cmd("LOGOUT")
        c.close()
        stop(b)
        out, recs = export(b)
        check(marker not in out and marker not in b.output(), "the script text was traced")
        r = one(recs, "ManageSieve login", action="sieve.login", actor=alice)
        check_common(r, "sieve.login")
        check(r["category"] == "auth" and r["by"] == "bal" and r["bal"] == alice and
              r["request"] == "AUTHENTICATE PLAIN", r)
        r = one(recs, "ManageSieve failure", action="sieve.login-failed", actor=alice)
        check(r["by"] == "none" and r["response"].startswith("NO"), r)
        r = one(recs, "PUTSCRIPT", action="sieve.putscript", request='PUTSCRIPT name="regles"')
        check(r["category"] == "access" and r["response"].startswith("OK"), r)
        r = one(recs, "bad PUTSCRIPT", action="sieve.putscript", request='PUTSCRIPT name="bad"')
        check(r["response"].startswith("NO") and "line " in r["response"], r)
        one(recs, "SETACTIVE", action="sieve.setactive", request='SETACTIVE name="regles"')
        r = one(recs, "GETSCRIPT", action="sieve.getscript")
        check(r["response"].startswith("NO (NONEXISTENT)"), r)


def test_quota_alert_traced():
    with new_balise() as b:
        petit = b.add_bal("petit", PW, quota="2K")
        b.start()
        data = message("dr@op.example", petit, "Gros", ("x" * 70 + "\r\n") * 19, "<q.%s@op.example>"
                       % uuid.uuid4().hex)
        inbound(b, "dr@op.example", [petit], data)
        stop(b)
        _, recs = export(b)
        r = one(recs, "quota alert", action="policy.quota-alert", bal=petit)
        check(r["category"] == "admin" and r["by"] == "system" and
              r["request"].startswith("level=") and "refused=0" in r["request"], r)


# ---------------------------------------------------------------- no content


def grep_dir(d, marker):
    hits = []
    for root, _, files in os.walk(d):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                if marker.encode() in fh.read():
                    hits.append(os.path.join(root, f))
    return hits


def test_marker_never_traced():
    marker = "MARQUEUR%s" % uuid.uuid4().hex
    with new_balise() as b:
        alice = b.add_bal("alice", PW)
        b.start()
        data = message("dr@op.example", alice, "Sujet %s" % marker, "Corps %s" % marker,
                       "<m.%s@op.example>" % uuid.uuid4().hex)
        inbound(b, "dr@op.example", [alice], data)
        c = imap_login(b, alice)
        c.create("Archive")
        c.select("INBOX")
        typ, d = c.fetch("1", "(BODY[])")
        check(typ == "OK" and marker.encode() in d[0][1], "read back")
        typ, _ = c.uid("SEARCH", None, "SUBJECT", marker)
        check(typ == "OK", "SEARCH")
        typ, _ = c._simple_command("MOVE", "1", "Archive")
        check(typ == "OK", "MOVE")
        c.logout()
        stop(b)
        out, recs = export(b)
        check(find(recs, action="imap.move") and find(recs, action="imap.fetch") and
              find(recs, action="smtp.inbound"), "records of the steps")
        check(marker not in out, "audit export holds the marker")
        check(marker not in b.output(), "balised's log holds the marker")
        start(b)
        c = imap_login(b, alice)
        c.select("Archive")
        c.store("1", "+FLAGS", "\\Deleted")
        c.expunge()
        c.logout()
        stop(b)
        data_dir = os.path.join(b.tmp, "data")
        b.ctl("store", "compact")
        hits = grep_dir(data_dir, marker)
        check(hits == [], "the marker is still under the data directory: %r" % hits)
        out, _ = export(b)
        check(marker not in out, "export after compact")


# ---------------------------------------------------------------- retention

RETENTION = """
[audit]
retention_auth = 30
retention_access = 30
retention_message = 30
retention_admin = 30
"""


def traffic(b, alice):
    start(b)
    c = imap_login(b, alice)
    c.select("INBOX")
    c.logout()
    stop(b)


def test_retention_delete():
    with new_balise(RETENTION) as b:
        alice = b.add_bal("alice", PW)
        traffic(b, alice)
        # An admin record 400 days ahead: the inactivity job's warning,
        # written with the job's clock.
        b.ctl("bal", "inactivity-run", "--now", day(400))
        _, before = export(b, -2, 500)
        check(find(before, action="imap.login") and find(before, action="admin.bal.create"),
              "records before")
        future = find(before, action="policy.inactivity-warning")
        check(len(future) == 1 and future[0]["bal"] == alice, future)
        out = b.ctl("audit", "expire", "--now", day(401))
        check("deleted" in out, out)
        _, after = export(b, -2, 500)
        check(after == future, "only the recent record is left: %r" % after)
        check(b.ctl("audit", "search", "--bal", alice).count("\n") == 1, "index follows")
        b.ctl("store", "check")
        b.ctl("store", "compact")
        check(grep_dir(os.path.join(b.tmp, "data"), "imap.login") == [],
              "deleted records are wiped by compact")


def test_retention_anonymise():
    with new_balise(RETENTION + "anonymise = yes\n") as b:
        alice, bob = b.add_bal("alice", PW), b.add_bal("bob", PW)
        traffic(b, alice)
        traffic(b, alice)
        b.ctl("bal", "inactivity-run", "--now", day(400))
        _, before = export(b, -2, 500)
        n = len(before)
        out = b.ctl("audit", "expire", "--now", day(401))
        check("anonymised" in out, out)
        out, after = export(b, -2, 500)
        check(len(after) == n, "anonymised records are kept")
        old = [r for r in after if r["action"] != "policy.inactivity-warning"]
        check(all(r["anonymised"] for r in old), old)
        check(alice not in out.replace(find(after, action="policy.inactivity-warning")[0]
                                       ["bal"], ""), "an address left")
        check("127.0.0.1" not in out, "a source address left")
        logins = find(after, action="imap.login")
        check(len(logins) == 2 and logins[0]["actor"].startswith("anon-") and
              logins[0]["actor"] == logins[1]["actor"] == logins[0]["bal"],
              "one person's records still link: %r" % logins)
        created = {r["bal"] for r in find(after, action="admin.bal.create")}
        check(len(created) == 2 and logins[0]["bal"] in created, created)
        recent = find(after, action="policy.inactivity-warning")
        check(not recent[0]["anonymised"] and recent[0]["bal"] in (alice, bob), recent)
        again = b.ctl("audit", "expire", "--now", day(401))
        check(again.startswith("audit retention: 0 "), again)
        b.ctl("store", "check")


# ---------------------------------------------------------------- admin, CLI


def test_admin_traced():
    with new_balise() as b:
        alice = b.add_bal("alice", PW)
        b.ctl("bal", "set", alice, "--quota", "5M")
        rc, _, _ = ctl_rc(b, "bal", "set", "nobody@test.example", "--quota", "5M")
        check(rc != 0, "bal set of a missing BAL")
        b.ctl("deletion-request", "create", alice, "--requested-by", harness.HOLDER,
              "--reason", "depart Dupont")
        recs = json.loads(b.ctl("audit", "search", "--action", "admin", "--json"))
        r = one(recs, "bal set", action="admin.bal.set", bal=alice)
        check(r["by"] == "admin" and r["actor"] == unix_user() and r["client"] == "balisectl"
              and "bal set" in r["request"] and "--quota 5M" in r["request"] and
              r["response"] == "OK" and r["category"] == "admin", r)
        r = one(recs, "deletion request", action="admin.deletion-request.create")
        check("Dupont" not in r["request"] and "(13 chars)" in r["request"], r)
        out = b.ctl("audit", "search", "--bal", alice, "--action", "admin.bal")
        check("admin.bal.create" in out and "admin.bal.set" in out and
              "deletion-request" not in out, out)


def test_bad_arguments():
    with new_balise() as b:
        for args, name in ((("audit", "export", "--until", "2026-01-01"), "--since"),
                           (("audit", "export", "--since", "hier", "--until", "2026-01-01"),
                            "--since"),
                           (("audit", "search", "--until", "2026-13-45"), "--until"),
                           (("audit", "search", "--since", "2026-02-01", "--until",
                             "2026-01-01"), "--until"),
                           (("audit", "expire", "--now", "demain"), "--now"),
                           (("audit", "search", "--colour"), "--colour")):
            rc, out, err = ctl_rc(b, *args)
            check(rc == 2 and name in err, "%r: %d %r" % (args, rc, err))


class Timex(ctypes.Structure):
    _fields_ = [("modes", ctypes.c_uint), ("pad", ctypes.c_byte * 204)]


def test_clock_check():
    """balised records a warning trace when ntp_adjtime says the clock is
    not synchronised, and none when it is."""
    libc = ctypes.CDLL(None, use_errno=True)
    tx = ctypes.create_string_buffer(512)
    state = libc.ntp_adjtime(tx)  # modes 0: read only
    with new_balise() as b:
        b.start()
        time.sleep(0.2)
        stop(b)
        _, recs = export(b)
        got = find(recs, action="system.clock-unsynchronised")
        if state < 0:
            return
        unsync = state == 5  # TIME_ERROR
        check(bool(got) == unsync, "ntp_adjtime %d, traces %r" % (state, got))
        check(("clock not synchronised" in b.output()) == unsync, "log line")
        if got:
            check(got[0]["by"] == "system" and got[0]["category"] == "admin", got)


TESTS = [test_sessions_traced, test_append_traced, test_delegated_traced, test_managesieve_traced,
         test_quota_alert_traced, test_marker_never_traced,
         test_retention_delete, test_retention_anonymise, test_admin_traced, test_bad_arguments,
         test_clock_check]


def main():
    only = sys.argv[1:]
    return harness.run_tests([t for t in TESTS if not only or t.__name__ in only])


if __name__ == "__main__":
    sys.exit(main())

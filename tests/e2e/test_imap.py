#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# IMAP against a real balised (tests/e2e/harness.py), over STARTTLS and
# implicit TLS, with imaplib and with raw sockets where imaplib hides the
# wire: capabilities before/after TLS, LOGIN and AUTHENTICATE PLAIN, the
# password cache, suspended BALs, APPEND/SELECT/EXAMINE, quota, IDLE woken
# by another connection, malformed commands, literal limits, SIGTERM, and
# tls_policy.sh on both ports.
import base64
import imaplib
import os
import re
import signal
import socket
import ssl
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
MSG = (b"From: Alice <alice@test.example>\r\nTo: bob@test.example\r\n"
       b"Subject: hello\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n"
       b"Message-ID: <1@test.example>\r\n\r\nHello Bob.\r\n")

B = None  # the shared balised
USERS = {}


check = harness.check



def imaps():
    return imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                             timeout=IO_TIMEOUT)


def imap_starttls():
    c = imaplib.IMAP4("127.0.0.1", B.imap_port, timeout=IO_TIMEOUT)
    c.starttls(B.tls_context())
    return c


class Raw:
    """A line-level client: implicit TLS (tls=True), STARTTLS done by us
    (starttls=True), or clear text."""

    def __init__(self, tls=True, starttls=False):
        port = B.imaps_port if tls else B.imap_port
        self.s = socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT)
        self.buf = b""
        if tls:
            self.s = B.tls_context().wrap_socket(self.s)
        self.greeting = self.line()
        if starttls:
            self.send(b"S1 STARTTLS\r\n")
            check(self.line().startswith(b"S1 OK"), "STARTTLS refused")
            self.s = B.tls_context().wrap_socket(self.s)

    def send(self, data):
        self.s.sendall(data)

    def line(self):
        while b"\r\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                out, self.buf = self.buf, b""
                return out
            self.buf += d
        out, self.buf = self.buf.split(b"\r\n", 1)
        return out

    def until(self, tag):
        """Lines up to and including the tagged reply."""
        lines = []
        while True:
            ln = self.line()
            lines.append(ln)
            if ln.startswith(tag + b" ") or ln == b"":
                return lines

    def cmd(self, tag, text):
        self.send(tag + b" " + text + b"\r\n")
        return self.until(tag)

    def login(self, user, pw):
        r = self.cmd(b"L", b'LOGIN "%s" "%s"' % (user.encode(), pw.encode()))
        check(r[-1].startswith(b"L OK"), "login: %r" % r)

    def closed(self):
        try:
            return self.s.recv(1) == b""
        except (ConnectionResetError, ssl.SSLError, OSError):
            return True

    def close(self):
        self.s.close()


def plain(authz, user, pw):
    return base64.b64encode(("%s\0%s\0%s" % (authz, user, pw)).encode())


# ------------------------------------------------------------------ tests

def test_capability_before_after_tls():
    c = Raw(tls=False)
    check(b"STARTTLS" in c.greeting and b"LOGINDISABLED" in c.greeting, c.greeting)
    r = c.cmd(b"a", b"CAPABILITY")
    capa = r[0]
    check(b"STARTTLS" in capa and b"LOGINDISABLED" in capa and b"AUTH=" not in capa, capa)
    check(r[-1].startswith(b"a OK"), r)
    c.send(b"b STARTTLS\r\n")
    check(c.line().startswith(b"b OK"), "STARTTLS")
    c.s = B.tls_context().wrap_socket(c.s)
    capa = c.cmd(b"c", b"CAPABILITY")[0]
    check(b"AUTH=PLAIN" in capa and b"SASL-IR" in capa, capa)
    check(b"STARTTLS" not in capa and b"LOGINDISABLED" not in capa, capa)
    r = c.cmd(b"d", b"STARTTLS")
    check(r[-1].startswith(b"d BAD"), "second STARTTLS: %r" % r)
    c.close()


def test_login_refused_before_tls():
    c = Raw(tls=False)
    r = c.cmd(b"a", b"LOGIN alice secret")
    check(r[-1].startswith(b"a NO [PRIVACYREQUIRED]"), r)
    r = c.cmd(b"b", b"AUTHENTICATE PLAIN " + plain("", USERS["alice"], "pw-alice"))
    check(r[-1].startswith(b"b NO [PRIVACYREQUIRED]"), r)
    r = c.cmd(b"c", b"SELECT INBOX")
    check(r[-1].startswith(b"c BAD"), r)
    c.close()


def test_login_good_bad():
    for make in (imaps, imap_starttls):
        c = make()
        try:
            c.login(USERS["alice"], "wrong")
            raise AssertionError("wrong password accepted")
        except imaplib.IMAP4.error as e:
            check("AUTHENTICATIONFAILED" in str(e), str(e))
        try:
            c.login("nobody@test.example", "pw-alice")
            raise AssertionError("unknown user accepted")
        except imaplib.IMAP4.error as e:
            check("AUTHENTICATIONFAILED" in str(e), str(e))
        typ, data = c.login(USERS["alice"].upper(), "pw-alice")
        check(typ == "OK" and b"CAPABILITY" in data[0], data)
        c.logout()


def test_authenticate_plain():
    user = USERS["alice"]
    c = imaps()
    c.authenticate("PLAIN", lambda _: ("\0%s\0pw-alice" % user).encode())
    check(c.state == "AUTH", c.state)
    c.logout()
    # SASL-IR (RFC 4959), with an authorization identity equal to the user.
    r = Raw()
    out = r.cmd(b"a", b"AUTHENTICATE PLAIN " + plain(user, user, "pw-alice"))
    check(out[-1].startswith(b"a OK"), out)
    r.close()
    # Another identity is delegation: refused for now.
    r = Raw()
    out = r.cmd(b"a", b"AUTHENTICATE PLAIN " + plain(USERS["bob"], user, "pw-alice"))
    check(out[-1].startswith(b"a NO [AUTHORIZATIONFAILED]"), out)
    # Cancelled exchange, bad base64.
    r.send(b"b AUTHENTICATE PLAIN\r\n")
    check(r.line().startswith(b"+"), "no continuation")
    r.send(b"*\r\n")
    check(r.until(b"b")[-1].startswith(b"b BAD"), "cancel")
    out = r.cmd(b"c", b"AUTHENTICATE PLAIN !!!!")
    check(out[-1].startswith(b"c BAD"), out)
    out = r.cmd(b"d", b"AUTHENTICATE CRAM-MD5")
    check(out[-1].startswith(b"d NO"), out)
    r.close()


def test_suspended_refused():
    addr = B.add_bal("susp", "pw-susp")
    c = imaps()
    c.login(addr, "pw-susp")
    c.logout()
    B.ctl("bal", "set", addr, "--state", "suspended")
    c = imaps()
    try:
        c.login(addr, "pw-susp")
        raise AssertionError("suspended BAL logged in")
    except imaplib.IMAP4.error as e:
        check("AUTHORIZATIONFAILED" in str(e), str(e))
    c.logout()
    B.ctl("bal", "set", addr, "--state", "active")
    c = imaps()
    c.login(addr, "pw-susp")
    c.logout()


def test_password_change_invalidates_cache():
    addr = B.add_bal("carol", "old-pw")
    for _ in range(2):  # the second login is served from the cache
        c = imaps()
        c.login(addr, "old-pw")
        c.logout()
    B.ctl("bal", "passwd", addr, stdin="new-pw\n")
    c = imaps()
    try:
        c.login(addr, "old-pw")
        raise AssertionError("old password still accepted after passwd")
    except imaplib.IMAP4.error:
        pass
    c.login(addr, "new-pw")
    c.logout()
    check("pw" not in re.sub(r"pw-?\w*@|argon2", "", B.output()).replace("passw", ""),
          "a password-like string in the log")


def test_append_select_examine():
    addr = B.add_bal("dave", "pw-dave")
    c = imaps()
    c.login(addr, "pw-dave")
    typ, data = c.append("INBOX", r"(\Seen $Important)", None, MSG)
    check(typ == "OK", data)
    m = re.search(rb"\[APPENDUID (\d+) (\d+)\]", data[0])
    check(m and m.group(2) == b"1", data)
    validity = m.group(1)
    typ, data = c.append("inbox", None, imaplib.Time2Internaldate(time.time()), MSG)
    check(typ == "OK" and b"APPENDUID %s 2]" % validity in data[0], data)
    typ, data = c.select("Inbox")
    check(typ == "OK" and data == [b"2"], data)
    check(c.untagged_responses.get("UIDVALIDITY") == [validity], c.untagged_responses)
    check(c.untagged_responses.get("UIDNEXT") == [b"3"], c.untagged_responses)
    check(b"$Important" in c.untagged_responses["FLAGS"][0], c.untagged_responses["FLAGS"])
    check("HIGHESTMODSEQ" in c.untagged_responses, c.untagged_responses)
    check("READ-WRITE" in c.untagged_responses, "no READ-WRITE")
    typ, data = c.append("NoSuchBox", None, None, MSG)
    check(typ == "NO" and b"TRYCREATE" in data[0], data)
    c.unselect()
    typ, data = c.select("INBOX", readonly=True)
    check(typ == "OK" and data == [b"2"] and "READ-ONLY" in c.untagged_responses, data)
    typ, _ = c.close()
    check(typ == "OK" and c.state == "AUTH", c.state)
    typ, data = c.select("Nope")
    check(typ == "NO" and b"NONEXISTENT" in data[0], data)
    c.logout()


def test_multiappend_literal_plus():
    addr = B.add_bal("erin", "pw-erin")
    r = Raw()
    r.login(addr, "pw-erin")
    m = MSG
    out = r.cmd(b"a", b"APPEND Drafts (\\Draft) {%d+}\r\n%s {%d+}\r\n%s" % (len(m), m, len(m), m))
    check(out[-1].startswith(b"a OK [APPENDUID ") and b" 1:2]" in out[-1], out)
    out = r.cmd(b"b", b"EXAMINE Drafts")
    check(b"* 2 EXISTS" in out and out[-1].startswith(b"b OK [READ-ONLY]"), out)
    r.close()


def test_over_quota():
    addr = B.add_bal("frank", "pw-frank", quota="1K")
    c = imaps()
    c.login(addr, "pw-frank")
    big = MSG + b"x" * 2000 + b"\r\n"
    typ, data = c.append("INBOX", None, None, big)
    check(typ == "NO" and b"[OVERQUOTA]" in data[0], (typ, data))
    typ, data = c.append("INBOX", None, None, MSG)
    check(typ == "OK", data)
    c.logout()


def test_idle_woken_by_append():
    addr = B.add_bal("gina", "pw-gina")
    r = Raw(tls=False, starttls=True)
    r.login(addr, "pw-gina")
    out = r.cmd(b"s", b"SELECT INBOX")
    check(b"* 0 EXISTS" in out, out)
    r.send(b"i IDLE\r\n")
    check(r.line().startswith(b"+ "), "no IDLE continuation")
    c = imaps()
    c.login(addr, "pw-gina")
    t0 = time.monotonic()
    c.append("INBOX", None, None, MSG)
    line = r.line()
    dt = time.monotonic() - t0
    check(line == b"* 1 EXISTS", line)
    # Woken by the commit, not by the 2 s poll for other processes.
    check(dt < 1.5, "IDLE update after %.2f s" % dt)
    r.send(b"DONE\r\n")
    check(r.until(b"i")[-1].startswith(b"i OK"), "IDLE not ended")
    c.logout()
    r.close()


def test_malformed_commands():
    c = Raw()
    bad = [b"a1 FROBNICATE", b"a2 SELECT", b'a3 LOGIN "unterminated', b"a4 NOOP extra",
           b")(", b"a5 UID NOOP", b"a6 LOGIN a b c", b"a7 CAPABILITY\x00"]
    for line in bad:
        out = c.cmd(line.split(b" ")[0] if b" " in line else b"*", line)
        check(b" BAD " in out[-1], "%r -> %r" % (line, out))
    out = c.cmd(b"z", b"NOOP")
    check(out[-1].startswith(b"z OK"), out)
    c.close()


def test_literal_limits():
    # Before login: the tight pre-authentication limit, refused before "+".
    c = Raw()
    c.send(b"a LOGIN {100000}\r\n")
    line = c.line()
    check(line.startswith(b"a BAD") or line.startswith(b"a NO"), line)
    out = c.cmd(b"b", b"NOOP")
    check(out[-1].startswith(b"b OK"), out)
    # APPEND above APPENDLIMIT: NO [TOOBIG], no "+".
    c.login(USERS["alice"], "pw-alice")
    c.send(b"c APPEND INBOX {2000000}\r\n")
    line = c.line()
    check(line.startswith(b"c NO [TOOBIG]"), line)
    out = c.cmd(b"d", b"NOOP")
    check(out[-1].startswith(b"d OK"), out)
    # A non-synchronising literal above the limit: "* BYE" and close.
    c.send(b"e APPEND INBOX {2000000+}\r\n" + b"x" * 1000)
    line = c.line()
    check(line.startswith(b"* BYE"), line)
    check(c.closed(), "connection still open")


def test_misc_commands():
    c = imaps()
    c.login(USERS["alice"], "pw-alice")
    typ, data = c.namespace()
    check(typ == "OK" and data[0] == b'(("" "/")) (("Other Users/" "/")) NIL', data)
    typ, data = c.xatom("ID", '("name" "e2e")')
    check(typ == "OK", data)
    typ, data = c.enable("CONDSTORE")
    check(typ == "OK", data)  # not announced yet: nothing enabled
    c.select("INBOX")
    typ, _ = c.check()
    check(typ == "OK", typ)
    typ, _ = c.noop()
    check(typ == "OK", typ)
    c.logout()
    check('imap id name="e2e"' in B.output(), "ID name not logged")


def test_policy():
    # The independent EX_OPE_5010 checker on both IMAP ports, in parallel.
    if not os.path.exists(harness.POLICY):
        print("  # SKIP tls_policy.sh checks: %s not found" % harness.POLICY)
        return
    runs = [(mode, subprocess.Popen(["bash", harness.POLICY, "127.0.0.1", str(port), mode],
                                    stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                    text=True))
            for port, mode in ((B.imap_port, "imap"), (B.imaps_port, "tls"))]
    for mode, p in runs:
        out, _ = p.communicate(timeout=600)
        last = out.strip().splitlines()[-1] if out.strip() else ""
        print("  tls_policy %s: %s" % (mode, last))
        check(p.returncode == 0 and re.search(r"\b0 failed", last), out)


def peer_serial(port):
    with socket.create_connection(("127.0.0.1", port), timeout=IO_TIMEOUT) as raw:
        with B.tls_context().wrap_socket(raw) as t:
            return t.getpeercert()["serialNumber"]


def test_sighup_reloads_tls():
    before = peer_serial(B.imaps_port)
    kept = Raw()  # a session open across the reload keeps working
    kept.login(USERS["alice"], "pw-alice")
    # A broken file: the reload fails and the old certificate stays.
    saved = open(B.cert).read()
    open(B.cert, "w").write("not a certificate\n")
    B.signal(signal.SIGHUP)
    check(B.wait_log("TLS reload failed", 10), "failed reload not logged")
    open(B.cert, "w").write(saved)
    check(peer_serial(B.imaps_port) == before, "certificate changed after a failed reload")
    # A new certificate from the same CA: new connections get it.
    d = os.path.join(B.tmp, "new")
    os.mkdir(d)
    _, crt, key = harness.make_pki(d)
    os.replace(key, B.key)
    os.replace(crt, B.cert)
    B.ca = os.path.join(d, "ca.pem")
    B.signal(signal.SIGHUP)
    check(B.wait_log("TLS certificate reloaded", 10), "reload not logged")
    check(peer_serial(B.imaps_port) != before, "same certificate after the reload")
    out = kept.cmd(b"n", b"NOOP")
    check(out[-1].startswith(b"n OK"), out)
    kept.close()


def test_sigterm_bye():
    with harness.Balise() as b:
        addr = b.add_bal("h", "pw-h")
        b.start()
        global B
        saved, B = B, b
        try:
            r = Raw()
            r.login(addr, "pw-h")
            r2 = Raw(tls=False)
            b.signal(signal.SIGTERM)
            check(r.line().startswith(b"* BYE"), "no BYE (TLS)")
            check(r2.line().startswith(b"* BYE"), "no BYE (clear)")
            check(b.proc.wait(harness.STOP_TIMEOUT) == 0, "exit status")
            check("stopped" in b.output(), "no stopped line")
        finally:
            B = saved


def test_no_cert_is_error():
    with harness.Balise() as b:
        text = open(b.conf).read()
        text = re.sub(r"(?m)^(cert|key) = .*\n", "", text)
        open(b.conf, "w").write(text)
        r = subprocess.run([harness.BALISED, "-c", b.conf], capture_output=True, text=True,
                           timeout=30)
        check(r.returncode == 1 and "[tls] cert" in r.stderr, r.stderr)


TESTS = [
    test_capability_before_after_tls,
    test_login_refused_before_tls,
    test_login_good_bad,
    test_authenticate_plain,
    test_suspended_refused,
    test_password_change_invalidates_cache,
    test_append_select_examine,
    test_multiappend_literal_plus,
    test_over_quota,
    test_idle_woken_by_append,
    test_malformed_commands,
    test_literal_limits,
    test_misc_commands,
    test_policy,
    test_sighup_reloads_tls,
    test_sigterm_bye,
    test_no_cert_is_error,
]


def main():
    global B
    with harness.Balise() as b:
        USERS["alice"] = b.add_bal("alice", "pw-alice")
        USERS["bob"] = b.add_bal("bob", "pw-bob")
        B = b.start()
        only = sys.argv[1:]  # test names, to run a few by hand
        status = harness.run_tests([t for t in TESTS if not only or t.__name__ in only])
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r\n%s" % (rc, b.output()[-4000:]))
            status = 1
        if status:
            print(b.output()[-6000:])
    return status


if __name__ == "__main__":
    sys.exit(main())

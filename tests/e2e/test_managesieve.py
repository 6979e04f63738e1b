#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# ManageSieve (RFC 5804) end to end against balised over TLS: Debian's
# sieve-connect uploads, lists, activates, downloads and deletes; a raw
# Python client goes through every command and error (STARTTLS required,
# AUTHENTICATE PLAIN only after TLS, bad passwords, scripts with errors
# refused with line and column, HAVESPACE and the script limits, ACTIVE,
# ALREADYEXISTS, NONEXISTENT, literals, a refused redirect citing
# RE_GBM_4480), the BAL's last login, the TLS policy (EX_OPE_5010) checked
# from Python (tls_policy.sh has no ManageSieve mode), and BYE on SIGTERM.
import base64
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

PW = "sieve-pw-1"
OTHER_RPPS = "10000001015"  # valid Luhn, not the harness holder
SCRIPT_MAX = 256 * 1024  # STORE_SIEVE_SCRIPT_MAX
SCRIPTS_MAX = 32  # STORE_SIEVE_SCRIPTS_MAX
# The SIEVE capability: the extensions the engine implements (issue 5).
EXTENSIONS = {"fileinto", "reject", "ereject", "envelope", "encoded-character", "vacation",
              "vacation-seconds", "subaddress", "comparator-i;ascii-numeric", "relational",
              "imap4flags", "copy", "body", "variables", "date", "index", "mailbox",
              "duplicate"}
B = None  # the shared balise of most tests


class MS:
    """A raw ManageSieve client: lines and literals, no magic."""

    def __init__(self, port, timeout=20):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.greeting = self.response()

    def send(self, data):
        self.sock.sendall(data.encode() if isinstance(data, str) else data)

    def _fill(self):
        d = self.sock.recv(65536)
        if not d:
            raise EOFError("connection closed")
        self.buf += d

    def line(self):
        while b"\r\n" not in self.buf:
            self._fill()
        ln, self.buf = self.buf.split(b"\r\n", 1)
        return ln

    def _take(self, n):
        while len(self.buf) < n:
            self._fill()
        d, self.buf = self.buf[:n], self.buf[n:]
        return d

    def response(self):
        """(data lines, final status line); literals are inlined."""
        lines = []
        while True:
            ln = self.line()
            m = re.search(rb"\{(\d+)\}$", ln)
            while m:  # literal-s2c: the octets, then the rest of the line
                ln += b"\r\n" + self._take(int(m.group(1)))
                rest = self.line()
                ln += rest
                m = re.search(rb"\{(\d+)\}$", rest)
            if re.match(rb"(OK|NO|BYE)\b", ln):
                return lines, ln.decode("utf-8", "replace")
            lines.append(ln)

    def cmd(self, data):
        if isinstance(data, str):
            data = data.encode()
        self.send(data if data.endswith(b"\r\n") else data + b"\r\n")
        return self.response()

    def starttls(self, ctx):
        _, st = self.cmd("STARTTLS")
        check(st.startswith("OK"), "STARTTLS: %s" % st)
        self.sock = ctx.wrap_socket(self.sock)
        self.buf = b""
        return self.response()  # RFC 5804 section 2.2: the capabilities again

    def login(self, user, pw, authzid=""):
        ir = base64.b64encode(("%s\0%s\0%s" % (authzid, user, pw)).encode()).decode()
        return self.cmd('AUTHENTICATE "PLAIN" "%s"' % ir)[1]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def caps(lines):
    out = {}
    for ln in lines:
        parts = re.findall(rb'"((?:[^"\\]|\\.)*)"', ln)
        out[parts[0].decode()] = parts[1].decode() if len(parts) > 1 else None
    return out


def new_balise():
    b = harness.Balise()
    b.ms_port = harness.free_port()
    conf = open(b.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nmanagesieve = 127.0.0.1:%d\n" % b.ms_port)
    open(b.conf, "w").write(conf)
    return b


def session(b=None, user=None):
    """A session over TLS, logged in as user when given."""
    b = b or B
    c = MS(b.ms_port)
    c.starttls(b.tls_context())
    if user:
        st = c.login(user, PW)
        check(st.startswith("OK"), "login %s: %s" % (user, st))
    return c


def lit(text):
    data = text.encode()
    return "{%d+}\r\n" % len(data), data


def put(c, name, text):
    head, data = lit(text)
    c.send(('PUTSCRIPT "%s" ' % name) + head)
    c.send(data + b"\r\n")
    return c.response()[1]


# ---------------------------------------------------------------- tests


def test_capabilities_and_starttls():
    c = MS(B.ms_port)
    lines, st = c.greeting
    cp = caps(lines)
    check(st.startswith("OK"), "greeting OK: %s" % st)
    check(cp.get("IMPLEMENTATION", "").startswith("balise"), "IMPLEMENTATION: %r" % cp)
    check(cp.get("SASL") == "", "no SASL mechanism before TLS: %r" % cp)
    check("STARTTLS" in cp, "STARTTLS offered: %r" % cp)
    check(set(cp["SIEVE"].split()) == EXTENSIONS and len(cp["SIEVE"].split()) == len(EXTENSIONS),
          "SIEVE lists exactly the engine's extensions: %r" % cp["SIEVE"])
    check(cp.get("MAXREDIRECTS") == "4" and cp.get("VERSION") == "1.0", "MAXREDIRECTS, VERSION")
    lines, st = c.cmd("CAPABILITY")
    check(caps(lines) == cp and st.startswith("OK"), "CAPABILITY = greeting")
    st = c.login("alice@" + B.domain, PW)
    check(st.startswith("NO (ENCRYPT-NEEDED)"), "AUTHENTICATE before TLS refused: %s" % st)
    _, st = c.cmd("LISTSCRIPTS")
    check(st.startswith("NO"), "LISTSCRIPTS before login refused: %s" % st)
    lines, st = c.starttls(B.tls_context())
    cp = caps(lines)
    check(st.startswith("OK"), "capabilities then OK after TLS: %s" % st)
    check(cp.get("SASL") == "PLAIN" and "STARTTLS" not in cp, "after TLS: %r" % cp)
    _, st = c.cmd("STARTTLS")
    check(st.startswith("NO"), "a second STARTTLS is refused: %s" % st)
    c.close()


def test_authenticate():
    alice = "alice@" + B.domain
    c = session()
    check(c.login(alice, "wrong").startswith("NO"), "bad password refused")
    check(c.login("nobody@" + B.domain, PW).startswith("NO"), "unknown user refused")
    _, st = c.cmd('AUTHENTICATE "LOGIN"')
    check(st.startswith("NO"), "only PLAIN: %s" % st)
    # The continuation form, cancelled with "*" (RFC 5804 section 2.1).
    c.send('AUTHENTICATE "PLAIN"\r\n')
    check(c.line() == b'""', "empty challenge")
    _, st = c.cmd('"*"')
    check(st.startswith("NO"), "cancelled: %s" % st)
    c.close()
    c = session()  # a new session: three failures end one (MS_AUTH_FAILS_MAX)
    st = c.login(alice, PW, authzid="bob@" + B.domain)
    check(st.startswith("NO") and "Authorization" in st, "other authzid refused: %s" % st)
    st = c.login(alice, PW, authzid=alice)
    check(st.startswith("OK"), "own authzid accepted: %s" % st)
    lines, st = c.cmd("CAPABILITY")
    check(caps(lines).get("OWNER") == alice, "OWNER after login: %r" % lines)
    _, st = c.cmd("UNAUTHENTICATE")
    check(st.startswith("OK"), "UNAUTHENTICATE: %s" % st)
    _, st = c.cmd("LISTSCRIPTS")
    check(st.startswith("NO"), "unauthenticated again: %s" % st)
    # The continuation form with a literal response.
    c.send('AUTHENTICATE "PLAIN"\r\n')
    check(c.line() == b'""', "empty challenge")
    ir = base64.b64encode(("\0%s\0%s" % (alice, PW)).encode())
    _, st = c.cmd(b"{%d+}\r\n" % len(ir) + ir + b"\r\n")
    check(st.startswith("OK"), "continuation login: %s" % st)
    _, st = c.cmd("LOGOUT")
    check(st.startswith("OK"), "LOGOUT: %s" % st)
    c.close()


def test_invalid_plain():
    """Not base64, or an authcid that is not UTF-8: refused before any
    password check, and counted as a failure."""
    c = session()
    for msg in ("AGFsaWNlAHB3*", base64.b64encode(b"\0\xff@x\0pw").decode()):
        _, st = c.cmd('AUTHENTICATE "PLAIN" "%s"' % msg)
        check(st.startswith("NO") and "invalid PLAIN" in st, "invalid PLAIN %s: %s" % (msg, st))
    c.close()


def test_too_many_failures():
    c = session()
    for _ in range(2):
        check(c.login("alice@" + B.domain, "bad").startswith("NO"), "bad password")
    try:
        _, st = c.cmd('AUTHENTICATE "PLAIN" "%s"' % base64.b64encode(b"\0a@b\0c").decode())
        check(st.startswith("NO"), "third failure: %s" % st)
        _, st = c.response()
    except EOFError:
        st = "closed"
    check(st.startswith("BYE") or st == "closed", "BYE after three failures: %s" % st)
    c.close()


def test_last_login():
    b = new_balise()
    with b:
        a = b.add_bal("lea", PW)
        b.start()
        before = json.loads(b.ctl("bal", "show", a, "--json"))
        check(before.get("last_login") in (None, "never"), "no login yet: %r" % before)
        c = session(b, a)
        c.cmd("LOGOUT")
        c.close()
        for _ in range(100):  # the login's write is queued, not waited for
            j = json.loads(b.ctl("bal", "show", a, "--json"))
            if j.get("last_login") not in (None, "never"):
                break
            time.sleep(0.05)
        check(j.get("last_login") not in (None, "never"), "last login recorded: %r" % j)


def test_scripts():
    alice = "alice@" + B.domain
    c = session(user=alice)
    _, st = c.cmd("LISTSCRIPTS")
    check(st.startswith("OK"), "empty list")
    script = 'require "fileinto";\r\nif header :contains "subject" "x" { fileinto "X"; }\r\n'
    check(put(c, "r\u00e8gles", script).startswith("OK"), "PUTSCRIPT with a literal")
    # "{n}" (synchronising form): ManageSieve sends no continuation.
    data = b"keep;\r\n"
    _, st = c.cmd(b'PUTSCRIPT "two" {%d}\r\n' % len(data) + data + b"\r\n")
    check(st.startswith("OK"), "PUTSCRIPT {n}: %s" % st)
    _, st = c.cmd('PUTSCRIPT "three" "discard;"')
    check(st.startswith("OK"), "PUTSCRIPT quoted: %s" % st)
    lines, st = c.cmd("LISTSCRIPTS")
    names = sorted(ln.decode() for ln in lines)
    check(names == ['"r\u00e8gles"', '"three"', '"two"'], "LISTSCRIPTS: %r" % names)
    lines, st = c.cmd('GETSCRIPT "r\u00e8gles"')
    check(st.startswith("OK") and lines[0].split(b"\r\n", 1)[1] == script.encode(),
          "GETSCRIPT gives the text back: %r" % lines)
    _, st = c.cmd('GETSCRIPT "none"')
    check(st.startswith("NO (NONEXISTENT)"), "GETSCRIPT missing: %s" % st)
    _, st = c.cmd('SETACTIVE "two"')
    check(st.startswith("OK"), "SETACTIVE: %s" % st)
    lines, _ = c.cmd("LISTSCRIPTS")
    check(b'"two" ACTIVE' in lines, "active marked: %r" % lines)
    _, st = c.cmd('SETACTIVE "none"')
    check(st.startswith("NO (NONEXISTENT)"), "SETACTIVE missing: %s" % st)
    _, st = c.cmd('DELETESCRIPT "two"')
    check(st.startswith("NO (ACTIVE)"), "DELETESCRIPT of the active script: %s" % st)
    _, st = c.cmd('RENAMESCRIPT "two" "three"')
    check(st.startswith("NO (ALREADYEXISTS)"), "RENAMESCRIPT onto a name: %s" % st)
    _, st = c.cmd('RENAMESCRIPT "none" "four"')
    check(st.startswith("NO (NONEXISTENT)"), "RENAMESCRIPT missing: %s" % st)
    _, st = c.cmd('RENAMESCRIPT "two" "deux"')
    check(st.startswith("OK"), "RENAMESCRIPT: %s" % st)
    lines, _ = c.cmd("LISTSCRIPTS")
    check(b'"deux" ACTIVE' in lines, "renamed, still active: %r" % lines)
    _, st = c.cmd('SETACTIVE ""')
    check(st.startswith("OK"), "SETACTIVE \"\" deactivates: %s" % st)
    _, st = c.cmd('DELETESCRIPT "deux"')
    check(st.startswith("OK"), "DELETESCRIPT: %s" % st)
    _, st = c.cmd('DELETESCRIPT "deux"')
    check(st.startswith("NO (NONEXISTENT)"), "DELETESCRIPT again: %s" % st)
    _, st = c.cmd('NOOP "t1"')
    check(st == 'OK (TAG "t1") "Done"', "NOOP tag: %s" % st)
    c.close()


def test_script_errors():
    c = session(user="alice@" + B.domain)
    st = put(c, "bad", 'keep;\r\nif true {\r\n  fileinto "x";\r\n}\r\n')
    check(re.match(r'NO "line 3, column \d+: .+"', st), "fileinto without require: %s" % st)
    st = put(c, "bad", "keep;\r\nstop\r\n")
    check(re.match(r'NO "line \d+, column \d+: .+"', st), "syntax error: %s" % st)
    head, data = lit('if foo { keep; }')
    c.send("CHECKSCRIPT " + head)
    _, st = c.cmd(data + b"\r\n")
    check(re.match(r'NO "line 1, column \d+: .+"', st), "CHECKSCRIPT error: %s" % st)
    _, st = c.cmd('CHECKSCRIPT "keep;"')
    check(st.startswith("OK"), "CHECKSCRIPT ok: %s" % st)
    _, st = c.cmd('GETSCRIPT "bad"')
    check(st.startswith("NO (NONEXISTENT)"), "nothing stored: %s" % st)
    _, st = c.cmd('PUTSCRIPT "a\u0001b" "keep;"')
    check(st.startswith("NO") and "name" in st, "bad script name: %s" % st)
    # Malformed commands get NO and the session goes on.
    for bad in ("FOO", 'GETSCRIPT "a\\q"', "GETSCRIPT atom", 'PUTSCRIPT "x"',
                'HAVESPACE "x" 99999999999', 'NOOP "a" "b" "c" "d" "e"'):
        _, st = c.cmd(bad)
        check(st.startswith("NO"), "%s: %s" % (bad, st))
    # A bad command's literal is read and dropped, not run.
    _, st = c.cmd(b'GETSCRIPT "a\\q" {8+}\r\nLOGOUT\r\n\r\n')
    check(st.startswith("NO"), "bad command with a literal: %s" % st)
    _, st = c.cmd("NOOP")
    check(st.startswith("OK"), "still in step: %s" % st)
    c.close()


def test_limits():
    c = session(user="carol@" + B.domain)
    _, st = c.cmd('HAVESPACE "s" 1000')
    check(st.startswith("OK"), "HAVESPACE small: %s" % st)
    _, st = c.cmd('HAVESPACE "s" %d' % (SCRIPT_MAX + 1))
    check(st.startswith("NO (QUOTA/MAXSIZE)"), "HAVESPACE over the script size: %s" % st)
    _, st = c.cmd('HAVESPACE "s" 99999999999')
    check(st.startswith("NO"), "HAVESPACE number out of range: %s" % st)
    # A literal above the limit: read, dropped, NO (QUOTA/MAXSIZE).
    big = b"#" * (SCRIPT_MAX + 10)
    _, st = c.cmd(b'PUTSCRIPT "big" {%d+}\r\n' % len(big) + big + b"\r\n")
    check(st.startswith("NO (QUOTA/MAXSIZE)"), "literal too big: %s" % st)
    _, st = c.cmd("NOOP")
    check(st.startswith("OK"), "session survives: %s" % st)
    for i in range(SCRIPTS_MAX):
        _, st = c.cmd('PUTSCRIPT "s%02d" "keep;"' % i)
        check(st.startswith("OK"), "script %d: %s" % (i, st))
    _, st = c.cmd('HAVESPACE "more" 10')
    check(st.startswith("NO (QUOTA/MAXSCRIPTS)"), "HAVESPACE over the count: %s" % st)
    _, st = c.cmd('PUTSCRIPT "more" "keep;"')
    check(st.startswith("NO (QUOTA/MAXSCRIPTS)"), "PUTSCRIPT over the count: %s" % st)
    _, st = c.cmd('HAVESPACE "s00" 10')
    check(st.startswith("OK"), "replacing one fits: %s" % st)
    c.close()


def test_byte_by_byte_and_pipelined():
    c = session(user="alice@" + B.domain)
    for ch in b'PUTSCRIPT "bb" {5+}\r\nkeep;\r\nGETSCRIPT "bb"\r\n':
        c.send(bytes([ch]))  # one TLS record per byte
    _, st = c.response()
    check(st.startswith("OK"), "PUTSCRIPT byte by byte: %s" % st)
    lines, st = c.response()
    check(st.startswith("OK") and lines[0] == b"{5}\r\nkeep;", "GETSCRIPT: %r %s" % (lines, st))
    # Several commands in one write: answered in order, the writes too.
    c.send('PUTSCRIPT "p1" "keep;"\r\nSETACTIVE "p1"\r\nLISTSCRIPTS\r\n'
           'DELETESCRIPT "p1"\r\nSETACTIVE ""\r\nDELETESCRIPT "p1"\r\nDELETESCRIPT "bb"\r\n')
    got = [c.response() for _ in range(7)]
    check([st.split(" ")[0] for _, st in got] == ["OK", "OK", "OK", "NO", "OK", "OK", "OK"],
          "pipelined answers: %r" % got)
    check(b'"p1" ACTIVE' in got[2][0], "LISTSCRIPTS saw the activation: %r" % got[2][0])
    check(got[3][1].startswith("NO (ACTIVE)"), "DELETESCRIPT active: %s" % got[3][1])
    c.close()


def test_redirect_rule():
    """RE_GBM_4480: a PER BAL forwards only to a PER BAL of the same holder."""
    alice = "alice@" + B.domain
    c = session(user=alice)
    st = put(c, "fwd", 'redirect "bob@%s";\r\n' % B.domain)
    check(st.startswith("NO") and "RE_GBM_4480" in st and "line 1, column" in st,
          "redirect to another holder refused, citing the rule: %s" % st)
    check("autre professionnel" in st, "the French reason: %s" % st)
    st = put(c, "fwd", 'redirect "alice2@%s";\r\n' % B.domain)
    check(st.startswith("OK"), "redirect to the same holder's PER BAL: %s" % st)
    c.close()


def test_sieve_connect():
    """Debian's sieve-connect: upload, list, activate, download, delete."""
    tool = shutil.which("sieve-connect")
    if tool is None:
        print("  # SKIP sieve-connect not installed (quickstart TEST_PACKAGES)")
        return
    user = "dave@" + B.domain
    work = os.path.join(B.tmp, "sc")
    os.makedirs(work, exist_ok=True)
    local = os.path.join(work, "vacances.sieve")
    with open(local, "w") as f:
        f.write('require ["vacation"];\nvacation :days 3 "Absent.";\n')

    def sc(*args):
        r, w = os.pipe()
        os.write(w, (PW + "\n").encode())
        os.close(w)
        try:
            p = subprocess.run([tool, "--server", "127.0.0.1", "--port", str(B.ms_port),
                                "--user", user, "--passwordfd", str(r), "--authmech", "PLAIN",
                                "--tlscafile", B.ca, "--tlshostname", "localhost",
                                "--noclearauth", *args], capture_output=True, text=True,
                               timeout=60, pass_fds=(r,), cwd=work)
        finally:
            os.close(r)
        return p

    p = sc("--upload", "--localsieve", local, "--remotesieve", "vacances")
    check(p.returncode == 0, "sieve-connect upload: %s %s" % (p.stdout, p.stderr))
    p = sc("--activate", "--remotesieve", "vacances")
    check(p.returncode == 0, "sieve-connect activate: %s %s" % (p.stdout, p.stderr))
    p = sc("--list")
    check(p.returncode == 0 and re.search(r'"?vacances"?\s+(ACTIVE|<-\s*active)', p.stdout),
          "sieve-connect list: %r %r" % (p.stdout, p.stderr))
    out = os.path.join(work, "back.sieve")
    p = sc("--download", "--remotesieve", "vacances", "--localsieve", out)
    check(p.returncode == 0 and open(out).read() == open(local).read(),
          "sieve-connect download: %s %s" % (p.stdout, p.stderr))
    p = sc("--deactivate")
    check(p.returncode == 0, "sieve-connect deactivate: %s %s" % (p.stdout, p.stderr))
    p = sc("--delete", "--remotesieve", "vacances")
    check(p.returncode == 0, "sieve-connect delete: %s %s" % (p.stdout, p.stderr))
    p = sc("--list")
    check(p.returncode == 0 and "vacances" not in p.stdout, "deleted: %r" % p.stdout)


def tls_handshake(ctx):
    """STARTTLS then a handshake with ctx: the negotiated (version, cipher),
    or None when the server refused."""
    c = MS(B.ms_port)
    _, st = c.cmd("STARTTLS")
    check(st.startswith("OK"), "STARTTLS: %s" % st)
    try:
        s = ctx.wrap_socket(c.sock)
    except (ssl.SSLError, OSError):
        c.close()
        return None
    got = (s.version(), s.cipher()[0])
    s.close()
    return got


def client_ctx(version, ciphers=None):
    warnings.simplefilter("ignore", DeprecationWarning)  # TLS 1.0 and 1.1 on purpose
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = version
    if ciphers:
        ctx.set_ciphers(ciphers)
    return ctx


def test_tls_policy():
    """EX_OPE_5010 on the STARTTLS port, from Python."""
    v = ssl.TLSVersion
    got = tls_handshake(client_ctx(v.TLSv1_3))
    check(got is not None and got[0] == "TLSv1.3", "TLS 1.3 accepted: %r" % (got,))
    for suite in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                  "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256"):
        got = tls_handshake(client_ctx(v.TLSv1_2, suite))
        check(got == ("TLSv1.2", suite), "TLS 1.2 %s accepted: %r" % (suite, got))
    for suite in ("ECDHE-RSA-AES256-SHA384", "ECDHE-RSA-AES128-SHA", "AES256-GCM-SHA384",
                  "ECDHE-RSA-CHACHA20-POLY1305"):
        got = tls_handshake(client_ctx(v.TLSv1_2, suite + ":@SECLEVEL=0"))
        check(got is None, "TLS 1.2 %s refused: %r" % (suite, got))
    for old in (v.TLSv1, v.TLSv1_1):
        try:
            ctx = client_ctx(old, "ALL:@SECLEVEL=0")
        except (ValueError, ssl.SSLError):
            continue
        got = tls_handshake(ctx)
        check(got is None, "%s refused: %r" % (old, got))


def test_sigterm_bye():
    b = new_balise()
    with b:
        a = b.add_bal("zoe", PW)
        b.start()
        c = session(b, a)
        b.signal(signal.SIGTERM)
        try:
            _, st = c.response()
        except EOFError:
            st = "closed"
        check(st.startswith("BYE"), "BYE on SIGTERM: %s" % st)
        check(b.proc.wait(harness.STOP_TIMEOUT) == 0, "balised exits 0")
        c.close()


def main():
    global B
    with harness.Balise() as b:
        B = b
        b.ms_port = harness.free_port()
        conf = open(b.conf).read()
        conf = conf.replace("[listen]\n", "[listen]\nmanagesieve = 127.0.0.1:%d\n" % b.ms_port)
        open(b.conf, "w").write(conf)
        for who in ("alice", "alice2", "carol", "dave"):
            b.add_bal(who, PW)
        b.ctl("bal", "create", "bob@" + b.domain, "--type", "PER", "--holder-type", "8",
              "--holder", "8" + OTHER_RPPS, "--password-stdin", stdin=PW + "\n")
        b.start()
        rc = harness.run_tests([test_capabilities_and_starttls, test_authenticate,
                                test_invalid_plain, test_too_many_failures, test_scripts,
                                test_script_errors, test_limits, test_byte_by_byte_and_pipelined,
                                test_redirect_rule, test_sieve_connect, test_tls_policy])
        status = b.stop()
        if status != 0:
            print("FAIL balised exit status %r\n%s" % (status, b.output()[-4000:]))
            rc = 1
    rc2 = harness.run_tests([test_last_login, test_sigterm_bye])
    return rc or rc2


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Network and TLS layers end to end, against tests/e2e/tls_echo: the
# EX_OPE_5010 checker on the STARTTLS and implicit-TLS ports, STARTTLS
# injection, back-pressure, connection limits, line limit, timeouts,
# certificate reload on SIGHUP and "* BYE" on SIGTERM.
import os
import re
import select
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time

BUILD = os.environ.get("BALISE_BUILDDIR", os.getcwd())
SRC = os.environ.get("BALISE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
ECHO = os.path.join(BUILD, "tests", "e2e", "tls_echo")
POLICY = os.path.normpath(os.path.join(SRC, "..", "shared", "tools", "tls_policy.sh"))
OPENSSL = shutil.which("openssl")

# The limits of server/conn.h that the assertions rely on.
CONN_WRITE_HIGH = 256 * 1024
CONN_LINE_MAX_DEFAULT = 8192
TLS_RECORD_SLACK = 64 * 1024

IO_TIMEOUT = 30  # a broken server fails the test instead of hanging it
RETRIES = 200    # polling attempts (0.05 s apart) for asynchronous effects

results = []
servers = []


def check(name):
    def wrap(fn):
        def run(*a):
            try:
                fn(*a)
                results.append((name, None))
                print(f"ok: {name}", flush=True)
            except Exception as e:  # report and go on with the next test
                results.append((name, e))
                print(f"FAIL: {name}: {type(e).__name__}: {e}", flush=True)
        return run
    return wrap


# ------------------------------------------------------------------ certificates

def sh(*cmd):
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def make_pki(d):
    """A test CA and two server certificates (CN a.test, b.test)."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    sh(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
       "-days", "2", "-subj", "/CN=tls-echo test CA", "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    out = {"ca": ca}
    for name in ("a", "b"):
        key, csr, crt = (os.path.join(d, f"{name}.{x}") for x in ("key", "csr", "pem"))
        sh(OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
           "-subj", f"/CN={name}.test")
        sh(OPENSSL, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
           "-out", crt, "-days", "2", "-sha256")
        out[name] = (crt, key)
    return out


# ------------------------------------------------------------------ server and clients

class Server:
    def __init__(self, cert, key, *args):
        self.p = subprocess.Popen([ECHO, "--cert", cert, "--key", key, *args],
                                  stdout=subprocess.PIPE, text=True)
        servers.append(self)
        line = self.p.stdout.readline()
        m = re.match(r"ready imap=(\d+) imaps=(\d+)", line)
        if not m:
            raise RuntimeError(f"tls_echo did not start: {line!r}")
        self.imap, self.imaps = int(m.group(1)), int(m.group(2))
        host = "127.0.0.1"
        if "--host" in args:
            host = args[args.index("--host") + 1]
        self.host = host

    def stats(self):
        c = Plain(self.host, self.imap)
        c.send(b"STATS\r\n")
        line = c.readline()
        c.close()
        return {k: int(v) for k, v in re.findall(r"(\w+)=(-?\d+)", line)}

    def stop(self):
        if self.p.poll() is None:
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(IO_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.p.kill()
                self.p.wait()
        return self.p.returncode


class Plain:
    def __init__(self, host, port, source=None, greet=True):
        fam = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.s = socket.socket(fam, socket.SOCK_STREAM)
        self.s.settimeout(IO_TIMEOUT)
        if source:
            self.s.bind((source, 0))
        self.s.connect((host, port))
        self.buf = b""
        self.greeting = self.readline() if greet else None

    def send(self, data):
        self.s.sendall(data)

    def readline(self):
        while b"\n" not in self.buf:
            d = self.s.recv(65536)
            if not d:
                line, self.buf = self.buf, b""
                return line.decode(errors="replace")
            self.buf += d
        line, self.buf = self.buf.split(b"\n", 1)
        return line.rstrip(b"\r").decode(errors="replace")

    def eof(self):
        """True when the server closed without sending anything more."""
        try:
            return self.buf == b"" and self.s.recv(1) == b""
        except ConnectionResetError:
            return True

    def close(self):
        self.s.close()


def client_ctx(pki, maxv=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(pki["ca"])
    ctx.check_hostname = False
    if maxv is not None:
        ctx.maximum_version = maxv
    return ctx


class Tls(Plain):
    """Implicit TLS (starttls=False) or IMAP-style STARTTLS."""

    def __init__(self, pki, host, port, starttls=False, maxv=None, inject=b""):
        super().__init__(host, port, greet=starttls)
        if starttls:
            self.send(b"T1 STARTTLS\r\n" + inject)
            line = self.readline()
            if not line.startswith("T1 OK"):
                raise AssertionError(f"STARTTLS refused: {line!r}")
            if self.buf:
                raise AssertionError("data after the STARTTLS reply, before TLS")
        self.s = client_ctx(pki, maxv).wrap_socket(self.s)
        if not starttls:
            self.greeting = self.readline()

    def cn(self):
        subject = dict(x[0] for x in self.s.getpeercert()["subject"])
        return subject["commonName"]


def expect(got, want):
    if got != want:
        raise AssertionError(f"got {got!r}, want {want!r}")


def poll(cond, what):
    for _ in range(RETRIES):
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


# ------------------------------------------------------------------ tests

def policy_run(host, port, mode):
    return subprocess.Popen(["bash", POLICY, host, str(port), mode], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)


def policy_result(name, proc):
    @check(name)
    def t():
        out, _ = proc.communicate()
        lines = out.strip().splitlines()
        last = lines[-1] if lines else ""
        for line in lines:
            if line.startswith("FAIL"):
                print(f"  {line}")
        print(f"  # {last}")
        if proc.returncode != 0 or not re.fullmatch(r"tls-policy: \d+ checks, 0 failed", last):
            raise AssertionError(f"exit {proc.returncode}, last line {last!r}")
    t()


@check("STARTTLS: greeting, CAPABILITY, no command before TLS, then echo")
def t_starttls(srv, pki):
    c = Plain(srv.host, srv.imap)
    expect(c.greeting, "* OK tls-echo ready")
    c.send(b"a CAPABILITY\r\n")
    if "STARTTLS" not in c.readline():
        raise AssertionError("STARTTLS not announced")
    expect(c.readline(), "a OK done")
    c.send(b"b LOGIN x y\r\n")
    expect(c.readline(), "b BAD STARTTLS first")
    c.close()
    t = Tls(pki, srv.host, srv.imap, starttls=True)
    t.send(b"hello over starttls\r\n")
    expect(t.readline(), "hello over starttls")
    t.close()


@check("STARTTLS: commands sent in clear after STARTTLS are discarded (RFC 3501 6.2.1)")
def t_injection(srv, pki):
    t = Tls(pki, srv.host, srv.imap, starttls=True, inject=b"T2 INJECTED\r\n")
    t.send(b"first line after tls\r\n")
    expect(t.readline(), "first line after tls")
    t.close()


@check("implicit TLS: TLS 1.3 by default, TLS 1.2 on an allowed suite")
def t_implicit(srv, pki):
    t = Tls(pki, srv.host, srv.imaps)
    expect(t.greeting, "* OK tls-echo ready")
    expect(t.s.version(), "TLSv1.3")
    t.send(b"one\r\ntwo\r\n")
    expect(t.readline(), "one")
    expect(t.readline(), "two")
    t.close()
    t = Tls(pki, srv.host, srv.imaps, maxv=ssl.TLSVersion.TLSv1_2)
    expect(t.s.version(), "TLSv1.2")
    if t.s.cipher()[0] not in ("ECDHE-RSA-AES256-GCM-SHA384", "ECDHE-RSA-AES128-GCM-SHA256",
                               "DHE-RSA-AES256-GCM-SHA384", "DHE-RSA-AES128-GCM-SHA256"):
        raise AssertionError(f"suite {t.s.cipher()}")
    t.close()


@check("line limit: an overlong line gets '* BAD line too long', the session goes on")
def t_line_limit(srv, pki):
    t = Tls(pki, srv.host, srv.imaps)
    t.send(b"A" * (CONN_LINE_MAX_DEFAULT + 100) + b"\r\n")
    expect(t.readline(), "* BAD line too long")
    t.send(b"after\r\n")
    expect(t.readline(), "after")
    t.send(b"B" * (1 << 20) + b"\r\nafter a megabyte\r\n")
    expect(t.readline(), "* BAD line too long")
    expect(t.readline(), "after a megabyte")
    # exactly at the limit is fine
    t.send(b"C" * CONN_LINE_MAX_DEFAULT + b"\r\n")
    expect(t.readline(), "C" * CONN_LINE_MAX_DEFAULT)
    t.close()


@check("back-pressure: a client that only writes is not read once its replies queue up")
def t_backpressure(srv, pki):
    before = srv.stats()
    t = Tls(pki, srv.host, srv.imaps)
    t.s.setblocking(False)
    line = b"x" * 1000 + b"\r\n"
    pending, sent, stalls = b"", 0, 0
    # write until the server stops reading: the socket stays unwritable
    while stalls < 3:
        if not pending:
            pending = line * 64
        _, w, _ = select.select([], [t.s], [], 1.0)
        if not w:
            stalls += 1
            continue
        try:
            n = t.s.send(pending)
            pending = pending[n:]
            sent += n
            stalls = 0
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
            stalls += 1
    st = srv.stats()
    print(f"  # client pushed {sent} bytes; server peak output queue {st['peak_out']} bytes; "
          f"rss {before['rss_kb']} -> {st['rss_kb']} KiB")
    if st["peak_out"] > CONN_WRITE_HIGH + TLS_RECORD_SLACK:
        raise AssertionError(f"output queue grew to {st['peak_out']}")
    if sent < 2 * CONN_WRITE_HIGH:
        raise AssertionError(f"only {sent} bytes could be sent: not a meaningful flood")
    # now read everything back: nothing lost, reading resumed
    pending += line.rstrip(b"\r\n").replace(b"x", b"y") + b"\r\n"
    want = sent + len(pending)
    got, tail = 0, b""
    t.s.setblocking(False)
    while True:
        r, w, _ = select.select([t.s], [t.s] if pending else [], [], IO_TIMEOUT)
        if not r and not w:
            raise AssertionError(f"stalled after {got} of {want} bytes")
        if w:
            try:
                pending = pending[t.s.send(pending):]
            except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                pass
        if r:
            try:
                d = t.s.recv(1 << 16)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                continue
            if not d:
                raise AssertionError("server closed")
            got += len(d)
            tail = (tail + d)[-2048:]
            if got >= want and tail.endswith(b"y" * 1000 + b"\r\n"):
                break
    expect(got, want)
    t.close()


@check("connection limits: per source address, then in total; refused politely")
def t_limits(pki):
    srv = Server(*pki["a"], "--per-ip", "3", "--max", "5")
    try:
        held = [Plain("127.0.0.1", srv.imap) for _ in range(3)]
        for c in held:
            expect(c.greeting, "* OK tls-echo ready")
        c = Plain("127.0.0.1", srv.imap)
        expect(c.greeting, "* BYE Too many connections from your address")
        if not c.eof():
            raise AssertionError("refused connection left open")
        c.close()
        # implicit TLS port: closed without a clear-text message
        c = Plain("127.0.0.1", srv.imaps, greet=False)
        if not c.eof():
            raise AssertionError("refused TLS connection left open")
        c.close()
        # other addresses up to the total
        held += [Plain("127.0.0.1", srv.imap, source="127.0.0.2") for _ in range(2)]
        expect(held[-1].greeting, "* OK tls-echo ready")
        c = Plain("127.0.0.1", srv.imap, source="127.0.0.3")
        expect(c.greeting, "* BYE Too many connections from your address")
        c.close()
        # a slot comes back when a connection ends
        held.pop(0).close()

        def again():
            c = Plain("127.0.0.1", srv.imap)
            ok = c.greeting == "* OK tls-echo ready"
            if ok:
                held.append(c)
            else:
                c.close()
            return ok
        poll(again, "a freed slot is reused")
        for c in held:
            c.close()
    finally:
        expect(srv.stop(), 0)


@check("timeouts: idle; a line trickled byte by byte or never ended (command timeout)")
def t_timeouts(pki):
    srv = Server(*pki["a"], "--idle-ms", "400", "--cmd-ms", "600")
    try:
        c = Plain("127.0.0.1", srv.imap)
        expect(c.readline(), "* BYE idle timeout")
        if not c.eof():
            raise AssertionError("still open after the idle timeout")
        c.close()
        c = Plain("127.0.0.1", srv.imap)
        line = None
        for _ in range(RETRIES):
            try:
                c.send(b"a")
            except (BrokenPipeError, ConnectionResetError):
                break
            r, _, _ = select.select([c.s], [], [], 0.05)
            if r:
                line = c.readline()
                break
        expect(line, "* BYE command timeout")
        c.close()
        # an overlong line that never ends: skipped, then timed out
        c = Plain("127.0.0.1", srv.imap)
        c.send(b"z" * (CONN_LINE_MAX_DEFAULT + 10))
        expect(c.readline(), "* BAD line too long")
        line = None
        for _ in range(RETRIES):
            try:
                c.send(b"z" * 100)
            except (BrokenPipeError, ConnectionResetError):
                break
            r, _, _ = select.select([c.s], [], [], 0.05)
            if r:
                line = c.readline()
                break
        expect(line, "* BYE command timeout")
        c.close()
    finally:
        expect(srv.stop(), 0)


@check("SIGHUP reloads the certificate: new connections see it, open ones go on")
def t_reload(srv, pki, live):
    old = Tls(pki, srv.host, srv.imaps)
    expect(old.cn(), "a.test")
    shutil.copy(pki["b"][0], live[0])
    shutil.copy(pki["b"][1], live[1])
    srv.p.send_signal(signal.SIGHUP)
    expect(srv.p.stdout.readline().strip(), "reloaded")
    new = Tls(pki, srv.host, srv.imaps)
    expect(new.cn(), "b.test")
    new2 = Tls(pki, srv.host, srv.imap, starttls=True)
    expect(new2.cn(), "b.test")
    for c in (old, new, new2):
        c.send(b"still here\r\n")
        expect(c.readline(), "still here")
    # a broken key: the reload fails with the file name, the server keeps b
    with open(live[1], "w") as f:
        f.write("not a key\n")
    srv.p.send_signal(signal.SIGHUP)
    msg = srv.p.stdout.readline().strip()
    if not msg.startswith("reload failed") or live[1] not in msg:
        raise AssertionError(msg)
    c = Tls(pki, srv.host, srv.imaps)
    expect(c.cn(), "b.test")
    for x in (old, new, new2, c):
        x.close()


@check("IPv6 listener")
def t_ipv6(pki):
    try:
        socket.socket(socket.AF_INET6).bind(("::1", 0))
    except OSError:
        print("  # no IPv6 loopback here: skipped")
        return
    srv = Server(*pki["a"], "--host", "::1")
    try:
        t = Tls(pki, "::1", srv.imaps)
        t.send(b"v6\r\n")
        expect(t.readline(), "v6")
        t.close()
    finally:
        expect(srv.stop(), 0)


@check("SIGTERM: open sessions get '* BYE', the server exits cleanly")
def t_sigterm(srv, pki):
    a = Tls(pki, srv.host, srv.imaps)
    b = Plain(srv.host, srv.imap)
    srv.p.send_signal(signal.SIGTERM)
    expect(a.readline(), "* BYE shutting down")
    expect(b.readline(), "* BYE shutting down")
    expect(srv.p.wait(IO_TIMEOUT), 0)
    expect(srv.p.stdout.read().strip(), "stopped")
    a.close()
    b.close()


def main():
    if not os.access(ECHO, os.X_OK):
        print(f"FAIL: {ECHO} not built")
        return 1
    if OPENSSL is None:
        print("FAIL: openssl not found")
        return 1
    signal.alarm(900)  # the whole suite; a hang fails it instead of blocking make check
    tmp = tempfile.mkdtemp(prefix="test_tls.")
    try:
        pki = make_pki(tmp)
        live = (os.path.join(tmp, "live.pem"), os.path.join(tmp, "live.key"))
        shutil.copy(pki["a"][0], live[0])
        shutil.copy(pki["a"][1], live[1])
        srv = Server(*live)
        if os.path.exists(POLICY):
            # both checkers at once: each runs a few hundred sequential handshakes
            runs = [("tls_policy.sh imap (STARTTLS port)", policy_run(srv.host, srv.imap, "imap")),
                    ("tls_policy.sh tls (implicit TLS port)", policy_run(srv.host, srv.imaps, "tls"))]
            for name, proc in runs:
                policy_result(name, proc)
        else:
            print(f"# SKIP tls_policy.sh checks: {POLICY} not found")
        t_starttls(srv, pki)
        t_injection(srv, pki)
        t_implicit(srv, pki)
        t_line_limit(srv, pki)
        t_backpressure(srv, pki)
        t_limits(pki)
        t_timeouts(pki)
        t_ipv6(pki)
        t_reload(srv, pki, live)
        t_sigterm(srv, pki)
    finally:
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    failed = sum(1 for _, e in results if e is not None)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

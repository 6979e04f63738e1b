# SPDX-License-Identifier: ISC
# Shared e2e helpers: a temporary CA and server certificate (openssl), a
# balise.conf on free loopback ports, BALs made with balisectl (cheap
# argon2), and a balised that is always stopped. Stdlib only.
import os
import random
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time

BUILD = os.environ.get("BALISE_BUILDDIR", os.getcwd())
SRC = os.environ.get("BALISE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BALISED = os.path.join(BUILD, "server", "balised")
BALISECTL = os.path.join(BUILD, "admin", "balisectl")
POLICY = os.path.normpath(os.path.join(SRC, "..", "shared", "tools", "tls_policy.sh"))
OPENSSL = shutil.which("openssl") or "openssl"
START_TIMEOUT = 30.0  # sanitizer builds start slowly
STOP_TIMEOUT = 15.0
HOLDER = "810001234565"  # a valid RPPS idNat (Luhn), for PER BALs


def _ephemeral_low():
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as f:
            return int(f.read().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port():
    """A free loopback port below the kernel's ephemeral range: a port the
    kernel handed out (bind to 0) is also what it gives to the local end of
    outgoing connections, so with tests running in parallel another test's
    client could take it before balised binds it."""
    low = 20000
    high = max(low + 1000, _ephemeral_low())
    for _ in range(200):
        port = random.randrange(low, high)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sh(*cmd, stdin=None):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=60)
    if r.returncode != 0:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stderr))
    return r.stdout


def make_pki(d):
    """A CA and a server certificate for 127.0.0.1 (RSA: the TLS 1.2 suites
    are ECDHE-RSA and DHE-RSA). Returns (ca, cert, key)."""
    ca_key, ca = os.path.join(d, "ca.key"), os.path.join(d, "ca.pem")
    sh(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca,
       "-days", "2", "-subj", "/CN=balise e2e CA",
       "-addext", "basicConstraints=critical,CA:TRUE",
       "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    key, csr, crt = (os.path.join(d, "server." + x) for x in ("key", "csr", "pem"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    sh(OPENSSL, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
       "-subj", "/CN=localhost")
    sh(OPENSSL, "x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
       "-out", crt, "-days", "2", "-sha256", "-extfile", ext)
    return ca, crt, key


CONF = """\
# written by tests/e2e/harness.py
[server]
hostname = mx.test.invalid
data_dir = {data}
log_level = debug

[storage]
map_size = 4M
map_size_max = 256M

[listen]
imap = 127.0.0.1:{imap}
imaps = 127.0.0.1:{imaps}

[tls]
cert = {cert}
key = {key}

[auth]
argon2_t_cost = 1
argon2_m_cost = 64
cache_ttl = {cache_ttl}

[limits]
message_size_max = {msg_max}
"""


class Balise:
    """A temporary balise: PKI, config, store with one domain, and balised.
    Use as a context manager: the daemon is always stopped and the
    directory removed."""

    def __init__(self, cache_ttl="60s", msg_max="1M", domain="test.example"):
        self.tmp = tempfile.mkdtemp(prefix="balise-e2e-")
        self.ca, self.cert, self.key = make_pki(self.tmp)
        self.imap_port, self.imaps_port = free_port(), free_port()
        self.domain = domain
        self.conf = os.path.join(self.tmp, "balise.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(data=os.path.join(self.tmp, "data"), imap=self.imap_port,
                                imaps=self.imaps_port, cert=self.cert, key=self.key,
                                cache_ttl=cache_ttl, msg_max=msg_max))
        self.log_path = os.path.join(self.tmp, "balised.log")
        self.proc = None
        self.ctl("domain", "add", domain)

    def tls_context(self):
        """A client context that trusts this balise's test CA (no host name
        check: tests connect to 127.0.0.1)."""
        ctx = ssl.create_default_context(cafile=self.ca)
        ctx.check_hostname = False
        return ctx

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def ctl(self, *args, stdin=None):
        return sh(BALISECTL, "-c", self.conf, *args, stdin=stdin)

    def add_bal(self, local, password, quota=None):
        addr = "%s@%s" % (local, self.domain)
        args = ["bal", "create", addr, "--type", "PER", "--holder-type", "8",
                "--holder", HOLDER, "--password-stdin"]
        if quota:
            args += ["--quota", quota]
        self.ctl(*args, stdin=password + "\n")
        return addr

    def start(self):
        self.log = open(self.log_path, "ab")
        self.proc = subprocess.Popen([BALISED, "-c", self.conf], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)
        if not self.wait_log("ready pid="):
            raise RuntimeError("balised did not start:\n" + self.output())
        return self

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, text, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if self.proc is not None and self.proc.poll() is not None:
                return text in self.output()
            time.sleep(0.05)
        return False

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self):
        """SIGTERM, then SIGKILL if needed; returns the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def check(cond, what):
    """Fails the current test with what as the reason."""
    if not cond:
        raise AssertionError(what)


def run_tests(tests):
    """Runs each test function, reports ok/FAIL, returns the exit status."""
    failed = 0
    for t in tests:
        try:
            t()
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e), flush=True)
        else:
            print("ok   %s" % t.__name__, flush=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0

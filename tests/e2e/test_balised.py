#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# balised as a process: start-up on a temporary data dir, SIGHUP, SIGTERM,
# configuration errors, privilege drop; and quickstart --help. Stdlib only.
import json
import os
import pwd
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

BUILDDIR = os.environ.get("BALISE_BUILDDIR", os.getcwd())
SRCDIR = os.environ.get("BALISE_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
BALISED = os.path.join(BUILDDIR, "server", "balised")
START_TIMEOUT = 20.0  # generous: sanitizer builds start slowly
STOP_TIMEOUT = 5.0

CONF = """\
# written by test_balised.py
[server]
hostname = mx.test.invalid
data_dir = {data_dir}
log_level = debug
{extra_server}
[storage]
map_size = 1M
map_size_max = 64M

[listen]
"""


def free_port():
    # Every service needs a certificate (tests/e2e/test_imap.py,
    # test_smtp.py, test_managesieve.py): here a port is only written in a
    # configuration that must be refused. No clash in parallel.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def conf_text(data_dir, extra_server=""):
    return CONF.format(data_dir=data_dir, extra_server=extra_server, port1=free_port(),
                       port2=free_port())


class Daemon:
    """A balised child whose stderr goes to a file we can poll."""

    def __init__(self, tmp, conf_path):
        self.log_path = os.path.join(tmp, "balised.log")
        self.log = open(self.log_path, "wb")
        self.proc = subprocess.Popen([BALISED, "-c", conf_path], stdin=subprocess.DEVNULL,
                                     stdout=self.log, stderr=self.log)

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_for(self, text, timeout=START_TIMEOUT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.output():
                return True
            if self.proc.poll() is not None:
                return text in self.output()
            time.sleep(0.05)
        return False

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


def write_conf(tmp, text, name="balise.conf"):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def run(args, timeout=30, **kw):
    return subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=timeout, **kw)


def check(cond, what):
    if not cond:
        raise AssertionError(what)


def test_start_hup_term():
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        conf = write_conf(tmp, conf_text(data))
        d = Daemon(tmp, conf)
        try:
            check(d.wait_for("ready"), "no 'ready' line:\n" + d.output())
            check(os.path.isdir(data) and os.listdir(data), "LMDB environment not created")
            out = d.output()
            check("listeners configured: none" in out, "listeners not logged:\n" + out)
            d.proc.send_signal(signal.SIGHUP)
            check(d.wait_for("reload requested", 5), "SIGHUP not logged:\n" + d.output())
            time.sleep(0.2)
            check(d.proc.poll() is None, "balised died on SIGHUP:\n" + d.output())
            t0 = time.monotonic()
            d.proc.send_signal(signal.SIGTERM)
            rc = d.proc.wait(timeout=STOP_TIMEOUT)
            check(rc == 0, "exit status %d after SIGTERM:\n%s" % (rc, d.output()))
            check(time.monotonic() - t0 < STOP_TIMEOUT, "slow stop")
            check("stopped" in d.output(), "no 'stopped' line")
        finally:
            d.kill()


def test_sigint_and_reopen():
    # A second start on the same environment finds it again; SIGINT stops too.
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "data")
        conf = write_conf(tmp, conf_text(data))
        for _ in range(2):
            d = Daemon(tmp, conf)
            try:
                check(d.wait_for("ready"), "no 'ready' line:\n" + d.output())
                d.proc.send_signal(signal.SIGINT)
                rc = d.proc.wait(timeout=STOP_TIMEOUT)
                check(rc == 0, "exit status %d after SIGINT:\n%s" % (rc, d.output()))
            finally:
                d.kill()


def test_relative_data_dir():
    # data_dir is relative to the configuration file, not to the cwd.
    with tempfile.TemporaryDirectory() as tmp:
        conf = write_conf(tmp, conf_text("rel-data"))
        d = Daemon(tmp, conf)
        try:
            check(d.wait_for("ready"), "no 'ready' line:\n" + d.output())
            check(os.path.isdir(os.path.join(tmp, "rel-data")), "data_dir not under conf dir")
        finally:
            d.kill()


def test_listener_needs_cert():
    # A listener without [tls] cert: balised says which and does not start
    # (the IPv4 and IPv6 addresses of one service are both parsed).
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        text = conf_text(os.path.join(tmp, "d")).replace(
            "[listen]\n", "[listen]\nmanagesieve = 127.0.0.1:%d, [::1]:%d\n" % (port, port))
        r = run([BALISED, "-c", write_conf(tmp, text)])
        check(r.returncode == 1, "exit status %d, want 1" % r.returncode)
        check(re.search(r"listeners configured: managesieve=127\.0\.0\.1:%d,\[::1\]:%d"
                        % (port, port), r.stderr), "listeners logged: " + r.stderr)
        check("[tls] cert: required" in r.stderr and "managesieve" in r.stderr,
              "the missing certificate named: " + r.stderr)


def test_unknown_key():
    with tempfile.TemporaryDirectory() as tmp:
        text = conf_text(os.path.join(tmp, "d"), "colour = blue\n")
        conf = write_conf(tmp, text)
        line = text.splitlines().index("colour = blue") + 1
        r = run([BALISED, "-c", conf])
        check(r.returncode == 1, "exit status %d, want 1" % r.returncode)
        check("%s:%d:" % (conf, line) in r.stderr, "file:line missing: " + r.stderr)
        check("colour" in r.stderr, "key missing: " + r.stderr)
        check(not os.path.exists(os.path.join(tmp, "d")), "store opened despite the error")


def test_bad_value():
    with tempfile.TemporaryDirectory() as tmp:
        text = conf_text(os.path.join(tmp, "d"), "log_level = loud\n")
        text = text.replace("log_level = debug\n", "")
        r = run([BALISED, "-c", write_conf(tmp, text)])
        check(r.returncode == 1, "exit status %d, want 1" % r.returncode)
        check("log_level" in r.stderr, "key missing: " + r.stderr)


def test_missing_config():
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "nope.conf")
        r = run([BALISED, "-c", path])
        check(r.returncode == 1, "exit status %d, want 1" % r.returncode)
        check(path in r.stderr, "path not named: " + r.stderr)


def test_usage():
    r = run([BALISED])
    check(r.returncode == 2, "no -c: exit status %d, want 2" % r.returncode)
    r = run([BALISED, "--frobnicate"])
    check(r.returncode == 2, "bad option: exit status %d, want 2" % r.returncode)
    r = run([BALISED, "-c", "x.conf", "extra"])
    check(r.returncode == 2, "extra argument: exit status %d, want 2" % r.returncode)
    r = run([BALISED, "--help"])
    check(r.returncode == 0 and "-c" in r.stdout, "--help: " + r.stdout + r.stderr)
    r = run([BALISED, "--version"])
    check(r.returncode == 0 and r.stdout.startswith("balised "), "--version: " + r.stdout)


def test_drop_to_user():
    if os.geteuid() != 0:
        print("  (skipped: not root)")
        return
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        print("  (skipped: no user nobody)")
        return
    with tempfile.TemporaryDirectory() as tmp:
        os.chmod(tmp, 0o755)
        parent = os.path.join(tmp, "shared")
        os.mkdir(parent)
        os.chmod(parent, 0o777)
        data = os.path.join(parent, "data")
        conf = write_conf(tmp, conf_text(data, "user = nobody\n"))
        d = Daemon(tmp, conf)
        try:
            check(d.wait_for("ready"), "no 'ready' line:\n" + d.output())
            with open("/proc/%d/status" % d.proc.pid) as f:
                status = dict(l.split(":", 1) for l in f if ":" in l)
            uids = status["Uid"].split()
            check(all(int(u) == nobody.pw_uid for u in uids), "uids " + status["Uid"])
            check(os.stat(data).st_uid == nobody.pw_uid, "data_dir not owned by nobody")
            d.proc.send_signal(signal.SIGTERM)
            check(d.proc.wait(timeout=STOP_TIMEOUT) == 0, "bad exit:\n" + d.output())
        finally:
            d.kill()


def test_quickstart_help():
    qs = os.path.join(SRCDIR, "quickstart")
    r = run(["bash", qs, "--help"])
    check(r.returncode == 0, "exit status %d: %s" % (r.returncode, r.stderr))
    check("quickstart test" in r.stdout and "--asan" in r.stdout, "help text: " + r.stdout)
    r = run(["bash", qs, "--no-such-option"])
    check(r.returncode == 2, "bad option: exit status %d, want 2" % r.returncode)


def test_config_doc_lists_every_key():
    # docs/configuration.md must document each key of common/cfg.c's table,
    # under its section's heading.
    with open(os.path.join(SRCDIR, "common", "cfg.c")) as f:
        keys = re.findall(r'^\s*\{"(\w+)", "(\w+)", CFG_', f.read(), re.M)
    with open(os.path.join(SRCDIR, "docs", "configuration.md")) as f:
        doc = f.read()
    check(len(keys) > 20, "could not read the key table (%d keys)" % len(keys))
    sections = {}
    for part in re.split(r"^### ", doc, flags=re.M)[1:]:
        m = re.match(r"`\[(\w+)\]`", part)
        if m:
            sections[m.group(1)] = part
    missing = ["[%s] %s" % (sec, key) for sec, key in keys
               if "| `%s` |" % key not in sections.get(sec, "")]
    check(not missing, "undocumented keys: " + ", ".join(missing))


def cert_subject(path):
    r = run(["openssl", "x509", "-in", path, "-noout", "-subject", "-nameopt", "RFC2253"])
    check(r.returncode == 0, "openssl x509 %s: %s" % (path, r.stderr))
    return r.stdout.strip().removeprefix("subject=")


def test_demo():
    # The demo ./quickstart made (it does so before make check); skipped
    # when this tree has none.
    demo = os.path.join(SRCDIR, "var", "demo")
    conf = os.path.join(demo, "balise.conf")
    if not os.path.exists(conf):
        print("  (skipped: no var/demo)")
        return
    ca = os.path.join(demo, "ca", "ca.pem")
    certs = {}
    for name, host in (("server", "mx.cabinet.demo.test"), ("peer", "mx.peer.demo.test")):
        pem = os.path.join(demo, "tls", name + ".pem")
        r = run(["openssl", "verify", "-CAfile", ca, "-purpose", "sslserver", pem])
        check(r.returncode == 0, "%s does not chain to the CA: %s" % (pem, r.stdout + r.stderr))
        r = run(["openssl", "x509", "-in", pem, "-noout", "-ext", "subjectAltName"])
        check("DNS:" + host in r.stdout and "IP Address:127.0.0.1" in r.stdout, r.stdout)
        check(os.stat(os.path.join(demo, "tls", name + ".key")).st_mode & 0o077 == 0,
              name + ".key readable by others")
        certs[host.split(".", 1)[1]] = cert_subject(pem)
    ns = {"w": "https://listeblanche.mssante.fr/schema"}
    root = ET.parse(os.path.join(demo, "whitelist.xml")).getroot()
    check(root.tag == "{%s}ListeBlancheMSSante" % ns["w"], "whitelist root " + root.tag)
    listed = {d.findtext("w:Nom", namespaces=ns): d.findtext("w:DNCertificatOperateur",
                                                              namespaces=ns)
              for d in root.iterfind("w:ListeDomaines/w:Domaine", ns)}
    check(listed == certs, "whitelist %r, certificates %r" % (listed, certs))
    cred = os.path.join(demo, "credentials.txt")
    check(os.stat(cred).st_mode & 0o777 == 0o600, "credentials.txt mode")
    with open(cred) as f:
        creds = [l.split() for l in f if not l.startswith("#")]
    ctl = os.path.join(BUILDDIR, "admin", "balisectl")
    r = run([ctl, "-c", conf, "bal", "list", "--json"])
    check(r.returncode == 0, "bal list: " + r.stderr)
    bals = {b["address"]: b["type"] for b in json.loads(r.stdout)}
    check(sorted(bals.values()) == ["CAB", "ORG", "PER"], "BALs %r" % bals)
    check({c[0]: c[1] for c in creds} == bals, "credentials %r, BALs %r" % (creds, bals))


TESTS = [
    test_start_hup_term,
    test_listener_needs_cert,
    test_sigint_and_reopen,
    test_relative_data_dir,
    test_unknown_key,
    test_bad_value,
    test_missing_config,
    test_usage,
    test_drop_to_user,
    test_quickstart_help,
    test_config_doc_lists_every_key,
    test_demo,
]


def main():
    passed = failed = 0
    for t in TESTS:
        try:
            t()
        except Exception as e:  # noqa: BLE001 - report every failure and go on
            failed += 1
            print("FAIL %s: %s: %s" % (t.__name__, type(e).__name__, e))
        else:
            passed += 1
            print("ok   %s" % t.__name__)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

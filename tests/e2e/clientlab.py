# SPDX-License-Identifier: ISC
# Helpers of the real-client tests (test_mutt.py, test_offlineimap.py,
# test_fetchmail.py, test_backup.py): a harness.Balise with submission and
# submissions listeners, imaplib access that verifies balised's certificate
# against the test CA, and a runner for client programs that are stopped by
# PID on a timeout. Stdlib only.
import imaplib
import os
import re
import subprocess
import time

import harness
from harness import check

IO_TIMEOUT = 30
CLIENT_TIMEOUT = 120


def balise(**kw):
    """A harness.Balise (not started) that also serves submission (587-like,
    STARTTLS) and submissions (465-like, implicit TLS) on free ports."""
    b = harness.Balise(**kw)
    b.sub_port, b.subs_port = harness.free_port(), harness.free_port()
    with open(b.conf) as f:
        conf = f.read()
    conf = conf.replace("[listen]\n", "[listen]\nsubmission = 127.0.0.1:%d\n"
                        "submissions = 127.0.0.1:%d\n" % (b.sub_port, b.subs_port))
    with open(b.conf, "w") as f:
        f.write(conf)
    return b


def client_env(home):
    """An environment for a client program: its own HOME (no user dotfile is
    read or written), C locale, no proxy."""
    os.makedirs(home, exist_ok=True)
    env = {"HOME": home, "PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8",
           "TERM": "dumb", "TMPDIR": home}
    return env


def run(cmd, env, stdin=None, timeout=CLIENT_TIMEOUT, cwd=None):
    """Runs a client; on timeout kills it by PID and fails. Returns
    (exit status, stdout + stderr)."""
    p = subprocess.Popen(cmd, env=env, cwd=cwd, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        out, _ = p.communicate(stdin, timeout=timeout)
    except subprocess.TimeoutExpired:
        p.kill()
        out, _ = p.communicate()
        raise AssertionError("%s timed out:\n%s" % (cmd[0], out.decode("utf-8", "replace")))
    return p.returncode, out.decode("utf-8", "replace")


def imap(b, user, password):
    """imaplib over implicit TLS; the certificate is verified against the
    test CA (a wrong CA fails the handshake)."""
    c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                          timeout=IO_TIMEOUT)
    c.login(user, password)
    return c


def append(b, user, password, mailbox, message, flags=None):
    c = imap(b, user, password)
    typ, data = c.append(mailbox, flags, None, message)
    check(typ == "OK", (typ, data))
    c.logout()


def messages(b, user, password, mailbox="INBOX"):
    """[(flags set, full message bytes)] of a mailbox, in UID order."""
    c = imap(b, user, password)
    typ, _ = c.select('"%s"' % mailbox, readonly=True)
    check(typ == "OK", "SELECT %s: %s" % (mailbox, typ))
    typ, data = c.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
    c.logout()
    out = []
    for d in data:
        if isinstance(d, tuple):
            m = re.search(rb"FLAGS \(([^)]*)\)", d[0])
            out.append((set(m.group(1).decode().split()) if m else set(), d[1]))
    return out


def wait_for(fn, what, timeout=20.0):
    """Polls fn until it returns a true value (delivery is asynchronous for
    the client, synchronous for balised: this only covers the client side)."""
    deadline = time.monotonic() + timeout
    while True:
        v = fn()
        if v:
            return v
        if time.monotonic() > deadline:
            raise AssertionError("timed out waiting for " + what)
        time.sleep(0.2)


def main(b, tests):
    """Starts b, runs tests, stops b; a non-zero balised exit status (a
    sanitizer report) fails the run. Prints the log tail on failure."""
    with b:
        b.start()
        status = harness.run_tests(tests)
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r" % rc)
            status = 1
        if status:
            print(b.output()[-8000:])
    return status

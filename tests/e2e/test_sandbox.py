#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# balised's sandbox ([sandbox] in docs/configuration.md): the seccomp filter
# is on every running balised (the kernel's /proc/PID/status), Landlock keeps
# it out of a directory that is not allowed (a certificate moved there is not
# reloaded on SIGHUP, the old one is served), each step can be turned off
# and says so, and a kernel without Landlock is logged, not fatal.
import ctypes
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BALISED, BUILD, SRC, Balise, check, make_pki, run_tests  # noqa: E402

NO_LANDLOCK = os.path.join(BUILD, "tests", "e2e", "no_landlock")
SYS_LANDLOCK_CREATE_RULESET = 444  # the same number on every architecture
LANDLOCK_CREATE_RULESET_VERSION = 1


def landlock_abi():
    """The kernel's Landlock ABI version, or 0 without Landlock."""
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    v = libc.syscall(ctypes.c_long(SYS_LANDLOCK_CREATE_RULESET), None, ctypes.c_size_t(0),
                     ctypes.c_uint32(LANDLOCK_CREATE_RULESET_VERSION))
    return v if v > 0 else 0


def proc_status(pid):
    with open("/proc/%d/status" % pid) as f:
        return {k.strip(): v.strip() for k, v in (l.split(":", 1) for l in f if ":" in l)}


def add_conf(b, text):
    with open(b.conf, "a") as f:
        f.write(text)


def set_conf(b, key, value):
    """Rewrites the line "key = ..." of b's configuration."""
    with open(b.conf) as f:
        lines = f.read().splitlines()
    lines = [("%s = %s" % (key, value)) if l.split("=")[0].strip() == key else l for l in lines]
    with open(b.conf, "w") as f:
        f.write("\n".join(lines) + "\n")


def served_cert(b):
    """The DER certificate balised presents on its imaps port."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", b.imaps_port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.getpeercert(binary_form=True)


def der_of(pem_path):
    with open(pem_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


def test_filter_on_by_default():
    with Balise() as b:
        b.start()
        st = proc_status(b.proc.pid)
        check(st.get("Seccomp") == "2", "Seccomp: %s, want 2 (filter)" % st.get("Seccomp"))
        check(st.get("NoNewPrivs") == "1", "NoNewPrivs: %s" % st.get("NoNewPrivs"))
        out = b.output()
        check("sandbox: seccomp filter loaded" in out and "kill the process" in out,
              "no seccomp line:\n" + out)
        if landlock_abi():
            check("sandbox: landlock ABI %d applied" % landlock_abi() in out,
                  "no landlock line:\n" + out)
            check("rw=%s" % os.path.join(b.tmp, "data") in out, "data_dir not in rules:\n" + out)
        # Still serving after the filter: a TLS handshake, then a clean stop.
        check(served_cert(b) == der_of(b.cert), "imaps certificate")
        check(b.stop() == 0, "exit status:\n" + b.output())


def test_log_mode():
    with Balise() as b:
        add_conf(b, "[sandbox]\nseccomp = log\n")
        b.start()
        check(proc_status(b.proc.pid).get("Seccomp") == "2", "no filter in log mode")
        check("other calls logged by the kernel" in b.output(), "log mode line:\n" + b.output())


def test_off():
    with Balise() as b:
        add_conf(b, "[sandbox]\nseccomp = off\nlandlock = off\n")
        b.start()
        st = proc_status(b.proc.pid)
        check(st.get("Seccomp") == "0", "Seccomp: %s with seccomp = off" % st.get("Seccomp"))
        out = b.output()
        check("sandbox: seccomp off" in out and "sandbox: landlock off" in out,
              "off lines:\n" + out)
        check("seccomp filter loaded" not in out and "landlock ABI" not in out, "applied:\n" + out)


def test_bad_value():
    with Balise() as b:
        add_conf(b, "[sandbox]\nseccomp = maybe\n")
        r = subprocess.run([BALISED, "-c", b.conf], capture_output=True, text=True, timeout=30)
        check(r.returncode == 1, "exit %d" % r.returncode)
        check("[sandbox] seccomp: expected on, log or off" in r.stderr, r.stderr)


def reload_outside(landlock):
    """Starts balised with its certificate and key behind links, points the
    links at a new pair in a directory outside the allowed set, sends
    SIGHUP. Returns (balise output, served DER, old DER, new DER)."""
    outside = tempfile.mkdtemp(prefix="balise-outside-")
    try:
        with Balise() as b:
            links = os.path.join(b.tmp, "tls")
            os.mkdir(links)
            cert, key = os.path.join(links, "cert.pem"), os.path.join(links, "key.pem")
            os.symlink(b.cert, cert)
            os.symlink(b.key, key)
            set_conf(b, "cert", cert)
            set_conf(b, "key", key)
            if not landlock:
                add_conf(b, "[sandbox]\nlandlock = off\n")
            b.start()
            old = served_cert(b)
            _, new_cert, new_key = make_pki(outside)
            for link, target in ((cert, new_cert), (key, new_key)):
                os.unlink(link)
                os.symlink(target, link)
            b.signal(signal.SIGHUP)
            check(b.wait_log("signal=HUP reload requested:", timeout=10), "no reload line")
            served = served_cert(b)
            check(b.stop() == 0, "exit status:\n" + b.output())
            return b.output(), served, old, der_of(new_cert)
    finally:
        shutil.rmtree(outside, ignore_errors=True)


def test_landlock_denies_outside():
    if not landlock_abi():
        print("  (skipped: no Landlock in this kernel)")
        return
    out, served, old, new = reload_outside(landlock=True)
    check("TLS reload failed, keeping the old certificate" in out, "reload not refused:\n" + out)
    check("Permission denied" in out, "the reason is not logged:\n" + out)
    check(served == old and served != new, "not serving the old certificate")


def test_outside_reloads_without_landlock():
    # The control: the same move reloads when Landlock is off, so the refusal
    # above is Landlock's (the tests run as root: no permission is missing).
    out, served, old, new = reload_outside(landlock=False)
    check("TLS certificate reloaded" in out, "reload failed:\n" + out)
    check(served == new, "not serving the new certificate")


def test_kernel_without_landlock():
    with Balise() as b:
        b.log = open(b.log_path, "ab")
        b.proc = subprocess.Popen([NO_LANDLOCK, BALISED, "-c", b.conf], stdin=subprocess.DEVNULL,
                                  stdout=b.log, stderr=b.log)
        check(b.wait_log("ready pid="), "did not start:\n" + b.output())
        out = b.output()
        check("sandbox: landlock not available in this kernel" in out, "no line:\n" + out)
        check("seccomp filter loaded" in out, "no seccomp:\n" + out)
        check(served_cert(b) == der_of(b.cert), "imaps certificate")
        check(b.stop() == 0, "exit status:\n" + b.output())


def unit_capabilities():
    """CapabilityBoundingSet of contrib/balised.service, as setpriv's
    --bounding-set argument."""
    with open(os.path.join(SRC, "contrib", "balised.service")) as f:
        for line in f:
            if line.startswith("CapabilityBoundingSet="):
                caps = line.split("=", 1)[1].split()
                return "-all," + ",".join("+" + c[4:].lower() for c in caps)
    raise AssertionError("no CapabilityBoundingSet in contrib/balised.service")


def low_free_port():
    for port in range(700, 1000):
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise AssertionError("no free port below 1000")


def test_unit_capabilities_are_enough():
    # As systemd would start it with contrib/balised.service: root with only
    # the unit's capabilities and no_new_privs; balised binds a port below
    # 1024, switches to nobody and confines itself.
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        print("  (skipped: needs root and setpriv)")
        return
    try:
        nobody = pwd.getpwnam("nobody")
    except KeyError:
        print("  (skipped: no user nobody)")
        return
    with Balise() as b:
        os.chmod(b.tmp, 0o755)
        shared = os.path.join(b.tmp, "shared")
        os.mkdir(shared)
        os.chown(shared, nobody.pw_uid, nobody.pw_gid)
        port = low_free_port()
        set_conf(b, "data_dir", os.path.join(shared, "data"))
        set_conf(b, "imap", "127.0.0.1:%d" % port)
        add_conf(b, "[server]\nuser = nobody\n")
        b.log = open(b.log_path, "ab")
        b.proc = subprocess.Popen([setpriv, "--bounding-set", unit_capabilities(),
                                   "--no-new-privs", BALISED, "-c", b.conf],
                                  stdin=subprocess.DEVNULL, stdout=b.log, stderr=b.log)
        check(b.wait_log("ready pid="), "did not start:\n" + b.output())
        st = proc_status(b.proc.pid)
        check(all(int(u) == nobody.pw_uid for u in st["Uid"].split()), "Uid " + st["Uid"])
        check(int(st["CapEff"], 16) == 0 and int(st["CapPrm"], 16) == 0, "caps left: " +
              st["CapEff"])
        check(st["NoNewPrivs"] == "1" and st["Seccomp"] == "2", "not confined")
        with socket.create_connection(("127.0.0.1", port), timeout=10) as c:
            check(c.recv(200).startswith(b"* OK"), "no IMAP greeting")
        check(b.stop() == 0, "exit status:\n" + b.output())


if __name__ == "__main__":
    sys.exit(run_tests([
        test_filter_on_by_default,
        test_log_mode,
        test_off,
        test_bad_value,
        test_landlock_denies_outside,
        test_outside_reloads_without_landlock,
        test_kernel_without_landlock,
        test_unit_capabilities_are_enough,
    ]))

#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# balisectl backup DIR while balised runs and takes mail: the copy is one
# committed state (store check clean, every message whole), restoring it
# (data.mdb into an empty data_dir) gives a second balised that serves the
# same messages over IMAP; bad arguments are refused by name and a refused
# backup overwrites nothing.
import hashlib
import os
import shutil
import stat
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlab  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

B = None
ADDR = None
PW = "pw-backup"
SENT = {}  # subject -> sha256 of the body
LOCK = threading.Lock()


def message(n):
    body = ("ligne %d du message %d, patient fictif\r\n" % (n, n)) * 400
    subject = "sauvegarde-%05d" % n
    with LOCK:
        SENT[subject] = hashlib.sha256(body.encode()).hexdigest()
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%d.backup@test.example>\r\n\r\n%s"
            % (ADDR, ADDR, subject, n, body)).encode()


def ctl(*args):
    r = subprocess.run([harness.BALISECTL, "-c", B.conf] + list(args), capture_output=True,
                       text=True, timeout=300)
    return r.returncode, r.stdout + r.stderr


def bodies(srv):
    """{subject: sha256 of body} of the BAL's INBOX on srv."""
    got = {}
    for _, raw in clientlab.messages(srv, ADDR, PW):
        head, _, body = raw.partition(b"\r\n\r\n")
        subject = [ln for ln in head.split(b"\r\n") if ln.startswith(b"Subject: ")][0]
        got[subject[9:].decode()] = hashlib.sha256(body).hexdigest()
    return got


def test_hot_backup_restored():
    c = clientlab.imap(B, ADDR, PW)
    for n in range(60):
        c.append("INBOX", None, None, message(n))
    c.logout()
    before = set(SENT)
    stop = threading.Event()
    errors = []

    def writer():
        try:
            w = clientlab.imap(B, ADDR, PW)
            n = 1000
            while not stop.is_set():
                w.append("INBOX", None, None, message(n))
                n += 1
            w.logout()
        except Exception as e:  # noqa: BLE001 - reported by the test
            errors.append(e)

    t = threading.Thread(target=writer)
    t.start()
    dest = os.path.join(B.tmp, "backups", "b1")
    os.mkdir(os.path.dirname(dest))
    try:
        rc, out = ctl("backup", dest)
    finally:
        stop.set()
        t.join(60)
    check(not errors, errors)
    check(rc == 0 and "backed up" in out and dest + "/data.mdb" in out, (rc, out))
    check(sorted(os.listdir(dest)) == ["data.mdb"], os.listdir(dest))
    check(stat.S_IMODE(os.stat(dest).st_mode) == 0o700, oct(os.stat(dest).st_mode))
    check(stat.S_IMODE(os.stat(os.path.join(dest, "data.mdb")).st_mode) == 0o600,
          "data.mdb is not 0600")
    # Restore into a second balise: its own PKI, ports and data_dir.
    with harness.Balise(domain="other.example") as r:
        data = os.path.join(r.tmp, "data")
        shutil.rmtree(data)
        os.mkdir(data, 0o700)
        shutil.copy2(os.path.join(dest, "data.mdb"), data)
        out = r.ctl("store", "check")
        check("store OK" in out, out)
        r.start()
        got = bodies(r)
        check(before <= set(got), "messages from before the backup are missing")
        for subject, digest in got.items():
            check(SENT.get(subject) == digest, "message %s differs" % subject)
        check("test.example" in r.ctl("domain", "list"), "domain missing after restore")
        check(r.stop() == 0, "restored balised exit status")
    # The running store is untouched and still consistent.
    check("store OK" in ctl("store", "check")[1], "live store check")
    check(len(bodies(B)) >= len(got), "live store lost messages")


def test_refusals():
    base = os.path.join(B.tmp, "refus")
    os.mkdir(base)
    keep = os.path.join(base, "keep")
    os.mkdir(keep)
    with open(os.path.join(keep, "data.mdb"), "w") as f:
        f.write("an earlier backup")
    rc, out = ctl("backup", keep)
    check(rc == 1 and "not empty" in out and "backup" in out, (rc, out))
    with open(os.path.join(keep, "data.mdb")) as f:
        check(f.read() == "an earlier backup", "a refused backup overwrote a file")
    afile = os.path.join(base, "file")
    open(afile, "w").close()
    rc, out = ctl("backup", afile)
    check(rc == 1 and "not a directory" in out, (rc, out))
    rc, out = ctl("backup", os.path.join(base, "missing", "b"))
    check(rc == 1 and "parent must exist" in out, (rc, out))
    check(not os.path.exists(os.path.join(base, "missing")), "created a parent")
    rc, out = ctl("backup")
    check(rc == 2 and "missing DIR" in out, (rc, out))
    rc, out = ctl("backup", "a", "b")
    check(rc == 2 and "unexpected extra argument" in out, (rc, out))
    rc, out = ctl("backup", "")
    check(rc == 2 and "empty backup directory name" in out, (rc, out))
    rc, out = ctl("backup", keep, "--bogus")
    check(rc == 2 and "--bogus" in out, (rc, out))
    # An empty existing directory is accepted.
    empty = os.path.join(base, "empty")
    os.mkdir(empty)
    rc, out = ctl("backup", empty)
    check(rc == 0 and os.path.getsize(os.path.join(empty, "data.mdb")) > 0, (rc, out))


def main():
    global B, ADDR
    B = harness.Balise()
    ADDR = B.add_bal("dossiers", PW)
    return clientlab.main(B, [test_hot_backup_restored, test_refusals])


if __name__ == "__main__":
    sys.exit(main())

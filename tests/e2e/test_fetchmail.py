#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# fetchmail (Debian package fetchmail) fetching a BAL's INBOX over IMAP with
# implicit TLS, balised's certificate verified against the test CA
# (sslcertck), each message handed to an MDA that writes a file: contents
# intact; --keep leaves the messages on the server (seen, not fetched
# again); without --keep they are deleted after delivery, and --flush also
# removes the ones fetched before; a CA that did not sign balised's
# certificate fetches nothing. Skipped (exit 77) when fetchmail is missing.
import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import clientlab  # noqa: E402
import harness  # noqa: E402
from harness import check  # noqa: E402

FETCHMAIL = shutil.which("fetchmail")
B = None
ADDR = None
PW = "pw-releve"
HOME = None
OUT = None


def msg(n):
    return ("From: labo%d@test.example\r\nTo: %s\r\nSubject: resultat-%d\r\n"
            "Message-ID: <%d.fetchmail@test.example>\r\n\r\nResultat numero %d.\r\n"
            % (n, ADDR, n, n, n)).encode()


def fetch(*opts, ca=None):
    rc_path = os.path.join(HOME, "fetchmailrc")
    with open(rc_path, "w") as f:
        f.write("""\
set no syslog
poll localhost with proto IMAP port {port} timeout 30
  user "{user}" with password "{pw}"
  ssl sslcertck sslcertfile "{ca}" sslproto "TLS1.2+"
  mda "/bin/sh -c 'cat > {out}/msg.$$'"
""".format(port=B.imaps_port, user=ADDR, pw=PW, ca=ca or B.ca, out=OUT))
    os.chmod(rc_path, 0o600)
    env = clientlab.client_env(HOME)
    env["FETCHMAILHOME"] = HOME
    return clientlab.run([FETCHMAIL, "-f", rc_path, "--nodetach", "-v"] + list(opts), env)


def fetched():
    """{file name: bytes} written by the MDA."""
    got = {}
    for name in os.listdir(OUT):
        with open(os.path.join(OUT, name), "rb") as f:
            got[name] = f.read()
    return got


def subjects(files):
    out = set()
    for raw in files.values():
        for ln in raw.splitlines():
            if ln.startswith(b"Subject: "):
                out.add(ln[9:].strip().decode())
    return out


def server():
    """{subject: flags} of the INBOX."""
    out = {}
    for flags, raw in clientlab.messages(B, ADDR, PW):
        subj = [ln[9:] for ln in raw.split(b"\r\n") if ln.startswith(b"Subject: ")][0]
        out[subj.decode()] = flags - {"\\Recent"}
    return out


def test_keep_then_flush():
    clientlab.append(B, ADDR, PW, "INBOX", msg(1))
    clientlab.append(B, ADDR, PW, "INBOX", msg(2))
    rc, out = fetch("--keep")
    check(rc == 0, "fetchmail exit %d:\n%s" % (rc, out))
    files = fetched()
    check(subjects(files) == {"resultat-1", "resultat-2"} and len(files) == 2, sorted(files))
    for raw in files.values():
        n = 1 if b"resultat-1" in raw else 2
        body = raw.replace(b"\r\n", b"\n").split(b"\n\n", 1)[1]
        check(body == b"Resultat numero %d.\n" % n, raw)
        check(b"Message-ID: <%d.fetchmail@test.example>" % n in raw, raw)
    check(server() == {"resultat-1": {"\\Seen"}, "resultat-2": {"\\Seen"}}, server())
    # Kept and seen: nothing new to fetch (exit 1 is "no mail").
    rc, out = fetch("--keep")
    check(rc == 1, "fetchmail exit %d:\n%s" % (rc, out))
    check(len(fetched()) == 2, sorted(fetched()))
    # A new message, fetched without --keep: deleted once delivered; the
    # two seen ones stay (fetchmail only fetches unseen mail).
    clientlab.append(B, ADDR, PW, "INBOX", msg(3))
    rc, out = fetch()
    check(rc == 0, "fetchmail exit %d:\n%s" % (rc, out))
    check(subjects(fetched()) == {"resultat-1", "resultat-2", "resultat-3"}, sorted(fetched()))
    check(set(server()) == {"resultat-1", "resultat-2"}, server())
    # --flush removes the messages fetched earlier.
    clientlab.append(B, ADDR, PW, "INBOX", msg(4))
    rc, out = fetch("--flush")
    check(rc == 0, "fetchmail exit %d:\n%s" % (rc, out))
    check(len(fetched()) == 4 and "resultat-4" in subjects(fetched()), sorted(fetched()))
    check(server() == {}, server())


def test_wrong_ca_refused():
    other = os.path.join(B.tmp, "other-ca")
    os.mkdir(other)
    ca, _, _ = harness.make_pki(other)
    clientlab.append(B, ADDR, PW, "INBOX", msg(5))
    before = len(fetched())
    rc, out = fetch("--keep", ca=ca)
    check(rc not in (0, 1), "fetchmail exit %d with a wrong CA:\n%s" % (rc, out))
    check("certificate" in out.lower(), out)
    check(len(fetched()) == before, "fetched with a wrong CA")
    check(server() == {"resultat-5": set()}, server())


def main():
    global B, ADDR, HOME, OUT
    if FETCHMAIL is None:
        print("SKIP: fetchmail not installed (Debian package fetchmail; "
              "./quickstart installs it)")
        return 77
    B = harness.Balise()
    ADDR = B.add_bal("releve", PW)
    HOME = os.path.join(B.tmp, "home")
    OUT = os.path.join(B.tmp, "delivered")
    os.makedirs(HOME, 0o700)
    os.makedirs(OUT)
    return clientlab.main(B, [test_keep_then_flush, test_wrong_ca_refused])


if __name__ == "__main__":
    sys.exit(main())

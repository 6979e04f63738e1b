#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# Cross-checks SORT and THREAD (server/imap/imap_sort.c, imap_thread.c)
# against Dovecot: random corpora (Message-ID, References, In-Reply-To,
# Subject, Date, From, To, Cc) are APPENDed to a private Dovecot on
# loopback and run through xcheck_imap_sort.c; every answer must match.
# Needs Debian's dovecot-imapd and a configured build directory:
#   python3 tests/unit/xcheck_imap_sort.py BUILDDIR [SEEDS] [MESSAGES]
# Dovecot runs from a temporary directory and is stopped by its PID.
import base64
import imaplib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PORT = 14393 + os.getpid() % 1000
COMMANDS = [
    "THREAD REFERENCES", "THREAD ORDEREDSUBJECT", "SORT (SUBJECT)", "SORT (REVERSE DATE)",
    "SORT (FROM REVERSE SIZE)", "SORT (TO CC)", "SORT (DISPLAYFROM)", "SORT (DISPLAYTO ARRIVAL)",
    "SORT (SUBJECT DATE)",
]
# No DZ digraphs (U+01C4..U+01C6): Dovecot does not decompose them, RFC
# 5051 does (see check_imap_sort.c, sort_unicode).
WORDS = ["apple", "Apple", "banana", "été", "Étude", "zebra", "cherry pie", "Cherry  pie",
         "ärger", "Zürich", "naïve", "ﬁsh", "Ωmega", "ωmega", "данные", "Данные"]


def encode(s):
    if all(ord(c) < 128 for c in s) or random.random() < 0.3:
        return s
    return "=?utf-8?b?" + base64.b64encode(s.encode()).decode() + "?="


def subject():
    r = random.random()
    if r < 0.05:
        return None
    if r < 0.08:
        return ""
    s = random.choice(WORDS)
    for _ in range(random.randint(0, 2)):
        s = random.choice(["Re: ", "RE: ", "Fwd: ", "FW: ", "[list] ", "Re[2]: ", "re: [x] ",
                           " "]) + s
    if random.random() < 0.1:
        s += " (fwd)"
    if random.random() < 0.08:
        s = "[Fwd: " + s + "]"
    return encode(s)


def address():
    r = random.random()
    if r < 0.15:
        return None
    local = random.choice(["alice", "Bob", "carol", "dave", "émile", "zed", "ann"])
    dom = random.choice(["example.org", "Example.COM", "x.net"])
    if r < 0.5:
        return "%s@%s" % (local, dom)
    name = random.choice(["Alice A", "bob", "Zed", "Émile", "  ", "\"Carol, C\"", "ärger"])
    return "%s <%s@%s>" % (name if name.startswith('"') else encode(name), local, dom)


def corpus(seed, n):
    random.seed(seed)
    ids = ["<m%d@x>" % i for i in range(n + 10)]
    msgs = []
    for i in range(n):
        h = []
        r = random.random()
        if r < 0.08:
            pass
        elif r < 0.12:
            h.append("Message-ID: <bad%d>" % i)
        elif r < 0.2:
            h.append("Message-ID: " + random.choice(ids[:max(1, i)]))
        else:
            h.append("Message-ID: " + ids[i])
        if random.random() < 0.6:
            h.append("References: " + " ".join(random.choice(ids)
                                               for _ in range(random.randint(1, 4))))
        if random.random() < 0.3:
            h.append("In-Reply-To: " + random.choice(ids + ["<junk>"]))
        s = subject()
        if s is not None:
            h.append("Subject: " + s)
        for name in ("From", "To", "Cc"):
            a = address()
            if a:
                h.append("%s: %s" % (name, a))
        r = random.random()
        if r < 0.1:
            pass
        elif r < 0.15:
            h.append("Date: garbage")
        else:
            day = random.randint(1, 3)
            h.append("Date: %s, %d Jan 2023 %02d:00:00 %s" % (
                ["Sun", "Mon", "Tue"][day - 1], day, random.randint(8, 10),
                random.choice(["+0000", "+0200", "-0500"])))
        raw = "\r\n".join(h) + "\r\n\r\n" + "x" * random.randint(0, 30) + "\r\n"
        msgs.append((raw.encode(), 1700000000 + random.randint(0, 5) * 3600))
    return msgs


def start_dovecot(tmp):
    login, internal = ("dovenull", "dovecot") if os.getuid() == 0 else (None, None)
    import pwd
    user = pwd.getpwnam(internal) if internal else pwd.getpwuid(os.getuid())
    for d in ("mail", "home", "run", "log"):
        os.makedirs(os.path.join(tmp, d))
        os.chown(os.path.join(tmp, d), user.pw_uid, user.pw_gid)
    os.chmod(tmp, 0o755)
    with open(os.path.join(tmp, "passwd"), "w") as f:
        f.write("test:{PLAIN}pass::::\n")
    conf = os.path.join(tmp, "dovecot.conf")
    with open(conf, "w") as f:
        f.write("""base_dir = {t}/run
state_dir = {t}/run
log_path = {t}/log/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = {login}
default_internal_user = {user}
default_internal_group = {group}
first_valid_uid = 1
mail_location = maildir:{t}/mail/%u
passdb {{
  driver = passwd-file
  args = {t}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={t}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
""".format(t=tmp, login=login or user.pw_name, user=user.pw_name, group=user.pw_name
           if internal is None else internal, uid=user.pw_uid, gid=user.pw_gid, port=PORT))
    subprocess.run(["dovecot", "-c", conf], check=True)
    for _ in range(50):
        try:
            imaplib.IMAP4("127.0.0.1", PORT).logout()
            break
        except OSError:
            time.sleep(0.1)
    with open(os.path.join(tmp, "run", "master.pid")) as f:
        return int(f.read())


def stop_dovecot(pid):
    os.kill(pid, signal.SIGTERM)
    for _ in range(100):
        try:
            os.kill(pid, 0)
        except OSError:
            return
        time.sleep(0.1)


def dovecot_answers(msgs, box):
    m = imaplib.IMAP4("127.0.0.1", PORT)
    m.login("test", "pass")
    m.create(box)
    for raw, idate in msgs:
        typ, _ = m.append(box, None, imaplib.Time2Internaldate(idate), raw)
        assert typ == "OK"
    m.select(box)
    out = []
    for c in COMMANDS:
        m.untagged_responses.clear()
        typ, data = m._simple_command(*(c + " UTF-8 ALL").split(" ", 1))
        typ, data = m._untagged_response(typ, data, c.split(" ")[0])
        out.append((data[0] or b"").decode().strip() if data and data[0] else "")
    m.logout()
    return out


def main():
    builddir = sys.argv[1]
    seeds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    n = int(sys.argv[3]) if len(sys.argv) > 3 else 200
    tmp = tempfile.mkdtemp(prefix="xcheck-sort-")
    driver = os.path.join(tmp, "xcheck")
    subprocess.run(["cc", "-O1", "-I" + builddir, "-I" + SRC + "/common",
                    "-I" + SRC + "/server/imap", SRC + "/tests/unit/xcheck_imap_sort.c",
                    builddir + "/server/imap/libbalimap.a", builddir + "/common/libbalcommon.a",
                    "-o", driver], check=True)
    pid = start_dovecot(tmp)
    bad = 0
    try:
        for seed in range(1, seeds + 1):
            msgs = corpus(seed, n)
            d = os.path.join(tmp, "c%d" % seed)
            os.makedirs(d)
            for i, (raw, _) in enumerate(msgs):
                with open(os.path.join(d, "m%04d" % i), "wb") as f:
                    f.write(raw)
            with open(os.path.join(d, "dates.txt"), "w") as f:
                f.write("".join("%d\n" % x[1] for x in msgs))
            want = dovecot_answers(msgs, "c%d" % seed)
            got = subprocess.run([driver, d] + COMMANDS, capture_output=True, text=True,
                                 check=True).stdout.splitlines()
            for c, w, g in zip(COMMANDS, want, got):
                g = g.split(" => ", 1)[1].strip()
                if w != g:
                    bad += 1
                    print("seed %d %s:\n  dovecot %s\n  balise  %s" % (seed, c, w, g))
            print("seed %d: %d messages, %d commands compared" % (seed, n, len(COMMANDS)))
    finally:
        stop_dovecot(pid)
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (seeds * len(COMMANDS) - bad, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())

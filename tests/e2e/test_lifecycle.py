#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# The BAL lifecycle end to end, on the real balised and balisectl:
#   - Sent purge (CNIL): balisectl bal purge-sent removes only Sent messages
#     older than the limit, credits the quota, and an IMAP session with Sent
#     selected sees EXPUNGE; balised's job purges by the BAL's retention.
#   - Real deletion: a purged message's unique marker is on the disk until
#     balisectl store compact (refused while balised runs), then nowhere.
#   - Deletion requests (EX_GBM_6021): an RPPS that is not the holder is
#     refused; create sends a French acknowledgement read over IMAP; list,
#     reject (state restored), approve (BAL deleted, address retired for
#     other holders, its mail wiped by compact).
#   - Inactivity (CNIL): balisectl bal inactivity-run --now (the job's code
#     with a set clock) warns in French, an IMAP login cancels the action,
#     a BAL without login is suspended; bal inactive lists them.
import datetime
import email
import email.header
import imaplib
import json
import os
import re
import subprocess
import sys
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
PW = "pw-secret"
DAY = 86400
OTHER_RPPS = "10000001015"  # valid Luhn, not the harness holder
check = harness.check

LIFECYCLE_CONF = """
[inactivity]
warn_after = 10d
notice = 5d
action = suspend
"""


def new_balise():
    b = harness.Balise()
    with open(b.conf, "a") as f:
        f.write(LIFECYCLE_CONF)
    return b


def restart(b):
    """Starts balised again and waits for this run's ready line."""
    n = b.output().count("ready pid=")
    b.start()
    deadline = time.monotonic() + harness.START_TIMEOUT
    while b.output().count("ready pid=") <= n and time.monotonic() < deadline:
        time.sleep(0.05)
    check(b.output().count("ready pid=") > n, "balised restarted:\n" + b.output())


def login(b, addr):
    c = imaplib.IMAP4_SSL("127.0.0.1", b.imaps_port, ssl_context=b.tls_context(),
                          timeout=IO_TIMEOUT)
    c.login(addr, PW)
    return c


def msg(subject, body, to="someone@elsewhere.example"):
    return ("From: <x@test.example>\r\nTo: <%s>\r\nSubject: %s\r\n"
            "Message-ID: <%s@test.example>\r\n\r\n%s\r\n" % (to, subject, uuid.uuid4(), body)
            ).encode()


def append(c, box, data, days_ago):
    when = time.time() - days_ago * DAY
    typ, d = c.append(box, None, imaplib.Time2Internaldate(when), data)
    check(typ == "OK", "APPEND %s: %s %r" % (box, typ, d))


def count(c, box):
    typ, data = c.status(box, "(MESSAGES)")
    check(typ == "OK", "STATUS %s: %s" % (box, typ))
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


def usage(b, addr):
    j = json.loads(b.ctl("bal", "show", addr, "--json"))
    return j["used_bytes"], j["used_messages"]


def ctl_rc(b, *args, stdin=None):
    r = subprocess.run([harness.BALISECTL, "-c", b.conf, *args], input=stdin,
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def grep_dir(d, marker):
    """Files under d whose bytes hold marker."""
    hits = []
    for root, _, files in os.walk(d):
        for f in files:
            with open(os.path.join(root, f), "rb") as fh:
                if marker.encode() in fh.read():
                    hits.append(f)
    return hits


def subject(m):
    return str(email.header.make_header(email.header.decode_header(m["Subject"])))


def notices(c, needle):
    """Messages of INBOX from the postmaster whose Subject holds needle."""
    c.select("INBOX", readonly=True)
    typ, data = c.uid("SEARCH", None, "FROM", "postmaster")
    check(typ == "OK", "SEARCH: %s" % typ)
    out = []
    for uid in data[0].split():
        typ, d = c.uid("FETCH", uid, "(BODY.PEEK[])")
        m = email.message_from_bytes(d[0][1])
        if needle in subject(m):
            out.append(m)
    return out


def text(m):
    return m.get_payload(decode=True).decode(m.get_content_charset())


# ---------------------------------------------------------------- Sent purge


def test_purge_sent():
    with new_balise() as b:
        addr = b.add_bal("alice", PW)
        b.start()
        c = login(b, addr)
        append(c, "Sent", msg("old 1", "a" * 300), 40)
        append(c, "Sent", msg("old 2", "b" * 300), 31)
        append(c, "Sent", msg("recent", "c" * 300), 5)
        append(c, "INBOX", msg("old inbox", "d" * 300), 90)
        before = usage(b, addr)
        typ, _ = c.select("Sent")
        check(typ == "OK", "SELECT Sent")
        out = b.ctl("bal", "purge-sent", addr, "--older-than", "30", "--dry-run")
        check("would purge 2 messages" in out, "dry run: %r" % out)
        check(count(c, "Sent") == 3, "dry run changed nothing")
        out = b.ctl("bal", "purge-sent", addr, "--older-than", "30")
        check("purged 2 messages" in out, "purge: %r" % out)
        m = re.search(r"\((\d+) bytes\)", out)
        purged_bytes = int(m.group(1))
        # the selected session learns of the expunges from balisectl's commit
        seen = []
        for _ in range(10):
            c.noop()
            seen += c.response("EXPUNGE")[1] or []
            if len([x for x in seen if x]) >= 2:
                break
            time.sleep(0.5)
        check(len([x for x in seen if x]) == 2, "EXPUNGE seen by the Sent session: %r" % seen)
        check(count(c, "Sent") == 1, "one Sent message left")
        check(count(c, "INBOX") == 1, "INBOX untouched")
        after = usage(b, addr)
        check(after[0] == before[0] - purged_bytes and after[1] == before[1] - 2,
              "quota credited: %r -> %r (%d bytes)" % (before, after, purged_bytes))
        c.logout()
        check("audit event=sent-purge" in ctl_rc(b, "bal", "purge-sent", addr,
                                                 "--older-than", "30")[2], "purge traced")
        rc, _, err = ctl_rc(b, "bal", "purge-sent", addr)
        check(rc == 1 and "no Sent retention" in err, "no retention, no days: %r" % err)
        b.ctl("store", "check")


def test_purge_seen_by_idle():
    # an IDLE session on Sent gets the EXPUNGE of balisectl's purge from the
    # 2 s poll, without sending a command
    with new_balise() as b:
        addr = b.add_bal("ida", PW)
        b.start()
        c = login(b, addr)
        append(c, "Sent", msg("old", "o" * 100), 40)
        append(c, "Sent", msg("new", "n" * 100), 1)
        c.select("Sent")
        c.send(b"I1 IDLE\r\n")
        check(c.readline().startswith(b"+"), "IDLE continuation")
        b.ctl("bal", "purge-sent", addr, "--older-than", "30")
        lines = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            line = c.readline()
            lines.append(line)
            if re.match(rb"\* 1 EXPUNGE", line):
                break
        check(re.match(rb"\* 1 EXPUNGE", lines[-1]), "EXPUNGE during IDLE: %r" % lines)
        c.send(b"DONE\r\n")
        while not c.readline().startswith(b"I1 "):
            pass
        c.logout()


def test_purge_job_in_balised():
    with new_balise() as b:
        addr = b.add_bal("bob", PW)
        b.start()
        c = login(b, addr)
        append(c, "Sent", msg("old", "x" * 100), 20)
        append(c, "Sent", msg("new", "y" * 100), 2)
        c.logout()
        b.stop()
        b.ctl("bal", "set", addr, "--sent-retention", "10")
        j = json.loads(b.ctl("bal", "show", addr, "--json"))
        check(j.get("sent_retention") == 10, "retention shown: %r" % j.get("sent_retention"))
        restart(b)  # the job runs at start
        check(b.wait_log("lifecycle run sent_bals=1 sent_messages=1"), "job ran:\n" + b.output())
        check("audit event=sent-purge by=balised(job)" in b.output(), "job traced")
        c = login(b, addr)
        check(count(c, "Sent") == 1, "the job left the recent message")
        c.logout()


# ---------------------------------------------------------------- real deletion


def test_marker_wiped_by_compact():
    marker = "MARKER-" + uuid.uuid4().hex
    with new_balise() as b:
        addr = b.add_bal("carol", PW)
        b.start()
        c = login(b, addr)
        # messages that stay keep the marker's pages alive: deleting a record
        # from a live page leaves its bytes in the page's free gap
        append(c, "INBOX", msg("keep 1", "kept " + "k" * 200), 1)
        append(c, "Sent", msg("secret", "patient data " + marker), 60)
        c.logout()
        rc, _, err = ctl_rc(b, "store", "compact")
        check(rc == 1 and "stop balised" in err, "compact refused while balised runs: %r" % err)
        b.stop()
        data = os.path.join(b.tmp, "data")
        check(grep_dir(data, marker), "the marker is on the disk before the purge")
        b.ctl("bal", "purge-sent", addr, "--older-than", "30")
        check(grep_dir(data, marker), "deleting is not wiping: still on the disk")
        out = b.ctl("store", "compact")
        check("compacted" in out, "compact: %r" % out)
        check(grep_dir(data, marker) == [], "marker wiped: %r" % grep_dir(data, marker))
        check(sorted(os.listdir(data)) == ["data.mdb", "lock.mdb"], "no file left aside")
        b.ctl("store", "check")
        restart(b)  # the compacted store serves again
        c = login(b, addr)
        check(count(c, "INBOX") == 1 and count(c, "Sent") == 0, "store usable after compact")
        c.select("INBOX", readonly=True)
        typ, d = c.fetch("1", "(BODY.PEEK[TEXT])")
        check(typ == "OK" and b"kept kkk" in d[0][1], "the kept message reads back")
        c.logout()


# ---------------------------------------------------------------- deletion requests


def test_deletion_request_refused_for_other_rpps():
    with new_balise() as b:
        addr = b.add_bal("dave", PW)
        rc, _, err = ctl_rc(b, "deletion-request", "create", addr, "--requested-by", OTHER_RPPS,
                            "--reason", "depart")
        check(rc == 1 and "not the holder" in err, "other RPPS refused: %d %r" % (rc, err))
        check(json.loads(b.ctl("deletion-request", "list", "--json")) == [], "nothing recorded")
        check(json.loads(b.ctl("bal", "show", addr, "--json"))["state"] == "active",
              "BAL still active")


def test_deletion_request_ack_reject_approve():
    marker = "MARKER-" + uuid.uuid4().hex
    with new_balise() as b:
        addr = b.add_bal("erin", PW)
        b.start()
        c = login(b, addr)
        append(c, "INBOX", msg("dossier", "compte rendu " + marker), 1)
        c.logout()
        rpps = harness.HOLDER[1:]  # the 11-digit RPPS of the holder idNat
        out = b.ctl("deletion-request", "create", addr, "--requested-by", rpps,
                    "--reason", "Départ de la structure", "--contact", "erin@ailleurs.example")
        check("deletion request 1 recorded" in out and "queued" in out, "create: %r" % out)
        rc, _, err = ctl_rc(b, "deletion-request", "create", addr, "--requested-by", rpps,
                            "--reason", "again")
        check(rc == 1 and "already pending" in err, "one pending request: %r" % err)
        lst = json.loads(b.ctl("deletion-request", "list", "--json"))
        check(len(lst) == 1 and lst[0]["state"] == "pending" and
              lst[0]["requested_by"] == harness.HOLDER, "list: %r" % lst)
        check("TO DO" in b.ctl("queue", "list") and "<>" in b.ctl("queue", "list"),
              "acknowledgement queued to the contact")
        # the acknowledgement, in French, read over IMAP
        c = login(b, addr)
        acks = notices(c, "Accusé de réception")
        check(len(acks) == 1, "one acknowledgement")
        body = text(acks[0])
        check("Bonjour" in body and "suppression de la boîte aux lettres" in body and
              "numéro 1" in body, "French acknowledgement: %r" % body)
        check(acks[0]["Content-Language"] == "fr", "Content-Language fr")
        c.logout()
        out = b.ctl("deletion-request", "reject", "1", "--reason", "demande non signée")
        check("rejected" in out, "reject: %r" % out)
        check(json.loads(b.ctl("bal", "show", addr, "--json"))["state"] == "active",
              "state restored by the rejection")
        rc, _, err = ctl_rc(b, "deletion-request", "approve", "1")
        check(rc == 1 and "already decided" in err, "decided once: %r" % err)
        b.ctl("deletion-request", "create", addr, "--requested-by", harness.HOLDER,
              "--reason", "Départ confirmé")
        out = b.ctl("deletion-request", "approve", "2")
        check("approved" in out and "store compact" in out, "approve: %r" % out)
        lst = json.loads(b.ctl("deletion-request", "list", "--json"))
        check([r["state"] for r in lst] == ["rejected", "approved"], "states: %r" % lst)
        rc, _, _ = ctl_rc(b, "bal", "show", addr)
        check(rc == 1, "BAL gone")
        rc, _, err = ctl_rc(b, "bal", "create", addr, "--type", "PER", "--holder-type", "8",
                            "--holder", "8" + OTHER_RPPS)
        check(rc == 1 and "retired" in err, "address never given to another holder: %r" % err)
        b.stop()
        data = os.path.join(b.tmp, "data")
        check(grep_dir(data, marker), "mail still on the disk before compact")
        b.ctl("store", "compact")
        check(grep_dir(data, marker) == [], "the deleted BAL's mail is wiped")


# ---------------------------------------------------------------- inactivity


def day(offset):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=offset)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def state(b, addr):
    return json.loads(b.ctl("bal", "show", addr, "--json"))["state"]


def test_inactivity_warning_and_login_cancels():
    with new_balise() as b:
        a = b.add_bal("frank", PW)
        z = b.add_bal("zoe", PW)
        out = b.ctl("bal", "inactivity-run", "--now", day(3))
        check("0 warned" in out, "nobody warned before warn_after: %r" % out)
        out = b.ctl("bal", "inactivity-run", "--now", day(11))
        check("2 warned" in out, "both warned after 10 days: %r" % out)
        out = b.ctl("bal", "inactivity-run", "--now", day(12))
        check("0 warned, 0 suspended" in out, "a warning is sent once: %r" % out)
        inactive = json.loads(b.ctl("bal", "inactive", "--days", "0", "--json"))
        check(sorted(x["address"] for x in inactive) == [a, z] and
              all(x["warned"] != "never" for x in inactive), "bal inactive: %r" % inactive)
        b.start()
        c = login(b, a)  # counts as objection
        warn = notices(c, "inactive")
        check(len(warn) == 1, "one French warning in the INBOX")
        body = text(warn[0])
        check("aucune connexion" in body and "suspendue" in body and
              "annule cet avertissement" in body, "French warning: %r" % body)
        c.logout()
        check(b.wait_log("auth ok"), "login logged")
        for _ in range(100):  # the login's write is queued, not waited for
            j = json.loads(b.ctl("bal", "show", a, "--json"))
            if j.get("last_login") not in (None, "never"):
                break
            time.sleep(0.05)
        check(j.get("last_login") not in (None, "never"), "last login recorded: %r" % j)
        b.stop()
        rc, out, err = ctl_rc(b, "bal", "inactivity-run", "--now", day(17))
        check(rc == 0 and "1 suspended" in out, "the BAL without login is suspended: %r" % out)
        check("audit event=inactivity-suspend" in err, "suspension traced: %r" % err)
        check(state(b, z) == "suspended", "zoe suspended")
        check(state(b, a) == "active", "frank's login cancelled the suspension")


def test_inactivity_default_never_deletes():
    with harness.Balise() as b:  # default policy: warn only
        a = b.add_bal("gus", PW)
        out = b.ctl("bal", "inactivity-run", "--now", day(400))
        check("1 warned" in out and "action none" in out, "default warns: %r" % out)
        out = b.ctl("bal", "inactivity-run", "--now", day(800))
        check("0 suspended, 0 due" in out, "never more than a warning: %r" % out)
        check(state(b, a) == "active", "still active")


if __name__ == "__main__":
    ONLY = set(sys.argv[1:])  # test names to run, for a quick check; all by default
    sys.exit(harness.run_tests([t for t in [
        test_purge_sent,
        test_purge_seen_by_idle,
        test_purge_job_in_balised,
        test_marker_wiped_by_compact,
        test_deletion_request_refused_for_other_rpps,
        test_deletion_request_ack_reject_approve,
        test_inactivity_warning_and_login_cancels,
        test_inactivity_default_never_deletes,
    ] if not ONLY or t.__name__ in ONLY]))

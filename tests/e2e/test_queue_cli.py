#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# balisectl queue list|show|retry|delete end to end on a temporary store.
# Nothing in balised fills the queue yet, so tests/e2e/queue_inject (built
# for make check, linked with libbalstore) adds the entries. Stdlib only.
import calendar
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD, check, run_tests  # noqa: E402

CTL = os.path.join(BUILD, "admin", "balisectl")
INJECT = os.path.join(BUILD, "tests", "e2e", "queue_inject")
TIMEOUT = 60  # sanitizer builds are slow
RPPS = "810001234565"
T0 = 1764590400  # 2025-12-01T12:00:00Z

CONF = """\
# written by test_queue_cli.py
[server]
hostname = mx.test.invalid
data_dir = {data_dir}

[storage]
map_size = 16M
map_size_max = 256M
"""

# NOTIFY bits (storage/balstore.h, enum store_qnotify)
NEVER, SUCCESS, FAILURE, DELAY = 1, 2, 4, 8


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def unix(s):
    return calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))


class Env:
    """A temporary store, balisectl on it, and queue_inject to fill it."""

    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="balise-queue-")
        self.data = os.path.join(self.tmp.name, "data")
        self.conf = os.path.join(self.tmp.name, "balise.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(data_dir=self.data))

    def run(self, *args):
        p = subprocess.run([CTL, "-c", self.conf] + list(args), stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def ok(self, *args):
        rc, out, err = self.run(*args)
        check(rc == 0, "%s: exit %d, stderr %r" % (" ".join(args), rc, err))
        return out

    def expect(self, code, *args, says=()):
        rc, out, err = self.run(*args)
        check(rc == code, "%s: exit %d, expected %d; stderr %r" % (" ".join(args), rc, code, err))
        check(err.startswith("balisectl: "), "stderr %r does not start with balisectl:" % err)
        for s in says:
            check(s in err, "%s: stderr %r lacks %r" % (" ".join(args), err, s))
        if code == 2:
            check("usage: balisectl" in err, "no usage line in %r" % err)
        return out, err

    def json(self, *args):
        return json.loads(self.ok(*(args + ("--json",))))

    def inject(self, *args, code=0):
        """Adds one entry; returns (queue id, blob id)."""
        p = subprocess.run([INJECT, self.data] + [str(a) for a in args], capture_output=True,
                           text=True, timeout=TIMEOUT)
        check(p.returncode == code, "queue_inject %r: exit %d: %s" % (args, p.returncode, p.stderr))
        if code != 0:
            return p.stderr
        qid, blob = p.stdout.split()
        return int(qid), int(blob)

    def refs(self, blob):
        p = subprocess.run([INJECT, self.data, "--refs", str(blob)], capture_output=True,
                           text=True, timeout=TIMEOUT)
        check(p.returncode == 0, "queue_inject --refs: %s" % p.stderr)
        return p.stdout.strip()

    def store_ok(self):
        out = self.ok("store", "check")
        check(out.startswith("store OK"), "store check: %r" % out)

    def close(self):
        self.tmp.cleanup()


def with_env(fn):
    def wrapped():
        env = Env()
        try:
            fn(env)
        finally:
            env.close()
    wrapped.__name__ = fn.__name__
    return wrapped


@with_env
def test_empty_and_usage(env):
    check(env.json("queue", "list") == [], "a new store has a queue")
    out = env.ok("queue", "list")
    check(out.split("\n")[0].split()[:2] == ["ID", "ARRIVAL"] and len(out.splitlines()) == 1,
          "empty table %r" % out)
    for verb in ("show", "retry", "delete"):
        env.expect(1, "queue", verb, "42", says=("queue entry 42: no such entry",))
    check(env.ok("queue", "retry", "--all") == "0 queue entries due now\n", "retry --all empty")
    env.expect(2, "queue", "show", "abc", says=('expected a queue id', '"abc"'))
    env.expect(2, "queue", "show", "0", says=("positive",))
    env.expect(2, "queue", "delete", "-1")
    env.expect(2, "queue", "delete", says=("missing ID",))
    env.expect(2, "queue", "retry", says=("missing ID (or --all)",))
    env.expect(2, "queue", "retry", "1", "--all", says=("not both",))
    env.expect(2, "queue", "list", "7", says=("unexpected argument",))
    env.expect(2, "queue", "purge", says=('unknown verb "purge"',))
    out = env.ok("help", "queue")
    for verb in ("list", "show", "retry", "delete"):
        check("queue " + verb in out, "help queue lacks %s: %r" % (verb, out))
    check("queue list" in env.ok("--help"), "--help lacks the queue verbs")


@with_env
def test_list_and_show(env):
    env.ok("domain", "add", "example.test")
    env.ok("bal", "create", "dr.martin@example.test", "--type", "PER", "--holder-type", "8",
           "--holder", RPPS)
    bal = env.json("bal", "show", "dr.martin@example.test")["id"]
    a, blob_a = env.inject("--bal", bal, "--envid", "QX-1", "--ret", "FULL",
                           "--arrival", T0, "--next", T0 + 60, "--expires", T0 + 86400,
                           "--rcpt", "dest@other.test", "--notify", SUCCESS | FAILURE,
                           "--orcpt", "rfc822", "Dest@Other.test",
                           "--rcpt", "second@other.test")
    b, _ = env.inject("--from", "", "--bal", 0, "--arrival", T0 + 10, "--next", T0 + 7200,
                      "--rcpt", "postmaster@other.test", "--notify", NEVER)
    c, _ = env.inject("--arrival", T0 + 20, "--rcpt", "x@third.test", "--rcpt", "y@third.test",
                      "--attempt", 0, "delivered", 250, "2.0.0", "Ok: queued", "mx.third.test",
                      "--attempt", 1, "pending", 451, "4.3.0", "Try later", "mx.third.test")
    check((a, b, c) == (1, 2, 3), "ids %r" % ((a, b, c),))

    rows = env.json("queue", "list")
    check([r["id"] for r in rows] == [a, b, c], "list order %r" % rows)
    ra, rb, rc = rows
    check(ra["return_path"] == "dr.martin@example.test" and rb["return_path"] == "",
          "return paths %r %r" % (ra, rb))
    check(ra["arrival"] == iso(T0) and ra["next_attempt"] == iso(T0 + 60) and
          ra["expires"] == iso(T0 + 86400), "times %r" % ra)
    check(rb["expires"] == iso(T0 + 10 + 5 * 86400), "default expiry %r" % rb)
    check(ra["size"] > 50 and ra["attempts"] == 0, "size/attempts %r" % ra)
    check(ra["recipients"] == [{"address": "dest@other.test", "state": "pending"},
                               {"address": "second@other.test", "state": "pending"}],
          "recipients %r" % ra["recipients"])
    check(rc["attempts"] == 1 and rc["next_attempt"] == iso(T0 + 20 + 3600), "attempt %r" % rc)
    check([r["state"] for r in rc["recipients"]] == ["delivered", "pending"], "states %r" % rc)

    lines = env.ok("queue", "list").splitlines()
    check(len(lines) == 4 and lines[0].split()[0] == "ID", "table %r" % lines)
    check(lines[1].split()[0] == "1" and lines[1].endswith("<dr.martin@example.test>") and
          iso(T0) in lines[1] and " 0/2 " not in lines[1] and " 2/2 " in lines[1],
          "row a %r" % lines[1])
    check(lines[2].endswith("<>"), "null sender row %r" % lines[2])
    check(" 1/2 " in lines[3], "to-do count %r" % lines[3])

    e = env.json("queue", "show", str(a))
    check(e["id"] == a and e["envid"] == "QX-1" and e["ret"] == "FULL", "dsn %r" % e)
    check(e["bal_id"] == bal and e["bal"] == "dr.martin@example.test", "bal %r" % e)
    check(e["blob_id"] == blob_a and e["size"] == ra["size"], "blob %r" % e)
    r0, r1 = e["recipients"]
    check(r0["orcpt_type"] == "rfc822" and r0["orcpt"] == "Dest@Other.test", "orcpt %r" % r0)
    check(r0["notify"] == "SUCCESS,FAILURE" and r1["notify"] is None, "notify %r" % e)
    check(r0["last_attempt"] is None and r0["last_reply"] is None and r0["attempts"] == 0,
          "no attempt %r" % r0)
    e = env.json("queue", "show", str(b))
    check(e["bal"] is None and e["bal_id"] == 0 and e["envid"] is None and e["ret"] is None,
          "from another operator %r" % e)
    check(e["recipients"][0]["notify"] == "NEVER", "NEVER %r" % e)
    e = env.json("queue", "show", str(c))
    r0, r1 = e["recipients"]
    check(r0["last_reply"] == {"code": 250, "enhanced": "2.0.0", "text": "Ok: queued",
                               "host": "mx.third.test"}, "reply %r" % r0)
    check(r1["attempts"] == 1 and r1["last_attempt"] == iso(T0 + 20), "attempt %r" % r1)

    out = env.ok("queue", "show", str(a))
    for want in ("id: 1\n", "return path: <dr.martin@example.test>\n", "envid: QX-1\n",
                 "ret: FULL\n", "submitted by: dr.martin@example.test\n",
                 "arrival: %s\n" % iso(T0), "next attempt: %s\n" % iso(T0 + 60),
                 "recipient: dest@other.test\n  state: pending\n  notify: SUCCESS,FAILURE\n"
                 "  orcpt: rfc822;Dest@Other.test\n  attempts: 0 (last: never)\n",
                 "recipient: second@other.test\n  state: pending\n  notify: not given\n"):
        check(want in out, "show a lacks %r: %r" % (want, out))
    out = env.ok("queue", "show", str(b))
    check("return path: <>\n" in out and "submitted by: another operator\n" in out and
          "envid: not given\n" in out and "ret: not given\n" in out, "show b %r" % out)
    out = env.ok("queue", "show", str(c))
    check("  last reply: 451 4.3.0 Try later (from mx.third.test)\n" in out and
          "  state: delivered\n" in out, "show c %r" % out)
    env.ok("bal", "delete", "dr.martin@example.test", "--yes")
    check("submitted by: BAL %d (deleted)\n" % bal in env.ok("queue", "show", str(a)),
          "deleted BAL not said")
    env.store_ok()


def due(env, qid):
    return unix(env.json("queue", "show", str(qid))["next_attempt"])


@with_env
def test_retry(env):
    later = int(time.time()) + 86400
    a, _ = env.inject("--next", later, "--rcpt", "a@other.test")
    b, _ = env.inject("--next", later + 10, "--rcpt", "b@other.test")
    c, _ = env.inject("--next", later + 20, "--rcpt", "c@other.test")
    before = int(time.time())
    check(env.ok("queue", "retry", str(b)) == "queue entry %d: due now\n" % b, "retry text")
    after = int(time.time())
    check(before <= due(env, b) <= after, "retry: next attempt %d" % due(env, b))
    check(due(env, a) == later and due(env, c) == later + 20, "retry touched the others")
    rows = env.json("queue", "list")
    check([r["id"] for r in rows] == [a, b, c], "retry changed the listing %r" % rows)
    check(env.ok("queue", "retry", "--all") == "3 queue entries due now\n", "retry --all text")
    after = int(time.time())
    for q in (a, b, c):
        check(before <= due(env, q) <= after, "retry --all: %d at %d" % (q, due(env, q)))
    env.store_ok()


@with_env
def test_delete(env):
    a, blob = env.inject("--rcpt", "a@other.test", "--rcpt", "b@other.test",
                         "--attempt", 0, "failed", 550, "5.1.1", "No such user", "mx.other.test")
    b, shared = env.inject("--blob", blob, "--rcpt", "c@other.test")
    check(shared == blob and env.refs(blob) == "2", "two entries, one blob: %s" % env.refs(blob))
    env.store_ok()  # the check counts queue references
    rc, out, err = env.run("queue", "delete", str(a))
    check(rc == 0, "delete: %d %r" % (rc, err))
    check(out == "queue entry %d: deleted (1 of 2 recipients not delivered, no bounce sent)\n" % a,
          "delete text %r" % out)
    check("entry deleted by an administrator id=%d return_path=<dr.martin@example.test> "
          "recipients=2 undelivered=1" % a in err, "delete not logged: %r" % err)
    check(env.refs(blob) == "1", "delete did not release the blob: %s" % env.refs(blob))
    check([r["id"] for r in env.json("queue", "list")] == [b], "list after delete")
    env.expect(1, "queue", "show", str(a), says=("queue entry %d: no such entry" % a,))
    env.expect(1, "queue", "delete", str(a), says=("queue entry %d: no such entry" % a,))
    env.store_ok()
    env.ok("queue", "delete", str(b))
    check(env.refs(blob) == "gone", "last reference kept the blob: %s" % env.refs(blob))
    check(env.json("queue", "list") == [], "queue not empty")
    env.store_ok()


@with_env
def test_limits_through_the_store(env):
    err = env.inject("--rcpt", "x" * 250 + "@o.test", code=1)
    check("recipient address longer than 256 bytes" in err, "long address: %r" % err)
    err = env.inject("--rcpt", "a@o.test", "--notify", NEVER | DELAY, code=1)
    check("NOTIFY=NEVER" in err, "NEVER|DELAY: %r" % err)
    err = env.inject("--blob", 99, "--rcpt", "a@o.test", code=1)
    check("not found" in err, "missing blob: %r" % err)
    check(env.json("queue", "list") == [], "a refused entry was stored")
    env.store_ok()


TESTS = [
    test_empty_and_usage,
    test_list_and_show,
    test_retry,
    test_delete,
    test_limits_through_the_store,
]


if __name__ == "__main__":
    for prog in (CTL, INJECT):
        if not os.access(prog, os.X_OK):
            print("FAIL: %s not built" % prog)
            sys.exit(1)
    sys.exit(run_tests(TESTS))

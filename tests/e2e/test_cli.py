#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# balisectl end to end on a temporary store: every verb, exit codes (0 done,
# 1 refused, 2 usage), the messages on stderr, and --json. Stdlib only.
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import termios
import time

BUILDDIR = os.environ.get("BALISE_BUILDDIR", os.getcwd())
CTL = os.path.join(BUILDDIR, "admin", "balisectl")
BALISED = os.path.join(BUILDDIR, "server", "balised")
TIMEOUT = 60  # sanitizer builds are slow

CONF = """\
# written by test_cli.py
[server]
hostname = mx.test.invalid
data_dir = {data_dir}
{extra}
[storage]
map_size = 16M
map_size_max = 256M

[auth]
argon2_t_cost = 1
argon2_m_cost = 64
"""

MAILBOXES = {"INBOX", "Sent", "Drafts", "Trash", "Junk"}


def luhn_key(digits):
    """The check digit that makes digits + key pass the Luhn test."""
    total = 0
    for i, c in enumerate(reversed(digits)):
        d = int(c)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def with_key(digits):
    return digits + luhn_key(digits)


def bad_key(digits):
    return digits + str((int(luhn_key(digits)) + 1) % 10)


RPPS_A = "810001234565"  # given by the brief: 10001234565 is Luhn-valid
RPPS_B = "8" + with_key("1000765432")
RPPS_C = "8" + with_key("1000543210")
ADELI = "0751234567"
FINESS = "1" + with_key("75000123")
SIRET = "3" + with_key(with_key("99900012") + "0001")
RPPS_BAD = "8" + bad_key("1000123456")


class Env:
    """A temporary directory with a configuration and a store."""

    def __init__(self, extra=""):
        self.tmp = tempfile.TemporaryDirectory(prefix="balise-cli-")
        self.dir = self.tmp.name
        self.conf = os.path.join(self.dir, "balise.conf")
        self.write_conf(extra)

    def write_conf(self, extra="", text=None):
        with open(self.conf, "w") as f:
            f.write(text if text is not None else
                    CONF.format(data_dir=os.path.join(self.dir, "data"), extra=extra))

    def run(self, *args, stdin=None, conf=True):
        argv = [CTL] + (["-c", self.conf] if conf else []) + list(args)
        p = subprocess.run(argv, input=stdin.encode() if stdin is not None else None,
                           stdin=None if stdin is not None else subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=TIMEOUT)
        return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")

    def ok(self, *args, stdin=None):
        rc, out, err = self.run(*args, stdin=stdin)
        check(rc == 0, "%s: exit %d, stderr %r" % (" ".join(args), rc, err))
        return out

    def refused(self, *args, stdin=None, says=()):
        return self.expect(1, args, stdin, says)

    def usage(self, *args, stdin=None, says=()):
        rc, out, err = self.expect(2, args, stdin, says)
        check("usage: balisectl" in err, "no usage line in %r" % err)
        return rc, out, err

    def expect(self, code, args, stdin, says):
        rc, out, err = self.run(*args, stdin=stdin)
        check(rc == code, "%s: exit %d, expected %d; stderr %r" % (" ".join(args), rc, code, err))
        for s in says:
            check(s in err, "%s: stderr %r lacks %r" % (" ".join(args), err, s))
        check(err.startswith("balisectl: "), "stderr %r does not start with balisectl:" % err)
        return rc, out, err

    def json(self, *args):
        out = self.ok(*(args + ("--json",)))
        return json.loads(out)

    def domain(self, name="example.test"):
        self.ok("domain", "add", name)

    def per(self, addr, holder=RPPS_A, *more, stdin=None):
        return self.ok("bal", "create", addr, "--type", "PER", "--holder-type", "8",
                       "--holder", holder, *more, stdin=stdin)

    def close(self):
        self.tmp.cleanup()


class Failure(Exception):
    pass


def check(cond, msg):
    if not cond:
        raise Failure(msg)


def with_env(fn):
    def wrapped():
        env = Env()
        try:
            fn(env)
        finally:
            env.close()
    wrapped.__name__ = fn.__name__
    return wrapped


def run_tty(env, args, answers):
    """Runs balisectl with a pseudo-terminal as stdin and stderr, answering
    each prompt once it shows; returns (exit code, stdout, terminal output)."""
    master, slave = os.openpty()
    p = subprocess.Popen([CTL, "-c", env.conf] + list(args), stdin=slave, stderr=slave,
                         stdout=subprocess.PIPE)
    os.close(slave)
    seen, cursor = b"", 0
    try:
        for prompt, answer in answers:
            deadline = time.monotonic() + TIMEOUT
            while seen.find(prompt, cursor) < 0:
                check(time.monotonic() < deadline, "no prompt %r in %r" % (prompt, seen))
                if select.select([master], [], [], 0.1)[0]:
                    try:
                        seen += os.read(master, 4096)
                    except OSError:
                        break
            check(seen.find(prompt, cursor) >= 0, "no prompt %r in %r" % (prompt, seen))
            cursor = seen.find(prompt, cursor) + len(prompt)
            os.write(master, answer)
        out, _ = p.communicate(timeout=TIMEOUT)
        while select.select([master], [], [], 0.1)[0]:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
    return p.returncode, out.decode(), seen.decode("utf-8", "replace")


# ---------------------------------------------------------------- tests

@with_env
def test_help_and_version(env):
    for args in (["--help"], ["-h"], ["help"]):
        rc, out, _ = env.run(*args, conf=False)
        check(rc == 0 and "bal create" in out and "domain add" in out, "%s: %r" % (args, out))
        check("1G" in out, "--help does not document the default quota")
    rc, out, _ = env.run("--version", conf=False)
    check(rc == 0 and out.startswith("balisectl"), "--version: %r" % out)
    rc, out, _ = env.run("bal", "create", "--help")
    check(rc == 0 and "--holder-type" in out and "--password-stdin" in out, "bal create --help")
    rc, out, _ = env.run("help", "bal", "set", conf=False)
    check(rc == 0 and "--state" in out, "help bal set: %r" % out)


@with_env
def test_usage_errors(env):
    env.domain()
    env.usage(says=["missing command"])
    env.usage("frobnicate", says=['unknown command "frobnicate"'])
    env.usage("bal", says=["missing verb"])
    env.usage("bal", "explode", "x@example.test", says=['unknown verb "explode"'])
    env.usage("bal", "show", says=["missing ADDRESS"])
    env.usage("bal", "show", "a@example.test", "b@example.test", says=["unexpected extra argument"])
    env.usage("domain", "list", "extra", says=['unexpected argument "extra"'])
    env.usage("bal", "show", "a@example.test", "--frob", says=["unknown option --frob"])
    env.usage("bal", "create", "a@example.test", "--holder-type", "8", "--holder", RPPS_A,
              says=["bal create: missing --type"])
    env.usage("bal", "create", "a@example.test", "--type", "XYZ", "--holder-type", "8",
              "--holder", RPPS_A, says=['--type: expected PER, ORG, CAB or APP, got "XYZ"'])
    env.usage("bal", "create", "a@example.test", "--type", "PER", "--holder-type", "x",
              "--holder", RPPS_A,
              says=['balisectl: bal create: --holder-type: expected a number, got "x"'])
    env.usage("bal", "create", "a@example.test", "--type", "PER", "--holder-type", "8",
              says=["missing --holder"])
    env.usage("bal", "create", "a@example.test", "--type", "PER", "--holder-type", "8",
              "--holder", RPPS_A, "--quota", "12X", says=["--quota", '"12X"'])
    env.usage("bal", "create", "a@example.test", "--type", "PER", "--type", "ORG",
              "--holder-type", "8", "--holder", RPPS_A, says=["--type given twice"])
    env.usage("bal", "create", "a@example.test", "--type", says=["--type: missing value"])
    env.usage("bal", "list", "--json=yes", says=["--json takes no value"])
    # nothing was created by any of these
    check(env.json("bal", "list") == [], "a usage error created something")


@with_env
def test_missing_config(env):
    rc, _, err = env.run("-c", os.path.join(env.dir, "nope.conf"), "domain", "list", conf=False)
    check(rc == 1 and "nope.conf" in err, "missing config: %d %r" % (rc, err))
    os.environ["BALISE_CONF"] = env.conf
    try:
        rc, out, err = env.run("domain", "list", "--json", conf=False)
    finally:
        del os.environ["BALISE_CONF"]
    check(rc == 0 and json.loads(out) == [], "BALISE_CONF not used: %d %r" % (rc, err))


@with_env
def test_domains(env):
    check(env.json("domain", "list") == [], "new store has domains")
    env.ok("domain", "add", "example.test")
    env.ok("domain", "add", "other.test")
    env.refused("domain", "add", "example.test", says=["example.test"])
    for bad, why in (("a..test", "label is empty"), ("a.-b.test", "starts with a hyphen"),
                     ("a-.test", "ends with a hyphen"), ("a_b.test", "only letters"),
                     ("x" * 64 + ".test", "longer than 63")):
        env.refused("domain", "add", bad, says=["not a valid domain name", why])
    doms = env.json("domain", "list")
    check(isinstance(doms, list) and all(isinstance(d, dict) for d in doms), "list shape %r" % doms)
    check(sorted(d["domain"] for d in doms) == ["example.test", "other.test"], "domains %r" % doms)
    env.per("dr.a@example.test")
    counts = {d["domain"]: d["bals"] for d in env.json("domain", "list")}
    check(counts == {"example.test": 1, "other.test": 0}, "counts %r" % counts)
    out = env.ok("domain", "list")
    check(out.splitlines()[0].split() == ["DOMAIN", "BALS"], "table header %r" % out)
    env.refused("domain", "remove", "example.test", says=["example.test"])
    env.ok("domain", "remove", "other.test")
    env.refused("domain", "remove", "other.test")
    env.ok("bal", "delete", "dr.a@example.test", "--yes")
    env.ok("domain", "remove", "example.test")
    check(env.json("domain", "list") == [], "domains left")


@with_env
def test_create_each_type(env):
    env.domain()
    env.per("per.rpps@example.test", RPPS_A)
    env.ok("bal", "create", "per.adeli@example.test", "--type", "PER", "--holder-type", "0",
           "--holder", ADELI)
    env.ok("bal", "create", "org@example.test", "--type", "ORG", "--holder-type", "1",
           "--holder", FINESS, "--name", "Service de cardiologie")
    env.ok("bal", "create", "app@example.test", "--type", "app", "--holder-type", "3",
           "--holder", SIRET)
    env.ok("bal", "create", "cab@example.test", "--type", "CAB", "--holder-type", "8",
           "--holder", RPPS_B, "--co-holder", RPPS_C, "--co-holder", RPPS_A)
    bals = {b["address"]: b for b in env.json("bal", "list")}
    expect = {"per.rpps@example.test": ("PER", 8, RPPS_A),
              "per.adeli@example.test": ("PER", 0, ADELI),
              "org@example.test": ("ORG", 1, FINESS),
              "app@example.test": ("APP", 3, SIRET),
              "cab@example.test": ("CAB", 8, RPPS_B)}
    check(set(bals) == set(expect), "list %r" % sorted(bals))
    for addr, (typ, ht, holder) in expect.items():
        b = bals[addr]
        check((b["type"], b["holder_type"], b["holder"]) == (typ, ht, holder), "%s: %r" % (addr, b))
        check(b["state"] == "active" and b["quota_bytes"] == 1 << 30, "%s defaults %r" % (addr, b))
    check(bals["cab@example.test"]["co_holders"] == [RPPS_C, RPPS_A], "co-holders")
    check(bals["org@example.test"]["display_name"] == "Service de cardiologie", "name")
    only_per = env.json("bal", "list", "--type", "per")
    check(sorted(b["address"] for b in only_per) == ["per.adeli@example.test",
                                                     "per.rpps@example.test"], "--type filter")


@with_env
def test_create_refusals(env):
    env.domain()
    base = ["bal", "create", "x@example.test"]
    env.refused(*base, "--type", "PER", "--holder-type", "10", "--holder", "x@example.test",
                says=["balisectl: bal create: ", "EX_GBM_4312"])
    env.refused(*base, "--type", "PER", "--holder-type", "8", "--holder", RPPS_BAD)
    env.refused(*base, "--type", "PER", "--holder-type", "0", "--holder", RPPS_A)
    env.refused(*base, "--type", "PER", "--holder-type", "8", "--holder", "8123")
    env.refused(*base, "--type", "ORG", "--holder-type", "8", "--holder", RPPS_A)
    env.refused(*base, "--type", "ORG", "--holder-type", "1", "--holder", "1" + bad_key("75000123"))
    env.refused(*base, "--type", "APP", "--holder-type", "3", "--holder", "3" + bad_key("9990001200001"))
    env.refused(*base, "--type", "CAB", "--holder-type", "1", "--holder", FINESS)
    env.refused("bal", "create", "not-an-address", "--type", "PER", "--holder-type", "8",
                "--holder", RPPS_A)
    _, _, err = env.refused("bal", "create", "x@unknown.test", "--type", "PER",
                            "--holder-type", "8", "--holder", RPPS_A)
    check("domain" in err.lower(), "unknown domain not explained: %r" % err)
    check(env.json("bal", "list") == [], "a refused create left a BAL")
    env.per("Dr.Martin@Example.TEST", RPPS_A)
    rc, _, err = env.refused("bal", "create", "dr.martin@example.test", "--type", "PER",
                             "--holder-type", "8", "--holder", RPPS_B)
    env.refused("bal", "create", "DR.MARTIN@EXAMPLE.TEST", "--type", "ORG", "--holder-type",
                "1", "--holder", FINESS)
    check(len(env.json("bal", "list")) == 1, "duplicate created")


@with_env
def test_show(env):
    env.domain()
    env.per("Dr.Martin@Example.TEST", RPPS_A, "--name", "Dr Claire Martin", "--quota", "512M",
            "--password-stdin", stdin="correct horse\n")
    b = env.json("bal", "show", "DR.MARTIN@example.test")
    check(isinstance(b, dict), "show is not an object")
    check(b["address"] == "dr.martin@example.test", "address not lower-cased: %r" % b["address"])
    check(b["type"] == "PER" and b["holder"] == RPPS_A and b["holder_type"] == 8, "holder %r" % b)
    check(b["quota_bytes"] == 512 << 20 and b["state"] == "active", "quota/state %r" % b)
    check(b["display_name"] == "Dr Claire Martin" and b["password_set"] is True, "%r" % b)
    check(b["used_bytes"] == 0 and b["used_messages"] == 0, "usage %r" % b)
    names = {m["name"] for m in b["mailboxes"]}
    check(MAILBOXES <= names, "mailboxes %r" % names)
    sent = [m for m in b["mailboxes"] if m["name"] == "Sent"][0]
    check(sent["special_use"] == ["\\Sent"], "Sent special-use %r" % sent)
    check(isinstance(b["created"], str) and b["created"].endswith("Z"), "created %r" % b)
    check(b["last_login"] is None, "last_login %r" % b["last_login"])
    text = env.ok("bal", "show", "dr.martin@example.test")
    lines = dict(line.split(": ", 1) for line in text.splitlines() if ": " in line)
    check(lines.get("address") == "dr.martin@example.test", "text show %r" % text)
    check(lines.get("password") == "set" and lines.get("quota") == "512M", "text show %r" % text)
    for out in (text, json.dumps(b), env.ok("bal", "list"), env.ok("bal", "list", "--json")):
        check("argon2" not in out and "$v=19" not in out, "password hash leaked: %r" % out)
    env.refused("bal", "show", "nobody@example.test", says=["no such BAL"])


@with_env
def test_json_escaping(env):
    env.domain()
    name = 'Dr "Quote" \\ back\tslash \u00e9\u20ac \U0001F600'
    env.per("esc@example.test", RPPS_A, "--name", name)
    b = env.json("bal", "show", "esc@example.test")
    check(b["display_name"] == name, "name round trip %r" % b["display_name"])
    env.ok("bal", "set", "esc@example.test", "--name", "line\nbreak\x01")
    out = env.ok("bal", "show", "esc@example.test", "--json")
    check(json.loads(out)["display_name"] == "line\nbreak\x01", "control chars")
    check(not any(ord(c) < 0x20 and c != "\n" for c in out), "raw control char in %r" % out)


@with_env
def test_list_text_and_filters(env):
    env.domain("a.test")
    env.domain("b.test")
    env.per("z@a.test", RPPS_A)
    env.per("y@b.test", RPPS_B)
    env.ok("bal", "create", "org@b.test", "--type", "ORG", "--holder-type", "1", "--holder", FINESS)
    out = env.ok("bal", "list")
    rows = out.splitlines()
    check(rows[0].split()[:4] == ["ADDRESS", "TYPE", "STATE", "HOLDER"], "header %r" % rows[0])
    check([r.split()[0] for r in rows[1:]] == ["org@b.test", "y@b.test", "z@a.test"], "%r" % rows)
    col = rows[0].index("TYPE")
    check(all(r[col:col + 3] in ("PER", "ORG") for r in rows[1:]), "columns not aligned %r" % rows)
    check([b["address"] for b in env.json("bal", "list", "--domain", "B.TEST")] ==
          ["org@b.test", "y@b.test"], "--domain")
    check([b["address"] for b in env.json("bal", "list", "--domain", "b.test", "--type", "PER")] ==
          ["y@b.test"], "--domain --type")
    env.usage("bal", "list", "--type", "XYZ", says=["--type"])


@with_env
def test_set(env):
    env.domain()
    env.per("dr.b@example.test", RPPS_A)
    env.ok("bal", "set", "dr.b@example.test", "--quota", "2G", "--name", "Dr B")
    b = env.json("bal", "show", "dr.b@example.test")
    check(b["quota_bytes"] == 2 << 30 and b["display_name"] == "Dr B", "set %r" % b)
    env.ok("bal", "set", "DR.B@example.test", "--state", "suspended", "--quota", "0")
    b = env.json("bal", "show", "dr.b@example.test")
    check(b["state"] == "suspended" and b["quota_bytes"] == 0, "suspend %r" % b)
    check("unlimited" in env.ok("bal", "show", "dr.b@example.test"), "quota 0 not unlimited")
    env.ok("bal", "set", "dr.b@example.test", "--state", "active")
    check(env.json("bal", "show", "dr.b@example.test")["state"] == "active", "reactivate")
    env.usage("bal", "set", "dr.b@example.test", "--state", "deletion-requested",
              says=["deletion-requested"])
    env.usage("bal", "set", "dr.b@example.test", "--state", "gone", says=["--state"])
    env.usage("bal", "set", "dr.b@example.test", "--type", "ORG", says=["--type", "fixed"])
    env.usage("bal", "set", "dr.b@example.test", says=["nothing to change"])
    env.usage("bal", "set", "dr.b@example.test", "--quota", "1Q", says=["--quota"])
    env.refused("bal", "set", "nobody@example.test", "--quota", "1G", says=["no such BAL"])
    # holder rules apply again on update
    env.refused("bal", "set", "dr.b@example.test", "--holder-type", "8", "--holder", RPPS_BAD)
    env.ok("bal", "set", "dr.b@example.test", "--holder-type", "8", "--holder", RPPS_B)
    b = env.json("bal", "show", "dr.b@example.test")
    check(b["holder"] == RPPS_B and b["type"] == "PER", "holder change %r" % b)


@with_env
def test_passwords(env):
    env.domain()
    env.per("pw@example.test", RPPS_A)
    check(env.json("bal", "show", "pw@example.test")["password_set"] is False, "no password yet")
    check("password: not set" in env.ok("bal", "show", "pw@example.test"), "text not set")
    env.refused("bal", "check-password", "pw@example.test", stdin="x\n", says=["no password"])
    env.ok("bal", "passwd", "pw@example.test", stdin="first secret\n")
    check(env.json("bal", "show", "pw@example.test")["password_set"] is True, "password set")
    env.ok("bal", "check-password", "pw@example.test", stdin="first secret\n")
    env.refused("bal", "check-password", "pw@example.test", stdin="first secre\n",
                says=["does not match"])
    env.ok("bal", "passwd", "pw@example.test", stdin="second\r\n")
    env.ok("bal", "check-password", "pw@example.test", stdin="second")
    env.refused("bal", "check-password", "pw@example.test", stdin="first secret\n")
    env.refused("bal", "passwd", "pw@example.test", stdin="\n", says=["empty password"])
    env.refused("bal", "passwd", "pw@example.test", stdin="", says=["empty password"])
    env.refused("bal", "passwd", "pw@example.test", stdin="a\0b\n", says=["NUL"])
    env.refused("bal", "passwd", "pw@example.test", stdin="x" * 5000 + "\n", says=["too long"])
    env.ok("bal", "check-password", "pw@example.test", stdin="second\n")  # unchanged
    env.refused("bal", "passwd", "nobody@example.test", stdin="x\n", says=["no such BAL"])
    env.refused("bal", "create", "empty@example.test", "--type", "PER", "--holder-type", "8",
                "--holder", RPPS_B, "--password-stdin", stdin="\n", says=["empty password"])
    env.per("created@example.test", RPPS_B, "--password-stdin", stdin="only line\nignored\n")
    env.ok("bal", "check-password", "created@example.test", stdin="only line\n")


@with_env
def test_delete_and_retired_address(env):
    env.domain()
    env.per("leaving@example.test", RPPS_A)
    env.refused("bal", "delete", "leaving@example.test",
                says=["refusing to delete without --yes"])
    check(len(env.json("bal", "list")) == 1, "deleted without --yes")
    env.refused("bal", "delete", "nobody@example.test", "--yes", says=["no such BAL"])
    env.ok("bal", "delete", "Leaving@example.test", "--yes")
    env.refused("bal", "show", "leaving@example.test", says=["no such BAL"])
    check(env.json("bal", "list") == [], "still listed")
    # the address stays retired for its holder
    env.refused("bal", "create", "leaving@example.test", "--type", "PER", "--holder-type", "8",
                "--holder", RPPS_B)
    env.per("leaving@example.test", RPPS_A)
    check(env.json("bal", "show", "leaving@example.test")["holder"] == RPPS_A, "re-created")
    env.ok("store", "check")


@with_env
def test_store_verbs(env):
    env.domain()
    env.per("a@example.test", RPPS_A)
    env.per("b@example.test", RPPS_B)
    env.ok("bal", "delete", "a@example.test", "--yes")
    info = env.json("store", "info")
    check(info["domains"] == 1 and info["bals"] == 1, "store info %r" % info)
    check(info["map_size"] >= 16 << 20 and info["map_size_max"] == 256 << 20, "map %r" % info)
    check(0 < info["used_bytes"] <= info["map_size"], "used %r" % info)
    check(info["data_dir"] == os.path.join(env.dir, "data"), "data_dir %r" % info)
    check("map size max: 256M" in env.ok("store", "info"), "text info")
    out = env.ok("store", "check")
    check(out.startswith("store OK: "), "store check: %r" % out)


@with_env
def test_terminal_prompts(env):
    try:
        for fd in os.openpty():
            os.close(fd)
    except OSError as e:
        print("     (no pseudo-terminal here: %s; prompts not checked)" % e)
        return
    env.domain()
    env.per("tty@example.test", RPPS_A)
    rc, _, term = run_tty(env, ["bal", "passwd", "tty@example.test"],
                          [(b"New password: ", b"s3cret-tty\n"), (b"Repeat it: ", b"s3cret-tty\n")])
    check(rc == 0, "passwd on a terminal: %d %r" % (rc, term))
    check("s3cret-tty" not in term, "password echoed: %r" % term)
    env.ok("bal", "check-password", "tty@example.test", stdin="s3cret-tty\n")
    rc, _, term = run_tty(env, ["bal", "passwd", "tty@example.test"],
                          [(b"New password: ", b"one\n"), (b"Repeat it: ", b"two\n")])
    check(rc == 1 and "differ" in term, "mismatched confirmation: %d %r" % (rc, term))
    env.ok("bal", "check-password", "tty@example.test", stdin="s3cret-tty\n")
    rc, _, term = run_tty(env, ["bal", "delete", "tty@example.test"],
                          [(b"Type the address to confirm: ", b"other@example.test\n")])
    check(rc == 1 and "did not match" in term, "wrong confirmation: %d %r" % (rc, term))
    check(len(env.json("bal", "list")) == 1, "deleted after a wrong confirmation")
    rc, out, term = run_tty(env, ["bal", "delete", "tty@example.test"],
                            [(b"Type the address to confirm: ", b"TTY@example.test\n")])
    check(rc == 0 and "deleted" in out, "confirmed delete: %d %r" % (rc, term))
    check(env.json("bal", "list") == [], "not deleted after confirmation")


@with_env
def test_interrupted_prompt_restores_echo(env):
    """Ctrl-C (SIGINT) at the hidden password prompt must not leave the
    terminal without echo."""
    try:
        master, slave = os.openpty()
    except OSError as e:
        print("     (no pseudo-terminal here: %s; not checked)" % e)
        return
    env.domain()
    env.per("sig@example.test", RPPS_A)
    check(termios.tcgetattr(slave)[3] & termios.ECHO, "the new terminal has no echo")
    p = subprocess.Popen([CTL, "-c", env.conf, "bal", "passwd", "sig@example.test"],
                         stdin=slave, stderr=slave, stdout=subprocess.PIPE)
    try:
        seen, deadline = b"", time.monotonic() + TIMEOUT
        while b"New password: " not in seen:
            check(time.monotonic() < deadline, "no prompt in %r" % seen)
            if select.select([master], [], [], 0.1)[0]:
                seen += os.read(master, 4096)
        check(not termios.tcgetattr(slave)[3] & termios.ECHO, "echo on at the prompt")
        p.send_signal(signal.SIGINT)
        rc = p.wait(timeout=TIMEOUT)
        check(rc == -signal.SIGINT, "balisectl ended with %r, not by SIGINT" % rc)
        check(termios.tcgetattr(slave)[3] & termios.ECHO, "echo left off after Ctrl-C")
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        os.close(master)
        os.close(slave)


@with_env
def test_config_check(env):
    rc, out, err = env.run("config", "check")
    check(rc == 0 and out.strip() == "configuration OK: %s" % env.conf, "good: %r %r" % (out, err))
    env.write_conf(extra="bogus_key = 1")
    rc, out, err = env.run("config", "check")
    check(rc == 1 and "bogus_key" in err and "balise.conf:5:" in err, "bad key: %r" % err)
    check(out == "", "stdout on error %r" % out)
    rc, _, err = env.run("domain", "list")
    check(rc == 1 and "bogus_key" in err, "other verbs must refuse a bad config: %r" % err)
    env.write_conf(extra="")
    with open(env.conf, "a") as f:
        f.write("[tls]\ncert = tls/server.pem\nkey = tls/server.key\n"
                "[trust]\nwhitelist = whitelist.xml\n")
    rc, _, err = env.run("config", "check")
    for what in ("[tls] cert", "[tls] key", "[trust] whitelist", "server.pem", "whitelist.xml"):
        check(what in err, "config check does not report %r: %r" % (what, err))
    check(rc == 1, "missing files accepted")
    os.mkdir(os.path.join(env.dir, "tls"))
    for name in ("tls/server.pem", "tls/server.key", "whitelist.xml"):
        with open(os.path.join(env.dir, name), "w") as f:
            f.write("x\n")
    # The whitelist is parsed, not only opened (more in test_whitelist.py).
    rc, out, err = env.run("config", "check")
    check(rc == 1 and "[trust] whitelist" in err and "not well-formed XML" in err,
          "bad whitelist: %r" % err)
    with open(os.path.join(env.dir, "whitelist.xml"), "w") as f:
        f.write('<ListeBlancheMSSante xmlns="https://listeblanche.mssante.fr/schema">'
                "<ListeDomaines><Domaine><Nom>a.test</Nom><DNCertificatOperateur>CN=mx.a.test"
                "</DNCertificatOperateur></Domaine></ListeDomaines></ListeBlancheMSSante>\n")
    rc, out, err = env.run("config", "check")
    check(rc == 0 and "configuration OK" in out, "files present: %r" % err)


@with_env
def test_concurrent_writers(env):
    # Several balisectl processes writing at once through LMDB's lock.
    env.domain()
    procs = [subprocess.Popen([CTL, "-c", env.conf, "bal", "create", "p%d@example.test" % i,
                               "--type", "PER", "--holder-type", "8", "--holder", RPPS_A],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE) for i in range(6)]
    for p in procs:
        _, err = p.communicate(timeout=TIMEOUT)
        check(p.returncode == 0, "concurrent create: %r" % err)
    check(len(env.json("bal", "list")) == 6, "concurrent creates lost")
    env.ok("store", "check")


@with_env
def test_alongside_balised(env):
    # The CLI works on the environment a running balised has open.
    if not os.access(BALISED, os.X_OK):
        print("     (balised not built: only the CLI side checked)")
        env.domain()
        return
    log_path = os.path.join(env.dir, "balised.log")
    with open(log_path, "wb") as log:
        d = subprocess.Popen([BALISED, "-c", env.conf], stdin=subprocess.DEVNULL, stdout=log,
                             stderr=log)
    try:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline and d.poll() is None:
            with open(log_path, "rb") as f:
                if b"ready" in f.read():
                    break
            time.sleep(0.05)
        with open(log_path, "rb") as f:
            out = f.read().decode("utf-8", "replace")
        check(d.poll() is None and "ready" in out, "balised did not start:\n" + out)
        env.domain()
        env.per("live@example.test", RPPS_A, "--password-stdin", stdin="pw\n")
        env.ok("bal", "set", "live@example.test", "--quota", "3G")
        check(env.json("bal", "show", "live@example.test")["quota_bytes"] == 3 << 30, "set")
        d.send_signal(signal.SIGTERM)
        check(d.wait(timeout=TIMEOUT) == 0, "balised exit status")
    finally:
        if d.poll() is None:
            d.kill()
            d.wait()
    check(env.json("bal", "show", "live@example.test")["password_set"] is True, "after stop")


TESTS = [
    test_help_and_version,
    test_usage_errors,
    test_missing_config,
    test_domains,
    test_create_each_type,
    test_create_refusals,
    test_show,
    test_json_escaping,
    test_list_text_and_filters,
    test_set,
    test_passwords,
    test_delete_and_retired_address,
    test_config_check,
    test_concurrent_writers,
    test_alongside_balised,
    test_terminal_prompts,
    test_interrupted_prompt_restores_echo,
    test_store_verbs,
]


def main():
    passed = failed = 0
    if not os.access(CTL, os.X_OK):
        print("FAIL: %s not built" % CTL)
        print("0 passed, 1 failed")
        return 1
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

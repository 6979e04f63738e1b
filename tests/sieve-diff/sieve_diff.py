#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
"""Differential test of libbalsieve against Pigeonhole's sieve-test.

Every script of corpus/scripts runs on every message of corpus/messages
through both engines; the action lists, in a canonical form (see
sieve_run.c), must agree, except for the pairs listed in known-diffs.txt
with the reason ("*" for every message). Exit 77 (skip) when sieve-test is not installed (Debian
package dovecot-sieve).

  sieve_diff.py SIEVE_RUN [--only SUBSTRING] [-v]
"""
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CORPUS = os.path.join(HERE, "corpus")
CONF = """mail_uid = {user}
mail_gid = {group}
mail_location = maildir:{home}/Maildir
plugin {{
  sieve_extensions = +vacation-seconds +imap4flags +ereject
  sieve_vacation_min_period = 0
}}
"""


def message_env(msg_path):
    """Envelope sender/recipient for a message (NAME.env beside it)."""
    env = {"from": "sender@example.org", "to": "alice@example.com"}
    path = os.path.splitext(msg_path)[0] + ".env"
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                if "=" in line:
                    k, v = line.strip().split("=", 1)
                    env[k] = v
    return env


def pigeonhole_actions(out, err):
    """Canonical action list from sieve-test's report."""
    if "failed to compile" in err:
        return ["compile-error"]
    acts, pending = [], None
    for raw in out.splitlines():
        line = raw.strip()
        if line.startswith("* "):
            what = line[2:]
            if what.startswith("store message in folder: "):
                box = what[len("store message in folder: "):]
                pending = "keep" if box.upper() == "INBOX" else "fileinto " + box
            elif what.startswith("redirect message to: "):
                pending = "redirect " + what[len("redirect message to: "):].strip("<>")
            elif what == "discard":
                pending = "discard"
            elif what.startswith("send vacation message"):
                pending = "vacation"
            elif what.startswith("reject message"):
                pending = "reject"
            elif what == "track duplicate":
                pending = "duplicate"
            else:
                pending = "unknown " + what
            acts.append(pending)
        elif line.startswith("+ add IMAP flags: ") and acts:
            flags = line[len("+ add IMAP flags: "):].lower().split()
            acts[-1] += " flags=" + ",".join(flags)
        elif line.startswith("=> seconds : ") and acts and acts[-1] == "vacation":
            acts[-1] = "vacation seconds=" + line.split(":", 1)[1].strip()
    if "final result: failed" in err:
        return ["error", "keep"]
    return acts


def ours_actions(out):
    acts = [l for l in out.splitlines() if l]
    # ereject is reported by Pigeonhole as a reject
    return ["reject" if a == "ereject" else a for a in acts]


def canon(acts):
    merged = []
    for a in acts:
        if a not in merged:
            merged.append(a)
    return sorted(merged)


def load_known():
    known = {}
    path = os.path.join(HERE, "known-diffs.txt")
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line and not line.startswith("#"):
                    script, msg, reason = line.split(None, 2)
                    known[(script, msg)] = reason
    return known


def run_pair(sieve_run, script, msg, work):
    env = message_env(msg)
    home = tempfile.mkdtemp(dir=work)
    os.chmod(home, 0o777)
    conf = os.path.join(home, "dovecot.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(user="nobody", group="nogroup", home=home))
    os.chmod(conf, 0o644)
    local = os.path.join(home, os.path.basename(script))
    shutil.copy(script, local)
    os.chmod(local, 0o644)
    cmd = ["sieve-test", "-c", conf, "-f", env["from"], "-a", env["to"], "-r", env["to"],
           local, msg]
    ph = subprocess.run(cmd, capture_output=True, text=True, env=dict(os.environ, HOME=home),
                        timeout=60)
    ph_acts = pigeonhole_actions(ph.stdout, ph.stderr)
    if any(a.startswith("vacation") for a in ph_acts):
        # sieve-test applies the RFC 5230 4.5/4.6 and RFC 3834 checks only
        # when executing (-e): drop a reply it would not send.
        ex = subprocess.run(cmd[:1] + ["-e"] + cmd[1:], capture_output=True, text=True,
                            env=dict(os.environ, HOME=home), timeout=60)
        if "discarding vacation response" in ex.stderr:
            ph_acts = [a for a in ph_acts if not a.startswith("vacation")]
    us = subprocess.run([sieve_run, "-f", env["from"], "-a", env["to"], script, msg],
                        capture_output=True, text=True, timeout=60)
    shutil.rmtree(home, ignore_errors=True)
    return canon(ph_acts), canon(ours_actions(us.stdout)), ph, us


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("-")]
    verbose = "-v" in sys.argv
    only = None
    if "--only" in sys.argv:
        only = sys.argv[sys.argv.index("--only") + 1]
        args.remove(only)
    if not args:
        print(__doc__)
        return 2
    if shutil.which("sieve-test") is None:
        print("SKIP: sieve-test not installed (apt-get install dovecot-sieve)")
        return 77
    sieve_run = os.path.abspath(args[0])
    known = load_known()
    scripts = sorted(os.path.join(CORPUS, "scripts", s)
                     for s in os.listdir(os.path.join(CORPUS, "scripts")) if s.endswith(".sieve"))
    msgs = sorted(os.path.join(CORPUS, "messages", m)
                  for m in os.listdir(os.path.join(CORPUS, "messages")) if m.endswith(".eml"))
    work = tempfile.mkdtemp(prefix="sieve-diff-")
    os.chmod(work, 0o755)
    pairs = agree = deliberate = 0
    failures = []
    try:
        for script in scripts:
            for msg in msgs:
                key = (os.path.basename(script), os.path.basename(msg))
                if only and only not in key[0]:
                    continue
                pairs += 1
                ph, us, phr, usr = run_pair(sieve_run, script, msg, work)
                if ph == us:
                    agree += 1
                elif key in known or (key[0], "*") in known:
                    deliberate += 1
                    if verbose:
                        print("known %s %s: %s"
                              % (key[0], key[1], known.get(key, known.get((key[0], "*")))))
                else:
                    failures.append((key, ph, us, phr, usr))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    for key, ph, us, phr, usr in failures:
        print("DIFF %s on %s\n  pigeonhole: %s\n  balise:     %s" % (key[0], key[1], ph, us))
        if verbose:
            print("  pigeonhole stderr: " + phr.stderr.strip().replace("\n", "\n    "))
            print("  balise stderr: " + usr.stderr.strip())
    print("%d pairs: %d agree, %d known differences, %d differ"
          % (pairs, agree, deliberate, len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

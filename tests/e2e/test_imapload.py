#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Smoke test of bench/imapload against a real balised (tests/e2e/harness.py):
# seed, mix (a fixed number of commands, and two seconds), mix with relogin
# and idle with a few clients must report zero errors and the exact counts;
# a mix told the wrong message count must report errors (the checks bite).
# No timing threshold, no Dovecot.
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IMAPLOAD = os.path.join(harness.BUILD, "bench", "imapload")
USERS = 3
MESSAGES = 12
RUN_TIMEOUT = 120
B = None
check = harness.check


def load(*args, messages=MESSAGES):
    cmd = [IMAPLOAD, *args, "-p", str(B.imaps_port), "--ca", B.ca, "-u", str(USERS),
           "-m", str(messages), "--timeout", "60"]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=RUN_TIMEOUT)


def results(out):
    """The key=value line imapload prints last."""
    line = [x for x in out.splitlines() if x.startswith("mode=")][-1]
    return dict(kv.split("=", 1) for kv in line.split())


def ok_run(r, some_ops=True):
    check(r.returncode == 0, "exit %d: %s %s" % (r.returncode, r.stdout, r.stderr))
    res = results(r.stdout)
    check(res["errors"] == "0", res)
    if some_ops:
        check(int(res["ops"]) > 0, res)
    return res


def test_seed():
    res = ok_run(load("seed"))
    # per user: LOGIN, SELECT, one APPEND per message, LOGOUT
    check(int(res["ops"]) == USERS * (MESSAGES + 3), res)


def test_mix():
    # -n: a fixed number of commands per client, so that the counts are exact
    res = ok_run(load("mix", "-c", str(USERS), "-n", "20"))
    check(int(res["mix_ops"]) == USERS * 20, res)
    # plus LOGIN, SELECT and LOGOUT per client
    check(int(res["ops"]) == USERS * 23, res)


def test_mix_duration():
    # how many commands fit in two seconds depends on the machine: only the
    # absence of errors is checked
    ok_run(load("mix", "-c", str(USERS), "-d", "2"), some_ops=False)


def test_mix_relogin():
    res = ok_run(load("mix", "-c", str(USERS), "-n", "30", "--relogin", "10"))
    # a first LOGIN, then a new connection and LOGIN after commands 10 and 20
    check(int(res["logins"]) == USERS * 3, res)
    check(int(res["mix_ops"]) == USERS * 30, res)


def test_mix_detects_mismatch():
    # The mailboxes hold MESSAGES messages; a generator that expects one
    # fewer must see wrong SELECT counts, SEARCH answers and sizes.
    r = load("mix", "-c", "1", "-n", "10", messages=MESSAGES - 1)
    check(r.returncode == 1, "exit %d: %s" % (r.returncode, r.stdout))
    check(int(results(r.stdout)["errors"]) > 0, r.stdout)
    check("imapload: error:" in r.stderr, r.stderr)


def test_idle():
    n = 8
    # --ramp 3: sessions are set up three at a time, the rest as those idle
    cmd = [IMAPLOAD, "idle", "-c", str(n), "--ramp", "3", "-p", str(B.imaps_port), "--ca", B.ca,
           "-u", str(USERS), "-m", str(MESSAGES), "--timeout", "60"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        first = p.stdout.readline()
        check(first.strip() == "imapload: idling %d" % n, first)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=RUN_TIMEOUT)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    check(p.returncode == 0, "exit %d: %s %s" % (p.returncode, out, err))
    res = results(out)
    check(res["errors"] == "0", res)
    # LOGIN, SELECT, IDLE (ended by DONE), LOGOUT per session
    check(re.fullmatch(r"\d+", res["ops"]) and int(res["ops"]) >= 2 * n, res)


def main():
    global B
    with harness.Balise(domain="bench.test") as b:
        B = b
        for i in range(USERS):
            b.add_bal("user%d" % i, "bench-pw-%d" % i)
        b.start()
        return harness.run_tests([test_seed, test_mix, test_mix_duration, test_mix_relogin,
                                  test_mix_detects_mismatch, test_idle])


if __name__ == "__main__":
    sys.exit(main())

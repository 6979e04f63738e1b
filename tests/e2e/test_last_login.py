#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# CNIL inactivity needs every successful login to count (issue 6): an IMAP
# login, a submission AUTH, and a delegated IMAP login, which counts for
# the delegate who typed their own credentials, not for the BAL they open
# (that BAL's owner has not logged in). A refused password counts for
# nobody. Read back with balisectl bal show --json.
import imaplib
import json
import os
import smtplib
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
PW = "pw-secret"
check = harness.check
B = None
U = {}


def last_login(addr):
    return json.loads(B.ctl("bal", "show", addr, "--json")).get("last_login")


def wait_login(addr):
    """The login's write is queued, not waited for: poll for it."""
    for _ in range(200):
        v = last_login(addr)
        if v not in (None, "never"):
            return v
        time.sleep(0.05)
    return None


def imap():
    return imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                             timeout=IO_TIMEOUT)


def setup():
    global B
    B = harness.Balise()
    B.sub_port = harness.free_port()
    conf = open(B.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nsubmission = 127.0.0.1:%d\n" % B.sub_port)
    open(B.conf, "w").write(conf)
    for name in ("owner", "deleg", "sender", "wrong"):
        U[name] = B.add_bal(name, PW)
    B.ctl("delegate", "grant", U["owner"], U["deleg"], "--rights", "lr")
    B.start()


def test_never_before():
    for a in U.values():
        check(last_login(a) in (None, "never"), "%s: no login yet" % a)


def test_delegated_login_counts_for_the_delegate():
    c = imap()
    msg = ("%s\0%s\0%s" % (U["owner"], U["deleg"], PW)).encode()
    c.authenticate("PLAIN", lambda _: msg)
    typ, _ = c.select("INBOX", readonly=True)
    check(typ == "OK", "the delegate opened the owner's INBOX")
    c.logout()
    check(wait_login(U["deleg"]) is not None, "the delegate's last login recorded")
    # The delegate's record is written: the owner's would be in the same
    # write, so it is already visible if it were (wrongly) updated.
    check(last_login(U["owner"]) in (None, "never"),
          "the owner did not log in: %r" % last_login(U["owner"]))


def test_submission_auth_counts():
    s = smtplib.SMTP("127.0.0.1", B.sub_port, timeout=IO_TIMEOUT)
    s.ehlo("client.test")
    s.starttls(context=B.tls_context())
    s.ehlo("client.test")
    s.login(U["sender"], PW)
    s.quit()
    check(wait_login(U["sender"]) is not None, "a submission login is recorded")


def test_refused_password_does_not_count():
    c = imap()
    try:
        c.login(U["wrong"], "not-the-password")
        raise AssertionError("a bad password was accepted")
    except imaplib.IMAP4.error:
        pass
    c.shutdown()
    c = imap()
    c.login(U["deleg"], PW)  # a later good login of someone else, to wait on
    c.logout()
    time.sleep(0.5)
    check(last_login(U["wrong"]) in (None, "never"), "a failed login does not count")


def main():
    setup()
    try:
        return harness.run_tests([test_never_before, test_delegated_login_counts_for_the_delegate,
                                  test_submission_auth_counts,
                                  test_refused_password_does_not_count])
    finally:
        B.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())

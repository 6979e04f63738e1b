#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Delegation (MSSante v1.6) end to end over implicit TLS: balisectl
# delegate grant/revoke, AUTHENTICATE PLAIN with the delegated BAL as
# authorization identity, RFC 4314 rights on every command (NO [NOPERM]),
# read-only SELECT without write rights, revocation seen at the next
# command of an open session, the ACL extension (SETACL by the owner,
# MYRIGHTS by the delegate, GETACL, LISTRIGHTS, DELETEACL), LIST filtered
# by the l right, a stranger refused, and balisectl delegate log.
import base64
import imaplib
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
PW = "pw-secret"
check = harness.check
B = None
OWNER = DELEG = STRANGER = None
MSG = (b"From: <owner@test.example>\r\nTo: <owner@test.example>\r\n"
       b"Subject: dossier\r\nMessage-ID: <%d@test.example>\r\n\r\nbody\r\n")


def connect():
    return imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                             timeout=IO_TIMEOUT)


def login(addr):
    c = connect()
    c.login(addr, PW)
    return c


def login_as(user, authzid):
    """AUTHENTICATE PLAIN: user's credentials, acting for authzid."""
    c = connect()
    msg = ("%s\0%s\0%s" % (authzid, user, PW)).encode()
    c.authenticate("PLAIN", lambda _: msg)
    return c


def refused_login(user, authzid):
    """The text of the refusal of a delegated login (error if accepted)."""
    c = connect()
    try:
        c.authenticate("PLAIN", lambda _: ("%s\0%s\0%s" % (authzid, user, PW)).encode())
    except imaplib.IMAP4.error as e:
        return str(e)
    finally:
        c.shutdown()
    raise AssertionError("%s was let in as %s" % (user, authzid))


def text(data):
    return b" ".join(d if isinstance(d, bytes) else b" ".join(d) for d in data
                     if d is not None).decode()


def noperm(res, what):
    typ, data = res
    check(typ == "NO" and "[NOPERM]" in text(data), "%s: %s %r" % (what, typ, data))


def ok(res, what):
    typ, data = res
    check(typ == "OK", "%s: %s %r" % (what, typ, data))
    return data


def grant(rights, *extra):
    B.ctl("delegate", "grant", OWNER, DELEG, "--rights", rights, *extra)


def revoke_all():
    for g in json.loads(B.ctl("delegate", "list", OWNER, "--json")):
        args = ["--mailbox", g["mailbox"]] if g["mailbox"] is not None else []
        B.ctl("delegate", "revoke", OWNER, g["grantee"], *args)


def select(c, box):
    """SELECT box: "READ-WRITE" or "READ-ONLY" (imaplib raises on the
    latter), or the refusal as (typ, data)."""
    try:
        typ, data = c.select(box)
    except imaplib.IMAP4.readonly:
        c.is_readonly = True  # go on sending commands: the server decides
        return "READ-ONLY"
    return "READ-WRITE" if typ == "OK" else (typ, data)


def fill_inbox(n):
    c = login(OWNER)
    for i in range(n):
        ok(c.append("INBOX", None, None, MSG % i), "APPEND by the owner")
    c.logout()


def test_capability():
    c = login(DELEG)
    caps = text(ok(c.capability(), "CAPABILITY")).split()
    check("ACL" in caps and "RIGHTS=texk" in caps, "capabilities %r" % caps)
    c.logout()


def test_read_only_delegate():
    revoke_all()
    grant("lr")
    c = login_as(DELEG, OWNER)
    sel = select(c, "INBOX")
    check(sel == "READ-ONLY", "SELECT with lr (RFC 4314 section 4): %r" % (sel,))
    ok(c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH with lr")
    noperm(c.store("1", "+FLAGS", "(\\Deleted)"), "STORE \\Deleted with lr")
    noperm(c.store("1", "+FLAGS", "(\\Seen)"), "STORE \\Seen with lr")
    noperm(c.expunge(), "EXPUNGE with lr")
    noperm(c.append("INBOX", None, None, MSG % 99), "APPEND with lr")
    noperm(c.create("Dossiers"), "CREATE with lr")
    noperm(c.delete("Junk"), "DELETE with lr")
    noperm(c.rename("Junk", "Spam"), "RENAME with lr")
    c.logout()


def test_full_rights():
    revoke_all()
    grant("lrswipkxte")
    c = login_as(DELEG, OWNER)
    sel = select(c, "INBOX")
    check(sel == "READ-WRITE", "SELECT with full rights: %r" % (sel,))
    ok(c.store("1", "+FLAGS", "(\\Deleted)"), "STORE with full rights")
    ok(c.expunge(), "EXPUNGE with full rights")
    ok(c.append("INBOX", None, None, MSG % 100), "APPEND with full rights")
    ok(c.create("Dossiers"), "CREATE with k")
    ok(c.delete("Dossiers"), "DELETE with x")
    noperm(c.getacl("INBOX"), "GETACL without a")
    noperm(c.setacl("INBOX", DELEG, "lrswipkxtea"), "SETACL without a")
    c.logout()
    # the owner sees the delegate's changes: message 1 gone, the new one there
    c = login(OWNER)
    check(select(c, "INBOX") == "READ-WRITE", "owner SELECT")
    data = ok(c.search(None, "HEADER", "Message-ID", "<0@test.example>"), "SEARCH 0")
    check(data == [b""], "expunged by the delegate: %r" % data)
    data = ok(c.search(None, "HEADER", "Message-ID", "<100@test.example>"), "SEARCH 100")
    check(data != [b""], "appended by the delegate: %r" % data)
    c.logout()


def test_revocation_next_command():
    revoke_all()
    grant("lrswite")
    c = login_as(DELEG, OWNER)
    check(select(c, "INBOX") == "READ-WRITE", "SELECT")
    ok(c.fetch("1", "(FLAGS)"), "FETCH before revocation")
    ok(c.store("1", "+FLAGS", "(\\Flagged)"), "STORE before revocation")
    B.ctl("delegate", "revoke", OWNER, DELEG)
    noperm(c.fetch("1", "(FLAGS)"), "FETCH after revocation")
    noperm(c.store("1", "-FLAGS", "(\\Flagged)"), "STORE after revocation")
    noperm(c.status("INBOX", "(MESSAGES)"), "STATUS after revocation")
    typ, data = c.list()
    check(typ == "OK" and data == [None], "LIST after revocation: %r" % data)
    # a grant back is seen at the next command too
    grant("lr")
    ok(c.fetch("1", "(FLAGS)"), "FETCH after a new grant")
    noperm(c.store("1", "-FLAGS", "(\\Flagged)"), "STORE with lr")
    c.logout()


def test_authzid_and_stranger():
    revoke_all()
    why = refused_login(DELEG, OWNER)
    check("AUTHORIZATIONFAILED" in why, "no grant: %s" % why)
    grant("p")  # post only: no l or r, no IMAP session
    why = refused_login(DELEG, OWNER)
    check("AUTHORIZATIONFAILED" in why, "post-only: %s" % why)
    grant("lr")
    why = refused_login(STRANGER, OWNER)
    check("AUTHORIZATIONFAILED" in why, "stranger: %s" % why)
    why = refused_login(DELEG, "nobody@test.example")
    check("AUTHORIZATIONFAILED" in why, "unknown BAL: %s" % why)
    # a wrong password stays an authentication failure
    c = connect()
    try:
        c.authenticate("PLAIN", lambda _: ("%s\0%s\0bad" % (OWNER, DELEG)).encode())
        raise AssertionError("bad password accepted")
    except imaplib.IMAP4.error as e:
        check("AUTHENTICATIONFAILED" in str(e), "bad password: %s" % e)
    c.shutdown()
    # the owner's own address as authzid is a plain login
    c = login_as(OWNER, OWNER)
    ok(c.select("INBOX"), "owner with own authzid")
    c.logout()
    # the delegate's own session is untouched: its own BAL
    c = login_as(DELEG, OWNER)
    check(select(c, "INBOX") == "READ-ONLY", "delegate SELECT")
    n_owner = int(c.untagged_responses["EXISTS"][-1])
    c.logout()
    c = login(DELEG)
    ok(c.select("INBOX"), "own SELECT")
    check(int(c.untagged_responses["EXISTS"][-1]) == 0 and n_owner > 0,
          "own INBOX is empty, the owner's is not")
    c.logout()


def test_setacl_then_myrights():
    revoke_all()
    grant("l")  # enough to log in; INBOX gets its own entry below
    c = login(OWNER)
    ok(c.setacl("INBOX", DELEG, "lrs"), "SETACL by the owner")
    acl = text(ok(c.getacl("INBOX"), "GETACL"))
    check("%s lrswipkxtea" % OWNER in acl and "%s lrs" % DELEG in acl, "GETACL %r" % acl)
    imaplib.Commands.setdefault("LISTRIGHTS", ("AUTH", "SELECTED"))
    typ, data = c._simple_command("LISTRIGHTS", "INBOX", DELEG)
    lr = text(ok(c._untagged_response(typ, data, "LISTRIGHTS"), "LISTRIGHTS"))
    check('"" l r s w i p k x t e a' in lr, "LISTRIGHTS %r" % lr)
    typ, data = c.setacl("INBOX", OWNER, "l")
    check(typ == "NO", "SETACL on the owner: %s" % typ)
    typ, data = c.setacl("INBOX", "nobody@test.example", "l")
    check(typ == "NO", "SETACL on nobody: %s" % typ)
    try:
        c.setacl("INBOX", DELEG, "lrz")
        raise AssertionError("SETACL with a bad letter accepted")
    except imaplib.IMAP4.error as e:
        check("BAD" in str(e), "SETACL bad letter: %s" % e)
    d = login_as(DELEG, OWNER)
    mr = text(ok(d.myrights("INBOX"), "MYRIGHTS"))
    check(mr.split()[-1] == "lrs", "MYRIGHTS %r" % mr)
    # s alone: \Seen may change, \Deleted (t) and keywords (w) may not
    check(select(d, "INBOX") == "READ-WRITE", "SELECT with lrs")
    ok(d.store("1", "+FLAGS", "(\\Seen)"), "STORE \\Seen with s")
    noperm(d.store("1", "+FLAGS", "(\\Deleted)"), "STORE \\Deleted without t")
    noperm(d.store("1", "+FLAGS", "(dossier)"), "STORE a keyword without w")
    noperm(d.store("1", "FLAGS", "(\\Seen)"), "STORE FLAGS without w and t")
    noperm(d.expunge(), "EXPUNGE without e")
    d.unselect()
    ok(c.setacl("INBOX", DELEG, "+we"), "SETACL +we")
    mr = text(ok(d.myrights("INBOX"), "MYRIGHTS after +we"))
    check(mr.split()[-1] == "lrswe", "MYRIGHTS %r" % mr)
    ok(c.setacl("INBOX", DELEG, "-s"), "SETACL -s")
    mr = text(ok(d.myrights("INBOX"), "MYRIGHTS after -s"))
    check(mr.split()[-1] == "lrwe", "MYRIGHTS %r" % mr)
    # Sent: whole-BAL l only -> listed, not readable
    mr = text(ok(d.myrights("Sent"), "MYRIGHTS Sent"))
    check(mr.split()[-1] == "l", "MYRIGHTS Sent %r" % mr)
    sel = select(d, "Sent")
    check(sel != "READ-ONLY" and sel != "READ-WRITE" and "[NOPERM]" in text(sel[1]),
          "SELECT without r: %r" % (sel,))
    # an empty entry hides INBOX from LIST
    ok(c.setacl("INBOX", DELEG, '""'), "SETACL empty")  # imaplib does not quote ""
    names = text(ok(d.list(), "LIST"))
    check("INBOX" not in names and "Sent" in names, "LIST %r" % names)
    ok(c.deleteacl("INBOX", DELEG), "DELETEACL")
    names = text(ok(d.list(), "LIST after DELETEACL"))
    check("INBOX" in names, "LIST %r" % names)
    d.logout()
    c.logout()


def other(box):
    return '"Other Users/%s/%s"' % (OWNER, box)


def test_other_users_namespace():
    """LOGIN (no authzid): delegated BALs under "Other Users/<address>/"."""
    revoke_all()
    grant("lr")
    before = len(json.loads(B.ctl("delegate", "log", OWNER, "--json")))
    c = login(DELEG)
    ns = text(ok(c.namespace(), "NAMESPACE"))
    check(ns == '(("" "/")) (("Other Users/" "/")) NIL', "NAMESPACE %r" % ns)
    names = text(ok(c.list('""', "*"), "LIST"))
    check('"Other Users/%s/INBOX"' % OWNER in names and '"Other Users/%s/Sent"' % OWNER in names
          and '"/" "INBOX"' in names, "LIST %r" % names)
    check("\\Sent) \"/\" \"Other" not in names, "no special-use on another BAL's: %r" % names)
    check(select(c, other("INBOX")) == "READ-ONLY", "SELECT other INBOX with lr")
    ok(c.fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT)])"), "FETCH in other INBOX")
    noperm(c.store("1", "+FLAGS", "(\\Seen)"), "STORE in other INBOX with lr")
    ok(c.copy("1", "INBOX"), "COPY from other INBOX into own INBOX")
    noperm(c.append(other("INBOX"), None, None, MSG % 200), "APPEND to other with lr")
    noperm(c.create(other("Dossiers")), "CREATE in other with lr")
    st = text(ok(c.status(other("INBOX"), "(MESSAGES)"), "STATUS other"))
    check(st.startswith('"Other Users/%s/INBOX" (MESSAGES ' % OWNER), "STATUS %r" % st)
    mr = text(ok(c.myrights(other("INBOX")), "MYRIGHTS other"))
    check(mr.split()[-1] == "lr", "MYRIGHTS %r" % mr)
    c.close()
    # with k and i: create and append in the owner's BAL
    grant("lrik")
    ok(c.create(other("Dossiers")), "CREATE in other with k")
    ok(c.append(other("Dossiers"), None, None, MSG % 201), "APPEND to other with i")
    typ, data = c.rename(other("Dossiers"), "Mine")
    check(typ == "NO", "RENAME across BALs: %s %r" % (typ, data))
    # revoked: gone from LIST, and no such mailbox at the next command
    B.ctl("delegate", "revoke", OWNER, DELEG)
    names = text(ok(c.list('""', "*"), "LIST after revoke"))
    check("Other Users" not in names, "LIST after revoke %r" % names)
    typ, data = c.select(other("INBOX"))
    check(typ == "NO" and "NONEXISTENT" in text(data), "SELECT after revoke %r" % data)
    c.logout()
    o = login(OWNER)
    names = text(ok(o.list('""', "*"), "owner LIST"))
    check("Dossiers" in names and "Other Users" not in names, "owner LIST %r" % names)
    ok(o.delete("Dossiers"), "owner DELETE")
    o.logout()
    after = json.loads(B.ctl("delegate", "log", OWNER, "--json"))
    check(len(after) == before + 1, "one access logged per session: %d -> %d" %
          (before, len(after)))
    # a stranger sees nothing of the owner
    grant("lr")
    x = login(STRANGER)
    names = text(ok(x.list('""', "*"), "stranger LIST"))
    check("Other Users" not in names, "stranger LIST %r" % names)
    typ, data = x.select(other("INBOX"))
    check(typ == "NO" and "NONEXISTENT" in text(data), "stranger SELECT %r" % data)
    typ, data = x.status(other("INBOX"), "(MESSAGES)")
    check(typ == "NO", "stranger STATUS %r" % data)
    x.logout()


def test_delegate_log():
    log = json.loads(B.ctl("delegate", "log", OWNER, "--json"))
    check(len(log) >= 5, "log entries %r" % log)
    check(all(e["grantee"] == DELEG and e["protocol"] == "imap" for e in log),
          "only the delegate's IMAP accesses: %r" % log)
    check(log == sorted(log, key=lambda e: e["time"]), "in time order")
    check(json.loads(B.ctl("delegate", "log", OWNER, "--since", "2999-01-01", "--json")) == [],
          "--since in the future")
    lines = B.ctl("delegate", "log", OWNER).splitlines()
    check(lines[0].split() == ["TIME", "DELEGATE", "PROTOCOL"] and DELEG in lines[1],
          "text %r" % lines[:2])
    check(json.loads(B.ctl("delegate", "log", DELEG, "--json")) == [], "nobody used DELEG")


def ctl_error(*args):
    try:
        B.ctl(*args)
    except RuntimeError as e:
        return str(e)
    raise AssertionError("accepted: %r" % (args,))


def test_cli_grant_list_errors():
    revoke_all()
    grant("lr")
    grant("lrswi", "--mailbox", "Sent")
    rows = json.loads(B.ctl("delegate", "list", "--json"))
    check(rows == [{"bal": OWNER, "grantee": DELEG, "mailbox": None, "rights": "lr"},
                   {"bal": OWNER, "grantee": DELEG, "mailbox": "Sent", "rights": "lrswi"}],
          "list %r" % rows)
    text_rows = B.ctl("delegate", "list", OWNER).splitlines()
    check(text_rows[0].split() == ["BAL", "GRANTEE", "RIGHTS", "MAILBOX"] and
          text_rows[1].split() == [OWNER, DELEG, "lr", "*"], "text %r" % text_rows)
    check(json.loads(B.ctl("delegate", "list", DELEG, "--json")) == [], "DELEG granted nothing")
    for args, code, words in [
            (("grant", OWNER, DELEG, "--rights", "lrz"), "exit 2", "'z' is not a right"),
            (("grant", OWNER, DELEG, "--rights", ""), "exit 2", "--rights"),
            (("grant", OWNER, DELEG), "exit 2", "--rights is required"),
            (("grant", OWNER, OWNER, "--rights", "lr"), "exit 1", "GRANTEE %s" % OWNER),
            (("grant", "nobody@test.example", DELEG, "--rights", "lr"), "exit 1",
             "BAL nobody@test.example: no such BAL"),
            (("grant", OWNER, "nobody@test.example", "--rights", "lr"), "exit 1",
             "GRANTEE nobody@test.example: no such BAL"),
            (("grant", OWNER, DELEG, "--rights", "lr", "--mailbox", "Nope"), "exit 1",
             "--mailbox Nope"),
            (("revoke", OWNER, DELEG, "--mailbox", "Drafts"), "exit 1", "no such delegation"),
            (("log", OWNER, "--since", "yesterday"), "exit 2", "--since"),
            (("list", "nobody@test.example"), "exit 1", "nobody@test.example: no such BAL")]:
        e = ctl_error("delegate", *args)
        check(code in e and words in e, "%r: %s" % (args, e))
    check(len(json.loads(B.ctl("delegate", "list", "--json"))) == 2, "refusals changed nothing")
    B.ctl("delegate", "revoke", OWNER, DELEG, "--mailbox", "Sent")
    check(len(json.loads(B.ctl("delegate", "list", "--json"))) == 1, "revoke --mailbox")


def main():
    global B, OWNER, DELEG, STRANGER
    with harness.Balise() as b:
        B = b
        OWNER = b.add_bal("owner", PW)
        DELEG = b.add_bal("deleg", PW)
        STRANGER = b.add_bal("stranger", PW)
        b.start()
        fill_inbox(3)
        status = harness.run_tests([test_cli_grant_list_errors, test_capability, test_read_only_delegate, test_full_rights,
                                    test_revocation_next_command, test_authzid_and_stranger,
                                    test_setacl_then_myrights, test_other_users_namespace,
                                    test_delegate_log])
        b.ctl("store", "check")  # raises unless the store is consistent
    return status


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# IMAP mailbox commands against a real balised (tests/e2e/harness.py) with
# imaplib over implicit TLS: LIST (patterns, LIST "" "", LIST-EXTENDED
# selection and return options, LIST-STATUS, SPECIAL-USE), CREATE nested
# and with USE, DELETE, RENAME (children, INBOX), SUBSCRIBE/LSUB, STATUS
# after APPENDs, modified UTF-7 names, QUOTA with a quota set by
# balisectl, and malformed commands.
import imaplib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
MSG = (b"From: Alice <alice@test.example>\r\nTo: bob@test.example\r\n"
       b"Subject: hello\r\nDate: Tue, 1 Dec 2026 10:00:00 +0100\r\n"
       b"Message-ID: <1@test.example>\r\n\r\nHello Bob.\r\n")

B = None  # the shared balised
USERS = {}
PW = "pw-secret"


check = harness.check


def login(local):
    if local not in USERS:
        USERS[local] = B.add_bal(local, PW)
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                          timeout=IO_TIMEOUT)
    c.login(USERS[local], PW)
    return c


def cmd(c, name, *args, untagged=None):
    """Runs a command; returns (status, untagged data of `untagged`),
    raising imaplib's error on BAD."""
    typ, dat = c._simple_command(name, *args)
    return typ, c._untagged_response(typ, dat, untagged or name)[1]


def lines(data):
    return [d.decode() if isinstance(d, bytes) else d for d in data if d is not None]


LIST_RE = re.compile(r'\(([^)]*)\) "/" (?:"((?:[^"\\]|\\.)*)"|(\S+))(.*)$')


def listing(c, *args, untagged="LIST", command="LIST"):
    """{name: (set of attributes, extended data)}"""
    typ, data = cmd(c, command, *args, untagged=untagged)
    check(typ == "OK", "%s %r: %s" % (command, args, typ))
    out = {}
    for ln in lines(data):
        m = LIST_RE.match(ln)
        check(m is not None, "odd LIST line %r" % ln)
        name = m.group(2) if m.group(2) is not None else m.group(3)
        out[name] = (set(m.group(1).split()), m.group(4).strip())
    return out


def status(c, name, items):
    typ, data = cmd(c, "STATUS", name, items)
    check(typ == "OK", "STATUS %s: %s %r" % (name, typ, data))
    text = lines(data)[0]
    vals = re.search(r"\(([^)]*)\)\s*$", text).group(1).split()
    return {vals[i]: int(vals[i + 1]) for i in range(0, len(vals), 2)}


def bad(c, name, *args):
    try:
        typ, _ = cmd(c, name, *args)
    except c.error:
        return True
    return False


# ------------------------------------------------------------------ tests

def test_capabilities():
    c = login("capa")
    for cap in ("LIST-EXTENDED", "LIST-STATUS", "SPECIAL-USE", "STATUS=SIZE", "CHILDREN",
                "QUOTA", "QUOTA=RES-STORAGE", "QUOTA=RES-MESSAGE", "CREATE-SPECIAL-USE"):
        check(cap in c.capabilities, "%s missing: %r" % (cap, c.capabilities))
    c.logout()


def test_list_basic():
    c = login("lister")
    typ, data = c.list('""', '""')
    check(typ == "OK" and lines(data) == ['(\\Noselect) "/" ""'], data)
    ls = listing(c, '""', "*")
    check(set(ls) == {"INBOX", "Sent", "Drafts", "Trash", "Junk"}, ls)
    check(ls["INBOX"][0] == {"\\HasNoChildren"}, ls["INBOX"])
    check(ls["Sent"][0] == {"\\HasNoChildren", "\\Sent"}, ls["Sent"])
    check("\\Trash" in ls["Trash"][0] and "\\Junk" in ls["Junk"][0] and
          "\\Drafts" in ls["Drafts"][0], ls)
    # INBOX is case-insensitive; patterns with % and a reference.
    check(set(listing(c, '""', "inbox")) == {"INBOX"}, "inbox")
    check(set(listing(c, '""', "In%")) == {"INBOX"}, "In%")
    check(set(listing(c, '""', "%r%")) == {"Drafts", "Trash"}, "%r%")
    check(listing(c, '""', "nothing*") == {}, "nothing")
    c.create("Proj/a")
    check(set(listing(c, '"Proj/"', "%")) == {"Proj/a"}, "reference")
    check(set(listing(c, '""', "%")) == {"INBOX", "Sent", "Drafts", "Trash", "Junk", "Proj"},
          "% stops at /")
    # Several patterns at once (RFC 5258).
    check(set(listing(c, '""', '("Sent" "Junk")')) == {"Sent", "Junk"}, "pattern list")
    typ, data = c.lsub('""', '""')
    check(typ == "OK" and lines(data) == ['(\\Noselect) "/" ""'], data)
    c.logout()


def test_create_nested():
    c = login("creator")
    typ, _ = c.create("a/b/c")
    check(typ == "OK", typ)
    ls = listing(c, '""', "a*")
    check(set(ls) == {"a", "a/b", "a/b/c"}, ls)
    check(ls["a"][0] == {"\\HasChildren"} and ls["a/b"][0] == {"\\HasChildren"} and
          ls["a/b/c"][0] == {"\\HasNoChildren"}, ls)
    check(set(listing(c, '""', "a/%")) == {"a/b"}, "a/%")
    # Intermediate levels are real mailboxes.
    typ, _ = c.select("a/b")
    check(typ == "OK", "select a/b")
    c.unselect()
    # A trailing separator declares inferiors: the mailbox is created bare.
    typ, _ = c.create("parent/")
    check(typ == "OK" and "parent" in listing(c, '""', "parent*"), "trailing /")
    typ, data = c.create("a/b")
    check(typ == "NO" and b"ALREADYEXISTS" in data[0], data)
    typ, data = c.create("inbox")
    check(typ == "NO", data)
    typ, data = c.create('"bad*name"')
    check(typ == "NO", data)
    typ, data = c.create('"x//y"')
    check(typ == "NO", data)
    check(bad(c, "CREATE", '"' + "x" * 1100 + '"'), "too long")
    # RFC 6154 CREATE-SPECIAL-USE.
    typ, data = cmd(c, "CREATE", "Archive", "(USE (\\Archive))")
    check(typ == "OK", data)
    check("\\Archive" in listing(c, '""', "Archive")["Archive"][0], "\\Archive")
    typ, data = cmd(c, "CREATE", "Weird", "(USE (\\Bogus))")
    check(typ == "NO" and b"USEATTR" in data[0], data)
    c.logout()


def test_rename_with_children():
    c = login("renamer")
    for n in ("r1/k1", "r1/k2/deep"):
        check(c.create(n)[0] == "OK", n)
    c.append("r1/k1", None, None, MSG)
    typ, data = c.rename("r1", "r2")
    check(typ == "OK", data)
    ls = listing(c, '""', "r*")
    check(set(ls) == {"r2", "r2/k1", "r2/k2", "r2/k2/deep"}, ls)
    check(status(c, "r2/k1", "(MESSAGES)")["MESSAGES"] == 1, "messages follow")
    # Into a new hierarchy: its parent level is created.
    check(c.rename("r2/k2", "new/place")[0] == "OK", "rename deep")
    ls = listing(c, '""', "*")
    check("new" in ls and "new/place/deep" in ls and "r2/k2" not in ls, ls)
    typ, data = c.rename("r2", "Sent")
    check(typ == "NO" and b"ALREADYEXISTS" in data[0], data)
    typ, data = c.rename("missing", "other")
    check(typ == "NO" and b"NONEXISTENT" in data[0], data)
    typ, data = c.rename("r2", "r2/under")
    check(typ == "NO", data)
    typ, data = c.rename("r2", "INBOX")
    check(typ == "NO", data)
    c.logout()


def test_rename_inbox():
    c = login("inboxmover")
    for _ in range(3):
        c.append("INBOX", None, None, MSG)
    c.create("INBOX/child")
    typ, data = c.rename("INBOX", "Old")
    check(typ == "OK", data)
    check(status(c, "INBOX", "(MESSAGES)")["MESSAGES"] == 0, "INBOX emptied")
    check(status(c, "Old", "(MESSAGES)")["MESSAGES"] == 3, "moved")
    check("INBOX/child" in listing(c, '""', "INBOX*"), "inferiors of INBOX stay")
    typ, _ = c.select("Old")
    check(typ == "OK", "select Old")
    c.logout()


def test_delete():
    c = login("deleter")
    c.create("d/e/f")
    c.append("d/e", None, None, MSG)
    typ, data = c.delete("d/e")
    check(typ == "OK", data)
    ls = listing(c, '""', "d*")
    check(ls["d/e"][0] == {"\\Noselect", "\\HasChildren"}, ls)
    check(c.select("d/e")[0] == "NO", "deleted is not selectable")
    typ, data = c.delete("d/e")  # a level of "d/e/f" now (RFC 9051 section 6.3.4)
    check(typ == "NO" and b"HASCHILDREN" in data[0], data)
    # Re-created: a new UIDVALIDITY, empty.
    check(c.create("d/e")[0] == "OK", "re-create")
    check(status(c, "d/e", "(MESSAGES)")["MESSAGES"] == 0, "empty")
    typ, data = c.delete("INBOX")
    check(typ == "NO", data)
    typ, data = c.delete("inbox")
    check(typ == "NO", data)
    # The selected mailbox deleted by its own session: back to AUTH.
    c.create("gone")
    c.select("gone")
    typ, data = c.delete("gone")
    check(typ == "OK", data)
    check(bad(c, "CLOSE"), "no mailbox selected any more")
    check(c.noop()[0] == "OK", "session goes on")
    c.logout()


def test_delete_selected_elsewhere():
    c1, c2 = login("shared"), login("shared")
    c1.create("victim")
    c1.append("victim", None, None, MSG)
    check(c2.select("victim")[0] == "OK", "select")
    check(c1.delete("victim")[0] == "OK", "delete")
    # The other session gets "* BYE" and is closed (test_imap_qresync.py).
    try:
        c2.noop()
        check(False, "NOOP on a deleted mailbox answered")
    except imaplib.IMAP4.abort as e:
        check("Selected mailbox was deleted" in str(e), e)
    check(c1.noop()[0] == "OK", "deleter goes on")
    c1.logout()


def test_subscribe_lsub():
    c = login("subscriber")
    c.create("s1")
    c.create("s2/child")
    check(set(listing(c, '""', "s*", untagged="LSUB", command="LSUB")) == set(),
          "not subscribed on CREATE")
    check(c.subscribe("s1")[0] == "OK", "subscribe")
    check(c.subscribe("s2/child")[0] == "OK", "subscribe child")
    ls = listing(c, '""', "s*", untagged="LSUB", command="LSUB")
    check(set(ls) == {"s1", "s2/child"}, ls)
    ls = listing(c, '""', "s%", untagged="LSUB", command="LSUB")
    check(set(ls) == {"s1", "s2"} and "\\Noselect" in ls["s2"][0], ls)
    ls = listing(c, "(SUBSCRIBED)", '""', "s*")
    check(set(ls) == {"s1", "s2/child"} and "\\Subscribed" in ls["s1"][0], ls)
    ls = listing(c, "(SUBSCRIBED RECURSIVEMATCH)", '""', "s%")
    check(set(ls) == {"s1", "s2"}, ls)
    check('CHILDINFO' in ls["s2"][1] and '"SUBSCRIBED"' in ls["s2"][1], ls["s2"])
    ls = listing(c, '""', "s*", "RETURN", "(SUBSCRIBED)")
    check("\\Subscribed" in ls["s1"][0] and "\\Subscribed" not in ls["s2"][0], ls)
    check(c.unsubscribe("s1")[0] == "OK", "unsubscribe")
    check(set(listing(c, '""', "s*", untagged="LSUB", command="LSUB")) == {"s2/child"},
          "unsubscribed")
    typ, data = c.subscribe("nosuch")
    check(typ == "NO" and b"NONEXISTENT" in data[0], data)
    c.logout()


def test_status_after_append():
    c = login("counter")
    c.create("box")
    st = status(c, "box", "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN SIZE DELETED RECENT)")
    check(st["MESSAGES"] == 0 and st["UIDNEXT"] == 1 and st["SIZE"] == 0 and
          st["RECENT"] == 0 and st["UIDVALIDITY"] > 0, st)
    msg2 = MSG + b"More text.\r\n"
    c.append("box", "(\\Seen)", None, MSG)
    c.append("box", "(\\Deleted)", None, msg2)
    c.append("box", None, None, MSG)
    st = status(c, "box", "(MESSAGES UNSEEN UIDNEXT SIZE DELETED HIGHESTMODSEQ "
                          "DELETED-STORAGE APPENDLIMIT)")
    check(st["MESSAGES"] == 3 and st["UNSEEN"] == 2 and st["UIDNEXT"] == 4, st)
    check(st["SIZE"] == 2 * len(MSG) + len(msg2), st)
    check(st["DELETED"] == 1 and st["DELETED-STORAGE"] == 1 and st["HIGHESTMODSEQ"] > 1, st)
    check(st["APPENDLIMIT"] > 0, st)
    # Order as asked.
    typ, data = cmd(c, "STATUS", "box", "(UNSEEN MESSAGES)")
    check(lines(data)[0].endswith("(UNSEEN 2 MESSAGES 3)"), data)
    typ, data = c.status("nosuch", "(MESSAGES)")
    check(typ == "NO" and b"NONEXISTENT" in data[0], data)
    c.logout()


def test_list_status():
    c = login("liststatus")
    c.create("ls/one")
    c.append("ls/one", None, None, MSG)
    c.append("ls/one", "(\\Seen)", None, MSG)
    typ, data = c._simple_command("LIST", '""', "ls*", "RETURN", "(STATUS (MESSAGES UNSEEN))")
    check(typ == "OK", data)
    st = lines(c._untagged_response(typ, data, "STATUS")[1])
    check(any(s.startswith('"ls/one" (MESSAGES 2 UNSEEN 1)') for s in st), st)
    check(any(s.startswith('"ls" (MESSAGES 0 UNSEEN 0)') for s in st), st)
    lst = lines(c._untagged_response(typ, data, "LIST")[1])
    check(len(lst) == 2, lst)
    c.logout()


def test_special_use():
    c = login("special")
    ls = listing(c, "(SPECIAL-USE)", '""', "*")
    check(set(ls) == {"Sent", "Drafts", "Trash", "Junk"}, ls)
    ls = listing(c, '""', "*", "RETURN", "(SPECIAL-USE CHILDREN)")
    check("\\Sent" in ls["Sent"][0] and "\\HasNoChildren" in ls["Sent"][0], ls)
    ls = listing(c, "(REMOTE SPECIAL-USE)", '""', "T*")
    check(set(ls) == {"Trash"}, ls)
    c.logout()


def test_mutf7_names():
    c = login("intl")
    ete = "&AOk-t&AOk-"  # "été"
    check(c.create(ete)[0] == "OK", "create mUTF-7")
    check(c.create("Entw&APw-rfe/R&-D")[0] == "OK", "create nested mUTF-7")
    ls = listing(c, '""', "*")
    check(ete in ls and "Entw&APw-rfe/R&-D" in ls and "Entw&APw-rfe" in ls, ls)
    # A pattern in modified UTF-7 too.
    check(set(listing(c, '""', "&AOk-*")) == {ete}, "mUTF-7 pattern")
    check(c.append(ete, None, None, MSG)[0] == "OK", "append")
    check(status(c, ete, "(MESSAGES)")["MESSAGES"] == 1, "status")
    # COPY and MOVE decode their destination too.
    check(c.select(ete)[0] == "OK", "select mUTF-7")
    typ, data = c.copy("1", "Entw&APw-rfe")
    check(typ == "OK", ("copy to mUTF-7", typ, data))
    check(status(c, "Entw&APw-rfe", "(MESSAGES)")["MESSAGES"] == 1, "copied")
    typ, data = c._simple_command("MOVE", "1", "Entw&APw-rfe/R&-D")
    check(typ == "OK", ("move to mUTF-7", typ, data))
    check(status(c, "Entw&APw-rfe/R&-D", "(MESSAGES)")["MESSAGES"] == 1, "moved")
    c.close()
    # Stored as UTF-8: balisectl shows the real name.
    show = json.loads(B.ctl("bal", "show", USERS["intl"], "--json"))
    names = {m["name"] for m in show["mailboxes"]}
    check("\u00e9t\u00e9" in names and "Entw\u00fcrfe/R&D" in names, names)
    # Not modified UTF-7: refused with BAD, the session goes on.
    for name in ("&AOk", "&AGE-", "&Jjo!", "a&AOk-&AOk-"):
        check(bad(c, "CREATE", '"%s"' % name), name)
    c.send(b"X1 CREATE {2}\r\n")
    check(c.readline().startswith(b"+"), "continuation")
    c.send("\u00e9\r\n".encode())
    check(c.readline().startswith(b"X1 BAD"), "8-bit name refused")
    check(c.rename(ete, "&AOk-t&AOk-2")[0] == "OK", "rename mUTF-7")
    check(c.delete("&AOk-t&AOk-2")[0] == "OK", "delete mUTF-7")
    if "UTF8=ACCEPT" in c.capabilities:
        typ, _ = c.enable("UTF8=ACCEPT")
        ls = listing(c, '""', "Entw*")
        check("Entw\u00fcrfe" in ls, ls)
    c.logout()


def test_quota():
    addr = B.add_bal("quotee", PW, quota="1M")
    USERS["quotee"] = addr
    B.ctl("bal", "set", addr, "--quota-messages", "10")
    c = login("quotee")
    typ, data = c.getquotaroot("INBOX")
    check(typ == "OK", data)
    got = [lines(x) for x in data]
    check(got[0] in (['INBOX ""'], ['"INBOX" ""']), got)
    check(got[1] == ['"" (STORAGE 0 1024 MESSAGE 0 10)'], got)
    c.append("INBOX", None, None, MSG)
    c.append("Sent", None, None, MSG * 10)
    typ, data = c.getquota('""')
    kib = (11 * len(MSG) + 1023) // 1024
    check(lines(data) == ['"" (STORAGE %d 1024 MESSAGE 2 10)' % kib], data)
    B.ctl("bal", "set", addr, "--quota", "2M", "--quota-messages", "0")
    typ, data = c.getquota('""')
    check(lines(data) == ['"" (STORAGE %d 2048)' % kib], data)
    typ, data = c.getquota('"other"')
    check(typ == "NO", data)
    typ, data = c.getquotaroot("nosuch")
    check(typ == "NO", data)
    typ, data = c.setquota('""', "(STORAGE 10)")
    check(typ == "NO", data)
    c.logout()


def test_malformed():
    c = login("malformed")
    for args in (("LIST",), ("LIST", '""'), ("LIST", "(BOGUS)", '""', "*"),
                 ("LIST", "(RECURSIVEMATCH)", '""', "*"),
                 ("LIST", '""', "*", "RETURN", "(BOGUS)"),
                 ("LIST", '""', "*", "RETURN", "(STATUS (BOGUS))"),
                 ("LIST", '""', "*", "EXTRA"), ("LIST", '""', "()"),
                 ("STATUS", "INBOX"), ("STATUS", "INBOX", "()"),
                 ("STATUS", "INBOX", "(MESSAGES BOGUS)"), ("STATUS", "INBOX", "MESSAGES"),
                 ("CREATE",), ("CREATE", "a", "(USE)"), ("RENAME", "a"),
                 ("DELETE", "(a)"), ("SUBSCRIBE", "(a)"), ("GETQUOTA", "(x)"),
                 ("GETQUOTAROOT",), ("SETQUOTA", '""', "x"), ("LSUB", '""')):
        check(bad(c, *args), "%r not BAD" % (args,))
        check(c.noop()[0] == "OK", "NOOP after %r" % (args,))  # no BAD run
    check(c.noop()[0] == "OK", "session survives")
    check(c.list('""', "INBOX")[0] == "OK", "still lists")
    c.logout()


TESTS = [
    test_capabilities,
    test_list_basic,
    test_create_nested,
    test_rename_with_children,
    test_rename_inbox,
    test_delete,
    test_delete_selected_elsewhere,
    test_subscribe_lsub,
    test_status_after_append,
    test_list_status,
    test_special_use,
    test_mutf7_names,
    test_quota,
    test_malformed,
]


def main():
    global B
    with harness.Balise() as b:
        B = b.start()
        status_ = harness.run_tests(TESTS)
        rc = b.stop()
        if rc != 0:
            print("FAIL balised exit status %r\n%s" % (rc, b.output()[-4000:]))
            status_ = 1
        if status_:
            print(b.output()[-6000:])
    return status_


if __name__ == "__main__":
    sys.exit(main())

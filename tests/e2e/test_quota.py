#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# Quota alerts (EX_GBM_4470) end to end: imaplib over implicit TLS fills a
# small-quota BAL (balisectl bal create --quota) with APPEND and COPY; the
# 80 %, 90 % and 100 % alerts are read back from its INBOX (From the
# postmaster, Auto-Submitted: auto-generated, one per crossing, re-armed
# after an expunge, the 100 % one on a refused APPEND or COPY), usage leaves
# them out; then balisectl quota report as text and JSON, with --over.
# The alerts are balised's own, in French: their subjects are checked.
import email
import email.header
import imaplib
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

IO_TIMEOUT = 30
PW = "pw-secret"
QUOTA = 10240  # --quota 10K
check = harness.check
B = None


def message(size, n):
    """A message of exactly size bytes."""
    head = ("From: <alice@test.example>\r\nTo: <small@test.example>\r\n"
            "Subject: filler %d\r\nMessage-ID: <%d@test.example>\r\n\r\n" % (n, n)).encode()
    body = size - len(head) - 2
    assert body >= 0, "message too small for its header"
    return head + b"x" * body + b"\r\n"


def login(addr):
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=B.tls_context(),
                          timeout=IO_TIMEOUT)
    c.login(addr, PW)
    return c


def append(c, box, size, n):
    typ, data = c.append(box, None, None, message(size, n))
    return typ, (data[0] or b"").decode()


def alerts(c):
    """The messages of INBOX sent by a postmaster: [(headers, body)]."""
    typ, _ = c.select("INBOX", readonly=True)
    check(typ == "OK", "SELECT INBOX: %s" % typ)
    typ, data = c.uid("SEARCH", None, "FROM", "postmaster")
    check(typ == "OK", "SEARCH: %s" % typ)
    out = []
    for uid in data[0].split():
        typ, d = c.uid("FETCH", uid, "(BODY.PEEK[])")
        check(typ == "OK", "FETCH %s: %s" % (uid, typ))
        out.append(email.message_from_bytes(d[0][1]))
    return out


def inbox_count(c):
    typ, data = c.status("INBOX", "(MESSAGES)")
    return int(re.search(rb"MESSAGES (\d+)", data[0]).group(1))


SUBJECTS = {80: "remplie à 80\u00a0%", 90: "remplie à 90\u00a0%", 100: "est pleine"}


def subject(m):
    return str(email.header.make_header(email.header.decode_header(m["Subject"])))


def check_alert(m, addr, level):
    check(SUBJECTS[level] in subject(m), "level %d alert, Subject %r" % (level, subject(m)))
    check(m.get_content_type() == "text/plain" and "Bonjour" in
          m.get_payload(decode=True).decode(m.get_content_charset()), "French body")
    check(m["Auto-Submitted"] == "auto-generated", "Auto-Submitted: %r" % m["Auto-Submitted"])
    check("postmaster@test.example" in m["From"].lower(), "From: %r" % m["From"])
    check(addr in m["To"], "To: %r" % m["To"])
    check(m["Message-ID"], "no Message-ID")


def usage(c):
    typ, data = c.getquotaroot("INBOX")
    check(typ == "OK", "GETQUOTAROOT: %s" % typ)
    text = b" ".join(x for x in data[1] if isinstance(x, bytes)).decode()
    m = re.search(r"STORAGE (\d+) (\d+)", text)
    return int(m.group(1)), text


def report(*args):
    return json.loads(B.ctl("quota", "report", "--json", *args))


def test_append_alerts():
    addr = B.add_bal("small", PW, quota="10K")
    c = login(addr)
    typ, txt = append(c, "Sent", 8000, 1)  # 78 %
    check(typ == "OK", "APPEND 1: %s %s" % (typ, txt))
    check(inbox_count(c) == 0, "an alert under 80 %")
    typ, txt = append(c, "Sent", 200, 2)  # 80.08 %
    check(typ == "OK", "APPEND 2: %s %s" % (typ, txt))
    a = alerts(c)
    check(len(a) == 1, "one alert at 80 %%, got %d" % len(a))
    check_alert(a[0], addr, 80)
    typ, _ = append(c, "Sent", 150, 3)  # 81.5 %: no second alert
    check(len(alerts(c)) == 1, "80 % alerted twice")
    typ, _ = append(c, "Sent", 1000, 4)  # 91 %
    check(typ == "OK" and len(alerts(c)) == 2, "no 90 % alert")
    # past the quota: refused, the 100 % alert goes out once
    typ, txt = append(c, "Sent", 2000, 5)
    check(typ == "NO" and "[OVERQUOTA]" in txt, "APPEND past quota: %s %s" % (typ, txt))
    check(len(alerts(c)) == 3, "no 100 % alert on refusal")
    typ, txt = append(c, "Sent", 2000, 6)
    check(typ == "NO" and "[OVERQUOTA]" in txt, "second refusal: %s %s" % (typ, txt))
    a = alerts(c)
    check(len(a) == 3, "100 %% alerted twice: %d alerts" % len(a))
    for m, level in zip(a, (80, 90, 100)):
        check_alert(m, addr, level)
    # the alerts are not counted: usage is the 9350 bytes of Sent
    used, text = usage(c)
    check(used == (9350 + 1023) // 1024, "usage counts the alerts: %s" % text)
    rows = report()
    check(rows[0]["address"] == addr and rows[0]["used_bytes"] == 9350, "report %r" % rows)
    check(rows[0]["alert_level"] == 100 and rows[0]["percent"] == 91, "report %r" % rows[0])
    # free space: expunge the big message, the levels re-arm
    c.select("Sent")
    c.uid("STORE", "1", "+FLAGS", "(\\Deleted)")
    typ, _ = c.expunge()
    check(typ == "OK", "EXPUNGE: %s" % typ)
    rows = report()
    check(rows[0]["alert_level"] == 0 and rows[0]["used_bytes"] == 1350, "re-arm %r" % rows[0])
    typ, _ = append(c, "Sent", 7000, 7)  # 81 %: 80 % again
    check(typ == "OK" and len(alerts(c)) == 4, "80 % not re-armed")
    # COPY past the quota: refused, 100 % alert; MOVE stays free
    c.select("Sent")
    typ, data = c.uid("COPY", "1:*", "Drafts")
    check(typ == "NO" and b"[OVERQUOTA]" in data[0], "COPY past quota: %s %r" % (typ, data))
    check(len(alerts(c)) == 5, "no 100 % alert on a refused COPY")
    c.select("Sent")
    typ, data = c.uid("MOVE", "1:*", "Drafts")
    check(typ == "OK", "MOVE at 81 %%: %s %r" % (typ, data))
    check(len(alerts(c)) == 5, "MOVE sent an alert")
    rows = report()
    check(rows[0]["alert_level"] == 100 and rows[0]["used_bytes"] == 8350, "MOVE %r" % rows[0])
    c.logout()


def test_alerts_not_refused_when_full():
    addr = B.add_bal("full", PW, quota="10K")
    c = login(addr)
    typ, txt = append(c, "INBOX", QUOTA, 1)  # exactly full: accepted, 100 %
    check(typ == "OK", "APPEND to exactly full: %s %s" % (typ, txt))
    a = alerts(c)
    check(len(a) == 1, "%d alerts at exactly 100 %%" % len(a))
    check_alert(a[0], addr, 100)
    check(inbox_count(c) == 2, "INBOX should hold the message and the alert")
    typ, txt = append(c, "INBOX", 200, 2)
    check(typ == "NO" and "[OVERQUOTA]" in txt, "full: %s %s" % (typ, txt))
    check(len(alerts(c)) == 1, "refused at 100 % alerted again")
    c.logout()


def test_report_text_and_filters():
    B.add_bal("empty", PW, quota="1M")
    B.add_bal("unlimited", PW, quota="0")
    rows = report()
    pcts = [r["percent"] for r in rows]
    check(pcts == sorted(pcts, reverse=True), "not sorted by percent: %r" % pcts)
    by = {r["address"]: r for r in rows}
    check(set(by) >= {"full@test.example", "small@test.example", "empty@test.example",
                      "unlimited@test.example"}, "report rows %r" % sorted(by))
    full = by["full@test.example"]
    check(full == {"address": "full@test.example", "type": "PER", "used_bytes": QUOTA,
                   "quota_bytes": QUOTA, "used_messages": 1, "quota_messages": None,
                   "percent": 100, "alert_level": 100}, "full row %r" % full)
    check(by["unlimited@test.example"]["quota_bytes"] is None, "unlimited %r" % by)
    over = report("--over", "80")
    check([r["address"] for r in over] == ["full@test.example", "small@test.example"],
          "--over 80: %r" % over)
    check(report("--over", "100%") == [full], "--over 100%")
    text = B.ctl("quota", "report", "--over", "80").splitlines()
    check(text[0].split() == ["ADDRESS", "TYPE", "USED", "QUOTA", "MESSAGES", "USE", "ALERT"],
          "header %r" % text[0])
    check(len(text) == 3 and text[1].split() == ["full@test.example", "PER", "10K", "10K",
                                                   "1", "100%", "100%"], "text %r" % text)
    check(B.ctl("quota", "report", "--over", "101").splitlines()[1:] == [], "--over 101")
    for bad in ("x", "-1", "80%%", ""):
        try:
            B.ctl("quota", "report", "--over", bad)
        except RuntimeError as e:
            check("exit 2" in str(e) and "--over" in str(e), "--over %r: %s" % (bad, e))
        else:
            raise AssertionError("--over %r accepted" % bad)


def main():
    global B
    with harness.Balise() as b:
        B = b
        b.start()
        status = harness.run_tests([test_append_alerts, test_alerts_not_refused_when_full,
                                    test_report_text_and_filters])
        b.ctl("store", "check")  # raises unless the store is consistent
    return status


if __name__ == "__main__":
    sys.exit(main())

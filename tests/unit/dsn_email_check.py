# SPDX-License-Identifier: ISC
"""A second, independent reader for check_dsn: Python's email package parses
the reports and alerts that check_dsn wrote, and checks what a mail client
would show. Each argument is "path|kind|subject|actions" where kind is dsn
or alert and actions the expected Action values, comma-separated.
Exit status 0 when every message reads as expected."""
import email
import email.policy
import sys


def fail(path, why):
    print(f"{path}: {why}")
    sys.exit(1)


def check_common(path, m, subject):
    if m.defects:
        fail(path, f"defects {m.defects}")
    if str(m["Subject"]) != subject:
        fail(path, f"subject {str(m['Subject'])!r} != {subject!r}")
    if m["MIME-Version"] != "1.0" or not m["Message-ID"] or not m["Date"]:
        fail(path, "missing MIME-Version, Message-ID or Date")
    if m["Date"].datetime is None:
        fail(path, "unreadable Date")


def check_dsn(path, m, actions):
    if m.get_content_type() != "multipart/report":
        fail(path, m.get_content_type())
    if m.get_param("report-type") != "delivery-status":
        fail(path, "report-type")
    if m["Auto-Submitted"] != "auto-replied":
        fail(path, "Auto-Submitted")
    parts = list(m.iter_parts())
    if [p.get_content_type() for p in parts[:2]] != ["text/plain", "message/delivery-status"]:
        fail(path, f"parts {[p.get_content_type() for p in parts]}")
    for p in parts:
        if p.defects:
            fail(path, f"part defects {p.defects}")
    text = parts[0].get_content()
    if "Bonjour" not in text or "é" not in text or "Cordialement" not in text:
        fail(path, "French text not decoded")
    blocks = parts[1].get_payload()
    if "Reporting-MTA" not in blocks[0]:
        fail(path, "no Reporting-MTA")
    got = [b["Action"] for b in blocks[1:]]
    if got != actions:
        fail(path, f"actions {got} != {actions}")
    for b in blocks[1:]:
        if not b["Final-Recipient"] or not b["Status"]:
            fail(path, "recipient block without Final-Recipient or Status")


def check_alert(path, m):
    if m.get_content_type() != "text/plain" or m["Auto-Submitted"] != "auto-generated":
        fail(path, "alert type or Auto-Submitted")
    body = m.get_content()
    if "Bonjour" not in body or "boîte aux lettres" not in body:
        fail(path, "alert text not decoded")


def main():
    for arg in sys.argv[1:]:
        path, kind, subject, actions = arg.split("|")
        with open(path, "rb") as f:
            m = email.message_from_binary_file(f, policy=email.policy.default)
        check_common(path, m, subject)
        if kind == "dsn":
            check_dsn(path, m, actions.split(","))
        else:
            check_alert(path, m)
    print(f"{len(sys.argv) - 1} messages read back")


main()

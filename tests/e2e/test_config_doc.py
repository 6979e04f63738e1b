#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# docs/configuration.md against the configuration table of the code
# (common/cfg.c, listed by `balisectl config keys --json`): every key is
# documented under its section's heading, with its default, and the page
# documents no key the code does not know.
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

DOC = os.path.join(harness.SRC, "docs", "configuration.md")
# how the page writes an empty default
EMPTY_DEFAULTS = {"*(empty)*", "*(off)*", "*(unset)*", "*(none)*"}


def code_keys():
    return json.loads(harness.sh(harness.BALISECTL, "config", "keys", "--json"))


def doc_keys(text):
    """{(section, key): default cell} from the tables under '## Keys'."""
    keys = {}
    section = None
    in_keys = False
    for line in text.splitlines():
        if line.startswith("## "):
            in_keys = line.strip() == "## Keys"
            section = None
            continue
        if not in_keys:
            continue
        m = re.match(r"^### `\[([a-z_]+)\]`", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^\|\s*`([a-z_0-9]+)`\s*\|", line)
        if m and section is not None:
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            keys[(section, m.group(1))] = cells[2] if len(cells) > 2 else ""
    return keys


def default_cell(default):
    if default is None:
        return {"**required**"}
    if default == "":
        return EMPTY_DEFAULTS
    return {"`%s`" % default}


def test_every_key_documented():
    with open(DOC, encoding="utf-8") as f:
        doc = doc_keys(f.read())
    missing = ["[%s] %s" % (k["section"], k["key"]) for k in code_keys()
               if (k["section"], k["key"]) not in doc]
    check(not missing, "undocumented in docs/configuration.md: " + ", ".join(missing))


def test_no_unknown_key_documented():
    with open(DOC, encoding="utf-8") as f:
        doc = doc_keys(f.read())
    known = {(k["section"], k["key"]) for k in code_keys()}
    extra = ["[%s] %s" % sk for sk in doc if sk not in known]
    check(not extra, "documented but not in common/cfg.c: " + ", ".join(extra))


def test_defaults_match():
    with open(DOC, encoding="utf-8") as f:
        doc = doc_keys(f.read())
    wrong = []
    for k in code_keys():
        cell = doc.get((k["section"], k["key"]))
        if cell is not None and cell not in default_cell(k["default"]):
            wrong.append("[%s] %s: code %r, page %r" % (k["section"], k["key"], k["default"],
                                                         cell))
    check(not wrong, "defaults differ: " + "; ".join(wrong))


def test_keys_listing():
    keys = code_keys()
    check(len(keys) >= 40, len(keys))
    for k in keys:
        check(k["section"] and k["key"] and k["type"] and k["help"], k)
    text = harness.sh(harness.BALISECTL, "config", "keys")
    check("[server] data_dir (path, default required): " in text, text[:400])
    check(len(text.splitlines()) == len(keys), "one line per key")


def main():
    return harness.run_tests([test_every_key_documented, test_no_unknown_key_documented,
                              test_defaults_match, test_keys_listing])


if __name__ == "__main__":
    sys.exit(main())

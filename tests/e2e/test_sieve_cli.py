#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# balisectl sieve put|list|get|activate|delete, vacation set|off|show,
# forward set|off|show and annuaire check|show end to end on a temporary
# store. Some listings use tests/e2e/sieve_inject (built for make check,
# linked with libbalstore) to store scripts without the compiler. The
# Annuaire files are synthetic, made from the documented 31 columns.
# Stdlib only.
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from harness import BUILD, check, run_tests  # noqa: E402

CTL = os.path.join(BUILD, "admin", "balisectl")
INJECT = os.path.join(BUILD, "tests", "e2e", "sieve_inject")
TIMEOUT = 60
RPPS = "810001234565"
DOMAIN = "cab.example.mssante.fr"
BAL = "jean.dupont@" + DOMAIN

CONF = """\
# written by test_sieve_cli.py
[server]
hostname = mx.test.invalid
data_dir = {data_dir}

[storage]
map_size = 16M
map_size_max = 256M
{trust}"""

HEADER = ("Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|"
          "Identification nationale PP|Type identifiant structure|Identification Structure|"
          "Service de rattachement|Civilité d'exercice|Nom d'exercice|Prénom d'exercice|"
          "Catégorie profession|Libellé de catégorie profession|Code Profession|"
          "Libellé Profession|Code savoir-faire|Libellé savoir-faire|Dématérialisation|"
          "Raison Sociale structure BAL|Enseigne commerciale structure BAL|"
          "L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|L4NUMEROVOIE|"
          "L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|"
          "L6LIGNEACHEMINEMENT|Code postal|Département|Pays")


def row(typ, addr, idnat="", structure=""):
    f = [typ, addr, "8" if idnat else "", idnat[1:], idnat, "1" if structure else "", structure,
         "Cardiologie", "M", "Dupont", "Jean", "C", "Civil", "10", "Médecin", "SM04",
         "Cardiologie", "O", "Cabinet", "", "", "", "12", "", "R", "de la Paix", "", "PARIS",
         "75001", "75", "France"]
    assert len(f) == 31
    return "|".join(f)


class Env:
    def __init__(self, annuaire=None):
        self.tmp = tempfile.TemporaryDirectory(prefix="balise-sieve-")
        self.data = os.path.join(self.tmp.name, "data")
        self.conf = os.path.join(self.tmp.name, "balise.conf")
        trust = "\n[trust]\nannuaire = %s\n" % annuaire if annuaire else ""
        with open(self.conf, "w") as f:
            f.write(CONF.format(data_dir=self.data, trust=trust))

    def path(self, name):
        return os.path.join(self.tmp.name, name)

    def run(self, *args, stdin=None):
        p = subprocess.run([CTL, "-c", self.conf] + list(args), capture_output=True,
                           timeout=TIMEOUT,
                           **({"input": stdin} if stdin is not None
                              else {"stdin": subprocess.DEVNULL}))
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def ok(self, *args, stdin=None):
        rc, out, err = self.run(*args, stdin=stdin)
        check(rc == 0, "%s: exit %d, stderr %r" % (" ".join(args), rc, err))
        return out.decode("utf-8")

    def expect(self, code, *args, says=(), stdin=None):
        rc, out, err = self.run(*args, stdin=stdin)
        check(rc == code, "%s: exit %d, expected %d; stderr %r" % (" ".join(args), rc, code, err))
        check(err.startswith("balisectl: "), "stderr %r" % err)
        for s in says:
            check(s in err, "%s: stderr %r lacks %r" % (" ".join(args), err, s))
        return err

    def inject(self, name, text, active=False, code=0):
        src = self.path("script.sieve")
        with open(src, "wb") as f:
            f.write(text.encode("utf-8"))
        args = [INJECT, self.data, BAL, name, src] + (["--active"] if active else [])
        p = subprocess.run(args, capture_output=True, text=True, timeout=TIMEOUT)
        check(p.returncode == code, "sieve_inject %s: exit %d: %s" % (name, p.returncode,
                                                                     p.stderr))

    def listing(self):
        return json.loads(self.ok("sieve", "list", BAL, "--json"))

    def close(self):
        self.tmp.cleanup()


def with_env(fn):
    def wrapped():
        env = Env()
        try:
            env.ok("domain", "add", DOMAIN)
            env.ok("bal", "create", BAL, "--type", "PER", "--holder-type", "8", "--holder", RPPS)
            fn(env)
        finally:
            env.close()
    wrapped.__name__ = fn.__name__
    return wrapped


FILEINTO = 'require "fileinto";\r\nif header :contains "subject" "urgent" {\r\n  fileinto "Urgences";\r\n}\r\n'
VACATION = 'require "vacation";\nvacation :days 7 "Absent jusqu\'au 15 : écrivez à mon confrère.";\n'


@with_env
def test_list_get(env):
    out = env.listing()
    check(out["scripts"] == [] and out["bal"] == BAL and out["bytes"] == 0, "empty %r" % out)
    check(out["scripts_max"] == 32 and out["bytes_max"] == 1048576, "limits %r" % out)
    env.inject("filtres", FILEINTO)
    env.inject("vacances été", VACATION, active=True)
    out = env.listing()
    names = [(s["name"], s["active"], s["size"]) for s in out["scripts"]]
    check(names == [("filtres", False, len(FILEINTO.encode())),
                    ("vacances été", True, len(VACATION.encode()))], "list %r" % names)
    check(out["bytes"] == len(FILEINTO.encode()) + len(VACATION.encode()), "bytes %r" % out)
    check(out["scripts"][0]["updated"].endswith("Z"), "updated %r" % out["scripts"][0])
    text = env.ok("sieve", "list", BAL)
    lines = text.splitlines()
    check(lines[0].split() == ["ACTIVE", "SIZE", "UPDATED", "NAME"], "header %r" % lines[0])
    check(lines[2].startswith("yes") and lines[2].endswith("vacances été"), "row %r" % lines[2])
    check(lines[-1] == "2 of 32 scripts, %d of 1048576 bytes" % out["bytes"], "sum %r" % lines[-1])
    # get prints the exact bytes, CRLF and accents included
    rc, raw, err = env.run("sieve", "get", BAL, "filtres")
    check(rc == 0 and raw == FILEINTO.encode(), "get filtres: %r %r" % (raw, err))
    rc, raw, err = env.run("sieve", "get", BAL, "vacances été")
    check(rc == 0 and raw == VACATION.encode(), "get vacances: %r" % raw)
    env.expect(1, "sieve", "get", BAL, "absent", says=['no script named "absent"'])
    env.expect(1, "sieve", "list", "personne@" + DOMAIN, says=["personne@" + DOMAIN])
    env.expect(2, "sieve", "get", BAL)
    env.expect(2, "sieve", "list")


@with_env
def test_activate_delete(env):
    env.inject("a", "keep;\n")
    env.inject("b", "discard;\n")
    out = env.ok("sieve", "activate", BAL, "a")
    check('"a"' in out, "activate output %r" % out)
    check([s["active"] for s in env.listing()["scripts"]] == [True, False], "a active")
    env.ok("sieve", "activate", BAL, "b")
    check([s["active"] for s in env.listing()["scripts"]] == [False, True], "only b active")
    env.expect(1, "sieve", "activate", BAL, "zz", says=['no script named "zz"'])
    check([s["active"] for s in env.listing()["scripts"]] == [False, True], "unchanged")
    env.expect(2, "sieve", "activate", BAL)
    env.expect(2, "sieve", "activate", BAL, "a", "--none")
    # the active script cannot be deleted (RFC 5804 ACTIVE)
    env.expect(1, "sieve", "delete", BAL, "b", says=["is active", "--none"])
    check(len(env.listing()["scripts"]) == 2, "b deleted while active")
    env.ok("sieve", "delete", BAL, "a")
    check([s["name"] for s in env.listing()["scripts"]] == ["b"], "a still there")
    env.expect(1, "sieve", "delete", BAL, "a", says=['no script named "a"'])
    out = env.ok("sieve", "activate", BAL, "--none")
    check("no active script" in out, "--none output %r" % out)
    check([s["active"] for s in env.listing()["scripts"]] == [False], "still active")
    env.ok("sieve", "delete", BAL, "b")
    check(env.listing()["scripts"] == [], "not empty")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check %r" % out)


@with_env
def test_removed_with_bal(env):
    env.inject("a", "keep;\n", active=True)
    env.inject("b", "stop;\n")
    env.ok("bal", "delete", BAL, "--yes")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check after bal delete: %r" % out)
    # the address is re-created for the same holder: no script comes back
    env.ok("bal", "create", BAL, "--type", "PER", "--holder-type", "8", "--holder", RPPS)
    check(env.listing()["scripts"] == [], "scripts survived their BAL")
    # the store's limits hold for injected scripts too
    env.inject("big", "#" * (256 * 1024 + 1), code=1)


def write(path, text, bom=False, eol="\n"):
    with open(path, "wb") as f:
        f.write((("\ufeff" if bom else "") + eol.join(text) + eol).encode("utf-8"))


def test_annuaire():
    env = Env()
    try:
        good = env.path("Extraction_Correspondance_MSSante_202612010300.txt")
        write(good, [HEADER, row("PER", "Jean.Dupont@autre.mssante.fr", RPPS),
                     row("PER", "jean.dupont@autre.mssante.fr", RPPS),
                     row("ORG", "accueil@ch.mssante.fr", structure="1750712184")],
              bom=True, eol="\r\n")
        out = env.ok("annuaire", "check", good)
        check(out == "annuaire OK: %s: 3 BAL lines, 2 addresses (PER 2, ORG 1, CAB 0, APP 0, "
              "other 0)\n" % good, "check %r" % out)
        j = json.loads(env.ok("annuaire", "check", good, "--json"))
        check(j["lines"] == 3 and j["addresses"] == 2 and j["PER"] == 2 and j["ORG"] == 1,
              "json %r" % j)
        bad = env.path("bad.txt")
        write(bad, [HEADER, row("PER", "a@b.mssante.fr", RPPS), "PER|x@b.fr|8|1"])
        env.expect(1, "annuaire", "check", bad, says=["bad.txt:3: 4 columns, expected 31"])
        write(bad, [HEADER, row("PER", "a b@b.mssante.fr", RPPS)])
        env.expect(1, "annuaire", "check", bad, says=["bad.txt:2: the address"])
        env.expect(1, "annuaire", "check", env.path("missing.txt"), says=["missing.txt"])
        env.expect(1, "annuaire", "check", says=["no [trust] annuaire configured"])
        out = env.ok("annuaire", "show", "JEAN.DUPONT@autre.mssante.fr", "--file", good)
        check(out.splitlines() == [
            "jean.dupont@autre.mssante.fr  type PER  holder %s  structure -  (line 2)" % RPPS,
            "jean.dupont@autre.mssante.fr  type PER  holder %s  structure -  (line 3)" % RPPS],
            "show %r" % out)
        j = json.loads(env.ok("annuaire", "show", "accueil@ch.mssante.fr", "--file", good,
                              "--json"))
        check(j == [{"address": "accueil@ch.mssante.fr", "type": "ORG", "holder": "",
                     "structure": "1750712184", "line": 4}], "show json %r" % j)
        env.expect(1, "annuaire", "show", "x@y.fr", "--file", good, says=["not in the annuaire"])
    finally:
        env.close()
    # from [trust] annuaire; config check parses it
    env = Env(annuaire="extraction.txt")
    try:
        path = env.path("extraction.txt")
        write(path, [HEADER, row("PER", "a@b.mssante.fr", RPPS)])
        out = env.ok("annuaire", "check")
        check(out.startswith("annuaire OK: %s: 1 BAL lines" % path), "configured %r" % out)
        out = env.ok("annuaire", "show", "a@b.mssante.fr")
        check("type PER" in out, "show configured %r" % out)
        env.ok("config", "check")
        write(path, [HEADER])
        env.expect(1, "config", "check", says=["[trust] annuaire:", "no BAL listed"])
    finally:
        env.close()


# ---------------------------------------------------------------- sieve put, vacation, forward

RPPS_B = "810007654329"
SAME = "dr.dupont@" + DOMAIN      # another PER BAL of the same holder
OTHER = "marie.martin@" + DOMAIN  # a PER BAL of another holder
REMOTE = "autre.mssante.fr"
RULE = "RE_GBM_4480"


def with_trust_env(fn):
    """BAL, SAME and OTHER here; the Annuaire lists the holder's BAL at
    another operator, and another holder's."""
    def wrapped():
        env = Env(annuaire="extraction.txt")
        try:
            write(env.path("extraction.txt"),
                  [HEADER, row("PER", "jean.dupont@" + REMOTE, RPPS),
                   row("PER", "autre.pro@" + REMOTE, RPPS_B)])
            env.ok("domain", "add", DOMAIN)
            for addr, holder in ((BAL, RPPS), (SAME, RPPS), (OTHER, RPPS_B)):
                env.ok("bal", "create", addr, "--type", "PER", "--holder-type", "8",
                       "--holder", holder)
            fn(env)
        finally:
            env.close()
    wrapped.__name__ = fn.__name__
    return wrapped


def put_file(env, name, text):
    path = env.path(name)
    with open(path, "wb") as f:
        f.write(text.encode("utf-8") if isinstance(text, str) else text)
    return path


@with_env
def test_put(env):
    f = put_file(env, "f.sieve", FILEINTO)
    out = env.ok("sieve", "put", BAL, "filtres", f)
    check(out == 'script "filtres" of %s stored (%d bytes)\n' % (BAL, len(FILEINTO.encode())),
          "put output %r" % out)
    rc, raw, err = env.run("sieve", "get", BAL, "filtres")
    check(rc == 0 and raw == FILEINTO.encode(), "get after put: %r %r" % (raw, err))
    s = env.listing()["scripts"]
    check([(x["name"], x["active"]) for x in s] == [("filtres", False)], "listing %r" % s)
    check(s[0]["compiled_size"] > 0 and s[0]["compiled_version"] == 1, "compiled %r" % s)
    # from standard input, activated
    out = env.ok("sieve", "put", BAL, "vacances été", "-", "--activate", stdin=VACATION.encode())
    check("now the active one" in out, "activate output %r" % out)
    check([x["active"] for x in env.listing()["scripts"]] == [False, True], "active flag")
    # a syntax error: line and column, nothing stored, the old text kept
    bad = put_file(env, "bad.sieve", 'require "fileinto";\nif true {\n  fileinto "X"\n}\n')
    env.expect(1, "sieve", "put", BAL, "filtres", bad,
               says=['script "filtres" refused', "bad.sieve: line 4, column 1"])
    rc, raw, err = env.run("sieve", "get", BAL, "filtres")
    check(raw == FILEINTO.encode(), "a refused put changed the script: %r" % raw)
    env.expect(1, "sieve", "put", BAL, "x", put_file(env, "u.sieve", 'fileinto "X";\n'),
               says=["line 1, column 1", "fileinto"])
    # replacing keeps the active flag
    out = env.ok("sieve", "put", BAL, "vacances été", "-", stdin=b"keep;\n")
    check("replaced" in out, "replace output %r" % out)
    check([x["active"] for x in env.listing()["scripts"]] == [False, True], "still active")
    # usage and refusals name what is wrong
    env.expect(2, "sieve", "put", BAL, "a\tb", f, says=["NAME:", "control character"])
    env.expect(2, "sieve", "put", BAL, "n")
    env.expect(1, "sieve", "put", "personne@" + DOMAIN, "n", f, says=["no such BAL"])
    env.expect(1, "sieve", "put", BAL, "n", env.path("missing.sieve"), says=["missing.sieve"])
    env.expect(1, "sieve", "put", BAL, "n", put_file(env, "empty", ""), says=["is empty"])
    check(len(env.listing()["scripts"]) == 2, "a refused put stored something")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check %r" % out)


@with_env
def test_put_limits(env):
    # 256 KiB per script, HAVESPACE
    big = put_file(env, "big", "#" * (256 * 1024) + "\n")
    env.expect(1, "sieve", "put", BAL, "big", big, says=["larger than 256 KiB"])
    # 1 MiB in all: four scripts of 255 KiB fit, a fifth does not
    text = "#" * (255 * 1024) + "\nkeep;\n"
    f = put_file(env, "t", text)
    for i in range(4):
        env.ok("sieve", "put", BAL, "s%d" % i, f)
    env.expect(1, "sieve", "put", BAL, "s4", f, says=["would pass 1 MiB in total", "32 scripts"])
    # replacing one of them is no new space
    env.ok("sieve", "put", BAL, "s3", f)
    for i in range(4):
        env.ok("sieve", "delete", BAL, "s%d" % i)
    # 32 scripts
    small = put_file(env, "small", "keep;\n")
    for i in range(32):
        env.ok("sieve", "put", BAL, "n%02d" % i, small)
    env.expect(1, "sieve", "put", BAL, "n32", small, says=["already has 32 Sieve scripts"])
    check(len(env.listing()["scripts"]) == 32, "33 scripts stored")


@with_trust_env
def test_put_redirect_rule(env):
    # the holder's other PER BAL, here or at another operator: accepted
    env.ok("sieve", "put", BAL, "same", "-", stdin=('redirect "%s";\n' % SAME).encode())
    env.ok("sieve", "put", BAL, "remote", "-",
           stdin=b'require "copy";\nredirect :copy "Jean.Dupont@autre.mssante.fr";\n')
    # another holder's BAL: refused with the French reason citing the rule
    script = 'require "fileinto";\nif address :is "from" "x@y.fr" {\n  redirect "%s";\n}\n'
    err = env.expect(1, "sieve", "put", BAL, "other", "-", stdin=(script % OTHER).encode(),
                     says=["line 3, column 3", "another holder", RULE,
                           "Le transfert vers « %s » est refusé" % OTHER,
                           "détenue par un autre professionnel"])
    check(err.count("\n") == 2, "two lines expected: %r" % err)
    env.expect(1, "sieve", "put", BAL, "other", "-",
               stdin=b'redirect "autre.pro@autre.mssante.fr";\n', says=[RULE])
    env.expect(1, "sieve", "put", BAL, "other", "-",
               stdin=b'redirect "inconnu@autre.mssante.fr";\n', says=["l'Annuaire Santé"])
    names = [x["name"] for x in env.listing()["scripts"]]
    check(names == ["remote", "same"], "scripts %r" % names)


@with_env
def test_vacation(env):
    empty = json.loads(env.ok("vacation", "show", BAL, "--json"))
    check(empty == {"bal": BAL, "vacation": False}, "no vacation %r" % empty)
    check(env.ok("vacation", "show", BAL) == "%s: no vacation set\n" % BAL, "show off")
    msg = put_file(env, "msg.txt", "\ufeffJe suis absent.  \r\nÉcrivez à « mon » confrère.\r\n\r\n")
    out = env.ok("vacation", "set", BAL, "--message-file", msg, "--from", "2026-12-20",
                 "--until", "2099-01-03", "--days", "3", "--subject", "Absence \"Dr\" Dupont")
    check("from 2026-12-20 until 2099-01-03" in out and "every 3 days" in out, "set %r" % out)
    v = json.loads(env.ok("vacation", "show", BAL, "--json"))
    check(v["vacation"] is True and v["subject"] == 'Absence "Dr" Dupont' and
          v["from"] == "2026-12-20" and v["until"] == "2099-01-03" and v["days"] == 3 and
          v["message"] == "Je suis absent.\nÉcrivez à « mon » confrère." and
          v["updated"].endswith("Z"), "show %r" % v)
    text = env.ok("vacation", "show", BAL)
    check("  until    2099-01-03\n" in text and text.endswith("confrère.\n"), "text %r" % text)
    # replaced, defaults: French subject, 7 days, no dates; message on stdin
    env.ok("vacation", "set", BAL, "--message-file", "-", stdin="Absent.\n".encode())
    v = json.loads(env.ok("vacation", "show", BAL, "--json"))
    check(v["subject"] == "Réponse automatique : absence" and v["days"] == 7 and
          v["from"] is None and v["until"] is None and v["message"] == "Absent.",
          "defaults %r" % v)
    # usage errors name the argument; nothing changes
    for args, says in ((["--days", "0"], "--days"), (["--days", "31"], "--days"),
                       (["--days", "x"], "--days"), (["--from", "2026-02-30"], "--from"),
                       (["--until", "31/12/2099"], "--until"), (["--until", "2020-01-01"],
                                                                 "already past"),
                       (["--from", "2099-02-01", "--until", "2099-01-01"], "before --from"),
                       (["--subject", "a\nBcc: x@y.fr"], "--subject"), (["--subject", ""],
                                                                          "--subject"),
                       (["--colour", "x"], "--colour")):
        env.expect(2, "vacation", "set", BAL, "--message-file", msg, *args, says=[says])
    env.expect(2, "vacation", "set", BAL, says=["--message-file"])
    env.expect(2, "vacation", "set", says=["BAL"])
    bad = put_file(env, "bad.txt", b"ok\nencore\nmauvais \xe9t\xe9\n")
    env.expect(1, "vacation", "set", BAL, "--message-file", bad,
               says=["--message-file %s: line 3: not valid UTF-8" % bad])
    env.expect(1, "vacation", "set", BAL, "--message-file", put_file(env, "e.txt", " \n\n"),
               says=["the message is empty"])
    env.expect(1, "vacation", "set", BAL, "--message-file", put_file(env, "l.txt", "a" * 17000),
               says=["longer than 16 KiB"])
    env.expect(1, "vacation", "set", BAL, "--message-file", env.path("nope.txt"),
               says=["nope.txt"])
    env.expect(1, "vacation", "set", "personne@" + DOMAIN, "--message-file", msg,
               says=["no such BAL"])
    check(json.loads(env.ok("vacation", "show", BAL, "--json"))["message"] == "Absent.",
          "a refused set changed the vacation")
    # off, twice
    check(env.ok("vacation", "off", BAL) == "vacation of %s removed\n" % BAL, "off")
    check("had none set" in env.ok("vacation", "off", BAL), "off twice")
    check(json.loads(env.ok("vacation", "show", BAL, "--json"))["vacation"] is False, "still on")
    # the user's own scripts are not touched
    check(env.listing()["scripts"] == [], "a script appeared")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check %r" % out)


@with_trust_env
def test_forward(env):
    check(json.loads(env.ok("forward", "show", BAL, "--json")) == {"bal": BAL,
                                                                  "forward": False}, "none")
    # another holder's BAL: refused, French reason citing the rule
    env.expect(1, "forward", "set", BAL, "--to", OTHER,
               says=['forward to "%s" refused' % OTHER, RULE, "autre professionnel"])
    env.expect(1, "forward", "set", BAL, "--to", "autre.pro@" + REMOTE, says=[RULE])
    env.expect(1, "forward", "set", BAL, "--to", BAL, says=["elle-même", RULE])
    env.expect(1, "forward", "set", BAL, "--to", "pas une adresse",
               says=["pas une adresse de messagerie valide"])
    check(json.loads(env.ok("forward", "show", BAL, "--json"))["forward"] is False,
          "a refused forward was stored")
    env.expect(2, "forward", "set", BAL, says=["--to"])
    env.expect(2, "forward", "set", BAL, "--to", "", says=["--to"])
    # the same holder's other PER BAL: accepted
    out = env.ok("forward", "set", BAL, "--to", SAME.upper())
    check(out == "mail of %s now forwarded to %s\n" % (BAL, SAME.upper()), "set %r" % out)
    f = json.loads(env.ok("forward", "show", BAL, "--json"))
    check(f["forward"] is True and f["to"] == SAME.upper() and f["keep_copy"] is False,
          "show %r" % f)
    out = env.ok("forward", "set", BAL, "--to", "jean.dupont@" + REMOTE, "--keep-copy")
    check("keeping a copy" in out, "keep-copy %r" % out)
    check("forwarded to jean.dupont@%s, keeping a copy" % REMOTE in
          env.ok("forward", "show", BAL), "show text")
    # vacation and forward together; each off leaves the other
    env.ok("vacation", "set", BAL, "--message-file", "-", stdin=b"Absent.\n")
    env.ok("forward", "off", BAL)
    check(json.loads(env.ok("vacation", "show", BAL, "--json"))["vacation"] is True,
          "forward off removed the vacation")
    env.ok("forward", "set", BAL, "--to", SAME, "--keep-copy")
    env.ok("vacation", "off", BAL)
    check(json.loads(env.ok("forward", "show", BAL, "--json"))["to"] == SAME,
          "vacation off removed the forward")
    # the rule is checked again when the other rule changes: the holder of
    # SAME changes, so the forward kept with a new vacation is refused
    env.ok("bal", "set", SAME, "--holder-type", "8", "--holder", RPPS_B)
    env.expect(1, "vacation", "set", BAL, "--message-file", "-", stdin=b"Absent.\n",
               says=["already set is refused", "forward off", RULE])
    check(json.loads(env.ok("vacation", "show", BAL, "--json"))["vacation"] is False,
          "vacation stored with a refused forward")
    check("removed" in env.ok("forward", "off", BAL), "forward off")
    check(json.loads(env.ok("forward", "show", BAL, "--json"))["forward"] is False, "still on")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check %r" % out)


@with_trust_env
def test_managed_removed_with_bal(env):
    env.ok("vacation", "set", BAL, "--message-file", "-", stdin=b"Absent.\n")
    env.ok("forward", "set", BAL, "--to", SAME)
    env.ok("bal", "delete", BAL, "--yes")
    out = env.ok("store", "check")
    check(out.startswith("store OK"), "store check after bal delete: %r" % out)
    env.ok("bal", "create", BAL, "--type", "PER", "--holder-type", "8", "--holder", RPPS)
    check(json.loads(env.ok("vacation", "show", BAL, "--json"))["vacation"] is False,
          "vacation survived its BAL")
    check(json.loads(env.ok("forward", "show", BAL, "--json"))["forward"] is False,
          "forward survived its BAL")


def test_help():
    env = Env()
    try:
        out = env.ok("--help")
        for line in ("sieve put BAL NAME FILE|- [--activate]", "vacation set BAL --message-file",
                     "vacation off BAL", "vacation show BAL", "forward set BAL --to ADDRESS",
                     "forward off BAL", "forward show BAL"):
            check(line in out, "--help lacks %r" % line)
        out = env.ok("vacation", "set", "--help")
        check("Réponse automatique : absence" in out and "--until DATE" in out, "help %r" % out)
    finally:
        env.close()


if __name__ == "__main__":
    sys.exit(run_tests([test_list_get, test_activate_delete, test_removed_with_bal,
                        test_annuaire, test_put, test_put_limits, test_put_redirect_rule,
                        test_vacation, test_forward, test_managed_removed_with_bal,
                        test_help]))

#!/usr/bin/python3
# SPDX-License-Identifier: ISC
# balisectl sieve list|get|activate|delete and annuaire check|show end to
# end on a temporary store. sieve put needs the Sieve compiler (not built
# yet), so tests/e2e/sieve_inject (built for make check, linked with
# libbalstore) stores the scripts. The Annuaire files are synthetic, made
# from the documented 31 columns. Stdlib only.
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

    def run(self, *args):
        p = subprocess.run([CTL, "-c", self.conf] + list(args), stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=TIMEOUT)
        return p.returncode, p.stdout, p.stderr.decode("utf-8", "replace")

    def ok(self, *args):
        rc, out, err = self.run(*args)
        check(rc == 0, "%s: exit %d, stderr %r" % (" ".join(args), rc, err))
        return out.decode("utf-8")

    def expect(self, code, *args, says=()):
        rc, out, err = self.run(*args)
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


if __name__ == "__main__":
    sys.exit(run_tests([test_list_get, test_activate_delete, test_removed_with_bal,
                        test_annuaire]))

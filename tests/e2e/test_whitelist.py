#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# balisectl whitelist check|show and the whitelist part of config check
# (and its warnings about the postmaster's domain and [trust] annuaire),
# end to end: the ANS snapshot, broken and hostile files, and operator
# certificates made here with openssl (subjects in the style of the real
# list, non-ASCII included) matched against lines written the way ANS and
# ./quickstart write them. Stdlib only.
import json
import os
import subprocess
import sys
import tempfile

from harness import BALISECTL, OPENSSL, SRC, check, run_tests, sh

SNAPSHOT = os.path.join(SRC, "tests", "unit", "whitelist", "listeblanchemssante-2025-03-13.xml")
NS = "https://listeblanche.mssante.fr/schema"
TIMEOUT = 60

CONF = """\
[server]
data_dir = {dir}/data
{extra}
"""


def ctl(*args, conf=None):
    argv = [BALISECTL] + (["-c", conf] if conf else []) + list(args)
    p = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, timeout=TIMEOUT)
    return p.returncode, p.stdout.decode("utf-8", "replace"), p.stderr.decode("utf-8", "replace")


def ok(*args, conf=None):
    rc, out, err = ctl(*args, conf=conf)
    check(rc == 0, "%s: exit %d, stderr %r" % (" ".join(args), rc, err))
    return out


def refused(*args, conf=None, says=()):
    rc, out, err = ctl(*args, conf=conf)
    check(rc == 1, "%s: exit %d, expected 1; stdout %r stderr %r" % (" ".join(args), rc, out, err))
    check(err.startswith("balisectl: "), "stderr %r" % err)
    for s in says:
        check(s in err, "%s: stderr %r lacks %r" % (" ".join(args), err, s))
    return err


def xml_escape(s):
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def whitelist(entries):
    """An ANS-format file from (domain, DN) pairs."""
    body = "".join(
        "        <Domaine>\n            <Nom>%s</Nom>\n"
        "            <Description>E2E</Description>\n"
        "            <DNCertificatOperateur>%s</DNCertificatOperateur>\n"
        "        </Domaine>\n" % (xml_escape(d), xml_escape(dn)) for d, dn in entries)
    return ('<?xml version="1.0" encoding="UTF-8"?><ListeBlancheMSSante xmlns="%s">\n'
            "    <DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration>\n"
            "    <ListeDomaines>\n%s    </ListeDomaines>\n</ListeBlancheMSSante>\n" % (NS, body))


class Dir:
    def __init__(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="balise-wl-")
        self.path = self.tmp.name

    def write(self, name, text, mode="w"):
        p = os.path.join(self.path, name)
        with open(p, mode, **({} if "b" in mode else {"encoding": "utf-8"})) as f:
            f.write(text)
        return p

    def conf(self, extra=""):
        return self.write("balise.conf", CONF.format(dir=self.path, extra=extra))

    def cert(self, name, subj):
        """A self-signed RSA certificate with this -subj (UTF-8)."""
        key, pem = (os.path.join(self.path, name + x) for x in (".key", ".pem"))
        sh(OPENSSL, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", pem,
           "-days", "2", "-utf8", "-subj", subj)
        return pem

    def close(self):
        self.tmp.cleanup()


def with_dir(fn):
    def wrapped():
        d = Dir()
        try:
            fn(d)
        finally:
            d.close()
    wrapped.__name__ = fn.__name__
    return wrapped


def completed_snapshot(d):
    # The reference copy ends without its closing tag (see test below).
    with open(SNAPSHOT, encoding="utf-8") as f:
        return d.write("snapshot.xml", f.read() + "</ListeBlancheMSSante>\n")


# ---------------------------------------------------------------- tests

@with_dir
def test_check_snapshot(d):
    path = completed_snapshot(d)
    out = ok("whitelist", "check", path)
    check(out == "whitelist OK: %s: 619 entries, 516 domains, 35 operator certificates "
          "(generated 2025-03-13T14:54:10Z)\n" % path, "text %r" % out)
    j = json.loads(ok("whitelist", "check", path, "--json"))
    check(j == {"path": path, "generated": "2025-03-13T14:54:10Z", "entries": 619,
                "domains": 516, "operators": 35}, "json %r" % j)
    # As shipped, the snapshot lacks </ListeBlancheMSSante>: refused, with
    # the file and line.
    refused("whitelist", "check", SNAPSHOT,
            says=[SNAPSHOT + ":4962: not well-formed XML", "Premature end of data"])


@with_dir
def test_show(d):
    path = completed_snapshot(d)
    out = ok("whitelist", "show", "15-20.MSSante.fr.", "--file", path)
    lines = out.splitlines()
    check(len(lines) == 5 and "CN=mss.enovacom.fr,OU=344368557300034,O=ENOVACOM,"
          "ST=Bouches-du-Rhône (13),C=FR" in lines, "show %r" % out)
    j = json.loads(ok("whitelist", "show", "ahbfc.mssante.fr", "--file", path, "--json"))
    check(j["domain"] == "ahbfc.mssante.fr" and len(j["operators"]) == 1, "json %r" % j)
    op = j["operators"][0]
    check(op["dn"] == "CN=esm.ahbfc.fr,OU=1700780075,O=CHS ST REMY ET NFC SITE SAINT REMY,"
          "ST=Haute-Saône (70),C=FR", "dn %r" % op)
    check(op["dn_key"] == "CN=esm.ahbfc.fr,OU=1700780075,O=chs st remy et nfc site saint remy,"
          "ST=haute-saône (70),C=fr", "dn_key %r" % op)
    check(op["description"] == "Domaine de messagerie MSSanté d'AHBFC" and op["domains"] == 1
          and op["line"] > 1, "entry %r" % op)
    refused("whitelist", "show", "mssante.fr", "--file", path,
            says=["mssante.fr: not in the whitelist " + path])
    rc, _, err = ctl("whitelist", "show", "--file", path)
    check(rc == 2 and "usage: balisectl" in err, "no DOMAIN: %d %r" % (rc, err))


@with_dir
def test_configured_file(d):
    conf = d.conf()
    refused("whitelist", "check", conf=conf, says=["no [trust] whitelist configured"])
    refused("whitelist", "show", "a.test", conf=conf, says=["no [trust] whitelist configured"])
    d.write("wl.xml", whitelist([("a.test", "CN=mx.a.test,O=A,C=FR")]))
    conf = d.conf("[trust]\nwhitelist = wl.xml\n")
    out = ok("whitelist", "check", conf=conf)
    check("1 entries, 1 domains, 1 operator certificates" in out, out)
    check(ok("whitelist", "show", "A.TEST", conf=conf) == "CN=mx.a.test,O=A,C=FR\n", "show")
    # A FILE given on the command line wins and needs no configuration.
    other = d.write("other.xml", whitelist([("b.test", "CN=b"), ("c.test", "CN=b")]))
    out = ok("whitelist", "check", other, conf=os.path.join(d.path, "missing.conf"))
    check("2 entries, 2 domains, 1 operator certificates" in out, out)
    refused("whitelist", "check", conf=os.path.join(d.path, "missing.conf"),
            says=["missing.conf"])


BAD = [
    ("not-xml", "hello\n", "not-xml.xml:1: not well-formed XML"),
    ("empty", "", "empty.xml: empty file"),
    ("root", '<?xml version="1.0"?><Liste xmlns="%s"/>' % NS, "root element <Liste>"),
    ("ns", whitelist([("a.test", "CN=x")]).replace(NS, "urn:other"),
     'namespace "urn:other"'),
    ("nonom", whitelist([("a.test", "CN=x")]).replace("<Nom>a.test</Nom>", ""),
     "ns.xml:4: <Domaine> without <Nom>".replace("ns.xml", "nonom.xml")),
    ("nodn", whitelist([("a.test", "CN=x")]).replace(
        "<DNCertificatOperateur>CN=x</DNCertificatOperateur>", ""),
     "without <DNCertificatOperateur>"),
    ("baddn", whitelist([("a.test", "CN=x,XX=y")]), "unknown attribute type"),
    ("truncated", whitelist([("a.test", "CN=x")])[:150], "not well-formed XML"),
    ("laughs", '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
     '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
     "\n" + whitelist([("a.test", "CN=&c;")]).split("?>", 1)[1],
     "laughs.xml:2: a DOCTYPE is not allowed"),
    ("xxe", '<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY x SYSTEM "file:///etc/hostname">]>'
     "\n" + whitelist([("a.test", "CN=&x;")]).split("?>", 1)[1],
     "a DOCTYPE is not allowed"),
]


@with_dir
def test_check_refuses(d):
    for name, text, says in BAD:
        path = d.write(name + ".xml", text)
        err = refused("whitelist", "check", path, says=[says])
        check(err.count("\n") == 1, "one line per problem: %r" % err)
    big = os.path.join(d.path, "big.xml")
    with open(big, "wb") as f:
        f.truncate(32 * 1024 * 1024 + 1)
    refused("whitelist", "check", big, says=["larger than the 32 MiB limit"])
    refused("whitelist", "check", d.path, says=["not a regular file"])
    refused("whitelist", "check", os.path.join(d.path, "nope.xml"),
            says=["nope.xml: No such file or directory"])


@with_dir
def test_config_check(d):
    conf = d.conf("[trust]\nwhitelist = wl.xml\n")
    refused("config", "check", conf=conf, says=["[trust] whitelist", "wl.xml"])
    d.write("wl.xml", "x\n")
    refused("config", "check", conf=conf,
            says=["[trust] whitelist: %s/wl.xml:1: not well-formed XML" % d.path, "1 problem"])
    d.write("wl.xml", whitelist([("a.test", "CN=mx.a.test,O=A,C=FR")]))
    out = ok("config", "check", conf=conf)
    check(out.startswith("configuration OK"), out)


# An Annuaire extraction of one PER BAL.
ANNUAIRE_ONE_PER = (
    "Type de BAL|Adresse BAL|Type Identifiant PP|Identifiant PP|Identification nationale PP|"
    "Type identifiant structure|Identification Structure|Service de rattachement|"
    "Civilité d'exercice|Nom d'exercice|Prénom d'exercice|Catégorie profession|"
    "Libellé de catégorie profession|Code Profession|Libellé Profession|Code savoir-faire|"
    "Libellé savoir-faire|Dématérialisation|Raison Sociale structure BAL|"
    "Enseigne commerciale structure BAL|L2COMPLEMENTLOCALISATION|L3COMPLEMENTDISTRIBUTION|"
    "L4NUMEROVOIE|L4COMPLEMENTNUMEROVOIE|NL4TYPEVOIE|L4LIBELLEVOIE|L5LIEUDITMENTION|"
    "L6LIGNEACHEMINEMENT|Code postal|Département|Pays\n"
    "PER|jean.dupont@autre.mssante.fr|8|10001234565|810001234565|||Cardiologie|M|Dupont|"
    "Jean|C|Civil|10|Médecin|SM04|Cardiologie|O|Cabinet||||12||R|de la Paix||PARIS|75001|75|"
    "France\n")


@with_dir
def test_config_check_warnings(d):
    # Settings balised runs with but that lose mail: warned about, exit 0.
    d.write("wl.xml", whitelist([("a.test", "CN=mx.a.test,O=A,C=FR")]))

    def warnings(conf):
        rc, out, err = ctl("config", "check", conf=conf)
        check(rc == 0 and out.startswith("configuration OK"), "exit %d %r %r" % (rc, out, err))
        return [l for l in err.splitlines() if "warning: " in l]

    trust = "[trust]\nwhitelist = wl.xml\n"
    conf = d.conf("postmaster = postmaster@a.test\n" + trust)
    check(warnings(conf) == [], "a listed postmaster domain warned")
    conf = d.conf("postmaster = postmaster@elsewhere.test\n" + trust)
    w = warnings(conf)
    check(len(w) == 1 and w[0].startswith("balisectl: config check: warning: [server] postmaster "
                                          "postmaster@elsewhere.test") and
          "neither served here nor in the whitelist" in w[0], "postmaster warning %r" % w)
    check(not os.path.exists(os.path.join(d.path, "data")), "config check created the store")
    # Served here: fine. A PER BAL without [trust] annuaire: warned.
    ok("domain", "add", "elsewhere.test", conf=conf)
    check(warnings(conf) == [], "a served postmaster domain warned")
    ok("bal", "create", "org@elsewhere.test", "--type", "ORG", "--holder-type", "1",
       "--holder", "1010001238", conf=conf)
    check(warnings(conf) == [], "an ORG BAL alone warned")
    ok("bal", "create", "dr@elsewhere.test", "--type", "PER", "--holder-type", "8",
       "--holder", "810001234565", conf=conf)
    w = warnings(conf)
    check(len(w) == 1 and "[trust] annuaire is not set while 1 PER BAL exists" in w[0] and
          "RE_GBM_4480" in w[0], "annuaire warning %r" % w)
    d.write("annuaire.txt", ANNUAIRE_ONE_PER)
    conf = d.conf("postmaster = postmaster@elsewhere.test\n" + trust +
                  "annuaire = annuaire.txt\n")
    check(warnings(conf) == [], "warned with [trust] annuaire set")


@with_dir
def test_certificates(d):
    # Subjects as a CA writes them (C first); the whitelist lines as ANS
    # writes them (CN first, raw UTF-8) and as ./quickstart writes them
    # (openssl -nameopt RFC2253, which escapes UTF-8 as \C3\B4).
    ahbfc = d.cert("ahbfc", "/C=FR/ST=Haute-Saône (70)/O=CHS ST REMY ET NFC SITE SAINT REMY"
                   "/OU=1700780075/CN=esm.ahbfc.fr")
    other = d.cert("other", "/C=FR/ST=Haute-Saône (70)/O=CHS ST REMY ET NFC SITE SAINT REMY"
                   "/OU=1700780075/CN=esm2.ahbfc.fr")
    multi = d.cert("multi", "/C=FR/O=Groupe, Test/CN=mx.multi.test+UID=42")
    printed = sh(OPENSSL, "x509", "-in", multi, "-noout", "-subject", "-nameopt",
                 "RFC2253").strip().removeprefix("subject=")
    ahbfc_printed = sh(OPENSSL, "x509", "-in", ahbfc, "-noout", "-subject", "-nameopt",
                       "RFC2253").strip().removeprefix("subject=")
    check("\\C3\\B4" in ahbfc_printed, "openssl did not escape UTF-8: %r" % ahbfc_printed)
    wl = d.write("wl.xml", whitelist([
        ("ahbfc.mssante.fr", "CN=esm.ahbfc.fr,OU=1700780075,O=CHS ST REMY ET NFC SITE SAINT "
         "REMY,ST=Haute-Saône (70),C=FR"),
        ("printed.test", ahbfc_printed),
        ("multi.test", printed),
    ]))
    for domain in ("ahbfc.mssante.fr", "AHBFC.mssante.fr.", "printed.test"):
        out = ok("whitelist", "show", domain, "--file", wl, "--cert", ahbfc)
        check("subject allowed for " + domain in out, out)
    refused("whitelist", "show", "multi.test", "--file", wl, "--cert", ahbfc,
            says=["is not allowed for multi.test"])
    refused("whitelist", "show", "ahbfc.mssante.fr", "--file", wl, "--cert", other,
            says=["CN=esm2.ahbfc.fr", "is not allowed for ahbfc.mssante.fr"])
    ok("whitelist", "show", "multi.test", "--file", wl, "--cert", multi)
    j = json.loads(ok("whitelist", "show", "printed.test", "--file", wl, "--json"))
    check(j["operators"][0]["dn_key"] ==
          json.loads(ok("whitelist", "show", "ahbfc.mssante.fr", "--file", wl, "--json"))
          ["operators"][0]["dn_key"], "the two spellings give different keys")
    check(json.loads(ok("whitelist", "check", wl, "--json"))["operators"] == 2,
          "both spellings are one operator")
    refused("whitelist", "show", "ahbfc.mssante.fr", "--file", wl, "--cert", wl,
            says=["no PEM certificate"])


def test_demo():
    # The demo ./quickstart made, when this tree has one.
    demo = os.path.join(SRC, "var", "demo")
    conf = os.path.join(demo, "balise.conf")
    if not os.path.exists(conf):
        print("     (skipped: no var/demo)")
        return
    out = ok("whitelist", "check", conf=conf)
    check("2 domains, 2 operator certificates" in out, out)
    server, peer = (os.path.join(demo, "tls", n + ".pem") for n in ("server", "peer"))
    ok("whitelist", "show", "cabinet.demo.test", "--cert", server, conf=conf)
    ok("whitelist", "show", "peer.demo.test", "--cert", peer, conf=conf)
    refused("whitelist", "show", "peer.demo.test", "--cert", server, conf=conf)


TESTS = [
    test_check_snapshot,
    test_show,
    test_configured_file,
    test_check_refuses,
    test_config_check,
    test_config_check_warnings,
    test_certificates,
    test_demo,
]

if __name__ == "__main__":
    if not os.access(BALISECTL, os.X_OK):
        print("FAIL: %s not built" % BALISECTL)
        sys.exit(1)
    sys.exit(run_tests(TESTS))

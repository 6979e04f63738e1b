#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# The container image for real, without a Docker engine (`make
# docker-test`, and part of `make check`): a debian:bookworm-slim made with
# debootstrap --variant=minbase (cached by day) and imported into a buildah
# store (vfs, under a temporary directory); docker/Dockerfile built with
# `buildah bud --isolation chroot`; then the two operators of
# docker/compose.yaml started with `buildah run` from the image's own
# entrypoint and environment, on the host's loopback: first start, BALs made
# with balisectl inside (docker exec), submission and IMAP over TLS from
# here, mail from A to B over mutual TLS, HEALTHCHECK, a restart keeping
# the volumes. Exit 77 (skip) without root, buildah, debootstrap or
# python3-yaml, and in a sanitizer build (the image compiles its own
# binaries; BALISE_DOCKER_TEST=1 runs it anyway).
import email
import email.policy
import glob
import imaplib
import importlib.util
import json
import os
import re
import shutil
import signal
import smtplib
import ssl
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

SKIP = 77
IMAGE = "localhost/balise:test"
BASE = "docker.io/library/debian:bookworm-slim"
UID = 999  # the image's balise user (docker/Dockerfile)
WAIT = 90.0
IO_TIMEOUT = 30
PW = {"alice": "alice: un mot de passe assez long", "bob": "bob: un autre mot de passe"}
S = {"procs": {}, "times": []}


def skip(why):
    print("SKIP: " + why, flush=True)
    sys.exit(SKIP)


def preconditions():
    if os.geteuid() != 0:
        skip("needs root (debootstrap, buildah with vfs storage)")
    for tool in ("buildah", "debootstrap"):
        if shutil.which(tool) is None:
            skip("%s is not installed (Debian package %s)" % (tool, tool))
    if importlib.util.find_spec("yaml") is None:
        skip("python3-yaml is not installed (reads docker/compose.yaml)")
    if os.environ.get("BALISE_DOCKER_TEST") != "1" and sanitized_build():
        skip("sanitizer build: the image builds its own binaries, tested in the plain build")


def sanitized_build():
    try:
        with open(os.path.join(harness.BUILD, "Makefile")) as f:
            return any(line.startswith("BAL_CFLAGS") and "-fsanitize" in line for line in f)
    except OSError:
        return False


def timed(what, fn, *args):
    t0 = time.monotonic()
    r = fn(*args)
    S["times"].append((what, time.monotonic() - t0))
    print("time %-34s %6.1f s" % (what, S["times"][-1][1]), flush=True)
    return r


def run(cmd, timeout=600, stdin=None, ok=(0,)):
    r = subprocess.run(cmd, input=stdin, capture_output=True, text=True, timeout=timeout)
    if r.returncode not in ok:
        raise RuntimeError("%s: exit %d\n%s\n%s" % (" ".join(cmd), r.returncode,
                                                    r.stdout[-3000:], r.stderr[-3000:]))
    return r


def buildah(*args, **kw):
    return run(["buildah", "--root", S["root"], "--runroot", S["runroot"],
                "--storage-driver", "vfs", *args], **kw)


# ---------------------------------------------------------------- base image

def cache_dir():
    d = os.environ.get("BALISE_DOCKER_CACHE")
    if not d:
        d = os.path.join(harness.SRC, "var", "docker")
        if not os.access(os.path.dirname(os.path.dirname(d)), os.W_OK):
            d = os.path.join(harness.BUILD, "docker-cache")
    os.makedirs(d, exist_ok=True)
    return d


def debian_mirror():
    """The Debian archive the host's apt uses (deb822 or one-line sources)."""
    if os.environ.get("BALISE_DEBIAN_MIRROR"):
        return os.environ["BALISE_DEBIAN_MIRROR"]
    files = ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*"))
    for path in files:
        try:
            text = open(path).read()
        except OSError:
            continue
        for uri in re.findall(r"^\s*(?:URIs:|deb(?:\s+\[[^\]]*\])?)\s+(\S+)", text, re.M):
            if re.search(r"/debian/?$", uri) and "security" not in uri:
                return uri
    return "http://deb.debian.org/debian"


def base_tarball():
    """bookworm minbase as a tar, made at most once a day (older ones are
    removed): debootstrap takes a minute or two, the tar imports in seconds."""
    cache = cache_dir()
    tar = os.path.join(cache, "bookworm-minbase-%s.tar" % time.strftime("%Y%m%d", time.gmtime()))
    if os.path.exists(tar):
        print("base: cached %s" % tar, flush=True)
        return tar
    for old in glob.glob(os.path.join(cache, "bookworm-minbase-*.tar*")):
        os.unlink(old)
    rootfs = os.path.join(S["tmp"], "rootfs")
    mirror = debian_mirror()
    print("base: debootstrap --variant=minbase bookworm from %s" % mirror, flush=True)
    run(["debootstrap", "--variant=minbase", "bookworm", rootfs, mirror], timeout=1200)
    # As in the published image: no package lists or downloaded packages.
    for pattern in ("var/cache/apt/archives/*.deb", "var/cache/apt/*.bin", "var/lib/apt/lists/*"):
        for p in glob.glob(os.path.join(rootfs, pattern)):
            if os.path.isfile(p):
                os.unlink(p)
    run(["tar", "--numeric-owner", "-C", rootfs, "-cf", tar + ".part", "."])
    os.replace(tar + ".part", tar)
    shutil.rmtree(rootfs)
    return tar


def import_base(tar):
    """A scratch container filled with the tar, committed as
    debian:bookworm-slim so that the Dockerfile's FROM finds it locally."""
    ctr = buildah("from", "scratch").stdout.strip()
    mnt = buildah("mount", ctr).stdout.strip()
    run(["tar", "--numeric-owner", "-C", mnt, "-xpf", tar])
    buildah("umount", ctr)
    buildah("config", "--env", "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "--cmd", "bash", ctr)
    buildah("commit", "--rm", ctr, BASE)


def build_image():
    """The Dockerfile as docker build would run it; the Debian packages the
    two stages download are kept in the cache for the next run."""
    apt = os.path.join(cache_dir(), "apt-archives")
    os.makedirs(os.path.join(apt, "partial"), exist_ok=True)
    log = os.path.join(S["tmp"], "bud.log")
    with open(log, "w") as f:
        r = subprocess.run(["buildah", "--root", S["root"], "--runroot", S["runroot"],
                            "--storage-driver", "vfs", "bud", "--isolation", "chroot",
                            "--format", "docker", "--pull-never",
                            "-v", "%s:/var/cache/apt/archives" % apt,
                            "-f", os.path.join(harness.SRC, "docker", "Dockerfile"),
                            "-t", IMAGE, harness.SRC],
                           stdout=f, stderr=subprocess.STDOUT, timeout=1800)
    if r.returncode != 0:
        raise RuntimeError("buildah bud failed:\n" + open(log).read()[-6000:])


# ---------------------------------------------------------------- containers

def image_config():
    return json.loads(buildah("inspect", "--type", "image", IMAGE).stdout)["Docker"]["config"]


def compose_services():
    import yaml
    with open(os.path.join(harness.SRC, "docker", "compose.yaml")) as f:
        return yaml.safe_load(f)["services"]


def descendants(pid):
    """The processes under pid, parents before children."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop(0)
        for task in glob.glob("/proc/%d/task/*/children" % p):
            try:
                kids = [int(k) for k in open(task).read().split()]
            except (OSError, ValueError):
                continue
            out += kids
            todo += kids
    return out


class Container:
    """A container of the image started like `docker compose up` would, but
    with `buildah run` on the host's loopback: the service's environment,
    free ports, its volumes kept by buildah between runs, the lab CA in a
    host directory, mx.*.lab.test resolving to 127.0.0.1."""

    def __init__(self, name, service):
        self.name = name
        self.env = {k: str(v) for k, v in service["environment"].items()}
        self.domain = self.env["BALISE_DOMAIN"]
        self.ports = {k: harness.free_port() for k in ("SMTP", "SUBMISSION", "SUBMISSIONS",
                                                       "IMAP", "IMAPS", "HTTP")}
        self.ctr = buildah("from", "--pull-never", "--name", "balise-test-" + name,
                           IMAGE).stdout.strip()
        self.log_path = os.path.join(S["tmp"], name + ".log")
        self.proc = None
        self.pid = None
        self.mark = 0
        self.user = None  # the image's USER

    def environment(self, peers):
        env = dict(self.env, BALISE_LISTEN="127.0.0.1")
        for k, port in self.ports.items():
            env["BALISE_%s_PORT" % k] = str(port)
        # Same routes, to the peers' ports on the host's loopback.
        by_domain = {c.domain: c for c in peers}
        routes = []
        for item in filter(None, env.get("BALISE_PEERS", "").split(",")):
            domain, hostport = item.strip().split("=")
            routes.append("%s=%s:%d" % (domain, hostport.rsplit(":", 1)[0],
                                        by_domain[domain].ports["SMTP"]))
        env["BALISE_PEERS"] = ",".join(routes)
        return env

    def run_args(self):
        return ["--isolation", "chroot", "--no-hosts", "-v", "%s:/etc/hosts:ro" % S["hosts"],
                "-v", "%s:%s" % (S["lab"], self.env["BALISE_LAB_CA"])]

    def start(self, peers):
        cfg = image_config()
        args = []
        for k, v in sorted(self.environment(peers).items()):
            args += ["-e", "%s=%s" % (k, v)]
        self.log = open(self.log_path, "ab")
        self.mark = len(self.output())  # this start's lines come after
        self.proc = subprocess.Popen(
            ["buildah", "--root", S["root"], "--runroot", S["runroot"], "--storage-driver",
             "vfs", "run", *self.run_args(), *(["--user", self.user] if self.user else []),
             *args, self.ctr, "--",
             *cfg["Entrypoint"], *cfg["Cmd"]],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log)
        S["procs"][self.name] = self
        m = self.wait_log(r"ready pid=(\d+)")
        check(m is not None, "%s did not start:\n%s" % (self.name, self.output()[-4000:]))
        self.pid = int(m.group(1))
        check(self.is_ours(self.pid), "%s: pid %d is not under buildah run" % (self.name, self.pid))

    def output(self):
        with open(self.log_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def wait_log(self, pattern, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(pattern, self.output()[self.mark:])
            if m or self.proc.poll() is not None:
                return m or re.search(pattern, self.output()[self.mark:])
            time.sleep(0.1)
        return None

    def is_ours(self, pid):
        """Whether pid descends from our buildah run process."""
        while pid > 1:
            if pid == self.proc.pid:
                return True
            try:
                with open("/proc/%d/stat" % pid) as f:
                    pid = int(f.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                return False
        return False

    def stop(self):
        """SIGTERM to balised (a container stop), then the exit status that
        buildah run passes on; SIGKILL to buildah run if it hangs."""
        if self.proc is None:
            return None
        if self.proc.poll() is None and self.pid and self.is_ours(self.pid):
            os.kill(self.pid, signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            # buildah's chroot helpers outlive a killed buildah run: every
            # process under it goes, by PID, deepest first.
            for pid in reversed(descendants(self.proc.pid)):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            self.proc.kill()
            self.proc.wait()
        self.log.close()
        status, self.proc, self.pid = self.proc.returncode, None, None
        S["procs"].pop(self.name, None)
        return status

    def exec(self, *cmd, stdin=None, ok=(0,)):
        """docker exec: one more process in the running container."""
        return buildah("run", *self.run_args(), self.ctr, "--", *cmd, stdin=stdin, ok=ok,
                       timeout=120)

    def tls(self):
        ctx = ssl.create_default_context(cafile=os.path.join(S["lab"], "ca.pem"))
        ctx.check_hostname = False
        return ctx


# ---------------------------------------------------------------- mail

def message(frm, to, subject, body):
    return ("From: <%s>\r\nTo: <%s>\r\nSubject: %s\r\nMessage-ID: <%s@%s>\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%s"
            % (frm, to, subject, subject.replace(" ", "."), frm.split("@")[1], body))


def submit(c, user, to, subject, body):
    """smtplib on the submission port: STARTTLS with the lab CA, AUTH PLAIN."""
    s = smtplib.SMTP("127.0.0.1", c.ports["SUBMISSION"], timeout=IO_TIMEOUT)
    try:
        s.starttls(context=c.tls())
        s.login(user, PW[user.split("@")[0]])
        refused = s.sendmail(user, [to], message(user, to, subject, body).encode())
        check(not refused, "refused: %r" % refused)
    finally:
        s.quit()


def inbox(c, user):
    """The INBOX over IMAP on the STARTTLS port, parsed."""
    m = imaplib.IMAP4("127.0.0.1", c.ports["IMAP"], timeout=IO_TIMEOUT)
    try:
        m.starttls(ssl_context=c.tls())
        m.login(user, PW[user.split("@")[0]])
        m.select("INBOX", readonly=True)
        out = []
        for num in m.search(None, "ALL")[1][0].split():
            data = m.fetch(num, "(BODY.PEEK[])")[1]
            out.append(email.message_from_bytes(data[0][1], policy=email.policy.default))
        return out
    finally:
        m.logout()


def wait_message(c, user, subject):
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        found = [m for m in inbox(c, user) if m["Subject"] == subject]
        if found:
            check(len(found) == 1, "%d copies of %r" % (len(found), subject))
            return found[0]
        time.sleep(0.5)
    raise AssertionError("%r not in %s's INBOX\n--- A:\n%s\n--- B:\n%s"
                         % (subject, user, S["a"].output()[-3000:], S["b"].output()[-3000:]))


# ---------------------------------------------------------------- tests

def test_image():
    cfg = image_config()
    check(cfg["User"] == "balise", "User %r" % cfg["User"])
    check(set(cfg["Volumes"]) == {"/var/lib/balise", "/etc/balise"}, "Volumes %r" % cfg["Volumes"])
    hc = cfg.get("Healthcheck", {}).get("Test", [])
    check(hc[:1] == ["CMD"] and "balisectl" in hc[1], "Healthcheck %r" % hc)
    # The runtime stage: the programs and their libraries, no tool chain.
    a = S["a"]
    r = a.exec("sh", "-c", "id -un; ldd /usr/sbin/balised /usr/bin/balisectl; "
               "for t in gcc cc make autoreconf pkg-config; do command -v $t; done; true")
    check(r.stdout.startswith("balise\n"), "user: %r" % r.stdout[:40])
    check("not found" not in r.stdout and "libssl.so.3" in r.stdout and "liblmdb" in r.stdout,
          "ldd: %s" % r.stdout)
    check(not re.search(r"^/\S*/(gcc|cc|make|autoreconf|pkg-config)$", r.stdout, re.M),
          "a build tool in the runtime image: %s" % r.stdout)


def test_healthcheck_before_start():
    hc = image_config()["Healthcheck"]["Test"][1:]
    r = S["a"].exec(*hc, ok=(0, 1))
    check(r.returncode == 1 and r.stderr.startswith("balisectl: "),
          "health check of a stopped server: %r" % ((r.returncode, r.stdout, r.stderr),))


def test_first_start():
    for name in ("a", "b"):
        c = S[name]
        c.start([S["a"], S["b"]])
        out = c.output()
        check("first start: no /etc/balise/balise.conf" in out and
              "domain %s created" % c.domain in out and "balisectl bal create" in out,
              "%s: first start output:\n%s" % (name, out[-3000:]))
    # One CA for both, made by whichever came first.
    made = [n for n in ("a", "b") if "lab CA made" in S[n].output()]
    check(len(made) == 1, "lab CA made by %r" % made)
    b_out = S["b"].output()
    check("subject CN=mx.b.lab.test,OU=b.lab.test,O=Balise Lab,C=FR" in b_out, b_out[-2000:])


def test_healthcheck():
    hc = image_config()["Healthcheck"]["Test"][1:]
    for name in ("a", "b"):
        r = S[name].exec(*hc)
        check(r.stdout == "ok http 127.0.0.1:%d ready\n" % S[name].ports["HTTP"],
              "%s health: %r" % (name, r.stdout))


def test_balisectl_exec():
    for user, c in (("alice", S["a"]), ("bob", S["b"])):
        addr = "%s@%s" % (user, c.domain)
        c.exec("balisectl", "bal", "create", addr, "--type", "PER", "--holder-type", "8",
               "--holder", harness.HOLDER, "--password-stdin", stdin=PW[user] + "\n")
        listed = json.loads(c.exec("balisectl", "bal", "list", "--json").stdout)
        check([b["address"] for b in listed] == [addr], "bal list: %r" % listed)


def test_submission_and_imap():
    a = S["a"]
    submit(a, "alice@a.lab.test", "alice@a.lab.test", "Note a soi-meme", "Bonjour.\r\n")
    msg = wait_message(a, "alice@a.lab.test", "Note a soi-meme")
    check(msg.get_content().replace("\r\n", "\n") == "Bonjour.\n", "body %r" % msg.get_content())


def test_a_to_b_over_mutual_tls():
    """As docs/lab.md does it: swaks submits at A (smtplib when swaks is
    missing); the message crosses to B; curl reads it there over IMAPS
    (when installed), imaplib checks it."""
    a, b, ca = S["a"], S["b"], os.path.join(S["lab"], "ca.pem")
    body = "Resultats d'analyse ci-joints.\r\n"
    if shutil.which("swaks"):
        run(["swaks", "--server", "127.0.0.1:%d" % a.ports["SUBMISSION"], "--tls",
             "--tls-ca-path", ca, "--tls-verify", "--auth", "PLAIN",
             "--auth-user", "alice@a.lab.test", "--auth-password", PW["alice"],
             "--from", "alice@a.lab.test", "--to", "bob@b.lab.test",
             "--header", "Subject: De A vers B", "--body", body.rstrip()], timeout=60)
    else:
        submit(a, "alice@a.lab.test", "bob@b.lab.test", "De A vers B", body)
    msg = wait_message(b, "bob@b.lab.test", "De A vers B")
    if shutil.which("curl"):
        r = run(["curl", "-sS", "--cacert", ca, "--user", "bob@b.lab.test:" + PW["bob"],
                 "imaps://127.0.0.1:%d/INBOX;UID=1" % b.ports["IMAPS"]], timeout=60)
        check("Subject: De A vers B" in r.stdout, "curl: %r" % r.stdout[:2000])
    # swaks ends the body with blank lines of its own.
    check(msg.get_content().strip() == body.strip(), "body %r" % msg.get_content())
    received = " ".join(" ".join(str(r).split()) for r in msg.get_all("Received", []))
    check('Client DN "CN=mx.a.lab.test,OU=a.lab.test,O=Balise Lab,C=FR" (verified OK)'
          in received and "by mx.b.lab.test" in received and "with ESMTPS" in received,
          "Received: %r" % received)


def test_restart_keeps_volumes():
    a = S["a"]
    status = a.stop()
    check(status == 0, "A's exit status %r:\n%s" % (status, a.output()[-3000:]))
    a.start([S["a"], S["b"]])
    check(a.output().count("first start") == 1 and "using /etc/balise/balise.conf" in a.output(),
          "second start:\n%s" % a.output()[-3000:])
    check(len(inbox(a, "alice@a.lab.test")) == 1, "alice's mail after the restart")


def test_root_start_drops_to_balise():
    """docker run --user 0 (to bind ports below 1024): the entry point
    hands the volumes to balise and makes the set-up as balise; balised
    switches to balise after binding."""
    c = Container("root", {"environment": {
        "BALISE_DOMAIN": "root.lab.test", "BALISE_LAB_CA": "/var/lib/balise-lab"}})
    c.user = "0:0"
    c.start([c])
    out = c.output()
    check("running as user=balise uid=%d" % UID in out, "no privilege drop:\n" + out[-3000:])
    with open("/proc/%d/status" % c.pid) as f:
        uids = [line.split()[1:] for line in f if line.startswith("Uid:")][0]
    check(uids == [str(UID)] * 4, "balised uids %r" % uids)
    r = c.exec("sh", "-c", "stat -c '%U %n' /etc/balise/balise.conf /etc/balise/tls/server.key "
               "/var/lib/balise/data/data.mdb")
    check(r.stdout.split() == ["balise", "/etc/balise/balise.conf", "balise",
                               "/etc/balise/tls/server.key", "balise",
                               "/var/lib/balise/data/data.mdb"], "owners: %r" % r.stdout)
    check(c.exec("balisectl", "health").stdout.startswith("ok http"), "health")
    check(c.stop() == 0, "exit status:\n" + c.output()[-3000:])


TESTS = [test_image, test_healthcheck_before_start, test_first_start, test_healthcheck,
         test_balisectl_exec, test_submission_and_imap, test_a_to_b_over_mutual_tls,
         test_restart_keeps_volumes, test_root_start_drops_to_balise]


# ---------------------------------------------------------------- set-up

def setup():
    S["tmp"] = tmp = tempfile.mkdtemp(prefix="balise-docker-")
    S["root"], S["runroot"] = os.path.join(tmp, "storage"), os.path.join(tmp, "run")
    S["lab"] = os.path.join(tmp, "lab")
    os.mkdir(S["lab"])
    os.chown(S["lab"], UID, UID)  # a named volume takes the image's owner
    S["hosts"] = os.path.join(tmp, "hosts")
    tar = timed("base (debootstrap or cache)", base_tarball)
    timed("import base", import_base, tar)
    timed("buildah bud", build_image)
    services = compose_services()
    check(set(services) == {"a", "b"}, "compose services %r" % sorted(services))
    for name in ("a", "b"):
        vols = [v.split(":")[1] for v in services[name]["volumes"]]
        check(vols == ["/var/lib/balise", "/etc/balise", "/var/lib/balise-lab"],
              "%s volumes %r" % (name, vols))
        S[name] = Container(name, services[name])
    with open(S["hosts"], "w") as f:
        f.write("127.0.0.1 localhost %s\n" % " ".join(s["hostname"] for s in services.values()))


def cleanup():
    status = 0
    for c in list(S["procs"].values()):
        if c.stop() not in (0, None):
            print("%s exit status non-zero:\n%s" % (c.name, c.output()[-3000:]))
            status = 1
    if "root" in S:
        for args in (("rm", "--all"), ("rmi", "--all", "--force")):
            try:
                buildah(*args, ok=(0, 1, 125))
            except Exception as e:  # noqa: BLE001 - clean up as much as possible
                print("cleanup: %s" % e)
        # Nothing may stay mounted under the directory removed below.
        with open("/proc/self/mountinfo") as f:
            mounts = [line.split()[4] for line in f]
        for m in sorted((m for m in mounts if m.startswith(S["tmp"] + "/")), reverse=True):
            subprocess.run(["umount", "-l", m], check=False)
    if "tmp" in S:
        shutil.rmtree(S["tmp"], ignore_errors=True)
    return status


def main():
    preconditions()
    result = 1
    try:
        setup()
        only = sys.argv[1:]
        result = harness.run_tests([t for t in TESTS if not only or t.__name__ in only])
    finally:
        if cleanup() != 0:
            result = 1
        total = sum(t for _, t in S["times"])
        print("time %-34s %6.1f s" % ("image total", total), flush=True)
    return result


if __name__ == "__main__":
    sys.exit(main())

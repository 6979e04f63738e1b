#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# The operator HTTP endpoint ([listen] http) against a running balised with
# the sandbox on: /health answers 503 while the mail listeners are not up
# yet (test hook BALISED_TEST_LISTEN_DELAY_MS) and 200 once they are;
# /metrics read by the Prometheus text-format parser of
# python3-prometheus-client, its counters and gauges checked after an IMAP
# login, an SMTP delivery and refusal, a failed TLS handshake, a queued
# message and a BAL pushed over 80 % of its quota; the Thunderbird
# autoconfig file parsed as XML; bad requests answered 400, 404, 405, 414,
# 431 or 505 and the endpoint still serving; a trickled request head cut
# after 10 s; a non-loopback address refused.
import http.client
import imaplib
import os
import smtplib
import socket
import ssl
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

try:
    from prometheus_client.parser import text_string_to_metric_families
except ImportError:  # a python3 without Debian's modules: use Debian's
    sys.path.append("/usr/lib/python3/dist-packages")
    from prometheus_client.parser import text_string_to_metric_families

IO_TIMEOUT = 30
LISTEN_DELAY_MS = 4000
WL_NS = "https://listeblanche.mssante.fr/schema"
PEER_DN = "CN=mx.remote.example,O=Autre,C=FR"
B = None
USERS = {}
QUEUE_INJECT = os.path.join(harness.BUILD, "tests", "e2e", "queue_inject")


def setup():
    global B
    B = harness.Balise(msg_max="64K")
    B.http_port, B.sub_port, B.subs_port, B.ms_port = (harness.free_port() for _ in range(4))
    closed = harness.free_port()  # nothing listens there: outbound attempts fail
    wl = os.path.join(B.tmp, "whitelist.xml")
    with open(wl, "w") as f:
        f.write('<?xml version="1.0" encoding="UTF-8"?>\n<ListeBlancheMSSante xmlns="%s">'
                "<DateDeGeneration>2026-01-01T00:00:00Z</DateDeGeneration><ListeDomaines>"
                "<Domaine><Nom>remote.example</Nom><DNCertificatOperateur>%s"
                "</DNCertificatOperateur></Domaine></ListeDomaines></ListeBlancheMSSante>\n"
                % (WL_NS, PEER_DN))
    conf = open(B.conf).read()
    conf = conf.replace("[listen]\n", "[listen]\nhttp = 127.0.0.1:%d\nsubmission = 127.0.0.1:%d\n"
                        "submissions = 127.0.0.1:%d\nmanagesieve = 127.0.0.1:%d\n"
                        % (B.http_port, B.sub_port, B.subs_port, B.ms_port))
    conf = conf.replace("[tls]\n", "[tls]\nca = %s\n" % B.ca)
    conf += ("\n[trust]\nwhitelist = %s\n\n[queue]\nroutes = remote.example=127.0.0.1:%d\n"
             "poll_interval = 1s\n" % (wl, closed))
    open(B.conf, "w").write(conf)
    for name, quota in (("alice", None), ("bob", None), ("small", "10K")):
        USERS[name] = B.add_bal(name, "pw-" + name, quota=quota)
    # The mail listeners start LISTEN_DELAY_MS after the HTTP endpoint.
    os.environ["BALISED_TEST_LISTEN_DELAY_MS"] = str(LISTEN_DELAY_MS)
    try:
        B.start()
    finally:
        del os.environ["BALISED_TEST_LISTEN_DELAY_MS"]


def get(path, headers=None, method="GET"):
    """(status, headers, body) of one request on a new connection."""
    c = http.client.HTTPConnection("127.0.0.1", B.http_port, timeout=IO_TIMEOUT)
    try:
        c.request(method, path, headers=headers or {})
        r = c.getresponse()
        return r.status, r, r.read().decode("utf-8")
    finally:
        c.close()


def raw(data, read_all=True):
    """Sends bytes as they are; returns what came back until the server
    closed (read_all) or the first response's end."""
    with socket.create_connection(("127.0.0.1", B.http_port), timeout=IO_TIMEOUT) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
            if not read_all and b"\r\n\r\n" in out:
                return out


def status_of(resp):
    return int(resp.split(b" ", 2)[1])


def scrape():
    """{(sample name, frozenset(labels)): value} and {family name: type}."""
    status, r, body = get("/metrics")
    check(status == 200, "/metrics status %d" % status)
    check(r.getheader("Content-Type").startswith("text/plain; version=0.0.4"),
          r.getheader("Content-Type"))
    samples, types = {}, {}
    for fam in text_string_to_metric_families(body):
        types[fam.name] = fam.type
        for s in fam.samples:
            samples[(s.name, frozenset(s.labels.items()))] = s.value
    return samples, types


def val(samples, name, **labels):
    return samples.get((name, frozenset(labels.items())), 0.0)


def connect_refused(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
    except ConnectionRefusedError:
        return True
    return False


# ---------------------------------------------------------------- health

def test_health_503_then_200():
    status, r, body = get("/health")
    check(status == 503, "/health before the listeners: %d %r" % (status, body))
    check(body.strip() == "listeners not started", body)
    check(r.getheader("Retry-After") == "5", r.getheader("Retry-After"))
    # Really not up yet: the IMAP port is bound but does not accept.
    check(connect_refused(B.imaps_port), "imaps accepted before /health said ready")
    samples, _ = scrape()
    check(val(samples, "balise_ready") == 0, "balise_ready before the listeners")
    deadline = time.monotonic() + LISTEN_DELAY_MS / 1000 + harness.START_TIMEOUT
    while time.monotonic() < deadline:
        status, r, body = get("/health")
        if status == 200:
            break
        check(status == 503, "/health while starting: %d" % status)
        time.sleep(0.1)
    check(status == 200 and body == "ready\n", "/health after start: %d %r" % (status, body))
    check(not connect_refused(B.imaps_port), "imaps refused after /health said ready")
    status, r, body = get("/health", method="HEAD")
    check(status == 200 and body == "" and r.getheader("Content-Length") == "6",
          "HEAD /health: %d %r %s" % (status, body, r.getheader("Content-Length")))


# ---------------------------------------------------------------- metrics

def tls_ctx():
    return B.tls_context()


def submission(user):
    s = smtplib.SMTP_SSL("127.0.0.1", B.subs_port, context=tls_ctx(), timeout=IO_TIMEOUT)
    s.login(USERS[user], "pw-" + user)
    return s


def message(to, subject, size=0):
    return ("From: %s\r\nTo: %s\r\nSubject: %s\r\nMessage-ID: <%s@test.example>\r\n\r\n%s\r\n"
            % (USERS["alice"], to, subject, subject.replace(" ", "."), "x" * size))


def inject_old_entry():
    """A queue entry that arrived two hours ago and is not due for a day:
    the oldest entry when /metrics reads the queue."""
    now = int(time.time())
    r = subprocess.run([QUEUE_INJECT, os.path.join(B.tmp, "data"), "--from", USERS["alice"],
                        "--rcpt", "old@remote.example", "--arrival", str(now - 7200),
                        "--next", str(now + 86400)], capture_output=True, text=True,
                       timeout=IO_TIMEOUT)
    check(r.returncode == 0, "queue_inject: %s" % r.stderr)


def tls_garbage():
    """A client that speaks no TLS to the implicit-TLS port."""
    with socket.create_connection(("127.0.0.1", B.imaps_port), timeout=IO_TIMEOUT) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n" + b"\x00" * 64)
        try:
            while s.recv(4096):
                pass
        except OSError:
            pass


def managesieve_noop():
    """NOOP and LOGOUT in clear on the ManageSieve port."""
    with socket.create_connection(("127.0.0.1", B.ms_port), timeout=IO_TIMEOUT) as s:
        f = s.makefile("rb")
        while not f.readline().startswith(b"OK"):
            pass
        s.sendall(b"NOOP\r\n")
        check(f.readline().startswith(b"OK"), "NOOP")
        s.sendall(b"LOGOUT\r\n")
        check(f.readline().startswith(b"OK"), "LOGOUT")


def fill_small():
    """APPEND 8.5K into a 10K BAL: 85 %, its 80 % alert."""
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=tls_ctx(), timeout=IO_TIMEOUT)
    c.login(USERS["small"], "pw-small")
    msg = ("From: <a@test.example>\r\nSubject: filler\r\n\r\n" + "y" * 8500 + "\r\n").encode()
    typ, data = c.append("INBOX", None, None, msg)
    check(typ == "OK", "APPEND: %s %s" % (typ, data))
    c.logout()


def wait_metric(pred, what, timeout=15):
    deadline = time.monotonic() + timeout
    while True:
        samples, types = scrape()
        if pred(samples):
            return samples, types
        if time.monotonic() > deadline:
            raise AssertionError("%s: never seen in /metrics" % what)
        time.sleep(0.5)


def test_metrics():
    before, types = scrape()
    check(types.get("balise_connections") == "counter"
          and types.get("balise_connections_open") == "gauge"
          and types.get("balise_tls_handshake_failures") == "counter"
          and types.get("balise_queue_entries") == "gauge", "types: %r" % types)
    check(val(before, "balise_ready") == 1 and val(before, "balise_store_up") == 1, "ready")
    check(val(before, "balise_bals") == 3, "balise_bals %r" % val(before, "balise_bals"))
    check(val(before, "balise_store_map_size_bytes") >= 4 << 20
          and 0 < val(before, "balise_store_used_bytes") <= val(before,
                                                               "balise_store_map_size_bytes")
          and val(before, "balise_store_map_size_max_bytes") == 256 << 20, "store gauges")
    check(val(before, "balise_clock_synchronised") in (0, 1), "clock gauge")
    check(val(before, "balise_connections_open", protocol="http") >= 1, "own connection")

    inject_old_entry()
    # IMAP: one login (connections, commands)
    c = imaplib.IMAP4_SSL("127.0.0.1", B.imaps_port, ssl_context=tls_ctx(), timeout=IO_TIMEOUT)
    c.login(USERS["bob"], "pw-bob")
    mid, _ = scrape()
    check(val(mid, "balise_connections_open", protocol="imaps")
          == val(before, "balise_connections_open", protocol="imaps") + 1, "imaps open")
    c.logout()
    # SMTP: one local delivery, one queued recipient, one refusal (550 5.1.1)
    s = submission("alice")
    refused = s.sendmail(USERS["alice"], [USERS["bob"], "carol@remote.example"],
                         message(USERS["bob"], "metrics one"))
    check(refused == {}, "refused: %r" % refused)
    code, _ = s.rcpt("nobody@test.example") if s.mail(USERS["alice"])[0] == 250 else (0, b"")
    check(code == 550, "unknown local recipient: %d" % code)
    s.rset()
    s.quit()
    tls_garbage()
    fill_small()
    managesieve_noop()

    def done(m):
        return (val(m, "balise_bals_quota_at_or_above", level="80") >= 1
                and val(m, "balise_outbound_recipients_total", result="deferred")
                > val(before, "balise_outbound_recipients_total", result="deferred"))
    after, _ = wait_metric(done, "the 80 % BAL and the deferred attempt")

    def grew(name, by=1, **labels):
        d = val(after, name, **labels) - val(before, name, **labels)
        check(d >= by, "%s%r grew by %r, want %d" % (name, labels, d, by))

    grew("balise_connections_total", 3, protocol="imaps")  # login, garbage, fill
    grew("balise_connections_total", 1, protocol="submissions")
    grew("balise_commands_total", 4, protocol="imap")
    grew("balise_commands_total", 6, protocol="smtp")
    grew("balise_connections_total", 1, protocol="managesieve")
    grew("balise_commands_total", 2, protocol="managesieve")
    grew("balise_deliveries_total", 1, kind="local")
    grew("balise_deliveries_total", 1, kind="queued")
    grew("balise_smtp_refusals_total", 1, code="550")
    grew("balise_tls_handshake_failures_total", 1, side="server")
    check(val(after, "balise_connections_open", protocol="submissions") == 0, "closed")
    check(val(after, "balise_bals_quota_at_or_above", level="80") == 1
          and val(after, "balise_bals_quota_at_or_above", level="90") == 0, "quota levels")
    check(val(after, "balise_queue_entries") == 2, "queue entries %r"
          % val(after, "balise_queue_entries"))
    age = val(after, "balise_queue_oldest_age_seconds")
    check(7200 <= age < 7200 + 600, "oldest queue entry age %r" % age)


# ---------------------------------------------------------------- autoconfig

def servers(xml_text):
    root = ET.fromstring(xml_text)
    check(root.tag == "clientConfig" and root.get("version") == "1.1", root.tag)
    prov = root.find("emailProvider")
    out = []
    for tag in ("incomingServer", "outgoingServer"):
        for srv in prov.findall(tag):
            out.append((tag, srv.get("type"), srv.findtext("hostname"),
                        int(srv.findtext("port")), srv.findtext("socketType"),
                        srv.findtext("username"), srv.findtext("authentication")))
    return prov, out


def test_autoconfig():
    want = [("incomingServer", "imap", "mx.test.invalid", B.imaps_port, "SSL"),
            ("incomingServer", "imap", "mx.test.invalid", B.imap_port, "STARTTLS"),
            ("outgoingServer", "smtp", "mx.test.invalid", B.subs_port, "SSL"),
            ("outgoingServer", "smtp", "mx.test.invalid", B.sub_port, "STARTTLS")]
    for path, headers in (
            ("/mail/config-v1.1.xml?emailaddress=jean.dupont%40test.example",
             {"Host": "autoconfig.test.example"}),
            ("/.well-known/autoconfig/mail/config-v1.1.xml", {"Host": "test.example"}),
            ("/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=x%40TEST.example",
             {"Host": "127.0.0.1"})):
        status, r, body = get(path, headers)
        check(status == 200, "%s: %d %s" % (path, status, body))
        check(r.getheader("Content-Type") == "text/xml; charset=utf-8", "content type")
        prov, got = servers(body)
        check(prov.get("id") == "test.example" and prov.findtext("domain") == "test.example",
              "provider %r" % prov.attrib)
        check([g[:5] for g in got] == want, "servers %r" % got)
        check(all(g[5] == "%EMAILADDRESS%" and g[6] == "password-cleartext" for g in got),
              "username/authentication %r" % got)
    for path, headers in (
            ("/mail/config-v1.1.xml?emailaddress=a%40other.example", {}),
            ("/mail/config-v1.1.xml?emailaddress=%3Cscript%3E%40test.example%3E", {}),
            ("/mail/config-v1.1.xml?emailaddress=no-at-sign", {}),
            ("/.well-known/autoconfig/mail/config-v1.1.xml", {"Host": "[::1]:80"}),
            ("/.well-known/autoconfig/mail/config-v1.1.xml", {"Host": "other.example"})):
        status, _, body = get(path, headers)
        check(status == 404 and "<" not in body, "%s %r: %d %r" % (path, headers, status, body))


# ---------------------------------------------------------------- bad requests

def test_bad_requests():
    long_target = b"/" + b"a" * 5000
    cases = [
        (b"GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 404),
        (b"DELETE /metrics HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n", 405),
        (b"POST /health HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd", 405),
        (b"GET /health HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd", 400),
        (b"GET " + long_target + b" HTTP/1.1\r\nHost: a\r\n\r\n", 414),
        (b"GET / HTTP/1.1\r\nHost: a\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(100))
         + b"\r\n", 431),
        (b"GET / HTTP/1.1\r\nHost: a\r\nX: " + b"v" * 5000 + b"\r\n\r\n", 431),
        (b"HELLO\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\n\r\n", 400),
        (b"GET /\x01 HTTP/1.1\r\nHost: a\r\n\r\n", 400),
        (b"GET / HTTP/2.0\r\n\r\n", 505),
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\x00" * 40 + b"\r\n\r\n", 400),
    ]
    for req, want in cases:
        resp = raw(req)
        check(resp.startswith(b"HTTP/1.1 "), "no HTTP answer to %r: %r" % (req[:40], resp[:80]))
        check(status_of(resp) == want, "%r: %r, want %d" % (req[:40], resp[:60], want))
        if want == 405:
            check(b"\r\nAllow: GET, HEAD\r\n" in resp, "Allow: %r" % resp)
    # Keep-alive: two pipelined requests on one connection, then close.
    resp = raw(b"GET /health HTTP/1.1\r\nHost: a\r\n\r\n"
               b"GET /nope HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
    check(resp.count(b"HTTP/1.1 ") == 2 and status_of(resp) == 200
          and b"HTTP/1.1 404 " in resp, "pipelined: %r" % resp)
    # HTTP/1.0 without keep-alive: the server closes after one answer.
    resp = raw(b"GET /health HTTP/1.0\r\n\r\n")
    check(resp.startswith(b"HTTP/1.1 200 ") and b"Connection: close" in resp, "1.0: %r" % resp)
    # A request split across many small writes.
    with socket.create_connection(("127.0.0.1", B.http_port), timeout=IO_TIMEOUT) as s:
        for b in b"GET /health HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n":
            s.send(bytes([b]))
        resp = b"".join(iter(lambda: s.recv(4096), b""))
    check(status_of(resp) == 200, "byte by byte: %r" % resp)
    status, _, body = get("/health")
    check(status == 200, "still serving: %d" % status)
    check(B.proc.poll() is None, "balised exited")


def test_slow_head_closed():
    """A head trickled one byte at a time must still end within 10 s of
    its first byte (HTTP_REQUEST_MS): each byte does not restart the timer."""
    start = time.monotonic()
    with socket.create_connection(("127.0.0.1", B.http_port), timeout=IO_TIMEOUT) as s:
        s.sendall(b"GET /health HTTP/1.1\r\nHost: a\r\nX-Slow: ")
        s.settimeout(1.0)
        closed = False
        while time.monotonic() - start < 25 and not closed:
            try:
                closed = s.recv(4096) == b""
            except socket.timeout:
                try:
                    s.sendall(b"z")
                except OSError:
                    closed = True
            except OSError:
                closed = True
    took = time.monotonic() - start
    check(closed and 9 <= took <= 20, "closed=%s after %.1f s" % (closed, took))
    status, _, _ = get("/health")
    check(status == 200, "still serving: %d" % status)


def test_non_loopback_refused():
    conf = os.path.join(B.tmp, "remote.conf")
    text = open(B.conf).read().replace("http = 127.0.0.1:", "http = 0.0.0.0:")
    open(conf, "w").write(text)
    r = subprocess.run([harness.BALISECTL, "-c", conf, "config", "check"], capture_output=True,
                       text=True, timeout=IO_TIMEOUT)
    check(r.returncode != 0 and "[listen] http: not a loopback address" in r.stderr + r.stdout,
          "config check: %d %s%s" % (r.returncode, r.stdout, r.stderr))
    r = subprocess.run([harness.BALISED, "-c", conf], capture_output=True, text=True,
                       timeout=IO_TIMEOUT)
    check(r.returncode == 1 and "not a loopback address" in r.stderr, "balised: %d %s"
          % (r.returncode, r.stderr))
    open(conf, "a").write("\n[http]\nallow_remote = yes\n")
    r = subprocess.run([harness.BALISECTL, "-c", conf, "config", "check"], capture_output=True,
                       text=True, timeout=IO_TIMEOUT)
    check(r.returncode == 0, "allow_remote: %d %s%s" % (r.returncode, r.stdout, r.stderr))


def main():
    setup()
    try:
        status = harness.run_tests([test_health_503_then_200, test_metrics, test_autoconfig,
                                    test_bad_requests, test_slow_head_closed,
                                    test_non_loopback_refused])
        rc = B.stop()
        if rc != 0:
            print("FAIL balised exit status %r\n%s" % (rc, B.output()[-3000:]))
            status = 1
        elif status:
            print(B.output()[-3000:])
        return status
    finally:
        B.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())

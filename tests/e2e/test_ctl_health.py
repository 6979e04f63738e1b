#!/usr/bin/env python3
# SPDX-License-Identifier: ISC
# balisectl health (the container image's HEALTHCHECK): with
# [listen] http, exit 0 when /health says 200, 1 with balised's reason on
# 503; without it, exit 0 when balised greets on the first plain-text
# listener, 1 with the reason when nothing listens, when the greeting is
# wrong and when none comes.
import os
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import check  # noqa: E402

B = {}


def health(conf=None):
    r = subprocess.run([harness.BALISECTL, "-c", conf or B["b"].conf, "health"],
                       capture_output=True, text=True, timeout=30)
    return r.returncode, r.stdout, r.stderr


def with_listen(b, listen):
    """A copy of b's configuration whose [listen] is only `listen`."""
    text = open(b.conf).read()
    head, rest = text.split("[listen]\n", 1)
    rest = rest.split("\n\n", 1)[1]
    path = os.path.join(b.tmp, "other.conf")
    with open(path, "w") as f:
        f.write("%s[listen]\n%s\n\n%s" % (head, listen, rest))
    return path


def fake_server(greeting, http=False):
    """A listener on a free port that sends greeting (None: nothing) to one
    client (with http, after the request head, then closes; else keeps the
    connection open a few seconds)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)

    def serve():
        c, _ = srv.accept()
        head = b""
        while http and b"\r\n\r\n" not in head:
            head += c.recv(1024)
        if greeting is not None:
            c.sendall(greeting)
        c.settimeout(8)
        try:
            if not http:  # an HTTP/1.0 answer ends when the server closes
                c.recv(1)
        except OSError:
            pass
        c.close()
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1]


def test_down():
    code, out, err = health()
    check(code == 1 and "imap on 127.0.0.1 port %d" % B["b"].imap_port in err
          and "refused" in err.lower(), "down: %r" % ((code, out, err),))


def test_up_imap():
    B["b"].start()
    code, out, err = health()
    check(code == 0 and out == "ok imap 127.0.0.1:%d\n" % B["b"].imap_port,
          "up: %r" % ((code, out, err),))


def test_wildcard_reached_on_loopback():
    # A container listens on 0.0.0.0: the probe goes to 127.0.0.1.
    port = fake_server(b"220 mx.test ESMTP\r\n")
    code, out, err = health(with_listen(B["b"], "smtp = 0.0.0.0:%d" % port))
    check(code == 0 and out == "ok smtp 0.0.0.0:%d\n" % port, "smtp: %r" % ((code, out, err),))


def test_wrong_greeting():
    port = fake_server(b"HTTP/1.1 400 Bad Request\r\n")
    code, out, err = health(with_listen(B["b"], "imap = 127.0.0.1:%d" % port))
    check(code == 1 and "unexpected greeting: HTTP/1.1 400" in err, "%r" % ((code, out, err),))


def test_no_greeting():
    port = fake_server(None)
    code, out, err = health(with_listen(B["b"], "submission = 127.0.0.1:%d" % port))
    check(code == 1 and "no greeting before the time-out" in err, "%r" % ((code, out, err),))


def test_nothing_to_probe():
    code, out, err = health(with_listen(B["b"], "imaps = 127.0.0.1:%d" % B["b"].imaps_port))
    check(code == 1 and "nothing to probe" in err, "%r" % ((code, out, err),))


def test_http_ready():
    h = B["h"]
    code, out, err = health(h.conf)
    check(code == 0 and out == "ok http 127.0.0.1:%d ready\n" % h.http_port,
          "http: %r" % ((code, out, err),))


def test_http_unhealthy():
    port = fake_server(b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\n"
                       b"Content-Length: 20\r\n\r\nstore not answering\n", http=True)
    conf = with_listen(B["b"], "imap = 127.0.0.1:%d\nhttp = 127.0.0.1:%d"
                       % (B["b"].imap_port, port))
    code, out, err = health(conf)
    check(code == 1 and "/health: HTTP/1.1 503 Service Unavailable: store not answering" in err,
          "%r" % ((code, out, err),))


def test_http_down():
    h = B["h"]
    h.stop()
    code, out, err = health(h.conf)
    check(code == 1 and "http on 127.0.0.1 port %d" % h.http_port in err,
          "%r" % ((code, out, err),))


TESTS = [test_down, test_up_imap, test_wildcard_reached_on_loopback, test_wrong_greeting,
         test_no_greeting, test_nothing_to_probe, test_http_ready, test_http_unhealthy,
         test_http_down]


def main():
    with harness.Balise() as b, harness.Balise() as h:
        B["b"], B["h"] = b, h
        h.http_port = harness.free_port()
        with open(h.conf) as f:
            text = f.read().replace("[listen]\n", "[listen]\nhttp = 127.0.0.1:%d\n" % h.http_port)
        with open(h.conf, "w") as f:
            f.write(text)
        h.start()
        result = harness.run_tests(TESTS)
        for s in (b, h):
            status = s.stop()
            if status not in (None, 0):
                print("balised exit status %r\n%s" % (status, s.output()[-3000:]))
                result = 1
    return result


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The gateway as a client meets it: the nginx config `make run` renders (scripts/gateway.sh render
local), started here on a free port, in front of one stand-in service (properties) while every other
service is down.

Checks that nginx's own errors (a malformed request line, a method it refuses, an over-long URI or
header, a body over the limit, an unsupported version or transfer coding, a service that is down)
are RFC 9457 problem+json and never nginx's HTML pages; that a service's own answers pass through
untouched; and that the access log keeps no credential from a path or query string while the
service still receives them.

Run by scripts/validate-deploy.sh (so by `make test`, `make lint-deploy` and CI); standard library
only. Usage: scripts/test-gateway.py [unittest options]
"""
import http.client
import http.server
import json
import os
import pathlib
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import time
import unittest

REPO = pathlib.Path(__file__).resolve().parent.parent
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
SHARE_SECRET = "0190c3a1-7f00-7000-8000-000000000001.s3cr3t-share-0123456789abcdefghijklmnop"
MAGIC_TOKEN = "m4gic-link-token-0123456789abcdefghijklmnopqrs"
QUERY_TOKEN = "qu3ry-token-0123456789abcdefghijklmnopqrstu"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class StandIn(http.server.BaseHTTPRequestHandler):
    """properties, as far as the gateway can tell: records each path and answers with a problem
    of its own, which the gateway must pass on as it is."""

    paths: list[str] = []
    body = json.dumps({"type": "https://tract.dev/problems/share-expired", "title": "Gone", "status": 410,
                       "detail": "This share link expired."}).encode()

    # The live stream's second event waits for this, so a test can tell streamed from buffered.
    release_stream = threading.Event()

    def do_GET(self):
        StandIn.paths.append(self.path)
        if self.path.startswith("/v1/communications/stream"):
            self.stream()
            return
        self.send_response(410)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def stream(self):
        """communications' live stream: one event now, the next only once the test has seen it."""
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("X-Accel-Buffering", "no")
        self.end_headers()
        self.wfile.write(b"id: 1\nevent: ready\ndata: {}\n\n")
        self.wfile.flush()
        StandIn.release_stream.wait(10)
        self.wfile.write(b"id: 2\nevent: notification\ndata: {}\n\n")
        self.wfile.flush()

    def log_message(self, *args):
        pass


class Answer:
    def __init__(self, response: http.client.HTTPResponse):
        self.status = response.status
        self.headers = response.headers
        self.text = response.read().decode("utf-8", "replace")

    def problem(self) -> dict:
        return json.loads(self.text)


class GatewayTests(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = pathlib.Path(tempfile.mkdtemp(prefix="tract-gateway-test-"))
        # nginx's workers run as nobody when we are root: they must reach the temp paths in here.
        cls.dir.chmod(0o755)
        cls.port = free_port()
        down = free_port()  # nothing listens here: every service but properties is down

        cls.service = http.server.ThreadingHTTPServer(("127.0.0.1", 0), StandIn)
        threading.Thread(target=cls.service.serve_forever, daemon=True).start()
        properties = cls.service.server_address[1]

        rendered = subprocess.run([str(REPO / "scripts/gateway.sh"), "render", "local"], check=True, text=True,
                                  capture_output=True, env={**os.environ, "GATEWAY_DIR": str(cls.dir)}).stdout
        conf, listens = re.subn(r"listen 127\.0\.0\.1:8080;", f"listen 127.0.0.1:{cls.port};", rendered)
        assert listens == 1, "the local render listens on 127.0.0.1:8080"
        conf, upstreams = re.subn(r"upstream (\w+) \{ server 127\.0\.0\.1:\d+;",
                                  lambda m: f"upstream {m[1]} {{ server 127.0.0.1:{properties if m[1] in ('properties', 'communications') else down};",
                                  conf)
        assert upstreams >= 5, "one upstream per service"
        cls.body_limit_mib = int(re.search(r"client_max_body_size (\d+)m;", conf)[1])
        (cls.dir / "nginx.conf").write_text(conf)

        cls.nginx = subprocess.Popen([NGINX, "-e", str(cls.dir / "error.log"), "-c", str(cls.dir / "nginx.conf"),
                                      "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", cls.port), timeout=1).close()
                break
            except OSError:
                if cls.nginx.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"nginx did not start: {cls.nginx.stderr.read().decode()}")
                time.sleep(0.05)

    @classmethod
    def tearDownClass(cls):
        cls.nginx.terminate()
        cls.nginx.wait(10)
        cls.service.shutdown()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def send(self, raw: bytes) -> Answer:
        """Writes RAW to the gateway as is (so malformed requests stay malformed) and reads one answer."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(raw)
            response = http.client.HTTPResponse(connection)
            response.begin()
            return Answer(response)

    def get(self, target: str, method: str = "GET") -> Answer:
        return self.send(f"{method} {target} HTTP/1.1\r\nHost: gateway.test\r\nConnection: close\r\n\r\n".encode())

    def assertProblem(self, answer: Answer, status: int):
        self.assertEqual(answer.status, status, answer.text)
        self.assertEqual(answer.headers.get("Content-Type"), "application/problem+json", answer.text)
        problem = answer.problem()
        self.assertEqual(problem["status"], status)
        self.assertEqual(problem["type"], "about:blank")
        self.assertTrue(problem["title"] and problem["detail"], problem)
        self.assertNotIn("nginx", answer.text)
        return problem

    # nginx's own errors

    def test_a_malformed_request_line_is_a_400_problem(self):
        self.assertProblem(self.send(b"G@T / HTTP/1.1\r\nHost: gateway.test\r\n\r\n"), 400)

    def test_a_request_without_host_is_a_400_problem(self):
        self.assertProblem(self.send(b"GET / HTTP/1.1\r\nConnection: close\r\n\r\n"), 400)

    def test_a_method_nginx_refuses_is_a_405_problem_with_allow(self):
        answer = self.get("/v1/properties", method="TRACE")
        self.assertProblem(answer, 405)
        self.assertIn("GET", answer.headers.get("Allow", ""))

    def test_an_unknown_method_on_no_route_is_a_404_problem(self):
        self.assertProblem(self.get("/", method="BREW"), 404)

    def test_a_20_kb_uri_is_a_414_problem(self):
        self.assertProblem(self.get("/v1/properties?q=" + "a" * 20_000), 414)

    def test_a_64_kb_header_is_a_431_problem(self):
        big = b"X-Padding: " + b"a" * 65_536 + b"\r\n"
        self.assertProblem(self.send(b"GET / HTTP/1.1\r\nHost: gateway.test\r\n" + big + b"\r\n"), 431)

    def test_many_large_headers_are_a_431_problem(self):
        headers = b"".join(b"X-Padding-%d: %s\r\n" % (i, b"a" * 7_000) for i in range(10))
        self.assertProblem(self.send(b"GET / HTTP/1.1\r\nHost: gateway.test\r\n" + headers + b"\r\n"), 431)

    def test_a_body_over_the_limit_is_a_413_problem_naming_the_limit(self):
        length = self.body_limit_mib * 1024 * 1024 + 1
        answer = self.send(f"POST /v1/properties HTTP/1.1\r\nHost: gateway.test\r\nContent-Type: application/json\r\n"
                           f"Content-Length: {length}\r\n\r\n".encode())
        problem = self.assertProblem(answer, 413)
        self.assertIn(f"({self.body_limit_mib} MiB)", problem["detail"])

    def test_an_unsupported_transfer_coding_is_a_501_problem(self):
        self.assertProblem(self.send(b"POST /v1/properties HTTP/1.1\r\nHost: gateway.test\r\n"
                                     b"Transfer-Encoding: gzip\r\nConnection: close\r\n\r\n"), 501)

    def test_an_unsupported_http_version_is_a_505_problem(self):
        self.assertProblem(self.send(b"GET / HTTP/2.0\r\nHost: gateway.test\r\nConnection: close\r\n\r\n"), 505)

    def test_a_route_whose_service_is_down_is_a_502_problem(self):
        self.assertProblem(self.get("/v1/offerings"), 502)

    def test_an_unowned_path_and_the_internal_problem_paths_are_404_problems(self):
        self.assertProblem(self.get("/nothing-here"), 404)
        self.assertProblem(self.get("/_gateway/problem/400"), 404)

    # what passes through

    def test_a_services_own_error_passes_through_untouched(self):
        answer = self.get("/v1/media/shares/expired.share")
        self.assertEqual(answer.status, 410)
        self.assertEqual(answer.text.encode(), StandIn.body)

    def test_the_live_stream_is_passed_on_as_it_comes_not_buffered(self):
        with socket.create_connection(("127.0.0.1", self.port), timeout=10) as connection:
            connection.sendall(b"GET /v1/communications/stream HTTP/1.1\r\nHost: gateway.test\r\n"
                               b"Accept: text/event-stream\r\nConnection: close\r\n\r\n")
            response = http.client.HTTPResponse(connection)
            response.begin()
            self.assertEqual(response.status, 200)
            self.assertEqual(response.headers.get("Content-Type"), "text/event-stream")
            # For a proxy in front of the gateway (the Ingress controller's nginx).
            self.assertEqual(response.headers.get("X-Accel-Buffering"), "no")
            # The first event arrives while the service still holds the second one back.
            first = b""
            while b"\n\n" not in first:
                first += response.read1(4096)
            self.assertEqual(first, b"id: 1\nevent: ready\ndata: {}\n\n")
            StandIn.release_stream.set()
            self.assertEqual(response.read(), b"id: 2\nevent: notification\ndata: {}\n\n")

    def test_the_live_stream_location_waits_longer_than_a_heartbeat(self):
        conf = (self.dir / "nginx.conf").read_text()
        location = re.search(r"location = /v1/communications/stream \{(.*?)\}", conf, re.S)
        self.assertIsNotNone(location, "the stream has a location of its own")
        self.assertIn("proxy_buffering off;", location[1])
        timeout = int(re.search(r"proxy_read_timeout (\d+)s;", location[1])[1])
        self.assertGreater(timeout, 300, "LIVE_HEARTBEAT_SECONDS may be up to 300")

    # the access log

    def test_the_access_log_keeps_no_credential_but_the_service_gets_it(self):
        share = f"/v1/media/shares/{SHARE_SECRET}"
        magic = f"/v1/auth/magic-links/{MAGIC_TOKEN}"
        self.assertEqual(self.get(share).status, 410)
        self.assertEqual(self.get(share + "?redirect=true").status, 410)
        self.get(magic)
        self.get("/v1/auth/magic-links/verify", method="POST")
        self.get(f"/magic-link?token={QUERY_TOKEN}")
        self.get(f"/v1/properties?city=Austin&access_token={QUERY_TOKEN}")
        self.get("/v1/properties?city=Austin&cursor=abc")
        self.assertIn(share, StandIn.paths, "the service receives the path as sent")

        log = self.read_access_log(until="cursor=abc")
        for secret in (SHARE_SECRET, SHARE_SECRET.split(".")[1], MAGIC_TOKEN, QUERY_TOKEN):
            self.assertNotIn(secret, log)
        self.assertIn('"GET /v1/media/shares/[redacted] HTTP/1.1" 410', log)
        self.assertIn('"GET /v1/media/shares/[redacted]?redirect=true HTTP/1.1" 410', log)
        self.assertIn('"GET /v1/auth/magic-links/[redacted] HTTP/1.1"', log)
        self.assertIn('"POST /v1/auth/magic-links/verify HTTP/1.1"', log)
        self.assertIn('"GET /magic-link?[redacted] HTTP/1.1" 404', log)
        self.assertIn('"GET /v1/properties?[redacted] HTTP/1.1"', log)
        self.assertIn('"GET /v1/properties?city=Austin&cursor=abc HTTP/1.1"', log, "other queries stay readable")

    def read_access_log(self, until: str) -> str:
        """The access log once it holds UNTIL: nginx writes a line when the request ends, which can be
        just after the client has its answer."""
        path = self.dir / "access.log"
        deadline = time.monotonic() + 5
        while True:
            text = path.read_text(errors="replace")
            if until in text or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

if __name__ == "__main__":
    unittest.main(verbosity=2)

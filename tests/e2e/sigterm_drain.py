#!/usr/bin/env python3
"""SIGTERM drains: the built binary stops accepting, finishes the request in flight, exits 0.

Usage: sigterm_drain.py PATH/TO/tokentap. Standard library only; all traffic on 127.0.0.1.
"""
import http.client
import http.server
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time


class SlowUpstream(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        time.sleep(1.5)  # still generating when SIGTERM arrives
        body = b'{"done":true}'
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, deadline=15):
    end = time.time() + deadline
    while time.time() < end and proc.poll() is None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return True
        except OSError:
            time.sleep(0.05)
    return False


def main():
    binary = sys.argv[1]
    upstream = http.server.ThreadingHTTPServer(("127.0.0.1", 0), SlowUpstream)
    threading.Thread(target=upstream.serve_forever, daemon=True).start()
    port = free_port()
    cfg = tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False)
    cfg.write(f"listen: 127.0.0.1:{port}\nbuiltin_routes: false\nroutes:\n"
              f"  - prefix: /up\n    upstream: http://127.0.0.1:{upstream.server_address[1]}\n    provider: openai\n")
    cfg.close()
    proc = subprocess.Popen([binary, "--config", cfg.name, "--log-level", "warn"])
    failures = []
    try:
        if not wait_ready(port, proc):
            print("tokentap did not become ready")
            return 1
        result = {}

        def call():
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
            c.request("POST", "/up/v1/chat/completions", body=b"{}", headers={"content-type": "application/json"})
            r = c.getresponse()
            result["status"], result["body"] = r.status, r.read()

        t = threading.Thread(target=call)
        t.start()
        time.sleep(0.4)
        proc.send_signal(signal.SIGTERM)
        time.sleep(0.3)
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            failures.append("a new connection was accepted after SIGTERM")
        except OSError:
            pass
        t.join(20)
        if result.get("status") != 200 or result.get("body") != b'{"done":true}':
            failures.append(f"in-flight request did not complete: {result}")
        try:
            code = proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            code = "still running 15 s after SIGTERM"
        if code != 0:
            failures.append(f"exit code {code}")
    finally:
        if proc.poll() is None:
            proc.kill()
        os.unlink(cfg.name)
        upstream.shutdown()
    checks = 3
    for f in failures:
        print("FAIL:", f)
    print(f"{checks - len(failures)} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

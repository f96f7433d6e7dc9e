#!/usr/bin/env python3
"""Two tokentap processes share one per-caller limit through a real Redis server (gateway mode).

Usage: redis_shared_limit_test.py PATH/TO/tokentap

Starts redis-server on 127.0.0.1 (a free port, no persistence), a fake OpenAI provider, and two
tokentap processes with the same config: requests_per_minute 5 per caller, limits in Redis. Checks:
  - 3 calls through the first and 3 through the second with one API key: 5 reach the provider, the
    6th gets 429 in the OpenAI error shape with retry-after, without reaching the provider;
  - another API key has a limit of its own;
  - with Redis stopped, tokentap keeps serving (fail-open, the default) and logs that Redis is down.
Standard library only. Exits 77 (ctest skip) when redis-server is not installed (scripts/test
installs it), 1 on a failed check.
"""
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # e2e_support.py sits next to this file
from e2e_support import free_port, healthz_ok  # noqa: E402

OK_BODY = json.dumps({"id": "c1", "object": "chat.completion", "model": "gpt-4o-mini",
                      "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"},
                                   "finish_reason": "stop"}],
                      "usage": {"prompt_tokens": 5, "completion_tokens": 1, "total_tokens": 6}}).encode()
received = []


class FakeProvider(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("content-length") or 0))
        received.append(self.headers.get("authorization"))
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(OK_BODY)))
        self.end_headers()
        self.wfile.write(OK_BODY)


def wait_for(check, seconds):
    end = time.time() + seconds
    while time.time() < end:
        if check():
            return True
        time.sleep(0.05)
    return False


def redis_answers(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"*1\r\n$4\r\nPING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def chat(port, key):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    body = json.dumps({"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    c.request("POST", "/up/v1/chat/completions", body=body,
              headers={"content-type": "application/json", "authorization": "Bearer " + key})
    r = c.getresponse()
    return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()


class Checks:
    def __init__(self):
        self.failed = 0
        self.passed = 0

    def ok(self, cond, what):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL", what)


def main():
    binary = os.path.abspath(sys.argv[1])
    redis = shutil.which("redis-server")
    if not redis:
        print("skipped: redis-server is not installed")
        return 77
    work = tempfile.mkdtemp(prefix="tokentap-redis-")
    procs = []
    c = Checks()
    try:
        rport = free_port()
        rproc = subprocess.Popen([redis, "--port", str(rport), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--daemonize", "no", "--dir", work],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(rproc)
        if not wait_for(lambda: redis_answers(rport), 10):
            print("FAIL redis-server did not start")
            return 1
        provider = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeProvider)
        threading.Thread(target=provider.serve_forever, daemon=True).start()

        ports, logs = [], []
        for i in range(2):
            port = free_port()
            cfg = os.path.join(work, f"t{i}.yaml")
            with open(cfg, "w") as f:
                f.write(f"listen: 127.0.0.1:{port}\nthreads: 1\nbuiltin_routes: false\n"
                        f"routes:\n  - {{prefix: /up, upstream: 'http://127.0.0.1:{provider.server_address[1]}', provider: openai}}\n"
                        f"gateway:\n  enabled: true\n  limits: {{per_caller: {{requests_per_minute: 5}}}}\n"
                        f"  redis: {{address: '127.0.0.1:{rport}', key_prefix: 'test{rport}:', timeout: 0.5}}\n"
                        f"telemetry: {{call_log: off}}\n")
            log = open(os.path.join(work, f"t{i}.log"), "w+")
            env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
            procs.append(subprocess.Popen([binary, "--config", cfg], stdout=log, stderr=log, env=env))
            ports.append(port)
            logs.append(log)
        for p in ports:
            if not wait_for(lambda: healthz_ok(p), 15):
                print("FAIL tokentap did not start")
                return 1

        results = [chat(ports[0], "sk-shared") for _ in range(3)] + [chat(ports[1], "sk-shared") for _ in range(3)]
        statuses = [r[0] for r in results]
        c.ok(statuses == [200, 200, 200, 200, 200, 429], f"one limit across both replicas: {statuses}")
        c.ok(len(received) == 5, f"the refused call never reached the provider ({len(received)} did)")
        status, headers, body = results[-1]
        try:
            err = json.loads(body)["error"]
        except (ValueError, KeyError, TypeError):
            err = {}
        c.ok(err.get("code") == "rate_limit_exceeded", f"OpenAI-shaped 429 body: {body[:200]!r}")
        retry_after = int(headers.get("retry-after", "0") or 0)
        c.ok(1 <= retry_after <= 12, f"retry-after within the 12 s a request takes to come back: {retry_after}")
        c.ok(chat(ports[1], "sk-other")[0] == 200, "another key has a limit of its own")

        rproc.send_signal(signal.SIGTERM)
        rproc.wait(timeout=10)
        c.ok(chat(ports[0], "sk-shared")[0] == 200, "Redis down: fail-open keeps serving")
        logs[0].flush()
        logs[0].seek(0)
        text = logs[0].read()
        c.ok("cannot ask redis" in text.lower(), "tokentap says it cannot ask Redis: " + text[-600:])
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{c.passed} passed, {c.failed} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

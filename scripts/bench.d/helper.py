#!/usr/bin/env python3
"""Small stdlib-only helpers for scripts/bench. Every connection goes to 127.0.0.1.

  helper.py ports N                      print N free TCP ports on 127.0.0.1
  helper.py wait PORT PATH TIMEOUT [PID] wait until GET PATH answers 200 (fail early if PID dies)
  helper.py check PORT PATH BODYFILE     POST BODYFILE as JSON, expect 200 and a chat completion
  helper.py idle PORT COUNT PID HOLD     open COUNT keep-alive connections (one GET /healthz each),
                                         hold them HOLD seconds, print "rss_before_kb rss_after_kb closed"
"""
import json
import os
import socket
import sys
import time

HOST = "127.0.0.1"


def free_ports(n):
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.bind((HOST, 0))
        socks.append(s)
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def read_response(sock):
    """Read one HTTP/1.1 response; return (status, headers dict, body bytes)."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("connection closed before the response headers")
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    if "content-length" in headers:
        want = int(headers["content-length"])
        while len(body) < want:
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed in the response body")
            body += chunk
    elif "chunked" in headers.get("transfer-encoding", "").lower():
        while not body.endswith(b"0\r\n\r\n"):
            chunk = sock.recv(65536)
            if not chunk:
                raise ConnectionError("connection closed in a chunked body")
            body += chunk
    return status, headers, body


def request(port, method, path, body=b"", timeout=5.0):
    with socket.create_connection((HOST, port), timeout=timeout) as s:
        req = (f"{method} {path} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
               f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
               "Connection: close\r\n\r\n").encode() + body
        s.sendall(req)
        return read_response(s)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


def wait(port, path, timeout, pid=None):
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if pid and not os.path.exists(f"/proc/{pid}"):
            sys.exit(f"process {pid} exited while waiting for :{port}{path}")
        try:
            status, _, _ = request(port, "GET", path, timeout=1.0)
            if status == 200:
                return
            last = f"status {status}"
        except OSError as e:
            last = str(e)
        time.sleep(0.1)
    sys.exit(f"127.0.0.1:{port}{path} not ready after {timeout}s ({last})")


def check(port, path, body_file):
    with open(body_file, "rb") as f:
        body = f.read().strip()
    status, _, resp = request(port, "POST", path, body)
    if status != 200:
        sys.exit(f"POST :{port}{path} answered {status}: {resp[:200]!r}")
    doc = json.loads(resp)
    if doc.get("object") != "chat.completion" or not doc.get("choices"):
        sys.exit(f"POST :{port}{path} answered an unexpected body: {resp[:200]!r}")


def idle(port, count, pid, hold):
    before = rss_kb(pid)
    socks = []
    try:
        for i in range(count):
            s = socket.create_connection((HOST, port), timeout=5.0)
            socks.append(s)
            s.sendall(f"GET /healthz HTTP/1.1\r\nHost: {HOST}:{port}\r\n\r\n".encode())
            status, headers, _ = read_response(s)
            if status != 200 or headers.get("connection", "").lower() == "close":
                sys.exit(f"connection {i}: GET /healthz answered {status}, "
                         f"connection: {headers.get('connection', '-')}")
        time.sleep(hold)
        after = rss_kb(pid)
        closed = 0
        for s in socks:  # a connection the server closed reads as EOF
            s.setblocking(False)
            try:
                if s.recv(1) == b"":
                    closed += 1
            except BlockingIOError:
                pass
            except OSError:
                closed += 1
        print(before, after, closed)
    finally:
        for s in socks:
            s.close()


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "ports":
        print(" ".join(map(str, free_ports(int(args[0])))))
    elif cmd == "wait":
        wait(int(args[0]), args[1], float(args[2]), int(args[3]) if len(args) > 3 else None)
    elif cmd == "check":
        check(int(args[0]), args[1], args[2])
    elif cmd == "idle":
        idle(int(args[0]), int(args[1]), int(args[2]), float(args[3]))
    else:
        sys.exit(f"unknown command {cmd}")


if __name__ == "__main__":
    main(sys.argv)

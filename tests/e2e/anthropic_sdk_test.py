#!/usr/bin/env python3
"""The official Anthropic Node SDK through tokentap, against a fake Anthropic and an OTLP/JSON receiver.

Usage: anthropic_sdk_test.py PATH/TO/tokentap

Standard library only; all traffic stays on 127.0.0.1. Exits 77 (ctest skip) when node or npm is
missing (scripts/test installs both), 1 when the SDK cannot be installed or a check fails, 0 when all
pass. The whole run is bounded by a watchdog (HARD_LIMIT seconds) even if the binary hangs.

The client (anthropic_sdk/client.mjs) makes five Messages calls: non-stream, a stream through the SDK's
messages.stream() helper, an HTTP 529 overloaded_error that the SDK retries once (x-should-retry: true),
an HTTP 400 invalid_request_error, and a stream that fails half-way with an `event: error`.

What it checks (DESIGN.md "Testability contract", SEMCONV.md part 1):
  - the client gets the fake provider's exact answers through the proxy (message, stream events, errors);
  - the provider gets exactly the request bytes and headers the SDK sent (Authorization or x-api-key,
    anthropic-version, x-stainless-retry-count, ...): tokentap changes nothing in an Anthropic request
    (no include_usage);
  - one CLIENT span per HTTP request, exported over OTLP/HTTP JSON, with the GenAI attributes:
    input tokens = input + cache read + cache creation, the final cumulative output of a stream,
    cache_read / cache_write, finish reasons, error.type from the Anthropic error body, status Error,
    http.request.resend_count on the SDK's retry.
"""
import gzip
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

HERE = os.path.dirname(os.path.abspath(__file__))
SDK_DIR = os.path.join(HERE, "anthropic_sdk")
SDK_PACKAGE = os.path.join(SDK_DIR, "node_modules", "@anthropic-ai", "sdk")
HARD_LIMIT = 58.0  # the watchdog ends everything here; the steps below budget within SOFT_LIMIT
SOFT_LIMIT = 52.0
T0 = time.monotonic()
CHILDREN = []  # processes the watchdog must kill


def budget(cap):
    """At most cap seconds, and never past SOFT_LIMIT since the start."""
    return max(0.5, min(cap, T0 + SOFT_LIMIT - time.monotonic()))


# ---------------------------------------------------------------------------------------------
# What the fake provider answers. Numbers are distinct so a swapped or summed-twice field shows.

API_KEY = "sk-ant-e2e-test"
MODEL = "claude-sonnet-4-5"
SNAPSHOT = "claude-sonnet-4-5-20250929"
NONSTREAM_ID = "msg_01E2eNonStreamAaaaaaaaaa"
NONSTREAM_TEXT = "Hello from the fake Anthropic, all in one piece."
NONSTREAM_USAGE = {
    "input_tokens": 21,
    "cache_creation_input_tokens": 40,
    "cache_read_input_tokens": 1500,
    "cache_creation": {"ephemeral_5m_input_tokens": 40, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 12,
    "service_tier": "standard",
}
STREAM_ID = "msg_01E2eStreamBbbbbbbbbbbbb"
STREAM_PIECES = ["Hello", " from", " the fake", " stream."]
STREAM_START_USAGE = {  # message_start: input and cache counts, output so far
    "input_tokens": 17,
    "cache_creation_input_tokens": 300,
    "cache_read_input_tokens": 2048,
    "cache_creation": {"ephemeral_5m_input_tokens": 300, "ephemeral_1h_input_tokens": 0},
    "output_tokens": 2,
    "service_tier": "standard",
}
STREAM_FINAL_OUTPUT = 9  # message_delta: the cumulative output count (replaces 2, not added to it)
OVERLOADED_MODEL = "claude-e2e-overloaded"
OVERLOADED_BODY = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"},
                   "request_id": "req_011E2eOverloaded000000"}
INVALID_MODEL = "claude-e2e-invalid"
INVALID_BODY = {"type": "error",
                "error": {"type": "invalid_request_error",
                          "message": "messages.0.content: the fake provider refuses this request"},
                "request_id": "req_011E2eInvalid00000000"}
MIDSTREAM_MODEL = "claude-e2e-midstream"
MIDSTREAM_ID = "msg_01E2eMidStreamCccccccccc"
MIDSTREAM_START_USAGE = {"input_tokens": 33, "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                         "output_tokens": 1, "service_tier": "standard"}
MIDSTREAM_ERROR = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}


def nonstream_message():
    return {"id": NONSTREAM_ID, "type": "message", "role": "assistant", "model": SNAPSHOT,
            "content": [{"type": "text", "text": NONSTREAM_TEXT}],
            "stop_reason": "end_turn", "stop_sequence": None, "usage": NONSTREAM_USAGE}


def message_start(msg_id, model, usage):
    return {"type": "message_start",
            "message": {"id": msg_id, "type": "message", "role": "assistant", "model": model, "content": [],
                        "stop_reason": None, "stop_sequence": None, "usage": usage}}


def stream_events():
    """(event name, data) in the order Anthropic sends them, with pings where it puts them."""
    ev = [("message_start", message_start(STREAM_ID, SNAPSHOT, STREAM_START_USAGE)),
          ("content_block_start", {"type": "content_block_start", "index": 0,
                                   "content_block": {"type": "text", "text": ""}}),
          ("ping", {"type": "ping"})]
    for i, piece in enumerate(STREAM_PIECES):
        ev.append(("content_block_delta", {"type": "content_block_delta", "index": 0,
                                           "delta": {"type": "text_delta", "text": piece}}))
        if i == 1:
            ev.append(("ping", {"type": "ping"}))  # a ping may come mid-stream too
    ev += [("content_block_stop", {"type": "content_block_stop", "index": 0}),
           ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                              "usage": {"output_tokens": STREAM_FINAL_OUTPUT}}),
           ("message_stop", {"type": "message_stop"})]
    return ev


def midstream_events():
    return [("message_start", message_start(MIDSTREAM_ID, MIDSTREAM_MODEL, MIDSTREAM_START_USAGE)),
            ("content_block_start", {"type": "content_block_start", "index": 0,
                                     "content_block": {"type": "text", "text": ""}}),
            ("ping", {"type": "ping"}),
            ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                     "delta": {"type": "text_delta", "text": "Half an ans"}}),
            ("error", MIDSTREAM_ERROR)]


def read_body(handler):
    """Request body by content-length or chunked transfer-encoding."""
    if "chunked" in (handler.headers.get("transfer-encoding") or "").lower():
        out = b""
        while True:
            size = int(handler.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while handler.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return out
            out += handler.rfile.read(size)
            handler.rfile.readline()
    return handler.rfile.read(int(handler.headers.get("content-length") or 0))


class QuietHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: tokentap pools upstream connections
    timeout = 15  # socket timeout for every read and write of a handler

    def log_message(self, *args):
        pass

    def send_json(self, status, obj, extra=()):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)


class FakeAnthropic:
    """A fake api.anthropic.com: records every request it got and what it sent back."""

    def __init__(self):
        self.lock = threading.Lock()
        self.exchanges = []
        fake = self

        class Handler(QuietHandler):
            def do_POST(self):
                raw = read_body(self)
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                ex = {"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                      "body": body, "raw": raw}
                with fake.lock:
                    fake.exchanges.append(ex)
                    n = len(fake.exchanges)
                fake.answer(self, ex, n)

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def answer(self, h, ex, n):
        body = ex["body"] if isinstance(ex["body"], dict) else {}
        ids = [("request-id", f"req_011E2e{n:016d}")]
        model = body.get("model")
        if ex["path"] != "/v1/messages":
            err = {"type": "error", "error": {"type": "not_found_error", "message": f"Not found: {ex['path']}"}}
            ex["status"], ex["sent"] = 404, err
            h.send_json(404, err, ids)
        elif model == OVERLOADED_MODEL:
            ex["status"], ex["sent"] = 529, OVERLOADED_BODY
            h.send_json(529, OVERLOADED_BODY, ids + [("x-should-retry", "true"), ("retry-after-ms", "20")])
        elif model == INVALID_MODEL:
            ex["status"], ex["sent"] = 400, INVALID_BODY
            h.send_json(400, INVALID_BODY, ids + [("x-should-retry", "false")])
        elif model == MIDSTREAM_MODEL and body.get("stream") is True:
            ex["status"], ex["sent"] = 200, midstream_events()
            self.send_stream(h, ex["sent"], ids)
        elif body.get("stream") is True:
            ex["status"], ex["sent"] = 200, stream_events()
            self.send_stream(h, ex["sent"], ids)
        else:
            ex["status"], ex["sent"] = 200, nonstream_message()
            h.send_json(200, ex["sent"], ids)

    @staticmethod
    def send_stream(h, events, extra):
        """SSE as Anthropic sends it: `event: NAME\\ndata: {json}\\n\\n` per event, chunked. The last event
        and the end of the body go out in one write, as a server that is done sends them."""
        h.send_response(200)
        h.send_header("content-type", "text/event-stream; charset=utf-8")
        h.send_header("transfer-encoding", "chunked")
        h.send_header("cache-control", "no-cache")
        for k, v in extra:
            h.send_header(k, v)
        h.end_headers()

        def chunk(data):
            return b"%x\r\n%s\r\n" % (len(data), data)

        for i, (name, data) in enumerate(events):
            # Real streams pad the JSON with spaces after the last brace here and there.
            text = json.dumps(data) + ("   " if name == "message_start" else "")
            frame = chunk(f"event: {name}\ndata: {text}\n\n".encode())
            if i + 1 < len(events):
                time.sleep(0.02)  # a real stream: the first event comes after a moment, the rest trickle
                h.wfile.write(frame)
            else:
                h.wfile.write(frame + b"0\r\n\r\n")
        h.wfile.flush()


class OtlpReceiver:
    """OTLP/HTTP receiver: stores every JSON ExportTraceServiceRequest posted to /v1/traces."""

    def __init__(self):
        self.lock = threading.Lock()
        self.trace_payloads = []
        self.problems = []
        self.other_posts = 0
        self.busy = 0
        recv = self

        class Handler(QuietHandler):
            def do_POST(self):
                with recv.lock:
                    recv.busy += 1
                try:
                    recv.receive(self)
                finally:
                    with recv.lock:
                        recv.busy -= 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def receive(self, h):
        raw = read_body(h)
        if "gzip" in (h.headers.get("content-encoding") or "").lower():
            raw = gzip.decompress(raw)
        if h.path.split("?")[0] == "/v1/traces":
            ctype = (h.headers.get("content-type") or "").lower()
            try:
                doc = json.loads(raw)
            except ValueError:
                doc = None
            with self.lock:
                if not ctype.startswith("application/json"):
                    self.problems.append(f"/v1/traces POST with content-type {ctype!r} (expected application/json)")
                if isinstance(doc, dict):
                    self.trace_payloads.append(doc)
                else:
                    self.problems.append(f"/v1/traces POST whose body is not a JSON object: {raw[:200]!r}")
        else:
            with self.lock:
                self.other_posts += 1
        h.send_json(200, {})

    def spans(self):
        """Every span received, flattened, with its resource and decoded attributes."""
        out = []
        with self.lock:
            payloads = list(self.trace_payloads)
        for doc in payloads:
            for rs in doc.get("resourceSpans") or []:
                resource = attributes((rs.get("resource") or {}).get("attributes"))
                for ss in rs.get("scopeSpans") or []:
                    for sp in ss.get("spans") or []:
                        out.append({"span": sp, "resource": resource, "scope": ss.get("scope") or {},
                                    "attrs": attributes(sp.get("attributes"))})
        return out

    def wait_idle(self, seconds):
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            with self.lock:
                if self.busy == 0:
                    return
            time.sleep(0.02)


def any_value(v):
    """OTLP/JSON AnyValue to a Python value; intValue (a string in JSON for int64) becomes int."""
    if not isinstance(v, dict):
        return None
    if "stringValue" in v:
        return v["stringValue"]
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "intValue" in v:
        return int(v["intValue"])
    if "doubleValue" in v:
        return float(v["doubleValue"])
    if "arrayValue" in v:
        return [any_value(x) for x in (v["arrayValue"] or {}).get("values") or []]
    if "kvlistValue" in v:
        return attributes((v["kvlistValue"] or {}).get("values"))
    if "bytesValue" in v:
        return ("bytes", v["bytesValue"])
    return None


def attributes(kvs):
    return {kv.get("key"): any_value(kv.get("value")) for kv in kvs or []}


# ---------------------------------------------------------------------------------------------


class NotReady(Exception):
    """tokentap never answered /healthz: nothing else can be checked."""


class Checks:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def ok(self, cond, what, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed.append(what)
            print(f"FAIL: {what}" + (f"\n      {detail}" if detail else ""))
        return cond

    def same(self, what, got, want):
        """Equal as JSON says: 19 != 19.0 != "19" and true != 1."""
        g, w = json.dumps(got, sort_keys=True), json.dumps(want, sort_keys=True)
        return self.ok(g == w, what, f"got {shorten(g)}, want {shorten(w)}")


def shorten(s, n=600):
    return s if len(s) <= n else s[:n] + f"... ({len(s)} chars)"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port, proc, seconds):
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            c.request("GET", "/healthz")
            if c.getresponse().status == 200:
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return False


def ensure_sdk():
    """Install the SDK next to client.mjs when it is not there yet; False when that fails."""
    if os.path.isdir(SDK_PACKAGE):
        return True
    if not shutil.which("npm"):
        print("SKIP: npm not found")
        return False
    has_lock = os.path.exists(os.path.join(SDK_DIR, "package-lock.json"))
    cmd = ["npm", "ci" if has_lock else "install", "--no-audit", "--no-fund"]
    print("installing the Anthropic SDK:", " ".join(cmd))
    try:
        r = subprocess.run(cmd, cwd=SDK_DIR, capture_output=True, text=True, timeout=budget(30))
    except subprocess.TimeoutExpired:
        print("FAIL: npm did not finish within its time")
        return False
    if r.returncode != 0 or not os.path.isdir(SDK_PACKAGE):
        print(f"FAIL: {' '.join(cmd)} failed (exit {r.returncode}):\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
        return False
    return True


def clean_env(extra):
    """The caller's environment without OTEL_*, ANTHROPIC_* (the SDK reads many) or proxy settings, plus extra."""
    drop = ("OTEL_", "ANTHROPIC_")
    proxies = {"http_proxy", "https_proxy", "all_proxy"}
    env = {k: v for k, v in os.environ.items() if not k.startswith(drop) and k.lower() not in proxies}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


def tail(path, limit=12000):
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return ""
    text = data.decode(errors="replace")
    return text if len(text) <= limit else "...\n" + text[-limit:]


def run_client(c, base_url):
    """Runs client.mjs against base_url; its JSON line, or None (a failed check says why)."""
    node = subprocess.Popen(["node", "client.mjs"], cwd=SDK_DIR, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=clean_env({"E2E_ANTHROPIC_BASE_URL": base_url}))
    CHILDREN.append(node)
    try:
        node_out, node_err = node.communicate(timeout=budget(25))
    except subprocess.TimeoutExpired:
        node.kill()
        node_out, node_err = node.communicate()
        c.ok(False, "the node client finished within its time")
    seen = None
    lines = node_out.decode(errors="replace").strip().splitlines()
    try:
        seen = json.loads(lines[-1]) if lines else None
    except ValueError:
        pass
    if c.ok(node.returncode == 0 and isinstance(seen, dict), "the node client ran and printed its JSON line",
            f"exit {node.returncode}\nstdout: {shorten(node_out.decode(errors='replace'), 3000)}\n"
            f"stderr: {shorten(node_err.decode(errors='replace'), 3000)}"):
        return seen
    return None


# ---------------------------------------------------------------------------------------------
# The checks, one function per subject.


def check_client(c, seen):
    ns = seen.get("nonstream") or {}
    c.ok("unexpected" not in ns, "non-stream call succeeded", ns.get("unexpected", ""))
    c.same("non-stream: the client got the provider's message, unchanged", ns, nonstream_message())

    st = seen.get("stream") or {}
    c.ok("unexpected" not in st, "streamed call succeeded", st.get("unexpected", ""))
    c.same("stream: text", st.get("text"), "".join(STREAM_PIECES))
    # The SDK drops pings and yields every other event, parsed.
    c.same("stream: the client got every event the provider sent (pings aside), unchanged and in order",
           st.get("events"), [data for name, data in stream_events() if name != "ping"])
    final = st.get("final") or {}
    c.same("stream: the SDK's final message: id", final.get("id"), STREAM_ID)
    c.same("stream: the SDK's final message: model", final.get("model"), SNAPSHOT)
    c.same("stream: the SDK's final message: stop_reason", final.get("stop_reason"), "end_turn")
    c.same("stream: the SDK's final message: output_tokens", (final.get("usage") or {}).get("output_tokens"),
           STREAM_FINAL_OUTPUT)
    c.same("stream: the SDK's final message: cache_read_input_tokens",
           (final.get("usage") or {}).get("cache_read_input_tokens"), STREAM_START_USAGE["cache_read_input_tokens"])

    for name, status, cls, body in (("overloaded", 529, "OverloadedError", OVERLOADED_BODY),
                                    ("invalid", 400, "BadRequestError", INVALID_BODY)):
        er = seen.get(name) or {}
        c.ok("unexpected" not in er, f"{name} call raised the SDK's APIError", er.get("unexpected", ""))
        c.same(f"{name}: HTTP status", er.get("status"), status)
        c.same(f"{name}: SDK error class", er.get("class"), cls)
        c.same(f"{name}: error type", er.get("type"), body["error"]["type"])
        c.same(f"{name}: error body as the provider sent it", er.get("error"), body)

    ms = seen.get("midstream") or {}
    c.ok("unexpected" not in ms, "mid-stream error raised the SDK's APIError", ms.get("unexpected", ""))
    c.same("mid-stream error: error type", ms.get("type"), MIDSTREAM_ERROR["error"]["type"])
    c.same("mid-stream error: error body", ms.get("error"), MIDSTREAM_ERROR)
    c.same("mid-stream error: the events before the error, unchanged",
           ms.get("events"), [data for name, data in midstream_events() if name not in ("ping", "error")])


def check_provider_side(c, fake, seen):
    with fake.lock:
        exchanges = list(fake.exchanges)
    c.same("provider: requests received, in order (path, model, stream)",
           [(e["path"], (e["body"] or {}).get("model"), (e["body"] or {}).get("stream")) for e in exchanges],
           [["/v1/messages", MODEL, None], ["/v1/messages", MODEL, True],
            ["/v1/messages", OVERLOADED_MODEL, None], ["/v1/messages", OVERLOADED_MODEL, None],
            ["/v1/messages", INVALID_MODEL, None], ["/v1/messages", MIDSTREAM_MODEL, True]])
    # SDK 1.x sends its API key as a bearer token; the 400 call sends x-api-key instead (curl's way).
    c.same("provider: every request carried the client's credential (Authorization, or x-api-key on the 400)",
           [(e["headers"].get("authorization"), e["headers"].get("x-api-key")) for e in exchanges],
           [[f"Bearer {API_KEY}", None]] * 4 + [[None, API_KEY]] + [[f"Bearer {API_KEY}", None]])
    versions = [e["headers"].get("anthropic-version") for e in exchanges]
    c.ok(all(isinstance(v, str) and len(v) == 10 and v[4] == "-" and v[7] == "-" for v in versions),
         "provider: every request carried an anthropic-version date", str(versions))
    c.same("provider: x-stainless-retry-count of each request (the SDK's retry of the 529 says 1)",
           [e["headers"].get("x-stainless-retry-count") for e in exchanges], ["0", "0", "0", "1", "0", "0"])

    # What the SDK put on the wire (recorded by client.mjs) against what arrived behind the proxy.
    wire = seen.get("wire") or []
    if not c.same("provider: as many requests arrived as the SDK sent", len(exchanges), len(wire)):
        return
    hop_by_hop = {"host", "connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
                  "proxy-connection", "proxy-authorization", "expect"}
    for i, (sent, got) in enumerate(zip(wire, exchanges)):
        label = f"provider: request {i + 1} ({(got['body'] or {}).get('model')})"
        c.ok(sent.get("body") is not None and got["raw"] == sent["body"].encode(),
             f"{label}: body byte for byte as the SDK sent it (nothing added, e.g. no stream_options)",
             f"sent {shorten(str(sent.get('body')), 300)}\n      got  {shorten(got['raw'].decode(errors='replace'), 300)}")
        c.ok(not (isinstance(got["body"], dict) and "stream_options" in got["body"]),
             f"{label}: no stream_options", shorten(got["raw"].decode(errors="replace"), 300))
        lost = {k: v for k, v in (sent.get("headers") or {}).items()
                if k.lower() not in hop_by_hop and got["headers"].get(k.lower()) != v}
        c.ok(not lost, f"{label}: every end-to-end header the SDK set arrived unchanged",
             "; ".join(f"{k}: sent {v!r}, got {got['headers'].get(k.lower())!r}" for k, v in lost.items()))
        if i == 0:
            c.same(f"{label}: the SDK's own anthropic-version arrived",
                   got["headers"].get("anthropic-version"), (sent.get("headers") or {}).get("anthropic-version"))


def pick(c, genai, what, pred):
    found = [s for s in genai if pred(s)]
    names = [(s["span"].get("name"), s["attrs"].get("gen_ai.request.model"), s["attrs"].get("gen_ai.request.stream"))
             for s in genai]
    if c.ok(len(found) == 1, f"span: exactly one {what} span", f"found {len(found)} among {names}"):
        return found[0]
    return None


def check_span_common(c, s, label, model, fake_port):
    sp, a = s["span"], s["attrs"]
    c.same(f"{label}: name", sp.get("name"), f"chat {model}")
    c.same(f"{label}: kind (3 = CLIENT)", sp.get("kind"), 3)
    c.same(f"{label}: gen_ai.operation.name", a.get("gen_ai.operation.name"), "chat")
    c.same(f"{label}: gen_ai.provider.name", a.get("gen_ai.provider.name"), "anthropic")
    c.same(f"{label}: gen_ai.request.model", a.get("gen_ai.request.model"), model)
    c.same(f"{label}: server.address", a.get("server.address"), "127.0.0.1")
    c.same(f"{label}: server.port", a.get("server.port"), fake_port)
    c.same(f"{label}: resource service.name", s["resource"].get("service.name"), "e2e")
    tid, sid = str(sp.get("traceId") or ""), str(sp.get("spanId") or "")
    hexdigits = set("0123456789abcdef")
    c.ok(len(tid) == 32 and set(tid.lower()) <= hexdigits and tid.strip("0"), f"{label}: traceId is 32 hex digits", tid)
    c.ok(len(sid) == 16 and set(sid.lower()) <= hexdigits and sid.strip("0"), f"{label}: spanId is 16 hex digits", sid)
    c.ok(not sp.get("parentSpanId"), f"{label}: a root span (the request had no traceparent)", str(sp.get("parentSpanId")))
    start, end = str(sp.get("startTimeUnixNano", "")), str(sp.get("endTimeUnixNano", ""))
    c.ok(start.isdigit() and end.isdigit() and 0 < int(start) <= int(end),
         f"{label}: start and end times are nanosecond strings, start <= end", f"{start!r} {end!r}")


def span_seconds(sp):
    try:
        return (int(sp["endTimeUnixNano"]) - int(sp["startTimeUnixNano"])) / 1e9
    except (KeyError, TypeError, ValueError):
        return None


def not_error(sp):
    return (sp.get("status") or {}).get("code", 0) != 2


def anthropic_input(u):
    """gen_ai.usage.input_tokens as SEMCONV says: Anthropic's input_tokens excludes the cache."""
    return u["input_tokens"] + u.get("cache_read_input_tokens", 0) + u.get("cache_creation_input_tokens", 0)


def check_no_usage(c, a, label):
    usage = {k: v for k, v in a.items() if k.startswith("gen_ai.usage.") and "cost" not in k}
    c.ok(not usage, f"{label}: no usage attributes (the provider reported none)", str(usage))


def check_spans(c, receiver, fake_port):
    for p in receiver.problems:
        c.ok(False, "OTLP: " + p)
    spans = receiver.spans()
    genai = [s for s in spans if "gen_ai.operation.name" in s["attrs"]]
    if not c.ok(genai, "spans: tokentap exported GenAI spans over OTLP/HTTP JSON",
                f"{len(receiver.trace_payloads)} trace exports, {len(spans)} spans in all"):
        return
    c.same("spans: one GenAI span per HTTP request (6: the SDK's retry of the 529 is a request of its own)",
           len(genai), 6)

    def model_is(s, model):
        return s["attrs"].get("gen_ai.request.model") == model

    ns = pick(c, genai, f"non-stream chat {MODEL}", lambda s: model_is(s, MODEL)
              and s["attrs"].get("gen_ai.request.stream") is not True)
    if ns:
        a, label = ns["attrs"], "non-stream span"
        check_span_common(c, ns, label, MODEL, fake_port)
        c.same(f"{label}: gen_ai.response.model", a.get("gen_ai.response.model"), SNAPSHOT)
        c.same(f"{label}: gen_ai.response.id", a.get("gen_ai.response.id"), NONSTREAM_ID)
        c.same(f"{label}: gen_ai.request.max_tokens", a.get("gen_ai.request.max_tokens"), 256)
        c.same(f"{label}: gen_ai.usage.input_tokens (input + cache read + cache creation)",
               a.get("gen_ai.usage.input_tokens"), anthropic_input(NONSTREAM_USAGE))
        c.same(f"{label}: gen_ai.usage.output_tokens", a.get("gen_ai.usage.output_tokens"),
               NONSTREAM_USAGE["output_tokens"])
        c.same(f"{label}: gen_ai.usage.cache_read.input_tokens", a.get("gen_ai.usage.cache_read.input_tokens"),
               NONSTREAM_USAGE["cache_read_input_tokens"])
        c.same(f"{label}: gen_ai.usage.cache_write.input_tokens", a.get("gen_ai.usage.cache_write.input_tokens"),
               NONSTREAM_USAGE["cache_creation_input_tokens"])
        c.same(f"{label}: gen_ai.response.finish_reasons", a.get("gen_ai.response.finish_reasons"), ["end_turn"])
        c.ok(a.get("gen_ai.request.stream") in (None, False), f"{label}: not marked as a stream",
             str(a.get("gen_ai.request.stream")))
        c.ok("error.type" not in a, f"{label}: no error.type", str(a.get("error.type")))
        c.ok(not_error(ns["span"]), f"{label}: status is not Error", str(ns["span"].get("status")))

    st = pick(c, genai, f"streamed chat {MODEL}", lambda s: model_is(s, MODEL)
              and s["attrs"].get("gen_ai.request.stream") is True)
    if st:
        a, label = st["attrs"], "stream span"
        check_span_common(c, st, label, MODEL, fake_port)
        c.same(f"{label}: gen_ai.request.stream", a.get("gen_ai.request.stream"), True)
        c.same(f"{label}: gen_ai.request.temperature", a.get("gen_ai.request.temperature"), 0.25)
        c.same(f"{label}: gen_ai.response.model (message_start)", a.get("gen_ai.response.model"), SNAPSHOT)
        c.same(f"{label}: gen_ai.response.id (message_start)", a.get("gen_ai.response.id"), STREAM_ID)
        c.same(f"{label}: gen_ai.usage.input_tokens (message_start: input + cache read + cache creation)",
               a.get("gen_ai.usage.input_tokens"), anthropic_input(STREAM_START_USAGE))
        c.same(f"{label}: gen_ai.usage.output_tokens (message_delta's cumulative count, not a sum)",
               a.get("gen_ai.usage.output_tokens"), STREAM_FINAL_OUTPUT)
        c.same(f"{label}: gen_ai.usage.cache_read.input_tokens", a.get("gen_ai.usage.cache_read.input_tokens"),
               STREAM_START_USAGE["cache_read_input_tokens"])
        c.same(f"{label}: gen_ai.usage.cache_write.input_tokens", a.get("gen_ai.usage.cache_write.input_tokens"),
               STREAM_START_USAGE["cache_creation_input_tokens"])
        c.same(f"{label}: gen_ai.response.finish_reasons (message_delta)", a.get("gen_ai.response.finish_reasons"),
               ["end_turn"])
        ttfc, dur = a.get("gen_ai.response.time_to_first_chunk"), span_seconds(st["span"])
        c.ok(isinstance(ttfc, float) and ttfc > 0 and (dur is None or ttfc <= dur + 1e-3),
             f"{label}: gen_ai.response.time_to_first_chunk is a double, > 0 s and within the span",
             f"got {ttfc!r}, span lasted {dur!r} s")
        c.ok("error.type" not in a, f"{label}: no error.type", str(a.get("error.type")))
        c.ok(not_error(st["span"]), f"{label}: status is not Error", str(st["span"].get("status")))

    # The 529: the SDK's first attempt and its retry, each a span of its own.
    over = [s for s in genai if model_is(s, OVERLOADED_MODEL)]
    if c.same(f"span: {OVERLOADED_MODEL} spans (the first attempt and the SDK's retry)", len(over), 2):
        resend = sorted((s["attrs"].get("http.request.resend_count") or 0) for s in over)
        c.same(f"{OVERLOADED_MODEL} spans: http.request.resend_count absent on the first attempt, 1 on the retry",
               resend, [0, 1])
        c.ok(all("http.request.resend_count" not in s["attrs"] or s["attrs"]["http.request.resend_count"] > 0
                 for s in over), f"{OVERLOADED_MODEL} spans: http.request.resend_count is never 0",
             str([s["attrs"].get("http.request.resend_count") for s in over]))
        for i, s in enumerate(over):
            a, label = s["attrs"], f"overloaded span {i + 1}"
            check_span_common(c, s, label, OVERLOADED_MODEL, fake_port)
            c.same(f"{label}: status code (2 = ERROR)", (s["span"].get("status") or {}).get("code"), 2)
            c.same(f"{label}: error.type (the Anthropic error type)", a.get("error.type"), "overloaded_error")
            c.same(f"{label}: http.response.status_code", a.get("http.response.status_code"), 529)
            c.ok("gen_ai.response.finish_reasons" not in a, f"{label}: no finish reasons",
                 str(a.get("gen_ai.response.finish_reasons")))
            check_no_usage(c, a, label)

    inv = pick(c, genai, f"chat {INVALID_MODEL} (HTTP 400)", lambda s: model_is(s, INVALID_MODEL))
    if inv:
        a, label = inv["attrs"], "invalid-request span"
        check_span_common(c, inv, label, INVALID_MODEL, fake_port)
        c.same(f"{label}: status code (2 = ERROR)", (inv["span"].get("status") or {}).get("code"), 2)
        c.same(f"{label}: error.type (the Anthropic error type)", a.get("error.type"), "invalid_request_error")
        c.same(f"{label}: http.response.status_code", a.get("http.response.status_code"), 400)
        check_no_usage(c, a, label)

    ms = pick(c, genai, f"chat {MIDSTREAM_MODEL} (error event mid-stream)", lambda s: model_is(s, MIDSTREAM_MODEL))
    if ms:
        a, label = ms["attrs"], "mid-stream error span"
        check_span_common(c, ms, label, MIDSTREAM_MODEL, fake_port)
        c.same(f"{label}: gen_ai.request.stream", a.get("gen_ai.request.stream"), True)
        c.same(f"{label}: status code (2 = ERROR; HTTP said 200, the stream said error)",
               (ms["span"].get("status") or {}).get("code"), 2)
        c.same(f"{label}: error.type (from the error event)", a.get("error.type"), "overloaded_error")
        c.same(f"{label}: gen_ai.response.id (message_start)", a.get("gen_ai.response.id"), MIDSTREAM_ID)
        c.same(f"{label}: gen_ai.usage.input_tokens (what had arrived)", a.get("gen_ai.usage.input_tokens"),
               anthropic_input(MIDSTREAM_START_USAGE))
        c.same(f"{label}: gen_ai.usage.output_tokens (message_start's count; no message_delta came)",
               a.get("gen_ai.usage.output_tokens"), MIDSTREAM_START_USAGE["output_tokens"])
        # No stop_reason ever came; semantic-conventions-genai #521 (open) would put "error" there.
        c.ok(a.get("gen_ai.response.finish_reasons") in (None, ["error"]),
             f"{label}: no finish reason other than \"error\"", str(a.get("gen_ai.response.finish_reasons")))


def dump_spans(receiver):
    for s in receiver.spans():
        print(f"  span {s['span'].get('name')!r} kind={s['span'].get('kind')} status={s['span'].get('status')}")
        print(f"    {shorten(json.dumps(s['attrs'], sort_keys=True), 1500)}")


# ---------------------------------------------------------------------------------------------


def watchdog(state):
    print(f"FAIL: the test ran past its {HARD_LIMIT:.0f} s limit; killing everything", flush=True)
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
    if state.get("stderr"):
        print("---- tokentap stderr ----\n" + tail(state["stderr"]), flush=True)
    print("0 passed, 1 failed", flush=True)
    os._exit(1)


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node or npm not found")
        return 77
    state = {}
    timer = threading.Timer(HARD_LIMIT, watchdog, args=(state,))
    timer.daemon = True
    timer.start()
    if not ensure_sdk():
        return 1

    fake, receiver = FakeAnthropic(), OtlpReceiver()
    port = free_port()
    work = tempfile.mkdtemp(prefix="tokentap-e2e-anthropic-")
    cfg = os.path.join(work, "tokentap.yaml")
    with open(cfg, "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\n"
                "builtin_routes: false\n"  # nothing may leave this machine
                "routes:\n"
                f"  - prefix: /anthropic\n    upstream: http://127.0.0.1:{fake.port}\n    provider: anthropic\n")
    state["stderr"] = os.path.join(work, "stderr.log")
    env = clean_env({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
                     "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100",
                     "OTEL_SERVICE_NAME": "e2e"})
    c = Checks()
    with open(os.path.join(work, "stdout.log"), "wb") as out, open(state["stderr"], "wb") as err:
        proc = subprocess.Popen([binary, "--config", cfg], stdout=out, stderr=err, env=env)
    CHILDREN.append(proc)
    try:
        if not c.ok(wait_ready(port, proc, budget(10)), "tokentap answers 200 on /healthz",
                    f"exit code {proc.poll()}" if proc.poll() is not None else "no 200 within 10 s"):
            raise NotReady
        seen = run_client(c, f"http://127.0.0.1:{port}/anthropic")
        if seen is not None:
            check_client(c, seen)
            check_provider_side(c, fake, seen)

        # Give the batch exporter (100 ms schedule delay) a moment before asking for the flush.
        end = time.monotonic() + budget(2)
        while time.monotonic() < end and len([s for s in receiver.spans()
                                              if "gen_ai.operation.name" in s["attrs"]]) < 6:
            time.sleep(0.05)
        before = len(receiver.spans())
        proc.send_signal(signal.SIGTERM)
        try:
            code = proc.wait(timeout=budget(10))
        except subprocess.TimeoutExpired:
            code = "still running 10 s after SIGTERM"
        c.same("tokentap exits 0 on SIGTERM", code, 0)
        receiver.wait_idle(1.0)
        print(f"spans: {before} received before SIGTERM, {len(receiver.spans())} in all; "
              f"{receiver.other_posts} other OTLP posts")
        check_spans(c, receiver, fake.port)
    except NotReady:
        pass
    finally:
        for p in CHILDREN:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        fake.server.shutdown()
        receiver.server.shutdown()
        timer.cancel()

    if c.failed:
        print("---- spans received ----")
        dump_spans(receiver)
        print("---- tokentap stderr ----\n" + tail(state["stderr"]))
    shutil.rmtree(work, ignore_errors=True)
    print(f"{c.passed} passed, {len(c.failed)} failed")
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main())

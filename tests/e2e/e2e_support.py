"""What the end-to-end tests share: check counting, free ports, /healthz readiness, a clean child
environment, a recording fake provider to build on, the OTLP/HTTP JSON receiver and its AnyValue
decoding, span checks every GenAI CLIENT span must pass, the run's time budget and watchdog, and the
whole run of an SDK test (a Node SDK client -> tokentap -> a fake provider, spans to the receiver).

Standard library only; everything listens on 127.0.0.1. One test per process: the time budget starts
when the test imports this module, and CHILDREN (the processes the watchdog kills) is module state.
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

HARD_LIMIT = 58.0  # the watchdog ends everything here; the steps budget within SOFT_LIMIT
SOFT_LIMIT = 52.0
T0 = time.monotonic()
CHILDREN = []  # processes the watchdog must kill


def budget(cap):
    """At most cap seconds, and never past SOFT_LIMIT since the start."""
    return max(0.5, min(cap, T0 + SOFT_LIMIT - time.monotonic()))


# ---------------------------------------------------------------------------------------------
# Checks and small helpers.


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


def healthz_ok(port):
    """True when 127.0.0.1:port answers GET /healthz with 200."""
    try:
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
        c.request("GET", "/healthz")
        return c.getresponse().status == 200
    except OSError:
        return False


def wait_ready(port, proc, seconds):
    """True once /healthz answers 200; False when seconds pass or proc exits first."""
    end = time.monotonic() + seconds
    while time.monotonic() < end and proc.poll() is None:
        if healthz_ok(port):
            return True
        time.sleep(0.05)
    return False


def clean_env(extra, sdk_prefix):
    """The caller's environment without OTEL_*, the SDK's own variables (sdk_prefix*) or proxy
    settings, plus extra."""
    drop = ("OTEL_", sdk_prefix)
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


# ---------------------------------------------------------------------------------------------
# HTTP servers on 127.0.0.1.


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

    def start_event_stream(self, extra=()):
        """Status 200 and the headers of a chunked text/event-stream, as providers send them."""
        self.send_response(200)
        self.send_header("content-type", "text/event-stream; charset=utf-8")
        self.send_header("transfer-encoding", "chunked")
        self.send_header("cache-control", "no-cache")
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()


def serve(handler_class):
    """A ThreadingHTTPServer on 127.0.0.1 (a free port) serving from a daemon thread."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler_class)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


class FakeProvider:
    """A fake provider: records every POST as an exchange (path, lower-cased headers, body parsed as JSON
    or None, raw bytes), then has answer(handler, exchange, n) reply, n counting exchanges from 1. A
    subclass writes answer and stores what it sent in the exchange ("status", "sent")."""

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

        self.server = serve(Handler)
        self.port = self.server.server_address[1]

    def answer(self, h, ex, n):
        raise NotImplementedError

    def recorded(self):
        """The exchanges so far, a copy."""
        with self.lock:
            return list(self.exchanges)


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

        self.server = serve(Handler)
        self.port = self.server.server_address[1]

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

    def genai_spans(self):
        return [s for s in self.spans() if "gen_ai.operation.name" in s["attrs"]]

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
# Span checks any GenAI CLIENT span must pass.


def exported_genai_spans(c, receiver):
    """The GenAI spans received; a failed check for each problem the receiver saw, and one when there
    is no GenAI span at all."""
    for p in receiver.problems:
        c.ok(False, "OTLP: " + p)
    spans = receiver.spans()
    genai = [s for s in spans if "gen_ai.operation.name" in s["attrs"]]
    c.ok(genai, "spans: tokentap exported GenAI spans over OTLP/HTTP JSON",
         f"{len(receiver.trace_payloads)} trace exports, {len(spans)} spans in all")
    return genai


def pick(c, genai, what, pred):
    """The one span of genai that pred accepts, or None (a failed check says how many there were)."""
    found = [s for s in genai if pred(s)]
    names = [(s["span"].get("name"), s["attrs"].get("gen_ai.request.model"), s["attrs"].get("gen_ai.request.stream"))
             for s in genai]
    if c.ok(len(found) == 1, f"span: exactly one {what} span", f"found {len(found)} among {names}"):
        return found[0]
    return None


def check_client_span(c, s, label, name, fake_port, attrs):
    """Name and kind, then each (attribute, value) of attrs, then the upstream address, the resource,
    well-formed ids of a root span and nanosecond times."""
    sp, a = s["span"], s["attrs"]
    c.same(f"{label}: name", sp.get("name"), name)
    c.same(f"{label}: kind (3 = CLIENT)", sp.get("kind"), 3)
    for key, want in attrs:
        c.same(f"{label}: {key}", a.get(key), want)
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


def check_time_to_first_chunk(c, s, label):
    ttfc, dur = s["attrs"].get("gen_ai.response.time_to_first_chunk"), span_seconds(s["span"])
    c.ok(isinstance(ttfc, float) and ttfc > 0 and (dur is None or ttfc <= dur + 1e-3),
         f"{label}: gen_ai.response.time_to_first_chunk is a double, > 0 s and within the span",
         f"got {ttfc!r}, span lasted {dur!r} s")


def not_error(sp):
    return (sp.get("status") or {}).get("code", 0) != 2


def dump_spans(receiver):
    for s in receiver.spans():
        sp = s["span"]
        print(f"  span {sp.get('name')!r} kind={sp.get('kind')} status={sp.get('status')} "
              f"traceId={sp.get('traceId')} spanId={sp.get('spanId')} flags={sp.get('flags')}")
        if "links" in sp:
            print(f"    links: {json.dumps(sp.get('links'))}")
        print(f"    {shorten(json.dumps(s['attrs'], sort_keys=True), 1500)}")


# ---------------------------------------------------------------------------------------------
# An SDK test: the Node SDK's client.mjs through tokentap, bounded by the watchdog.


def ensure_sdk(sdk_dir, package_dir, sdk_name):
    """Install the SDK next to client.mjs when package_dir is not there yet; False when that fails."""
    if os.path.isdir(package_dir):
        return True
    if not shutil.which("npm"):
        print("SKIP: npm not found")
        return False
    has_lock = os.path.exists(os.path.join(sdk_dir, "package-lock.json"))
    cmd = ["npm", "ci" if has_lock else "install", "--no-audit", "--no-fund"]
    print(f"installing the {sdk_name} SDK:", " ".join(cmd))
    try:
        r = subprocess.run(cmd, cwd=sdk_dir, capture_output=True, text=True, timeout=budget(30))
    except subprocess.TimeoutExpired:
        print("FAIL: npm did not finish within its time")
        return False
    if r.returncode != 0 or not os.path.isdir(package_dir):
        print(f"FAIL: {' '.join(cmd)} failed (exit {r.returncode}):\n{r.stdout[-3000:]}{r.stderr[-3000:]}")
        return False
    return True


def run_node_client(c, sdk_dir, env):
    """Runs client.mjs in sdk_dir with env; its last stdout line as JSON, or None (a failed check says why)."""
    node = subprocess.Popen(["node", "client.mjs"], cwd=sdk_dir, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env)
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


def watchdog(state):
    print(f"FAIL: the test ran past its {HARD_LIMIT:.0f} s limit; killing everything", flush=True)
    for p in CHILDREN:
        if p.poll() is None:
            p.kill()
    if state.get("stderr"):
        print("---- tokentap stderr ----\n" + tail(state["stderr"]), flush=True)
    print("0 passed, 1 failed", flush=True)
    os._exit(1)


def run_sdk_test(doc, *, sdk_name, sdk_dir, sdk_package, sdk_env_prefix, base_url_var, make_fake, route_prefix,
                 provider, base_path, work_prefix, genai_spans, check_client, check_provider_side, check_spans):
    """The whole run; returns the exit code: 2 on a wrong command line (doc is printed), 77 when node
    or npm is missing, 1 when the SDK cannot be installed or a check fails, 0 when all pass.

    The SDK (sdk_name, e.g. "OpenAI") is installed in sdk_dir unless sdk_package is there. make_fake()
    starts the fake provider (a FakeProvider); tokentap routes route_prefix to it as provider. Every
    child gets the caller's environment without OTEL_*, sdk_env_prefix* or proxy settings. client.mjs
    runs with base_url_var set to tokentap's address and base_path; with its JSON line `seen`,
    check_client(c, seen) and check_provider_side(c, fake, seen) run. Then tokentap gets SIGTERM (once
    genai_spans GenAI spans arrived, or 2 s passed) and must exit 0, and check_spans(c, receiver,
    fake.port) runs. When a check failed, the spans received and tokentap's stderr are printed.
    """
    if len(sys.argv) != 2:
        print(doc)
        return 2
    binary = os.path.abspath(sys.argv[1])
    if not shutil.which("node") or not shutil.which("npm"):
        print("SKIP: node or npm not found")
        return 77
    state = {}
    timer = threading.Timer(HARD_LIMIT, watchdog, args=(state,))
    timer.daemon = True
    timer.start()
    if not ensure_sdk(sdk_dir, sdk_package, sdk_name):
        return 1

    fake, receiver = make_fake(), OtlpReceiver()
    port = free_port()
    work = tempfile.mkdtemp(prefix=work_prefix)
    cfg = os.path.join(work, "tokentap.yaml")
    with open(cfg, "w") as f:
        f.write(f"listen: 127.0.0.1:{port}\n"
                "builtin_routes: false\n"  # nothing may leave this machine
                "routes:\n"
                f"  - prefix: {route_prefix}\n    upstream: http://127.0.0.1:{fake.port}\n    provider: {provider}\n")
    state["stderr"] = os.path.join(work, "stderr.log")
    env = clean_env({"OTEL_EXPORTER_OTLP_ENDPOINT": f"http://127.0.0.1:{receiver.port}",
                     "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json", "OTEL_BSP_SCHEDULE_DELAY": "100",
                     "OTEL_SERVICE_NAME": "e2e"}, sdk_env_prefix)
    c = Checks()
    with open(os.path.join(work, "stdout.log"), "wb") as out, open(state["stderr"], "wb") as err:
        proc = subprocess.Popen([binary, "--config", cfg], stdout=out, stderr=err, env=env)
    CHILDREN.append(proc)
    try:
        if not c.ok(wait_ready(port, proc, budget(10)), "tokentap answers 200 on /healthz",
                    f"exit code {proc.poll()}" if proc.poll() is not None else "no 200 within 10 s"):
            raise NotReady
        seen = run_node_client(c, sdk_dir, clean_env({base_url_var: f"http://127.0.0.1:{port}{base_path}"},
                                                     sdk_env_prefix))
        if seen is not None:
            check_client(c, seen)
            check_provider_side(c, fake, seen)

        # Give the batch exporter (100 ms schedule delay) a moment before asking for the flush.
        end = time.monotonic() + budget(2)
        while time.monotonic() < end and len(receiver.genai_spans()) < genai_spans:
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

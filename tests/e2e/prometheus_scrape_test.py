#!/usr/bin/env python3
"""A real Prometheus server scrapes tokentap's /metrics; its HTTP API must show the token usage of known calls.

Usage: prometheus_scrape_test.py PATH/TO/tokentap

Standard library only; every socket is on 127.0.0.1. Exits 77 (ctest skip) when the `prometheus`
binary is missing (Debian package `prometheus`; set PROMETHEUS_BIN to use another one), 1 when a check
fails, 0 when all pass. A watchdog ends the whole run after HARD_LIMIT seconds even if a child hangs.

Steps (issue 4, "Export"; DESIGN.md "Testability contract"):
  1. a fake OpenAI provider answers every POST /v1/chat/completions with the same completion whose
     usage is PROMPT_TOKENS in, COMPLETION_TOKENS out;
  2. tokentap runs with a temp config routing /openai to it; CALLS chat calls go through the proxy;
  3. tokentap's own /metrics is read and checked first (so a wrong number is blamed on the right
     side), and linted with `promtool check metrics` when promtool is installed;
  4. Prometheus scrapes tokentap every second; the test polls its query API until
        sum(gen_ai_client_token_usage_sum{gen_ai_token_type="input"})  == CALLS * PROMPT_TOKENS
        sum(gen_ai_client_token_usage_sum{gen_ai_token_type="output"}) == CALLS * COMPLETION_TOKENS
        sum(gen_ai_client_token_usage_count)                           == 2 * CALLS
        up{job="tokentap"}                                             == 1
     and checks the stored series carry the GenAI attributes, and that the metric names (and series
     counts per name) Prometheus stored equal what /metrics served;
  5. tokentap gets SIGTERM and must exit 0; Prometheus gets SIGTERM (SIGKILL if it lingers).
"""
import http.client
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # e2e_support.py sits next to this file
from e2e_support import free_port  # noqa: E402

HARD_LIMIT = 60.0       # the watchdog kills everything and exits 1 here
QUERY_DEADLINE = 30.0   # how long Prometheus gets to show the expected numbers
T0 = time.monotonic()

CALLS = 5
PROMPT_TOKENS = 11
COMPLETION_TOKENS = 7
REQUEST_MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
JOB = "tokentap"
FAMILY = "gen_ai_client_token_usage"  # gen_ai.client.token.usage, unit {token}: no unit suffix

COMPLETION = {
    "id": "chatcmpl-promE2E0001",
    "object": "chat.completion",
    "created": 1767225600,
    "model": RESPONSE_MODEL,
    "choices": [{
        "index": 0,
        "message": {"role": "assistant", "content": "Counted by Prometheus.", "refusal": None},
        "logprobs": None,
        "finish_reason": "stop",
    }],
    "usage": {
        "prompt_tokens": PROMPT_TOKENS,
        "completion_tokens": COMPLETION_TOKENS,
        "total_tokens": PROMPT_TOKENS + COMPLETION_TOKENS,
    },
    "system_fingerprint": "fp_promE2E01",
}
COMPLETION_BYTES = json.dumps(COMPLETION).encode()

CHILDREN = []   # Popen objects the watchdog and the cleanup must end
TEMP_DIRS = []  # removed at the end, also by the watchdog
FAILURES = []


def log(msg):
    print("[%5.1fs] %s" % (time.monotonic() - T0, msg), flush=True)


def fail(msg):
    FAILURES.append(msg)
    log("FAIL: " + msg)


def ok(msg):
    log("ok: " + msg)


def stop_process(proc, name, grace=5.0):
    """SIGTERM, then SIGKILL after grace seconds. Returns the exit code (None if it never ended)."""
    if proc.poll() is None:
        try:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            log("%s ignored SIGTERM for %.0fs; sending SIGKILL" % (name, grace))
            proc.kill()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                return None
        except OSError:
            pass
    return proc.returncode


def remove_temp_dirs():
    for d in TEMP_DIRS:
        shutil.rmtree(d, ignore_errors=True)


def watchdog():
    print("WATCHDOG: the test did not finish within %.0fs; killing everything" % HARD_LIMIT, flush=True)
    for proc in CHILDREN:
        try:
            if proc.poll() is None:
                proc.kill()
        except OSError:
            pass
    remove_temp_dirs()
    os._exit(1)


def tail(path, lines=40):
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as e:
        return "(cannot read %s: %s)" % (path, e)
    return "\n".join(data[-lines:]) if data else "(empty)"


def http_request(port, method, path, body=None, headers=None, timeout=5.0):
    """One request on a fresh connection. Returns (status, headers dict, body bytes)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def wait_until(predicate, deadline_s, interval=0.1):
    """Calls predicate until it returns a truthy value or deadline_s passes; returns the last value."""
    end = time.monotonic() + deadline_s
    while True:
        try:
            value = predicate()
        except (OSError, http.client.HTTPException):
            value = None
        if value or time.monotonic() >= end:
            return value
        time.sleep(interval)


# ---------------------------------------------------------------------------------------------
# The fake OpenAI provider

class FakeOpenAI(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen = []  # (path, parsed request JSON or None)
    lock = threading.Lock()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        with FakeOpenAI.lock:
            FakeOpenAI.seen.append((self.path, parsed))
        if self.path != "/v1/chat/completions":
            body = json.dumps({"error": {"message": "not found: " + self.path, "type": "invalid_request_error"}})
            self._answer(404, body.encode())
            return
        self._answer(200, COMPLETION_BYTES)

    def _answer(self, status, body):
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("x-request-id", "req_promE2E")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # keep the test output readable
        pass


def start_fake_provider():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), FakeOpenAI)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="fake-openai", daemon=True).start()
    return server


# ---------------------------------------------------------------------------------------------
# tokentap

def start_tokentap(binary, workdir, upstream_port):
    port = free_port()
    config = os.path.join(workdir, "tokentap.yaml")
    with open(config, "w") as f:
        f.write("listen: 127.0.0.1:%d\n"
                "builtin_routes: false\n"
                "routes:\n"
                "  - prefix: /openai\n"
                "    upstream: http://127.0.0.1:%d\n"
                "    provider: openai\n" % (port, upstream_port))
    log_path = os.path.join(workdir, "tokentap.log")
    env = dict(os.environ)
    for key in list(env):  # no accidental export to a real collector from the caller's environment
        if key.startswith("OTEL_EXPORTER_OTLP"):
            del env[key]
    with open(log_path, "wb") as logf:
        proc = subprocess.Popen([binary, "--config", config], stdout=logf, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=env)
    CHILDREN.append(proc)

    def healthy():
        if proc.poll() is not None:
            return "exited"
        status, _, _ = http_request(port, "GET", "/healthz", timeout=1.0)
        return "ready" if status == 200 else None

    state = wait_until(healthy, 10.0)
    if state != "ready":
        why = "exited with %s" % proc.returncode if state == "exited" else "not healthy after 10s"
        raise RuntimeError("tokentap %s\n--- tokentap log (tail) ---\n%s" % (why, tail(log_path)))
    return proc, port, log_path


def make_calls(port):
    body = json.dumps({
        "model": REQUEST_MODEL,
        "messages": [{"role": "user", "content": "Count my tokens, Prometheus."}],
    }).encode()
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-e2e-not-a-real-key"}
    good = 0
    for i in range(CALLS):
        status, _, got = http_request(port, "POST", "/openai/v1/chat/completions", body, headers)
        if status != 200:
            fail("call %d: status %d through tokentap, body %r" % (i + 1, status, got[:300]))
        elif got != COMPLETION_BYTES:
            fail("call %d: the client did not get the provider's bytes: %r" % (i + 1, got[:300]))
        else:
            good += 1
    with FakeOpenAI.lock:
        seen = list(FakeOpenAI.seen)
    if good == CALLS:
        ok("%d chat calls through tokentap returned the provider's exact bytes" % CALLS)
    if len(seen) != CALLS or any(p != "/v1/chat/completions" for p, _ in seen):
        fail("the fake provider saw %d requests (%s), expected %d on /v1/chat/completions"
             % (len(seen), sorted({p for p, _ in seen}), CALLS))
    elif any(not isinstance(j, dict) or j.get("model") != REQUEST_MODEL for _, j in seen):
        fail("the fake provider did not receive the request JSON unchanged")


# ---------------------------------------------------------------------------------------------
# tokentap's /metrics, as served

SAMPLE_RE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)(\s+\S+)?$')
LABEL_RE = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_samples(text):
    """[(name, {label: value}, float value, line)] for every sample line of Prometheus text."""
    samples = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE_RE.match(line)
        if not m:
            continue
        labels = dict(LABEL_RE.findall(m.group(3) or ""))
        try:
            value = float(m.group(4))
        except ValueError:
            continue
        samples.append((m.group(1), labels, value, line))
    return samples


def family_lines(text, summary=True):
    """The /metrics lines about the token histogram (without _bucket lines when summary)."""
    out = []
    for line in text.splitlines():
        if FAMILY not in line:
            continue
        if summary and line.startswith(FAMILY + "_bucket"):
            continue
        out.append(line)
    return "\n".join(out) if out else "(no %s lines)" % FAMILY


def served_count(text):
    """Sum of the token histogram's _count samples in a /metrics text."""
    return sum(v for n, _, v, _ in parse_samples(text) if n == FAMILY + "_count")


def read_metrics(port):
    status, headers, body = http_request(port, "GET", "/metrics")
    if status != 200:
        raise RuntimeError("GET /metrics answered %d" % status)
    return headers.get("content-type", ""), body.decode("utf-8", "replace")


def check_served_metrics(port):
    """Checks /metrics itself; returns (text, {metric name: series count}) for the token family."""
    ctype, text = read_metrics(port)
    if not ctype.startswith("text/plain"):
        fail("GET /metrics Content-Type is %r, expected text/plain; version=0.0.4" % ctype)
    samples = [s for s in parse_samples(text) if s[0].startswith(FAMILY)]
    served = {}
    for name, _, _, _ in samples:
        served[name] = served.get(name, 0) + 1

    def total(suffix, token_type=None):
        return sum(v for n, l, v, _ in samples
                   if n == FAMILY + suffix and (token_type is None or l.get("gen_ai_token_type") == token_type))

    expect = {
        ("_sum", "input"): CALLS * PROMPT_TOKENS,
        ("_sum", "output"): CALLS * COMPLETION_TOKENS,
        ("_count", None): 2 * CALLS,
    }
    bad = ["%s%s%s = %g, expected %d" % (FAMILY, suffix, "{%s}" % tt if tt else "", total(suffix, tt), want)
           for (suffix, tt), want in expect.items() if total(suffix, tt) != want]
    if bad:
        fail("tokentap's own /metrics is wrong before Prometheus is involved: " + "; ".join(bad)
             + "\n--- /metrics (token usage lines) ---\n" + family_lines(text))
    else:
        ok("/metrics serves input sum %d, output sum %d, count %d"
           % (CALLS * PROMPT_TOKENS, CALLS * COMPLETION_TOKENS, 2 * CALLS))
    if "# TYPE %s histogram" % FAMILY not in text:
        fail("/metrics has no '# TYPE %s histogram' line" % FAMILY)
    return text, served


def lint_with_promtool(text):
    promtool = shutil.which("promtool")
    if not promtool:
        log("promtool not installed; skipping the lint of /metrics")
        return
    try:
        r = subprocess.run([promtool, "check", "metrics"], input=text.encode(), capture_output=True, timeout=10)
    except subprocess.TimeoutExpired:
        fail("promtool check metrics did not finish in 10s")
        return
    if r.returncode != 0:
        fail("promtool check metrics rejects /metrics (exit %d):\n%s%s"
             % (r.returncode, r.stdout.decode(errors="replace"), r.stderr.decode(errors="replace")))
    else:
        ok("promtool check metrics accepts /metrics")


# ---------------------------------------------------------------------------------------------
# Prometheus

def start_prometheus(prom_bin, workdir, target_port):
    config = os.path.join(workdir, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n"
                "  scrape_interval: 1s\n"
                "  scrape_timeout: 1s\n"
                "  evaluation_interval: 1s\n"
                "scrape_configs:\n"
                "  - job_name: %s\n"
                "    metrics_path: /metrics\n"
                "    scrape_interval: 1s\n"
                "    scrape_timeout: 1s\n"
                "    static_configs:\n"
                "      - targets: ['127.0.0.1:%d']\n" % (JOB, target_port))
    log_path = os.path.join(workdir, "prometheus.log")
    for attempt in range(3):  # the free port may be taken between probing and binding
        port = free_port()
        tsdb = tempfile.mkdtemp(prefix="tsdb-", dir=workdir)
        with open(log_path, "ab") as logf:
            proc = subprocess.Popen(
                [prom_bin, "--config.file=" + config, "--storage.tsdb.path=" + tsdb,
                 "--web.listen-address=127.0.0.1:%d" % port, "--log.level=info"],
                stdout=logf, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, cwd=workdir)
        CHILDREN.append(proc)

        def ready():
            if proc.poll() is not None:
                return "exited"
            status, _, _ = http_request(port, "GET", "/-/ready", timeout=1.0)
            return "ready" if status == 200 else None

        state = wait_until(ready, 15.0, interval=0.2)
        if state == "ready":
            return proc, port, log_path
        if state == "exited" and "address already in use" in tail(log_path, 20) and attempt < 2:
            log("Prometheus lost its port race; retrying on another port")
            continue
        why = "exited with %s" % proc.returncode if state == "exited" else "not ready after 15s"
        stop_process(proc, "prometheus")
        raise RuntimeError("Prometheus %s\n--- prometheus log (tail) ---\n%s" % (why, tail(log_path)))
    raise RuntimeError("unreachable")


def prom_query(port, promql):
    """Runs an instant query; returns the result list (raises on an API error)."""
    path = "/api/v1/query?" + urllib.parse.urlencode({"query": promql})
    status, _, body = http_request(port, "GET", path, timeout=3.0)
    doc = json.loads(body)
    if status != 200 or doc.get("status") != "success":
        raise RuntimeError("query %s failed: HTTP %d %s" % (promql, status, body[:300]))
    return doc["data"]["result"]


def scalar_of(result):
    """The single value of a one-element vector result, or None."""
    if len(result) != 1:
        return None
    return float(result[0]["value"][1])


def check_prometheus(prom_port, tokentap_port, upstream_port, served):
    expected = [
        ('up{job="%s"}' % JOB, 1),
        ('sum(%s_sum{job="%s",gen_ai_token_type="input"})' % (FAMILY, JOB), CALLS * PROMPT_TOKENS),
        ('sum(%s_sum{job="%s",gen_ai_token_type="output"})' % (FAMILY, JOB), CALLS * COMPLETION_TOKENS),
        ('sum(%s_count{job="%s"})' % (FAMILY, JOB), 2 * CALLS),
        ('sum(%s_bucket{job="%s",le="+Inf"})' % (FAMILY, JOB), 2 * CALLS),
    ]
    last = {}

    def all_match():
        for promql, want in expected:
            last[promql] = scalar_of(prom_query(prom_port, promql))
        return all(last[q] == w for q, w in expected)

    t_start = time.monotonic()
    matched = wait_until(all_match, QUERY_DEADLINE, interval=0.5)
    if not matched:
        lines = ["  %s = %s (expected %s)" % (q, last.get(q), w) for q, w in expected]
        try:
            targets = json.loads(http_request(prom_port, "GET", "/api/v1/targets", timeout=3.0)[2])
            health = [(t.get("scrapeUrl"), t.get("health"), t.get("lastError"))
                      for t in targets["data"]["activeTargets"]]
        except (OSError, ValueError, KeyError, http.client.HTTPException) as e:
            health = "(cannot read /api/v1/targets: %s)" % e
        if health == []:
            health = "none active (Prometheus applies new scrape targets about every 5 s)"
        fail("Prometheus did not show the expected values within %.0fs:\n%s\n  targets: %s"
             % (QUERY_DEADLINE, "\n".join(lines), health))
        return
    ok("Prometheus shows, after %.1fs of polling:" % (time.monotonic() - t_start))
    for q, w in expected:
        log("      %s = %g" % (q, w))

    # The series carry the GenAI attributes, with OpenTelemetry's dots turned into underscores.
    result = prom_query(prom_port, '%s_sum{job="%s"}' % (FAMILY, JOB))
    want_labels = {
        "gen_ai_operation_name": "chat",
        "gen_ai_provider_name": "openai",
        "gen_ai_request_model": REQUEST_MODEL,
        "gen_ai_response_model": RESPONSE_MODEL,
        "server_address": "127.0.0.1",
        "server_port": str(upstream_port),
        "instance": "127.0.0.1:%d" % tokentap_port,
    }
    types = sorted(r["metric"].get("gen_ai_token_type", "?") for r in result)
    wrong = []
    for r in result:
        metric = r["metric"]
        for key, value in want_labels.items():
            if metric.get(key) != value:
                wrong.append("%s: %s=%r, expected %r" % (metric.get("gen_ai_token_type"), key, metric.get(key), value))
    if types != ["input", "output"] or wrong:
        fail("stored %s_sum series are not one per token type with the GenAI labels: types %s; %s"
             % (FAMILY, types, "; ".join(wrong) or "labels fine"))
    else:
        ok("stored series carry gen_ai_token_type input/output and the GenAI labels (%s)"
           % ", ".join(sorted(want_labels)))

    # What Prometheus stored has the names (and as many series per name) as what /metrics served.
    result = prom_query(prom_port, 'count by (__name__)({__name__=~"%s.*",job="%s"})' % (FAMILY, JOB))
    stored = {r["metric"].get("__name__"): int(float(r["value"][1])) for r in result}
    if stored != served:
        fail("metric names stored by Prometheus differ from /metrics:\n  stored: %s\n  served: %s"
             % (sorted(stored.items()), sorted(served.items())))
    else:
        ok("Prometheus stored the names /metrics serves: %s"
           % ", ".join("%s (%d series)" % kv for kv in sorted(stored.items())))


# ---------------------------------------------------------------------------------------------

def main():
    if len(sys.argv) != 2:
        print("usage: %s PATH/TO/tokentap" % sys.argv[0], file=sys.stderr)
        return 2
    binary = os.path.abspath(sys.argv[1])
    prom_bin = os.environ.get("PROMETHEUS_BIN") or shutil.which("prometheus") or (
        "/usr/bin/prometheus" if os.access("/usr/bin/prometheus", os.X_OK) else None)
    if not prom_bin or not os.access(prom_bin, os.X_OK):
        print("SKIP: prometheus is not installed (apt-get install prometheus)", flush=True)
        return 77
    if not os.access(binary, os.X_OK):
        print("FAIL: %s is not an executable" % binary, flush=True)
        return 1

    timer = threading.Timer(HARD_LIMIT, watchdog)
    timer.daemon = True
    timer.start()

    workdir = tempfile.mkdtemp(prefix="tokentap-prom-e2e-")
    TEMP_DIRS.append(workdir)
    provider = start_fake_provider()
    tokentap = prometheus = None
    tt_log = prom_log = None
    tt_port = None
    text = ""
    try:
        upstream_port = provider.server_address[1]
        log("fake OpenAI provider on 127.0.0.1:%d" % upstream_port)
        tokentap, tt_port, tt_log = start_tokentap(binary, workdir, upstream_port)
        log("tokentap ready on 127.0.0.1:%d" % tt_port)

        make_calls(tt_port)
        # The histogram is recorded when a call ends, which may be a few ms after the client has its
        # bytes (telemetry never delays the response): give the last calls up to 3 s to be counted.
        wait_until(lambda: served_count(read_metrics(tt_port)[1]) >= 2 * CALLS, 3.0, interval=0.05)
        text, served = check_served_metrics(tt_port)
        lint_with_promtool(text)

        prometheus, prom_port, prom_log = start_prometheus(prom_bin, workdir, tt_port)
        log("Prometheus %s ready on 127.0.0.1:%d, scraping every 1s" % (prom_bin, prom_port))
        check_prometheus(prom_port, tt_port, upstream_port, served)
    except Exception as e:  # a setup step failed: report it like a failed check
        fail("%s: %s" % (type(e).__name__, e))
    finally:
        if FAILURES:
            # Fresh /metrics when possible, the one read earlier otherwise.
            if tokentap is not None and tokentap.poll() is None:
                try:
                    text = read_metrics(tt_port)[1]
                except (OSError, RuntimeError, http.client.HTTPException):
                    pass
            print("--- /metrics (%s lines, buckets left out) ---\n%s" % (FAMILY, family_lines(text)))
        if prometheus is not None:
            stop_process(prometheus, "prometheus")
        if tokentap is not None:
            rc = stop_process(tokentap, "tokentap")
            if rc != 0:
                fail("tokentap exited with %s after SIGTERM, expected 0" % rc)
            else:
                ok("tokentap exited 0 after SIGTERM")
        provider.shutdown()
        provider.server_close()
        if FAILURES:
            if prom_log:
                print("--- prometheus log (tail) ---\n" + tail(prom_log, 30))
            if tt_log:
                print("--- tokentap log (tail) ---\n" + tail(tt_log, 30))
        remove_temp_dirs()
        timer.cancel()

    if FAILURES:
        print("FAILED: %d check(s) failed in %.1fs" % (len(FAILURES), time.monotonic() - T0), flush=True)
        return 1
    print("PASSED in %.1fs" % (time.monotonic() - T0), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Replays ../shared/corpus through the binary with ../shared/conformance/run.py and fails on:
  - any client.*, upstream.* or shutdown.* check (the proxy core), and
  - any span, attribute or usage check of the OpenAI-style providers (openai, azure-openai,
    openai-compatible), whose telemetry is built.
Checks of the native Anthropic, Gemini and Bedrock spans and of the metrics belong to later issues and
are reported, not enforced, here. Two known differences are excluded, each named when it shows up.
Exits 77 (skipped) without ../shared.

Usage: conformance_check.py PATH/TO/tokentap [SHARED_DIR]
"""
import json
import os
import subprocess
import sys
import tempfile

ENFORCED = ("client.", "upstream.", "shutdown.")
SPAN_CHECKS = ("span.", "attr.", "usage.")
OPENAI_STYLE = ("openai/", "azure-openai/", "openai-compatible/")


def harness_artifact(failure, corpus):
    # Python's http.server (3.11+, gh-87389) collapses a leading "//" in the request path before the
    # replay upstream records it; tokentap forwards "//openai/..." as received.
    if failure["check"] != "upstream.path":
        return False
    got, _, want = failure["detail"].partition(" != ")
    return want.startswith("//") and got == "/" + want.lstrip("/")


def documented_usage_chunk_removal(failure, corpus):
    # A server that always sends a usage-only chunk, even to a stream request that did not ask for
    # it: tokentap asked for it (README, "The one change to a body") and removes it again.
    if failure["check"] != "client.body_exact":
        return False
    rec = json.load(open(os.path.join(corpus, failure["case"])))
    req = rec.get("request_body") or {}
    asked = isinstance(req.get("stream_options"), dict) and "include_usage" in req["stream_options"]
    body = rec.get("response_body_text") or ""
    return bool(req.get("stream")) and not asked and '"choices":[]' in body and '"usage":{' in body


EXCLUDED = (harness_artifact, documented_usage_chunk_removal)


def enforced(failure):
    if failure["check"].startswith(ENFORCED):
        return True
    return failure["check"].startswith(SPAN_CHECKS) and failure["case"].startswith(OPENAI_STYLE)


def main():
    binary = os.path.abspath(sys.argv[1])
    here = os.path.dirname(os.path.abspath(__file__))
    shared = sys.argv[2] if len(sys.argv) > 2 else os.path.join(here, "..", "..", "..", "shared")
    runner = os.path.join(shared, "conformance", "run.py")
    corpus = os.path.join(shared, "corpus")
    if not os.path.exists(runner):
        print(f"skipped: no conformance runner at {runner}")
        return 77
    report = tempfile.NamedTemporaryFile(suffix=".json", delete=False).name
    proc = subprocess.run([sys.executable, runner, "--bin", binary, "--report", report],
                          capture_output=True, text=True)
    print(proc.stdout[-4000:])
    failures = json.load(open(report)) if os.path.getsize(report) else []
    os.unlink(report)
    real = []
    for f in filter(enforced, failures):
        why = next((x.__name__ for x in EXCLUDED if x(f, corpus)), None)
        if why:
            print(f"known, not counted ({why}):", f["case"], f["detail"])
        else:
            real.append(f)
    for f in real[:50]:
        print("FAIL", f["check"], f["case"], f["detail"])
    if "passed" not in proc.stdout:
        print("conformance runner did not finish:", proc.stderr[-2000:])
        return 1
    print(f"enforced checks: {len(real)} failing")
    return 1 if real else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The official OpenAI Node SDK through tokentap, against a fake OpenAI and an OTLP/JSON receiver.

Usage: openai_sdk_test.py PATH/TO/tokentap

Standard library only; all traffic stays on 127.0.0.1. Exits 77 (ctest skip) when node or npm is
missing (scripts/test installs both), 1 when the SDK cannot be installed or a check fails, 0 when all pass. The whole run is
bounded by a watchdog (e2e_support.HARD_LIMIT seconds) even if the binary hangs.

What it checks (DESIGN.md "Testability contract", SEMCONV.md part 1):
  - the client gets the fake provider's exact answers through the proxy (chat, stream, embeddings,
    an HTTP 400 error, a chat the SDK retries by itself after an HTTP 429);
  - for a stream without stream_options, tokentap asks upstream for include_usage and removes the
    usage-only chunk again, so the client sees exactly the chunks it would have got without it;
  - one CLIENT span per attempt, exported over OTLP/HTTP JSON, with the GenAI attributes;
  - the SDK's own retry (SEMCONV.md part 1 item 9): the 429 attempt's span carries the provider's
    rate-limit headers, the retry's span http.request.resend_count and a link to the 429 span.
"""
import base64
import json
import os
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)  # e2e_support.py sits next to this file
from e2e_support import (FakeProvider, check_client_span, check_time_to_first_chunk,  # noqa: E402
                         exported_genai_spans, not_error, pick, run_sdk_test, shorten)

SDK_DIR = os.path.join(HERE, "openai_sdk")
SDK_PACKAGE = os.path.join(SDK_DIR, "node_modules", "openai")
SDK_ENV_PREFIX = "OPENAI_"  # the SDK's own settings: none may come from the caller's environment

# ---------------------------------------------------------------------------------------------
# What the fake provider answers. Numbers are distinct so a swapped field shows.

CREATED = 1767225600
SNAPSHOT = "gpt-4o-mini-2024-07-18"
FINGERPRINT = "fp_e2e0000001"
NONSTREAM_ID = "chatcmpl-e2eNonStream0001"
NONSTREAM_CONTENT = "Hello from the fake provider, all in one piece."
NONSTREAM_USAGE = {
    "prompt_tokens": 19,
    "completion_tokens": 10,
    "total_tokens": 29,
    "prompt_tokens_details": {"cached_tokens": 6, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 3, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
}
STREAM_ID = "chatcmpl-e2eStream0002"
STREAM_PIECES = ["Hello", " from", " the fake", " stream."]
STREAM_USAGE = {
    "prompt_tokens": 23,
    "completion_tokens": 7,
    "total_tokens": 30,
    "prompt_tokens_details": {"cached_tokens": 4, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 2, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
}
EMBED_MODEL = "text-embedding-3-small"
EMBED_VECTORS = [[(i + 1) / 8 for i in range(8)], [-(i + 1) / 16 for i in range(8)]]  # exact in float32
EMBED_USAGE = {"prompt_tokens": 8, "total_tokens": 8}
ERROR_MODEL = "gpt-e2e-missing"
ERROR_BODY = {"error": {
    "message": f"The model `{ERROR_MODEL}` does not exist or you do not have access to it.",
    "type": "invalid_request_error", "param": None, "code": "model_not_found"}}
# The call the SDK retries: its first attempt gets a 429, the retry a completion.
RETRY_MODEL = "gpt-e2e-ratelimited"
RETRY_MESSAGES = [{"role": "user", "content": "Say hello after one rate-limited attempt."}]
RATE_LIMIT_BODY = {"error": {
    "message": f"Rate limit reached for {RETRY_MODEL} in organization org-e2e on requests per min (RPM): "
               "Limit 60, Used 60, Requested 1. Please try again in 1s.",
    "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
RATE_LIMIT_HEADERS = [("retry-after-ms", "50"),  # the SDK waits this long, no more
                      ("x-ratelimit-limit-requests", "60"), ("x-ratelimit-remaining-requests", "0"),
                      ("x-ratelimit-reset-requests", "1s")]
RETRY_ID = "chatcmpl-e2eRetried0005"
RETRY_CONTENT = "Hello from the fake provider, second time lucky."
RETRY_USAGE = {
    "prompt_tokens": 17,
    "completion_tokens": 11,
    "total_tokens": 28,
    "prompt_tokens_details": {"cached_tokens": 5, "audio_tokens": 0},
    "completion_tokens_details": {"reasoning_tokens": 4, "audio_tokens": 0,
                                  "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
}
GENAI_SPANS = 6  # one per attempt: five calls, one of them sent twice


def stream_chunks(include_usage):
    """The chunks OpenAI would send: role, content pieces, finish; with include_usage every chunk
    carries "usage": null and a usage-only chunk (choices: []) comes last."""
    base = {"id": STREAM_ID, "object": "chat.completion.chunk", "created": CREATED, "model": SNAPSHOT,
            "service_tier": "default", "system_fingerprint": FINGERPRINT}
    deltas = [({"role": "assistant", "content": "", "refusal": None}, None)]
    deltas += [({"content": p}, None) for p in STREAM_PIECES]
    deltas.append(({}, "stop"))
    chunks = []
    for delta, finish in deltas:
        c = dict(base, choices=[{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}])
        if include_usage:
            c["usage"] = None
        chunks.append(c)
    if include_usage:
        chunks.append(dict(base, choices=[], usage=STREAM_USAGE))
    return chunks


class FakeOpenAI(FakeProvider):
    """A fake api.openai.com: records every request it got and what it sent back."""

    def answer(self, h, ex, n):
        body = ex["body"] if isinstance(ex["body"], dict) else {}
        ids = [("x-request-id", f"req_e2e{n:04d}"), ("openai-processing-ms", "12")]
        if ex["path"] == "/v1/chat/completions" and body.get("model") == ERROR_MODEL:
            ex["status"], ex["sent"] = 400, ERROR_BODY
            h.send_json(400, ERROR_BODY, ids)
        elif ex["path"] == "/v1/chat/completions" and body.get("model") == RETRY_MODEL:
            # The call is known by its model; its first attempt is refused, any later one answered.
            with self.lock:
                earlier = [e for e in self.exchanges if e is not ex and (e["body"] or {}).get("model") == RETRY_MODEL]
            if not earlier:
                ex["status"], ex["sent"] = 429, RATE_LIMIT_BODY
                h.send_json(429, RATE_LIMIT_BODY, ids + RATE_LIMIT_HEADERS)
            else:
                resp = {"id": RETRY_ID, "object": "chat.completion", "created": CREATED, "model": SNAPSHOT,
                        "choices": [{"index": 0, "message": {"role": "assistant", "content": RETRY_CONTENT,
                                                             "refusal": None, "annotations": []},
                                     "logprobs": None, "finish_reason": "stop"}],
                        "usage": RETRY_USAGE, "service_tier": "default", "system_fingerprint": FINGERPRINT}
                ex["status"], ex["sent"] = 200, resp
                h.send_json(200, resp, ids)
        elif ex["path"] == "/v1/chat/completions" and body.get("stream") is True:
            include_usage = (body.get("stream_options") or {}).get("include_usage") is True
            ex["status"], ex["sent"] = 200, stream_chunks(include_usage)
            self.send_stream(h, ex["sent"], ids)
        elif ex["path"] == "/v1/chat/completions":
            resp = {"id": NONSTREAM_ID, "object": "chat.completion", "created": CREATED, "model": SNAPSHOT,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": NONSTREAM_CONTENT,
                                                         "refusal": None, "annotations": []},
                                 "logprobs": None, "finish_reason": "stop"}],
                    "usage": NONSTREAM_USAGE, "service_tier": "default", "system_fingerprint": FINGERPRINT}
            ex["status"], ex["sent"] = 200, resp
            h.send_json(200, resp, ids)
        elif ex["path"] == "/v1/embeddings":
            as_base64 = body.get("encoding_format") == "base64"
            data = [{"object": "embedding", "index": i,
                     "embedding": base64.b64encode(struct.pack(f"<{len(v)}f", *v)).decode() if as_base64 else v}
                    for i, v in enumerate(EMBED_VECTORS)]
            resp = {"object": "list", "data": data, "model": EMBED_MODEL, "usage": EMBED_USAGE}
            ex["status"], ex["sent"] = 200, resp
            h.send_json(200, resp, ids)
        else:
            err = {"error": {"message": f"Unknown request URL: POST {ex['path']}.",
                             "type": "invalid_request_error", "param": None, "code": "unknown_url"}}
            ex["status"], ex["sent"] = 404, err
            h.send_json(404, err, ids)

    @staticmethod
    def send_stream(h, chunks, extra):
        """SSE as OpenAI sends it: one `data: {json}\\n\\n` per chunk, chunked, then [DONE]."""
        h.start_event_stream(extra)

        def frame(data):
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

        for c in chunks:
            time.sleep(0.02)  # a real stream: the first chunk comes after a moment, the rest trickle
            frame(b"data: " + json.dumps(c).encode() + b"\n\n")
        frame(b"data: [DONE]\n\n")
        h.wfile.write(b"0\r\n\r\n")

    def by_path(self, path):
        with self.lock:
            return [e for e in self.exchanges if e["path"] == path]


# ---------------------------------------------------------------------------------------------
# The checks, one function per subject.


def check_client(c, seen):
    ns = seen.get("nonstream") or {}
    c.ok("unexpected" not in ns, "non-stream chat call succeeded", ns.get("unexpected", ""))
    c.same("non-stream chat: content", ns.get("content"), NONSTREAM_CONTENT)
    c.same("non-stream chat: id", ns.get("id"), NONSTREAM_ID)
    c.same("non-stream chat: model", ns.get("model"), SNAPSHOT)
    c.same("non-stream chat: finish reasons", ns.get("finish_reasons"), ["stop"])
    c.same("non-stream chat: usage as the provider sent it", ns.get("usage"), NONSTREAM_USAGE)

    st = seen.get("stream") or {}
    c.ok("unexpected" not in st, "streamed chat call succeeded", st.get("unexpected", ""))
    c.same("stream: content", st.get("content"), "".join(STREAM_PIECES))
    chunks = st.get("chunks") or []
    c.ok(chunks, "stream: the client got chunks")
    empty = [i for i, ch in enumerate(chunks) if ch.get("choices") == []]
    c.ok(not empty, "stream: the client saw no chunk with empty choices (tokentap must remove the "
         "usage-only chunk it asked for)", f"chunks at {empty}: {shorten(json.dumps([chunks[i] for i in empty]))}")
    with_usage = [i for i, ch in enumerate(chunks) if ch.get("usage") is not None]
    c.ok(not with_usage, "stream: the client saw no usage (it did not ask for it)",
         f"chunks at {with_usage}: {shorten(json.dumps([chunks[i] for i in with_usage]))}")

    em = seen.get("embeddings") or {}
    c.ok("unexpected" not in em, "embeddings call succeeded", em.get("unexpected", ""))
    c.same("embeddings: lengths", em.get("lengths"), [len(v) for v in EMBED_VECTORS])
    c.ok(em.get("vectors") == EMBED_VECTORS, "embeddings: vectors (numerically; JSON has no 1 vs 1.0)",
         f"got {shorten(json.dumps(em.get('vectors')))}, want {shorten(json.dumps(EMBED_VECTORS))}")
    c.same("embeddings: model", em.get("model"), EMBED_MODEL)
    c.same("embeddings: usage", em.get("usage"), EMBED_USAGE)

    er = seen.get("error") or {}
    c.ok("unexpected" not in er, "error call raised the SDK's APIError", er.get("unexpected", ""))
    c.same("error: HTTP status", er.get("status"), 400)
    c.same("error: SDK error class", er.get("class"), "BadRequestError")
    c.same("error: type", er.get("type"), ERROR_BODY["error"]["type"])
    c.same("error: code", er.get("code"), ERROR_BODY["error"]["code"])
    c.same("error: message", er.get("message"), ERROR_BODY["error"]["message"])

    rt = seen.get("retried") or {}
    c.ok("unexpected" not in rt, "retried chat call succeeded (the SDK retried the 429 itself)", rt.get("unexpected", ""))
    c.same("retried chat: content", rt.get("content"), RETRY_CONTENT)
    c.same("retried chat: id", rt.get("id"), RETRY_ID)
    c.same("retried chat: model", rt.get("model"), SNAPSHOT)
    c.same("retried chat: finish reasons", rt.get("finish_reasons"), ["stop"])
    c.same("retried chat: usage as the provider sent it", rt.get("usage"), RETRY_USAGE)


def check_provider_side(c, fake, seen):
    exchanges = fake.recorded()
    c.same("provider: requests received, in order",
           [(e["path"], (e["body"] or {}).get("model"), (e["body"] or {}).get("stream")) for e in exchanges],
           [["/v1/chat/completions", "gpt-4o-mini", None], ["/v1/chat/completions", "gpt-4o-mini", True],
            ["/v1/embeddings", EMBED_MODEL, None], ["/v1/chat/completions", ERROR_MODEL, None],
            ["/v1/chat/completions", RETRY_MODEL, None], ["/v1/chat/completions", RETRY_MODEL, None]])
    c.ok(all(e["headers"].get("authorization") == "Bearer sk-test" for e in exchanges),
         "provider: every request carried the client's Authorization header",
         str([e["headers"].get("authorization") for e in exchanges]))

    chats = [e for e in exchanges if e["path"] == "/v1/chat/completions" and isinstance(e["body"], dict)]
    check_provider_retry(c, [e for e in chats if e["body"].get("model") == RETRY_MODEL])
    plain = [e for e in chats if e["body"].get("model") == "gpt-4o-mini" and e["body"].get("stream") is not True]
    if c.ok(len(plain) == 1, "provider: one non-stream chat request"):
        c.ok("stream_options" not in plain[0]["body"], "provider: a non-stream request is forwarded without "
             "stream_options", plain[0]["raw"][:300])
        c.same("provider: non-stream messages forwarded", plain[0]["body"].get("messages"),
               [{"role": "system", "content": "You are a terse test fixture."},
                {"role": "user", "content": "Say hello without streaming."}])

    streamed = [e for e in chats if e["body"].get("stream") is True]
    if not c.ok(len(streamed) == 1, "provider: one streamed chat request"):
        return
    ex = streamed[0]
    c.same("provider: tokentap asked upstream for stream usage (stream_options)",
           ex["body"].get("stream_options"), {"include_usage": True})
    c.same("provider: the rest of the stream request is the client's",
           {k: v for k, v in ex["body"].items() if k != "stream_options"},
           {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello, streaming."}],
            "stream": True})
    sent = ex.get("sent") or []
    usage_only = [ch for ch in sent if ch.get("choices") == [] and ch.get("usage")]
    c.ok(len(usage_only) == 1, "provider: sent a usage-only chunk (only because include_usage was asked)")
    # Everything else must reach the client unchanged, in order: exactly the stream it asked for.
    expected = [ch for ch in sent if ch.get("choices") != []]
    c.same("stream: the client got every other chunk the provider sent, unchanged and in order",
           (seen.get("stream") or {}).get("chunks"), expected)


def check_provider_retry(c, attempts):
    """The SDK's own retry reached the provider as two requests: the same body, retry count 0 then 1."""
    if not c.ok(len(attempts) == 2, f"provider: two requests for the retried call ({RETRY_MODEL})",
                f"got {len(attempts)}"):
        return
    first, second = attempts
    c.same("provider: the retried call's first attempt was answered 429, the second 200",
           [first.get("status"), second.get("status")], [429, 200])
    c.same("provider: x-stainless-retry-count of the two attempts",
           [first["headers"].get("x-stainless-retry-count"), second["headers"].get("x-stainless-retry-count")],
           ["0", "1"])
    c.same("provider: the retried call's body, as the client sent it",
           first["body"], {"model": RETRY_MODEL, "messages": RETRY_MESSAGES})
    c.ok(first["raw"] == second["raw"], "provider: the retry carried the same body, byte for byte",
         f"first {shorten(repr(first['raw']), 300)}\n      second {shorten(repr(second['raw']), 300)}")


def check_span_common(c, s, label, name, fake_port):
    check_client_span(c, s, label, name, fake_port, [("gen_ai.provider.name", "openai")])


def check_chat_usage(c, a, label, usage):
    """A non-stream completion's usage and finish reason on its span, as the provider sent them."""
    c.same(f"{label}: gen_ai.usage.input_tokens", a.get("gen_ai.usage.input_tokens"), usage["prompt_tokens"])
    c.same(f"{label}: gen_ai.usage.output_tokens", a.get("gen_ai.usage.output_tokens"), usage["completion_tokens"])
    c.same(f"{label}: gen_ai.usage.cache_read.input_tokens", a.get("gen_ai.usage.cache_read.input_tokens"),
           usage["prompt_tokens_details"]["cached_tokens"])
    c.same(f"{label}: gen_ai.usage.reasoning.output_tokens", a.get("gen_ai.usage.reasoning.output_tokens"),
           usage["completion_tokens_details"]["reasoning_tokens"])
    c.same(f"{label}: gen_ai.response.finish_reasons", a.get("gen_ai.response.finish_reasons"), ["stop"])


def nanos(sp, key):
    """A span's time field as an int, 0 when it is not a string of digits (check_span_common says so)."""
    v = str(sp.get(key, ""))
    return int(v) if v.isdigit() else 0


def check_spans(c, receiver, fake_port):
    genai = exported_genai_spans(c, receiver)
    if not genai:
        return
    c.same(f"spans: one GenAI span per attempt ({GENAI_SPANS}: five calls, one retried once)", len(genai), GENAI_SPANS)

    def op(s, name):
        return s["attrs"].get("gen_ai.operation.name") == name

    ns = pick(c, genai, "non-stream chat gpt-4o-mini", lambda s: op(s, "chat")
              and s["attrs"].get("gen_ai.request.model") == "gpt-4o-mini" and s["attrs"].get("gen_ai.request.stream") is not True)
    if ns:
        a, label = ns["attrs"], "non-stream chat span"
        check_span_common(c, ns, label, "chat gpt-4o-mini", fake_port)
        c.same(f"{label}: gen_ai.request.model", a.get("gen_ai.request.model"), "gpt-4o-mini")
        c.same(f"{label}: gen_ai.response.model", a.get("gen_ai.response.model"), SNAPSHOT)
        c.same(f"{label}: gen_ai.response.id", a.get("gen_ai.response.id"), NONSTREAM_ID)
        check_chat_usage(c, a, label, NONSTREAM_USAGE)
        c.ok(a.get("gen_ai.request.stream") in (None, False), f"{label}: not marked as a stream",
             str(a.get("gen_ai.request.stream")))
        c.ok(not_error(ns["span"]), f"{label}: status is not Error", str(ns["span"].get("status")))

    st = pick(c, genai, "streamed chat gpt-4o-mini", lambda s: op(s, "chat") and s["attrs"].get("gen_ai.request.stream") is True)
    if st:
        a, label = st["attrs"], "stream chat span"
        check_span_common(c, st, label, "chat gpt-4o-mini", fake_port)
        c.same(f"{label}: gen_ai.request.stream", a.get("gen_ai.request.stream"), True)
        c.same(f"{label}: gen_ai.request.model", a.get("gen_ai.request.model"), "gpt-4o-mini")
        c.same(f"{label}: gen_ai.response.model", a.get("gen_ai.response.model"), SNAPSHOT)
        c.same(f"{label}: gen_ai.response.id", a.get("gen_ai.response.id"), STREAM_ID)
        c.same(f"{label}: gen_ai.usage.input_tokens (from the usage-only chunk)", a.get("gen_ai.usage.input_tokens"),
               STREAM_USAGE["prompt_tokens"])
        c.same(f"{label}: gen_ai.usage.output_tokens (from the usage-only chunk)", a.get("gen_ai.usage.output_tokens"),
               STREAM_USAGE["completion_tokens"])
        c.same(f"{label}: gen_ai.usage.cache_read.input_tokens", a.get("gen_ai.usage.cache_read.input_tokens"),
               STREAM_USAGE["prompt_tokens_details"]["cached_tokens"])
        c.same(f"{label}: gen_ai.usage.reasoning.output_tokens", a.get("gen_ai.usage.reasoning.output_tokens"),
               STREAM_USAGE["completion_tokens_details"]["reasoning_tokens"])
        c.same(f"{label}: gen_ai.response.finish_reasons", a.get("gen_ai.response.finish_reasons"), ["stop"])
        check_time_to_first_chunk(c, st, label)
        c.ok(not_error(st["span"]), f"{label}: status is not Error", str(st["span"].get("status")))

    em = pick(c, genai, f"embeddings {EMBED_MODEL}", lambda s: op(s, "embeddings"))
    if em:
        a, label = em["attrs"], "embeddings span"
        check_span_common(c, em, label, f"embeddings {EMBED_MODEL}", fake_port)
        c.same(f"{label}: gen_ai.request.model", a.get("gen_ai.request.model"), EMBED_MODEL)
        c.same(f"{label}: gen_ai.usage.input_tokens", a.get("gen_ai.usage.input_tokens"), EMBED_USAGE["prompt_tokens"])
        c.ok("gen_ai.usage.output_tokens" not in a, f"{label}: no gen_ai.usage.output_tokens",
             str(a.get("gen_ai.usage.output_tokens")))
        c.ok(not_error(em["span"]), f"{label}: status is not Error", str(em["span"].get("status")))

    er = pick(c, genai, f"chat {ERROR_MODEL} (HTTP 400)", lambda s: op(s, "chat")
              and s["attrs"].get("gen_ai.request.model") == ERROR_MODEL)
    if er:
        label = "error span"
        check_span_common(c, er, label, f"chat {ERROR_MODEL}", fake_port)
        c.same(f"{label}: status code (2 = ERROR)", (er["span"].get("status") or {}).get("code"), 2)
        c.same(f"{label}: error.type", er["attrs"].get("error.type"), "invalid_request_error")

    check_retry_spans(c, [s for s in genai if s["attrs"].get("gen_ai.request.model") == RETRY_MODEL], fake_port)


def check_retry_spans(c, found, fake_port):
    """The SDK's retry: the 429 attempt's span with the provider's limit headers, then the retry's
    span with http.request.resend_count and a link back to it (SEMCONV.md part 1 items 9 and 10)."""
    if not c.ok(len(found) == 2, f"span: two spans for the retried call ({RETRY_MODEL}), one per attempt",
                f"found {len(found)}"):
        return
    first, second = sorted(found, key=lambda s: nanos(s["span"], "startTimeUnixNano"))
    for s, label in ((first, "429 attempt span"), (second, "retry span")):
        check_span_common(c, s, label, f"chat {RETRY_MODEL}", fake_port)
        c.same(f"{label}: gen_ai.request.model", s["attrs"].get("gen_ai.request.model"), RETRY_MODEL)

    a, sp, label = first["attrs"], first["span"], "429 attempt span"
    c.same(f"{label}: http.response.status_code", a.get("http.response.status_code"), 429)
    # The SDK reads the 429's header, drops the connection and retries: tokentap never gets the body
    # (it stops relaying when the client leaves), so error.type is the status code. Had the body
    # arrived with the header, it would be the body's type ("requests"). Either way the span is an error.
    c.ok(a.get("error.type") in ("429", "requests"), f"{label}: error.type", f"got {a.get('error.type')!r}")
    c.same(f"{label}: status code (2 = ERROR)", (sp.get("status") or {}).get("code"), 2)
    c.same(f"{label}: tokentap.ratelimit.requests.limit", a.get("tokentap.ratelimit.requests.limit"), 60)
    c.same(f"{label}: tokentap.ratelimit.requests.remaining", a.get("tokentap.ratelimit.requests.remaining"), 0)
    c.same(f"{label}: tokentap.ratelimit.requests.reset_seconds (a double)",
           a.get("tokentap.ratelimit.requests.reset_seconds"), 1.0)
    c.same(f"{label}: tokentap.retry_after_seconds (retry-after-ms 50)", a.get("tokentap.retry_after_seconds"), 0.05)
    c.ok("http.request.resend_count" not in a, f"{label}: no http.request.resend_count (the first send)",
         str(a.get("http.request.resend_count")))
    c.ok(not sp.get("links"), f"{label}: no links", json.dumps(sp.get("links")))

    a, sp, label = second["attrs"], second["span"], "retry span"
    c.same(f"{label}: http.request.resend_count (an int)", a.get("http.request.resend_count"), 1)
    c.same(f"{label}: http.response.status_code", a.get("http.response.status_code"), 200)
    c.same(f"{label}: gen_ai.response.id", a.get("gen_ai.response.id"), RETRY_ID)
    c.same(f"{label}: gen_ai.response.model", a.get("gen_ai.response.model"), SNAPSHOT)
    check_chat_usage(c, a, label, RETRY_USAGE)
    c.ok("error.type" not in a, f"{label}: no error.type", str(a.get("error.type")))
    c.ok(not_error(sp), f"{label}: status is not Error", str(sp.get("status")))
    c.ok(nanos(sp, "startTimeUnixNano") >= nanos(first["span"], "endTimeUnixNano") > 0,
         f"{label}: starts after the 429 attempt ended",
         f"{sp.get('startTimeUnixNano')} vs {first['span'].get('endTimeUnixNano')}")
    links = sp.get("links")
    if not c.ok(isinstance(links, list) and len(links) == 1, f"{label}: exactly one link", json.dumps(links)):
        return
    link = links[0] if isinstance(links[0], dict) else {}
    c.same(f"{label}: link traceId is the 429 span's", link.get("traceId"), first["span"].get("traceId"))
    c.same(f"{label}: link spanId is the 429 span's", link.get("spanId"), first["span"].get("spanId"))
    flags = link.get("flags")
    c.ok(isinstance(flags, int) and not isinstance(flags, bool), f"{label}: link flags is an integer", repr(flags))
    first_flags = first["span"].get("flags")
    if isinstance(flags, int) and isinstance(first_flags, int):
        c.same(f"{label}: link flags carry the 429 span's W3C trace flags (low 8 bits)", flags & 0xFF, first_flags & 0xFF)


# ---------------------------------------------------------------------------------------------


def main():
    return run_sdk_test(__doc__, sdk_name="OpenAI", sdk_dir=SDK_DIR, sdk_package=SDK_PACKAGE,
                        sdk_env_prefix=SDK_ENV_PREFIX, base_url_var="OPENAI_BASE_URL", make_fake=FakeOpenAI,
                        route_prefix="/openai", provider="openai", base_path="/openai/v1",
                        work_prefix="tokentap-e2e-sdk-", genai_spans=GENAI_SPANS, check_client=check_client,
                        check_provider_side=check_provider_side, check_spans=check_spans)


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Checks pricing/prices.json, the committed price table:
  1. its schema (pricing/README.md): header fields, version = date + content hash, every model with a
     non-negative input and output price, tiers in ascending order, each entry naming its source;
  2. the prices cross-checked by hand against the providers' published pricing (pricing/README.md,
     "Cross-check");
  3. that scripts/update-pricing, run on ../shared/pricing-sources, reproduces it exactly.
Exits 0 when all pass, 1 on any failure, 77 (skipped) when ../shared/pricing-sources is absent and the
first two parts passed.

Usage: prices_check.py [REPO_DIR]
"""
import datetime
import hashlib
import json
import math
import os
import re
import subprocess
import sys
import tempfile

REQUIRED_PROVIDERS = ["openai", "azure.ai.openai", "anthropic", "gcp.gemini", "gcp.vertex_ai",
                      "aws.bedrock", "mistral_ai", "groq", "deepseek", "x_ai", "openrouter"]
PRICE_FIELDS = ["input", "output", "cache_read", "cache_write", "cache_write_1h"]
ENTRY_FIELDS = set(PRICE_FIELDS) | {"tiers", "source", "note"}
TIER_FIELDS = set(PRICE_FIELDS) | {"above_input_tokens"}
HEADER = ["schema", "version", "updated", "currency", "unit", "sources", "providers"]

SONNET_45 = {"input": 3.0, "output": 15.0, "cache_read": 0.30, "cache_write": 3.75, "cache_write_1h": 6.0}

# (provider, model, expected fields) from the cross-check table in pricing/README.md. Only figures
# that agree with the providers' published pricing are pinned here; the mismatches are listed there.
KNOWN = [
    ("openai", "gpt-4o", {"input": 2.50, "output": 10.00, "cache_read": 1.25}),
    ("openai", "gpt-4o-mini", {"input": 0.15, "output": 0.60, "cache_read": 0.075}),
    ("openai", "gpt-4.1", {"input": 2.00, "output": 8.00, "cache_read": 0.50}),
    ("openai", "o1", {"input": 15.0, "output": 60.0, "cache_read": 7.50}),
    ("openai", "gpt-5", {"input": 1.25, "output": 10.0, "cache_read": 0.125}),
    ("azure.ai.openai", "gpt-4o", {"input": 2.50, "output": 10.00, "cache_read": 1.25}),
    ("anthropic", "claude-sonnet-4-5", SONNET_45),
    ("anthropic", "claude-sonnet-4-5-20250929", SONNET_45),
    ("anthropic", "claude-opus-4-1-20250805",
     {"input": 15.0, "output": 75.0, "cache_read": 1.50, "cache_write": 18.75, "cache_write_1h": 30.0}),
    ("anthropic", "claude-haiku-4-5",
     {"input": 1.0, "output": 5.0, "cache_read": 0.10, "cache_write": 1.25, "cache_write_1h": 2.0}),
    ("gcp.gemini", "gemini-2.5-pro",
     {"input": 1.25, "output": 10.0, "cache_read": 0.125,
      "tiers": [{"above_input_tokens": 200000, "input": 2.50, "output": 15.0, "cache_read": 0.25}]}),
    ("gcp.gemini", "gemini-2.5-flash", {"input": 0.30, "output": 2.50, "cache_read": 0.03}),
    ("gcp.gemini", "gemini-2.0-flash", {"input": 0.10, "output": 0.40, "cache_read": 0.025}),
    ("gcp.gemini", "gemini-3-pro-preview",
     {"input": 2.0, "output": 12.0, "cache_read": 0.20,
      "tiers": [{"above_input_tokens": 200000, "input": 4.0, "output": 18.0, "cache_read": 0.40,
                 "cache_write": 0.40}]}),
    ("gcp.vertex_ai", "gemini-2.5-pro",
     {"input": 1.25, "output": 10.0,
      "tiers": [{"above_input_tokens": 200000, "input": 2.50, "output": 15.0, "cache_read": 0.25}]}),
    ("gcp.vertex_ai", "claude-sonnet-4-5@20250929",
     dict(SONNET_45, tiers=[{"above_input_tokens": 200000, "input": 6.0, "output": 22.5,
                             "cache_read": 0.30, "cache_write": 3.75, "cache_write_1h": 6.0}])),
    ("aws.bedrock", "anthropic.claude-sonnet-4-5-20250929-v1:0", SONNET_45),
    ("aws.bedrock", "anthropic.claude-3-7-sonnet-20250219-v1:0",
     {"input": 3.0, "output": 15.0, "cache_read": 0.30, "cache_write": 3.75}),
    ("aws.bedrock", "amazon.nova-pro-v1:0", {"input": 0.80, "output": 3.20}),
    ("mistral_ai", "mistral-large-latest", {"input": 0.50, "output": 1.50}),
    ("mistral_ai", "mistral-small-latest", {"input": 0.10, "output": 0.30}),
    ("mistral_ai", "codestral-latest", {"input": 0.30, "output": 0.90}),
    ("groq", "llama-3.3-70b-versatile", {"input": 0.59, "output": 0.79}),
    ("groq", "llama-3.1-8b-instant", {"input": 0.05, "output": 0.08}),
    ("x_ai", "grok-4-0709", {"input": 3.0, "output": 15.0}),
    ("x_ai", "grok-4-fast-reasoning", {"input": 0.20, "output": 0.50, "cache_read": 0.05}),
    ("openrouter", "openai/gpt-4o", {"input": 2.50, "output": 10.00, "cache_read": 1.25}),
    ("openrouter", "anthropic/claude-sonnet-4.5",
     {"input": 3.0, "output": 15.0, "cache_read": 0.30, "cache_write": 3.75}),
    ("cohere", "command-r", {"input": 0.15, "output": 0.60}),
    ("perplexity", "sonar-pro", {"input": 3.0, "output": 15.0}),
]


class Checker:
    def __init__(self):
        self.failures = []

    def fail(self, message):
        self.failures.append(message)

    def expect(self, condition, message):
        if not condition:
            self.fail(message)
        return condition


def is_price(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value) and value >= 0)


def is_date(text):
    try:
        datetime.date.fromisoformat(text)
        return bool(re.fullmatch(r"\d{4}-\d{2}-\d{2}", text))
    except (TypeError, ValueError):
        return False


def content_hash(table):
    body = {k: v for k, v in table.items() if k not in ("version", "updated")}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:8]


def check_header(table, c):
    c.expect(list(table) == HEADER, f"top-level keys {list(table)} != {HEADER}")
    c.expect(table.get("schema") == 1, "schema is not 1")
    c.expect(table.get("currency") == "USD", "currency is not USD")
    c.expect(table.get("unit") == "per 1M tokens", "unit is not 'per 1M tokens'")
    updated, version = table.get("updated"), table.get("version")
    c.expect(is_date(updated), f"updated {updated!r} is not YYYY-MM-DD")
    match = re.fullmatch(r"(\d{4}-\d{2}-\d{2})\.([0-9a-f]{8})", str(version))
    if c.expect(match is not None, f"version {version!r} is not YYYY-MM-DD.<8 hex>"):
        c.expect(match[1] == updated, f"version date {match[1]} != updated {updated}")
        c.expect(match[2] == content_hash(table),
                 f"version hash {match[2]} != content hash {content_hash(table)} (edited by hand?)")
    sources = table.get("sources")
    if c.expect(isinstance(sources, list) and sources, "sources is not a non-empty list"):
        for source in sources:
            for key in ("name", "url", "commit", "license", "retrieved"):
                c.expect(isinstance(source.get(key), str) and source[key], f"source lacks {key}")
            c.expect(re.fullmatch(r"[0-9a-f]{40}", str(source.get("commit"))) is not None,
                     "source commit is not a full hash")
            c.expect(is_date(source.get("retrieved")), "source retrieved is not a date")


def check_prices(where, prices, c):
    for field in PRICE_FIELDS:
        if field in prices:
            c.expect(is_price(prices[field]), f"{where}: {field} {prices[field]!r} is not a price")
    inp, read = prices.get("input"), prices.get("cache_read")
    if is_price(inp) and is_price(read):
        c.expect(read <= inp, f"{where}: cache_read {read} above input {inp}")


def check_entry(where, entry, source_names, c):
    if not c.expect(isinstance(entry, dict), f"{where}: not an object"):
        return
    c.expect(set(entry) <= ENTRY_FIELDS, f"{where}: unknown fields {sorted(set(entry) - ENTRY_FIELDS)}")
    c.expect("input" in entry and "output" in entry, f"{where}: lacks input or output")
    check_prices(where, entry, c)
    source = entry.get("source")
    c.expect(isinstance(source, str) and source.split(":", 1)[0] in source_names
             and re.fullmatch(r"[^:]+:[A-Za-z0-9._-]+\.json", source) is not None,
             f"{where}: source {source!r} does not name a listed source and file")
    if "note" in entry:
        c.expect(isinstance(entry["note"], str) and entry["note"], f"{where}: empty note")
    if "tiers" in entry:
        tiers = entry["tiers"]
        if not c.expect(isinstance(tiers, list) and tiers, f"{where}: tiers is not a non-empty list"):
            return
        last = 0
        for tier in tiers:
            threshold = tier.get("above_input_tokens")
            c.expect(isinstance(threshold, int) and not isinstance(threshold, bool)
                     and threshold > last, f"{where}: tier thresholds not ascending positive integers")
            last = threshold if isinstance(threshold, int) else last
            c.expect(set(tier) <= TIER_FIELDS, f"{where}: unknown tier fields")
            c.expect(any(f in tier for f in PRICE_FIELDS), f"{where}: tier without a price")
            check_prices(f"{where} above {threshold}", tier, c)


def check_providers(table, c):
    providers = table.get("providers")
    if not c.expect(isinstance(providers, dict) and providers, "providers is empty"):
        return
    names = {s.get("name") for s in table.get("sources") or [] if isinstance(s, dict)}
    for provider in REQUIRED_PROVIDERS:
        c.expect(bool(providers.get(provider)), f"required provider {provider} has no models")
    for provider, models in providers.items():
        if c.expect(isinstance(models, dict) and models, f"{provider}: no models"):
            for model, entry in models.items():
                check_entry(f"{provider} {model}", entry, names, c)


def close(a, b):
    return is_price(a) and is_price(b) and abs(a - b) < 1e-9


def check_known(table, c):
    for provider, model, expected in KNOWN:
        entry = (table.get("providers") or {}).get(provider, {}).get(model)
        if not c.expect(entry is not None, f"known price {provider} {model}: missing"):
            continue
        for field, want in expected.items():
            got = entry.get(field)
            if field == "tiers":
                same = (isinstance(got, list) and len(got) == len(want) and
                        all(set(g) == set(w) and all(g[k] == w[k] if k == "above_input_tokens"
                                                     else close(g[k], w[k]) for k in w)
                            for g, w in zip(got, want)))
                c.expect(same, f"known price {provider} {model} tiers: {got} != {want}")
            else:
                c.expect(close(got, want), f"known price {provider} {model} {field}: {got} != {want}")


def check_regeneration(repo, committed, c):
    script = os.path.join(repo, "scripts", "update-pricing")
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "prices.json")
        run = subprocess.run([sys.executable, script, "--out", out, "--quiet"],
                             capture_output=True, text=True, timeout=300)
        if not c.expect(run.returncode == 0, f"update-pricing exited {run.returncode}: {run.stderr}"):
            return
        with open(out, encoding="utf-8") as f:
            generated = json.load(f)
        missing = subprocess.run([sys.executable, script, "--sources", os.path.join(tmp, "none"),
                                  "--out", os.path.join(tmp, "unused.json")],
                                 capture_output=True, text=True, timeout=60)
        c.expect(missing.returncode == 2 and "no price sources" in missing.stderr,
                 f"missing sources: exit {missing.returncode}, want 2 with a message")
    c.expect(content_hash(generated) == content_hash(committed),
             "pricing/prices.json differs from what scripts/update-pricing generates "
             "(run scripts/update-pricing and commit the result)")
    old, new = committed.get("providers") or {}, generated.get("providers") or {}
    shown = 0
    for provider in sorted(set(old) | set(new)):
        for model in sorted(set(old.get(provider, {})) | set(new.get(provider, {}))):
            a, b = old.get(provider, {}).get(model), new.get(provider, {}).get(model)
            if a != b and shown < 10:
                c.fail(f"  {provider} {model}: committed {a} / generated {b}")
                shown += 1


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    repo = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.dirname(os.path.dirname(here))
    path = os.path.join(repo, "pricing", "prices.json")
    c = Checker()
    try:
        with open(path, encoding="utf-8") as f:
            committed = json.load(f)
    except (OSError, ValueError) as error:
        print(f"FAIL: cannot read {path}: {error}")
        return 1
    check_header(committed, c)
    check_providers(committed, c)
    check_known(committed, c)
    models = sum(len(m) for m in (committed.get("providers") or {}).values()
                 if isinstance(m, dict))
    print(f"schema and {len(KNOWN)} known prices checked over {models} models "
          f"(version {committed.get('version')})")

    sources = os.path.join(os.path.dirname(repo), "shared", "pricing-sources", "portkey-models")
    skipped = not os.path.isdir(sources)
    if not skipped:
        check_regeneration(repo, committed, c)
        print("regenerated from ../shared/pricing-sources and compared")
    for failure in c.failures:
        print(f"FAIL: {failure}")
    if c.failures:
        return 1
    if skipped:
        print(f"SKIP: {sources} is absent; the regeneration check did not run")
        return 77
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())

// End-to-end client for tokentap: the official Anthropic Node SDK, pointed at the proxy through
// E2E_ANTHROPIC_BASE_URL, makes five calls and prints one JSON line saying what it saw and what it sent.
// Driven by ../anthropic_sdk_test.py, which owns the fake provider and checks the result.
//
// Each call is recorded on its own: a failure in one is reported (as {"unexpected": ...}) and the
// others still run, so the test can say exactly which one broke. A fetch wrapper records every
// request the SDK put on the wire (URL, headers, body bytes), so the test can compare them with what
// the fake provider received behind the proxy.
import Anthropic, { APIError } from '@anthropic-ai/sdk';

const wire = [];

async function recordingFetch(url, init = {}) {
  const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
  const body = typeof init.body === 'string' ? init.body : init.body == null ? null : `<${typeof init.body}>`;
  wire.push({ url: String(url), method: init.method ?? 'GET', headers, body });
  return fetch(url, init);
}

const API_KEY = 'sk-ant-e2e-test';

const client = new Anthropic({
  baseURL: process.env.E2E_ANTHROPIC_BASE_URL,
  apiKey: API_KEY, // sent as Authorization: Bearer (SDK 1.x)
  maxRetries: 0, // the overloaded call below allows one retry on its own
  timeout: 10_000, // ms per request; the Python side also kills this process on its own deadline
  fetch: recordingFetch,
});

function describe(err) {
  return { unexpected: `${err?.constructor?.name ?? 'Error'}: ${err?.message ?? String(err)}` };
}

function apiError(err) {
  if (!(err instanceof APIError)) throw err;
  return {
    class: err.constructor.name,
    status: err.status ?? null,
    type: err.type ?? null,
    error: err.error ?? null,
    request_id: err.requestID ?? null,
  };
}

async function nonStream() {
  const r = await client.messages.create({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    system: 'You are a terse test fixture.',
    messages: [{ role: 'user', content: 'Say hello without streaming.' }],
  });
  return r; // the whole Message, to compare with what the fake sent
}

// The SDK's streaming helper: every event it yields, and the message it accumulates from them.
async function streamed() {
  const stream = client.messages.stream({
    model: 'claude-sonnet-4-5',
    max_tokens: 256,
    temperature: 0.25,
    messages: [{ role: 'user', content: 'Say hello, streaming.' }],
  });
  const events = [];
  // A copy of each event as it comes: the helper builds its message out of message_start's object.
  for await (const event of stream) events.push(JSON.parse(JSON.stringify(event)));
  const final = await stream.finalMessage();
  return { events, final, text: final.content.map((b) => (b.type === 'text' ? b.text : '')).join('') };
}

// HTTP 529 overloaded_error, the fake says x-should-retry: true; the SDK retries once (so two
// requests, the second with x-stainless-retry-count: 1), then gives up.
async function overloaded() {
  try {
    await client.messages.create(
      {
        model: 'claude-e2e-overloaded',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'The provider is overloaded.' }],
      },
      { maxRetries: 1 },
    );
    return { unexpected: 'the call succeeded; an HTTP 529 was expected' };
  } catch (err) {
    return apiError(err);
  }
}

// HTTP 400 invalid_request_error, not retried. This one authenticates with x-api-key, as curl and the
// SDKs before 1.0 do, instead of the SDK's Authorization: Bearer.
async function invalid() {
  try {
    await client.messages.create(
      {
        model: 'claude-e2e-invalid',
        max_tokens: 64,
        messages: [{ role: 'user', content: 'This request is invalid.' }],
      },
      { headers: { 'x-api-key': API_KEY, authorization: null } },
    );
    return { unexpected: 'the call succeeded; an HTTP 400 was expected' };
  } catch (err) {
    return apiError(err);
  }
}

// HTTP 200, then an `event: error` (overloaded_error) in the middle of the stream.
async function midStreamError() {
  const events = [];
  try {
    const stream = await client.messages.create({
      model: 'claude-e2e-midstream',
      max_tokens: 64,
      messages: [{ role: 'user', content: 'Fail in the middle of the stream.' }],
      stream: true,
    });
    for await (const event of stream) events.push(event);
    return { unexpected: 'the stream ended without an error event', events };
  } catch (err) {
    return { ...apiError(err), events };
  }
}

const seen = {};
for (const [name, call] of [
  ['nonstream', nonStream],
  ['stream', streamed],
  ['overloaded', overloaded],
  ['invalid', invalid],
  ['midstream', midStreamError],
]) {
  try {
    seen[name] = await call();
  } catch (err) {
    seen[name] = describe(err);
  }
}
seen.wire = wire;
process.stdout.write(JSON.stringify(seen) + '\n');

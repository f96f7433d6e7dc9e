// End-to-end client for tokentap: the official OpenAI Node SDK, pointed at the proxy through
// OPENAI_BASE_URL, makes five calls and prints one JSON line saying what it saw.
// Driven by ../openai_sdk_test.py, which owns the fake provider and checks the result.
//
// Each call is recorded on its own: a failure in one is reported (as {"unexpected": ...}) and the
// others still run, so the test can say exactly which one broke.
import OpenAI, { APIError } from 'openai';

const client = new OpenAI({
  baseURL: process.env.OPENAI_BASE_URL,
  apiKey: 'sk-test',
  maxRetries: 0,
  timeout: 10_000, // ms per request; the Python side also kills this process on its own deadline
});

function describe(err) {
  return { unexpected: `${err?.constructor?.name ?? 'Error'}: ${err?.message ?? String(err)}` };
}

async function nonStreamChat() {
  const r = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [
      { role: 'system', content: 'You are a terse test fixture.' },
      { role: 'user', content: 'Say hello without streaming.' },
    ],
  });
  return {
    id: r.id,
    model: r.model,
    content: r.choices[0]?.message?.content ?? null,
    finish_reasons: r.choices.map((c) => c.finish_reason),
    usage: r.usage ?? null,
  };
}

// No stream_options here on purpose: tokentap adds include_usage upstream and must hide the
// resulting usage-only chunk, so the SDK yields exactly the stream this request asked for.
async function streamChat() {
  const stream = await client.chat.completions.create({
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'Say hello, streaming.' }],
    stream: true,
  });
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  const content = chunks.map((c) => c.choices?.[0]?.delta?.content ?? '').join('');
  return { chunks, content };
}

async function embeddings() {
  const r = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: ['first input to embed', 'second input to embed'],
  });
  // The SDK asks for base64 by default and decodes it into Float32Array: make plain arrays.
  const vectors = r.data.map((d) => Array.from(d.embedding));
  return {
    model: r.model,
    lengths: vectors.map((v) => v.length),
    vectors,
    usage: r.usage ?? null,
  };
}

async function providerError() {
  try {
    await client.chat.completions.create({
      model: 'gpt-e2e-missing',
      messages: [{ role: 'user', content: 'This model does not exist.' }],
    });
    return { unexpected: 'the call succeeded; an HTTP 400 was expected' };
  } catch (err) {
    if (!(err instanceof APIError)) throw err;
    return {
      class: err.constructor.name,
      status: err.status ?? null,
      type: err.type ?? null,
      code: err.code ?? null,
      message: err.error?.message ?? null,
    };
  }
}

// The one call the SDK retries by itself: the fake provider answers its first attempt with HTTP 429
// (retry-after-ms: 50) and the second with a completion. Only this request may retry, so the
// client keeps maxRetries: 0 and the option is given here; the SDK marks its attempts with
// x-stainless-retry-count 0 and 1.
async function retriedChat() {
  const r = await client.chat.completions.create(
    {
      model: 'gpt-e2e-ratelimited',
      messages: [{ role: 'user', content: 'Say hello after one rate-limited attempt.' }],
    },
    { maxRetries: 1 },
  );
  return {
    id: r.id,
    model: r.model,
    content: r.choices[0]?.message?.content ?? null,
    finish_reasons: r.choices.map((c) => c.finish_reason),
    usage: r.usage ?? null,
  };
}

const seen = {};
for (const [name, call] of [
  ['nonstream', nonStreamChat],
  ['stream', streamChat],
  ['embeddings', embeddings],
  ['error', providerError],
  ['retried', retriedChat],
]) {
  try {
    seen[name] = await call();
  } catch (err) {
    seen[name] = describe(err);
  }
}
process.stdout.write(JSON.stringify(seen) + '\n');

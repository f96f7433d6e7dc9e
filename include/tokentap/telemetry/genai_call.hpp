#pragma once
// One LLM call as telemetry records it: the route's facts, what the dialect parsers read from the
// request and response, and the timings. Built on the telemetry thread from an exchange capture;
// turned into the GenAI span (genai_span.hpp) and metrics.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/pricing/cost.hpp"
#include "tokentap/ratelimit/limit_headers.hpp"
#include "tokentap/telemetry/trace_context.hpp"

namespace tokentap::telemetry {

// One send of the request, when tokentap sent it more than once (gateway retries and fallbacks):
// a child HTTP CLIENT span of the call's span.
struct http_attempt {
    std::string url;  // secrets redacted
    std::string server_address;
    std::uint16_t server_port = 0;
    unsigned status = 0;  // 0 when no response came
    std::string error;    // error.type: the status code, or why no response came
    std::uint64_t start_unix_ns = 0;
    std::uint64_t end_unix_ns = 0;
};

struct genai_call {
    std::string provider;        // gen_ai.provider.name (the route's)
    std::string server_address;  // the real upstream host
    std::uint16_t server_port = 0;
    std::string url_full;        // upstream URL, secrets redacted

    dialects::request_facts request;
    dialects::response_facts response;
    bool streamed = false;  // the response was a stream

    unsigned status = 0;          // HTTP status the client got (0 when none was sent)
    std::string transport_error;  // error.type when the exchange failed outside HTTP: cancelled, timeout, ...
    bool incomplete = false;      // telemetry could not read all it should have

    std::optional<double> time_to_first_chunk;  // seconds, streams only
    std::vector<float> chunk_gaps;              // seconds between stream chunks, for metrics
    std::uint64_t start_unix_ns = 0;
    std::uint64_t end_unix_ns = 0;

    // Cost (call_cost.hpp): an amount when priced, by token kind when computed here.
    std::optional<double> cost_usd;
    std::optional<pricing::cost_breakdown> cost_by_kind;
    std::string cost_source;   // "provider" (the response carried it) or "local"
    std::string price_table;   // version of the table used
    bool unpriced = false;     // usage arrived but the model has no price

    std::optional<trace_parent> parent;  // from the incoming traceparent
    std::string trace_state;
    std::optional<std::int64_t> resend_count;  // x-stainless-retry-count when above zero
    std::string caller;                        // hash of the caller's API key (ratelimit/caller_key.hpp); "" when none
    std::uint64_t request_hash = 0;            // of the request body as the client sent it, to tell a retry of the same call
    ratelimit::limit_report limits;            // the provider's rate-limit and retry-after readings
    std::vector<http_attempt> attempts;        // every send, when tokentap sent the request more than once
    std::string anthropic_beta;                // the anthropic-beta features the request asked for
};

// error.type for the call, or "" when it succeeded (SEMCONV.md part 1, item 10).
std::string error_type_of(const genai_call& c);

}  // namespace tokentap::telemetry

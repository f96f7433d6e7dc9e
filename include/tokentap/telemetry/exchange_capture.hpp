#pragma once
// What the tap (genai_tap.hpp) keeps of one exchange on the request path, for the telemetry thread
// to read afterwards: the raw request and response bodies (bounded), or a stream's facts read as
// it flowed, plus the route and the timings. Moved to the telemetry thread whole; no sharing.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tokentap/dialects/facts.hpp"
#include "tokentap/dialects/endpoint.hpp"
#include "tokentap/proxy/exchange.hpp"
#include "tokentap/telemetry/body_budget.hpp"

namespace tokentap::telemetry {

struct exchange_capture {
    // The route and the call
    std::string provider;
    std::string server_address;
    std::uint16_t server_port = 0;
    bool upstream_tls = true;
    std::string upstream_target;  // path and query as sent upstream
    dialects::endpoint endpoint;  // which call, in which dialect
    std::string traceparent, tracestate;
    std::string retry_count;    // x-stainless-retry-count as received
    std::string anthropic_beta;  // anthropic-beta as received
    std::string api_key;         // the caller's credential (ratelimit/caller_key.hpp), hashed before any use

    // Bodies, as far as they were kept (limits in genai_tap.hpp)
    std::string request_body;
    bool request_truncated = false;
    std::string content_encoding;  // of the response
    std::string response_body;     // a non-stream response, still encoded
    bool response_truncated = false;
    // The response headers telemetry reads (rate limits and retry-after; Bedrock's token counts and
    // request id), names lower-case.
    std::vector<std::pair<std::string, std::string>> response_headers;

    // A stream, read as it passed
    bool streamed = false;
    std::optional<dialects::response_facts> stream_facts;
    std::uint64_t unreadable_events = 0;
    std::uint64_t framing_problems = 0;  // oversized events, bad or truncated frames
    bool stream_decode_failed = false;
    std::optional<double> time_to_first_chunk;
    std::vector<float> chunk_gaps;

    body_hold hold;  // what the kept bodies take of the process's budget, given back with the capture

    proxy::exchange_record record;
    std::uint64_t start_unix_ns = 0;
    std::uint64_t end_unix_ns = 0;
};

}  // namespace tokentap::telemetry

#pragma once
// W3C Trace Context (https://www.w3.org/TR/trace-context/, Level 1) for the proxy: reading the
// incoming `traceparent`/`tracestate`, writing the outgoing `traceparent`, and making new ids.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry {

struct trace_parent {
    trace_id trace{};
    span_id parent{};
    std::uint8_t flags = 0;  // as received; bit 0 is `sampled`
};

// Parses a `traceparent` value: "<version>-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>",
// lowercase hex only (spec #traceparent-header). nullopt when invalid, in which case the trace
// restarts and `tracestate` is not parsed either (spec #processing-model). Rules:
//  - version ff is invalid; version 00 must be exactly 55 characters;
//  - a higher version is parsed with the 00 layout and may carry more fields after the 55th
//    character, which must then be '-' (spec #versioning-of-traceparent);
//  - all-zero trace-id or parent-id is invalid;
//  - surrounding spaces and tabs (HTTP optional whitespace) are ignored.
std::optional<trace_parent> parse_traceparent(std::string_view value);

// The `tracestate` to propagate with a valid traceparent: the value without surrounding
// whitespace when it is at most 512 characters (what vendors must propagate, #tracestate-limits),
// otherwise "" (dropped whole rather than truncated entry by entry: simpler, and a parent that
// sends more than 512 characters is rare). Its list members are not validated: it passes through.
std::string propagated_tracestate(std::string_view value);
constexpr std::size_t max_propagated_tracestate = 512;

// "00-<trace>-<span>-<flags>", lowercase hex (the version this proxy speaks is always 00).
std::string format_traceparent(const trace_id& trace, const span_id& id, std::uint8_t flags);

// Lowercase hex, two digits per byte.
std::string to_hex(std::span<const std::uint8_t> bytes);

// Random ids, never all zero (an all-zero trace-id or parent-id is invalid). Each thread has its own
// std::mt19937_64 seeded once from std::random_device: no lock on the request path, and ids only
// need to be unique, not unpredictable (the spec does not require cryptographic randomness).
trace_id new_trace_id();
span_id new_span_id();

}  // namespace tokentap::telemetry

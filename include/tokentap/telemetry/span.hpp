#pragma once
// The span model tokentap exports: a finished span with its attributes, plus the resource and
// instrumentation scope it is exported under. Plain values, no I/O; encoded by telemetry/otlp/.

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tokentap::telemetry {

using attribute_value = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

struct attribute {
    std::string key;
    attribute_value value;
};

using attributes = std::vector<attribute>;

using trace_id = std::array<std::uint8_t, 16>;  // all zero = invalid
using span_id = std::array<std::uint8_t, 8>;    // all zero = invalid (no parent)

// Values as in OTLP's Span.SpanKind and Status.StatusCode.
enum class span_kind : int { internal = 1, server = 2, client = 3, producer = 4, consumer = 5 };
enum class status_code : int { unset = 0, ok = 1, error = 2 };

// A link to another span (OTLP Span.Link), e.g. from an SDK's retry to the attempt before it.
struct span_link {
    trace_id trace{};
    span_id id{};
    std::string trace_state;
    std::uint8_t flags = 1;  // the linked span's W3C trace flags
    attributes attrs;
};

struct span {
    trace_id trace{};
    span_id id{};
    span_id parent{};  // all zero for a root span
    std::string trace_state;  // W3C tracestate of the parent, passed on unchanged
    std::uint8_t flags = 1;   // W3C trace flags (bit 0: sampled)
    std::string name;
    span_kind kind = span_kind::client;
    std::uint64_t start_unix_ns = 0;
    std::uint64_t end_unix_ns = 0;
    attributes attrs;
    std::vector<span_link> links;
    status_code status = status_code::unset;
    std::string status_message;
};

struct instrumentation_scope {
    std::string name;
    std::string version;
    std::string schema_url;
};

struct resource {
    attributes attrs;
};

}  // namespace tokentap::telemetry

#pragma once
// The span model tokentap exports: a finished span with its attributes, plus the resource and
// instrumentation scope it is exported under. Plain values, no I/O; encoded by telemetry/otlp/.

#include <array>
#include <compare>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace tokentap::telemetry {

using attribute_value = std::variant<std::string, std::int64_t, double, bool, std::vector<std::string>>;

// An attribute's name. Almost all are string literals, kept as views instead of copied to the
// heap for every span; a name made at run time (a rate-limit key) is owned. A literal is one of
// this program's names (the conventions' and tokentap's): it outlives the key, and it is valid
// UTF-8, so encoders need not check it.
class attribute_key {
public:
    template <std::size_t N>
    attribute_key(const char (&literal)[N]) : literal_(literal), size_(N - 1) {}  // NOLINT: implicit on purpose
    attribute_key(std::string name) : owned_(std::move(name)) {}                   // NOLINT
    std::string_view view() const { return literal_ ? std::string_view(literal_, size_) : std::string_view(owned_); }
    bool literal() const { return literal_ != nullptr; }
    operator std::string_view() const { return view(); }  // NOLINT
    friend bool operator==(const attribute_key& a, std::string_view b) { return a.view() == b; }
    // Between two keys only (templates take no conversions: `key == "name"` stays unambiguous).
    template <std::same_as<attribute_key> K>
    friend bool operator==(const attribute_key& a, const K& b) { return a.view() == b.view(); }
    template <std::same_as<attribute_key> K>
    friend auto operator<=>(const attribute_key& a, const K& b) { return a.view() <=> b.view(); }

private:
    const char* literal_ = nullptr;
    std::size_t size_ = 0;
    std::string owned_;
};

struct attribute {
    attribute_key key;
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

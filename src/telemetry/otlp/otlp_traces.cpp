#include "tokentap/telemetry/otlp/otlp_traces.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <type_traits>
#include <variant>

#include <nlohmann/json.hpp>

#include "tokentap/telemetry/otlp/otlp_common.hpp"
#include "tokentap/telemetry/trace_context.hpp"

namespace tokentap::telemetry::otlp {

namespace {

// Field numbers from opentelemetry-proto: collector/trace/v1/trace_service.proto,
// trace/v1/trace.proto, resource/v1/resource.proto and common/v1/common.proto.
namespace request_field { constexpr std::uint32_t resource_spans = 1; }
namespace resource_spans_field { constexpr std::uint32_t resource = 1, scope_spans = 2; }
namespace scope_spans_field { constexpr std::uint32_t scope = 1, spans = 2, schema_url = 3; }
namespace span_field {
constexpr std::uint32_t trace_id = 1, span_id = 2, trace_state = 3, parent_span_id = 4, name = 5, kind = 6,
                        start_time = 7, end_time = 8, attributes = 9, links = 13, status = 15, flags = 16;
}
namespace link_field { constexpr std::uint32_t trace_id = 1, span_id = 2, trace_state = 3, attributes = 4, flags = 6; }
namespace status_field { constexpr std::uint32_t message = 2, code = 3; }

bool is_root(const telemetry::span& s) {
    return std::all_of(s.parent.begin(), s.parent.end(), [](std::uint8_t b) { return b == 0; });
}

bool has_status(const telemetry::span& s) {
    return s.status != status_code::unset || !s.status_message.empty();
}

// ---- protobuf ----

void write_span(protobuf_writer& w, const telemetry::span& s) {
    w.bytes_field(span_field::trace_id, s.trace);
    w.bytes_field(span_field::span_id, s.id);
    if (!s.trace_state.empty()) w.string_field(span_field::trace_state, s.trace_state);
    if (!is_root(s)) w.bytes_field(span_field::parent_span_id, s.parent);
    if (!s.name.empty()) w.string_field(span_field::name, s.name);
    w.uint64_field(span_field::kind, static_cast<std::uint64_t>(s.kind));
    w.fixed64_field(span_field::start_time, s.start_unix_ns);
    w.fixed64_field(span_field::end_time, s.end_unix_ns);
    write_attributes(w, span_field::attributes, s.attrs);
    for (const auto& l : s.links)
        w.message_field(span_field::links, [&l](protobuf_writer& lw) {
            lw.bytes_field(link_field::trace_id, l.trace);
            lw.bytes_field(link_field::span_id, l.id);
            if (!l.trace_state.empty()) lw.string_field(link_field::trace_state, l.trace_state);
            write_attributes(lw, link_field::attributes, l.attrs);
            lw.fixed32_field(link_field::flags, l.flags);
        });
    if (has_status(s))
        w.message_field(span_field::status, [&s](protobuf_writer& st) {
            if (!s.status_message.empty()) st.string_field(status_field::message, s.status_message);
            if (s.status != status_code::unset) st.uint64_field(status_field::code, static_cast<std::uint64_t>(s.status));
        });
    // Low 8 bits: W3C trace flags; the upper 24 are reserved and left zero.
    w.fixed32_field(span_field::flags, s.flags);
}

void write_scope_spans(protobuf_writer& w, const instrumentation_scope& scope,
                       std::span<const telemetry::span> spans) {
    w.message_field(scope_spans_field::scope, [&scope](protobuf_writer& sc) { write_scope(sc, scope); });
    for (const auto& s : spans)
        w.message_field(scope_spans_field::spans, [&s](protobuf_writer& out) { write_span(out, s); });
    if (!scope.schema_url.empty()) w.string_field(scope_spans_field::schema_url, scope.schema_url);
}

// ---- JSON ----

ojson status_json(const telemetry::span& s) {
    ojson out = ojson::object();
    if (!s.status_message.empty()) out["message"] = s.status_message;
    if (s.status != status_code::unset) out["code"] = static_cast<int>(s.status);
    return out;
}

ojson span_json(const telemetry::span& s) {
    ojson out;
    out["traceId"] = to_hex(s.trace);
    out["spanId"] = to_hex(s.id);
    if (!s.trace_state.empty()) out["traceState"] = s.trace_state;
    if (!is_root(s)) out["parentSpanId"] = to_hex(s.parent);
    out["flags"] = s.flags;
    if (!s.name.empty()) out["name"] = s.name;
    out["kind"] = static_cast<int>(s.kind);
    out["startTimeUnixNano"] = std::to_string(s.start_unix_ns);
    out["endTimeUnixNano"] = std::to_string(s.end_unix_ns);
    if (!s.attrs.empty()) out["attributes"] = attributes_json(s.attrs);
    if (!s.links.empty()) {
        ojson links = ojson::array();
        for (const auto& l : s.links) {
            ojson link = {{"traceId", to_hex(l.trace)}, {"spanId", to_hex(l.id)}};
            if (!l.trace_state.empty()) link["traceState"] = l.trace_state;
            if (!l.attrs.empty()) link["attributes"] = attributes_json(l.attrs);
            link["flags"] = l.flags;
            links.push_back(std::move(link));
        }
        out["links"] = std::move(links);
    }
    if (has_status(s)) out["status"] = status_json(s);
    return out;
}

ojson scope_spans_json(const instrumentation_scope& scope, std::span<const telemetry::span> spans) {
    ojson spans_json = ojson::array();
    for (const auto& s : spans) spans_json.push_back(span_json(s));
    ojson out = {{"scope", scope_json(scope)}, {"spans", std::move(spans_json)}};
    if (!scope.schema_url.empty()) out["schemaUrl"] = scope.schema_url;
    return out;
}

}  // namespace

void append_traces_proto(std::string& out, const resource& res, const instrumentation_scope& scope,
                         std::span<const telemetry::span> spans) {
    protobuf_writer w(std::move(out));
    w.message_field(request_field::resource_spans, [&](protobuf_writer& rs) {
        rs.message_field(resource_spans_field::resource, [&res](protobuf_writer& r) { write_resource(r, res); });
        rs.message_field(resource_spans_field::scope_spans,
                         [&](protobuf_writer& ss) { write_scope_spans(ss, scope, spans); });
    });
    out = w.take();
}

std::string encode_traces_proto(const resource& res, const instrumentation_scope& scope,
                                std::span<const telemetry::span> spans) {
    std::string out;
    append_traces_proto(out, res, scope, spans);
    return out;
}

std::string encode_traces_json(const resource& res, const instrumentation_scope& scope,
                               std::span<const telemetry::span> spans) {
    ojson resource_spans = {{"resource", resource_json(res)},
                            {"scopeSpans", ojson::array({scope_spans_json(scope, spans)})}};
    const ojson request = {{"resourceSpans", ojson::array({std::move(resource_spans)})}};
    return dump_json(request);
}

}  // namespace tokentap::telemetry::otlp

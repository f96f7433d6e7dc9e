#pragma once
// OTLP trace export bodies (https://opentelemetry.io/docs/specs/otlp/): an
// opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest holding one ResourceSpans with
// one ScopeSpans, as binary protobuf (`application/x-protobuf`) or OTLP/JSON (`application/json`).
// Pure: no I/O, never throws on odd input (ill-formed UTF-8 becomes U+FFFD in both encodings).
//
// Both encodings omit proto3 default values (empty trace_state, empty status message, unset
// status, empty attribute lists) and omit parent_span_id for a root span (all-zero parent). The
// span's trace flags are always written: 0 (not sampled) is meaningful.
//
// JSON follows the OTLP "JSON Protobuf Encoding" rules: lowerCamelCase keys; traceId, spanId and
// parentSpanId as lowercase hex (not proto3 JSON's base64); enums (kind, status.code) as integers;
// int64/fixed64 values (intValue, *UnixNano) as decimal strings. Non-finite doubleValue is written
// as the proto3 JSON strings "NaN", "Infinity", "-Infinity" (JSON has no literal for them).

#include <span>
#include <string>

#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry::otlp {

std::string encode_traces_proto(const resource& res, const instrumentation_scope& scope,
                                std::span<const telemetry::span> spans);
// The same request appended to `out`: encoded in place, no copy, into what `out` has reserved.
void append_traces_proto(std::string& out, const resource& res, const instrumentation_scope& scope,
                         std::span<const telemetry::span> spans);
std::string encode_traces_json(const resource& res, const instrumentation_scope& scope,
                               std::span<const telemetry::span> spans);

}  // namespace tokentap::telemetry::otlp

#pragma once
// The parts of OTLP that traces and metrics share: attributes (KeyValue / AnyValue), the resource
// and the instrumentation scope, in protobuf and in OTLP/JSON. Pure.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>

#include "tokentap/telemetry/otlp/protobuf_writer.hpp"
#include "tokentap/telemetry/span.hpp"

namespace tokentap::telemetry::otlp {

using ojson = nlohmann::ordered_json;  // keeps the field order readable in debug output

void write_any_value(protobuf_writer& w, const attribute_value& value);
// Each attribute as a KeyValue in repeated field `field`.
void write_attributes(protobuf_writer& w, std::uint32_t field, const attributes& attrs);
void write_scope(protobuf_writer& w, const instrumentation_scope& scope);  // InstrumentationScope body
void write_resource(protobuf_writer& w, const resource& res);             // Resource body

// proto3 JSON for doubles: NaN and infinities as strings.
ojson double_json(double v);
ojson any_value_json(const attribute_value& value);
ojson attributes_json(const attributes& attrs);
ojson scope_json(const instrumentation_scope& scope);
ojson resource_json(const resource& res);
std::string dump_json(const ojson& j);

}  // namespace tokentap::telemetry::otlp

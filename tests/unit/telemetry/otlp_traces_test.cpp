#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include <array>
#include <bit>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "tokentap/telemetry/otlp/otlp_traces.hpp"

using namespace tokentap::telemetry;
using nlohmann::json;

namespace {

// ---- a test-only protobuf decoder: just enough to walk the fields of a message ----

struct pb_field {
    std::uint32_t number = 0;
    int wire = 0;
    std::uint64_t value = 0;  // varint, fixed64, fixed32
    std::string_view bytes;   // length-delimited
};

std::uint64_t read_varint(std::string_view data, std::size_t& pos) {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        REQUIRE(pos < data.size());
        const auto b = static_cast<unsigned char>(data[pos++]);
        value |= static_cast<std::uint64_t>(b & 0x7F) << shift;
        if ((b & 0x80) == 0) return value;
    }
    FAIL("varint longer than 10 bytes");
    return 0;
}

std::uint64_t read_fixed(std::string_view data, std::size_t& pos, int width) {
    REQUIRE(pos + width <= data.size());
    std::uint64_t value = 0;
    for (int i = 0; i < width; ++i) value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[pos + i])) << (8 * i);
    pos += width;
    return value;
}

std::vector<pb_field> decode(std::string_view data) {
    std::vector<pb_field> fields;
    std::size_t pos = 0;
    while (pos < data.size()) {
        const std::uint64_t tag = read_varint(data, pos);
        pb_field f;
        f.number = static_cast<std::uint32_t>(tag >> 3);
        f.wire = static_cast<int>(tag & 7);
        if (f.wire == 0) {
            f.value = read_varint(data, pos);
        } else if (f.wire == 1) {
            f.value = read_fixed(data, pos, 8);
        } else if (f.wire == 5) {
            f.value = read_fixed(data, pos, 4);
        } else {
            REQUIRE(f.wire == 2);
            const std::uint64_t len = read_varint(data, pos);
            REQUIRE(pos + len <= data.size());
            f.bytes = data.substr(pos, len);
            pos += len;
        }
        fields.push_back(f);
    }
    return fields;
}

std::vector<pb_field> all(std::string_view message, std::uint32_t number) {
    std::vector<pb_field> out;
    for (const auto& f : decode(message))
        if (f.number == number) out.push_back(f);
    return out;
}

bool has(std::string_view message, std::uint32_t number) { return !all(message, number).empty(); }

pb_field one(std::string_view message, std::uint32_t number, int wire) {
    const auto found = all(message, number);
    REQUIRE(found.size() == 1);
    CHECK(found[0].wire == wire);
    return found[0];
}

std::string_view sub(std::string_view message, std::uint32_t number) { return one(message, number, 2).bytes; }

// The AnyValue of the KeyValue whose key is `key` among the repeated field `number`.
std::string_view attribute_value_of(std::string_view message, std::uint32_t number, std::string_view key) {
    for (const auto& kv : all(message, number))
        if (sub(kv.bytes, 1) == key) return sub(kv.bytes, 2);
    FAIL("attribute not found: " << key);
    return {};
}

// ---- fixtures ----

template <std::size_t N>
std::array<std::uint8_t, N> counting_bytes(std::uint8_t first) {
    std::array<std::uint8_t, N> out{};
    for (std::size_t i = 0; i < N; ++i) out[i] = static_cast<std::uint8_t>(first + i);
    return out;
}

span child_span() {
    span s;
    s.trace = counting_bytes<16>(0x01);
    s.id = counting_bytes<8>(0xa1);
    s.parent = counting_bytes<8>(0xb1);
    s.trace_state = "rojo=00f067aa0ba902b7";
    s.flags = 1;
    s.name = "chat gpt-4o";
    s.kind = span_kind::client;
    s.start_unix_ns = 1700000000123456789ULL;
    s.end_unix_ns = 1700000000623456789ULL;
    s.attrs = {{"gen_ai.usage.input_tokens", std::int64_t{42}},
               {"gen_ai.response.finish_reasons", std::vector<std::string>{"stop", "length"}},
               {"gen_ai.request.temperature", 0.25},
               {"gen_ai.request.stream", true},
               {"gen_ai.request.model", std::string("gpt-4o")},
               {"negative", std::int64_t{-5}}};
    s.status = status_code::error;
    s.status_message = "upstream 502";
    return s;
}

span root_span() {
    span s;
    s.trace = counting_bytes<16>(0x11);
    s.id = counting_bytes<8>(0x21);
    s.flags = 0;
    s.name = "proxy";
    s.kind = span_kind::server;
    s.start_unix_ns = 1;
    s.end_unix_ns = std::numeric_limits<std::uint64_t>::max();
    return s;
}

const resource test_resource{{{"service.name", std::string("tokentap")}}};
const instrumentation_scope test_scope{"tokentap", "0.1.0", "https://opentelemetry.io/schemas/1.37.0"};

// The spans (field 2) of the only ScopeSpans, after checking the envelope around them. The
// returned fields view into `request`, which must outlive them.
std::vector<pb_field> decoded_spans(std::string_view request) {
    const auto resource_spans = sub(request, 1);
    const auto resource_msg = sub(resource_spans, 1);
    CHECK(sub(attribute_value_of(resource_msg, 1, "service.name"), 1) == "tokentap");
    const auto scope_spans = sub(resource_spans, 2);
    const auto scope = sub(scope_spans, 1);
    CHECK(sub(scope, 1) == "tokentap");
    CHECK(sub(scope, 2) == "0.1.0");
    CHECK(sub(scope_spans, 3) == "https://opentelemetry.io/schemas/1.37.0");
    CHECK_FALSE(has(resource_spans, 3));
    return all(scope_spans, 2);
}

std::string bytes_of(std::span<const std::uint8_t> b) { return std::string(b.begin(), b.end()); }

}  // namespace

TEST_SUITE("unit/telemetry/otlp") {

TEST_CASE("protobuf: a child span decodes field by field") {
    const std::vector<span> spans{child_span()};
    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, spans);
    const auto found = decoded_spans(body);
    REQUIRE(found.size() == 1);
    const std::string_view s = found[0].bytes;
    const span& in = spans[0];

    CHECK(sub(s, 1) == bytes_of(in.trace));
    CHECK(sub(s, 2) == bytes_of(in.id));
    CHECK(sub(s, 3) == "rojo=00f067aa0ba902b7");
    CHECK(sub(s, 4) == bytes_of(in.parent));
    CHECK(sub(s, 5) == "chat gpt-4o");
    CHECK(one(s, 6, 0).value == 3);  // SPAN_KIND_CLIENT
    CHECK(one(s, 7, 1).value == 1700000000123456789ULL);
    CHECK(one(s, 8, 1).value == 1700000000623456789ULL);
    CHECK(one(s, 16, 5).value == 1);
    CHECK(all(s, 9).size() == 6);

    CHECK(one(attribute_value_of(s, 9, "gen_ai.usage.input_tokens"), 3, 0).value == 42);
    CHECK(one(attribute_value_of(s, 9, "negative"), 3, 0).value == static_cast<std::uint64_t>(std::int64_t{-5}));
    CHECK(std::bit_cast<double>(one(attribute_value_of(s, 9, "gen_ai.request.temperature"), 4, 1).value) == 0.25);
    CHECK(one(attribute_value_of(s, 9, "gen_ai.request.stream"), 2, 0).value == 1);
    CHECK(sub(attribute_value_of(s, 9, "gen_ai.request.model"), 1) == "gpt-4o");

    const auto array = sub(attribute_value_of(s, 9, "gen_ai.response.finish_reasons"), 5);
    const auto items = all(array, 1);
    REQUIRE(items.size() == 2);
    CHECK(sub(items[0].bytes, 1) == "stop");
    CHECK(sub(items[1].bytes, 1) == "length");

    const auto status = sub(s, 15);
    CHECK(sub(status, 2) == "upstream 502");
    CHECK(one(status, 3, 0).value == 2);  // STATUS_CODE_ERROR
}

TEST_CASE("protobuf: a root span omits parent_span_id, status and empty fields") {
    const std::vector<span> spans{root_span(), child_span()};
    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, spans);
    const auto found = decoded_spans(body);
    REQUIRE(found.size() == 2);
    const std::string_view s = found[0].bytes;
    CHECK_FALSE(has(s, 3));
    CHECK_FALSE(has(s, 4));
    CHECK_FALSE(has(s, 9));
    CHECK_FALSE(has(s, 15));
    CHECK(one(s, 6, 0).value == 2);  // SPAN_KIND_SERVER
    CHECK(one(s, 8, 1).value == std::numeric_limits<std::uint64_t>::max());
    CHECK(one(s, 16, 5).value == 0);  // flags written even when not sampled
    CHECK(sub(found[1].bytes, 5) == "chat gpt-4o");
}

TEST_CASE("protobuf: a status with only a code has no message field") {
    span s = root_span();
    s.status = status_code::ok;
    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, std::vector<span>{s});
    const auto found = decoded_spans(body);
    REQUIRE(found.size() == 1);
    const auto status = sub(found[0].bytes, 15);
    CHECK_FALSE(has(status, 2));
    CHECK(one(status, 3, 0).value == 1);
}

TEST_CASE("protobuf and JSON: a span link carries the linked span's ids, state, flags and attributes") {
    span s = child_span();
    span_link l;
    l.trace = {0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xcb, 0xcc, 0xcd, 0xce, 0xcf, 0xd0};
    l.id = {0xe1, 0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8};
    l.trace_state = "k=v";
    l.flags = 0;
    l.attrs.push_back({"tokentap.link.reason", std::string("retry")});
    s.links.push_back(l);
    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, std::vector<span>{s});
    const auto found = decoded_spans(body);
    REQUIRE(found.size() == 1);
    const auto links = all(found[0].bytes, 13);
    REQUIRE(links.size() == 1);
    const std::string_view link = links[0].bytes;
    CHECK(sub(link, 1) == bytes_of(l.trace));
    CHECK(sub(link, 2) == bytes_of(l.id));
    CHECK(sub(link, 3) == "k=v");
    CHECK(sub(attribute_value_of(link, 4, "tokentap.link.reason"), 1) == "retry");
    CHECK(one(link, 6, 5).value == 0);

    const json doc = json::parse(otlp::encode_traces_json(test_resource, test_scope, std::vector<span>{s}));
    const json& js = doc.at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0);
    CHECK(js.at("links") == json::parse(R"([{"traceId":"c1c2c3c4c5c6c7c8c9cacbcccdcecfd0","spanId":"e1e2e3e4e5e6e7e8",
        "traceState":"k=v","attributes":[{"key":"tokentap.link.reason","value":{"stringValue":"retry"}}],"flags":0}])"));
    CHECK_FALSE(json::parse(otlp::encode_traces_json(test_resource, test_scope, std::vector<span>{child_span()}))
                    .at("resourceSpans").at(0).at("scopeSpans").at(0).at("spans").at(0).contains("links"));
}

TEST_CASE("protobuf: no spans still yields a well-formed request") {
    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, {});
    CHECK(decoded_spans(body).empty());
}

TEST_CASE("JSON: a child span, field by field") {
    const std::vector<span> spans{child_span()};
    const json doc = json::parse(otlp::encode_traces_json(test_resource, test_scope, spans));
    const json& rs = doc.at("resourceSpans").at(0);
    CHECK(rs.at("resource").at("attributes").at(0) ==
          json::parse(R"({"key":"service.name","value":{"stringValue":"tokentap"}})"));
    const json& ss = rs.at("scopeSpans").at(0);
    CHECK(ss.at("scope") == json::parse(R"({"name":"tokentap","version":"0.1.0"})"));
    CHECK(ss.at("schemaUrl") == "https://opentelemetry.io/schemas/1.37.0");
    REQUIRE(ss.at("spans").size() == 1);

    const json& s = ss.at("spans").at(0);
    CHECK(s.at("traceId") == "0102030405060708090a0b0c0d0e0f10");
    CHECK(s.at("spanId") == "a1a2a3a4a5a6a7a8");
    CHECK(s.at("parentSpanId") == "b1b2b3b4b5b6b7b8");
    CHECK(s.at("traceState") == "rojo=00f067aa0ba902b7");
    CHECK(s.at("flags") == 1);
    CHECK(s.at("name") == "chat gpt-4o");
    CHECK(s.at("kind") == 3);
    CHECK(s.at("startTimeUnixNano") == "1700000000123456789");
    CHECK(s.at("endTimeUnixNano") == "1700000000623456789");
    CHECK(s.at("status") == json::parse(R"({"code":2,"message":"upstream 502"})"));

    const json expected_attrs = json::parse(R"([
        {"key":"gen_ai.usage.input_tokens","value":{"intValue":"42"}},
        {"key":"gen_ai.response.finish_reasons","value":{"arrayValue":{"values":[{"stringValue":"stop"},{"stringValue":"length"}]}}},
        {"key":"gen_ai.request.temperature","value":{"doubleValue":0.25}},
        {"key":"gen_ai.request.stream","value":{"boolValue":true}},
        {"key":"gen_ai.request.model","value":{"stringValue":"gpt-4o"}},
        {"key":"negative","value":{"intValue":"-5"}}])");
    CHECK(s.at("attributes") == expected_attrs);
}

TEST_CASE("JSON: a root span omits parentSpanId, traceState, attributes and status") {
    const json doc = json::parse(otlp::encode_traces_json({}, {"tokentap", "", ""}, std::vector<span>{root_span()}));
    const json& rs = doc.at("resourceSpans").at(0);
    CHECK(rs.at("resource") == json::object());
    const json& ss = rs.at("scopeSpans").at(0);
    CHECK_FALSE(ss.contains("schemaUrl"));
    CHECK(ss.at("scope") == json::parse(R"({"name":"tokentap"})"));
    const json& s = ss.at("spans").at(0);
    CHECK(s.at("traceId") == "1112131415161718191a1b1c1d1e1f20");
    for (const char* absent : {"parentSpanId", "traceState", "attributes", "status"}) {
        CAPTURE(absent);
        CHECK_FALSE(s.contains(absent));
    }
    CHECK(s.at("flags") == 0);
    CHECK(s.at("kind") == 2);
    CHECK(s.at("startTimeUnixNano") == "1");
    CHECK(s.at("endTimeUnixNano") == "18446744073709551615");
}

TEST_CASE("JSON: non-finite doubles become proto3 JSON strings") {
    span s = root_span();
    s.attrs = {{"nan", std::numeric_limits<double>::quiet_NaN()},
               {"inf", std::numeric_limits<double>::infinity()},
               {"ninf", -std::numeric_limits<double>::infinity()}};
    const json doc = json::parse(otlp::encode_traces_json(test_resource, test_scope, std::vector<span>{s}));
    const json& attrs = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["attributes"];
    CHECK(attrs[0]["value"]["doubleValue"] == "NaN");
    CHECK(attrs[1]["value"]["doubleValue"] == "Infinity");
    CHECK(attrs[2]["value"]["doubleValue"] == "-Infinity");
}

TEST_CASE("JSON and protobuf: ill-formed UTF-8 is replaced, never thrown") {
    span s = root_span();
    s.name = "bad \xff name";
    // A name made at run time (literal names are ASCII: span.hpp)
    s.attrs = {{attribute_key(std::string("k\xc3")), std::string("v\xe2\x82")},
               {"list", std::vector<std::string>{"\x80"}}};
    std::string text;
    CHECK_NOTHROW(text = otlp::encode_traces_json(test_resource, test_scope, std::vector<span>{s}));
    const json doc = json::parse(text);
    const json& out = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0];
    CHECK(out["name"] == "bad \xEF\xBF\xBD name");
    CHECK(out["attributes"][0]["value"]["stringValue"] == "v\xEF\xBF\xBD");

    const std::string body = otlp::encode_traces_proto(test_resource, test_scope, std::vector<span>{s});
    const auto found = decoded_spans(body);
    REQUIRE(found.size() == 1);
    CHECK(sub(found[0].bytes, 5) == "bad \xEF\xBF\xBD name");
    CHECK(sub(attribute_value_of(found[0].bytes, 9, "k\xEF\xBF\xBD"), 1) == "v\xEF\xBF\xBD");
}

TEST_CASE("JSON: strings are escaped") {
    span s = root_span();
    s.name = "quote \" backslash \\ newline \n control \x01";
    const json doc = json::parse(otlp::encode_traces_json(test_resource, test_scope, std::vector<span>{s}));
    CHECK(doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["name"] == s.name);
}

TEST_CASE("JSON: no spans gives an empty spans array") {
    const json doc = json::parse(otlp::encode_traces_json(test_resource, test_scope, {}));
    CHECK(doc["resourceSpans"][0]["scopeSpans"][0]["spans"] == json::array());
}

}  // TEST_SUITE

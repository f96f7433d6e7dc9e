#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "tokentap/telemetry/otlp/otlp_common.hpp"

using namespace tokentap::telemetry;
using namespace tokentap::telemetry::otlp;

namespace {

// Each attribute as two nested messages closed after their bodies, the general way: what
// write_attributes' counted path for scalars must give, byte for byte.
std::string nested_encoding(std::uint32_t field, const attributes& attrs) {
    protobuf_writer w;
    for (const auto& attr : attrs)
        w.message_field(field, [&attr](protobuf_writer& kv) {
            kv.string_field(1, attr.key);
            kv.message_field(2, [&attr](protobuf_writer& any) { write_any_value(any, attr.value); });
        });
    return w.take();
}

std::string counted_encoding(std::uint32_t field, const attributes& attrs) {
    protobuf_writer w;
    write_attributes(w, field, attrs);
    return w.take();
}

}  // namespace

TEST_SUITE("unit/telemetry/otlp") {

TEST_CASE("attributes: scalars written with counted lengths give the bytes of nested messages") {
    const std::string long_text(300, 'x');  // a value, AnyValue and KeyValue over 127 bytes
    const std::string edge_text(121, 'y');  // an AnyValue of 123 bytes in a KeyValue of 128 and more
    attributes attrs;
    attrs.push_back({"gen_ai.operation.name", std::string("chat")});
    attrs.push_back({"empty", std::string()});
    attrs.push_back({"url.full", long_text});
    attrs.push_back({"edge.key", edge_text});
    attrs.push_back({"caf\xC3\xA9 is fine", std::string("caf\xC3\xA9")});
    attrs.push_back({"bad.value", std::string("bad \xFF byte")});
    attrs.push_back({attribute_key(std::string("tokentap.server_tool_use.\xC0web")), std::int64_t{3}});
    attrs.push_back({"zero", std::int64_t{0}});
    attrs.push_back({"big", std::int64_t{1} << 40});
    attrs.push_back({"negative", std::int64_t{-1}});
    attrs.push_back({"min", std::numeric_limits<std::int64_t>::min()});
    attrs.push_back({"cost", 0.000125});
    attrs.push_back({"yes", true});
    attrs.push_back({"no", false});
    attrs.push_back({"finish_reasons", std::vector<std::string>{"stop", "length"}});
    attrs.push_back({attribute_key(std::string(200, 'k')), std::string("a long owned key")});

    for (std::size_t i = 0; i < attrs.size(); ++i) {
        CAPTURE(i);
        const attributes one{attrs[i]};
        CHECK(counted_encoding(9, one) == nested_encoding(9, one));
    }
    CHECK(counted_encoding(9, attrs) == nested_encoding(9, attrs));
    // Around the size written through a stack buffer (256 bytes) and the one written in place.
    for (std::size_t size = 230; size <= 270; ++size) {
        CAPTURE(size);
        const attributes around{{"k", std::string(size, 'v')}, {attribute_key(std::string(size, 'k')), true}};
        CHECK(counted_encoding(9, around) == nested_encoding(9, around));
        CHECK(counted_encoding(300, around) == nested_encoding(300, around));  // a two-byte tag
    }
    CHECK(counted_encoding(4, attrs) == nested_encoding(4, attrs));
}

TEST_CASE("attributes: ill-formed UTF-8 in a key or a value is repaired") {
    attributes attrs;
    attrs.push_back({attribute_key(std::string("k\xFF")), std::string("v\xFF")});
    attrs.push_back({attribute_key(std::string("l\xFF")), std::int64_t{1}});  // literal names are ASCII (span.hpp)
    const auto bytes = counted_encoding(1, attrs);
    CHECK(bytes.find("k\xEF\xBF\xBD") != std::string::npos);
    CHECK(bytes.find("v\xEF\xBF\xBD") != std::string::npos);
    CHECK(bytes.find("l\xEF\xBF\xBD") != std::string::npos);
    CHECK(bytes.find('\xFF') == std::string::npos);
}

}

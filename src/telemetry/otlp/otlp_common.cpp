#include "tokentap/telemetry/otlp/otlp_common.hpp"

#include <bit>
#include <cmath>
#include <type_traits>
#include <variant>

namespace tokentap::telemetry::otlp {

namespace {
// Field numbers from opentelemetry-proto common/v1/common.proto and resource/v1/resource.proto.
namespace scope_field { constexpr std::uint32_t name = 1, version = 2; }
namespace resource_field { constexpr std::uint32_t attributes = 1; }
namespace key_value_field { constexpr std::uint32_t key = 1, value = 2; }
namespace any_value_field {
constexpr std::uint32_t string_value = 1, bool_value = 2, int_value = 3, double_value = 4, array_value = 5;
}
namespace array_value_field { constexpr std::uint32_t values = 1; }
}  // namespace

void write_any_value(protobuf_writer& w, const attribute_value& value) {
    std::visit(
        [&w](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
                w.string_field(any_value_field::string_value, v);
            } else if constexpr (std::is_same_v<T, bool>) {
                w.bool_field(any_value_field::bool_value, v);
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                w.int64_field(any_value_field::int_value, v);
            } else if constexpr (std::is_same_v<T, double>) {
                w.double_field(any_value_field::double_value, v);
            } else {  // std::vector<std::string>: ArrayValue of string AnyValues
                w.message_field(any_value_field::array_value, [&v](protobuf_writer& array) {
                    for (const auto& item : v)
                        array.message_field(array_value_field::values, [&item](protobuf_writer& any) {
                            any.string_field(any_value_field::string_value, item);
                        });
                });
            }
        },
        value);
}

namespace {

// A KeyValue whose value is a scalar, its sizes counted first so that it is written straight
// through: no nested message opened and closed (and moved) twice per attribute. The same bytes
// as the general path in write_attributes.
struct counted_attribute {
    std::string_view key;   // valid UTF-8
    std::string_view text;  // the string value, valid UTF-8
    const attribute_value* value = nullptr;
    std::size_t any_size = 0;  // the AnyValue's body: one field
    std::size_t kv_size = 0;   // the KeyValue's body
};

template <class Encoder>
void encode_key_value(Encoder& e, std::uint32_t field, const counted_attribute& a) {
    e.tag(field, wire_type::length_delimited);
    e.varint(a.kv_size);
    e.bytes_field(key_value_field::key, a.key);
    e.tag(key_value_field::value, wire_type::length_delimited);
    e.varint(a.any_size);
    if (std::holds_alternative<std::string>(*a.value))
        e.bytes_field(any_value_field::string_value, a.text);
    else if (const auto* i = std::get_if<std::int64_t>(a.value))
        e.uint64_field(any_value_field::int_value, static_cast<std::uint64_t>(*i));  // int64: two's complement
    else if (const auto* d = std::get_if<double>(a.value))
        e.fixed64_field(any_value_field::double_value, std::bit_cast<std::uint64_t>(*d));
    else
        e.uint64_field(any_value_field::bool_value, std::get<bool>(*a.value) ? 1 : 0);
}

// Most attributes (names, ids, counts) fit a stack buffer this size and are appended at once.
constexpr std::size_t small_attribute = 256;

void write_scalar_attribute(protobuf_writer& w, std::uint32_t field, const attribute& attr) {
    std::string repaired_key, repaired_text;
    counted_attribute a{attr.key.view(), {}, &attr.value};
    if (!attr.key.literal() && !valid_utf8(a.key)) a.key = repaired_key = to_valid_utf8(a.key);
    if (const auto* s = std::get_if<std::string>(&attr.value)) {
        a.text = *s;
        if (!valid_utf8(a.text)) a.text = repaired_text = to_valid_utf8(a.text);
        a.any_size = 1 + varint_size(a.text.size()) + a.text.size();
    } else if (const auto* i = std::get_if<std::int64_t>(&attr.value)) {
        a.any_size = 1 + varint_size(static_cast<std::uint64_t>(*i));
    } else if (std::holds_alternative<double>(attr.value)) {
        a.any_size = 1 + 8;
    } else {
        a.any_size = 1 + 1;  // bool
    }
    a.kv_size = 1 + varint_size(a.key.size()) + a.key.size() + 1 + varint_size(a.any_size) + a.any_size;
    const auto tag_size = varint_size(static_cast<std::uint64_t>(field) << 3);
    if (tag_size + varint_size(a.kv_size) + a.kv_size <= small_attribute) {
        char buffer[small_attribute];
        fixed_encoder e(buffer);
        encode_key_value(e, field, a);
        w.raw(e.written());
    } else {
        encode_key_value(w, field, a);
    }
}

}  // namespace

void write_attributes(protobuf_writer& w, std::uint32_t field, const attributes& attrs) {
    for (const auto& attr : attrs) {
        if (!std::holds_alternative<std::vector<std::string>>(attr.value)) {
            write_scalar_attribute(w, field, attr);
            continue;
        }
        w.message_field(field, [&attr](protobuf_writer& kv) {
            kv.string_field(key_value_field::key, attr.key);
            kv.message_field(key_value_field::value, [&attr](protobuf_writer& any) { write_any_value(any, attr.value); });
        });
    }
}

void write_scope(protobuf_writer& w, const instrumentation_scope& scope) {
    if (!scope.name.empty()) w.string_field(scope_field::name, scope.name);
    if (!scope.version.empty()) w.string_field(scope_field::version, scope.version);
}

void write_resource(protobuf_writer& w, const resource& res) { write_attributes(w, resource_field::attributes, res.attrs); }

ojson double_json(double v) {
    if (std::isnan(v)) return "NaN";
    if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
    return v;
}

ojson any_value_json(const attribute_value& value) {
    return std::visit(
        [](const auto& v) -> ojson {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::string>) {
                return {{"stringValue", v}};
            } else if constexpr (std::is_same_v<T, bool>) {
                return {{"boolValue", v}};
            } else if constexpr (std::is_same_v<T, std::int64_t>) {
                return {{"intValue", std::to_string(v)}};
            } else if constexpr (std::is_same_v<T, double>) {
                return {{"doubleValue", double_json(v)}};
            } else {
                ojson values = ojson::array();
                for (const auto& item : v) values.push_back({{"stringValue", item}});
                return {{"arrayValue", {{"values", std::move(values)}}}};
            }
        },
        value);
}

ojson attributes_json(const attributes& attrs) {
    ojson out = ojson::array();
    for (const auto& attr : attrs) out.push_back({{"key", attr.key}, {"value", any_value_json(attr.value)}});
    return out;
}

ojson scope_json(const instrumentation_scope& scope) {
    ojson out = ojson::object();
    if (!scope.name.empty()) out["name"] = scope.name;
    if (!scope.version.empty()) out["version"] = scope.version;
    return out;
}

ojson resource_json(const resource& res) {
    ojson out = ojson::object();
    if (!res.attrs.empty()) out["attributes"] = attributes_json(res.attrs);
    return out;
}

std::string dump_json(const ojson& j) {
    // replace: ill-formed UTF-8 in a string becomes U+FFFD instead of throwing type_error 316.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace tokentap::telemetry::otlp

#include "tokentap/dialects/json_fields.hpp"

#include <cmath>

namespace tokentap::dialects {

const json* field(const json& j, std::string_view key) {
    if (!j.is_object()) return nullptr;
    const auto it = j.find(key);
    return it == j.end() ? nullptr : &*it;
}

const json* field(const json* j, std::string_view key) { return j ? field(*j, key) : nullptr; }

std::optional<std::string> string_field(const json* j, std::string_view key) {
    const auto* v = field(j, key);
    if (!v || !v->is_string() || v->get_ref<const std::string&>().empty()) return std::nullopt;
    return v->get<std::string>();
}

std::optional<double> number_field(const json* j, std::string_view key) {
    const auto* v = field(j, key);
    if (!v || !v->is_number()) return std::nullopt;
    return v->get<double>();
}

std::optional<std::int64_t> integer_field(const json* j, std::string_view key) {
    const auto* v = field(j, key);
    if (!v) return std::nullopt;
    return integer_of(*v);
}

std::optional<std::int64_t> integer_of(const json& v) {
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) {
        const double d = v.get<double>();
        if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) return static_cast<std::int64_t>(d);
    }
    return std::nullopt;
}

std::optional<bool> bool_field(const json* j, std::string_view key) {
    const auto* v = field(j, key);
    if (!v || !v->is_boolean()) return std::nullopt;
    return v->get<bool>();
}

std::optional<std::vector<std::string>> string_list_field(const json* j, std::string_view key) {
    const auto* v = field(j, key);
    if (!v) return std::nullopt;
    if (v->is_string()) return std::vector<std::string>{v->get<std::string>()};
    if (!v->is_array()) return std::nullopt;
    std::vector<std::string> out;
    for (const auto& e : *v)
        if (e.is_string()) out.push_back(e.get<std::string>());
    return out;
}

std::optional<std::string> error_type_of(const json& body) {
    const auto* err = field(body, "error");
    if (err && err->is_object()) {
        if (auto t = string_field(err, "type")) return t;
        if (auto s = string_field(err, "status")) return s;
        if (auto c = string_field(err, "code")) return c;
    }
    if (err && err->is_string() && !err->get_ref<const std::string&>().empty()) return err->get<std::string>();
    return std::nullopt;
}

}  // namespace tokentap::dialects

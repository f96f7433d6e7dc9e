#pragma once
// Typed reads of optional JSON fields for the dialect parsers. Provider JSON is untrusted: a field
// that is missing, null or of another type reads as nullopt; nothing here throws.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tokentap::dialects {

using json = nlohmann::json;

// The member `key` of `j` when `j` is an object that has it, else nullptr.
const json* field(const json& j, std::string_view key);
const json* field(const json* j, std::string_view key);

std::optional<std::string> string_field(const json* j, std::string_view key);  // non-empty strings only
std::optional<double> number_field(const json* j, std::string_view key);
// Integers, and floats with an integral value (some providers send 6.0 for a token count).
std::optional<std::int64_t> integer_field(const json* j, std::string_view key);
std::optional<std::int64_t> integer_of(const json& v);  // the same, for a value
std::optional<bool> bool_field(const json* j, std::string_view key);
// A string, or an array of strings (`stop`), as a list.
std::optional<std::vector<std::string>> string_list_field(const json* j, std::string_view key);

// The provider's error type in an error body: error.type, else error.status (Google), else
// error.code when it is a string, else `error` itself when it is a string. nullopt when none.
std::optional<std::string> error_type_of(const json& body);

}  // namespace tokentap::dialects

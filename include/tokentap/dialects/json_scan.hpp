#pragma once
// Reading JSON text without building it: find the members of an object and skip the values that
// do not matter. Telemetry reads request and response bodies with it so that a 1 MB `messages`
// array or a long embeddings `data` array costs one memchr-driven pass instead of a full parse;
// only the members it needs are parsed (json_fields.hpp). Pure; the text is untrusted: every
// function returns npos (or a discarded value) on malformed input and never reads past the end.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string_view>

#include "tokentap/dialects/json_fields.hpp"

namespace tokentap::dialects {

// A forward-only reader over JSON text.
class json_cursor {
public:
    static constexpr std::size_t npos = std::string_view::npos;
    explicit json_cursor(std::string_view s) : s_(s) {}

    std::size_t skip_ws(std::size_t i) const {
        while (i < s_.size() && (s_[i] == ' ' || s_[i] == '\t' || s_[i] == '\n' || s_[i] == '\r')) ++i;
        return i;
    }

    // i at the opening quote; returns the index after the closing quote.
    std::size_t skip_string(std::size_t i) const {
        for (++i; i < s_.size();) {
            const void* q = std::memchr(s_.data() + i, '"', s_.size() - i);
            if (!q) return npos;
            std::size_t at = static_cast<const char*>(q) - s_.data();
            std::size_t backslashes = 0;
            while (at - backslashes > i && s_[at - backslashes - 1] == '\\') ++backslashes;
            if (backslashes % 2 == 0) return at + 1;
            i = at + 1;
        }
        return npos;
    }

    // i at the first character of a value; returns the index after it.
    std::size_t skip_value(std::size_t i) const {
        if (i >= s_.size()) return npos;
        if (s_[i] == '"') return skip_string(i);
        if (s_[i] != '{' && s_[i] != '[') {  // a number or literal: up to the next delimiter
            while (i < s_.size() && !ends_scalar(s_[i])) ++i;
            return i;
        }
        int depth = 0;
        while (i < s_.size()) {
            const char c = s_[i];
            if (c == '"') {
                i = skip_string(i);
                if (i == npos) return npos;
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if (c == '}' || c == ']') {
                if (--depth == 0) return i + 1;
            }
            ++i;
        }
        return npos;
    }

    // Calls f(key, value_begin, value_end) for each member of the object that opens at i. Returns
    // the index after the closing brace, or npos.
    template <class F> std::size_t for_each_member(std::size_t i, F&& f) const {
        if (i >= s_.size() || s_[i] != '{') return npos;
        i = skip_ws(i + 1);
        if (i < s_.size() && s_[i] == '}') return i + 1;
        while (i < s_.size() && s_[i] == '"') {
            const auto key_end = skip_string(i);
            if (key_end == npos) return npos;
            const auto key = s_.substr(i + 1, key_end - i - 2);
            i = skip_ws(key_end);
            if (i >= s_.size() || s_[i] != ':') return npos;
            const auto v = skip_ws(i + 1);
            const auto v_end = skip_value(v);
            if (v_end == npos) return npos;
            f(key, v, v_end);
            i = skip_ws(v_end);
            if (i < s_.size() && s_[i] == '}') return i + 1;
            if (i >= s_.size() || s_[i] != ',') return npos;
            i = skip_ws(i + 1);
        }
        return npos;
    }

    // Calls f(value_begin, value_end) for each element of the array that opens at i. Returns the
    // index after the closing bracket, or npos.
    template <class F> std::size_t for_each_element(std::size_t i, F&& f) const {
        if (i >= s_.size() || s_[i] != '[') return npos;
        i = skip_ws(i + 1);
        if (i < s_.size() && s_[i] == ']') return i + 1;
        while (i < s_.size()) {
            const auto v_end = skip_value(i);
            if (v_end == npos) return npos;
            f(i, v_end);
            i = skip_ws(v_end);
            if (i < s_.size() && s_[i] == ']') return i + 1;
            if (i >= s_.size() || s_[i] != ',') return npos;
            i = skip_ws(i + 1);
        }
        return npos;
    }

    std::string_view text(std::size_t b, std::size_t e) const { return s_.substr(b, e - b); }

private:
    static bool ends_scalar(char c) {  // a NUL too (not JSON: the value is then malformed)
        return c == '\0' || c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\r' || c == '\n';
    }

    std::string_view s_;
};

// The named top-level members of the JSON object in `text`, parsed; the other members are skipped
// unparsed, checked only for closed strings and balanced brackets (the provider validates the
// body; telemetry only needs to find the members). A discarded value when `text` is not one JSON
// object in that sense, or a named member is not valid JSON.
json parse_members(std::string_view text, std::initializer_list<std::string_view> keys);

// A member holding an array of objects of which only some members matter (an OpenAI `choices`
// array, whose messages can be long): each object element is reduced to `element_keys`.
struct reduced_array {
    std::string_view key;
    std::initializer_list<std::string_view> element_keys;
};
// As above, plus the member `reduced.key`, parsed reduced when it is an array (as is otherwise).
json parse_members(std::string_view text, std::initializer_list<std::string_view> keys, reduced_array reduced);

// The number of elements of the first `data[].embedding` of an embeddings response: a float array,
// or base64 of little-endian float32 values.
std::optional<std::int64_t> first_embedding_size(std::string_view body);

}  // namespace tokentap::dialects

#include "tokentap/dialects/json_scan.hpp"

#include <algorithm>

#include "tokentap/dialects/json_text.hpp"

namespace tokentap::dialects {

namespace {

constexpr int max_fast_depth = 32;  // deeper values go to nlohmann's parser, which keeps no recursion

json parse_value(const json_cursor& c, std::size_t b, std::size_t e, int depth);

// An integer as nlohmann parses it: signed when written with a minus, else unsigned.
std::optional<json> integer_json(std::string_view t) {
    const auto v = plain_integer(t);
    if (!v) return std::nullopt;
    if (t.starts_with('-')) return json(*v);
    return json(static_cast<std::uint64_t>(*v));
}

// The members of the object that opens at `open`, and the index after it in `end`: those named
// by `keys`, or all of them when `keys` is null (then every key must be plain text, as keys to
// decode are left to nlohmann). `reduced` names a member whose array is parsed element by element,
// each object element reduced to its own named members. A discarded value when malformed.
json parse_object(const json_cursor& c, std::size_t open, const std::initializer_list<std::string_view>* keys,
                  const reduced_array* reduced, int depth, std::size_t& end) {
    json out = json::object();
    bool bad = false;
    const auto put = [&](std::string_view key, json v) {
        if (v.is_discarded()) bad = true;
        else out[std::string(key)] = std::move(v);
    };
    end = c.for_each_member(open, [&](std::string_view key, std::size_t b, std::size_t e) {
        if (bad) return;
        const bool is_reduced = reduced && key == reduced->key;
        if (is_reduced && c.text(b, e).starts_with('[')) {
            json elements = json::array();
            const auto array_end = c.for_each_element(b, [&](std::size_t eb, std::size_t ee) {
                if (bad) return;
                std::size_t element_end = 0;
                auto v = c.text(eb, ee).starts_with('{')
                             ? parse_object(c, eb, &reduced->element_keys, nullptr, depth + 1, element_end)
                             : parse_value(c, eb, ee, depth + 1);
                if (v.is_discarded()) bad = true;
                else elements.push_back(std::move(v));
            });
            if (array_end == json_cursor::npos) bad = true;
            else put(key, std::move(elements));
        } else if (!keys) {
            if (plain_text(key)) put(key, parse_value(c, b, e, depth + 1));
            else bad = true;
        } else if (is_reduced || std::find(keys->begin(), keys->end(), key) != keys->end()) {
            put(key, parse_value(c, b, e, depth + 1));
        }
    });
    if (bad || end == json_cursor::npos) return json(json::value_t::discarded);
    return out;
}

// The JSON value in [b, e): the common shapes (plain strings, integers, literals, objects and
// arrays of them) are built directly, which costs a fraction of a parser per member; anything
// else (escapes, non-ASCII, fractions, exponents, deep nesting) is parsed by nlohmann, so the
// result is the same either way. A discarded value when malformed.
json parse_value(const json_cursor& c, std::size_t b, std::size_t e, int depth) {
    const auto t = c.text(b, e);
    const auto fallback = [&] { return json::parse(t, nullptr, false); };
    if (t.empty() || depth > max_fast_depth) return fallback();
    switch (t.front()) {
        case '"':
            return plain_string(t) ? json(std::string(t.substr(1, t.size() - 2))) : fallback();
        case 't':
            return t == "true" ? json(true) : fallback();
        case 'f':
            return t == "false" ? json(false) : fallback();
        case 'n':
            return t == "null" ? json(nullptr) : fallback();
        case '{': {
            std::size_t end = 0;
            auto out = parse_object(c, b, nullptr, nullptr, depth, end);
            return out.is_discarded() || end != e ? fallback() : out;  // nlohmann decides what is off the fast path
        }
        case '[': {
            json out = json::array();
            bool bad = false;
            const auto end = c.for_each_element(b, [&](std::size_t vb, std::size_t ve) {
                if (bad) return;
                auto v = parse_value(c, vb, ve, depth + 1);
                if (v.is_discarded()) bad = true;
                else out.push_back(std::move(v));
            });
            return bad || end != e ? fallback() : out;
        }
        default:
            if (auto i = integer_json(t)) return std::move(*i);
            return fallback();
    }
}

json parse_top_object(std::string_view text, std::initializer_list<std::string_view> keys, const reduced_array* reduced) {
    const json_cursor c(text);
    std::size_t end = 0;
    auto out = parse_object(c, c.skip_ws(0), &keys, reduced, 0, end);
    if (out.is_discarded() || c.skip_ws(end) != text.size()) return json(json::value_t::discarded);
    return out;
}

}  // namespace

json parse_members(std::string_view text, std::initializer_list<std::string_view> keys) {
    return parse_top_object(text, keys, nullptr);
}

json parse_members(std::string_view text, std::initializer_list<std::string_view> keys, reduced_array reduced) {
    return parse_top_object(text, keys, &reduced);
}

std::optional<std::int64_t> first_embedding_size(std::string_view body) {
    const json_cursor c(body);
    std::size_t data_b = json_cursor::npos;
    c.for_each_member(c.skip_ws(0), [&](std::string_view key, std::size_t b, std::size_t) {
        if (key == "data") data_b = b;
    });
    if (data_b == json_cursor::npos || body[data_b] != '[') return std::nullopt;
    const auto first = c.skip_ws(data_b + 1);
    std::size_t emb_b = json_cursor::npos, emb_e = 0;
    c.for_each_member(first, [&](std::string_view key, std::size_t b, std::size_t e) {
        if (key == "embedding") emb_b = b, emb_e = e;
    });
    if (emb_b == json_cursor::npos) return std::nullopt;
    if (body[emb_b] == '"') {  // base64 of float32 values
        const auto s = c.text(emb_b + 1, emb_e - 1);
        const auto pad = std::count(s.end() - std::min<std::size_t>(s.size(), 2), s.end(), '=');
        return static_cast<std::int64_t>((s.size() / 4 * 3 - pad) / 4);
    }
    if (body[emb_b] != '[') return std::nullopt;
    std::int64_t n = 0;
    for (auto i = c.skip_ws(emb_b + 1); i < emb_e && body[i] != ']';) {
        i = c.skip_value(i);
        if (i == json_cursor::npos) return std::nullopt;
        ++n;
        i = c.skip_ws(i);
        if (i < emb_e && body[i] == ',') i = c.skip_ws(i + 1);
    }
    return n;
}

}  // namespace tokentap::dialects

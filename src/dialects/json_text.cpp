#include "tokentap/dialects/json_text.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>

#include "tokentap/dialects/json_fields.hpp"

namespace tokentap::dialects {

namespace {

constexpr int max_depth = 32;  // deeper values go to nlohmann, which keeps no recursion

bool digits(std::string_view t, std::size_t& i) {
    const auto from = i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') ++i;
    return i > from;
}

// A number as the JSON grammar writes it: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool number_grammar(std::string_view t) {
    std::size_t i = t.starts_with('-') ? 1 : 0;
    if (i < t.size() && t[i] == '0') ++i;
    else if (!digits(t, i)) return false;
    if (i < t.size() && t[i] == '.' && !digits(t, ++i)) return false;
    if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
        if (++i < t.size() && (t[i] == '+' || t[i] == '-')) ++i;
        if (!digits(t, i)) return false;
    }
    return i == t.size();
}

// A number in the JSON grammar that from_chars reads in range: the same double as nlohmann's parse
// gives (both round correctly). nullopt for the rest, which go to nlohmann.
std::optional<double> plain_number(std::string_view t) {
    if (!number_grammar(t)) return std::nullopt;
    double v = 0;
    const auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
    if (ec != std::errc{} || end != t.data() + t.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

json parse_scalar(std::string_view t) { return json::parse(t, nullptr, false); }

bool is_named(std::initializer_list<std::string_view> names, std::string_view key) {
    return std::find(names.begin(), names.end(), key) != names.end();
}

bool well_formed_at(const json_cursor& c, std::size_t b, std::size_t e, int depth) {
    const auto t = c.text(b, e);
    if (t.empty()) return false;
    if (depth > max_depth) return json::accept(t);
    switch (t.front()) {
        case '"': return plain_string(t) || json::accept(t);
        case 't': return t == "true";
        case 'f': return t == "false";
        case 'n': return t == "null";
        case '{': {
            bool ok = true;
            const auto end = c.for_each_member(b, [&](std::string_view key, std::size_t vb, std::size_t ve) {
                const std::string_view quoted_key(key.data() - 1, key.size() + 2);  // the cursor's key is inside quotes
                ok = ok && (plain_text(key) || json::accept(quoted_key)) && well_formed_at(c, vb, ve, depth + 1);
            });
            return ok && end == e;
        }
        case '[': {
            bool ok = true;
            const auto end = c.for_each_element(b, [&](std::size_t vb, std::size_t ve) {
                ok = ok && well_formed_at(c, vb, ve, depth + 1);
            });
            return ok && end == e;
        }
        default:
            return plain_integer(t) || plain_number(t) || json::accept(t);
    }
}

bool plain_char(unsigned char ch) { return ch >= 0x20 && ch < 0x7F && ch != '\\' && ch != '"'; }

// Whether all eight bytes of `w` are plain, tested at once (the byte tests of "Bit Twiddling
// Hacks": a byte below n, above n, equal to zero). Keys and short values are most of what the
// readers check, and this is the check they spend most on.
bool plain_word(std::uint64_t w) {
    constexpr std::uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    const auto has_zero = [&](std::uint64_t v) { return (v - ones) & ~v & highs; };
    const std::uint64_t below_space = (w - ones * 0x20) & ~w & highs;
    const std::uint64_t above_tilde = ((w + ones) | w) & highs;  // a byte of 0x7F or more
    return !(below_space | above_tilde | has_zero(w ^ (ones * '\\')) | has_zero(w ^ (ones * '"')));
}
}  // namespace

bool plain_text(std::string_view text) {
    if (text.size() < 8)
        return std::all_of(text.begin(), text.end(), [](char c) { return plain_char(static_cast<unsigned char>(c)); });
    const auto word_at = [&](std::size_t i) {
        std::uint64_t w;
        std::memcpy(&w, text.data() + i, 8);
        return w;
    };
    for (std::size_t i = 0; i + 8 <= text.size(); i += 8)
        if (!plain_word(word_at(i))) return false;
    return plain_word(word_at(text.size() - 8));  // the last eight, overlapping: no byte-by-byte tail
}

bool plain_string(std::string_view quoted) {
    return quoted.size() >= 2 && quoted.front() == '"' && quoted.back() == '"' &&
           plain_text(quoted.substr(1, quoted.size() - 2));
}

std::optional<std::int64_t> plain_integer(std::string_view t) {
    const bool negative = t.starts_with('-');
    const auto d = t.substr(negative ? 1 : 0);
    if (d.empty() || d.size() > 18 || (d.size() > 1 && d.front() == '0')) return std::nullopt;
    std::int64_t v = 0;
    for (const char ch : d) {
        if (ch < '0' || ch > '9') return std::nullopt;
        v = v * 10 + (ch - '0');
    }
    return negative ? -v : v;
}

bool json_text::is_empty_array() const {
    if (!is_array()) return false;
    const json_cursor c(raw_);
    const auto i = c.skip_ws(1);
    return i < raw_.size() && raw_[i] == ']';
}

json_text json_text::operator[](std::string_view key) const {
    json_text found;
    if (!is_object()) return found;
    const json_cursor c(raw_);
    c.for_each_member(0, [&](std::string_view k, std::size_t b, std::size_t e) {
        if (k == key) found = json_text(c.text(b, e));
    });
    return found;
}

void json_object::put(std::string_view key, json_text value) {
    for (std::size_t i = 0; i < size_; ++i) {
        if (found_[i].first == key) {
            found_[i].second = value;
            return;
        }
    }
    if (size_ < capacity) found_[size_++] = {key, value};
}

json_text json_object::operator[](std::string_view key) const {
    for (std::size_t i = 0; i < size_; ++i)
        if (found_[i].first == key) return found_[i].second;
    return {};
}

json_object json_text::members(std::initializer_list<std::string_view> keys) const {
    json_object out;
    if (!is_object()) return out;
    const json_cursor c(raw_);
    out.readable_ = c.for_each_member(0, [&](std::string_view k, std::size_t b, std::size_t e) {
        if (is_named(keys, k)) out.put(k, json_text(c.text(b, e)));
    }) != json_cursor::npos;
    return out;
}

std::optional<std::string> json_text::any_string() const {
    if (plain_string(raw_)) return std::string(raw_.substr(1, raw_.size() - 2));
    if (!is_string()) return std::nullopt;
    const auto v = parse_scalar(raw_);
    if (!v.is_string()) return std::nullopt;
    return v.get<std::string>();
}

std::optional<std::string> json_text::string() const {
    auto s = any_string();
    if (s && s->empty()) return std::nullopt;
    return s;
}

std::optional<std::int64_t> json_text::integer() const {
    if (auto v = plain_integer(raw_)) return v;
    const char f = first();
    if (f != '-' && (f < '0' || f > '9')) return std::nullopt;
    return integer_of(parse_scalar(raw_));
}

std::optional<double> json_text::number() const {
    if (auto v = plain_integer(raw_)) return static_cast<double>(*v);
    const char f = first();
    if (f != '-' && (f < '0' || f > '9')) return std::nullopt;
    if (auto v = plain_number(raw_)) return v;
    const auto v = parse_scalar(raw_);
    if (!v.is_number()) return std::nullopt;
    return v.get<double>();
}

std::optional<bool> json_text::boolean() const {
    if (raw_ == "true") return true;
    if (raw_ == "false") return false;
    return std::nullopt;
}

std::optional<std::vector<std::string>> json_text::string_list() const {
    if (is_string()) {
        auto s = any_string();
        if (!s) return std::nullopt;
        return std::vector<std::string>{std::move(*s)};
    }
    if (!is_array()) return std::nullopt;
    std::vector<std::string> out;
    for_each_element([&](json_text e) {
        if (auto s = e.any_string()) out.push_back(std::move(*s));
    });
    return out;
}

bool well_formed(std::string_view value) { return well_formed_at(json_cursor(value), 0, value.size(), 0); }

json_text read_json(std::string_view text) {
    if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);  // a byte order mark, which nlohmann skips too
    const json_cursor c(text);
    const auto b = c.skip_ws(0);
    auto e = text.size();
    while (e > b && (text[e - 1] == ' ' || text[e - 1] == '\t' || text[e - 1] == '\n' || text[e - 1] == '\r')) --e;
    const auto value = text.substr(b, e - b);
    return well_formed(value) ? json_text(value) : json_text();
}

json_object read_object(std::string_view text, std::initializer_list<std::string_view> keys, const reduced_array* reduced) {
    json_object out;
    const json_cursor c(text);
    bool ok = true;
    const auto end = c.for_each_member(c.skip_ws(0), [&](std::string_view k, std::size_t b, std::size_t e) {
        const bool is_reduced = reduced && k == reduced->key;
        if (!ok || (!is_reduced && !is_named(keys, k))) return;
        if (is_reduced && text[b] == '[') {
            const auto array_end = c.for_each_element(b, [&](std::size_t eb, std::size_t ee) {
                if (!ok) return;
                if (text[eb] != '{') {
                    ok = well_formed_at(c, eb, ee, 1);
                    return;
                }
                const auto object_end = c.for_each_member(eb, [&](std::string_view ek, std::size_t vb, std::size_t ve) {
                    if (ok && is_named(reduced->element_keys, ek)) ok = well_formed_at(c, vb, ve, 2);
                });
                ok = ok && object_end == ee;
            });
            ok = ok && array_end == e;
        } else {
            ok = well_formed_at(c, b, e, 1);
        }
        out.put(k, json_text(c.text(b, e)));
    });
    out.readable_ = ok && end != json_cursor::npos && c.skip_ws(end) == text.size();
    if (!out.readable_) out.size_ = 0;
    return out;
}

}  // namespace tokentap::dialects

#include "tokentap/dialects/openai/include_usage.hpp"

#include <cstring>

namespace tokentap::dialects::openai {

namespace {

// A forward-only reader over JSON text that finds the members of an object without building it.
// Every function returns npos on malformed input; nothing reads past the end.
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
        if (s_[i] != '{' && s_[i] != '[') {
            while (i < s_.size() && std::strchr(",}] \t\r\n", s_[i]) == nullptr) ++i;
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

    std::string_view text(std::size_t b, std::size_t e) const { return s_.substr(b, e - b); }

private:
    std::string_view s_;
};

struct stream_request_shape {
    bool stream = false;
    bool has_options = false;
    std::size_t options_begin = 0, options_end = 0;
};

}  // namespace

std::optional<std::string> add_include_usage(std::string_view body) {
    const json_cursor c(body);
    const auto open = c.skip_ws(0);
    stream_request_shape shape;
    const auto end = c.for_each_member(open, [&](std::string_view key, std::size_t b, std::size_t e) {
        if (key == "stream") shape.stream = c.text(b, e) == "true";
        if (key == "stream_options") {
            shape.has_options = true;
            shape.options_begin = b;
            shape.options_end = e;
        }
    });
    if (end == json_cursor::npos || c.skip_ws(end) != body.size() || !shape.stream) return std::nullopt;

    std::string out;
    out.reserve(body.size() + 40);
    if (!shape.has_options) {
        out.append(body.substr(0, open + 1)).append(R"("stream_options":{"include_usage":true},)");
        out.append(body.substr(open + 1));
        return out;
    }
    if (body[shape.options_begin] != '{') return std::nullopt;
    bool asks = false, empty = true;
    c.for_each_member(shape.options_begin, [&](std::string_view key, std::size_t, std::size_t) {
        empty = false;
        if (key == "include_usage") asks = true;
    });
    if (asks) return std::nullopt;
    out.append(body.substr(0, shape.options_begin + 1)).append(R"("include_usage":true)");
    if (!empty) out += ',';
    out.append(body.substr(shape.options_begin + 1));
    return out;
}

}  // namespace tokentap::dialects::openai

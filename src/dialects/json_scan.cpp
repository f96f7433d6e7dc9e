#include "tokentap/dialects/json_scan.hpp"

#include <algorithm>

namespace tokentap::dialects {

json parse_members(std::string_view text, std::initializer_list<std::string_view> keys) {
    const json_cursor c(text);
    const auto open = c.skip_ws(0);
    json out = json::object();
    bool bad = false;
    const auto end = c.for_each_member(open, [&](std::string_view key, std::size_t b, std::size_t e) {
        if (bad || std::find(keys.begin(), keys.end(), key) == keys.end()) return;
        auto v = json::parse(c.text(b, e), nullptr, false);
        if (v.is_discarded()) bad = true;
        else out[std::string(key)] = std::move(v);
    });
    if (bad || end == json_cursor::npos || c.skip_ws(end) != text.size()) return json(json::value_t::discarded);
    return out;
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

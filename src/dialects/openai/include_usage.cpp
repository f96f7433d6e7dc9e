#include "tokentap/dialects/openai/include_usage.hpp"

#include <string.h>  // memmem

#include "tokentap/dialects/json_scan.hpp"

namespace tokentap::dialects::openai {

namespace {


struct stream_request_shape {
    bool stream = false;
    bool has_options = false;
    std::size_t options_begin = 0, options_end = 0;
};

}  // namespace

std::optional<std::string> add_include_usage(std::string_view body) {
    // Most requests do not stream: a body that cannot hold a "stream" member (not even spelled
    // with \u escapes) is not walked. memmem skips through the body where string_view::find
    // would stop at every quote to compare.
    constexpr std::string_view stream_key = "\"stream\"";
    if (!::memmem(body.data(), body.size(), stream_key.data(), stream_key.size()) &&
        body.find("\\u") == std::string_view::npos)
        return std::nullopt;
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

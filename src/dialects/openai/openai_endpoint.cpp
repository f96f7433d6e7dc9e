#include "tokentap/dialects/openai/openai_endpoint.hpp"

namespace tokentap::dialects::openai {

namespace {

bool ends_with_segments(std::string_view path, std::string_view tail) {
    if (!path.ends_with(tail)) return false;
    return path.size() == tail.size() || path[path.size() - tail.size() - 1] == '/';
}

std::string_view trim_slashes(std::string_view p) {
    while (!p.empty() && p.back() == '/') p.remove_suffix(1);
    return p;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string percent_decode(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        const int hi = s[i] == '%' && i + 2 < s.size() ? hex_value(s[i + 1]) : -1;
        const int lo = hi >= 0 ? hex_value(s[i + 2]) : -1;
        if (hi >= 0 && lo >= 0) {
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else {
            out += s[i];
        }
    }
    return out;
}

}  // namespace

openai_api classify_openai_path(std::string_view method, std::string_view path) {
    path = trim_slashes(path);
    if (method == "POST") {
        if (ends_with_segments(path, "chat/completions")) return openai_api::chat_completions;
        // Writer's OpenAI-style chat endpoint is /v1/chat.
        if (ends_with_segments(path, "v1/chat")) return openai_api::chat_completions;
        if (ends_with_segments(path, "completions")) return openai_api::completions;
        if (ends_with_segments(path, "embeddings")) return openai_api::embeddings;
        if (ends_with_segments(path, "responses")) return openai_api::responses;
        return openai_api::none;
    }
    if (method == "GET") {
        // GET .../responses/{id}: the id is one segment (resp_..., gen-...); its sub-resources
        // (input_items) are not a fetch of the response.
        const auto slash = path.rfind('/');
        if (slash == std::string_view::npos || slash == 0) return openai_api::none;
        const auto parent = path.substr(0, slash);
        if (ends_with_segments(parent, "responses") && slash + 1 < path.size()) return openai_api::responses_fetch;
    }
    return openai_api::none;
}

std::optional<std::string> azure_deployment(std::string_view path) {
    static constexpr std::string_view marker = "/deployments/";
    const auto at = path.find(marker);
    if (at == std::string_view::npos) return std::nullopt;
    auto rest = path.substr(at + marker.size());
    rest = rest.substr(0, rest.find('/'));
    if (rest.empty()) return std::nullopt;
    return percent_decode(rest);
}

}  // namespace tokentap::dialects::openai

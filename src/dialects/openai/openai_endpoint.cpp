#include "tokentap/dialects/openai/openai_endpoint.hpp"

#include "tokentap/percent_decode.hpp"

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

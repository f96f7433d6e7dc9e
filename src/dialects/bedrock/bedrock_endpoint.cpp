#include "tokentap/dialects/bedrock/bedrock_endpoint.hpp"

#include "tokentap/percent_decode.hpp"

namespace tokentap::dialects::bedrock {

namespace {

bedrock_api api_of_action(std::string_view action) {
    if (action == "converse") return bedrock_api::converse;
    if (action == "converse-stream") return bedrock_api::converse_stream;
    if (action == "invoke") return bedrock_api::invoke;
    if (action == "invoke-with-response-stream") return bedrock_api::invoke_stream;
    return bedrock_api::none;
}

// Where the model id starts: after the first "model/" segment (at the start of the path or after a
// '/', so that a gateway prefix in front does not matter).
std::size_t model_id_start(std::string_view path) {
    constexpr std::string_view segment = "model/";
    for (std::size_t at = path.find(segment); at != std::string_view::npos; at = path.find(segment, at + 1)) {
        if (at == 0 || path[at - 1] == '/') return at + segment.size();
    }
    return std::string_view::npos;
}

// The resource of an ARN (arn:partition:service:region:account:resource) after its type
// ("foundation-model/", "inference-profile/", ...); the id itself when it is not an ARN.
std::string_view arn_resource(std::string_view id) {
    if (id.substr(0, 4) != "arn:") return id;
    std::size_t at = 0;
    for (int colons = 0; colons < 5; ++colons) {
        at = id.find(':', at);
        if (at == std::string_view::npos) return {};
        ++at;
    }
    auto resource = id.substr(at);
    const auto slash = resource.find('/');
    return slash == std::string_view::npos ? resource : resource.substr(slash + 1);
}

bool contains(std::string_view s, std::string_view part) { return s.find(part) != std::string_view::npos; }

bedrock_family family_of_provider(std::string_view provider, std::string_view model) {
    if (provider == "anthropic") return bedrock_family::anthropic;
    if (provider == "amazon") {
        if (contains(model, "embed")) return bedrock_family::amazon_titan_embed;
        if (model.substr(0, 10) == "titan-text" || model.substr(0, 9) == "titan-tg1")
            return bedrock_family::amazon_titan_text;
        // Nova Canvas, Reel and Sonic generate images, video and speech: other bodies.
        if (model.substr(0, 4) == "nova" && !contains(model, "canvas") && !contains(model, "reel") &&
            !contains(model, "sonic"))
            return bedrock_family::amazon_nova;
        return bedrock_family::other;
    }
    if (provider == "cohere") {
        if (contains(model, "embed")) return bedrock_family::cohere_embed;
        if (model.substr(0, 7) == "command") return bedrock_family::cohere;
        return bedrock_family::other;  // rerank
    }
    if (provider == "meta") return bedrock_family::meta_llama;
    if (provider == "mistral") return bedrock_family::mistral;
    if (provider == "ai21") return bedrock_family::ai21;
    if (provider == "deepseek") return bedrock_family::deepseek;
    if (provider == "openai") return bedrock_family::openai;
    return bedrock_family::other;
}

}  // namespace

bedrock_call classify_bedrock_path(std::string_view method, std::string_view path) {
    if (method != "POST") return {};
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    const auto start = model_id_start(path);
    const auto last_slash = path.rfind('/');
    if (start == std::string_view::npos || last_slash == std::string_view::npos || last_slash <= start) return {};
    const auto api = api_of_action(path.substr(last_slash + 1));
    if (api == bedrock_api::none) return {};
    auto model_id = percent_decode(path.substr(start, last_slash - start));
    return {api, std::move(model_id)};
}

bedrock_family family_of(std::string_view model_id) {
    const auto id = arn_resource(model_id);
    const auto dot = id.find('.');
    if (dot == std::string_view::npos) return bedrock_family::other;
    const auto family = family_of_provider(id.substr(0, dot), id.substr(dot + 1));
    if (family != bedrock_family::other) return family;
    // An inference profile: a geography (us, eu, apac, global, ...) before the provider.
    const auto rest = id.substr(dot + 1);
    const auto next_dot = rest.find('.');
    if (next_dot == std::string_view::npos) return bedrock_family::other;
    return family_of_provider(rest.substr(0, next_dot), rest.substr(next_dot + 1));
}

}  // namespace tokentap::dialects::bedrock
